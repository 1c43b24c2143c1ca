"""The checks of Assignment 2, one per rubric item id. ``CHECK_NAMES`` is what a rubric's ``check:`` may name."""

CHECK_NAMES = (
    'adam', 'use', 'relu_unit', 'relu_in_place', 'relu_network', 'train_network', 'partition',
    'run_experiments', 'swish_ec',
    'results_reported', 'discussion_present', 'plots_present', 'observations_3',
)

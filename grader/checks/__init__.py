"""The checks of Assignment 2. ``CHECK_NAMES`` is what a rubric's ``check:`` may name; ``MODULES`` says where
each lives (several small checks share a module, e.g. the three ReLU checks)."""

MODULES = {
    'adam': 'adam', 'use': 'use',
    'relu_unit': 'relu', 'relu_in_place': 'relu', 'relu_network': 'relu',
    'train_network': 'train_network', 'partition': 'partition', 'run_experiments': 'run_experiments',
    'swish_ec': 'swish',
    'results_reported': 'discussion', 'discussion_present': 'discussion', 'plots_present': 'discussion',
    'observations_3': 'discussion',
}
CHECK_NAMES = tuple(MODULES)

# The names probes call in a student's namespace: loading keeps the code these need and nothing else.
GRADED_NAMES = ('Optimizers', 'NeuralNetwork', 'partition', 'run_experiment', 'run_experiments', 'relu',
                'grad_relu')

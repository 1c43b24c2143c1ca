"""The params each check reads from its rubric item, with their types, ranges and defaults.

``grader rubric validate`` checks a rubric against this table, so a typo (``tolerence``), text where a number
belongs (``min_words: thirty``), a value out of range (``time_budget_seconds: -5``, a share of 5.0) or a message
placeholder that names no param is an error with its line, not a check that silently fails every notebook.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    kind: str                       # 'number', 'integer', 'boolean' or 'text'
    default: object
    about: str
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False     # the minimum itself is not allowed (a tolerance of 0, a budget of 0 s)


def share(default: float, about: str) -> Param:
    return Param('number', default, about, minimum=0.0, maximum=1.0)


def tolerance(default: float, about: str = 'relative tolerance of the comparison with the reference') -> Param:
    return Param('number', default, about, minimum=0.0, maximum=1.0, above_minimum=True)


def seconds(default: float) -> Param:
    return Param('number', default, 'wall-clock seconds this check may take on one notebook', minimum=0.0,
                 maximum=3600.0, above_minimum=True)


def count(default: int, about: str) -> Param:
    return Param('integer', default, about, minimum=0)


# Every code check runs under a time budget (checks.runner).
COMMON_CODE = {'time_budget_seconds': seconds(20.0)}

PARAMS: dict[str, dict[str, Param]] = {
    'adam': {'tolerance': tolerance(1e-6, 'how far (relative) the parabola\'s end point may be from Adam\'s'),
             'hidden_rtol': tolerance(1e-6, 'relative tolerance on the hidden problems'),
             'variant_credit': share(0.5, 'share of the points for Adam variants that depart from the lecture')},
    'use': {'rtol': tolerance(1e-6), 'in_place_credit': share(0.5, 'share of the points when use changes its X')},
    'relu_unit': {'rtol': tolerance(1e-9)},
    'relu_in_place': {},
    'relu_network': {'rtol': tolerance(1e-6),
                     'forward_credit': share(0.5, 'share of a case when forward_pass is right, gradient_f not')},
    'train_network': {'rtol': tolerance(1e-4),
                      'n_epochs': Param('integer', 50, 'epochs each hidden network is trained', minimum=1,
                                        maximum=10000),
                      'learning_rate': Param('number', 0.01, 'learning rate of the hidden training runs',
                                             minimum=0.0, maximum=10.0, above_minimum=True),
                      'return_self_share': share(0.1, 'share lost when train does not return self')},
    'partition': {'shuffle_credit': share(0.5, 'share when the split is right but not shuffled with np.random')},
    'run_experiments': {'rmse_rtol': Param('number', 0.5, 'how far (relative) the RMSE medians may be outside the '
                                           'reference\'s range over seeds', minimum=0.0, maximum=10.0)},
    'swish_ec': {'rtol': tolerance(1e-6),
                 'forward_credit': share(0.5, 'share of a case when forward_pass is right, gradient_f not')},
    'results_reported': {},
    'discussion_present': {'min_words': count(30, 'words the discussion needs')},
    'plots_present': {'min_images': count(1, 'images the plotting section needs')},
    'observations_3': {'min_observations': count(3, 'distinct observations needed')},
}


ANSWER_CHECKS = ('results_reported', 'discussion_present', 'plots_present', 'observations_3')


def params_of(check: str) -> dict[str, Param]:
    """Every param ``check`` reads (answer checks read the notebook, not a kernel: no time budget)."""
    return {**({} if check in ANSWER_CHECKS else COMMON_CODE), **PARAMS.get(check, {})}


def with_defaults(check: str, params: dict) -> dict:
    return {**{k: p.default for k, p in params_of(check).items()}, **params}

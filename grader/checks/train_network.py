"""train_network: a small tanh network trained with Adam reproduces the reference's error trace.

Hidden only (rubric visibility: hidden), so there is no public case: a student kit has nothing to precompute and a
self-check never runs it. Everything, inputs and judging, is in grader.hidden.train_network.
"""
from ..model import Item
from .base import COMMON_FAULTS, CodeCheck, Need, combine_weighted
from .params import Param, tolerance

FAULTS = {
    **COMMON_FAULTS,
    'upstream_missing': 'adam is not implemented, so training cannot be judged',
    'not_list': 'error_trace is not the list of errors adam returns',
    'wrong_length': 'error_trace does not hold one error per epoch',
    'sgd_instead': "train runs sgd when method='adam'",
    't_with_x_stats': 'train standardizes T with X\'s statistics',
    't_not_standardized': 'train does not standardize T',
    'x_not_standardized': 'train does not standardize X',
    'trace_mse': 'error_trace holds mean squared errors, not RMSEs',
    'trace_standardized': 'error_trace holds RMSEs of the standardized targets',
    'tanh_derivative': 'gradient_f uses a wrong derivative of tanh',
    'no_return_self': 'train does not return self',
    'nan': 'training produces nan or inf',
    'wrong_updates': 'the weight updates during training are wrong',
    'wrong_first_error': 'the error before training is wrong (standardization or forward pass)',
    'adam_fault': 'training matches a wrong Adam (charged here only when the adam item did not see it)',
}


def public_cases(params):
    return []


def combine(item: Item, verdicts):
    # Cases are different networks (one hidden layer, two, none): each is worth its share.
    return combine_weighted(item, verdicts, 'Training matches the reference on the hidden cases.')


# Training runs the student's adam: its faults are the adam item's to charge, so a correct Adam stands in here. A
# missing adam is not stood in for: training is then the handout's given code alone, which earns nothing.
PARAMS = {'rtol': tolerance(1e-4, 'relative tolerance on the error traces'),
          'n_epochs': Param('integer', 50, 'epochs each hidden network is trained', minimum=1, maximum=10000),
          'learning_rate': Param('number', 0.01, 'learning rate of the hidden training runs', minimum=0.0, maximum=10.0,
                                 above_minimum=True)}
CHECKS = {'train_network': CodeCheck(public_cases, combine, FAULTS, needs=(Need('adam', 'Optimizers', 'adam'),),
                                     params=PARAMS)}

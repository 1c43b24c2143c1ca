"""swish_ec (extra credit): a network with activation_function='swish' against the reference.

Swish's derivative sigmoid(s) + s·sigmoid(s)·(1 - sigmoid(s)) needs the weighted sums, which the course's
gradient_f does not keep: the expected value also holds the gradient computed from the layer outputs, so that
common mistake is named. A network that raises on 'swish' or quietly computes tanh has no Swish at all: the extra
credit was not attempted, which costs nothing and is said in one line.
"""
from ..model import Item
from .base import COMMON_FAULTS, Case, CaseRun, CodeCheck, Verdict, combine_weighted, public_rng
from .params import tolerance
from .relu import draw_network_inputs, judge_network, network_expect

NOT_ATTEMPTED = 'not attempted'
FAULTS = {
    **COMMON_FAULTS,
    'not_attempted': 'the extra credit was not attempted',
    'from_outputs': 'Swish\'s derivative is computed from the layer outputs instead of the weighted sums',
    'tanh_derivative': 'gradient_f uses tanh\'s derivative for Swish',
    'forward_wrong': 'forward_pass gives wrong layer outputs for Swish',
    'gradient_wrong': 'gradient_f gives a wrong gradient for Swish',
}
FROM_OUTPUTS = ('Swish\'s derivative is computed from the layer outputs, but it needs the weighted sums s: '
                'sigmoid(s) + s·sigmoid(s)·(1 - sigmoid(s)); keep the sums in forward_pass (e.g. self.Ss) and use '
                'them in gradient_f')
GRADIENT = {
    'swish_of_outputs': ('from_outputs', FROM_OUTPUTS),
    'swish_mixed_outputs': ('from_outputs', FROM_OUTPUTS),
    'tanh_derivative': ('tanh_derivative', 'gradient_f uses tanh\'s derivative 1 - Y**2 for Swish: with '
                        'activation_function=\'swish\' use sigmoid(s) + s·sigmoid(s)·(1 - sigmoid(s)) of the '
                        'weighted sums s'),
}
FORWARD = {
    'tanh': ('not_attempted', 'Extra credit not attempted: activation_function=\'swish\' computes tanh'),
    'relu': ('not_attempted', 'Extra credit not attempted: activation_function=\'swish\' computes ReLU'),
}
# Errors a network raises for an activation it does not know.
UNKNOWN_ACTIVATION_ERRORS = ('ValueError', 'KeyError', 'NotImplementedError', 'Exception', 'AssertionError')


def _error_fault(outcome):
    kind = outcome.error.split(':', 1)[0].strip()
    if outcome.status == 'error' and kind in UNKNOWN_ACTIVATION_ERRORS:
        return 'not_attempted', f'Extra credit not attempted: activation_function=\'swish\' raises {kind}'
    return None


def judge_swish(run: CaseRun) -> Verdict:
    return judge_network(run, 'the Swish network', GRADIENT, FORWARD, error_fault=_error_fault)


swish_expect = network_expect(tuple(GRADIENT), tuple(FORWARD))


def public_cases(params):
    rng = public_rng('swish_ec')
    return [Case('swish_one_layer', 'network_pass', draw_network_inputs(rng, 2, [4], 1, 8, 'swish'),
                 judge_swish, expect=swish_expect),
            Case('swish_two_layers', 'network_pass', draw_network_inputs(rng, 3, [4, 3], 2, 9, 'swish'),
                 judge_swish, expect=swish_expect)]


def combine(item: Item, verdicts):
    return combine_weighted(item, verdicts, 'Swish matches the reference.')


CHECKS = {'swish_ec': CodeCheck(public_cases, combine, FAULTS, params={'rtol': tolerance(1e-6)})}

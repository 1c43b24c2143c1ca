"""Hidden Swish cases: random networks of one and two hidden layers (inputs and outputs fixed per case), judged
like the public ones."""
from ..checks.swish import judge_swish, swish_expect
from .relu import random_network_cases


def hidden_cases(params, rng):
    return random_network_cases(rng, ((1, 2, 1), (2, 3, 2)), (2, 6), (5, 11), 'swish', judge_swish, swish_expect)


HIDDEN = {'swish_ec': hidden_cases}

"""Hidden Swish cases: random networks of one and two hidden layers, judged like the public ones."""
from ..checks.base import Case
from ..checks.swish import judge_swish, swish_expect
from ..checks.relu import draw_network_inputs


def hidden_cases(params, rng):
    cases = []
    for n_layers in (1, 2):
        nh = [int(n) for n in rng.integers(2, 6, n_layers)]
        inputs = draw_network_inputs(rng, int(rng.integers(1, 5)), nh, int(rng.integers(1, 3)),
                                     int(rng.integers(5, 11)), 'swish')
        cases.append(Case(f'hidden{n_layers}', 'network_pass', inputs, judge_swish, hidden=True,
                          expect=swish_expect))
    return cases


HIDDEN = {'swish_ec': hidden_cases}

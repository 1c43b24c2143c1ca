"""Hidden ReLU cases: one more array for relu_unit; networks of 1 to 3 hidden layers for relu_network, with
random widths and weights whose hidden sums are partly negative (where a wrong derivative shows)."""
import numpy as np

from ..checks.base import Case
from ..checks.relu import draw_network_inputs, judge_relu_network, judge_unit, relu_expect


def unit_cases(params, rng):
    s = rng.uniform(0.05, 3, size=(int(rng.integers(2, 6)), int(rng.integers(2, 6))))
    s *= rng.choice([-1.0, 1.0], size=s.shape)
    s.flat[:2] = [-abs(s.flat[0]), abs(s.flat[1])]     # both signs, whatever the draw
    return [Case('hidden_array', 'relu_values', {'s': np.round(s, 3)}, judge_unit, hidden=True)]


def network_cases(params, rng):
    cases = []
    for n_layers in (1, 2, 3):
        nh = [int(n) for n in rng.integers(2, 7, n_layers)]
        inputs = draw_network_inputs(rng, int(rng.integers(1, 5)), nh, int(rng.integers(1, 4)),
                                     int(rng.integers(6, 13)), 'relu')
        cases.append(Case(f'hidden{n_layers}', 'network_pass', inputs, judge_relu_network, hidden=True,
                          expect=relu_expect))
    return cases


HIDDEN = {'relu_unit': unit_cases, 'relu_network': network_cases}

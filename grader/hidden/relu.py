"""Hidden ReLU cases: one more array for relu_unit; networks of 1 to 3 hidden layers for relu_network, with
random widths and weights whose hidden sums are partly negative (where a wrong derivative shows).

Numbers of layers, inputs and outputs are fixed per case: conventions a verdict may depend on never change with
the seed (README "Seed-invariant grades"); widths, samples, weights and data do.
"""
import numpy as np

from ..checks.base import Case
from ..checks.relu import draw_network_inputs, judge_relu_network, judge_unit, relu_expect


def unit_cases(params, rng):
    s = rng.uniform(0.05, 3, size=(int(rng.integers(2, 6)), int(rng.integers(2, 6))))
    s *= rng.choice([-1.0, 1.0], size=s.shape)
    s.flat[:2] = [-abs(s.flat[0]), abs(s.flat[1])]     # both signs, whatever the draw
    return [Case('hidden_array', 'relu_values', {'s': np.round(s, 3)}, judge_unit, hidden=True)]


def random_network_cases(rng, shapes, widths, samples, activation, judge, expect):
    """One hidden network case per (hidden layers, inputs, outputs) of ``shapes``; widths and samples are drawn
    from numpy's half-open (low, high) ranges."""
    cases = []
    for n_layers, n_inputs, n_outputs in shapes:
        nh = [int(n) for n in rng.integers(*widths, n_layers)]
        inputs = draw_network_inputs(rng, n_inputs, nh, n_outputs, int(rng.integers(*samples)), activation)
        cases.append(Case(f'hidden{n_layers}', 'network_pass', inputs, judge, hidden=True, expect=expect))
    return cases


def network_cases(params, rng):
    return random_network_cases(rng, ((1, 3, 1), (2, 1, 2), (3, 2, 3)), (2, 7), (6, 13), 'relu', judge_relu_network,
                                relu_expect)


HIDDEN = {'relu_unit': unit_cases, 'relu_network': network_cases}

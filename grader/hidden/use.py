"""Hidden use cases: random shapes, architectures (including linear models written [] and [0]) and statistics
(moderate ones, so that tanh does not saturate and make wrong variants look alike).

The judge and the wrong variants are the public check's, so a hidden failure is named the same way; its
messages describe the kind of case, never its inputs.
"""
from ..checks.base import Case
from ..checks.use import judge, make_inputs, use_expect


def hidden_cases(params, rng):
    cases = []
    for nh in ([], [0], [int(rng.integers(2, 7))], [int(rng.integers(2, 6)), int(rng.integers(2, 6))]):
        n_inputs, n_outputs = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        inputs = make_inputs(rng, n_inputs, nh, n_outputs, int(rng.integers(4, 10)),
                             rng.uniform(-4, 4, n_inputs), rng.uniform(0.3, 3, n_inputs),
                             rng.uniform(-8, 8, n_outputs), rng.uniform(0.3, 5, n_outputs))
        cases.append(Case(f'hidden{len(cases)}', 'use_run', inputs, judge, hidden=True, expect=use_expect))
    return cases


HIDDEN = {'use': hidden_cases}

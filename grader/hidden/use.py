"""Hidden use cases: linear models written [] and [0], one and two hidden layers, with random widths, weights,
samples and statistics (moderate ones, so that tanh does not saturate and make wrong variants look alike).

The numbers of inputs and outputs are fixed per case (one and several of each): they are conventions a verdict
may depend on, so they never change with the seed (README "Seed-invariant grades"). The judge and the wrong
variants are the public check's, so a hidden failure is named the same way; its messages describe the kind of
case, never its inputs.
"""
from ..checks.base import Case
from ..checks.use import judge, make_inputs, use_expect

# (hidden layers, inputs, outputs); a 0 width is drawn at random.
SHAPES = (([], 3, 1), ([0], 1, 2), ([None], 4, 1), ([None, None], 2, 2))


def hidden_cases(params, rng):
    cases = []
    for layers, n_inputs, n_outputs in SHAPES:
        nh = [int(rng.integers(2, 7)) if n is None else n for n in layers]
        inputs = make_inputs(rng, n_inputs, nh, n_outputs, int(rng.integers(4, 10)),
                             rng.uniform(-4, 4, n_inputs), rng.uniform(0.3, 3, n_inputs),
                             rng.uniform(-8, 8, n_outputs), rng.uniform(0.3, 5, n_outputs))
        cases.append(Case(f'hidden{len(cases)}', 'use_run', inputs, judge, hidden=True, expect=use_expect))
    return cases


HIDDEN = {'use': hidden_cases}

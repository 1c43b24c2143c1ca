"""Hidden run_experiments cases: tiny data, grids and fold counts drawn from the grading seed.

Fold counts come from {4, 6, 7}: never the 3 of the handout's partition example nor the 5 of its auto-MPG cell,
the values students hard-code. The judge is the public one; its messages leave hidden grids and counts out.
"""
from ..checks.base import Case
from ..checks.run_experiments import DEFAULT_NAMES, band_expect, judge, tiny_data

HIDDEN_LAYERS = [[2], [3], [4], [2, 2], [3, 2], [4, 3]]


def hidden_cases(params, rng):
    names = list(params.get('names') or DEFAULT_NAMES)
    cases = []
    for i in range(2):
        n_folds = int(rng.choice([4, 6, 7]))
        X, T = tiny_data(rng, int(rng.integers(4 * n_folds, 41)), int(rng.integers(1, 4)))
        epochs = sorted(int(e) for e in rng.choice(range(5, 21), size=int(rng.integers(1, 4)), replace=False))
        nh = [HIDDEN_LAYERS[j] for j in rng.choice(len(HIDDEN_LAYERS), size=int(rng.integers(1, 4)), replace=False)]
        activations = [str(a) for a in rng.permutation(['tanh', 'relu'])[:int(rng.integers(1, 3))]]
        inputs = {'names': names, 'X': X, 'T': T, 'n_folds': n_folds, 'epochs': epochs, 'nh': nh,
                  'activations': activations, 'seed': int(rng.integers(0, 2 ** 31))}
        cases.append(Case(f'hidden{i}', 'experiment_run', inputs, judge, hidden=True, expect=band_expect))
    return cases


HIDDEN = {'run_experiments': hidden_cases}

"""Hidden partition cases: sizes, fold counts, seeds and target widths drawn from the grading seed.

The judge is the public one: it traces rows back to their numbers, so its messages name the fault (order,
alignment, fold sizes, shuffling) and leave the case's sizes out when the case is hidden.
"""
from ..checks.base import Case
from ..checks.partition import indexed_data, judge


def hidden_cases(params, rng):
    cases = []
    for i, shuffle in enumerate((True, True, False)):
        while True:
            n_folds = int(rng.integers(3, 8))
            n = int(rng.integers(17, 61))
            # The first case keeps leftover rows, so np.array_split's fold sizes always show.
            if n // n_folds >= 2 and (i > 0 or n % n_folds):
                break
        X, T = indexed_data(rng, n, int(rng.integers(1, 5)), int(rng.integers(1, 4)))
        inputs = {'X': X, 'T': T, 'n_folds': n_folds, 'random_shuffle': shuffle, 'seed': int(rng.integers(0, 2 ** 31))}
        cases.append(Case(f'hidden{i}', 'partition_run', inputs, judge, hidden=True))
    return cases


HIDDEN = {'partition': hidden_cases}

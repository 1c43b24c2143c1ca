"""Hidden partition cases: sizes, fold counts and seeds drawn from the grading seed.

The judge is the public one: it traces rows back to their numbers, so its messages name the fault (order,
alignment, fold sizes, shuffling) and leave the case's sizes out when the case is hidden. The shuffle setting and
the numbers of X and T columns are fixed per case: conventions a verdict may depend on never change with the seed.
"""
from ..checks.base import Case
from ..checks.partition import indexed_data, judge

# (random_shuffle, X columns, T columns)
SHAPES = ((True, 2, 1), (True, 3, 2), (False, 1, 3))


def hidden_cases(params, rng):
    cases = []
    for i, (shuffle, x_cols, t_cols) in enumerate(SHAPES):
        while True:
            n_folds = int(rng.integers(3, 8))
            n = int(rng.integers(17, 61))
            # Leftover rows in every case, so np.array_split's fold sizes always show.
            if n // n_folds >= 2 and n % n_folds:
                break
        X, T = indexed_data(rng, n, x_cols, t_cols)
        inputs = {'X': X, 'T': T, 'n_folds': n_folds, 'random_shuffle': shuffle, 'seed': int(rng.integers(0, 2 ** 31))}
        cases.append(Case(f'hidden{i}', 'partition_run', inputs, judge, hidden=True))
    return cases


HIDDEN = {'partition': hidden_cases}

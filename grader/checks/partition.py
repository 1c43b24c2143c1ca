"""partition: fold sizes, row alignment, return order and shuffling with NumPy's global generator.

Every case's X and T have unique rows, so each returned array can be traced back to the row numbers it holds:
that is how a wrong return order, misaligned X/T rows, wrong fold sizes (np.array_split, a hard-coded fold
count) and lost or repeated rows are named, whatever shuffle the student used.

Scoring (combine_minimum, the worst case counts): a case scores 1 when the six arrays equal the reference's
under the caller's seed. A partition whose structure is right (sizes, order, alignment, every row exactly once,
n_folds honoured, original order kept with random_shuffle=False) but whose shuffle differs (a seed set inside,
``default_rng``, no shuffle at all) scores ``params.shuffle_credit`` (0.5 in the rubric) on the shuffled cases:
students' results must be reproducible from a ``np.random.seed`` call made before ``partition``. Anything else
scores 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Item
from .base import Case, CaseRun, CodeCheck, Verdict, failed_to_run, make_result, public_rng

NAMES = ('Xtrain', 'Ttrain', 'Xvalidate', 'Tvalidate', 'Xtest', 'Ttest')
ORDER_HINT = 'return Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest, in this order'
GLOBAL_RNG_HINT = ('shuffle with NumPy\'s global generator (np.random.shuffle or np.random.permutation on the row '
                   'indices) and never set a seed inside partition (no np.random.seed, no default_rng), so that a '
                   'np.random.seed call made before partition decides the split')


@dataclass
class Finding:
    message: str = ''
    diagnosis: str = ''
    folds: tuple = ()           # row numbers of (train, validate, test) when the structure is right


def indexed_data(rng: np.random.Generator, n: int, x_cols: int, t_cols: int):
    """X and T whose every row is unique (X values >= 0, T values < 0), so rows can be traced after shuffling."""
    X = rng.permutation(n * x_cols).reshape(n, x_cols).astype(float)
    T = -1.0 - rng.permutation(n * t_cols).reshape(n, t_cols)
    return X.tolist(), T.tolist()


def _row_numbers(a, index: dict, n_cols: int):
    """Row numbers of a's rows in the original array, or None when a is not made of its rows."""
    try:
        a = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        return None
    if a.ndim != 2 or a.shape[1] != n_cols:
        return None
    rows = [index.get(tuple(r)) for r in a.tolist()]
    return None if any(r is None for r in rows) else rows


def _index(A):
    return {tuple(r): i for i, r in enumerate(np.asarray(A, dtype=float).tolist())}


def _sizes_message(sizes, n, n_folds, hidden):
    """Names the rule the fold sizes break: np.array_split's, or another fold count's."""
    m = n // n_folds
    where = '' if hidden else f' ({n} rows, {n_folds} folds: validation {sizes[1]} and test {sizes[2]} rows, ' \
                              f'expected {m} each)'
    split = [len(f) for f in np.array_split(np.arange(n), n_folds)]
    if sizes[1:] == (split[0], split[1]) and sizes[0] == n - split[0] - split[1]:
        return (f'the fold sizes are wrong{where}: each fold must have n // n_folds rows and the last fold takes '
                'the leftover rows; np.array_split gives the leftover rows to the first folds instead'), 'array-split'
    for k in range(2, 11):
        if k != n_folds and sizes == (n - 2 * (n // k), n // k, n // k):
            return (f'partition does not use its n_folds argument{where}: the fold sizes fit another number of '
                    'folds; compute the fold size as n // n_folds'), 'ignores-n_folds'
    return (f'the fold sizes are wrong{where}: validation and test must have n // n_folds rows each and training '
            'the remaining rows'), 'sizes'


def analyse(parts, X, T, n_folds: int, random_shuffle: bool, hidden: bool) -> Finding:
    """What is wrong with the six values partition returned, independent of how it shuffled."""
    if not isinstance(parts, (list, tuple)) or len(parts) != 6:
        got = f'{len(parts)} values' if isinstance(parts, (list, tuple)) else f'a {type(parts).__name__}'
        return Finding(f'partition must return six values ({ORDER_HINT}); it returned {got}', 'not-six')
    X, T = np.asarray(X, dtype=float), np.asarray(T, dtype=float)
    x_index, t_index = _index(X), _index(T)
    kinds, rows = [], []
    for position, part in enumerate(parts):
        as_x, as_t = _row_numbers(part, x_index, X.shape[1]), _row_numbers(part, t_index, T.shape[1])
        one_d = np.ndim(part) == 1 and T.shape[1] == 1 and _row_numbers(np.reshape(part, (-1, 1)), t_index, 1)
        # An empty array fits both X and T: read it as what belongs in its place.
        if as_x is not None and (position % 2 == 0 or as_t is None):
            kind, numbers = 'X', as_x
        elif as_t is not None:
            kind, numbers = 'T', as_t
        elif one_d:
            kind, numbers = 'T1', one_d
        else:
            return Finding(f'the value in {NAMES[position]}\'s place (value {position + 1} of 6) is not made of '
                           'whole rows of the X or T passed in: return their rows, unchanged and shuffled together',
                           'not-rows')
        kinds.append(kind)
        rows.append(numbers)
    plain = [k[0] for k in kinds]
    if plain != ['X', 'T'] * 3:
        return Finding(f'partition returns its values in another order (it returned {", ".join(plain)} arrays): '
                       f'{ORDER_HINT}', 'order')
    if 'T1' in kinds:
        which = NAMES[kinds.index('T1')]
        return Finding(f'{which} is one-dimensional: keep T\'s rows two-dimensional (T[rows, :]), one column per '
                       'target', 'T-1d')
    for i in (0, 2, 4):
        if rows[i] != rows[i + 1]:
            return Finding(f'{NAMES[i]} and {NAMES[i + 1]} hold different rows: shuffle X and T with the same row '
                           'order (index both with one shuffled array of row numbers)', 'misaligned')
    train, val, test = rows[0], rows[2], rows[4]
    n = X.shape[0]
    m = n // n_folds
    sizes = (len(train), len(val), len(test))
    if sizes != (n - 2 * m, m, m):
        return Finding(*_sizes_message(sizes, n, n_folds, hidden))
    if sorted(train + val + test) != list(range(n)):
        return Finding('some rows are repeated or missing: every row must be in exactly one of the training, '
                       'validation and test sets', 'rows-lost')
    if not random_shuffle:
        if val == list(range(m, 2 * m)) and test == list(range(m)):
            return Finding(f'validation and test are swapped: fold 0 validates, fold 1 tests; {ORDER_HINT}', 'order')
        if (val, test, train) != (list(range(m)), list(range(m, 2 * m)), list(range(2 * m, n))):
            return Finding('with random_shuffle=False partition must keep the rows in their original order: the '
                           'first n // n_folds rows validate, the next n // n_folds test, the rest train, in order',
                           'shuffles-anyway')
    return Finding(folds=(train, val, test))


def _identical(parts, expected) -> bool:
    if not isinstance(parts, (list, tuple)) or len(parts) != len(expected):
        return False
    try:
        return all(np.shape(p) == np.shape(e) and np.array_equal(np.asarray(p, dtype=float), np.asarray(e, float))
                   for p, e in zip(parts, expected))
    except (TypeError, ValueError):
        return False


def judge(run: CaseRun) -> Verdict:
    hidden = run.case.hidden
    failed = failed_to_run(run, 'partition failed' + (' on a hidden case' if hidden else ''))
    if failed:
        return failed
    inputs = run.case.inputs
    parts, expected = run.student.value, run.expected
    if _identical(parts, expected):
        return Verdict(1.0, hidden=hidden, weight=run.case.weight)
    args = (inputs['X'], inputs['T'], int(inputs['n_folds']), bool(inputs['random_shuffle']))
    found = analyse(parts, *args, hidden)
    if found.message:
        return Verdict(0.0, found.message, hidden, run.case.weight, found.diagnosis)
    reference = analyse(expected, *args, hidden)
    if not reference.folds or not inputs['random_shuffle']:
        return Verdict(0.0, 'partition returns different rows than the correct split', hidden, run.case.weight,
                       'unknown')
    train, val, test = found.folds
    # Training rows feed a full-batch gradient: their order within the training set does not matter.
    if (val, test) == reference.folds[1:] and sorted(train) == sorted(reference.folds[0]):
        return Verdict(1.0, hidden=hidden, weight=run.case.weight)
    if sorted(map(sorted, found.folds)) == sorted(map(sorted, reference.folds)):
        return Verdict(0.0, f'the training, validation and test rows are in each other\'s places: fold 0 validates, '
                            f'fold 1 tests, the other folds train; {ORDER_HINT}', hidden, run.case.weight, 'order')
    credit = float(run.params.get('shuffle_credit', 0.5))
    if val + test + train == list(range(len(val + test + train))):
        return Verdict(credit, 'partition does not shuffle the rows when random_shuffle=True (the default): '
                               + GLOBAL_RNG_HINT, hidden, run.case.weight, 'no-shuffle')
    return Verdict(credit, 'partition splits correctly but shuffles differently from the reference when the caller '
                           'seeds NumPy: ' + GLOBAL_RNG_HINT, hidden, run.case.weight, 'own-shuffle')


def _handout():
    X = np.arange(40).reshape(20, 2)
    return X.tolist(), (X[:, 0:1] * X[:, 1:2]).tolist()


def public_cases(params):
    rng = public_rng('partition')
    cases = [('handout_seed42', *_handout(), 3, True, 42)]
    for key, n, x_cols, t_cols, n_folds, shuffle, seed in [('seed0_4folds', 23, 2, 1, 4, True, 0),
                                                           ('two_targets_5folds', 27, 3, 2, 5, True, 3),
                                                           ('no_shuffle_4folds', 22, 2, 1, 4, False, 11),
                                                           ('no_shuffle_7folds', 30, 1, 2, 7, False, 5)]:
        cases.append((key, *indexed_data(rng, n, x_cols, t_cols), n_folds, shuffle, seed))
    return [Case(key, 'partition_run', {'X': X, 'T': T, 'n_folds': k, 'random_shuffle': shuffle, 'seed': seed},
                 judge) for key, X, T, k, shuffle, seed in cases]


RUN_FAILURES = ('error', 'timeout', 'died', 'protocol', 'budget')


def combine_once_per_fault(item: Item, verdicts: list[Verdict], fraction: float, pass_message: str):
    """One message per fault: the first case's (public cases come first and may name sizes; hidden ones never)."""
    seen, shown = set(), []
    for v in verdicts:
        repeated = v.diagnosis in seen and v.diagnosis not in RUN_FAILURES
        seen.add(v.diagnosis)
        shown.append(Verdict(v.fraction, '', v.hidden, v.weight, v.diagnosis) if repeated else v)
    return make_result(item, fraction, shown, pass_message)


def combine(item: Item, verdicts):
    fraction = min((v.fraction for v in verdicts), default=0.0)
    return combine_once_per_fault(item, verdicts, fraction, 'partition splits, orders and shuffles the rows correctly.')


CHECKS = {'partition': CodeCheck(public_cases, combine)}

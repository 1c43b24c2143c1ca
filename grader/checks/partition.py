"""partition: fold sizes, row alignment, return order and shuffling with NumPy's global generator.

Every case's X and T have unique rows, so each returned array can be traced back to the row numbers it holds:
that is how a wrong return order, misaligned X/T rows, wrong fold sizes (np.array_split, a hard-coded fold
count) and lost or repeated rows are named, whatever shuffle the student used. The probe calls partition a
second time under another caller's seed: a partition that sets a seed inside returns the same rows twice.

A case may show several independent faults (fold sizes and a seed set inside, say): each is reported, and the
rubric charges each once. Students' results must be reproducible from a ``np.random.seed`` call made before
``partition``, and ``random_shuffle=False`` must keep the rows in order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Item
from .base import COMMON_FAULTS, Case, CaseRun, CodeCheck, Verdict, failed_to_run, make_result, public_rng

NAMES = ('Xtrain', 'Ttrain', 'Xvalidate', 'Tvalidate', 'Xtest', 'Ttest')
ORDER_HINT = 'return Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest, in this order'
GLOBAL_RNG_HINT = ('shuffle with NumPy\'s global generator (np.random.shuffle or np.random.permutation on the row '
                   'indices) and never set a seed inside partition (no np.random.seed, no default_rng), so that a '
                   'np.random.seed call made before partition decides the split')
FAULTS = {
    **COMMON_FAULTS,
    'not_six': 'does not return six values',
    'not_rows': 'returns values that are not rows of X and T',
    'order': 'returns the sets in another order, or swaps validation and test',
    't_1d': 'returns one-dimensional T arrays',
    'misaligned': 'shuffles X and T differently (their rows no longer match)',
    'array_split': 'np.array_split fold sizes (the leftover rows go to the first folds)',
    'ignores_n_folds': 'ignores its n_folds argument',
    'sizes': 'wrong fold sizes',
    'rows_lost': 'loses or repeats rows',
    'no_shuffle': 'does not shuffle when random_shuffle=True',
    'seed_inside': 'sets a seed inside partition (a caller\'s seed no longer decides the split)',
    'own_shuffle': 'shuffles with another generator than NumPy\'s global one',
    'ignores_random_shuffle': 'shuffles even when random_shuffle=False',
}


@dataclass
class Finding:
    faults: list = field(default_factory=list)      # (name, message)
    folds: tuple = ()           # row numbers of (train, validate, test) when the rows could be traced
    stop: bool = False          # a structural fault: nothing more can be judged

    def add(self, name: str, message: str, stop: bool = False) -> 'Finding':
        self.faults.append((name, message))
        self.stop |= stop
        return self


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
                'the leftover rows; np.array_split gives the leftover rows to the first folds instead'), 'array_split'
    for k in range(2, 11):
        if k != n_folds and sizes == (n - 2 * (n // k), n // k, n // k):
            return (f'partition does not use its n_folds argument{where}: the fold sizes fit another number of '
                    'folds; compute the fold size as n // n_folds'), 'ignores_n_folds'
    return (f'the fold sizes are wrong{where}: validation and test must have n // n_folds rows each and training '
            'the remaining rows'), 'sizes'


def trace_rows(parts, X, T) -> Finding:
    """The row numbers of each of the six values, or a structural fault."""
    found = Finding()
    if not isinstance(parts, (list, tuple)) or len(parts) != 6:
        got = f'{len(parts)} values' if isinstance(parts, (list, tuple)) else f'a {type(parts).__name__}'
        return found.add('not_six', f'partition must return six values ({ORDER_HINT}); it returned {got}', True)
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
            return found.add('not_rows', f'the value in {NAMES[position]}\'s place (value {position + 1} of 6) is '
                                         'not made of whole rows of the X or T passed in: return their rows, '
                                         'unchanged and shuffled together', True)
        kinds.append(kind)
        rows.append(numbers)
    plain = [k[0] for k in kinds]
    if plain != ['X', 'T'] * 3:
        return found.add('order', f'partition returns its values in another order (it returned {", ".join(plain)} '
                                  f'arrays): {ORDER_HINT}', True)
    if 'T1' in kinds:
        return found.add('t_1d', f'{NAMES[kinds.index("T1")]} is one-dimensional: keep T\'s rows two-dimensional '
                                 '(T[rows, :]), one column per target', True)
    for i in (0, 2, 4):
        if rows[i] != rows[i + 1]:
            return found.add('misaligned', f'{NAMES[i]} and {NAMES[i + 1]} hold different rows: shuffle X and T '
                                           'with the same row order (index both with one shuffled array of row '
                                           'numbers)', True)
    found.folds = (rows[0], rows[2], rows[4])
    return found


def analyse(parts, again, reference, X, T, n_folds: int, random_shuffle: bool, hidden: bool) -> Finding:
    """Every fault of the six values partition returned (``again``: under another caller's seed), compared with
    the reference's split (``reference``) where the shuffle matters."""
    found = trace_rows(parts, X, T)
    if found.stop:
        return found
    train, val, test = found.folds
    n = np.asarray(X).shape[0]
    m = n // n_folds
    sizes = (len(train), len(val), len(test))
    if sizes != (n - 2 * m, m, m):
        found.add(*reversed(_sizes_message(sizes, n, n_folds, hidden)))
    if sorted(train + val + test) != list(range(n)):
        return found.add('rows_lost', 'some rows are repeated or missing: every row must be in exactly one of the '
                                      'training, validation and test sets', True)
    in_order = val + test + train == list(range(n))
    if not random_shuffle:
        if sizes == (n - 2 * m, m, m) and val == list(range(m, 2 * m)) and test == list(range(m)):
            found.add('order', f'validation and test are swapped: fold 0 validates, fold 1 tests; {ORDER_HINT}')
        elif not in_order:
            found.add('ignores_random_shuffle', 'with random_shuffle=False partition must keep the rows in their '
                                                'original order: the first n // n_folds rows validate, the next '
                                                'n // n_folds test, the rest train, in order')
        return found
    if in_order:
        return found.add('no_shuffle', 'partition does not shuffle the rows when random_shuffle=True (the '
                                       'default): ' + GLOBAL_RNG_HINT)
    repeat = trace_rows(again, X, T)
    if repeat.folds and repeat.folds == found.folds:
        return found.add('seed_inside', 'partition returns the same split whatever seed the caller sets: remove '
                                        'the seed set inside it (np.random.seed, default_rng(seed)) so that the '
                                        'caller\'s np.random.seed decides the split')
    ref = trace_rows(reference, X, T).folds
    if not ref:
        return found
    k = len(val) + len(test)
    order = ref[1] + ref[2] + ref[0]
    if val + test == order[:k] and sorted(train) == sorted(order[k:]):
        return found        # the reference's shuffle; training rows' order within the set does not matter
    if sizes == tuple(map(len, ref)) and sorted(map(sorted, found.folds)) == sorted(map(sorted, ref)):
        return found.add('order', f'the training, validation and test rows are in each other\'s places: fold 0 '
                                  f'validates, fold 1 tests, the other folds train; {ORDER_HINT}')
    return found.add('own_shuffle', 'partition splits correctly but shuffles differently from the reference when '
                                    'the caller seeds NumPy: ' + GLOBAL_RNG_HINT)


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
    inputs, value, expected = run.case.inputs, run.student.value, run.expected
    shuffle = bool(inputs['random_shuffle'])
    if _identical(value['parts'], expected['parts']) and (not shuffle or _identical(value['again'],
                                                                                    expected['again'])):
        return Verdict(1.0, hidden=hidden, weight=run.case.weight)
    found = analyse(value['parts'], value['again'], expected['parts'], inputs['X'], inputs['T'],
                    int(inputs['n_folds']), shuffle, hidden)
    if not found.faults:
        return Verdict(1.0, hidden=hidden, weight=run.case.weight)
    (name, message), more = found.faults[0], tuple(found.faults[1:])
    return Verdict(0.0, message, hidden, run.case.weight, name, more)


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


def combine(item: Item, verdicts):
    fraction = min((v.fraction for v in verdicts), default=0.0)
    return make_result(item, fraction, verdicts, 'partition splits, orders and shuffles the rows correctly.')


CHECKS = {'partition': CodeCheck(public_cases, combine, FAULTS)}

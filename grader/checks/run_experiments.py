"""run_experiments: the grid search's table, its partition call, its optimizer and its RMSEs.

The student's function is found under any of the rubric's alias names (``params.names``, default
``run_experiment`` then ``run_experiments``). Public cases use grids with 1, 2 and 3 choices per parameter and fold
counts other than 3 and 5 (the handout's and the auto-MPG cell's), on a tiny data set, so a grid runs in well
under a second.

Each case's fraction is a sum of parts:
  columns   0.20  a pandas DataFrame whose columns are exactly epochs, nh, lr, act func, RMSE Train, RMSE Val,
                  RMSE Test (any order);
  rows      0.30  one row per combination, in loop order (epochs, then nh, then act func), lr 0.01;
  partition 0.15  partition called with the n_folds argument (half of it when called more than once);
  adam      0.15  networks trained with Optimizers.adam, never sgd;
  rmse      0.20  each RMSE column's median over the grid within the range the reference gives over several
                  seeds, widened by ``params.rmse_rtol`` (0.5: measured, a correct grid with any split stays
                  inside in 100 of 100 seeds; MSEs, standardized units or another target fall outside).
Columns with other names (e.g. 'Train RMSE') cost the columns part only: they are matched leniently for the
other parts. The item's fraction is the worst case's (a function that fails on one grid is wrong).
"""
from __future__ import annotations

import ast
import re

import numpy as np

from ..kernel import probes
from ..model import Item
from .base import Case, CaseRun, CodeCheck, Verdict, failed_to_run, public_rng
from .partition import combine_once_per_fault

COLUMNS = ['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test']
RMSE_COLUMNS = COLUMNS[4:]
WEIGHTS = {'columns': 0.20, 'rows': 0.30, 'partition': 0.15, 'adam': 0.15, 'rmse': 0.20}
DEFAULT_NAMES = ['run_experiment', 'run_experiments']
LEARNING_RATE = 0.01
SEP = '\n'      # between the parts of one case's message; combine() reports each part once
# Words that identify a column under a non-standard name, for the parts other than 'columns'.
SYNONYMS = {
    'epochs': ({'epochs', 'epoch', 'nepochs'},),
    'nh': ({'nh', 'hidden', 'hiddens', 'architecture', 'arch', 'layers', 'units', 'structure'},),
    'lr': ({'lr', 'learning', 'rate', 'eta', 'alpha'},),
    'act func': ({'act', 'activation', 'func', 'function', 'actfunc'},),
    'RMSE Train': ({'rmse'}, {'train', 'training', 'trn'}),
    'RMSE Val': ({'rmse'}, {'val', 'validation', 'validate', 'valid'}),
    'RMSE Test': ({'rmse'}, {'test', 'testing', 'tst'}),
}


def _words(name) -> set:
    return set(re.sub(r'[^a-z0-9]+', ' ', str(name).lower()).split())


def resolve_columns(columns: list) -> dict:
    """Required name -> the student's column holding it: the exact name, else one matching its words."""
    found, used = {}, set()
    for name in COLUMNS:
        if name in columns:
            found[name] = name
            used.add(name)
    for name in COLUMNS:
        if name in found:
            continue
        for col in columns:
            if col not in used and all(_words(col) & group for group in SYNONYMS[name]):
                found[name] = col
                used.add(col)
                break
    return found


def nh_key(value):
    """A hidden-layer choice as a tuple of ints, whether stored as a list, a tuple, an int or its text."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            return value.strip()
    try:
        return tuple(int(v) for v in np.ravel(np.asarray(value, dtype=float)))
    except (TypeError, ValueError):
        return repr(value)


def _combinations(inputs):
    return [(float(e), nh_key(h), str(a))
            for e in inputs['epochs'] for h in inputs['nh'] for a in inputs['activations']]


def _grid(inputs, hidden):
    if hidden:
        return 'a hidden grid'
    sizes = (len(inputs['epochs']), len(inputs['nh']), len(inputs['activations']))
    return f'the grid with {sizes[0]} epoch, {sizes[1]} nh and {sizes[2]} act func choices'


def _columns_part(table, found):
    columns = [str(c) for c in table.columns]
    missing = [c for c in COLUMNS if c not in columns]
    extra = [c for c in columns if c not in COLUMNS]
    if not missing and not extra:
        return ''
    said = []
    if missing:
        said.append('missing ' + ', '.join(repr(c) for c in missing))
    if extra:
        said.append('unexpected ' + ', '.join(repr(c) for c in extra))
    return (f'the table\'s columns must be exactly {", ".join(repr(c) for c in COLUMNS)}: {"; ".join(said)}')


def _rows_part(table, found, inputs, hidden):
    expected = _combinations(inputs)
    if len(table) != len(expected):
        count = '' if hidden else f' ({len(expected)} here)'
        hint = (': build the list of rows in the loops and make the DataFrame once, after them'
                if len(table) == 1 else '')
        return (f'the table has {len(table)} row(s) on {_grid(inputs, hidden)}; one row per combination of the '
                f'choices is expected{count}{hint}')
    lacking = [c for c in ('epochs', 'nh', 'act func', 'lr') if c not in found]
    if lacking:
        return f'no column found for {", ".join(lacking)}: the rows cannot be checked'
    try:
        got = [(float(e), nh_key(h), str(a).strip()) for e, h, a in
               zip(table[found['epochs']], table[found['nh']], table[found['act func']])]
    except (TypeError, ValueError):
        return 'the epochs column must hold numbers of epochs'
    if got != expected:
        if sorted(got, key=repr) == sorted(expected, key=repr):
            return ('the rows are not in loop order: loop over the epochs choices (outer loop), then the nh choices, '
                    'then the act func choices (inner loop), one row each')
        return ('the epochs, nh and act func columns do not hold the combinations of the choices passed in: '
                'store each network\'s n_epochs, hidden-layer list and activation function in its row')
    try:
        lr = np.asarray(table[found['lr']], dtype=float)
    except (TypeError, ValueError):
        lr = None
    if lr is None or not np.allclose(lr, LEARNING_RATE, rtol=1e-9):
        return f'the lr column must hold the learning rate used for training, {LEARNING_RATE}'
    return ''


def _partition_part(calls, n_folds, hidden):
    passed = calls.get('partition') or []
    if not passed:
        return 0.0, 'run_experiment does not call partition: split X and T with partition(X, T, n_folds) first'
    if any(p is None or p != n_folds for p in passed):
        shown = '' if hidden else f' (it passed {", ".join(str(p) for p in passed)} where n_folds was {n_folds})'
        return 0.0, ('run_experiment does not pass its n_folds argument on to partition' + shown +
                     ': call partition(X, T, n_folds), do not hard-code the number of folds')
    if len(passed) > 1:
        return 0.5, ('call partition once, before the loops, so every network is trained and compared on the '
                     'same split')
    return 1.0, ''


def _adam_part(calls):
    if calls.get('sgd', 0):
        return ('run_experiment trains with SGD: train each network with method=\'adam\' '
                '(nnet.train(Xtrain, Ttrain, n_epochs, 0.01, method=\'adam\'))')
    if not calls.get('adam', 0):
        return ('no call to Optimizers.adam was seen: train each network with NeuralNetwork.train(..., '
                'method=\'adam\'), whose optimizer is your Optimizers class')
    return ''


BAND_SEEDS = tuple(range(9001, 9009))


def band_expect(ns, inputs):
    """The reference's table under the case's seed, and each RMSE column's median over rows for several seeds.

    One network's RMSE on a fold of a few rows swings with the split and the initial weights, so single values
    cannot be compared with a tolerance that means anything. A column's median over the grid is steady across
    seeds: a split or an initialisation that differs from the reference's (a partition mistake, scored by the
    partition item) stays inside the seeds' range, while RMSEs in the wrong units, MSEs, a wrong learning rate
    or the wrong rows fall outside it.
    """
    runs = [probes.experiment_run(dict(ns), **{**inputs, 'seed': seed}) for seed in (inputs['seed'],) + BAND_SEEDS]
    band = {}
    for name in RMSE_COLUMNS:
        medians = [float(np.median(np.asarray(r['table'][name], dtype=float))) for r in runs]
        band[name] = [min(medians), max(medians)]
    return {**runs[0], 'band': band}


def _rmse_part(table, found, expected, rtol):
    lacking = [c for c in RMSE_COLUMNS if c not in found]
    if lacking:
        return f'no column found for {", ".join(lacking)}: the RMSEs cannot be checked'
    expected_table = expected.get('table')
    if expected_table is None or len(table) != len(expected_table):
        return 'the RMSEs cannot be compared: the table does not have one row per combination'
    for name in RMSE_COLUMNS:
        try:
            got = np.asarray(table[found[name]], dtype=float)
        except (TypeError, ValueError):
            return f'{name} must hold numbers'
        if not np.all(np.isfinite(got)) or np.any(got < 0):
            return f'{name} holds nan, inf or negative values'
        low, high = expected['band'][name]
        median = float(np.median(got))
        if not low * (1 - rtol) <= median <= high * (1 + rtol):
            return (f'the {name} column is {"too high" if median > high else "too low"} for this grid: train each '
                    'network on the training rows partition returns, with Adam and learning rate 0.01, and '
                    'compute each RMSE, the square root of the mean squared error, in T\'s units from nnet.use() '
                    'on the training, validation and test rows (they come from your own Optimizers and '
                    'NeuralNetwork: if the adam or use check fails, fix that first)')
    return ''


def judge(run: CaseRun) -> Verdict:
    hidden, inputs = run.case.hidden, run.case.inputs
    failed = failed_to_run(run, f'run_experiment failed on {_grid(inputs, hidden)}')
    if failed:
        return failed
    value = run.student.value
    table, calls, expected = value['table'], value['calls'], run.expected or {}
    parts, problems = {}, []
    if type(table).__name__ != 'DataFrame':
        problems.append(f'run_experiment must return a pandas DataFrame (it returned a {value["type"]})')
        parts.update(columns=0.0, rows=0.0, rmse=0.0)
    else:
        found = resolve_columns([str(c) for c in table.columns])
        for part, problem in (('columns', _columns_part(table, found)),
                              ('rows', _rows_part(table, found, inputs, hidden))):
            parts[part] = 0.0 if problem else 1.0
            problems.append(problem)
    parts['partition'], problem = _partition_part(calls, int(inputs['n_folds']), hidden)
    problems.append(problem)
    problem = _adam_part(calls)
    parts['adam'] = 0.0 if problem else 1.0
    problems.append(problem)
    if 'rmse' not in parts:     # last: a wrong split or optimizer, reported above, explains wrong RMSEs
        problem = _rmse_part(table, found, expected, float(run.params.get('rmse_rtol', 0.5)))
        parts['rmse'] = 0.0 if problem else 1.0
        problems.append(problem)
    problems = [p for p in problems if p]
    fraction = sum(WEIGHTS[p] * parts[p] for p in WEIGHTS)
    diagnosis = ','.join(p for p in WEIGHTS if parts[p] < 1)
    return Verdict(round(fraction, 4), SEP.join(problems), hidden, run.case.weight, diagnosis)


def tiny_data(rng: np.random.Generator, n: int, n_inputs: int):
    """A smooth target of a few inputs with a little noise: small enough for a grid to train in milliseconds."""
    X = np.round(rng.uniform(-2, 2, (n, n_inputs)), 2)
    # Far from mean 0 and standard deviation 1, like mpg: RMSEs left in standardized units then show.
    T = 20 + 4 * (np.sin(X[:, :1]) + 0.5 * X[:, -1:]) + rng.normal(0, 0.4, (n, 1))
    return X.tolist(), np.round(T, 3).tolist()


def public_cases(params):
    names = list(params.get('names') or DEFAULT_NAMES)
    X, T = tiny_data(public_rng('run_experiments'), 30, 2)
    grids = [('grid_1x1x1', 4, [10], [[3]], ['tanh'], 1),
             ('grid_2x2x2', 6, [5, 15], [[2], [3, 2]], ['tanh', 'relu'], 2),
             ('grid_3x3x2', 4, [5, 10, 20], [[2], [4], [3, 3]], ['relu', 'tanh'], 3)]
    return [Case(key, 'experiment_run', {'names': names, 'X': X, 'T': T, 'n_folds': k, 'epochs': epochs, 'nh': nh,
                                         'activations': acts, 'seed': seed}, judge, expect=band_expect)
            for key, k, epochs, nh, acts, seed in grids]


def combine(item: Item, verdicts):
    """The worst case's fraction; each distinct problem reported once (cases repeat them)."""
    fraction = min((v.fraction for v in verdicts), default=0.0)
    split, seen = [], set()
    for v in verdicts:
        fresh = [p for p in v.message.split(SEP) if p and p not in seen]
        seen.update(fresh)
        split.append(Verdict(v.fraction, ' '.join(p if p.endswith('.') else p + '.' for p in fresh), v.hidden,
                             v.weight, v.diagnosis))
    return combine_once_per_fault(item, split, fraction, 'run_experiment returns the expected table.')


CHECKS = {'run_experiments': CodeCheck(public_cases, combine)}

"""run_experiments: the grid search's table, its partition call, its optimizer and its RMSEs.

The student's function is found under any of the rubric's alias names (``params.names``, default
``run_experiment`` then ``run_experiments``). Public cases use grids with 1, 2 and 3 choices per parameter and fold
counts other than 3 and 5 (the handout's and the auto-MPG cell's), on a tiny data set, so a grid runs in well
under a second.

Each part of a case names its own faults, so each is charged once whatever else is wrong:
  columns    exactly epochs, nh, lr, act func, RMSE Train, RMSE Val, RMSE Test (any order); columns under other
             names ('layer', 'af', 'Train RMSE', ...) cost this part only: the other parts find them by their words;
  rows       one row per combination, in loop order (epochs, then nh, then act func), the learning rate 0.01;
  partition  partition called once with the n_folds argument;
  adam       networks trained with Optimizers.adam, never sgd;
  rmse       each RMSE column's median over the grid within the range the reference gives over several seeds,
             widened by ``params.rmse_rtol`` (0.5: measured, a correct grid with any split stays inside in 100 of
             100 seeds; MSEs, standardized units or another target fall outside).
run_experiment calls the student's partition, adam, train, use, relu and grad_relu: when their own items found
faults, correct stand-ins replace them here (``needs``), so their faults are not charged again. A faulty ReLU
network that no stand-in can replace leaves the ReLU rows out of the RMSE part.
"""
from __future__ import annotations

import ast
import re

import numpy as np

from ..kernel import probes
from ..model import Item
from .base import COMMON_FAULTS, Case, CaseRun, CodeCheck, Need, Verdict, failed_to_run, make_result, public_rng
from .params import Param

COLUMNS = ['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test']
RMSE_COLUMNS = COLUMNS[4:]
DEFAULT_NAMES = ['run_experiment', 'run_experiments']
LEARNING_RATE = 0.01
FAULTS = {
    **COMMON_FAULTS,
    'fails_on_some_grids': 'fails on some grids (a fixed number of choices assumed?)',
    'not_dataframe': 'does not return a pandas DataFrame',
    'column_names': 'the table\'s column names differ from the handout\'s',
    'row_count': 'not one row per combination of the choices',
    'loop_order': 'rows not in loop order (epochs, then nh, then act func)',
    'wrong_combinations': 'the rows do not hold the combinations of the choices passed in',
    'learning_rate': 'the lr column is not the learning rate 0.01 the handout asks for',
    'no_partition_call': 'does not call partition',
    'ignores_n_folds': 'does not pass its n_folds argument to partition',
    'partition_repeated': 'calls partition more than once',
    'uses_sgd': 'trains with SGD instead of Adam',
    'no_adam_call': 'no network is trained with Optimizers.adam',
    'rmse_off': 'the RMSE values are far from the correct ones (MSEs, standardized units, another learning rate?)',
    'rmse_not_numbers': 'the RMSE columns hold nan, inf, negative or non-numeric values',
}
# Words that identify a column under a non-standard name, for the parts other than 'columns'.
SYNONYMS = {
    'epochs': ({'epochs', 'epoch', 'nepochs'},),
    'nh': ({'nh', 'hidden', 'hiddens', 'architecture', 'arch', 'layers', 'layer', 'units', 'structure',
            'network'},),
    'lr': ({'lr', 'learning', 'rate', 'eta', 'alpha'},),
    'act func': ({'act', 'activation', 'func', 'function', 'actfunc', 'af', 'activations'},),
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
        return []
    said = []
    if missing:
        said.append('missing ' + ', '.join(repr(c) for c in missing))
    if extra:
        said.append('unexpected ' + ', '.join(repr(c) for c in extra))
    return [('column_names', f'the table\'s columns must be exactly {", ".join(repr(c) for c in COLUMNS)}: '
                             f'{"; ".join(said)}')]


def _rows_part(table, found, inputs, hidden):
    expected = _combinations(inputs)
    if len(table) != len(expected):
        count = '' if hidden else f' ({len(expected)} here)'
        hint = (': build the list of rows in the loops and make the DataFrame once, after them'
                if len(table) == 1 else '')
        return [('row_count', f'the table has {len(table)} row(s) on {_grid(inputs, hidden)}; one row per '
                              f'combination of the choices is expected{count}{hint}')]
    if any(c not in found for c in ('epochs', 'nh', 'act func')):
        return []       # the columns part says which are missing; the rows cannot be read without them
    try:
        got = [(float(e), nh_key(h), str(a).strip()) for e, h, a in
               zip(table[found['epochs']], table[found['nh']], table[found['act func']])]
    except (TypeError, ValueError):
        return [('wrong_combinations', 'the epochs column must hold numbers of epochs')]
    if got != expected:
        if sorted(got, key=repr) == sorted(expected, key=repr):
            return [('loop_order', 'the rows are not in loop order: loop over the epochs choices (outer loop), then '
                                   'the nh choices, then the act func choices (inner loop), one row each')]
        return [('wrong_combinations', 'the epochs, nh and act func columns do not hold the combinations of the '
                                       'choices passed in: store each network\'s n_epochs, hidden-layer list and '
                                       'activation function in its row')]
    if 'lr' not in found:
        return []       # left out of the table: the columns part charges it
    try:
        lr = np.asarray(table[found['lr']], dtype=float)
    except (TypeError, ValueError):
        lr = None
    if lr is None or not np.allclose(lr, LEARNING_RATE, rtol=1e-9):
        return [('learning_rate', f'the lr column must hold the learning rate used for training, {LEARNING_RATE}, '
                                  'as the handout asks')]
    return []


def _partition_part(calls, n_folds, hidden):
    passed = calls.get('partition') or []
    if not passed:
        return [('no_partition_call', 'run_experiment does not call partition: split X and T with '
                                      'partition(X, T, n_folds) first')]
    if any(p is None or p != n_folds for p in passed):
        shown = '' if hidden else f' (it passed {", ".join(str(p) for p in passed)} where n_folds was {n_folds})'
        return [('ignores_n_folds', 'run_experiment does not pass its n_folds argument on to partition' + shown +
                                    ': call partition(X, T, n_folds), do not hard-code the number of folds')]
    if len(passed) > 1:
        return [('partition_repeated', 'call partition once, before the loops, so every network is trained and '
                                       'compared on the same split')]
    return []


def _adam_part(calls):
    if calls.get('sgd', 0):
        return [('uses_sgd', 'run_experiment trains with SGD: train each network with method=\'adam\' '
                             '(nnet.train(Xtrain, Ttrain, n_epochs, 0.01, method=\'adam\'))')]
    if not calls.get('adam', 0):
        return [('no_adam_call', 'no call to Optimizers.adam was seen: train each network with '
                                 'NeuralNetwork.train(..., method=\'adam\'), whose optimizer is your Optimizers '
                                 'class')]
    return []


BAND_SEEDS = tuple(range(9001, 9009))


def band_expect(ns, inputs):
    """The reference's table under the case's seed, and each RMSE column's median over rows for several seeds
    (over all rows, and over the rows of other activations than ReLU).

    One network's RMSE on a fold of a few rows swings with the split and the initial weights, so single values
    cannot be compared with a tolerance that means anything. A column's median over the grid is steady across
    seeds: a split or an initialisation that differs from the reference's stays inside the seeds' range, while
    RMSEs in the wrong units, MSEs, a wrong learning rate or the wrong rows fall outside it.
    """
    runs = [probes.experiment_run(dict(ns), **{**inputs, 'seed': seed}) for seed in (inputs['seed'],) + BAND_SEEDS]
    bands = {}
    for key, keep in (('band', lambda acts: [True] * len(acts)), ('band_no_relu', _not_relu)):
        band = {}
        for name in RMSE_COLUMNS:
            medians = [float(np.median(np.asarray(r['table'][name], dtype=float)[keep(r['table']['act func'])]))
                       for r in runs if any(keep(r['table']['act func']))]
            band[name] = [min(medians), max(medians)] if medians else None
        bands[key] = band
    return {**runs[0], **bands}


def _not_relu(activations) -> list[bool]:
    return [str(a).strip().lower() != 'relu' for a in activations]


def _rmse_part(table, found, expected, rtol, without_relu):
    if any(c not in found for c in RMSE_COLUMNS):
        return []       # the columns part says which are missing
    expected_table = expected.get('table')
    if expected_table is None or len(table) != len(expected_table):
        return []       # the rows part says the table has the wrong number of rows
    keep = np.ones(len(table), dtype=bool)
    band = expected['band']
    if without_relu:
        # The ReLU network's faults are relu_network's, and no stand-in can replace a student's network: judge the
        # other rows only.
        keep = np.asarray(_not_relu(expected_table['act func']))
        band = expected.get('band_no_relu') or {}
        if not keep.any():
            return []
    for name in RMSE_COLUMNS:
        try:
            got = np.asarray(table[found[name]], dtype=float)
        except (TypeError, ValueError):
            return [('rmse_not_numbers', f'{name} must hold numbers')]
        if not np.all(np.isfinite(got)) or np.any(got < 0):
            return [('rmse_not_numbers', f'{name} holds nan, inf or negative values')]
        if band.get(name) is None:
            continue
        low, high = band[name]
        median = float(np.median(got[keep]))
        if not low * (1 - rtol) <= median <= high * (1 + rtol):
            return [('rmse_off', f'the {name} column is {"too high" if median > high else "too low"} for this '
                                 'grid: train each network on the training rows partition returns, with Adam and '
                                 'learning rate 0.01, and compute each RMSE, the square root of the mean squared '
                                 'error, in T\'s units from nnet.use() on the training, validation and test rows')]
    return []


def judge(run: CaseRun) -> Verdict:
    hidden, inputs = run.case.hidden, run.case.inputs
    failed = failed_to_run(run, f'run_experiment failed on {_grid(inputs, hidden)}')
    if failed:
        return failed
    value = run.student.value
    table, calls, expected = value['table'], value['calls'], run.expected or {}
    faults = []
    if type(table).__name__ != 'DataFrame':
        faults.append(('not_dataframe', f'run_experiment must return a pandas DataFrame (it returned a '
                                        f'{value["type"]})'))
    else:
        found = resolve_columns([str(c) for c in table.columns])
        faults += _columns_part(table, found) + _rows_part(table, found, inputs, hidden)
    faults += _partition_part(calls, int(inputs['n_folds']), hidden) + _adam_part(calls)
    if type(table).__name__ == 'DataFrame':     # last: a split or optimizer named above explains wrong RMSEs
        faults += _rmse_part(table, found, expected, float(run.params.get('rmse_rtol', 0.5)),
                             'relu_network' in run.params.get('_faulty_upstream', ()))
    if not faults:
        return Verdict(1.0, hidden=hidden, weight=run.case.weight)
    return Verdict(0.0, faults[0][1], hidden, run.case.weight, faults[0][0], tuple(faults[1:]))


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
    """The faults of every case, each once. A function that fails on some grids and runs on others is charged
    for that, and judged on the grids it ran."""
    ran = [v for v in verdicts if v.diagnosis not in ('fails_to_run', 'not_implemented')]
    if ran and len(ran) < len(verdicts):
        failed = next(v for v in verdicts if v not in ran)
        verdicts = ran + [Verdict(0.0, failed.message, failed.hidden, failed.weight, 'fails_on_some_grids')]
    fraction = min((v.fraction for v in verdicts), default=0.0)
    return make_result(item, fraction, verdicts, 'run_experiment returns the expected table.')


NEEDS = (Need('partition', 'partition', 'partition', when_missing=True),
         Need('adam', 'Optimizers', 'adam', when_missing=True),
         Need('use', 'use', 'use', when_missing=True),
         Need('train_network', 'train', 'train', when_missing=True),
         Need('relu_unit', 'relu', 'relu and grad_relu', when_missing=True),
         Need('relu_network', None, 'ReLU network', when_missing=True))
PARAMS = {'rmse_rtol': Param('number', 0.5, "how far (relative) the RMSE medians may be outside the reference's range "
                                           'over seeds', minimum=0.0, maximum=10.0)}
CHECKS = {'run_experiments': CodeCheck(public_cases, combine, FAULTS, needs=NEEDS, params=PARAMS)}

"""The partition check on real notebooks: the solution, the mistakes students make (each named by its fault and
charged the rubric's deduction), and unusual correct splits."""
import re

import numpy as np
import pytest

from grader.kernel import probes, wire
from grader.checks.base import CaseRun
from grader.checks.runner import hidden_rng
from grader.kernel.session import ProbeOutcome
from grader.pipeline.expected import ReferenceExpected
from grader.hidden.partition import hidden_cases
from nbtools import grade_items, student_notebook

SHUFFLE = '        np.random.shuffle(rows)\n'
FOLD_SIZE = '    n_per_fold = X.shape[0] // n_folds\n'
RETURN = '    return Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest\n'

INDEX_ARRAYS = '''
def partition(X, T, n_folds, random_shuffle=True):
    n = X.shape[0]
    order = np.random.permutation(n) if random_shuffle else np.arange(n)
    size = n // n_folds
    bounds = [i * size for i in range(n_folds)] + [n]
    folds = [order[bounds[i]:bounds[i + 1]] for i in range(n_folds)]
    train = np.concatenate(folds[2:])
    return X[train, :], T[train, :], X[folds[0], :], T[folds[0], :], X[folds[1], :], T[folds[1], :]
'''

STACKED_SHUFFLE = '''
def partition(X, T, n_folds, random_shuffle=True):
    both = np.hstack((X, T)).astype(float)
    if random_shuffle:
        np.random.shuffle(both)          # shuffles whole rows, in place
    n_x = X.shape[1]
    m = both.shape[0] // n_folds
    val, test, train = both[:m], both[m:2 * m], both[2 * m:]
    return train[:, :n_x], train[:, n_x:], val[:, :n_x], val[:, n_x:], test[:, :n_x], test[:, n_x:]
'''


def grade_partition(tmp_path, replace=(), append_code=()):
    path = student_notebook(tmp_path, replace=replace, append_code=append_code)
    return grade_items(path, 'partition')[0]['partition']


def charged(score):
    return [d.id for d in score.deductions], score.points


@pytest.fixture(scope='module')
def correct(tmp_path_factory):
    return grade_partition(tmp_path_factory.mktemp('partition'))


def test_solution_passes_public_and_hidden(correct):
    assert correct.status == 'pass' and correct.points == 10, correct.message


# ------------------------------------------------------------------ realistic wrong submissions
def test_array_split_fails_on_fold_sizes_and_names_the_rule(tmp_path):
    score = grade_partition(tmp_path, replace=[(
        '    for foldi in range(n_folds):\n',
        '    Xfolds = np.array_split(X, n_folds)\n    Tfolds = np.array_split(T, n_folds)\n'
        '    for foldi in range(0):\n')])
    assert charged(score) == (['partition.array_split'], 7.0)
    assert 'n // n_folds' in score.message and 'np.array_split' in score.message
    assert 'leftover' in score.message
    assert '(20 rows, 3 folds: validation 7 and test 7 rows, expected 6 each)' in score.message


def test_seeding_inside_partition_costs_its_deduction(tmp_path):
    score = grade_partition(tmp_path, replace=[('    rows = np.arange(X.shape[0])\n',
                                                '    np.random.seed(1234)\n    rows = np.arange(X.shape[0])\n')])
    assert charged(score) == (['partition.seed_inside'], 7.0)
    assert 'remove the seed set inside it' in score.message and "caller's np.random.seed" in score.message


def test_hard_coded_fold_count_fails(tmp_path):
    score = grade_partition(tmp_path, replace=[(FOLD_SIZE, '    n_folds = 5\n' + FOLD_SIZE)])
    assert charged(score) == (['partition.ignores_n_folds'], 5.0)
    assert 'does not use its n_folds argument' in score.message


def test_values_returned_in_another_order_fail(tmp_path):
    wrong_order = '    return Xtrain, Xvalidate, Xtest, Ttrain, Tvalidate, Ttest\n'
    score = grade_partition(tmp_path, replace=[(RETURN, wrong_order)])
    assert charged(score) == (['partition.order'], 5.0)
    assert 'another order' in score.message
    assert 'Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest, in this order' in score.message


# ------------------------------------------------------------------ unusual but correct
def test_permutation_with_index_arrays_and_concatenate_is_correct(tmp_path):
    score = grade_partition(tmp_path, append_code=[INDEX_ARRAYS])
    assert score.status == 'pass' and score.points == 10, score.message


def test_shuffling_stacked_x_and_t_rows_is_correct(tmp_path):
    score = grade_partition(tmp_path, append_code=[STACKED_SHUFFLE])
    assert score.status == 'pass' and score.points == 10, score.message


# ------------------------------------------------------------------ judged without a kernel (public and hidden cases)
def _reference(X, T, n_folds, random_shuffle=True):
    from reference import partition
    return partition(X, T, n_folds, random_shuffle)


def _array_split(X, T, n_folds, random_shuffle=True):
    rows = np.arange(X.shape[0])
    if random_shuffle:
        np.random.shuffle(rows)
    folds = np.array_split(rows, n_folds)
    train = np.concatenate(folds[2:])
    return X[train], T[train], X[folds[0]], T[folds[0]], X[folds[1]], T[folds[1]]


def _misaligned(X, T, n_folds, random_shuffle=True):
    parts = list(_reference(X, T, n_folds, random_shuffle))
    parts[1] = _reference(X, T, n_folds, random_shuffle)[1]     # a second shuffle for T
    return parts


def _default_rng(X, T, n_folds, random_shuffle=True):
    rows = np.random.default_rng().permutation(X.shape[0]) if random_shuffle else np.arange(X.shape[0])
    return _reference(X[rows], T[rows], n_folds, False)


def _never_shuffles(X, T, n_folds, random_shuffle=True):
    return _reference(X, T, n_folds, False)


def _validation_and_test_swapped(X, T, n_folds, random_shuffle=True):
    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = _reference(X, T, n_folds, random_shuffle)
    return Xtrain, Ttrain, Xtest, Ttest, Xval, Tval


def _training_rows_by_setdiff(X, T, n_folds, random_shuffle=True):
    # np.setdiff1d sorts: the training rows come back in their original order, which training does not mind.
    n, m = X.shape[0], X.shape[0] // n_folds
    order = np.random.permutation(n) if random_shuffle else np.arange(n)
    val, test = order[:m], order[m:2 * m]
    train = np.setdiff1d(np.arange(n), np.concatenate([val, test]))
    return X[train], T[train], X[val], T[val], X[test], T[test]


def _judge_all(fn, seed=7):
    from grader.checks.partition import CHECKS
    from grader.checks.runner import cases_for
    from nbtools import rubric_with
    item = rubric_with('partition').item('partition')
    expected = ReferenceExpected()
    verdicts = []
    for case in cases_for(item, 'grade', seed):
        inputs = wire.loads(wire.dumps(case.inputs))
        value = wire.loads(wire.dumps(probes.partition_run({'partition': fn}, **inputs)))
        verdicts.append(case.judge(CaseRun(case, ProbeOutcome('ok', value), expected.value('partition', case),
                                           item.params)))
    return CHECKS['partition'].combine(item, verdicts), verdicts


def _ignores_random_shuffle(X, T, n_folds, random_shuffle=True):
    return _reference(X, T, n_folds, True)


def _seed_inside_and_array_split(X, T, n_folds, random_shuffle=True):
    np.random.seed(42)
    return _array_split(X, T, n_folds, random_shuffle)


@pytest.mark.parametrize('fn,faults,words', [
    (_reference, [], 'right fold sizes'),
    (_training_rows_by_setdiff, [], 'right fold sizes'),
    (_default_rng, ['own_shuffle'], 'never set a seed inside partition (no np.random.seed, no default_rng)'),
    (_never_shuffles, ['no_shuffle'], 'does not shuffle the rows when random_shuffle=True'),
    (_ignores_random_shuffle, ['ignores_random_shuffle'], 'with random_shuffle=False'),
    (_validation_and_test_swapped, ['order'], "in each other's places"),
    (_misaligned, ['misaligned'], 'Xtrain and Ttrain hold different rows'),
    # Two independent faults in one partition: both named, each charged once.
    (_seed_inside_and_array_split, ['array_split', 'seed_inside'], 'np.array_split'),
])
def test_variants_judged_in_process(fn, faults, words):
    result, _ = _judge_all(fn)
    assert sorted(f.id.split('.')[1] for f in result.faults) == faults, result.message
    assert words in result.message


@pytest.mark.parametrize('wrong,diagnosis', [(_array_split, 'array_split'), (_misaligned, 'misaligned')])
def test_hidden_messages_name_the_fault_without_the_inputs(wrong, diagnosis):
    case = hidden_cases({}, hidden_rng(7, 'partition'))[0]      # always has leftover rows and shuffles
    inputs = wire.loads(wire.dumps(case.inputs))
    value = wire.loads(wire.dumps(probes.partition_run({'partition': wrong}, **inputs)))
    expected = ReferenceExpected().value('partition', case)
    verdict = case.judge(CaseRun(case, ProbeOutcome('ok', value), expected, {}))
    assert verdict.hidden and verdict.fraction == 0 and verdict.diagnosis == diagnosis
    n = len(case.inputs['X'])
    assert not re.search(r'\d', verdict.message), verdict.message
    assert f'{n} rows' not in verdict.message and 'folds:' not in verdict.message


def test_a_fault_seen_in_a_public_case_is_reported_once():
    result, verdicts = _judge_all(_array_split)
    assert sum(v.diagnosis == 'array_split' for v in verdicts) > 2
    assert result.message.count('gives the leftover rows to the first folds') == 1

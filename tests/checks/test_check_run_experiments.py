"""The run_experiments check on real notebooks: the solution, the mistakes students make, unusual correct tables."""
import numpy as np
import pytest

from grader.kernel import probes, wire
from grader.checks.base import CaseRun
from grader.checks.run_experiments import nh_key, resolve_columns
from grader.checks.runner import hidden_rng
from grader.kernel.session import ProbeOutcome
from grader.pipeline.expected import ReferenceExpected
from grader.hidden.run_experiments import hidden_cases
from nbtools import grade_items, student_notebook

PARTITION_CALL = 'Xtest, Ttest = partition(X, T, n_folds)\n'
EPOCH_LOOP = '    for n_epochs in n_epochs_choices:\n'
TRAIN = "nnet.train(Xtrain, Ttrain, n_epochs, learning_rate, method='adam')"
APPEND = '                results.append([n_epochs, nh, learning_rate, act_func,\n'
COLUMN_NAMES = "'RMSE Train', 'RMSE Val', 'RMSE Test'])"
# The table grown with pd.concat of one-row frames, and the lecture's name for the function.
CONCAT = [
    ('def run_experiment(X, T, n_folds,', 'def run_experiments(X, T, n_folds,'),
    ('    results = []\n    for n_epochs', '    results = None\n    for n_epochs'),
    (APPEND, '                row = pd.DataFrame([[n_epochs, nh, learning_rate, act_func,\n'),
    ('                                rmse(nnet.use(Xtest), Ttest)])\n',
     "                                rmse(nnet.use(Xtest), Ttest)]], columns=['epochs', 'nh', 'lr', 'act func',\n"
     "                                'RMSE Train', 'RMSE Val', 'RMSE Test'])\n"
     '                results = row if results is None else pd.concat([results, row], ignore_index=True)\n'),
    ("    return pd.DataFrame(results, columns=['epochs', 'nh', 'lr', 'act func',\n"
     "                                          'RMSE Train', 'RMSE Val', 'RMSE Test'])\n", '    return results\n'),
]


def grade_experiments(tmp_path, replace=()):
    path = student_notebook(tmp_path, replace=replace)
    return grade_items(path, 'run_experiments')[0]['run_experiments']


@pytest.fixture(scope='module')
def correct(tmp_path_factory):
    return grade_experiments(tmp_path_factory.mktemp('run_experiments'))


def test_solution_passes_public_and_hidden(correct):
    assert correct.status == 'pass' and correct.points == 10, correct.message


# ------------------------------------------------------------------ realistic wrong submissions
def charged(score):
    return [d.id for d in score.deductions], score.points


def test_hard_coded_fold_count_costs_its_deduction_only(tmp_path):
    score = grade_experiments(tmp_path, replace=[(PARTITION_CALL, 'Xtest, Ttest = partition(X, T, 5)\n')])
    # The other split leaves the RMSE medians within the seeds' range: nothing else is charged.
    assert charged(score) == (['run_experiments.ignores_n_folds'], 7.0), score.message
    assert 'does not pass its n_folds argument on to partition (it passed 5 where n_folds was 4)' in score.message
    assert 'do not hard-code the number of folds' in score.message


def test_unpacking_two_epoch_choices_fails_on_the_other_grids(tmp_path):
    score = grade_experiments(tmp_path, replace=[(EPOCH_LOOP, '    e1, e2 = n_epochs_choices\n'
                                                              '    for n_epochs in [e1, e2]:\n')])
    # It runs on the grid with two epoch choices, where the rest is judged and right.
    assert charged(score) == (['run_experiments.fails_on_some_grids'], 7.0), score.message
    assert 'failed on the grid with 1 epoch, 1 nh and 1 act func choices' in score.message
    assert 'not enough values to unpack' in score.message and 'e1, e2 = n_epochs_choices' in score.message


def test_sgd_costs_its_deduction(tmp_path):
    score = grade_experiments(tmp_path, replace=[(TRAIN, TRAIN.replace("'adam'", "'sgd'"))])
    assert charged(score) == (['run_experiments.uses_sgd'], 7.0), score.message
    assert "trains with SGD: train each network with method='adam'" in score.message


def test_mean_squared_errors_instead_of_rmses_are_off(tmp_path):
    score = grade_experiments(tmp_path, replace=[('    return np.sqrt(np.mean((T - Y) ** 2))',
                                                  '    return np.mean((T - Y) ** 2)')])
    assert charged(score) == (['run_experiments.rmse_off'], 7.0), score.message
    assert 'column is too high for this grid' in score.message and 'square root' in score.message


def test_table_rebuilt_each_iteration_keeps_only_the_last_row(tmp_path):
    score = grade_experiments(tmp_path, replace=[(APPEND, '                results = []\n' + APPEND)])
    # A 1x1x1 grid hides it; the other grids show it. The RMSEs of a one-row table are not compared again.
    assert charged(score) == (['run_experiments.row_count'], 7.0), score.message
    assert 'the table has 1 row(s)' in score.message
    assert 'make the DataFrame once, after them' in score.message


def test_non_standard_column_names_are_listed(tmp_path):
    score = grade_experiments(tmp_path, replace=[(COLUMN_NAMES, "'Train RMSE', 'Val RMSE', 'Test RMSE'])")])
    assert charged(score) == (['run_experiments.column_names'], 8.0), score.message
    assert "missing 'RMSE Train', 'RMSE Val', 'RMSE Test'" in score.message
    assert "unexpected 'Train RMSE', 'Val RMSE', 'Test RMSE'" in score.message


# ------------------------------------------------------------------ unusual but correct
def test_run_experiments_name_and_pd_concat_of_one_row_frames(tmp_path):
    score = grade_experiments(tmp_path, replace=CONCAT)
    assert score.status == 'pass' and score.points == 10, score.message


def test_nh_stored_as_a_string(tmp_path):
    score = grade_experiments(tmp_path, replace=[(APPEND, APPEND.replace('n_epochs, nh,', 'n_epochs, str(nh),'))])
    assert score.status == 'pass' and score.points == 10, score.message


# ------------------------------------------------------------------ pieces, without a kernel
@pytest.mark.parametrize('value,key', [([10], (10,)), ((10, 5), (10, 5)), ('[10]', (10,)), ('[10, 5]', (10, 5)),
                                       ('(10, 5)', (10, 5)), (10, (10,)), (np.array([3, 2]), (3, 2))])
def test_nh_compared_leniently(value, key):
    assert nh_key(value) == key


def test_non_standard_names_are_matched_for_the_other_parts():
    found = resolve_columns(['Epochs', 'hidden units', 'learning rate', 'activation', 'Train RMSE', 'rmse_val',
                             'Test RMSE'])
    assert found == {'epochs': 'Epochs', 'nh': 'hidden units', 'lr': 'learning rate', 'act func': 'activation',
                     'RMSE Train': 'Train RMSE', 'RMSE Val': 'rmse_val', 'RMSE Test': 'Test RMSE'}


def test_hidden_messages_leave_the_grid_out():
    import reference
    from reference.experiment import COLUMNS

    def last_row_only(X, T, n_folds, epochs, nh_choices, activations):
        ns['partition'](X, T, n_folds)
        return reference.run_experiment(X, T, n_folds, epochs, nh_choices, activations).iloc[-1:]

    ns = {'partition': reference.partition, 'Optimizers': reference.Optimizers, 'run_experiment': last_row_only}
    for case in hidden_cases({}, hidden_rng(7, 'run_experiments')):
        inputs = wire.loads(wire.dumps(case.inputs))
        value = wire.loads(wire.dumps(probes.experiment_run(ns, **inputs)))
        expected = ReferenceExpected().value('run_experiments', case)
        verdict = case.judge(CaseRun(case, ProbeOutcome('ok', value), expected, {}))
        n_rows = len(expected['table'])
        assert verdict.hidden and list(value['table'].columns) == COLUMNS
        if n_rows > 1:
            assert verdict.diagnosis == 'row_count' and 'a hidden grid' in verdict.message
            assert f'{n_rows} here' not in verdict.message and 'choices is expected:' in verdict.message
        for e in inputs['epochs']:
            assert f'{e} epoch' not in verdict.message
        assert str(inputs['n_folds']) not in verdict.message.replace('1 row(s)', '')


def test_a_table_that_is_not_a_dataframe_is_charged_for_that_only():
    import reference
    from grader.checks.run_experiments import public_cases

    def as_list(X, T, n_folds, *choices):
        ns['partition'](X, T, n_folds)
        return reference.run_experiment(X, T, n_folds, *choices).values.tolist()

    ns = {'partition': reference.partition, 'Optimizers': reference.Optimizers, 'run_experiment': as_list}
    case = public_cases({})[0]
    value = wire.loads(wire.dumps(probes.experiment_run(ns, **wire.loads(wire.dumps(case.inputs)))))
    expected = ReferenceExpected().value('run_experiments', case)
    verdict = case.judge(CaseRun(case, ProbeOutcome('ok', value), expected, {}))
    assert (verdict.diagnosis, verdict.more) == ('not_dataframe', ()), verdict.message
    assert 'must return a pandas DataFrame (it returned a list)' in verdict.message


def test_names_students_use_are_found_so_only_the_column_names_are_charged():
    found = resolve_columns(['n_epochs', 'layer', 'af', 'RMSE_train', 'RMSE_val', 'RMSE_test'])
    assert found == {'epochs': 'n_epochs', 'nh': 'layer', 'act func': 'af', 'RMSE Train': 'RMSE_train',
                     'RMSE Val': 'RMSE_val', 'RMSE Test': 'RMSE_test'}

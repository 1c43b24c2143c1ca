"""partition and run_experiment of the reference: the properties the grader's checks lean on."""
import itertools

import numpy as np
import pandas
import pytest

from reference import partition, run_experiment, run_experiments

COLUMNS = ['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test']


def indexed_data(n, n_inputs=2):
    # Each X row and its T row both encode the row index, so misaligned shuffling shows up.
    X = np.arange(n * n_inputs, dtype=float).reshape(n, n_inputs)
    T = np.arange(n, dtype=float).reshape(n, 1)
    return X, T


def row_index(X):
    return (X[:, 0] // X.shape[1]).astype(int)


SIZES = [(n, k) for n in (20, 23, 392) for k in (3, 4, 5, 7)]


@pytest.mark.parametrize('n,n_folds', SIZES)
def test_partition_disjoint_complete_and_aligned(n, n_folds):
    X, T = indexed_data(n)
    np.random.seed(1)
    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = partition(X, T, n_folds)
    parts = [row_index(Xtrain), row_index(Xval), row_index(Xtest)]
    for Xp, Tp in [(Xtrain, Ttrain), (Xval, Tval), (Xtest, Ttest)]:
        assert np.array_equal(row_index(Xp), Tp[:, 0].astype(int))
        assert np.array_equal(Xp[:, 1], Xp[:, 0] + 1)
    all_rows = np.concatenate(parts)
    assert len(all_rows) == n
    assert sorted(all_rows.tolist()) == list(range(n))


@pytest.mark.parametrize('n,n_folds', SIZES)
def test_partition_fold_sizes_leftover_in_last_fold(n, n_folds):
    # np.array_split would give the leftover rows to the first folds, i.e. to validation and test.
    X, T = indexed_data(n)
    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = partition(X, T, n_folds)
    per_fold = n // n_folds
    leftover = n - n_folds * per_fold
    assert Xval.shape == (per_fold, 2) and Tval.shape == (per_fold, 1)
    assert Xtest.shape == (per_fold, 2) and Ttest.shape == (per_fold, 1)
    assert Xtrain.shape == ((n_folds - 2) * per_fold + leftover, 2)
    assert Ttrain.shape == (Xtrain.shape[0], 1)


def test_auto_mpg_sized_split():
    X, T = indexed_data(392, 7)
    Xtrain, _, Xval, _, Xtest, _ = partition(X, T, 5)
    assert (len(Xtrain), len(Xval), len(Xtest)) == (236, 78, 78)


@pytest.mark.parametrize('n,n_folds', [(20, 3), (23, 4), (23, 5), (392, 7)])
def test_partition_without_shuffle_keeps_order(n, n_folds):
    X, T = indexed_data(n)
    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = partition(X, T, n_folds, random_shuffle=False)
    m = n // n_folds
    assert row_index(Xval).tolist() == list(range(0, m))
    assert row_index(Xtest).tolist() == list(range(m, 2 * m))
    assert row_index(Xtrain).tolist() == list(range(2 * m, n))
    assert Ttrain[:, 0].tolist() == list(range(2 * m, n))


def test_partition_without_shuffle_leaves_generator_alone():
    np.random.seed(3)
    expected = np.random.uniform()
    np.random.seed(3)
    partition(*indexed_data(20), 3, random_shuffle=False)
    assert np.random.uniform() == expected


def test_partition_uses_global_generator():
    X, T = indexed_data(23)
    np.random.seed(7)
    first = partition(X, T, 4)
    np.random.seed(7)
    second = partition(X, T, 4)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    # Without reseeding the generator has moved on, so the split changes: partition does not seed itself.
    third = partition(X, T, 4)
    assert not np.array_equal(first[4], third[4])
    np.random.seed(8)
    other_seed = partition(X, T, 4)
    assert not np.array_equal(first[4], other_seed[4])


def test_partition_shuffles():
    X, T = indexed_data(23)
    np.random.seed(5)
    _, _, Xval, _, _, _ = partition(X, T, 4)
    assert row_index(Xval).tolist() != list(range(5))


# --- run_experiment ---------------------------------------------------------------------------------------------

EPOCHS = [5, 10]
NHS = [[0], [3]]
ACTS = ['tanh', 'relu']


@pytest.fixture(scope='module')
def small_table():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    T = X[:, 0:1] - 2 * X[:, 1:2] + 0.1 * rng.normal(size=(30, 1))
    np.random.seed(42)
    return run_experiment(X, T, 3, EPOCHS, NHS, ACTS)


def test_run_experiment_columns_and_rows(small_table):
    assert isinstance(small_table, pandas.DataFrame)
    assert list(small_table.columns) == COLUMNS
    assert len(small_table) == len(EPOCHS) * len(NHS) * len(ACTS)


def test_run_experiment_loop_order(small_table):
    expected = list(itertools.product(EPOCHS, NHS, ACTS))
    got = list(zip(small_table['epochs'], small_table['nh'], small_table['act func']))
    assert [(e, list(nh), a) for e, nh, a in got] == [(e, nh, a) for e, nh, a in expected]


def test_run_experiment_lr_and_rmses(small_table):
    assert (small_table['lr'] == 0.01).all()
    rmses = small_table[['RMSE Train', 'RMSE Val', 'RMSE Test']].to_numpy(dtype=float)
    assert np.all(np.isfinite(rmses)) and np.all(rmses > 0)


def test_run_experiment_partitions_with_callers_seed():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    T = X[:, 0:1] * X[:, 1:2]
    np.random.seed(11)
    a = run_experiment(X, T, 3, [5], [[2]], ['tanh'])
    np.random.seed(11)
    b = run_experiment(X, T, 3, [5], [[2]], ['tanh'])
    pandas.testing.assert_frame_equal(a, b)


def test_run_experiment_is_silent(capsys):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    run_experiment(X, X[:, :1] ** 2, 3, [10], [[2]], ['relu'])
    assert capsys.readouterr().out == ''


def test_lecture_name_is_same_function():
    assert run_experiments is run_experiment

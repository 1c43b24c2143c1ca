"""Train/validation/test partitioning and the grid search of the assignment."""
import numpy as np
import pandas

from .network import NeuralNetwork

COLUMNS = ['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test']
LEARNING_RATE = 0.01


def rmse(Y, T):
    return np.sqrt(np.mean((T - Y) ** 2))


def partition(X, T, n_folds, random_shuffle=True):
    """Fold 0 is validation, fold 1 test, the rest training; the last fold takes the leftover rows.

    Shuffles with the global generator so that a caller's ``np.random.seed`` decides the split.
    """
    rows = np.arange(X.shape[0])
    if random_shuffle:
        np.random.shuffle(rows)
    X = X[rows, :]
    T = T[rows, :]
    n_per_fold = X.shape[0] // n_folds
    folds = []
    start = 0
    for _ in range(n_folds - 1):
        folds.append((X[start:start + n_per_fold, :], T[start:start + n_per_fold, :]))
        start += n_per_fold
    folds.append((X[start:, :], T[start:, :]))
    Xvalidate, Tvalidate = folds[0]
    Xtest, Ttest = folds[1]
    Xtrain = np.vstack([Xf for Xf, _ in folds[2:]])
    Ttrain = np.vstack([Tf for _, Tf in folds[2:]])
    return Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest


def run_experiment(X, T, n_folds, n_epochs_choices, n_hidden_units_per_layer_choices,
                   activation_function_choices):
    """Train one network per combination with Adam; one table row each, in loop order."""
    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = partition(X, T, n_folds)
    rows = []
    for n_epochs in n_epochs_choices:
        for nh in n_hidden_units_per_layer_choices:
            for act in activation_function_choices:
                nnet = NeuralNetwork(X.shape[1], nh, T.shape[1], act)
                nnet.train(Xtrain, Ttrain, n_epochs, LEARNING_RATE, method='adam', verbose=False)
                rows.append([n_epochs, nh, LEARNING_RATE, act,
                             rmse(nnet.use(Xtrain), Ttrain),
                             rmse(nnet.use(Xval), Tval),
                             rmse(nnet.use(Xtest), Ttest)])
    return pandas.DataFrame(rows, columns=COLUMNS)


# The lecture's name for the same function.
run_experiments = run_experiment

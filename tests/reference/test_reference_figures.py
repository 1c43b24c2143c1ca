"""The reference solution reproduces the figures the grader is built on (README, "The assignment").

Every expected number here is a literal taken from the facts sheet (re-computed once in NumPy 2.x), never
computed by the code under test: if the reference drifts, these tests say so instead of following it.
"""
import numpy as np
import pytest

from reference import NeuralNetwork, Optimizers, partition, rmse

N_EPOCHS = 100
LEARNING_RATE = 0.1


def parabola_error(w):
    return ((w - 5) ** 2)[0]


def parabola_gradient(w):
    return 2 * (w - 5)


def product_data():
    X = np.arange(40).reshape(20, 2).astype(float)
    T = X[:, 0:1] * X[:, 1:2]
    return X, T


def trained_product_net(activation_function='tanh'):
    X, T = product_data()
    np.random.seed(42)
    kwargs = {} if activation_function == 'tanh' else {'activation_function': activation_function}
    nnet = NeuralNetwork(2, [10], 1, **kwargs)
    nnet.train(X, T, 1000, 0.01, method='adam')
    return nnet, X, T


# --- Optimizers on the parabola -----------------------------------------------------------------------------

def test_adam_parabola_figure():
    w = np.array([0.0])
    Optimizers(w).adam(parabola_error, parabola_gradient, [w], N_EPOCHS, LEARNING_RATE)
    assert w[0] == pytest.approx(5.03900403122392, abs=1e-9)


def test_sgd_parabola_figure():
    w = np.array([0.0])
    Optimizers(w).sgd(parabola_error, parabola_gradient, [w], N_EPOCHS, LEARNING_RATE)
    assert w[0] == pytest.approx(4.999999998981481, abs=1e-12)


@pytest.mark.parametrize('method', ['sgd', 'adam'])
def test_optimizer_updates_in_place_and_returns_errors(method):
    # The network's Ws are views into all_weights: an optimizer that rebinds instead of updating in place
    # trains nothing, so the very array object handed over must be the one that moves.
    w = np.array([0.0])
    opt = Optimizers(w)
    errors = getattr(opt, method)(parabola_error, parabola_gradient, [w], N_EPOCHS, LEARNING_RATE)
    assert opt.all_weights is w
    assert w[0] != 0.0
    assert isinstance(errors, list) and len(errors) == N_EPOCHS
    # Errors are recorded before each step, so the first is the error at the start point.
    assert errors[0] == pytest.approx(25.0)


@pytest.mark.parametrize('n_outputs', [1, 2])
def test_train_converts_errors_as_the_handouts_given_code(n_outputs):
    """(np.sqrt(err) * self.Tstds)[0] for any number of outputs, as the handout's train: with two outputs the trace
    is the overall RMSE in the first output's units (the handout's given code is not graded: the reference keeps it)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    T = np.column_stack([X[:, 0] * 3 + 10, X[:, 1] * 7 - 2])[:, :n_outputs]
    nnet = NeuralNetwork(2, [3], n_outputs)
    start = NeuralNetwork(2, [3], n_outputs)
    start.all_weights[:] = nnet.all_weights
    nnet.train(X, T, 1, 0.01, method='sgd', verbose=False)
    Xs, Ts = (X - nnet.Xmeans) / nnet.Xstds, (T - nnet.Tmeans) / nnet.Tstds
    assert nnet.error_trace[0] == pytest.approx(np.sqrt(start.error_f(Xs, Ts)) * nnet.Tstds[0], rel=1e-12)


@pytest.mark.parametrize('method', ['sgd', 'adam'])
def test_error_convert_f_is_applied(method):
    w_plain, w_conv = np.array([0.0]), np.array([0.0])
    plain = getattr(Optimizers(w_plain), method)(parabola_error, parabola_gradient, [w_plain], 20, 0.1)
    converted = getattr(Optimizers(w_conv), method)(parabola_error, parabola_gradient, [w_conv], 20, 0.1,
                                                    error_convert_f=lambda e: -np.sqrt(e))
    assert converted == pytest.approx([-np.sqrt(e) for e in plain], rel=1e-15)
    assert converted[0] == pytest.approx(-5.0)


def test_adam_state_continues_across_calls():
    # mt, vt and beta1t/beta2t live on the object so that successive calls continue one run.
    w_once = np.array([0.0])
    Optimizers(w_once).adam(parabola_error, parabola_gradient, [w_once], 100, LEARNING_RATE)

    w_twice = np.array([0.0])
    opt = Optimizers(w_twice)
    opt.adam(parabola_error, parabola_gradient, [w_twice], 50, LEARNING_RATE)
    beta1t_after_50 = opt.beta1t
    opt.adam(parabola_error, parabola_gradient, [w_twice], 50, LEARNING_RATE)

    assert beta1t_after_50 == pytest.approx(0.9 ** 50)
    assert opt.beta1t == pytest.approx(0.9 ** 100)
    assert w_twice[0] == pytest.approx(w_once[0], abs=1e-15)
    assert w_twice[0] == pytest.approx(5.03900403122392, abs=1e-9)


# --- Seed-42 network figures ----------------------------------------------------------------------------------

def test_seed42_tanh_network_figure():
    nnet, _, _ = trained_product_net()
    assert len(nnet.error_trace) == 1000
    assert nnet.error_trace[-1] == pytest.approx(4.541972554248623, abs=1e-9)


def test_seed42_relu_network_figure():
    # 28.2254 would mean a ReLU derivative of 1 everywhere.
    nnet, _, _ = trained_product_net('relu')
    assert nnet.error_trace[-1] == pytest.approx(5.7357, abs=1e-3)


def test_use_returns_original_units_and_keeps_X():
    nnet, X, T = trained_product_net()
    X_before = X.copy()
    Y = nnet.use(X)
    assert np.array_equal(X, X_before)
    assert Y.shape == T.shape
    # error_trace[-1] is the error before the last Adam step, so use() after training is a touch better.
    assert rmse(Y, T) == pytest.approx(4.529961928743136, abs=1e-9)
    assert rmse(Y, T) == pytest.approx(nnet.error_trace[-1], rel=0.01)
    # Standardized output would be within a few units of 0; the targets run from 0 to 1482.
    assert Y.ravel()[:2] == pytest.approx([-7.763122879695516, 6.420086692253506], abs=1e-9)
    Xs = (X - nnet.Xmeans) / nnet.Xstds
    Ts = (T - nnet.Tmeans) / nnet.Tstds
    assert rmse(Y, T) == pytest.approx(np.sqrt(nnet.error_f(Xs, Ts)) * nnet.Tstds[0], rel=1e-12)


def test_train_verbose_false_is_silent(capsys):
    X, T = product_data()
    np.random.seed(42)
    NeuralNetwork(2, [3], 1).train(X, T, 20, 0.01, method='adam', verbose=False)
    assert capsys.readouterr().out == ''
    NeuralNetwork(2, [3], 1).train(X, T, 20, 0.01, method='adam')
    assert 'Adam: Epoch 20' in capsys.readouterr().out


# --- Seed-42 partition -----------------------------------------------------------------------------------------

def test_seed42_partition_figure():
    X, T = product_data()
    np.random.seed(42)
    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = partition(X, T, 3)
    assert Xtest.tolist() == [[22, 23], [6, 7], [36, 37], [32, 33], [26, 27], [4, 5]]
    assert Xtrain.shape == (8, 2) and Ttrain.shape == (8, 1)
    assert Xval.shape == (6, 2) and Tval.shape == (6, 1)
    assert Xtest.shape == (6, 2) and Ttest.shape == (6, 1)
    assert np.array_equal(Ttest, Xtest[:, 0:1] * Xtest[:, 1:2])


def test_partition_follows_callers_seed():
    # A partition that seeds itself would give the seed-42 rows here too.
    X, T = product_data()
    np.random.seed(0)
    Xtest = partition(X, T, 3)[4]
    assert Xtest.tolist() != [[22, 23], [6, 7], [36, 37], [32, 33], [26, 27], [4, 5]]


# --- Network structure -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('n_hiddens', [0, [], [0]])
def test_linear_model_spellings(n_hiddens):
    nnet = NeuralNetwork(3, n_hiddens, 2)
    assert len(nnet.Ws) == 1
    assert nnet.Ws[0].shape == (4, 2)
    assert nnet.all_weights.shape == (8,)
    X = np.random.randn(5, 3)
    nnet.forward_pass(X)
    assert np.allclose(nnet.Ys[-1], X @ nnet.Ws[0][1:] + nnet.Ws[0][0])


def test_Ws_are_views_into_all_weights():
    nnet = NeuralNetwork(2, [4, 3], 1)
    assert [W.shape for W in nnet.Ws] == [(3, 4), (5, 3), (4, 1)]
    assert nnet.all_weights.size == 3 * 4 + 5 * 3 + 4 * 1
    for W in nnet.Ws:
        assert np.shares_memory(W, nnet.all_weights)
    nnet.all_weights[:] = np.arange(nnet.all_weights.size)
    assert nnet.Ws[0][0, 0] == 0 and nnet.Ws[1][0, 0] == 12 and nnet.Ws[2][-1, 0] == 30
    # Bias row first: the first row of each W holds the first n_out entries of its slice.
    assert nnet.Ws[0][0].tolist() == [0, 1, 2, 3]


def test_network_relu_does_not_modify_argument():
    nnet = NeuralNetwork(2, [3], 1, activation_function='relu')
    s = np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.0]])
    s_before = s.copy()
    assert nnet.relu(s).tolist() == [[0.0, 0.0, 3.0], [1.5, 0.0, 0.0]]
    assert np.array_equal(s, s_before)
    assert nnet.grad_relu(s).tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    assert np.array_equal(s, s_before)


def test_grad_relu_is_zero_at_zero():
    # gradient_f applies grad_relu to layer outputs, where inactive units are exactly 0.
    nnet = NeuralNetwork(2, [3], 1, activation_function='relu')
    assert float(np.ravel(nnet.grad_relu(np.array([0.0])))[0]) == 0.0


def test_tanh_is_default_and_unknown_activation_rejected():
    assert NeuralNetwork(2, [3], 1).activation_function == 'tanh'
    with pytest.raises(ValueError):
        NeuralNetwork(2, [3], 1, activation_function='sigmoidal')


# --- gradient_f against finite differences --------------------------------------------------------------------

GRADIENT_SEED = 4  # for this seed no ReLU sum lies near the kink and every hidden layer has both signs


def numerical_gradient(nnet, X, T, h=1e-6):
    grad = np.zeros_like(nnet.all_weights)
    for i in range(nnet.all_weights.size):
        saved = nnet.all_weights[i]
        nnet.all_weights[i] = saved + h
        e_plus = nnet.error_f(X, T)
        nnet.all_weights[i] = saved - h
        e_minus = nnet.error_f(X, T)
        nnet.all_weights[i] = saved
        grad[i] = (e_plus - e_minus) / (2 * h)
    return grad


@pytest.mark.parametrize('activation_function', ['tanh', 'relu', 'swish'])
def test_gradient_f_is_half_the_numerical_gradient(activation_function):
    np.random.seed(GRADIENT_SEED)
    X = np.random.randn(12, 3)
    T = np.random.randn(12, 2)
    X = (X - X.mean(0)) / X.std(0)
    T = (T - T.mean(0)) / T.std(0)
    nnet = NeuralNetwork(3, [4, 3], 2, activation_function)
    # The initial weights are all positive, so the second layer's ReLU sums would never go negative.
    nnet.all_weights[:] = np.random.randn(nnet.all_weights.size) * 0.8

    nnet.error_f(X, T)
    if activation_function == 'relu':
        for S in nnet.Ss:
            assert (S < 0).any() and (S > 0).any()
            assert np.abs(S).min() > 1e-4
    analytic = nnet.gradient_f(X, T).copy()
    numeric = numerical_gradient(nnet, X, T)

    assert np.abs(numeric).max() > 1e-2
    np.testing.assert_allclose(analytic, 0.5 * numeric, rtol=1e-5, atol=1e-9)

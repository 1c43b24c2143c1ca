"""reference.activations: each derivative agrees with a finite difference of its own function.

Kinked functions are only differentiated away from 0, where a central difference straddling the kink would
average the two slopes.
"""
import math
import warnings

import numpy as np
import pytest

from reference import activations as act

H = 1e-6
SMOOTH_POINTS = np.linspace(-3, 3, 41)
AWAY_FROM_ZERO = np.concatenate([np.linspace(-3, -0.1, 15), np.linspace(0.1, 3, 15)])
KINKED = {'relu', 'leaky_relu', 'elu'}


def central_difference(f, s, h=H):
    return (f(s + h) - f(s - h)) / (2 * h)


def points_for(name):
    return AWAY_FROM_ZERO if name in KINKED else SMOOTH_POINTS


def test_family_lists_every_one_argument_function():
    assert set(act.FAMILY) == {'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'gelu', 'swish', 'silu'}


@pytest.mark.parametrize('name', sorted(act.FAMILY))
def test_derivative_matches_finite_difference(name):
    f, grad = act.FAMILY[name]
    s = points_for(name)
    np.testing.assert_allclose(grad(s), central_difference(f, s), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize('alpha', [0.01, 0.2])
def test_leaky_relu_with_other_slopes(alpha):
    s = AWAY_FROM_ZERO
    np.testing.assert_allclose(act.grad_leaky_relu(s, alpha),
                               central_difference(lambda x: act.leaky_relu(x, alpha), s), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize('alpha', [0.5, 1.0, 2.0])
def test_elu_with_other_alphas(alpha):
    s = AWAY_FROM_ZERO
    np.testing.assert_allclose(act.grad_elu(s, alpha),
                               central_difference(lambda x: act.elu(x, alpha), s), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize('a', [0.05, 0.25, -0.3])
def test_prelu_derivatives_in_s_and_a(a):
    s = AWAY_FROM_ZERO
    np.testing.assert_allclose(act.grad_prelu(s, a), central_difference(lambda x: act.prelu(x, a), s),
                               rtol=1e-6, atol=1e-8)
    # The learned slope only matters where s <= 0, so its derivative is s there and 0 elsewhere.
    np.testing.assert_allclose(act.grad_prelu_a(s, a), central_difference(lambda b: act.prelu(s, b), a),
                               rtol=1e-6, atol=1e-8)


def test_exact_values():
    assert float(act.sigmoid(0.0)) == 0.5
    assert float(act.tanh(0.0)) == 0.0
    assert float(act.swish(1.0)) == pytest.approx(0.7310585786300049, abs=1e-15)
    assert float(act.silu(1.0)) == pytest.approx(0.7310585786300049, abs=1e-15)
    assert float(act.gelu(1.0)) == pytest.approx(0.8413447460685429, abs=1e-15)
    assert float(act.gelu(0.0)) == 0.0
    assert float(act.elu(-1.0)) == pytest.approx(-0.6321205588285577, abs=1e-15)
    assert act.relu(np.array([-2.0, 0.0, 3.0])).tolist() == [0.0, 0.0, 3.0]
    assert act.leaky_relu(np.array([-2.0, 3.0])).tolist() == [-0.02, 3.0]
    assert act.prelu(np.array([-2.0, 3.0]), 0.25).tolist() == [-0.5, 3.0]
    assert float(act.grad_sigmoid(0.0)) == 0.25
    assert float(act.grad_swish(0.0)) == 0.5
    assert float(act.grad_gelu(0.0)) == 0.5
    assert float(act.grad_tanh(0.0)) == 1.0


def test_grad_relu_is_zero_at_zero():
    # The lecture's convention; a derivative of 1 at 0 breaks backprop through layer outputs.
    assert act.grad_relu(np.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 0.0, 1.0]


def test_gelu_is_exact_not_tanh_approximation():
    s = np.array([-2.0, -0.5, 0.7, 2.5])
    exact = [x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in s]
    np.testing.assert_allclose(act.gelu(s), exact, rtol=1e-14)


def every_call():
    a = 0.2
    for name, (f, grad) in act.FAMILY.items():
        yield name, f
        yield 'grad_' + name, grad
    yield 'prelu', lambda s: act.prelu(s, a)
    yield 'grad_prelu', lambda s: act.grad_prelu(s, a)
    yield 'grad_prelu_a', lambda s: act.grad_prelu_a(s, a)


@pytest.mark.parametrize('name,f', list(every_call()), ids=[n for n, _ in every_call()])
def test_argument_not_modified(name, f):
    s = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
    s_before = s.copy()
    out = f(s)
    assert np.array_equal(s, s_before)
    assert out.shape == s.shape
    assert not np.shares_memory(out, s)


def test_sigmoid_family_stable_for_huge_sums():
    # exp(-1000) underflowing to 0 is the right answer, so only overflow, 0/0 and divide errors count.
    s = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with np.errstate(over='raise', invalid='raise', divide='raise', under='ignore'):
            y = act.sigmoid(s)
            sw = act.swish(s)
            gsw = act.grad_swish(s)
            gs = act.grad_sigmoid(s)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    assert np.all(np.isfinite(sw)) and np.all(np.isfinite(gsw)) and np.all(np.isfinite(gs))
    assert sw[-1] == 1000.0 and sw[0] == pytest.approx(0.0, abs=1e-300)
    assert gsw[-1] == 1.0 and gsw[0] == pytest.approx(0.0, abs=1e-300)

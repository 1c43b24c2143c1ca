"""The activation functions the lecture covers, each with its derivative with respect to the weighted sum.

Every function returns a new array and leaves its argument untouched.
"""
import math

import numpy as np


def sigmoid(s):
    s = np.asarray(s, dtype=float)
    # Split by sign so that exp never overflows.
    out = np.empty_like(s)
    pos = s >= 0
    out[pos] = 1 / (1 + np.exp(-s[pos]))
    e = np.exp(s[~pos])
    out[~pos] = e / (1 + e)
    return out


def grad_sigmoid(s):
    y = sigmoid(s)
    return y * (1 - y)


def tanh(s):
    return np.tanh(s)


def grad_tanh(s):
    return 1 - np.tanh(s) ** 2


def relu(s):
    return np.maximum(s, 0)


def grad_relu(s):
    # The lecture's convention: derivative 0 at exactly 0.
    return (np.asarray(s) > 0).astype(float)


def leaky_relu(s, alpha=0.01):
    s = np.asarray(s, dtype=float)
    return np.where(s > 0, s, alpha * s)


def grad_leaky_relu(s, alpha=0.01):
    return np.where(np.asarray(s) > 0, 1.0, alpha)


def prelu(s, a):
    """Parametric ReLU: like leaky ReLU, but the slope ``a`` is learned."""
    return leaky_relu(s, a)


def grad_prelu(s, a):
    return grad_leaky_relu(s, a)


def grad_prelu_a(s, a):
    """Derivative of PReLU with respect to its learned slope."""
    s = np.asarray(s, dtype=float)
    return np.where(s > 0, 0.0, s)


def elu(s, alpha=1.0):
    s = np.asarray(s, dtype=float)
    return np.where(s > 0, s, alpha * np.expm1(np.minimum(s, 0)))


def grad_elu(s, alpha=1.0):
    s = np.asarray(s, dtype=float)
    return np.where(s > 0, 1.0, alpha * np.exp(np.minimum(s, 0)))


_erf = np.vectorize(math.erf, otypes=[float])


def _std_normal_cdf(s):
    return 0.5 * (1 + _erf(np.asarray(s, dtype=float) / math.sqrt(2)))


def gelu(s):
    """Exact GELU, s * Phi(s), with Phi the standard normal CDF."""
    s = np.asarray(s, dtype=float)
    return s * _std_normal_cdf(s)


def grad_gelu(s):
    s = np.asarray(s, dtype=float)
    pdf = np.exp(-0.5 * s ** 2) / math.sqrt(2 * math.pi)
    return _std_normal_cdf(s) + s * pdf


def swish(s):
    """Swish with beta = 1, also called SiLU: s * sigmoid(s)."""
    s = np.asarray(s, dtype=float)
    return s * sigmoid(s)


def grad_swish(s):
    y = sigmoid(s)
    s = np.asarray(s, dtype=float)
    return y + s * y * (1 - y)


silu = swish
grad_silu = grad_swish

# name -> (function, derivative) for the one-argument functions.
FAMILY = {
    'sigmoid': (sigmoid, grad_sigmoid),
    'tanh': (tanh, grad_tanh),
    'relu': (relu, grad_relu),
    'leaky_relu': (leaky_relu, grad_leaky_relu),
    'elu': (elu, grad_elu),
    'gelu': (gelu, grad_gelu),
    'swish': (swish, grad_swish),
    'silu': (silu, grad_silu),
}

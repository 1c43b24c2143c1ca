"""Gradient-descent optimizers with the course's API (README, "The assignment").

Both methods update ``all_weights`` in place, because the network's per-layer weight matrices are views into
that one vector: reassigning it would silently stop training.
"""
import numpy as np


class Optimizers:

    def __init__(self, all_weights):
        self.all_weights = all_weights
        # Adam's state lives on the object so that successive calls continue one run (mini-batches).
        self.mt = np.zeros_like(all_weights)
        self.vt = np.zeros_like(all_weights)
        self.beta1 = 0.9
        self.beta2 = 0.999
        self.beta1t = 1
        self.beta2t = 1

    def sgd(self, error_f, gradient_f, fargs=[], n_epochs=100, learning_rate=0.001, error_convert_f=None):
        error_trace = []
        epochs_per_print = max(1, n_epochs // 10)
        for epoch in range(n_epochs):
            error = error_f(*fargs)
            grad = gradient_f(*fargs)
            self.all_weights -= learning_rate * grad
            if error_convert_f:
                error = error_convert_f(error)
            error_trace.append(error)
            if (epoch + 1) % epochs_per_print == 0:
                print(f'sgd: Epoch {epoch + 1:d} Error={float(np.ravel(error)[0]):.5f}')
        return error_trace

    def adam(self, error_f, gradient_f, fargs=[], n_epochs=100, learning_rate=0.001, error_convert_f=None):
        alpha = learning_rate
        epsilon = 1e-8
        error_trace = []
        epochs_per_print = max(1, n_epochs // 10)
        for epoch in range(n_epochs):
            error = error_f(*fargs)
            grad = gradient_f(*fargs)
            self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
            self.vt = self.beta2 * self.vt + (1 - self.beta2) * grad * grad
            # The bias-correction powers are advanced before they are used: doing it after gives 0/0 at step 1.
            self.beta1t *= self.beta1
            self.beta2t *= self.beta2
            m_hat = self.mt / (1 - self.beta1t)
            v_hat = self.vt / (1 - self.beta2t)
            self.all_weights -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)
            if error_convert_f:
                error = error_convert_f(error)
            error_trace.append(error)
            if (epoch + 1) % epochs_per_print == 0:
                print(f'Adam: Epoch {epoch + 1:d} Error={float(np.ravel(error)[0]):.5f}')
        return error_trace

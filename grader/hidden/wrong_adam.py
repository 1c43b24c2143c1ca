"""Adam as students get it wrong, for naming a wrong answer: the adam and train_network checks both use it."""
import numpy as np

FLAWS = ('no_bias_correction', 'betat_start_at_beta', 'no_sqrt', 'state_reset', 'epsilon_inside_root',
         'lr_scaled_gradient')


def flawed_optimizers(base, flaws):
    """``base`` (an Optimizers class) whose adam departs from the algorithm in each of ``flaws``.

    'lr_scaled_gradient' multiplies the gradient by the learning rate before the moments and keeps alpha in the
    step, as students write it: in effect epsilon divided by alpha, harmless except for tiny gradients.
    """
    flaws = set(flaws)
    unknown = flaws - set(FLAWS)
    if unknown:
        raise ValueError(f'unknown Adam flaws: {sorted(unknown)}')

    class Flawed(base):
        def __init__(self, all_weights):
            super().__init__(all_weights)
            if 'betat_start_at_beta' in flaws:
                self.beta1t, self.beta2t = self.beta1, self.beta2

        def adam(self, error_f, gradient_f, fargs=[], n_epochs=100, learning_rate=0.001, error_convert_f=None):
            if 'state_reset' in flaws:
                self.mt = np.zeros_like(self.all_weights)
                self.vt = np.zeros_like(self.all_weights)
                self.beta1t = self.beta2t = 1
            trace = []
            for _ in range(n_epochs):
                error = error_f(*fargs)
                grad = gradient_f(*fargs)
                if 'lr_scaled_gradient' in flaws:
                    grad = learning_rate * grad
                self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
                self.vt = self.beta2 * self.vt + (1 - self.beta2) * grad * grad
                self.beta1t *= self.beta1
                self.beta2t *= self.beta2
                m_hat, v_hat = self.mt / (1 - self.beta1t), self.vt / (1 - self.beta2t)
                if 'no_bias_correction' in flaws:
                    m_hat, v_hat = self.mt, self.vt
                if 'no_sqrt' in flaws:
                    denominator = v_hat + 1e-8
                elif 'epsilon_inside_root' in flaws:
                    denominator = np.sqrt(v_hat + 1e-8)
                else:
                    denominator = np.sqrt(v_hat) + 1e-8
                self.all_weights -= learning_rate * m_hat / denominator
                trace.append(error_convert_f(error) if error_convert_f else error)
            return trace
    return Flawed

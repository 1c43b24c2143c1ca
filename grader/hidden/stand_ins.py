"""Stand-ins: correct copies of the functions students write, loaded into a student's kernel to judge the items
downstream of a faulty one (one fault, one charge; README "One fault, one charge").

Sent into the kernel as text with the probes (one module), so it uses NumPy only. It holds the handout's
algorithms, written as the handout states them, never expected values; it replaces a function only for one probe
call of a downstream item, never while that function's own item is judged, and restores the student's after.
Like the hidden cases it is never shipped to students: a student kit judges downstream items as they are.
"""
import numpy as np


def _optimizers(ns):
    """The handout's Optimizers: the given sgd and Adam as taught."""
    class Optimizers:
        def __init__(self, all_weights):
            self.all_weights = all_weights
            self.mt = np.zeros_like(all_weights)
            self.vt = np.zeros_like(all_weights)
            self.beta1 = 0.9
            self.beta2 = 0.999
            self.beta1t = 1
            self.beta2t = 1

        def sgd(self, error_f, gradient_f, fargs=[], n_epochs=100, learning_rate=0.001, error_convert_f=None):
            error_trace = []
            for epoch in range(n_epochs):
                error = error_f(*fargs)
                grad = gradient_f(*fargs)
                self.all_weights -= learning_rate * grad
                error_trace.append(error_convert_f(error) if error_convert_f else error)
            return error_trace

        def adam(self, error_f, gradient_f, fargs=[], n_epochs=100, learning_rate=0.001, error_convert_f=None):
            alpha, epsilon = learning_rate, 1e-8
            error_trace = []
            for epoch in range(n_epochs):
                error = error_f(*fargs)
                grad = gradient_f(*fargs)
                self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
                self.vt = self.beta2 * self.vt + (1 - self.beta2) * grad * grad
                self.beta1t *= self.beta1
                self.beta2t *= self.beta2
                m_hat = self.mt / (1 - self.beta1t)
                v_hat = self.vt / (1 - self.beta2t)
                self.all_weights -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)
                error_trace.append(error_convert_f(error) if error_convert_f else error)
            return error_trace
    return Optimizers


def _use(self, X):
    Y = self.forward_pass((X - self.Xmeans) / self.Xstds)[-1]
    return Y * self.Tstds + self.Tmeans


def _train(ns):
    """The handout's given train, reading Optimizers from the student's namespace (it may be a stand-in too)."""
    def train(self, X, T, n_epochs, learning_rate, method='sgd'):
        if getattr(self, 'Xmeans', None) is None:
            self.Xmeans = X.mean(axis=0)
            self.Xstds = X.std(axis=0)
            self.Xstds[self.Xstds == 0] = 1
            self.Tmeans = T.mean(axis=0)
            self.Tstds = T.std(axis=0)
        X = (X - self.Xmeans) / self.Xstds
        T = (T - self.Tmeans) / self.Tstds
        optimizer = ns['Optimizers'](self.all_weights)
        error_convert_f = lambda err: (np.sqrt(err) * self.Tstds)[0]  # noqa: E731 - the handout's own line
        step = optimizer.adam if method == 'adam' else optimizer.sgd
        self.error_trace = step(self.error_f, self.gradient_f, fargs=[X, T], n_epochs=n_epochs,
                                learning_rate=learning_rate, error_convert_f=error_convert_f)
        return self
    return train


def _partition(X, T, n_folds, random_shuffle=True):
    rows = np.arange(X.shape[0])
    if random_shuffle:
        np.random.shuffle(rows)
    X, T = X[rows, :], T[rows, :]
    n_per_fold = X.shape[0] // n_folds
    starts = [i * n_per_fold for i in range(n_folds)] + [X.shape[0]]
    Xfolds = [X[starts[i]:starts[i + 1], :] for i in range(n_folds)]
    Tfolds = [T[starts[i]:starts[i + 1], :] for i in range(n_folds)]
    return np.vstack(Xfolds[2:]), np.vstack(Tfolds[2:]), Xfolds[0], Tfolds[0], Xfolds[1], Tfolds[1]


def _relu(self, s):
    return np.maximum(s, 0)


def _grad_relu(self, s):
    return (np.asarray(s) > 0).astype(float)


# name -> [(where, attribute, replacement factory)]: 'ns' replaces a global of the student's namespace, 'class'
# an attribute of their last NeuralNetwork class.
STAND_INS = {
    'Optimizers': [('ns', 'Optimizers', _optimizers)],
    'use': [('class', 'use', lambda ns: _use)],
    'train': [('class', 'train', _train)],
    'partition': [('ns', 'partition', lambda ns: _partition)],
    'relu': [('class', 'relu', lambda ns: _relu), ('class', 'grad_relu', lambda ns: _grad_relu),
             ('ns', 'relu', lambda ns: lambda s: np.maximum(s, 0)),
             ('ns', 'grad_relu', lambda ns: lambda s: (np.asarray(s) > 0).astype(float))],
}
_MISSING = object()


def with_stand_ins(ns, stand_ins, probe, inputs):
    """Run ``probe`` (a probe of this module) with the named stand-ins in place, then put the student's back."""
    saved = []
    try:
        for name in stand_ins:
            for where, attribute, make in STAND_INS[name]:
                owner = ns.get('NeuralNetwork') if where == 'class' else None
                if where == 'class':
                    if owner is None:
                        continue
                    saved.append((owner, attribute, owner.__dict__.get(attribute, _MISSING)))
                    setattr(owner, attribute, make(ns))
                elif where == 'ns' and (attribute in ns or attribute in ('Optimizers', 'partition')):
                    saved.append((ns, attribute, ns.get(attribute, _MISSING)))
                    ns[attribute] = make(ns)
        return globals()[probe](ns, **inputs)
    finally:
        for owner, attribute, value in reversed(saved):
            if owner is ns:
                if value is _MISSING:
                    ns.pop(attribute, None)
                else:
                    ns[attribute] = value
            elif value is _MISSING:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, value)

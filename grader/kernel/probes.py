"""Probes: small harnesses that call the assignment's API on a namespace and return plain values.

The same function runs on the student's namespace inside the kernel and on the reference's in the grader, so
both sides are exercised identically. Probes hold inputs only, never expected values; they use nothing but
NumPy, because their source is sent into the student's kernel.
"""
import numpy as np


def _quadratic(w, a, c, scale):
    """E(w) = scale * sum(a * (w - c)^2) with its exact gradient, as closures over the weight vector."""
    def error_f():
        return float(scale * np.sum(a * (w - c) ** 2))

    def gradient_f():
        return 2 * scale * a * (w - c)
    return error_f, gradient_f


def optimizer_run(ns, method, w0, a, c, scale, epoch_runs, learning_rate, convert=False):
    """Minimise a quadratic with ``Optimizers(w).<method>``, once per entry of ``epoch_runs`` (state carries on)."""
    w = np.array(w0, dtype=float)
    error_f, gradient_f = _quadratic(w, np.asarray(a, float), np.asarray(c, float), scale)
    opt = ns['Optimizers'](w)
    traces = []
    for n_epochs in epoch_runs:
        kwargs = {'n_epochs': int(n_epochs), 'learning_rate': learning_rate}
        if convert:
            kwargs['error_convert_f'] = np.sqrt
        trace = getattr(opt, method)(error_f, gradient_f, [], **kwargs)
        traces.append(np.asarray(trace, dtype=float).ravel() if trace is not None else None)
    return {'w': w, 'traces': traces, 'state_changed': _state_changed(opt, w0)}


def _state_changed(opt, w0):
    """Whether the optimizer computed anything (its moments or its own weights moved): tells weights reassigned
    instead of updated in place from a method left as the handout's stub."""
    try:
        moments = [np.asarray(getattr(opt, name), dtype=float) for name in ('mt', 'vt') if hasattr(opt, name)]
        own = np.asarray(getattr(opt, 'all_weights', w0), dtype=float)
        return bool(any(np.any(m != 0) for m in moments) or own.shape != np.shape(w0)
                    or not np.array_equal(own, np.asarray(w0, dtype=float)))
    except (TypeError, ValueError):
        return True


def _network(ns, n_inputs, nh, n_outputs, activation, weights):
    args = (n_inputs, list(nh), n_outputs) + ((activation,) if activation else ())
    nnet = ns['NeuralNetwork'](*args)
    # In place: the per-layer matrices are views into all_weights.
    nnet.all_weights[:] = np.asarray(weights, dtype=float)
    return nnet


def use_run(ns, n_inputs, nh, n_outputs, weights, Xmeans, Xstds, Tmeans, Tstds, X):
    nnet = _network(ns, n_inputs, nh, n_outputs, None, weights)
    nnet.Xmeans, nnet.Xstds, nnet.Tmeans, nnet.Tstds = Xmeans, Xstds, Tmeans, Tstds
    X_given = np.array(X, dtype=float)
    Y = nnet.use(X_given)
    return {'Y': np.asarray(Y, dtype=float), 'X_after': X_given}


def _relu_functions(ns):
    """``relu``/``grad_relu`` as the network's methods (the course's way) or, failing that, as functions."""
    nnet_class = ns.get('NeuralNetwork')
    if nnet_class is not None and hasattr(nnet_class, 'relu') and hasattr(nnet_class, 'grad_relu'):
        nnet = nnet_class(1, [1], 1)
        return nnet.relu, nnet.grad_relu, 'method'
    if callable(ns.get('relu')) and callable(ns.get('grad_relu')):
        return ns['relu'], ns['grad_relu'], 'function'
    raise NameError('no relu and grad_relu found: define them as methods of NeuralNetwork')


def relu_values(ns, s):
    relu, grad_relu, found = _relu_functions(ns)
    s_relu = np.array(s, dtype=float)
    s_grad = np.array(s, dtype=float)
    y = relu(s_relu)
    g = grad_relu(s_grad)
    return {'relu': np.array(y, dtype=float), 'grad': np.array(g, dtype=float),
            'relu_arg_after': s_relu, 'grad_arg_after': s_grad, 'found': found}


def network_pass(ns, n_inputs, nh, n_outputs, activation, weights, X, T):
    """forward_pass, error_f and gradient_f for given weights and (standardized) data."""
    nnet = _network(ns, n_inputs, nh, n_outputs, activation, weights)
    Ys = [np.array(Y, dtype=float) for Y in nnet.forward_pass(np.array(X, dtype=float))]
    error = nnet.error_f(np.array(X, dtype=float), np.array(T, dtype=float))
    gradient = np.array(nnet.gradient_f(np.array(X, dtype=float), np.array(T, dtype=float)), dtype=float)
    return {'Ys': Ys, 'error': float(error), 'gradient': gradient.ravel(),
            'activation': getattr(nnet, 'activation_function', None)}


def train_run(ns, n_inputs, nh, n_outputs, activation, weights, X, T, n_epochs, learning_rate, method):
    nnet = _network(ns, n_inputs, nh, n_outputs, activation, weights)
    X = np.array(X, dtype=float)
    result = nnet.train(X, np.array(T, dtype=float), n_epochs, learning_rate, method=method)
    return {'error_trace': np.asarray(nnet.error_trace, dtype=float).ravel(),
            'weights': np.array(nnet.all_weights, dtype=float), 'Y': np.asarray(nnet.use(X), dtype=float),
            'returned_self': result is nnet}


def partition_run(ns, X, T, n_folds, random_shuffle, seed):
    """The six values under the caller's seed, and the split again under another seed: a partition that sets a
    seed inside returns the same rows both times."""
    results = []
    for caller_seed in (seed, None if seed is None else seed + 1):
        if caller_seed is not None:
            np.random.seed(caller_seed)
        parts = ns['partition'](np.array(X), np.array(T), n_folds, random_shuffle=random_shuffle)
        try:
            results.append([np.asarray(p) for p in parts])
        except TypeError:       # not iterable: the judge says what came back
            results.append(parts)
    return {'parts': results[0], 'again': results[1]}


def experiment_run(ns, names, X, T, n_folds, epochs, nh, activations, seed):
    """Call the student's grid search, counting calls to partition and to the optimizers' methods."""
    fn = next((ns[n] for n in names if callable(ns.get(n))), None)
    if fn is None:
        raise NameError(f'no function named {" or ".join(names)}')
    calls = {'partition': [], 'adam': 0, 'sgd': 0}
    original_partition = ns.get('partition')
    opt_class = ns.get('Optimizers')
    originals = {m: getattr(opt_class, m) for m in ('adam', 'sgd') if opt_class and hasattr(opt_class, m)}

    def counting(name, method):
        def wrapper(self, *args, **kwargs):
            calls[name] += 1
            return method(self, *args, **kwargs)
        return wrapper

    def spy_partition(*args, **kwargs):
        calls['partition'].append(args[2] if len(args) > 2 else kwargs.get('n_folds'))
        return original_partition(*args, **kwargs)

    try:
        if callable(original_partition):
            ns['partition'] = spy_partition
        for name, method in originals.items():
            setattr(opt_class, name, counting(name, method))
        np.random.seed(seed)
        table = fn(np.array(X, dtype=float), np.array(T, dtype=float), n_folds, list(epochs),
                   [list(h) for h in nh], list(activations))
    finally:
        if callable(original_partition):
            ns['partition'] = original_partition
        for name, method in originals.items():
            setattr(opt_class, name, method)
    return {'table': table, 'type': type(table).__name__, 'calls': calls}


def train_trace_run(ns, n_inputs, nh, n_outputs, activation, weights, X, T, n_epochs, learning_rate, method):
    """``train`` from given weights; unlike ``train_run`` it never calls ``use``, so a broken ``use`` (graded on
    its own) cannot also cost the training check. The trace comes back even when it is not numeric."""
    nnet = _network(ns, n_inputs, nh, n_outputs, activation, weights)
    result = nnet.train(np.array(X, dtype=float), np.array(T, dtype=float), n_epochs, learning_rate, method=method)
    trace = getattr(nnet, 'error_trace', None)
    try:
        length = len(trace)
    except TypeError:
        length = None
    try:
        values = np.asarray(trace, dtype=float).ravel()
    except (TypeError, ValueError):
        values = None
    return {'error_trace': values, 'n_trace': length, 'trace_type': type(trace).__name__,
            'returned_self': result is nnet}

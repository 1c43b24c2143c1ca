"""Hidden train_network cases: a small tanh network trained with Adam from given weights.

Data and initial weights are drawn from the grading rng; the architecture, numbers of inputs and outputs are fixed
per case (one output, two outputs, a linear model), so no verdict depends on the seed; the number of epochs and the
learning rate come from the item's params. The expected value of a case holds the reference's error trace and the
traces of known variants, computed here by a subclass of the reference network, so a wrong trace can be named.

Adam's faults are the adam item's: when it found any, a correct Adam stands in for the student's here (grader.checks
.train_network's ``needs``). Harmless variants are accepted as correct, alone or combined: Adam with epsilon inside
the square root or with the gradient multiplied by the learning rate before the moments (the adam check marks those,
no other check may), a gradient_f returning the full gradient instead of the course's half, and an error conversion
taking np.sqrt(err) when there are several outputs (an earlier copy of the handout's given train did; the handout's is
(np.sqrt(err) * self.Tstds)[0] for any number of outputs: README "Seed-invariant grades, given code, answers"). The
tolerance alone does not cover them: over 300 random cases the trace with epsilon inside the root departs from the
reference by more than 1e-4 (relative) in 13 % of cases, up to 0.8 %; the scaled gradient (epsilon / alpha in effect)
by up to 1.5e-4; the full gradient by under 1e-6. So their traces are computed and matched explicitly, whatever rtol a
TA sets. The wrong variants named below depart by at least 1e-3 (no bias correction: 1.4 %).
"""
from __future__ import annotations

import itertools

import numpy as np

from ..kernel import probes
from ..checks.base import Case, CaseRun, Verdict, explain, is_not_implemented, within
from .wrong_adam import flawed_optimizers

# Any combination of these is accepted too (a student may both scale the gradient and put epsilon inside).
HARMLESS = ('epsilon_inside_root', 'lr_scaled_gradient', 'full_gradient', 'convert_multi_sqrt')
ACCEPTED = tuple('+'.join(c) for n in (1, 2, 3) for c in itertools.combinations(HARMLESS, n))
# variant -> (fault, what to tell the student). Order matters: the first matching variant names the fault.
WRONG = {
    'no_bias_correction': ('adam_fault', 'the trace matches Adam without bias correction: in adam use '
                           'm̂ = mt / (1 - beta1t) and v̂ = vt / (1 - beta2t)'),
    'betat_start_at_beta': ('adam_fault', 'the trace matches Adam with beta1t and beta2t starting at the betas: '
                            'they must start at 1 and be multiplied by the betas each step'),
    'no_sqrt': ('adam_fault', 'the trace matches Adam dividing by v̂ instead of its square root '
                '(np.sqrt(v_hat) + epsilon)'),
    'sgd_instead': ('sgd_instead', "train ran sgd although method='adam' was asked for: call optimizer.adam when "
                    "method is 'adam'"),
    'T_with_X_stats': ('t_with_x_stats', 'train standardizes T with the means and standard deviations of X: T '
                       'needs its own (self.Tmeans, self.Tstds)'),
    'T_not_standardized': ('t_not_standardized', 'train does not standardize T: T = (T - self.Tmeans) / self.Tstds '
                           'before training'),
    'X_not_standardized': ('x_not_standardized', 'train does not standardize X: X = (X - self.Xmeans) / '
                           'self.Xstds before training'),
    'trace_mse': ('trace_mse', 'error_trace holds mean squared errors: convert each error to an RMSE in the units '
                  'of T with the given error_convert_f, (np.sqrt(err) * self.Tstds)[0]'),
    'trace_standardized': ('trace_standardized', 'error_trace holds RMSEs of the standardized targets: keep the '
                           'given error_convert_f, (np.sqrt(err) * self.Tstds)[0]'),
    'tanh_derivative': ('tanh_derivative', "gradient_f uses a wrong derivative of tanh: it is 1 - Y**2, with Y the "
                        "layer's output (the given code)"),
}
VARIANTS = ACCEPTED + tuple(WRONG)
ADAM_FLAWS = ('no_bias_correction', 'betat_start_at_beta', 'no_sqrt', 'epsilon_inside_root', 'lr_scaled_gradient')


def variant_network(ns, variant: str | None):
    """The reference network with known changes, '+'-separated (None: none, a check of this mirror)."""
    flaws = set(variant.split('+')) if variant else set()
    base = ns['NeuralNetwork']
    optimizers = ns['Optimizers']
    if flaws & set(ADAM_FLAWS):
        optimizers = flawed_optimizers(optimizers, flaws & set(ADAM_FLAWS))

    class Variant(base):
        def train(self, X, T, n_epochs, learning_rate, method='sgd', verbose=False):
            self.Xmeans, self.Xstds = X.mean(axis=0), X.std(axis=0)
            self.Xstds[self.Xstds == 0] = 1
            self.Tmeans, self.Tstds = T.mean(axis=0), T.std(axis=0)
            if 'X_not_standardized' not in flaws:
                X = (X - self.Xmeans) / self.Xstds
            if 'T_with_X_stats' in flaws:
                T = (T - self.Xmeans) / self.Xstds
            elif 'T_not_standardized' not in flaws:
                T = (T - self.Tmeans) / self.Tstds

            def convert(err):
                if 'trace_mse' in flaws:
                    return err
                if 'trace_standardized' in flaws or ('convert_multi_sqrt' in flaws and len(self.Tstds) != 1):
                    return np.sqrt(err)
                return (np.sqrt(err) * self.Tstds)[0]      # the handout's given conversion, any number of outputs
            optimizer = optimizers(self.all_weights)
            step = optimizer.sgd if method == 'sgd' or 'sgd_instead' in flaws else optimizer.adam
            self.error_trace = step(self.error_f, self.gradient_f, fargs=[X, T], n_epochs=n_epochs,
                                    learning_rate=learning_rate, error_convert_f=convert)
            return self

        def gradient_f(self, X, T):
            gradient = super().gradient_f(X, T)
            return 2 * gradient if 'full_gradient' in flaws else gradient

        def _activation_derivative(self, layer):
            if 'tanh_derivative' in flaws:
                return 1 - self.Ys[layer]
            return super()._activation_derivative(layer)
    return Variant


def _trace(ns, inputs):
    """The trace a network class gives, or None when the variant cannot even run on these shapes."""
    try:
        with np.errstate(all='ignore'):
            value = probes.train_trace_run(ns, **inputs)
    except (ValueError, FloatingPointError, IndexError):
        return None
    trace = value['error_trace']
    return trace if trace is not None and np.all(np.isfinite(trace)) else None


def _expect(ns, inputs):
    outcomes = {'correct': probes.train_trace_run(ns, **inputs)['error_trace']}
    for variant in VARIANTS:
        outcomes[variant] = _trace(dict(ns, NeuralNetwork=variant_network(ns, variant)), inputs)
    return outcomes


def judge(run: CaseRun) -> Verdict:
    weight = run.case.weight
    if not run.student.ok:
        name = 'not_implemented' if is_not_implemented(run.student) else 'fails_to_run'
        return Verdict(0.0, f"train(X, T, n_epochs, learning_rate, method='adam') failed on a hidden case: "
                            f'{explain(run.student, True)}', hidden=True, weight=weight, diagnosis=name)
    value, n_epochs = run.student.value, int(run.case.inputs['n_epochs'])
    trace = value['error_trace']
    if trace is None or value['n_trace'] is None:
        return Verdict(0.0, f"after train, self.error_trace must be the list of errors adam returns (it is a "
                            f"{value['trace_type']})", hidden=True, weight=weight, diagnosis='not_list')
    if value['n_trace'] != n_epochs or trace.size != n_epochs:
        return Verdict(0.0, 'self.error_trace must hold one RMSE per epoch, n_epochs values; yours has a '
                            'different length', hidden=True, weight=weight, diagnosis='wrong_length')
    verdict = _judge_trace(trace, run.expected, float(run.params.get('rtol', 1e-4)), weight)
    if not value['returned_self']:
        # Minor: nnet.train(...).use(X) and run_experiment's chained calls need it.
        message = 'train must end with return self, as the given code does'
        if verdict.fraction >= 1:
            return Verdict(0.9, message, hidden=True, weight=weight, diagnosis='no_return_self')
        return Verdict(verdict.fraction, verdict.message, True, weight, verdict.diagnosis,
                       more=verdict.more + (('no_return_self', message),))
    return verdict


def _judge_trace(trace, expected, rtol, weight) -> Verdict:
    if within(trace, expected['correct'], rtol):
        return Verdict(1.0, hidden=True, weight=weight)
    for variant in ACCEPTED:
        if expected[variant] is not None and within(trace, expected[variant], rtol):
            return Verdict(1.0, hidden=True, weight=weight, diagnosis=variant)
    for variant, (fault, message) in WRONG.items():
        if expected[variant] is not None and within(trace, expected[variant], rtol):
            return Verdict(0.0, message, hidden=True, weight=weight, diagnosis=fault)
    if not np.all(np.isfinite(trace)):
        return Verdict(0.0, 'error_trace contains nan or inf on a hidden case: look for a division by zero or '
                            'an overflow in adam or gradient_f', hidden=True, weight=weight, diagnosis='nan')
    if within(trace[:1], expected['correct'][:1], rtol):
        return Verdict(0.0, 'the error before the first update is right (standardization, forward_pass, error_f '
                            'and the RMSE conversion agree) but later errors differ: the weight updates are off; '
                            'check gradient_f and how train calls adam', hidden=True, weight=weight,
                       diagnosis='wrong_updates')
    return Verdict(0.0, 'the error is wrong already before the first update: check how train standardizes X and '
                        'T, forward_pass, error_f and the conversion of errors to RMSE', hidden=True, weight=weight,
                   diagnosis='wrong_first_error')


# ---------------------------------------------------------------- hidden inputs
def _data(rng, n_rows, n_inputs, n_outputs):
    """Inputs and targets far from standardized, so every missing or misapplied standardization shows."""
    X = rng.normal(rng.uniform(-10, 10, n_inputs), rng.uniform(0.5, 5, n_inputs), (n_rows, n_inputs))
    Z = (X - X.mean(0)) / X.std(0)
    mix = rng.normal(0, 1, (n_inputs, n_outputs))
    T = np.sin(Z @ mix) + 0.5 * (Z ** 2) @ rng.normal(0, 1, (n_inputs, n_outputs))
    T += rng.normal(0, 0.1, T.shape)
    T = T * rng.uniform(2, 10, n_outputs) + rng.uniform(-20, 40, n_outputs)
    return X, T


def _weights(rng, n_inputs, nh, n_outputs):
    sizes, n_in = [], n_inputs
    for units in list(nh) + [n_outputs]:
        sizes.append(rng.uniform(-1, 1, (n_in + 1) * units) / np.sqrt(n_in + 1))
        n_in = units
    return np.concatenate(sizes)


def case_inputs(params, rng, nh, n_inputs, n_outputs):
    n_rows = int(rng.integers(15, 41))
    X, T = _data(rng, n_rows, n_inputs, n_outputs)
    # activation None: the constructor's default, tanh (a student's relu has its own check).
    return {'n_inputs': n_inputs, 'nh': list(nh), 'n_outputs': n_outputs, 'activation': None,
            'weights': _weights(rng, n_inputs, nh, n_outputs), 'X': X, 'T': T,
            'n_epochs': int(params.get('n_epochs', 50)), 'learning_rate': float(params.get('learning_rate', 0.01)),
            'method': 'adam'}


def hidden_cases(params, rng):
    architectures = [       # (hidden layers, inputs, outputs): fixed, whatever the seed
        ([int(rng.integers(2, 7))], 2, 1),
        ([int(rng.integers(2, 6)), int(rng.integers(2, 6))], 3, 2),
        # A linear model: only standardization, the RMSE conversion and adam are at work.
        ([], 1, 2),
    ]
    return [Case(f'hidden{i}', 'train_trace_run', case_inputs(params, rng, nh, n_in, n_out), judge, hidden=True,
                 expect=_expect)
            for i, (nh, n_in, n_out) in enumerate(architectures)]


HIDDEN = {'train_network': hidden_cases}

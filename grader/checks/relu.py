"""relu_unit, relu_in_place and relu_network: the student's ReLU on arrays, then inside the network.

relu_unit feeds arrays away from exactly 0 (a column vector and a matrix) to ``relu``/``grad_relu``.
relu_in_place (advisory, never scored) reports a ``relu`` or ``grad_relu`` that changes its argument.
relu_network compares ``forward_pass`` and ``gradient_f`` with the reference for given weights whose hidden
sums are partly negative, and checks that a network built with three arguments still uses tanh. The network
helpers here are shared with the swish check: the expected value of a network case holds the reference's pass
and known-wrong variants, computed in the grader, so a wrong gradient can be named.
"""
import numpy as np

from ..kernel import probes
from ..model import Item
from .base import (COMMON_FAULTS, Case, CaseRun, CodeCheck, Need, Verdict, combine_minimum, combine_weighted,
                   compare_arrays, failed_to_run, public_rng, redact, within)
from .params import tolerance

COLUMN = [[-2.5], [-0.3], [0.7], [1.9], [-1.1]]
MATRIX = [[-1.5, 0.25, 3.0, -0.75], [2.2, -0.1, -4.0, 0.6], [0.05, -2.0, 1.3, -0.4]]

UNIT_FAULTS = {
    **COMMON_FAULTS,
    'relu_wrong': 'relu(s) is not max(s, 0)',
    'grad_all_ones': 'grad_relu returns 1 everywhere',
    'grad_inverted': 'grad_relu\'s mask is inverted',
    'grad_wrong': 'grad_relu gives wrong values',
    'shape': 'relu or grad_relu does not keep the shape of its argument',
}
IN_PLACE_FAULTS = {**COMMON_FAULTS, 'modifies_argument': 'relu or grad_relu changes the array passed to it'}
NETWORK_FAULTS = {
    **COMMON_FAULTS,
    'upstream_missing': 'relu or grad_relu is not implemented, so the ReLU network cannot be judged',
    'forward_not_relu': 'forward_pass computes tanh with activation_function=\'relu\'',
    'forward_wrong': 'forward_pass gives wrong layer outputs',
    'grad_all_ones': 'grad_relu is 1 at 0, so every ReLU unit looks active',
    'grad_zero': 'no gradient reaches the hidden layers (grad_relu 0 everywhere)',
    'grad_inverted': 'the ReLU derivative\'s mask is inverted in gradient_f',
    'tanh_derivative': 'gradient_f uses tanh\'s derivative for ReLU',
    'gradient_wrong': 'gradient_f gives a wrong gradient',
    'default_not_tanh': 'a network built with three arguments does not use tanh',
}


def _verdict(run: CaseRun, fraction: float, message: str = '', diagnosis: str = '', more=()) -> Verdict:
    return Verdict(fraction, message, hidden=run.case.hidden, weight=run.case.weight, diagnosis=diagnosis,
                   more=more)


def _detail(run: CaseRun, text: str) -> str:
    """A comparison's words, without its shapes or values when the case is hidden."""
    return redact(text) if run.case.hidden else text


# ----------------------------------------------------------------- relu_unit and relu_in_place
def _shapes(got, expected, hidden):
    return '' if hidden else f' (shape {got.shape} for an array of shape {expected.shape})'


def _grad_problem(g, e, rtol, hidden):
    """(fault, message) of a wrong grad_relu, or None."""
    g = np.asarray(g, dtype=float)
    ones = g.size > 0 and bool(np.all(g == 1))
    if g.shape == e.shape and within(g, e, rtol):
        return None
    if ones:
        return 'grad_all_ones', ('grad_relu returns 1 everywhere: it must be 1 where s > 0 and 0 where s <= 0, '
                                 'with the shape of s, e.g. (s > 0).astype(float)')
    if g.shape == e.shape and within(g, 1 - e, rtol):
        return 'grad_inverted', ('grad_relu\'s mask is inverted: it must be 1 where s > 0 and 0 elsewhere, not '
                                 'the other way round')
    if g.shape != e.shape:
        return 'shape', f'grad_relu returns the wrong shape{_shapes(g, e, hidden)}: keep the shape of its argument'
    text = compare_arrays(g, e, rtol, name='grad_relu(s)')
    return 'grad_wrong', (redact(text) if hidden else text) + ': it is 1 where s > 0 and 0 elsewhere'


def judge_unit(run: CaseRun) -> Verdict:
    failed = failed_to_run(run, 'relu or grad_relu failed')
    if failed:
        return failed
    rtol = float(run.params.get('rtol', 1e-9))
    got, exp = run.student.value, run.expected
    problems = []
    y, e = np.asarray(got['relu'], dtype=float), np.asarray(exp['relu'], dtype=float)
    if y.shape != e.shape:
        problems.append(('shape', f'relu returns the wrong shape{_shapes(y, e, run.case.hidden)}: keep the shape '
                                  'of its argument, e.g. np.maximum(s, 0)'))
    elif not within(y, e, rtol):
        problems.append(('relu_wrong', 'relu(s) gives wrong values: relu(s) is max(s, 0) elementwise'))
    grad = _grad_problem(got['grad'], np.asarray(exp['grad'], dtype=float), rtol, run.case.hidden)
    if grad:
        problems.append(grad)
    if not problems:
        return _verdict(run, 1.0)
    return _verdict(run, 1.0 - 0.5 * len(problems), problems[0][1], problems[0][0], more=tuple(problems[1:]))


def judge_in_place(run: CaseRun) -> Verdict:
    failed = failed_to_run(run, 'relu or grad_relu could not be checked')
    if failed:
        return failed
    s = np.asarray(run.case.inputs['s'], dtype=float)
    notes = []
    for name, key, used_in, fix in (('relu', 'relu_arg_after', 'forward_pass', 'np.maximum(s, 0)'),
                                    ('grad_relu', 'grad_arg_after', 'gradient_f', '(s > 0).astype(float)')):
        if not np.array_equal(np.asarray(run.student.value[key], dtype=float), s):
            notes.append(f'{name} modifies its argument in place (harmless in {used_in}, but surprising for '
                         f'callers): return a new array instead, e.g. {fix}')
    if notes:
        return _verdict(run, 0.0, '; '.join(notes), diagnosis='modifies_argument')
    return _verdict(run, 1.0)


def unit_cases(params):
    return [Case('column', 'relu_values', {'s': COLUMN}, judge_unit),
            Case('matrix', 'relu_values', {'s': MATRIX}, judge_unit)]


def in_place_cases(params):
    return [Case('matrix', 'relu_values', {'s': MATRIX}, judge_in_place)]


# ----------------------------------------------------------------- network passes (shared with swish)
def _sigmoid(s):
    return 0.5 * (1 + np.tanh(np.asarray(s, dtype=float) / 2))


def _swish_derivative(s):
    sig = _sigmoid(s)
    return sig + s * sig * (1 - sig)


# Known-wrong derivatives of hidden layer ``layer`` (numbered as in Ys), in the reference's terms.
DERIVATIVES = {
    'ones': lambda net, layer: np.ones_like(net.Ys[layer]),
    'zeros': lambda net, layer: np.zeros_like(net.Ys[layer]),
    'inverted': lambda net, layer: (net.Ys[layer] <= 0).astype(float),
    'tanh_derivative': lambda net, layer: 1 - net.Ys[layer] ** 2,
    'swish_of_outputs': lambda net, layer: _swish_derivative(net.Ys[layer]),
    'swish_mixed_outputs': lambda net, layer: net.Ys[layer] + _sigmoid(net.Ys[layer]) * (1 - net.Ys[layer]),
}


def _with_derivative(base, variant):
    derivative = DERIVATIVES[variant]

    class Variant(base):
        def _activation_derivative(self, layer):
            return derivative(self, layer)
    return Variant


def network_expect(gradient_variants=(), forward_activations=()):
    """An ``expect=`` callable: the reference's pass (tanh when no activation is given), wrong gradients of the
    same forward pass, and the forward passes of other activations."""
    def expect(ns, inputs):
        inputs = dict(inputs, activation=inputs['activation'] or 'tanh')
        out = {'correct': probes.network_pass(ns, **inputs)}
        for variant in gradient_variants:
            out['grad:' + variant] = probes.network_pass(
                dict(ns, NeuralNetwork=_with_derivative(ns['NeuralNetwork'], variant)), **inputs)
        for activation in forward_activations:
            out['forward:' + activation] = probes.network_pass(ns, **dict(inputs, activation=activation))
        return out
    return expect


def _close(a, e, rtol):
    e = np.asarray(e, dtype=float)
    return within(a, e, rtol, atol=rtol * max(1e-12, float(np.max(np.abs(e), initial=0.0))))


def forward_matches(got, exp, rtol):
    return len(got['Ys']) == len(exp['Ys']) and all(_close(a, e, rtol) for a, e in zip(got['Ys'], exp['Ys']))


def gradient_matches(got, exp, rtol):
    """Either the course's half gradient or the exact one."""
    return any(_close(got['gradient'], scale * np.asarray(exp['gradient']), rtol) for scale in (1.0, 2.0))


def _forward_detail(run, got, exp, rtol):
    if len(got['Ys']) != len(exp['Ys']):
        counts = '' if run.case.hidden else f' ({len(got["Ys"])} arrays, expected {len(exp["Ys"])})'
        return ('forward_pass must return the list of layer outputs: the input, each hidden layer\'s output, '
                f'then the output layer{counts}')
    for i, (a, e) in enumerate(zip(got['Ys'], exp['Ys'])):
        if not _close(a, e, rtol):
            where = 'the output layer' if i == len(exp['Ys']) - 1 else 'a hidden layer' if run.case.hidden \
                else f'hidden layer {i}'
            return _detail(run, compare_arrays(a, e, rtol, name=f'forward_pass\'s {where}'))
    return 'forward_pass differs from the reference'


def _scale_detail(run, got, exp, rtol):
    s, g = np.asarray(got['gradient'], dtype=float), np.asarray(exp['gradient'], dtype=float)
    if s.shape != g.shape or not np.any(g):
        return compare_arrays(s, g, rtol, name='gradient_f\'s gradient')
    c = float(s @ g / (g @ g))
    if c and _close(s, c * g, rtol):
        times = '' if run.case.hidden else f' ({c:.4g} times the course\'s)'
        return (f'gradient_f\'s gradient has the right direction but the wrong size{times}: accepted are the '
                'course\'s gradient (delta = -(T - Y) / (n_samples * n_outputs)) and twice it (the exact gradient)')
    return (_detail(run, compare_arrays(s, g, rtol, name='gradient_f\'s gradient'))
            + ' (accepted: the course\'s gradient or twice it)')


def judge_network(run: CaseRun, what: str, gradient_faults: dict, forward_faults: dict, error_fault=None) -> Verdict:
    """Forward pass first (nothing else can be right without it), then the gradient at either scale.

    ``gradient_faults``: wrong derivative variant -> (fault, message); ``forward_faults``: activation computed
    instead -> (fault, message); ``error_fault(outcome)``: (fault, message) of a network that raised, or None."""
    if not run.student.ok:
        named = error_fault(run.student) if error_fault is not None else None
        if named:
            return _verdict(run, 0.0, named[1], diagnosis=named[0])
        return failed_to_run(run, f'{what} failed')
    rtol = float(run.params.get('rtol', 1e-6))
    got, exp = run.student.value, run.expected
    if not forward_matches(got, exp['correct'], rtol):
        for activation, (fault, message) in forward_faults.items():
            if 'forward:' + activation in exp and forward_matches(got, exp['forward:' + activation], rtol):
                return _verdict(run, 0.0, message, diagnosis=fault)
        return _verdict(run, 0.0, f'{what}: {_forward_detail(run, got, exp["correct"], rtol)}',
                        diagnosis='forward_wrong')
    if gradient_matches(got, exp['correct'], rtol):
        return _verdict(run, 1.0)
    for variant, (fault, message) in gradient_faults.items():
        if 'grad:' + variant in exp and gradient_matches(got, exp['grad:' + variant], rtol):
            return _verdict(run, 0.5, message, diagnosis=fault)
    return _verdict(run, 0.5, f'forward_pass is right but {_scale_detail(run, got, exp["correct"], rtol)}',
                    diagnosis='gradient_wrong')


def draw_network_inputs(rng, n_inputs, nh, n_outputs, n_samples, activation):
    """Data and weights whose hidden sums take both signs in every layer, each layer with some active unit."""
    sizes = [n_inputs] + list(nh) + [n_outputs]
    for _ in range(200):
        X = rng.normal(size=(n_samples, n_inputs))
        layers = [rng.normal(0, 1.0, size=(sizes[i] + 1, sizes[i + 1])) for i in range(len(sizes) - 1)]
        Y, mixed = X, True
        for W in layers[:-1]:
            S = Y @ W[1:] + W[0]
            mixed &= bool(np.any(S < 0) and np.any(S > 0) and np.any(np.all(S < 0, axis=0) == 0))
            Y = np.maximum(S, 0)
        if mixed:
            break
    return {'n_inputs': n_inputs, 'nh': list(nh), 'n_outputs': n_outputs, 'activation': activation,
            'weights': np.concatenate([W.ravel() for W in layers]), 'X': X,
            'T': rng.normal(size=(n_samples, n_outputs))}


RELU_GRADIENT = {
    'ones': ('grad_all_ones', 'gradient_f treats every ReLU unit as active (derivative 1 everywhere): grad_relu '
             'receives the layer outputs, which are never negative, so a test s >= 0 (or np.heaviside(s, 1)) is 1 '
             'everywhere, and so is a layer index passed instead of the values; return 1 only where the outputs '
             'are > 0 (derivative 0 at 0, as in lecture)'),
    'zeros': ('grad_zero', 'no gradient reaches the hidden layers: grad_relu returns 0 for every unit (a mask '
              's < 0 on the layer outputs, which are never negative?); it must be 1 where the outputs are > 0'),
    'inverted': ('grad_inverted', 'the ReLU derivative in gradient_f is inverted: it must be 1 where the layer '
                 'outputs are > 0 and 0 elsewhere (use self.grad_relu(self.Ys[layeri]) as it is, not 1 minus it)'),
    'tanh_derivative': ('tanh_derivative', 'gradient_f still uses tanh\'s derivative 1 - Y**2 with '
                        'activation_function=\'relu\': use self.grad_relu(self.Ys[layeri]) there'),
}
RELU_FORWARD = {'tanh': ('forward_not_relu', 'forward_pass does not apply ReLU: with activation_function=\'relu\' '
                         'the hidden layers still compute tanh')}
DEFAULT_FORWARD = {'relu': ('default_not_tanh', 'NeuralNetwork(n_inputs, n_hiddens_per_layer, n_outputs) with three '
                            'arguments must still use tanh: keep activation_function=\'tanh\' as the constructor\'s '
                            'default')}


def judge_relu_network(run: CaseRun) -> Verdict:
    return judge_network(run, 'the ReLU network', RELU_GRADIENT, RELU_FORWARD)


def judge_default(run: CaseRun) -> Verdict:
    return judge_network(run, 'a network built with three arguments (tanh by default)', {}, DEFAULT_FORWARD)


relu_expect = network_expect(tuple(RELU_GRADIENT), ('tanh',))
default_expect = network_expect((), ('relu',))


def network_cases(params):
    rng = public_rng('relu_network')
    return [Case('relu_one_layer', 'network_pass', draw_network_inputs(rng, 2, [4], 1, 8, 'relu'),
                 judge_relu_network, expect=relu_expect),
            Case('relu_two_layers', 'network_pass', draw_network_inputs(rng, 3, [5, 3], 2, 10, 'relu'),
                 judge_relu_network, expect=relu_expect),
            Case('tanh_default', 'network_pass', draw_network_inputs(rng, 2, [3], 1, 6, None),
                 judge_default, expect=default_expect)]


def combine_unit(item: Item, verdicts):
    return combine_weighted(item, verdicts, 'relu and grad_relu give the right values.')


def combine_in_place(item: Item, verdicts):
    return combine_minimum(item, verdicts, 'relu leaves its argument unchanged.')


def combine_network(item: Item, verdicts):
    return combine_weighted(item, verdicts, 'The ReLU network matches the reference.')


CHECKS = {'relu_unit': CodeCheck(unit_cases, combine_unit, UNIT_FAULTS, params={'rtol': tolerance(1e-9)}),
          'relu_in_place': CodeCheck(in_place_cases, combine_in_place, IN_PLACE_FAULTS),
          # The network calls the student's relu and grad_relu: their faults are relu_unit's to charge.
          'relu_network': CodeCheck(network_cases, combine_network, NETWORK_FAULTS,
                                    needs=(Need('relu_unit', 'relu', 'relu and grad_relu'),),
                                    params={'rtol': tolerance(1e-6)})}

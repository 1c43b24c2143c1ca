"""use: with weights and standardization statistics set on the student's network, ``use(X)`` must return the
reference's predictions in T's units and leave X unchanged.

Public: one output and two outputs, each with a hidden layer. The expected value also holds what the usual
mistakes return (output left standardized, X not standardized, X standardized with T's statistics, output
un-standardized with X's), computed in the grader, so a wrong answer can be named. An output that is an exact
affine map of the standardized output, with other factors than Tstds and Tmeans, comes from other statistics:
typically a global T read inside use.
"""
import re

import numpy as np

from ..kernel import probes
from ..model import Item
from .base import (COMMON_FAULTS, Case, CaseRun, CodeCheck, Verdict, combine_weighted, compare_arrays, explain,
                   is_not_implemented, public_rng, within)
from .params import tolerance

FAULTS = {
    **COMMON_FAULTS,
    'standardized_output': 'returns the standardized output (not un-standardized with Tstds and Tmeans)',
    'x_not_standardized': 'does not standardize X',
    'x_with_t_stats': 'standardizes X with T\'s statistics',
    'output_with_x_stats': 'un-standardizes the output with X\'s statistics',
    'other_statistics': 'uses statistics other than the network\'s own (a global T?)',
    'global_name': 'reads a global variable instead of the network\'s attributes',
    'modifies_x': 'changes the X passed to it',
}

STATS = 'self.Xmeans, self.Xstds, self.Tmeans and self.Tstds'
VARIANTS = {
    'standardized_output': 'use returns the network\'s standardized output: un-standardize it with '
                           'Y * self.Tstds + self.Tmeans before returning it',
    'x_not_standardized': 'use does not standardize X: compute (X - self.Xmeans) / self.Xstds before calling '
                          'forward_pass',
    'x_with_t_stats': 'use standardizes X with T\'s statistics: standardize X with self.Xmeans and self.Xstds; '
                      'T\'s statistics only un-standardize the output',
    'output_with_x_stats': 'use un-standardizes the output with X\'s statistics: return Y * self.Tstds + '
                           'self.Tmeans',
}
OTHER_STATS = ('use un-standardizes the output with statistics other than the network\'s own (a global T, or '
               'statistics recomputed from data?): return Y * self.Tstds + self.Tmeans')
X_CHANGED = ('use changes the X passed to it (e.g. X -= self.Xmeans): compute X = (X - self.Xmeans) / self.Xstds, '
             'a new array, so the caller\'s data stays as it was')


def _variant_class(base, variant):
    class Variant(base):
        def use(self, X):
            Xs = (X - self.Xmeans) / self.Xstds
            if variant == 'standardized_output':
                return self.forward_pass(Xs)[-1]
            if variant == 'x_not_standardized':
                return self.forward_pass(X)[-1] * self.Tstds + self.Tmeans
            if variant == 'x_with_t_stats':
                return self.forward_pass((X - self.Tmeans) / self.Tstds)[-1] * self.Tstds + self.Tmeans
            return self.forward_pass(Xs)[-1] * self.Xstds + self.Xmeans
    return Variant


def use_expect(ns, inputs):
    out = {'correct': probes.use_run(ns, **inputs)}
    for variant in VARIANTS:
        try:
            with np.errstate(all='ignore'):
                out[variant] = probes.use_run(dict(ns, NeuralNetwork=_variant_class(ns['NeuralNetwork'], variant)),
                                              **inputs)
        except (ValueError, IndexError):    # shapes that do not broadcast: no student can have returned it
            out[variant] = None
    return out


def _close(a, e, rtol):
    e = np.asarray(e, dtype=float)
    return within(a, e, rtol, atol=rtol * max(1.0, float(np.max(np.abs(e), initial=0.0))))


def _other_statistics(Y, Z, rtol) -> bool:
    """Y = a * Z + b exactly, column by column, with a != 0."""
    try:
        Y = np.asarray(Y, dtype=float)
    except (TypeError, ValueError):
        return False
    Z = np.asarray(Z, dtype=float)
    if Y.shape != Z.shape or Y.ndim != 2 or Y.shape[0] < 3 or not np.all(np.isfinite(Y)):
        return False
    for j in range(Y.shape[1]):
        A = np.column_stack([Z[:, j], np.ones(len(Z))])
        coef = np.linalg.lstsq(A, Y[:, j], rcond=None)[0]
        if abs(coef[0]) < 1e-9 or not _close(A @ coef, Y[:, j], max(rtol, 1e-9)):
            return False
    return True


def _missing_name(error: str):
    match = re.match(r"NameError: name '(\w+)' is not defined", error)
    return match.group(1) if match else None


def _hidden_detail(Y, expected) -> str:
    """What is wrong, without the shapes or values of a hidden case."""
    try:
        Y = np.asarray(Y, dtype=float)
    except (TypeError, ValueError):
        return 'it is not a numeric array'
    if Y.shape != np.shape(expected):
        return 'its result has the wrong shape (one row per sample of X, one column per output)'
    if not np.all(np.isfinite(Y)):
        return 'its result contains nan or inf'
    return 'its result differs from the correct predictions'


def judge(run: CaseRun) -> Verdict:
    hidden, weight = run.case.hidden, run.case.weight
    kind = ('' if not hidden else ' on a linear model (no hidden layer)' if not any(run.case.inputs['nh'])
            else ' on a hidden case')

    def verdict(fraction, message='', diagnosis='', more=()):
        return Verdict(fraction, message, hidden=hidden, weight=weight, diagnosis=diagnosis, more=more)

    if not run.student.ok:
        name = _missing_name(run.student.error)
        if name:
            return verdict(0.0, f'use reads the name {name!r}, which is not defined where use runs: use the '
                                f'network\'s own statistics {STATS}', diagnosis='global_name')
        if is_not_implemented(run.student):
            return verdict(0.0, 'use is not implemented yet (it raises NotImplementedError)',
                           diagnosis='not_implemented')
        return verdict(0.0, f'use failed{kind}: {explain(run.student, hidden)}', diagnosis='fails_to_run')
    rtol = float(run.params.get('rtol', 1e-6))
    Y, exp = run.student.value['Y'], run.expected
    x_changed = not np.array_equal(np.asarray(run.student.value['X_after'], dtype=float),
                                   np.asarray(run.case.inputs['X'], dtype=float))
    also = (('modifies_x', X_CHANGED),) if x_changed else ()
    if _close(Y, exp['correct']['Y'], rtol):
        if x_changed:
            return verdict(0.5, X_CHANGED, diagnosis='modifies_x')
        return verdict(1.0)
    for variant, message in VARIANTS.items():
        if exp.get(variant) is not None and _close(Y, exp[variant]['Y'], rtol):
            return verdict(0.0, message, diagnosis=variant, more=also)
    if _other_statistics(Y, exp['standardized_output']['Y'], rtol):
        return verdict(0.0, OTHER_STATS, diagnosis='other_statistics', more=also)
    if hidden:
        detail = _hidden_detail(Y, exp['correct']['Y'])
        return verdict(0.0, f'use returns wrong values{kind}: {detail}', diagnosis='wrong_result', more=also)
    return verdict(0.0, compare_arrays(Y, exp['correct']['Y'], rtol, name='the result of use'),
                   diagnosis='wrong_result', more=also)


def make_inputs(rng, n_inputs, nh, n_outputs, n_samples, Xmeans, Xstds, Tmeans, Tstds):
    sizes = [n_inputs] + [n for n in nh if n] + [n_outputs]
    n_weights = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))
    Xmeans, Xstds = np.asarray(Xmeans, dtype=float), np.asarray(Xstds, dtype=float)
    return {'n_inputs': n_inputs, 'nh': list(nh), 'n_outputs': n_outputs,
            'weights': rng.normal(0, 0.5, n_weights), 'Xmeans': Xmeans, 'Xstds': Xstds,
            'Tmeans': np.asarray(Tmeans, dtype=float), 'Tstds': np.asarray(Tstds, dtype=float),
            'X': Xmeans + Xstds * rng.normal(size=(n_samples, n_inputs))}


def public_cases(params):
    rng = public_rng('use')
    # Moderate statistics: with raw inputs far from 0 tanh saturates and the wrong variants look alike.
    return [Case('one_output', 'use_run', make_inputs(rng, 3, [4], 1, 5, [2.0, -1.0, 0.5], [1.5, 0.5, 3.0],
                                                      [6.0], [2.5]), judge, expect=use_expect),
            Case('two_outputs', 'use_run', make_inputs(rng, 2, [3], 2, 4, [-1.5, 3.0], [0.8, 2.0],
                                                       [2.0, -3.0], [4.0, 0.6]), judge, expect=use_expect)]


def combine(item: Item, verdicts):
    return combine_weighted(item, verdicts, 'use() returns predictions in the units of T.')


CHECKS = {'use': CodeCheck(public_cases, combine, FAULTS, params={'rtol': tolerance(1e-6)})}

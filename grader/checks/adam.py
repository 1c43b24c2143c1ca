"""adam: the student's ``Optimizers.adam`` against the algorithm as taught.

Public: the handout's parabola, (w - 5)^2 from w = 0, 100 epochs, learning rate 0.1 (the reference ends at
5.03900403); its expected value also holds where the known wrong Adams end, so a wrong answer is
named even in a self-check. Hidden cases (grader.hidden.adam) separate the variants the parabola cannot.
"""
from ..model import Item
from .base import COMMON_FAULTS, Case, CaseRun, CodeCheck, Verdict, combine_minimum, failed_to_run
from .params import tolerance

PARABOLA = {'method': 'adam', 'w0': [0.0], 'a': [1.0], 'c': [5.0], 'scale': 1.0, 'epoch_runs': [100],
            'learning_rate': 0.1}

FAULTS = {
    **COMMON_FAULTS,
    'no_trace': 'does not return the list of errors, one per epoch',
    'not_in_place': 'assigns a new array to self.all_weights instead of updating it in place',
    'nan_first_step': 'advances beta1t and beta2t after computing m̂ and v̂ (0/0 at the first step)',
    'no_bias_correction': 'no bias correction of the moments',
    'betat_start_at_beta': 'beta1t and beta2t start at the betas instead of 1',
    'no_sqrt': 'divides by v̂ instead of its square root',
    'state_reset': 'resets its moments on every call',
    'epsilon_inside_root': 'epsilon inside the square root',
    'lr_scaled_gradient': 'the gradient is multiplied by the learning rate before the moments',
}
# What each variant's fault tells the student: what is wrong and how to fix it.
MESSAGES = {
    'no_bias_correction': 'adam skips the bias correction: use m̂ = mt / (1 - beta1t) and v̂ = vt / (1 - beta2t)',
    'betat_start_at_beta': 'beta1t and beta2t must start at 1 (in __init__), then be multiplied by the betas each '
                           'step',
    'no_sqrt': 'the update must divide by the square root of v̂ (np.sqrt(v_hat) + epsilon)',
    'state_reset': 'adam resets mt, vt, beta1t or beta2t on every call: that state belongs to the Optimizers '
                   'object, set once in __init__, so a second call continues the first',
    'epsilon_inside_root': 'epsilon belongs outside the square root: np.sqrt(v_hat) + epsilon',
    'lr_scaled_gradient': 'the learning rate multiplies the step m̂ / (√v̂ + ε) only, not also the gradient that '
                          'goes into mt and vt',
    'not_in_place': 'adam left the weights passed to Optimizers unchanged: update self.all_weights in place '
                    '(self.all_weights -= ...), do not assign a new array',
    'not_implemented': 'adam does not change the weights: it is not implemented yet',
    'nan_first_step': 'adam produced nan: beta1t and beta2t must be multiplied by the betas before m̂ and v̂ are '
                      'computed (otherwise step 1 divides 0 by 0)',
}
# Departures that hidden problems with tiny gradients expose and that change nothing elsewhere.
MINOR = ('epsilon_inside_root', 'lr_scaled_gradient')
MAJOR = ('no_bias_correction', 'betat_start_at_beta', 'no_sqrt', 'state_reset')


def variant_names() -> list[tuple[str, ...]]:
    """Every wrong Adam modelled: each flaw alone, and a major flaw with minor ones (students combine them)."""
    singles = [(v,) for v in MAJOR + MINOR]
    pairs = [(m, n) for m in MAJOR for n in MINOR] + [MINOR] + [(m,) + MINOR for m in MAJOR]
    return singles + pairs


def variant_outcomes(ns, inputs) -> dict:
    """The correct run and each wrong Adam's, computed in the grader from the reference's Optimizers."""
    import numpy as np
    from ..hidden.wrong_adam import flawed_optimizers     # only where the reference is: never in a student kit
    from ..kernel import probes
    outcomes = {'correct': probes.optimizer_run(ns, **inputs)}
    for flaws in variant_names():
        with np.errstate(all='ignore'):
            flawed = flawed_optimizers(ns['Optimizers'], set(flaws))
            outcomes['+'.join(flaws)] = probes.optimizer_run(dict(ns, Optimizers=flawed), **inputs)
    return outcomes


def unchanged(run: CaseRun) -> Verdict | None:
    """A stub (nothing computed) or weights reassigned (computed, not in place): the weights did not move."""
    import numpy as np
    value = run.student.value
    if not np.array_equal(value['w'], run.case.inputs['w0']):
        return None
    name = 'not_in_place' if value.get('state_changed') else 'not_implemented'
    return Verdict(0.0, MESSAGES[name], hidden=run.case.hidden, weight=run.case.weight, diagnosis=name)


def named_variant(run: CaseRun, distance, tolerance: float) -> Verdict | None:
    """The variant whose result is nearest the student's, if within ``tolerance``, as faults (the major one first).

    Nearest, not first: on some problems two variants agree to within the tolerance (epsilon inside the root and
    a pre-scaled gradient, say), and the student's code reproduces its own variant to rounding error only.
    """
    near = [(distance(run.student.value, outcome), key) for key, outcome in run.expected.items()
            if key != 'correct' and outcome is not None]
    near = [(d, key) for d, key in near if d <= tolerance]
    if not near:
        return None
    flaws = min(near)[1].split('+')
    return Verdict(0.0, MESSAGES[flaws[0]], hidden=run.case.hidden, weight=run.case.weight,
                   diagnosis=flaws[0], more=tuple((f, MESSAGES[f]) for f in flaws[1:]))


def judge_parabola(run: CaseRun) -> Verdict:
    failed = failed_to_run(run, 'adam on the parabola (w - 5)^2 failed')
    if failed:
        return failed
    tol = float(run.params.get('tolerance', 1e-6))
    w = run.student.value['w']
    expected = float(run.expected['correct']['w'][0])
    trace = run.student.value['traces'][0]
    if trace is None or len(trace) != 100:
        n = 'nothing' if trace is None else f'{len(trace)} values'
        return Verdict(0.0, f'adam must return the list of errors, one per epoch (100 here); it returned {n}',
                       diagnosis='no_trace')
    stuck = unchanged(run)
    if stuck:
        return stuck
    got = float(w[0])
    if got != got:
        return Verdict(0.0, MESSAGES['nan_first_step'], diagnosis='nan_first_step')
    if abs(got - expected) <= tol * max(1.0, abs(expected)):
        return Verdict(1.0)
    variant = named_variant(run, lambda s, o: abs(float(s['w'][0]) - float(o['w'][0])) / max(1.0, abs(got)), tol)
    if variant:
        return variant
    return Verdict(0.0, f'adam on the parabola (w - 5)^2 from w = 0, 100 epochs, learning rate 0.1 ended at '
                        f'w = {got:.8f}; Adam as taught ends at {expected:.8f}', diagnosis='wrong_result')


def public_cases(params):
    return [Case('parabola', 'optimizer_run', dict(PARABOLA), judge_parabola, expect=variant_outcomes)]


def combine(item: Item, verdicts):
    return combine_minimum(item, verdicts, 'Adam matches the algorithm as taught.')


PARAMS = {'tolerance': tolerance(1e-6, "how far (relative) the parabola's end point may be from Adam's"),
          'hidden_rtol': tolerance(1e-6, 'relative tolerance on the hidden problems')}
CHECKS = {'adam': CodeCheck(public_cases, combine, FAULTS, params=PARAMS)}

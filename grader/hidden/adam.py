"""Hidden adam cases: problems on which every wrong Adam students write (README, "The assignment") gives a different answer.

Each case's expected value holds the correct result and each known variant's, so a wrong answer can be named.
Epsilon inside the square root and a gradient pre-scaled by the learning rate agree with Adam except where the
gradients are tiny (about 1e-8): one case is built for that.
"""
import numpy as np

from ..kernel import probes
from ..checks.base import Case, CaseRun, Verdict, failed_to_run, within
from .wrong_adam import flawed_optimizers

# variant -> (message, whether it departs only in a detail the rubric may give partial credit for)
VARIANTS = {
    'no_bias_correction': ('adam skips the bias correction: use m̂ = mt / (1 - beta1t) and v̂ = vt / (1 - beta2t)',
                           False),
    'betat_start_at_beta': ('beta1t and beta2t must start at 1 (in __init__), then be multiplied by the betas each '
                            'step', False),
    'no_sqrt': ('the update must divide by the square root of v̂ (np.sqrt(v_hat) + epsilon)', False),
    'state_reset': ('adam resets mt, vt, beta1t or beta2t on every call: that state belongs to the Optimizers '
                    'object, set once in __init__, so a second call continues the first', False),
    'epsilon_inside_root': ('epsilon belongs outside the square root: np.sqrt(v_hat) + epsilon', True),
    'lr_scaled_gradient': ('the learning rate multiplies the step m̂ / (√v̂ + ε) only, not also the gradient '
                           'that goes into mt and vt', True),
}


def _expect(ns, inputs):
    outcomes = {'correct': probes.optimizer_run(ns, **inputs)}
    for variant in VARIANTS:
        with np.errstate(all='ignore'):
            flawed = flawed_optimizers(ns['Optimizers'], {variant})
            outcomes[variant] = probes.optimizer_run(dict(ns, Optimizers=flawed), **inputs)
    return outcomes


def _same(student, reference, rtol):
    if not within(student['w'], reference['w'], rtol, atol=1e-12):
        return False
    return all(t is not None and within(t, r, rtol, atol=1e-12)
               for t, r in zip(student['traces'], reference['traces']))


def judge(run: CaseRun) -> Verdict:
    failed = failed_to_run(run, 'adam failed on a hidden problem')
    if failed:
        return failed
    rtol = float(run.params.get('hidden_rtol', 1e-6))
    if _same(run.student.value, run.expected['correct'], rtol):
        return Verdict(1.0, hidden=True)
    for variant, (message, minor) in VARIANTS.items():
        if _same(run.student.value, run.expected[variant], rtol):
            credit = float(run.params.get('variant_credit', 0.5)) if minor else 0.0
            return Verdict(credit, message, hidden=True, diagnosis=variant)
    return Verdict(0.0, 'adam gives wrong weights on a hidden problem (more dimensions, other learning rates, '
                        'a second call continuing the first)', hidden=True, diagnosis='unknown')


def hidden_cases(params, rng):
    def problem(dim, scale, epoch_runs, lr, convert=False):
        return {'method': 'adam', 'w0': rng.uniform(-2, 2, dim).tolist(), 'a': rng.uniform(0.5, 3, dim).tolist(),
                'c': rng.uniform(-3, 3, dim).tolist(), 'scale': scale, 'epoch_runs': epoch_runs,
                'learning_rate': lr, 'convert': convert}
    cases = [
        problem(int(rng.integers(3, 7)), 1.0, [int(rng.integers(20, 40)), int(rng.integers(10, 30))],
                float(rng.choice([0.01, 0.05, 0.2]))),
        # Gradients near 1e-8: only here do epsilon's placement and a pre-scaled gradient show.
        problem(int(rng.integers(2, 5)), float(rng.uniform(2e-9, 8e-9)), [int(rng.integers(30, 60))],
                float(rng.choice([0.001, 0.01]))),
        problem(int(rng.integers(1, 4)), float(rng.uniform(0.5, 4)), [int(rng.integers(40, 80))],
                float(rng.choice([0.002, 0.03])), convert=True),
    ]
    return [Case(f'hidden{i}', 'optimizer_run', inputs, judge, hidden=True, expect=_expect)
            for i, inputs in enumerate(cases)]


HIDDEN = {'adam': hidden_cases}

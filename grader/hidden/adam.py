"""Hidden adam cases: problems on which every wrong Adam students write (README, "The assignment") gives a different answer.

Each case's expected value holds the correct result and each known variant's (grader.checks.adam), so a wrong
answer can be named. Epsilon inside the square root and a gradient pre-scaled by the learning rate agree with Adam
except where the gradients are tiny (about 1e-8): one case is built for that, whatever the seed; a second call
continuing the first (state kept on the object) is in another, whatever the seed.
"""
import numpy as np

from ..checks.adam import MESSAGES, named_variant, unchanged, variant_outcomes
from ..checks.base import Case, CaseRun, Verdict, failed_to_run


def _same(student, reference, rtol):
    return _distance(student, reference) <= rtol


def _distance(student, reference) -> float:
    """The largest relative difference of weights and traces, relative to |value| + 1e-6 (so near 0 the default
    rtol 1e-6 acts as an absolute 1e-12); inf when they cannot be compared."""
    pairs = [(student['w'], reference['w'])] + list(zip(student['traces'], reference['traces']))
    worst = 0.0
    for a, b in pairs:
        try:
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            return float('inf')
        if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
            return float('inf')
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(b) + 1e-6))))
    return worst


def judge(run: CaseRun) -> Verdict:
    failed = failed_to_run(run, 'adam failed on a hidden problem')
    if failed:
        return failed
    rtol = float(run.params.get('hidden_rtol', 1e-6))
    if _same(run.student.value, run.expected['correct'], rtol):
        return Verdict(1.0, hidden=True)
    if not np.all(np.isfinite(np.asarray(run.student.value['w'], dtype=float))):
        return Verdict(0.0, MESSAGES['nan_first_step'], hidden=True, diagnosis='nan_first_step')
    found = unchanged(run) or named_variant(run, _distance, rtol)
    if found:
        return found
    return Verdict(0.0, 'adam gives wrong weights on a hidden problem (more dimensions, other learning rates, '
                        'a second call continuing the first)', hidden=True, diagnosis='wrong_result')


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
    return [Case(f'hidden{i}', 'optimizer_run', inputs, judge, hidden=True, expect=variant_outcomes)
            for i, inputs in enumerate(cases)]


HIDDEN = {'adam': hidden_cases}

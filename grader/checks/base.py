"""What every check is made of.

A code check (``CodeCheck``) is a list of public cases (a probe and fixed inputs, so a student kit can carry
their expected values), a judge per case, and a way to combine verdicts into a fraction of the item. Its hidden
cases live in ``grader.hidden.<module>`` (``HIDDEN[check](params, rng)``), drawn from the grading seed and never
shipped to students. An answer check (``AnswerCheck``) reads the discussion answers found in the notebook.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..kernel.session import ProbeOutcome
from ..model import Answer, CheckResult, Item


@dataclass(frozen=True)
class Verdict:
    fraction: float             # of this case's weight
    message: str = ''           # why not full marks; for hidden cases it names the fault, never the inputs
    hidden: bool = False
    weight: float = 1.0
    diagnosis: str = ''         # a short tag for the TA's report (e.g. 'no-bias-correction')


@dataclass(frozen=True)
class Case:
    key: str
    probe: str
    inputs: dict[str, Any]
    judge: Callable[['CaseRun'], Verdict]
    hidden: bool = False
    weight: float = 1.0
    # How the grader computes what is expected; default: the same probe run on the reference.
    expect: Callable[[dict], Any] | None = field(default=None, compare=False)


@dataclass
class CaseRun:
    case: Case
    student: ProbeOutcome
    expected: Any
    params: dict[str, Any]


@dataclass(frozen=True)
class CodeCheck:
    public_cases: Callable[[dict], list[Case]]
    combine: Callable[[Item, list[Verdict]], CheckResult]


@dataclass(frozen=True)
class AnswerCheck:
    evaluate: Callable[[Item, dict[str, Answer]], CheckResult]


def failed_to_run(run: CaseRun, what: str) -> Verdict | None:
    """A verdict when the student's code did not return, else None."""
    if run.student.ok:
        return None
    return Verdict(0.0, f'{what}: {run.student.explain()}', hidden=run.case.hidden, weight=run.case.weight,
                   diagnosis=run.student.status)


def combine_weighted(item: Item, verdicts: list[Verdict], pass_message: str = '') -> CheckResult:
    """Fraction = weighted mean of the cases; the message lists what went wrong, once per distinct message."""
    total = sum(v.weight for v in verdicts) or 1.0
    fraction = sum(v.fraction * v.weight for v in verdicts) / total
    return make_result(item, fraction, verdicts, pass_message)


def combine_minimum(item: Item, verdicts: list[Verdict], pass_message: str = '') -> CheckResult:
    """Fraction = the worst case: for checks where any wrong answer means the code is wrong."""
    fraction = min((v.fraction for v in verdicts), default=0.0)
    return make_result(item, fraction, verdicts, pass_message)


def make_result(item: Item, fraction: float, verdicts: list[Verdict], pass_message: str = '') -> CheckResult:
    fraction = float(np.clip(round(fraction, 4), 0.0, 1.0))
    problems = []
    for v in verdicts:
        if v.fraction < 1 and v.message and v.message not in problems:
            problems.append(v.message)
    hidden_failed = any(v.hidden and v.fraction < 1 for v in verdicts)
    if fraction >= 1:
        status, message = 'pass', item.pass_message or pass_message or 'Correct.'
    else:
        status = 'fail' if fraction == 0 else 'partial'
        message = ' '.join(p if p.endswith('.') else p + '.' for p in problems)
        if item.fail_message and status == 'fail':
            message = f'{message} {item.fail_message}'.strip()
    return CheckResult(item.id, status, fraction, message, hidden_failed,
                       details={'cases': [{'hidden': v.hidden, 'fraction': v.fraction, 'diagnosis': v.diagnosis}
                                          for v in verdicts]})


# ----------------------------------------------------------------- comparing values
def compare_arrays(actual, expected, rtol: float, atol: float = 0.0, name: str = 'result') -> str:
    """'' when equal within tolerance; else what differs, in order: type, shape, finiteness, values."""
    try:
        a = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return f'{name} is not a numeric array (got {type(actual).__name__})'
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        if a.size == e.size:
            return f'{name} has shape {a.shape}, expected {e.shape}'
        return f'{name} has shape {a.shape}, expected {e.shape}'
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        return f'{name} contains nan or inf'
    if not np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
        worst = float(np.max(np.abs(a - e) / (atol + rtol * np.abs(e) + 1e-300))) if a.size else 0.0
        return f'{name} differs from the correct values (off by up to {worst:.3g}× the tolerance)'
    return ''


def within(actual, expected, rtol: float, atol: float = 0.0) -> bool:
    try:
        a = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return False
    e = np.asarray(expected, dtype=float)
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True))


def public_rng(check: str) -> np.random.Generator:
    """Public inputs are fixed, so a student kit can carry their expected values."""
    return np.random.default_rng(abs(hash_text(check)) % (2 ** 32))


def hash_text(text: str) -> int:
    import zlib
    return zlib.crc32(text.encode())

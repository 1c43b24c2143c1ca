"""What every check is made of.

A code check (``CodeCheck``) is a list of public cases (a probe and fixed inputs, so a student kit can carry
their expected values), a judge per case, and a way to combine verdicts into the item's result. Its hidden
cases live in ``grader.hidden.<module>`` (``HIDDEN[check](params, rng)``), drawn from the grading seed and never
shipped to students. An answer check (``AnswerCheck``) reads the discussion answers found in the notebook.

A check's job is diagnosis: each declares, next to itself, the catalogue of faults it can report (``faults``: name
-> what is wrong, in a few words), and its results name the faults found. What a fault costs is the rubric's
business (README, "Faults and deductions"). A fault's id is the rubric item's id, a dot and the fault's name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..model import Answer, CheckResult, Fault, Item, status_for
from .params import Param

if TYPE_CHECKING:       # the kernel session pulls in nbclient: not needed to read a rubric's catalogue
    from ..kernel.session import ProbeOutcome

# Faults every code check can report, whatever it tests.
COMMON_FAULTS = {
    'not_implemented': 'not implemented: the handout\'s stub is still there',
    'fails_to_run': 'raises an error or does not finish',
    'wrong_result': 'gives results that differ from the correct ones in a way the grader cannot name',
}
# Reported by a check that needs another graded function (``Need``) when that function is not implemented.
UPSTREAM_MISSING = 'upstream_missing'


@dataclass(frozen=True)
class Verdict:
    fraction: float             # of this case's weight: the check's own estimate (points come from faults)
    message: str = ''           # why not full marks; for hidden cases it names the fault, never the inputs
    hidden: bool = False
    weight: float = 1.0
    diagnosis: str = ''         # the fault's name in the check's catalogue ('' when the case passed)
    # Further faults found by the same case, as (name, message): a case may show several independent faults.
    more: tuple[tuple[str, str], ...] = ()


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
    student: 'ProbeOutcome'
    expected: Any
    params: dict[str, Any]


@dataclass(frozen=True)
class Need:
    """A graded function this check calls: when that function's item found faults, a correct copy of it (a
    stand-in from grader.kernel.stand_ins, the handout's algorithm, never expected values) replaces the student's
    while this check runs, so one fault is charged once. ``when_missing``: also stand in for a function that is
    not implemented (this check has work of its own to judge); otherwise this check reports ``upstream_missing``."""
    check: str                  # the upstream check's name ('adam')
    stand_in: str | None        # what replaces it (grader.kernel.stand_ins.STAND_INS), None: nothing can
    function: str               # as named to students: 'adam', 'use', 'relu and grad_relu'
    when_missing: bool = False


@dataclass(frozen=True)
class CodeCheck:
    """A check that runs the student's code. Registered by its module's ``CHECKS`` (``grader.checks``): the one
    place that says what it is called, what it runs, the faults it can report and the params it reads."""
    public_cases: Callable[[dict], list[Case]]
    combine: Callable[[Item, list[Verdict]], CheckResult]
    faults: dict[str, str] = field(default_factory=dict)    # name -> what is wrong (README's fault catalogue)
    needs: tuple[Need, ...] = ()
    params: dict[str, Param] = field(default_factory=dict)  # besides every code check's time budget


@dataclass(frozen=True)
class AnswerCheck:
    """A check of the written answers (no kernel), registered like a ``CodeCheck``."""
    evaluate: Callable[[Item, dict[str, Answer]], CheckResult]
    faults: dict[str, str] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)


# ----------------------------------------------------------------- failures of the student's code
_NUMBER = re.compile(r'(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?')


def redact(text: str) -> str:
    """An error message of a hidden case without its numbers: sizes, shapes, counts and values all become '…'."""
    return _NUMBER.sub('…', text)


def explain(outcome: 'ProbeOutcome', hidden: bool) -> str:
    """What the student's code did instead of returning; for a hidden case, the error's text is redacted (the
    location, the student's own cell and line, is kept)."""
    if outcome.status == 'timeout':
        return f'did not finish within {outcome.seconds:.0f} s (an infinite loop?)'
    if outcome.status == 'died':
        reason = outcome.error.split(':', 1)[0] if hidden else outcome.error
        return f'the kernel died ({reason or "it exited or crashed"})'
    error = redact(outcome.error) if hidden else outcome.error
    return f'{error} ({outcome.where})' if outcome.where else error


def is_not_implemented(outcome: 'ProbeOutcome') -> bool:
    return outcome.status == 'error' and outcome.error.startswith('NotImplementedError')


def failed_to_run(run: CaseRun, what: str) -> Verdict | None:
    """A verdict when the student's code did not return, else None."""
    if run.student.ok:
        return None
    if is_not_implemented(run.student):
        return Verdict(0.0, f'{what}: it is not implemented yet (NotImplementedError)', hidden=run.case.hidden,
                       weight=run.case.weight, diagnosis='not_implemented')
    return Verdict(0.0, f'{what}: {explain(run.student, run.case.hidden)}', hidden=run.case.hidden,
                   weight=run.case.weight, diagnosis='fails_to_run')


# ----------------------------------------------------------------- combining verdicts
def combine_weighted(item: Item, verdicts: list[Verdict], pass_message: str = '') -> CheckResult:
    """Fraction = weighted mean of the cases; the faults of every case, each once."""
    total = sum(v.weight for v in verdicts) or 1.0
    fraction = sum(v.fraction * v.weight for v in verdicts) / total
    return make_result(item, fraction, verdicts, pass_message)


def combine_minimum(item: Item, verdicts: list[Verdict], pass_message: str = '') -> CheckResult:
    """Fraction = the worst case: for checks where any wrong answer means the code is wrong."""
    fraction = min((v.fraction for v in verdicts), default=0.0)
    return make_result(item, fraction, verdicts, pass_message)


def verdict_faults(v: Verdict) -> list[tuple[str, str]]:
    """(name, message) of every fault a verdict names; a failed case that names none is a 'wrong_result'."""
    found = list(v.more)
    if v.fraction < 1:      # a passed case may still carry a diagnosis: an accepted variant, for the TA
        found.insert(0, (v.diagnosis or 'wrong_result', v.message))
    return found


def collect_faults(item: Item, verdicts: list[Verdict]) -> tuple[Fault, ...]:
    """Each fault once, with the first case's message (public cases come first and may name sizes; hidden ones
    never do). A name missing from the check's catalogue becomes 'wrong_result' in the runner
    (``checks.runner.known_faults``)."""
    faults: dict[str, Fault] = {}
    for v in verdicts:
        for name, message in verdict_faults(v):
            fault_id = f'{item.id}.{name}'
            if fault_id not in faults:
                faults[fault_id] = Fault(fault_id, _sentence(message))
            elif message and not faults[fault_id].message:
                faults[fault_id] = Fault(fault_id, _sentence(message))
    return tuple(faults.values())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(('.', '!', '?')) else text + '.'


def make_result(item: Item, fraction: float, verdicts: list[Verdict], pass_message: str = '') -> CheckResult:
    fraction = float(np.clip(round(fraction, 4), 0.0, 1.0))
    faults = collect_faults(item, verdicts)
    hidden_failed = any(v.hidden and v.fraction < 1 for v in verdicts)
    details = {'cases': [{'hidden': v.hidden, 'fraction': v.fraction, 'diagnosis': v.diagnosis} for v in verdicts]}
    if not faults:
        return CheckResult(item.id, 'pass', 1.0, item.pass_message or pass_message or 'Correct.', hidden_failed,
                           details=details)
    fraction = min(fraction, 0.9999)     # a fault always costs something unless the rubric says 0
    message = ' '.join(dict.fromkeys(f.message for f in faults if f.message))
    return CheckResult(item.id, status_for(fraction), fraction, message, hidden_failed,
                       details=details, faults=faults)


# ----------------------------------------------------------------- comparing values
def compare_arrays(actual, expected, rtol: float, atol: float = 0.0, name: str = 'result') -> str:
    """'' when equal within tolerance; else what differs, in order: type, shape, finiteness, values."""
    try:
        a = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        return f'{name} is not a numeric array (got {type(actual).__name__})'
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
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

"""Runs one rubric item's check: code checks through the kernel session, answer checks on the discussion."""
from __future__ import annotations

import importlib
import time
import zlib

import numpy as np

from ..model import Answer, CheckResult, Item
from . import MODULES
from .base import AnswerCheck, Case, CaseRun, CodeCheck, Verdict

DEFAULT_TIME_BUDGET = 20.0
NO_CASES = 'this check has only hidden cases: it runs when your TA grades'


def get_check(name: str) -> CodeCheck | AnswerCheck:
    return importlib.import_module(f'grader.checks.{MODULES[name]}').CHECKS[name]


def hidden_cases_fn(name: str):
    """The hidden part of a check, or None: a student kit has no ``grader.hidden``."""
    try:
        module = importlib.import_module(f'grader.hidden.{MODULES[name]}')
    except ModuleNotFoundError:
        return None
    return getattr(module, 'HIDDEN', {}).get(name)


def hidden_rng(seed: int, item_id: str) -> np.random.Generator:
    """Each item draws from its own stream, so adding an item never changes another's hidden inputs."""
    return np.random.default_rng([seed, zlib.crc32(item_id.encode())])


def is_code_check(name: str) -> bool:
    return isinstance(get_check(name), CodeCheck)


def cases_for(item: Item, mode: str, seed: int | None) -> list[Case]:
    cases = list(get_check(item.check).public_cases(item.params))
    if mode == 'grade':
        hidden = hidden_cases_fn(item.check)
        if hidden is not None:
            cases += hidden(item.params, hidden_rng(seed or 0, item.id))
    return cases


def run_code_check(item: Item, session, expected, mode: str, seed: int | None,
                   notebook_deadline: float | None = None) -> CheckResult:
    check = get_check(item.check)
    budget = float(item.params.get('time_budget_seconds', DEFAULT_TIME_BUDGET))
    deadline = time.monotonic() + budget
    if notebook_deadline is not None:
        deadline = min(deadline, notebook_deadline)
    verdicts: list[Verdict] = []
    cases = cases_for(item, mode, seed)
    if not cases:
        # A hidden-only check outside grading (a kit, or a rubric making it public): no verdict, not a silent 0.
        return CheckResult(item.id, 'skipped', 0.0, NO_CASES)
    outcomes: list = [None] * len(cases)
    pending = list(range(len(cases)))
    while pending:      # all of a check's cases in one request; after a hang, the rest in another
        remaining = deadline - time.monotonic()
        if remaining <= 0.5:
            break
        batch = session.call_many([(cases[i].probe, cases[i].inputs) for i in pending], remaining)
        for i, outcome in zip(pending, batch):
            outcomes[i] = outcome
        pending = [i for i in pending if outcomes[i] is None]
    for case, outcome in zip(cases, outcomes):
        if outcome is None:
            verdicts.append(Verdict(0.0, f'not run: the {budget:.0f} s time budget of this check was used up',
                                    hidden=case.hidden, weight=case.weight, diagnosis='budget'))
            continue
        value = expected.value(item.check, case) if outcome.ok else None
        verdicts.append(case.judge(CaseRun(case, outcome, value, item.params)))
    return check.combine(item, verdicts)


def run_answer_check(item: Item, answers: dict[str, Answer]) -> CheckResult:
    return get_check(item.check).evaluate(item, answers)

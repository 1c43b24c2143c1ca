"""Runs one rubric item's check: code checks through the kernel session, answer checks on the discussion.

A code check that needs another graded function (``CodeCheck.needs``) runs after that function's item. When that
item found faults, a correct stand-in (grader.hidden.stand_ins) replaces the function for this check's probe
calls only, and the result says so: a fault is charged once, in the item that names it (README "One fault, one
charge"). A function left unimplemented is replaced only for checks with work of their own to judge; the others
report ``upstream_missing``.
"""
from __future__ import annotations

import dataclasses
import importlib
import time
import zlib
from typing import Iterable, Mapping

import numpy as np

from ..model import Answer, CheckResult, Fault, Item
from . import get_check, module_of
from .base import UPSTREAM_MISSING, Case, CaseRun, CodeCheck, Need, Verdict, make_result

DEFAULT_TIME_BUDGET = 20.0
NO_CASES = 'this check has only hidden cases: it runs when your TA grades'


def fault_catalogue(item: Item) -> dict[str, str]:
    """'<item>.<fault>' -> what it means, for every fault the item's check can report."""
    try:
        faults = get_check(item.check).faults
    except KeyError:
        return {}
    return {f'{item.id}.{name}': text for name, text in faults.items()}


def hidden_cases_fn(name: str):
    """The hidden part of a check, or None: a student kit has no ``grader.hidden``."""
    try:
        module = importlib.import_module(f'grader.hidden.{module_of(name)}')
    except ModuleNotFoundError:
        return None
    return getattr(module, 'HIDDEN', {}).get(name)


def stand_ins_available() -> bool:
    try:
        importlib.import_module('grader.hidden.stand_ins')
    except ModuleNotFoundError:
        return False
    return True


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


# ---------------------------------------------------------------- order and stand-ins
def in_dependency_order(items: Iterable[Item]) -> list[Item]:
    """Items in rubric order, except that an item comes after the items whose functions its check needs."""
    items = list(items)
    by_check = {it.check: it for it in items}
    placed: list[Item] = []

    def place(item: Item, seen: tuple = ()):
        if item in placed or item in seen:
            return
        check = get_check(item.check)
        for need in getattr(check, 'needs', ()):
            upstream = by_check.get(need.check)
            if upstream is not None:
                place(upstream, seen + (item,))
        placed.append(item)

    for item in items:
        place(item)
    return placed


def _has_faults(result: CheckResult | None) -> bool:
    return result is not None and bool(result.faults)


def _missing(result: CheckResult) -> bool:
    return any(f.id.endswith('.not_implemented') for f in result.faults)


def plan_stand_ins(item: Item, items: Iterable[Item], results: Mapping[str, CheckResult]
                   ) -> tuple[list[str], list[Need], list[Need]]:
    """(stand-ins to load, the needs they serve, needs whose function is missing and cannot be stood in for)."""
    check = get_check(item.check)
    by_check = {it.check: it for it in items}
    load, served, missing = [], [], []
    for need in getattr(check, 'needs', ()):
        upstream = by_check.get(need.check)
        result = results.get(upstream.id) if upstream is not None else None
        if not _has_faults(result):
            continue
        if _missing(result) and not need.when_missing:
            missing.append(need)
        elif need.stand_in is not None:
            if need.stand_in not in load:
                load.append(need.stand_in)
            served.append(need)
        else:
            served.append(need)     # nothing can replace it: the check knows and judges around it
    return load, served, missing


def _upstream_missing(item: Item, missing: list[Need]) -> CheckResult:
    names = ' and '.join(dict.fromkeys(n.function for n in missing))
    message = (f'not judged: this part runs your {names}, not implemented yet; once implemented, this item is '
               'graded')
    return CheckResult(item.id, 'fail', 0.0, message, faults=(Fault(f'{item.id}.{UPSTREAM_MISSING}', message),))


# ---------------------------------------------------------------- running
def run_code_check(item: Item, session, expected, mode: str, seed: int | None,
                   notebook_deadline: float | None = None, upstream: Mapping[str, CheckResult] | None = None,
                   items: Iterable[Item] = ()) -> CheckResult:
    """``upstream``: results of the items already graded, with ``items`` the rubric's items (for stand-ins)."""
    check = get_check(item.check)
    load: list[str] = []
    served: list[Need] = []
    if upstream:
        load, served, missing = plan_stand_ins(item, items, upstream)
        if missing:
            return _upstream_missing(item, missing)
        if load and not stand_ins_available():      # a student kit: judged with the student's functions
            load = []
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
        batch = session.call_many([_call(cases[i], load) for i in pending], remaining)
        for i, outcome in zip(pending, batch):
            outcomes[i] = outcome
        pending = [i for i in pending if outcomes[i] is None]
    # The check may judge around a faulty upstream function no stand-in can replace (run_experiments: ReLU rows).
    params = dict(item.params, _faulty_upstream=tuple(n.check for n in served))
    for case, outcome in zip(cases, outcomes):
        if outcome is None:
            verdicts.append(Verdict(0.0, f'not run: the {budget:.0f} s time budget of this check was used up',
                                    hidden=case.hidden, weight=case.weight, diagnosis='fails_to_run'))
            continue
        value = expected.value(item.check, case) if outcome.ok else None
        verdicts.append(case.judge(CaseRun(case, outcome, value, params)))
    result = known_faults(item, check, check.combine(item, verdicts))
    if load and not any(f.id.endswith('.not_implemented') for f in result.faults):
        # As students know them ('adam', 'use', ...): feedback says "judged with a correct adam in place of yours".
        used = tuple(dict.fromkeys(n.function for n in served if n.stand_in in load))
        result = dataclasses.replace(result, stand_ins=used)
    return result


def known_faults(item: Item, check, result: CheckResult) -> CheckResult:
    """A fault name missing from the check's catalogue is reported as 'wrong_result': a check's slip, not a fault
    to be named wrongly to a student or priced by a deduction that does not exist."""
    catalogue = {f'{item.id}.{name}' for name in check.faults}
    if not catalogue or all(f.id in catalogue for f in result.faults):
        return result
    merged: dict[str, Fault] = {}
    for f in result.faults:
        fault_id = f.id if f.id in catalogue else f'{item.id}.wrong_result'
        merged.setdefault(fault_id, dataclasses.replace(f, id=fault_id))
    return dataclasses.replace(result, faults=tuple(merged.values()))


def _call(case: Case, stand_ins: list[str]) -> tuple[str, dict]:
    if not stand_ins:
        return case.probe, case.inputs
    return 'with_stand_ins', {'stand_ins': list(stand_ins), 'probe': case.probe, 'inputs': case.inputs}


def run_answer_check(item: Item, answers: dict[str, Answer]) -> CheckResult:
    check = get_check(item.check)
    return known_faults(item, check, check.evaluate(item, answers))


__all__ = ['get_check', 'fault_catalogue', 'cases_for', 'hidden_rng', 'is_code_check', 'in_dependency_order',
           'plan_stand_ins', 'run_code_check', 'run_answer_check', 'make_result', 'NO_CASES']

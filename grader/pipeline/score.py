"""Points from check results: the rubric, a TA's manual scores and the late policy turn verdicts into a score.

Knows nothing about files or notebooks. Every rubric item gets an ``ItemScore`` with an explicit status: an item
whose check left no result is an 'error' that says so, never a silent 0.

Deductions, as the course grades (README "Faults and deductions"): an item's points are its points less the
rubric's deduction for each fault its check found (a fault the rubric does not list costs the item's default
deduction, its full points unless the rubric says otherwise), never below 0, rounded to the rubric's
``point_step`` (whole or half points by default). A result without faults (a check that could not run, results
stored before faults existed) earns its fraction of the points. Totals are summed from the items' points exactly
and rounded once.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Literal

from .late import late_penalty
from ..model import (CheckResult, CheckStatus, Deduction, Item, ItemScore, Lateness, ManualScore, Rubric,
                     Totals, status_for)
from ..formatting import points as _num

HIDDEN_SKIPPED = 'hidden check: run when your TA grades'
PROVISIONAL = 'These points are provisional until a TA reads your answer.'
Mode = Literal['grade', 'self-check']


def _r(x: float) -> float:
    return round(float(x), 2) + 0.0     # + 0.0 turns -0.0 into 0.0


def _totals_field(category_id: str, extra: bool) -> str:
    if extra:
        return 'extra_credit'
    if category_id in ('code', 'discussion'):
        return category_id
    raise ValueError(f"category {category_id!r} has no column in Totals (code, discussion or extra credit)")


def _manual_by_item(rubric: Rubric, manual: Iterable[ManualScore], notes: list[str]) -> dict[str, ManualScore]:
    ids = {it.id for it in rubric.items}
    by_item: dict[str, ManualScore] = {}
    for m in manual:
        # a typo in a TA's override file must not vanish silently
        if m.item_id not in ids:
            raise ValueError(f'manual score for unknown item {m.item_id!r} (rubric items: {", ".join(sorted(ids))})')
        if not math.isfinite(float(m.points)):
            raise ValueError(f'manual score for {m.item_id} is not a number: {m.points}')
        if m.item_id in by_item:
            notes.append(f'several manual scores for {m.item_id}: the last one ({_num(m.points)}) counts')
        by_item[m.item_id] = m
    return by_item


def to_step(points: float, step: float) -> float:
    """``points`` rounded to the nearest multiple of ``step`` (halves up); unchanged when ``step`` is 0."""
    if step <= 0:
        return float(points) + 0.0
    return math.floor(float(points) / step + 0.5 + 1e-9) * step + 0.0


def _status(points: float, max_points: float) -> CheckStatus:
    return status_for(points / max_points) if max_points > 0 else 'pass' if points >= max_points else 'fail'


def charged(rubric: Rubric, item: Item, result: CheckResult) -> tuple[Deduction, ...]:
    """The deduction each fault of ``result`` costs, with the rubric's message (or the catalogue's words)."""
    from ..checks.runner import fault_catalogue
    catalogue = fault_catalogue(item)
    out = []
    for fault in result.faults:
        rule = rubric.deduction_for(item, fault.id)
        label = rule.message or catalogue.get(fault.id, '') or fault.id.split('.', 1)[-1].replace('_', ' ')
        count = max(1, int(fault.count))
        out.append(Deduction(fault.id, float(rule.points) * count, f'{label} (×{count})' if count > 1 else label))
    return tuple(out)


def _from_result(rubric: Rubric, item: Item, max_points: float, result: CheckResult | None,
                 notes: list[str]) -> tuple[CheckStatus, float, str, tuple[Deduction, ...]]:
    if result is None:
        return 'error', 0.0, f"not graded: its check '{item.check}' produced no result", ()
    message = result.message or (item.pass_message if result.status == 'pass' else item.fail_message)
    if result.faults and result.status not in ('error', 'skipped'):
        deductions = charged(rubric, item, result)
        points = to_step(max(0.0, max_points - sum(d.points for d in deductions)), rubric.point_step)
        status = result.status if item.advisory else _status(points, max_points)
        return status, points, result.message, deductions
    fraction = float(result.fraction)
    if not math.isfinite(fraction):
        return 'error', 0.0, f'not graded: its check returned an invalid fraction ({result.fraction})', ()
    if not 0.0 <= fraction <= 1.0:
        notes.append(f'{item.id}: check returned fraction {fraction:g}, clamped to [0, 1]')
        fraction = min(1.0, max(0.0, fraction))
    return result.status, to_step(max_points * fraction, rubric.point_step), message, ()


def _apply_manual(item: Item, m: ManualScore, status: CheckStatus, message: str,
                  notes: list[str]) -> tuple[CheckStatus, float, str]:
    points = float(m.points)
    # over-max overrides are clamped: bonus points belong in the extra-credit category, not in one item
    if points > item.points or points < 0:
        clamped = min(float(item.points), max(0.0, points))
        notes.append(f'manual score {_num(points)} for {item.id} is outside 0–{_num(item.points)}: '
                     f'clamped to {_num(clamped)}')
        points = clamped
    if status == 'error' and message.startswith('not graded:'):
        message = 'graded by your TA'
    if item.manual:     # the rubric leaves this item to a TA: the check's provisional verdict no longer applies
        message = 'Graded by your TA.' if not m.comment else ''
    if m.comment:
        message = f'{message} — TA: {m.comment}' if message else f'TA: {m.comment}'
    return _status(points, item.points), points, message


def score_items(rubric: Rubric, results: Mapping[str, CheckResult], manual: Iterable[ManualScore] = (),
                mode: Mode = 'grade', notes: list[str] | None = None) -> list[ItemScore]:
    """One ``ItemScore`` per rubric item, in rubric order (no totals, no late policy)."""
    notes = [] if notes is None else notes
    overrides = _manual_by_item(rubric, manual, notes)
    scores = []
    for item in rubric.items:
        max_points = 0.0 if item.advisory else _r(item.points)
        m = overrides.get(item.id)
        result = results.get(item.id)
        deductions: tuple[Deduction, ...] = ()
        if mode == 'self-check' and item.visibility == 'hidden':
            # whatever the caller passed, a self-check never shows a hidden check's verdict
            status, points, message, is_manual, result = 'skipped', 0.0, HIDDEN_SKIPPED, False, None
        else:
            status, points, message, deductions = _from_result(rubric, item, max_points, result, notes)
            is_manual = False
            if m is not None and item.advisory:
                notes.append(f'manual score for {item.id} ignored: advisory items are not scored')
            elif m is not None:
                status, points, message = _apply_manual(item, m, status, message, notes)
                deductions = tuple(rubric.deduction_for(item, d) for d in m.deductions)
                is_manual = True
        if item.advisory:
            points = 0.0
        fix = result.message if result is not None and result.faults and not is_manual else ''
        provisional = item.manual and not is_manual and status not in ('skipped', 'error')
        if provisional:
            message = f'{message} {PROVISIONAL}'.strip()
        scores.append(ItemScore(id=item.id, title=item.title, category=item.category, visibility=item.visibility,
                                status=status, points=points, max_points=max_points, message=message,
                                manual=is_manual, deductions=deductions, fix=fix,
                                stand_ins=tuple(result.stand_ins) if result is not None else (),
                                provisional=provisional))
    unknown = sorted(set(results) - {it.id for it in rubric.items})
    if unknown:
        notes.append(f'results for items not in the rubric ignored: {", ".join(unknown)}')
    return scores


def category_totals(rubric: Rubric, items: Iterable[ItemScore], notes: list[str]) -> dict[str, float]:
    """Points per Totals column (code, discussion, extra_credit), each category capped at its points."""
    columns = {'code': 0.0, 'discussion': 0.0, 'extra_credit': 0.0}
    items = list(items)
    for cat in rubric.categories:
        earned = math.fsum(it.points for it in items if it.category == cat.id)
        if earned > cat.points + 1e-9:
            notes.append(f'{cat.title}: items add up to {_num(earned)}, capped at the category\'s {_num(cat.points)}')
            earned = float(cat.points)
        columns[_totals_field(cat.id, cat.extra)] += earned
    return columns


def score(rubric: Rubric, results: Mapping[str, CheckResult], manual: Iterable[ManualScore] = (),
          lateness: Lateness | None = None, mode: Mode = 'grade') -> tuple[list[ItemScore], Totals, list[str]]:
    """Item scores, totals and notes (penalty explanation, clamped overrides, ...) for one submission.

    ``raw`` is code + discussion + extra credit after manual scores; in 'grade' mode the late penalty is taken
    from ``raw`` and ``late_penalty`` is what was actually deducted (never taking the score below the policy's
    floor), ``final = raw - late_penalty``. In 'self-check' mode hidden items are 'skipped' with 0 points (still
    counted in the points possible) and no late penalty applies.
    """
    if mode not in ('grade', 'self-check'):
        raise ValueError(f"mode must be 'grade' or 'self-check', got {mode!r}")
    categories = {c.id for c in rubric.categories}
    for item in rubric.items:
        if item.category not in categories:
            raise ValueError(f'item {item.id} is in unknown category {item.category!r}')
    for cat in rubric.categories:
        _totals_field(cat.id, cat.extra)    # fail before any work on a rubric Totals cannot hold

    notes: list[str] = []
    items = score_items(rubric, results, manual, mode, notes)
    cols = category_totals(rubric, items, notes)
    raw = math.fsum(cols.values())      # exact: rounded once, below
    penalty = 0.0
    if mode == 'grade':
        penalty, _days, why = late_penalty(rubric.late_policy, lateness, raw)
        if lateness is not None:
            notes.append(f'Late policy: {why}')
    totals = Totals(code=_r(cols['code']), discussion=_r(cols['discussion']),
                    extra_credit=_r(cols['extra_credit']), raw=_r(raw), late_penalty=_r(penalty),
                    final=_r(raw - penalty))
    return items, totals, notes

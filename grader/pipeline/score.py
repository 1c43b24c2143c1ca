"""Points from check results: the rubric, a TA's manual scores and the late policy turn verdicts into a score.

Knows nothing about files or notebooks. Every rubric item gets an ``ItemScore`` with an explicit status: an item
whose check left no result is an 'error' that says so, never a silent 0.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Literal

from .late import late_penalty
from ..model import CheckResult, CheckStatus, Item, ItemScore, Lateness, ManualScore, Rubric, Totals

HIDDEN_SKIPPED = 'hidden check: run when your TA grades'
Mode = Literal['grade', 'self-check']


def _r(x: float) -> float:
    return round(float(x), 2) + 0.0     # + 0.0 turns -0.0 into 0.0


def _num(x: float) -> str:
    text = f'{_r(x):.2f}'.rstrip('0').rstrip('.')
    return '0' if text == '-0' else text


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


def _from_result(item: Item, max_points: float, result: CheckResult | None,
                 notes: list[str]) -> tuple[CheckStatus, float, str]:
    if result is None:
        return 'error', 0.0, f"not graded: its check '{item.check}' produced no result"
    fraction = float(result.fraction)
    if not math.isfinite(fraction):
        return 'error', 0.0, f'not graded: its check returned an invalid fraction ({result.fraction})'
    if not 0.0 <= fraction <= 1.0:
        notes.append(f'{item.id}: check returned fraction {fraction:g}, clamped to [0, 1]')
        fraction = min(1.0, max(0.0, fraction))
    message = result.message or (item.pass_message if result.status == 'pass' else item.fail_message)
    return result.status, _r(max_points * fraction), message


def _apply_manual(item: Item, m: ManualScore, status: CheckStatus, message: str,
                  notes: list[str]) -> tuple[CheckStatus, float, str]:
    points = float(m.points)
    # over-max overrides are clamped: bonus points belong in the extra-credit category, not in one item
    if points > item.points or points < 0:
        clamped = min(float(item.points), max(0.0, points))
        notes.append(f'manual score {_num(points)} for {item.id} is outside 0–{_num(item.points)}: '
                     f'clamped to {_num(clamped)}')
        points = clamped
    points = _r(points)
    if status == 'error' and message.startswith('not graded:'):
        message = 'graded by your TA'
    if item.manual:     # the rubric leaves this item to a TA: the check's provisional verdict no longer applies
        message = 'Graded by your TA.' if not m.comment else ''
    if m.comment:
        message = f'{message} — TA: {m.comment}' if message else f'TA: {m.comment}'
    new_status: CheckStatus = 'pass' if points >= item.points else 'fail' if points <= 0 else 'partial'
    return new_status, points, message


def score_items(rubric: Rubric, results: Mapping[str, CheckResult], manual: Iterable[ManualScore] = (),
                mode: Mode = 'grade', notes: list[str] | None = None) -> list[ItemScore]:
    """One ``ItemScore`` per rubric item, in rubric order (no totals, no late policy)."""
    notes = [] if notes is None else notes
    overrides = _manual_by_item(rubric, manual, notes)
    scores = []
    for item in rubric.items:
        max_points = 0.0 if item.advisory else _r(item.points)
        m = overrides.get(item.id)
        if mode == 'self-check' and item.visibility == 'hidden':
            # whatever the caller passed, a self-check never shows a hidden check's verdict
            status, points, message, is_manual = 'skipped', 0.0, HIDDEN_SKIPPED, False
        else:
            status, points, message = _from_result(item, max_points, results.get(item.id), notes)
            is_manual = False
            if m is not None and item.advisory:
                notes.append(f'manual score for {item.id} ignored: advisory items are not scored')
            elif m is not None:
                status, points, message = _apply_manual(item, m, status, message, notes)
                is_manual = True
        if item.advisory:
            points = 0.0
        scores.append(ItemScore(id=item.id, title=item.title, category=item.category, visibility=item.visibility,
                                status=status, points=points, max_points=max_points, message=message,
                                manual=is_manual))
    unknown = sorted(set(results) - {it.id for it in rubric.items})
    if unknown:
        notes.append(f'results for items not in the rubric ignored: {", ".join(unknown)}')
    return scores


def category_totals(rubric: Rubric, items: Iterable[ItemScore], notes: list[str]) -> dict[str, float]:
    """Points per Totals column (code, discussion, extra_credit), each category capped at its points."""
    columns = {'code': 0.0, 'discussion': 0.0, 'extra_credit': 0.0}
    items = list(items)
    for cat in rubric.categories:
        earned = _r(sum(it.points for it in items if it.category == cat.id))
        if earned > cat.points:
            notes.append(f'{cat.title}: items add up to {_num(earned)}, capped at the category\'s {_num(cat.points)}')
            earned = _r(cat.points)
        columns[_totals_field(cat.id, cat.extra)] += earned
    return {k: _r(v) for k, v in columns.items()}


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
    raw = _r(cols['code'] + cols['discussion'] + cols['extra_credit'])
    penalty = 0.0
    if mode == 'grade':
        penalty, _days, why = late_penalty(rubric.late_policy, lateness, raw)
        if lateness is not None:
            notes.append(f'Late policy: {why}')
    totals = Totals(code=cols['code'], discussion=cols['discussion'], extra_credit=cols['extra_credit'],
                    raw=raw, late_penalty=_r(penalty), final=_r(raw - penalty))
    return items, totals, notes

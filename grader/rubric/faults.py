"""The fault catalogue as a rubric prices it: every fault each item's check can report, with its deduction.

Checks declare the faults they can report (grader.checks, ``faults`` next to each check); the rubric lists what
some of them cost. ``fault_table`` is what `grader rubric show` prints under the items; ``deduction_problems``
is what `grader rubric validate` says about deductions no check can report.
"""
from __future__ import annotations

import textwrap
from typing import Any, Callable

from ..model import Rubric
from ..formatting import did_you_mean
from .convert import fmt_number


def catalogue_of(check: str, item_id: str) -> dict[str, str]:
    """'<item>.<fault>' -> what it means, for the faults ``check`` can report; {} for an unknown check."""
    from ..checks import get_check, check_names
    if check not in check_names():
        return {}
    return {f'{item_id}.{name}': text for name, text in get_check(check).faults.items()}


def _default_text(rubric: Rubric, item) -> str:
    default = item.default_deduction if item.default_deduction is not None else rubric.default_deduction
    return 'its full points' if default is None else f'{fmt_number(default)} points'


def fault_table(rubric: Rubric, width: int = 118) -> str:
    """Each item's faults: the deduction (the rubric's, or the default) and what the student reads."""
    step = rubric.point_step
    rounding = ('whole or half points' if step == 0.5 else 'not rounded' if step == 0
                else f'multiples of {fmt_number(step)}')
    out = textwrap.wrap('Faults and deductions: a fault costs the deduction listed here (* the item\'s default '
                        'deduction: the rubric does not list it), each fault once; an item never goes below 0; item '
                        f'points {rounding}.', width)
    for item in rubric.items:
        catalogue = catalogue_of(item.check, item.id)
        listed = {d.id: d for d in item.deductions}
        if not catalogue and not listed:
            continue
        scored = 'advisory, no points' if item.advisory else f'{fmt_number(item.points)} points'
        out += ['', f'{item.id} ({scored}; a fault not listed costs {_default_text(rubric, item)})']
        for fault_id in list(listed) + [f for f in catalogue if f not in listed]:
            rule = rubric.deduction_for(item, fault_id)
            mark = ' ' if fault_id in listed else '*'
            points = '0' if item.advisory else f'\u2212{fmt_number(rule.points)}'
            text = rule.message or catalogue.get(fault_id, '')
            head = f'  {points:>6}{mark} {fault_id:<40} '
            lines = textwrap.wrap(text, max(30, width - len(head))) or ['']
            out.append(head + lines[0])
            out += [' ' * len(head) + line for line in lines[1:]]
    return '\n'.join(out) + '\n'


def deduction_problems(data: Any, add: Callable[[tuple, str], None]) -> None:
    """Deductions no check can report (with a did-you-mean; on a manual item a TA's own deductions are fine),
    repeated, or larger than their item's points."""
    items = data.get('items') if isinstance(data, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get('id'), str):
            continue
        deductions = item.get('deductions')
        if not isinstance(deductions, list):
            continue
        catalogue = catalogue_of(str(item.get('check')), item['id']) if isinstance(item.get('check'), str) else {}
        seen: dict[str, int] = {}
        for j, deduction in enumerate(deductions):
            if not isinstance(deduction, dict) or not isinstance(deduction.get('id'), str):
                continue
            fault_id, path = deduction['id'], ('items', i, 'deductions', j, 'id')
            if fault_id in seen:
                add(path, f"deduction '{fault_id}' is listed twice in item '{item['id']}' (first as deduction "
                          f'#{seen[fault_id] + 1})')
                continue
            seen[fault_id] = j
            # a TA applies deductions by hand on a manual item (the review desk): those need no check behind them,
            # but still belong to the item
            by_hand = item.get('manual') is True
            if by_hand and not fault_id.startswith(f"{item['id']}."):
                add(path, f"deduction '{fault_id}' in item '{item['id']}' must start with '{item['id']}.'")
            elif catalogue and fault_id not in catalogue and not by_hand:
                hint = did_you_mean(fault_id, catalogue) or f'; it reports: {", ".join(catalogue)}'
                add(path, f"deduction '{fault_id}' in item '{item['id']}': its check '{item.get('check')}' never "
                          f'reports this fault{hint}')
            points, item_points = deduction.get('points'), item.get('points')
            if _number(points) and _number(item_points) and points > item_points and not item.get('advisory'):
                add(('items', i, 'deductions', j, 'points'),
                    f"deduction '{fault_id}' takes {fmt_number(points)} points, more than item '{item['id']}' is "
                    f'worth ({fmt_number(item_points)})')


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)

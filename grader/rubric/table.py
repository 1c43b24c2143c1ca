"""The rubric as instructors and TAs read it (`grader rubric show`): items grouped by category with subtotals, the
totals, the due date and the late policy. The fault catalogue under it is ``rubric.faults``'s."""
from __future__ import annotations

import textwrap

from ..formatting import as_written as fmt_number
from ..model import Item, Rubric

# Widths are fixed so two rubrics' tables line up in a diff; long titles and params wrap within their column.
_WIDTHS = {'id': 18, 'title': 36, 'points': 6, 'visibility': 10, 'check': 18, 'params': 22}
_GAP = '  '


def _row(cells: dict[str, str]) -> list[str]:
    """One logical row, wrapped into as many physical lines as its longest cell needs."""
    wrapped = {}
    for name, width in _WIDTHS.items():
        text = cells.get(name, '')
        if name in ('title', 'params'):
            wrapped[name] = textwrap.wrap(text, width, break_on_hyphens=False) or ['']
        else:
            wrapped[name] = [text[:width]]
    height = max(len(v) for v in wrapped.values())
    lines = []
    for k in range(height):
        parts = []
        for name, width in _WIDTHS.items():
            text = wrapped[name][k] if k < len(wrapped[name]) else ''
            parts.append(text.rjust(width) if name == 'points' else text.ljust(width))
        lines.append(_GAP.join(parts).rstrip())
    return lines


def _item_cells(it: Item) -> dict[str, str]:
    params = ', '.join(f'{k}={fmt_number(v)}' for k, v in it.params.items())
    title = it.title if not it.advisory or 'advisory' in it.title.lower() else f'{it.title} (advisory)'
    return {'id': it.id, 'title': title, 'points': fmt_number(it.points), 'visibility': it.visibility,
            'check': it.check, 'params': params}


def _subtotal(label: str, points: float) -> list[str]:
    return _row({'title': label.rjust(_WIDTHS['title']), 'points': fmt_number(points)})


def _late_line(rubric: Rubric) -> str:
    lp = rubric.late_policy
    if not lp.enabled:
        return 'Late policy: off (the grader deducts nothing, e.g. because Canvas applies its own late policy)'
    grace = f" ({fmt_number(lp.grace_minutes)} minutes' grace)" if lp.grace_minutes else ''
    return (f'Late policy: {fmt_number(lp.points_per_day)} points per started day late{grace}, deducted from the '
            f'total after manual points, never below {fmt_number(lp.floor)}')


def rubric_table(rubric: Rubric) -> str:
    """Items grouped by category with subtotals, then totals, due date and late policy."""
    out = [rubric.title]
    facts = []
    if rubric.canvas_assignment_id:
        facts.append(f'Canvas assignment {rubric.canvas_assignment_id}')
    facts.append(f'notebook {rubric.notebook_pattern}')
    if rubric.source:
        facts.append(f'rubric {rubric.source}')
    out += [' · '.join(facts), f'Due: {rubric.due or "(none)"}', _late_line(rubric), '']
    out += _row({name: name for name in _WIDTHS})
    out.append(_GAP.join('-' * w for w in _WIDTHS.values()))

    declared = {c.id for c in rubric.categories}
    groups = [(c.title, c.id, c.points, c.extra) for c in rubric.categories]
    if any(it.category not in declared for it in rubric.items):
        groups.append(('(undeclared category)', None, None, False))
    for title, cid, points, extra in groups:
        members = [it for it in rubric.items if (it.category == cid if cid else it.category not in declared)]
        out.append(f'{title} [{cid}]' + (', on top of the points possible' if extra else '') if cid else title)
        for it in members:
            out += _row(_item_cells(it))
        withheld = rubric.withheld_points.get(cid, 0) if cid else 0
        if withheld:
            out += _row({'title': 'hidden items (not listed)', 'points': fmt_number(withheld)})
        if cid:
            out += _subtotal(f'{cid} subtotal', points)
    out.append('')

    regular = [c for c in rubric.categories if not c.extra]
    extra = [c for c in rubric.categories if c.extra]
    line = f'Points possible: {fmt_number(rubric.points_possible())}'
    if len(regular) > 1:
        line += ' (' + ' + '.join(f'{c.id} {fmt_number(c.points)}' for c in regular) + ')'
    if extra:
        line += f'; extra credit on top: {fmt_number(sum(c.points for c in extra))}'
    out.append(line)
    return '\n'.join(out) + '\n'



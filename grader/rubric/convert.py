"""How a Rubric is represented: as YAML data (to and from dicts, written to a file), as the table instructors and
TAs read (`grader rubric show`), and as a student kit's copy without hidden items. Reading files and validating
them is grader.rubric.load's job; this side needs the model only, so it serves a rubric built in Python as well."""
from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from pathlib import Path

import yaml

from ..model import Category, Deduction, Item, LatePolicy, Rubric
from ..checks.params import with_defaults
from ..formatting import as_written as fmt_number

SCHEMA_FILE = 'rubric.schema.json'

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


_PLACEHOLDER = re.compile(r'\{(\w+)\}')


def _fill(message: str, params: dict) -> str:
    """'{min_words}' -> the param's value, so messages follow a changed param. Other braces are left alone."""
    return _PLACEHOLDER.sub(lambda m: fmt_number(params[m[1]]) if m[1] in params else m[0], message)


def _default_deduction(value) -> float | None:
    """'full' or absent -> None (the item's full points); a number -> that many points."""
    return None if value is None or value == 'full' else float(value)


def rubric_from_dict(data: dict, source: str | Path | None = None) -> Rubric:
    """The Rubric of YAML data that grader.rubric.load has validated (this assumes a valid shape)."""
    a, lp, defaults = data['assignment'], data['late_policy'], LatePolicy()
    scoring = data.get('scoring') or {}
    late = LatePolicy(enabled=lp['enabled'], **{k: float(lp.get(k, getattr(defaults, k)))
                                                 for k in ('points_per_day', 'grace_minutes', 'floor')})
    items = []
    for d in data['items']:
        params, messages = dict(d.get('params') or {}), d.get('messages') or {}
        shown = with_defaults(d['check'], params)     # a message may name a param the item leaves at its default
        items.append(Item(id=d['id'], title=d['title'], category=d['category'], points=float(d['points']),
                          check=d['check'], visibility=d.get('visibility', 'public'), params=params,
                          pass_message=_fill(messages.get('pass', ''), shown),
                          fail_message=_fill(messages.get('fail', ''), shown), advisory=d.get('advisory', False),
                          deductions=tuple(Deduction(x['id'], float(x['points']), _fill(x.get('message', ''), shown))
                                           for x in d.get('deductions') or ()),
                          manual=d.get('manual', False),
                          default_deduction=_default_deduction(d.get('default_deduction'))))
    optional = {'notebook_pattern': a['notebook_pattern']} if 'notebook_pattern' in a else {}
    return Rubric(title=a['title'], canvas_assignment_id=a.get('canvas_assignment_id'), due=a.get('due'),
                  categories=tuple(Category(c['id'], c['title'], float(c['points']), c.get('extra', False))
                                   for c in data['categories']),
                  items=tuple(items), late_policy=late,
                  aliases={k: tuple(v) for k, v in (data.get('aliases') or {}).items()},
                  source=None if source is None else str(source),
                  withheld_points={k: float(v) for k, v in (data.get('withheld_points') or {}).items()},
                  point_step=float(scoring.get('point_step', 0.5)),
                  default_deduction=_default_deduction(scoring.get('default_deduction')), **optional)


def public_only(rubric: Rubric) -> Rubric:
    """A student kit's rubric: hidden items dropped, their points kept per category in ``withheld_points``, so
    the copy still validates exactly (items + withheld = category points) and says how much it does not show."""
    withheld = dict(rubric.withheld_points)
    for it in rubric.items:
        if it.visibility == 'hidden' and it.points:
            withheld[it.category] = withheld.get(it.category, 0.0) + it.points
    return replace(rubric, items=tuple(it for it in rubric.items if it.visibility != 'hidden'),
                   withheld_points=withheld)


def rubric_to_dict(rubric: Rubric) -> dict:
    """The YAML form of ``rubric`` (messages as loaded, with params already filled in)."""
    def num(x):
        return int(x) if float(x).is_integer() else x

    def item(it: Item) -> dict:
        d = {'id': it.id, 'title': it.title, 'category': it.category, 'points': num(it.points), 'check': it.check,
             'visibility': it.visibility}
        if it.params:
            d['params'] = dict(it.params)
        messages = {k: v for k, v in (('pass', it.pass_message), ('fail', it.fail_message)) if v}
        if messages:
            d['messages'] = messages
        if it.advisory:
            d['advisory'] = True
        if it.manual:
            d['manual'] = True
        if it.deductions:
            d['deductions'] = [{'id': x.id, 'points': num(x.points), **({'message': x.message} if x.message else {})}
                               for x in it.deductions]
        if it.default_deduction is not None:
            d['default_deduction'] = num(it.default_deduction)
        return d

    lp = rubric.late_policy
    out = {'schema_version': 1,
           'assignment': {'title': rubric.title, 'canvas_assignment_id': rubric.canvas_assignment_id,
                          'due': rubric.due, 'notebook_pattern': rubric.notebook_pattern},
           'late_policy': {'enabled': lp.enabled, 'points_per_day': num(lp.points_per_day),
                           'grace_minutes': num(lp.grace_minutes), 'floor': num(lp.floor)},
           'categories': [{'id': c.id, 'title': c.title, 'points': num(c.points), **({'extra': True} if c.extra
                                                                                     else {})}
                          for c in rubric.categories]}
    if rubric.point_step != 0.5 or rubric.default_deduction is not None:
        out['scoring'] = {'point_step': num(rubric.point_step),
                          'default_deduction': 'full' if rubric.default_deduction is None
                          else num(rubric.default_deduction)}
    if rubric.aliases:
        out['aliases'] = {k: list(v) for k, v in rubric.aliases.items()}
    out['items'] = [item(it) for it in rubric.items]
    if rubric.withheld_points:
        out['withheld_points'] = {k: num(v) for k, v in rubric.withheld_points.items()}
    return out


def dump_rubric(rubric: Rubric, path: str | Path) -> Path:
    """Write ``rubric`` as YAML that ``load_rubric`` reads back to an equal Rubric."""
    origin = Path(rubric.source).name if rubric.source else 'a rubric'   # not the instructor's directories
    note = (f'# Written by the grader from {origin}.'
            + (' Hidden items are not listed: their points are in withheld_points.' if rubric.withheld_points
               else ''))
    text = yaml.safe_dump(rubric_to_dict(rubric), sort_keys=False, allow_unicode=True, width=110)
    path = Path(path)
    path.write_text(f'# yaml-language-server: $schema={SCHEMA_FILE}\n{note}\n\n{text}', encoding='utf-8')
    return path

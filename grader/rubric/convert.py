"""A Rubric as YAML data (to and from dicts, written to a file) and as a student kit's copy without hidden items.
Reading files and validating them is ``rubric.load``'s job, the table ``rubric.table``'s; this side needs the model
only, so it serves a rubric built in Python as well."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml

from ..model import Category, Deduction, Item, LatePolicy, Rubric
from ..checks.params import with_defaults
from ..formatting import as_written as fmt_number

SCHEMA_FILE = 'rubric.schema.json'

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

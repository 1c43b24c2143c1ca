"""Rubric files: read an instructor's YAML, report every problem with its line, build the typed ``Rubric``.
Writing a rubric back and the table live in grader.rubric.convert, re-exported here.

The JSON Schema (rubrics/rubric.schema.json) catches shape errors and drives editors' completion; what a schema
cannot express (category totals, declared categories, duplicate ids and keys, real dates) is checked here. Every
problem is mapped to the line of the offending key by composing the YAML node tree alongside the data.
"""
from __future__ import annotations

import difflib
import textwrap
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..checks import check_names
from ..formatting import did_you_mean as _suggest
from ..model import Rubric
from ..resources import rubric_file
from .params import item_param_problems
from .convert import SCHEMA_FILE, dump_rubric, fmt_number, public_only, rubric_from_dict, rubric_to_dict
from .table import rubric_table

__all__ = ['Problem', 'RubricError', 'load_rubric', 'validate_rubric', 'rubric_table', 'rubric_to_dict',
           'rubric_from_dict', 'dump_rubric', 'public_only', 'default_rubric_path', 'rubric_command', 'rubric_from_text',
           'rubric_warnings']


@dataclass(frozen=True)
class Problem:
    line: int | None    # 1-based; None when the problem has no place in the file (missing file, missing key)
    path: str           # where in the rubric: 'items[3].points'; '' for the whole file
    message: str

    def format(self, file: str | Path) -> str:
        return f'{file}:{self.line}: {self.message}' if self.line else f'{file}: {self.message}'


class RubricError(Exception):
    def __init__(self, problems: list[Problem], source: str | Path | None = None):
        self.problems, self.source = list(problems), source
        super().__init__('\n'.join(p.format(source or 'rubric') for p in self.problems))


class _Loader(yaml.SafeLoader):
    """YAML as instructors and their editors (YAML 1.2) read it: 1e-6 is a number, not the text '1e-6' PyYAML
    makes of it, and an unquoted date stays the text written, for the schema and the late policy to parse."""


_Loader.add_implicit_resolver('tag:yaml.org,2002:float', re.compile(r'^[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+$'),
                              list('-+0123456789'))
_Loader.add_constructor('tag:yaml.org,2002:timestamp', lambda loader, node: loader.construct_scalar(node))


def default_rubric_path() -> Path:
    return rubric_file()


@lru_cache(maxsize=1)
def _schema() -> dict:
    """The rubric's JSON Schema, with the names of the checks that exist: a check is registered in one place (its
    module's CHECKS), not also in the schema file."""
    schema = json.loads(rubric_file(SCHEMA_FILE).read_text(encoding='utf-8'))
    schema['$defs']['item']['properties']['check']['enum'] = list(check_names())
    return schema


# ---------------------------------------------------------------- locations and wording
def _dotted(path: tuple) -> str:
    return ''.join(f'[{p}]' if isinstance(p, int) else ('.' if i else '') + str(p) for i, p in enumerate(path))


def _line(lines: dict, path: tuple) -> int | None:
    """Line of the key at ``path``, or of the nearest enclosing one (a missing key has no line of its own)."""
    while path:
        for key in (path, path[:-1] + (str(path[-1]),)):   # YAML keys like 7: are ints in the data
            if key in lines:
                return lines[key]
        path = path[:-1]
    return None


def _place(path: tuple, data: Any) -> tuple[str, str]:
    """('items', 3, 'points') -> ('points', "item 'adam'"): what an instructor recognises in the file."""
    if len(path) >= 2 and path[0] in ('items', 'categories') and isinstance(path[1], int):
        entry = data[path[0]][path[1]] if isinstance(data, dict) else None
        kind = 'item' if path[0] == 'items' else 'category'
        ident = entry.get('id') if isinstance(entry, dict) else None
        return _dotted(path[2:]), f"{kind} '{ident}'" if isinstance(ident, str) else f'{kind} #{path[1] + 1}'
    return (_dotted(path[1:]), str(path[0])) if len(path) >= 2 else (_dotted(path), '')


def _name(path: tuple, data: Any) -> str:
    field, owner = _place(path, data)
    return f'{field} in {owner}' if field and owner else field or owner or 'the rubric'


def _inside(path: tuple, data: Any) -> str:
    """Where a key sits: 'in item 'adam'', 'under messages in item 'adam'', 'at the top level'."""
    field, owner = _place(path, data)
    return 'at the top level' if not path else f'under {_name(path, data)}' if field else f'in {owner}'


def _shown(value: Any) -> str:
    if isinstance(value, (bool, int, float)):
        return fmt_number(value)
    return {dict: 'a mapping', list: 'a list', type(None): 'empty'}.get(type(value), repr(value))


_TYPES = {'number': 'a number', 'integer': 'a whole number', 'string': 'text', 'boolean': 'true or false',
          'object': 'a mapping (key: value lines)', 'array': 'a list (- entries)', 'null': 'empty'}


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# ---------------------------------------------------------------- YAML with lines
def _parse(text: str) -> tuple[Any, dict, list]:
    """Data, {path: line of its key}, and duplicate keys as (path, line, first line): PyYAML keeps the last
    duplicate silently, so they are found in the node tree, where both are still there."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines, duplicates = {}, []

    def walk(node, path, depth=0):
        if depth > 50:      # aliases can make the tree deep; no rubric nests this far
            return
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, value_node in node.value:
                key = getattr(key_node, 'value', None)
                if not isinstance(key, str) or key == '<<':
                    continue
                line = key_node.start_mark.line + 1
                if key in first:
                    duplicates.append((path + (key,), line, first[key]))
                first.setdefault(key, line)
                lines[path + (key,)] = line
                walk(value_node, path + (key,), depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                lines[path + (i,)] = child.start_mark.line + 1
                walk(child, path + (i,), depth + 1)

    walk(node, ())
    return data, lines, duplicates


def _syntax_problem(e: yaml.YAMLError) -> Problem:
    mark = getattr(e, 'problem_mark', None) or getattr(e, 'context_mark', None)
    if not isinstance(e, yaml.MarkedYAMLError) or mark is None:
        return Problem(None, '', f'YAML error: {e}')
    text = f'YAML syntax error: {e.problem or e.context} (column {mark.column + 1})'
    if "'\\t'" in text:
        text += ': indent with spaces, not tabs'
    start = e.context_mark
    if e.problem and e.context and start is not None and start.line != mark.line:  # e.g. where a quote opened
        text += f'; {e.context} on line {start.line + 1}'
    return Problem(mark.line + 1, '', text)


# ---------------------------------------------------------------- checks
def _schema_problems(data: Any, lines: dict) -> list[Problem]:
    from jsonschema import Draft202012Validator   # ~0.1 s to import: only when a rubric is read
    out = []
    for err in Draft202012Validator(_schema()).iter_errors(data):
        path, kind, expected, value = tuple(err.absolute_path), err.validator, err.validator_value, err.instance
        place = _name(path, data)

        def add(message, at=path):
            out.append(Problem(_line(lines, at), _dotted(at), message))

        if kind == 'additionalProperties' and isinstance(value, dict):
            known = list(err.schema.get('properties', {}))
            for key in value:
                if key not in known:
                    add(f"unknown key '{key}' {_inside(path, data)}{_suggest(key, known)}", path + (key,))
        elif kind == 'required' and isinstance(value, dict):
            unknown = [k for k in value if k not in err.schema.get('properties', {})]
            for key in expected:   # a misspelt key is reported once, as unknown with this suggestion
                if key not in value and not difflib.get_close_matches(key, unknown, n=1, cutoff=0.6):
                    add(f"missing key '{key}' {_inside(path, data)}")
        elif kind == 'type':
            types = [expected] if isinstance(expected, str) else expected
            hint = ' (put it in quotes)' if 'string' in types and isinstance(value, (int, float)) else ''
            names = [_TYPES.get(t, t).replace(' or ', '/') if len(types) > 1 else _TYPES.get(t, t) for t in types]
            want = ' or '.join(filter(None, (', '.join(names[:-1]), names[-1])))
            add(f'{place} must be {want}, not {_shown(value)}{hint}')
        elif kind == 'enum' and path[-1:] == ('check',):
            names = _suggest(value, check_names()) or f"; known checks: {', '.join(check_names())}"
            add(f"unknown check {_shown(value)} in {_name(path[:-1], data)}{names}")
        elif kind == 'anyOf' and path[-1:] == ('default_deduction',):
            add(f'{place} must be a number of points or the word full, not {_shown(value)}')
        elif kind == 'enum':
            add(f"{place} must be one of {', '.join(map(str, expected))}, not {_shown(value)}"
                f"{_suggest(value, expected)}")
        elif kind == 'minimum':
            bound = 'must not be negative' if expected == 0 else f'must be at least {fmt_number(expected)}'
            add(f'{place} {bound} (it is {_shown(value)})')
        elif kind == 'const':
            add(f'{place} must be {_shown(expected)}, not {_shown(value)}')
        elif kind == 'pattern':
            add(f"{place} {err.schema.get('patternErrorMessage', 'is not in the expected form')}, not {_shown(value)}")
        elif kind in ('minItems', 'minLength'):
            add(f'{place} must not be empty')
        else:
            add(f'{place}: {err.message}')
    return out


def _ids(data: dict, section: str, lines: dict, add) -> dict[str, int]:
    """{id: index} of the entries of ``section``, reporting repeated ids."""
    first: dict[str, int] = {}
    for i, entry in enumerate(data.get(section) if isinstance(data.get(section), list) else []):
        ident = entry.get('id') if isinstance(entry, dict) else None
        if isinstance(ident, str) and ident in first:
            add((section, i, 'id'), f"duplicate {section[:-1].replace('categorie', 'category')} id '{ident}' "
                f"(first on line {_line(lines, (section, first[ident], 'id'))})")
        elif isinstance(ident, str):
            first[ident] = i
    return first


def _meaning_problems(data: Any, lines: dict) -> list[Problem]:
    """What the schema cannot say. Values of the wrong type were reported by the schema: skip them here, and skip
    a category's total when one of its items has unusable points, so one mistake is reported once."""
    out: list[Problem] = []

    def add(path, message):
        out.append(Problem(_line(lines, path), _dotted(path), message))

    declared, _ = _ids(data, 'categories', lines, add), _ids(data, 'items', lines, add)
    cats, items = data.get('categories'), data.get('items')
    # with a malformed list the schema has spoken; totals and declarations checked against it would only echo it
    cats_ok = isinstance(cats, list) and all(isinstance(c, dict) and isinstance(c.get('id'), str) for c in cats)
    items_ok = isinstance(items, list) and all(isinstance(it, dict) for it in items)
    sums, unsure = dict.fromkeys(declared, 0.0), set() if items_ok else set(declared)
    for i, item in enumerate(items if items_ok else []):
        cat, points, name = item.get('category'), item.get('points'), _name(('items', i), data)
        if isinstance(cat, str) and cat not in declared:
            # the total of the category meant is short because of this same mistake: don't report it too
            unsure.update(difflib.get_close_matches(cat, list(declared), n=1, cutoff=0.6))
            if cats_ok:
                add(('items', i, 'category'), f"category '{cat}' of {name} is not declared under categories"
                    f"{_suggest(cat, declared)}")
        elif isinstance(cat, str) and _is_number(points) and points >= 0:
            sums[cat] += points
        else:       # unusable points, or no usable category: which total it was meant for is unknown
            unsure.update([cat] if isinstance(cat, str) else declared)
        item_param_problems(item, check_names(), add, ('items', i), name)
        if item.get('advisory') is True and _is_number(points) and points != 0:
            add(('items', i, 'points'), f'{name} is advisory (reported, never scored): its points must be 0, '
                f'not {fmt_number(points)}')
    withheld = data.get('withheld_points') if isinstance(data.get('withheld_points'), dict) else {}
    for cid in (withheld.keys() - declared.keys()) if cats_ok else ():
        add(('withheld_points', cid), f"withheld_points names category '{cid}', which is not declared"
            f"{_suggest(cid, declared)}")
    for cid, i in declared.items():
        points, held = data['categories'][i].get('points'), withheld.get(cid, 0)
        held = held if _is_number(held) else 0
        if cid not in unsure and _is_number(points) and abs(sums[cid] + held - points) > 1e-9:
            also = f' + {fmt_number(held)} withheld' if held else ''
            add(('categories', i, 'points'), f"category '{cid}': items add up to {fmt_number(sums[cid])}{also}, "
                f'category says {fmt_number(points)}')
    from .faults import deduction_problems
    deduction_problems(data, add)
    due = data['assignment'].get('due') if isinstance(data.get('assignment'), dict) else None
    form = _schema()['properties']['assignment']['properties']['due']['pattern']
    if isinstance(due, str) and re.match(form, due):    # other forms: the schema has reported them
        from ..pipeline.late import parse_timestamp
        try:
            parse_timestamp(due)
        except ValueError:
            add(('assignment', 'due'), f"due in assignment is not a real date and time: '{due}'")
    return out


def _check_text(text: str) -> tuple[list[Problem], Any]:
    try:
        data, lines, duplicates = _parse(text)
    except yaml.YAMLError as e:
        return [_syntax_problem(e)], None
    if data is None:
        return [Problem(None, '', 'the rubric is empty')], None
    problems = [Problem(line, _dotted(path), f"duplicate key '{path[-1]}' {_inside(path[:-1], data)} (first "
                        f'on line {first}; YAML would keep only this one)') for path, line, first in duplicates]
    problems += _schema_problems(data, lines) + (_meaning_problems(data, lines) if isinstance(data, dict) else [])
    problems = list(dict.fromkeys(problems))
    return sorted(problems, key=lambda p: p.line or 0), data


def _examine(path: str | Path) -> tuple[list[Problem], Any, bool]:
    """(problems, data, whether the file could be read at all)."""
    try:
        text = Path(path).read_text(encoding='utf-8')
    except (OSError, UnicodeDecodeError) as e:
        return [Problem(None, '', f'cannot read the rubric: {getattr(e, "strerror", None) or e}')], None, False
    return *_check_text(text), True


def validate_rubric(path: str | Path) -> list[Problem]:
    """Every problem found in the rubric file, in line order; [] when it is fine."""
    return _examine(path)[0]


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The rubric at ``path`` (the bundled one by default); RubricError lists every problem found."""
    path = default_rubric_path() if path is None else path
    problems, data, _ = _examine(path)
    if problems:
        raise RubricError(problems, path)
    return rubric_from_dict(data, path)


def rubric_from_text(text: str, source: str) -> Rubric:
    """A rubric from its YAML text (e.g. the copy a gradebook keeps); RubricError as for a file."""
    problems, data = _check_text(text)
    if problems:
        raise RubricError(problems, source)
    return rubric_from_dict(data, source)


def item_lines(text: str) -> dict[str, int]:
    """{item id: line of its entry} in a rubric's YAML text (for messages about an item found after loading)."""
    try:
        data, lines, _ = _parse(text)
    except yaml.YAMLError:
        return {}
    items = data.get('items') if isinstance(data, dict) else None
    return {it['id']: lines.get(('items', i), 0) for i, it in enumerate(items or [])
            if isinstance(it, dict) and isinstance(it.get('id'), str)}


PLACEHOLDER_ASSIGNMENT_ID = '1234567'


def rubric_warnings(rubric: Rubric) -> list[str]:
    """What is valid but probably not meant: shown by validate, show and grade."""
    if rubric.canvas_assignment_id == PLACEHOLDER_ASSIGNMENT_ID:
        return [f'canvas_assignment_id is the placeholder "{PLACEHOLDER_ASSIGNMENT_ID}": grades.csv\'s column will '
                'not match your Canvas assignment; set it to the id in the assignment\'s URL (or pass '
                '--assignment-id to grader grade)']
    return []


# ---------------------------------------------------------------- commands (the CLI prints the text)
def _for_command(path: str | Path) -> tuple[int, str, Rubric | None]:
    problems, data, readable = _examine(path)
    if problems:
        return (1 if readable else 2), '\n'.join(p.format(path) for p in problems), None
    return 0, '', rubric_from_dict(data, path)


def rubric_command(path: str | Path, action: str) -> tuple[int, str]:
    """``grader rubric validate|show FILE``: (exit code, text). Problems: (1, one 'FILE:LINE: message' per problem)
    or (2, why the file cannot be read); else validate says OK with the totals, show prints the table. Warnings
    (valid but probably not meant, e.g. the placeholder Canvas id) follow either."""
    code, text, rubric = _for_command(path)
    if rubric is None:
        return code, text
    if action == 'show':
        from .faults import fault_table
        out = rubric_table(rubric) + '\n' + fault_table(rubric)
    else:
        parts = ' + '.join(f"{c.id.replace('_', ' ')} {fmt_number(c.points)}" for c in rubric.categories)
        held = sum(rubric.withheld_points.values())
        also = f' ({fmt_number(held)} points of hidden items withheld)' if held else ''
        out = f'{path}: OK — {len(rubric.items)} items, {parts}{also}'
    warnings = [textwrap.fill(f'{path}: warning: {w}', 118, subsequent_indent='    ') for w in rubric_warnings(rubric)]
    return 0, '\n'.join([out.rstrip('\n')] + warnings) + ('\n' if action == 'show' else '')

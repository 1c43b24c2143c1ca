"""A rubric item's params and message placeholders against what its check declares (``checks.params``)."""
from __future__ import annotations

import re
from typing import Any, Callable

from ..checks.params import Param, params_of
from ..formatting import as_written, did_you_mean as _suggest

PLACEHOLDER = re.compile(r'\{(\w+)\}')
KINDS = {'number': 'a number', 'integer': 'a whole number', 'boolean': 'true or false', 'text': 'text'}


def value_problem(value: Any, spec: Param) -> str:
    """'' when ``value`` fits ``spec``, else what is wrong with it."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec.kind in ('number', 'integer') and not number:
        quoted = ' (remove the quotes)' if isinstance(value, str) and _numeric(value) else ''
        return f'must be {KINDS[spec.kind]}, not {value!r}{quoted}'
    if spec.kind == 'integer' and float(value) != int(value):
        return f'must be a whole number, not {as_written(value)}'
    if spec.kind == 'boolean' and not isinstance(value, bool):
        return f'must be true or false, not {value!r}'
    if spec.kind == 'text' and not isinstance(value, str):
        return f'must be text, not {as_written(value)}'
    if number:
        low, high = spec.minimum, spec.maximum
        if low is not None and (value < low or (spec.above_minimum and value == low)):
            bound = 'above' if spec.above_minimum else 'at least'
            return f'must be {bound} {as_written(low)}{"" if high is None else f" and at most {as_written(high)}"}' \
                   f' (it is {as_written(value)})'
        if high is not None and value > high:
            return f'must be at most {as_written(high)} (it is {as_written(value)})'
    return ''


def _numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def item_param_problems(item: dict, check_names, add: Callable[[tuple, str], None], where: tuple, name: str) -> None:
    """Report, through ``add(path, message)``, every param and placeholder of one item that its check would not
    understand. Items whose check is unknown are left to the schema's message."""
    check = item.get('check')
    if check not in check_names:
        return
    declared = params_of(check)
    params = item.get('params') if isinstance(item.get('params'), dict) else {}
    for key, value in params.items():
        if not isinstance(value, (int, float, str, bool)):
            continue        # the schema has reported a list or a mapping here: one mistake, one report
        if key not in declared:
            known = ', '.join(sorted(declared)) or 'none'
            add(where + ('params', key), f"unknown param '{key}' for check '{check}' in {name}{_suggest(key, declared)}"
                f' (its params: {known})')
            continue
        problem = value_problem(value, declared[key])
        if problem:
            add(where + ('params', key), f'params.{key} in {name} {problem}')
    texts = []
    messages = item.get('messages') if isinstance(item.get('messages'), dict) else {}
    texts += [(('messages', k), v) for k, v in messages.items() if isinstance(v, str)]
    for i, d in enumerate(item.get('deductions') if isinstance(item.get('deductions'), list) else []):
        if isinstance(d, dict) and isinstance(d.get('message'), str):
            texts.append((('deductions', i, 'message'), d['message']))
    for path, text in texts:
        for used in PLACEHOLDER.findall(text):
            if used not in declared:
                add(where + path, f'{{{used}}} in the {path[0]} of {name} names no param of check \'{check}\''
                    f'{_suggest(used, declared)}: students would read it as written')

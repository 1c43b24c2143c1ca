"""What a check's params are: type, range, default, meaning. Each check declares the params it reads beside itself
(``CodeCheck.params``); every code check also reads ``time_budget_seconds``.

``grader rubric validate`` checks a rubric against these declarations, so a typo (``tolerence``), text where a number
belongs (``min_words: thirty``), a value out of range (``time_budget_seconds: -5``, a tolerance of 5.0) or a message
placeholder that names no param is an error with its line, not a check that silently fails every notebook.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    kind: str                       # 'number', 'integer', 'boolean' or 'text'
    default: object
    about: str
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False     # the minimum itself is not allowed (a tolerance of 0, a budget of 0 s)


def tolerance(default: float, about: str = 'relative tolerance of the comparison with the reference') -> Param:
    return Param('number', default, about, minimum=0.0, maximum=1.0, above_minimum=True)


def count(default: int, about: str) -> Param:
    return Param('integer', default, about, minimum=0)


# Every code check runs under a time budget (checks.runner).
COMMON_CODE = {'time_budget_seconds': Param('number', 20.0, 'wall-clock seconds this check may take on one notebook',
                                            minimum=0.0, maximum=3600.0, above_minimum=True)}


def params_of(check: str) -> dict[str, Param]:
    """Every param the check named ``check`` reads ({} for a name no check has)."""
    from . import get_check
    try:
        found = get_check(check)
    except KeyError:
        return {}
    is_code = hasattr(found, 'public_cases')     # a CodeCheck (checks.base imports this module)
    return {**(COMMON_CODE if is_code else {}), **found.params}


def with_defaults(check: str, params: dict) -> dict:
    return {**{k: p.default for k, p in params_of(check).items()}, **params}

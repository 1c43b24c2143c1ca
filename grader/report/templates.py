"""HTML pages from Jinja2 templates (``report/templates/``) with autoescaping on: every string that comes from a
student, a notebook or a TA is escaped by the template engine, not by hand. One stylesheet serves every page."""
from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _environment():
    import jinja2    # imported on first render: the CLI's start stays lean
    return jinja2.Environment(loader=jinja2.PackageLoader('grader.report', 'templates'),
                              autoescape=jinja2.select_autoescape(['html'], default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)

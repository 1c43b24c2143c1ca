"""What the desk's routes share: the settings of a desk, the request's store and desk, JSON shapes, pages.

Kept apart from ``app`` (which builds the Flask app and imports the routes) so routes import helpers, not the app.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, g, render_template, request, url_for

from ..model import Rubric
from .answers import NotebookAnswers, prompt_text
from .store import ReviewError, ReviewStore, Student


@dataclass(frozen=True)
class DeskSettings:
    out: Path
    rubric: Rubric
    rubric_path: Path | None
    roster_path: Path | None
    token: str
    ta: str
    claim_seconds: float


def settings() -> DeskSettings:
    return current_app.config['DESK']


def store() -> ReviewStore:
    return g.store


def desk() -> str:
    value = (request.headers.get('X-Review-Desk') or 'api').strip()
    return value[:64] or 'api'


def ta() -> str:
    value = (request.headers.get('X-Review-TA') or '').strip()
    return value[:60] or settings().ta


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ReviewError('send a JSON object (Content-Type: application/json)')
    return data


def item_json(item) -> dict[str, Any]:
    return {'id': item.id, 'title': item.title, 'max_points': item.points, 'prompt': prompt_text(item),
            'deductions': [{'id': d.id, 'points': d.points, 'message': d.message} for d in item.deductions]}


def revealed(current_desk: str) -> set[str]:
    rows = store().db.execute("SELECT DISTINCT student_key FROM review_audit WHERE action='reveal' AND desk=?",
                              (current_desk,))
    return {r['student_key'] for r in rows}


def answer_json(student: Student, item, marks, flags, claims, shown: set[str]) -> dict[str, Any]:
    answers: NotebookAnswers = current_app.extensions['review_answers']
    answer = answers.answer(student.notebook_path, item)
    raw = (student.result.get('raw_checks') or {}).get(item.id) or {}
    provisional = None if 'fraction' not in raw else round(float(raw['fraction']) * item.points, 2)
    mark = marks.get(student.key)
    out = {
        'submission': student.number, 'answer_markdown': answer.markdown, 'answer_html': answer.html,
        'found': answer.found, 'problem': answer.problem, 'tables': list(answer.tables),
        'images': [url_for('image', number=student.number, item_id=item.id, index=i)
                   for i in range(len(answer.images))],
        'provisional_points': provisional, 'provisional_message': raw.get('message', ''),
        'status': student.result.get('status'),
        'points': None if mark is None else mark.points, 'comment': '' if mark is None else mark.comment,
        'deductions': [] if mark is None else list(mark.deductions),
        'graded_by': None if mark is None else (mark.ta or 'manual-score CSV'),
        'from_desk': None if mark is None else mark.from_desk,
        'flagged': student.key in flags, 'claimed_by': claims.get(student.key),
    }
    if student.key in shown:
        out.update(name=student.name, user_id=student.user_id)
    return out


def not_found(what: str):
    abort(Response(f'404: {what}', 404, mimetype='text/plain'))


def page(template: str, **context) -> str:
    return render_template(template, token_desk=secrets.token_hex(8), ta=ta(), **context)

"""The review desk's Flask app: server-rendered pages, a small JSON API the page uses (README "The review desk").

Every request needs the desk's token (query ``token``, header ``X-Review-Token``, or the cookie the first page
sets), else 403. Writes are JSON POSTs only, and the cookie is SameSite=Strict, so another site cannot post with it.
Each request opens its own gradebook connection (SQLite connections belong to one thread; the server runs one
thread per request). A desk is one open page: its id (``X-Review-Desk``) owns its claims and its undo history.
"""
from __future__ import annotations

import getpass
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, g, jsonify, render_template, request, url_for

from ..batch.gradebook import FILENAME, Gradebook
from ..model import Rubric
from .answers import NotebookAnswers, prompt_text
from .store import CLAIM_SECONDS, Claimed, ReviewError, ReviewStore, Student, ensure_schema

COOKIE = 'review_token'
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(frozen=True)
class DeskSettings:
    out: Path
    rubric: Rubric
    rubric_path: Path | None
    roster_path: Path | None
    token: str
    ta: str
    claim_seconds: float


def create_app(out: str | Path, *, rubric_path: str | Path | None = None, roster_path: str | Path | None = None,
               token: str | None = None, ta: str | None = None, claim_seconds: float = CLAIM_SECONDS) -> Flask:
    """The desk for a folder ``grader grade`` wrote; FileNotFoundError when it holds no gradebook."""
    from ..rubric.load import default_rubric_path, load_rubric
    out = Path(out)
    if not (out / FILENAME).is_file():
        raise FileNotFoundError(f'{out} holds no {FILENAME}: run grader grade first')
    settings = DeskSettings(out=out, rubric=load_rubric(rubric_path or default_rubric_path()),
                            rubric_path=Path(rubric_path) if rubric_path else None,
                            roster_path=Path(roster_path) if roster_path else None,
                            token=token or secrets.token_urlsafe(24), ta=ta or _login(), claim_seconds=claim_seconds)
    with Gradebook(out / FILENAME) as gb:
        ensure_schema(gb)
        ReviewStore(gb, settings.rubric).students()     # numbers drawn once, before two desks race for them
    app = Flask(__name__)
    app.config['DESK'] = settings
    app.extensions['review_answers'] = NotebookAnswers()
    _guard(app, settings)
    from .routes import register
    register(app)
    return app


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return 'TA'


def _guard(app: Flask, settings: DeskSettings) -> None:
    @app.before_request
    def check_token():
        given = request.args.get('token') or request.headers.get('X-Review-Token') or request.cookies.get(COOKIE)
        if not given or not secrets.compare_digest(str(given), settings.token):
            if request.path.startswith('/api/'):
                return jsonify(error='a valid review token is required (open the link grader review printed)'), 403
            return Response('403: open the link `grader review` printed (it carries the token).', 403,
                            mimetype='text/plain')
        g.gb = Gradebook(settings.out / FILENAME)
        g.store = ReviewStore(g.gb, settings.rubric)
        return None

    @app.teardown_request
    def close(_exc):
        gb = g.pop('gb', None)
        if gb is not None:
            gb.close()

    @app.after_request
    def headers(response: Response) -> Response:
        if request.args.get('token') == settings.token:
            response.set_cookie(COOKIE, settings.token, httponly=True, samesite='Strict')
        response.headers.setdefault('Content-Security-Policy', _CSP)
        response.headers['X-Content-Type-Options'] = 'nosniff'
        response.headers['Referrer-Policy'] = 'no-referrer'     # the token is in the first page's address
        if request.path.startswith('/api/'):
            response.headers['Cache-Control'] = 'no-store'
        return response

    @app.errorhandler(ReviewError)
    def refused(exc):
        return jsonify(error=str(exc)), 400

    @app.errorhandler(Claimed)
    def claimed(exc):
        return jsonify(error=str(exc), claimed_by=exc.ta), 409


# ---------------------------------------------------------------- helpers the routes share
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

"""The review desk's Flask app: server-rendered pages, a small JSON API the page uses (README "The review desk").

Every request needs the desk's token (query ``token``, header ``X-Review-Token``, or the cookie the first page
sets), else 403. Writes are JSON POSTs only, and the cookie is SameSite=Strict, so another site cannot post with it.
Each request opens its own gradebook connection (SQLite connections belong to one thread; the server runs one
thread per request). A desk is one open page: its id (``X-Review-Desk``) owns its claims and its undo history.
"""
from __future__ import annotations

import getpass
import secrets
from pathlib import Path

from flask import Flask, Response, g, jsonify, request

from ..batch.gradebook import FILENAME, Gradebook
from .answers import NotebookAnswers
from .http import DeskSettings
from .routes import register
from .store import CLAIM_SECONDS, Claimed, ReviewError, ReviewStore, ensure_schema

COOKIE = 'review_token'
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


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

"""``grader review DIR``: serve the desk on a local port until Ctrl-C (README "The review desk")."""
from __future__ import annotations

import logging
import sys
import webbrowser
from pathlib import Path

from .store import CLAIM_SECONDS


def serve(out: Path, *, host: str = '127.0.0.1', port: int = 0, open_browser: bool = True,
          rubric_path: Path | None = None, roster_path: Path | None = None, ta: str | None = None,
          claim_seconds: float = CLAIM_SECONDS) -> int:
    from werkzeug.serving import make_server
    from .app import create_app
    app = create_app(out, rubric_path=rubric_path, roster_path=roster_path, ta=ta, claim_seconds=claim_seconds)
    logging.getLogger('werkzeug').setLevel(logging.WARNING)     # the one line below is all the terminal shows
    server = make_server(host, port, app, threaded=True)
    shown = f'[{host}]' if ':' in host else host
    url = f'http://{shown}:{server.server_port}/?token={app.config["DESK"].token}'
    print(f'Review at {url}', flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(file=sys.stderr)
    finally:
        server.server_close()
    return 0


def run_command(args) -> int:
    """The CLI's ``review`` command: one-line errors and exit code 2 for what the TA can fix."""
    def fail(message: str) -> int:
        print(f'grader review: {message}', file=sys.stderr)
        return 2
    try:
        import flask  # noqa: F401
        import markdown_it  # noqa: F401
    except ImportError as exc:
        return fail(f"{exc.name} is not installed: pip install 'a2-grader[review]'")
    from ..rubric.load import RubricError
    out = Path(args.out)
    if not out.is_dir():
        return fail(f'{out}: no such folder (give the folder grader grade wrote)')
    try:
        return serve(out, host=args.host, port=args.port, open_browser=not args.no_browser,
                     rubric_path=Path(args.rubric) if args.rubric else None,
                     roster_path=Path(args.roster) if args.roster else None, ta=args.ta)
    except FileNotFoundError as exc:
        return fail(str(exc))
    except RubricError as exc:
        return fail(f'the rubric has problems: {exc.problems[0].format(exc.source or "rubric")}')
    except OSError as exc:
        return fail(f'cannot listen on {args.host}:{args.port}: {exc.strerror or exc}')

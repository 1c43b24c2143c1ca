"""``grader canvas pull`` and ``grader canvas push``: the argparse wiring and exit codes (README, "Canvas round trip").

Exit codes (README, Exit codes): 0 done; 2 the TA's setup or command must change (no token, an unsafe config file,
the canvas extra missing, no gradebook, a late penalty that would count twice, a folder that cannot be written); 3
the grader itself failed (a report file, token removed); 4 Canvas refused or failed, did not take every grade, or
could not be reached (running the same command again resumes); 130 interrupted. Every line printed, and the
report, goes through the token scrubber. Nothing here imports canvasapi until a command runs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from ..errors import EXIT_BAD_INPUT, EXIT_CANVAS, EXIT_INTERRUPTED, report_internal_error


def add_canvas_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser('canvas', help='pull submissions from Canvas, push grades and feedback back (TAs)',
                       description='Talk to Canvas with the token in CANVAS_API_TOKEN (or the config file) at '
                                   'CANVAS_API_URL. Exit codes: 0 done, 2 fix the setup or command (the message '
                                   'says how), 3 the grader failed, 4 Canvas refused or failed (run the same '
                                   'command again to resume).')
    csub = p.add_subparsers(dest='canvas_command', metavar='ACTION', required=True)

    c = csub.add_parser('pull', help="download an assignment's submissions with their times, roster and extensions",
                        description="Download each student's current attempt, named as Canvas's Download "
                                    'Submissions zip names it, and write submission-times.csv, roster.csv and '
                                    'extensions.csv beside the files. A re-pull downloads only what changed; a file '
                                    'you own or edited is never replaced.')
    _ids(c)
    c.add_argument('--out', required=True, metavar='SUBS_DIR',
                   help='the submissions folder (created); then run: grader grade SUBS_DIR --out DIR')
    _config(c)
    c.set_defaults(func=cmd_pull)

    c = csub.add_parser('push', help='post final scores and feedback comments from a graded folder to Canvas',
                        description='Post every graded student\'s final score (partners included) and a comment with '
                                    'the feedback file; a second push sends only what changed. Errored or ungraded '
                                    'submissions are never posted.')
    c.add_argument('dir', metavar='DIR', help='the folder grader grade wrote (its gradebook.sqlite and feedback/)')
    _ids(c)
    c.add_argument('--dry-run', action='store_true', help='print the table of what would change; post nothing')
    c.add_argument('--no-comments', action='store_true', help='post the scores only, no feedback comments')
    c.add_argument('--overwrite', action='store_true',
                   help='replace grades someone set on Canvas by hand since (kept by default)')
    _config(c)
    c.set_defaults(func=cmd_push)


def _ids(p: argparse.ArgumentParser) -> None:
    p.add_argument('--course', required=True, metavar='ID', help="the course's Canvas id (in its URL: /courses/ID)")
    p.add_argument('--assignment', required=True, metavar='ID',
                   help="the assignment's Canvas id (in its URL: /assignments/ID)")


def _config(p: argparse.ArgumentParser) -> None:
    p.add_argument('--config', metavar='FILE', help='config file with [canvas] api_url and api_token, readable by you '
                   'only (default: $A2G_CANVAS_CONFIG or ~/.config/a2grader/canvas.ini; the environment wins)')


def _run(args, body: Callable) -> int:
    from .config import CanvasInputError, load_config
    name = f'grader canvas {args.canvas_command}'
    scrub: Callable[[object], str] = str
    url = 'CANVAS_API_URL'
    try:
        config = load_config(args.config)
        scrub, url = config.scrubber(), config.url
        from .api import CanvasClient, CanvasFailure
        try:
            return body(CanvasClient(config), lambda line: print(scrub(line), flush=True))
        except CanvasFailure as exc:
            print(f'{name}: {scrub(exc)}', file=sys.stderr)
            return EXIT_CANVAS
    except CanvasInputError as exc:
        print(f'{name}: {scrub(exc)}', file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        if type(exc).__module__.split('.')[0] in ('requests', 'urllib3'):   # e.g. an HTML login page, not JSON
            print(f'{name}: the answer from {scrub(url)} is not what Canvas sends ({type(exc).__name__}): '
                  f'check CANVAS_API_URL, then run the same command again', file=sys.stderr)
            return EXIT_CANVAS
        # a folder that cannot be written, a full disk: nothing Canvas can fix
        print(f'{name}: {scrub(exc.filename or "")}: {exc.strerror or exc}', file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f'\n{name}: interrupted; what Canvas confirmed is recorded: run the same command again to resume',
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:   # noqa: BLE001 - a bug: one line and a report file, as grader.cli does, token removed
        return report_internal_error(name, scrub)


def cmd_pull(args) -> int:
    def body(client, say):
        from .pull import format_summary, pull
        summary = pull(client, args.course, args.assignment, Path(args.out), say)
        for line in format_summary(summary):
            say(line)
        return 0
    return _run(args, body)


def cmd_push(args) -> int:
    def body(client, say):
        from .push import format_summary, push
        summary = push(client, Path(args.dir), args.course, args.assignment, dry_run=args.dry_run,
                       comments=not args.no_comments, overwrite=args.overwrite, say=say)
        for line in format_summary(summary):
            say(line)
        return EXIT_CANVAS if summary.warnings else 0
    return _run(args, body)

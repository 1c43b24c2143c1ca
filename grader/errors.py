"""The one error type for a user's mistake, and the exit codes every command shares (README, Exit codes).

A mistake a user can make (a missing file, a corrupt zip, a CSV with the wrong columns, a rubric with problems, an
output folder that holds their own files) ends in ``InputError``: one message saying what is wrong and how to fix
it, exit code 2, and nothing written. The CLI prints it; no traceback ever reaches a TA.
"""
from __future__ import annotations

EXIT_OK = 0             # everything asked for was done (every submission graded; a self-check's code checks pass)
EXIT_INCOMPLETE = 1     # done, but some submissions could not be graded (or a self-check has failing code checks)
EXIT_BAD_INPUT = 2      # nothing done: a file, a folder, an option or the rubric needs fixing first
EXIT_INTERNAL = 3       # the grader itself failed: a report file is named
EXIT_CANVAS = 4         # grader canvas: Canvas refused or failed; what it confirmed is kept
EXIT_INTERRUPTED = 130  # Ctrl-C: a re-run resumes


class InputError(Exception):
    """What the user gave cannot be used; ``str(error)`` is the message to print, with the fix."""


def report_internal_error(command: str, scrub=lambda text: text) -> int:
    """For a bug (an exception no user mistake explains): the traceback goes to a report file, the user reads one
    line naming it. ``scrub`` removes secrets (the Canvas token) from both. Call it inside an ``except`` block."""
    import sys
    import tempfile
    import traceback
    from pathlib import Path

    from . import __version__
    report = Path(tempfile.mkstemp(prefix='grader-error-', suffix='.txt')[1])
    report.write_text(scrub(f'grader {__version__}, command {command}\n\n{traceback.format_exc()}'), encoding='utf-8')
    print(f'{command}: the grader itself failed ({scrub(repr(sys.exc_info()[1]))[:200]}); nothing you did caused '
          f'this. Details: {report}', file=sys.stderr)
    return EXIT_INTERNAL

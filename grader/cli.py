"""The `grader` command: a thin layer over functions the tests call directly.

Every mistake a user can make ends in one line saying what is wrong and how to fix it, and an exit code
(``grader.errors``): never a traceback. Heavy imports stay inside commands so that `grader --help` starts fast.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .errors import (EXIT_BAD_INPUT, EXIT_CANVAS, EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, InputError,
                     report_internal_error)

EXIT_CODES = f'''exit codes:
  {EXIT_OK}    done: every submission graded (check: every public code check passes)
  {EXIT_INCOMPLETE}    done, but some submissions could not be graded (check: some public code checks fail)
  {EXIT_BAD_INPUT}    nothing done: a file, folder, option or the rubric needs fixing (the message says what)
  {EXIT_INTERNAL}    the grader itself failed (a report file is named; please send it to the maintainers)
  {EXIT_CANVAS}    grader canvas: Canvas refused or failed; what it confirmed is kept: run the same command again
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C): a re-run of grader grade resumes where it stopped'''


def _path(value) -> Path | None:
    return Path(value) if value else None


def _rubric(path):
    from .rubric.load import RubricError, default_rubric_path, load_rubric
    try:
        return load_rubric(path or default_rubric_path())
    except RubricError as exc:
        raise InputError(f'the rubric has problems:\n{exc}') from None


# ---------------------------------------------------------------- check (students)
def cmd_check(args) -> int:
    notebook = Path(args.notebook)
    if not notebook.exists():
        raise InputError(f'{notebook}: no such file')
    if notebook.is_dir():
        raise InputError(f'{notebook} is a folder: give your notebook file, e.g. {notebook / "Lastname-A2.ipynb"}')
    from .kernel.bubblewrap import default_launcher
    from .kit.selfcheck import code_checks_pass, format_table, self_check, start_kernel
    launcher = default_launcher()
    session = start_kernel(launcher)        # boots while the rubric and the reference load
    try:
        rubric = _rubric(args.rubric)
    except InputError:
        session.close()
        raise
    live = None
    if not args.json:
        from .kit.live import LiveLine
        print(f'Checking {notebook.name} with the public checks...', file=sys.stderr, flush=True)
        if not launcher.isolated:
            print(f'(your code runs with {launcher.description.removeprefix("NOT ISOLATED: ")})', file=sys.stderr)
        live = LiveLine({it.id: it.title for it in rubric.items})
    try:
        result = self_check(notebook, rubric, launcher=launcher, on_check=live, session=session)
    finally:
        if live is not None:
            live.close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(result, rubric))
    return EXIT_OK if code_checks_pass(result, rubric) else EXIT_INCOMPLETE


# ---------------------------------------------------------------- rubric (instructors)
def cmd_rubric(args) -> int:
    from .rubric.load import rubric_command
    code, text = rubric_command(args.file, args.rubric_command)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


# ---------------------------------------------------------------- kit (instructors)
def cmd_kit_build(args) -> int:
    from .kit.build import build_kit
    from .resources import is_student_kit
    if is_student_kit():
        raise InputError('this is already a student kit; build kits from the full grader')
    try:
        out = build_kit(Path(args.out), _rubric(args.rubric))
    except FileExistsError as exc:
        raise InputError(str(exc)) from None
    print(f'wrote the student kit to {out}: students install it with `pip install {out.name}` and run '
          '`grader check Lastname-A2.ipynb` (public checks and their expected values; no solution, no hidden checks)')
    return EXIT_OK


# ---------------------------------------------------------------- grade and rescore (TAs)
def cmd_grade(args) -> int:
    from .batch.driver import BatchOptions, grade_batch
    from .batch.progress import ProgressBar
    from .kernel.bubblewrap import default_launcher
    if args.workers < 1:
        raise InputError(f'--workers {args.workers}: give 1 or more')
    if args.budget <= 0:
        raise InputError(f'--budget {args.budget}: give a number of seconds above 0')
    _require_files(args, ('roster', 'times', 'extensions', 'manual', 'rubric'))
    from .canvas.local import pulled_inputs
    found, said = pulled_inputs(args.submissions, vars(args))
    vars(args).update(found)
    for line in said:
        print(f'using {line}', file=sys.stderr)
    launcher = default_launcher()
    print(('student code runs in: ' if launcher.isolated else 'WARNING: ') + launcher.description,
          file=sys.stderr, flush=True)
    opts = BatchOptions(submissions=Path(args.submissions), out=Path(args.out), rubric_path=_path(args.rubric),
                        roster=_path(args.roster), times=_path(args.times), extensions=_path(args.extensions),
                        manual=_path(args.manual), due=args.due, no_late_penalty=args.no_late_penalty,
                        assignment_id=args.assignment_id, workers=args.workers, force=args.force,
                        wall_budget=args.budget, isolated=launcher.isolated, executor=args.executor,
                        dask_scheduler=args.dask_scheduler, seed=args.seed)
    summary = grade_batch(opts, ProgressBar())
    _print_summary(summary)
    return EXIT_INCOMPLETE if summary.problems else EXIT_OK


def cmd_rescore(args) -> int:
    from .batch.driver import rescore_dir
    _require_files(args, ('manual', 'rubric', 'roster'))
    summary = rescore_dir(Path(args.out), _path(args.manual), _path(args.rubric), _path(args.roster))
    _print_summary(summary)
    return EXIT_INCOMPLETE if summary.problems else EXIT_OK


def _require_files(args, options: tuple[str, ...]) -> None:
    """Each of these options, when given, names a file that is there (not a folder)."""
    for name in options:
        value = getattr(args, name)
        if value and not Path(value).is_file():
            what = 'is a folder, not a file' if Path(value).is_dir() else 'no such file'
            raise InputError(f'--{name} {value}: {what}')


def _listed(title: str, lines: list[str], limit: int = 20) -> None:
    if not lines:
        return
    print(f'{len(lines)} {title}:')
    for line in lines[:limit]:
        print(f'  - {line}')
    if len(lines) > limit:
        print(f'  ... and {len(lines) - limit} more (all of them in report.html and results.json)')


def _print_summary(summary) -> None:
    print(f'{summary.submissions} submission(s): {summary.graded} graded now, {summary.cached} unchanged '
          f'(kept from the last run).')
    _listed('not graded (left blank in grades.csv; see report.html)', summary.problems)
    _listed('other file(s) submitted besides the graded notebook', summary.other_files)
    _listed('warning(s)', summary.warnings)
    for name, path in summary.outputs.items():
        print(f'{name:>13}: {path}')


def cmd_review(args) -> int:
    from .review.serve import run_command
    return run_command(args)


# ---------------------------------------------------------------- the parser
def build_parser(kit: bool = False) -> argparse.ArgumentParser:
    """The full grader's commands; a student kit's parser has only ``check``, the one command that works there."""
    parser = argparse.ArgumentParser(
        prog='grader', formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXIT_CODES,
        description='Self-check an Assignment 2 notebook.' if kit else 'Autograder for Assignment 2 notebooks.')
    parser.add_argument('--version', action='version', version=f'grader {__version__}')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')

    p = sub.add_parser('check', help='self-check a notebook with the public checks (students)',
                       description='Run the public checks on your notebook: which pass, what to fix. Hidden checks '
                                   'run only when your TA grades.', epilog=EXIT_CODES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebook', help='your notebook, e.g. Lastname-A2.ipynb')
    p.add_argument('--json', action='store_true', help='print the machine-readable result (README, Results schema)')
    p.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    p.set_defaults(func=cmd_check)
    if kit:
        return parser

    p = sub.add_parser('grade', help="grade a Canvas download (zip or folder) into grades.csv, feedback, a report "
                                     "(TAs)", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description='Grade every notebook of a Canvas "Download Submissions" zip or folder. Writes '
                                   'grades.csv (Canvas import), results.csv/json, feedback/ and report.html into '
                                   '--out; a re-run skips unchanged notebooks.')
    p.add_argument('submissions', help="Canvas's Download Submissions zip, or a folder of its files")
    p.add_argument('--out', required=True, help='output folder: new, empty, or one grader grade wrote before (the '
                                                'grader never writes over files it did not create)')
    p.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    p.add_argument('--roster', help="Canvas gradebook export CSV (Grades > Export): names, sections, partners' ids")
    p.add_argument('--times', help='CSV user_id,submitted_at (ISO 8601 with offset) for late penalties: from '
                                   'grader canvas pull, or exported from Canvas')
    p.add_argument('--extensions', help='CSV user_id,extra_days or user_id,new_due')
    p.add_argument('--manual', help='CSV user_id,item_id,points,comment: TA scores and overrides')
    p.add_argument('--due', help="due date (ISO 8601 with offset, e.g. 2026-10-02T23:59:00-06:00), instead of the "
                                 "rubric's")
    p.add_argument('--no-late-penalty', action='store_true', help='deduct nothing for lateness (Canvas applies its '
                                                                  'own late policy)')
    p.add_argument('--assignment-id', help="Canvas assignment id for grades.csv's column (else the rubric's)")
    p.add_argument('--workers', type=int, default=os.cpu_count() or 1, help='notebooks graded at once '
                   '(default: the number of cores)')
    p.add_argument('--force', action='store_true', help='regrade every notebook, changed or not')
    p.add_argument('--budget', type=float, default=300.0, help='seconds per notebook (default 300)')
    p.add_argument('--executor', choices=('local', 'dask'), default='local',
                   help='where notebooks run: local worker processes (default), or Dask distributed (pip install '
                        "'a2-grader[dask]'; a LocalCluster of --workers processes unless --dask-scheduler is given)")
    p.add_argument('--dask-scheduler', metavar='tcp://HOST:PORT',
                   help='a running Dask scheduler whose workers have the grader installed (implies --executor dask)')
    p.add_argument('--seed', type=int, help='hidden-input seed for every notebook graded now (default: a fresh one '
                                            'per run; each result stores its seed either way)')
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser('rescore', help='merge TA scores into a graded folder and rewrite every output (TAs)',
                       description='Score a graded folder again from its gradebook (no notebook is run): after TA '
                                   'scores, a new rubric or a new roster.', epilog=EXIT_CODES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('out', help='the folder `grader grade` wrote')
    p.add_argument('--manual', help='CSV user_id,item_id,points,comment')
    p.add_argument('--rubric', help='rubric YAML (default: the rubric the folder was graded with)')
    p.add_argument('--roster', help='Canvas gradebook export CSV (default: the one given to grader grade)')
    p.set_defaults(func=cmd_rescore)

    p = sub.add_parser('review', help='grade the written answers question by question in a browser (TAs)')
    p.add_argument('out', help='the folder `grader grade` wrote')
    p.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1: this machine only)')
    p.add_argument('--port', type=int, default=0, help='port (default 0: a free one)')
    p.add_argument('--no-browser', action='store_true', help='print the address without opening a browser')
    p.add_argument('--ta', help="your name in the audit log (default: your login name)")
    p.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    p.add_argument('--roster', help='Canvas gradebook export CSV, for the export button')
    p.set_defaults(func=cmd_review)

    p = sub.add_parser('rubric', help='validate or show a rubric YAML (instructors)')
    rsub = p.add_subparsers(dest='rubric_command', metavar='ACTION', required=True)
    for action, text in (('validate', 'report every problem with its line number'),
                         ('show', 'print the rubric as a table, with its deductions')):
        r = rsub.add_parser(action, help=text, description=text)
        r.add_argument('file', help='the rubric YAML, e.g. rubrics/a2.yaml')
        r.set_defaults(func=cmd_rubric)

    p = sub.add_parser('kit', help="build the students' self-check kit (instructors)")
    ksub = p.add_subparsers(dest='kit_command', metavar='ACTION', required=True)
    k = ksub.add_parser('build', help='write the kit (a folder students pip install) to a new folder')
    k.add_argument('out', help='a new or empty folder')
    k.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    k.set_defaults(func=cmd_kit_build)

    from .canvas.commands import add_canvas_commands
    add_canvas_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .resources import is_student_kit
    parser = build_parser(kit=is_student_kit())
    args = parser.parse_args(argv)
    if not getattr(args, 'func', None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.func(args)
    except InputError as exc:
        print(f'grader {args.command}: {exc}', file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f'\ngrader {args.command}: interrupted; a re-run of the same command resumes where it stopped',
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:   # noqa: BLE001 - a TA gets one line and a report file, never a traceback
        return report_internal_error(f'grader {args.command}')


if __name__ == '__main__':
    sys.exit(main())

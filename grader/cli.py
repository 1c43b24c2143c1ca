"""The `grader` command: a thin layer over functions the tests call directly. Heavy imports stay inside commands
so that `grader --help` starts fast."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__


def _rubric(path):
    from .rubric.load import RubricError, default_rubric_path, load_rubric
    try:
        return load_rubric(path or default_rubric_path())
    except RubricError as exc:
        raise SystemExit(f'grader: the rubric has problems:\n{exc}')


def cmd_check(args) -> int:
    from .kit.selfcheck import all_public_pass, format_table, self_check
    notebook = Path(args.notebook)
    if not notebook.exists():
        print(f'grader check: {notebook}: no such file', file=sys.stderr)
        return 2
    rubric = _rubric(args.rubric)
    if not args.json:
        print(f'Checking {notebook.name} (public checks; a few seconds)...', file=sys.stderr, flush=True)
    result = self_check(notebook, rubric)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(result, rubric))
    return 0 if all_public_pass(result, rubric) else 1


def cmd_rubric_validate(args) -> int:
    from .rubric.load import cmd_rubric_validate as run
    code, text = run(args.file)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_rubric_show(args) -> int:
    from .rubric.load import cmd_rubric_show as run
    code, text = run(args.file)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_kit_build(args) -> int:
    from .kit.build import build_kit
    from .resources import is_student_kit
    if is_student_kit():
        print('grader kit build: this is already a student kit; build kits from the full grader', file=sys.stderr)
        return 2
    try:
        out = build_kit(Path(args.out), _rubric(args.rubric))
    except FileExistsError as exc:
        print(f'grader kit build: {exc}', file=sys.stderr)
        return 2
    print(f'wrote the student kit to {out} (public checks and their expected values; no solution, no hidden '
          'checks)')
    return 0


def _batch_options(args):
    from .batch.driver import BatchOptions
    return BatchOptions(submissions=Path(args.submissions), out=Path(args.out),
                        rubric_path=Path(args.rubric) if args.rubric else None,
                        roster=_path(args.roster), times=_path(args.times), extensions=_path(args.extensions),
                        manual=_path(args.manual), due=args.due, no_late_penalty=args.no_late_penalty,
                        assignment_id=args.assignment_id, workers=args.workers, force=args.force,
                        wall_budget=args.budget)


def _path(value):
    return Path(value) if value else None


def cmd_grade(args) -> int:
    from .batch.driver import grade_batch
    from .canvas.side_files import InputError
    from .batch.progress import ProgressBar
    for name in ('submissions', 'roster', 'times', 'extensions', 'manual'):
        value = getattr(args, name)
        if value and not Path(value).exists():
            print(f'grader grade: {value}: no such file or folder', file=sys.stderr)
            return 2
    from .kernel.launch import default_launcher
    launcher = default_launcher()
    print(('student code runs in: ' if launcher.isolated else 'WARNING: ') + launcher.description,
          file=sys.stderr, flush=True)
    try:
        summary = grade_batch(_batch_options(args), ProgressBar())
    except InputError as exc:
        print(f'grader grade: {exc}', file=sys.stderr)
        return 2
    _print_summary(summary)
    return 0


def _print_summary(summary) -> None:
    print(f'{summary.submissions} submission(s): {summary.graded} graded now, {summary.cached} unchanged '
          f'(kept from the last run).')
    if summary.problems:
        print(f'{len(summary.problems)} not graded normally (see report.html):')
        for p in summary.problems:
            print(f'  - {p}')
    if summary.warnings:
        print(f'{len(summary.warnings)} warning(s) (also in report.html):')
        for w in summary.warnings[:20]:
            print(f'  - {w}')
        if len(summary.warnings) > 20:
            print(f'  ... and {len(summary.warnings) - 20} more')
    for name, path in summary.outputs.items():
        print(f'{name:>13}: {path}')


def cmd_rescore(args) -> int:
    from .batch.driver import rescore_dir
    from .canvas.side_files import InputError
    try:
        summary = rescore_dir(Path(args.out), _path(args.manual), Path(args.rubric) if args.rubric else None,
                              _path(args.roster))
    except (InputError, FileNotFoundError) as exc:
        print(f'grader rescore: {exc}', file=sys.stderr)
        return 2
    _print_summary(summary)
    return 0


def cmd_review(args) -> int:
    from .review.serve import run_command
    return run_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='grader', description='Autograder for Assignment 2 notebooks.')
    parser.add_argument('--version', action='version', version=f'grader {__version__}')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')

    p = sub.add_parser('check', help="self-check a notebook with the public checks (students)")
    p.add_argument('notebook', help='your notebook, e.g. Lastname-A2.ipynb')
    p.add_argument('--json', action='store_true', help='print the machine-readable result')
    p.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    p.set_defaults(func=cmd_check)

    p = sub.add_parser('grade', help="grade a Canvas download (zip or folder) into grades.csv, feedback, a report "
                                     "(TAs)")
    p.add_argument('submissions', help="Canvas's Download Submissions zip, or a folder of its files")
    p.add_argument('--out', required=True, help='output folder (created; re-runs skip unchanged notebooks)')
    p.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    p.add_argument('--roster', help="Canvas gradebook export CSV: names, sections, partners' ids")
    p.add_argument('--times', help='CSV user_id,submitted_at (ISO 8601 with offset) for late penalties')
    p.add_argument('--extensions', help='CSV user_id,extra_days or user_id,new_due')
    p.add_argument('--manual', help='CSV user_id,item_id,points,comment: TA scores and overrides')
    p.add_argument('--due', help="due date (ISO 8601 with offset), instead of the rubric's")
    p.add_argument('--no-late-penalty', action='store_true', help='Canvas applies its own late policy')
    p.add_argument('--assignment-id', help="Canvas assignment id for grades.csv's column (else the rubric's)")
    p.add_argument('--workers', type=int, default=os.cpu_count() or 1, help='notebooks graded at once '
                   '(default: the number of cores)')
    p.add_argument('--force', action='store_true', help='regrade every notebook, changed or not')
    p.add_argument('--budget', type=float, default=300.0, help='seconds per notebook (default 300)')
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser('rescore', help='merge TA scores into a graded folder and rewrite every output (TAs)')
    p.add_argument('out', help='the folder `grader grade` wrote')
    p.add_argument('--manual', help='CSV user_id,item_id,points,comment')
    p.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    p.add_argument('--roster', help='Canvas gradebook export CSV')
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
    r = rsub.add_parser('validate', help='report every problem with its line number')
    r.add_argument('file')
    r.set_defaults(func=cmd_rubric_validate)
    r = rsub.add_parser('show', help='print the rubric as a table')
    r.add_argument('file')
    r.set_defaults(func=cmd_rubric_show)

    p = sub.add_parser('kit', help="build the students' self-check kit (instructors)")
    ksub = p.add_subparsers(dest='kit_command', metavar='ACTION', required=True)
    k = ksub.add_parser('build', help='write the kit to a new folder')
    k.add_argument('out')
    k.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    k.set_defaults(func=cmd_kit_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, 'func', None):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())

"""The `grader` command: a thin layer over functions the tests call directly. Heavy imports stay inside commands
so that `grader --help` starts fast."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__


def _rubric(path):
    from .rubric import RubricError, default_rubric_path, load_rubric
    try:
        return load_rubric(path or default_rubric_path())
    except RubricError as exc:
        raise SystemExit(f'grader: the rubric has problems:\n{exc}')


def cmd_check(args) -> int:
    from .selfcheck import all_public_pass, format_table, self_check
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
    from .rubric import cmd_rubric_validate as run
    code, text = run(args.file)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_rubric_show(args) -> int:
    from .rubric import cmd_rubric_show as run
    code, text = run(args.file)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_kit_build(args) -> int:
    from .kit import build_kit
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='grader', description='Autograder for Assignment 2 notebooks.')
    parser.add_argument('--version', action='version', version=f'grader {__version__}')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')

    p = sub.add_parser('check', help="self-check a notebook with the public checks (students)")
    p.add_argument('notebook', help='your notebook, e.g. Lastname-A2.ipynb')
    p.add_argument('--json', action='store_true', help='print the machine-readable result')
    p.add_argument('--rubric', help='rubric YAML (default: the bundled A2 rubric)')
    p.set_defaults(func=cmd_check)

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

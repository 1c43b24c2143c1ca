"""The `grader` command: a thin layer over functions the tests call directly. Heavy imports stay inside commands
so that `grader --help` starts fast."""
from __future__ import annotations

import argparse
import sys

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='grader', description='Autograder for Assignment 2 notebooks.')
    parser.add_argument('--version', action='version', version=f'grader {__version__}')
    parser.add_subparsers(dest='command', metavar='COMMAND')
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

"""Reading a TA's CSV file: Excel's BOM, blank lines, header names in any case, and one InputError that names the
file (and the option it came from) when it cannot be read or lacks a column. One reader for every side file."""
from __future__ import annotations

import csv
from pathlib import Path

from ..errors import InputError


def read_rows(path: str | Path, required: tuple[str, ...], what: str,
              fold_case: bool = True) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, row)]) of a CSV whose header holds ``required``; ``what`` says in a message what the
    file should be (e.g. 'a Canvas gradebook export'). With ``fold_case`` header names are lower-cased."""
    path = Path(path)
    try:
        # utf-8-sig: Excel and Canvas both write a BOM, which would otherwise glue itself to the first column's name
        text = path.read_text(encoding='utf-8-sig')
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f'{path}: cannot read it as a CSV file ({getattr(exc, "strerror", None) or exc})') from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise InputError(f'{path}: not a CSV file ({exc})') from None
    if not rows:
        raise InputError(f'{path}: empty file, expected {what}')
    header = [h.strip().lower() if fold_case else h.strip() for h in rows[0]]
    missing = [r for r in required if r not in header]
    if missing:
        raise InputError(f'{path}:1: no column {", ".join(map(repr, missing))} in the header; expected {what} '
                         f'(header {",".join(required)})')
    out = []
    for line, row in enumerate(rows[1:], start=2):
        cells = {}
        for name, value in zip(header, row):
            cells.setdefault(name, value.strip())   # a repeated title: its first column
        if any(cells.values()):
            out.append((line, cells))
    return header, out

"""The TA's side files for a batch: submission times, extensions and manual scores, read with clear errors.

Each reader raises ``InputError`` naming the file and line of every problem found, so a typo in a CSV never
turns into a silently wrong grade.
"""
from __future__ import annotations

from pathlib import Path

from ..pipeline.late import parse_timestamp
from ..errors import InputError
from .csvfile import read_rows
from ..model import Extension, ManualScore


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    return read_rows(path, required, 'one row per student')[1]


def _raise_if(problems: list[str]):
    if problems:
        raise InputError('\n'.join(problems))


def read_times(path: Path) -> dict[str, str]:
    """Canvas user id -> submitted_at (ISO 8601 with an offset: -07:00, -0700 or Z)."""
    times, problems = {}, []
    for line, row in _rows(path, ('user_id', 'submitted_at')):
        try:
            parse_timestamp(row['submitted_at'])
        except ValueError as exc:
            problems.append(f'{path}:{line}: {exc}')
            continue
        times[row['user_id']] = row['submitted_at']
    _raise_if(problems)
    return times


def read_extensions(path: Path) -> dict[str, Extension]:
    """Canvas user id -> extra days (column extra_days) or a new due date (column new_due)."""
    out, problems = {}, []
    for line, row in _rows(path, ('user_id',)):
        days, new_due = row.get('extra_days', ''), row.get('new_due', '')
        if bool(days) == bool(new_due):
            problems.append(f'{path}:{line}: give either extra_days or new_due for user {row["user_id"]}')
            continue
        try:
            if new_due:
                parse_timestamp(new_due)
                out[row['user_id']] = Extension(new_due=new_due)
            else:
                value = float(days)
                if value < 0:
                    raise ValueError('extra_days must be >= 0')
                out[row['user_id']] = Extension(extra_days=value)
        except ValueError as exc:
            problems.append(f'{path}:{line}: {exc}')
    _raise_if(problems)
    return out


def read_manual(path: Path, item_ids: set[str]) -> dict[str, list[ManualScore]]:
    """Canvas user id -> the TA's scores (columns user_id, item_id, points, comment)."""
    out: dict[str, list[ManualScore]] = {}
    problems = []
    for line, row in _rows(path, ('user_id', 'item_id', 'points')):
        if row['item_id'] not in item_ids:
            problems.append(f'{path}:{line}: unknown item id {row["item_id"]!r} (the rubric has '
                            f'{", ".join(sorted(item_ids))})')
            continue
        try:
            points = float(row['points'])
        except ValueError:
            problems.append(f'{path}:{line}: points {row["points"]!r} is not a number')
            continue
        out.setdefault(row['user_id'], []).append(ManualScore(row['item_id'], points, row.get('comment', '')))
    _raise_if(problems)
    return out

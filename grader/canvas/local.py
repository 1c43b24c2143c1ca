"""What ``grader grade`` takes by itself from a folder ``grader canvas pull`` wrote (README, "Canvas round trip").

For each of ``--times``, ``--roster`` and ``--extensions`` not given, the pulled file of that name in the
submissions folder; for ``--due`` not given, Canvas's due date recorded in ``canvas-pull.json``. Each is said in
one line, so a TA always sees what the grade was computed from. No Canvas access, no extra needed.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from .mirror import MANIFEST, SUPERSEDED

SIDE_FILES = {'times': 'submission-times.csv', 'roster': 'roster.csv', 'extensions': 'extensions.csv'}


def is_pull_file(label: str) -> bool:
    """An entry of the submissions folder the pull wrote beside the submissions (collect skips it: no warning)."""
    label = label.rstrip('/')
    return label in SIDE_FILES.values() or label in (MANIFEST, SUPERSEDED) or label.startswith(SUPERSEDED + '/')


def pulled_inputs(submissions: str | Path, given: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """({option: value} to fill in, lines saying so) for the options in ``given`` that are empty."""
    folder = Path(submissions)
    if not folder.is_dir():
        return {}, []
    found, said = {}, []
    for option, name in SIDE_FILES.items():
        path = folder / name
        if not given.get(option) and path.is_file():
            found[option] = str(path)
            said.append(f'--{option} {path} (found in the submissions folder)')
    manifest = folder / MANIFEST
    if not given.get('due') and manifest.is_file():
        try:
            due = json.loads(manifest.read_text(encoding='utf-8')).get('due_at')
        except (OSError, ValueError, AttributeError):
            said.append(f'{manifest} could not be read: the due date is the rubric\'s')
            due = None
        if due:
            found['due'] = str(due)
            said.append(f'--due {due} (Canvas\'s due date, from {manifest})')
    return found, said

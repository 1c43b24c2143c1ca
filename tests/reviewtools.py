"""Helpers for the review desk's tests: the sample graded once per module, copies of it per test."""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.batch.driver import BatchOptions, grade_batch
from nbtools import REPO

SAMPLE = REPO / 'submissions' / 'sample'


def grade_sample(folder: Path) -> Path:
    """The sample zip graded with real kernels (30-60 s): the folder `grader grade` writes."""
    out = folder / 'out'
    grade_batch(BatchOptions(submissions=SAMPLE / 'canvas-submissions.zip', out=out, roster=SAMPLE / 'roster.csv',
                             times=SAMPLE / 'submission-times.csv', workers=2))
    return out


def copy_of(out: Path, folder: Path) -> Path:
    """A private copy of a graded folder, so each test starts from the batch's state (no desk tables yet)."""
    target = folder / 'graded'
    shutil.copytree(out, target)
    # the gradebook remembers where the notebooks were: point it at this copy's
    import sqlite3
    db = sqlite3.connect(target / 'gradebook.sqlite')
    with db:
        db.execute('UPDATE submissions SET notebook_path = replace(notebook_path, ?, ?)', (str(out), str(target)))
    db.close()
    return target

"""The sample graded once per test session, and copies of it per test (the review desk, the answer key, Dask)."""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.batch.driver import BatchOptions, grade_batch
from nbtools import REPO

SAMPLE = REPO / 'submissions' / 'sample'


SEED = 20261002      # the hidden-input seed of the shared grading (grades do not depend on it; runs compare alike)
_graded: Path | None = None


def grade_sample(folder: Path | None = None) -> Path:
    """The sample zip graded with real kernels once per test session (20-60 s), as `grader grade` writes it, with
    roster and times. Tests that change a graded folder work on ``copy_of`` it."""
    global _graded
    if _graded is None:
        import atexit
        import tempfile
        root = Path(tempfile.mkdtemp(prefix='a2g-sample-'))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        grade_batch(BatchOptions(submissions=SAMPLE / 'canvas-submissions.zip', out=root / 'out',
                                 roster=SAMPLE / 'roster.csv', times=SAMPLE / 'submission-times.csv', workers=2,
                                 seed=SEED))
        _graded = root / 'out'
    return _graded


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


def manual_scores(folder: Path) -> dict[tuple[str, str], tuple[float, str]]:
    """(student key, item) -> (points, comment) of every manual score in a graded folder's gradebook."""
    import sqlite3
    db = sqlite3.connect(folder / 'gradebook.sqlite')
    try:
        return {(k, i): (p, c) for k, i, p, c in db.execute('SELECT student_key, item_id, points, comment '
                                                             'FROM manual_scores')}
    finally:
        db.close()

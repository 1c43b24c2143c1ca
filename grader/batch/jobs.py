"""One notebook's grading job, as a worker receives it, and the function that does it.

A job is self-contained data (the notebook's bytes, the rubric, the seed, the lateness and manual scores it is
scored with), so it can run in a local worker process or on another machine of a Dask cluster that has never seen
the driver's files. Its result comes back as ``SubmissionResult.to_dict()``. Workers never open the gradebook.
"""
from __future__ import annotations

import atexit
import hashlib
import multiprocessing.util
import threading
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..model import Lateness, ManualScore, Rubric


@dataclass(frozen=True)
class GradeJob:
    key: str                        # the student's key in the gradebook
    name: str                       # the notebook's file name, as messages show it
    notebook: bytes
    rubric: Rubric
    rubric_hash: str
    seed: int                       # of the hidden inputs: stored with the result, reused when regrading
    lateness: Lateness | None = None
    manual: tuple[ManualScore, ...] = ()
    wall_budget: float = 300.0      # seconds for the whole notebook

    @property
    def identity(self) -> str:
        """What decides the result: the notebook, the grader, the rubric and the seed (not who submitted it). An
        executor may hand back one result for jobs of equal identity (Dask does: a resubmitted job is not graded
        twice); manual scores and lateness are applied again by the driver."""
        digest = hashlib.sha256(self.notebook).hexdigest()[:20]
        return f'grade-{digest}-{__version__}-{self.rubric_hash[:12]}-{self.seed}'


_expected = None
_spare = None       # the next notebook's kernel, started while this one is graded


def _next_session(launcher):
    """This job's kernel (started during the previous job, when there was one) and the next job's, started now."""
    from ..pipeline.grade import new_session
    global _spare
    session, _spare = _spare, None
    if session is None:
        session = new_session(launcher)
    try:
        _spare = new_session(launcher).spawn()
    except Exception:   # noqa: BLE001 - without a spare the next job starts its own kernel, as usual
        _spare = None
    return session


_ending: list[threading.Thread] = []


def _end_later(session) -> None:
    """A graded notebook's kernel is ended in the background: the result goes back and the next notebook starts
    while the kernel is killed and its folder removed."""
    _ending[:] = [t for t in _ending if t.is_alive()]
    thread = threading.Thread(target=session.close, daemon=True)
    thread.start()
    _ending.append(thread)


def _end_all() -> None:
    global _spare
    if _spare is not None:
        _spare.close()
        _spare = None
    for thread in _ending:      # a worker that ends leaves no kernel folder behind either
        thread.join(30)


# A worker that ends leaves no kernel and no kernel folder behind: atexit for a plain process, a multiprocessing
# finalizer for pool and Dask worker processes (which end with os._exit, skipping atexit).
atexit.register(_end_all)
multiprocessing.util.Finalize(None, _end_all, exitpriority=10)


def grade_job(job: GradeJob) -> dict[str, Any]:
    """Runs in a worker: grade one notebook from its bytes, return its result as data."""
    from ..kernel.bubblewrap import default_launcher
    from ..pipeline.expected import ReferenceExpected
    from ..pipeline.grade import grade_notebook
    global _expected
    if _expected is None:       # one per worker: the reference's answers are reused across notebooks
        _expected = ReferenceExpected()
    launcher = default_launcher()
    with tempfile.TemporaryDirectory(prefix='a2g-job-') as folder:
        path = Path(folder) / (Path(job.name).name or 'notebook.ipynb')
        path.write_bytes(job.notebook)
        result = grade_notebook(path, job.rubric, mode='grade', seed=job.seed, lateness=job.lateness,
                                manual=job.manual, wall_budget=job.wall_budget, expected=_expected,
                                launcher=launcher, session=_next_session(launcher), end_session=_end_later)
    result.notebook = job.name
    return {**result.to_dict(), '_scored_for': job.key}

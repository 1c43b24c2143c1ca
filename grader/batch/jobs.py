"""One notebook's grading job, as a worker process receives it, and the function that does it.

A job is self-contained data (the notebook, the rubric, the seed, the lateness and manual scores it is scored
with); its result comes back as ``SubmissionResult.to_dict()``. Workers never open the gradebook.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Lateness, ManualScore, Rubric


@dataclass(frozen=True)
class GradeJob:
    key: str                        # the student's key in the gradebook
    notebook: str                   # path of the working copy to grade
    rubric: Rubric
    seed: int                       # of the hidden inputs: stored with the result, reused when regrading
    lateness: Lateness | None = None
    manual: tuple[ManualScore, ...] = ()
    wall_budget: float = 300.0      # seconds for the whole notebook


_expected = None


def grade_job(job: GradeJob) -> dict[str, Any]:
    """Runs in a worker process: grade one notebook, return its result as data."""
    from ..pipeline.expected import ReferenceExpected
    from ..pipeline.grade import grade_notebook
    global _expected
    if _expected is None:       # one per worker: the reference's answers are reused across notebooks
        _expected = ReferenceExpected()
    result = grade_notebook(Path(job.notebook), job.rubric, mode='grade', seed=job.seed, lateness=job.lateness,
                            manual=job.manual, wall_budget=job.wall_budget, expected=_expected)
    return result.to_dict()

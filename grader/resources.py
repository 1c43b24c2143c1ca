"""Where the grader's data lives once installed: rubrics and the assignment's notebooks."""
from importlib import resources
from pathlib import Path

DEFAULT_RUBRIC = 'a2.yaml'


def rubric_file(name: str = DEFAULT_RUBRIC) -> Path:
    return Path(str(resources.files('grader.rubrics') / name))


def assignment_file(name: str) -> Path:
    return Path(str(resources.files('grader.assignment') / name))

"""Where the grader's data lives once installed: rubrics, the assignment's notebooks, and, in a student kit, the
precomputed public expected values and the data file that replace the reference solution."""
import os
from importlib import resources
from pathlib import Path

DEFAULT_RUBRIC = 'a2.yaml'
KIT_DATA = 'kit_data'
KIT_EXPECTED = 'public_expected.json'


def _data(package: str, folder: str) -> Path:
    """An installed grader has ``grader.rubrics``; a source checkout (tests run with ``python -m pytest`` import
    it from there) has the top-level folder it is built from."""
    try:
        return Path(str(resources.files(f'grader.{package}')))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / folder


def rubric_file(name: str = DEFAULT_RUBRIC) -> Path:
    return _data('rubrics', 'rubrics') / name


def assignment_file(name: str = 'A2.ipynb') -> Path:
    """The handout's notebooks (the starter students receive, the solution); not in a student kit."""
    return _data('assignment', 'submissions') / name


def kit_dir() -> Path:
    return Path(str(resources.files('grader'))) / KIT_DATA


def is_student_kit() -> bool:
    """A student kit carries expected values instead of the reference solution."""
    return (kit_dir() / KIT_EXPECTED).is_file()


def kit_support_files() -> list[Path]:
    return sorted(p for p in kit_dir().iterdir() if p.name != KIT_EXPECTED)


def cache_root() -> Path:
    """``$A2G_CACHE_DIR``, else ``~/.cache/a2grader``: the grader's own files (font list, kernel site folder),
    never a student's."""
    return Path(os.environ.get('A2G_CACHE_DIR') or Path.home() / '.cache' / 'a2grader')

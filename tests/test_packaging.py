"""The wheel a TA installs holds every room of the package, its templates and its data (issue 9); the student kit's
wheel holds none of the hidden checks (tests/kit/test_kit.py)."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from nbtools import REPO


@pytest.fixture(scope='module')
def wheel_names(tmp_path_factory):
    out = tmp_path_factory.mktemp('wheel')
    built = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--quiet', '--wheel-dir', str(out),
                            str(REPO)], capture_output=True, text=True, cwd=out)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = out.glob('a2_grader-*.whl')
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def test_every_subpackage_is_in_the_wheel(wheel_names):
    packages = sorted(p.parent.relative_to(REPO).as_posix() for p in (REPO / 'grader').rglob('__init__.py'))
    assert packages and 'grader/pipeline' in packages
    for package in packages + ['reference']:
        assert f'{package}/__init__.py' in wheel_names, package


def test_templates_rubrics_notebooks_and_data_are_in_the_wheel(wheel_names):
    expected = ['grader/rubrics/a2.yaml', 'grader/rubrics/rubric.schema.json', 'grader/assignment/A2.ipynb',
                'reference/data/auto-mpg.data']
    # every page template and static file of every room (report, review, ...)
    expected += [f.relative_to(REPO).as_posix() for folder in ('templates', 'static')
                 for d in (REPO / 'grader').rglob(folder) if d.is_dir() for f in d.rglob('*') if f.is_file()]
    assert any('/templates/' in name for name in expected)
    for name in expected:
        assert name in wheel_names, name
    assert not [n for n in wheel_names if n.startswith('tests/') or '__pycache__' in n]

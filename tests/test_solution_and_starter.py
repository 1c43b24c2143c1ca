"""The issue's bar: the solution gets every point, the starter gets 0 code with one clear message per item."""
import json
import subprocess
import sys

import pytest

from grader.pipeline.grade import grade_notebook
from nbtools import REPO, rubric_with

SOLUTION = REPO / 'submissions' / 'A2-solution.ipynb'
STARTER = REPO / 'submissions' / 'A2.ipynb'


@pytest.fixture(scope='module')
def solution():
    return grade_notebook(SOLUTION, rubric_with(), mode='grade', seed=20261126)


@pytest.fixture(scope='module')
def starter():
    return grade_notebook(STARTER, rubric_with(), mode='grade', seed=20261126)


def test_the_solution_gets_full_marks(solution):
    assert solution.status == 'graded'
    assert {it.id: it.status for it in solution.items if it.status != 'pass'} == {}
    t = solution.totals
    assert (t.code, t.discussion, t.extra_credit, t.late_penalty) == (70, 30, 5, 0)


def test_the_starter_gets_no_code_points_and_a_message_for_each_item(starter):
    assert starter.status == 'graded'
    assert starter.totals.code == 0 and starter.totals.extra_credit == 0
    for item in starter.items:
        if item.max_points:
            assert item.status == 'fail', (item.id, item.status, item.message)
            assert len(item.message) > 20, item.id


def test_grader_check_passes_the_solution_and_prints_json(tmp_path):
    done = subprocess.run([sys.executable, '-m', 'grader', 'check', str(SOLUTION), '--json'], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result['mode'] == 'self-check' and result['status'] == 'graded'
    assert set(result['totals']) == {'code', 'discussion', 'extra_credit', 'raw', 'late_penalty', 'final'}
    assert result['checks']['train_network']['status'] == 'skipped'          # hidden: never run by students
    assert result['checks']['adam'] == {**result['checks']['adam'], 'status': 'pass', 'points': 15.0,
                                        'max_points': 15.0}


def test_grader_check_fails_the_starter_with_a_table(tmp_path):
    done = subprocess.run([sys.executable, '-m', 'grader', 'check', str(STARTER)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert 'adam' in done.stdout and 'Code score from public checks: 0 / 70' in done.stdout
    assert 'train_network' in done.stdout and 'hidden' in done.stdout


def test_grader_check_on_a_missing_file_says_so(tmp_path):
    done = subprocess.run([sys.executable, '-m', 'grader', 'check', 'nope.ipynb'], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 2 and 'no such file' in done.stderr


def test_the_starter_carries_the_handouts_given_code():
    """The builder refuses a starter whose given code departs from the handout's (the error conversion for any
    number of outputs, sgd, the tanh passes, the weights' initialisation)."""
    import copy

    import nbformat
    sys.path.insert(0, str(REPO / 'submissions'))
    import build_notebooks as bn
    solution = nbformat.read(str(SOLUTION), as_version=4)
    bn.check_given_code(bn.derive_starter(solution))
    changed = copy.deepcopy(solution)
    for cell in changed.cells:
        cell.source = cell.source.replace('error_convert_f = lambda err: (np.sqrt(err) * self.Tstds)[0]',
                                          'error_convert_f = lambda err: np.sqrt(err)')
    with pytest.raises(ValueError, match='given line'):
        bn.derive_starter(changed)

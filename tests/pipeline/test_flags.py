"""Suspicious-code flags: raised for what a TA should look at, silent on ordinary A2 code, never points."""
import pytest

from grader.pipeline.flags import scan
from nbtools import REPO, grade_items, student_notebook


@pytest.mark.parametrize('source, words', [
    ('import subprocess\nsubprocess.run(["ls"])', 'imports subprocess'),
    ('import os\nos.system("rm -rf ~")', 'calls os.system'),
    ('import os\npid = os.fork()', 'calls os.fork'),
    ('import socket\ns = socket.socket()', 'imports socket'),
    ('from urllib.request import urlopen', 'network access'),
    ('text = open("../other-student/A2.ipynb").read()', 'outside the notebook'),
    ('open("/etc/passwd")', 'outside the notebook'),
    ('import sys\nsys.modules["numpy"] = None', 'changes sys.modules'),
    ('import builtins\nbuiltins.print = lambda *a: None', 'changes builtins'),
    ('import numpy as np\nnp.allclose = lambda *a, **k: True', 'changes np'),
    ('np.testing.assert_allclose = print', 'changes np.testing'),
    ('import reference', 'imports the grader or the reference'),
    ('from grader.checks import adam', 'imports the grader or the reference'),
    ('m = __import__("refer" + "ence")', 'code built at run time'),
    ('import ctypes\nctypes.string_at(0)', 'imports ctypes'),
])
def test_suspicious_code_is_flagged(source, words):
    flags = scan([(4, source)])
    assert any(words in f for f in flags), flags
    assert all(f.startswith('cell 5:') for f in flags)


def test_the_solution_and_ordinary_student_code_raise_no_flag():
    import nbformat
    nb = nbformat.read(REPO / 'submissions' / 'A2-solution.ipynb', 4)
    cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == 'code']
    ordinary = [(90, '!curl -O https://example.org/auto-mpg.data\n%run -i A2grader.py\nimport os\n'
                     'df = pandas.read_csv("auto-mpg.data")\nwith open("results.txt", "w") as f:\n    f.write("x")\n'
                     'np.random.seed(42)\nX[X < 0] = 0')]
    assert scan(cells + ordinary) == []


def test_flags_reach_the_result_and_cost_no_points(tmp_path):
    path = student_notebook(tmp_path, append_code=['import numpy as np\nnp.isclose = lambda *a, **k: True'])
    scores, result = grade_items(path, 'adam')
    assert scores['adam'].points == 15
    assert any('changes np' in f for f in result.flags)
    assert result.to_dict()['flags'] == result.flags

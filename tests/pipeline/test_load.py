"""Reading submitted files: every rejection has a status and says what to do; defects that leave cells readable
are tolerated with a note."""
import hashlib
import json
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.pipeline.load import NotebookError, load_notebook


def write_notebook(tmp_path, cells, name='Student-A2.ipynb'):
    path = tmp_path / name
    nbformat.write(new_notebook(cells=cells), path)
    return path


def rejection(path):
    with pytest.raises(NotebookError) as caught:
        load_notebook(path)
    return caught.value


def test_a_good_notebook_loads(tmp_path):
    path = write_notebook(tmp_path, [new_code_cell('import numpy as np\nnp.zeros(3)'),
                                     new_markdown_cell('Some text')])
    loaded = load_notebook(path)
    assert loaded.nbformat_version == '4.5'
    assert loaded.n_cells == 2
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [c.source for c in loaded.chunks] == ['import numpy as np']
    assert set(loaded.answers) == {'best_result', 'plots', 'observations', 'swish_discussion'}
    assert loaded.problems == () and loaded.notes == ()


def test_missing_file(tmp_path):
    error = rejection(tmp_path / 'Nobody-A2.ipynb')
    assert error.status == 'not-a-notebook' and 'not found' in error.message


@pytest.mark.parametrize('content', [b'', b'  \n\t\n'])
def test_empty_file(tmp_path, content):
    path = tmp_path / 'Empty-A2.ipynb'
    path.write_bytes(content)
    error = rejection(path)
    assert error.status == 'empty'
    assert 'Empty-A2.ipynb is empty' in error.message and 'submit' in error.message


def test_notebook_without_cells_is_empty(tmp_path):
    error = rejection(write_notebook(tmp_path, []))
    assert error.status == 'empty' and 'no cells' in error.message


def test_truncated_json_reports_line_and_column(tmp_path):
    path = write_notebook(tmp_path, [new_code_cell('x = 1')])
    path.write_text(path.read_text()[:-40])
    error = rejection(path)
    assert error.status == 'invalid-notebook'
    assert 'not valid JSON' in error.message and 'line ' in error.message and 'column ' in error.message


@pytest.mark.parametrize('payload, kind', [([1, 2], 'a list'), ({'name': 'x'}, 'without "cells"'),
                                           ('"text"', 'a string')])
def test_json_that_is_not_a_notebook(tmp_path, payload, kind):
    path = tmp_path / 'Odd-A2.ipynb'
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    error = rejection(path)
    assert error.status == 'not-a-notebook' and kind in error.message and '.ipynb' in error.message


def test_python_script(tmp_path):
    path = tmp_path / 'Student-A2.py'
    path.write_text('import numpy as np\n\ndef f():\n    return 1\n')
    error = rejection(path)
    assert error.status == 'not-a-notebook' and 'Python script' in error.message and '.ipynb' in error.message


def test_python_script_renamed_to_ipynb(tmp_path):
    path = tmp_path / 'Student-A2.ipynb'
    path.write_text('# %%\nimport numpy as np\n')
    assert 'Python script' in rejection(path).message


@pytest.mark.parametrize('content, kind', [(b'%PDF-1.7\n\xff\xfe\x00\x01', 'PDF'),
                                           (b'\x00\x01\xfe\xff\x80binary', 'not a text file')])
def test_undecodable_bytes(tmp_path, content, kind):
    path = tmp_path / 'Student-A2.ipynb'
    path.write_bytes(content)
    error = rejection(path)
    assert error.status == 'not-a-notebook' and kind in error.message


def test_stray_byte_inside_notebook_json_is_tolerated(tmp_path):
    path = write_notebook(tmp_path, [new_markdown_cell('caf\u00e9'), new_code_cell('def f(): pass')])
    path.write_bytes(path.read_bytes().replace('\u00e9'.encode(), b'\xe9'))
    loaded = load_notebook(path)
    assert [c.defines for c in loaded.chunks] == [('f',)]
    assert any('UTF-8' in note for note in loaded.notes)


def test_utf8_bom_is_accepted(tmp_path):
    path = write_notebook(tmp_path, [new_code_cell('def f(): pass')])
    path.write_bytes(b'\xef\xbb\xbf' + path.read_bytes())
    assert load_notebook(path).chunks[0].defines == ('f',)


def test_nbformat_v3_notebook_loads_and_reports_its_version(tmp_path):
    v3 = nbformat.v3
    nb = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[
        v3.new_code_cell(input='import numpy as np\ndef f(x):\n    return np.tanh(x)'),
        v3.new_heading_cell('Discussion', level=2),
        v3.new_text_cell('markdown', source='Describe at least three different observations you make about'
                                            ' these plots.\n\n1. They go down.')])])
    path = tmp_path / 'Old-A2.ipynb'
    path.write_text(v3.nbjson.writes(nb))
    loaded = load_notebook(path)
    assert loaded.nbformat_version == '3.0'
    assert [c.defines for c in loaded.chunks] == [('np',), ('f',)]
    assert loaded.answers['observations'].text == '1. They go down.'


def test_schema_violation_is_tolerated_with_a_note(tmp_path):
    path = write_notebook(tmp_path, [new_code_cell('def f(): pass')])
    nb = json.loads(path.read_text())
    nb['cells'][0]['execution_count'] = 'seven'
    del nb['metadata']
    path.write_text(json.dumps(nb))
    loaded = load_notebook(path)
    assert loaded.chunks[0].defines == ('f',)
    assert any('nbformat schema' in note and 'graded anyway' in note for note in loaded.notes)


def test_unreadable_cells_are_dropped_with_a_note(tmp_path):
    path = write_notebook(tmp_path, [new_code_cell('def f(): pass')])
    nb = json.loads(path.read_text())
    nb['cells'] += ['not a cell', {'cell_type': 'code'}, {'cell_type': 'code', 'source': ['def g():', ' pass']}]
    path.write_text(json.dumps(nb))
    loaded = load_notebook(path)
    assert [c.defines for c in loaded.chunks] == [('f',), ('g',)]
    assert any('2 of 4 cells' in note for note in loaded.notes)


def test_no_readable_cell_is_an_invalid_notebook(tmp_path):
    path = tmp_path / 'Broken-A2.ipynb'
    path.write_text(json.dumps({'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': [1, 'x', {}]}))
    error = rejection(path)
    assert error.status == 'invalid-notebook' and 'none of its 3 cells' in error.message


def test_cells_that_are_not_a_list(tmp_path):
    path = tmp_path / 'Broken-A2.ipynb'
    path.write_text(json.dumps({'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': 'oops'}))
    assert rejection(path).status == 'invalid-notebook'


def test_missing_version_is_read_as_v4_with_a_note(tmp_path):
    path = tmp_path / 'Hand-A2.ipynb'
    path.write_text(json.dumps({'cells': [{'cell_type': 'code', 'source': 'def f(): pass', 'metadata': {},
                                           'outputs': [], 'execution_count': None}], 'metadata': {}}))
    loaded = load_notebook(path)
    assert loaded.chunks[0].defines == ('f',)
    assert any('version' in note for note in loaded.notes)


def test_very_large_outputs_load_and_are_not_kept(tmp_path):
    image = 'iVBORw0KGgo' + 'A' * (10 * 1024 * 1024)
    path = write_notebook(tmp_path, [
        new_markdown_cell('Plot the RMSE values for training, validation and test sets versus the combined'
                          ' parameter values of number of epochs and network architecture.'),
        new_code_cell('plt.plot(x)', outputs=[new_output('display_data', data={'image/png': image}),
                                              new_output('stream', name='stdout', text='y' * 3_000_000)])])
    start = time.perf_counter()
    loaded = load_notebook(path)
    assert time.perf_counter() - start < 5   # about 0.5 s on an idle machine
    plots = loaded.answers['plots']
    assert plots.has_image and len(plots.output_text) <= 2000
    assert max(len(repr(v)) for v in vars(loaded).values()) < 10_000

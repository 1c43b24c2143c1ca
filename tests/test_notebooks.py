"""The assignment's notebooks: the starter students receive and the instructor's solution it is derived from."""
from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SUBMISSIONS = REPO / 'submissions'
SOLUTION = SUBMISSIONS / 'A2-solution.ipynb'
STARTER = SUBMISSIONS / 'A2.ipynb'


def _load_build():
    spec = importlib.util.spec_from_file_location('a2_build_notebooks', SUBMISSIONS / 'build_notebooks.py')
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module    # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bn = _load_build()


def _read(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    return nb


def _squash(text: str) -> str:
    return re.sub(r'\s+', ' ', text).strip()


def _markdown(nb) -> str:
    return _squash('\n'.join(c.source for c in nb.cells if c.cell_type == 'markdown'))


def _defined_names(nb) -> set[str]:
    names = set()
    for cell in nb.cells:
        if cell.cell_type != 'code':
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def _class_methods(nb, class_name: str) -> list[set[str]]:
    """Methods of each definition of ``class_name``, in notebook order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == 'code':
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.ClassDef) and node.name == class_name:
                    found.append({n.name for n in node.body if isinstance(n, ast.FunctionDef)})
    return found


def _cell_index(nb, sentence: str) -> int:
    target = _squash(sentence)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == 'markdown' and target in _squash(c.source))


# ---------------------------------------------------------------------------------------------- starter
@pytest.fixture(scope='module')
def starter():
    return _read(STARTER)


@pytest.fixture(scope='module')
def solution():
    return _read(SOLUTION)


def test_starter_is_valid_nbformat_4(starter):
    assert starter.nbformat == 4
    assert starter.metadata['kernelspec']['name'] == 'python3'


@pytest.mark.parametrize('sentence', [s for sentences in bn.PROMPTS.values() for s in sentences])
def test_both_notebooks_keep_every_prompt_sentence(starter, solution, sentence):
    assert _squash(sentence) in _markdown(starter)
    assert _squash(sentence) in _markdown(solution)


def test_starter_defines_the_graded_names(starter):
    assert set(bn.DEFINED_NAMES) <= _defined_names(starter)
    tanh_class, relu_class = _class_methods(starter, 'NeuralNetwork')
    assert {'train', 'forward_pass', 'error_f', 'gradient_f', 'use'} <= tanh_class
    assert {'use', 'relu', 'grad_relu'} <= relu_class
    assert {'sgd', 'adam'} <= _class_methods(starter, 'Optimizers')[0]


def test_starter_has_no_outputs_and_no_solution(starter):
    for cell in starter.cells:
        if cell.cell_type == 'code':
            assert cell.outputs == [] and cell.execution_count is None, cell.id
        assert 'BEGIN SOLUTION' not in cell.source and 'END SOLUTION' not in cell.source, cell.id
        assert not cell.metadata.get('a2', {}).get('solution'), cell.id
    answers = [c for c in starter.cells if 'answer' in c.metadata.get('a2', {})]
    assert {c.metadata['a2']['answer'] for c in answers} == {'best_result', 'observations', 'swish_discussion'}
    assert all(c.source == bn.ANSWER_PLACEHOLDER for c in answers)


def test_starter_keeps_the_given_code(starter):
    code = '\n'.join(c.source for c in starter.cells if c.cell_type == 'code')
    assert 'np.hstack([np.random.uniform(size=shape).flat / np.sqrt(shape[0]) for shape in shapes])' in code
    assert "os.environ.get('A2_QUICK')" in code
    assert 'self.all_weights -= learning_rate * grad' in code        # sgd is given
    assert 'self.all_weights -= alpha' not in code                   # adam's update is not
    assert "read_csv('auto-mpg.data'" in code
    assert not re.search(r'https?://|curl|wget', code)
    assert '%run' not in code and 'A2grader' not in code


def test_committed_starter_is_derived_from_committed_solution(starter, solution):
    assert nbformat.writes(bn.derive_starter(solution)) == nbformat.writes(starter)


def test_stub_rule():
    src = ('def f(x):\n    """doc"""\n    ### BEGIN SOLUTION\n    y = x\n    return y\n    ### END SOLUTION\n\n'
           'for i in range(3):\n    a = i\n    ### BEGIN SOLUTION\n    a += 1\n    ### END SOLUTION\n    print(a)')
    out = bn.strip_solution(src)
    assert out == ('def f(x):\n    """doc"""\n    # ... your code here\n    raise NotImplementedError()\n\n'
                   'for i in range(3):\n    a = i\n    # ... your code here\n    pass\n    print(a)')
    with pytest.raises(ValueError):
        bn.strip_solution('### BEGIN SOLUTION\nx = 1\n')


# ---------------------------------------------------------------------------------------------- solution
def test_committed_solution_has_real_outputs(solution):
    outputs = [o for c in solution.cells if c.cell_type == 'code' for o in c.outputs]
    assert not [o for o in outputs if o.output_type == 'error']
    tables = [o for o in outputs if 'text/html' in o.get('data', {}) and '<table' in o['data']['text/html']]
    images = [o for o in outputs if 'image/png' in o.get('data', {})]
    assert len(tables) >= 2 and len(images) >= 2
    text = ''.join(o.get('text', '') for o in outputs)
    assert 'adam: w = [5.03900403]' in text
    assert printed(text, 'Final RMSE') == pytest.approx(4.541972554248623, rel=1e-9)
    # The full grid, not the A2_QUICK one, was committed.
    grid = next(c for c in solution.cells if c.get('id') == 'grid')
    assert '2000' in grid.outputs[0]['data']['text/plain']


def printed(text: str, label: str) -> float:
    """The number printed after ``label`` (e.g. 'Final RMSE 4.54...')."""
    return float(re.search(rf'^{re.escape(label)} ([-+0-9.eE]+)$', text, re.M)[1])


def test_solution_answers_are_written(solution):
    answers = {c.metadata['a2']['answer']: c.source for c in solution.cells
               if c.cell_type == 'markdown' and c.metadata.get('a2', {}).get('solution')}
    assert set(answers) == {'best_result', 'observations', 'swish_discussion'}
    for text in answers.values():
        assert len(text.split()) >= 30
    assert all(re.search(rf'^{n}\. ', answers['observations'], re.M) for n in (1, 2, 3))


def test_solution_executes_top_to_bottom_quickly(solution, tmp_path):
    """A2_QUICK=1: the tiny grid. nbclient raises on the first cell error."""
    executed = bn.execute(solution, quick=True, timeout=120, workdir=tmp_path)
    outputs = [o for c in executed.cells if c.cell_type == 'code' for o in c.outputs]
    assert not [o for o in outputs if o.output_type == 'error']
    text = ''.join(o.get('text', '') for o in outputs)
    # the last digits depend on the BLAS build and the NumPy version: compared with a tolerance, never as text
    assert printed(text, 'Final RMSE') == pytest.approx(4.541972554248623, rel=1e-9)
    assert printed(text, 'Final RMSE with relu') == pytest.approx(5.735680490204079, rel=1e-9)
    assert 'X (392, 7)  T (392, 1)' in text
    # The plotting section: from the plots prompt to the observations prompt.
    start = _cell_index(executed, bn.PROMPTS['plots'][0])
    stop = _cell_index(executed, bn.PROMPTS['observations'][0])
    images = [o for c in executed.cells[start:stop] if c.cell_type == 'code' for o in c.outputs
              if 'image/png' in o.get('data', {})]
    assert len(images) == 2
    grid = next(c for c in executed.cells if c.get('id') == 'grid')
    assert 'data' in grid.outputs[0] and '2000' not in grid.outputs[0]['data']['text/plain']

"""Selection of the top-level definitions to execute: what real notebooks contain must neither break nor run."""
from grader.pipeline.extract import select_definitions


def select(*sources):
    chunks, problems = select_definitions(list(enumerate(sources)))
    return chunks, problems


def sources(chunks):
    return [c.source for c in chunks]


def defined(chunks):
    return [name for c in chunks for name in c.defines]


def test_magics_and_shell_lines_do_not_break_selection():
    chunks, problems = select(
        '%matplotlib inline\nimport numpy as np\n!ls -l\nfiles = !ls',
        '%run -i A2grader.py',
        'np.zeros?\n??np.ones',
        '%%time\ndef timed():\n    return 1\ntimed()',
        '%%writefile notes.txt\nthis is not python at all (\n',
    )
    assert problems == []
    assert sources(chunks) == ['import numpy as np', 'def timed():\n    return 1']


def test_syntax_error_cell_is_reported_and_other_cells_still_selected():
    chunks, problems = select('import numpy as np', 'def broken(:\n    pass', 'def fine():\n    return 2')
    assert defined(chunks) == ['np', 'fine']
    assert len(problems) == 1
    problem = problems[0]
    assert problem.cell_index == 1
    assert 'cell 2' in problem.message and 'line 1' in problem.message and 'skipped' in problem.message
    assert 'def broken(:' in problem.message     # students do not see cell numbers: quote its first line


def test_leftover_placeholder_is_named():
    chunks, problems = select('class Optimizers:\n    def adam(self):\n        . . .\n', 'def ok(): pass')
    assert defined(chunks) == ['ok']
    assert 'line 3' in problems[0].message and '`. . .` placeholder' in problems[0].message
    assert 'syntax error' in problems[0].message


def test_line_numbers_count_the_cell_magic_line():
    _, problems = select('%%time\nx = 1\n  y = 2\n')
    assert 'line 3: syntax error, unexpected indent: `y = 2`' in problems[0].message


def test_class_defined_twice_gives_two_chunks_in_notebook_order():
    chunks, _ = select('class NeuralNetwork:\n    version = 1', 'x = 5', 'class NeuralNetwork:\n    version = 2')
    assert [(c.cell_index, c.defines) for c in chunks] == [(0, ('NeuralNetwork',)), (2, ('NeuralNetwork',))]
    assert 'version = 2' in chunks[1].source


def test_experiments_loops_prints_and_plots_are_not_selected():
    chunks, problems = select(
        'def run_experiment(X, T):\n    return X',
        'result = run_experiment(X, T)\nrun_experiment(X, T)\nprint(result)',
        'for i in range(10):\n    print(i)\nwhile True:\n    pass',
        'plt.figure()\nplt.plot([1, 2])\nplt.show()',
        'with open("f") as f:\n    data = f.read()',
        'if __name__ == "__main__":\n    run_experiment(1, 2)',
        'if True:\n    def hidden(): pass',
    )
    assert problems == []
    assert defined(chunks) == ['run_experiment']


def test_assignment_used_by_a_function_is_selected_others_are_not():
    chunks, _ = select(
        'import pandas\nEPS = 1e-8\ndf = pandas.read_csv("auto-mpg.data")\nresult = run_experiment(X)',
        'def adam(g, v):\n    return g / (v ** 0.5 + EPS)',
    )
    assert sources(chunks) == ['import pandas', 'EPS = 1e-8', 'def adam(g, v):\n    return g / (v ** 0.5 + EPS)']


def test_needed_assignments_are_followed_transitively_and_in_definition_time_code():
    chunks, _ = select('BASE = 1e-8\nEPS = BASE * 10\nLR: float = 0.01\nSTEPS = 1\nSTEPS += 1\nunused = 3',
                       'def f(lr=LR):\n    return EPS * STEPS')
    assert sources(chunks) == ['BASE = 1e-8', 'EPS = BASE * 10', 'LR: float = 0.01', 'STEPS = 1', 'STEPS += 1',
                               'def f(lr=LR):\n    return EPS * STEPS']


def test_parameters_and_locals_do_not_pull_in_top_level_data():
    # `use` takes X as an argument: the notebook's X (and the file read behind it) must not be selected.
    chunks, _ = select('data = load("auto-mpg.data")\nX = data[:, 1:]',
                       'class NeuralNetwork:\n    def use(self, X):\n        Y = X * 2\n        return Y')
    assert defined(chunks) == ['NeuralNetwork']


def test_attribute_assignment_to_a_kept_class_is_selected():
    chunks, _ = select('class NeuralNetwork:\n    pass',
                       'def relu(s):\n    return s * (s > 0)\nNeuralNetwork.relu = relu\nother.attr = 1')
    assert sources(chunks)[-1] == 'NeuralNetwork.relu = relu'
    assert len(chunks) == 3


def test_assignment_calling_notebook_code_is_never_selected():
    # Even when referenced: calling the notebook's own functions is how experiments run.
    chunks, _ = select('def run_experiment(): return 1\nclass NeuralNetwork: pass',
                       'results = run_experiment()\nnnet = NeuralNetwork()',
                       'def report():\n    return results, nnet')
    assert defined(chunks) == ['run_experiment', 'NeuralNetwork', 'report']


def test_import_forms_are_selected_and_the_course_grader_is_not():
    chunks, _ = select('from x import y\nimport numpy as np\nimport os.path\nfrom . import z',
                       'import A2grader\nfrom A2grader import *\nimport a2_grader, sys')
    assert [(c.source, c.defines) for c in chunks] == [
        ('from x import y', ('y',)), ('import numpy as np', ('np',)), ('import os.path', ('os',)),
        ('from . import z', ('z',)), ('import sys', ('sys',))]


def test_try_block_of_imports_is_kept_without_its_installs():
    chunks, _ = select('try:\n    import torch\nexcept ImportError:\n    !pip install torch\n    torch = None')
    assert len(chunks) == 1 and chunks[0].defines == ('torch',)
    assert 'pip' not in chunks[0].source and 'torch = None' in chunks[0].source
    compile(chunks[0].source, '<chunk>', 'exec')


def test_decorated_functions_keep_their_decorators():
    chunks, _ = select('import functools\n\n@functools.lru_cache(maxsize=None)\n@staticmethod\ndef f(x):\n'
                       '    return x\n\nf(3)')
    assert chunks[1].source == '@functools.lru_cache(maxsize=None)\n@staticmethod\ndef f(x):\n    return x'
    assert chunks[1].defines == ('f',)


def test_async_def_and_statements_sharing_a_line():
    chunks, _ = select('import os; import sys; print(1)\nasync def fetch():\n    return 1')
    assert sources(chunks) == ['import os', 'import sys', 'async def fetch():\n    return 1']


def test_every_chunk_compiles_on_its_own():
    chunks, _ = select('%matplotlib inline\nimport numpy as np\nW = np.zeros(3)\n'
                       'class Net:\n    def f(self):\n        return W\n!echo done')
    for chunk in chunks:
        compile(chunk.source, '<chunk>', 'exec')
    assert defined(chunks) == ['np', 'W', 'Net']


def test_empty_and_null_byte_cells():
    chunks, problems = select('', '   \n', 'x = "\x00"', 'def f(): pass')
    assert defined(chunks) == ['f']
    assert [p.cell_index for p in problems] == [2]


# ---------------------------------------------------------------- roots: only what the graded names need
def _selected(cells, roots):
    from grader.pipeline.extract import select_definitions
    chunks, _ = select_definitions(list(enumerate(cells)), roots)
    return [c.source.splitlines()[0] for c in chunks]


def test_roots_keep_what_the_graded_names_need_and_drop_the_rest():
    cells = ['import numpy as np\nimport matplotlib.pyplot as plt\nfrom helpers import *',
             'EPS = 1e-8\nUNUSED = 3',
             'def helper(s):\n    return np.maximum(s, EPS)',
             'class NeuralNetwork:\n    def relu(self, s):\n        return helper(s)',
             'def grad_relu(s):\n    return (s > 0) * 1.0',
             'NeuralNetwork.grad_relu = staticmethod(grad_relu)',
             'def plot_rmses(results):\n    plt.plot(results)']
    kept = _selected(cells, {'NeuralNetwork'})
    assert kept == ['import numpy as np', 'from helpers import *', 'EPS = 1e-8', 'def helper(s):',
                    'class NeuralNetwork:', 'def grad_relu(s):', 'NeuralNetwork.grad_relu = staticmethod(grad_relu)']


def test_a_graded_function_that_plots_keeps_its_import():
    cells = ['import matplotlib.pyplot as plt', 'def run_experiment(X):\n    plt.plot(X)\n    return X']
    assert _selected(cells, {'run_experiment'}) == ['import matplotlib.pyplot as plt', 'def run_experiment(X):']


def test_without_roots_every_import_and_definition_is_kept():
    cells = ['import matplotlib.pyplot as plt', 'def plot(x):\n    plt.plot(x)']
    assert _selected(cells, None) == ['import matplotlib.pyplot as plt', 'def plot(x):']

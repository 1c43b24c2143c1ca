"""Student notebooks built from the handout (submissions/A2.ipynb, the starter) filled in as students really do:
the given code kept, NeuralNetwork pasted two or three times, run_experiment defined twice, answers typed into the
prompt's cell or above the next prompt, merged and split markdown cells, plots saved above the plotting prompt, data
loaded by !curl, from a URL or from a file the grader does not have, the column names students use, and the
mistakes students make (README, "Seed-invariant grades, given code, answers").

``FIXTURES`` maps a name to a ``Fixture``: how to build the notebook and the faults the grader must find (fault id
-> count), each charged in the item its id names. Every substitution is asserted to match the starter exactly, so a
changed handout fails loudly instead of silently testing something else.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell, new_output

REPO = Path(__file__).resolve().parents[1]
STARTER = REPO / 'submissions' / 'A2.ipynb'
PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

# ---------------------------------------------------------------- the stubs of the handout, as they read
ADAM_STUB = '            # ... your code here\n            pass\n'
USE_DOC = "        '''X in original units. Returns the network's outputs in the target's original units.'''\n"
USE_STUB = USE_DOC + "        # ... your code here\n        raise NotImplementedError()"
RELU_STUB = ("        '''ReLU of s, in a new array (s itself is left unchanged).'''\n"
             "        # ... your code here\n        raise NotImplementedError()\n")
GRAD_RELU_STUB = ("        It is 0 where s is 0, as in lecture, so units that output 0 pass no gradient back.'''\n"
                  "        # ... your code here\n        raise NotImplementedError()\n")
SWISH_METHODS_STUB = '    # Extra credit: methods swish(s) and grad_swish(s).\n    # ... your code here\n    pass\n'
SWISH_FORWARD_STUB = ('        # Extra credit: swish.\n        # ... your code here\n        pass\n'
                      '        return np.tanh(S)')
SWISH_BACKWARD_STUB = ('        # Extra credit: swish.\n        # ... your code here\n        pass\n'
                       '        return 1 - self.Ys[layeri] ** 2')
PARTITION_STUB = "    Returns Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest.'''\n    # ... your code here\n" \
                 "    raise NotImplementedError()"
RUN_STUB = ("    partition of X and T, and returns a DataFrame with one row of RMSEs per combination.'''\n"
            "    # ... your code here\n    raise NotImplementedError()")
DERIVATIVE = 'return self.grad_relu(self.Ys[layeri])'

# ---------------------------------------------------------------- what students write
ADAM = '''            self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
            self.vt = self.beta2 * self.vt + (1 - self.beta2) * np.square(grad)
            self.beta1t *= self.beta1
            self.beta2t *= self.beta2
            mhat = self.mt / (1 - self.beta1t)
            vhat = self.vt / (1 - self.beta2t)
            self.all_weights -= alpha * mhat / (np.sqrt(vhat) + epsilon)
'''
ADAM_NO_BIAS = '''            self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
            self.vt = self.beta2 * self.vt + (1 - self.beta2) * grad ** 2
            self.all_weights -= alpha * self.mt / (np.sqrt(self.vt) + epsilon)
'''
ADAM_LR_SCALED = '''            g = alpha * grad
            self.mt = self.beta1 * self.mt + (1 - self.beta1) * g
            self.vt = self.beta2 * self.vt + (1 - self.beta2) * g * g
            self.beta1t = self.beta1t * self.beta1
            self.beta2t = self.beta2t * self.beta2
            m_hat = self.mt / (1 - self.beta1t)
            v_hat = self.vt / (1 - self.beta2t)
            self.all_weights -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)
'''
ADAM_STEP_COUNTER = '''            self.t = getattr(self, 't', 0) + 1
            self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
            self.vt = self.beta2 * self.vt + (1 - self.beta2) * grad * grad
            m_hat = self.mt / (1 - self.beta1 ** self.t)
            v_hat = self.vt / (1 - self.beta2 ** self.t)
            self.all_weights[:] = self.all_weights - alpha * m_hat / (np.sqrt(v_hat) + epsilon)
'''
USE = '''        Xs = (X - self.Xmeans) / self.Xstds
        Ys = self.forward_pass(Xs)
        return Ys[-1] * self.Tstds + self.Tmeans
'''
USE_STANDARDIZED = '''        X = (X - self.Xmeans) / self.Xstds
        return self.forward_pass(X)[-1]
'''
USE_GLOBAL_T = '''        X = (X - self.Xmeans) / self.Xstds
        Y = self.forward_pass(X)[-1]
        return Y * T.std(axis=0) + T.mean(axis=0)
'''
RELU = "        return np.maximum(s, 0)\n"
RELU_MASK = "        return s * (s > 0)\n"
RELU_IN_PLACE = "        s[s < 0] = 0\n        return s\n"
GRAD_RELU = "        return (s > 0).astype(float)\n"
GRAD_RELU_WHERE = "        return np.where(s > 0, 1.0, 0.0)\n"
GRAD_RELU_HEAVISIDE = "        return np.heaviside(s, 1)\n"
SWISH_METHODS = '''    def swish(self, s):
        return s / (1 + np.exp(-s))

    def grad_swish(self, s):
        sig = 1 / (1 + np.exp(-s))
        return sig + s * sig * (1 - sig)

'''
SWISH_FORWARD = ("        if self.activation_function == 'swish':\n            return self.swish(S)\n"
                 "        return np.tanh(S)")
SWISH_BACKWARD = ("        if self.activation_function == 'swish':\n"
                  "            return self.grad_swish(self.Ss[layeri - 1])\n"
                  "        return 1 - self.Ys[layeri] ** 2")
# np.vectorize over math.exp gives the right values; the derivative is then taken from the layer outputs.
SWISH_VECTORIZE_METHODS = '''    def swish(self, s):
        sigmoid = np.vectorize(lambda x: 1 / (1 + math.exp(-x)))
        return s * sigmoid(s)

    def grad_swish(self, y):
        sigmoid = np.vectorize(lambda x: 1 / (1 + math.exp(-x)))
        return sigmoid(y) + y * sigmoid(y) * (1 - sigmoid(y))

'''
SWISH_OUTPUTS_BACKWARD = ("        if self.activation_function == 'swish':\n"
                          "            return self.grad_swish(self.Ys[layeri])\n"
                          "        return 1 - self.Ys[layeri] ** 2")
PARTITION = '''    n = X.shape[0]
    rows = np.arange(n)
    if random_shuffle:
        np.random.shuffle(rows)
    X = X[rows, :]
    T = T[rows, :]
    fold = n // n_folds
    Xvalidate, Tvalidate = X[:fold], T[:fold]
    Xtest, Ttest = X[fold:2 * fold], T[fold:2 * fold]
    Xtrain, Ttrain = X[2 * fold:], T[2 * fold:]
    return Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest'''
PARTITION_PERMUTATION = PARTITION.replace('    rows = np.arange(n)\n    if random_shuffle:\n'
                                          '        np.random.shuffle(rows)\n',
                                          '    rows = np.random.permutation(n) if random_shuffle else np.arange(n)\n')
PARTITION_SEED_INSIDE = PARTITION.replace('        np.random.shuffle(rows)',
                                          '        np.random.seed(42)\n        np.random.shuffle(rows)')
PARTITION_ALWAYS_SHUFFLES = PARTITION.replace('    if random_shuffle:\n        np.random.shuffle(rows)',
                                              '    np.random.shuffle(rows)')
PARTITION_ARRAY_SPLIT = '''    if random_shuffle:
        rows = np.random.permutation(X.shape[0])
        X, T = X[rows], T[rows]
    Xfolds = np.array_split(X, n_folds)
    Tfolds = np.array_split(T, n_folds)
    return (np.vstack(Xfolds[2:]), np.vstack(Tfolds[2:]), Xfolds[0], Tfolds[0], Xfolds[1], Tfolds[1])'''
RUN_EXPERIMENT = '''    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = partition(X, T, n_folds)
    rows = []
    for n_epochs in n_epochs_choices:
        for nh in n_hidden_units_per_layer_choices:
            for af in activation_function_choices:
                nnet = NeuralNetwork(X.shape[1], nh, T.shape[1], af)
                with contextlib.redirect_stdout(io.StringIO()):
                    nnet.train(Xtrain, Ttrain, n_epochs, 0.01, method='adam')
                rows.append([n_epochs, nh, 0.01, af, rmse(nnet.use(Xtrain), Ttrain), rmse(nnet.use(Xval), Tval),
                             rmse(nnet.use(Xtest), Ttest)])
    return pd.DataFrame(rows, columns=['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test'])'''
# Columns as students name them; the learning rate left out of the table.
RUN_STUDENT_COLUMNS = RUN_EXPERIMENT.replace(
    "rows.append([n_epochs, nh, 0.01, af,", "rows.append([n_epochs, nh, af,").replace(
    "columns=['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test']",
    "columns=['n_epochs', 'layers', 'af', 'RMSE Train', 'RMSE Val', 'RMSE Test']")
RUN_FOLDS_3 = RUN_EXPERIMENT.replace('partition(X, T, n_folds)', 'partition(X, T, 3)')
RUN_START_STOP = RUN_EXPERIMENT.replace('    for n_epochs in n_epochs_choices:\n',
                                        '    start, stop = n_epochs_choices\n    for n_epochs in (start, stop):\n')
RUN_SGD_REBUILT = RUN_EXPERIMENT.replace("method='adam'", "method='sgd'").replace(
    '    rows = []\n', '').replace('                rows.append(', '                rows = [').replace(
    'rmse(nnet.use(Xtest), Ttest)])', 'rmse(nnet.use(Xtest), Ttest)]]')
RUN_DRAFT = '''def run_experiment(X, T, n_folds, n_epochs_choices, n_hidden_units_per_layer_choices,
                   activation_function_choices):
    # first try, replaced below
    Xtrain, Ttrain, Xval, Tval, Xtest, Ttest = partition(X, T, 5)
    nnet = NeuralNetwork(X.shape[1], n_hidden_units_per_layer_choices[0], 1)
    nnet.train(Xtrain, Ttrain, n_epochs_choices[0], 0.01, 'adam')
    return rmse(nnet.use(Xtest), Ttest)'''
CURL_DATA = '''!curl -O https://archive.ics.uci.edu/ml/machine-learning-databases/auto-mpg/auto-mpg.data
df = pd.read_csv('https://archive.ics.uci.edu/ml/machine-learning-databases/auto-mpg/auto-mpg.data',
                 header=None, sep=r'\\s+', na_values='?')
df = df.dropna()
X = df.iloc[:, 1:8].to_numpy(dtype=float)
T = df.iloc[:, :1].to_numpy(dtype=float)'''
MISSING_FILE_DATA = '''df = pd.read_csv('/Users/student/Downloads/auto-mpg.data', header=None, delim_whitespace=True,
                 na_values='?').dropna()
X = df.iloc[:, 1:8].values
T = df.iloc[:, 0:1].values'''

BEST_ANSWER = ('The lowest RMSE Val is 2.41 for 1000 epochs, nh [10] and tanh; its RMSE Test is 2.77 mpg. That is '
               'a good prediction: mpg ranges from 9 to 46.6 with a standard deviation of 7.8, so the network is off '
               'by about a third of what guessing the mean would be, though some cars are off by much more.')
OBSERVATIONS = ('1. The linear model (nh [0]) has the same RMSE for every number of epochs and both activations.\n'
                '2. Bigger networks reach lower training RMSE with more epochs while validation RMSE rises again.\n'
                '3. relu networks overfit a little less than tanh networks of the same size in these runs.')
TABLE = [(500, [0], 3.31, 3.35, 3.12), (500, [10], 2.22, 2.41, 2.77), (1000, [10], 1.91, 2.63, 2.95),
         (1000, [50], 1.12, 2.88, 3.31)]


# ---------------------------------------------------------------- building
class Handout:
    """The starter, filled in step by step as a student does; every substitution must match exactly."""

    def __init__(self):
        self.nb = nbformat.read(STARTER, as_version=4)

    def cell(self, cell_id: str):
        hits = [c for c in self.nb.cells if c.get('id') == cell_id]
        assert len(hits) == 1, f'no single cell {cell_id!r}'
        return hits[0]

    def index(self, cell_id: str) -> int:
        return self.nb.cells.index(self.cell(cell_id))

    def sub(self, cell_id: str, old: str, new: str, count: int = 1) -> 'Handout':
        cell = self.cell(cell_id)
        assert cell.source.count(old) == count, f'{cell_id}: {cell.source.count(old)} matches of {old!r}'
        cell.source = cell.source.replace(old, new)
        return self

    def set(self, cell_id: str, source: str, outputs=()) -> 'Handout':
        cell = self.cell(cell_id)
        cell.source = source
        if cell.cell_type == 'code':
            cell.outputs = list(outputs)
        return self

    def insert(self, after: str, cell, cell_id: str) -> 'Handout':
        cell.id = cell_id
        self.nb.cells.insert(self.index(after) + 1, cell)
        return self

    def delete(self, cell_id: str) -> 'Handout':
        del self.nb.cells[self.index(cell_id)]
        return self

    def write(self, path: Path) -> Path:
        nbformat.validate(self.nb)
        nbformat.write(self.nb, str(path))
        return path


def table_output():
    import pandas as pd
    rows = [[e, nh, 0.01, act, tr, va, te] for e, nh, tr, va, te in TABLE for act in ('tanh',)]
    df = pd.DataFrame(rows, columns=['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test'])
    return new_output('execute_result', data={'text/plain': str(df), 'text/html': df._repr_html_()},
                      execution_count=12)


def image_output():
    return new_output('display_data', data={'image/png': PNG, 'text/plain': '<Figure size 1000x400 with 1 Axes>'})


def completed(adam=ADAM, use=USE, relu=RELU, grad_relu=GRAD_RELU, partition=PARTITION, run=RUN_EXPERIMENT,
              swish=(SWISH_METHODS, SWISH_FORWARD, SWISH_BACKWARD), derivative=None, third_copy=True) -> Handout:
    """The handout completed with the given pieces; the given code kept as it is. With ``third_copy`` the
    NeuralNetwork class is pasted a third time, with Swish (the last definition is the one that counts)."""
    h = Handout()
    h.sub('optimizers-class', ADAM_STUB, adam)
    h.sub('network-tanh', USE_STUB, USE_DOC + use.rstrip('\n'))
    h.sub('network-relu', USE_STUB, USE_DOC + use.rstrip('\n'))
    h.sub('network-relu', RELU_STUB, RELU_STUB.replace("        # ... your code here\n        raise "
                                                       "NotImplementedError()\n", relu))
    h.sub('network-relu', GRAD_RELU_STUB, GRAD_RELU_STUB.replace("        # ... your code here\n        raise "
                                                                 "NotImplementedError()\n", grad_relu))
    if derivative:
        h.sub('network-relu', DERIVATIVE, derivative)
    if swish and third_copy:
        third = copy.deepcopy(h.cell('network-relu'))
        third.source = (third.source.replace(SWISH_METHODS_STUB, swish[0]).replace(SWISH_FORWARD_STUB, swish[1])
                        .replace(SWISH_BACKWARD_STUB, swish[2]))
        assert 'Extra credit: swish.\n        # ... your code here' not in third.source
        h.insert('relu-demo', third, 'network-swish')
    h.sub('partition', PARTITION_STUB, PARTITION_STUB.split('    # ...')[0] + partition)
    h.sub('run-experiment', RUN_STUB, RUN_STUB.split('    # ...')[0] + run)
    return h


def answered(h: Handout, best=BEST_ANSWER, observations=OBSERVATIONS, plots_above=False) -> Handout:
    """Results and answers as students leave them: the best row shown, plots saved, answers typed."""
    h.set('grid', h.cell('grid').source, [table_output()])
    h.set('best-result', "best = results.loc[[results['RMSE Val'].idxmin()]]\nbest", [table_output()])
    if best is not None:
        h.set('best-result-answer', best)
    plot = ("for af in ['tanh', 'relu']:\n    rows = results[results['act func'] == af]\n"
            "    plt.figure()\n    plt.plot(rows[['RMSE Train', 'RMSE Val', 'RMSE Test']].values)\n    plt.show()")
    if plots_above:
        # Every figure in one big cell above the plotting prompt; the cells under the prompt left as given.
        h.insert('best-result-answer', new_code_cell(plot, outputs=[image_output(), image_output()]), 'all-plots')
    else:
        h.set('plot-tanh', plot, [image_output(), image_output()])
    if observations is not None:
        h.set('observations-answer', observations)
    return h


# ---------------------------------------------------------------- fixtures
@dataclass(frozen=True)
class Fixture:
    build: Callable[[], Handout]
    faults: dict[str, int] = field(default_factory=dict)     # fault id -> count, each charged in its item
    status: str = 'graded'
    why: str = ''


def _correct_pasted() -> Handout:
    """Correct, in the shapes real notebooks take: class pasted three times, run_experiment defined twice (a draft,
    then the final one), data fetched with !curl, the best-result answer typed into the prompt's own cell, the
    plots in one cell above the plotting prompt, the observations in the cell that also holds the next heading."""
    h = answered(completed(), best=None, observations=None, plots_above=True)
    h.sub('results-md', 'Discuss how good this prediction is.', 'Discuss how good this prediction is.\n\n'
          + BEST_ANSWER)
    h.delete('best-result-answer')
    h.insert('partition-demo', new_code_cell(RUN_DRAFT), 'run-draft')
    h.set('data', CURL_DATA)
    h.set('observations-answer', OBSERVATIONS + '\n\n' + h.cell('check-in-md').source)
    h.delete('check-in-md')
    return h


def _correct_unusual() -> Handout:
    """Correct but unlike the solution: a step counter in adam, relu as a product, grad_relu with np.where, the
    shuffle by np.random.permutation; the answer typed above the next prompt, in the plotting prompt's cell; the
    data read from a file on the student's laptop."""
    h = answered(completed(adam=ADAM_STEP_COUNTER, relu=RELU_MASK, grad_relu=GRAD_RELU_WHERE,
                           partition=PARTITION_PERMUTATION), best=None)
    h.delete('best-result-answer')
    h.sub('plots-md', '### Plots', BEST_ANSWER + '\n\n### Plots')
    h.set('data', MISSING_FILE_DATA)
    return h


def _relu_index() -> Handout:
    """grad_relu given the layer index (every unit active); a seed set inside partition; two observations."""
    return answered(completed(derivative='return self.grad_relu(layeri)', grad_relu=GRAD_RELU_WHERE,
                              partition=PARTITION_SEED_INSIDE), observations=OBSERVATIONS.rsplit('\n', 1)[0])


def _heaviside() -> Handout:
    """np.heaviside(s, 1) on the layer outputs; Adam with the gradient pre-scaled by the learning rate; partition
    shuffling even when random_shuffle=False."""
    return answered(completed(adam=ADAM_LR_SCALED, grad_relu=GRAD_RELU_HEAVISIDE,
                              partition=PARTITION_ALWAYS_SHUFFLES))


def _inverted() -> Handout:
    """An inverted ReLU mask in gradient_f; use returning the standardized output; the columns students name."""
    return answered(completed(derivative='return 1 - self.grad_relu(self.Ys[layeri])', use=USE_STANDARDIZED,
                              run=RUN_STUDENT_COLUMNS))


def _no_bias() -> Handout:
    """Adam without bias correction; partition(X, T, 3) hard-coded in run_experiment; Swish by np.vectorize with
    its derivative taken from the layer outputs."""
    h = answered(completed(adam=ADAM_NO_BIAS, run=RUN_FOLDS_3,
                           swish=(SWISH_VECTORIZE_METHODS, SWISH_FORWARD, SWISH_OUTPUTS_BACKWARD)))
    return h.sub('imports', 'import os\n', 'import os\nimport math\n')


def _start_stop() -> Handout:
    """start, stop = n_epochs_choices; np.array_split folds; the discussion written in a code cell's string; the
    relu modifying its argument (the course's own, advisory); no extra credit."""
    h = answered(completed(run=RUN_START_STOP, partition=PARTITION_ARRAY_SPLIT, relu=RELU_IN_PLACE, swish=None),
                 best=None)
    h.set('best-result', "best = results.loc[[results['RMSE Val'].idxmin()]]\nbest\n'''" + BEST_ANSWER + "'''",
          [table_output()])
    return h


def _sgd_global_t() -> Handout:
    """run_experiment with SGD, rebuilding its table in the loop; use reading a global T."""
    return answered(completed(run=RUN_SGD_REBUILT, use=USE_GLOBAL_T))


def _code_in_markdown() -> Handout:
    """Every code cell pasted into markdown: nothing can run."""
    h = answered(completed())
    for cell in h.nb.cells:
        if cell.cell_type == 'code':
            cell.cell_type = 'markdown'
            cell.source = '```python\n' + cell.source + '\n```'
            for key in ('outputs', 'execution_count'):
                cell.pop(key, None)
    return h


FIXTURES: dict[str, Fixture] = {
    'correct_pasted': Fixture(_correct_pasted),
    'correct_unusual': Fixture(_correct_unusual),
    'relu_index': Fixture(_relu_index, {'relu_network.grad_all_ones': 1, 'partition.seed_inside': 1,
                                        'observations_3.missing_observation': 1}),
    'heaviside': Fixture(_heaviside, {'relu_network.grad_all_ones': 1, 'adam.lr_scaled_gradient': 1,
                                      'partition.ignores_random_shuffle': 1}),
    'inverted': Fixture(_inverted, {'relu_network.grad_inverted': 1, 'use.standardized_output': 1,
                                    'run_experiments.column_names': 1}),
    'no_bias': Fixture(_no_bias, {'adam.no_bias_correction': 1, 'run_experiments.ignores_n_folds': 1,
                                  'swish_ec.from_outputs': 1}),
    'start_stop': Fixture(_start_stop, {'run_experiments.fails_on_some_grids': 1, 'partition.array_split': 1,
                                        'discussion_present.answer_in_code': 1, 'relu_in_place.modifies_argument': 1,
                                        'swish_ec.not_attempted': 1}),
    # use reads the T of the notebook's data cell (kept: use needs it), so its output has other statistics.
    'sgd_global_t': Fixture(_sgd_global_t, {'run_experiments.uses_sgd': 1, 'run_experiments.row_count': 1,
                                            'use.other_statistics': 1}),
    # Nothing runs; the written answers are still read (the plots' outputs went with the code cells).
    'code_in_markdown': Fixture(_code_in_markdown, {'plots_present.no_plot': 1}, status='no-code'),
}
# Unimplemented functions: every code item 0, the given code earning nothing.
STARTER_FAULTS = {'adam.not_implemented', 'use.not_implemented', 'relu_unit.not_implemented',
                  'relu_in_place.not_implemented', 'relu_network.upstream_missing', 'train_network.upstream_missing',
                  'partition.not_implemented', 'run_experiments.not_implemented', 'swish_ec.not_attempted',
                  'results_reported.no_result', 'discussion_present.no_discussion', 'plots_present.no_plot',
                  'observations_3.no_observations'}


def build(name: str, folder: Path) -> Path:
    return FIXTURES[name].build().write(Path(folder) / f'{name.title().replace("_", "")}-A2.ipynb')

"""Generate the sample Canvas download used to test the grader, deterministically.

Writes, under ``submissions/sample/``:

* ``canvas-submissions.zip``: what Canvas's "Download Submissions" gives a TA for Assignment 2. Entry names are
  ``{name}[_LATE]_{user_id}_{attachment_id}_{original file name}``, ``name`` being the student's sortable name
  ("Last, First") lower-cased with non-word characters removed;
* ``submission-times.csv``: ``user_id,submitted_at`` as exported from the Canvas API, offsets written in mixed
  styles (``-06:00``, ``-0600``, ``Z``);
* ``roster.csv``: the Canvas gradebook export's student columns;
* ``README.md``: the answer key, each student's notebook and the verdict a correct grader gives, and
  ``answer-key.json``, the same as data for tests.

Every notebook is derived from ``A2-solution.ipynb`` (or the starter derived from it) by exact string
substitutions in code cells, each asserted to match, or by different answer text. Saved outputs are copied from
the solution and cleared in the cells a substitution changed, so some are stale, as in real submissions: they are
evidence for a TA, never proof. Zip entries carry a fixed timestamp, so the same inputs give the same bytes.

Run ``python submissions/make_sample.py`` after changing or re-executing the solution notebook.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell, new_output

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import build_notebooks as bn  # noqa: E402

SAMPLE = HERE / 'sample'
ZIP_PATH = SAMPLE / 'canvas-submissions.zip'
TIMES_PATH = SAMPLE / 'submission-times.csv'
ROSTER_PATH = SAMPLE / 'roster.csv'
README_PATH = SAMPLE / 'README.md'
KEY_PATH = SAMPLE / 'answer-key.json'

ZIP_DATE_TIME = (2026, 10, 3, 9, 30, 0)     # when the TA downloaded the zip (entry times carry nothing else)
DUE = '2026-10-02T23:59:00-06:00'           # rubrics/a2.yaml's due date, no grace (the course's rule)
SECTION = 'CS445-001'
ROSTER_HEADER = ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section']
TIMES_HEADER = ['user_id', 'submitted_at']

CODE_ITEMS = ('adam', 'use', 'relu_unit', 'relu_network', 'train_network', 'partition', 'run_experiments')
DISCUSSION_ITEMS = ('results_reported', 'discussion_present', 'plots_present', 'observations_3')
ADVISORY_ITEMS = ('relu_in_place',)
EXTRA_ITEMS = ('swish_ec',)
ALL_ITEMS = CODE_ITEMS + ADVISORY_ITEMS + DISCUSSION_ITEMS + EXTRA_ITEMS
# What the unchanged starter shows: nothing implemented, nothing answered (the given code earns nothing).
STARTER_FAULTS = ('adam.not_implemented', 'use.not_implemented', 'relu_unit.not_implemented',
                  'relu_in_place.not_implemented', 'relu_network.upstream_missing', 'train_network.upstream_missing',
                  'partition.not_implemented', 'run_experiments.not_implemented', 'results_reported.no_result',
                  'discussion_present.no_discussion', 'plots_present.no_plot', 'observations_3.no_observations',
                  'swish_ec.not_attempted')


# ---------------------------------------------------------------------------------------------- notebooks
def canvas_name(sortable: str) -> str:
    """Canvas's name part of a download entry: "García, María" -> "garcíamaría"."""
    return re.sub(r'\W', '', unicodedata.normalize('NFC', sortable).lower())


def _cell(nb, cell_id: str):
    hits = [c for c in nb.cells if c.get('id') == cell_id]
    assert len(hits) == 1, f'no single cell with id {cell_id!r}'
    return hits[0]


def _index(nb, cell_id: str) -> int:
    return nb.cells.index(_cell(nb, cell_id))


def from_solution():
    """A completed notebook as a student would hand it in: no solution markers, no grader metadata."""
    nb = copy.deepcopy(SOLUTION)
    for cell in nb.cells:
        cell.metadata.pop('a2', None)
        if cell.cell_type == 'code':
            cell.source = bn.remove_markers(cell.source)
    return nb


def from_starter():
    return copy.deepcopy(STARTER)


def sub(nb, old: str, new: str, count: int = 1, keep_outputs: bool = False) -> None:
    """Replace ``old`` by ``new`` in code cells; ``old`` must occur exactly ``count`` times in all."""
    found = sum(c.source.count(old) for c in nb.cells if c.cell_type == 'code')
    assert found == count, f'substitution matched {found} times, expected {count}: {old!r}'
    for cell in nb.cells:
        if cell.cell_type == 'code' and old in cell.source:
            cell.source = cell.source.replace(old, new)
            if not keep_outputs:
                cell.outputs, cell.execution_count = [], None


def set_markdown(nb, cell_id: str, text: str) -> None:
    cell = _cell(nb, cell_id)
    assert cell.cell_type == 'markdown'
    cell.source = text.strip('\n')


def set_code(nb, cell_id: str, source: str, outputs=()) -> None:
    cell = _cell(nb, cell_id)
    assert cell.cell_type == 'code'
    cell.source = source.strip('\n')
    cell.outputs = list(outputs)
    cell.execution_count = None


def insert_code(nb, after_id: str, cell_id: str, source: str, outputs=()) -> None:
    cell = new_code_cell(source.strip('\n'))
    cell.id = cell_id
    cell.outputs = list(outputs)
    nb.cells.insert(_index(nb, after_id) + 1, cell)


def stream(text: str):
    return new_output('stream', name='stdout', text=text)


def use_starter_cells(nb, *cell_ids: str) -> None:
    """Put back the starter's version of these cells (work the student did not do)."""
    for cell_id in cell_ids:
        nb.cells[_index(nb, cell_id)] = copy.deepcopy(_cell(STARTER, cell_id))


# Pieces of the solution's code that several students change.
SWISH_METHODS = '''    # Extra credit: methods swish(s) and grad_swish(s).
    def swish(self, s):
        \'\'\'Swish: s * sigmoid(s). The sigmoid is written with tanh, which never overflows.\'\'\'
        return s * 0.5 * (1 + np.tanh(s / 2))

    def grad_swish(self, s):
        \'\'\'Derivative of swish with respect to the weighted sum s (not its output).\'\'\'
        sig = 0.5 * (1 + np.tanh(s / 2))
        return sig + s * sig * (1 - sig)

'''
SWISH_FORWARD = '''        # Extra credit: swish.
        if self.activation_function == 'swish':
            return self.swish(S)
'''
SWISH_BACKWARD = '''        # Extra credit: swish.
        if self.activation_function == 'swish':
            # A swish output does not determine its derivative: use the sums kept by forward_pass.
            return self.grad_swish(self.Ss[layeri - 1])
'''
PARTITION_BODY = '''    rows = np.arange(X.shape[0])
    if random_shuffle:
        # NumPy's global generator, so that a np.random.seed call before partition fixes the split.
        np.random.shuffle(rows)
    X = X[rows, :]
    T = T[rows, :]
    n_per_fold = X.shape[0] // n_folds
    Xfolds = []
    Tfolds = []
    for foldi in range(n_folds):
        start = foldi * n_per_fold
        # The last fold also takes the rows left over by the integer division.
        stop = X.shape[0] if foldi == n_folds - 1 else start + n_per_fold
        Xfolds.append(X[start:stop, :])
        Tfolds.append(T[start:stop, :])
    Xvalidate, Tvalidate = Xfolds[0], Tfolds[0]
    Xtest, Ttest = Xfolds[1], Tfolds[1]
    Xtrain = np.vstack(Xfolds[2:])
    Ttrain = np.vstack(Tfolds[2:])
    return Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest'''


def without_swish(nb) -> None:
    """A student who skipped the extra credit: 'swish' silently behaves as tanh."""
    sub(nb, SWISH_METHODS, '')
    sub(nb, SWISH_FORWARD, '')
    sub(nb, SWISH_BACKWARD, '')
    use_starter_cells(nb, 'extra-credit', 'extra-credit-answer')


def course_selfcheck_output(notebook: str) -> str:
    """What the course's own self-check script printed in a student's session (a saved output, not a grade)."""
    return (f"Extracting python code from notebook named '{notebook}' and storing in notebookcode.py\n"
            'Removing all statements that are not function or class defs or import statements.\n\n'
            'Testing Adam on a cubic ... 10/10 points\n'
            'Testing SGD on a cubic ... 10/10 points\n'
            'Testing NeuralNetwork(2, [10], 1) trained with adam ... 20/20 points\n'
            'Testing partition with seed 42 ... 10/10 points\n'
            'Testing run_experiment, first row ... 20/20 points\n\n'
            '======================================================================\n'
            'A2 Execution Grade is 70 / 70\n'
            '======================================================================\n\n'
            '__ / 30 points for results and discussion. EXTRA CREDIT is 0 / 1\n')


# ---------------------------------------------------------------------------------------------- students
@dataclass
class Upload:
    attachment_id: int
    filename: str
    build: Callable[[], object]     # returns the notebook


@dataclass
class Student:
    sortable: str
    user_id: int
    sis_user_id: str
    login: str
    uploads: list[Upload] = field(default_factory=list)
    submitted_at: str | None = None         # None: no submission
    late: bool = False                      # Canvas's LATE marker
    summary: str = ''
    # Expected status of each rubric item: 'pass' (full credit), 'fail' (not full credit), 'flag' (advisory item
    # reported), 'n/a'. Empty for roster rows without a notebook of their own (see ``kind``).
    expect: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)       # item id -> explanation
    # The faults the grader must report (ids of the rubric's fault catalogue, README), each charged once in the
    # item its id names; every other item earns its full points.
    faults: tuple[str, ...] = ()
    notes: str = ''
    kind: str = 'graded'        # 'graded', 'partner' (graded through partner_of), 'missing', 'test-student'
    partner_of: int | None = None
    late_days: int = 0          # started days late (the rubric has no grace)
    similar_to: tuple[int, ...] = ()     # user ids the similarity flags must pair this submission with

    @property
    def name(self) -> str:
        return canvas_name(self.sortable)

    @property
    def graded_upload(self) -> Upload | None:
        return max(self.uploads, key=lambda u: u.attachment_id) if self.uploads else None


def nb_anderson():
    nb = from_solution()
    sub(nb, '        return np.maximum(s, 0)\n',
        '        r = s.copy()\n        r[r < 0] = 0\n        return r\n')
    sub(nb, '        return (s > 0).astype(float)\n',
        '        d = np.zeros_like(s)\n        d[s > 0] = 1\n        return d\n')
    sub(nb, "best = results.loc[[results['RMSE Val'].idxmin()]]",
        "from IPython.display import display\nbest = results.loc[[results['RMSE Val'].idxmin()]]", keep_outputs=True)
    sub(nb, "f'from {T.min():.1f} to {T.max():.1f}')\nbest",
        "f'from {T.min():.1f} to {T.max():.1f}')\ndisplay(best)", keep_outputs=True)
    set_markdown(nb, 'best-result-answer', '''
My lowest validation RMSE is 2.16, for 500 epochs, nh = [100, 10], tanh and a learning rate of 0.01. That network
has a test RMSE of 2.92 mpg.

mpg goes from 9 to 46.6 with a mean around 23, so being off by about 3 mpg on average is decent but not great:
about 12 percent of a typical value. The linear model got about 3.1 on the test set, so the hidden layers only
helped a little, and the test error being bigger than the validation error suggests the validation number was a
bit lucky.
''')
    set_markdown(nb, 'observations-answer', '''
1. The nh = [0] points are flat at about 3.4 (train), 3.3 (validation) and 3.1 (test) no matter how many epochs:
   the linear model converges quickly and cannot do better.
2. The bigger networks get a very low training error with more epochs, but their validation and test errors go
   up, which is overfitting. For [100, 10] with tanh, training RMSE reaches 0.47 at 2000 epochs while test RMSE
   is 3.88.
3. The relu plot has smaller gaps between the training and validation lines than the tanh plot: relu networks
   learn the training data more slowly here, and overfit less.
''')
    set_markdown(nb, 'extra-credit-answer', '''
On average swish landed between tanh and relu on the validation set (2.73, against 2.59 for tanh and 3.17 for
relu), and it had the best mean test RMSE, 3.11. The relu average is hurt by one run, [100, 10] for 1000 epochs,
that failed with RMSEs above 7 because its second layer's units all stopped being active. tanh had the lowest
validation error of all (2.14, 500 epochs, [50]) but also the worst overfitting at 2000 epochs. The differences
between the three are small compared to the effect of the number of epochs and of the architecture.
''')
    return nb


def nb_garcia():
    nb = from_solution()
    sub(nb, '''    rows = np.arange(X.shape[0])
    if random_shuffle:
        # NumPy's global generator, so that a np.random.seed call before partition fixes the split.
        np.random.shuffle(rows)
''', '''    if random_shuffle:
        rows = np.random.permutation(X.shape[0])
    else:
        rows = np.arange(X.shape[0])
''')
    sub(nb, 'def run_experiment(', 'def run_experiments(', keep_outputs=True)
    sub(nb, '= run_experiment(X, T, 5,', '= run_experiments(X, T, 5,', count=2, keep_outputs=True)
    return nb


def nb_nguyen():
    nb = from_solution()
    # The course's own relu: correct values, but it zeroes its argument in place.
    sub(nb, '        return np.maximum(s, 0)\n', '        s[s < 0] = 0\n        return s\n')
    data = _cell(nb, 'data')
    outputs = [stream('A2grader.py  Nguyen-A2.ipynb  auto-mpg.data\n')] + list(data.outputs)
    sub(nb, "column_names = ['mpg',", "!ls\ncolumn_names = ['mpg',")
    _cell(nb, 'data').outputs = outputs
    insert_code(nb, 'check-in-md', 'course-selfcheck', '%run -i A2grader.py',
                [stream(course_selfcheck_output('Nguyen-A2.ipynb'))])
    # The observations typed into the prompt's own cell; the separate answer cell deleted.
    prompt = _cell(nb, 'observations-md')
    prompt.source += '''

1. Linear models (nh [0]) give the same RMSEs with tanh and relu and for every number of epochs, about 3.4 on
   training data and 3.1 to 3.3 on validation and test data.
2. More epochs always lower the training RMSE of the networks with hidden layers, but the validation and test
   RMSEs rise after 500 or 1000 epochs: the networks start to memorize the training cars.
3. tanh networks reach lower training errors than relu networks of the same size and epochs, yet their test
   errors are often higher, so relu generalizes a bit better in my runs.'''
    del nb.cells[_index(nb, 'observations-answer')]
    return nb


def nb_baker():
    nb = from_solution()
    # Derivative 1 everywhere: grad_relu receives outputs, which are never negative.
    sub(nb, '        return (s > 0).astype(float)\n', '        return (s >= 0).astype(float)\n')
    without_swish(nb)
    insert_code(nb, 'check-in-md', 'course-selfcheck', '%run -i A2grader.py',
                [stream(course_selfcheck_output('Baker-A2.ipynb'))])
    set_markdown(nb, 'best-result-answer', 'The prediction is pretty good.')
    set_markdown(nb, 'observations-answer', '''
1. The training error goes down with more epochs.
2. tanh is better than relu.
''')
    return nb


def nb_kowalski():
    nb = from_solution()
    # Adam without bias correction (the betas' powers are still updated, but never used).
    sub(nb, '''            m_hat = self.mt / (1 - self.beta1t)
            v_hat = self.vt / (1 - self.beta2t)
            self.all_weights -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)
''', '''            self.all_weights -= alpha * self.mt / (np.sqrt(self.vt) + epsilon)
''')
    return nb


def nb_chen():
    nb = from_solution()
    sub(nb, '''    if random_shuffle:
        # NumPy's global generator, so that a np.random.seed call before partition fixes the split.
        np.random.shuffle(rows)
''', '''    if random_shuffle:
        np.random.seed(42)
        np.random.shuffle(rows)
''')
    return nb


def nb_patel_final():
    nb = from_solution()
    sub(nb, PARTITION_BODY, '''    if random_shuffle:
        rows = np.random.permutation(X.shape[0])
        X, T = X[rows], T[rows]
    Xfolds = np.array_split(X, n_folds)
    Tfolds = np.array_split(T, n_folds)
    Xtrain = np.vstack(Xfolds[2:])
    Ttrain = np.vstack(Tfolds[2:])
    return Xtrain, Ttrain, Xfolds[0], Tfolds[0], Xfolds[1], Tfolds[1]''')
    return nb


def nb_smith():
    nb = from_solution()
    # use() returns the standardized output (in both pasted classes).
    sub(nb, '        return Y * self.Tstds + self.Tmeans', '        return Y', count=2)
    return nb


def nb_obrien():
    nb = from_solution()
    sub(nb, 'partition(X, T, n_folds)', 'partition(X, T, 5)')
    # Best row picked by the training error; the saved table output is gone with the change.
    sub(nb, "results.loc[[results['RMSE Val'].idxmin()]]", "results.loc[[results['RMSE Train'].idxmin()]]")
    set_markdown(nb, 'best-result-answer', '''
The lowest RMSE in my table is 0.47, for 2000 epochs, hidden layers [100, 10] and tanh, with learning rate 0.01.
Its RMSE Test is 3.88. This is a very good prediction, since an error of less than half a mile per gallon is
small compared to the mpg values of the cars, which range from about 9 to 47 mpg.
''')
    return nb


def nb_muller():
    nb = from_solution()
    # The relu plot left unfinished with the placeholder line: a syntax error in that cell only.
    set_code(nb, 'plot-relu', '''
rows = results[results['act func'] == 'relu']
. . .
''', outputs=[new_output('error', ename='SyntaxError', evalue='invalid syntax (2361468123.py, line 2)',
                         traceback=['  Cell In[27], line 2', '    . . .', '    ^',
                                    'SyntaxError: invalid syntax'])])
    set_markdown(nb, 'observations-answer', '''
- The linear models are the worst on training data and do not improve after 500 epochs.
- Networks with more hidden units overfit when trained longer: their training RMSE keeps falling while the
  validation RMSE grows, most clearly for tanh with [20, 20, 20].
- Validation and test RMSE do not agree on which network is best: the test RMSE is higher for most networks.
''')
    return nb


def nb_young():
    return from_starter()


# Reyes wrote every graded function in a style of her own; Quinn handed in a copy of her notebook with the
# variables renamed, the functions reordered and the answers lightly reworded (similarity flags, not grades).
REYES_CODE = (
    ('''            # Running averages of the gradient and of its square.
            self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
            self.vt = self.beta2 * self.vt + (1 - self.beta2) * grad * grad
            # Powers of the betas for the bias correction, advanced before they are used.
            self.beta1t *= self.beta1
            self.beta2t *= self.beta2
            m_hat = self.mt / (1 - self.beta1t)
            v_hat = self.vt / (1 - self.beta2t)
            self.all_weights -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)
''', '''            self.beta1t = self.beta1t * self.beta1
            self.beta2t = self.beta2t * self.beta2
            self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad
            self.vt = self.beta2 * self.vt + (1 - self.beta2) * np.square(grad)
            corrected_m = self.mt / (1 - self.beta1t)
            corrected_v = self.vt / (1 - self.beta2t)
            update = alpha * corrected_m / (np.sqrt(corrected_v) + epsilon)
            self.all_weights -= update
''', 1),
    ('''        X = (X - self.Xmeans) / self.Xstds
        Y = self.forward_pass(X)[-1]
        return Y * self.Tstds + self.Tmeans''', '''        scaled_inputs = (X - self.Xmeans) / self.Xstds
        layer_outputs = self.forward_pass(scaled_inputs)
        return self.Tmeans + layer_outputs[-1] * self.Tstds''', 2),
    ('        return np.maximum(s, 0)\n', '        return np.where(s > 0, s, 0.0)\n', 1),
    ('        return (s > 0).astype(float)\n', '        return np.where(s > 0, 1.0, 0.0)\n', 1),
    (PARTITION_BODY, '''    n_rows = X.shape[0]
    order = np.arange(n_rows)
    if random_shuffle:
        np.random.shuffle(order)
    fold_size = n_rows // n_folds
    bounds = [k * fold_size for k in range(n_folds)] + [n_rows]
    folds = [order[bounds[k]:bounds[k + 1]] for k in range(n_folds)]
    train_rows = np.concatenate(folds[2:])
    return X[train_rows], T[train_rows], X[folds[0]], T[folds[0]], X[folds[1]], T[folds[1]]''', 1),
    ('''    learning_rate = 0.01
    Xtrain, Ttrain, Xvalidate, Tvalidate, Xtest, Ttest = partition(X, T, n_folds)
    results = []
    for n_epochs in n_epochs_choices:
        for nh in n_hidden_units_per_layer_choices:
            for act_func in activation_function_choices:
                nnet = NeuralNetwork(X.shape[1], nh, T.shape[1], act_func)
                # Adam prints its progress ten times per network: keep the table's cell readable.
                with contextlib.redirect_stdout(io.StringIO()):
                    nnet.train(Xtrain, Ttrain, n_epochs, learning_rate, method='adam')
                results.append([n_epochs, nh, learning_rate, act_func,
                                rmse(nnet.use(Xtrain), Ttrain),
                                rmse(nnet.use(Xvalidate), Tvalidate),
                                rmse(nnet.use(Xtest), Ttest)])
    return pd.DataFrame(results, columns=['epochs', 'nh', 'lr', 'act func',
                                          'RMSE Train', 'RMSE Val', 'RMSE Test'])''',
     '''    Xtr, Ttr, Xval, Tval, Xte, Tte = partition(X, T, n_folds)

    def error_of(network, inputs, targets):
        return np.sqrt(np.mean((network.use(inputs) - targets) ** 2))

    table_rows = []
    for epochs in n_epochs_choices:
        for hidden in n_hidden_units_per_layer_choices:
            for fn in activation_function_choices:
                network = NeuralNetwork(Xtr.shape[1], hidden, Ttr.shape[1], activation_function=fn)
                with contextlib.redirect_stdout(io.StringIO()):
                    network.train(Xtr, Ttr, epochs, 0.01, method='adam')
                table_rows.append({'epochs': epochs, 'nh': hidden, 'lr': 0.01, 'act func': fn,
                                   'RMSE Train': error_of(network, Xtr, Ttr),
                                   'RMSE Val': error_of(network, Xval, Tval),
                                   'RMSE Test': error_of(network, Xte, Tte)})
    return pd.DataFrame(table_rows)''', 1),
)
REYES_PLOT = '''def plot_rmses(results, act_func):
    chosen = results[results['act func'] == act_func].reset_index(drop=True)
    tick_names = [str(epochs) + ' ' + str(hidden) for epochs, hidden in zip(chosen['epochs'], chosen['nh'])]
    plt.figure(figsize=(9, 4))
    plt.plot(chosen['RMSE Train'], 's-', label='train')
    plt.plot(chosen['RMSE Val'], 'd-', label='validate')
    plt.plot(chosen['RMSE Test'], '^-', label='test')
    plt.xticks(range(len(chosen)), tick_names, rotation=60)
    plt.ylabel('RMSE in mpg')
    plt.title('RMSE with ' + act_func)
    plt.legend()
    plt.show()

plot_rmses(results, 'tanh')'''
REYES_BEST = '''
Sorting my table by RMSE Val, the best row is 500 epochs with hidden layers [100, 10] and tanh: validation RMSE
2.16 and test RMSE 2.92 mpg (train 1.63). Since the cars range from about 9 to 47 mpg with a standard deviation near
7.8, a typical miss of three mpg is roughly 40 percent of one standard deviation, which I would call reasonable but
far from exact. The gap between validation and test also tells me the validation split flattered this model
somewhat.
'''
REYES_OBSERVATIONS = '''
1. Every tanh network drives its training RMSE down steadily as the epochs grow, but from 1000 epochs on the
   validation curve turns upward, the classic sign of overfitting.
2. The linear model sits at nearly identical values in both plots because it never uses an activation function at
   all.
3. Deeper relu networks such as [20, 20, 20] are the most erratic: some of their runs jump to a much higher error,
   which I suspect comes from units that die and stop learning.
'''
# (old, new) words Quinn changed in Reyes' answers
QUINN_EDITS = (('from about 9 to 47', 'from roughly 9 to 47'), ('a typical miss', 'a typical error'),
               ('reasonable but', 'decent but'), ('also tells me', 'also shows that'),
               ('drives its training RMSE down steadily', 'pushes its training RMSE down steadily'),
               ('the classic sign of overfitting', 'a classic sign of overfitting'),
               ('which I suspect comes from', 'probably caused by'))
# (old, new) names Quinn changed in Reyes' code
QUINN_RENAMES = (('corrected_m', 'm_corr'), ('corrected_v', 'v_corr'), ('update', 'delta_w'),
                 ('scaled_inputs', 'Xs'), ('layer_outputs', 'outs'), ('n_rows', 'count'), ('order', 'idx'),
                 ('fold_size', 'per_fold'), ('bounds', 'edges'), ('folds', 'pieces'), ('train_rows', 'tr_idx'),
                 ('error_of', 'calc_rmse'), ('table_rows', 'records'), ('network', 'model'), ('hidden', 'arch'),
                 ('fn', 'af'), ('chosen', 'subset'), ('tick_names', 'labels_x'))
QUINN_CELLS = ('optimizers-class', 'network-tanh', 'network-relu', 'partition', 'run-experiment', 'plot-tanh')


def nb_reyes():
    nb = from_solution()
    for old, new, count in REYES_CODE:
        sub(nb, old, new, count=count)
    set_code(nb, 'plot-tanh', REYES_PLOT, outputs=_cell(nb, 'plot-tanh').outputs)
    set_markdown(nb, 'best-result-answer', REYES_BEST)
    set_markdown(nb, 'observations-answer', REYES_OBSERVATIONS)
    return nb


def nb_quinn():
    nb = nb_reyes()
    for cell_id in QUINN_CELLS:
        cell = _cell(nb, cell_id)
        for old, new in QUINN_RENAMES:
            cell.source = re.sub(rf'\b{old}\b', new, cell.source)
    # Functions reordered: run_experiment before rmse, grad_relu before relu.
    experiment = _cell(nb, 'run-experiment')
    rmse, run = experiment.source.split('\n\n\ndef run_experiment(')
    experiment.source = f'def run_experiment({run}\n\n\n{rmse}'
    network = _cell(nb, 'network-relu')
    relu_at = network.source.index('    def relu(self, s):')
    grad_at = network.source.index('    def grad_relu(self, s):')
    end = network.source.index('    # Extra credit: methods swish(s)')
    network.source = (network.source[:relu_at] + network.source[grad_at:end] + network.source[relu_at:grad_at]
                      + network.source[end:])
    cells = [_cell(nb, 'best-result-answer'), _cell(nb, 'observations-answer')]
    for old, new in QUINN_EDITS:
        assert sum(c.source.count(old) for c in cells) == 1, old
        for cell in cells:
            cell.source = cell.source.replace(old, new)
    return nb


def build_students() -> list[Student]:
    def verdict(*faults, **changes):
        """Every item passes except those named: item=status or item=(status, explanation); ``faults``: the fault
        ids the grader reports, each in the item it names (which then does not pass, unless flagged advisory)."""
        expect = {k: 'pass' for k in ALL_ITEMS}
        why = {}
        for fault in faults:
            item = fault.split('.')[0]
            assert item in ALL_ITEMS, fault
            expect[item] = 'flag' if item in ADVISORY_ITEMS else 'fail'
        for item, value in changes.items():
            assert item in ALL_ITEMS, item
            expect[item], why[item] = (value, '') if isinstance(value, str) else value
        return {'expect': expect, 'why': {k: v for k, v in why.items() if v}, 'faults': tuple(faults)}

    return [
        Student('Anderson, Emma', 240101, '830100101', 'eanders',
                [Upload(5530211, 'Anderson-A2.ipynb', nb_anderson)], '2026-10-02T21:14:09-06:00',
                summary='Correct. ReLU written as a boolean mask on a copy, grad_relu via np.zeros_like and a mask; '
                        '`from IPython.display import display` in the results cell; own answers; Swish done.',
                **verdict()),
        Student('García, María', 240102, '830100102', 'mgarcia',
                [Upload(5530187, 'Garcia-A2.ipynb', nb_garcia)], '2026-10-01T18:03:44-06:00',
                summary='Correct. `partition` shuffles with np.random.permutation (same rows as np.random.shuffle '
                        'for a given seed); the function is named `run_experiments` (the lecture\'s name), '
                        'definition and calls. Non-ASCII name.',
                **verdict()),
        Student('Nguyen, Linh', 240103, '830100103', 'lnguyen',
                [Upload(5532460, 'Nguyen-A2.ipynb', nb_nguyen)], '2026-10-03T03:12:45-0600', late=True,
                summary='Correct, but `relu` zeroes its argument in place (the course\'s own version). A '
                        '`%run -i A2grader.py` cell whose saved output says "70 / 70"; `!ls` at the top of the data '
                        'cell; the observations typed into the prompt\'s own markdown cell (no separate answer '
                        'cell). LATE: 3 h 13 min after the due time.',
                **verdict('relu_in_place.modifies_argument',
                          relu_in_place=('flag', 'advisory: reported, no points taken')), late_days=1,
                notes='Late penalty: one started day, 10 points. Its time is written `-0600`: a parser that reads '
                      'that as 600 seconds (nbgrader 0.9.6) finds it on time.'),
        Student('Baker, Tom', 240104, '830100104', 'tbaker',
                [Upload(5531033, 'Baker-A2.ipynb', nb_baker)], '2026-10-02T23:58:30-0600',
                summary='`grad_relu` returns `(s >= 0)`: applied to ReLU outputs it is 1 everywhere (seed-42 ReLU '
                        'network ends at RMSE 28.2254 instead of 5.7357). No extra credit (`swish` silently '
                        'falls back to tanh). One-line best-result answer, two observations. A `%run -i '
                        'A2grader.py` cell with a saved "70 / 70": never trust it.',
                **verdict('relu_network.grad_all_ones', 'discussion_present.too_short',
                          'observations_3.missing_observation', 'swish_ec.not_attempted',
                          relu_network=('fail', 'seed-42 RMSE 28.2254: grad_relu(0) is 1, so every unit looks '
                                                'active (relu_unit passes: its values away from 0 are right)'),
                          discussion_present=('fail', '5 words'), observations_3=('fail', '2 observations'),
                          swish_ec=('fail', 'not attempted: activation_function="swish" trains a tanh network; '
                                            'one line in the feedback, nothing taken off')),
                notes='`run_experiments` passes: its ReLU rows, which the faulty ReLU network spoils and no correct '
                      'copy can replace, are left out of its RMSE comparison (the fault is `relu_network`\'s).'),
        Student('Kowalski, Jan', 240105, '830100105', 'jkowalsk',
                [Upload(5531502, 'Kowalski-Ito-A2.ipynb', nb_kowalski)], '2026-10-02T22:30:00-0600',
                summary='Partners Jan Kowalski and Hana Ito (`Kowalski-Ito-A2.ipynb`, submitted by Kowalski). '
                        'Adam without bias correction (parabola ends at 5.0189402 instead of 5.03900403).',
                **verdict('adam.no_bias_correction', adam=('fail', 'no bias correction: 10 of 15 points off, as '
                                                                    'the course\'s grader took 10 for it')),
                notes='Hana Ito (roster, no submission of her own) receives the same grade. One fault, one charge: '
                      '`train_network` and `run_experiments` train with a correct Adam in place of the student\'s '
                      '(their feedback says so) and pass; with the student\'s Adam the seed-42 network ends at '
                      '5.0894 instead of 4.5420.'),
        Student('Ito, Hana', 240106, '830100106', 'hito', [], None,
                summary='Partner of Jan Kowalski: no submission of her own; named in `Kowalski-Ito-A2.ipynb`.',
                kind='partner', partner_of=240105),
        Student('Chen, Wei', 240107, '830100107', 'wchen',
                [Upload(5530876, 'Chen-A2.ipynb', nb_chen)], '2026-10-03T05:41:52Z',
                summary='`partition` calls `np.random.seed(42)` inside: the public seed-42 case looks right, but '
                        'a caller\'s seed (e.g. 0) no longer changes the split.',
                **verdict('partition.seed_inside', partition=('fail', 'a caller\'s seed other than 42 is ignored')),
                notes='Submitted 23:41:52 -06:00, on time; its time is written in UTC (`Z`) and its date is the '
                      'day after the due date. `run_experiments` passes, judged with a correct `partition` in place '
                      'of the student\'s.'),
        Student('Patel, Priya', 240108, '830100108', 'ppatel',
                [Upload(5529904, 'A2.ipynb', nb_young), Upload(5531215, 'Patel-A2.ipynb', nb_patel_final)],
                '2026-10-02T20:45:03-06:00',
                summary='Two files in one attempt: `A2.ipynb` (attachment 5529904, the unchanged starter uploaded '
                        'by mistake) and `Patel-A2.ipynb` (attachment 5531215, the latest: grade this one). '
                        '`partition` uses np.array_split: folds of 79, 79 and 234 rows instead of 78, 78 and 236 '
                        '(7/7/6 instead of 6/6/8 on 20 rows and 3 folds).',
                **verdict('partition.array_split', partition=('fail', 'np.array_split fold sizes')),
                notes='The grader grades the highest attachment id and lists `A2.ipynb` as another file. '
                      '`run_experiments` passes, judged with a correct `partition` in place of the student\'s.'),
        Student('Smith, John', 240109, '830100109', 'jsmith',
                [Upload(5531744, 'Smith-A2-1.ipynb', nb_smith)], '2026-10-03T01:05:00Z',
                summary='`use` returns the standardized output (both pasted classes). The file name ends in `-1`: '
                        'Canvas renamed a duplicate file name; it is not a second attempt.',
                **verdict('use.standardized_output', use=('fail', 'returns the standardized output')),
                notes='One fault, one charge: with the student\'s `use` the tables of `run_experiment` hold RMSEs '
                      'near 23 mpg; `run_experiments` is judged with a correct `use` in place of theirs and passes.'),
        Student("O'Brien, Liam", 240110, '830100110', 'lobrien',
                [Upload(5530655, 'OBrien-A2.ipynb', nb_obrien)], '2026-10-02T18:00:00Z',
                summary='`run_experiment` calls `partition(X, T, 5)`, ignoring `n_folds`. The best row is picked by '
                        '`RMSE Train` (2000 epochs, [100, 10], tanh: train 0.47, test 3.88) and called very good.',
                **verdict('run_experiments.ignores_n_folds', run_experiments=('fail', 'n_folds ignored (always 5)')),
                notes='`results_reported` passes provisionally: a best row is reported, and which column chose it '
                      'is for the TA reading the answer (the row comes from RMSE Train, not RMSE Val).'),
        Student('Müller, Jonas', 240111, '830100111', 'jmuller',
                [Upload(5531390, 'Müller-A2.ipynb', nb_muller)], '2026-10-02T16:20:11-06:00',
                summary='The relu plot cell holds a leftover `. . .` line: a SyntaxError in that cell only (its '
                        'saved output is the error). Observations as a bulleted list. Non-ASCII name and file name.',
                **verdict(plots_present=('pass', 'one image, the tanh plot; the relu plot is missing: a TA may take '
                                                  'points off')),
                notes='The syntax error is reported for its cell, and grading of everything else goes on.'),
        Student('Young, Sam', 240112, '830100112', 'syoung',
                [Upload(5532318, 'Young-A2.ipynb', nb_young)], '2026-10-03T00:09:30-06:00', late=True,
                summary='The starter, unchanged (stubs raise NotImplementedError, Adam does not move the weights, '
                        'answers are "*Your answer here.*", no outputs). Canvas marks it LATE: 10 min 30 s after '
                        'the due time, one started day: no grace (the course\'s rule).',
                expect={**{k: 'fail' for k in ALL_ITEMS}, 'relu_in_place': 'n/a'},
                why={'relu_in_place': 'relu raises NotImplementedError',
                     'train_network': 'the given code alone earns no points: adam is not implemented, so nothing '
                                      'stands in for it (upstream_missing)'},
                faults=STARTER_FAULTS, late_days=1,
                notes='Graded without a crash; 0 points. Late penalty: one started day, taken from 0: the total '
                      'stays 0.'),
        Student('Reyes, Dana', 240114, '830100114', 'dreyes',
                [Upload(5531120, 'Reyes-A2.ipynb', nb_reyes)], '2026-10-02T19:12:40-06:00',
                summary='Correct, every graded function written in a style of her own (Adam with named corrected '
                        'moments, partition by index folds, run_experiment building a list of dicts, her own plot '
                        'function) and her own answers.',
                **verdict(), similar_to=(240115,)),
        Student('Quinn, Alex', 240115, '830100115', 'aquinn',
                [Upload(5531630, 'Quinn-A2.ipynb', nb_quinn)], '2026-10-02T22:47:05-0600',
                summary="A copy of Reyes's notebook: variables renamed, `run_experiment` moved above `rmse` and "
                        '`grad_relu` above `relu`, the answers reworded in a few places. Correct, so every item '
                        'passes: similarity flags are for a TA, never a score.',
                **verdict(), similar_to=(240114,),
                notes='Flagged with Reyes, Dana for similar code and similar answers (best result and '
                      'observations). No other pair of the sample is flagged: the starter-only notebook is not, '
                      'partners are never compared, and the code and text a third of the class share (here: the '
                      'solution notebook the sample is built from) are not counted.'),
        Student('Lopez, Ana', 240113, '830100113', 'alopez', [], None,
                summary='No submission: in the roster, not in the zip.',
                kind='missing'),
        Student('Student, Test', 240199, '', '', [], None,
                summary="Canvas's test student, present in every gradebook export; never submits.",
                kind='test-student'),
    ]


# ---------------------------------------------------------------------------------------------- outputs
def notebook_bytes(nb) -> bytes:
    nbformat.validate(nb)
    return (nbformat.writes(nb) + '\n').encode('utf-8')


def entry_name(student: Student, upload: Upload) -> str:
    late = '_LATE' if student.late else ''
    name = f'{student.name}{late}_{student.user_id}_{upload.attachment_id}_{upload.filename}'
    return unicodedata.normalize('NFC', name)


def build_zip(students: list[Student]) -> bytes:
    entries = []
    for student in students:
        for upload in student.uploads:
            entries.append((entry_name(student, upload), notebook_bytes(upload.build())))
    entries.sort()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerows(rows)
    return out.getvalue().encode('utf-8')


def build_times(students: list[Student]) -> bytes:
    rows = [[str(s.user_id), s.submitted_at] for s in sorted(students, key=lambda s: s.user_id) if s.submitted_at]
    return _csv([TIMES_HEADER] + rows)


def build_roster(students: list[Student]) -> bytes:
    rows = [[s.sortable, str(s.user_id), s.sis_user_id, s.login, SECTION] for s in students]
    return _csv([ROSTER_HEADER] + sorted(rows))


def entries_of(student: Student) -> list[str]:
    return [entry_name(student, u) for u in sorted(student.uploads, key=lambda u: u.attachment_id)]


def build_answer_key(students: list[Student]) -> bytes:
    """The README's verdicts as data, for the grader's tests."""
    key = {
        'due': DUE,
        'grace_minutes': 0,
        'points_per_day': 10,
        'items': {'code': list(CODE_ITEMS), 'advisory': list(ADVISORY_ITEMS),
                  'discussion': list(DISCUSSION_ITEMS), 'extra_credit': list(EXTRA_ITEMS)},
        'students': [],
    }
    for s in students:
        graded = s.graded_upload
        key['students'].append({
            'sortable_name': s.sortable,
            'user_id': s.user_id,
            'kind': s.kind,
            'partner_of': s.partner_of,
            'entries': entries_of(s),
            'graded_entry': entry_name(s, graded) if graded else None,
            'notebook': graded.filename if graded else None,
            'late_marker': s.late,
            'submitted_at': s.submitted_at,
            'late_days': s.late_days if s.kind == 'graded' else None,
            'expect': s.expect,
            'why': s.why,
            'faults': list(s.faults),
            'similar_to': list(s.similar_to),
        })
    return (json.dumps(key, indent=1, ensure_ascii=False) + '\n').encode('utf-8')


def build_readme(students: list[Student]) -> bytes:
    by_id = {s.user_id: s for s in students}
    lines = [
        '# Sample Canvas download for Assignment 2: the answer key',
        '',
        'Generated by `python submissions/make_sample.py` (do not edit by hand). Every notebook is derived from '
        '`submissions/A2-solution.ipynb` or its starter by exact substitutions, so each one differs from the '
        'solution only where described. Saved outputs are copied from the solution and cleared in the cells a '
        'substitution changed, so some are stale, as in real submissions: evidence for a TA, never proof.',
        '',
        '* `canvas-submissions.zip`: entries `{name}[_LATE]_{user_id}_{attachment_id}_{file name}`, as Canvas\'s '
        '"Download Submissions" names them.',
        '* `submission-times.csv`: `user_id,submitted_at` from the Canvas API; offsets written `-06:00`, `-0600` '
        'or `Z`.',
        '* `roster.csv`: the gradebook export\'s student columns (`Student,ID,SIS User ID,SIS Login ID,Section`).',
        '* `answer-key.json`: the verdicts below as data.',
        '',
        f'Due date: `{DUE}` (`rubrics/a2.yaml`; late policy 10 points per started day, no grace: Canvas marks a '
        'submission LATE from the first second).',
        '',
        '## Students',
        '',
        '| Student | user id | zip entries | what the notebook contains | submitted at | late |',
        '|---|---|---|---|---|---|',
    ]
    for s in students:
        entries = '<br>'.join(f'`{e}`' for e in entries_of(s)) or '(none)'
        late = ('LATE' if s.late else '') + (f', {s.late_days} day(s) of penalty' if s.late_days else '')
        lines.append(f'| {s.sortable} | {s.user_id} | {entries} | {s.summary} | {s.submitted_at or ""} | {late} |')
    lines += [
        '',
        '## Expected verdicts',
        '',
        'Item ids are those of `rubrics/a2.yaml`. Code: ' + ', '.join(f'`{i}`' for i in CODE_ITEMS)
        + ' (70 points); advisory: `relu_in_place` (no points); results and discussion: '
        + ', '.join(f'`{i}`' for i in DISCUSSION_ITEMS) + ' (30 points); extra credit: `swish_ec` (5 points). '
        '**pass**: full credit for the item. **fail**: not full credit. **flag**: the advisory item is reported '
        '(no points change). Discussion items are what the automatic checks should conclude; a TA still reads '
        'the answers. **faults**: the ids of the fault catalogue (README) the grader reports, each charged once, '
        'in the item it names, by the rubric\'s deduction.',
        '',
        '| Student | graded file | should fail | should be flagged | faults | late days |',
        '|---|---|---|---|---|---|',
    ]
    for s in students:
        if s.kind == 'partner':
            lines.append(f'| {s.sortable} | (partner) | same grade as {by_id[s.partner_of].sortable} | | | |')
            continue
        if s.kind in ('missing', 'test-student'):
            lines.append(f'| {s.sortable} | (none) | {"missing: no submission" if s.kind == "missing" else "ignore"}'
                         ' | | | |')
            continue

        def listed(status):
            return '; '.join(f'`{k}`' + (f' ({s.why[k]})' if k in s.why else '')
                             for k, v in s.expect.items() if v == status)
        fails = listed('fail') or 'nothing'
        if all(v in ('fail', 'n/a') for v in s.expect.values()):
            fails = 'every item' + ''.join(f'; `{k}`: {v}' for k, v in s.why.items())
        faults = ', '.join(f'`{f}`' for f in s.faults) or 'none'
        lines.append(f'| {s.sortable} | `{s.graded_upload.filename}` | {fails} | {listed("flag")} | {faults} | '
                     f'{s.late_days} |')
    lines += ['', '## Notes', '']
    for s in students:
        notes = [s.notes] if s.notes else []
        notes += [f'`{k}` passes: {v}.' for k, v in s.why.items() if s.expect.get(k) == 'pass']
        if notes:
            lines.append(f'* **{s.sortable}**: ' + ' '.join(notes))
    lines.append('')
    return '\n'.join(lines).encode('utf-8')


def generate() -> dict[Path, bytes]:
    """Every sample file's bytes, without writing anything."""
    students = build_students()
    return {
        ZIP_PATH: build_zip(students),
        TIMES_PATH: build_times(students),
        ROSTER_PATH: build_roster(students),
        README_PATH: build_readme(students),
        KEY_PATH: build_answer_key(students),
    }


SOLUTION = nbformat.read(str(bn.SOLUTION), as_version=4)
STARTER = bn.derive_starter(SOLUTION)


def main() -> int:
    SAMPLE.mkdir(exist_ok=True)
    for path, data in generate().items():
        path.write_bytes(data)
        print(f'wrote {path.relative_to(HERE.parent)} ({len(data)} bytes)')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Similarity flags and answer rendering, on notebooks built from the handout (no kernel)."""
from __future__ import annotations

import base64
import re

import nbformat
import pytest

from grader.model import Item
from grader.review import similarity as sim
from nbtools import REPO

pytest.importorskip('copydetect')
pytest.importorskip('markdown_it')

STARTER = nbformat.read(str(REPO / 'submissions' / 'A2.ipynb'), as_version=4)

# Independent, correct student code in three different styles, and the handout's stubs filled by each.
PARTITION_A = '''
def partition(X, T, n_folds, random_shuffle=True):
    rows = np.arange(X.shape[0])
    if random_shuffle:
        np.random.shuffle(rows)
    size = X.shape[0] // n_folds
    starts = [i * size for i in range(n_folds)] + [X.shape[0]]
    parts = [rows[starts[i]:starts[i + 1]] for i in range(n_folds)]
    train = np.concatenate(parts[2:])
    return X[train], T[train], X[parts[0]], T[parts[0]], X[parts[1]], T[parts[1]]

def summarize(results):
    best = results.loc[results['RMSE Val'].idxmin()]
    print('best', best['epochs'], best['nh'], best['act func'], best['RMSE Test'])
    return best
'''
PARTITION_B = '''
def partition(X, T, n_folds, random_shuffle=True):
    if random_shuffle:
        perm = np.random.permutation(len(X))
        X, T = X[perm], T[perm]
    k = len(X) // n_folds
    Xs = [X[f * k:(f + 1) * k] if f < n_folds - 1 else X[f * k:] for f in range(n_folds)]
    Ts = [T[f * k:(f + 1) * k] if f < n_folds - 1 else T[f * k:] for f in range(n_folds)]
    return np.vstack(Xs[2:]), np.vstack(Ts[2:]), Xs[0], Ts[0], Xs[1], Ts[1]

def rmse_table(nets, X, T):
    out = {}
    for name, net in nets.items():
        out[name] = float(np.sqrt(((net.use(X) - T) ** 2).mean()))
    return out
'''
# PARTITION_A copied: names changed, the two functions swapped
COPY_OF_A = '''
def show_best(res):
    top = res.loc[res['RMSE Val'].idxmin()]
    print('best', top['epochs'], top['nh'], top['act func'], top['RMSE Test'])
    return top

def partition(X, T, n_folds, random_shuffle=True):
    order = np.arange(X.shape[0])
    if random_shuffle:
        np.random.shuffle(order)
    fold_len = X.shape[0] // n_folds
    edges = [j * fold_len for j in range(n_folds)] + [X.shape[0]]
    chunks = [order[edges[j]:edges[j + 1]] for j in range(n_folds)]
    tr = np.concatenate(chunks[2:])
    return X[tr], T[tr], X[chunks[0]], T[chunks[0]], X[chunks[1]], T[chunks[1]]
'''
ANSWER_A = ('The lowest validation error came from 500 epochs with two hidden layers of ten units and tanh, with a '
            'test RMSE of about 2.9 mpg, which is good given that the cars range from 9 to 46 mpg and the linear '
            'model only reached 3.4 on the same test set.')
ANSWER_B = ('My best network used relu with fifty hidden units for 1000 epochs; its validation RMSE of 2.4 went '
            'with a test RMSE of 2.7, so predictions are usually within three miles per gallon of the truth, '
            'decent for such a small data set.')


def work(key, code, answer='', partners=(), name=None, user_id=None):
    return sim.Work(key, name or f'Student{key}, A', user_id or key, tuple(partners), code,
                    {'best_result': answer} if answer else {})


def starter_code():
    return sim.notebook_code(STARTER.cells)


def class_of(*extra):
    base = starter_code()
    return [work('1', base + PARTITION_A, ANSWER_A), work('2', base + PARTITION_B, ANSWER_B), *extra]


def pairs(works):
    found, notes = sim.find_pairs(works)
    assert notes == []
    return {(p.kind, p.a, p.b) for p in found}


def test_a_copy_with_renamed_variables_and_reordered_functions_is_flagged():
    copy = work('3', starter_code() + COPY_OF_A, ANSWER_A.replace('about 2.9', 'roughly 2.9'))
    assert pairs(class_of(copy)) == {('code', '1', '3'), ('text', '1', '3')}


def test_independent_work_and_the_starter_alone_are_not_flagged():
    starter_only = work('4', starter_code(), '*Your answer here.*')
    another_starter = work('5', starter_code())
    assert pairs(class_of(starter_only, another_starter)) == set()


def test_partners_are_never_flagged_against_each_other():
    base = starter_code()
    by_id = work('6', base + PARTITION_A, ANSWER_A, partners=[('1', 'Student1, A')])
    assert pairs(class_of(by_id)) == set()
    by_last_name = work('7', base + PARTITION_A, ANSWER_A, partners=[(None, 'Student1')])
    assert pairs(class_of(by_last_name)) == set()


def test_what_a_third_of_the_class_shares_is_not_evidence():
    base = starter_code()
    shared = [work(str(k), base + PARTITION_A + f'\nx{k} = {k}\n', ANSWER_A) for k in range(10, 16)]
    assert pairs(class_of(*shared)) == set()
    # two of them sharing more than the crowd are flagged
    extra = '''
def plot_errors(results, function):
    picked = results[results['act func'] == function]
    for column, style in (('RMSE Train', 'o-'), ('RMSE Val', 's--'), ('RMSE Test', 'x:')):
        plt.plot(range(len(picked)), picked[column], style, label=column)
    plt.xticks(range(len(picked)), [f'{e} {h}' for e, h in zip(picked['epochs'], picked['nh'])], rotation=30)
    plt.legend()
    plt.title(function)

def best_rows(results, how_many=3):
    ranked = results.sort_values('RMSE Val').head(how_many)
    for _, row in ranked.iterrows():
        print(f"{row['epochs']:5d} {str(row['nh']):>12} {row['act func']:>5} {row['RMSE Test']:.3f}")
    return ranked
'''
    pair = [work('20', base + PARTITION_A + extra), work('21', base + PARTITION_A + extra)]
    assert pairs(class_of(*shared, *pair)) == {('code', '20', '21')}


def test_short_answers_are_not_compared():
    a = work('30', starter_code(), 'The prediction is pretty good.')
    b = work('31', starter_code(), 'The prediction is pretty good.')
    assert pairs(class_of(a, b)) == set()


# ---------------------------------------------------------------- answers as the desk shows them
def _notebook(tmp_path, answer: str, outputs=()):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell('Find the lowest value of `RMSE Val` in your table and report the '
                                              '`RMSE Test` and the parameter values that produced this. Discuss '
                                              'how good this prediction is.'),
                nbformat.v4.new_code_cell('best', outputs=list(outputs)),
                nbformat.v4.new_markdown_cell(answer)]
    path = tmp_path / 'Hostile-A2.ipynb'
    nbformat.write(nb, str(path))
    return path


def test_student_markup_never_reaches_the_page(tmp_path):
    from grader.review.answers import NotebookAnswers
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    table = nbformat.v4.new_output('execute_result', data={
        'text/html': '<table><tr><th>RMSE Val</th></tr><tr><td><img src=x onerror=alert(1)>2.16</td></tr></table>'})
    image = nbformat.v4.new_output('display_data', data={'image/svg+xml': svg})
    png = nbformat.v4.new_output('display_data', data={'image/png': base64.b64encode(b'\x89PNG fake').decode()})
    path = _notebook(tmp_path, 'My **best** RMSE is 2.16 <script>alert("x")</script> '
                               '<img src=x onerror=alert(2)> [link](javascript:alert(3))', [table, image, png])
    item = Item('results_reported', 'Best', 'discussion', 8, 'results_reported')
    answer = NotebookAnswers().answer(str(path), item)
    assert answer.found and '<strong>best</strong>' in answer.html
    assert '<script' not in answer.html and '<img' not in answer.html and 'href="javascript' not in answer.html
    assert '&lt;script&gt;' in answer.html
    assert answer.tables == ('RMSE Val\n2.16',)      # the HTML table's text only
    assert [i.mime for i in answer.images] == ['image/svg+xml', 'image/png']
    assert answer.images[1].data == b'\x89PNG fake'


def test_a_missing_notebook_says_why(tmp_path):
    from grader.review.answers import NotebookAnswers
    item = Item('plots_present', 'Plots', 'discussion', 6, 'plots_present')
    answer = NotebookAnswers().answer(str(tmp_path / 'gone.ipynb'), item)
    assert not answer.found and re.search(r'no longer in the output folder', answer.problem)
    broken = tmp_path / 'broken.ipynb'
    broken.write_text('{"cells": [')
    assert 'not valid JSON' in NotebookAnswers().answer(str(broken), item).problem


def test_without_the_review_extra_the_export_goes_on_and_says_why(tmp_path, monkeypatch):
    from grader.review.views import similarity_report
    monkeypatch.setitem(__import__('sys').modules, 'copydetect', None)
    copy = work('3', starter_code() + COPY_OF_A, ANSWER_A)
    found, notes = sim.find_pairs(class_of(copy))
    assert {(p.kind, p.a, p.b) for p in found} == {('text', '1', '3')}
    assert notes and 'review extra' in notes[0]
    monkeypatch.setitem(__import__('sys').modules, 'jinja2', None)
    assert "pip install 'a2-grader[review]'" in similarity_report(tmp_path)

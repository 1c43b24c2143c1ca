"""Notebooks as students really hand them in (tests/handout.py), graded as the fault catalogue says,
each fault charged once in the item that names it, with identical points and feedback under 20 hidden-input seeds.

One kernel per notebook serves every seed (its definitions are loaded once), and one ReferenceExpected serves every
notebook, so the whole set costs about a minute and a half.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader.checks.runner import fault_catalogue, is_code_check, run_answer_check
from grader.kernel.bubblewrap import default_launcher
from grader.kernel.session import KernelSession
from grader.model import SubmissionResult
from grader.pipeline.expected import ReferenceExpected
from grader.pipeline.grade import grade_notebook, graded_names, probe_sources, run_code_items, support_files
from grader.pipeline.load import load_notebook
from grader.pipeline.score import score
from grader.report.feedback import feedback_markdown
from grader.rubric.load import load_rubric
from handout import FIXTURES, STARTER, STARTER_FAULTS, build

RUBRIC = load_rubric()
SEEDS = [int(s) for s in np.random.default_rng(20261002).integers(0, 2 ** 32, 20)]
CODE_ITEMS = [it for it in RUBRIC.items if is_code_check(it.check)]
EXPECTED = {**{name: dict(f.faults) for name, f in FIXTURES.items()}, 'starter': dict.fromkeys(STARTER_FAULTS, 1)}


def grade_under_seeds(path, expected) -> dict[int, SubmissionResult]:
    """The notebook graded under every seed of SEEDS, its definitions loaded once into one kernel."""
    loaded = load_notebook(path, roots=graded_names(RUBRIC))
    answers = {it.id: run_answer_check(it, loaded.answers) for it in RUBRIC.items if it not in CODE_ITEMS}
    graded = {}
    with KernelSession(default_launcher(), probe_sources(), support_files(), notebook=path) as session:
        session.define(loaded.chunks)
        for seed in SEEDS:
            results = dict(answers)
            run_code_items(session, CODE_ITEMS, results, expected, 'grade', seed)
            items, totals, _ = score(RUBRIC, results, (), None, 'grade')
            graded[seed] = SubmissionResult(notebook=path.name, status='graded', message='graded', mode='grade',
                                            seed=seed, items=items, totals=totals)
    return graded


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp('real')
    expected = ReferenceExpected()
    out = {}
    for name, fixture in FIXTURES.items():
        path = build(name, folder)
        if fixture.status == 'graded':
            out[name] = grade_under_seeds(path, expected)
        else:
            out[name] = {SEEDS[0]: grade_notebook(path, RUBRIC, seed=SEEDS[0], expected=expected)}
    out['starter'] = grade_under_seeds(STARTER, expected)
    return out


def faults_of(result: SubmissionResult) -> dict[str, int]:
    found = {}
    for item in result.items:
        for d in item.deductions:
            points = RUBRIC.deduction_for(RUBRIC.item(item.id), d.id).points
            found[d.id] = round(d.points / points) if points else 1
    return found


@pytest.mark.parametrize('name', list(EXPECTED))
def test_graded_as_the_catalogue_says(graded, name):
    result = graded[name][SEEDS[0]]
    assert result.status == (FIXTURES[name].status if name in FIXTURES else 'graded'), result.message
    assert faults_of(result) == EXPECTED[name]
    for item in result.items:
        rule = RUBRIC.item(item.id)
        catalogue = fault_catalogue(rule)
        for d in item.deductions:
            # Each fault is charged in the item its id names, and only there; every id is in the catalogue.
            assert d.id.split('.')[0] == item.id and d.id in catalogue, d.id
        charged = sum(d.points for d in item.deductions)
        if result.status == 'graded' and not rule.advisory:
            assert item.points == max(0.0, item.max_points - charged), (item.id, item.points, item.deductions)
        if not item.deductions and result.status == 'graded':
            assert item.points == item.max_points, (item.id, item.message)


def test_a_notebook_without_code_gets_its_status_and_one_message(graded):
    from grader.pipeline.grade import NO_CODE
    result = graded['code_in_markdown'][SEEDS[0]]
    assert (result.status, result.message) == ('no-code', NO_CODE)
    for item in result.items:
        if item.id in {it.id for it in CODE_ITEMS}:
            assert item.message == 'not graded: the notebook has no code cell' and item.points == 0
    assert result.totals.discussion == 24     # the answers are still read (their plots went with the code)


def test_a_correct_notebook_keeping_the_given_code_scores_full_code_points(graded):
    for name in ('correct_pasted', 'correct_unusual'):
        totals = graded[name][SEEDS[0]].totals
        assert (totals.code, totals.discussion, totals.extra_credit) == (70, 30, 5), name


def test_downstream_items_are_judged_with_a_correct_copy_and_say_so(graded):
    def item(name, item_id):
        return next(it for it in graded[name][SEEDS[0]].items if it.id == item_id)
    # Adam's fault costs adam only: training and the grid search ran with a correct Adam.
    assert item('no_bias', 'train_network').points == 10 and item('no_bias', 'train_network').stand_ins == ('adam',)
    assert 'adam' in item('no_bias', 'run_experiments').stand_ins
    # use's fault costs use only; a partition fault costs partition only.
    assert item('inverted', 'run_experiments').stand_ins == ('use',)
    assert item('start_stop', 'run_experiments').stand_ins == ('partition',)
    feedback = feedback_markdown(graded['no_bias'][SEEDS[0]], RUBRIC)
    assert 'Judged with a correct adam in place of yours' in feedback
    # A missing adam leaves nothing of the student's to judge in training: not stood in for.
    assert item('starter', 'train_network').deductions[0].id == 'train_network.upstream_missing'


@pytest.mark.parametrize('name', [n for n in EXPECTED if n == 'starter' or FIXTURES[n].status == 'graded'])
def test_identical_points_and_feedback_under_every_seed(graded, name):
    """Hidden cases vary values, never conventions: the same notebook gets the same points, deductions and
    messages whatever the seed, so no hidden size, shape or value can show in its feedback."""
    runs = graded[name]
    first = runs[SEEDS[0]]
    for seed in SEEDS[1:]:
        for a, b in zip(first.items, runs[seed].items):
            assert (b.id, b.points, b.deductions, b.message) == (a.id, a.points, a.deductions, a.message), seed


def hidden_markers(seed: int) -> set[str]:
    """What would betray a hidden case in a message: its arrays' shapes and its seeds. (A size alone is a number that
    public messages may hold too; the test of identical feedback under every seed covers it.)"""
    from grader.checks.runner import cases_for
    markers = set()
    for item in CODE_ITEMS:
        for case in cases_for(item, 'grade', seed):
            if not case.hidden:
                continue
            for key, value in case.inputs.items():
                try:
                    shape = np.shape(value) if not isinstance(value, (str, dict)) else ()
                except ValueError:      # ragged lists (hidden-layer choices): no array shape to betray
                    shape = ()
                if len(shape) == 2:
                    markers |= {f'({shape[0]}, {shape[1]})', f'({shape[0]},{shape[1]})'}
                if key == 'seed' and value is not None:
                    markers.add(str(value))
    return markers


@pytest.mark.parametrize('name', [n for n in EXPECTED if n == 'starter' or FIXTURES[n].status == 'graded'])
def test_no_hidden_size_shape_or_seed_in_any_feedback(graded, name):
    for seed, result in graded[name].items():
        text = feedback_markdown(result, RUBRIC)
        leaked = [m for m in hidden_markers(seed) if m in text]
        assert not leaked, (seed, leaked)


def test_an_error_points_at_the_students_cell_and_line(graded):
    """The line of the cell as the student sees it, inside their function, never inside NumPy."""
    item = next(it for it in graded['start_stop'][SEEDS[0]].items if it.id == 'run_experiments')
    assert 'cell 20, line 11, in run_experiment: start, stop = n_epochs_choices' in item.message


def test_where_skips_numpy_frames():
    import linecache

    from grader.kernel import driver
    source = 'import numpy as np\n\ndef use(X):\n    return np.reshape(X, (2, 2))\n'
    linecache.cache['<cell 7>'] = (len(source), None, source.splitlines(True), '<cell 7>')
    namespace = {}
    exec(compile(source, '<cell 7>', 'exec'), namespace)
    with pytest.raises(ValueError) as caught:
        namespace['use'](np.arange(3))
    assert driver.where(caught.value) == 'cell 7, line 4, in use: return np.reshape(X, (2, 2))'

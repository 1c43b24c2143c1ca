"""The hidden train_network check on real notebooks: the solution, harmless variants it must not penalise (the adam
check marks those), and the training mistakes it must reject with a message that names them."""
import re

import pytest

from grader.checks.runner import NO_CASES, cases_for, run_code_check
from grader.checks.train_network import public_cases
from grader.pipeline.expected import ReferenceExpected
from nbtools import grade_items, rubric_with, student_notebook

ADAM_STEP = 'self.all_weights -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)'
MT_UPDATE = 'self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad'
T_STANDARDIZED = 'T = (T - self.Tmeans) / self.Tstds'


def grade_train(tmp_path, *replace):
    scores, _ = grade_items(student_notebook(tmp_path, replace=list(replace)), 'train_network')
    return scores['train_network']


def no_hidden_inputs(message):
    """Hidden messages name the fault, never a shape, a value or the number of epochs."""
    return not re.search(r'\(\d+, ?\d*\)|\d\.\d|\b50\b', message)


@pytest.fixture(scope='module')
def correct(tmp_path_factory):
    return grade_train(tmp_path_factory.mktemp('train'))


def test_solution_passes(correct):
    assert (correct.status, correct.points) == ('pass', 10), correct.message


def test_hidden_only_and_three_networks():
    assert public_cases({}) == []
    item = rubric_with('train_network').item('train_network')
    cases = cases_for(item, 'grade', 7)
    assert [c.probe for c in cases] == ['train_trace_run'] * 3 and all(c.hidden for c in cases)
    assert [len(c.inputs['nh']) for c in cases] == [1, 2, 0]
    assert cases_for(item, 'self-check', None) == []


def test_variants_mirror_the_reference_and_are_told_apart():
    """The grader-side mirror of train is the reference exactly; every named mistake departs by far more than
    rtol on cases where it applies, so the default tolerance cannot confuse them with the correct trace."""
    import numpy as np
    from grader.hidden import train_network as hidden
    ns = ReferenceExpected().namespace()
    for case in cases_for(rubric_with('train_network').item('train_network'), 'grade', 7):
        correct = ReferenceExpected().value('train_network', case)['correct']
        assert np.array_equal(hidden._trace(dict(ns, NeuralNetwork=hidden.variant_network(ns, None)), case.inputs),
                              correct)
        for variant in hidden.WRONG:
            trace = hidden._trace(dict(ns, NeuralNetwork=hidden.variant_network(ns, variant)), case.inputs)
            neutral = (variant == 'tanh_derivative' and not case.inputs['nh']) or \
                      (variant == 'trace_standardized' and case.inputs['n_outputs'] > 1)
            if trace is not None and not neutral:
                assert np.max(np.abs(trace - correct) / correct) > 1e-3, (case.key, variant)


def test_self_check_skips_it(tmp_path):
    scores, result = grade_items(student_notebook(tmp_path), 'train_network', mode='self-check')
    assert (scores['train_network'].status, scores['train_network'].points) == ('skipped', 0)
    # Even a rubric that made it public must not turn "no case" into a silent 0.
    item = rubric_with('train_network').item('train_network')
    result = run_code_check(item, session=None, expected=None, mode='self-check', seed=None)
    assert (result.status, result.fraction, result.message) == ('skipped', 0.0, NO_CASES)


# ---------------------------------------------------------------- accepted: not this check's business
@pytest.mark.parametrize('replace', [
    # epsilon inside the square root: the adam check marks it, this one must not
    [(ADAM_STEP, 'self.all_weights -= alpha * m_hat / np.sqrt(v_hat + epsilon)')],
    # the gradient multiplied by the learning rate before the moments (alpha kept in the step)
    [(MT_UPDATE, 'grad = alpha * grad; ' + MT_UPDATE)],
    # Three changes that each leave a tanh network's training alone, in one notebook to spare kernel starts:
    # a "fixed" gradient_f returning the full gradient (Adam ignores the scale), a ReLU derivative of 1 at 0,
    # and a broken use() (the use check's business: training never calls it).
    [('delta = -error / (n_samples * n_outputs)', 'delta = -2 * error / (n_samples * n_outputs)'),
     ('return (s > 0).astype(float)', 'return (s >= 0).astype(float)'),
     ('return Y * self.Tstds + self.Tmeans', 'raise NotImplementedError()')],
], ids=['epsilon-inside-root', 'lr-scaled-gradient', 'full-gradient+relu-derivative+broken-use'])
def test_harmless_variants_pass(tmp_path, replace):
    score = grade_train(tmp_path, *replace)
    assert (score.status, score.points) == ('pass', 10), score.message


# ---------------------------------------------------------------- rejected
NO_BIAS = (('m_hat = self.mt / (1 - self.beta1t)', 'm_hat = self.mt'),
           ('v_hat = self.vt / (1 - self.beta2t)', 'v_hat = self.vt'))


def test_adam_without_bias_correction_is_charged_once_in_adam(tmp_path):
    scores, _ = grade_items(student_notebook(tmp_path, replace=list(NO_BIAS)), 'adam', 'train_network')
    assert [d.id for d in scores['adam'].deductions] == ['adam.no_bias_correction']
    # Training ran with a correct Adam in place of the student's: nothing charged twice.
    train = scores['train_network']
    assert (train.status, train.points, train.stand_ins) == ('pass', 10, ('adam',)), train.message


def test_without_the_adam_item_training_names_the_adam_fault(tmp_path):
    score = grade_train(tmp_path, *NO_BIAS)
    assert [d.id for d in score.deductions] == ['train_network.adam_fault'] and score.points == 0
    assert 'Adam without bias correction' in score.message and 'm̂ = mt / (1 - beta1t)' in score.message
    assert no_hidden_inputs(score.message), score.message


def test_t_standardized_with_x_statistics_fails(tmp_path):
    score = grade_train(tmp_path, (T_STANDARDIZED, 'T = (T - self.Xmeans) / self.Xstds'))
    assert (score.status, score.points) == ('fail', 0)
    # Where the shapes broadcast the trace is recognised; where they don't (fixed shapes: whatever the seed), the
    # student's code raises, and the message gives the exception's type, its text without numbers and the
    # student's line, never the hidden shapes.
    assert sorted(d.id for d in score.deductions) == ['train_network.fails_to_run', 'train_network.t_with_x_stats']
    assert 'standardizes T with the means and standard deviations of X' in score.message
    assert 'failed on a hidden case: ValueError: ' in score.message and ', line ' in score.message
    assert no_hidden_inputs(score.message), score.message


def test_t_not_standardized_fails(tmp_path):
    score = grade_train(tmp_path, (T_STANDARDIZED, 'T = T'))
    assert [d.id for d in score.deductions] == ['train_network.t_not_standardized'] and score.points == 5
    assert 'train does not standardize T' in score.message
    assert no_hidden_inputs(score.message), score.message


def test_wrong_tanh_derivative_fails_where_there_are_hidden_layers(tmp_path):
    score = grade_train(tmp_path, ('return 1 - self.Ys[layeri] ** 2', 'return 1 - self.Ys[layeri]'))
    # The linear model has no tanh to differentiate, the other cases show it: the deduction, once.
    assert [d.id for d in score.deductions] == ['train_network.tanh_derivative'] and score.points == 5
    assert 'wrong derivative of tanh' in score.message and '1 - Y**2' in score.message
    assert no_hidden_inputs(score.message), score.message


def test_train_not_returning_self_costs_a_point(tmp_path):
    score = grade_train(tmp_path, ('self.total_epochs += n_epochs\n        return self',
                                   'self.total_epochs += n_epochs'))
    assert (score.status, score.points) == ('partial', 9)
    assert 'train must end with return self' in score.message

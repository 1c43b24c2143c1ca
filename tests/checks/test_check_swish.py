"""swish_ec on real notebooks: the solution, a derivative taken from the outputs, no Swish, and another correct
way to write it."""
import re

import numpy as np
import pytest

import reference
from grader.checks.relu import gradient_matches
from grader.checks.runner import cases_for
from grader.pipeline.expected import ReferenceExpected
from nbtools import grade_items, rubric_with, student_notebook
from test_check_use import grade_in_process

FROM_SUMS = 'return self.grad_swish(self.Ss[layeri - 1])'
FORWARD = "        if self.activation_function == 'swish':\n            return self.swish(S)\n"
SWISH_BODY = 'return s * 0.5 * (1 + np.tanh(s / 2))'
GRAD_BODY = ("sig = 0.5 * (1 + np.tanh(s / 2))\n        return sig + s * sig * (1 - sig)")


def grade(tmp_path, *replace):
    return grade_items(student_notebook(tmp_path, replace=list(replace)), 'swish_ec')[0]['swish_ec']


@pytest.fixture(scope='module')
def correct(tmp_path_factory):
    return grade(tmp_path_factory.mktemp('swish'))


def test_solution_passes(correct):
    assert correct.status == 'pass' and correct.points == 5, correct.message


def test_derivative_from_layer_outputs_gets_half(tmp_path):
    score = grade(tmp_path, (FROM_SUMS, 'return self.grad_swish(self.Ys[layeri])'))
    assert score.status == 'partial' and score.points == 2.5
    assert 'computed from the layer outputs' in score.message and 'weighted sums' in score.message
    assert not re.search(r'\(\d+, ?\d*\)|\d\.\d', score.message), score.message


def test_no_swish_falls_back_to_tanh(tmp_path):
    score = grade(tmp_path, (FORWARD, ''))
    assert score.status == 'fail' and score.points == 0
    assert [d.id for d in score.deductions] == ['swish_ec.not_attempted']
    assert score.message.startswith('Extra credit not attempted: ') and 'computes tanh' in score.message


def test_exp_sigmoid_and_exact_gradient_are_correct(tmp_path):
    score = grade(tmp_path, (SWISH_BODY, 'return s / (1 + np.exp(-s))'),
                  (GRAD_BODY, 'sig = 1 / (1 + np.exp(-s))\n        return sig * (1 + s * (1 - sig))'),
                  ('delta = -error / (n_samples * n_outputs)', 'delta = -2 * error / (n_samples * n_outputs)'))
    assert score.status == 'pass' and score.points == 5, score.message


class UnknownActivation(reference.NeuralNetwork):
    def __init__(self, n_inputs, n_hiddens_per_layer, n_outputs, activation_function='tanh'):
        if activation_function not in ('tanh', 'relu'):
            raise ValueError(f'unknown activation {activation_function}')
        super().__init__(n_inputs, n_hiddens_per_layer, n_outputs, activation_function)


class TanhDerivative(reference.NeuralNetwork):
    def _activation_derivative(self, layer):
        return 1 - self.Ys[layer] ** 2


def test_unknown_activation_error_says_not_attempted():
    result = grade_in_process('swish_ec', UnknownActivation)
    assert result.status == 'fail' and result.fraction == 0
    assert [f.id for f in result.faults] == ['swish_ec.not_attempted']
    assert result.message.startswith('Extra credit not attempted: ') and 'ValueError' in result.message


def test_tanh_derivative_for_swish_is_named():
    result = grade_in_process('swish_ec', TanhDerivative)
    assert result.status == 'partial' and result.fraction == 0.5
    assert "tanh's derivative" in result.message


def test_cases_separate_the_derivative_from_outputs():
    reference_expected = ReferenceExpected()
    item = rubric_with('swish_ec').item('swish_ec')
    for seed in (7, 1234):
        cases = cases_for(item, 'grade', seed)
        assert sum(c.hidden for c in cases) == 2
        for case in cases:
            expected = reference_expected.value('swish_ec', case)
            assert np.any(np.concatenate([np.ravel(y) for y in expected['correct']['Ys'][1:-1]]) < 0)
            for variant in ('swish_of_outputs', 'swish_mixed_outputs', 'tanh_derivative'):
                assert not gradient_matches(expected['grad:' + variant], expected['correct'], 1e-3), \
                    (seed, case.key, variant)

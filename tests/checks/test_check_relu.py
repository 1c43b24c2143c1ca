"""relu_unit, relu_in_place (advisory) and relu_network on real notebooks, plus what the cases can tell apart."""
import re

import numpy as np
import pytest

import reference
from grader.checks.relu import gradient_matches, network_cases
from grader.checks.runner import cases_for
from grader.pipeline.expected import ReferenceExpected
from nbtools import grade_items, rubric_with, student_notebook
from test_check_use import grade_in_process

ITEMS = ('relu_unit', 'relu_in_place', 'relu_network')
RELU = ('return np.maximum(s, 0)', )
GRAD = ('return (s > 0).astype(float)', )
DEFAULT_TANH = "def __init__(self, n_inputs, n_hiddens_per_layer, n_outputs, activation_function='tanh'):"
DELTA = 'delta = -error / (n_samples * n_outputs)'


def grade(tmp_path, *replace):
    return grade_items(student_notebook(tmp_path, replace=list(replace)), *ITEMS)[0]


def no_hidden_inputs(message):
    return not re.search(r'\(\d+, ?\d*\)|\d\.\d', message)


@pytest.fixture(scope='module')
def correct(tmp_path_factory):
    return grade(tmp_path_factory.mktemp('relu'))


def test_solution_passes_and_the_advisory_item_is_worth_nothing(correct):
    assert correct['relu_unit'].status == 'pass' and correct['relu_unit'].points == 5
    assert correct['relu_network'].status == 'pass' and correct['relu_network'].points == 10
    advisory = correct['relu_in_place']
    assert advisory.status == 'pass' and advisory.points == 0 and advisory.max_points == 0


def test_derivative_one_at_zero_on_outputs(tmp_path):
    # (s >= 0) is right on the unit arrays (no exact 0) but is 1 for every layer output inside the network.
    scores = grade(tmp_path, GRAD + ('return (s >= 0).astype(float)',))
    assert scores['relu_unit'].status == 'pass' and scores['relu_unit'].points == 5
    network = scores['relu_network']
    # Wrong in every ReLU case: the rubric's deduction, once (not a weighted mean of the cases).
    assert [d.id for d in network.deductions] == ['relu_network.grad_all_ones'] and network.points == 5
    assert 'derivative 1 everywhere' in network.message and 's >= 0' in network.message
    assert no_hidden_inputs(network.message), network.message


def test_inverted_mask(tmp_path):
    scores = grade(tmp_path, GRAD + ('return (s < 0).astype(float)',))
    unit = scores['relu_unit']
    assert [d.id for d in unit.deductions] == ['relu_unit.grad_inverted'] and unit.points == 2.5
    assert 'mask is inverted' in unit.message
    # One fault, one charge: grad_relu's fault is relu_unit's; the network is judged with a correct grad_relu.
    network = scores['relu_network']
    assert network.status == 'pass' and network.points == 10 and network.stand_ins == ('relu and grad_relu',)


def test_relu_in_place_is_flagged_for_free_and_tanh_must_stay_the_default(tmp_path):
    scores = grade(tmp_path, RELU + ('s[s < 0] = 0\n        return s',),
                   (DEFAULT_TANH, DEFAULT_TANH.replace("'tanh'", "'relu'")))
    assert scores['relu_unit'].status == 'pass' and scores['relu_unit'].points == 5
    advisory = scores['relu_in_place']
    assert advisory.status == 'fail' and advisory.points == 0 and advisory.max_points == 0
    assert advisory.message.startswith('relu modifies its argument in place (harmless in forward_pass, but '
                                       'surprising for callers): ')
    network = scores['relu_network']
    assert [d.id for d in network.deductions] == ['relu_network.default_not_tanh'] and network.points == 7
    assert 'three arguments must still use tanh' in network.message


def test_np_where_bool_derivative_and_exact_gradient_are_correct(tmp_path):
    scores = grade(tmp_path, RELU + ('return np.where(s > 0, s, 0)',), GRAD + ('return s > 0',),
                   (DELTA, 'delta = -2 * error / (n_samples * n_outputs)'))
    for item in ITEMS:
        assert scores[item].status == 'pass', (item, scores[item].message)
    assert scores['relu_network'].points == 10


def test_product_relu_and_int_derivative_are_correct(tmp_path):
    scores = grade(tmp_path, RELU + ('return s * (s > 0)',), GRAD + ('return (s > 0).astype(int)',))
    for item in ITEMS:
        assert scores[item].status == 'pass', (item, scores[item].message)


class MaskCopy(reference.NeuralNetwork):
    def relu(self, s):
        y = s.copy()
        y[y < 0] = 0
        return y


class OnesEverywhere(reference.NeuralNetwork):
    def grad_relu(self, s):
        return np.ones_like(s)


class ScalarDerivative(reference.NeuralNetwork):
    def grad_relu(self, s):
        return 1.0


class FlatRelu(reference.NeuralNetwork):
    def relu(self, s):
        return np.maximum(s, 0).ravel()


class ThreeTimes(reference.NeuralNetwork):
    def gradient_f(self, X, T):
        return 3 * super().gradient_f(X, T)


def test_boolean_mask_copy_is_correct():
    assert grade_in_process('relu_in_place', MaskCopy).status == 'pass'
    assert grade_in_process('relu_unit', MaskCopy).status == 'pass'


@pytest.mark.parametrize('variant, words', [(OnesEverywhere, '1 everywhere'), (ScalarDerivative, '1 everywhere'),
                                            (FlatRelu, 'relu returns the wrong shape')])
def test_unit_diagnoses(variant, words):
    result = grade_in_process('relu_unit', variant)
    assert result.status == 'partial' and result.fraction == 0.5
    assert words in result.message, result.message


def test_other_gradient_scales_are_rejected_and_named():
    result = grade_in_process('relu_network', ThreeTimes)
    assert result.status == 'partial' and result.fraction == 0.5
    assert "3 times the course's" in result.message and 'twice it' in result.message


def test_cases_have_negative_sums_where_a_wrong_derivative_shows():
    reference_expected = ReferenceExpected()
    item = rubric_with('relu_network').item('relu_network')
    assert all(np.array_equal(a.inputs['weights'], b.inputs['weights'])
               for a, b in zip(network_cases({}), network_cases({})))   # public inputs are fixed
    for seed in (7, 1234, 99):
        cases = [c for c in cases_for(item, 'grade', seed) if c.inputs['activation'] == 'relu']
        assert sorted(len(c.inputs['nh']) for c in cases if c.hidden) == [1, 2, 3]
        for case in cases:
            expected = reference_expected.value('relu_network', case)
            for variant in ('ones', 'zeros', 'inverted', 'tanh_derivative'):
                assert not gradient_matches(expected['grad:' + variant], expected['correct'], 1e-3), \
                    (seed, case.key, variant)

"""The use check: the solution, the mistakes students make in use, and a one-line use.

Mistakes whose detection depends on the kernel (a global the notebook defines, a NameError's text, X changed
through the probe) are graded from real notebooks; the others run the same cases and judges in this process
(``grade_in_process``, also used by the ReLU and Swish tests), which costs no kernel start.
"""
import re

import numpy as np
import pytest

import reference
from grader.kernel import probes, wire
from grader.checks.base import CaseRun, public_rng
from grader.checks.runner import cases_for, get_check
from grader.checks.use import public_cases
from grader.kernel.session import ProbeOutcome
from grader.pipeline.expected import ReferenceExpected
from nbtools import grade_items, rubric_with, student_notebook

USE_BODY = ('X = (X - self.Xmeans) / self.Xstds\n        Y = self.forward_pass(X)[-1]\n'
            '        return Y * self.Tstds + self.Tmeans')


def use_body(new):
    return USE_BODY, new


def grade_use(tmp_path, new_body):
    return grade_items(student_notebook(tmp_path, replace=[use_body(new_body)]), 'use')[0]['use']


def no_hidden_inputs(message):
    """Hidden messages name the fault, never a shape or a value."""
    return not re.search(r'\(\d+, ?\d*\)|\d\.\d', message)


def grade_in_process(item_id, network_class, seed=7):
    """The runner's loop on a namespace in this process: same cases, wire encoding, judges and combine."""
    item = rubric_with(item_id).item(item_id)
    ns = {'np': np, 'NeuralNetwork': network_class, 'Optimizers': reference.Optimizers}
    expected, verdicts = ReferenceExpected(), []
    for case in cases_for(item, 'grade', seed):
        try:
            with np.errstate(all='ignore'):
                value = getattr(probes, case.probe)(ns, **wire.loads(wire.dumps(case.inputs)))
            outcome = ProbeOutcome('ok', value=wire.loads(wire.dumps(value)))
        except Exception as exc:
            outcome = ProbeOutcome('error', error=f'{type(exc).__name__}: {exc}')
        value = expected.value(item.check, case) if outcome.ok else None
        verdicts.append(case.judge(CaseRun(case, outcome, value, item.params)))
    return get_check(item.check).combine(item, verdicts)


@pytest.fixture(scope='module')
def correct(tmp_path_factory):
    return grade_items(student_notebook(tmp_path_factory.mktemp('use')), 'use')[0]['use']


def test_solution_passes_public_and_hidden(correct):
    assert correct.status == 'pass' and correct.points == 10, correct.message


def test_one_line_use_is_correct(tmp_path):
    score = grade_use(tmp_path, 'return self.forward_pass((X - self.Xmeans) / self.Xstds)[-1] * self.Tstds '
                                '+ self.Tmeans')
    assert score.status == 'pass' and score.points == 10, score.message


class StandardizedOutput(reference.NeuralNetwork):
    def use(self, X):
        return self.forward_pass((X - self.Xmeans) / self.Xstds)[-1]


class TStatistics(reference.NeuralNetwork):
    def use(self, X):
        return self.forward_pass((X - self.Tmeans) / self.Tstds)[-1] * self.Tstds + self.Tmeans


class NotStandardized(reference.NeuralNetwork):
    def use(self, X):
        return self.forward_pass(X)[-1] * self.Tstds + self.Tmeans


@pytest.mark.parametrize('variant, words', [
    (StandardizedOutput, ['standardized output', 'Y * self.Tstds + self.Tmeans']),
    (TStatistics, ["standardizes X with T's statistics"]),
    (NotStandardized, ['does not standardize X', '(X - self.Xmeans) / self.Xstds'])])
def test_wrong_statistics_are_named(variant, words):
    result = grade_in_process('use', variant)
    assert result.status == 'fail' and result.fraction == 0
    assert all(w in result.message for w in words), result.message
    # Hidden shapes where T's statistics do not broadcast make the student's code raise: no shapes shown.
    assert not re.search(r'shapes \(\d', result.message), result.message


def test_global_t_read_inside_use(tmp_path):
    # The notebook's last top-level T (auto-mpg's mpg) is kept for the kernel because use refers to it.
    score = grade_use(tmp_path, 'X = (X - self.Xmeans) / self.Xstds\n        Y = self.forward_pass(X)[-1]\n'
                                '        return Y * T.std() + T.mean()')
    assert [d.id for d in score.deductions] == ['use.other_statistics'] and score.points == 5
    assert 'a global T' in score.message and 'self.Tstds' in score.message
    assert no_hidden_inputs(score.message), score.message


def test_statistics_without_self_name_the_global(tmp_path):
    score = grade_use(tmp_path, 'X = (X - Xmeans) / Xstds\n        Y = self.forward_pass(X)[-1]\n'
                                '        return Y * self.Tstds + self.Tmeans')
    assert [d.id for d in score.deductions] == ['use.global_name'] and score.points == 5
    assert "use reads the name 'Xmeans'" in score.message and 'self.Xmeans' in score.message


def test_x_modified_in_place_costs_its_deduction(tmp_path):
    score = grade_use(tmp_path, 'X -= self.Xmeans\n        X /= self.Xstds\n        Y = self.forward_pass(X)[-1]\n'
                                '        return Y * self.Tstds + self.Tmeans')
    assert [d.id for d in score.deductions] == ['use.modifies_x'] and score.points == 8
    assert 'changes the X passed to it' in score.message


def test_public_inputs_are_fixed_and_tell_the_mistakes_apart():
    first, again = public_cases({}), public_cases({})
    for a, b in zip(first, again):
        assert all(np.array_equal(np.asarray(a.inputs[k], dtype=object), np.asarray(b.inputs[k], dtype=object))
                   for k in a.inputs)
    assert public_rng('use').normal() == public_rng('use').normal()
    reference = ReferenceExpected()
    item = rubric_with('use').item('use')
    for seed in (7, 11):
        for case in cases_for(item, 'grade', seed):
            outcomes = {k: v['Y'] for k, v in reference.value('use', case).items() if v is not None}
            names = list(outcomes)
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    assert not np.allclose(outcomes[a], outcomes[b], rtol=1e-3), (seed, case.key, a, b)


def test_hidden_cases_cover_linear_models_and_deeper_networks():
    item = rubric_with('use').item('use')
    hidden = [c for c in cases_for(item, 'grade', 7) if c.hidden]
    assert [len(c.inputs['nh']) for c in hidden] == [0, 1, 1, 2] and hidden[1].inputs['nh'] == [0]
    other = [c for c in cases_for(item, 'grade', 8) if c.hidden]
    assert not np.array_equal(hidden[0].inputs['X'], other[0].inputs['X'])

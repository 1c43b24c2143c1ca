"""adam: realistic wrong Adams are rejected, named by their fault and charged the rubric's deduction;
unusual correct ones are accepted."""
import pytest

from grader.rubric.load import load_rubric
from nbtools import grade_items, student_notebook

RUBRIC = load_rubric()

MOMENTS = ('            self.mt = self.beta1 * self.mt + (1 - self.beta1) * grad\n'
           '            self.vt = self.beta2 * self.vt + (1 - self.beta2) * grad * grad\n')
POWERS = '            self.beta1t *= self.beta1\n            self.beta2t *= self.beta2\n'
HATS = '            m_hat = self.mt / (1 - self.beta1t)\n            v_hat = self.vt / (1 - self.beta2t)\n'
STEP = '            self.all_weights -= alpha * m_hat / (np.sqrt(v_hat) + epsilon)\n'
INIT = '        self.beta1t = 1\n        self.beta2t = 1\n'

WRONG = {   # name -> (substitutions, the fault named, words of its message)
    'no_bias_correction': ([(HATS, '            m_hat = self.mt\n            v_hat = self.vt\n')],
                           'adam.no_bias_correction', 'bias correction'),
    'betas_start_at_betas': ([(INIT, '        self.beta1t = self.beta1\n        self.beta2t = self.beta2\n')],
                             'adam.betat_start_at_beta', 'start at 1'),
    'powers_after_the_hats': ([(POWERS + HATS, HATS + POWERS)], 'adam.nan_first_step', 'nan'),
    'no_square_root': ([(STEP, '            self.all_weights -= alpha * m_hat / (v_hat + epsilon)\n')],
                       'adam.no_sqrt', 'square root'),
    'weights_reassigned': ([(STEP, '            self.all_weights = self.all_weights - alpha * m_hat / '
                                   '(np.sqrt(v_hat) + epsilon)\n')], 'adam.not_in_place', 'in place'),
    'state_reset_each_call': ([('        error_trace = []\n        epochs_per_print = max(1, n_epochs // 10)\n'
                                '        for epoch in range(n_epochs):\n            error = error_f(*fargs)\n'
                                '            grad = gradient_f(*fargs)\n            ### BEGIN SOLUTION\n',
                                '        error_trace = []\n        epochs_per_print = max(1, n_epochs // 10)\n'
                                '        self.mt = np.zeros_like(self.all_weights)\n'
                                '        self.vt = np.zeros_like(self.all_weights)\n'
                                '        self.beta1t = 1\n        self.beta2t = 1\n'
                                '        for epoch in range(n_epochs):\n            error = error_f(*fargs)\n'
                                '            grad = gradient_f(*fargs)\n            ### BEGIN SOLUTION\n')],
                              'adam.state_reset', 'second call continues'),
    # Departures that only tiny gradients show: a small deduction.
    'epsilon_inside_root': ([(STEP, '            self.all_weights -= alpha * m_hat / np.sqrt(v_hat + epsilon)\n')],
                            'adam.epsilon_inside_root', 'outside the square root'),
    'gradient_scaled_first': ([(MOMENTS, '            grad = alpha * grad\n' + MOMENTS)], 'adam.lr_scaled_gradient',
                              'learning rate'),
}
CORRECT = {
    'step_counter_powers': [(POWERS + HATS, '            self.t = getattr(self, "t", 0) + 1\n'
                                            '            m_hat = self.mt / (1 - self.beta1 ** self.t)\n'
                                            '            v_hat = self.vt / (1 - self.beta2 ** self.t)\n')],
    'update_through_a_view': [(STEP, '            w = self.all_weights\n'
                                     '            w[:] = w - alpha * m_hat / (np.sqrt(v_hat) + epsilon)\n')],
}


def grade_adam(tmp_path, replace):
    path = student_notebook(tmp_path, replace=replace)
    return grade_items(path, 'adam')[0]['adam']


@pytest.mark.parametrize('name', WRONG)
def test_wrong_adams_are_named_and_charged_their_deduction(tmp_path, name):
    replace, fault, words = WRONG[name]
    score = grade_adam(tmp_path, replace)
    rule = RUBRIC.deduction_for(RUBRIC.item('adam'), fault)
    assert [d.id for d in score.deductions] == [fault], score.message
    assert score.points == 15 - rule.points and rule.points > 0
    assert words in score.message


def test_a_stub_is_not_implemented_not_a_wrong_adam(tmp_path):
    path = student_notebook(tmp_path, replace=[(MOMENTS, ''), (STEP, '            pass\n')])
    score = grade_items(path, 'adam')[0]['adam']
    assert [d.id for d in score.deductions] == ['adam.not_implemented'] and score.points == 0


@pytest.mark.parametrize('name', CORRECT)
def test_unusual_correct_adams_pass(tmp_path, name):
    score = grade_adam(tmp_path, CORRECT[name])
    assert score.status == 'pass' and score.points == 15, score.message


def test_self_check_shows_the_public_parabola_only(tmp_path):
    path = student_notebook(tmp_path, replace=WRONG['epsilon_inside_root'][0])
    scores, result = grade_items(path, 'adam', mode='self-check')
    assert scores['adam'].status == 'pass'      # the parabola cannot tell; the hidden tiny-gradient case can
    assert result.seed is None

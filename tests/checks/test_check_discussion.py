"""Discussion evidence checks on Answer objects built here (no kernel), then on the real solution and starter."""
import dataclasses

import pytest

from grader.checks.discussion import CHECKS, count_words, distinct_observations
from grader.model import Answer
from grader.rubric.load import default_rubric_path, load_rubric
from nbtools import REPO

RUBRIC = load_rubric(default_rubric_path())
DISCUSSION = ('results_reported', 'discussion_present', 'plots_present', 'observations_3')


def run(item_id, answer: Answer, **params):
    item = RUBRIC.item(item_id)
    if params:
        item = dataclasses.replace(item, params={**item.params, **params})
    return CHECKS[item.check].evaluate(item, {answer.prompt_id: answer})


def best(text='', **kw):
    return Answer('best_result', True, text=text, **kw)


def faults(result):
    """The fault names of an answer check's result (the rubric prices them; README "Faults and deductions")."""
    return [f.id.split('.', 1)[1] for f in result.faults]


GOOD_DISCUSSION = ('The lowest RMSE Val is 2.16, with a test RMSE of 2.92 mpg, for nh [100, 10] with tanh after 500 '
                   'epochs. That is a fair prediction: the standard deviation of mpg is 7.8, so the network errs by '
                   'less than half of what predicting the mean would, though a few cars are off by much more.')


# ---------------------------------------------------------------- results_reported
@pytest.mark.parametrize('answer', [
    best('see the table', has_table=True),
    best('Best: RMSE Val 2.16 and RMSE Test 2.92, 500 epochs, [10], tanh.'),
    best('', output_text='   epochs  nh  lr act func  RMSE Train  RMSE Val  RMSE Test\n6  500  [10]  0.01  tanh  1.63  2.16  2.92'),
    # unusual but correct: the best row pasted as a markdown table
    best('| epochs | nh | act func | RMSE Val | RMSE Test |\n|---|---|---|---|---|\n| 500 | [10] | tanh | 2.16 | 2.92 |'),
])
def test_results_reported_pass(answer):
    result = run('results_reported', answer)
    assert (result.status, result.fraction) == ('pass', 1.0)
    assert 'lowest RMSE Val' in result.message and not result.faults


def test_results_reported_one_number_is_partial():
    result = run('results_reported', best('My best network had an RMSE of 2.9 with 500 epochs.'))
    assert (result.status, result.fraction, faults(result)) == ('partial', 0.5, ['one_value'])
    assert 'only one RMSE value' in result.message and 'RMSE Test' in result.message


def test_results_reported_words_and_integers_only_fail():
    result = run('results_reported', best('The best was the network with 500 epochs and [100, 10] hidden units.'))
    assert (result.status, result.fraction, faults(result)) == ('fail', 0.0, ['no_result'])
    assert 'Find the lowest value of RMSE Val' in result.message and 'RMSE Test' in result.message


# ---------------------------------------------------------------- discussion_present
def test_discussion_present_pass():
    assert count_words(GOOD_DISCUSSION) >= 30
    result = run('discussion_present', best(GOOD_DISCUSSION))
    assert (result.status, result.fraction) == ('pass', 1.0)


def test_discussion_present_numbers_tables_and_code_do_not_count():
    text = ('Best row:\n\n| epochs | nh | act func | RMSE Train | RMSE Val | RMSE Test |\n|---|---|---|---|---|---|\n'
            '| 500 | [100, 10] | tanh | 1.63 | 2.16 | 2.92 |\n\n```python\nprint(results.loc[results.idxmin()])\n```\n'
            'It is good: 2.92 mpg against 7.8 for the mean, see [plot](https://example.com/a/b/c/d.png).')
    # Best, row, It, is, good, mpg, against, for, the, mean, see, plot
    assert count_words(text) == 12
    result = run('discussion_present', best(text))
    assert (result.status, result.fraction, faults(result)) == ('partial', 0.4, ['too_short'])
    assert 'has 12 words' in result.message and 'at least 30' in result.message


def test_discussion_present_partial_is_proportional_and_min_words_is_a_param():
    text = ' '.join(['word'] * 15)
    assert run('discussion_present', best(text)).fraction == 0.5
    assert run('discussion_present', best(text), min_words=15).status == 'pass'


def test_discussion_present_empty_fails_with_a_specific_message():
    result = run('discussion_present', best('2.16 / 2.92'))
    assert (result.status, result.fraction, faults(result)) == ('fail', 0.0, ['no_discussion'])
    assert 'at least 30 words' in result.message and 'Discuss how good this prediction is' in result.message


# ---------------------------------------------------------------- plots_present
def plots(**kw):
    return Answer('plots', True, **kw)


@pytest.mark.parametrize('answer', [plots(has_image=True, n_images=2),
                                    plots(has_image=True)])   # an Answer built without a count
def test_plots_present_pass(answer):
    result = run('plots_present', answer)
    assert (result.status, result.fraction) == ('pass', 1.0)


def test_plots_present_no_image_fails():
    result = run('plots_present', plots(text='I plotted them but cleared the outputs.', output_text='done'))
    assert (result.status, result.fraction, faults(result)) == ('fail', 0.0, ['no_plot'])
    assert 'no plot found' in result.message and 'save the notebook with their output' in result.message


def test_plots_present_counts_images_against_min_images():
    result = run('plots_present', plots(has_image=True, n_images=1), min_images=2)
    assert (result.status, result.fraction, faults(result)) == ('partial', 0.5, ['too_few'])
    assert '1 of the 2 plots' in result.message and 'tanh' in result.message and 'relu' in result.message
    assert run('plots_present', plots(has_image=True, n_images=2), min_images=2).status == 'pass'


# ---------------------------------------------------------------- observations_3
def obs(text):
    return Answer('observations', True, text=text)


@pytest.mark.parametrize('text', [
    '1. Training RMSE keeps falling with more epochs.\n2. Validation RMSE rises for the largest networks.\n'
    '3. relu curves are flatter than tanh curves.',
    # unusual but correct: other markers, bold numbers, items wrapped over lines and nested bullets
    '1) Training RMSE keeps falling\n   with more epochs.\n    - even for tanh\n\n'
    '**2.** Validation RMSE rises for the largest networks.\n- relu curves are flatter than tanh curves.',
    # no list: sentences (abbreviations and decimals do not split them)
    'Training RMSE falls to 0.48 with more epochs, e.g. for tanh. Validation RMSE rises for the biggest networks. '
    'The relu curves are flatter than the tanh ones.',
])
def test_observations_pass(text):
    result = run('observations_3', obs(text))
    assert (result.status, result.fraction) == ('pass', 1.0), result.message
    assert 'at least 3 observations' in result.message


def test_observations_two_of_three_is_partial():
    result = run('observations_3', obs('1. Training RMSE keeps falling with more epochs.\n'
                                       '2. Validation RMSE rises for the largest networks.'))
    assert (result.status, result.fraction) == ('partial', 0.6667)
    assert [(f.id, f.count) for f in result.faults] == [('observations_3.missing_observation', 1)]
    assert '2 of the 3 distinct observations' in result.message and 'add 1 more' in result.message


def test_observations_near_copies_and_short_items_do_not_count():
    text = ('1. Training RMSE keeps falling with more epochs.\n2. Training RMSE keeps falling with more epochs!\n'
            '3. Training RMSE keeps falling with more epoch.\n4. Overfitting.\n5. relu curves stay flat')
    assert distinct_observations(text) == (2, 1, 2)
    result = run('observations_3', obs(text))
    assert (result.status, result.fraction) == ('partial', 0.6667)
    assert '1 too short (fewer than 4 words)' in result.message and '2 repeating another' in result.message


def test_observations_empty_fails_and_min_observations_is_a_param():
    result = run('observations_3', obs(''))
    assert (result.status, result.fraction, faults(result)) == ('fail', 0.0, ['no_observations'])
    assert 'no observation found' in result.message and 'numbered list' in result.message
    assert run('observations_3', obs('1. Training RMSE keeps falling.'), min_observations=1).status == 'pass'


# ---------------------------------------------------------------- a prompt not found
@pytest.mark.parametrize('item_id, prompt_id, sentence', [
    ('results_reported', 'best_result', 'Find the lowest value of RMSE Val'),
    ('discussion_present', 'best_result', 'Find the lowest value of RMSE Val'),
    ('plots_present', 'plots', 'Plot the RMSE values for training'),
    ('observations_3', 'observations', 'Describe at least three different observations'),
])
def test_missing_prompt(item_id, prompt_id, sentence):
    for answers in ({prompt_id: Answer(prompt_id, False)}, {}):
        result = RUBRIC.item(item_id)
        result = CHECKS[result.check].evaluate(result, answers)
        assert (result.status, result.fraction, faults(result)) == ('fail', 0.0, ['missing_prompt'])
        assert result.message.startswith(f"could not find the prompt '{sentence}")
        assert "keep the handout's sentences so your answer can be found" in result.message


# ---------------------------------------------------------------- the real notebooks
def _evaluate_notebook(name):
    from grader.pipeline.load import load_notebook
    answers = load_notebook(REPO / 'submissions' / name).answers
    return answers, {i: CHECKS[RUBRIC.item(i).check].evaluate(RUBRIC.item(i), answers) for i in DISCUSSION}


def test_solution_notebook_passes_all_four():
    answers, results = _evaluate_notebook('A2-solution.ipynb')
    if any('TO BE WRITTEN' in a.text for a in answers.values()):
        pytest.skip('the solution notebook\'s answers are still being written')
    assert {i: (r.status, r.fraction) for i, r in results.items()} == {i: ('pass', 1.0) for i in DISCUSSION}
    assert results['plots_present'].details['images'] == 2     # one figure for tanh, one for relu


def test_starter_notebook_fails_all_four_with_clear_messages():
    _, results = _evaluate_notebook('A2.ipynb')
    assert {i: (r.status, r.fraction) for i, r in results.items()} == {i: ('fail', 0.0) for i in DISCUSSION}
    assert 'write its RMSE Val, RMSE Test and parameter values' in results['results_reported'].message
    assert 'write at least 30 words' in results['discussion_present'].message
    assert 'no plot found' in results['plots_present'].message
    assert 'no observation found' in results['observations_3'].message


# ---------------------------------------------------------------- numbers that are RMSEs, answers in code
def test_a_learning_rate_is_not_a_reported_rmse():
    """Numbers count as RMSEs only when plausible RMSEs of the notebook's table: 0.01 is the learning rate."""
    table = (3.31, 3.35, 3.12, 2.22, 2.41, 2.77)
    lr_only = run('results_reported', best('Best: 1000 epochs, [10], tanh, learning rate 0.01 and beta 0.9.',
                                           table_rmses=table))
    assert faults(lr_only) == ['no_result']
    one = run('results_reported', best('Best: RMSE Val 2.41 with learning rate 0.01.', table_rmses=table))
    assert faults(one) == ['one_value']
    two = run('results_reported', best('Best: RMSE Val 2.41 and RMSE Test 2.77, learning rate 0.01.',
                                       table_rmses=table))
    assert two.status == 'pass'
    # Without a saved table, any value from 0.2 to 60 mpg is plausible, a learning rate is not.
    assert faults(run('results_reported', best('lr 0.01 and 0.001 were tried.'))) == ['no_result']


def test_an_answer_only_in_a_code_cell_is_a_note_for_the_ta():
    note = ' '.join(['The prediction is good because the test error is small compared with mpg.'] * 4)
    result = run('discussion_present', best('', code_text=note))
    assert faults(result) == ['answer_in_code'] and 'your TA will read it' in result.message
    assert result.details['code_text'] == note

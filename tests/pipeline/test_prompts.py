"""Locating the discussion answers by the handout's sentences, as students really leave them."""
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output, new_raw_cell

from grader.pipeline.prompts import PROMPTS, locate_answers

BEST = ('Find the lowest value of `RMSE Val` in your table and report the `RMSE Test` and the parameter values'
        ' that produced this.  This is your expected error in predicted miles per gallon.  Discuss how good this'
        ' prediction is.')
PLOTS = ('Plot the RMSE values for training, validation and test sets versus the combined parameter values of'
         ' number of epochs and network architecture.  Make one plot for `tanh` as the activation function and a'
         ' second one for `relu`.')
OBSERVATIONS = ('Describe at least three different observations you make about these plots.  What do you find'
                ' interesting?\n\n1. ...\n2. ...\n3. ...')
SWISH = ('## Extra Credit\n\nAdd the Swish activation function.\n\nUse your `run_experiment` function to compare'
         ' results for all three activation functions.  Discuss the results.')
SOLUTION = Path(__file__).resolve().parents[2] / 'submissions' / 'A2-solution.ipynb'


def md(text):
    return new_markdown_cell(text)


def image_cell():
    return new_code_cell('plt.plot(x)', outputs=[
        new_output('display_data', data={'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure size 640x480>'})])


def table_cell(html=True):
    data = {'text/plain': '   epochs    nh  RMSE Val  RMSE Test\n3    1000  [10]  2.31  2.58\n'}
    if html:
        data['text/html'] = '<div><table class="dataframe"><tr><td>1</td></tr></table></div>'
    return new_code_cell('results.sort_values("RMSE Val").head(1)',
                         outputs=[new_output('execute_result', data=data, execution_count=5)])


def test_answers_in_the_prompt_cell_and_in_following_cells():
    cells = [md('# A2'), md(BEST), table_cell(), md('The best was 1000 epochs with [10]: test RMSE 2.58.'),
             md(PLOTS), image_cell(), image_cell(),
             md(OBSERVATIONS.replace('1. ...', '1. Train error falls.').replace('3. ...', '3. Relu wins.')),
             md('## Grading and Check-in\n\nRun the grader.'), new_code_cell('%run -i A2grader.py'),
             md(SWISH), md('Swish was between tanh and relu.')]
    answers = locate_answers(cells)
    best = answers['best_result']
    assert best.found and best.text == 'The best was 1000 epochs with [10]: test RMSE 2.58.'
    assert best.cell_indices == (1, 2, 3) and best.has_table and not best.has_image
    assert 'RMSE Val' in best.output_text
    plots = answers['plots']
    assert plots.found and plots.text == '' and plots.has_image and plots.cell_indices == (4, 5, 6)
    assert plots.n_images == 2 and best.n_images == 0
    assert answers['observations'].text == '1. Train error falls.\n3. Relu wins.'
    assert answers['observations'].cell_indices == (7,)     # the heading ends the section
    assert answers['swish_discussion'].text == 'Swish was between tanh and relu.'


def test_answer_typed_below_the_prompt_in_the_same_cell():
    answers = locate_answers([md(BEST + '\n\n**Answer:** lowest RMSE Val 2.1, test 2.4 with nh [50].')])
    assert answers['best_result'].text == '**Answer:** lowest RMSE Val 2.1, test 2.4 with nh [50].'


def test_answer_on_the_same_line_as_the_prompt():
    text = ('Find the lowest value of RMSE Val in your table and report the RMSE Test and the parameter values that'
            ' produced this. The best was 2.1 with 500 epochs.')
    assert locate_answers([md(text)])['best_result'].text == 'The best was 2.1 with 500 epochs.'


@pytest.mark.parametrize('prompt', [
    BEST.upper(),
    BEST.replace('  ', '\n').replace(' the ', '   the  '),
    BEST.replace('`', ''),
    BEST.replace('`RMSE Val`', '**RMSE Val**').replace('table', '[table](https://example.com/table)'),
    BEST.replace('lowest value', 'lowest vaule').replace('your table', 'the table'),
    '> ' + BEST.replace('Find', '*Find').replace('this.', 'this.*'),
])
def test_prompt_found_despite_case_spacing_markdown_and_small_edits(prompt):
    answer = locate_answers([md(prompt), md('My answer.')])['best_result']
    assert answer.found and answer.text == 'My answer.'


def test_missing_prompt_is_not_found():
    answers = locate_answers([md(BEST), md('text')])
    assert not answers['plots'].found and answers['plots'].text == '' and answers['plots'].cell_indices == ()
    assert not answers['swish_discussion'].found


def test_unrelated_text_is_not_taken_for_a_prompt():
    text = ('We plotted the values of the network for training and testing. The architecture of the network'
            ' and the number of epochs were varied, and the lowest error was reported in a table.')
    assert not any(a.found for a in locate_answers([md(text)]).values())


@pytest.mark.parametrize('placeholder', ['*Your answer here.*', 'YOUR ANSWER HERE', 'Type your answer here',
                                         '. . .', '1. ...\n2. ...\n3.', '*Your observations here.*'])
def test_placeholders_are_not_an_answer(placeholder):
    answer = locate_answers([md(PLOTS), md(placeholder)])['plots']
    assert answer.found and answer.text == ''


def test_handout_sentences_and_example_image_are_not_the_answer():
    prompt = (PLOTS + '  Your plots should look like this, but with different RMSE values, and will of course be'
              ' different if you choose different network architectures and numbers of epochs.\n\n'
              '<img src="https://example.com/A2_rmse.png" width="800">\n\n![example](rmse.png)')
    answer = locate_answers([md(prompt)])['plots']
    assert answer.found and answer.text == ''


def test_an_answer_that_echoes_a_short_handout_sentence_keeps_it():
    answers = locate_answers([md(SWISH), md('Swish won. We discuss the results below.')])
    assert answers['swish_discussion'].text == 'Swish won. We discuss the results below.'


def test_prompt_in_a_code_comment_is_ignored():
    cells = [new_code_cell('# Plot the RMSE values for training, validation and test sets versus the combined'
                           ' parameter values of number of epochs and network architecture.\nplt.plot(x)')]
    assert not locate_answers(cells)['plots'].found


def test_student_labels_do_not_end_the_answer_but_section_headings_do():
    cells = [md(BEST), md('#### Discussion\nThe best RMSE was 2.3.'), md('### Answer'), md('It is good.'),
             md('## Next section'), md('Not an answer.')]
    answer = locate_answers(cells)['best_result']
    assert answer.text == 'The best RMSE was 2.3.\n\nIt is good.'
    assert answer.cell_indices == (0, 1, 2, 3)


def test_next_prompt_ends_the_answer_even_in_the_same_cell():
    answers = locate_answers([md(BEST + '\n\nBest is 2.2.\n\n' + PLOTS), image_cell()])
    assert answers['best_result'].text == 'Best is 2.2.'
    assert answers['plots'].has_image and not answers['best_result'].has_image


def test_tables_detected_from_html_or_dataframe_text():
    assert locate_answers([md(BEST), table_cell(html=True)])['best_result'].has_table
    assert locate_answers([md(BEST), table_cell(html=False)])['best_result'].has_table
    printed = new_code_cell('print(x)', outputs=[new_output('stream', name='stdout', text='[1 2 3]\n')])
    assert not locate_answers([md(BEST), printed])['best_result'].has_table


def test_svg_and_jpeg_images_count_raw_cells_are_skipped():
    svg = new_code_cell('f()', outputs=[new_output('display_data', data={'image/svg+xml': '<svg/>'})])
    answer = locate_answers([md(PLOTS), new_raw_cell('raw'), svg])['plots']
    assert answer.has_image and answer.cell_indices == (0, 2)


def test_output_text_is_capped_and_includes_errors():
    cells = [md(BEST), new_code_cell('x', outputs=[new_output('error', ename='NameError', evalue='x', traceback=[])]),
             new_code_cell('y', outputs=[new_output('stream', name='stdout', text='z' * 10_000)])]
    answer = locate_answers(cells)['best_result']
    assert answer.output_text.startswith('NameError: x') and len(answer.output_text) <= 2000


def test_prompt_copied_into_an_answer_cell_keeps_both_answers():
    cells = [md(OBSERVATIONS), md('1. First.'), md('Describe at least three observations you make about these'
                                                   ' plots.\n\n2. Second.')]
    assert locate_answers(cells)['observations'].text == '1. First.\n\n2. Second.'


def test_every_prompt_id_is_reported():
    assert set(locate_answers([])) == set(PROMPTS) == {'best_result', 'plots', 'observations', 'swish_discussion'}


def test_the_solution_notebook_answers_every_prompt():
    if not SOLUTION.exists():
        pytest.skip('submissions/A2-solution.ipynb is not there yet')
    import nbformat
    answers = locate_answers(nbformat.read(SOLUTION, as_version=4).cells)
    assert all(a.found for a in answers.values()), answers
    # The plots are the answer to 'plots': the solution writes no text there, its figures are the evidence.
    assert all(answers[p].text.strip() for p in ('best_result', 'observations', 'swish_discussion')), answers
    assert answers['plots'].has_image and answers['best_result'].has_table
    assert 'Describe at least' not in answers['observations'].text


# ---------------------------------------------------------------- answers by prompt, wherever cells fall
def test_an_answer_typed_above_the_next_prompt_in_its_cell_counts():
    answer = ' '.join(['The test RMSE of 2.6 is good for cars whose mpg ranges from 9 to 46.'] * 5)
    cells = [md(BEST), md(answer + '\n\n### Plots\n\n' + PLOTS), image_cell()]
    answers = locate_answers(cells)
    assert answers['best_result'].text == answer and answers['best_result'].cell_indices == (0, 1)
    assert answers['plots'].has_image


def test_a_handout_heading_in_the_same_cell_ends_the_answer():
    cells = [md(OBSERVATIONS.replace('1. ...', '1. Train error falls with epochs.') +
                '\n\n## Grading and Check-in\n\nRun the check script. It prints three lines. Then submit.')]
    assert locate_answers(cells)['observations'].text == '1. Train error falls with epochs.'


def test_plots_saved_above_the_plotting_prompt_count():
    cells = [md('## Experiments'), table_cell(), image_cell(), image_cell(), md(BEST), md('Best: 2.31 and 2.58.'),
             md(PLOTS), md(OBSERVATIONS)]
    plots = locate_answers(cells)['plots']
    assert plots.found and plots.n_images == 2 and plots.has_image


def test_plots_before_the_experiments_section_do_not_count():
    cells = [md('## Optimizers'), image_cell(), md('## Experiments'), md(BEST), md(PLOTS), md(OBSERVATIONS)]
    assert locate_answers(cells)['plots'].n_images == 0


def test_code_strings_and_comments_are_kept_apart_as_a_note():
    note = new_code_cell("best = results.iloc[3]\n'''My best network had a test RMSE of 2.58, good for mpg.'''\n"
                         '# ... your code here')
    answer = locate_answers([md(BEST), note, md(PLOTS)])['best_result']
    assert answer.text == '' and answer.code_text == 'My best network had a test RMSE of 2.58, good for mpg.'


def test_rmse_values_of_saved_tables_are_read():
    import pandas as pd
    df = pd.DataFrame([[500, [10], 0.01, 'tanh', 1.63, 2.16, 2.92]],
                      columns=['epochs', 'nh', 'lr', 'act func', 'RMSE Train', 'RMSE Val', 'RMSE Test'])
    for data in ({'text/plain': str(df)}, {'text/plain': str(df), 'text/html': df._repr_html_()}):
        cell = new_code_cell('results', outputs=[new_output('execute_result', data=data, execution_count=1)])
        assert locate_answers([cell, md(BEST)])['best_result'].table_rmses == (1.63, 2.16, 2.92)

"""The student's self-check (issue 8): what passing means, the public total, the live line, the cause first."""
from __future__ import annotations

import io

from grader.kit.live import LiveLine
from grader.kit.selfcheck import code_checks_pass, format_table, required, self_check
from grader.rubric.load import load_rubric
from nbtools import student_notebook

NO_SWISH = ("        if self.activation_function == 'swish':\n            return self.swish(S)\n", '')


def test_passing_means_the_public_code_checks_only():
    rubric = load_rubric()
    assert required(rubric) == {'adam', 'use', 'relu_unit', 'relu_network', 'partition', 'run_experiments'}


def test_a_complete_solution_without_the_extra_credit_passes(tmp_path):
    rubric = load_rubric()
    result = self_check(student_notebook(tmp_path, replace=[NO_SWISH]), rubric)
    assert {it.id: it.status for it in result.items}['swish_ec'] != 'pass'
    assert code_checks_pass(result, rubric)
    table = format_table(result, rubric)
    assert 'Every public code check passes' in table and 'Some public checks do not pass' not in table
    assert 'Public total:' in table and 'provisional' in table


def test_a_syntax_error_in_the_partition_cell_is_named_first(tmp_path):
    rubric = load_rubric()
    broken = ('def partition(X, T, n_folds, random_shuffle=True):',
              'def partition(X, T, n_folds, random_shuffle=True):\n    . . .')
    result = self_check(student_notebook(tmp_path, replace=[broken]), rubric)
    partition = next(it for it in result.items if it.id == 'partition')
    assert partition.status == 'fail'
    assert partition.message.startswith('partition is not defined because cell ')
    assert 'placeholder' in partition.message or 'syntax' in partition.message
    assert not code_checks_pass(result, rubric)
    assert 'Public code checks to fix: partition' in format_table(result, rubric)


def test_the_live_line_names_each_check_as_it_runs():
    stream = io.StringIO()
    live = LiveLine({'adam': 'Optimizers.adam'}, stream=stream)
    live('start', 'adam')
    live('done', 'adam')
    live.close()
    assert stream.getvalue() == '  checking Optimizers.adam...\n'

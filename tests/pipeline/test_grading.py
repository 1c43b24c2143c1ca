"""The one-notebook pipeline: broken or hostile notebooks are still graded, the rest of the items scored."""
import json

import numpy as np
import pytest

from grader.kernel import wire
from grader.kernel.session import KernelSession
from nbtools import grade_items, student_notebook

ADAM_LOOP = ('for epoch in range(n_epochs):\n            error = error_f(*fargs)\n            grad = gradient_f(*fargs)\n'
             '            ### BEGIN SOLUTION', 'for epoch in range(n_epochs):\n            while True:\n'
             '                pass\n            error = error_f(*fargs)\n            grad = gradient_f(*fargs)\n'
             '            ### BEGIN SOLUTION')
NO_BIAS = ('m_hat = self.mt / (1 - self.beta1t)\n            v_hat = self.vt / (1 - self.beta2t)',
           'm_hat = self.mt\n            v_hat = self.vt')


def test_top_level_infinite_loop_and_sys_exit_do_not_stop_grading(tmp_path):
    path = student_notebook(tmp_path, append_code=['while True:\n    pass', 'import sys\nsys.exit()',
                                                   'for i in range(10**12):\n    pass'])
    scores, result = grade_items(path, 'adam', 'partition')
    assert result.status == 'graded'
    assert scores['adam'].status == 'pass' and scores['adam'].points == 15
    assert scores['partition'].points == 10


def test_infinite_loop_inside_adam_costs_adam_only(tmp_path):
    path = student_notebook(tmp_path, replace=[ADAM_LOOP])
    scores, result = grade_items(path, 'adam', 'partition', params={'adam': {'time_budget_seconds': 4}})
    assert result.status == 'graded'
    assert scores['adam'].status == 'fail' and scores['adam'].points == 0
    assert 'did not finish' in scores['adam'].message
    assert scores['partition'].status == 'pass', scores['partition'].message
    assert any('restarted' in n for n in result.notes)


@pytest.mark.parametrize('broken, note', [('    rows = . . .\n', 'placeholder'),
                                           ('    rows = np.arange(X.shape[0]\n', 'never closed')])
def test_a_cell_that_does_not_parse_is_reported_and_the_rest_graded(tmp_path, broken, note):
    path = student_notebook(tmp_path, replace=[('    rows = np.arange(X.shape[0])\n', broken)])
    scores, result = grade_items(path, 'adam', 'partition')
    assert result.status == 'graded'
    assert scores['adam'].status == 'pass'
    assert scores['partition'].status == 'fail' and scores['partition'].points == 0
    assert any(note in n.lower() and 'skipped' in n for n in result.notes), result.notes


def test_monkeypatching_numpy_comparisons_cannot_forge_a_pass(tmp_path):
    forge = ('import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n'
             'np.isclose = lambda *a, **k: True')
    path = student_notebook(tmp_path, replace=[NO_BIAS], append_code=[forge])
    scores, _ = grade_items(path, 'adam')
    assert [d.id for d in scores['adam'].deductions] == ['adam.no_bias_correction'] and scores['adam'].points == 5
    assert 'bias correction' in scores['adam'].message


def test_same_seed_same_grade_and_the_seed_is_recorded(tmp_path):
    path = student_notebook(tmp_path, replace=[('np.sqrt(v_hat) + epsilon', 'np.sqrt(v_hat + epsilon)')])
    first = grade_items(path, 'adam', seed=1234)[1].to_dict()
    second = grade_items(path, 'adam', seed=1234)[1].to_dict()
    assert first['seed'] == 1234
    for r in (first, second):
        r.pop('elapsed_seconds')
    assert first == second
    assert first['checks']['adam']['status'] == 'partial'


def test_no_expected_value_or_reference_code_enters_the_kernel(tmp_path, monkeypatch):
    sent = []       # every source text the kernel is asked to run: setup, definitions, probe calls with inputs
    original_execute = KernelSession._execute

    async def spy_execute(self, source, timeout):
        sent.append(source)
        return await original_execute(self, source, timeout)

    monkeypatch.setattr(KernelSession, '_execute', spy_execute)
    path = student_notebook(tmp_path)
    scores, _ = grade_items(path, 'adam')
    assert scores['adam'].status == 'pass'
    everything = '\n'.join(sent)
    assert 'optimizer_run' in everything and 'class Optimizers' in everything    # the spy saw the traffic
    assert '5.039004' not in everything            # the parabola's expected end point
    assert 'import reference' not in everything and 'from reference' not in everything
    assert 'm_hat = self.mt / (1 - self.beta1t)' in everything      # the student's own code, of course...
    reference_only = 'return activations.grad_swish(self.Ss[layer - 1])'
    assert reference_only not in everything                             # ...but never the reference's


def test_the_kernel_cannot_import_the_reference_or_the_grader(tmp_path):
    from grader.kernel.launch import LimitsLauncher
    probe = ('def try_import(ns, name):\n    import importlib\n    try:\n        importlib.import_module(name)\n'
             '        return "imported"\n    except ImportError as exc:\n        return type(exc).__name__\n')
    with KernelSession(LimitsLauncher(), [probe]) as session:
        for name in ('reference', 'grader'):
            outcome = session.call('try_import', {'name': name}, 20)
            assert outcome.ok and outcome.value == 'ModuleNotFoundError', (name, outcome)
        assert session.call('try_import', {'name': 'numpy'}, 20).value == 'imported'


@pytest.mark.parametrize('content, status', [(b'', 'empty'), (b'{"cells": ', 'invalid-notebook'),
                                             (b'import numpy\n', 'not-a-notebook')])
def test_unreadable_notebooks_get_a_status_and_a_message_never_a_silent_zero(tmp_path, content, status):
    path = tmp_path / 'Broken-A2.ipynb'
    path.write_bytes(content)
    scores, result = grade_items(path, 'adam')
    assert result.status == status
    assert result.message
    assert scores['adam'].status == 'error'
    json.dumps(result.to_dict())


def test_a_value_too_large_to_grade_is_an_error_not_a_crash():
    from grader.kernel.bubblewrap import default_launcher
    probes = 'def huge(ns):\n    import numpy\n    return numpy.arange(3_000_000.0)\n\ndef small(ns):\n    return 1\n'
    with KernelSession(default_launcher(), [probes]) as session:
        huge, small = session.call_many([('huge', {}), ('small', {})], 60)
        assert huge.status == 'error' and 'too large' in huge.error
        assert small.ok and small.value == 1

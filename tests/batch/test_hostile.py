"""Hostile and broken submissions, graded together in one batch: each is graded right for what was honestly
done, its status says what happened, the host is untouched and the other notebooks are unaffected.

Hostile code goes into `use` (its item fails or passes on its merits); `adam` and `partition` are the control:
they must pass in every notebook whose code is otherwise correct.
"""
import json
import os
import socket
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from grader.batch.driver import BatchOptions, grade_batch
from grader.rubric.convert import dump_rubric
from grader.kernel.bubblewrap import sandbox_unavailable
from nbtools import SOLUTION, consistent, rubric_with, student_notebook

USE_BODY = '        X = (X - self.Xmeans) / self.Xstds\n        Y = self.forward_pass(X)[-1]\n'
TAG = uuid.uuid4().hex[:8]
SLEEP_MARK = str(300 + int(TAG, 16) % 600)     # a sleep duration no other process on the host uses


def in_use(code: str):
    body = ''.join(f'        {line}\n' for line in code.splitlines())
    return [(USE_BODY, body + USE_BODY)]


@pytest.fixture(scope='module')
def listener():
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(5)
    server.settimeout(0.5)
    hits = []

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(conn)
            except OSError:
                pass
    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    server.close()


@pytest.fixture(scope='module')
def graded(tmp_path_factory, listener):
    port, _ = listener
    base = tmp_path_factory.mktemp('hostile')
    host = base / 'host'
    host.mkdir()
    canary = host / 'canary.txt'
    canary.write_text(f'secret-{TAG}')
    nbs = base / 'download'
    nbs.mkdir()
    hostile = {
        'control': [],
        'loop': in_use('while True:\n    pass'),
        'sigint': in_use('import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass'),
        'memory': in_use('blob = bytearray(16 * 1024 ** 3)'),
        'forks': in_use('import os\nfor _ in range(16):\n    if os.fork() == 0:\n'
                        f'        os.execvp("sleep", ["sleep", "{SLEEP_MARK}"])'),
        'sysexit': in_use('import sys\nsys.exit()'),
        'osexit': in_use('import os\nos._exit(3)'),
        'segfault': in_use('import ctypes\nctypes.string_at(0)'),
        'forge': in_use('import inspect, json\ntoken = next(f.frame.f_locals["token"] for f in inspect.stack() '
                        'if "token" in f.frame.f_locals)\nget_ipython().display_pub.publish({"application/x-a2g-result":'
                        ' json.dumps({"ok": True, "token": token, "value": {"__dict__": []}})}, metadata={})\n'
                        'return np.zeros((1, 1))'),
        'files': in_use(f'for p in ["../escape-{TAG}", "~/escape-{TAG}", "/tmp/escape-{TAG}", "{canary}"]:\n'
                        '    try:\n        open(os.path.expanduser(p), "w").write("pwned")\n'
                        '    except OSError:\n        pass\n'
                        f'try:\n    leak = open("{canary}").read()\nexcept OSError:\n    leak = ""\n'
                        'if leak:\n    raise RuntimeError(leak)'),
        'sockets': in_use(f'import socket\nfor addr in [("127.0.0.1", {port}), ("1.1.1.1", 53)]:\n'
                          '    try:\n        socket.create_connection(addr, timeout=2)\n'
                          '    except OSError:\n        pass'),
        'reference': in_use('import reference'),
        'orphan': in_use(f'import subprocess\nsubprocess.Popen(["sleep", "{SLEEP_MARK}"], start_new_session=True)'),
        'prints': in_use('print("\\n".join(map(str, range(10 ** 6))))'),      # one million lines, each call
        'image': in_use('from IPython.display import display\ndisplay({"image/png": "iVBOR" * 2_000_000}, raw=True)'),
    }
    for name, replace in hostile.items():       # the solution imports os and numpy in its first code cell
        student_notebook(nbs, replace=replace, name=f'{name}-A2.ipynb')
    student_notebook(nbs, append_code=['while True:\n    pass', 'import sys\nsys.exit()'], name='toploop-A2.ipynb')
    student_notebook(nbs, replace=[('    rows = np.arange(X.shape[0])\n', '    rows = . . .\n')],
                     name='placeholder-A2.ipynb')
    big = nbformat.read(SOLUTION, 4)
    big.cells[2].outputs = [nbformat.v4.new_output('display_data', data={'image/png': 'iVBOR' * 2_000_000})]
    nbformat.write(big, nbs / 'bigoutput-A2.ipynb')
    solution = nbformat.read(SOLUTION, 4)
    v3 = {'nbformat': 3, 'nbformat_minor': 0, 'metadata': {'name': ''}, 'worksheets': [{'metadata': {}, 'cells': [
        {'cell_type': 'code', 'input': c.source, 'language': 'python', 'outputs': [], 'metadata': {}}
        for c in solution.cells if c.cell_type == 'code']}]}
    (nbs / 'version3-A2.ipynb').write_text(json.dumps(v3))
    (nbs / 'badjson-A2.ipynb').write_text('{"cells": [')
    (nbs / 'empty-A2.ipynb').write_text('')
    (nbs / 'script-A2.ipynb').write_text('import numpy as np\nprint("hello")\n')
    rubric = base / 'rubric.yaml'
    dump_rubric(consistent(rubric_with('adam', 'use', 'partition', params={'use': {'time_budget_seconds': 8}})),
                rubric)
    out = base / 'out'
    grade_batch(BatchOptions(submissions=nbs, out=out, rubric_path=rubric, workers=2))
    results = {Path(s['notebook']).name.split('-')[0]: s
               for s in json.loads((out / 'results.json').read_text())['submissions']}
    return {'results': results, 'canary': canary, 'out': out, 'base': base}


def points(result, item):
    return result['checks'][item]['points']


CORRECT_USE = ('control', 'forks', 'files', 'sockets', 'orphan', 'prints', 'image', 'toploop', 'bigoutput',
               'version3', 'placeholder')
FAILED_USE = {'loop': 'did not finish', 'sigint': 'did not finish', 'memory': 'MemoryError',
              'sysexit': 'SystemExit', 'osexit': 'kernel died', 'segfault': 'kernel died', 'forge': '',
              'reference': 'ModuleNotFoundError'}


@pytest.mark.parametrize('name', CORRECT_USE)
def test_honest_work_is_graded_whatever_else_the_notebook_does(graded, name):
    r = graded['results'][name]
    assert r['status'] == 'graded', r['message']
    assert points(r, 'adam') == 15
    assert points(r, 'use') == 10, r['checks']['use']['message']
    assert points(r, 'partition') == (0 if name == 'placeholder' else 10)


@pytest.mark.parametrize('name, words', FAILED_USE.items())
def test_hostile_use_fails_use_only_with_a_message_saying_what_happened(graded, name, words):
    r = graded['results'][name]
    assert r['status'] == 'graded', r['message']
    assert points(r, 'use') == 0
    assert words in r['checks']['use']['message']
    assert points(r, 'adam') == 15 and points(r, 'partition') == 10


@pytest.mark.parametrize('name, status', [('badjson', 'invalid-notebook'), ('empty', 'empty'),
                                          ('script', 'not-a-notebook')])
def test_unreadable_files_get_their_status_and_message(graded, name, status):
    r = graded['results'][name]
    assert r['status'] == status and len(r['message']) > 20
    assert all(c['status'] == 'error' for c in r['checks'].values())


def test_the_placeholder_cell_is_reported(graded):
    assert any('placeholder' in n for n in graded['results']['placeholder']['notes'])


def test_suspicious_code_is_flagged_for_the_ta(graded):
    flags = {name: ' '.join(r['flags']) for name, r in graded['results'].items()}
    assert 'imports the grader or the reference' in flags['reference']
    assert 'subprocess' in flags['orphan'] and 'socket' in flags['sockets'] and 'ctypes' in flags['segfault']
    assert flags['control'] == ''


@pytest.mark.skipif(sandbox_unavailable() is not None, reason=f'bubblewrap cannot run here: {sandbox_unavailable()}')
def test_the_host_is_untouched(graded, listener):
    _, hits = listener
    assert graded['canary'].read_text() == f'secret-{TAG}'
    assert not Path(f'/tmp/escape-{TAG}').exists()
    assert not (Path.home() / f'escape-{TAG}').exists()
    assert not list(graded['base'].rglob(f'escape-{TAG}'))
    assert hits == []                                   # no connection reached the host's port
    everything = (graded['out'] / 'results.json').read_text()
    assert f'secret-{TAG}' not in everything
    assert all(r['isolated'] for r in graded['results'].values() if r['status'] == 'graded')


def test_no_process_outlives_its_kernel(graded):
    leftovers = []
    for proc in Path('/proc').iterdir():
        try:
            cmdline = (proc / 'cmdline').read_bytes().split(b'\0')
        except OSError:
            continue
        if cmdline[:2] == [b'sleep', SLEEP_MARK.encode()]:
            leftovers.append(proc.name)
    assert leftovers == []

"""Dask distributed as the batch's executor (issue 13): the same grades as the local pool, nothing lost when a worker
dies, and a run resumed by the other executor. LocalClusters of two worker processes, on the sample download."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile

import pytest

distributed = pytest.importorskip('distributed')

from grader.batch.driver import BatchOptions, grade_batch  # noqa: E402
from nbtools import REPO  # noqa: E402
from reviewtools import SEED, grade_sample  # noqa: E402

# Counted from the sample, so adding a student to it changes no test: submissions (one per student in the zip),
# files (a student may upload several) and grades posted (graded students and the partners named with them).
_KEY = json.loads((REPO / 'submissions' / 'sample' / 'answer-key.json').read_text(encoding='utf-8'))
N_SUBMISSIONS = sum(1 for s in _KEY['students'] if s['kind'] == 'graded')
N_FILES = sum(1 for n in zipfile.ZipFile(REPO / 'submissions' / 'sample' / 'canvas-submissions.zip').namelist()
              if not n.startswith('__MACOSX/') and not n.endswith('/'))
N_POSTED = N_SUBMISSIONS + sum(1 for s in _KEY['students'] if s['kind'] == 'partner')


SAMPLE = REPO / 'submissions' / 'sample'


def options(out, **kw):
    return BatchOptions(submissions=SAMPLE / 'canvas-submissions.zip', out=out, roster=SAMPLE / 'roster.csv',
                        times=SAMPLE / 'submission-times.csv', workers=2, seed=SEED, **kw)


def grades(out) -> dict:
    """Per student: status, every item's points and status, the totals (what must not depend on the executor)."""
    subs = json.loads((out / 'results.json').read_text())['submissions']
    return {s['student_key']: (s['status'], {k: (c['status'], c['points']) for k, c in s['checks'].items()},
                               s['totals']) for s in subs}


@pytest.fixture(scope='module')
def local_pool(tmp_path_factory):
    """The sample graded by the local pool with the same options and seed (shared with other test modules)."""
    return grade_sample()


def test_a_dask_localcluster_grades_the_sample_like_the_local_pool(local_pool, tmp_path):
    out = tmp_path / 'out'
    events = []
    summary = grade_batch(options(out, executor='dask'), lambda event, info: events.append((event, info)))
    assert grades(out) == grades(local_pool)
    assert summary.graded == len([e for e in events if e[0] == 'done']) == N_SUBMISSIONS     # the progress line counts Dask's
    assert ('executor', {'description': 'a Dask LocalCluster of 2 worker process(es)'}) in events
    assert (out / 'grades.csv').read_text() == (local_pool / 'grades.csv').read_text()


def test_a_worker_killed_mid_batch_loses_nothing(tmp_path):
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    client = Client(cluster)
    pids = list(client.run(os.getpid).values())
    out = tmp_path / 'out'
    killed = []

    def kill_one_once_grading_started():
        db = out / 'gradebook.sqlite'
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            try:
                with sqlite3.connect(db) as con:
                    if con.execute("select count(*) from submissions where status = 'graded'").fetchone()[0]:
                        os.kill(pids[0], signal.SIGKILL)     # mid-batch: a worker with a job in hand
                        killed.append(pids[0])
            except sqlite3.Error:
                pass
            time.sleep(0.1)

    killer = threading.Thread(target=kill_one_once_grading_started)
    killer.start()
    try:
        summary = grade_batch(options(out, dask_scheduler=cluster.scheduler_address))
    finally:
        killer.join()
        client.close()
        cluster.close()
    assert killed
    results = grades(out)
    assert len(results) == summary.graded == N_SUBMISSIONS
    assert [s for s, _, _ in results.values()].count('graded') == N_SUBMISSIONS


def test_a_run_killed_midway_resumes_on_the_other_executor(tmp_path):
    out = tmp_path / 'out'
    cmd = [sys.executable, '-m', 'grader', 'grade', str(SAMPLE / 'canvas-submissions.zip'), '--out', str(out),
           '--workers', '2', '--seed', str(SEED)]
    proc = subprocess.Popen(cmd + ['--executor', 'dask'], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    db = out / 'gradebook.sqlite'
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db) as con:
                if con.execute("select count(*) from submissions where status = 'graded'").fetchone()[0] >= 3:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        before = {k for (k,) in con.execute("select student_key from submissions where status = 'graded'")}
    assert 3 <= len(before) < N_SUBMISSIONS
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    assert f'{len(before)} unchanged' in done.stdout
    with sqlite3.connect(db) as con:
        assert con.execute('select count(*) from submissions').fetchone()[0] == N_SUBMISSIONS
        dups = con.execute('select student_key, item_id, count(*) from checks group by 1, 2 having count(*) > 1')
        assert dups.fetchall() == []


def test_jobs_carry_the_notebook_not_a_path(tmp_path):
    """A worker on another machine never sees the driver's files: a job is the notebook's bytes."""
    from grader.batch.jobs import GradeJob, grade_job
    from grader.rubric.load import load_rubric
    with zipfile.ZipFile(SAMPLE / 'canvas-submissions.zip') as z:
        data = z.read('bakertom_240104_5531033_Baker-A2.ipynb')
    rubric = load_rubric()
    rubric = type(rubric)(**{**rubric.__dict__, 'items': tuple(it for it in rubric.items if it.id == 'relu_network')})
    job = GradeJob(key='240104', name='Baker-A2.ipynb', notebook=data, rubric=rubric, rubric_hash='h', seed=1)
    result = grade_job(job)
    assert result['notebook'] == 'Baker-A2.ipynb' and result['checks']['relu_network']['status'] != 'pass'
    assert job.identity == GradeJob(key='other', name='x.ipynb', notebook=data, rubric=rubric, rubric_hash='h',
                                    seed=1).identity


def slow_job(job):
    """A job whose grading never ends (the kernel's own budget failed, say): only the executor's hard budget is left."""
    if job.key == 'stuck':
        time.sleep(600)
    return {'status': 'graded', 'key': job.key}


def test_a_job_over_its_hard_budget_is_reported_and_its_worker_restarted():
    from grader.batch.executors import DaskExecutor
    from grader.batch.jobs import GradeJob
    from grader.rubric.load import load_rubric
    rubric = load_rubric()
    jobs = [GradeJob(key=k, name=f'{k}.ipynb', notebook=k.encode(), rubric=rubric, rubric_hash='h', seed=1)
            for k in ('stuck', 'fine')]
    done = {}
    started = time.monotonic()
    DaskExecutor(2, hard_timeout=3, function=slow_job).run(jobs, lambda key, status, value: done.update({key: status}))
    assert done == {'stuck': 'timeout', 'fine': 'ok'}
    assert time.monotonic() - started < 60       # not the job's 600 s: its worker was restarted

"""grader grade end to end on a small Canvas download: outputs, cache, resume after SIGKILL, manual scores."""
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.batch.driver import BatchOptions, grade_batch, rescore_dir
from grader.rubric.convert import dump_rubric
from nbtools import REPO, consistent, rubric_with, student_notebook

NO_BIAS = ('m_hat = self.mt / (1 - self.beta1t)\n            v_hat = self.vt / (1 - self.beta2t)',
           'm_hat = self.mt\n            v_hat = self.vt')


@pytest.fixture(scope='module')
def download(tmp_path_factory):
    """A Canvas zip: a correct notebook, a wrong Adam with a partner, a hanging top level, broken JSON, a PDF."""
    d = tmp_path_factory.mktemp('download')
    good = student_notebook(d, name='good.ipynb', append_code=['while True:\n    pass'])
    wrong = student_notebook(d, replace=[NO_BIAS], name='wrong.ipynb')
    zpath = d / 'submissions.zip'
    with zipfile.ZipFile(zpath, 'w') as z:
        z.write(good, 'lovelaceada_1001_5001_Lovelace-A2.ipynb')
        z.write(wrong, 'kowalskijan_LATE_1002_5002_Kowalski-Ito-A2.ipynb')
        z.writestr('brokenbob_1003_5003_Broken-A2.ipynb', '{"cells": [')
        z.writestr('pdfpat_1004_5004_Pat-A2.pdf', b'%PDF-1.4')
        z.writestr('__MACOSX/._x', b'')
    roster = d / 'roster.csv'
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n'
                      'Lovelace, Ada",1001,,,\n'.replace('Lovelace, Ada"', '"Lovelace, Ada"') +
                      '"Kowalski, Jan",1002,,,\n"Ito, Hana",1005,,,\n"Broken, Bob",1003,,,\n"Pat, Pat",1004,,,\n')
    times = d / 'times.csv'
    times.write_text('user_id,submitted_at\n1001,2026-10-02T20:00:00-06:00\n1002,2026-10-04T01:00:00-0600\n')
    rubric = d / 'small.yaml'
    dump_rubric(consistent(rubric_with('adam', 'partition', 'discussion_present')), rubric)
    return {'zip': zpath, 'roster': roster, 'times': times, 'rubric': rubric}


def options(download, out, **kw):
    return BatchOptions(submissions=download['zip'], out=out, rubric_path=download['rubric'],
                        roster=download['roster'], times=download['times'], workers=2, assignment_id='777', **kw)


def read_results(out):
    return {s['student_key']: s for s in json.loads((out / 'results.json').read_text())['submissions']}


def test_a_download_becomes_every_output_and_a_rerun_is_cached(download, tmp_path):
    out = tmp_path / 'out'
    summary = grade_batch(options(download, out))
    assert summary.submissions == 4 and summary.graded == 3
    results = read_results(out)
    assert results['1001']['status'] == 'graded'
    assert results['1001']['checks']['adam']['status'] == 'pass'
    adam = results['1002']['checks']['adam']
    assert adam['status'] == 'partial' and adam['deductions'][0]['id'] == 'adam.no_bias_correction'
    totals = results['1002']['totals']                # 1 d 1 h late: two started days, 20 points
    assert totals['raw'] == 23 and totals['late_penalty'] == 20 and totals['final'] == 3
    assert results['1002']['raw_checks']['adam']['faults'][0]['id'] == 'adam.no_bias_correction'
    assert results['1003']['status'] == 'invalid-notebook' and results['1003']['message']
    assert results['1004']['status'] == 'not-a-notebook' and 'Pat-A2.pdf' in results['1004']['message']

    rows = list(csv.reader((out / 'grades.csv').read_text().splitlines()))
    assert rows[0] == ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section',
                       'A2 Multilayer Neural Networks for Nonlinear Regression (777)']
    assert rows[1][0] == '    Points Possible'
    graded = {r[1]: r[5] for r in rows[2:]}
    assert graded['1002'] == graded['1005']      # the partner named in the file name gets the same grade
    # an unreadable notebook and a PDF: blank (never 0), with their status and message in results and the summary
    assert graded['1003'] == '' and graded['1004'] == ''
    assert any('1003' in p or 'Broken' in p for p in summary.problems) and len(summary.problems) == 2
    assert any('Pat-A2.pdf' in f for f in summary.other_files)
    assert results['1004']['other_files'] == ['Pat-A2.pdf']
    feedback = sorted(p.name for p in (out / 'feedback').iterdir())
    assert '1001_5001_feedback.md' in feedback and '1001_5001_feedback.html' in feedback
    assert 'img' in (out / 'report.html').read_text()
    assert (out / 'results.csv').read_text().startswith('student_key')

    written = {p: p.stat().st_mtime_ns for p in out.rglob('*') if p.is_file() and 'gradebook' not in p.name
               and p.name != '.grader-manifest.json'}
    started = time.monotonic()
    again = grade_batch(options(download, out))
    assert again.cached == 3 and again.graded == 0     # the PDF-only one has no notebook to cache
    assert time.monotonic() - started < 20        # no kernel was started
    assert read_results(out)['1002']['totals'] == results['1002']['totals']
    # nothing changed, so nothing was rewritten: outputs, feedback, plots and working copies keep their mtimes
    assert {p: p.stat().st_mtime_ns for p in written} == written
    assert again.warnings and again.outputs['grades'] == out / 'grades.csv'     # still said, from the last export


def test_manual_scores_are_merged_and_every_output_rewritten(download, tmp_path):
    out = tmp_path / 'out'
    grade_batch(options(download, out))
    before = read_results(out)['1002']['totals']['final']
    manual = tmp_path / 'manual.csv'
    manual.write_text('user_id,item_id,points,comment\n1002,adam,10,bias correction missing but well explained\n')
    rescore_dir(out, manual, download['rubric'], download['roster'])
    after = read_results(out)['1002']
    assert after['checks']['adam']['points'] == 10 and after['checks']['adam']['manual']
    assert 'well explained' in after['checks']['adam']['message']
    assert after['totals']['raw'] == 28 and after['totals']['late_penalty'] == 20    # after manual points
    assert before == 3 and after['totals']['final'] == 8
    grades = {r[1]: r[5] for r in csv.reader((out / 'grades.csv').read_text().splitlines()[2:])}
    assert grades['1002'] == '8'
    # a TA's scores never make a notebook run again: the next grade run scores the stored verdicts with them
    again = grade_batch(options(download, out))
    assert (again.graded, again.cached) == (0, 3)
    assert read_results(out)['1002']['totals']['final'] == 8


def test_a_run_killed_midway_resumes_with_nothing_lost_or_duplicated(download, tmp_path):
    out = tmp_path / 'out'
    cmd = [sys.executable, '-m', 'grader', 'grade', str(download['zip']), '--out', str(out), '--rubric',
           str(download['rubric']), '--workers', '1']
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db = out / 'gradebook.sqlite'
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    if con.execute('select count(*) from submissions').fetchone()[0] >= 3:
                        break   # the two without a notebook, and one graded
            except sqlite3.Error:
                pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr        # 1: two of the four could not be graded (broken JSON, a PDF)
    with sqlite3.connect(db) as con:
        keys = [r[0] for r in con.execute('select student_key from submissions')]
        checks = con.execute('select student_key, item_id, count(*) from checks group by 1, 2 having count(*) > 1')
        assert checks.fetchall() == []
    assert sorted(keys) == ['1001', '1002', '1003', '1004']
    assert read_results(out)['1001']['status'] == 'graded'


def test_bad_side_files_are_refused_with_their_line(download, tmp_path):
    times = tmp_path / 'times.csv'
    times.write_text('user_id,submitted_at\n1001,2026-10-02 20:00\n')
    done = subprocess.run([sys.executable, '-m', 'grader', 'grade', str(download['zip']), '--out',
                           str(tmp_path / 'out'), '--times', str(times)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2
    assert 'times.csv:2' in done.stderr and 'offset' in done.stderr
    assert not (tmp_path / 'out' / 'grades.csv').exists()

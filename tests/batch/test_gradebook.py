import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.batch import gradebook
from grader.batch.gradebook import Gradebook, rubric_hash
from grader.model import ItemScore, Lateness, ManualScore, Partner, StudentRecord, SubmissionResult, Totals

REPO = Path(__file__).resolve().parents[2]
META = dict(rubric_hash='r1', grader_version='0.1.0', user_id='123', attachment_id='456', name='Smith, Ann',
            notebook_path='subs/smithann_123_456_Smith-A2.ipynb', section='L01',
            partners=(Partner('Jones', '789'),), lateness=Lateness(seconds_late=3600.0))


def rec(key='k', **changes) -> StudentRecord:
    return StudentRecord(student_key=key, **{**META, **changes})


def result(points=10.0, n_items=3, status='graded', sha='aaa', seed=7):
    items = [ItemScore(f'item{i}', f'Item {i}', 'code', 'public', 'pass' if points else 'fail', points, 10.0,
                       f'message {i}') for i in range(n_items)]
    totals = Totals(code=points * n_items, discussion=0.0, extra_credit=0.0, raw=points * n_items,
                    late_penalty=0.0, final=points * n_items)
    return SubmissionResult('Smith-A2.ipynb', status, '', 'grade', seed=seed, sha256=sha, isolated=True,
                            items=items, totals=totals, flags=['copied?'], notes=['a note'],
                            raw_checks={'item0': {'status': 'pass', 'fraction': 1.0, 'message': 'ok'}})


def test_round_trip(tmp_path):
    r = result()
    with Gradebook(tmp_path) as gb:
        assert gb.path == tmp_path / 'gradebook.sqlite'
        gb.save(rec('smithann_123'), r)
    with Gradebook(tmp_path / 'gradebook.sqlite') as gb:
        [(record, d)] = gb.load_results()
        assert d == r.to_dict()
        # the record read back is the record saved (the sha256 filled in from the result)
        assert record == rec('smithann_123', notebook_sha256='aaa')
        assert [c['item_id'] for c in gb.checks_for('smithann_123')] == ['item0', 'item1', 'item2']
        [(record2, typed)] = gb.results_for_export()
        assert typed == r and record2.lateness == Lateness(seconds_late=3600.0)
        assert SubmissionResult.from_dict(r.to_dict()) == r
        assert gb.result('smithann_123') == (record2, typed) and gb.result('nobody') is None


def test_schema_version_wal_and_newer_db_refused(tmp_path):
    with Gradebook(tmp_path):
        pass
    db = sqlite3.connect(tmp_path / 'gradebook.sqlite')
    assert db.execute('PRAGMA user_version').fetchone()[0] == gradebook.SCHEMA_VERSION
    assert db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'
    db.execute('PRAGMA user_version=99')
    db.close()
    with pytest.raises(RuntimeError, match='newer'):
        Gradebook(tmp_path)


def test_resave_replaces_checks(tmp_path):
    with Gradebook(tmp_path) as gb:
        gb.save(rec('k'), result(n_items=5))
        gb.save(rec('k'), result(points=0.0, n_items=2))
        assert len(gb.load_results()) == 1
        assert [(c['item_id'], c['points']) for c in gb.checks_for('k')] == [('item0', 0.0), ('item1', 0.0)]


def test_is_current(tmp_path):
    with Gradebook(tmp_path) as gb:
        assert not gb.is_current('k', 'aaa', 'r1', '0.1.0')
        gb.save(rec('k'), result(sha='aaa'))
        assert gb.is_current('k', 'aaa', 'r1', '0.1.0')
        assert not gb.is_current('k', 'bbb', 'r1', '0.1.0')      # notebook changed
        assert not gb.is_current('k', 'aaa', 'r2', '0.1.0')      # rubric changed
        assert not gb.is_current('k', 'aaa', 'r1', '0.2.0')      # grader changed
        assert not gb.is_current('other', 'aaa', 'r1', '0.1.0')
        # a TA's score (at the review desk, in a CSV) is applied to the stored verdicts: no kernel runs again
        gb.set_manual([('k', ManualScore('item0', 5, 'TA'))])
        assert gb.is_current('k', 'aaa', 'r1', '0.1.0')


@pytest.mark.parametrize('status', ['error', 'timeout'])
def test_transient_errors_are_retried(tmp_path, status):
    with Gradebook(tmp_path) as gb:
        gb.save(rec('k'), result(status=status))
        assert not gb.is_current('k', 'aaa', 'r1', '0.1.0')
        gb.save(rec('k'), result(status='empty'))     # a fact about the notebook: not retried
        assert gb.is_current('k', 'aaa', 'r1', '0.1.0')


def test_seed_kept_for_unchanged_notebook_only(tmp_path):
    with Gradebook(tmp_path) as gb:
        assert gb.stored_seed('k', 'aaa') is None
        gb.save(rec('k'), result(sha='aaa', seed=1234))
        assert gb.stored_seed('k', 'aaa') == 1234
        assert gb.stored_seed('k', 'bbb') is None


def test_save_requires_hashes(tmp_path):
    with Gradebook(tmp_path) as gb, pytest.raises(ValueError, match='rubric_hash'):
        gb.save(StudentRecord('k', grader_version='1'), result())


def test_exception_inside_save_rolls_back(tmp_path, monkeypatch):
    with Gradebook(tmp_path) as gb:
        gb.save(rec('k'), result(points=10.0))
        original = gb._insert_checks

        def half_then_fail(key, items):
            original(key, items[:1])        # some check rows are in, then the process "dies"
            raise KeyboardInterrupt

        monkeypatch.setattr(gb, '_insert_checks', half_then_fail)
        with pytest.raises(KeyboardInterrupt):
            gb.save(rec('k'), result(points=0.0))
        with pytest.raises(KeyboardInterrupt):
            gb.save(rec('new'), result(points=0.0))
    with Gradebook(tmp_path) as gb:
        [(_record, d)] = gb.load_results()       # 'new' left nothing behind
        assert d['totals']['final'] == 30.0
        assert [c['points'] for c in gb.checks_for('k')] == [10.0, 10.0, 10.0]


WRITER = textwrap.dedent('''
    import sys
    from grader.batch.gradebook import Gradebook
    from grader.model import ItemScore, StudentRecord, SubmissionResult, Totals
    gb = Gradebook(sys.argv[1])
    generation = 0
    while True:
        generation += 1
        for key in ('a', 'b', 'c'):
            # every check of one generation carries the generation's points: a mix would show
            items = [ItemScore(f'i{n}', 't', 'code', 'public', 'pass', float(generation), 1e9, '')
                     for n in range(50 + generation % 7)]
            t = Totals(generation, 0, 0, generation, 0, generation)
            gb.save(StudentRecord(key, rubric_hash='r', grader_version=str(generation)),
                    SubmissionResult('nb', 'graded', '', 'grade', items=items, totals=t))
        if generation == 2:
            print('ready', flush=True)
''')


def test_sigkill_while_saving_leaves_consistent_db(tmp_path):
    script = tmp_path / 'writer.py'
    script.write_text(WRITER)
    env = {**os.environ, 'PYTHONPATH': str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b'ready'
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    db = sqlite3.connect(tmp_path / 'gradebook.sqlite')
    assert db.execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
    db.close()
    with Gradebook(tmp_path) as gb:
        results = gb.load_results()
        assert sorted(r.student_key for r, _ in results) == ['a', 'b', 'c']
        for record, d in results:
            generation = int(record.grader_version)
            assert d['totals']['final'] == generation
            checks = gb.checks_for(record.student_key)
            assert len(checks) == len(d['checks']) == 50 + generation % 7
            assert {c['points'] for c in checks} == {float(generation)}


def test_manual_scores(tmp_path):
    with Gradebook(tmp_path) as gb:
        gb.set_manual([('k', ManualScore('item1', 4.5, 'partly right')), ('k', ManualScore('item0', 10)),
                       ('other', ManualScore('item0', 1))])
        gb.set_manual([('k', ManualScore('item1', 6, 'regraded'))])      # replaces, does not duplicate
        assert gb.manual_for('k') == [ManualScore('item0', 10.0, ''), ManualScore('item1', 6.0, 'regraded')]
        gb.clear_manual('k', 'item0')
        assert gb.manual_for('k') == [ManualScore('item1', 6.0, 'regraded')]
        assert gb.manual_for('nobody') == []
    with Gradebook(tmp_path) as gb:       # persisted
        assert gb.manual_for('other') == [ManualScore('item0', 1.0, '')]


def test_runs(tmp_path):
    with Gradebook(tmp_path) as gb:
        run = gb.start_run('0.1.0', 'r1', {'force': True, 'jobs': 2})
        gb.save(rec('k', run_id=run), result())
        gb.finish_run(run)
        [row] = gb.runs()
        assert row['options'] == {'force': True, 'jobs': 2} and row['finished_at']
        assert gb.load_results()[0][0].run_id == run


def test_rubric_hash(tmp_path):
    f = tmp_path / 'a2.yaml'
    f.write_bytes(b'title: A2\n')
    assert rubric_hash(f) == rubric_hash(str(f)) == rubric_hash(b'title: A2\n') == rubric_hash('title: A2\n')
    assert rubric_hash(f) != rubric_hash('title: A3\n')
    with pytest.raises(FileNotFoundError):
        rubric_hash(str(tmp_path / 'a2.yml'))      # a mistyped path is an error, not a hash of its text


def test_manual_deductions_round_trip(tmp_path):
    with Gradebook(tmp_path) as gb:
        gb.set_manual([('k', ManualScore('item1', 3, 'no test RMSE', ('item1.no_test_rmse',)))])
        assert gb.manual_for('k') == [ManualScore('item1', 3.0, 'no test RMSE', ('item1.no_test_rmse',))]


def test_older_gradebook_is_upgraded_in_place(tmp_path):
    """A gradebook written by the previous grader (schema 1) opens, keeps its rows and gains what is new."""
    db = sqlite3.connect(tmp_path / 'gradebook.sqlite')
    for statement in gradebook._SCHEMA.split(';'):
        statement = statement.replace(", deductions TEXT NOT NULL DEFAULT '[]'", '')
        if statement.strip() and 'CREATE TABLE rubrics' not in statement:
            db.execute(statement)
    db.execute("INSERT INTO manual_scores (student_key, item_id, points, comment, updated_at) "
               "VALUES ('k', 'item0', 4, 'ok', 'then')")
    db.execute('PRAGMA user_version=1')
    db.commit()
    db.close()
    with Gradebook(tmp_path) as gb:
        assert gb.manual_for('k') == [ManualScore('item0', 4.0, 'ok')]
        gb.save_rubric('h', 'a2.yaml', 'title: x\n')
        assert gb.last_run() is None
    assert sqlite3.connect(tmp_path / 'gradebook.sqlite').execute('PRAGMA user_version').fetchone()[0] == \
        gradebook.SCHEMA_VERSION


def test_run_keeps_its_rubric(tmp_path):
    with Gradebook(tmp_path) as gb:
        gb.save_rubric('h1', 'edited.yaml', 'yaml text\n')
        gb.start_run('0.1.0', 'h1', {'due': None})
        run = gb.last_run()
    assert (run['rubric_yaml'], run['rubric_name'], run['options']) == ('yaml text\n', 'edited.yaml', {'due': None})


def test_is_current_counts_isolation(tmp_path):
    with Gradebook(tmp_path) as gb:
        gb.save(rec('k', notebook_sha256='aaa'), result(sha='aaa'))      # result(): isolated=True
        assert gb.is_current('k', 'aaa', 'r1', '0.1.0', isolated=True)
        assert not gb.is_current('k', 'aaa', 'r1', '0.1.0', isolated=False)
        assert gb.is_current('k', 'aaa', 'r1', '0.1.0')

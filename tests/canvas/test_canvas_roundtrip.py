import zipfile
"""Pull -> grade -> push end to end on the sample students against the fake Canvas, through the CLI, with real
kernels (the sample is graded once per module). Then: re-push and --dry-run post nothing, a push stopped midway
resumes without duplicates, the double late penalty is refused, and the token never leaks."""
import contextlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from fake_canvas import ASSIGNMENT, COURSE, SAMPLE, FakeCanvas, Fault
from grader.canvas.plan import marker
from grader.canvas.posted import PostLog
from grader.cli import main
from nbtools import REPO

# Counted from the sample, so adding a student to it changes no test: submissions (one per student in the zip),
# files (a student may upload several) and grades posted (graded students and the partners named with them).
_KEY = json.loads((REPO / 'submissions' / 'sample' / 'answer-key.json').read_text(encoding='utf-8'))
N_SUBMISSIONS = sum(1 for s in _KEY['students'] if s['kind'] == 'graded')
N_FILES = sum(1 for n in zipfile.ZipFile(REPO / 'submissions' / 'sample' / 'canvas-submissions.zip').namelist()
              if not n.startswith('__MACOSX/') and not n.endswith('/'))
N_POSTED = N_SUBMISSIONS + sum(1 for s in _KEY['students'] if s['kind'] == 'partner')


KEY = json.loads((SAMPLE / 'answer-key.json').read_text(encoding='utf-8'))
IDS = ['--course', str(COURSE), '--assignment', str(ASSIGNMENT)]


def cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def canvas_env(fake):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('CANVAS_API_URL', fake.url)
        mp.setenv('CANVAS_API_TOKEN', fake.token)
        yield


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp('canvas')
    fake = FakeCanvas()
    fake.seed_sample()
    fake.start()
    with canvas_env(fake):
        pulled = cli('canvas', 'pull', *IDS, '--out', root / 'subs')
        graded = cli('grade', root / 'subs', '--out', root / 'out', '--workers', 2)
    fake.stop()
    yield {'root': root, 'subs': root / 'subs', 'out': root / 'out', 'pulled': pulled, 'graded': graded}


@pytest.fixture
def fake():
    fake = FakeCanvas()
    fake.seed_sample()
    fake.start()
    fake.progress_polls = 1
    with canvas_env(fake):
        yield fake
    fake.stop()


@pytest.fixture
def out(world, tmp_path):
    """A copy of the graded folder: each test pushes from its own gradebook."""
    return shutil.copytree(world['out'], tmp_path / 'out')


def results(out):
    return {s['user_id']: s for s in json.loads((out / 'results.json').read_text())['submissions']}


def expected_grades(out):
    """Canvas user id -> final score, as the gradebook says (partners included)."""
    grades = {}
    for uid, r in results(out).items():
        if r['status'] == 'graded':
            grades[uid] = r['totals']['final']
            for p in r['partners']:
                grades.setdefault(p['user_id'], r['totals']['final'])
    return grades


def posts(out):
    with PostLog(out / 'gradebook.sqlite', COURSE, ASSIGNMENT, write=False) as log:
        return log.posted(), log.pushes()


def our_comments(fake):
    return {str(u): [c for c in s['comments'] if '(ref a2g-' in c['comment']] for u, s in fake.subs.items()
            if s['comments']}


def test_pull_then_grade_takes_the_side_files_and_late_days_match_the_answer_key(world):
    code, stdout, _ = world['pulled']
    assert code == 0 and f'{N_SUBMISSIONS} submission(s)' in stdout and f'{N_FILES} downloaded' in stdout
    code, stdout, stderr = world['graded']
    assert code == 0, stderr
    for option in ('--times', '--roster', '--extensions', '--due'):
        assert f'using {option} ' in stderr
    assert 'skipped' not in stdout      # the side files are not reported as stray entries
    got = results(world['out'])
    for student in KEY['students']:
        if student['kind'] != 'graded':
            continue
        r = got[str(student['user_id'])]
        assert r['status'] == 'graded' and r['notebook'].endswith(student['notebook'])
        assert r['totals']['late_penalty'] == min(10 * student['late_days'], r['totals']['raw']), student['notebook']
        assert r['lateness']['uncertain'] is False and r['lateness']['seconds_late'] is not None


def test_push_end_to_end_then_canvas_holds_exactly_the_gradebook(fake, out):
    code, stdout, stderr = cli('canvas', 'push', out, *IDS)
    assert code == 0, stderr
    expected = expected_grades(out)
    assert fake.grades() == expected and expected['240106'] == expected['240105']      # Ito gets Kowalski's
    assert '240113' not in fake.grades() and '240199' not in fake.grades()          # no submission: blank
    recorded, pushes = posts(out)
    comments = our_comments(fake)
    assert set(comments) == set(expected) == set(recorded)
    got = results(out)
    for uid, (comment,) in comments.items():
        assert recorded[uid].score == expected[uid] and marker(recorded[uid].comment_hash) in comment['comment']
        owner = got.get(uid) or next(r for r in got.values() if uid in [p['user_id'] for p in r['partners']])
        page = out / 'feedback' / f'{owner["user_id"]}_{owner["attachment_id"]}_feedback.html'
        (attached,) = comment['attachments']
        assert fake.files[attached['id']]['data'] == page.read_bytes()
        assert comment['attempt'] == (1 if uid in got else None)
    assert pushes[-1]['complete'] == 1 and pushes[-1]['grades_posted'] == N_POSTED
    assert f'posted {N_POSTED} grade(s) and {N_POSTED} comment(s)' in stdout

    # a second push sends nothing; neither does a dry run
    mark = len(fake.requests)
    code, stdout, _ = cli('canvas', 'push', out, *IDS)
    assert code == 0 and 'posted 0 grade(s) and 0 comment(s)' in stdout
    assert [r for r in fake.requests[mark:] if r[0] != 'GET'] == []
    code, stdout, _ = cli('canvas', 'push', out, *IDS, '--dry-run')
    assert code == 0 and [r for r in fake.requests[mark:] if r[0] != 'GET'] == []
    assert 'dry run: 0 grade(s) and 0 comment(s) would be posted' in stdout


def test_a_push_to_another_assignment_than_the_pulled_one_is_refused(fake, out):
    code, _, stderr = cli('canvas', 'push', out, '--course', COURSE, '--assignment', 1234567)
    assert code == 2 and 'check --course and --assignment' in stderr and fake.requests == []


def test_dry_run_prints_the_table_and_posts_and_records_nothing(fake, out):
    code, stdout, _ = cli('canvas', 'push', out, *IDS, '--dry-run')
    assert code == 0 and fake.writes() == [] and fake.grades() == {}
    assert f'dry run: {N_POSTED} grade(s) and {N_POSTED} comment(s) would be posted; nothing was sent' in stdout
    assert 'Ito, Hana [partner]' in stdout and stdout.count(' post ') >= N_POSTED
    with sqlite3.connect(out / 'gradebook.sqlite') as db:
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'canvas_%'").fetchone()[0] == 0


def test_a_push_stopped_by_a_500_resumes_where_it_stopped(fake, out):
    fake.faults.append(Fault('PUT', r'/submissions/\d+$', 500, after=2))
    code, _, stderr = cli('canvas', 'push', out, *IDS)
    assert code == 4 and 'run the same command again to resume' in stderr and stderr.count('\n') == 1
    recorded, pushes = posts(out)
    assert fake.grades() == expected_grades(out) and len(recorded) == N_POSTED
    assert sum(1 for p in recorded.values() if p.comment_hash) == 2 == sum(map(len, our_comments(fake).values()))
    assert pushes[-1]['complete'] == 0
    mark = len(fake.requests)
    code, stdout, _ = cli('canvas', 'push', out, *IDS)
    assert code == 0 and f'posted 0 grade(s) and {N_POSTED - 2} comment(s)' in stdout
    assert not any('update_grades' in p for _, p in fake.requests[mark:])
    assert {u: len(c) for u, c in our_comments(fake).items()} == {u: 1 for u in expected_grades(out)}
    assert posts(out)[1][-1]['complete'] == 1


def test_a_comment_canvas_took_before_the_line_dropped_is_not_sent_twice(fake, out):
    fake.faults.append(Fault('PUT', r'/submissions/\d+$', 'drop_after'))
    code, _, stderr = cli('canvas', 'push', out, *IDS)
    assert code == 4 and 'could not reach Canvas' in stderr
    assert sum(map(len, our_comments(fake).values())) == 1
    assert sum(1 for p in posts(out)[0].values() if p.comment_hash) == 0     # not confirmed: not recorded
    code, stdout, _ = cli('canvas', 'push', out, *IDS)
    assert code == 0 and f'posted 0 grade(s) and {N_SUBMISSIONS} comment(s)' in stdout
    assert {u: len(c) for u, c in our_comments(fake).items()} == {u: 1 for u in expected_grades(out)}
    assert all(p.comment_hash for p in posts(out)[0].values())


def test_a_failed_grading_job_or_a_500_on_it_records_no_grade(fake, out):
    fake.fail_progress = 1
    code, _, stderr = cli('canvas', 'push', out, *IDS)
    assert code == 4 and "grading job" in stderr and 'failed' in stderr
    assert fake.grades() == {} and posts(out)[0] == {} and our_comments(fake) == {}
    fake.faults.append(Fault('POST', 'update_grades', 502))
    code, _, stderr = cli('canvas', 'push', out, *IDS)
    assert code == 4 and '502' in stderr and posts(out)[0] == {}
    code, stdout, _ = cli('canvas', 'push', out, *IDS)
    assert code == 0 and fake.grades() == expected_grades(out) and f'posted {N_POSTED} grade(s) and {N_POSTED} comment(s)' in stdout


def test_a_grade_canvas_did_not_take_is_neither_recorded_nor_commented(fake, out):
    fake.ignore_grades = {240104}
    code, stdout, _ = cli('canvas', 'push', out, *IDS)
    assert code == 4 and 'does not show the new grade for: Baker, Tom (240104)' in stdout
    recorded, pushes = posts(out)
    assert '240104' not in recorded and '240104' not in our_comments(fake) and pushes[-1]['complete'] == 0
    fake.ignore_grades = set()
    code, stdout, _ = cli('canvas', 'push', out, *IDS)
    assert code == 0 and 'posted 1 grade(s) and 1 comment(s)' in stdout and posts(out)[1][-1]['complete'] == 1


def test_a_canvas_late_policy_with_ours_on_is_refused_then_grading_without_ours_pushes(fake, out, world):
    fake.late_policy = {'id': 1, 'course_id': COURSE, 'late_submission_deduction_enabled': True,
                        'late_submission_deduction': 10.0, 'late_submission_interval': 'day',
                        'missing_submission_deduction_enabled': False, 'missing_submission_deduction': 0.0,
                        'late_submission_minimum_percent_enabled': False, 'late_submission_minimum_percent': 0.0}
    for extra in ([], ['--dry-run']):
        code, _, stderr = cli('canvas', 'push', out, *IDS, *extra)
        assert code == 2 and '--no-late-penalty' in stderr and 'late_policy: {enabled: false}' in stderr
        assert 'count twice' in stderr and fake.writes() == []
    # the TA grades again without the grader's penalty (unchanged notebooks: no kernel runs), then pushes
    code, _, stderr = cli('grade', world['subs'], '--out', out, '--no-late-penalty', '--workers', 1)
    assert code == 0 and f'0 graded now, {N_SUBMISSIONS} unchanged' in _
    assert results(out)['240103']['totals']['late_penalty'] == 0
    code, stdout, stderr = cli('canvas', 'push', out, *IDS)
    assert code == 0, stderr
    assert "Canvas alone applies it" in stdout
    nguyen = fake._version(fake.subs[240103], 1)
    assert nguyen['entered_score'] == results(out)['240103']['totals']['raw'] and nguyen['score'] == \
        nguyen['entered_score'] - 10


def test_the_token_never_leaks(fake, out, tmp_path, caplog, monkeypatch):
    import logging
    token = fake.token
    outputs = []
    with caplog.at_level(logging.DEBUG):
        outputs.append(cli('canvas', 'pull', *IDS, '--out', tmp_path / 'subs'))
        outputs.append(cli('canvas', 'push', out, *IDS, '--dry-run'))
        fake.faults.append(Fault('POST', 'update_grades', 422, body='bad grade data', echo_token=True))
        outputs.append(cli('canvas', 'push', out, *IDS))
        fake.faults.append(Fault('PUT', r'/submissions/\d+$', 500, echo_token=True, after=1))
        outputs.append(cli('canvas', 'push', out, *IDS))
        outputs.append(cli('canvas', 'push', out, *IDS))
    assert [code for code, _, _ in outputs] == [0, 0, 4, 4, 0]
    assert 'bad grade data' in outputs[2][2] and '[token hidden]' in outputs[2][2]
    # a bug with the token in its message: the traceback is printed, the token is not
    import grader.canvas.push as push_module

    def broken(*args, **kwargs):
        raise RuntimeError(f'unexpected answer for Bearer {token}')
    monkeypatch.setattr(push_module, 'push', broken)
    code, stdout, stderr = cli('canvas', 'push', out, *IDS)
    assert code == 3 and 'the grader itself failed' in stderr and 'RuntimeError' in stderr
    report = Path(stderr.rsplit('Details: ', 1)[1].strip())
    assert 'Traceback' in report.read_text() and '[token hidden]' in report.read_text()
    outputs.append((code, stdout, stderr + report.read_text()))
    report.unlink()
    texts = [o for _, so, se in outputs for o in (so, se)] + [caplog.text]
    assert not any(token in t for t in texts)
    assert not any(f'****{token[-4:]}' in t for t in texts)
    for folder in (out, tmp_path / 'subs'):
        for path in folder.rglob('*'):
            if path.is_file():
                assert token.encode() not in path.read_bytes(), path

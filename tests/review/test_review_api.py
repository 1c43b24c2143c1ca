"""The review desk's JSON API and store, without a browser, on the sample class graded once for the module."""
from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
import time

import pytest

pytest.importorskip('flask')

from grader.batch.driver import rescore_dir  # noqa: E402
from grader.review.app import create_app  # noqa: E402
from reviewtools import copy_of, grade_sample, manual_scores as manual_rows  # noqa: E402

TOKEN = 'test-token'
ITEMS = ['results_reported', 'discussion_present', 'plots_present', 'observations_3']


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    return grade_sample(tmp_path_factory.mktemp('review-api'))


@pytest.fixture
def folder(graded, tmp_path):
    return copy_of(graded, tmp_path)


def client(folder, desk='desk-a', ta='Ana', **kwargs):
    app = create_app(folder, token=TOKEN, ta='default-ta', **kwargs)
    c = app.test_client()
    c.environ_base.update(HTTP_X_REVIEW_TOKEN=TOKEN, HTTP_X_REVIEW_DESK=desk, HTTP_X_REVIEW_TA=ta)
    return c


def answers(c, item='observations_3'):
    r = c.get(f'/api/answers?item={item}')
    assert r.status_code == 200, r.json
    return r.json




def number_of(c, user_id):
    """The anonymous number of a student, through the logged reveal a TA would use."""
    for a in answers(c):
        if c.post('/api/reveal', json={'submission': a['submission']}).json['user_id'] == user_id:
            return a['submission']
    raise AssertionError(user_id)


# ---------------------------------------------------------------- token
def test_every_request_needs_the_token(folder):
    app = create_app(folder, token=TOKEN)
    c = app.test_client()
    for path in ('/', '/api/items', '/api/answers?item=observations_3', '/static/desk.js', '/item/plots_present'):
        assert c.get(path).status_code == 403, path
        assert c.get(path, headers={'X-Review-Token': 'wrong'}).status_code == 403, path
    assert c.post('/api/scores', json={'submission': 1, 'item': 'plots_present', 'points': 6}).status_code == 403
    assert c.get('/api/items', headers={'X-Review-Token': TOKEN}).status_code == 200
    first = c.get(f'/?token={TOKEN}')
    assert first.status_code == 200 and 'SameSite=Strict' in first.headers['Set-Cookie']
    assert c.get('/api/items').status_code == 200      # the cookie the first page set
    assert "script-src 'self'" in first.headers['Content-Security-Policy']


def test_writes_must_be_json(folder):
    c = client(folder)
    r = c.post('/api/scores', data={'submission': '1', 'item': 'plots_present', 'points': '6'})
    assert r.status_code == 400 and 'JSON' in r.json['error']


# ---------------------------------------------------------------- items and answers
def test_items_are_the_written_parts_with_their_deductions(folder):
    items = client(folder).get('/api/items').json
    assert [it['id'] for it in items] == ITEMS
    for it in items:
        assert it['max_points'] > 0 and it['title'] and it['prompt']
        assert it['deductions'], it['id']
        for d in it['deductions']:
            assert d['id'].startswith(it['id'] + '.') and 0 < d['points'] <= it['max_points'] and d['message']
    results = next(it for it in items if it['id'] == 'results_reported')
    assert 'results_reported.chose_by_train' in [d['id'] for d in results['deductions']]


def test_answers_are_anonymous_stable_and_rendered(folder):
    c = client(folder)
    listed = answers(c, 'results_reported')
    assert sorted(a['submission'] for a in listed) == list(range(1, 14))     # 13 notebooks in the sample
    assert all('name' not in a and 'user_id' not in a for a in listed)
    again = answers(client(folder, desk='other'), 'results_reported')
    assert [a['submission'] for a in again] == [a['submission'] for a in listed]
    texts = [a['answer_markdown'] for a in listed]
    assert [a['answer_markdown'] for a in again] == texts
    obrien = next(a for a in listed if '0.47' in a['answer_markdown'] and 'very good' in a['answer_markdown'])
    assert obrien['provisional_points'] == 8 and obrien['points'] is None and obrien['found']
    assert '<p>' in obrien['answer_html']
    assert any(a['tables'] for a in listed)      # the best row's DataFrame output, as text
    young = [a for a in listed if a['provisional_points'] == 0]
    assert young and all(a['provisional_message'] for a in young)
    plots = answers(c, 'plots_present')
    with_images = [a for a in plots if a['images']]
    assert with_images
    image = c.get(with_images[0]['images'][0])
    assert image.status_code == 200 and image.mimetype == 'image/png' and image.data[:4] == b'\x89PNG'
    assert 'sandbox' in image.headers['Content-Security-Policy']


def test_reveal_is_logged_and_shown_only_at_that_desk(folder):
    a, b = client(folder, desk='a'), client(folder, desk='b')
    shown = a.post('/api/reveal', json={'submission': 3}).json
    assert shown['name'] and shown['user_id']
    assert next(x for x in answers(a) if x['submission'] == 3)['name'] == shown['name']
    assert all('name' not in x for x in answers(b))
    db = sqlite3.connect(folder / 'gradebook.sqlite')
    rows = db.execute("SELECT ta, desk FROM review_audit WHERE action='reveal'").fetchall()
    db.close()
    assert rows == [('Ana', 'a')]


# ---------------------------------------------------------------- scores
def test_a_score_is_saved_at_once_with_who_and_when(folder):
    c = client(folder)
    r = c.post('/api/scores', json={'submission': 2, 'item': 'plots_present', 'points': 4.5, 'comment': 'no legend'})
    assert r.status_code == 200 and r.json['points'] == 4.5
    key = next(k for (k, i) in manual_rows(folder) if i == 'plots_present')
    assert manual_rows(folder)[(key, 'plots_present')] == (4.5, 'no legend')
    db = sqlite3.connect(folder / 'gradebook.sqlite')
    audit = db.execute("SELECT ta, desk, at, action, student_key, item_id FROM review_audit").fetchall()
    db.close()
    assert [(t, d, a, k, i) for t, d, _, a, k, i in audit] == [('Ana', 'desk-a', 'score', key, 'plots_present')]
    assert audit[0][2].startswith('20')
    listed = next(a for a in answers(c, 'plots_present') if a['submission'] == 2)
    assert (listed['points'], listed['comment'], listed['graded_by']) == (4.5, 'no legend', 'Ana')


def test_deductions_set_the_points_and_the_students_feedback(folder):
    c = client(folder)
    r = c.post('/api/scores', json={'submission': 1, 'item': 'results_reported',
                                    'deductions': ['results_reported.chose_by_train',
                                                   'results_reported.no_parameters'], 'comment': 'see lecture 5'})
    assert r.status_code == 200 and r.json['points'] == 3.0
    everything = c.post('/api/scores', json={'submission': 1, 'item': 'results_reported',
                                             'deductions': ['results_reported.missing',
                                                            'results_reported.chose_by_train']})
    assert everything.json['points'] == 0      # never below 0
    c.post('/api/scores', json={'submission': 1, 'item': 'results_reported',
                                'deductions': ['results_reported.chose_by_train'], 'comment': 'see lecture 5'})
    rescore_dir(folder, None)
    results = json.loads((folder / 'results.json').read_text())['submissions']
    checks = [s['checks']['results_reported'] for s in results if s['checks']['results_reported']['manual']]
    assert len(checks) == 1 and checks[0]['points'] == 5.0
    assert 'The best row is the one with the lowest RMSE Val' in checks[0]['message']
    assert 'see lecture 5' in checks[0]['message'] and 'provisional' not in checks[0]['message']


@pytest.mark.parametrize('payload, message', [
    ({'submission': 1, 'item': 'adam', 'points': 3}, 'unknown item'),
    ({'submission': 1, 'item': 'nope', 'points': 3}, 'unknown item'),
    ({'submission': 1, 'item': 'plots_present', 'points': 7}, 'outside 0..6'),
    ({'submission': 1, 'item': 'plots_present', 'points': -0.5}, 'outside 0..6'),
    ({'submission': 1, 'item': 'plots_present', 'points': 'six'}, 'must be a number'),
    ({'submission': 1, 'item': 'plots_present', 'points': True}, 'must be a number'),
    ({'item': 'plots_present', 'points': 3}, 'submission is missing'),
    ({'submission': 99, 'item': 'plots_present', 'points': 3}, 'no submission number 99'),
    ({'submission': 'Smith', 'item': 'plots_present', 'points': 3}, 'number shown at the desk'),
    ({'submission': 1, 'item': 'plots_present'}, 'send points or deductions'),
    ({'submission': 1, 'item': 'plots_present', 'deductions': ['adam.no_bias_correction']}, 'unknown deduction'),
    ({'submission': 1, 'item': 'plots_present', 'deductions': ['plots_present.unlabeled'], 'points': 6},
     'disagree with the deductions'),
])
def test_bad_scores_get_400_with_a_message_and_change_nothing(folder, payload, message):
    c = client(folder)
    r = c.post('/api/scores', json=payload)
    assert r.status_code == 400 and message in r.json['error']
    assert manual_rows(folder) == {}


def test_undo_restores_what_was_there(folder):
    c = client(folder)
    c.post('/api/scores', json={'submission': 4, 'item': 'observations_3', 'points': 8})
    c.post('/api/scores', json={'submission': 4, 'item': 'observations_3', 'points': 5, 'comment': 'two are one'})
    c.post('/api/flag', json={'submission': 4, 'item': 'observations_3', 'flagged': True})
    assert c.post('/api/undo', json={}).json['undone'] == {'submission': 4, 'item': 'observations_3'}
    current = next(a for a in answers(c) if a['submission'] == 4)
    assert current['flagged'] is False and current['points'] == 5
    c.post('/api/undo', json={})
    assert next(a for a in answers(c) if a['submission'] == 4)['points'] == 8
    c.post('/api/undo', json={})
    assert next(a for a in answers(c) if a['submission'] == 4)['points'] is None
    assert manual_rows(folder) == {}
    assert c.post('/api/undo', json={}).json['undone'] is None
    # another desk's undo never touches this desk's marks
    c.post('/api/scores', json={'submission': 4, 'item': 'observations_3', 'points': 7})
    assert client(folder, desk='other').post('/api/undo', json={}).json['undone'] is None
    assert next(a for a in answers(c) if a['submission'] == 4)['points'] == 7


def test_changing_a_deductions_points_rescores_every_answer_it_was_applied_to(folder):
    c = client(folder)
    short = 'observations_3.fewer_than_three'
    for n in (1, 2, 3):
        c.post('/api/scores', json={'submission': n, 'item': 'observations_3', 'deductions': [short]})
    c.post('/api/scores', json={'submission': 4, 'item': 'observations_3',
                                'deductions': ['observations_3.wrong_claim']})
    c.post('/api/scores', json={'submission': 5, 'item': 'observations_3', 'points': 6})
    r = c.post('/api/deductions', json={'id': short, 'points': 4})
    assert r.status_code == 200 and r.json['rescored'] == 3
    points = {a['submission']: a['points'] for a in answers(c)}
    assert [points[n] for n in (1, 2, 3, 4, 5)] == [4, 4, 4, 6, 6]
    item = next(it for it in c.get('/api/items').json if it['id'] == 'observations_3')
    assert next(d for d in item['deductions'] if d['id'] == short)['points'] == 4
    assert c.post('/api/deductions', json={'id': short, 'points': 20}).status_code == 400
    assert c.post('/api/deductions', json={'id': 'observations_3.nope', 'points': 1}).status_code == 400


def test_flags_and_the_comment_bank(folder):
    c = client(folder)
    assert c.post('/api/flag', json={'submission': 6, 'item': 'plots_present', 'flagged': True}).status_code == 200
    assert [a['submission'] for a in answers(c, 'plots_present') if a['flagged']] == [6]
    for n, comment in ((1, 'label the axes'), (2, 'relu plot missing'), (3, 'relu plot missing')):
        c.post('/api/scores', json={'submission': n, 'item': 'plots_present', 'points': 4, 'comment': comment})
    assert c.get('/api/comments?item=plots_present').json == ['relu plot missing', 'label the axes']
    assert c.get('/api/comments?item=observations_3').json == []


# ---------------------------------------------------------------- several desks
def test_two_desks_never_hold_the_same_answer(folder):
    a, b = client(folder, desk='a', ta='Ana'), client(folder, desk='b', ta='Ben')
    assert a.post('/api/claim', json={'item': 'discussion_present', 'submission': 5}).json['submission'] == 5
    moved = b.post('/api/claim', json={'item': 'discussion_present', 'submission': 5}).json
    assert moved['moved'] and moved['submission'] == 6 and moved['claimed_by'] == 'Ana'
    back = b.post('/api/claim', json={'item': 'discussion_present', 'submission': 5, 'direction': -1}).json
    assert back['submission'] == 4
    refused = b.post('/api/scores', json={'submission': 5, 'item': 'discussion_present', 'points': 1})
    assert refused.status_code == 409 and refused.json['claimed_by'] == 'Ana'
    assert next(x for x in answers(b, 'discussion_present') if x['submission'] == 5)['claimed_by'] == 'Ana'
    # the same answer of another item is free
    assert b.post('/api/claim', json={'item': 'plots_present', 'submission': 5}).json['submission'] == 5
    a.post('/api/release', json={})
    assert b.post('/api/claim', json={'item': 'discussion_present', 'submission': 5}).json == {
        'submission': 5, 'moved': False, 'claimed_by': None}


def test_next_ungraded_skips_graded_answers_and_other_desks(folder):
    a, b = client(folder, desk='a'), client(folder, desk='b')
    a.post('/api/scores', json={'submission': 2, 'item': 'plots_present', 'points': 6})
    b.post('/api/claim', json={'item': 'plots_present', 'submission': 3})
    got = a.post('/api/claim', json={'item': 'plots_present', 'submission': 2, 'ungraded': True}).json
    assert got['submission'] == 2       # asked for by number: given even if graded
    got = a.post('/api/claim', json={'item': 'plots_present', 'submission': 3, 'ungraded': True}).json
    assert got['submission'] == 4


def test_a_claim_expires_when_its_desk_is_gone(folder):
    a = client(folder, desk='a', claim_seconds=0.3)
    b = client(folder, desk='b', claim_seconds=0.3)
    a.post('/api/claim', json={'item': 'observations_3', 'submission': 7})
    del a   # the desk is killed: nothing releases its claim
    time.sleep(1.0)
    assert b.post('/api/claim', json={'item': 'observations_3', 'submission': 7}).json['submission'] == 7


def test_a_killed_desk_loses_no_saved_score(folder):
    c = client(folder)
    for n in (1, 2, 3):
        saved = c.post('/api/scores', json={'submission': n, 'item': 'discussion_present', 'points': n})
        assert saved.status_code == 200
    del c
    fresh = client(folder, desk='new')
    assert {a['submission']: a['points'] for a in answers(fresh, 'discussion_present') if a['points'] is not None} == {
        1: 1, 2: 2, 3: 3}
    rescore_dir(folder, None)
    results = json.loads((folder / 'results.json').read_text())['submissions']
    assert sorted(s['checks']['discussion_present']['points'] for s in results
                  if s['checks']['discussion_present']['manual']) == [1, 2, 3]


# ---------------------------------------------------------------- one source of truth
def test_export_rewrites_the_grades_from_the_gradebook(folder):
    c = client(folder)
    before = (folder / 'grades.csv').read_text()
    # Baker, on time, wrote two observations (provisionally 5 of 8): the TA gives all 8
    baker = number_of(c, '240104')
    c.post('/api/scores', json={'submission': baker, 'item': 'observations_3', 'points': 8})
    r = c.post('/api/export', json={})
    assert r.status_code == 200 and r.json['submissions'] == 13
    after = (folder / 'grades.csv').read_text()
    assert after != before
    grades = {row[1]: row[5] for row in csv.reader(after.splitlines()[2:])}
    old = {row[1]: row[5] for row in csv.reader(before.splitlines()[2:])}
    results = {s['user_id']: s for s in json.loads((folder / 'results.json').read_text())['submissions']}
    assert results['240104']['checks']['observations_3']['points'] == 8
    assert float(grades['240104']) > float(old['240104'])
    assert {k: v for k, v in grades.items() if k != '240104'} == {k: v for k, v in old.items() if k != '240104'}


def test_the_manual_score_csv_keeps_working_and_wins(folder, tmp_path):
    c = client(folder)
    young = number_of(c, '240112')
    c.post('/api/scores', json={'submission': young, 'item': 'plots_present',
                                'deductions': ['plots_present.unlabeled']})
    manual = tmp_path / 'manual.csv'
    manual.write_text('user_id,item_id,points,comment\n240112,plots_present,2,typed in the CSV\n')
    rescore_dir(folder, manual)
    shown = next(a for a in answers(c, 'plots_present') if a['submission'] == young)
    assert (shown['points'], shown['from_desk'], shown['graded_by'], shown['deductions']) == (
        2, False, 'manual-score CSV', [])
    assert shown['comment'] == 'typed in the CSV'


# ---------------------------------------------------------------- the command
def test_grader_review_prints_one_line_and_serves_with_the_token(folder):
    proc = subprocess.Popen([sys.executable, '-m', 'grader', 'review', str(folder), '--no-browser'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith('Review at http://127.0.0.1:') and '/?token=' in line
        import urllib.error
        import urllib.request
        url = line.removeprefix('Review at ')
        base, token = url.split('/?token=')
        with urllib.request.urlopen(f'{base}/api/items?token={token}', timeout=30) as r:
            assert [it['id'] for it in json.loads(r.read())] == ITEMS
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f'{base}/api/items', timeout=30)
        assert refused.value.code == 403
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert out.strip() == ''        # nothing after the one line
    assert 'Traceback' not in err


@pytest.mark.parametrize('make', ['missing', 'empty'])
def test_grader_review_on_a_wrong_folder_is_one_line_and_exit_2(tmp_path, make):
    target = tmp_path / 'nowhere'
    if make == 'empty':
        target.mkdir()
    r = subprocess.run([sys.executable, '-m', 'grader', 'review', str(target), '--no-browser'],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ''
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith('grader review: ')


def test_similar_pairs_at_the_desk_are_anonymous_and_side_by_side(folder):
    c = client(folder)
    listing = c.get('/similar')
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert text.count('side by side') == 2 and 'Reyes' not in text and 'Quinn' not in text
    pair = c.get('/similar/1')
    page = pair.get_data(as_text=True)
    assert pair.status_code == 200 and '<mark>' in page and 'Reyes' not in page
    assert c.get('/similar/99').status_code == 404
    static = (folder / 'similarity' / 'pair-1.html').read_text(encoding='utf-8')
    assert 'Reyes, Dana' in static and '<mark>' in static and '<style>' in static

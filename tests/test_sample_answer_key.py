"""The main job on the bundled sample: every student's verdicts match the sample's answer key."""
import csv
import json

import pytest

from nbtools import REPO
from reviewtools import copy_of, grade_sample

SAMPLE = REPO / 'submissions' / 'sample'


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    out = copy_of(grade_sample(), tmp_path_factory.mktemp('sample'))
    results = {int(s['user_id']): s for s in json.loads((out / 'results.json').read_text())['submissions']}
    grades = {r[1]: r[5] for r in csv.reader((out / 'grades.csv').read_text().splitlines()[2:])}
    return results, grades, out


KEY = json.loads((SAMPLE / 'answer-key.json').read_text(encoding='utf-8'))
GRADED = [s for s in KEY['students'] if s['kind'] == 'graded']


@pytest.mark.parametrize('student', GRADED, ids=[s['notebook'] for s in GRADED])
def test_every_verdict_matches_the_answer_key(graded, student):
    results, _, _ = graded
    r = results[student['user_id']]
    assert r['status'] == 'graded', r['message']
    assert r['notebook'].endswith(student['notebook'])
    wrong = {}
    for item, expected in student['expect'].items():
        got = r['checks'][item]['status']
        if (expected == 'pass') != (got == 'pass'):
            wrong[item] = (expected, got, r['checks'][item]['message'][:200])
    assert wrong == {}


@pytest.mark.parametrize('student', GRADED, ids=[s['notebook'] for s in GRADED])
def test_every_fault_charged_once_as_the_answer_key_says(graded, student):
    """The faults the key names, each charged in the item it names by the rubric's deduction; nothing else."""
    results, _, _ = graded
    checks = results[student['user_id']]['checks']
    found = sorted(d['id'] for c in checks.values() for d in c['deductions'])
    assert found == sorted(student['faults'])
    for item_id, c in checks.items():
        assert all(d['id'].startswith(item_id + '.') for d in c['deductions'])
        if c['max_points']:
            assert c['points'] == max(0, c['max_points'] - sum(d['points'] for d in c['deductions'])), item_id


@pytest.mark.parametrize('student', GRADED, ids=[s['notebook'] for s in GRADED])
def test_late_days_match_the_answer_key(graded, student):
    results, _, _ = graded
    penalty = results[student['user_id']]['totals']['late_penalty']
    assert penalty == min(10 * student['late_days'], results[student['user_id']]['totals']['raw'])


def test_partners_share_the_grade_and_the_missing_are_blank(graded):
    _, grades, _ = graded
    for s in KEY['students']:
        if s['kind'] == 'partner':
            assert grades[str(s['user_id'])] == grades[str(s['partner_of'])] != ''
        elif s['kind'] not in ('graded', 'partner'):
            assert grades.get(str(s['user_id']), '') == ''


def test_similarity_flags_match_the_answer_key(graded):
    """The copied notebook is flagged with its source, for code and for text; nothing else is (the starter-only
    notebook, partners, the solution-derived notebooks whose code a third of the class shares)."""
    import sqlite3
    from grader.review.similarity import load_pairs  # noqa: F401  (the table's owner)
    out = graded[2]
    db = sqlite3.connect(out / 'gradebook.sqlite')
    pairs = {(kind, a, b) for kind, a, b in db.execute('SELECT kind, key_a, key_b FROM similarity_pairs')}
    db.close()
    expected = {(kind, *sorted((str(s['user_id']), str(other))))
                for s in KEY['students'] for other in s.get('similar_to', ()) for kind in ('code', 'text')}
    assert expected and pairs == expected
    report = (out / 'report.html').read_text(encoding='utf-8')
    assert 'Similar submissions' in report and 'similarity/pair-1.html' in report
    assert (out / 'similarity' / 'pair-1.html').is_file()


GOLDEN = REPO / 'tests' / 'data' / 'sample-points.json'


def test_the_sample_grades_to_the_recorded_points(graded):
    """Every student's points per item and final total, as recorded: a refactoring (the move into rooms, the speed
    work) must not change one of them, whatever the hidden-input seed. After a deliberate change to grading, write
    the file again with A2G_UPDATE_GOLDEN=1 and read its diff."""
    import os
    results, _, _ = graded
    points = {str(uid): {'status': r['status'], 'final': r['totals']['final'] if r['totals'] else None,
                         **{item: c['points'] for item, c in sorted(r['checks'].items())}}
              for uid, r in sorted(results.items())}
    if os.environ.get('A2G_UPDATE_GOLDEN'):
        GOLDEN.write_text(json.dumps(points, indent=1, sort_keys=True) + '\n', encoding='utf-8')
    assert points == json.loads(GOLDEN.read_text(encoding='utf-8'))

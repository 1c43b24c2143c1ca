"""The sample Canvas download in submissions/sample/: reproducible, Canvas-shaped, and consistent with its key."""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / 'submissions' / 'sample'
ZIP = SAMPLE / 'canvas-submissions.zip'

# {name}[_LATE]_{user_id}_{attachment_id}_{original file name}; name: lower-case word characters (any script).
ENTRY = re.compile(r'^(?P<name>[^\W_A-Z]+(?:_(?!LATE_)[^\W_A-Z]+)*)(?P<late>_LATE)?_(?P<user_id>\d+)_'
                   r'(?P<attachment_id>\d+)_(?P<file>[^/]+)$')


@pytest.fixture(scope='module')
def make_sample():
    spec = importlib.util.spec_from_file_location('a2_make_sample', REPO / 'submissions' / 'make_sample.py')
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module    # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def fresh(make_sample):
    return make_sample.generate()


@pytest.fixture(scope='module')
def committed_zip():
    with zipfile.ZipFile(ZIP) as zf:
        return {info.filename: (info, zf.read(info)) for info in zf.infolist()}


@pytest.fixture(scope='module')
def key():
    return json.loads((SAMPLE / 'answer-key.json').read_text(encoding='utf-8'))


def test_committed_files_match_a_fresh_generation(make_sample, fresh, committed_zip):
    with zipfile.ZipFile(io.BytesIO(fresh[make_sample.ZIP_PATH])) as zf:
        regenerated = {info.filename: (info.date_time, zf.read(info)) for info in zf.infolist()}
    assert list(regenerated) == list(committed_zip)
    for name, (date_time, data) in regenerated.items():
        info, committed = committed_zip[name]
        assert data == committed, f'{name} differs: run python submissions/make_sample.py'
        assert date_time == info.date_time == make_sample.ZIP_DATE_TIME
    for path in (make_sample.TIMES_PATH, make_sample.ROSTER_PATH, make_sample.README_PATH, make_sample.KEY_PATH):
        assert fresh[path] == path.read_bytes(), f'{path.name} differs: run python submissions/make_sample.py'


def test_generation_is_deterministic(make_sample, fresh):
    assert make_sample.generate()[make_sample.ZIP_PATH] == fresh[make_sample.ZIP_PATH]


def test_entry_names_follow_canvas(committed_zip, key):
    roster = {s['user_id']: s for s in key['students']}
    seen_late = seen_partner = seen_renamed = seen_non_ascii = False
    for name in committed_zip:
        m = ENTRY.match(name)
        assert m, name
        student = roster[int(m['user_id'])]
        assert m['name'] == re.sub(r'\W', '', student['sortable_name'].lower())
        assert bool(m['late']) == student['late_marker']
        assert m['file'].endswith('.ipynb')
        seen_late |= bool(m['late'])
        seen_partner |= bool(re.fullmatch(r'[^\W\d_]+-[^\W\d_]+-A2\.ipynb', m['file']))
        seen_renamed |= bool(re.search(r'-\d+\.ipynb$', m['file']))
        seen_non_ascii |= not name.isascii()
    assert seen_late and seen_partner and seen_renamed and seen_non_ascii
    assert ENTRY.match('garcíamaría_240102_5530187_Garcia-A2.ipynb')['name'] == 'garcíamaría'


def test_one_student_uploaded_two_notebooks(committed_zip, key):
    by_user = {}
    for name in committed_zip:
        m = ENTRY.match(name)
        by_user.setdefault(int(m['user_id']), []).append((int(m['attachment_id']), name))
    multiple = {u: sorted(v) for u, v in by_user.items() if len(v) > 1}
    assert len(multiple) == 1
    (user_id, uploads), = multiple.items()
    student = next(s for s in key['students'] if s['user_id'] == user_id)
    assert student['graded_entry'] == uploads[-1][1]        # the highest attachment id is the latest upload


def test_every_entry_is_a_valid_notebook(committed_zip):
    for name, (_, data) in committed_zip.items():
        nb = nbformat.reads(data.decode('utf-8'), as_version=4)
        nbformat.validate(nb)
        text = data.decode('utf-8')
        assert 'BEGIN SOLUTION' not in text and 'END SOLUTION' not in text, name


def parse_time(text: str) -> datetime:
    """ISO 8601 with an offset written -06:00, -0600 or Z."""
    m = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(Z|[+-]\d\d:?\d\d)', text)
    assert m, text
    stamp, offset = m.groups()
    if offset == 'Z':
        tz = timezone.utc
    else:
        sign = -1 if offset[0] == '-' else 1
        digits = offset[1:].replace(':', '')
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime.fromisoformat(stamp).replace(tzinfo=tz)


def test_submission_times_parse_and_agree_with_late_markers(key):
    with open(SAMPLE / 'submission-times.csv', newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ['user_id', 'submitted_at']
    styles = {('Z' if r['submitted_at'].endswith('Z') else
               'colon' if r['submitted_at'][-3] == ':' else 'basic') for r in rows}
    assert styles == {'Z', 'colon', 'basic'}
    due = parse_time(key['due'])
    grace = timedelta(minutes=key['grace_minutes'])
    students = {s['user_id']: s for s in key['students']}
    assert {int(r['user_id']) for r in rows} == {u for u, s in students.items() if s['entries']}
    for row in rows:
        student = students[int(row['user_id'])]
        submitted = parse_time(row['submitted_at'])
        assert submitted.tzinfo is not None
        assert student['late_marker'] == (submitted > due), student['sortable_name']   # Canvas knows no grace
        late = submitted - due - grace
        days = 0 if late <= timedelta(0) else -(-late // timedelta(days=1))
        assert days == student['late_days'], student['sortable_name']


def test_roster_is_a_canvas_gradebook_export(key):
    with open(SAMPLE / 'roster.csv', newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section']
    ids = {int(r[1]) for r in rows[1:]}
    assert ids == {s['user_id'] for s in key['students']}
    assert all(re.fullmatch(r'[^,]+, [^,]+', r[0]) for r in rows[1:])


def test_answer_key_covers_every_item(key):
    items = [i for group in key['items'].values() for i in group]
    graded = [s for s in key['students'] if s['kind'] == 'graded']
    assert len(graded) >= 9
    for s in graded:
        assert set(s['expect']) == set(items), s['sortable_name']
        assert set(s['expect'].values()) <= {'pass', 'fail', 'flag', 'n/a'}
    # Every code item fails for at least one student, and some students pass everything.
    for item in key['items']['code']:
        assert any(s['expect'][item] == 'fail' for s in graded), item
    assert sum(all(v == 'pass' for v in s['expect'].values()) for s in graded) >= 2

"""grader canvas pull against the fake Canvas (no kernels): the folder reads like the Download Submissions zip, the
side files are right, a re-pull downloads only what changed, and nothing a TA owns is touched."""
import csv
import io
import json
import os
import zipfile

import pytest

from fake_canvas import ASSIGNMENT, COURSE, SAMPLE, Fault, z
from grader.canvas.api import Backoff, CanvasClient, CanvasFailure
from grader.canvas.collect import collect
from grader.canvas.config import CanvasConfig, CanvasInputError
from grader.canvas.local import pulled_inputs
from grader.canvas.names import parse_entry_name
from grader.canvas.pull import effective_dues, name_slug, pull
from grader.canvas.side_files import read_extensions, read_times
from grader.pipeline.late import parse_timestamp
from nbtools import REPO

# Counted from the sample, so adding a student to it changes no test: submissions (one per student in the zip),
# files (a student may upload several) and grades posted (graded students and the partners named with them).
_KEY = json.loads((REPO / 'submissions' / 'sample' / 'answer-key.json').read_text(encoding='utf-8'))
N_SUBMISSIONS = sum(1 for s in _KEY['students'] if s['kind'] == 'graded')
N_FILES = sum(1 for n in zipfile.ZipFile(REPO / 'submissions' / 'sample' / 'canvas-submissions.zip').namelist()
              if not n.startswith('__MACOSX/') and not n.endswith('/'))
N_POSTED = N_SUBMISSIONS + sum(1 for s in _KEY['students'] if s['kind'] == 'partner')


ZIP = SAMPLE / 'canvas-submissions.zip'


@pytest.fixture
def client(fake):
    return CanvasClient(CanvasConfig(fake.url, fake.token), Backoff(base=0.01))


def run(client, folder):
    return pull(client, COURSE, ASSIGNMENT, folder, say=lambda line: None)


def downloads(fake, since=0):
    return [p for m, p in fake.requests[since:] if p.startswith('/files/')]


def entries(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(('.ipynb', '.html')))


def test_the_folder_holds_exactly_the_zips_entries_and_bytes(fake, client, tmp_path):
    summary = run(client, tmp_path / 'subs')
    with zipfile.ZipFile(ZIP) as zf:
        assert entries(tmp_path / 'subs') == sorted(zf.namelist())
        for name in zf.namelist():
            assert (tmp_path / 'subs' / name).read_bytes() == zf.read(name)
    assert summary.submissions == N_SUBMISSIONS and summary.files == {'downloaded': N_FILES}
    # and collect reads the folder as it reads the zip: same students, notebooks, markers, attachment ids
    def view(c):
        return [(s.student_key, s.late, s.notebook.name, s.notebook.attachment_id, [f.name for f in s.other_files])
                for s in c.submissions]
    assert view(collect(tmp_path / 'subs', tmp_path / 'w1')) == view(collect(ZIP, tmp_path / 'w2'))


def test_side_files_roster_times_and_due_come_from_canvas(fake, client, tmp_path):
    run(client, tmp_path / 'subs')
    subs = tmp_path / 'subs'
    assert (subs / 'roster.csv').read_text(encoding='utf-8') == (SAMPLE / 'roster.csv').read_text(encoding='utf-8')
    pulled, sample = read_times(subs / 'submission-times.csv'), read_times(SAMPLE / 'submission-times.csv')
    assert pulled.keys() == sample.keys()
    assert all(parse_timestamp(pulled[u]) == parse_timestamp(sample[u]) for u in sample)
    assert read_extensions(subs / 'extensions.csv') == {}
    manifest = json.loads((subs / 'canvas-pull.json').read_text())
    assert manifest['due_at'] == '2026-10-03T05:59:00Z' and manifest['assignment_id'] == str(ASSIGNMENT)
    found, said = pulled_inputs(subs, {'times': None, 'roster': 'mine.csv', 'extensions': None, 'due': None})
    assert found == {'times': str(subs / 'submission-times.csv'), 'extensions': str(subs / 'extensions.csv'),
                     'due': '2026-10-03T05:59:00Z'}
    assert len(said) == 3 and all('found in the submissions folder' in s or "Canvas's due date" in s for s in said)


def test_a_repull_downloads_only_what_changed(fake, client, tmp_path):
    run(client, tmp_path / 'subs')
    mark = len(fake.requests)
    summary = run(client, tmp_path / 'subs')
    assert downloads(fake, mark) == [] and summary.files == {'unchanged': N_FILES}
    assert set(summary.side_files.values()) == {'unchanged'}
    # Smith uploads again: a new attempt, a new attachment; only that file is fetched, the old one is set aside
    fake.submit(240109, [('Smith-A2.ipynb', b'{"cells": []}')], '2026-10-02T20:00:00-06:00')
    new_id = max(fake.files)
    mark = len(fake.requests)
    summary = run(client, tmp_path / 'subs')
    assert downloads(fake, mark) == [f'/files/{new_id}/download']
    assert summary.superseded == ['smithjohn_240109_5531744_Smith-A2-1.ipynb']
    assert (tmp_path / 'subs' / '.superseded' / 'smithjohn_240109_5531744_Smith-A2-1.ipynb').is_file()
    assert (tmp_path / 'subs' / f'smithjohn_240109_{new_id}_Smith-A2.ipynb').read_bytes() == b'{"cells": []}'
    # a file replaced on Canvas under the same id (size and time change) is fetched again and replaced
    fake.files[5530211].update(data=b'{"new": 1}', updated_at=z('2026-10-02T22:00:00-06:00'))
    summary = run(client, tmp_path / 'subs')
    assert summary.files.get('updated') == 1
    assert (tmp_path / 'subs' / 'andersonemma_240101_5530211_Anderson-A2.ipynb').read_bytes() == b'{"new": 1}'


def test_files_the_ta_owns_or_edited_are_never_touched(fake, client, tmp_path):
    subs = tmp_path / 'subs'
    subs.mkdir()
    mine = subs / 'bakertom_240104_5531033_Baker-A2.ipynb'
    mine.write_bytes(b'my annotated copy')
    (subs / 'roster.csv').write_text('Student,ID\n"Mine, My",1\n')
    summary = run(client, subs)
    assert mine.read_bytes() == b'my annotated copy'
    assert (subs / 'roster.csv').read_text() == 'Student,ID\n"Mine, My",1\n'
    assert summary.files == {'downloaded': N_FILES - 1, 'kept': 1} and summary.side_files['roster.csv'] == 'kept'
    assert any('bakertom' in w and 'left as it is' in w for w in summary.warnings)
    # a pulled file the TA edits afterwards is kept on the next pull, even when Canvas's copy changed
    chen = subs / 'chenwei_240107_5530876_Chen-A2.ipynb'
    chen.write_bytes(b'edited by the TA')
    fake.files[5530876].update(data=b'{"changed": true}', updated_at=z('2026-10-03T09:00:00Z'))
    times = subs / 'submission-times.csv'
    times.write_text(times.read_text() + '240199,2026-10-01T00:00:00Z\n')
    summary = run(client, subs)
    assert chen.read_bytes() == b'edited by the TA' and summary.side_files['submission-times.csv'] == 'kept'
    assert '240199' in times.read_text()
    # the same bytes already there (an unzipped download) are adopted, not fetched into a second copy
    assert summary.files.get('adopted', 0) == 0 and summary.files['unchanged'] == N_FILES - 2


def test_a_download_zip_unpacked_first_is_adopted(fake, client, tmp_path):
    with zipfile.ZipFile(ZIP) as zf:
        zf.extractall(tmp_path / 'subs')
    summary = run(client, tmp_path / 'subs')
    assert summary.files == {'adopted': N_FILES}
    assert run(client, tmp_path / 'subs').files == {'unchanged': N_FILES}


def test_a_pull_stopped_midway_resumes_without_fetching_again(fake, client, tmp_path):
    fake.faults.append(Fault('GET', '/files/5531390/download', 'drop', times=9))
    with pytest.raises(CanvasFailure, match='could not reach'):
        run(client, tmp_path / 'subs')
    done = len(entries(tmp_path / 'subs'))
    assert 0 < done < N_FILES and not [p for p in (tmp_path / 'subs').iterdir() if p.name.endswith('.part')]
    fake.faults.clear()
    mark = len(fake.requests)
    summary = run(client, tmp_path / 'subs')
    assert len(downloads(fake, mark)) == N_FILES - done and summary.files['unchanged'] == done


def test_another_assignment_is_never_pulled_into_the_same_folder(fake, client, tmp_path):
    run(client, tmp_path / 'subs')
    with pytest.raises(CanvasInputError, match='pull another assignment into another folder'):
        pull(client, COURSE, 1, tmp_path / 'subs', say=lambda line: None)
    assert not any(p.endswith('/assignments/1') for _, p in fake.requests)


def test_a_damaged_record_stops_the_pull_before_anything_is_written(fake, client, tmp_path):
    (tmp_path / 'subs').mkdir()
    (tmp_path / 'subs' / 'canvas-pull.json').write_text('my notes')
    with pytest.raises(CanvasInputError, match='move it away'):
        run(client, tmp_path / 'subs')
    assert (tmp_path / 'subs' / 'canvas-pull.json').read_text() == 'my notes'


def test_overrides_become_extensions_and_a_removed_due_date_drops_the_time(fake, client, tmp_path):
    fake.sections[202] = {'id': 202, 'name': 'CS445-002', 'course_id': COURSE}
    next(e for e in fake.enrollments if e['user_id'] == 240110)['course_section_id'] = 202
    fake.overrides = [
        {'id': 1, 'title': 'Nguyen: 2 days', 'student_ids': [240103], 'due_at': '2026-10-05T05:59:00Z'},
        {'id': 2, 'title': 'Section 002', 'course_section_id': 202, 'due_at': '2026-10-04T05:59:00Z'},
        {'id': 3, 'title': 'O\'Brien: later still', 'student_ids': [240110], 'due_at': '2026-10-06T05:59:00Z'},
        {'id': 4, 'title': 'Young: no due date', 'student_ids': [240112], 'due_at': None},
        {'id': 5, 'title': 'unlock only', 'student_ids': [240101], 'unlock_at': '2026-09-01T00:00:00Z'}]
    summary = run(client, tmp_path / 'subs')
    ext = read_extensions(tmp_path / 'subs' / 'extensions.csv')
    assert {u: e.new_due for u, e in ext.items()} == {'240103': '2026-10-05T05:59:00Z',
                                                       '240110': '2026-10-06T05:59:00Z'}
    assert '240112' not in read_times(tmp_path / 'subs' / 'submission-times.csv')
    assert any('without a due date' in w for w in summary.warnings)
    # Canvas computed LATE against the override: Nguyen is no longer marked
    assert 'nguyenlinh_240103_5532460_Nguyen-A2.ipynb' in entries(tmp_path / 'subs')


def test_effective_due_dates_follow_canvas_rules():
    base = '2026-10-03T05:59:00Z'
    overrides = [{'id': 1, 'student_ids': [1], 'due_at': '2026-10-03T05:59:00Z'},       # same as the base
                 {'id': 2, 'group_id': 9, 'due_at': '2026-10-04T00:00:00-06:00'}]
    assert effective_dues(base, overrides, {}, {9: {'2', '3'}}) == {
        '2': ('2026-10-04T00:00:00-06:00', 'override 2'), '3': ('2026-10-04T00:00:00-06:00', 'override 2')}


def test_anonymous_grading_names_entries_as_the_zip_does_and_writes_no_times(fake, client, tmp_path):
    fake.assignment['anonymous_grading'] = True
    summary = run(client, tmp_path / 'subs')
    names = entries(tmp_path / 'subs')
    parsed = [parse_entry_name(n) for n in names]
    assert all(p.anon_id and p.user_id is None for p in parsed)
    assert sum(p.late for p in parsed) == 2 and any(n.startswith('LATE_anon_') for n in names)
    assert read_times(tmp_path / 'subs' / 'submission-times.csv') == {}
    assert any('anonymous grading' in w for w in summary.warnings)


def test_a_group_assignment_gives_one_entry_named_after_the_group(fake, client, tmp_path):
    fake.assignment['group_category_id'] = 77
    fake.groups[31] = {'id': 31, 'name': 'Team Rocket_2', 'members': [240105, 240106]}
    fid = fake.subs[240105]['attempts'][0]['attachments'][0]
    fake.submit(240106, [fid], '2026-10-02T22:30:00-0600')       # Canvas gives every member the group's files
    run(client, tmp_path / 'subs')
    group = [n for n in entries(tmp_path / 'subs') if n.startswith('teamrocket')]
    assert group == [f'teamrocket2_240105_{fid}_Kowalski-Ito-A2.ipynb'] and not any('kowalski' in n for n in
                                                                                    entries(tmp_path / 'subs'))


def test_text_and_url_entries_are_written_as_the_zip_writes_them(fake, client, tmp_path):
    fake.submit(240113, [], '2026-10-02T12:00:00Z', kind='online_text_entry', body='<p>my answer</p>')
    run(client, tmp_path / 'subs')
    page = tmp_path / 'subs' / 'lopezana_240113_text.html'
    assert page.read_text() == '<p>my answer</p>'
    c = collect(tmp_path / 'subs', tmp_path / 'work')
    assert any('text entry' in w for w in c.get('240113').warnings)


def test_names_are_canvas_slugs():
    assert name_slug("O'Brien, Liam") == 'obrienliam'
    assert name_slug('García, María') == 'garcíamaría'
    assert name_slug('Ng_2, Bo 7') == 'ng2bo7'
    assert parse_entry_name(f'{name_slug("Ng_2, Bo 7")}_5_6_f.ipynb').user_id == '5'


def test_the_folder_gets_nothing_but_whole_files(fake, client, tmp_path):
    run(client, tmp_path / 'subs')
    leftovers = [p.name for p in (tmp_path / 'subs').iterdir() if p.name.startswith('.')]
    assert leftovers == []
    assert os.stat(tmp_path / 'subs' / 'roster.csv').st_size > 0
    rows = list(csv.reader(io.StringIO((tmp_path / 'subs' / 'roster.csv').read_text())))
    roster = (REPO / 'submissions' / 'sample' / 'roster.csv').read_text().splitlines()
    assert rows[0] == ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section'] and len(rows) == len(roster)

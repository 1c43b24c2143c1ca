import csv
import json

from dataclasses import asdict

from grader.report.exports import (feedback_prefix, num, write_feedback, write_grades_csv, write_results_csv, write_results_json)
from grader.model import (Category, Item, ItemScore, LatePolicy, Lateness, Rubric, StudentRecord, SubmissionResult,
                          Totals)
from grader.canvas.roster import Roster, RosterStudent, split_name

ITEMS = [('adam', 'code', 40, 'public'), ('partition', 'code', 30, 'hidden'),
         ('relu_in_place', 'code', 0, 'public'),     # advisory: reported, never scored
         ('observations_3', 'discussion', 30, 'public'), ('swish_ec', 'extra_credit', 5, 'public')]
XSS = '<script>alert("x")</script>'


def make_rubric(canvas_id='1234567'):
    return Rubric(
        title='A2 Neural Nets', canvas_assignment_id=canvas_id, due='2026-10-02T23:59:00-06:00',
        categories=(Category('code', 'Code', 70), Category('discussion', 'Discussion', 30),
                    Category('extra_credit', 'Extra credit', 5, extra=True)),
        items=tuple(Item(id=i, title=i, category=c, points=p, check=i, visibility=v, advisory=p == 0)
                    for i, c, p, v in ITEMS),
        late_policy=LatePolicy(points_per_day=10, grace_minutes=15))


def graded(fractions=None, penalty=0.0, flags=(), notes=(), seed=42, isolated=True):
    fractions = fractions or {}
    items = []
    for item_id, cat, pts, vis in ITEMS:
        f = fractions.get(item_id, 1.0)
        items.append(ItemScore(item_id, item_id, cat, vis, 'pass' if f == 1 else 'fail' if f == 0 else 'partial',
                               pts * f, pts, f'{item_id} says {f}'))
    cols = {c: sum(it.points for it in items if it.category == c) for c in ('code', 'discussion', 'extra_credit')}
    raw = sum(cols.values())
    totals = Totals(**cols, raw=raw, late_penalty=penalty, final=raw - penalty)
    return SubmissionResult('nb.ipynb', 'graded', '', 'grade', seed=seed, sha256='abc', isolated=isolated,
                            items=items, totals=totals, flags=list(flags), notes=list(notes))


def failed(status='error', message=XSS):
    return SubmissionResult('nb.ipynb', status, message, 'grade', seed=1, isolated=True,
                            notes=['kernel died <b>here</b>'])


def meta(key, uid, name, attachment, **extra):
    return StudentRecord.from_dict({'student_key': key, 'user_id': uid, 'name': name, 'attachment_id': attachment,
                                    **extra})


def records():
    return [
        (meta('smithann_101', '101', 'Smith, Ann', '5001', section='L01'), graded({'swish_ec': 0.0, 'adam': 0.625})),
        (meta('obrienliam_102', '102', "O'Brien, Liam", '5002', lateness=Lateness(seconds_late=3 * 3600.0)),
         graded({'partition': 0.75}, penalty=10.0, flags=['relu_in_place: modifies its argument'], notes=['n1', 'n2'])),
        (meta('chenwei_103', '103', 'Chen, Wei', '5003'), failed()),
        (meta('kowalskijan_105', '105', 'Kowalski, Jan', '5005', partners=['Ito']),
         graded({'swish_ec': 0.0, 'relu_in_place': 0.0})),
        (meta('anon_x7q2', None, None, '5009', lateness=Lateness(None, uncertain=True)), graded()),
    ]


ROSTER = Roster([RosterStudent(uid, name, *split_name(name), f'8301{uid}' if login else '', login, 'CS445-001')
                  for uid, name, login in [('101', 'Smith, Ann', 'asmith'), ('102', "O'Brien, Liam", 'lobrien'),
                                           ('103', 'Chen, Wei', 'wchen'), ('105', 'Kowalski, Jan', 'jkowal'),
                                           ('106', 'Ito, Hana', 'hito'), ('113', 'Lopez, Ana', 'alopez'),
                                           ('199', 'Student, Test', '')]])


def test_grades_csv_exact_bytes(tmp_path):
    path = tmp_path / 'grades.csv'
    warnings = write_grades_csv(path, records(), 'A2 Neural Nets', '1234567', 100.0, roster=ROSTER)
    assert path.read_bytes() == (
        b'Student,ID,SIS User ID,SIS Login ID,Section,A2 Neural Nets (1234567)\r\n'
        b'    Points Possible,,,,,100\r\n'
        b'"Chen, Wei",103,8301103,wchen,CS445-001,\r\n'
        b'"Ito, Hana",106,8301106,hito,CS445-001,100\r\n'
        b'"Kowalski, Jan",105,8301105,jkowal,CS445-001,100\r\n'
        b'"O\'Brien, Liam",102,8301102,lobrien,CS445-001,87.5\r\n'
        b'"Smith, Ann",101,8301101,asmith,CS445-001,85\r\n')
    text = '\n'.join(warnings)
    assert 'anonymous submission anon_x7q2' in text                 # left out, but said
    assert 'Chen, Wei (103): status error, no grade written' in text
    assert 'no submission (left blank in grades.csv): Lopez, Ana' in text
    assert 'Student, Test' not in text                              # Canvas's test student is no one's concern


def test_grades_csv_without_roster_and_without_id(tmp_path):
    path = tmp_path / 'grades.csv'
    warnings = write_grades_csv(path, records()[:2], 'A2', None, 99.5)
    rows = list(csv.reader(path.open(newline='')))
    assert rows[0][-1] == 'A2' and rows[1] == ['    Points Possible', '', '', '', '', '99.5']
    assert rows[2:] == [["O'Brien, Liam", '102', '', '', '', '87.5'], ['Smith, Ann', '101', '', '', 'L01', '85']]
    assert warnings == []


def test_grades_csv_partner_warnings_and_duplicates(tmp_path):
    kowalski = meta('kowalskijan_105', '105', 'Kowalski, Jan', '5005',
                    partners=['Nobody', asdict(ROSTER.by_id('106')), {'name': 'Lopez, Ana', 'user_id': '113'}])
    recs = [(kowalski, records()[3][1]), (meta('kowalskijan_105', '105', 'Kowalski, Jan', '5006'), graded())]
    warnings = write_grades_csv(tmp_path / 'g.csv', recs, 'A2', '1', 100, roster=ROSTER)
    assert any("partner 'Nobody'" in w and 'by hand' in w for w in warnings)
    assert any('several results for one Canvas ID' in w for w in warnings)
    rows = list(csv.reader((tmp_path / 'g.csv').open(newline='')))
    # partners as stored (a RosterStudent's dict) or as objects both get the grade
    assert [r[:2] + r[-1:] for r in rows[2:]] == [['Ito, Hana', '106', '100'], ['Kowalski, Jan', '105', '100'],
                                                  ['Lopez, Ana', '113', '100']]


def test_grades_csv_partner_ambiguous(tmp_path):
    roster = Roster(ROSTER.students + [RosterStudent('107', 'Ito, Ken', 'Ito', 'Ken')])
    warnings = write_grades_csv(tmp_path / 'g.csv', records()[3:4], 'A2', '1', 100, roster=roster)
    assert any("partner 'Ito'" in w and 'several' in w and 'Ito, Ken' in w for w in warnings)
    assert len(list(csv.reader((tmp_path / 'g.csv').open(newline='')))) == 3


def test_num():
    assert [num(x) for x in (85.0, 85.5, 85.25, 1 / 3, -0.0, 0, None)] == ['85', '85.5', '85.25', '0.33', '0', '0', '']


def test_results_csv_columns(tmp_path):
    path = tmp_path / 'results.csv'
    write_results_csv(path, records(), make_rubric())
    rows = list(csv.DictReader(path.open(newline='', encoding='utf-8')))
    assert list(rows[0]) == ['student_key', 'user_id', 'name', 'status', 'message', 'adam', 'partition',
                             'relu_in_place', 'observations_3', 'swish_ec', 'code', 'discussion', 'extra_credit',
                             'raw', 'late_penalty', 'final', 'days_late', 'late_uncertain', 'flags', 'notes', 'seed']
    smith, obrien, chen, kowalski, anon = rows
    assert (smith['relu_in_place'], kowalski['relu_in_place']) == ('pass', 'fail')    # advisory: the verdict
    assert [smith[k] for k in ('adam', 'code', 'final', 'days_late', 'seed')] == ['25', '55', '85', '', '42']
    assert [obrien[k] for k in ('partition', 'raw', 'late_penalty', 'final')] == ['22.5', '97.5', '10', '87.5']
    assert (obrien['days_late'], obrien['late_uncertain'], obrien['notes']) == ('1', 'false', '2')
    assert obrien['flags'] == 'relu_in_place: modifies its argument'
    assert (chen['status'], chen['message'], chen['adam'], chen['final']) == ('error', XSS, '', '')
    assert (anon['user_id'], anon['days_late'], anon['late_uncertain']) == ('', '1', 'true')


def test_results_csv_formula_text_kept_as_text(tmp_path):
    rec = [(meta('k', '1', '=HYPERLINK("http://x")', None), failed(message='+1 weird'))]
    write_results_csv(tmp_path / 'r.csv', rec, make_rubric())
    [row] = csv.DictReader((tmp_path / 'r.csv').open(newline=''))
    assert row['name'].startswith("'=") and row['message'] == "'+1 weird"


def test_results_json(tmp_path):
    path = tmp_path / 'results.json'
    recs = records()
    recs[0] = (recs[0][0], recs[0][1].to_dict())       # dicts from Gradebook.load_results are accepted too
    write_results_json(path, recs, make_rubric())
    doc = json.loads(path.read_text(encoding='utf-8'))
    assert doc['schema_version'] == 1 and doc['generated_at'].endswith('+00:00')
    assert doc['rubric'] == {'title': 'A2 Neural Nets', 'canvas_assignment_id': '1234567', 'points_possible': 100}
    subs = doc['submissions']
    assert [s['student_key'] for s in subs] == [m.student_key for m, _ in records()]
    first = subs[0]
    for key in ('notebook', 'status', 'message', 'mode', 'seed', 'isolated', 'checks', 'totals', 'flags', 'notes',
                'user_id', 'name', 'partners', 'lateness'):
        assert key in first
    assert first['checks']['adam']['points'] == 25 and first['totals']['final'] == 85
    assert subs[1]['lateness'] == {'seconds_late': 10800.0, 'uncertain': False, 'extension_days': 0.0}
    assert subs[2]['totals'] is None and subs[2]['status'] == 'error'
    assert subs[3]['partners'] == [{'name': 'Ito', 'user_id': None}] and subs[4]['user_id'] is None
    assert first['other_files'] == [] and first['warnings'] == [] and first['late_marker'] is False


def test_feedback_files_keep_canvas_prefix(tmp_path):
    written = write_feedback(tmp_path, records(), make_rubric())
    names = sorted(p.name for p in (tmp_path / 'feedback').iterdir())
    assert names == sorted(f'{prefix}_feedback.{ext}' for prefix in
                           ('101_5001', '102_5002', '103_5003', '105_5005', 'anon_x7q2_5009') for ext in ('md', 'html'))
    assert len(written) == 10
    md = (tmp_path / 'feedback' / '101_5001_feedback.md').read_text(encoding='utf-8')
    assert 'Total: 85 / 100' in md
    page = (tmp_path / 'feedback' / '103_5003_feedback.html').read_text(encoding='utf-8')
    assert XSS not in page and '&lt;script&gt;' in page


def test_feedback_prefix_fallbacks():
    assert feedback_prefix(StudentRecord('anon_x7q2')) == 'anon_x7q2'
    assert feedback_prefix(StudentRecord('../../etc/passwd')) == '_.._etc_passwd'
    assert feedback_prefix(StudentRecord.from_dict({'student_key': 'x', 'user_id': 7, 'attachment_id': 8})) == '7_8'


def test_feedback_prefix_collision_does_not_overwrite(tmp_path):
    recs = [(meta('a', '1', 'A', '2'), graded()), (meta('a2', '1', 'A', '2'), failed())]
    write_feedback(tmp_path, recs, make_rubric())
    assert sorted(p.name for p in (tmp_path / 'feedback').glob('*.md')) == ['1_2-2_feedback.md', '1_2_feedback.md']


def test_a_notebook_without_code_is_left_blank_for_a_ta(tmp_path):
    result = graded()
    result.status, result.message = 'no-code', 'the notebook has no code cell'
    warnings = write_grades_csv(tmp_path / 'g.csv', [(meta('smithann_101', '101', 'Smith, Ann', '5001'), result)],
                                'A2', '1', 100)
    rows = list(csv.reader((tmp_path / 'g.csv').open(newline='')))
    assert rows[2][-1] == '' and any('status no-code, no grade written' in w for w in warnings)

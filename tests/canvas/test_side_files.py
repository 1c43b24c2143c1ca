"""The TA's side files: submission times, extensions and manual scores, and the lateness they give."""
import pytest

from grader.canvas.side_files import read_extensions, read_manual, read_times
from grader.errors import InputError
from grader.model import Extension
from grader.pipeline.late import lateness_for
from grader.pipeline.late import late_penalty
from grader.model import LatePolicy, ManualScore

DUE = '2026-10-02T23:59:00-06:00'
POLICY = LatePolicy(enabled=True, points_per_day=10, grace_minutes=15, floor=0)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return path


def test_times_in_every_offset_style_and_a_bom(tmp_path):
    path = write(tmp_path, 'times.csv', '\ufeffuser_id,submitted_at\n1,2026-10-03T00:10:00-06:00\n'
                                        '2,2026-10-03T00:20:00-0600\n3,2026-10-03T06:20:00Z\n\n')
    times = read_times(path)
    assert set(times) == {'1', '2', '3'}
    days = [late_penalty(POLICY, lateness_for(u, False, DUE, times, {}), 100)[1] for u in ('1', '2', '3')]
    assert days == [0, 1, 1]        # 11 min late is within the grace; 21 min late, in either offset style, is not


def test_bad_times_name_file_and_line(tmp_path):
    path = write(tmp_path, 'times.csv', 'user_id,submitted_at\n1,2026-10-03T00:10:00-06:00\n2,yesterday\n'
                                        '3,2026-10-03 00:10\n')
    with pytest.raises(InputError) as err:
        read_times(path)
    assert 'times.csv:3' in str(err.value) and 'times.csv:4' in str(err.value)
    with pytest.raises(InputError, match=r"wrong.csv:1: no column 'user_id', 'submitted_at' in the header"):
        read_times(write(tmp_path, 'wrong.csv', 'id,time\n1,2\n'))


def test_extensions_by_days_or_new_due_date(tmp_path):
    path = write(tmp_path, 'ext.csv', 'user_id,extra_days,new_due\n1,2,\n2,,2026-10-10T12:00:00Z\n')
    extensions = read_extensions(path)
    assert extensions == {'1': Extension(extra_days=2.0), '2': Extension(new_due='2026-10-10T12:00:00Z')}
    times = {'1': '2026-10-04T20:00:00-06:00', '2': '2026-10-10T13:00:00Z', '3': '2026-10-04T20:00:00-06:00'}
    days = {u: late_penalty(POLICY, lateness_for(u, False, DUE, times, extensions), 100)[:2] for u in times}
    assert days == {'1': (0.0, 0),        # 44 h late, 48 h extension
                    '2': (10.0, 1),       # an hour after the new due date
                    '3': (20.0, 2)}       # no extension: two started days


def test_an_extension_needs_exactly_one_of_days_or_date(tmp_path):
    with pytest.raises(InputError, match='ext.csv:2: give either extra_days or new_due'):
        read_extensions(write(tmp_path, 'ext.csv', 'user_id,extra_days,new_due\n1,2,2026-10-10T12:00:00Z\n'))
    with pytest.raises(InputError, match='ext.csv:2'):
        read_extensions(write(tmp_path, 'ext.csv', 'user_id,extra_days\n1,-1\n'))


def test_without_a_time_the_late_marker_counts_one_uncertain_day(tmp_path):
    late = lateness_for('9', True, DUE, {}, {})
    deducted, days, why = late_penalty(POLICY, late, 100)
    assert late.uncertain and (deducted, days) == (10.0, 1) and 'uncertain' in why
    on_time = lateness_for('9', False, DUE, {}, {})
    assert late_penalty(POLICY, on_time, 100)[:2] == (0.0, 0)
    switched_off = LatePolicy(enabled=False, points_per_day=10)
    assert late_penalty(switched_off, late, 100)[0] == 0.0


def test_manual_scores_checked_against_the_rubric(tmp_path):
    path = write(tmp_path, 'manual.csv', 'user_id,item_id,points,comment\n1,results_reported,6,"row, not column"\n'
                                         '1,adam,12,\n2,discussion_present,8,good\n')
    manual = read_manual(path, {'adam', 'results_reported', 'discussion_present'})
    assert manual == {'1': [ManualScore('results_reported', 6.0, 'row, not column'), ManualScore('adam', 12.0, '')],
                      '2': [ManualScore('discussion_present', 8.0, 'good')]}
    bad = write(tmp_path, 'bad.csv', 'user_id,item_id,points\n1,adma,3\n1,adam,three\n')
    with pytest.raises(InputError) as err:
        read_manual(bad, {'adam'})
    assert "bad.csv:2: unknown item id 'adma'" in str(err.value) and 'bad.csv:3' in str(err.value)

from datetime import datetime, timezone

import pytest

from grader.pipeline.late import days_late, late_penalty, lateness_from_times, parse_timestamp, seconds_late
from grader.model import LatePolicy, Lateness

DUE = '2024-02-09T23:59:00-07:00'


# ---------------------------------------------------------------- timestamps
def test_offset_spellings_give_the_same_instant():
    a = parse_timestamp('2024-02-09T23:59:00-07:00')
    b = parse_timestamp('2024-02-09T23:59:00-0700')
    c = parse_timestamp('2024-02-10T06:59:00Z')
    assert a == b == c
    assert a.timestamp() == 1707548340.0


def test_fractional_seconds_and_space_separator():
    t = parse_timestamp('2024-02-10 06:59:00.250+00:00')
    assert t.microsecond == 250000
    assert parse_timestamp('2024-02-10T06:59:00.123456789Z').microsecond == 123456


def test_minus_0700_is_hours_not_seconds():
    # nbgrader 0.9.6 read '-0700' as 700 seconds; the instants must be 7 hours apart, not 700 s
    diff = parse_timestamp('2024-02-10T00:00:00-0700') - parse_timestamp('2024-02-10T00:00:00Z')
    assert diff.total_seconds() == 25200.0


@pytest.mark.parametrize('naive', ['2024-02-09T23:59:00', '2024-02-09 23:59:00.5'])
def test_naive_time_rejected_with_clear_message(naive):
    with pytest.raises(ValueError, match='offset is required'):
        parse_timestamp(naive)


def test_naive_datetime_object_rejected():
    with pytest.raises(ValueError, match='offset is required'):
        parse_timestamp(datetime(2024, 2, 9, 23, 59))
    aware = datetime(2024, 2, 9, 23, 59, tzinfo=timezone.utc)
    assert parse_timestamp(aware) is aware


@pytest.mark.parametrize('bad', ['yesterday', '2024-02-09', '2024-13-01T00:00:00Z', '2024-02-09T23:59:00+07:75'])
def test_garbage_rejected(bad):
    with pytest.raises(ValueError):
        parse_timestamp(bad)


# ---------------------------------------------------------------- seconds late
def test_seconds_late_on_time_is_not_positive():
    assert seconds_late('2024-02-09T23:00:00-07:00', DUE) == -3540.0
    assert seconds_late(DUE, DUE) == 0.0


def test_seconds_late_across_offsets():
    assert seconds_late('2024-02-10T07:00:00Z', DUE) == 60.0


def test_extension_days_move_the_deadline():
    assert seconds_late('2024-02-11T23:59:00-07:00', DUE, extension_days=2) == 0.0
    assert seconds_late('2024-02-12T00:59:00-07:00', DUE, extension_days=2) == 3600.0


def test_new_due_date_replaces_the_due_date():
    assert seconds_late('2024-02-12T00:00:00-07:00', DUE, new_due='2024-02-13T12:00:00-07:00') == -129600.0
    assert seconds_late('2024-02-12T00:00:00-07:00', None, new_due='2024-02-11T23:00:00-07:00') == 3600.0


def test_extension_and_new_due_together_refused():
    with pytest.raises(ValueError, match='not both'):
        seconds_late(DUE, DUE, extension_days=1, new_due=DUE)
    with pytest.raises(ValueError):
        seconds_late(DUE, DUE, extension_days=-1)
    with pytest.raises(ValueError, match='no due date'):
        seconds_late(DUE, None)


def test_lateness_from_times_keeps_extension_apart():
    lat = lateness_from_times('2024-02-12T00:59:00-07:00', DUE, extension_days=2)
    assert lat == Lateness(seconds_late=176400.0, extension_days=2.0)
    assert late_penalty(LatePolicy(), lat, 100)[:2] == (10.0, 1)
    lat = lateness_from_times('2024-02-12T00:59:00-07:00', DUE, new_due='2024-02-12T00:00:00-07:00')
    assert lat == Lateness(seconds_late=3540.0)


# ---------------------------------------------------------------- started days
def test_days_late_grace_boundary():
    assert days_late(0, 0) == 0
    assert days_late(-100, 0) == 0
    assert days_late(900, 15) == 0          # exactly at the end of grace
    assert days_late(901, 15) == 1          # one second past grace
    assert days_late(1, 0) == 1


def test_days_late_started_days():
    assert days_late(86400, 0) == 1
    assert days_late(86401, 0) == 2
    assert days_late(172800, 0) == 2
    # grace moves the deadline: 24 h after its end is still the first day
    assert days_late(86400 + 900, 15) == 1
    assert days_late(86400 + 901, 15) == 2


def test_days_late_rejects_nonsense():
    with pytest.raises(ValueError):
        days_late(float('nan'), 0)
    with pytest.raises(ValueError):
        days_late(10, -1)


# ---------------------------------------------------------------- penalty
def test_penalty_per_started_day():
    assert late_penalty(LatePolicy(points_per_day=10), Lateness(seconds_late=86401), 90)[:2] == (20.0, 2)


def test_penalty_zero_within_grace():
    deducted, days, why = late_penalty(LatePolicy(grace_minutes=15), Lateness(seconds_late=600), 90)
    assert (deducted, days) == (0.0, 0)
    assert 'grace' in why


def test_penalty_zero_on_time_and_unknown():
    assert late_penalty(LatePolicy(), Lateness(seconds_late=-60), 90) == (0.0, 0, 'on time')
    assert late_penalty(LatePolicy(), None, 90)[:2] == (0.0, 0)
    deducted, days, why = late_penalty(LatePolicy(), Lateness(seconds_late=None), 90)
    assert (deducted, days) == (0.0, 0)
    assert 'unknown' in why


def test_penalty_extension_is_subtracted():
    lat = Lateness(seconds_late=2 * 86400 - 60, extension_days=2)
    assert late_penalty(LatePolicy(), lat, 90)[:2] == (0.0, 0)
    lat = Lateness(seconds_late=2 * 86400 + 60, extension_days=2)
    deducted, days, why = late_penalty(LatePolicy(), lat, 90)
    assert (deducted, days) == (10.0, 1)
    assert '2-day extension' in why


def test_penalty_floor_at_zero():
    deducted, days, why = late_penalty(LatePolicy(points_per_day=10), Lateness(seconds_late=5 * 86400), 35)
    assert (deducted, days) == (35.0, 5)
    assert 'capped' in why


def test_penalty_floor_above_zero_and_score_under_floor():
    policy = LatePolicy(points_per_day=10, floor=50)
    assert late_penalty(policy, Lateness(seconds_late=3 * 86400), 65)[:2] == (15.0, 3)
    # a score already under the floor is not lowered, and not raised either
    assert late_penalty(policy, Lateness(seconds_late=3 * 86400), 40)[:2] == (0.0, 3)


def test_disabled_policy_deducts_nothing_but_reports_days():
    deducted, days, why = late_penalty(LatePolicy(enabled=False), Lateness(seconds_late=2 * 86400), 90)
    assert (deducted, days) == (0.0, 2)
    assert 'off' in why


def test_uncertain_late_marker_counts_one_day():
    deducted, days, why = late_penalty(LatePolicy(points_per_day=10), Lateness(None, uncertain=True), 90)
    assert (deducted, days) == (10.0, 1)
    assert 'uncertain' in why and 'LATE' in why


def test_uncertain_late_marker_with_extension_deducts_nothing():
    deducted, days, why = late_penalty(LatePolicy(), Lateness(None, uncertain=True, extension_days=1), 90)
    assert (deducted, days) == (0.0, 0)
    assert 'uncertain' in why

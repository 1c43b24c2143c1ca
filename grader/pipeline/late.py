"""Late-policy arithmetic: timestamps, lateness, started days and the points deducted. Pure functions, no I/O.

Conventions (the score step and whoever builds a ``Lateness`` rely on them):

- ``Lateness.seconds_late`` is measured against the assignment's own due date, the way Canvas's API reports
  ``seconds_late``; a TA-granted extension goes in ``Lateness.extension_days`` and ``late_penalty`` subtracts
  it. ``lateness_from_times`` builds a ``Lateness`` this way from timestamps, so the extension is never counted
  twice. (``seconds_late`` itself returns the lateness net of an extension, for callers that want the number.)
- Lateness counts in started days after the grace period: the grace period moves the deadline, it does not
  forgive a day.
- Canvas's LATE marker without a submission time (the zip carries no times) counts as 1 day late, marked
  uncertain in the explanation: a day is the smallest lateness the marker proves, and the TA can check the
  real time in Canvas. With an extension granted, the marker (set against Canvas's due date) proves nothing,
  so no penalty is deducted and the explanation asks for a check.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from ..model import Extension, LatePolicy, Lateness
from ..formatting import points as _num

DAY = 86400.0

_OFFSET_MINUTES = re.compile(r'[+-]\d{2}:?(\d{2})$')


def parse_timestamp(s: str | datetime) -> datetime:
    """An ISO 8601 date and time with a UTC offset (``-07:00``, ``-0700``, ``-07`` or ``Z``) as an aware datetime.

    ``datetime.fromisoformat`` reads all of these since Python 3.11 (3.10 read neither ``Z`` nor ``-0700``, and
    nbgrader's misreading of ``-0700`` as 700 seconds is exactly the bug to avoid). A time without an offset is
    refused: guessing the grader's local zone would shift lateness by hours.
    """
    if isinstance(s, datetime):
        value = s
    else:
        try:
            value = datetime.fromisoformat(str(s).strip())
        except ValueError:
            raise ValueError(f'timestamp {s!r} is not an ISO 8601 date and time with a UTC offset '
                             '(e.g. 2024-02-09T23:59:00-07:00)') from None
    if not isinstance(s, datetime) and int((_OFFSET_MINUTES.search(str(s).strip()) or [0, '0'])[1]) >= 60:
        raise ValueError(f'timestamp {s!r} has an invalid UTC offset')     # fromisoformat reads +07:75 as 08:15
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f'timestamp {s if isinstance(s, str) else s.isoformat()!r} has no UTC offset: an offset is '
                         'required (e.g. -07:00, -0700 or Z)')
    return value


def _check_days(extension_days: float) -> float:
    extension_days = float(extension_days)
    if not math.isfinite(extension_days) or extension_days < 0:
        raise ValueError(f'extension_days must be a finite number >= 0, got {extension_days}')
    return extension_days


def seconds_late(submitted_at: str | datetime, due: str | datetime | None, extension_days: float = 0,
                 new_due: str | datetime | None = None) -> float:
    """Seconds after the effective due date (zero or negative when on time).

    The effective due date is ``new_due`` when given, else ``due`` plus ``extension_days``. Giving both an
    extension and a new due date is refused: one of them is a mistake and adding them up would be a guess.
    """
    extension_days = _check_days(extension_days)
    if new_due is not None and extension_days:
        raise ValueError('give an extension either as extension_days or as new_due, not both')
    deadline = new_due if new_due is not None else due
    if deadline is None:
        raise ValueError('no due date: give due or new_due')
    effective = parse_timestamp(deadline) + timedelta(days=extension_days)
    return (parse_timestamp(submitted_at) - effective).total_seconds()


def lateness_from_times(submitted_at: str | datetime, due: str | datetime | None, extension_days: float = 0,
                        new_due: str | datetime | None = None) -> Lateness:
    """A ``Lateness`` in the module's convention: seconds against the due date, the extension kept apart."""
    extension_days = _check_days(extension_days)
    if new_due is not None:
        return Lateness(seconds_late=seconds_late(submitted_at, due, new_due=new_due))
    return Lateness(seconds_late=seconds_late(submitted_at, due), extension_days=extension_days)


def days_late(seconds: float, grace_minutes: float = 0) -> int:
    """Started days after the grace period: 0 within grace, 1 from the first second after it, 2 after 24 h."""
    seconds, grace = float(seconds), float(grace_minutes) * 60
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f'seconds late must be finite, got {seconds}')
    if grace < 0 or not math.isfinite(grace):
        raise ValueError(f'grace_minutes must be a finite number >= 0, got {grace_minutes}')
    if seconds <= grace:
        return 0
    return math.ceil((seconds - grace) / DAY)


def _duration(seconds: float) -> str:
    seconds = int(round(abs(seconds)))
    if seconds < 60:
        return f'{seconds} s'
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    secs = rest % 60 if seconds < 3600 else 0    # seconds matter near a grace boundary, not days later
    parts = [f'{days} d' if days else '', f'{hours} h' if hours else '', f'{minutes} min' if minutes else '',
             f'{secs} s' if secs else '']
    return ' '.join(p for p in parts if p)


def _plural(n: int, word: str) -> str:
    return f'{n} {word}' if n == 1 else f'{n} {word}s'


def late_penalty(policy: LatePolicy, lateness: Lateness | None, total_before: float) -> tuple[float, int, str]:
    """(points deducted, days late, explanation) for a score of ``total_before`` points.

    The deduction is ``points_per_day`` per started day, capped so the score does not fall below
    ``policy.floor``; a score already under the floor is left as it is (the penalty never raises a score).
    With the policy off (e.g. Canvas applies its own late policy) nothing is deducted, but the days are still
    reported so the TA can see them.
    """
    if lateness is None or (lateness.seconds_late is None and not lateness.uncertain):
        return 0.0, 0, 'submission time unknown: no late penalty'
    extension = _check_days(lateness.extension_days)
    after = f'the due date plus the {_num(extension)}-day extension' if extension else 'the due date'

    if lateness.seconds_late is None:
        if extension:
            return 0.0, 0, ('Canvas marked the submission LATE but no submission time is known, and an extension '
                            f'of {_num(extension)} days was granted: no late penalty (uncertain: check the '
                            'submission time in Canvas)')
        days = 1
        reason = ('Canvas marked the submission LATE but no submission time is known: counted as 1 day late '
                  '(uncertain: check the submission time in Canvas)')
    else:
        seconds = float(lateness.seconds_late) - extension * DAY
        days = days_late(seconds, policy.grace_minutes)
        if seconds <= 0:
            return 0.0, 0, f'on time (due date plus the {_num(extension)}-day extension)' if extension else 'on time'
        if days == 0:
            return 0.0, 0, (f'submitted {_duration(seconds)} after {after}, within the '
                            f'{_num(policy.grace_minutes)}-minute grace period: no late penalty')
        grace = f', counted after the {_num(policy.grace_minutes)}-minute grace period' if policy.grace_minutes else ''
        reason = f'submitted {_duration(seconds)} after {after}: {_plural(days, "started day")} late{grace}'
        if lateness.uncertain:
            reason += ' (lateness marked uncertain)'

    if not policy.enabled:
        return 0.0, days, f'{reason}; the late policy is off: no deduction'
    full = float(policy.points_per_day) * days
    room = max(0.0, float(total_before) - float(policy.floor))
    deducted = round(min(full, room), 2)
    rate = f'{_num(policy.points_per_day)} points per started day'
    if deducted < full:
        return deducted, days, (f'{reason}: −{_num(deducted)} points ({rate} would be −{_num(full)}, capped so '
                                f'the score does not fall below {_num(policy.floor)})')
    return deducted, days, f'{reason}: −{_num(deducted)} points ({rate})'


def lateness_for(user_id: str | None, late_marker: bool, due: str | None, times: dict[str, str],
                 extensions: dict[str, Extension]) -> Lateness | None:
    """From the submission time when known; else Canvas's LATE marker (uncertain: no time), whose absence means
    Canvas found the submission on time."""
    extension = extensions.get(user_id or '', Extension())
    if user_id in times and (due or extension.new_due):
        if extension.new_due:
            return lateness_from_times(times[user_id], due, new_due=extension.new_due)
        return lateness_from_times(times[user_id], due, extension_days=extension.extra_days)
    if late_marker:
        return Lateness(seconds_late=None, uncertain=True, extension_days=extension.extra_days)
    return Lateness(seconds_late=0.0)

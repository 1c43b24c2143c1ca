"""Files written from the gradebook's results: Canvas's grade import CSV, results CSV/JSON, feedback files.

Every writer takes ``results``: (StudentRecord, result) pairs as ``Gradebook.results_for_export`` returns them
(a result may also be a ``SubmissionResult.to_dict()`` dict). Files are written whole to a temporary name, then renamed:
a run killed mid-export leaves the previous file, never half a grades.csv.

grades.csv decisions (README, "Canvas formats"):
- Canvas matches rows by its user ``ID`` only; names and SIS fields come from the roster (the gradebook
  export's own columns, ``grader.canvas.roster.read_roster``) when given, else from the student's record.
- Anonymous submissions (``anon_…`` keys, no user id) are left out and listed in the warnings: an anonymous
  grade cannot be matched to a student, and with anonymous grading on Canvas wants grades entered in
  SpeedGrader, not imported.
- Every result that is not 'graded' (a crash, a time-out, a file that is not a notebook, an empty or unreadable
  notebook), and results without totals, get an empty cell (Canvas leaves the grade as it is) and a warning: a
  submission the grader could not grade is never exported as a 0.
- Partners named in a submission get the submitter's grade when their Canvas ID is known (in the partner entry,
  or found by last name in the roster); a partner's own submission wins over a partner's row.
- Roster students with no submission get no row (a warning names them): blank, not 0, until a TA decides.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from .feedback import feedback_html, feedback_markdown
from ..pipeline.late import late_penalty
from ..model import Lateness, Partner, Rubric, StudentRecord, SubmissionResult
from ..canvas.roster import Roster, RosterStudent, name_key
from ..formatting import points as num

NO_GRADE = frozenset({'error', 'timeout', 'not-a-notebook', 'invalid-notebook', 'empty', 'no-code'})
TOTAL_COLUMNS = ('code', 'discussion', 'extra_credit', 'raw', 'late_penalty', 'final')


Records = Iterable[tuple[StudentRecord, Any]]


def as_records(results: Records) -> list[tuple[StudentRecord, SubmissionResult]]:
    """(record, SubmissionResult) pairs from (record, result or its dict) pairs."""
    return [(record, SubmissionResult.from_dict(dict(result)) if isinstance(result, Mapping) else result)
            for record, result in results]


def write_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text to a temporary name, then rename: readers see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.tmp')
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def _uid(record: StudentRecord) -> str:
    return (record.user_id or '').strip()


# ---------------------------------------------------------------- grades.csv
def _is_test_student(student: RosterStudent) -> bool:
    return student.name == 'Student, Test' and not student.sis_user_id


def _partner_ids(partners: Iterable[Partner], roster: Roster | None, who: str,
                 warnings: list[str]) -> list[tuple[str, str]]:
    """(user id, name) of each partner who can be matched; the others are named in the warnings.

    A partner without a user id (a bare last name from the file name) is looked up in the roster.
    """
    found = []
    for p in partners:
        name, uid = p.name.strip(), (p.user_id or '').strip()
        if not uid and name and roster is not None:
            matches = roster.with_last_name(name)
            if len(matches) == 1:
                uid, name = matches[0].user_id, matches[0].name
            elif len(matches) > 1:
                warnings.append(f'partner {name!r} of {who}: several roster students with that last name '
                                f'({"; ".join(m.name for m in matches)}): enter the grade by hand')
                continue
        if uid:
            found.append((uid, name))
        else:
            warnings.append(f'partner {name!r} of {who}: no Canvas ID (not in the roster): enter the grade by hand')
    return found


def _grades_rows(records, roster, warnings):
    rows: dict[str, tuple[Any, ...]] = {}
    partner_rows: dict[str, tuple[str, str, Any, str]] = {}
    for record, result in records:
        who = record.display_name or result.notebook
        if record.anonymous:
            warnings.append(f'anonymous submission {record.student_key or result.notebook}: no Canvas ID, '
                            'left out of grades.csv (enter it in SpeedGrader)')
            continue
        if result.totals is None or result.status in NO_GRADE:
            why = f' ({result.message})' if result.message else ''
            warnings.append(f'{who} ({_uid(record)}): status {result.status}, no grade written: grade by hand{why}')
            score = ''
        else:
            score = num(result.totals.final)
        uid = _uid(record)
        if uid in rows:
            warnings.append(f'{who} ({uid}): several results for one Canvas ID, the first one is kept')
            continue
        rows[uid] = (record, score)
        for puid, pname in _partner_ids(record.partners, roster, f'{who} ({uid})', warnings):
            partner_rows.setdefault(puid, (pname, uid, record, score))
    for puid, (pname, by, record, score) in partner_rows.items():
        if puid in rows:
            warnings.append(f'partner {pname or puid} of {by} has a submission of their own: that grade is used')
            continue
        rows[puid] = (StudentRecord(student_key=puid, user_id=puid, name=pname, section=record.section), score)
    return rows


def write_grades_csv(path: str | Path, rows: Records, assignment_title: str,
                     canvas_assignment_id: str | None, points_possible: float,
                     roster: Roster | None = None) -> list[str]:
    """Canvas's gradebook import CSV; returns warnings (students left out or left blank) for the run's report.

    ``roster`` (``grader.canvas.roster.read_roster`` of a gradebook export) supplies names, SIS fields and sections.
    Without an assignment id the column is the bare title: Canvas then creates a new assignment.
    """
    warnings: list[str] = []
    graded = _grades_rows(as_records(rows), roster, warnings)
    out = []
    for uid, (record, score) in graded.items():
        r = roster.by_id(uid) if roster is not None else None
        if r is None and roster is not None:
            warnings.append(f'{record.name or uid} ({uid}) is not in the roster: check the Canvas ID')
        out.append([r.name if r else record.name, uid, r.sis_user_id if r else record.sis_user_id,
                    r.sis_login_id if r else record.sis_login_id, r.section if r else record.section, score])
    missing = [st.name for st in (roster.students if roster is not None else ())
               if st.user_id not in graded and not _is_test_student(st)]
    if missing:
        warnings.append(f'no submission (left blank in grades.csv): {"; ".join(sorted(missing, key=name_key))}')
    out.sort(key=lambda row: (name_key(row[0]), row[1]))
    column = f'{assignment_title} ({canvas_assignment_id})' if canvas_assignment_id else assignment_title
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', column])
    w.writerow(['    Points Possible', '', '', '', '', num(points_possible)])
    w.writerows(out)
    write_atomic(path, buf.getvalue())
    return warnings


# ---------------------------------------------------------------- results.csv / results.json
def _safe(text: Any) -> str:
    # a TA opens this in a spreadsheet: text that starts like a formula is kept as text, not run
    text = '' if text is None else str(text)
    return "'" + text if text[:1] in ('=', '+', '-', '@', '\t', '\r') else text


def days_late(rubric: Rubric, late: Lateness | None, raw: float) -> int | None:
    if late is None or (late.seconds_late is None and not late.uncertain):
        return None
    return late_penalty(rubric.late_policy, late, raw)[1]


def write_results_csv(path: str | Path, results: Records, rubric: Rubric) -> Path:
    """One row per student: points per item (rubric order), totals, lateness, flags, notes count, seed."""
    item_ids = [it.id for it in rubric.items]
    # an advisory item's points are always 0: its column carries the verdict instead ('pass', 'fail', ...)
    advisory = {it.id for it in rubric.items if it.advisory}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(['student_key', 'user_id', 'name', 'status', 'message', *item_ids, *TOTAL_COLUMNS, 'days_late',
                'late_uncertain', 'flags', 'notes', 'seed'])
    for record, r in as_records(results):
        points = {it.id: it.status if it.id in advisory else num(it.points) for it in r.items}
        totals = [num(getattr(r.totals, c)) if r.totals else '' for c in TOTAL_COLUMNS]
        late = record.lateness
        days = days_late(rubric, late, r.totals.raw if r.totals else 0.0)
        w.writerow([_safe(record.student_key), _uid(record), _safe(record.name), r.status, _safe(r.message),
                    *(points.get(i, '') for i in item_ids), *totals, '' if days is None else days,
                    '' if late is None else str(bool(late.uncertain)).lower(), _safe('; '.join(r.flags)),
                    len(r.notes), '' if r.seed is None else r.seed])
    return write_atomic(path, buf.getvalue())


def _student_fields(record: StudentRecord) -> dict[str, Any]:
    """The student's Canvas data in results.json (README, Results schema)."""
    d = record.to_dict()
    return {'student_key': record.student_key, 'user_id': _uid(record) or None, 'name': record.name,
            'attachment_id': record.attachment_id, 'original_name': record.original_name,
            'partners': d['partners'], 'lateness': d['lateness'], 'late_marker': record.late_marker,
            'other_files': d['other_files'], 'warnings': d['warnings']}


def write_results_json(path: str | Path, results: Records, rubric: Rubric) -> Path:
    doc = {
        'schema_version': 1,
        'generated_at': datetime.now(timezone.utc).isoformat(timespec='seconds'),
        'rubric': {'title': rubric.title, 'canvas_assignment_id': rubric.canvas_assignment_id,
                   'points_possible': rubric.points_possible()},
        # the student's fields after the result's, so a result can never overwrite who it belongs to
        'submissions': [{**r.to_dict(), **_student_fields(record)} for record, r in as_records(results)],
    }
    return write_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False, default=str, allow_nan=False) + '\n')


# ---------------------------------------------------------------- feedback files
def feedback_prefix(record: StudentRecord) -> str:
    """``{user_id}_{attachment_id}`` as in Canvas's download, so the files fit a "re-upload submissions" zip;
    the anonymous or student key stands in for a missing user id."""
    ident = _uid(record) or record.student_key or 'unknown'
    attachment = (record.attachment_id or '').strip()
    prefix = f'{ident}_{attachment}' if attachment else ident
    return re.sub(r'[^\w.-]', '_', prefix).lstrip('.') or 'unknown'


def write_feedback(out_dir: str | Path, results: Records, rubric: Rubric) -> list[Path]:
    """``out_dir/feedback/{prefix}_feedback.md`` and ``.html`` per student; returns the paths written."""
    folder = Path(out_dir) / 'feedback'
    written, used = [], set()
    for record, r in as_records(results):
        prefix = base = feedback_prefix(record)
        n = 1
        while prefix in used:   # two results for one prefix must not overwrite each other's feedback
            n += 1
            prefix = f'{base}-{n}'
        used.add(prefix)
        written.append(write_atomic(folder / f'{prefix}_feedback.md', feedback_markdown(r, rubric)))
        written.append(write_atomic(folder / f'{prefix}_feedback.html', feedback_html(r, rubric)))
    return written

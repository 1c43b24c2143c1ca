"""Files written from the gradebook's results: Canvas's grade import CSV, results CSV/JSON, feedback files.

Every writer takes ``results``: (meta, result) pairs as ``Gradebook.results_for_export`` returns them (a result
may also be a ``SubmissionResult.to_dict()`` dict). Files are written whole to a temporary name, then renamed:
a run killed mid-export leaves the previous file, never half a grades.csv.

grades.csv decisions (a2-facts §5):
- Canvas matches rows by its user ``ID`` only; names and SIS fields come from the roster (the gradebook
  export's own columns, ``grader.canvas.roster.read_roster``) when given, else from the meta.
- Anonymous submissions (``anon_…`` keys, no user id) are left out and listed in the warnings: an anonymous
  grade cannot be matched to a student, and with anonymous grading on Canvas wants grades entered in
  SpeedGrader, not imported.
- 'error', 'timeout' and 'no-code' results, and results without totals, get an empty cell (Canvas leaves the grade as it
  is) and a warning: a crash is never exported as a 0.
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
from dataclasses import asdict, is_dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from .feedback import feedback_html, feedback_markdown
from ..batch.gradebook import lateness_from, result_from_dict
from ..pipeline.late import late_penalty
from ..model import Rubric, SubmissionResult
from ..canvas.roster import Roster, RosterStudent, name_key

NO_GRADE = frozenset({'error', 'timeout', 'no-code'})     # a TA decides: blank in grades.csv, never a 0
TOTAL_COLUMNS = ('code', 'discussion', 'extra_credit', 'raw', 'late_penalty', 'final')


def num(x: float | None) -> str:
    """'85', '85.5', '85.25': 2 decimals at most, no trailing '.0' (Canvas and people read it alike)."""
    if x is None:
        return ''
    text = f'{round(float(x), 2):.2f}'.rstrip('0').rstrip('.')
    return '0' if text == '-0' else text


def as_records(results: Iterable[tuple[Mapping[str, Any], Any]]) -> list[tuple[dict[str, Any], SubmissionResult]]:
    """(meta, SubmissionResult) pairs from (meta, result or its dict) pairs."""
    out = []
    for meta, result in results:
        if isinstance(result, Mapping):
            result = result_from_dict(dict(result))
        out.append((dict(meta), result))
    return out


def write_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text to a temporary name, then rename: readers see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.tmp')
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def _uid(meta: Mapping[str, Any]) -> str:
    uid = meta.get('user_id')
    return '' if uid is None else str(uid).strip()


def _is_anonymous(meta: Mapping[str, Any]) -> bool:
    return not _uid(meta) or str(meta.get('student_key', '')).lower().startswith('anon_')


# ---------------------------------------------------------------- grades.csv
def _is_test_student(student: RosterStudent) -> bool:
    return student.name == 'Student, Test' and not student.sis_user_id


def _partner_ids(partners: Iterable[Any], roster: Roster | None, who: str,
                 warnings: list[str]) -> list[tuple[str, str]]:
    """(user id, name) of each partner who can be matched; the others are named in the warnings.

    A partner is a ``RosterStudent`` (or its dict, as the gradebook stores it) or a bare last name from the file
    name, looked up in the roster.
    """
    found = []
    for p in partners or ():
        if is_dataclass(p):
            p = asdict(p)
        name = str(p.get('name', '') if isinstance(p, Mapping) else p).strip()
        uid = str(p.get('user_id') or '').strip() if isinstance(p, Mapping) else ''
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
    for meta, result in records:
        who = meta.get('name') or meta.get('student_key') or result.notebook
        if _is_anonymous(meta):
            warnings.append(f'anonymous submission {meta.get("student_key") or result.notebook}: no Canvas ID, '
                            'left out of grades.csv (enter it in SpeedGrader)')
            continue
        if result.totals is None or result.status in NO_GRADE:
            why = f' ({result.message})' if result.message else ''
            warnings.append(f'{who} ({_uid(meta)}): status {result.status}, no grade written: grade by hand{why}')
            score = ''
        else:
            score = num(result.totals.final)
        uid = _uid(meta)
        if uid in rows:
            warnings.append(f'{who} ({uid}): several results for one Canvas ID, the first one is kept')
            continue
        rows[uid] = (meta, score)
        for puid, pname in _partner_ids(meta.get('partners'), roster, f'{who} ({uid})', warnings):
            partner_rows.setdefault(puid, (pname, uid, meta, score))
    for puid, (pname, by, meta, score) in partner_rows.items():
        if puid in rows:
            warnings.append(f'partner {pname or puid} of {by} has a submission of their own: that grade is used')
            continue
        rows[puid] = ({'user_id': puid, 'name': pname, 'section': meta.get('section', '')}, score)
    return rows


def write_grades_csv(path: str | Path, rows: Iterable[tuple[Mapping[str, Any], Any]], assignment_title: str,
                     canvas_assignment_id: str | None, points_possible: float,
                     roster: Roster | None = None) -> list[str]:
    """Canvas's gradebook import CSV; returns warnings (students left out or left blank) for the run's report.

    ``roster`` (``grader.canvas.roster.read_roster`` of a gradebook export) supplies names, SIS fields and sections.
    Without an assignment id the column is the bare title: Canvas then creates a new assignment.
    """
    warnings: list[str] = []
    graded = _grades_rows(as_records(rows), roster, warnings)
    out = []
    for uid, (meta, score) in graded.items():
        r = roster.by_id(uid) if roster is not None else None
        if r is None and roster is not None:
            warnings.append(f'{meta.get("name") or uid} ({uid}) is not in the roster: check the Canvas ID')
        out.append([r.name if r else str(meta.get('name') or ''), uid,
                    r.sis_user_id if r else str(meta.get('sis_user_id') or ''),
                    r.sis_login_id if r else str(meta.get('sis_login_id') or ''),
                    r.section if r else str(meta.get('section') or ''), score])
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


def days_late(rubric: Rubric, lateness: Any, raw: float) -> int | None:
    late = lateness_from(lateness)
    if late is None or (late.seconds_late is None and not late.uncertain):
        return None
    return late_penalty(rubric.late_policy, late, raw)[1]


def write_results_csv(path: str | Path, results: Iterable[tuple[Mapping[str, Any], Any]], rubric: Rubric) -> Path:
    """One row per student: points per item (rubric order), totals, lateness, flags, notes count, seed."""
    item_ids = [it.id for it in rubric.items]
    # an advisory item's points are always 0: its column carries the verdict instead ('pass', 'fail', ...)
    advisory = {it.id for it in rubric.items if it.advisory}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(['student_key', 'user_id', 'name', 'status', 'message', *item_ids, *TOTAL_COLUMNS, 'days_late',
                'late_uncertain', 'flags', 'notes', 'seed'])
    for meta, r in as_records(results):
        points = {it.id: it.status if it.id in advisory else num(it.points) for it in r.items}
        totals = [num(getattr(r.totals, c)) if r.totals else '' for c in TOTAL_COLUMNS]
        late = lateness_from(meta.get('lateness'))
        days = days_late(rubric, late, r.totals.raw if r.totals else 0.0)
        w.writerow([_safe(meta.get('student_key')), _uid(meta), _safe(meta.get('name')), r.status, _safe(r.message),
                    *(points.get(i, '') for i in item_ids), *totals, '' if days is None else days,
                    '' if late is None else str(bool(late.uncertain)).lower(), _safe('; '.join(r.flags)),
                    len(r.notes), '' if r.seed is None else r.seed])
    return write_atomic(path, buf.getvalue())


def _jsonable_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    late = lateness_from(meta.get('lateness'))
    return {'student_key': meta.get('student_key'), 'user_id': _uid(meta) or None, 'name': meta.get('name'),
            'attachment_id': meta.get('attachment_id'), 'partners': list(meta.get('partners') or []),
            'lateness': None if late is None else {'seconds_late': late.seconds_late, 'uncertain': late.uncertain,
                                                   'extension_days': late.extension_days}}


def write_results_json(path: str | Path, results: Iterable[tuple[Mapping[str, Any], Any]], rubric: Rubric) -> Path:
    doc = {
        'schema_version': 1,
        'generated_at': datetime.now(timezone.utc).isoformat(timespec='seconds'),
        'rubric': {'title': rubric.title, 'canvas_assignment_id': rubric.canvas_assignment_id,
                   'points_possible': rubric.points_possible()},
        # the student's fields after the result's, so a result can never overwrite who it belongs to
        'submissions': [{**r.to_dict(), **_jsonable_meta(meta)} for meta, r in as_records(results)],
    }
    return write_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False, default=str, allow_nan=False) + '\n')


# ---------------------------------------------------------------- feedback files
def feedback_prefix(meta: Mapping[str, Any]) -> str:
    """``{user_id}_{attachment_id}`` as in Canvas's download, so the files fit a "re-upload submissions" zip;
    the anonymous or student key stands in for a missing user id."""
    ident = _uid(meta) or str(meta.get('student_key') or 'unknown')
    attachment = str(meta.get('attachment_id') or '').strip()
    prefix = f'{ident}_{attachment}' if attachment else ident
    return re.sub(r'[^\w.-]', '_', prefix).lstrip('.') or 'unknown'


def write_feedback(out_dir: str | Path, results: Iterable[tuple[Mapping[str, Any], Any]],
                   rubric: Rubric) -> list[Path]:
    """``out_dir/feedback/{prefix}_feedback.md`` and ``.html`` per student; returns the paths written."""
    folder = Path(out_dir) / 'feedback'
    written, used = [], set()
    for meta, r in as_records(results):
        prefix = base = feedback_prefix(meta)
        n = 1
        while prefix in used:   # two results for one prefix must not overwrite each other's feedback
            n += 1
            prefix = f'{base}-{n}'
        used.add(prefix)
        written.append(write_atomic(folder / f'{prefix}_feedback.md', feedback_markdown(r, rubric)))
        written.append(write_atomic(folder / f'{prefix}_feedback.html', feedback_html(r, rubric)))
    return written

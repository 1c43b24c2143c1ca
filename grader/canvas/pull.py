"""``grader canvas pull``: an assignment's submissions from Canvas into a folder ``grader grade`` reads as it reads
Canvas's Download Submissions zip, with the side files the zip lacks (README, "Canvas round trip").

Files are named exactly as the zip names them (``grader.canvas.names``): ``{name}[_LATE]_{user_id}_{attachment
id}_{display name}``, ``[LATE_]anon_{id}_...`` under anonymous grading, one entry per group named after the group
(with its first member's id) on a group assignment, ``..._text.html`` / ``_link.html`` for text and URL entries.
Only each student's current attempt is taken, as in the zip. The name is the sortable name lower-cased with
non-word characters removed; '_' before a digit is dropped too, so '_<digits>_' marks the ids alone.

Beside them: ``submission-times.csv`` (``user_id,submitted_at`` as Canvas reports it), ``roster.csv`` (the
gradebook export's columns), ``extensions.csv`` (``user_id,new_due`` for every student whose assignment override
moves the due date; a student whose override removes it gets no time, so the grader falls back to Canvas's LATE
marker, which Canvas set against that override) and ``canvas-pull.json`` (what was written, Canvas's due date).
"""
from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..pipeline.late import parse_timestamp
from .api import CanvasClient, plain
from .collect import Limits
from .config import CanvasInputError
from .mirror import Mirror, Wanted
from .safe_paths import safe_name

TIMES, ROSTER, EXTENSIONS = 'submission-times.csv', 'roster.csv', 'extensions.csv'
STUDENT_TYPES = ['StudentEnrollment', 'StudentViewEnrollment']     # the test student is in every gradebook export


@dataclass
class PullSummary:
    folder: Path
    submissions: int = 0
    files: dict[str, int] = field(default_factory=dict)     # outcome ('downloaded', 'unchanged', ...) -> count
    superseded: list[str] = field(default_factory=list)
    side_files: dict[str, str] = field(default_factory=dict)
    due_at: str | None = None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- names
def name_slug(sortable_name: str) -> str:
    """'García, María' -> 'garcíamaría': lower case, word characters only, no '_' before a digit."""
    text = unicodedata.normalize('NFC', sortable_name or '').lower()
    return re.sub(r'_+(?=\d)', '', re.sub(r'\W+', '', text))


def _display(name: str) -> str:
    """The file's display name as the zip writes it, unless it could climb out of the folder or hide itself."""
    if not name or name.startswith('.') or any(c in name for c in '/\\\0') or len(name.encode()) > 200:
        return safe_name(name or 'file')
    return unicodedata.normalize('NFC', name)


def _entry_prefix(sub: dict[str, Any], label: str | None, anonymous: bool) -> str | None:
    late, uid, anon = bool(sub.get('late')), sub.get('user_id'), sub.get('anonymous_id')
    if anonymous and anon:
        return f'{"LATE_" if late else ""}anon_{anon}'
    if uid is None:
        return None
    return f'{name_slug(label or "") or "student"}{"_LATE" if late else ""}_{uid}'


def _link_page(url: str) -> bytes:
    return f'<html><body><a href="{html.escape(url)}">{html.escape(url)}</a></body></html>'.encode()


def wanted_files(assignment: dict[str, Any], subs: list[dict[str, Any]], names: dict[str, str],
                 limit: int = Limits().entry_bytes) -> tuple[list[Wanted], list[str], int]:
    """The current attempt's files of every submission, named as the zip names them; warnings for the others; how
    many submissions (a group's counted once)."""
    anonymous = bool(assignment.get('anonymous_grading'))
    grouped = bool(assignment.get('group_category_id')) and not assignment.get('grade_group_students_individually')
    wanted, warnings, groups, taken = [], [], set(), 0
    for sub in sorted(subs, key=lambda s: int(s.get('user_id') or 0)):
        if sub.get('workflow_state') == 'unsubmitted' or not sub.get('submission_type'):
            continue
        group = sub.get('group') or {}
        if grouped and group.get('id') is not None:
            if group['id'] in groups:
                continue
            groups.add(group['id'])
            label = group.get('name')
        else:
            label = names.get(str(sub.get('user_id'))) or (sub.get('user') or {}).get('sortable_name')
        prefix = _entry_prefix(sub, label, anonymous)
        if prefix is None:
            warnings.append(f'a submission without a user id or anonymous id (Canvas id {sub.get("id")}): skipped')
            continue
        uid = None if anonymous and sub.get('anonymous_id') else str(sub.get('user_id'))
        taken += 1
        kind = sub.get('submission_type')
        if kind == 'online_text_entry':
            wanted.append(Wanted(f'{prefix}_text.html', uid, None, None, None, body=(sub.get('body') or '').encode()))
        elif kind == 'online_url':
            wanted.append(Wanted(f'{prefix}_link.html', uid, None, None, None, body=_link_page(sub.get('url') or '')))
        for att in sub.get('attachments') or ():
            att = plain(att)
            name = f'{prefix}_{att["id"]}_{_display(att.get("display_name") or att.get("filename") or "")}'
            size = att.get('size')
            if isinstance(size, int) and size > limit:
                warnings.append(f'{name}: {size / (1 << 20):.1f} MB, over the limit of {limit >> 20} MB per file: '
                                f'not downloaded')
                continue
            wanted.append(Wanted(name, uid, int(att['id']), size, att.get('updated_at') or att.get('modified_at'),
                                 url=att.get('url')))
    return wanted, warnings, taken


# ---------------------------------------------------------------- side files
def _csv(rows: Iterable[Iterable[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator='\n').writerows(rows)
    return buf.getvalue()


def roster_csv(enrollments: list[dict[str, Any]], sections: dict[Any, str]) -> str:
    """The gradebook export's student columns: Student,ID,SIS User ID,SIS Login ID,Section."""
    people: dict[str, dict[str, Any]] = {}
    for e in enrollments:
        user = e.get('user') or {}
        uid = str(e.get('user_id') or user.get('id'))
        person = people.setdefault(uid, {'user': user, 'sections': []})
        section = sections.get(e.get('course_section_id'), '')
        if section and section not in person['sections']:
            person['sections'].append(section)
    rows = sorted(([p['user'].get('sortable_name') or p['user'].get('name') or '', uid,
                    p['user'].get('sis_user_id') or '', p['user'].get('login_id') or '', ', '.join(p['sections'])]
                   for uid, p in people.items()), key=lambda r: (r[0].casefold(), r[1]))
    return _csv([['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section'], *rows])


def effective_dues(base_due: str | None, overrides: list[dict[str, Any]], section_members: dict[Any, set[str]],
                   group_members: dict[Any, set[str]]) -> dict[str, tuple[str | None, str]]:
    """user id -> (due date, override title) for every student whose overrides move the due date.

    As Canvas does: a student under several overrides gets the latest date; one that sets no date ('due_at': null)
    means no due date; an override that leaves the date alone (no 'due_at' key) changes nothing.
    """
    dates: dict[str, list[tuple[str | None, str]]] = {}
    for o in overrides:
        if 'due_at' not in o:
            continue
        targets = {str(u) for u in o.get('student_ids') or ()}
        targets |= section_members.get(o.get('course_section_id'), set()) if o.get('course_section_id') else set()
        targets |= group_members.get(o.get('group_id'), set()) if o.get('group_id') else set()
        for uid in targets:
            dates.setdefault(uid, []).append((o['due_at'], str(o.get('title') or f'override {o.get("id")}')))
    out = {}
    for uid, options in dates.items():
        none = [t for d, t in options if d is None]
        due, title = (None, none[0]) if none else max(options, key=lambda dt: parse_timestamp(dt[0]))
        same = due is not None and base_due is not None and parse_timestamp(due) == parse_timestamp(base_due)
        if not same:
            out[uid] = (due, title)
    return out


def times_csv(subs: list[dict[str, Any]], skip: set[str]) -> str:
    rows = sorted((str(s['user_id']), s['submitted_at']) for s in subs
                  if s.get('user_id') is not None and s.get('submitted_at') and str(s['user_id']) not in skip)
    return _csv([['user_id', 'submitted_at'], *sorted(rows, key=lambda r: (len(r[0]), r[0]))])


def extensions_csv(dues: dict[str, tuple[str | None, str]]) -> str:
    rows = sorted(((uid, due, title) for uid, (due, title) in dues.items() if due is not None),
                  key=lambda r: (len(r[0]), r[0]))
    return _csv([['user_id', 'new_due', 'override'], *rows])


# ---------------------------------------------------------------- the command
def _submission(sub: Any) -> dict[str, Any]:
    d = dict(plain(sub))
    d['attachments'] = [plain(a) for a in getattr(sub, 'attachments', None) or d.get('attachments') or ()]
    return d


def pull(client: CanvasClient, course_id: int | str, assignment_id: int | str, out: str | Path,
         say: Callable[[str], None] = print) -> PullSummary:
    """Mirror the assignment's current submissions into ``out`` with the side files; never touches a TA's file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CanvasInputError(f'{out} is a file: --out must be a folder (it is created if missing)')
    summary = PullSummary(out)
    mirror = Mirror(out)
    before = (mirror.data.get('course_id'), mirror.data.get('assignment_id'))
    if before != (None, None) and before != (str(course_id), str(assignment_id)):
        raise CanvasInputError(f'{out} holds a pull of course {before[0]}, assignment {before[1]}: pull another '
                               f'assignment into another folder')
    course = client.canvas.get_course(course_id)
    assignment = course.get_assignment(assignment_id)
    a = plain(assignment)
    say(f'Canvas: {a.get("name")} (course {course_id}, assignment {assignment_id}), due {a.get("due_at") or "never"}')
    enrollments = [plain(e) for e in course.get_enrollments(type=STUDENT_TYPES)]
    sections = {s.id: s.name for s in course.get_sections()}
    names = {str(e.get('user_id')): (e.get('user') or {}).get('sortable_name', '') for e in enrollments}
    subs = [_submission(s) for s in assignment.get_submissions(include=['submission_history', 'group', 'user'])]

    wanted, summary.warnings, summary.submissions = wanted_files(a, subs, names)
    for want in wanted:
        outcome = mirror.sync_file(want, lambda w=want: client.download(w.url))
        summary.files[outcome] = summary.files.get(outcome, 0) + 1
        if outcome != 'unchanged':
            say(f'  {outcome}: {want.name}')
    summary.superseded = mirror.retire({w.name for w in wanted})

    overrides = [plain(o) for o in assignment.get_overrides()]
    section_members: dict[Any, set[str]] = {}
    for e in enrollments:
        section_members.setdefault(e.get('course_section_id'), set()).add(str(e.get('user_id')))
    group_members = {o['group_id']: client.group_user_ids(o['group_id']) for o in overrides
                     if o.get('group_id') and 'due_at' in o}
    dues = effective_dues(a.get('due_at'), overrides, section_members, group_members)
    no_due = {uid for uid, (due, _) in dues.items() if due is None}
    if no_due:
        summary.warnings.append(f'{len(no_due)} student(s) have an override without a due date: no submission time '
                                f'written for them, so Canvas\'s LATE marker (never set without a due date) decides')
    anonymous = bool(a.get('anonymous_grading'))
    if anonymous:       # times by user id beside anonymous files would undo the anonymity; the LATE marker decides
        summary.warnings.append('anonymous grading: no submission times written; LATE markers decide lateness')
    times = times_csv([] if anonymous else subs, no_due)
    for name, text in ((ROSTER, roster_csv(enrollments, sections)), (TIMES, times),
                       (EXTENSIONS, extensions_csv(dues))):
        summary.side_files[name] = mirror.sync_side(name, text)
    summary.due_at = a.get('due_at')
    mirror.save(course_id=str(course_id), assignment_id=str(assignment_id), assignment_name=a.get('name'),
                due_at=a.get('due_at'), points_possible=a.get('points_possible'),
                anonymous_grading=anonymous)
    summary.warnings += mirror.warnings
    return summary


def format_summary(s: PullSummary) -> list[str]:
    files = ', '.join(f'{n} {what}' for what, n in sorted(s.files.items())) or 'no files'
    lines = [f'{s.submissions} submission(s) in {s.folder}: {files}']
    if s.superseded:
        lines.append(f'{len(s.superseded)} file(s) from earlier attempts moved to {s.folder / ".superseded"}')
    lines.append('side files: ' + ', '.join(f'{n} ({what})' for n, what in s.side_files.items()))
    lines += [f'  - {w}' for w in s.warnings]
    lines.append(f'next: grader grade {s.folder} --out DIR (it reads the side files from the folder by itself)')
    return lines

"""What a push would change on Canvas: pure functions of the gradebook's results, Canvas's submissions and what was
posted before. No I/O beyond reading feedback files; ``push`` carries the plan out.

Per Canvas user, the grade is posted when Canvas holds nothing yet or still holds the grade this grader posted last;
a grade set on Canvas by someone else (SpeedGrader, an import) is kept unless ``--overwrite``, and so is the comment
that would go with it. A comment is posted when its hash (the short text and the feedback file's bytes) differs
from the last one posted; each carries ``(ref a2g-<hash>)``, so a comment Canvas took whose answer was lost on the
way is found on Canvas and recorded instead of sent twice. Never posted: results whose status is not 'graded' (a
crash is never a 0), anonymous submissions (SpeedGrader's job), a student who resubmitted after the graded attempt.
Partners named in the file name, and a group assignment's group mates, get the submitter's grade and comment unless
they have a result of their own.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..formatting import points as num
from ..model import StudentRecord
from ..report.exports import feedback_prefix

REF = 'a2g'
POSTABLE = frozenset({'graded'})
GradeAction = Literal['post', 'same', 'kept', '-']
CommentAction = Literal['post', 'same', 'found', 'off', '-']


@dataclass(frozen=True)
class Graded:
    """One gradebook result as the push needs it; ``graded_from`` is the one place that reads the gradebook's data."""
    student_key: str
    user_id: str | None
    name: str
    status: str
    message: str
    final: float | None
    late_penalty: float
    attachment_id: int | None
    partners: tuple[tuple[str | None, str], ...]     # (Canvas user id or None, name)
    feedback: Path | None


def graded_from(record: StudentRecord, result: Any, out: Path) -> Graded:
    """From a ``Gradebook.results_for_export()`` pair: the one place the push reads the gradebook's records."""
    totals = result.totals
    attachment = (record.attachment_id or '').strip()
    feedback = Path(out) / 'feedback' / f'{feedback_prefix(record)}_feedback.html'
    return Graded(student_key=record.student_key, user_id=None if record.anonymous else str(record.user_id),
                  name=record.display_name, status=result.status, message=result.message,
                  final=None if totals is None else float(totals.final),
                  late_penalty=0.0 if totals is None else float(totals.late_penalty),
                  attachment_id=int(attachment) if attachment.isdigit() else None,
                  partners=tuple((str(p.user_id) if p.user_id else None, p.name) for p in record.partners),
                  feedback=feedback if feedback.is_file() else None)


@dataclass(frozen=True)
class Comment:
    text: str
    hash: str
    file: Path | None


def comment_for(g: Graded, title: str, possible: float | None) -> Comment:
    html = g.feedback.read_bytes() if g.feedback else b''
    text = f'{title}: {num(g.final)}' + (f' / {num(possible)}' if possible else '') + ' points'
    if g.late_penalty:
        text += f', after a late penalty of {num(g.late_penalty)}'
    text += '. The attached file explains what each part earned and why.' if html else '.'
    digest = hashlib.sha256(text.encode() + b'\0' + html).hexdigest()
    return Comment(f'{text} (ref {REF}-{digest[:12]})', digest, g.feedback)


def marker(comment_hash: str) -> str:
    return f'(ref {REF}-{comment_hash[:12]})'


@dataclass
class Row:
    user_id: str
    name: str
    source: Graded
    role: str                           # 'submitter', 'partner', 'group'
    score: float
    canvas_score: float | None
    grade: GradeAction
    comment: CommentAction
    text: Comment
    attempt: int | None = None
    note: str = ''


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def to_post(self, what: str) -> list[Row]:
        return [r for r in self.rows if getattr(r, what) == 'post']


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(float(a), float(b), abs_tol=0.005)


def canvas_score(sub: dict[str, Any]) -> float | None:
    """The score a grader entered (Canvas's own late deduction comes after it), else the score."""
    for key in ('entered_score', 'score'):
        if sub.get(key) is not None:
            return float(sub[key])
    return None


def graded_attempt(sub: dict[str, Any], attachment_id: int | None) -> tuple[int | None, str]:
    """(the attempt holding the graded file, '') or (None, why it cannot be posted)."""
    current = sub.get('attempt')
    if attachment_id is None:
        return current, ''
    for version in sub.get('submission_history') or [sub]:
        ids = {int(a['id']) for a in version.get('attachments') or () if a.get('id') is not None}
        if attachment_id in ids:
            if version.get('attempt') != current:
                return None, (f'resubmitted on Canvas after the graded attempt {version.get("attempt")} (now '
                              f'{current}): pull and grade again')
            return current, ''
    return None, f'the graded file (attachment {attachment_id}) is not in any attempt on Canvas'


def make_plan(graded: list[Graded], subs: dict[str, dict[str, Any]], posted: dict[str, Any], title: str,
              possible: float | None, group_assignment: bool = False, comments: bool = True,
              overwrite: bool = False) -> Plan:
    plan, taken = Plan(), {}
    own = {g.user_id for g in graded if g.user_id}
    for g in graded:
        who = f'{g.name} ({g.user_id or g.student_key})'
        if g.user_id is None or g.student_key.lower().startswith('anon_'):
            plan.skipped.append(f'{who}: anonymous or without a Canvas id: not posted (enter it in SpeedGrader)')
            continue
        if g.status not in POSTABLE or g.final is None:
            plan.skipped.append(f'{who}: {g.status}: not posted, grade by hand ({g.message})')
            continue
        sub = subs.get(g.user_id)
        if sub is None:
            plan.skipped.append(f'{who}: no submission on Canvas for this assignment (dropped, or another course?)')
            continue
        attempt, why = graded_attempt(sub, g.attachment_id)
        if why:
            plan.skipped.append(f'{who}: {why}')
            continue
        targets = [(g.user_id, g.name, 'submitter', attempt)]
        for pid, pname in g.partners:
            if pid is None:
                plan.skipped.append(f'partner {pname!r} of {who}: no Canvas id: give the grade by hand')
            elif pid not in own:
                targets.append((pid, pname, 'partner', None))
        group = (sub.get('group') or {}).get('id') if group_assignment else None
        if group is not None:
            targets += [(uid, s.get('user', {}).get('sortable_name') or uid, 'group', None) for uid, s in subs.items()
                        if (s.get('group') or {}).get('id') == group and uid not in own and uid != g.user_id]
        comment = comment_for(g, title, possible)
        for uid, name, role, att in targets:
            if uid in taken:
                if taken[uid] != g.student_key:
                    plan.skipped.append(f'{name} ({uid}): partner of two submissions: only the first is posted')
                continue
            target_sub = subs.get(uid)
            if target_sub is None:
                plan.skipped.append(f'{role} {name} ({uid}) of {who}: not in this assignment on Canvas')
                continue
            taken[uid] = g.student_key
            plan.rows.append(_row(uid, name, role, g, att, target_sub, posted.get(uid), comment, comments, overwrite))
    return plan


def _row(uid: str, name: str, role: str, g: Graded, attempt: int | None, sub: dict[str, Any], last: Any,
         comment: Comment, comments: bool, overwrite: bool) -> Row:
    ours, held = round(float(g.final), 2), canvas_score(sub)
    last_score = None if last is None else last.score
    note = ''
    if _close(held, ours) and not sub.get('excused'):
        grade = 'same'
    elif (held is None and last_score is None and not sub.get('excused')) or (_close(held, last_score)) or overwrite:
        grade = 'post'
    else:
        grade = 'kept'
        state = 'excused' if sub.get('excused') else f'holds {num(held)}' if held is not None else 'holds no grade'
        note = f'Canvas {state}, not what this grader posted: kept (--overwrite replaces it)'
    if not comments:
        action = 'off'
    elif grade == 'kept':
        action = '-'
    elif last is not None and last.comment_hash == comment.hash:
        action = 'same'
    elif any(marker(comment.hash) in str(c.get('comment') or '') for c in sub.get('submission_comments') or ()):
        action = 'found'
    else:
        action = 'post'
    return Row(uid, name, g, role, ours, held, grade, action, comment, attempt, note)


def format_table(plan: Plan) -> list[str]:
    head = ('user', 'name', 'Canvas', 'ours', 'grade', 'comment', 'note')
    rows = [(r.user_id, r.name[:28] + (f' [{r.role}]' if r.role != 'submitter' else ''),
             '-' if r.canvas_score is None else num(r.canvas_score), num(r.score), r.grade, r.comment, r.note)
            for r in plan.rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = '  '.join(f'{{:<{w}}}' for w in widths[:-1]) + '  {}'
    return [fmt.format(*head).rstrip()] + [fmt.format(*row).rstrip() for row in rows]

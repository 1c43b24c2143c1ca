"""``grader canvas push``: final scores and feedback from a graded folder to Canvas (README, "Canvas round trip").

Scores go through the bulk grade endpoint (``POST .../submissions/update_grades``, one job per 100 students), whose
Progress is polled until it is completed or failed; then Canvas's submissions are read again and only the scores
Canvas shows are recorded. Each comment (a short text and the feedback HTML, uploaded with Canvas's three-step file
upload, on the graded attempt) is recorded as soon as Canvas accepts it. A network error or a 5xx stops the push
with what was confirmed recorded (``posted.PostLog``); the next push resumes from there. Before anything is sent,
the course's own late policy is read: with Canvas deducting for lateness and the grader too, the push is refused.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from ..batch.gradebook import FILENAME, Gradebook
from ..formatting import points as num
from .api import CanvasClient, CanvasFailure, plain
from .config import CanvasInputError
from .mirror import MANIFEST
from .plan import Graded, Plan, Row, canvas_score, format_table, graded_from, make_plan
from .posted import PostLog

CHUNK = 100


@dataclass
class PushSummary:
    plan: Plan
    dry_run: bool
    grades_posted: int = 0
    comments_posted: int = 0
    warnings: list[str] = field(default_factory=list)   # something Canvas did not take: the push is incomplete


def read_graded(out: Path) -> tuple[list[Graded], dict[str, Any] | None]:
    """The gradebook's results (through the one adapter) and its last run, with the rubric it graded with."""
    if not (out / FILENAME).is_file():
        raise CanvasInputError(f'{out} holds no {FILENAME}: run grader grade first (push reads the grades from there)')
    with Gradebook(out / FILENAME) as gb:
        records, run = gb.results_for_export(), gb.last_run()
    return [graded_from(record, result, out) for record, result in records], run


def _rubric_facts(out: Path) -> tuple[str, float | None]:
    """The title and points possible results.json was written with (comments say 'N / points')."""
    try:
        rubric = json.loads((out / 'results.json').read_text(encoding='utf-8'))['rubric']
        return str(rubric.get('title') or 'Grade'), rubric.get('points_possible')
    except (OSError, ValueError, KeyError, TypeError):
        return 'Grade', None


def our_late_policy(run: dict[str, Any] | None) -> bool | None:
    """Whether the last grading run deducted late penalties: not with --no-late-penalty, nor with a rubric whose
    late_policy.enabled is false (the gradebook keeps the rubric each run graded with); None when unknown."""
    if not run:
        return None
    if (run.get('options') or {}).get('no_late_penalty'):
        return False
    try:
        policy = (yaml.safe_load(run.get('rubric_yaml') or '') or {}).get('late_policy') or {}
    except (yaml.YAMLError, AttributeError):
        return None
    return bool(policy.get('enabled', True)) if run.get('rubric_yaml') else None


def check_pulled_from(run: dict[str, Any] | None, course_id: int | str, assignment_id: int | str) -> None:
    """Refuse to push grades to another assignment than the one the graded folder was pulled from."""
    source = ((run or {}).get('options') or {}).get('source')
    record = Path(source) / MANIFEST if source else None
    if record is None or not record.is_file():
        return
    try:
        pulled = json.loads(record.read_text(encoding='utf-8'))
        ids = (str(pulled['course_id']), str(pulled['assignment_id']))
    except (OSError, ValueError, KeyError, TypeError):
        return
    if ids != (str(course_id), str(assignment_id)):
        raise CanvasInputError(f'these grades come from a pull of course {ids[0]}, assignment {ids[1]} ({record}), '
                               f'not course {course_id}, assignment {assignment_id}: check --course and --assignment')


def check_late_policies(course: Any, run: dict[str, Any] | None, graded: list[Graded]) -> str:
    """Refuse when Canvas deducts for lateness and so does the grader; else a line describing Canvas's policy."""
    try:
        policy = plain(course.get_late_policy())
    except CanvasFailure as exc:
        if exc.status != 404:       # a course that never saved a policy has none
            raise
        policy = {}
    deduction = float(policy.get('late_submission_deduction') or 0)
    if not (policy.get('late_submission_deduction_enabled') and deduction > 0):
        return "Canvas's late policy: off for this course"
    interval = policy.get('late_submission_interval') or 'day'
    canvas = f"Canvas's own late policy deducts {num(deduction)} % per {interval} late in this course"
    ours = our_late_policy(run)
    penalised = sum(1 for g in graded if g.late_penalty > 0)
    if ours or penalised:
        why = 'the grader\'s late policy was on when grading' if ours else f'{penalised} grade(s) carry a late penalty'
        raise CanvasInputError(f'{canvas}, and {why}: the penalty would count twice. Grade again with '
                               f'--no-late-penalty (or set late_policy: {{enabled: false}} in the rubric), then push')
    return f'{canvas}; the grader deducted nothing, so Canvas alone applies it'


def _submissions(assignment: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Canvas's submissions by user id, as dicts, and the canvasapi objects (to comment on)."""
    objects = {str(s.user_id): s for s in assignment.get_submissions(
        include=['submission_history', 'submission_comments', 'group', 'user']) if getattr(s, 'user_id', None)}
    return {uid: plain(s) for uid, s in objects.items()}, objects


def push(client: CanvasClient, out: str | Path, course_id: int | str, assignment_id: int | str,
         dry_run: bool = False, comments: bool = True, overwrite: bool = False,
         say: Callable[[str], None] = print) -> PushSummary:
    out = Path(out)
    graded, run = read_graded(out)
    check_pulled_from(run, course_id, assignment_id)
    title, possible = _rubric_facts(out)
    course = client.canvas.get_course(course_id)
    assignment = course.get_assignment(assignment_id)
    a = plain(assignment)
    say(f'Canvas: {a.get("name")} (course {course_id}, assignment {assignment_id}, {num(a.get("points_possible"))} '
        f'points)')
    if possible is not None and a.get('points_possible') is not None and float(a['points_possible']) != possible:
        say(f'note: Canvas says {num(a["points_possible"])} points possible, the rubric {num(possible)}')
    say(check_late_policies(course, run, graded))
    subs, objects = _submissions(assignment)
    grouped = bool(a.get('group_category_id')) and not a.get('grade_group_students_individually')
    with PostLog(out / FILENAME, course_id, assignment_id, write=not dry_run) as log:
        plan = make_plan(graded, subs, log.posted(), title, possible, grouped, comments, overwrite)
        summary = PushSummary(plan, dry_run)
        if dry_run:
            return summary
        _run(client, assignment, objects, plan, log, summary, say)
    return summary


def _run(client: CanvasClient, assignment: Any, objects: dict[str, Any], plan: Plan, log: PostLog,
         summary: PushSummary, say: Callable[[str], None]) -> None:
    push_id = log.start_push()
    # already right on Canvas (a push whose answer was lost, or a grade entered by hand that agrees): record only
    posted = log.posted()
    in_sync = [(r.user_id, r.source.student_key, r.score) for r in plan.rows
               if r.grade == 'same' and (r.user_id not in posted or posted[r.user_id].score != r.score)]
    if in_sync:
        log.record_scores(in_sync)
    for r in plan.rows:
        if r.comment == 'found':
            log.record_comment(r.user_id, r.source.student_key, r.text.hash, None)
    try:
        unconfirmed = _post_grades(client, assignment, plan.to_post('grade'), log, summary, say)
        for row in plan.to_post('comment'):
            if row.user_id in unconfirmed:      # its text states a grade Canvas does not show
                continue
            _post_comment(client, assignment, objects[row.user_id], row, log)
            summary.comments_posted += 1
    except BaseException as exc:
        message = str(exc) if isinstance(exc, CanvasFailure) else f'stopped: {type(exc).__name__}'
        say(f'stopped after {summary.grades_posted} grade(s) and {summary.comments_posted} comment(s) were posted and '
            f'recorded')
        log.finish_push(push_id, False, summary.grades_posted, summary.comments_posted, client.scrub(message))
        raise
    log.finish_push(push_id, not summary.warnings, summary.grades_posted, summary.comments_posted,
                    '; '.join(summary.warnings)[:2000])


def _post_grades(client: CanvasClient, assignment: Any, rows: list[Row], log: PostLog, summary: PushSummary,
                 say: Callable[[str], None]) -> set[str]:
    """Post, wait for Canvas's jobs, record what Canvas then shows; the user ids whose grade it does not show."""
    if not rows:
        return set()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        progress = assignment.submissions_bulk_update(
            grade_data={r.user_id: {'posted_grade': num(r.score)} for r in chunk})
        state = client.progress(progress)
        if state.get('workflow_state') != 'completed':
            why = state.get('message') or 'no reason given'
            raise CanvasFailure(f"Canvas's grading job {state.get('id')} failed ({why}): no grade of this push is "
                                f'recorded as posted; run the same command again')
        say(f'posted {start + len(chunk)} of {len(rows)} grade(s)')
    fresh, _ = _submissions(assignment)
    shown = {uid: canvas_score(sub) for uid, sub in fresh.items()}
    confirmed = [r for r in rows if shown.get(r.user_id) is not None and abs(shown[r.user_id] - r.score) < 0.005]
    log.record_scores([(r.user_id, r.source.student_key, r.score) for r in confirmed])
    summary.grades_posted = len(confirmed)
    missing = [r for r in rows if r.user_id not in {c.user_id for c in confirmed}]
    if missing:
        summary.warnings.append(f'Canvas completed the grading job but does not show the new grade for: '
                                f'{"; ".join(f"{r.name} ({r.user_id})" for r in missing)} (not recorded, no comment '
                                f'posted; the next push tries again)')
    return {r.user_id for r in missing}


def _post_comment(client: CanvasClient, assignment: Any, submission: Any, row: Row, log: PostLog) -> None:
    comment: dict[str, Any] = {'text_comment': row.text.text}
    if row.text.file is not None:
        comment['file_ids'] = [client.upload_comment_file(assignment.course_id, assignment.id, row.user_id,
                                                          str(row.text.file))]
    if row.attempt is not None:
        comment['attempt'] = row.attempt
    answer = plain(submission.edit(comment=comment))
    ids = [c.get('id') for c in answer.get('submission_comments') or () if row.text.text in str(c.get('comment'))]
    log.record_comment(row.user_id, row.source.student_key, row.text.hash, str(ids[-1]) if ids else None)


def format_summary(s: PushSummary) -> list[str]:
    lines = format_table(s.plan) if s.plan.rows else ['nothing to post']
    lines += [f'  - not posted: {w}' for w in s.plan.skipped]
    grades, comments = len(s.plan.to_post('grade')), len(s.plan.to_post('comment'))
    if s.dry_run:
        lines.append(f'dry run: {grades} grade(s) and {comments} comment(s) would be posted; nothing was sent')
    else:
        lines.append(f'posted {s.grades_posted} grade(s) and {s.comments_posted} comment(s); '
                     f'{sum(r.grade == "same" for r in s.plan.rows)} grade(s) already right on Canvas')
    lines += [f'  - {w}' for w in s.warnings]
    return lines

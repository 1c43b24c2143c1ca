"""A ``StudentRecord`` for each collected submission: who (roster), which file, partners, lateness."""
from __future__ import annotations

from ..canvas.collect import Submission
from ..canvas.names import partners_named
from ..canvas.roster import Roster, resolve_partners
from ..model import Lateness, ManualScore, Partner, StudentRecord


def student_record(sub: Submission, roster: Roster | None, lateness: Lateness | None,
                   manual: list[ManualScore], rubric_hash: str, grader_version: str,
                   run_id: int | None) -> StudentRecord:
    student = roster.by_id(sub.user_id) if roster and sub.user_id else None
    partners: list[Partner] = []
    problems: list[str] = []
    if roster and sub.partner_names:
        found, problems = resolve_partners(sub, roster)
        partners = [Partner(p.name, p.user_id) for p in found]
    elif sub.partner_names:     # without a roster: only names besides the submitter's are partners
        partners = [Partner(n) for n in partners_named(sub.partner_names, sub.name_slug)]
    nb = sub.notebook
    return StudentRecord(
        student_key=sub.student_key, user_id=sub.user_id, anon_id=sub.anon_id,
        name=student.name if student else (sub.name_slug or sub.student_key),
        section=student.section if student else '',
        sis_user_id=student.sis_user_id if student else '',
        sis_login_id=student.sis_login_id if student else '',
        notebook_path=str(nb.path) if nb and nb.path else None,
        original_name=nb.name if nb else None,
        # without a notebook, the submission's own upload still names the feedback for Canvas's re-upload zip
        attachment_id=_text(nb.attachment_id if nb else next((f.attachment_id for f in sub.other_files
                                                              if f.attachment_id), None)),
        other_files=tuple(f.name for f in sub.other_files),
        late_marker=sub.late, lateness=lateness, partners=tuple(partners),
        warnings=tuple(sub.warnings) + tuple(problems), manual=tuple(manual),
        rubric_hash=rubric_hash, grader_version=grader_version, run_id=run_id)


def _text(value) -> str | None:
    return None if value is None else str(value)

"""The student's self-check: public checks only, against the reference when installed or a kit's table."""
from __future__ import annotations

from pathlib import Path

from ..model import Rubric, SubmissionResult
from ..resources import is_student_kit, kit_dir, KIT_EXPECTED
from ..formatting import points as _num

MARKS = {'pass': '✓', 'partial': '~', 'fail': '✗', 'error': '!', 'skipped': '·'}


def expected_source():
    if is_student_kit():
        from ..pipeline.expected import KitExpected
        return KitExpected(kit_dir() / KIT_EXPECTED)
    from ..pipeline.expected import ReferenceExpected
    return ReferenceExpected()


def self_check(notebook: Path, rubric: Rubric, launcher=None, on_check=None, session=None) -> SubmissionResult:
    """``session``: a kernel the caller started early (``start_kernel``), so it boots while the rubric, the
    reference and the notebook are read."""
    from ..pipeline.grade import grade_notebook
    return grade_notebook(Path(notebook), rubric, mode='self-check', expected=expected_source(), launcher=launcher,
                          on_check=on_check, session=session)


def start_kernel(launcher):
    """The self-check's kernel, started now: a student waits for the kernel's start more than for anything else."""
    from ..pipeline.grade import new_session
    return new_session(launcher).spawn()


def required(rubric: Rubric) -> set[str]:
    """The public code checks: what "passing" a self-check means. Extra credit, advisory items and the written
    answers (whose points are provisional until a TA reads them) are shown, never required."""
    from ..checks.runner import is_code_check
    extra = {c.id for c in rubric.categories if c.extra}
    return {it.id for it in rubric.items if it.visibility == 'public' and not it.advisory and not it.manual
            and it.category not in extra and is_code_check(it.check)}


def code_checks_pass(result: SubmissionResult, rubric: Rubric) -> bool:
    needed = required(rubric)
    items = [it for it in result.items if it.id in needed]
    return result.status == 'graded' and bool(items) and all(it.status == 'pass' for it in items)


def format_table(result: SubmissionResult, rubric: Rubric, width: int = 100) -> str:
    import textwrap
    lines = [f'Self-check of {Path(result.notebook).name}: public checks only; hidden checks run when your TA '
             'grades.']
    if result.status != 'graded':
        lines += ['', f'Could not grade: {result.message}']
        return '\n'.join(lines)
    if not result.isolated:
        lines.append('(student code ran with resource limits only, not in an isolated sandbox)')
    id_width = max(len(it.id) for it in result.items) if result.items else 10
    titles = {c.id: c.title for c in rubric.categories}
    for category in rubric.categories:
        rows = [it for it in result.items if it.category == category.id]
        if not rows:
            continue
        lines += ['', f'{titles[category.id]}:']
        for it in rows:
            mark = MARKS.get(it.status, '?')
            points = f'{_num(it.points)}/{_num(it.max_points)}'
            head = f'  {mark} {it.id:<{id_width}}  {points:>7}  '
            body = it.message or it.status
            wrapped = textwrap.wrap(body, width=max(30, width - len(head))) or ['']
            lines.append(head + wrapped[0])
            lines += [' ' * len(head) + w for w in wrapped[1:]]
    lines += ['', _code_line(result, rubric), _public_total(result, rubric)]
    if result.notes:
        lines += ['', 'Notes:'] + [f'  - {n}' for n in result.notes]
    needed = required(rubric)
    failing = [it.id for it in result.items if it.id in needed and it.status != 'pass']
    if not failing and result.status == 'graded':
        lines += ['', 'Every public code check passes. Written answers are scored by your TA; extra credit is '
                      'optional.']
    else:
        lines += ['', f'Public code checks to fix: {", ".join(failing)} (see the messages above).']
    return '\n'.join(lines)


def _public_total(result: SubmissionResult, rubric: Rubric) -> str:
    """Points of everything a self-check ran, out of what it can see, and what a TA still decides."""
    shown = [it for it in result.items if it.status != 'skipped']
    extra = {c.id for c in rubric.categories if c.extra}
    earned = sum(it.points for it in shown if it.category not in extra)
    possible = sum(it.max_points for it in shown if it.category not in extra)
    bonus = sum(it.points for it in shown if it.category in extra)
    needed = required(rubric)
    provisional = sum(it.max_points for it in shown if it.category not in extra and it.id not in needed
                      and it.max_points > 0)
    text = f'Public total: {_num(earned)} / {_num(possible)}'
    if bonus:
        text += f' plus {_num(bonus)} extra credit'
    if provisional:
        text += f' (the {_num(provisional)} points of written answers are provisional: your TA reads them)'
    return text + '.'


def _code_line(result: SubmissionResult, rubric: Rubric) -> str:
    code = next((c for c in rubric.categories if c.id == 'code'), None)
    if code is None or result.totals is None:
        return ''
    hidden = sum(it.max_points for it in result.items if it.category == 'code' and it.status == 'skipped')
    hidden += rubric.withheld_points.get('code', 0.0)
    tail = f' ({_num(hidden)} of them in hidden checks your TA runs)' if hidden else ''
    return f'Code score from public checks: {_num(result.totals.code)} / {_num(code.points)}{tail}.'

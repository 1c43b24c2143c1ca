"""The student's self-check: public checks only, against the reference when installed or a kit's table."""
from __future__ import annotations

from pathlib import Path

from ..model import Rubric, SubmissionResult
from ..resources import is_student_kit, kit_dir, KIT_EXPECTED

MARKS = {'pass': '✓', 'partial': '~', 'fail': '✗', 'error': '!', 'skipped': '·'}


def expected_source():
    if is_student_kit():
        from ..pipeline.expected import KitExpected
        return KitExpected(kit_dir() / KIT_EXPECTED)
    from ..pipeline.expected import ReferenceExpected
    return ReferenceExpected()


def self_check(notebook: Path, rubric: Rubric, launcher=None) -> SubmissionResult:
    from ..pipeline.grade import grade_notebook
    return grade_notebook(Path(notebook), rubric, mode='self-check', expected=expected_source(), launcher=launcher)


def all_public_pass(result: SubmissionResult, rubric: Rubric) -> bool:
    advisory = {it.id for it in rubric.items if it.advisory}
    public = [it for it in result.items if it.visibility == 'public' and it.id not in advisory]
    return result.status == 'graded' and bool(public) and all(it.status == 'pass' for it in public)


def _num(x: float) -> str:
    return f'{x:.2f}'.rstrip('0').rstrip('.')


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
    lines += ['', _code_line(result, rubric)]
    if result.notes:
        lines += ['', 'Notes:'] + [f'  - {n}' for n in result.notes]
    lines += ['', 'All public checks pass.' if all_public_pass(result, rubric)
              else 'Some public checks do not pass yet: see the messages above.']
    return '\n'.join(lines)


def _code_line(result: SubmissionResult, rubric: Rubric) -> str:
    code = next((c for c in rubric.categories if c.id == 'code'), None)
    if code is None or result.totals is None:
        return ''
    hidden = sum(it.max_points for it in result.items if it.category == 'code' and it.status == 'skipped')
    hidden += rubric.withheld_points.get('code', 0.0)
    tail = f' ({_num(hidden)} of them in hidden checks your TA runs)' if hidden else ''
    return f'Code score from public checks: {_num(result.totals.code)} / {_num(code.points)}{tail}.'

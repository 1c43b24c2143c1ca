"""One student's feedback as Markdown (Canvas comments, terminal) or as a standalone HTML page.

Both are rendered from the same list of blocks, so they carry the same information. Only ``ItemScore``
messages are shown: they are written to be safe for hidden checks, and ``CheckResult.details`` (the TA's
material, which may hold hidden inputs) never reaches this module.
"""
from __future__ import annotations

from pathlib import Path
from dataclasses import dataclass, field

from .templates import render
from ..model import ItemScore, Rubric, SubmissionResult
from ..formatting import points as _num

STATUS_LABELS = {
    'graded': 'graded',
    'error': 'grading error',
    'timeout': 'timed out',
    'not-a-notebook': 'not a notebook',
    'invalid-notebook': 'notebook could not be read',
    'empty': 'empty notebook',
}
MINUS = '\u2212'    # a real minus sign: '-10' reads as a hyphenated word in some fonts


@dataclass
class _Block:
    kind: str                   # 'title', 'para', 'heading', 'list'
    text: str = ''
    css: str = ''
    rows: list[tuple[str, str]] = field(default_factory=list)   # (css class, text) for lists


def _is_advisory(item: ItemScore, rubric: Rubric) -> bool:
    try:
        return rubric.item(item.id).advisory
    except KeyError:
        return item.max_points == 0


def _extra_ids(rubric: Rubric) -> set[str]:
    return {c.id for c in rubric.categories if c.extra}


def item_line(item: ItemScore, rubric: Rubric) -> tuple[str, str]:
    """(css class, text) of one item: '✓ use (10/10)', '−10 adam: …', '−5 partition (5/10): …'."""
    name = item.id
    if item.visibility == 'hidden':
        name += ' [hidden]'
    if item.status == 'error':
        name += ' [error]'
    if item.manual:
        name += ' [TA]'
    msg = f': {item.message}' if item.message else ''
    p, m = _num(item.points), _num(item.max_points)
    lost = round(item.max_points - item.points, 2)
    if item.status == 'skipped':
        return 'skipped', f'○ {name} [skipped] ({m} points){msg}'
    if _is_advisory(item, rubric):
        return 'advisory', f'ℹ {name} [advisory, no points]{msg}'
    if lost <= 0:
        # a pass message only repeats the tick; a TA's comment on full marks is worth keeping
        return 'full', f'✓ {name} ({p}/{m})' + (msg if item.manual else '')
    warn = '⚠ ' if item.status == 'error' else ''
    if item.category in _extra_ids(rubric):
        # extra credit not earned is not a deduction: show what was added
        return 'extra', f'{warn}+{p} {name} ({p}/{m}){msg}'
    if item.points <= 0:
        return 'error' if warn else 'lost', f'{warn}{MINUS}{_num(lost)} {name}{msg}'
    return 'error' if warn else 'partial', f'{warn}{MINUS}{_num(lost)} {name} ({p}/{m}){msg}'


def _full_marks(result: SubmissionResult, rubric: Rubric) -> bool:
    if result.status != 'graded' or result.totals is None:
        return False
    earned = result.totals.code + result.totals.discussion
    return rubric.points_possible() > 0 and earned >= rubric.points_possible() - 1e-9


def _summary(result: SubmissionResult, rubric: Rubric) -> list[_Block]:
    self_check = result.mode == 'self-check'
    blocks = [_Block('title', f'{rubric.title}: {"self-check" if self_check else "feedback"}'),
              _Block('para', f'Notebook: {Path(result.notebook).name}')]     # the grader's paths are not theirs
    status = f'Status: {STATUS_LABELS.get(result.status, result.status)}'
    if self_check:
        status += ' (self-check: public checks only; hidden checks run when your TA grades)'
    blocks.append(_Block('para', status, 'status' if result.status == 'graded' else 'status problem'))
    if result.status != 'graded' and result.message:
        blocks.append(_Block('para', result.message, 'problem'))
    t, possible = result.totals, _num(rubric.points_possible())
    if t is None:
        blocks.append(_Block('para', f'Total: not scored (out of {possible})', 'total'))
        return blocks
    blocks.append(_Block('para', f'Total: {_num(t.final)} / {possible}', 'total'))
    penalty = f'{MINUS}{_num(t.late_penalty)}' if t.late_penalty else '0'
    blocks.append(_Block('para', f'Raw score {_num(t.raw)} (code {_num(t.code)}, discussion {_num(t.discussion)}, '
                                 f'extra credit {_num(t.extra_credit)}) · late penalty {penalty} · '
                                 f'final {_num(t.final)}', 'breakdown'))
    if _full_marks(result, rubric):
        blocks.append(_Block('para', 'Full marks: you earned every point of the assignment. Well done!', 'congrats'))
    elif self_check and result.status == 'graded' and result.items and all(
            it.status == 'skipped' or it.points >= it.max_points for it in result.items
            if it.category not in _extra_ids(rubric)):
        blocks.append(_Block('para', 'Every check you can run passes. Well done so far!', 'congrats'))
    return blocks


def _categories(result: SubmissionResult, rubric: Rubric) -> list[_Block]:
    blocks = []
    known = {c.id for c in rubric.categories}
    groups = [(c.id, c.title, c.points, c.extra) for c in rubric.categories]
    others = [it for it in result.items if it.category not in known]
    if others:
        groups.append((None, 'Other checks', None, False))
    for cat_id, title, points, extra in groups:
        items = [it for it in result.items if it.category == cat_id] if cat_id else others
        withheld = rubric.withheld_points.get(cat_id, 0) if cat_id else 0
        if not items and not withheld:
            continue
        earned = sum(it.points for it in items)
        if points is not None:
            heading = f'{title}: {_num(min(earned, points))} / {_num(points)}' + (' (added on top)' if extra else '')
        else:
            heading = title
        rows = [item_line(it, rubric) for it in items]
        if withheld:
            rows.append(('skipped', f'○ hidden checks worth {_num(withheld)} points [skipped]: '
                                    'run when your TA grades'))
        blocks += [_Block('heading', heading), _Block('list', rows=rows)]
    return blocks


def feedback_blocks(result: SubmissionResult, rubric: Rubric) -> list[_Block]:
    blocks = _summary(result, rubric) + _categories(result, rubric)
    if result.flags:
        blocks += [_Block('heading', 'Flags'), _Block('list', rows=[('flag', f) for f in result.flags])]
    if result.notes:
        blocks += [_Block('heading', 'Notes'), _Block('list', rows=[('note', n) for n in result.notes])]
    return blocks


def _md_lines(text: str, indent: str) -> str:
    # continuation lines indented so a message's own newlines stay inside its list item or paragraph
    return text.strip().replace('\n', '\n' + indent)


def feedback_markdown(result: SubmissionResult, rubric: Rubric) -> str:
    out = []
    for b in feedback_blocks(result, rubric):
        if b.kind == 'title':
            out.append(f'# {b.text}')
        elif b.kind == 'heading':
            out.append(f'## {b.text}')
        elif b.kind == 'para':
            text = _md_lines(b.text, '')
            out.append(f'**{text}**' if b.css == 'total' else text)
        else:
            out.append('\n'.join(f'- {_md_lines(text, "  ")}' for _css, text in b.rows))
    return '\n\n'.join(out) + '\n'


def feedback_html(result: SubmissionResult, rubric: Rubric) -> str:
    blocks = feedback_blocks(result, rubric)
    title = next((b.text for b in blocks if b.kind == 'title'), '')
    return render('feedback.html', page='feedback', title=title, blocks=blocks)

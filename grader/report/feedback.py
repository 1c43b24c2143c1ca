"""One student's feedback as Markdown (Canvas comments, terminal) or as a standalone HTML page.

Both are rendered from the same list of blocks, so they carry the same information. Only ``ItemScore``
messages are shown: they are written to be safe for hidden checks, and ``CheckResult.details`` (the TA's
material, which may hold hidden inputs) never reaches this module.

Written as the course's TAs write feedback (README "Faults and deductions"): an item with full points says only its
title and points; an item that lost points gets one line per deduction ("−5: grad_relu is 1 at 0 ..."), the rubric's
words for the fault, then one "How to fix" line with what the checks found in this notebook; items judged with a
correct copy of another function say so; extra credit not attempted is one line; a perfect score says "Great job!".
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
    'no-code': 'no code cell',
}
MINUS = '\u2212'    # a real minus sign: '-10' reads as a hyphenated word in some fonts
PROVISIONAL_TAG = ' (provisional until your TA reads it)'


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


def _title(item: ItemScore) -> str:
    name = item.title or item.id
    if item.visibility == 'hidden':
        name += ' (hidden check)'
    return name


def _sentence(text: str) -> str:
    text = ' '.join(text.split())
    return text if not text or text.endswith(('.', '!', '?')) else text + '.'


def _judged_with(item: ItemScore) -> str:
    if not item.stand_ins:
        return ''
    names = ' and '.join(item.stand_ins)
    return (f'Judged with a correct {names} in place of yours, so a fault there is charged once, under its own '
            'item.')


MISSING = ('.not_implemented', '.upstream_missing', '.not_attempted')


def _only_missing(item: ItemScore) -> bool:
    """Work not done: the deduction says it all, a "How to fix" would only repeat it."""
    return bool(item.deductions) and all(d.id.endswith(MISSING) for d in item.deductions)


def _not_attempted(item: ItemScore) -> bool:
    return any(d.id.endswith('.not_attempted') for d in item.deductions)


def item_line(item: ItemScore, rubric: Rubric) -> tuple[str, str]:
    """(css class, text) of one item: its title and points, then a line per deduction and one "How to fix"."""
    p, m = _num(item.points), _num(item.max_points)
    head = f'{_title(item)}: {p}/{m}'
    provisional = PROVISIONAL_TAG if item.provisional else ''
    if item.status == 'skipped':
        return 'skipped', f'○ {_title(item)}: {m} points, not run: {item.message}'
    if _is_advisory(item, rubric):
        if item.status == 'pass':
            return 'full', f'✓ {item.title}'
        return 'advisory', f'ℹ {item.title}: {_sentence(item.fix or item.message)}'
    if item.status == 'error':
        return 'error', f'⚠ {head}: {_sentence(item.message)}'
    extra = item.category in _extra_ids(rubric)
    if extra and _not_attempted(item) and not item.manual:
        return 'extra', f'○ {_title(item)}: not attempted (extra credit, nothing taken off)'
    lines = []
    lost = round(item.max_points - item.points, 2)
    if lost <= 0 and not item.deductions:
        lines.append(f'✓ {head}{provisional}')
    else:
        lines.append(f'{"+" + p if extra else "✗" if item.points <= 0 else "~"} {head}{provisional}')
        for d in item.deductions:
            lines.append(f'{MINUS}{_num(d.points)}: {_sentence(d.message or d.id)}')
        if not item.deductions and lost > 0 and not item.manual:
            lines.append(f'{MINUS}{_num(lost)}: {_sentence(item.message)}')
    if item.manual:
        comment = item.message.split(' — TA: ', 1)[1] if ' — TA: ' in item.message else \
            item.message[4:] if item.message.startswith('TA: ') else ''
        lines.append(f'Graded by your TA{": " + comment if comment else "."}')
    elif item.fix and (item.deductions or lost > 0) and not _only_missing(item):
        lines.append(f'How to fix: {_sentence(item.fix)}')
    judged = _judged_with(item)
    if judged:
        lines.append(judged)
    css = 'full' if lost <= 0 else 'extra' if extra else 'lost' if item.points <= 0 else 'partial'
    return css, '\n'.join(lines)


def _great_job(result: SubmissionResult, rubric: Rubric) -> bool:
    """Every point of the assignment (extra credit does not make up for one lost), and no penalty bringing the
    total below them: never under a total below the maximum."""
    if result.status != 'graded' or result.totals is None:
        return False
    t, possible = result.totals, rubric.points_possible() - 1e-9
    return possible > 0 and t.code + t.discussion >= possible and t.final >= possible


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
    if _great_job(result, rubric) and not self_check:
        blocks.append(_Block('para', 'Great job!', 'congrats'))
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

"""Similar pairs as people read them: the section of report.html, a side-by-side page per pair (written beside the
report as ``similarity/pair-N.html`` and served by the desk at ``/similar/N``), all from Jinja templates with
autoescape, so nothing from a notebook is ever markup.

report.html and its pages are the instructor's and show names; the desk shows anonymous numbers unless revealed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from ..batch.gradebook import FILENAME, Gradebook
from ..pipeline.prompts import PROMPTS
from . import similarity as sim
from .store import Student, load_students

PAGES = 'similarity'
PROMPT_TITLES = {'best_result': 'best result and discussion', 'plots': 'plots', 'observations': 'observations',
                 'swish_discussion': 'extra-credit discussion'}


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape
    return Environment(loader=PackageLoader('grader.review', 'templates'), autoescape=select_autoescape(default=True))


def _css() -> str:
    return (Path(__file__).parent / 'static' / 'desk.css').read_text(encoding='utf-8')


def describe(pair: sim.Pair) -> str:
    if pair.kind == 'code':
        d = pair.detail
        return (f"{d['share_a']:.0%} of the first's own code is in the second, {d['share_b']:.0%} the other way "
                '(starter code and code a third of the class shares not counted)')
    return '; '.join(f'{PROMPT_TITLES.get(p, p)}: {s:.0%} of word 5-grams shared'
                     for p, s in pair.detail['prompts'].items())


def _segments(text: str, spans: list[list[int]]) -> list[tuple[str, bool]]:
    out, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        out += [(text[at:start], False), (text[start:end], True)]
        at = end
    return out + [(text[at:], False)]


def _shared_word_spans(text: str, shared: set[str]) -> list[list[int]]:
    words = list(re.finditer(r'[^\W_]+', text))     # offsets in the text as written
    n, marked = sim.SHINGLE_WORDS, set()
    for i in range(len(words) - n + 1):
        if ' '.join(w.group().lower() for w in words[i:i + n]) in shared:
            marked.update(range(i, i + n))
    spans: list[list[int]] = []
    for i in sorted(marked):
        if spans and i - 1 in marked:     # one mark over a run of shared words, spaces included
            spans[-1][1] = words[i].end()
        else:
            spans.append([words[i].start(), words[i].end()])
    return spans


def pair_context(pair: sim.Pair, a: Student, b: Student, label: Callable[[Student], str]) -> dict[str, Any]:
    """What pair.html shows: both sides, with the shared passages marked."""
    wa = sim.notebook_work(a.key, a.name, a.user_id, a.partners, a.notebook_path)
    wb = sim.notebook_work(b.key, b.name, b.user_id, b.partners, b.notebook_path)
    sections = []
    if wa is None or wb is None:
        sections.append({'title': 'notebooks', 'left': [('(notebook no longer in the output folder)', False)],
                         'right': [('', False)], 'code': False})
    elif pair.kind == 'code':
        sections.append({'title': 'code cells', 'code': True,
                         'left': _segments(wa.code, pair.detail.get('slices_a', [])),
                         'right': _segments(wb.code, pair.detail.get('slices_b', []))})
    else:
        for prompt in pair.detail.get('prompts', {}):
            x, y = wa.answers.get(prompt, ''), wb.answers.get(prompt, '')
            shared = sim.shingles(x) & sim.shingles(y)
            sections.append({'title': PROMPT_TITLES.get(prompt, prompt), 'code': False,
                             'prompt': PROMPTS[prompt][0],
                             'left': _segments(x, _shared_word_spans(x, shared)),
                             'right': _segments(y, _shared_word_spans(y, shared))})
    return {'pair': pair, 'left_label': label(a), 'right_label': label(b), 'describe': describe(pair),
            'sections': sections}


def render_pair(context: dict[str, Any], *, inline_css: bool) -> str:
    return _env().get_template('pair.html').render(inline_css=_css() if inline_css else '', **context)


def _name(student: Student) -> str:
    return f'{student.name} ({student.user_id})' if student.user_id else student.name


def similarity_report(out: str | Path) -> str:
    """Refresh the stored pairs of a graded folder, write their side-by-side pages and return report.html's
    section. Never raises: a failure is said in the section (flags are advice, the export must go on)."""
    out = Path(out)
    try:
        import jinja2  # noqa: F401
    except ImportError:
        return ('<p class="warn">Similarity flags not computed: install the review extra '
                "(pip install 'a2-grader[review]').</p>")
    try:
        with Gradebook(out / FILENAME) as gb:
            pairs = sim.refresh(gb)
            notes = sim.stored_notes(gb)
            students = {s.key: s for s in load_students(gb)}
        folder = out / PAGES
        rows = []
        for n, pair in enumerate(pairs, start=1):
            a, b = students.get(pair.a), students.get(pair.b)
            if a is None or b is None:
                continue
            page = render_pair(pair_context(pair, a, b, _name), inline_css=True)
            folder.mkdir(exist_ok=True)
            from ..report.exports import write_atomic
            write_atomic(folder / f'pair-{n}.html', page)
            rows.append({'kind': pair.kind, 'a': _name(a), 'b': _name(b), 'score': pair.score,
                         'describe': describe(pair), 'href': f'{PAGES}/pair-{n}.html'})
        if folder.is_dir():
            for stale in folder.glob('pair-*.html'):     # pages of pairs no longer flagged
                if not re.fullmatch(r'pair-\d+\.html', stale.name) or int(stale.stem[5:]) > len(pairs):
                    stale.unlink()
        return _env().get_template('report_section.html').render(rows=rows, notes=notes)
    except Exception as exc:    # noqa: BLE001 — the grades must still be written
        return _env().get_template('report_section.html').render(
            rows=[], notes=[f'similarity not computed: {type(exc).__name__}: {exc}'], failed=True)

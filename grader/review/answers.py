"""Each student's answer to one item, as the desk shows it: the markdown rendered to HTML with every tag the student
typed escaped (markdown-it-py, raw HTML off), the tables and images their code cells under the prompt saved, and
the check's provisional points and why.

Answers are found with grader.pipeline.prompts (the handout's prompt sentences), on the notebook the batch graded.
Saved outputs are the student's: images are passed on only as PNG, JPEG or SVG bytes (shown with ``<img>``, where
an SVG's scripts never run), tables only as text; a student's HTML output is never put in the page.
"""
from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass
from pathlib import Path

from ..model import Item
from ..pipeline.prompts import PROMPTS, locate_answers
from ..pipeline.tables import join_text, table_rows

# The prompt each discussion check reads (grader.checks.discussion); a ``manual: true`` item names its prompt in
# ``params: {prompt: ...}`` or gets every answer of the notebook.
PROMPT_OF_CHECK = {'results_reported': 'best_result', 'discussion_present': 'best_result', 'plots_present': 'plots',
                   'observations_3': 'observations'}
IMAGE_TYPES = ('image/png', 'image/jpeg', 'image/svg+xml')
MAX_IMAGES = 12
MAX_TABLE_CHARS = 6000


@dataclass(frozen=True)
class Image:
    mime: str
    data: bytes


@dataclass(frozen=True)
class StudentAnswer:
    found: bool
    markdown: str
    html: str
    tables: tuple[str, ...]
    images: tuple[Image, ...]
    problem: str = ''       # why nothing can be shown (no notebook, unreadable notebook)


def prompt_ids(item: Item) -> tuple[str, ...]:
    named = item.params.get('prompt')
    if isinstance(named, str) and named in PROMPTS:
        return (named,)
    if item.check in PROMPT_OF_CHECK:
        return (PROMPT_OF_CHECK[item.check],)
    return tuple(PROMPTS)


def prompt_text(item: Item) -> str:
    return ' '.join(' '.join(PROMPTS[p]) for p in prompt_ids(item))


def render_markdown(text: str) -> str:
    """Markdown to HTML with raw HTML escaped (a student's ``<script>`` shows as text)."""
    from markdown_it import MarkdownIt
    return MarkdownIt('commonmark', {'html': False}).enable('table').render(text)


class NotebookAnswers:
    """Parsed notebooks' answers, cached by file identity: a desk reads each notebook once."""

    def __init__(self):
        self._cache: dict[tuple[str, int, int], tuple[list, dict] | str] = {}
        self._lock = threading.Lock()

    def _load(self, path: str | None) -> tuple[list, dict] | str:
        from ..pipeline.load import NotebookError, parse_notebook
        if not path:
            return 'no notebook in this submission'
        p = Path(path)
        try:
            stat = p.stat()
        except OSError:
            return f'the graded notebook {p.name} is no longer in the output folder: run grader grade again'
        ident = (str(p), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if ident in self._cache:
                return self._cache[ident]
        try:
            nb, _, _ = parse_notebook(p.read_bytes(), p.name)
            value: tuple[list, dict] | str = (nb['cells'], locate_answers(nb['cells']))
        except NotebookError as exc:
            value = exc.message
        with self._lock:
            self._cache[ident] = value
        return value

    def answer(self, notebook_path: str | None, item: Item) -> StudentAnswer:
        loaded = self._load(notebook_path)
        if isinstance(loaded, str):
            return StudentAnswer(False, '', '', (), (), problem=loaded)
        cells, answers = loaded
        found = [answers[p] for p in prompt_ids(item) if p in answers and answers[p].found]
        text = '\n\n'.join(a.text for a in found if a.text)
        indices = sorted({i for a in found for i in a.cell_indices})
        tables, images = _outputs([cells[i] for i in indices if cells[i].get('cell_type') == 'code'])
        return StudentAnswer(bool(found), text, render_markdown(text) if text else '', tables, images,
                             '' if found else 'the prompt was not found in this notebook')


def _outputs(cells: list) -> tuple[tuple[str, ...], tuple[Image, ...]]:
    tables: list[str] = []
    images: list[Image] = []
    for cell in cells:
        for output in cell.get('outputs') or ():
            data = output.get('data') if isinstance(output, dict) else None
            if not isinstance(data, dict):
                continue
            image = _image(data)
            if image is not None and len(images) < MAX_IMAGES:
                images.append(image)
            table = _table(data)
            if table:
                tables.append(table[:MAX_TABLE_CHARS])
    return tuple(tables), tuple(images)


def _image(data: dict) -> Image | None:
    for mime in IMAGE_TYPES:
        value = data.get(mime)
        if isinstance(value, list):
            value = ''.join(v for v in value if isinstance(v, str))
        if not isinstance(value, str) or not value.strip():
            continue
        if mime == 'image/svg+xml':
            return Image(mime, value.encode('utf-8'))
        try:
            return Image(mime, base64.b64decode(value, validate=False))
        except (binascii.Error, ValueError):
            continue
    return None


def _table(data: dict) -> str:
    """A DataFrame's text: its plain-text rendering, or the cells of its HTML table as text."""
    html = join_text(data.get('text/html'))
    plain = join_text(data.get('text/plain'))
    if '<table' not in html.lower():
        return ''
    # the cells as tab-separated text: nothing of the student's markup survives
    return plain or '\n'.join('\t'.join(row) for row in table_rows(html))



"""Evidence read from a notebook's cells besides its markdown: the RMSE values of results tables in saved outputs,
and the strings and comments of code cells.

RMSE values tell a reported RMSE from any other number (a learning rate 0.01 is not one). Saved outputs are the
student's, possibly stale: evidence for a TA, never proof. Tables are read from pandas' HTML rendering when it is
there, else from its text rendering, whose columns are right-aligned under their names.
"""
from __future__ import annotations

import io
import re
import tokenize
from html.parser import HTMLParser
from typing import Any

_NUMBER = re.compile(r'^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$')
_STUB = re.compile(r'^\W*(?:\.\.\.|…)?\s*your code here\W*$', re.IGNORECASE)
MIN_NOTE_WORDS = 4


def join_text(value: Any) -> str:
    """A notebook field as text: nbformat keeps a source or an output's text as a string or a list of strings."""
    if isinstance(value, list):
        return ''.join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ''


# ---------------------------------------------------------------- tables
class _Cells(HTMLParser):
    """Rows of <th>/<td> texts of every table in an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == 'tr':
            self.rows.append([])
        elif tag in ('td', 'th'):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ('td', 'th') and self._cell is not None and self.rows:
            self.rows[-1].append(' '.join(''.join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rmse_columns(header: list[str]) -> list[int]:
    return [i for i, name in enumerate(header) if 'rmse' in name.lower()]


def _numbers(values: list[str]) -> list[float]:
    return [float(v) for v in values if _NUMBER.match(v.strip())]


def table_rows(html: str) -> list[list[str]]:
    """The texts of the <th>/<td> cells of every table in an HTML fragment, row by row; [] for broken HTML."""
    parser = _Cells()
    try:
        parser.feed(html)
    except Exception:       # noqa: BLE001 - a student's broken HTML is no evidence, not an error
        return []
    return [r for r in parser.rows if r]


def _from_html(html: str) -> list[float]:
    rows = table_rows(html)
    header = next((r for r in rows if _rmse_columns(r)), None)
    if header is None:
        return []
    found = []
    for row in rows[rows.index(header) + 1:]:
        # A DataFrame's rows start with the index (a <th>), its header with an empty corner cell: both align.
        shift = len(row) - len(header)
        found += _numbers([row[i + shift] for i in _rmse_columns(header) if 0 <= i + shift < len(row)])
    return found


def _from_text(text: str) -> list[float]:
    lines = [line for line in text.splitlines() if line.strip()]
    for h, header in enumerate(lines[:5]):
        # Names are apart by two spaces or more (one may hold single spaces); values end where their name ends.
        edges = [(m.group(), m.end()) for m in re.finditer(r'\S+(?: \S+)*', header)]
        if not any('rmse' in name.lower() for name, _ in edges):
            continue
        found = []
        for line in lines[h + 1:]:
            previous = 0
            for name, end in edges:
                if 'rmse' in name.lower():
                    found += _numbers([line[previous:end]])
                previous = end
        return found
    return []


def rmse_values(outputs: Any) -> list[float]:
    """The values under columns named like 'RMSE ...' in the tables of saved outputs."""
    found: list[float] = []
    for output in outputs if isinstance(outputs, list) else []:
        data = output.get('data') if isinstance(output, dict) else None
        if not isinstance(data, dict):
            continue
        html, text = join_text(data.get('text/html')), join_text(data.get('text/plain'))
        values = _from_html(html) if '<table' in html.lower() else []
        found += values or (_from_text(text) if 'rmse' in text.lower() else [])
    return found


# ---------------------------------------------------------------- code cells
def code_notes(source: str) -> list[str]:
    """Comments and string literals of a code cell that read like prose (the handout's stubs left out)."""
    notes = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = []
    for token in tokens:
        if token.type == tokenize.COMMENT:
            text = token.string.lstrip('#').strip()
        elif token.type == tokenize.STRING:
            text = re.sub(r'^[rRbBuUfF]*("""|\'\'\'|"|\')|("""|\'\'\'|"|\')$', '', token.string).strip()
        else:
            continue
        if len(re.findall(r'[^\W\d_]+', text)) >= MIN_NOTE_WORDS and not _STUB.match(text):
            notes.append(text)
    return notes

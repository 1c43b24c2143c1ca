"""Pairs of submissions whose code or written answers are unusually similar: flags for a TA, never a score change.

Code: every code cell of the graded notebook, fingerprinted with copydetect (tokens, so renamed variables do not
hide a copy; winnowed k-grams, so reordered functions do not either), with the handout's starter notebook as
boilerplate. Text: the answers to the handout's prompts (grader.pipeline.prompts), as sets of word shingles
compared by Jaccard similarity, with the handout's own sentences removed.

What the whole class shares is not evidence of copying between two students (the lecture's code, a common
phrasing): as MOSS does with passages found in many programs, a fingerprint or shingle found in at least a third of
the submissions (and in at least ``COMMON_MIN`` of them) is ignored. Partners (named in the notebook's file name)
are never flagged against each other. Pairs are computed when the set of graded notebooks changes and stored in the
gradebook (table ``similarity_pairs``), where report.html and the review desk read them.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Iterable

from ..batch.gradebook import Gradebook
from ..pipeline.prompts import PROMPTS, locate_answers
from .store import Student, load_students

VERSION = 1                 # part of the stored signature: a new rule recomputes the pairs
K_TOKENS = 25               # copydetect's default noise threshold: shorter matches are ignored
CODE_FLAG = 0.5             # share of a notebook's own code (starter and common code removed) found in the other
CODE_MIN_OVERLAP = 200      # and at least this many (filtered) characters of it
SHINGLE_WORDS = 5
TEXT_FLAG = 0.3             # Jaccard similarity of an answer's shingles
TEXT_MIN_SHINGLES = 12      # answers shorter than this say too little to compare
COMMON_SHARE = 1 / 3
COMMON_MIN = 4

UNREADABLE = ('not-a-notebook', 'invalid-notebook', 'empty')

_WORD = re.compile(r'[^\W_]+')
_SCHEMA = """
CREATE TABLE IF NOT EXISTS similarity_pairs (
    kind TEXT NOT NULL, key_a TEXT NOT NULL, key_b TEXT NOT NULL, score REAL NOT NULL, detail TEXT NOT NULL,
    PRIMARY KEY (kind, key_a, key_b));
CREATE TABLE IF NOT EXISTS similarity_runs (signature TEXT NOT NULL, computed_at TEXT NOT NULL, note TEXT NOT NULL)
"""


@dataclass(frozen=True)
class Work:
    """What one submission contributes: its code and its answers' text."""
    key: str
    name: str
    user_id: str | None
    partners: tuple[tuple[str | None, str], ...]
    code: str
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Pair:
    kind: str               # 'code' or 'text'
    a: str                  # student keys, a < b
    b: str
    score: float            # code: the larger share copied; text: the largest Jaccard over the prompts
    detail: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- reading notebooks
def notebook_work(key: str, name: str, user_id: str | None, partners, path: str | None) -> Work | None:
    from ..pipeline.load import NotebookError, parse_notebook
    if not path or not Path(path).is_file():
        return None
    try:
        nb, _, _ = parse_notebook(Path(path).read_bytes(), Path(path).name)
    except NotebookError:
        return None
    answers = locate_answers(nb['cells'])
    return Work(key, name, user_id, tuple(partners), notebook_code(nb['cells']),
                {p: a.text for p, a in answers.items() if a.found and a.text})


def notebook_code(cells: list) -> str:
    return '\n\n'.join(c['source'] for c in cells if c.get('cell_type') == 'code' and c.get('source', '').strip())


def starter() -> tuple[str, str]:
    """The handout's code and all of its markdown: the boilerplate every student received."""
    from ..pipeline.load import parse_notebook
    from ..resources import assignment_file
    path = assignment_file('A2.ipynb')
    nb, _, _ = parse_notebook(path.read_bytes(), path.name)
    markdown = '\n\n'.join(c['source'] for c in nb['cells'] if c.get('cell_type') == 'markdown')
    return notebook_code(nb['cells']), markdown + '\n\n' + '\n\n'.join(' '.join(s) for s in PROMPTS.values())


# ---------------------------------------------------------------- partners
def _last_name(name: str) -> str:
    return re.sub(r'\W', '', name.split(',')[0].lower())


def partners(a: Work, b: Work) -> bool:
    for one, other in ((a, b), (b, a)):
        for uid, name in one.partners:
            if (uid and uid == other.user_id) or (not uid and name and _last_name(name) == _last_name(other.name)):
                return True
    return False


def _common(sets: list[set], n: int) -> set:
    counts = Counter(x for s in sets for x in s)
    need = max(COMMON_MIN, math.ceil(COMMON_SHARE * n - 1e-9))
    return {x for x, c in counts.items() if c >= need}


# ---------------------------------------------------------------- code
def code_pairs(works: list[Work], starter_code: str) -> list[Pair]:
    import matplotlib
    matplotlib.use('Agg')       # copydetect imports pyplot; the grader never opens a window
    from copydetect import CodeFingerprint, compare_files

    def fingerprint(code: str, boilerplate=None):
        return CodeFingerprint('notebook.py', K_TOKENS, 1, boilerplate=boilerplate, fp=io.StringIO(code))

    base = list(fingerprint(starter_code).hashes)
    prints = [fingerprint(w.code, base) for w in works]
    common = _common([f.hashes for f in prints], len(works))
    for f in prints:
        _drop(f, common)
    pairs = []
    for (i, a), (j, b) in combinations(enumerate(works), 2):
        shared = len(prints[i].hashes & prints[j].hashes)
        # fingerprints shared by fewer than half of the smaller set cannot make a pair reach CODE_FLAG: skip the
        # costlier comparison of positions
        if partners(a, b) or shared < CODE_FLAG / 2 * min(len(prints[i].hashes), len(prints[j].hashes)) or not shared:
            continue
        overlap, (sa, sb), (slices_a, slices_b) = compare_files(prints[i], prints[j])
        score = max(float(sa), float(sb))
        if score >= CODE_FLAG and overlap >= CODE_MIN_OVERLAP:
            pairs.append(_ordered(Pair('code', a.key, b.key, round(score, 3), {
                'share_a': round(float(sa), 3), 'share_b': round(float(sb), 3), 'overlap': int(overlap),
                'slices_a': _slices(slices_a), 'slices_b': _slices(slices_b)})))
    return pairs


def _drop(fingerprint, common: set) -> None:
    """Remove the class's common fingerprints, as copydetect removes boilerplate (without tokenizing again)."""
    from copydetect.utils import get_token_coverage
    if common:
        fingerprint.hashes = fingerprint.hashes - common
        fingerprint.hash_idx = {h: i for h, i in fingerprint.hash_idx.items() if h not in common}
        fingerprint.token_coverage = get_token_coverage(fingerprint.hash_idx, fingerprint.k,
                                                        len(fingerprint.filtered_code))


def _slices(slices) -> list[list[int]]:
    if len(slices) == 0 or len(slices[0]) == 0:
        return []
    return [[int(s), int(e)] for s, e in zip(slices[0], slices[1])]


# ---------------------------------------------------------------- text
def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {' '.join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def text_pairs(works: list[Work], handout_text: str) -> list[Pair]:
    handout = shingles(handout_text)
    by_prompt = {}
    for prompt in PROMPTS:
        sets = [shingles(w.answers.get(prompt, '')) - handout for w in works]
        common = _common(sets, len(works))
        by_prompt[prompt] = [s - common for s in sets]
    pairs = []
    for (i, a), (j, b) in combinations(enumerate(works), 2):
        if partners(a, b):
            continue
        scores = {}
        for prompt, sets in by_prompt.items():
            x, y = sets[i], sets[j]
            if min(len(x), len(y)) >= TEXT_MIN_SHINGLES:
                jaccard = len(x & y) / len(x | y)
                if jaccard >= TEXT_FLAG:
                    scores[prompt] = round(jaccard, 3)
        if scores:
            pairs.append(_ordered(Pair('text', a.key, b.key, max(scores.values()), {'prompts': scores})))
    return pairs


def _ordered(pair: Pair) -> Pair:
    if pair.a <= pair.b:
        return pair
    swap = {'share_a': 'share_b', 'share_b': 'share_a', 'slices_a': 'slices_b', 'slices_b': 'slices_a'}
    return Pair(pair.kind, pair.b, pair.a, pair.score, {swap.get(k, k): v for k, v in pair.detail.items()})


def find_pairs(works: list[Work]) -> tuple[list[Pair], list[str]]:
    """Every flagged pair, strongest first, and notes on what could not be compared."""
    code, text = starter()
    notes: list[str] = []
    try:
        pairs = code_pairs(works, code)
    except ImportError:
        pairs = []
        notes.append("code similarity not computed: install the review extra (pip install 'a2-grader[review]')")
    pairs += text_pairs(works, text)
    return sorted(pairs, key=lambda p: (-p.score, p.kind, p.a, p.b)), notes


# ---------------------------------------------------------------- stored with the gradebook
def _signature(students: Iterable[Student]) -> str:
    rows = sorted((s.key, s.notebook_path or '', s.result.get('sha256') or '', s.partners) for s in students)
    return hashlib.sha256(json.dumps([VERSION, rows]).encode()).hexdigest()


def works_of(students: Iterable[Student]) -> list[Work]:
    works = (notebook_work(s.key, s.name, s.user_id, s.partners, s.notebook_path) for s in students)
    return [w for w in works if w is not None]


def _ensure(gb: Gradebook) -> None:
    with gb.transaction():
        for statement in _SCHEMA.split(';'):
            gb.connection.execute(statement)


def load_pairs(gb: Gradebook) -> list[Pair]:
    _ensure(gb)
    rows = gb.connection.execute('SELECT * FROM similarity_pairs ORDER BY score DESC, kind, key_a, key_b')
    return [Pair(r['kind'], r['key_a'], r['key_b'], r['score'], json.loads(r['detail'])) for r in rows]


def stored_notes(gb: Gradebook) -> list[str]:
    _ensure(gb)
    row = gb.connection.execute('SELECT note FROM similarity_runs ORDER BY rowid DESC LIMIT 1').fetchone()
    return json.loads(row['note']) if row else []


def refresh(gb: Gradebook) -> list[Pair]:
    """The stored pairs, computed again only when the graded notebooks (or these rules) changed."""
    from datetime import datetime, timezone
    _ensure(gb)
    students = load_students(gb)
    signature = _signature(students)
    row = gb.connection.execute('SELECT signature FROM similarity_runs ORDER BY rowid DESC LIMIT 1').fetchone()
    if row is not None and row['signature'] == signature:
        return load_pairs(gb)
    pairs, notes = find_pairs(works_of(s for s in students if s.status not in UNREADABLE))
    with gb.transaction():
        gb.connection.execute('DELETE FROM similarity_pairs')
        gb.connection.executemany('INSERT INTO similarity_pairs VALUES (?, ?, ?, ?, ?)',
                                  [(p.kind, p.a, p.b, p.score, json.dumps(p.detail)) for p in pairs])
        gb.connection.execute('DELETE FROM similarity_runs')
        gb.connection.execute('INSERT INTO similarity_runs VALUES (?, ?, ?)',
                              (signature, datetime.now(timezone.utc).isoformat(timespec='seconds'), json.dumps(notes)))
    return pairs

"""Find each discussion prompt of the handout in a notebook and what the student wrote in answer.

Prompts are found by the handout's own sentences, not by cell position or headings: students insert, split,
merge and reorder cells, and notebooks built from the course's original handout and from ours keep the same
sentences. Matching ignores case, spacing and markdown formatting and tolerates small edits (a fuzzy ratio
of at least ``THRESHOLD`` over word windows of about the sentence's length). Only markdown cells are
searched, so a prompt pasted into a code comment is not mistaken for the prompt.

An answer is the markdown text between the end of the prompt's sentences and the start of the next prompt or the
next section heading (a line ``#`` to ``###``; deeper headings and headings such as "Discussion" or "Answer" are
the student's own labels and do not end it), wherever cell boundaries fall: text typed into the prompt's cell, into
the cells after it, or into the next prompt's cell above that prompt all counts, and the handout's "## Grading and
Check-in" or "## Extra Credit" ends it even inside one cell. Code cells in that span give evidence from their
saved outputs (images, tables and a capped excerpt of their text); their strings and comments are kept apart
(``code_text``), a note for the TA, not an answer. The plots are the images anywhere in the experiments section
(from its heading, or the first results prompt, to the end of the observations), so a cell of figures saved
above the plotting prompt counts. Saved outputs are whatever the student left in the notebook, so they are
evidence for a TA, never proof.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Iterable

from ..model import Answer
from .tables import code_notes, join_text as _join, rmse_values

# The first sentence locates the prompt; the others are handout sentences that usually follow it and are not
# part of the answer.
PROMPTS: dict[str, tuple[str, ...]] = {
    'best_result': (
        'Find the lowest value of `RMSE Val` in your table and report the `RMSE Test` and the parameter values'
        ' that produced this.',
        'This is your expected error in predicted miles per gallon.',
        'Discuss how good this prediction is.'),
    'plots': (
        'Plot the RMSE values for training, validation and test sets versus the combined parameter values of'
        ' number of epochs and network architecture.',
        'Make one plot for `tanh` as the activation function and a second one for `relu`.',
        'Your plots should look like this, but with different RMSE values, and will of course be different if'
        ' you choose different network architectures and numbers of epochs.'),
    'observations': (
        'Describe at least three different observations you make about these plots.',
        'What do you find interesting?'),
    'swish_discussion': (
        'Use your `run_experiment` function to compare results for all three activation functions.',
        'Discuss the results.'),
}
THRESHOLD = 0.8
OUTPUT_TEXT_LIMIT = 2000

_TOKEN = re.compile(r'[^\W_]+')
_IMAGES = re.compile(r'!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>', re.IGNORECASE)
_IMAGE_TYPES = ('image/png', 'image/jpeg', 'image/svg+xml')
_LIST_MARKER = re.compile(r'^\s*(?:[-*+]|\d+[.)])(?:\s+|$)')
_PLACEHOLDER = re.compile(
    r'(?:(?:type|write|enter|put|insert) )?(?:your )?(?:answer|observation|discussion|response|explanation|'
    r'comment|thought|text)s?(?: \d+)?(?: goes)? here(?: \d+)?'
    r'|todo|tbd|answers?|discussion|observations?|your answer|results?|response')
_ANSWER_HEADING = re.compile(r'\b(answers?|discussion|observations?|responses?|my results?)\b', re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower-case words only: markdown images, link targets, HTML tags and punctuation removed."""
    text = _IMAGES.sub(' ', text)
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = re.sub(r'<[^>]+>', ' ', text)
    return ' '.join(_TOKEN.findall(text.lower()))


# ---------------------------------------------------------------- fuzzy location
@dataclass(frozen=True, order=True)
class _Hit:
    start: int      # character offsets in the cell's source
    end: int
    score: float


def find_sentence(text: str, sentence: str, *, at_start: bool = False) -> _Hit | None:
    """The first window of ``text`` matching ``sentence`` (fuzzy), or None; ``at_start``: only at its start."""
    target = normalise(sentence)
    words = target.split()
    tokens = list(_TOKEN.finditer(text))
    if not words or not tokens:
        return None
    lowered = [t.group().lower() for t in tokens]
    pairs = _pair_counts(words, lowered)
    word_matcher = SequenceMatcher(None, autojunk=False)
    word_matcher.set_seq2(words)    # the sentence is analysed once, windows are compared against it
    n, group = len(words), []
    for i in range(1 if at_start else len(tokens)):
        if group and i > group[0][1] + n:   # past the first group of overlapping windows: judge it
            hit = _judge(group, text, tokens, target)
            if hit:
                return hit
            group = []
        # Only where enough of the sentence's word pairs occur in order: most text is skipped here.
        if n > 1 and pairs[min(i + n, len(tokens))] - pairs[min(i + 1, len(tokens))] < 0.4 * (n - 1):
            continue
        for j in range(i + max(1, n - 3), min(i + n + 3, len(tokens)) + 1):
            word_matcher.set_seq1(lowered[i:j])
            group.append((word_matcher.ratio(), i, j))
    return _judge(group, text, tokens, target) if group else None


def _judge(group: list[tuple[float, int, int]], text: str, tokens: list, target: str) -> _Hit | None:
    """The window whose words align best, if its characters (which forgive typos) match well enough.

    Words pick the window cheaply and exactly (an extra word lowers the score); the character ratio, costly,
    decides for the few best windows only.
    """
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(target)
    for _, i, j in sorted(group, key=lambda g: (-g[0], g[1], g[2]))[:3]:
        matcher.set_seq1(normalise(text[tokens[i].start():tokens[j - 1].end()]))
        if matcher.real_quick_ratio() >= THRESHOLD and matcher.quick_ratio() >= THRESHOLD:
            score = matcher.ratio()
            if score >= THRESHOLD:
                return _Hit(tokens[i].start(), _sentence_end(text, tokens[j - 1].end()), score)
    return None


def _pair_counts(words: list[str], tokens: list[str]) -> list[int]:
    """``counts[k]``: how many of ``tokens[:k]`` form, with the token before them, a word pair of the sentence."""
    pairs = set(zip(words, words[1:]))
    counts, previous = [0], None
    for token in tokens:
        counts.append(counts[-1] + ((previous, token) in pairs))
        previous = token
    return counts


def _sentence_end(text: str, end: int) -> int:
    """Past the punctuation and closing markdown that finish the sentence (``this.**``, ``relu`.``)."""
    match = re.compile(r'[^\w\s]*').match(text, end)
    return match.end() if match else end


# ---------------------------------------------------------------- spans
@dataclass(frozen=True, order=True)
class _Occurrence:
    cell: int
    start: int
    end: int
    prompt_id: str


@dataclass
class _Evidence:
    has_image: bool = False
    n_images: int = 0
    has_table: bool = False
    texts: list[str] = field(default_factory=list)
    size: int = 0

    def add_text(self, text: str) -> None:
        room = OUTPUT_TEXT_LIMIT - self.size
        if room > 0 and text:
            piece = text[:room]
            self.texts.append(piece)
            self.size += len(piece)

    def add_outputs(self, outputs: Any) -> None:
        for output in outputs if isinstance(outputs, list) else []:
            if isinstance(output, dict):
                self._add_output(output)

    def _add_output(self, output: dict) -> None:
        kind = output.get('output_type')
        if kind == 'stream':
            self.add_text(_join(output.get('text')))
        elif kind == 'error':
            self.add_text(f"{output.get('ename', '')}: {output.get('evalue', '')}\n")
        elif kind in ('execute_result', 'display_data') and isinstance(output.get('data'), dict):
            data = output['data']
            self.has_image |= any(t in data for t in _IMAGE_TYPES)
            self.n_images += any(t in data for t in _IMAGE_TYPES)
            self.has_table |= '<table' in _join(data.get('text/html')).lower()
            plain = _join(data.get('text/plain'))
            self.has_table |= _looks_like_dataframe(plain)
            self.add_text(plain + '\n' if plain else '')


@dataclass
class _Span:
    text: str
    cells: list[int]
    evidence: _Evidence
    notes: list[str] = field(default_factory=list)     # strings and comments of the span's code cells
    last_cell: int = 0


_HEADING_LINE = re.compile(r'^ {0,3}(#{1,3})\s+(.*)$', re.MULTILINE)
_EXPERIMENTS_HEADING = re.compile(r'^ {0,3}#{1,3}\s+.*\bexperiments?\b', re.IGNORECASE | re.MULTILINE)


def locate_answers(cells: list) -> dict[str, Answer]:
    """Each prompt's answer, keyed by prompt id; ``cells`` are nbformat v4 cells (NotebookNode or dicts)."""
    occurrences = sorted(_occurrences(cells))
    rmses = tuple(v for cell in cells if cell.get('cell_type') == 'code' for v in rmse_values(cell.get('outputs')))
    answers = {}
    spans_by_prompt = {}
    for prompt_id, sentences in PROMPTS.items():
        spans_by_prompt[prompt_id] = [_span(o, occurrences, cells, sentences[1:]) for o in occurrences
                                      if o.prompt_id == prompt_id]
    for prompt_id, spans in spans_by_prompt.items():
        images = _section_images(cells, occurrences, spans_by_prompt) if prompt_id == 'plots' and spans else None
        answers[prompt_id] = _answer(prompt_id, spans, rmses, images)
    return answers


def _occurrences(cells: list) -> Iterable[_Occurrence]:
    for index, cell in enumerate(cells):
        if cell.get('cell_type') != 'markdown':
            continue
        source = _join(cell.get('source'))
        for prompt_id, sentences in PROMPTS.items():
            hit = find_sentence(source, sentences[0])
            if hit:
                yield _Occurrence(index, hit.start, hit.end, prompt_id)


def _section_end(text: str, start: int = 0) -> int | None:
    """Where the first heading that ends a section starts in ``text`` at or after ``start``, or None."""
    for heading in _HEADING_LINE.finditer(text, start):
        if not _ANSWER_HEADING.search(heading.group(2)):
            return heading.start()
    return None


def _span(occurrence: _Occurrence, occurrences: list[_Occurrence], cells: list, extras: tuple[str, ...]) -> _Span:
    """The text from the end of the prompt to the next prompt or section heading, across cells."""
    span = _Span('', [occurrence.cell], _Evidence(), last_cell=occurrence.cell)
    source = _join(cells[occurrence.cell].get('source'))
    pieces, ended = [], False
    stop = _stop_in(source, occurrence.end, occurrences, occurrence.cell)
    pieces.append(source[occurrence.end:stop if stop is not None else len(source)])
    ended = stop is not None
    for index in range(occurrence.cell + 1, len(cells)):
        if ended:
            break
        cell = cells[index]
        kind = cell.get('cell_type')
        if kind == 'markdown':
            text = _join(cell.get('source'))
            stop = _stop_in(text, 0, occurrences, index)
            piece = text[:stop] if stop is not None else text
            ended = stop is not None
            if piece.strip() or not ended:
                pieces.append(piece)
                span.cells.append(index)
        elif kind == 'code':
            span.evidence.add_outputs(cell.get('outputs'))
            span.notes.extend(code_notes(_join(cell.get('source'))))
            span.cells.append(index)
        else:
            continue
        span.last_cell = index
    span.text = _clean('\n\n'.join(p for p in pieces if p.strip()), extras)
    return span


def _stop_in(text: str, start: int, occurrences: list[_Occurrence], cell: int) -> int | None:
    """Where the answer stops in this markdown cell: the next prompt or section heading after ``start``."""
    stops = [o.start for o in occurrences if o.cell == cell and o.start >= start]
    heading = _section_end(text, start)
    if heading is not None:
        stops.append(heading)
    return min(stops) if stops else None


def _section_images(cells: list, occurrences: list[_Occurrence], spans: dict[str, list[_Span]]) -> int:
    """Images saved in the code cells of the experiments section: from its heading (or the first results prompt)
    to the end of the observations' answer (or of the plots' answer)."""
    firsts = [o.cell for o in occurrences if o.prompt_id in ('best_result', 'plots')]
    start = min(firsts)
    for index in range(start, -1, -1):
        cell = cells[index]
        if cell.get('cell_type') == 'markdown' and _EXPERIMENTS_HEADING.search(_join(cell.get('source'))):
            start = index
            break
    ends = [s.last_cell for s in spans.get('observations', []) + spans.get('plots', [])]
    end = max(ends + [start])
    return sum(_count_images(cells[i].get('outputs')) for i in range(start, end + 1)
               if cells[i].get('cell_type') == 'code')


def _count_images(outputs) -> int:
    evidence = _Evidence()
    evidence.add_outputs(outputs)
    return evidence.n_images


def _answer(prompt_id: str, spans: list[_Span], rmses: tuple[float, ...], section_images: int | None) -> Answer:
    if not spans:
        return Answer(prompt_id=prompt_id, found=False)
    # A prompt copied into an answer cell occurs twice: keep what follows each occurrence.
    text = '\n\n'.join(s.text for s in spans if s.text)
    evidence = _Evidence()
    for span in spans:
        evidence.has_image |= span.evidence.has_image
        evidence.n_images += span.evidence.n_images
        evidence.has_table |= span.evidence.has_table
        evidence.add_text(''.join(span.evidence.texts))
    n_images = max(evidence.n_images, section_images or 0)
    return Answer(prompt_id=prompt_id, found=True, text=text,
                  cell_indices=tuple(sorted({i for s in spans for i in s.cells})),
                  has_image=n_images > 0, n_images=n_images, has_table=evidence.has_table,
                  output_text=''.join(evidence.texts).lstrip('\n').rstrip(),
                  code_text='\n'.join(dict.fromkeys(n for s in spans for n in s.notes)), table_rmses=rmses)


# ---------------------------------------------------------------- cleaning
def _clean(text: str, extras: tuple[str, ...]) -> str:
    """The student's own words: handout sentences that follow the prompt, example images and placeholders
    such as "*Your answer here.*" or an empty "1. ..." list are removed."""
    text = _strip_leading(_IMAGES.sub('', text), extras)
    lines = [line.rstrip() for line in text.splitlines() if not _is_placeholder(line)]
    return re.sub(r'\n{3,}', '\n\n', '\n'.join(lines)).strip()


def _strip_leading(text: str, extras: tuple[str, ...]) -> str:
    # Only at the start: a short sentence like "Discuss the results." may be echoed inside a real answer.
    while True:
        hits = [h for h in (find_sentence(text, s, at_start=True) for s in extras) if h]
        if not hits:
            return text
        text = text[max(h.end for h in hits):]


def _is_placeholder(line: str) -> bool:
    rest = _LIST_MARKER.sub('', line, count=1)
    words = normalise(rest)
    if not words:   # an empty "3." or "- ...", but not a table rule, a code fence or a blank line
        return bool(line.strip()) and bool(re.fullmatch(r'[\s.…*_]*', rest))
    return bool(_PLACEHOLDER.fullmatch(words))


def _looks_like_dataframe(text: str) -> bool:
    """pandas' text rendering: a header of column names, then rows that start with an index label."""
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    if len(lines) < 2 or len(lines[0].split()) < 2 or re.match(r'\s*[\[(]', lines[0]):
        return False
    rows = [line for line in lines[1:] if re.match(r'\s*\S+\s+\S+\s+\S+', line) and not line.lstrip()[0] in '[(']
    return len(rows) >= max(1, (len(lines) - 1) // 2)

"""Discussion evidence: provisional points for the written parts, from the answers grader.pipeline.prompts found.

These checks look for evidence, not quality: a TA reads the answers and may override any of these points (the
rubric marks these items ``manual``; until a TA scores one, its points are provisional and feedback says so).
Saved outputs (tables, figures, printed text) are whatever the student left in the notebook, so they may be stale;
for the written parts they are still the evidence we have. Text found only in a code cell's strings or comments is
not an answer: the fault says so and the TA reads it (``details['code_text']``).

Counting rules (documented here because students and TAs will ask):
- words (discussion_present): runs of letters, with inner ' or - (``don't``, ``tanh-based``) counting once; inline
  code counts (`tanh` is a word of the sentence); numbers, markdown syntax, link targets, HTML tags, fenced code
  blocks and markdown table rows do not (a pasted table is not discussion).
- RMSE values (results_reported): decimal numbers (``2.16``, ``.92``) in the text (a markdown table included) or in
  the saved output, that are plausible RMSEs of the notebook's results table (within half to one and a half times
  its smallest and largest RMSE values; without a saved table, between 0.2 and 60 mpg): integers, a learning rate
  0.01 or a beta 0.9 are not reported RMSEs.
- observations (observations_3): the items of a markdown list (``1.``, ``2)``, ``**3.**``, ``-``, ``*``, ``+``, at
  most three spaces of indentation; indented lines, nested lists included, continue an item), or, when there is no
  list, the sentences. An item
  counts when it has at least 4 words (numbers count here: "RMSE drops below 3" is an observation) and is not a
  near-copy (difflib ratio above 0.9) of one already counted.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..model import Answer, CheckResult, Fault, Item, status_for
from ..pipeline.prompts import PROMPTS
from .base import AnswerCheck
from .params import count

MIN_ITEM_WORDS = 4
DUPLICATE_RATIO = 0.9
RMSE_RANGE = (0.2, 60.0)        # mpg, when the notebook saved no results table to compare with
IN_CODE = ('your answer seems to be written in a code cell (a string or comments): your TA will read it, but '
           'answers belong in a markdown cell under the prompt')

MISSING_PROMPT = 'the handout\'s prompt was not found, so the answer could not be located'
FAULTS = {
    'results_reported': {'missing_prompt': MISSING_PROMPT, 'no_result': 'no result reported',
                         'one_value': 'only one RMSE value reported',
                         'answer_in_code': 'answer written in a code cell'},
    'discussion_present': {'missing_prompt': MISSING_PROMPT, 'no_discussion': 'no discussion',
                           'too_short': 'the discussion is shorter than asked',
                           'answer_in_code': 'answer written in a code cell'},
    'plots_present': {'missing_prompt': MISSING_PROMPT, 'no_plot': 'no plot saved in the notebook',
                      'too_few': 'fewer plots than asked'},
    'observations_3': {'missing_prompt': MISSING_PROMPT, 'no_observations': 'no observation',
                       'missing_observation': 'an observation is missing (charged per missing observation)',
                       'answer_in_code': 'answer written in a code cell'},
}

_FENCE = re.compile(r'^\s*(```|~~~).*?^\s*\1[^\n]*$', re.MULTILINE | re.DOTALL)
_TABLE_ROW = re.compile(r'^\s*\|.*\|\s*$|^.*\|.*\|.*$', re.MULTILINE)
_LINK_TARGET = re.compile(r'\]\([^)]*\)|https?://\S+')
_TAG = re.compile(r'<[^>]+>')
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_TOKEN = re.compile(r'[^\W_]+')
_DECIMAL = re.compile(r'(?<![\w.])\d*\.\d+(?![\w.]*\d)')
_ITEM = re.compile(r'^ {0,3}(?:\*\*|__)?(?:[-*+]|\d+[.)])(?:\*\*|__)?\s+(.*)$')
_ABBREVIATIONS = re.compile(r'\b(e\.g|i\.e|etc|vs|cf|approx|fig)\.', re.IGNORECASE)
_SENTENCE_END = re.compile(r'(?<=[.!?])\s+(?=\S)')


# ---------------------------------------------------------------- text measures
def prose(text: str) -> str:
    """The answer without code blocks, table rows, link targets and HTML tags."""
    text = _FENCE.sub(' ', text)
    text = _TABLE_ROW.sub(' ', text)
    return _TAG.sub(' ', _LINK_TARGET.sub(']', text))


def count_words(text: str) -> int:
    return len(_WORD.findall(prose(text)))


def decimals(text: str) -> list[str]:
    return _DECIMAL.findall(text)


def plausible_rmses(numbers: list[str], table: tuple[float, ...]) -> list[str]:
    """The numbers that could be RMSEs of the notebook's results table (README: not a learning rate 0.01)."""
    if table:
        low, high = 0.5 * min(table), 1.5 * max(table)
    else:
        low, high = RMSE_RANGE
    return [n for n in numbers if low <= float(n) <= high]


def observations(text: str) -> list[str]:
    """The answer's list items, or its sentences when it has no list."""
    lines = prose(text).splitlines()
    items: list[str] = []
    in_item = False
    for line in lines:
        match = _ITEM.match(line)
        if match:
            items.append(match.group(1))
            in_item = True
        elif not line.strip():
            continue    # a blank line inside an item does not end it; an unindented paragraph does
        elif in_item and line.startswith((' ', '\t')):
            items[-1] += ' ' + line.strip()
        else:
            in_item = False
    if items:
        return items
    flat = _ABBREVIATIONS.sub(lambda m: m.group(1), ' '.join(line.strip() for line in lines))
    return [s for s in _SENTENCE_END.split(flat) if s.strip()]


def distinct_observations(text: str) -> tuple[int, int, int]:
    """(counted, too short, near-copies)."""
    kept: list[str] = []
    short = copies = 0
    for item in observations(text):
        tokens = _TOKEN.findall(item.lower())
        if len(tokens) < MIN_ITEM_WORDS:
            short += 1
            continue
        normal = ' '.join(tokens)
        if any(SequenceMatcher(None, normal, k, autojunk=False).ratio() > DUPLICATE_RATIO for k in kept):
            copies += 1
            continue
        kept.append(normal)
    return len(kept), short, copies


# ---------------------------------------------------------------- results
def _result(item: Item, fraction: float, message: str, fault: str = '', count: int = 1, **details) -> CheckResult:
    fraction = max(0.0, min(1.0, round(float(fraction), 4)))
    message = message if message.endswith('.') else message + '.'
    if not fault:
        return CheckResult(item.id, 'pass', 1.0, item.pass_message or message, details=details)
    # a fault found always costs something: never 'pass' however many points the check's estimate keeps
    return CheckResult(item.id, status_for(min(fraction, 0.9999)), fraction, message, details=details,
                       faults=(Fault(f'{item.id}.{fault}', message, count),))


def _missing(item: Item, prompt_id: str) -> CheckResult:
    prompt = PROMPTS[prompt_id][0].replace('`', '')
    message = (f"could not find the prompt '{prompt}' in your notebook: keep the handout's sentences so your answer "
               'can be found')
    return _result(item, 0.0, message, 'missing_prompt', found=False)


def _answer(answers: dict[str, Answer], prompt_id: str) -> Answer | None:
    answer = answers.get(prompt_id)
    return answer if answer is not None and answer.found else None


def _in_code(item: Item, answer: Answer, min_words: int) -> CheckResult | None:
    """A fault for an answer written only in a code cell, or None."""
    if count_words(answer.code_text) >= min_words:
        return _result(item, 0.0, IN_CODE, 'answer_in_code', code_text=answer.code_text)
    return None


# ---------------------------------------------------------------- checks
def results_reported(item: Item, answers: dict[str, Answer]) -> CheckResult:
    answer = _answer(answers, 'best_result')
    if answer is None:
        return _missing(item, 'best_result')
    # A markdown table of the best row is a report too: only link targets and tags are left out here.
    in_text = plausible_rmses(decimals(_TAG.sub(' ', _LINK_TARGET.sub(']', answer.text))), answer.table_rmses)
    in_output = plausible_rmses(decimals(answer.output_text), answer.table_rmses)
    evidence = dict(has_table=answer.has_table, rmses_in_text=len(in_text), rmses_in_output=len(in_output))
    if answer.has_table or len(in_text) >= 2 or len(in_output) >= 2:
        return _result(item, 1.0, 'You report the best validation row.', **evidence)
    if in_text or in_output:
        return _result(item, 0.5, 'only one RMSE value was found under the prompt "Find the lowest value of RMSE '
                                  'Val": report the lowest RMSE Val, its RMSE Test and the epochs, architecture and '
                                  'activation function that produced them', 'one_value', **evidence)
    return _in_code(item, answer, 4) or _result(
        item, 0.0, 'no result found under the prompt "Find the lowest value of RMSE Val": show the best row of '
                   'your table, or write its RMSE Val, RMSE Test and parameter values', 'no_result', **evidence)


def discussion_present(item: Item, answers: dict[str, Answer]) -> CheckResult:
    answer = _answer(answers, 'best_result')
    if answer is None:
        return _missing(item, 'best_result')
    need = int(item.params.get('min_words', 30))
    words = count_words(answer.text)
    if words >= need:
        return _result(item, 1.0, 'You discuss how good the prediction is.', words=words)
    if words == 0:
        return _in_code(item, answer, need) or _result(
            item, 0.0, f'no discussion found under the prompt "Discuss how good this prediction is": write at '
                       f'least {need} words', 'no_discussion', words=words)
    return _result(item, words / need, f'your discussion of how good the prediction is has {words} words (numbers '
                                       f'and tables not counted); write at least {need}: for example, compare its '
                                       f'RMSE Test with the range of mpg values', 'too_short', words=words)


def plots_present(item: Item, answers: dict[str, Answer]) -> CheckResult:
    answer = _answer(answers, 'plots')
    if answer is None:
        return _missing(item, 'plots')
    need = int(item.params.get('min_images', 1))
    # Answers built without a count (n_images 0) still tell whether there is an image at all.
    images = answer.n_images or int(answer.has_image)
    if images >= need:
        return _result(item, 1.0, 'Your notebook shows the RMSE plots.', images=images)
    if images == 0:
        return _result(item, 0.0, 'no plot found in the experiments section: run the plotting cells and save the '
                                  'notebook with their output', 'no_plot', images=images)
    return _result(item, images / need, f'{images} of the {need} plots expected were found: plot RMSE Train, RMSE '
                                        f'Val and RMSE Test for tanh and for relu, and save the notebook with every '
                                        f'plot shown', 'too_few', images=images)


def observations_3(item: Item, answers: dict[str, Answer]) -> CheckResult:
    answer = _answer(answers, 'observations')
    if answer is None:
        return _missing(item, 'observations')
    need = int(item.params.get('min_observations', 3))
    found, short, copies = distinct_observations(answer.text)
    details = dict(observations=found, too_short=short, near_copies=copies)
    if found >= need:
        return _result(item, 1.0, f'You describe at least {need} observations about the plots.', **details)
    why = []
    if short:
        why.append(f'{short} too short (fewer than {MIN_ITEM_WORDS} words)')
    if copies:
        why.append(f'{copies} repeating another')
    why_text = f' ({", ".join(why)} not counted)' if why else ''
    if found == 0:
        return _in_code(item, answer, 3 * MIN_ITEM_WORDS) or _result(
            item, 0.0, f'no observation found{why_text}: write at least {need} distinct observations about the '
                       f'plots as a numbered list (1. 2. 3.)', 'no_observations', **details)
    return _result(item, found / need, f'{found} of the {need} distinct observations asked for were found'
                                       f'{why_text}: add {need - found} more, each a sentence about what the '
                                       f'plots show, as items of a numbered list (1. 2. 3.)', 'missing_observation',
                   count=need - found, **details)


PARAMS = {'results_reported': {}, 'discussion_present': {'min_words': count(30, 'words the discussion needs')},
          'plots_present': {'min_images': count(1, 'images the plotting section needs')},
          'observations_3': {'min_observations': count(3, 'distinct observations needed')}}
CHECKS = {name: AnswerCheck(fn, FAULTS[name], PARAMS[name]) for name, fn in (
    ('results_reported', results_reported), ('discussion_present', discussion_present),
    ('plots_present', plots_present), ('observations_3', observations_3))}

"""Plain typed values passed between the pipeline's steps. No step imports another step's internals."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CheckStatus = Literal['pass', 'fail', 'partial', 'error', 'skipped']
Visibility = Literal['public', 'hidden']
# Submission statuses of the results schema (README): a result always carries one, never a silent 0.
SubmissionStatus = Literal['graded', 'error', 'timeout', 'not-a-notebook', 'invalid-notebook', 'empty', 'no-code']


# ---------------------------------------------------------------- rubric
@dataclass(frozen=True)
class Category:
    id: str                 # 'code', 'discussion', 'extra_credit'
    title: str
    points: float
    extra: bool = False     # extra credit: added on top, not part of the assignment's points possible


@dataclass(frozen=True)
class Deduction:
    """One named fault and what it costs, as the course grades: "count it off X points for not doing Y"."""
    id: str                 # '<item>.<fault>', e.g. 'adam.no_bias_correction': checks report it, a contract
    points: float           # taken from the item's points; an item never goes below 0
    message: str = ''       # what the student reads next to "−X"


@dataclass(frozen=True)
class Item:
    id: str                 # the check id: a contract other tools read
    title: str
    category: str
    points: float
    check: str              # name of the check function that grades it
    visibility: Visibility = 'public'
    params: dict[str, Any] = field(default_factory=dict)
    pass_message: str = ''
    fail_message: str = ''
    advisory: bool = False  # reported, never scored
    deductions: tuple[Deduction, ...] = ()   # the faults a TA or a check can charge on this item
    manual: bool = False    # graded by a TA (the review desk lists it); a check may still give provisional points
    default_deduction: float | None = None  # what a fault the rubric does not list costs; None: the rubric's


@dataclass(frozen=True)
class LatePolicy:
    enabled: bool = True
    points_per_day: float = 10.0
    grace_minutes: float = 0.0
    floor: float = 0.0


@dataclass(frozen=True)
class Rubric:
    title: str
    canvas_assignment_id: str | None
    due: str | None                          # ISO 8601 with offset
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    late_policy: LatePolicy
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # graded name -> accepted names
    notebook_pattern: str = '*A2*.ipynb'
    source: str | None = None                # file it was read from
    # Set only in a student kit's rubric, whose hidden items are stripped: points of those items per category,
    # so each category still adds up (items + withheld = category points) and the kit says what is not shown.
    withheld_points: dict[str, float] = field(default_factory=dict)
    point_step: float = 0.5                  # item points are multiples of this (0: not rounded)
    default_deduction: float | None = None   # an unlisted fault's cost; None: the item's full points

    def deduction_for(self, item: Item, fault_id: str) -> Deduction:
        """The rubric's deduction for a fault found on ``item``: listed, else the item's or rubric's default."""
        for d in item.deductions:
            if d.id == fault_id:
                return d
        default = item.default_deduction if item.default_deduction is not None else self.default_deduction
        return Deduction(fault_id, float(item.points if default is None else default))

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def points_possible(self) -> float:
        return sum(c.points for c in self.categories if not c.extra)


# ---------------------------------------------------------------- load
@dataclass(frozen=True)
class CodeChunk:
    """Top-level source selected from one cell: imports, defs, classes and the assignments they need."""
    cell_index: int
    source: str
    defines: tuple[str, ...] = ()
    line: int = 1           # the chunk's first line in its cell, so tracebacks quote the student's line numbers


@dataclass(frozen=True)
class CellProblem:
    cell_index: int
    message: str            # e.g. a syntax error, with its line


@dataclass(frozen=True)
class Answer:
    """A student's answer to one discussion prompt of the handout."""
    prompt_id: str          # 'best_result', 'plots', 'observations', 'swish_discussion'
    found: bool
    text: str = ''          # markdown written by the student (prompt sentence removed)
    cell_indices: tuple[int, ...] = ()
    has_image: bool = False     # an image output among the section's code cells
    has_table: bool = False     # an HTML table / DataFrame output among the section's code cells
    output_text: str = ''       # plain-text outputs of the section's code cells (saved outputs: evidence only)
    n_images: int = 0           # how many image outputs among them (0 also when not counted)
    code_text: str = ''         # strings and comments of the section's code cells: a note for the TA, not an answer
    table_rmses: tuple[float, ...] = ()     # RMSE values of the results tables saved in the notebook's outputs


@dataclass(frozen=True)
class LoadedNotebook:
    path: str
    sha256: str
    nbformat_version: str       # as read, before upgrading
    n_cells: int
    chunks: tuple[CodeChunk, ...]
    problems: tuple[CellProblem, ...]
    answers: dict[str, Answer]
    notes: tuple[str, ...] = ()     # tolerated defects (schema errors, unreadable cells dropped): for the report
    code_cells: tuple[tuple[int, str], ...] = ()     # every code cell as written, for the suspicious-code scan


# ---------------------------------------------------------------- check
@dataclass(frozen=True)
class Fault:
    """A fault a check diagnosed: the rubric decides what it costs (a check's job is diagnosis, the rubric's policy)."""
    id: str                 # '<item>.<fault>', one of the item's check's catalogue (README): a contract
    message: str = ''       # what this student's code does and how to fix it; never a hidden input
    count: int = 1          # how many times the deduction applies (e.g. observations missing)


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict, before points: the faults found, with a message a student can act on.

    ``fraction`` is the check's own estimate, used for points only when no fault is reported (results stored
    before faults existed, a check that could not run)."""
    id: str
    status: CheckStatus
    fraction: float
    message: str
    hidden_failed: bool = False     # some hidden case failed (its inputs are never shown)
    details: dict[str, Any] = field(default_factory=dict)   # for the TA's report; never shown for hidden cases
    faults: tuple[Fault, ...] = ()
    stand_ins: tuple[str, ...] = ()     # functions a correct copy replaced to judge this item (one fault, one charge)


# ---------------------------------------------------------------- score
@dataclass(frozen=True)
class ItemScore:
    id: str
    title: str
    category: str
    visibility: Visibility
    status: CheckStatus
    points: float
    max_points: float
    message: str
    manual: bool = False            # points set by a TA override
    deductions: tuple[Deduction, ...] = ()  # what was charged: points and the rubric's message for each fault
    fix: str = ''                   # how to fix it: the checks' specific messages (also in ``message``)
    stand_ins: tuple[str, ...] = ()     # judged with a correct copy of these functions in place of the student's
    provisional: bool = False       # a TA grades this item and has not yet


@dataclass(frozen=True)
class Totals:
    code: float
    discussion: float
    extra_credit: float
    raw: float
    late_penalty: float
    final: float


@dataclass(frozen=True)
class ManualScore:
    item_id: str
    points: float
    comment: str = ''
    deductions: tuple[str, ...] = ()     # ids of the rubric deductions the TA applied (points follow from them)


@dataclass(frozen=True)
class Lateness:
    seconds_late: float | None      # None: unknown
    uncertain: bool = False         # only Canvas's LATE marker was seen
    extension_days: float = 0.0


@dataclass
class SubmissionResult:
    """One notebook's result; ``to_dict`` is the results schema documented in the README."""
    notebook: str
    status: SubmissionStatus
    message: str
    mode: Literal['self-check', 'grade']
    seed: int | None = None
    sha256: str | None = None
    isolated: bool = False
    items: list[ItemScore] = field(default_factory=list)
    totals: Totals | None = None
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed_seconds: float | None = None
    # The checks' verdicts before points and manual scores, so a rescore needs no kernel. No hidden inputs.
    raw_checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            'schema_version': 1,
            'notebook': self.notebook,
            'sha256': self.sha256,
            'status': self.status,
            'message': self.message,
            'mode': self.mode,
            'seed': self.seed,
            'isolated': self.isolated,
            'checks': {it.id: {'status': it.status, 'points': it.points, 'max_points': it.max_points,
                               'message': it.message, 'title': it.title, 'category': it.category,
                               'visibility': it.visibility, 'manual': it.manual,
                               'deductions': [{'id': d.id, 'points': d.points, 'message': d.message}
                                              for d in it.deductions],
                               'fix': it.fix, 'judged_with': list(it.stand_ins), 'provisional': it.provisional}
                       for it in self.items},
            'totals': None if self.totals is None else vars(self.totals).copy(),
            'flags': list(self.flags),
            'notes': list(self.notes),
            'elapsed_seconds': self.elapsed_seconds,
            'raw_checks': {k: dict(v) for k, v in self.raw_checks.items()},
        }

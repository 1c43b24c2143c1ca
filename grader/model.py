"""Plain typed values passed between the pipeline's steps. No step imports another step's internals."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CheckStatus = Literal['pass', 'fail', 'partial', 'error', 'skipped']
Visibility = Literal['public', 'hidden']
# Submission statuses of the results schema (README): a result always carries one, never a silent 0.
SubmissionStatus = Literal['graded', 'error', 'timeout', 'not-a-notebook', 'invalid-notebook', 'empty', 'no-code']


def status_for(fraction: float) -> CheckStatus:
    """'pass' with every point, 'fail' with none, 'partial' between: one rule for checks' verdicts and TA scores."""
    return 'pass' if fraction >= 1 else 'fail' if fraction <= 0 else 'partial'


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

    def to_raw(self) -> dict[str, Any]:
        """The verdict as ``SubmissionResult.raw_checks`` stores it, all a rescore needs (no details: they may
        hold hidden inputs)."""
        return {'status': self.status, 'fraction': self.fraction, 'message': self.message,
                'hidden_failed': self.hidden_failed,
                'faults': [{'id': f.id, 'message': f.message, 'count': f.count} for f in self.faults],
                'stand_ins': list(self.stand_ins)}

    @classmethod
    def from_raw(cls, item_id: str, d: dict[str, Any]) -> CheckResult:
        """The inverse of ``to_raw`` (verdicts stored before faults existed have none)."""
        return cls(item_id, d['status'], float(d['fraction']), d.get('message', ''), bool(d.get('hidden_failed')),
                   faults=tuple(Fault(f['id'], f.get('message', ''), int(f.get('count', 1)))
                                for f in d.get('faults') or ()),
                   stand_ins=tuple(d.get('stand_ins') or ()))


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

    def to_dict(self) -> dict[str, Any]:
        return {'item_id': self.item_id, 'points': self.points, 'comment': self.comment,
                'deductions': list(self.deductions)}

    @classmethod
    def from_dict(cls, d: ManualScore | dict[str, Any]) -> ManualScore:
        if isinstance(d, ManualScore):
            return d
        return cls(d['item_id'], float(d['points']), d.get('comment', '') or '', tuple(d.get('deductions') or ()))


@dataclass(frozen=True)
class Extension:
    """A TA's extension for one student: extra days, or a new due date (ISO 8601 with offset)."""
    extra_days: float = 0.0
    new_due: str | None = None


@dataclass(frozen=True)
class Lateness:
    seconds_late: float | None      # None: unknown
    uncertain: bool = False         # only Canvas's LATE marker was seen
    extension_days: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {'seconds_late': self.seconds_late, 'uncertain': self.uncertain, 'extension_days': self.extension_days}

    @classmethod
    def from_dict(cls, d: Lateness | dict[str, Any] | None) -> Lateness | None:
        if d is None or isinstance(d, Lateness):
            return d
        return cls(**{k: d[k] for k in ('seconds_late', 'uncertain', 'extension_days') if k in d})


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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SubmissionResult:
        """The inverse of ``to_dict``."""
        items = [ItemScore(id=item_id, title=c.get('title', item_id), category=c.get('category', ''),
                           visibility=c.get('visibility', 'public'), status=c['status'], points=c['points'],
                           max_points=c['max_points'], message=c.get('message', ''), manual=c.get('manual', False),
                           deductions=tuple(Deduction(x['id'], float(x['points']), x.get('message', ''))
                                            for x in c.get('deductions') or ()),
                           fix=c.get('fix', ''), stand_ins=tuple(c.get('judged_with') or ()),
                           provisional=bool(c.get('provisional', False)))
                 for item_id, c in (d.get('checks') or {}).items()]
        return cls(notebook=d.get('notebook', ''), status=d['status'], message=d.get('message', ''),
                   mode=d.get('mode', 'grade'), seed=d.get('seed'), sha256=d.get('sha256'),
                   isolated=d.get('isolated', False), items=items,
                   totals=Totals(**d['totals']) if d.get('totals') else None,
                   flags=list(d.get('flags') or ()), notes=list(d.get('notes') or ()),
                   elapsed_seconds=d.get('elapsed_seconds'),
                   raw_checks={k: dict(v) for k, v in (d.get('raw_checks') or {}).items()})

    def verdicts(self) -> dict[str, CheckResult]:
        """The checks' verdicts before points (what a rescore recomputes from)."""
        return {k: CheckResult.from_raw(k, v) for k, v in self.raw_checks.items()}


# ---------------------------------------------------------------- batch
@dataclass(frozen=True)
class Partner:
    name: str
    user_id: str | None = None      # None: named in the file name, not found in the roster


@dataclass(frozen=True)
class StudentRecord:
    """What the batch knows about one student besides the grade: who, which file, when, with whom, under which
    rubric. Stored with the result in the gradebook; what exports, reports, the review desk and Canvas read."""
    student_key: str                        # user id, anon_… or the entry's name: unique in a download
    user_id: str | None = None
    anon_id: str | None = None
    name: str = ''
    section: str = ''
    sis_user_id: str = ''
    sis_login_id: str = ''
    notebook_path: str | None = None        # the grader's working copy of the graded notebook
    original_name: str | None = None        # the file name as the student uploaded it
    attachment_id: str | None = None
    notebook_sha256: str | None = None
    other_files: tuple[str, ...] = ()       # files of the submission that were not graded
    late_marker: bool = False               # Canvas's LATE in the entry name
    lateness: Lateness | None = None
    partners: tuple[Partner, ...] = ()
    warnings: tuple[str, ...] = ()
    manual: tuple[ManualScore, ...] = ()    # the TA scores the result was scored with
    rubric_hash: str = ''
    grader_version: str = ''
    run_id: int | None = None

    @property
    def anonymous(self) -> bool:
        return not self.user_id or self.student_key.lower().startswith('anon_')

    @property
    def display_name(self) -> str:
        return self.name or self.student_key

    def to_dict(self) -> dict[str, Any]:
        d = {f: getattr(self, f) for f in self.__dataclass_fields__}
        d.update(other_files=list(self.other_files), warnings=list(self.warnings),
                 lateness=None if self.lateness is None else self.lateness.to_dict(),
                 partners=[{'name': p.name, 'user_id': p.user_id} for p in self.partners],
                 manual=[m.to_dict() for m in self.manual])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StudentRecord:
        """Tolerant of keys it does not know (a newer gradebook) and of missing ones (an older one)."""
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        partners = []
        for p in known.get('partners') or ():
            if isinstance(p, Partner):
                partners.append(p)
            elif isinstance(p, dict):
                partners.append(Partner(str(p.get('name') or ''), None if p.get('user_id') in (None, '') else
                                        str(p['user_id'])))
            else:
                partners.append(Partner(str(p)))
        uid = known.get('user_id')
        return cls(**{**known, 'user_id': None if uid in (None, '') else str(uid),
                      'student_key': str(known.get('student_key') or ''),
                      'name': known.get('name') or '', 'section': known.get('section') or '',
                      'sis_user_id': known.get('sis_user_id') or '', 'sis_login_id': known.get('sis_login_id') or '',
                      'attachment_id': None if known.get('attachment_id') in (None, '') else
                      str(known['attachment_id']),
                      'other_files': tuple(known.get('other_files') or ()),
                      'warnings': tuple(known.get('warnings') or ()),
                      'lateness': Lateness.from_dict(known.get('lateness')),
                      'partners': tuple(partners),
                      'manual': tuple(ManualScore.from_dict(m) for m in known.get('manual') or ()),
                      'rubric_hash': known.get('rubric_hash') or '', 'grader_version': known.get('grader_version') or ''})

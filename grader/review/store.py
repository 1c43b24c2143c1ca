"""The review desk's tables, kept in the gradebook's own SQLite file beside its tables (README "The review desk").

The gradebook's ``manual_scores`` stay the one source of truth for points: a TA's mark is written there with
``Gradebook.set_manual``, in the same transaction as the desk's own rows (the mark's deductions and comment, the
audit row saying who and when), so a desk killed at any moment loses no saved score and leaves no score without
its audit row. ``grader rescore`` and the desk's export read ``manual_scores`` only. A manual score written by
other means (``--manual`` CSV) wins: the desk then shows it as set outside the desk, without deductions.

Tables (created here; the gradebook's schema is untouched): ``review_marks`` (deductions and the TA's own
comment per mark), ``review_audit`` (every save, clear, flag, reveal, undo and deduction change: who, when,
before, after), ``review_claims`` (answers open at a desk, with an expiry), ``review_flags`` (second looks),
``review_numbers`` (each submission's anonymous number, drawn once in a shuffled order) and
``review_deduction_points`` (points of a deduction changed at the desk).
"""
from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Iterable

from ..batch.gradebook import Gradebook
from ..formatting import points as _num
from ..model import Deduction, Item, ManualScore, Rubric

# The items the desk lists besides those the rubric marks ``manual: true``: the written parts' checks.
DISCUSSION_CHECKS = ('results_reported', 'discussion_present', 'plots_present', 'observations_3')
CLAIM_SECONDS = 120.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS review_numbers (student_key TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS review_marks (
    student_key TEXT NOT NULL, item_id TEXT NOT NULL, points REAL NOT NULL, deductions TEXT NOT NULL,
    comment TEXT NOT NULL, written TEXT NOT NULL, ta TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (student_key, item_id));
CREATE TABLE IF NOT EXISTS review_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, ta TEXT NOT NULL, desk TEXT NOT NULL,
    action TEXT NOT NULL, student_key TEXT, item_id TEXT, before TEXT, after TEXT,
    undone INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS review_claims (
    student_key TEXT NOT NULL, item_id TEXT NOT NULL, desk TEXT NOT NULL, ta TEXT NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (student_key, item_id));
CREATE TABLE IF NOT EXISTS review_flags (
    student_key TEXT NOT NULL, item_id TEXT NOT NULL, ta TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (student_key, item_id));
CREATE TABLE IF NOT EXISTS review_deduction_points (
    deduction_id TEXT PRIMARY KEY, points REAL NOT NULL, ta TEXT NOT NULL, at TEXT NOT NULL)
"""


class ReviewError(ValueError):
    """A request the desk refuses, with a message for the TA (the API answers 400 with it)."""


class Claimed(Exception):
    """The answer is open at another desk."""

    def __init__(self, ta: str):
        super().__init__(f'being graded at another desk ({ta})')
        self.ta = ta


@dataclass(frozen=True)
class Student:
    """One submission as the desk sees it; built only by ``ReviewStore.students`` (the one adapter)."""
    key: str
    number: int             # anonymous number shown at the desk
    name: str
    user_id: str | None
    notebook_path: str | None
    status: str
    partners: tuple[tuple[str | None, str], ...]    # (user id, name) of each partner named
    result: dict[str, Any]  # the results schema's dict


@dataclass(frozen=True)
class Mark:
    points: float
    deductions: tuple[str, ...]
    comment: str            # the TA's own words (the deductions' messages are added when written)
    ta: str
    at: str
    from_desk: bool         # False: the manual score was set by other means (a --manual CSV)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec='seconds')


def written_comment(deductions: Iterable[Deduction], comment: str) -> str:
    """What the student reads: each deduction as the course writes it ("−3 for ..."), then the TA's comment."""
    parts = [f'−{_num(d.points)}: {d.message or d.id}' for d in deductions]
    return '; '.join(parts + ([comment.strip()] if comment.strip() else []))


def ensure_schema(gb: Gradebook) -> None:
    with gb.transaction():
        for statement in _SCHEMA.split(';'):
            gb.connection.execute(statement)


def load_students(gb: Gradebook) -> list[Student]:
    """The one adapter from the gradebook's student records to the desk's (number 0: see ReviewStore.students)."""
    out = []
    for record, result in gb.load_results():
        out.append(Student(key=record.student_key, number=0, name=record.display_name, user_id=record.user_id,
                           notebook_path=record.notebook_path, status=result.get('status', ''),
                           partners=tuple((p.user_id, p.name) for p in record.partners), result=result))
    return out


class ReviewStore:
    """The desk's reads and writes over one open ``Gradebook`` (one per thread: SQLite connections are)."""

    def __init__(self, gb: Gradebook, rubric: Rubric):
        self.gb, self.rubric, self.db = gb, rubric, gb.connection

    # ------------------------------------------------------------ items and deductions
    def items(self) -> list[Item]:
        """The items a TA grades here, in rubric order, with deduction points as changed at the desk."""
        overrides = {r['deduction_id']: r['points'] for r in self.db.execute('SELECT * FROM review_deduction_points')}
        out = []
        for it in self.rubric.items:
            if (it.manual or it.check in DISCUSSION_CHECKS) and not it.advisory:
                out.append(replace(it, deductions=tuple(replace(d, points=overrides.get(d.id, d.points))
                                                        for d in it.deductions)))
        return out

    def item(self, item_id: Any) -> Item:
        for it in self.items():
            if it.id == item_id:
                return it
        raise ReviewError(f'unknown item {item_id!r}: the desk grades {", ".join(i.id for i in self.items())}')

    # ------------------------------------------------------------ students (the one adapter over the gradebook)
    def students(self) -> list[Student]:
        """Every submission, in the desk's stable shuffled order (its anonymous number)."""
        loaded = load_students(self.gb)
        numbers = self._numbers([s.key for s in loaded])
        return sorted((replace(s, number=numbers[s.key]) for s in loaded), key=lambda s: s.number)

    def student(self, number: Any) -> Student:
        if isinstance(number, bool) or not isinstance(number, (int, str)) or not str(number).strip().isdigit():
            raise ReviewError(f'submission must be the number shown at the desk, not {number!r}')
        for s in self.students():
            if s.number == int(number):
                return s
        raise ReviewError(f'no submission number {number}')

    def _numbers(self, keys: list[str]) -> dict[str, int]:
        known = {r['student_key']: r['number'] for r in self.db.execute('SELECT * FROM review_numbers')}
        new = [k for k in keys if k not in known]
        if new:
            # shuffled so neither names nor Canvas ids can be read from the order; drawn once, then stable
            random.Random(secrets.randbits(64)).shuffle(new)
            with self.gb.transaction():
                known = {r['student_key']: r['number'] for r in self.db.execute('SELECT * FROM review_numbers')}
                top = max(known.values(), default=0)
                for key in (k for k in new if k not in known):
                    top += 1
                    self.db.execute('INSERT INTO review_numbers VALUES (?, ?)', (key, top))
                    known[key] = top
        return known

    # ------------------------------------------------------------ marks
    def mark(self, key: str, item_id: str) -> Mark | None:
        manual = self.db.execute('SELECT points, comment, updated_at FROM manual_scores WHERE student_key=? AND '
                                 'item_id=?', (key, item_id)).fetchone()
        if manual is None:
            return None
        row = self.db.execute('SELECT * FROM review_marks WHERE student_key=? AND item_id=?', (key, item_id)).fetchone()
        if row is not None and (row['points'], row['written']) == (manual['points'], manual['comment']):
            return Mark(row['points'], tuple(json.loads(row['deductions'])), row['comment'], row['ta'], row['at'], True)
        return Mark(manual['points'], (), manual['comment'], '', manual['updated_at'], False)

    def marks(self, item_id: str) -> dict[str, Mark]:
        keys = [r['student_key'] for r in self.db.execute('SELECT student_key FROM manual_scores WHERE item_id=?',
                                                            (item_id,))]
        return {k: m for k in keys if (m := self.mark(k, item_id)) is not None}

    def save(self, key: str, item_id: str, *, points: Any = None, deductions: Any = None, comment: Any = '',
             ta: str, desk: str) -> Mark:
        """Write a TA's mark at once: points, or the applied deductions (points = max − their sum, never < 0)."""
        item = self.item(item_id)
        if not isinstance(comment, str):
            raise ReviewError('comment must be text')
        applied = self._deductions(item, deductions)
        if deductions is not None:
            computed = max(0.0, float(item.points) - sum(d.points for d in applied))
            if points is not None and _points(points, item) != round(computed, 2):
                raise ReviewError(f'points {points} disagree with the deductions applied ({_num(computed)}): '
                                  'send one or the other')
            points = computed
        elif points is None:
            raise ReviewError('send points or deductions')
        value = _points(points, item)
        mark = Mark(value, tuple(d.id for d in applied), comment.strip(), ta, _now(), True)
        with self.gb.transaction():
            self._check_claim(key, item_id, desk)
            before = self._state(key, item_id)
            self._write(key, item_id, mark, applied)
            self._audit(ta, desk, 'score', key, item_id, before, self._state(key, item_id))
        return mark

    def _deductions(self, item: Item, ids: Any) -> list[Deduction]:
        if ids is None:
            return []
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ReviewError('deductions must be a list of deduction ids')
        known = {d.id: d for d in item.deductions}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ReviewError(f'unknown deduction {unknown[0]!r} for {item.id} (known: {", ".join(known) or "none"})')
        return [known[i] for i in dict.fromkeys(ids)]

    def _write(self, key: str, item_id: str, mark: Mark, applied: list[Deduction]) -> None:
        text = written_comment(applied, mark.comment)
        self.gb.set_manual([(key, ManualScore(item_id, mark.points, text, mark.deductions))])
        self.db.execute('INSERT OR REPLACE INTO review_marks VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
                        (key, item_id, mark.points, json.dumps(list(mark.deductions)), mark.comment, text, mark.ta,
                         mark.at))

    def clear(self, key: str, item_id: str, *, ta: str, desk: str) -> None:
        """Back to the check's provisional points."""
        self.item(item_id)
        with self.gb.transaction():
            self._check_claim(key, item_id, desk)
            before = self._state(key, item_id)
            self._restore(key, item_id, {'manual': None, 'mark': None})
            self._audit(ta, desk, 'clear', key, item_id, before, self._state(key, item_id))

    def _state(self, key: str, item_id: str) -> dict[str, Any]:
        manual = self.db.execute('SELECT points, comment FROM manual_scores WHERE student_key=? AND item_id=?',
                                 (key, item_id)).fetchone()
        mark = self.db.execute('SELECT * FROM review_marks WHERE student_key=? AND item_id=?',
                               (key, item_id)).fetchone()
        return {'manual': None if manual is None else [manual['points'], manual['comment']],
                'mark': None if mark is None else {k: mark[k] for k in mark.keys()}}

    def _restore(self, key: str, item_id: str, state: dict[str, Any]) -> None:
        if state['manual'] is None:
            self.gb.clear_manual(key, item_id)
        else:
            self.gb.set_manual([(key, ManualScore(item_id, state['manual'][0], state['manual'][1]))])
        self.db.execute('DELETE FROM review_marks WHERE student_key=? AND item_id=?', (key, item_id))
        if state['mark'] is not None:
            m = state['mark']
            self.db.execute('INSERT INTO review_marks VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
                            (key, item_id, m['points'], m['deductions'], m['comment'], m['written'], m['ta'], m['at']))

    def undo(self, *, ta: str, desk: str) -> tuple[str, str] | None:
        """Undo this desk's last save, clear or flag; returns (student key, item id), None when nothing is left."""
        with self.gb.transaction():
            row = self.db.execute("SELECT * FROM review_audit WHERE desk=? AND undone=0 AND action IN ('score', "
                                  "'clear', 'flag', 'unflag') ORDER BY id DESC LIMIT 1", (desk,)).fetchone()
            if row is None:
                return None
            key, item_id, before = row['student_key'], row['item_id'], json.loads(row['before'])
            now = self._state(key, item_id) if row['action'] in ('score', 'clear') else self._flag_state(key, item_id)
            if row['action'] in ('score', 'clear'):
                self._restore(key, item_id, before)
            else:
                self._set_flag(key, item_id, bool(before), ta)
            self.db.execute('UPDATE review_audit SET undone=1 WHERE id=?', (row['id'],))
            self._audit(ta, desk, 'undo', key, item_id, now, {'undid': row['id'], 'action': row['action']})
        return key, item_id

    # ------------------------------------------------------------ deduction points
    def set_deduction_points(self, deduction_id: str, points: Any, *, ta: str, desk: str) -> int:
        """Change what a deduction costs and re-score every mark it was applied to; returns how many."""
        item = next((it for it in self.items() if any(d.id == deduction_id for d in it.deductions)), None)
        if item is None:
            raise ReviewError(f'unknown deduction {deduction_id!r}')
        value = _points(points, item)
        rescored = 0
        with self.gb.transaction():
            old = next(d.points for d in item.deductions if d.id == deduction_id)
            self.db.execute('INSERT OR REPLACE INTO review_deduction_points VALUES (?, ?, ?, ?)',
                            (deduction_id, value, ta, _now()))
            self._audit(ta, desk, 'deduction_points', None, item.id, {deduction_id: old}, {deduction_id: value})
            item = self.item(item.id)
            for key, mark in self.marks(item.id).items():
                if not mark.from_desk or deduction_id not in mark.deductions:
                    continue
                applied = self._deductions(item, list(mark.deductions))
                new = replace(mark, points=round(max(0.0, item.points - sum(d.points for d in applied)), 2),
                              ta=ta, at=_now())
                before = self._state(key, item.id)
                self._write(key, item.id, new, applied)
                self._audit(ta, desk, 'rescore', key, item.id, before, self._state(key, item.id))
                rescored += 1
        return rescored

    # ------------------------------------------------------------ flags, reveals, comments
    def flags(self, item_id: str) -> set[str]:
        return {r['student_key'] for r in self.db.execute('SELECT student_key FROM review_flags WHERE item_id=?',
                                                          (item_id,))}

    def _flag_state(self, key: str, item_id: str) -> bool:
        return key in self.flags(item_id)

    def _set_flag(self, key: str, item_id: str, on: bool, ta: str) -> None:
        self.db.execute('DELETE FROM review_flags WHERE student_key=? AND item_id=?', (key, item_id))
        if on:
            self.db.execute('INSERT INTO review_flags VALUES (?, ?, ?, ?)', (key, item_id, ta, _now()))

    def flag(self, key: str, item_id: str, on: bool, *, ta: str, desk: str) -> None:
        self.item(item_id)
        with self.gb.transaction():
            before = self._flag_state(key, item_id)
            self._set_flag(key, item_id, on, ta)
            self._audit(ta, desk, 'flag' if on else 'unflag', key, item_id, before, on)

    def reveal(self, key: str, *, ta: str, desk: str) -> None:
        with self.gb.transaction():
            self._audit(ta, desk, 'reveal', key, None, None, None)

    def comment_bank(self, item_id: str) -> list[str]:
        """Comments TAs wrote on this item, the most used first: a TA picks one instead of typing it again."""
        rows = self.db.execute("SELECT json_extract(after, '$.mark.comment') AS c, count(*) AS n, max(id) AS last "
                               "FROM review_audit WHERE item_id=? AND action='score' AND undone=0 GROUP BY c "
                               "ORDER BY n DESC, last DESC", (item_id,))
        return [r['c'] for r in rows if r['c']]

    def audit(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute('SELECT * FROM review_audit ORDER BY id')]

    def _audit(self, ta: str, desk: str, action: str, key: str | None, item_id: str | None, before: Any,
               after: Any) -> None:
        self.db.execute('INSERT INTO review_audit (at, ta, desk, action, student_key, item_id, before, after) '
                        'VALUES (?, ?, ?, ?, ?, ?, ?, ?)', (_now(), ta, desk, action, key, item_id,
                                                            json.dumps(before), json.dumps(after)))

    # ------------------------------------------------------------ claims
    def claim(self, key: str, item_id: str, *, ta: str, desk: str, seconds: float = CLAIM_SECONDS) -> None:
        """Hold an answer for this desk (renewed while it stays open); ``Claimed`` when another desk holds it."""
        with self.gb.transaction():
            self._check_claim(key, item_id, desk)
            self.db.execute('DELETE FROM review_claims WHERE desk=? AND NOT (student_key=? AND item_id=?)',
                            (desk, key, item_id))
            self.db.execute('INSERT OR REPLACE INTO review_claims VALUES (?, ?, ?, ?, ?)',
                            (key, item_id, desk, ta, time.time() + seconds))

    def release(self, desk: str) -> None:
        with self.gb.transaction():
            self.db.execute('DELETE FROM review_claims WHERE desk=?', (desk,))

    def claimed_elsewhere(self, item_id: str, desk: str) -> dict[str, str]:
        """Student key -> TA, for the answers of this item open at other desks now."""
        rows = self.db.execute('SELECT student_key, ta FROM review_claims WHERE item_id=? AND desk!=? AND expires>?',
                               (item_id, desk, time.time()))
        return {r['student_key']: r['ta'] for r in rows}

    def _check_claim(self, key: str, item_id: str, desk: str) -> None:
        row = self.db.execute('SELECT desk, ta FROM review_claims WHERE student_key=? AND item_id=? AND expires>?',
                              (key, item_id, time.time())).fetchone()
        if row is not None and row['desk'] != desk:
            raise Claimed(row['ta'])


def _points(points: Any, item: Item) -> float:
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points != points:
        raise ReviewError(f'points must be a number, not {points!r}')
    if not 0 <= points <= item.points:
        raise ReviewError(f'points {points} outside 0..{_num(item.points)} for {item.id}')
    return round(float(points), 2)

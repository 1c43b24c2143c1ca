"""The gradebook: every student's latest result in one SQLite file (``DIR/gradebook.sqlite``).

Only the batch driver opens it (design: steps stay pure). What it guarantees:

- A re-run skips a student whose notebook, rubric, grader version and isolation are unchanged (``is_current``),
  unless the last attempt ended in a transient error ('error', 'timeout': a crashed kernel or an overloaded machine
  may do better next time). Manual scores (the review desk, a CSV) never make a notebook run again: the driver
  scores the stored verdicts with the current manual scores. Their fingerprint is stored with each result.
- ``save`` replaces a student's submission row and all its check rows in one transaction: a run killed at any
  moment (even SIGKILL) leaves the old row or the new one, never a mix, and never two.
- Seeds: a regrade of an unchanged notebook (``--force``, a new rubric, manual scores) should reuse the stored
  seed (``stored_seed``) so the same notebook gets the same hidden cases and the grade can be reproduced and
  audited; a changed notebook is a new submission and gets a fresh seed from the grading step.
- When only manual scores changed, the stored result's ``raw_checks`` let the driver rescore without a kernel.

Each result is saved with its ``StudentRecord`` (model.py): who, which file, lateness, partners, the manual scores
it was scored with, the rubric's hash and the grader's version. Fields with a column of their own are queryable;
the rest of the record is kept whole in the ``info`` JSON, so a record read back equals the one saved.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ..model import ItemScore, ManualScore, StudentRecord, SubmissionResult

SCHEMA_VERSION = 2
FILENAME = 'gradebook.sqlite'
# worth another try on a re-run; the other statuses are facts about the notebook's bytes
TRANSIENT = frozenset({'error', 'timeout'})

_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT,
    grader_version TEXT, rubric_hash TEXT, options TEXT NOT NULL DEFAULT '{}');
CREATE TABLE submissions (
    student_key TEXT PRIMARY KEY, user_id TEXT, name TEXT, notebook_path TEXT, notebook_sha256 TEXT,
    rubric_hash TEXT NOT NULL, grader_version TEXT NOT NULL, seed INTEGER, status TEXT NOT NULL, message TEXT,
    result_json TEXT NOT NULL, lateness TEXT, graded_at TEXT NOT NULL, partners TEXT NOT NULL DEFAULT '[]',
    info TEXT NOT NULL DEFAULT '{}', run_id INTEGER REFERENCES runs(id), manual_hash TEXT NOT NULL);
CREATE TABLE checks (
    student_key TEXT NOT NULL REFERENCES submissions(student_key) ON DELETE CASCADE, item_id TEXT NOT NULL,
    status TEXT NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (student_key, item_id));
-- no foreign key: a TA may enter manual scores before the student is graded
CREATE TABLE manual_scores (
    student_key TEXT NOT NULL, item_id TEXT NOT NULL, points REAL NOT NULL, comment TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL, deductions TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (student_key, item_id));
-- the rubric each run graded with, as written: `grader rescore` scores with it unless told otherwise
CREATE TABLE rubrics (hash TEXT PRIMARY KEY, name TEXT NOT NULL, yaml TEXT NOT NULL);
"""
# _MIGRATIONS[v]: the statements that take a gradebook from schema version v to v + 1
_MIGRATIONS = {
    1: ["ALTER TABLE manual_scores ADD COLUMN deductions TEXT NOT NULL DEFAULT '[]'",
        'CREATE TABLE rubrics (hash TEXT PRIMARY KEY, name TEXT NOT NULL, yaml TEXT NOT NULL)'],
}
_COLUMNS = ('user_id', 'name', 'notebook_path', 'notebook_sha256', 'rubric_hash', 'grader_version', 'seed',
            'status', 'message', 'lateness', 'graded_at', 'partners', 'run_id')


def rubric_hash(rubric: str | Path | bytes) -> str:
    """sha256 of the rubric file's bytes: a path (a one-line str is a path, so a typo fails instead of hashing the
    path's text), or the rubric's YAML source as multi-line text or bytes."""
    if isinstance(rubric, bytes):
        data = rubric
    elif isinstance(rubric, Path) or '\n' not in rubric:
        data = Path(rubric).read_bytes()
    else:
        data = rubric.encode('utf-8')
    return hashlib.sha256(data).hexdigest()


def manual_fingerprint(manual: Iterable[ManualScore]) -> str:
    rows = sorted((m.item_id, round(float(m.points), 6), m.comment, sorted(m.deductions)) for m in manual)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec='seconds')


class Gradebook:
    """``with Gradebook(out_dir) as gb: ...`` — a directory means ``DIR/gradebook.sqlite``."""

    def __init__(self, path: str | Path):
        path = Path(path)
        if path.is_dir():
            path = path / FILENAME
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # autocommit mode: transactions are opened explicitly, so none is left open behind our back
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute('PRAGMA journal_mode=WAL')
        # NORMAL under WAL survives a killed process; a power cut may lose the last commits, never consistency
        self._db.execute('PRAGMA synchronous=NORMAL')
        self._db.execute('PRAGMA foreign_keys=ON')
        self._migrate()

    def _migrate(self) -> None:
        version = self._db.execute('PRAGMA user_version').fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f'{self.path} has schema version {version}, newer than this grader\'s '
                               f'{SCHEMA_VERSION}: upgrade the grader or use another --out directory')
        if version == 0:
            self._db.execute('BEGIN IMMEDIATE')
            try:
                if self._db.execute("SELECT count(*) FROM sqlite_master WHERE name='submissions'").fetchone()[0]:
                    raise RuntimeError(f'{self.path} has tables but no schema version: not a gradebook')
                # statement by statement: executescript would COMMIT first and break the all-or-nothing set-up
                for statement in _SCHEMA.split(';'):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f'PRAGMA user_version={SCHEMA_VERSION}')
                self._db.execute('COMMIT')
            except BaseException:
                self._db.execute('ROLLBACK')
                raise
            return
        for step in range(version, SCHEMA_VERSION):     # a gradebook written by an older grader, upgraded in place
            self._db.execute('BEGIN IMMEDIATE')
            try:
                for statement in _MIGRATIONS[step]:
                    self._db.execute(statement)
                self._db.execute(f'PRAGMA user_version={step + 1}')
                self._db.execute('COMMIT')
            except BaseException:
                self._db.execute('ROLLBACK')
                raise

    # ------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _transaction(self):
        return _Transaction(self._db)

    def transaction(self):
        """One transaction around several writes: the review desk saves a score and its audit row together."""
        return _Transaction(self._db)

    @property
    def connection(self) -> sqlite3.Connection:
        """For the tables other rooms keep in this file (grader.review.store), never for the gradebook's own."""
        return self._db

    # ------------------------------------------------------------ runs
    def start_run(self, grader_version: str, rubric_hash: str, options: dict | None = None) -> int:
        with self._transaction():
            cur = self._db.execute('INSERT INTO runs (started_at, grader_version, rubric_hash, options) '
                                   'VALUES (?, ?, ?, ?)', (_now(), grader_version, rubric_hash,
                                                           json.dumps(options or {}, default=str)))
        return int(cur.lastrowid)

    def save_rubric(self, digest: str, name: str, text: str) -> None:
        with self._transaction():
            self._db.execute('INSERT OR IGNORE INTO rubrics (hash, name, yaml) VALUES (?, ?, ?)', (digest, name, text))

    def last_run(self) -> dict[str, Any] | None:
        """The latest run with its options and, when stored, its rubric's YAML (``rubric_yaml``, ``rubric_name``)."""
        row = self._db.execute('SELECT r.*, b.yaml AS rubric_yaml, b.name AS rubric_name FROM runs r LEFT JOIN '
                               'rubrics b ON b.hash = r.rubric_hash ORDER BY r.id DESC LIMIT 1').fetchone()
        return None if row is None else {**dict(row), 'options': json.loads(row['options'])}

    def finish_run(self, run_id: int) -> None:
        with self._transaction():
            self._db.execute('UPDATE runs SET finished_at=? WHERE id=?', (_now(), run_id))

    def runs(self) -> list[dict[str, Any]]:
        rows = self._db.execute('SELECT * FROM runs ORDER BY id').fetchall()
        return [{**dict(r), 'options': json.loads(r['options'])} for r in rows]

    # ------------------------------------------------------------ submissions
    def is_current(self, student_key: str, notebook_sha256: str, rubric_hash: str, grader_version: str,
                   isolated: bool | None = None) -> bool:
        """The stored verdicts still stand: same notebook, rubric and grader, not a transient error, and (when
        ``isolated`` is given) graded with the same isolation, so a run that gains the sandbox regrades what an
        unisolated run graded. Manual scores are not compared: they are applied to the stored verdicts."""
        row = self._db.execute('SELECT notebook_sha256, rubric_hash, grader_version, status, result_json '
                               'FROM submissions WHERE student_key=?', (student_key,)).fetchone()
        if row is None or row['status'] in TRANSIENT:
            return False
        if (row['notebook_sha256'], row['rubric_hash'], row['grader_version']) != (notebook_sha256, rubric_hash,
                                                                                   grader_version):
            return False
        return isolated is None or bool(json.loads(row['result_json']).get('isolated')) == isolated

    def stored_seed(self, student_key: str, notebook_sha256: str) -> int | None:
        """The seed of the stored grade if it was for these same notebook bytes, else None (grade afresh)."""
        row = self._db.execute('SELECT seed FROM submissions WHERE student_key=? AND notebook_sha256=?',
                               (student_key, notebook_sha256)).fetchone()
        return None if row is None else row['seed']

    def save(self, record: StudentRecord, result: SubmissionResult) -> None:
        missing = [k for k in ('student_key', 'rubric_hash', 'grader_version') if not getattr(record, k)]
        if missing:
            raise ValueError(f'save({record.student_key!r}): the record lacks {", ".join(missing)}')
        key = record.student_key
        lateness = None if record.lateness is None else json.dumps(record.lateness.to_dict())
        values = {
            'user_id': record.user_id, 'name': record.name,
            'notebook_path': record.notebook_path if record.notebook_path is not None else result.notebook,
            'notebook_sha256': record.notebook_sha256 or result.sha256,
            'rubric_hash': record.rubric_hash, 'grader_version': record.grader_version, 'seed': result.seed,
            'status': result.status, 'message': result.message, 'lateness': lateness, 'graded_at': _now(),
            'partners': json.dumps([{'name': p.name, 'user_id': p.user_id} for p in record.partners]),
            'run_id': record.run_id,
        }
        # serialised before the transaction opens: a value JSON cannot hold fails without touching the db
        result_json = json.dumps(result.to_dict())
        info_json = json.dumps(record.to_dict())
        with self._transaction():
            values['manual_hash'] = manual_fingerprint(record.manual)
            self._db.execute('DELETE FROM checks WHERE student_key=?', (key,))
            values.update(result_json=result_json, info=info_json, student_key=key)
            self._db.execute(f'INSERT OR REPLACE INTO submissions ({", ".join(values)}) '
                             f'VALUES ({", ".join("?" * len(values))})', tuple(values.values()))
            self._insert_checks(key, result.items)

    def _insert_checks(self, student_key: str, items: list[ItemScore]) -> None:
        self._db.executemany('INSERT INTO checks (student_key, item_id, status, points, max_points, message) '
                             'VALUES (?, ?, ?, ?, ?, ?)',
                             [(student_key, it.id, it.status, float(it.points), float(it.max_points), it.message)
                              for it in items])

    def _record(self, row: sqlite3.Row) -> StudentRecord:
        info = json.loads(row['info'])
        info.update({k: row[k] for k in _COLUMNS if k not in ('lateness', 'partners', 'graded_at', 'status',
                                                               'message', 'seed')})
        info.update(student_key=row['student_key'], partners=json.loads(row['partners']),
                    lateness=json.loads(row['lateness']) if row['lateness'] else None)
        return StudentRecord.from_dict(info)

    def load_results(self) -> list[tuple[StudentRecord, dict[str, Any]]]:
        """(record, result dict) per student, ordered by name then key."""
        rows = self._db.execute('SELECT * FROM submissions ORDER BY lower(coalesce(name, \'\')), student_key')
        return [(self._record(r), json.loads(r['result_json'])) for r in rows.fetchall()]

    def results_for_export(self) -> list[tuple[StudentRecord, SubmissionResult]]:
        """(record, SubmissionResult) per student: what grader.report takes."""
        return [(record, SubmissionResult.from_dict(d)) for record, d in self.load_results()]

    def result(self, student_key: str) -> tuple[StudentRecord, SubmissionResult] | None:
        row = self._db.execute('SELECT * FROM submissions WHERE student_key=?', (student_key,)).fetchone()
        return None if row is None else (self._record(row), SubmissionResult.from_dict(json.loads(row['result_json'])))

    def checks_for(self, student_key: str) -> list[dict[str, Any]]:
        rows = self._db.execute('SELECT item_id, status, points, max_points, message FROM checks '
                                'WHERE student_key=? ORDER BY rowid', (student_key,))
        return [dict(r) for r in rows.fetchall()]

    # ------------------------------------------------------------ manual scores
    def set_manual(self, scores: Iterable[tuple[str, ManualScore]]) -> None:
        """Insert or replace (student, item) manual scores, all or none."""
        now = _now()
        with self._transaction():
            self._db.executemany('INSERT OR REPLACE INTO manual_scores (student_key, item_id, points, comment, '
                                 'updated_at, deductions) VALUES (?, ?, ?, ?, ?, ?)',
                                 [(key, m.item_id, float(m.points), m.comment, now, json.dumps(list(m.deductions)))
                                  for key, m in scores])

    def clear_manual(self, student_key: str, item_id: str | None = None) -> None:
        with self._transaction():
            if item_id is None:
                self._db.execute('DELETE FROM manual_scores WHERE student_key=?', (student_key,))
            else:
                self._db.execute('DELETE FROM manual_scores WHERE student_key=? AND item_id=?',
                                 (student_key, item_id))

    def manual_for(self, student_key: str) -> list[ManualScore]:
        rows = self._db.execute('SELECT item_id, points, comment, deductions FROM manual_scores WHERE student_key=? '
                                'ORDER BY item_id', (student_key,))
        return [ManualScore(r['item_id'], r['points'], r['comment'], tuple(json.loads(r['deductions'])))
                for r in rows.fetchall()]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included); inside another
    transaction, a savepoint, so the outer one still commits or rolls back everything."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._nested = False

    def __enter__(self) -> None:
        self._nested = self._db.in_transaction
        # IMMEDIATE takes the write lock up front, so a concurrent writer waits instead of failing mid-way
        self._db.execute('SAVEPOINT nested' if self._nested else 'BEGIN IMMEDIATE')

    def __exit__(self, exc_type, *exc) -> None:
        if self._nested:
            if exc_type:
                self._db.execute('ROLLBACK TO nested')
            self._db.execute('RELEASE nested')
        else:
            self._db.execute('ROLLBACK' if exc_type else 'COMMIT')

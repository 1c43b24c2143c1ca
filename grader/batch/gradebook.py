"""The gradebook: every student's latest result in one SQLite file (``DIR/gradebook.sqlite``).

Only the batch driver opens it (design: steps stay pure). What it guarantees:

- A re-run skips a student whose notebook, rubric and grader version are unchanged (``is_current``), unless the
  last attempt ended in a transient error ('error', 'timeout': a crashed kernel or an overloaded machine may do
  better next time) or the TA's manual scores changed since (their fingerprint is stored with the result).
- ``save`` replaces a student's submission row and all its check rows in one transaction: a run killed at any
  moment (even SIGKILL) leaves the old row or the new one, never a mix, and never two.
- Seeds: a regrade of an unchanged notebook (``--force``, a new rubric, manual scores) should reuse the stored
  seed (``stored_seed``) so the same notebook gets the same hidden cases and the grade can be reproduced and
  audited; a changed notebook is a new submission and gets a fresh seed from the grading step.
- When only manual scores changed, the stored result's ``raw_checks`` let the driver rescore without a kernel.

``meta`` (what the driver knows about a student besides the result): ``rubric_hash`` and ``grader_version``
(required), ``user_id``, ``name``, ``notebook_path``, ``notebook_sha256`` (default: the result's), ``lateness``
(a ``Lateness`` or its dict), ``partners`` (list), ``run_id``, ``manual`` (the ``ManualScore`` list used when
scoring; default: the manual scores stored now). Any other key (``attachment_id``, ``section``, ``sis_user_id``,
``late_marker``, ...) is kept in the ``info`` JSON and handed back merged into the meta.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ..model import ItemScore, Lateness, ManualScore, SubmissionResult, Totals

SCHEMA_VERSION = 1
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
    updated_at TEXT NOT NULL, PRIMARY KEY (student_key, item_id));
"""
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


def _json_default(value: Any) -> Any:
    # partners arrive as RosterStudent objects, paths as Path: store their data, not their repr
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def manual_fingerprint(manual: Iterable[ManualScore | dict]) -> str:
    # dicts too: the driver's meta carries manual scores as they go to the worker processes
    scores = [m if isinstance(m, ManualScore) else ManualScore(**m) for m in manual]
    rows = sorted((m.item_id, round(float(m.points), 6), m.comment) for m in scores)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec='seconds')


def _lateness_json(value: Lateness | dict | None) -> str | None:
    if value is None:
        return None
    return json.dumps(dataclasses.asdict(value) if isinstance(value, Lateness) else dict(value))


def lateness_from(value: Lateness | dict | None) -> Lateness | None:
    if value is None or isinstance(value, Lateness):
        return value
    return Lateness(**{k: value[k] for k in ('seconds_late', 'uncertain', 'extension_days') if k in value})


def result_from_dict(d: dict[str, Any]) -> SubmissionResult:
    """The inverse of ``SubmissionResult.to_dict``."""
    items = [ItemScore(id=item_id, title=c.get('title', item_id), category=c.get('category', ''),
                       visibility=c.get('visibility', 'public'), status=c['status'], points=c['points'],
                       max_points=c['max_points'], message=c.get('message', ''), manual=c.get('manual', False))
             for item_id, c in (d.get('checks') or {}).items()]
    totals = Totals(**d['totals']) if d.get('totals') else None
    return SubmissionResult(notebook=d.get('notebook', ''), status=d['status'], message=d.get('message', ''),
                            mode=d.get('mode', 'grade'), seed=d.get('seed'), sha256=d.get('sha256'),
                            isolated=d.get('isolated', False), items=items, totals=totals,
                            flags=list(d.get('flags') or ()), notes=list(d.get('notes') or ()),
                            elapsed_seconds=d.get('elapsed_seconds'),
                            raw_checks={k: dict(v) for k, v in (d.get('raw_checks') or {}).items()})


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
                                                           json.dumps(options or {}, default=_json_default)))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int) -> None:
        with self._transaction():
            self._db.execute('UPDATE runs SET finished_at=? WHERE id=?', (_now(), run_id))

    def runs(self) -> list[dict[str, Any]]:
        rows = self._db.execute('SELECT * FROM runs ORDER BY id').fetchall()
        return [{**dict(r), 'options': json.loads(r['options'])} for r in rows]

    # ------------------------------------------------------------ submissions
    def is_current(self, student_key: str, notebook_sha256: str, rubric_hash: str, grader_version: str) -> bool:
        row = self._db.execute('SELECT notebook_sha256, rubric_hash, grader_version, status, manual_hash '
                               'FROM submissions WHERE student_key=?', (student_key,)).fetchone()
        return (row is not None and row['status'] not in TRANSIENT
                and (row['notebook_sha256'], row['rubric_hash'], row['grader_version'])
                == (notebook_sha256, rubric_hash, grader_version)
                and row['manual_hash'] == manual_fingerprint(self.manual_for(student_key)))

    def stored_seed(self, student_key: str, notebook_sha256: str) -> int | None:
        """The seed of the stored grade if it was for these same notebook bytes, else None (grade afresh)."""
        row = self._db.execute('SELECT seed FROM submissions WHERE student_key=? AND notebook_sha256=?',
                               (student_key, notebook_sha256)).fetchone()
        return None if row is None else row['seed']

    def save(self, student_key: str, result: SubmissionResult, meta: dict[str, Any]) -> None:
        missing = [k for k in ('rubric_hash', 'grader_version') if not meta.get(k)]
        if missing:
            raise ValueError(f'save({student_key!r}): meta lacks {", ".join(missing)}')
        known = set(_COLUMNS) | {'manual', 'student_key', 'status', 'message', 'seed', 'result_json', 'info',
                                 'graded_at', 'manual_hash'}
        info = {k: v for k, v in meta.items() if k not in known}
        values = {
            'user_id': None if meta.get('user_id') is None else str(meta['user_id']),
            'name': meta.get('name'), 'notebook_path': meta.get('notebook_path', result.notebook),
            'notebook_sha256': meta.get('notebook_sha256') or result.sha256,
            'rubric_hash': meta['rubric_hash'], 'grader_version': meta['grader_version'], 'seed': result.seed,
            'status': result.status, 'message': result.message, 'lateness': _lateness_json(meta.get('lateness')),
            'graded_at': _now(), 'partners': json.dumps(meta.get('partners') or [], default=_json_default),
            'run_id': meta.get('run_id'),
        }
        # serialised before the transaction opens: a value JSON cannot hold fails without touching the db
        result_json = json.dumps(result.to_dict())
        info_json = json.dumps(info, default=_json_default)
        with self._transaction():
            manual = meta.get('manual')
            values['manual_hash'] = manual_fingerprint(self.manual_for(student_key) if manual is None else manual)
            self._db.execute('DELETE FROM checks WHERE student_key=?', (student_key,))
            values.update(result_json=result_json, info=info_json, student_key=student_key)
            self._db.execute(f'INSERT OR REPLACE INTO submissions ({", ".join(values)}) '
                             f'VALUES ({", ".join("?" * len(values))})', tuple(values.values()))
            self._insert_checks(student_key, result.items)

    def _insert_checks(self, student_key: str, items: list[ItemScore]) -> None:
        self._db.executemany('INSERT INTO checks (student_key, item_id, status, points, max_points, message) '
                             'VALUES (?, ?, ?, ?, ?, ?)',
                             [(student_key, it.id, it.status, float(it.points), float(it.max_points), it.message)
                              for it in items])

    def _meta(self, row: sqlite3.Row) -> dict[str, Any]:
        meta = json.loads(row['info'])
        meta.update({k: row[k] for k in _COLUMNS if k not in ('lateness', 'partners')})
        meta.update(student_key=row['student_key'], lateness=json.loads(row['lateness']) if row['lateness'] else None,
                    partners=json.loads(row['partners']))
        return meta

    def load_results(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(meta, result dict) per student, ordered by name then key; lateness and partners as plain JSON."""
        rows = self._db.execute('SELECT * FROM submissions ORDER BY lower(coalesce(name, \'\')), student_key')
        return [(self._meta(r), json.loads(r['result_json'])) for r in rows.fetchall()]

    def results_for_export(self) -> list[tuple[dict[str, Any], SubmissionResult]]:
        """(meta, SubmissionResult) per student, meta['lateness'] a ``Lateness``: what grader.report.exports takes."""
        out = []
        for meta, d in self.load_results():
            out.append(({**meta, 'lateness': lateness_from(meta['lateness'])}, result_from_dict(d)))
        return out

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
                                 'updated_at) VALUES (?, ?, ?, ?, ?)',
                                 [(key, m.item_id, float(m.points), m.comment, now) for key, m in scores])

    def clear_manual(self, student_key: str, item_id: str | None = None) -> None:
        with self._transaction():
            if item_id is None:
                self._db.execute('DELETE FROM manual_scores WHERE student_key=?', (student_key,))
            else:
                self._db.execute('DELETE FROM manual_scores WHERE student_key=? AND item_id=?',
                                 (student_key, item_id))

    def manual_for(self, student_key: str) -> list[ManualScore]:
        rows = self._db.execute('SELECT item_id, points, comment FROM manual_scores WHERE student_key=? '
                                'ORDER BY item_id', (student_key,))
        return [ManualScore(r['item_id'], r['points'], r['comment']) for r in rows.fetchall()]


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

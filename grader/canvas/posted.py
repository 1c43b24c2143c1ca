"""What ``grader canvas push`` has posted to Canvas, kept beside the grades in ``DIR/gradebook.sqlite``.

Two tables of their own, created on the first real push (a dry run writes nothing): ``canvas_posts``, one row per
Canvas user and assignment with the score and the comment's hash last confirmed by Canvas, and ``canvas_pushes``, a
log of runs. A row is written only after Canvas confirmed the post (a completed grading job whose score Canvas then
shows, a comment Canvas accepted), one transaction each: a push stopped at any moment leaves the posts it finished
recorded and nothing else, so the next push resumes and never sends a comment twice. The gradebook's own tables and
schema version are untouched (README, "Canvas round trip").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..batch.gradebook import Gradebook

_TABLES = ("""
CREATE TABLE IF NOT EXISTS canvas_posts (
    course_id TEXT NOT NULL, assignment_id TEXT NOT NULL, user_id TEXT NOT NULL, student_key TEXT NOT NULL,
    score REAL, score_posted_at TEXT, comment_hash TEXT, comment_id TEXT, comment_posted_at TEXT,
    PRIMARY KEY (course_id, assignment_id, user_id))""", """
CREATE TABLE IF NOT EXISTS canvas_pushes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, course_id TEXT NOT NULL, assignment_id TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT, complete INTEGER NOT NULL DEFAULT 0,
    grades_posted INTEGER NOT NULL DEFAULT 0, comments_posted INTEGER NOT NULL DEFAULT 0, message TEXT)""")


@dataclass(frozen=True)
class Posted:
    user_id: str
    student_key: str
    score: float | None
    comment_hash: str | None
    score_posted_at: str | None = None
    comment_posted_at: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec='seconds')


class PostLog:
    """``with PostLog(gradebook_path, course, assignment, write=True) as log: ...``; ``write=False`` never creates
    a table (a dry run)."""

    def __init__(self, path: str | Path, course_id: int | str, assignment_id: int | str, write: bool = True):
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(path)
        self.course, self.assignment, self.write = str(course_id), str(assignment_id), write
        # through the gradebook's own connection and transactions (its tables are other rooms' to keep)
        self._gb = Gradebook(path)
        self._db = self._gb.connection
        if write:
            with self._gb.transaction():
                for statement in _TABLES:
                    self._db.execute(statement)

    def close(self) -> None:
        self._gb.close()

    def __enter__(self) -> PostLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _has_tables(self) -> bool:
        return bool(self._db.execute("SELECT count(*) FROM sqlite_master WHERE name='canvas_posts'").fetchone()[0])

    def posted(self) -> dict[str, Posted]:
        """Canvas user id -> what was last confirmed posted for this course and assignment."""
        if not self._has_tables():
            return {}
        rows = self._db.execute('SELECT * FROM canvas_posts WHERE course_id=? AND assignment_id=?',
                                (self.course, self.assignment)).fetchall()
        return {r['user_id']: Posted(r['user_id'], r['student_key'], r['score'], r['comment_hash'],
                                     r['score_posted_at'], r['comment_posted_at']) for r in rows}

    def _upsert(self, user_id: str, student_key: str, **values) -> None:
        self._db.execute('INSERT OR IGNORE INTO canvas_posts (course_id, assignment_id, user_id, student_key) '
                         'VALUES (?, ?, ?, ?)', (self.course, self.assignment, user_id, student_key))
        sets = ', '.join(f'{k}=?' for k in values)
        self._db.execute(f'UPDATE canvas_posts SET student_key=?, {sets} WHERE course_id=? AND assignment_id=? '
                         f'AND user_id=?', (student_key, *values.values(), self.course, self.assignment, user_id))

    def record_scores(self, rows: list[tuple[str, str, float]]) -> None:
        """(user id, student key, score) Canvas confirmed, all in one transaction."""
        now = _now()
        with self._transaction():
            for user_id, key, score in rows:
                self._upsert(user_id, key, score=float(score), score_posted_at=now)

    def record_comment(self, user_id: str, student_key: str, comment_hash: str, comment_id: str | None) -> None:
        with self._transaction():
            self._upsert(user_id, student_key, comment_hash=comment_hash, comment_id=comment_id,
                         comment_posted_at=_now())

    def start_push(self) -> int:
        with self._transaction():
            cur = self._db.execute('INSERT INTO canvas_pushes (course_id, assignment_id, started_at) VALUES (?, ?, ?)',
                                   (self.course, self.assignment, _now()))
        return int(cur.lastrowid)

    def finish_push(self, push_id: int, complete: bool, grades: int, comments: int, message: str) -> None:
        with self._transaction():
            self._db.execute('UPDATE canvas_pushes SET finished_at=?, complete=?, grades_posted=?, comments_posted=?, '
                             'message=? WHERE id=?', (_now(), int(complete), grades, comments, message, push_id))

    def pushes(self) -> list[dict]:
        if not self._has_tables():
            return []
        return [dict(r) for r in self._db.execute('SELECT * FROM canvas_pushes ORDER BY id').fetchall()]

    def _transaction(self):
        if not self.write:
            raise RuntimeError('this PostLog was opened read-only (a dry run)')
        return self._gb.transaction()

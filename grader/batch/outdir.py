"""The output folder of ``grader grade``: written only where it is the grader's, and only over the grader's files.

A TA's mistake must never cost them data (``--out .`` in a course folder once erased the Canvas download). So:

- A folder is taken only if it is new, empty, or one the grader wrote before (it holds ``.grader-manifest.json``;
  a folder from a grader that predates the manifest is recognised by its gradebook). Anything else is refused.
- The submissions folder or zip must not contain the output folder, and no input may sit in the grader's working
  area (``.grader-work``, where each student's files are copied to be graded).
- The manifest lists every file the grader wrote, with its sha256. A file is replaced or removed only if it is in
  the manifest; one changed since the grader wrote it (a TA edited grades.csv) stops the run before anything is
  written, naming it. The gradebook is exempt: the review desk and ``grader rescore`` change it by design.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from collections.abc import MutableMapping
from typing import Iterable

from ..errors import InputError

MANIFEST = '.grader-manifest.json'
WORK = '.grader-work'
GRADEBOOK = 'gradebook.sqlite'
# Written by SQLite next to the gradebook; the grader's, and always changing.
MUTABLE = (GRADEBOOK, GRADEBOOK + '-wal', GRADEBOOK + '-shm', GRADEBOOK + '-journal')
# What a grader from before the manifest wrote: adopted as its own when the folder holds its gradebook.
LEGACY = ('grades.csv', 'results.csv', 'results.json', 'report.html')


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _is_gradebook(path: Path) -> bool:
    try:
        db = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
        try:
            return db.execute('PRAGMA user_version').fetchone()[0] > 0 and bool(
                db.execute("SELECT count(*) FROM sqlite_master WHERE name='submissions'").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class OutputFolder:
    """Use ``OutputFolder.claim(out, inputs)``; then ``work`` for working copies and ``record`` what was written."""

    def __init__(self, root: Path, files: dict[str, str | None], state: dict | None = None):
        self.root = root
        self.state = dict(state or {})   # the grader's notes between runs (e.g. what the last export was made of)
        self._files = files         # relative path -> sha256 when written (None: mutable, e.g. the gradebook)
        self._before = dict(files)  # as claimed: what abandon() returns to
        self._existed = root.exists()
        self._work_before: set[Path] = set()     # files in the working area before this run (prepare())

    # ------------------------------------------------------------ taking a folder
    @classmethod
    def claim(cls, out: str | Path, inputs: Iterable[str | Path] = (), *, must_exist: bool = False) -> OutputFolder:
        """The folder at ``out`` if the grader may write there, else ``InputError`` (and nothing is written)."""
        root = Path(out)
        if root.exists() and not root.is_dir():
            raise InputError(f'--out {out}: this is a file, not a folder: give a folder for the grader\'s outputs')
        if must_exist and not (root / GRADEBOOK).is_file():
            raise InputError(f'{out} holds no {GRADEBOOK}: give the folder `grader grade` wrote')
        resolved = root.resolve()
        for given in inputs:
            if given is None:
                continue
            source = Path(given).resolve()
            if source.is_dir() and _inside(resolved, source):
                raise InputError(f'--out {out} is inside {given}, which is being graded: choose an output folder '
                                 f'outside it (e.g. --out {Path(given).resolve().parent / "grading-output"})')
            if _inside(source, resolved / WORK):
                raise InputError(f'{given} is inside the grader\'s working folder {root / WORK}: grade the original '
                                 'download instead')
        files, state = cls._existing(root, out)
        folder = cls(root, files, state)
        changed = folder.changed_since_written()
        if changed:
            shown = ', '.join(changed[:5]) + (f' and {len(changed) - 5} more' if len(changed) > 5 else '')
            raise InputError(f'{out}: {shown} changed since the grader wrote {"them" if len(changed) > 1 else "it"}: '
                             'move your edited copies out of the folder (the grader never overwrites your changes), '
                             'then run again')
        return folder

    @staticmethod
    def _existing(root: Path, out) -> tuple[dict[str, str | None], dict]:
        if not root.exists():
            return {}, {}
        manifest = root / MANIFEST
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_text(encoding='utf-8'))
                return {str(k): v for k, v in data['files'].items()}, dict(data.get('state') or {})
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                raise InputError(f'{manifest} is damaged: the grader cannot tell its files from yours; choose a new '
                                 '--out folder') from None
        entries = sorted(p.name for p in root.iterdir())
        if not entries:
            return {}, {}
        if (root / GRADEBOOK).is_file() and _is_gradebook(root / GRADEBOOK):
            # written by a grader from before the manifest: its own outputs, nothing else, are adopted
            owned = {name: None for name in MUTABLE if (root / name).exists()}
            owned.update({name: None for name in LEGACY if (root / name).is_file()})
            owned.update({str(p.relative_to(root)): None for p in (root / 'feedback').glob('*_feedback.*')})
            return owned, {}
        shown = ', '.join(entries[:5]) + (' ...' if len(entries) > 5 else '')
        raise InputError(f'--out {out} already holds files the grader did not write ({shown}): choose a new or '
                         'empty folder, or one `grader grade` wrote before')

    def present(self, rels) -> bool:
        """Every one of ``rels`` was written by the grader and is still there (``claim`` has refused the folder if
        any of them changed since, so its bytes are the grader's)."""
        return all(rel in self._files and (self.root / rel).is_file() for rel in rels)

    def owned(self, under: str) -> list[str]:
        return sorted(r for r in self._files if r.startswith(f'{under}/'))

    def cache(self, name: str) -> FileCache:
        """A key -> text store in the working area, kept between runs (e.g. rendered plots)."""
        return FileCache(self, self.work / name)

    def save_state(self, **values) -> None:
        self.state.update(values)
        self._save()

    def changed_since_written(self) -> list[str]:
        """Files the grader wrote that someone changed since (their sha256 differs); missing files don't count."""
        changed = []
        for rel, digest in sorted(self._files.items()):
            path = self.root / rel
            if digest is not None and path.is_file() and _sha256(path) != digest:
                changed.append(rel)
        return changed

    # ------------------------------------------------------------ using it
    @property
    def work(self) -> Path:
        return self.root / WORK

    def path(self, rel: str) -> Path:
        return self.root / rel

    def prepare(self) -> None:
        """Create the folder; record the gradebook as the grader's."""
        self._work_before = {p for p in self.work.rglob('*') if p.is_file()} if self.work.is_dir() else set()
        self.root.mkdir(parents=True, exist_ok=True)
        for name in MUTABLE:
            self._files.setdefault(name, None)
        self._save()

    def keep_work(self, under: str, written: Iterable[Path]) -> None:
        """After the working copies under ``WORK/under`` were (re)written: record them, and remove the copies the
        grader made there before that this run did not write again (and only those)."""
        keep = {Path(p).resolve().relative_to(self.root.resolve()).as_posix() for p in written}
        prefix = f'{WORK}/{under}/'
        for rel in [r for r in self._files if r.startswith(prefix) and r not in keep]:
            (self.root / rel).unlink(missing_ok=True)
            del self._files[rel]
        self._remove_empty_dirs(self.root / WORK / under)
        self.record([self.root / rel for rel in sorted(keep)])

    def record(self, paths: Iterable[Path], mutable: bool = False) -> None:
        """Note files the grader has just written (whole folders: every file in them)."""
        for path in paths:
            path = Path(path)
            for f in (sorted(p for p in path.rglob('*') if p.is_file()) if path.is_dir() else [path]):
                if f.is_file():
                    self._files[f.relative_to(self.root).as_posix()] = None if mutable else _sha256(f)
        self._save()

    def remove_stale(self, under: str, keep: Iterable[Path]) -> list[str]:
        """Files the grader wrote earlier under ``under`` (e.g. feedback/) that this run did not write again."""
        keep = {Path(k).resolve() for k in keep}
        removed = []
        for rel in sorted(r for r in self._files if r.startswith(f'{under}/')):
            path = self.root / rel
            if path.resolve() not in keep:
                if path.is_file():
                    path.unlink()
                    removed.append(rel)
                del self._files[rel]
        self._save()
        return removed

    def abandon(self) -> None:
        """Undo this run's writes after a mistake found late (a damaged zip, no submissions): files it added are
        removed, the manifest is as it was, and a folder this run created is gone. Bad input writes nothing."""
        for rel in set(self._files) - set(self._before):
            (self.root / rel).unlink(missing_ok=True)
        for path in (p for p in self.work.rglob('*') if p.is_file()) if self.work.is_dir() else ():
            if path not in self._work_before:
                path.unlink()       # copied by this run before the mistake showed (a zip damaged half-way)
        self._files = dict(self._before)
        self._remove_empty_dirs(self.root / WORK)
        if not self._existed:
            (self.root / MANIFEST).unlink(missing_ok=True)
            self._remove_empty_dirs(self.root)
            try:
                self.root.rmdir()
            except OSError:
                pass
        elif self._before:
            self._save()
        else:
            (self.root / MANIFEST).unlink(missing_ok=True)

    def _remove_empty_dirs(self, top: Path) -> None:
        if not top.is_dir():
            return
        for d in sorted((p for p in top.rglob('*') if p.is_dir()), key=lambda p: len(p.parts), reverse=True) + [top]:
            try:
                d.rmdir()       # only when empty: a folder holding anything not ours stays
            except OSError:
                pass

    def _save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = self.root / MANIFEST
        tmp = manifest.with_name(manifest.name + '.tmp')
        tmp.write_text(json.dumps({'written_by': 'a2-grader', 'files': dict(sorted(self._files.items())),
                                   'state': self.state}, indent=1), encoding='utf-8')
        os.replace(tmp, manifest)


class FileCache(MutableMapping):
    """Text values in files named by their keys; every file is recorded as the grader's."""

    def __init__(self, folder: OutputFolder, path: Path):
        self.folder, self.path = folder, path

    def _file(self, key: str) -> Path:
        return self.path / f'{hashlib.sha256(key.encode()).hexdigest()[:32]}.txt'

    def __getitem__(self, key: str) -> str:
        try:
            return self._file(key).read_text(encoding='utf-8')
        except FileNotFoundError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self._file(key).write_text(value, encoding='utf-8')
        self.folder.record([self._file(key)], mutable=True)

    def __delitem__(self, key: str) -> None:
        self._file(key).unlink()

    def __iter__(self):
        return iter(())     # keys are hashed: only lookups are needed

    def __len__(self) -> int:
        return len(list(self.path.glob('*.txt'))) if self.path.is_dir() else 0

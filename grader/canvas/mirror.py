"""The pulled submissions folder: which files the pull wrote, and writing them without ever touching a TA's file.

``canvas-pull.json`` in the folder records every file the pull wrote (with the Canvas version it came from and the
sha256 of the bytes written) and the Canvas facts ``grader grade`` reads (the due date). From it:

- a file whose Canvas version (attachment id, size, updated time) is unchanged is not downloaded again;
- a file the pull wrote and nobody touched since may be replaced by a newer Canvas version, or, once the student's
  current attempt no longer holds it, moved into ``.superseded/`` (nothing is deleted; collect skips dot-folders);
- any other file with the same name (the TA's, or one edited since) is left exactly as it is, and said so.

Every write goes to a hidden temporary name first, then is linked or renamed into place: a pull killed midway
leaves whole files only. Knows files, nothing about Canvas's API.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from .config import CanvasInputError

MANIFEST = 'canvas-pull.json'
SUPERSEDED = '.superseded'


@dataclass(frozen=True)
class Wanted:
    """One file of a student's current attempt, named as Canvas's Download Submissions names it."""
    name: str
    user_id: str | None
    attachment_id: int | None
    size: int | None
    updated_at: str | None
    url: str | None = None
    body: bytes | None = None       # text and URL submissions: the content itself, no download

    def version(self) -> list[Any]:
        if self.body is not None:
            return ['body', hashlib.sha256(self.body).hexdigest()]
        return [self.attachment_id, self.size, self.updated_at]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def _tmp(path: Path) -> Path:
    return path.with_name(f'.{path.name}.{os.getpid()}.part')


def write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` atomically; False (nothing written) if a file of that name exists."""
    tmp = _tmp(path)
    tmp.write_bytes(data)
    try:
        os.link(tmp, path)      # fails if the name exists: no window in which a TA's file could be replaced
        return True
    except FileExistsError:
        return False
    except OSError:             # a file system without hard links
        if path.exists() or path.is_symlink():
            return False
        os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def replace(path: Path, data: bytes) -> None:
    tmp = _tmp(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Mirror:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.warnings: list[str] = []
        self.data: dict[str, Any] = {'schema_version': 1, 'files': {}, 'side_files': {}}
        path = self.folder / MANIFEST
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding='utf-8'))
                if isinstance(loaded, dict) and isinstance(loaded.get('files'), dict):
                    self.data.update(loaded)
                else:
                    raise ValueError('not a pull record')
            except (OSError, ValueError):
                raise CanvasInputError(f'{path}: not a record grader canvas pull can read (yours, or damaged): move '
                                       f'it away and pull again (files already there are then kept as yours)') \
                    from None

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return self.data['files']

    def save(self, **facts: Any) -> None:
        self.data.update(facts, updated_at=datetime.now(timezone.utc).isoformat(timespec='seconds'))
        replace(self.folder / MANIFEST, (json.dumps(self.data, indent=1, ensure_ascii=False) + '\n').encode())

    def _ours(self, name: str, record: dict[str, Any] | None) -> bool:
        """The file on disk is the one the pull wrote, untouched since."""
        return record is not None and _file_sha(self.folder / name) == record.get('sha256')

    def sync_file(self, want: Wanted, fetch: Callable[[], bytes]) -> str:
        """'downloaded', 'updated', 'unchanged', 'adopted' (the same bytes were already there) or 'kept'."""
        path, record = self.folder / want.name, self.files.get(want.name)
        kept = (f'{want.name}: a different file of this name is already in the folder (yours, or edited since the '
                f"last pull): left as it is; move it away to get Canvas's copy")
        if path.is_symlink():
            self.warnings.append(kept)
            return 'kept'
        if path.exists() and record is not None:
            ours = self._ours(want.name, record)
            if ours and record.get('version') == want.version():
                return 'unchanged'
            if not ours:
                self.warnings.append(kept)
                return 'kept'
            data = want.body if want.body is not None else fetch()
            replace(path, data)
            return self._note(want, data, 'updated')
        if path.exists():
            data = want.body if want.body is not None else fetch()
            if _file_sha(path) == sha256(data):
                return self._note(want, data, 'adopted')
            self.warnings.append(kept)
            return 'kept'
        data = want.body if want.body is not None else fetch()
        if not write_new(path, data):
            self.warnings.append(f'{want.name}: appeared while pulling: left as it is')
            return 'kept'
        return self._note(want, data, 'downloaded')

    def _note(self, want: Wanted, data: bytes, outcome: str) -> str:
        self.files[want.name] = {'user_id': want.user_id, 'attachment_id': want.attachment_id, 'size': len(data),
                                 'version': want.version(), 'sha256': sha256(data)}
        self.save()     # after every file: a pull stopped midway still knows what it wrote
        return outcome

    def retire(self, current: set[str]) -> list[str]:
        """Move files the pull wrote that are no longer in a current attempt into .superseded/; their names."""
        moved = []
        for name in sorted(set(self.files) - current):
            path = self.folder / name
            if not path.exists():
                del self.files[name]
            elif self._ours(name, self.files[name]):
                folder = self.folder / SUPERSEDED
                folder.mkdir(exist_ok=True)
                dest, n = folder / name, 1
                while dest.exists():
                    n += 1
                    dest = folder / f'{n}~{name}'
                os.replace(path, dest)
                del self.files[name]
                moved.append(name)
            else:
                self.warnings.append(f'{name}: no longer in the student\'s current attempt on Canvas, but edited since '
                                     f'the last pull: left as it is (grader grade will see it)')
        if moved:
            self.save()
        return moved

    def sync_side(self, name: str, text: str) -> str:
        """A side file (roster.csv, ...): 'written', 'unchanged', 'updated' or 'kept' (the TA's or edited)."""
        data, path = text.encode('utf-8'), self.folder / name
        recorded = self.data['side_files'].get(name)
        if path.exists() or path.is_symlink():
            current = None if path.is_symlink() else _file_sha(path)
            if current == sha256(data):
                outcome = 'unchanged'
            elif current is not None and current == recorded:
                replace(path, data)
                outcome = 'updated'
            else:
                self.warnings.append(f'{name}: not written by the last pull or edited since: left as it is (grader '
                                     f'grade will use it); move it away to get the one from Canvas')
                return 'kept'
        elif write_new(path, data):
            outcome = 'written'
        else:
            return 'kept'
        self.data['side_files'][name] = sha256(data)
        self.save()
        return outcome

"""collect: a Canvas "Download Submissions" zip, or a folder, into one Submission per student.

Knows Canvas's naming and nothing about notebooks' contents. Every file is copied under
``workdir/<student key>/`` with a sanitized flat name: nothing a student named decides where bytes land, and the
later steps never read the TA's originals. Zips, the student's own included, are untrusted: entries that climb
out with '..' or an absolute path, symbolic links, oversize entries and zip bombs are skipped with a reason.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterator, NamedTuple

from ..errors import InputError
from .names import CanvasEntry, parse_entry_name, partner_last_names
from .safe_paths import refusal, safe_name, unique_name

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    entry_bytes: int = 50 * MB          # one file, uncompressed
    total_bytes: int = 2048 * MB        # everything extracted in one run
    ratio: float = 200.0                # uncompressed / compressed above this ...
    ratio_min_bytes: int = 1 * MB       # ... and this large: a zip bomb
    members: int = 2000                 # entries in a student's own zip (a zipped virtualenv is not an answer)


@dataclass(frozen=True)
class CollectedFile:
    name: str                   # the student's file name (Canvas's duplicate '-1' undone): patterns read it
    source: str                 # the download's entry, or 'entry.zip → inner/path' for a student's own zip
    path: Path                  # the copy under workdir
    attachment_id: int | None   # a zip member carries its zip's
    note: str = ''


@dataclass
class Submission:
    student_key: str            # Canvas user id, 'anon_<id>', or a file stem when no Canvas id is known
    user_id: str | None = None
    anon_id: str | None = None
    name_slug: str | None = None
    late: bool = False          # Canvas's LATE marker on any of the entries
    notebook: CollectedFile | None = None
    other_files: list[CollectedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    partner_names: list[str] = field(default_factory=list)     # last names in the graded file's name
    entries: list[CanvasEntry] = field(default_factory=list)


@dataclass
class Collection:
    source: str
    submissions: list[Submission]
    skipped: list[tuple[str, str]]      # (entry, reason a TA can read)

    def get(self, student_key: str) -> Submission | None:
        return next((s for s in self.submissions if s.student_key == student_key), None)


class _Refused(Exception):
    """An entry not extracted; the message is the reason shown to the TA."""


def collect(source: str | Path, workdir: str | Path, notebook_pattern: str = '*A2*.ipynb',
            limits: Limits = Limits()) -> Collection:
    """Read a Canvas download zip or a folder of its files; copy each student's files under workdir."""
    source = Path(source)
    run = _Run(Path(workdir), notebook_pattern, limits)
    if source.is_dir():
        run.read_folder(source)
        return run.finish(str(source))
    if not source.is_file():
        raise InputError(f'{source}: no such file or folder')
    if not zipfile.is_zipfile(source):
        with open(source, 'rb') as f:
            zip_like = f.read(2) == b'PK'
        if zip_like or source.suffix.lower() == '.zip':
            raise InputError(f'{source}: this zip is damaged or incomplete (a download cut short?): download the '
                             'submissions from Canvas again')
        raise InputError(f'{source}: not a zip file: give the zip Canvas\'s "Download Submissions" makes, or the '
                         'folder it unzips to')
    try:
        with zipfile.ZipFile(source) as zf:
            run.read_zip(zf)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise InputError(f'{source}: this zip is damaged or incomplete ({exc}): download the submissions from '
                         'Canvas again') from None
    return run.finish(str(source))


def _member_name(info: zipfile.ZipInfo) -> str:
    # Without the UTF-8 flag zipfile decodes as cp437; most tools that omit the flag still wrote UTF-8.
    try:
        return info.filename if info.flag_bits & 0x800 else info.filename.encode('cp437').decode('utf-8')
    except UnicodeError:
        return info.filename


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _size(n: int) -> str:
    return f'{n / MB:.1f} MB'


class _Writer:
    """Copies byte streams into workdir under the limits, keeping count of the total."""

    def __init__(self, workdir: Path, limits: Limits):
        workdir.mkdir(parents=True, exist_ok=True)
        self.root, self.limits, self.total = workdir.resolve(), limits, 0
        self.dirs: dict[str, Path] = {}
        self.used: dict[Path, set[str]] = {self.root: set()}

    def _over(self, size: int, compressed: int | None) -> str | None:
        lim = self.limits
        if compressed is not None and size > lim.ratio_min_bytes and size > lim.ratio * max(compressed, 1):
            return (f'compression ratio over {lim.ratio:.0f}:1 ({_size(size)} from {compressed} bytes): '
                    f'looks like a zip bomb, not extracted')
        if size > lim.entry_bytes:
            return f'{_size(size)} uncompressed, over the limit of {_size(lim.entry_bytes)} per file'
        if self.total + size > lim.total_bytes:
            return f'the run would extract over {_size(lim.total_bytes)} in all: not extracted'
        return None

    def _dest(self, key: str, name: str) -> Path:
        if key not in self.dirs:     # two keys that sanitize alike still get two folders
            self.dirs[key] = self.root / unique_name(safe_name(key, keep_dots=False) or 'unknown', self.used[self.root])
        folder = self.dirs[key]
        folder.mkdir(exist_ok=True)
        dest = folder / unique_name(safe_name(name), self.used.setdefault(folder, set()))
        if dest.is_symlink():       # a reused workdir: never write through a link
            dest.unlink()
        if dest.resolve().parent != folder.resolve():
            raise _Refused('its name resolves outside the work folder: not extracted')
        return dest

    def write(self, opener: Callable[[], IO[bytes]], key: str, name: str, size: int | None,
              compressed: int | None) -> Path:
        if size is not None and (reason := self._over(size, compressed)):
            raise _Refused(reason)
        dest, written, chunks = self._dest(key, name), 0, []
        try:
            with opener() as src:
                while chunk := src.read(MB):
                    written += len(chunk)
                    # declared sizes can lie: the limits hold on the bytes actually read
                    if reason := self._over(written, compressed):
                        raise _Refused(reason)
                    chunks.append(chunk)
            data = b''.join(chunks)     # at most Limits.entry_bytes
            # a re-run over the same download: an identical copy is left alone (no write, same mtime)
            if not (dest.is_file() and not dest.is_symlink() and dest.stat().st_size == len(data)
                    and dest.read_bytes() == data):
                dest.write_bytes(data)
        except _Refused:
            dest.unlink(missing_ok=True)
            raise
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError) as e:
            dest.unlink(missing_ok=True)
            raise _Refused(f'unreadable ({type(e).__name__}: {e})') from None
        self.total += written
        return dest


class _Item(NamedTuple):
    label: str                  # what the TA sees: the entry, 'a.zip → inner', or a path in the folder
    name: str                   # the file's own name, without folders
    open: Callable[[], IO[bytes]]
    size: int | None
    compressed: int | None      # None outside zips


def _zip_items(zf: zipfile.ZipFile, prefix: str) -> Iterator[tuple[_Item, tuple[str, bool] | None]]:
    for info in zf.infolist():
        name = _member_name(info)
        item = _Item(prefix + name, name.rsplit('/', 1)[-1], lambda i=info: zf.open(i), info.file_size,
                     info.compress_size)
        yield item, refusal(name, info.is_dir(), _is_link(info))


class _Run:
    def __init__(self, workdir: Path, pattern: str, limits: Limits):
        self.writer, self.pattern = _Writer(workdir, limits), pattern
        self.subs: dict[str, Submission] = {}
        self.files: dict[str, list[CollectedFile]] = {}
        self.skipped: list[tuple[str, str]] = []

    def read_zip(self, zf: zipfile.ZipFile, prefix: str = '') -> None:
        for item, refused in _zip_items(zf, prefix):
            if refused:
                self.skipped.append((item.label, refused[0]))
            else:
                self.add(item, top=False)

    def read_folder(self, root: Path) -> None:
        for dirpath, dirnames, filenames in os.walk(root):     # os.walk never descends into a linked folder
            rel = Path(dirpath).relative_to(root)
            for name in sorted(dirnames + filenames):
                path, label = Path(dirpath) / name, (rel / name).as_posix()
                folder = path.is_dir() and not path.is_symlink()
                refused = refusal(label + '/x' if folder else label, False, path.is_symlink())
                if refused:     # a hidden or __MACOSX folder is reported once, not file by file
                    self.skipped.append((label + '/' * folder, refused[0]))
                    if folder:
                        dirnames.remove(name)
                elif not folder:
                    self.add(_Item(label, name, lambda p=path: open(p, 'rb'), path.stat().st_size, None), True)

    def _submission(self, key: str, entry: CanvasEntry | None) -> Submission:
        if key not in self.subs:
            self.subs[key], self.files[key] = Submission(key), []
        sub = self.subs[key]
        if entry is not None:
            sub.entries.append(entry)
            sub.user_id, sub.anon_id = entry.user_id, entry.anon_id
            sub.name_slug, sub.late = sub.name_slug or entry.name_slug, sub.late or entry.late
        return sub

    def _take(self, sub: Submission, item: _Item, disk_name: str, where: str = '') -> Path | None:
        try:
            return self.writer.write(item.open, sub.student_key, disk_name, item.size, item.compressed)
        except _Refused as r:
            self.skipped.append((item.label, str(r)))
            sub.warnings.append(f'{item.name}{where} not extracted: {r}')
            return None

    def add(self, item: _Item, top: bool) -> None:
        entry = parse_entry_name(item.name)
        if entry is None:
            self._add_unnamed(item, top)
            return
        sub = self._submission(entry.student_key, entry)
        if entry.kind != 'file':
            what = 'a text entry' if entry.kind == 'text' else 'a website URL'
            self.skipped.append((item.label, f'{what} submitted on Canvas, not a file: nothing to grade'))
            sub.warnings.append(f'submitted {what} instead of a notebook ({item.label})')
            return
        path = self._take(sub, item, entry.file_name)
        if path is None:
            return
        got = CollectedFile(entry.original_name, item.label, path, entry.attachment_id,
                            'Canvas renamed a duplicate file name' if entry.canvas_renamed else '')
        if entry.original_name.casefold().endswith('.zip'):
            got = self._open_nested(sub, got)
        self.files[sub.student_key].append(got)

    def _add_unnamed(self, item: _Item, top: bool) -> None:
        if top and item.name.casefold().endswith('.zip') and self._read_download_zip(item):
            return
        if not item.name.casefold().endswith('.ipynb'):
            self.skipped.append((item.label, "name not in Canvas's download form '{name}_{user id}_{attachment "
                                             "id}_{file}', and not a notebook: not collected"))
            return
        sub = self._submission(item.label.rsplit('.', 1)[0].replace('/', '_'), None)
        sub.warnings.append(f"no Canvas id is known for '{item.label}' (its name is not in Canvas's download "
                            f'form): keyed by file name; match it to a student by hand')
        path = self._take(sub, item, item.name)
        if path is not None:
            self.files[sub.student_key].append(CollectedFile(item.name, item.label, path, None))

    def _read_download_zip(self, item: _Item) -> bool:
        """A folder may hold whole Canvas downloads (one per section): read one when its entries are Canvas's."""
        try:
            with item.open() as raw, zipfile.ZipFile(raw) as zf:
                if not any(parse_entry_name(_member_name(i)) for i in zf.infolist()):
                    return False
                self.read_zip(zf, prefix=item.label + ' → ')
                return True
        except (zipfile.BadZipFile, OSError):
            return False

    def _open_nested(self, sub: Submission, outer: CollectedFile) -> CollectedFile:
        """A student's own zip, one level deep, under the same limits; its files join the student's."""
        found, routine = [], 0
        try:
            with zipfile.ZipFile(outer.path) as zf:
                if len(zf.infolist()) > self.writer.limits.members:
                    raise zipfile.BadZipFile(f'{len(zf.infolist())} entries, over the limit of '
                                             f'{self.writer.limits.members}')
                for item, refused in _zip_items(zf, f'{outer.source} → '):
                    if refused:
                        routine += refused[1]
                        if not refused[1]:
                            self.skipped.append((item.label, refused[0]))
                    elif path := self._take(sub, item, item.name, f' in {outer.name}'):
                        found.append(CollectedFile(item.name, item.label, path, outer.attachment_id,
                                                   f'inside {outer.name}'))
        except (zipfile.BadZipFile, OSError, RuntimeError) as e:
            sub.warnings.append(f'{outer.name} could not be opened as a zip ({e})')
            return dataclasses.replace(outer, note=_join(outer.note, 'not a readable zip'))
        self.files[sub.student_key].extend(found)
        ignored = f', {routine} ignored (folders, __MACOSX/, checkpoints, dot-files)' if routine else ''
        return dataclasses.replace(outer, note=_join(outer.note, f'a zip: opened, {len(found)} file(s) taken{ignored}'))

    def finish(self, source: str) -> Collection:
        for key, sub in self.subs.items():
            _choose(sub, self.files[key], self.pattern)
        subs = sorted(self.subs.values(), key=lambda s: (s.name_slug or s.student_key, s.student_key))
        return Collection(source, subs, self.skipped)


def _join(*notes: str) -> str:
    return '; '.join(n for n in notes if n)


def _fits(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name.casefold(), pattern.casefold())


def _choose(sub: Submission, files: list[CollectedFile], pattern: str) -> None:
    """The notebook to grade: one whose name fits the pattern, the latest upload (highest attachment id)."""
    notebooks = [f for f in files if f.name.casefold().endswith('.ipynb')]
    fitting = [f for f in notebooks if _fits(f.name, pattern)]
    pool = fitting or notebooks
    if not pool:
        sub.other_files = files
        sub.warnings.append('no notebook (.ipynb) submitted' + ''.join(f'; {f.name}' for f in files))
        return
    # Files of one id come from one zip: the shallowest path inside it wins, then the name, for a stable choice.
    chosen = max(pool, key=lambda f: (f.attachment_id or -1, -f.source.count('/'), f.name))
    sub.notebook, sub.partner_names = chosen, partner_last_names(chosen.name, pattern)
    if not fitting:
        sub.warnings.append(f"no file name matches '{pattern}': grading {chosen.name}, the latest notebook")
    elif len(fitting) > 1:
        sub.warnings.append(f"{len(fitting)} notebooks match '{pattern}': grading {chosen.name} (the latest upload, "
                            f'attachment {chosen.attachment_id}); the others are listed, not graded')
    for f in files:
        if f is chosen:
            continue
        note = '' if f not in notebooks else f"not graded: its name does not match '{pattern}'"
        if f in fitting:
            note = 'not graded: ' + ('in the same upload as the graded notebook' if f.attachment_id ==
                                     chosen.attachment_id else f'an earlier upload than {chosen.name}')
        sub.other_files.append(dataclasses.replace(f, note=_join(f.note, note)))

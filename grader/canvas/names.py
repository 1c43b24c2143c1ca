"""What a Canvas "Download Submissions" entry name says: who submitted, late or not, which upload, which file.

Canvas builds each name as ``{name}[_LATE]_{user_id}_{attachment_id}_{file name}`` (``anon_{id}`` in place of
name and user id under anonymous grading, ``LATE_anon_{id}`` when late; ``..._{user_id}_text.html`` and
``_link.html`` for text and URL submissions). The name is the sortable name lower-cased with non-word characters
removed, so it may hold non-ASCII letters and underscores; Canvas collapses ``_<digits>_`` inside names precisely
so that ``_<digits>_`` marks the ids, which is what the parser keys on.

Which entries are never taken and the sanitized names files get on disk are ``safe_paths``'s.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

EntryKind = Literal['file', 'text', 'link']


@dataclass(frozen=True)
class CanvasEntry:
    student_key: str            # the user id, or 'anon_<id>' under anonymous grading
    user_id: str | None
    anon_id: str | None
    name_slug: str | None       # None under anonymous grading
    late: bool
    attachment_id: int | None   # None for text and link entries
    original_name: str          # the student's file name, Canvas's duplicate '-1' undone
    canvas_renamed: bool        # Canvas appended '-N' to a duplicate file name (not an attempt number)
    kind: EntryKind
    entry_name: str             # as it appears in the download
    file_name: str = ''         # the file's name as the download shows it ('Smith-A2-1.ipynb')


# Lookahead so overlapping candidates are all seen: 'a_1_2_3_f' has ids at '_1_2_' and at '_2_3_'.
_IDS = re.compile(r'(?=_(\d+)_(\d+)_(.))')
# The name is word characters only (Canvas strips the rest); LATE is upper case while names are lower-cased,
# so a real name holding '_late' is never mistaken for the marker.
_PREFIX = re.compile(r'(?P<name>\w+?)(?P<late>_LATE)?')
_ANON = re.compile(r'(?P<late>LATE_)?anon_(?P<anon>[^\W_]+)_(?:(?P<aid>\d+)_(?P<file>.+)|(?P<kind>text|link)\.html)')
_TEXT = re.compile(r'(?P<name>\w+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<kind>text|link)\.html')
# Canvas's duplicate renaming appends -1, -2, ... before the extension; three digits at most so that names
# like 'A2-2024.ipynb' keep their year.
_RENAMED = re.compile(r'(?P<stem>.*[^-\s])-\d{1,3}(?P<ext>\.[A-Za-z0-9]+)')


def parse_entry_name(name: str) -> CanvasEntry | None:
    """The entry's fields, or None when the name is not one Canvas builds."""
    base = name.replace('\\', '/').rsplit('/', 1)[-1]
    # macOS tools write decomposed accents (NFD), which are not word characters: compare in NFC.
    text = unicodedata.normalize('NFC', base)
    m = _ANON.fullmatch(text)
    if m:
        anon = m['anon']
        kind = m['kind'] or 'file'
        return _entry(name, f'anon_{anon}', None, anon, None, bool(m['late']), m['aid'], m['file'], kind)
    for ids in _IDS.finditer(text):
        prefix = _PREFIX.fullmatch(text[:ids.start()])
        if prefix:
            rest = text[ids.start() + len(ids[1]) + len(ids[2]) + 3:]
            return _entry(name, ids[1], ids[1], None, prefix['name'], bool(prefix['late']), ids[2], rest, 'file')
    m = _TEXT.fullmatch(text)
    if m:
        return _entry(name, m['uid'], m['uid'], None, m['name'], bool(m['late']), None, None, m['kind'])
    return None


def _entry(entry_name: str, key: str, user_id: str | None, anon_id: str | None, slug: str | None, late: bool,
           attachment_id: str | None, file_name: str | None, kind: EntryKind) -> CanvasEntry:
    file_name = file_name or f'{kind}.html'
    original, renamed = undo_canvas_rename(file_name)
    return CanvasEntry(student_key=key, user_id=user_id, anon_id=anon_id, name_slug=slug, late=late,
                       attachment_id=int(attachment_id) if attachment_id else None, original_name=original,
                       canvas_renamed=renamed, kind=kind, entry_name=entry_name, file_name=file_name)


def undo_canvas_rename(file_name: str) -> tuple[str, bool]:
    """('Smith-A2-1.ipynb') -> ('Smith-A2.ipynb', True): the name the student gave the file."""
    m = _RENAMED.fullmatch(file_name)
    if not m:
        return file_name, False
    return m['stem'] + m['ext'], True


def pattern_token(pattern: str) -> str:
    """'*A2*.ipynb' -> 'A2': the word of the pattern that marks the assignment in a file name."""
    stem = pattern.rsplit('.', 1)[0] if '.' in pattern else pattern
    return re.sub(r'[*?\[\]!]', '', stem).strip('-_ ')


def partner_last_names(file_name: str, pattern: str = '*A2*.ipynb') -> list[str]:
    """Last names before the assignment token: 'Kowalski-Ito-A2.ipynb' -> ['Kowalski', 'Ito'].

    The handout asks for 'Lastname-A2.ipynb' or 'Lastname1-Lastname2-A2.ipynb'; students also use '_', other
    cases and glued tokens ('SmithA2'). Returns [] when the token is not found: guessing names from an
    arbitrary file name would invent partners.
    """
    token = pattern_token(pattern).casefold()
    if not token:
        return []
    stem, _ = undo_canvas_rename(file_name)
    stem = stem.rsplit('.', 1)[0] if '.' in stem else stem
    parts = [p.strip() for p in re.split(r'[-_]+', stem) if p.strip()]
    for i, part in enumerate(parts):
        folded = part.casefold()
        if folded == token:
            return parts[:i]
        if folded.endswith(token) and len(part) > len(token):
            return parts[:i] + [part[:len(part) - len(token)].strip()]
    return []


def _key(name: str) -> str:
    decomposed = unicodedata.normalize('NFKD', name)
    return ''.join(c for c in decomposed if c.isalnum()).casefold()


def partners_named(names: list[str], submitter_slug: str | None = None) -> list[str]:
    """The last names of a file name that are someone besides the submitter: 'Smith-A2.ipynb' names no partner.

    One name is the submitter's. Of several, the submitter's is the one Canvas's name slug starts with ('smithjohn'
    for 'Smith, John', so 'Smith' or a compound 'Smith-Jones'); without a slug that matches (anonymous grading), the
    first, as the handout asks partners to put the submitter first. The roster, when given, decides instead
    (grader.canvas.roster.resolve_partners).
    """
    if len(names) < 2:
        return []
    slug = _key(submitter_slug or '')
    best = None
    for i in range(len(names)):
        for j in range(len(names), i, -1):
            joined = _key(''.join(names[i:j]))
            if joined and slug.startswith(joined) and (best is None or j - i > best[1] - best[0]):
                best = (i, j)
    i, j = best or (0, 1)
    return names[:i] + names[j:]


# ---------------------------------------------------------------- names on disk

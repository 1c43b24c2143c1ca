"""File names that are safe to write: what is refused from a zip (traversal, links, devices), a flat sanitized
name, and a name made unique in a folder. Nothing a student named decides where bytes land."""
from __future__ import annotations

import re
import unicodedata


def refusal(name: str, is_dir: bool, is_link: bool) -> tuple[str, bool] | None:
    """Why an entry is not taken, and whether that is routine (folders, macOS and Jupyter leftovers)."""
    parts = name.replace('\\', '/').split('/')
    if name.startswith(('/', '\\')) or re.match(r'[A-Za-z]:', name) or '..' in parts:
        return 'unsafe path (".." or absolute): not extracted', False
    if is_link:
        return 'a symbolic link: never followed', False
    if is_dir or not parts[-1]:
        return 'a folder, not a file', True
    if '__MACOSX' in parts:
        return 'macOS metadata (__MACOSX/), not a submission', True
    if '.ipynb_checkpoints' in parts:
        return 'a Jupyter checkpoint copy (.ipynb_checkpoints/), not the submission', True
    if any(p.startswith('.') and p != '.' for p in parts):
        return 'a hidden file (dot-file)', True
    return None


def safe_name(name: str, keep_dots: bool = True) -> str:
    """A flat name that cannot climb out of a folder, hide itself or break a shell: word characters kept."""
    name = unicodedata.normalize('NFC', name.replace('\\', '/').rsplit('/', 1)[-1])
    name = re.sub(r'[^\w.\- ]+' if keep_dots else r'[^\w\-]+', '_', name).strip(' ._')
    stem, dot, ext = name.rpartition('.') if '.' in name else (name, '', '')
    return (stem[:100] + dot + ext[:16]) if stem else (name[:100] or 'file')


def unique_name(name: str, used: set[str]) -> str:
    """name, or name~2, name~3 ... (not '-2': that reads as Canvas's renaming); case-blind for macOS disks."""
    stem, dot, ext = name.rpartition('.') if '.' in name else (name, '', '')
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f'{stem}~{n}{dot}{ext}'
    used.add(candidate.casefold())
    return candidate

"""Read a submitted file as a notebook: any nbformat version, upgraded to v4, tolerant of schema defects.

Rejections carry a status of the results schema and a message that tells the student what to resubmit. A
notebook that breaks the schema but whose cells can still be read is graded, with a note, because a missing
metadata field is no reason to give a student 0. Only definitions, discussion answers and small evidence of
saved outputs leave this module: a notebook's 10 MB of saved images is dropped once the answers are located.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import Any, Iterable

from .extract import select_definitions
from ..model import LoadedNotebook, SubmissionStatus
from .prompts import locate_answers

_CELL_TYPES = ('code', 'markdown', 'raw')
_RESUBMIT = 'save the notebook from Jupyter (File > Save) and submit the .ipynb file again'


class NotebookError(Exception):
    """The file cannot be graded as a notebook; ``status`` is the results schema's submission status."""

    def __init__(self, status: SubmissionStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def load_notebook(path: str | Path, roots: Iterable[str] | None = None) -> LoadedNotebook:
    """``roots``: the names that will be called (the graded API); only code they need is selected. None keeps
    every import and definition."""
    path = Path(path)
    data = _read_bytes(path)
    nb, version, notes = parse_notebook(data, path.name)
    cells = nb['cells']
    code = [(i, cell['source']) for i, cell in enumerate(cells) if cell['cell_type'] == 'code']
    chunks, problems = select_definitions(code, roots)
    return LoadedNotebook(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), nbformat_version=version,
        n_cells=len(cells), chunks=tuple(chunks), problems=tuple(problems),
        answers=locate_answers(cells), notes=tuple(notes), code_cells=tuple(code))


def parse_notebook(data: bytes, name: str = 'notebook') -> tuple[Any, str, list[str]]:
    """The notebook as nbformat v4 (cells' sources are strings), its version as read, and tolerated defects."""
    if not data.strip():
        raise NotebookError('empty', f'{name} is empty (0 bytes of content): the upload did not save your'
                                     f' work; {_RESUBMIT}')
    notes: list[str] = []
    text = _decode(data, name, notes)
    obj = _parse_json(text, name)
    del text    # a large notebook should not be held twice
    _check_is_notebook(obj, name)
    major, minor = _version(obj, notes)
    nb = _read_with_nbformat(obj, major, minor, notes)
    _validate(nb, notes)
    nb['cells'] = _usable_cells(nb.get('cells'), name, notes)
    return nb, f'{major}.{minor}', notes


# ---------------------------------------------------------------- bytes and text
def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise NotebookError('not-a-notebook', f'{path.name}: file not found ({path})')
    if path.is_dir():
        raise NotebookError('not-a-notebook', f'{path.name} is a folder, not a notebook file')
    try:
        return path.read_bytes()
    except OSError as error:
        raise NotebookError('not-a-notebook', f'{path.name} cannot be read: {error.strerror or error}') from None


_BINARY_KINDS = ((b'%PDF', 'a PDF document'), (b'PK\x03\x04', 'a zip archive (or Word document)'),
                 (b'\x89PNG', 'a PNG image'), (b'\xff\xd8\xff', 'a JPEG image'))


def _decode(data: bytes, name: str, notes: list[str]) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode('utf-16')
        except UnicodeDecodeError:
            pass
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as error:
        kind = next((k for magic, k in _BINARY_KINDS if data.startswith(magic)), None)
        if kind:
            raise NotebookError('not-a-notebook', f'{name} is {kind}, not a Jupyter notebook: submit the'
                                                  ' .ipynb file itself') from None
        if data.lstrip()[:1] != b'{':
            raise NotebookError('not-a-notebook', f'{name} is not a text file (undecodable byte'
                                                  f' 0x{data[error.start]:02x} at offset {error.start}):'
                                                  ' submit the .ipynb file') from None
        # JSON with a stray byte (edited outside Jupyter): read the rest rather than reject the work.
        notes.append(f'invalid UTF-8 byte 0x{data[error.start]:02x} at offset {error.start} was replaced')
        return data.decode('utf-8', errors='replace')


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        hint = _what_it_looks_like(text, name)
        if hint:
            raise NotebookError('not-a-notebook', f'{name} is {hint}, not a Jupyter notebook: submit the .ipynb'
                                                  ' file (in Jupyter: File > Download as > Notebook)') from None
        raise NotebookError('invalid-notebook', f'{name} is not valid JSON (line {error.lineno}, column'
                                                f' {error.colno}: {error.msg}); it may be truncated or edited'
                                                f' outside Jupyter: {_RESUBMIT}') from None


def _what_it_looks_like(text: str, name: str) -> str | None:
    head = text.lstrip()[:200].lower()
    if name.lower().endswith('.py') or re.match(r'(#|import |from \w|def |class |%|!)', head):
        return 'a Python script'
    if head.startswith(('<!doctype html', '<html')) or name.lower().endswith(('.html', '.htm')):
        return 'a web page (HTML export)'
    return None


# ---------------------------------------------------------------- notebook structure
def _check_is_notebook(obj: Any, name: str) -> None:
    if not isinstance(obj, dict):
        raise NotebookError('not-a-notebook', f'{name} holds JSON ({_json_kind(obj)}), not a notebook: a notebook'
                                              ' is a JSON object with a "cells" list; submit your .ipynb file')
    if 'cells' not in obj and 'worksheets' not in obj:
        raise NotebookError('not-a-notebook', f'{name} holds a JSON object without "cells", not a notebook:'
                                              ' submit your .ipynb file')
    if not isinstance(obj.get('cells', obj.get('worksheets')), list):
        raise NotebookError('invalid-notebook', f'{name}: its "cells" are not a list, so no cell can be read;'
                                                f' {_RESUBMIT}')


def _json_kind(obj: Any) -> str:
    return {list: 'a list', str: 'a string', bool: 'a boolean', type(None): 'null'}.get(type(obj), 'a number')


def _version(obj: dict, notes: list[str]) -> tuple[int, int]:
    major, minor = obj.get('nbformat'), obj.get('nbformat_minor', 0)
    if not isinstance(major, int) or major not in (1, 2, 3, 4):
        guess = 3 if 'worksheets' in obj and 'cells' not in obj else 4
        notes.append(f'nbformat version {major!r} is not one nbformat knows: read as version {guess}')
        major, minor = guess, 0
    if not isinstance(minor, int):
        notes.append(f'nbformat_minor {minor!r} is not a number: read as 0')
        minor = 0
    obj['nbformat'], obj['nbformat_minor'] = major, minor   # nbformat's upgraders read the version from here
    return major, minor


def _read_with_nbformat(obj: dict, major: int, minor: int, notes: list[str]) -> Any:
    """What ``nbformat.reads(text, as_version=4)`` does, on JSON already parsed (once) and without its logging."""
    import nbformat

    try:
        nb = nbformat.versions[major].to_notebook_json(obj, minor=minor)
        return nbformat.convert(nb, 4)
    except Exception as error:   # nbformat's upgraders assume well-formed cells: fall back to reading them
        notes.append(f'nbformat could not read this notebook as it is ({type(error).__name__}: {error}); its'
                     ' cells were read directly')
        return nbformat.from_dict({'cells': _raw_cells(obj), 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5})


def _raw_cells(obj: dict) -> list:
    if isinstance(obj.get('cells'), list):
        return obj['cells']
    cells = []
    for sheet in obj.get('worksheets') or []:
        for cell in (sheet.get('cells') or []) if isinstance(sheet, dict) else []:
            cells.append(_v3_cell(cell) if isinstance(cell, dict) else cell)
    return cells


def _v3_cell(cell: dict) -> dict:
    if cell.get('cell_type') == 'code':
        return {**cell, 'source': cell.get('input', '')}
    if cell.get('cell_type') == 'heading':
        level = cell.get('level', 1) if isinstance(cell.get('level'), int) else 1
        return {**cell, 'cell_type': 'markdown', 'source': '#' * level + ' ' + _join(cell.get('source', ''))}
    return cell


def _validate(nb: Any, notes: list[str]) -> None:
    import nbformat

    try:
        with warnings.catch_warnings():   # missing cell ids and the like: nbformat warns, nothing to act on
            warnings.simplefilter('ignore')
            nbformat.validate(nb)
    except nbformat.ValidationError as error:
        where = '/'.join(str(p) for p in getattr(error, 'absolute_path', ()) or ())
        notes.append(f'the notebook does not follow the nbformat schema ({_first_line(error.message)}'
                     f'{" at " + where if where else ""}); it was graded anyway')
    except Exception as error:   # the validator itself choking on odd content is not the student's fault
        notes.append(f'the notebook could not be validated ({type(error).__name__}); it was graded anyway')


def _usable_cells(cells: Any, name: str, notes: list[str]) -> list:
    """Cells with a known type and a text source; the rest are dropped with a note."""
    import nbformat

    if not isinstance(cells, list):     # a v3 worksheet's cells, after upgrading
        raise NotebookError('invalid-notebook', f'{name}: its cells are not a list, so none can be read;'
                                                f' {_RESUBMIT}')
    usable = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get('cell_type') in _CELL_TYPES and _is_text(cell.get('source')):
            cell = cell if isinstance(cell, nbformat.NotebookNode) else nbformat.from_dict(cell)
            cell['source'] = _join(cell['source'])
            if cell['cell_type'] == 'code' and not isinstance(cell.get('outputs'), list):
                cell['outputs'] = []
            usable.append(cell)
    if len(usable) < len(cells):
        notes.append(f'{len(cells) - len(usable)} of {len(cells)} cells could not be read and were ignored')
    if not cells:
        raise NotebookError('empty', f'{name} is a notebook with no cells: {_RESUBMIT}')
    if not usable:
        raise NotebookError('invalid-notebook', f'{name}: none of its {len(cells)} cells can be read (each needs'
                                                f' a "cell_type" and a "source"); {_RESUBMIT}')
    return usable


def _is_text(source: Any) -> bool:
    return isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))


def _join(source: Any) -> str:
    return ''.join(source) if isinstance(source, list) else str(source)


def _first_line(text: str, limit: int = 160) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ''
    return line if len(line) <= limit else line[:limit - 1] + '…'

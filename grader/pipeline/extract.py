"""Select, from a notebook's code cells, the top-level statements that define the graded names.

The grader never runs a notebook top to bottom: students leave grid searches that take minutes, plots, file
downloads, ``while True:`` loops and the course's own self-check (``%run -i A2grader.py``) at the top level.
Only definitions are executed, in notebook order, so the last definition of a name wins as it would in the
student's kernel. The rule, statement by statement at a cell's top level:

* kept: ``import`` / ``from ... import`` (except imports of the course's grader script, e.g. ``A2grader``),
  ``def``, ``async def`` and ``class`` (with their decorators), and ``try:`` blocks whose body only imports
  (their handlers keep only imports, assignments of constants, ``pass``, ``raise`` and prints);
* kept when needed: an assignment (``=``, annotated, augmented; also ``NeuralNetwork.relu = relu``) whose
  target name is referenced by kept code, or whose attribute/subscript target hangs off a kept class or a
  referenced name. "Referenced" means used by a kept statement at definition time (decorators, default
  values, base classes) or as a global inside its functions and methods (parameters and locals do not
  count, so a method's ``X`` argument does not pull in a top-level ``X = ...``). Assignments are added until
  nothing changes, so ``EPS`` used by ``def adam`` is kept, and so is whatever ``EPS``'s own value uses;
* never kept, even when referenced: an assignment that calls a function or class the notebook defines
  (``result = run_experiment(...)``, ``nnet = NeuralNetwork(...)``): that is how experiments are run;
* dropped: everything else (expression statements such as calls, prints, plots and magics, loops, ``with``,
  ``if`` blocks including ``if __name__ == '__main__':``).

IPython syntax is first turned into Python with IPython's own transformer (magics and ``!`` lines become
``get_ipython()`` calls, which are then dropped as expressions). Cells run by ``%%time`` or ``%%capture``
execute their body as ordinary code, so their body is searched too. A cell that still does not parse (a
leftover ``. . .`` placeholder, a typo) is skipped and reported: the rest of the notebook is still graded.
"""
from __future__ import annotations

import ast
import copy
import functools
import re
import symtable
from dataclasses import dataclass
from typing import Iterable

from ..model import CellProblem, CodeChunk

_GRADER_MODULE = re.compile(r'a\d*_?grader$', re.IGNORECASE)
# Cell magics whose body runs in the user's namespace like a normal cell (%%timeit's body does not persist).
_PYTHON_BODY_CELL_MAGIC = re.compile(r'\s*%%(time|capture)\b[^\n]*(\n|$)')
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)


@dataclass
class _Candidate:
    chunk: CodeChunk
    kind: str                   # 'import', 'definition' or 'assignment'
    needs: frozenset[str]       # global names it uses
    bases: frozenset[str] = frozenset()    # roots of attribute/subscript targets
    calls: frozenset[str] = frozenset()    # roots of the callables its value calls


def select_definitions(cells: Iterable[tuple[int, str]], roots: Iterable[str] | None = None
                       ) -> tuple[list[CodeChunk], list[CellProblem]]:
    """Chunks to execute, in notebook order, and the cells that had to be skipped.

    ``cells`` holds (cell index, source) of the code cells. Problems quote the cell's position counted from 1
    and its first line, because students do not see cell indices.
    """
    candidates: list[_Candidate] = []
    problems: list[CellProblem] = []
    for index, source in cells:
        parsed = _parse_cell(index, source)
        if isinstance(parsed, CellProblem):
            problems.append(parsed)
        elif parsed is not None:
            tree, text, offset = parsed
            candidates.extend(c for stmt in tree.body if (c := _candidate(index, stmt, text, offset)) is not None)
    kept = _needed(candidates) if roots is None else _reachable(candidates, frozenset(roots))
    return [c.chunk for c in candidates if id(c) in kept], problems


# ---------------------------------------------------------------- parsing
@functools.lru_cache(maxsize=1)
def _transformer():
    # Imported here: IPython takes about a second to import, and only loading needs it.
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager()


def _to_python(source: str) -> tuple[str, int]:
    """The cell as Python, and how many leading lines were removed (to report the student's line numbers)."""
    offset = 0
    magic = _PYTHON_BODY_CELL_MAGIC.match(source)
    if magic:
        offset = source[:magic.end()].count('\n')
        source = source[magic.end():]
    # Most cells are plain Python, and most magics are whole lines that become calls we drop anyway: only what
    # still fails to parse pays for importing IPython (seconds on a busy machine, for every student).
    for candidate in (source, _neutralise_magic_lines(source)):
        try:
            ast.parse(candidate)
            return candidate, offset
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    try:
        return _transformer().transform_cell(source), offset
    except Exception:   # the transformer gives up on some malformed input: let ast report the real error
        return source, offset


_MAGIC_LINE = re.compile(r'^(\s*)(?:[%!]|\w+\s*=\s*[%!])')


def _neutralise_magic_lines(source: str) -> str:
    """Line magics, shell escapes and `x = !cmd` lines as `pass`, indentation kept (line numbers too)."""
    lines = []
    for line in source.split('\n'):
        match = _MAGIC_LINE.match(line)
        lines.append(match.group(1) + 'pass' if match else line)
    return '\n'.join(lines)


def _parse_cell(index: int, source: str) -> tuple[ast.Module, str, int] | CellProblem | None:
    if not source.strip():
        return None
    text, offset = _to_python(source)
    try:
        return ast.parse(text), text, offset
    except SyntaxError as error:
        return CellProblem(index, _syntax_message(index, source, error, offset))
    except (ValueError, RecursionError, MemoryError) as error:   # null bytes, absurd nesting
        return CellProblem(index, f'{_cell_name(index, source)}: cannot be read as Python ({error})'
                                  ' — this cell was skipped')


def _syntax_message(index: int, source: str, error: SyntaxError, offset: int) -> str:
    line = (error.lineno or 0) + offset
    bad = (error.text or '').strip()
    if '. . .' in bad:
        what = 'a leftover `. . .` placeholder (a syntax error)'
    else:
        what = ('' if 'syntax' in error.msg.lower() else 'syntax error, ') + error.msg
        what += f': `{_shorten(bad)}`' if bad else ''
    where = f', line {line}' if line else ''
    return f'{_cell_name(index, source)}{where}: {what} — this cell was skipped'


def _cell_name(index: int, source: str) -> str:
    first = next((ln.strip() for ln in source.splitlines() if ln.strip()), '')
    return f'cell {index + 1} (`{_shorten(first)}`)'


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + '…'


# ---------------------------------------------------------------- candidates
def _candidate(index: int, stmt: ast.stmt, text: str, offset: int = 0) -> _Candidate | None:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        stmt = _without_grader(stmt)
        return stmt and _make(index, stmt, text, 'import', _import_names(stmt), offset)
    if isinstance(stmt, _DEFINITIONS):
        return _make(index, stmt, text, 'definition', (stmt.name,), offset)
    if isinstance(stmt, ast.Try) and stmt.body and all(isinstance(s, _TRY_BODY) for s in stmt.body):
        stmt = _clean_try(stmt)
        names = [n for s in ast.walk(stmt) if isinstance(s, (ast.Import, ast.ImportFrom))
                 for n in _import_names(s)]
        return _make(index, stmt, text, 'import', tuple(dict.fromkeys(names)), offset)
    if isinstance(stmt, _ASSIGNMENTS):
        return _assignment(index, stmt, text, offset)
    return None


def _first_line(stmt: ast.stmt, offset: int) -> int:
    """The statement's first line in the cell as the student sees it (decorators included); 1 when rebuilt."""
    lines = [getattr(stmt, 'lineno', None)] + [d.lineno for d in getattr(stmt, 'decorator_list', [])]
    lines = [n for n in lines if n]
    return min(lines) + offset if lines else 1


def _make(index: int, stmt: ast.stmt, text: str, kind: str, defines: tuple[str, ...], offset: int = 0) -> _Candidate:
    source = _source(stmt, text)
    chunk = CodeChunk(cell_index=index, source=source, defines=defines, line=_first_line(stmt, offset))
    return _Candidate(chunk, kind, frozenset() if kind == 'import' else _global_names(source, stmt))


def _source(stmt: ast.stmt, text: str) -> str:
    # Statements rebuilt by this module (filtered imports, cleaned try blocks) have no position.
    if getattr(stmt, 'lineno', None) is None:
        return ast.unparse(stmt)
    decorators = getattr(stmt, 'decorator_list', None)
    if decorators:   # the node starts at `def`/`class`; its decorators sit on the lines above
        lines = text.splitlines(keepends=True)
        first = min(d.lineno for d in decorators)
        rest = ast.get_source_segment(text, stmt) or ''
        return ''.join(lines[first - 1:stmt.lineno - 1]) + rest
    return ast.get_source_segment(text, stmt) or ast.unparse(stmt)


def _without_grader(stmt: ast.Import | ast.ImportFrom) -> ast.stmt | None:
    if isinstance(stmt, ast.ImportFrom):
        return None if _is_grader(stmt.module) else stmt
    kept = [a for a in stmt.names if not _is_grader(a.name)]
    if len(kept) == len(stmt.names):
        return stmt
    return ast.Import(names=kept) if kept else None


def _is_grader(module: str | None) -> bool:
    return bool(module) and bool(_GRADER_MODULE.match(module.split('.')[0]))


def _import_names(stmt: ast.Import | ast.ImportFrom) -> tuple[str, ...]:
    return tuple(a.asname or a.name.split('.')[0] for a in stmt.names if a.name != '*')


# ---------------------------------------------------------------- try blocks of imports
_TRY_BODY = (ast.Import, ast.ImportFrom, ast.Pass)


def _harmless(stmt: ast.stmt) -> bool:
    """What an import fallback may do without running anything the grader has to fear."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return _without_grader(stmt) is stmt
    if isinstance(stmt, (ast.Pass, ast.Raise)):
        return True
    if isinstance(stmt, ast.Assign):
        return isinstance(stmt.value, ast.Constant)
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        return isinstance(value, ast.Constant) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == 'print')
    return False


def _clean_try(stmt: ast.Try) -> ast.Try:
    """The block with anything else (``!pip install``, downloads) in its handlers replaced by ``pass``."""
    blocks = [h.body for h in stmt.handlers] + [stmt.body, stmt.orelse, stmt.finalbody]
    if all(_harmless(s) for block in blocks for s in block):
        return stmt
    clean = copy.deepcopy(stmt)
    for handler in clean.handlers:
        handler.body = [s for s in handler.body if _harmless(s)] or [ast.Pass()]
    clean.body = [s for s in clean.body if _harmless(s)] or [ast.Pass()]
    clean.orelse = [s for s in clean.orelse if _harmless(s)]
    clean.finalbody = [s for s in clean.finalbody if _harmless(s)]
    for node in ast.walk(clean):    # unparse needs no positions; dropping them marks the node as rebuilt
        for attr in ('lineno', 'end_lineno', 'col_offset', 'end_col_offset'):
            if hasattr(node, attr):
                setattr(node, attr, None)
    return clean


# ---------------------------------------------------------------- assignments
def _assignment(index: int, stmt: ast.Assign | ast.AnnAssign | ast.AugAssign, text: str,
                offset: int = 0) -> _Candidate:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    names: list[str] = []
    bases: set[str] = set()
    for target in targets:
        _collect_targets(target, names, bases)
    candidate = _make(index, stmt, text, 'assignment', tuple(dict.fromkeys(names)), offset)
    candidate.bases = frozenset(bases)
    candidate.calls = frozenset(_called_roots(stmt.value)) if stmt.value is not None else frozenset()
    return candidate


def _collect_targets(target: ast.expr, names: list[str], bases: set[str]) -> None:
    if isinstance(target, ast.Name):
        names.append(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _collect_targets(element, names, bases)
    elif isinstance(target, ast.Starred):
        _collect_targets(target.value, names, bases)
    elif isinstance(target, (ast.Attribute, ast.Subscript)) and (root := _root_name(target)):
        bases.add(root)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _called_roots(value: ast.expr) -> set[str]:
    return {root for node in ast.walk(value) if isinstance(node, ast.Call) and (root := _root_name(node.func))}


# ---------------------------------------------------------------- references
def _global_names(source: str, stmt: ast.stmt) -> frozenset[str]:
    """Names the statement takes from the notebook's globals, at definition time or when its code runs."""
    try:
        table = symtable.symtable(source, '<cell>', 'exec')
    except (SyntaxError, ValueError, RecursionError):   # e.g. top-level await: fall back to every name read
        return frozenset(n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
    names = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    pending = list(table.get_children())
    while pending:
        scope = pending.pop()
        names.update(s.get_name() for s in scope.get_symbols() if s.is_referenced() and s.is_global())
        pending.extend(scope.get_children())
    return frozenset(names)


def _needed(candidates: list[_Candidate]) -> set[int]:
    """ids of the candidates to keep: imports and definitions, plus the assignments they need."""
    kept = {id(c) for c in candidates if c.kind != 'assignment'}
    defined = {n for c in candidates if c.kind == 'definition' for n in c.chunk.defines}
    referenced = set().union(*(c.needs for c in candidates if id(c) in kept))
    waiting = [c for c in candidates if c.kind == 'assignment' and not c.calls & defined]
    changed = True
    while changed:
        changed = False
        for c in waiting:
            if id(c) not in kept and (referenced.intersection(c.chunk.defines)
                                      or c.bases & (defined | referenced)):
                kept.add(id(c))
                referenced |= c.needs
                changed = True
    return kept


def _reachable(candidates: list[_Candidate], roots: frozenset[str]) -> set[int]:
    """ids of the candidates the ``roots`` names need, transitively: definitions of those names, what their code
    reads (imports, helpers, constants), and attribute assignments onto them.

    A plotting helper nobody graded calls is not kept, nor is its `import matplotlib.pyplot`: importing it costs
    each kernel most of a second, and only graded names are ever called.
    """
    defined = {n for c in candidates if c.kind == 'definition' for n in c.chunk.defines}
    eligible = [c for c in candidates if c.kind != 'assignment' or not c.calls & defined]
    wanted = set(roots)
    kept: set[int] = set()
    changed = True
    while changed:
        changed = False
        for c in eligible:
            if id(c) in kept:
                continue
            star = c.kind == 'import' and not c.chunk.defines      # `from x import *`: can't tell, keep it
            if star or wanted.intersection(c.chunk.defines) or c.bases & wanted:
                kept.add(id(c))
                wanted |= c.needs
                changed = True
    return kept

"""Build student notebooks for tests from the instructor's solution, and grade chosen rubric items.

Variants are exact substitutions in the solution's code cells: a substitution that no longer matches fails
loudly instead of silently testing the correct code.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable

import nbformat

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / 'submissions' / 'A2-solution.ipynb'


def student_notebook(tmp_path: Path, replace: Iterable[tuple[str, str]] = (), append_code: Iterable[str] = (),
                     name: str = 'Student-A2.ipynb', keep_outputs: bool = False) -> Path:
    nb = nbformat.read(SOLUTION, as_version=4)
    for old, new in replace:
        hits = [c for c in nb.cells if c.cell_type == 'code' and old in c.source]
        assert hits, f'substitution does not match the solution notebook: {old!r}'
        for cell in hits:
            cell.source = cell.source.replace(old, new)
    for source in append_code:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    if not keep_outputs:
        for cell in nb.cells:
            if cell.cell_type == 'code':
                cell.outputs, cell.execution_count = [], None
    path = Path(tmp_path) / name
    nbformat.write(nb, path)
    return path


def rubric_with(*item_ids: str, params: dict[str, dict] | None = None):
    """The bundled rubric limited to ``item_ids`` (all when none), with ``params`` merged into items' params."""
    from grader.rubric.load import load_rubric, default_rubric_path
    rubric = load_rubric(default_rubric_path())
    items = [it for it in rubric.items if not item_ids or it.id in item_ids]
    params = params or {}
    items = [dataclasses.replace(it, params={**it.params, **params.get(it.id, {})}) for it in items]
    return dataclasses.replace(rubric, items=tuple(items))


def consistent(rubric):
    """``rubric`` with each category's points set to its items' sum, so a reduced rubric still validates."""
    categories = tuple(dataclasses.replace(c, points=sum(it.points for it in rubric.items if it.category == c.id))
                       for c in rubric.categories)
    return dataclasses.replace(rubric, categories=categories)


def grade_items(path: Path, *item_ids: str, mode: str = 'grade', seed: int = 7, params=None, **kwargs):
    """Grade only the named items; returns ({id: ItemScore}, SubmissionResult)."""
    from grader.pipeline.grade import grade_notebook
    result = grade_notebook(path, rubric_with(*item_ids, params=params), mode=mode, seed=seed, **kwargs)
    return {it.id: it for it in result.items}, result

"""Grade one notebook: load → execute → check → score. Every outcome is a SubmissionResult with a status."""
from __future__ import annotations

import dataclasses
import re
import secrets
import time
from pathlib import Path
from typing import Callable, Iterable

from ..kernel import probes
from ..checks import GRADED_NAMES
from ..checks.runner import in_dependency_order, is_code_check, run_answer_check, run_code_check
from ..kernel.fontcache import font_files
from ..kernel.session import KernelSession
from .flags import scan as scan_flags
from ..kernel.bubblewrap import default_launcher
from .load import NotebookError, load_notebook
from ..model import CheckResult, Lateness, ManualScore, Rubric, SubmissionResult
from .score import score


NO_CODE = ('the notebook has no code cell, so none of your code could be run (was it pasted into markdown '
           'cells?): put the code in code cells, run the notebook from top to bottom and submit it again; '
           'your written answers were graded')


def support_files() -> list[Path]:
    """Files students' notebooks read, placed beside the notebook under the names they use. Found without importing
    the reference (which imports pandas): a kernel is started with them, and nothing should delay that."""
    import importlib.util
    spec = importlib.util.find_spec('reference')
    if spec is not None and spec.submodule_search_locations:
        shipped = Path(list(spec.submodule_search_locations)[0]) / 'data' / 'auto-mpg.data'
        if shipped.is_file():
            return [shipped]
    from ..resources import kit_support_files      # a student kit carries its own copy
    return kit_support_files()


def probe_sources() -> list[str]:
    """The probes, and the stand-ins where the grader has them (never in a student kit), as one kernel module."""
    sources = [Path(probes.__file__).read_text()]
    try:
        from ..hidden import stand_ins
        sources.append(Path(stand_ins.__file__).read_text())
    except ImportError:
        pass
    return sources


def grade_notebook(path: Path, rubric: Rubric, *, mode: str = 'grade', seed: int | None = None,
                   expected=None, launcher=None, lateness: Lateness | None = None,
                   manual: Iterable[ManualScore] = (), wall_budget: float | None = None,
                   on_check: Callable[[str, str], None] | None = None,
                   session: KernelSession | None = None,
                   end_session: Callable[[KernelSession], None] | None = None) -> SubmissionResult:
    """``wall_budget``: seconds for the whole notebook; checks not reached by then are reported, not run.
    ``on_check(event, item_id)`` hears 'start' and 'done' around each code check (a self-check's live line).
    ``session``: a fresh kernel started ahead (``new_session``), used for this notebook and ended after it by
    ``end_session`` (default: closed before returning; a batch worker ends it while the next notebook starts)."""
    started = time.perf_counter()
    deadline = None if wall_budget is None else time.monotonic() + wall_budget
    path = Path(path)
    if mode != 'grade':
        seed = None             # a self-check runs no hidden case: no seed to record
    elif seed is None:
        seed = secrets.randbits(32)
    launcher = launcher or default_launcher()
    result = SubmissionResult(notebook=str(path), status='graded', message='', mode=mode, seed=seed,
                              isolated=launcher.isolated)
    items = [it for it in rubric.items if mode == 'grade' or it.visibility == 'public']
    results: dict[str, CheckResult] = {}
    code_items = [it for it in items if _guarded(it, results, lambda: is_code_check(it.check))]
    if session is None:
        session = new_session(launcher, fonts=bool(code_items))
    session.place_notebook(path)
    try:
        if code_items:
            session.spawn()     # the kernel boots while the notebook is read and the reference imported
        try:
            loaded = load_notebook(path, roots=graded_names(rubric))
        except NotebookError as exc:
            result.status, result.message = exc.status, exc.message
            results.clear()
            return _finish(result, rubric, results, manual, lateness, mode, started)
        result.sha256 = loaded.sha256
        result.flags.extend(scan_flags(loaded.code_cells))
        result.notes.extend(p.message for p in loaded.problems)
        result.notes.extend(loaded.notes)
        for item in items:
            if item not in code_items and item.id not in results:
                _guarded(item, results, lambda: results.setdefault(item.id, run_answer_check(item, loaded.answers)))
        if code_items and not any(source.strip() for _, source in loaded.code_cells):
            # Code pasted into markdown cells: one status and one message, not a failure per check.
            result.status, result.message = 'no-code', NO_CODE
            for item in code_items:
                results.setdefault(item.id, CheckResult(item.id, 'fail', 0.0, 'not graded: the notebook has no '
                                                        'code cell'))
            return _finish(result, rubric, results, manual, lateness, mode, started)
        if code_items:
            if expected is None:
                from .expected import ReferenceExpected
                expected = ReferenceExpected()
            warm_expected(expected, code_items, mode, seed)     # while the kernel is still starting
            try:
                _run_code_items(session, loaded, code_items, results, expected, mode, seed, result, deadline,
                                on_check or (lambda event, item_id: None))
            except Exception as exc:   # noqa: BLE001 - a kernel that cannot start is this notebook's error only
                result.status = 'error'
                result.message = f'the grading kernel failed ({type(exc).__name__}: {exc}); the TA will regrade it'
                for item in code_items:
                    results.setdefault(item.id, CheckResult(item.id, 'error', 0.0, 'not graded: the kernel failed'))
                return _finish(result, rubric, results, manual, lateness, mode, started)
    finally:
        (end_session or KernelSession.close)(session)
    if result.status == 'graded':
        result.message = _summary(results)
    return _finish(result, rubric, results, manual, lateness, mode, started)


def new_session(launcher, fonts: bool = True) -> KernelSession:
    """A kernel session for one notebook, not yet started; ``spawn()`` or ``prepare()`` it ahead of its notebook
    to overlap its start with other work."""
    return KernelSession(launcher, probe_sources(), support_files(),
                         placed_files=font_files(launcher) if fonts else ())


def warm_expected(expected, code_items, mode: str, seed: int | None) -> None:
    """Work out the reference's answers to every case now, in the grader's process, while the student's kernel
    boots in its own: the checks then only wait for the student's values. Answers are memoised, so a worker pays
    this once per seed; a case whose answer cannot be had here is left to its check, which says why."""
    from ..checks.runner import cases_for
    for item in code_items:
        try:
            for case in cases_for(item, mode, seed):
                expected.value(item.check, case)
        except Exception:   # noqa: BLE001 - the check meets the same problem and reports it for its own item
            continue


def graded_names(rubric: Rubric) -> set[str]:
    return set(GRADED_NAMES) | {n for names in rubric.aliases.values() for n in names}


def _run_code_items(session, loaded, code_items, results, expected, mode, seed, result, deadline, on_check):
    session.prepare()       # ended by grade_notebook, whatever happens here
    definition_notes = session.define(loaded.chunks)
    result.notes.extend(n.message for n in definition_notes)
    if not run_code_items(session, code_items, results, expected, mode, seed, deadline, on_check,
                          undefined_causes(loaded, definition_notes)):
        result.status, result.message = 'timeout', 'the notebook used up its time budget: some checks were not run'
    if session.restarts:
        result.notes.append(f'the kernel was restarted {session.restarts} time(s) after a check hung or crashed it')


def undefined_causes(loaded, definition_notes) -> dict[str, str]:
    """Graded names the notebook leaves undefined, each with the likeliest reason: the cell meant to define it had a
    syntax error or raised, or nothing defines it at all."""
    defined = {name for chunk in loaded.chunks for name in chunk.defines}
    problems = [(p.cell_index, p.message) for p in loaded.problems]
    problems += [(n.cell_index, n.message) for n in definition_notes]
    sources = dict(loaded.code_cells)
    causes = {}
    for name in GRADED_NAMES:
        pattern = re.compile(rf'^\s*(?:def|class)\s+{name}\b', re.M)
        failed = [msg for index, msg in problems if pattern.search(sources.get(index, ''))]
        if failed:
            causes[name] = failed[-1]
        elif name not in defined:
            causes[name] = f'no code cell defines {name}'
    return causes


def cause_first(verdict: CheckResult, causes: dict[str, str]) -> CheckResult:
    """'partition failed: KeyError: 'partition'' says nothing a student can act on: put the cause first."""
    if verdict.status == 'pass':
        return verdict
    for name, cause in causes.items():
        if f"KeyError: '{name}'" in verdict.message or f"name '{name}' is not defined" in verdict.message:
            return dataclasses.replace(verdict, message=f'{name} is not defined because {cause}: fix that, then run '
                                                        f'your notebook top to bottom. ({verdict.message})')
    return verdict


def run_code_items(session, code_items, results: dict[str, CheckResult], expected, mode: str, seed: int | None,
                   deadline: float | None = None, on_check: Callable[[str, str], None] = lambda event, item: None,
                   causes: dict[str, str] | None = None) -> bool:
    """Each code item's check on a session whose definitions are loaded, upstream items first (their results
    decide the stand-ins of the items downstream); False when the notebook's time budget ran out."""
    in_time = True
    for item in in_dependency_order(code_items):
        if item.id in results:
            continue
        if deadline is not None and time.monotonic() > deadline - 1:
            results[item.id] = CheckResult(item.id, 'error', 0.0, 'not run: the time budget for the whole '
                                           'notebook ran out (see the checks that timed out)')
            in_time = False
            continue
        on_check('start', item.id)
        _guarded(item, results, lambda: results.setdefault(
            item.id, run_code_check(item, session, expected, mode, seed, deadline, upstream=results,
                                    items=code_items)))
        results[item.id] = cause_first(results[item.id], causes or {})
        on_check('done', item.id)
    return in_time


def _finish(result, rubric, results, manual, lateness, mode, started) -> SubmissionResult:
    result.raw_checks = {k: r.to_raw() for k, r in results.items()}
    item_scores, totals, notes = score(rubric, results, manual, lateness, mode)
    result.items, result.totals = item_scores, totals
    result.notes.extend(notes)
    result.elapsed_seconds = time.perf_counter() - started
    return result


def _guarded(item, results: dict[str, CheckResult], action):
    """Run a step of one item's check; a fault of the grader's own becomes that item's error, not a crash."""
    try:
        return action()
    except Exception as exc:   # noqa: BLE001 - one broken check must not stop the others
        results[item.id] = CheckResult(item.id, 'error', 0.0,
                                       f'the grader could not run this check ({type(exc).__name__}: {exc}); '
                                       'your TA will look at it')
        return None


def _summary(results: dict[str, CheckResult]) -> str:
    errors = [r.id for r in results.values() if r.status == 'error']
    return f'graded; checks that could not run: {", ".join(errors)}' if errors else 'graded'

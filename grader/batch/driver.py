"""``grader grade``: a Canvas download (zip or folder) to grades.csv, results, feedback and a class report.

The driver is the only step that touches the gradebook: workers grade notebooks and hand back results as data,
the driver saves each one as it arrives (one transaction each), so a run killed midway resumes where it was. It
writes only inside an output folder it may use (``outdir``): a user's own files are never replaced or removed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..canvas.collect import collect
from ..canvas.local import is_pull_file
from ..canvas.side_files import read_extensions, read_manual, read_times
from ..errors import InputError
from ..model import Extension, ManualScore, Rubric, StudentRecord, SubmissionResult
from ..pipeline.late import lateness_for
from ..pipeline.score import score
from ..rubric.load import RubricError, default_rubric_path, rubric_from_text, rubric_warnings
from .gradebook import FILENAME as GRADEBOOK_FILE, Gradebook, rubric_hash
from .executors import make_executor
from .jobs import GradeJob
from .outdir import OutputFolder
from .records import student_record

WALL_BUDGET = 300.0
SUBMISSIONS = 'submissions'     # under the output folder's working area: each student's files, copied


@dataclass(frozen=True)
class BatchOptions:
    submissions: Path
    out: Path
    rubric_path: Path | None = None
    roster: Path | None = None
    times: Path | None = None
    extensions: Path | None = None
    manual: Path | None = None
    due: str | None = None
    no_late_penalty: bool = False
    assignment_id: str | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    force: bool = False
    wall_budget: float = WALL_BUDGET
    isolated: bool | None = None    # whether kernels run in the sandbox (part of the cache key); None: not compared
    executor: str = 'local'         # 'local' (worker processes here) or 'dask'
    dask_scheduler: str | None = None   # tcp://HOST:PORT of a running Dask scheduler (implies 'dask')
    seed: int | None = None         # hidden-input seed for every new grade (default: drawn per run; stored anyway)


@dataclass
class BatchSummary:
    submissions: int = 0
    graded: int = 0
    cached: int = 0
    problems: list[str] = field(default_factory=list)    # students whose result is not 'graded'
    warnings: list[str] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)  # files students submitted besides the graded notebook
    outputs: dict[str, Path] = field(default_factory=dict)


# ---------------------------------------------------------------- the rubric of a run
def read_rubric(path: Path | None) -> tuple[str, str, Rubric]:
    """(YAML text, file name, Rubric) of ``path`` or the bundled rubric; InputError lists a rubric's problems."""
    path = Path(path or default_rubric_path())
    try:
        text = path.read_text(encoding='utf-8')
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f'--rubric {path}: cannot read it ({getattr(exc, "strerror", None) or exc})') from None
    try:
        return text, path.name, rubric_from_text(text, str(path))
    except RubricError as exc:
        raise InputError(f'the rubric has problems (nothing was graded; fix them, then run again):\n{exc}') from None


def preflight(rubric: Rubric, text: str, source: str) -> None:
    """Build every item's cases with the rubric's params before any notebook is graded: a check that cannot run
    with them would fail every notebook; stop the batch instead, naming the item and its line."""
    from ..checks.runner import cases_for, get_check
    from ..rubric.load import item_lines
    lines = item_lines(text)
    for item in rubric.items:
        try:
            check = get_check(item.check)
            if hasattr(check, 'public_cases'):
                cases_for(item, 'grade', 0)
        except Exception as exc:   # noqa: BLE001 - any failure here is the rubric's, reported as such
            raise InputError(f'{source}:{lines.get(item.id, "?")}: the check of item \'{item.id}\' cannot run with '
                             f'these params ({type(exc).__name__}: {exc}): nothing was graded; fix the item, then '
                             'run again') from None


def with_overrides(rubric: Rubric, no_late_penalty: bool, due: str | None, assignment_id: str | None) -> Rubric:
    if no_late_penalty:
        rubric = dataclasses.replace(rubric, late_policy=dataclasses.replace(rubric.late_policy, enabled=False))
    if due:
        from ..pipeline.late import parse_timestamp
        try:
            parse_timestamp(due)
        except ValueError as exc:
            raise InputError(f'--due {due}: {exc}') from None
        rubric = dataclasses.replace(rubric, due=due)
    if assignment_id:
        rubric = dataclasses.replace(rubric, canvas_assignment_id=str(assignment_id))
    return rubric


# ---------------------------------------------------------------- scoring again without a kernel
def rescore(result: SubmissionResult | dict, rubric: Rubric, manual: list[ManualScore] | tuple[ManualScore, ...],
            lateness) -> SubmissionResult:
    """Points, totals and late penalty again from the stored verdicts: manual scores or lateness changed."""
    new = SubmissionResult.from_dict(result.to_dict() if isinstance(result, SubmissionResult) else dict(result))
    verdicts = new.verdicts() if new.status == 'graded' or new.raw_checks else {}
    kept = [n for n in new.notes if not n.startswith('Late policy:')]
    items, totals, notes = score(rubric, verdicts, manual, lateness, 'grade')
    new.items, new.totals, new.notes = items, totals, kept + notes
    return new


def _no_notebook(record: StudentRecord, pattern: str) -> SubmissionResult:
    files = ', '.join(record.other_files) or 'none'
    return SubmissionResult(notebook='', status='not-a-notebook', mode='grade',
                            message=f'no notebook matching {pattern} in this submission (files: {files}); '
                                    'ask the student to resubmit the .ipynb')


# ---------------------------------------------------------------- side files
def _side_files(opts: BatchOptions, rubric: Rubric):
    times = read_times(opts.times) if opts.times else {}
    extensions: dict[str, Extension] = read_extensions(opts.extensions) if opts.extensions else {}
    manual = read_manual(opts.manual, {it.id for it in rubric.items}) if opts.manual else {}
    roster = None
    if opts.roster:
        from ..canvas.roster import read_roster
        roster = read_roster(opts.roster)
    return times, extensions, manual, roster


def _unmatched(label: str, path: Path | None, ids, known: set[str]) -> list[str]:
    """A side file whose ids match no submission is almost always the wrong column (SIS ids, not Canvas ids)."""
    ids = set(ids)
    if not ids:
        return []
    stray = sorted(ids - known)
    if stray and len(stray) == len(ids):
        return [f'{label} {path}: none of its {len(ids)} user id(s) matches a submission (e.g. {stray[0]}): it must '
                'hold Canvas user ids (the ID column of the gradebook export), not SIS ids; it was not used']
    if stray:
        return [f'{label} {path}: user id(s) with no submission, ignored: {", ".join(stray[:10])}'
                + (' ...' if len(stray) > 10 else '')]
    return []


# ---------------------------------------------------------------- the run
def grade_batch(opts: BatchOptions, progress: Callable[[str, dict], None] | None = None) -> BatchSummary:
    """Grade every submission; ``progress(event, info)`` hears 'start', 'done' (per notebook) and 'export'.

    Raises InputError, before writing anything, for every mistake in what was given."""
    progress = progress or (lambda event, info: None)
    source = Path(opts.submissions)
    if not source.exists():
        raise InputError(f'{source}: no such file or folder')
    if not source.is_dir() and not source.is_file():
        raise InputError(f'{source}: neither a folder nor a file')
    text, name, rubric = read_rubric(opts.rubric_path)
    rubric = with_overrides(rubric, opts.no_late_penalty, opts.due, opts.assignment_id)
    preflight(rubric, text, str(opts.rubric_path or name))
    digest = rubric_hash(text.encode('utf-8'))
    times, extensions, manual_by_user, roster = _side_files(opts, rubric)
    folder = OutputFolder.claim(opts.out, [opts.submissions, opts.roster, opts.times, opts.extensions, opts.manual])

    summary = BatchSummary()
    summary.warnings += rubric_warnings(rubric)
    folder.prepare()
    try:
        collection = collect(source, folder.work / SUBMISSIONS, rubric.notebook_pattern)
        folder.keep_work(SUBMISSIONS, [f.path for sub in collection.submissions
                                       for f in ([sub.notebook] if sub.notebook else []) + sub.other_files])
        if not collection.submissions:
            skipped = f' (skipped: {"; ".join(f"{e}: {why}" for e, why in collection.skipped[:5])})' \
                if collection.skipped else ''
            raise InputError(f'{source}: no submissions found{skipped}: give the zip Canvas\'s "Download '
                             'Submissions" makes, or the folder it unzips to')
    except InputError:
        folder.abandon()
        raise
    summary.submissions = len(collection.submissions)
    summary.warnings += [f'skipped {entry}: {why}' for entry, why in collection.skipped if not is_pull_file(entry)]
    known = {s.user_id for s in collection.submissions if s.user_id}
    for label, path, table in (('--times', opts.times, times), ('--extensions', opts.extensions, extensions)):
        summary.warnings += _unmatched(label, path, table, known)

    with Gradebook(folder.path(GRADEBOOK_FILE)) as gb:
        gb.save_rubric(digest, name, text)
        run_id = gb.start_run(__version__, digest, {
            'source': str(source), 'force': opts.force, 'rubric': name, 'due': opts.due,
            'no_late_penalty': opts.no_late_penalty, 'assignment_id': opts.assignment_id,
            'roster': str(opts.roster) if opts.roster else None})
        if manual_by_user:
            keys = {s.user_id: s.student_key for s in collection.submissions if s.user_id}
            summary.warnings += [f'--manual {opts.manual}: scores for user {u}: no such submission, kept for later'
                                 for u in sorted(set(manual_by_user) - set(keys))]
            gb.set_manual([(keys.get(u, u), m) for u, ms in manual_by_user.items() for m in ms])
        jobs, records = [], {}
        # One seed for the run's new grades: unpredictable to students, and the same hidden cases for every
        # notebook let each worker compute the reference's answers once. Each result stores its seed.
        run_seed = secrets.randbits(32)
        for sub in collection.submissions:
            lateness = lateness_for(sub.user_id, sub.late, rubric.due, times, extensions)
            record = student_record(sub, roster, lateness, gb.manual_for(sub.student_key), digest, __version__,
                                    run_id)
            summary.other_files += [f'{record.display_name}: {f}' for f in record.other_files]
            if record.notebook_path is None:
                gb.save(record, rescore(_no_notebook(record, rubric.notebook_pattern), rubric, record.manual,
                                        lateness))
                continue
            notebook = Path(record.notebook_path).read_bytes()
            sha = hashlib.sha256(notebook).hexdigest()
            record = dataclasses.replace(record, notebook_sha256=sha)
            if not opts.force and gb.is_current(record.student_key, sha, digest, __version__, opts.isolated):
                _, previous = gb.result(record.student_key)
                gb.save(record, rescore(previous, rubric, record.manual, lateness))
                summary.cached += 1
                continue
            seed = gb.stored_seed(record.student_key, sha)
            if opts.seed is not None:
                seed = opts.seed
            jobs.append(GradeJob(
                key=record.student_key, name=record.original_name or Path(record.notebook_path).name,
                notebook=notebook, rubric=rubric, rubric_hash=digest,
                seed=seed if seed is not None else run_seed, lateness=lateness, manual=record.manual,
                wall_budget=opts.wall_budget))
            records[record.student_key] = record
        progress('start', {'total': len(jobs), 'cached': summary.cached})

        def on_done(key: str, status: str, value: Any):
            record = records[key]
            if status == 'ok':
                result = SubmissionResult.from_dict(value)
                if (result.totals is not None and value.get('_scored_for') not in (None, key)):
                    # an executor shared one result between identical notebooks: score it for this student
                    result = rescore(result, rubric, record.manual, record.lateness)
                result.notebook = record.notebook_path or result.notebook
            else:
                why = {'died': 'the grading process died', 'timeout': 'grading did not finish in time',
                       'error': 'the grader failed'}[status]
                result = SubmissionResult(notebook=record.notebook_path or '', mode='grade',
                                          status='timeout' if status == 'timeout' else 'error',
                                          message=f'{why} on this notebook ({value}); a TA should look at it')
                result = rescore(result, rubric, (), None)
            gb.save(record, result)
            summary.graded += 1
            progress('done', {'key': key, 'status': result.status, 'name': record.display_name})

        if jobs:
            executor = make_executor(opts.executor, opts.workers, opts.wall_budget + 120, opts.dask_scheduler)
            progress('executor', {'description': executor.description})
            executor.run(jobs, on_done)
        gb.finish_run(run_id)
        results = gb.results_for_export()

    progress('export', {})
    _export(folder, results, rubric, opts.roster, summary)
    return summary


OUTPUTS = ('grades.csv', 'results.csv', 'results.json', 'report.html')
SIMILARITY = 'similarity'      # pages of similar pairs (grader.review.views)


def _fingerprint(results, rubric: Rubric, roster_path: Path | None) -> str:
    """What every output is made of: a re-run whose fingerprint is unchanged rewrites nothing."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(repr(rubric).encode())
    if roster_path and Path(roster_path).is_file():
        digest.update(Path(roster_path).read_bytes())
    for record, result in results:
        digest.update(json.dumps([{**record.to_dict(), 'run_id': None}, result.to_dict()], sort_keys=True,
                                 default=str).encode())
    return digest.hexdigest()


def output_paths(out: Path) -> dict[str, Path]:
    """The outputs of a graded folder, by name (what the summary lists)."""
    return {'grades': out / 'grades.csv', 'results_csv': out / 'results.csv', 'results_json': out / 'results.json',
            'feedback': out / 'feedback', 'report': out / 'report.html', 'gradebook': out / GRADEBOOK_FILE}


def _export(folder: OutputFolder, results, rubric: Rubric, roster_path: Path | None, summary: BatchSummary) -> None:
    fingerprint = _fingerprint(results, rubric, roster_path)
    outputs = output_paths(folder.root)
    # claim() refused any output edited since it was written: present means as the grader wrote it
    if folder.state.get('export') == fingerprint and folder.present(OUTPUTS + tuple(folder.owned('feedback'))):
        warnings = list(folder.state.get('export_warnings') or [])     # nothing changed: nothing rewritten
    else:
        folder.remove_stale(SIMILARITY, [])     # the grader's pages of similar pairs: written afresh below
        outputs, warnings, feedback = export_all(folder.root, results, rubric, roster_path, folder.cache('plots'))
        folder.record([p for k, p in outputs.items() if k not in ('feedback', 'gradebook')] + feedback)
        folder.record([folder.path(SIMILARITY)] if folder.path(SIMILARITY).is_dir() else [])
        folder.remove_stale('feedback', feedback)
        folder.save_state(export=fingerprint, export_warnings=warnings)
    folder.record([folder.path(GRADEBOOK_FILE)], mutable=True)
    summary.outputs = outputs
    summary.warnings += warnings
    summary.warnings += [f'{r.display_name}: {w}' for r, _ in results for w in r.warnings]
    summary.problems = [f'{r.display_name}: {res.status}: {res.message}' for r, res in results
                        if res.status != 'graded']


def export_all(out: Path, results, rubric: Rubric, roster_path: Path | None,
               plot_cache=None) -> tuple[dict[str, Path], list[str], list[Path]]:
    """Every output file from the gradebook's results: (outputs by name, warnings, feedback files written)."""
    from ..canvas.roster import read_roster
    from ..report.class_report import write_class_report
    from ..report.exports import write_feedback, write_grades_csv, write_results_csv, write_results_json
    roster = read_roster(roster_path) if roster_path and Path(roster_path).is_file() else None
    warnings = write_grades_csv(out / 'grades.csv', results, rubric.title, rubric.canvas_assignment_id,
                                rubric.points_possible(), roster)
    write_results_csv(out / 'results.csv', results, rubric)
    write_results_json(out / 'results.json', results, rubric)
    feedback = write_feedback(out, results, rubric)
    from ..review.views import similarity_report
    # similar code and answers, stored in the gradebook and computed again only when the notebooks changed
    write_class_report(out / 'report.html', results, rubric, warnings, plot_cache,
                       similarity_html=similarity_report(out))
    return output_paths(out), warnings, feedback


def rescore_dir(out: Path, manual_path: Path | None = None, rubric_path: Path | None = None,
                roster_path: Path | None = None) -> BatchSummary:
    """Merge TA scores into a graded folder and rewrite every output; no notebook is run again.

    Scores with the rubric the batch graded with (kept in the gradebook, with its --due, --no-late-penalty and
    --assignment-id), unless ``rubric_path`` is given."""
    folder = OutputFolder.claim(out, [manual_path, roster_path], must_exist=True)
    summary = BatchSummary()
    with Gradebook(folder.path(GRADEBOOK_FILE)) as gb:
        run = gb.last_run() or {'options': {}}
        options = run['options']
        if rubric_path is not None:
            _, _, rubric = read_rubric(rubric_path)
        elif run.get('rubric_yaml'):
            rubric = rubric_from_text(run['rubric_yaml'], f'{run["rubric_name"]} (as graded, kept in the gradebook)')
        else:
            _, _, rubric = read_rubric(None)
            summary.warnings.append('this folder was graded by an older grader that kept no copy of its rubric: '
                                    'scored with the bundled rubric (give --rubric to choose)')
        rubric = with_overrides(rubric, options.get('no_late_penalty', False), options.get('due'),
                                options.get('assignment_id'))
        if roster_path is None and options.get('roster') and Path(options['roster']).is_file():
            roster_path = Path(options['roster'])
        stored = gb.load_results()
        if manual_path:
            manual_by_user = read_manual(manual_path, {it.id for it in rubric.items})
            keys = {r.user_id: r.student_key for r, _ in stored if r.user_id}
            unknown = sorted(set(manual_by_user) - set(keys))
            summary.warnings += [f'manual scores for user {u}: no such submission, ignored' for u in unknown]
            gb.set_manual([(keys[u], m) for u, ms in manual_by_user.items() if u in keys for m in ms])
        for record, result in stored:
            manual = tuple(gb.manual_for(record.student_key))
            gb.save(dataclasses.replace(record, manual=manual), rescore(result, rubric, manual, record.lateness))
            summary.submissions += 1
        results = gb.results_for_export()
    _export(folder, results, rubric, roster_path, summary)
    return summary

"""``grader grade``: a Canvas download (zip or folder) to grades.csv, results, feedback and a class report.

The driver is the only step that touches the gradebook: workers grade notebooks and hand back results as data,
the driver saves each one as it arrives (one transaction each), so a run killed midway resumes where it was.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..canvas.side_files import Extension, lateness_for, read_extensions, read_manual, read_times
from ..canvas.collect import Submission, collect
from .gradebook import Gradebook, lateness_from, result_from_dict, rubric_hash
from ..model import CheckResult, Lateness, ManualScore, Rubric, SubmissionResult
from ..rubric.load import default_rubric_path, load_rubric
from ..pipeline.score import score

WALL_BUDGET = 300.0


@dataclass
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


@dataclass
class BatchSummary:
    submissions: int = 0
    graded: int = 0
    cached: int = 0
    problems: list[str] = field(default_factory=list)    # students whose result is not 'graded'
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)


def batch_rubric(opts: BatchOptions) -> Rubric:
    rubric = load_rubric(opts.rubric_path or default_rubric_path())
    if opts.no_late_penalty:
        rubric = dataclasses.replace(rubric, late_policy=dataclasses.replace(rubric.late_policy, enabled=False))
    if opts.due:
        rubric = dataclasses.replace(rubric, due=opts.due)
    if opts.assignment_id:
        rubric = dataclasses.replace(rubric, canvas_assignment_id=str(opts.assignment_id))
    return rubric


# ---------------------------------------------------------------- in the worker processes
_expected = None


def grade_task(task: dict[str, Any]) -> dict[str, Any]:
    from ..pipeline.expected import ReferenceExpected
    from ..pipeline.grade import grade_notebook
    global _expected
    if _expected is None:       # one per worker: the reference's answers are reused across notebooks
        _expected = ReferenceExpected()
    rubric = Rubric(**task['rubric']) if isinstance(task['rubric'], dict) else task['rubric']
    lateness = lateness_from(task['lateness'])
    manual = [ManualScore(**m) for m in task['manual']]
    result = grade_notebook(Path(task['notebook']), rubric, mode='grade', seed=task['seed'], lateness=lateness,
                            manual=manual, wall_budget=task['wall_budget'], expected=_expected)
    return result.to_dict()


# ---------------------------------------------------------------- in the driver
def rescore(result: SubmissionResult | dict, rubric: Rubric, manual: list[ManualScore],
            lateness: Lateness | None) -> SubmissionResult:
    """Points, totals and late penalty again from the stored verdicts: manual scores or lateness changed."""
    d = result.to_dict() if isinstance(result, SubmissionResult) else dict(result)
    new = result_from_dict(d)
    new.raw_checks = dict(d.get('raw_checks') or {})
    if new.status not in ('graded',) and not new.raw_checks:
        results = {}
    else:
        results = {k: CheckResult(k, v['status'], float(v['fraction']), v.get('message', ''),
                                  bool(v.get('hidden_failed'))) for k, v in new.raw_checks.items()}
    kept = [n for n in new.notes if not n.startswith('Late policy:')]
    items, totals, notes = score(rubric, results, manual, lateness, 'grade')
    new.items, new.totals, new.notes = items, totals, kept + notes
    return new


def _meta(sub: Submission, rubric_digest: str, roster, lateness: Lateness | None, manual) -> dict[str, Any]:
    student = roster.by_id(sub.user_id) if roster and sub.user_id else None
    partners, problems = [], []
    if roster and sub.partner_names:
        from ..canvas.roster import resolve_partners
        found, problems = resolve_partners(sub, roster)
        partners = [{'name': p.name, 'user_id': p.user_id} for p in found]
    elif sub.partner_names:
        partners = [{'name': n, 'user_id': None} for n in sub.partner_names]
    nb = sub.notebook
    return {
        'user_id': sub.user_id, 'anon_id': sub.anon_id,
        'name': student.name if student else (sub.name_slug or sub.student_key),
        'section': student.section if student else '',
        'sis_user_id': student.sis_user_id if student else '',
        'sis_login_id': student.sis_login_id if student else '',
        'notebook_path': str(nb.path) if nb and nb.path else None,
        'original_name': nb.name if nb else None,
        'attachment_id': nb.attachment_id if nb else None,
        'other_files': [f.name for f in sub.other_files],
        'late_marker': sub.late, 'lateness': None if lateness is None else dataclasses.asdict(lateness),
        'partners': partners, 'warnings': list(sub.warnings) + problems,
        'rubric_hash': rubric_digest, 'grader_version': __version__,
        'manual': [dataclasses.asdict(m) for m in manual],
    }


def _no_notebook(sub: Submission, pattern: str) -> SubmissionResult:
    files = ', '.join(f.name for f in sub.other_files) or 'none'
    return SubmissionResult(notebook='', status='not-a-notebook', mode='grade',
                            message=f'no notebook matching {pattern} in this submission (files: {files}); '
                                    'ask the student to resubmit the .ipynb')


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grade_batch(opts: BatchOptions, progress: Callable[[str, dict], None] | None = None) -> BatchSummary:
    """Grade every submission; ``progress(event, info)`` hears 'start', 'done' (per notebook) and 'export'."""
    progress = progress or (lambda event, info: None)
    rubric = batch_rubric(opts)
    digest = rubric_hash(Path(opts.rubric_path or default_rubric_path()))
    item_ids = {it.id for it in rubric.items}
    times = read_times(opts.times) if opts.times else {}
    extensions: dict[str, Extension] = read_extensions(opts.extensions) if opts.extensions else {}
    manual_by_user = read_manual(opts.manual, item_ids) if opts.manual else {}
    roster = None
    if opts.roster:
        from ..canvas.roster import read_roster
        roster = read_roster(opts.roster)

    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / 'submissions'
    shutil.rmtree(work, ignore_errors=True)     # derived from the download on every run
    collection = collect(opts.submissions, work, rubric.notebook_pattern)
    summary = BatchSummary(submissions=len(collection.submissions))
    summary.warnings += [f'skipped {entry}: {why}' for entry, why in collection.skipped]

    with Gradebook(out / 'gradebook.sqlite') as gb:
        run_id = gb.start_run(__version__, digest, {'source': str(opts.submissions), 'force': opts.force})
        if manual_by_user:
            gb.set_manual([(key, m) for key, ms in manual_by_user.items() for m in ms])
        tasks, metas = [], {}
        # One seed for the run's new grades: unpredictable to students, and the same hidden cases for every
        # notebook let each worker compute the reference's answers once. Each result stores its seed.
        run_seed = secrets.randbits(32)
        for sub in collection.submissions:
            lateness = lateness_for(sub.user_id, sub.late, rubric.due, times, extensions)
            manual = gb.manual_for(sub.student_key)
            meta = _meta(sub, digest, roster, lateness, manual)
            meta['run_id'] = run_id
            if sub.notebook is None or sub.notebook.path is None:
                result = rescore(_no_notebook(sub, rubric.notebook_pattern), rubric, manual, lateness)
                gb.save(sub.student_key, result, meta)
                continue
            sha = _sha256(sub.notebook.path)
            meta['notebook_sha256'] = sha
            stored = None if opts.force else gb.is_current(sub.student_key, sha, digest, __version__)
            if stored:
                previous = next(d for m, d in gb.load_results() if m['student_key'] == sub.student_key)
                gb.save(sub.student_key, rescore(previous, rubric, manual, lateness), meta)
                summary.cached += 1
                continue
            seed = gb.stored_seed(sub.student_key, sha)
            tasks.append((sub.student_key, {
                'notebook': str(sub.notebook.path), 'rubric': rubric, 'lateness': meta['lateness'],
                'manual': meta['manual'], 'seed': seed if seed is not None else run_seed,
                'wall_budget': opts.wall_budget}))
            metas[sub.student_key] = meta
        progress('start', {'total': len(tasks), 'cached': summary.cached})

        def on_done(key: str, status: str, value: Any):
            if status == 'ok':
                result = result_from_dict(value)
                result.raw_checks = dict(value.get('raw_checks') or {})
            else:
                why = {'died': 'the grading process died', 'timeout': 'grading did not finish in time',
                       'error': 'the grader failed'}[status]
                result = SubmissionResult(notebook=metas[key]['notebook_path'] or '', mode='grade',
                                          status='timeout' if status == 'timeout' else 'error',
                                          message=f'{why} on this notebook ({value}); a TA should look at it')
                result = rescore(result, rubric, [], None)
            gb.save(key, result, metas[key])
            summary.graded += 1
            progress('done', {'key': key, 'status': result.status, 'name': metas[key]['name']})

        if tasks:
            from .pool import WorkerPool
            pool = WorkerPool(grade_task, opts.workers, hard_timeout=opts.wall_budget + 120)
            pool.run(tasks, on_done)
        gb.finish_run(run_id)
        records = gb.results_for_export()

    progress('export', {})
    summary.outputs, warnings = export_all(out, records, rubric, opts.roster)
    summary.warnings += warnings
    summary.problems = [f'{m.get("name") or m["student_key"]}: {r.status}: {r.message}'
                        for m, r in records if r.status != 'graded']
    return summary


def export_all(out: Path, records, rubric: Rubric, roster_path: Path | None) -> tuple[dict[str, Path], list[str]]:
    from ..report.class_report import write_class_report
    from ..report.exports import write_feedback, write_grades_csv, write_results_csv, write_results_json
    from ..canvas.roster import read_roster
    roster = read_roster(roster_path) if roster_path else None
    warnings = write_grades_csv(out / 'grades.csv', records, rubric.title, rubric.canvas_assignment_id,
                                rubric.points_possible(), roster)
    write_results_csv(out / 'results.csv', records, rubric)
    write_results_json(out / 'results.json', records, rubric)
    write_feedback(out, records, rubric)
    from ..review.views import similarity_report
    # similar code and answers, stored in the gradebook and computed again only when the notebooks changed
    write_class_report(out / 'report.html', records, rubric, warnings, similarity_html=similarity_report(out))
    return {'grades': out / 'grades.csv', 'results_csv': out / 'results.csv', 'results_json': out / 'results.json',
            'feedback': out / 'feedback', 'report': out / 'report.html',
            'gradebook': out / 'gradebook.sqlite'}, warnings


def rescore_dir(out: Path, manual_path: Path | None, rubric_path: Path | None = None,
                roster_path: Path | None = None) -> BatchSummary:
    """Merge TA scores into a graded folder and rewrite every output; no notebook is run again."""
    out = Path(out)
    if not (out / 'gradebook.sqlite').exists():
        raise FileNotFoundError(f'{out} holds no gradebook.sqlite: run grader grade first')
    rubric = load_rubric(rubric_path or default_rubric_path())
    summary = BatchSummary()
    with Gradebook(out / 'gradebook.sqlite') as gb:
        if manual_path:
            manual_by_user = read_manual(manual_path, {it.id for it in rubric.items})
            keys = {m.get('user_id'): m['student_key'] for m, _ in gb.load_results()}
            unknown = sorted(set(manual_by_user) - set(keys))
            summary.warnings += [f'manual scores for user {u}: no such submission, ignored' for u in unknown]
            gb.set_manual([(keys[u], m) for u, ms in manual_by_user.items() if u in keys for m in ms])
        for meta, stored in gb.load_results():
            key = meta['student_key']
            manual = gb.manual_for(key)
            meta = {**meta, 'manual': [dataclasses.asdict(m) for m in manual]}
            gb.save(key, rescore(stored, rubric, manual, lateness_from(meta.get('lateness'))), meta)
            summary.submissions += 1
        records = gb.results_for_export()
    summary.outputs, warnings = export_all(out, records, rubric, roster_path)
    summary.warnings += warnings
    summary.problems = [f'{m.get("name") or m["student_key"]}: {r.status}: {r.message}'
                        for m, r in records if r.status != 'graded']
    return summary

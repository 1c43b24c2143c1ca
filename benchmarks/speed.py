"""Issue 13's figures, all measured in this one run and printed as ratios to the kernel floor.

    python benchmarks/speed.py [--notebooks 40] [--rerun 200] [--scale-jobs 3000] [--skip-dask]

- kernel floor: start a kernel (same launcher as grading), import NumPy in it, shut it down; one at a time, and two
  at a time (two processes doing it side by side: wall time per kernel), as two workers would.
- local pool: `grader grade` on N correct notebooks with 2 workers: notebooks per minute, and the wall time per
  notebook against the 2-way floor.
- Dask: the same with a LocalCluster of 2 worker processes.
- grader check: a student's command on the solution notebook, a fresh process, against the 1-way floor.
- cached re-run: `grader grade` again over R unchanged notebooks (benchmarks/rerun_speed.py's priming).
- scale: many tiny fake jobs through Dask (a canned result, no kernel): how many results per second the driver and
  the gradebook record, next to 50 workers' worth (50 workers finishing a notebook every 1 s each).
Machines are shared and noisy: compare the ratios, which are measured side by side.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / 'benchmarks'))

from batch_speed import scaled_download  # noqa: E402
from rerun_speed import OncePerNotebook  # noqa: E402


def floor_once(_=None) -> float:
    from grader.kernel.bubblewrap import default_launcher
    from grader.kernel.session import KernelSession
    started = time.perf_counter()
    with KernelSession(default_launcher(), ['def ping(ns):\n    import numpy\n    return 1\n']) as session:
        assert session.call('ping', {}, 60).ok
    return time.perf_counter() - started


def floor_two_way(kernels: int) -> float:
    """Wall seconds per kernel with two processes starting and stopping kernels side by side."""
    ctx = mp.get_context('spawn')
    started = time.perf_counter()
    with ctx.Pool(2) as pool:
        pool.map(floor_once, range(kernels))
    return (time.perf_counter() - started) / kernels


def grade(download: Path, out: Path, **kw) -> tuple[float, object]:
    from grader.batch.driver import BatchOptions, grade_batch
    started = time.perf_counter()
    summary = grade_batch(BatchOptions(submissions=download, out=out, workers=2, **kw))
    return time.perf_counter() - started, summary


def check_once(notebook: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, '-m', 'grader', 'check', str(notebook)], capture_output=True, text=True,
                          cwd=REPO)
    if done.returncode not in (0, 1):
        raise SystemExit(f'grader check exited {done.returncode}: {done.stderr[-2000:]}')
    return time.perf_counter() - started


def fake_grade_job(job):
    """A worker's answer without a kernel: a canned result (carried in the job's name)."""
    import json
    return {**json.loads(job.name), '_scored_for': job.key}


def scale_run(canned: dict, jobs: int, tmp: Path) -> float:
    """Results per second recorded the way the driver records them (parsed, saved in the gradebook, counted),
    fed by a 2-worker Dask LocalCluster with tiny fake jobs."""
    import json
    from grader import __version__
    from grader.batch.executors import DaskExecutor
    from grader.batch.gradebook import Gradebook
    from grader.batch.jobs import GradeJob
    from grader.model import StudentRecord, SubmissionResult
    from grader.rubric.load import load_rubric
    rubric = load_rubric()
    name = json.dumps(canned)
    work = [GradeJob(key=str(i), name=name, notebook=str(i).encode(), rubric=rubric, rubric_hash='h', seed=i)
            for i in range(jobs)]
    times, busy = [], []
    with Gradebook(tmp / 'scale') as gb:
        def on_done(key, status, value):
            started = time.perf_counter()
            result = SubmissionResult.from_dict(value)
            gb.save(StudentRecord(key, user_id=key, rubric_hash='h', grader_version=__version__), result)
            times.append(time.perf_counter())
            busy.append(times[-1] - started)
        DaskExecutor(2, 600, function=fake_grade_job).run(work, on_done)
    assert len(times) == jobs
    # end to end through Dask (bounded by 2 workers on this machine), and what the driver itself could take
    return (len(times) - 1) / (times[-1] - times[0]), len(busy) / sum(busy)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--notebooks', type=int, default=40)
    parser.add_argument('--rerun', type=int, default=200)
    parser.add_argument('--scale-jobs', type=int, default=3000)
    parser.add_argument('--skip-dask', action='store_true')
    args = parser.parse_args()
    from grader.kernel.bubblewrap import default_launcher
    print(f'launcher: {default_launcher().description}')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        download = scaled_download(tmp, args.notebooks, 'correct')
        floor_once()        # warm the font cache and the kernel's site folder, outside the timings
        floor1 = statistics.median(floor_once() for _ in range(3))
        floor2 = floor_two_way(8)
        print(f'kernel floor: {floor1:.2f} s one at a time; {floor2:.2f} s per kernel two at a time')
        seconds, summary = grade(download, tmp / 'local')
        local = seconds / args.notebooks
        print(f'local pool, 2 workers: {args.notebooks} notebooks in {seconds:.1f} s = '
              f'{args.notebooks / seconds * 60:.1f} notebooks/min = {local:.2f} s per notebook = '
              f'{local / floor2:.2f}x the 2-way floor (not graded: {len(summary.problems)})')
        if not args.skip_dask:
            seconds, summary = grade(download, tmp / 'dask', executor='dask')
            dask = seconds / args.notebooks
            print(f'Dask LocalCluster, 2 workers: {args.notebooks / seconds * 60:.1f} notebooks/min = {dask:.2f} s '
                  f'per notebook = {dask / floor2:.2f}x the 2-way floor (not graded: {len(summary.problems)})')
        check_once(REPO / 'submissions' / 'A2-solution.ipynb')
        checks = [check_once(REPO / 'submissions' / 'A2-solution.ipynb') for _ in range(3)]
        check = statistics.median(checks)
        print(f'grader check on the solution: {check:.2f} s = {check / floor1:.2f}x the 1-way floor')
        rerun_download = scaled_download(tmp, args.rerun, 'correct')
        from grader.batch import driver
        real = driver.make_executor
        driver.make_executor = lambda *a, **k: OncePerNotebook()
        try:
            grade(rerun_download, tmp / 'rerun')
        finally:
            driver.make_executor = real
        seconds, summary = grade(rerun_download, tmp / 'rerun')
        print(f'cached re-run: {seconds:.2f} s for {summary.cached} unchanged notebooks')
        if not args.skip_dask:
            import json
            canned = {k: v for k, v in json.loads((tmp / 'local' / 'results.json').read_text())['submissions'][0].items()
                      if k not in ('student_key', 'user_id', 'name', 'attachment_id', 'original_name', 'partners',
                                   'lateness', 'late_marker', 'other_files', 'warnings')}
            rate, capacity = scale_run(canned, args.scale_jobs, tmp)
            print(f'scale: {args.scale_jobs} fake jobs through a 2-worker Dask LocalCluster: {rate:.0f} results/s '
                  f'recorded end to end; the driver spends {1000 / capacity:.1f} ms per result (parse, save in the '
                  f'gradebook), so it keeps up with {capacity:.0f} results/s = {capacity / 50:.0f}x the 50 results/s '
                  f'of 50 workers finishing a notebook each second')


if __name__ == '__main__':
    main()

"""Batch grading speed: the bundled sample scaled to N notebooks, graded with 1 and 2 workers, then re-run.

    python benchmarks/batch_speed.py [--notebooks 40] [--mix correct|sample] [--skip-one-worker]

Prints, measured in this one run: notebooks per minute with 1 and 2 workers, the cached re-run time, and the
bare kernel floor (start a kernel, import NumPy, shut it down) per notebook, so ratios compare like with like
on a shared machine. `--mix correct` copies the sample's correct notebooks (the issue's target is for correct
ones); `--mix sample` copies every sample notebook, mistakes and all.
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / 'submissions' / 'sample' / 'canvas-submissions.zip'
CORRECT = ('Anderson-A2.ipynb', 'Garcia-A2.ipynb', 'Nguyen-A2.ipynb')


def scaled_download(out: Path, n: int, mix: str) -> Path:
    """Copies of sample entries under new Canvas user and attachment ids, named as Canvas names them."""
    with zipfile.ZipFile(SAMPLE) as z:
        entries = [(name, z.read(name)) for name in z.namelist() if name.endswith('.ipynb')
                   and (mix == 'sample' or name.endswith(CORRECT))]
    path = out / f'download-{n}.zip'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            name, data = entries[i % len(entries)]
            original = name.split('_', 3)[-1] if '_LATE_' not in name else name.split('_', 4)[-1]
            z.writestr(f'student{i:04d}_{900000 + i}_{7000000 + i}_{original}', distinct(data, i))
    return path


def distinct(data: bytes, i: int) -> bytes:
    """The notebook with its own metadata stamp: every copy has its own bytes, so nothing can be graded once for
    all its copies (a Dask cluster shares the result of identical jobs)."""
    nb = json.loads(data)
    nb.setdefault('metadata', {})['benchmark_copy'] = i
    return json.dumps(nb).encode()


def grade(download: Path, out: Path, workers: int) -> tuple[float, object]:
    from grader.batch.driver import BatchOptions, grade_batch
    started = time.perf_counter()
    summary = grade_batch(BatchOptions(submissions=download, out=out, workers=workers))
    return time.perf_counter() - started, summary


def kernel_floor(repeat: int) -> float:
    from grader.kernel.session import KernelSession
    from grader.kernel.bubblewrap import default_launcher
    launcher = default_launcher()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with KernelSession(launcher, ['def ping(ns):\n    import numpy\n    return 1\n']) as session:
            assert session.call('ping', {}, 60).ok
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--notebooks', type=int, default=40)
    parser.add_argument('--mix', choices=('correct', 'sample'), default='correct')
    parser.add_argument('--skip-one-worker', action='store_true', help='only measure 2 workers')
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from grader.kernel.bubblewrap import default_launcher
    print(f'launcher: {default_launcher().description}')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        download = scaled_download(tmp, args.notebooks, args.mix)
        floor = kernel_floor(3)
        print(f'bare kernel floor (start, import numpy, shut down): {floor:.2f} s per notebook')
        rates = {}
        for workers in ((2,) if args.skip_one_worker else (1, 2)):
            seconds, summary = grade(download, tmp / f'out{workers}', workers)
            per_min = args.notebooks / seconds * 60
            rates[workers] = per_min
            bad = [p for p in summary.problems]
            print(f'{workers} worker(s): {args.notebooks} notebooks in {seconds:.1f} s = {per_min:.1f} notebooks/min '
                  f'= {seconds / args.notebooks:.2f} s per notebook wall, '
                  f'{seconds * workers / args.notebooks:.2f} worker-s per notebook '
                  f'({seconds * workers / args.notebooks / floor:.1f}x the kernel floor); not graded: {len(bad)}')
        seconds, summary = grade(download, tmp / 'out2', 2)
        print(f'cached re-run (nothing changed): {seconds:.2f} s for {summary.cached} notebooks')
        if 1 in rates:
            print(f'speed-up 2 workers vs 1: {rates[2] / rates[1]:.2f}x')


if __name__ == '__main__':
    main()

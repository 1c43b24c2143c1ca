"""A re-run over unchanged notebooks: what `grader grade` costs when nothing changed (the target: 200 in <= 5 s).

    python benchmarks/rerun_speed.py [--notebooks 200] [--profile]

The first run grades each distinct notebook once for real and hands the same result to its copies (so priming 200
notebooks takes seconds, not minutes); the timed second run is an ordinary `grade_batch` over the same download.
"""
import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / 'benchmarks'))

from batch_speed import scaled_download  # noqa: E402


class OncePerNotebook:
    """An executor that grades each notebook once per distinct content (the copies differ only in a metadata stamp)
    and gives its copies the same result."""
    description = 'one real grading per distinct notebook (priming)'

    def run(self, jobs, on_done):
        import json
        from grader.batch.jobs import grade_job
        done = {}
        for job in jobs:
            nb = json.loads(job.notebook)
            nb.get('metadata', {}).pop('benchmark_copy', None)
            content = json.dumps(nb, sort_keys=True)
            if content not in done:
                done[content] = grade_job(job)
            on_done(job.key, 'ok', {**done[content], '_scored_for': None})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--notebooks', type=int, default=200)
    parser.add_argument('--profile', action='store_true', help='print where the re-run spends its time')
    args = parser.parse_args()
    from grader.batch import driver
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        download = scaled_download(tmp, args.notebooks, 'correct')
        opts = driver.BatchOptions(submissions=download, out=tmp / 'out', workers=2)
        real = driver.make_executor
        driver.make_executor = lambda *a, **k: OncePerNotebook()
        started = time.perf_counter()
        first = driver.grade_batch(opts)
        driver.make_executor = real
        print(f'priming: {first.graded} notebooks graded in {time.perf_counter() - started:.1f} s')
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        again = driver.grade_batch(opts)
        if profile:
            profile.disable()
        seconds = time.perf_counter() - started
        print(f'cached re-run: {seconds:.2f} s for {again.cached} unchanged notebooks ({again.graded} graded)')
        if profile:
            pstats.Stats(profile).sort_stats('cumulative').print_stats(30)


if __name__ == '__main__':
    main()

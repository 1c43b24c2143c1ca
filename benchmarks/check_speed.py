"""How long `grader check` takes on the solution notebook, next to the bare kernel floor, in the same run.

    python benchmarks/check_speed.py [--repeat N]

The floor: start a kernel with the same launcher, import NumPy in it, shut it down. `grader check` is timed as
a student runs it: a fresh process from the command line.
"""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def kernel_floor(launcher):
    from grader.kernel.session import KernelSession
    started = time.perf_counter()
    with KernelSession(launcher, ['def ping(ns):\n    import numpy\n    return 1\n']) as session:
        assert session.call('ping', {}, 60).ok
    return time.perf_counter() - started


def check_once(notebook):
    started = time.perf_counter()
    done = subprocess.run([sys.executable, '-m', 'grader', 'check', str(notebook)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:], sep='\n')
        raise SystemExit(f'grader check exited {done.returncode}')
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--notebook', default=str(REPO / 'submissions' / 'A2-solution.ipynb'))
    args = parser.parse_args()
    from grader.kernel.bubblewrap import default_launcher
    launcher = default_launcher()
    print(f'launcher: {launcher.description}')
    floors, checks = [], []
    for _ in range(args.repeat):     # interleaved, so both see the same machine load
        floors.append(kernel_floor(launcher))
        checks.append(check_once(args.notebook))
    floor, check = statistics.median(floors), statistics.median(checks)
    print(f'bare kernel (start, import numpy, shut down): median {floor:.2f} s  {[round(x, 2) for x in floors]}')
    print(f'grader check on {Path(args.notebook).name}: median {check:.2f} s  {[round(x, 2) for x in checks]}')
    print(f'ratio check / bare kernel: {check / floor:.1f}x')


if __name__ == '__main__':
    main()

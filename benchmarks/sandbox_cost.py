"""What the bubblewrap sandbox costs per notebook, against an unsandboxed kernel measured in the same run.

    python benchmarks/sandbox_cost.py [N]

Each session: start a kernel, run the grader's setup, ``import numpy`` and a trivial probe, close. The two
launchers alternate so load from anything else on the machine falls on both alike. There is no first-build
cost to report: the sandbox binds the host's interpreter and site-packages read-only instead of building an
environment of its own (see grader/sandbox.py); the probe that decides whether bubblewrap works is timed instead.
"""
import statistics
import sys
import time

from grader.kernel import bubblewrap as sandbox
from grader.kernel.session import KernelSession
from grader.kernel.launch import LimitsLauncher

PROBE = '''
def probe(ns):
    import numpy
    return int(numpy.arange(10).sum())
'''


def one_session(launcher) -> float:
    started = time.perf_counter()
    with KernelSession(launcher, [PROBE]) as session:
        outcome = session.call('probe', {}, 30)
        assert outcome.ok and outcome.value == 45, outcome
    return time.perf_counter() - started


def main(n: int = 5):
    started = time.perf_counter()
    reason = sandbox._probe()
    probe_seconds = time.perf_counter() - started
    if reason is not None:
        sys.exit(f'bubblewrap cannot run here: {reason}')
    print(f'probe (does bubblewrap run a Python here?): {probe_seconds:.3f} s, once per process')
    launchers = {'LimitsLauncher': LimitsLauncher(), 'BwrapLauncher': sandbox.BwrapLauncher()}
    for launcher in launchers.values():     # warm the page cache, so neither pays for the first read from disk
        one_session(launcher)
    times: dict[str, list[float]] = {name: [] for name in launchers}
    for _ in range(n):
        for name, launcher in launchers.items():
            times[name].append(one_session(launcher))
    print(f'{n} sessions each (start kernel, setup, import numpy, probe, close):')
    for name, values in times.items():
        print(f'  {name:15s} mean {statistics.mean(values):.2f} s  median {statistics.median(values):.2f} s  '
              f'min {min(values):.2f} s  max {max(values):.2f} s')
    limits, bwrap = (statistics.median(times[k]) for k in launchers)
    print(f'sandbox / limits (medians): {bwrap / limits:.2f}x, {bwrap - limits:+.2f} s per notebook')


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

"""Where a batch's jobs run: the local worker pool (default), or Dask distributed (one machine or many).

The seam is small: ``executor.run(jobs, on_done)`` calls ``on_done(job_key, status, value)`` once per job as each
finishes, with status 'ok' (value: the result's dict), 'error', 'died' or 'timeout' (value: why). The driver stays
the only writer of the gradebook; executors only move jobs out and results back, as data.

Dask: jobs are submitted under their identity (notebook hash, grader version, rubric hash, seed), so a job
resubmitted while it is known to the cluster is not graded twice; a worker lost mid-job makes Dask re-run the job
elsewhere (``distributed.scheduler.allowed-failures``); a job over its hard budget is reported as a timeout and its
worker restarted, which ends the kernel with it (kernels die with their parent).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Protocol

from .jobs import GradeJob, grade_job

OnDone = Callable[[str, str, Any], None]


class Executor(Protocol):
    description: str

    def run(self, jobs: list[GradeJob], on_done: OnDone) -> None: ...


class LocalPool:
    """Worker processes on this machine (``batch.pool``)."""

    def __init__(self, workers: int, hard_timeout: float):
        self.workers, self.hard_timeout = workers, hard_timeout
        self.description = f'{workers} local worker process(es)'

    def run(self, jobs: list[GradeJob], on_done: OnDone) -> None:
        from .pool import WorkerPool
        WorkerPool(grade_job, self.workers, self.hard_timeout).run([(job.key, job) for job in jobs], on_done)


class DaskExecutor:
    """A Dask cluster: a LocalCluster of ``workers`` processes (one thread each), or a running scheduler."""

    def __init__(self, workers: int, hard_timeout: float, scheduler: str | None = None, function=grade_job):
        try:
            import distributed  # noqa: F401 - only to say what to install when it is missing
        except ImportError:
            from ..errors import InputError
            raise InputError("--executor dask needs Dask distributed: pip install 'a2-grader[dask]'") from None
        self.workers, self.hard_timeout, self.scheduler, self.function = workers, hard_timeout, scheduler, function
        self.description = (f'the Dask scheduler at {scheduler}' if scheduler
                            else f'a Dask LocalCluster of {workers} worker process(es)')

    def _client(self):
        from distributed import Client, LocalCluster
        if self.scheduler:
            try:
                return Client(self.scheduler, timeout='20s'), None
            except (OSError, TimeoutError) as exc:
                from ..errors import InputError
                raise InputError(f'--dask-scheduler {self.scheduler}: cannot reach it ({exc}): start the scheduler '
                                 '(dask scheduler) and workers (dask worker ADDRESS), or leave the option out') \
                    from None
        cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=40)
        return Client(cluster), cluster

    def run(self, jobs: list[GradeJob], on_done: OnDone) -> None:
        from distributed import wait
        client, cluster = self._client()
        try:
            by_identity: dict[str, tuple[GradeJob, list[str]]] = {}
            for job in jobs:
                by_identity.setdefault(job.identity, (job, []))[1].append(job.key)
            futures = client.map(self.function, [job for job, _ in by_identity.values()], key=list(by_identity),
                                 pure=False, retries=0)
            remaining = {future.key: (future, by_identity[future.key][1]) for future in futures}
            running_since: dict[str, float] = {}
            while remaining:
                try:
                    done = wait([f for f, _ in remaining.values()], timeout=1.0, return_when='FIRST_COMPLETED').done
                except TimeoutError:    # distributed.wait raises when nothing finished within the timeout
                    done = set()
                for future in done:
                    _, keys = remaining.pop(future.key)
                    self._report(future, keys, on_done)
                now = time.monotonic()       # the budget counts from when a job starts running, not queues
                for tasks in client.processing().values():
                    for key in tasks:
                        running_since.setdefault(key, now)
                for key in [k for k in remaining if now - running_since.get(k, now) > self.hard_timeout]:
                    future, keys = remaining.pop(key)
                    self._overrun(client, future, keys, on_done)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _report(self, future, keys: list[str], on_done: OnDone) -> None:
        if future.status == 'finished':
            value = future.result()
            for key in keys:
                on_done(key, 'ok', value)
            return
        exc = future.exception() if future.status == 'error' else None
        died = exc is not None and type(exc).__name__ == 'KilledWorker'
        why = 'workers died running it' if died else f'{type(exc).__name__}: {exc}' if exc else future.status
        for key in keys:
            on_done(key, 'died' if died else 'error', why)

    def _overrun(self, client, future, keys: list[str], on_done: OnDone) -> None:
        workers = [w for w, tasks in client.processing().items() if future.key in tasks]
        future.cancel()
        if workers:
            try:
                client.restart_workers(workers)     # ends the job's kernel with its process
            except Exception:   # noqa: BLE001 - a worker that cannot be restarted is reported by Dask itself
                pass
        for key in keys:
            on_done(key, 'timeout', f'over its hard budget of {self.hard_timeout:.0f} s')


def make_executor(kind: str, workers: int, hard_timeout: float, scheduler: str | None = None) -> Executor:
    if kind == 'dask' or scheduler:
        return DaskExecutor(workers, hard_timeout, scheduler)
    if kind != 'local':
        from ..errors import InputError
        raise InputError(f'--executor {kind}: choose local or dask')
    return LocalPool(workers, hard_timeout)

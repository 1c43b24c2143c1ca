"""Worker processes for a batch: one notebook at a time each; a worker that dies or overruns is replaced.

A student's notebook can take its kernel down, and in rare cases the grading process with it: each worker is a
separate process, so that costs one notebook (reported with a status), never the batch.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import time
from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class _Worker:
    process: Any
    tasks: Any
    task: Any = None
    started: float = 0.0


def _worker_main(function, tasks, results):
    while True:
        item = tasks.get()
        if item is None:
            return
        task_id, task = item
        try:
            results.put((task_id, 'ok', function(task)))
        except BaseException as exc:  # noqa: BLE001 - reported per task, the worker carries on
            results.put((task_id, 'error', f'{type(exc).__name__}: {exc}'))


class WorkerPool:
    def __init__(self, function: Callable[[Any], Any], workers: int, hard_timeout: float):
        self.function = function
        self.size = max(1, int(workers))
        self.hard_timeout = hard_timeout
        self._ctx = mp.get_context('spawn')      # no inherited sockets, event loops or locks
        self._results = self._ctx.Queue()
        self._workers: list[_Worker] = []

    def _spawn(self) -> _Worker:
        tasks = self._ctx.Queue()
        process = self._ctx.Process(target=_worker_main, args=(self.function, tasks, self._results), daemon=True)
        process.start()
        return _Worker(process, tasks)

    def run(self, tasks: list[tuple[str, Any]], on_done: Callable[[str, str, Any], None]) -> None:
        """Call ``on_done(task_id, 'ok'|'error'|'died'|'timeout', value)`` once per task, as each finishes."""
        pending = list(reversed(tasks))
        self._workers = [self._spawn() for _ in range(min(self.size, len(tasks)))]
        remaining = len(tasks)
        reported: set[str] = set()

        def once(task_id, status, value):
            # A result can arrive just as its overrunning worker is killed: the first word stands.
            if task_id not in reported:
                reported.add(task_id)
                on_done(task_id, status, value)
        try:
            while remaining:
                for w in self._workers:
                    if w.task is None and pending:
                        w.task = pending.pop()
                        w.started = time.monotonic()
                        w.tasks.put(w.task)
                try:
                    task_id, status, value = self._results.get(timeout=0.2)
                except queue.Empty:
                    remaining -= self._reap(once)
                    continue
                worker = next((w for w in self._workers if w.task and w.task[0] == task_id), None)
                if worker is not None:
                    worker.task = None
                if task_id not in reported:
                    once(task_id, status, value)
                    remaining -= 1
        finally:
            self.close()

    def _reap(self, on_done) -> int:
        """Replace workers that died or overran; their tasks are reported, not retried."""
        finished = 0
        for i, w in enumerate(self._workers):
            if w.task is None:
                continue
            overdue = time.monotonic() - w.started > self.hard_timeout
            if w.process.is_alive() and not overdue:
                continue
            if w.process.is_alive():
                w.process.kill()
            w.process.join(5)
            status = 'timeout' if overdue else 'died'
            on_done(w.task[0], status, f'exit code {w.process.exitcode}')
            finished += 1
            self._workers[i] = self._spawn()
        return finished

    def close(self):
        for w in self._workers:
            if w.process.is_alive():
                w.tasks.put(None)
        deadline = time.monotonic() + 5
        for w in self._workers:
            w.process.join(max(0.1, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
        self._workers = []

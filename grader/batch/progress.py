"""A live progress line for long runs: done, errors, ETA. One line per notebook when not on a terminal."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, 'isatty') and self.stream.isatty()
        self.width = width
        self.total = self.done = self.errors = 0
        self.started = time.monotonic()

    def __call__(self, event: str, info: dict):
        if event == 'start':
            self.total, self.started = info['total'], time.monotonic()
            cached = f' ({info["cached"]} unchanged since the last run, not regraded)' if info.get('cached') else ''
            self._print(f'grading {self.total} notebook(s){cached}')
        elif event == 'done':
            self.done += 1
            self.errors += info['status'] != 'graded'
            if self.tty:
                self.stream.write('\r' + self._line())
                self.stream.flush()
                if self.done == self.total:
                    self.stream.write('\n')
            else:
                self._print(f'{self._line()}  {info.get("name") or info["key"]}: {info["status"]}')
        elif event == 'executor':
            self._print(f'notebooks run on {info["description"]}')
        elif event == 'export':
            self._print('writing grades.csv, results, feedback and report.html')

    def _line(self) -> str:
        filled = int(self.width * self.done / max(1, self.total))
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0
        return (f'[{"#" * filled}{"." * (self.width - filled)}] {self.done}/{self.total} done, '
                f'{self.errors} not graded, ETA {int(eta // 60)}:{int(eta % 60):02d}')

    def _print(self, text: str):
        print(text, file=self.stream, flush=True)

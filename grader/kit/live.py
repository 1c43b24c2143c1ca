"""The self-check's live line: which check is running and for how long, so a hanging function never looks like a
frozen grader. On a terminal one line is rewritten in place (a ticking clock); elsewhere one line per check."""
from __future__ import annotations

import sys
import threading
import time


class LiveLine:
    """Call as ``on_check(event, item_id)``; ``close()`` when done."""

    def __init__(self, titles: dict[str, str], stream=None):
        self.titles = titles
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, 'isatty') and self.stream.isatty()
        self._current: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = None
        if self.tty:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def __call__(self, event: str, item_id: str) -> None:
        with self._lock:
            if event == 'start':
                self._current = (item_id, time.monotonic())
                if not self.tty:
                    print(f'  checking {self.titles.get(item_id, item_id)}...', file=self.stream, flush=True)
            else:
                self._current = None
            self._draw()

    def _line(self) -> str:
        if self._current is None:
            return ''
        item_id, since = self._current
        seconds = time.monotonic() - since
        slow = '  (still running: a loop that never ends? the check stops it at its time budget)' if seconds > 10 else ''
        return f'  checking {self.titles.get(item_id, item_id)} ... {seconds:.0f} s{slow}'

    def _draw(self) -> None:
        if self.tty:
            self.stream.write('\r\033[K' + self._line()[:max(20, _width() - 1)])
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                self._draw()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._current = None
            self._draw()


def _width() -> int:
    import shutil
    return shutil.get_terminal_size((100, 20)).columns

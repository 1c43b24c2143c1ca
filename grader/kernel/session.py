"""The execute step: a fresh kernel per notebook, the student's definitions, then probes that return data.

Knows kernels, nothing about rubrics. A probe that runs too long or kills its kernel costs only itself: the
kernel is killed, a fresh one is started, the definitions are replayed, and grading goes on.
"""
from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import driver as kernel_driver, wire
from ..model import CodeChunk

OutcomeStatus = Literal['ok', 'error', 'timeout', 'died', 'protocol']
STARTUP_TIMEOUT = 60
OUTPUT_CAP = 1_000_000      # characters of output kept per cell


@dataclass
class ProbeOutcome:
    status: OutcomeStatus
    value: Any = None
    error: str = ''         # the student's exception, or what went wrong with the kernel
    where: str = ''         # innermost student frame
    stdout: str = ''
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 'ok'

    def explain(self) -> str:
        if self.status == 'timeout':
            return f'did not finish within {self.seconds:.0f} s (an infinite loop?)'
        if self.status == 'died':
            return f'the kernel died ({self.error})'
        return f'{self.error} ({self.where})' if self.where else self.error


@dataclass
class DefinitionNote:
    cell_index: int
    message: str


@dataclass
class _Cell:
    outputs: list
    timed_out: bool = False
    died: bool = False
    seconds: float = 0.0


class _CappedClient(NotebookClient):
    """Keeps at most OUTPUT_CAP characters of a cell's outputs: a million-line print or a 10 MB image from a
    student's function is counted and dropped, never stored whole. Probe results are exempt (the wire caps them)."""

    kept = 0
    dropped = 0
    oversized = False           # a probe's result was over wire.MAX_PAYLOAD_CHARS: dropped too

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get('content') or {}
        data = content.get('data') or {}
        if kernel_driver.MIME in data and len(str(data[kernel_driver.MIME])) > wire.MAX_PAYLOAD_CHARS:
            self.oversized = True
            return None
        if kernel_driver.MIME not in data:
            size = len(str(content.get('text', ''))) + sum(len(str(v)) for v in data.values())
            self.kept += size
            if self.kept > OUTPUT_CAP:
                self.dropped += size
                return None
        return super().output(outs, msg, display_id, cell_index)


def _source(module) -> str:
    return Path(module.__file__).read_text()


@dataclass
class KernelSession:
    """One student's kernel. Use as a context manager; every method is synchronous."""

    launcher: Any
    probe_sources: list[str]                    # source texts of the probe modules, run in order
    support_files: Iterable[Path] = ()
    notebook: Path | None = None
    define_timeout: float = 30.0     # for all the definitions together
    # (path inside the working folder, file to copy there): e.g. matplotlib's prebuilt font list (kernel.fontcache)
    placed_files: Iterable[tuple[str, Path]] = ()
    restarts: int = 0
    notes: list[DefinitionNote] = field(default_factory=list)

    def __post_init__(self):
        self.token = secrets.token_hex(8)
        self._loop = asyncio.new_event_loop()
        self._client: NotebookClient | None = None
        self._chunks: list[CodeChunk] = []
        self._poison: set[int] = set()          # chunks that hung or killed the kernel: not replayed
        self._reported: set[int] = set()        # chunks whose errors are already in notes
        self._connected = False
        self.workdir = Path(tempfile.mkdtemp(prefix='a2g-work-'))
        for f in self.support_files:
            shutil.copy(f, self.workdir / Path(f).name)
        if self.notebook is not None:
            self.place_notebook(self.notebook)
        for inside, source in self.placed_files:
            (self.workdir / inside).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, self.workdir / inside)

    def place_notebook(self, notebook: Path) -> None:
        """Copy the notebook into the kernel's folder: a session started before its notebook was known (a worker's
        next kernel, booted while the current notebook is graded) gets it here."""
        self.notebook = Path(notebook)
        shutil.copy(self.notebook, self.workdir / self.notebook.name)

    # ------------------------------------------------------------ lifecycle
    def spawn(self):
        """Start the kernel's process now and connect later: the caller works while the kernel boots."""
        if self._client is None:
            self._run(self._spawn())
        return self

    def prepare(self):
        """Start the kernel and make it ready for definitions (idempotent)."""
        if self._client is None:
            self._run(self._spawn())
        if not self._connected:
            self._run(self._connect())
            self._connected = True
        return self

    def __enter__(self):
        return self.prepare()

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """End the kernel and remove the working folder; safe to call more than once."""
        if self._loop.is_closed():
            return
        try:
            self._run(self._kill())
        finally:
            self._loop.close()
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _run(self, coro):
        return self._loop.run_until_complete(coro)

    async def _start(self):
        await self._spawn()
        await self._connect()

    async def _spawn(self):
        km = self.launcher.manager(self.workdir)
        self._nb = nbformat.v4.new_notebook()
        self._client = _CappedClient(self._nb, km=km, timeout=STARTUP_TIMEOUT, allow_errors=True,
                                      interrupt_on_timeout=False, kernel_name='python3',
                                      startup_timeout=STARTUP_TIMEOUT, record_timing=False)
        await self._client.async_start_new_kernel(**self.launcher.start_kwargs(self.workdir))

    async def _connect(self):
        await self._client.async_start_new_kernel_client()
        cell = await self._execute(self._setup_source(), STARTUP_TIMEOUT)
        errors = [o for o in cell.outputs if o.get('output_type') == 'error']
        if cell.timed_out or cell.died or errors:
            raise RuntimeError(f'the grading kernel could not be prepared: {errors[:1] or "no answer"}')

    async def _kill(self):
        client = self._client
        self._client = None
        self._connected = False
        if client is None:
            return
        # We passed our own manager, so nbclient leaves shutting it down to us.
        try:
            if client.kc is not None:
                client.kc.stop_channels()
        finally:
            if client.km is not None and await _maybe(client.km.is_alive()):
                await _maybe(client.km.shutdown_kernel(now=True))

    def _restart(self):
        self.restarts += 1
        self._run(self._kill())
        self._run(self._start())
        self._replay()

    def _setup_source(self) -> str:
        modules = [('wire', _source(wire)), ('driver', _source(kernel_driver)),
                   ('probes', '\n\n'.join(self.probe_sources))]
        return (f'def __a2g_setup(sources={modules!r}):\n'
                '    import sys, types\n'
                '    for name, src in sources:\n'
                '        m = types.ModuleType("a2g_" + name)\n'
                '        exec(compile(src, "<a2g-" + name + ">", "exec"), m.__dict__)\n'
                '        sys.modules["a2g_" + name] = m\n'
                '__a2g_setup()\n'
                'del __a2g_setup\n')

    # ------------------------------------------------------------ running code
    async def _execute(self, source: str, timeout: float) -> _Cell:
        cell = nbformat.v4.new_code_cell(source)
        self._nb.cells = [cell]
        self._client.timeout = max(1, int(round(timeout)))
        self._client.kept = self._client.dropped = 0
        self._client.oversized = False
        started = time.perf_counter()
        result = _Cell(outputs=cell.outputs)
        try:
            # nbclient's own timeout can wait forever on a kernel that never answers: bound it from outside too.
            await asyncio.wait_for(self._client.async_execute_cell(cell, 0, store_history=False), timeout + 10)
        except (CellTimeoutError, asyncio.TimeoutError):
            result.timed_out = True
        except DeadKernelError:
            result.died = True
        except Exception as exc:   # a broken channel is a dead kernel to us
            result.died = True
            cell.outputs.append({'output_type': 'error', 'ename': type(exc).__name__, 'evalue': str(exc)})
        result.outputs = cell.outputs
        result.seconds = time.perf_counter() - started
        return result

    def define(self, chunks: Iterable[CodeChunk]) -> list[DefinitionNote]:
        """Run the student's selected definitions in notebook order; report, never stop, on failures."""
        self._chunks = list(chunks)
        self._replay()
        return self.notes

    def _replay(self):
        """All definitions in one request; a chunk that hangs or kills the kernel is dropped and the rest
        replayed in a fresh kernel."""
        todo = [i for i in range(len(self._chunks)) if i not in self._poison]
        if not todo:
            return
        # Padded to the chunk's first line, so a traceback quotes the line numbers the student sees in the cell.
        chunks = [self._chunks[i] for i in todo]
        payload = [(f'<cell {c.cell_index + 1}>', '\n' * (c.line - 1) + c.source) for c in chunks]
        source = (f'(lambda m: m["a2g_driver"].define(get_ipython(), {self.token!r}, {payload!r}))'
                  '(__import__("sys").modules)')
        cell = self._run(self._execute(source, self.define_timeout))
        done = _define_envelopes(cell, self.token, len(todo))
        for position, i in enumerate(todo):
            envelope = done[position]
            if envelope is None:
                break
            if not envelope.get('ok') and i not in self._reported:
                self._reported.add(i)
                index = self._chunks[i].cell_index
                self.notes.append(DefinitionNote(index, f'cell {index + 1} raised {envelope.get("error", "")}'[:400]))
        if cell.timed_out or cell.died or None in done:
            stuck = todo[done.index(None)] if None in done else todo[-1]
            self._poison.add(stuck)
            index = self._chunks[stuck].cell_index
            what = (f'did not finish within {self.define_timeout:.0f} s' if cell.timed_out
                    else 'stopped the kernel')
            self.notes.append(DefinitionNote(index, f'code in cell {index + 1} {what}; it was skipped and '
                                                    'grading went on without it'))
            self._run(self._kill())
            self._run(self._start())
            self._replay()

    def call(self, probe: str, inputs: dict[str, Any], timeout: float) -> ProbeOutcome:
        """Run ``probe(student_namespace, **inputs)`` in the kernel; the value comes back as data."""
        return self.call_many([(probe, inputs)], timeout)[0]

    def call_many(self, calls: list[tuple[str, dict[str, Any]]], timeout: float) -> list[ProbeOutcome | None]:
        """Several probes in one request (each request costs a round trip through the kernel's machinery).

        If one hangs or kills the kernel, the ones before it keep their results, it gets 'timeout' or 'died',
        and the ones after it get None: not run (the kernel has been replaced; run them again).
        """
        payloads = [(probe, wire.dumps(inputs)) for probe, inputs in calls]
        source = (f'(lambda m: m["a2g_driver"].call(m["a2g_wire"], m["a2g_probes"], get_ipython(), '
                  f'{self.token!r}, {payloads!r}))(__import__("sys").modules)')
        cell = self._run(self._execute(source, timeout))
        outcomes = _read_envelopes(cell, self.token, len(calls))
        if cell.timed_out or cell.died:
            stuck = next((i for i, o in enumerate(outcomes) if o is None), None)
            if stuck is not None:
                spent = cell.seconds - sum(o.seconds for o in outcomes[:stuck])
                outcomes[stuck] = ProbeOutcome('timeout' if cell.timed_out else 'died', seconds=spent,
                                               error='' if cell.timed_out else _died_reason(cell.outputs))
            self._restart()
            return outcomes
        missing = _protocol_failure(cell)
        if self._client.oversized:
            missing = ProbeOutcome('error', error=f'the value returned is too large to grade (over '
                                                  f'{wire.MAX_PAYLOAD_CHARS // 1_000_000} MB as text)')
        return [o if o is not None else missing for o in outcomes]


def _read_envelopes(cell: _Cell, token: str, n: int) -> list[ProbeOutcome | None]:
    """Each call's result, from the last envelope carrying our token and its index (student code runs before
    the driver publishes a call's envelope)."""
    import json
    found: list[ProbeOutcome | None] = [None] * n
    for out in cell.outputs:
        data = out.get('data') or {}
        if out.get('output_type') != 'display_data' or kernel_driver.MIME not in data:
            continue
        try:
            envelope = json.loads(data[kernel_driver.MIME])
            index = envelope.get('index')
            if envelope.get('token') != token or not isinstance(index, int) or not 0 <= index < n:
                continue
            common = dict(stdout=str(envelope.get('stdout', '')), seconds=float(envelope.get('seconds', 0)))
            if envelope.get('ok'):
                found[index] = ProbeOutcome('ok', value=wire.decode(envelope['value']), **common)
            else:
                found[index] = ProbeOutcome('error', error=str(envelope.get('error', '')),
                                            where=str(envelope.get('where', '')), **common)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return [ProbeOutcome('protocol', error=f'unreadable result: {exc}')] * n
    return found


def _define_envelopes(cell: _Cell, token: str, n: int) -> list[dict | None]:
    import json
    found: list[dict | None] = [None] * n
    for out in cell.outputs:
        data = out.get('data') or {}
        if out.get('output_type') == 'display_data' and kernel_driver.MIME in data:
            try:
                envelope = json.loads(data[kernel_driver.MIME])
            except ValueError:
                continue
            index = envelope.get('index') if isinstance(envelope, dict) else None
            if envelope.get('token') == token and isinstance(index, int) and 0 <= index < n:
                found[index] = envelope
    return found


def _protocol_failure(cell: _Cell) -> ProbeOutcome:
    errors = [f'{o.get("ename")}: {o.get("evalue")}' for o in cell.outputs if o.get('output_type') == 'error']
    return ProbeOutcome('protocol', error=errors[0] if errors else 'no result came back from the kernel',
                        seconds=cell.seconds)


def _died_reason(outputs) -> str:
    errors = [f'{o.get("ename")}: {o.get("evalue")}' for o in outputs if o.get('output_type') == 'error']
    return errors[0] if errors else 'it exited or crashed'


async def _maybe(value):
    if asyncio.iscoroutine(value):
        return await value
    return value

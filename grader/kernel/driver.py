"""Runs INSIDE the student's kernel: calls a probe on the student's namespace and publishes the result as data.

Sent as source text (with ``wire``'s and the probes' sources), executed in private module namespaces so no
name of ours collides with a student's. It holds no expected value: comparison happens in the grader.
"""
import contextlib
import io
import json
import time
import traceback

MIME = 'application/x-a2g-result'
STDOUT_CAP = 4000


class CappedWriter(io.TextIOBase):
    """Keeps the first STDOUT_CAP characters of what student code prints and counts the rest."""

    def __init__(self, cap=STDOUT_CAP):
        self.parts, self.kept, self.dropped, self.cap = [], 0, 0, cap

    def write(self, s):
        s = str(s)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self):
        tail = f'\n... ({self.dropped:,} more characters not kept)' if self.dropped else ''
        return ''.join(self.parts) + tail


STUDENT_FILES = ('<cell ',)


def where(exc):
    """The innermost frame of the student's own cells (never NumPy's or ours), so a message points at their line:
    'cell 7, line 23, in use: return Y * self.Tstds'. Cells are numbered from 1, lines as in the cell."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(STUDENT_FILES)]
    if not frames:
        return ''
    f = frames[-1]
    cell = f.filename.strip('<>')
    return f'{cell}, line {f.lineno}, in {f.name}' + (f': {f.line.strip()}' if f.line else '')


def describe(exc):
    text = f'{type(exc).__name__}: {exc}'
    return text if len(text) <= 500 else text[:500] + '...'


def call(wire, probes, shell, token, calls):
    """Run each (probe name, inputs as JSON) in turn; publish one envelope per call, as soon as it returns, so
    the grader keeps every result that came back before a later call hung or killed the kernel."""
    for index, (name, payload) in enumerate(calls):
        out = CappedWriter()
        started = time.perf_counter()
        try:
            inputs = wire.loads(payload)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                value = getattr(probes, name)(shell.user_ns, **inputs)
            envelope = {'ok': True, 'value': wire.encode(value)}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from student code are results too
            envelope = {'ok': False, 'error': describe(exc), 'where': where(exc)}
        envelope.update(token=token, index=index, stdout=out.text(), seconds=time.perf_counter() - started)
        shell.display_pub.publish(data={MIME: json.dumps(envelope)}, metadata={})


def define(shell, token, chunks):
    """Run the student's definitions, (file name, source) each, in the student's namespace; one envelope per
    chunk as it finishes, so the grader knows which chunk hung or killed the kernel."""
    import linecache
    for index, (name, source) in enumerate(chunks):
        try:
            # Registered like IPython's cells, so tracebacks through this code show the student's lines. Chunks of
            # one cell share its name: each fills in its own lines (the padding before it is blank).
            lines = list(linecache.cache.get(name, (0, None, [], name))[2])
            for number, line in enumerate(source.splitlines(True)):
                while len(lines) <= number:
                    lines.append('\n')
                if line.strip():
                    lines[number] = line
            linecache.cache[name] = (sum(map(len, lines)), None, lines, name)
            exec(compile(source, name, 'exec'), shell.user_ns)
            envelope = {'ok': True}
        except BaseException as exc:  # noqa: BLE001 - a failing definition is reported, the rest still run
            envelope = {'ok': False, 'error': describe(exc)}
        envelope.update(token=token, index=index)
        shell.display_pub.publish(data={MIME: json.dumps(envelope)}, metadata={})

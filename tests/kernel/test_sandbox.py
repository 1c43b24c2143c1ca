"""The kernel's sandbox, seen from inside: every isolation property is a probe that reports what happened."""
import os
import secrets
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from grader.errors import InputError

import grader
import reference
from grader.kernel import bubblewrap as sandbox
from grader.kernel.session import KernelSession
from grader.kernel.launch import LimitsLauncher

PROBE = '''
def attempt(f):
    try:
        return 'ok: ' + repr(f())[:200]
    except BaseException as exc:
        return type(exc).__name__


def isolation(ns, unreadable, unwritable, unlistable, covered, host_port, marker, PEEL):
    import importlib, os, resource, socket, subprocess, sys

    def read(p):
        with open(p, 'rb') as f:
            return f.read(20)

    def write(p):
        with open(p, 'w') as f:
            return f.write('written from the sandbox')

    def connect(address):
        socket.create_connection(address, timeout=3).close()

    found = {'uid': os.getuid(), 'cwd': os.getcwd(), 'home': os.environ.get('HOME'),
             'nproc': resource.getrlimit(resource.RLIMIT_NPROC)[0],
             'status': [l for l in open('/proc/self/status').read().splitlines()
                        if l.startswith(('CapEff', 'CapBnd', 'NoNewPrivs'))],
             'imports': {n: attempt(lambda n=n: importlib.import_module(n).__name__)
                         for n in ('reference', 'grader', 'numpy', 'pandas', 'matplotlib')},
             'read': {p: attempt(lambda p=p: read(p)) for p in unreadable},
             'write': {p: attempt(lambda p=p: write(p)) for p in unwritable},
             'list': {p: attempt(lambda p=p: os.listdir(p)) for p in unlistable},
             'write_sandbox': attempt(lambda: write('/sandbox/mine.txt')),
             'write_tmp': attempt(lambda: write('/tmp/' + marker)),
             'connect_host': attempt(lambda: connect(('127.0.0.1', host_port))),
             'connect_outside': attempt(lambda: connect(('1.1.1.1', 53))),
             'resolve': attempt(lambda: socket.getaddrinfo('pypi.org', 443)),
             'processes': sorted(int(p) for p in os.listdir('/proc') if p.isdigit())}
    fork = subprocess.run([sys.executable, '-c', 'import os, resource; '
                           'resource.setrlimit(resource.RLIMIT_NPROC, (1, 1)); os.fork()'],
                          capture_output=True, text=True)
    found['fork_over_nproc'] = fork.stderr.strip().splitlines()[-1:] or ['forked']
    # A user namespace of one's own must not let a student lift the covers off the grader's entries.
    peel = subprocess.run(['unshare', '-Urm', sys.executable, '-I', '-S', '-c', PEEL] + covered,
                          capture_output=True, text=True)
    found['uncovered'] = peel.stdout.strip().splitlines() if peel.returncode == 0 else peel.stderr[-300:]
    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', marker],
                             start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    found['child'] = child.pid
    return found
'''

# Run as root of a fresh user namespace: detach each cover, then report what shows through it.
PEEL = '''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for path in sys.argv[1:]:
    libc.umount2(path.encode(), 2)
    seen = os.listdir(path) if os.path.isdir(path) else open(path).read()
    print(repr((path, seen)))
'''

IMPORT_PROBE = '''
def try_import(ns, name):
    import importlib
    try:
        importlib.import_module(name)
        return "imported"
    except ImportError as exc:
        return type(exc).__name__
'''


@pytest.fixture(scope='module')
def bwrap():
    reason = sandbox.sandbox_unavailable()
    if reason is not None:
        print(f'bubblewrap cannot run here: {reason}')
        pytest.skip(f'bubblewrap cannot run here: {reason}')
    return sandbox.BwrapLauncher()


def _processes_with(marker: str) -> list[int]:
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            if marker.encode() in Path(f'/proc/{pid}/cmdline').read_bytes():
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def _covers(launcher) -> list[str]:
    argv = launcher.command(Path('/nonexistent'), Path('/nonexistent'), ['true'])
    dirs = [argv[i + 1] for i, a in enumerate(argv) if a == '--tmpfs' and argv[i + 1] not in ('/tmp', '/dev/shm')]
    files = [argv[i + 2] for i, a in enumerate(argv) if a == '--ro-bind' and argv[i + 1].endswith('/empty')]
    return dirs + files


def test_the_sandboxed_kernel_sees_nothing_of_the_host_and_leaves_nothing_behind(bwrap, tmp_path):
    canary = tmp_path / 'canary.txt'
    canary.write_text('the answers')
    home_file = next((str(p) for p in sorted(Path.home().iterdir()) if p.is_file() and os.access(p, os.R_OK)), None)
    unreadable = [str(canary), grader.__file__, reference.__file__] + ([home_file] if home_file else [])
    unwritable = ['/usr/a2g', '/etc/a2g', '/a2g', '/kernel/site/a2g', os.path.join(os.path.realpath(sys.base_prefix), 'a2g'),
                  str(tmp_path / 'written.txt'), '/proc/a2g']
    unlistable = [str(Path(grader.__file__).parents[1]), str(tmp_path), str(Path.home() / '.cache')]
    marker = f'a2g-left-behind-{secrets.token_hex(6)}'
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen()
    listener.settimeout(0.5)
    session = KernelSession(bwrap, [PROBE])
    workdir = session.workdir
    try:
        with session:
            outcome = session.call('isolation', {'unreadable': unreadable, 'unwritable': unwritable,
                                                 'unlistable': unlistable, 'covered': _covers(bwrap),
                                                 'host_port': listener.getsockname()[1], 'marker': marker,
                                                 'PEEL': PEEL}, 60)
            assert outcome.ok, outcome
            found = outcome.value
            assert _processes_with(marker), 'the child the kernel started should be running until the end'
            assert (workdir / 'mine.txt').exists()
    finally:
        listener.close()
    assert found['imports']['reference'] == found['imports']['grader'] == 'ModuleNotFoundError'
    assert all(v.startswith('ok') for k, v in found['imports'].items() if k not in ('reference', 'grader'))
    assert (found['cwd'], found['home']) == (sandbox.SANDBOX, sandbox.SANDBOX)
    assert found['read'] and not any(v.startswith('ok') for v in found['read'].values()), found['read']
    assert not any(v.startswith('ok') for v in found['write'].values()), found['write']
    assert set(found['list'].values()) == {'FileNotFoundError'}, found['list']
    assert found['write_sandbox'].startswith('ok') and found['write_tmp'].startswith('ok')
    assert not (Path('/tmp') / marker).exists(), 'the sandbox /tmp must be its own'
    for what in ('connect_host', 'connect_outside', 'resolve'):
        assert not found[what].startswith('ok'), (what, found[what])
    assert found['processes'][0] == 1 and len(found['processes']) < 10, 'a pid namespace of its own'
    assert len(found['uncovered']) == len(_covers(bwrap)), found['uncovered']
    assert all(line.endswith(("[])", "'')")) for line in found['uncovered']), found['uncovered']
    if os.geteuid() == 0:
        assert found['uid'] >= sandbox.KERNEL_UIDS      # a uid of its own, far from any real account
        assert sorted(found['status']) == ['CapBnd:\t0000000000000000', 'CapEff:\t0000000000000000',
                                          'NoNewPrivs:\t1'], found['status']
        assert found['nproc'] == bwrap.limits.processes
        assert 'BlockingIOError' in found['fork_over_nproc'][0], found['fork_over_nproc']
    # After the session: the host's files as they were, the working folder and every sandboxed process gone.
    assert canary.read_text() == 'the answers'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['canary.txt']
    assert not workdir.exists()
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_with(marker), 'a process the kernel started outlived the session'


def test_a_kernel_killed_mid_cell_takes_its_processes_with_it(bwrap):
    marker = f'a2g-hang-{secrets.token_hex(6)}'
    hang = (f'def hang(ns):\n    import subprocess, sys, time\n'
            f'    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{marker}"])\n'
            f'    while True:\n        time.sleep(1)\n')
    with KernelSession(bwrap, [hang]) as session:
        outcome = session.call('hang', {}, 3)
        assert outcome.status == 'timeout'
        deadline = time.monotonic() + 10
        while _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _processes_with(marker), 'killing the kernel on a timeout must end its children too'
        assert session.restarts == 1


def test_limits_launcher_still_works():
    with KernelSession(LimitsLauncher(), [IMPORT_PROBE]) as session:
        assert session.call('try_import', {'name': 'numpy'}, 20).value == 'imported'
        assert session.call('try_import', {'name': 'grader'}, 20).value == 'ModuleNotFoundError'


def test_default_launcher_follows_A2G_SANDBOX_and_says_when_not_isolated(monkeypatch):
    monkeypatch.setenv('A2G_SANDBOX', 'none')
    launcher = sandbox.default_launcher()
    assert isinstance(launcher, LimitsLauncher) and not launcher.isolated
    assert launcher.description.startswith('NOT ISOLATED')
    monkeypatch.setattr(sandbox, '_unavailable', {'reason': 'no user namespaces'})
    for mode in ('auto', ''):
        monkeypatch.setenv('A2G_SANDBOX', mode)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            launcher = sandbox.default_launcher()
        assert isinstance(launcher, LimitsLauncher)
        assert launcher.description == 'NOT ISOLATED: bubblewrap unavailable: no user namespaces'
        assert any('NOT ISOLATED' in str(w.message) for w in caught)
    monkeypatch.setenv('A2G_SANDBOX', 'bwrap')
    with pytest.raises(InputError, match='no user namespaces'):
        sandbox.default_launcher()
    monkeypatch.setenv('A2G_SANDBOX', 'docker')
    with pytest.raises(InputError, match='must be auto, bwrap or none'):
        sandbox.default_launcher()
    monkeypatch.setattr(sandbox, '_unavailable', {'reason': None})
    for mode in ('auto', 'bwrap'):
        monkeypatch.setenv('A2G_SANDBOX', mode)
        launcher = sandbox.default_launcher()
        assert isinstance(launcher, sandbox.BwrapLauncher) and launcher.isolated


def test_the_probe_names_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    assert 'bwrap is not installed' in sandbox._probe()


FORK_BOMB = """
def fill_the_process_table(ns, marker):
    import os, time
    children = 0
    while True:
        try:
            pid = os.fork()
        except OSError:
            return children
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        children += 1


def threads_still_start(ns):
    import threading
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    import os
    return os.getuid()
"""


@pytest.mark.skipif(os.geteuid() != 0 or sandbox.sandbox_unavailable() is not None,
                    reason='per-kernel uids apply when the grader runs as root with bubblewrap')
def test_a_fork_bomb_in_one_kernel_does_not_starve_another():
    launcher = sandbox.BwrapLauncher()
    with KernelSession(launcher, [FORK_BOMB]) as bomb:
        children = bomb.call('fill_the_process_table', {'marker': 'x'}, 60)
        assert children.ok and children.value > 100, children
        with KernelSession(launcher, [FORK_BOMB]) as other:     # starts and runs threads while the bomb holds
            outcome = other.call('threads_still_start', {}, 30)
            assert outcome.ok, outcome
        uid_other = outcome.value
    with KernelSession(launcher, [FORK_BOMB]) as third:
        assert third.call('threads_still_start', {}, 30).value not in (uid_other,)


def test_kernel_start_up_works_where_prctl_and_resource_are_missing(tmp_path):
    """A student's Mac or Windows laptop: the limits that exist are applied, the rest skipped (and said once, in the
    launcher's description), and the kernel still starts. Run here with both taken away."""
    from grader.kernel.launch import BOOTSTRAP, Limits, LimitsLauncher
    prefix = BOOTSTRAP.split('from ipykernel.kernelapp')[0].format(limits=Limits().rlimits(), sites=[])
    script = tmp_path / 'start.py'
    script.write_text("import sys\nsys.modules['resource'] = None\nsys.platform = 'darwin'\n" + prefix +
                      "print('started')\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == 'started', done.stderr
    import grader.kernel.launch as launch
    real = launch.missing_limits
    try:
        launch.missing_limits = lambda limits: ['RLIMIT_AS', 'kill-with-parent']
        assert LimitsLauncher().description.endswith('this system cannot set RLIMIT_AS, kill-with-parent: those are '
                                                     'skipped')
    finally:
        launch.missing_limits = real

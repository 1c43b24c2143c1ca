"""The student's kernel under bubblewrap: no network, a read-only system, nothing of the grader's in view.

What the kernel sees: ``/usr`` (and the ``/bin``, ``/lib*`` links); the host's Python prefix, read-only, its
site-packages under an empty tmpfs; each site-packages directory bound whole under ``/kernel/lib`` with the
grader's entries covered (``grader``, ``reference``, editable-install finders, ``.pth`` files); ``/kernel/site``,
its only ``sys.path`` entry, linking to every other entry, i.e. what ``LimitsLauncher`` shows, so a notebook
grades the same either way; its working folder read-write at ``/sandbox`` (also HOME); private size-capped
``/tmp`` and ``/dev/shm``; a per-kernel directory with the connection file and ipc sockets. ``/work``, the host's
``/root``, ``/home`` and ``/tmp``, and other submissions do not exist there. The network is unshared, so the
client talks to the kernel over ``transport="ipc"``, sockets bound at the same path on both sides because both
read the same connection file.

As root: bwrap started as root keeps root's powers inside; started as an unprivileged user (setpriv) it cannot
bind the interpreter, which lives under ``/root`` (0700: a bind is opened with the caller's permissions, and
bwrap 0.8's ``--ro-bind-fd`` resolves the fd back to that path). So bwrap runs as root to build the mounts,
with no user namespace (one mapping only root would forbid the next step), and the sandbox's first command is
``setpriv`` to uid/gid 65534, no groups, an empty capability bounding set and no_new_privs (measured: CapEff
and CapBnd 0, NoNewPrivs 1). The kernel is then a real unprivileged uid and ``RLIMIT_NPROC`` bites (it counts
every process of the uid: concurrent kernels share it). Bound outside ``/root``'s 0700 directory the
interpreter is readable, so nothing is copied or built. Weighed and dropped: a cached environment
(``/usr/bin/python3`` + numpy, pandas, matplotlib, ipykernel pinned to the host's versions) cost 41-150 s and
250-350 MB on first use here (download, then byte-compiling), and a second set of packages to keep in step
with the reference's, for no isolation gain. A student who makes a user namespace inside cannot lift the
covers: mounts inherited by a less privileged namespace are locked (umount: EINVAL, tested).

Not root (a TA's laptop): bwrap runs as the user with ``--unshare-all --disable-userns``; no uid drop and no
process limit (it would count the user's desktop too).

Every process of the kernel lives in the sandbox's pid namespace: killing bwrap (jupyter_client SIGKILLs its
process group) ends the namespace's init, and with it every process left in it. ipykernel quits when its
parent changes, so ``JPY_PARENT_PID`` (a host pid) is unset; interrupts go as messages, as a SIGINT would
reach bwrap, not the kernel.

``A2G_SANDBOX``: ``auto`` (default) uses the sandbox where a probe run works, else limits alone, described and
warned as ``NOT ISOLATED: ...``; ``bwrap`` requires the sandbox (an error where it cannot run); ``none`` turns
it off.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec

from ..errors import InputError
from .launch import Limits, LimitsLauncher, CommandKernelManager, bootstrap, hidden_from_kernel, kernel_env

SANDBOX = '/sandbox'            # the working folder inside; short, and the same for every notebook
SITE = '/kernel/site'            # the kernel's sys.path entry: links into LIBS
LIBS = '/kernel/lib'
NOBODY = 65534
KERNEL_UIDS, KERNEL_UID_SPAN = 2_000_000, 1_000_000     # above any real account's uid
_kernel_counter = itertools.count()
TMPFS_BYTES = 256 * 1024 ** 2
SYSTEM_LINKS = ('bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32')
ETC_FILES = ('/etc/ld.so.cache', '/etc/localtime')


class _SandboxKernelManager(CommandKernelManager):
    owner: tuple[int, int] | None = None
    runtime: str = ''

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        # Written 0600 by us (root); the kernel's uid must read it.
        if self.owner is not None:
            os.chown(self.connection_file, *self.owner)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        shutil.rmtree(self.runtime, ignore_errors=True)


def _as_root() -> bool:
    return os.geteuid() == 0


def _chown_tree(path: Path, uid: int, gid: int):
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def _covered_site_dirs(prefix: str) -> list[str]:
    """Site-packages directories inside what is bound at its own path (/usr, the prefix): a non-editable grader
    install lands there, so each is hidden under an empty tmpfs and reached only through ``LIBS``."""
    paths = sysconfig.get_paths(vars={'base': prefix, 'platbase': prefix, 'installed_base': prefix,
                                      'installed_platbase': prefix})
    found = {os.path.realpath(p) for p in [paths['purelib'], paths['platlib']] + site.getsitepackages()
             if os.path.isdir(p)}
    roots = ('/usr/', os.path.realpath(prefix) + '/')
    return sorted(p for p in found if p.startswith(roots))


def _site_dirs() -> list[tuple[str, str]]:
    """(path inside, path on the host) of each site-packages directory, bound whole."""
    found = [os.path.realpath(p) for p in site.getsitepackages() if os.path.isdir(p)]
    return [(f'{LIBS}/{i}', path) for i, path in enumerate(dict.fromkeys(found))]


def _hidden_bytecode(site_dir: str) -> list[str]:
    cache = os.path.join(site_dir, '__pycache__')
    return sorted(e for e in os.listdir(cache) if hidden_from_kernel(e)) if os.path.isdir(cache) else []


class _Args(list):
    """bwrap arguments; parents bwrap would create implicitly come out 0700 as root, so make them 0755 first."""

    def __init__(self, *args):
        super().__init__(args)
        self._dirs = {'/'}
        self._bound: list[str] = []     # inside these, directories exist already (and are read-only)

    def parents(self, path: str):
        parent = os.path.dirname(path.rstrip('/'))
        if parent not in self._dirs and not any(parent.startswith(b + '/') for b in self._bound):
            self.parents(parent)
            self.dir(parent)

    def made(self, *paths: str):
        self._dirs.update(paths)

    def dir(self, path: str):
        self.parents(path)
        self._dirs.add(path)
        self += ['--perms', '0755', '--dir', path]

    def bind(self, source: str, dest: str, how: str = '--ro-bind'):
        self.parents(dest)
        self._dirs.add(dest)
        self._bound.append(dest)
        self += [how, source, dest]

    def tmpfs(self, dest: str, perms: str = '1777', size: int = TMPFS_BYTES):
        self.parents(dest)
        self._dirs.add(dest)
        self += ['--perms', perms, '--size', str(size), '--tmpfs', dest]


@dataclass
class BwrapLauncher:
    limits: Limits = field(default_factory=lambda: Limits(processes=256))
    uid: int = NOBODY                   # used when the grader runs as root
    gid: int = NOBODY
    # A uid of its own per kernel (as root): RLIMIT_NPROC counts every task of a uid, so a fork bomb in one
    # student's kernel must not starve another's of threads.
    uid_per_kernel: bool = True
    python: str = field(default_factory=lambda: os.path.realpath(sys.executable))
    isolated: bool = True
    description: str = ('isolated: bubblewrap sandbox (no network, read-only system, private /tmp, '
                        'no view of the grader, unprivileged user)')

    def command(self, workdir: Path, runtime: Path, argv: list[str]) -> list[str]:
        root = _as_root()
        if root:
            a = _Args(shutil.which('bwrap') or 'bwrap', '--unshare-net', '--unshare-pid', '--unshare-ipc',
                      '--unshare-uts', '--unshare-cgroup-try')
        else:
            a = _Args(shutil.which('bwrap') or 'bwrap', '--unshare-all', '--unshare-user', '--disable-userns')
        a += ['--die-with-parent', '--new-session', '--unsetenv', 'JPY_PARENT_PID']
        a.bind('/usr', '/usr')
        for name in SYSTEM_LINKS:
            path = '/' + name
            if os.path.islink(path):
                a += ['--symlink', os.readlink(path), path]
                a.made(path)
            elif os.path.isdir(path):
                a.bind(path, path)
        for path in ETC_FILES:
            if os.path.exists(path):
                a.bind(path, path)
        for name in ('passwd', 'group'):
            a.bind(str(runtime / name), '/etc/' + name)
        a += ['--proc', '/proc', '--dev', '/dev']
        a.made('/proc', '/dev')
        a.tmpfs('/dev/shm')
        a.tmpfs('/tmp')
        prefix = os.path.realpath(sys.base_prefix)
        if not (prefix + '/').startswith('/usr/'):
            a.bind(prefix, prefix)
        for covered in _covered_site_dirs(prefix):
            a.tmpfs(covered, perms='0755', size=4096)
        # Each site-packages directory is bound whole out of sys.path's way, the grader's entries in it covered;
        # SITE links to the rest, so `import grader` finds nothing rather than an empty namespace package.
        a.dir(SITE)
        linked = set()
        for dest, source in _site_dirs():
            a.bind(source, dest)
            for entry in sorted(os.listdir(source)):
                path = os.path.join(source, entry)
                if hidden_from_kernel(entry):
                    if os.path.isdir(path) and not os.path.islink(path):
                        a.tmpfs(f'{dest}/{entry}', perms='0755', size=4096)
                    elif not os.path.islink(path):
                        a += ['--ro-bind', str(runtime / 'empty'), f'{dest}/{entry}']
                elif entry not in linked:
                    linked.add(entry)
                    a += ['--symlink', f'{dest}/{entry}', f'{SITE}/{entry}']
            for pyc in _hidden_bytecode(source):
                a += ['--ro-bind', str(runtime / 'empty'), f'{dest}/__pycache__/{pyc}']
        a.bind(str(runtime), str(runtime), how='--bind')
        a.bind(str(workdir), SANDBOX, how='--bind')
        # As the user (no root drop), the sandbox's own root tmpfs would be theirs to write to.
        a += ['--remount-ro', '/', '--chdir', SANDBOX]
        if root:
            a += [shutil.which('setpriv') or 'setpriv', f'--reuid={self.uid}', f'--regid={self.gid}',
                  '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--']
        return a + argv

    def prepare(self, workdir: Path) -> Path:
        """A per-kernel directory for the connection file and sockets; both folders owned by the kernel."""
        # Inside the working folder it goes when that folder does, even after a kernel that died on its own;
        # a socket's path must stay under 108 bytes, hence /tmp for a long one.
        short = len(str(workdir)) <= 64
        runtime = Path(tempfile.mkdtemp(prefix='.k' if short else 'a2g-k-', dir=workdir if short else '/tmp'))
        uid, gid = (self.uid, self.gid) if _as_root() else (os.getuid(), os.getgid())
        (runtime / 'passwd').write_text(f'student:x:{uid}:{gid}:student:{SANDBOX}:/bin/sh\n')
        (runtime / 'group').write_text(f'student:x:{gid}:\n')
        (runtime / 'empty').touch()     # covers hidden files (binds of /dev/null are nodev: unreadable)
        if _as_root():
            _chown_tree(runtime, uid, gid)
            _chown_tree(workdir, uid, gid)
        return runtime

    def manager(self, workdir: Path):
        if self.uid_per_kernel and _as_root():
            uid = KERNEL_UIDS + (os.getpid() * 1000 + next(_kernel_counter)) % KERNEL_UID_SPAN
            return dataclasses.replace(self, uid=uid, gid=uid, uid_per_kernel=False).manager(workdir)
        runtime = self.prepare(Path(workdir))
        km = _SandboxKernelManager(kernel_name='python3', transport='ipc', ip=str(runtime / 'k'),
                                   connection_file=str(runtime / 'kernel.json'))
        km._kernel_spec = KernelSpec(argv=[], display_name='a2g sandbox', language='python',
                                     interrupt_mode='message')
        km.owner = (self.uid, self.gid) if _as_root() else None
        km.runtime = str(runtime)
        weakref.finalize(km, shutil.rmtree, str(runtime), True)    # a kernel that died on its own
        km.launch_argv = self.command(Path(workdir), runtime, [
            self.python, '-I', '-S', '-c', bootstrap(self.limits, [SITE]), '-f', '{connection_file}'])
        return km

    def start_kwargs(self, workdir: Path) -> dict:
        return {'cwd': str(workdir), 'env': kernel_env(Path(SANDBOX)), 'stdout': subprocess.DEVNULL,
                'stderr': subprocess.DEVNULL}


_unavailable: dict[str, str | None] = {}


def sandbox_unavailable() -> str | None:
    """Why bwrap cannot run a kernel here, or None when it can; probed once per process (~0.1 s)."""
    if 'reason' not in _unavailable:
        _unavailable['reason'] = _probe()
    return _unavailable['reason']


def _probe() -> str | None:
    if shutil.which('bwrap') is None:
        return 'bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)'
    if _as_root() and shutil.which('setpriv') is None:
        return 'setpriv (util-linux) is missing, so the kernel could not drop root'
    launcher = BwrapLauncher()
    workdir = Path(tempfile.mkdtemp(prefix='a2g-probe-'))
    runtime = None
    try:
        runtime = launcher.prepare(workdir)
        code = f'import os; open("{SANDBOX}/ok", "w").write(str(os.getuid()))'
        argv = launcher.command(workdir, runtime, [launcher.python, '-I', '-S', '-c', code])
        run = subprocess.run(argv, env=kernel_env(Path(SANDBOX)), stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=30)
        if run.returncode != 0 or not (workdir / 'ok').exists():
            lines = (run.stderr or run.stdout or f'exit status {run.returncode}').strip().splitlines()
            return lines[-1] if lines else f'exit status {run.returncode}'
        if _as_root() and (workdir / 'ok').read_text() == '0':
            return 'the sandboxed process still ran as root'
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        return f'{type(exc).__name__}: {exc}'
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)


def default_launcher():
    """BwrapLauncher when it works here, else LimitsLauncher described (and warned) as NOT ISOLATED."""
    mode = (os.environ.get('A2G_SANDBOX') or 'auto').strip().lower()
    if mode not in ('auto', 'bwrap', 'none'):
        raise InputError(f'A2G_SANDBOX must be auto, bwrap or none, not {mode!r}: fix or unset that environment '
                         'variable')
    if mode == 'none':
        return LimitsLauncher(description='NOT ISOLATED: sandbox turned off (A2G_SANDBOX=none)')
    reason = sandbox_unavailable()
    if reason is None:
        return BwrapLauncher()
    if mode == 'bwrap':
        raise InputError(f'A2G_SANDBOX=bwrap, but bubblewrap cannot run a kernel here: {reason} (install bubblewrap, '
                         'or set A2G_SANDBOX=auto to run with resource limits only)')
    message = f'NOT ISOLATED: bubblewrap unavailable: {reason}'
    warnings.warn(message + ' (student code runs with resource limits only)', RuntimeWarning, stacklevel=2)
    return LimitsLauncher(description=message)

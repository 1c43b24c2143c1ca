"""How a student's kernel is launched: the one replaceable piece between the grader and student code.

``LimitsLauncher`` starts ipykernel with resource limits, a scrubbed environment and a ``sys.path`` that holds
the third-party packages but neither ``grader`` nor ``reference``. It does not isolate the kernel from the
host's files or network: results say ``isolated: false``. ``grader.kernel.bubblewrap.BwrapLauncher`` adds that isolation;
``bubblewrap.default_launcher()`` picks it when bubblewrap works here.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from ..resources import cache_root

# Names in site-packages the kernel must not see: the grader's own entries, and tools a kernel that only runs
# graded code never uses (the debugger and the completion engine, which ipykernel and IPython otherwise import at
# every start: about 0.1 s per kernel). .pth files are skipped too: the kernel runs with -S and an editable
# install of the grader is reached only through one.
HIDDEN_FROM_KERNEL = ('grader', 'reference', '__editable__', 'a2_grader', 'debugpy', 'jedi', 'parso')

BOOTSTRAP = '''\
import signal, sys
if sys.platform.startswith('linux'):
    # If the grader dies (a batch worker killed on overrun), its kernel dies with it instead of running on.
    import ctypes
    ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))
try:
    import resource
except ImportError:     # not a POSIX system: no limits to set (the grader said so once)
    resource = None
for name, soft, hard in {limits!r}:
    if resource is not None and hasattr(resource, name):
        try:
            resource.setrlimit(getattr(resource, name), (soft, hard))
        except (ValueError, OSError):   # e.g. macOS refuses an address-space limit: the others still apply
            pass
sys.path[:0] = {sites!r}
# What every A2 notebook imports, loaded while the kernel boots (often ahead of its notebook, see batch.jobs) rather
# than while its definitions run: pandas alone is about a third of a second.
for name in ('numpy', 'pandas'):
    try:
        __import__(name)
    except Exception:
        pass
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
'''


@dataclass(frozen=True)
class Limits:
    address_space_bytes: int = 4 * 1024 ** 3
    cpu_seconds: int = 600          # a backstop for the whole kernel; per-check budgets are wall-clock
    file_size_bytes: int = 256 * 1024 ** 2
    open_files: int = 512
    processes: int | None = None    # per uid: only worth setting when the kernel has a uid of its own, not root

    def rlimits(self):
        limits = [('RLIMIT_AS', self.address_space_bytes, self.address_space_bytes),
                  ('RLIMIT_CPU', self.cpu_seconds, self.cpu_seconds + 5),
                  ('RLIMIT_FSIZE', self.file_size_bytes, self.file_size_bytes),
                  ('RLIMIT_NOFILE', self.open_files, self.open_files),
                  ('RLIMIT_CORE', 0, 0)]
        if self.processes is not None:
            limits.append(('RLIMIT_NPROC', self.processes, self.processes))
        return limits


def kernel_env(workdir: Path) -> dict[str, str]:
    """A scrubbed environment: nothing of the grader's, single-threaded BLAS and a small malloc arena."""
    env = {
        'PATH': '/usr/local/bin:/usr/bin:/bin',
        'HOME': str(workdir),
        'IPYTHONDIR': str(workdir / '.ipython'),
        'MPLCONFIGDIR': str(workdir / '.matplotlib'),
        'LANG': 'C.UTF-8',
        'PYTHONHASHSEED': '0',
        'PYTHONDONTWRITEBYTECODE': '1',
        'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1',
        'MALLOC_ARENA_MAX': '2',
    }
    # Set on some processors where older OpenBLAS builds compute wrong results: keep them as the host has them.
    for name in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def missing_limits(limits: Limits) -> list[str]:
    """Limits this platform cannot set (a student's Mac or Windows laptop): said once, the rest still apply."""
    try:
        import resource
    except ImportError:
        return [name for name, _, _ in limits.rlimits()] + ['kill-with-parent']
    missing = [name for name, _, _ in limits.rlimits() if not hasattr(resource, name)]
    if sys.platform == 'darwin':
        missing.append('RLIMIT_AS')     # macOS accepts the call and ignores it, or refuses it
    if not sys.platform.startswith('linux'):
        missing.append('kill-with-parent')
    return sorted(set(missing))


def bootstrap(limits: Limits, site_dirs: list[str]) -> str:
    return BOOTSTRAP.format(limits=limits.rlimits(), sites=list(site_dirs))


def hidden_from_kernel(entry: str) -> bool:
    """site-packages entries the kernel must not see: the grader's, its finders and every .pth file."""
    return entry.startswith(HIDDEN_FROM_KERNEL) or entry.endswith('.pth')


_site_farm: Path | None = None


def _site_links() -> dict[str, str]:
    links = {}
    for source in site.getsitepackages():
        if os.path.isdir(source):
            for entry in sorted(os.listdir(source)):
                if not (hidden_from_kernel(entry) or entry == '__pycache__'):
                    links.setdefault(entry, os.path.join(source, entry))
    return links


def kernel_site() -> Path:
    """A folder of links to site-packages' entries, less the grader's: the kernel's only third-party path.

    Kept under the grader's cache folder at a path named after its content, so paths the kernel records (such
    as matplotlib's font list) stay valid from one run to the next.
    """
    global _site_farm
    if _site_farm is None:
        links = _site_links()
        digest = hashlib.sha256(repr(sorted(links.items())).encode()).hexdigest()[:12]
        farm = cache_root() / f'site-{digest}'
        if not farm.is_dir():
            farm.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=farm.parent, prefix='.building-'))
            for entry, target in links.items():
                (staging / entry).symlink_to(target)
            try:
                staging.rename(farm)
            except OSError:     # another process built it first
                shutil.rmtree(staging, ignore_errors=True)
        _site_farm = farm
    return _site_farm


class CommandKernelManager(AsyncKernelManager):
    """An AsyncKernelManager that launches our command instead of a kernelspec's."""

    launch_argv: list[str] = []

    def format_kernel_cmd(self, extra_arguments=None):
        return [a.replace('{connection_file}', os.path.realpath(self.connection_file)) for a in self.launch_argv]


@dataclass
class LimitsLauncher:
    limits: Limits = field(default_factory=Limits)
    python: str = sys.executable
    isolated: bool = False
    description: str = 'resource limits only (not isolated from the host)'

    def __post_init__(self):
        missing = missing_limits(self.limits)
        if missing:
            self.description += f'; this system cannot set {", ".join(missing)}: those are skipped'

    def argv(self) -> list[str]:
        code = bootstrap(self.limits, [str(kernel_site())])
        return [self.python, '-I', '-S', '-c', code, '-f', '{connection_file}']

    def manager(self, workdir: Path) -> AsyncKernelManager:
        km = CommandKernelManager(kernel_name='python3')
        km.launch_argv = self.argv()
        return km

    def start_kwargs(self, workdir: Path) -> dict:
        # The kernel's own chatter (warnings, crash dumps) is not for the TA's terminal.
        return {'cwd': str(workdir), 'env': kernel_env(workdir), 'stdout': subprocess.DEVNULL,
                'stderr': subprocess.DEVNULL}

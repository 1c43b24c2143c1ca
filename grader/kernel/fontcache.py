"""Matplotlib's font list, built once per machine and handed to every kernel.

A fresh kernel home has no font cache, so a student's `import matplotlib.pyplot` rescans the system's fonts:
about a second per notebook, every notebook. The list is built once by a kernel that runs no student code (a
student's kernel could poison it for everyone after), stored under the grader's cache folder, and copied into
each kernel's working folder.
"""
from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from ..resources import cache_root
from .session import KernelSession

WARM = 'def warm_matplotlib(ns):\n    import matplotlib.pyplot\n    return 1\n'


def _folder(launcher) -> Path:
    try:
        version = metadata.version('matplotlib')
    except metadata.PackageNotFoundError:
        version = 'none'
    key = f'{launcher.description}|{getattr(launcher, "site_key", lambda: "")()}|{version}|{sys.version}'
    return cache_root() / f'mpl-{hashlib.sha256(key.encode()).hexdigest()[:12]}'


def font_files(launcher) -> list[tuple[str, Path]]:
    """(path inside the kernel's folder, cached file) pairs; builds the cache on first use, [] if it can't."""
    folder = _folder(launcher)
    files = sorted(folder.glob('fontlist-*.json'))
    if not files:
        try:
            _build(launcher, folder)
        except Exception:   # noqa: BLE001 - without a cache kernels are only slower
            return []
        files = sorted(folder.glob('fontlist-*.json'))
    return [(f'.matplotlib/{f.name}', f) for f in files]


def _build(launcher, folder: Path) -> None:
    with KernelSession(launcher, [WARM]) as session:
        if not session.call('warm_matplotlib', {}, 120).ok:
            return
        built = sorted((session.workdir / '.matplotlib').glob('fontlist-*.json'))
        if not built:
            return
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix='.building-'))
        for f in built:
            shutil.copy(f, staging / f.name)
        try:
            staging.rename(folder)      # whole or not at all: concurrent workers may race to build it
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)

"""Suspicious code, flagged for the TA: things an A2 notebook has no reason to do.

A flag never deducts points by itself: it asks a person to look. The scan reads every code cell as written
(static analysis, nothing runs), so code the grader never executes is seen too. Shell lines (`!curl ...`) are
not flagged: handouts use them to fetch data, and the grader never runs them.
"""
from __future__ import annotations

import ast
import re

PROCESS_CALLS = {'os.system', 'os.popen', 'os.fork', 'os.forkpty', 'os.spawnl', 'os.spawnv', 'os.execv',
                 'os.execl', 'os.execvp', 'os.kill', 'os.killpg', 'os._exit', 'pty.spawn'}
PROCESS_MODULES = {'subprocess', 'multiprocessing', 'pty', 'signal', 'ctypes', 'cffi'}
NETWORK_MODULES = {'socket', 'urllib', 'urllib3', 'requests', 'http', 'ftplib', 'smtplib', 'telnetlib',
                   'asyncio.streams', 'httpx', 'aiohttp', 'paramiko'}
GRADER_MODULES = {'grader', 'reference', 'a2g_driver', 'a2g_probes', 'a2g_wire'}
PATCHED_ROOTS = {'sys', 'builtins', '__builtins__', 'np', 'numpy', 'pandas', 'pd', 'importlib'}
OUTSIDE_PATH = re.compile(r'^(?:/|~|\.\./|\.\.$|[A-Za-z]:\\)')
FILE_FUNCTIONS = {'open', 'os.remove', 'os.unlink', 'os.rmdir', 'shutil.rmtree', 'os.chdir', 'os.listdir',
                  'os.scandir', 'os.walk', 'glob.glob', 'shutil.copy', 'shutil.move', 'pathlib.Path', 'Path'}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return '.'.join(reversed(parts))
    return ''


def _strings(call: ast.Call):
    for arg in list(call.args) + [k.value for k in call.keywords]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            yield arg.value


def scan_source(cell: int, source: str) -> list[str]:
    flags = []
    where = f'cell {cell + 1}'
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        from .extract import _neutralise_magic_lines
        try:
            tree = ast.parse(_neutralise_magic_lines(source))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return flags
    except (RecursionError, MemoryError):
        return flags
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or '']
            for name in names:
                root = name.split('.')[0]
                if root in GRADER_MODULES:
                    flags.append(f'{where}: imports the grader or the reference ({name})')
                elif root in PROCESS_MODULES:
                    flags.append(f'{where}: imports {name} (processes, signals or native code)')
                elif name in NETWORK_MODULES or root in NETWORK_MODULES:
                    flags.append(f'{where}: imports {name} (network access)')
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in PROCESS_CALLS or name.startswith('subprocess.'):
                flags.append(f'{where}: calls {name} (starts or signals processes)')
            elif name in ('__import__', 'importlib.import_module', 'exec', 'eval', 'compile'):
                flags.append(f'{where}: calls {name} (code built at run time)')
            elif name in FILE_FUNCTIONS:
                outside = [s for s in _strings(node) if OUTSIDE_PATH.match(s)]
                if outside:
                    flags.append(f'{where}: {name} on a path outside the notebook\'s folder ({outside[0][:60]})')
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                base = target.value if isinstance(target, (ast.Attribute, ast.Subscript)) else None
                root = _dotted(base).split('.')[0] if base is not None else ''
                if root in PATCHED_ROOTS:
                    flags.append(f'{where}: changes {_dotted(base) or root} at run time '
                                 '(sys.modules, builtins or a library\'s attributes)')
        elif isinstance(node, ast.Global) and any(n.startswith('__a2g') for n in node.names):
            flags.append(f'{where}: touches the grader\'s names in the kernel')
    return flags


def scan(code_cells) -> list[str]:
    """Flags for every code cell, each reason once per cell, in notebook order."""
    out: list[str] = []
    for index, source in code_cells:
        for flag in scan_source(index, source):
            if flag not in out:
                out.append(flag)
    return out

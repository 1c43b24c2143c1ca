"""``grader kit build OUT``: the student's self-check kit, without the reference solution or hidden checks.

The kit is a wheel a student installs with one ``pip install`` and runs as ``grader check NOTEBOOK`` anywhere: the
grader package less ``grader.hidden`` (and less what only TAs run), the public-only rubric, and the public cases'
expected values computed here from the reference. ``check_kit`` verifies nothing secret went in. The wheel is built
by pip from the kit's source folder (kept beside it, for a look at what ships).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import grader
from ..checks.runner import cases_for, get_check
from ..checks.base import CodeCheck
from ..pipeline.expected import ReferenceExpected, precompute
from ..resources import KIT_DATA, KIT_EXPECTED
from ..rubric.convert import dump_rubric, public_only

# hidden: never shipped; build.py: students don't build kits; assignment: the notebooks, solution included; batch,
# canvas, review, report: what TAs run, which a kit's `grader check` never imports.
EXCLUDED = {'hidden', '__pycache__', KIT_DATA, 'build.py', 'assignment', 'batch', 'canvas', 'review', 'report'}
# Lines of the reference solution that would betray it if found in the kit.
TELLTALES = ('m_hat = self.mt / (1 - self.beta1t)', 'def _make_weights_and_views', 'return activations.grad_swish')


def build_kit(out: Path, rubric, wheel: bool = True) -> Path:
    """Write the kit's source folder to ``out/source`` and, with ``wheel``, the wheel students install to ``out``;
    returns the wheel (or the source folder)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f'{out} exists and is not empty: choose a new folder')
    source = _source_tree(out / 'source', rubric)
    problems = check_kit(source)
    if problems:
        raise RuntimeError('kit leaks: ' + '; '.join(problems))
    if not wheel:
        return source
    built = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--quiet', '--wheel-dir', str(out),
                            str(source)], capture_output=True, text=True)
    wheels = sorted(out.glob('a2_selfcheck-*.whl'))
    if built.returncode != 0 or not wheels:
        raise RuntimeError(f'pip could not build the kit\'s wheel from {source}: '
                           f'{(built.stderr or built.stdout).strip()[-500:]}')
    shutil.rmtree(source / 'build', ignore_errors=True)
    for egg in source.glob('*.egg-info'):
        shutil.rmtree(egg, ignore_errors=True)
    (out / 'README.md').write_text(KIT_README.format(wheel=wheels[-1].name))
    return wheels[-1]


def _source_tree(out: Path, rubric) -> Path:
    package = Path(grader.__file__).parent
    shutil.copytree(package, out / 'grader', ignore=_ignore)
    kit_rubric = public_only(rubric)
    rubrics = out / 'grader' / 'rubrics'
    rubrics.mkdir(exist_ok=True)
    (rubrics / '__init__.py').write_text('"""The public-only rubric of this kit."""\n')
    dump_rubric(kit_rubric, rubrics / 'a2.yaml')
    from ..rubric.load import default_rubric_path
    schema = Path(default_rubric_path()).with_name('rubric.schema.json')
    if schema.exists():
        shutil.copy(schema, rubrics / schema.name)
    data = out / 'grader' / KIT_DATA
    data.mkdir()
    cases = {it.check: cases_for(it, 'self-check', None) for it in kit_rubric.items
             if isinstance(get_check(it.check), CodeCheck)}
    (data / KIT_EXPECTED).write_text(json.dumps(precompute(cases, ReferenceExpected())))
    from reference.data import data_path
    shutil.copy(str(data_path()), data / Path(str(data_path())).name)
    (out / 'pyproject.toml').write_text(KIT_PROJECT.format(version=grader.__version__))
    return out


def _ignore(directory, names):
    return [n for n in names if n in EXCLUDED or n.endswith('.pyc')]


def _members(kit: Path):
    """(relative path, text or None for a folder) of a kit's source folder or of its wheel."""
    if kit.is_file():
        with zipfile.ZipFile(kit) as z:
            for info in z.infolist():
                yield info.filename, None if info.is_dir() else z.read(info).decode('utf-8', 'replace')
        return
    for path in kit.rglob('*'):
        text = path.read_text(errors='replace') if path.is_file() and path.suffix != '.data' else ''
        yield path.relative_to(kit).as_posix() + ('/' if path.is_dir() else ''), None if path.is_dir() else text


def check_kit(kit: Path) -> list[str]:
    """What in the kit (its source folder or its wheel) should not be there; empty when clean."""
    problems = []
    for rel, text in _members(Path(kit)):
        parts = rel.rstrip('/').split('/')
        if any(part in ('reference', 'hidden', 'assignment') for part in parts[:-1] + ([parts[-1]] if text is None
                                                                                        else [])):
            problems.append(f'{rel} is in the kit')
        if rel.endswith('.ipynb'):
            problems.append(f'{rel}: no notebook belongs in a kit (the solution must never ship)')
        if text:
            problems += [f'{rel} contains reference code ({t!r})' for t in TELLTALES if t in text]
            if rel.endswith(KIT_EXPECTED) and any('/hidden' in k for k in json.loads(text)):
                problems.append('expected values of hidden cases are in the kit')
    return sorted(set(problems))


KIT_README = '''# A2 self-check kit

Checks your Assignment 2 notebook against the public checks before you submit. Hidden checks run only when
your TA grades; this kit contains neither them nor the solution. Give students the wheel:

    pip install {wheel}
    grader check Lastname-A2.ipynb

Exit code 0 means every public code check passes (written answers are scored by the TA; extra credit is
optional). `--json` prints the machine-readable result. `source/` is what the wheel holds.
'''

KIT_PROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "a2-selfcheck"
version = "{version}"
description = "Self-check for Assignment 2 notebooks: the public checks only"
requires-python = ">=3.11"
dependencies = ["numpy>=1.24", "pandas>=2.0", "nbformat>=5.9", "nbclient>=0.10", "ipykernel>=6.25", "PyYAML>=6.0",
                "jsonschema>=4.18", "matplotlib>=3.7", "Jinja2>=3.1"]

[project.scripts]
grader = "grader.cli:main"

[tool.setuptools.packages.find]
include = ["grader", "grader.*"]

[tool.setuptools.package-data]
"*" = ["*.yaml", "*.json", "templates/*", "kit_data/*"]
'''

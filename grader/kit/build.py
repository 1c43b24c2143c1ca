"""``grader kit build OUT``: the student's self-check kit, without the reference solution or hidden checks.

The kit is the grader package less ``grader.hidden``, the public-only rubric, and the public cases' expected
values computed here from the reference. ``check_kit`` verifies nothing secret went in.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import grader
from ..checks.runner import cases_for, get_check
from ..checks.base import CodeCheck
from ..pipeline.expected import ReferenceExpected, precompute
from ..resources import KIT_DATA, KIT_EXPECTED
from ..rubric.convert import dump_rubric, public_only

# kit.py: students don't build kits; assignment: an installed grader's copy of the notebooks, solution included.
EXCLUDED = {"hidden", "__pycache__", KIT_DATA, "build.py", "assignment"}
# Lines of the reference solution that would betray it if found in the kit.
TELLTALES = ('m_hat = self.mt / (1 - self.beta1t)', 'def _make_weights_and_views', 'return activations.grad_swish')


def build_kit(out: Path, rubric) -> Path:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f'{out} exists and is not empty: choose a new folder')
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
    (out / 'README.md').write_text(KIT_README)
    problems = check_kit(out)
    if problems:
        raise RuntimeError('kit leaks: ' + '; '.join(problems))
    return out


def _ignore(directory, names):
    return [n for n in names if n in EXCLUDED or n.endswith('.pyc')]


def check_kit(out: Path) -> list[str]:
    """What in the kit should not be there (empty when clean)."""
    problems = []
    for path in Path(out).rglob('*'):
        rel = path.relative_to(out)
        if path.is_dir() and path.name in ('reference', 'hidden', 'assignment'):
            problems.append(f'{rel} is in the kit')
        if path.suffix == '.ipynb':
            problems.append(f'{rel}: no notebook belongs in a kit (the solution must never ship)')
        if path.is_file() and path.suffix in ('.py', '.json', '.yaml', '.md'):
            text = path.read_text(errors='replace')
            problems += [f'{rel} contains reference code ({t!r})' for t in TELLTALES if t in text]
    expected = Path(out) / 'grader' / KIT_DATA / KIT_EXPECTED
    if expected.exists() and any('/hidden' in k for k in json.loads(expected.read_text())):
        problems.append('expected values of hidden cases are in the kit')
    return problems


KIT_README = '''# A2 self-check kit

Checks your Assignment 2 notebook against the public checks before you submit. Hidden checks run only when
your TA grades; this kit contains neither them nor the solution.

    pip install numpy pandas matplotlib nbformat nbclient ipykernel PyYAML jsonschema
    python -m grader check Lastname-A2.ipynb          # run from this folder

Exit code 0 means every public check passes. `--json` prints the machine-readable result.
'''

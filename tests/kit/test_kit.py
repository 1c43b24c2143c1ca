"""The student kit: public checks and their expected values, nothing of the reference or the hidden checks."""
import json
import subprocess
import sys

import pytest

from grader.kit.build import build_kit, check_kit
from grader.rubric.load import default_rubric_path, load_rubric
from nbtools import REPO

BLOCK_REFERENCE = ("import sys; sys.path.insert(0, {kit!r}); sys.modules['reference'] = None; "
                   "import grader; assert grader.__file__.startswith({kit!r}), grader.__file__; "
                   "from grader.cli import main; sys.exit(main(['check', {nb!r}, '--json']))")


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('kit') / 'a2-kit'
    return build_kit(out, load_rubric(default_rubric_path()))


@pytest.fixture(scope='module')
def kit(wheel, tmp_path_factory):
    """The wheel installed the way pip installs it for a student (without its dependencies: they are here)."""
    target = tmp_path_factory.mktemp('installed')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', str(target),
                    str(wheel)], check=True, capture_output=True)
    return target


def test_the_kit_is_one_wheel_with_the_grader_command(wheel, kit):
    assert wheel.suffix == '.whl' and wheel.name.startswith('a2_selfcheck-')
    assert check_kit(wheel) == []
    entry = next(kit.glob('a2_selfcheck-*.dist-info')) / 'entry_points.txt'
    assert 'grader = grader.cli:main' in entry.read_text()
    assert f'pip install {wheel.name}' in (wheel.parent / 'README.md').read_text()
    helped = subprocess.run([sys.executable, '-c', f"import sys; sys.path.insert(0, {str(kit)!r}); "
                             "sys.modules['reference'] = None; from grader.cli import main; main(['--help'])"],
                            capture_output=True, text=True, cwd=kit)
    assert 'check' in helped.stdout
    for tas_only in ('grade', 'rescore', 'kit', 'rubric'):     # the kit's help lists only what works there
        assert f'    {tas_only} ' not in helped.stdout and '{check,' not in helped.stdout


def test_nothing_of_the_reference_or_hidden_checks_is_in_the_kit(kit):
    assert check_kit(kit) == []
    names = {p.name for p in kit.rglob('*')}
    assert 'reference' not in names and 'hidden' not in names and 'kit.py' not in names
    reference_sources = [p.read_text() for p in (REPO / 'reference').glob('*.py')]
    # Lines of the reference's function bodies (module-level constants such as the column names are the API).
    distinctive = [line.strip() for src in reference_sources for line in src.splitlines()
                   if line.startswith('    ') and len(line.strip()) > 40 and not line.strip().startswith(('#', '"""', 'def ', 'class ', 'import', 'from', 'return '))]
    assert len(distinctive) > 20
    for path in kit.rglob('*.py'):
        text = path.read_text()
        leaked = [line for line in distinctive if line in text]
        assert not leaked, (path, leaked[:3])
    table = json.loads((kit / 'grader' / 'kit_data' / 'public_expected.json').read_text())
    assert table and not any('hidden' in key for key in table)
    rubric_text = (kit / 'grader' / 'rubrics' / 'a2.yaml').read_text()
    assert 'train_network' not in rubric_text and 'withheld_points' in rubric_text


@pytest.mark.parametrize('notebook, code, adam', [('A2-solution.ipynb', 0, 'pass'), ('A2.ipynb', 1, 'fail')])
def test_the_kit_self_checks_without_the_reference(kit, tmp_path, notebook, code, adam):
    nb = REPO / 'submissions' / notebook
    done = subprocess.run([sys.executable, '-c', BLOCK_REFERENCE.format(kit=str(kit), nb=str(nb))],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result['checks']['adam']['status'] == adam
    assert 'train_network' not in result['checks']


def test_a_kit_is_never_built_over_existing_files(tmp_path):
    (tmp_path / 'x').write_text('keep me')
    with pytest.raises(FileExistsError):
        build_kit(tmp_path, load_rubric(default_rubric_path()))
    assert (tmp_path / 'x').read_text() == 'keep me'


def test_a_notebook_in_a_kit_is_a_leak(kit):
    planted = kit / 'grader' / 'A2-solution.ipynb'
    planted.write_text('{}')
    try:
        assert any('no notebook belongs in a kit' in p for p in check_kit(kit))
    finally:
        planted.unlink()

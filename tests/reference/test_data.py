"""The shipped auto-MPG data: its shape, some known values, and its link to the recorded provenance."""
import hashlib
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import reference
from reference import load_auto_mpg

DATA_DIR = Path(reference.__file__).parent / 'data'
DATA_FILE = DATA_DIR / 'auto-mpg.data'
PROVENANCE = DATA_DIR / 'PROVENANCE.md'

INPUT_NAMES = ['cylinders', 'displacement', 'horsepower', 'weight', 'acceleration', 'model year', 'origin']
# Column means of the 392 complete cars. They were computed once and written in here, so a changed file or
# a changed loader (e.g. a lost first row from header=0) is caught.
X_MEANS = [5.4719, 194.4120, 104.4694, 2977.5842, 15.5413, 76.0510, 1.5765]
MPG_MEAN = 23.4459


@pytest.fixture(scope='module')
def auto_mpg():
    return load_auto_mpg()


def test_shapes_and_names(auto_mpg):
    X, T, names = auto_mpg
    assert X.shape == (392, 7)
    assert T.shape == (392, 1)
    assert names == INPUT_NAMES + ['mpg']
    assert len(names) == 8 and names[-1] == 'mpg'
    assert X.dtype == float and T.dtype == float
    assert not np.isnan(X).any() and not np.isnan(T).any()


def test_known_values(auto_mpg):
    X, T, _ = auto_mpg
    assert X[0].tolist() == [8, 307, 130, 3504, 12, 70, 1]
    assert T[0, 0] == 18.0
    # The last car, "chevy s-10".
    assert X[-1].tolist() == [4, 119, 82, 2720, 19.4, 82, 1]
    assert T[-1, 0] == 31.0
    assert T.min() == 9.0 and T.max() == 46.6


def test_column_means(auto_mpg):
    X, T, _ = auto_mpg
    np.testing.assert_allclose(X.mean(axis=0), X_MEANS, rtol=0, atol=1e-4)
    assert T.mean() == pytest.approx(MPG_MEAN, abs=1e-4)


def test_origin_and_year_codes(auto_mpg):
    X, _, _ = auto_mpg
    assert set(np.unique(X[:, 6])) == {1.0, 2.0, 3.0}
    assert X[:, 5].min() == 70 and X[:, 5].max() == 82


def test_shipped_file_layout():
    lines = DATA_FILE.read_text().splitlines()
    assert len(lines) == 398
    missing = [line for line in lines if '?' in line]
    assert len(missing) == 6
    # UCI's layout is what students' read_csv(header=None, sep=whitespace) expects: no header line.
    assert lines[0].split()[:8] == ['18.0', '8', '307.0', '130.0', '3504.0', '12.0', '70', '1']
    assert lines[0].endswith('"chevrolet chevelle malibu"')


def test_sha256_matches_provenance():
    recorded = re.findall(r'^sha256:\s*([0-9a-f]{64})\s*$', PROVENANCE.read_text(), flags=re.MULTILINE)
    assert len(recorded) == 1, 'PROVENANCE.md must hold exactly one "sha256: <hex>" line'
    assert hashlib.sha256(DATA_FILE.read_bytes()).hexdigest() == recorded[0]


# vega_datasets 0.9 passes read_json's deprecated convert_dates; that is its warning, not ours (pandas 4 will
# turn it into an error, and then build_data needs another way to read the cars table).
@pytest.mark.filterwarnings('ignore:.*convert_dates:DeprecationWarning')
def test_rebuild_from_vega_datasets_matches(capsys):
    if importlib.util.find_spec('vega_datasets') is None:
        pytest.skip("vega_datasets is not installed (pip install -e '.[data]')")
    from reference import build_data

    assert build_data.main(['--check']) == 0
    assert 'matches' in capsys.readouterr().out

"""Test-wide setup: the grader's cache (font list, kernel site folder) and every temporary folder the grader makes
(kernels' working folders, jobs' notebooks) go to folders the tests own, removed at the end, even what a test
leaves behind on purpose by killing a grading process."""
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

_cache = tempfile.mkdtemp(prefix='a2g-test-cache-')
atexit.register(shutil.rmtree, _cache, ignore_errors=True)
os.environ['A2G_CACHE_DIR'] = _cache     # inherited by batch workers and CLI subprocesses

_tmp = tempfile.mkdtemp(prefix='a2g-test-tmp-')
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)
os.environ['TMPDIR'] = _tmp              # inherited too; tempfile reads it on its next call
tempfile.tempdir = None

sys.path.insert(0, str(Path(__file__).parent))

"""Test-wide setup: the grader's cache (font list, kernel site folder) goes to a folder the tests own."""
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

_cache = tempfile.mkdtemp(prefix='a2g-test-cache-')
atexit.register(shutil.rmtree, _cache, ignore_errors=True)
os.environ['A2G_CACHE_DIR'] = _cache     # inherited by batch workers and CLI subprocesses

sys.path.insert(0, str(Path(__file__).parent))

import atexit
import datetime as dt
import os
import shutil
import tempfile

import pytest

TODAY = dt.date(2026, 11, 23)
"""The day every test runs on, whatever the machine's clock says: ``ar_xl.clock`` reads
``AR_XL_TODAY`` (set here, before anything runs, so subprocesses inherit it too).  CI also
runs the suite under faketime years ahead to prove nothing else reads the real date."""
os.environ["AR_XL_TODAY"] = TODAY.isoformat()

os.environ["AR_XL_CACHE_DIR"] = tempfile.mkdtemp(prefix="ar-xl-test-frames-")
atexit.register(shutil.rmtree, os.environ["AR_XL_CACHE_DIR"], True)
os.environ["AR_XL_CACHE_MIN_ROWS"] = "0"
"""Every table a test reads is kept in a cache folder of this run (``workbook.frame_cache``), so every
workbook a test loads twice unchanged is read the second time from the cache: the whole suite checks
that a kept table is the table in the file."""

DEMO_AS_OF = dt.date(2026, 5, 14)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """One demo workbook (default size, seed 7, as of DEMO_AS_OF) shared by the tests that read it."""
    from ar_xl.demo import builder as demo_mod
    path = tmp_path_factory.mktemp("demo") / "collections-demo.xlsx"
    return demo_mod.generate(path, as_of=DEMO_AS_OF, seed=7)

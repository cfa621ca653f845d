import datetime as dt
import os

import pytest

TODAY = dt.date(2026, 11, 23)
"""The day every test runs on, whatever the machine's clock says: ``ar_xl.clock`` reads
``AR_XL_TODAY`` (set here, before anything runs, so subprocesses inherit it too).  CI also
runs the suite under faketime years ahead to prove nothing else reads the real date."""
os.environ["AR_XL_TODAY"] = TODAY.isoformat()

DEMO_AS_OF = dt.date(2026, 5, 14)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """One demo workbook (default size, seed 7, as of DEMO_AS_OF) shared by the tests that read it."""
    from ar_xl.demo import builder as demo_mod
    path = tmp_path_factory.mktemp("demo") / "collections-demo.xlsx"
    return demo_mod.generate(path, as_of=DEMO_AS_OF, seed=7)

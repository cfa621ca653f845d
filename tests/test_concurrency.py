"""Issue 9 §1-2 drills: 20 collectors at once lose no contact; 30 saves killed with SIGKILL never
corrupt the workbook.  Each drill runs in a fresh interpreter that forks its ``ar-xl`` processes
after the imports (``tests/drills.py``); the same drills through ``python -m ar_xl.cli`` are
``benchmarks/drill_team.py``."""
from __future__ import annotations

import os
import socket

import pytest

from drills import notes, run_isolated

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the drills fork processes (POSIX)")


def test_twenty_contacts_at_once_lose_nothing(tmp_path):
    r = run_isolated("concurrent", tmp_path, n=20, wait=600)
    assert r["lost"] == [], f"said they logged but their row is gone: {r['lost']}"
    assert r["surprises"] == []
    assert r["unexplained"] == [], r["refused"]
    assert r["written"] == len(r["ok"])
    # with a long enough wait every collector gets their turn
    assert r["written"] == 20, r["refused"]
    assert sorted(notes(tmp_path / "team.xlsx")) == sorted(f"drill {i}" for i in range(20))
    assert not (tmp_path / "team.xlsx.ar-xl-lock").exists()


def test_contacts_that_cannot_wait_say_who_holds_the_workbook(tmp_path):
    # a short wait: those that do not get the workbook in time stop and name the holder
    r = run_isolated("concurrent", tmp_path, n=6, wait=0.2)
    assert r["lost"] == [] and r["surprises"] == [] and r["unexplained"] == []
    assert r["written"] == len(r["ok"]) >= 1
    for msg in r["refused"].values():
        assert "team.xlsx is being changed by collector" in msg
        assert socket.gethostname() in msg and "nothing was written" in msg
    assert sorted(notes(tmp_path / "team.xlsx")) == sorted(f"drill {i}" for i in r["ok"])


def test_thirty_killed_saves_leave_old_or_new_workbook(tmp_path):
    r = run_isolated("kills", tmp_path, n=30, seed=11)
    assert r["broken"] == []
    assert r["survived"] == 30
    assert r["temp_left"] == [], "the next run must remove the killed saves' temporary files"
    assert not r["lock_left"]
    # every kill that landed after the replace kept its contact, and the last run's too
    rows = notes(tmp_path / "team.xlsx")
    assert rows[-1] == "after"
    assert len([n for n in rows if n.startswith("kill ")]) == r["new"]

"""The team drills of issue 9 §1-2, with their figures.

    PYTHONPATH=. .venv/bin/python benchmarks/drill_team.py [--runs 20] [--kills 30] [--wait 600]
                                                            [--fork] [--seed 7] [--keep DIR]

1. ``--runs`` collectors log a contact on one workbook at the same moment, each as its own
   ``python -m ar_xl.cli contact`` process (``--fork``: forked after the imports instead).
   Prints: concurrent runs, rows written, rows lost (a process said it logged its contact and the
   row is not there), refused with a message (exit 2 naming who holds the workbook), failures
   without a clear message, rows doubled or written by a process that said it failed.
2. ``ar-xl contact`` is killed with SIGKILL at a random moment of its save, ``--kills`` times
   (forked, so the kill can be timed from that process's temporary file).  Prints the kills
   survived (the workbook opens and holds the old content byte for byte, or the new one), how
   they split, and the temporary and lock files left after the next run.

``--wait`` is the seconds a run waits for the workbook (``AR_XL_LOCK_WAIT``; the product's
default is 60).  The drills run in a temporary folder (``--keep DIR`` to keep their files).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("AR_XL_TODAY", "2026-11-23")

from drills import concurrent_contacts, kill_drill  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--wait", type=float, default=600.0, help="AR_XL_LOCK_WAIT for every run")
    ap.add_argument("--fork", action="store_true", help="fork the concurrent runs instead of `python -m ar_xl.cli`")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ar-xl-drill-") as tmp:
        base = a.keep or Path(tmp)
        if a.runs:
            c = concurrent_contacts(base / "concurrent", n=a.runs, mode="fork" if a.fork else "exec", wait=a.wait)
            print(f"concurrency drill ({'forked' if a.fork else 'python -m ar_xl.cli'} processes, "
                  f"lock wait {a.wait:g} s): {c.seconds:.1f} s")
            print(f"  concurrent runs:             {c.runs}")
            print(f"  rows written:                {c.written}")
            print(f"  rows lost:                   {len(c.lost)}")
            print(f"  refused with a message:      {c.refused_with_message}")
            print(f"  failed without clear message:{len(c.unexplained):>2}")
            print(f"  rows doubled / wrongly kept: {len(c.surprises)}")
            for i, msg in list(c.refused.items())[:3]:
                print(f"    run {i}: {msg.splitlines()[-1] if msg else '(nothing said)'}")
        if a.kills:
            t0 = time.perf_counter()
            k = kill_drill(base / "kills", kills=a.kills, seed=a.seed)
            print(f"kill drill (SIGKILL at a random moment of the save, within {k.window:.2f} s of its "
                  f"temporary file appearing): {time.perf_counter() - t0:.1f} s")
            print(f"  kills survived:              {k.survived} of {k.kills}"
                  f" (old content {k.old}, new content {k.new}; {k.mid_save} killed with their temporary file on disk)")
            print(f"  broken workbooks:            {len(k.broken)}")
            for b in k.broken:
                print(f"    {b}")
            print(f"  temp files left after next run: {len(k.temp_left)}")
            print(f"  lock file left:              {'yes' if k.lock_left else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

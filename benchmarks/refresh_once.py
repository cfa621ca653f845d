"""One cold dashboard refresh of a copy of a workbook, in this fresh interpreter, as ``ar-xl dashboard`` runs it.

    .venv/bin/python benchmarks/refresh_once.py WORKBOOK [--days-after N]

Copies WORKBOOK to a temporary folder, empties the frame cache (a folder of its own), then loads the copy,
computes the refresh at ``bench_dashboard.AS_OF`` plus N days (``--days-after 1`` on a workbook refreshed
once: the next day's refresh, every Aging row changes) and saves it; prints the wall and CPU seconds of
each phase.  ``bench_dashboard.py`` refreshes one copy several times in one process, where each run is
slower than the one before; run this one several times (alternating two versions of the code, each from
its own checkout with ``PYTHONPATH``) to compare them.  Make a refreshed workbook to start from with
``bench_dashboard.py --keep FILE``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workbook")
    p.add_argument("--days-after", type=int, default=0, help="refresh at bench_dashboard.AS_OF plus this many days")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="refresh-once-") as tmp:
        os.environ["AR_XL_CACHE_DIR"] = str(Path(tmp) / "frames")
        from benchmarks.bench_dashboard import AS_OF, refresh_once
        path = Path(tmp) / "collections.xlsx"
        shutil.copyfile(a.workbook, path)
        as_of = AS_OF + dt.timedelta(days=a.days_after)
        r = refresh_once(path, as_of=as_of)  # the phases bench_dashboard times
        print(f"load {r['load']:.2f} s (cpu {r['load_cpu']:.2f}) | compute {r['compute']:.2f} s | "
              f"save {r['save']:.2f} s | total {r['total']:.2f} s (cpu {r['total_cpu']:.2f})  "
              f"[refresh at {as_of:%Y-%m-%d}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())

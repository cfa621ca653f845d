"""What a long Audit costs every action, and what ``ar-xl audit-archive`` gives back.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_audit.py [--audit 200000] [--keep 50000] [--repeat 3]

Builds the ``bench_dashboard`` workbook (100,000 invoices, 20,000 payments) with ``--audit`` Audit rows
(match decisions a minute apart), then times ``ar-xl contact`` on it (a fresh process each: wall seconds
and peak memory; the first run of each copy reads every table from the file, the next ones find the
unchanged tables in the frame cache), runs ``ar-xl audit-archive --keep`` and times the contacts again.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_dashboard import build


def _audit_rows(path: Path, n: int) -> None:
    from ar_xl.book import Change
    from ar_xl.workbook import xlsx
    book = xlsx.load(path)
    change = Change("seed-audit")
    t0 = dt.datetime(2025, 6, 1, 8, 0)
    change.audit = [dict(timestamp=t0 + dt.timedelta(minutes=i), user="emma", action="match",
                         run_id=f"R{i // 20:08d}", table="Matches", key=f"P{i:07d}|INV{i:07d}", column="review",
                         old_value="", new_value="Confirm", rule="review") for i in range(n)]
    xlsx.save(book, change)


_WRAP = """import sys
from ar_xl.cli import main
rc = main(sys.argv[1:])
try:  # this process's own peak (ru_maxrss would count the parent's, which built the workbook, after fork)
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except OSError:
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"peak {peak}", file=sys.stderr)
sys.exit(rc)
"""


def _run(args: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MB) and the first line printed, of one ``ar-xl`` process."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _WRAP, *args], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    peak = int(done.stderr.rsplit("peak ", 1)[1].split()[0]) / 1024  # kB on Linux
    return wall, peak, (done.stdout.splitlines() or [""])[0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--audit", type=int, default=200_000)
    p.add_argument("--keep", type=int, default=50_000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        env = dict(os.environ, AR_XL_CACHE_DIR=str(Path(tmp) / "frames"))
        os.environ["AR_XL_CACHE_DIR"] = env["AR_XL_CACHE_DIR"]
        path = Path(tmp) / "team.xlsx"
        t = time.perf_counter()
        build(path, 100_000, 20_000)
        _audit_rows(path, a.audit)
        print(f"built: 100,000 invoices, 20,000 payments, {a.audit:,} Audit rows "
              f"({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
        contact = ["contact", str(path), "--customer", "C00001", "--channel", "call", "--outcome", "left a message"]
        for label in ("before", "after"):
            if label == "after":
                wall, mb, said = _run(["audit-archive", str(path), "--keep", str(a.keep)], env)
                print(f"audit-archive --keep {a.keep:,}: {wall:.2f} s, peak {mb:,.0f} MB: {said}")
            for i in range(a.repeat):
                wall, mb, _ = _run(contact, env)
                print(f"contact {label} the archive, run {i + 1}: {wall:.2f} s, peak {mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

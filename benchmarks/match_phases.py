"""Time `ar-xl match --invoices --payments --customers --out` between CSV files, phase by phase.

    PYTHONPATH=. .venv/bin/python benchmarks/match_phases.py --data /tmp/md [--repeat 3]

Runs in a fresh interpreter per repeat the same steps as ``ar_xl.cli.cash.match_files``: import the
command (``ar_xl.cli``, the engine, the CSV reader), read the three CSVs into canonical frames, match,
write the matches as CSV.  Prints wall and CPU seconds (``time.process_time``) per phase and the load
average, so a run on a shared machine can be judged.  The whole command, for comparison:
``/usr/bin/time ar-xl match --invoices I --payments P --customers C --out M --force``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

_CHILD = r'''
import os, sys, time
from pathlib import Path
t0, c0 = time.perf_counter(), time.process_time()
import ar_xl.cli  # what `ar-xl` loads before it dispatches
from ar_xl import schema
from ar_xl.cli.common import config_for
from ar_xl.engine import matching
from ar_xl.workbook import flat
t1, c1 = time.perf_counter(), time.process_time()
d, out = sys.argv[1], sys.argv[2]
inv = flat.read_csv_input(Path(d, "invoices.csv"), "Invoices")
pay = flat.read_csv_input(Path(d, "payments.csv"), "Payments")
cus = flat.read_csv_input(Path(d, "customers.csv"), "Customers")
cfg = config_for(str(Path(d, "invoices.csv")))
t2, c2 = time.perf_counter(), time.process_time()
res = matching.match(pay, inv, cus, cfg)
t3, c3 = time.perf_counter(), time.process_time()
money = [c for c in res.columns if c in schema.MATCHES.names and schema.MATCHES.column(c).kind == "money"]
flat.write_flat(res, Path(out), money, [])
t4, c4 = time.perf_counter(), time.process_time()
print(f"imports {t1-t0:.2f}/{c1-c0:.2f}  read {t2-t1:.2f}/{c2-c1:.2f}  engine {t3-t2:.2f}/{c3-c2:.2f}  "
      f"write {t4-t3:.2f}/{c4-c3:.2f}  total {t4-t0:.2f}/{c4-c0:.2f} s wall/CPU  load {os.getloadavg()[0]:.2f}")
'''


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="time ar-xl match between CSV files, phase by phase")
    ap.add_argument("--data", required=True, help="folder with invoices.csv, payments.csv, customers.csv (matchgen.py)")
    ap.add_argument("--out", default=None, help="where the matches go (default: DATA/matches_phases.csv)")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    out = a.out or os.path.join(a.data, "matches_phases.csv")
    for _ in range(a.repeat):
        subprocess.run([sys.executable, "-c", _CHILD, a.data, out], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

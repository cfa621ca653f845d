"""Time the checks every read of an Invoices table now makes (issue 10, part 4).

    PYTHONPATH=. python benchmarks/bench_data_checks.py [--rows 1000000] [--repeats 1000] [--repeat 3]

The repeated-key check of ``frames.coerce`` (``frames.repeated_keys``) on ``--rows`` invoice ids, first
all distinct, then with ``--repeats`` ids listed twice; and ``checks.warnings`` on the canonical frame
(every tenth row with an open amount larger than its amount).  Prints the best of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from ar_xl import checks, frames, schema


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    n = a.rows
    ids = pd.Series([f"2026-{i:08d}" for i in range(n)], dtype=object)
    rows = np.arange(n) + 2
    with_repeats = pd.concat([ids[: n - a.repeats], ids[: a.repeats]], ignore_index=True)
    for label, col in (("distinct ids", ids), (f"{a.repeats} ids twice", with_repeats)):
        found: list = []

        def run():
            found.clear()
            frames.repeated_keys({"invoice_id": col}, schema.INVOICES, rows, "bench", found)
        t = best(run, a.repeat)
        print(f"repeated-key check, {n:,} rows, {label}: {t:.3f} s ({len(found)} reported)")
    amount = np.full(n, 10_000, dtype=np.int64)
    open_ = amount.copy()
    open_[::10] = 20_000
    inv = pd.DataFrame({"invoice_id": ids, "amount": amount, "open_amount": open_,
                        "invoice_date": pd.Timestamp("2026-09-01"), "due_date": pd.Timestamp("2026-10-01")})
    t = best(lambda: checks.warnings(inv, "Invoices"), a.repeat)
    print(f"checks.warnings, {n:,} rows, {n // 10:,} odd: {t:.3f} s")


if __name__ == "__main__":
    main()

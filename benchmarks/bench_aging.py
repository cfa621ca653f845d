"""Time the aging engine on a large canonical Invoices frame.

    .venv/bin/python benchmarks/bench_aging.py [--rows 1000000] [--repeat 3] [--seed 7]

Generates the frame vectorised (seeded): 20,000 customers, 25 collectors,
EUR/GBP/USD/CHF lines, about 3 % credit notes, due dates up to 200 days past
and 60 days ahead of the as-of date.  Times ``ar_xl.engine.aging.age`` by
customer, by collector and by invoice (best of ``--repeat``), and checks that
every grouping reconciles to the same grand total.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from ar_xl.config import Config
from ar_xl.engine import aging

AS_OF = dt.date(2026, 3, 31)


def make_invoices(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_cust, n_coll = 20_000, 25
    cust_no = rng.integers(0, n_cust, n)
    customer_ids = np.array([f"C{i:05d}" for i in range(n_cust)], dtype=object)
    customer_names = np.array([f"Customer {i:05d} B.V." for i in range(n_cust)], dtype=object)
    collectors = np.array([f"collector{i:02d}" for i in range(n_coll)], dtype=object)
    amount = rng.integers(1_000, 5_000_000, n).astype(np.int64)  # 10.00 .. 50,000.00
    credit = rng.random(n) < 0.03
    amount[credit] = -amount[credit] // 10
    paid_share = rng.choice([0.0, 0.0, 0.0, 0.25, 0.5], n)
    open_amount = amount - (amount * paid_share).astype(np.int64)
    open_amount[rng.random(n) < 0.05] = 0  # fully paid lines stay in the export
    due_offset = rng.integers(-200, 61, n)
    due = np.datetime64(AS_OF, "D") + due_offset.astype("timedelta64[D]")
    inv_date = due - rng.choice([14, 30, 60], n).astype("timedelta64[D]")
    currency = rng.choice(np.array(["EUR", "EUR", "EUR", "GBP", "USD", "CHF"], dtype=object), n)
    frame = pd.DataFrame({
        "invoice_id": np.char.add("INV", np.arange(n).astype(str)).astype(object),
        "customer_id": customer_ids[cust_no],
        "customer_name": customer_names[cust_no],
        "invoice_date": inv_date.astype("datetime64[ns]"),
        "due_date": due.astype("datetime64[ns]"),
        "currency": currency,
        "amount": amount,
        "open_amount": open_amount,
        "collector": collectors[cust_no % n_coll],
        "payment_reference": "",
        "po_number": "",
        "status": np.where(rng.random(n) < 0.02, "disputed", "open").astype(object),
        "note": "",
    })
    frame.attrs["rows"] = np.arange(n) + 2
    frame.attrs["source"] = "benchmark"
    return frame


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    invoices = make_invoices(args.rows, args.seed)
    print(f"generated {len(invoices):,} invoices in {time.perf_counter() - t0:.2f} s")
    config = Config()
    totals = {}
    for by in ("customer", "collector", "invoice"):
        secs, result = best_of(lambda: aging.age(invoices, AS_OF, config, by=by), args.repeat)
        totals[by] = int(result["total"].sum())
        print(f"age by {by:<9}: {secs:6.3f} s best of {args.repeat}  ({len(result):,} rows out)")
    assert len(set(totals.values())) == 1, totals
    print(f"grand total (base cents) {totals['customer']:,} reconciles across groupings")


if __name__ == "__main__":
    main()

"""Time the dunning engine and the letter rendering.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_remind.py [--rows 100000] [--customers 20000] [--letters 50]

The engine (``engine.dunning.plan``) runs on a seeded canonical Invoices frame (every customer with a
language, a tenth with a live promise and a dispute); then ``--letters`` of its letters are rendered to
text, PDF and .eml (``letters.render``) and the time per letter is printed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from ar_xl import frames
from ar_xl.config import Config
from ar_xl.engine import dunning
from ar_xl.letters import render

AS_OF = dt.date(2026, 12, 1)


def make(rows: int, customers: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    cust = np.array([f"C{i:05d}" for i in range(customers)], dtype=object)[rng.integers(0, customers, rows)]
    due = pd.to_datetime(AS_OF) - pd.to_timedelta(rng.integers(-30, 200, rows), unit="D")
    amount = rng.integers(1_000, 5_000_000, rows).astype("int64")
    inv = pd.DataFrame({
        "invoice_id": [f"INV{i:07d}" for i in range(rows)], "customer_id": cust, "customer_name": cust,
        "invoice_date": due - pd.Timedelta(days=30), "due_date": due, "currency": "EUR", "amount": amount,
        "open_amount": amount, "collector": "", "payment_reference": "", "po_number": "", "status": "open", "note": "",
    })
    ids = [f"C{i:05d}" for i in range(customers)]
    cus = pd.DataFrame({"customer_id": ids, "customer_name": [f"Kunde {i} GmbH & Söhne" for i in range(customers)],
                        "language": [("en", "nl", "de", "fr")[i % 4] for i in range(customers)],
                        "email": [f"ap{i}@x.example" for i in range(customers)], "no_reminders": False})
    some = inv.sample(frac=0.01, random_state=seed)
    disputes = pd.DataFrame({"dispute_id": [f"D{i}" for i in range(len(some))], "customer_id": some["customer_id"],
                             "invoice_ids": some["invoice_id"], "status": "open"})
    return inv, cus, disputes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--letters", type=int, default=50)
    a = ap.parse_args()
    inv, cus, disputes = make(a.rows, a.customers)
    empty = {t: frames.empty_frame(t) for t in ("Promises", "Plans", "Reminders")}
    cfg = Config()
    t0 = time.perf_counter()
    plan = dunning.plan(inv, cus, disputes, empty["Promises"], empty["Plans"], empty["Reminders"], AS_OF, cfg)
    t1 = time.perf_counter()
    print(f"engine: {a.rows:,} invoices, {a.customers:,} customers -> {len(plan.letters):,} letters, "
          f"{len(plan.skipped):,} skips in {t1 - t0:.2f} s")
    n = min(a.letters, len(plan.letters))
    t0 = time.perf_counter()
    size = 0
    for lt in plan.letters[:n]:
        subject, body = render.texts(lt, cfg.dunning, AS_OF)
        pdf = render.pdf(lt, subject, body, cfg.dunning, AS_OF)
        size += len(render.eml(lt, subject, body, pdf, "x.pdf", cfg.dunning, dt.datetime(2026, 12, 1, 9)))
    t1 = time.perf_counter()
    print(f"rendering: {n} letters (text + PDF + .eml) in {t1 - t0:.2f} s, {1000 * (t1 - t0) / max(n, 1):.0f} ms a "
          f"letter, {size / max(n, 1) / 1024:.0f} KiB a draft")


if __name__ == "__main__":
    main()

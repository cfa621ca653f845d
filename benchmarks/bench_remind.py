"""Time the dunning engine and the letter rendering.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_remind.py [--rows 100000] [--customers 20000] [--letters 50]
                                                              [--final] [--as-of 2026-12-01]

The engine (``engine.dunning.plan``) runs on a seeded canonical Invoices frame (every customer with a
language, a tenth with a live promise and a dispute); then ``--letters`` of its letters are rendered to
text, PDF and .eml (``letters.render``) and the time per letter is printed.  ``--final``: every item was
reminded at level 2 three weeks before, so the letters are final notices claiming statutory interest per
item (customers in NL, BE, DE, FR by turn; ``--as-of 2026-06-01`` keeps the periods inside the shipped
rate table).
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


def make(rows: int, customers: int, seed: int = 7, as_of: dt.date = AS_OF):
    rng = np.random.default_rng(seed)
    cust = np.array([f"C{i:05d}" for i in range(customers)], dtype=object)[rng.integers(0, customers, rows)]
    due = pd.to_datetime(as_of) - pd.to_timedelta(rng.integers(-30, 200, rows), unit="D")
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
    ap.add_argument("--final", action="store_true", help="level 3 (statutory interest) instead of level 1")
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    a = ap.parse_args()
    as_of = a.as_of
    inv, cus, disputes = make(a.rows, a.customers, as_of=as_of)
    empty = {t: frames.empty_frame(t) for t in ("Promises", "Plans", "Reminders")}
    reminders = empty["Reminders"]
    if a.final:
        cus["country"] = [("NL", "BE", "DE", "FR")[i % 4] for i in range(len(cus))]
        items = inv.groupby("customer_id")["invoice_id"].agg("; ".join)
        reminders = pd.DataFrame({"reminder_id": [f"R{i}" for i in range(len(items))], "customer_id": items.index,
                                  "level": 2, "sent_on": pd.Timestamp(as_of - dt.timedelta(days=21)),
                                  "items": items.to_numpy()})
    cfg = Config()
    t0 = time.perf_counter()
    plan = dunning.plan(inv, cus, disputes, empty["Promises"], empty["Plans"], reminders, as_of, cfg)
    t1 = time.perf_counter()
    print(f"engine: {a.rows:,} invoices, {a.customers:,} customers -> {len(plan.letters):,} letters, "
          f"{len(plan.skipped):,} skips in {t1 - t0:.2f} s"
          + (f"; {sum(lt.count for lt in plan.letters if lt.level.interest):,} items with statutory interest, "
             f"{sum(1 for lt in plan.letters if lt.interest_missing):,} letters missing a rate" if a.final else ""))
    n = min(a.letters, len(plan.letters))
    t0 = time.perf_counter()
    size = 0
    for lt in plan.letters[:n]:
        subject, body = render.texts(lt, cfg.dunning, as_of)
        pdf = render.pdf(lt, subject, body, cfg.dunning, as_of)
        size += len(render.eml(lt, subject, body, pdf, "x.pdf", cfg.dunning, dt.datetime(2026, 12, 1, 9)))
    t1 = time.perf_counter()
    print(f"rendering: {n} letters (text + PDF + .eml) in {t1 - t0:.2f} s, {1000 * (t1 - t0) / max(n, 1):.0f} ms a "
          f"letter, {size / max(n, 1) / 1024:.0f} KiB a draft")


if __name__ == "__main__":
    main()

"""Time the cash forecast engine on a large book.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_forecast.py [--rows 100000] [--history 200000] [--repeat 3] [--seed 7]

Open items from ``bench_aging.make_invoices`` (20,000 customers; the fully paid lines dropped, so
``--rows`` open items), a matched history of ``--history`` applications over the year before the
as-of date (each customer with its own days late), 2,000 promises (1,000 still open) and 500 plan
installments.  Times ``engine.forecast.forecast`` (13 weeks) and ``engine.forecast.backtest`` from 13
weeks back (best of ``--repeat``), and checks that every currency's lines add up to its open AR.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ar_xl.config import Config  # noqa: E402
from ar_xl.engine import forecast  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_aging import AS_OF, make_invoices  # noqa: E402


def book(rows: int, history: int, seed: int):
    inv = make_invoices(int(rows * 1.06) + 10, seed)
    inv = inv.loc[inv["open_amount"] != 0].head(rows).reset_index(drop=True)
    rng = np.random.default_rng(seed + 1)
    items = inv[["invoice_id", "customer_id", "currency", "due_date", "open_amount"]].assign(
        apart=np.where(inv["status"] == "disputed", "disputed", ""))
    cust = np.array(sorted(set(inv["customer_id"])), dtype=object)
    own_late = dict(zip(cust, rng.normal(12, 15, len(cust)).round()))
    who = cust[rng.integers(0, len(cust), history)]
    value = np.datetime64(AS_OF, "D") - rng.integers(0, 365, history).astype("timedelta64[D]")
    late = np.array([own_late[c] for c in who]) + rng.normal(0, 8, history).round()
    hist = pd.DataFrame({
        "customer_id": who, "invoice_id": np.char.add("H", np.arange(history).astype(str)).astype(object),
        "due_date": (value - late.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "value_date": value.astype("datetime64[ns]"), "currency": "EUR",
        "applied_amount": rng.integers(1_000, 5_000_000, history).astype(np.int64),
        "write_off": np.zeros(history, dtype=np.int64)})
    n_pr = 2_000
    pick = rng.integers(0, len(inv), n_pr)
    status = np.where(np.arange(n_pr) < 1_000, "open", rng.choice(np.array(["kept", "broken", "partly kept"]), n_pr))
    promises = pd.DataFrame({
        "promise_id": [f"PTP-{i:06d}" for i in range(n_pr)], "customer_id": inv["customer_id"].to_numpy()[pick],
        "invoice_ids": inv["invoice_id"].to_numpy()[pick], "amount": inv["open_amount"].abs().to_numpy()[pick],
        "received": np.where(status == "partly kept", 100, 0), "currency": inv["currency"].to_numpy()[pick],
        "promised_date": pd.Timestamp(AS_OF) + pd.to_timedelta(rng.integers(-10, 40, n_pr), unit="D"),
        "status": status})
    pick = rng.integers(0, len(inv), 500)
    plans = pd.DataFrame({
        "plan_id": [f"P-{i:06d}" for i in range(500)], "installment_no": 1,
        "customer_id": inv["customer_id"].to_numpy()[pick], "invoice_ids": inv["invoice_id"].to_numpy()[pick],
        "due_date": pd.Timestamp(AS_OF) + pd.to_timedelta(rng.integers(0, 90, 500), unit="D"),
        "open": inv["open_amount"].abs().to_numpy()[pick] // 2, "status": "open", "plan_status": "active"})
    return inv, items, hist, promises, plans


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--history", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    inv, items, hist, promises, plans = book(a.rows, a.history, a.seed)
    cfg = Config()
    settings = forecast.Settings(13, cfg.forecast_half_life_days, cfg.forecast_min_history)
    secs, fc = best(lambda: forecast.forecast(items, AS_OF, cfg.rate, settings, hist, promises, plans), a.repeat)
    for cur, total in items.groupby("currency")["open_amount"].sum().items():
        assert int(fc.loc[fc["currency"] == cur, "amount"].sum()) == int(total), cur
    print(f"forecast: {len(items):,} open items, {items['customer_id'].nunique():,} customers, "
          f"{len(hist):,} matched applications, {len(promises):,} promises, {len(plans):,} installments: "
          f"{secs:.2f} s (best of {a.repeat}); {len(fc)} Forecast rows, reconciled per currency")
    start = AS_OF - dt.timedelta(weeks=13)
    secs, res = best(lambda: forecast.backtest(inv, hist, None, start, cfg.rate, settings), a.repeat)
    print(f"backtest from {start}: {res.items:,} items open then: {secs:.2f} s (best of {a.repeat})")


if __name__ == "__main__":
    main()

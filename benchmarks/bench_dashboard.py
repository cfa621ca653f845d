"""Time *Refresh dashboard* on a large workbook file.

    .venv/bin/python benchmarks/bench_dashboard.py [--invoices 100000] [--payments 20000] [--repeat 5] [--again]
                                                   [--workbook /tmp/built100k.xlsx] [--profile]

Builds (seeded, vectorised) a collections workbook with N invoices, M
payments, the Matches that applied them, and Disputes and Promises rows, then
times the file-mode refresh the team lead runs: load the workbook -> refresh
Aging + compute the dashboard -> lay out the Dashboard sheet and save
(``ar_xl.workbook.dashboard_sheet.refresh_workbook``).  Prints the phases and the total of
each run, then the best and the median over ``--repeat`` runs (wall time, and the process's CPU
time, which other programs on a shared machine disturb less).  ``--again`` refreshes each
refreshed copy once more: the workbook then holds the Aging rows, the pivots and the charts.

Each run starts with an empty frame cache (``ar_xl.workbook.frame_cache``, in a folder of the
benchmark's own), so the first refresh reads every table from the file (cold).  ``--again`` then
refreshes twice more: the second refresh reads the tables from the file again (the first one added
the Aging, Dashboard and their cell styles, so the bytes the tables were read from are not the file's
any more), the third finds the tables the second one read and left unchanged (warm), as a team
lead's next refresh of an already refreshed workbook does.  Then, with the cache emptied, the refresh of
the next day (``AS_OF`` + 1): every Aging row changes (days past due), as in a team's daily refresh of a
workbook refreshed the day before.  ``--no-cache`` turns the cache off.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import datetime as dt
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ar_xl import schema
from ar_xl.workbook import frame_cache, xlsx
from ar_xl.book import Change

AS_OF = dt.date(2026, 5, 14)
COLLECTORS = np.array(["Anna de Vries", "Bram Peeters", "Claire Martin", "Dirk Schneider", "Emma Clarke", ""], dtype=object)
REASONS = np.array(["price", "quantity", "damaged goods", "goods or service not received",
                    "proof of delivery / CMR missing", "duplicate invoice", "VAT/tax", "not ordered"], dtype=object)


def _ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def tables(invoices: int, payments: int, seed: int = 11) -> dict[str, pd.DataFrame]:
    """Canonical frames (money in cents) for a workbook of the given size."""
    rng = np.random.default_rng(seed)
    n_cust = max(10, invoices // 20)
    cust_ids = _ids("C", n_cust, 5)
    cust_names = np.char.add("Customer ", np.arange(1, n_cust + 1).astype(str)).astype(object)
    cust_coll = COLLECTORS[rng.integers(0, len(COLLECTORS) - 1, n_cust)]
    customers = pd.DataFrame({
        "customer_id": cust_ids, "customer_name": cust_names, "iban": "", "country": "NL", "language": "nl",
        "collector": cust_coll, "credit_limit": pd.array(np.full(n_cust, 5_000_000), dtype="Int64"),
        "email": "", "aliases": "", "note": ""})

    ci = rng.integers(0, n_cust, invoices)
    inv_date = np.datetime64(AS_OF, "D") - rng.integers(0, 400, invoices).astype("timedelta64[D]")
    due = inv_date + rng.choice([14, 30, 45, 60], invoices).astype("timedelta64[D]")
    amount = rng.integers(5_000, 2_500_000, invoices).astype(np.int64)
    credit = rng.random(invoices) < 0.04
    amount[credit] = -amount[credit] // 10
    age = (np.datetime64(AS_OF, "D") - inv_date).astype(int)
    paid = rng.random(invoices) < np.clip(age / 300, 0.05, 0.92)
    part = rng.random(invoices) < 0.08
    open_amt = np.where(paid, 0, np.where(part, amount // 3, amount)).astype(np.int64)
    cur = rng.choice(np.array(["EUR", "EUR", "EUR", "EUR", "GBP", "USD"], dtype=object), invoices)
    status = np.where(rng.random(invoices) < 0.03, "disputed", "open").astype(object)
    status[open_amt == 0] = "paid"
    inv_ids = _ids("INV", invoices)
    invoices_f = pd.DataFrame({
        "invoice_id": inv_ids, "customer_id": cust_ids[ci], "customer_name": cust_names[ci],
        "invoice_date": inv_date.astype("datetime64[ns]"), "due_date": due.astype("datetime64[ns]"),
        "currency": cur, "amount": amount, "open_amount": open_amt, "collector": cust_coll[ci],
        "payment_reference": inv_ids, "po_number": "", "status": status, "note": ""})

    pay_ids = _ids("PAY", payments)
    target = rng.integers(0, invoices, payments)
    pay_amt = np.abs(amount[target]).astype(np.int64)
    vdate = np.datetime64(AS_OF, "D") - rng.integers(0, 120, payments).astype("timedelta64[D]")
    applied = rng.random(payments) < 0.85
    unapplied = np.where(applied, 0, pay_amt).astype(np.int64)
    payments_f = pd.DataFrame({
        "payment_id": pay_ids, "value_date": vdate.astype("datetime64[ns]"), "amount": pay_amt,
        "currency": cur[target], "payer_name": cust_names[ci[target]], "payer_iban": "",
        "remittance": np.char.add("INV ", inv_ids[target].astype(str)).astype(object),
        "creditor_reference": "", "bank_reference": pay_ids, "statement_id": "ST1", "source_file": "bench.xml",
        "unapplied_amount": pd.array(unapplied, dtype="Int64"),
        "status": np.where(applied, "applied", "unapplied").astype(object), "note": ""})

    decision = np.where(applied, "auto", np.where(rng.random(payments) < 0.6, "suggested", "unmatched")).astype(object)
    matches_f = pd.DataFrame({
        "match_id": np.char.add("M-", pay_ids.astype(str)).astype(object), "run_id": "bench",
        "payment_id": pay_ids, "invoice_id": np.where(decision == "unmatched", "", inv_ids[target]).astype(object),
        "customer_id": cust_ids[ci[target]], "payer_name": cust_names[ci[target]],
        "applied_amount": pd.array(np.where(applied, pay_amt, 0), dtype="Int64"),
        "short_pay": pd.array(np.zeros(payments, dtype=np.int64), dtype="Int64"),
        "confidence": np.where(applied, 0.97, 0.6), "decision": decision,
        "rank": pd.array(np.ones(payments, dtype=np.int64), dtype="Int64"), "rule": "reference",
        "evidence": "", "review": "", "reviewed_by": "", "applied": applied, "note": ""})

    n_disp = max(5, invoices // 100)
    di = rng.integers(0, invoices, n_disp)
    statuses = np.array(schema.DISPUTE_STATUSES, dtype=object)
    opened = np.datetime64(AS_OF, "D") - rng.integers(0, 200, n_disp).astype("timedelta64[D]")
    disputes_f = pd.DataFrame({
        "dispute_id": _ids("D", n_disp, 5), "customer_id": cust_ids[ci[di]], "invoice_ids": inv_ids[di],
        "amount": np.abs(amount[di]), "currency": cur[di], "reason": REASONS[rng.integers(0, len(REASONS), n_disp)],
        "owner": "Sales", "status": statuses[rng.integers(0, len(statuses), n_disp)],
        "opened": opened.astype("datetime64[ns]"), "sla_due": (opened + 14).astype("datetime64[ns]"),
        "resolved": pd.Series(pd.NaT, index=range(n_disp), dtype="datetime64[ns]"),
        "resolution": "", "root_cause": "", "note": ""})

    n_prom = max(5, invoices // 50)
    pi = rng.integers(0, invoices, n_prom)
    pdate = np.datetime64(AS_OF, "D") - rng.integers(-20, 90, n_prom).astype("timedelta64[D]")
    promises_f = pd.DataFrame({
        "promise_id": _ids("P", n_prom, 5), "customer_id": cust_ids[ci[pi]], "invoice_ids": inv_ids[pi],
        "amount": np.abs(amount[pi]), "currency": cur[pi], "promised_date": pdate.astype("datetime64[ns]"),
        "logged_by": cust_coll[ci[pi]], "logged_on": (pdate - 7).astype("datetime64[ns]"),
        "received": pd.array(np.zeros(n_prom, dtype=np.int64), dtype="Int64"),
        "status": np.array(["open", "kept", "partly kept", "broken"], dtype=object)[rng.integers(0, 4, n_prom)],
        "note": ""})
    return {"Customers": customers, "Invoices": invoices_f, "Payments": payments_f, "Matches": matches_f,
            "Disputes": disputes_f, "Promises": promises_f}


def build(path: Path, invoices: int, payments: int, seed: int = 11) -> Path:
    xlsx.create(path, overwrite=True)
    book = xlsx.load(path)
    change = Change("bench")
    change.tables.update(tables(invoices, payments, seed))
    xlsx.save(book, change)
    return path


def refresh_once(path: Path, prof=None, as_of: dt.date = AS_OF) -> dict:
    """One file-mode dashboard refresh of ``path`` (in place) at ``as_of``; wall and CPU seconds of each phase."""
    from ar_xl.workbook import dashboard_sheet
    from ar_xl.actions import dashboard as action

    w0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    book = xlsx.load(path, later=dashboard_sheet.LATER)  # as refresh_workbook reads it
    w1, c1 = time.perf_counter(), time.process_time()
    change = action.run(book, as_of)
    w2, c2 = time.perf_counter(), time.process_time()
    xlsx.save(book, change, layout=dashboard_sheet.layout_hook(book, change))
    w3, c3 = time.perf_counter(), time.process_time()
    if prof:
        prof.disable()
    return {"load": w1 - w0, "compute": w2 - w1, "save": w3 - w2, "total": w3 - w0,
            "load_cpu": c1 - c0, "total_cpu": c3 - c0, "summary": change.summary}


def _stats(runs: list[dict], key: str) -> str:
    xs = [r[key] for r in runs]
    return f"best {min(xs):.2f} s, median {statistics.median(xs):.2f} s"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=100_000)
    p.add_argument("--payments", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--repeat", type=int, default=1, help="refresh a fresh copy of the built workbook N times")
    p.add_argument("--again", action="store_true",
                   help="also refresh each refreshed copy a second time (Aging, pivots and charts already there)")
    p.add_argument("--workbook", metavar="FILE",
                   help="the built workbook: reused when it exists (same sizes), else built and kept here")
    p.add_argument("--profile", action="store_true", help="print the top of a cProfile of the (first) refresh")
    p.add_argument("--keep", metavar="FILE", help="also keep the refreshed workbook here")
    p.add_argument("--no-cache", action="store_true", help="read every table from the file every time")
    a = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        cache = Path(tmp) / "frames"
        os.environ[frame_cache.ENV] = "off" if a.no_cache else str(cache)
        built = Path(a.workbook) if a.workbook else Path(tmp) / "built.xlsx"
        if not built.exists():
            t0 = time.perf_counter()
            build(built, a.invoices, a.payments, a.seed)
            print(f"built workbook: {a.invoices:,} invoices, {a.payments:,} payments "
                  f"({built.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        else:
            print(f"workbook {built} ({built.stat().st_size / 1e6:.1f} MB), reused")
        runs, again, third, next_day = [], [], [], []
        for i in range(a.repeat):
            path = Path(tmp) / "collections.xlsx"
            shutil.copyfile(built, path)
            shutil.rmtree(cache, ignore_errors=True)  # cold: nothing kept from an earlier run
            prof = cProfile.Profile() if a.profile and i == 0 else None
            r = refresh_once(path, prof)
            runs.append(r)
            print(f"run {i + 1}: load {r['load']:.2f} s (cpu {r['load_cpu']:.2f}) | refresh aging + dashboard "
                  f"figures {r['compute']:.2f} s | write tables + dashboard, save {r['save']:.2f} s | "
                  f"refresh total {r['total']:.2f} s (cpu {r['total_cpu']:.2f})", flush=True)
            if a.again:
                for label, into in (("second", again), ("third" + ("" if a.no_cache else " (warm)"), third),
                                    ("next day (cold)", next_day)):
                    if into is next_day:
                        shutil.rmtree(cache, ignore_errors=True)
                    r2 = refresh_once(path, as_of=AS_OF + dt.timedelta(days=1) if into is next_day else AS_OF)
                    into.append(r2)
                    print(f"   {label}: load {r2['load']:.2f} s (cpu {r2['load_cpu']:.2f}) | figures "
                          f"{r2['compute']:.2f} s | save {r2['save']:.2f} s | refresh total {r2['total']:.2f} s "
                          f"(cpu {r2['total_cpu']:.2f})", flush=True)
            if a.keep and i == 0:
                Path(a.keep).write_bytes(path.read_bytes())
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
        n = f"{a.invoices:,} invoices, {a.payments:,} payments, {a.repeat} run(s)"
        print(f"load ({n}): {_stats(runs, 'load')} (cpu {_stats(runs, 'load_cpu')})")
        print(f"dashboard refresh, file mode ({n}): {_stats(runs, 'total')} (cpu {_stats(runs, 'total_cpu')})")
        if again:
            print(f"second refresh: load {_stats(again, 'load')}; refresh {_stats(again, 'total')}")
            print(f"third refresh{'' if a.no_cache else ' (warm)'}: load {_stats(third, 'load')}; "
                  f"refresh {_stats(third, 'total')}")
            print(f"next day's refresh (cold): load {_stats(next_day, 'load')}; refresh {_stats(next_day, 'total')}")
        print(runs[0]["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""AgingHistory rebuilt from the records: weekly snapshots of the past, for a workbook that has none yet.

``rebuild(book, until)`` makes one AgingHistory snapshot (``engine.trends``) per ISO week, dated the
week's Sunday, from the week after the first matched payment's (and ``SETTLED_DAYS`` after the first
invoice) to the last Sunday before ``until``.
Each is the snapshot a refresh on that day would have kept, computed from the open items *as they were*
at the close of that day: the cash forecast's backtest reconstruction (``engine.forecast.items_at``:
open then = open today + what Matches applied from payments with a later value date), the disputes
opened by then and not yet resolved, the payments received by then.  The rows say ``rebuilt`` in
their ``basis`` column.  Promises, plans and write-offs are not replayed (their past state is not
recorded).  The demo uses it so its trend charts and CEI have a history to read.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..book import Book, Change
from ..engine import forecast as forecast_engine
from ..engine import trends
from . import forecast, refresh

BASIS = "rebuilt"
SETTLED_DAYS = 60
"""The rebuilt weeks start this many days after the first invoice of the Invoices table: before, the ledger
is in its first weeks (little is due yet, the KPI period's sales are incomplete) and its figures would show
a ramp no collector lived through."""


def past_book(book: Book, day: dt.date, hist: pd.DataFrame | None = None) -> Book:
    """The tables a refresh reads, as they were at the close of ``day`` (module docstring)."""
    hist = forecast.history(book) if hist is None else hist
    inv = book.get("Invoices")
    disputes = book.optional("Disputes")
    items = forecast_engine.items_at(inv, hist, disputes, day + dt.timedelta(days=1))
    issued = np.asarray(inv["invoice_date"], dtype="datetime64[D]") <= np.datetime64(day, "D")
    past = inv.loc[issued].copy()
    then = dict(zip(items["invoice_id"], items["open_amount"]))
    past["open_amount"] = past["invoice_id"].astype(str).str.strip().map(then).fillna(0).astype(np.int64).to_numpy()
    past["status"] = ""  # the states of that day are derived from the records again
    past.attrs = inv.attrs
    tables = {"Invoices": past.reset_index(drop=True)}
    for name in ("Customers", "Config"):
        if book.has(name):
            tables[name] = book.get(name)
    pay = book.get("Payments")
    vd = np.asarray(pay["value_date"], dtype="datetime64[D]")
    tables["Payments"] = pay.loc[~np.isnat(vd) & (vd <= np.datetime64(day, "D"))].reset_index(drop=True)
    if disputes is not None and len(disputes):
        d = disputes.copy()
        opened = np.asarray(d["opened"], dtype="datetime64[D]")
        resolved = np.asarray(d["resolved"], dtype="datetime64[D]")
        d = d.loc[~np.isnat(opened) & (opened <= np.datetime64(day, "D"))].copy()
        resolved = resolved[~np.isnat(opened) & (opened <= np.datetime64(day, "D"))]
        later = np.isnat(resolved) | (resolved > np.datetime64(day, "D"))
        d.loc[later, "status"] = "open"  # still live that day
        d.loc[later, "resolved"] = pd.NaT
        tables["Disputes"] = d.reset_index(drop=True)
    return Book(tables=tables, source=f"{book.source} (as at {day:%Y-%m-%d})", user=book.user)


def sundays(book: Book, until: dt.date, hist: pd.DataFrame | None = None) -> list[dt.date]:
    """The Sundays before ``until`` from the week after the first matched payment's, and at least
    ``SETTLED_DAYS`` after the first invoice."""
    hist = forecast.history(book) if hist is None else hist
    if not len(hist):
        return []
    first = pd.Timestamp(hist["value_date"].min()).date()
    first = max(first + dt.timedelta(days=7),
                pd.Timestamp(book.get("Invoices")["invoice_date"].min()).date() + dt.timedelta(days=SETTLED_DAYS))
    day = first + dt.timedelta(days=6 - first.weekday())  # that week's Sunday
    out = []
    while day < until:
        out.append(day)
        day += dt.timedelta(weeks=1)
    return out


def rebuild(book: Book, until: dt.date) -> Change:
    """AgingHistory with a rebuilt weekly snapshot for each Sunday before ``until`` (rows of those dates
    already there are replaced, other dates kept)."""
    hist = forecast.history(book)
    change = Change("aging_history")
    old = refresh.stored_history(book)
    rows = []
    for day in sundays(book, until, hist):
        pb = past_book(book, day, hist)
        table, labels = refresh.aging_table(pb, day)
        rows.append(refresh.snapshot(pb, table, labels, day, basis=BASIS))
    if not rows:
        change.summary = "AgingHistory: no matched history to rebuild weeks from"
        return change
    new = pd.concat(rows, ignore_index=True)
    body = trends.merge(old, new)
    change.tables["AgingHistory"] = body
    change.extra_columns["AgingHistory"] = [c for c in body.columns if c not in trends.FIXED]
    first, last = new["as_of"].min(), new["as_of"].max()
    change.log(book.user, "AgingHistory", "*", "rows", None, len(new),
               rule=f"rebuilt {first:%Y-%m-%d}..{last:%Y-%m-%d} weekly")
    change.summary = (f"AgingHistory: {len(rows)} weekly snapshot(s) rebuilt from Matches, {first:%Y-%m-%d} to "
                      f"{last:%Y-%m-%d}")
    return change

"""Forecast: rewrite the Forecast table, the expected collections per ISO week (``engine.forecast``).

The action reads Invoices, Payments, Matches, Promises, Plans, Disputes and Audit (Config is always
read).  The open items are the Invoices rows with an open amount other than 0, each with its derived
state (``engine.states``): ``legal`` and ``written off`` items, and items on a live dispute, are shown
apart.  The customers' payment behaviour comes from the applied Matches rows with their payments'
value dates; promises are brought up to the as-of date with the rules of *Check promises* and plans
taken as *Update plans* last wrote them (as the worklist does).  Config ``forecast_half_life_days``
and ``forecast_min_history`` tune the behaviour; amounts are converted with the Config FX rates,
checked and logged in Audit as every converting action does (``fxrates``).

``backtest`` replays the method from a date in the past and changes nothing.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import clock, fxrates, frames
from ..book import Book, Change
from ..engine import forecast as engine
from ..engine import states
from ..errors import ArXlError
from ..money import fmt
from .refresh import disputed_flags

TABLES = ["Invoices", "Customers", "Payments", "Matches", "Promises", "Plans", "Disputes", "Handovers", "Audit"]
"""What the action reads (Config is always read)."""

DEFAULT_WEEKS = 13


def settings(book: Book, weeks: int | None) -> engine.Settings:
    cfg = book.config
    weeks = DEFAULT_WEEKS if weeks is None else weeks
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or not 1 <= weeks <= 104:
        raise ArXlError(f"forecast: the number of weeks must be a whole number from 1 to 104, not {weeks!r}. "
                        "Nothing was changed.")
    return engine.Settings(int(weeks), cfg.forecast_half_life_days, cfg.forecast_min_history)


def open_items(book: Book) -> pd.DataFrame:
    """invoice_id, customer_id, currency, due_date, open_amount and apart (disputed / legal / written off / '')."""
    inv = book.get("Invoices").reset_index(drop=True)
    opt = {n: (book.get(n) if book.has(n) else None) for n in ("Disputes", "Plans", "Promises", "Handovers")}
    state = states.derive(inv, opt["Disputes"], opt["Plans"], opt["Promises"], handovers=opt["Handovers"])
    low = np.array([str(s).strip().lower() for s in state], dtype=object)
    ids = frames.texts(inv["invoice_id"])
    disputed = disputed_flags(book, inv)
    apart = np.where(np.isin(low, states.LEGAL), "legal", np.where(low == "written off", "written off",
                     np.where(disputed | (low == "disputed"), "disputed", "")))
    base = book.config.base_currency
    cur = frames.texts(inv["currency"], "upper")
    out = pd.DataFrame({"invoice_id": ids, "customer_id": frames.texts(inv["customer_id"]),
                        "currency": np.where(cur != "", cur, base),
                        "due_date": inv["due_date"], "open_amount": inv["open_amount"].fillna(0).astype(np.int64),
                        "apart": apart})
    return out.loc[out["open_amount"].to_numpy() != 0].reset_index(drop=True)


def _rate_of(book: Book, currencies) -> callable:
    cfg = book.config
    distinct = set(currencies.unique()) if isinstance(currencies, pd.Series) else set(currencies)
    missing = sorted({c for c in distinct if c != cfg.base_currency and c not in cfg.fx})
    if missing:
        raise ArXlError(f"{book.source}: no FX rate for {', '.join(missing)}; add a row "
                        f"{', '.join('fx.' + c for c in missing)} to the Config table. Nothing was changed.")
    return cfg.rate


def history(book: Book) -> pd.DataFrame:
    return engine.history(book.get("Invoices"), book.get("Payments"), book.get("Matches"))


def table(book: Book, as_of: dt.date | None = None, weeks: int | None = None) -> pd.DataFrame:
    """The Forecast table at ``as_of`` (default today)."""
    from .worklist import _current
    as_of = as_of or clock.today()
    s = settings(book, weeks)
    items = open_items(book)
    rate_of = _rate_of(book, items["currency"])
    promises, plans = _current(book, as_of)
    if items["due_date"].isna().any():
        iid = items.loc[items["due_date"].isna(), "invoice_id"].iloc[0]
        raise ArXlError(f"{book.source} sheet Invoices: invoice {iid} has no due date; the forecast needs one. "
                        "Nothing was changed.")
    return engine.forecast(items, as_of, rate_of, s, history(book), promises, plans)


def run(book: Book, as_of: dt.date | None = None, weeks: int | None = None, confirm_fx: bool = False) -> Change:
    """Rewrite the Forecast table; the summary gives the expected total and the first weeks."""
    as_of = as_of or clock.today()
    fc = table(book, as_of, weeks)
    change = Change("forecast")
    change.tables["Forecast"] = fc
    cfg = book.config
    fx_note = fxrates.apply(book, change, cfg, fc["currency"], confirmed=confirm_fx)
    cur = cfg.base_currency
    by_line = fc.groupby("line")["amount_base"].sum()
    expected = fc.loc[fc["line"] == "expected"]
    per_week = expected.groupby("week", sort=True)["amount_base"].sum()
    n = int(settings(book, weeks).weeks)
    lines = [f"forecast at {as_of:%Y-%m-%d} over {n} week(s): expected {cur} {fmt(int(per_week.sum()))} of open "
             f"{cur} {fmt(int(fc['amount_base'].sum()))}; beyond horizon {cur} {fmt(int(by_line.get('beyond horizon', 0)))}"
             + "".join(f", {line} {cur} {fmt(int(by_line[line]))}" for line in engine.LINES[2:] if line in by_line)]
    if len(per_week):
        lines.append("; ".join(f"{w} {cur} {fmt(int(v))}" for w, v in per_week.head(4).items())
                     + (" ..." if len(per_week) > 4 else ""))
    if fx_note:
        lines.append(fx_note)
    change.summary = "\n".join(lines)
    change.log(book.user, "Forecast", "*", "rows", None, len(fc),
               rule=f"as_of={as_of:%Y-%m-%d} weeks={n} half_life={cfg.forecast_half_life_days}d "
                    f"min_history={cfg.forecast_min_history}")
    return change


def backtest(book: Book, start: dt.date | None = None, weeks: int | None = None) -> engine.Backtest:
    """Replay the forecast from ``start`` (default: the Monday ``weeks`` weeks before the week of the last
    value date of the matched history, so every week is whole and has its actual cash) and compare with
    the cash applied."""
    s = settings(book, weeks)
    hist = history(book)
    if not len(hist):
        raise ArXlError(f"{book.source}: the backtest needs matched history (applied Matches rows with their "
                        "Payments); there is none.")
    last = pd.Timestamp(hist["value_date"].max()).date()
    start = start or (engine.monday(last) - dt.timedelta(weeks=s.weeks))
    first = pd.Timestamp(hist["value_date"].min()).date()
    if start <= first:
        raise ArXlError(f"backtest: {start:%Y-%m-%d} is before the first matched payment ({first:%Y-%m-%d}); "
                        "there is no history to learn from then.")
    rate_of = _rate_of(book, set(open_items(book)["currency"]) | set(hist["currency"]) - {""})
    return engine.backtest(book.get("Invoices"), hist, book.optional("Disputes"),
                           start, rate_of, s)


def backtest_report(res: engine.Backtest, base: str) -> str:
    """The backtest as text: one line per week, then the errors."""
    lines = [f"backtest from {res.start:%Y-%m-%d}: {res.items} item(s) open then, {base} {fmt(res.open_base)}; "
             f"beyond the horizon {base} {fmt(res.beyond)}, shown apart {base} {fmt(res.apart)}",
             f"{'week':<9} {'forecast':>15} {'actual':>15} {'abs error':>15} {'due-date only':>15}"]
    for r in res.weeks.itertuples(index=False):
        lines.append(f"{r.week:<9} {fmt(int(r.forecast)):>15} {fmt(int(r.actual)):>15} {fmt(int(r.error)):>15} "
                     f"{fmt(int(r.naive)):>15}")
    w = res.weeks
    lines.append(f"{'total':<9} {fmt(int(w['forecast'].sum())):>15} {fmt(int(w['actual'].sum())):>15} "
                 f"{fmt(int(w['error'].sum())):>15} {fmt(int(w['naive'].sum())):>15}")

    def pct(x: float) -> str:
        return "n/a" if x != x else f"{100 * x:.1f}%"
    lines.append(f"WAPE {pct(res.wape)} (due-date only {pct(res.naive_wape)}); MAPE {pct(res.mape)} "
                 f"(due-date only {pct(res.naive_mape)}); bias {pct(res.bias)}")
    return "\n".join(lines)

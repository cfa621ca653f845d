"""The team-lead dashboard's figures: KPIs, chart series and pivot results.

Pure functions on canonical frames (money ``int64`` cents, dates
``datetime64``); no Excel, no files.  ``figures`` computes everything the
Dashboard sheet shows at once; the ``pivot_*`` functions compute what each
of the sheet's PivotTables shows, from the same table rows the pivot reads,
so the numbers Excel or LibreOffice compute can be checked against them.

The KPI block
-------------
* **Total AR** = Σ ``open_amount_base`` of the Aging table (every open item,
  credit notes included); **overdue AR** = the part more than 0 days past due;
  **overdue %** = overdue AR / total AR × 100.
* **DSO, best-possible DSO, ADD** (``kpi.kpis``) over the *KPI period*: the
  ``period_days`` days ending on the as-of date (90 by default), both included.
* **CEI** needs the AR at the start of the period, which today's ERP snapshot
  no longer shows.  It is rebuilt from the workbook: the open amount today of
  the lines invoiced before the period, plus what Matches applied to those
  lines from payments with a value date in or after the period
  (``beginning_ar``).  Cash applied outside ar-xl (in the ERP) is not visible,
  so this is a lower bound and the CEI is marked as estimated.
* **Disputed amount** = Σ ``amount`` (in base currency) of the disputes that are
  not resolved or closed.
* **Unapplied cash** = Σ ``unapplied_amount`` (base currency) of the Payments;
  an empty ``unapplied_amount`` means the payment is not matched yet (the whole
  amount is unapplied); payments set to ``ignored`` are left out.
* **Promises kept** = promises ``kept`` / promises decided (``kept``,
  ``partly kept``, ``broken``) × 100, by count; open promises are not counted.

Chart series
------------
* aging by collector × bucket (base cents), collectors sorted, buckets in order;
* open disputes by reason: count and amount (base cents), largest first;
* collections per ISO week: Σ ``applied_amount`` (base cents) of the applied
  Matches rows, by the ISO week of the payment's value date, for the
  ``weeks`` weeks up to the as-of date's week (weeks without cash are 0).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Config
from . import aging as aging_mod
from . import credit as credit_mod
from . import disputes as disputes_mod
from . import promises as promises_mod
from . import kpi
from . import fx_gaps

NO_COLLECTOR = "(no collector)"
NO_REASON = "(no reason)"
DECIDED_PROMISES = tuple(s for s in promises_mod.PROMISE_STATUSES if s != "open")


@dataclass
class Figures:
    """Everything the Dashboard shows; money in base-currency cents."""

    as_of: dt.date
    currency: str
    period_start: dt.date
    period_end: dt.date
    total_ar: int
    overdue_ar: int
    overdue_pct: float | None
    dso: float | None
    best_possible_dso: float | None
    add: float | None
    cei: float | None
    beginning_ar: int
    credit_sales: int
    disputed_amount: int
    open_disputes: int
    unapplied_cash: int
    promises_kept: int
    promises_decided: int
    promises_kept_pct: float | None
    aging_by_collector: pd.DataFrame = field(repr=False)
    """Index: collector; columns: bucket labels in order; base cents."""
    disputes_by_reason: pd.DataFrame = field(repr=False)
    """Columns: reason, count, amount (base cents) of the open disputes, largest first."""
    collections_by_week: pd.DataFrame = field(repr=False)
    """Columns: week ('2026-W47'), week_start (Monday), amount (base cents)."""
    left_out: list[str] = field(default_factory=list)
    """What the figures leave out and why (payments in a currency with no FX rate)."""
    forecast_by_week: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"week": [], "week_start": [], "amount": []}), repr=False)
    """Columns: week, week_start (Monday), amount (base cents): the collections the cash forecast expects
    per ISO week from the as-of date's (``engine.forecast``; set by ``actions.dashboard``)."""
    credit_holds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HOLD_COLUMNS), repr=False)
    """The hold list: customers whose credit_status is ``over limit`` or ``hold proposed`` (``engine.credit``),
    largest exposure first; columns ``HOLD_COLUMNS``, money in base cents."""


# ------------------------------------------------------------------ helpers

def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[col].fillna("").astype(str).str.strip()


def first_spelling(values: pd.Series) -> pd.Series:
    """Each text as the first spelling, in table order, of the texts equal to it ignoring case.

    Excel groups PivotTable items ignoring case ("Emma" and "emma" are one item, shown as the first
    it meets) and asks to repair a file whose pivot cache holds both; the dashboard groups every free-text
    key (collector, customer, reason) the same way, so charts, pivots and their pre-filled cells agree."""
    values = values.fillna("").astype(str)
    keys = values.str.casefold()
    first = dict(zip(keys[~keys.duplicated()], values[~keys.duplicated()]))
    return keys.map(first).astype(object)


def _money(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0).to_numpy(dtype=np.int64)


def _base(amounts: np.ndarray, currencies: pd.Series, config: Config, source: str) -> np.ndarray:
    cur = currencies.fillna("").astype(str).str.strip().str.upper()
    cur = cur.where(cur != "", config.base_currency)
    return aging_mod.to_base(np.asarray(amounts, dtype=np.int64), cur, config, None, source)


def _pct(num: int, den: int) -> float | None:
    return None if den == 0 else num / den * 100


def _day(value) -> dt.date:
    return pd.Timestamp(value).date()


# ------------------------------------------------------------------ KPI pieces

def open_disputes(disputes: pd.DataFrame) -> pd.Series:
    """True for disputes that are not resolved or closed (``engine.disputes.live_mask``), among the
    rows that are disputes at all (a dispute id, as the pivot counts them)."""
    if not len(disputes):
        return pd.Series([], dtype=bool)
    return pd.Series(disputes_mod.live_mask(disputes), index=disputes.index) & (_text(disputes, "dispute_id") != "")


def disputed_amount(disputes: pd.DataFrame, config: Config) -> int:
    live = open_disputes(disputes).to_numpy()
    d = disputes.loc[live]
    return int(_base(_money(d, "amount"), _text(d, "currency"), config, "Disputes").sum())


def unapplied_cash(payments: pd.DataFrame, config: Config, left_out: list[str] | None = None) -> int:
    """Σ unapplied amount in base cents; empty means all of it, 'ignored' payments left out.

    Payments in a currency with no FX rate are left out too, and said so in ``left_out``
    (``engine.fx_gaps``); without that list they stop the sum with an ``InputError``."""
    if not len(payments):
        return 0
    un = payments["unapplied_amount"]
    amounts = np.where(un.isna(), _money(payments, "amount"), un.fillna(0).to_numpy(dtype=np.int64))
    keep = (_text(payments, "status").str.lower() != "ignored").to_numpy()
    cur = _text(payments, "currency")
    if left_out is not None:
        rated = fx_gaps.known(cur, config)
        note = fx_gaps.describe("unapplied cash", "payment", amounts[keep & (amounts != 0)],
                                cur[keep & (amounts != 0)], rated[keep & (amounts != 0)])
        if note:
            left_out.append(note)
        keep = keep & rated
    return int(_base(amounts[keep], cur[keep], config, "Payments").sum())


def promises_kept(promises: pd.DataFrame) -> tuple[int, int]:
    """(kept, decided) counts of the Promises table."""
    status = _text(promises, "status").str.lower()
    return int((status == "kept").sum()), int(status.isin(DECIDED_PROMISES).sum())


def _applied_matches(matches: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Applied Matches rows with the payment's value date and currency."""
    if not len(matches):
        return pd.DataFrame({"payment_id": [], "invoice_id": [], "applied_amount": [],
                             "value_date": pd.Series([], dtype="datetime64[ns]"), "currency": []})
    m = matches.loc[matches["applied"].fillna(False).astype(bool).to_numpy()]
    pay = payments[["payment_id", "value_date", "currency"]].drop_duplicates("payment_id")
    pay = pay.assign(payment_id=_text(pay, "payment_id"))
    out = pd.DataFrame({"payment_id": _text(m, "payment_id").to_numpy(),
                        "invoice_id": _text(m, "invoice_id").to_numpy(),
                        "applied_amount": _money(m, "applied_amount")})
    return out.merge(pay, on="payment_id", how="left")


def beginning_ar(invoices: pd.DataFrame, payments: pd.DataFrame, matches: pd.DataFrame,
                 start: dt.date, config: Config) -> int:
    """AR (base cents) at the end of the day before ``start``, rebuilt from the workbook.

    Σ open amount today of the lines invoiced before ``start`` + Σ applied
    amount of the applied Matches rows on those lines whose payment's value
    date is on or after ``start``.
    """
    day = np.datetime64(start, "D")
    inv_date = np.asarray(invoices["invoice_date"], dtype="datetime64[D]")
    before = inv_date < day
    old = invoices.loc[before]
    total = int(_base(_money(old, "open_amount"), _text(old, "currency"), config, "Invoices").sum())
    applied = _applied_matches(matches, payments)
    if len(applied):
        cur = dict(zip(_text(old, "invoice_id"), _text(old, "currency")))
        vd = np.asarray(applied["value_date"], dtype="datetime64[D]")
        later = ~np.isnat(vd) & (vd >= day) & applied["invoice_id"].isin(cur.keys()).to_numpy()
        a = applied.loc[later]
        total += int(_base(a["applied_amount"].to_numpy(dtype=np.int64),
                           a["invoice_id"].map(cur), config, "Matches").sum())
    return total


# ------------------------------------------------------------------ chart series

def aging_by_collector(aging: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Collector × bucket in base cents (collectors sorted, '(no collector)' last)."""
    coll = first_spelling(_text(aging, "collector")).replace("", NO_COLLECTOR)
    bucket = _text(aging, "bucket")
    amounts = _money(aging, "open_amount_base")
    frame = pd.DataFrame({"collector": coll.to_numpy(), "bucket": bucket.to_numpy(), "amount": amounts})
    table = frame.pivot_table(index="collector", columns="bucket", values="amount", aggfunc="sum", fill_value=0)
    extra = [b for b in table.columns if b not in labels]
    table = table.reindex(columns=list(labels) + extra, fill_value=0).astype(np.int64)
    order = sorted([c for c in table.index if c != NO_COLLECTOR], key=str.lower)
    if NO_COLLECTOR in table.index:
        order.append(NO_COLLECTOR)
    table = table.reindex(order)
    table.index.name = "collector"
    table.columns.name = None
    return table


def disputes_by_reason(disputes: pd.DataFrame, config: Config) -> pd.DataFrame:
    live = open_disputes(disputes).to_numpy()
    d = disputes.loc[live]
    reasons = first_spelling(_text(disputes, "reason")).loc[live]  # spelt as in the whole table, as the pivot
    frame = pd.DataFrame({
        "reason": reasons.replace("", NO_REASON).to_numpy(),
        "count": 1,
        "amount": _base(_money(d, "amount"), _text(d, "currency"), config, "Disputes"),
    })
    out = frame.groupby("reason", as_index=False).agg(count=("count", "sum"), amount=("amount", "sum"))
    return out.sort_values(["amount", "reason"], ascending=[False, True], kind="stable").reset_index(drop=True)


def collections_by_week(payments: pd.DataFrame, matches: pd.DataFrame, as_of: dt.date, config: Config,
                        weeks: int = 13) -> pd.DataFrame:
    """Cash applied per ISO week (by payment value date) for the ``weeks`` weeks up to ``as_of``'s week."""
    last_monday = as_of - dt.timedelta(days=as_of.weekday())
    mondays = [last_monday - dt.timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    applied = _applied_matches(matches, payments)
    sums = {}
    if len(applied):
        vd = pd.to_datetime(applied["value_date"])
        ok = vd.notna().to_numpy() & (vd.dt.date <= as_of).to_numpy()
        ok &= fx_gaps.known(applied["currency"], config)  # (a payment with no FX rate: see unapplied cash)
        a = applied.loc[ok]
        base = _base(a["applied_amount"].to_numpy(dtype=np.int64), a["currency"], config, "Matches")
        monday = (vd[ok] - pd.to_timedelta(vd[ok].dt.day_of_week, unit="D")).dt.date.to_numpy()
        sums = pd.Series(base).groupby(monday).sum().to_dict()
    return pd.DataFrame({
        "week": [f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m in mondays],
        "week_start": mondays,
        "amount": np.array([int(sums.get(m, 0)) for m in mondays], dtype=np.int64),
    })


# ------------------------------------------------------------------ all at once

def figures(aging: pd.DataFrame, labels: list[str], invoices: pd.DataFrame, payments: pd.DataFrame,
            matches: pd.DataFrame, disputes: pd.DataFrame, promises: pd.DataFrame, as_of: dt.date,
            config: Config | None = None, period_days: int = 90, weeks: int = 13,
            credit: pd.DataFrame | None = None) -> Figures:
    """Every figure of the dashboard at ``as_of``; ``aging`` is the Aging table at that date.
    ``credit``: ``engine.credit.exposures`` (with the person's ``credit_hold`` when known), for the hold list."""
    config = config or Config()
    as_of = _day(as_of)
    start = as_of - dt.timedelta(days=period_days - 1)
    amounts = _money(aging, "open_amount_base")
    dpd = pd.to_numeric(aging["days_past_due"], errors="coerce").fillna(0).to_numpy() if len(aging) else np.zeros(0)
    total = int(amounts.sum())
    overdue = int(amounts[dpd > 0].sum())
    begin = beginning_ar(invoices, payments, matches, start, config)
    k = kpi.kpis(invoices, start, as_of, beginning_ar=begin, config=config)
    kept, decided = promises_kept(promises)
    live = open_disputes(disputes)
    left_out: list[str] = []
    unapplied = unapplied_cash(payments, config, left_out)
    return Figures(
        as_of=as_of, currency=config.base_currency, period_start=start, period_end=as_of,
        total_ar=total, overdue_ar=overdue, overdue_pct=_pct(overdue, total),
        dso=k.dso, best_possible_dso=k.best_possible_dso, add=k.add, cei=k.cei,
        beginning_ar=begin, credit_sales=k.credit_sales,
        disputed_amount=disputed_amount(disputes, config), open_disputes=int(live.sum()),
        unapplied_cash=unapplied,
        promises_kept=kept, promises_decided=decided, promises_kept_pct=_pct(kept, decided),
        aging_by_collector=aging_by_collector(aging, labels),
        disputes_by_reason=disputes_by_reason(disputes, config),
        collections_by_week=collections_by_week(payments, matches, as_of, config, weeks),
        left_out=left_out,
        credit_holds=hold_list(credit),
    )


HOLD_COLUMNS = ["customer_id", "customer_name", "credit_status", "exposure", "credit_limit", "credit_hold",
                "credit_reason"]


def hold_list(credit: pd.DataFrame | None) -> pd.DataFrame:
    """The customers over their limit or with a hold proposed, largest exposure first (``engine.credit``)."""
    if credit is None or not len(credit):
        return pd.DataFrame(columns=HOLD_COLUMNS)
    held = credit_mod.hold_list(credit)
    if "credit_hold" not in held.columns:
        held = held.assign(credit_hold="")
    return held[HOLD_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------ what the pivots show

def _cells(frame: pd.DataFrame, col: str) -> pd.Series:
    """A text column as the pivot sees its cells: '' for an empty cell."""
    return _text(frame, col)


def pivot_sum(frame: pd.DataFrame, rows: str, value: str, cols: str | None = None) -> pd.DataFrame | pd.Series:
    """Σ ``value`` (cents) by ``rows`` (× ``cols``), as a pivot table on the table's cells computes it.

    Keys are the cell texts ('' for an empty cell); a combination without rows
    is missing (NaN), not 0.
    """
    data = pd.DataFrame({"r": _cells(frame, rows).to_numpy(), "v": _money(frame, value)})
    if cols is None:
        return data.groupby("r")["v"].sum()
    data["c"] = _cells(frame, cols).to_numpy()
    return data.groupby(["r", "c"])["v"].sum().unstack("c")


def pivot_count(frame: pd.DataFrame, rows: str, value: str, cols: str | None = None) -> pd.DataFrame | pd.Series:
    """Number of non-empty ``value`` cells by ``rows`` (× ``cols``)."""
    data = pd.DataFrame({"r": _cells(frame, rows).to_numpy(), "v": (_cells(frame, value) != "").astype(int).to_numpy()})
    if cols is None:
        return data.groupby("r")["v"].sum()
    data["c"] = _cells(frame, cols).to_numpy()
    return data.groupby(["r", "c"])["v"].sum().unstack("c")


def top_overdue(aging: pd.DataFrame, n: int = 20) -> pd.Series:
    """The ``n`` customers (by name, as the pivot groups them) with the largest overdue amount (base cents).

    Overdue = the Aging rows outside the ``current`` bucket (more than 0 days past due).
    """
    over = aging.loc[(_text(aging, "bucket") != "current").to_numpy() & (_text(aging, "bucket") != "").to_numpy()]
    sums = pivot_sum(over, "customer_name", "open_amount_base")
    return sums.sort_values(ascending=False, kind="stable").head(n)

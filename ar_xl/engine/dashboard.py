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
  no longer shows.  With an AgingHistory table (``engine.trends``) it is the team's
  total of the snapshot taken on the day before the period starts, or the nearest
  earlier one within ``trends.OPENING_MAX_GAP_DAYS`` days.  Without one it is rebuilt from the workbook: the open amount today of
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

``headline`` computes the figures of a set of open items (total, overdue, overdue %, the KPIs, disputed,
unapplied) once: the KPI block reads it for the team and ``snapshot`` for the AgingHistory rows of the
team and of each collector (``engine.trends`` keeps and reads those rows).

Chart series
------------
* aging by collector × bucket (base cents), collectors sorted, buckets in order;
* open disputes by reason: count and amount (base cents), largest first;
* trends: overdue % and DSO of the last AgingHistory snapshot of each ISO week (``trends.by_week``);
* collections per ISO week: Σ ``applied_amount`` (base cents) of the applied
  Matches rows, by the ISO week of the payment's value date, for the
  ``weeks`` weeks up to the as-of date's week (weeks without cash are 0).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import frames
from ..config import Config
from . import aging as aging_mod
from . import credit as credit_mod
from . import disputes as disputes_mod
from . import promises as promises_mod
from ..errors import ArXlError
from . import kpi
from . import fx_gaps
from . import trends

NO_COLLECTOR = aging_mod.NO_COLLECTOR
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
    cei_basis: str = "estimated: no snapshot at the period's start"
    """Where CEI's opening AR comes from: an AgingHistory snapshot (named by date) or the estimate."""
    month_ago: dict | None = None
    """The team's AgingHistory row nearest to as-of minus one month (``engine.trends.month_ago``), or None."""
    trend_by_week: pd.DataFrame = field(default_factory=lambda: trends.by_week(None, None), repr=False)
    """Columns week, week_start, as_of, overdue_pct, dso: the team's last snapshot of each ISO week
    (``engine.trends.by_week``), one row per week of the trend window (empty values: no snapshot that week)."""


# ------------------------------------------------------------------ helpers

_text = frames.text_column


def first_spelling(values: pd.Series) -> pd.Series:
    """Each text as the first spelling, in table order, of the texts equal to it ignoring case.

    Excel groups PivotTable items ignoring case ("Emma" and "emma" are one item, shown as the first
    it meets) and asks to repair a file whose pivot cache holds both; the dashboard groups every free-text
    key (collector, customer, reason) the same way, so charts, pivots and their pre-filled cells agree."""
    cells = values.to_numpy(dtype=object)
    out = np.empty(len(cells), dtype=object)
    first: dict[str, str] = {}
    for i, v in enumerate(cells):  # one loop (pandas' string methods cost more on a column of 40,000)
        if type(v) is not str:  # an empty cell is '', anything else its text (a text stays as it is)
            v = "" if frames.blank(v) else str(v)
        out[i] = first.setdefault(v.casefold(), v)
    return pd.Series(out, index=values.index, dtype=object, name=values.name)


def _money(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0).to_numpy(dtype=np.int64)


def _currencies(currencies, config: Config) -> np.ndarray:
    """Each line's currency: its text in capitals, the base currency where the cell is empty."""
    cur = frames.texts(currencies, "upper")
    return np.where(cur != "", cur, config.base_currency)


def _base(amounts: np.ndarray, currencies: pd.Series, config: Config, source: str) -> np.ndarray:
    return aging_mod.to_base(np.asarray(amounts, dtype=np.int64), _currencies(currencies, config), config, None,
                             source)


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
    # the lines' columns as arrays, the rows before ``start`` picked from them (not the whole frame's rows)
    cur = _currencies(invoices["currency"] if "currency" in invoices.columns else _text(invoices, "currency"),
                      config)[before]
    total = int(aging_mod.to_base(_money(invoices, "open_amount")[before], cur, config, None, "Invoices").sum())
    applied = _applied_matches(matches, payments)
    if len(applied):
        # each such line's currency by its invoice id (an id on two lines: the last one's)
        known = pd.Series(cur, index=_text(invoices, "invoice_id").to_numpy()[before], dtype=object)
        known = known[~known.index.duplicated(keep="last")]
        of = known.reindex(applied["invoice_id"].to_numpy()).to_numpy()
        vd = np.asarray(applied["value_date"], dtype="datetime64[D]")
        later = ~np.isnat(vd) & (vd >= day) & pd.notna(of)
        total += int(aging_mod.to_base(applied["applied_amount"].to_numpy(dtype=np.int64)[later],
                                       of[later].astype(object), config, None, "Matches").sum())
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
            credit: pd.DataFrame | None = None, history: pd.DataFrame | None = None) -> Figures:
    """Every figure of the dashboard at ``as_of``; ``aging`` is the Aging table at that date.
    ``history``: the AgingHistory table (``engine.trends``): CEI's opening AR, the change against a month
    ago and the weekly trends come from it.
    ``credit``: ``engine.credit.exposures`` (with the person's ``credit_hold`` when known), for the hold list."""
    config = config or Config()
    as_of = _day(as_of)
    start = as_of - dt.timedelta(days=period_days - 1)
    opening = None if history is None else trends.opening_ar(history, start)
    if opening is not None:
        begin, basis = opening[0], f"opening AR: snapshot of {opening[1]:%Y-%m-%d}"
    else:
        begin = beginning_ar(invoices, payments, matches, start, config)
        basis = "estimated: no snapshot at the period's start"
    h = headline(aging, invoices, payments, disputes, as_of, config, period_days, beginning=begin)
    kept, decided = promises_kept(promises)
    return Figures(
        as_of=as_of, currency=config.base_currency, period_start=start, period_end=as_of,
        total_ar=h.total, overdue_ar=h.overdue, overdue_pct=h.overdue_pct,
        dso=h.kpis.dso, best_possible_dso=h.kpis.best_possible_dso, add=h.kpis.add, cei=h.kpis.cei,
        beginning_ar=begin, credit_sales=h.kpis.credit_sales,
        disputed_amount=h.disputed, open_disputes=h.open_disputes,
        unapplied_cash=h.unapplied,
        promises_kept=kept, promises_decided=decided, promises_kept_pct=_pct(kept, decided),
        aging_by_collector=aging_by_collector(aging, labels),
        disputes_by_reason=disputes_by_reason(disputes, config),
        collections_by_week=collections_by_week(payments, matches, as_of, config, weeks),
        left_out=h.left_out,
        credit_holds=hold_list(credit),
        cei_basis=basis,
        month_ago=None if history is None else trends.month_ago(history, as_of),
        trend_by_week=trends.by_week(history, as_of),
    )


@dataclass
class Headline:
    """The headline figures of a set of open items (the team's, or one collector's): base cents."""

    total: int
    overdue: int
    overdue_pct: float | None
    kpis: kpi.Kpis
    disputed: int | None
    open_disputes: int
    unapplied: int
    left_out: list[str]


def headline(aging: pd.DataFrame, invoices: pd.DataFrame, payments: pd.DataFrame, disputes: pd.DataFrame,
             as_of: dt.date, config: Config, period_days: int = 90, beginning: int | None = None,
             tolerate_fx: bool = False) -> Headline:
    """Total and overdue AR (from ``aging``), overdue %, the KPIs of the period ``period_days`` days up to
    ``as_of`` (``kpi.kpis``; CEI only with ``beginning``), disputed amount and unapplied cash: what the KPI
    block shows and what an AgingHistory snapshot keeps (``engine.trends``), computed here only.
    ``tolerate_fx``: a dispute in a currency with no FX rate leaves the disputed amount ``None`` instead of
    stopping (a plain Aging refresh does not convert disputes otherwise)."""
    amounts = _money(aging, "open_amount_base")
    dpd = pd.to_numeric(aging["days_past_due"], errors="coerce").fillna(0).to_numpy() if len(aging) else np.zeros(0)
    total = int(amounts.sum())
    overdue = int(amounts[dpd > 0].sum())
    start = as_of - dt.timedelta(days=period_days - 1)
    k = kpi.kpis(invoices, start, as_of, beginning_ar=beginning, config=config)
    left_out: list[str] = []
    unapplied = unapplied_cash(payments, config, left_out)
    try:
        disputed = disputed_amount(disputes, config)
    except ArXlError:
        if not tolerate_fx:
            raise
        disputed = None
    return Headline(total, overdue, _pct(overdue, total), k, disputed, int(open_disputes(disputes).sum()), unapplied,
                    left_out)


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


# ------------------------------------------------------------------ AgingHistory snapshots

def dispute_collectors(disputes: pd.DataFrame, invoices: pd.DataFrame, collectors) -> np.ndarray:
    """Each dispute's collector: the (effective) collector of the first of its invoices found in ``invoices``,
    else the collector most of its customer's invoices have, else ''."""
    if not len(disputes):
        return np.array([], dtype=object)
    inv_coll = dict(zip(_text(invoices, "invoice_id"), collectors))
    # the collector most of the customer's invoices have; on a tie the one met first (as ``value_counts``)
    pairs = pd.DataFrame({"c": _text(invoices, "customer_id").to_numpy(), "k": np.asarray(collectors, dtype=object),
                          "at": np.arange(len(invoices))}).loc[lambda f: f["k"] != ""]
    counted = pairs.groupby(["c", "k"], sort=False)["at"].agg(["size", "min"]).reset_index()
    counted = counted.sort_values(["size", "min"], ascending=[False, True], kind="stable").drop_duplicates("c")
    by_cust = dict(zip(counted["c"], counted["k"]))
    out = []
    for ids, cust in zip(disputes["invoice_ids"] if "invoice_ids" in disputes.columns else [""] * len(disputes),
                         _text(disputes, "customer_id")):
        found = next((inv_coll[i] for i in disputes_mod.split_ids(ids) if inv_coll.get(i)), "")
        out.append(found or by_cust.get(cust, ""))
    return np.array(out, dtype=object)


def snapshot(aging: pd.DataFrame, labels: list[str], invoices: pd.DataFrame, collectors, payments: pd.DataFrame,
             disputes: pd.DataFrame, as_of: dt.date, config: Config | None = None, period_days: int = 90,
             basis: str = "refresh") -> pd.DataFrame:
    """The AgingHistory rows of ``as_of`` (``engine.trends``): the team's, then one per collector.

    ``aging``: the Aging table at ``as_of`` (its ``collector`` column, its bucket columns ``labels``);
    ``collectors``: each Invoices row's effective collector (``engine.owners``).  Every figure is
    ``headline``'s on the scope's rows: a collector's invoices, Aging rows and disputes (the collector of
    the dispute's invoices); unapplied cash is the team's only."""
    config = config or Config()
    as_of = _day(as_of)
    inv_coll = first_spelling(pd.Series(frames.texts(collectors), index=invoices.index, dtype=object))
    ag_coll = first_spelling(_text(aging, "collector"))
    # the same spelling on both sides: the first of the Aging table, else the invoices'
    spelled = {k.casefold(): k for k in list(inv_coll) + list(ag_coll) if k}
    spelled.update({k.casefold(): k for k in ag_coll if k})
    inv_coll = pd.Series([spelled.get(k.casefold(), k) for k in inv_coll], index=inv_coll.index, dtype=object)
    ag_coll = pd.Series([spelled.get(k.casefold(), k) for k in ag_coll], index=ag_coll.index, dtype=object)
    dis_coll = pd.Series(dispute_collectors(disputes, invoices, inv_coll.to_numpy()), index=disputes.index, dtype=object)
    dis_coll = dis_coll.map(lambda k: spelled.get(str(k).casefold(), k))
    scopes = sorted({k for k in ag_coll if k}, key=str.lower) + ([NO_COLLECTOR] if (ag_coll == "").any() else [])
    # each collector's rows are taken of the columns the figures read only (not of 20-odd columns)
    inv_kpi = invoices[[c for c in kpi.COLUMNS if c in invoices.columns]]
    aging_kpi = aging[[c for c in ("open_amount_base", "days_past_due", "bucket") if c in aging.columns]]
    rows = []
    for scope in [trends.TEAM] + scopes:
        if scope == trends.TEAM:
            a, i, d, p = aging, invoices, disputes, payments
        else:
            key = "" if scope == NO_COLLECTOR else scope
            a = aging_kpi.loc[(ag_coll == key).to_numpy()]
            i = inv_kpi.loc[(inv_coll == key).to_numpy()]
            d = disputes.loc[(dis_coll == key).to_numpy()]
            p = payments.iloc[0:0]
        h = headline(a, i, p, d, as_of, config, period_days, tolerate_fx=True)
        bucket = _text(a, "bucket")
        amounts = _money(a, "open_amount_base")
        row = {"as_of": pd.Timestamp(as_of), "scope": scope, "total": h.total, "overdue": h.overdue,
               "overdue_pct": h.overdue_pct, "dso": h.kpis.dso, "disputed": h.disputed,
               "unapplied": h.unapplied if scope == trends.TEAM else None, "basis": basis}
        for lab in labels:
            row[lab] = int(amounts[(bucket == lab).to_numpy()].sum())
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(trends.FIXED) + list(labels))
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[ns]")
    for c in ("overdue_pct", "dso"):
        out[c] = pd.to_numeric(out[c]).astype(float)
    for c in ("disputed", "unapplied"):
        out[c] = out[c].astype("Int64")
    return out

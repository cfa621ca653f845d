"""Trends: the AgingHistory table, one snapshot per as-of date, and what the dashboard reads from it.

Every *Refresh aging* and *Refresh dashboard* keeps a snapshot of the day's aging in AgingHistory
(``schema.AGING_HISTORY``): one row for the team (scope ``team``) and one per collector (scope = the
collector's name, as the dashboard groups them; ``(no collector)`` for items without one), with the
totals per bucket, total, overdue, overdue %, DSO, disputed amount and (team only) unapplied cash, all
in base-currency cents.  The figures are the dashboard's (``engine.dashboard.headline``), computed
once there; this module only keeps and reads the rows.

* ``merge``: a refresh replaces the rows of its as-of date (every scope) and never touches another
  date's rows.
* ``opening_ar``: CEI's opening AR: the team's total at the close of the day before the KPI period
  starts, from the snapshot of that day or the nearest earlier one no more than
  ``OPENING_MAX_GAP_DAYS`` days before it; None without one (the dashboard then estimates it).
* ``month_ago``: the team's snapshot nearest to as-of minus one calendar month, no more than
  ``MONTH_TOLERANCE_DAYS`` days from it (and before as-of); None without one.
* ``by_week``: the trend charts' points: the last team snapshot of each ISO week, for the
  ``TREND_WEEKS`` weeks up to as-of's week (a week without a snapshot has no point).

Pure functions on canonical frames (money ``int64`` cents, dates ``datetime64``).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import money, schema, frames
from .aging import NO_COLLECTOR

TEAM = "team"
OPENING_MAX_GAP_DAYS = 7
MONTH_TOLERANCE_DAYS = 10
TREND_WEEKS = 26
FIXED = schema.AGING_HISTORY.names


def _team(history: pd.DataFrame | None) -> pd.DataFrame:
    if history is None or not len(history):
        return pd.DataFrame({c: [] for c in FIXED})
    rows = history.loc[(frames.texts(history["scope"], "lower") == TEAM) & history["as_of"].notna().to_numpy()]
    return rows.assign(as_of=pd.to_datetime(rows["as_of"]).dt.normalize()).sort_values("as_of", kind="stable")


def from_sheet(history: pd.DataFrame) -> pd.DataFrame:
    """AgingHistory as read from a sheet with its bucket columns in cents: ``frames.coerce`` keeps the extra
    columns of a dynamic table as the cells hold them (currency units); a cell that is not an amount stays
    empty."""
    out = history.copy()
    for c in out.columns:
        if c in FIXED:
            continue
        cents = []
        for v in out[c].tolist():
            try:
                cents.append(None if v is None or (isinstance(v, float) and v != v) or str(v).strip() == ""
                             else money.parse_amount(v))
            except ValueError:
                cents.append(None)
        out[c] = pd.array(cents, dtype="Int64")
    out.attrs = {}
    return out


def merge(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """``old`` without the rows of ``new``'s as-of dates, plus ``new``; by date, the team first."""
    dates = set(pd.to_datetime(new["as_of"]).dt.normalize())
    if old is not None and len(old):
        keep = ~pd.to_datetime(old["as_of"]).dt.normalize().isin(dates).to_numpy()
        parts = [old.loc[keep], new]
    else:
        parts = [new]
    out = pd.concat([p for p in parts if len(p)] or [new], ignore_index=True)
    columns = list(FIXED) + [c for p in parts for c in p.columns if c not in FIXED]
    out = out.reindex(columns=list(dict.fromkeys(columns)))
    scope = out["scope"].fillna("").astype(str)
    order = pd.DataFrame({"d": pd.to_datetime(out["as_of"]).to_numpy(), "t": (scope.str.lower() != TEAM).to_numpy(),
                          "n": (scope == NO_COLLECTOR).to_numpy(), "s": scope.str.lower().to_numpy()})
    out = out.iloc[order.sort_values(["d", "t", "n", "s"], kind="stable").index.to_numpy()].reset_index(drop=True)
    out.attrs = {}  # in memory, in cents (``from_sheet``)
    for c in out.columns:  # bucket columns of dates before a bucket change stay empty, never 0
        if c not in FIXED or schema.AGING_HISTORY.column(c).kind == "money":
            if out[c].notna().all():
                out[c] = out[c].astype(np.int64)
            else:
                out[c] = out[c].astype("Int64")
    return out


def opening_ar(history: pd.DataFrame | None, start: dt.date) -> tuple[int, dt.date] | None:
    """(team total in base cents, the snapshot's date) at the close of the day before ``start``, or None."""
    team = _team(history)
    close = pd.Timestamp(start - dt.timedelta(days=1))
    rows = team.loc[(team["as_of"] <= close).to_numpy()
                    & (team["as_of"] >= close - pd.Timedelta(days=OPENING_MAX_GAP_DAYS)).to_numpy()
                    & team["total"].notna().to_numpy()]
    if not len(rows):
        return None
    last = rows.iloc[-1]
    return int(last["total"]), last["as_of"].date()


def month_ago(history: pd.DataFrame | None, as_of: dt.date) -> dict | None:
    """The team's row nearest to ``as_of`` minus one month (within ``MONTH_TOLERANCE_DAYS``), as a dict."""
    team = _team(history)
    target = pd.Timestamp(as_of) - pd.DateOffset(months=1)
    gap = (team["as_of"] - target).abs()
    ok = (gap <= pd.Timedelta(days=MONTH_TOLERANCE_DAYS)).to_numpy() & (team["as_of"] < pd.Timestamp(as_of)).to_numpy()
    if not ok.any():
        return None
    rows = team.loc[ok].assign(_gap=gap[ok])
    row = rows.sort_values(["_gap", "as_of"], kind="stable").iloc[0].drop("_gap").to_dict()
    row["as_of"] = pd.Timestamp(row["as_of"]).date()
    return row


def by_week(history: pd.DataFrame | None, as_of: dt.date | None, weeks: int = TREND_WEEKS) -> pd.DataFrame:
    """One row per ISO week of the ``weeks`` weeks up to ``as_of``'s: week ('2026-W47'), week_start (Monday),
    as_of (the week's last team snapshot on or before ``as_of``), overdue_pct and dso (NaN: no snapshot)."""
    if as_of is None:
        return pd.DataFrame({"week": [], "week_start": [], "as_of": [], "overdue_pct": [], "dso": []})
    last_monday = as_of - dt.timedelta(days=as_of.weekday())
    mondays = [last_monday - dt.timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    team = _team(history)
    team = team.loc[(team["as_of"] <= pd.Timestamp(as_of)).to_numpy()]
    monday = (team["as_of"] - pd.to_timedelta(team["as_of"].dt.day_of_week, unit="D")).dt.date
    last = team.assign(_monday=monday.to_numpy()).groupby("_monday").tail(1).set_index("_monday")

    def col(name: str) -> list:
        return [float(last.at[m, name]) if m in last.index and pd.notna(last.at[m, name]) else np.nan
                for m in mondays]
    return pd.DataFrame({
        "week": [f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m in mondays],
        "week_start": mondays,
        "as_of": [last.at[m, "as_of"].date() if m in last.index else None for m in mondays],
        "overdue_pct": col("overdue_pct"),
        "dso": col("dso"),
    })

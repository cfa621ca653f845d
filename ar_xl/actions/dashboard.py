"""Refresh dashboard: the source tables and the figures of the team lead's Dashboard sheet.

``run(book, as_of)`` refreshes the Aging table (exactly as *Refresh aging*
does; it is the source of the aging pivots) and computes every figure the
Dashboard shows (``engine.dashboard.figures``): the KPI block, the chart
series and the credit hold list (``actions.credit.exposures``, on DashboardData).  It returns a ``DashboardChange``: the new Aging body and the Audit
rows like any action, plus ``figures`` for the shell that lays out the sheet.

* In a workbook file, ``ar_xl.workbook.dashboard_sheet.refresh_workbook`` (the
  ``ar-xl dashboard`` verb) writes the tables and lays out the Dashboard and
  DashboardData sheets, the PivotTables and the charts in one save; the pivot
  caches are set to refresh when the file is opened.
* In live Excel the ribbon shell writes the Change, rewrites the KPI block
  and the chart ranges (``dashboard_sheet.write_live``), then calls
  ``refresh_live(xw_book)`` so Excel recomputes every PivotTable.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import clock
from ..book import Book, Change
from ..engine import aging as aging_mod
from ..engine import dashboard as engine
from ..money import fmt
from . import refresh


@dataclass
class DashboardChange(Change):
    figures: engine.Figures | None = None
    """What the KPI block and the charts show."""
    labels: tuple[str, ...] = ()
    """The aging bucket labels, in order."""
    fx_note: str = ""
    """Which FX rates were used and where they came from (``fxrates.note``), for the Dashboard's notes."""


def run(book: Book, as_of: dt.date | None = None, confirm_fx: bool = False) -> DashboardChange:
    """Refresh the Aging table and compute the dashboard's figures at ``as_of`` (default today); an FX
    rate that jumped since the last run stops it unless ``confirm_fx`` (see ``refresh.run``)."""
    as_of = as_of or clock.today()
    aged = refresh.run(book, as_of, confirm_fx=confirm_fx, also_converts=(
        book.get("Payments")["currency"], book.get("Disputes")["currency"]))
    cfg = book.config
    labels = aging_mod.bucket_labels(tuple(cfg.aging_buckets))
    table = aged.tables["Aging"]
    from .credit import exposures
    figures = engine.figures(table, labels, book.get("Invoices"), book.get("Payments"), book.get("Matches"),
                             book.get("Disputes"), book.get("Promises"), as_of, cfg, credit=exposures(book, as_of),
                             history=aged.tables["AgingHistory"])
    figures.forecast_by_week = _forecast(book, as_of, figures.left_out)
    change = DashboardChange("refresh_dashboard", figures=figures, labels=tuple(labels), fx_note=aged.fx_note)
    change.tables = dict(aged.tables)
    change.extra_columns = dict(aged.extra_columns)
    change.titles = dict(aged.titles)
    change.warnings = list(aged.warnings)
    change.audit = [dict(r, action="refresh_dashboard", run_id=change.run_id) for r in aged.audit]
    change.log(book.user, "Dashboard", "*", "kpis", None,
               f"total AR {fmt(figures.total_ar)}, overdue {fmt(figures.overdue_ar)}",
               rule=f"as_of={as_of:%Y-%m-%d}")
    cur = figures.currency
    pct = "n/a" if figures.overdue_pct is None else f"{figures.overdue_pct:.1f}%"
    dso = "n/a" if figures.dso is None else f"{figures.dso:.1f} days"
    change.summary = (f"dashboard at {as_of:%Y-%m-%d}: {len(table)} open items, total AR {cur} {fmt(figures.total_ar)}, "
                      f"overdue {pct}, DSO {dso}, unapplied cash {cur} {fmt(figures.unapplied_cash)}, "
                      f"credit: {_holds(figures)}"
                      + (f"; {change.fx_note}" if change.fx_note else ""))
    for note in figures.left_out:
        change.summary += f"; {note}"
    return change


FORECAST_WEEKS = 13


def _forecast(book: Book, as_of: dt.date, left_out: list[str]):
    """The cash forecast's expected collections per ISO week (base cents) for the Dashboard's chart
    (``actions.forecast``); empty, with a note in ``left_out``, when the forecast cannot be made."""
    import pandas as pd

    from ..errors import ArXlError
    from . import forecast
    try:
        fc = forecast.table(book, as_of, FORECAST_WEEKS)
    except ArXlError as e:
        left_out.append(f"cash forecast not drawn: {e}")
        return pd.DataFrame({"week": [], "week_start": [], "amount": []})
    exp = fc.loc[fc["line"] == "expected"]
    out = exp.groupby(["week", "week_start"], sort=True, as_index=False)["amount_base"].sum()
    return out.rename(columns={"amount_base": "amount"})


def _holds(fig: engine.Figures) -> str:
    st = fig.credit_holds["credit_status"] if len(fig.credit_holds) else []
    return (f"{sum(1 for s in st if s == 'over limit')} over limit, "
            f"{sum(1 for s in st if s == 'hold proposed')} hold(s) proposed")


def refresh_live(xw_book) -> int:
    """Refresh every PivotTable cache of a workbook open in Excel, through xlwings' ``book.api``.

    Works with classic COM (Windows: ``Workbook.PivotCaches().Item(i).Refresh()``)
    and appscript (macOS).  On engines without a live Excel object model
    (xlwings Server/remote, calamine) it does nothing.  Returns the number of
    caches refreshed.
    """
    try:
        api = xw_book.api
    except Exception:  # an engine without an object model
        return 0
    if api is None or isinstance(api, (dict, list, tuple, str)):
        return 0
    refreshed = 0
    caches = getattr(api, "PivotCaches", None)
    if caches is not None:  # Windows COM
        coll = caches()
        for i in range(1, int(coll.Count) + 1):
            coll.Item(i).Refresh()
            refreshed += 1
        return refreshed
    sheets = getattr(api, "worksheets", None)
    if sheets is not None:  # macOS appscript: refresh each pivot table
        for ws in sheets():
            for pt in ws.pivot_tables():
                pt.refresh_table()
                refreshed += 1
    return refreshed

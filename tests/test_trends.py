"""Trends: AgingHistory snapshots kept by every refresh, CEI's opening AR from them, the change against a
month ago on the KPI tiles and the trend charts' weekly points (issue 14 part 5)."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from ar_xl.actions import dashboard as action
from ar_xl.actions import refresh
from ar_xl.cli import main
from ar_xl.engine import kpi
from ar_xl.workbook import dashboard_sheet, xlsx

from test_dashboard import AS_OF, _seed, small_tables

LABELS = ["current", "1-30", "31-60", "61-90", "91-120", "121+"]


@pytest.fixture
def wb(tmp_path):
    return _seed(tmp_path / "team.xlsx", small_tables())


def _history(path) -> pd.DataFrame:
    h = refresh.stored_history(xlsx.load(path))  # bucket columns in cents (the sheet holds currency units)
    return h.assign(as_of=h["as_of"].dt.date)


def _row(h: pd.DataFrame, day: dt.date, scope: str) -> pd.Series:
    rows = h.loc[(h["as_of"] == day) & (h["scope"] == scope)]
    assert len(rows) == 1, f"{day} {scope}: {len(rows)} rows"
    return rows.iloc[0]


def _refresh(path, day: dt.date, verb: str = "refresh") -> None:
    assert main([verb, str(path), "--as-of", day.isoformat()]) == 0


def test_refresh_keeps_a_snapshot_for_the_team_and_each_collector(wb):
    _refresh(wb, AS_OF)
    h = _history(wb)
    assert list(h["scope"]) == ["team", "Anna", "Bram", "(no collector)"]
    assert set(h["as_of"]) == {AS_OF} and set(h["basis"]) == {"refresh"}
    team = _row(h, AS_OF, "team")
    # the hand-checked figures of test_dashboard: 1200.50 + 100.25 - 50.00 + 1000 GBP x 1.165 + 400.00
    assert team["total"] == 281575 and team["overdue"] == 125075
    assert team["overdue_pct"] == pytest.approx(125075 / 281575 * 100)
    assert team["disputed"] == 20000 + 11650 and team["unapplied"] == 50000 + 11650
    # the bucket totals are the Aging table's, to the cent, and add up to the total
    aging = xlsx.load(wb).get("Aging")
    by_bucket = aging.groupby("bucket")["open_amount_base"].sum()
    for lab in LABELS:
        assert team[lab] == int(by_bucket.get(lab, 0)), lab
    assert sum(int(team[lab]) for lab in LABELS) == team["total"]
    assert team["1-30"] == 10025 - 5000 and team["61-90"] == 120050 and team["current"] == 116500 + 40000
    # the KPI figures are the dashboard's
    fig = action.run(xlsx.load(wb), AS_OF).figures
    assert team["dso"] == pytest.approx(fig.dso) and team["total"] == fig.total_ar
    # each collector: their items; the collectors add up to the team
    anna, bram, none = (_row(h, AS_OF, s) for s in ("Anna", "Bram", "(no collector)"))
    assert anna["total"] == 120050 + 10025 and anna["overdue"] == 130075 and anna["disputed"] == 20000
    assert bram["total"] == -5000 + 40000 and bram["overdue"] == -5000 and bram["disputed"] == 0  # D3 resolved
    assert none["total"] == 116500 and none["disputed"] == 11650
    for lab in LABELS + ["total", "overdue"]:
        assert anna[lab] + bram[lab] + none[lab] == team[lab], lab
    assert pd.isna(anna["unapplied"])  # a payment not applied has no collector
    # Anna's DSO: her AR over her sales of the 90 days (I2 300.00 only) x 90
    assert anna["dso"] == pytest.approx(130075 / 30000 * 90)


def test_refreshing_a_date_again_replaces_its_rows_and_keeps_the_others(wb):
    _refresh(wb, dt.date(2026, 11, 16))
    _refresh(wb, AS_OF, "dashboard")
    before = _history(wb)
    assert len(before) == 8
    first = _row(before, dt.date(2026, 11, 16), "team")

    book = xlsx.load(wb)  # the day's work: I1 is paid in part
    inv = book.get("Invoices").copy()
    inv.loc[inv["invoice_id"] == "I1", "open_amount"] = 70050
    from ar_xl.book import Change
    c = Change("edit")
    c.tables["Invoices"] = inv
    xlsx.save(book, c)
    _refresh(wb, AS_OF)

    after = _history(wb)
    assert len(after) == 8 and list(after["as_of"]).count(AS_OF) == 4
    assert _row(after, AS_OF, "team")["total"] == 281575 - 50000
    assert _row(after, AS_OF, "Anna")["total"] == 130075 - 50000
    kept = _row(after, dt.date(2026, 11, 16), "team")
    for col in ["total", "overdue", "dso", "disputed", "unapplied"] + LABELS:
        assert kept[col] == first[col], col  # the other date's rows, bucket columns too, as they were


def test_cei_takes_the_opening_ar_from_the_snapshot_before_the_period(wb):
    without = action.run(xlsx.load(wb), AS_OF).figures
    assert without.cei_basis.startswith("estimated")
    start = AS_OF - dt.timedelta(days=89)  # the KPI period: 2026-08-26 .. 2026-11-23
    assert without.period_start == start

    _refresh(wb, start - dt.timedelta(days=3))  # 2026-08-23: within a week before the period
    opening = _row(_history(wb), start - dt.timedelta(days=3), "team")["total"]
    _refresh(wb, AS_OF, "dashboard")
    book = xlsx.load(wb)
    fig = action.run(book, AS_OF).figures
    assert fig.beginning_ar == opening != without.beginning_ar
    assert fig.cei_basis == "opening AR: snapshot of 2026-08-23"
    sales = kpi.credit_sales(book.get("Invoices"), start, AS_OF)
    assert fig.cei == pytest.approx(kpi.cei_formula(int(opening), sales, fig.total_ar, fig.total_ar - fig.overdue_ar))
    # the tile says where the opening AR came from
    ws = openpyxl.load_workbook(wb)["Dashboard"]
    tile = next(t for t in dashboard_sheet.kpi_tiles(fig) if t.label == "CEI")
    assert ws.cell(tile.top + 2, tile.first).value == "opening AR: snapshot of 2026-08-23"
    assert ws.cell(tile.top + 1, tile.first).value == pytest.approx(fig.cei / 100)


def test_a_snapshot_too_old_is_not_the_opening_ar(wb):
    _refresh(wb, AS_OF - dt.timedelta(days=89 + 10))  # ten days before the period: too old
    fig = action.run(xlsx.load(wb), AS_OF).figures
    assert fig.cei_basis.startswith("estimated")


def _detail(path, fig, label: str) -> str:
    ws = openpyxl.load_workbook(path)["Dashboard"]
    tile = next(t for t in dashboard_sheet.kpi_tiles(fig) if t.label == label)
    return ws.cell(tile.top + 2, tile.first).value


def test_kpis_show_the_change_against_a_month_ago(wb):
    _refresh(wb, AS_OF, "dashboard")
    fig = action.run(xlsx.load(wb), AS_OF).figures
    assert _detail(wb, fig, "Overdue %") == "no snapshot a month ago"

    month = dt.date(2026, 10, 25)  # nearest to 2026-10-23 among the snapshots
    for day in (dt.date(2026, 10, 10), month, dt.date(2026, 11, 9)):
        _refresh(wb, day)
    then = _row(_history(wb), month, "team")
    _refresh(wb, AS_OF, "dashboard")
    fig = action.run(xlsx.load(wb), AS_OF).figures
    pts = fig.overdue_pct - then["overdue_pct"]
    arrow = "▲" if pts > 0 else "▼"
    assert _detail(wb, fig, "Overdue %") == f"{arrow} {abs(pts):.1f} pts vs 2026-10-25"
    delta = fig.total_ar - int(then["total"])
    assert delta == 0  # the same open items; the aging moved them to later buckets
    assert _detail(wb, fig, "Total AR (EUR)") == "= EUR 0.00 vs 2026-10-25"
    assert _detail(wb, fig, "DSO").endswith(f"{abs(fig.dso - then['dso']):.1f} days vs 2026-10-25")


def test_the_trend_charts_plot_one_point_per_week(wb):
    days = [dt.date(2026, 11, 2), dt.date(2026, 11, 4), dt.date(2026, 11, 12), dt.date(2026, 11, 20)]
    for day in days:
        _refresh(wb, day)
    _refresh(wb, AS_OF, "dashboard")
    h = _history(wb)
    fig = action.run(xlsx.load(wb), AS_OF).figures
    blocks = dashboard_sheet.chart_blocks(fig)
    ranges = dashboard_sheet.place_blocks(blocks)
    r = ranges["trends"]
    ds = openpyxl.load_workbook(wb)["DashboardData"]
    rows = [[ds.cell(i, j).value for j in range(1, 5)] for i in range(r.first_row, r.last_row + 1)]
    assert len(rows) == 26  # the 26 ISO weeks up to the as-of date's, one row each
    assert [w for w, *_ in rows[-4:]] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    weeks = [w for w, *_ in rows]
    assert len(set(weeks)) == 26 and weeks == sorted(weeks)
    # W45: the last snapshot of the week (11-04, not 11-02); W48: the as-of date's
    by_week = {w: (d, p, q) for w, d, p, q in rows}
    for week, day in (("2026-W45", dt.date(2026, 11, 4)), ("2026-W46", dt.date(2026, 11, 12)),
                      ("2026-W47", dt.date(2026, 11, 20)), ("2026-W48", AS_OF)):
        d, p, q = by_week[week]
        team = _row(h, day, "team")
        assert d.date() == day
        assert p == pytest.approx(team["overdue_pct"] / 100) and q == pytest.approx(team["dso"])
    assert all(p is None and q is None for _w, _d, p, q in rows[:-4])  # no snapshot those weeks: no point
    # the charts read exactly that range: one point per week
    ws = openpyxl.load_workbook(wb)["Dashboard"]
    assert len(ws._charts) == 6

"""AgingHistory from the ribbon (xlwings' remote engine): Refresh aging and Refresh dashboard keep the day's
snapshot in the workbook open in Excel, replacing that day's rows and keeping the others."""
from __future__ import annotations

import datetime as dt

from ar_xl.actions import refresh
from ar_xl.workbook import xlsx

from test_dashboard import AS_OF, _seed, small_tables
from test_dashboard_live import click
from test_macros import _ok, _remote_engine, _set_parameters  # noqa: F401  (_remote_engine: autouse)


def _history(path):
    h = refresh.stored_history(xlsx.load(path))
    return h.assign(as_of=h["as_of"].dt.date)


def test_the_buttons_keep_one_snapshot_per_date(tmp_path):
    path = _seed(tmp_path / "team.xlsx", small_tables())
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 16)})
    _ok(click(path, "refresh_aging")[1])
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 23)})
    _ok(click(path, "refresh_dashboard")[1])
    first = _history(path)
    assert list(first["as_of"]) == [dt.date(2026, 11, 16)] * 4 + [AS_OF] * 4
    team = first.loc[(first["as_of"] == AS_OF) & (first["scope"] == "team")].iloc[0]
    assert team["total"] == 281575 and team["61-90"] == 120050 and team["current"] == 116500 + 40000

    _ok(click(path, "refresh_aging")[1])  # the same day again: its rows replaced, not added
    again = _history(path)
    assert len(again) == 8
    cols = ["as_of", "scope", "total", "overdue", "dso", "disputed", "unapplied", "current", "1-30", "61-90"]
    assert again[cols].astype(str).equals(first[cols].astype(str))

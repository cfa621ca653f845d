"""``ar-xl dashboard WORKBOOK [--as-of DATE]``: Refresh dashboard on a workbook file."""
from __future__ import annotations

from .common import date_arg, warn


def _dashboard(sub):
    def cmd(a):
        from ..workbook.dashboard_sheet import refresh_workbook
        change = refresh_workbook(a.workbook, a.as_of)
        print(change.summary)
        warn(change.warnings)
        return 0
    s = sub.add_parser("dashboard", help="refresh the Aging table and the Dashboard sheet (KPIs, charts, pivot tables)")
    s.add_argument("workbook")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help="the dashboard's date (default: today)")
    s.set_defaults(fn=cmd)


def add_verbs(sub) -> None:
    """dashboard."""
    _dashboard(sub)

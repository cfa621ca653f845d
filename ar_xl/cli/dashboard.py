"""``ar-xl dashboard WORKBOOK [--as-of DATE]``: Refresh dashboard on a workbook file."""
from __future__ import annotations

from .common import WORKBOOK_HELP, date_arg, warn


def _dashboard(sub):
    def cmd(a):
        from ..workbook.dashboard_sheet import refresh_workbook
        change = refresh_workbook(a.workbook, a.as_of, confirm_fx=a.confirm_fx)
        print(change.summary)
        warn(change.warnings)
        return 0
    s = sub.add_parser("dashboard", help="refresh the Aging table and the Dashboard sheet (KPIs, charts, pivot tables)")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help="the dashboard's date (default: today)")
    s.add_argument("--confirm-fx", action="store_true",
                   help="use FX rates that moved more than Config fx_max_move times since the last run")
    s.set_defaults(fn=cmd)


def add_verbs(sub) -> None:
    """dashboard."""
    _dashboard(sub)

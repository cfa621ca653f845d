"""``ar-xl forecast WORKBOOK [--weeks 13] [--as-of DATE]``: the weekly cash forecast (the Forecast table);
with ``--backtest [--from DATE]`` replay it on the matched history and print the error (nothing written)."""
from __future__ import annotations

from .common import WORKBOOK_HELP, act, date_arg


def cmd_forecast(a) -> int:
    """Rewrite the Forecast table (``actions.forecast.run``), or print the backtest."""
    from ..actions import forecast
    if a.backtest:
        from ..workbook import xlsx
        book = xlsx.load(a.workbook, tables=forecast.TABLES)
        res = forecast.backtest(book, a.start, a.weeks)
        print(forecast.backtest_report(res, book.config.base_currency))
        return 0
    if a.start:
        from ..errors import ArXlError
        raise ArXlError("forecast: --from goes with --backtest (the forecast itself starts at --as-of)")
    return act(a.workbook, forecast.run, a.as_of, a.weeks, confirm_fx=a.confirm_fx)


def add_verbs(sub) -> None:
    """forecast."""
    s = sub.add_parser("forecast", help="weekly cash forecast per ISO week and currency (the Forecast table); "
                                        "--backtest replays it on the matched history")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--weeks", type=int, default=13, help="weeks in the horizon (default 13)")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help="the forecast's date (default: today)")
    s.add_argument("--backtest", action="store_true",
                   help="forecast from a past date and compare each week with the cash applied; prints the error")
    s.add_argument("--from", dest="start", type=date_arg, default=None, metavar="DATE",
                   help="with --backtest: the date to forecast from, as it was that morning (default: the Monday "
                        "--weeks weeks before the week of the last matched payment)")
    s.add_argument("--confirm-fx", action="store_true",
                   help="use FX rates that moved more than Config fx_max_move times since the last run")
    s.set_defaults(fn=cmd_forecast)

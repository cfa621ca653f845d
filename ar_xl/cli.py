"""The ``ar-xl`` command.

Each verb that changes a workbook loads it into a ``Book``, runs the same
action function a ribbon button runs, and saves the ``Change`` once.  Errors a
user can act on are printed without a traceback and exit with status 2.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Callable

import pandas as pd

from . import __version__
from . import clock
from .errors import ArXlError


def _date(text: str) -> dt.date:
    from .dates import parse_date
    try:
        return parse_date(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def run_on_workbook(path: str | Path, action: Callable, *args, **kwargs):
    """Load the workbook, run ``action(book, ...)`` and write its Change once; returns the Change."""
    from . import xlsx
    book = xlsx.load(path)
    change = action(book, *args, **kwargs)
    xlsx.save(book, change)
    return change


def act(path: str | Path, action: Callable, *args, **kwargs) -> int:
    """``run_on_workbook`` for a verb: print the action's one-line summary; exit status 0."""
    print(run_on_workbook(path, action, *args, **kwargs).summary)
    return 0


# ------------------------------------------------------------------ verbs

def cmd_init(a) -> int:
    from . import xlsx
    xlsx.create(a.workbook, overwrite=a.force)
    print(f"created {a.workbook}")
    return 0


def cmd_demo(a) -> int:
    from . import demo
    summary = demo.build(a.workbook, as_of=a.as_of, seed=a.seed, customers=a.customers, overwrite=True)
    print(summary)
    return 0


def cmd_age(a) -> int:
    from . import xlsx
    from .config import parse_basis, parse_edges
    from .engine import aging
    invoices = xlsx.read_input(a.invoices, "Invoices")
    cfg = _config_for(a.invoices)
    edges = parse_edges(a.buckets) if a.buckets else cfg.aging_buckets
    basis = parse_basis(a.basis) if a.basis else cfg.aging_basis
    as_of = a.as_of or clock.today()
    result = aging.age(invoices, as_of, cfg, edges=edges, basis=basis, by=a.by)
    money = aging.money_columns(result, edges)
    if a.out:
        xlsx.write_output(result, a.out, money, sheet="Aging")
        print(f"wrote {len(result)} rows to {a.out}")
    else:
        print(_render(result, money, cfg.base_currency, as_of, by=a.by))
    return 0


def _config_for(path: str):
    """The Config of a collections workbook given as input; defaults otherwise."""
    from . import config as config_mod
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from . import xlsx
        wb = xlsx._open(p)
        ws, tbl = xlsx._find_table(wb, "Config")
        if tbl is not None:
            from . import frames
            raw, first = xlsx.read_table_frame(ws, tbl)
            rows = frames.coerce(raw, "Config", f"{p.name} sheet {ws.title}", first_row=first)
            return config_mod.from_rows(rows, f"{p.name} sheet {ws.title}")
    return config_mod.Config()


def _render(frame: pd.DataFrame, money: list[str], currency: str, as_of: dt.date, by: str) -> str:
    from .money import fmt
    if not len(frame):
        return f"Aging by {by} at {as_of:%Y-%m-%d} ({currency}): no open items"
    shown = frame.copy()
    totals = {c: int(shown[c].sum()) for c in money if c not in ("open_amount",)}
    for c in money:
        shown[c] = [fmt(int(v)) for v in shown[c]]
    for c in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[c]):
            shown[c] = shown[c].dt.strftime("%Y-%m-%d")
    if len(shown):
        total_row = {c: "" for c in shown.columns}
        total_row[shown.columns[0]] = "TOTAL"
        for c, v in totals.items():
            total_row[c] = fmt(v)
        shown = pd.concat([shown, pd.DataFrame([total_row])], ignore_index=True)
    with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
        body = shown.to_string(index=False)
    return f"Aging by {by} at {as_of:%Y-%m-%d} ({currency})\n{body}"


def cmd_refresh(a) -> int:
    from .actions import refresh
    return act(a.workbook, refresh.run, a.as_of)


# ------------------------------------------------------------------ parser

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ar-xl", description="Accounts-receivable collections in the shared Excel workbook.")
    p.add_argument("--version", action="version", version=f"ar-xl {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("init", help="create an empty collections workbook")
    s.add_argument("workbook")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(fn=cmd_init)

    s = sub.add_parser("demo", help="create a demo workbook with a realistic portfolio and run every action")
    s.add_argument("workbook")
    s.add_argument("--as-of", type=_date, default=None, help="the demo's today (default: today)")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--customers", type=int, default=300)
    s.set_defaults(fn=cmd_demo)

    s = sub.add_parser("age", help="age open invoices into buckets")
    s.add_argument("--invoices", required=True, metavar="FILE", help=".csv, .xlsx or a collections workbook")
    s.add_argument("--as-of", type=_date, default=None, metavar="DATE")
    s.add_argument("--buckets", default=None, metavar="30,60,90,120")
    s.add_argument("--basis", choices=("due", "invoice"), default=None)
    s.add_argument("--by", choices=("invoice", "customer", "collector"), default="customer")
    s.add_argument("--out", default=None, metavar="FILE", help=".csv, .xlsx or .json; stdout when omitted")
    s.set_defaults(fn=cmd_age)

    s = sub.add_parser("refresh", help="rewrite the Aging table from the Invoices table")
    s.add_argument("workbook")
    s.add_argument("--as-of", type=_date, default=None)
    s.set_defaults(fn=cmd_refresh)

    for extra in _EXTRA_COMMANDS:
        extra(sub)
    return p


_EXTRA_COMMANDS: list[Callable] = []


def command(fn: Callable) -> Callable:
    """Register a function that adds sub-commands to the parser."""
    _EXTRA_COMMANDS.append(fn)
    return fn


def main(argv: list[str] | None = None) -> int:
    from . import commands  # noqa: F401  (registers the other verbs)
    parser = build_parser()
    a = parser.parse_args(argv)
    if not getattr(a, "fn", None):
        parser.print_help()
        return 1
    try:
        return a.fn(a) or 0
    except (ArXlError, ValueError) as e:  # engine rules refuse bad parameters with ValueError
        print(f"ar-xl: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

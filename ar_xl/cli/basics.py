"""``ar-xl init``, ``demo``, ``age``, ``refresh``, ``upgrade`` and ``audit-archive``: making a workbook, aging
its open items, bringing an older workbook's layout up to date and moving its oldest Audit rows to the archive."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import clock
from .common import AS_OF_HELP, FORCE_HELP, WORKBOOK_HELP, act, check_out, config_for, date_arg, warn


def cmd_init(a) -> int:
    from ..workbook import xlsx
    check_out(a.workbook, force=a.force, what="workbook")
    xlsx.create(a.workbook, overwrite=a.force)
    print(f"created {a.workbook}")
    return 0


def cmd_demo(a) -> int:
    from ..demo import builder as demo
    check_out(a.workbook, force=a.force, what="demo workbook")
    check_out(demo.statement_path(a.workbook), force=a.force, what="demo statement")
    summary = demo.build(a.workbook, as_of=a.as_of, seed=a.seed, customers=a.customers, overwrite=a.force)
    print(summary)
    return 0


def cmd_age(a) -> int:
    from ..workbook import xlsx
    from ..config import parse_basis, parse_edges
    from ..engine import aging
    if a.out:
        check_out(a.out, [a.invoices], force=a.force)
    # by collector on a collections workbook: each invoice's collector is its own, else its customer's (``owners``)
    invoices, beside = xlsx.read_input_with(a.invoices, "Invoices",
                                            beside=("Customers",) if a.by == "collector" else ())
    if "Customers" in beside:
        from ..engine import owners
        invoices["collector"] = owners.effective_collectors(invoices, beside["Customers"])
    cfg = config_for(a.invoices)
    edges = parse_edges(a.buckets) if a.buckets else cfg.aging_buckets
    basis = parse_basis(a.basis) if a.basis else cfg.aging_basis
    as_of = a.as_of or clock.today()
    result = aging.age(invoices, as_of, cfg, edges=edges, basis=basis, by=a.by)
    money = aging.money_columns(result, edges)
    from .. import fxrates
    fx_note = fxrates.note(cfg, fxrates.used(cfg, invoices.loc[invoices["open_amount"] != 0, "currency"]))
    if a.out:
        xlsx.write_output(result, a.out, money, sheet="Aging")
        print(f"wrote {len(result)} rows to {a.out}" + (f"; {fx_note}" if fx_note else ""))
    else:
        print(_render(result, money, cfg.base_currency, as_of, by=a.by))
        if fx_note:
            print(fx_note)
    from .. import checks
    warn(checks.warnings(invoices, "Invoices"))
    return 0


def _render(frame: pd.DataFrame, money: list[str], currency: str, as_of: dt.date, by: str) -> str:
    from ..engine import aging
    from ..money import fmt
    if not len(frame):
        return f"Aging by {by} at {as_of:%Y-%m-%d} ({currency}): no open items"
    shown = aging.named_collectors(frame) if by == "collector" else frame.copy()
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
    from ..actions import refresh
    return act(a.workbook, refresh.run, a.as_of, confirm_fx=a.confirm_fx)


CONFIRM_FX_HELP = "use FX rates that moved more than Config fx_max_move times since the last run"


def cmd_upgrade(a) -> int:
    from ..actions import upgrade
    return act(a.workbook, upgrade.run)


def cmd_audit_archive(a) -> int:
    from ..actions import audit_archive
    return act(a.workbook, audit_archive.run, audit_archive.KEEP if a.keep is None else a.keep)


def add_verbs(sub) -> None:
    """init, demo, age, refresh, upgrade, audit-archive."""
    s = sub.add_parser("init", help="create an empty collections workbook")
    s.add_argument("workbook", help="the new workbook's file name (.xlsx, or .xlsm for a macro-enabled one)")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)
    s.set_defaults(fn=cmd_init)

    s = sub.add_parser("demo", help="create a demo workbook with a realistic portfolio and run every action")
    s.add_argument("workbook", help="the demo workbook's file name (.xlsx)")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help="the demo's today (default: today)")
    s.add_argument("--seed", type=int, default=7, metavar="N",
                   help="the random seed of the synthetic portfolio: the same seed and date give the same demo (default 7)")
    s.add_argument("--customers", type=int, default=300, metavar="N", help="how many customers (default 300)")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)
    s.set_defaults(fn=cmd_demo)

    s = sub.add_parser("age", help="age open invoices into buckets")
    s.add_argument("--invoices", required=True, metavar="FILE", help=".csv, .xlsx or a collections workbook")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)
    s.add_argument("--buckets", default=None, metavar="30,60,90,120",
                   help="the bucket limits in days past due (default: Config aging_buckets, else 30,60,90,120)")
    s.add_argument("--basis", choices=("due", "invoice"), default=None,
                   help="count days from the due date or the invoice date (default: Config aging_basis, else due)")
    s.add_argument("--by", choices=("invoice", "customer", "collector"), default="customer",
                   help="one row per invoice, customer or collector (default customer)")
    s.add_argument("--out", default=None, metavar="FILE", help=".csv, .xlsx or .json; stdout when omitted")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)
    s.set_defaults(fn=cmd_age)

    s = sub.add_parser("refresh", help="rewrite the Aging table from the Invoices table")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)
    s.add_argument("--confirm-fx", action="store_true", help=CONFIRM_FX_HELP)
    s.set_defaults(fn=cmd_refresh)

    s = sub.add_parser("upgrade", help="rewrite a workbook written by an older ar-xl with today's layout: human "
                                       "headers, Aging's as-of date as its title; no data changes (a workbook "
                                       "already up to date is left as it is)")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.set_defaults(fn=cmd_upgrade)

    s = sub.add_parser("audit-archive", help="move the oldest Audit rows to CSV files in ar-xl-audit/ beside the "
                                             "workbook (nothing is deleted; the rows actions read back stay)")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--keep", type=int, default=None, metavar="N",
                   help="the newest Audit rows the workbook keeps (default 100,000)")
    s.set_defaults(fn=cmd_audit_archive)

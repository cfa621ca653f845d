"""ar-xl verbs of the collector workflow: plan, promise, dispute, contact.

Each verb calls the same action function as its ribbon button.
"""
from __future__ import annotations

import argparse

from .common import (AS_OF_HELP, CUSTOMER_HELP, FORCE_HELP, NOTE_HELP, WORKBOOK_HELP, act, amount_arg, check_out,
                     date_arg, one_of)
from .. import schema
from ..config import DEFAULT_REASONS
from ..engine.disputes import split_ids
from ..money import fmt


def _percent(text: str):
    """An annual rate typed in percent ('8', '8,5') as the fraction the engine takes."""
    from decimal import Decimal, InvalidOperation
    try:
        return Decimal(text.strip().rstrip("%").replace(",", ".")) / 100
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None


def _schedule_opts(s) -> None:
    s.add_argument("--installments", type=int, required=True, metavar="N", help="how many installments")
    s.add_argument("--first-due", type=date_arg, required=True, metavar="DATE", help="the first installment's due date")
    s.add_argument("--frequency", choices=("weekly", "biweekly", "monthly", "quarterly"), default="monthly",
                   help="time between installments (default monthly)")
    s.add_argument("--interest", choices=("none", "simple", "annuity"), default="none",
                   help="none (default); simple: flat interest on the financed principal (amount less down payment) "
                        "for the whole term, split evenly over the installments (10000 over 12 months at 8%% is "
                        "66.67 a month, 800 in all); annuity: equal installments (Excel's PMT), each paying "
                        "interest on the remaining balance")
    s.add_argument("--rate", type=_percent, default=0, metavar="PCT", help="annual interest rate in %%, e.g. 8 or 8,5")
    s.add_argument("--down-payment", type=amount_arg, default=0, metavar="AMOUNT", help="paid up front, before the installments")
    s.add_argument("--holidays", default=None, metavar="CC", help="move due dates off weekends and this country's public holidays (NL, BE, DE, FR, GB)")


def _plan(sub):
    p = sub.add_parser("plan", help="payment plans: schedule, create, update")
    ps = p.add_subparsers(dest="plan_cmd", metavar="SUBCOMMAND", required=True)

    s = ps.add_parser("schedule", help="print or write a schedule (no workbook)")
    s.add_argument("--amount", type=amount_arg, required=True, metavar="AMOUNT", help="the amount to spread, e.g. 1234.56")
    _schedule_opts(s)
    s.add_argument("--out", default=None, metavar="FILE", help=".csv, .xlsx or .json; printed when omitted")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)

    def schedule(a):
        from ..workbook import xlsx
        from ..engine import plans
        if a.out:
            check_out(a.out, force=a.force)
        rows = plans.schedule(a.amount, a.installments, a.first_due, a.frequency, a.rate, a.interest,
                              a.down_payment, a.holidays)
        money = ["amount", "principal", "interest", "remaining_balance"]
        if a.out:
            xlsx.write_output(rows, a.out, money, sheet="Schedule")
            print(f"wrote {len(rows)} installments to {a.out}")
            return 0
        shown = rows.copy()
        for c in money:
            shown[c] = [fmt(int(v)) for v in shown[c]]
        shown["due_date"] = shown["due_date"].dt.strftime("%Y-%m-%d")
        print(shown.to_string(index=False))
        print(f"total {fmt(int(rows['amount'].sum()))} = principal {fmt(int(rows['principal'].sum()))}"
              f" + interest {fmt(int(rows['interest'].sum()))}")
        return 0
    s.set_defaults(fn=schedule)

    s = ps.add_parser("create", help="a plan for open invoices of one customer")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--customer", required=True, help=CUSTOMER_HELP)
    s.add_argument("--invoices", required=True, type=split_ids, metavar="ID,ID", help="the open invoices the plan pays")
    _schedule_opts(s)
    s.add_argument("--note", default="", help=NOTE_HELP)
    s.add_argument("--backdate", action="store_true",
                   help="accept a first installment before today (a plan agreed earlier)")

    def create(a):
        from ..actions import plan
        return act(a.workbook, plan.create_plan, a.customer, a.invoices, a.installments, a.first_due,
                   frequency=a.frequency, annual_rate=a.rate, interest=a.interest,
                   down_payment_cents=a.down_payment, holiday_country=a.holidays, note=a.note,
                   backdate=a.backdate)
    s.set_defaults(fn=create)

    s = ps.add_parser("update", help="apply payments to installments; mark late, missed and broken plans")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)

    def update(a):
        from ..actions import plan
        return act(a.workbook, plan.update_plans, a.as_of)
    s.set_defaults(fn=update)


def _promise(sub):
    p = sub.add_parser("promise", help="promises to pay: add, check")
    ps = p.add_subparsers(dest="promise_cmd", metavar="SUBCOMMAND", required=True)
    s = ps.add_parser("add", help="log a promise to pay")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--customer", required=True, help=CUSTOMER_HELP)
    s.add_argument("--amount", type=amount_arg, required=True, metavar="AMOUNT", help="the amount promised, e.g. 1234.56")
    s.add_argument("--date", type=date_arg, required=True, metavar="PROMISED_DATE",
                   help="the day the customer promised to pay (today or later)")
    s.add_argument("--invoices", type=split_ids, default=None, metavar="ID,ID",
                   help="the invoices the promise covers (default: the customer's open items)")
    s.add_argument("--currency", default=None, metavar="CCY",
                   help="the promise's currency (default: the invoices' currency, else the customer's one currency, else the base currency)")
    s.add_argument("--note", default="", help=NOTE_HELP)

    def add(a):
        from ..actions import promise
        return act(a.workbook, promise.log_promise, a.customer, a.amount, a.date, invoice_ids=a.invoices,
                   currency=a.currency, note=a.note)
    s.set_defaults(fn=add)

    s = ps.add_parser("check", help="mark promises kept, partly kept or broken")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)

    def check(a):
        from ..actions import promise
        return act(a.workbook, promise.check_promises, a.as_of)
    s.set_defaults(fn=check)


def _dispute(sub):
    p = sub.add_parser("dispute", help="the dispute log: add, status, short-pay, report")
    ps = p.add_subparsers(dest="dispute_cmd", metavar="SUBCOMMAND", required=True)
    s = ps.add_parser("add", help="log a dispute")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--customer", required=True, help=CUSTOMER_HELP)
    s.add_argument("--invoices", type=split_ids, required=True, metavar="ID,ID", help="the disputed invoices")
    s.add_argument("--reason", required=True,
                   help=f"the reason code, {one_of(DEFAULT_REASONS)} (the workbook's Config dispute_reasons may "
                        "define others)")
    s.add_argument("--amount", type=amount_arg, default=None, help="default: the invoices' open amount")
    s.add_argument("--owner", default=None,
                   help=f"the department that resolves it, {one_of(schema.DISPUTE_OWNERS)} (default: the reason's owner)")
    s.add_argument("--note", default="", help=NOTE_HELP)

    def add(a):
        from ..actions import dispute
        return act(a.workbook, dispute.add_dispute, a.customer, a.invoices, a.reason, amount_cents=a.amount,
                   owner=a.owner, note=a.note)
    s.set_defaults(fn=add)

    s = ps.add_parser("status", help="move a dispute along its workflow")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("dispute_id", help="the dispute's id, e.g. D-000012")
    s.add_argument("status", help=f"the new status, {one_of(schema.DISPUTE_STATUSES)} (quote it: \"resolved - paid\")")
    s.add_argument("--resolution", default=None, help="how it was resolved, in words")
    s.add_argument("--on", type=date_arg, default=None, metavar="DATE", help="the day it changed (default: today)")

    def status(a):
        from ..actions import dispute
        return act(a.workbook, dispute.set_dispute_status, a.dispute_id, a.status,
                   resolution=a.resolution, on=a.on)
    s.set_defaults(fn=status)

    s = ps.add_parser("short-pay", help="turn a short payment from cash application into a dispute")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--payment", required=True, metavar="ID", help="the payment's id in Payments")
    s.add_argument("--invoice", required=True, metavar="ID", help="the invoice it paid short")
    s.add_argument("--amount", type=amount_arg, default=None,
                   help="default: the short pay recorded on its applied Matches row (never more than that, "
                        "nor than what is open on the invoice)")

    def short(a):
        from ..actions import dispute
        return act(a.workbook, dispute.dispute_from_short_pay, a.payment, a.invoice, a.amount)
    s.set_defaults(fn=short)

    s = ps.add_parser("report", help="open disputes by reason, owner and age; average days to resolve")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)

    def report(a):
        from ..workbook import xlsx
        from ..actions import dispute
        rep = dispute.dispute_report(xlsx.load(a.workbook), a.as_of)
        for title, frame in (("by reason", rep.by_reason), ("by owner", rep.by_owner), ("by age", rep.by_age)):
            shown = frame.copy()
            if "amount_base" in shown:
                shown["amount_base"] = [fmt(int(v)) for v in shown["amount_base"]]
            print(f"Open disputes {title}\n{shown.to_string(index=False)}\n")
        avg = "n/a" if rep.avg_days_to_resolve is None else f"{rep.avg_days_to_resolve:.1f} days"
        print(f"{rep.open_count} open; {rep.resolved_count} resolved, average time to resolve {avg}")
        return 0
    s.set_defaults(fn=report)


def _contact(sub):
    s = sub.add_parser("contact", help="log a call, email, letter, portal message or meeting")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--customer", required=True, help=CUSTOMER_HELP)
    s.add_argument("--channel", required=True, choices=schema.CHANNELS, help=one_of(schema.CHANNELS))
    s.add_argument("--outcome", required=True, help="what came of it, in words, e.g. \"promised to pay Friday\"")
    s.add_argument("--next", type=date_arg, default=None, metavar="DATE", help="next action date")
    s.add_argument("--note", default="", help=NOTE_HELP)

    def cmd(a):
        from ..actions import activity
        return act(a.workbook, activity.log_activity, a.customer, a.channel, a.outcome,
                   next_action_date=a.next, note=a.note)
    s.set_defaults(fn=cmd)


def add_verbs(sub) -> None:
    """plan, promise, dispute, contact."""
    _plan(sub)
    _promise(sub)
    _dispute(sub)
    _contact(sub)

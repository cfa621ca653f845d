"""``ar-xl credits``: open credits and unapplied cash (the Credits table), and what to do with them.

``ar-xl credits WORKBOOK [--as-of DATE]`` rewrites the Credits table and prints it.  One of the options
``--allocate ID --to INV[:amount],...``, ``--reverse ID``, ``--refund ID [--amount A]``,
``--export-refunds FILE`` or ``--ask PAYMENT_ID [--out DIR]`` runs that action instead
(``actions.credits``; the ribbon's *Credits* and *Export refunds* buttons run the same).
"""
from __future__ import annotations

from .common import (AS_OF_HELP, FORCE_HELP, NOTE_HELP, WORKBOOK_HELP, amount_arg, date_arg, ids_arg,
                     run_on_workbook, warn)


def _with_files(workbook, make, force: bool = False):
    """Run ``make(book)`` on the workbook; its ``documents`` are written (each path checked) before the workbook
    is saved.  Returns the Change."""
    from ..workbook.documents import write_documents
    mine: set = set()

    def action(book):
        change = make(book)
        docs = getattr(change, "documents", [])
        write_documents([(p, b) for p, b in docs if p not in mine], [workbook], force=force, what="credits file")
        write_documents([(p, b) for p, b in docs if p in mine], [workbook], force=True, what="credits file")
        mine.update(p for p, _ in docs)
        return change
    action.__name__ = getattr(make, "__name__", "credits")
    return run_on_workbook(workbook, action)


def show(credits) -> str:
    """The Credits table as text: one line per credit."""
    from ..frames import blank
    from ..money import fmt
    if not len(credits):
        return "no credit notes and no unapplied cash"
    lines = []
    for r in credits.itertuples(index=False):
        held = f" (refunds hold {fmt(int(r.refunds))})" if int(r.refunds) else ""
        asked = "" if blank(r.remittance_asked) else f"\tremittance asked {r.remittance_asked:%Y-%m-%d}"
        lines.append(f"{r.customer_id}\t{r.kind}\t{r.source_id}\t{r.date:%Y-%m-%d}\t{int(r.age_days)} days\t"
                     f"{r.currency} {fmt(int(r.available))}{held}\tagainst: {r.open_invoices or '-'}{asked}")
    return "\n".join(lines)


def add_verbs(sub) -> None:
    """credits."""
    s = sub.add_parser("credits", help="open credit notes and unapplied cash: list, allocate to invoices, refund "
                                       "(SEPA pain.001), ask for remittance details")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)
    s.add_argument("--allocate", default=None, metavar="ID",
                   help="the credit note (invoice_id) or payment (payment_id) to set against invoices")
    s.add_argument("--to", default=None, metavar="INV[:AMOUNT],...",
                   help="with --allocate: the invoices, each with the amount it gets (default: its open amount, "
                        "as far as the credit goes)")
    s.add_argument("--reverse", default=None, metavar="ID",
                   help="reverse an allocation: its run id (the summary of --allocate names it) or match ids")
    s.add_argument("--refund", default=None, metavar="ID",
                   help="propose a refund of the credit note or payment to the customer's IBAN (Refunds table)")
    s.add_argument("--amount", type=amount_arg, default=None,
                   help="with --refund: the amount to refund (default: all the credit has available)")
    s.add_argument("--export-refunds", default=None, metavar="FILE",
                   help="write the proposed EUR refunds as a SEPA credit transfer (pain.001.001.03 XML) for the bank")
    s.add_argument("--refunds", default=None, metavar="RF-ID,RF-ID",
                   help="with --export-refunds: only these refunds (default: every proposed one)")
    s.add_argument("--execution-date", type=date_arg, default=None, metavar="DATE",
                   help="with --export-refunds: the day the bank is to pay (default: the as-of date)")
    s.add_argument("--ask", default=None, type=ids_arg, metavar="PAYMENT_ID[,PAYMENT_ID]",
                   help="write an e-mail draft (.eml) for each payment asking the customer which invoices it pays")
    s.add_argument("--out", default=".", metavar="DIR", help="with --ask: folder for the draft (default: here)")
    s.add_argument("--note", default="", help=NOTE_HELP)
    s.add_argument("--force", action="store_true", help=FORCE_HELP)

    def cmd(a):
        from ..actions import credits
        from ..errors import ArXlError
        chosen = [o for o in ("allocate", "reverse", "refund", "export_refunds", "ask") if getattr(a, o)]
        if len(chosen) > 1:
            raise ArXlError("credits: give one of --allocate, --reverse, --refund, --export-refunds, --ask")
        what = chosen[0] if chosen else ""
        if bool(a.to) != (what == "allocate"):
            raise ArXlError("credits: --allocate and --to go together")
        if a.amount is not None and what != "refund":
            raise ArXlError("credits: --amount goes with --refund")
        if (a.refunds or a.execution_date) and what != "export_refunds":
            raise ArXlError("credits: --refunds and --execution-date go with --export-refunds")
        if what == "allocate":
            change = run_on_workbook(a.workbook, credits.allocate, a.allocate, a.to, a.as_of, note=a.note)
        elif what == "reverse":
            change = run_on_workbook(a.workbook, credits.reverse, a.reverse, as_of=a.as_of)
        elif what == "refund":
            change = run_on_workbook(a.workbook, credits.propose_refund, a.refund, a.amount, a.as_of, note=a.note)
        elif what == "export_refunds":
            from .common import check_out
            check_out(a.export_refunds, [a.workbook], force=a.force, what="SEPA file")

            def export_refunds(book):
                return credits.export_refunds(book, a.export_refunds, a.refunds, a.as_of, a.execution_date)
            change = _with_files(a.workbook, export_refunds, force=a.force)
        elif what == "ask":
            def ask(book):
                return credits.ask(book, a.ask, a.out, a.as_of)
            change = _with_files(a.workbook, ask, force=a.force)
        else:
            change = run_on_workbook(a.workbook, credits.run, a.as_of)
            print(show(change.tables["Credits"]))
        print(change.summary)
        warn(change.warnings)
        return 0
    s.set_defaults(fn=cmd)

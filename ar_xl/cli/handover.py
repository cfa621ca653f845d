"""``ar-xl handover``: hand a customer's items over to a collection agency or lawyer (state ``in legal``: no
reminders, off the worklist) with a pack for them (a ZIP of the statement, the reminders, contacts and disputes),
or record what the agency reports back (``--record H-000001 --recovered AMOUNT [--costs AMOUNT]``).  The ribbon's
*Hand over* button runs the same action on the selected invoices."""
from __future__ import annotations

from pathlib import Path

from .common import (CUSTOMER_HELP, FORCE_HELP, NOTE_HELP, WORKBOOK_HELP, amount_arg, date_arg, ids_arg,
                     run_on_workbook, warn)


def make_handover(workbook, customer, to, invoices=None, on=None, out=None, note="", force=False):
    """Run the action on the workbook file: the pack is written (its path checked) before the workbook is saved,
    so a logged handover has its pack.  Returns the Change."""
    from ..actions import handover
    from ..workbook.documents import write_documents
    mine: set = set()
    home = Path(workbook).resolve().parent

    def action(book):
        change = handover.handover(book, customer, to, invoices, on, out, note=note, base_dir=home)
        write_documents(change.documents, [workbook], force=force or any(p in mine for p, _ in change.documents),
                        what="handover pack")
        mine.update(p for p, _ in change.documents)
        return change
    return run_on_workbook(workbook, action)


def add_verbs(sub) -> None:
    s = sub.add_parser("handover", help="hand items over to a collection agency or lawyer, or record their recoveries")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--customer", default=None, metavar="ID", help=CUSTOMER_HELP + " (whose items are handed over)")
    s.add_argument("--invoices", type=ids_arg, default=None, metavar="ID,ID",
                   help="only these invoices of the customer; default: every open invoice not yet handed over")
    s.add_argument("--to", default=None, metavar="NAME", help="the collection agency or lawyer the items go to")
    s.add_argument("--out", default=None, metavar="FILE.zip",
                   help="the handover pack (default: handover_<id>_<customer>_<date>.zip beside the workbook)")
    s.add_argument("--record", default=None, metavar="HANDOVER_ID",
                   help="record what the agency reported back on this handover (Handovers.handover_id) instead")
    s.add_argument("--recovered", type=amount_arg, default=0, metavar="AMOUNT",
                   help="with --record: the amount recovered; lowers the invoices' open amounts, oldest first")
    s.add_argument("--costs", type=amount_arg, default=0, metavar="AMOUNT",
                   help="with --record: the agency's or lawyer's costs (recorded on the handover)")
    s.add_argument("--payment", default=None, metavar="PAYMENT_ID",
                   help="with --record: the agency's bank transfer of the recovery (Payments.payment_id); it goes to "
                        "the handover, not to invoices")
    s.add_argument("--on", type=date_arg, default=None, metavar="DATE",
                   help="the day of the handover or of the report, e.g. 2026-12-01 (default: today)")
    s.add_argument("--note", default="", help=NOTE_HELP)
    s.add_argument("--force", action="store_true", help=FORCE_HELP)

    def cmd(a):
        from ..errors import ArXlError
        if a.record:
            if a.customer or a.invoices or a.to or a.out:
                raise ArXlError("--record goes without --customer, --invoices, --to and --out")
            from ..actions import handover
            change = run_on_workbook(a.workbook, handover.record, a.record, a.recovered, a.costs, a.on, note=a.note,
                                     payment_id=a.payment)
        else:
            if a.recovered or a.costs or a.payment:
                raise ArXlError("--recovered, --costs and --payment go with --record HANDOVER_ID")
            if not a.customer or not a.to:
                raise ArXlError("handover needs --customer ID and --to NAME (or --record HANDOVER_ID)")
            change = make_handover(a.workbook, a.customer, a.to, a.invoices, a.on, a.out, a.note, a.force)
        print(change.summary)
        warn(change.warnings)
        return 0
    s.set_defaults(fn=cmd)

"""``ar-xl customer WORKBOOK ID [--as-of DATE]``: the customer view, everything about one customer on the
CustomerView sheet (the ribbon's *Customer view* button runs the same action on the selected customer);
``--out FILE.xlsx`` writes the view to a file of its own and leaves the workbook as it is."""
from __future__ import annotations

from .common import AS_OF_HELP, FORCE_HELP, WORKBOOK_HELP, check_out, date_arg, warn


def _to_file(a) -> int:
    from pathlib import Path

    from ..actions import customer_view as action
    from ..workbook import customer_view_sheet as sheet
    from ..workbook import xlsx
    out = Path(a.out)
    if out.suffix.lower() != ".xlsx":
        from ..errors import ArXlError
        raise ArXlError(f"customer: {out.name}: --out must name an .xlsx file")
    check_out(out, [a.workbook], force=a.force, what="customer view")
    book = xlsx.load(a.workbook, action.TABLES)
    v = action.view(book, a.customer, a.as_of)
    written = sheet.write_file(v, out)
    print(f"customer view of {v.customer_id} {v.customer_name} as of {v.as_of:%Y-%m-%d} written to "
          f"{written.absolute()}; the workbook is unchanged")
    warn(book.warnings)
    return 0


def add_verbs(sub) -> None:
    s = sub.add_parser("customer", help="everything about one customer on the CustomerView sheet: master data, "
                                        "credit, open items, promises, plans, disputes, reminders, contacts, "
                                        "payments, 12 months' payment behaviour")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("customer", metavar="ID", help="the customer: its customer_id (or its exact name)")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE",
                   help=AS_OF_HELP + "; a day before today shows promises, plans, disputes, contacts and payments "
                                     "as they stood at its end")
    s.add_argument("--out", default=None, metavar="FILE.xlsx",
                   help="write the view to this new XLSX file instead; the workbook is not changed")
    s.add_argument("--force", action="store_true", help=FORCE_HELP + " (with --out)")

    def run(a):
        if a.out:
            return _to_file(a)
        from ..workbook.customer_view_sheet import write_workbook
        change = write_workbook(a.workbook, a.customer, a.as_of)
        print(change.summary)
        warn(change.warnings)
        return 0
    s.set_defaults(fn=run)

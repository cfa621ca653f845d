"""``ar-xl statement``: one customer's statement of account as a PDF or XLSX, logged in Activities (the
ribbon's *Statement* button runs the same action on the selected customer)."""
from __future__ import annotations

from .common import AS_OF_HELP, FORCE_HELP, WORKBOOK_HELP, date_arg, run_on_workbook, warn


def make_statement(workbook, customer, as_of=None, out=None, force=False):
    """Run the action on the workbook file: the statement is written (its path checked) before the workbook
    is saved, so a logged statement has its file.  Returns the Change."""
    from ..actions import statement
    from ..workbook.documents import write_documents
    mine: set = set()

    def action(book):
        change = statement.statement(book, customer, as_of, out)
        write_documents([(p, b) for p, b in change.documents], [workbook],
                        force=force or any(p in mine for p, _ in change.documents), what="statement")
        mine.update(p for p, _ in change.documents)
        return change
    return run_on_workbook(workbook, action)


def add_verbs(sub) -> None:
    s = sub.add_parser("statement", help="a customer's statement of account (PDF or XLSX) in their language")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--customer", required=True, metavar="ID", help="the customer (Customers.customer_id)")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)
    s.add_argument("--out", default=None, metavar="FILE",
                   help="FILE.pdf or FILE.xlsx (default: statement_<ID>_<date>.pdf here)")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)

    def run(a):
        change = make_statement(a.workbook, a.customer, a.as_of, a.out, a.force)
        print(change.summary)
        warn(change.warnings)
        return 0
    s.set_defaults(fn=run)

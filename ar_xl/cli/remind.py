"""``ar-xl remind``: reminder letters (PDF) and e-mail drafts (.eml) for the customers due, logged in the
workbook's Reminders and Activities tables (the ribbon's *Reminders* button runs the same action)."""
from __future__ import annotations

from .common import AS_OF_HELP, FORCE_HELP, WORKBOOK_HELP, date_arg, run_on_workbook, warn


def make_reminders(workbook, as_of=None, customers=None, level=None, out_dir=".", force=False):
    """Run the action on the workbook file: its files are written (each path checked) before the workbook
    is saved, so every logged reminder has its letter.  Returns the Change."""
    from ..actions import remind
    from ..workbook.documents import write_documents
    mine: set = set()

    def action(book):
        change = remind.remind(book, as_of, customers, level, out_dir)
        again = [(p, b) for p, b in change.documents if p in mine]  # a rerun after the file changed underneath
        fresh = [(p, b) for p, b in change.documents if p not in mine]
        write_documents(fresh, [workbook], force=force)
        write_documents(again, [workbook], force=True)
        mine.update(p for p, _ in change.documents)
        return change
    return run_on_workbook(workbook, action)


def add_verbs(sub) -> None:
    s = sub.add_parser("remind", help="reminder letters and e-mail drafts for the customers that are due")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)
    s.add_argument("--customer", action="append", default=None, metavar="ID",
                   help="only this customer (repeat for more, or ID,ID)")
    s.add_argument("--level", type=int, default=None, metavar="N", help="only reminders of level N")
    s.add_argument("--out", default=".", metavar="DIR", help="folder for the PDFs and .eml drafts (default: here)")
    s.add_argument("--dry-run", action="store_true", help="show what would be made; write nothing")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)

    def run(a):
        customers = [c.strip() for part in (a.customer or []) for c in part.split(",") if c.strip()] or None
        if a.dry_run:
            from ..actions import remind
            from ..money import fmt
            from ..workbook import xlsx
            change = remind.remind(xlsx.load(a.workbook), a.as_of, customers, a.level, a.out, dry_run=True)
            for lt in change.plan.letters:
                print(f"{lt.customer_id}\tlevel {lt.level.number} ({lt.level.tone})\t{lt.language}\t"
                      f"{lt.currency} {fmt(lt.total)}\t{'; '.join(lt.items['invoice_id'])}\t{lt.email or '(no e-mail)'}")
            for cust, inv, why in change.plan.skipped:
                print(f"not reminded\t{cust}\t{inv}\t{why}")
            print(change.summary)
            warn(change.warnings)
            return 0
        change = make_reminders(a.workbook, a.as_of, customers, a.level, a.out, a.force)
        print(change.summary)
        warn(change.warnings)
        return 0
    s.set_defaults(fn=run)

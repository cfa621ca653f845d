"""ar-xl writeoff: propose write-offs, apply the approvers' decisions, report what was written off.

``ar-xl writeoff WORKBOOK --invoices ID,ID --reason TEXT [--amount AMOUNT] [--again]`` runs the same action as the
ribbon's *Write off* button (``actions.writeoff.run``); without ``--invoices`` it only applies the
Confirm/Reject typed in WriteOffs.  ``--report [--month YYYY-MM] [--out FILE]`` lists every write-off
that took effect, the differences cash application wrote off included.
"""
from __future__ import annotations

from .common import FORCE_HELP, NOTE_HELP, WORKBOOK_HELP, act, amount_arg, check_out, ids_arg, warn


def add_verbs(sub) -> None:
    """writeoff."""
    s = sub.add_parser("writeoff", help="write-offs: propose, approve (Confirm/Reject in WriteOffs), report")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--invoices", type=ids_arg, default=None, metavar="ID,ID", help="the invoices to write off")
    s.add_argument("--amount", type=amount_arg, default=None,
                   help="a partial write-off of one invoice; default: each invoice's open amount")
    s.add_argument("--reason", default="", help="why (required with --invoices)")
    s.add_argument("--again", action="store_true",
                   help="a second write-off of the same amount on the invoice is meant (else refused as a repeat)")
    s.add_argument("--note", default="", help=NOTE_HELP)
    s.add_argument("--journal-dir", default="ar-xl-journal", metavar="FOLDER",
                   help="where the ERP journal (CSV) of booked write-offs goes; relative to the workbook's folder")
    s.add_argument("--report", action="store_true", help="list what was written off instead (nothing is changed)")
    s.add_argument("--month", default=None, metavar="YYYY-MM", help="with --report: one month only")
    s.add_argument("--out", default=None, metavar="FILE", help="with --report: write it as .csv, .xlsx or .json")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)

    def cmd(a):
        if a.report:
            return _report(a)
        from ..errors import ArXlError
        if a.month or a.out:
            raise ArXlError("--month and --out go with --report")
        if not a.invoices and (a.amount is not None or a.reason or a.note or a.again):
            raise ArXlError("--amount, --reason, --note and --again go with --invoices (the invoices to write off)")
        from ..actions import writeoff
        return act(a.workbook, writeoff.run, a.invoices, a.amount, a.reason, journal_dir=a.journal_dir, note=a.note,
                   again=a.again)
    s.set_defaults(fn=cmd)


def _report(a) -> int:
    from ..actions import writeoff
    from ..money import fmt
    from ..workbook import xlsx
    if a.out:
        check_out(a.out, [a.workbook], force=a.force)
    book = xlsx.load(a.workbook)
    rep = writeoff.report(book, a.month)
    if a.out:
        xlsx.write_output(rep, a.out, ["amount", "amount_base"], ["date"], sheet="WriteOffs")
        print(f"wrote {len(rep)} write-off(s) to {a.out}")
    else:
        shown = rep.copy()
        shown["date"] = shown["date"].dt.strftime("%Y-%m-%d")
        for c in ("amount", "amount_base"):
            shown[c] = [fmt(int(v)) for v in shown[c]]
        print(shown.to_string(index=False) if len(shown) else "no write-offs")
    cur = book.config.base_currency
    by_source = rep.groupby("source")["amount_base"].sum() if len(rep) else {}
    parts = [f"{s} {cur} {fmt(int(v))}" for s, v in dict(by_source).items()]
    print(f"{len(rep)} write-off(s){' in ' + a.month if a.month else ''}: {cur} {fmt(int(rep['amount_base'].sum()))}"
          + (f" ({'; '.join(parts)})" if parts else ""))
    warn(book.warnings)
    return 0

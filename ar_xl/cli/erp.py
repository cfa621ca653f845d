"""``ar-xl sync``: load the ERP's open items (and customers) into a workbook."""
from __future__ import annotations

from .common import WORKBOOK_HELP, date_arg
from ..errors import ArXlError


def _mapping(pairs) -> dict[str, str]:
    out = {}
    for kv in pairs or []:
        if "=" not in kv or not kv.split("=", 1)[0].strip() or not kv.split("=", 1)[1].strip():
            raise ArXlError(f"--map {kv}: write COLUMN=HEADER, e.g. --map due_date=Zahlungsziel")
        k, v = kv.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def cmd_sync(a) -> int:
    from ..actions import sync
    from ..workbook import xlsx
    book = xlsx.load(a.workbook)
    change = sync.run(book, a.invoices, a.customers, as_of=a.as_of, mapping=_mapping(a.map), full=not a.partial)
    if a.dry_run:
        print("dry run: nothing was written\n" + change.summary)
        return 0
    xlsx.save(book, change)
    print(change.summary)
    return 0


def add_verbs(sub) -> None:
    """sync."""
    s = sub.add_parser("sync", help="load the ERP's open-items (and customers) export into the workbook")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--invoices", required=True, metavar="FILE", help="open-items export, CSV or XLSX")
    s.add_argument("--customers", metavar="FILE", help="customer master export, CSV or XLSX")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE",
                   help="date of the export (default today); invoices dated later are not closed")
    s.add_argument("--map", action="append", metavar="COLUMN=HEADER",
                   help="name a column by hand, e.g. --map due_date=Zahlungsziel; customers.COLUMN=HEADER for "
                        "the customers file")
    s.add_argument("--partial", action="store_true",
                   help="the export holds only some items: close nothing that is missing from it")
    s.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    s.set_defaults(fn=cmd_sync)

"""``ar-xl sync``: load the ERP's open items (and customers) into a workbook."""
from __future__ import annotations

from .common import WORKBOOK_HELP, date_arg, run_on_workbook, warn
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
    """The sync holds the workbook's lock for its read-compute-write, as every action does; a dry run only reads."""
    from ..actions import sync
    mapping = _mapping(a.map)

    def load_open_items(book):
        return sync.run(book, a.invoices, a.customers, as_of=a.as_of, mapping=mapping, full=not a.partial)
    if a.dry_run:
        from ..workbook import xlsx
        change = load_open_items(xlsx.load(a.workbook))
        print("dry run: nothing was written\n" + change.summary)
        return 0
    change = run_on_workbook(a.workbook, load_open_items)
    print(change.summary)
    warn(change.warnings)
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

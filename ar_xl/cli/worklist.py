"""``ar-xl worklist``: the customers to act on today, ranked, each with its reason."""
from __future__ import annotations

from .common import AS_OF_HELP, FORCE_HELP, WORKBOOK_HELP, act, check_out, date_arg


def cmd_worklist(a) -> int:
    """Without ``--out`` the Worklist table of the workbook is rewritten; with ``--out`` the list goes to
    that file (.xlsx, .csv or .json, the rules of ``workbook.outputs``) and the workbook is left as it is."""
    from ..actions import worklist
    if not a.out:
        return act(a.workbook, worklist.run, a.as_of, a.collector)
    from ..engine.worklist import MONEY
    from ..workbook import xlsx
    check_out(a.out, [a.workbook], force=a.force)
    book = xlsx.load(a.workbook, worklist.TABLES)
    change = worklist.run(book, a.as_of, a.collector)
    xlsx.write_output(change.tables["Worklist"], a.out, MONEY, sheet="Worklist")
    print(change.summary)
    print(f"wrote {len(change.tables['Worklist'])} rows to {a.out}")
    return 0


def add_verbs(sub) -> None:
    """worklist."""
    s = sub.add_parser("worklist", help="rank the customers to act on today, each with its reason and next step")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("--collector", default=None, metavar="NAME", help="only this collector's customers")
    s.add_argument("--as-of", type=date_arg, default=None, metavar="DATE", help=AS_OF_HELP)
    s.add_argument("--out", default=None, metavar="FILE",
                   help=".xlsx, .csv or .json; the workbook is not changed (default: rewrite its Worklist table)")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)
    s.set_defaults(fn=cmd_worklist)

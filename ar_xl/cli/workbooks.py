"""``ar-xl workbooks build``: the workbooks a team starts from (the repository's ``workbooks/`` folder)."""
from __future__ import annotations


def cmd_build(a) -> int:
    from ..excel import workbooks
    for path in workbooks.build(a.out):
        print(f"wrote {path}")
    return 0


def add_verbs(sub) -> None:
    """workbooks."""
    s = sub.add_parser("workbooks", help="write the starting workbooks: collections.xlsx and analyst.xlsm")
    verbs = s.add_subparsers(dest="workbooks_command", metavar="build")
    s.set_defaults(fn=lambda a: (s.print_help(), 1)[1])
    b = verbs.add_parser("build", help="write workbooks/collections.xlsx (as `ar-xl init`) and workbooks/analyst.xlsm "
                                       "(the AR_* functions ready to type, no Import Functions)")
    b.add_argument("--out", default=None, metavar="DIR", help="the folder to write them to (default ./workbooks)")
    b.set_defaults(fn=cmd_build)

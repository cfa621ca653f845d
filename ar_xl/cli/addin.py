"""``ar-xl addin build|install|uninstall``: the Excel add-in with the Collections ribbon tab."""
from __future__ import annotations

from .common import FORCE_HELP, check_out


def _addin(sub):
    def cmd_build(a):
        from ..excel import macros, xlam
        out = xlam.build(check_out(a.out or xlam.default_out(), force=a.force, what="add-in"))
        missing = sorted(set(macros.ENTRY_POINTS) - macros.available())
        print(f"built {out}")
        if missing:
            print(f"disabled button(s), their action is not in this installation: {', '.join(missing)}")
        return 0

    def cmd_install(a):
        from ..excel import xlam
        target = xlam.install(a.file, a.dir)
        print(xlam.next_steps(target))
        return 0

    def cmd_uninstall(a):
        from ..excel import xlam
        removed = xlam.uninstall(a.dir)
        print(f"removed {removed}; restart Excel to drop the Collections tab" if removed
              else f"{xlam.ADDIN_NAME} was not installed there; nothing to remove")
        return 0

    s = sub.add_parser("addin", help="build or install the Excel add-in (the Collections ribbon tab)")
    verbs = s.add_subparsers(dest="addin_command", metavar="build|install|uninstall")
    s.set_defaults(fn=lambda a: (s.print_help(), 1)[1])

    b = verbs.add_parser("build", help="write ar_xl.xlam from ar_xl/excel/addin (ribbon XML and VBA source)")
    b.add_argument("--out", default=None, metavar="PATH", help="where to write it (default ./ar_xl.xlam)")
    b.add_argument("--force", action="store_true", help=FORCE_HELP)
    b.set_defaults(fn=cmd_build)

    i = verbs.add_parser("install", help="copy ar_xl.xlam into Excel's startup folder (XLSTART)")
    i.add_argument("--file", default=None, metavar="PATH", help="the built add-in (default ./ar_xl.xlam, built if missing)")
    i.add_argument("--dir", default=None, metavar="DIR", help="install into DIR instead of Excel's XLSTART")
    i.set_defaults(fn=cmd_install)

    u = verbs.add_parser("uninstall", help="remove ar_xl.xlam from Excel's startup folder")
    u.add_argument("--dir", default=None, metavar="DIR", help="remove it from DIR instead of Excel's XLSTART")
    u.set_defaults(fn=cmd_uninstall)


def add_verbs(sub) -> None:
    """addin."""
    _addin(sub)

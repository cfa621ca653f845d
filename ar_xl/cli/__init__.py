"""The ``ar-xl`` command: one parser built from the verb modules.

Each verb module (``basics``, ``cash``, ``erp``, ``dashboard``, ``workflow``, ``worklist``, ``credit``, ``remind``,
``statement``, ``interest``, ``addin``, ``workbooks``) adds its
sub-commands through ``add_verbs(sub)`` and imports only ``cli.common``; this module is the one
place that knows them all.  Errors a user can act on are printed without a traceback and exit
with status 2.
"""
from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import ArXlError
from . import addin, basics, cash, credit, dashboard, erp, interest, remind, statement, workbooks, workflow, worklist

VERB_MODULES = (basics, cash, erp, dashboard, workflow, worklist, credit, remind, statement, interest, addin, workbooks)
"""In the order ``ar-xl --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ar-xl", description="Accounts-receivable collections in the shared Excel workbook.")
    p.add_argument("--version", action="version", version=f"ar-xl {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for module in VERB_MODULES:
        module.add_verbs(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    if not getattr(a, "fn", None):
        parser.print_help()
        return 1
    try:
        return a.fn(a) or 0
    except (ArXlError, ValueError) as e:  # engine rules refuse bad parameters with ValueError
        print(f"ar-xl: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

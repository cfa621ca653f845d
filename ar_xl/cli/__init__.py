"""The ``ar-xl`` command: one parser built from the verb modules.

Each verb module (``basics``, ``cash``, ``erp``, ``dashboard``, ``forecast``, ``workflow``, ``writeoff``,
``worklist``, ``credit``, ``remind``, ``statement``, ``interest``, ``addin``, ``workbooks``) adds its
sub-commands through ``add_verbs(sub)`` and imports only ``cli.common``; this module is the one
place that knows them all.  Errors a user can act on are printed without a traceback and exit
with status 2.  When the reader of the output goes away (``ar-xl age ... | head``), the command stops
quietly with status 141, as a Unix tool killed by SIGPIPE does.
"""
from __future__ import annotations

import argparse
import os
import sys

from .. import __version__, progress
from ..errors import ArXlError
from . import (addin, basics, cash, credit, dashboard, erp, forecast, interest, remind, statement, workbooks, workflow,
               worklist, writeoff)

VERB_MODULES = (basics, cash, erp, dashboard, forecast, workflow, writeoff, worklist, credit, remind, statement, interest,
                addin, workbooks)
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
        with progress.on_terminal():
            status = a.fn(a) or 0
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return status
    except (ArXlError, ValueError) as e:  # engine rules refuse bad parameters with ValueError
        print(f"ar-xl: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 141


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that Python's flush at exit finds no closed pipe to complain of."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture): nothing to quiet
        pass

"""What every verb module of the command line shares.

Each verb that changes a workbook loads it into a ``Book``, runs the same
action function a ribbon button runs, and saves the ``Change`` once
(``run_on_workbook``).  This module imports nothing of the verb modules.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Callable


def date_arg(text: str) -> dt.date:
    from ..dates import parse_date
    try:
        return parse_date(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def run_on_workbook(path: str | Path, action: Callable, *args, **kwargs):
    """Load the workbook, run ``action(book, ...)`` and write its Change once; returns the Change
    (its ``warnings`` include those about the workbook's rows, whichever action ran).

    The read-compute-write holds the workbook's lock and is run again from the read when the
    file changed underneath (``filesafe.cycle``).  A Change that booked write-offs has its ERP journal
    written first (``workbook.journal``)."""
    from ..workbook import filesafe, journal, xlsx

    def once():
        book = xlsx.load(path)
        read = book.warnings  # about the rows as read (saving puts the new bodies in the book)
        change = action(book, *args, **kwargs)
        written = journal.write(change, Path(path).resolve().parent)
        try:
            xlsx.save(book, change)
        except BaseException:  # not saved (the file changed underneath: run again): no journal of it
            journal.withdraw(written)
            raise
        change.warnings = list(dict.fromkeys([*read, *change.warnings]))
        return change
    return filesafe.cycle(path, once)


def act(path: str | Path, action: Callable, *args, **kwargs) -> int:
    """``run_on_workbook`` for a verb: print the action's one-line summary and its warnings; exit status 0."""
    change = run_on_workbook(path, action, *args, **kwargs)
    print(change.summary)
    warn(change.warnings)
    return 0


def check_out(path, inputs=(), force: bool = False, what: str = "output"):
    """The one rule for every file a verb writes new (``workbook.outputs.check_new_file``)."""
    from ..workbook.outputs import check_new_file
    return check_new_file(path, inputs, force=force, what=what)


FORCE_HELP = "replace an existing file (never a collections workbook, never an input)"


def warn(lines) -> None:
    """Print warnings to stderr, one a line, after the result (which goes to stdout)."""
    import sys
    for line in lines:
        print(f"ar-xl: warning: {line}", file=sys.stderr)


def config_for(path: str):
    """The Config of a collections workbook given as input; defaults otherwise."""
    from .. import config as config_mod
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from ..workbook import xlsx
        wb = xlsx._open(p)
        ws, tbl = xlsx._find_table(wb, "Config")
        if tbl is not None:
            from .. import frames
            raw, first = xlsx.read_table_frame(ws, tbl)
            rows = frames.coerce(raw, "Config", f"{p.name} sheet {ws.title}", first_row=first)
            return config_mod.from_rows(rows, f"{p.name} sheet {ws.title}")
    return config_mod.Config()

"""What every verb module of the command line shares.

Each verb that changes a workbook loads it into a ``Book``, runs the same
action function a ribbon button runs, and saves the ``Change`` once
(``run_on_workbook``).  This module imports nothing of the verb modules.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path
from typing import Callable


_RELATIVE = re.compile(r"^\s*today\s*(?:([+-])\s*(\d{1,5})\s*d?)?\s*$", re.I)


def date_arg(text: str) -> dt.date:
    """A date as typed: ``2026-12-01``, ``01.12.2026`` (day first), or relative to today (``ar_xl.clock``):
    ``today``, ``today+30``, ``today-7`` (days)."""
    from ..dates import parse_date
    m = _RELATIVE.match(str(text))
    if m:
        from .. import clock
        days = int(m.group(2) or 0) * (-1 if m.group(1) == "-" else 1)
        return clock.today() + dt.timedelta(days=days)
    try:
        return parse_date(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{e}, or today, today+N, today-N") from None


def amount_arg(text: str) -> int:
    """An amount as typed (``1234.56``, ``1.234,56``, ``500,00``) in exact cents."""
    from ..money import parse_amount
    try:
        return parse_amount(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def ids_arg(text: str) -> list[str]:
    """``ID,ID`` (or ``;``-separated) as a list of ids."""
    from ..engine.disputes import split_ids
    return split_ids(text)


def run_on_workbook(path: str | Path, action: Callable, *args, **kwargs):
    """Load the workbook, run ``action(book, ...)`` and write its Change once; returns the Change
    (its ``warnings`` include those about the workbook's rows, whichever action ran).

    The read-compute-write holds the workbook's lock and is run again from the read when the
    file changed underneath (``filesafe.cycle``).  A Change that booked write-offs has its ERP journal
    written first, and one that archives Audit rows their file (``workbook.side_files``)."""
    from .. import progress
    from ..workbook import filesafe, side_files, xlsx
    name = Path(path).name
    doing = _doing(action)

    def once():
        with progress.task(f"reading {name}"):
            book = xlsx.load(path)
        read = book.warnings  # about the rows as read (saving puts the new bodies in the book)
        with progress.task(doing):
            change = action(book, *args, **kwargs)
        # not saved (the file changed underneath: run again): its journal and archive file are removed again
        with side_files.written_first(change, path, Path(path).resolve().parent):
            with progress.task(f"saving {name}"):
                xlsx.save(book, change)
        change.warnings = list(dict.fromkeys([*read, *change.warnings]))
        return change
    return filesafe.cycle(path, once)


def _doing(action: Callable) -> str:
    """What the progress display calls the action: its function's name, or its module's for a plain ``run``."""
    name = getattr(action, "__name__", "") or "working"
    if name in ("run", "once", "<lambda>", "action"):
        name = str(getattr(action, "__module__", "") or "working").rsplit(".", 1)[-1]
    return name.replace("_", " ")


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
WORKBOOK_HELP = "the collections workbook (.xlsx or .xlsm); it is locked while the command runs"
AS_OF_HELP = "the day to count from, e.g. 2026-12-01, 01.12.2026 or today-7 (default: today)"
CUSTOMER_HELP = "the customer's id, as in the Customers table's customer_id column"
NOTE_HELP = "free text kept in the row's note column"


def one_of(values) -> str:
    """``one of: a, b, c``: the allowed values for a help text, listed from the schema or Config."""
    return "one of: " + ", ".join(str(v) for v in values)


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

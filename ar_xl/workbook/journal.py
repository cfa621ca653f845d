"""The ERP journal file of the write-offs an action booked (``actions.writeoff``).

A ``Change`` that booked write-offs carries ``journal`` (the lines: date, invoice, customer, amount,
currency, reason, approver) and ``journal_path`` (recorded in WriteOffs.journal).  ``write`` puts
the lines in that CSV file (UTF-8, comma-separated, one header row) before the workbook is saved,
so a workbook never names a journal that is not there (``side_files.written_first``, which also removes it
when the save fails).  A relative path is taken from ``folder``, the workbook's folder (``ar-xl-journal/``
beside it by default).  Text cells never run as formulas (``csv_safe``: a reason typed as ``=1+1`` is written
``'=1+1``); an existing file is never replaced.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ArXlError
from . import csv_safe


def path_of(change, folder: str | Path | None) -> Path | None:
    """Where ``change``'s journal goes, or None when it booked nothing."""
    name = getattr(change, "journal_path", "")
    lines = getattr(change, "journal", None)
    if not name or lines is None or not len(lines):
        return None
    p = Path(name)
    if not p.is_absolute() and folder is not None:
        p = Path(folder).resolve() / p
    return p


def write(change, folder: str | Path | None) -> Path | None:
    """Write ``change``'s journal (see the module docstring); returns its path, None when nothing was booked."""
    p = path_of(change, folder)
    if p is None:
        return None
    if p.exists():
        raise ArXlError(f"the write-off journal {p} exists already; nothing was changed")
    p.parent.mkdir(parents=True, exist_ok=True)
    csv_safe.frame(change.journal, numeric=["amount"]).to_csv(p, index=False, encoding="utf-8")
    return p


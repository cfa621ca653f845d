"""*Archive Audit* (``ar-xl audit-archive WORKBOOK [--keep N]``): the oldest Audit rows move to CSV files
beside the workbook (``workbook.audit_files``), so the workbook stays quick to read and below Excel's row
limit; nothing is deleted.

Which rows move is ``engine.audit_archive.split``'s rule: the workbook keeps ``keep`` rows (``KEEP``), the
rows the product reads back as state, then the newest others.  A row already in the archive (a run that wrote
its file, then could not save the workbook) is not written again, but leaves the workbook all the same.  The
action logs one Audit row with the rows moved; a workbook with nothing to move keeps every byte.
"""
from __future__ import annotations

from ..book import Book, Change
from ..engine import audit_archive
from ..errors import ArXlError

KEEP = 100_000
"""Audit rows the workbook keeps by default (the newest)."""
TABLES = ["Audit"]
"""What the action reads (Config is always read)."""


def run(book: Book, keep: int = KEEP) -> Change:
    """Move the oldest Audit rows to the archive (a row the archive holds already, ``Book.archived``, written by
    an interrupted run, is not written twice)."""
    if keep < 0:
        raise ArXlError(f"{book.source}: the Audit rows to keep must be 0 or more, not {keep}; nothing was changed")
    audit = book.get("Audit")
    state = audit_archive.state_rows(audit)
    change = Change("audit-archive")
    if not len(audit_archive.split(audit, keep, state)[1]):
        change.summary = f"Audit holds {len(audit):,} rows, no more than the {keep:,} it keeps: nothing to archive"
        return change
    stays, leaves = audit_archive.split(audit, max(keep - 1, 0), state)  # and this run's own row makes ``keep``
    moving = audit.iloc[leaves].reset_index(drop=True)
    archived = book.archived() if book.archived is not None else None
    change.archive = moving[audit_archive.unseen(moving, archived)].reset_index(drop=True) if archived is not None \
        else moving
    change.tables["Audit"] = audit.iloc[stays].reset_index(drop=True)
    first, last = moving["timestamp"].min(), moving["timestamp"].max()
    span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first == first and last == last else "undated rows"
    change.log(book.user, "Audit", "*", "archived", len(audit), len(stays) + 1,
               rule=f"{len(moving)} rows of {span} moved to the archive")
    change.summary = (f"archived {len(moving):,} Audit rows ({span}); the workbook keeps {len(stays) + 1:,}"
                      + (f" ({len(moving) - len(change.archive):,} were in the archive already)"
                         if len(change.archive) < len(moving) else ""))
    return change

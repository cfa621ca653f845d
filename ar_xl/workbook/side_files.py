"""The files a ``Change`` puts beside the workbook before the workbook is saved: the ERP journal of the
write-offs it booked (``journal``) and the Audit rows it moves out (``audit_files``).  Each is complete before
the save starts and is removed again when the save fails, so it exists exactly when the workbook holds what it
says (a journal the ERP would book, rows the workbook no longer has).  Both shells save through
``written_first``: the file commands (``cli.common.run_on_workbook``) and the ribbon (``excel.macros.run``).
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from ..errors import ArXlError
from . import audit_files, journal


@contextmanager
def written_first(change, workbook: str | Path | None, journal_folder: str | Path | None):
    """Write ``change``'s journal (into ``journal_folder``) and archive (beside ``workbook``, the workbook's file:
    None when it has none yet, which refuses an archive before anything is written); run the save in the
    ``with`` block; when it fails, remove them again."""
    if change.archive is not None and workbook is None:
        raise ArXlError("The workbook has no file yet: save it first (the Audit archive is kept beside it). "
                        "Nothing was changed.")
    written = [journal.write(change, journal_folder)]
    try:
        if change.archive is not None:
            written.append(audit_files.write(workbook, change.archive))
        yield
    except BaseException:  # not saved: no journal the ERP would book, and the rows are still the workbook's
        for p in written:
            if p is not None:
                p.unlink(missing_ok=True)
        raise

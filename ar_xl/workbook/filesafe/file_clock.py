"""The age of a file beside the workbook, on the clock that stamped it.

Lock and temporary files are aged by their modification time.  That time comes from the clock of
the file system holding them: a network share's server, which may differ from this machine's, and
never a clock a test or tool moved (faketime).  So the age is measured against the modification
time of a probe file written in the same folder just now; where nothing can be written there, this
machine's clock stands in.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def folder_now(folder: str | Path) -> float:
    """The file system's present time in ``folder`` (seconds since the epoch)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".ar-xl-clock-", dir=folder)
    except OSError:
        return time.time()
    try:
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)
        try:
            os.unlink(probe)
        except OSError:
            pass


def age(path: str | Path, mtime: float) -> float:
    """Seconds since ``mtime`` (a stat of ``path``), on the clock of ``path``'s file system."""
    return folder_now(Path(path).parent) - mtime

"""Read-only workbooks and folders are refused by their permission bits, not by trying (root may write
anyway); any other refusal of the operating system becomes a clear ``ReadOnly`` error, never a traceback."""
from __future__ import annotations

import os
from pathlib import Path

from ...errors import ArXlError
from .paths import target


class ReadOnly(ArXlError):
    """The workbook or its folder may not be written."""



def check_writable(path: str | Path) -> None:
    """Refuse a read-only workbook or folder by their permission bits (root could write anyway)."""
    path = Path(path)
    real = target(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and not st.st_mode & 0o222:
        raise ReadOnly(f"{path}: the workbook is marked read-only; nothing was changed "
                       f"(clear its read-only attribute, e.g. chmod u+w, if it should be changed)")
    folder = real.parent
    try:
        fst = os.stat(folder)
    except FileNotFoundError:
        raise ReadOnly(f"{path}: the folder {folder} does not exist") from None
    if not fst.st_mode & 0o222:
        raise ReadOnly(f"{path}: the folder {folder} is read-only, so the workbook cannot be saved "
                       f"there; nothing was changed")


def _os_refusal(path: Path, e: OSError, doing: str) -> ArXlError:
    """A clear error for an operating-system refusal (permissions, full disk, share gone)."""
    reason = e.strerror or str(e)
    if isinstance(e, PermissionError):
        reason = "permission denied (a read-only folder or file, or open in another program?)"
    return ReadOnly(f"{path}: cannot {doing}: {reason}; nothing was changed")

"""Temporary files of saves (``.~ar-xl-<pid>@<host>-….xlsx``, in the workbook's folder): those of killed
saves are removed at the next write in that folder, when their process of this machine is gone or
they are older than ``TEMP_STALE_AFTER``."""
from __future__ import annotations

import contextlib
import os
import re
import uuid
from pathlib import Path

from .file_clock import folder_now
from .process import _host, _pid_alive, _safe

TEMP_STALE_AFTER = 10 * 60.0
"""A temporary file of another machine's save older than this is left over from a killed save."""
TEMP_PREFIX = ".~ar-xl-"


_TEMP_NAME = re.compile(r"^\.~ar-xl-(\d+)@([A-Za-z0-9_-]*)-")


def _temp_name(suffix: str) -> str:
    return f"{TEMP_PREFIX}{os.getpid()}@{_safe(_host())}-{uuid.uuid4().hex[:8]}{suffix}"


def clean_temp_files(folder: str | Path) -> list[str]:
    """Remove the temporary files of killed saves in ``folder``: this machine's whose process is
    gone, and any older than ``TEMP_STALE_AFTER``.  Returns the names removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = folder_now(folder)
    for e in entries:
        if not e.name.startswith(TEMP_PREFIX):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        m = _TEMP_NAME.match(e.name)
        if now - st.st_mtime > TEMP_STALE_AFTER:
            stale = True
        elif m and m.group(2) == _safe(_host()):
            stale = int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1)))
        else:
            stale = False
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(e.path)
                removed.append(e.name)
    return removed


"""Files an action hands back to be written beside the workbook (reminder PDFs and e-mail drafts).

Every path is checked first by the one output rule (``outputs.check_new_file``: never the workbook,
never a folder, never an existing file without ``force``); only when all pass is anything written, each
file atomically (a temporary file then a rename), so a refusal leaves no half-written set.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .outputs import check_new_file


def write_documents(documents, inputs=(), force: bool = False, what: str = "reminder file") -> list[Path]:
    """Write ``(path, bytes)`` pairs after checking them all; returns the paths written."""
    paths = [check_new_file(p, inputs, force=force, what=what) for p, _ in documents]
    written = []
    for path, (_, data) in zip(paths, documents):
        fd, tmp = tempfile.mkstemp(prefix=".ar-xl-", dir=path.absolute().parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        written.append(path)
    return written

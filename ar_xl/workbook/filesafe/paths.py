"""The file a write replaces: the end of the workbook path's symbolic links (a link is written
through, never replaced by a file)."""
from __future__ import annotations

import os
from pathlib import Path


def target(path: str | Path) -> Path:
    """The file a write to ``path`` must replace: the end of its symbolic links."""
    return Path(os.path.realpath(path))


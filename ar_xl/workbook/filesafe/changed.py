"""Still the file that was read: a workbook's fingerprint (size, modification time, SHA-256) is taken
before reading and compared just before writing; different bytes raise ``Changed`` (a file only
touched, same bytes, does not)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ...errors import ArXlError


class Changed(ArXlError):
    """The workbook changed on disk between reading and writing; nothing was written."""



@dataclass(frozen=True)
class Fingerprint:
    """What a workbook file was when read: its size, modification time and SHA-256."""
    size: int
    mtime_ns: int
    sha256: str

    def same_content(self, other: "Fingerprint") -> bool:
        return self.size == other.size and self.sha256 == other.sha256


def fingerprint(path: str | Path) -> Fingerprint | None:
    """The file's fingerprint; ``None`` when it does not exist."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            h = hashlib.sha256()
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except FileNotFoundError:
        return None
    return Fingerprint(st.st_size, st.st_mtime_ns, h.hexdigest())


def read_bytes(path: str | Path) -> tuple[bytes, Fingerprint]:
    """The file's bytes and their fingerprint, from one read (what is read is what is fingerprinted)."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        data = f.read()
    return data, Fingerprint(len(data), st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def check_unchanged(path: str | Path, expected: Fingerprint | None) -> None:
    """Raise ``Changed`` when the file is no longer the one read (``expected``): its size or its
    SHA-256 differ.  A file only touched (same bytes, new modification time) loses nothing by being
    replaced, so its time alone does not stop the save."""
    if expected is None:
        return
    now = fingerprint(path)
    if now is None or not now.same_content(expected):
        raise Changed(f"{Path(path)}: the workbook was changed by another program while this action ran; "
                      f"nothing was written")

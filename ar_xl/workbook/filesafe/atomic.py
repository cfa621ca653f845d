"""The atomic save: new content goes to a temporary file in the workbook's folder, is flushed and
``fsync``-ed, then ``os.replace``-d over the workbook (the folder ``fsync``-ed too), under the lock and
after the owner-file, read-only and still-the-same-file checks; a kill at any moment leaves the old
workbook or the new one, never a mix."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Callable

from .backup import DEFAULT_BACKUPS, _backup
from .changed import Fingerprint, check_unchanged, fingerprint
from .lock import locked
from .owners import refuse_if_open
from .paths import target
from .readonly import _os_refusal, check_writable
from .temp import _temp_name, clean_temp_files


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)



def atomic_write(path: str | Path, write: Callable[[str], None], expected: Fingerprint | None = None,
                 keep: int = DEFAULT_BACKUPS, backup: bool = True) -> Fingerprint:
    """Write the file at ``path`` through ``write(temp_name)`` and put it in place atomically.

    Holds the workbook's lock (taken here unless the caller's ``cycle`` holds it), refuses an
    owner file of Excel, a read-only file or folder, and a file that is no longer ``expected``;
    keeps the replaced version as a backup (``keep`` versions).  Returns the new file's fingerprint."""
    path = Path(path)
    real = target(path)
    existed = real.exists()
    if existed:
        refuse_if_open(path)
    check_writable(path)
    with locked(path):
        check_unchanged(real, expected)
        folder = real.parent
        clean_temp_files(folder)
        if existed:
            mode = real.stat().st_mode & 0o777  # a shared workbook keeps its permissions
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        tmp = folder / _temp_name(real.suffix or ".xlsx")
        try:
            try:
                fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except OSError as e:
                raise _os_refusal(path, e, f"create a temporary file in {folder}") from None
            write(str(tmp))
            fd = os.open(tmp, os.O_RDWR)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(tmp, mode)
            new = fingerprint(tmp)
            made = _backup(real, keep) if (backup and existed) else None
            try:
                os.replace(tmp, real)
            except BaseException:
                if made is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(made)
                raise
            _fsync_dir(folder)
        except PermissionError as e:
            raise _os_refusal(path, e, "save the workbook (is it open in Excel?)") from None
        except OSError as e:
            raise _os_refusal(path, e, "save the workbook") from None
        finally:
            if tmp.exists():
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        assert new is not None
        return new

"""Backups: the version a save replaces is kept in ``ar-xl-backups/<stem>/`` beside the workbook, named by
the time it was saved, as a hard link (a copy where links are not possible); the newest ``keep`` stay."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from pathlib import Path

from .paths import target
from .temp import _temp_name, clean_temp_files

DEFAULT_BACKUPS = 10
BACKUP_DIR = "ar-xl-backups"


def backup_folder(path: str | Path) -> Path:
    real = target(path)
    return real.parent / BACKUP_DIR / real.stem


def backups(path: str | Path) -> list[Path]:
    """The kept earlier versions of the workbook, oldest first."""
    real = target(path)
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name.startswith(real.stem + " ") and p.suffix == real.suffix)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _backup(real: Path, keep: int) -> Path | None:
    """Keep the current file as a backup (a hard link, or a copy) and drop all but the newest ``keep``."""
    if keep <= 0 or not real.exists():
        return None
    folder = backup_folder(real)
    folder.mkdir(parents=True, exist_ok=True)
    clean_temp_files(folder)  # a copy killed half-way
    kept = backups(real)
    if kept and _same_file(kept[-1], real):
        return None  # already kept (a save killed after its backup, before its replace)
    stamp = dt.datetime.fromtimestamp(real.stat().st_mtime).strftime("%Y-%m-%d %H%M%S.%f")
    for n in range(1000):
        dest = folder / f"{real.stem} {stamp}{'' if n == 0 else f'-{n}'}{real.suffix}"
        try:
            os.link(real, dest)
            break
        except FileExistsError:
            continue
        except OSError:  # no hard links on this file system: copy, then rename into place
            if dest.exists():
                continue
            part = folder / _temp_name(".part")
            shutil.copy2(real, part)
            os.replace(part, dest)
            break
    else:  # pragma: no cover
        return None
    for old in backups(real)[:-keep]:
        with contextlib.suppress(OSError):
            os.unlink(old)
    return dest


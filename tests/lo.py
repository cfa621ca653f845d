"""LibreOffice headless, for tests that check what a real spreadsheet makes of our files.

``convert(path, fmt, outdir)`` runs ``soffice --headless --convert-to FMT`` with a
private, throw-away user profile (so parallel runs and a user's own LibreOffice
do not interfere) and a time limit, and returns the files it wrote.  It raises
``LibreOfficeError`` carrying LibreOffice's output when the conversion fails or
writes nothing, and when soffice is not installed: a test that needs LibreOffice
fails without it, it is never skipped.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CSV_ALL_SHEETS = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'
"""Comma-separated, double-quoted, UTF-8, raw values (not as shown), every sheet to its own
``<stem>-<Sheet>.csv`` (the ``-1`` sheet option, LibreOffice 7.2 or later)."""


class LibreOfficeError(RuntimeError):
    pass


def soffice() -> str:
    exe = os.environ.get("SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise LibreOfficeError("LibreOffice (soffice) is not installed; install libreoffice-calc-nogui "
                               "(tests that need it fail without it, they are not skipped)")
    return exe


def convert(path: str | Path, fmt: str, outdir: str | Path, timeout: float = 180) -> list[Path]:
    """Convert ``path`` with ``soffice --convert-to fmt`` into ``outdir``; the new files, sorted."""
    path, outdir = Path(path).resolve(), Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.iterdir())
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", str(outdir), str(path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise LibreOfficeError(f"LibreOffice took more than {timeout:.0f} s converting {path.name}: "
                                   f"{e.stderr or ''}") from None
    made = sorted(set(outdir.iterdir()) - before)
    if proc.returncode != 0 or not made:
        raise LibreOfficeError(f"LibreOffice could not convert {path.name} to {fmt!r} "
                               f"(exit {proc.returncode}):\n{proc.stderr.strip()}\n{proc.stdout.strip()}")
    return made


def sheet_csv(files: list[Path], sheet: str) -> Path:
    """The csv LibreOffice wrote for ``sheet`` when exporting every sheet."""
    for f in files:
        if f.stem.endswith("-" + sheet):
            return f
    raise LibreOfficeError(f"LibreOffice wrote no csv for sheet {sheet!r} (it wrote {[f.name for f in files]})")

"""Excel's ``~$team.xlsx`` and LibreOffice's ``.~lock.team.xlsx#`` owner files: when one sits beside the
workbook (its name's case ignored), a file-mode command refuses, naming who has the workbook open."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ...errors import ArXlError
from .paths import target


class OpenInExcel(ArXlError):
    """Excel (or LibreOffice) has the workbook open; a file-mode command must not write it."""



def _excel_owner(data: bytes) -> str:
    """The user name in Excel's ``~$`` owner file: a length byte and the name, padded to 54 bytes,
    then (Excel 2007 and later) a 2-byte length and the name again in UTF-16."""
    name = ""
    if len(data) >= 56:
        n = int.from_bytes(data[54:56], "little")
        if 0 < n and 56 + 2 * n <= len(data):
            name = data[56:56 + 2 * n].decode("utf-16-le", "replace").strip("\x00 ")
    if not name and data:
        n = data[0]
        name = data[1:1 + n].decode("cp1252", "replace").strip("\x00 ")
    return name


def _libreoffice_owner(data: bytes) -> str:
    """``name,system user,host,date,profile;`` in LibreOffice's ``.~lock.<file>#``."""
    try:
        row = next(csv.reader(io.StringIO(data.decode("utf-8", "replace").rstrip(";\r\n"))))
    except StopIteration:
        return ""
    name = (row[0] if row else "") or (row[1] if len(row) > 1 else "")
    host = row[2] if len(row) > 2 else ""
    return f"{name} on {host}" if name and host else name


def _beside(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder``, its case ignored (a share mounted from Windows); ``None``."""
    exact = folder / name
    if exact.is_file():
        return exact
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name[:2] in ("~$", ".~") and e.name.lower() == name.lower() and e.is_file():
                    return Path(e.path)
    except OSError:
        pass
    return None


def open_elsewhere(path: str | Path) -> str | None:
    """Who has the workbook open in Excel or LibreOffice, from their owner files; ``None`` if nobody."""
    seen = set()
    for p in (Path(path), target(path)):
        folder, name = p.parent, p.name
        if (folder, name) in seen:
            continue
        seen.add((folder, name))
        excel = _beside(folder, "~$" + name)
        if excel is not None:
            try:
                who = _excel_owner(excel.read_bytes()[:512]) or "someone"
            except OSError:
                who = "someone"
            return (f"{Path(path).name} is open in Excel by {who} (owner file {excel.name}); "
                    f"use the ar-xl ribbon in that Excel, or ask {who} to close the workbook first. "
                    f"If nobody has it open (Excel crashed), delete {excel}. Nothing was changed")
        lo = _beside(folder, f".~lock.{name}#")
        if lo is not None:
            try:
                who = _libreoffice_owner(lo.read_bytes()[:2048]) or "someone"
            except OSError:
                who = "someone"
            return (f"{Path(path).name} is open in LibreOffice by {who} (lock file {lo.name}); "
                    f"close it there first. If nobody has it open, delete {lo}. Nothing was changed")
    return None


def refuse_if_open(path: str | Path) -> None:
    msg = open_elsewhere(path)
    if msg:
        raise OpenInExcel(msg)

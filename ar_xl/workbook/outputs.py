"""Where a command may write a new file (an ``--out``, the demo, ``init``, the add-in build).

The rule, checked before anything is read, computed or written:

- a **collections workbook** is never replaced, ``--force`` or not: the team's work is in it.  A
  workbook is one when its Excel tables (ListObjects) or, failing that, its sheets carry at least
  two of the collections tables' names (Invoices, Payments, Customers, ...), so one whose Invoices
  table was renamed is still recognised;
- an output never names one of the command's **inputs**, by any path (a symbolic or hard link,
  ``./x`` for ``x``);
- a **folder** is never an output file, and the folder an output goes into must exist;
- any **other existing file** is replaced only when the user gave ``--force``.

A refusal is an ``ArXlError`` naming the file, so the command exits with status 2 and nothing changes.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Iterable

from defusedxml import ElementTree as SafeET

from .. import schema
from ..errors import ArXlError

MIN_TABLES = 2
"""How many of the collections tables' names make a file the team's workbook."""

_TABLE_PART = re.compile(r"^xl/tables/[^/]+\.xml$", re.I)


def _names_in(path: Path) -> tuple[set[str], set[str]]:
    """The lower-cased table names and sheet names of an Excel package; empty for anything else."""
    tables: set[str] = set()
    sheets: set[str] = set()
    try:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if _TABLE_PART.match(name):
                    root = SafeET.fromstring(z.read(name))
                    for attr in ("name", "displayName"):
                        if root.get(attr):
                            tables.add(root.get(attr).lower())
                elif name.lower() == "xl/workbook.xml":
                    root = SafeET.fromstring(z.read(name))
                    for el in root.iter():
                        if el.tag.rsplit("}", 1)[-1] == "sheet" and el.get("name"):
                            sheets.add(el.get("name").lower())
    except (zipfile.BadZipFile, OSError, SafeET.ParseError, ValueError, KeyError):
        return set(), set()
    except Exception:  # defusedxml refuses DTDs and entities: not a workbook we wrote  # noqa: BLE001
        return set(), set()
    return tables, sheets


def is_collections_workbook(path: str | Path) -> bool:
    """True when ``path`` is an Excel package holding the collections tables (see the module rule)."""
    path = Path(path)
    if not path.is_file():
        return False
    known = {t.name.lower() for t in schema.TABLES.values()}
    known_sheets = {t.sheet_name.lower() for t in schema.TABLES.values()}
    tables, sheets = _names_in(path)
    found = {re.sub(r"\d+$", "", t) for t in tables} & known
    if len(found) >= MIN_TABLES:
        return True
    return len(sheets & known_sheets) >= MIN_TABLES and bool(tables)


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_new_file(path: str | Path, inputs: Iterable[str | Path | None] = (), force: bool = False,
                   what: str = "output") -> Path:
    """Refuse writing ``path`` when the rule above forbids it; return it as a ``Path`` otherwise."""
    path = Path(path)
    for inp in inputs:
        if inp is not None and (path.exists() or os.path.lexists(path)) and _same(path, Path(inp)):
            raise ArXlError(f"{path}: the {what} names the input {inp}; write it to another file")
    if path.is_dir():
        raise ArXlError(f"{path}: is a folder; give a file name for the {what}")
    if not path.exists():
        if not path.absolute().parent.is_dir():
            raise ArXlError(f"{path}: the folder {path.absolute().parent} does not exist; create it first")
        return path
    if is_collections_workbook(path):
        raise ArXlError(f"{path}: is a collections workbook; ar-xl never replaces one (not even with --force). "
                        f"Give another file name, or move the workbook away yourself")
    if not force:
        raise ArXlError(f"{path}: already exists; not replacing it (add --force to replace it)")
    return path

"""The Audit archive of a workbook: CSV files in ``ar-xl-audit/<stem>/`` beside it (as the backups sit in
``ar-xl-backups/<stem>/``), one per ``ar-xl audit-archive`` run, named by the first and last time they
hold (``<stem> audit 2026-01-05 081200 to 2026-06-30 171500.csv``), so their names sort as their rows do.

* ``write(path, rows)`` writes the rows the engine moved out (``engine.audit_archive.split``) before the
  workbook is saved without them: a file is complete (written to a temporary name, flushed, renamed) or
  absent (``side_files.written_first``).  When the save then fails, it is removed again; when the run is killed
  between the two, the rows are in both, and ``Book.history`` and the next archive count them once
  (``engine.audit_archive.unseen``).
* ``read(path)``: every archived row, oldest first; the shells hand it to the Book they read
  (``Book.archived``), whose ``history`` is the whole trail (the handover pack's dispute history and the
  write-off report's dates read it).
* Cells are text as in any CSV ``ar-xl`` writes: a text that a spreadsheet would run as a formula
  (``csv_safe.TRIGGERS``) starts with ``'``; so does a text that starts with ``'`` itself, so reading takes
  one ``'`` off every text that has one and gets the cell back exactly.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import frames, schema
from ..errors import ArXlError
from . import csv_safe, filesafe

AUDIT_DIR = "ar-xl-audit"


def folder(path: str | Path) -> Path:
    """Where the archive of the workbook at ``path`` is kept."""
    real = filesafe.target(path)
    return real.parent / AUDIT_DIR / real.stem


def files(path: str | Path) -> list[Path]:
    """The archive's files, oldest first."""
    where = folder(path)
    if not where.is_dir():
        return []
    stem = filesafe.target(path).stem
    return sorted(p for p in where.iterdir() if p.is_file() and p.name.startswith(f"{stem} audit ")
                  and p.suffix.lower() == ".csv")


def _guard(v):
    """``csv_safe.cell``, and a text starting with ``'`` gets one more (so reading takes exactly one off)."""
    return "'" + v if isinstance(v, str) and v.startswith("'") else csv_safe.cell(v)


def _stamp_name(v) -> str:
    return "" if frames.blank(v) else pd.Timestamp(v).strftime("%Y-%m-%d %H%M%S")


def write(path: str | Path, rows: pd.DataFrame) -> Path | None:
    """Write ``rows`` (Audit rows, canonical columns) as a new file of the archive of ``path``; None when
    there are none."""
    if not len(rows):
        return None
    where = folder(path)
    where.mkdir(parents=True, exist_ok=True)
    stem = filesafe.target(path).stem
    first, last = _stamp_name(rows["timestamp"].iloc[0]), _stamp_name(rows["timestamp"].iloc[-1])
    out = pd.DataFrame({c: rows[c].tolist() if c in rows.columns else [None] * len(rows)
                        for c in schema.AUDIT.names})
    out["timestamp"] = ["" if frames.blank(v) else str(pd.Timestamp(v)) for v in out["timestamp"]]
    for c in schema.AUDIT.names[1:]:
        out[c] = [None if frames.blank(v) else _guard(str(v)) for v in out[c]]
    out.columns = schema.AUDIT.shown(schema.AUDIT.names)
    for n in range(1000):
        dest = where / f"{stem} audit {first} to {last}{'' if n == 0 else f'_{n + 1}'}.csv"  # sorts after the first
        if not dest.exists():
            break
    else:  # pragma: no cover
        raise ArXlError(f"{where}: too many archive files named {dest.name}; nothing was changed")
    filesafe.atomic_write(dest, lambda tmp: out.to_csv(tmp, index=False, encoding="utf-8-sig"), backup=False)
    return dest


def read(path: str | Path) -> pd.DataFrame:
    """Every row of the archive of ``path``, oldest first, as a canonical Audit frame."""
    parts = []
    for p in files(path):
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        raw = frames.rename_columns(raw, schema.AUDIT)
        for c in raw.columns:
            raw[c] = [v[1:] if v.startswith("'") else v for v in raw[c].tolist()]
        parts.append(frames.coerce(raw, schema.AUDIT, f"{p.name}"))
    if not parts:
        return frames.empty_frame(schema.AUDIT)
    return pd.concat(parts, ignore_index=True)

"""The handover pack for a collection agency or lawyer: a ZIP of PDFs and one XLSX.

``workbook(parts, summary)`` writes the XLSX (openpyxl): a first sheet *Handover* with the handover's facts,
then one sheet per part (the handed-over items, the reminders, the contacts, the disputes and their history),
each with the workbook table's own header.  Cells follow the schema's column kinds: dates are date cells,
timestamps date-time cells, money numbers (exact cents / 100, shown ``#,##0.00``), whole numbers integers;
text is always a text cell, never a formula, whatever it starts with (``=``, ``+``, ``@``...).
``zipped(files)`` puts ``(name, bytes)`` files in one ZIP (stdlib ``zipfile``, deflated).
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd

from .. import schema

PART_TABLES = {"Items": "Invoices", "Reminders": "Reminders", "Contacts": "Activities", "Disputes": "Disputes",
               "Dispute history": "Audit"}
"""Each sheet of the pack and the workbook table whose columns it has."""


def _blank(v) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def cell_value(v, kind: str):
    """A frame's value as the XLSX cell of a column of ``kind`` (module docstring)."""
    if _blank(v):
        return None
    if kind == "money":
        return int(v) / 100
    if kind == "date":
        return pd.Timestamp(v).date()
    if kind == "datetime":
        return pd.Timestamp(v).to_pydatetime().replace(tzinfo=None)
    if kind == "int":
        return int(v)
    if kind == "number":
        return float(v)
    if kind == "bool":
        return bool(v)
    if isinstance(v, (pd.Timestamp, dt.date)):
        return pd.Timestamp(v).date().isoformat()
    return str(v)


def _put(ws, row: int, col: int, value, kind: str) -> None:
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula
    elif kind in ("money", "date", "datetime", "int", "number"):
        cell.number_format = schema._FORMATS[kind]


def workbook(parts: dict[str, pd.DataFrame], summary: list[tuple[str, object, str]]) -> bytes:
    """The pack's XLSX: ``summary`` rows ``(label, value, kind)`` on *Handover*, then one sheet per part."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    ws = wb.active
    ws.title = "Handover"
    for i, (label, value, kind) in enumerate(summary, start=1):
        _put(ws, i, 1, str(label), "text")
        ws.cell(i, 1).font = Font(bold=True)
        _put(ws, i, 2, cell_value(value, kind), kind)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 40
    for name, frame in parts.items():
        t = schema.table(PART_TABLES[name])
        kinds = {c.name: c.kind for c in t.columns}
        cols = [c for c in t.names if c in frame.columns]
        sh = wb.create_sheet(name)
        for j, c in enumerate(cols, start=1):
            _put(sh, 1, j, t.header(c), "text")  # the header the workbook shows ("Invoice ID")
            sh.cell(1, j).font = Font(bold=True)
            sh.column_dimensions[get_column_letter(j)].width = max(10, min(40, t.column(c).width))
        for i, rec in enumerate(frame[cols].itertuples(index=False), start=2):
            for j, (c, v) in enumerate(zip(cols, rec), start=1):
                _put(sh, i, j, cell_value(v, kinds[c]), kinds[c])
        sh.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zipped(files: list[tuple[str, bytes]], when: dt.datetime | None = None) -> bytes:
    """The files in one ZIP; each entry dated ``when`` (default: 1980-01-01, so the same pack is the same bytes)."""
    stamp = (when or dt.datetime(1980, 1, 1)).timetuple()[:6]
    buf = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            base, dot, ext = name.rpartition(".")
            unique, n = name, 1
            while unique in seen:
                n += 1
                unique = f"{base}_{n}.{ext}" if dot else f"{name}_{n}"
            seen.add(unique)
            info = zipfile.ZipInfo(unique, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()

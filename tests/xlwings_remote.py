"""A workbook file as xlwings' remote engine sees it, and the actions it sends back applied to the file.

``payload(path, ...)`` builds the JSON that xlwings' VBA client (``RunServerPython``
in xlwings' ``Remote.bas``) posts for a workbook: ``client``, ``version``,
``book`` {name, active_sheet_index, selection}, ``names`` and one entry per
sheet with its ``values`` (from A1 to the last used cell; dates as the client's
ISO text, empty cells as ``""``), ``pictures`` and ``tables`` (their range
addresses and options).  ``xw.Book(json=payload(...))`` is then a real xlwings
Book on the remote engine.

``apply(path, actions)`` plays the actions that Book returns (``book.json()``)
onto the file the way the VBA client does: ``setValues`` runs each string
through the client's ISO-date parsing (``WebHelpers.ParseIso``) and then
assigns it as typed input, so a leading apostrophe makes text and an
unprefixed ``=`` would make a formula; ``resizeTable``, ``addTable``,
``addSheet``, ``activateSheet``, ``setNumberFormat``, ``sheetClear`` and ``setRangeColor`` change the
file; ``alert``
messages are returned.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableStyleInfo

XLWINGS_VBA = Path(__import__("xlwings").__file__).parent / "addin" / "Remote.bas"


def vba_client_actions() -> set[str]:
    """The action names the classic VBA client can run: its ``Sub name(wb As Workbook, action As Dictionary)``.

    ``RunServerPython`` runs each action with ``Application.Run action("func"), wb, action``,
    so an action is supported exactly when such a Sub exists in xlwings' own Remote.bas."""
    text = XLWINGS_VBA.read_text(encoding="utf-8", errors="replace")
    assert 'Application.Run action("func"), wb, action' in text, "xlwings' VBA client no longer dispatches this way"
    return set(re.findall(r"^Sub\s+(\w+)\s*\(\s*wb\s+As\s+Workbook\s*,\s*action\s+As\s+Dictionary\s*\)",
                          text, flags=re.M | re.I))


def _client_value(v):
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, dt.date):
        return f"{v:%Y-%m-%d}T00:00:00.000Z"
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v
    return str(v)


def _abs(ref: str) -> str:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return f"${get_column_letter(min_col)}${min_row}:${get_column_letter(max_col)}${max_row}"


def payload(path: str | Path, active_sheet: str | None = None, selection: str | None = "A1") -> dict:
    import xlwings as xw
    path = Path(path)
    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        max_row, max_col = ws.max_row, ws.max_column
        values = [[_client_value(c.value) for c in row]
                  for row in ws.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_col)]
        tables = []
        for tbl in ws.tables.values():
            min_col, min_row, max_col_t, max_row_t = range_boundaries(tbl.ref)
            tables.append({
                "name": tbl.displayName,
                "range_address": _abs(tbl.ref),
                "header_row_range_address": _abs(f"{get_column_letter(min_col)}{min_row}:"
                                                 f"{get_column_letter(max_col_t)}{min_row}"),
                "data_body_range_address": _abs(f"{get_column_letter(min_col)}{min_row + 1}:"
                                                f"{get_column_letter(max_col_t)}{max_row_t}")
                if max_row_t > min_row else None,
                "total_row_range_address": None,
                "show_headers": True,
                "show_totals": False,
                "table_style": tbl.tableStyleInfo.name if tbl.tableStyleInfo else "",
                "show_autofilter": True,
            })
        sheets.append({"name": ws.title, "values": values or [[]], "pictures": [], "tables": tables})
    names = [n for n in (active_sheet,) if n]
    active = wb.sheetnames.index(names[0]) if names else 0
    return {
        "client": "VBA",
        "version": xw.__version__,
        "book": {"name": path.name, "active_sheet_index": active, "selection": selection},
        "names": [],
        "sheets": sheets,
    }


def _parse_iso(text: str):
    """What the VBA client's WebHelpers.ParseIso makes of a string (a date, or None when it raises)."""
    parts = text.split("T")
    date_parts = parts[0].split("-")
    try:
        y, m, d = (int(p.strip()) for p in date_parts[:3])
        if len(date_parts) < 3:
            return None
        base = dt.datetime(y, m, d)
    except (ValueError, IndexError):
        return None
    if len(parts) > 1:
        tp = parts[1].replace("Z", "").split(":")
        try:
            base = base.replace(hour=int(tp[0]), minute=int(tp[1]) if len(tp) > 1 else 0,
                                second=int(float(tp[2])) if len(tp) > 2 else 0)
        except (ValueError, IndexError):
            return None
    return base


def _typed(v):
    """A value assigned to Range.Value as Excel stores it: (value, is_formula)."""
    if v == "" or v is None:
        return None, False
    if isinstance(v, str):
        iso = _parse_iso(v)
        if iso is not None:
            return iso, False
        if v.startswith("'"):
            return v[1:], False
        if v.startswith("="):
            return v, True
        try:
            return float(v), False
        except ValueError:
            return v, False
    return v, False


def apply(path: str | Path, actions: list[dict]) -> list[str]:
    """Play ``actions`` onto the workbook file like the VBA client; returns the alert texts."""
    path = Path(path)
    wb = openpyxl.load_workbook(path)
    alerts = []
    for a in actions:
        func = a["func"]
        ws = wb.worksheets[a["sheet_position"]] if a.get("sheet_position") is not None else None
        if func == "setValues":
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    value, formula = _typed(v)
                    cell = ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    cell.value = value
                    if isinstance(value, str) and not formula:
                        cell.data_type = "s"
        elif func == "resizeTable":
            tbl = list(ws.tables.values())[a["args"][0]]
            tbl.ref = a["args"][1].replace("$", "")
            if tbl.autoFilter is not None:
                tbl.autoFilter.ref = tbl.ref
            _rename_columns(ws, tbl)
        elif func == "addTable":
            ref, _, style, name = a["args"]
            tbl = Table(displayName=name, ref=ref.replace("$", ""))
            tbl.tableStyleInfo = TableStyleInfo(name=style or "TableStyleMedium2", showRowStripes=True)
            ws.add_table(tbl)
            _rename_columns(ws, tbl)
        elif func == "addSheet":
            pos, name = a["args"][0], a["args"][1]
            wb.create_sheet(name, pos)
        elif func == "activateSheet":
            wb.active = a["args"][0]
        elif func == "setNumberFormat":
            for r in range(a["row_count"]):
                for c in range(a["column_count"]):
                    ws.cell(a["start_row"] + 1 + r, a["start_column"] + 1 + c).number_format = a["args"][0]
        elif func == "sheetClear":  # values and formats of every cell
            for row in ws.iter_rows():
                for cell in row:
                    cell.value = None
                    cell.number_format = "General"
                    cell.fill = PatternFill()
        elif func == "setRangeColor":
            args = a["args"]
            colour = str(args[0] if isinstance(args, list) else args).lstrip("#")
            for r in range(a["row_count"]):
                for c in range(a["column_count"]):
                    ws.cell(a["start_row"] + 1 + r, a["start_column"] + 1 + c).fill = \
                        PatternFill("solid", fgColor=colour, bgColor=colour)
        elif func == "alert":
            alerts.append(a["args"][0])
        else:
            raise AssertionError(f"the test client does not play {func!r}")
    for ws in wb.worksheets:  # Excel names a table's columns after its header cells
        for tbl in ws.tables.values():
            _rename_columns(ws, tbl)
    wb.save(path)
    return alerts


def _rename_columns(ws, tbl) -> None:
    min_col, min_row, max_col, _ = range_boundaries(tbl.ref)
    tbl.tableColumns = []
    tbl._initialise_columns()
    for j, col in enumerate(tbl.tableColumns):
        v = ws.cell(min_row, min_col + j).value
        col.name = str(v) if v is not None else f"Column{j + 1}"

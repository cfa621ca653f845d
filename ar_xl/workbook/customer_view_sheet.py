"""The CustomerView sheet: one customer's view (``actions.customer_view``) laid out for a call.

Both shells write the same grid (``grid``): the heading (``Customer view | id | name``, then ``as of |
date``), then each section of the view (``engine.customer_view``) as a bold title row, a header row and
its rows (a section without rows says so in one row under its title), a blank row between sections.
Money is written as numbers (cents / 100) with the money format, dates as dates with the date format,
text always as text (a remittance ``=cmd`` stays text).  Column widths follow the longest value of each
column (titles aside), between 8 and 45 characters.

* **The file** (``write_workbook``, ``ar-xl customer``): the sheet is laid out by the ``layout`` hook of
  ``xlsx.save``, in the one atomic save that appends the Audit row.  The shell owns the sheet and
  replaces it whole on each run (``workbook.package``: a laid-out sheet comes in whole, the old one
  leaves); nothing else of the workbook changes.  A new sheet goes first (after the Dashboard when the
  workbook has one); an existing one keeps its place.  Print set-up: landscape A4, one page wide.
* **Live Excel** (``write_live``, the ribbon's *Customer view*): the sheet is cleared (or added) and the
  grid written with one ``range.value``, text with Excel's text prefix (``live.text_cell``), then the
  number formats and the title and header colours; on the classic engine the titles are bold too and the
  columns get the grid's widths, on the remote engine (no fonts or widths in xlwings' VBA client) the
  columns are autofitted.  The sheet is then shown.

Type nothing on the sheet: the next *Customer view* replaces it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.styles import Font, PatternFill

from .. import schema
from ..engine.customer_view import View
from . import cells, sheet_setup

SHEET = "CustomerView"
ID_CELL = "B1"
"""The customer id on the sheet (the ribbon's button refreshes the view of this customer when clicked there)."""
DAYS_FORMAT = "0.0"
FORMATS = {"money": schema.MONEY_FORMAT, "date": schema.DATE_FORMAT, "datetime": schema.DATETIME_FORMAT,
           "int": schema.INT_FORMAT, "number": DAYS_FORMAT}
TITLE_FILL = "D9E1F2"
HEADER_FILL = "F2F2F2"
MIN_WIDTH, MAX_WIDTH = 8, 45


@dataclass
class Grid:
    rows: list[list] = field(default_factory=list)
    titles: list[int] = field(default_factory=list)
    """Row numbers (1-based) of the section titles."""
    headers: list[tuple[int, int]] = field(default_factory=list)
    """(row, number of columns) of the header rows."""
    formats: list[tuple[int, int, int, str]] = field(default_factory=list)
    """(first row, column, number of rows, number format)."""
    widths: list[float] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=1)

    def padded(self) -> list[list]:
        w = self.width
        return [list(r) + [None] * (w - len(r)) for r in self.rows]


def label(column: str) -> str:
    """A section's column as its header shows it: the workbook tables' header ("Invoice ID"), else derived
    the same way ("Median days late")."""
    return schema.header_of(column, derive=True)


def _shown_length(v) -> int:
    if v is None:
        return 0
    if isinstance(v, bool):
        return 5
    if isinstance(v, float):
        return len(f"{v:,.2f}")
    if isinstance(v, int):
        return len(f"{v:,}")
    if isinstance(v, dt.datetime):
        return 19
    if isinstance(v, dt.date):
        return 10
    return len(str(v).lstrip("'"))


def grid(view: View, text=cells.clean_text) -> Grid:
    """The sheet's cells for ``view``; ``text(v)`` renders text cells (the live shell prefixes them)."""
    g = Grid()
    g.rows.append([text("Customer view"), text(view.customer_id), text(view.customer_name)])
    g.rows.append([text("as of"), view.as_of])
    g.formats.append((2, 2, 1, schema.DATE_FORMAT))
    g.rows.append([])
    measured: dict[int, int] = {1: 13, 2: 10}
    for s in view.sections:
        n = len(s.frame)
        g.rows.append([text(f"{s.title} ({n})" if s.row_kinds is None and s.key != "behaviour" else s.title)])
        g.titles.append(len(g.rows))
        if not n:
            g.rows.append([text(s.empty)])
            g.rows.append([])
            continue
        cols = list(s.frame.columns)
        g.rows.append([text(label(c)) for c in cols])
        g.headers.append((len(g.rows), len(cols)))
        first = len(g.rows) + 1
        if s.row_kinds is not None:  # field / value: each value of its own kind
            values = [[text(f) for f in s.frame.iloc[:, 0]]]
            vals = []
            for i, (v, kind) in enumerate(zip(s.frame.iloc[:, -1], s.row_kinds)):
                one = cells.cell_values(pd.Series([v], dtype=object), kind, text=text)[0]
                vals.append(one)
                if kind in FORMATS and one is not None:
                    g.formats.append((first + i, len(cols), 1, FORMATS[kind]))
            values.append(vals)
        else:
            values = []
            for j, c in enumerate(cols):
                kind = s.kinds.get(c, "text")
                values.append(cells.cell_values(s.frame[c], kind, text=text))
                if kind in FORMATS:
                    g.formats.append((first, j + 1, n, FORMATS[kind]))
        for i in range(n):
            g.rows.append([col[i] for col in values])
        for j, c in enumerate(cols):
            longest = max([len(label(c))] + [_shown_length(v) for v in values[j]])
            measured[j + 1] = max(measured.get(j + 1, 0), longest)
        g.rows.append([])
    w = g.width
    g.widths = [float(min(MAX_WIDTH, max(MIN_WIDTH, measured.get(c, 0) + 2))) for c in range(1, w + 1)]
    return g


# ====================================================================== the file (openpyxl)

def layout(wb, view: View) -> None:
    """Lay out the CustomerView sheet on ``wb`` (replacing the one there)."""
    from openpyxl.utils import get_column_letter
    from .dashboard_style import _put
    if SHEET in wb.sheetnames:
        idx = wb.sheetnames.index(SHEET)
        wb.remove(wb[SHEET])
    else:
        idx = 1 if wb.sheetnames and wb.sheetnames[0] == "Dashboard" else 0
    ws = wb.create_sheet(SHEET, idx)
    g = grid(view)
    for r, row in enumerate(g.rows, 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                _put(ws, r, c, v)
    for r, c, n, f in g.formats:
        for i in range(n):
            ws.cell(r + i, c).number_format = f
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 2).font = ws.cell(1, 3).font = Font(bold=True, size=14)
    title_fill = PatternFill("solid", fgColor=TITLE_FILL, bgColor=TITLE_FILL)
    header_fill = PatternFill("solid", fgColor=HEADER_FILL, bgColor=HEADER_FILL)
    for r in g.titles:
        for c in range(1, g.width + 1):
            ws.cell(r, c).fill = title_fill
        ws.cell(r, 1).font = Font(bold=True, size=12)
    for r, n in g.headers:
        for c in range(1, n + 1):
            ws.cell(r, c).font = Font(bold=True)
            ws.cell(r, c).fill = header_fill
    for c, width in enumerate(g.widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    sheet_setup.print_setup(ws)
    ws._print_rows = None  # no Print_Titles name (openpyxl's setter ignores None): the heading prints once
    ws.sheet_view.tabSelected = False


def layout_hook(change):
    """The ``layout`` argument of ``xlsx.save`` for a customer-view ``change``."""
    def hook(wb, merged):
        layout(wb, change.view)
    return hook


def write_workbook(path: str | Path, customer: str, as_of: dt.date | None = None):
    """*Customer view* on a workbook file: the CustomerView sheet and one Audit row, one atomic save."""
    from . import filesafe, xlsx
    from .. import progress
    from ..actions import customer_view as action
    name = Path(path).name

    def once():
        with progress.task(f"reading {name}"):
            book = xlsx.load(path, action.TABLES)
        read = book.warnings
        with progress.task(f"gathering customer {customer}"):
            change = action.run(book, customer, as_of)
        with progress.task(f"saving {name} with the {SHEET} sheet"):
            xlsx.save(book, change, layout=layout_hook(change))
        change.warnings = list(dict.fromkeys([*read, *change.warnings]))
        return change
    return filesafe.cycle(path, once)


def write_file(view: View, out: str | Path) -> Path:
    """The view alone as a new XLSX file (one CustomerView sheet); the workbook is not changed."""
    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    layout(wb, view)
    wb.active = 0
    wb[SHEET].sheet_view.tabSelected = True
    out = Path(out)
    wb.save(out)
    return out


# ====================================================================== the workbook open in Excel (xlwings)

def _sheet(xw_book, name: str):
    for s in xw_book.sheets:
        if s.name.lower() == name.lower():
            return s
    return None


def _remote(xw_book) -> bool:
    """The book is on xlwings' remote engine (its VBA client sets no fonts or column widths)."""
    return type(xw_book.impl).__module__.endswith("_xlremote")


def write_live(xw_book, view: View) -> None:
    """Write the view on the CustomerView sheet of a workbook open in Excel (module docstring)."""
    from ..excel import live
    g = grid(view, live.text_cell)
    rows = g.padded()
    sheet = _sheet(xw_book, SHEET)
    if sheet is None:
        sheets = list(xw_book.sheets)
        first = sheets[1] if len(sheets) > 1 and sheets[0].name.lower() == "dashboard" else sheets[0]
        sheet = xw_book.sheets.add(SHEET, before=first)
    else:
        sheet.clear()
    sheet.range((1, 1)).resize(len(rows), g.width).value = rows
    for r, c, n, f in g.formats:
        sheet.range((r, c)).resize(n, 1).number_format = f
    for r in g.titles:
        sheet.range((r, 1)).resize(1, g.width).color = f"#{TITLE_FILL}"
    for r, n in g.headers:
        sheet.range((r, 1)).resize(1, n).color = f"#{HEADER_FILL}"
    if _remote(xw_book):
        sheet.range((4, 1)).resize(len(rows) - 3, g.width).columns.autofit()
    else:
        for r in [1, *g.titles, *(h for h, _ in g.headers)]:
            sheet.range((r, 1)).resize(1, g.width).font.bold = True
        for c, width in enumerate(g.widths, 1):
            sheet.range((1, c)).column_width = width
        try:  # Excel through COM: landscape, one page wide
            ps = sheet.api.PageSetup
            ps.Orientation, ps.Zoom, ps.FitToPagesWide, ps.FitToPagesTall = 2, False, 1, False
        except Exception:  # another classic engine (macOS): the print set-up is left as it is
            pass
    sheet.activate()

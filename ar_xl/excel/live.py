"""The live-workbook shell: the collections workbook open in Excel, through xlwings.

The twin of ``ar_xl/workbook/xlsx.py`` for a workbook that is open in Excel: ``load``
reads every known table (an Excel Table, ListObject, named after its
``schema`` table) into a ``Book``; ``save`` writes a ``Change`` back.  Both
work with xlwings' classic engine (Excel through COM on Windows, AppleScript
on macOS) and with xlwings' remote engine (a ``Book`` built from the JSON the
xlwings VBA/JS clients send, whose writes come back as actions for the
client to run); only calls that both engines support are used.

How values are written
----------------------
* Each table is resized once (``Table.resize``) and written with **one**
  ``range.value = rows`` that covers the header, the body and whatever the
  old, longer or wider table left behind (written empty), then each column
  of the body gets its number format from ``schema``.
* Money is written as a number (cents / 100), dates as dates, timestamps as
  date-times, whole numbers as ints, TRUE/FALSE as booleans.
* **Text is written with a leading apostrophe** (``'`` + text), header cells
  included.  Excel treats a value assigned to a cell exactly like typed
  input, so without it ``=HYPERLINK(...)`` in a remittance line would become
  a formula, ``+++090/9337/55493+++`` an error, ``00123`` the number 123,
  ``1-30`` a date, and the xlwings VBA client would turn ISO-looking text
  into dates (its ``setValues`` parses every string as an ISO date first).
  The apostrophe is Excel's own "this is text" prefix: it is not part of the
  cell's value (reading the cell gives the text without it) and is accepted
  the same way by classic COM (``Range.Value``), by the VBA client's
  ``setValues`` (which assigns ``Range.Value``) and by Office.js
  (``range.values``).  A number format of ``@`` alone is not enough: it
  does not stop the remote VBA client's date parsing, and a new table row
  only gets it once the table has been resized.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..workbook import audit_files, cells, sheet_setup
from .. import frames, schema
from ..book import Book, Change, check_rows, read_book

TEXT_PREFIX = "'"


# ---------------------------------------------------------------- finding tables

def _tables_of(sheet):
    try:
        return list(sheet.tables)
    except (AttributeError, NotImplementedError):
        return []


def find_table(xw_book, name: str):
    """(sheet, table) of the Excel table called ``name`` (any case), or (None, None)."""
    t = schema.table(name) if name.lower() in (n.lower() for n in schema.TABLES) else None
    sheets = list(xw_book.sheets)
    if t is not None:  # the usual place first: the sheet named after the table
        sheets.sort(key=lambda s: 0 if s.name.lower() == t.sheet_name.lower() else 1)
    for sheet in sheets:
        for tbl in _tables_of(sheet):
            if tbl.name.lower() == name.lower():
                return sheet, tbl
    return None, None


def saved_path(xw_book) -> Path | None:
    """The file the open workbook was last saved as, when it has been (a new one has none)."""
    try:
        name = xw_book.fullname
    except Exception:  # noqa: BLE001 - an engine that does not know it
        return None
    return Path(name) if isinstance(name, str) and Path(name).is_file() else None


def _header_and_rows(values) -> tuple[list[str], list[list]]:
    if not values:
        return [], []
    header = [str(h).strip() if h is not None else f"Column{i + 1}" for i, h in enumerate(values[0])]
    return header, [list(r) for r in values[1:]]


# ---------------------------------------------------------------- load

def load(xw_book, tables: list[str] | None = None) -> Book:
    """Read the workbook's known tables into a Book; every bad cell of every table is reported at once.

    ``tables`` limits the tables read (Config is always read).  Where each
    table lives is kept in ``book.places`` for ``save``.
    """
    places = {}
    formulas = {}

    def find(t: schema.Table):
        sheet, tbl = find_table(xw_book, t.name)
        if tbl is None:
            return None
        rng = tbl.range
        values = rng.options(ndim=2).value
        header, rows = _header_and_rows(values)
        places[t.name] = (sheet, tbl, rng.row, rng.column, len(values), len(header), header)
        formulas[t.name] = _own_formulas(t, rng, header, values)
        raw = pd.DataFrame(rows, columns=header) if header else pd.DataFrame()
        return raw, rng.row + 1, sheet.name

    present = [tbl.name for sheet in xw_book.sheets for tbl in _tables_of(sheet)]
    book = read_book(xw_book.name, find, tables, present)
    book.places = places  # type: ignore[attr-defined]
    book.handle = xw_book  # type: ignore[attr-defined]
    saved = saved_path(xw_book)
    if saved is not None:  # the archive beside the file Excel has it as
        book.archived = lambda: audit_files.read(saved)
    book.formulas = {name: _by_key(schema.table(name), book.tables[name], by_row)  # type: ignore[attr-defined]
                     for name, by_row in formulas.items() if by_row and name in book.tables}
    return book


def _own_formulas(t: schema.Table, rng, header: list[str], values) -> dict[int, dict[str, str]]:
    """Formulas in the columns a person added to the table: {sheet row: {column: formula}}.

    Classic Excel gives them with ``range.formula``; xlwings' remote engine does not carry
    formulas in its payload (there a person's formula column is written back as its values).
    ``range.formula`` also gives text constants, so text that merely starts with ``=`` (its
    value is that same text) is not a formula and stays text."""
    header = t.canonical(header)
    own = [j for j, h in enumerate(header) if cells.kind_of(t, h) == cells.OWN]
    if not own or not t.key:
        return {}
    try:
        grid = rng.formula
    except Exception:  # an engine that cannot read formulas
        return {}
    if not isinstance(grid, (list, tuple)) or not grid or not isinstance(grid[0], (list, tuple)):
        return {}
    out: dict[int, dict[str, str]] = {}
    for i, row in enumerate(grid[1:]):
        shown = values[1 + i] if 1 + i < len(values) else []
        for j in own:
            f = row[j] if j < len(row) else None
            if isinstance(f, str) and f.startswith("=") and (j >= len(shown) or shown[j] != f):
                out.setdefault(rng.row + 1 + i, {})[header[j]] = f
    return out


def _by_key(t: schema.Table, frame: pd.DataFrame, by_row: dict[int, dict[str, str]]) -> dict[tuple, dict[str, str]]:
    """The formulas of ``_own_formulas`` keyed by the row's table key, so they follow their row."""
    rows = frames.row_numbers(frame)
    if rows is None:
        return {}
    keys = zip(*[frame[k].astype(str) for k in t.key])
    return {key: by_row[r] for r, key in zip(rows.tolist(), keys) if r in by_row}


# ---------------------------------------------------------------- save

def text_cell(v) -> str | None:
    """How a text value is written: with Excel's text prefix, so it is never read as a formula, number or date."""
    s = cells.clean_text(v)
    return None if s is None else TEXT_PREFIX + s[: cells.MAX_TEXT - 1]


def cell_values(values: pd.Series, kind: str) -> list:
    """Python values for one column, as xlwings writes them to Excel."""
    return cells.cell_values(values, kind, text=text_cell)


def plan_table(t: schema.Table, body: pd.DataFrame, old_header: list[str], extras: list[str],
               old_rows: int, old_cols: int, formulas: dict | None = None
               ) -> tuple[list[list], int, int, list[tuple[int, str]]]:
    """The block of values written for one table: (rows, new row count, new column count, formats).

    The block covers the new table (header + body, at least one body row) and
    the old table's extent, the part outside the new table being written empty.
    ``formulas`` ({row key: {column: formula}}) puts back the formulas a person
    had in their own columns, on the row with the same key.
    """
    header = cells.table_header(t, old_header, body, extras)
    n = len(body)
    columns = []
    formats = []
    for j, name in enumerate(header):
        kind = cells.kind_of(t, name)
        if kind != cells.OWN:  # a person's own column keeps the format they gave it
            formats.append((j, schema._FORMATS.get(kind, "General")))
        if name in body.columns:
            columns.append(cell_values(body[name], kind))
        else:
            columns.append([None] * n)
    new_rows, new_cols = 1 + max(n, 1), len(header)
    height, width = max(new_rows, old_rows), max(new_cols, old_cols)
    block = [[None] * width for _ in range(height)]
    for j, name in enumerate(header):
        block[0][j] = text_cell(t.header(name))  # the human header (``schema``)
        for i, v in enumerate(columns[j]):
            block[1 + i][j] = v
    if formulas and n:
        where = {name: j for j, name in enumerate(header)}
        for i, key in enumerate(zip(*[body[k].astype(str) for k in t.key])):
            for name, f in formulas.get(key, {}).items():
                if name in where:
                    block[1 + i][where[name]] = f
    return block, new_rows, new_cols, formats


def save(xw_book, book: Book, change: Change) -> dict[str, pd.DataFrame]:
    """Write ``change.merged(book)`` into the open workbook; returns the bodies written.

    Every table's values are computed before the first write, so a problem in
    the data stops the run before anything in the workbook changes.
    """
    merged = change.merged(book)
    places = getattr(book, "places", {})
    plans = []
    for name, body in merged.items():
        t = schema.table(name)
        place = places.get(t.name)
        if place is None:
            sheet, tbl = find_table(xw_book, t.name)
            if tbl is not None:
                rng = tbl.range
                values = rng.options(ndim=2).value
                place = (sheet, tbl, rng.row, rng.column, len(values), len(values[0]), _header_and_rows(values)[0])
        if place is not None:
            sheet, tbl, row, col, old_rows, old_cols, old_header = place
        else:
            sheet, tbl, row, col, old_rows, old_cols, old_header = None, None, 1 + t.title_rows, 1, 0, 0, []
        check_rows(book.source, t.name, row, len(body))
        block, new_rows, new_cols, formats = plan_table(t, body, old_header, change.extra_columns.get(t.name, []),
                                                         old_rows, old_cols,
                                                         getattr(book, "formulas", {}).get(t.name))
        plans.append((t, sheet, tbl, row, col, block, new_rows, new_cols, formats))
    for t, sheet, tbl, row, col, block, new_rows, new_cols, formats in plans:
        if sheet is None:
            sheet = _sheet_for(xw_book, t.sheet_name)
        title = change.titles.get(t.name) if t.title_rows and row > t.title_rows else None
        with sheet_setup.lifted(sheet):  # Aging and Audit are protected against typing, not against us
            if title is not None:  # Aging's as-of date, above the table (a table of an older workbook at A1
                # has no room for it: ``ar-xl upgrade`` or a refresh through the file moves it down)
                sheet.range((row - t.title_rows, col)).value = text_cell(title)
            table_range = sheet.range((row, col)).resize(new_rows, new_cols)
            if tbl is None:
                sheet.range((row, col)).resize(len(block), len(block[0])).value = block
                sheet.tables.add(source=table_range, name=t.name, table_style_name="TableStyleMedium2",
                                 has_headers=True)
            else:
                tbl.resize(table_range)
                sheet.range((row, col)).resize(len(block), len(block[0])).value = block
            for j, width, fmt in _runs(formats):
                sheet.range((row + 1, col + j)).resize(new_rows - 1, width).number_format = fmt
    for name, body in merged.items():
        book.tables[schema.table(name).name] = body
    return merged


def _runs(formats: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """Adjacent columns with the same number format as (first column, width, format): one write each."""
    out: list[list] = []
    for j, fmt in formats:
        if out and out[-1][2] == fmt and out[-1][0] + out[-1][1] == j:
            out[-1][1] += 1
        else:
            out.append([j, 1, fmt])
    return [tuple(r) for r in out]


def _sheet_for(xw_book, name: str):
    for s in xw_book.sheets:
        if s.name.lower() == name.lower():
            return s
    return xw_book.sheets.add(name, after=xw_book.sheets[len(xw_book.sheets) - 1])


# ---------------------------------------------------------------- the selection

_AREA = re.compile(r"^\$?([A-Z]{1,3})?\$?(\d+)?(?::\$?([A-Z]{1,3})?\$?(\d+)?)?$")


def selection(xw_book) -> tuple[str, list[tuple[int, int]]]:
    """(sheet name, [(first row, last row), ...]) of the workbook's selected cells.

    The remote engine gets the selection's address from the client's payload
    (``book.selection`` there drops all areas but the first); the classic
    engine asks Excel.  Whole columns count as every row.
    """
    api = getattr(xw_book, "api", None)
    if isinstance(api, dict):
        address = (api.get("book") or {}).get("selection")
        sheet = xw_book.sheets.active.name
    else:
        sel = xw_book.selection
        if sel is None:
            return "", []
        address, sheet = sel.address, sel.sheet.name
    if not address:
        return sheet, []
    spans = []
    for area in str(address).replace("$", "").split(","):
        if "!" in area:
            area = area.split("!", 1)[1]
        m = _AREA.match(area.strip().upper())
        if not m:
            continue
        r1, r2 = m.group(2), m.group(4)
        if r1 is None:
            spans.append((1, schema.EXCEL_ROWS))
        else:
            a, b = int(r1), int(r2) if r2 else int(r1)
            spans.append((min(a, b), max(a, b)))
    return sheet, spans


def selected_rows(xw_book, book: Book, table_names: list[str]) -> tuple[str, pd.DataFrame]:
    """The rows of the first of ``table_names`` whose table the selection is on: (table name, rows)."""
    sheet, spans = selection(xw_book)
    places = getattr(book, "places", {})
    for name in table_names:
        place = places.get(name)
        if place is None or place[0].name.lower() != sheet.lower():
            continue
        frame = book.get(name)
        rows = frames.row_numbers(frame)
        if rows is None or not len(frame):
            return name, frame.iloc[0:0]
        hit = np.zeros(len(rows), dtype=bool)
        for a, b in spans:
            hit |= (rows >= a) & (rows <= b)
        return name, frame.loc[hit]
    return "", pd.DataFrame()

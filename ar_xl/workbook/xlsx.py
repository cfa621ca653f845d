"""The workbook-file shell: the collections workbook on disk, through openpyxl.

``create`` lays out a new workbook from ``schema``: one sheet per table, each an
Excel Table (ListObject) with its header, number and date formats, a frozen
header row, drop-downs on status-like columns and the Config defaults.

Header cells show each column's human header (``schema.Column.header``: "Open amount (base)"); the
frames keep the canonical names (``open_amount_base``), and a table of an older workbook with those
names as headers reads the same and gets the human headers when it is written (``cells.table_header``,
``schema.Table.known``).  Aging's as-of date is its title line above the table (``Change.titles``).

``load`` reads every known table into a ``Book``; ``save`` writes a ``Change``
back in one go, to a temporary file that then replaces the workbook, so a
failure part-way leaves the file as it was.  The lock, the check that the file
is still the one read, read-only and open-in-Excel refusals and the rolling
backups are ``filesafe``'s.  Cells of text columns are always
written as text: a remittance line starting with ``=`` stays text, never a
formula.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as XlTable, TableStyleInfo

from . import audit_files, cells, filesafe, frame_cache, sheet_setup
from .. import config as config_mod
from .. import gc_pause
from .. import frames, schema
from . import flat, package, xlsx_fast
from ..book import DERIVED_TABLES, Book, Change, check_rows, read_book
from ..errors import ArXlError, InputError

STYLE = "TableStyleMedium2"


def _table_style() -> TableStyleInfo:
    return TableStyleInfo(name=STYLE, showRowStripes=True, showColumnStripes=False,
                          showFirstColumn=False, showLastColumn=False)


def _find_table(wb: openpyxl.Workbook, name: str):
    for ws in wb.worksheets:
        for tbl in ws.tables.values():
            if tbl.displayName.lower() == name.lower():
                return ws, tbl
    return None, None


def _open(path: str | Path, fast: bool = False, later_sheets=(), data: bytes | None = None) -> openpyxl.Workbook:
    """The workbook through openpyxl; ``fast`` keeps the worksheets' cells aside (see ``xlsx_fast``;
    ``later_sheets`` are not parsed in the background; ``data``: the file's bytes, already read)."""
    path = Path(path)
    if not path.exists():
        raise ArXlError(f"{path}: no such workbook (create one with `ar-xl init {path}`)")
    try:
        keep_vba = path.suffix.lower() in (".xlsm", ".xlam")
        if fast:
            return xlsx_fast.open_workbook(path, keep_vba=keep_vba, later=later_sheets, data=data)
        return openpyxl.load_workbook(path, keep_vba=keep_vba)
    except Exception as e:  # openpyxl raises many kinds for a damaged or foreign file
        raise ArXlError(f"{path}: cannot open as an Excel workbook ({e})") from None


# ---------------------------------------------------------------- create

def create(path: str | Path, overwrite: bool = False, config_rows: pd.DataFrame | None = None) -> Path:
    """Write a new, empty collections workbook (all tables, Config defaults)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise ArXlError(f"{path} already exists; not overwriting it")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for t in schema.TABLES.values():
        ws = wb.create_sheet(t.sheet_name)
        body = config_rows if (t.name == "Config") else None
        if t.name == "Config" and body is None:
            body = config_mod.default_rows()
        _write_table(ws, None, t, frames.empty_frame(t) if body is None else body, [],
                     schema.title(t) if t.title_rows else None)
    if path.suffix.lower() == ".xlsm":  # Excel opens an .xlsm only with the macro-enabled content type
        from .macro_enabled import mark_macro_enabled
        mark_macro_enabled(wb)
    _atomic_save(wb, path)
    return path


def _add_validations(ws, t: schema.Table, header: list[str]) -> None:
    """The table's drop-downs, laid anew on its columns; drop-downs a person added elsewhere stay."""
    ours = {c.name for c in t.columns if c.choices} | {c.header for c in t.columns if c.choices}
    ws.data_validations.dataValidation = [
        dv for dv in ws.data_validations.dataValidation if not (dv.type == "list" and dv.errorTitle in ours)]
    for c in t.columns:
        if c.choices and c.name in header:
            letter = get_column_letter(header.index(c.name) + 1)
            dv = DataValidation(type="list", formula1='"' + ",".join(c.choices) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle=c.header,
                                error=f"Choose one of: {', '.join(c.choices)}")
            dv.add(f"{letter}2:{letter}1048576")
            ws.add_data_validation(dv)


# ---------------------------------------------------------------- load

def read_table_frame(ws, tbl) -> tuple[pd.DataFrame, int]:
    """Raw values of an Excel table (header row as columns) and its first data row."""
    min_col, min_row, max_col, max_row = range_boundaries(tbl.ref)
    rows = None
    if xlsx_fast.raw_of(ws) is not None:
        try:
            return xlsx_fast.table_frame(ws, min_row, min_col, max_row, max_col), min_row + 1
        except xlsx_fast.Unsupported:
            xlsx_fast.materialize(ws)
    if rows is None:
        rows = list(ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col,
                                 values_only=True))
    header = [str(h) if h is not None else f"Column{i + 1}" for i, h in enumerate(rows[0])] if rows else []
    return pd.DataFrame(rows[1:], columns=header), min_row + 1


def load(path: str | Path, tables: list[str] | None = None, later=()) -> Book:
    """Read the workbook's tables into a Book; every bad cell of every table is reported at once.

    ``later`` names derived tables (``book.DERIVED_TABLES``) the caller's action replaces whole without
    reading them (the Aging a dashboard refresh rewrites): they are not read now but on the first
    ``book.get`` of them (``Book.later``), and their sheets are not parsed in the background.  Writing
    them back needs only the sheet (its range and header), never the frame."""
    path = Path(path)
    later = {schema.table(n).name for n in later}
    if not later <= DERIVED_TABLES:
        raise ValueError(f"only derived tables can be read later, not {sorted(later - DERIVED_TABLES)}")
    if not path.exists():
        raise ArXlError(f"{path}: no such workbook (create one with `ar-xl init {path}`)")
    frame_cache.flush()  # what an earlier load in this process read
    data, seen = filesafe.read_bytes(path)  # save checks the file is still these bytes
    wanted = [n for n in (tables if tables is not None else schema.TABLES) if schema.table(n).name not in later]
    package = _package(data)  # the file's zip directory and sheets, read once for the cache and the order
    parts, hits = _kept(path, data, package, wanted)
    wb = _open(path, fast=True, data=data,
               later_sheets={schema.table(n).sheet_name for n in later} | {title for title, _ in hits.values()})

    def find(t: schema.Table):
        ws, tbl = _find_table(wb, t.name)
        if tbl is None:
            return None
        raw, first = read_table_frame(ws, tbl)
        return raw, first, ws.title

    present = [tbl.displayName for ws in wb.worksheets for tbl in ws.tables.values()]
    ready = _take_kept(path, wb, parts, hits)  # frames kept from an earlier read of these very bytes
    with gc_pause.paused():  # a million cells become values, all kept (``gc_pause``)
        book = read_book(path.name, find, wanted, present, ready=ready, order=_by_size(package, wb))
    _keep_read(path, wb, parts, book, ready)
    for name in later:
        if tables is not None and name not in tables:
            continue
        ws, tbl = _find_table(wb, name)
        if tbl is not None:
            book.later[name] = _reader(path.name, name, find)
    for name in [*ready, *book.later]:  # not read through ``find``: their header rows from the sheet
        ws, tbl = _find_table(wb, name)
        book.headers[name] = _header_cells(ws, tbl)
    book.headers = {t: book.headers[t] for t in schema.TABLES if t in book.headers}
    book.to_mend = _to_mend(package, wb)
    book.handle = wb  # type: ignore[attr-defined]
    # the tables as read (pandas copies on write: an action changing a frame in place leaves these be)
    book.as_read = {name: frame.copy(deep=False) for name, frame in book.tables.items()}  # type: ignore[attr-defined]
    frames.keep_texts(book.as_read.values())  # the engine reads their text columns many times per action
    book.path = path  # type: ignore[attr-defined]
    book.fingerprint = seen  # type: ignore[attr-defined]
    book.archived = lambda: audit_files.read(path)
    return book


def _to_mend(package, wb) -> list[str]:
    """Ids the package gives twice where Excel wants them unique: sheet ids (``xlsx_fast.ids_given_twice``) and
    table ids; ``package.splice`` mends both whenever the workbook is saved."""
    said = xlsx_fast.ids_given_twice(package[0]) if package is not None else []
    by_id: dict[int, list[str]] = {}
    for ws in wb.worksheets:
        for tbl in ws.tables.values():
            by_id.setdefault(tbl.id, []).append(tbl.displayName)
    return said + [f"table id {i}: {', '.join(names)}" for i, names in by_id.items() if len(names) > 1]


def _header_cells(ws, tbl) -> list[str]:
    """The table's header row as ``read_table_frame`` reads it (each cell's text)."""
    min_col, min_row, max_col, _ = range_boundaries(tbl.ref)
    return [str(v) if v is not None else f"Column{i + 1}"
            for i, v in enumerate(_cell_value(ws, min_row, c) for c in range(min_col, max_col + 1))]


def _package(data: bytes) -> tuple[zipfile.ZipFile, dict[str, str]] | None:
    """The file's zip directory and its sheets (name -> part), or None when it is not a package read
    this way (the file is then read as it is)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        return z, xlsx_fast._sheet_parts(z)
    except Exception:  # noqa: BLE001
        return None


def _kept(path: Path, data: bytes, package, wanted: list[str]) -> tuple[frame_cache.Parts | None,
                                                                       dict[str, tuple[str, str]]]:
    """The file's parts (``frame_cache.Parts``) and the tables of ``wanted`` that ``frame_cache`` holds for
    exactly these bytes: name -> (sheet, range).  (None, {}) when the cache is off."""
    if frame_cache.folder() is None or package is None:
        return None, {}
    z, sheets = package
    parts = frame_cache.Parts(data, sheets, z)
    hits = {}
    for n in wanted:
        name = schema.table(n).name
        hit = frame_cache.lookup(path, name, parts)
        if hit is not None:
            hits[name] = hit
    return parts, hits


def _by_size(package, wb) -> dict[str, int]:
    """Each table's sheet size in the file: the smallest are turned into frames first, while the
    largest sheet (Invoices) is still being parsed in the background (``cell_reader.FastBook``)."""
    if package is None:
        return {}  # the schema's order then
    z, sheets = package
    sizes = {title: z.getinfo(part).file_size for title, part in sheets.items() if part in z.NameToInfo}
    return {tbl.displayName: sizes.get(ws.title, 0) for ws in wb.worksheets for tbl in ws.tables.values()}


def _take_kept(path: Path, wb, parts, hits: dict[str, tuple[str, str]]) -> dict[str, pd.DataFrame]:
    """The kept frames whose table the opened workbook has on the same sheet at the same range."""
    out = {}
    for name, (title, ref) in hits.items():
        ws, tbl = _find_table(wb, name)
        if ws is None or ws.title != title or tbl.ref != ref:
            continue
        frame = frame_cache.take(path, name, title, ref, parts)
        if frame is not None:
            out[name] = frame
    return out


def _keep_read(path: Path, wb, parts, book: Book, ready: dict) -> None:
    """Keep the tables just read from the file in ``frame_cache`` for the next load of these bytes, once
    the command is done and unless it rewrites them (``frame_cache.keep_later``)."""
    if parts is None:
        return
    for name, frame in book.tables.items():
        if name in ready:
            continue
        ws, tbl = _find_table(wb, name)
        if tbl is not None:
            frame_cache.keep_later(path, name, ws.title, tbl.ref, f"{path.name} sheet {ws.title}", frame, parts)


def _reader(source: str, name: str, find):
    """A function reading table ``name`` as ``read_book`` would have (for ``Book.later``)."""
    def read() -> pd.DataFrame:
        t = schema.table(name)
        raw, first, sheet = find(t)
        return frames.coerce(raw, t, f"{source} sheet {sheet}", first_row=first)
    return read


# ---------------------------------------------------------------- save

def save(book: Book, change: Change, path: str | Path | None = None, layout=None) -> dict[str, pd.DataFrame]:
    """Write the change into the workbook the book was loaded from (or ``path``), atomically.

    ``layout(wb, merged)``, when given, is called after the tables are written and
    before the file is saved (the Dashboard sheet is laid out this way), so
    everything lands in the one atomic save.  A change that writes nothing (``Change.writes_nothing``) leaves
    the workbook's file as it is: not saved again, no backup made."""
    if change.writes_nothing and layout is None and path is None:
        return {}
    path = Path(path or book.path)  # type: ignore[attr-defined]
    same = getattr(book, "path", None) is not None and filesafe.target(path) == filesafe.target(book.path)
    wb = getattr(book, "handle", None) or _open(path)
    merged = change.merged(book)
    before = {ws.title: ws for ws in wb.worksheets}
    owned = set()
    moved = set()  # sheets whose table moved down for its title: written whole (panes, print titles, colours)
    inside = {}  # sheet -> ranges holding all of its cells as the file has them (see ``package.keeper``)
    rewritten = []
    for name, body in merged.items():  # every table fits on its sheet before the first is written
        t = schema.table(name)
        check_rows(book.source, t.name, _header_row(t, _find_table(wb, t.name)[1], change.titles.get(t.name)),
                   len(body))
    for name, body in merged.items():
        t = schema.table(name)
        ws, tbl = _find_table(wb, t.name)
        if ws is None:
            ws = wb[t.sheet_name] if t.sheet_name in wb.sheetnames else wb.create_sheet(t.sheet_name)
        extras = change.extra_columns.get(t.name, [])
        written = _write_table(ws, tbl, t, body, extras, change.titles.get(t.name),
                               old=getattr(book, "as_read", {}).get(t.name))
        if written is None:
            continue
        rewritten.append(t.name)
        if getattr(ws, "_arxl_moved", False):
            moved.add(ws.title)
        if written:
            r = xlsx_fast.raw_of(ws)
            inside[ws.title] = (r._xml if r.patched else r.bounds, r, r._xml)
        owned.add(ws.title)
    if layout is not None:
        layout(wb, merged)
    laid_out = {ws.title for ws in wb.worksheets if before.get(ws.title) is not ws} | moved
    # a sheet's cells are still the table alone, as written (no layout step touched them)
    inside = {ws.title: inside[ws.title][0] for ws in wb.worksheets
              if ws.title in inside and inside[ws.title][0] is not None and ws.title in owned
              and xlsx_fast.raw_of(ws) is inside[ws.title][1] and inside[ws.title][1]._xml is inside[ws.title][2]}
    # for each owned sheet: the cells of a table written whole go to ``finish`` as they are (not into
    # openpyxl's package, to be read back from it and cut out again: the 37 MB of a next day's Aging), with
    # what the writer knows of them when no layout step touched them since (``package.layout_record``: the
    # next action's ``can_write`` reads it instead of scanning the sheet); the part as the load inflated it
    handed, records, known = {}, {}, {}
    for ws in wb.worksheets:
        r = xlsx_fast.raw_of(ws)
        if r is None or ws.title not in owned:
            continue
        if r.changed and not r.patched:
            handed[ws.title] = r.xml
            if ws.title not in laid_out and r.made is not None and r.made[0] is r._xml:
                records[ws.title] = r.made[1]
        if r.part is not None:
            known[r.part[0]] = (r.part[1], r.part[2], r.full)
    finish = package.keeper(getattr(book, "path", None), owned, laid_out, inside, records, handed, known)
    wb._arxl_stored = finish is not None  # openpyxl's package is only read back by ``finish``: not deflated
    for ws in wb.worksheets:  # patched cells go to ``finish`` as they are, not through openpyxl's package
        r = xlsx_fast.raw_of(ws)
        if r is not None:
            r.spliced = finish is not None and (isinstance(inside.get(ws.title), bytes) or ws.title in handed)
    written = _atomic_save(wb, path, getattr(book, "fingerprint", None) if same else None, _backups_kept(book),
                           finish=finish)
    book.fingerprint = written  # type: ignore[attr-defined]
    if same:
        frame_cache.forget(book.path, rewritten)  # what was read of them is not what the file holds now
    frame_cache.flush()  # the rest is kept for the next command (the file is written and unlocked)
    for name, body in merged.items():
        book.tables[schema.table(name).name] = body
        book.later.pop(schema.table(name).name, None)  # the table as written, not as it was read
    for name in rewritten:
        ws, tbl = _find_table(wb, name)
        book.headers[name] = [c.name for c in tbl.tableColumns]
    return merged


def _atomic_save(wb: openpyxl.Workbook, path: Path, expected: filesafe.Fingerprint | None = None,
                 keep: int = filesafe.DEFAULT_BACKUPS, finish=None) -> filesafe.Fingerprint:
    """Save ``wb`` over ``path`` through ``filesafe.atomic_write`` (lock, temp file, fsync, replace,
    backup); ``expected`` is the file as read (``Changed`` if it no longer is).  ``finish(tmp)``, when
    given, rewrites the written package before it replaces ``path`` (``package.keeper``: every part
    the action does not own comes from the original)."""
    def write(tmp):
        xlsx_fast.save(wb, tmp)
        if finish is not None:
            finish(tmp)
    return filesafe.atomic_write(path, write, expected=expected, keep=keep)


def _backups_kept(book: Book) -> int:
    """Config ``backups_kept`` of the book (the default when its Config cannot be read)."""
    try:
        return book.config.backups_kept
    except ArXlError:
        return filesafe.DEFAULT_BACKUPS


def _header_for(t: schema.Table, tbl, ws, body: pd.DataFrame, extras: list[str]) -> list[str]:
    existing = []
    if tbl is not None and not t.dynamic:
        min_col, min_row, max_col, _ = range_boundaries(tbl.ref)
        existing = [_cell_value(ws, min_row, c) for c in range(min_col, max_col + 1)]
        existing = [str(h) for h in existing if h is not None]
    return cells.table_header(t, existing, body, extras)


def _cell_value(ws, row: int, col: int):
    try:
        return xlsx_fast.cell_value(ws, row, col)
    except xlsx_fast.Unsupported:
        xlsx_fast.materialize(ws)
        return ws.cell(row, col).value


def _write_table(ws, tbl, t: schema.Table, body: pd.DataFrame, extras: list[str], title: str | None = None,
                 old: pd.DataFrame | None = None) -> bool | None:
    """Write the table's header and body on ``ws``; True when written as XML (``xlsx_fast.write_table``),
    None when the file holds exactly this table already (nothing written: the sheet is not rewritten).

    ``old``: the table as it was read from this sheet.  A table of ``PATCH_MIN_ROWS`` rows or more that
    keeps its range and header has only the rows whose values changed rewritten (``_patch``).

    ``title``: the title line of a table with ``title_rows`` (Aging), written ``title_rows`` rows above
    the header; a table of an older workbook that has no room for it above is moved down (its sheet's
    print set-up and colours are laid anew for the new place)."""
    header = _header_for(t, tbl, ws, body, extras)  # canonical names; the cells show ``t.shown(header)``
    shown = t.shown(header)
    moved_from = None
    if tbl is not None:
        min_col, min_row, old_max_col, old_max_row = range_boundaries(tbl.ref)
        header_row = _header_row(t, tbl, title)
        if header_row != min_row:
            moved_from, min_row = min_row, header_row
    else:
        min_col, min_row, old_max_col, old_max_row = 1, 1 + t.title_rows, len(header), 1 + t.title_rows
    if title is not None and not t.title_rows:
        title = None
    top = min_row - t.title_rows if title is not None else min_row  # the first row the table's cells use
    title_cell = (top, min_col, title) if title is not None else None
    n = len(body)
    ncols = len(header)
    kinds = {name: cells.kind_of(t, name) for name in header}
    if old is not None and tbl is not None and moved_from is None and title_cell is None and n >= PATCH_MIN_ROWS \
            and 0 < old_max_row - min_row == len(old) <= n and old_max_col - min_col + 1 == ncols:
        done = _patch(ws, tbl, t, header, shown, kinds, body, old, min_row, min_col)
        if done is not False:
            return done
    if xlsx_fast.raw_of(ws) is not None:
        # the sheet's cells as XML (what the loop below writes), when the sheet holds only this table
        columns = [_cell_values(body[name] if name in body.columns else pd.Series([None] * n),
                                kinds[name]) for name in header]
        kind_list, formats = [kinds[h] for h in header], [schema._FORMATS.get(kinds[h]) for h in header]
        last_col = max(old_max_col, min_col + ncols - 1)
        xml = None
        if all(f is not None for f in formats):  # (a person's own column needs every cell's style: later)
            try:
                xml = xlsx_fast.table_xml(ws, min_row, min_col, shown, columns, kind_list, formats,
                                          title=title_cell)
            except xlsx_fast.Unsupported:
                xml = None
            if xml is not None and tbl is not None and moved_from is None and xlsx_fast.same_cells(ws, xml) \
                    and _table_same(ws, tbl, t, header, min_row, min_col, n):
                return None  # the file has this table already, cell for cell: its sheet stays as it is
            fits = xml is not None and xlsx_fast.can_write(ws, top, min_col, last_col, max(old_max_row, min_row),
                                                           xml, ncols, header_row=min_row)
        else:
            fits = xlsx_fast.can_write(ws, top, min_col, last_col, max(old_max_row, min_row), header_row=min_row)
        if fits:
            xlsx_fast.write_table(ws, min_row, min_col, shown, columns, kind_list, formats, xml=xml, title=title_cell)
            _finish_table(ws, tbl, t, header, min_row, min_col, n, moved=moved_from is not None)
            return True
    xlsx_fast.materialize(ws)
    if moved_from is not None:  # the old table's rows above the new header: emptied (the title goes on top)
        for r in range(moved_from, min_row):
            for c in range(min_col, max(old_max_col, min_col + ncols - 1) + 1):
                ws.cell(r, c).value = None
    if title_cell is not None:
        _title(ws, *title_cell)
    # header
    for j, name in enumerate(shown):
        ws.cell(min_row, min_col + j, name)
    # body, column by column
    for j, name in enumerate(header):
        kind = kinds[name]
        fmt = schema._FORMATS.get(kind)  # None for a person's own column: its format stays theirs
        values = body[name] if name in body.columns else pd.Series([None] * n)
        vals = _cell_values(values, kind)
        col = min_col + j
        for i, v in enumerate(vals):
            cell = ws.cell(min_row + 1 + i, col)
            if cell.data_type == "f" and cell.value == v:
                continue  # a formula a person wrote (read back as its text), unchanged: it stays a formula
            cell.value = v
            if kind in ("text", cells.OWN) and isinstance(v, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if fmt is not None:
                cell.number_format = fmt
            elif isinstance(v, (dt.date, dt.datetime)) and not cell.is_date:
                cell.number_format = schema.DATE_FORMAT
    # clear what the old, longer or wider table left behind
    for r in range(min_row + n + 1, old_max_row + 1):
        for c in range(min_col, max(old_max_col, min_col + ncols - 1) + 1):
            ws.cell(r, c).value = None
    for c in range(min_col + ncols, old_max_col + 1):
        for r in range(min_row, old_max_row + 1):
            ws.cell(r, c).value = None
    _finish_table(ws, tbl, t, header, min_row, min_col, n, moved=moved_from is not None)
    return False


def _header_row(t: schema.Table, tbl, title: str | None) -> int:
    """The row the table's header goes on: where it is, or under its title rows for a new table; a table of an
    older workbook with no room for its ``title`` above it moves down under it."""
    if tbl is None:
        return 1 + t.title_rows
    row = range_boundaries(tbl.ref)[1]
    return 1 + t.title_rows if title is not None and t.title_rows and row <= t.title_rows else row


TITLE_FONT = xlsx_fast.TITLE_FONT


def _title(ws, row: int, col: int, text: str) -> None:
    """The title line above a table (``schema.Table.title_rows``); a font a person gave it stays."""
    cell = ws.cell(row, col, text)
    cell.data_type = "s"
    if not cell.has_style:
        cell.font = TITLE_FONT


def _dv_key(dv) -> bytes:
    from openpyxl.xml.functions import tostring
    return tostring(dv.to_tree())


def _table_same(ws, tbl, t: schema.Table, header: list[str], min_row: int, min_col: int, n: int) -> bool:
    """Whether ``_finish_table`` would leave the saved file's table as it is: the same range and
    columns, every table column's width already described in the sheet (the save keeps those), and
    the same drop-downs (laid anew here, which changes nothing when they are)."""
    ncols = len(header)
    ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(min_col + ncols - 1)}{min_row + max(n, 1)}"
    if tbl.ref != ref or (tbl.autoFilter is not None and tbl.autoFilter.ref != ref):
        return False
    if [c.name for c in tbl.tableColumns] != t.shown(header):
        return False
    spans = [(d.min, d.max) for d in ws.column_dimensions.values() if d.min and d.max]
    if not all(any(a <= c <= b for a, b in spans) for c in range(min_col, min_col + ncols)):
        return False
    before = [_dv_key(dv) for dv in ws.data_validations.dataValidation]
    _add_validations(ws, t, header)
    return [_dv_key(dv) for dv in ws.data_validations.dataValidation] == before


def _finish_table(ws, tbl, t: schema.Table, header: list[str], min_row: int, min_col: int, n: int,
                  moved: bool = False) -> None:
    """The table object, panes, widths and drop-downs around the cells just written; ``moved``: the table
    was moved down to make room for its title (its sheet's print set-up and colours laid anew)."""
    ncols = len(header)
    last_row = min_row + max(n, 1)
    ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(min_col + ncols - 1)}{last_row}"
    if tbl is None:
        tbl = XlTable(displayName=t.name, ref=ref)
        tbl.tableStyleInfo = _table_style()
        ws.add_table(tbl)
        sheet_setup.prepare(ws, t.name, header, min_row, min_col, title_rows=t.title_rows)
    else:
        tbl.ref = ref
        if tbl.autoFilter is not None:
            tbl.autoFilter.ref = ref
        if moved:
            ws._arxl_moved = True
            ws.conditional_formatting = ConditionalFormattingList()
            sheet_setup.prepare(ws, t.name, header, min_row, min_col, title_rows=t.title_rows)
    shown = t.shown(header)
    tbl.tableColumns = []
    tbl._initialise_columns()
    for j, name in enumerate(shown):
        tbl.tableColumns[j].name = name
    # layout
    ws.freeze_panes = f"{get_column_letter(min_col)}{min_row + 1}"
    for j, name in enumerate(header):
        letter = get_column_letter(min_col + j)
        try:
            width = t.column(name).width
        except KeyError:
            width = 12
        ws.column_dimensions[letter].width = max(width, len(shown[j]) + 3)
    _add_validations(ws, t, header)


_cell_values = cells.cell_values

PATCH_MIN_ROWS = 1000
"""A table this long (or longer) that keeps its range and header is written by replacing only its rows whose
values changed (``_patch``): a match or a promise that changes a few of 100,000 invoices rewrites those rows,
not the sheet, and the other rows stay in the file byte for byte."""


def _patch(ws, tbl, t: schema.Table, header: list[str], shown: list[str], kinds: dict, body: pd.DataFrame,
           old: pd.DataFrame, min_row: int, min_col: int) -> bool | None:
    """Write ``body`` over the table ``old`` was read from by rewriting only the rows that differ and adding
    the rows after them (``xlsx_fast.patched_xml``): True when written so, None when nothing differs (the
    sheet stays as it is), False when the table must be written whole (another header, another column's
    format, more than half the rows changed, or a row the patch cannot replace)."""
    if xlsx_fast.raw_of(ws) is None:
        return False
    formats = [schema._FORMATS.get(kinds[h]) for h in header]
    if any(f is None for f in formats):  # a person's own column: its cells keep their styles (the whole path)
        return False
    existing = [_cell_value(ws, min_row, min_col + j) for j in range(len(shown))]
    if ["" if v is None else str(v) for v in existing] != list(shown):
        return False
    n, n_old = len(body), len(old)
    changed = _changed_rows(old, body.iloc[:n_old], header)
    if changed is None or 2 * len(changed) > n_old:
        return False
    rows = np.concatenate([changed, np.arange(n_old, n)])
    if not len(rows):
        return None if _table_same(ws, tbl, t, header, min_row, min_col, n) else False
    kind_list = [kinds[h] for h in header]
    part = body.iloc[rows]
    columns = [_cell_values(part[h], kinds[h]) for h in header]
    raw = xlsx_fast.raw_of(ws)
    own = raw._own
    xml = xlsx_fast.patched_xml(ws, min_row, min_col, rows.tolist(), columns, kind_list, formats, n_old)
    if xml is None:
        return False
    xlsx_fast.write_table(ws, min_row, min_col, shown, columns, kind_list, formats, xml=xml)
    raw.patched = True  # the splice has nothing to merge back
    # the rows kept are in the file's markup, as the splice puts them back into the file's part; only a
    # save without the splice (openpyxl's part alone) reads ``raw.xml``, which turns them into openpyxl's
    raw._own = own
    _finish_table(ws, tbl, t, header, min_row, min_col, n)
    return True


def _changed_rows(old: pd.DataFrame, new: pd.DataFrame, header: list[str]) -> np.ndarray | None:
    """Positions of the rows of ``new`` whose value in any column of ``header`` is not the one ``old``
    holds in the same row; None when the two cannot be compared row for row."""
    if len(old) != len(new) or any(h not in old.columns or h not in new.columns for h in header):
        return None
    differ = np.zeros(len(new), dtype=bool)
    for h in header:
        differ |= ~_same_values(old[h], new[h])
    return np.flatnonzero(differ)


def _same_values(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Per row: the same value, of the same type, in both (two empty cells are the same)."""
    if frames.same_column(a, b):
        return np.ones(len(a), dtype=bool)  # one column, shared by both frames (an action left it as read)
    if a.dtype == b.dtype and isinstance(a.dtype, np.dtype) and a.dtype.kind in "biufmM":
        x, y = a.to_numpy(), b.to_numpy()
        same = x == y
        if a.dtype.kind in "fmM":
            same |= pd.isna(x) & pd.isna(y)
        return same
    x, y = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    nx, ny = pd.isna(x), pd.isna(y)
    x, y = np.where(nx, None, x), np.where(ny, None, y)
    if len((set(map(type, x)) | set(map(type, y))) - {type(None)}) <= 1:  # one type: == says it
        return (x == y) & (nx == ny)
    return np.fromiter((type(p) is type(q) and p == q for p, q in zip(x, y)), dtype=bool, count=len(x)) & (nx == ny)


# ---------------------------------------------------------------- files in general

def read_input(path: str | Path, table: str, sheet: str | None = None) -> pd.DataFrame:
    """A canonical frame from a .csv file, a plain .xlsx export or a collections workbook.

    In an .xlsx the Excel table of that name is used when it exists, else the
    sheet of that name, else the first sheet (header on its first row).
    """
    return read_input_with(path, table, sheet=sheet)[0]


def read_input_with(path: str | Path, table: str, beside=(), sheet: str | None = None) \
        -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """``read_input``, and those of the Excel tables named ``beside`` that the same .xlsx holds (a collections
    workbook's Customers beside its Invoices), read from the one opening of the file: {name: frame}, empty
    for a flat file or an export without them."""
    path = Path(path)
    t = schema.table(table)
    if not path.exists():
        raise ArXlError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in flat.FLAT_INPUTS:
        return flat.read_csv_input(path, t), {}
    if suffix in (".xlsx", ".xlsm"):
        wb = _open(path)
        found = {}
        for name in beside:
            other = schema.table(name)
            ws, tbl = _find_table(wb, other.name)
            if tbl is not None:
                raw, first = read_table_frame(ws, tbl)
                found[other.name] = frames.coerce(raw, other, f"{path.name} sheet {ws.title}", first_row=first)
        ws, tbl = _find_table(wb, t.name)
        if tbl is not None:
            raw, first = read_table_frame(ws, tbl)
            return frames.coerce(raw, t, f"{path.name} sheet {ws.title}", first_row=first), found
        if sheet and sheet not in wb.sheetnames:
            raise ArXlError(f"{path.name}: no sheet named {sheet!r}; its sheets are {', '.join(wb.sheetnames)}")
        ws = wb[sheet] if sheet else (wb[t.sheet_name] if t.sheet_name in wb.sheetnames else wb.worksheets[0])
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            raise InputError(f"sheet {ws.title} is empty", f"{path.name}")
        header = [str(h) if h is not None else f"Column{i + 1}" for i, h in enumerate(rows[0])]
        return frames.coerce(pd.DataFrame(rows[1:], columns=header), t, f"{path.name} sheet {ws.title}",
                             first_row=2), found
    raise ArXlError(f"{path}: unsupported file type {suffix!r}; use .csv or .xlsx")


_read_csv = flat.read_csv


def write_output(frame: pd.DataFrame, path: str | Path, money: list[str], dates: list[str] | None = None,
                 sheet: str = "Sheet1") -> Path:
    """Write a result frame (money in cents) as .csv, .xlsx or .json by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    dates = dates or [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if suffix in flat.FLAT_OUTPUTS:
        return flat.write_flat(frame, path, money, dates)
    out = frame.copy()
    if suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        cols = list(out.columns)
        ws.append(cols)
        for j, c in enumerate(cols):
            kind = "money" if c in money else ("date" if c in dates else "text")
            vals = _cell_values(out[c], kind) if kind != "text" else cells.cell_values(out[c], cells.OWN)
            for i, v in enumerate(vals):
                cell = ws.cell(i + 2, j + 1, v)
                if kind == "money":
                    cell.number_format = schema.MONEY_FORMAT
                elif kind == "date":
                    cell.number_format = schema.DATE_FORMAT
                elif isinstance(v, str):
                    cell.data_type = "s"
            ws.column_dimensions[get_column_letter(j + 1)].width = max(12, len(str(c)) + 3)
        ws.freeze_panes = "A2"
        _atomic_save(wb, path)
        return path
    raise ArXlError(f"{path}: unsupported output type {suffix!r}; use .csv, .xlsx or .json")


_jsonable = flat._jsonable

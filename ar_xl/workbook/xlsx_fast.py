"""Fast paths of the workbook-file shell for big workbooks (used by ``ar_xl.workbook.xlsx``).

openpyxl builds a Python object per cell when it loads and walks every cell
again when it saves: about 20 µs a cell each way, so a workbook of 100,000
invoices (a few million cells over the tables) takes minutes.  The shell
needs openpyxl for everything around the cells (tables, validations, column
widths, panes, charts, pivots), not for the cells of the big tables, so:

* ``open_workbook`` gives openpyxl each worksheet *without* its
  ``<sheetData>`` (the cells) and keeps the cells' XML aside on the sheet
  (``ws._arxl``); the workbook's shared strings are kept in their order, so
  the kept XML stays valid.
* ``read_table`` / ``read_columns`` read an Excel table's cells with
  ``cell_reader``: python-calamine where it gives exactly openpyxl's values,
  else a streaming XML parser (lxml) with openpyxl's own rules for each cell
  (numbers, shared and inline strings, booleans, errors, formulas, dates by
  the cell's number format).
* ``write_table`` writes a table body as XML, cell for cell what openpyxl
  would write (inline strings, the column's number format, ``%.16g``
  numbers, dates as serial numbers).
* ``save`` writes the workbook with openpyxl and puts each sheet's cells
  back in place; sheets nobody changed are copied as they were.
* PivotTables and their caches are not given to openpyxl (reading a cache of
  100,000 records costs seconds): the saved file takes every part the
  action does not own from the original (``package.keep_others``), pivots
  included, and the Dashboard's own pivots are laid out afresh.

Whenever a sheet holds something these paths do not handle the same way as
openpyxl (formulas, cells beside or below the table, styled table cells,
rich or error cells), ``materialize`` hands that sheet's cells to openpyxl
and the ordinary code runs, so the result is always the same.
"""
from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from itertools import chain, repeat
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pandas as pd
from defusedxml import ElementTree as SafeET
from lxml import etree
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._reader import WorksheetReader
from openpyxl.writer.excel import ExcelWriter

from ..schema import DATE_FORMAT
from . import cell_reader
from .package import deflate, layout_record

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>|<sheetData\b[^>]*>.*?</sheetData>", re.S)
_EMPTY_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_HYPERLINKS = re.compile(rb"<hyperlinks\s*/>|<hyperlinks\b[^>]*>.*?</hyperlinks>", re.S)
_NS_DECL = re.compile(rb'\sxmlns:([A-Za-z_][\w.-]*)\s*=')
_PREFIXED_TAG = re.compile(rb"</?[A-Za-z_][\w.-]*:")
_TAG_WITH_COLON = re.compile(rb"<[A-Za-z_][\w.-]*\s[^<>]*:[^<>]*>")
_FOREIGN_ATTR = re.compile(rb"""\s(?!xml:)[A-Za-z_][\w.-]*:[\w.-]+\s*=\s*(?:"[^"]*"|'[^']*')""")
_PIVOT_CACHES = re.compile(rb"<pivotCaches\s*/>|<pivotCaches\b[^>]*>.*?</pivotCaches>", re.S)
_PIVOT_REL = re.compile(rb"<Relationship\b[^>]*?Type=\"[^\"]*/pivotTable\"[^>]*>(?:</Relationship>)?")
_CELL_WITH_META = re.compile(rb"<c\s[^<>]*\b[cv]m=[^<>]*>")
_META_ATTR = re.compile(rb"""\s[cv]m\s*=\s*(?:"[^"]*"|'[^']*')""")


class Unsupported(Exception):
    """The sheet has something only openpyxl handles exactly; use it for this sheet."""


class RawSheet:
    """A worksheet's cells as the XML inside ``<sheetData>``, kept out of openpyxl."""

    def __init__(self, xml: bytes | None, full: bytes, shared: list, cells: dict | None = None,
                 changed: bool = False, fast=None, span: tuple[int, int] | None = None):
        self._body = xml
        self._span = span
        """(start, end) of the cells inside ``full``, when ``xml`` is None: ``_xml`` is cut out of the part
        only when something reads it (a table an action never writes is never copied)."""
        self._own = False  # whether ``_xml`` is in our own markup yet (see ``_own_markup``)
        self.full = full
        """The original worksheet part (to hand to openpyxl when needed)."""
        self.shared = shared
        self.cells = cells
        """(row, col) -> (style id, kind) (see ``cell_reader.cell_layout``); parsed on first use."""
        self._values = None
        self._values_to = None
        self._fits = None
        self.head = None
        self.bounds = None
        """Ranges (min col, min row, max col, max row) that together hold every cell of the sheet as the
        file has it, when ``can_write`` found them (``cell_reader.Layout.boxes``; ``package.keep_others``
        then need not look for cells outside the tables)."""
        """(header row, ``cell_layout`` of the rows up to it), found by ``can_write``."""
        self.changed = changed
        self.patched = False
        """The cells are the file's with some table rows replaced (``patched_xml``)."""
        self.spliced = False
        """The save hands the cells to the package splice itself: openpyxl's package holds none of them."""
        self.fast = fast
        """The workbook's ``cell_reader.FastBook`` (None: always read exactly)."""
        self.wb = None
        self.title = None
        self.recorded = None
        """(top row, header row, ``cell_reader.Layout``) of the cells as the file holds them, when the file
        kept ar-xl's record of them with the part (``package.layout_record``): ``can_write`` need not scan."""
        self.made = None
        """(XML, record) of the last table ``table_xml`` made for this sheet, the record as above (the save
        keeps it with the part when the sheet's cells are that XML)."""
        self.part = None
        """(part name, CRC-32, length) of ``full`` in the file it was read from: the save's splice takes the
        part from here instead of inflating it again, while the file still holds that part."""

    @property
    def _xml(self) -> bytes:
        """The cells' XML as it stands (the file's, until the cells are written)."""
        if self._body is None:
            self._body = self.full[self._span[0]:self._span[1]]
        return self._body

    @_xml.setter
    def _xml(self, value: bytes) -> None:
        self._body = value

    def cells_view(self):
        """The cells' XML as the file holds it, without copying it out of the part (a memoryview)."""
        if self._body is None:
            return memoryview(self.full)[self._span[0]:self._span[1]]
        return self._body

    @property
    def xml(self) -> bytes:
        """The cells' XML, in markup the part openpyxl writes can hold (``_own_markup``)."""
        if not self._own:
            head = self.full[:self.full.find(b"<sheetData")]
            self._xml = _own_markup(self._xml, set(_NS_DECL.findall(head)))
            self._own = True
        return self._xml

    @xml.setter
    def xml(self, value: bytes) -> None:
        self._xml = value
        self._own = True
        self._values = None

    def _source(self) -> bytes:
        if self.changed:  # our own XML: declare the namespace it is in
            return b'<sheetData xmlns="' + cell_reader.MAIN_NS.encode() + b'">' + self._xml + b"</sheetData>"
        return self.full

    def parse(self) -> dict:
        """(row, col) -> (style id, kind) of every cell (``cell_reader.cell_layout``)."""
        if self.cells is None:
            try:
                self.cells = cell_reader.cell_layout(self._source())
            except (etree.XMLSyntaxError, ValueError) as e:
                raise Unsupported(f"cells openpyxl must read ({e})") from None
        return self.cells

    def values(self, up_to_row: int | None = None) -> dict:
        """(row, col) -> value, as openpyxl reads them (``cell_reader.exact_values``); only the rows up
        to ``up_to_row`` when given."""
        if self._values is not None and (self._values_to is None or (up_to_row or 0) and up_to_row <= self._values_to):
            return self._values
        try:
            values = cell_reader.exact_values(self._source(), self.wb, self.shared, up_to_row)
        except (etree.XMLSyntaxError, ValueError, IndexError) as e:
            raise Unsupported(f"cells openpyxl must read ({e})") from None
        self._values, self._values_to = values, up_to_row
        return values


# ---------------------------------------------------------------- open

def _own_markup(body: bytes, prefixes: set[bytes] | None = None) -> bytes:
    """The cells' XML without attributes of other namespaces (Excel writes ``x14ac:dyDescent`` on
    every row) and without the ``cm``/``vm`` cell-metadata references.  The part they are put back into is openpyxl's, whose root declares only the main
    namespace, so such a prefix would make the sheet unreadable; openpyxl drops them too.  Elements of
    another namespace are left to openpyxl (``Unsupported``).

    ``prefixes``, when given, are the namespace prefixes declared around the cells, and the cells were
    checked for elements of them (``_foreign_elements``): the work is skipped where none of them, and
    no ``cm``/``vm``, occurs in the XML at all (substring tests)."""
    if prefixes is None and _PREFIXED_TAG.search(body):
        raise Unsupported("elements of another namespace among the cells")
    if prefixes is None or any(p + b":" in body for p in prefixes):
        body = _TAG_WITH_COLON.sub(lambda m: _FOREIGN_ATTR.sub(b"", m.group(0)), body)
    # cm/vm point into the metadata part (Excel 365's dynamic-array and rich-value cells), which
    # openpyxl does not keep: a cell still pointing there makes Excel repair the file
    if prefixes is None or b"cm=" in body or b"vm=" in body:  # (what the pattern needs to match at all)
        body = _CELL_WITH_META.sub(lambda m: _META_ATTR.sub(b"", m.group(0)), body)
    return body


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part name, from the workbook part and its relationships."""
    wb_xml = SafeET.fromstring(z.read("xl/workbook.xml"))
    rels = SafeET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for r in rels:
        t = r.get("Target", "")
        targets[r.get("Id")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    sheets = wb_xml.find(f"{NS}sheets")
    for s in (sheets if sheets is not None else []):
        out[s.get("name")] = targets.get(s.get(f"{REL_NS}id"), "")
    return out


def ids_given_twice(z: zipfile.ZipFile) -> list[str]:
    """The sheet ids of the workbook part that two sheets share, in words (``sheetId 20: Dashboard,
    DashboardData``).  Excel reports such a file as unreadable content; ``package.splice`` mends it whenever the
    workbook is written (``actions.upgrade`` writes it for that alone)."""
    try:
        sheets = SafeET.fromstring(z.read("xl/workbook.xml")).find(f"{NS}sheets")
    except (KeyError, SafeET.ParseError):
        return []
    by_id: dict[str, list[str]] = {}
    for s in (sheets if sheets is not None else []):
        by_id.setdefault(s.get("sheetId") or "", []).append(s.get("name") or "")
    return [f"sheetId {i}: {', '.join(names)}" for i, names in by_id.items() if len(names) > 1]


def _rels_of(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _has_table(z: zipfile.ZipFile, names: set[str], part: str) -> bool:
    """Whether the sheet part has a table (a relationship of that type)."""
    rels = _rels_of(part)
    return rels in names and b'/table"' in z.read(rels)


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    try:
        data = z.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    out = []
    for si in SafeET.fromstring(data).iter(f"{NS}si"):
        parts = []
        for child in si:
            if child.tag == f"{NS}t":
                parts.append(child.text or "")
            elif child.tag == f"{NS}r":
                t = child.find(f"{NS}t")
                parts.append((t.text or "") if t is not None else "")
        out.append("".join(parts))
    return out


def _sheet_data(part: bytes) -> tuple[int, int, int, int] | None:
    """Where the part's ``<sheetData>`` element starts and ends, and where the XML inside it starts and
    ends; None when it has none or more than one (a worksheet has exactly one; a prefixed one is left to
    openpyxl)."""
    start = part.find(b"<sheetData")
    if start < 0:
        return None
    gt = part.find(b">", start)
    if gt < 0:
        return None
    if part[gt - 1:gt] == b"/":  # <sheetData/>
        return (start, gt + 1, gt + 1, gt + 1) if part.find(b"<sheetData", gt) < 0 else None
    end = part.rfind(b"</sheetData>")
    # another one after it (inside it, one would be a tag in the cells, which no worksheet has: the
    # cells' text is escaped, and the parsers refuse the part)
    if end < gt or part.find(b"<sheetData", end) >= 0:
        return None
    return start, end + len(b"</sheetData>"), gt + 1, end


def _foreign_elements(part: bytes, start: int, a: int, b: int) -> bool:
    """Whether the cells (``part[a:b]``) hold elements of another namespace (prefixed with a prefix
    declared before them, in ``part[:start]``, or declaring one themselves); openpyxl handles those
    (``Unsupported``).  Searched in place, without copying the cells out."""
    if part.find(b"xmlns", a, b) >= 0:
        return True
    # (an element's end tag ``</p:`` comes after its start tag ``<p:``: one look for each prefix)
    return any(part.find(b"<" + p + b":", a, b) >= 0 for p in set(_NS_DECL.findall(part, 0, start)))


def _cell_style_count(styles: bytes) -> int | None:
    if not styles:
        return None
    xfs = SafeET.fromstring(styles).find(f"{NS}cellXfs")
    return None if xfs is None else len(xfs.findall(f"{NS}xf"))


def open_workbook(path, keep_vba: bool = False, later=(), data: bytes | None = None) -> openpyxl.Workbook:
    """openpyxl's workbook with the worksheets' cells kept aside (``ws._arxl``); see the module docstring.
    The sheets named in ``later`` are not parsed in the background (the caller may never read them).
    ``data``: the file's bytes, when the caller has read them already.

    Falls back to a plain ``openpyxl.load_workbook`` when the file is not laid
    out as expected.
    """
    try:
        data = Path(path).read_bytes() if data is None else data
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = _sheet_parts(z)
            fast = cell_reader.FastBook(data)
            # start parsing the sheets of tables in the background at once, while openpyxl reads the
            # rest and the sheets are checked; a parse is used only where the check (``_fast_fits``)
            # and the workbook's date formats (``formats_agree``, below) let calamine read the sheet
            names = set(z.namelist())
            tabled = [name for name, part in parts.items() if name not in later and _has_table(z, names, part)]
            size = {name: z.getinfo(parts[name]).file_size if parts[name] in names else 0 for name in tabled}
            by_size = sorted(tabled, key=lambda n: size[n])
            # the largest sheet to one thread, the others smallest first (the order ``xlsx.load`` reads them)
            fast.prefetch(by_size[-1:] + by_size[:-1])
            fast.done()
            shared = _shared_strings(z)
            raw: dict[str, RawSheet] = {}
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
                wanted = set(parts.values())
                sheet_rels = {_rels_of(p) for p in wanted}
                for info in z.infolist():
                    if info.filename.startswith(("xl/pivotCache/", "xl/pivotTables/")):
                        continue  # nothing refers to them any more (below)
                    part = deflate.read(z, data, info.filename)
                    if info.filename in wanted:
                        span = _sheet_data(part)
                        if span is not None:
                            start, end, a, b = span
                            if _foreign_elements(part, start, a, b):
                                raise Unsupported("elements of another namespace among the cells")
                            raw[info.filename] = RawSheet(None, part, shared, fast=fast, span=(a, b))
                            raw[info.filename].recorded = layout_record.decode(info.extra, info.CRC,
                                                                               info.file_size)
                            raw[info.filename].part = (info.filename, info.CRC, info.file_size)
                            part = part[:start] + b"<sheetData/>" + part[end:]
                            # openpyxl binds a hyperlink by giving its cell the link as value: that cell
                            # would be set while the cells are kept aside.  ``materialize`` binds them
                            # on the real cells; the package keeps the part's own (``package``).
                            part = _HYPERLINKS.sub(b"", part, count=1)
                    elif info.filename == "xl/workbook.xml":
                        part = _PIVOT_CACHES.sub(b"", part, count=1)
                    elif info.filename in sheet_rels:
                        part = _PIVOT_REL.sub(b"", part)
                    out.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), part)
            styles = z.read("xl/styles.xml") if "xl/styles.xml" in z.namelist() else b""
        buf.seek(0)
        wb = openpyxl.load_workbook(buf, keep_vba=keep_vba)
        n_xfs = _cell_style_count(styles)
        if n_xfs is not None and n_xfs != len(wb._cell_styles):
            raise Unsupported("repeated cell styles")
        fast.dates_agree = cell_reader.formats_agree(wb)
        for ws in wb.worksheets:
            r = raw.get(parts.get(ws.title, ""))
            if r is not None:
                r.wb, r.title = wb, ws.title
                ws._arxl = r
        return wb
    except (Unsupported, KeyError, zipfile.BadZipFile, SafeET.ParseError, UnicodeDecodeError):
        return openpyxl.load_workbook(path, keep_vba=keep_vba)


def raw_of(ws) -> RawSheet | None:
    return getattr(ws, "_arxl", None)


def materialize(ws) -> None:
    """Hand the sheet's cells to openpyxl (as ``load_workbook`` would have); the fast paths stop for it."""
    r = raw_of(ws)
    if r is None:
        return
    if r.changed:  # our own XML: it only holds plain cells, so rebuild them from it
        xml = _SHEETDATA.sub(lambda m: b"<sheetData>" + r.xml + b"</sheetData>", r.full, count=1)
    else:
        xml = r.full
    reader = WorksheetReader(ws, io.BytesIO(xml), r.shared, False, False)
    reader.bind_cells()
    reader.bind_hyperlinks()  # kept out of openpyxl's first read (see ``open_workbook``)
    del ws._arxl


# ---------------------------------------------------------------- read

def cell_value(ws, row: int, col: int):
    r = raw_of(ws)
    if r is None:
        return ws.cell(row, col).value
    return r.values(up_to_row=row).get((row, col))


def _fast_fits(r: RawSheet) -> bool:
    """``cell_reader.cells_fit`` of the sheet's cells as read from the file (kept once known)."""
    if r._fits is None:
        r._fits = cell_reader.cells_fit(r.full if r._own else r.cells_view()) if not r.changed else False
    return r._fits


def read_columns(ws, min_row: int, min_col: int, max_row: int, max_col: int) -> list[list]:
    """The values of the range column by column, as openpyxl reads them (see ``cell_reader``)."""
    r = raw_of(ws)
    if r.fast is not None and not r.changed and r.fast.dates_agree and _fast_fits(r):
        cols = r.fast.columns(r.title, min_row, min_col, max_row, max_col)
        if cols is not None:
            return cols
    values = r.values()
    height = max_row - min_row + 1
    cols = [[None] * height for _ in range(max_col - min_col + 1)]
    for (row, col), value in values.items():
        if min_row <= row <= max_row and min_col <= col <= max_col:
            cols[col - min_col][row - min_row] = value
    return cols


def table_frame(ws, min_row: int, min_col: int, max_row: int, max_col: int):
    """The range as a frame, its first row as the header (what ``pd.DataFrame(rows[1:], columns=header)``
    gives for the rows openpyxl reads), built column by column."""
    cols = read_columns(ws, min_row, min_col, max_row, max_col)
    header = [str(c[0]) if c[0] is not None else f"Column{i + 1}" for i, c in enumerate(cols)]
    frame = pd.DataFrame({i: c[1:] for i, c in enumerate(cols)}, index=pd.RangeIndex(max_row - min_row))
    frame.columns = header
    return frame


def read_table(ws, min_row: int, min_col: int, max_row: int, max_col: int) -> list[tuple]:
    """The rows of the range as tuples of values (like ``iter_rows(values_only=True)``)."""
    cols = read_columns(ws, min_row, min_col, max_row, max_col)
    return list(zip(*cols)) if cols else [() for _ in range(max_row - min_row + 1)]


# ---------------------------------------------------------------- write

def _plain(wb, style_id: int) -> bool:
    """A cell style that is only a number format (what the table writer gives)."""
    st = wb._cell_styles[style_id]
    return (st.fontId == 0 and st.fillId == 0 and st.borderId == 0 and st.alignmentId == 0
            and st.protectionId == 0 and not st.quotePrefix and not st.pivotButton)


def _rows_kept(old: bytes, new: bytes) -> tuple[list[int], bytes]:
    """The numbers of the rows of ``old`` (a sheet's cells XML) that ``new`` holds byte for byte, and
    the XML of the other rows (with anything else ``old`` holds)."""
    new_rows = set(new.split(b"</row>"))
    same, rest = [], []
    pieces = old.split(b"</row>")
    last = len(pieces) - 1
    for i, x in enumerate(pieces):
        if i < last and x in new_rows and x.startswith(b'<row r="'):
            same.append(int(x[8:x.index(b'"', 8)]))
        elif i < last:
            rest.append(x + b"</row>")
        else:
            rest.append(x)
    return same, b"".join(rest)


def _first_rows(xml: bytes, n: int) -> list[bytes]:
    """The first ``n`` rows of a sheet's cells XML as they are written (up to each ``</row>``)."""
    out, pos = [], 0
    while len(out) < n:
        end = xml.find(b"</row>", pos)
        if end < 0:
            break
        out.append(xml[pos:end])
        pos = end + 6
    return out


def _rows_all_changed(old: bytes, new: bytes, probe: int = 64) -> bool:
    """True when the table's first rows (past its title and header) all differ from the new ones at the
    same place: a table whose every row changed (Aging the next day) is not split and compared row by row
    (``_rows_kept``), since it would find nothing to keep."""
    a, b = _first_rows(old, probe + 3), _first_rows(new, probe + 3)
    return len(a) == len(b) == probe + 3 and not any(x == y for x, y in zip(a[3:], b[3:]))


def can_write(ws, min_row: int, min_col: int, last_col: int, old_max_row: int, xml: bytes | None = None,
              width: int | None = None, header_row: int | None = None) -> bool:
    """True when ``write_table`` gives what the ordinary writer gives: the sheet holds only the
    table (no cells above, beside or below it) and its cells carry no style but a number format.

    ``xml``, when given, is the table's new cells XML (``table_xml``, ``width`` columns from
    ``min_col``): the rows the sheet holds already byte for byte are plain table rows, so only the
    others are looked at (a refresh that changes a few statuses of 100,000 invoices scans those).
    ``header_row``: the table's header, when a title lies above it at ``min_row`` (``RawSheet.bounds``
    then name the title's cell apart from the table's)."""
    r = raw_of(ws)
    if r is None:
        return False
    wb = ws.parent
    r.bounds = None
    scan, kept = None, None
    if r.cells is None and not r.changed and r.recorded is not None \
            and r.recorded[:2] == (min_row, min_row if header_row is None else header_row):
        scan = r.recorded[2]  # ar-xl wrote these cells, and knows their layout (``package.layout_record``)
    elif r.cells is None and xml is not None and width and not r.changed \
            and not _rows_all_changed(r._xml, xml):
        same, rest = _rows_kept(r._xml, xml)
        if same:
            if min(same) < min_row or max(same) > old_max_row or min_col + width - 1 > last_col:
                return False
            scan = cell_reader.layout_scan(rest, min_row, header_row)
            kept = (min_col, min(same), min_col + width - 1, max(same))
    if scan is None and r.cells is None:
        kept = None
        scan = cell_reader.layout_scan(r._xml, min_row, header_row)
    if scan is not None:  # the usual case, without parsing the cells: a few byte scans
        first_row, last_row, first_col, last_col_seen, styles, kinds, boxes = scan
        if kept is not None:  # with the rows kept as they are
            first_row = kept[1] if first_row is None else min(first_row, kept[1])
            last_row = kept[3] if last_row is None else max(last_row, kept[3])
            first_col = kept[0] if first_col is None else min(first_col, kept[0])
            last_col_seen = kept[2] if last_col_seen is None else max(last_col_seen, kept[2])
            boxes = (*boxes, kept)
        if first_row is not None and not r.changed:  # the cells as the file holds them
            r.bounds = boxes
        if first_row is not None and (first_row < min_row or last_row > old_max_row or first_col < min_col
                                      or last_col_seen > last_col):
            return False
        if any(s and not _plain(wb, s) for s in styles) or not kinds <= {"n", "s", "b", "str", "inlineStr"}:
            return False
        try:  # the header row's styles, which ``write_table`` keeps
            _header_layout(r, min_row)
        except Unsupported:
            return False
        return True
    try:
        cells = r.parse()
    except Unsupported:
        return False
    for (row, col), (s, t) in cells.items():
        if row < min_row or row > old_max_row or col < min_col or col > last_col:
            return False
        if row > min_row and s and not _plain(wb, s):
            return False
        if t not in ("n", "s", "b", "str", "inlineStr"):  # formulas ("f"), errors, ISO dates
            return False
    return True


def style_id(ws, number_format: str | None = None, font: Font | None = None) -> int:
    """The workbook's cell style with this number format and font (added when it has none yet)."""
    probe = Cell(ws, row=1, column=1)
    if font is not None:
        probe.font = font
    if number_format:
        probe.number_format = number_format
    return probe.style_id


def write_cells(ws, cells: dict[tuple[int, int], tuple[object, int]]) -> None:
    """Give a new sheet (openpyxl holds no cell of it) these cells as its cells' XML, not as openpyxl
    cells: ``(row, col) -> (value, style id)`` (``style_id``).  A text is always text (an inline string,
    never a formula), a number a number (16 significant digits, as openpyxl writes it), a date or
    datetime its serial number in the workbook's date system, True/False a boolean, None an empty
    cell in its style (no cell without one).  Writing thousands of cells this way takes a
    fraction of what openpyxl's cell objects take to make and write."""
    if ws._cells:
        raise RuntimeError(f"sheet {ws.title}: write_cells is for a sheet without cells")
    epoch = ws.parent.epoch
    serials: dict = {}
    rows: dict[int, list[str]] = {}
    for (row, col), (v, sid) in sorted(cells.items()):
        xml = _cell(f"{get_column_letter(col)}{row}", sid, f' s="{sid}"' if sid else "", v, "", epoch, serials)
        if xml:
            rows.setdefault(row, []).append(xml)
    body = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in rows.items()).encode("utf-8")
    full = (b'<worksheet xmlns="' + cell_reader.MAIN_NS.encode() + b'"><sheetData>' + body
            + b"</sheetData></worksheet>")
    r = RawSheet(body, full, [], changed=True)
    r.xml = body
    r.wb, r.title = ws.parent, ws.title
    ws._arxl = r


TITLE_FONT = Font(bold=True, size=14)
"""The title line above a table (``schema.Table.title_rows``)."""


def _title_style(ws) -> int:
    return style_id(ws, font=TITLE_FONT)


def _text_cell(ref: str, sid: int, v: str) -> str:
    """An inline-string cell; ``sid`` 0 writes no style attribute."""
    node = escape(v)
    stripped = v.strip()
    space = ' xml:space="preserve"' if stripped and v != stripped else ""
    styled = f' s="{sid}"' if sid else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{node}</t></is></c>'


def _escape(v: str) -> str:
    """``xml.sax.saxutils.escape``."""
    if "&" in v:
        v = v.replace("&", "&amp;")
    if "<" in v:
        v = v.replace("<", "&lt;")
    if ">" in v:
        v = v.replace(">", "&gt;")
    return v


def _cell(ref: str, sid: int, styled: str, v, kind: str, epoch, serials: dict) -> str:
    """One cell's XML as ``write_table`` writes it ("" for no cell)."""
    if v is None:
        return f'<c r="{ref}"{styled}/>' if sid else ""
    if isinstance(v, str):
        if v == "":
            return f'<c r="{ref}"{styled} t="inlineStr"/>'
        return _text_cell(ref, sid, v)
    if isinstance(v, bool):
        return f'<c r="{ref}"{styled} t="b"><v>{int(v)}</v></c>'
    if kind in ("date", "datetime") or isinstance(v, dt.date):
        serial = serials.get(v)
        if serial is None:
            serial = serials[v] = "%.16g" % to_excel(v, epoch)
        return f'<c r="{ref}"{styled} t="n"><v>{serial}</v></c>'
    return f'<c r="{ref}"{styled} t="n"><v>{"%.16g" % v}</v></c>'


def _column(letter: str, rownums: list[str], values: list, kind: str, sid: int, epoch, serials: dict) -> list[str]:
    """The cells of one column in style ``sid``, each as ``_cell`` writes it; a column of only
    numbers, only dates or only texts (and blanks) in one comprehension."""
    styled = f' s="{sid}"' if sid else ""
    p = f'<c r="{letter}'
    none = (lambda rn: f'{p}{rn}"{styled}/>') if sid else (lambda rn: "")
    types = set(map(type, values))
    blank = type(None) in types
    types.discard(type(None))
    if types <= {float, int} and kind not in ("date", "datetime"):
        if not blank:
            return [f'{p}{rn}"{styled} t="n"><v>{"%.16g" % v}</v></c>' for rn, v in zip(rownums, values)]
        return [none(rn) if v is None else f'{p}{rn}"{styled} t="n"><v>{"%.16g" % v}</v></c>'
                for rn, v in zip(rownums, values)]
    if types <= {dt.date, dt.datetime}:
        for v in set(values):
            if v is not None and v not in serials:
                serials[v] = "%.16g" % to_excel(v, epoch)
        return [none(rn) if v is None else f'{p}{rn}"{styled} t="n"><v>{serials[v]}</v></c>'
                for rn, v in zip(rownums, values)]
    if types <= {str}:
        empty = f'"{styled} t="inlineStr"/>'
        opening = f'"{styled} t="inlineStr"><is><t>'
        spaced = f'"{styled} t="inlineStr"><is><t xml:space="preserve">'
        if not blank and "" not in values:
            joined = "".join(values)
            if "&" not in joined and "<" not in joined and ">" not in joined \
                    and [v.strip() for v in values] == values:  # nothing to escape, no space to keep
                return [f"{p}{rn}{opening}{v}</t></is></c>" for rn, v in zip(rownums, values)]
        out = []
        app = out.append
        esc = _escape
        for rn, v in zip(rownums, values):
            if v is None:
                app(none(rn))
            elif v == "":
                app(p + rn + empty)
            else:
                stripped = v.strip()
                app(p + rn + (spaced if stripped and v != stripped else opening) + esc(v) + "</t></is></c>")
        return out
    if types == {bool}:  # True/False (and blanks): ``_cell``'s boolean cells, two texts made once
        truth = {True: f'"{styled} t="b"><v>1</v></c>', False: f'"{styled} t="b"><v>0</v></c>'}
        return [none(rn) if v is None else f"{p}{rn}{truth[v]}" for rn, v in zip(rownums, values)]
    return [_cell(f"{letter}{rn}", sid, styled, v, kind, epoch, serials) for rn, v in zip(rownums, values)]


def _own_column(ws, cells: dict, letter: str, min_row: int, col: int, values: list, kind: str, epoch,
                serials: dict) -> list[str]:
    """The cells of a column a person added: each keeps the style it had (a date without one gets a
    date format)."""
    out = []
    date_sid = None
    for i, v in enumerate(values):
        row = min_row + 1 + i
        sid = cells.get((row, col), (0, "n", ""))[0]
        if not sid and isinstance(v, dt.date):
            date_sid = date_sid or style_id(ws, DATE_FORMAT)
            sid = date_sid
        out.append(_cell(f"{letter}{row}", sid, f' s="{sid}"' if sid else "", v, kind, epoch, serials))
    return out


def _header_layout(r: RawSheet, min_row: int) -> dict:
    """``cell_layout`` of the rows up to the header row alone (kept on the sheet until it is written)."""
    if r.head is None or r.head[0] != min_row:
        try:
            r.head = (min_row, cell_reader.cell_layout(r._source(), up_to_row=min_row))
        except (etree.XMLSyntaxError, ValueError) as e:
            raise Unsupported(f"cells openpyxl must read ({e})") from None
    return r.head[1]


_CELL_TAG = re.compile(rb"<c\b([^>]*)>")
_CELL_REF = re.compile(rb'\sr="([A-Z]+)\d+"')
_CELL_STYLE = re.compile(rb'\ss="(\d+)"')


def patched_xml(ws, min_row: int, min_col: int, rows: list[int], columns: list[list], kinds: list[str],
                formats: list[str], old_rows: int | None = None) -> bytes | None:
    """The sheet's cells XML as the file holds it, with the cells of the table's body rows ``rows``
    (0-based: row ``min_row + 1 + i`` of the sheet) replaced by ``columns`` (one list of cell values per
    column, for those rows only, as ``table_xml`` takes them).  Every other row stays byte for byte, and
    each replaced row keeps its own attributes (height, hidden).  ``old_rows``: the table's rows in the
    file; rows from there on (the rows an action adds to Audit) are added after its last row.

    None when a row cannot be replaced this way, and the whole table is written instead: the row is not
    in the file, or it holds a cell beside the table's columns, a formula, or a cell with more style
    than a number format (a person's colour stays theirs); or a row to add would land on a row the
    sheet holds below the table."""
    r = raw_of(ws)
    if r is None or r.changed or not len(rows):
        return None
    base = r._xml  # as the file holds it (``RawSheet.xml`` makes it openpyxl's markup if ever needed)
    if b't="s"' in base:  # the file's shared strings, inline (as ``_Writer`` puts a sheet nobody changed)
        if not r.shared:
            return None
        base = _inline_shared(base, r.shared)
    wb = ws.parent
    letters = [get_column_letter(min_col + j) for j in range(len(columns))]
    inside = {x.encode() for x in letters}
    rownums = [str(min_row + 1 + i) for i in rows]
    serials: dict = {}
    body = [_column(letters[j], rownums, values, kind, style_id(ws, fmt), wb.epoch, serials)
            for j, (values, kind, fmt) in enumerate(zip(columns, kinds, formats))]
    plain: dict[int, bool] = {}
    pieces, pos = [], 0
    cut = len(rows) if old_rows is None else sum(1 for i in rows if i < old_rows)
    added = ["".join(cells_xml) for cells_xml in list(zip(*body))[cut:]]
    if added:  # nothing below the table: the new rows go at the end
        last = base.find(b'<row r="%d"' % (min_row + old_rows))
        if old_rows < 1 or last < 0 or base.find(b"<row", last + 1) >= 0:
            return None
    for rn, cells_xml in zip(rownums[:cut], zip(*body)):
        start = base.find(b'<row r="' + rn.encode() + b'"', pos)
        if start < 0:
            return None
        gt = base.find(b">", start)
        if gt < 0 or base[gt - 1:gt] == b"/":
            return None
        end = base.find(b"</row>", gt)
        if end < 0:
            return None
        old = base[gt + 1:end]
        if b"<f" in old or b"<row" in old:
            return None
        for tag in _CELL_TAG.finditer(old):
            ref = _CELL_REF.search(tag.group(1))
            if ref is None or ref.group(1) not in inside:
                return None
            s = _CELL_STYLE.search(tag.group(1))
            if s is not None:
                sid = int(s.group(1))
                if sid not in plain:
                    plain[sid] = sid < len(wb._cell_styles) and _plain(wb, sid)
                if not plain[sid]:
                    return None
        pieces += [base[pos:gt + 1], "".join(cells_xml).encode("utf-8")]
        pos = end
    pieces.append(base[pos:])
    pieces += [f'<row r="{rn}">{xml}</row>'.encode("utf-8") for rn, xml in zip(rownums[cut:], added) if xml]
    return b"".join(pieces)


def same_cells(ws, xml: bytes) -> bool:
    """Whether the sheet's cells, as the file holds them, are ``xml`` byte for byte (``table_xml``)."""
    r = raw_of(ws)
    return r is not None and not r.changed and r._xml == xml


def write_table(ws, min_row: int, min_col: int, header: list[str], columns: list[list], kinds: list[str],
                formats: list[str], xml: bytes | None = None, title: tuple[int, int, str] | None = None) -> None:
    """Replace the sheet's cells by the table (``table_xml``, or ``xml`` when it was made already)."""
    r = raw_of(ws)
    if xml is None:
        xml = table_xml(ws, min_row, min_col, header, columns, kinds, formats, title=title)
    r.xml = xml
    r.cells = None
    r.head = None
    r.changed = True
    r.patched = r.spliced = False  # (``xlsx._patch`` marks its own)


def table_xml(ws, min_row: int, min_col: int, header: list[str], columns: list[list], kinds: list[str],
              formats: list[str], title: tuple[int, int, str] | None = None) -> bytes:
    """The sheet's cells XML holding only the table: header at ``min_row``, one list of cell values per
    column (``xlsx._cell_values``), each cell with its column's number format.  A format of None marks a
    column a person added: each cell keeps the style it had (a date without one gets a date format).
    ``title`` (row, column, text): a title line above the header, in the style its cell had (else bold,
    ``xlsx.TITLE_FONT``)."""
    r = raw_of(ws)
    wb = ws.parent
    if r.cells is None and all(fmt is not None for fmt in formats):  # the header's styles are all it needs
        cells = _header_layout(r, min_row)
    else:
        cells = r.parse()
    n = len(columns[0]) if columns else 0
    letters = [get_column_letter(min_col + j) for j in range(len(header))]
    # the header keeps the style its cells had
    head_cells = []
    for j, name in enumerate(header):
        s = cells.get((min_row, min_col + j), (0, "n", ""))[0]
        ref = f"{letters[j]}{min_row}"
        if s:
            head_cells.append(_text_cell(ref, s, str(name)) if name != "" else f'<c r="{ref}" s="{s}"/>')
        else:
            head_cells.append(_text_cell(ref, 0, str(name)))
    epoch = wb.epoch
    serials: dict = {}  # date -> its serial number's text (a table holds few distinct dates)
    rownums = [str(min_row + 1 + i) for i in range(n)]
    body = []  # per column, each row's cell XML ("" for no cell)
    sids = []
    for j, (values, kind, fmt) in enumerate(zip(columns, kinds, formats)):
        if fmt is None:
            body.append(_own_column(ws, cells, letters[j], min_row, min_col + j, values, kind, epoch, serials))
        else:
            sids.append(style_id(ws, fmt))
            body.append(_column(letters[j], rownums, values, kind, sids[-1], epoch, serials))
    out = [f'<row r="{min_row}">' + "".join(head_cells) + "</row>"] if head_cells else []
    t_cell = None
    if title is not None:
        t_row, t_col, text = title
        ref = f"{get_column_letter(t_col)}{t_row}"
        s = cells.get((t_row, t_col), (0, "n", ""))[0] or _title_style(ws)
        out.insert(0, f'<row r="{t_row}">' + _text_cell(ref, s, str(text)) + "</row>")
        t_cell = (t_row, t_col)
    last = min_row
    if n and any(sids):  # a styled column has a cell in every row (an empty one too): no row is empty,
        # so the rows go into one join (no 40,000 row strings made on the way)
        opens = [f'<row r="{rn}">' for rn in rownums]
        out.append("".join(chain.from_iterable(zip(opens, *body, repeat("</row>", n)))))
        last = rownums[-1]
    else:
        for rn, row in zip(rownums, zip(*body)):
            xml = "".join(row)
            if xml:
                out.append(f'<row r="{rn}">{xml}</row>')
                last = rn
    made = "".join(out).encode("utf-8")
    r.made = None
    if header and len(sids) == len(header) and (t_cell is None or t_cell[0] < min_row):
        r.made = (made, _table_record(min_row, min_col, header, [cells.get((min_row, min_col + j), (0,))[0]
                                                                 for j in range(len(header))],
                                      columns, sids, int(last), t_cell))
    return made


def _table_record(min_row: int, min_col: int, header: list[str], head_sids: list[int], columns: list[list],
                  sids: list[int], last_row: int, title: tuple[int, int] | None) -> tuple:
    """What ``cell_reader.layout_scan(xml, top, min_row)`` finds in the cells ``table_xml`` wrote (``top``
    the title's row, else the header's), from what it wrote them from: (top, min_row, ``Layout``).  A
    cell is written for every header name, for the title, and for each body value that is not None or
    whose column has a style; a text is ``inlineStr``, True/False ``b``, anything else (and an empty
    styled cell) ``n``.  ``layout_scan`` leaves the first row's styles out (the title's, else the
    header's)."""
    width = len(header)
    styles, kinds = set(), set()
    for j, name in enumerate(header):  # a header cell: its text, or an empty styled cell
        kinds.add("n" if name == "" and head_sids[j] else "inlineStr")
        if title is not None and head_sids[j]:
            styles.add(head_sids[j])
    for values, sid in zip(columns, sids):
        types = set(map(type, values))
        if sid and values:
            styles.add(sid)
        if type(None) in types:
            types.discard(type(None))
            if sid:
                kinds.add("n")
        for t in types:
            kinds.add("inlineStr" if issubclass(t, str) else "b" if issubclass(t, bool) else "n")
    box = (min_col, min_row, min_col + width - 1, last_row)
    if title is None:
        lay = cell_reader.Layout(min_row, last_row, min_col, min_col + width - 1, styles, kinds, (box,))
        return min_row, min_row, lay
    t_row, t_col = title
    kinds.add("inlineStr")
    lay = cell_reader.Layout(t_row, last_row, min(min_col, t_col), max(min_col + width - 1, t_col), styles, kinds,
                             (box, (t_col, t_row, t_col, t_row)))
    return t_row, min_row, lay


# ---------------------------------------------------------------- save

_SHARED_CELL = re.compile(rb'<c\b([^>]*?)\st="s"([^>]*)>\s*<v>(\d+)</v>\s*</c>')


def _inline_shared(xml: bytes, shared: list) -> bytes:
    """Shared-string cells as inline strings (openpyxl writes no shared-string table)."""
    def one(m):
        text = shared[int(m.group(3))]
        stripped = text.strip()
        space = ' xml:space="preserve"' if stripped and text != stripped else ""
        return (b"<c" + m.group(1) + b' t="inlineStr"' + m.group(2) + b"><is><t" + space.encode() + b">"
                + escape(text).encode("utf-8") + b"</t></is></c>")
    return _SHARED_CELL.sub(one, xml)


class _Writer(ExcelWriter):
    """openpyxl's writer, putting each kept sheet's cells back into its part."""

    def write_worksheet(self, ws):
        r = raw_of(ws)
        if r is None:
            return super().write_worksheet(ws)
        for key, cell in list(ws._cells.items()):  # cells made only to be looked at
            if cell._value is None and not cell.has_style:
                del ws._cells[key]
        if ws._cells:
            raise RuntimeError(f"sheet {ws.title}: cells were set while its cells were kept aside; "
                               "call xlsx_fast.materialize(ws) before writing cells")
        real_write = self._archive.write
        captured = {}

        def capture(filename, arcname=None, *a, **k):
            if arcname == ws.path[1:]:
                with open(filename, "rb") as fh:
                    captured["xml"] = fh.read()
                return None
            return real_write(filename, arcname, *a, **k)

        self._archive.write = capture
        try:
            super().write_worksheet(ws)
        finally:
            self._archive.write = real_write
        xml = captured.get("xml")
        if xml is None:
            raise RuntimeError(f"openpyxl wrote no part for sheet {ws.title}")
        xml = _DIMENSION.sub(b"", xml, count=1)
        if (not r.changed or r.spliced) and getattr(ws.parent, "_arxl_stored", False):
            body = b""  # a sheet nobody changed, or patched: the saved file takes its cells from the original,
            # or from the splice's hand (``package``)
        else:
            body = r.xml if r.changed or not r.shared else _inline_shared(r.xml, r.shared)
        m = _EMPTY_SHEETDATA.search(xml)
        if m is None:
            raise RuntimeError(f"no empty sheetData in the part written for sheet {ws.title}")
        xml = b"".join((xml[:m.start()], b"<sheetData>", body, b"</sheetData>", xml[m.end():]))  # one copy
        self._archive.writestr(ws.path[1:], xml)


def save(wb: openpyxl.Workbook, filename) -> None:
    """Save like ``wb.save(filename)``, with the kept cells of each sheet put back.  A workbook marked
    ``_arxl_stored`` is written without compression (``package.keep_others`` reads it back at once, and
    takes the sheets nobody changed from the original: those are written without their cells)."""
    stored = getattr(wb, "_arxl_stored", False)
    if not stored and not any(raw_of(ws) is not None for ws in wb.worksheets):
        wb.save(filename)
        return
    archive = zipfile.ZipFile(filename, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                              allowZip64=True)
    _Writer(wb, archive).save()

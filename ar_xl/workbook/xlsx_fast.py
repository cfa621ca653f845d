"""Fast paths of the workbook-file shell for big workbooks (used by ``ar_xl.xlsx``).

openpyxl builds a Python object per cell when it loads and walks every cell
again when it saves: about 20 µs a cell each way, so a workbook of 100,000
invoices (a few million cells over the tables) takes minutes.  The shell
needs openpyxl for everything around the cells (tables, validations, column
widths, panes, charts, pivots), not for the cells of the big tables, so:

* ``open_workbook`` gives openpyxl each worksheet *without* its
  ``<sheetData>`` (the cells) and keeps the cells' XML aside on the sheet
  (``ws._arxl``); the workbook's shared strings are kept in their order, so
  the kept XML stays valid.
* ``read_table`` reads an Excel table's cells straight from that XML, with
  openpyxl's rules for each cell type (numbers, shared and inline strings,
  booleans, dates by the cell's number format).
* ``write_table`` writes a table body as XML, cell for cell what openpyxl
  would write (inline strings, the column's number format, ``%.16g``
  numbers, dates as serial numbers).
* ``save`` writes the workbook with openpyxl and puts each sheet's cells
  back in place; sheets nobody changed are copied as they were.

Whenever a sheet holds something these paths do not handle the same way as
openpyxl (formulas, cells beside or below the table, styled table cells,
rich or error cells), ``materialize`` hands that sheet's cells to openpyxl
and the ordinary code runs, so the result is always the same.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.cell.cell import Cell
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, to_excel
from openpyxl.worksheet._reader import WorksheetReader
from openpyxl.writer.excel import ExcelWriter

from ..schema import DATE_FORMAT

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>|<sheetData\b[^>]*>.*?</sheetData>", re.S)
_EMPTY_SHEETDATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_HYPERLINKS = re.compile(rb"<hyperlinks\s*/>|<hyperlinks\b[^>]*>.*?</hyperlinks>", re.S)
_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_ATTR_S = re.compile(r'\bs="(\d+)"')
_ATTR_T = re.compile(r'\bt="(\w+)"')
_V = re.compile(r"<v>(.*?)</v>", re.S)
_T = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>|<t\s*/>", re.S)
_RPH = re.compile(r"<rPh\b.*?</rPh>", re.S)
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_PREFIXED_TAG = re.compile(rb"</?[A-Za-z_][\w.-]*:")
_TAG_WITH_COLON = re.compile(rb"<[A-Za-z_][\w.-]*\s[^<>]*:[^<>]*>")
_FOREIGN_ATTR = re.compile(rb"""\s(?!xml:)[A-Za-z_][\w.-]*:[\w.-]+\s*=\s*(?:"[^"]*"|'[^']*')""")
_CELL_WITH_META = re.compile(rb"<c\s[^<>]*\b[cv]m=[^<>]*>")
_META_ATTR = re.compile(rb"""\s[cv]m\s*=\s*(?:"[^"]*"|'[^']*')""")


class Unsupported(Exception):
    """The sheet has something only openpyxl handles exactly; use it for this sheet."""


def _unescape(text: str) -> str:
    if "&" not in text:
        return text

    def one(m):
        e = m.group(1)
        if e[0] == "#":
            return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
        return _ENTITIES[e]
    return _ENTITY.sub(one, text)


def _inline_text(inner: str) -> str:
    return "".join(_unescape(m.group(1) or "") for m in _T.finditer(_RPH.sub("", inner)))


@dataclass
class RawSheet:
    """A worksheet's cells as the XML inside ``<sheetData>``, kept out of openpyxl."""

    xml: bytes
    full: bytes
    """The original worksheet part (to hand to openpyxl when needed)."""
    shared: list
    cells: dict | None = None
    """(row, col) -> (style id, type, inner XML); parsed on first use."""
    changed: bool = False

    def parse(self) -> dict:
        if self.cells is None:
            text = self.xml.decode("utf-8")
            cells = {}
            col_cache: dict[str, int] = {}
            for letters, row, s, t, attrs, inner in _CELL.findall(text):
                col = col_cache.get(letters)
                if col is None:
                    col = col_cache[letters] = column_index_from_string(letters)
                if attrs and (" s=" in attrs or " t=" in attrs):  # attributes in another order
                    ms, mt = _ATTR_S.search(attrs), _ATTR_T.search(attrs)
                    s = ms.group(1) if ms else s
                    t = mt.group(1) if mt else t
                cells[(int(row), col)] = (int(s) if s else 0, t or "n", inner)
            if text.count("<c ") + text.count("<c>") != len(cells):
                raise Unsupported("cells without a reference")
            self.cells = cells
        return self.cells


# ---------------------------------------------------------------- open

def _own_markup(body: bytes) -> bytes:
    """The cells' XML without attributes of other namespaces (Excel writes ``x14ac:dyDescent`` on
    every row) and without the ``cm``/``vm`` cell-metadata references.  The part they are put back into is openpyxl's, whose root declares only the main
    namespace, so such a prefix would make the sheet unreadable; openpyxl drops them too.  Elements of
    another namespace are left to openpyxl (``Unsupported``)."""
    if _PREFIXED_TAG.search(body):
        raise Unsupported("elements of another namespace among the cells")
    body = _TAG_WITH_COLON.sub(lambda m: _FOREIGN_ATTR.sub(b"", m.group(0)), body)
    # cm/vm point into the metadata part (Excel 365's dynamic-array and rich-value cells), which
    # openpyxl does not keep: a cell still pointing there makes Excel repair the file
    return _CELL_WITH_META.sub(lambda m: _META_ATTR.sub(b"", m.group(0)), body)


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


def open_workbook(path, keep_vba: bool = False) -> openpyxl.Workbook:
    """openpyxl's workbook with the worksheets' cells kept aside (``ws._arxl``); see the module docstring.

    Falls back to a plain ``openpyxl.load_workbook`` when the file is not laid
    out as expected.
    """
    try:
        with zipfile.ZipFile(path) as z:
            parts = _sheet_parts(z)
            shared = _shared_strings(z)
            raw: dict[str, RawSheet] = {}
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
                wanted = set(parts.values())
                for info in z.infolist():
                    data = z.read(info.filename)
                    if info.filename in wanted:
                        m = _SHEETDATA.search(data)
                        if m is not None:
                            inner = m.group(0)
                            body = b"" if _EMPTY_SHEETDATA.fullmatch(inner) else inner[inner.index(b">") + 1:-len(b"</sheetData>")]
                            raw[info.filename] = RawSheet(_own_markup(body), data, shared)
                            data = data[:m.start()] + b"<sheetData/>" + data[m.end():]
                            # openpyxl binds a hyperlink by giving its cell the link as value: that cell
                            # would be set while the cells are kept aside.  ``materialize`` binds them
                            # on the real cells; the package keeps the part's own (``package``).
                            data = _HYPERLINKS.sub(b"", data, count=1)
                    out.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
        buf.seek(0)
        wb = openpyxl.load_workbook(buf, keep_vba=keep_vba)
        with zipfile.ZipFile(path) as z:
            styles = z.read("xl/styles.xml") if "xl/styles.xml" in z.namelist() else b""
        m = re.search(rb'<cellXfs\b[^>]*>(.*?)</cellXfs>', styles, re.S)
        n_xfs = len(re.findall(rb"<xf\b", m.group(1))) if m else 0
        if m and n_xfs != len(wb._cell_styles):
            raise Unsupported("repeated cell styles")
        for ws in wb.worksheets:
            r = raw.get(parts.get(ws.title, ""))
            if r is not None:
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

def _value(wb, s: int, t: str, inner: str, shared: list):
    if inner.startswith("<v>") and inner.endswith("</v>") and inner.count("<") == 2:
        v = inner[3:-4]
    else:
        if "<f" in inner:
            raise Unsupported("formula")
        if t == "inlineStr":
            if inner.startswith("<is><t>") and inner.endswith("</t></is>") and inner.count("<") == 4:
                return _unescape(inner[7:-9])
            return _inline_text(inner)
        m = _V.search(inner)
        if m is None:
            return None
        v = m.group(1)
    if t == "n":
        num = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
        if s in wb._date_formats:
            return from_excel(num, wb.epoch, timedelta=s in wb._timedelta_formats)
        return num
    if t == "s":
        return shared[int(v)]
    if t == "b":
        return bool(int(v))
    if t == "str":
        return _unescape(v)
    raise Unsupported(f"cell type {t}")


def cell_value(ws, row: int, col: int):
    r = raw_of(ws)
    if r is None:
        return ws.cell(row, col).value
    got = r.parse().get((row, col))
    return None if got is None else _value(ws.parent, *got, r.shared)


def read_table(ws, min_row: int, min_col: int, max_row: int, max_col: int) -> list[tuple]:
    """The rows of the range as tuples of values (like ``iter_rows(values_only=True)``)."""
    r = raw_of(ws)
    cells = r.parse()
    wb = ws.parent
    width = max_col - min_col + 1
    grid = [[None] * width for _ in range(max_row - min_row + 1)]
    shared = r.shared
    for (row, col), (s, t, inner) in cells.items():
        if min_row <= row <= max_row and min_col <= col <= max_col:
            grid[row - min_row][col - min_col] = _value(wb, s, t, inner, shared)
    return [tuple(g) for g in grid]


# ---------------------------------------------------------------- write

def _plain(wb, style_id: int) -> bool:
    """A cell style that is only a number format (what the table writer gives)."""
    st = wb._cell_styles[style_id]
    return (st.fontId == 0 and st.fillId == 0 and st.borderId == 0 and st.alignmentId == 0
            and st.protectionId == 0 and not st.quotePrefix and not st.pivotButton)


def can_write(ws, min_row: int, min_col: int, last_col: int, old_max_row: int) -> bool:
    """True when ``write_table`` gives what the ordinary writer gives: the sheet holds only the
    table (no cells above, beside or below it) and its cells carry no style but a number format."""
    r = raw_of(ws)
    if r is None:
        return False
    try:
        cells = r.parse()
    except Unsupported:
        return False
    wb = ws.parent
    for (row, col), (s, t, inner) in cells.items():
        if row < min_row or row > old_max_row or col < min_col or col > last_col:
            return False
        if row > min_row and s and not _plain(wb, s):
            return False
        if "<f" in inner or t not in ("n", "s", "b", "str", "inlineStr"):
            return False
    return True


def _style_id(ws, fmt: str) -> int:
    probe = Cell(ws, row=1, column=1)
    probe.number_format = fmt
    return probe.style_id


def _text_cell(ref: str, sid: int, v: str) -> str:
    node = escape(v)
    stripped = v.strip()
    space = ' xml:space="preserve"' if stripped and v != stripped else ""
    return f'<c r="{ref}" s="{sid}" t="inlineStr"><is><t{space}>{node}</t></is></c>'


def write_table(ws, min_row: int, min_col: int, header: list[str], columns: list[list], kinds: list[str],
                formats: list[str]) -> None:
    """Replace the sheet's cells by the table: header at ``min_row``, one list of cell values per column
    (``xlsx._cell_values``), each cell with its column's number format.  A format of None marks a
    column a person added: each cell keeps the style it had (a date without one gets a date format)."""
    r = raw_of(ws)
    wb = ws.parent
    cells = r.parse()
    n = len(columns[0]) if columns else 0
    letters = [get_column_letter(min_col + j) for j in range(len(header))]
    rows: list[list[str]] = [[] for _ in range(n + 1)]
    # the header keeps the style its cells had
    for j, name in enumerate(header):
        s = cells.get((min_row, min_col + j), (0, "n", ""))[0]
        ref = f"{letters[j]}{min_row}"
        if s:
            rows[0].append(_text_cell(ref, s, str(name)) if name != "" else f'<c r="{ref}" s="{s}"/>')
        else:
            rows[0].append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(name))}</t></is></c>'
                           if str(name).strip() == str(name) else _text_cell(ref, 0, str(name)).replace(' s="0"', ""))
    epoch = wb.epoch
    date_sid = None
    for j, (values, kind, fmt) in enumerate(zip(columns, kinds, formats)):
        own = fmt is None
        sid = 0 if own else _style_id(ws, fmt)
        letter = letters[j]
        styled = f' s="{sid}"' if sid else ""
        for i, v in enumerate(values):
            ref = f"{letter}{min_row + 1 + i}"
            if own:
                sid = cells.get((min_row + 1 + i, min_col + j), (0, "n", ""))[0]
                if not sid and isinstance(v, dt.date):
                    date_sid = date_sid or _style_id(ws, DATE_FORMAT)
                    sid = date_sid
                styled = f' s="{sid}"' if sid else ""
            if v is None:
                cell = f'<c r="{ref}"{styled}/>' if sid else None
            elif isinstance(v, str):
                cell = _text_cell(ref, sid, v) if sid else _text_cell(ref, 0, v).replace(' s="0"', "")
                if v == "":
                    cell = f'<c r="{ref}"{styled} t="inlineStr"/>'
            elif isinstance(v, bool):
                cell = f'<c r="{ref}"{styled} t="b"><v>{int(v)}</v></c>'
            elif kind in ("date", "datetime") or isinstance(v, dt.date):
                cell = f'<c r="{ref}"{styled} t="n"><v>{"%.16g" % to_excel(v, epoch)}</v></c>'
            else:
                cell = f'<c r="{ref}"{styled} t="n"><v>{"%.16g" % v}</v></c>'
            if cell is not None:
                rows[1 + i].append(cell)
    out = []
    for i, row in enumerate(rows):
        if row:
            out.append(f'<row r="{min_row + i}">' + "".join(row) + "</row>")
    r.xml = "".join(out).encode("utf-8")
    r.cells = None
    r.changed = True


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
        body = r.xml if r.changed or not r.shared else _inline_shared(r.xml, r.shared)
        xml, n = _EMPTY_SHEETDATA.subn(lambda m: b"<sheetData>" + body + b"</sheetData>", xml, count=1)
        if n != 1:
            raise RuntimeError(f"no empty sheetData in the part written for sheet {ws.title}")
        self._archive.writestr(ws.path[1:], xml)


def save(wb: openpyxl.Workbook, filename) -> None:
    """Save like ``wb.save(filename)``, with the kept cells of each sheet put back.  A workbook marked
    ``_arxl_stored`` is written without compression (``package.keep_others`` reads it back at once)."""
    stored = getattr(wb, "_arxl_stored", False)
    if not stored and not any(raw_of(ws) is not None for ws in wb.worksheets):
        wb.save(filename)
        return
    archive = zipfile.ZipFile(filename, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                              allowZip64=True)
    _Writer(wb, archive).save()

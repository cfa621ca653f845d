"""The values of a worksheet's cells, read with a real XML parser or a fast reader, as openpyxl reads them.

Two readers, one result (what ``openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)``
gives):

* ``exact_values`` streams the worksheet part through lxml's ``iterparse`` (entities are not
  resolved, no network, no DTD) one ``<row>`` at a time and turns each ``<c>`` into its value
  with openpyxl's own ``WorkSheetParser.parse_cell``: numbers (``int`` unless the text has a
  decimal point or exponent), shared and inline strings (rich text joined, phonetic runs left
  out), booleans, errors (their text, ``#N/A``), ISO dates, formulas (their text, ``=SUM(...)``)
  and dates by the cell's number format (``datetime``; ``timedelta`` for elapsed-time formats).
  ``cell_layout`` reads each cell's position, style id and kind alone (what the writer needs).
* ``FastBook.columns`` reads a range with python-calamine (calamine, in Rust: about 5 times
  faster than any per-element Python loop over the XML) and returns each column as a list.
  It is used only where it gives exactly the values above, and says so by returning None
  otherwise, so the caller takes ``exact_values``.  calamine differs from openpyxl in a few
  ways, each handled here:

  - it returns every number as a float: a whole number below 1e16 becomes ``int`` (openpyxl
    reads an ``int`` from ``46000``, the form Excel, LibreOffice and openpyxl write);
  - it returns a date-formatted whole number as a ``date``: it becomes the ``datetime`` at
    midnight that openpyxl gives;
  - it returns an empty or missing cell as ``''``: it becomes None;
  - it returns the cached result of a formula, ``''`` for an error, and parses ISO-date cells:
    a sheet whose cells hold ``<f>``, ``t="e"`` or ``t="d"`` is read exactly instead (the test is a
    substring search over the sheet's cells, which can only send a sheet to the exact reader);
  - it has its own rule for which number formats are dates, and its own calendar before
    1 March 1900 and for the 1904 date system: a workbook with an ambiguous or elapsed-time
    format, the 1904 system, a date before 1900-03-01, a time of day alone, or ``_xHHHH_``
    escapes in its cells is read exactly.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from lxml import etree
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import WINDOWS_EPOCH
from openpyxl.worksheet._reader import WorkSheetParser

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW_TAG = f"{{{MAIN_NS}}}row"
CELL_TAG = f"{{{MAIN_NS}}}c"
FORMULA_TAG = f"{{{MAIN_NS}}}f"


def _iterparse(source: bytes):
    """The part's ``<row>`` elements, one at a time, each let go once the next one is read."""
    it = etree.iterparse(io.BytesIO(source), events=("end",), tag=ROW_TAG, resolve_entities=False,
                         no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
                         remove_comments=True, remove_pis=True)
    for _, row in it:
        yield row
        row.clear()
        while row.getprevious() is not None:
            del row.getparent()[0]


def cell_layout(part: bytes, up_to_row: int | None = None) -> dict:
    """``(row, col) -> (style id, kind)`` for every cell of a worksheet part (``part`` may also be a
    bare ``<sheetData>`` element declaring the main namespace), without reading values.  ``kind`` is
    the cell's ``t`` attribute (``n`` when absent), or ``f`` when the cell holds a formula.  A cell
    without a reference raises ``ValueError``.  With ``up_to_row``, reading stops at the first
    ``<row>`` numbered beyond it (the rows of a worksheet come in order)."""
    cells = {}
    letters: dict[str, int] = {}
    for row in _iterparse(part):
        if up_to_row is not None:
            r = row.get("r")
            if r and r.isdigit() and int(r) > up_to_row:
                break
        for c in row:
            if c.tag != CELL_TAG:
                continue
            ref = c.get("r")
            if not ref:
                raise ValueError("a cell without a reference")
            digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            col = letters.get(ref[:len(ref) - len(digits)])
            if col is None:
                col = letters[ref[:len(ref) - len(digits)]] = column_index_from_string(ref[:len(ref) - len(digits)])
            s = c.get("s")
            kind = c.get("t", "n")
            if len(c) and any(ch.tag == FORMULA_TAG for ch in c):
                kind = "f"
            cells[(int(digits), col)] = (int(s) if s else 0, kind)
    return cells


class Layout(NamedTuple):
    """What ``layout_scan`` found: the cells' bounds (None when there is no cell), the style ids of the
    cells below the header (style 0 left out), the kinds (``t``, ``n`` when absent), and ``boxes``:
    ranges (min col, min row, max col, max row) that together hold every cell, one around the cells
    from the header row down and one per cell above it (a title), so a table with its title above it is
    seen to hold every cell (one box around all of the sheet when there are more than
    ``_WINDOW_ABOVE`` cells above)."""

    first_row: int | None
    last_row: int | None
    first_col: int | None
    last_col: int | None
    styles: set
    kinds: set
    boxes: tuple = ()


_WINDOW_ABOVE = 64
"""``layout_scan`` names each cell above the header row in ``boxes`` up to this many; more: one box."""
_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 11, 12, 13, 32]] = True  # what ``\s`` matches in a bytes pattern
_UPPER = np.zeros(256, dtype=bool)
_UPPER[65:91] = True
_LETTER = _UPPER.copy()
_LETTER[97:123] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True


def _run(window: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Per row of ``window`` (bytes), how many of its first bytes are ``allowed`` (a lookup table)."""
    ok = allowed[window]
    return np.where(ok.all(axis=1), window.shape[1], np.argmin(ok, axis=1))


def _number(window: np.ndarray, length: np.ndarray, base: int, zero: int) -> np.ndarray:
    """The numbers written by the first ``length`` bytes of each row (digits, or letters A=1 in base 26)."""
    out = np.zeros(len(window), dtype=np.int64)
    for k in range(window.shape[1]):
        out = np.where(k < length, out * base + (window[:, k].astype(np.int64) - zero), out)
    return out


def layout_scan(body: bytes, header_row: int, boxes_from: int | None = None) -> Layout | None:
    """What ``can_write`` asks of ``cell_layout``, found by a byte scan instead of a parse (see ``Layout``)
    over every cell of a sheet's cells XML (inside ``<sheetData>``).  None when the scan cannot vouch for
    the answer (then parse): a cell tag in another form than ``<c r="A1" s="1" t="n">`` (attributes in
    that order, each but ``r`` optional, nothing else; ``/>`` or ``>`` after at most a few spaces), or
    anything like a formula (``<f``, which also matches other elements, so it can only send the sheet
    to the parser).  Every ``<c`` in the XML must begin such a tag, so a cell cannot go unseen (one inside a
    text or a comment can only add a cell, making the answer stricter).

    The tags are read all at once with numpy (a sheet of 40,000 rows holds 750,000 cells): the bytes
    after each ``<c`` are taken as a small array per cell, in the order the pattern gives them.
    ``boxes_from``: the row ``boxes`` splits at (default ``header_row``): a table's header under its title."""
    if b"<f" in body:
        return None
    if b"<c" not in body:
        return Layout(None, None, None, None, set(), set(), ())
    arr = np.frombuffer(body + b"\0" * 64, dtype=np.uint8)  # (a tag read past the end reads zeros)
    lt = np.flatnonzero(arr == 60)  # every "<", then those followed by "c"
    pos = lt[arr[lt + 1] == 99]
    windows = {w: np.lib.stride_tricks.sliding_window_view(arr, w) for w in (8, 9, 14)}

    def take(at: np.ndarray, width: int) -> np.ndarray:
        return windows[width][at]  # the ``width`` bytes from each position (at most 60 past the last "<c")

    head = take(pos, 9)
    if not (head[:, :6] == np.frombuffer(b'<c r="', dtype=np.uint8)).all():
        return None
    n_letters = _run(head[:, 6:9], _UPPER)
    if (n_letters == 0).any():  # (a fourth letter is no digit: the row number check below)
        return None
    at = pos + 6 + n_letters
    digits = take(at, 8)
    n_digits = _run(digits[:, :7], _DIGIT)
    if (n_digits == 0).any() or (digits[:, 0] == 48).any() \
            or (digits[np.arange(len(pos)), n_digits] != 34).any():  # then the closing quote
        return None
    cols = _number(head[:, 6:9], n_letters, 26, 64)
    rows = _number(digits[:, :7], n_digits, 10, 48)
    at = at + n_digits + 1
    # `` s="1"`` (1 to 9 digits), then `` t="n"`` (1 to 9 letters), each optional
    style = take(at, 14)
    has_s = (style[:, :4] == np.frombuffer(b' s="', dtype=np.uint8)).all(axis=1)
    n_s = _run(style[:, 4:13], _DIGIT)
    has_s &= (n_s >= 1) & (style[np.arange(len(pos)), 4 + n_s] == 34)
    sids = np.where(has_s, _number(style[:, 4:13], n_s, 10, 48), 0)
    at = at + np.where(has_s, 4 + n_s + 1, 0)
    kind = take(at, 14)
    has_t = (kind[:, :4] == np.frombuffer(b' t="', dtype=np.uint8)).all(axis=1)
    n_t = _run(kind[:, 4:13], _LETTER)
    has_t &= (n_t >= 1) & (kind[np.arange(len(pos)), 4 + n_t] == 34)
    at = at + np.where(has_t, 4 + n_t + 1, 0)
    tail = take(at, 8)
    n_ws = _run(tail[:, :6], _WS)
    end = tail[np.arange(len(pos)), n_ws]
    after = tail[np.arange(len(pos)), n_ws + 1]
    if (n_ws >= 6).any() or not ((end == 62) | ((end == 47) & (after == 62))).all():  # ">" or "/>"
        return None
    names = np.where(np.arange(9) < n_t[:, None], kind[:, 4:13], 0)[has_t]
    kinds = set()
    if len(names):  # the distinct kinds (a few): by their first eight letters as one number, then the ninth
        first = np.ascontiguousarray(names[:, :8]).view("<u8").ravel()
        for value in np.unique(first):
            one = names[first == value]
            for ninth in np.unique(one[:, 8]):
                kinds.add(bytes(one[one[:, 8] == ninth][0]).rstrip(b"\0").decode())
    if not has_t.all():
        kinds.add("n")
    lead = int(np.argmax(rows != header_row)) if (rows != header_row).any() else len(rows)
    styles = {int(v) for v in np.unique(sids[lead:]) if v}  # the header row's own styles do not count
    # (a header cell anywhere else counts as a body cell: stricter)
    low = rows >= (header_row if boxes_from is None else boxes_from)
    boxes = []
    if low.any():
        boxes.append((int(cols[low].min()), int(rows[low].min()), int(cols[low].max()), int(rows[low].max())))
    above = sorted({(int(c), int(r)) for c, r in zip(cols[~low], rows[~low])})
    if len(above) > _WINDOW_ABOVE:
        boxes = [(int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max()))]
    else:
        boxes += [(c, r, c, r) for c, r in above]
    return Layout(int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max()), styles, kinds, tuple(boxes))


def exact_values(part: bytes, wb, shared: list, up_to_row: int | None = None) -> dict:
    """``(row, col) -> value`` for the cells of a worksheet part, openpyxl's values (see the module
    docstring); with ``up_to_row``, reading stops after that row (a header is read without the body)."""
    parser = WorkSheetParser(None, shared, data_only=False, epoch=wb.epoch, date_formats=wb._date_formats,
                             timedelta_formats=wb._timedelta_formats, rich_text=False)
    values = {}
    for row in _iterparse(part):
        r = row.get("r")
        parser.row_counter = int(float(r)) if r else parser.row_counter + 1
        if up_to_row is not None and parser.row_counter > up_to_row:
            break
        parser.col_counter = 0
        for el in row:
            if el.tag == CELL_TAG:
                got = parser.parse_cell(el)
                values[(got["row"], got["column"])] = got["value"]
    return values


# ---------------------------------------------------------------- fast reader

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_DATE_LETTERS = re.compile(r"[dmyhsDMYHS]")
_BUILTIN_DATES = set(range(14, 23)) | {45, 46, 47}
_EARLIEST = dt.datetime(1900, 3, 1)


def formats_agree(wb) -> bool:
    """True when calamine and openpyxl take the same cell styles for dates: every style's number
    format is either plainly a date (year, month or day; no brackets) or plainly not (none of the
    letters d m y h s outside quotes and brackets), no style is an elapsed-time format, and the
    workbook counts dates from 1900."""
    if wb.epoch != WINDOWS_EPOCH or wb._timedelta_formats:
        return False
    for sid, style in enumerate(wb._cell_styles):
        fmt_id = style.numFmtId
        if fmt_id in _BUILTIN_DATES:
            if sid not in wb._date_formats:
                return False
            continue
        fmt = wb._number_formats[fmt_id - 164] if fmt_id >= 164 else ""
        if fmt_id >= 164 and fmt_id - 164 >= len(wb._number_formats):
            return False
        plain = _QUOTED.sub("", fmt)
        is_date = sid in wb._date_formats
        if is_date:
            if "[" in fmt or not re.search(r"[ydYD]", plain):
                return False
        elif _DATE_LETTERS.search(plain) and fmt_id >= 164:
            return False
        elif fmt_id not in _BUILTIN_DATES and 0 < fmt_id < 164 and fmt_id not in (1, 2, 3, 4, 9, 10, 11, 12, 13,
                                                                               37, 38, 39, 40, 48, 49):
            return False  # a built-in format calamine may read differently
    return True


def cells_fit(body: bytes) -> bool:
    """True when a sheet's cells (the XML inside ``<sheetData>``) hold nothing calamine reads
    differently: no formula (``<f``), no error or ISO-date cell (``"e"``, ``"d"``), no ``_xHHHH_``
    escape.  A substring found anywhere (in a text too) only means the exact reader is used.

    The six substrings are looked for at once with numpy, a few MB at a time (five times faster than
    six ``in`` tests on a sheet of tens of MB)."""
    arr = np.frombuffer(body, dtype=np.uint8)
    step = 1 << 22
    for start in range(0, len(arr), step):
        a = arr[start:start + step + 2]  # two bytes more: a substring across the cut is seen too
        x, y = a[:-1], a[1:]
        if ((x == 60) & (y == 102)).any() or ((x == 95) & (y == 120)).any():  # "<f", "_x"
            return False
        p, m, q = a[:-2], a[1:-1], a[2:]  # a quote, e or d, the same quote
        if (((p == 34) & (q == 34)) | ((p == 39) & (q == 39)))[(m == 101) | (m == 100)].any():
            return False
    return True


class FastBook:
    """A workbook file read by python-calamine, opened on first use in each thread that reads it.

    ``prefetch(names)`` parses those sheets in two background threads (calamine lets go of the GIL
    while it parses), in the order given: the first thread takes the first sheet (the largest, Invoices),
    the other the next ones, so the caller turns the small sheets into frames while the large one is
    still being parsed (``xlsx.load`` reads the tables smallest first); ``columns`` waits for the sheet
    it needs."""

    WORKERS = 2

    def __init__(self, data: bytes):
        self.data = data
        self._local = threading.local()
        self._pending: dict = {}
        self._pool = None
        self.dates_agree = False
        """Whether calamine and openpyxl take the same styles for dates (``formats_agree``); set by the opener."""

    def _parse(self, name: str):
        book = getattr(self._local, "book", None)
        if book is None:  # a reader of the thread's own: calamine's workbook is not shared across threads
            from python_calamine import CalamineWorkbook
            book = self._local.book = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        return book.get_sheet_by_name(name)

    def prefetch(self, names: list[str]) -> None:
        """Parse these sheets next, in this order, in the background threads."""
        names = [n for n in names if n not in self._pending]
        if not names:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.WORKERS, thread_name_prefix="ar-xl-calamine")
        for name in names:
            self._pending[name] = self._pool.submit(self._parse, name)

    def done(self) -> None:
        """No more prefetching: the thread ends once it has parsed what it was given."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def _sheet(self, name: str):
        pending = self._pending.pop(name, None)
        return pending.result() if pending is not None else self._parse(name)

    def columns(self, name: str, min_row: int, min_col: int, max_row: int, max_col: int) -> list[list] | None:
        """The range's values column by column, as openpyxl reads them; None where calamine
        would not give exactly those values (read the sheet with ``exact_cells`` then)."""
        try:
            sheet = self._sheet(name)
            rows = sheet.to_python(skip_empty_area=True)
        except Exception:  # noqa: BLE001 - any trouble in the fast reader: the exact one decides
            return None
        height = max_row - min_row + 1
        width = max_col - min_col + 1
        r0, c0 = sheet.start if rows else (0, 0)
        # rows[i] is sheet row r0 + 1 + i; column j of it is sheet column c0 + 1 + j
        first = max(min_row - r0 - 1, 0)
        last = min(max_row - r0 - 1, len(rows) - 1)
        part = rows[first:last + 1] if last >= first else []
        lead = (r0 + 1 + first) - min_row if part else height  # empty rows above what calamine saw
        out = []
        columns = list(zip(*part)) if part else []
        for j in range(width):
            k = min_col + j - c0 - 1
            if 0 <= k < len(columns):
                col = _openpyxl_values(columns[k])
                if col is None:
                    return None
            else:
                col = [None] * len(part)
            col = [None] * lead + col
            col.extend([None] * (height - len(col)))
            out.append(col)
        return out


_MIDNIGHT = dt.time()


def _openpyxl_values(col) -> list | None:
    """calamine's values of one column as openpyxl gives them (see the module docstring), or None."""
    if len(col) > 1:  # a table's header apart from its body, so a column of numbers or dates stays one
        head, body = _values_of(col[:1]), _values_of(col[1:])
        return None if head is None or body is None else head + body
    return _values_of(col)


def _values_of(col) -> list | None:
    types = set(map(type, col))
    if types <= {str}:
        return [v if v else None for v in col] if "" in col else list(col)
    if types == {float}:  # numbers only: whole ones become int at C speed
        arr = np.array(col, dtype=np.float64)
        whole = (arr == np.trunc(arr)) & (np.abs(arr) < 1e16)
        if whole.all():
            return arr.astype(np.int64).tolist()
        if not whole.any():
            return list(col)
    if types == {dt.date}:  # dates only
        if min(col) < _EARLIEST.date():
            return None
        combine = dt.datetime.combine
        return [combine(v, _MIDNIGHT) for v in col]
    out = []
    app = out.append
    for v in col:
        t = type(v)
        if t is str:
            app(v if v else None)
        elif t is float:
            app(int(v) if v.is_integer() and -1e16 < v < 1e16 else v)
        elif t is bool:
            app(v)
        elif t is dt.date:
            d = dt.datetime.combine(v, _MIDNIGHT)
            if d < _EARLIEST:
                return None
            app(d)
        elif t is dt.datetime:
            if v < _EARLIEST:
                return None
            app(v)
        elif t is int:
            app(v)
        else:  # time of day, elapsed time, anything else
            return None
    return out

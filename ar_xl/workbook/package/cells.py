"""A worksheet's ``<sheetData>`` as bytes: its rows and cells found by ``bytes.find`` and small regular
expressions (a sheet of 100,000 rows is tens of MB; no tree is built), written cells pointed at the
original's styles with their shared strings inline, and the merge of two sheets' cells: the new
cells inside the tables' ranges, the old cells everywhere else, each row keeping its old attributes."""
from __future__ import annotations

import re

from .parts import Unsupported
from .styles import _Styles


_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_R_ATTR = re.compile(rb'\sr="(\d+)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')
_CELL = re.compile(rb"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_CELL_COL = re.compile(rb'<c\b[^>]*?\sr="([A-Z]+)\d+"')
_SHARED = re.compile(rb'<c\b([^>]*?)\st="s"([^>]*)>\s*<v>(\d+)</v>\s*</c>')


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _rows(sheetdata: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Row number -> (attributes without spans, inner cells XML).  (``bytes.find``, not a lazy regex:
    a sheet of 100,000 rows is tens of MB.)"""
    out = {}
    prev = 0
    pos = 0
    find = sheetdata.find
    while True:
        start = find(b"<row", pos)
        if start < 0:
            break
        head_end = find(b">", start)
        if sheetdata[head_end - 1:head_end] == b"/":
            attrs, inner, pos = sheetdata[start + 4:head_end - 1], b"", head_end + 1
        else:
            close = find(b"</row>", head_end)
            attrs, inner, pos = sheetdata[start + 4:head_end], sheetdata[head_end + 1:close], close + 6
        r = _R_ATTR.search(attrs)
        num = int(r.group(1)) if r else prev + 1
        prev = num
        out[num] = (_SPANS.sub(b"", attrs) if b"spans" in attrs else attrs, inner)
    return out


def sheet_data(xml: bytes) -> tuple[int, int, bytes]:
    """(start, end, inner XML) of a worksheet's ``<sheetData>`` element."""
    start = xml.find(b"<sheetData")
    if start < 0:
        raise Unsupported("no sheetData")
    head_end = xml.find(b">", start)
    if xml[head_end - 1:head_end] == b"/":
        return start, head_end + 1, b""
    close = xml.rfind(b"</sheetData>")
    if close < head_end:
        raise Unsupported("no closing sheetData")
    return start, close + len(b"</sheetData>"), xml[head_end + 1:close]


def _cells(inner: bytes) -> list[tuple[int, bytes]]:
    out = []
    for m in _CELL.finditer(inner):
        c = _CELL_COL.match(m.group(0))
        out.append((_col(c.group(1)) if c else 0, m.group(0)))
    return out


def _inline(xml: bytes, shared: list[str]) -> bytes:
    """Shared-string cells written inline (the original's shared-string table stays as it is)."""
    from xml.sax.saxutils import escape

    def one(m):
        text = shared[int(m.group(3))]
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return (b"<c" + m.group(1) + b' t="inlineStr"' + m.group(2) + b"><is><t" + space.encode() + b">"
                + escape(text).encode("utf-8") + b"</t></is></c>")
    return _SHARED.sub(one, xml)


def _new_cells(xml: bytes, styles: _Styles, shared: list[str]) -> bytes:
    """Written cells (a sheetData's inner XML) pointed at the original's styles, strings inline."""
    if b't="s"' in xml:
        xml = _inline(xml, shared)
    return _restyle_rows(xml, styles)


def _restyle_rows(xml: bytes, styles: _Styles) -> bytes:
    if styles.same():
        return xml
    moved = styles.moved()
    if styles.keep_in_place(moved):
        return xml  # the new formats appended where they are: every index stays (no scan of the cells)
    if not moved or not re.search(rb's="(?:' + b"|".join(b"%d" % j for j in moved) + rb')"', xml):
        return xml  # no cell uses a format that moves (one search, no list of every cell's style)
    used = {int(s) for s in set(re.findall(rb'\ss="(\d+)"', xml))}
    if all(styles.index(j) == j for j in used):
        return xml
    return re.sub(rb'(<(?:c|row)\b[^>]*?\ss=")(\d+)(")',
                  lambda m: m.group(1) + str(styles.index(int(m.group(2)))).encode() + m.group(3), xml)


Rect = tuple[int, int, int, int]  # min_col, min_row, max_col, max_row


def _in(rects: list[Rect], row: int) -> list[tuple[int, int]]:
    return [(c1, c2) for c1, r1, c2, r2 in rects if r1 <= row <= r2]


def merge_cells(old: bytes, new: bytes, rects: list[Rect]) -> bytes:
    """The sheetData inner XML: ``new``'s cells inside ``rects``, ``old``'s cells everywhere else; each
    row keeps its attributes from ``old`` (height, hidden, outline, style)."""
    o_rows, n_rows = _rows(old), _rows(new)
    out = []
    for r in sorted(set(o_rows) | set(n_rows)):
        spans = _in(rects, r)
        o, n = o_rows.get(r), n_rows.get(r)
        if not spans:
            if o is not None:
                out.append((r, o[0], o[1]))
            continue
        inside = lambda col: any(c1 <= col <= c2 for c1, c2 in spans)  # noqa: E731
        cells: list[tuple[int, bytes]] = []
        if o is not None and o[1]:
            oc = _cells(o[1])
            cells += [(col, x) for col, x in oc if not inside(col)]
        if n is not None and n[1]:
            cells += [(col, x) for col, x in _cells(n[1]) if inside(col)]
        cells.sort(key=lambda t: t[0])
        attrs = o[0] if o is not None else n[0]
        body = b"".join(x for _, x in cells)
        if not body and (o is None or _R_ATTR.sub(b"", o[0]).strip() == b""):
            continue
        out.append((r, attrs, body))
    return b"".join(b"<row" + a + (b">" + body + b"</row>" if body else b"/>") for _, a, body in out)


def _fast_merge(old: bytes, new: bytes, rects: list[Rect]) -> bytes | None:
    """``merge_cells`` for the usual case, row by row without splitting cells: every old cell lies inside
    the ranges (a row's first and last cell inside one range).  None when some old cell may lie outside."""
    o_rows = _rows(old)
    for r, (attrs, inner) in o_rows.items():
        if not inner:
            continue
        spans = _in(rects, r)
        if not spans:
            return None
        first = _CELL_COL.search(inner)
        last = inner.rfind(b"<c ")
        lastm = _CELL_COL.match(inner, last) if last >= 0 else None
        if first is None or lastm is None:
            return None
        lo, hi = _col(first.group(1)), _col(lastm.group(1))
        if not any(c1 <= lo and hi <= c2 for c1, c2 in spans):
            return None
    out = []
    n_rows = _rows(new)
    for r in sorted(set(o_rows) | set(n_rows)):
        o, n = o_rows.get(r), n_rows.get(r)
        body = n[1] if n is not None else b""
        attrs = o[0] if o is not None else n[0]
        if not body and (o is None or _R_ATTR.sub(b"", o[0]).strip() == b""):
            continue
        out.append(b"<row" + attrs + (b">" + body + b"</row>" if body else b"/>"))
    return b"".join(out)


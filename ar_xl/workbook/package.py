"""The workbook package as people left it: an action rewrites only the parts it owns.

openpyxl reads a workbook into its own model and writes a new package from it,
dropping or renaming much of what a person added: cell notes and threaded
comments, images and shapes, form controls, slicers, their own charts and
PivotTables, row heights, hidden rows, the VBA project's signature... So the
file shell lets openpyxl write the package (``written``) and then assembles
the file from two sources with ``keep_others``:

* **owned** sheets (the sheets of the tables an action wrote): the sheet part
  of the *original* file, in which only the cells of each table's range (its
  old range and its new one) are replaced by the cells openpyxl wrote.  Every
  other cell, row heights and hidden rows, column widths a person set,
  conditional formats, hyperlinks, merged cells, protection, drawings and
  comments' links stay as they were.  The table part keeps its id, style,
  filter and column attributes; only its range and column list change.  The
  drop-downs are the ones the shell laid out (a person's own kept).
* **replaced** sheets (Dashboard, DashboardData): laid out whole by the shell;
  the old sheet and what only it used (drawing, charts, pivot tables and
  their caches) leave the package, and the new sheet comes in with its parts
  under fresh names.
* **every other part** is copied from the original byte for byte: other
  sheets, comments, drawings, media, pivot caches, slicers, defined names,
  ``vbaProject.bin``, themes, shared strings, custom XML, properties.

The cells openpyxl wrote point at openpyxl's style list; they are pointed at
the original ``styles.xml`` instead, to which a cell format is appended only
when the original has none equal (``_Styles``).  Their shared strings are
written inline, so the original shared-string table stays as it is.
``workbook.xml``, its relationships and ``[Content_Types].xml`` change only
when a sheet comes or goes.  A ``calcChain.xml`` that lists cells of an owned
or replaced sheet is dropped: Excel rebuilds it, and a stale one makes Excel
repair the file.
"""
from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Mapping, MutableMapping
from copy import deepcopy
from pathlib import Path

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_TABLE = R_NS + "/table"
REL_PIVOT_CACHE = R_NS + "/pivotCacheDefinition"
REL_PIVOT_TABLE = R_NS + "/pivotTable"
REL_CALC_CHAIN = R_NS + "/calcChain"
REL_OFFICE_DOC = R_NS + "/officeDocument"
M = "{%s}" % MAIN
R_ID = "{%s}id" % R_NS

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)

# CT_Worksheet: the order of a worksheet's child elements
_SHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
                "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                "tableParts", "extLst"]


class Unsupported(Exception):
    """The original package is laid out in a way ``keep_others`` does not handle."""


def _xml(data: bytes):
    return etree.fromstring(data, _PARSER)


def _bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def rels_name(part: str) -> str:
    d, b = posixpath.split(part)
    return posixpath.join(d, "_rels", b + ".rels")


def _resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


# ====================================================================== a package in memory

class _Parts(Mapping):
    """Part name -> bytes, each part inflated when first read (a big sheet nobody changed never is)."""

    def __init__(self, z: zipfile.ZipFile, names: list[str]):
        self._z, self._names, self._set, self._cache = z, names, set(names), {}

    def __getitem__(self, name: str) -> bytes:
        got = self._cache.get(name)
        if got is None:
            if name not in self._set:
                raise KeyError(name)
            got = self._cache[name] = self._z.read(name)
        return got

    def __contains__(self, name) -> bool:
        return name in self._set

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _Overlay(MutableMapping):
    """The output's parts: the original's, with some replaced, added or dropped."""

    def __init__(self, base: _Parts):
        self._base, self._new, self._gone = base, {}, set()

    def __getitem__(self, name: str) -> bytes:
        if name in self._new:
            return self._new[name]
        if name in self._gone or name not in self._base:
            raise KeyError(name)
        return self._base[name]

    def __setitem__(self, name: str, data: bytes) -> None:
        self._gone.discard(name)
        if name in self._base and self._base._cache.get(name) is data:
            self._new.pop(name, None)  # the original's own bytes: still kept
            return
        self._new[name] = data

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._new.pop(name, None)
        self._gone.add(name)

    def __contains__(self, name) -> bool:
        return name in self._new or (name in self._base and name not in self._gone)

    def __iter__(self):
        yield from (n for n in self._base if n not in self._gone and n not in self._new)
        yield from self._new

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def kept(self, name: str) -> bool:
        """The original's part, unchanged."""
        return name not in self._new and name not in self._gone and name in self._base

class Package:
    """The parts of a zip package, in their order, with relationship and content-type helpers."""

    def __init__(self, data: bytes | str | Path):
        if not isinstance(data, (bytes, bytearray)):
            data = Path(data).read_bytes()
        self.src = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = [i.filename for i in self.zip.infolist() if not i.is_dir()]
        self.parts = _Parts(self.zip, self.names)
        self.workbook = self._workbook_part()

    def __contains__(self, name):
        return name in self.parts

    def _workbook_part(self) -> str:
        for rel in self.rels(""):
            if rel.get("Type") == REL_OFFICE_DOC:
                return _resolve("", rel.get("Target"))
        raise Unsupported("no workbook part")

    def rels(self, part: str) -> list:
        name = "_rels/.rels" if part == "" else rels_name(part)
        if name not in self.parts:
            return []
        return list(_xml(self.parts[name]))

    def targets(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, part name) of each internal relationship of ``part``."""
        out = []
        for rel in self.rels(part):
            if rel.get("TargetMode") == "External":
                continue
            out.append((rel.get("Id"), rel.get("Type"), _resolve(part, rel.get("Target"))))
        return out

    def sheets(self) -> list[tuple[str, str, object]]:
        """(name, part name, <sheet> element) for each sheet, in the workbook's order."""
        wb = _xml(self.parts[self.workbook])
        by_id = {rid: p for rid, _, p in self.targets(self.workbook)}
        sheets = wb.find(M + "sheets")
        return [(s.get("name"), by_id.get(s.get(R_ID), ""), s) for s in (sheets if sheets is not None else [])]

    def content_types(self):
        return _xml(self.parts["[Content_Types].xml"])

    def shared_strings(self) -> list[str]:
        for _, typ, p in self.targets(self.workbook):
            if typ.endswith("/sharedStrings") and p in self.parts:
                out = []
                for si in _xml(self.parts[p]).iter(M + "si"):
                    out.append("".join(t.text or "" for t in si.iter(M + "t")
                                       if t.getparent().tag != M + "rPh"))
                return out
        return []


# ====================================================================== styles

class _Styles:
    """Cell formats of the written package pointed at the original ``styles.xml``.

    ``index(j)`` is the original's index of a cell format equal to the written
    package's format ``j`` (font, fill, border, number format, alignment,
    protection compared as openpyxl reads them), appending a copy when the
    original has none; ``xml()`` is the original ``styles.xml``, unchanged
    unless something was appended."""

    def __init__(self, original: bytes | None, written: bytes | None):
        from openpyxl.styles.stylesheet import Stylesheet
        self.o_raw = original
        self.o = Stylesheet.from_tree(_xml(original)) if original else None
        self.n = Stylesheet.from_tree(_xml(written)) if written else None
        self.tree = None
        self.map: dict[int, int] = {}
        self._okeys = None
        self._same = None

    def _key(self, ss, j: int):
        from openpyxl.styles.numbers import builtin_format_code
        st = ss.cell_styles[j]
        fmt = builtin_format_code(st.numFmtId) if st.numFmtId < 164 else ss.number_formats[st.numFmtId - 164]
        return (fmt, ss.fonts[st.fontId], ss.fills[st.fillId], ss.borders[st.borderId],
                ss.alignments[st.alignmentId], ss.protections[st.protectionId], bool(st.quotePrefix),
                bool(st.pivotButton))

    def same(self) -> bool:
        """Every cell format of the written package is the original's at the same index."""
        if self.o is None or self.n is None:
            return True
        if self._same is None:
            n = len(self.n.cell_styles)
            self._same = n <= len(self.o.cell_styles) and all(
                self._key(self.n, j) == self._key(self.o, j) for j in range(n))
        return self._same

    def index(self, j: int) -> int:
        if j in self.map:
            return self.map[j]
        if self.o is None or self.n is None or j >= len(self.n.cell_styles):
            self.map[j] = j
            return j
        if self._okeys is None:
            self._okeys = {}
            self._olist = [self._key(self.o, i) for i in range(len(self.o.cell_styles))]
            for i, k in enumerate(self._olist):
                self._okeys.setdefault(k, i)
        k = self._key(self.n, j)
        if j < len(self._olist) and self._olist[j] == k:
            got = j
        elif k in self._okeys:
            got = self._okeys[k]
        else:
            got = self._append(k)
            self._okeys[k] = got
            self._olist.append(k)
        self.map[j] = got
        return got

    def _list(self, tag: str):
        el = self.tree.find(M + tag)
        if el is None:
            el = etree.SubElement(self.tree, M + tag)
            # keep the schema's order: numFmts first, then fonts, fills, borders, cellStyleXfs, cellXfs
            order = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs"]
            self.tree.remove(el)
            pos = 0
            for i, child in enumerate(self.tree):
                name = etree.QName(child).localname
                if name in order and order.index(name) < order.index(tag):
                    pos = i + 1
            self.tree.insert(pos, el)
        return el

    def _add(self, tag: str, obj) -> int:
        from openpyxl.xml.functions import tostring
        lst = self._list(tag)
        wrapped = _xml(b'<x xmlns="' + MAIN.encode() + b'">' + tostring(obj.to_tree()) + b"</x>")
        lst.append(wrapped[0])
        n = len(lst)
        lst.set("count", str(n))
        return n - 1

    def _find(self, items, obj, tag) -> int:
        for i, it in enumerate(items):
            if it == obj:
                return i
        return self._add(tag, obj)

    def _append(self, key) -> int:
        from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE
        if self.tree is None:
            self.tree = _xml(self.o_raw)
        fmt, font, fill, border, align, prot, quote, pivot = key
        if fmt in BUILTIN_FORMATS_REVERSE:
            fmt_id = BUILTIN_FORMATS_REVERSE[fmt]
        else:
            lst = self._list("numFmts")
            fmt_id = None
            for nf in lst:
                if nf.get("formatCode") == fmt:
                    fmt_id = int(nf.get("numFmtId"))
                    break
            if fmt_id is None:
                fmt_id = max([163] + [int(nf.get("numFmtId")) for nf in lst]) + 1
                etree.SubElement(lst, M + "numFmt", numFmtId=str(fmt_id), formatCode=fmt)
                lst.set("count", str(len(lst)))
        ids = {"numFmtId": str(fmt_id),
               "fontId": str(self._find(self.o.fonts, font, "fonts")),
               "fillId": str(self._find(self.o.fills, fill, "fills")),
               "borderId": str(self._find(self.o.borders, border, "borders")), "xfId": "0"}
        # appended ones are found again by the same equality
        for lst_obj, obj, tag in ((self.o.fonts, font, "fonts"), (self.o.fills, fill, "fills"),
                                  (self.o.borders, border, "borders")):
            if len(self._list(tag)) > len(lst_obj):
                lst_obj.append(obj)
        xfs = self._list("cellXfs")
        xf = etree.SubElement(xfs, M + "xf", **ids)
        for flag in ("applyNumberFormat", "applyFont", "applyFill", "applyBorder"):
            xf.set(flag, "1")
        if quote:
            xf.set("quotePrefix", "1")
        if pivot:
            xf.set("pivotButton", "1")
        from openpyxl.styles.alignment import Alignment
        from openpyxl.styles.protection import Protection
        from openpyxl.xml.functions import tostring
        for obj, default, flag in ((align, Alignment(), "applyAlignment"), (prot, Protection(), "applyProtection")):
            if obj != default:
                xf.set(flag, "1")
                wrapped = _xml(b'<x xmlns="' + MAIN.encode() + b'">' + tostring(obj.to_tree()) + b"</x>")
                xf.append(wrapped[0])
        xfs.set("count", str(len(xfs)))
        return len(xfs) - 1

    def xml(self) -> bytes | None:
        return self.o_raw if self.tree is None else _bytes(self.tree)


# ====================================================================== cells

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


def _copy_raw(src: zipfile.ZipFile, name: str, out: zipfile.ZipFile) -> bool:
    """Copy a part's compressed bytes as they are (no inflating and deflating again); False when
    the entry is not a plain stored or deflated one."""
    info = src.getinfo(name)
    if info.flag_bits & 0x01 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return False
    src.fp.seek(info.header_offset)
    head = src.fp.read(30)
    if head[:4] != b"PK\x03\x04":
        return False
    n, m = struct.unpack("<HH", head[26:30])
    src.fp.seek(info.header_offset + 30 + n + m)
    raw = src.fp.read(info.compress_size)
    z = zipfile.ZipInfo(info.filename, info.date_time)
    z.compress_type, z.CRC = info.compress_type, info.CRC
    z.compress_size, z.file_size = info.compress_size, info.file_size
    z.flag_bits = info.flag_bits & ~0x08  # sizes are in the header: no data descriptor follows
    z.external_attr, z.create_system = info.external_attr, info.create_system
    z.header_offset = out.fp.tell()
    out.fp.write(z.FileHeader(zip64=z.file_size > zipfile.ZIP64_LIMIT or z.compress_size > zipfile.ZIP64_LIMIT))
    out.fp.write(raw)
    out.filelist.append(z)
    out.NameToInfo[z.filename] = z
    out.start_dir = out.fp.tell()
    out._didModify = True
    return True


# ====================================================================== the splice

def _table_info(data: bytes):
    root = _xml(data)
    from openpyxl.utils import range_boundaries
    return root, (root.get("displayName") or root.get("name") or "").lower(), range_boundaries(root.get("ref"))


def _insert_child(root, el) -> None:
    """Insert ``el`` among a worksheet's children at the place the schema gives it."""
    name = etree.QName(el).localname
    rank = _SHEET_ORDER.index(name)
    pos = len(root)
    for i, child in enumerate(root):
        cname = etree.QName(child).localname
        if cname in _SHEET_ORDER and _SHEET_ORDER.index(cname) > rank:
            pos = i
            break
    root.insert(pos, el)


class _Splice:
    def __init__(self, original: Package, written: Package):
        self.o, self.n = original, written
        self.out = _Overlay(original.parts)
        self.order = list(original.names)
        self.ct = original.content_types()
        self.n_ct = written.content_types()
        self.wb = _xml(original.parts[original.workbook])
        self.wb_rels = self._rels_root(original.workbook)
        self.styles_part = next((p for _, t, p in original.targets(original.workbook) if t.endswith("/styles")), None)
        n_styles = next((p for _, t, p in written.targets(written.workbook) if t.endswith("/styles")), None)
        self.styles = _Styles(original.parts.get(self.styles_part), written.parts.get(n_styles))
        self.n_shared = None
        self.touched_ids: set[str] = set()
        self.wb_changed = False

    # ------------------------------------------------------------ small helpers
    def _rels_root(self, part: str):
        name = rels_name(part)
        if name in self.out:
            return _xml(self.out[name])
        return etree.Element("{%s}Relationships" % PKG_REL, nsmap={None: PKG_REL})

    def _put(self, name: str, data: bytes) -> None:
        if name not in self.out:
            self.order.append(name)
        self.out[name] = data

    def _drop(self, name: str) -> None:
        self.out.pop(name, None)
        self.out.pop(rels_name(name), None)
        for ov in list(self.ct):
            if ov.get("PartName") == "/" + name:
                self.ct.remove(ov)

    def _add_rel(self, rels, typ: str, target_part: str) -> str:
        used = {r.get("Id") for r in rels}
        k = 1
        while f"rId{k}" in used:
            k += 1
        etree.SubElement(rels, "{%s}Relationship" % PKG_REL, Id=f"rId{k}", Type=typ, Target="/" + target_part)
        return f"rId{k}"

    def _fresh(self, name: str, taken: set[str]) -> str:
        d, b = posixpath.split(name)
        m = re.match(r"(.*?)(\d*)(\.[^.]+)$", b)
        stem, ext = (m.group(1), m.group(3)) if m else (b, "")
        k = 1
        while True:
            cand = posixpath.join(d, f"{stem}{k}{ext}")
            if cand not in self.out and cand not in taken:
                return cand
            k += 1

    def _content_type(self, pkg_ct, name: str) -> str | None:
        for el in pkg_ct:
            if el.get("PartName") == "/" + name:
                return el.get("ContentType")
        return None

    def _ensure_default(self, name: str) -> None:
        ext = name.rsplit(".", 1)[-1].lower()
        if any(el.get("Extension", "").lower() == ext for el in self.ct if el.tag.endswith("Default")):
            return
        for el in self.n_ct:
            if el.tag.endswith("Default") and el.get("Extension", "").lower() == ext:
                self.ct.insert(0, deepcopy(el))
                return

    def shared(self) -> list[str]:
        if self.n_shared is None:
            self.n_shared = self.n.shared_strings()
        return self.n_shared

    # ------------------------------------------------------------ owned sheets
    def patch_sheet(self, o_part: str, n_part: str) -> None:
        o_xml, n_xml = self.o.parts[o_part], self.n.parts[n_part]
        o_tables = {}
        for rid, typ, p in self.o.targets(o_part):
            if typ == REL_TABLE and p in self.o.parts:
                root, name, ref = _table_info(self.o.parts[p])
                o_tables[name] = (p, root, ref)
        rects: list[Rect] = []
        new_tables = []
        for rid, typ, p in self.n.targets(n_part):
            if typ != REL_TABLE or p not in self.n.parts:
                continue
            n_root, name, n_ref = _table_info(self.n.parts[p])
            rects.append(n_ref)
            if name in o_tables:
                op, o_root, o_ref = o_tables[name]
                rects.append(o_ref)
                self._patch_table(op, o_root, n_root)
            else:
                new_tables.append(p)
        # the sheet's skeleton: everything but the cells, from the original
        o_start, o_end, old_cells = sheet_data(o_xml)
        n_start, n_end, n_cells = sheet_data(n_xml)
        new_cells = _new_cells(n_cells, self.styles, self.shared())
        skeleton = _xml(o_xml[:o_start] + b"<sheetData/>" + o_xml[o_end:])
        n_skel = _xml(n_xml[:n_start] + b"<sheetData/>" + n_xml[n_end:])
        dim = skeleton.find(M + "dimension")
        if dim is not None:
            skeleton.remove(dim)
        self._merge_cols(skeleton, n_skel)
        old_dv = skeleton.find(M + "dataValidations")
        if old_dv is not None:
            skeleton.remove(old_dv)
        new_dv = n_skel.find(M + "dataValidations")
        if new_dv is not None and len(new_dv):
            _insert_child(skeleton, deepcopy(new_dv))
        if new_tables:
            rels = self._rels_root(o_part)
            parts_el = skeleton.find(M + "tableParts")
            if parts_el is None:
                parts_el = etree.Element(M + "tableParts")
                _insert_child(skeleton, parts_el)
            for p in new_tables:
                name = self._fresh("xl/tables/table1.xml", set())
                root = _xml(self.n.parts[p])
                root.set("id", str(self._next_table_id()))
                self._put(name, _bytes(root))
                self._override(name, self._content_type(self.n_ct, p))
                rid = self._add_rel(rels, REL_TABLE, name)
                tp = etree.SubElement(parts_el, M + "tablePart")
                tp.set(R_ID, rid)
            parts_el.set("count", str(len(parts_el)))
            self.out[rels_name(o_part)] = _bytes(rels)
            if rels_name(o_part) not in self.order:
                self.order.append(rels_name(o_part))
        if rects:
            merged = _fast_merge(old_cells, new_cells, rects)
            if merged is None:
                merged = merge_cells(old_cells, new_cells, rects)
        else:
            merged = new_cells
        text = _bytes(skeleton)
        t_start, t_end, _ = sheet_data(text)
        self._put(o_part, text[:t_start] + b"<sheetData>" + merged + b"</sheetData>" + text[t_end:])

    def _next_table_id(self) -> int:
        ids = [0]
        for name in list(self.out):
            if name.startswith("xl/tables/") and name.endswith(".xml"):
                try:
                    ids.append(int(_xml(self.out[name]).get("id") or 0))
                except etree.XMLSyntaxError:
                    pass
        return max(ids) + 1

    def _override(self, name: str, ctype: str | None) -> None:
        if ctype is None:
            self._ensure_default(name)
            return
        el = etree.SubElement(self.ct, "{%s}Override" % CT_NS)
        el.set("PartName", "/" + name)
        el.set("ContentType", ctype)

    def _merge_cols(self, skeleton, n_skel) -> None:
        """Column widths a person set stay; columns the original does not describe get the written ones."""
        o_cols = skeleton.find(M + "cols")
        n_cols = n_skel.find(M + "cols")
        if n_cols is None:
            return
        if o_cols is None:
            o_cols = etree.Element(M + "cols")
            _insert_child(skeleton, o_cols)
        spans = [(int(c.get("min")), int(c.get("max"))) for c in o_cols]
        for c in n_cols:
            lo, hi = int(c.get("min")), int(c.get("max"))
            if any(not (hi < a or lo > b) for a, b in spans):
                continue
            c = deepcopy(c)
            if c.get("style") is not None:
                c.set("style", str(self.styles.index(int(c.get("style")))))
            o_cols.append(c)
        kids = sorted(o_cols, key=lambda c: int(c.get("min")))
        for c in list(o_cols):
            o_cols.remove(c)
        for c in kids:
            o_cols.append(c)
        if not len(o_cols):
            skeleton.remove(o_cols)

    def _patch_table(self, part: str, o_root, n_root) -> None:
        """The original table part with the written range and columns (ids, styles and filters kept)."""
        ref = n_root.get("ref")
        o_root.set("ref", ref)
        af = o_root.find(M + "autoFilter")
        if af is not None:
            af.set("ref", ref)
        o_cols = o_root.find(M + "tableColumns")
        n_cols = n_root.find(M + "tableColumns")
        if n_cols is not None:
            by_name = {c.get("name"): c for c in (o_cols if o_cols is not None else [])}
            next_id = max([0] + [int(c.get("id") or 0) for c in by_name.values()]) + 1
            fresh = etree.Element(M + "tableColumns")
            for c in n_cols:
                old = by_name.get(c.get("name"))
                if old is not None:
                    fresh.append(deepcopy(old))
                else:
                    etree.SubElement(fresh, M + "tableColumn", id=str(next_id), name=c.get("name"))
                    next_id += 1
            fresh.set("count", str(len(fresh)))
            if o_cols is not None:
                o_root.replace(o_cols, fresh)
            else:
                o_root.append(fresh)
            # filters on columns that moved or left would point at the wrong column
            if af is not None and [c.get("name") for c in (o_cols if o_cols is not None else [])] != \
                    [c.get("name") for c in fresh]:
                for fc in af.findall(M + "filterColumn"):
                    af.remove(fc)
        if self.o.parts.get(part) is not None:
            self._put(part, _bytes(o_root))

    # ------------------------------------------------------------ replaced sheets
    def closure(self, pkg: Package, part: str, stop: set[str]) -> list[str]:
        """``part`` and every part it reaches through relationships (not passing through ``stop``)."""
        seen, todo = [], [part]
        while todo:
            p = todo.pop()
            if p in seen or p in stop or p not in pkg.parts:
                continue
            seen.append(p)
            todo += [t for _, _, t in pkg.targets(p)]
        return seen

    def remove_sheet(self, name: str, part: str, sheet_el) -> None:
        sheets = self.wb.find(M + "sheets")
        rid = sheet_el.get(R_ID)
        # what the rest of the package reaches, without this sheet
        for rel in list(self.wb_rels):
            if rel.get("Id") == rid:
                self.wb_rels.remove(rel)
        gone = set(self.closure(self.o, part, {self.o.workbook}))
        keep = set()
        for other_name, other_part, _ in self.o.sheets():
            if other_part != part and other_name not in self.removed:
                keep |= set(self.closure(self.o, other_part, {self.o.workbook}))
        gone -= keep
        # pivot caches only the removed pivot tables used
        caches_gone = {p for p in gone if p.startswith("xl/pivotCache/pivotCacheDefinition")}
        wb_targets = {rid_: p for rid_, _, p in self.o.targets(self.o.workbook)}
        pcs = self.wb.find(M + "pivotCaches")
        if pcs is not None:
            for pc in list(pcs):
                if wb_targets.get(pc.get(R_ID)) in caches_gone:
                    pcs.remove(pc)
            if not len(pcs):
                self.wb.remove(pcs)
        for rel in list(self.wb_rels):
            if _resolve(self.o.workbook, rel.get("Target", "")) in caches_gone:
                self.wb_rels.remove(rel)
        for p in gone:
            self._drop(p)
        for el in sheets.findall(M + "sheet"):
            if el.get("name") == name:
                sheets.remove(el)
        self.removed_ids[name] = sheet_el.get("sheetId")

    def import_sheet(self, name: str, n_part: str, n_sheet_el) -> object:
        """Bring a sheet the shell laid out whole, with the parts it reaches, under fresh names."""
        parts = self.closure(self.n, n_part, {self.n.workbook})
        taken: set[str] = set()
        rename = {}
        for p in parts:
            rename[p] = self._fresh(p, taken)
            taken.add(rename[p])
        n_wb = _xml(self.n.parts[self.n.workbook])
        n_wb_targets = {p: rid for rid, _, p in self.n.targets(self.n.workbook)}
        n_cache_ids = {}
        n_pcs = n_wb.find(M + "pivotCaches")
        for pc in (n_pcs if n_pcs is not None else []):
            n_cache_ids[pc.get(R_ID)] = pc.get("cacheId")
        for p in parts:
            data = self.n.parts[p]
            new = rename[p]
            if p == n_part:
                data = self._new_sheet_xml(data)
            elif p.startswith("xl/pivotTables/"):
                data = self._recache(p, data, rename, n_wb_targets, n_cache_ids)
            self._put(new, data)
            rels = self.n.rels(p)
            if rels:
                root = etree.Element("{%s}Relationships" % PKG_REL, nsmap={None: PKG_REL})
                for rel in rels:
                    rel = deepcopy(rel)
                    if rel.get("TargetMode") != "External":
                        rel.set("Target", "/" + rename.get(_resolve(p, rel.get("Target")),
                                                           _resolve(p, rel.get("Target"))))
                    root.append(rel)
                self._put(rels_name(new), _bytes(root))
            self._override(new, self._content_type(self.n_ct, p))
        rid = self._add_rel(self.wb_rels, R_NS + "/worksheet", rename[n_part])
        el = deepcopy(n_sheet_el)
        el.set(R_ID, rid)
        ids = [int(s.get("sheetId")) for s in self.wb.find(M + "sheets")] + [0]
        old_id = self.removed_ids.get(name)
        el.set("sheetId", old_id if old_id and int(old_id) not in ids else str(max(ids) + 1))
        return el

    def _recache(self, p, data, rename, n_wb_targets, n_cache_ids) -> bytes:
        """A pivot table's cache: registered in the workbook under a cacheId of its own."""
        root = _xml(data)
        for _, typ, cache in self.n.targets(p):
            if typ != REL_PIVOT_CACHE:
                continue
            new_cache = rename.get(cache, cache)
            if new_cache in self.cache_ids:
                cid = self.cache_ids[new_cache]
            else:
                pcs = self.wb.find(M + "pivotCaches")
                if pcs is None:
                    pcs = etree.Element(M + "pivotCaches")
                    self._insert_wb(pcs)
                used = [int(pc.get("cacheId")) for pc in pcs] + [int(c) for c in self.cache_ids.values()]
                cid = str(max(used + [0]) + 1)
                rid = self._add_rel(self.wb_rels, REL_PIVOT_CACHE, new_cache)
                pc = etree.SubElement(pcs, M + "pivotCache", cacheId=cid)
                pc.set(R_ID, rid)
                self.cache_ids[new_cache] = cid
            root.set("cacheId", cid)
        return _bytes(root)

    def _insert_wb(self, el) -> None:
        order = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                 "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
                 "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                 "fileRecoveryPr", "webPublishObjects", "extLst"]
        rank = order.index(etree.QName(el).localname)
        pos = len(self.wb)
        for i, child in enumerate(self.wb):
            n = etree.QName(child).localname
            if n in order and order.index(n) > rank:
                pos = i
                break
        self.wb.insert(pos, el)

    def _new_sheet_xml(self, data: bytes) -> bytes:
        try:
            d_start, d_end, d_cells = sheet_data(data)
        except Unsupported:
            return data
        cells = _new_cells(d_cells, self.styles, self.shared())
        skel = _xml(data[:d_start] + b"<sheetData/>" + data[d_end:])
        cols = skel.find(M + "cols")
        for c in (cols if cols is not None else []):
            if c.get("style") is not None:
                c.set("style", str(self.styles.index(int(c.get("style")))))
        if not self.keep_selected:
            for v in skel.iter(M + "sheetView"):
                v.attrib.pop("tabSelected", None)
        text = _bytes(skel)
        t_start, t_end, _ = sheet_data(text)
        return text[:t_start] + b"<sheetData>" + cells + b"</sheetData>" + text[t_end:]

    # ------------------------------------------------------------ all together
    def run(self, owned: set[str], replaced: set[str]) -> bytes:
        o_sheets = self.o.sheets()
        n_sheets = self.n.sheets()
        o_by = {n: (p, el) for n, p, el in o_sheets}
        n_by = {n: (p, el) for n, p, el in n_sheets}
        o_names = [n for n, _, _ in o_sheets]
        self.removed: set[str] = set()
        self.removed_ids: dict[str, str] = {}
        self.cache_ids: dict[str, str] = {}
        active = self._active_name(o_names)
        replaced = {n for n in replaced if n in n_by} | {n for n in owned if n in n_by and n not in o_by}
        owned = {n for n in owned if n in n_by and n in o_by} - replaced
        self.keep_selected = active is None or active in replaced
        for name in owned:
            self.patch_sheet(o_by[name][0], n_by[name][0])
        self.removed = {n for n in replaced if n in o_by}
        for name in self.removed:
            self.remove_sheet(name, o_by[name][0], o_by[name][1])
        imported = {}
        for name in replaced:
            imported[name] = self.import_sheet(name, n_by[name][0], n_by[name][1])
        if replaced:
            self._order_sheets([n for n, _, _ in n_sheets], o_by, imported, o_names, active, replaced)
            self.wb_changed = True
        self._calc_chain(owned | replaced, o_by)
        styles = self.styles.xml()
        if self.styles_part and styles is not None:
            self.out[self.styles_part] = styles
        if self.wb_changed:
            self.out[self.o.workbook] = _bytes(self.wb)
            self.out[rels_name(self.o.workbook)] = _bytes(self.wb_rels)
        self.out["[Content_Types].xml"] = (_bytes(self.ct) if (replaced or self._ct_changed())
                                           else self.o.parts["[Content_Types].xml"])
        buf = io.BytesIO()
        orig = self.o.zip
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
            names = [n for n in dict.fromkeys(self.order) if n in self.out]
            if "[Content_Types].xml" in names:
                names.remove("[Content_Types].xml")
                names.insert(0, "[Content_Types].xml")
            for n in names:
                if self.out.kept(n) and _copy_raw(orig, n, z):
                    continue
                z.writestr(n, self.out[n])
        return buf.getvalue()

    def _ct_changed(self) -> bool:
        return _bytes(self.ct) != _bytes(self.o.content_types())

    def _active_name(self, o_names: list[str]) -> str | None:
        views = self.wb.find(M + "bookViews")
        v = views[0] if views is not None and len(views) else None
        idx = int(v.get("activeTab", "0")) if v is not None else 0
        return o_names[idx] if 0 <= idx < len(o_names) else None

    def _order_sheets(self, n_order, o_by, imported, o_names, active, replaced) -> None:
        sheets = self.wb.find(M + "sheets")
        current = {el.get("name"): el for el in sheets}
        current.update(imported)
        order = [n for n in n_order if n in current] + [n for n in current if n not in n_order]
        for el in list(sheets):
            sheets.remove(el)
        for n in order:
            sheets.append(current[n])
        new_index = {n: i for i, n in enumerate(order)}
        # defined names local to a sheet follow it; those of replaced sheets come from the written book
        dn = self.wb.find(M + "definedNames")
        if dn is not None:
            for d in list(dn):
                lid = d.get("localSheetId")
                if lid is None:
                    continue
                name = o_names[int(lid)] if int(lid) < len(o_names) else None
                if name is None or name in replaced:
                    dn.remove(d)
                else:
                    d.set("localSheetId", str(new_index[name]))
        n_wb = _xml(self.n.parts[self.n.workbook])
        n_dn = n_wb.find(M + "definedNames")
        n_names = [n for n in n_order]
        for d in (n_dn if n_dn is not None else []):
            lid = d.get("localSheetId")
            if lid is not None and n_names[int(lid)] in replaced:
                if dn is None:
                    dn = etree.Element(M + "definedNames")
                    self._insert_wb(dn)
                d = deepcopy(d)
                d.set("localSheetId", str(new_index[n_names[int(lid)]]))
                dn.append(d)
        if dn is not None and not len(dn):
            self.wb.remove(dn)
        views = self.wb.find(M + "bookViews")
        if views is not None:
            # the sheet a person left active stays active (a laid-out sheet if that was the one)
            if active is None or active in replaced:
                tab = next((n for n in n_order if n in replaced), None)
            else:
                tab = active
            for v in views:
                if tab in new_index:
                    v.set("activeTab", str(new_index[tab]))
                if v.get("firstSheet") is not None:
                    v.set("firstSheet", "0")

    def _calc_chain(self, names: set[str], o_by) -> None:
        chain = next((p for _, t, p in self.o.targets(self.o.workbook) if t == REL_CALC_CHAIN), None)
        if chain is None or chain not in self.out:
            return
        ids = {el.get("sheetId") for n, (p, el) in o_by.items() if n in names}
        refs = set(re.findall(rb'\si="(\d+)"', self.out[chain]))
        first = re.search(rb"<c\b[^>]*>", self.out[chain])
        if first is not None and b' i="' not in first.group(0):
            refs.add(b"0")  # the first entry's sheet is implied; be safe
        if not ({i.encode() for i in ids if i} & refs) and b"0" not in refs:
            return
        self._drop(chain)
        for rel in list(self.wb_rels):
            if rel.get("Type") == REL_CALC_CHAIN:
                self.wb_rels.remove(rel)
        self.wb_changed = True


def keep_others(original: bytes | str | Path, written: str | Path, owned: set[str], replaced: set[str]) -> None:
    """Rewrite the package ``written`` (openpyxl's) in place as ``original`` with only the owned sheets'
    table cells and the replaced sheets taken from it; see the module docstring."""
    o = Package(original)
    n = Package(written)
    data = _Splice(o, n).run(set(owned), set(replaced))
    Path(written).write_bytes(data)


def keeper(original_path, owned: set[str], replaced: set[str]):
    """The ``finish`` step of a save over the workbook at ``original_path``: ``keep_others`` with the
    original as it is now (before the save replaces it); None for a new file."""
    if original_path is None or not Path(original_path).exists():
        return None
    original = Path(original_path).read_bytes()

    def finish(tmp):
        try:
            keep_others(original, tmp, owned, replaced)
        except (Unsupported, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as e:
            # better to stop than to drop what people added: the workbook is left as it was
            from ..errors import ArXlError
            raise ArXlError(f"{Path(original_path).name}: cannot keep the workbook's other parts as they are "
                            f"({e}); nothing was changed") from None
    return finish

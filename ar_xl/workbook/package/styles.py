"""Cell formats of openpyxl's written package pointed at the original ``styles.xml``: a written format
maps to the original's equal one (same font, fill, border, number format, alignment, protection), and
one is appended to the original only when it has none equal; the original's bytes stay as they are
when nothing was appended."""
from __future__ import annotations

from lxml import etree

from .parts import MAIN, M, _bytes, _xml


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

    def moved(self) -> list[int]:
        """The written formats whose index in the original is not their own (``index`` would map them
        elsewhere, or append them); nothing is appended here."""
        if self.o is None or self.n is None:
            return []
        olist = self._olist if self._okeys is not None else [self._key(self.o, i)
                                                               for i in range(len(self.o.cell_styles))]
        return [j for j in range(len(self.n.cell_styles))
                if not (j < len(olist) and olist[j] == self._key(self.n, j))]

    def keep_in_place(self, moved: list[int]) -> bool:
        """When the formats in ``moved`` are exactly the written package's last ones, past all of the
        original's, append them to the original in their order, so that each keeps its own index (the
        usual case: the formats an action added after those the workbook had).  True when each did: no
        cell needs pointing elsewhere.  False otherwise (a format equal to one of the original's maps
        there), with ``index`` as it would be anyway."""
        if not moved or self.o is None or self.n is None:
            return False
        if moved != list(range(len(self.o.cell_styles), len(self.n.cell_styles))):
            return False
        return all(self.index(j) == j for j in moved)

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

"""The splice: the saved file assembled from the original package and openpyxl's written one.  Owned
sheets keep their original part with only the tables' cells replaced, replaced sheets (Dashboard,
CustomerView) come in whole under fresh part names with what only the old one used leaving, every other part is
the original's byte for byte, and ``workbook.xml``, its relationships, ``[Content_Types].xml`` and
``calcChain.xml`` change only as far as a sheet coming, going or changing requires.  Whatever comes in
gets ids no other has (sheetId, relationship Id, part name, pivot cacheId, table id), and a sheetId or
table id the original gives twice is mended (``_mend_sheet_ids``, ``_mend_table_ids``)."""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from copy import deepcopy
from pathlib import Path

from lxml import etree

from ... import schema
from . import deflate, layout_record
from .cells import Rect, _fast_merge, _new_cells, merge_cells, sheet_data
from .parts import (CT_NS, M, PKG_REL, R_ID, R_NS, REL_CALC_CHAIN, REL_PIVOT_CACHE, REL_TABLE, Package,
                    Unsupported, _bytes, _copy_raw, _Overlay, _resolve, _xml, rels_name)
from .styles import _Styles

# CT_Worksheet: the order of a worksheet's child elements
_SHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
                "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                "tableParts", "extLst"]



_TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"

_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,7})">')


def _renamed_refs(text: bytes, table: str, renamed: dict[str, str]) -> bytes:
    """``text`` (a part's XML or a formula) with every structured reference ``table[...]`` naming a column of
    ``renamed`` by its new name: ``T[old]``, ``T[[#This Row],[old]]``, ``T[[old]:[other]]``.  The table name
    is matched ignoring case and only where it starts a name (not ``MyInvoices[``)."""
    cols = {old.lower(): new for old, new in renamed.items()}

    def col(name: bytes) -> bytes | None:
        new = cols.get(name.decode("utf-8", "replace").lower())
        return None if new is None else new.encode("utf-8")

    head = re.compile(rb"(?<![\w.\\])" + re.escape(table.encode()) + rb"\[", re.I)
    out, pos = [], 0
    for m in head.finditer(text):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:  # the matching bracket (``'`` escapes the next character)
            c = text[i:i + 1]
            if c == b"'":
                i += 1
            elif c == b"[":
                depth += 1
            elif c == b"]":
                depth -= 1
            i += 1
        if depth:
            continue
        inner = text[m.end():i - 1]
        if col(inner) is not None:  # T[old]
            inner = col(inner)
        else:
            inner = re.sub(rb"\[([^\[\]]*)\]", lambda x: b"[" + (col(x.group(1)) or x.group(1)) + b"]", inner)
        out.append(text[pos:m.end()] + inner + b"]")
        pos = i
    out.append(text[pos:])
    return b"".join(out)


def _columns_of(name: str):
    """``schema.Table.known`` of the table called ``name`` (a table the schema does not define: no column)."""
    try:
        return schema.table(name).known
    except KeyError:
        return lambda header: None


def _title_cell(name: str, ref: Rect) -> list[Rect]:
    """The title cell of a table with ``schema.Table.title_rows`` (Aging's "Aging as of ..."): the writer's,
    like the table's range; the rest of the rows above the table stay the person's."""
    try:
        rows = schema.table(name).title_rows
    except KeyError:
        return []
    c1, r1 = ref[0], ref[1] - rows
    return [(c1, r1, c1, r1)] if rows and r1 >= 1 else []


def _within(box: Rect, rects: list[Rect]) -> bool:
    """Whether one of ``rects`` holds all of ``box`` (min_col, min_row, max_col, max_row)."""
    return any(c1 <= box[0] and r1 <= box[1] and box[2] <= c2 and box[3] <= r2 for c1, r1, c2, r2 in rects)


def _plain_rows(cells: bytes, ordered: bool = False) -> bool:
    """Whether every row of a sheetData's inner XML is ``<row r="N">`` with cells in it (no height,
    style, hidden or other attribute to keep; no empty row), in ascending order when ``ordered``."""
    found = _PLAIN_ROW.findall(cells)
    if len(found) != cells.count(b"<row") or b'"></row>' in cells:  # ``"></row>``: a row with no cell
        return False
    if ordered:
        numbers = [int(r) for r in found]
        if any(b <= a for a, b in zip(numbers, numbers[1:])):
            return False
    return True


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
        self.renamed: dict[str, dict[str, str]] = {}
        """Table -> {old column name: new}: the columns whose header the writer renamed (``_patch_table``)."""

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
        """A part name like ``name`` (its number changed) that no part has, ignoring case as OPC does."""
        d, b = posixpath.split(name)
        m = re.match(r"(.*?)(\d*)(\.[^.]+)$", b)
        stem, ext = (m.group(1), m.group(3)) if m else (b, "")
        used = {n.lower() for n in self.out} | {n.lower() for n in taken}
        k = 1
        while True:
            cand = posixpath.join(d, f"{stem}{k}{ext}")
            if cand.lower() not in used:
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
    def patch_sheet(self, o_part: str, n_part: str, inside: tuple[Rect, ...] | bytes | None = None,
                    record: tuple | None = None, cells: bytes | None = None) -> None:
        """``inside``, when given, is ranges that together hold every cell of the original sheet (the writer
        found so while checking the sheet: ``xlsx_fast.can_write``), or the sheet's cells themselves (bytes):
        the original's with some table rows replaced (``xlsx_fast.patched_xml``), kept out of the written
        package, holding every other cell and every row's attributes as the file has them.  ``record``:
        what the writer knows of the written cells (``layout_record``), kept with the part when the part
        holds those cells as written.  ``cells``: the written cells themselves, when the writer kept them
        out of its package (as it keeps patched cells)."""
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
            rects += _title_cell(name, n_ref)
            if name in o_tables:
                op, o_root, o_ref = o_tables[name]
                rects.append(o_ref)
                rects += _title_cell(name, o_ref)
                renamed = self._patch_table(op, o_root, n_root, name)
                if renamed:
                    self._rename_cache_fields(name, renamed)
                    self.renamed[name] = renamed
            else:
                new_tables.append(p)
        # the sheet's skeleton: everything but the cells, from the original
        o_start, o_end, old_cells = sheet_data(o_xml)
        n_start, n_end, n_cells = sheet_data(n_xml)
        if isinstance(inside, bytes):
            n_cells = inside
        elif cells is not None:
            n_cells = cells
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
        # cells ar-xl wrote as a table (``layout_record``): plain rows in order, nothing to look for
        o_info = self.o.zip.getinfo(o_part)
        old_ours = layout_record.decode(o_info.extra, o_info.CRC, o_info.file_size) is not None
        new_ours = record is not None and new_cells is n_cells and not isinstance(inside, bytes)
        if isinstance(inside, bytes):
            merged = new_cells  # the original's cells, some table rows replaced: nothing to merge
        elif rects and inside and all(_within(box, rects) for box in inside) \
                and (old_ours or _plain_rows(old_cells)) and (new_ours or _plain_rows(new_cells, ordered=True)):
            merged = new_cells  # what ``merge_cells`` gives when no old cell lies outside the tables
        elif rects:
            merged = _fast_merge(old_cells, new_cells, rects)
            if merged is None:
                merged = merge_cells(old_cells, new_cells, rects)
        else:
            merged = new_cells
        if new_ours and merged is n_cells:
            self.records[o_part] = record  # the part holds the written cells byte for byte
        text = _bytes(skeleton)
        t_start, t_end, _ = sheet_data(text)
        # one join: ``+`` would copy tens of MB once per piece
        self._put(o_part, b"".join((text[:t_start], b"<sheetData>", merged, b"</sheetData>", text[t_end:])))

    def _table_parts(self) -> list[str]:
        """The table parts of the output: those ``[Content_Types].xml`` gives the table type, and any
        under ``xl/tables/``."""
        typed = {el.get("PartName", "")[1:] for el in self.ct if el.get("ContentType") == _TABLE_TYPE}
        return [n for n in self.out if n in typed or (n.startswith("xl/tables/") and n.endswith(".xml"))]

    def _table_ids(self) -> set[int]:
        """The ids of the output's tables (unique across the workbook, as Excel requires)."""
        ids = set()
        for name in self._table_parts():
            try:
                ids.add(int(_xml(self.out[name]).get("id") or 0))
            except (etree.XMLSyntaxError, ValueError):
                pass
        return ids

    def _next_table_id(self) -> int:
        return max(self._table_ids() | {0}) + 1

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

    def _patch_table(self, part: str, o_root, n_root, name: str = "") -> dict[str, str]:
        """The original table part with the written range and columns (ids, styles and filters kept).
        A column whose header the writer renamed (an older workbook's ``open_amount_base`` now "Open amount
        (base)", ``schema.Table.known``) keeps its id and styles; returns {old name: new name} of those."""
        renamed: dict[str, str] = {}
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
            known = _columns_of(name)
            by_column = {known(n): el for n, el in by_name.items() if known(n) is not None}
            for c in n_cols:
                old = by_name.get(c.get("name"))
                if old is None and known(c.get("name")) is not None and known(c.get("name")) in by_column:
                    old = by_column[known(c.get("name"))]
                    if old.get("name") in {x.get("name") for x in n_cols}:
                        old = None  # that column is written under its own name too
                    else:
                        renamed[old.get("name")] = c.get("name")
                        old = deepcopy(old)
                        old.set("name", c.get("name"))
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
            if af is not None and [renamed.get(c.get("name"), c.get("name"))
                                   for c in (o_cols if o_cols is not None else [])] != \
                    [c.get("name") for c in fresh]:
                for fc in af.findall(M + "filterColumn"):
                    af.remove(fc)
        if self.o.parts.get(part) is not None:
            self._put(part, _bytes(o_root))
        return renamed

    def _renamed_columns(self, o_part: str, n_part: str) -> None:
        """``_rename_cache_fields`` for the tables of a sheet written whole (no ``_patch_table``)."""
        o_tables = {}
        for _, typ, p in self.o.targets(o_part):
            if typ == REL_TABLE and p in self.o.parts:
                root, name, _ = _table_info(self.o.parts[p])
                o_tables[name] = [c.get("name") for c in root.iter(M + "tableColumn")]
        for _, typ, p in self.n.targets(n_part):
            if typ != REL_TABLE or p not in self.n.parts:
                continue
            root, name, _ = _table_info(self.n.parts[p])
            if name not in o_tables:
                continue
            known = _columns_of(name)
            new = {known(c.get("name")): c.get("name") for c in root.iter(M + "tableColumn")}
            renamed = {old: new[known(old)] for old in o_tables[name]
                       if known(old) is not None and known(old) in new and new[known(old)] != old}
            if renamed:
                self._rename_cache_fields(name, renamed)
                self.renamed[name] = renamed

    def _rename_refs(self, table: str, renamed: dict[str, str]) -> None:
        """Structured references to ``table``'s renamed columns in the formulas of every sheet, of the tables'
        calculated columns and of the defined names (``Invoices[[#This Row],[open_amount]]`` becomes
        ``Invoices[[#This Row],[Open amount]]``), as Excel rewrites them when a header is renamed in it: a
        person's formula on an older workbook keeps working.  Parts without such a reference stay as
        they are."""
        key = table.lower().encode()
        for part in list(self.o.parts):
            if not (part.startswith(("xl/worksheets/", "xl/tables/")) and part.endswith(".xml")):
                continue
            data = self.out.get(part)
            if data is None or key + b"[" not in data.lower():
                continue
            new = _renamed_refs(data, table, renamed)
            if new != data:
                self._put(part, new)
        dn = self.wb.find(M + "definedNames")
        for el in (dn if dn is not None else []):
            text = (el.text or "").encode("utf-8")
            if key + b"[" in text.lower():
                new = _renamed_refs(text, table, renamed)
                if new != text:
                    el.text = new.decode("utf-8")
                    self.wb_changed = True

    def _rename_cache_fields(self, table: str, renamed: dict[str, str]) -> None:
        """The pivot caches reading ``table`` (``<worksheetSource name=...>``, the Dashboard's and a person's
        own) name its renamed columns as the table now does: a refresh in Excel finds its fields again."""
        for part in list(self.o.parts):
            if not (part.startswith("xl/pivotCache/pivotCacheDefinition") and part.endswith(".xml")):
                continue
            data = self.out.get(part, self.o.parts[part])
            if data is None:
                continue
            root = _xml(data)
            src = root.find(f"{M}cacheSource/{M}worksheetSource")
            if src is None or (src.get("name") or "").lower() != table.lower():
                continue
            changed = False
            for f in root.iter(M + "cacheField"):
                if f.get("name") in renamed:
                    f.set("name", renamed[f.get("name")])
                    changed = True
            if changed:
                self._put(part, _bytes(root))

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
        tables = set(self._table_parts())
        for p in gone:
            if p in tables:  # its id, for the table of the same name the sheet comes back with (``_retable``)
                root, tname, _ = _table_info(self.o.parts[p])
                self.removed_tables[tname] = root.get("id")
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
                if name in self.cells:  # the cells the writer kept out of its package
                    start, end, _ = sheet_data(data)
                    data = b"".join((data[:start], b"<sheetData>", self.cells[name], b"</sheetData>", data[end:]))
                data = self._new_sheet_xml(data)
            elif p.startswith("xl/pivotTables/"):
                data = self._recache(p, data, rename, n_wb_targets, n_cache_ids)
            elif self._content_type(self.n_ct, p) == _TABLE_TYPE:
                data = self._retable(data)
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
        # the sheetId it had, unless another sheet has it (the sheets imported before this one included: they
        # join <sheets> only when the sheets are put in order); else one past every id given or to be given back
        taken = {int(s.get("sheetId")) for s in self.wb.find(M + "sheets")} | set(self.given_ids)
        old_id = self.removed_ids.get(name)
        if old_id and old_id.isdigit() and int(old_id) not in taken:
            new_id = int(old_id)
        else:
            back = {int(i) for n, i in self.removed_ids.items() if n != name and i and i.isdigit()}
            new_id = max(taken | back | {0}) + 1
        self.given_ids.add(new_id)
        el.set("sheetId", str(new_id))
        return el

    def _retable(self, data: bytes) -> bytes:
        """An imported table part under an id no other table of the workbook has: the id of the table of the
        same name its sheet held before when that one is free (a person's slicer on it names that id),
        else one past the largest."""
        root, name, _ = _table_info(data)
        taken = self._table_ids()
        old = self.removed_tables.get(name)
        if old is not None and old.isdigit() and int(old) not in taken:
            root.set("id", old)
        else:
            root.set("id", str(max(taken | {0}) + 1))
        return _bytes(root)

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
                cid = str(max(self._cache_ids_used() + [int(c) for c in self.cache_ids.values()] + [0]) + 1)
                rid = self._add_rel(self.wb_rels, REL_PIVOT_CACHE, new_cache)
                pc = etree.SubElement(pcs, M + "pivotCache", cacheId=cid)
                pc.set(R_ID, rid)
                self.cache_ids[new_cache] = cid
            root.set("cacheId", cid)
        return _bytes(root)

    def _cache_ids_used(self) -> list[int]:
        """The cacheIds of the workbook's pivot caches: ``<pivotCaches>`` and those Excel 2010 and later
        list in the workbook's extensions (``x14:pivotCaches``, ``x15:pivotCaches``), which share the ids."""
        out = []
        for el in self.wb.iter():
            if isinstance(el.tag, str) and etree.QName(el).localname == "pivotCache":
                try:
                    out.append(int(el.get("cacheId")))
                except (TypeError, ValueError):
                    pass
        return out

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
        return b"".join((text[:t_start], b"<sheetData>", cells, b"</sheetData>", text[t_end:]))

    # ------------------------------------------------------------ all together
    def run(self, owned: set[str], replaced: set[str], inside: dict | None = None, records: dict | None = None,
            cells: dict | None = None) -> bytes:
        o_sheets = self.o.sheets()
        n_sheets = self.n.sheets()
        o_by = {n: (p, el) for n, p, el in o_sheets}
        n_by = {n: (p, el) for n, p, el in n_sheets}
        o_names = [n for n, _, _ in o_sheets]
        self.removed: set[str] = set()
        self.removed_ids: dict[str, str] = {}
        self.given_ids: set[int] = set()
        """The sheetIds given to the sheets imported so far (``import_sheet``)."""
        self.removed_tables: dict[str, str] = {}
        """Lower-case name -> id of each table that left with a removed sheet (``_retable``)."""
        self.cache_ids: dict[str, str] = {}
        active = self._active_name(o_names)
        replaced = {n for n in replaced if n in n_by} | {n for n in owned if n in n_by and n not in o_by}
        owned = {n for n in owned if n in n_by and n in o_by} - replaced
        self.keep_selected = active is None or active in replaced
        self.records: dict[str, tuple] = {}
        self.cells = cells or {}
        for name in owned:
            self.patch_sheet(o_by[name][0], n_by[name][0], (inside or {}).get(name), (records or {}).get(name),
                             self.cells.get(name))
        for name in replaced:  # a sheet written whole whose table was there before (Aging moved down)
            if name in o_by:
                self._renamed_columns(o_by[name][0], n_by[name][0])
        self.removed = {n for n in replaced if n in o_by}
        for name in self.removed:
            self.remove_sheet(name, o_by[name][0], o_by[name][1])
        imported = {}
        for name in [n for n, _, _ in n_sheets if n in replaced]:  # in sheet order: the same part names each time
            imported[name] = self.import_sheet(name, n_by[name][0], n_by[name][1])
        if replaced:
            self._order_sheets([n for n, _, _ in n_sheets], o_by, imported, o_names, active, replaced)
            self.wb_changed = True
        for table, renamed in self.renamed.items():
            self._rename_refs(table, renamed)
        self._calc_chain(owned | replaced, o_by, always=self._mend_sheet_ids())
        self._mend_table_ids()
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
        # the parts written anew are deflated by ISA-L (``deflate``); parts kept are copied as they were
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1) as z:
            names = [n for n in dict.fromkeys(self.order) if n in self.out]
            if "[Content_Types].xml" in names:
                names.remove("[Content_Types].xml")
                names.insert(0, "[Content_Types].xml")
            for n in names:
                if self.out.kept(n) and _copy_raw(orig, n, z):
                    continue
                record = self.records.get(n)
                deflate.write(z, n, self.out[n], extra=None if record is None else (
                    lambda crc, size, record=record: layout_record.encode(record, crc, size)))
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

    def _mend_sheet_ids(self) -> bool:
        """When two sheets have the same sheetId, the second (in the workbook's order) gets one past the
        largest; whether any sheet did.  Excel reports a sheetId given twice as unreadable content and repairs
        the file.  Earlier ar-xl gave Dashboard and DashboardData the same one on the first dashboard and
        kept it on every later one, so teams have such workbooks: the next action that writes one mends it.
        Only the attribute changes: everything else names a sheet by its name or position (defined names'
        localSheetId, the active tab, pivot sources, VBA), but ``calcChain.xml``, whose entries name a
        sheetId two sheets had: it is dropped, and Excel rebuilds it."""
        seen: set[str] = set()
        twice = []
        for el in self.wb.find(M + "sheets"):
            if el.get("sheetId") in seen:
                twice.append(el)
            seen.add(el.get("sheetId"))
        if not twice:
            return False
        top = max([int(i) for i in seen if i and i.isdigit()] + [0])
        for el in twice:
            top += 1
            el.set("sheetId", str(top))
        self.wb_changed = True
        return True

    def _mend_table_ids(self) -> None:
        """When two tables have the same id (Excel repairs such a file, dropping one), every one but the first
        gets one past the largest: a person's table (not one of ``schema.TABLES``) keeps its id before
        ar-xl's, as a person's slicer may name it.  Earlier ar-xl gave a table on a sheet it laid out anew
        (a table sheet a person had deleted in Excel, which keeps the other tables' ids) the id openpyxl
        numbered it with, which another table of the file could have."""
        by_id: dict[str, list[str]] = {}
        for part in self._table_parts():
            by_id.setdefault(_xml(self.out[part]).get("id"), []).append(part)
        twice = [parts for parts in by_id.values() if len(parts) > 1]
        if not twice:
            return
        ours = {t.name.lower() for t in schema.TABLES.values()}
        top = max(self._table_ids() | {0})
        for parts in twice:
            parts.sort(key=lambda q: _table_info(self.out[q])[1] in ours)  # a person's first, then order kept
            for part in parts[1:]:
                root = _xml(self.out[part])
                top += 1
                root.set("id", str(top))
                self._put(part, _bytes(root))

    def _calc_chain(self, names: set[str], o_by, always: bool = False) -> None:
        """Drop ``calcChain.xml`` when it lists a cell of a sheet in ``names`` (or ``always``)."""
        chain = next((p for _, t, p in self.o.targets(self.o.workbook) if t == REL_CALC_CHAIN), None)
        if chain is None or chain not in self.out:
            return
        if always:
            self._drop_calc_chain(chain)
            return
        ids = {el.get("sheetId") for n, (p, el) in o_by.items() if n in names}
        refs = set(re.findall(rb'\si="(\d+)"', self.out[chain]))
        first = re.search(rb"<c\b[^>]*>", self.out[chain])
        if first is not None and b' i="' not in first.group(0):
            refs.add(b"0")  # the first entry's sheet is implied; be safe
        if not ({i.encode() for i in ids if i} & refs) and b"0" not in refs:
            return
        self._drop_calc_chain(chain)

    def _drop_calc_chain(self, chain: str) -> None:
        self._drop(chain)
        for rel in list(self.wb_rels):
            if rel.get("Type") == REL_CALC_CHAIN:
                self.wb_rels.remove(rel)
        self.wb_changed = True


def keep_others(original: bytes | str | Path, written: str | Path, owned: set[str], replaced: set[str],
                inside: dict | None = None, records: dict | None = None, cells: dict | None = None,
                known: dict | None = None) -> None:
    """Rewrite the package ``written`` (openpyxl's) in place as ``original`` with only the owned sheets'
    table cells and the replaced sheets taken from it; see the module docstring.  ``records``: sheet ->
    what the writer knows of its cells (``layout_record``); ``cells``: sheet -> its written cells (the
    inside of ``<sheetData>``), for the sheets whose part in ``written`` holds none (tens of MB not
    written into that package, read back and cut out again); ``known``: parts of ``original`` inflated
    already (``Package``)."""
    o = Package(original, known)
    n = Package(written)
    data = _Splice(o, n).run(set(owned), set(replaced), inside, records, cells)
    Path(written).write_bytes(data)


def keeper(original_path, owned: set[str], replaced: set[str], inside: dict | None = None,
           records: dict | None = None, cells: dict | None = None, known: dict | None = None):
    """The ``finish`` step of a save over the workbook at ``original_path``: ``keep_others`` with the
    original as it is now (before the save replaces it); None for a new file."""
    if original_path is None or not Path(original_path).exists():
        return None
    original = Path(original_path).read_bytes()

    def finish(tmp):
        try:
            keep_others(original, tmp, owned, replaced, inside, records, cells, known)
        except (Unsupported, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as e:
            # better to stop than to drop what people added: the workbook is left as it was
            from ...errors import ArXlError
            raise ArXlError(f"{Path(original_path).name}: cannot keep the workbook's other parts as they are "
                            f"({e}); nothing was changed") from None
    return finish

"""The Dashboard's four PivotTables (file layout): pivot caches on the tables by name, pivot table
definitions, and their cells pre-filled as the engine computes them (``_pivots``)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl.pivot.cache import CacheDefinition, CacheField, CacheSource, SharedItems, WorksheetSource
from openpyxl.pivot.fields import Index, Missing, Text
from openpyxl.pivot.table import (
    AutoSortScope, DataField, FieldItem, Location, PageField, PivotArea, PivotField, PivotFilter,
    PivotTableStyle, Reference as PivotReference, RowColField, RowColItem, TableDefinition,
)
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.filters import AutoFilter, FilterColumn, Top10
from openpyxl.xml.functions import Element

from .. import schema
from ..engine import dashboard as engine
from . import xlsx
from .dashboard_style import MONEY, NAVY, _put

TOP_N = 20
PIVOTS = ("AgingByCollector", "TopOverdueCustomers", "DisputesByReason", "MatchesByDecision")
DATA_FIELD = 4294967294  # Excel's index of the "Values" pseudo field
PIVOT_ROW = 32


# ====================================================================== pivot tables

@dataclass
class _Source:
    """One Excel table a pivot reads: its columns (canonical names, ``schema.Table.known``), the header
    cells as the table shows them (the pivot cache's field names must be those), and its cells' values."""

    name: str
    header: list[str]
    shown: list[str]
    frame: pd.DataFrame
    cache: CacheDefinition | None = None
    axis_items: dict[str, list] = field(default_factory=dict)
    cache_id: int = 0


def _table_header(wb, name: str) -> list[str] | None:
    for ws in wb.worksheets:
        for tbl in ws.tables.values():
            if tbl.displayName.lower() == name.lower():
                if tbl.tableColumns:  # the writer names them after the header cells
                    return [str(c.name) for c in tbl.tableColumns]
                min_col, min_row, max_col, _ = range_boundaries(tbl.ref)
                return [str(xlsx._cell_value(ws, min_row, c)) for c in range(min_col, max_col + 1)]
    return None


def _cell_texts(frame: pd.DataFrame, col: str) -> pd.Series:
    return engine._text(frame, col)


def _shared(values: list[str]) -> SharedItems:
    """Shared items of a text field: '' (an empty cell) is Excel's missing item."""
    items = [Missing() if v == "" else _Text(v) for v in values]
    blank = "" in values
    if not values:
        return SharedItems(containsBlank=True, _fields=[Missing()])
    only_blank = all(v == "" for v in values)
    if only_blank:
        return SharedItems(containsNonDate=False, containsString=False, containsBlank=True, _fields=items)
    return SharedItems(containsBlank=True if blank else None, _fields=items)


def _ordered(values: pd.Series, order: list[str] | None = None) -> list[str]:
    """Distinct cell texts: in ``order`` first (those present), the rest sorted, the empty cell last."""
    present = set(values.tolist())
    out = [v for v in (order or []) if v in present]
    rest = sorted((v for v in present if v not in out and v != ""), key=lambda s: (s.lower(), s))
    out += rest
    if "" in present or not present:
        out.append("")
    return out


def _make_cache(src: _Source, axis_order: dict[str, list[str] | None], cache_id: int) -> None:
    fields = []
    for h, shown in zip(src.header, src.shown):
        if h in axis_order:
            vals = _ordered(_cell_texts(src.frame, h) if len(src.frame) else pd.Series([], dtype=object),
                            axis_order[h])
            src.axis_items[h] = vals
            fields.append(CacheField(name=shown, numFmtId=0, sharedItems=_shared(vals)))
        else:
            fields.append(CacheField(name=shown, numFmtId=0, sharedItems=SharedItems()))
    src.cache = _CacheDefinition(
        refreshOnLoad=True, saveData=False, createdVersion=6, refreshedVersion=6, minRefreshableVersion=3,
        refreshedBy="ar-xl", recordCount=0,
        cacheSource=CacheSource(type="worksheet", worksheetSource=WorksheetSource(name=src.name)),
        cacheFields=fields)
    src.cache_id = cache_id


def _pivot_field(src: _Source, h: str, *, axis=None, data=False, hidden=(), sort=None, scope=False,
                 top: int | None = None) -> PivotField:
    if h not in src.axis_items:
        return PivotField(showAll=False, dataField=True if data else None)
    vals = src.axis_items[h]
    items = [_Item(k, v in hidden) for k, v in enumerate(vals)]
    items.append(FieldItem(t="default"))
    pf = PivotField(axis=axis, showAll=False, items=items, dataField=True if data else None)
    if axis == "axisPage":
        pf.multipleItemSelectionAllowed = True
    if sort:
        pf.sortType = sort
    if scope:
        pf.autoSortScope = AutoSortScope(pivotArea=PivotArea(
            dataOnly=False, outline=False, fieldPosition=0,
            references=[PivotReference(field=DATA_FIELD, count=1, selected=False, x=[Index(v=0)])]))
    return pf


def _rowcol_items(positions: list[int]) -> list[RowColItem]:
    items = [_RowItem(p) for p in positions]
    items.append(RowColItem(t="grand", x=[Index(v=0)]))
    return items


def _caption(v: str) -> str:
    return "(blank)" if v == "" else v


class _PivotTableDefinition(TableDefinition):
    """openpyxl's pivot table definition without the ``r:id`` it puts on the root element: the schema
    (CT_pivotTableDefinition) has no such attribute and Excel never writes it.  (openpyxl's metaclass
    builds the serialised attributes from the class body, so they are restated here, ``id`` left out.)
    Known by identity (``_CacheDefinition``)."""

    __attrs__ = tuple(a for a in TableDefinition.__attrs__ if a != "id")
    __nested__ = TableDefinition.__nested__
    __elements__ = TableDefinition.__elements__
    __hash__ = object.__hash__
    __eq__ = object.__eq__


class _CacheDefinition(CacheDefinition):
    """A pivot cache known by identity: openpyxl's writer puts caches in a set, and its hash of a cache
    walks every shared item (a customer field has thousands).  Each cache here is a distinct object
    on a distinct table, so identity is what the writer's set tells apart anyway."""

    __attrs__ = CacheDefinition.__attrs__
    __nested__ = CacheDefinition.__nested__
    __elements__ = CacheDefinition.__elements__
    __hash__ = object.__hash__
    __eq__ = object.__eq__


# A pivot field has an item per distinct value (a customer field: thousands).  openpyxl checks every
# attribute of every item as it is set and walks all of them to write one; these three are made and
# written directly, as the same XML openpyxl writes for them.

class _Item(FieldItem):
    """``<item t="data" sd="1" x="k"/>`` (with ``h="1"`` before ``sd`` when hidden): item ``k`` of a field."""

    _DEFAULTS = dict(n=None, t="data", h=None, s=None, sd=True, f=None, m=None, c=None, x=None, d=None, e=None)

    def __init__(self, x: int, hidden: bool = False):
        self.__dict__ = {**self._DEFAULTS, "x": x, "h": True if hidden else None}

    def to_tree(self, tagname=None, idx=None, namespace=None):
        el = Element("item", t="data")
        if self.h:
            el.set("h", "1")
        el.set("sd", "1")
        el.set("x", str(self.x))
        return el


class _RowItem(RowColItem):
    """``<i t="data" r="0" i="0"><x v="p"/></i>``: a row of the pivot showing item ``p``."""

    def __init__(self, p: int):
        self.__dict__.update(t="data", r=0, i=0, x=[Index(v=p)])

    def to_tree(self, tagname=None, idx=None, namespace=None):
        el = Element("i", t="data", r="0", i="0")
        el.append(Element("x", v=str(self.x[0].v)))
        return el


class _Text(Text):
    """``<s v="text"/>``: a shared item of a text field."""

    def __init__(self, v: str):
        self.__dict__.update(tpls=[], x=[], v=v, u=None, f=None, c=None, cp=None, _in=None, bc=None, fc=None,
                             i=None, un=None, st=None, b=None)

    def to_tree(self, tagname=None, idx=None, namespace=None):
        return Element("s", v=self.v)


@dataclass
class _Placed:
    pivot: TableDefinition
    rows: int
    cols: int


def _pivot_table(name: str, src: _Source, anchor: tuple[int, int], *, rows: str, cols: str | None,
                 data: str, subtotal: str, caption: str, num_fmt: int | None, row_caption: str,
                 col_caption: str | None = None, page: str | None = None, hidden: tuple = (),
                 top: int | None = None, values=None, row_order: list[str] | None = None):
    """A pivot table definition at ``anchor`` (row, col of its top-left cell, page field included)
    and the grid of cells it shows (for pre-filling): list of (row offset, col offset, value, kind)."""
    hdr = src.header
    idx = {h: i for i, h in enumerate(hdr)}
    fields = []
    for h in hdr:
        if h == rows:
            fields.append(_pivot_field(src, h, axis="axisRow", sort="descending" if top else "ascending",
                                       scope=bool(top)))
        elif h == cols:
            fields.append(_pivot_field(src, h, axis="axisCol"))
        elif h == page:
            fields.append(_pivot_field(src, h, axis="axisPage", hidden=hidden))
        else:
            fields.append(_pivot_field(src, h, data=(h == data)))
        if h == data and h in src.axis_items:
            fields[-1].dataField = True
    row_vals = src.axis_items[rows]
    shown_rows = row_order if row_order is not None else row_vals
    row_pos = [row_vals.index(v) for v in shown_rows]
    col_vals = src.axis_items[cols] if cols else []
    col_shown = [v for v in col_vals if values is None or v in values.get("cols", col_vals)]
    col_pos = [col_vals.index(v) for v in col_shown]
    r0, c0 = anchor
    page_rows = 2 if page else 0
    top_row = r0 + page_rows
    if cols:
        n_rows = 2 + len(shown_rows) + 1
        n_cols = 1 + len(col_shown) + 1
        loc = Location(ref=_ref(top_row, c0, n_rows, n_cols), firstHeaderRow=1, firstDataRow=2, firstDataCol=1)
    else:
        n_rows = 1 + len(shown_rows) + 1
        n_cols = 2
        loc = Location(ref=_ref(top_row, c0, n_rows, n_cols), firstHeaderRow=1, firstDataRow=1, firstDataCol=1)
    if page:
        loc.rowPageCount = 1
        loc.colPageCount = 1
    pt = _PivotTableDefinition(
        name=name, cacheId=src.cache_id, dataCaption="Values", updatedVersion=6, minRefreshableVersion=3,
        createdVersion=6, applyNumberFormats=False, applyBorderFormats=False, applyFontFormats=False,
        applyPatternFormats=False, applyAlignmentFormats=False, applyWidthHeightFormats=True,
        useAutoFormatting=True, itemPrintTitles=True, indent=0, outline=True, outlineData=True,
        multipleFieldFilters=False, rowHeaderCaption=row_caption, colHeaderCaption=col_caption,
        location=loc, pivotFields=fields,
        rowFields=[RowColField(x=idx[rows])], rowItems=_rowcol_items(row_pos),
        colFields=[RowColField(x=idx[cols])] if cols else [],
        colItems=_rowcol_items(col_pos) if cols else [RowColItem(t="data", x=[])],
        pageFields=[PageField(fld=idx[page], hier=-1)] if page else [],
        dataFields=[DataField(name=caption, fld=idx[data], subtotal=subtotal, baseField=0, baseItem=0,
                              numFmtId=num_fmt)],
        pivotTableStyleInfo=PivotTableStyle(name="PivotStyleMedium2", showRowHeaders=True, showColHeaders=True,
                                            showRowStripes=False, showColStripes=False, showLastColumn=True),
    )
    if top:
        pt.filters = [PivotFilter(fld=idx[rows], type="count", evalOrder=-1, id=1, iMeasureFld=0,
                                  autoFilter=AutoFilter(ref="A1", filterColumn=[
                                      FilterColumn(colId=0, top10=Top10(val=top, filterVal=top))]))]
    pt.cache = src.cache
    return pt, n_rows + page_rows, n_cols, row_pos


def _ref(r: int, c: int, n_rows: int, n_cols: int) -> str:
    return f"{get_column_letter(c)}{r}:{get_column_letter(c + n_cols - 1)}{r + n_rows - 1}"


def _money_cells(v) -> float | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else round(int(v) / 100, 2)


def _prefill_matrix(ws, r0: int, c0: int, *, data_caption: str, row_caption: str, col_caption: str,
                    rows: list[str], cols: list[str], matrix: pd.DataFrame, fmt: str, money: bool) -> None:
    """Write the cells of a rows × cols pivot as Excel lays it out (compact form).

    Every cell is text or a number (``_put``): a collector named ``=cmd|...`` is never a formula."""
    conv = _money_cells if money else (lambda v: None if v is None or pd.isna(v) else int(v))
    _put(ws, r0, c0, data_caption)
    _put(ws, r0, c0 + 1, col_caption)
    _put(ws, r0 + 1, c0, row_caption)
    for j, c in enumerate(cols):
        _put(ws, r0 + 1, c0 + 1 + j, _caption(c))
    _put(ws, r0 + 1, c0 + 1 + len(cols), "Grand Total")
    col_tot = np.zeros(len(cols), dtype=np.int64)
    col_has = np.zeros(len(cols), dtype=bool)
    for i, r in enumerate(rows):
        _put(ws, r0 + 2 + i, c0, _caption(r))
        tot, has = 0, False
        for j, c in enumerate(cols):
            v = matrix.at[r, c] if (r in matrix.index and c in matrix.columns) else np.nan
            if not pd.isna(v):
                tot += int(v)
                col_tot[j] += int(v)
                col_has[j] = has = True
                cell = _put(ws, r0 + 2 + i, c0 + 1 + j, conv(v))
                cell.number_format = fmt
        if has:
            _put(ws, r0 + 2 + i, c0 + 1 + len(cols), conv(tot)).number_format = fmt
    g = r0 + 2 + len(rows)
    _put(ws, g, c0, "Grand Total")
    for j in range(len(cols)):
        if col_has[j]:
            _put(ws, g, c0 + 1 + j, conv(col_tot[j])).number_format = fmt
    if col_has.any():
        _put(ws, g, c0 + 1 + len(cols), conv(col_tot.sum())).number_format = fmt


def _prefill_list(ws, r0: int, c0: int, *, data_caption: str, row_caption: str, rows: list[str],
                  values: pd.Series, fmt: str, money: bool) -> None:
    conv = _money_cells if money else (lambda v: None if v is None or pd.isna(v) else int(v))
    _put(ws, r0, c0, row_caption)
    _put(ws, r0, c0 + 1, data_caption)
    total = 0
    for i, r in enumerate(rows):
        _put(ws, r0 + 1 + i, c0, _caption(r))
        v = values.get(r, np.nan)
        if not pd.isna(v):
            total += int(v)
            _put(ws, r0 + 1 + i, c0 + 1, conv(v)).number_format = fmt
    _put(ws, r0 + 1 + len(rows), c0, "Grand Total")
    _put(ws, r0 + 1 + len(rows), c0 + 1, conv(total)).number_format = fmt


def _title(ws, row: int, col: int, text: str) -> None:
    c = _put(ws, row, col, text)
    c.font = Font(bold=True, color=NAVY)


def _pivots(wb, ws, tables: dict[str, pd.DataFrame], labels: list[str], currency: str, prefill: bool) -> int:
    """Add the four pivot tables to ``ws``; returns the last row used."""
    wb._pivots = []  # the writer collects them again; a stale list would duplicate parts
    used_ids = [p.cacheId for s in wb.worksheets if s is not ws for p in s._pivots]
    next_id = max(used_ids, default=0) + 1
    sources: dict[str, _Source] = {}
    for name in ("Aging", "Disputes", "Matches"):
        shown = _table_header(wb, name)
        if shown is None:
            continue
        header = schema.table(name).canonical(shown)
        frame = tables.get(name)
        if frame is None:
            frame = pd.DataFrame(columns=header)
        sources[name] = _Source(name, header, shown, frame)
    axis = {
        "Aging": {"collector": None, "bucket": list(labels), "customer_name": None},
        "Disputes": {"reason": None, "status": list(schema.DISPUTE_STATUSES)},
        "Matches": {"decision": list(schema.MATCH_DECISIONS)},
    }
    for name, src in sources.items():  # axis items ignoring case, first spelling kept (engine.first_spelling)
        src.frame = src.frame.copy()
        for h in axis[name]:
            if h in src.frame.columns:
                src.frame[h] = engine.first_spelling(engine._text(src.frame, h)).to_numpy()
    for name, src in sources.items():
        _make_cache(src, {h: o for h, o in axis[name].items() if h in src.header}, next_id)
        next_id += 1
    fmt_money = MONEY
    last = PIVOT_ROW
    money_caption = f"Open amount ({currency})"

    if "Aging" in sources and {"collector", "bucket", "open_amount_base"} <= set(sources["Aging"].header):
        src = sources["Aging"]
        r0, c0 = PIVOT_ROW, 2
        _title(ws, r0 - 1, c0, f"Aging by collector × bucket ({currency})")
        matrix = engine.pivot_sum(src.frame, "collector", "open_amount_base", "bucket")
        pt, n_rows, n_cols, _ = _pivot_table("AgingByCollector", src, (r0, c0), rows="collector", cols="bucket",
                                             data="open_amount_base", subtotal="sum", caption=money_caption,
                                             num_fmt=4, row_caption="Collector", col_caption="Bucket")
        ws.add_pivot(pt)
        if prefill:
            _prefill_matrix(ws, r0, c0, data_caption=money_caption, row_caption="Collector", col_caption="Bucket",
                            rows=src.axis_items["collector"], cols=src.axis_items["bucket"], matrix=matrix,
                            fmt=fmt_money, money=True)
        last = max(last, r0 + n_rows - 1)
        disputes_row = r0 + n_rows + 3
    else:
        disputes_row = PIVOT_ROW

    if "Aging" in sources and {"customer_name", "bucket", "open_amount_base"} <= set(sources["Aging"].header):
        src = sources["Aging"]
        r0, c0 = PIVOT_ROW, 13
        _title(ws, r0 - 1, c0, f"Top {TOP_N} customers by overdue amount ({currency})")
        top = engine.top_overdue(src.frame, TOP_N)
        caption = f"Overdue ({currency})"
        pt, n_rows, n_cols, _ = _pivot_table("TopOverdueCustomers", src, (r0, c0), rows="customer_name", cols=None,
                                             data="open_amount_base", subtotal="sum", caption=caption, num_fmt=4,
                                             row_caption="Customer", page="bucket", hidden=("current",),
                                             top=TOP_N, row_order=list(top.index))
        ws.add_pivot(pt)
        if prefill:
            _put(ws, r0, c0, src.shown[src.header.index("bucket")])  # the page field's name
            _put(ws, r0, c0 + 1, "(Multiple Items)")
            _prefill_list(ws, r0 + 2, c0, data_caption=caption, row_caption="Customer", rows=list(top.index),
                          values=top, fmt=fmt_money, money=True)
        last = max(last, r0 + n_rows - 1)

    if "Matches" in sources and {"decision", "match_id"} <= set(sources["Matches"].header):
        src = sources["Matches"]
        r0, c0 = PIVOT_ROW, 16
        _title(ws, r0 - 1, c0, "Matches by decision")
        counts = engine.pivot_count(src.frame, "decision", "match_id")
        pt, n_rows, n_cols, _ = _pivot_table("MatchesByDecision", src, (r0, c0), rows="decision", cols=None,
                                             data="match_id", subtotal="count", caption="Matches", num_fmt=3,
                                             row_caption="Decision")
        ws.add_pivot(pt)
        if prefill:
            _prefill_list(ws, r0, c0, data_caption="Matches", row_caption="Decision",
                          rows=src.axis_items["decision"], values=counts, fmt="#,##0", money=False)
        last = max(last, r0 + n_rows - 1)

    if "Disputes" in sources and {"reason", "status", "dispute_id"} <= set(sources["Disputes"].header):
        src = sources["Disputes"]
        r0, c0 = disputes_row, 2
        _title(ws, r0 - 1, c0, "Disputes by reason × status (number of disputes)")
        matrix = engine.pivot_count(src.frame, "reason", "dispute_id", "status")
        pt, n_rows, n_cols, _ = _pivot_table("DisputesByReason", src, (r0, c0), rows="reason", cols="status",
                                             data="dispute_id", subtotal="count", caption="Disputes", num_fmt=3,
                                             row_caption="Reason", col_caption="Status")
        ws.add_pivot(pt)
        if prefill:
            _prefill_matrix(ws, r0, c0, data_caption="Disputes", row_caption="Reason", col_caption="Status",
                            rows=src.axis_items["reason"], cols=src.axis_items["status"], matrix=matrix,
                            fmt="#,##0", money=False)
        last = max(last, r0 + n_rows - 1)
    return last + 1

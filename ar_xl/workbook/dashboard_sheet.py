"""The Dashboard sheet of a workbook file: KPI block, charts and real PivotTables (openpyxl).

``refresh_workbook(path, as_of)`` is *Refresh dashboard* on a file: it loads
the workbook, runs ``actions.dashboard.run`` and saves once, laying out two
sheets on the way (``layout``):

* **Dashboard** (first sheet, rewritten whole at every refresh; type nothing
  on it): the title and as-of date, the KPI block (numbers with formats), three
  charts and four PivotTables:

  - *AgingByCollector*: the Aging table, collector × bucket, Σ open amount (base);
  - *TopOverdueCustomers*: the Aging table, the 20 customers with the largest
    Σ open amount (base) outside the ``current`` bucket (a report filter on
    bucket hides ``current``; a Top 10 filter with count 20 on the customer,
    sorted largest first);
  - *DisputesByReason*: the Disputes table, reason × status, number of disputes;
  - *MatchesByDecision*: the Matches table, decision, number of rows.

* **DashboardData** (last sheet): the small ranges the charts plot.

In live Excel, ``write_live(xw_book, change)`` (run by the ribbon's *Refresh
dashboard* after the tables are written, before the PivotTables refresh)
rewrites the header, the KPI block and the DashboardData ranges through
xlwings, in the same cells with the same values and number formats: both
shells take them from ``header_grid``, ``kpi_tiles`` / ``kpi_grid`` and
``chart_blocks`` / ``place_blocks``.

PivotTables are written as real pivot parts: a pivot cache definition whose
source is the Excel table by name (``<worksheetSource name="Aging"/>``, so it
follows the table when it grows), with ``refreshOnLoad="1"`` and no saved
records, and a pivot table definition with its row, column, page and data
fields.  The cache fields of the axis fields carry their shared items and the
pivot's row and column items and cells are written as the engine computes
them, so the sheet reads right before any refresh; Excel and LibreOffice
recompute the pivots from the tables when they open the file.  Pivots that
share a source share one cache.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.pivot.cache import CacheDefinition, CacheField, CacheSource, SharedItems, WorksheetSource
from openpyxl.pivot.fields import Missing, Text
from openpyxl.pivot.table import (
    AutoSortScope, DataField, FieldItem, Location, PageField, PivotArea, PivotField, PivotFilter,
    PivotTableStyle, Reference as PivotReference, RowColField, RowColItem, TableDefinition,
)
from openpyxl.pivot.fields import Index
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.filters import AutoFilter, FilterColumn, Top10
from openpyxl.worksheet.properties import PageSetupProperties

from .. import clock, schema
from . import xlsx
from ..engine import dashboard as engine

SHEET = "Dashboard"
DATA_SHEET = "DashboardData"
TOP_N = 20
PIVOTS = ("AgingByCollector", "TopOverdueCustomers", "DisputesByReason", "MatchesByDecision")

MONEY = "#,##0.00"
DAYS = '0.0 "days"'
PCT = "0.0%"
DATA_FIELD = 4294967294  # Excel's index of the "Values" pseudo field

NAVY = "1F3864"
GREY = "595959"
TILE = "EEF3FA"
BUCKET_COLOURS = ["70AD47", "C9D96B", "FFC000", "F4B183", "E46C0A", "C00000", "7F0000", "400000"]

_COL_WIDTHS = {"A": 2, "B": 30, **{get_column_letter(c): 16 for c in range(3, 12)},
               "L": 2, "M": 34, "N": 16, "O": 2, "P": 18, "Q": 12}
_TILE_SLOTS = [("B", "B"), ("C", "D"), ("E", "F"), ("G", "H"), ("I", "J")]
CHART_ROW = 13
PIVOT_ROW = 32


# ====================================================================== entry points

def refresh_workbook(path: str | Path, as_of: dt.date | None = None, prefill_pivots: bool = True):
    """Refresh dashboard on a workbook file: Aging, KPI block, chart ranges, pivots; one atomic save."""
    from . import xlsx
    from ..actions import dashboard as action
    book = xlsx.load(path)
    change = action.run(book, as_of)
    xlsx.save(book, change, layout=layout_hook(book, change, prefill_pivots))
    return change


def layout_hook(book, change, prefill_pivots: bool = True):
    """The ``layout`` argument of ``xlsx.save`` that lays out the Dashboard for ``change``
    (a ``DashboardChange``): ``xlsx.save(book, change, layout=layout_hook(book, change))``."""
    def hook(wb, merged):
        layout(wb, change, {**book.tables, **merged}, prefill_pivots=prefill_pivots)
    return hook


def layout(wb: openpyxl.Workbook, change, tables: dict[str, pd.DataFrame], prefill_pivots: bool = True,
           now: dt.datetime | None = None) -> None:
    """Lay out the Dashboard and DashboardData sheets on ``wb`` (its tables already written)."""
    fig: engine.Figures = change.figures
    labels = list(change.labels)
    for name in (SHEET, DATA_SHEET):
        if name in wb.sheetnames:
            wb.remove(wb[name])
    ws = wb.create_sheet(SHEET, 0)
    data = wb.create_sheet(DATA_SHEET)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    ranges = _write_chart_data(data, fig)
    _sheet_frame(ws, fig, now)
    _kpi_block(ws, fig)
    _charts(ws, data, ranges, fig, labels)
    last = _pivots(wb, ws, tables, labels, fig.currency, prefill_pivots)
    ws.print_area = f"A1:Q{last}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.4


# ====================================================================== what the sheets show, and where
#
# One source of truth for both shells: the file layout (openpyxl, below) and the
# live writer (``write_live``, xlwings) take the cells' values and positions
# from these functions; the file adds fonts, fills, merges, charts and pivots.

TITLE = "Collections dashboard"
HEADER_ROWS = (1, 2)
"""The sheet header: B1 title, B2 subtitle (as-of, currency, KPI period, refreshed at), M1:N1 the as-of date."""
HEADER_COLS = (2, 14)  # B..N
SUBTITLE_CELL = "B2"
AS_OF_CELL = "N1"
KPI_TOP = 4
"""First row of the KPI tiles: two rows of five tiles (label, value, detail), one blank row between."""
KPI_COLS = (2, 10)  # B..J
NOTES_CELL = (4, 13)  # M4: "How to read this" and the notes under it
NOTES = [
    "Refresh: ribbon Collections › Refresh dashboard, or `ar-xl dashboard WORKBOOK`.",
    "The PivotTables read the Aging, Disputes and Matches tables and refresh when the file opens.",
    "Aging is in the base currency; an item due today is current.",
    "DSO = AR / credit sales in the period × days; ADD = DSO − best-possible DSO.",
    "CEI's opening AR = today's open amount of older lines + cash matched to them since.",
    "Unapplied cash leaves out payments set to 'ignored'.",
]


def subtitle(fig: engine.Figures, now: dt.datetime | None = None) -> str:
    now = now or clock.now()
    return (f"As of {fig.as_of:%Y-%m-%d} · amounts in {fig.currency} · KPI period "
            f"{fig.period_start:%Y-%m-%d} to {fig.period_end:%Y-%m-%d} · refreshed {now:%Y-%m-%d %H:%M}")


def header_grid(fig: engine.Figures, now: dt.datetime | None = None) -> list[list]:
    """The values of the header rows over columns B..N (``HEADER_ROWS`` × ``HEADER_COLS``)."""
    width = HEADER_COLS[1] - HEADER_COLS[0] + 1
    grid = [[None] * width for _ in HEADER_ROWS]
    grid[0][0] = TITLE
    grid[0][13 - HEADER_COLS[0]] = "as of"
    grid[0][14 - HEADER_COLS[0]] = fig.as_of
    grid[1][0] = subtitle(fig, now)
    return grid


def _pct(v: float | None) -> float | None:
    return None if v is None else v / 100


def kpi_rows(fig: engine.Figures) -> list[tuple[str, object, str, str]]:
    """The KPI block as (label, value, number format, detail); money in currency units."""
    cur = fig.currency
    cents = lambda v: round(v / 100, 2)  # noqa: E731  (exact: v is whole cents)
    promises = (f"{fig.promises_kept} of {fig.promises_decided} decided promises"
                if fig.promises_decided else "no promise decided yet")
    return [
        (f"Total AR ({cur})", cents(fig.total_ar), MONEY, "all open items, credit notes netted"),
        (f"Overdue AR ({cur})", cents(fig.overdue_ar), MONEY, "more than 0 days past due"),
        ("Overdue %", _pct(fig.overdue_pct), PCT, "overdue AR / total AR"),
        ("DSO", fig.dso, DAYS, f"{(fig.period_end - fig.period_start).days + 1}-day period"),
        ("Best-possible DSO", fig.best_possible_dso, DAYS, "current AR only"),
        ("ADD (avg days delinquent)", fig.add, DAYS, "DSO − best-possible DSO"),
        ("CEI", _pct(fig.cei), PCT, "estimated: opening AR rebuilt from matches"),
        (f"Disputed ({cur})", cents(fig.disputed_amount), MONEY, f"{fig.open_disputes} open disputes"),
        (f"Unapplied cash ({cur})", cents(fig.unapplied_cash), MONEY,
         "payments not yet applied" if not getattr(fig, "left_out", None)
         else "leaves out payments with no FX rate (see Config)"),
        ("Promises kept", _pct(fig.promises_kept_pct), PCT, promises),
    ]


@dataclass(frozen=True)
class Tile:
    """One KPI tile: label on ``top``, the value below it, the detail below that, over columns first..last."""

    label: str
    value: object
    """The number, or "n/a" when the KPI cannot be computed."""
    number_format: str
    detail: str
    first: int
    last: int
    top: int

    @property
    def value_cell(self) -> str:
        return f"{get_column_letter(self.first)}{self.top + 1}"


def kpi_tiles(fig: engine.Figures) -> list[Tile]:
    tiles = []
    for k, (label, value, fmt, detail) in enumerate(kpi_rows(fig)):
        first, last = _TILE_SLOTS[k % 5]
        tiles.append(Tile(label, "n/a" if value is None else value, fmt if value is not None else "General",
                          detail, openpyxl.utils.column_index_from_string(first),
                          openpyxl.utils.column_index_from_string(last), KPI_TOP + 4 * (k // 5)))
    return tiles


def kpi_grid(tiles: list[Tile]) -> list[list]:
    """The KPI block's values over ``KPI_COLS`` from row ``KPI_TOP``: each tile's texts and value in its
    first column, the other cells of a (merged) tile empty."""
    bottom = max(t.top for t in tiles) + 2
    left, right = KPI_COLS
    grid = [[None] * (right - left + 1) for _ in range(bottom - KPI_TOP + 1)]
    for t in tiles:
        for dr, v in enumerate((t.label, t.value, t.detail)):
            grid[t.top - KPI_TOP + dr][t.first - left] = v
    return grid


def kpi_formats(tiles: list[Tile]) -> list[tuple[int, int, int, str]]:
    """(row, first column, last column, number format) of the value cells, adjacent tiles with one format merged."""
    out: list[list] = []
    for t in tiles:
        r = t.top + 1
        if out and out[-1][0] == r and out[-1][2] + 1 == t.first and out[-1][3] == t.number_format:
            out[-1][2] = t.last
        else:
            out.append([r, t.first, t.last, t.number_format])
    return [tuple(x) for x in out]


# ---------------------------------------------------------------------- the chart data (DashboardData)

@dataclass
class _Range:
    header_row: int
    first_row: int
    last_row: int
    first_col: int
    last_col: int


@dataclass
class DataBlock:
    """One range of the DashboardData sheet: a title row, a header row, the body."""

    key: str
    stem: str
    """The title without the currency: how the live writer finds the block again."""
    title: str
    header: list
    rows: list[list]
    formats: list[str | None]
    """Number format of each column of the body (None: leave as is)."""
    more: str | None = None
    """Too many rows for the room the charts plot: the last row sums the rest, labelled ``more.format(n)``;
    None: keep the last rows (the latest weeks)."""
    value_formats: list[str | None] | None = None
    """Number format of each body row's second column (the KPI block), instead of ``formats[1]``."""

    def fitted(self, room: int) -> tuple[list[list], int]:
        """The body in exactly ``room`` rows (padded with empty rows, or folded) and how many rows were folded."""
        width = len(self.header)
        rows = [list(r) + [None] * (width - len(r)) for r in self.rows]
        folded = 0
        if len(rows) > room:
            folded = len(rows) - room + 1
            if self.more is None:
                rows = rows[len(rows) - room:]
            else:
                rest = rows[room - 1:]
                total = [self.more.format(len(rest))]
                for j in range(1, width):
                    nums = [r[j] for r in rest if isinstance(r[j], (int, float)) and not isinstance(r[j], bool)]
                    s = sum(nums)
                    total.append(round(s, 2) if isinstance(s, float) else s)
                rows = rows[:room - 1] + [total]
        return rows + [[None] * width for _ in range(room - len(rows))], folded


def chart_blocks(fig: engine.Figures) -> list[DataBlock]:
    """The DashboardData ranges, in sheet order; money in currency units (cents / 100)."""
    cur = fig.currency
    ag = fig.aging_by_collector
    body = [[str(c)] + [int(v) / 100 for v in ag.loc[c].tolist()] for c in ag.index] or [["(none)"] + [0] * len(ag.columns)]
    aging = DataBlock("aging", "Aging by collector × bucket", f"Aging by collector × bucket ({cur})",
                      ["collector"] + list(ag.columns), body, [None] + [MONEY] * len(ag.columns),
                      more="({} more collectors)")
    wk = fig.collections_by_week
    weeks = DataBlock("weeks", "Cash applied per ISO week", f"Cash applied per ISO week ({cur})",
                      ["week", "week starting", "applied"],
                      [[w, d, int(a) / 100] for w, d, a in zip(wk["week"], wk["week_start"], wk["amount"])],
                      [None, schema.DATE_FORMAT, MONEY])
    dr = fig.disputes_by_reason
    body = [[r, int(n), int(a) / 100] for r, n, a in zip(dr["reason"], dr["count"], dr["amount"])] or [["(none)", 0, 0]]
    disputes = DataBlock("disputes", "Open disputes by reason", f"Open disputes by reason ({cur})",
                         ["reason", "disputes", "amount"], body, [None, "0", MONEY], more="({} more reasons)")
    kr = kpi_rows(fig)
    kpis = DataBlock("kpis", "KPI block", "KPI block", ["kpi", "value", "detail"], [[l, v, d] for l, v, _f, d in kr],
                     [None, None, None], value_formats=[f if v is not None else "General" for _l, v, f, _d in kr])
    return [aging, weeks, disputes, kpis]


def place_blocks(blocks: list[DataBlock], rooms: dict[str, int] | None = None) -> dict[str, _Range]:
    """Where each block goes: title on the first row, header below, ``rooms[key]`` body rows (default:
    its own rows), one empty row before the next title."""
    ranges = {}
    row = 1
    for b in blocks:
        room = (rooms or {}).get(b.key) or max(len(b.rows), 1)
        header = row + 1
        ranges[b.key] = _Range(header, header + 1, header + room, 1, len(b.header))
        row = header + room + 2
    return ranges


def read_rooms(values: list[list], blocks: list[DataBlock]) -> tuple[dict[str, int], dict[str, int]] | None:
    """The room (body rows) and header width of each block of a DashboardData sheet laid out by
    ``place_blocks``, from its cell values (row 1 first); None when the sheet is not such a layout.

    The charts plot the rows the last file refresh gave each block; the live writer keeps those rooms.
    """
    def text(r: int, c: int = 1) -> str:
        if r < 1 or r > len(values) or c > len(values[r - 1] or []):
            return ""
        v = values[r - 1][c - 1]
        return "" if v is None else str(v).strip()

    rooms, widths = {}, {}
    row = 1
    for i, b in enumerate(blocks):
        header = row + 1
        if not text(row).startswith(b.stem) or text(header) != b.header[0]:
            return None
        widths[b.key] = next((c - 1 for c in range(1, 200) if not text(header, c)), 199)
        if i + 1 < len(blocks):
            nxt = next((r for r in range(header + 3, len(values) + 1)
                        if text(r).startswith(blocks[i + 1].stem) and not text(r - 1)), None)
            if nxt is None:
                return None
            rooms[b.key] = nxt - header - 2
            row = nxt
        else:  # the last block (not plotted) may grow; keep clearing what it had
            rooms[b.key] = max(len(b.rows), next((r for r in range(header + 1, len(values) + 2) if not text(r)))
                               - header - 1)
    return rooms, widths


def _put(ws, row: int, col: int, v):
    """A cell of the file layout; text is always text (never a formula)."""
    cell = ws.cell(row, col, v)
    if isinstance(v, str):
        cell.data_type = "s"
    return cell


# ====================================================================== sheet frame and KPI block (file)

def _sheet_frame(ws, fig: engine.Figures, now: dt.datetime | None = None) -> None:
    ws.sheet_view.showGridLines = False
    ws.sheet_view.zoomScale = 90
    for letter, width in _COL_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    for i, row in enumerate(header_grid(fig, now)):
        for j, v in enumerate(row):
            if v is not None:
                _put(ws, HEADER_ROWS[0] + i, HEADER_COLS[0] + j, v)
    ws["B1"].font = Font(size=20, bold=True, color=NAVY)
    ws.row_dimensions[1].height = 30
    ws[SUBTITLE_CELL].font = Font(size=10, color=GREY)
    ws["M1"].font = Font(size=9, color=GREY)
    ws["M1"].alignment = Alignment(horizontal="right")
    ws[AS_OF_CELL].number_format = schema.DATE_FORMAT
    ws[AS_OF_CELL].font = Font(size=14, bold=True, color=NAVY)
    ws[AS_OF_CELL].alignment = Alignment(horizontal="left")


def _kpi_block(ws, fig: engine.Figures) -> None:
    thin = Side(style="thin", color="BDD7EE")
    tiles = kpi_tiles(fig)
    for i, row in enumerate(kpi_grid(tiles)):
        for j, v in enumerate(row):
            if v is not None:
                _put(ws, KPI_TOP + i, KPI_COLS[0] + j, v)
    for t in tiles:
        first, last, top = t.first, t.last, t.top
        for r in range(top, top + 3):
            ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
            ws.cell(r, first).alignment = Alignment(horizontal="center", vertical="center")
            for col in range(first, last + 1):
                cell = ws.cell(r, col)
                cell.fill = PatternFill("solid", fgColor=TILE)
                cell.border = Border(left=thin if col == first else None, right=thin if col == last else None,
                                     top=thin if r == top else None, bottom=thin if r == top + 2 else None)
        ws.cell(top, first).font = Font(size=9, bold=True, color=GREY)
        ws.cell(top + 1, first).font = Font(size=18, bold=True, color=NAVY)
        ws.cell(top + 2, first).font = Font(size=8, italic=True, color=GREY)
        ws.row_dimensions[top + 1].height = 28
    for r, c1, c2, fmt in kpi_formats(tiles):
        for c in range(c1, c2 + 1):
            ws.cell(r, c).number_format = fmt
    r0, c0 = NOTES_CELL
    _put(ws, r0, c0, "How to read this").font = Font(size=10, bold=True, color=NAVY)
    for i, text in enumerate(NOTES):
        _put(ws, r0 + 1 + i, c0, text).font = Font(size=8, color=GREY)


# ====================================================================== chart data and charts (file)

def _write_chart_data(ds, fig: engine.Figures) -> dict[str, _Range]:
    """The small ranges the charts plot, on the DashboardData sheet; money in currency units.

    Each block gets exactly its rows; the live writer (``write_live``) later
    keeps each block in the rows the charts plot (``read_rooms``)."""
    ds.sheet_properties.tabColor = "A6A6A6"
    ds.column_dimensions["A"].width = 30
    for c in range(2, 12):
        ds.column_dimensions[get_column_letter(c)].width = 14
    blocks = chart_blocks(fig)
    ranges = place_blocks(blocks)
    for b in blocks:
        r = ranges[b.key]
        _put(ds, r.header_row - 1, 1, b.title).font = Font(bold=True, color=NAVY)
        for j, h in enumerate(b.header):
            _put(ds, r.header_row, 1 + j, h).font = Font(bold=True)
        body, _ = b.fitted(r.last_row - r.first_row + 1)
        for i, values in enumerate(body):
            for j, v in enumerate(values):
                cell = _put(ds, r.first_row + i, 1 + j, v)
                fmt = b.value_formats[i] if b.value_formats and j == 1 else b.formats[j]
                if fmt and v is not None:
                    cell.number_format = fmt
    return ranges


def _col_px(letter: str) -> float:
    return _COL_WIDTHS.get(letter, 8.43) * 7 + 5


def _span_cm(first: str, last: str) -> float:
    a = openpyxl.utils.column_index_from_string(first)
    b = openpyxl.utils.column_index_from_string(last)
    px = sum(_col_px(get_column_letter(c)) for c in range(a, b + 1))
    return px * 2.54 / 96


def _charts(ws, ds, ranges: dict[str, _Range], fig: engine.Figures, labels: list[str]) -> None:
    height = 8.6
    ws.cell(CHART_ROW - 1, 2, "Aging by collector").font = Font(bold=True, color=NAVY)
    ws.cell(CHART_ROW - 1, 7, "Cash applied per week").font = Font(bold=True, color=NAVY)
    ws.cell(CHART_ROW - 1, 13, "Open disputes by reason").font = Font(bold=True, color=NAVY)

    r = ranges["aging"]
    ch = BarChart()
    ch.type = "bar"
    ch.grouping = "stacked"
    ch.overlap = 100
    ch.gapWidth = 60
    ch.title = None
    ch.y_axis.title = fig.currency
    ch.y_axis.numFmt = "#,##0"
    ch.y_axis.majorGridlines = None
    ch.x_axis.scaling.orientation = "maxMin"
    data = Reference(ds, min_col=2, max_col=r.last_col, min_row=r.header_row, max_row=r.last_row)
    ch.add_data(data, titles_from_data=True)
    ch.set_categories(Reference(ds, min_col=1, min_row=r.first_row, max_row=r.last_row))
    for k, s in enumerate(ch.series):
        s.graphicalProperties.solidFill = BUCKET_COLOURS[min(k, len(BUCKET_COLOURS) - 1)]
        s.graphicalProperties.line.noFill = True
    ch.legend.position = "b"
    _place(ch, ws, "B", "F", CHART_ROW, height)

    _place(_one_series_bar(ds, ranges["weeks"], fig.currency, "col", "2E75B6"), ws, "G", "K", CHART_ROW, height)
    _place(_one_series_bar(ds, ranges["disputes"], fig.currency, "bar", "C55A11", top_down=True),
           ws, "M", "Q", CHART_ROW, height)


def _one_series_bar(ds, r, currency: str, kind: str, colour: str, top_down: bool = False) -> BarChart:
    """A bar chart of one DashboardData range: labels in its first column, amounts in its third."""
    ch = BarChart()
    ch.type = kind
    ch.gapWidth = 50
    if top_down:  # horizontal bars in the range's order, first at the top
        ch.x_axis.scaling.orientation = "maxMin"
    ch.y_axis.numFmt = "#,##0"
    ch.y_axis.title = currency
    ch.add_data(Reference(ds, min_col=3, max_col=3, min_row=r.header_row, max_row=r.last_row), titles_from_data=True)
    ch.set_categories(Reference(ds, min_col=1, min_row=r.first_row, max_row=r.last_row))
    ch.series[0].graphicalProperties.solidFill = colour
    ch.legend = None
    return ch


def _place(ch, ws, first: str, last: str, row: int, height: float) -> None:
    ch.width = _span_cm(first, last) - 0.2
    ch.height = height
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    ws.add_chart(ch, f"{first}{row}")


# ====================================================================== pivot tables

@dataclass
class _Source:
    """One Excel table a pivot reads: its header and the values of its cells."""

    name: str
    header: list[str]
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
    items = [Missing() if v == "" else Text(v=v) for v in values]
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
    for h in src.header:
        if h in axis_order:
            vals = _ordered(_cell_texts(src.frame, h) if len(src.frame) else pd.Series([], dtype=object),
                            axis_order[h])
            src.axis_items[h] = vals
            fields.append(CacheField(name=h, numFmtId=0, sharedItems=_shared(vals)))
        else:
            fields.append(CacheField(name=h, numFmtId=0, sharedItems=SharedItems()))
    src.cache = CacheDefinition(
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
    items = [FieldItem(x=k, h=True if v in hidden else None) for k, v in enumerate(vals)]
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
    items = [RowColItem(t="data", x=[Index(v=p)]) for p in positions]
    items.append(RowColItem(t="grand", x=[Index(v=0)]))
    return items


def _caption(v: str) -> str:
    return "(blank)" if v == "" else v


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
    pt = TableDefinition(
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
    """Write the cells of a rows × cols pivot as Excel lays it out (compact form)."""
    conv = _money_cells if money else (lambda v: None if v is None or pd.isna(v) else int(v))
    ws.cell(r0, c0, data_caption)
    ws.cell(r0, c0 + 1, col_caption)
    ws.cell(r0 + 1, c0, row_caption)
    for j, c in enumerate(cols):
        ws.cell(r0 + 1, c0 + 1 + j, _caption(c))
    ws.cell(r0 + 1, c0 + 1 + len(cols), "Grand Total")
    col_tot = np.zeros(len(cols), dtype=np.int64)
    col_has = np.zeros(len(cols), dtype=bool)
    for i, r in enumerate(rows):
        ws.cell(r0 + 2 + i, c0, _caption(r))
        tot, has = 0, False
        for j, c in enumerate(cols):
            v = matrix.at[r, c] if (r in matrix.index and c in matrix.columns) else np.nan
            if not pd.isna(v):
                tot += int(v)
                col_tot[j] += int(v)
                col_has[j] = has = True
                cell = ws.cell(r0 + 2 + i, c0 + 1 + j, conv(v))
                cell.number_format = fmt
        if has:
            ws.cell(r0 + 2 + i, c0 + 1 + len(cols), conv(tot)).number_format = fmt
    g = r0 + 2 + len(rows)
    ws.cell(g, c0, "Grand Total")
    for j in range(len(cols)):
        if col_has[j]:
            ws.cell(g, c0 + 1 + j, conv(col_tot[j])).number_format = fmt
    if col_has.any():
        ws.cell(g, c0 + 1 + len(cols), conv(col_tot.sum())).number_format = fmt


def _prefill_list(ws, r0: int, c0: int, *, data_caption: str, row_caption: str, rows: list[str],
                  values: pd.Series, fmt: str, money: bool) -> None:
    conv = _money_cells if money else (lambda v: None if v is None or pd.isna(v) else int(v))
    ws.cell(r0, c0, row_caption)
    ws.cell(r0, c0 + 1, data_caption)
    total = 0
    for i, r in enumerate(rows):
        ws.cell(r0 + 1 + i, c0, _caption(r))
        v = values.get(r, np.nan)
        if not pd.isna(v):
            total += int(v)
            ws.cell(r0 + 1 + i, c0 + 1, conv(v)).number_format = fmt
    ws.cell(r0 + 1 + len(rows), c0, "Grand Total")
    ws.cell(r0 + 1 + len(rows), c0 + 1, conv(total)).number_format = fmt


def _title(ws, row: int, col: int, text: str) -> None:
    c = ws.cell(row, col, text)
    c.font = Font(bold=True, color=NAVY)


def _pivots(wb, ws, tables: dict[str, pd.DataFrame], labels: list[str], currency: str, prefill: bool) -> int:
    """Add the four pivot tables to ``ws``; returns the last row used."""
    wb._pivots = []  # the writer collects them again; a stale list would duplicate parts
    used_ids = [p.cacheId for s in wb.worksheets if s is not ws for p in s._pivots]
    next_id = max(used_ids, default=0) + 1
    sources: dict[str, _Source] = {}
    for name in ("Aging", "Disputes", "Matches"):
        header = _table_header(wb, name)
        if header is None:
            continue
        frame = tables.get(name)
        if frame is None:
            frame = pd.DataFrame(columns=header)
        sources[name] = _Source(name, header, frame)
    axis = {
        "Aging": {"collector": None, "bucket": list(labels), "customer_name": None},
        "Disputes": {"reason": None, "status": list(schema.DISPUTE_STATUSES)},
        "Matches": {"decision": list(schema.MATCH_DECISIONS)},
    }
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
            ws.cell(r0, c0, "bucket")
            ws.cell(r0, c0 + 1, "(Multiple Items)")
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


# ====================================================================== the workbook open in Excel (xlwings)

CHARTS_NOTE = ("Charts and PivotTables: save and close the workbook, run `ar-xl dashboard WORKBOOK` once, "
               "then reopen it; the ribbon's Refresh dashboard keeps them up to date from then on.")


def _sheet(xw_book, name: str):
    for s in xw_book.sheets:
        if s.name.lower() == name.lower():
            return s
    return None


def _live_cell(v):
    """A value as xlwings writes it: text with Excel's text prefix (never a formula, number or date)."""
    from ..excel import live
    return live.text_cell(v) if isinstance(v, str) else v


def _live_grid(rows: list[list]) -> list[list]:
    return [[_live_cell(v) for v in row] for row in rows]


def _used_values(sheet) -> list[list]:
    """The sheet's values from A1 to the end of its used range (2-d)."""
    used = sheet.used_range
    last_row, last_col = used.row + used.shape[0] - 1, used.column + used.shape[1] - 1
    values = sheet.range((1, 1), (last_row, last_col)).options(ndim=2).value
    return [list(r) for r in values or []]


def write_live(xw_book, change, now: dt.datetime | None = None) -> list[str]:
    """Rewrite the Dashboard's header and KPI block and the DashboardData ranges of a workbook open in Excel.

    The live half of *Refresh dashboard* (``macros.refresh_dashboard`` runs it
    after writing the tables, before refreshing the PivotTables); works on
    xlwings' classic and remote engines.  Values and positions are the file
    layout's (``header_grid``, ``kpi_tiles``, ``chart_blocks``): one
    ``range.value = ...`` per block (the header rows B1:N2, the KPI tiles
    B4:J10, each DashboardData range), numbers as numbers, then their number
    formats.

    * The charts plot the DashboardData rows the last file refresh gave each
      range (``read_rooms``): each range is written in exactly those rows,
      padded with empty rows when there are fewer collectors or dispute
      reasons, its last row summing the rest when there are more (totals
      still reconcile), so no chart ever plots another range's cells.
    * A workbook without a Dashboard sheet gets one (first sheet) with the
      header, KPI block and notes, and a DashboardData sheet (last); charts
      and PivotTables cannot be added from Python in live Excel, so the
      returned notes ask to run ``ar-xl dashboard`` once on the file.

    Returns the notes to add to the message (empty when all went as usual).
    """
    fig: engine.Figures | None = getattr(change, "figures", None)
    if fig is None:
        return []
    notes: list[str] = []
    name = getattr(xw_book, "name", "") or "WORKBOOK"
    redraw = f"save and close the workbook, run `ar-xl dashboard \"{name}\"` once, then reopen it"

    # ---- everything computed before the first write
    header = _live_grid(header_grid(fig, now))
    tiles = kpi_tiles(fig)
    kpis = _live_grid(kpi_grid(tiles))
    blocks = chart_blocks(fig)
    dash, data = _sheet(xw_book, SHEET), _sheet(xw_book, DATA_SHEET)
    found = read_rooms(_used_values(data), blocks) if data is not None else None
    old_extent = None
    if found is None:
        rooms, widths = None, {}
        if data is not None:  # not our layout any more: blank what is there, then lay it out afresh
            used = data.used_range
            old_extent = (used.row + used.shape[0] - 1, used.column + used.shape[1] - 1)
    else:
        rooms, widths = found
    ranges = place_blocks(blocks, rooms)
    plans = []
    for b in blocks:
        r = ranges[b.key]
        body, folded = b.fitted(r.last_row - r.first_row + 1)
        width = max(len(b.header), widths.get(b.key, 0))
        rows = [[b.title], list(b.header)] + body
        rows = [list(row) + [None] * (width - len(row)) for row in rows]
        plans.append((b, r, _live_grid(rows)))
        if found is not None and folded and b.more:
            notes.append(f"The '{b.title}' chart has room for {r.last_row - r.first_row + 1} rows; its last row "
                         f"sums {folded}. To chart every row, {redraw}.")
        if found is not None and widths.get(b.key, len(b.header)) != len(b.header):
            notes.append(f"The '{b.title}' range now has {len(b.header) - 1} columns, the chart plots "
                         f"{widths[b.key] - 1}. To redraw it, {redraw}.")

    # ---- the writes
    created = dash is None
    if created:
        dash = xw_book.sheets.add(SHEET, before=xw_book.sheets[0])
    dash.range((HEADER_ROWS[0], HEADER_COLS[0])).resize(len(header), len(header[0])).value = header
    dash.range(AS_OF_CELL).number_format = schema.DATE_FORMAT
    dash.range((KPI_TOP, KPI_COLS[0])).resize(len(kpis), len(kpis[0])).value = kpis
    for row, c1, c2, fmt in kpi_formats(tiles):
        dash.range((row, c1), (row, c2)).number_format = fmt
    if created:
        r0, c0 = NOTES_CELL
        dash.range((r0, c0)).value = _live_grid([["How to read this"]] + [[t] for t in NOTES]
                                                + [[None], [CHARTS_NOTE.replace("WORKBOOK", f'"{name}"')]])
        for top in sorted({t.top for t in tiles}):  # fit the labels and values (no merged tiles here)
            dash.range((top, KPI_COLS[0]), (top + 1, KPI_COLS[1])).columns.autofit()
    if data is None:
        data = xw_book.sheets.add(DATA_SHEET, after=xw_book.sheets[len(xw_book.sheets) - 1])
    elif old_extent is not None:
        data.range((1, 1)).resize(*old_extent).value = [[None] * old_extent[1] for _ in range(old_extent[0])]
    for b, r, rows in plans:
        data.range((r.header_row - 1, 1)).resize(len(rows), len(rows[0])).value = rows
        n = r.last_row - r.first_row + 1
        for j, fmt in enumerate(b.formats):
            if fmt:
                data.range((r.first_row, 1 + j)).resize(n, 1).number_format = fmt
        if b.value_formats:
            k = 0
            for fmt, run in _format_runs(b.value_formats):
                data.range((r.first_row + k, 2)).resize(run, 1).number_format = fmt
                k += run
    if created or found is None:
        data.range((1, 1), (max(r.last_row for r in ranges.values()), 1)).columns.autofit()
        dash.activate()
        if created:
            notes.append(f"The Dashboard sheet was added with its KPI block. Charts and PivotTables cannot be "
                         f"added from Excel: {redraw}.")
        else:
            notes.append(f"The {DATA_SHEET} sheet was rebuilt; the charts may plot the wrong cells until you "
                         f"{redraw}.")
    return notes


def _format_runs(formats: list[str | None]) -> list[tuple[str, int]]:
    out: list[list] = []
    for f in formats:
        f = f or "General"
        if out and out[-1][0] == f:
            out[-1][1] += 1
        else:
            out.append([f, 1])
    return [tuple(x) for x in out]

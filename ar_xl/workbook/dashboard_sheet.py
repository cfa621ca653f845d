"""The Dashboard sheet of a workbook file: KPI block, charts and real PivotTables (openpyxl).

``refresh_workbook(path, as_of)`` is *Refresh dashboard* on a file: it loads
the workbook, runs ``actions.dashboard.run`` and saves once, laying out two
sheets on the way (``layout``):

* **Dashboard** (first sheet, rewritten whole at every refresh; type nothing
  on it): the title and as-of date, the KPI block (numbers with formats), three
  charts and, right of them, the cash forecast's (expected collections per ISO week,
  ``actions.forecast``), under it the two trend charts (overdue % and DSO per ISO week, from
  AgingHistory: ``engine.trends``), and four PivotTables:

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

The parts live in their own modules: ``dashboard_kpi`` (header and KPI block),
``dashboard_charts`` (the DashboardData ranges and the charts), ``dashboard_pivots``
(the PivotTables) and ``dashboard_style`` (formats, colours, ``_put``); this module
lays them out (``layout``) and holds the live writer (``write_live``).
"""
from __future__ import annotations

import datetime as dt
from contextlib import ExitStack, contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.worksheet.properties import PageSetupProperties

from .. import schema
from ..engine import dashboard as engine
from . import sheet_setup
from .dashboard_charts import (
    CHART_ROW, LAST_COLUMN, TREND_ROW, DataBlock, _charts, _write_chart_data, chart_blocks, place_blocks, read_rooms,
)
from .dashboard_kpi import (
    AS_OF_CELL, HEADER_COLS, HEADER_ROWS, KPI_COLS, KPI_TOP, NOTES, NOTES_CELL, FX_NOTE_CELL, TITLE, Tile,
    _kpi_block, _sheet_frame, header_grid, kpi_formats, kpi_grid, kpi_rows, kpi_tiles, subtitle,
)
from .dashboard_pivots import PIVOT_ROW, PIVOTS, TOP_N, _pivots

__all__ = [  # the Dashboard's public names, wherever they are defined
    "SHEET", "DATA_SHEET", "refresh_workbook", "layout_hook", "layout", "write_live",
    "TITLE", "AS_OF_CELL", "HEADER_ROWS", "HEADER_COLS", "KPI_TOP", "KPI_COLS", "NOTES", "NOTES_CELL", "FX_NOTE_CELL", "Tile",
    "header_grid", "subtitle", "kpi_rows", "kpi_tiles", "kpi_grid", "kpi_formats",
    "CHART_ROW", "DataBlock", "chart_blocks", "place_blocks", "read_rooms",
    "PIVOT_ROW", "PIVOTS", "TOP_N",
]

SHEET = "Dashboard"
DATA_SHEET = "DashboardData"


# ====================================================================== entry points

LATER = ("Aging", "Worklist", "Forecast")
"""Read only if asked for (``xlsx.load``'s ``later``): the refresh writes Aging anew, never reading the old one,
and neither reads nor writes the Worklist and Forecast tables (it computes the forecast's chart itself)."""


def refresh_workbook(path: str | Path, as_of: dt.date | None = None, prefill_pivots: bool = True,
                     confirm_fx: bool = False):
    """Refresh dashboard on a workbook file: Aging, KPI block, chart ranges, pivots; one atomic save."""
    from . import filesafe, xlsx
    from .. import progress
    from ..actions import dashboard as action
    name = Path(path).name

    def once():
        with progress.task(f"reading {name}"):
            book = xlsx.load(path, later=LATER)
        with progress.task("computing aging, KPIs and pivots"):
            change = action.run(book, as_of, confirm_fx=confirm_fx)
        with progress.task(f"saving {name} with its dashboard"):
            xlsx.save(book, change, layout=layout_hook(book, change, prefill_pivots))
        return change
    return filesafe.cycle(path, once)


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
    sheet_setup.print_setup(data)
    sheet_setup.protect(data)  # not the Dashboard itself: no spreadsheet refreshes a PivotTable on a protected sheet
    _sheet_frame(ws, fig, now)
    _kpi_block(ws, fig, getattr(change, "fx_note", ""))
    _charts(ws, data, ranges, fig, labels)
    last = _pivots(wb, ws, tables, labels, fig.currency, prefill_pivots)
    fit_pivot_columns(ws)
    ws.print_area = f"A1:{LAST_COLUMN}{max(last, TREND_ROW + 19 + 18)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.4


def fit_pivot_columns(ws, cap: float = 32) -> None:
    """Widen a column whose pivot-table text (a header such as "resolved - credit note", a customer's name)
    would be cut off, up to ``cap`` characters; columns are never narrowed (the KPI tiles set them)."""
    from openpyxl.utils import get_column_letter, range_boundaries
    need: dict[int, float] = {}
    for pt in ws._pivots:
        c1, r1, c2, r2 = range_boundaries(pt.location.ref)
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
            for cell in row:
                if isinstance(cell.value, str):
                    need[cell.column] = max(need.get(cell.column, 0), len(cell.value) * 1.1 + 2)
    for col, width in need.items():
        dim = ws.column_dimensions[get_column_letter(col)]
        if (dim.width or 8.43) < width:
            dim.width = min(width, cap)


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


@contextmanager
def lifted_dashboard(xw_book):
    """The Dashboard and DashboardData sheets of a workbook open in Excel with their protection lifted for
    the writes and the PivotTable refresh inside (``sheet_setup.lifted``); restored after."""
    with ExitStack() as stack:
        for name in (SHEET, DATA_SHEET):
            found = _sheet(xw_book, name)
            if found is not None:
                stack.enter_context(sheet_setup.lifted(found))
        yield


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
    dash.range(FX_NOTE_CELL).value = _live_grid([[getattr(change, "fx_note", "") or None]])  # this run's rates
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

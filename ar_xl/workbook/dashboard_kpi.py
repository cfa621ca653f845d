"""The Dashboard's header and KPI block: what they show and where (``header_grid``, ``kpi_rows``,
``kpi_tiles``, ``kpi_grid``, ``kpi_formats``, shared by the file layout and the live writer), and how the
file layout draws them (``_sheet_frame``, ``_kpi_block``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .. import clock, schema
from ..engine import dashboard as engine
from .dashboard_style import _COL_WIDTHS, DAYS, GREY, MONEY, NAVY, PCT, TILE, _put

_TILE_SLOTS = [("B", "B"), ("C", "D"), ("E", "F"), ("G", "H"), ("I", "J")]

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
    "CEI's opening AR and ▲/▼ (change vs a month ago) come from the AgingHistory snapshots.",
    "Unapplied cash leaves out payments set to 'ignored'.",
]
FX_NOTE_CELL = (NOTES_CELL[0] + 1 + len(NOTES), NOTES_CELL[1])
"""Under the notes: which FX rates the refresh used and where they came from (``fxrates.note``)."""


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


NO_MONTH_AGO = "no snapshot a month ago"


def change_text(fig: engine.Figures, column: str, now, unit: str) -> str:
    """The change of a KPI against the team's AgingHistory snapshot of about a month before as-of
    (``engine.trends.month_ago``): "▲ 2.1 pts vs 2026-11-01"; money in the base currency, DSO in days;
    "no snapshot a month ago" without one (or when either figure is missing)."""
    then = fig.month_ago
    if then is None or now is None or then.get(column) is None or then.get(column) != then.get(column):
        return NO_MONTH_AGO
    was = then[column]
    if unit == "money":
        delta = int(now) - int(was)
        from ..money import fmt
        amount = f"{fig.currency} {fmt(abs(delta))}"
    else:
        delta = round(float(now) - float(was), 1)
        amount = f"{abs(delta):.1f} {unit}"
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
    return f"{arrow} {amount} vs {then['as_of']:%Y-%m-%d}"


def kpi_rows(fig: engine.Figures) -> list[tuple[str, object, str, str]]:
    """The KPI block as (label, value, number format, detail); money in currency units.  The tiles whose
    figure AgingHistory keeps show its change against a month ago (``change_text``) as their detail."""
    cur = fig.currency
    cents = lambda v: round(v / 100, 2)  # noqa: E731  (exact: v is whole cents)
    promises = (f"{fig.promises_kept} of {fig.promises_decided} decided promises"
                if fig.promises_decided else "no promise decided yet")
    return [
        (f"Total AR ({cur})", cents(fig.total_ar), MONEY, change_text(fig, "total", fig.total_ar, "money")),
        (f"Overdue AR ({cur})", cents(fig.overdue_ar), MONEY, change_text(fig, "overdue", fig.overdue_ar, "money")),
        ("Overdue %", _pct(fig.overdue_pct), PCT, change_text(fig, "overdue_pct", fig.overdue_pct, "pts")),
        ("DSO", fig.dso, DAYS, f"{(fig.period_end - fig.period_start).days + 1}-day period · "
                               + change_text(fig, "dso", fig.dso, "days")),
        ("Best-possible DSO", fig.best_possible_dso, DAYS, "current AR only"),
        ("ADD (avg days delinquent)", fig.add, DAYS, "DSO − best-possible DSO"),
        ("CEI", _pct(fig.cei), PCT, fig.cei_basis),
        (f"Disputed ({cur})", cents(fig.disputed_amount), MONEY, f"{fig.open_disputes} open disputes · "
                                                                 + change_text(fig, "disputed", fig.disputed_amount,
                                                                               "money")),
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


def _kpi_block(ws, fig: engine.Figures, fx_note: str = "") -> None:
    thin = Side(style="thin", color="BDD7EE")
    tiles = kpi_tiles(fig)
    for i, row in enumerate(kpi_grid(tiles)):
        for j, v in enumerate(row):
            if v is not None:
                _put(ws, KPI_TOP + i, KPI_COLS[0] + j, v)
    for t in tiles:
        first, last, top = t.first, t.last, t.top
        for r in range(top, top + 3):
            if last > first:  # a one-column tile is not merged: Excel repairs single-cell merges
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
    if fx_note:
        _put(ws, *FX_NOTE_CELL, fx_note).font = Font(size=8, color=GREY)

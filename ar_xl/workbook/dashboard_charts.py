"""The Dashboard's charts: the small ranges they plot on the DashboardData sheet (``DataBlock``,
``chart_blocks``, ``place_blocks``, ``read_rooms``, shared by the file layout and the live writer), and the
chart objects of the file layout (``_write_chart_data``, ``_charts``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import openpyxl
import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .. import schema
from ..engine import dashboard as engine
from .dashboard_kpi import kpi_rows
from . import xlsx_fast
from .dashboard_style import _COL_WIDTHS, BUCKET_COLOURS, DAYS, MONEY, NAVY, PCT

CHART_ROW = 13
FORECAST_TITLE = "Expected collections per week (cash forecast)"
TREND_ROW = CHART_ROW + 19
"""The trend charts (AgingHistory: overdue % and DSO per ISO week) go under the cash forecast's, in S..X."""
TREND_TITLES = ("Overdue % per week (AgingHistory)", "DSO per week (AgingHistory)")
LAST_COLUMN = "X"
"""The Dashboard's charts span columns B to X (the print area)."""


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
    fw = fig.forecast_by_week
    forecast = DataBlock("forecast", "Expected collections per ISO week", f"Expected collections per ISO week ({cur})",
                         ["week", "week starting", "expected"],
                         [[w, d, int(a) / 100] for w, d, a in zip(fw["week"], fw["week_start"], fw["amount"])]
                         or [["(none)", None, 0]],
                         [None, schema.DATE_FORMAT, MONEY])
    tr = fig.trend_by_week

    def point(v, scale=1.0):
        return None if v is None or v != v else float(v) / scale
    trends = DataBlock("trends", "AgingHistory per ISO week", "AgingHistory per ISO week (team, last snapshot of the week)",
                       ["week", "snapshot of", "overdue %", "DSO"],
                       [[w, d, point(p, 100), point(q)] for w, d, p, q in
                        zip(tr["week"], tr["as_of"], tr["overdue_pct"], tr["dso"])] or [["(none)", None, None, None]],
                       [None, schema.DATE_FORMAT, PCT, DAYS])
    kr = kpi_rows(fig)
    kpis = DataBlock("kpis", "KPI block", "KPI block", ["kpi", "value", "detail"], [[l, v, d] for l, v, _f, d in kr],
                     [None, None, None], value_formats=[f if v is not None else "General" for _l, v, f, _d in kr])
    ch = fig.credit_holds
    body = [[f"{c} {n}".strip(), s, int(e) / 100, None if pd.isna(lim) else int(lim) / 100, h or None, r]
            for c, n, s, e, lim, h, r in zip(ch["customer_id"], ch["customer_name"], ch["credit_status"],
                                             ch["exposure"], ch["credit_limit"], ch["credit_hold"],
                                             ch["credit_reason"])] or [["(none)", None, 0, None, None, None]]
    holds = DataBlock("credit", "Credit holds", f"Credit holds ({cur})",
                      ["customer", "status", "exposure", "credit limit", "person's decision", "reason"], body,
                      [None, None, MONEY, MONEY, None, None])
    return [aging, weeks, disputes, forecast, trends, kpis, holds]


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
    title = xlsx_fast.style_id(ds, font=Font(bold=True, color=NAVY))
    head = xlsx_fast.style_id(ds, font=Font(bold=True))
    styles: dict[str | None, int] = {None: 0}
    cells = {}  # (row, col) -> (value, style id): thousands (the credit hold list), written as XML
    for b in blocks:
        r = ranges[b.key]
        cells[(r.header_row - 1, 1)] = (b.title, title)
        for j, h in enumerate(b.header):
            cells[(r.header_row, 1 + j)] = (h, head)
        body, _ = b.fitted(r.last_row - r.first_row + 1)
        for i, values in enumerate(body):
            for j, v in enumerate(values):
                fmt = b.value_formats[i] if b.value_formats and j == 1 else b.formats[j]
                fmt = fmt if fmt and fmt != "General" and v is not None else None
                if fmt not in styles:
                    styles[fmt] = xlsx_fast.style_id(ds, number_format=fmt)
                if isinstance(v, dt.date) and fmt is None:  # as openpyxl styles a date given none
                    fmt = "yyyy-mm-dd h:mm:ss" if isinstance(v, dt.datetime) else "yyyy-mm-dd"
                    styles.setdefault(fmt, xlsx_fast.style_id(ds, number_format=fmt))
                cells[(r.first_row + i, 1 + j)] = (v, styles[fmt])
    xlsx_fast.write_cells(ds, cells)
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
    # the cash forecast (``actions.forecast``), right of the others: the PivotTables below may grow
    ws.cell(CHART_ROW - 1, 19, FORECAST_TITLE).font = Font(bold=True, color=NAVY)
    _place(_one_series_bar(ds, ranges["forecast"], fig.currency, "col", "548235"), ws, "S", "X", CHART_ROW, height)
    # the trends (``engine.trends``): one point per ISO week, under the forecast's
    for k, (col, fmt, colour) in enumerate(((3, "0%", "C00000"), (4, "0", "2E75B6"))):
        row = TREND_ROW + k * 19
        ws.cell(row - 1, 19, TREND_TITLES[k]).font = Font(bold=True, color=NAVY)
        _place(_trend_line(ds, ranges["trends"], col, fmt, colour), ws, "S", "X", row, height)


def _trend_line(ds, r, col: int, num_fmt: str, colour: str) -> LineChart:
    """A line of one column of the trends range over its weeks (a week without a snapshot: a gap)."""
    ch = LineChart()
    ch.y_axis.numFmt = num_fmt
    ch.add_data(Reference(ds, min_col=col, max_col=col, min_row=r.header_row, max_row=r.last_row),
                titles_from_data=True)
    ch.set_categories(Reference(ds, min_col=1, min_row=r.first_row, max_row=r.last_row))
    ch.series[0].graphicalProperties.line.solidFill = colour
    ch.series[0].graphicalProperties.line.width = 22000
    ch.series[0].smooth = False
    ch.display_blanks = "gap"
    ch.legend = None
    return ch


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

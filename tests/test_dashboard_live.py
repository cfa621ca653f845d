"""Refresh dashboard in live Excel: the ribbon button rewrites the KPI block and the chart ranges.

Each test lays out the dashboard of a workbook file (``ar-xl dashboard``, file
mode) or not, changes the data, clicks *Refresh dashboard* on xlwings' remote
engine (``xw.Book(json=...)``, see ``tests/xlwings_remote.py``), plays the
actions back onto the file as xlwings' VBA client does and checks what the
team lead sees: the KPI cells hold the engine's new figures, the DashboardData
ranges hold the new series in the cells the charts plot.
"""
from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from ar_xl.workbook import dashboard_sheet, xlsx
from ar_xl.excel import macros
from ar_xl.actions import dashboard as action
from ar_xl.cli import main

import xlwings_remote as remote
from helpers import header_cells
from test_dashboard import AS_OF, _seed, _zip_text, small_tables
from test_macros import _ok, _remote_engine, _set_parameters  # noqa: F401  (_remote_engine: autouse)


def click(path, tag="refresh_dashboard", sheet="Invoices"):
    """Run a ribbon button on the remote engine and play its actions onto the file; (actions, alerts, Book).

    As ``test_macros.click``, and merged cells are played as Excel does: a value
    block written over a whole merged tile puts its top-left value in the tile
    and the others in the hidden cells under it.  openpyxl refuses writes to
    merged cells, so the replay unmerges the tiles, plays the actions, checks
    the hidden cells got nothing (the writer sends them empty) and merges the
    tiles again.  Column autofit only changes widths: not replayed."""
    import xlwings as xw
    xw_book = xw.Book(json=remote.payload(path, active_sheet=sheet))
    macros.dispatch(tag, "", book=xw_book)
    actions = xw_book.json()["actions"]
    unsupported = {a["func"] for a in actions} - remote.vba_client_actions()
    assert not unsupported, f"actions the VBA client cannot run: {unsupported}"
    wb = openpyxl.load_workbook(path)
    merged = {ws.title: [r.coord for r in ws.merged_cells.ranges] for ws in wb.worksheets}
    for ws in wb.worksheets:
        for coord in merged[ws.title]:
            ws.unmerge_cells(coord)
    wb.save(path)
    remote.apply(path, [a for a in actions if a["func"] != "setAutofit"])
    wb = openpyxl.load_workbook(path)
    for title, coords in merged.items():
        ws = wb[title]
        for coord in coords:
            min_col, min_row, max_col, max_row = range_boundaries(coord)
            hidden = [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)
                      if (r, c) != (min_row, min_col)]
            assert all(v is None for v in hidden), f"a value hidden under the merged cells {title}!{coord}"
            ws.merge_cells(coord)
    wb.save(path)
    return actions, [a for a in actions if a["func"] == "alert"], xlsx.load(path)


def _edit(path, sheet: str, key: str, column: str, value) -> None:
    """Type ``value`` in ``column`` of the row of ``sheet`` whose key (the table's key column) is ``key``, as a
    person would."""
    from ar_xl import schema
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    top, header = header_cells(ws)  # canonical names of the header the sheet shows
    at = header.index(schema.table(sheet).key[0]) + 1
    row = next(r for r in range(top + 1, ws.max_row + 1) if ws.cell(r, at).value == key)
    ws.cell(row, header.index(column) + 1).value = value
    wb.save(path)


def _kpis(path) -> dict[str, openpyxl.cell.Cell]:
    """KPI label -> the cell under it (the value) on the Dashboard sheet."""
    ws = openpyxl.load_workbook(path)["Dashboard"]
    return {ws.cell(r, c).value: ws.cell(r + 1, c) for r in range(3, 12) for c in range(2, 11)
            if isinstance(ws.cell(r, c).value, str)}


def _data_rows(path) -> list[tuple]:
    return [tuple(r) for r in openpyxl.load_workbook(path)["DashboardData"].iter_rows(values_only=True)]


def _rooms(path) -> dict[str, int]:
    values = [list(r) for r in _data_rows(path)]
    found = dashboard_sheet.read_rooms(values, dashboard_sheet.chart_blocks(_figures(path)))
    assert found is not None, "DashboardData is not laid out as the charts expect"
    return found[0]


def _figures(path):
    return action.run(xlsx.load(path), AS_OF).figures


def _block(path, key: str) -> list[tuple]:
    """The body rows of one DashboardData range, as the charts plot them (its whole room)."""
    fig = _figures(path)
    blocks = dashboard_sheet.chart_blocks(fig)
    r = dashboard_sheet.place_blocks(blocks, _rooms(path))[key]
    rows = _data_rows(path)
    return [tuple(rows[i - 1][r.first_col - 1:r.last_col]) for i in range(r.first_row, r.last_row + 1)]


def _chart_spans(path) -> list[set[tuple[int, int, int, int]]]:
    """Per chart (in sheet order: aging, weeks, disputes, forecast, overdue % and DSO trends) the DashboardData cell
    ranges it reads."""
    charts = _zip_text(path, r"xl/charts/chart\d+\.xml")
    drawing = _zip_text(path, r"xl/drawings/drawing\d+\.xml")
    rels = _zip_text(path, r"xl/drawings/_rels/drawing\d+\.xml\.rels")
    ordered = []  # the charts as the drawing places them (part names say nothing about order)
    for name, xml in sorted(drawing.items()):
        rel = rels.get(name.replace("drawings/", "drawings/_rels/") + ".rels", "")
        target = {m.group(2): m.group(1) for m in re.finditer(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rel)}
        target.update({m.group(1): m.group(2) for m in re.finditer(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rel)})
        for rid in re.findall(r'<c:chart\b[^>]*r:id="([^"]+)"', xml):
            ordered.append("xl/charts/" + target[rid].rsplit("/", 1)[-1])
    out = []
    for xml in (charts[n] for n in ordered):
        spans = set()
        for ref in re.findall(r"<(?:c:)?f>([^<]*)</(?:c:)?f>", xml):
            sheet, cells = ref.rsplit("!", 1)
            assert sheet.strip("'") == dashboard_sheet.DATA_SHEET
            min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
            spans.add((min_row, max_row, min_col, max_col))
        out.append(spans)
    return out


def _expected_spans(ranges) -> list[set[tuple[int, int, int, int]]]:
    """What the file layout's charts read, from the block ranges: categories, values and series names."""
    a, w, d = ranges["aging"], ranges["weeks"], ranges["disputes"]
    aging = {(a.first_row, a.last_row, 1, 1)}
    for c in range(2, a.last_col + 1):
        aging |= {(a.first_row, a.last_row, c, c), (a.header_row, a.header_row, c, c)}
    weeks = {(w.first_row, w.last_row, 1, 1), (w.first_row, w.last_row, 3, 3), (w.header_row, w.header_row, 3, 3)}
    disputes = {(d.first_row, d.last_row, 1, 1), (d.first_row, d.last_row, 3, 3), (d.header_row, d.header_row, 3, 3)}
    f = ranges["forecast"]
    forecast = {(f.first_row, f.last_row, 1, 1), (f.first_row, f.last_row, 3, 3), (f.header_row, f.header_row, 3, 3)}
    t = ranges["trends"]
    trends = [{(t.first_row, t.last_row, 1, 1), (t.first_row, t.last_row, c, c), (t.header_row, t.header_row, c, c)}
              for c in (3, 4)]
    return [aging, weeks, disputes, forecast] + trends


def _setvalues_per_sheet(path, actions) -> dict[str, int]:
    names = openpyxl.load_workbook(path).sheetnames
    out: dict[str, int] = {}
    for a in actions:
        if a["func"] == "setValues":
            out[names[a["sheet_position"]]] = out.get(names[a["sheet_position"]], 0) + 1
    return out


@pytest.fixture
def team_wb(tmp_path):
    """The hand-checked workbook of test_dashboard, its dashboard laid out once in file mode."""
    path = _seed(tmp_path / "team.xlsx", small_tables())
    assert main(["dashboard", str(path), "--as-of", AS_OF.isoformat()]) == 0
    return path


def test_the_button_rewrites_the_kpis_and_the_chart_ranges_where_the_charts_read_them(team_wb):
    path = team_wb
    # the charts of the file layout read exactly the ranges the live writer will write
    fig = _figures(path)
    rooms = _rooms(path)
    assert rooms == {"aging": 3, "weeks": 13, "disputes": 2, "forecast": 13, "trends": 26, "kpis": 10,
                     "credit": 1}  # credit: the hold list, "(none)"
    ranges = dashboard_sheet.place_blocks(dashboard_sheet.chart_blocks(fig), rooms)
    assert _chart_spans(path) == _expected_spans(ranges)
    assert _kpis(path)["Total AR (EUR)"].value == 2815.75

    # the day's work: P2's 500.00 applied to I1, dispute D2 resolved, I4 gets a collector
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 23)})
    _edit(path, "Invoices", "I1", "open_amount", 700.50)
    _edit(path, "Payments", "P2", "unapplied_amount", 0)
    _edit(path, "Payments", "P2", "status", "applied")
    _edit(path, "Matches", "M-P2-I1", "applied", True)
    _edit(path, "Disputes", "D2", "status", "resolved - credit note")
    _edit(path, "Invoices", "I4", "collector", "Chris")
    new = _figures(path)
    assert new.total_ar == 281575 - 50000 and new.unapplied_cash == 11650 and new.open_disputes == 1

    actions, alerts, book = click(path, "refresh_dashboard")
    prompt = _ok(alerts)
    assert "total AR EUR 2,315.75" in prompt and "ar-xl dashboard" not in prompt  # nothing to redraw
    # write tables, then one write per block: the header rows, the KPI tiles and the FX note, the six ranges
    # (the fourth: the cash forecast; the fifth: the trends; the seventh: the credit hold list)
    counts = _setvalues_per_sheet(path, actions)
    assert counts["Dashboard"] == 3 and counts["DashboardData"] == 7
    fx = openpyxl.load_workbook(path)["Dashboard"].cell(*dashboard_sheet.FX_NOTE_CELL).value
    assert fx.startswith("FX rates used: 1 GBP = 1.165 EUR (from Config row ")
    funcs = [a["func"] for a in actions]
    assert "addSheet" not in funcs and funcs[-1] == "alert"

    # the KPI cells hold the engine's new figures, numbers with their formats
    k = _kpis(path)
    assert k["Total AR (EUR)"].value == 2315.75 and k["Total AR (EUR)"].number_format == "#,##0.00"
    assert k["Overdue AR (EUR)"].value == round(new.overdue_ar / 100, 2) == 1250.75 - 500
    assert k["Overdue %"].value == pytest.approx(new.overdue_pct / 100, abs=1e-12)
    assert k["Overdue %"].number_format == "0.0%"
    assert f"{k['Overdue %'].value:.1%}" == f"{(125075 - 50000) / 231575:.1%}"
    assert k["DSO"].value == pytest.approx(new.dso, abs=1e-9) and round(k["DSO"].value, 1) == round(new.dso, 1)
    assert k["DSO"].value != pytest.approx(fig.dso) and k["DSO"].number_format == '0.0 "days"'
    assert k["Best-possible DSO"].value == pytest.approx(new.best_possible_dso, abs=1e-9)
    assert k["CEI"].value == pytest.approx(new.cei / 100, abs=1e-12)
    assert k["Disputed (EUR)"].value == 200.00 and k["Unapplied cash (EUR)"].value == 116.50
    assert k["Promises kept"].value == 0.5
    ws = openpyxl.load_workbook(path)["Dashboard"]
    assert ws["N1"].value == dt.datetime(2026, 11, 23) and ws["B2"].value.startswith("As of 2026-11-23")
    assert "refreshed" in ws["B2"].value and ws["B1"].value == "Collections dashboard"
    assert (ws["B5"].value, ws["C5"].value, ws["D5"].value) == (2315.75, 750.75, None)  # tile C5:D5: value in C5

    # the chart ranges hold the new series, in the rows the charts plot
    assert _rooms(path) == rooms
    assert _block(path, "aging") == [("Anna", 0, 100.25, 0, 700.5, 0, 0), ("Bram", 400, -50, 0, 0, 0, 0),
                                     ("Chris", 1165, 0, 0, 0, 0, 0)]
    assert sum(v for row in _block(path, "aging") for v in row[1:]) == pytest.approx(2315.75)
    weeks = {row[0]: row[2] for row in _block(path, "weeks")}
    assert weeks["2026-W47"] == 699.75 and weeks["2026-W37"] == 250 and len(weeks) == 13
    assert _block(path, "weeks")[-1][1] == dt.datetime(2026, 11, 23)  # week starting: a date
    assert _block(path, "disputes") == [("price", 1, 200), (None, None, None)]  # one reason left, padded
    kpi_block = {row[0]: row[1] for row in _block(path, "kpis")}
    assert kpi_block["Total AR (EUR)"] == 2315.75 and kpi_block["DSO"] == pytest.approx(new.dso)
    assert openpyxl.load_workbook(path)["DashboardData"].cell(ranges["aging"].first_row, 5).number_format == \
        "#,##0.00"
    # the charts are still there and still read the same cells
    assert _chart_spans(path) == _expected_spans(ranges)
    assert book.get("Audit")["action"].tolist()[-1] == "refresh_dashboard"


def test_more_collectors_than_the_chart_has_rows_fold_into_the_last_one(team_wb):
    path = team_wb
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 23)})
    _edit(path, "Invoices", "I4", "collector", "Chris")
    _edit(path, "Invoices", "I5", "collector", "Dora")
    _, alerts, _ = click(path, "refresh_dashboard")
    prompt = _ok(alerts)
    assert "sums 2" in prompt and 'ar-xl dashboard "team.xlsx"' in prompt
    aging = _block(path, "aging")
    assert aging == [("Anna", 0, 100.25, 0, 1200.5, 0, 0), ("Bram", 0, -50, 0, 0, 0, 0),
                     ("(2 more collectors)", 1565, 0, 0, 0, 0, 0)]
    assert sum(v for row in aging for v in row[1:]) == pytest.approx(2815.75)  # still reconciles
    # the next block did not move: the weeks chart still reads the weeks
    assert _data_rows(path)[6][0].startswith("Cash applied per ISO week")
    # a file refresh redraws the chart with every collector
    assert main(["dashboard", str(path), "--as-of", AS_OF.isoformat()]) == 0
    assert _rooms(path)["aging"] == 4 and [r[0] for r in _block(path, "aging")] == ["Anna", "Bram", "Chris", "Dora"]


def test_a_workbook_without_a_dashboard_gets_one_and_is_told_how_to_add_the_charts(tmp_path):
    path = _seed(tmp_path / "new.xlsx", small_tables())
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 23)})
    actions, alerts, _ = click(path, "refresh_dashboard")
    prompt = _ok(alerts)
    assert "Charts and PivotTables cannot be added from Excel" in prompt
    assert 'run `ar-xl dashboard "new.xlsx"` once' in prompt
    adds = [a["args"] for a in actions if a["func"] == "addSheet"]
    assert adds[0] == [0, "Dashboard"] and adds[1][1] == "DashboardData"
    assert [a["func"] for a in actions if a["func"] in ("activateSheet",)] == ["activateSheet"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Dashboard" and "DashboardData" in wb.sheetnames
    assert wb.active.title == "Dashboard"
    fig = _figures(path)
    k = _kpis(path)
    assert k["Total AR (EUR)"].value == 2815.75 and k["Total AR (EUR)"].number_format == "#,##0.00"
    assert k["Overdue %"].value == pytest.approx(fig.overdue_pct / 100) and k["Overdue %"].number_format == "0.0%"
    assert k["DSO"].value == pytest.approx(fig.dso) and k["DSO"].number_format == '0.0 "days"'
    ws = wb["Dashboard"]
    assert ws["N1"].value == dt.datetime(2026, 11, 23)
    notes = [ws.cell(r, 13).value for r in range(4, 14)]
    assert notes[0] == "How to read this" and any("ar-xl dashboard" in (n or "") for n in notes)
    # DashboardData is laid out as the file layout would, so a later file refresh and live refreshes agree
    assert _rooms(path) == {"aging": 3, "weeks": 13, "disputes": 2, "forecast": 13, "trends": 26, "kpis": 10,
                     "credit": 1}
    assert _block(path, "disputes") == [("price", 1, 200), ("quantity", 1, 116.5)]
    # the team lead runs the file refresh once: charts and pivots are added ...
    assert main(["dashboard", str(path), "--as-of", AS_OF.isoformat()]) == 0
    assert len(openpyxl.load_workbook(path)["Dashboard"]._charts) == 6  # with the cash forecast's and the trends'
    assert len(_zip_text(path, r"xl/pivotTables/pivotTable\d+\.xml")) == 4
    # ... and from then on the button refreshes without a word about it
    _, alerts, _ = click(path, "refresh_dashboard")
    assert "ar-xl dashboard" not in _ok(alerts)


def test_a_damaged_chart_data_sheet_is_laid_out_again(team_wb):
    path = team_wb
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 23)})
    wb = openpyxl.load_workbook(path)
    ws = wb["DashboardData"]
    ws["A1"] = "my notes"
    ws["H40"] = "stray"
    wb.save(path)
    _, alerts, _ = click(path, "refresh_dashboard")
    assert "DashboardData sheet was rebuilt" in _ok(alerts)
    rows = _data_rows(path)
    assert rows[0][0].startswith("Aging by collector") and not any("stray" == v for r in rows for v in r)
    assert _rooms(path) == {"aging": 3, "weeks": 13, "disputes": 2, "forecast": 13, "trends": 26, "kpis": 10,
                     "credit": 1}


def test_write_live_works_on_a_classic_like_book(tmp_path):
    """The classic engine (COM) gets the same writes: plain xlwings calls, one value write per block."""
    writes, formats = [], []

    class Rng:
        def __init__(self, sheet, r, c, h=1, w=1):
            self.sheet, self.row, self.column, self.shape = sheet, r, c, (h, w)

        def resize(self, h, w):
            return Rng(self.sheet, self.row, self.column, h, w)

        def options(self, **_):
            return self

        @property
        def value(self):
            return [[None] * self.shape[1] for _ in range(self.shape[0])]

        @value.setter
        def value(self, v):
            writes.append((self.sheet.name, self.row, self.column, v))

        @property
        def number_format(self):
            return None

        @number_format.setter
        def number_format(self, f):
            formats.append((self.sheet.name, self.row, self.column, self.shape, f))

        @property
        def columns(self):
            return self

        def autofit(self):
            pass

    class Sheet:
        def __init__(self, name):
            self.name = name
            self.used_range = Rng(self, 1, 1)

        def range(self, a, b=None):
            if isinstance(a, str):
                a = (int(a[1:]), openpyxl.utils.column_index_from_string(a[0]))
            if b is None:
                return Rng(self, *a)
            return Rng(self, a[0], a[1], b[0] - a[0] + 1, b[1] - a[1] + 1)

        def activate(self):
            pass

    class Sheets(list):
        def add(self, name, before=None, after=None):
            s = Sheet(name)
            self.insert(0 if before is not None else len(self), s)
            return s

    class Book:
        name = "x.xlsx"
        sheets = Sheets([Sheet("Invoices")])

    path = tmp_path / "empty.xlsx"
    xlsx.create(path)
    change = action.run(xlsx.load(path), AS_OF)  # nothing open: overdue %, DSO... are n/a

    notes = dashboard_sheet.write_live(Book(), change)
    assert [s.name for s in Book.sheets] == ["Dashboard", "Invoices", "DashboardData"]
    assert [w[:3] for w in writes if w[0] == "Dashboard"][:2] == [("Dashboard", 1, 2), ("Dashboard", 4, 2)]
    kpis = next(w[3] for w in writes if w[:3] == ("Dashboard", 4, 2))
    # text with Excel's text prefix; the overdue % of nothing is n/a
    assert kpis[0][0] == "'Total AR (EUR)" and kpis[1][0] == 0 and kpis[1][3] == "'n/a"
    assert len({len(r) for r in kpis}) == 1  # rectangular, as the VBA client needs
    assert ("Dashboard", 5, 2, (1, 3), "#,##0.00") in formats and notes

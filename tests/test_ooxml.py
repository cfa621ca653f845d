"""What Excel would repair (issue 9 §4): every XML part ar-xl writes is valid against the ECMA-376 transitional
schemas (tests/schemas, checked with lxml by tests/ooxml_check.py), and the known repair triggers that no
schema catches are absent: case-only duplicate pivot items, single-cell merged ranges, an .xlsm with the
.xlsx content type."""
from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

import ooxml_check
from ar_xl import schema
from ar_xl.cli import main
from helpers import seeded

SCHEMAS = Path(__file__).resolve().parent / "schemas"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    """The demo workbook (every action, Dashboard with pivots and charts), an .xlsm, the add-in, an XLSX output."""
    return ooxml_check.build_ours(tmp_path_factory.mktemp("ours"))


def test_vendored_schemas_are_the_ones_noted(tmp_path):
    lines = (SCHEMAS / "SHA256SUMS").read_text().split("\n")
    sums = dict(reversed(line.split()) for line in lines if line.strip())
    assert sums and all(hashlib.sha256((SCHEMAS / n).read_bytes()).hexdigest() == h for n, h in sums.items())
    assert sorted(p.name for p in SCHEMAS.glob("*.xsd")) == sorted(sums)
    assert (SCHEMAS / "LICENSE").exists() and "apache/poi" in (SCHEMAS / "SOURCE.md").read_text()


def test_the_checker_finds_ids_given_twice(tmp_path):
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    wb.create_sheet("Two")
    wb.save(bad)
    with zipfile.ZipFile(bad) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'sheetId="2"', b'sheetId="1"')
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b'Id="rId2"', b'Id="rId1"')
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    rep = ooxml_check.check_package(bad)
    assert list(rep.violations) == ["xl/_rels/workbook.xml.rels"]  # an xs:ID; a sheetId is no schema's business
    assert rep.duplicates == ["xl/_rels/workbook.xml.rels: relationship Id 'rId1' given twice",
                              "xl/workbook.xml: sheetId '1' given twice"]


def test_the_checker_finds_a_violation(tmp_path):
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    wb.save(bad)
    with zipfile.ZipFile(bad) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"<sheetData", b"<bogus/><sheetData")
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    rep = ooxml_check.check_package(bad)
    assert list(rep.violations) == ["xl/worksheets/sheet1.xml"]


def test_every_part_we_write_is_schema_valid(ours):
    kinds = sorted(p.suffix for p in ours)
    assert kinds == [".xlam", ".xlsm", ".xlsx", ".xlsx"], ours
    checked = 0
    for path in ours:
        rep = ooxml_check.check_package(path)
        assert rep.violations == {}, (path.name, rep.violations)
        assert rep.duplicates == [], (path.name, rep.duplicates)  # no id given twice (sheetId, table id...)
        checked += len(rep.checked)
    demo = ooxml_check.check_package(ours[0])
    names = " ".join(demo.checked)
    for part in ("xl/pivotTables/", "xl/pivotCache/", "xl/charts/", "xl/drawings/", "xl/tables/", "xl/styles.xml",
                 "[Content_Types].xml", "xl/workbook.xml"):
        assert part in names, part
    assert checked > 100


def test_pivot_tables_have_no_stray_relationship_id(ours):
    with zipfile.ZipFile(ours[0]) as z:
        roots = [z.read(n).decode() for n in z.namelist() if re.match(r"xl/pivotTables/[^/]+\.xml$", n)]
    assert len(roots) == 4
    for xml in roots:
        head = re.search(r"<pivotTableDefinition[^>]*>", xml).group(0)
        assert " r:id=" not in head and ":id=" not in head, head


def test_init_xlsm_is_macro_enabled(tmp_path):
    book = tmp_path / "book.xlsm"
    assert main(["init", str(book)]) == 0
    for step in (None, ["refresh", str(book)]):
        if step:
            assert main(step) == 0
        with zipfile.ZipFile(book) as z:
            types = z.read("[Content_Types].xml").decode()
        assert re.search(rf'PartName="/xl/workbook.xml" ContentType="{re.escape(XLSM_MAIN)}"', types), types


def test_kpi_tiles_have_no_single_cell_merges(ours):
    wb = openpyxl.load_workbook(ours[0])
    for ws in wb.worksheets:
        singles = [str(r) for r in ws.merged_cells.ranges if r.min_col == r.max_col and r.min_row == r.max_row]
        assert singles == [], (ws.title, singles)
    dash = wb["Dashboard"]
    assert any(r.min_col != r.max_col for r in dash.merged_cells.ranges)  # the wide tiles still merge


# ------------------------------------------------------------------ case-only duplicates in pivot items

@pytest.fixture
def emma_wb(tmp_path):
    cols = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount", "collector"]
    return seeded(tmp_path / "team.xlsx", Invoices=([
        ("I1", "C1", "Acme BV", "2026-08-01", "2026-08-31", "EUR", "100.00", "100.00", "Emma"),
        ("I2", "C2", "acme bv", "2026-08-01", "2026-08-31", "EUR", "50.00", "50.00", "emma"),
        ("I3", "C3", "Other Ltd", "2026-08-01", "2026-08-31", "EUR", "10.00", "10.00", "EMMA "),
        ("I4", "C4", "Other Ltd", "2026-11-01", "2026-12-31", "EUR", "7.00", "7.00", "Bram"),
    ], cols), Disputes=([
        ("D1", "C1", "I1", "10.00", "EUR", "price", "open"),
        ("D2", "C2", "I2", "10.00", "EUR", "Price", "open"),
    ], ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "status"]))


def _shared_items(xml: str, table: str, field: str) -> list[str]:
    """The shared items of the cache field of column ``field`` (named by its header, as the table shows it)."""
    field = re.escape(schema.table(table).header(field))
    m = re.search(rf'<cacheField name="{field}"[^>]*>\s*<sharedItems[^>]*>(.*?)</sharedItems>', xml, re.S)
    return re.findall(r'<s v="([^"]*)"', m.group(1)) if m else []


def test_pivot_items_are_grouped_ignoring_case_keeping_the_first_spelling(emma_wb):
    assert main(["dashboard", str(emma_wb), "--as-of", "2026-11-23"]) == 0
    with zipfile.ZipFile(emma_wb) as z:
        caches = [z.read(n).decode() for n in z.namelist() if re.match(r"xl/pivotCache/pivotCacheDefinition\d+", n)]
    aging = next(x for x in caches if 'name="Aging"' in x)
    assert _shared_items(aging, "Aging", "collector") == ["Bram", "Emma"]
    assert _shared_items(aging, "Aging", "customer_name") == ["Acme BV", "Other Ltd"]
    disputes = next(x for x in caches if 'name="Disputes"' in x)
    assert [s.lower() for s in _shared_items(disputes, "Disputes", "reason")].count("price") == 1
    ws = openpyxl.load_workbook(emma_wb)["Dashboard"]
    cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
    texts = [v for v in cells.values() if isinstance(v, str)]
    assert "emma" not in texts and "EMMA" not in texts and "acme bv" not in texts
    # the pre-filled Aging by collector grid: one Emma row holding all three invoices (160.00 in 61-90)
    emma = [(r, c) for (r, c), v in cells.items() if v == "Emma" and c == 2]
    assert len(emma) == 1
    r = emma[0][0]
    row_values = [cells.get((r, c)) for c in range(3, 12)]
    assert 160.0 in row_values, row_values


def test_libreoffice_groups_the_pivot_items_as_we_prefill_them(emma_wb, tmp_path):
    """LibreOffice, computing the pivots from the tables (nothing pre-filled), also makes one Emma and one
    Acme BV, with the amounts the pre-filled grid shows."""
    from ar_xl.workbook import dashboard_sheet
    from test_dashboard import lo_sheet, read_pivot
    dashboard_sheet.refresh_workbook(emma_wb, None, prefill_pivots=False)
    grid = lo_sheet(emma_wb, "Dashboard", tmp_path / "csv")
    r0 = dashboard_sheet.PIVOT_ROW
    by_collector = read_pivot(grid, r0 + 1, 2)
    assert set(by_collector) == {"Bram", "Emma", "Total Result"}
    assert by_collector["Emma"]["Total Result"] == "160"
    top = read_pivot(grid, r0 + 2, 13)
    assert top["Acme BV"] == {"Overdue (EUR)": "150"} and "acme bv" not in top

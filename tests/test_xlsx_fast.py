"""The fast workbook paths read and write exactly what openpyxl reads and writes."""
from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd

from ar_xl import schema
from ar_xl.workbook import xlsx, xlsx_fast
from ar_xl.actions import refresh

from test_dashboard import AS_OF, _seed, small_tables, soffice


def _tables(wb):
    """Every table's raw frame as the shell reads it (fast path, or openpyxl where it falls back)."""
    return {tbl.displayName: xlsx.read_table_frame(ws, tbl)[0] for ws in wb.worksheets for tbl in ws.tables.values()}


def _openpyxl_tables(path):
    return _tables(openpyxl.load_workbook(path))


def _fast_tables(path):
    wb = xlsx_fast.open_workbook(path)
    assert all(xlsx_fast.raw_of(ws) is not None for ws in wb.worksheets)
    return _tables(wb)


def _same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_fast_read_and_write_equal_openpyxl(tmp_path):
    path = _seed(tmp_path / "w.xlsx", small_tables())
    book = xlsx.load(path)
    xlsx.save(book, refresh.run(book, AS_OF))  # Aging rewritten as XML, the other sheets copied
    _same(_fast_tables(path), _openpyxl_tables(path))
    ws = openpyxl.load_workbook(path)["Aging"]
    assert ws["A1"].value == "Aging as of 23 November 2026" and ws["A1"].font.b  # the title line, above the table
    assert ws["H3"].value == "Due date" and isinstance(ws["H4"].value, dt.datetime) \
        and ws["H4"].number_format == "yyyy-mm-dd"
    assert ws["G3"].value == "Open amount (base)"
    assert ws["G4"].number_format == schema.MONEY_FORMAT and isinstance(ws["G4"].value, float)


def test_a_workbook_saved_by_another_program_keeps_its_values(tmp_path):
    """LibreOffice (like Excel) writes shared strings; copied sheets must not lose them."""
    path = _seed(tmp_path / "w.xlsx", small_tables())
    out = tmp_path / "lo"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                       check=True, capture_output=True, timeout=240)
    resaved = out / "w.xlsx"
    before = _openpyxl_tables(resaved)
    _same(_fast_tables(resaved), before)
    book = xlsx.load(resaved)
    xlsx.save(book, refresh.run(book, AS_OF))
    after = _openpyxl_tables(resaved)
    _same_but_derived_status(after, before)
    assert xlsx.load(resaved).get("Aging")["open_amount_base"].sum() == 281575


DERIVED_STATUS = ["disputed", "", "", "disputed", "", "paid"]
"""Invoices.status after a refresh of ``small_tables``: the refresh writes each invoice's derived state
(I1 and I4 are on live disputes, I6 has nothing open; an empty status means open)."""


def _same_but_derived_status(after, before):
    """Every value survives the save; only Invoices.status changes, to the state the records give."""
    for name in ("Invoices", "Payments", "Matches", "Disputes", "Promises", "Config"):
        a, b = after[name], before[name]
        if name == "Invoices":  # the raw frames have the header cells as columns
            status = schema.INVOICES.header("status")
            assert list(a[status].fillna("")) == DERIVED_STATUS
            a, b = a.drop(columns=status), b.drop(columns=status)
        pd.testing.assert_frame_equal(a, b, obj=name)


def _as_excel_writes_it(src, dst):
    """``src`` with its worksheets marked up as Excel 2010+ writes them: the x14ac namespace declared
    on the root (ignorable) and ``x14ac:dyDescent`` on every row."""
    import re
    import zipfile
    root = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                assert data.startswith(root) or root in data
                data = data.replace(root, root + b' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
                                    b' mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/'
                                    b'spreadsheetml/2009/9/ac"', 1)
                data = re.sub(rb'<row r="(\d+)"', rb'<row r="\1" x14ac:dyDescent="0.25"', data)
            out.writestr(info, data)
    return dst


def test_a_workbook_excel_saved_stays_readable_after_an_action(tmp_path):
    """Excel writes namespaced attributes (x14ac:dyDescent) on rows; the kept cells must not carry them
    into a part whose root no longer declares that namespace (Excel would call the file corrupt)."""
    seeded = _seed(tmp_path / "w.xlsx", small_tables())
    w = openpyxl.load_workbook(seeded)
    notes = w.create_sheet("My notes")
    notes["A1"], notes["B1"], notes["C1"] = "Bakker promised", 1200.5, "=B1*2"
    w.save(seeded)
    path = _as_excel_writes_it(seeded, tmp_path / "excel.xlsx")
    before = _openpyxl_tables(path)
    book = xlsx.load(path)
    xlsx.save(book, refresh.run(book, AS_OF))
    after = _openpyxl_tables(path)  # openpyxl (like Excel) must parse every sheet again
    _same_but_derived_status(after, before)
    ws = openpyxl.load_workbook(path)["My notes"]
    assert (ws["A1"].value, ws["B1"].value, ws["C1"].value) == ("Bakker promised", 1200.5, "=B1*2")
    assert xlsx.load(path).get("Aging")["open_amount_base"].sum() == 281575


METADATA = (b'<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
            b'<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
            b'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
            b'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
            b'<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
            b'<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
            b'<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>')


def test_cell_metadata_references_stay_with_the_part_they_point_to(tmp_path):
    """Excel 365 marks a spilled formula (=AR_AGING(...)) with cm="1", an index into
    xl/metadata.xml; the sheet a person owns and that part are both kept as they were."""
    import re
    import zipfile
    seeded = _seed(tmp_path / "w.xlsx", small_tables())
    w = openpyxl.load_workbook(seeded)
    notes = w.create_sheet("Analysis")
    notes["A1"], notes["B1"] = "open total", "=SUM(Invoices[open_amount])"
    w.save(seeded)
    path = tmp_path / "excel365.xlsx"
    with zipfile.ZipFile(seeded) as z, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet") and b"<f>SUM(" in data:
                data = re.sub(rb'<c r="B1"', rb'<c r="B1" cm="1"', data)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdMeta" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" '
                                    b'Target="metadata.xml"/></Relationships>')
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/metadata.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/></Types>')
            out.writestr(info, data)
        out.writestr("xl/metadata.xml", METADATA)
    with zipfile.ZipFile(path) as z:
        before = {n: z.read(n) for n in z.namelist()}
    book = xlsx.load(path)
    xlsx.save(book, refresh.run(book, AS_OF))
    with zipfile.ZipFile(path) as z:
        after = {n: z.read(n) for n in z.namelist()}
    assert after["xl/metadata.xml"] == METADATA
    analysis = [n for n, x in before.items() if n.startswith("xl/worksheets/sheet") and b"cm=" in x]
    assert len(analysis) == 1 and after[analysis[0]] == before[analysis[0]]
    ws = openpyxl.load_workbook(path)["Analysis"]
    assert (ws["A1"].value, ws["B1"].value) == ("open total", "=SUM(Invoices[open_amount])")


def test_a_table_the_file_holds_already_is_not_rewritten(tmp_path):
    """Refreshing again on the same day gives the same Aging rows: its sheet part stays byte for byte."""
    import zipfile
    path = _seed(tmp_path / "w.xlsx", small_tables())
    book = xlsx.load(path)
    xlsx.save(book, refresh.run(book, AS_OF))
    with zipfile.ZipFile(path) as z:
        part = xlsx_fast._sheet_parts(z)["Aging"]
        before = z.read(part)
    book = xlsx.load(path)
    change = refresh.run(book, AS_OF)
    assert "Aging" in change.tables
    xlsx.save(book, change)
    with zipfile.ZipFile(path) as z:
        assert z.read(part) == before
    assert xlsx.load(path).get("Aging")["open_amount_base"].sum() == 281575


def test_write_cells_gives_a_new_sheet_its_cells_as_openpyxl_reads_them(tmp_path):
    """``write_cells``: each value comes back as what it was, in its style; a text starting with = stays text."""
    path = xlsx.create(tmp_path / "w.xlsx")
    wb = xlsx_fast.open_workbook(path)
    ws = wb.create_sheet("Data")
    money = xlsx_fast.style_id(ws, number_format="#,##0.00")
    day = xlsx_fast.style_id(ws, number_format=schema.DATE_FORMAT)
    bold = xlsx_fast.style_id(ws, font=openpyxl.styles.Font(bold=True))
    xlsx_fast.write_cells(ws, {
        (1, 1): ("Customer & Co <GmbH>", bold), (1, 2): ("=HYPERLINK(\"x\")", 0), (1, 3): (" padded ", 0),
        (2, 1): (1234567.89, money), (2, 2): (42, 0), (2, 3): (dt.date(2026, 5, 14), day),
        (3, 1): (True, 0), (3, 2): (None, money), (3, 3): (None, 0), (5, 2): ("Ünïcode · ×", 0),
    })
    xlsx_fast.save(wb, tmp_path / "out.xlsx")
    back = openpyxl.load_workbook(tmp_path / "out.xlsx")["Data"]
    assert back["A1"].value == "Customer & Co <GmbH>" and back["A1"].font.bold
    assert back["B1"].value == '=HYPERLINK("x")' and back["B1"].data_type == "s"
    assert back["C1"].value == " padded "
    assert back["A2"].value == 1234567.89 and back["A2"].number_format == "#,##0.00"
    assert back["B2"].value == 42
    assert back["C2"].value == dt.datetime(2026, 5, 14) and back["C2"].number_format == schema.DATE_FORMAT
    assert back["A3"].value is True
    assert back["B3"].value is None and back["B3"].number_format == "#,##0.00"
    assert back["B5"].value == "Ünïcode · ×"
    assert back.max_row == 5

"""ar-xl's record of the cells it wrote (``package.layout_record``): a table written whole keeps, beside
its sheet's part, what ``layout_scan`` would find in it; the next action believes it only for those exact
bytes, so a cell a person added is never hidden by a stale record."""
from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ar_xl.cli import main
from ar_xl.workbook import cell_reader, xlsx, xlsx_fast
from ar_xl.workbook.package import layout_record

from helpers import frame, seeded

N = 300


def _invoices(n: int = N) -> pd.DataFrame:
    rows = [(f"INV{i:05d}", f"C{i % 12:03d}", f"Customer {i % 12}", "2026-09-01", "2026-10-01", "EUR",
             f"{100 + i}.25", f"{100 + i}.25", "", "open", "") for i in range(n)]
    return frame("Invoices", rows, ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date",
                                    "currency", "amount", "open_amount", "collector", "status", "note"])


@pytest.fixture
def book_path(tmp_path):
    return seeded(tmp_path / "book.xlsx", Invoices=_invoices())


def _aging_entry(path) -> tuple[zipfile.ZipInfo, bytes]:
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.filename.startswith("xl/worksheets/sheet"):
                data = z.read(info)
                if b"Aging as of" in data:
                    return info, data
    raise AssertionError("no Aging sheet")


def _cells(part: bytes) -> bytes:
    return part[part.index(b"<sheetData>") + len(b"<sheetData>"):part.rindex(b"</sheetData>")]


def test_aging_written_whole_keeps_what_a_scan_would_find_and_the_next_refresh_reads_it(book_path, monkeypatch):
    assert main(["refresh", str(book_path), "--as-of", "2026-10-05"]) == 0
    assert main(["refresh", str(book_path), "--as-of", "2026-10-06"]) == 0  # every row changes: written whole
    info, part = _aging_entry(book_path)
    record = layout_record.decode(info.extra, info.CRC, info.file_size)
    assert record is not None
    top, header, layout = record
    assert (top, header) == (1, 3)
    assert cell_reader.layout_scan(_cells(part), top, header) == layout
    assert layout.last_row == header + N and layout.boxes[0] == (1, 3, layout.last_col, header + N)

    scanned = []
    real = cell_reader.layout_scan

    def watched(body, *a, **k):
        if b"Aging as of" in body:
            scanned.append(len(body))
        return real(body, *a, **k)
    monkeypatch.setattr(cell_reader, "layout_scan", watched)
    assert main(["refresh", str(book_path), "--as-of", "2026-10-07"]) == 0
    assert scanned == []  # the record answered for the sheet as the file held it
    aging = xlsx.load(book_path).get("Aging")
    assert len(aging) == N and set(aging["days_past_due"]) == {6}
    info, part = _aging_entry(book_path)
    assert layout_record.decode(info.extra, info.CRC, info.file_size)[2] == real(_cells(part), 1, 3)


def test_a_record_left_on_a_part_someone_changed_is_not_believed(book_path):
    """A tool that copies each zip entry's extra fields while changing a sheet (Python's ``zipfile`` does,
    given the entries' ``ZipInfo``) leaves our record on a part it no longer describes: a note typed
    beside Aging's title must still survive the next refresh."""
    assert main(["refresh", str(book_path), "--as-of", "2026-10-05"]) == 0
    assert main(["refresh", str(book_path), "--as-of", "2026-10-06"]) == 0
    info, part = _aging_entry(book_path)
    assert layout_record.decode(info.extra, info.CRC, info.file_size) is not None
    edited = re.sub(rb'(<row r="1">.*?)</row>',
                    rb'\1<c r="C1" t="inlineStr"><is><t>checked by Emma</t></is></c></row>', part, count=1)
    assert edited != part
    copy = book_path.with_name("copy.xlsx")
    with zipfile.ZipFile(book_path) as src, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, edited if item.filename == info.filename else src.read(item))
    copy.replace(book_path)
    info, _ = _aging_entry(book_path)
    assert layout_record.field(info.extra)  # the record is still there, for other bytes
    assert layout_record.decode(info.extra, info.CRC, info.file_size) is None

    assert main(["refresh", str(book_path), "--as-of", "2026-10-07"]) == 0
    ws = openpyxl.load_workbook(book_path)["Aging"]
    assert ws["C1"].value == "checked by Emma" and "7 Oct" in str(ws["A1"].value)
    assert set(xlsx.load(book_path).get("Aging")["days_past_due"]) == {6}


def test_excel_saving_the_workbook_drops_the_record_and_a_refresh_scans_again(book_path):
    assert main(["refresh", str(book_path), "--as-of", "2026-10-06"]) == 0
    wb = openpyxl.load_workbook(book_path)  # another application writes the package anew
    wb["Aging"]["C1"] = "checked by Emma"
    wb.save(book_path)
    info, _ = _aging_entry(book_path)
    assert layout_record.field(info.extra) == b""
    assert main(["refresh", str(book_path), "--as-of", "2026-10-07"]) == 0
    assert openpyxl.load_workbook(book_path)["Aging"]["C1"].value == "checked by Emma"


def test_only_our_field_is_read_and_a_damaged_one_is_ignored():
    lay = cell_reader.Layout(1, 9, 1, 4, {2, 3}, {"n", "inlineStr"}, ((1, 3, 4, 9), (1, 1, 1, 1)))
    mine = layout_record.encode((1, 3, lay), crc=1234, size=99)
    timestamp = struct.pack("<HHB", 0x5455, 1, 1)  # Info-ZIP's extended timestamp, before ours
    assert layout_record.decode(timestamp + mine, 1234, 99) == (1, 3, lay)
    assert layout_record.field(timestamp + mine) == mine
    assert layout_record.decode(timestamp + mine, 1235, 99) is None  # another part's bytes
    assert layout_record.decode(timestamp + mine, 1234, 98) is None
    assert layout_record.decode(mine[:-5], 1234, 99) is None  # cut short
    assert layout_record.decode(mine.replace(b'"boxes"', b'"boxen"'), 1234, 99) is None
    assert layout_record.decode(timestamp, 1234, 99) is None


# ---------------------------------------------------------------- the record is what the scan finds

_WB = {}


def _sheet():
    """A sheet of a workbook as the file shell reads it (its cells kept aside), made once."""
    if "ws" not in _WB:
        import tempfile
        from pathlib import Path
        path = seeded(Path(tempfile.mkdtemp()) / "t.xlsx", Invoices=_invoices(3))
        wb = xlsx_fast.open_workbook(path)
        _WB["ws"] = wb["Invoices"]
    return _WB["ws"]


_TEXT = st.one_of(st.none(), st.sampled_from(["", " padded ", "a&b", "x", "<tag>"]))
_COLUMNS = st.sampled_from(["text", "number", "date", "mixed"])


@st.composite
def _column(draw, n):
    kind = draw(_COLUMNS)
    if kind == "text":
        values = draw(st.lists(_TEXT, min_size=n, max_size=n))
    elif kind == "number":
        values = draw(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(-1e6, 1e6)),
                               min_size=n, max_size=n))
    elif kind == "date":
        values = draw(st.lists(st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1))),
                               min_size=n, max_size=n))
    else:
        values = draw(st.lists(st.one_of(_TEXT, st.booleans(), st.integers(0, 99)), min_size=n, max_size=n))
    fmt = draw(st.sampled_from(["General", "0.00", "#,##0.00", "yyyy-mm-dd", "@"]))
    return values, ("date" if kind == "date" else "text"), ("yyyy-mm-dd" if kind == "date" else fmt)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(
    st.lists(_column(n), min_size=1, max_size=5), st.booleans(), st.integers(1, 3),
    st.lists(st.sampled_from(["id", "", "amount", "note"]), min_size=5, max_size=5))))
def test_the_record_of_a_written_table_is_what_the_layout_scan_finds_in_it(case):
    columns, titled, min_col, names = case
    ws = _sheet()
    header = names[:len(columns)]
    min_row = 3 if titled else 1
    title = (1, min_col, "Aging as of 6 October 2026") if titled else None
    xml = xlsx_fast.table_xml(ws, min_row, min_col, header, [c[0] for c in columns], [c[1] for c in columns],
                              [c[2] for c in columns], title=title)
    made, (top, header_row, layout) = xlsx_fast.raw_of(ws).made
    assert made is xml and (top, header_row) == ((1 if titled else min_row), min_row)
    assert cell_reader.layout_scan(xml, top, header_row) == layout


def test_the_direct_writer_writes_the_cells_the_ordinary_writer_writes(tmp_path, monkeypatch):
    """Aging (texts, amounts, dates, whole numbers, True/False, empty cells) written as XML by ``table_xml``
    reads back, value for value and format for format, as when openpyxl writes every cell."""
    inv = _invoices(40)
    inv.loc[3, "collector"] = "Emma"
    inv.loc[5, "note"] = "  spaced & <marked>  "
    disputes = ([("D-000001", "C002", "INV00002", "102.25", "EUR", "price", "Sales", "open", "2026-10-02",
                  "2026-12-30")], ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner",
                                   "status", "opened", "sla_due"])
    direct = seeded(tmp_path / "direct.xlsx", Invoices=inv, Disputes=disputes)
    ordinary = seeded(tmp_path / "ordinary.xlsx", Invoices=inv, Disputes=disputes)
    assert main(["refresh", str(direct), "--as-of", "2026-10-06"]) == 0
    monkeypatch.setattr(xlsx_fast, "can_write", lambda *a, **k: False)  # every cell through openpyxl
    assert main(["refresh", str(ordinary), "--as-of", "2026-10-06"]) == 0
    a, b = openpyxl.load_workbook(direct)["Aging"], openpyxl.load_workbook(ordinary)["Aging"]
    cells_a = [[(c.value, c.number_format) for c in row] for row in a.iter_rows(min_row=3)]
    cells_b = [[(c.value, c.number_format) for c in row] for row in b.iter_rows(min_row=3)]
    assert cells_a == cells_b
    kinds = {type(v) for row in cells_a[1:] for v, _ in row}
    assert {str, float, int, bool, dt.datetime} <= kinds  # every kind of cell was compared
    assert {v for row in cells_a[1:] for v, _ in row if isinstance(v, bool)} == {True, False}


def test_an_aging_without_its_title_is_moved_under_it_with_every_row(book_path):
    """A workbook from before Aging had a title (its header on row 1): the refresh lays the sheet out anew,
    title on row 1 and header on row 3, every item below it (the cells the writer hands to the splice go
    into the sheet it brings in whole)."""
    from openpyxl.utils import get_column_letter, range_boundaries
    assert main(["refresh", str(book_path), "--as-of", "2026-10-05"]) == 0
    wb = openpyxl.load_workbook(book_path)
    ws = wb["Aging"]
    tbl = next(iter(ws.tables.values()))
    ws.delete_rows(1, 2)
    _, _, c2, r2 = range_boundaries(tbl.ref)
    tbl.ref = tbl.autoFilter.ref = f"A1:{get_column_letter(c2)}{r2 - 2}"
    wb.save(book_path)
    assert openpyxl.load_workbook(book_path)["Aging"]["A1"].value == "Invoice ID"
    assert main(["refresh", str(book_path), "--as-of", "2026-10-06"]) == 0
    ws = openpyxl.load_workbook(book_path)["Aging"]
    assert "6 Oct" in str(ws["A1"].value) and ws["A3"].value == "Invoice ID" and ws["A4"].value == "INV00000"
    aging = xlsx.load(book_path).get("Aging")
    assert len(aging) == N and set(aging["days_past_due"]) == {5}

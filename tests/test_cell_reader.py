"""The fast reader (python-calamine) and the exact one (lxml, openpyxl's rules) read what openpyxl reads."""
from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.table import Table

from ar_xl.workbook import cell_reader, xlsx, xlsx_fast

VALUES = [
    ("text", "Bakker Logistiek B.V."), ("formula-like text", "=SUM(A1:A9)"), ("lead", "  leading"),
    ("trail", "trailing  "), ("unicode", "Spedition Kühn GmbH — Zürich"), ("newline", "two\nlines"),
    ("int", 46000), ("zero", 0), ("negative", -5), ("money", 1200.5), ("cents", 0.1), ("big", 1e20),
    ("tiny", 1e-7), ("true", True), ("false", False), ("empty", None),
]


def _book(path, extra=(), epoch=None, time_format=False):
    """A workbook with one table ``T`` on sheet ``S``: a column per kind of value, rows of them."""
    wb = openpyxl.Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "S"
    cols = list(VALUES) + list(extra)
    for j, (name, v) in enumerate(cols, start=1):
        ws.cell(1, j, name)
        for i in range(2, 5):
            c = ws.cell(i, j, v)
            if isinstance(v, str):
                c.data_type = "s"
    n = len(cols)
    dates = n + 1
    ws.cell(1, dates, "date")
    ws.cell(1, dates + 1, "datetime")
    ws.cell(1, dates + 2, "styled empty")
    for i in range(2, 5):
        ws.cell(i, dates, dt.datetime(2026, 8, 31)).number_format = "yyyy-mm-dd"
        ws.cell(i, dates + 1, dt.datetime(2026, 11, 23, 13, 45, 7)).number_format = "yyyy-mm-dd hh:mm:ss"
        ws.cell(i, dates + 2).number_format = "yyyy-mm-dd"
    if time_format:
        ws.cell(1, dates + 3, "time")
        for i in range(2, 5):
            ws.cell(i, dates + 3, dt.time(13, 45)).number_format = "h:mm"
    last = ws.max_column
    ws.add_table(Table(displayName="T", ref=f"A1:{openpyxl.utils.get_column_letter(last)}4"))
    wb.save(path)
    return path


def _openpyxl_columns(path):
    ws = openpyxl.load_workbook(path)["S"]
    min_col, min_row, max_col, max_row = range_boundaries(ws.tables["T"].ref)
    rows = list(ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True))
    return [list(c) for c in zip(*rows)]


def _columns(path, exact: bool):
    wb = xlsx_fast.open_workbook(path)
    ws = wb["S"]
    r = xlsx_fast.raw_of(ws)
    assert r is not None
    if exact:
        r.fast = None
    min_col, min_row, max_col, max_row = range_boundaries(ws.tables["T"].ref)
    return xlsx_fast.read_columns(ws, min_row, min_col, max_row, max_col), r


def _typed(cols):
    return [[(type(v).__name__, v) for v in c] for c in cols]


@pytest.mark.parametrize("exact", [False, True], ids=["calamine", "lxml"])
def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path, exact):
    path = _book(tmp_path / "kinds.xlsx")
    got, _ = _columns(path, exact)
    want = _openpyxl_columns(path)
    assert _typed(got) == _typed(want)
    by_name = {c[0]: c[1] for c in got}
    assert by_name["formula-like text"] == "=SUM(A1:A9)" and by_name["lead"] == "  leading"
    assert by_name["trail"] == "trailing  " and by_name["int"] == 46000 and type(by_name["int"]) is int
    assert by_name["money"] == 1200.5 and by_name["true"] is True and by_name["empty"] is None
    assert by_name["date"] == dt.datetime(2026, 8, 31) and by_name["datetime"] == dt.datetime(2026, 11, 23, 13, 45, 7)
    assert by_name["styled empty"] is None


def test_the_fast_reader_is_used_for_plain_tables(tmp_path, monkeypatch):
    path = _book(tmp_path / "plain.xlsx")
    calls = []
    monkeypatch.setattr(cell_reader, "exact_values", lambda *a, **k: calls.append(a) or {})
    got, _ = _columns(path, exact=False)
    assert not calls and got == _openpyxl_columns(path)


def _with_formula_and_error(src, dst):
    """``src`` with a formula (cached value 7) in C2 and an error value in D3, as Excel writes them."""
    import re
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="C2"[^>]*?(/>|>.*?</c>)', b'<c r="C2" t="str"><f>A2&amp;"x"</f><v>7</v></c>', data)
                data = re.sub(rb'<c r="D3"[^>]*?(/>|>.*?</c>)', b'<c r="D3" t="e"><v>#N/A</v></c>', data)
            out.writestr(info, data)
    return dst


@pytest.mark.parametrize("exact", [False, True], ids=["calamine", "lxml"])
def test_formulas_and_errors_read_as_openpyxl_reads_them(tmp_path, exact):
    path = _with_formula_and_error(_book(tmp_path / "a.xlsx"), tmp_path / "f.xlsx")
    got, _ = _columns(path, exact)
    want = _openpyxl_columns(path)
    assert _typed(got) == _typed(want)
    assert got[2][1] == '=A2&"x"' and got[3][2] == "#N/A"  # the formula's text, not its cached value


@pytest.mark.parametrize("kw", [{"epoch": CALENDAR_MAC_1904}, {"time_format": True},
                                {"extra": [("old date", dt.datetime(1900, 1, 5))]}],
                         ids=["1904", "time of day", "before March 1900"])
def test_dates_calamine_reads_otherwise_are_read_exactly(tmp_path, kw):
    path = _book(tmp_path / "d.xlsx", **kw)
    got, _ = _columns(path, exact=False)
    assert _typed(got) == _typed(_openpyxl_columns(path))


def test_load_reads_the_same_book_either_way(tmp_path):
    """The Book (canonical frames) from the fast reader equals the one from the exact reader."""
    import pandas as pd
    from helpers import seeded
    path = seeded(tmp_path / "b.xlsx", Invoices=([
        ("2026-0001", "C1", "  Bakker ", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "=A1"),
        ("2026-0002", "C1", "Bakker", "45000", "2026-10-31", "EUR", "300", "100.25", ""),
    ], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
        "open_amount", "note"]))
    fast = xlsx.load(path)
    real = xlsx_fast.cell_reader.FastBook.columns
    try:
        xlsx_fast.cell_reader.FastBook.columns = lambda *a, **k: None
        exact = xlsx.load(path)
    finally:
        xlsx_fast.cell_reader.FastBook.columns = real
    for name in fast.tables:
        pd.testing.assert_frame_equal(fast.tables[name], exact.tables[name], obj=name)
    inv = fast.get("Invoices")
    assert inv["open_amount"].tolist() == [120050, 10025] and inv["note"].tolist() == ["=A1", ""]


def _scan_agrees_with_parse(cells: bytes, header_row: int) -> None:
    """``layout_scan`` gives what the parse (``cell_layout``) finds: bounds, the styles of the cells after
    the header row's leading ones, the kinds; its boxes hold every cell, one above the header alone."""
    part = b'<sheetData xmlns="' + cell_reader.MAIN_NS.encode() + b'">' + cells + b"</sheetData>"
    layout = cell_reader.cell_layout(part)
    scan = cell_reader.layout_scan(cells, header_row)
    if not layout:
        assert scan[:4] == (None,) * 4
        return
    order = list(layout)
    lead = 0
    while lead < len(order) and order[lead][0] == header_row:
        lead += 1
    rows = [r for r, _ in layout]
    cols = [c for _, c in layout]
    assert scan[:6] == (min(rows), max(rows), min(cols), max(cols),
                        {layout[k][0] for k in order[lead:] if layout[k][0]}, {t for _, t in layout.values()})
    for (r, c) in layout:
        assert any(c1 <= c <= c2 and r1 <= r <= r2 for c1, r1, c2, r2 in scan.boxes)
        if r < header_row:
            assert (c, r, c, r) in scan.boxes


@pytest.mark.parametrize("cells, header_row", [
    (b'<row r="1"><c r="A1" s="4" t="inlineStr"><is><t>id</t></is></c></row>'
     b'<row r="2"><c r="A2" s="2" t="n"><v>1</v></c><c r="C2"/></row>', 1),
    (b'<row r="3"><c r="B3" t="s"><v>0</v></c></row><row r="9"><c r="AB9" s="0" t="b"><v>1</v></c></row>', 3),
    (b'<row r="1"><c r="A1" t="str"><v>x</v></c></row><row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>', 1),
    (b'<row r="1"><c r="A1" s="5" t="inlineStr"><is><t>Aging as of 14 May 2026</t></is></c></row>'
     b'<row r="3"><c r="A3" t="inlineStr"><is><t>id</t></is></c><c r="B3" t="inlineStr"><is><t>amount</t></is></c></row>'
     b'<row r="4"><c r="A4" t="inlineStr"><is><t>INV-1</t></is></c><c r="B4" s="2" t="n"><v>12.5</v></c></row>', 3),
    (b'<row r="7"><c r="XFD7" s="123456789" t="inlineStr"/><c r="AA1048576" t="b"><v>1</v></c></row>', 7),
    (b"", 1),
])
def test_the_layout_scan_agrees_with_the_parse(cells, header_row):
    _scan_agrees_with_parse(cells, header_row)


@pytest.mark.parametrize("cells", [
    b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>',  # a formula: parse
    b'<row r="1"><c s="1" r="A1"><v>2</v></c></row>',  # attributes in another order: parse
    b'<row r="1"><c r="A1" cm="1"><v>2</v></c></row>',  # an attribute the scan does not know: parse
    b'<row r="1"><c r="A1" s="1"><v>2</v></c><c><v>3</v></c></row>',  # a cell without a reference: parse
    b'<row r="1"><c r="A01"/></row>',  # a row number with a leading zero: parse
    b'<row r="1"><c r="ABCD1"/></row>',  # four letters: parse
    b'<row r="1"><c r="A1" s="1234567890"/></row>',  # a style id of ten digits: parse
    b'<row r="1"><c r="A1" s="x"/></row>',  # a style id that is no number: parse
    b'<row r="1"><c r="A1" t="e"><v>#N/A</v></c><c r="B1"      /></row>',  # many spaces before the end: parse
    b'<row r="1"><c r="A1"/ ></row>',  # a space inside "/>": parse
])
def test_the_layout_scan_leaves_what_it_cannot_vouch_for_to_the_parse(cells):
    assert cell_reader.layout_scan(cells, 1) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 1_048_576), st.integers(1, 16_384), st.one_of(st.none(), st.integers(0, 10**9 - 1)),
                          st.sampled_from([None, "n", "s", "b", "str", "inlineStr", "e"]), st.booleans()),
                max_size=12),
       st.integers(1, 5))
def test_the_layout_scan_agrees_with_the_parse_on_any_cells(cells, header_row):
    """Cells of every form the scan reads (any reference, style id, kind, empty or with a value)."""
    from openpyxl.utils import get_column_letter
    rows: dict[int, list[str]] = {}
    seen = set()
    for r, c, s, t, empty in sorted(cells, key=lambda x: (x[0], x[1])):
        if (r, c) in seen:
            continue
        seen.add((r, c))
        tag = f'<c r="{get_column_letter(c)}{r}"' + (f' s="{s}"' if s is not None else "") + (f' t="{t}"' if t else "")
        rows.setdefault(r, []).append(tag + ("/>" if empty else "><v>1</v></c>"))
    _scan_agrees_with_parse("".join(f'<row r="{r}">' + "".join(c) + "</row>" for r, c in rows.items()).encode(),
                            header_row)

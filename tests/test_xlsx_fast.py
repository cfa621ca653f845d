"""The fast workbook paths read and write exactly what openpyxl reads and writes."""
from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd

from ar_xl import schema, xlsx, xlsx_fast
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
    assert ws["A2"].value == dt.datetime(2026, 11, 23) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["H2"].number_format == schema.MONEY_FORMAT and isinstance(ws["H2"].value, float)


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
    for name in ("Invoices", "Payments", "Matches", "Disputes", "Promises", "Config"):
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)
    assert xlsx.load(resaved).get("Aging")["open_amount_base"].sum() == 281575

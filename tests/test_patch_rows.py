"""A long table whose range and header stay is written by replacing only the rows whose values changed
(``xlsx._patch``): the other rows stay in the file byte for byte, a changed row keeps its height and
hidden flag, and a row the patch cannot replace (a person's colour, a cell beside the table) sends the
table down the whole-table path, which keeps those."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import PatternFill

from ar_xl.book import Change
from ar_xl.workbook import xlsx

from helpers import frame, header_cells, seeded

N = max(xlsx.PATCH_MIN_ROWS, 1000) + 200


def _invoices(n: int = N) -> pd.DataFrame:
    rows = [(f"INV{i:05d}", f"C{i % 40:03d}", f"Customer {i % 40}", "2026-09-01", "2026-10-01", "EUR",
             f"{100 + i}.25", f"{100 + i}.25", "", "open", "") for i in range(n)]
    return frame("Invoices", rows, ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date",
                                    "currency", "amount", "open_amount", "collector", "status", "note"])


def _sheet_part(path) -> bytes:
    """The Invoices sheet's part as stored (the sheet holding the first invoice id)."""
    with zipfile.ZipFile(path) as z:
        return next(z.read(n) for n in z.namelist()
                    if n.startswith("xl/worksheets/sheet") and b">INV00000<" in z.read(n))


def _rows(part: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(0) for m in re.finditer(rb'<row r="(\d+)"[^>]*>.*?</row>', part, re.S)}


def _change(path, edit) -> None:
    book = xlsx.load(path)
    inv = book.get("Invoices").copy()
    edit(inv)
    change = Change("test")
    change.tables["Invoices"] = inv
    xlsx.save(book, change)


def _first_data_row(path) -> int:
    ws = openpyxl.load_workbook(path)["Invoices"]
    row, _ = header_cells(ws, "Invoices")
    return row + 1


@pytest.fixture
def book_path(tmp_path):
    return seeded(tmp_path / "long.xlsx", Invoices=_invoices())


def test_only_the_changed_rows_are_rewritten(book_path):
    before = _rows(_sheet_part(book_path))
    first = _first_data_row(book_path)

    def edit(inv):
        inv.loc[inv["invoice_id"] == "INV00007", "status"] = "disputed"
        inv.loc[inv["invoice_id"] == "INV00900", "open_amount"] = 1234  # 12.34
    _change(book_path, edit)

    book = xlsx.load(book_path)
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.at["INV00007", "status"] == "disputed"
    assert inv.at["INV00900", "open_amount"] == 1234
    assert inv.at["INV00008", "status"] == "open" and inv.at["INV00008", "open_amount"] == 10825
    assert len(inv) == N
    after = _rows(_sheet_part(book_path))
    changed = {first + 7, first + 900}
    assert set(after) == set(before)
    assert [r for r in before if before[r] != after[r]] == sorted(changed)
    ws = openpyxl.load_workbook(book_path)["Invoices"]  # what Excel's own reader sees in the rewritten cells
    status_col = header_cells(ws, "Invoices")[1].index("status") + 1
    assert ws.cell(first + 7, status_col).value == "disputed"


def test_nothing_changed_leaves_the_sheet_as_it_is(book_path):
    before = _sheet_part(book_path)
    _change(book_path, lambda inv: None)
    assert _sheet_part(book_path) == before


def test_a_changed_row_keeps_its_height_and_hidden_flag(book_path):
    first = _first_data_row(book_path)
    wb = openpyxl.load_workbook(book_path)  # a person hides one row and makes another taller, in Excel
    ws = wb["Invoices"]
    ws.row_dimensions[first + 3].hidden = True
    ws.row_dimensions[first + 4].height = 31.5
    wb.save(book_path)

    def edit(inv):
        inv.loc[inv["invoice_id"].isin(["INV00003", "INV00004"]), "status"] = "disputed"
    _change(book_path, edit)

    ws = openpyxl.load_workbook(book_path)["Invoices"]
    assert ws.row_dimensions[first + 3].hidden is True
    assert ws.row_dimensions[first + 4].height == 31.5
    inv = xlsx.load(book_path).get("Invoices").set_index("invoice_id")
    assert inv.loc[["INV00003", "INV00004"], "status"].tolist() == ["disputed", "disputed"]
    assert inv.at["INV00005", "status"] == "open"


def test_a_persons_colour_and_a_cell_beside_the_table_survive(book_path):
    first = _first_data_row(book_path)
    wb = openpyxl.load_workbook(book_path)
    ws = wb["Invoices"]
    header_row, names = header_cells(ws, "Invoices")
    status_col = names.index("status") + 1
    ws.cell(first + 10, status_col).fill = PatternFill("solid", fgColor="FFFF00")  # a collector's yellow
    ws.cell(first + 20, len(names) + 2, "call back Monday")  # a note beside the table
    wb.save(book_path)

    def edit(inv):
        inv.loc[inv["invoice_id"].isin(["INV00010", "INV00020"]), "status"] = "disputed"
    _change(book_path, edit)

    ws = openpyxl.load_workbook(book_path)["Invoices"]
    assert ws.cell(first + 10, status_col).value == "disputed"
    assert ws.cell(first + 10, status_col).fill.fgColor.rgb.endswith("FFFF00")
    assert ws.cell(first + 20, status_col).value == "disputed"
    assert ws.cell(first + 20, len(names) + 2).value == "call back Monday"


def test_a_short_table_is_written_whole(tmp_path):
    path = seeded(tmp_path / "short.xlsx", Invoices=_invoices(30))
    _change(path, lambda inv: inv.__setitem__("note", ["x"] * len(inv)))
    inv = xlsx.load(path).get("Invoices")
    assert inv["note"].tolist() == ["x"] * 30


def test_rows_added_at_the_end_leave_the_others_as_they_are(book_path):
    before = _rows(_sheet_part(book_path))
    first = _first_data_row(book_path)
    extra = _invoices(N + 3).iloc[N:]

    book = xlsx.load(book_path)
    inv = book.get("Invoices").copy()
    inv.loc[inv["invoice_id"] == "INV00002", "note"] = "called, pays Friday"
    change = Change("test")
    change.tables["Invoices"] = pd.concat([inv, extra], ignore_index=True)
    xlsx.save(book, change)

    got = xlsx.load(book_path).get("Invoices")
    assert got["invoice_id"].tolist()[-4:] == [f"INV{N - 1:05d}", f"INV{N:05d}", f"INV{N + 1:05d}", f"INV{N + 2:05d}"]
    assert got.set_index("invoice_id").at[f"INV{N + 2:05d}", "open_amount"] == (100 + N + 2) * 100 + 25
    assert got.set_index("invoice_id").at["INV00002", "note"] == "called, pays Friday"
    after = _rows(_sheet_part(book_path))
    assert [r for r in before if before[r] != after[r]] == [first + 2]
    assert sorted(set(after) - set(before)) == [first + N, first + N + 1, first + N + 2]
    ws = openpyxl.load_workbook(book_path)["Invoices"]
    tbl = next(t for t in ws.tables.values() if t.displayName == "Invoices")
    assert tbl.ref.endswith(str(first + N + 2))


def test_every_action_adds_its_audit_rows_to_a_long_audit(tmp_path):
    audit = pd.DataFrame({
        "timestamp": pd.date_range("2026-01-01", periods=N, freq="h"), "user": "anna", "action": "seed",
        "run_id": "seed-1", "table": "Invoices", "key": [f"INV{i:05d}" for i in range(N)], "column": "status",
        "old_value": "open", "new_value": "disputed", "rule": ""})
    path = seeded(tmp_path / "audit.xlsx", Invoices=_invoices(5), Audit=audit)
    before = _rows(_sheet_part_named(path, "seed-1"))
    book = xlsx.load(path)
    change = Change("test")
    change.log("bram", "Invoices", "INV00001", "note", "", "rang")
    xlsx.save(book, change)
    got = xlsx.load(path).get("Audit")
    assert len(got) == N + 1
    assert got.iloc[-1]["user"] == "bram" and got.iloc[-1]["new_value"] == "rang"
    after = _rows(_sheet_part_named(path, "seed-1"))
    assert all(after[r] == before[r] for r in before)
    assert len(after) == len(before) + 1


def _sheet_part_named(path, text: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return next(z.read(n) for n in z.namelist()
                    if n.startswith("xl/worksheets/sheet") and f">{text}<".encode() in z.read(n))


def _aging_part(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return next(z.read(n) for n in z.namelist()
                    if n.startswith("xl/worksheets/sheet") and b"Aging as of" in z.read(n))


def test_a_refresh_at_a_new_date_rewrites_aging_under_its_title_and_keeps_a_note_beside_it(book_path):
    """Aging's title sits two rows above its header: the refresh of the next day writes the table's cells
    directly (nothing else on the sheet); a note a person typed beside the title is kept all the same."""
    from ar_xl.cli import main
    assert main(["refresh", str(book_path), "--as-of", "2026-10-05"]) == 0
    aging = xlsx.load(book_path).get("Aging")
    assert len(aging) == N and set(aging["days_past_due"]) == {4}
    assert main(["refresh", str(book_path), "--as-of", "2026-10-06"]) == 0
    ws = openpyxl.load_workbook(book_path)["Aging"]
    assert str(ws["A1"].value).startswith("Aging as of") and "6 Oct" in str(ws["A1"].value)
    assert set(xlsx.load(book_path).get("Aging")["days_past_due"]) == {5}
    assert b'r="B1"' not in _aging_part(book_path)
    ws.parent["Aging"]["C1"] = "checked by Emma"  # a person's note beside the title
    ws.parent.save(book_path)
    assert main(["refresh", str(book_path), "--as-of", "2026-10-07"]) == 0
    ws = openpyxl.load_workbook(book_path)["Aging"]
    assert ws["C1"].value == "checked by Emma" and "7 Oct" in str(ws["A1"].value)
    aging = xlsx.load(book_path).get("Aging")
    assert len(aging) == N and set(aging["days_past_due"]) == {6}
    assert aging["open_amount"].sum() == sum(10000 + 100 * i + 25 for i in range(N))

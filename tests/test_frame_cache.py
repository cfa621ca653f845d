"""A table kept by ``frame_cache`` is used only for the very bytes it was read from: a load after a
person's edit, another action's write or another user's entry reads the file."""
import os
import shutil

import openpyxl
import pandas as pd
import pytest

from ar_xl.book import Change
from ar_xl.workbook import frame_cache, xlsx
from helpers import column


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(frame_cache.ENV, str(folder))
    monkeypatch.setenv("AR_XL_CACHE_MIN_ROWS", "0")
    return folder


def _book(tmp_path):
    path = tmp_path / "book.xlsx"
    xlsx.create(path)
    change = Change("test")
    change.tables["Invoices"] = pd.DataFrame({
        "invoice_id": ["INV-1", "INV-2"], "customer_id": ["C1", "C2"],
        "invoice_date": pd.to_datetime(["2026-01-05", "2026-02-05"]),
        "due_date": pd.to_datetime(["2026-02-04", "2026-03-07"]),
        "currency": ["EUR", "EUR"], "amount": [125_000, 9_950], "open_amount": [125_000, 9_950]})
    xlsx.save(xlsx.load(path), change)
    return path


def _reads(monkeypatch):
    """Names of the tables read from the file (not from the cache) by the loads that follow."""
    seen = []
    real = xlsx.read_table_frame

    def spy(ws, tbl):
        seen.append(tbl.displayName)
        return real(ws, tbl)
    monkeypatch.setattr(xlsx, "read_table_frame", spy)
    return seen


def test_second_load_of_the_same_bytes_comes_from_the_cache(tmp_path, cache, monkeypatch):
    path = _book(tmp_path)
    first = xlsx.load(path)
    reads = _reads(monkeypatch)
    second = xlsx.load(path)
    assert "Invoices" not in reads
    pd.testing.assert_frame_equal(first.tables["Invoices"], second.tables["Invoices"])
    assert list(second.tables["Invoices"]["open_amount"]) == [125_000, 9_950]
    assert list(frames_rows(second.tables["Invoices"])) == [2, 3]
    assert os.stat(cache).st_mode & 0o077 == 0  # only this user may read or write the folder


def frames_rows(df):
    from ar_xl import frames
    return frames.row_numbers(df)


def test_a_persons_edit_is_read_from_the_file(tmp_path, cache, monkeypatch):
    path = _book(tmp_path)
    xlsx.load(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    ws.cell(3, column("Invoices", [c.value for c in ws[1]], "open_amount"), 50.00)  # the person types a new open amount
    wb.save(path)
    reads = _reads(monkeypatch)
    book = xlsx.load(path)
    assert "Invoices" in reads
    assert list(book.tables["Invoices"]["open_amount"]) == [125_000, 5_000]


def test_an_action_that_rewrites_the_table_is_read_again(tmp_path, cache, monkeypatch):
    path = _book(tmp_path)
    book = xlsx.load(path)
    change = Change("test")
    inv = book.tables["Invoices"].copy()
    inv.loc[0, "open_amount"] = 0
    change.tables["Invoices"] = inv
    xlsx.save(book, change)
    assert list(xlsx.load(path).tables["Invoices"]["open_amount"]) == [0, 9_950]


def test_an_entry_written_by_someone_else_is_not_used(tmp_path, cache, monkeypatch):
    path = _book(tmp_path)
    xlsx.load(path)
    frame_cache.flush()  # the command is done
    for entry in cache.iterdir():
        entry.chmod(0o666)  # anyone may write it: it is not trusted
    reads = _reads(monkeypatch)
    xlsx.load(path)
    assert "Invoices" in reads


def test_an_entry_of_another_copy_or_version_is_not_used(tmp_path, cache, monkeypatch):
    path = _book(tmp_path)
    xlsx.load(path)
    frame_cache.flush()
    other = tmp_path / "copy.xlsx"
    shutil.copyfile(path, other)
    monkeypatch.setattr(frame_cache, "_code", "another version of the reading code")
    reads = _reads(monkeypatch)
    xlsx.load(path)
    xlsx.load(other)
    assert reads.count("Invoices") == 2


def test_off_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(frame_cache.ENV, "off")
    path = _book(tmp_path)
    reads = _reads(monkeypatch)
    xlsx.load(path)
    xlsx.load(path)
    assert reads.count("Invoices") == 2


def test_a_column_of_mixed_values_is_read_from_the_file(tmp_path, cache, monkeypatch):
    """A person's own column holding numbers and text is not kept (only plain columns are): the table
    is read from the file every time, with the person's values as typed."""
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    tbl = ws.tables["Invoices"]
    last = ws.max_column + 1
    ws.cell(1, last, "my flag")
    ws.cell(2, last, 42)
    ws.cell(3, last, "call back")
    tbl.ref = tbl.ref.rsplit(":", 1)[0] + ":" + openpyxl.utils.get_column_letter(last) + "3"
    from openpyxl.worksheet.table import TableColumn
    tbl.tableColumns.append(TableColumn(id=last, name="my flag"))
    wb.save(path)
    xlsx.load(path)
    reads = _reads(monkeypatch)
    book = xlsx.load(path)
    assert "Invoices" in reads
    assert list(book.tables["Invoices"]["my flag"]) == [42, "call back"]


def test_texts_amounts_and_dates_come_back_exactly(tmp_path, cache, monkeypatch):
    path = tmp_path / "book.xlsx"
    xlsx.create(path)
    change = Change("test")
    change.tables["Invoices"] = pd.DataFrame({
        "invoice_id": ["INV-1", "INV-2", "INV-3"], "customer_id": ["C1", "C2", "C3"],
        "customer_name": ["Bäckerei Müller GmbH", "Café « Zoë » SARL", "=1+1"],
        "invoice_date": pd.to_datetime(["2026-01-05", "2026-02-05", "2024-02-29"]),
        "due_date": pd.to_datetime(["2026-02-04", "2026-03-07", "2024-03-30"]),
        "currency": ["EUR", "GBP", "EUR"], "amount": [125_000, -9_950, 1],
        "open_amount": [125_000, -9_950, 0], "note": ["  spaces kept  ", "", "line\nbreak"]})
    xlsx.save(xlsx.load(path), change)
    first = xlsx.load(path).tables["Invoices"]
    reads = _reads(monkeypatch)
    second = xlsx.load(path).tables["Invoices"]
    assert "Invoices" not in reads
    assert list(second["customer_name"]) == ["Bäckerei Müller GmbH", "Café « Zoë » SARL", "=1+1"]
    assert list(second["note"]) == ["  spaces kept  ", "", "line\nbreak"]
    assert list(second["amount"]) == [125_000, -9_950, 1]
    assert second.loc[2, "invoice_date"] == pd.Timestamp("2024-02-29")
    pd.testing.assert_frame_equal(first, second)


def test_a_table_the_command_rewrites_is_not_kept_for_the_bytes_it_replaced(tmp_path, cache, monkeypatch):
    path = _book(tmp_path)
    book = xlsx.load(path)
    inv = book.tables["Invoices"].copy()
    inv.loc[1, "open_amount"] = 0
    change = Change("test")
    change.tables["Invoices"] = inv
    xlsx.save(book, change)
    kept = {p.name for p in cache.iterdir()}
    entry = frame_cache._entry(path, "Invoices")
    assert entry.name not in kept  # read, then rewritten: nothing kept of it
    assert frame_cache._entry(path, "Config").name in kept  # read and left as it was: kept
    assert list(xlsx.load(path).tables["Invoices"]["open_amount"]) == [125_000, 0]

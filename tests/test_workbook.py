"""The workbook file shell: layout from the schema, safe writes, people's edits kept."""
from __future__ import annotations

import datetime as dt
import hashlib

import openpyxl
import pandas as pd
import pytest

from ar_xl import schema
from ar_xl.workbook import xlsx
from ar_xl.actions import refresh
from ar_xl.book import Change
from ar_xl.errors import InputError
from helpers import names, seeded


INVOICE_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                "open_amount"]


@pytest.fixture
def wb(tmp_path):
    return seeded(tmp_path / "book.xlsx", Invoices=([
        ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50"),
        ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-10-01", "2026-10-31", "EUR", "300.00", "100.25"),
        ("CN-0003", "C2", "Spedition Kühn GmbH", "2026-11-01", "2026-11-01", "EUR", "-50.00", "-50.00"),
        ("2026-0004", "C3", "Hargreaves Freight Ltd", "2026-11-10", "2026-12-10", "GBP", "1000.00", "1000.00"),
    ], INVOICE_COLS))


def test_init_lays_out_every_table(tmp_path):
    path = tmp_path / "new.xlsx"
    xlsx.create(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [t.sheet_name for t in schema.TABLES.values()]
    for t in schema.TABLES.values():
        ws = wb[t.sheet_name]
        assert t.name in ws.tables, t.name
        top = 1 + t.title_rows  # Aging: its title line, a blank row, then the header
        header = [c.value for c in ws[top]][: len(t.names)]
        assert header == t.headers  # the human headers ("Invoice ID", "Open amount (base)")
        assert names(t.name, header) == t.names
        assert ws.freeze_panes == f"A{top + 1}"
    assert wb["Aging"]["A1"].value == "Aging" and wb["Aging"]["A1"].font.b
    inv = wb["Invoices"]
    status_col = openpyxl.utils.get_column_letter(schema.INVOICES.names.index("status") + 1)
    lists = [dv for dv in inv.data_validations.dataValidation if status_col + "2" in str(dv.sqref)]
    assert lists and "disputed" in lists[0].formula1
    config = {r[0]: r[1] for r in wb["Config"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert config["aging_buckets"] == "30,60,90,120" and config["base_currency"] == "EUR"


def test_init_refuses_to_overwrite(tmp_path):
    path = tmp_path / "x.xlsx"
    xlsx.create(path)
    with pytest.raises(Exception, match="already exists"):
        xlsx.create(path)


def test_money_and_dates_round_trip_exactly(wb):
    book = xlsx.load(wb)
    inv = book.get("Invoices")
    assert inv["open_amount"].tolist() == [120050, 10025, -5000, 100000]
    assert inv["due_date"].iloc[0] == pd.Timestamp("2026-08-31")
    ws = openpyxl.load_workbook(wb)["Invoices"]
    assert ws["H2"].value == 1200.5 and ws["H2"].number_format == schema.MONEY_FORMAT
    assert ws["E2"].value == dt.datetime(2026, 8, 31) and ws["E2"].number_format == schema.DATE_FORMAT


def test_text_that_looks_like_a_formula_stays_text(wb):
    book = xlsx.load(wb)
    c = Change("seed")
    inv = book.get("Invoices").copy()
    inv.loc[0, "note"] = '=HYPERLINK("http://evil.example","pay here")'
    c.tables["Invoices"] = inv
    xlsx.save(book, c)
    cell = openpyxl.load_workbook(wb)["Invoices"]["M2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","pay here")'


def test_action_never_overwrites_a_note_or_status_a_person_typed(wb):
    ws_book = openpyxl.load_workbook(wb)
    ws = ws_book["Invoices"]
    ws["M2"] = "customer says cheque in the post"
    ws["L3"] = "legal"  # a person's decision ('disputed' is derived from the Disputes: issue 12)
    ws_book.save(wb)
    book = xlsx.load(wb)
    c = Change("pretend-erp-sync")
    new = book.get("Invoices").copy()
    new["note"] = "overwritten"
    new["status"] = "open"
    new.loc[0, "open_amount"] = 0
    c.tables["Invoices"] = new.iloc[:2]  # rows 3 and 4 missing from the new body
    xlsx.save(book, c)
    after = xlsx.load(wb).get("Invoices")
    assert after["invoice_id"].tolist() == ["2026-0001", "2026-0002", "CN-0003", "2026-0004"]
    assert after.loc[0, "note"] == "customer says cheque in the post"
    assert after.loc[0, "open_amount"] == 0
    assert after.loc[1, "status"] == "legal"
    assert after.loc[1, "note"] == "overwritten"  # it was empty


def test_bad_cells_are_all_reported_and_nothing_changes(wb):
    w = openpyxl.load_workbook(wb)
    ws = w["Invoices"]
    ws["E3"] = "31/02/2026"
    ws["H4"] = "twelve"
    w.save(wb)
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    with pytest.raises(InputError) as e:
        xlsx.load(wb)
    text = str(e.value)
    assert "sheet Invoices, row 3, column Due date (due_date)" in text
    assert "sheet Invoices, row 4, column Open amount (open_amount)" in text
    assert len(e.value.problems) == 2
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before


def test_refresh_writes_aging_and_shrinks_cleanly(wb):
    book = xlsx.load(wb)
    xlsx.save(book, refresh.run(book, dt.date(2026, 11, 23)))
    aging = xlsx.load(wb).get("Aging")
    ws = openpyxl.load_workbook(wb)["Aging"]
    assert ws["A1"].value == "Aging as of 23 November 2026"  # the as-of date once, above the table
    header = [c.value for c in ws[3]]
    assert header[-6:] == ["current", "1-30", "31-60", "61-90", "91-120", "121+"]
    assert names("Aging", header)[:2] == ["invoice_id", "customer_id"] and "as_of" not in names("Aging", header)
    assert ws.tables["Aging"].ref == "A3:S7"  # invoice id ... disputed, state, interest, then the buckets
    by_id = dict(zip(aging["invoice_id"], aging["bucket"]))
    # due 2026-08-31 -> 84 days; due 2026-10-31 -> 23 days; due 2026-11-01 -> 22; due 2026-12-10 not due
    assert by_id == {"2026-0001": "61-90", "2026-0002": "1-30", "CN-0003": "1-30", "2026-0004": "current"}
    gbp = aging.loc[aging["invoice_id"] == "2026-0004", "open_amount_base"].iloc[0]
    assert gbp == 116500  # 1000.00 GBP x 1.1650
    # everything paid: Aging becomes empty, old rows cleared
    book = xlsx.load(wb)
    c = Change("paid")
    inv = book.get("Invoices").copy()
    inv["open_amount"] = 0
    c.tables["Invoices"] = inv
    xlsx.save(book, c)
    book = xlsx.load(wb)
    xlsx.save(book, refresh.run(book, dt.date(2026, 11, 23)))
    ws = openpyxl.load_workbook(wb)["Aging"]
    assert ws["B4"].value is None and ws["B5"].value is None
    assert len(xlsx.load(wb).get("Aging")) == 0


def test_a_derived_table_read_later_is_the_one_the_file_holds(wb):
    book = xlsx.load(wb)
    xlsx.save(book, refresh.run(book, dt.date(2026, 11, 23)))
    aging = xlsx.load(wb).get("Aging")
    assert len(aging) == 4
    book = xlsx.load(wb, later=("Aging",))
    assert "Aging" not in book.tables and book.has("Aging")
    pd.testing.assert_frame_equal(book.get("Aging"), aging)  # read on first use, exactly as with the rest
    # refreshed again without ever reading it: the new Aging is written over the old one
    book = xlsx.load(wb, later=("Aging",))
    c = Change("paid")
    inv = book.get("Invoices").copy()
    inv.loc[inv["invoice_id"] == "2026-0002", "open_amount"] = 0
    c.tables["Invoices"] = inv
    xlsx.save(book, c)
    book = xlsx.load(wb, later=("Aging",))
    xlsx.save(book, refresh.run(book, dt.date(2026, 11, 23)))
    assert "Aging" in book.tables and "Aging" not in book.later
    aging = xlsx.load(wb).get("Aging")
    assert sorted(aging["invoice_id"]) == ["2026-0001", "2026-0004", "CN-0003"]
    assert openpyxl.load_workbook(wb)["Aging"].tables["Aging"].ref == "A3:S6"
    with pytest.raises(ValueError):
        xlsx.load(wb, later=("Invoices",))  # a person's table is always read with the rest


def test_every_change_is_audited(wb):
    book = xlsx.load(wb)
    xlsx.save(book, refresh.run(book, dt.date(2026, 11, 23)))
    audit = xlsx.load(wb).get("Audit")
    aging = audit[audit["table"] == "Aging"]
    assert aging["action"].tolist()[-1] == "refresh_aging"
    assert aging["new_value"].tolist()[-1] == "4"  # rows written
    assert "AgingHistory" in set(audit.loc[audit["run_id"] == aging["run_id"].iloc[-1], "table"])


def test_saving_keeps_the_shared_workbooks_permissions(wb):
    import os
    os.chmod(wb, 0o664)
    book = xlsx.load(wb)
    xlsx.save(book, refresh.run(book, dt.date(2026, 11, 23)))
    assert wb.stat().st_mode & 0o777 == 0o664


def test_rows_sharing_an_invoice_id_stop_an_action_and_nothing_changes(tmp_path):
    """An invoice listed twice would be aged twice and paid once (issue 10, part 4): reading the
    workbook refuses it, naming both rows, and the file stays as it was."""
    from ar_xl.actions import plan
    rows = [
        ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50"),
        ("2026-0005", "C2", "Spedition Kühn GmbH", "2026-09-01", "2026-09-30", "EUR", "100.00", "100.00"),
        ("2026-0006", "C2", "Spedition Kühn GmbH", "2026-09-01", "2026-09-30", "EUR", "10.00", "10.00"),
    ]
    path = seeded(tmp_path / "dup.xlsx", Invoices=(rows, INVOICE_COLS))
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    ws.cell(4, 1).value = "2026-0005"  # a person typed an id that is already on row 3
    wb.save(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(InputError,
                       match=r"row 4, column Invoice ID \(invoice_id\): invoice_id '2026-0005' is also on row 3"):
        book = xlsx.load(path)
        xlsx.save(book, plan.create_plan(book, "C1", ["2026-0001"], 2, "2026-12-01", created="2026-11-23"))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_formula_column_a_person_added_to_a_table_stays_a_formula(wb):
    from ar_xl.actions import plan
    w = openpyxl.load_workbook(wb)
    ws = w["Invoices"]
    tbl = ws.tables["Invoices"]
    ws["N1"] = "open_x2"
    for r in range(2, 6):
        ws[f"N{r}"] = f"=H{r}*2"
    tbl.ref = "A1:N5"
    tbl._initialise_columns()
    w.save(wb)
    book = xlsx.load(wb)
    xlsx.save(book, plan.create_plan(book, "C1", ["2026-0001"], 2, "2026-12-01"))
    ws = openpyxl.load_workbook(wb)["Invoices"]
    assert ws["L2"].value == "on plan"
    assert [(ws[f"N{r}"].value, ws[f"N{r}"].data_type) for r in range(2, 6)] == [(f"=H{r}*2", "f") for r in range(2, 6)]


def test_a_drop_down_a_person_added_survives_an_action(wb):
    from openpyxl.worksheet.datavalidation import DataValidation
    w = openpyxl.load_workbook(wb)
    ws = w["Invoices"]
    ws["O1"] = "priority"  # a person's own column beside the table, with their own drop-down
    mine = DataValidation(type="list", formula1='"high,low"', allow_blank=True)
    mine.add("O2:O100")
    ws.add_data_validation(mine)
    w.save(wb)
    for _ in range(2):
        book = xlsx.load(wb)
        c = Change("touch invoices")
        c.tables["Invoices"] = book.get("Invoices")
        xlsx.save(book, c)
    lists = openpyxl.load_workbook(wb)["Invoices"].data_validations.dataValidation
    assert [str(dv.sqref) for dv in lists if dv.formula1 == '"high,low"'] == ["O2:O100"]
    status = [dv for dv in lists if "disputed" in (dv.formula1 or "")]
    assert len(status) == 1  # ours is laid once, not piled up on every write


@pytest.mark.parametrize("something_else_on_the_sheet", [False, True])
def test_columns_a_person_added_to_a_table_keep_numbers_dates_and_formats(wb, something_else_on_the_sheet):
    w = openpyxl.load_workbook(wb)
    ws = w["Invoices"]
    tbl = ws.tables["Invoices"]
    n_cols = len(schema.INVOICES.names)
    score, called, comment = (openpyxl.utils.get_column_letter(n_cols + k) for k in (1, 2, 3))
    ws[f"{score}1"], ws[f"{called}1"], ws[f"{comment}1"] = "credit score", "called on", "comment"
    ws[f"{score}2"] = 12.5
    ws[f"{score}2"].number_format = "0.0%"
    ws[f"{called}2"] = dt.datetime(2026, 11, 2)
    ws[f"{called}2"].number_format = "dd/mm/yyyy"
    ws[f"{comment}2"] = "=call back"
    ws[f"{comment}2"].data_type = "s"
    ws[f"{score}3"] = 7
    tbl.ref = f"A1:{comment}5"
    tbl.autoFilter.ref = tbl.ref
    tbl.tableColumns = []
    tbl._initialise_columns()
    if something_else_on_the_sheet:
        ws["Z1"] = "notes beside the table"
    w.save(wb)
    book = xlsx.load(wb)
    xlsx.save(book, Change("touch", tables={"Invoices": book.get("Invoices")}))
    ws = openpyxl.load_workbook(wb)["Invoices"]
    assert (ws[f"{score}2"].value, ws[f"{score}2"].number_format) == (12.5, "0.0%")
    assert ws[f"{score}3"].value == 7 and ws[f"{score}3"].data_type == "n"
    assert (ws[f"{called}2"].value, ws[f"{called}2"].number_format) == (dt.datetime(2026, 11, 2), "dd/mm/yyyy")
    assert (ws[f"{comment}2"].value, ws[f"{comment}2"].data_type) == ("=call back", "s")

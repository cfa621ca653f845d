"""Human headers (issue 16 §3): the workbook shows "Open amount (base)", the engine keeps ``open_amount_base``.

``data/previous_version.xlsx`` is a demo workbook (5 customers, as of 2026-12-01) written by the ar-xl before
this change: snake_case headers everywhere, Aging at A1 with an ``as_of`` column, pivot caches naming the
snake columns.  It must keep working with the actions, and each table an action rewrites, or ``ar-xl
upgrade`` rewrites all at once, gets the human headers with its data intact.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ar_xl import frames, schema
from ar_xl.cli import main
from ar_xl.workbook import xlsx
from helpers import header_cells, names, row

DATA = Path(__file__).parent / "data"
AS_OF = "2026-12-01"


@pytest.fixture
def old(tmp_path) -> Path:
    path = tmp_path / "collections.xlsx"
    shutil.copy(DATA / "previous_version.xlsx", path)
    return path


def _shown(path, table: str) -> list:
    ws = openpyxl.load_workbook(path)[schema.table(table).sheet_name]
    tbl = ws.tables[table]
    first = openpyxl.utils.range_boundaries(tbl.ref)[1]
    return [c.name for c in tbl.tableColumns], [ws.cell(first, i + 1).value for i in range(len(tbl.tableColumns))]


def _caches(path) -> dict[str, list[str]]:
    """Source table -> the field names of its pivot cache."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if re.match(r"xl/pivotCache/pivotCacheDefinition\d+\.xml$", n):
                x = z.read(n).decode()
                out[re.search(r'worksheetSource name="(\w+)"', x).group(1)] = re.findall(r'cacheField name="([^"]*)"', x)
    return out


def test_headers_come_from_the_schema():
    assert schema.AGING.header("open_amount_base") == "Open amount (base)"
    assert schema.AGING.header("days_past_due") == "Days past due"
    assert schema.INVOICES.header("invoice_id") == "Invoice ID" and schema.CUSTOMERS.header("iban") == "IBAN"
    assert schema.INVOICES.header("po_number") == "PO number" and schema.DISPUTES.header("sla_due") == "SLA due"
    assert schema.AGING_HISTORY.header("overdue_pct") == "Overdue %"
    for t in schema.TABLES.values():  # both spellings find the column, and no header means two columns
        assert [t.known(c.header) for c in t.columns] == t.names
        assert [t.known(c.name) for c in t.columns] == t.names
        assert len({schema.canon(h) for h in t.headers}) == len(t.columns)
    raw = pd.DataFrame([["A1", "C1", "2026-10-01", "2026-10-31", "EUR", "10.00", "10.00"]],
                       columns=["Invoice ID", "customer_id", "INVOICE-DATE", "Due date", "Currency", "Amount",
                                "Open amount"])
    assert frames.coerce(raw, "Invoices", "t")["open_amount"].tolist() == [1000]


def test_an_export_of_the_workbook_s_tables_is_read_by_the_erp_and_bank_readers():
    """A table copied out of the workbook (human headers) resolves through ``synonyms`` like an ERP export."""
    from ar_xl import synonyms
    for table, syn in ((schema.INVOICES, synonyms.INVOICES), (schema.CUSTOMERS, synonyms.CUSTOMERS),
                       (schema.PAYMENTS, synonyms.STATEMENT)):
        for name, heads in syn.items():
            if name in table.names:
                assert synonyms.header_key(table.header(name)) in {synonyms.header_key(h) for h in heads}, name


def test_the_previous_version_loads_as_it_is(old):
    assert _shown(old, "Invoices")[1][:2] == ["invoice_id", "customer_id"]  # what it was written with
    book = xlsx.load(old)
    assert {"Invoices", "Customers", "Payments", "Matches", "Aging", "Config"} <= set(book.tables)
    aging = book.get("Aging")
    assert aging["open_amount_base"].dtype.kind == "i" and len(aging) == 18
    assert book.config.base_currency == "EUR"


def test_the_previous_version_works_with_the_actions_and_they_write_human_headers(old, tmp_path):
    before = xlsx.load(old)
    invoices = before.get("Invoices")
    assert main(["refresh", str(old), "--as-of", AS_OF]) == 0
    ws = openpyxl.load_workbook(old)["Aging"]
    assert ws["A1"].value == "Aging as of 1 December 2026"  # the as_of column is the title now
    top, header = header_cells(ws)
    assert top == 3 and "as_of" not in header and ws.freeze_panes == "A4"
    columns, cells = _shown(old, "Aging")
    assert cells[:len(schema.AGING.names)] == schema.AGING.headers == columns[:len(schema.AGING.names)]
    aging = xlsx.load(old).get("Aging")
    assert sorted(aging["invoice_id"]) == sorted(before.get("Aging")["invoice_id"])
    assert int(aging["open_amount_base"].sum()) == int(before.get("Aging")["open_amount_base"].sum())
    # AgingHistory (the refresh rewrites it) has the human headers too, every earlier day's rows kept
    assert _shown(old, "AgingHistory")[1][:len(schema.AGING_HISTORY.names)] == schema.AGING_HISTORY.headers
    history = xlsx.load(old).get("AgingHistory")
    assert len(history) == len(before.get("AgingHistory"))  # the same day refreshed again: its rows replaced
    assert sorted(set(history["as_of"])) == sorted(set(before.get("AgingHistory")["as_of"]))
    # a table no action rewrote keeps the old headers and still reads the same
    assert _shown(old, "Invoices")[1][:1] == ["invoice_id"]
    pd.testing.assert_frame_equal(xlsx.load(old).get("Invoices"), invoices)
    # the old Dashboard's Aging pivot cache follows the renamed columns (a refresh in Excel finds its fields)
    caches = _caches(old)
    assert {"Collector", "Bucket", "Open amount (base)"} <= set(caches["Aging"])
    assert "open_amount_base" not in caches["Aging"]
    # cash application on the old workbook: import the statement, match
    stmt = tmp_path / "statement.xml"
    shutil.copy(DATA / "previous_version-statement.xml", stmt)
    assert main(["import", str(old), str(stmt)]) == 0
    assert main(["match", str(old)]) == 0
    assert _shown(old, "Payments")[1][:len(schema.PAYMENTS.names)] == schema.PAYMENTS.headers
    assert _shown(old, "Matches")[1][:len(schema.MATCHES.names)] == schema.MATCHES.headers
    book = xlsx.load(old)
    # the demo had imported and matched this statement already: nothing is imported twice, every applied match
    # kept; a payment that was left for review may be applied now (the matcher reads more than that version did:
    # 15.00 short of 2026-000111 without a word is a short payment, no unearned discount), and only such a one
    assert sorted(book.get("Payments")["payment_id"]) == sorted(before.get("Payments")["payment_id"])
    was, now = before.get("Matches"), book.get("Matches")
    assert set(was.loc[was["applied"], "match_id"]) <= set(now["match_id"])
    new = now[now["applied"] & ~now["match_id"].isin(was["match_id"])]
    assert set(new["payment_id"]) <= set(was["payment_id"]) - set(was.loc[was["applied"], "payment_id"])
    assert now.loc[now["applied"], "applied_amount"].sum() == \
        was.loc[was["applied"], "applied_amount"].sum() + new["applied_amount"].sum()
    # the dashboard lays out its pivots on the human headers
    assert main(["dashboard", str(old), "--as-of", AS_OF]) == 0
    assert {"Collector", "Bucket", "Open amount (base)"} <= set(_caches(old)["Aging"])


def test_upgrade_rewrites_every_table_with_human_headers_and_the_same_data(old):
    before = xlsx.load(old)
    assert main(["upgrade", str(old)]) == 0
    after = xlsx.load(old)
    wb = openpyxl.load_workbook(old)
    for t in schema.TABLES.values():
        if t.name not in before.tables:
            continue
        ws = wb[t.sheet_name]
        top, header = header_cells(ws, t.name)
        cells = [ws.cell(top, c + 1).value for c in range(len(t.names))]
        assert cells == t.headers, t.name
        a, b = after.get(t.name), before.get(t.name)
        if t.name == "Audit":
            assert len(a) > len(b)
            a = a.iloc[:len(b)]
        if t.dynamic:  # the bucket columns as the sheet holds them (currency units)
            b = b.drop(columns=[c for c in b.columns if c == "as_of" and c not in t.names])
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), obj=t.name,
                                      check_dtype=False)
    assert wb["Aging"]["A1"].value == "Aging as of 1 December 2026"
    assert {"Collector", "Bucket", "Open amount (base)"} <= set(_caches(old)["Aging"])
    # the UDFs read a table of the upgraded workbook as Excel hands it over (human headers)
    from udfs import core
    ws = wb["Invoices"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][:2] == ["Invoice ID", "Customer ID"]
    table = core.aging_table(rows, dt.date(2026, 12, 1))
    assert table[0][:2] == ["Customer ID", "Customer name"]
    total = sum(r[-1] for r in table[1:])
    assert round(total * 100) == int(after.get("Aging")["open_amount_base"].sum())
    # upgrading again changes nothing, not even the Audit; an action after the upgrade leaves everything in place
    upgraded = old.read_bytes()
    assert main(["upgrade", str(old)]) == 0
    assert old.read_bytes() == upgraded
    again = xlsx.load(old)
    for name in after.tables:
        pd.testing.assert_frame_equal(again.get(name), after.get(name), obj=name)
    assert openpyxl.load_workbook(old)["Aging"]["A1"].value == "Aging as of 1 December 2026"
    assert main(["refresh", str(old), "--as-of", "2026-12-02"]) == 0
    assert openpyxl.load_workbook(old)["Aging"]["A1"].value == "Aging as of 2 December 2026"
    assert names("Aging", _shown(old, "Aging")[1])[:2] == ["invoice_id", "customer_id"]


def test_upgrade_of_a_workbook_already_up_to_date_says_so_and_writes_nothing(tmp_path, capsys):
    path = xlsx.create(tmp_path / "collections.xlsx")
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    assert main(["upgrade", str(path)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("already up to date: nothing changed"), said
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp  # not saved again
    assert not (tmp_path / "ar-xl-backups").exists()
    assert len(xlsx.load(path).get("Audit")) == 0


def test_upgrade_names_the_tables_it_changes_and_logs_each(old, capsys):
    """A workbook of the previous version after a refresh: Aging, AgingHistory and Audit (the refresh wrote them)
    have the human headers already; the upgrade says which tables it rewrote and what changed in each."""
    assert main(["refresh", str(old), "--as-of", AS_OF]) == 0
    audit_before = len(xlsx.load(old).get("Audit"))
    capsys.readouterr()
    assert main(["upgrade", str(old)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("upgraded 16 of 19 tables: Invoices (13 headers renamed); "), said
    assert "Customers (17 headers renamed, column pays_for added)" in said
    assert "Aging" not in said and "Audit" not in said
    audit = xlsx.load(old).get("Audit").iloc[audit_before:]
    assert set(audit["action"]) == {"upgrade"}
    assert len(audit) == 16 and {"Invoices", "Customers", "Config"} <= set(audit["table"])
    assert not {"Aging", "AgingHistory", "Audit"} & set(audit["table"])
    config = row(audit, table="Config")
    assert (config["old_value"], config["new_value"]) == ("setting; value; description", "Setting; Value; Description")
    wb = openpyxl.load_workbook(old)
    assert _shown(old, "Config")[1] == ["Setting", "Value", "Description"]
    assert wb["Aging"]["A1"].value == "Aging as of 1 December 2026"


def test_a_person_s_formulas_on_renamed_columns_follow_the_new_headers(old):
    """As Excel does when a header is renamed in it: structured references in a person's formulas (another sheet,
    a defined name) name the column by its new header, so they keep computing the same."""
    from openpyxl.workbook.defined_name import DefinedName
    wb = openpyxl.load_workbook(old)
    ws = wb.create_sheet("My sheet")
    ws["A1"] = "=SUM(Invoices[open_amount])"
    ws["A2"] = "=COUNTA(Invoices[[#All],[invoice_id]])+SUM(MyInvoices[open_amount])"
    ws["A3"] = "=SUM(Invoices[#All])"
    wb.defined_names["open_total"] = DefinedName("open_total", attr_text="SUM(Invoices[open_amount])")
    wb.save(old)
    assert main(["upgrade", str(old)]) == 0
    wb = openpyxl.load_workbook(old)
    ws = wb["My sheet"]
    assert ws["A1"].value == "=SUM(Invoices[Open amount])"
    assert ws["A2"].value == "=COUNTA(Invoices[[#All],[Invoice ID]])+SUM(MyInvoices[open_amount])"  # not another table
    assert ws["A3"].value == "=SUM(Invoices[#All])"
    assert wb.defined_names["open_total"].attr_text == "SUM(Invoices[Open amount])"

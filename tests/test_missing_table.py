"""A table an action needs that was renamed or whose sheet was deleted stops the action with a message
naming it, and the workbook is left byte for byte as it was (it is never taken for an empty table)."""
from __future__ import annotations

import openpyxl
import pytest

from ar_xl.cli import main
from helpers import seeded


@pytest.fixture
def wb(tmp_path):
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne")],
                   ["customer_id", "customer_name", "iban", "country", "language", "collector"]),
        Invoices=([("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50",
                    "1200.50", "open")],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount", "status"]))


def _rename_table(path, old, new):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if old in ws.tables:
            tbl = ws.tables[old]
            tbl.displayName = tbl.name = new
            del ws.tables[old]
            ws.add_table(tbl)
    wb.save(path)


def _delete_sheet(path, name):
    wb = openpyxl.load_workbook(path)
    del wb[name]
    wb.save(path)


@pytest.mark.parametrize("argv", [["refresh"], ["dashboard"]])
def test_renamed_invoices_table_stops_refresh_and_dashboard(wb, argv, capsys):
    _rename_table(wb, "Invoices", "Invoices2")
    before = wb.read_bytes()
    assert main([*argv, str(wb)]) == 2
    err = capsys.readouterr().err
    assert "no Excel table named Invoices" in err and "Invoices2" in err and "Nothing was changed" in err
    assert wb.read_bytes() == before


def test_deleted_payments_sheet_stops_promise_check_and_dashboard(wb, capsys):
    assert main(["promise", "add", str(wb), "--customer", "C1", "--amount", "1200.50",
                 "--date", "2026-12-15"]) == 0
    _delete_sheet(wb, "Payments")
    before = wb.read_bytes()
    for argv in (["promise", "check", str(wb)], ["dashboard", str(wb)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "no Excel table named Payments" in err and "(on sheet Payments)" in err
        assert wb.read_bytes() == before

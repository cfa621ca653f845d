"""What a person added to the workbook survives every action (issue 9 §3, issue 10 §1 and §5)."""
from __future__ import annotations

import openpyxl
from openpyxl.comments import Comment

from ar_xl.cli import main
from helpers import seeded

INVOICES = ([
    ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
    ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "300.00", "300.00", "open"),
    ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "800.00", "800.00", "open"),
], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
    "open_amount", "status"])
CUSTOMERS = ([
    ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne"),
    ("C2", "Spedition Kühn GmbH", "DE89370400440532013000", "DE", "de", "Markus"),
], ["customer_id", "customer_name", "iban", "country", "language", "collector"])


def team(path):
    return seeded(path, Customers=CUSTOMERS, Invoices=INVOICES)


def test_hyperlinks_in_invoices_and_on_a_persons_sheet_survive_refresh(tmp_path):
    path = team(tmp_path / "team.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Invoices"]["A2"].hyperlink = "https://erp.example.com/invoice/2026-0001"
    ws = wb.create_sheet("Notes")
    ws["A1"] = "my notes"
    ws["A1"].comment = Comment("call back Monday", "Sanne")
    ws["B2"] = "portal"
    ws["B2"].hyperlink = "https://portal.example.com"
    wb.save(path)
    assert main(["refresh", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    assert wb["Invoices"]["A2"].value == "2026-0001"
    assert wb["Invoices"]["A2"].hyperlink.target == "https://erp.example.com/invoice/2026-0001"
    assert wb["Notes"]["B2"].value == "portal"
    assert wb["Notes"]["B2"].hyperlink.target == "https://portal.example.com"
    assert wb["Notes"]["A1"].comment.text.startswith("call back Monday")

"""The collector workflow through `ar-xl`: the verbs write what a collector expects."""
from __future__ import annotations

import pandas as pd
import pytest

from ar_xl.workbook import xlsx
from ar_xl.cli import main
from helpers import seeded


@pytest.fixture
def wb(tmp_path):
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([
            ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne"),
            ("C2", "Spedition Kühn GmbH", "DE89370400440532013000", "DE", "de", "Markus"),
        ], ["customer_id", "customer_name", "iban", "country", "language", "collector"]),
        Invoices=([
            ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
            ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "300.00", "299.50", ""),
            ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "800.00", "800.00", "legal"),
        ], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount", "status"]))


def test_plan_create_writes_installments_and_marks_invoices(wb, capsys):
    assert main(["plan", "create", str(wb), "--customer", "C1", "--invoices", "2026-0001,2026-0002",
                 "--installments", "3", "--first-due", "2027-01-31"]) == 0
    book = xlsx.load(wb)
    plans = book.get("Plans")
    # 1,200.50 + 299.50 = 1,500.00 in three: 500.00 each on 31 Jan, 28 Feb, 31 Mar 2027
    assert plans["amount"].tolist() == [50000, 50000, 50000]
    assert plans["due_date"].dt.strftime("%Y-%m-%d").tolist() == ["2027-01-31", "2027-02-28", "2027-03-31"]
    assert set(plans["invoice_ids"]) == {"2026-0001; 2026-0002"}
    status = book.get("Invoices").set_index("invoice_id")["status"]
    assert status["2026-0001"] == "on plan" and status["2026-0002"] == "on plan"
    assert "create_plan" in set(book.get("Audit")["action"])


def test_plan_for_another_customers_invoice_is_refused(wb, capsys):
    before = wb.read_bytes()
    assert main(["plan", "create", str(wb), "--customer", "C1", "--invoices", "2026-0003",
                 "--installments", "2", "--first-due", "2027-01-31"]) == 2
    assert "2026-0003" in capsys.readouterr().err
    assert wb.read_bytes() == before


def test_dispute_workflow_and_refused_transition(wb, capsys):
    assert main(["dispute", "add", str(wb), "--customer", "C2", "--invoices", "2026-0003", "--reason", "price",
                 "--note", "old price list"]) == 0
    d = xlsx.load(wb).get("Disputes").iloc[0]
    assert (d["dispute_id"], d["status"], d["amount"], d["owner"], d["note"]) == ("D-000001", "open", 80000, "Sales", "old price list")
    assert main(["dispute", "status", str(wb), "D-000001", "closed"]) == 2
    assert "cannot change status from 'open' to 'closed'" in capsys.readouterr().err
    assert main(["dispute", "status", str(wb), "D-000001", "in review"]) == 0
    assert main(["dispute", "status", str(wb), "D-000001", "resolved - credit note", "--on", "2026-11-20"]) == 0
    d = xlsx.load(wb).get("Disputes").iloc[0]
    assert d["status"] == "resolved - credit note" and d["resolved"] == pd.Timestamp("2026-11-20")
    assert main(["dispute", "report", str(wb), "--as-of", "2026-11-23"]) == 0
    assert "0 open; 1 resolved" in capsys.readouterr().out


def test_disputed_invoice_is_flagged_in_aging(wb):
    assert main(["dispute", "add", str(wb), "--customer", "C2", "--invoices", "2026-0003", "--reason", "damaged goods"]) == 0
    assert main(["refresh", str(wb), "--as-of", "2026-11-23"]) == 0
    aging = xlsx.load(wb).get("Aging").set_index("invoice_id")
    assert bool(aging.loc["2026-0003", "disputed"]) and not bool(aging.loc["2026-0001", "disputed"])


def test_promise_and_contact(wb, capsys):
    assert main(["promise", "add", str(wb), "--customer", "C1", "--amount", "500,00", "--date", "2026-11-30"]) == 0
    assert main(["promise", "check", str(wb), "--as-of", "2026-12-10"]) == 0
    p = xlsx.load(wb).get("Promises").iloc[0]
    assert (p["amount"], p["status"]) == (50000, "broken")  # no payment came in
    assert main(["contact", str(wb), "--customer", "C1", "--channel", "call", "--outcome", "will pay Friday",
                 "--next", "2026-11-27"]) == 0
    a = xlsx.load(wb).get("Activities").iloc[0]
    assert (a["channel"], a["outcome"], a["next_action_date"]) == ("call", "will pay Friday", pd.Timestamp("2026-11-27"))


def test_plan_schedule_prints_pmt(capsys):
    assert main(["plan", "schedule", "--amount", "10000", "--installments", "12", "--first-due", "2027-01-31",
                 "--interest", "annuity", "--rate", "8"]) == 0
    out = capsys.readouterr().out
    assert out.count("869.88") == 11 and "interest 438.62" in out

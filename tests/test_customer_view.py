"""The customer view (issue 14 §6): everything about one customer on the CustomerView sheet."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from ar_xl import schema
from ar_xl.cli import main
from ar_xl.workbook import xlsx
from ar_xl.workbook.customer_view_sheet import SHEET

from helpers import seeded

AS_OF = "2026-11-15"
INV_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount", "status"]
REMIT = "=cmd|' /C calc'!A0 invoice 2026-0010"


@pytest.fixture
def wb(tmp_path):
    """C1 with three open invoices (one disputed, one not yet due) and a credit note, three paid invoices, a promise, a dispute, a
    contact, a reminder, unapplied cash; C2 with rows of its own that C1's view must not show."""
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([
            ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne", "1000.00", "ap@bakker.nl",
             "+31 20 555 0101"),
            ("C2", "Spedition Kühn GmbH", "DE89370400440532013000", "DE", "de", "Markus", "", "", ""),
        ], ["customer_id", "customer_name", "iban", "country", "language", "collector", "credit_limit", "email",
            "phone"]),
        Invoices=([
            ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
            ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-10-01", "2026-10-31", "EUR", "300.00", "300.00", "open"),
            ("2026-0003", "C1", "Bakker Logistiek B.V.", "2026-11-01", "2026-12-01", "EUR", "250.00", "250.00", "open"),
            ("CN-1", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-10-01", "EUR", "-50.00", "-50.00", "open"),
            ("2026-0010", "C1", "Bakker Logistiek B.V.", "2026-08-10", "2026-09-10", "EUR", "400.00", "0", "paid"),
            ("2026-0011", "C1", "Bakker Logistiek B.V.", "2026-08-20", "2026-09-20", "EUR", "600.00", "0", "paid"),
            ("2026-0012", "C1", "Bakker Logistiek B.V.", "2026-09-05", "2026-10-05", "EUR", "100.00", "0", "paid"),
            ("2026-0005", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "999.99", "999.99", "open"),
        ], INV_COLS),
        Payments=([
            ("P1", "2026-09-15", "400.00", "EUR", "BAKKER", "NL91ABNA0417164300", REMIT, "0", "applied"),
            ("P2", "2026-09-30", "700.00", "EUR", "BAKKER", "NL91ABNA0417164300", "2026-0011 2026-0012", "0", "applied"),
            ("P3", "2026-11-02", "50.00", "EUR", "BAKKER", "NL91ABNA0417164300", "?", "50.00", "unapplied"),
            ("P9", "2026-11-03", "999.99", "EUR", "KUHN", "DE89370400440532013000", "2026-0005", "999.99", "unapplied"),
        ], ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
            "unapplied_amount", "status"]),
        Matches=([
            ("M1", "P1", "2026-0010", "C1", "400.00", "auto", "TRUE"),
            ("M2", "P2", "2026-0011", "C1", "600.00", "auto", "TRUE"),
            ("M3", "P2", "2026-0012", "C1", "100.00", "auto", "TRUE"),
        ], ["match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "decision", "applied"]),
        Promises=([
            ("PR-1", "C1", "2026-0001", "1200.50", "EUR", "2026-11-20", "anna", "2026-11-10", "open"),
            ("PR-2", "C2", "2026-0005", "999.99", "EUR", "2026-11-30", "anna", "2026-11-10", "open"),
        ], ["promise_id", "customer_id", "invoice_ids", "amount", "currency", "promised_date", "logged_by",
            "logged_on", "status"]),
        Disputes=([
            ("D-000001", "C1", "2026-0002", "300.00", "EUR", "price difference", "Sales", "open", "2026-11-05"),
        ], ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status", "opened"]),
        Activities=([
            ("A-1", "2026-11-10 09:30", "anna", "C1", "call", "will pay on the 20th", "2026-11-21"),
            ("A-2", "2026-11-11 10:00", "anna", "C2", "call", "no answer", ""),
        ], ["activity_id", "at", "user", "customer_id", "channel", "outcome", "next_action_date"]),
        Reminders=([
            ("R-1", "C1", "Bakker Logistiek B.V.", "1", "friendly", "nl", "2026-09-05", "2026-0001", "EUR",
             "1200.50", "0", "0", "0", "1200.50"),
        ], ["reminder_id", "customer_id", "customer_name", "level", "tone", "language", "sent_on", "items",
            "currency", "amount", "fee", "interest", "compensation", "total"]),
    )


def sections(path) -> dict[str, list[list]]:
    """The CustomerView sheet read back: section title (without its count) -> [header, rows...]."""
    ws = openpyxl.load_workbook(path)[SHEET]
    out, current = {}, None
    for row in ws.iter_rows(min_row=4, values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        if not values:
            current = None
            continue
        if current is None:
            current = str(values[0]).split(" (")[0]
            out[current] = []
            continue
        out[current].append(values)
    return out


def records(section: list[list]) -> list[dict]:
    """The rows of a section by header in lower case ("Invoice ID" is ``r["invoice id"]``)."""
    header = [str(h).lower() for h in section[0]]
    return [dict(zip(header, r + [None] * (len(header) - len(r)))) for r in section[1:]]


def test_the_sheet_holds_the_customers_open_items_with_the_right_amounts(wb):
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF]) == 0
    w = openpyxl.load_workbook(wb)
    ws = w[SHEET]
    assert [ws["A1"].value, ws["B1"].value, ws["C1"].value] == ["Customer view", "C1", "Bakker Logistiek B.V."]
    assert ws["B2"].value == dt.datetime(2026, 11, 15) and ws["B2"].number_format == schema.DATE_FORMAT
    s = sections(wb)
    items = records(s["Open items"])
    assert [r["invoice id"] for r in items] == ["2026-0001", "CN-1", "2026-0002", "2026-0003"]  # oldest due first
    first = items[0]
    assert first["open amount"] == 1200.5 and first["amount"] == 1200.5
    assert first["days past due"] == 76 and first["bucket"] == "61-90"
    assert first["due date"] == dt.datetime(2026, 8, 31)
    assert items[1]["open amount"] == -50
    assert items[2]["disputed"] is True and items[2]["state"] == "disputed"
    assert items[3]["days past due"] < 0 and items[3]["bucket"] == "current"
    assert "2026-0005" not in str(s)  # C2's invoice is not on C1's page
    # money cells are numbers with the money format, dates are dates with the date format
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "2026-0001")
    header = [str(c.value).lower() for c in ws[row - 1]]
    assert ws[row - 1][0].value == "Invoice ID"  # the workbook's headers
    assert ws.cell(row, header.index("open amount") + 1).number_format == schema.MONEY_FORMAT
    assert ws.cell(row, header.index("due date") + 1).number_format == schema.DATE_FORMAT
    bal = records(s["Balance"])[0]
    assert bal["currency"] == "EUR" and bal["open amount"] == 1700.5 and bal["overdue amount"] == 1200.5
    assert bal["disputed amount"] == 300 and bal["not due amount"] == 250 and bal["credit notes"] == -50
    assert bal["unapplied cash"] == 50 and bal["oldest days past due"] == 76
    cust = {r[0]: (r[1] if len(r) > 1 else None) for r in s["Customer"][1:]}
    assert cust["collector"] == "Sanne" and cust["phone"] == "+31 20 555 0101"
    assert cust["credit limit (EUR)"] == 1000 and cust["exposure (EUR)"] == 1650.5  # 1700.50 open - 50.00 unapplied
    assert cust["credit status"] == "over limit" and "over limit" in cust["credit reason"]
    assert cust["next action date"] == dt.datetime(2026, 11, 21)
    assert w[SHEET].page_setup.orientation == "landscape" and w[SHEET].page_setup.fitToWidth == 1


def test_promises_disputes_contacts_and_reminders_of_the_customer_only(wb):
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF]) == 0
    s = sections(wb)
    promises = records(s["Promises"])
    assert [(p["promise id"], p["amount"], p["promised date"], p["status"]) for p in promises] == \
        [("PR-1", 1200.5, dt.datetime(2026, 11, 20), "open")]
    disputes = records(s["Disputes"])
    assert [(d["dispute id"], d["invoice ids"], d["amount"], d["reason"], d["status"]) for d in disputes] == \
        [("D-000001", "2026-0002", 300, "price difference", "open")]
    contacts = records(s["Contacts"])
    assert [(c["channel"], c["outcome"]) for c in contacts] == [("call", "will pay on the 20th")]
    assert [r["reminder id"] for r in records(s["Reminders"])] == ["R-1"]
    assert s["Payment plans"] == [["none"]]


def test_the_twelve_month_behaviour_row_of_a_month_with_known_payments(wb):
    """September 2026: P1 pays 2026-0010 (due 09-10) on 09-15, 5 days late; P2 pays 2026-0011 (due 09-20)
    10 days late and 2026-0012 (due 10-05) 5 days early, on 09-30.  Median 5, mean 10/3 = 3.3, max 10."""
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF]) == 0
    rows = records(sections(wb)["Payment behaviour"])
    assert [r["month"] for r in rows] == [f"{y}-{m:02d}" for y, m in [(2025, 12)] + [(2026, m) for m in range(1, 12)]]
    sep = next(r for r in rows if r["month"] == "2026-09")
    assert sep["payments"] == 2 and sep["invoices paid"] == 3 and sep["applied"] == 1100
    assert sep["median days late"] == 5 and sep["average days late"] == 3.3 and sep["max days late"] == 10
    oct_ = next(r for r in rows if r["month"] == "2026-10")
    assert oct_["payments"] == 0 and oct_["median days late"] is None


def test_payments_and_matches_and_a_remittance_starting_with_equals_is_text(wb):
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF]) == 0
    s = sections(wb)
    pays = records(s["Payments"])
    assert [p["payment id"] for p in pays] == ["P3", "P2", "P1"]  # newest first; C2's P9 is not here
    p1 = pays[2]
    assert p1["remittance"] == REMIT and p1["applied here"] == 400
    ws = openpyxl.load_workbook(wb)[SHEET]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == REMIT)
    assert cell.data_type == "s"  # text, never a formula
    matches = records(s["Matches"])
    assert [(m["match id"], m["invoice id"], m["applied amount"]) for m in matches][-1] == ("M1", "2026-0010", 400)


def test_the_view_is_replaced_whole_and_logged_in_audit(wb):
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF]) == 0
    assert main(["customer", str(wb), "C2", "--as-of", AS_OF]) == 0
    w = openpyxl.load_workbook(wb)
    assert w.sheetnames.count(SHEET) == 1 and w.sheetnames[0] == SHEET
    ws = w[SHEET]
    assert ws["B1"].value == "C2" and "2026-0001" not in [c.value for row in ws.iter_rows() for c in row]
    audit = xlsx.load(wb).get("Audit")
    mine = audit[audit["table"] == SHEET]
    assert list(mine["key"]) == ["C1", "C2"] and set(mine["action"]) == {"customer_view"}
    # the tables are as they were
    assert len(xlsx.load(wb).get("Invoices")) == 8


def test_an_unknown_customer_is_refused_naming_it_and_the_close_matches(wb, capsys):
    before = wb.read_bytes()
    assert main(["customer", str(wb), "C11", "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "'C11'" in err and "C1 Bakker Logistiek B.V." in err and "Nothing was changed" in err
    assert main(["customer", str(wb), "Bakker Logistik", "--as-of", AS_OF]) == 2
    assert "C1 Bakker Logistiek B.V." in capsys.readouterr().err
    assert wb.read_bytes() == before


def test_a_customer_is_found_by_its_exact_name(wb):
    assert main(["customer", str(wb), "spedition kühn gmbh", "--as-of", AS_OF]) == 0
    assert openpyxl.load_workbook(wb)[SHEET]["B1"].value == "C2"


def test_out_writes_the_view_to_a_file_and_leaves_the_workbook(wb, tmp_path):
    before = wb.read_bytes()
    out = tmp_path / "c1.xlsx"
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF, "--out", str(out)]) == 0
    assert wb.read_bytes() == before
    assert [r["invoice id"] for r in records(sections(out)["Open items"])] == ["2026-0001", "CN-1", "2026-0002",
                                                                                "2026-0003"]
    assert main(["customer", str(wb), "C1", "--out", str(wb)]) == 2  # never over the workbook
    assert wb.read_bytes() == before


def test_behaviour_per_currency_counts_only_applied_money_up_to_the_as_of_date():
    from ar_xl.engine.customer_view import payment_behaviour
    from helpers import frame
    inv = frame("Invoices", [
        ("I1", "C1", "2026-01-01", "2026-02-01", "EUR", "100", "0"),
        ("I2", "C1", "2026-01-01", "2026-02-10", "USD", "200", "0"),
        ("I3", "C1", "2026-01-01", "2026-02-10", "EUR", "300", "0"),
    ], ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount"])
    pay = frame("Payments", [
        ("P1", "2026-02-04", "100", "EUR"), ("P2", "2026-02-20", "200", "USD"), ("P3", "2026-02-25", "300", "EUR"),
        ("P4", "2026-03-02", "300", "EUR"),
    ], ["payment_id", "value_date", "amount", "currency"])
    mat = frame("Matches", [
        ("M1", "P1", "I1", "C1", "100", "TRUE"), ("M2", "P2", "I2", "C1", "200", "TRUE"),
        ("M3", "P3", "I3", "C1", "300", "FALSE"),  # proposed, not applied: no observation
        ("M4", "P4", "I3", "C1", "300", "TRUE"),  # after the as-of date
    ], ["match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "applied"])
    out = payment_behaviour(inv, pay, mat, dt.date(2026, 2, 28), months=2)
    rows = out.to_dict("records")
    assert [(r["month"], r["currency"] if isinstance(r["currency"], str) else None) for r in rows] == \
        [("2026-01", None), ("2026-02", "EUR"), ("2026-02", "USD")]
    assert rows[0]["payments"] == 0
    assert rows[1]["applied"] == 10000 and rows[1]["median_days_late"] == 3 and rows[1]["payments"] == 1
    assert rows[2]["applied"] == 20000 and rows[2]["max_days_late"] == 10


def test_libreoffice_prints_the_view_landscape_with_its_amounts(wb, tmp_path):
    """The page as printed: LibreOffice renders the --out file to a landscape A4 PDF holding the amounts."""
    import subprocess

    import lo
    out = tmp_path / "c1.xlsx"
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF, "--out", str(out)]) == 0
    pdf = [p for p in lo.convert(out, "pdf", tmp_path / "pdf") if p.suffix == ".pdf"][0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = [float(x) for x in info.split("Page size:")[1].split("pts")[0].split(" x ")]
    assert width > height  # landscape
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Bakker Logistiek B.V." in text and "1,200.50" in text and "2026-08-31" in text
    assert REMIT in text  # shown as the text it is, not evaluated


def test_the_customers_handovers_with_what_was_recovered_and_transferred(wb):
    assert main(["handover", str(wb), "--customer", "C1", "--invoices", "2026-0001", "--to", "Incasso Noord B.V.",
                 "--on", "2026-11-01"]) == 0
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "200.00", "--costs", "30.00",
                 "--on", "2026-11-10"]) == 0
    assert main(["customer", str(wb), "C1", "--as-of", AS_OF]) == 0
    ho = records(sections(wb)["Handovers"])
    assert [(h["handover id"], h["to"], h["invoice ids"], h["amount"], h["status"], h["recovered"], h["costs"])
            for h in ho] == [("H-000001", "Incasso Noord B.V.", "2026-0001", 1200.5, "open", 200, 30)]
    assert main(["customer", str(wb), "C2", "--as-of", AS_OF]) == 0
    assert sections(wb)["Handovers"] == [["none"]]


# ------------------------------------------------------------------ as of a past day

PAST = "2026-10-15"
"""The day the views below are of: before the suite's today (2026-11-23, conftest), after some of the records."""


@pytest.fixture
def history(tmp_path):
    """C1's records as the workbook holds them today, some of them made or changed after ``PAST``:

    * PR-K (logged 10-01, due 10-25) kept by P-1 on 10-20; PR-B (logged 10-05, due 10-12, grace 3 days) broken
      since 10-16; PR-L logged 11-01;
    * D-000001 on 2026-0002, opened 10-01, resolved (credit note) 11-05; D-000002 on 2026-0003 opened 10-20;
      D-000003 on 2026-0005 opened 09-20, in review (a move the workbook does not date);
    * plan P-000001 on 2026-0004 (created 10-01 in Audit): 300.00 due 10-20 missed, 300.00 due 11-20; the plan broken;
    * handover H-000001 of 2026-0005 on 11-01; contacts on 10-02 and 10-20; reminders sent 10-01 and 10-20;
      payments P-0 (09-20, unapplied) and P-1 (10-20, paid 2026-0001)."""
    name = "Bakker Logistiek B.V."
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", name, "NL91ABNA0417164300", "NL", "nl", "Sanne")],
                   ["customer_id", "customer_name", "iban", "country", "language", "collector"]),
        Invoices=([
            ("2026-0001", "C1", name, "2026-08-01", "2026-09-01", "EUR", "500.00", "0", "paid"),
            ("2026-0002", "C1", name, "2026-08-15", "2026-09-15", "EUR", "300.00", "300.00", "open"),
            ("2026-0003", "C1", name, "2026-09-01", "2026-10-01", "EUR", "400.00", "400.00", "disputed"),
            ("2026-0004", "C1", name, "2026-09-10", "2026-10-10", "EUR", "600.00", "600.00", "open"),
            ("2026-0005", "C1", name, "2026-09-15", "2026-10-15", "EUR", "200.00", "200.00", "in legal"),
        ], INV_COLS),
        Payments=([
            ("P-0", "2026-09-20", "50.00", "EUR", "BAKKER", "NL91ABNA0417164300", "?", "50.00", "unapplied"),
            ("P-1", "2026-10-20", "500.00", "EUR", "BAKKER", "NL91ABNA0417164300", "2026-0001", "0", "applied"),
        ], ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
            "unapplied_amount", "status"]),
        Matches=([("M-1", "P-1", "2026-0001", "C1", "500.00", "auto", "TRUE")],
                 ["match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "decision", "applied"]),
        Promises=([
            ("PR-K", "C1", "2026-0001", "500.00", "EUR", "2026-10-25", "anna", "2026-10-01", "500.00", "kept"),
            ("PR-B", "C1", "2026-0003", "400.00", "EUR", "2026-10-12", "anna", "2026-10-05", "0", "broken"),
            ("PR-L", "C1", "2026-0002", "300.00", "EUR", "2026-11-30", "anna", "2026-11-01", "0", "open"),
        ], ["promise_id", "customer_id", "invoice_ids", "amount", "currency", "promised_date", "logged_by",
            "logged_on", "received", "status"]),
        Disputes=([
            ("D-000001", "C1", "2026-0002", "300.00", "EUR", "price", "Sales", "resolved - credit note", "2026-10-01",
             "2026-11-05", "credit note CN-9"),
            ("D-000002", "C1", "2026-0003", "400.00", "EUR", "quantity", "Sales", "open", "2026-10-20", "", ""),
            ("D-000003", "C1", "2026-0005", "200.00", "EUR", "price", "Sales", "in review", "2026-09-20", "", ""),
        ], ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status", "opened",
            "resolved", "resolution"]),
        Plans=([
            ("P-000001", "C1", "2026-0004", "1", "2026-10-20", "300.00", "0", "300.00", "missed", "broken"),
            ("P-000001", "C1", "2026-0004", "2", "2026-11-20", "300.00", "0", "300.00", "open", "broken"),
        ], ["plan_id", "customer_id", "invoice_ids", "installment_no", "due_date", "amount", "paid", "open", "status",
            "plan_status"]),
        Handovers=([("H-000001", "C1", "2026-0005", "Incasso Noord B.V.", "2026-11-01", "200.00", "EUR", "open")],
                   ["handover_id", "customer_id", "invoice_ids", "to", "handed_on", "amount", "currency", "status"]),
        Activities=([
            ("A-1", "2026-10-02 09:00", "anna", "C1", "call", "will pay", "2026-10-12"),
            ("A-2", "2026-10-20 10:00", "anna", "C1", "call", "promised again", "2026-11-01"),
        ], ["activity_id", "at", "user", "customer_id", "channel", "outcome", "next_action_date"]),
        Reminders=([
            ("R-1", "C1", name, "1", "friendly", "nl", "2026-10-01", "2026-0002", "EUR", "300.00", "0", "0", "0",
             "300.00"),
            ("R-2", "C1", name, "2", "firm", "nl", "2026-10-20", "2026-0002", "EUR", "300.00", "0", "0", "0",
             "300.00"),
        ], ["reminder_id", "customer_id", "customer_name", "level", "tone", "language", "sent_on", "items",
            "currency", "amount", "fee", "interest", "compensation", "total"]),
        Audit=([("2026-10-01 10:00", "anna", "create_plan", "run-1", "Plans", "P-000001", "created", "", "2026-10-01",
                 "create_plan")],
               ["timestamp", "user", "action", "run_id", "table", "key", "column", "old_value", "new_value", "rule"]),
    )


def test_promises_show_as_they_stood_on_the_as_of_day(history):
    assert main(["customer", str(history), "C1", "--as-of", PAST]) == 0
    s = sections(history)
    promises = {p["promise id"]: p for p in records(s["Promises"])}
    assert sorted(promises) == ["PR-B", "PR-K"]  # PR-L was logged on 11-01, after the day
    assert (promises["PR-K"]["status"], promises["PR-K"]["received"]) == ("open", 0)  # paid on 10-20, after it
    assert (promises["PR-B"]["status"], promises["PR-B"]["received"]) == ("open", 0)  # 10-12 + 3 days: still open
    items = {r["invoice id"]: r for r in records(s["Open items"])}
    assert items["2026-0003"]["state"] == "promised"  # D-000002 on it came on 10-20
    # as of today the same workbook shows them as they are now
    assert main(["customer", str(history), "C1", "--as-of", "2026-11-23"]) == 0
    promises = {p["promise id"]: p["status"] for p in records(sections(history)["Promises"])}
    assert promises == {"PR-K": "kept", "PR-B": "broken", "PR-L": "open"}


def test_disputes_show_as_they_stood_and_what_is_not_dated_is_said(history):
    assert main(["customer", str(history), "C1", "--as-of", PAST]) == 0
    s = sections(history)
    disputes = {d["dispute id"]: d for d in records(s["Disputes"])}
    assert sorted(disputes) == ["D-000001", "D-000003"]  # D-000002 was opened on 10-20
    d1 = disputes["D-000001"]  # resolved on 11-05: still open on the day, in a status the workbook does not date
    assert (d1["status"], d1["resolved"], d1["resolution"]) == ("not resolved", None, None)
    assert disputes["D-000003"]["status"] == "in review"
    items = {r["invoice id"]: r for r in records(s["Open items"])}
    assert (items["2026-0002"]["state"], items["2026-0002"]["disputed"]) == ("disputed", True)
    assert (items["2026-0005"]["state"], items["2026-0005"]["disputed"]) == ("disputed", True)  # handed over 11-01
    assert records(s["Balance"])[0]["disputed amount"] == 500
    notes = " ".join(r[0] for r in s["As of 2026-10-15"][1:])
    assert "D-000001 was resolved (resolved - credit note) on 2026-11-05: it shows not resolved" in notes
    assert "D-000003 is in review now, since a day not kept" in notes
    assert "today" in notes and "open amounts" in notes  # the open items are today's, aged to the day


def test_plans_contacts_reminders_handovers_and_payments_as_they_stood(history):
    assert main(["customer", str(history), "C1", "--as-of", PAST]) == 0
    s = sections(history)
    plan = records(s["Payment plans"])
    assert [(p["installment no."], p["paid"], p["status"], p["plan status"]) for p in plan] == \
        [(1, 0, "open", "active"), (2, 0, "open", "active")]  # 10-20 was not yet due
    items = {r["invoice id"]: r for r in records(s["Open items"])}
    assert items["2026-0004"]["state"] == "on plan"
    assert [c["outcome"] for c in records(s["Contacts"])] == ["will pay"]
    cust = {r[0]: (r[1] if len(r) > 1 else None) for r in s["Customer"][1:]}
    assert cust["last contact"] == dt.datetime(2026, 10, 2, 9, 0) and cust["last outcome"] == "will pay"
    assert cust["next action date"] == dt.datetime(2026, 10, 12)
    assert [r["reminder id"] for r in records(s["Reminders"])] == ["R-1"]
    assert s["Handovers"] == [["none"]]
    assert [p["payment id"] for p in records(s["Payments"])] == ["P-0"]  # P-1 came in on 10-20
    assert s["Matches"] == [["none"]]
    assert records(s["Balance"])[0]["unapplied cash"] == 50
    # nothing was changed but the Audit row of the view
    book = xlsx.load(history)
    assert set(book.get("Promises")["status"]) == {"kept", "broken", "open"}
    assert list(book.get("Plans")["status"]) == ["missed", "open"]


def test_write_offs_and_handovers_as_they_stood_and_what_they_do_not_date(tmp_path):
    """W-1 proposed 10-01 and booked 11-02 was awaiting approval on the day; W-2, rejected on a day the table does
    not keep, shows rejected and is named; H-1, handed over 10-01, reported 150.00 recovered later (undated in the
    table)."""
    name = "Bakker Logistiek B.V."
    wb = seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", name, "NL", "Sanne")], ["customer_id", "customer_name", "country", "collector"]),
        Invoices=([
            ("2026-0001", "C1", name, "2026-08-01", "2026-09-01", "EUR", "500.00", "500.00", "open"),
            ("2026-0002", "C1", name, "2026-08-15", "2026-09-15", "EUR", "300.00", "150.00", "in legal"),
        ], INV_COLS),
        WriteOffs=([
            ("W-1", "collector", "2026-0001", "C1", "EUR", "20.00", "20.00", "small balance", "anna", "2026-10-01",
             "booked", "Confirm", "lea", "lea", "2026-11-02"),
            ("W-2", "collector", "2026-0001", "C1", "EUR", "30.00", "30.00", "small balance", "anna", "2026-10-05",
             "rejected", "Reject", "lea", "", ""),
        ], ["writeoff_id", "source", "invoice_id", "customer_id", "currency", "amount", "amount_base", "reason",
            "proposed_by", "proposed_on", "status", "review", "reviewed_by", "approver", "booked_on"]),
        Handovers=([("H-1", "C1", "2026-0002", "Incasso Noord B.V.", "2026-10-01", "300.00", "EUR", "open",
                     "150.00")],
                   ["handover_id", "customer_id", "invoice_ids", "to", "handed_on", "amount", "currency", "status",
                    "recovered"]),
    )
    assert main(["customer", str(wb), "C1", "--as-of", PAST]) == 0
    s = sections(wb)
    w = {r["write-off id"]: r for r in records(s["Write-offs"])}
    assert (w["W-1"]["status"], w["W-1"]["approver"], w["W-1"]["booked on"]) == ("awaiting approval", None, None)
    assert w["W-2"]["status"] == "rejected"
    assert [(h["handover id"], h["recovered"]) for h in records(s["Handovers"])] == [("H-1", 150)]
    notes = " ".join(r[0] for r in s["As of 2026-10-15"][1:])
    assert "W-2 is rejected now, since a day not kept" in notes and "W-1" not in notes
    assert "H-1 shows its recovered amount as of today (not dated in the table)" in notes

"""Handing items over to a collection agency, as a credit controller and the agency check it: the items' state,
no reminder and no worklist row for them, the pack the agency gets (the statement through pdftotext, the
workbook through openpyxl: what each cell holds), recoveries lowering open amounts to the cent, bad input named
with nothing changed, and the ribbon button on xlwings' remote engine.  The day is pinned by conftest
(2026-11-23); every date is given."""
from __future__ import annotations

import datetime as dt
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest

from ar_xl.actions import remind as remind_action
from ar_xl.actions import worklist as worklist_action
from ar_xl.cli import main
from ar_xl.engine import states
from ar_xl.workbook import xlsx
from ar_xl import schema
from ar_xl.letters import handover_pack
from helpers import names as canonical, seeded
from test_macros import _remote_engine  # noqa: F401  (autouse: the ribbon test runs on xlwings' remote engine)

ON = "2026-11-23"
AGENCY = "Incasso Noord B.V."
BAKKER = "Bakker Logistiek B.V."
PACK = f"handover_H-000001_C1_{ON}.zip"

INVOICES = ([
    ("2026-0001", "C1", BAKKER, "2026-07-01", "2026-07-31", "EUR", "1200.50", "1200.50", "open"),
    ("2026-0002", "C1", BAKKER, "2026-08-01", "2026-08-31", "EUR", "300.00", "300.00", ""),
    ("2026-0003", "C1", BAKKER, "2026-10-01", "2026-10-31", "EUR", "450.25", "450.25", "open"),
    ("CN-0001", "C1", BAKKER, "2026-10-05", "2026-10-05", "EUR", "-20.00", "-20.00", "open"),
    ("2026-0004", "C2", "Spedition Kühn GmbH", "2026-08-01", "2026-08-31", "EUR", "800.00", "800.00", "open"),
], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount", "open_amount",
    "status"])

CUSTOMERS = ([("C1", BAKKER, "en", "ap@bakker.example", "NL", "Sanne"),
              ("C2", "Spedition Kühn GmbH", "de", "", "DE", "Markus")],
             ["customer_id", "customer_name", "language", "email", "country", "collector"])

ACTIVITIES = ([
    ("A-000001", dt.datetime(2026, 10, 1, 10, 0), "sanne", "C1", "call", "promised to pay by 15 October", "2026-10-15"),
    ("A-000002", dt.datetime(2026, 10, 2, 11, 0), "markus", "C2", "call", "no answer", ""),
    ("A-000003", dt.datetime(2026, 11, 2, 9, 30), "sanne", "C1", "email", "=HYPERLINK(\"http://x.example\")", ""),
], ["activity_id", "at", "user", "customer_id", "channel", "outcome", "next_action_date"])

DISPUTES = ([("D-000001", "C1", "2026-0003", "50.00", "EUR", "price", "Sales", "resolved - rejected", "2026-11-01",
              "2026-11-15", "2026-11-10")],
            ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status", "opened",
             "sla_due", "resolved"])

AUDIT = ([
    (dt.datetime(2026, 11, 1, 9, 0), "sanne", "dispute", "r1", "Disputes", "D-000001", "status", "", "open", "add"),
    (dt.datetime(2026, 11, 10, 14, 0), "anna", "dispute", "r2", "Disputes", "D-000001", "status", "open", "resolved - rejected",
     "price list was right"),
    (dt.datetime(2026, 11, 10, 14, 0), "anna", "match", "r3", "Matches", "M-1", "review", "", "Confirm", ""),
], ["timestamp", "user", "action", "run_id", "table", "key", "column", "old_value", "new_value", "rule"])


@pytest.fixture
def wb(tmp_path):
    letters = tmp_path / "reminders"
    letters.mkdir()
    (letters / "R-000001_C1_level1.pdf").write_bytes(b"%PDF-1.4 the first reminder")
    reminders = ([
        ("R-000001", "C1", BAKKER, 1, "friendly", "en", "2026-09-10", "2026-0001", "EUR", "1200.50", "0", "1200.50",
         str(letters / "R-000001_C1_level1.pdf")),
        ("R-000002", "C1", BAKKER, 2, "firm", "en", "2026-10-10", "2026-0001; 2026-0002", "EUR", "1500.50", "0",
         "1500.50", str(letters / "R-000002_C1_level2.pdf")),  # its file was deleted since
        ("R-000003", "C2", "Spedition Kühn GmbH", 1, "friendly", "de", "2026-10-01", "2026-0004", "EUR", "800.00", "0",
         "800.00", ""),
    ], ["reminder_id", "customer_id", "customer_name", "level", "tone", "language", "sent_on", "items", "currency",
        "amount", "fee", "total", "file"])
    plans = ([("P-000001", "C1", "2026-0001", 1, "2026-11-10", "1200.50", "1200.50", "0", "0", "0.00", "1200.50",
               "missed", "broken")],
             ["plan_id", "customer_id", "invoice_ids", "installment_no", "due_date", "amount", "principal", "interest",
              "remaining_balance", "paid", "open", "status", "plan_status"])
    return seeded(tmp_path / "collections.xlsx", Invoices=INVOICES, Customers=CUSTOMERS, Activities=ACTIVITIES,
                  Disputes=DISPUTES, Audit=AUDIT, Reminders=reminders, Plans=plans)


def _hand_over(wb, *more, invoices="2026-0001,2026-0002"):
    args = ["handover", str(wb), "--customer", "C1", "--to", AGENCY, "--on", ON, *more]
    if invoices:
        args += ["--invoices", invoices]
    return main(args)


def _invoices(path):
    return xlsx.load(path).get("Invoices").set_index("invoice_id")


def pdf_text(data: bytes, tmp_path) -> str:
    p = tmp_path / "statement-from-pack.pdf"
    p.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", "-layout", str(p), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())


# ------------------------------------------------------------------ the handover

def test_the_items_go_in_legal_and_it_is_logged(wb, capsys):
    assert _hand_over(wb) == 0
    out = capsys.readouterr()
    assert "handover H-000001: C1 Bakker Logistiek B.V., 2 invoice(s), EUR 1,500.50" in out.out
    book = xlsx.load(wb)
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.loc["2026-0001", "status"] == "in legal" and inv.loc["2026-0002", "status"] == "in legal"
    assert inv.loc["2026-0003", "status"] == "open" and inv.loc["2026-0001", "open_amount"] == 120050
    ho = book.get("Handovers").set_index("handover_id").loc["H-000001"]
    assert (ho["customer_id"], ho["invoice_ids"], ho["to"], ho["handed_on"], ho["amount"], ho["currency"],
            ho["status"], ho["recovered"], ho["costs"]) == (
        "C1", "2026-0001; 2026-0002", AGENCY, pd.Timestamp(ON), 150050, "EUR", "open", 0, 0)
    assert ho["pack"] == str(wb.parent / PACK)
    act = book.get("Activities").set_index("activity_id").loc["A-000004"]
    assert (act["customer_id"], act["channel"]) == ("C1", "letter")
    assert act["outcome"] == f"handed over to {AGENCY} (H-000001): 2 invoice(s), EUR 1,500.50"
    audit = book.get("Audit")
    mine = audit[audit["action"] == "handover"]
    assert set(zip(mine["table"], mine["key"])) >= {("Handovers", "H-000001"), ("Activities", "A-000004"),
                                                   ("Invoices", "2026-0001"), ("Invoices", "2026-0002")}
    status = mine[(mine["table"] == "Invoices") & (mine["key"] == "2026-0002")].iloc[0]
    assert (status["column"], status["new_value"]) == ("status", "in legal")
    # the reminder letter that is gone is named, the pack is written anyway
    assert "R-000002" in out.err and "not there" in out.err


def test_the_pack_holds_the_statement_and_every_part_as_cells(wb, tmp_path):
    assert _hand_over(wb) == 0
    with zipfile.ZipFile(wb.parent / PACK) as z:
        names = z.namelist()
        assert names == [f"statement_C1_{ON}.pdf", "handover_H-000001.xlsx", "reminders/R-000001_C1_level1.pdf"]
        statement = pdf_text(z.read(names[0]), tmp_path)
        assert z.read(names[2]) == b"%PDF-1.4 the first reminder"
        (tmp_path / "pack.xlsx").write_bytes(z.read(names[1]))
    for shown in ("2026-0001", "2026-0002", "2026-0003", "CN-0001", "1,200.50", "300.00", "450.25", "1,930.75"):
        assert shown in statement, shown
    assert "2026-0004" not in statement  # another customer's
    w = openpyxl.load_workbook(tmp_path / "pack.xlsx")
    assert w.sheetnames == ["Handover", "Items", "Reminders", "Contacts", "Disputes", "Dispute history"]
    head = {w["Handover"].cell(r, 1).value: w["Handover"].cell(r, 2).value for r in range(1, 10)}
    assert head["Handed over to"] == AGENCY and head["Amount open"] == 1500.5
    assert head["Handed over on"] == dt.datetime(2026, 11, 23)

    def rows(name):  # by canonical name: the pack shows the workbook's human headers
        ws = w[name]
        header = canonical(handover_pack.PART_TABLES[name], [c.value for c in ws[1]])
        assert [c.value for c in ws[1]][0] == schema.table(handover_pack.PART_TABLES[name]).columns[0].header
        return [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2)], ws

    items, _ = rows("Items")
    assert [(r["invoice_id"], r["open_amount"], r["due_date"]) for r in items] == [
        ("2026-0001", 1200.5, dt.datetime(2026, 7, 31)), ("2026-0002", 300.0, dt.datetime(2026, 8, 31))]
    rem, _ = rows("Reminders")
    assert [(r["reminder_id"], r["level"], r["sent_on"], r["total"]) for r in rem] == [
        ("R-000001", 1, dt.datetime(2026, 9, 10), 1200.5), ("R-000002", 2, dt.datetime(2026, 10, 10), 1500.5)]
    contacts, ws = rows("Contacts")
    assert [(r["activity_id"], r["at"], r["outcome"]) for r in contacts] == [
        ("A-000001", dt.datetime(2026, 10, 1, 10, 0), "promised to pay by 15 October"),
        ("A-000003", dt.datetime(2026, 11, 2, 9, 30), "=HYPERLINK(\"http://x.example\")")]
    formula_like = ws.cell(3, canonical("Activities", [c.value for c in ws[1]]).index("outcome") + 1)
    assert formula_like.data_type == "s"  # text, never a formula
    disputes, _ = rows("Disputes")
    assert [(r["dispute_id"], r["invoice_ids"], r["amount"], r["status"]) for r in disputes] == [
        ("D-000001", "2026-0003", 50.0, "resolved - rejected")]
    history, _ = rows("Dispute history")
    assert [(r["timestamp"], r["new_value"], r["rule"]) for r in history] == [
        (dt.datetime(2026, 11, 1, 9, 0), "open", "add"),
        (dt.datetime(2026, 11, 10, 14, 0), "resolved - rejected", "price list was right")]


def test_a_handover_dated_before_an_invoice_was_issued_leaves_it_out(wb, tmp_path, capsys):
    # 2026-0003 (1 October) and the credit note (5 October) did not exist yet on 15 September
    assert main(["handover", str(wb), "--customer", "C1", "--to", AGENCY, "--on", "2026-09-15"]) == 0
    assert "2 invoice(s), EUR 1,500.50 (2026-0001; 2026-0002)" in capsys.readouterr().out
    inv = _invoices(wb)
    assert inv.loc["2026-0003", "status"] == "open" and inv.loc["2026-0001", "status"] == "in legal"
    ho = xlsx.load(wb).get("Handovers").iloc[0]
    assert (ho["invoice_ids"], ho["amount"]) == ("2026-0001; 2026-0002", 150050)
    with zipfile.ZipFile(wb.parent / "handover_H-000001_C1_2026-09-15.zip") as z:
        statement = pdf_text(z.read("statement_C1_2026-09-15.pdf"), tmp_path)
    assert "2026-0001" in statement and "2026-0002" in statement
    assert "2026-0003" not in statement and "CN-0001" not in statement


def test_no_reminder_and_no_worklist_row_for_items_in_legal(wb):
    day = dt.date(2026, 11, 23)
    before = remind_action.plan_letters(xlsx.load(wb), day, ["C1"])
    listed = {i for lt in before.letters for i in lt.items["invoice_id"]}
    assert {"2026-0001", "2026-0002", "2026-0003"} <= listed
    wl = worklist_action.table(xlsx.load(wb), day).set_index("customer_id")
    assert wl.loc["C1", "oldest_invoice_id"] == "2026-0001" and "installment 1 of plan P-000001 missed" in wl.loc["C1", "reason"]

    assert _hand_over(wb) == 0
    book = xlsx.load(wb)
    after = remind_action.plan_letters(book, day, ["C1"])
    listed = {i for lt in after.letters for i in lt.items["invoice_id"]}
    assert "2026-0001" not in listed and "2026-0002" not in listed and "2026-0003" in listed
    said = {(iid, why) for c, iid, why in after.skipped}  # a run for the customer says why they are left out
    legal = "in legal (with an agency or lawyer)"
    assert {("2026-0001", legal), ("2026-0002", legal)} <= said
    row = worklist_action.table(book, day).set_index("customer_id").loc["C1"]
    # only what is not handed over: 2026-0003 (450.25) less the credit note
    assert (row["oldest_invoice_id"], row["overdue_amount"]) == ("2026-0003", 45025)

    assert _hand_over(wb, invoices="") == 0  # the rest: every open invoice not handed over yet
    book = xlsx.load(wb)
    assert book.get("Handovers").set_index("handover_id").loc["H-000002", "invoice_ids"] == "2026-0003"
    assert not any(lt.customer_id == "C1" for lt in remind_action.plan_letters(book, day).letters)
    # nor does the installment missed on a handed-over invoice list the customer: the agency collects it now
    assert "C1" not in set(worklist_action.table(book, day)["customer_id"])


def test_a_handover_row_counts_before_any_status_follows_it(wb):
    """A Handovers row a person typed: reminders and the worklist leave its items out at once."""
    assert _hand_over(wb) == 0
    book = xlsx.load(wb)
    inv = book.get("Invoices").copy()
    inv["status"] = "open"
    book.tables["Invoices"] = inv
    day = dt.date(2026, 11, 23)
    listed = {i for lt in remind_action.plan_letters(book, day, ["C1"]).letters for i in lt.items["invoice_id"]}
    assert listed == {"2026-0003"}
    assert worklist_action.table(book, day).set_index("customer_id").loc["C1", "oldest_invoice_id"] == "2026-0003"


def test_a_closed_handover_gives_the_items_back_and_a_typed_legal_stays():
    inv = pd.DataFrame({"invoice_id": ["I1", "I2", "I3"], "status": ["in legal", "legal", "in legal"],
                        "open_amount": [100, 100, 0]})
    ho = pd.DataFrame({"handover_id": ["H-000001"], "invoice_ids": ["I1; I2; I3"], "status": ["open"]})
    assert list(states.derive(inv, handovers=ho)) == ["in legal", "legal", "paid"]
    ho["status"] = "closed"
    assert list(states.derive(inv, handovers=ho)) == ["open", "legal", "paid"]


# ------------------------------------------------------------------ what the agency reports back

def test_a_recovery_lowers_the_open_amounts_oldest_first(wb, capsys):
    assert _hand_over(wb) == 0
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "1300.00", "--costs", "75.00",
                 "--on", "2026-12-01"]) == 0
    assert "2026-0001 1,200.50 -> 0.00, 2026-0002 300.00 -> 200.50" in capsys.readouterr().out
    book = xlsx.load(wb)
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["2026-0001", "open_amount"], inv.loc["2026-0001", "status"]) == (0, "paid")
    assert (inv.loc["2026-0002", "open_amount"], inv.loc["2026-0002", "status"]) == (20050, "in legal")
    assert inv.loc["2026-0003", "open_amount"] == 45025
    ho = book.get("Handovers").set_index("handover_id").loc["H-000001"]
    assert (ho["recovered"], ho["costs"], ho["status"]) == (130000, 7500, "open")
    audit = book.get("Audit")
    rec = audit[(audit["action"] == "handover_record") & (audit["table"] == "Invoices")]
    assert list(zip(rec["key"], rec["column"], rec["old_value"], rec["new_value"])) == [
        ("2026-0001", "open_amount", "1,200.50", "0.00"), ("2026-0002", "open_amount", "300.00", "200.50"),
        ("2026-0001", "status", "in legal", "paid")]
    rec = rec[rec["column"] == "open_amount"]
    assert set(rec["rule"]) == {"recovery H-000001 reported on 2026-12-01"}
    costs = audit[(audit["action"] == "handover_record") & (audit["table"] == "Handovers")]
    assert list(zip(costs["column"], costs["old_value"], costs["new_value"])) == [
        ("recovered", "0.00", "1,300.00"), ("costs", "0.00", "75.00"),
        ("recovered_items", "", "2026-0001: 1200.50; 2026-0002: 99.50")]  # what each invoice recovered

    before = wb.read_bytes()
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "200.51"]) == 2
    assert "200.51 recovered is more than its invoices have open (200.50)" in capsys.readouterr().err
    assert wb.read_bytes() == before

    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "200.50"]) == 0
    book = xlsx.load(wb)
    ho = book.get("Handovers").set_index("handover_id").loc["H-000001"]
    assert (ho["recovered"], ho["status"]) == (150050, "recovered")
    assert ho["recovered_items"] == "2026-0001: 1200.50; 2026-0002: 300.00"
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0002", "open_amount"] == 0


def test_a_note_given_with_a_recovery_comes_after_the_note_on_the_row(wb):
    assert _hand_over(wb, "--note", "sent by post") == 0
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "100.00", "--on", "2026-12-01",
                 "--note", "report of 1 Dec"]) == 0
    w = openpyxl.load_workbook(wb)  # a person adds to the note in Excel meanwhile
    ws = w["Handovers"]
    note = [c.value for c in ws[1]].index("Note") + 1
    assert ws.cell(2, note).value == "sent by post; report of 1 Dec"
    ws.cell(2, note, "sent by post; report of 1 Dec; agency called back")
    w.save(wb)
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "10.00", "--on", "2026-12-02",
                 "--note", "second report"]) == 0
    book = xlsx.load(wb)
    ho = book.get("Handovers").set_index("handover_id").loc["H-000001"]
    assert ho["note"] == "sent by post; report of 1 Dec; agency called back; second report"
    assert ho["recovered"] == 11000
    audit = book.get("Audit")
    said = audit[(audit["table"] == "Handovers") & (audit["column"] == "note")]
    assert list(said["new_value"]) == ["sent by post; report of 1 Dec",
                                       "sent by post; report of 1 Dec; agency called back; second report"]


def _erp_export(path, open_amounts: dict) -> None:
    """The ERP's open items of INVOICES as a CSV, with these open amounts (an invoice at 0 left out)."""
    rows = [(i, c, n, d, due, cur, a, f"{open_amounts.get(i, int(float(o) * 100)) / 100:.2f}")
            for i, c, n, d, due, cur, a, o, _ in INVOICES[0]]
    lines = ["invoice_id,customer_id,customer_name,invoice_date,due_date,currency,amount,open_amount"]
    lines += [",".join(f'"{v}"' for v in r) for r in rows if float(r[-1]) != 0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_recovery_the_erp_has_not_booked_survives_an_erp_sync(wb, tmp_path, capsys):
    # the agency recovered 1,300.00 (2026-0001 paid, 99.50 of 2026-0002); the next morning's export still shows
    # the ERP's 1,200.50 and 300.00: the sync keeps the recovery off them, as it keeps applied cash
    assert _hand_over(wb) == 0
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "1300.00", "--on", ON]) == 0
    export = tmp_path / "open_items.csv"
    _erp_export(export, {})
    assert main(["sync", str(wb), "--invoices", str(export), "--as-of", ON]) == 0
    inv = xlsx.load(wb).get("Invoices").set_index("invoice_id")
    assert (inv.loc["2026-0001", "open_amount"], inv.loc["2026-0002", "open_amount"]) == (0, 20050)
    assert xlsx.load(wb).get("Handovers")["recovered_in_erp"].fillna("").tolist() == [""]
    # the ERP books it: 2026-0001 gone from the export, 2026-0002 at 200.50; marked booked, never counted again
    _erp_export(export, {"2026-0001": 0, "2026-0002": 20050})
    capsys.readouterr()
    assert main(["sync", str(wb), "--invoices", str(export), "--as-of", ON]) == 0
    assert "2 applied match(es) now booked in ERP" in capsys.readouterr().out
    book = xlsx.load(wb)
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["2026-0001", "open_amount"], inv.loc["2026-0002", "open_amount"]) == (0, 20050)
    assert book.get("Handovers")["recovered_in_erp"].tolist() == ["2026-0001: 1200.50; 2026-0002: 99.50"]
    # a credit note of 50.00 in the ERP on top: the ERP's amount
    _erp_export(export, {"2026-0001": 0, "2026-0002": 15050})
    assert main(["sync", str(wb), "--invoices", str(export), "--as-of", ON]) == 0
    assert xlsx.load(wb).get("Invoices").set_index("invoice_id").loc["2026-0002", "open_amount"] == 15050


def test_a_broken_recovered_items_cell_is_named_and_the_sync_changes_nothing(wb, tmp_path, capsys):
    assert _hand_over(wb) == 0
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "100.00", "--on", ON]) == 0
    w = openpyxl.load_workbook(wb)
    ws = w["Handovers"]
    col = [c.value for c in ws[1]].index("Recovered items") + 1
    ws.cell(2, col).value = "2026-0001: 1OO,00"  # letters O typed for zeros
    w.save(wb)
    before = wb.read_bytes()
    export = tmp_path / "open_items.csv"
    _erp_export(export, {})
    assert main(["sync", str(wb), "--invoices", str(export), "--as-of", ON]) == 2
    assert "sheet Handovers, row 2, column Recovered items (recovered_items): handover H-000001: not an amount" \
        in capsys.readouterr().err
    assert wb.read_bytes() == before
    # recording another recovery on it is refused the same way
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "10.00", "--on", ON]) == 2
    assert "column Recovered items (recovered_items): handover H-000001: not an amount" in capsys.readouterr().err
    assert wb.read_bytes() == before


def test_a_payment_on_a_handed_over_invoice_says_to_whom_it_went(wb):
    # the customer pays the rest of 2026-0002 to us directly: applied, flagged, and the row says the agency has it
    from ar_xl import frames
    from ar_xl.engine import matching
    assert _hand_over(wb) == 0
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "1300.00", "--on", ON]) == 0
    book = xlsx.load(wb)
    pay = frames.coerce(pd.DataFrame({"payment_id": ["P1"], "value_date": [ON], "amount": ["200.50"],
                                      "currency": ["EUR"], "payer_name": [BAKKER],
                                      "remittance": ["Invoice 2026-0002"]}), "Payments", "test")
    res = matching.match(pay, book.get("Invoices"), book.get("Customers"), book.config,
                         handovers=book.get("Handovers"))
    r = res.iloc[0]
    assert (r["invoice_id"], int(r["applied_amount"]), r["decision"]) == ("2026-0002", 20050, "auto")
    assert "handed over" in r["flags"].split(";")
    assert "2026-0002 handed over to Incasso Noord B.V. (H-000001, 99.50 recovered so far): tell the agency" \
        in r["evidence"]
    # closed (taken back): nothing said
    ho = book.get("Handovers").assign(status="closed")
    res = matching.match(pay, book.get("Invoices"), book.get("Customers"), book.config, handovers=ho)
    assert "handed over" not in res["flags"].iloc[0] and "Incasso" not in res["evidence"].iloc[0]


def _with_agency_payment(wb, amount="425.00", currency="EUR"):
    """The agency's bank transfer of what it recovered on 2026-0001, net of its costs, imported into Payments."""
    from ar_xl.book import Change
    from helpers import frame
    book = xlsx.load(wb)
    change = Change("seed")
    change.tables["Payments"] = frame("Payments", [
        ("P-AG1", "2026-12-03", amount, currency, "INCASSO NOORD BV", "NL02ABNA0123456789",
         "Afdracht dossier 2026-0001 Bakker Logistiek")],
        ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance"])
    xlsx.save(book, change)


def _recording_it_again_is_refused(wb, capsys, handover_id):
    """P-AG1, used up, recorded on ``handover_id`` again: refused by name, nothing changes."""
    before = wb.read_bytes()
    assert main(["handover", str(wb), "--record", handover_id, "--payment", "P-AG1"]) == 2
    err = capsys.readouterr().err
    assert f"payment P-AG1 is already recorded on handover {handover_id}" in err
    assert "payment P-AG1 has nothing left to apply" in err
    assert wb.read_bytes() == before


def test_the_agencys_transfer_is_recorded_on_the_handover_not_applied_to_the_invoices(wb, capsys):
    from ar_xl.engine import dashboard
    assert _hand_over(wb) == 0
    _with_agency_payment(wb)
    # Match reads it as the agency's: never applied to the handed-over invoice it names, and says how to record it
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    assert set(m["payment_id"]) == {"P-AG1"} and not m["applied"].any()
    assert set(m["decision"]) <= {"suggested", "unmatched"}
    assert all("collection agency" in f.split(";") for f in m["flags"])
    assert all("the payer is Incasso Noord B.V., the collection agency of H-000001" in e and
               "(handover --record H-000001 --payment P-AG1), do not apply it to invoices" in e for e in m["evidence"])
    capsys.readouterr()
    # the agency reports 500.00 recovered, 75.00 costs, and transferred the 425.00 net
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "500.00", "--costs", "75.00",
                 "--payment", "P-AG1", "--on", "2026-12-03"]) == 0
    out = capsys.readouterr().out
    assert "payment P-AG1 (425.00) recorded as the agency's transfer: 425.00 of 500.00 recovered transferred" in out
    book = xlsx.load(wb)
    pay = book.get("Payments").set_index("payment_id").loc["P-AG1"]
    assert (pay["unapplied_amount"], pay["status"]) == (0, "applied")
    ho = book.get("Handovers").set_index("handover_id").loc["H-000001"]
    assert (ho["recovered"], ho["costs"], ho["transferred"], ho["payments"]) == (50000, 7500, 42500, "P-AG1")
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["2026-0001", "open_amount"], inv.loc["2026-0002", "open_amount"]) == (70050, 30000)
    assert not len(book.get("Matches"))  # its suggestions withdrawn (in Audit)
    audit = book.get("Audit")
    withdrawn = audit.loc[(audit["table"] == "Matches") & (audit["new_value"] == "withdrawn"), "key"]
    assert set(withdrawn) == set(m["match_id"])
    assert dashboard.unapplied_cash(book.get("Payments"), book.config) == 0  # no longer unapplied cash
    # the next Match has nothing to do with it
    assert main(["match", str(wb)]) == 0
    assert not len(xlsx.load(wb).get("Matches"))
    _recording_it_again_is_refused(wb, capsys, "H-000001")


def test_a_transfer_from_the_agency_naming_an_invoice_with_its_exact_amount_is_never_applied(wb):
    assert _hand_over(wb) == 0
    _with_agency_payment(wb, "1200.50")  # the open amount of 2026-0001, which the remittance names
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    assert list(zip(m["invoice_id"], m["decision"], m["applied"])) == [("2026-0001", "suggested", False)]
    # once the handover is closed (the items taken back), its agency is a payer like any other
    w = openpyxl.load_workbook(wb)
    from helpers import header_cells
    top, cols = header_cells(w["Handovers"])
    w["Handovers"].cell(top + 1, cols.index("status") + 1).value = "closed"
    w.save(wb)
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    assert list(zip(m["invoice_id"], m["decision"], m["applied"])) == [("2026-0001", "auto", True)]


def test_a_closed_handover_still_takes_the_transfer_of_what_the_agency_recovered_before(wb, capsys):
    assert _hand_over(wb) == 0
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "500.00", "--on", "2026-12-01"]) == 0
    w = openpyxl.load_workbook(wb)
    from helpers import header_cells
    top, cols = header_cells(w["Handovers"])
    w["Handovers"].cell(top + 1, cols.index("status") + 1).value = "closed"  # the items taken back
    w.save(wb)
    _with_agency_payment(wb)
    assert main(["match", str(wb)]) == 0  # the agency still owes the 500.00: its payment is no invoice's
    m = xlsx.load(wb).get("Matches")
    assert not m["applied"].any() and all("collection agency" in f.split(";") for f in m["flags"])
    capsys.readouterr()
    before = wb.read_bytes()
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "10.00"]) == 2
    assert "handover H-000001 is closed: it takes no new recovery or costs" in capsys.readouterr().err
    assert wb.read_bytes() == before
    assert main(["handover", str(wb), "--record", "H-000001", "--payment", "P-AG1", "--on", "2026-12-03"]) == 0
    book = xlsx.load(wb)
    ho = book.get("Handovers").set_index("handover_id").loc["H-000001"]
    assert (ho["status"], ho["recovered"], ho["transferred"], ho["payments"]) == ("closed", 50000, 42500, "P-AG1")
    pay = book.get("Payments").set_index("payment_id").loc["P-AG1"]
    assert (pay["unapplied_amount"], pay["status"]) == (0, "applied")
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.loc["2026-0001", "open_amount"] == 70050  # the recovery lowered it once, the transfer not again


@pytest.mark.parametrize("args, amount, currency, message", [
    (["--payment", "P-AG9"], "425.00", "EUR", "payment P-AG9 is not in the Payments table"),
    (["--payment", "  "], "425.00", "EUR", "give the amount recovered (--recovered), the costs (--costs) or the "
                                            "agency's transfer (--payment)"),
    (["--payment", "P-AG1"], "425.00", "EUR",
     "handover H-000001 has no recovery the agency has not transferred yet (0.00 of 0.00 recovered transferred)"),
    (["--recovered", "500.00", "--payment", "P-AG1"], "425.00", "GBP",
     "payment P-AG1 is in GBP, handover H-000001 in EUR"),
])
def test_an_agency_transfer_that_does_not_fit_is_refused_and_nothing_changes(wb, capsys, args, amount, currency,
                                                                             message):
    assert _hand_over(wb) == 0
    _with_agency_payment(wb, amount, currency)
    capsys.readouterr()
    before = wb.read_bytes()
    assert main(["handover", str(wb), "--record", "H-000001", *args]) == 2
    assert message in capsys.readouterr().err
    assert wb.read_bytes() == before


def test_one_transfer_for_two_handovers_is_shared_between_them(wb, capsys):
    # the agency transfers 1,000.00 for two debtors: 500.00 recovered on H-000001 (C1), 600.00 on H-000002 (C2)
    assert _hand_over(wb) == 0
    assert main(["handover", str(wb), "--customer", "C2", "--to", AGENCY, "--on", ON]) == 0
    _with_agency_payment(wb, "1000.00")
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "500.00", "--payment", "P-AG1"]) == 0
    assert "500.00 of the payment left for the agency's other handovers" in capsys.readouterr().out
    pay = xlsx.load(wb).get("Payments").set_index("payment_id").loc["P-AG1"]
    assert (pay["unapplied_amount"], pay["status"]) == (50000, "partly applied")
    # the rest is H-000002's: Match says it is recorded on H-000001 (and no longer how to record it there) ...
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    assert len(m) and not m["applied"].any() and all("collection agency" in f.split(";") for f in m["flags"])
    assert all("P-AG1 is recorded on handover H-000001 as the transfer of its collection agency Incasso Noord B.V.: "
               "what is left of it is for the agency's other handovers, do not apply it to invoices" in e
               and "--record H-000002 --payment P-AG1" in e and "--record H-000001" not in e for e in m["evidence"])
    # ... and a Confirm typed on it is refused, naming the handover still to record it on
    row = _confirm_first_match_row(wb)
    capsys.readouterr()
    assert main(["apply", str(wb)]) == 0
    assert (f"refused 1: Matches row {row['match_id']}: payment P-AG1 is recorded on handover H-000001 as the "
            "collection agency's transfer: it is not applied to invoices; what is left of it (500.00) is for the "
            "agency's other handovers: ar-xl handover collections.xlsx --record H-000002 --payment P-AG1 --recovered "
            "AMOUNT") in capsys.readouterr().out
    assert xlsx.load(wb).get("Payments").set_index("payment_id").loc["P-AG1", "unapplied_amount"] == 50000
    # nor is it allocated to an invoice as unapplied cash
    before = wb.read_bytes()
    assert main(["credits", str(wb), "--allocate", "P-AG1", "--to", "2026-0003:100.00"]) == 2
    assert "credits --allocate P-AG1: payment P-AG1 is recorded on handover H-000001 as the collection agency's " \
           "transfer: it is not applied to invoices" in capsys.readouterr().err
    assert wb.read_bytes() == before
    assert main(["handover", str(wb), "--record", "H-000002", "--recovered", "600.00", "--payment", "P-AG1"]) == 0
    book = xlsx.load(wb)
    pay = book.get("Payments").set_index("payment_id").loc["P-AG1"]
    assert (pay["unapplied_amount"], pay["status"]) == (0, "applied")
    ho = book.get("Handovers").set_index("handover_id")
    assert list(zip(ho["recovered"], ho["transferred"], ho["payments"])) == [(50000, 50000, "P-AG1"),
                                                                             (60000, 50000, "P-AG1")]
    _recording_it_again_is_refused(wb, capsys, "H-000002")


def _confirm_first_match_row(wb):
    """A person types Confirm on the first Matches row (what match proposed for the agency's transfer)."""
    from helpers import header_cells
    m = xlsx.load(wb).get("Matches")
    w = openpyxl.load_workbook(wb)
    top, cols = header_cells(w["Matches"])
    w["Matches"].cell(top + 1, cols.index("review") + 1).value = "Confirm"
    w["Matches"].cell(top + 1, cols.index("reviewed_by") + 1).value = "Sanne"
    w.save(wb)
    return m.iloc[0]


@pytest.mark.parametrize("recovered_first", [False, True])
def test_a_confirm_on_the_agencys_transfer_is_refused_once_and_says_how_to_record_it(wb, capsys, recovered_first):
    assert _hand_over(wb) == 0
    if recovered_first:  # the agency reported its recovery before its transfer came in
        assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "500.00", "--costs", "75.00",
                     "--on", "2026-12-01"]) == 0
    _with_agency_payment(wb)  # P-AG1, 425.00 from Incasso Noord, naming 2026-0001
    assert main(["match", str(wb)]) == 0
    row = _confirm_first_match_row(wb)
    assert (row["payment_id"], row["invoice_id"]) == ("P-AG1", "2026-0001")
    assert "collection agency" in row["flags"].split(";")
    open_before = 70050 if recovered_first else 120050
    capsys.readouterr()
    # apply refuses the Confirm: nothing applied, the row as the person left it, and says what to do instead
    assert main(["apply", str(wb)]) == 0
    out = capsys.readouterr().out
    command = "ar-xl handover collections.xlsx --record H-000001 --payment P-AG1"
    if not recovered_first:
        command += " --recovered AMOUNT"
    assert (f"refused 1: Matches row {row['match_id']}: payment P-AG1 is from Incasso Noord B.V., the collection "
            f"agency of handover H-000001: its transfer pays the handover's recovery, not invoices; record it on "
            f"the handover: {command}") in out
    book = xlsx.load(wb)
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0001", "open_amount"] == open_before
    assert book.get("Payments").set_index("payment_id").loc["P-AG1", "unapplied_amount"] == 42500
    r = book.get("Matches").set_index("match_id").loc[row["match_id"]]
    assert (r["review"], r["reviewed_by"], bool(r["applied"]), r["applied_amount"]) == (
        "Confirm", "Sanne", False, row["applied_amount"])
    assert "refused" in r["flags"].split(";") and r["evidence"].startswith("refused: payment P-AG1 is from Incasso")
    # reported once: a second apply (and match) says nothing of it and applies nothing
    assert main(["apply", str(wb)]) == 0
    assert main(["match", str(wb)]) == 0
    assert "refused" not in capsys.readouterr().out
    assert _invoices(wb).loc["2026-0001", "open_amount"] == open_before
    # the command it names records it on the handover, the Confirm typed on it notwithstanding
    extra = [] if recovered_first else ["--recovered", "500.00", "--costs", "75.00"]
    assert main(["handover", str(wb), "--record", "H-000001", "--payment", "P-AG1", *extra, "--on", "2026-12-03"]) == 0
    assert "payment P-AG1 (425.00) recorded as the agency's transfer" in capsys.readouterr().out
    book = xlsx.load(wb)
    ho = book.get("Handovers").set_index("handover_id").loc["H-000001"]
    assert (ho["recovered"], ho["transferred"], ho["payments"]) == (50000, 42500, "P-AG1")
    r = book.get("Matches").set_index("match_id").loc[row["match_id"]]
    assert (r["review"], bool(r["applied"])) == ("Confirm", False)  # what the person typed stays
    # once recorded, the payment is the handover's: the Confirm is refused again, for that reason, and never applied
    assert main(["apply", str(wb)]) == 0
    out = capsys.readouterr().out
    assert (f"refused 1: Matches row {row['match_id']}: payment P-AG1 is recorded on handover H-000001 as the "
            f"collection agency's transfer: it is not applied to invoices") in out
    assert main(["match", str(wb)]) == 0
    assert "refused" not in capsys.readouterr().out
    book = xlsx.load(wb)
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0001", "open_amount"] == 70050
    pay = book.get("Payments").set_index("payment_id").loc["P-AG1"]
    assert (pay["unapplied_amount"], pay["status"]) == (0, "applied")
    assert not book.get("Matches")["applied"].any()


def test_a_payment_a_person_confirmed_for_an_invoice_is_not_recorded_as_the_agencys_transfer(wb, capsys):
    # the customer paid 2026-0002 in part itself and a person assigned it to the invoice by hand (Confirm typed,
    # not applied yet): it is no agency's transfer, and recording it on the handover is refused by name
    from ar_xl.book import Change
    from helpers import frame, header_cells
    assert _hand_over(wb) == 0
    book = xlsx.load(wb)
    change = Change("seed")
    change.tables["Payments"] = frame("Payments", [
        ("P-C1", "2026-12-03", "123.45", "EUR", "J. Smith", "GB29NWBK60161331926819", "see mail")],
        ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance"])
    xlsx.save(book, change)
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    assert list(zip(m["match_id"], m["decision"])) == [("M-P-C1-unmatched", "unmatched")]
    w = openpyxl.load_workbook(wb)
    top, cols = header_cells(w["Matches"])
    w["Matches"].cell(top + 1, cols.index("invoice_id") + 1).value = "2026-0002"
    w["Matches"].cell(top + 1, cols.index("review") + 1).value = "Confirm"
    w.save(wb)
    capsys.readouterr()
    before = wb.read_bytes()
    assert main(["handover", str(wb), "--record", "H-000001", "--recovered", "300.00", "--payment", "P-C1"]) == 2
    assert "payment P-C1 has Confirm typed on M-P-C1-unmatched and not applied yet" in capsys.readouterr().err
    assert wb.read_bytes() == before


# ------------------------------------------------------------------ bad input: named, nothing changed

@pytest.mark.parametrize("args, message", [
    (["--customer", "C9", "--to", AGENCY], "unknown customer 'C9'"),
    (["--customer", "C1", "--to", AGENCY, "--invoices", "2026-9999"], "invoice 2026-9999 is not in the Invoices table"),
    (["--customer", "C1", "--to", AGENCY, "--invoices", "2026-0001,2026-0004"],
     "invoice 2026-0004 belongs to customer C2, not C1"),
    (["--customer", "C1", "--to", AGENCY, "--invoices", "CN-0001"], "invoice CN-0001 has nothing open to hand over"),
    (["--customer", "C1", "--to", AGENCY, "--invoices", "2026-0003", "--on", "2026-09-15"],
     "invoice 2026-0003 was issued on 2026-10-01, after the handover date 2026-09-15"),
    (["--customer", "C1", "--invoices", "2026-0001"], "--to NAME"),
    (["--record", "H-000009", "--recovered", "10.00"], "unknown handover 'H-000009'"),
])
def test_bad_input_is_named_and_nothing_changes(wb, capsys, args, message):
    before = wb.read_bytes()
    assert main(["handover", str(wb), *args]) == 2
    assert message in capsys.readouterr().err
    assert wb.read_bytes() == before
    assert not list(wb.parent.glob("*.zip"))


def test_an_invoice_already_handed_over_is_refused(wb, capsys):
    assert _hand_over(wb) == 0
    capsys.readouterr()
    before = wb.read_bytes()
    assert main(["handover", str(wb), "--customer", "C1", "--to", "Advocaat De Vries", "--invoices",
                 "2026-0002,2026-0003", "--on", ON]) == 2
    assert "invoice 2026-0002 is already handed over (H-000001)" in capsys.readouterr().err
    assert wb.read_bytes() == before
    assert [p.name for p in wb.parent.glob("*.zip")] == [PACK]


# ------------------------------------------------------------------ the ribbon

def test_the_ribbon_hands_the_selected_rows_over(wb, tmp_path):
    from ar_xl.excel import macros
    from test_macros import _critical, _ok, _row_of, _set_parameters, click  # noqa: PLC0415
    assert macros.ENTRY_POINTS["hand_over"][1] == "actions.handover"
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0001")
    actions, alerts, book = click(wb, "hand_over", sheet="Invoices", selection=f"A{r}")
    assert "handover.to" in _critical(alerts)
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0001", "status"] == "open"

    folder = tmp_path / "packs"
    folder.mkdir()
    _set_parameters(wb, {"handover.to": AGENCY, "handover.folder": str(folder), "as_of": ON})
    actions, alerts, book = click(wb, "hand_over", sheet="Invoices", selection=f"A{r}")
    assert "handover H-000001: C1 Bakker Logistiek B.V., 1 invoice(s), EUR 1,200.50" in _ok(alerts)
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0001", "status"] == "in legal"
    assert book.get("Handovers").iloc[0]["to"] == AGENCY
    with zipfile.ZipFile(folder / PACK) as z:
        assert f"statement_C1_{ON}.pdf" in z.namelist()


def test_aging_shows_the_state_and_the_forecast_puts_them_apart(wb):
    from ar_xl.actions import forecast, refresh
    assert _hand_over(wb) == 0
    book = xlsx.load(wb)
    aging = refresh.run(book, dt.date(2026, 11, 23)).tables["Aging"].set_index("invoice_id")
    assert list(aging.loc[["2026-0001", "2026-0002", "2026-0003"], "state"]) == ["in legal", "in legal", "open"]
    items = forecast.open_items(book).set_index("invoice_id")
    assert list(items.loc[["2026-0001", "2026-0002", "2026-0003"], "apart"]) == ["legal", "legal", ""]


def test_the_ribbon_records_a_recovery_on_the_selected_handover(wb):
    from test_macros import _critical, _ok, _row_of, _set_parameters, click  # noqa: PLC0415
    assert _hand_over(wb) == 0
    r = _row_of(wb, "Handovers", "handover_id", "H-000001")
    _, alerts, _ = click(wb, "record_recovery", sheet="Handovers", selection=f"A{r}")
    assert "handover.recovered" in _critical(alerts)
    _set_parameters(wb, {"handover.recovered": "1,250.00", "handover.costs": "60", "as_of": "2026-12-01"})
    _, alerts, book = click(wb, "record_recovery", sheet="Handovers", selection=f"B{r}")
    assert "recovered EUR 1,250.00" in _ok(alerts)
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["2026-0001", "open_amount"], inv.loc["2026-0002", "open_amount"]) == (0, 25050)
    ho = book.get("Handovers").iloc[0]
    assert (ho["recovered"], ho["costs"]) == (125000, 6000)
    # then the agency's transfer of it: the payment's id alone
    _with_agency_payment(wb, "1190.00")
    _set_parameters(wb, {"handover.recovered": "", "handover.costs": "", "handover.payment": "P-AG1"})
    _, alerts, book = click(wb, "record_recovery", sheet="Handovers", selection=f"B{r}")
    assert "payment P-AG1 (1,190.00) recorded as the agency's transfer: 1,190.00 of 1,250.00" in _ok(alerts)
    ho = book.get("Handovers").iloc[0]
    assert (ho["transferred"], ho["payments"]) == (119000, "P-AG1")
    assert book.get("Payments").set_index("payment_id").loc["P-AG1", "status"] == "applied"


def test_a_workbook_made_before_handovers_gets_the_table(wb):
    w = openpyxl.load_workbook(wb)
    del w["Handovers"]
    w.save(wb)
    assert len(xlsx.load(wb).get("Invoices")) == 5  # every other action still reads it
    assert _hand_over(wb) == 0
    assert "Handovers" in openpyxl.load_workbook(wb).sheetnames
    assert _invoices(wb).loc["2026-0001", "status"] == "in legal"

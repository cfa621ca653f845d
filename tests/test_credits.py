"""Open credits and unapplied cash: the Credits view, allocations and their reversal, refunds as a SEPA
pain.001 file, and the e-mail asking which invoices a payment pays."""
from __future__ import annotations

import datetime as dt
import email
from email.policy import default as default_policy
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from ar_xl.actions import credits, match
from ar_xl.cli import main
from ar_xl.errors import ArXlError
from ar_xl.workbook import xlsx

from helpers import header_names, row, seeded

AS_OF = dt.date(2026, 11, 15)
OUR_IBAN = "NL44RABO0123456789"
INV = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount", "open_amount",
       "status"]


def _config(path, values: dict):
    """Type Config values as a person would (the value column is theirs)."""
    w = openpyxl.load_workbook(path)
    ws = w["Config"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for k, v in values.items():
        ws.cell(rows[k], 2, v)
    w.save(path)


PAYMENTS = [("BNK-1", "2026-11-02", "500.00", "EUR", "KUEHN SPEDITION", "DE89370400440532013000", "Sammelzahlung")]


@pytest.fixture
def wb(tmp_path):
    """C1 (nl) has a credit note CN-1 of 250.00 and two open invoices; C2 (de) paid 500.00 nobody applied
    (BNK-1) and has one open invoice; C3 (en, GBP) has a credit note in GBP and an open EUR invoice."""
    return _workbook(tmp_path, PAYMENTS)


def _workbook(tmp_path, payments):
    path = seeded(
        tmp_path / "collections.xlsx",
        Customers=([
            ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "ap@bakker.nl"),
            ("C2", "Spedition Kühn GmbH", "DE89370400440532013000;DE75512108001245126199", "DE", "de",
             "buchhaltung@kuehn.de"),
            ("C3", "Hargreaves Freight Ltd", "GB29NWBK60161331926819", "GB", "en", "ar@hargreaves.co.uk"),
        ], ["customer_id", "customer_name", "iban", "country", "language", "email"]),
        Invoices=([
            ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
            ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-10-01", "2026-10-31", "EUR", "300.00", "300.00", "open"),
            ("CN-1", "C1", "Bakker Logistiek B.V.", "2026-10-16", "2026-10-16", "EUR", "-250.00", "-250.00", "open"),
            ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "999.99", "999.99", "open"),
            ("2026-0004", "C2", "Spedition Kühn GmbH", "2026-11-01", "2026-12-01", "EUR", "120.00", "120.00", "open"),
            ("CN-3", "C3", "Hargreaves Freight Ltd", "2026-11-05", "2026-11-05", "GBP", "-80.00", "-80.00", "open"),
            ("2026-0005", "C3", "Hargreaves Freight Ltd", "2026-11-01", "2026-12-01", "EUR", "50.00", "50.00", "open"),
        ], INV),
        Payments=(payments, ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban",
                             "remittance"]))
    _config(path, {"company.name": "Acme Freight B.V.", "company.iban": OUR_IBAN, "company.bic": "RABONL2U"})
    return path


def _open(book, iid) -> int:
    return int(row(book.get("Invoices"), invoice_id=iid)["open_amount"])


def _unapplied(book, pid) -> int:
    return int(row(book.get("Payments"), payment_id=pid)["unapplied_amount"])


def _apply(path, change):
    book = xlsx.load(path)
    xlsx.save(book, change)
    return xlsx.load(path)


# ------------------------------------------------------------------ the view

def test_credits_view_lists_credit_notes_and_unapplied_cash_with_age_and_what_they_could_pay(wb):
    change = credits.run(xlsx.load(wb), AS_OF)
    cr = change.tables["Credits"]
    assert list(cr["source_id"]) == ["CN-1", "BNK-1", "CN-3"]  # oldest first
    cn = row(cr, source_id="CN-1")
    assert (cn["customer_id"], cn["kind"], cn["currency"], int(cn["amount"]), int(cn["age_days"])) == \
        ("C1", "credit note", "EUR", 25000, 30)
    assert cn["open_invoices"] == "2026-0001; 2026-0002" and int(cn["open_invoices_amount"]) == 150050
    cash = row(cr, source_id="BNK-1")
    assert (cash["customer_id"], cash["kind"], int(cash["available"]), int(cash["age_days"])) == \
        ("C2", "unapplied cash", 50000, 13)
    assert cash["open_invoices"] == "2026-0003; 2026-0004"
    assert cash["iban"] == "DE89370400440532013000"  # the first of the customer's IBANs
    gbp = row(cr, source_id="CN-3")
    assert gbp["open_invoices"] == "" and int(gbp["open_invoices_amount"]) == 0  # its invoice is in EUR
    assert "1 credit note EUR 250.00" in change.summary and "1 unapplied cash EUR 500.00" in change.summary


def test_cli_writes_the_credits_table(wb, capsys):
    assert main(["credits", str(wb), "--as-of", "2026-11-15"]) == 0
    out = capsys.readouterr().out
    assert "C1\tcredit note\tCN-1\t2026-10-16\t30 days\tEUR 250.00\tagainst: 2026-0001; 2026-0002" in out
    cr = xlsx.load(wb).get("Credits")
    assert sorted(cr["source_id"]) == ["BNK-1", "CN-1", "CN-3"]


# ------------------------------------------------------------------ allocation

def test_credit_note_allocated_to_two_invoices_and_reversed(wb, capsys):
    assert main(["credits", str(wb), "--allocate", "CN-1", "--to", "2026-0002:100,2026-0001",
                 "--as-of", "2026-11-15"]) == 0
    summary = capsys.readouterr().out
    book = xlsx.load(wb)
    # 100.00 to 2026-0002 as asked, the rest of the credit (150.00) to 2026-0001
    assert _open(book, "2026-0002") == 20000 and _open(book, "2026-0001") == 105050
    assert _open(book, "CN-1") == 0
    m = book.get("Matches")
    assert sorted(zip(m["invoice_id"], m["applied_amount"].astype(int))) == \
        [("2026-0001", 15000), ("2026-0002", 10000), ("CN-1", -25000)]
    assert set(m["payment_id"]) == {"CN-1"} and set(m["rule"]) == {"credit note"} and all(m["applied"])
    assert m["run_id"].nunique() == 1
    au = book.get("Audit")
    assert set(au.loc[au["table"] == "Invoices", "key"]) == {"2026-0001", "2026-0002", "CN-1"}
    assert "Credits" in book.tables and "CN-1" not in set(book.get("Credits")["source_id"])
    # reverse the whole allocation by its run id
    run_id = m["run_id"].iloc[0]
    assert run_id in summary
    assert main(["credits", str(wb), "--reverse", run_id]) == 0
    book = xlsx.load(wb)
    assert (_open(book, "2026-0001"), _open(book, "2026-0002"), _open(book, "CN-1")) == (120050, 30000, -25000)
    m = book.get("Matches")
    assert not any(m["applied"]) and set(m["review"]) == {"Reject"}
    assert row(book.get("Invoices"), invoice_id="CN-1")["status"] == "open"


def _review(path, reviews: dict):
    """Type reviews in Matches as a person would: ``{invoice_id: review}`` on the rows of those invoices."""
    w = openpyxl.load_workbook(path)
    ws = w["Matches"]
    head = header_names(ws)
    for r in range(2, ws.max_row + 1):
        iid = ws.cell(r, head.index("invoice_id") + 1).value
        if iid in reviews:
            ws.cell(r, head.index("review") + 1, reviews[iid])
    w.save(path)


@pytest.mark.parametrize("rejected", ["2026-0002", "CN-1"])
def test_reject_on_one_row_of_a_credit_note_allocation_reverses_it_whole(wb, capsys, rejected):
    assert main(["credits", str(wb), "--allocate", "CN-1", "--to", "2026-0002:100,2026-0001",
                 "--as-of", "2026-11-15"]) == 0
    _review(wb, {rejected: "Reject"})
    assert main(["apply", str(wb)]) == 0
    book = xlsx.load(wb)
    # the invoices and the credit note all back: no credit lost, none to use twice
    assert (_open(book, "2026-0001"), _open(book, "2026-0002"), _open(book, "CN-1")) == (120050, 30000, -25000)
    assert row(book.get("Invoices"), invoice_id="CN-1")["status"] == "open"
    m = book.get("Matches")
    assert not any(m["applied"]) and set(m["review"]) == {"Reject"}
    au = book.get("Audit")
    reversed_ = au[(au["table"] == "Invoices") & au["rule"].astype(str).str.contains("reversed whole")]
    assert set(reversed_["key"]) == {"2026-0001", "2026-0002", "CN-1"}
    assert int(row(credits.view(book, AS_OF), source_id="CN-1")["available"]) == 25000


def test_reject_on_a_credit_note_allocation_with_a_confirm_typed_on_another_row_changes_nothing(wb, capsys):
    assert main(["credits", str(wb), "--allocate", "CN-1", "--to", "2026-0002:100,2026-0001",
                 "--as-of", "2026-11-15"]) == 0
    _review(wb, {"2026-0002": "Reject", "2026-0001": "Confirm"})
    assert main(["apply", str(wb)]) == 0
    out = capsys.readouterr().out
    assert "M-CN-1-2026-0001-A1 has review 'Confirm'" in out and "M-CN-1-CN-1-A1" in out
    book = xlsx.load(wb)
    assert (_open(book, "2026-0001"), _open(book, "2026-0002"), _open(book, "CN-1")) == (105050, 20000, 0)
    m = book.get("Matches")
    assert all(m["applied"]) and list(m["review"].fillna("")) == ["Reject", "Confirm", ""]


def test_unapplied_cash_allocated_then_rejected_in_matches_and_reversed_by_apply_decisions(wb):
    book = xlsx.load(wb)
    change = credits.allocate(book, "BNK-1", "2026-0004,2026-0003:200.00", AS_OF)
    assert change.allocation == [("2026-0004", 12000), ("2026-0003", 20000)]
    book = _apply(wb, change)
    assert _unapplied(book, "BNK-1") == 18000 and row(book.get("Payments"), payment_id="BNK-1")["status"] == \
        "partly applied"
    assert _open(book, "2026-0004") == 0 and row(book.get("Invoices"), invoice_id="2026-0004")["status"] == "paid"
    assert _open(book, "2026-0003") == 79999
    m = book.get("Matches")
    assert set(m["rule"]) == {"manual allocation"} and set(m["decision"]) == {"auto"}
    # a collector types Reject on the rows and clicks Apply decisions: the Matches machinery reverses them
    w = openpyxl.load_workbook(wb)
    ws = w["Matches"]
    head = header_names(ws)
    for r in range(2, ws.max_row + 1):
        ws.cell(r, head.index("review") + 1, "Reject")
    w.save(wb)
    book = _apply(wb, match.apply_decisions(xlsx.load(wb)))
    assert _unapplied(book, "BNK-1") == 50000 and row(book.get("Payments"), payment_id="BNK-1")["status"] == "unapplied"
    assert (_open(book, "2026-0003"), _open(book, "2026-0004")) == (99999, 12000)
    assert row(book.get("Invoices"), invoice_id="2026-0004")["status"] == "open"


def test_unapplied_cash_allocation_with_one_row_rejected_then_reversed_by_its_run_id(wb, capsys):
    assert main(["credits", str(wb), "--allocate", "BNK-1", "--to", "2026-0004,2026-0003:200.00",
                 "--as-of", "2026-11-15"]) == 0
    _review(wb, {"2026-0004": "Reject"})
    assert main(["apply", str(wb)]) == 0
    book = xlsx.load(wb)
    # the rejected row alone goes back, to the payment: no money lost
    assert (_open(book, "2026-0004"), _open(book, "2026-0003"), _unapplied(book, "BNK-1")) == (12000, 79999, 30000)
    run_id = book.get("Matches")["run_id"].iloc[0]
    capsys.readouterr()
    assert main(["credits", str(wb), "--reverse", run_id]) == 0
    assert "already reversed: M-BNK-1-2026-0004-A1" in capsys.readouterr().out
    book = xlsx.load(wb)
    assert (_open(book, "2026-0004"), _open(book, "2026-0003"), _unapplied(book, "BNK-1")) == (12000, 99999, 50000)
    assert not any(book.get("Matches")["applied"])
    assert main(["credits", str(wb), "--reverse", run_id]) == 2
    assert "is already reversed" in capsys.readouterr().err


@pytest.mark.parametrize("source, to, says", [
    ("CN-1", "2026-0003", "invoice 2026-0003 is customer C2's, not C1's"),
    ("BNK-1", "2026-0001", "invoice 2026-0001 is customer C1's, not C2's"),
    ("CN-3", "2026-0005", "invoice 2026-0005 is in EUR, the credit CN-3 in GBP"),
    ("CN-1", "2026-0001:200,2026-0002:100", "the credit CN-1 has only EUR 250.00 available, not 300.00"),
    ("CN-1", "2026-0002:300.01", "invoice 2026-0002 has only EUR 300.00 open, not 300.01"),
    ("CN-1", "CN-9", "invoice CN-9 is not in the Invoices table"),
    ("2026-0001", "2026-0002", "2026-0001 is not a credit note with money open"),
])
def test_allocation_refused_names_the_item_and_changes_nothing(wb, capsys, source, to, says):
    before = Path(wb).read_bytes()
    assert main(["credits", str(wb), "--allocate", source, "--to", to]) == 2
    err = capsys.readouterr().err
    assert says in err and "Nothing was changed" in err
    assert Path(wb).read_bytes() == before


# ------------------------------------------------------------------ refunds and the SEPA file

def _xsd():
    import sepaxml
    return etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd")))


def test_refunds_proposed_and_exported_as_a_valid_pain001(wb, tmp_path, capsys):
    assert main(["credits", str(wb), "--refund", "BNK-1", "--as-of", "2026-11-15"]) == 0
    assert main(["credits", str(wb), "--refund", "CN-1", "--amount", "100.00", "--as-of", "2026-11-15"]) == 0
    assert main(["credits", str(wb), "--refund", "CN-3", "--as-of", "2026-11-15"]) == 0
    book = xlsx.load(wb)
    ref = book.get("Refunds")
    assert list(zip(ref["refund_id"], ref["source_id"], ref["amount"].astype(int), ref["currency"], ref["status"])) == [
        ("RF-000001", "BNK-1", 50000, "EUR", "proposed"), ("RF-000002", "CN-1", 10000, "EUR", "proposed"),
        ("RF-000003", "CN-3", 8000, "GBP", "proposed")]
    assert row(ref, refund_id="RF-000001")["iban"] == "DE89370400440532013000"
    # a proposed refund holds its credit
    cr = book.get("Credits")
    assert (int(row(cr, source_id="CN-1")["refunds"]), int(row(cr, source_id="CN-1")["available"])) == (10000, 15000)
    capsys.readouterr()
    out = tmp_path / "refunds.xml"
    assert main(["credits", str(wb), "--export-refunds", str(out), "--as-of", "2026-11-15",
                 "--execution-date", "2026-11-17"]) == 0
    said = capsys.readouterr()
    assert "exported 2 refund(s), EUR 600.00" in said.out
    assert "SEPA carries euro only: RF-000003 (GBP 80.00)" in said.err
    doc = etree.parse(str(out))
    _xsd().assertValid(doc)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "600.00"
    assert doc.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == OUR_IBAN
    assert doc.findtext(".//p:PmtInf/p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=ns) == "RABONL2U"
    assert doc.findtext(".//p:PmtInf/p:ReqdExctnDt", namespaces=ns) == "2026-11-17"
    tx = [(t.findtext("p:PmtId/p:EndToEndId", namespaces=ns), t.findtext("p:Amt/p:InstdAmt", namespaces=ns),
           t.find("p:Amt/p:InstdAmt", namespaces=ns).get("Ccy"), t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns))
          for t in doc.iterfind(".//p:CdtTrfTxInf", namespaces=ns)]
    assert tx == [("RF-000001", "500.00", "EUR", "DE89370400440532013000"),
                  ("RF-000002", "100.00", "EUR", "NL91ABNA0417164300")]
    book = xlsx.load(wb)
    ref = book.get("Refunds")
    assert list(ref["status"]) == ["exported", "exported", "proposed"]
    assert row(ref, refund_id="RF-000002")["end_to_end_id"] == "RF-000002"
    assert row(ref, refund_id="RF-000001")["file"] == str(out.absolute())
    # the refunded cash left: nothing unapplied on BNK-1 any more; CN-1 stays open until the ERP books it, held
    assert _unapplied(book, "BNK-1") == 0 and _open(book, "CN-1") == -25000
    cr = book.get("Credits")
    assert "BNK-1" not in set(cr["source_id"]) and int(row(cr, source_id="CN-1")["available"]) == 15000
    # nothing proposed in EUR any more: a second export refuses
    before = Path(wb).read_bytes()
    assert main(["credits", str(wb), "--export-refunds", str(tmp_path / "again.xml")]) == 2
    assert "no proposed EUR refund to export" in capsys.readouterr().err
    assert Path(wb).read_bytes() == before and not (tmp_path / "again.xml").exists()


def test_refund_beyond_the_credit_or_with_a_bad_company_iban_is_refused(wb, tmp_path, capsys):
    assert main(["credits", str(wb), "--refund", "CN-1", "--amount", "250.01"]) == 2
    assert "the credit has only EUR 250.00 available, not 250.01" in capsys.readouterr().err
    assert main(["credits", str(wb), "--refund", "CN-1"]) == 0
    _config(wb, {"company.iban": "NL02RABO0123456789"})
    before = Path(wb).read_bytes()
    assert main(["credits", str(wb), "--export-refunds", str(tmp_path / "r.xml")]) == 2
    assert "Config company.iban NL02RABO0123456789 is not valid" in capsys.readouterr().err
    assert Path(wb).read_bytes() == before and not (tmp_path / "r.xml").exists()


# ------------------------------------------------------------------ asking for remittance details

def test_ask_writes_a_draft_in_the_customers_language_and_logs_it(wb, tmp_path, capsys):
    out = tmp_path / "drafts"
    out.mkdir()
    assert main(["credits", str(wb), "--ask", "BNK-1", "--out", str(out), "--as-of", "2026-11-15"]) == 0
    [eml] = list(out.iterdir())
    msg = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert msg["X-Unsent"] == "1" and msg["To"] == "buchhaltung@kuehn.de" and msg["Content-Language"] == "de"
    body = msg.get_content()
    assert "500,00 €" in msg["Subject"] and "2. November 2026" in msg["Subject"]
    assert "am 2. November 2026 haben wir von Spedition Kühn GmbH 500,00\xa0€ erhalten" in body
    assert "- 2026-0003 vom 1. Oktober 2026, fällig am 31. Oktober 2026: 999,99\xa0€" in body
    act = xlsx.load(wb).get("Activities").iloc[-1]
    assert (act["customer_id"], act["channel"]) == ("C2", "email")
    assert act["outcome"] == "asked for remittance details of payment BNK-1: EUR 500.00 received 2026-11-02"


def test_the_credits_view_shows_the_day_a_payment_was_last_asked_about(wb, tmp_path, monkeypatch, capsys):
    from ar_xl import clock
    out = tmp_path / "drafts"
    out.mkdir()
    first = clock.today()
    assert main(["credits", str(wb), "--ask", "BNK-1", "--out", str(out), "--as-of", "2026-11-15"]) == 0
    book = xlsx.load(wb)
    act = book.get("Activities").iloc[-1]
    assert act["payment_id"] == "BNK-1" and act["at"].date() == first
    # the ask rewrote the view: the payment shows the day it was asked about, a credit note nothing
    cr = book.get("Credits")
    assert row(cr, source_id="BNK-1")["remittance_asked"].date() == first
    assert cr.loc[cr["source_id"] != "BNK-1", "remittance_asked"].isna().all()
    # asked again three days later: the view shows the later day, the log keeps both requests
    later = first + dt.timedelta(days=3)
    monkeypatch.setenv(clock.ENV, later.isoformat())
    assert main(["credits", str(wb), "--ask", "BNK-1", "--out", str(out), "--force"]) == 0  # a new draft
    capsys.readouterr()
    assert main(["credits", str(wb)]) == 0
    said = capsys.readouterr().out
    assert f"against: 2026-0003; 2026-0004\tremittance asked {later:%Y-%m-%d}" in said
    assert "remittance details asked for 1 payment(s)" in said
    book = xlsx.load(wb)
    assert list(book.get("Activities")["payment_id"]) == ["BNK-1", "BNK-1"]
    assert row(book.get("Credits"), source_id="BNK-1")["remittance_asked"].date() == later


def test_ask_in_english_and_dutch():
    from ar_xl.letters import render
    values = {"customer_id": "C1", "customer_name": "Bakker", "payment_id": "P", "amount_cents": 123456,
              "left_cents": 123456, "payer_name": "", "bank_reference": "", "remittance": "", "items": [],
              "currency": "EUR", "company": {"name": "Acme", "email": "ar@acme.test"}}
    for lang, amount, day in (("en", "€1,234.56", "2 November 2026"), ("nl", "€\xa01.234,56", "2 november 2026"),
                              ("fr", "1\u202f234,56\xa0€", "2 novembre 2026")):
        v = {**values, "language": lang, "amount": render.money(123456, "EUR", lang),
             "left": render.money(123456, "EUR", lang), "value_date": render.day(dt.date(2026, 11, 2), lang)}
        subject, body = render.template_text(f"remittance_{lang}.txt", v)
        assert amount in subject and day in subject and amount in body


def test_ask_about_several_payments_at_once(tmp_path, capsys):
    # BNK-2 from C1's account, BNK-3 from an account on no customer's list (nobody to ask): two drafts, one
    # Activities row each, BNK-3 named as not asked
    path = _workbook(tmp_path, PAYMENTS + [
        ("BNK-2", "2026-11-04", "410.00", "EUR", "BAKKER LOGISTIEK", "NL91ABNA0417164300", "betaling"),
        ("BNK-3", "2026-11-05", "75.00", "EUR", "J. JANSEN", "NL02RABO0123456789", "")])
    out = tmp_path / "drafts"
    out.mkdir()
    assert main(["credits", str(path), "--ask", "BNK-1,BNK-2,BNK-3", "--out", str(out), "--as-of", "2026-11-15"]) == 0
    said = capsys.readouterr().out
    assert "asked for remittance details of 2 payment(s) (BNK-1, BNK-2)" in said
    assert "not asked: BNK-3: payment BNK-3 has no unapplied cash tied to a customer" in said
    assert sorted(p.name for p in out.iterdir()) == ["remittance_BNK-1_C2.eml", "remittance_BNK-2_C1.eml"]
    nl = email.message_from_bytes((out / "remittance_BNK-2_C1.eml").read_bytes(), policy=default_policy)
    assert nl["To"] == "ap@bakker.nl" and nl["Content-Language"] == "nl"
    acts = xlsx.load(path).get("Activities")
    assert list(acts["activity_id"]) == ["A-000001", "A-000002"]
    assert list(acts["customer_id"]) == ["C2", "C1"]
    assert list(acts["outcome"]) == ["asked for remittance details of payment BNK-1: EUR 500.00 received 2026-11-02",
                                     "asked for remittance details of payment BNK-2: EUR 410.00 received 2026-11-04"]
    # none of them can be asked about: nothing changed
    before = path.read_bytes()
    with pytest.raises(ArXlError, match="no payment could be asked about: BNK-3: .*; BNK-9: no payment BNK-9"):
        credits.ask(xlsx.load(path), ["BNK-3", "BNK-9"], out, AS_OF)
    assert path.read_bytes() == before


def test_ask_refuses_a_payment_without_unapplied_cash(wb, tmp_path):
    book = xlsx.load(wb)
    with pytest.raises(ArXlError, match="no payment BNK-9"):
        credits.ask(book, "BNK-9", tmp_path, AS_OF)


def test_an_erp_sync_keeps_a_credit_note_allocation_until_the_erp_books_it(wb):
    from ar_xl.engine import sync
    before = xlsx.load(wb).get("Invoices")
    book = _apply(wb, credits.allocate(xlsx.load(wb), "CN-1", "2026-0002", AS_OF))
    inv, m = book.get("Invoices"), book.get("Matches")
    # the ERP's export still shows the credit note and the invoice as they were
    res = sync.sync_invoices(inv, before, {"invoice_id", "open_amount"}, m, AS_OF)
    got = dict(zip(res.invoices["invoice_id"], res.invoices["open_amount"].astype(int)))
    assert (got["2026-0002"], got["CN-1"]) == (5000, 0)
    # the ERP booked it: the ERP's amounts, and the rows never count again
    booked = before.copy()
    booked.loc[booked["invoice_id"] == "2026-0002", "open_amount"] = 5000
    booked.loc[booked["invoice_id"] == "CN-1", "open_amount"] = 0
    res = sync.sync_invoices(inv, booked, {"invoice_id", "open_amount"}, m, AS_OF)
    got = dict(zip(res.invoices["invoice_id"], res.invoices["open_amount"].astype(int)))
    assert (got["2026-0002"], got["CN-1"]) == (5000, 0)
    assert all("booked in ERP" in f for f in res.matches["flags"])


def test_export_refuses_a_refund_whose_cash_was_applied_since(wb, tmp_path):
    from ar_xl.book import Change
    book = _apply(wb, credits.propose_refund(xlsx.load(wb), "BNK-1", 40000, AS_OF))
    # a match applied 200.00 of BNK-1 after the proposal: 300.00 left, less than the refund
    pay = book.get("Payments").copy()
    pay["unapplied_amount"] = pay["unapplied_amount"].astype("Int64")
    pay.loc[pay["payment_id"] == "BNK-1", "unapplied_amount"] = 30000
    change = Change("test")
    change.tables["Payments"] = pay
    book = _apply(wb, change)
    with pytest.raises(ArXlError, match="refund RF-000001: unapplied cash BNK-1 has only EUR 300.00 left to refund, "
                                        "not 400.00"):
        credits.export_refunds(book, tmp_path / "r.xml", as_of=AS_OF)


HELD = PAYMENTS + [("BNK-2", "2026-11-03", "120.00", "EUR", "KUEHN SPEDITION", "DE89370400440532013000",
                    "Rechnung 2026-0004")]


def _confirm(path, *match_ids):
    """Type Confirm on Matches rows as a collector would."""
    w = openpyxl.load_workbook(path)
    ws = w["Matches"]
    head = header_names(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, head.index("match_id") + 1).value in match_ids:
            ws.cell(r, head.index("review") + 1, "Confirm")
    w.save(path)


def test_a_proposed_refund_holds_its_cash_from_match_and_from_a_confirm(tmp_path):
    wb = _workbook(tmp_path, HELD)
    book = _apply(wb, credits.propose_refund(xlsx.load(wb), "BNK-2", 10000, AS_OF))
    # BNK-2 names 2026-0004 exactly, but 100.00 of it is held by RF-000001: not applied, left for review
    book = _apply(wb, match.run(book))
    m = book.get("Matches")
    assert row(m, payment_id="BNK-2")["decision"] == "suggested" and not any(m["applied"])
    assert _unapplied(book, "BNK-2") == 12000 and _open(book, "2026-0004") == 12000
    # the collector confirms it and BNK-1's suggestion: BNK-1 applies, BNK-2 is refused and reported once
    _confirm(wb, "M-BNK-2-2026-0004-S1", "M-BNK-1-2026-0003-S1")
    change = match.apply_decisions(xlsx.load(wb))
    says = ("payment BNK-2 has 120.00 unapplied, of which 100.00 is held by proposed refund RF-000001 (100.00): "
            "only 20.00 can be applied, not 120.00; cancel the refund (type cancelled in its status in Refunds) "
            "or confirm a smaller amount")
    assert "applied 1 confirmed match(es)" in change.summary and says in change.summary
    book = _apply(wb, change)
    assert _unapplied(book, "BNK-2") == 12000 and _open(book, "2026-0004") == 12000
    assert _unapplied(book, "BNK-1") == 0 and _open(book, "2026-0003") == 49999
    r = row(book.get("Matches"), match_id="M-BNK-2-2026-0004-S1")
    assert "refused" in r["flags"] and r["evidence"].startswith(f"refused: {says}") and not r["applied"]
    assert says not in match.apply_decisions(book).summary
    assert row(book.get("Refunds"), refund_id="RF-000001")["status"] == "proposed"


def test_export_leaves_out_a_refund_its_credit_no_longer_covers_and_pays_the_others(wb, tmp_path, capsys):
    from ar_xl.book import Change
    book = _apply(wb, credits.propose_refund(xlsx.load(wb), "BNK-1", 40000, AS_OF))
    book = _apply(wb, credits.propose_refund(book, "CN-1", 10000, AS_OF))
    pay = book.get("Payments").copy()  # 200.00 of BNK-1 applied since the proposal (an ERP sync)
    pay["unapplied_amount"] = pay["unapplied_amount"].astype("Int64")
    pay.loc[pay["payment_id"] == "BNK-1", "unapplied_amount"] = 30000
    change = Change("test")
    change.tables["Payments"] = pay
    _apply(wb, change)
    capsys.readouterr()
    out = tmp_path / "refunds.xml"
    assert main(["credits", str(wb), "--export-refunds", str(out), "--as-of", "2026-11-15"]) == 0
    said = capsys.readouterr()
    assert "exported 1 refund(s), EUR 100.00" in said.out
    assert ("left out of the SEPA file, still proposed: refund RF-000001: unapplied cash BNK-1 has only EUR 300.00 "
            "left to refund, not 400.00") in said.err
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    doc = etree.parse(str(out))
    assert [t.text for t in doc.iterfind(".//p:EndToEndId", namespaces=ns)] == ["RF-000002"]
    book = xlsx.load(wb)
    ref = book.get("Refunds")
    assert list(zip(ref["refund_id"], ref["status"])) == [("RF-000001", "proposed"), ("RF-000002", "exported")]
    assert _unapplied(book, "BNK-1") == 30000


NETTED = PAYMENTS + [("BNK-3", "2026-11-04", "50.00", "EUR", "BAKKER LOGISTIEK BV", "NL91ABNA0417164300",
                      "Factuur 2026-0002 minus CN-1")]


def test_reversing_one_row_of_a_payments_netting_by_its_match_id_reverses_the_payments_rows_together(tmp_path, capsys):
    # BNK-3 pays 50.00 = 2026-0002 300.00 less CN-1 250.00: Match applies both; --reverse names the credit note's row
    wb = _workbook(tmp_path, NETTED)
    assert main(["match", str(wb)]) == 0
    book = xlsx.load(wb)
    m = book.get("Matches")
    netted = m[(m["payment_id"] == "BNK-3") & m["applied"].astype(bool)].set_index("invoice_id")
    assert netted["applied_amount"].to_dict() == {"2026-0002": 30000, "CN-1": -25000}
    assert (_open(book, "2026-0002"), _open(book, "CN-1"), _unapplied(book, "BNK-3")) == (0, 0, 0)
    capsys.readouterr()
    assert main(["credits", str(wb), "--reverse", netted.loc["CN-1", "match_id"], "--as-of", "2026-11-15"]) == 0
    assert "reversed 2 Matches row(s): 2026-0002 300.00, CN-1 -250.00" in capsys.readouterr().out
    book = xlsx.load(wb)
    assert (_open(book, "2026-0002"), _open(book, "CN-1"), _unapplied(book, "BNK-3")) == (30000, -25000, 5000)
    assert int(row(credits.view(book, AS_OF), source_id="CN-1")["available"]) == 25000
    m = book.get("Matches")
    assert set(m.loc[m["payment_id"] == "BNK-3", "review"].dropna()) == {"Reject"}

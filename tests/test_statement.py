"""ar-xl statement: a customer's statement of account, read back as the customer would read it.

The PDF through pdftotext, the XLSX through openpyxl (what each cell holds), the reminder draft through
Python's email parser.  One customer has two currencies, a credit note and unapplied cash; the date is
always given.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import subprocess

import openpyxl
import pytest

from ar_xl.cli import main
from ar_xl.engine import statement as engine
from ar_xl.workbook import xlsx

from helpers import frame, seeded

AS_OF = "2026-12-01"
INVOICE_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                "open_amount", "status", "payment_reference"]
KUEHN = "Spedition Kühn GmbH"
IBAN = "DE89370400440532013000"


def _invoices(cid="C-1", name=KUEHN):
    return [
        ("I-1", cid, name, "2026-09-01", "2026-10-01", "EUR", "1234.56", "1234.56", "open", "RF18539007547034"),
        ("I-2", cid, name, "2026-11-01", "2026-12-01", "EUR", "500.00", "300.00", "open", ""),
        ("CN-1", cid, name, "2026-10-15", "2026-10-15", "EUR", "-100.00", "-100.00", "open", ""),
        ("I-3", cid, name, "2026-07-01", "2026-07-31", "USD", "2000.00", "2000.00", "open", ""),
        ("I-0", cid, name, "2026-06-01", "2026-07-01", "EUR", "80.00", "0.00", "paid", ""),
        ("X-9", "C-2", "Other NV", "2026-07-01", "2026-07-31", "EUR", "99.00", "99.00", "open", ""),
    ]


def make(path, lang="de", customers=None):
    seeded(
        path,
        Customers=(customers or [("C-1", KUEHN, lang, "b@kuehn.example", "DE", IBAN),
                                 ("C-2", "Other NV", "nl", "", "BE", "")],
                   ["customer_id", "customer_name", "language", "email", "country", "iban"]),
        Invoices=(_invoices(), INVOICE_COLS),
        Payments=([("BNK-7", "2026-11-20", "400.00", "EUR", "KUEHN", IBAN, "?", "250.00", "partly applied"),
                   ("BNK-8", "2026-11-21", "999.00", "EUR", "SOMEONE", "NL91ABNA0417164300", "?", "999.00", "unapplied")],
                  ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                   "unapplied_amount", "status"]),
    )
    w = openpyxl.load_workbook(path)
    ws = w["Config"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(rows["company.iban"], 2, "NL91ABNA0417164300")
    ws.cell(rows["company.bic"], 2, "ABNANL2A")
    w.save(path)
    return path


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(path) -> str:
    return flat(subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                               text=True).stdout)


def test_engine_lines_running_balance_totals_and_aging_per_currency():
    inv = frame("Invoices", _invoices(), INVOICE_COLS)
    cash = frame("Payments", [("BNK-7", "2026-11-20", "400.00", "EUR")], ["payment_id", "value_date", "amount", "currency"])
    un = cash.assign(customer_id="C-1", paid=cash["amount"], amount=25000)
    st = engine.statement(inv, un, "C-1", dt.date(2026, 12, 1))
    eur = st.lines[st.lines["currency"] == "EUR"]
    # date order; the paid item and the other customer's are not on it
    assert list(eur["document"]) == ["I-1", "CN-1", "I-2", "BNK-7"]
    assert list(eur["kind"]) == ["invoice", "credit note", "invoice", "payment"]
    assert list(eur["open_amount"]) == [123456, -10000, 30000, -25000]
    assert list(eur["balance"]) == [123456, 113456, 143456, 118456]
    # day 1 overdue is the day after the due date: I-2 due on the as-of date is not overdue
    assert list(eur["days_overdue"].astype(object)) == [61, pd_na(), 0, pd_na()]
    assert st.currencies == ["EUR", "USD"]
    t = st.totals.set_index("currency")
    assert t.loc["EUR"].to_dict() == {"invoices": 153456, "credits": -35000, "balance": 118456, "overdue": 123456}
    assert t.loc["USD"].to_dict() == {"invoices": 200000, "credits": 0, "balance": 200000, "overdue": 200000}
    a = st.aging.set_index("currency")
    # invoices in the buckets; the credit note (47 days old) with the cash under credits, as in the totals
    assert a.loc["EUR", "current"] == 30000 and a.loc["EUR", "31-60"] == 0 and a.loc["EUR", "61-90"] == 123456
    assert a.loc["EUR", "credits"] == -35000 and a.loc["USD", "121+"] == 200000
    assert (a.drop(columns="balance").sum(axis=1) == a["balance"]).all()
    # the overdue buckets add up to what the totals call overdue
    overdue = a[[b for b in st.buckets if b != "current"]].sum(axis=1)
    assert (overdue == t["overdue"]).all()


def test_a_statement_as_of_a_date_lists_only_the_documents_that_existed_on_it(tmp_path):
    wb = make(tmp_path / "collections.xlsx", "en")
    out = tmp_path / "st.pdf"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", "2026-10-20", "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "Statement of account C-1 as of 20 October 2026" in text
    assert "Invoice I-1 01/09/2026 01/10/2026 19 1,234.56 1,234.56 1,234.56" in text
    assert "Credit note CN-1 15/10/2026 15/10/2026 -100.00 -100.00 1,134.56" in text
    assert "Balance EUR: €1,134.56" in text and "Balance USD: US$2,000.00" in text
    # I-2 was issued on 1 November, the cash received on 20 November: neither existed on 20 October
    assert "I-2" not in text and "BNK-7" not in text
    # an invoice without an invoice date is kept; one issued the day after the as-of date is not
    rows = _invoices() + [("I-8", "C-1", KUEHN, "2026-11-01", "2026-11-30", "EUR", "8.00", "8.00", "open", ""),
                          ("I-9", "C-1", KUEHN, "2026-10-21", "2026-11-20", "EUR", "9.00", "9.00", "open", "")]
    inv = frame("Invoices", rows, INVOICE_COLS)
    inv.loc[inv["invoice_id"] == "I-8", "invoice_date"] = pd_na()  # a frame not read from a sheet may lack it
    st = engine.statement(inv, None, "C-1", dt.date(2026, 10, 20))
    assert list(st.lines["document"]) == ["I-1", "CN-1", "I-8", "I-3"]


def pd_na():
    import pandas as pd
    return pd.NA


def test_pdf_holds_items_balances_per_currency_and_totals_and_is_logged(tmp_path, capsys):
    wb = make(tmp_path / "collections.xlsx", "en")
    out = tmp_path / "st.pdf"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "balance EUR 1,184.56; USD 2,000.00" in summary
    text = pdf_text(out)
    for s in ("Statement of account C-1 as of 1 December 2026", KUEHN, "Customer number: C-1",
              # the lines: type, document, dates, days late, amount, open, running balance, reference
              "Invoice I-1 01/09/2026 01/10/2026 61 1,234.56 1,234.56 1,234.56 RF18539007547034",
              "Credit note CN-1 15/10/2026 15/10/2026 -100.00 -100.00 1,134.56",
              "Invoice I-2 01/11/2026 01/12/2026 500.00 300.00 1,434.56",
              "Payment BNK-7 20/11/2026 400.00 -250.00 1,184.56",
              "Invoice I-3 01/07/2026 31/07/2026 123 2,000.00 2,000.00 2,000.00",
              # totals per currency, never added up
              "Balance EUR: €1,184.56, of which overdue: €1,234.56", "Balance USD: US$2,000.00",
              "Invoices €1,534.56", "Credit notes and unapplied payments -€350.00", "Balance €1,184.56",
              # aging: current, 1-30 ... 121+ (invoices), credits (credit notes and cash), balance
              "Not yet due 1–30 days 31–60 days 61–90 days 91–120 days 121+ days Credits Balance",
              "EUR 300.00 0.00 0.00 1,234.56 0.00 0.00 -350.00 1,184.56",
              "USD 0.00 0.00 0.00 0.00 0.00 2,000.00 0.00 2,000.00",
              "IBAN NL91ABNA0417164300, BIC ABNANL2A", "customer number C-1 and the invoice numbers: I-1, I-2, I-3"):
        assert s in text, s
    for s in ("X-9", "I-0", "BNK-8"):  # another customer's item and cash, a paid item
        assert s not in text
    book = xlsx.load(wb)
    act = book.get("Activities").iloc[-1]
    assert act["customer_id"] == "C-1" and act["channel"] == "email"
    assert act["outcome"].startswith("statement sent: 5 line(s), balance EUR 1,184.56; USD 2,000.00")
    audit = book.get("Audit")
    assert ((audit["action"] == "statement") & (audit["table"] == "Activities")).sum() == 1


def test_xlsx_cells_hold_numbers_and_dates(tmp_path):
    wb = make(tmp_path / "collections.xlsx", "nl")
    out = tmp_path / "st.xlsx"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["Statement"]
    rows = {r[1].value: r for r in ws.iter_rows()
            if len(r) > 1 and r[1].value in ("I-1", "I-2", "CN-1", "BNK-7", "I-3")}
    i1 = rows["I-1"]
    assert i1[0].value == "Factuur" and i1[2].value == dt.datetime(2026, 9, 1) and i1[3].value == dt.datetime(2026, 10, 1)
    assert i1[2].is_date and i1[4].value == 61
    assert (i1[5].value, i1[6].value, i1[7].value) == (1234.56, 1234.56, 1234.56)
    assert i1[6].data_type == "n" and "0.00" in i1[6].number_format and i1[8].value == "RF18539007547034"
    assert rows["CN-1"][0].value == "Creditnota" and rows["CN-1"][6].value == -100.0 and rows["CN-1"][4].value is None
    assert rows["BNK-7"][5].value == 400.0 and rows["BNK-7"][6].value == -250.0 and rows["BNK-7"][7].value == 1184.56
    assert rows["I-3"][7].value == 2000.0
    assert rows["I-2"][4].value is None  # due on the as-of date: 0 days, a blank cell as in the PDF
    early = tmp_path / "early.xlsx"  # as of 25 November I-2 (due 1 December) is not yet due: blank, not -6
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", "2026-11-25", "--out", str(early)]) == 0
    days = {r[1].value: r[4].value for r in openpyxl.load_workbook(early)["Statement"].iter_rows()
            if len(r) > 4 and r[1].value in ("I-1", "I-2")}
    assert days == {"I-1": 55, "I-2": None}
    found = {(r[6].value, r[7].value) for r in ws.iter_rows() if r[6].value == "Saldo"}
    assert found == {("Saldo", 1184.56), ("Saldo", 2000.0)}
    as_of = [r for r in ws.iter_rows() if r[0].value == "Datum"][0][1]
    assert as_of.value == dt.datetime(2026, 12, 1) and as_of.is_date


@pytest.mark.parametrize("lang,texts", [
    ("de", ("Kontoauszug C-1 zum 1. Dezember 2026", "Saldo EUR: 1.184,56 €, davon überfällig: 1.234,56 €",
            "Rechnung I-1 01.09.26 01.10.26 61 1.234,56", "Gutschrift CN-1", "Fälligkeitsstruktur")),
    ("nl", ("Rekeningoverzicht C-1 per 1 december 2026", "Saldo EUR: € 1.184,56, waarvan vervallen: € 1.234,56",
            "Factuur I-1 01-09-2026 01-10-2026 61 1.234,56", "Creditnota CN-1", "Ouderdomsoverzicht")),
    ("fr", ("Relevé de compte C-1 au 1er décembre 2026", "Solde EUR : 1 184,56 €, dont échu : 1 234,56 €",
            "Facture I-1 01/09/2026 01/10/2026 61 1 234,56", "Avoir CN-1", "Balance âgée")),
    ("en", ("Statement of account C-1 as of 1 December 2026", "Balance EUR: €1,184.56, of which overdue: €1,234.56",
            "Invoice I-1 01/09/2026 01/10/2026 61 1,234.56", "Credit note CN-1", "Aging summary")),
])
def test_each_language_formats_numbers_dates_and_currency_in_its_locale(tmp_path, lang, texts):
    wb = make(tmp_path / "collections.xlsx", lang)
    out = tmp_path / "st.pdf"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out)]) == 0
    text = pdf_text(out)
    for s in texts:
        assert s in text, (lang, s, text)


def test_fallback_language_from_config(tmp_path):
    wb = make(tmp_path / "collections.xlsx", customers=[("C-1", KUEHN, "", "", "DE", IBAN)])
    out = tmp_path / "st.pdf"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out)]) == 0
    assert "Statement of account C-1" in pdf_text(out)  # Config dunning.language: en
    assert xlsx.load(wb).get("Activities").iloc[-1]["channel"] == "letter"  # no e-mail address


def test_cli_errors_name_the_problem_and_change_nothing(tmp_path, capsys):
    wb = make(tmp_path / "collections.xlsx")
    before = wb.read_bytes()
    assert main(["statement", str(wb), "--customer", "C-404", "--as-of", AS_OF, "--out", str(tmp_path / "a.pdf")]) == 2
    assert "C-404" in capsys.readouterr().err
    assert main(["statement", str(wb), "--customer", "C-1", "--out", str(tmp_path / "a.docx")]) == 2
    assert "must end in .pdf or .xlsx" in capsys.readouterr().err
    existing = tmp_path / "there.pdf"
    existing.write_bytes(b"mine")
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(existing)]) == 2
    assert "there.pdf" in capsys.readouterr().err and existing.read_bytes() == b"mine"
    assert main(["statement", str(wb), "--customer", "C-1", "--out", str(wb)]) == 2
    capsys.readouterr()
    assert wb.read_bytes() == before and not (tmp_path / "a.pdf").exists()
    with pytest.raises(SystemExit) as e:  # --customer is required
        main(["statement", str(wb)])
    assert e.value.code == 2


def test_a_level_2_reminder_draft_carries_the_statement_as_a_second_pdf(tmp_path):
    wb = make(tmp_path / "collections.xlsx", "de")
    book = xlsx.load(wb)
    from ar_xl.book import Change
    change = Change("seed")
    change.tables["Reminders"] = frame("Reminders", [("R-000001", "C-1", 1, "2026-10-20", "I-1; I-3")],
                                       ["reminder_id", "customer_id", "level", "sent_on", "items"])
    xlsx.save(book, change)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", AS_OF, "--out", str(out), "--customer", "C-1"]) == 0
    drafts = sorted(p for p in out.iterdir() if p.suffix == ".eml")
    assert len(drafts) == 2  # EUR and USD letters, both level 2
    for path in drafts:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert msg["Subject"].startswith("Zweite Mahnung")
        atts = list(msg.iter_attachments())
        assert [a.get_content_type() for a in atts] == ["application/pdf", "application/pdf"]
        assert atts[1].get_filename().endswith("_statement.pdf")
        (tmp_path / "att.pdf").write_bytes(atts[1].get_content())
        text = pdf_text(tmp_path / "att.pdf")
        assert "Kontoauszug C-1 zum 1. Dezember 2026" in text and "Saldo USD: 2.000,00 $" in text
        assert (out / atts[1].get_filename()).read_bytes() == atts[1].get_content()
    acts = xlsx.load(wb).get("Activities")
    assert acts["outcome"].str.contains("with statement of account").sum() == 2


def test_nothing_open_says_so_and_a_long_statement_repeats_its_headings_on_each_page(tmp_path):
    many = [(f"I-{n:03d}", "C-1", KUEHN, "2026-09-01", "2026-10-01", "EUR", "10.00", "10.00", "open", "")
            for n in range(120)]
    wb = seeded(tmp_path / "collections.xlsx",
                Customers=([("C-1", KUEHN, "en", "", "DE"), ("C-3", "Quiet Ltd", "en", "", "GB")],
                           ["customer_id", "customer_name", "language", "email", "country"]),
                Invoices=(many, INVOICE_COLS))
    out = tmp_path / "quiet.pdf"
    assert main(["statement", str(wb), "--customer", "C-3", "--as-of", AS_OF, "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "Nothing is open on your account." in text and "Aging summary" not in text
    out = tmp_path / "long.pdf"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out)]) == 0
    pages = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")
    full = [p for p in map(flat, pages) if "Invoice I-" in p]
    assert len(full) >= 2 and all("Document" in p and "Balance" in p for p in full)
    text = flat(" ".join(pages))
    assert "Invoice I-119 01/09/2026 01/10/2026 61 10.00 10.00 1,200.00" in text
    assert "quote your customer number C-1 and the invoice numbers." in text  # 120 are not listed


def test_an_invoice_handed_over_to_an_agency_is_on_the_statement_with_the_agency_and_not_asked_to_us(tmp_path):
    wb = make(tmp_path / "collections.xlsx", "de")
    agency = "Inkasso Süd GmbH"
    assert main(["handover", str(wb), "--customer", "C-1", "--invoices", "I-1", "--to", agency,
                 "--on", AS_OF]) == 0
    assert main(["handover", str(wb), "--customer", "C-2", "--to", "Incasso Noord B.V.", "--on", AS_OF]) == 0
    out = tmp_path / "st.pdf"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out)]) == 0
    text = pdf_text(out)
    # still owed: on the statement, in its balance; its Reference cell says with whom it is settled
    assert "Rechnung I-1 01.09.26 01.10.26 61 1.234,56 1.234,56 1.234,56 bei Inkasso Süd GmbH" in text
    assert "RF18539007547034" not in text and "Saldo EUR: 1.184,56 €" in text
    assert f"Die Rechnung(en) I-1 haben wir an {agency} abgegeben: Bitte regeln Sie deren Zahlung direkt mit " \
           f"{agency}, nicht durch eine Überweisung an uns." in text
    # the invoice numbers to quote for a transfer to us leave it out
    assert "Kundennummer C-1 und die Rechnungsnummern an: I-2, I-3." in text
    assert "Bitte überweisen Sie an" in text
    xl = tmp_path / "st.xlsx"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(xl)]) == 0
    refs = {r[1].value: r[8].value for r in openpyxl.load_workbook(xl)["Statement"].iter_rows()
            if len(r) > 8 and r[1].value in ("I-1", "I-2")}
    assert refs == {"I-1": f"bei {agency}", "I-2": None}
    # everything the customer owes is with the agency: no bank account to pay us, no numbers to quote
    out = tmp_path / "c2.pdf"
    assert main(["statement", str(wb), "--customer", "C-2", "--as-of", AS_OF, "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "Factuur X-9" in text and "bij Incasso Noord B.V." in text and "Saldo EUR: € 99,00" in text
    assert "Factuur/facturen X-9 hebben wij uit handen gegeven aan Incasso Noord B.V." in text
    assert "Wij verzoeken u te betalen" not in text and "factuurnummers" not in text
    # a closed handover gives the invoice back: its payment reference again, and asked to us
    w = openpyxl.load_workbook(wb)
    ws = w["Handovers"]
    status = [c.value for c in ws[1]].index("Status") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, status, "closed")
    w.save(wb)
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out), "--force"]) == 0
    text = pdf_text(out)
    assert "1.234,56 RF18539007547034" in text and agency not in text
    assert "Kundennummer C-1 und die Rechnungsnummern an: I-1, I-2, I-3." in text


def test_a_statement_sent_keeps_the_follow_up_a_collector_planned(tmp_path):
    wb = make(tmp_path / "collections.xlsx", "en")
    book = xlsx.load(wb)
    from ar_xl.book import Change
    change = Change("seed")
    change.tables["Activities"] = frame("Activities", [
        ("A-000001", "2026-11-20 10:00", "sanne", "C-1", "call", "will call back", "2026-11-28"),
        ("A-000002", "2026-11-21 10:00", "sanne", "C-2", "call", "no answer", ""),
    ], ["activity_id", "at", "user", "customer_id", "channel", "outcome", "next_action_date"])
    xlsx.save(book, change)
    for cid in ("C-1", "C-2"):
        assert main(["statement", str(wb), "--customer", cid, "--as-of", AS_OF,
                     "--out", str(tmp_path / f"{cid}.pdf")]) == 0
    acts = xlsx.load(wb).get("Activities").set_index("activity_id")
    assert acts.loc["A-000003", "outcome"].startswith("statement sent")
    assert acts.loc["A-000003", "next_action_date"] == dt.datetime(2026, 11, 28)  # the call still planned
    assert pd_isna(acts.loc["A-000004", "next_action_date"])  # nothing was planned for C-2
    out = tmp_path / "wl.csv"
    assert main(["worklist", str(wb), "--as-of", AS_OF, "--out", str(out)]) == 0
    assert "next action due since 28 Nov" in out.read_text(encoding="utf-8")


def pd_isna(v) -> bool:
    import pandas as pd
    return bool(pd.isna(v))


def test_what_of_a_credit_note_was_refunded_is_no_credit_on_the_statement(tmp_path):
    wb = make(tmp_path / "collections.xlsx", "en")
    book = xlsx.load(wb)
    from ar_xl.book import Change
    change = Change("seed")
    cols = ["refund_id", "customer_id", "source_id", "kind", "amount", "currency", "status"]
    change.tables["Refunds"] = frame("Refunds", [
        ("RF-000001", "C-1", "CN-1", "credit note", "60.00", "EUR", "exported"),  # sent to the bank
        ("RF-000002", "C-1", "CN-1", "credit note", "15.00", "EUR", "proposed"),  # not paid yet: still a credit
    ], cols)
    xlsx.save(book, change)
    out = tmp_path / "st.pdf"
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "Credit note CN-1 15/10/2026 15/10/2026 -100.00 -40.00 1,194.56" in text
    assert "Balance EUR: €1,244.56" in text  # 1,184.56 + the 60.00 the customer got back
    book = xlsx.load(wb)
    change = Change("seed")
    change.tables["Refunds"] = frame("Refunds", [
        ("RF-000001", "C-1", "CN-1", "credit note", "100.00", "EUR", "exported")], cols)
    xlsx.save(book, change)
    assert main(["statement", str(wb), "--customer", "C-1", "--as-of", AS_OF, "--out", str(out), "--force"]) == 0
    text = pdf_text(out)
    assert "CN-1" not in text and "Balance EUR: €1,284.56" in text

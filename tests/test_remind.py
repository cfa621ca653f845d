"""ar-xl remind: drafts and letters in four languages, what they hold, what is logged, and what is never sent.

The .eml drafts are read back with Python's email parser and the PDF letters with pdftotext
(poppler-utils), as a collector's mail program and eyes would read them.  The date is always given.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import subprocess

import pytest

from ar_xl.cli import main
from ar_xl.workbook import xlsx

from helpers import seeded

AS_OF = "2026-12-01"

CUSTOMERS = [
    ("C-EN", "Hargreaves & Søn Ltd", "en", "ledger@hargreaves.example", ""),
    ("C-NL", "Bakker Logistiek B.V.", "nl", "crediteuren@bakker.example", ""),
    ("C-DE", "Spedition Kühn GmbH", "de", "buchhaltung@kuehn.example", ""),
    ("C-FR", "Société d'Épicerie Générale", "fr", "compta@epicerie.example", ""),
    ("C-XX", "No Mail Trading", "", "", ""),
    ("C-NO", "Never Remind Ltd", "en", "ap@never.example", "TRUE"),
]

EXPECT = {  # language: (total 1,334.56 in its locale, the due date 1 October 2026, the level-1 subject word)
    "en": ("€1,334.56", "1 October 2026", "Payment reminder"),
    "nl": ("€ 1.334,56", "1 oktober 2026", "Betalingsherinnering"),
    "de": ("1.334,56 €", "1. Oktober 2026", "Zahlungserinnerung"),
    "fr": ("1 334,56 €", "1er octobre 2026", "Rappel de paiement"),  # the first of a month: 1er
}


def _invoices():
    rows = []
    for cid, name, *_ in CUSTOMERS:
        rows.append((f"{cid}-A", cid, name, "2026-09-01", "2026-10-01", "EUR", "1234.56", "1234.56", "open"))
        rows.append((f"{cid}-B", cid, name, "2026-10-21", "2026-11-20", "EUR", "100.00", "100.00", "open"))
    return rows


@pytest.fixture
def wb(tmp_path):
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([(c, n, lang, mail, no) for c, n, lang, mail, no in CUSTOMERS],
                   ["customer_id", "customer_name", "language", "email", "no_reminders"]),
        Invoices=(_invoices(), ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency",
                                "amount", "open_amount", "status"]),
    )


def set_config(path, **values):
    """Type Config values as a team lead would (the Config sheet: setting | value | description)."""
    import openpyxl
    w = openpyxl.load_workbook(path)
    ws = w["Config"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for k, v in values.items():
        ws.cell(rows[k.replace("__", ".")], 2, v)
    w.save(path)


def flat(text: str) -> str:
    """Whitespace (line breaks, no-break and narrow no-break spaces) as single spaces."""
    return " ".join(text.split())


def pdf_text(data: bytes, tmp_path) -> str:
    p = tmp_path / "x.pdf"
    p.write_bytes(data)
    return flat(subprocess.run(["pdftotext", str(p), "-"], check=True, capture_output=True, text=True).stdout)


def draft(out, cid):
    [path] = [p for p in out.iterdir() if p.suffix == ".eml" and f"_{cid}_" in p.name]
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_one_draft_and_letter_per_language_hold_the_customer_items_and_totals(wb, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", AS_OF, "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "made 5 reminder(s)" in summary and "customer flagged no reminders (2)" in summary  # C-NO's 2 items
    for cid, name, lang, mail, _ in CUSTOMERS[:4]:
        msg = draft(out, cid)
        total, due, word = EXPECT[lang]
        assert msg["X-Unsent"] == "1" and msg["To"] == mail and msg["From"] == "ar@example.com"
        assert msg["Content-Language"] == lang
        assert word in msg["Subject"] and cid in msg["Subject"]
        body = flat(msg.get_body(("plain",)).get_content())
        [att] = list(msg.iter_attachments())
        assert att.get_content_type() == "application/pdf" and att.get_filename().endswith(".pdf")
        letter = pdf_text(att.get_content(), tmp_path)
        for text in (body, letter):
            assert name in text, (lang, text)
            assert f"{cid}-A" in text and f"{cid}-B" in text
            assert flat(total) in text and due in text, (lang, text)
        assert "Your Company B.V." in letter and word in letter
        # the letter on disk is the attached one
        assert (out / att.get_filename()).read_bytes() == att.get_content()
    # no e-mail address: a PDF letter in the fallback language, no draft
    assert [p.suffix for p in out.iterdir() if "_C-XX_" in p.name] == [".pdf"]
    assert not [p for p in out.iterdir() if "_C-NO_" in p.name]


def test_reminders_activities_and_audit_are_logged_and_the_same_level_is_not_sent_twice(wb, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    main(["remind", str(wb), "--as-of", AS_OF, "--out", str(out)])
    book = xlsx.load(wb)
    rem = book.get("Reminders").set_index("customer_id")
    assert sorted(rem.index) == ["C-DE", "C-EN", "C-FR", "C-NL", "C-XX"]
    de = rem.loc["C-DE"]
    assert (de["level"], de["tone"], de["language"], de["items"], int(de["amount"]), int(de["total"])) == \
        (1, "friendly", "de", "C-DE-A; C-DE-B", 133456, 133456)
    assert de["sent_on"].date() == dt.date(2026, 12, 1) and de["file"].endswith(".pdf") and de["draft"].endswith(".eml")
    assert rem.loc["C-XX", "language"] == "en" and rem.loc["C-XX", "draft"] == ""
    acts = book.get("Activities")
    assert len(acts) == 5 and set(acts["channel"]) == {"email", "letter"}
    assert (acts["next_action_date"].dt.date == dt.date(2026, 12, 8)).all()
    audit = book.get("Audit")
    assert (audit["action"] == "remind").sum() == 10
    files = sorted(p.name for p in out.iterdir())

    capsys.readouterr()
    main(["remind", str(wb), "--as-of", "2026-12-10", "--out", str(out)])
    assert "made 0 reminder(s)" in capsys.readouterr().out
    assert len(xlsx.load(wb).get("Reminders")) == 5 and sorted(p.name for p in out.iterdir()) == files
    # a run for one customer says when its items are due next
    main(["remind", str(wb), "--as-of", "2026-12-10", "--out", str(out), "--customer", "C-NL", "--dry-run"])
    assert "not reminded: not due for level 2 before 2026-12-15 (2)" in capsys.readouterr().out

    # 15 days later: level 2 (second reminder) for both items, B now 26 days overdue
    main(["remind", str(wb), "--as-of", "2026-12-16", "--out", str(out), "--customer", "C-NL"])
    rem = xlsx.load(wb).get("Reminders")
    last = rem.iloc[-1]
    assert (len(rem), last["customer_id"], last["level"], last["tone"]) == (6, "C-NL", 2, "second")
    assert "Tweede herinnering" in draft_of(out, last["draft"])["Subject"]


def draft_of(out, path):
    with open(path, "rb") as f:
        return email.message_from_bytes(f.read(), policy=email.policy.default)


def test_exclusions_disputed_promised_on_plan(tmp_path, capsys):
    wb = seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", "Alpha", "en", "a@x.example")], ["customer_id", "customer_name", "language", "email"]),
        Invoices=([
            ("I1", "C1", "Alpha", "2026-09-01", "2026-10-01", "EUR", "500.00", "500.00", "open"),
            ("I2", "C1", "Alpha", "2026-09-01", "2026-10-01", "EUR", "600.00", "600.00", "open"),
            ("I3", "C1", "Alpha", "2026-09-01", "2026-10-01", "EUR", "700.00", "700.00", "open"),
            ("I4", "C1", "Alpha", "2026-09-01", "2026-10-01", "EUR", "800.00", "800.00", "open"),
        ], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount", "status"]),
        Disputes=([("D-000001", "C1", "I1", "500.00", "EUR", "price", "Sales", "open", "2026-11-01")],
                  ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status",
                   "opened"]),
        Promises=([("P-000001", "C1", "I2", "600.00", "EUR", "2026-11-29", "open")],
                  ["promise_id", "customer_id", "invoice_ids", "amount", "currency", "promised_date", "status"]),
        Plans=([("PL-1", "C1", "I3", 1, "2026-12-20", "700.00", "open", "active")],
               ["plan_id", "customer_id", "invoice_ids", "installment_no", "due_date", "amount", "status",
                "plan_status"]),
    )
    assert main(["remind", str(wb), "--as-of", AS_OF, "--dry-run"]) == 0
    shown = capsys.readouterr().out
    assert "C1\tlevel 1 (friendly)\ten\tEUR 800.00\tI4" in shown
    assert "not reminded\tC1\tI1\tdisputed" in shown
    assert "not reminded\tC1\tI2\tpromised" in shown  # 29 Nov + 3 days grace is after 1 Dec
    assert "not reminded\tC1\tI3\ton a live payment plan" in shown
    assert "would make 1 reminder(s)" in shown
    assert not xlsx.load(wb).has("Reminders") or len(xlsx.load(wb).get("Reminders")) == 0
    # the promise's grace is over on 3 Dec: I2 joins I4
    main(["remind", str(wb), "--as-of", "2026-12-03", "--dry-run"])
    assert "EUR 1,400.00\tI2; I4" in capsys.readouterr().out


def test_final_notice_in_german_claims_fee_interest_and_compensation(tmp_path):
    wb = seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C-DE", "Spedition Kühn GmbH", "de", "b@kuehn.example")],
                   ["customer_id", "customer_name", "language", "email"]),
        Invoices=([("I1", "C-DE", "Spedition Kühn GmbH", "2026-08-03", "2026-09-02", "EUR", "1000.00", "1000.00", "open")],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount", "status"]),
        Reminders=([("R-000001", "C-DE", 1, "2026-10-01", "I1"), ("R-000002", "C-DE", 2, "2026-11-01", "I1")],
                   ["reminder_id", "customer_id", "level", "sent_on", "items"]),
    )
    set_config(wb, dunning__interest_rate="10", company__name="Nordlicht Straße & Söhne AG",
               dunning__level3="days=35; gap=14; fee=15; interest=yes; compensation=yes; tone=final")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", AS_OF, "--out", str(out)]) == 0
    last = xlsx.load(wb).get("Reminders").iloc[-1]
    # 90 days: 1000.00 x 10 % x 90 / 365 = 24.66; fee 15.00; compensation 40.00
    assert (last["level"], int(last["interest"]), int(last["fee"]), int(last["compensation"]), int(last["total"])) == \
        (3, 2466, 1500, 4000, 100000 + 2466 + 1500 + 4000)
    msg = draft_of(out, last["draft"])
    assert msg["Subject"].startswith("Letzte Mahnung")
    letter = pdf_text(next(msg.iter_attachments()).get_content(), tmp_path)
    for text in ("Nordlicht Straße & Söhne AG", "Spedition Kühn GmbH", "Mahngebühr: 15,00 €", "Verzugszinsen",
                 "24,66 €", "40,00 €", "Gesamtbetrag: 1.079,66 €", "2. September 2026"):
        assert text in letter, text


def test_templates_overridden_from_a_folder_in_config(tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "friendly_en.txt").write_text("Subject: Hello {{ customer_id }}\n\nPlease pay {{ total }}, {{ customer_name }}.\n",
                                         encoding="utf-8")
    wb = seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", "Ørsted Ærø ApS", "en", "a@x.example")], ["customer_id", "customer_name", "language", "email"]),
        Invoices=([("I1", "C1", "x", "2026-09-01", "2026-10-01", "EUR", "99.00", "99.00", "open")],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount", "status"]))
    set_config(wb, dunning__templates=str(tpl))
    out = tmp_path / "out"
    out.mkdir()
    main(["remind", str(wb), "--as-of", AS_OF, "--out", str(out)])
    msg = draft(out, "C1")
    assert msg["Subject"] == "Hello C1"
    assert flat(msg.get_body(("plain",)).get_content()) == "Please pay €99.00, Ørsted Ærø ApS."


def test_a_missing_folder_is_refused_and_nothing_changes(wb, tmp_path, capsys):
    before = wb.read_bytes()
    assert main(["remind", str(wb), "--as-of", AS_OF, "--out", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert wb.read_bytes() == before


def test_two_addresses_in_customers_email_are_both_on_the_draft():
    import datetime as d
    from ar_xl.config import Config
    from ar_xl.engine.dunning import Letter
    from ar_xl.letters import render
    cfg = Config()
    lt = Letter("C1", "Ålesund Fisk AS", "en", "a@x.example; b@y.example\n", "NO", cfg.dunning.level(1), "EUR",
                {"invoice_id": ["I1"], "invoice_date": [d.date(2026, 9, 1)], "due_date": [d.date(2026, 10, 1)],
                 "days_overdue": [61], "amount": [5000], "open_amount": [5000], "interest": [0],
                 "payment_reference": [""]}, amount=5000)
    subject, body = render.texts(lt, cfg.dunning, d.date(2026, 12, 1))
    data = render.eml(lt, subject, body, b"%PDF-1.4", "x.pdf", cfg.dunning, d.datetime(2026, 12, 1, 9))
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert [a.addr_spec for a in msg["To"].addresses] == ["a@x.example", "b@y.example"]
    assert "Ålesund Fisk AS" in msg.get_body(("plain",)).get_content() and "€50.00" in msg.get_body(("plain",)).get_content()


def test_an_unknown_customer_is_refused(wb, capsys):
    assert main(["remind", str(wb), "--as-of", AS_OF, "--customer", "C-ZZ", "--dry-run"]) == 2
    assert "C-ZZ" in capsys.readouterr().err


def test_a_customer_id_typed_in_another_case_is_the_customer(wb, capsys):
    """As ``ar-xl customer`` and ``statement`` take them: c-de is C-DE (actions.plan.same_id)."""
    assert main(["remind", str(wb), "--as-of", AS_OF, "--customer", "c-de,C-nl", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "C-DE\tlevel 1 (friendly)\tde\tEUR 1,334.56\tC-DE-A; C-DE-B" in out
    assert "C-NL\tlevel 1 (friendly)" in out and "C-EN\t" not in out
    assert main(["statement", str(wb), "--as-of", AS_OF, "--customer", "c-de", "--out",
                 str(wb.parent / "st.pdf")]) == 0


def test_customer_ids_differing_only_in_case_are_named_not_guessed():
    from ar_xl.actions.plan import same_id
    assert same_id("C10993", ["C10993", "c10993"]) == ["C10993"]
    assert same_id("c10993", ["C10993", "C1"]) == ["C10993"]
    assert same_id("C10993 ", ["C10993"]) == []  # callers strip what was typed
    assert same_id("Ab1", ["AB1", "ab1"]) == ["AB1", "ab1"]


def test_an_unknown_level_is_refused(wb, capsys):
    assert main(["remind", str(wb), "--as-of", AS_OF, "--level", "7", "--dry-run"]) == 2
    assert "no reminder level 7" in capsys.readouterr().err


def test_a_workbook_made_before_the_reminders_table_gets_one(wb, tmp_path):
    import openpyxl
    w = openpyxl.load_workbook(wb)
    del w["Reminders"]
    w.save(wb)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", AS_OF, "--out", str(out), "--customer", "C-NL,C-FR"]) == 0
    assert sorted(xlsx.load(wb).get("Reminders")["customer_id"]) == ["C-FR", "C-NL"]


# ------------------------------------------------------------------ statutory interest

def _interest_book(tmp_path, country, due, reminded):
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C-DE", "Spedition Kühn GmbH", "de", "b@kuehn.example", country)],
                   ["customer_id", "customer_name", "language", "email", "country"]),
        Invoices=([("I1", "C-DE", "Spedition Kühn GmbH", "2025-05-16", due, "EUR", "1000.00", "1000.00", "open")],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount", "status"]),
        Reminders=([("R-000001", "C-DE", 1, reminded[0], "I1"), ("R-000002", "C-DE", 2, reminded[1], "I1")],
                   ["reminder_id", "customer_id", "level", "sent_on", "items"]),
    )


def test_final_notice_claims_the_statutory_rate_of_the_customers_country_across_1_july(tmp_path, capsys):
    """DE, § 288 (2) BGB: Basiszinssatz + 9.  1,000.00 due 15 June 2025, as of 31 August 2025:
    16-30 June = 15 days at 2.27 + 9 = 11.27 %: 100000 x 11.27 % x 15 / 365 = 463.15 -> 4.63;
    1 July-31 August = 62 days at 1.27 + 9 = 10.27 %: 100000 x 10.27 % x 62 / 365 = 1744.49 -> 17.44;
    interest 22.07 (rounded per period)."""
    wb = _interest_book(tmp_path, "DE", "2025-06-15", ("2025-06-25", "2025-07-20"))
    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", "2025-08-31", "--out", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
    last = xlsx.load(wb).get("Reminders").iloc[-1]
    assert (int(last["level"]), int(last["interest"]), int(last["compensation"])) == (3, 2207, 4000)
    assert int(last["total"]) == 100000 + 2207 + 4000
    letter = pdf_text(next(draft_of(out, last["draft"]).iter_attachments()).get_content(), tmp_path)
    for text in ("Verzugszinsen (§ 288 (2) BGB: 11,27 % (1. Halbjahr 2025), 10,27 % (2. Halbjahr 2025) p. a.): 22,07 €",
                 "Gesamtbetrag: 1.062,07 €"):
        assert text in letter, (text, letter)


def test_a_missing_rate_is_said_in_the_letter_and_warned_never_guessed(tmp_path, capsys):
    """The shipped table ends with 2026H1: interest into 2026H2 is left out, not estimated."""
    wb = _interest_book(tmp_path, "DE", "2026-06-15", ("2026-06-25", "2026-07-20"))
    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", "2026-08-31", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "interest left out of 1 item(s) in 1 reminder(s) (customer C-DE): no statutory rate for DE 2026H2" in err
    assert "rate.DE.2026H2" in err
    last = xlsx.load(wb).get("Reminders").iloc[-1]
    assert (int(last["interest"]), int(last["total"])) == (0, 100000 + 4000)
    letter = pdf_text(next(draft_of(out, last["draft"]).iter_attachments()).get_content(), tmp_path)
    assert "Verzugszinsen für 2. Halbjahr 2026 sind nicht enthalten" in letter


def test_a_customer_without_a_country_uses_the_config_fallback_and_a_flat_rate_overrides(tmp_path, capsys):
    wb = _interest_book(tmp_path, "", "2025-06-15", ("2025-06-25", "2025-07-20"))
    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", "2025-08-31", "--dry-run"]) == 0
    assert "the customer has no country and Config dunning.interest_country is empty" in capsys.readouterr().err
    set_config(wb, dunning__interest_country="DE")
    assert main(["remind", str(wb), "--as-of", "2025-08-31", "--out", str(out)]) == 0
    assert int(xlsx.load(wb).get("Reminders").iloc[-1]["interest"]) == 2207
    # an explicit flat rate: 1000.00 x 8 % x 77 days / 365 = 16.88
    (tmp_path / "flat").mkdir()
    wb2 = _interest_book(tmp_path / "flat", "DE", "2025-06-15", ("2025-06-25", "2025-07-20"))
    set_config(wb2, dunning__interest_rate="8")
    out2 = tmp_path / "out2"
    out2.mkdir()
    assert main(["remind", str(wb2), "--as-of", "2025-08-31", "--out", str(out2)]) == 0
    last = xlsx.load(wb2).get("Reminders").iloc[-1]
    assert int(last["interest"]) == 1688
    letter = pdf_text(next(draft_of(out2, last["draft"]).iter_attachments()).get_content(), tmp_path)
    assert "Verzugszinsen (8,00 % p. a.): 16,88 €" in letter


INV_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount", "status"]
PAY_COLS = ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
            "unapplied_amount", "status"]
MATCH_COLS = ["match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "decision", "review", "applied"]


def test_open_credit_covering_the_overdue_items_gets_no_letter_and_part_of_it_is_set_off_in_the_letter(tmp_path,
                                                                                                      capsys):
    wb = seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C-W", "De Wit Groothandel B.V.", "nl", "f@dewit.example"),
                    ("C-P", "Spedition Kühn GmbH", "de", "b@kuehn.example")],
                   ["customer_id", "customer_name", "language", "email"]),
        Invoices=([
            ("W1", "C-W", "De Wit", "2026-05-25", "2026-06-24", "EUR", "1777.00", "649.13", "open"),
            ("W2", "C-W", "De Wit", "2026-07-07", "2026-08-06", "EUR", "966.00", "348.54", "open"),
            ("W3", "C-W", "De Wit", "2026-11-06", "2026-12-06", "EUR", "1136.70", "1136.70", "open"),
            ("CN-W", "C-W", "De Wit", "2026-11-06", "2026-11-06", "EUR", "-3157.76", "-3157.76", "open"),
            ("P1", "C-P", "Kühn", "2026-08-03", "2026-09-02", "EUR", "1000.00", "1000.00", "open"),
            ("P2", "C-P", "Kühn", "2026-08-03", "2026-09-02", "EUR", "500.00", "500.00", "open"),
            ("CN-P", "C-P", "Kühn", "2026-10-01", "2026-10-01", "EUR", "-1200.00", "-1200.00", "open"),
        ], INV_COLS),
        Reminders=([("R-000001", "C-W", 1, "2026-10-01", "W1; W2"), ("R-000002", "C-W", 2, "2026-11-01", "W1; W2"),
                    ("R-000003", "C-P", 1, "2026-10-01", "P1; P2"), ("R-000004", "C-P", 2, "2026-11-01", "P1; P2")],
                   ["reminder_id", "customer_id", "level", "sent_on", "items"]),
    )
    set_config(wb, dunning__interest_rate="10",
               dunning__level3="days=35; gap=14; fee=15; interest=yes; compensation=yes; tone=final")
    assert main(["remind", str(wb), "--as-of", AS_OF, "--dry-run", "--customer", "C-W"]) == 0
    shown = capsys.readouterr().out
    assert "would make 0 reminder(s)" in shown
    assert ("not reminded: open credit covers (1: C-W EUR 997.67 overdue, CN-W EUR 3,157.76 open; allocate it: "
            "ar-xl credits WORKBOOK --allocate CN-W --to W1,W2)") in shown

    out = tmp_path / "out"
    out.mkdir()
    assert main(["remind", str(wb), "--as-of", AS_OF, "--out", str(out)]) == 0
    assert "open credit covers (2: C-W EUR 997.67 overdue" in capsys.readouterr().out
    rem = xlsx.load(wb).get("Reminders")
    assert list(rem["customer_id"]) == ["C-W", "C-W", "C-P", "C-P", "C-P"]  # one final notice, Kühn's
    last = rem.iloc[-1]
    # P1 (1,000.00) is covered whole and left out; P2 keeps 300.00: interest on it, one compensation
    assert (last["items"], int(last["amount"]), int(last["interest"]), int(last["compensation"]),
            int(last["total"])) == ("P2", 50000, 740, 4000, 50000 - 20000 + 1500 + 740 + 4000)
    assert last["note"] == "credit note CN-P EUR 200.00 set against"
    letter = pdf_text(next(draft_of(out, last["draft"]).iter_attachments()).get_content(), tmp_path)
    for text in ("Offener Betrag: 500,00 €", "Abzüglich unserer Gutschrift CN-P: -200,00 €",
                 "Gesamtbetrag: 362,40 €"):
        assert text in letter, text
    assert "Rechnung P2 vom" in letter and "Rechnung P1 vom" not in letter  # P1 is covered: not asked


def test_an_item_a_payment_in_review_may_pay_is_held_back_and_unproposed_cash_is_warned(tmp_path, capsys):
    wb = seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", "Dijkstra & Zn.", "nl", "c@dijkstra.example", "NL91ABNA0417164300"),
                    ("C2", "Brouwer", "nl", "f@brouwer.example", "DE89370400440532013000")],
                   ["customer_id", "customer_name", "language", "email", "iban"]),
        Invoices=([
            ("I1", "C1", "Dijkstra", "2026-09-01", "2026-10-01", "EUR", "1178.10", "1178.10", "open"),
            ("I2", "C1", "Dijkstra", "2026-09-01", "2026-10-01", "EUR", "300.00", "300.00", "open"),
            ("I3", "C1", "Dijkstra", "2026-09-01", "2026-10-01", "EUR", "400.00", "400.00", "open"),
            ("I4", "C1", "Dijkstra", "2026-09-01", "2026-10-01", "EUR", "200.00", "200.00", "open"),
            ("J1", "C2", "Brouwer", "2026-09-01", "2026-10-01", "EUR", "982.00", "982.00", "open"),
        ], INV_COLS),
        Payments=([
            ("P-1", "2026-11-30", "1154.54", "EUR", "DIJKSTRA", "NL91ABNA0417164300", "Factuur I1", "1154.54",
             "unapplied"),
            ("P-2", "2026-11-30", "300.00", "EUR", "DIJKSTRA", "NL91ABNA0417164300", "?", "300.00", "unapplied"),
            ("P-3", "2026-11-30", "400.00", "EUR", "DIJKSTRA", "NL91ABNA0417164300", "?", "400.00", "unapplied"),
            ("P-4", "2026-11-30", "982.00", "EUR", "BROUWER", "DE89370400440532013000", "J1", "982.00", "unapplied"),
        ], PAY_COLS),
        Matches=([
            ("M-P-1-I1-S1", "P-1", "I1", "C1", "1154.54", "suggested", None, "FALSE"),
            ("M-P-2-unmatched", "P-2", "I2", "C1", "0", "unmatched", None, "FALSE"),  # I2 typed by a person
            ("M-P-3-I3-S1", "P-3", "I3", "C1", "400.00", "suggested", "Reject", "FALSE"),  # rejected: I3 reminded
            ("M-P-4-J1-S1", "P-4", "J1", "C2", "982.00", "suggested", None, "FALSE"),
        ], MATCH_COLS),
    )
    assert main(["remind", str(wb), "--as-of", AS_OF, "--dry-run"]) == 0
    shown = capsys.readouterr().out
    assert "C1\tlevel 1 (friendly)\tnl\tEUR 600.00\tI3; I4" in shown and "\nC2\t" not in "\n" + shown
    assert ("waiting for review (3: I1 payment P-1 of EUR 1,154.54, Matches row M-P-1-I1-S1; "
            "I2 payment P-2 of EUR 300.00, Matches row M-P-2-unmatched; "
            "J1 payment P-4 of EUR 982.00, Matches row M-P-4-J1-S1)") in shown
    # P-3's suggestion was rejected: its cash is proposed nowhere, and C1 is reminded
    assert "warning: C1 has unapplied cash EUR 400.00 (P-3) that no Matches row proposes" in shown

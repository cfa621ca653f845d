"""Cash application, issue 15 §1-2: a payment naming an invoice already settled is never applied elsewhere
(a possible duplicate, naming the earlier payment); a discount is written off only when earned by the value date;
tolerances are exact, rounded half away from zero."""
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from ar_xl import frames
from ar_xl.config import Config, PaymentTerms, from_rows, parse_terms
from ar_xl.engine.matching import match
from ar_xl.money import percent_of, round_half

IBAN_A = "NL91ABNA0417164300"
IBAN_B = "DE89370400440532013000"


def invoices(rows):
    """rows: (invoice_id, customer, invoice date, amount text, open amount text)."""
    return frames.coerce(pd.DataFrame([
        {"invoice_id": i, "customer_id": c, "customer_name": "", "invoice_date": d, "due_date": "2026-12-31",
         "currency": "EUR", "amount": a, "open_amount": o} for i, c, d, a, o in rows]), "Invoices", "test")


def payments(rows):
    """rows: (payment_id, value date, amount text, iban, remittance)."""
    return frames.coerce(pd.DataFrame([
        {"payment_id": p, "value_date": d, "amount": a, "currency": "EUR", "payer_name": "", "payer_iban": ib,
         "remittance": t} for p, d, a, ib, t in rows]), "Payments", "test")


def customers(terms=("", "")):
    return frames.coerce(pd.DataFrame({
        "customer_id": ["A", "B"], "customer_name": ["Transport Jansen B.V.", "Bäckerei Müller GmbH"],
        "iban": [IBAN_A, IBAN_B], "aliases": ["", ""], "payment_terms": list(terms)}), "Customers", "test")


def rows_of(res, pid):
    return res[res["payment_id"] == pid]


# ---------------------------------------------------------------- duplicates

BOOK = [
    ("2026-0001", "A", "2026-02-01", "500.00", "0.00"),    # paid before this batch by P0
    ("2026-0002", "A", "2026-02-15", "500.00", "500.00"),  # another open invoice of the same amount
    ("2026-0003", "A", "2026-02-20", "120.00", "120.00"),
]


def test_ap_rerun_of_a_settled_invoice_is_never_applied_to_another_invoice_of_the_same_amount():
    res = match(payments([("P9", "2026-04-02", "500.00", IBAN_A, "Factuur 2026-0001")]), invoices(BOOK), customers(),
                paid_by={"2026-0001": [("P0", "2026-03-01")]})
    p9 = rows_of(res, "P9")
    assert "auto" not in set(p9["decision"])
    assert all("possible duplicate" in f.split(";") for f in p9["flags"])
    first = p9[p9["rank"] == 1].iloc[0]
    # the suggestion names the invoice the remittance names, applies nothing, and names the earlier payment
    assert (first["invoice_id"], int(first["applied_amount"]), first["rule"]) == ("2026-0001", 0, "ref+duplicate")
    assert "already settled by payment P0 of 2026-03-01" in first["evidence"]
    # the other open invoice of the same amount may be shown to a person, never applied
    other = p9[p9["invoice_id"] == "2026-0002"]
    assert (other["decision"] == "suggested").all()
    assert "2026-0001 already settled by payment P0" in other["evidence"].iloc[0]


def test_a_settled_invoice_with_no_payment_on_record_is_still_a_possible_duplicate():
    res = match(payments([("P9", "2026-04-02", "500.00", IBAN_A, "Rechnung 2026-0001")]), invoices(BOOK), customers())
    assert "auto" not in set(res["decision"])
    assert "already settled by an earlier payment not on record here" in res["evidence"].iloc[0]


def test_second_payment_in_the_same_statement_is_a_possible_duplicate_naming_the_first():
    book = [("2026-0011", "A", "2026-02-01", "500.00", "500.00"),
            ("2026-0012", "A", "2026-02-15", "500.00", "500.00")]
    pays = payments([("P2", "2026-03-12", "500.00", IBAN_A, "Factuur 2026-0011 (herhaling)"),
                     ("P1", "2026-03-10", "500.00", IBAN_A, "Factuur 2026-0011")])
    res = match(pays, invoices(book), customers())
    p1, p2 = rows_of(res, "P1"), rows_of(res, "P2")
    assert list(zip(p1["invoice_id"], p1["applied_amount"].astype(int), p1["decision"])) == [("2026-0011", 50000, "auto")]
    assert "auto" not in set(p2["decision"])
    assert int(p2.loc[p2["invoice_id"] == "2026-0012", "applied_amount"].sum()) in (0, 50000)
    assert not ((p2["invoice_id"] == "2026-0012") & (p2["decision"] == "auto")).any()
    assert "already settled by payment P1 of 2026-03-10" in p2[p2["rank"] == 1]["evidence"].iloc[0]
    assert "possible duplicate" in p2["flags"].iloc[0].split(";")


def test_a_structured_reference_to_a_settled_invoice_is_a_possible_duplicate():
    from ar_xl.engine.refs import rf_make
    rf = rf_make("4711")
    inv = invoices(BOOK)
    inv["payment_reference"] = [rf, "", ""]
    pays = payments([("P9", "2026-04-02", "500.00", IBAN_A, "")])
    pays["creditor_reference"] = rf
    res = match(pays, inv, customers(), paid_by={"2026-0001": [("P0", pd.Timestamp("2026-03-01"))]})
    assert "auto" not in set(res["decision"])
    assert res[res["rank"] == 1]["invoice_id"].iloc[0] == "2026-0001"
    assert "payment P0 of 2026-03-01" in res["evidence"].iloc[0]


def test_the_rest_of_its_own_overpayment_is_not_a_duplicate_of_itself():
    # P1 paid 2026-0001 and left 50.00 unapplied; matching that rest again must not call P1 a duplicate of itself
    pays = payments([("P1", "2026-03-01", "550.00", IBAN_A, "Factuur 2026-0001")])
    pays["unapplied_amount"] = [5000]
    res = match(pays, invoices(BOOK), customers(), paid_by={"2026-0001": [("P1", "2026-03-01")]})
    assert not any("possible duplicate" in f.split(";") for f in res["flags"])


def test_a_reference_to_another_customers_settled_invoice_is_read_as_before():
    # payer B (IBAN known) quotes A's settled invoice: not a duplicate of B's; B's own exact invoice is applied
    book = BOOK + [("2026-0101", "B", "2026-02-01", "500.00", "500.00")]
    res = match(payments([("P9", "2026-04-02", "500.00", IBAN_B, "Rechnung 2026-0001")]), invoices(book), customers(),
                paid_by={"2026-0001": [("P0", "2026-03-01")]})
    assert not any("possible duplicate" in f.split(";") for f in res["flags"])
    assert "2026-0001" not in set(res.loc[res["applied_amount"] > 0, "invoice_id"])


# ---------------------------------------------------------------- discounts only when earned

DISC = [("2026-0201", "A", "2026-03-01", "1000.00", "1000.00"),
        ("2026-0202", "A", "2026-03-01", "980.00", "980.00")]  # would fit 980.00 exactly, by amount alone


@pytest.mark.parametrize("day,decision,write_off,short", [
    ("2026-03-15", "auto", 2000, 0),        # 14 days after the invoice date: earned (default 2 % 14 days)
    ("2026-03-16", "suggested", 0, 2000),   # one day late: unearned
])
def test_a_discount_is_written_off_only_within_the_discount_period(day, decision, write_off, short):
    res = match(payments([("P1", day, "980.00", IBAN_A, "RE 2026-0201 abzgl. 2% Skonto")]), invoices(DISC),
                customers())
    r = res[res["rank"] == 1].iloc[0]
    assert (r.invoice_id, int(r.applied_amount), r.decision, int(r.write_off), int(r.short_pay)) == \
        ("2026-0201", 98000, decision, write_off, short)
    if decision == "suggested":
        assert {"short_pay", "unearned_discount"} <= set(r["flags"].split(";"))
        assert "proposed dispute: unearned discount" in r.evidence and r.rule == "ref+unearned"
        assert not (res["decision"] == "auto").any()
    else:
        assert "discount" in r["flags"].split(";") and "early-payment discount earned (2 % 14 days)" in r.evidence


@pytest.mark.parametrize("paid,evidence", [
    ("980.00", "20.00 EUR short: early-payment discount earned (2 % 14 days)"),   # the 2 % itself
    ("980.01", "19.99 EUR short: early-payment discount earned (2 % 14 days)"),   # … worked out a cent apart
    ("987.50", "12.50 EUR short: within the early-payment discount earned (2 % 14 days: up to 20.00)"),
])
def test_a_shortfall_within_the_discount_earned_is_written_off_and_said_for_what_it_is(paid, evidence):
    # paid on day 9: up to 20.00 is earned; 12.50 is no 2 % (a bank's charges, perhaps), written off all the same
    res = match(payments([("P1", "2026-03-10", paid, IBAN_A, "RE 2026-0201")]), invoices(DISC), customers())
    r = res.iloc[0]
    short = 100000 - int(Decimal(paid) * 100)
    assert (r.decision, r.invoice_id, int(r.write_off), int(r.short_pay)) == ("auto", "2026-0201", short, 0)
    assert evidence in r.evidence


@pytest.mark.parametrize("paid,text,unearned", [
    ("980.00", "RE 2026-0201", True),                  # 2 % of 1,000.00 off, paid late: a discount taken
    ("980.01", "RE 2026-0201", True),                  # … worked out a cent apart
    ("985.00", "RE 2026-0201", False),                 # 15.00 short without a word: a short payment
    ("985.00", "RE 2026-0201 abzgl. Skonto", True),    # … which the remittance calls a discount
    ("979.00", "RE 2026-0201 abzgl. 2% Skonto", False),  # more than the terms' discount: a short payment
])
def test_a_late_shortfall_is_an_unearned_discount_only_when_it_is_one(paid, text, unearned):
    # paid on day 20 (the discount period of 2 % 14 days is over); 980.00 would also be 2026-0202 to the cent,
    # which the remittance does not name
    inv = invoices(DISC[:1] + [("2026-0203", "A", "2026-03-01", "400.00", "400.00")])
    res = match(payments([("P1", "2026-03-21", paid, IBAN_A, text)]), inv, customers())
    r = res[res["rank"] == 1].iloc[0]
    short = 100000 - int(Decimal(paid) * 100)
    assert (r.invoice_id, int(r.applied_amount), int(r.short_pay), int(r.write_off)) == \
        ("2026-0201", 100000 - short, short, 0)
    flags = set(r["flags"].split(";"))
    if unearned:
        assert r.decision == "suggested" and "unearned_discount" in flags
        assert "proposed dispute: unearned discount" in r.evidence
    else:  # applied, the rest open on the invoice: no dispute about a discount nobody took
        assert r.decision == "auto" and flags == {"short_pay"} and r.rule == "ref+partial"
        assert "discount" not in r.evidence


def test_a_customers_own_terms_override_the_config_terms():
    # customer A: 3 % within 10 days; 30.00 off 1,000.00 on day 9 is earned, on day 11 it is not
    cus = customers(terms=("3/10 net 30", ""))
    early = match(payments([("P1", "2026-03-10", "970.00", IBAN_A, "2026-0201 less discount")]), invoices(DISC), cus)
    late = match(payments([("P1", "2026-03-12", "970.00", IBAN_A, "2026-0201 less discount")]), invoices(DISC), cus)
    assert (early["decision"].iloc[0], int(early["write_off"].iloc[0])) == ("auto", 3000)
    assert (late["decision"].iloc[0], int(late["short_pay"].iloc[0])) == ("suggested", 3000)


def test_no_discount_terms_means_a_deduction_is_a_plain_short_pay():
    cfg = Config(discount_terms=PaymentTerms())
    res = match(payments([("P1", "2026-03-05", "980.00", IBAN_A, "RE 2026-0201 abzgl. 2% Skonto")]), invoices(DISC),
                customers(), config=cfg)
    r = res[res["invoice_id"] == "2026-0201"].iloc[0]
    assert (int(r.write_off), int(r.short_pay)) == (0, 2000)
    assert "unearned_discount" not in r["flags"].split(";")


# ---------------------------------------------------------------- rounding: exact, half away from zero

@pytest.mark.parametrize("paid,kind,write_off,short", [
    ("251.28", "auto", 513, 0),        # 2 % of 256.41 = 5.1282 -> 5.13: exactly at the limit
    ("251.27", "auto", 0, 514),        # one cent over: a short pay, applied; 5.14 stays open
])
def test_discount_tolerance_boundary_cents(paid, kind, write_off, short):
    cfg = Config(match_tolerance_abs=0)
    inv = invoices([("2026-0301", "A", "2026-03-01", "256.41", "256.41")])
    res = match(payments([("P1", "2026-03-05", paid, IBAN_A, "Rechnung 2026-0301 abzgl. 2% Skonto")]), inv, customers(),
                config=cfg)
    r = res.iloc[0]
    assert (r.decision, int(r.write_off), int(r.short_pay)) == (kind, write_off, short)


@pytest.mark.parametrize("paid,write_off,short", [("995.00", 500, 0), ("994.99", 0, 501)])
def test_bank_charges_boundary_cents(paid, write_off, short):
    cfg = Config(discount_terms=PaymentTerms())
    res = match(payments([("P1", "2026-03-05", paid, IBAN_A, "factuur 2026-0201")]), invoices(DISC), customers(),
                config=cfg)
    r = res[res["invoice_id"] == "2026-0201"].iloc[0]
    assert (int(r.write_off), int(r.short_pay)) == (write_off, short)


def test_bank_charges_in_a_foreign_currency_round_half_away_from_zero():
    # 5.00 EUR at 1.1650 EUR per GBP = 4.2918... GBP -> 4.29; at 0.9200 EUR per USD = 5.4347... -> 5.43
    from ar_xl.engine.matching.context import _Ctx
    ctx = _Ctx(invoices(DISC), None, Config(), None, None)
    assert (ctx.tol_abs("GBP"), ctx.tol_abs("USD"), ctx.tol_abs("EUR")) == (429, 543, 500)


def test_money_rounding_helpers():
    assert percent_of(25641, 2) == 513
    assert percent_of(-25641, 2) == -513
    assert round_half(Fraction(5, 2)) == 3 and round_half(Fraction(-5, 2)) == -3 and round_half(Fraction(249, 100)) == 2


# ---------------------------------------------------------------- payment terms text

@pytest.mark.parametrize("text,tiers,net", [
    ("2/10 net 30", ((10, 2),), 30),
    ("2/10 n/30", ((10, 2),), 30),
    ("1.5/10 net 45", ((10, Fraction(3, 2)),), 45),
    ("2 % Skonto 14 Tage", ((14, 2),), None),
    ("14 Tage 2 % Skonto, 30 Tage netto", ((14, 2),), 30),
    ("2,5 % Skonto bei Zahlung innerhalb von 10 Tagen", ((10, Fraction(5, 2)),), None),
    ("3 % 8 days, 2 % 14 days", ((8, 3), (14, 2)), None),
    ("2% 10 dagen", ((10, 2),), None),
    ("net 30", (), 30),
    ("", (), None),
])
def test_payment_terms_text(text, tiers, net):
    t = parse_terms(text)
    assert (t.tiers, t.net_days) == (tuple((d, Fraction(r)) for d, r in tiers), net)


def test_payment_terms_tiers_earned_by_age():
    t = parse_terms("3 % 8 days, 2 % 14 days, 30 days net")
    assert [t.earned_rate(d) for d in (0, 8, 9, 14, 15, None)] == [3, 3, 2, 2, 0, 0]


@pytest.mark.parametrize("text", ["soon", "2 % Skonto", "150/10 net 30"])
def test_unreadable_payment_terms_are_refused(text):
    with pytest.raises(ValueError):
        parse_terms(text)


def test_unreadable_customer_terms_never_write_off():
    cus = customers(terms=("whenever", ""))
    res = match(payments([("P1", "2026-03-05", "980.00", IBAN_A, "RE 2026-0201 abzgl. 2% Skonto")]), invoices(DISC), cus)
    r = res[res["invoice_id"] == "2026-0201"].iloc[0]
    assert (int(r.write_off), int(r.short_pay)) == (0, 2000)


def test_config_row_discount_terms():
    rows = pd.DataFrame({"setting": ["discount_terms"], "value": ["2/10 net 30"], "description": [""]})
    assert from_rows(rows).discount_terms.tiers == ((10, Fraction(2)),)


# ---------------------------------------------------------------- in the workbook

def _workbook(tmp_path, payments_rows):
    from helpers import seeded
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300")], ["customer_id", "customer_name", "iban"]),
        Invoices=([("2026-004512", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-10-01", "EUR", "1500.00", "1500.00"),
                   ("2026-004513", "C1", "Bakker Logistiek B.V.", "2026-09-15", "2026-10-15", "EUR", "1500.00", "1500.00"),
                   ("2026-004514", "C1", "Bakker Logistiek B.V.", "2026-09-20", "2026-10-20", "EUR", "256.41", "256.41")],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount"]),
        Payments=([(p, d, a, "EUR", "BAKKER LOGISTIEK BV", "NL91ABNA0417164300", r, a, "unapplied")
                   for p, d, a, r in payments_rows],
                  ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                   "unapplied_amount", "status"]))


def test_workbook_ap_rerun_in_a_later_batch_is_left_for_review_naming_the_first_payment(tmp_path):
    from helpers import frame
    from ar_xl.book import Change
    from ar_xl.cli import main
    from ar_xl.workbook import xlsx
    wb = _workbook(tmp_path, [("P1", "2026-11-20", "1500.00", "Factuur 2026-004512")])
    assert main(["match", str(wb)]) == 0
    # the next statement: the customer's AP pays 2026-004512 again
    book = xlsx.load(wb)
    change = Change("import")
    change.tables["Payments"] = pd.concat([book.get("Payments"), frame("Payments", [
        ("P2", "2026-12-02", "1500.00", "EUR", "BAKKER LOGISTIEK BV", "NL91ABNA0417164300", "Factuur 2026-004512",
         "1500.00", "unapplied")], ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban",
                                    "remittance", "unapplied_amount", "status"])], ignore_index=True)
    xlsx.save(book, change)
    assert main(["match", str(wb)]) == 0
    book = xlsx.load(wb)
    inv, pay, m = book.get("Invoices").set_index("invoice_id"), book.get("Payments").set_index("payment_id"), book.get("Matches")
    p2 = m[m["payment_id"] == "P2"]
    assert "auto" not in set(p2["decision"]) and not p2["applied"].astype(bool).any()
    assert inv.loc["2026-004513", "open_amount"] == 150000 and pay.loc["P2", "unapplied_amount"] == 150000
    first = p2[p2["rank"] == 1].iloc[0]
    assert first["invoice_id"] == "2026-004512" and "possible duplicate" in first["flags"]
    assert "already settled by payment P1 of 2026-11-20" in first["evidence"]


def test_workbook_a_second_payment_in_the_same_statement(tmp_path):
    from ar_xl.cli import main
    from ar_xl.workbook import xlsx
    wb = _workbook(tmp_path, [("P1", "2026-11-20", "1500.00", "Factuur 2026-004512"),
                              ("P2", "2026-11-20", "1500.00", "Factuur 2026-004512")])
    assert main(["match", str(wb)]) == 0
    book = xlsx.load(wb)
    inv, m = book.get("Invoices").set_index("invoice_id"), book.get("Matches")
    assert inv.loc["2026-004512", "open_amount"] == 0 and inv.loc["2026-004513", "open_amount"] == 150000
    p2 = m[m["payment_id"] == "P2"]
    assert "auto" not in set(p2["decision"])
    assert "already settled by payment P1 of 2026-11-20" in p2[p2["rank"] == 1]["evidence"].iloc[0]


def test_workbook_unearned_discount_becomes_a_dispute_of_that_reason(tmp_path):
    from test_match_action import _review
    from ar_xl.cli import main
    from ar_xl.workbook import xlsx
    # 2026-004514 invoiced 2026-09-20; 2 % deducted on 2026-11-20, long after the 14 days
    wb = _workbook(tmp_path, [("P1", "2026-11-20", "251.28", "RE 2026-004514 abzgl. 2% Skonto")])
    assert main(["match", str(wb)]) == 0
    m = xlsx.load(wb).get("Matches")
    r = m[m["payment_id"] == "P1"].iloc[0]
    assert (r["decision"], r["short_pay"], r["write_off"]) == ("suggested", 513, 0)
    assert "unearned_discount" in r["flags"]
    # only suggested: nothing was applied to the invoice, so there is nothing short to dispute yet
    assert main(["dispute", "short-pay", str(wb), "--payment", "P1", "--invoice", "2026-004514"]) != 0
    assert not len(xlsx.load(wb).get("Disputes"))
    _review(wb, "P1", "2026-004514", "Confirm")
    assert main(["apply", str(wb)]) == 0
    assert main(["dispute", "short-pay", str(wb), "--payment", "P1", "--invoice", "2026-004514"]) == 0
    d = xlsx.load(wb).get("Disputes").iloc[0]
    assert (d["reason"], d["amount"], d["invoice_ids"]) == ("unearned discount", 513, "2026-004514")


def test_an_older_workbooks_percentage_row_still_sets_the_discount():
    old = pd.DataFrame({"setting": ["match_tolerance_pct"], "value": ["0"], "description": [""]})
    assert from_rows(old).discount_terms.tiers == ()
    old = pd.DataFrame({"setting": ["match_tolerance_pct"], "value": ["3"], "description": [""]})
    assert from_rows(old).discount_terms.tiers == ((14, Fraction(3)),)

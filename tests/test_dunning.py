"""Dunning engine: which items get which reminder level, and what is never reminded."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ar_xl import config as config_mod
from ar_xl import frames
from ar_xl.engine import dunning

AS_OF = dt.date(2026, 12, 1)


def frame(table, rows):
    return frames.coerce(pd.DataFrame(rows), table, table) if rows else frames.empty_frame(table)


def inv(iid, cust, due, amount, status="open", cur="EUR"):
    return {"invoice_id": iid, "customer_id": cust, "customer_name": f"Name {cust}", "invoice_date": "2026-09-01",
            "due_date": due, "currency": cur, "amount": amount, "open_amount": amount, "status": status}


CUSTOMERS = [
    {"customer_id": "C1", "customer_name": "Müller GmbH", "language": "de", "email": "ap@mueller.de"},
    {"customer_id": "C2", "customer_name": "Dupont SA", "language": "fr", "email": "compta@dupont.fr"},
    {"customer_id": "C3", "customer_name": "Quiet BV", "language": "nl", "no_reminders": "TRUE"},
]


def run(invoices, customers=CUSTOMERS, disputes=(), promises=(), plans=(), reminders=(), as_of=AS_OF, cfg=None, **kw):
    return dunning.plan(frame("Invoices", list(invoices)), frame("Customers", list(customers)),
                        frame("Disputes", list(disputes)), frame("Promises", list(promises)),
                        frame("Plans", list(plans)), frame("Reminders", list(reminders)), as_of,
                        cfg or config_mod.Config(), **kw)


def test_first_reminder_is_level_1_even_for_an_old_item():
    p = run([inv("I1", "C1", "2026-11-20", "100.00"), inv("I2", "C1", "2026-09-01", "50.00"),
             inv("I3", "C1", "2026-11-28", "70.00")])
    assert len(p.letters) == 1
    lt = p.letters[0]
    assert (lt.customer_id, lt.level.number, lt.language, lt.currency) == ("C1", 1, "de", "EUR")
    assert list(lt.items["invoice_id"]) == ["I2", "I1"]  # I3 is 3 days overdue: below level 1's 7 days
    assert lt.amount == 15000 and lt.total == 15000


def test_levels_climb_after_the_gap():
    reminders = [{"reminder_id": "R1", "customer_id": "C1", "level": 1, "sent_on": "2026-11-10", "items": "I1; I2"}]
    # I1 is 16 days overdue: level 2 needs 21; I2 (91 days) gets level 2, 21 days after its level 1
    p = run([inv("I1", "C1", "2026-11-15", "100.00"), inv("I2", "C1", "2026-09-01", "50.00")], reminders=reminders)
    assert [(lt.level.number, list(lt.items["invoice_id"])) for lt in p.letters] == [(2, ["I2"])]
    assert p.letters[0].level.tone == "second"


def test_gap_holds_back_the_next_level():
    reminders = [{"reminder_id": "R1", "customer_id": "C1", "level": 1, "sent_on": "2026-11-25", "items": "I2"}]
    p = run([inv("I2", "C1", "2026-09-01", "50.00")], reminders=reminders)
    assert p.letters == []


def test_same_level_not_sent_twice_within_its_interval():
    reminders = [{"reminder_id": "R1", "customer_id": "C1", "level": 1, "sent_on": "2026-11-24", "items": "I1"}]
    p = run([inv("I1", "C1", "2026-11-01", "100.00"), inv("I9", "C1", "2026-11-20", "80.00")], reminders=reminders)
    assert p.letters == []
    assert any("level 1 was sent on 2026-11-24, within its 14-day interval" in r for _, _, r in p.skipped)
    later = run([inv("I1", "C1", "2026-11-01", "100.00"), inv("I9", "C1", "2026-11-20", "80.00")],
                reminders=reminders, as_of=dt.date(2026, 12, 8))
    assert [(lt.level.number, list(lt.items["invoice_id"])) for lt in later.letters] == [(1, ["I9"]), (2, ["I1"])]


def test_exclusions():
    invoices = [
        inv("D1", "C1", "2026-10-01", "100.00"),
        inv("D2", "C1", "2026-10-01", "100.00", status="disputed"),
        inv("P1", "C2", "2026-10-01", "100.00"),
        inv("P2", "C2", "2026-10-01", "100.00"),
        inv("L1", "C2", "2026-10-01", "100.00", status="on plan"),
        inv("Q1", "C3", "2026-10-01", "500.00"),
        inv("S1", "C1", "2026-10-01", "10.00"),
        inv("X1", "C3", "2026-10-01", "-100.00"),  # a credit note: never reminded (on C1 it would cover S1)
    ]
    disputes = [{"dispute_id": "D-1", "customer_id": "C1", "invoice_ids": "D1", "status": "open"}]
    promises = [{"promise_id": "P-1", "customer_id": "C2", "invoice_ids": "P1", "amount": "100", "currency": "EUR",
                 "promised_date": "2026-11-29", "status": "open"},  # + 3 days grace: still live on 1 Dec
                {"promise_id": "P-2", "customer_id": "C2", "invoice_ids": "P2", "amount": "100", "currency": "EUR",
                 "promised_date": "2026-11-20", "status": "open"}]  # grace over: P2 is reminded
    plans = [{"plan_id": "PL1", "customer_id": "C2", "invoice_ids": "L1", "installment_no": 1,
              "due_date": "2026-12-15", "plan_status": "active"}]
    p = run(invoices, disputes=disputes, promises=promises, plans=plans)
    assert [(lt.customer_id, list(lt.items["invoice_id"])) for lt in p.letters] == [("C2", ["P2"])]
    reasons = {(c, i): r for c, i, r in p.skipped}
    assert reasons[("C1", "D1")] == "disputed" and reasons[("C1", "D2")] == "disputed"
    assert reasons[("C2", "P1")].startswith("promised")
    assert reasons[("C2", "L1")] == "on a live payment plan"
    assert reasons[("C3", "Q1")] == "customer flagged no reminders"
    assert "below the minimum 25.00" in reasons[("C1", "")]  # S1 alone: 10.00


def test_fee_interest_compensation_on_a_final_notice():
    rows = config_mod.default_rows()
    rows.loc[rows.setting == "dunning.interest_rate", "value"] = "10"
    rows.loc[rows.setting == "dunning.level3", "value"] = "days=35; gap=14; fee=15; interest=yes; compensation=yes; tone=final"
    cfg = config_mod.from_rows(rows)
    reminders = [{"reminder_id": "R2", "customer_id": "C1", "level": 2, "sent_on": "2026-11-01", "items": "I1"}]
    p = run([inv("I1", "C1", "2026-09-02", "1000.00")], reminders=reminders, cfg=cfg)
    lt = p.letters[0]
    assert lt.level.tone == "final" and lt.items["days_overdue"].tolist() == [90]
    assert lt.interest == 2466  # 1000.00 x 10% x 90 / 365 = 24.657... -> 24.66
    assert (lt.fee, lt.compensation, lt.total) == (1500, 4000, 100000 + 1500 + 2466 + 4000)


def test_filters_and_unknown_level():
    invoices = [inv("I1", "C1", "2026-10-01", "100.00"), inv("I2", "C2", "2026-10-01", "100.00")]
    assert [lt.customer_id for lt in run(invoices, only_customers=["C2"]).letters] == ["C2"]
    assert run(invoices, only_level=2).letters == []
    with pytest.raises(ValueError, match="no reminder level 7"):
        run(invoices, only_level=7)


def test_bad_level_row_is_named():
    rows = config_mod.default_rows()
    rows.loc[rows.setting == "dunning.level2", "value"] = "days=5; tone=friendly"
    with pytest.raises(Exception, match=r"dunning.level2: days must be more than level 1's 7"):
        config_mod.from_rows(rows)


# --- final notices: the statutory compensation and the law, in the letter's language ----------------------------

FINAL_AS_OF = dt.date(2025, 12, 1)  # level 3 (days 35) for items due 1 Sep 2025, reminded at level 2 on 1 Nov


def final_notice(country, lang, amounts, cur="EUR", cfg=None):
    """The level-3 letter (default levels: interest and compensation) of one customer, and its body text."""
    from ar_xl.letters import render
    cfg = cfg or config_mod.Config()
    ids = [f"I{n}" for n in range(1, len(amounts) + 1)]
    customers = [{"customer_id": "K1", "customer_name": "Kunde", "language": lang, "email": "", "country": country}]
    reminders = [{"reminder_id": "R2", "customer_id": "K1", "level": 2, "sent_on": "2025-11-01",
                  "items": "; ".join(ids)}]
    p = run([inv(i, "K1", "2025-09-01", a, cur=cur) for i, a in zip(ids, amounts)], customers, reminders=reminders,
            as_of=FINAL_AS_OF, cfg=cfg)
    (lt,) = p.letters
    assert lt.level.number == 3
    body = render.texts(lt, cfg.dunning, FINAL_AS_OF)[1]
    return lt, body.replace("\xa0", " ").replace("\u202f", " ")  # babel's (narrow) no-break spaces as spaces


def test_uk_final_notice_claims_the_late_payment_act_band_of_each_debt():
    """GBP 40 under 1,000, 70 from 1,000 to 9,999.99, 100 from 10,000 (s. 5A), per invoice, in GBP: what
    ``ar-xl interest`` gives each debt, not EUR 40 converted."""
    from ar_xl.engine import interest
    lt, body = final_notice("GB", "en", ["500.00", "4402.21", "12000.00"], cur="GBP")
    assert [c for c, _, _ in lt.compensation_items] == [4000, 7000, 10000]
    due = dt.date(2025, 9, 1)
    assert [c for c, _, _ in lt.compensation_items] == [
        interest.late_interest(a, due, FINAL_AS_OF, "GB").compensation for a in (50000, 440221, 1200000)]
    assert lt.compensation == 21000 and lt.total == lt.amount + lt.interest + 21000
    assert ("Fixed compensation for recovery costs (s. 5A Late Payment of Commercial Debts (Interest) Act 1998: "
            "1 x £40.00 + 1 x £70.00 + 1 x £100.00): £210.00") in body


def test_uk_invoices_of_one_band_are_counted_together():
    lt, body = final_notice("UK", "en", ["4402.21", "1000.00", "999.99"], cur="GBP")
    assert lt.compensation == 7000 + 7000 + 4000
    assert "1 x £40.00 + 2 x £70.00): £180.00" in body


def test_eu_compensation_in_another_currency_is_40_euro_converted_and_says_so():
    """fx.GBP 1.1650 (EUR per GBP): EUR 40 = GBP 34.3348... -> 34.33 per invoice."""
    lt, body = final_notice("DE", "de", ["100.00", "200.00"], cur="GBP")
    assert lt.compensation_items == ((3433, 4000, "EUR"),) * 2 and lt.compensation == 6866
    assert "Verzugspauschale (§ 288 Abs. 5 BGB: 2 x 40,00 € = 2 x 34,33 £): 68,66 £" in body


@pytest.mark.parametrize("country, lang, line", [
    ("DE", "de", "Verzugspauschale (§ 288 Abs. 5 BGB: 3 x 40,00 €): 120,00 €"),
    ("NL", "nl", "Vergoeding voor invorderingskosten (art. 6:96 lid 4 BW: 3 x € 40,00): € 120,00"),
    ("BE", "nl", "Vergoeding voor invorderingskosten (wet van 2 augustus 2002, art. 6: 3 x € 40,00): € 120,00"),
    ("BE", "fr", "Indemnité forfaitaire pour frais de recouvrement (loi du 2 août 2002, art. 6 : 3 x 40,00 €) : "
                 "120,00 €"),
    ("FR", "fr", "Indemnité forfaitaire pour frais de recouvrement (art. L441-10 et D441-5 du Code de commerce : "
                 "3 x 40,00 €) : 120,00 €"),
    ("LU", "de", "Verzugspauschale (Gesetz vom 18. April 2004: 3 x 40,00 €): 120,00 €"),
    ("BE", "en", "Fixed compensation for recovery costs (Act of 2 August 2002, art. 6: 3 x €40.00): €120.00"),
])
def test_eu_compensation_line_names_the_law_of_the_customers_country(country, lang, line):
    lt, body = final_notice(country, lang, ["100.00", "2000.00", "30000.00"])
    assert lt.compensation == 12000
    assert line in body, body


@pytest.mark.parametrize("country", ["GB", "BE", "NL", "FR", "LU"])
def test_a_german_letter_names_the_bgb_only_to_a_german_customer(country):
    _, body = final_notice(country, "de", ["100.00"], cur="GBP" if country == "GB" else "EUR")
    assert "BGB" not in body.replace("niederländischen BW", ""), body


def test_without_a_statutory_rule_the_config_compensation_is_claimed_and_no_law_named():
    lt, body = final_notice("CH", "de", ["100.00", "200.00"])
    assert lt.compensation == 8000 and lt.compensation_law == ""
    assert "Verzugspauschale (2 x 40,00 €): 80,00 €" in body


@pytest.mark.parametrize("lang, line", [
    ("fr", "Pénalités de retard (loi du 2 août 2002, art. 5 : 10,50 % par an) : 2,62 €"),
    ("nl", "Wettelijke handelsrente (wet van 2 augustus 2002, art. 5: 10,50 % per jaar): € 2,62"),
    ("de", "Verzugszinsen (Gesetz vom 2. August 2002, Art. 5: 10,50 % p. a.): 2,62 €"),
    ("en", "Late-payment interest (Act of 2 August 2002, art. 5: 10.50 % a year): €2.62"),
])
def test_a_belgian_customer_reads_the_law_in_the_letters_language(lang, line):
    """BE 2025H2 10.50 %: 100.00 x 10.50 % x 91 / 365 = 2.6178... -> 2.62."""
    lt, body = final_notice("BE", lang, ["100.00"])
    assert lt.interest == 262
    assert line in body, body


@pytest.mark.parametrize("country, lang, law", [
    ("NL", "nl", "art. 6:119a BW"), ("NL", "en", "art. 6:119a of the Dutch Civil Code"),
    ("NL", "fr", "art. 6:119a du Code civil néerlandais"), ("DE", "de", "§ 288 (2) BGB"),
    ("DE", "en", "§ 288 (2) of the German Civil Code"), ("FR", "fr", "art. L441-10 du Code de commerce"),
    ("FR", "nl", "art. L441-10 van het Franse Wetboek van Koophandel"), ("LU", "fr", "loi du 18 avril 2004"),
    ("LU", "de", "Gesetz vom 18. April 2004"),
    ("GB", "de", "Late Payment of Commercial Debts (Interest) Act 1998"),
])
def test_every_countrys_law_is_named_in_the_letters_language(country, lang, law):
    lt, body = final_notice(country, lang, ["100.00"], cur="GBP" if country == "GB" else "EUR")
    assert lt.interest_law == law
    assert f"({law}" in body
    for other in ("wet 2 augustus", "Code de commerce (", "(wettelijke handelsrente)"):
        assert other not in body


def final_notice_config():
    rows = config_mod.default_rows()
    rows.loc[rows.setting == "dunning.interest_rate", "value"] = "10"
    rows.loc[rows.setting == "dunning.level3", "value"] = ("days=35; gap=14; fee=15; interest=yes; compensation=yes; "
                                                           "tone=final")
    return config_mod.from_rows(rows)


def test_open_credit_that_covers_the_overdue_items_stops_every_letter_and_says_which_to_allocate():
    # C1 as De Wit in the demo: 649.13 + 348.54 overdue, 1,136.70 not yet due, a credit note of 3,157.76
    invoices = [inv("I1", "C1", "2026-06-24", "649.13"), inv("I2", "C1", "2026-08-06", "348.54"),
                inv("I3", "C1", "2026-12-06", "1136.70"), inv("CN1", "C1", "2026-11-06", "-3157.76")]
    reminders = [{"reminder_id": "R2", "customer_id": "C1", "level": 2, "sent_on": "2026-11-01", "items": "I1; I2"}]
    p = run(invoices, reminders=reminders, cfg=final_notice_config())
    assert p.letters == []
    assert p.skipped == [("C1", "", "open credit covers: EUR 997.67 overdue, CN1 EUR 3,157.76 open; allocate it: "
                                    "ar-xl credits WORKBOOK --allocate CN1 --to I1,I2")]
    # another currency's credit covers nothing; what a refund holds of a credit note is not there to set off
    gbp = [dict(inv("CN1", "C1", "2026-11-06", "-3157.76"), currency="GBP")]
    assert [lt.total for lt in run(invoices[:3] + gbp).letters] == [99767]
    assert [lt.total for lt in run(invoices, credit_held={"CN1": 300000}).letters] == [99767 - 15776]


def test_open_credit_that_covers_part_is_shown_and_only_the_rest_asked():
    invoices = [inv("I1", "C1", "2026-09-02", "1000.00"), inv("I2", "C1", "2026-09-02", "500.00"),
                inv("CN1", "C1", "2026-10-01", "-1200.00")]
    reminders = [{"reminder_id": "R2", "customer_id": "C1", "level": 2, "sent_on": "2026-11-01", "items": "I1; I2"}]
    p = run(invoices, reminders=reminders, cfg=final_notice_config())
    [lt] = p.letters
    # oldest due first, then by id: I1 is covered whole and left out; I2 keeps 300.00 of its 500.00
    assert list(lt.items["invoice_id"]) == ["I2"]
    assert (lt.amount, lt.credit, lt.credit_notes) == (50000, 20000, (("CN1", 20000),))
    assert lt.interest == 740  # on the 300.00 left: 300.00 x 10% x 90 / 365 = 7.397... -> 7.40
    assert lt.compensation == 4000  # one invoice asked for
    assert lt.total == 50000 - 20000 + 1500 + 740 + 4000
    assert ("C1", "I1", "open credit covers: CN1 EUR 1,000.00 of it; allocate it: "
                        "ar-xl credits WORKBOOK --allocate CN1 --to I1") in p.skipped


def test_an_item_a_payment_in_review_may_pay_is_held_back_and_the_reason_names_payment_and_row():
    invoices = [inv("I1", "C1", "2026-10-01", "1178.10"), inv("I2", "C1", "2026-10-01", "100.00")]
    waiting = {"I1": "payment P-1 of EUR 1,154.54, Matches row M-P-1-I1-S1"}
    p = run(invoices, waiting=waiting)
    assert [list(lt.items["invoice_id"]) for lt in p.letters] == [["I2"]]
    assert ("C1", "I1", "waiting for review: payment P-1 of EUR 1,154.54, Matches row M-P-1-I1-S1") in p.skipped


def test_uk_compensation_band_is_sized_on_what_the_letter_asks_after_credit():
    """GBP 1,200.00 overdue less a credit note of 300.00: the letter asks 900.00 for it, a debt under 1,000:
    GBP 40 (s. 5A), not the 70 the whole invoice would give."""
    customers = [{"customer_id": "K1", "customer_name": "Kunde", "language": "en", "email": "", "country": "GB"}]
    reminders = [{"reminder_id": "R2", "customer_id": "K1", "level": 2, "sent_on": "2025-11-01", "items": "I1"}]
    p = run([inv("I1", "K1", "2025-09-01", "1200.00", cur="GBP"), inv("CN1", "K1", "2025-09-15", "-300.00", cur="GBP")],
            customers, reminders=reminders, as_of=FINAL_AS_OF)
    (lt,) = p.letters
    assert lt.level.number == 3 and lt.credit == 30000
    assert [c for c, _, _ in lt.compensation_items] == [4000] and lt.compensation == 4000

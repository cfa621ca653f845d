"""Disputes: ids, reasons and SLA, the status workflow, short pays, the report and the actions."""
from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest
from test_plans import INVOICES, make_book

from ar_xl import config as config_mod
from ar_xl import frames
from ar_xl import schema
from ar_xl.actions.dispute import add_dispute, dispute_from_short_pay, dispute_report, set_dispute_status
from ar_xl.engine import disputes as d
from ar_xl.errors import InputError

D = dt.date
TS = pd.Timestamp


def test_next_id_after_the_highest():
    assert d.next_id([], "D") == "D-000001"
    assert d.next_id(pd.Series(["D-000007", "D-000122", "", "X-999999", "D-12a"]), "D") == "D-000123"
    assert d.next_id(["D-999999"], "D") == "D-1000000"
    assert d.next_id(["A-000004", "a-000009"], "A") == "A-000010"


def test_default_reasons_owners_and_sla():
    reasons = d.DEFAULT_REASONS
    assert list(reasons) == ["price", "quantity", "damaged goods", "goods or service not received",
                             "proof of delivery / CMR missing", "duplicate invoice", "VAT/tax", "not ordered",
                             "short payment / deduction", "unearned discount"]
    assert {o for o, _ in reasons.values()} <= set(schema.DISPUTE_OWNERS)
    # the Config default text parses back to the same list
    assert d.parse_reasons(d.DEFAULT_REASONS_TEXT) == reasons
    assert config_mod.from_rows(config_mod.default_rows()).dispute_reasons == reasons
    # SLA in calendar days: price, opened Friday 27 Mar 2026 + 14 days = Friday 10 Apr (Easter not skipped)
    row = d.new_dispute("D-000001", "C1", "INV1", 1000, "Price", D(2026, 3, 27))
    assert (row["reason"], row["owner"], row["status"]) == ("price", "Sales", "open")
    assert row["sla_due"] == TS("2026-04-10") and pd.isna(row["resolved"])
    row = d.new_dispute("D-000002", "C1", "INV1", 1000, "proof of delivery / CMR missing", D(2026, 3, 27))
    assert (row["owner"], row["sla_due"]) == ("Logistics", TS("2026-04-03"))
    assert d.new_dispute("D-3", "C1", "INV1", 1, "price", D(2026, 1, 1), owner="legal")["owner"] == "Legal"


def test_configured_reasons():
    cfg = config_mod.from_rows(pd.DataFrame({"setting": ["dispute_reasons"],
                                             "value": ["price=Sales:5; late delivery=logistics:3"]}))
    assert cfg.dispute_reasons == {"price": ("Sales", 5), "late delivery": ("Logistics", 3)}
    row = d.new_dispute("D-1", "C1", "INV1", 1, "late delivery", D(2026, 1, 30), reasons=cfg.dispute_reasons)
    assert row["sla_due"] == TS("2026-02-02")
    with pytest.raises(ValueError, match="unknown dispute reason 'damaged goods'; the reasons are: price, late delivery"):
        d.new_dispute("D-1", "C1", "INV1", 1, "damaged goods", D(2026, 1, 30), reasons=cfg.dispute_reasons)
    for bad, words in [("price", "reason=Owner:days"), ("price=Marketing:5", "owner must be one of"),
                       ("price=Sales:five", "whole days"), ("price=Sales:1; Price=Sales:2", "listed twice")]:
        with pytest.raises(ValueError, match=words):
            d.parse_reasons(bad)
    with pytest.raises(Exception, match="dispute_reasons"):
        config_mod.from_rows(pd.DataFrame({"setting": ["dispute_reasons"], "value": ["price=Nobody:3"]}))


@pytest.mark.parametrize("kwargs, words", [
    (dict(customer_id=""), "customer_id"),
    (dict(invoice_ids=""), "invoice id"),
    (dict(amount_cents=0), "above 0"),
    (dict(amount_cents=10.0), "whole cents"),
    (dict(reason="too expensive"), "unknown dispute reason"),
    (dict(owner="Marketing"), "owner must be one of"),
])
def test_new_dispute_validation(kwargs, words):
    args = dict(dispute_id="D-000001", customer_id="C1", invoice_ids="INV1", amount_cents=100, reason="price",
                opened=D(2026, 1, 1))
    args.update(kwargs)
    with pytest.raises(ValueError, match=words):
        d.new_dispute(**args)


# ------------------------------------------------------------------ workflow

ALLOWED = {
    ("open", "in review"), ("open", "escalated"),
    ("in review", "escalated"),
    *(("in review", r) for r in d.RESOLVED),
    *(("escalated", r) for r in d.RESOLVED),
    *((r, "closed") for r in d.RESOLVED),
    *((r, "in review") for r in d.RESOLVED),
}
NOT_ALLOWED = [p for p in itertools.product(schema.DISPUTE_STATUSES, repeat=2) if p not in ALLOWED]


def test_transition_table_is_the_documented_one():
    assert {(a, b) for a, bs in d.TRANSITIONS.items() for b in bs} == ALLOWED
    assert set(d.TRANSITIONS) == set(schema.DISPUTE_STATUSES)
    assert len(NOT_ALLOWED) == 64 - len(ALLOWED)


@pytest.mark.parametrize("current, requested", NOT_ALLOWED)
def test_every_other_transition_is_refused_with_its_message(current, requested):
    row = {"dispute_id": "D-000042", "status": current}
    with pytest.raises(ValueError) as e:
        d.set_status(row, requested, D(2026, 3, 1))
    allowed = d.TRANSITIONS[current]
    expected_allowed = ", ".join(f"'{s}'" for s in allowed) if allowed else "none (closed is final)"
    assert str(e.value) == (f"dispute D-000042: cannot change status from '{current}' to '{requested}'; "
                            f"from '{current}' the allowed statuses are {expected_allowed}")


@pytest.mark.parametrize("current, requested", sorted(ALLOWED))
def test_allowed_transitions(current, requested):
    row = {"dispute_id": "D-000042", "status": current, "resolved": TS("2026-02-01") if current in d.RESOLVED else pd.NaT,
           "resolution": ""}
    new = d.set_status(row, requested, D(2026, 3, 1), resolution="CN 4711")
    assert new["status"] == requested
    if requested in d.RESOLVED:
        assert new["resolved"] == TS("2026-03-01") and new["resolution"] == "CN 4711"
    elif requested == "closed":
        assert new["resolved"] == TS("2026-02-01")          # closing keeps the resolved date
    elif current in d.RESOLVED:
        assert pd.isna(new["resolved"])                     # reopened: no longer resolved
    assert row["status"] == current                         # the input row is not changed


def test_status_spelling_is_forgiven_but_unknown_is_refused():
    assert d.status_of("Resolved-Credit Note") == "resolved - credit note"
    assert d.status_of("IN REVIEW") == "in review"
    with pytest.raises(ValueError, match="unknown dispute status 'done'"):
        d.set_status({"dispute_id": "D-1", "status": "open"}, "done", D(2026, 1, 1))


# ------------------------------------------------------------------ short pay, disputed invoices, report

def test_from_short_pay():
    row = d.from_short_pay("D-000009", "PAY-77", "INV1", "C1", 1234, D(2026, 5, 4), "EUR")
    assert (row["reason"], row["owner"], row["amount"], row["invoice_ids"]) == (
        "short payment / deduction", "Customer Service", 1234, "INV1")
    assert row["note"] == "short-paid by payment PAY-77" and row["sla_due"] == TS("2026-05-18")
    with pytest.raises(ValueError, match="payment id"):
        d.from_short_pay("D-1", "", "INV1", "C1", 1, D(2026, 5, 4))
    with pytest.raises(ValueError, match="above 0"):
        d.from_short_pay("D-1", "P", "INV1", "C1", -5, D(2026, 5, 4))


def dispute_log(rows):
    cols = ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status",
            "opened", "sla_due", "resolved"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("opened", "sla_due", "resolved"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    return df


LOG = dispute_log([
    # id, customer, invoices, cents, cur, reason, owner, status, opened, sla_due, resolved
    ("D-1", "C1", "INV1; INV2", 10000, "EUR", "price", "Sales", "open", "2026-05-01", "2026-05-15", None),     # 30 days
    ("D-2", "C1", "INV3", 20000, "EUR", "price", "Sales", "in review", "2026-04-30", "2026-05-14", None),     # 31
    ("D-3", "C2", "INV9", 10000, "GBP", "damaged goods", "Logistics", "escalated", "2026-04-01", "2026-04-15", None),  # 60
    ("D-4", "C2", "INV8", 5000, "EUR", "VAT/tax", "Finance", "open", "2026-03-31", "2026-04-14", None),      # 61
    ("D-5", "C1", "INV5", 700, "", "VAT/tax", "Finance", "open", "2026-03-01", "2026-03-15", None),          # 91
    ("D-6", "C1", "INV6", 9900, "EUR", "price", "Sales", "resolved - credit note", "2026-01-10", "2026-01-24", "2026-01-20"),
    ("D-7", "C1", "INV7", 9900, "EUR", "quantity", "Customer Service", "closed", "2026-02-01", "2026-02-15", "2026-02-26"),
    ("D-8", "C1", "INV1", 100, "EUR", "price", "Sales", "resolved - rejected", "2026-04-01", "2026-04-15", "2026-04-01"),
])


def test_disputed_invoices_are_those_on_live_disputes():
    assert d.disputed_invoices(LOG) == {"INV1", "INV2", "INV3", "INV9", "INV8", "INV5"}
    assert d.disputed_invoices(LOG.iloc[5:]) == set()


def test_report_by_reason_owner_age_and_days_to_resolve():
    rep = d.report(LOG, D(2026, 5, 31))
    assert rep.open_count == 5
    # 100.00 GBP x 1.1650 = 116.50 EUR; the empty currency is the base currency
    by_reason = {r.reason: (r.count, r.amount_base, r.past_sla) for r in rep.by_reason.itertuples()}
    assert by_reason == {"damaged goods": (1, 11650, 1), "price": (2, 30000, 2), "VAT/tax": (2, 5700, 2)}
    by_owner = {r.owner: (r.count, r.amount_base) for r in rep.by_owner.itertuples()}
    assert by_owner == {"Finance": (2, 5700), "Logistics": (1, 11650), "Sales": (2, 30000)}
    # days open on 31 May: D-1 30 -> 0-30; D-2 31 and D-3 60 -> 31-60; D-4 61 -> 61-90; D-5 91 -> 90+
    assert list(rep.by_age["age_band"]) == ["0-30", "31-60", "61-90", "90+"]
    assert list(rep.by_age["count"]) == [1, 2, 1, 1]
    assert list(rep.by_age["amount_base"]) == [10000, 31650, 5000, 700]
    # resolved - opened: D-6 10 days, D-7 25 days, D-8 0 days -> (10 + 25 + 0) / 3 = 11.7
    assert rep.resolved_count == 3 and rep.avg_days_to_resolve == 11.7
    # past SLA counts only open disputes: on 14 May D-4/D-5 are past (14 Apr, 15 Mar); D-2 is due that day
    assert d.report(LOG, D(2026, 5, 14)).by_reason.set_index("reason")["past_sla"].to_dict() == {
        "damaged goods": 1, "price": 0, "VAT/tax": 2}
    empty = d.report(LOG.iloc[:0], D(2026, 5, 31))
    assert empty.open_count == 0 and empty.avg_days_to_resolve is None and list(empty.by_age["count"]) == [0] * 4


# ------------------------------------------------------------------ actions

def test_add_dispute_change():
    book = make_book(INVOICES)
    ch = add_dispute(book, "C1", "INV1; INV2", "damaged goods", opened="2026-05-04", note="pallet broken")
    row = ch.tables["Disputes"].iloc[0]
    # amount defaults to the invoices' open amounts: 600.00 + 400.00
    assert (row["dispute_id"], row["customer_id"], row["invoice_ids"], int(row["amount"]), row["currency"]) == (
        "D-000001", "C1", "INV1; INV2", 100000, "EUR")
    assert (row["reason"], row["owner"], row["status"], row["note"]) == ("damaged goods", "Logistics", "open", "pallet broken")
    assert row["opened"] == TS("2026-05-04") and row["sla_due"] == TS("2026-05-18") and pd.isna(row["resolved"])
    # the invoices' status follows the new dispute (issue 12: the state is derived from the records)
    assert ch.tables["Invoices"].set_index("invoice_id").loc[["INV1", "INV2"], "status"].tolist() == ["disputed"] * 2
    assert [(a["table"], a["key"], a["column"], a["new_value"], a["rule"]) for a in ch.audit
            if a["table"] == "Disputes"] == [("Disputes", "D-000001", "status", "open", "damaged goods")]
    # a second dispute on INV2 is refused while D-000001 is live
    book.tables["Disputes"] = ch.tables["Disputes"]
    with pytest.raises(InputError, match="invoice INV2 on D-000001"):
        add_dispute(book, "C1", "INV2", "price", opened="2026-05-05")
    ch2 = add_dispute(book, "C1", "INV3", "price", amount_cents=5000, opened="2026-05-05", owner="Legal")
    assert list(ch2.tables["Disputes"]["dispute_id"]) == ["D-000001", "D-000002"]
    assert ch2.tables["Disputes"]["owner"].iloc[1] == "Legal"


def test_add_dispute_refusals():
    book = make_book(INVOICES)
    with pytest.raises(InputError, match="belongs to customer C2"):
        add_dispute(book, "C1", "INV9", "price")
    with pytest.raises(InputError, match="unknown dispute reason"):
        add_dispute(book, "C1", "INV1", "weather")


def test_set_dispute_status_sequence_and_audit():
    book = make_book(INVOICES)
    book.tables["Disputes"] = add_dispute(book, "C1", "INV1", "price", opened="2026-05-04").tables["Disputes"]
    steps = [("in review", None, "2026-05-05"), ("resolved - credit note", "CN 2026-0042", "2026-05-12"),
             ("closed", None, "2026-05-20")]
    audits = []
    for status, resolution, on in steps:
        ch = set_dispute_status(book, "d-000001", status, resolution=resolution, on=on, user="bert")
        book.tables["Disputes"] = ch.merged(book)["Disputes"]
        audits += [(a["column"], a["old_value"], a["new_value"], a["user"]) for a in ch.audit
                   if a["table"] == "Disputes"]
    row = book.tables["Disputes"].iloc[0]
    assert row["status"] == "closed" and row["resolved"] == TS("2026-05-12") and row["resolution"] == "CN 2026-0042"
    assert audits == [
        ("status", "open", "in review", "bert"),
        ("status", "in review", "resolved - credit note", "bert"),
        ("resolved", "", "2026-05-12", "bert"),
        ("resolution", "", "CN 2026-0042", "bert"),
        ("status", "resolved - credit note", "closed", "bert"),
    ]
    assert dispute_report(book, "2026-05-31").avg_days_to_resolve == 8.0
    # closed is final: the refusal is an InputError carrying the engine's message
    with pytest.raises(InputError) as e:
        set_dispute_status(book, "D-000001", "in review", on="2026-05-21")
    assert "dispute D-000001: cannot change status from 'closed' to 'in review'; " \
           "from 'closed' the allowed statuses are none (closed is final)" in str(e.value)
    with pytest.raises(InputError, match="no dispute 'D-000404'"):
        set_dispute_status(book, "D-000404", "closed")


def test_reopen_keeps_a_typed_resolution():
    book = make_book(INVOICES)
    book.tables["Disputes"] = add_dispute(book, "C1", "INV1", "price", opened="2026-05-04").tables["Disputes"]
    for st, res in [("in review", None), ("resolved - rejected", "price as agreed"), ("in review", None)]:
        book.tables["Disputes"] = set_dispute_status(book, "D-000001", st, res, on="2026-05-10").merged(book)["Disputes"]
    row = book.tables["Disputes"].iloc[0]
    assert row["status"] == "in review" and pd.isna(row["resolved"]) and row["resolution"] == "price as agreed"
    ch = set_dispute_status(book, "D-000001", "resolved - credit note", "CN 9", on="2026-05-11")
    assert "resolution kept as typed: 'price as agreed'" in ch.summary


def _short_book(pay, matches):
    """A book with Matches rows ``(match_id, payment, invoice, customer, applied, short_pay, decision, review,
    applied?, flags)``."""
    book = make_book(INVOICES, pay)
    book.tables["Matches"] = frames.coerce(pd.DataFrame(matches, columns=[
        "match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "short_pay", "decision", "review",
        "applied", "flags"]), "Matches", "test")
    return book


def test_dispute_from_short_pay_action_is_idempotent():
    pay = [("PAY-77", "2026-05-02", "588.00", "EUR", "NL91ABNA0417164300", "partly applied")]
    book = _short_book(pay, [("M-PAY-77-INV1", "PAY-77", "INV1", "C1", "588.00", "12.00", "auto", "", True,
                              "short_pay")])
    ch = dispute_from_short_pay(book, "PAY-77", "INV1", opened="2026-05-04")
    row = ch.tables["Disputes"].iloc[0]
    assert (row["dispute_id"], row["customer_id"], row["reason"], int(row["amount"]), row["note"]) == (
        "D-000001", "C1", "short payment / deduction", 1200, "short-paid by payment PAY-77")
    assert ch.audit[0]["rule"] == "short pay PAY-77"
    book.tables["Disputes"] = ch.tables["Disputes"]
    again = dispute_from_short_pay(book, "PAY-77", "INV1", 1200, opened="2026-05-04")
    assert again.tables == {} and "already dispute D-000001" in again.summary
    with pytest.raises(InputError, match="belongs to customer C1, not C2"):
        dispute_from_short_pay(book, "PAY-77", "INV2", 100, customer_id="C2")
    with pytest.raises(InputError, match="payment 'PAY-1' is not in the Payments table"):
        dispute_from_short_pay(book, "PAY-1", "INV2", 100)


def test_a_short_pay_by_another_payment_whose_id_starts_alike_is_its_own_dispute():
    pay = [("PAY-7", "2026-05-02", "588.00", "EUR", "NL91ABNA0417164300", "partly applied"),
           ("PAY-77", "2026-05-09", "10.00", "EUR", "NL91ABNA0417164300", "partly applied")]
    book = _short_book(pay, [("M-PAY-77-INV1", "PAY-77", "INV1", "C1", "10.00", "12.00", "auto", "", True, "short_pay"),
                             ("M-PAY-7-INV1", "PAY-7", "INV1", "C1", "588.00", "3.00", "auto", "", True, "short_pay")])
    book.tables["Disputes"] = dispute_from_short_pay(book, "PAY-77", "INV1", 1200, opened="2026-05-10").tables["Disputes"]
    ch = dispute_from_short_pay(book, "PAY-7", "INV1", 300, opened="2026-05-10")
    assert list(ch.tables["Disputes"]["note"]) == ["short-paid by payment PAY-77", "short-paid by payment PAY-7"]
    assert list(ch.tables["Disputes"]["amount"]) == [1200, 300]


@pytest.mark.parametrize("row, words", [
    (("M-PAY-77-INV1-S1", "PAY-77", "INV1", "C1", "588.00", "12.00", "suggested", "", False, "short_pay"),
     "M-PAY-77-INV1-S1 only suggested: confirm it first"),
    (("M-PAY-77-INV1-S1", "PAY-77", "INV1", "C1", "588.00", "12.00", "suggested", "Reject", False, "short_pay"),
     "M-PAY-77-INV1-S1 rejected"),
    (("M-PAY-77-INV1", "PAY-77", "INV1", "C1", "588.00", "12.00", "auto", "Reject", True, "short_pay"),
     "M-PAY-77-INV1 rejected"),
    (("M-PAY-77-INV1-S1", "PAY-77", "INV1", "C1", "588.00", "12.00", "suggested", "Confirm", False,
      "refused;short_pay"),
     "confirmed but not applied"),
    (("M-PAY-77-INV2", "PAY-77", "INV2", "C1", "400.00", "0.00", "auto", "", True, ""),
     "no Matches row of payment PAY-77 on it; payment PAY-77 was applied to INV2"),
])
def test_a_short_pay_dispute_only_from_money_applied_to_that_invoice(row, words):
    pay = [("PAY-77", "2026-05-02", "588.00", "EUR", "NL91ABNA0417164300", "partly applied")]
    book = _short_book(pay, [row])
    with pytest.raises(InputError, match="payment PAY-77 was not applied to invoice INV1") as e:
        dispute_from_short_pay(book, "PAY-77", "INV1", opened="2026-05-04")
    assert words in str(e.value)
    assert "Disputes" not in book.tables or not len(book.get("Disputes"))


def test_a_short_pay_dispute_is_never_more_than_the_short_pay_nor_what_is_open():
    pay = [("PAY-77", "2026-05-02", "588.00", "EUR", "NL91ABNA0417164300", "partly applied")]
    # INV2 has 400.00 open; the payment left 450.00 short on it, 100.00 since paid by another
    book = _short_book(pay, [("M-PAY-77-INV2", "PAY-77", "INV2", "C1", "50.00", "450.00", "auto", "", True,
                              "short_pay"),
                             ("M-PAY-77-INV9", "PAY-77", "INV9", "C2", "1.00", "0.50", "auto", "", True, "short_pay")])
    with pytest.raises(InputError, match=r"5,000.00 is more than payment PAY-77 left short on invoice INV2: "
                                         r"short pay 450.00, open 400.00"):
        dispute_from_short_pay(book, "PAY-77", "INV2", 500000)
    ch = dispute_from_short_pay(book, "PAY-77", "INV2", opened="2026-05-04")
    assert int(ch.tables["Disputes"]["amount"].iloc[0]) == 40000
    assert int(dispute_from_short_pay(book, "PAY-77", "INV2", 30000).tables["Disputes"]["amount"].iloc[0]) == 30000
    # a row whose customer is not the invoice's (INV9 is C2's) is refused
    book.tables["Matches"].loc[1, "customer_id"] = "C1"
    with pytest.raises(InputError, match="is of customer C1; the invoice belongs to C2"):
        dispute_from_short_pay(book, "PAY-77", "INV9")

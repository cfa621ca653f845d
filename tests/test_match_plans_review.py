"""Cash application, issue 15 §3-4: plan installments and promises are recognised (the installment is paid when
the plan is updated, the promise is kept when checked); the Matches review screen (what a reviewer reads first,
payment and open amounts, the difference), assigning a payment by hand with a list of invoices, a no-op re-run
adding no Audit rows, a refused Confirm reported once."""
from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ar_xl import frames, schema
from ar_xl.actions import match
from ar_xl.actions.plan import create_plan, update_plans
from ar_xl.actions.promise import check_promises, log_promise
from ar_xl.book import Book, Change
from ar_xl.workbook import xlsx
from helpers import header_names, seeded

IBAN_1 = "NL91ABNA0417164300"
IBAN_2 = "DE89370400440532013000"
STRANGER = "GB29NWBK60161331926819"


def book_of(invoices, payments, user="anna"):
    t = {
        "Invoices": frames.coerce(pd.DataFrame(invoices, columns=[
            "invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"]),
            "Invoices", "test"),
        "Customers": frames.coerce(pd.DataFrame([("C1", "Acme BV", IBAN_1), ("C2", "Other GmbH", IBAN_2)],
                                                columns=["customer_id", "customer_name", "iban"]), "Customers", "test"),
        "Payments": frames.coerce(pd.DataFrame(
            [(p, d, a, "EUR", n, ib, r, a, "unapplied") for p, d, a, n, ib, r in payments],
            columns=["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                     "unapplied_amount", "status"]), "Payments", "test"),
    }
    return Book(t, source="test.xlsx", user=user)


def after(book: Book, change: Change) -> Book:
    """The book as it is once ``change`` is written (people's edits protected, Audit appended)."""
    tables = dict(book.tables)
    tables.update(change.merged(book))
    return Book(tables, source=book.source, user=book.user)


INVOICES = [
    ("INV1", "C1", "2025-11-01", "2025-12-01", "EUR", "600.00", "600.00", ""),
    ("INV2", "C1", "2025-11-15", "2025-12-15", "EUR", "400.00", "400.00", ""),
    ("INV3", "C1", "2025-11-20", "2025-12-20", "EUR", "500.00", "500.00", ""),  # not on the plan
    ("INV9", "C2", "2025-11-01", "2025-12-01", "EUR", "500.00", "500.00", ""),
]


def with_plan(payments):
    book = book_of(INVOICES, payments)
    # 600.00 + 400.00 in two monthly installments of 500.00, due 31 Jan and 28 Feb
    return after(book, create_plan(book, "C1", "INV1; INV2", 2, "2026-01-31", created="2026-01-10"))


def rows(book, pid):
    m = book.get("Matches")
    return m[m["payment_id"] == pid]


# ---------------------------------------------------------------- plans

def test_rate_1_ratenplan_is_applied_to_the_plans_invoices_and_pays_installment_1():
    book = with_plan([("P1", "2026-01-30", "500.00", "ACME BV", IBAN_1, "Rate 1 Ratenplan P-000001")])
    book = after(book, match.run(book))
    p1 = rows(book, "P1")
    # oldest plan invoice first; INV3 (same customer, 500.00 open: an exact amount) is not taken
    assert list(zip(p1["invoice_id"], p1["applied_amount"], p1["decision"], p1["applied"])) == [
        ("INV1", 50000, "auto", True)]
    r = p1.iloc[0]
    assert r["rule"] == "plan+installment" and "plan P-000001 installment 1 of 2" in r["evidence"]
    assert "plan installment" in r["flags"].split(";") and r["short_pay"] == 0
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["INV1", "open_amount"], inv.loc["INV3", "open_amount"]) == (10000, 50000)
    plans = after(book, update_plans(book, as_of="2026-02-05")).get("Plans").set_index("installment_no")
    assert (plans.loc[1, "status"], plans.loc[1, "paid"]) == ("paid", 50000)
    assert (plans.loc[2, "status"], plans.loc[2, "paid"]) == ("open", 0)


def test_two_installments_in_one_statement_each_marked_and_the_plan_completed():
    book = with_plan([("P1", "2026-01-30", "500.00", "ACME BV", IBAN_1, "Rate 1 Ratenplan P-000001"),
                      ("P2", "2026-02-27", "500.00", "ACME BV", IBAN_1, "termijn 2 betalingsregeling P-000001")])
    book = after(book, match.run(book))
    p2 = rows(book, "P2")
    assert list(zip(p2["invoice_id"], p2["applied_amount"], p2["decision"])) == [
        ("INV1", 10000, "auto"), ("INV2", 40000, "auto")]
    assert "installment 2 of 2" in p2["evidence"].iloc[0]
    plans = after(book, update_plans(book, as_of="2026-03-10")).get("Plans").set_index("installment_no")
    assert list(plans["status"]) == ["paid", "paid"] and set(plans["plan_status"]) == {"completed"}


def test_the_next_installment_counts_what_earlier_runs_applied_even_before_plan_update():
    book = with_plan([("P1", "2026-01-30", "500.00", "ACME BV", IBAN_1, "Rate 1 Ratenplan P-000001")])
    book = after(book, match.run(book))
    pay = book.get("Payments")
    more = frames.coerce(pd.DataFrame([("P2", "2026-02-26", "500.00", "EUR", "ACME BV", IBAN_1, "P-000001", "500.00",
                                        "unapplied")], columns=["payment_id", "value_date", "amount", "currency",
                                                                "payer_name", "payer_iban", "remittance",
                                                                "unapplied_amount", "status"]), "Payments", "test")
    book = Book({**book.tables, "Payments": pd.concat([pay, more], ignore_index=True)}, source=book.source, user="anna")
    p2 = rows(after(book, match.run(book)), "P2")
    assert list(zip(p2["invoice_id"], p2["applied_amount"], p2["decision"])) == [
        ("INV1", 10000, "auto"), ("INV2", 40000, "auto")]
    assert "installment 2 of 2" in p2["evidence"].iloc[0]


def test_a_plan_payment_from_an_unknown_payer_or_without_the_plan_id_is_only_suggested():
    book = with_plan([("P1", "2026-01-30", "500.00", "", STRANGER, "installment 1 plan P-000001"),
                      ("P2", "2026-01-30", "500.00", "ACME BV", IBAN_1, "januari")])
    book = after(book, match.run(book))
    for pid in ("P1", "P2"):
        r = rows(book, pid)
        assert not (r["decision"] == "auto").any()
        assert r["evidence"].str.contains("plan P-000001 installment 1 of 2").any()
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.loc["INV1", "open_amount"] == 60000


def test_a_plan_payment_left_for_review_reads_the_same_installment_on_a_rerun():
    """The plan as matched so far counts only money applied (or its rest): a payment that is only suggested
    is not yet paying installment 1 when Match reads it again."""
    book = with_plan([("P2", "2026-01-30", "500.00", "ACME BV", IBAN_1, "januari")])
    for _ in range(2):
        book = after(book, match.run(book))
        r = rows(book, "P2")
        assert not (r["decision"] == "auto").any()
        assert r["evidence"].str.contains("plan P-000001 installment 1 of 2").any()
        assert not r["evidence"].str.contains("installment 2").any()


def test_an_amount_that_is_no_installment_is_not_read_as_one():
    book = with_plan([("P1", "2026-01-30", "450.00", "ACME BV", IBAN_1, "Rate 1 Ratenplan P-000001")])
    r = rows(after(book, match.run(book)), "P1")
    assert not r["rule"].str.contains("installment").any() and not (r["decision"] == "auto").any()


# ---------------------------------------------------------------- promises

def test_a_payment_of_the_promised_amount_keeps_the_promise_end_to_end():
    book = book_of(INVOICES, [("P1", "2026-02-10", "350.00", "ACME BV", IBAN_1, "zahlung")])
    book = after(book, log_promise(book, "C1", 35000, "2026-02-15", logged_on="2026-02-01"))
    book = after(book, match.run(book))
    p1 = rows(book, "P1")
    assert list(zip(p1["invoice_id"], p1["applied_amount"], p1["decision"])) == [("INV1", 35000, "auto")]
    assert p1["rule"].iloc[0] == "iban+promise" and "promise PTP-000001" in p1["evidence"].iloc[0]
    assert p1["short_pay"].iloc[0] == 0
    pr = after(book, check_promises(book, as_of="2026-02-20")).get("Promises").iloc[0]
    assert (pr["status"], pr["received"]) == ("kept", 35000)


def test_a_promise_for_named_invoices_is_paid_on_those_invoices():
    book = book_of(INVOICES, [("P1", "2026-02-10", "250.00", "ACME BV", IBAN_1, "")])
    book = after(book, log_promise(book, "C1", 25000, "2026-02-15", invoice_ids="INV3", logged_on="2026-02-01"))
    p1 = rows(after(book, match.run(book)), "P1")
    assert list(zip(p1["invoice_id"], p1["applied_amount"], p1["decision"])) == [("INV3", 25000, "auto")]


def test_without_a_promise_the_same_payment_is_only_suggested():
    book = book_of(INVOICES, [("P1", "2026-02-10", "350.00", "ACME BV", IBAN_1, "zahlung")])
    p1 = rows(after(book, match.run(book)), "P1")
    assert not (p1["decision"] == "auto").any()


def test_a_payment_after_the_promise_window_does_not_count():
    book = book_of(INVOICES, [("P1", "2026-03-10", "350.00", "ACME BV", IBAN_1, "zahlung")])
    book = after(book, log_promise(book, "C1", 35000, "2026-02-15", logged_on="2026-02-01"))
    p1 = rows(after(book, match.run(book)), "P1")
    assert not (p1["decision"] == "auto").any() and not p1["rule"].str.contains("promise").any()


# ---------------------------------------------------------------- the review screen

def test_matches_puts_what_a_reviewer_needs_first():
    assert schema.MATCHES.names[:12] == [
        "review", "value_date", "payer_name", "payment_amount", "currency", "remittance", "invoice_id",
        "open_amount", "applied_amount", "difference", "confidence", "evidence"]


def test_rows_show_the_payment_the_open_amount_and_the_difference():
    book = book_of(INVOICES, [("P1", "2026-02-10", "590.00", "ACME BV", IBAN_1, "Rechnung INV1 abzgl. Spesen"),
                              ("P2", "2026-02-11", "12.34", "Nobody", STRANGER, "")])
    ch = match.run(book)
    assert "considered 2 payment(s)" in ch.summary
    m = after(book, ch).get("Matches").set_index("payment_id")
    p1 = m.loc["P1"]
    assert (p1["payment_amount"], p1["open_amount"], p1["applied_amount"], p1["difference"]) == (59000, 60000, 59000, -1000)
    assert p1["remittance"] == "Rechnung INV1 abzgl. Spesen" and p1["payer_name"] == "ACME BV"
    assert p1["value_date"] == pd.Timestamp("2026-02-10") and p1["currency"] == "EUR"
    p2 = m.loc["P2"]
    assert p2["decision"] == "unmatched" and p2["payment_amount"] == 1234 and pd.isna(p2["difference"])


# ---------------------------------------------------------------- by hand

def _typed(book, match_id, invoice_id, who="Sanne"):
    m = book.get("Matches").copy()
    k = m.index[m["match_id"] == match_id][0]
    m.loc[k, "invoice_id"], m.loc[k, "review"], m.loc[k, "reviewed_by"] = invoice_id, "Confirm", who
    tables = dict(book.tables)
    tables["Matches"] = m
    return Book(tables, source=book.source, user=book.user)


HAND = [("INV1", "C1", "2025-11-01", "2025-12-01", "EUR", "600.00", "600.00", ""),
        ("INV2", "C1", "2025-11-15", "2025-12-15", "EUR", "400.00", "50.00", ""),
        ("INV9", "C2", "2025-11-01", "2025-12-01", "EUR", "500.00", "500.00", "")]


def test_assigning_a_payment_by_hand_with_a_list_of_invoices_and_amounts():
    book = book_of(HAND, [("P1", "2026-02-10", "150.00", "Some Name", STRANGER, "see mail")])
    book = after(book, match.run(book))
    assert rows(book, "P1")["decision"].tolist() == ["unmatched"]
    book = _typed(book, "M-P1-unmatched", "INV1: 100.00; INV2: 50,00")
    ch = match.run(book)
    assert "1 payment(s) assigned by hand" in ch.summary
    book = after(book, ch)
    p1 = rows(book, "P1").set_index("match_id")
    assert (p1.loc["M-P1-INV1-hand", "applied_amount"], p1.loc["M-P1-INV2-hand", "applied_amount"]) == (10000, 5000)
    assert p1.loc["M-P1-INV1-hand", "decision"] == "manual" and bool(p1.loc["M-P1-INV2-hand", "applied"])
    assert "assigned by hand" in p1.loc["M-P1-unmatched", "flags"]
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["INV1", "open_amount"], inv.loc["INV2", "open_amount"]) == (50000, 0)
    pay = book.get("Payments").set_index("payment_id").loc["P1"]
    assert (pay["unapplied_amount"], pay["status"]) == (0, "applied")
    # the payer is learned for the customer
    assert STRANGER in book.get("Customers").set_index("customer_id").loc["C1", "iban"]
    # nothing is applied twice on the next run
    again = match.run(book)
    assert again.audit == [] and "assigned by hand" not in again.summary


def _typed_cells(book, match_id, **cells):
    """``book`` with ``cells`` typed on a Matches row (``review="Reject"``, ``applied_amount=10000``)."""
    m = book.get("Matches").copy()
    k = m.index[m["match_id"] == match_id][0]
    for c, v in cells.items():
        m.loc[k, c] = v
    return Book({**book.tables, "Matches": m}, source=book.source, user=book.user)


def _run(book):
    """``book`` once a Match run on it is written."""
    return after(book, match.run(book))


def _open(book):
    inv = book.get("Invoices").set_index("invoice_id")
    return int(inv.loc["INV1", "open_amount"]), int(inv.loc["INV2", "open_amount"])


def test_a_hand_assignment_rejected_confirmed_again_or_typed_anew_runs_every_time():
    """QA: after an id typed with an amount (or a rejected -hand row confirmed again) every later run stopped
    with a KeyError; a new list typed on the row after a Reject was ignored without a word."""
    book = book_of(HAND, [("P1", "2026-02-10", "150.00", "Some Name", STRANGER, "see mail")])
    book = after(book, match.run(book))
    book = _run(_typed_cells(_typed(book, "M-P1-unmatched", "INV1"), "M-P1-unmatched", applied_amount=15000))
    assert _open(book) == (45000, 5000)
    again = match.run(book)  # the typed row, applied, is left as it is
    assert again.audit == [] and "refused" not in again.summary
    book = after(book, again)
    book = _run(_typed_cells(book, "M-P1-INV1-hand", review="Reject"))
    assert _open(book) == (60000, 5000)
    book = after(book, match.run(book))  # the Confirm still typed on the first row does not apply it again
    assert _open(book) == (60000, 5000)
    book = _run(_typed_cells(book, "M-P1-INV1-hand", review="Confirm"))
    assert _open(book) == (45000, 5000)
    book = _run(_typed_cells(book, "M-P1-INV1-hand", review="Reject"))
    assert _open(book) == (60000, 5000)
    # a new list typed on the row assigns what is left of the payment
    book = _typed(book, "M-P1-unmatched", "INV2: 50,00; INV1: 100.00")
    ch = match.run(book)
    assert "1 payment(s) assigned by hand" in ch.summary
    book = after(book, ch)
    assert _open(book) == (50000, 0)
    row = rows(book, "P1").set_index("match_id").loc["M-P1-unmatched"]
    assert row["evidence"].startswith("assigned by hand [INV2: 50,00; INV1: 100.00]: 2 row(s)")
    pay = book.get("Payments").set_index("payment_id").loc["P1"]
    assert (pay["unapplied_amount"], pay["status"]) == (0, "applied")
    assert match.run(book).audit == []


@pytest.mark.parametrize("typed, words", [
    ("INV1: 90.00; INV2: 60.00", "invoice INV2 has only 50.00 open, not 60.00"),
    ("INV1: 120.00; INV2: 50.00", "payment P1 has only 150.00 unapplied, not 170.00"),
    ("INV1: 100.001", "more than two decimals"),
    ("INV1: 100.00; INV404: 50.00", "invoice INV404 is not in the Invoices table"),
    ("INV1; INV2", "a list of invoices needs an amount after each id"),
    ("INV1: 200.00; INV2: -50.00", "invoice INV2 has 50.00 open: an amount for it must be above 0"),
])
def test_a_hand_assignment_that_does_not_fit_is_refused_naming_the_row_and_reported_once(typed, words):
    book = book_of(HAND, [("P1", "2026-02-10", "150.00", "Some Name", STRANGER, "see mail")])
    book = after(book, match.run(book))
    book = _typed(book, "M-P1-unmatched", typed)
    ch = match.run(book)
    assert "refused 1: Matches row M-P1-unmatched" in ch.summary and words in ch.summary
    book = after(book, ch)
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["INV1", "open_amount"], inv.loc["INV2", "open_amount"]) == (60000, 5000)
    row = rows(book, "P1").set_index("match_id").loc["M-P1-unmatched"]
    assert "refused" in row["flags"].split(";") and words in row["evidence"]
    again = match.run(book)
    assert "refused" not in again.summary and again.audit == []


def test_a_refused_confirm_of_a_suggestion_is_reported_once():
    book = book_of(HAND, [("P1", "2026-02-10", "500.00", "Some Name", STRANGER, "")])
    book = after(book, match.run(book))
    r = rows(book, "P1")
    assert list(r["invoice_id"]) == ["INV9"] and r["decision"].iloc[0] == "suggested"
    book = _typed(book, r["match_id"].iloc[0], "INV9")
    inv = book.get("Invoices").copy()
    inv.loc[inv["invoice_id"] == "INV9", "open_amount"] = 40000  # partly paid meanwhile
    book = Book({**book.tables, "Invoices": inv}, source=book.source, user=book.user)
    first = match.run(book)
    assert "refused 1" in first.summary and "invoice INV9 has only 400.00 open, not 500.00" in first.summary
    book = after(book, first)
    second = match.run(book)
    assert "refused" not in second.summary and second.audit == []


# ---------------------------------------------------------------- re-runs, workbooks

PAYMENTS = [
    ("P1", "2026-02-10", "600.00", "ACME BV", IBAN_1, "INV1"),
    ("P2", "2026-02-10", "777.77", "J. Smith", STRANGER, "payment"),
    ("P3", "2026-02-11", "350.00", "ACME BV", IBAN_1, "a conto"),
    ("P4", "2026-02-11", "650.00", "Other GmbH", IBAN_2, "INV9"),
]


def _seed(path):
    return seeded(
        path,
        Customers=([("C1", "Acme BV", IBAN_1), ("C2", "Other GmbH", IBAN_2)], ["customer_id", "customer_name", "iban"]),
        Invoices=(INVOICES, ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount",
                             "open_amount", "status"]),
        Payments=([(p, d, a, "EUR", n, ib, r, a, "unapplied") for p, d, a, n, ib, r in PAYMENTS],
                  ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                   "unapplied_amount", "status"]))


def _audit_rows(path):
    return len(xlsx.load(path).get("Audit"))


def test_rerunning_match_with_nothing_new_adds_no_audit_rows(tmp_path):
    path = _seed(tmp_path / "collections.xlsx")
    book = xlsx.load(path)
    xlsx.save(book, match.run(book))
    before = _audit_rows(path)
    m_before = xlsx.load(path).get("Matches")
    for _ in range(2):
        book = xlsx.load(path)
        ch = match.run(book)
        assert ch.audit == [], ch.audit
        xlsx.save(book, ch)
    assert _audit_rows(path) == before
    m = xlsx.load(path).get("Matches")
    assert list(m["match_id"]) == list(m_before["match_id"]) and list(m["run_id"]) == list(m_before["run_id"])


OLD_LAYOUT = "45cd3b1397af510e91cf0887537b3e0574b03abd"
"""A commit whose workbooks/collections.xlsx has the Matches columns in their old order."""


def _old_collections(tmp_path) -> Path:
    """``workbooks/collections.xlsx`` as it was before the review layout (Matches with review 16th), from the
    repository's history (the commit is pinned: main's own copy gets the new layout when it is rebuilt)."""
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "old.xlsx"
    blob = subprocess.run(["git", "show", f"{OLD_LAYOUT}:workbooks/collections.xlsx"], cwd=root,
                          capture_output=True, check=True)
    out.write_bytes(blob.stdout)
    return out


def _header(path, sheet="Matches"):
    """The header row as canonical names (an old workbook shows ``match_id``, a rewritten one "Match ID")."""
    ws = openpyxl.load_workbook(path)[sheet]
    return header_names(ws)


def test_an_old_workbook_keeps_its_column_order_and_gets_the_new_columns_filled(tmp_path):
    path = _old_collections(tmp_path)
    old_header = _header(path)
    assert old_header.index("review") == 15 and "payment_amount" not in old_header
    seed = xlsx.load(path)
    change = Change("seed")
    fresh = xlsx.load(_seed(tmp_path / "fresh.xlsx"))
    for name in ("Customers", "Invoices", "Payments"):
        change.tables[name] = fresh.get(name)
    xlsx.save(seed, change)
    book = xlsx.load(path)
    xlsx.save(book, match.run(book))
    header = _header(path)
    # the team's layout stays as it was (under the human headers now); the new columns follow it
    assert header[:len(old_header)] == old_header
    shown = [c.value for c in openpyxl.load_workbook(path)["Matches"][1]]
    assert shown == schema.MATCHES.shown(header)
    assert set(header[len(old_header):]) == set(schema.MATCHES.names) - set(old_header)
    m = xlsx.load(path).get("Matches").set_index("payment_id")
    assert (m.loc["P1", "invoice_id"], m.loc["P1", "applied_amount"], m.loc["P1", "payment_amount"]) == ("INV1", 60000, 60000)
    assert m.loc["P1", "remittance"] == "INV1" and m.loc["P1", "open_amount"] == 60000
    ws = openpyxl.load_workbook(path)["Matches"]
    cells = {h: ws.cell(2, j + 1).value for j, h in enumerate(header)}
    assert cells["payment_id"] == "P1" and cells["decision"] == "auto" and cells["payment_amount"] == 600
    # a second run changes nothing
    book = xlsx.load(path)
    assert match.run(book).audit == []


def test_the_rest_of_an_auto_applied_overpayment_stays_unapplied_cash_on_a_rerun(tmp_path):
    path = seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", "Acme BV", IBAN_1)], ["customer_id", "customer_name", "iban"]),
        Invoices=([("2026-004512", "C1", "2026-01-01", "2026-02-01", "EUR", "500.00", "500.00", ""),
                   ("2026-004513", "C1", "2026-01-01", "2026-02-01", "EUR", "300.00", "300.00", "")],
                  ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount",
                   "status"]),
        Payments=([("P4", "2026-02-10", "650.00", "EUR", "Acme BV", IBAN_1, "Factuur 2026-004512", "650.00",
                    "unapplied")], ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban",
                                    "remittance", "unapplied_amount", "status"]))
    book = xlsx.load(path)
    xlsx.save(book, match.run(book))
    book = xlsx.load(path)
    again = match.run(book)
    assert again.audit == [] and "considered 0 payment(s)" in again.summary
    m = xlsx.load(path).get("Matches").set_index("match_id")
    assert (m.loc["M-P4-cash", "applied_amount"], m.loc["M-P4-cash", "flags"]) == (15000, "unapplied_cash")
    assert xlsx.load(path).get("Invoices").set_index("invoice_id").loc["2026-004513", "open_amount"] == 30000


def test_a_refusal_for_a_new_reason_is_reported_again():
    book = book_of(HAND, [("P1", "2026-02-10", "150.00", "Some Name", STRANGER, "see mail")])
    book = after(book, match.run(book))
    book = after(book, match.run(_typed(book, "M-P1-unmatched", "INV1: 90.00; INV2: 60.00")))
    book = _typed(book, "M-P1-unmatched", "INV1: 100.00; INV404: 50.00")
    ch = match.run(book)
    assert "refused 1" in ch.summary and "INV404 is not in the Invoices table" in ch.summary
    row = rows(after(book, ch), "P1").set_index("match_id").loc["M-P1-unmatched"]
    assert row["evidence"].count("refused:") == 1


def test_an_installment_with_interest_is_paid_in_full_and_its_interest_stays_unapplied_cash():
    book = book_of(INVOICES, [("P1", "2026-01-30", "506.67", "ACME BV", IBAN_1, "Rate 1 Ratenplan P-000001"),
                              ("P2", "2026-02-27", "506.66", "ACME BV", IBAN_1, "Rate 2 Ratenplan P-000001")])
    book = after(book, create_plan(book, "C1", "INV1; INV2", 2, "2026-01-31", annual_rate="0.08", interest="simple",
                                   created="2026-01-10"))
    # 1,000.00 at 8 % simple over two months: 13.33 interest, installments 506.67 and 506.66
    assert list(book.get("Plans")["amount"]) == [50667, 50666]
    book = after(book, match.run(book))
    p2 = rows(book, "P2")
    assert list(zip(p2["invoice_id"], p2["applied_amount"], p2["decision"])) == [
        ("INV1", 9333, "auto"), ("INV2", 40000, "auto"), ("", 1333, "auto")]
    assert "unapplied_cash" in p2["flags"].iloc[2]
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["INV1", "open_amount"], inv.loc["INV2", "open_amount"]) == (0, 0)
    plans = after(book, update_plans(book, as_of="2026-03-10")).get("Plans").set_index("installment_no")
    assert list(plans["status"]) == ["paid", "paid"] and list(plans["paid"]) == [50667, 50666]


def test_two_installments_paid_at_once_name_both():
    book = with_plan([("P1", "2026-01-30", "1000.00", "ACME BV", IBAN_1, "Raten 1+2 Ratenplan P-000001")])
    book = after(book, match.run(book))
    p1 = rows(book, "P1")
    assert list(zip(p1["invoice_id"], p1["applied_amount"], p1["decision"])) == [
        ("INV1", 60000, "auto"), ("INV2", 40000, "auto")]
    assert "plan P-000001 installment 1 to 2 of 2" in p1["evidence"].iloc[0]
    plans = after(book, update_plans(book, as_of="2026-02-05")).get("Plans").set_index("installment_no")
    assert list(plans["status"]) == ["paid", "paid"]


def test_a_payment_left_for_review_is_read_again_once_a_later_payment_took_its_rival():
    from ar_xl.engine.matching import match as engine_match
    inv = frames.coerce(pd.DataFrame([
        ("2026-0001", "C1", "2026-01-01", "2026-02-01", "EUR", "500.00", "500.00"),
        ("2026-0002", "C1", "2026-01-05", "2026-02-05", "EUR", "500.00", "500.00")],
        columns=["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount"]),
        "Invoices", "test")
    pays = book_of(INVOICES, [("X", "2026-03-01", "500.00", "ACME BV", IBAN_1, "maart"),
                              ("Y", "2026-03-02", "500.00", "ACME BV", IBAN_1, "Factuur 2026-0002")])
    res = engine_match(pays.get("Payments"), inv, pays.get("Customers"))
    # X alone fits both invoices; Y names 2026-0002, so X pays 2026-0001 — what a re-run would find
    got = {p: (r["invoice_id"], r["decision"]) for p, r in res.set_index("payment_id").iterrows()}
    assert got == {"X": ("2026-0001", "auto"), "Y": ("2026-0002", "auto")}


def test_confirming_a_possible_duplicate_applies_nothing_and_is_no_refusal():
    invoices = [("2026-0001", "C1", "2026-02-01", "2026-03-01", "EUR", "500.00", "0.00", "paid"),
                ("2026-0002", "C1", "2026-02-15", "2026-03-15", "EUR", "500.00", "500.00", "")]
    book = book_of(invoices, [("P9", "2026-04-02", "500.00", "ACME BV", IBAN_1, "Factuur 2026-0001")])
    book = after(book, match.run(book))
    r = rows(book, "P9")
    dup = r[r["invoice_id"] == "2026-0001"].iloc[0]
    assert (dup["decision"], dup["applied_amount"]) == ("suggested", 0)
    book = _typed(book, dup["match_id"], "2026-0001")
    ch = match.run(book)
    assert "refused" not in ch.summary
    book = after(book, ch)
    assert book.get("Payments").set_index("payment_id").loc["P9", "unapplied_amount"] == 50000
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0002", "open_amount"] == 50000


def test_a_hand_list_may_net_a_credit_note():
    book = book_of(HAND + [("CN-7", "C1", "2025-11-20", "2025-12-20", "EUR", "-20.00", "-20.00", "")],
                   [("P1", "2026-02-10", "150.00", "Some Name", STRANGER, "see mail")])
    book = after(book, match.run(book))
    book = after(book, match.run(_typed(book, "M-P1-unmatched", "INV1: 170,00\nCN-7: -20.00")))
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["INV1", "open_amount"], inv.loc["CN-7", "open_amount"]) == (43000, 0)
    assert book.get("Payments").set_index("payment_id").loc["P1", "unapplied_amount"] == 0

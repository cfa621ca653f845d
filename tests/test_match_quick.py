"""Cash application, issue 15 §6 (speed): a remittance whose references name open items of one customer that add up
to the payment is read without the search (``matching.quick.named_exactly``).  It must give exactly what the full
reading gives: the same allocation, evidence and decision, duplicates in the batch still flagged."""
import random

import pandas as pd

from ar_xl import frames
from ar_xl.engine.matching import driver, match, quick

IBAN_A = "NL91ABNA0417164300"
IBAN_B = "DE89370400440532013000"
IBAN_P = "BE68539007547034"


def invoices(rows):
    """rows: (invoice_id, customer, amount text, open amount text)."""
    return frames.coerce(pd.DataFrame([
        {"invoice_id": i, "customer_id": c, "customer_name": "", "invoice_date": "2026-03-01", "due_date": "2026-03-31",
         "currency": "EUR", "amount": a, "open_amount": o} for i, c, a, o in rows]), "Invoices", "test")


def payments(rows):
    """rows: (payment_id, value date, amount text, payer name, iban, remittance)."""
    return frames.coerce(pd.DataFrame([
        {"payment_id": p, "value_date": d, "amount": a, "currency": "EUR", "payer_name": n, "payer_iban": ib,
         "remittance": t} for p, d, a, n, ib, t in rows]), "Payments", "test")


def customers():
    return frames.coerce(pd.DataFrame({
        "customer_id": ["A", "B", "P"],
        "customer_name": ["Transport Jansen B.V.", "Bäckerei Müller GmbH", "Jansen Holding B.V."],
        "iban": [IBAN_A, IBAN_B, IBAN_P], "aliases": ["", "", ""], "pays_for": ["", "", "A"]}), "Customers", "test")


BOOK = [
    ("2026-004512", "A", "1200.00", "1200.00"),
    ("2026-004513", "A", "300.00", "300.00"),
    ("2026-004514", "A", "300.00", "300.00"),
    ("2026-004515", "A", "-100.00", "-100.00"),   # a credit note
    ("2026-004516", "A", "450.00", "0.00"),       # settled before the batch
    ("2026-007001", "B", "980.50", "980.50"),
    ("2026-007002", "B", "75.25", "75.25"),
]


def rows_of(res, pid):
    return res[res["payment_id"] == pid]


def test_a_payment_read_quickly_and_one_read_in_full_are_applied_alike(monkeypatch):
    # P1 names its invoice alone (the quick path); P2 names the same kind of invoice beside a bare number that
    # ends another invoice of the customer (read in full): both are applied in full, with the same rule and
    # the same evidence words
    quick_ones = []
    real = quick.named_exactly

    def spy(ctx, payment, *rest):
        got = real(ctx, payment, *rest)
        if got is not None:
            quick_ones.append(payment.payment_id)
        return got

    monkeypatch.setattr(driver, "named_exactly", spy)
    res = match(payments([("P1", "2026-04-01", "1200.00", "", IBAN_A, "Factuur 2026-004512"),
                          ("P2", "2026-04-01", "980.50", "", IBAN_B, "Rechnung 2026-007001 7002")]),
                invoices(BOOK), customers())
    assert quick_ones == ["P1"]
    p1, p2 = rows_of(res, "P1"), rows_of(res, "P2")
    assert list(zip(p1["invoice_id"], p1["applied_amount"].astype(int), p1["decision"])) == \
        [("2026-004512", 120000, "auto")]
    assert list(zip(p2["invoice_id"], p2["applied_amount"].astype(int), p2["decision"])) == \
        [("2026-007001", 98050, "auto")]
    assert (p1.iloc[0]["rule"], p1.iloc[0]["evidence"], p1.iloc[0]["confidence"], p1.iloc[0]["flags"]) == \
        ("ref+amount", "ref 2026-004512 exact; IBAN known; amount exact", 1.0, "")
    assert (p2.iloc[0]["confidence"], p2.iloc[0]["flags"]) == (1.0, "")


def test_the_second_payment_of_an_invoice_in_the_batch_is_a_possible_duplicate():
    # both name 2026-004512 for its amount: the first (by value date) settles it, the second is never applied
    res = match(payments([("P2", "2026-04-05", "1200.00", "", IBAN_A, "Factuur 2026-004512"),
                          ("P1", "2026-04-01", "1200.00", "", IBAN_A, "Factuur 2026-004512")]),
                invoices(BOOK), customers())
    first, second = rows_of(res, "P1"), rows_of(res, "P2")
    assert list(first["decision"]) == ["auto"] and int(first["applied_amount"].sum()) == 120000
    assert "auto" not in set(second["decision"])
    assert all("possible duplicate" in f.split(";") for f in second["flags"])
    top = second[second["rank"] == 1].iloc[0]
    assert (top["invoice_id"], int(top["applied_amount"])) == ("2026-004512", 0)
    assert "already settled by payment P1 of 2026-04-01" in top["evidence"]


def test_several_invoices_and_a_credit_note_named_add_up_and_are_applied_together():
    res = match(payments([("P1", "2026-04-01", "500.00", "", IBAN_A, "2026-004513, 2026-004514, 2026-004515")]),
                invoices(BOOK), customers())
    got = sorted(zip(res["invoice_id"], res["applied_amount"].astype(int)))
    assert got == [("2026-004513", 30000), ("2026-004514", 30000), ("2026-004515", -10000)]
    assert set(res["decision"]) == {"auto"}


def test_a_settled_invoice_named_beside_an_open_one_is_not_read_quickly():
    res = match(payments([("P1", "2026-04-01", "300.00", "", IBAN_A, "2026-004513 2026-004516")]), invoices(BOOK),
                customers(), paid_by={"2026-004516": [("P0", "2026-03-20")]})
    assert "auto" not in set(res["decision"])
    assert "already settled by payment P0 of 2026-03-20" in " ".join(res["evidence"])


def _random_batch(seed: int):
    """Invoices of four customers (some settled, some credit notes) and payments naming one to three of them
    (sometimes another customer's, sometimes for another amount), from a known, shared, third-party or unknown
    account, or by name only."""
    rng = random.Random(seed)
    custs = ["A", "B", "P", "X"]
    book, paid_by = [], {}
    for k in range(60):
        c = rng.choice(custs)
        amount = rng.choice([30000, 30000, 12345, 98050, 7525, rng.randrange(1000, 500000)])
        if rng.random() < 0.1:
            amount = -rng.randrange(1000, 20000)
        settled = rng.random() < 0.15
        iid = f"2026-{4500 + k:06d}"
        book.append((iid, c, f"{amount / 100:.2f}", "0.00" if settled else f"{amount / 100:.2f}"))
        if settled and rng.random() < 0.7:
            paid_by[iid] = [(f"P-old{k}", "2026-03-15")]
    accounts = [("", IBAN_A), ("", IBAN_B), ("", IBAN_P), ("Transport Jansen BV", ""), ("Backerei Muller", ""),
                ("J. de Vries", ""), ("", "")]
    pays = []
    for k in range(80):
        named = rng.sample(book, rng.choice([1, 1, 1, 2, 3]))
        total = sum(int(round(float(o) * 100)) for _, _, _, o in named)
        if rng.random() < 0.2:
            total += rng.choice([-500, -100, 100, 2000])
        total = total if total > 0 else rng.randrange(1000, 50000)
        words = " ".join(rng.choice([iid, iid.replace("-", ""), iid[5:], iid + " ref 99"]) for iid, *_ in named)
        name, iban = rng.choice(accounts)
        pays.append((f"Q{k:03d}", f"2026-04-{rng.randrange(1, 28):02d}", f"{total / 100:.2f}", name, iban,
                     rng.choice(["Factuur ", "Invoice ", "", "Rechnung Nr. "]) + words))
    return payments(pays), invoices(book), paid_by


def test_the_quick_reading_gives_exactly_the_options_of_the_full_reading(monkeypatch):
    """Every payment the quick path takes, at the moment it is read (what earlier payments settled included):
    the same options (every field) and the same customers looked at as ``fit_amount``."""
    taken = []
    real = quick.named_exactly

    def both(ctx, payment, refs, payer, looked):
        got = real(ctx, payment, refs, payer, looked)
        if got is not None:
            full_looked: set = set()
            full = driver.fit_amount(ctx, payment, refs, payer, full_looked)
            assert got == full, payment.payment_id
            assert looked == full_looked, payment.payment_id
            taken.append(payment.payment_id)
        return got

    monkeypatch.setattr(driver, "named_exactly", both)
    for seed in range(12):
        pay, inv, paid_by = _random_batch(seed)
        match(pay, inv, customers(), paid_by=paid_by)
    assert len(taken) > 60  # the quick path was taken often enough to mean something


def test_the_run_is_the_same_with_and_without_the_quick_path(monkeypatch):
    for seed in range(6):
        pay, inv, paid_by = _random_batch(seed)
        fast = match(pay, inv, customers(), paid_by=paid_by)
        with monkeypatch.context() as m:
            m.setattr(driver, "named_exactly", lambda *a: None)
            full = match(pay, inv, customers(), paid_by=paid_by)
        pd.testing.assert_frame_equal(fast, full)

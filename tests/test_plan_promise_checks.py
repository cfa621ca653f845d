"""Plans dated in the past and promises in a currency the customer does not owe in (issue 9 §5)."""
import pytest

from ar_xl.actions.plan import create_plan
from ar_xl.actions.promise import log_promise
from ar_xl.book import Book
from ar_xl.cli import main
from ar_xl.errors import InputError
from helpers import frame, seeded

INVOICES = ([
    ("INV1", "C1", "Acme", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
    ("INV2", "C1", "Acme", "2026-09-01", "2026-09-30", "EUR", "300.00", "300.00", "open"),
    ("INV3", "C2", "Thames", "2026-10-05", "2026-11-04", "GBP", "500.00", "500.00", "open"),
    ("INV4", "C2", "Thames", "2026-10-05", "2026-11-04", "USD", "80.00", "0.00", "paid"),
    ("CN1", "C1", "Acme", "2026-10-05", "2026-10-05", "EUR", "-150.00", "-150.00", "open"),
], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"])
CUSTOMERS = ([("C1", "Acme", "", "NL", "nl", "Sanne"), ("C2", "Thames", "", "GB", "en", "Sanne")],
             ["customer_id", "customer_name", "iban", "country", "language", "collector"])


def book():
    return Book(tables={"Invoices": frame("Invoices", *INVOICES), "Customers": frame("Customers", *CUSTOMERS)})


def test_plan_whose_first_installment_is_in_the_past_is_refused():
    with pytest.raises(InputError) as e:
        create_plan(book(), "C1", "INV1", 3, "2025-12-31", created="2026-11-23")
    msg = str(e.value)
    assert "2025-12-31" in msg and "2026-11-23" in msg and "--backdate" in msg


def test_backdated_plan_is_accepted_and_says_so():
    ch = create_plan(book(), "C1", "INV1", 3, "2025-12-31", created="2026-11-23", backdate=True)
    assert ch.tables["Plans"]["due_date"].dt.strftime("%Y-%m-%d").tolist()[0] == "2025-12-31"
    assert "backdated" in ch.summary


def test_plan_starting_today_is_fine():
    ch = create_plan(book(), "C1", "INV1", 2, "2026-11-23", created="2026-11-23")
    assert len(ch.tables["Plans"]) == 2


def test_cli_plan_create_past_date_exits_2_and_backdate_works(tmp_path, capsys):
    wb = seeded(tmp_path / "team.xlsx", Invoices=INVOICES, Customers=CUSTOMERS)
    argv = ["plan", "create", str(wb), "--customer", "C1", "--invoices", "INV1", "--installments", "3",
            "--first-due", "2025-12-31"]
    assert main(argv) == 2
    assert "2025-12-31" in capsys.readouterr().err
    assert main(argv + ["--backdate"]) == 0


@pytest.mark.parametrize("customer, currency", [("C1", "USD"), ("C1", "GBP"), ("C2", "USD")])
def test_promise_in_a_currency_with_no_open_items_is_refused(customer, currency):
    with pytest.raises(InputError) as e:
        log_promise(book(), customer, 10000, "2026-12-15", currency=currency, logged_on="2026-11-23")
    msg = str(e.value)
    assert currency in msg and "open items" in msg


def test_promise_in_the_currency_of_open_items_is_accepted():
    ch = log_promise(book(), "C2", 10000, "2026-12-15", currency="gbp", logged_on="2026-11-23")
    assert ch.tables["Promises"]["currency"].tolist() == ["GBP"]


@pytest.mark.parametrize("ids, said", [("CN1", "CN1 is a credit note (open amount -150.00), not an invoice to pay"),
                                       ("INV4", "invoice INV4 has nothing open (open amount 0.00)")])
def test_a_promise_or_plan_on_a_credit_note_or_a_paid_invoice_says_which_it_is(ids, said):
    customer = "C1" if ids == "CN1" else "C2"
    with pytest.raises(InputError) as e:
        log_promise(book(), customer, 10000, "2026-12-15", invoice_ids=ids, logged_on="2026-11-23")
    assert said in str(e.value)
    with pytest.raises(InputError) as e:
        create_plan(book(), customer, ids, 2, "2026-12-15", created="2026-11-23")
    assert said in str(e.value)


def test_the_same_promise_logged_twice_is_refused_naming_the_first():
    b = book()
    ch = log_promise(b, "C1", 150050, "2026-12-15", invoice_ids="INV1; INV2", logged_on="2026-11-23")
    b.tables["Promises"] = ch.tables["Promises"]
    with pytest.raises(InputError) as e:
        log_promise(b, "C1", 150050, "2026-12-15", invoice_ids="INV2,INV1", logged_on="2026-11-24")
    assert "C1 already has promise PTP-000001 of EUR 1,500.50 by 2026-12-15 for INV2; INV1, still open" in str(e.value)
    # another date or amount is another promise
    for cents, day in ((150050, "2026-12-22"), (100000, "2026-12-15")):
        ch = log_promise(b, "C1", cents, day, invoice_ids="INV1; INV2", logged_on="2026-11-24")
        assert len(ch.tables["Promises"]) == 2

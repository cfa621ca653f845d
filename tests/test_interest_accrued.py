"""Interest accrued shown on Aging and Worklist rows: the statutory rule of each customer's country, exact."""
from __future__ import annotations

import datetime as dt
import random

import pandas as pd

from ar_xl.actions import refresh, worklist
from ar_xl.book import Book
from ar_xl.engine import interest
from helpers import frame

CUSTOMERS = ([
    ("C1", "Spedition Kühn GmbH", "DE", "de", "Markus"),
    ("C2", "Bakker Logistiek B.V.", "NL", "nl", "Sanne"),
    ("C3", "Hargreaves Freight Ltd", "", "en", "Sanne"),          # no country
    ("C4", "Plomberie Dupont SAS", "FR", "fr", "Julie"),
], ["customer_id", "customer_name", "country", "language", "collector"])

INVOICES = ([
    ("2025-0001", "C1", "2025-05-16", "2025-06-15", "EUR", "1000.00", "1000.00"),   # DE, 77 days
    ("2025-0002", "C1", "2025-08-01", "2025-08-31", "EUR", "500.00", "500.00"),     # due on the as-of date
    ("CN-0001", "C1", "2025-07-01", "2025-07-01", "EUR", "-100.00", "-100.00"),     # a credit note
    ("2025-0003", "C2", "2024-05-01", "2024-05-31", "EUR", "2000.00", "2000.00"),   # NL, over a year: compounds
    ("2025-0004", "C3", "2025-04-01", "2025-04-30", "GBP", "800.00", "800.00"),     # no country
    ("2025-0005", "C4", "2025-05-01", "2025-05-31", "EUR", "300.00", "300.00"),
    ("2025-0006", "C4", "2025-05-01", "2025-05-31", "USD", "300.00", "300.00"),     # a second currency
], ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount"])

AS_OF = dt.date(2025, 8, 31)


def book(config_rows=None) -> Book:
    tables = {"Customers": frame("Customers", *CUSTOMERS), "Invoices": frame("Invoices", *INVOICES)}
    if config_rows:
        tables["Config"] = frame("Config", config_rows, ["setting", "value"])
    return Book(tables=tables, source="test")


def test_accrued_equals_the_statutory_rule_item_by_item():
    """``engine.interest.accrued`` (periods shared by country and due date) gives, for every item, what
    ``late_interest`` gives on its own: random amounts, due dates over four years, every country."""
    rnd = random.Random(20261206)
    until = dt.date(2026, 3, 20)
    items = [(rnd.randint(-50_000, 9_000_000), dt.date(2022, 1, 1) + dt.timedelta(days=rnd.randint(0, 1600)),
              rnd.choice(["NL", "BE", "DE", "FR", "LU", "GB", "UK", "", "ES"])) for _ in range(2500)]
    table = interest.RateTable.load()
    cents, known, missing = interest.accrued([a for a, _, _ in items], [d for _, d, _ in items],
                                             [c for _, _, c in items], until, table)
    assert missing == () and known.all()
    compounding = 0
    for (amount, due, country), got in zip(items, cents):
        code = interest.ALIASES.get(country, country)
        if code not in interest.RULES or amount <= 0 or due >= until:
            assert got == 0
            continue
        one = interest.late_interest(amount, due, until, code, table=table)
        assert got == one.interest
        compounding += bool(one.notes)
    assert compounding > 20  # NL items more than a year overdue were among them


def test_aging_shows_each_item_s_interest_in_its_currency():
    rows = refresh.aging_table(book(), AS_OF)[0].set_index("invoice_id")
    # DE § 288 (2) BGB, 1,000.00 due 15 June 2025: 15 days of June at 2.27 + 9 = 11.27 % -> 4.63,
    # 31 + 31 days of July and August at 1.27 + 9 = 10.27 % -> 17.44
    assert rows.loc["2025-0001", "interest"] == 463 + 1744
    assert rows.loc["2025-0002", "interest"] == 0          # due today: not a day of interest yet
    assert rows.loc["CN-0001", "interest"] == 0            # a credit note earns none
    assert rows.loc["2025-0004", "interest"] == 0          # the customer has no country, Config none
    nl = interest.late_interest(200000, dt.date(2024, 5, 31), AS_OF, "NL").interest
    assert rows.loc["2025-0003", "interest"] == nl and nl > round(200000 * 0.10 * 457 / 365) * 0.9


def test_a_fallback_country_in_config_applies_to_customers_without_one():
    rows = refresh.aging_table(book([("dunning.interest_country", "GB")]), AS_OF)[0].set_index("invoice_id")
    assert rows.loc["2025-0004", "interest"] == interest.late_interest(80000, dt.date(2025, 4, 30), AS_OF,
                                                                       "GB").interest > 0


def test_a_missing_rate_leaves_the_cell_empty_and_says_which_rows_to_add():
    later = dt.date(2099, 1, 10)
    b = book()
    change = refresh.run(b, later)
    rows = change.tables["Aging"].set_index("invoice_id")
    assert pd.isna(rows.loc["2025-0001", "interest"])
    assert rows.loc["CN-0001", "interest"] == 0
    text = " ".join(change.warnings)
    assert "no statutory rate for" in text and "DE 2026H2" in text and "rate.DE.2026H2" in text
    b = book([("rate.DE.2026H2", "1.00")] + [(f"rate.DE.{y}H{h}", "1.00") for y in range(2027, 2099) for h in (1, 2)]
             + [("rate.DE.2099H1", "1.00")])
    rows = refresh.aging_table(b, later)[0].set_index("invoice_id")
    assert rows.loc["2025-0001", "interest"] > 0           # the rows a person added complete it


def test_the_worklist_sums_a_customer_s_interest_in_their_currency():
    wl = worklist.table(book(), AS_OF).set_index("customer_id")
    assert wl.loc["C1", "interest"] == 463 + 1744
    assert pd.isna(wl.loc["C4", "interest"])               # EUR and USD: no one-currency figure

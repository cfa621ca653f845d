"""Issue 12 part 3: the collector comes from the customer; an invoice's own collector overrides it."""
from __future__ import annotations

import datetime as dt

from ar_xl.actions import refresh
from ar_xl.book import Book
from ar_xl.engine import owners

from helpers import frame

INV = ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "collector"]


def _book(customer_collectors, invoice_collectors):
    cust = frame("Customers", [(c, f"Name {c}", coll) for c, coll in customer_collectors],
                 ["customer_id", "customer_name", "collector"])
    inv = frame("Invoices", [(f"I{i}", c, "2026-10-01", "2026-10-31", "EUR", "10.00", "10.00", coll)
                             for i, (c, coll) in enumerate(invoice_collectors)], INV)
    return Book(tables={"Customers": cust, "Invoices": inv})


def test_setting_a_customers_collector_moves_its_invoices_at_the_next_refresh():
    book = _book([("C1", "Anna"), ("C2", "")], [("C1", ""), ("C1", "Bram"), ("C2", ""), ("C3", "")])
    aging = refresh.run(book, dt.date(2026, 11, 23)).tables["Aging"].set_index("invoice_id")
    assert aging["collector"].to_dict() == {"I0": "Anna", "I1": "Bram", "I2": "", "I3": ""}
    cust = book.get("Customers").copy()
    cust.loc[cust["customer_id"] == "C1", "collector"] = "Claire"
    cust.loc[cust["customer_id"] == "C2", "collector"] = "Dirk"
    book.tables["Customers"] = cust
    aging = refresh.run(book, dt.date(2026, 11, 23)).tables["Aging"].set_index("invoice_id")
    assert aging["collector"].to_dict() == {"I0": "Claire", "I1": "Bram", "I2": "Dirk", "I3": ""}


def test_without_a_customers_table_the_invoices_own_collector_is_used():
    book = _book([], [("C1", "Anna"), ("C1", "")])
    assert list(owners.effective_collectors(book.get("Invoices"), None)) == ["Anna", ""]

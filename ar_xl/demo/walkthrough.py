"""The walkthrough customer: the invoices the README's examples name, the same in every demo, whatever its date.

The synthetic portfolio numbers its invoices by calendar year (``2026-003217``) and dates them on business
days before the demo's as-of date, so its invoice ids change with the day the demo is built.  The README's
examples need ids that are always there, open, and untouched by the demo's own disputes, plans and promises.
So the demo adds, before its aging history, worklist, forecast and dashboard, four invoices and a credit note of one customer (``CUSTOMER``, a
French plumbing firm in the default demo, seed 7) with fixed ids and amounts, dated relative to the as-of date:

=========  ===========  ======================  ===================
id         amount EUR   due                     what the README does with it
=========  ===========  ======================  ===================
INV-90001     1,250.00  75 days before as-of    payment plan, then a write-off of part
INV-90002       830.40  45 days before as-of    payment plan
INV-90003     2,400.00  20 days before as-of    dispute (price)
INV-90004       615.75  10 days after as-of     not yet due
CN-90001       -150.00  5 days before as-of     credit note: allocated in part, the rest refunded
=========  ===========  ======================  ===================

Nothing pays them (the day's bank statement is generated before they exist).  With another seed or size the
walkthrough customer is the portfolio's first customer.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import frames
from ..book import Book, Change

CUSTOMER = "C10993"
INVOICES = (
    # id, amount in cents, days from the as-of date to the due date, payment terms in days
    ("INV-90001", 125000, -75, 30),
    ("INV-90002", 83040, -45, 30),
    ("INV-90003", 240000, -20, 30),
    ("INV-90004", 61575, 10, 30),
    ("CN-90001", -15000, -5, 0),
)


def customer(book: Book) -> str:
    """``CUSTOMER`` when the demo has it, else its first customer."""
    ids = book.get("Customers")["customer_id"].astype(str).str.strip()
    return CUSTOMER if (ids == CUSTOMER).any() else str(ids.iloc[0])


def add_invoices(book: Book, as_of: dt.date) -> Change:
    """The Change that appends the walkthrough invoices and credit note to Invoices (open, in EUR)."""
    cid = customer(book)
    cust = book.get("Customers").set_index(book.get("Customers")["customer_id"].astype(str).str.strip())
    name = str(cust.loc[cid, "customer_name"])
    rows = []
    for iid, cents, due_in, terms in INVOICES:
        due = as_of + dt.timedelta(days=due_in)
        issued = due - dt.timedelta(days=terms)
        while issued.weekday() >= 5:  # invoiced on a working day
            issued -= dt.timedelta(days=1)
        rows.append({"invoice_id": iid, "customer_id": cid, "customer_name": name,
                     "invoice_date": issued, "due_date": due, "currency": "EUR",
                     "amount": f"{cents / 100:.2f}", "open_amount": f"{cents / 100:.2f}", "status": "open"})
    new = frames.coerce(pd.DataFrame(rows), "Invoices", "demo walkthrough")
    change = Change("demo")
    change.tables["Invoices"] = pd.concat([book.get("Invoices"), new], ignore_index=True)
    change.log(book.user, "Invoices", cid, "rows", None, len(rows), rule="demo walkthrough invoices")
    change.summary = f"walkthrough customer {cid}: {', '.join(r[0] for r in INVOICES)}"
    return change

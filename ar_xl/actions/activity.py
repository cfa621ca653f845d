"""The contact log: append one Activities row (validated by ``engine.activities``).

The customer must be known (in Customers or Invoices, when those have rows).
``user`` defaults to the workbook's user; ``at`` to now.
"""
from __future__ import annotations

import pandas as pd

from ..book import Book, Change
from ..engine import activities as engine
from .plan import appended, fail, known_customer, who


def log_activity(
    book: Book,
    customer_id: str,
    channel: str,
    outcome: str,
    next_action_date: object = None,
    at: object = None,
    note: str = "",
    user: str | None = None,
) -> Change:
    """A new Activities row (id ``A-000001``); ``InputError`` naming the bad field otherwise."""
    src = "log contact"
    user = who(book, user)
    customer = known_customer(book, customer_id, src)
    try:
        aid = engine.next_id(book.get("Activities")["activity_id"], "A")
        row = engine.new_activity(aid, user, customer, channel, outcome, next_action_date, at, note)
    except ValueError as e:
        fail(src, e)
    change = Change("log_activity")
    change.tables["Activities"] = appended(book, "Activities", [row])
    change.log(user, "Activities", aid, "outcome", None, row["outcome"], row["channel"])
    nxt = "" if pd.isna(row["next_action_date"]) else f"; next action {row['next_action_date']:%Y-%m-%d}"
    change.summary = f"logged {row['channel']} with {customer} at {row['at']:%Y-%m-%d %H:%M}: {row['outcome']}{nxt}"
    return change

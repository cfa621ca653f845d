"""Write each invoice's derived workflow state (``engine.states``) into Invoices.status.

Called by every refresh (so the dashboard too) and by the ERP sync.  Only statuses the records
decide are replaced (``engine.states.DERIVED``); ``legal``, ``written off`` and any other text a
person typed stay.  Each replaced status is one Audit row naming the rule.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book, Change
from .. import frames
from ..engine import states


def _table(book: Book, change: Change, name: str) -> pd.DataFrame | None:
    if name in change.tables:
        return change.tables[name]
    return book.get(name) if book.has(name) else None


def restate(book: Book, change: Change) -> int:
    """Put the derived states into ``change``'s Invoices body; returns how many statuses changed."""
    inv = _table(book, change, "Invoices")
    if inv is None or not len(inv):
        return 0
    state = states.derive(inv, _table(book, change, "Disputes"), _table(book, change, "Plans"),
                          _table(book, change, "Promises"), _table(book, change, "WriteOffs"),
                          _table(book, change, "Handovers"))
    old = frames.texts(inv["status"])
    differ = np.array([a.lower() != b.lower() and not (a == "" and b == "open") for a, b in zip(old, state)],
                      dtype=bool)  # an empty status already means open
    if not differ.any():
        return 0
    body = inv.copy(deep=False)  # (copy-on-write: the status column is a new one, the others stay shared)
    body["status"] = np.where(differ, state, body["status"].astype(object).to_numpy())
    change.tables["Invoices"] = body
    ids = inv["invoice_id"].astype(str).to_numpy()
    for i in np.flatnonzero(differ):
        change.log(book.user, "Invoices", ids[i], "status", old[i], state[i], "derived state")
    return int(differ.sum())


def follow(book: Book, change: Change) -> Change:
    """``restate`` at the end of an action that changed Disputes, Plans, Promises, WriteOffs or Handovers; the summary says how
    many invoice statuses moved."""
    n = restate(book, change)
    if n:
        change.summary = (change.summary + "; " if change.summary else "") + \
            f"{n} invoice status(es) now follow the records"
    return change

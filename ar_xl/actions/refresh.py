"""Refresh aging: rewrite the Aging table from the Invoices table.

The Aging table is derived: one row per open item (non-zero open amount),
with its days past due, its bucket and its amount in the base currency spread
over one column per bucket, so a pivot on collector × bucket needs no formula.
Invoices on an unresolved dispute are flagged ``disputed``.  The collector is the effective one
(``engine.owners``): the invoice's own when set, else its customer's.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import clock
from ..book import Book, Change
from ..engine import aging, disputes, owners


def disputed_invoice_ids(book: Book) -> set[str]:
    """Invoice ids on disputes that are not resolved or closed, plus invoices whose status is 'disputed'."""
    inv = book.get("Invoices")
    ids = set(inv.loc[inv["status"].astype(str).str.strip().str.lower() == "disputed", "invoice_id"].astype(str))
    return ids | disputes.disputed_invoices(book.get("Disputes"))


def aging_table(book: Book, as_of: dt.date, edges=None, basis=None) -> tuple[pd.DataFrame, list[str]]:
    cfg = book.config
    edges = tuple(edges or cfg.aging_buckets)
    inv = book.get("Invoices").copy()
    inv.attrs = book.get("Invoices").attrs
    inv["disputed"] = inv["invoice_id"].astype(str).isin(disputed_invoice_ids(book)).to_numpy()
    inv["collector"] = owners.effective_collectors(inv, book.get("Customers") if book.has("Customers") else None)
    items = aging.age_items(inv, as_of, cfg, edges, basis)
    labels = aging.bucket_labels(edges)
    out = items.drop(columns=["bucket_no", "invoice_date"])
    out.insert(0, "as_of", pd.Timestamp(as_of))
    bno = items["bucket_no"].to_numpy()
    base = items["open_amount_base"].to_numpy()
    for j, lab in enumerate(labels):
        out[lab] = np.where(bno == j, base, 0)
    return out, labels


def run(book: Book, as_of: dt.date | None = None) -> Change:
    as_of = as_of or clock.today()
    table, labels = aging_table(book, as_of)
    change = Change("refresh_aging")
    change.tables["Aging"] = table
    change.extra_columns["Aging"] = labels
    total = int(table["open_amount_base"].sum())
    overdue = int(table.loc[table["days_past_due"] > 0, "open_amount_base"].sum())
    from ..money import fmt
    cur = book.config.base_currency
    change.summary = (f"aged {len(table)} open items at {as_of:%Y-%m-%d}: total {cur} {fmt(total)}, "
                      f"overdue {cur} {fmt(overdue)}")
    change.log(book.user, "Aging", "*", "rows", None, len(table), rule=f"as_of={as_of:%Y-%m-%d}")
    return change

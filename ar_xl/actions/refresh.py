"""Refresh aging: rewrite the Aging table from the Invoices table.

The Aging table is derived: one row per open item (non-zero open amount),
with its days past due, its bucket and its amount in the base currency spread
over one column per bucket, so a pivot on collector × bucket needs no formula.
Each row has the invoice's derived ``state`` (``engine.states``; refresh also writes it into
Invoices.status where the records decide it); ``disputed`` says the invoice is on a live dispute
(whatever its state: an invoice a person put in ``legal`` may be disputed too).  The collector is the effective one
(``engine.owners``): the invoice's own when set, else its customer's.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import clock, fxrates
from ..book import Book, Change
from ..engine import aging, disputes, owners, states
from . import restate


def disputed_invoice_ids(book: Book) -> set[str]:
    """Invoice ids on disputes that are not resolved or closed (a typed status no longer counts: the state
    is derived from the records, ``engine.states``)."""
    return disputes.disputed_invoices(book.get("Disputes"))


def _optional(book: Book, name: str):
    return book.get(name) if book.has(name) else None


def aging_table(book: Book, as_of: dt.date, edges=None, basis=None) -> tuple[pd.DataFrame, list[str]]:
    cfg = book.config
    edges = tuple(edges or cfg.aging_buckets)
    inv = book.get("Invoices").copy()
    inv.attrs = book.get("Invoices").attrs
    state = states.derive(inv, _optional(book, "Disputes"), _optional(book, "Plans"), _optional(book, "Promises"),
                          _optional(book, "WriteOffs"))
    inv["disputed"] = inv["invoice_id"].astype(str).str.strip().isin(disputed_invoice_ids(book)).to_numpy()
    inv["collector"] = owners.effective_collectors(inv, book.get("Customers") if book.has("Customers") else None)
    items = aging.age_items(inv, as_of, cfg, edges, basis)
    labels = aging.bucket_labels(edges)
    out = items.drop(columns=["bucket_no", "invoice_date"])
    keep = np.flatnonzero(inv["open_amount"].to_numpy(dtype=np.int64, na_value=0) != 0)
    out.insert(out.columns.get_loc("disputed") + 1, "state", state[keep])
    out.insert(0, "as_of", pd.Timestamp(as_of))
    bno = items["bucket_no"].to_numpy()
    base = items["open_amount_base"].to_numpy()
    for j, lab in enumerate(labels):
        out[lab] = np.where(bno == j, base, 0)
    return sort_aging(out), labels


def sort_aging(rows: pd.DataFrame) -> pd.DataFrame:
    """Aging's order: by collector, then customer, then days past due, oldest first (ties by invoice id).
    Collectors and customers sort ignoring case; items without a collector come last."""
    if not len(rows):
        return rows
    col = rows["collector"].fillna("").astype(str).str.strip()
    keys = pd.DataFrame({
        "unowned": (col == "").to_numpy(), "collector": col.str.lower().to_numpy(),
        "customer": rows["customer_id"].astype(str).str.lower().to_numpy(),
        "days": -rows["days_past_due"].to_numpy(dtype=np.int64), "invoice": rows["invoice_id"].astype(str).to_numpy(),
    })
    order = keys.sort_values(list(keys.columns), kind="stable").index.to_numpy()
    return rows.iloc[order].reset_index(drop=True)


def run(book: Book, as_of: dt.date | None = None, confirm_fx: bool = False, also_converts=()) -> Change:
    """Rewrite Aging at ``as_of``; stops when an FX rate moved more than Config fx_max_move since the
    last run, unless ``confirm_fx`` (``fxrates``).  ``also_converts``: currencies (series) of other
    tables the caller converts with the same rates (the dashboard's payments and disputes)."""
    as_of = as_of or clock.today()
    change = Change("refresh_aging")
    restated = restate.restate(book, change)
    table, labels = aging_table(book, as_of)
    change.tables["Aging"] = table
    change.extra_columns["Aging"] = labels
    change.warnings = book.warnings
    cfg = book.config
    fx_note = fxrates.apply(book, change, cfg, table["currency"], *also_converts, confirmed=confirm_fx)
    total = int(table["open_amount_base"].sum())
    overdue = int(table.loc[table["days_past_due"] > 0, "open_amount_base"].sum())
    from ..money import fmt
    cur = cfg.base_currency
    change.summary = (f"aged {len(table)} open items at {as_of:%Y-%m-%d}: total {cur} {fmt(total)}, "
                      f"overdue {cur} {fmt(overdue)}" + (f"; {fx_note}" if fx_note else ""))
    change.fx_note = fx_note  # type: ignore[attr-defined]
    if restated:
        change.summary += f"; {restated} invoice status(es) set to the state their records give"
    closing = states.proposed_closings(book.get("Invoices"), _optional(book, "Disputes"))
    if closing:
        change.summary += (f"; dispute(s) whose invoices are paid, to close: {', '.join(closing[:10])}"
                           + (f" and {len(closing) - 10} more" if len(closing) > 10 else ""))
    change.log(book.user, "Aging", "*", "rows", None, len(table), rule=f"as_of={as_of:%Y-%m-%d}")
    return change

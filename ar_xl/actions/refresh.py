"""Refresh aging: rewrite the Aging table from the Invoices table.

The Aging table is derived: one row per open item (non-zero open amount),
with its days past due, its bucket and its amount in the base currency spread
over one column per bucket, so a pivot on collector × bucket needs no formula.
Each row has the invoice's derived ``state`` (``engine.states``; refresh also writes it into
Invoices.status where the records decide it); ``disputed`` says the invoice is on a live dispute
(whatever its state: an invoice a person put in ``legal`` may be disputed too).  The collector is the effective one
(``engine.owners``): the invoice's own when set, else its customer's.

Each refresh also keeps the day's snapshot in AgingHistory (``engine.trends``): one row for the team and
one per collector, replacing the rows of the same as-of date and keeping every other date's.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import clock, frames, fxrates, schema
from ..book import Book, Change
from ..engine import aging, disputes, interest, owners, states, trends
from ..engine import dashboard as dash_engine
from . import restate


def disputed_invoice_ids(book: Book) -> set[str]:
    """Invoice ids on disputes that are not resolved or closed (a typed status no longer counts: the state
    is derived from the records, ``engine.states``)."""
    return disputes.disputed_invoices(book.get("Disputes"))


def disputed_flags(book: Book, invoices: pd.DataFrame) -> np.ndarray:
    """Per row of ``invoices``: whether its invoice id is on a live dispute (``disputed_invoice_ids``)."""
    return pd.Series(frames.texts(invoices["invoice_id"]), copy=False).isin(disputed_invoice_ids(book)).to_numpy()


def aging_table(book: Book, as_of: dt.date, edges=None, basis=None) -> tuple[pd.DataFrame, list[str]]:
    cfg = book.config
    edges = tuple(edges or cfg.aging_buckets)
    inv = book.get("Invoices").copy(deep=False)  # columns added here only (the book's frame stays as read)
    inv.attrs = book.get("Invoices").attrs
    state = states.derive(inv, book.optional("Disputes"), book.optional("Plans"), book.optional("Promises"),
                          book.optional("WriteOffs"), book.optional("Handovers"))
    inv["disputed"] = disputed_flags(book, inv)
    inv["collector"] = owners.effective_collectors(inv, book.optional("Customers"))
    items = aging.age_items(inv, as_of, cfg, edges, basis)
    labels = aging.bucket_labels(edges)
    out = items.drop(columns=["bucket_no", "invoice_date"])
    keep = np.flatnonzero(inv["open_amount"].to_numpy(dtype=np.int64, na_value=0) != 0)
    out.insert(out.columns.get_loc("disputed") + 1, "state", state[keep])
    cents, known, missing = accrued_interest(book, out, as_of)
    shown = pd.array(cents, dtype="Int64")
    shown[~known] = pd.NA  # a missing rate is never guessed: the cell stays empty
    out.insert(out.columns.get_loc("state") + 1, "interest", shown)
    out.attrs["interest_missing"] = missing
    bno = items["bucket_no"].to_numpy()
    base = items["open_amount_base"].to_numpy()
    for j, lab in enumerate(labels):
        out[lab] = np.where(bno == j, base, 0)
    return sort_aging(out), labels


def customer_countries(book: Book, customer_ids, fallback: str) -> np.ndarray:
    """Each customer's country (Customers.country), else ``fallback`` (Config ``dunning.interest_country``),
    else blank."""
    fallback = str(fallback or "").strip().upper()
    known: dict[str, str] = {}
    if book.has("Customers") and "country" in book.get("Customers").columns:
        cust = book.get("Customers")
        known = dict(zip(frames.texts(cust["customer_id"]), frames.texts(cust["country"], "upper")))
    return np.array([known.get(str(c).strip(), "") or fallback for c in customer_ids], dtype=object)


def accrued_interest(book: Book, items: pd.DataFrame, as_of: dt.date):
    """Statutory late-payment interest accrued to ``as_of`` on each aged item's open amount, in the item's
    currency (``engine.interest.accrued``: the law of the customer's country, Config rows adding rates);
    ``(cents, known, missing half-years)``.  Credit notes, items not yet due and customers without a country
    accrue nothing; an item whose period lacks a published rate is not known (left empty, never guessed)."""
    if not len(items):
        return np.zeros(0, dtype=np.int64), np.ones(0, dtype=bool), ()
    cfg = book.config  # parsed from the Config rows on each access: once here
    return interest.accrued(items["open_amount"].to_numpy(dtype=np.int64), items["due_date"],
                            customer_countries(book, items["customer_id"], cfg.dunning.interest_country), as_of,
                            interest.RateTable.load(cfg.late_rates))


def sort_aging(rows: pd.DataFrame) -> pd.DataFrame:
    """Aging's order: by collector, then customer, then days past due, oldest first (ties by invoice id).
    Collectors and customers sort ignoring case; items without a collector come last."""
    if not len(rows):
        return rows
    col = frames.texts(rows["collector"])
    keys = pd.DataFrame({
        "unowned": col == "", "collector": frames.texts(col, "lower"),
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
    change.titles["Aging"] = schema.title(schema.AGING, as_of)  # the as-of date, once, above the table
    change.warnings = book.warnings
    missing = table.attrs.get("interest_missing", ())
    if missing:
        change.warnings = [*change.warnings, f"Aging.interest left empty where a statutory rate is missing: "
                                             f"{interest.missing_rates_text(missing)}"]
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
    closing = states.proposed_closings(book.get("Invoices"), book.optional("Disputes"))
    if closing:
        change.summary += (f"; dispute(s) whose invoices are paid, to close: {', '.join(closing[:10])}"
                           + (f" and {len(closing) - 10} more" if len(closing) > 10 else ""))
    change.log(book.user, "Aging", "*", "rows", None, len(table), rule=f"as_of={as_of:%Y-%m-%d}")
    snap = snapshot(book, table, labels, as_of)
    change.tables["AgingHistory"] = trends.merge(stored_history(book), snap)
    change.extra_columns["AgingHistory"] = [c for c in change.tables["AgingHistory"].columns
                                            if c not in trends.FIXED]
    change.log(book.user, "AgingHistory", f"{as_of:%Y-%m-%d}", "rows", None, len(snap),
               rule=f"as_of={as_of:%Y-%m-%d} scopes={len(snap)}")
    return change


def stored_history(book: Book) -> pd.DataFrame | None:
    """The AgingHistory table in cents (bucket columns too: ``engine.trends.from_sheet`` when read from a sheet)."""
    if not book.has("AgingHistory"):
        return None
    h = book.get("AgingHistory")
    return trends.from_sheet(h) if h.attrs.get("rows") is not None else h


def snapshot(book: Book, table: pd.DataFrame, labels: list[str], as_of: dt.date, basis: str = "refresh"
             ) -> pd.DataFrame:
    """The AgingHistory rows of ``as_of`` from the Aging ``table`` just computed (``engine.dashboard.snapshot``:
    the team and each collector)."""
    inv = book.get("Invoices")
    coll = owners.effective_collectors(inv, book.optional("Customers"))
    pay, dis = (book.get(n) if book.has(n) else frames.empty_frame(n) for n in ("Payments", "Disputes"))
    return dash_engine.snapshot(table, labels, inv, coll, pay, dis, as_of, book.config, basis=basis)

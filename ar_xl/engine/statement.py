"""Statement of account: one customer's open items, credits and unapplied cash, as of a date.

Pure: the Invoices frame and the customer's unapplied cash in, a ``Statement`` (frames) out.

Rules
-----
* **Open items** are the customer's Invoices rows with a non-zero open amount, whatever their status
  (disputed, promised and on-plan items are still owed), as the Aging does: an invoice has a positive
  open amount, a **credit note** a negative one.  Each line shows the document date, the due date,
  days overdue, the original amount and the open amount.
* **Only what existed on the as-of date**: invoices and credit notes whose invoice date is on or before the
  as-of date (an empty invoice date is kept), and unapplied cash whose value date is on or before it; a
  statement as of 1 November lists no invoice issued on 17 November.  The open amounts are what the workbook
  holds now: no history is reconstructed (a payment received after the as-of date already lowers them).
* **Days overdue** = as-of date − due date, always from the due date (``aging.days_past_due``): the
  day after the due date is day 1; an item due on the as-of date is 0 days overdue (not yet due).
  Credit notes and cash show no days overdue.
* **A refunded credit note**: what of a credit note was refunded (a refund exported to the bank,
  ``engine.credits.refunded_credit_notes``) is no credit of the customer's any more, though the credit note
  stays open in Invoices until the ERP books the refund: its line shows what is left (none when all of it).
* **Unapplied cash** is the customer's money received and not (fully) applied: the ``unapplied``
  frame the credit exposure uses (``actions.credit.unapplied_cash``: payment_id, value_date, amount =
  the amount left, currency).  It is a line of its own with a negative open amount.
* **Running balance per currency**: the lines of each currency (the base currency first, then
  alphabetically) in date order (document date, then id), the balance after each line the sum of
  the open amounts so far; it ends at that currency's balance.  Currencies are never added up.
* **Totals per currency**: invoices (positive open amounts), credits (credit notes + unapplied cash,
  negative), balance = invoices + credits, overdue = the open amount of invoices at least 1 day
  overdue.
* **Aging summary per currency**, in the currency itself: the open amounts of invoices in the engine's
  buckets (``aging.bucket_labels`` / ``bucket_index`` with the Config edges, on the due date), then
  ``credits`` (credit notes and unapplied cash, as in the totals); the row adds up to the balance to the
  cent, and its overdue buckets to what the totals call overdue.
* **Which reference to quote.**  A structured reference (BE ``+++…+++`` OGM, RF ISO 11649, NL
  betalingskenmerk) identifies one invoice, so each line carries its invoice's ``payment_reference``
  for paying it alone.  The statement as a whole has no structured reference of its own: a customer
  paying several items in one transfer quotes the customer number and the invoice numbers (what the
  cash matching reads in remittance text); an invented reference would match nothing.
* **Handed-over items.**  An invoice on a live handover (``engine.handover``: not ``closed``) is still owed
  and stays on the statement, in its balance and aging, with the agency or lawyer it was handed over to
  (``handed_over_to``): the customer settles it with them, so the letter asks for no transfer of it and lists
  it apart from the invoice numbers to quote.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import frames
from ..config import Config
from .aging import bucket_index, bucket_labels, days_past_due
from .handover import live_by_invoice

LINE_COLUMNS = ["kind", "document", "date", "due_date", "days_overdue", "currency", "amount", "open_amount",
                "payment_reference", "balance", "handed_over_to"]
KINDS = ("invoice", "credit note", "payment")


@dataclass
class Statement:
    customer_id: str
    as_of: dt.date
    lines: pd.DataFrame
    """``LINE_COLUMNS``: kind (invoice / credit note / payment), document (invoice or payment id), date,
    due_date (NaT for cash), days_overdue (<NA> for credits and cash), currency, amount, open_amount
    (cents, signed), payment_reference, balance (running, per currency), handed_over_to (the agency or lawyer of
    the live handover the invoice is on, else empty)."""
    totals: pd.DataFrame
    """currency, invoices, credits, balance, overdue (cents)."""
    aging: pd.DataFrame
    """currency, the bucket labels (invoices), credits (credit notes and unapplied cash), balance (cents, in the
    currency)."""
    buckets: list[str]

    @property
    def currencies(self) -> list[str]:
        return list(self.totals["currency"])

    @property
    def empty(self) -> bool:
        return not len(self.lines)


def _currency_order(currencies, base: str) -> list[str]:
    found = sorted(set(currencies))
    return ([base] if base in found else []) + [c for c in found if c != base]


def _existed(dates: pd.Series, as_of: dt.date) -> np.ndarray:
    """Rows whose date is on or before ``as_of``, or empty (module rules)."""
    d = pd.to_datetime(dates)
    return (d.isna() | (d <= pd.Timestamp(as_of))).to_numpy(dtype=bool)


def statement(invoices: pd.DataFrame, unapplied: pd.DataFrame | None, customer_id: str, as_of: dt.date,
              config: Config | None = None, handovers: pd.DataFrame | None = None,
              refunded: dict[str, int] | None = None) -> Statement:
    """The statement of ``customer_id`` as of ``as_of`` by the module rules (``handovers``: the Handovers
    table, for the handed-over items; ``refunded``: credit note id -> cents refunded to the customer,
    ``engine.credits.refunded_credit_notes``)."""
    config = config or Config()
    cid = str(customer_id).strip()
    edges = tuple(config.aging_buckets)
    labels = bucket_labels(edges)

    inv = invoices[frames.texts(invoices["customer_id"]) == cid] if len(invoices) else invoices
    if refunded and len(inv):  # what of a credit note was refunded is the customer's no more
        inv = inv.assign(open_amount=[min(0, o + refunded.get(d, 0)) if o < 0 else o for d, o in zip(
            frames.texts(inv["invoice_id"]), inv["open_amount"].fillna(0).astype("int64").tolist())])
    inv = inv[inv["open_amount"].fillna(0).astype("int64").to_numpy() != 0] if len(inv) else inv
    inv = inv[_existed(inv["invoice_date"], as_of)] if len(inv) else inv
    open_ = inv["open_amount"].astype("int64").to_numpy() if len(inv) else np.zeros(0, np.int64)
    due = inv["due_date"].to_numpy(dtype="datetime64[ns]") if len(inv) else np.zeros(0, "datetime64[ns]")
    days = days_past_due(due, as_of) if len(inv) else np.zeros(0, np.int64)
    is_invoice = open_ > 0
    items = pd.DataFrame({
        "kind": np.where(is_invoice, "invoice", "credit note"),
        "document": frames.texts(inv["invoice_id"]) if len(inv) else np.zeros(0, object),
        "date": inv["invoice_date"].to_numpy(dtype="datetime64[ns]") if len(inv) else due,
        "due_date": due,
        "days_overdue": pd.array(np.where(is_invoice, days, 0), dtype="Int64"),
        "currency": frames.texts(inv["currency"], "upper") if len(inv) else np.zeros(0, object),
        "amount": inv["amount"].fillna(0).astype("int64").to_numpy() if len(inv) else np.zeros(0, np.int64),
        "open_amount": open_,
        "payment_reference": frames.texts(inv["payment_reference"]) if len(inv) and "payment_reference" in inv
        else np.full(len(inv), "", dtype=object),
        "bucket": bucket_index(days, edges) if len(inv) else np.zeros(0, np.int64),
    })
    items.loc[~is_invoice, "days_overdue"] = pd.NA
    live = live_by_invoice(handovers)
    agents = handovers["to"].tolist() if live and "to" in handovers.columns else []
    items["handed_over_to"] = [frames.text(agents[live[d]]) if d in live and agents else ""
                               for d in items["document"].tolist()]

    un = unapplied if unapplied is not None and len(unapplied) else None
    if un is not None:
        un = un[(frames.texts(un["customer_id"]) == cid) & _existed(un["value_date"], as_of)]
    n = 0 if un is None else len(un)
    cash = pd.DataFrame({
        "kind": np.full(n, "payment", dtype=object),
        "document": frames.texts(un["payment_id"]) if n else np.zeros(0, object),
        "date": un["value_date"].to_numpy(dtype="datetime64[ns]") if n else np.zeros(0, "datetime64[ns]"),
        "due_date": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
        "days_overdue": pd.array([pd.NA] * n, dtype="Int64"),
        "currency": frames.texts(un["currency"], "upper") if n else np.zeros(0, object),
        "amount": un["paid"].astype("int64").to_numpy() if n and "paid" in un else
        (un["amount"].astype("int64").to_numpy() if n else np.zeros(0, np.int64)),
        "open_amount": -un["amount"].astype("int64").to_numpy() if n else np.zeros(0, np.int64),
        "payment_reference": np.full(n, "", dtype=object),
        "bucket": np.full(n, -1, dtype=np.int64),
        "handed_over_to": np.full(n, "", dtype=object),
    })
    both = pd.concat([items, cash], ignore_index=True) if n else items.reset_index(drop=True)
    both["currency"] = both["currency"].astype(object)
    order = _currency_order(both["currency"], config.base_currency)
    both["_c"] = both["currency"].map({c: i for i, c in enumerate(order)})
    both = both.sort_values(["_c", "date", "document"], kind="stable").reset_index(drop=True)
    both["balance"] = both.groupby("_c", sort=False)["open_amount"].cumsum().astype("int64")

    totals, ages = [], []
    for c in order:
        part = both[both["currency"] == c]
        o = part["open_amount"].to_numpy(dtype=np.int64)
        overdue = part["days_overdue"].fillna(0).to_numpy(dtype=np.int64) > 0
        totals.append({"currency": c, "invoices": int(o[o > 0].sum()), "credits": int(o[o < 0].sum()),
                       "balance": int(o.sum()), "overdue": int(o[(o > 0) & overdue].sum())})
        b = np.where(o < 0, -1, part["bucket"].to_numpy(dtype=np.int64))  # credit notes and cash: credits
        row = {"currency": c, **{lab: int(o[b == j].sum()) for j, lab in enumerate(labels)},
               "credits": int(o[b == -1].sum()), "balance": int(o.sum())}
        ages.append(row)
    lines = both[LINE_COLUMNS].copy()
    return Statement(cid, as_of, lines,
                     pd.DataFrame(totals, columns=["currency", "invoices", "credits", "balance", "overdue"]),
                     pd.DataFrame(ages, columns=["currency", *labels, "credits", "balance"]), labels)

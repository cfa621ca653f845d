"""Open credits: credit notes and unapplied cash, what they could be set against, and allocations.

Pure pandas: frames in, frames out.

* A **credit note** is an Invoices row whose ``open_amount`` is below 0 (status not ``closed in ERP`` or
  ``written off``).  Its date is the ``invoice_date``.
* **Unapplied cash** is what ``actions.credit.unapplied_cash`` attributes to a customer (a payment not set
  ``ignored`` with money left, whose payer IBAN is on exactly one customer's list).  Its date is the
  ``value_date``.
* **Refunds** hold part of a credit: a refund ``proposed`` holds its source's credit; once ``exported`` it holds
  a credit note's credit until the ERP closes the credit note (a payment's unapplied amount is lowered at export,
  so it holds nothing more).  ``cancelled`` holds nothing.  ``available = amount - refunds``.
* A credit **could be set against** the same customer's invoices in the same currency with money open
  (``open_amount`` above 0, status not ``closed in ERP`` or ``written off``), oldest due date first.
* **Remittance asked**: for unapplied cash, the day the customer was last asked which invoices the payment
  pays (``remittance_asked``: the latest Activities row naming the payment in ``payment_id``).
* ``allocation`` checks an allocation of a credit to invoices and says how much each invoice gets; it refuses
  (``ValueError`` naming the item) another customer's invoice, another currency, an invoice with nothing open,
  more than an invoice's open amount and more than the credit has available.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..frames import blank, text
from ..money import fmt
from ..schema import CREDITS

CLOSED = ("closed in erp", "written off")
HOLDING = {"proposed": ("credit note", "unapplied cash"), "exported": ("credit note",)}
"""Refund status -> the kinds of credit it still holds."""


def first_iban(cell) -> str:
    """The first of Customers.iban's ``;``-separated IBANs, without spaces, upper case ('' when none)."""
    for part in text(cell).split(";"):
        iban = "".join(part.split()).upper()
        if iban:
            return iban
    return ""


def _live(invoices: pd.DataFrame) -> pd.DataFrame:
    status = invoices["status"].map(text).str.lower() if "status" in invoices else pd.Series("", index=invoices.index)
    ok = ~status.isin(CLOSED) & invoices["open_amount"].notna()
    return invoices.loc[ok.to_numpy()]


def open_invoices(invoices: pd.DataFrame, customer_id: str, currency: str) -> pd.DataFrame:
    """The customer's invoices in ``currency`` with money open, oldest due date first."""
    inv = _live(invoices)
    sel = inv[(inv["customer_id"].map(text) == customer_id) & (inv["currency"].map(text).str.upper() == currency)
              & (inv["open_amount"].astype("Int64").fillna(0) > 0).to_numpy()]
    return sel.sort_values(["due_date", "invoice_id"], kind="stable")


def holding_refunds(refunds: pd.DataFrame | None) -> dict[str, list[tuple[str, int]]]:
    """source_id -> ``[(refund_id, cents)]`` of the refunds that hold part of it (see the module docstring)."""
    out: dict[str, list[tuple[str, int]]] = {}
    if refunds is None or not len(refunds):
        return out
    for rid, src, kind, status, amount in zip(refunds["refund_id"], refunds["source_id"], refunds["kind"],
                                              refunds["status"], refunds["amount"]):
        st = text(status).lower()
        if blank(amount) or text(kind).lower() not in HOLDING.get(st, ()):
            continue
        out.setdefault(text(src), []).append((text(rid), int(amount)))
    return out


def held_by_refunds(refunds: pd.DataFrame | None) -> dict[str, int]:
    """source_id -> cents held by refunds (see the module docstring)."""
    return {src: sum(c for _, c in held) for src, held in holding_refunds(refunds).items()}


def refunded_credit_notes(refunds: pd.DataFrame | None) -> dict[str, int]:
    """Credit note id -> cents of its refunds ``exported`` (sent to the bank): money the customer has got back,
    while the credit note stays open in Invoices until the ERP books the refund (the statement of account leaves
    it out): what exported refunds hold (``HOLDING``: only a credit note's)."""
    if refunds is None or not len(refunds):
        return {}
    return held_by_refunds(refunds[refunds["status"].map(text).str.lower().eq("exported").to_numpy()])


def remittance_asked(activities: pd.DataFrame | None) -> dict[str, pd.Timestamp]:
    """Payment id -> the day its remittance details were last asked for: the latest ``at`` of the Activities
    rows naming the payment (``payment_id``)."""
    out: dict[str, pd.Timestamp] = {}
    if activities is None or not len(activities) or "payment_id" not in activities:
        return out
    for pid, at in zip(activities["payment_id"], activities["at"]):
        p = text(pid)
        if not p or blank(at):
            continue
        day = pd.Timestamp(at).normalize()
        if p not in out or day > out[p]:
            out[p] = day
    return out


def credits(invoices: pd.DataFrame, unapplied: pd.DataFrame, customers: pd.DataFrame,
            refunds: pd.DataFrame | None, as_of: dt.date, activities: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Credits table: one row per credit note and per payment with unapplied cash, oldest first.

    ``unapplied``: ``customer_id, amount, currency, payment_id, value_date`` (``actions.credit.unapplied_cash``).
    ``activities``: the contact log, for the day a payment's remittance details were last asked for
    (``remittance_asked``)."""
    names = {text(c): text(n) for c, n in zip(customers["customer_id"], customers["customer_name"])}
    ibans = {text(c): first_iban(i) for c, i in zip(customers["customer_id"], customers["iban"])}
    held = held_by_refunds(refunds)
    asked = remittance_asked(activities)
    rows = []
    inv = _live(invoices)
    cn = inv[(inv["open_amount"].astype("Int64").fillna(0) < 0).to_numpy()]
    for r in cn.itertuples(index=False):
        cid = text(r.customer_id)
        rows.append((cid, names.get(cid) or text(r.customer_name), "credit note", text(r.invoice_id),
                     r.invoice_date, text(r.currency).upper(), -int(r.open_amount)))
    for r in unapplied.itertuples(index=False):
        cid = text(r.customer_id)
        rows.append((cid, names.get(cid, ""), "unapplied cash", text(r.payment_id), r.value_date,
                     text(r.currency).upper(), int(r.amount)))
    out = []
    day = pd.Timestamp(as_of)
    for cid, name, kind, src, date, cur, amount in rows:
        against = open_invoices(invoices, cid, cur)
        hold = held.get(src, 0)
        when = pd.Timestamp(date) if not blank(date) else pd.NaT
        out.append({
            "as_of": day, "customer_id": cid, "customer_name": name, "kind": kind, "source_id": src,
            "date": when, "age_days": pd.NA if pd.isna(when) else int((day - when).days),
            "currency": cur, "amount": amount, "refunds": hold, "available": max(amount - hold, 0),
            "open_invoices": "; ".join(against["invoice_id"].map(text)),
            "open_invoices_amount": int(against["open_amount"].astype(np.int64).sum()) if len(against) else 0,
            "iban": ibans.get(cid, ""),
            "remittance_asked": asked.get(src, pd.NaT) if kind == "unapplied cash" else pd.NaT,
        })
    df = pd.DataFrame(out, columns=CREDITS.names)
    if len(df):
        df = df.sort_values(["date", "source_id"], kind="stable", na_position="last").reset_index(drop=True)
    for c in ("amount", "refunds", "available", "open_invoices_amount", "age_days"):
        df[c] = pd.array([pd.NA if blank(v) else int(v) for v in df[c]], dtype="Int64")
    for c in ("as_of", "date", "remittance_asked"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    return df


def allocation(credit: dict, targets: list[tuple[str, int | None]], invoices: pd.DataFrame) -> list[tuple[str, int]]:
    """How much each invoice gets of ``credit`` (``source_id``, ``customer_id`` ('' when the cash is tied to no
    customer: then every invoice must be of one customer), ``currency``, ``available`` cents).

    ``targets``: ``(invoice_id, cents)``; ``None`` cents = the invoice's open amount, or what the credit has
    left when that is less.  ``ValueError`` naming every item refused (module docstring)."""
    src, cur, left = credit["source_id"], credit["currency"], int(credit["available"])
    cust = credit.get("customer_id", "")
    pos = {text(k): i for i, k in enumerate(invoices["invoice_id"])}
    problems, out, seen = [], [], set()
    owners = set()
    for iid, cents in targets:
        iid = text(iid)
        if iid in seen:
            problems.append(f"invoice {iid} is named twice")
            continue
        seen.add(iid)
        if iid == src:
            problems.append(f"{iid} is the credit itself")
            continue
        if iid not in pos:
            problems.append(f"invoice {iid} is not in the Invoices table")
            continue
        r = invoices.iloc[pos[iid]]
        owner, icur = text(r["customer_id"]), text(r["currency"]).upper()
        open_ = 0 if blank(r["open_amount"]) else int(r["open_amount"])
        status = text(r.get("status", "")).lower()
        if cust and owner != cust:
            problems.append(f"invoice {iid} is customer {owner}'s, not {cust}'s")
            continue
        owners.add(owner)
        if icur != cur:
            problems.append(f"invoice {iid} is in {icur}, the credit {src} in {cur}")
            continue
        if open_ <= 0 or status in CLOSED:
            problems.append(f"invoice {iid} has nothing open to set a credit against ({cur} {fmt(open_)}"
                            f"{', ' + status if status in CLOSED else ''})")
            continue
        if cents is not None and cents <= 0:
            problems.append(f"invoice {iid}: the amount must be above 0, not {fmt(cents)}")
            continue
        if cents is not None and cents > open_:
            problems.append(f"invoice {iid} has only {cur} {fmt(open_)} open, not {fmt(cents)}")
            continue
        take = cents if cents is not None else min(open_, max(left - sum(c for _, c in out), 0))
        if take <= 0:
            problems.append(f"the credit {src} has nothing left for invoice {iid}")
            continue
        out.append((iid, int(take)))
    if not cust and len(owners) > 1:
        problems.append(f"the invoices are of several customers ({', '.join(sorted(owners))}); a credit goes to one")
    total = sum(c for _, c in out)
    if not problems and total > left:
        problems.append(f"the credit {src} has only {cur} {fmt(left)} available, not {fmt(total)}")
    if not targets:
        problems.append("no invoice to allocate to")
    if problems:
        raise ValueError("; ".join(problems))
    return out

"""Promises to pay: log one, and check them all against the money received.

``log_promise`` appends a Promises row (id ``PTP-000001``, status ``open``,
received 0).  The amount must be above 0 and the promised date on or after the
day it is logged.  Invoice ids are optional; when given they must be open
invoices of the customer and the currency is theirs (else the customer's
invoices' single currency, else the base currency).  A currency given without
invoices must be one the customer has open items in.  Both actions end by writing the
invoices' derived state into Invoices.status (``actions.restate``): ``promised`` while an
open promise covers an invoice nothing else decides.

``check_promises`` counts the money each customer paid (``plan.payment_credits``:
each payment once, its confirmed Matches rows on their invoices and the rest of it,
attributed by those rows or by IBAN, as money not applied; one payment's amount
summed per invoice it was applied to, so a promise naming invoices counts only
what went to them or to no invoice yet; money waiting for review, proposed for
invoices, counts for such a promise only when they are all its invoices, as for
a plan) and sets
``received`` and ``status`` with ``engine.promises.check`` (grace = Config
``promise_grace_days``).  ``promises_as_of`` gives what it would set on another day without writing it (the
customer view of a past day).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from .. import clock
from . import restate
from ..book import Book, Change
from ..dates import parse_date
from ..engine import promises as promises_engine
from ..engine.disputes import join_ids, next_id, split_ids
from ..frames import blank, text
from ..money import fmt
from .plan import appended, customer_invoices, fail, known_customer, payment_credits, single_currency, who


def log_promise(
    book: Book,
    customer_id: str,
    amount_cents: int,
    promised_date: object,
    invoice_ids=None,
    currency: str | None = None,
    logged_on: object = None,
    note: str = "",
    user: str | None = None,
) -> Change:
    """A new promise to pay (rules in the module docstring)."""
    src = "log promise"
    user = who(book, user)
    customer = known_customer(book, customer_id, src)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, (int, np.integer)):
        fail(src, f"the promised amount must be whole cents (an int), not {amount_cents!r}")
    if amount_cents <= 0:
        fail(src, f"the promised amount must be above 0, not {fmt(int(amount_cents))}")
    try:
        due = parse_date(promised_date)
        logged = parse_date(logged_on) if logged_on is not None else clock.today()
    except ValueError as e:
        fail(src, e)
    if due < logged:
        fail(src, f"the promised date {due:%Y-%m-%d} is before the day it is logged ({logged:%Y-%m-%d})")
    cfg = book.config
    ids = split_ids(invoice_ids)
    cur = str(currency or "").strip().upper()
    if ids:
        rows = customer_invoices(book, customer, ids, src)
        inv_cur = single_currency(rows, src)
        if cur and inv_cur and cur != inv_cur:
            fail(src, f"the promise is in {cur} but the invoices are in {inv_cur}")
        cur = cur or inv_cur
    if cur and not ids:
        owed = open_currencies(book, customer)
        if cur not in owed:
            fail(src, f"the promise is in {cur} but {customer} has no open items in {cur}"
                      + (f" (its open items are in {', '.join(owed)})" if owed else " (it has no open items)"))
    if not cur:
        inv = book.get("Invoices")
        mine = inv.loc[inv["customer_id"].astype(str).str.strip() == customer, "currency"]
        curs = sorted({str(c).strip().upper() for c in mine if str(c).strip()})
        cur = curs[0] if len(curs) == 1 else cfg.base_currency
    same = _same_open_promise(book.get("Promises"), customer, int(amount_cents), cur, due, join_ids(ids))
    if same:
        fail(src, f"{customer} already has promise {same} of {cur} {fmt(int(amount_cents))} by {due:%Y-%m-%d}"
                  + (f" for {join_ids(ids)}" if ids else "") + ", still open: the same promise is logged once")
    pid = next_id(book.get("Promises")["promise_id"], "PTP")
    row = {
        "promise_id": pid, "customer_id": customer, "invoice_ids": join_ids(ids), "amount": int(amount_cents),
        "currency": cur, "promised_date": pd.Timestamp(due), "logged_by": user, "logged_on": pd.Timestamp(logged),
        "received": 0, "status": "open", "note": note or "",
    }
    change = Change("log_promise")
    change.tables["Promises"] = appended(book, "Promises", [row])
    change.log(user, "Promises", pid, "amount", None, f"{cur} {fmt(int(amount_cents))} by {due:%Y-%m-%d}",
               f"logged {logged:%Y-%m-%d}")
    change.summary = (f"promise {pid}: {customer} promised {cur} {fmt(int(amount_cents))} by {due:%Y-%m-%d}"
                      + (f" for {join_ids(ids)}" if ids else ""))
    return restate.follow(book, change)


def _same_open_promise(promises: pd.DataFrame, customer: str, cents: int, currency: str, due, invoices: str) -> str:
    """The id of an ``open`` promise of the customer with this amount, currency, date and invoices, else ''
    (the same promise logged twice would be counted twice)."""
    for r in promises.itertuples(index=False):
        if (text(r.customer_id) == customer and text(r.status).lower() in ("", "open") and not blank(r.amount)
                and int(r.amount) == cents and text(r.currency).upper() == currency
                and not blank(r.promised_date) and pd.Timestamp(r.promised_date).date() == due
                and set(split_ids(r.invoice_ids)) == set(split_ids(invoices))):
            return text(r.promise_id)
    return ""


def open_currencies(book: Book, customer: str) -> list[str]:
    """The currencies of the customer's open items (open amount not 0); a blank currency is the base one."""
    inv = book.get("Invoices")
    mine = inv.loc[(inv["customer_id"].astype(str).str.strip() == customer).to_numpy()
                   & (pd.to_numeric(inv["open_amount"], errors="coerce").fillna(0) != 0).to_numpy()]
    base = book.config.base_currency
    return sorted({str(c).strip().upper() or base for c in mine["currency"].fillna("")})


def customer_payments(book: Book) -> pd.DataFrame:
    """One row per (payment, customer, invoice it was applied to, invoices it is proposed for): customer_id,
    payment_id, invoice_id ('' for money not applied to an invoice), proposed_for (``;``-separated invoices the
    money not applied is proposed for, waiting for review; '' for none), value_date, amount (cents), currency:
    what ``engine.promises.check`` counts (a promise naming invoices only counts money applied to them, or not
    applied yet and proposed for none but them)."""
    cr = payment_credits(book)
    if not len(cr):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("customer_id", "payment_id", "invoice_id",
                                                                  "proposed_for", "value_date", "amount", "currency")})
    g = cr.groupby(["customer_id", "payment_id", "invoice_id", "proposed_for"], sort=False, as_index=False).agg(
        value_date=("value_date", "first"), amount=("amount", "sum"), currency=("currency", "first"))
    return g


def check_promises(book: Book, as_of: object = None, user: str | None = None) -> Change:
    """Set received and status on every promise as of ``as_of`` (rules in ``engine.promises``)."""
    user = who(book, user)
    as_of_d = parse_date(as_of) if as_of is not None else clock.today()
    change = Change("check_promises")
    pr = book.get("Promises").reset_index(drop=True)
    if not len(pr):
        change.summary = "no promises to pay"
        return change
    grace = book.config.promise_grace_days
    bad = pr["promised_date"].isna() | pr["amount"].isna()
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        fail(f"{book.source} sheet Promises", f"promise {pr.at[k, 'promise_id']} needs an amount and a promised date")
    try:
        res = promises_engine.check(pr, customer_payments(book), as_of_d, grace)
    except ValueError as e:
        fail(f"{book.source} sheet Promises", e)
    new = pr.copy()
    received = new["received"].astype(object).to_numpy().copy()
    status = new["status"].astype(object).to_numpy().copy()
    for i in range(len(pr)):
        key = str(pr.at[i, "promise_id"])
        r_new, s_new = int(res["received"].iloc[i]), str(res["status"].iloc[i])
        r_old, s_old = pr.at[i, "received"], str(pr.at[i, "status"]).strip()
        rule = f"as_of {as_of_d:%Y-%m-%d} grace {grace}d"
        if blank(r_old) or int(r_old) != r_new:
            change.log(user, "Promises", key, "received", "" if blank(r_old) else fmt(int(r_old)), fmt(r_new), rule)
            received[i] = r_new
        if s_old != s_new:
            change.log(user, "Promises", key, "status", s_old, s_new, rule)
            status[i] = s_new
    new["received"] = pd.array([None if blank(v) else int(v) for v in received], dtype="Int64")
    new["status"] = status
    change.tables["Promises"] = new
    counts = res["status"].value_counts()
    change.summary = (f"checked {len(pr)} promise(s) as of {as_of_d:%Y-%m-%d}: "
                      + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in promises_engine.PROMISE_STATUSES))
    return restate.follow(book, change)


def promises_as_of(book: Book, as_of) -> pd.DataFrame:
    """The Promises table with ``received`` and ``status`` as ``check_promises`` would set them as of ``as_of`` (a
    view of another day: nothing is written).  A promise without an amount or a promised date keeps its values."""
    pr = book.get("Promises").reset_index(drop=True)
    ok = (pr["promised_date"].notna() & pr["amount"].notna()).to_numpy()
    if not ok.any():
        return pr
    res = promises_engine.check(pr.loc[ok].reset_index(drop=True), customer_payments(book), parse_date(as_of),
                                book.config.promise_grace_days)
    out = pr.copy()
    received = pd.array(out["received"], dtype="Int64")
    received[ok] = pd.array(res["received"].astype(np.int64), dtype="Int64")
    status = out["status"].astype(object).to_numpy().copy()
    status[ok] = res["status"].astype(object).to_numpy()
    out["received"], out["status"] = received, status
    return out

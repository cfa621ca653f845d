"""Promises to pay: kept, partly kept, broken or still open.

The rule
--------
A promise (customer_id, amount, promised_date, logged_on) is kept by the
customer's payments whose value date lies in its *window*: from ``logged_on``
up to and including ``promised_date + grace_days``.  Only payments with a
value date on or before the as-of date count (a later payment has not been
received yet as of that day).

* ``kept``        the payments counted for it reach the promised amount (even
                  before the promised date);
* ``partly kept`` the window has passed (as-of > promised date + grace) and
                  some, but not enough, money was received;
* ``broken``      the window has passed and nothing was received;
* ``open``        the window has not passed and the promise is not yet kept.

Overlapping promises: a payment is counted once.  Payments are taken in
value-date order; each goes to the customer's promises whose window contains
its value date and which still lack money, earliest promised date first (ties:
earlier logged_on, then the promise's order in the table).  A payment larger
than that promise's shortfall passes its rest to the next such promise; what no
promise needs is not counted anywhere.  So ``received`` never exceeds the
promised amount and the sum of ``received`` over all promises never exceeds
the payments.

When both the promise and a payment carry a ``currency``, they must match for
the payment to count.

A promise that names invoices (``invoice_ids``) is a promise to pay *those*: money the payments applied to
other invoices does not count for it (the customer paid something else; the promised items are still open).
What counts is money applied to one of its invoices and money not applied to any invoice yet (unapplied
cash, or a payment known to be the customer's by its IBAN and not matched).  A promise without invoices
counts any of the customer's money.  ``payments`` may therefore hold one row per allocation, with
``invoice_id`` (empty for money not applied to an invoice); without that column every row counts as money
not applied to an invoice.  Money not applied but *proposed* for invoices (``proposed_for``, ``;``-separated:
a payment's match rows waiting for review) counts for a promise naming invoices only when it is proposed for
none but them: proposed for others, the customer may have paid something else, and it counts once applied.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import frames
from ..dates import parse_date
from .disputes import split_ids
from .plans import _day

PROMISE_STATUSES = ("open", "kept", "partly kept", "broken")


def status_of(amount: int, received: int, promised_date: dt.date, as_of: dt.date, grace_days: int) -> str:
    """The status of one promise from what it received (see the module docstring)."""
    if received >= amount:
        return "kept"
    if as_of > promised_date + dt.timedelta(days=int(grace_days)):
        return "partly kept" if received > 0 else "broken"
    return "open"


def check(promises: pd.DataFrame, payments: pd.DataFrame, as_of: object, grace_days: int) -> pd.DataFrame:
    """Status of every promise as of ``as_of``.

    ``promises`` needs customer_id, amount (cents), promised_date and logged_on and may have invoice_ids
    (``;``-separated); ``payments`` needs customer_id, value_date and amount (cents) and may have currency and
    invoice_id (module docstring).  Returns a copy of ``promises`` with ``received`` (cents counted for the
    promise) and ``status``; ``attrs["used"]`` lists,
    per payment row, the cents counted toward promises.
    """
    as_of_d = parse_date(as_of)
    if isinstance(grace_days, bool) or not isinstance(grace_days, (int, np.integer)) or grace_days < 0:
        raise ValueError(f"grace_days must be a whole number of days ≥ 0, not {grace_days!r}")
    for c in ("customer_id", "amount", "promised_date", "logged_on"):
        if c not in promises.columns:
            raise ValueError(f"promises lack the column {c!r}")
    for c in ("customer_id", "value_date", "amount"):
        if c not in payments.columns:
            raise ValueError(f"payments lack the column {c!r}")
    out = promises.copy()
    n = len(out)
    grace = dt.timedelta(days=int(grace_days))
    cust = frames.text_column(out, "customer_id").tolist()
    cur = frames.text_column(out, "currency").str.upper().tolist()
    amount = [0 if pd.isna(a) else int(a) for a in out["amount"]]
    due = [_day(v) for v in out["promised_date"]]
    named = [frozenset(split_ids(v)) for v in frames.text_column(out, "invoice_ids").tolist()]
    logged = [_day(v) for v in out["logged_on"]]
    for i in range(n):
        if due[i] is None:
            raise ValueError(f"promise {i + 1} ({cust[i]}) has no promised date")
        if logged[i] is None:
            logged[i] = dt.date.min
        if amount[i] <= 0:
            raise ValueError(f"promise {i + 1} ({cust[i]}) must promise an amount above 0")
    order = sorted(range(n), key=lambda i: (due[i], logged[i], i))

    p_cust = frames.text_column(payments, "customer_id").tolist()
    p_cur = frames.text_column(payments, "currency").str.upper().tolist()
    p_date = [_day(v) for v in payments["value_date"]]
    p_amt = [0 if pd.isna(a) else int(a) for a in payments["amount"]]
    p_inv = frames.text_column(payments, "invoice_id").tolist()
    p_for = [frozenset(split_ids(v)) for v in frames.text_column(payments, "proposed_for").tolist()]
    received = [0] * n
    used = [0] * len(payments)
    by_customer: dict[str, list[int]] = {}
    for i in order:
        by_customer.setdefault(cust[i], []).append(i)
    for j in sorted(range(len(payments)), key=lambda j: (p_date[j] or dt.date.max, j)):
        d = p_date[j]
        if d is None or d > as_of_d or p_amt[j] <= 0:
            continue
        left = p_amt[j]
        for i in by_customer.get(p_cust[j], ()):
            if left <= 0:
                break
            if not (logged[i] <= d <= due[i] + grace):
                continue
            if cur[i] and p_cur[j] and cur[i] != p_cur[j]:
                continue
            if named[i] and p_inv[j] and p_inv[j] not in named[i]:
                continue  # applied to an invoice the promise does not name
            if named[i] and not p_inv[j] and not p_for[j] <= named[i]:
                continue  # waiting for review on an invoice the promise does not name
            take = min(left, amount[i] - received[i])
            if take > 0:
                received[i] += take
                used[j] += take
                left -= take
    out["received"] = np.asarray(received, dtype=np.int64)
    out["status"] = [status_of(amount[i], received[i], due[i], as_of_d, grace_days) for i in range(n)]
    out.attrs["used"] = used
    return out

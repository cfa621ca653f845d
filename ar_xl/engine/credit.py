"""Credit limits and holds: each customer's exposure and the credit status the system proposes.

Pandas in, pandas out; money is integer cents in the base currency.

Exposure
--------
``exposure = open AR + orders − unapplied cash``, in base currency, per customer:

* **open AR**: every open item on Invoices (``aging.age_items``: non-zero open amount, whatever its
  sign, so credit notes reduce it), converted to base line by line with the Config FX rates, rounded
  half away from zero to the cent, then summed.  Disputed items count: they are still owed.
* **orders**: Config rows ``orders.<customer_id>`` = amount in base currency (orders taken, not yet
  invoiced); optional, 0 when there is no row.
* **unapplied cash**: money received from the customer and not yet applied to an invoice (the
  ``unapplied`` frame: customer_id, amount in cents in its own currency, currency), converted to
  base the same way and subtracted.

The status (``credit_status``)
------------------------------
* ``over limit`` when the exposure is above ``Customers.credit_limit`` (read in base currency, as the
  worklist does; an empty limit is no limit; a limit of 0 makes any positive exposure over it).
* otherwise ``hold proposed`` when an open, undisputed item with a positive open amount is more than
  ``credit_hold_days`` (Config, default 60) days past due, and the exposure is above 0: a customer whose
  credit notes and unapplied cash cover what it owes gets no hold (the reason says the credit is to be
  allocated).
* otherwise blank.

``credit_reason`` says why in words, joining by ``; `` every rule that applies (a customer over its
limit with old items gets both): ``exposure EUR 12,500.00 over limit EUR 10,000.00 by EUR 2,500.00``
and ``INV-1042 95 days overdue (hold after 60)``.  The system only proposes: a person confirms or
releases the hold in ``Customers.credit_hold`` (``actions.credit``).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import frames
from ..config import Config
from ..money import fmt
from . import aging

COLUMNS = ["customer_id", "customer_name", "credit_limit", "open_ar", "orders", "unapplied", "exposure",
           "oldest_invoice_id", "oldest_days", "credit_status", "credit_reason"]
MONEY = ["credit_limit", "open_ar", "orders", "unapplied", "exposure"]


def _sum_by(keys: np.ndarray, cents: np.ndarray) -> dict[str, int]:
    if not len(keys):
        return {}
    s = pd.Series(np.asarray(cents, dtype=np.int64)).groupby(pd.Series(keys, dtype=object), sort=False).sum()
    return {str(k): int(v) for k, v in s.items() if k}


def oldest_items(customers: np.ndarray, days: np.ndarray, invoice_ids: np.ndarray) -> dict[str, tuple[int, str]]:
    """Per customer, its oldest item: (days past due, invoice id) of the item with the most days past due,
    ties to the smallest invoice id.  Only the items at their customer's most days are compared by id (a
    sort of every item by customer and id took a fifth of a second at 40,000 items)."""
    if not len(customers):
        return {}
    codes, uniq = pd.factorize(customers)
    days = np.asarray(days, dtype=np.int64)
    most = np.full(len(uniq), np.iinfo(np.int64).min)
    np.maximum.at(most, codes, days)
    at_most = np.flatnonzero(days == most[codes])
    out: dict[str, tuple[int, str]] = {}
    for k in at_most:
        c, i = uniq[codes[k]], invoice_ids[k]
        if c not in out or i < out[c][1]:
            out[c] = (int(days[k]), i)
    return out


def exposures(invoices: pd.DataFrame, customers: pd.DataFrame, as_of: dt.date, config: Config | None = None,
              unapplied: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per customer (those on Customers, then any other with open items), columns ``COLUMNS``.

    ``invoices`` may carry a bool ``disputed`` column (the action sets it from the Disputes log);
    otherwise status ``disputed`` marks a disputed item.  Rules in the module docstring.
    """
    config = config or Config()
    base = config.base_currency
    n_days = int(config.credit_hold_days)
    items = aging.age_items(invoices, as_of, config)
    item_cust = frames.texts(items["customer_id"])
    open_ar = _sum_by(item_cust, items["open_amount_base"].to_numpy())

    un: dict[str, int] = {}
    if unapplied is not None and len(unapplied):
        amt = unapplied["amount"].to_numpy(dtype=np.int64)
        conv = aging.to_base(amt, unapplied["currency"], config, source="Payments")
        un = _sum_by(frames.texts(unapplied["customer_id"]), conv)

    # the oldest open, undisputed item with a positive amount, per customer
    days = items["days_past_due"].to_numpy(dtype=np.int64)
    ok = (items["open_amount"].to_numpy(dtype=np.int64) > 0) & ~items["disputed"].to_numpy(dtype=bool)
    oldest = oldest_items(item_cust[ok], days[ok], frames.texts(items["invoice_id"])[ok])

    cust_ids = frames.texts(customers["customer_id"]) if len(customers) else np.array([], dtype=object)
    names = frames.texts(customers["customer_name"]) if len(customers) and "customer_name" in customers else cust_ids
    limits = customers["credit_limit"] if len(customers) and "credit_limit" in customers else pd.Series([None] * len(cust_ids))
    order = list(dict.fromkeys([c for c in cust_ids if c] + [c for c in item_cust if c] + list(config.orders)))
    name_of = {c: n for c, n in zip(cust_ids, names) if c}
    for c, n in zip(item_cust, frames.texts(items["customer_name"])):
        name_of.setdefault(c, n)
    limit_of = {c: (None if pd.isna(v) else int(v)) for c, v in zip(cust_ids, limits) if c}

    rows = []
    for c in order:
        ar, orders, cash = open_ar.get(c, 0), int(config.orders.get(c, 0)), un.get(c, 0)
        exposure = ar + orders - cash
        limit = limit_of.get(c)
        d, inv = oldest.get(c, (None, ""))
        reasons, status = [], ""
        if limit is not None and exposure > limit:
            status = "over limit"
            reasons.append(f"exposure {base} {fmt(exposure)} over limit {base} {fmt(limit)} by {base} {fmt(exposure - limit)}")
        if d is not None and d > n_days and exposure <= 0:
            reasons.append(f"{inv} {d} days overdue, no hold: exposure {base} {fmt(exposure)}, its credit covers it "
                           "(allocate the credit notes or unapplied cash)")
        elif d is not None and d > n_days:
            status = status or "hold proposed"
            reasons.append(f"{inv} {d} days overdue (hold after {n_days})")
        rows.append((c, name_of.get(c, ""), limit, ar, orders, cash, exposure, inv, d, status, "; ".join(reasons)))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["credit_limit"] = out["credit_limit"].astype("Int64")
    out["oldest_days"] = out["oldest_days"].astype("Int64")
    for col in ("open_ar", "orders", "unapplied", "exposure"):
        out[col] = out[col].astype(np.int64)
    return out


def hold_list(exposure: pd.DataFrame) -> pd.DataFrame:
    """The customers with a status, largest exposure first (ties: customer id)."""
    held = exposure[exposure["credit_status"] != ""]
    return held.sort_values(["exposure", "customer_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

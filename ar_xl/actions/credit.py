"""Credit: write each customer's exposure and proposed credit status on Customers, and record holds.

The action reads Invoices, Customers, Payments, Disputes and Audit (Config is always read) and
rewrites three system columns of Customers with the rules of ``engine.credit``: ``exposure``,
``credit_status`` (``over limit``, ``hold proposed`` or blank) and ``credit_reason``.

* Invoices on a live dispute are flagged as *Refresh aging* does: they count in the exposure but not
  as old overdue items.
* **Unapplied cash** is a payment not set ``ignored`` with ``unapplied_amount`` above 0 (an empty
  ``unapplied_amount`` means the whole amount, as the dashboard reads it), attributed to a customer
  when its ``payer_iban`` is on exactly one customer's ``iban`` list.  Cash no IBAN ties to one
  customer is not subtracted (it lowers nobody's exposure until it is matched).
* Every change of ``credit_status`` is logged in Audit (old, new, the reason as rule).
* ``credit_hold`` belongs to people: a person types ``confirmed`` or ``released``.  The action never
  writes it; it logs each value that differs from the last one Audit recorded for that customer
  (rule ``set by a person``), so every confirmation and release is in the Audit trail with the run
  that first saw it.  ``decide`` records a decision made from the command line, when the cell is
  blank or already says the same: a value a person typed is changed only by a person in the workbook.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import clock, schema
from ..book import Book, Change
from ..engine import credit as engine
from ..engine.payer import normalise_iban
from ..errors import ArXlError
from ..frames import blank
from ..money import fmt
from .plan import same_id
from .refresh import disputed_flags

TABLES = ["Invoices", "Customers", "Payments", "Disputes", "Audit"]
"""What the action reads (Config is always read)."""


def unapplied_cash(book: Book) -> pd.DataFrame:
    """customer_id, amount (cents left unapplied, own currency), currency, payment_id, value_date and paid
    (the payment's whole amount) of the cash not yet applied (module docstring); the statement of account
    lists these lines."""
    cols = ["customer_id", "amount", "currency", "payment_id", "value_date", "paid"]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    pay = book.get("Payments")
    cust = book.get("Customers")
    if not len(pay) or not len(cust):
        return empty
    owners: dict[str, set[str]] = {}
    for cid, ibans in zip(cust["customer_id"], cust["iban"] if "iban" in cust else [""] * len(cust)):
        if blank(cid) or blank(ibans):
            continue
        for x in str(ibans).split(";"):
            if normalise_iban(x):
                owners.setdefault(normalise_iban(x), set()).add(str(cid).strip())
    rows = []
    for pid, day, amount, un, status, cur, iban in zip(pay["payment_id"], pay["value_date"], pay["amount"],
                                                       pay["unapplied_amount"], pay["status"], pay["currency"],
                                                       pay["payer_iban"]):
        if str("" if blank(status) else status).strip().lower() == "ignored":
            continue
        left = amount if blank(un) else un
        if blank(left) or int(left) <= 0:
            continue
        who = owners.get(normalise_iban(iban), set())
        if len(who) == 1:
            rows.append((next(iter(who)), int(left), str(cur).strip().upper(), str(pid).strip(), day,
                         int(amount) if not blank(amount) else int(left)))
    return pd.DataFrame(rows, columns=cols) if rows else empty


def exposures(book: Book, as_of: dt.date | None = None, invoices: pd.DataFrame | None = None) -> pd.DataFrame:
    """``engine.credit.exposures`` on the book as of ``as_of`` (default today), plus the person's
    ``credit_hold`` (lower case, blank when none).  ``invoices``: Invoices already flagged ``disputed``
    (the worklist's), read from the book otherwise."""
    as_of = as_of or clock.today()
    inv = invoices
    if inv is None:
        inv = book.get("Invoices").copy(deep=False)  # a column added here only
        inv.attrs = book.get("Invoices").attrs
        inv["disputed"] = disputed_flags(book, inv)
    cust = book.get("Customers")
    out = engine.exposures(inv, cust, as_of, book.config, unapplied_cash(book))
    holds = {str(c).strip(): ("" if blank(h) else str(h).strip().lower())
             for c, h in zip(cust["customer_id"], cust["credit_hold"] if "credit_hold" in cust else [None] * len(cust))}
    out["credit_hold"] = [holds.get(c, "") for c in out["customer_id"]]
    return out


def _last_logged(book: Book, column: str) -> dict[str, str]:
    """The last new_value Audit holds for Customers.<column>, per customer."""
    au = book.get("Audit")
    if not len(au):
        return {}
    sel = au[(au["table"].astype(str) == "Customers") & (au["column"].astype(str) == column)]
    return {str(k): ("" if blank(v) else str(v)) for k, v in zip(sel["key"], sel["new_value"])}


def run(book: Book, as_of: dt.date | None = None) -> Change:
    """Rewrite exposure, credit_status and credit_reason on Customers; log status changes and people's holds."""
    as_of = as_of or clock.today()
    ex = exposures(book, as_of)
    cust = book.get("Customers").reset_index(drop=True)
    change = Change("credit")
    by_id = ex.set_index("customer_id")
    rule_day = f"as_of={as_of:%Y-%m-%d}"
    new = cust.copy()
    for col in ("credit_status", "credit_reason", "exposure", "credit_hold"):
        if col not in new.columns:
            new[col] = pd.Series([None] * len(new), dtype=object)
    status = new["credit_status"].astype(object).to_numpy().copy()
    reason = new["credit_reason"].astype(object).to_numpy().copy()
    exposure = new["exposure"].astype(object).to_numpy().copy()
    logged_hold = _last_logged(book, "credit_hold")
    for i, cid in enumerate(new["customer_id"]):
        key = "" if blank(cid) else str(cid).strip()
        if not key or key not in by_id.index:
            continue
        r = by_id.loc[key]
        if isinstance(r, pd.DataFrame):  # the same id twice: Customers is unique, so not reached
            r = r.iloc[0]
        old = "" if blank(status[i]) else str(status[i]).strip()
        if old != r["credit_status"]:
            change.log(book.user, "Customers", key, "credit_status", old, r["credit_status"],
                       rule=(r["credit_reason"] or "within limit, nothing overdue past credit_hold_days") + f"; {rule_day}")
        status[i], reason[i], exposure[i] = r["credit_status"], r["credit_reason"], int(r["exposure"])
        hold = "" if blank(new.at[i, "credit_hold"]) else str(new.at[i, "credit_hold"]).strip()
        if hold.lower() not in ("",) + schema.CREDIT_HOLDS:
            raise ArXlError(f"{book.source} sheet Customers, customer {key}, column credit_hold: {hold!r} is not "
                            f"one of {', '.join(schema.CREDIT_HOLDS)} (or blank). Nothing was changed.")
        if hold != logged_hold.get(key, ""):
            change.log(book.user, "Customers", key, "credit_hold", logged_hold.get(key, ""), hold,
                       rule=f"set by a person; status then: {r['credit_status'] or 'none'}")
    new["credit_status"], new["credit_reason"] = status, reason
    new["exposure"] = pd.array([None if blank(v) else int(v) for v in exposure], dtype="Int64")
    change.tables["Customers"] = new
    held = engine.hold_list(ex)
    cur = book.config.base_currency
    n_over = int((ex["credit_status"] == "over limit").sum())
    n_hold = int((ex["credit_status"] == "hold proposed").sum())
    n_conf = int((ex["credit_hold"] == "confirmed").sum())
    lines = [f"credit at {as_of:%Y-%m-%d}: {n_over} customer(s) over limit, {n_hold} hold(s) proposed, "
             f"{n_conf} hold(s) confirmed; exposure {cur} {fmt(int(ex['exposure'].sum()))}"]
    for r in held.head(3).itertuples():
        lines.append(f"{r.customer_id} {r.customer_name} ({r.credit_status}): {r.credit_reason}")
    change.summary = "\n".join(lines)
    return change


def decide(book: Book, customer_id: str, decision: str, user: str | None = None) -> Change:
    """A person's decision on a hold (``confirmed`` or ``released``) from the command line: written to
    Customers.credit_hold and logged in Audit.  Refused when the cell already holds another value."""
    user = str(user or book.user)
    d = str(decision).strip().lower()
    if d not in schema.CREDIT_HOLDS:
        raise ArXlError(f"credit hold: {decision!r} is not one of {', '.join(schema.CREDIT_HOLDS)}")
    cust = book.get("Customers").reset_index(drop=True)
    ids = cust["customer_id"].astype(str).str.strip()
    same = same_id(str(customer_id).strip(), ids)
    customer_id = same[0] if len(same) == 1 else str(customer_id).strip()  # c10993 is C10993
    hit = np.flatnonzero(ids.to_numpy() == customer_id)
    if not len(hit):
        raise ArXlError(f"{book.source} sheet Customers: no customer {customer_id!r}. Nothing was changed.")
    i = int(hit[0])
    old = "" if "credit_hold" not in cust or blank(cust.at[i, "credit_hold"]) else str(cust.at[i, "credit_hold"]).strip()
    if old and old.lower() != d:
        raise ArXlError(f"{book.source} sheet Customers, customer {customer_id}, column credit_hold already says "
                        f"{old!r}; a person's entry is changed in the workbook, not by ar-xl. Nothing was changed.")
    change = Change("credit_hold")
    new = cust.copy()
    if "credit_hold" not in new.columns:
        new["credit_hold"] = pd.Series([None] * len(new), dtype=object)
    new["credit_hold"] = new["credit_hold"].astype(object)
    new.at[i, "credit_hold"] = d
    change.tables["Customers"] = new
    st = "" if "credit_status" not in cust or blank(cust.at[i, "credit_status"]) else str(cust.at[i, "credit_status"])
    if old.lower() != d:
        change.log(user, "Customers", str(customer_id).strip(), "credit_hold", old, d,
                   rule=f"set by a person; status then: {st or 'none'}")
    change.summary = f"credit hold of {str(customer_id).strip()} {d} by {user}" + ("" if old.lower() != d else " (already so)")
    return change

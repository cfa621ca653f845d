"""Customer view: everything about one customer on one page (``engine.customer_view``), for a call.

``run(book, customer, as_of)`` finds the customer (``resolve``), reads every table the view shows
(Invoices, Customers, Payments, Matches, Promises, Plans, Disputes, Reminders, Activities, WriteOffs when
the workbook has it; Config always), ages the items as *Refresh aging* does (``refresh.aging_table``:
state, days past due, bucket, interest) and computes the credit status as *Credit holds* does
(``credit.exposures``), and returns a ``Change`` that only appends one **Audit** row (who looked at which
customer, as of when); the ``View`` travels on ``change.view`` and the shells lay it out on the
**CustomerView** sheet, which they own and replace whole on each run (the file:
``workbook.customer_view_sheet``; live Excel: the same module's ``write_live``).  No table changes.

**A day before today** (``as_stood``): the records are taken as they stood at the end of it
(``engine.customer_view.as_stood``): promises with what ``check_promises`` would have found that day
(``promise.promises_as_of``), plans with what ``update_plans`` would have (``plan.plans_as_of``; their creation
dates from Audit), and the rows dated after it left out; the items are aged, and the credit status computed, on
that book, so their state, disputed flags and unapplied cash are the day's too (their open amounts are today's).

**The customer** is a ``customer_id`` of Customers or Invoices; a customer's exact name (any case) is
taken too when one customer has it.  Anything else is refused naming what was typed and the closest
ids and names (rapidfuzz), and nothing changes.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
from rapidfuzz import fuzz, process

from .. import clock
from ..book import Book, Change
from ..engine import customer_view as engine
from ..engine import interest
from ..errors import ArXlError
from ..money import fmt
from .credit import exposures, unapplied_cash
from .plan import creation_dates, plans_as_of, same_id
from .promise import promises_as_of
from .refresh import accrued_interest, aging_table

TABLES = ["Invoices", "Customers", "Payments", "Matches", "Promises", "Plans", "Disputes", "Reminders", "Activities",
          "WriteOffs", "Handovers", "Audit"]
"""What the action reads (Config is always read; Audit because the action appends to it)."""

SHEET = "CustomerView"


def _known(book: Book) -> dict[str, str]:
    """customer_id -> name, from Customers then Invoices."""
    out: dict[str, str] = {}
    for name in ("Customers", "Invoices"):
        t = book.optional(name)
        if t is None or not len(t):
            continue
        names = t["customer_name"] if "customer_name" in t else pd.Series([""] * len(t))
        for c, n in zip(t["customer_id"].astype(str).str.strip(), names.fillna("").astype(str).str.strip()):
            if c and (c not in out or not out[c]):
                out[c] = n
    return out


def resolve(book: Book, customer: str) -> str:
    """The customer_id the user means (module docstring), or an ``ArXlError`` naming the close matches."""
    typed = str(customer or "").strip()
    if not typed:
        raise ArXlError("customer view: a customer id is needed (Customers.customer_id). Nothing was changed.")
    known = _known(book)
    by_id = same_id(typed, known)  # the rule of every command: c10993 is C10993
    by_name = [c for c, n in known.items() if n and n.lower() == typed.lower()]
    for hits in (by_id, by_name):
        if len(hits) == 1:
            return hits[0]
    low = str.lower
    score: dict[str, float] = {}
    for _, sc, c in process.extract(typed, {c: c for c in known}, scorer=fuzz.ratio, processor=low, limit=10,
                                    score_cutoff=60):
        score[c] = max(score.get(c, 0), sc)
    for _, sc, c in process.extract(typed, {c: n for c, n in known.items() if n}, scorer=fuzz.WRatio, processor=low,
                                    limit=10, score_cutoff=60):
        score[c] = max(score.get(c, 0), sc)
    for c in score:  # an id that starts with what was typed comes first among equals
        score[c] += 5 if c.lower().startswith(typed.lower()) else 0
    close = sorted(score, key=lambda c: (-score[c], c))[:5]
    hint = (f" Did you mean: {'; '.join(f'{c} {known[c]}'.strip() for c in close)}?" if close
            else " No customer id or name comes close.")
    raise ArXlError(f"{book.source}: no customer {typed!r} in the Customers or Invoices table.{hint} "
                    "Nothing was changed.")


AS_STOOD = ["Promises", "Plans", "Disputes", "WriteOffs", "Handovers", "Reminders", "Activities", "Payments",
            "Matches"]
"""The tables a view of a past day shows as they stood then (``engine.customer_view.as_stood``)."""


def as_stood(book: Book, day: dt.date) -> tuple[Book, engine.Stood]:
    """The book with its records as they stood at the end of ``day`` (a past day), and what the engine made of
    them (``engine.customer_view.as_stood``): promises received and statuses as ``check_promises`` would set them
    that day, plans paid as ``update_plans`` would; Invoices, Customers and Config as they are."""
    tables = {name: book.optional(name) for name in AS_STOOD}
    if tables["Promises"] is not None:
        tables["Promises"] = promises_as_of(book, day)
    if tables["Plans"] is not None:
        tables["Plans"] = plans_as_of(book, day)
    stood = engine.as_stood(day, tables, creation_dates(book))
    then = dataclasses.replace(book, tables={**book.tables, **{n: f for n, f in stood.tables.items() if f is not None}},
                               later=dict(book.later))
    return then, stood


def view(book: Book, customer: str, as_of: dt.date | None = None) -> engine.View:
    """The customer's view as of ``as_of`` (default today); of a day before today, with the records as they stood
    then (``as_stood``)."""
    day = as_of or clock.today()
    cid = resolve(book, customer)
    stood = None
    if day < clock.today():
        book, stood = as_stood(book, day)
    cfg = book.config
    items, _ = aging_table(book, day)
    mine = items[items["customer_id"].astype(str).str.strip() == cid]
    missing = accrued_interest(book, mine, day)[2] if len(mine) else ()
    cust = book.get("Customers")
    row = cust[cust["customer_id"].astype(str).str.strip() == cid] if len(cust) else cust
    ex = exposures(book, day)
    credit = ex[ex["customer_id"].astype(str) == cid]
    return engine.build(
        cid, day, customer=row.iloc[0].to_dict() if len(row) else {},
        credit=credit.iloc[0].to_dict() if len(credit) else None, aging=items, invoices=book.get("Invoices"),
        payments=book.optional("Payments"), matches=book.optional("Matches"),
        promises=book.optional("Promises"), plans=book.optional("Plans"), disputes=book.optional("Disputes"),
        reminders=book.optional("Reminders"), activities=book.optional("Activities"),
        writeoffs=book.optional("WriteOffs"), handovers=book.optional("Handovers"), unapplied=unapplied_cash(book),
        base_currency=cfg.base_currency,
        interest_missing=interest.missing_rates_text(missing) if missing else "", stood=stood)


def run(book: Book, customer: str, as_of: dt.date | None = None) -> Change:
    """The view on ``change.view``, one Audit row, and a summary naming the customer and the balance."""
    day = as_of or clock.today()
    v = view(book, customer, day)
    change = Change("customer_view")
    change.view = v  # type: ignore[attr-defined]
    bal = v.section("balance").frame
    items = v.section("open_items").frame
    balance = "; ".join(f"{r.currency} {fmt(int(r.open_amount))} (overdue {fmt(int(r.overdue_amount))})"
                        for r in bal.itertuples()) or "nothing open"
    change.log(book.user, SHEET, v.customer_id, "sheet", None, f"{len(items)} open item(s)",
               rule=f"customer view as_of={day:%Y-%m-%d}")
    if v.interest_missing:
        change.warnings.append(f"interest left empty where a statutory rate is missing: {v.interest_missing}")
    change.summary = (f"customer view of {v.customer_id} {v.customer_name} as of {day:%Y-%m-%d}: "
                      f"{len(items)} open item(s), {balance}; on the {SHEET} sheet")
    return change

"""Worklist: rewrite the Worklist table, the customers to act on today (``engine.worklist``).

The action reads Invoices, Customers, Promises, Plans, Disputes, Activities and Payments, brings
promises up to the as-of date with the rules of *Check promises* (the money received counts), takes
the installments' paid amounts as *Update plans* last wrote them (the engine marks an installment
missed once its due date + grace has passed unpaid; nothing is written to Promises or Plans), flags the invoices on a live
dispute as *Refresh aging* does, takes each customer's credit status with the rules of *Credit*
(``actions.credit.exposures``: unapplied cash and people's holds included), and writes the Worklist
table whole (a derived table, like Aging).

``collector`` keeps one collector's customers.  ``collector_for_user`` maps a login to a collector
with the Config rows ``user.<login>`` = collector (the *My worklist* button).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import clock
from ..book import Book, Change
from ..engine import states
from ..engine import worklist as engine
from ..errors import ArXlError
from ..money import fmt
from .refresh import disputed_flags

TABLES = ["Invoices", "Customers", "Payments", "Matches", "Promises", "Plans", "Disputes", "Activities", "Handovers",
          "Audit"]
"""What the action reads (Config is always read)."""


def collector_for_user(book: Book, user: str | None = None) -> str:
    """The collector of ``user`` (default: the book's user): Config ``user.<login>`` (login case ignored),
    else a collector of that very name on Customers or Invoices; ``ArXlError`` saying what to add otherwise."""
    login = str(user or book.user).strip()
    for key, value in book.config.extra.items():
        if key.lower() == f"user.{login.lower()}" and str(value).strip():
            return str(value).strip()
    for k in _collectors(book):
        if k.lower() == login.lower():
            return k
    raise ArXlError(f"My worklist: no collector for the user {login!r}. Add a row to the Config table with "
                    f"setting 'user.{login}' and the collector's name as value (the name used in "
                    f"Customers.collector), then click again.")


def _collectors(book: Book) -> set[str]:
    """The collector names on Customers and Invoices."""
    known: set[str] = set()
    for name in ("Customers", "Invoices"):
        known |= {str(v).strip() for v in book.get(name)["collector"] if isinstance(v, str) and str(v).strip()}
    return known


def _current(book: Book, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Promises with received and status as of the day, counted from the payments with the rules of
    *Check promises* (``engine.promises.check``); Plans as *Update plans* last wrote them (the engine
    re-reads each installment's status against the day)."""
    from ..engine import promises as promises_engine
    from .promise import customer_payments
    pr = book.get("Promises")
    usable = pr["promised_date"].notna() & pr["amount"].notna() & (pr["amount"].fillna(0) > 0) if len(pr) else None
    if usable is not None and usable.any():
        pr = pr.loc[usable.to_numpy()].reset_index(drop=True)
        res = promises_engine.check(pr, customer_payments(book), as_of, book.config.promise_grace_days)
        pr = pr.assign(received=res["received"].to_numpy(), status=res["status"].to_numpy())
    return pr, book.get("Plans")


def table(book: Book, as_of: dt.date | None = None, collector: str | None = None) -> pd.DataFrame:
    """The Worklist table as of ``as_of`` (default today), optionally for one collector."""
    as_of = as_of or clock.today()
    inv = states.with_handovers(book.get("Invoices"), book.optional("Handovers")).copy()
    inv.attrs = book.get("Invoices").attrs
    inv["disputed"] = disputed_flags(book, inv)
    promises, plans = _current(book, as_of)
    from .credit import exposures
    wl = engine.build(inv, book.get("Customers"), as_of, book.config, promises=promises, plans=plans,
                      disputes=book.get("Disputes"), activities=book.get("Activities"), collector=collector,
                      credit=exposures(book, as_of, inv))
    return with_interest(book, wl, inv, as_of)


def with_interest(book: Book, wl: pd.DataFrame, inv: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The Worklist's ``interest``: the statutory interest accrued on each listed customer's overdue items
    (``refresh.accrued_interest``, as Aging shows it per item), in the customer's currency; empty when the
    customer's items are in several currencies or a rate is missing (never guessed).  The missing rates are in
    ``wl.attrs["interest_missing"]``."""
    from .refresh import accrued_interest
    wl = wl.copy()
    shown = pd.array([pd.NA] * len(wl), dtype="Int64")
    open_ = inv.loc[inv["open_amount"].fillna(0).to_numpy() != 0].reset_index(drop=True)
    listed = set(wl["customer_id"].astype(str)) if len(wl) else set()
    mine = open_.loc[open_["customer_id"].astype(str).isin(listed).to_numpy()].reset_index(drop=True)
    cents, known, missing = accrued_interest(book, mine, as_of)
    per = pd.DataFrame({"c": mine["customer_id"].astype(str).to_numpy(), "cents": cents, "known": known})
    sums = per.groupby("c")["cents"].sum()
    complete = per.groupby("c")["known"].all()
    for i, (cid, cur) in enumerate(zip(wl["customer_id"].astype(str), wl["currency"].astype(str))):
        if "," in cur or not bool(complete.get(cid, True)):
            continue
        shown[i] = int(sums.get(cid, 0))
    cols = list(wl.columns)
    wl.insert(cols.index("overdue_amount") + 1 if "overdue_amount" in cols else len(cols), "interest", shown)
    wl.attrs["interest_missing"] = missing
    return wl


def run(book: Book, as_of: dt.date | None = None, collector: str | None = None) -> Change:
    """Rewrite the Worklist table; the summary names the first customers and their reasons."""
    as_of = as_of or clock.today()
    if collector is not None and str(collector).strip():
        known = _collectors(book)
        if str(collector).strip().lower() not in {k.lower() for k in known}:
            raise ArXlError(f"{book.source}: no customer has the collector {collector!r}; the collectors are "
                            f"{', '.join(sorted(known)) or '(none: fill Customers.collector)'}. Nothing was changed.")
    wl = table(book, as_of, collector)
    change = Change("worklist")
    change.tables["Worklist"] = wl
    who = f" for {collector}" if collector else ""
    cur = book.config.base_currency
    total = int(wl["overdue_amount_base"].sum()) if len(wl) else 0
    lines = [f"worklist{who} at {as_of:%Y-%m-%d}: {len(wl)} customer(s) to act on, overdue {cur} {fmt(total)}"]
    for r in wl.head(3).itertuples():
        lines.append(f"{r.rank}. {r.customer_id} {r.customer_name} ({r.next_step}): {r.reason}")
    change.summary = "\n".join(lines)
    change.log(book.user, "Worklist", "*", "rows", None, len(wl),
               rule=f"as_of={as_of:%Y-%m-%d}" + (f" collector={collector}" if collector else ""))
    return change

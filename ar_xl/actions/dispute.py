"""Disputes: open one, move it through the workflow, open one from a short payment, report.

``add_dispute`` appends a Disputes row (id ``D-000124``, status ``open``,
owner and SLA from the reason in Config ``dispute_reasons``).  The invoices
must exist and belong to the customer; an invoice already on a live dispute
(open, in review, escalated) is refused, naming that dispute.  The amount
defaults to the invoices' open amount.  Every dispute action ends by writing the
invoices' derived state into Invoices.status (``actions.restate``, ``engine.states``):
an invoice on a live dispute says ``disputed``, and stops saying it when the dispute
is resolved; the aging flag comes from the same records.

``set_dispute_status`` applies one workflow step (``engine.disputes``
transitions; a refused step raises ``InputError`` with the engine's message).  A dispute
resolved as ``resolved - write-off`` proposes the write-off itself (``actions.writeoff.from_dispute``:
the dispute's amount, never more than its invoices have open), booked at once within the
resolver's Config limit, else waiting for an approver in WriteOffs; so its invoice is neither
left open to be chased in full nor written off without approval.  A dispute has at most one such
write-off: resolved so again while its write-off awaits approval or is booked, it proposes nothing new
(the summary names it); reopened, its write-off still awaiting approval, with no decision typed in its
review, is withdrawn (``actions.writeoff.withdraw_for_dispute``).

``dispute_from_short_pay`` turns a short-pay deduction from cash application
into a ``short payment / deduction`` dispute: only money applied (an applied Matches row of
that payment on that invoice with a short pay; a suggestion must be confirmed first), for at
most the short pay and what is still open on the invoice.  It is idempotent: when a
dispute for the same payment and invoice exists, nothing is added and the
summary names it.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import clock
from . import restate
from ..book import Book, Change
from ..dates import parse_date
from ..engine import disputes as engine
from ..frames import blank
from ..money import fmt
from .plan import appended, customer_invoices, fail, known_customer, single_currency, text_of, who


def _live_disputes_of(book: Book, ids) -> dict[str, str]:
    d = book.get("Disputes")
    out: dict[str, str] = {}
    if not len(d):
        return out
    live = engine.live_mask(d)
    for did, cell in zip(d.loc[live, "dispute_id"], d.loc[live, "invoice_ids"]):
        for i in engine.split_ids(cell):
            if i in ids:
                out.setdefault(i, str(did))
    return out


def _write_new(book: Book, row: dict, user: str, action: str, rule: str) -> Change:
    change = Change(action)
    change.tables["Disputes"] = appended(book, "Disputes", [row])
    change.log(user, "Disputes", row["dispute_id"], "status", None, "open", rule)
    change.summary = (f"dispute {row['dispute_id']} for {row['customer_id']}: {row['reason']}, "
                      f"{row['currency']} {fmt(row['amount'])} on {row['invoice_ids']}; owner {row['owner']}, "
                      f"SLA due {row['sla_due']:%Y-%m-%d}")
    return restate.follow(book, change)


def add_dispute(
    book: Book,
    customer_id: str,
    invoice_ids,
    reason: str,
    amount_cents: int | None = None,
    opened: object = None,
    owner: str | None = None,
    note: str = "",
    user: str | None = None,
) -> Change:
    """A new dispute (rules in the module docstring)."""
    src = "add dispute"
    user = who(book, user)
    customer = known_customer(book, customer_id, src)
    rows = customer_invoices(book, customer, invoice_ids, src, need_open=False)
    ids = list(rows.index)
    taken = _live_disputes_of(book, set(ids))
    if taken:
        fail(src, "already disputed: " + ", ".join(f"invoice {i} on {d}" for i, d in taken.items()))
    currency = single_currency(rows, src, book.config.base_currency)
    if amount_cents is None:
        amount_cents = int(sum(0 if blank(v) else int(v) for v in rows["open_amount"]))
    try:
        opened_d = parse_date(opened) if opened is not None else clock.today()
        did = engine.next_id(book.get("Disputes")["dispute_id"], "D")
        row = engine.new_dispute(did, customer, ids, amount_cents, reason, opened_d, currency, owner, note,
                                 book.config.dispute_reasons)
    except ValueError as e:
        fail(src, e)
    return _write_new(book, row, user, "add_dispute", row["reason"])


def _what_is_there(m: pd.DataFrame, pid: str, elsewhere) -> str:
    """What Matches holds of payment ``pid`` on an invoice, in words (each row: its id and why it is not
    applied), and the invoices ``elsewhere`` the payment was applied to."""
    words = []
    for r in m.itertuples(index=False):
        review, decision = text_of(r.review).lower(), text_of(r.decision).lower()
        if review == "reject":
            why = "rejected"
        elif review == "confirm":
            why = "confirmed but not applied: run match (see the row's flags)"
        elif decision == "suggested":
            why = "only suggested: confirm it first"
        else:
            why = decision or "not applied"
        words.append(f"{r.match_id} {why}")
    applied_elsewhere = sorted({text_of(i) for i in elsewhere})
    if not words:
        words.append(f"no Matches row of payment {pid} on it")
    if applied_elsewhere:
        words.append(f"payment {pid} was applied to {', '.join(applied_elsewhere)}")
    return "; ".join(words)


def dispute_from_short_pay(
    book: Book,
    payment_id: str,
    invoice_id: str,
    short_cents: int | None = None,
    customer_id: str | None = None,
    opened: object = None,
    user: str | None = None,
) -> Change:
    """A ``short payment / deduction`` dispute for what ``payment_id`` left open on ``invoice_id``; reason
    ``unearned discount`` when cash application flagged the gap ``unearned_discount`` (a discount deducted
    after the discount period).

    Only a short payment that was applied: a Matches row of that payment on that invoice that is applied
    (``applied``, not reviewed ``Reject``), of the invoice's customer, with a ``short_pay`` above 0.  A
    suggestion, a rejected or a refused row, or another customer's invoice is refused, naming what Matches
    holds.  ``short_cents`` (``--amount``) defaults to the row's short pay and is never more than it nor than
    what is still open on the invoice."""
    src = "dispute short payment"
    user = who(book, user)
    pid, iid = str(payment_id or "").strip(), str(invoice_id or "").strip()
    pay = book.get("Payments")
    if len(pay) and pid not in set(pay["payment_id"].astype(str).str.strip()):
        fail(src, f"payment {pid!r} is not in the Payments table")
    inv = book.get("Invoices")
    hit = inv.loc[inv["invoice_id"].astype(str).str.strip() == iid]
    if not len(hit):
        fail(src, f"invoice {iid!r} is not in the Invoices table")
    owner = str(hit["customer_id"].iloc[0]).strip()
    if customer_id is not None and str(customer_id).strip() != owner:
        fail(src, f"invoice {iid} belongs to customer {owner}, not {str(customer_id).strip()}")
    m = book.get("Matches")
    of_pay = m.loc[m["payment_id"].astype(str).str.strip() == pid]
    on_it = of_pay["invoice_id"].astype(str).str.strip() == iid
    done = of_pay["applied"].fillna(False).astype(bool) & (of_pay["review"].map(text_of).str.lower() != "reject")
    rows = of_pay.loc[on_it & done]
    if not len(rows):
        fail(src, f"payment {pid} was not applied to invoice {iid}, so it left nothing short there: "
                  + _what_is_there(of_pay.loc[on_it], pid, of_pay.loc[done, "invoice_id"]))
    others = sorted({text_of(c) for c in rows["customer_id"]} - {owner, ""})
    if others:
        fail(src, f"the Matches row of payment {pid} on invoice {iid} is of customer {', '.join(others)}; "
                  f"the invoice belongs to {owner}")
    short = int(rows["short_pay"].fillna(0).max())
    if short <= 0:
        fail(src, f"payment {pid} paid invoice {iid} in full as applied: no short pay recorded in Matches")
    reason = engine.SHORT_PAY_REASON
    if rows["flags"].map(text_of).map(lambda f: "unearned_discount" in f.split(";")).any():
        reason = engine.UNEARNED_DISCOUNT_REASON
    d = book.get("Disputes")
    if len(d):
        same = d["reason"].astype(str).str.lower().isin({engine.SHORT_PAY_REASON, engine.UNEARNED_DISCOUNT_REASON}) \
            & d["invoice_ids"].map(lambda c: iid in engine.split_ids(c)) \
            & d["note"].astype(str).str.contains(rf"payment {re.escape(pid)}(?=[.,;:)]?(?:\s|$))", regex=True)
        if same.any():
            change = Change("dispute_short_pay")
            change.summary = (f"short payment {pid} on {iid} is already dispute "
                              f"{d.loc[same, 'dispute_id'].iloc[0]}; nothing added")
            return change
    open_ = 0 if blank(hit["open_amount"].iloc[0]) else int(hit["open_amount"].iloc[0])
    most = min(short, open_)
    if most <= 0:
        fail(src, f"invoice {iid} has nothing open ({fmt(open_)}): the short pay of {fmt(short)} was paid since")
    if short_cents is None:
        short_cents = most
    elif int(short_cents) > most:
        fail(src, f"{fmt(int(short_cents))} is more than payment {pid} left short on invoice {iid}: "
                  f"short pay {fmt(short)}, open {fmt(open_)}")
    currency = str(hit["currency"].iloc[0]).strip().upper() or book.config.base_currency
    try:
        opened_d = parse_date(opened) if opened is not None else clock.today()
        did = engine.next_id(d["dispute_id"], "D")
        row = engine.from_short_pay(did, pid, iid, owner, int(short_cents), opened_d, currency,
                                    book.config.dispute_reasons, reason)
    except ValueError as e:
        fail(src, e)
    return _write_new(book, row, user, "dispute_short_pay", f"short pay {pid}")


def set_dispute_status(
    book: Book,
    dispute_id: str,
    status: str,
    resolution: str | None = None,
    on: object = None,
    user: str | None = None,
    journal_dir: str = "ar-xl-journal",
) -> Change:
    """Move ``dispute_id`` to ``status`` on date ``on`` (default today); see ``engine.disputes`` for the workflow.
    ``journal_dir``: where the ERP journal of a write-off booked at once goes (``actions.writeoff``)."""
    src = "set dispute status"
    user = who(book, user)
    d = book.get("Disputes").reset_index(drop=True)
    did = str(dispute_id or "").strip()
    idx = np.flatnonzero(d["dispute_id"].astype(str).str.strip().str.upper().eq(did.upper()).to_numpy())
    if not len(idx):
        fail(src, f"no dispute {did!r} in the Disputes table")
    i = int(idx[0])
    row = {c: d.at[i, c] for c in d.columns}
    try:
        on_d = parse_date(on) if on is not None else clock.today()
        new_row = engine.set_status(row, status, on_d, resolution)
    except ValueError as e:
        fail(src, e)
    change = Change("set_dispute_status")
    new = d.copy()
    for c in ("status", "resolved", "resolution"):
        old_v, new_v = row.get(c), new_row.get(c)
        if text_of(old_v) != text_of(new_v):
            new.loc[i, c] = new_v
            change.log(user, "Disputes", row["dispute_id"], c, text_of(old_v), text_of(new_v),
                       f"{text_of(row.get('status'))} -> {new_row['status']}")
    new["resolved"] = pd.to_datetime(new["resolved"]).astype("datetime64[ns]")
    change.tables["Disputes"] = new
    msg = f"dispute {row['dispute_id']}: {text_of(row.get('status'))} -> {new_row['status']}"
    if new_row["status"] in engine.RESOLVED:
        msg += f" on {on_d:%Y-%m-%d}"
    if resolution and text_of(row.get("resolution")) and text_of(row.get("resolution")) != str(resolution).strip():
        msg += f"; resolution kept as typed: {text_of(row.get('resolution'))!r}"
    if new_row["status"] == WRITE_OFF and text_of(row.get("status")) != WRITE_OFF:
        from . import writeoff
        msg += "; " + writeoff.from_dispute(book, change, row, user, on_d, journal_dir)
    elif text_of(row.get("status")) == WRITE_OFF and new_row["status"] == "in review":
        from . import writeoff
        words = writeoff.withdraw_for_dispute(book, change, row["dispute_id"], user)
        msg += f"; {words}" if words else ""
    change.summary = msg
    return restate.follow(book, change)


WRITE_OFF = "resolved - write-off"


def dispute_report(book: Book, as_of: object = None) -> engine.DisputeReport:
    """The dispute report (``engine.disputes.report``) over the Disputes table, amounts in base currency."""
    as_of_d = parse_date(as_of) if as_of is not None else clock.today()
    try:
        return engine.report(book.get("Disputes"), as_of_d, book.config)
    except ValueError as e:
        fail(f"{book.source} sheet Disputes", e)

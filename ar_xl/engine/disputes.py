"""Disputes: ids, reason codes, the status workflow and the dispute report.

Ids
---
``D-000123``: the prefix, a dash and six digits; a new id is one more than the
highest existing number (ids that do not follow the pattern are ignored; the
number grows past six digits when needed).  ``next_id`` serves every log:
plans ``P-``, promises ``PTP-``, disputes ``D-``, activities ``A-``.

Reasons, owners and SLA
-----------------------
Reason codes come from the Config setting ``dispute_reasons``, a list
``reason=Owner:days`` separated by ``;`` (see ``DEFAULT_REASONS_TEXT``).  Each
reason has a default owner department (one of ``schema.DISPUTE_OWNERS``) and
an SLA in **calendar days**: ``sla_due = opened + days``.  Calendar days are
used on purpose: the figure is the same in Excel (``=opened+days``), needs no
holiday calendar per owner, and SLAs are agreed as "resolved within N days".
Reasons are matched ignoring case and surrounding spaces.

Workflow
--------
The statuses are ``schema.DISPUTE_STATUSES``.  Allowed transitions (anything
else, including setting the same status again, is refused with a message
naming the dispute, its current status, the requested one and the allowed
ones)::

    open                -> in review, escalated
    in review           -> escalated, resolved - *
    escalated           -> resolved - *
    resolved - *        -> closed, in review   (reopen)
    closed              -> (final)

A dispute cannot be resolved straight from ``open``: someone reviews it
first.  An escalated dispute is resolved by whoever it was escalated to; it
does not go back to review.  Reopening a resolved dispute (back to ``in
review``) clears its resolved date; a resolution text a person typed is kept.
Setting a ``resolved - *`` status sets the resolved date; ``closed`` keeps it
(or sets it when missing).  Changing one resolution into another goes through
reopening.

Report
------
``report`` counts the *open* disputes (open, in review, escalated) by reason,
by owner and by age band (days since opened: 0-30, 31-60, 61-90, 90+ meaning
91 days or more), with their amount converted to the base currency (per line,
half away from zero) and how many are past their SLA due date; and the
average days to resolve (resolved − opened) over the disputes that have a
resolved date.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import schema, frames
from ..dates import parse_date
from .plans import _day
from ..config import (  # noqa: F401  (the reasons are settings; re-exported here for the engine's callers)
    DEFAULT_REASONS, DEFAULT_REASONS_TEXT, SHORT_PAY_REASON, UNEARNED_DISCOUNT_REASON, Config, parse_reasons)

STATUSES = schema.DISPUTE_STATUSES
RESOLVED = tuple(s for s in STATUSES if s.startswith("resolved"))
LIVE = ("open", "in review", "escalated")
"""Statuses of a dispute that is still open (its invoices count as disputed)."""

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in review", "escalated"),
    "in review": ("escalated",) + RESOLVED,
    "escalated": RESOLVED,
    **{r: ("closed", "in review") for r in RESOLVED},
    "closed": (),
}

AGE_BANDS = ("0-30", "31-60", "61-90", "90+")


# ---------------------------------------------------------------- ids

def next_id(existing, prefix: str = "D", width: int = 6) -> str:
    """The next id ``PREFIX-000124`` after the highest ``PREFIX-<digits>`` in ``existing``."""
    pat = re.compile(rf"^{re.escape(prefix)}-(\d+)$", re.IGNORECASE)
    high = 0
    for v in existing if existing is not None else ():
        m = pat.match(str(v).strip())
        if m:
            high = max(high, int(m.group(1)))
    return f"{prefix}-{high + 1:0{width}d}"


def split_ids(cell: object) -> list[str]:
    """``"INV1; INV2"`` (or comma-separated) to ``["INV1", "INV2"]``; blanks dropped, order kept."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    if isinstance(cell, (list, tuple, set)):
        parts = [str(x) for x in cell]
    else:
        parts = str(cell).replace(",", ";").split(";")
    out: list[str] = []
    for p in parts:
        p = p.strip()
        if p and p not in out:
            out.append(p)
    return out


def join_ids(ids) -> str:
    return "; ".join(split_ids(list(ids)))


def reason_of(reason: str, reasons: dict[str, tuple[str, int]] | None = None) -> tuple[str, str, int]:
    """The canonical reason, its default owner and SLA days; ``ValueError`` listing the reasons otherwise."""
    reasons = reasons or DEFAULT_REASONS
    r = str(reason or "").strip().lower()
    for name, (owner, days) in reasons.items():
        if name.lower() == r:
            return name, owner, days
    raise ValueError(f"unknown dispute reason {reason!r}; the reasons are: {', '.join(reasons)}")


def owner_of(owner: str) -> str:
    for o in schema.DISPUTE_OWNERS:
        if o.lower() == str(owner).strip().lower():
            return o
    raise ValueError(f"owner must be one of {', '.join(schema.DISPUTE_OWNERS)}, not {owner!r}")


# ---------------------------------------------------------------- new disputes

def new_dispute(
    dispute_id: str,
    customer_id: str,
    invoice_ids,
    amount_cents: int,
    reason: str,
    opened: object,
    currency: str = "",
    owner: str | None = None,
    note: str = "",
    reasons: dict[str, tuple[str, int]] | None = None,
) -> dict:
    """A Disputes row (a dict of canonical values), status ``open``, SLA due = opened + SLA days."""
    customer = str(customer_id or "").strip()
    if not customer:
        raise ValueError("a dispute needs a customer_id")
    ids = split_ids(invoice_ids)
    if not ids:
        raise ValueError("a dispute needs at least one invoice id")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, (int, np.integer)):
        raise ValueError(f"the disputed amount must be whole cents (an int), not {amount_cents!r}")
    if amount_cents <= 0:
        raise ValueError(f"the disputed amount must be above 0, not {amount_cents}")
    name, default_owner, days = reason_of(reason, reasons)
    opened_d = parse_date(opened)
    return {
        "dispute_id": dispute_id,
        "customer_id": customer,
        "invoice_ids": join_ids(ids),
        "amount": int(amount_cents),
        "currency": str(currency or "").strip().upper(),
        "reason": name,
        "owner": owner_of(owner) if owner else default_owner,
        "status": "open",
        "opened": pd.Timestamp(opened_d),
        "sla_due": pd.Timestamp(opened_d + dt.timedelta(days=days)),
        "resolved": pd.NaT,
        "resolution": "",
        "root_cause": "",
        "note": str(note or ""),
    }


def from_short_pay(
    dispute_id: str,
    payment_id: str,
    invoice_id: str,
    customer_id: str,
    short_cents: int,
    opened: object,
    currency: str = "",
    reasons: dict[str, tuple[str, int]] | None = None,
    reason: str = SHORT_PAY_REASON,
) -> dict:
    """A dispute for a short-pay deduction found by cash application.

    Reason ``short payment / deduction`` or, for a discount deducted after the
    discount period, ``unearned discount`` (its owner and SLA from ``reasons``;
    a reason list without it falls back to the short-pay reason), amount = the
    short amount, the note names the payment.
    """
    reasons = reasons or DEFAULT_REASONS
    if reason != SHORT_PAY_REASON and reason.lower() not in (r.lower() for r in reasons):
        reason = SHORT_PAY_REASON
    if not str(payment_id or "").strip():
        raise ValueError("a short-pay dispute needs the payment id")
    if not str(invoice_id or "").strip():
        raise ValueError("a short-pay dispute needs the invoice id")
    note = f"short-paid by payment {str(payment_id).strip()}"
    return new_dispute(dispute_id, customer_id, [invoice_id], short_cents, reason, opened,
                       currency=currency, note=note, reasons=reasons)


# ---------------------------------------------------------------- workflow

def status_of(value: object) -> str:
    """A status string to its canonical form (case, spaces and dashes are forgiven)."""
    key = re.sub(r"[\s\-_]+", "", str(value or "")).lower()
    for s in STATUSES:
        if re.sub(r"[\s\-_]+", "", s) == key:
            return s
    raise ValueError(f"unknown dispute status {value!r}; the statuses are: {', '.join(STATUSES)}")


def allowed(current: str) -> tuple[str, ...]:
    return TRANSITIONS[status_of(current)]


def check_transition(dispute_id: str, current: object, requested: object) -> str:
    """The canonical requested status if ``current → requested`` is allowed, else ``ValueError``."""
    cur = status_of(current)
    req = status_of(requested)
    ok = TRANSITIONS[cur]
    if req not in ok:
        allowed_txt = ", ".join(f"'{s}'" for s in ok) if ok else "none (closed is final)"
        raise ValueError(f"dispute {dispute_id}: cannot change status from '{cur}' to '{req}'; "
                         f"from '{cur}' the allowed statuses are {allowed_txt}")
    return req


def set_status(row: dict, status: object, on: object, resolution: str | None = None) -> dict:
    """A copy of the Disputes ``row`` moved to ``status`` on date ``on`` (transition checked).

    Resolving sets ``resolved`` to ``on``; reopening (back to in review from a
    resolved status) clears it; ``closed`` keeps it, or sets it when empty.
    ``resolution`` fills the resolution column only when that is empty.
    """
    new = dict(row)
    cur = status_of(row.get("status") or "open")
    req = check_transition(row.get("dispute_id", "?"), cur, status)
    on_d = parse_date(on)
    new["status"] = req
    if req in RESOLVED:
        new["resolved"] = pd.Timestamp(on_d)
    elif req == "in review" and cur in RESOLVED:
        new["resolved"] = pd.NaT
    elif req == "closed" and _day(row.get("resolved")) is None:
        new["resolved"] = pd.Timestamp(on_d)
    if resolution and not str(row.get("resolution") or "").strip():
        new["resolution"] = str(resolution).strip()
    return new


# ---------------------------------------------------------------- reading the log

def live_mask(disputes: pd.DataFrame) -> np.ndarray:
    """True for disputes not resolved or closed (an unknown or empty status counts as open)."""
    return np.array([not s.startswith(("resolved", "closed")) for s in frames.texts(disputes["status"], "lower")],
                    dtype=bool)


def disputed_invoices(disputes: pd.DataFrame) -> set[str]:
    """Invoice ids on disputes that are not resolved or closed (for aging flags and reminder exclusion)."""
    ids: set[str] = set()
    if disputes is None or not len(disputes):
        return ids
    for cell in disputes.loc[live_mask(disputes), "invoice_ids"]:
        ids.update(split_ids(cell))
    return ids


def age_band(days: int) -> str:
    """0-30, 31-60, 61-90 or 90+ (91 days or more)."""
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


@dataclass
class DisputeReport:
    by_reason: pd.DataFrame
    by_owner: pd.DataFrame
    by_age: pd.DataFrame
    open_count: int
    avg_days_to_resolve: float | None
    """Mean of resolved − opened in days over disputes with a resolved date, 1 decimal; None if there are none."""
    resolved_count: int


def report(disputes: pd.DataFrame, as_of: object, config=None) -> DisputeReport:
    """Open disputes by reason, owner and age band, and the average days to resolve.

    Each grouping has columns (reason | owner | age_band), count, amount_base
    (cents in the base currency) and past_sla (open disputes whose SLA due date
    is before the as-of date).  Age bands are always all listed, in order.
    """
    from .aging import to_base

    config = config or Config()
    as_of_d = parse_date(as_of)
    d = disputes.reset_index(drop=True)
    live = d.loc[live_mask(d)].reset_index(drop=True) if len(d) else d
    amounts = live["amount"].astype("Int64").fillna(0).to_numpy(dtype=np.int64)
    cur = live["currency"].astype(str).str.strip().str.upper().replace("", config.base_currency)
    base = to_base(amounts, cur, config, source="Disputes") if len(live) else amounts
    opened = [_day(v) for v in live["opened"]]
    sla = [_day(v) for v in live["sla_due"]]
    frame = pd.DataFrame({
        "reason": live["reason"].astype(str).to_numpy(),
        "owner": live["owner"].astype(str).to_numpy(),
        "age_band": [age_band((as_of_d - o).days) if o else "0-30" for o in opened],
        "amount_base": base,
        "past_sla": [bool(s is not None and s < as_of_d) for s in sla],
    })

    def group(key: str, order=None) -> pd.DataFrame:
        g = frame.groupby(key, sort=True).agg(count=("amount_base", "size"), amount_base=("amount_base", "sum"),
                                              past_sla=("past_sla", "sum"))
        if order is not None:
            g = g.reindex(order, fill_value=0)
        g = g.reset_index()
        return g.astype({"count": np.int64, "amount_base": np.int64, "past_sla": np.int64})

    days = []
    for o, r in zip(d["opened"] if len(d) else [], d["resolved"] if len(d) else []):
        o, r = _day(o), _day(r)
        if o is not None and r is not None:
            days.append((r - o).days)
    avg = round(sum(days) / len(days), 1) if days else None
    return DisputeReport(
        by_reason=group("reason"),
        by_owner=group("owner"),
        by_age=group("age_band", list(AGE_BANDS)),
        open_count=len(live),
        avg_days_to_resolve=avg,
        resolved_count=len(days),
    )

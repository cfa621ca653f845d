"""What a customer committed to pay: payment-plan installments and promises to pay, read once per run
(``Commitments``), and the options they give a payment (``plan_options``, ``promise_options``).

* **Plan installment.**  A remittance naming a live plan (``Rate 1 Ratenplan P-000001``, ``termijn 2
  betalingsregeling P-000003``, ``installment 1 plan P-000001`` or just ``P-000001``) or a payment from the
  plan's customer, of an installment's amount: the installment named (its number in the remittance), else the
  first one not yet paid.  The amount must equal what is due on it (its amount, or what is still open on it
  when part was paid); with the plan named, it may also be the rest of up to ``MAX_AT_ONCE`` consecutive
  installments from the first not yet paid (``installment 1 to 2``).  The money is allocated to the plan's invoices oldest first (due date, then id) — the
  plan engine fills installments in due-date order from the money its invoices receive
  (``actions.plan.update_plans``), so the installment is paid when the plan is next updated.  What is left on
  the invoices is the rest of the plan, not a short payment.  Money beyond the invoices' open amounts (the
  interest of a plan with interest) stays on the payment as unapplied cash, which ``update_plans`` counts
  for the plan.
  It is applied **automatically** only when the plan id is named, the amount equals the installment due and
  the payer is the plan's customer (a known IBAN or a close name); otherwise it is suggested.
* **Promise.**  A payment equal to what a live promise of the payer still lacks (its amount less what it
  received), in the promise's currency, with a value date in the promise's window (``logged_on`` up to
  ``promised_date + Config.promise_grace_days``), counts towards the promise: it is allocated to the promise's
  invoices (or, for a promise without invoices, to the customer's open invoices), oldest first.  Applied
  automatically when the payer is the promise's customer and exactly one promise fits; suggested otherwise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..disputes import split_ids
from .options import Option

LIVE_PLAN = ("active", "broken", "")
LIVE_PROMISE = ("open", "partly kept", "broken", "")

_PLAN_ID = re.compile(r"(?<![A-Za-z0-9])P[\s\-_/.]?(\d{1,9})(?![0-9])", re.IGNORECASE)
_INSTALLMENT = re.compile(
    r"(?:\brate|\btermijn|\binstal+ment|\btranche|\b[ée]ch[ée]ance|\bparcela|\bcuota|\bratenzahlung)"
    r"\s*(?:nr\.?|no\.?|n°|#)?\s*(\d{1,3})\b|\b(\d{1,3})\s*\.?\s*(?:rate|termijn|installment|instalment)\b",
    re.IGNORECASE)


def _digits_key(text: str) -> str:
    return str(int(text)) if text.isdigit() else text


@dataclass
class Plan:
    plan_id: str
    customer: str
    rows: list  # invoice rows of the run
    installments: list  # [(no, due_day, amount, paid)] in due order
    extra: int = 0
    """Cents of this run's automatic allocations counted towards the plan (fills installments in due order)."""


@dataclass
class Promise:
    promise_id: str
    customer: str
    currency: str
    lacking: int
    start: int
    end: int
    rows: list
    invoice_ids: list = field(default_factory=list)


def _day(v) -> int | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    try:
        return int(np.datetime64(pd.Timestamp(v).date(), "D").astype(np.int64))
    except (ValueError, TypeError):
        return None


def _cents(v) -> int:
    try:
        return 0 if v is None or pd.isna(v) or v == "" else int(v)
    except (TypeError, ValueError):
        return 0


class Commitments:
    """The live plans and promises of a run, with the invoice rows they cover."""

    def __init__(self, ids: list[str], cust: list[str], plans: pd.DataFrame | None, promises: pd.DataFrame | None,
                 grace_days: int = 0):
        pos = {i.strip(): r for r, i in enumerate(ids)}
        self.plans: dict[str, Plan] = {}
        self.by_customer: dict[str, list[Plan]] = {}
        if plans is not None and len(plans):
            st = plans["plan_status"].astype(str).str.strip().str.lower() if "plan_status" in plans else None
            for k in range(len(plans)):
                if st is not None and st.iloc[k] not in LIVE_PLAN:
                    continue
                r = plans.iloc[k]
                pid = str(r["plan_id"]).strip()
                if not pid:
                    continue
                p = self.plans.get(pid)
                if p is None:
                    rows = [pos[i] for i in split_ids(r.get("invoice_ids", "")) if i in pos]
                    p = self.plans[pid] = Plan(pid, str(r["customer_id"]).strip(), rows, [])
                due = _day(r.get("due_date"))
                amount = _cents(r.get("amount"))
                if due is None or amount <= 0:
                    continue
                p.installments.append((_cents(r.get("installment_no")), due, amount, _cents(r.get("paid"))))
            for p in self.plans.values():
                p.installments.sort(key=lambda t: (t[1], t[0]))
                self.by_customer.setdefault(p.customer, []).append(p)
        self.promises: dict[str, list[Promise]] = {}
        if promises is not None and len(promises):
            for k in range(len(promises)):
                r = promises.iloc[k]
                if str(r.get("status", "") if not pd.isna(r.get("status", "")) else "").strip().lower() not in LIVE_PROMISE:
                    continue
                start, due = _day(r.get("logged_on")), _day(r.get("promised_date"))
                lacking = _cents(r.get("amount")) - _cents(r.get("received"))
                if due is None or lacking <= 0:
                    continue
                iids = split_ids(r.get("invoice_ids", ""))
                c = str(r["customer_id"]).strip()
                ccy = "" if pd.isna(r.get("currency", "")) else str(r.get("currency", "")).strip().upper()
                self.promises.setdefault(c, []).append(Promise(
                    str(r["promise_id"]).strip(), c, ccy, lacking, start if start is not None else -10 ** 9,
                    due + int(grace_days or 0), [pos[i] for i in iids if i in pos], iids))
        self._by_digits = {}
        for pid in self.plans:
            m = re.search(r"(\d+)$", pid)
            if m:
                self._by_digits.setdefault(_digits_key(m.group(1)), pid)

    def __bool__(self):
        return bool(self.plans or self.promises)

    def named_plans(self, text: str) -> list[str]:
        """Plan ids the remittance names (``P-000001``, ``P000001``, ``p 1`` …), known plans only."""
        if not text or not self.plans:
            return []
        out = []
        for m in _PLAN_ID.finditer(text):
            pid = self._by_digits.get(_digits_key(m.group(1)))
            if pid and pid not in out:
                out.append(pid)
        return out


def installment_named(text: str) -> int | None:
    """The installment number a remittance names (``Rate 1``, ``termijn 2``, ``installment 3``, ``2. Rate``)."""
    m = _INSTALLMENT.search(text or "")
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def _oldest_first(ctx, rows: list[int], A: int) -> tuple[list[tuple[int, int]], int]:
    """``A`` over the open invoices of ``rows``, oldest first; returns the allocations and the rest."""
    order = sorted((r for r in rows if ctx.rem[r] > 0), key=lambda r: (ctx.due[r], ctx.ids[r]))
    left, allocs = A, []
    for r in order:
        if left <= 0:
            break
        a = min(left, ctx.rem[r])
        allocs.append((r, a))
        left -= a
    return allocs, left


def _state(p: Plan) -> list[tuple[int, int, int]]:
    """Each installment as ``(no, left to pay, amount)`` in due order, counting this run's automatic
    allocations towards the plan (they fill installments in due order, as the plan engine does)."""
    credit = p.extra
    state = []
    for n, _, amount, paid in p.installments:
        open_ = max(0, amount - paid)
        take = min(credit, open_)
        credit -= take
        state.append((n, open_ - take, amount))
    return state


MAX_AT_ONCE = 3
"""Consecutive installments one payment may pay at once (``Rate 1+2``), when the plan is named."""


def _installments_paid(p: Plan, A: int, no: int | None, named: bool) -> list[int]:
    """The installment numbers a payment of ``A`` pays: the one named (or, when its number does not fit,
    the first not yet paid) when ``A`` is what is left on it or its amount; with the plan named, also
    2..``MAX_AT_ONCE`` consecutive installments from the first not yet paid whose rests add up to ``A``."""
    state = _state(p)
    unpaid = [(n, left, amount) for n, left, amount in state if left > 0]
    if no is not None:
        hit = [n for n, left, amount in unpaid if n == no and A in (left, amount)]
        if hit or not named:
            return hit[:1]
    if unpaid and A in (unpaid[0][1], unpaid[0][2]):
        return [unpaid[0][0]]
    if named:
        total = 0
        for k, (n, left, _) in enumerate(unpaid[:MAX_AT_ONCE]):
            total += left
            if k and total == A:
                return [u[0] for u in unpaid[:k + 1]]
    return []


def _label(p: Plan, nos: list[int]) -> str:
    regular = sum(1 for n, *_ in p.installments if n > 0)
    days = {n: d for n, d, _, _ in p.installments}
    amounts = {n: a for n, _, a, _ in p.installments}
    words = ["down payment" if n == 0 else f"installment {n}" for n in nos]
    head = words[0] if len(words) == 1 else f"{words[0]} to {nos[-1]}"
    due = ", ".join(f"due {np.datetime64(days[n], 'D')}, {amounts[n] / 100:,.2f}" for n in nos)
    return f"plan {p.plan_id} {head} of {regular} ({due})"


def plan_options(ctx, A: int, ccy: str, text: str, identified: set, payer_kinds: dict) -> list[Option]:
    """Options for the plan installments this payment may pay (see the module docstring)."""
    com = ctx.commitments
    if not com.plans:
        return []
    named = com.named_plans(text)
    candidates = [com.plans[p] for p in named]
    for c in payer_kinds:
        for p in com.by_customer.get(c, ()):
            if p not in candidates:
                candidates.append(p)
    no = installment_named(text)
    out = []
    for p in candidates:
        rows = [r for r in p.rows if ctx.ccy[r] == ccy]
        if not rows or not any(ctx.rem[r] > 0 for r in rows):
            continue
        nos = _installments_paid(p, A, no, p.plan_id in named)
        if not nos:
            continue
        allocs, rest = _oldest_first(ctx, rows, A)
        o = Option(p.customer, allocs, "installment", unapplied=rest)
        o.plan = (p.plan_id, nos[0])
        o.plan_named = p.plan_id in named
        o.flags.add("plan installment")
        if rest:
            o.flags.add("unapplied_cash")
        o.notes.append(_label(p, nos))
        if not o.plan_named:
            o.no_auto = "the remittance does not name the plan"
        elif p.customer not in identified:
            o.no_auto = "the payer is not known to be the plan's customer"
        out.append(o)
    return out


def promise_options(ctx, A: int, ccy: str, day: int, identified: set, payer_kinds: dict) -> list[Option]:
    """Options for the live promises this payment keeps (see the module docstring)."""
    com = ctx.commitments
    if not com.promises:
        return []
    out = []
    for c in payer_kinds:
        fits = [p for p in com.promises.get(c, ())
                if p.lacking == A and (not p.currency or p.currency == ccy) and p.start <= day <= p.end]
        for p in fits:
            rows = p.rows if p.invoice_ids else ctx.open_rows(c, ccy)
            rows = [r for r in rows if ctx.ccy[r] == ccy]
            allocs, rest = _oldest_first(ctx, rows, A)
            if not allocs:
                continue
            o = Option(c, allocs, "promise", unapplied=rest)
            o.promise = p.promise_id
            o.flags.add("promise")
            if rest:
                o.flags.add("unapplied_cash")
            o.notes.append(f"promise {p.promise_id}: amount equals what was promised"
                           + (f" for {', '.join(p.invoice_ids)}" if p.invoice_ids else ""))
            if c not in identified:
                o.no_auto = "the payer is not known to be the promise's customer"
            elif len(fits) > 1:
                o.no_auto = f"{len(fits)} promises of this amount"
            out.append(o)
    return out

"""The common case without the search: a remittance whose every reference names an open item of one customer,
the items coming to the payment to the cent (``named_total``), from a payer known to be that customer or not
known at all.

``named_exactly(ctx, payment, refs, payer, looked) -> list[Option] | None`` gives exactly the options
``amount_fit.fit_amount`` would give for such a payment, or None when the payment is not such a case (then
``fit_amount`` reads it).  Why they are the same, step by step through ``fit_amount``:

* no hit is on a settled item, so ``settled_named`` finds no possible duplicate;
* ``fit._ref_options`` groups the hits by customer: one customer, and one group (the strong hits alone are a
  second group only when some but not all hits are strong: not taken here); ``fit._fit_refs`` returns the one
  ``exact`` option at once when the named items' open amounts add up to the payment, whatever ``deep`` is;
* an option of kind ``exact`` explains the amount, so the one-digit neighbours are not read;
* the customer is fitted, and the payer is identified as no other customer, so no amount-only fit is tried
  (looser name matches are tried only when nothing is fitted); ``said_partial`` is only set on partial fits;
* plans and promises are read as ``fit_amount`` reads them.

What the run decides and writes for the options (``decide``, ``driver._rows``) is the same code either way.
"""
from __future__ import annotations

from .commitments import plan_options, promise_options
from .context import _Ctx
from .fit import _STRENGTH_ORDER, _STRONG
from .options import Option
from .payer_evidence import PayerEvidence
from .payment import Payment
from .ref_evidence import RefEvidence


def named_exactly(ctx: _Ctx, payment: Payment, refs: RefEvidence, payer: PayerEvidence,
                  looked: set) -> list[Option] | None:
    hits = refs.found
    if not hits or len(hits) != len(refs.open):
        return None  # nothing named, or a settled item named (a possible duplicate)
    rem, cust = ctx.rem, ctx.cust
    customer = cust[hits[0].row]
    total = 0
    strong = 0
    for h in hits:
        if cust[h.row] != customer:
            return None
        total += rem[h.row]
        strong += h.strength in _STRONG
    if total != payment.amount or 0 < strong < len(hits):
        return None
    identified = payer.identified
    if identified and (len(identified) > 1 or customer not in identified):
        return None
    looked.update(payer.kind)
    looked.add(customer)
    o = Option(customer, [(h.row, rem[h.row]) for h in hits], "exact")
    best = min(hits, key=lambda h: _STRENGTH_ORDER[h.strength])
    o.ref_strength, o.ref_via, o.n_refs = best.strength, best.via, len(hits)
    if best.strength == "typo":
        o.flags.add("typo")
    options = [o]
    if ctx.commitments:
        amount, ccy = payment.amount, payment.currency
        options += plan_options(ctx, amount, ccy, payment.remittance, identified, payer.kind)
        options += promise_options(ctx, amount, ccy, payment.day, identified, payer.kind)
    return options

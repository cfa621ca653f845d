"""Reference evidence: which invoices the remittance names, and how.

``read_refs(ctx, payment) -> RefEvidence``: every invoice (open or settled, in the payment's currency) the
remittance text or the structured creditor reference points at (``refs.RefIndex``), with the strength of
each pointer (``structured``, ``exact``, ``norm``, ``tail``, ``typo``), and of those the ones still open; and
the open invoices in other currencies it names (only said, never allocated).

``settled_named(ctx, payment, refs, payer) -> list[Option]``: the settled invoices the remittance names — a
possible duplicate payment, never automatic (issue 15 §1).  A settled invoice counts when the remittance names
it by a reference (structured, exact or normalised) and the payer is not known to be another customer, or by
a one-digit typo when the payer is known to be its customer and no open invoice is read from the same number.
One settled only by this same payment (the rest of an overpayment) does not count.

``typo_neighbours(ctx, payment, refs)``: when no option from the named invoices explains the amount, the
one-digit neighbours of what was written (a typo that hit another existing number, open or settled, or an
open invoice in another currency) whose open amount the payment pays, within tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import refs as refs_mod
from .context import _Ctx
from .options import Option
from .payer_evidence import PayerEvidence
from .payment import Payment

NAMING = ("structured", "exact", "norm", "typo")
"""Reference strengths that name one specific invoice (a bare number matching the end of an id does not)."""
STRONG = ("structured", "exact", "norm")


@dataclass
class RefEvidence:
    found: list = field(default_factory=list)
    """Every ``refs.Hit`` in the payment's currency, settled invoices included."""
    open: list = field(default_factory=list)
    """The hits on invoices with something still open."""
    elsewhere: list = field(default_factory=list)
    """The strong hits (``STRONG``) on open invoices in another currency than the payment's: never allocated,
    named in the evidence of a payment nothing else explains."""

    def customers(self, ctx: _Ctx) -> set:
        return {ctx.cust[h.row] for h in self.found}

    @classmethod
    def of(cls, ctx: _Ctx, found: list, elsewhere: list = ()) -> "RefEvidence":
        """The evidence of these hits with what is open now (a later pass reads the same hits again)."""
        return cls(found, [h for h in found if ctx.rem[h.row] != 0], [h for h in elsewhere if ctx.rem[h.row] != 0])


def read_refs(ctx: _Ctx, payment: Payment) -> RefEvidence:
    hits = ctx.index.find(payment.remittance, payment.creditor_reference)
    found = [h for h in hits if ctx.ccy[h.row] == payment.currency]
    elsewhere = [h for h in hits if ctx.ccy[h.row] != payment.currency and h.strength in STRONG] \
        if len(found) < len(hits) else []
    return RefEvidence.of(ctx, found, elsewhere)


def typo_neighbours(ctx: _Ctx, payment: Payment, refs: RefEvidence) -> list:
    """``refs.Hit`` (strength ``typo``) on the one-digit neighbours of strong references (to open or settled
    invoices, or to open invoices in another currency: ``RefEvidence.elsewhere``) whose open amount the payment
    settles exactly or within tolerance, each with the row of the invoice actually written
    (``(hit, written_row)``)."""
    seen = {h.row for h in refs.found}
    near = []
    amount, ccy = payment.amount, payment.currency
    tol_abs = ctx.tol_abs(ccy)
    for h in refs.found + refs.elsewhere:
        if h.strength not in STRONG:
            continue
        for r in ctx.index.typo(refs_mod.digit_core(h.via)):
            if r in seen or ctx.ccy[r] != ccy:
                continue
            gap = ctx.rem[r] - amount  # within tolerance: bank charges, else the discount earned (the larger)
            if 0 <= gap and (gap <= tol_abs or gap <= ctx.tolerance(ccy, [r], payment.day)):
                seen.add(r)
                near.append((refs_mod.Hit(r, "typo", h.via), h.row))
    return near


def _settlers(ctx: _Ctx, row: int) -> str:
    by = ctx.settled_by.get(row)
    if not by:
        return "an earlier payment not on record here"
    return ", ".join(f"payment {p}" + (f" of {d}" if d else "") for p, d in by)


def settled_named(ctx: _Ctx, payment: Payment, refs: RefEvidence, payer: PayerEvidence) -> list[Option]:
    open_via = {h.via for h in refs.open}
    identified = payer.identified
    out = []
    for h in refs.found:
        r = h.row
        if ctx.rem[r] != 0 or h.strength not in NAMING:
            continue
        if identified and ctx.cust[r] not in identified:
            continue  # another customer's invoice: a typo or a third party, read as before
        if h.strength == "typo" and (h.via in open_via or ctx.cust[r] not in identified):
            continue
        if ctx.amount[r] < 0:
            continue  # a credit note used up
        by = ctx.settled_by.get(r)
        if by and all(p == payment.payment_id for p, _ in by):
            continue
        o = Option(ctx.cust[r], [(r, 0)], "duplicate", ref_strength=h.strength, ref_via=h.via, n_refs=1)
        o.no_auto = "possible duplicate"
        o.notes.append(f"{ctx.ids[r]} already settled by {_settlers(ctx, r)}")
        o.same_amount = ctx.amount[r] == payment.amount
        if h.strength == "typo":
            o.flags.add("typo")
        out.append(o)
    return out

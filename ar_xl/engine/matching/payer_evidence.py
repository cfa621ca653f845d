"""Payer evidence: which customers the payment comes from, and how sure that is.

``read_payer(ctx, payment) -> PayerEvidence``.  An IBAN known for a customer (``customers.iban`` or learned)
is the strongest evidence; without one, a fuzzy name match (``payer.PayerIndex``) scored by closeness
(``name97`` … ``name80``).  The customers the payer is *identified* as (the IBAN's, else the names within
two points of the best at 93 or more) make any option at another customer a conflict.

A third party declared in ``Customers.pays_for`` (a parent company for its subsidiaries, a factoring company
for its clients) passes its evidence on: when the payer is P and P pays for X, X counts as a payer too, of
the same kind but ``third:`` (scored ``THIRD_PARTY_DISCOUNT`` lower, so an amount-only fit at one of many
clients is not applied on the third party's account alone), and X is identified whenever P is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .context import _Ctx
from .payment import Payment

IDENTIFIED_NAME_SCORE = 93
"""A name match at least this close (and within two points of the best) identifies the payer."""


def name_kind(score: float) -> str:
    if score >= 97:
        return "name97"
    if score >= 93:
        return "name93"
    if score >= 88:
        return "name88"
    return "name80"


@dataclass
class PayerEvidence:
    kind: dict = field(default_factory=dict)
    """Customer -> how the payer points at it: ``iban``, ``name97`` … ``name80``, or ``third:<kind>`` for a
    customer the payer pays for (``pays_for``)."""
    note: dict = field(default_factory=dict)
    """Customer -> the words of that evidence."""
    identified: set = field(default_factory=set)
    """The customers the payer is known to be (or to pay for); an option elsewhere is a conflict."""
    by_iban: bool = False

    def one(self) -> str:
        """The single customer identified, or ''."""
        return next(iter(self.identified)) if len(self.identified) == 1 else ""


def read_payer(ctx: _Ctx, payment: Payment) -> PayerEvidence:
    """The evidence of the payment's IBAN and name: one object per (IBAN, name) in a run, shared by the payments
    that come with both (nothing changes it once read)."""
    key = (payment.payer_iban, payment.payer_name)
    ev = ctx.payer_seen.get(key)
    if ev is None:
        ev = ctx.payer_seen[key] = _read_payer(ctx, payment)
    return ev


def _read_payer(ctx: _Ctx, payment: Payment) -> PayerEvidence:
    ev = PayerEvidence()
    by_iban = ctx.payers.by_account(payment.payer_iban)
    name_hits = [] if by_iban else ctx.payers.by_name(payment.payer_name)
    for c in by_iban:
        ev.kind[c] = "iban"
        ev.note[c] = "IBAN known" + (f" (shared by {len(by_iban)} customers)" if len(by_iban) > 1 else "")
    for m in name_hits:
        if m.customer_id not in ev.kind:
            ev.kind[m.customer_id] = name_kind(m.score)
            how = {"alias": "alias", "cut": "cut name", "short": "first words of name"}.get(m.how, "name")
            ev.note[m.customer_id] = f"{how} '{payment.payer_name}' ~ '{m.name}' ({m.score:.0f})"
    if by_iban:
        ev.by_iban = True
        ev.identified = set(by_iban)
    else:
        top = name_hits[0].score if name_hits else 0
        ev.identified = {m.customer_id for m in name_hits if m.score >= IDENTIFIED_NAME_SCORE and m.score >= top - 2}
    if ctx.pays_for:
        _third_parties(ctx, ev)
    return ev


def _third_parties(ctx: _Ctx, ev: PayerEvidence) -> None:
    """The customers the payer pays for (``Customers.pays_for``) get its evidence, one step removed."""
    for payer in sorted(ev.kind):
        kind = ev.kind[payer]
        if kind.startswith("third:"):
            continue
        for c in ctx.pays_for.get(payer, ()):
            if c in ev.kind:
                continue
            ev.kind[c] = "third:" + kind
            ev.note[c] = f"{ev.note[payer]}: {payer} {ctx.payers.display.get(payer, '')} pays for {c} (pays_for)"
            if payer in ev.identified:
                ev.identified.add(c)

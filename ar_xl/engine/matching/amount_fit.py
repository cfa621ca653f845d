"""Amount fit: the allocations (``Option``) that could explain a payment's amount, given its reference and
payer evidence.

``fit_amount(ctx, payment, refs, payer, looked) -> list[Option]``:

* the named open invoices fitted to the amount (``fit._ref_options``: exact, within tolerance, an unearned
  discount, a set, partial, over); a bare number that is the payer's own customer number is no reference
  (``_own_number``);
* when none of those explains the amount, the one-digit neighbours of what was written, each on its own
  (``ref_evidence.typo_neighbours``; for review only when what was written is an invoice in another
  currency);
* amount-only fits at the customers the payer is (IBAN, a close name, or a customer it pays for), and at
  looser name matches only while nothing else explains the payment (``fit._fit_payer``);
* plan installments and promises (``commitments``), and the settled invoices the remittance names
  (``ref_evidence.settled_named``: possible duplicates);
* with no reference and no payer, the open invoices of exactly that amount (never automatic).

``looked`` collects the customers whose items were weighed, so the run knows when a later automatic
allocation may change what this payment finds.
"""
from __future__ import annotations

import re

from .commitments import plan_options, promise_options
from .context import _Ctx
from .fit import FITS, _fit_payer, _ref_options
from .options import Option, customer_number
from .subset_sum import MAX_CHANCE
from .payer_evidence import PayerEvidence
from .payment import Payment
from .ref_evidence import RefEvidence, settled_named, typo_neighbours

FITS_OR_UNEARNED = FITS + ("unearned",)
AMOUNT_ONLY_SUGGESTIONS = 4
"""Open invoices of exactly the amount offered when neither a reference nor the payer points anywhere."""

PARTIAL_WORDS = re.compile(
    r"teilzahlung|teilbetrag|abschlag|anzahlung|a[ -]?conto|acompte|partiel|deelbetaling|gedeeltelijk|"
    r"part[ -]?payment|partial|instal+ment|on account|\btermijn\b", re.IGNORECASE)
"""Words saying a payment is a part of the invoice it names."""
DEDUCTION_WORDS = re.compile(
    r"skonto|abzgl|abz[uü]glich|korting|escompte|discount|minus|\bless\b|moins|retenue|einbehalt|\d\s?%|\./\.",
    re.IGNORECASE)
"""Words saying the payer deducted something from the invoice it names (a discount, a claim)."""


def fit_amount(ctx: _Ctx, payment: Payment, refs: RefEvidence, payer: PayerEvidence, looked: set) -> list[Option]:
    amount, ccy, day = payment.amount, payment.currency, payment.day
    looked.update(payer.kind)
    looked.update(refs.customers(ctx))
    duplicates = settled_named(ctx, payment, refs, payer)
    said_partial = bool(PARTIAL_WORDS.search(payment.remittance)) if payment.remittance else False
    said_deduction = bool(DEDUCTION_WORDS.search(payment.remittance)) if payment.remittance else False
    said_short = said_partial or said_deduction
    named = [h for h in refs.open if not _own_number(ctx, h, payer)]
    options = _ref_options(ctx, named, ccy, amount, day, payer.kind, said_deduction=said_deduction)
    fits = [o for o in options if o.amount_kind in FITS_OR_UNEARNED]
    # the named items fit only with unnamed ones that may add up by coincidence: a neighbour of what was
    # written that fits on its own is offered for review too (never weighed for the automatic decision)
    crowded = bool(fits) and all(o.amount_kind == "subset" and o.chance >= MAX_CHANCE for o in fits)
    beside = []  # neighbours of an invoice in another currency (perhaps paid converted): for review only
    if (refs.found or refs.elsewhere) and (not fits or crowded):
        for hit, written in typo_neighbours(ctx, payment, refs):  # each on its own: the one invoice that was meant
            looked.add(ctx.cust[hit.row])
            for o in _ref_options(ctx, [hit], ccy, amount, day, (), quick=True, said_deduction=said_deduction):
                if o.amount_kind in ("exact", "tolerance") and len(o.allocs) == 1:
                    # the number written is the customer's own but its amount does not fit, this one's to the
                    # cent, and the remittance says nothing of paying less: a typo
                    o.typo_fits = ctx.cust[written] == o.customer and o.amount_kind == "exact" and not said_short
                    other_currency = ctx.ccy[written] != ccy
                    o.review_only = crowded or other_currency
                    (beside if other_currency else options).append(o)
    fitted = {o.customer for o in options if o.amount_kind in FITS_OR_UNEARNED}
    referenced = {o.customer for o in options} | {o.customer for o in duplicates}
    # amount-only fits: for the customers the payer is (IBAN, a close name, one it pays for); for looser
    # name matches only while nothing else explains the payment
    tries = [c for c in payer.kind if c in payer.identified]
    if not fitted:
        tries += [c for c in payer.kind if c not in payer.identified and not payer.kind[c].endswith("name80")][:3]
    for c in tries:
        if c in fitted:
            continue
        for o in _fit_payer(ctx, c, ccy, amount, day, sets=c not in referenced, review=not fitted):
            o.ignores_ref = c in referenced
            options.append(o)
    options += beside
    for o in options:
        o.said_partial = said_partial and o.amount_kind == "partial" and bool(o.ref_strength)
    if ctx.commitments:
        options += plan_options(ctx, amount, ccy, payment.remittance, payer.identified, payer.kind)
        options += promise_options(ctx, amount, ccy, day, payer.identified, payer.kind)
    options += duplicates
    if not options and not payer.identified:
        # the amount alone: never automatic (only what is still open: an invoice an earlier payment settled
        # makes room for the next one, as on a re-run)
        same = ctx.by_amount.get((ccy, amount), ())
        looked.update(ctx.cust[r] for r in same)
        for r in [r for r in same if ctx.rem[r] == amount][:AMOUNT_ONLY_SUGGESTIONS]:
            options.append(Option(ctx.cust[r], [(r, amount)], "exact"))
    return options


def _own_number(ctx: _Ctx, hit, payer: PayerEvidence) -> bool:
    """Whether a hit is the customer's own number ("klantnr 11192", "Kd-Nr. 11192" from customer C11192, the
    payer known to be it) read as the end of one of its invoice ids (2026-011192) by chance: no reference to
    that invoice, so the customer's items are searched by amount as for a payment without one."""
    c = ctx.cust[hit.row]
    return hit.strength == "tail" and c in payer.identified and customer_number(hit.via, c)

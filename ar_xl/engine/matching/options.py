"""A candidate allocation of one payment (``Option``): the customer, the (row, applied cents) pairs and the
evidence that led to it (reference strength, payer, kind of amount fit), filled in step by step by the
fitting and scoring modules.  Two options with the same customer and rows are the same allocation
(``Option.key``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import _Ctx

def _digits(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit())


def customer_number(via: str, customer: str) -> bool:
    """Whether a bare number written in a remittance is the customer's own number ("klantnr 11192", "Kd-Nr. 11192"
    for C11192), leading zeros aside: no reference to an invoice whose id merely ends in it."""
    return _digits(via).lstrip("0") == _digits(customer).lstrip("0")


def _referenced_id(ctx: "_Ctx", o: "Option") -> str:
    """The invoice id, as the company writes it, that the remittance reference points at."""
    ids = [ctx.ids[r] for r, _ in o.allocs]
    via = _digits(o.ref_via)
    for i in ids:
        if via and _digits(i).lstrip("0").endswith(via.lstrip("0")):
            return i
    return ids[0] if ids else str(o.ref_via)


@dataclass
class Option:
    customer: str
    allocs: list  # [(row, applied)]
    amount_kind: str
    unapplied: int = 0
    write_off: int = 0
    ref_strength: str = ""
    ref_via: str = ""
    n_refs: int = 0
    unique: bool = False
    chance: float = 0.0
    ignores_ref: bool = False
    """An amount-only fit at a customer whose other invoices the remittance names."""
    said_partial: bool = False
    """The remittance says it is a partial payment of the referenced invoice."""
    no_auto: str = ""
    """Why this allocation may only be suggested, never applied automatically ('' when it may be)."""
    plan: tuple | None = None
    """(plan_id, installment number) of a plan installment this payment pays."""
    plan_named: bool = False
    """The remittance names the plan."""
    promise: str = ""
    """The promise this payment keeps."""
    payer_kind: str = ""
    payer_note: str = ""
    conflict: bool = False
    same_amount: bool = True
    """(a possible duplicate) The settled invoice was for the amount of this payment."""
    tail_at_payer: bool = False
    """The reference is a bare number ending an id of the customer the payer is known to be."""
    partly_named: bool = False
    """Items the remittance names plus others it does not that come to the named total again (paid twice?):
    never automatic, ranked below "overpaid"."""
    typo_fits: bool = False
    """A one-digit neighbour of a number the remittance names at the same customer, whose amount fits where
    the named invoice's does not."""
    discount_earned: int = 0
    """(``tolerance`` beyond bank charges) The early-payment discount the terms allowed at the value date."""
    searched_of: int = 0
    """(``fifo``) The customer's open items, when they were too many for every set of them to be tried."""
    review_only: bool = False
    """Found only to rank the suggestions a person reviews (``fit._review_fits``): never weighed for the
    automatic decision, nor counted as a rival to it."""
    in_language: str = ""
    """(suggestions only) The remittance is written in this customer's language and another customer considered
    for review is not of that language (``language``): ranks it first among equals; never weighed for the
    decision."""
    score: float = 0.0
    flags: set = field(default_factory=set)
    notes: list = field(default_factory=list)

    def key(self):
        return (self.customer, tuple(sorted(r for r, _ in self.allocs)))

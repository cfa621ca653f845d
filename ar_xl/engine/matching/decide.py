"""The decision step: the payer evidence is set on every option, each is scored (``score._score``), the
same allocation found twice is kept once (best score), and the best is applied **auto**matically only when
it reaches the threshold, the payer is not known to be another customer (``conflict``), no other option
comes within ``AMBIGUITY_MARGIN``, no strong reference with a fitting amount points to another customer,
and nothing holds it back (a possible duplicate, an unearned discount, a plan not named …); otherwise the
best ``MAX_SUGGESTIONS`` are **suggested**.

``decide(ctx, options, payer, threshold, remittance) -> Decision`` (the remittance's words order the suggestions
only: ``language``); the evidence text of a chosen option is built from
the parts that fired (``score._evidence``) plus the reasons the decision gives (``Decision.reasons``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .context import _Ctx
from .fit import FITS, PAYMENT_RUN_DAYS, _due_spread
from .language import language_of
from .options import Option, customer_number
from .payer_evidence import PayerEvidence
from .ref_evidence import STRONG
from .score import _score
from .subset_sum import MAX_CHANCE

MAX_SUGGESTIONS = 3
AMBIGUITY_MARGIN = 0.15
REVIEW = {
    "fifo": -0.25,           # "no amount fit; oldest items first" below anything that explains the amount
    "named_elsewhere": 0.35, # a strong reference with a fitting amount at a customer the payer is not known to be
    "crowded_rest": -0.10,   # named items plus unnamed ones that may add up by coincidence: after "overpaid"
    "odd_charge": -0.20,     # an item found by amount alone, short by an odd sum (no bank's fee): after exact sets
    "said_partial": 0.15,    # "Teilzahlung Rechnung X": part of X, before X made up to the amount by unnamed items
}
"""How the ranking of suggestions for a person departs from the score (``_review_key``); the automatic decision
and the confidence shown stay the score's."""


@dataclass
class Decision:
    decision: str
    """``auto`` or ``suggested``."""
    chosen: list
    """The options written: the one applied, or the suggestions in rank order."""
    rivals: int = 0
    """Other options within ``AMBIGUITY_MARGIN`` of the best (0 when none)."""
    elsewhere: bool = False
    """A strong reference with a fitting amount points to another customer."""
    duplicates: list = field(default_factory=list)
    """The possible-duplicate options (settled invoices the remittance names)."""
    sets: int = 0
    """When the best option and every rival are sets of the same customer's items adding up to the payment
    without a reference: how many such sets came that close (the best one included), else 0."""

    @property
    def auto(self) -> bool:
        return self.decision == "auto"

    def reasons(self, rank: int, option: Option) -> list[str]:
        """What the decision adds to the evidence of the option at ``rank``."""
        out = []
        if not self.auto and rank == 1:
            if self.sets and option.amount_kind == "subset":
                out.append(f"one of {self.sets} sets of the payer's open items that add up to the payment")
            elif self.rivals:
                out.append(f"{self.rivals} other fit(s) too close")
            elif self.elsewhere:
                out.append("a reference points to another customer")
        if self.duplicates and option.amount_kind != "duplicate":
            out.append("; ".join(d.notes[0] for d in self.duplicates) + ": possible duplicate")
        return out


def decide(ctx: _Ctx, options: list[Option], payer: PayerEvidence, threshold: float,
           remittance: str = "") -> Decision:
    for o in options:
        o.in_language = ""
        o.payer_kind = payer.kind.get(o.customer, "")
        o.payer_note = payer.note.get(o.customer, "")
        if payer.identified and o.customer not in payer.identified:
            o.conflict = True
            o.flags.add("conflict")
            o.payer_note = f"payer looks like {', '.join(sorted(payer.identified))}"
        # a bare number is only the end of an id; at the customer the payer is known to be it names the invoice,
        # unless it is that customer's own number ("klantnr 11192", "Kd-Nr. 11192")
        o.tail_at_payer = (o.ref_strength == "tail" and o.customer in payer.identified
                           and not customer_number(o.ref_via, o.customer))
        o.score = _score(o)
    unique: dict = {}
    for o in options:
        if o.review_only:
            continue
        k = o.key()
        if k not in unique or o.score > unique[k].score:
            unique[k] = o
    # equal scores: the allocation whose items fall due closest together (a payment run), then the oldest
    ranked = sorted(unique.values(), key=lambda o: (-o.score, _due_spread(ctx, [r for r, _ in o.allocs]),
                                                     ctx.due[o.allocs[0][0]] if o.allocs else 0))
    duplicates = [o for o in options if o.amount_kind == "duplicate"]
    rivals, elsewhere, sets = 0, False, 0
    if ranked:  # else every option is for review only
        best = ranked[0]
        close = [o for o in ranked[1:] if o.score >= best.score - AMBIGUITY_MARGIN]
        rivals = len(close)
        if rivals and all(_unnamed_set(o, best.customer) for o in [best] + close):
            sets = rivals + 1
        elsewhere = any(o.customer != best.customer and o.ref_strength in STRONG and o.amount_kind in FITS
                        for o in ranked[1:])
        held = bool(duplicates) or bool(best.no_auto)
        if best.score >= threshold and not best.conflict and not rivals and not elsewhere and not held:
            return Decision("auto", [best], duplicates=duplicates)
    for o in options:
        k = o.key()
        # the same allocation with more evidence (a typo of what was written) takes its place
        if o.review_only and (k not in unique or o.score > unique[k].score):
            unique[k] = o
    review = list(unique.values())
    _mark_language(ctx, review, remittance)
    review.sort(key=lambda o: _review_key(ctx, o))
    return Decision("suggested", review[:MAX_SUGGESTIONS], rivals, elsewhere, duplicates, sets)


def _unnamed_set(o: Option, customer: str) -> bool:
    """A set of ``customer``'s items that adds up to the payment, found by amount alone."""
    return o.amount_kind == "subset" and not o.ref_strength and o.customer == customer and not o.unapplied


def _review_key(ctx: _Ctx, o: Option) -> tuple:
    """The order in which a person sees the suggestions (what a collector would look at first): by score,
    with ``REVIEW``'s departures from it (a fallback with no amount fit last; an invoice the remittance names
    exactly, for the amount paid, before amount-only guesses at the payer's own account; named items made up
    to the payment by unnamed ones that may be a coincidence after the named items with the rest unapplied;
    an item found by amount alone and short by an odd sum, unlike a bank's fixed fee, after exact sets; a part of
    the invoice named, when the remittance says it pays a part, before that invoice made up to the amount by
    items it does not name); among
    equals an option at a customer whose language the remittance is written in (``Option.in_language``, set by
    ``_mark_language`` only when another customer considered for review is not of that language), then a set of
    a payment run (items due within ``PAYMENT_RUN_DAYS`` of each other) before one spread wider, fewer items
    before more, a round shortfall (a bank's fixed charge) before an odd one, items due closer together, and
    the oldest first."""
    s = o.score
    if o.amount_kind == "fifo":
        s += REVIEW["fifo"]
    if o.conflict and o.ref_strength in STRONG and o.amount_kind in FITS:
        s += REVIEW["named_elsewhere"]
    if o.amount_kind == "subset" and o.ref_strength and o.chance >= MAX_CHANCE:
        s += REVIEW["crowded_rest"]
    if o.amount_kind == "tolerance" and not o.ref_strength and not _round_charge(o) and "discount" not in o.flags:
        s += REVIEW["odd_charge"]
    if o.said_partial:
        s += REVIEW["said_partial"]
    rows = [r for r, _ in o.allocs]
    spread = _due_spread(ctx, rows)
    oldest = min((ctx.due[r] for r in rows), default=0)
    wide = o.amount_kind == "subset" and not o.ref_strength and spread > PAYMENT_RUN_DAYS
    return (-round(s, 6), not o.in_language, wide, len(rows) if o.amount_kind == "subset" else 0,
            -_round_charge(o), spread, oldest)


def _mark_language(ctx: _Ctx, review: list[Option], remittance: str) -> None:
    """Sets ``Option.in_language`` on the suggestions at a customer whose ``Customers.language`` the remittance's
    words are in (``language.language_of``), when another customer considered for review is not of that language
    (unknown counts as not): evidence for the order of the suggestions only."""
    langs = {ctx.language.get(o.customer, "") for o in review}
    if len(langs) < 2:
        return
    lang = language_of(remittance)
    if lang and lang in langs:
        for o in review:
            if ctx.language.get(o.customer) == lang:
                o.in_language = lang


def _round_charge(o: Option) -> int:
    """How round a shortfall written off as bank charges is (banks charge fixed fees: 5.00, 2.50, 0.75):
    3 whole units, 2 quarters, 1 multiples of 0.05, 0 otherwise (and for anything but bank charges)."""
    if o.amount_kind != "tolerance" or "discount" in o.flags or o.write_off <= 0:
        return 0
    w = o.write_off
    return 3 if w % 100 == 0 else 2 if w % 25 == 0 else 1 if w % 5 == 0 else 0

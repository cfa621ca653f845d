"""The decision step: the payer evidence is set on every option, each is scored (``score._score``), the
same allocation found twice is kept once (best score), and the best is applied **auto**matically only when
it reaches the threshold, the payer is not known to be another customer (``conflict``), no other option
comes within ``AMBIGUITY_MARGIN``, no strong reference with a fitting amount points to another customer,
and nothing holds it back (a possible duplicate, an unearned discount, a plan not named …); otherwise the
best ``MAX_SUGGESTIONS`` are **suggested**.

``decide(ctx, options, payer, threshold) -> Decision``; the evidence text of a chosen option is built from
the parts that fired (``score._evidence``) plus the reasons the decision gives (``Decision.reasons``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .context import _Ctx
from .fit import FITS, _due_spread
from .options import Option, _digits
from .payer_evidence import PayerEvidence
from .ref_evidence import STRONG
from .score import _score

MAX_SUGGESTIONS = 3
AMBIGUITY_MARGIN = 0.15


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

    @property
    def auto(self) -> bool:
        return self.decision == "auto"

    def reasons(self, rank: int, option: Option) -> list[str]:
        """What the decision adds to the evidence of the option at ``rank``."""
        out = []
        if not self.auto and rank == 1:
            if self.rivals:
                out.append(f"{self.rivals} other fit(s) too close")
            elif self.elsewhere:
                out.append("a reference points to another customer")
        if self.duplicates and option.amount_kind != "duplicate":
            out.append("; ".join(d.notes[0] for d in self.duplicates) + ": possible duplicate")
        return out


def decide(ctx: _Ctx, options: list[Option], payer: PayerEvidence, threshold: float) -> Decision:
    for o in options:
        o.payer_kind = payer.kind.get(o.customer, "")
        o.payer_note = payer.note.get(o.customer, "")
        if payer.identified and o.customer not in payer.identified:
            o.conflict = True
            o.flags.add("conflict")
            o.payer_note = f"payer looks like {', '.join(sorted(payer.identified))}"
        # a bare number is only the end of an id; at the customer the payer is known to be it names the invoice,
        # unless it is that customer's own number ("klantnr 11192", "Kd-Nr. 11192")
        o.tail_at_payer = (o.ref_strength == "tail" and o.customer in payer.identified
                           and _digits(o.ref_via).lstrip("0") != _digits(o.customer).lstrip("0"))
        o.score = _score(o)
    unique: dict = {}
    for o in options:
        k = o.key()
        if k not in unique or o.score > unique[k].score:
            unique[k] = o
    # equal scores: the allocation whose items fall due closest together (a payment run), then the oldest
    ranked = sorted(unique.values(), key=lambda o: (-o.score, _due_spread(ctx, [r for r, _ in o.allocs]),
                                                     ctx.due[o.allocs[0][0]] if o.allocs else 0))
    best = ranked[0]
    rivals = sum(1 for o in ranked[1:] if o.score >= best.score - AMBIGUITY_MARGIN)
    elsewhere = any(o.customer != best.customer and o.ref_strength in STRONG and o.amount_kind in FITS
                    for o in ranked[1:])
    duplicates = [o for o in options if o.amount_kind == "duplicate"]
    held = bool(duplicates) or bool(best.no_auto)
    if best.score >= threshold and not best.conflict and not rivals and not elsewhere and not held:
        return Decision("auto", [best], duplicates=duplicates)
    return Decision("suggested", ranked[:MAX_SUGGESTIONS], rivals, elsewhere, duplicates)

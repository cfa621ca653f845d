"""Scoring an option from its evidence: the sum of its ``SCORES`` (reference strength, payer, kind of
amount fit, and the penalties for a conflicting payer, a crowded set or an ignored reference), the
evidence text a person reads beside it and the short rule name (``ref+amount``, ``iban+subset``,
``amount-only`` …).
"""
from __future__ import annotations

from ...money import fmt
from .context import _Ctx
from .options import Option, _referenced_id
from .subset_sum import MAX_CHANCE

SCORES = {
    # reference strength (best referenced item used by the allocation)
    "ref:structured": 0.60, "ref:exact": 0.55, "ref:norm": 0.50, "ref:tail": 0.30, "ref:typo": 0.30,
    "ref:typo_fits": 0.15,          # a neighbour of the customer's named invoice fits the amount it does not
    "ref:tail_payer": 0.10,         # … a bare number at the customer the payer is known to be
    "ref:partly_named": -0.25,      # named items + unnamed ones of the same total (paid twice?)
    "ref:several": 0.10,            # two or more references agree with the amount
    "ref:ignored": -0.10,           # an amount-only fit at a customer whose other items are referenced
    # payer
    "payer:iban": 0.40, "payer:name97": 0.40, "payer:name93": 0.35, "payer:name88": 0.25, "payer:name80": 0.12,
    "payer:conflict": -0.45,        # the payer is known to be another customer
    "payer:third_party": -0.05,     # the payer pays for this customer (Customers.pays_for): one step removed
    # amount
    "amount:exact": 0.35, "amount:tolerance": 0.35, "amount:subset": 0.35,
    "amount:over": 0.15, "amount:partial": 0.05, "amount:fifo": 0.0,
    "amount:unearned": 0.30,        # short by no more than the terms' discount, paid late (never automatic)
    "amount:duplicate": 0.30,       # the remittance names an invoice already settled (never automatic)
    "amount:duplicate_other": 0.10, # … for another amount than this payment (a typo is likelier)
    "amount:unique": 0.15,          # the only fit among the customer's open items (no reference)
    "amount:said_partial": 0.20,    # "Teilzahlung", "acompte", "part payment" … next to the reference
    "amount:crowded": -0.15,        # a set found among so many items that it may be a coincidence
    "amount:installment": 0.35,     # the amount due on a plan installment (commitments.plan_options)
    "amount:promise": 0.35,         # what a live promise of the payer still lacks, in its window
    "plan:named": 0.55,             # the remittance names the plan (P-000001)
    "promise:window": 0.30,         # the payment keeps a promise the collector logged
}


_STRENGTH_WORD = {
    "structured": "structured ref {v} valid",
    "exact": "ref {inv} exact",
    "norm": "ref {v} = {inv} (separators/zeros/prefix differ)",
    "tail": "number {v} = end of {inv}",
    "typo": "ref {v} one digit off {inv}",
}


def _payer_score(kind: str) -> float:
    """``iban``, ``name97`` …; ``third:<kind>`` for a customer the payer pays for (``pays_for``)."""
    if not kind:
        return 0.0
    if kind.startswith("third:"):
        return SCORES.get("payer:" + kind[6:], 0.0) + SCORES["payer:third_party"]
    return SCORES.get("payer:" + kind, 0.0)


def _score(o: Option) -> float:
    s = 0.0
    if o.ref_strength:
        s += SCORES["ref:" + o.ref_strength]
        if o.n_refs >= 2 and o.amount_kind in ("exact", "tolerance"):
            s += SCORES["ref:several"]
    s += _payer_score(o.payer_kind)
    if o.conflict:
        s += SCORES["payer:conflict"]
    if o.amount_kind == "duplicate" and not o.same_amount:
        s += SCORES["amount:duplicate_other"]
    else:
        s += SCORES["amount:" + o.amount_kind]
    if o.typo_fits:
        s += SCORES["ref:typo_fits"]
    if o.partly_named:
        s += SCORES["ref:partly_named"]
    if o.tail_at_payer:
        s += SCORES["ref:tail_payer"]
    if o.unique and not o.ref_strength:
        s += SCORES["amount:unique"]
    if o.amount_kind == "subset" and o.chance >= MAX_CHANCE:
        s += SCORES["amount:crowded"]
    if o.ignores_ref:
        s += SCORES["ref:ignored"]
    if o.said_partial:
        s += SCORES["amount:said_partial"]
    if o.plan_named:
        s += SCORES["plan:named"]
    if o.promise:
        s += SCORES["promise:window"]
    return round(s, 6)


def _evidence(ctx: _Ctx, o: Option, paid: int, ccy: str) -> str:
    parts = []
    if o.ref_strength:
        parts.append(_STRENGTH_WORD[o.ref_strength].format(v=o.ref_via, inv=_referenced_id(ctx, o)))
        if o.n_refs >= 2:
            parts[-1] += f" (+{o.n_refs - 1} more)"
    if o.payer_note:
        parts.append(o.payer_note)
    k = o.amount_kind
    n = len(o.allocs)
    if k == "exact":
        parts.append("amount exact" + (f" (sum of {n} items)" if n > 1 else "") + (", the only open item of that amount" if o.unique and not o.ref_strength else ""))
    elif k == "subset" and n == 1:  # one of several items the remittance names
        parts.append("amount exact for one of the items named")
    elif k == "subset":
        parts.append(f"amount = sum of {n} open items" + (" (only such set)" if o.unique else ""))
    elif k == "tolerance":
        rows = [r for r, _ in o.allocs if ctx.rem[r] > 0]
        if "discount" in o.flags and not ctx.is_discount(rows, o.write_off):
            # less than the discount at any of the terms' rates (bank charges?): written off all the same, as
            # the customer could have deducted that much
            parts.append(f"{fmt(o.write_off)} {ccy} short: within the early-payment discount earned "
                         f"({_terms(ctx, o)}: up to {fmt(o.discount_earned)})")
        elif "discount" in o.flags:
            parts.append(f"{fmt(o.write_off)} {ccy} short: early-payment discount earned ({_terms(ctx, o)})")
        else:
            parts.append(f"{fmt(o.write_off)} {ccy} short: within tolerance (bank charges)")
    elif k == "unearned":
        gap = sum(ctx.rem[r] - a for r, a in o.allocs if ctx.rem[r] > 0)
        parts.append(f"{fmt(gap)} {ccy} short: a discount deducted after the discount period ({_terms(ctx, o)}); "
                     f"short pay, proposed dispute: unearned discount")
    elif k == "duplicate":
        parts.append(f"{o.notes[0]}: possible duplicate payment (refund it or keep it as credit)")
    elif k == "partial":
        gap = sum(ctx.rem[r] - a for r, a in o.allocs if ctx.rem[r] > 0)
        parts.append(f"partial payment: {fmt(gap)} {ccy} stays open (short pay)")
    elif k == "over":
        parts.append(f"overpaid: {fmt(o.unapplied)} {ccy} left as unapplied cash")
    elif k == "installment":
        parts.insert(0, o.notes[0] + (": plan named in the remittance" if o.plan_named else ""))
        parts.append("amount equals the installment due; the rest of the plan stays open")
        if o.unapplied:
            parts.append(f"{fmt(o.unapplied)} {ccy} beyond the plan's open invoices left as unapplied cash")
    elif k == "promise":
        parts.append(o.notes[0] + "; counts towards the promise")
        if o.unapplied:
            parts.append(f"{fmt(o.unapplied)} {ccy} beyond the open invoices left as unapplied cash")
    elif k == "fifo":
        if o.searched_of:
            parts.append(f"no amount fit found among {o.searched_of} open items (too many to try every set); "
                         f"oldest items first")
        else:
            parts.append("no amount fit; oldest items first")
    if "credit_note" in o.flags:
        parts.append("credit note netted")
    if o.in_language:
        parts.append(f"remittance in the customer's language ({o.in_language})")
    if o.conflict:
        parts.append("CONFLICT: payer is another customer")
    return "; ".join(parts)


def _terms(ctx: _Ctx, o: Option) -> str:
    """The discount terms of the option's invoices, in words."""
    rows = [r for r, _ in o.allocs if ctx.rem[r] > 0]
    return ctx.terms_of(ctx.cust[rows[0]]).describe() if rows else ""


def _rule(o: Option) -> str:
    if o.plan_named:
        head = "plan"
    elif o.ref_strength:
        head = "ref"
    elif o.payer_kind.startswith("third:"):
        head = "third"
    elif o.payer_kind == "iban":
        head = "iban"
    elif o.payer_kind:
        head = "name"
    else:
        head = "amount"
    tail = {"exact": "amount", "tolerance": "tolerance", "subset": "subset", "unearned": "unearned",
            "duplicate": "duplicate", "over": "over", "partial": "partial", "fifo": "oldest",
            "installment": "installment", "promise": "promise"}[o.amount_kind]
    if head == "amount":
        return "amount-only" if tail == "amount" else f"amount+{tail}"
    return f"{head}+{tail}"

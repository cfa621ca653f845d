"""The matching run: payments in value-date order, each read for its evidence (``ref_evidence.read_refs``,
``payer_evidence.read_payer``), fitted (``amount_fit.fit_amount``) and decided (``decide.decide``: ``auto``,
else ``suggested`` ranks 1..``MAX_SUGGESTIONS``), else ``unmatched``; then written as allocation rows in
``COLUMNS``.  An automatic allocation lowers the open amounts later payments see, and one that settles an
invoice is remembered as its payment; suggestions consume nothing.  The cyclic garbage collector pauses
for the run (it only slows down a run that makes and drops some hundred thousand small objects).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from ... import gc_pause, progress
from ...config import Config
from ...frames import text
from ...money import fmt
from .. import handover as handover_engine
from ..payer import normalise_name
from .amount_fit import fit_amount
from .commitments import Commitments
from .context import NO_DAY, _Ctx
from .decide import Decision, decide
from .options import Option
from .payer_evidence import read_payer
from .payment import Payment
from .quick import named_exactly
from .ref_evidence import RefEvidence, read_refs
from .score import _evidence, _rule

COLUMNS = ["payment_id", "invoice_id", "customer_id", "currency", "applied_amount", "confidence", "decision",
           "rank", "rule", "evidence", "short_pay", "write_off", "flags", "open_amount", "difference"]
"""Output columns.  Money columns are int64 cents; ``rank`` is Int64 (1 for auto, 1..n for suggested, NA for unmatched).
``open_amount`` is what was open on the invoice when the payment was read (0 on a row without invoice);
``difference`` the payment less the open amounts of the proposal's invoices (the same on every row of one
proposal: negative when paid short, positive when paid more; Int64, NA on an unmatched row)."""

MAX_PASSES = 3
"""Passes over the payments: the first in value-date order, then those left for review again while any changes."""


def match(payments: pd.DataFrame, invoices: pd.DataFrame, customers: pd.DataFrame | None = None,
          config: Config | None = None, known_ibans: dict | None = None, aliases: dict | None = None,
          paid_by: dict | None = None, plans: pd.DataFrame | None = None,
          promises: pd.DataFrame | None = None, handovers: pd.DataFrame | None = None,
          applied_less: dict | None = None) -> pd.DataFrame:
    """Allocate payments to open invoices; see the module docstring.

    ``invoices`` may hold settled invoices too (open amount zero): they are never allocated, but a
    remittance naming one is a possible duplicate.  ``paid_by``: ``{invoice_id: [(payment_id,
    value_date), …]}``, the earlier payments applied to invoices, named in the evidence of a possible
    duplicate.  ``known_ibans``: ``{iban: customer_id or [customer_id, …]}`` learned from
    earlier confirmed matches.  ``aliases``: ``{customer_id: "name;name" or
    [names]}`` learned payer names (added to ``customers.aliases``).  ``plans`` (the Plans table: one row
    per installment) and ``promises`` (the Promises table): a payment of an installment or of a promised
    amount is read as such (``commitments``).  ``handovers`` (the Handovers table): a row on an invoice handed
    over to a collection agency is flagged ``handed over`` and its evidence says to whom (the agency collects
    it; a recovery it reports is recorded on the handover, not applied again); a payment whose payer is the
    agency of a live handover is flagged ``collection agency``, never applied automatically, and its evidence says
    to record it on the handover (``engine.handover.agency_payer``); so is the rest of a payment already recorded
    on a handover (``Handovers.payments``, ``engine.handover.recorded_transfers``), its evidence saying where.
    ``applied_less``: ``{payment_id: {invoice_id: words}}``, what a person already decided: the invoices a person
    applied less of the payment to than both had (a smaller amount confirmed); the rest of the payment is never
    applied to them automatically (an allocation to one is held back like a possible duplicate: suggested, the
    words in its evidence), and elsewhere only as any payment is.
    """
    with gc_pause.paused():  # some hundred thousand small objects, freed together (``gc_pause``)
        return _match(payments, invoices, customers, config, known_ibans, aliases, paid_by, plans, promises,
                      handovers, applied_less)


def _match(payments, invoices, customers, config, known_ibans, aliases, paid_by, plans, promises,
           handovers=None, applied_less=None) -> pd.DataFrame:
    config = config or Config()
    ctx = _Ctx(invoices, customers, config, known_ibans, aliases, paid_by)
    ctx.handed_over = _handed_over(ctx, handovers)
    ctx.agencies = handover_engine.agency_payer(handovers)
    ctx.recorded = handover_engine.recorded_words(handovers)
    ctx.applied_less = _applied_less(ctx, applied_less)
    ctx.commitments = Commitments(ctx.ids, ctx.cust, plans, promises, int(config.promise_grace_days or 0))
    threshold = float(config.match_auto_threshold)
    n = len(payments)
    amounts = payments["amount"].to_numpy(dtype=np.int64)
    if "unapplied_amount" in payments:  # what a person has not applied yet
        unapplied = payments["unapplied_amount"]
        known = unapplied.notna().to_numpy()
        if known.any():
            amounts = amounts.copy()
            amounts[known] = unapplied[known].to_numpy(dtype=np.int64)

    def col(name):
        return payments[name].astype(str).tolist() if name in payments else [""] * n

    if "value_date" in payments and n:
        vd = pd.to_datetime(payments["value_date"]).to_numpy(dtype="datetime64[D]")
        missing = np.isnat(vd)
        days = np.where(missing, np.datetime64("1970-01-01"), vd).astype(np.int64)
        value_days = np.where(missing, NO_DAY, days).tolist()
        shown = [str(d) if not m else "" for d, m in zip(vd.tolist(), missing.tolist())]
    else:
        days = np.zeros(n, dtype=np.int64)
        value_days = [NO_DAY] * n
        shown = [""] * n
    todo = [Payment(*fields) for fields in zip(
        col("payment_id"), amounts.tolist(), [c.strip().upper() for c in col("currency")], col("payer_name"),
        col("payer_iban"), col("remittance"), col("creditor_reference"), value_days, shown)]
    order = np.lexsort((np.arange(n), days)).tolist() if n else []
    results: list[list[dict] | None] = [None] * n
    looked: list[set] = [set() for _ in range(n)]
    read_at = [0] * n
    for i in progress.track(order, "matching payments"):
        read_at[i] = ctx.seq
        results[i] = _one(ctx, todo[i], threshold, looked[i])
    # payments left for review are read again when a later payment settled something of a customer they
    # looked at (an invoice taken by a later payment's reference is no rival any more), until nothing
    # changes: what a re-run would find
    for _ in range(MAX_PASSES - 1):
        changed = False
        for i in order:
            res = results[i]
            if not res or res[0]["decision"] == "auto":
                continue
            if not any(ctx.changed_at.get(c, -1) > read_at[i] for c in looked[i]):
                continue
            read_at[i] = ctx.seq
            seen: set = set()
            again = _one(ctx, todo[i], threshold, seen)
            looked[i] = seen
            if again != res:
                results[i] = again
                changed = True
        if not changed:
            break
    rows = [r for res in results for r in (res or [])]
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("applied_amount", "short_pay", "write_off", "open_amount"):
        out[c] = out[c].astype(np.int64)
    out["difference"] = pd.array(out["difference"].tolist(), dtype="Int64")
    out["confidence"] = out["confidence"].astype(float)
    out["rank"] = pd.array(out["rank"].tolist(), dtype="Int64")
    for c in ("payment_id", "invoice_id", "customer_id", "currency", "decision", "rule", "evidence", "flags"):
        out[c] = out[c].astype(object)
    return out


_ROW_FLAGS = frozenset(("unapplied_cash", "short_pay", "tolerance", "credit_note"))
"""Flags each allocation row sets (or not) for itself; ``unapplied_cash`` only on the row of the rest."""
_NOT_SHORT = ("tolerance", "installment", "promise")
"""Amount kinds whose rest on an invoice is no short payment (a write-off; the rest of a plan or promise)."""


def _one(ctx: _Ctx, payment: Payment, threshold: float, looked: set | None = None) -> list[dict]:
    """One payment's allocation rows: its reference and payer evidence, the amount fits they allow, one
    decision.  ``looked`` collects the customers whose items it weighed (so the run knows when a later
    automatic allocation may change what this payment finds)."""
    ctx.seq += 1
    looked = looked if looked is not None else set()
    if payment.amount <= 0:
        return [_unmatched(payment, "not an incoming amount", rule="not-a-receipt")]
    known = ctx.evidence.get(id(payment))
    if known is None:  # what the payment says does not change between passes, only what is open
        payer, refs = read_payer(ctx, payment), read_refs(ctx, payment)
        ctx.evidence[id(payment)] = (payer, refs.found, refs.elsewhere)
    else:
        payer, found, elsewhere = known
        refs = RefEvidence.of(ctx, found, elsewhere)
    options = named_exactly(ctx, payment, refs, payer, looked)
    if options is None:
        options = fit_amount(ctx, payment, refs, payer, looked)
    less = ctx.applied_less.get(payment.payment_id)
    if less:  # a person applied less of this payment to these invoices: the rest is never applied there by itself
        for o in options:
            if not o.no_auto and any(r in less for r, _ in o.allocs):
                o.no_auto = "a person applied less of this payment to the invoice"
    agency = _agency(ctx, payment)
    if not options:
        who = payer.one()
        evidence = "no reference, payer or amount fits an open item"
        if who:
            evidence = f"payer {who} ({payer.note.get(who, '')}) has no open item in {payment.currency}"
        if refs.elsewhere:  # a customer paying a EUR invoice in GBP: a person converts and books it
            named = "; ".join(f"{ctx.ids[h.row]} ({ctx.ccy[h.row]} {fmt(ctx.rem[h.row])} open)"
                              for h in refs.elsewhere[:3])
            evidence += f"; the remittance names {named}: another currency than the payment's"
        row = _unmatched(payment, evidence, who)
        return [_from_agency(row, agency)] if agency else [row]
    if agency:  # a collection agency's transfer pays a recovery, not the invoices: never applied automatically
        threshold = float("inf")
    decision = decide(ctx, options, payer, threshold, payment.remittance)
    rows = _rows(ctx, payment, decision, threshold)
    if decision.auto:
        _apply(ctx, payment, decision.chosen[0], rows)
    return [_from_agency(r, agency) for r in rows] if agency else rows


def _agency(ctx: _Ctx, payment: Payment) -> list[str] | None:
    """The words for a payment that is a collection agency's transfer: recorded on a handover already
    (``ctx.recorded``), or from the agency of a live handover (``ctx.agencies``); None for any other payment."""
    on, recorded = ctx.recorded.get(payment.payment_id, (set(), ""))
    words = [recorded] if recorded else []
    if ctx.agencies:  # not how to record it on a handover it is recorded on
        words += [w for hid, w in ctx.agencies.get(normalise_name(payment.payer_name), ()) if hid not in on]
    return words or None


def _from_agency(row: dict, words: list[str]) -> dict:
    """A row of a collection agency's transfer (``_agency``): flagged ``collection agency``, its evidence says how
    to record it (``engine.handover.agency_payer``) or where it is recorded (``engine.handover.recorded_words``)."""
    flags = set(filter(None, row["flags"].split(";"))) | {"collection agency"}
    said = "; ".join([row["evidence"]] + words).replace(handover_engine.PAYMENT, row["payment_id"])
    return dict(row, flags=";".join(sorted(flags)), evidence=said)


def _applied_less(ctx: _Ctx, given: dict | None) -> dict[str, dict[int, str]]:
    """``applied_less`` (``{payment_id: {invoice_id: words}}``) by invoice row; invoices not read are left out."""
    if not given:
        return {}
    where = {iid: r for r, iid in enumerate(ctx.ids)}
    out: dict[str, dict[int, str]] = {}
    for pid, invoices in given.items():
        rows = {where[str(iid)]: str(words) for iid, words in invoices.items() if str(iid) in where}
        if rows:
            out[str(pid)] = rows
    return out


def _handed_over(ctx: _Ctx, handovers: pd.DataFrame | None) -> dict[int, str]:
    """Invoice row -> the words for a row on it when it is on a live handover: ``2026-0002 handed over to Incasso
    Noord B.V. (H-000001, 99.50 recovered so far): tell the agency; …``."""
    if handovers is None or not len(handovers):
        return {}
    where = {iid: r for r, iid in enumerate(ctx.ids)}
    out: dict[int, str] = {}
    got: dict[int, dict[str, int]] = {}
    for iid, k in handover_engine.live_by_invoice(handovers).items():
        r = where.get(iid)
        if r is None or r in out:
            continue
        if k not in got:
            got[k] = handover_engine.read_items(handovers, k, "recovered_items")
        hid, to = (text(handovers[c].iloc[k]) for c in ("handover_id", "to"))
        so_far = f", {fmt(got[k][iid])} recovered so far" if got[k].get(iid) else ""
        out[r] = (f"{iid} handed over to {to} ({hid}{so_far}): tell the agency; apply no remittance of a "
                  f"recovery already recorded")
    return out


def _unmatched(payment: Payment, evidence: str, customer: str = "", rule: str = "none") -> dict:
    return dict(payment_id=payment.payment_id, invoice_id="", customer_id=customer, currency=payment.currency,
                applied_amount=0, confidence=0.0, decision="unmatched", rank=None, rule=rule, evidence=evidence,
                short_pay=0, write_off=0, flags="", open_amount=0, difference=None)


def _rows(ctx: _Ctx, payment: Payment, decision: Decision, threshold: float) -> list[dict]:
    """The allocation rows of the chosen options: one per invoice, plus one for unapplied cash."""
    out = []
    suspect = bool(decision.duplicates)
    less = ctx.applied_less.get(payment.payment_id, {})
    above = 1.0  # a suggestion never shows more confidence than the one ranked above it
    for rank, o in enumerate(decision.chosen, 1):
        confidence = round(max(0.0, min(1.0, o.score)), 3)
        if not decision.auto:
            confidence = above = min(confidence, round(max(0.0, threshold - 0.01), 3), above)
        legal = [ctx.handed_over[r] for r, _ in o.allocs if r in ctx.handed_over]
        evidence = "; ".join([_evidence(ctx, o, payment.amount, payment.currency)] + decision.reasons(rank, o)
                             + legal + [less[r] for r, _ in o.allocs if r in less])
        rule = _rule(o)
        difference = payment.amount - sum(ctx.rem[r] for r, _ in o.allocs)
        # a row's flags: the option's, without those each row sets for itself
        base_flags = (set(o.flags) | ({"possible duplicate"} if suspect else set())
                      | ({"handed over"} if legal else set())) - _ROW_FLAGS
        plain_flags = ";".join(sorted(base_flags))
        common = dict(payment_id=payment.payment_id, customer_id=o.customer, currency=payment.currency,
                      confidence=confidence, decision=decision.decision, rank=rank, rule=rule, evidence=evidence,
                      difference=int(difference))
        kind = o.amount_kind
        for r, applied in o.allocs:
            open_ = ctx.rem[r]
            left = open_ - applied
            short = left if (left > 0 and kind not in _NOT_SHORT and open_ > 0) else 0
            write_off = left if (left > 0 and kind == "tolerance") else 0
            flags = plain_flags
            if short or write_off or open_ < 0:
                own = set(base_flags)
                for flag, on in (("short_pay", short), ("tolerance", write_off), ("credit_note", open_ < 0)):
                    if on:
                        own.add(flag)
                flags = ";".join(sorted(own))
            out.append(dict(common, invoice_id=ctx.ids[r], applied_amount=int(applied), short_pay=int(short),
                            write_off=int(write_off), flags=flags, open_amount=int(open_)))
        if o.unapplied:
            out.append(dict(common, invoice_id="", applied_amount=int(o.unapplied), short_pay=0, write_off=0,
                            flags="possible duplicate;unapplied_cash" if suspect else "unapplied_cash",
                            open_amount=0))
    return out


def _apply(ctx: _Ctx, payment: Payment, o: Option, rows: list[dict]) -> None:
    """An automatic allocation lowers what later payments see as open (what the write-off closes too), and one
    that settles an invoice is remembered as its payment."""
    for (r, applied), row in zip(o.allocs, rows):
        ctx.rem[r] -= applied + row["write_off"]
        ctx.changed_at[ctx.cust[r]] = ctx.seq
        if ctx.rem[r] == 0:
            ctx.settled_by.setdefault(r, []).append((payment.payment_id, payment.value_date))
    _consume_commitment(ctx, o)


def _consume_commitment(ctx: _Ctx, o: Option) -> None:
    """An automatic allocation pays the plan (its installments in due order) or the promise it names, so a
    later payment in the run sees the next installment, or the promise kept."""
    com = ctx.commitments
    applied = sum(a for r, a in o.allocs)
    if o.plan:
        com.plans[o.plan[0]].extra += applied
    for p in com.by_customer.get(o.customer, ()):
        if not o.plan and {r for r, _ in o.allocs} & set(p.rows):
            p.extra += sum(a for r, a in o.allocs if r in set(p.rows))
    if o.promise:
        for p in com.promises.get(o.customer, ()):
            if p.promise_id == o.promise:
                p.lacking -= applied + o.unapplied

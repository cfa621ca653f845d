"""The matching run: payments in value-date order, each read for payer and references, fitted, scored
and decided (``auto`` only when the best option reaches the threshold with no conflict, nothing holding it
back — a remittance naming a settled invoice (``possible duplicate``, ``_duplicates``) or an unearned
discount — and no rival within ``AMBIGUITY_MARGIN``, else ``suggested`` ranks 1..``MAX_SUGGESTIONS``, else
``unmatched``), then written as allocation rows in ``COLUMNS``.  An automatic allocation lowers the open
amounts later payments see, and one that settles an invoice is remembered as its payment; suggestions
consume nothing.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ... import progress
from ...config import Config
from .. import refs as refs_mod
from .commitments import Commitments, plan_options, promise_options
from .context import NO_DAY, _Ctx
from .fit import FITS, _fit_payer, _ref_options
from .options import Option
from .score import _evidence, _name_kind, _rule, _score

COLUMNS = ["payment_id", "invoice_id", "customer_id", "currency", "applied_amount", "confidence", "decision",
           "rank", "rule", "evidence", "short_pay", "write_off", "flags", "open_amount", "difference"]
"""Output columns.  Money columns are int64 cents; ``rank`` is Int64 (1 for auto, 1..n for suggested, NA for unmatched).
``open_amount`` is what was open on the invoice when the payment was read (0 on a row without invoice);
``difference`` the payment less the open amounts of the proposal's invoices (the same on every row of one
proposal: negative when paid short, positive when paid more; Int64, NA on an unmatched row)."""

MAX_SUGGESTIONS = 3
AMBIGUITY_MARGIN = 0.15
MAX_PASSES = 3
"""Passes over the payments: the first in value-date order, then those left for review again while any changes."""


def match(payments: pd.DataFrame, invoices: pd.DataFrame, customers: pd.DataFrame | None = None,
          config: Config | None = None, known_ibans: dict | None = None, aliases: dict | None = None,
          paid_by: dict | None = None, plans: pd.DataFrame | None = None,
          promises: pd.DataFrame | None = None) -> pd.DataFrame:
    """Allocate payments to open invoices; see the module docstring.

    ``invoices`` may hold settled invoices too (open amount zero): they are never allocated, but a
    remittance naming one is a possible duplicate.  ``paid_by``: ``{invoice_id: [(payment_id,
    value_date), …]}``, the earlier payments applied to invoices, named in the evidence of a possible
    duplicate.  ``known_ibans``: ``{iban: customer_id or [customer_id, …]}`` learned from
    earlier confirmed matches.  ``aliases``: ``{customer_id: "name;name" or
    [names]}`` learned payer names (added to ``customers.aliases``).  ``plans`` (the Plans table: one row
    per installment) and ``promises`` (the Promises table): a payment of an installment or of a promised
    amount is read as such (``commitments``).
    """
    config = config or Config()
    ctx = _Ctx(invoices, customers, config, known_ibans, aliases, paid_by)
    ctx.commitments = Commitments(ctx.ids, ctx.cust, plans, promises, int(config.promise_grace_days or 0))
    threshold = float(config.match_auto_threshold)
    n = len(payments)
    pid = payments["payment_id"].astype(str).tolist()
    amt = payments["amount"].to_numpy(dtype=np.int64)
    if "unapplied_amount" in payments:
        ua = payments["unapplied_amount"]
        mask = ua.notna().to_numpy()
        if mask.any():
            amt = amt.copy()
            amt[mask] = ua[mask].to_numpy(dtype=np.int64)

    def col(name):
        return payments[name].astype(str).tolist() if name in payments else [""] * n

    ccys = [c.strip().upper() for c in col("currency")]
    names, ibans, texts, crefs = col("payer_name"), col("payer_iban"), col("remittance"), col("creditor_reference")
    if "value_date" in payments and n:
        vd = pd.to_datetime(payments["value_date"]).to_numpy(dtype="datetime64[D]")
        missing = np.isnat(vd)
        days = np.where(missing, np.datetime64("1970-01-01"), vd).astype(np.int64)
        vdays = np.where(missing, NO_DAY, days)
        shown = [str(d) if not m else "" for d, m in zip(vd.tolist(), missing.tolist())]
    else:
        days = np.zeros(n, dtype=np.int64)
        vdays = np.full(n, NO_DAY, dtype=np.int64)
        shown = [""] * n
    order = np.lexsort((np.arange(n), days)) if n else []
    results: list[list[dict] | None] = [None] * n
    looked: list[set] = [set() for _ in range(n)]
    read_at = [0] * n
    for i in progress.track(order.tolist() if n else [], "matching payments"):
        read_at[i] = ctx.seq
        results[i] = _one(ctx, pid[i], int(amt[i]), ccys[i], names[i], ibans[i], texts[i], crefs[i], int(vdays[i]),
                          threshold, shown[i], looked[i])
    # payments left for review are read again when a later payment settled something of a customer they
    # looked at (an invoice taken by a later payment's reference is no rival any more), until nothing
    # changes: what a re-run would find
    for _ in range(MAX_PASSES - 1):
        changed = False
        for i in (order.tolist() if n else []):
            res = results[i]
            if not res or res[0]["decision"] == "auto":
                continue
            if not any(ctx.changed_at.get(c, -1) > read_at[i] for c in looked[i]):
                continue
            read_at[i] = ctx.seq
            seen: set = set()
            again = _one(ctx, pid[i], int(amt[i]), ccys[i], names[i], ibans[i], texts[i], crefs[i], int(vdays[i]),
                         threshold, shown[i], seen)
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


_FITS_OR_UNEARNED = FITS + ("unearned",)
_NOT_SHORT = ("tolerance", "installment", "promise")
"""Amount kinds whose rest on an invoice is no short payment (a write-off; the rest of a plan or promise)."""
_NAMING = ("structured", "exact", "norm", "typo")
"""Reference strengths that name one specific invoice (a bare number matching the end of an id does not)."""


def _settlers(ctx: _Ctx, row: int) -> str:
    by = ctx.settled_by.get(row)
    if not by:
        return "an earlier payment not on record here"
    words = [f"payment {p}" + (f" of {d}" if d else "") for p, d in by]
    return ", ".join(words)


def _duplicates(ctx: _Ctx, pid: str, found: list, hits: list, identified: set) -> list[Option]:
    """Options for the settled invoices a remittance names: a possible duplicate payment, never
    automatic.  A settled invoice counts when the remittance names it by a reference (structured,
    exact or normalised) and the payer is not known to be another customer, or by a one-digit typo
    when the payer is known to be its customer and no open invoice is read from the same number.
    One settled only by this same payment (the rest of an overpayment) does not count."""
    open_via = {h.via for h in hits}
    out = []
    for h in found:
        r = h.row
        if ctx.rem[r] != 0 or h.strength not in _NAMING:
            continue
        if identified and ctx.cust[r] not in identified:
            continue  # another customer's invoice: a typo or a third party, read as before
        if h.strength == "typo" and (h.via in open_via or ctx.cust[r] not in identified):
            continue
        if ctx.amount[r] < 0:
            continue  # a credit note used up
        by = ctx.settled_by.get(r)
        if by and all(p == pid for p, _ in by):
            continue
        o = Option(ctx.cust[r], [(r, 0)], "duplicate", ref_strength=h.strength, ref_via=h.via, n_refs=1)
        o.no_auto = "possible duplicate"
        o.notes.append(f"{ctx.ids[r]} already settled by {_settlers(ctx, r)}")
        if h.strength == "typo":
            o.flags.add("typo")
        out.append(o)
    return out


_PARTIAL_WORDS = re.compile(
    r"teilzahlung|teilbetrag|abschlag|anzahlung|a[ -]?conto|acompte|partiel|deelbetaling|gedeeltelijk|"
    r"part[ -]?payment|partial|instal+ment|on account", re.IGNORECASE)


def _one(ctx: _Ctx, pid: str, A: int, ccy: str, name: str, iban: str, text: str, cref: str, day: int,
         threshold: float, value_date: str = "", looked: set | None = None) -> list[dict]:
    """One payment's allocation rows.  ``looked`` collects the customers whose items it weighed (so the run
    knows when a later automatic allocation may change what this payment finds)."""
    ctx.seq += 1
    looked = looked if looked is not None else set()
    def unmatched(evidence: str, customer: str = "", rule: str = "none") -> list[dict]:
        return [dict(payment_id=pid, invoice_id="", customer_id=customer, currency=ccy, applied_amount=0,
                     confidence=0.0, decision="unmatched", rank=None, rule=rule, evidence=evidence,
                     short_pay=0, write_off=0, flags="", open_amount=0, difference=None)]

    if A <= 0:
        return unmatched("not an incoming amount", rule="not-a-receipt")
    # --- payer
    by_iban = ctx.payers.by_account(iban)
    name_hits = [] if by_iban else ctx.payers.by_name(name)
    payer_kind: dict[str, str] = {}
    payer_note: dict[str, str] = {}
    for c in by_iban:
        payer_kind[c] = "iban"
        payer_note[c] = "IBAN known" + (f" (shared by {len(by_iban)} customers)" if len(by_iban) > 1 else "")
    for m in name_hits:
        if m.customer_id not in payer_kind:
            payer_kind[m.customer_id] = _name_kind(m.score)
            how = {"alias": "alias", "cut": "cut name"}.get(m.how, "name")
            payer_note[m.customer_id] = f"{how} '{name}' ~ '{m.name}' ({m.score:.0f})"
    if by_iban:
        identified = set(by_iban)
    else:
        top = name_hits[0].score if name_hits else 0
        identified = {m.customer_id for m in name_hits if m.score >= 93 and m.score >= top - 2}
    # --- references
    found = [h for h in ctx.index.find(text, cref) if ctx.ccy[h.row] == ccy]
    looked.update(payer_kind)
    looked.update(ctx.cust[h.row] for h in found)
    hits = [h for h in found if ctx.rem[h.row] != 0]
    dups = _duplicates(ctx, pid, found, hits, identified)
    options = _ref_options(ctx, hits, ccy, A, day, payer_kind)
    if hits and not any(o.amount_kind in _FITS_OR_UNEARNED for o in options):
        # a typo may land on another existing number: try the neighbours of what was written
        seen = {h.row for h in hits}
        near = []
        for h in hits:
            if h.strength in ("exact", "norm", "structured"):
                for r in ctx.index.typo(refs_mod.digit_core(h.via)):
                    if r not in seen and ctx.ccy[r] == ccy and 0 <= ctx.rem[r] - A <= ctx.tolerance(ccy, [r], day):
                        seen.add(r)
                        near.append(refs_mod.Hit(r, "typo", h.via))
                        looked.add(ctx.cust[r])
        for h in near:  # each on its own: the one invoice that was meant
            options += [o for o in _ref_options(ctx, [h], ccy, A, day, (), quick=True)
                        if o.amount_kind in ("exact", "tolerance") and len(o.allocs) == 1]
    fitted = {o.customer for o in options if o.amount_kind in _FITS_OR_UNEARNED}
    referenced = {o.customer for o in options} | {o.customer for o in dups}
    # amount-only fits: for the customers the payer is (IBAN, or a close name); for looser
    # name matches only while nothing else explains the payment
    tries = [c for c in payer_kind if c in identified]
    if not fitted:
        tries += [c for c in payer_kind if c not in identified and payer_kind[c] != "name80"][:3]
    for c in tries:
        if c in fitted:
            continue
        for o in _fit_payer(ctx, c, ccy, A, day, sets=c not in referenced):
            o.ignores_ref = c in referenced
            options.append(o)
    said_partial = bool(_PARTIAL_WORDS.search(text)) if text else False
    for o in options:
        o.said_partial = said_partial and o.amount_kind == "partial" and bool(o.ref_strength)
    if ctx.commitments:
        options += plan_options(ctx, A, ccy, text, identified, payer_kind)
        options += promise_options(ctx, A, ccy, day, identified, payer_kind)
    options += dups
    if not options and not identified:
        # the amount alone: never automatic
        # (those still open: an invoice an earlier payment settled makes room for the next one, as on a re-run)
        same = ctx.by_amount.get((ccy, A), ())
        looked.update(ctx.cust[r] for r in same)
        for r in [r for r in same if ctx.rem[r] == A][:MAX_SUGGESTIONS + 1]:
            options.append(Option(ctx.cust[r], [(r, A)], "exact"))
    if not options:
        who = next(iter(identified)) if len(identified) == 1 else ""
        ev = "no reference, payer or amount fits an open item"
        if who:
            ev = f"payer {who} ({payer_note.get(who, '')}) has no open item in {ccy}"
        return unmatched(ev, who)
    for o in options:
        o.payer_kind = payer_kind.get(o.customer, "")
        o.payer_note = payer_note.get(o.customer, "")
        if identified and o.customer not in identified:
            o.conflict = True
            o.flags.add("conflict")
            who = ", ".join(sorted(identified))
            o.payer_note = f"payer looks like {who}"
        o.score = _score(o)
    # one option per allocation (keep the best scored)
    uniq: dict = {}
    for o in options:
        k = o.key()
        if k not in uniq or o.score > uniq[k].score:
            uniq[k] = o
    options = sorted(uniq.values(), key=lambda o: (-o.score, ctx.due[o.allocs[0][0]] if o.allocs else 0))
    best = options[0]
    contested = any(o.score >= best.score - AMBIGUITY_MARGIN for o in options[1:])
    strong_elsewhere = any(o.customer != best.customer and o.ref_strength in ("structured", "exact", "norm")
                           and o.amount_kind in FITS for o in options[1:])
    held = "a remittance names an invoice already settled (possible duplicate)" if dups else best.no_auto
    auto = best.score >= threshold and not best.conflict and not contested and not strong_elsewhere and not held
    if auto:
        chosen = [best]
        decision = "auto"
    else:
        chosen = options[:MAX_SUGGESTIONS]
        decision = "suggested"
    out = []
    for rank, o in enumerate(chosen, 1):
        conf = round(max(0.0, min(1.0, o.score)), 3)
        if not auto:
            conf = min(conf, round(max(0.0, threshold - 0.01), 3))
        ev = _evidence(ctx, o, A, ccy)
        if not auto and contested and rank == 1:
            ev += f"; {len(options) - 1} other fit(s) too close"
        if not auto and strong_elsewhere and rank == 1 and not contested:
            ev += "; a reference points to another customer"
        if dups and o.amount_kind != "duplicate":
            ev += "; " + "; ".join(d.notes[0] for d in dups) + ": possible duplicate"
        rule = _rule(o)
        diff = A - sum(ctx.rem[r] for r, _ in o.allocs)
        flags_base = set(o.flags)
        if dups:
            flags_base.add("possible duplicate")
        for r, a in o.allocs:
            left = ctx.rem[r] - a
            short = left if (left > 0 and o.amount_kind not in _NOT_SHORT and ctx.rem[r] > 0) else 0
            wo = left if (left > 0 and o.amount_kind == "tolerance") else 0
            fl = set(flags_base)
            if short:
                fl.add("short_pay")
            else:
                fl.discard("short_pay")
            if not wo:
                fl.discard("tolerance")
            if ctx.rem[r] < 0:
                fl.add("credit_note")
            else:
                fl.discard("credit_note")
            fl.discard("unapplied_cash")
            out.append(dict(payment_id=pid, invoice_id=ctx.ids[r], customer_id=o.customer, currency=ccy,
                            applied_amount=int(a), confidence=conf, decision=decision, rank=rank, rule=rule,
                            evidence=ev, short_pay=int(short), write_off=int(wo), flags=";".join(sorted(fl)),
                            open_amount=int(ctx.rem[r]), difference=int(diff)))
            if auto:  # what the write-off closes is no longer open for a later payment either
                ctx.rem[r] -= a + wo
                ctx.changed_at[ctx.cust[r]] = ctx.seq
                if ctx.rem[r] == 0:
                    ctx.settled_by.setdefault(r, []).append((pid, value_date))
        if auto:
            _consume_commitment(ctx, o)
        if o.unapplied:
            out.append(dict(payment_id=pid, invoice_id="", customer_id=o.customer, currency=ccy,
                            applied_amount=int(o.unapplied), confidence=conf, decision=decision, rank=rank,
                            rule=rule, evidence=ev, short_pay=0, write_off=0,
                            flags="possible duplicate;unapplied_cash" if dups else "unapplied_cash",
                            open_amount=0, difference=int(diff)))
    return out


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

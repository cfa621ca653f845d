"""Fitting a payment's amount to a customer's open items: from the items the remittance names
(``_fit_refs``, ``_ref_options``) or from the amount alone (``_fit_payer``).  Each fit is an ``Option``
whose amount kind says how it explains the payment: ``exact``, ``tolerance``, ``subset`` (the only
kinds in ``FITS``, which explain the whole payment), ``unearned`` (short by no more than the discount of the
payment terms, paid after the discount period), ``partial``, ``over`` or ``fifo``.  paid fit never applies more
than was paid: a shortfall stays open (``short_pay``) or is a write-off within tolerance (bank charges, or a
discount earned by the value date: ``_gap_kind``).
"""
from __future__ import annotations

import numpy as np

from .. import refs as refs_mod
from .context import _Ctx
from .options import Option
from .subset_sum import MAX_CHANCE, SUBSET_CAP, SUBSET_MAX, SUBSET_MIN, run_pairs, run_sets, subset_sum

MAX_WINDOWS = 8
"""paid customer with more than ``SUBSET_CAP`` open items is searched in at most this many runs of items."""
WINDOW_SOLUTIONS = 6
"""Sets kept per run of items (and in all) when a customer has too many items for one search."""


PAYMENT_RUN_DAYS = 60
"""A payment run pays items falling due within about two months of each other: sets within this span are
searched exhaustively for review (``_review_fits``) and ranked before sets spread wider (``decide``)."""
REVIEW_SETS = 3
"""Sets of a payment run offered for review per customer (``_review_fits``)."""
RUN_SETS_KEPT = 64
"""Sets of a payment run kept per customer and amount (some may later hold an item settled since)."""
RUNS_FROM = 2 * SUBSET_CAP
"""Customers with at least this many open items are searched for the sets of a payment run (below, the
half-overlapping runs of ``_windows`` cover nearly every set of items due together)."""


_STRENGTH_ORDER = {s: i for i, s in enumerate(refs_mod.STRENGTHS)}


def _windows(ctx: _Ctx, rows: list[int], value_day: int, cap: int = SUBSET_CAP) -> list[list[int]]:
    """Candidate lists for a subset search: all items when few, else runs of ``cap`` items
    by due date (half-overlapping), those due nearest the value date first."""
    if len(rows) <= cap:
        return [rows]
    step = cap // 2
    starts = list(range(0, len(rows) - cap + 1, step))
    if starts[-1] != len(rows) - cap:
        starts.append(len(rows) - cap)
    starts.sort(key=lambda a: abs(ctx.due[rows[a + cap - 1]] - value_day))
    return [rows[a:a + cap] for a in starts[:MAX_WINDOWS]]


def _pairs(amounts: list[int], target: int, limit: int = 3) -> tuple[list[tuple[int, int]], float]:
    """Every pair (exhaustively) summing to ``target``: up to ``limit`` of them, and the chance of
    such a pair by coincidence (density of pair sums around the target, per cent)."""
    v = np.asarray(amounts, dtype=np.int64)
    order = np.argsort(v, kind="stable")
    vs = v[order]
    idx = np.arange(len(vs))
    lo = np.maximum(np.searchsorted(vs, target - vs, side="left"), idx + 1)
    hi = np.searchsorted(vs, target - vs, side="right")
    width = max(1000, abs(int(target)) // 50)
    wlo = np.maximum(np.searchsorted(vs, target - width - vs, side="left"), idx + 1)
    whi = np.searchsorted(vs, target + width - vs, side="right")
    chance = float(np.maximum(whi - wlo, 0).sum()) / (2 * width + 1)
    out = []
    for i in np.flatnonzero(hi > lo).tolist():
        for j in range(int(lo[i]), int(hi[i])):
            out.append((int(order[i]), int(order[j])))
            if len(out) >= limit:
                return out, chance
    return out, chance


def _subsets(ctx: _Ctx, rows: list[int], target: int, day: int, kmin: int = SUBSET_MIN,
             kmax: int = SUBSET_MAX) -> tuple[list[list[int]], float, bool]:
    """Sets of open items (rows) summing exactly to ``target``; the chance of such a fit by
    coincidence; and whether the search covered every item (so "the only such set" holds).

    Few items: one exhaustive search.  Many: every pair first (exhaustively: a pair is the likelier
    explanation), then sets of three or more in runs of items by due date (``_windows``, nearest the value date
    first, every run: stopping at the first run that has any missed smaller and closer sets in the others for
    ~11 % fewer searches), ranked by size and by how close together they fall due."""
    wins = _windows(ctx, rows, day)
    if len(wins) == 1:
        res = subset_sum([ctx.rem[r] for r in rows], target, kmin=kmin, kmax=kmax, max_solutions=3)
        return [[rows[i] for i in sol] for sol in res.solutions], res.chance, True
    # too many items for one search: nothing found is ever "the only such set" (a larger set may be the one)
    if kmin <= 1:
        singles = [r for r in rows if ctx.rem[r] == target]
        if singles:
            width = max(1000, abs(int(target)) // 50)
            near = sum(1 for r in rows if abs(ctx.rem[r] - target) <= width)
            return [[r] for r in singles[:3]], near / (2 * width + 1), False
    if kmin <= 2 <= kmax:
        pairs, pair_chance = _pairs([ctx.rem[r] for r in rows], target)
        if pairs:
            return [[rows[a], rows[b]] for a, b in pairs], pair_chance, False
    chance = 0.0
    found: list[list[int]] = []
    for cand in wins:  # every run: the set of a payment run may lie in any of them
        res = subset_sum([ctx.rem[r] for r in cand], target, kmin=max(kmin, 3), kmax=kmax, max_solutions=WINDOW_SOLUTIONS)
        chance += res.chance
        for sol in res.solutions:
            rows_ = sorted(cand[i] for i in sol)
            if rows_ not in found:
                found.append(rows_)
    found.sort(key=lambda sol: (len(sol), _due_spread(ctx, sol)))
    return found[:WINDOW_SOLUTIONS], chance, False


def _due_spread(ctx: _Ctx, rows) -> int:
    """Days between the earliest and the latest due date of ``rows`` (a payment run pays items due together)."""
    dues = [ctx.due[r] for r in rows]
    return max(dues) - min(dues) if dues else 0


def _fit_refs(ctx: _Ctx, customer: str, ccy: str, paid: int, named: list[int], day: int, deep: bool = True,
              said_deduction: bool = False) -> list[Option]:
    """Allocations at ``customer`` when the remittance names its items ``named`` and ``paid`` cents came
    (``said_deduction``: the remittance says something was deducted, ``_gap_kind``).

    ``deep=False`` (only weak hits, such as a bare number matching the end of an
    id, at a customer the payer is not known to be) skips the set searches."""
    rem = ctx.rem
    named_total = sum(rem[r] for r in named)
    if named_total == paid:
        return [Option(customer, [(r, rem[r]) for r in named], "exact")]
    gap_kind = _gap_kind(ctx, ccy, named, named_total, paid, day, said_deduction)
    if not deep:
        if gap_kind:
            return [_short(ctx, customer, named, paid, gap_kind, day)]
        if len(named) > 1:
            exact = [r for r in named if rem[r] == paid]
            if exact:
                return [Option(customer, [(r, paid)], "exact") for r in exact]
        return [_short(ctx, customer, named, paid, "partial")] if paid < named_total else []
    named_set = set(named)
    others = [r for r in ctx.open_rows(customer, ccy) if r not in named_set]
    credits = [r for r in others if rem[r] < 0]
    out: list[Option] = []
    # every referenced item with one or two credit notes netted (all of the customer's credit notes)
    need = paid - named_total
    if credits and need < 0:
        singles = [[r] for r in credits if rem[r] == need]
        pairs = [[credits[a], credits[b]] for a, b in _pairs([rem[r] for r in credits], need)[0]] if not singles else []
        for extra in (singles or pairs)[:3]:
            o = Option(customer, [(r, rem[r]) for r in named] + [(r, rem[r]) for r in extra], "exact")
            o.flags.add("credit_note")
            out.append(o)
    # some of several referenced items (a wrong hit among them), perhaps with credit notes
    if not out and len(named) > 1:
        items = named[:SUBSET_CAP] + credits[: max(0, SUBSET_CAP + 2 - len(named))]
        res = subset_sum([rem[r] for r in items], paid, kmin=1, kmax=min(SUBSET_MAX, len(named) + 2), max_solutions=4)
        sols = [sol for sol in res.solutions if any(i < len(named) for i in sol)]
        if sols:
            best_n = max(sum(1 for i in sol if i < len(named)) for sol in sols)
            for sol in sols:
                if sum(1 for i in sol if i < len(named)) != best_n:
                    continue
                rows = [items[i] for i in sol]
                o = Option(customer, [(r, rem[r]) for r in rows], "exact" if named_set <= set(rows) else "subset")
                o.chance = res.chance
                if any(rem[r] < 0 for r in rows):
                    o.flags.add("credit_note")
                out.append(o)
    if any(o.amount_kind == "exact" for o in out):
        # an exact explanation beats an approximate one; a partial payment stays a rival
        if paid < named_total:
            out.append(_short(ctx, customer, named, paid, "partial"))
        return out
    if gap_kind:
        out.append(_short(ctx, customer, named, paid, gap_kind, day))
        return out
    if paid > named_total:
        # the remittance may name only some of the items paid
        if not out and others and len(named) < SUBSET_MAX:
            sols, chance, full = _subsets(ctx, others, paid - named_total, day, kmin=1, kmax=SUBSET_MAX - len(named))
            for sol in sols:
                o = Option(customer, [(r, rem[r]) for r in named] + [(r, rem[r]) for r in sol], "subset",
                           chance=chance if full else max(chance, MAX_CHANCE))
                if any(rem[r] < 0 for r in sol):
                    o.flags.add("credit_note")
                if paid == 2 * named_total:
                    # the rest is what the named items come to again: as likely paid twice (a duplicate
                    # payment, or cash on account) as other items of that total the remittance does not name
                    o.no_auto = "the rest equals the named items again: possibly paid twice"
                    o.partly_named = True
                out.append(o)
        o = Option(customer, [(r, rem[r]) for r in named if rem[r] > 0] + [(r, rem[r]) for r in named if rem[r] < 0], "over")
        o.unapplied = paid - sum(a for _, a in o.allocs)
        o.flags.add("unapplied_cash")
        out.append(o)
        return out
    out.append(_short(ctx, customer, named, paid, "partial"))
    return out


def _gap_kind(ctx: _Ctx, ccy: str, named: list[int], named_total: int, paid: int, day: int,
              said_deduction: bool = False) -> str:
    """How a payment ``paid`` short of the named items' ``named_total`` is read: ``tolerance`` (bank charges, or
    a discount earned at value day ``day``: written off), ``unearned`` (a discount deducted after the discount
    period: a short payment for review) or '' (neither: a short payment).

    A shortfall beyond bank charges and the discount earned is a discount deducted only when it is no more
    than the terms' discount and either is the discount at one of the terms' rates (``_Ctx.is_discount``) or
    the remittance says something was deducted (``said_deduction``: "abzgl. Skonto", "-2%"); 20.00 short of
    1,234.56 without a word is a short payment, not a discount."""
    gap = named_total - paid
    if named_total <= 0 or gap <= 0:
        return ""
    if gap <= ctx.tol_abs(ccy):
        return "tolerance"
    earned, most = ctx.discount(named, day)
    if gap <= earned:
        return "tolerance"
    if gap <= most and (said_deduction or ctx.is_discount(named, gap)):
        return "unearned"
    return ""


def _short(ctx: _Ctx, customer: str, named: list[int], paid: int, kind: str, day: int | None = None) -> Option:
    """Apply ``paid`` over ``named`` (credit notes first, then invoices oldest first); the gap stays open,
    or is written off within tolerance (``kind`` ``tolerance``)."""
    rem = ctx.rem
    order = [r for r in named if rem[r] < 0] + sorted((r for r in named if rem[r] > 0), key=lambda r: (ctx.due[r], ctx.ids[r]))
    left = paid
    allocs = []
    for r in order:
        if rem[r] < 0:
            allocs.append((r, rem[r]))
            left -= rem[r]
            continue
        if left <= 0:
            break
        a = min(left, rem[r])
        allocs.append((r, a))
        left -= a
    o = Option(customer, allocs, kind)
    gap = sum(rem[r] for r in named if rem[r] > 0) - sum(a for r, a in allocs if rem[r] > 0)
    if kind == "tolerance":
        o.write_off = gap
        o.flags.add("tolerance")
        if day is not None and gap > ctx.tol_abs(ctx.ccy[named[0]]):
            o.flags.add("discount")
            o.discount_earned = ctx.discount(named, day)[0]
    elif gap > 0:
        o.flags.add("short_pay")
        if kind == "unearned":
            o.flags.add("unearned_discount")
            o.no_auto = "a discount deducted after the discount period (unearned discount)"
    if left > 0:  # only credit notes or nothing usable
        o.unapplied = left
        o.flags.add("unapplied_cash")
    return o


def _fit_payer(ctx: _Ctx, customer: str, ccy: str, paid: int, day: int, sets: bool = True,
               review: bool = True) -> list[Option]:
    """Allocations at ``customer`` from the amount ``paid`` alone (no reference).

    ``sets=False`` skips the search for sets of items (used for a rival to a
    reference-based fit at the same customer: a set that ignores the invoices
    the remittance names is too weak to matter); ``review=False`` skips the fits
    offered for review only (``_review_fits``: used when a reference-based fit
    elsewhere explains the payment, which a person sees first anyway)."""
    rows = ctx.open_rows(customer, ccy)
    if not rows:
        return []
    rem = ctx.rem
    exact = [r for r in rows if rem[r] == paid]
    if exact:
        return [Option(customer, [(r, paid)], "exact", unique=len(exact) == 1) for r in exact]
    sols, chance, full = _subsets(ctx, rows, paid, day) if sets else ([], 0.0, True)
    if sols:
        out = []
        for sol in sols:
            o = Option(customer, [(r, rem[r]) for r in sol], "subset", chance=chance if full else max(chance, MAX_CHANCE),
                       unique=full and len(sols) == 1 and chance < MAX_CHANCE)
            if any(rem[r] < 0 for r in sol):
                o.flags.add("credit_note")
            out.append(o)
        if review and (not full or chance >= MAX_CHANCE):
            # the sets may be coincidences (then a person also sees an item short by bank charges), or the
            # runs of items searched missed the set of a payment run
            out += _review_fits(ctx, customer, ccy, rows, paid, tolerance=chance >= MAX_CHANCE,
                                runs=len(rows) >= RUNS_FROM)
        return out
    tol = ctx.tol_abs(ccy)
    fits = [r for r in rows if 0 < rem[r] - paid <= tol]
    if fits:
        # how many of this customer's items would fall in the window by chance?
        span = max(paid // 5, 1000)
        near = sum(1 for r in rows if abs(rem[r] - paid) <= span) - 1  # other than the fit itself
        chance = near / (2 * span + 1) * (tol + 1)
        out = []
        for r in fits:
            o = _short(ctx, customer, [r], paid, "tolerance")
            o.chance = chance
            # with too many items for an exhaustive set search, a set may make up the amount as well
            o.unique = len(fits) == 1 and chance < MAX_CHANCE and full
            out.append(o)
        return out
    # nothing fits: oldest invoices first, for a person to look at
    o = _short(ctx, customer, [r for r in rows if rem[r] > 0], paid, "partial")
    o.amount_kind = "fifo"
    if sets and len(rows) > SUBSET_CAP:
        o.searched_of = len(rows)  # not every set was tried: "no amount fit" would say more than is known
    out = [o]
    if review:
        out += _charged(ctx, customer, ccy, rows, paid)
    if review and sets and len(rows) >= RUNS_FROM:
        out += _review_fits(ctx, customer, ccy, rows, paid, tolerance=False)
    return out


CHARGE_BEYOND_TOLERANCE = 3
"""An item short by a round sum beyond the tolerance, up to this many times it (a bank's fee on a foreign
payment: 5.00 GBP where the tolerance is 5.00 EUR), is offered for review as a short payment (``_charged``)."""
MAX_CHARGED = 3
"""Items short by a bank's fee offered per customer (``_charged``)."""


def _charged(ctx: _Ctx, customer: str, ccy: str, rows: list[int], paid: int) -> list[Option]:
    """Short payments offered to a person only, when nothing at the customer fits the amount: each item the
    payment is short of by a whole multiple of 0.25 beyond the tolerance, up to ``CHARGE_BEYOND_TOLERANCE``
    times it (applied, the rest left open and flagged ``short_pay``), the smallest shortfall first."""
    rem = ctx.rem
    tol = ctx.tol_abs(ccy)
    gaps = sorted((rem[r] - paid, r) for r in rows if tol < rem[r] - paid <= CHARGE_BEYOND_TOLERANCE * tol
                  and (rem[r] - paid) % 25 == 0)
    out = []
    for _, r in gaps[:MAX_CHARGED]:
        o = _short(ctx, customer, [r], paid, "partial")
        o.review_only = True
        out.append(o)
    return out


def _review_fits(ctx: _Ctx, customer: str, ccy: str, rows: list[int], paid: int, tolerance: bool = True,
                 runs: bool = True) -> list[Option]:
    """Allocations offered to a person only (``Option.review_only``), when the amount-only search found no
    telling fit at a customer: the items short of the payment by no more than bank charges (``tolerance``),
    and (``runs``: the customer has too many items for one exhaustive search) the sets of 2-4 items (5-6
    when none smaller) falling due within ``PAYMENT_RUN_DAYS`` of each other that add up to it
    (``subset_sum.run_sets``): the fewest items first, then the tightest, then the oldest."""
    rem = ctx.rem
    out = []
    if tolerance:
        tol = ctx.tol_abs(ccy)
        for r in rows:
            if 0 < rem[r] - paid <= tol:
                o = _short(ctx, customer, [r], paid, "tolerance")
                o.review_only = True
                out.append(o)
    if runs:
        # the sets of a customer's items due together are searched once per customer and amount, on its items
        # open when first asked: a set holding an item an allocation has since changed is left out
        cache = ctx.__dict__.setdefault("_run_sets", {})
        got = cache.get((customer, ccy))
        if got is None or (len(rows) < len(got[0]) and not _complete(got[2])):
            # first asked, or the search then was cut short by the number of items (fewer are open now)
            open_ = [rem[r] for r in rows]
            got = cache[(customer, ccy)] = (list(rows), open_, run_pairs(open_, [ctx.due[r] for r in rows],
                                                                          PAYMENT_RUN_DAYS), {})
        rows0, open0, pairs, found = got
        sets = found.get(paid)
        if sets is None:
            sets = found[paid] = run_sets(pairs, paid, limit=RUN_SETS_KEPT)
            sets.sort(key=lambda s: (len(s), ctx.due[rows0[s[-1]]] - ctx.due[rows0[s[0]]], ctx.due[rows0[s[0]]]))
        live = [s for s in sets if all(rem[rows0[i]] == open0[i] for i in s)]
        if sets and not live:
            # every set found then holds an item settled since: the items open now (sets of five or six may
            # add up where none smaller does any more)
            rows0, open0 = rows, [rem[r] for r in rows]
            live = run_sets(run_pairs(open0, [ctx.due[r] for r in rows], PAYMENT_RUN_DAYS), paid)
            live.sort(key=lambda s: (len(s), ctx.due[rows[s[-1]]] - ctx.due[rows[s[0]]], ctx.due[rows[s[0]]]))
        kept = 0
        for s in live:
            o = Option(customer, [(rows0[i], open0[i]) for i in s], "subset", chance=MAX_CHANCE)
            o.review_only = True
            if any(open0[i] < 0 for i in s):
                o.flags.add("credit_note")
            out.append(o)
            kept += 1
            if kept >= REVIEW_SETS:
                break
    return out


def _complete(pairs) -> bool:
    """Whether a search of ``run_sets`` on these pairs looks for every size (not cut short by the number of
    pairs, or of sets of three, due together)."""
    return pairs is not None and pairs.ss is not None and pairs.triples != ()


FITS = ("exact", "tolerance", "subset")
_STRONG = ("structured", "exact", "norm")
"""Amount kinds that explain the whole payment."""


def _ref_options(ctx: _Ctx, hits: list, ccy: str, paid: int, day: int, payers=(), quick: bool = False,
                 said_deduction: bool = False) -> list[Option]:
    by_customer: dict[str, list] = {}
    for h in hits:
        by_customer.setdefault(ctx.cust[h.row], []).append(h)
    groups = []
    for customer, customer_hits in by_customer.items():
        groups.append((customer, customer_hits))
        strong = [h for h in customer_hits if h.strength in _STRONG]
        if strong and len(strong) < len(customer_hits):
            # the strong references alone too: bare numbers beside them may be read wrongly ("2026-2038"
            # is also the range 2026 to 2038)
            groups.append((customer, strong))
    options = []
    for customer, customer_hits in groups:
        deep = not quick and (customer in payers or any(h.strength in _STRONG for h in customer_hits))
        for o in _fit_refs(ctx, customer, ccy, paid, [h.row for h in customer_hits], day, deep, said_deduction):
            used = {r for r, _ in o.allocs}
            used_hits = [h for h in customer_hits if h.row in used] or customer_hits
            best = min(used_hits, key=lambda h: _STRENGTH_ORDER[h.strength])
            o.ref_strength, o.ref_via, o.n_refs = best.strength, best.via, len(used_hits)
            if best.strength == "typo":
                o.flags.add("typo")
            options.append(o)
    return options

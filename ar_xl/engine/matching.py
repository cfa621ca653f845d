"""Cash application: which open invoice(s) each incoming payment pays, and why.

``match(payments, invoices, customers, config, known_ibans, aliases)`` takes the
canonical frames (money in ``int64`` cents) and returns one row per allocation.

How a payment is read
---------------------
1. **References** in the remittance text and the structured creditor
   reference (``refs.RefIndex``): exact ids, ids with separators, zeros or
   prefixes missing, bare numbers matching the end of an id, lists, ranges,
   one-digit typos, RF and Belgian OGM references with valid check digits.
2. **Payer**: an IBAN known for a customer (``customers.iban``, or learned from
   earlier matches and passed as ``known_ibans``), else a fuzzy name match
   (``payer.PayerIndex``) on names and learned aliases.
3. **Amount**, per candidate customer (only invoices in the payment's currency
   with something still open):

   * referenced invoices whose open amounts add up to the payment (``amount``),
     with one or two of the customer's credit notes netted if that makes it exact;
   * the same, short by at most the tolerance (``tolerance``): bank charges up to
     ``Config.match_tolerance_abs`` (converted to the payment's currency) or,
     only when the payment names the invoice, an early-payment discount up to
     ``match_tolerance_pct`` % of it.  The payment is applied and the gap is
     shown in ``write_off`` for a person to write off — the engine never
     applies more than was paid;
   * a set of 2..6 open items (invoices and credit notes) adding up exactly to
     the payment (``subset``): a meet-in-the-middle search over at most
     ``SUBSET_CAP`` items.  A customer with more items is searched in runs of
     ``SUBSET_CAP`` items by due date (those due nearest the value date first)
     plus an exhaustive search for pairs.  A set counts as telling ("the only
     such set") only when the search was exhaustive and the density of
     subset sums around the amount says a coincidence is unlikely
     (``MAX_CHANCE``); otherwise it is suggested, not applied;
   * less than referenced (``partial``): applied oldest first; what stays open
     on an invoice beyond tolerance is ``short_pay`` (a possible deduction or
     dispute) and flagged;
   * more than referenced (``over``): the invoices are paid in full and the
     rest is **unapplied cash**: an allocation row with an empty invoice_id,
     the customer_id, the rest as ``applied_amount`` and flag
     ``unapplied_cash``, so a payment's rows always add up to what was
     applied (credit notes enter as negative rows).

Every hypothesis (customer + allocation) gets a score from its evidence (see
``SCORES``); confidence is the score clipped to 0..1.  A payment is applied
**auto**matically only when the best hypothesis reaches
``Config.match_auto_threshold``, has no contradicting evidence (the payer is
known to be another customer; a strong reference points to another
customer's invoice) and no other hypothesis comes within ``AMBIGUITY_MARGIN``.
Otherwise the hypotheses are **suggested** with ``rank`` 1..n (rows of one
hypothesis share a rank), or the payment is **unmatched** (one row with an
empty invoice_id; customer_id holds the payer when known).

A reference that lands on an existing invoice whose amount does not fit is
also read as a one-digit typo of its neighbours (via the index), and the
amount alone is tried for the payer's own items, so a typo that happens to hit
another real number, or a coincidental partial payment, ends as a suggestion.

Payments are taken in value-date order; an automatic allocation lowers the
invoice's open amount for later payments, so no invoice is ever applied beyond
what is open.  Suggestions do not consume anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from ..config import Config
from ..money import fmt
from . import refs as refs_mod
from .payer import PayerIndex

COLUMNS = ["payment_id", "invoice_id", "customer_id", "currency", "applied_amount", "confidence", "decision",
           "rank", "rule", "evidence", "short_pay", "write_off", "flags"]
"""Output columns.  Money columns are int64 cents; ``rank`` is Int64 (1 for auto, 1..n for suggested, NA for unmatched)."""

SUBSET_CAP = 20
SUBSET_MIN, SUBSET_MAX = 2, 6
MAX_SUGGESTIONS = 3
MAX_WINDOWS = 4
"""A customer with more than ``SUBSET_CAP`` open items is searched in at most this many runs of items."""
MAX_CHANCE = 0.01
"""A set of items adding up to the payment counts as telling (not a coincidence) only when fewer
than this many sets of its size would hit the amount by chance."""
AMBIGUITY_MARGIN = 0.15

SCORES = {
    # reference strength (best referenced item used by the allocation)
    "ref:structured": 0.60, "ref:exact": 0.55, "ref:norm": 0.50, "ref:tail": 0.30, "ref:typo": 0.30,
    "ref:several": 0.10,            # two or more references agree with the amount
    "ref:ignored": -0.10,           # an amount-only fit at a customer whose other items are referenced
    # payer
    "payer:iban": 0.40, "payer:name97": 0.40, "payer:name93": 0.35, "payer:name88": 0.25, "payer:name80": 0.12,
    "payer:conflict": -0.50,        # the payer is known to be another customer
    # amount
    "amount:exact": 0.35, "amount:tolerance": 0.35, "amount:subset": 0.35,
    "amount:over": 0.15, "amount:partial": 0.05, "amount:fifo": 0.0,
    "amount:unique": 0.15,          # the only fit among the customer's open items (no reference)
    "amount:said_partial": 0.20,    # "Teilzahlung", "acompte", "part payment" … next to the reference
    "amount:crowded": -0.15,        # a set found among so many items that it may be a coincidence
}

_STRENGTH_WORD = {
    "structured": "structured ref {v} valid",
    "exact": "ref {inv} exact",
    "norm": "ref {v} = {inv} (separators/zeros/prefix differ)",
    "tail": "number {v} = end of {inv}",
    "typo": "ref {v} one digit off {inv}",
}


def _digits(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit())


def _referenced_id(ctx: "_Ctx", o: "Option") -> str:
    """The invoice id, as the company writes it, that the remittance reference points at."""
    ids = [ctx.ids[r] for r, _ in o.allocs]
    via = _digits(o.ref_via)
    for i in ids:
        if via and _digits(i).lstrip("0").endswith(via.lstrip("0")):
            return i
    return ids[0] if ids else str(o.ref_via)
_STRENGTH_ORDER = {s: i for i, s in enumerate(refs_mod.STRENGTHS)}


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
    payer_kind: str = ""
    payer_note: str = ""
    conflict: bool = False
    score: float = 0.0
    flags: set = field(default_factory=set)
    notes: list = field(default_factory=list)

    def key(self):
        return (self.customer, tuple(sorted(r for r, _ in self.allocs)))


# ------------------------------------------------------------------ subset sum

_BAND = 1 << 42
"""Subset sums (|sum| < 2**41 cents) are keyed as ``count * _BAND + sum``, so one sorted
array answers "which subsets of exactly k items sum to x" for every k at once."""


def _half_sums(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum and size of every subset of ``a``; subset ``mask`` sits at position ``mask``."""
    sums = np.zeros(1 << len(a), dtype=np.int64)
    counts = np.zeros(1 << len(a), dtype=np.int64)
    size = 1
    for x in a.tolist():
        sums[size:2 * size] = sums[:size] + x
        counts[size:2 * size] = counts[:size] + 1
        size *= 2
    return sums, counts


@dataclass
class SubsetResult:
    solutions: list
    """Index tuples of the smallest size that has any solution (at most ``max_solutions``)."""
    size: int = 0
    chance: float = 0.0
    """Expected number of subsets of that size hitting the target by coincidence:
    the density of such subset sums around the target, per cent."""


def subset_sum(amounts, target: int, kmin: int = SUBSET_MIN, kmax: int = SUBSET_MAX,
               max_solutions: int = 3, must: int = 0) -> SubsetResult:
    """Sets of ``kmin..kmax`` items summing exactly to ``target`` (cents), smallest sets first.

    Meet in the middle over at most ~22 items: the sums of every subset of each
    half, the right half keyed by (size, sum) and sorted, one range search per
    left subset and size.  ``must`` is a bit mask of items every solution
    contains.  Besides the solutions of the smallest size found, it returns how
    many subsets of that size would hit the target by chance (the density of
    their sums within ±2% of the target), so a caller can tell a telling fit
    from a coincidence among many items.
    """
    a = np.asarray(amounts, dtype=np.int64)
    n = len(a)
    if n == 0 or kmax <= 0 or kmin > n:
        return SubsetResult([])
    h1 = n // 2
    h2 = n - h1
    s1, c1 = _half_sums(a[:h1])
    s2, c2 = _half_sums(a[h1:])
    m1 = np.arange(1 << h1, dtype=np.int64)
    m2 = np.arange(1 << h2, dtype=np.int64)
    if must:
        need1, need2 = must & ((1 << h1) - 1), must >> h1
        k1 = (m1 & need1) == need1
        k2 = (m2 & need2) == need2
        s1, c1, m1 = s1[k1], c1[k1], m1[k1]
        s2, c2, m2 = s2[k2], c2[k2], m2[k2]
    ok1 = c1 <= kmax
    s1, c1, m1 = s1[ok1], c1[ok1], m1[ok1]
    # left subsets by falling (size, sum): the searches below then run in rising order (much faster)
    o1 = np.argsort(c1 * _BAND + s1, kind="stable")[::-1]
    s1, c1, m1 = s1[o1], c1[o1], m1[o1]
    key2 = c2 * _BAND + s2
    order = np.argsort(key2, kind="stable")
    key2, m2 = key2[order], m2[order]
    ks = np.arange(kmin, kmax + 1, dtype=np.int64)
    # every (left subset, wanted size) pair at once
    tk = ((ks[:, None] - c1[None, :]) * _BAND + (target - s1)[None, :])
    valid = (ks[:, None] - c1[None, :]) >= 0
    lo = np.searchsorted(key2, tk, side="left")
    hit = valid & (key2[np.minimum(lo, len(key2) - 1)] == tk)
    rows_with = np.flatnonzero(hit.any(axis=1))
    if not len(rows_with):
        return SubsetResult([])
    kr = int(rows_with[0])
    # how crowded are the sums of subsets of this size around the target?
    width = max(1000, abs(int(target)) // 50)
    row, ok = tk[kr], valid[kr]
    dens = float(np.where(ok, np.searchsorted(key2, row + width, side="right")
                          - np.searchsorted(key2, row - width, side="left"), 0).sum()) / (2 * width + 1)
    sols = []
    for i in np.flatnonzero(hit[kr]).tolist():
        j = int(lo[kr, i])
        while j < len(key2) and key2[j] == tk[kr, i]:
            mask = int(m1[i]) | (int(m2[j]) << h1)
            sols.append(tuple(x for x in range(n) if mask >> x & 1))
            j += 1
            if len(sols) >= max_solutions:
                break
        if len(sols) >= max_solutions:
            break
    return SubsetResult(sols, int(ks[kr]), dens)


# ------------------------------------------------------------------ the engine

class _Ctx:
    """Everything built once per run."""

    def __init__(self, invoices: pd.DataFrame, customers, config: Config, known_ibans, aliases):
        open_all = invoices["open_amount"].to_numpy(dtype=np.int64)
        inv = invoices.loc[open_all != 0].reset_index(drop=True)
        self.ids = inv["invoice_id"].astype(str).tolist()
        self.cust = inv["customer_id"].astype(str).tolist()
        self.ccy = inv["currency"].astype(str).str.strip().str.upper().tolist()
        self.open = inv["open_amount"].to_numpy(dtype=np.int64)
        self.rem = self.open.tolist()
        due = inv["due_date"] if "due_date" in inv else pd.Series(pd.NaT, index=inv.index)
        dd = pd.to_datetime(due).to_numpy(dtype="datetime64[D]")
        self.due = np.where(np.isnat(dd), np.datetime64("1970-01-01"), dd).astype(np.int64).tolist()
        prefs = inv["payment_reference"].astype(str).tolist() if "payment_reference" in inv else None
        self.index = refs_mod.RefIndex(self.ids, prefs)
        self.by_cust: dict[tuple[str, str], list[int]] = {}
        for row, key in enumerate(zip(self.cust, self.ccy)):
            self.by_cust.setdefault(key, []).append(row)
        for key, rows in self.by_cust.items():
            rows.sort(key=lambda r: (self.due[r], self.ids[r]))
        self.by_amount: dict[tuple[str, int], list[int]] = {}
        for row, (c, a) in enumerate(zip(self.ccy, self.open.tolist())):
            self.by_amount.setdefault((c, a), []).append(row)
        names = {}
        if "customer_name" in inv:
            for c, n in zip(self.cust, inv["customer_name"].astype(str).tolist()):
                if n and c not in names:
                    names[c] = n
        self.payers = PayerIndex(customers, known_ibans, aliases, names)
        self.config = config
        self._tol_abs: dict[str, int] = {}

    def tol_abs(self, ccy: str) -> int:
        t = self._tol_abs.get(ccy)
        if t is None:
            base = int(self.config.match_tolerance_abs or 0)
            try:
                rate = self.config.rate(ccy)
            except KeyError:
                rate = Fraction(1)
            t = int(Fraction(base) / rate) if rate else base
            self._tol_abs[ccy] = t
        return t

    def tolerance(self, ccy: str, open_amount: int, referenced: bool = True) -> int:
        """Largest shortfall on ``open_amount`` (cents) accepted as bank charges or, when the
        payment names the invoice, as early-payment discount."""
        if not referenced:
            return self.tol_abs(ccy)
        pct = self.config.match_tolerance_pct or 0
        by_pct = int(Fraction(abs(int(open_amount))) * Fraction(pct) / 100)
        return max(self.tol_abs(ccy), by_pct)

    def open_rows(self, customer: str, ccy: str) -> list[int]:
        return [r for r in self.by_cust.get((customer, ccy), ()) if self.rem[r] != 0]


def _payer_score(kind: str) -> float:
    return SCORES.get("payer:" + kind, 0.0) if kind else 0.0


def _name_kind(score: float) -> str:
    if score >= 97:
        return "name97"
    if score >= 93:
        return "name93"
    if score >= 88:
        return "name88"
    return "name80"


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
    coincidence; and whether the search covered every item (so "the only such set" holds)."""
    chance = 0.0
    wins = _windows(ctx, rows, day)
    for cand in wins:
        res = subset_sum([ctx.rem[r] for r in cand], target, kmin=kmin, kmax=kmax, max_solutions=3)
        chance += res.chance
        if res.solutions:
            sols = [[cand[i] for i in sol] for sol in res.solutions]
            if len(wins) == 1:
                return sols, chance, True
            if res.size <= 2 and kmin <= 2:
                # a pair: check every pair of the customer's items, not just this run
                pairs, pchance = _pairs([ctx.rem[r] for r in rows], target)
                return [[rows[a], rows[b]] for a, b in pairs] or sols, pchance, True
            return sols, chance, False
    return [], chance, len(wins) == 1


def _fit_refs(ctx: _Ctx, c: str, ccy: str, A: int, R: list[int], day: int, deep: bool = True) -> list[Option]:
    """Allocations for customer ``c`` when the remittance names items ``R`` of theirs.

    ``deep=False`` (only weak hits, such as a bare number matching the end of an
    id, at a customer the payer is not known to be) skips the set searches."""
    rem = ctx.rem
    sR = sum(rem[r] for r in R)
    if sR == A:
        return [Option(c, [(r, rem[r]) for r in R], "exact")]
    if not deep:
        if sR > 0 and 0 < sR - A <= ctx.tolerance(ccy, sR):
            return [_short(ctx, c, R, A, "tolerance")]
        if len(R) > 1:
            exact = [r for r in R if rem[r] == A]
            if exact:
                return [Option(c, [(r, A)], "exact") for r in exact]
        return [_short(ctx, c, R, A, "partial")] if A < sR else []
    inR = set(R)
    others = [r for r in ctx.open_rows(c, ccy) if r not in inR]
    credits = [r for r in others if rem[r] < 0]
    out: list[Option] = []
    # every referenced item with one or two credit notes netted (all of the customer's credit notes)
    need = A - sR
    if credits and need < 0:
        singles = [[r] for r in credits if rem[r] == need]
        pairs = [[credits[a], credits[b]] for a, b in _pairs([rem[r] for r in credits], need)[0]] if not singles else []
        for extra in (singles or pairs)[:3]:
            o = Option(c, [(r, rem[r]) for r in R] + [(r, rem[r]) for r in extra], "exact")
            o.flags.add("credit_note")
            out.append(o)
    # some of several referenced items (a wrong hit among them), perhaps with credit notes
    if not out and len(R) > 1:
        items = R[:SUBSET_CAP] + credits[: max(0, SUBSET_CAP + 2 - len(R))]
        res = subset_sum([rem[r] for r in items], A, kmin=1, kmax=min(SUBSET_MAX, len(R) + 2), max_solutions=4)
        sols = [sol for sol in res.solutions if any(i < len(R) for i in sol)]
        if sols:
            best_n = max(sum(1 for i in sol if i < len(R)) for sol in sols)
            for sol in sols:
                if sum(1 for i in sol if i < len(R)) != best_n:
                    continue
                rows = [items[i] for i in sol]
                o = Option(c, [(r, rem[r]) for r in rows], "exact" if inR <= set(rows) else "subset")
                o.chance = res.chance
                if any(rem[r] < 0 for r in rows):
                    o.flags.add("credit_note")
                out.append(o)
    if any(o.amount_kind == "exact" for o in out):
        # an exact explanation beats an approximate one; a partial payment stays a rival
        if A < sR:
            out.append(_short(ctx, c, R, A, "partial"))
        return out
    if sR > 0 and 0 < sR - A <= ctx.tolerance(ccy, sR):
        out.append(_short(ctx, c, R, A, "tolerance"))
        return out
    if A > sR:
        # the remittance may name only some of the items paid
        if not out and others and len(R) < SUBSET_MAX:
            sols, chance, full = _subsets(ctx, others, A - sR, day, kmin=1, kmax=SUBSET_MAX - len(R))
            for sol in sols:
                o = Option(c, [(r, rem[r]) for r in R] + [(r, rem[r]) for r in sol], "subset",
                           chance=chance if full else max(chance, MAX_CHANCE))
                if any(rem[r] < 0 for r in sol):
                    o.flags.add("credit_note")
                out.append(o)
        o = Option(c, [(r, rem[r]) for r in R if rem[r] > 0] + [(r, rem[r]) for r in R if rem[r] < 0], "over")
        o.unapplied = A - sum(a for _, a in o.allocs)
        o.flags.add("unapplied_cash")
        out.append(o)
        return out
    out.append(_short(ctx, c, R, A, "partial"))
    return out


def _short(ctx: _Ctx, c: str, R: list[int], A: int, kind: str) -> Option:
    """Apply ``A`` over ``R`` (credit notes first, then invoices oldest first); the gap stays open."""
    rem = ctx.rem
    order = [r for r in R if rem[r] < 0] + sorted((r for r in R if rem[r] > 0), key=lambda r: (ctx.due[r], ctx.ids[r]))
    left = A
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
    o = Option(c, allocs, kind)
    gap = sum(rem[r] for r in R if rem[r] > 0) - sum(a for r, a in allocs if rem[r] > 0)
    if kind == "tolerance":
        o.write_off = gap
        o.flags.add("tolerance")
    elif gap > 0:
        o.flags.add("short_pay")
    if left > 0:  # only credit notes or nothing usable
        o.unapplied = left
        o.flags.add("unapplied_cash")
    return o


def _fit_payer(ctx: _Ctx, c: str, ccy: str, A: int, day: int, sets: bool = True) -> list[Option]:
    """Allocations for customer ``c`` from the amount alone (no reference).

    ``sets=False`` skips the search for sets of items (used for a rival to a
    reference-based fit at the same customer: a set that ignores the invoices
    the remittance names is too weak to matter)."""
    rows = ctx.open_rows(c, ccy)
    if not rows:
        return []
    rem = ctx.rem
    exact = [r for r in rows if rem[r] == A]
    if exact:
        return [Option(c, [(r, A)], "exact", unique=len(exact) == 1) for r in exact]
    sols, chance, full = _subsets(ctx, rows, A, day) if sets else ([], 0.0, True)
    if sols:
        out = []
        for sol in sols:
            o = Option(c, [(r, rem[r]) for r in sol], "subset", chance=chance if full else max(chance, MAX_CHANCE),
                       unique=full and len(sols) == 1 and chance < MAX_CHANCE)
            if any(rem[r] < 0 for r in sol):
                o.flags.add("credit_note")
            out.append(o)
        return out
    tol = ctx.tolerance(ccy, A, referenced=False)
    fits = [r for r in rows if 0 < rem[r] - A <= tol]
    if fits:
        # how many of this customer's items would fall in the window by chance?
        span = max(A // 5, 1000)
        near = sum(1 for r in rows if abs(rem[r] - A) <= span) - 1  # other than the fit itself
        chance = near / (2 * span + 1) * (tol + 1)
        out = []
        for r in fits:
            o = _short(ctx, c, [r], A, "tolerance")
            o.chance = chance
            o.unique = len(fits) == 1 and chance < MAX_CHANCE
            out.append(o)
        return out
    # nothing fits: oldest invoices first, for a person to look at
    o = _short(ctx, c, [r for r in rows if rem[r] > 0], A, "partial")
    o.amount_kind = "fifo"
    return [o]


def _score(o: Option) -> float:
    s = 0.0
    if o.ref_strength:
        s += SCORES["ref:" + o.ref_strength]
        if o.n_refs >= 2 and o.amount_kind in ("exact", "tolerance"):
            s += SCORES["ref:several"]
    s += _payer_score(o.payer_kind)
    if o.conflict:
        s += SCORES["payer:conflict"]
    s += SCORES["amount:" + o.amount_kind]
    if o.unique and not o.ref_strength:
        s += SCORES["amount:unique"]
    if o.amount_kind == "subset" and o.chance >= MAX_CHANCE:
        s += SCORES["amount:crowded"]
    if o.ignores_ref:
        s += SCORES["ref:ignored"]
    if o.said_partial:
        s += SCORES["amount:said_partial"]
    return round(s, 6)


def _evidence(ctx: _Ctx, o: Option, A: int, ccy: str) -> str:
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
    elif k == "subset":
        parts.append(f"amount = sum of {n} open items" + (" (only such set)" if o.unique else ""))
    elif k == "tolerance":
        parts.append(f"{fmt(o.write_off)} {ccy} short: within tolerance (charges/discount)")
    elif k == "partial":
        gap = sum(ctx.rem[r] - a for r, a in o.allocs if ctx.rem[r] > 0)
        parts.append(f"partial payment: {fmt(gap)} {ccy} stays open (short pay)")
    elif k == "over":
        parts.append(f"overpaid: {fmt(o.unapplied)} {ccy} left as unapplied cash")
    elif k == "fifo":
        parts.append("no amount fit; oldest items first")
    if "credit_note" in o.flags:
        parts.append("credit note netted")
    if o.conflict:
        parts.append("CONFLICT: payer is another customer")
    return "; ".join(parts)


def _rule(o: Option) -> str:
    if o.ref_strength:
        head = "ref"
    elif o.payer_kind == "iban":
        head = "iban"
    elif o.payer_kind:
        head = "name"
    else:
        head = "amount"
    tail = {"exact": "amount", "tolerance": "tolerance", "subset": "subset",
            "over": "over", "partial": "partial", "fifo": "oldest"}[o.amount_kind]
    if head == "amount":
        return "amount-only" if tail == "amount" else f"amount+{tail}"
    return f"{head}+{tail}"


def match(payments: pd.DataFrame, invoices: pd.DataFrame, customers: pd.DataFrame | None = None,
          config: Config | None = None, known_ibans: dict | None = None, aliases: dict | None = None) -> pd.DataFrame:
    """Allocate payments to open invoices; see the module docstring.

    ``known_ibans``: ``{iban: customer_id or [customer_id, …]}`` learned from
    earlier confirmed matches.  ``aliases``: ``{customer_id: "name;name" or
    [names]}`` learned payer names (added to ``customers.aliases``).
    """
    config = config or Config()
    ctx = _Ctx(invoices, customers, config, known_ibans, aliases)
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
        days = np.where(np.isnat(vd), np.datetime64("1970-01-01"), vd).astype(np.int64)
    else:
        days = np.zeros(n, dtype=np.int64)
    order = np.lexsort((np.arange(n), days)) if n else []
    results: list[list[dict] | None] = [None] * n
    for i in order.tolist() if n else []:
        results[i] = _one(ctx, pid[i], int(amt[i]), ccys[i], names[i], ibans[i], texts[i], crefs[i], int(days[i]),
                          threshold)
    rows = [r for res in results for r in (res or [])]
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("applied_amount", "short_pay", "write_off"):
        out[c] = out[c].astype(np.int64)
    out["confidence"] = out["confidence"].astype(float)
    out["rank"] = pd.array(out["rank"].tolist(), dtype="Int64")
    for c in ("payment_id", "invoice_id", "customer_id", "currency", "decision", "rule", "evidence", "flags"):
        out[c] = out[c].astype(object)
    return out


_PARTIAL_WORDS = re.compile(
    r"teilzahlung|teilbetrag|abschlag|anzahlung|a[ -]?conto|acompte|partiel|deelbetaling|gedeeltelijk|"
    r"part[ -]?payment|partial|instal+ment|on account", re.IGNORECASE)

FITS = ("exact", "tolerance", "subset")
_STRONG = ("structured", "exact", "norm")
"""Amount kinds that explain the whole payment."""


def _ref_options(ctx: _Ctx, hits: list, ccy: str, A: int, day: int, payers=(), quick: bool = False) -> list[Option]:
    by_c: dict[str, list] = {}
    for h in hits:
        by_c.setdefault(ctx.cust[h.row], []).append(h)
    options = []
    for c, hs in by_c.items():
        deep = not quick and (c in payers or any(h.strength in _STRONG for h in hs))
        for o in _fit_refs(ctx, c, ccy, A, [h.row for h in hs], day, deep):
            used = {r for r, _ in o.allocs}
            used_hits = [h for h in hs if h.row in used] or hs
            best = min(used_hits, key=lambda h: _STRENGTH_ORDER[h.strength])
            o.ref_strength, o.ref_via, o.n_refs = best.strength, best.via, len(used_hits)
            if best.strength == "typo":
                o.flags.add("typo")
            options.append(o)
    return options


def _one(ctx: _Ctx, pid: str, A: int, ccy: str, name: str, iban: str, text: str, cref: str, day: int,
         threshold: float) -> list[dict]:
    def unmatched(evidence: str, customer: str = "", rule: str = "none") -> list[dict]:
        return [dict(payment_id=pid, invoice_id="", customer_id=customer, currency=ccy, applied_amount=0,
                     confidence=0.0, decision="unmatched", rank=None, rule=rule, evidence=evidence,
                     short_pay=0, write_off=0, flags="")]

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
    hits = [h for h in ctx.index.find(text, cref) if ctx.ccy[h.row] == ccy and ctx.rem[h.row] != 0]
    options = _ref_options(ctx, hits, ccy, A, day, payer_kind)
    if hits and not any(o.amount_kind in FITS for o in options):
        # a typo may land on another existing number: try the neighbours of what was written
        seen = {h.row for h in hits}
        near = []
        for h in hits:
            if h.strength in ("exact", "norm", "structured"):
                for r in ctx.index.typo(refs_mod.digit_core(h.via)):
                    if r not in seen and ctx.ccy[r] == ccy and 0 <= ctx.rem[r] - A <= ctx.tolerance(ccy, ctx.rem[r]):
                        seen.add(r)
                        near.append(refs_mod.Hit(r, "typo", h.via))
        for h in near:  # each on its own: the one invoice that was meant
            options += [o for o in _ref_options(ctx, [h], ccy, A, day, (), quick=True)
                        if o.amount_kind in ("exact", "tolerance") and len(o.allocs) == 1]
    fitted = {o.customer for o in options if o.amount_kind in FITS}
    referenced = {o.customer for o in options}
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
    if not options and not identified:
        # the amount alone: never automatic
        for r in ctx.by_amount.get((ccy, A), ())[:MAX_SUGGESTIONS + 1]:
            if ctx.rem[r] == A:
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
    auto = best.score >= threshold and not best.conflict and not contested and not strong_elsewhere
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
        rule = _rule(o)
        flags_base = set(o.flags)
        for r, a in o.allocs:
            left = ctx.rem[r] - a
            short = left if (left > 0 and o.amount_kind != "tolerance" and ctx.rem[r] > 0) else 0
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
                            evidence=ev, short_pay=int(short), write_off=int(wo), flags=";".join(sorted(fl))))
            if auto:  # what the write-off closes is no longer open for a later payment either
                ctx.rem[r] -= a + wo
        if o.unapplied:
            out.append(dict(payment_id=pid, invoice_id="", customer_id=o.customer, currency=ccy,
                            applied_amount=int(o.unapplied), confidence=conf, decision=decision, rank=rank,
                            rule=rule, evidence=ev, short_pay=0, write_off=0, flags="unapplied_cash"))
    return out


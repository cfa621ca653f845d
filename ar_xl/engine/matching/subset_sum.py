"""Subset sum: which sets of 2..6 amounts add up exactly to a target, and how likely such a set is by chance.

A meet-in-the-middle search over at most ``SUBSET_CAP`` items (``subset_sum``) returns the sets of the
smallest size that hit the target in cents, and the density of subset sums of that size around it; a set
counts as telling only when that chance is below ``MAX_CHANCE``.  Pure numpy: it knows nothing of
invoices or customers.

Speed: a search whose target no size can reach (below the sum of the k smallest amounts or above that of the k
largest, for every k) ends before any sum is made (``_within_reach``: a third of the searches).  The subset
sums of a half are one product with a cached table of which items each subset holds
(``_bits``); most searches find nothing, so one look-up per left subset first tells whether any left sum
meets any right sum at all; when few pairs meet, the sets are read from those pairs (``_from_pairs``),
else from the search per left subset and size.  Every path gives the same sets, in the same order, and
the same density.
"""
from __future__ import annotations

import numpy as np
from dataclasses import dataclass

SUBSET_CAP = 20
SUBSET_MIN, SUBSET_MAX = 2, 6
MAX_CHANCE = 0.01
"""A set of items adding up to the payment counts as telling (not a coincidence) only when fewer
than this many sets of its size would hit the amount by chance."""


_BAND = 1 << 42
"""Subset sums (|sum| < 2**41 cents) are keyed as ``count * _BAND + sum``, so one sorted
array answers "which subsets of exactly k items sum to x" for every k at once."""


def _bits(h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For ``h`` items: which items each subset holds (subset ``mask`` at row ``mask``), its size, its mask."""
    got = _BITS.get(h)
    if got is None:
        masks = np.arange(1 << h, dtype=np.int64)
        bits = (masks[:, None] >> np.arange(h, dtype=np.int64)[None, :]) & 1
        got = _BITS[h] = (bits, bits.sum(axis=1), masks)
    return got


_BITS: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _half_sums(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum and size of every subset of ``a``; subset ``mask`` sits at position ``mask``."""
    bits, counts, _ = _bits(len(a))
    return bits @ a, counts


_FEW_PAIRS = 256
"""Up to this many (left, right) pairs whose sums meet, the sets are read from those pairs alone."""


def _from_pairs(s1, c1, m1, s2, c2, m2, h1, n, target, kmin, kmax, max_solutions, meets, lo, hi) -> "SubsetResult":
    """``subset_sum`` when few (left, right) pairs of subsets meet the target: the smallest size among
    them, the sets of that size in the order of the full search (left subsets by falling size, sum and
    mask; right ones by rising mask), and the same density of sums of that size around the target."""
    order2 = np.argsort(s2, kind="stable")  # the right subsets by sum, rising mask among equal sums
    c1l, c2l, order2l = c1.tolist(), c2.tolist(), order2.tolist()
    found = []  # (left, right, size)
    for i, a, b in zip(meets.tolist(), lo.tolist(), hi.tolist()):
        for pos in range(a, b):
            j = order2l[pos]
            k = c1l[i] + c2l[j]
            if kmin <= k <= kmax:
                found.append((i, j, k))
    if not found:
        return SubsetResult([])
    kr = min(k for _, _, k in found)
    width = max(1000, abs(int(target)) // 50)
    key2 = np.sort(c2 * _BAND + s2)
    need = kr - c1
    row = need * _BAND + (target - s1)
    dens = float(np.where(need >= 0, np.searchsorted(key2, row + width, side="right")
                          - np.searchsorted(key2, row - width, side="left"), 0).sum()) / (2 * width + 1)
    s1l, m1l, m2l = s1.tolist(), m1.tolist(), m2.tolist()
    at_size = sorted((f for f in found if f[2] == kr), key=lambda f: (-c1l[f[0]], -s1l[f[0]], -m1l[f[0]], m2l[f[1]]))
    sols = []
    for i, j, _ in at_size[:max_solutions]:
        mask = m1l[i] | (m2l[j] << h1)
        sols.append(tuple(x for x in range(n) if mask >> x & 1))
    return SubsetResult(sols, kr, dens)


def _within_reach(amounts, target: int, kmin: int, kmax: int) -> bool:
    """Whether some size k in ``kmin..kmax`` has ``target`` between the sum of the k smallest and of the k
    largest amounts: no set of k items can add up to it otherwise (a third of the searches end here)."""
    ordered = sorted(amounts)
    n = len(ordered)
    low = high = 0
    for k in range(1, min(kmax, n) + 1):
        low += ordered[k - 1]
        high += ordered[n - k]
        if k >= kmin and low <= target <= high:
            return True
    return False


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
    if not _within_reach(amounts, target, kmin, kmax):
        return SubsetResult([])
    a = np.asarray(amounts, dtype=np.int64)
    n = len(a)
    if n == 0 or kmax <= 0 or kmin > n:
        return SubsetResult([])
    h1 = n // 2
    h2 = n - h1
    s1, c1 = _half_sums(a[:h1])
    s2, c2 = _half_sums(a[h1:])
    m1 = _bits(h1)[2]
    m2 = _bits(h2)[2]
    if must:
        need1, need2 = must & ((1 << h1) - 1), must >> h1
        k1 = (m1 & need1) == need1
        k2 = (m2 & need2) == need2
        s1, c1, m1 = s1[k1], c1[k1], m1[k1]
        s2, c2, m2 = s2[k2], c2[k2], m2[k2]
    ok1 = c1 <= kmax
    s1, c1, m1 = s1[ok1], c1[ok1], m1[ok1]
    # most searches find nothing: first whether any left sum meets any right sum at all, whatever the
    # sizes (one search per left subset and no sorting of the left, where the full search is one per left
    # subset and size)
    sums2 = np.sort(s2)
    want = target - s1
    at = np.searchsorted(sums2, want)
    if not len(sums2):
        return SubsetResult([])
    meets = np.flatnonzero(sums2[np.minimum(at, len(sums2) - 1)] == want)
    if not len(meets):
        return SubsetResult([])
    upto = np.searchsorted(sums2, want[meets], side="right")
    if int((upto - at[meets]).sum()) <= _FEW_PAIRS:
        return _from_pairs(s1, c1, m1, s2, c2, m2, h1, n, target, kmin, kmax, max_solutions, meets, at[meets], upto)
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



RUN_PAIRS_MAX = 16_000
"""``run_sets`` gives up (finds nothing) when more pairs than this fall due within the span: a customer with
that many items due together has too many sets of every total for one to tell anything."""
RUN_FOURS_MAX = 4_000
"""… and looks for sets of four only up to this many pairs (beyond, sets of four are as many as coincidences)."""
RUN_TRIPLES_MAX = 8_000
"""… and for sets of five and six (when none of two to four adds up) only up to this many sets of three due
within the span."""
_RUN_MATCHES_MAX = 20_000
"""Candidate (pair, item) or (pair, pair) combinations looked at per search, at most."""


@dataclass
class RunPairs:
    """The pairs of items falling due within ``span`` days of each other (``run_pairs``): item indexes ``i < j``
    and their sums; the items by amount; and, when there are at most ``RUN_FOURS_MAX`` pairs, the pairs sorted
    by sum (``ss``, ``oi``, ``oj``; else ``None``).  Depends only on the items, so a caller may keep it while
    they do not change."""
    a: np.ndarray
    d: np.ndarray
    span: int
    pi: np.ndarray
    pj: np.ndarray
    ps: np.ndarray
    ao: np.ndarray
    asorted: np.ndarray
    ss: np.ndarray | None
    oi: np.ndarray | None
    oj: np.ndarray | None
    triples: tuple | None = None
    """(i, j, k, sum) of the sets of three due within the span, sorted by sum; built on first use (``_triples``)."""


def _triples(p: "RunPairs") -> tuple | None:
    """The sets of three items due within the span (a pair and a later item), sorted by sum; ``None`` when
    more than ``RUN_TRIPLES_MAX``."""
    if p.triples is None:
        hi = np.searchsorted(p.d, p.d + p.span, side="right")
        cnt = np.maximum(hi[p.pi] - p.pj - 1, 0)  # items k after j within the span of i
        total = int(cnt.sum())
        if total > RUN_TRIPLES_MAX:
            p.triples = ()
        else:
            ti, tj = np.repeat(p.pi, cnt), np.repeat(p.pj, cnt)
            tk = tj + 1 + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            ts = p.a[ti] + p.a[tj] + p.a[tk]
            o = np.argsort(ts, kind="stable")
            p.triples = (ti[o], tj[o], tk[o], ts[o])
    return p.triples or None


def run_pairs(amounts, dues, span: int) -> RunPairs | None:
    """The pair table of ``run_sets`` for items with these amounts and (rising) due dates; ``None`` when
    there are more than ``RUN_PAIRS_MAX`` such pairs."""
    a = np.asarray(amounts, dtype=np.int64)
    d = np.asarray(dues, dtype=np.int64)
    n = len(a)
    idx = np.arange(n)
    hi = np.searchsorted(d, d + span, side="right")  # items i+1 .. hi-1 fall due within the span of item i
    cnt = np.maximum(hi - idx - 1, 0)
    total = int(cnt.sum())
    if n < 2 or total == 0 or total > RUN_PAIRS_MAX:
        return None
    pi = np.repeat(idx, cnt)
    pj = pi + 1 + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    ps = a[pi] + a[pj]
    ao = np.argsort(a, kind="stable")
    if total > RUN_FOURS_MAX:
        return RunPairs(a, d, span, pi, pj, ps, ao, a[ao], None, None, None)
    order = np.argsort(ps, kind="stable")
    return RunPairs(a, d, span, pi, pj, ps, ao, a[ao], ps[order], pi[order], pj[order])


def _meet(ss: np.ndarray, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (query, position) with ``ss[position] == want[query]`` (``ss`` sorted; ``want`` best sorted too:
    the searches then run in order), at most ``_RUN_MATCHES_MAX``: most queries meet nothing, so one search
    per query first tells which meet any at all."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(ss) or not len(want):
        return empty, empty
    lo = np.searchsorted(ss, want, side="left")
    q = np.flatnonzero(ss[np.minimum(lo, len(ss) - 1)] == want)
    if not len(q):
        return empty, empty
    lo = lo[q]
    cnt = np.searchsorted(ss, want[q], side="right") - lo
    csum = np.cumsum(cnt)
    if csum[-1] > _RUN_MATCHES_MAX:
        keep = int(np.searchsorted(csum, _RUN_MATCHES_MAX, side="right"))
        q, lo, cnt, csum = q[:keep], lo[:keep], cnt[:keep], csum[:keep]
    owner = np.repeat(q, cnt)
    pos = np.repeat(lo, cnt) + (np.arange(int(csum[-1]) if len(csum) else 0) - np.repeat(csum - cnt, cnt))
    return owner, pos


def run_sets(pairs: RunPairs | None, target: int, kmax: int = 6, limit: int = 24) -> list[tuple]:
    """Every set of 2..``kmax`` (at most 6) items whose due dates lie within the span of ``pairs``
    (``run_pairs``) of each other and whose amounts add up exactly to ``target`` (cents): index tuples in
    rising order, pairs first, then sets of three, then of four; sets of five and six only when there is no
    smaller one (and at most ``RUN_TRIPLES_MAX`` sets of three); at most ``limit``.

    Exhaustive over all items, not over runs of ``SUBSET_CAP`` of them: a set of three is a pair and a later
    item, a set of four a pair and a later pair, of five a pair and a later set of three, of six a set of
    three and a later one (each set found once)."""
    if pairs is None or kmax < 2:
        return []
    p = pairs
    hit = p.ps == target
    out: list[tuple] = list(zip(p.pi[hit].tolist(), p.pj[hit].tolist()))
    if kmax < 3 or len(out) >= limit:
        return out[:limit]
    # three: a pair (i, j) and an item k after j, all within the span of i
    q, pos = _meet(p.asorted, target - p.ps)
    i, j, k = p.pi[q], p.pj[q], p.ao[pos]
    ok = (j < k) & (p.d[k] - p.d[i] <= p.span)
    out += zip(i[ok].tolist(), j[ok].tolist(), k[ok].tolist())
    if kmax < 4 or len(out) >= limit or p.ss is None:
        return out[:limit]
    # four: a pair (i, j) and a pair (k, l) with j < k, all within the span of i (the pairs by falling sum,
    # so that what they want rises)
    last = len(p.ss) - 1
    q, pos = _meet(p.ss, target - p.ss[::-1])
    i, j, k, l = p.oi[last - q], p.oj[last - q], p.oi[pos], p.oj[pos]
    ok = (j < k) & (p.d[l] - p.d[i] <= p.span)
    out += zip(i[ok].tolist(), j[ok].tolist(), k[ok].tolist(), l[ok].tolist())
    if out or kmax < 5:
        return out[:limit]
    t = _triples(p)
    if t is None:
        return out
    ti, tj, tk, ts = t
    # five: a pair (i, j) and a set of three (k, l, m) with j < k, all within the span of i
    q, pos = _meet(ts, target - p.ss[::-1])
    i, j, k, l, m = p.oi[last - q], p.oj[last - q], ti[pos], tj[pos], tk[pos]
    ok = (j < k) & (p.d[m] - p.d[i] <= p.span)
    out += zip(i[ok].tolist(), j[ok].tolist(), k[ok].tolist(), l[ok].tolist(), m[ok].tolist())
    if kmax < 6 or len(out) >= limit:
        return out[:limit]
    # six: a set of three (i, j, k) and a later one (l, m, x), all within the span of i
    tl = len(ts) - 1
    q, pos = _meet(ts, target - ts[::-1])
    i, j, k, l, m, x = ti[tl - q], tj[tl - q], tk[tl - q], ti[pos], tj[pos], tk[pos]
    ok = (k < l) & (p.d[x] - p.d[i] <= p.span)
    out += zip(i[ok].tolist(), j[ok].tolist(), k[ok].tolist(), l[ok].tolist(), m[ok].tolist(), x[ok].tolist())
    return out[:limit]

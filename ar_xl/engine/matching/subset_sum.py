"""Subset sum: which sets of 2..6 amounts add up exactly to a target, and how likely such a set is by chance.

A meet-in-the-middle search over at most ``SUBSET_CAP`` items (``subset_sum``) returns the sets of the
smallest size that hit the target in cents, and the density of subset sums of that size around it; a set
counts as telling only when that chance is below ``MAX_CHANCE``.  Pure numpy: it knows nothing of
invoices or customers.

Speed: the subset sums of a half are one product with a cached table of which items each subset holds
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

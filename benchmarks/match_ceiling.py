"""How far suggestion top-1 can go on ``matchgen.py`` data at all: the best any ranking could do on the payments
the engine leaves for review, next to what the engine does.

    PYTHONPATH=. .venv/bin/python benchmarks/match_ceiling.py --data /tmp/md      # CSVs from matchgen.py

Some review payments cannot be told apart by anything in the data, by construction of the generator:

* ``iban_subset`` (a set of the payer's open items, no reference).  The generator picks an anchor item and 1..5
  more items due within ``NEAR_DAYS`` of it.  Every set of 2..6 of the customer's open invoices (as the engine
  saw them when it last read the payment) that adds up to the payment and could have been drawn that way is
  enumerated, and each gets the probability the generator gives it (an anchor in the set within ``NEAR_DAYS`` of
  all the others, then that many of the anchor's neighbours: ``1/5 * 1/C(neighbours, k-1)`` per anchor).  The
  best a ranking can do is to put the likeliest set first: its share of the total is that payment's ceiling.
  This ranking knows the generator's own process, which real payments do not follow; it is a bound, not a goal.
* ``trap_same_amount`` (the same amount open at two customers, no reference, a payer nobody knows): the open
  invoices of exactly that amount, narrowed to the customers whose language the remittance is written in when
  it is (``language.language_of``); one of them, by chance.
* ``iban_amount`` and ``name_only_cut``: the payer's open invoices of exactly that amount; one of them.
* every other scenario counts as decidable (ceiling 1).

Prints, per scenario and in all: review payments, the engine's top-1, the ceiling (the expected share a best
ranking gets right) and how many the best ranking gets right on this data; and, for ``iban_subset``, how many
sets add up per payment.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from collections import defaultdict

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from ar_xl.engine import matching  # noqa: E402
from ar_xl.engine.matching import driver  # noqa: E402
from ar_xl.engine.matching.language import language_of  # noqa: E402
from match_score import read_inputs  # noqa: E402

NEAR_DAYS = 30
"""``matchgen``: the items of a set paid without a reference fall due within this many days of its anchor."""
MAX_MORE = 5
"""``matchgen``: 1..this many items besides the anchor, uniformly."""
EQUAL_ONLY = ("iban_amount", "name_only_cut")


def _pairs(d: np.ndarray, span: int):
    """Index arrays of the (i<j) pairs of items (rising due days ``d``) due within ``span`` days of each other."""
    hi = np.searchsorted(d, d + span, side="right")
    idx = np.arange(len(d))
    cnt = np.maximum(hi - idx - 1, 0)
    pi = np.repeat(idx, cnt)
    pj = pi + 1 + (np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    return pi, pj, hi


def _meet(sums_a: np.ndarray, sums_b: np.ndarray, target: int):
    """Every (a, b) with ``sums_a[a] + sums_b[b] == target``."""
    order = np.argsort(sums_b, kind="stable")
    sb = sums_b[order]
    want = target - sums_a
    lo = np.searchsorted(sb, want, side="left")
    cnt = np.searchsorted(sb, want, side="right") - lo
    a = np.repeat(np.arange(len(sums_a)), cnt)
    pos = np.repeat(lo, cnt) + (np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    return a, order[pos]


MAX_TRIPLES = 1_500_000
"""Sets of five and six are enumerated only for customers with at most this many sets of three due together
(``drawable_sets`` gives None beyond; ``_set_bound`` then bounds the ceiling from the sets of two to four)."""


def drawable_sets(amounts, dues, target: int, largest: int = 6) -> list[tuple] | None:
    """Every set of 2..``largest`` (4 or 6) items (index tuples into ``amounts``/``dues``, due days rising) adding
    up to ``target`` in which one item falls due within ``NEAR_DAYS`` of all the others; None when sets of five
    and six are asked for and the items are too many (``MAX_TRIPLES``)."""
    a = np.asarray(amounts, dtype=np.int64)
    d = np.asarray(dues, dtype=np.int64)
    span = 2 * NEAR_DAYS
    pi, pj, hi = _pairs(d, span)
    if largest > 4:
        more = np.maximum(hi[pi] - pj - 1, 0)  # the sets of three: a pair and a later item within its span
        if int(more.sum()) > MAX_TRIPLES:
            return None
        ti, tj = np.repeat(pi, more), np.repeat(pj, more)
        tk = tj + 1 + (np.arange(int(more.sum())) - np.repeat(np.cumsum(more) - more, more))
    ps = a[pi] + a[pj]
    hit = ps == target
    found: list[tuple] = list(zip(pi[hit].tolist(), pj[hit].tolist()))
    x, y = _meet(ps, a, target)  # three: pair, later item
    ok = (pj[x] < y) & (d[y] - d[pi[x]] <= span)
    found += zip(pi[x][ok].tolist(), pj[x][ok].tolist(), y[ok].tolist())
    x, y = _meet(ps, ps, target)  # four: pair, later pair
    ok = (pj[x] < pi[y]) & (d[pj[y]] - d[pi[x]] <= span)
    found += zip(pi[x][ok].tolist(), pj[x][ok].tolist(), pi[y][ok].tolist(), pj[y][ok].tolist())
    if largest > 4:
        ts = a[ti] + a[tj] + a[tk]
        x, y = _meet(ps, ts, target)  # five: pair, later triple
        ok = (pj[x] < ti[y]) & (d[tk[y]] - d[pi[x]] <= span)
        found += zip(pi[x][ok].tolist(), pj[x][ok].tolist(), ti[y][ok].tolist(), tj[y][ok].tolist(),
                     tk[y][ok].tolist())
        x, y = _meet(ts, ts, target)  # six: triple, later triple
        ok = (tk[x] < ti[y]) & (d[tk[y]] - d[ti[x]] <= span)
        found += zip(ti[x][ok].tolist(), tj[x][ok].tolist(), tk[x][ok].tolist(),
                     ti[y][ok].tolist(), tj[y][ok].tolist(), tk[y][ok].tolist())
    out = []
    for s in found:
        lo, hi_ = int(d[s[0]]), int(d[s[-1]])
        if any(hi_ - NEAR_DAYS <= d[i] <= lo + NEAR_DAYS for i in s):
            out.append(tuple(s))
    return out


def _weight(neighbours: int, more: int) -> float:
    """``matchgen``'s chance of drawing one given set of ``more`` of an anchor's ``neighbours``."""
    if more < 1 or neighbours < more:
        return 0.0
    ways = sum(1 for r in range(1, MAX_MORE + 1) if min(neighbours, r) == more)
    return ways / MAX_MORE / math.comb(neighbours, more)


def _neighbours(d: np.ndarray) -> list[int]:
    """Per item, the other items due within ``NEAR_DAYS`` of it (what the generator draws from, with it the anchor)."""
    return (np.searchsorted(d, d + NEAR_DAYS, side="right") - np.searchsorted(d, d - NEAR_DAYS, side="left")
            - 1).tolist()


def set_odds(sets: list[tuple], dues) -> list[float]:
    """Each set's probability under the generator, up to one factor common to the customer's sets."""
    d = np.asarray(dues, dtype=np.int64)
    neighbours = _neighbours(d)
    out = []
    for s in sets:
        out.append(sum(_weight(neighbours[a], len(s) - 1) for a in s
                       if all(abs(int(d[x]) - int(d[a])) <= NEAR_DAYS for x in s)))
    return out


def _set_bound(items, target: int, truth_set: frozenset, engine_right: bool):
    """(ceiling, right by the best ranking, note, sets enumerated) of an ``iban_subset`` payment whose customer's
    open items were ``items`` (id, open amount, due day).

    Too many items for sets of five and six (note ``bounded``): the ceiling is bounded from the sets of two to
    four E, the likeliest set either among them or a larger one no likelier than M (its size times the largest
    weight any anchor gives a set of that size): at most max(max E / sum E, M / (M + sum E)); the best ranking's
    hits are then counted as the engine's.  The truth not among the sets (note ``missing``: an item of it was not
    open as the engine read the payment): counted as decidable, as the engine did."""
    ids = [i for i, _, _ in items]
    amounts = [x for _, x, _ in items]
    dues = [d for _, _, d in items]
    sets = drawable_sets(amounts, dues, target)
    if sets is None:
        smaller = drawable_sets(amounts, dues, target, largest=4)
        odds = set_odds(smaller, dues)
        neighbours = _neighbours(np.asarray(dues, dtype=np.int64))
        larger = max(k * max(_weight(n, k - 1) for n in neighbours) for k in (5, 6))
        total = sum(odds)
        bound = max(max(odds) / total, larger / (larger + total)) if odds else 1.0
        return bound, float(engine_right), "bounded", len(smaller)
    named = [frozenset(ids[i] for i in st) for st in sets]
    if truth_set not in named:
        return 1.0, float(engine_right), "missing", len(sets)
    odds = set_odds(sets, dues)
    top = max(odds)
    tops = [n for n, o in zip(named, odds) if o == top]
    return top / sum(odds), (truth_set in tops) / len(tops), "", len(sets)


def _snapshots(pay, inv, cus, known, wanted: dict):
    """Run the engine; for each payment in ``wanted`` (payment id -> customer), the open items of that customer
    (row, open amount, due day) in the payment's currency, as the engine last read the payment; and for every
    payment the rows open for exactly its amount (``by_amount``) then."""
    snap, same = {}, {}
    one = driver._one

    def hooked(ctx, payment, *a, **k):
        cid = wanted.get(payment.payment_id)
        if cid is not None:
            rows = [r for r in ctx.by_cust.get((cid, payment.currency), ()) if ctx.rem[r] > 0]
            snap[payment.payment_id] = [(ctx.ids[r], ctx.rem[r], ctx.due[r]) for r in rows]
        same[payment.payment_id] = [(ctx.ids[r], ctx.cust[r]) for r in ctx.by_amount.get(
            (payment.currency, payment.amount), ()) if ctx.rem[r] == payment.amount]
        return one(ctx, payment, *a, **k)

    driver._one = hooked
    try:
        return matching.match(pay, inv, cus, known_ibans=known), snap, same
    finally:
        driver._one = one


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="the best top-1 any ranking could reach on matchgen data")
    ap.add_argument("--data", required=True, help="folder with the CSVs of matchgen.py")
    a = ap.parse_args(argv)
    inv, pay, cus, known = read_inputs(a.data)
    truth = pd.read_csv(os.path.join(a.data, "truth.csv"), dtype=str, keep_default_na=False)
    truth = truth[truth["invoice_id"] != ""]
    scen = truth.drop_duplicates("payment_id").set_index("payment_id")["scenario"]
    true_sets = {p: frozenset(g["invoice_id"]) for p, g in truth.groupby("payment_id")}
    cust_of = dict(zip(inv["invoice_id"].astype(str), inv["customer_id"].astype(str)))
    wanted = {p: cust_of[next(iter(s))] for p, s in true_sets.items() if scen[p] in ("iban_subset",) + EQUAL_ONLY}
    res, snap, same = _snapshots(pay, inv, cus, known, wanted)
    res["invoice_id"] = res["invoice_id"].fillna("").astype(str)
    auto = set(res["payment_id"][res["decision"] == "auto"])
    first = res[(res["decision"] == "suggested") & (res["rank"] == 1)]
    rank1 = {p: frozenset(g["invoice_id"][g["invoice_id"] != ""]) for p, g in first.groupby("payment_id")}
    lang = dict(zip(cus["customer_id"].astype(str), cus["language"].astype(str).str.lower()))
    remit = dict(zip(pay["payment_id"], pay["remittance"].fillna("").astype(str)))
    amount = dict(zip(pay["payment_id"], pay["amount"].astype(np.int64).tolist()))
    rows = defaultdict(lambda: dict(review=0, engine=0, ceiling=0.0, best_here=0.0, missing=0, bounded=0))
    counts = []
    for p, truth_set in true_sets.items():
        if p in auto or p not in rank1:
            continue
        s = scen[p]
        engine_right = rank1[p] == truth_set
        ceiling, best_here, note = 1.0, float(engine_right), ""
        if s == "iban_subset":
            ceiling, best_here, note, n_sets = _set_bound(snap[p], amount[p], truth_set, engine_right)
            if note != "bounded":
                counts.append(n_sets)
        elif s == "trap_same_amount" or s in EQUAL_ONLY:
            cands = same.get(p, [])
            if s in EQUAL_ONLY:
                cands = [(i, c) for i, c in cands if c == wanted[p]]
            else:
                spoken = language_of(remit.get(p, ""))
                if spoken and any(lang.get(c) == spoken for _, c in cands):
                    cands = [(i, c) for i, c in cands if lang.get(c) == spoken]
            if any(frozenset([i]) == truth_set for i, _ in cands):
                ceiling = best_here = 1 / len(cands)
        for key in (s, "ALL"):
            r = rows[key]
            r["review"] += 1
            r["engine"] += engine_right
            r["ceiling"] += ceiling
            r["best_here"] += best_here
            if note:
                r[note] += 1
    table = pd.DataFrame([dict(scenario=k, **v) for k, v in rows.items()])
    table["engine_top1"] = table["engine"] / table["review"]
    table["ceiling_top1"] = table["ceiling"] / table["review"]
    table["best_here_top1"] = table["best_here"] / table["review"]
    table = table.sort_values("review", ascending=False)
    pd.set_option("display.width", 200)
    pct = {c: "{:.1%}".format for c in ("engine_top1", "ceiling_top1", "best_here_top1")}
    print(table[["scenario", "review", "engine_top1", "ceiling_top1", "best_here_top1", "missing", "bounded"]].to_string(
        index=False, formatters=pct))
    if counts:
        c = np.asarray(counts)
        print(f"iban_subset left for review: sets that add up and could have been drawn, per payment: median "
              f"{int(np.median(c))}, one only {int((c == 1).sum())} of {len(c)}, 10 or more {int((c >= 10).sum())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

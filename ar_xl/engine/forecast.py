"""The weekly cash forecast: when the open items are expected to be paid, per ISO week and currency.

The rules
---------
**Weeks.**  Week 1 is the ISO week (Monday to Sunday) holding the as-of date; the horizon is ``weeks``
weeks from there.  Money expected after the horizon's last Sunday is on the ``beyond horizon`` line.

**Each open item** (open amount not 0, credit notes included) is expected at its due date shifted by
its customer's payment behaviour: ``expected = due_date + days_late(customer)``.

* ``days_late`` is the **weighted median** of the customer's matched history: one observation per
  applied Matches row (amount above 0) whose payment's value date is on or before the as-of date,
  ``value_date - due_date`` of the invoice it paid, in whole days (negative when paid early).
  Each observation weighs ``0.5 ** (age / half_life)`` with ``age = as_of - value_date`` in days and
  ``half_life`` = Config ``forecast_half_life_days`` (default 90): a payment 90 days old counts half
  as much as one made today, one 180 days old a quarter.  The weighted median is the smallest
  ``days_late`` at which the observations up to it hold at least half of the customer's total weight.
* A customer with fewer than Config ``forecast_min_history`` observations (default 3) gets the
  **portfolio's** days late: the same weighted median over every customer's observations.  With no
  history at all the portfolio's is 0 (items are expected at their due date).
* **Expected already**: an item whose expected date is before the as-of date (overdue, or expected
  earlier in the week) is expected in week 1.  The forecast does not guess which overdue money never
  comes; the backtest shows how much that costs.

**Promises and plan installments.**  A live promise (status ``open``; amount - received left) and each
installment of an active plan with money open are expected at their own date (promised date,
installment due date; a past one in week 1), times the customer's **kept-rate**:

* kept-rate = promises kept / promises due, over the customer's promises and installments that came
  due: a ``kept`` promise or a ``paid`` / ``late`` installment counts 1, a ``partly kept`` promise
  received / amount, a ``broken`` promise or ``missed`` installment 0.  A customer with none gets the
  portfolio's kept-rate over all of them; with none anywhere it is 1 (taken at its word).
* The commitment takes money of its invoices (``invoice_ids``; without ids, the customer's open
  invoices in its currency, oldest due first), capped at what they have open and not yet committed;
  commitments are served in date order.  ``kept-rate x committed`` (half away from zero to the cent)
  goes to the commitment's week (``by_promise``); the rest to the ``kept-rate shortfall`` line (not
  expected).  What the invoices have open beyond their commitments follows the behaviour rule.

**Shown apart**: items whose state is ``legal`` or ``written off``, and items on a live dispute, are on
their own lines (``legal``, ``written off``, ``disputed``) and not in the expected figures.

**Reconciliation**: per currency, the amounts of all lines (weeks + beyond horizon + kept-rate
shortfall + disputed + legal + written off) add up to the open amount of the open items, to the cent.
Base amounts are sums of the items' amounts converted one by one with the Config rate, half away from
zero (as the aging converts), so the base total is the aging's total AR.

**Backtest** (``backtest``): forecast from a date in the past and compare with the cash that came.
The open items *as they were* on the morning of the start date ``F`` are rebuilt from the records: the
invoices issued before ``F`` with ``open then = open today + sum of (applied_amount + write_off)`` of the
applied Matches rows whose payment's value date is ``F`` or later; those with nothing open then drop
out.  Only history with value dates before ``F`` shapes the behaviour; items on a dispute opened before
``F`` and not resolved before it are apart.  Promises and plans are not replayed (their state at ``F``
is not recorded).  The *actual* of a week is the cash applied (``applied_amount``, base currency) by
payments with value date in that week (``F`` or later) to the items open at ``F``; with ``F`` a Monday
every week is whole.  Errors over the
``weeks`` weeks, with ``f`` the forecast and ``a`` the actual of a week:

* ``WAPE`` (weighted absolute percentage error) = sum |f - a| / sum a: the share of the cash that came
  which the forecast put in the wrong week (or never expected, or expected and never came);
* ``MAPE`` = mean over the weeks with a > 0 of |f - a| / a (every week counts the same, so a small
  week with a large miss weighs much);
* ``bias`` = (sum f - sum a) / sum a.

The same errors are given for a naive forecast (every item at its due date, no shift) beside it.

Money is integer cents; dates in and out are ``datetime64[ns]`` at midnight.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from .. import frames
from ..money import convert
from .disputes import split_ids

APART = ("disputed", "legal", "written off")
LINES = ("expected", "beyond horizon", "kept-rate shortfall") + APART


@dataclass(frozen=True)
class Settings:
    weeks: int = 13
    half_life_days: int = 90
    min_history: int = 3


def _day(v) -> dt.date:
    return pd.Timestamp(v).date()


def monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def week_label(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


_text = frames.text_column


def _days(values) -> np.ndarray:
    return np.asarray(pd.to_datetime(pd.Series(values)).to_numpy(), dtype="datetime64[D]")


# ---------------------------------------------------------------- history and behaviour

def history(invoices: pd.DataFrame, payments: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """The applied Matches rows with what the forecast needs: customer_id, invoice_id, due_date,
    value_date (the payment's), currency (the payment's), applied_amount and write_off (cents)."""
    cols = ["customer_id", "invoice_id", "due_date", "value_date", "currency", "applied_amount", "write_off"]
    if matches is None or not len(matches) or payments is None or not len(payments):
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in ("due_date", "value_date") else object)
                             for c in cols})
    m = matches.loc[matches["applied"].fillna(False).astype(bool).to_numpy()]
    pay = payments.assign(payment_id=_text(payments, "payment_id")).drop_duplicates("payment_id").set_index("payment_id")
    inv = invoices.assign(invoice_id=_text(invoices, "invoice_id")).drop_duplicates("invoice_id").set_index("invoice_id")
    pid = _text(m, "payment_id").to_numpy()
    iid = _text(m, "invoice_id").to_numpy()
    cust = _text(m, "customer_id").to_numpy()
    from_inv = _text(inv, "customer_id").reindex(iid).fillna("").to_numpy()
    out = pd.DataFrame({
        "customer_id": np.where(from_inv != "", from_inv, cust),
        "invoice_id": iid,
        "due_date": pd.to_datetime(inv["due_date"].reindex(iid)).to_numpy(),
        "value_date": pd.to_datetime(pay["value_date"].reindex(pid)).to_numpy(),
        "currency": _text(pay, "currency").str.upper().reindex(pid).fillna("").to_numpy(),
        "applied_amount": pd.to_numeric(m["applied_amount"], errors="coerce").fillna(0).astype(np.int64).to_numpy(),
        "write_off": pd.to_numeric(m["write_off"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
        if "write_off" in m.columns else np.zeros(len(m), dtype=np.int64),
    })
    return out.loc[out["value_date"].notna().to_numpy()].reset_index(drop=True)


def behaviour(hist: pd.DataFrame, as_of: dt.date, half_life_days: int = 90, min_history: int = 3
              ) -> tuple[pd.DataFrame, int]:
    """(per customer: customer_id, days_late, payments, weight), the portfolio's days late) as of
    ``as_of`` (module docstring).  ``days_late`` is the customer's own only where it has at least
    ``min_history`` observations; the frame lists every customer with history."""
    if half_life_days < 1:
        raise ValueError(f"the half-life must be 1 day or more, not {half_life_days!r}")
    h = hist.loc[hist["due_date"].notna().to_numpy() & hist["value_date"].notna().to_numpy()
                 & (hist["applied_amount"].to_numpy() > 0)]
    vd = _days(h["value_date"])
    keep = vd <= np.datetime64(as_of, "D")
    h, vd = h.loc[keep], vd[keep]
    empty = pd.DataFrame({"customer_id": pd.Series(dtype=object), "days_late": pd.Series(dtype=np.int64),
                          "payments": pd.Series(dtype=np.int64), "weight": pd.Series(dtype=float)})
    if not len(h):
        return empty, 0
    late = (vd - _days(h["due_date"])).astype(np.int64)
    age = (np.datetime64(as_of, "D") - vd).astype(np.int64)
    w = np.power(0.5, age / float(half_life_days))
    obs = pd.DataFrame({"customer_id": h["customer_id"].astype(str).to_numpy(), "days_late": late, "w": w})
    portfolio = _weighted_median(obs.assign(customer_id=""))
    per = _weighted_median(obs)
    counts = obs.groupby("customer_id").agg(payments=("w", "size"), weight=("w", "sum"))
    per = per.rename("days_late").to_frame().join(counts, how="left").reset_index()
    own = per["payments"].to_numpy() >= max(int(min_history), 1)
    per["days_late"] = np.where(own, per["days_late"].to_numpy(), int(portfolio.iloc[0]))
    return per[["customer_id", "days_late", "payments", "weight"]], int(portfolio.iloc[0])


def _weighted_median(obs: pd.DataFrame) -> pd.Series:
    """Per customer_id, the smallest days_late whose cumulative weight reaches half the total."""
    o = obs.sort_values(["customer_id", "days_late"], kind="stable")
    g = o.groupby("customer_id", sort=False)["w"]
    cum = g.cumsum().to_numpy()
    total = g.transform("sum").to_numpy()
    hit = cum >= total * (0.5 - 1e-12)
    return o.loc[hit].groupby("customer_id", sort=True)["days_late"].first().astype(np.int64)


def kept_rates(promises: pd.DataFrame | None, plans: pd.DataFrame | None) -> tuple[dict[str, Fraction], Fraction]:
    """(kept-rate per customer, the portfolio's) from the promises and installments that came due
    (module docstring): exact fractions."""
    kept: dict[str, Fraction] = {}
    due: dict[str, int] = {}

    def add(cust: str, k: Fraction) -> None:
        kept[cust] = kept.get(cust, Fraction(0)) + k
        due[cust] = due.get(cust, 0) + 1
    if promises is not None and len(promises):
        st = _text(promises, "status").str.lower()
        for c, s, amt, rec in zip(_text(promises, "customer_id"), st, promises["amount"], promises["received"]):
            if s == "kept":
                add(c, Fraction(1))
            elif s == "broken":
                add(c, Fraction(0))
            elif s == "partly kept":
                a = 0 if pd.isna(amt) else int(amt)
                r = 0 if pd.isna(rec) else int(rec)
                add(c, min(Fraction(1), Fraction(max(r, 0), a)) if a > 0 else Fraction(0))
    if plans is not None and len(plans):
        st = _text(plans, "status").str.lower()
        for c, s in zip(_text(plans, "customer_id"), st):
            if s in ("paid", "late"):
                add(c, Fraction(1))
            elif s == "missed":
                add(c, Fraction(0))
    rates = {c: kept[c] / due[c] for c in due}
    n = sum(due.values())
    portfolio = sum(kept.values(), Fraction(0)) / n if n else Fraction(1)
    return rates, portfolio


def commitments(promises: pd.DataFrame | None, plans: pd.DataFrame | None) -> pd.DataFrame:
    """The live commitments: source (promise/plan), id, customer_id, invoice_ids (list), currency, date,
    amount (cents left), sorted by date."""
    rows = []
    if promises is not None and len(promises):
        live = _text(promises, "status").str.lower().eq("open").to_numpy()
        p = promises.loc[live]
        for pid, c, ids, cur, d, amt, rec in zip(_text(p, "promise_id"), _text(p, "customer_id"), p["invoice_ids"],
                                                 _text(p, "currency").str.upper(), p["promised_date"], p["amount"],
                                                 p["received"] if "received" in p.columns else [0] * len(p)):
            left = (0 if pd.isna(amt) else int(amt)) - (0 if pd.isna(rec) else int(rec))
            if left > 0 and not pd.isna(d):
                rows.append(("promise", pid, c, split_ids(ids), cur, _day(d), left))
    if plans is not None and len(plans):
        live = (_text(plans, "plan_status").str.lower().eq("active")
                & _text(plans, "status").str.lower().isin(["open", "late", ""])).to_numpy()
        p = plans.loc[live]
        for pid, no, c, ids, d, left in zip(_text(p, "plan_id"), p["installment_no"], _text(p, "customer_id"),
                                            p["invoice_ids"], p["due_date"], p["open"]):
            left = 0 if pd.isna(left) else int(left)
            if left > 0 and not pd.isna(d):
                rows.append(("plan", f"{pid}/{'' if pd.isna(no) else int(no)}", c, split_ids(ids), "", _day(d), left))
    cols = ["source", "id", "customer_id", "invoice_ids", "currency", "date", "amount"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["date", "source", "id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- the forecast

def expected_lines(items: pd.DataFrame, as_of: dt.date, settings: Settings, hist: pd.DataFrame | None = None,
                   promises: pd.DataFrame | None = None, plans: pd.DataFrame | None = None) -> pd.DataFrame:
    """One line per item and destination: invoice_id, customer_id, currency, line, source (behaviour /
    promise / plan / apart), date (expected; NaT on apart and shortfall lines), amount (cents).

    ``items``: invoice_id, customer_id, currency, due_date, open_amount and ``apart`` ('' or one of
    disputed, legal, written off)."""
    it = items.loc[pd.to_numeric(items["open_amount"], errors="coerce").fillna(0).to_numpy() != 0].reset_index(drop=True)
    ids = _text(it, "invoice_id").to_numpy()
    cust = _text(it, "customer_id").to_numpy()
    cur = _text(it, "currency").str.upper().to_numpy()
    open_ = it["open_amount"].to_numpy(dtype=np.int64)
    apart = _text(it, "apart").str.lower().to_numpy() if "apart" in it.columns else np.full(len(it), "", dtype=object)
    bad = sorted(set(apart) - set(APART) - {""})
    if bad:
        raise ValueError(f"items set apart must be one of {', '.join(APART)}, not {bad[0]!r}")
    due = _days(it["due_date"])
    if np.isnat(due).any():
        raise ValueError(f"invoice {ids[np.isnat(due)][0]} has no due date")
    per, portfolio = behaviour(hist if hist is not None else history(it, pd.DataFrame(), pd.DataFrame()),
                               as_of, settings.half_life_days, settings.min_history)
    shift_of = dict(zip(per["customer_id"], per["days_late"].astype(int)))
    shift = np.array([shift_of.get(c, portfolio) for c in cust], dtype=np.int64)

    # commitments take money from the items they cover
    committed = np.zeros(len(it), dtype=np.int64)
    extra = []  # (row, source, date, amount kept, shortfall)
    com = commitments(promises, plans)
    if len(com):
        rates, port_rate = kept_rates(promises, plans)
        row_of = {i: k for k, i in enumerate(ids)}
        usable = (apart == "")
        by_cust: dict[tuple[str, str], list[int]] = {}
        order = np.lexsort((ids, due))
        for k in order:
            if usable[k] and open_[k] > 0:
                by_cust.setdefault((cust[k], cur[k]), []).append(int(k))
        for r in com.itertuples(index=False):
            if r.invoice_ids:
                rows = [row_of[i] for i in r.invoice_ids if i in row_of and usable[row_of[i]] and open_[row_of[i]] > 0]
                rows.sort(key=lambda k: (due[k], ids[k]))
            else:
                rows = by_cust.get((r.customer_id, r.currency), [])
            left = int(r.amount)
            k_rate = rates.get(r.customer_id, port_rate)
            for k in rows:
                if left <= 0:
                    break
                take = min(left, int(open_[k] - committed[k]))
                if take <= 0:
                    continue
                committed[k] += take
                left -= take
                kept = _round(k_rate * take)
                extra.append((k, r.source, r.date, kept, take - kept))
    rest = open_ - committed
    expected = due + shift.astype("timedelta64[D]")
    frames = []
    mine = (apart == "") & (rest != 0)
    frames.append(pd.DataFrame({"k": np.flatnonzero(mine), "line": "expected", "source": "behaviour",
                                "date": expected[mine], "amount": rest[mine]}))
    away = apart != ""
    frames.append(pd.DataFrame({"k": np.flatnonzero(away), "line": apart[away], "source": "apart",
                                "date": np.full(int(away.sum()), np.datetime64("NaT"), dtype="datetime64[D]"),
                                "amount": open_[away]}))
    if extra:
        e = pd.DataFrame(extra, columns=["k", "source", "date", "kept", "short"])
        frames.append(pd.DataFrame({"k": e["k"], "line": "expected", "source": e["source"],
                                    "date": np.asarray(pd.to_datetime(e["date"]).to_numpy(), dtype="datetime64[D]"),
                                    "amount": e["kept"].astype(np.int64)}))
        s = e.loc[e["short"] != 0]
        frames.append(pd.DataFrame({"k": s["k"], "line": "kept-rate shortfall", "source": s["source"],
                                    "date": np.full(len(s), np.datetime64("NaT"), dtype="datetime64[D]"),
                                    "amount": s["short"].astype(np.int64)}))
    out = pd.concat([f for f in frames if len(f)] or [frames[0]], ignore_index=True)
    k = out["k"].to_numpy(dtype=np.int64)
    out.insert(0, "invoice_id", ids[k])
    out.insert(1, "customer_id", cust[k])
    out.insert(2, "currency", cur[k])
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    out["amount"] = out["amount"].astype(np.int64)
    # weeks: before the as-of date -> week 1; after the horizon -> beyond horizon
    start = np.datetime64(monday(as_of), "D")
    d = np.asarray(out["date"].to_numpy(), dtype="datetime64[D]")
    d = np.where(np.isnat(d), d, np.maximum(d, np.datetime64(as_of, "D")))
    week_no = np.where(np.isnat(d), -1, (d - start).astype("timedelta64[D]").astype(np.int64) // 7)
    beyond = (out["line"].to_numpy() == "expected") & (week_no >= settings.weeks)
    out.loc[beyond, "line"] = "beyond horizon"
    out["week_no"] = np.where(out["line"].to_numpy() == "expected", week_no, -1)
    return out.drop(columns="k")


def _round(x: Fraction) -> int:
    """Half away from zero."""
    n, d = abs(x.numerator), x.denominator
    q = (2 * n + d) // (2 * d)
    return q if x >= 0 else -q


def table(lines: pd.DataFrame, as_of: dt.date, weeks: int, rate_of) -> pd.DataFrame:
    """The Forecast table (``schema.FORECAST``) from ``expected_lines``: every week of the horizon for every
    currency (zeros included), then beyond horizon, kept-rate shortfall and the lines shown apart.
    ``rate_of(currency)`` gives the Fraction converting to the base currency."""
    start = monday(as_of)
    currencies = sorted(set(lines["currency"].unique()))
    rows = []
    by_source = lines.assign(kind=np.where(lines["source"].isin(["promise", "plan"]), "by_promise", "by_behaviour"))
    base = np.zeros(len(lines), dtype=np.int64)
    for c in currencies:  # line by line, half away from zero, as the aging converts
        sel = (lines["currency"] == c).to_numpy()
        base[sel] = convert(lines.loc[sel, "amount"].to_numpy(dtype=np.int64), rate_of(c))
    by_source["amount_base"] = base
    g = by_source.groupby(["line", "week_no", "currency", "kind"])["amount"].sum()
    n = by_source.loc[by_source["amount"] != 0].groupby(["line", "week_no", "currency"])["invoice_id"].nunique()

    def add(line, week, ws, we, c, wk):
        b = int(g.get((line, wk, c, "by_behaviour"), 0))
        p = int(g.get((line, wk, c, "by_promise"), 0))
        rows.append({"as_of": as_of, "line": line, "week": week, "week_start": ws, "week_end": we, "currency": c,
                     "by_behaviour": b, "by_promise": p, "amount": b + p, "items": int(n.get((line, wk, c), 0))})
    for w in range(weeks):
        ws = start + dt.timedelta(weeks=w)
        for c in currencies:
            add("expected", week_label(ws), ws, ws + dt.timedelta(days=6), c, w)
    after = start + dt.timedelta(weeks=weeks)
    present = set(lines[["line", "currency"]].drop_duplicates().itertuples(index=False, name=None))
    for line in LINES[1:]:
        for c in currencies:
            if (line, c) in present:
                add(line, "", after if line == "beyond horizon" else None, None, c, -1)
    out = pd.DataFrame(rows, columns=["as_of", "line", "week", "week_start", "week_end", "currency",
                                      "by_behaviour", "by_promise", "amount", "items"])
    gb = by_source.groupby(["line", "week_no", "currency"])["amount_base"].sum()
    wk = [w for w in range(weeks) for _ in currencies] + [-1] * (len(out) - weeks * len(currencies))
    base = [int(gb.get((line, w, c), 0)) for line, w, c in zip(out["line"], wk, out["currency"])]
    out.insert(out.columns.get_loc("amount") + 1, "amount_base", np.array(base, dtype=np.int64))
    for col in ("as_of", "week_start", "week_end"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    for col in ("by_behaviour", "by_promise", "amount", "amount_base", "items"):
        out[col] = out[col].astype(np.int64)
    return out


def forecast(items: pd.DataFrame, as_of: dt.date, rate_of, settings: Settings = Settings(),
             hist: pd.DataFrame | None = None, promises: pd.DataFrame | None = None,
             plans: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Forecast table for ``items`` at ``as_of`` (rules in the module docstring)."""
    if settings.weeks < 1:
        raise ValueError(f"the forecast needs 1 week or more, not {settings.weeks}")
    lines = expected_lines(items, as_of, settings, hist, promises, plans)
    return table(lines, as_of, settings.weeks, rate_of)


# ---------------------------------------------------------------- backtest

def items_at(invoices: pd.DataFrame, hist: pd.DataFrame, disputes: pd.DataFrame | None, at: dt.date) -> pd.DataFrame:
    """The open items as they were on the morning of ``at`` (module docstring): invoice_id, customer_id,
    currency, due_date, open_amount (cents, then) and apart ('disputed' or '')."""
    inv = invoices.assign(invoice_id=_text(invoices, "invoice_id"))
    issued = _days(inv["invoice_date"]) < np.datetime64(at, "D")
    inv = inv.loc[issued].drop_duplicates("invoice_id")
    later = hist.loc[_days(hist["value_date"]) >= np.datetime64(at, "D")]
    back = (later["applied_amount"] + later["write_off"]).groupby(later["invoice_id"]).sum()
    open_then = (pd.to_numeric(inv["open_amount"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
                 + back.reindex(inv["invoice_id"]).fillna(0).astype(np.int64).to_numpy())
    out = pd.DataFrame({"invoice_id": inv["invoice_id"].to_numpy(), "customer_id": _text(inv, "customer_id").to_numpy(),
                        "currency": _text(inv, "currency").str.upper().to_numpy(),
                        "due_date": pd.to_datetime(inv["due_date"]).to_numpy(), "open_amount": open_then,
                        "apart": ""})
    out = out.loc[out["open_amount"].to_numpy() != 0].reset_index(drop=True)
    if disputes is not None and len(disputes):
        opened = _days(disputes["opened"])
        resolved = _days(disputes["resolved"]) if "resolved" in disputes.columns else np.full(len(disputes), np.datetime64("NaT"))
        a = np.datetime64(at, "D")
        live = ~np.isnat(opened) & (opened < a) & (np.isnat(resolved) | (resolved >= a))
        status = _text(disputes, "status").str.lower().to_numpy()
        # a dispute resolved without a resolved date: taken as live only while its status says so today
        done = np.array([s.startswith("resolved") or s == "closed" for s in status])
        live &= ~(done & np.isnat(resolved))
        ids = {i for cell in disputes.loc[live, "invoice_ids"] for i in split_ids(cell)}
        out.loc[out["invoice_id"].isin(ids).to_numpy(), "apart"] = "disputed"
    return out


@dataclass
class Backtest:
    start: dt.date
    weeks: pd.DataFrame
    """week, week_start, forecast, actual, error (|forecast - actual|), naive (due-date forecast); base cents"""
    items: int
    open_base: int
    wape: float
    mape: float
    bias: float
    naive_wape: float
    naive_mape: float
    beyond: int
    apart: int


def _errors(f: np.ndarray, a: np.ndarray) -> tuple[float, float, float]:
    total = float(a.sum())
    wape = float(np.abs(f - a).sum()) / total if total else float("nan")
    bias = float((f - a).sum()) / total if total else float("nan")
    pos = a > 0
    mape = float(np.mean(np.abs(f[pos] - a[pos]) / a[pos])) if pos.any() else float("nan")
    return wape, mape, bias


def backtest(invoices: pd.DataFrame, hist: pd.DataFrame, disputes: pd.DataFrame | None, start: dt.date,
             rate_of, settings: Settings = Settings()) -> Backtest:
    """Forecast from ``start`` with what was known then and compare each week with the cash applied
    (module docstring).  Amounts in base cents."""
    items = items_at(invoices, hist, disputes, start)
    past = hist.loc[_days(hist["value_date"]) < np.datetime64(start, "D")]
    fc = forecast(items, start, rate_of, settings, past)
    naive = forecast(items, start, rate_of, Settings(settings.weeks, settings.half_life_days, 10**9), past.iloc[0:0])
    exp = fc.loc[fc["line"] == "expected"].groupby("week_start", sort=True)["amount_base"].sum()
    nexp = naive.loc[naive["line"] == "expected"].groupby("week_start", sort=True)["amount_base"].sum()
    mondays = [monday(start) + dt.timedelta(weeks=w) for w in range(settings.weeks)]
    a = hist.loc[(_days(hist["value_date"]) >= np.datetime64(start, "D"))
                 & hist["invoice_id"].isin(set(items["invoice_id"])).to_numpy()]
    vd = _days(a["value_date"])
    wk = ((vd - np.datetime64(monday(start), "D")).astype(np.int64) // 7)
    base = np.zeros(len(a), dtype=np.int64)
    curs = a["currency"].to_numpy()
    for c in set(curs):
        sel = curs == c
        base[sel] = convert(a["applied_amount"].to_numpy(dtype=np.int64)[sel], rate_of(c))
    actual = pd.Series(base).groupby(wk).sum()
    f = np.array([int(exp.get(pd.Timestamp(m), 0)) for m in mondays], dtype=np.int64)
    nf = np.array([int(nexp.get(pd.Timestamp(m), 0)) for m in mondays], dtype=np.int64)
    act = np.array([int(actual.get(w, 0)) for w in range(settings.weeks)], dtype=np.int64)
    weeks = pd.DataFrame({"week": [week_label(m) for m in mondays], "week_start": pd.to_datetime(mondays),
                          "forecast": f, "actual": act, "error": np.abs(f - act), "naive": nf})
    wape, mape, bias = _errors(f, act)
    nw, nm, _ = _errors(nf, act)
    return Backtest(start=start, weeks=weeks, items=len(items), open_base=int(fc["amount_base"].sum()),
                    wape=wape, mape=mape, bias=bias, naive_wape=nw, naive_mape=nm,
                    beyond=int(fc.loc[fc["line"] == "beyond horizon", "amount_base"].sum()),
                    apart=int(fc.loc[fc["line"].isin(APART), "amount_base"].sum()))

"""The worklist: which customers a collector acts on today, in what order, and why.

Pandas in, pandas out: ``build`` takes the workbook's tables (Invoices, Customers, Promises,
Plans, Disputes, Activities) and returns one row per customer to act on, highest score first.
The weights and days are Config rows ``worklist.<name>`` (``config.WorklistRules``).

What each customer has
----------------------
* Items whose status is ``in legal`` (handed over to an agency or lawyer: ``engine.handover``) or ``legal``
  are left out: someone else collects them; so are the promises, plans and disputes all of whose invoices
  are in legal (their events list no one).
* **Open items** come from ``aging.age_items`` (amounts converted to base per line, exact cents).
  An item is *overdue* when it is past due (days past due > 0), its open amount is above 0 and it
  is not disputed (a live dispute names it, or its status is ``disputed``).
* An overdue item is *covered* when a **live promise** names it (status ``open``: its promised date
  plus ``promise_grace_days`` has not passed and it is not yet kept; a promise naming no invoice
  covers all the customer's items) or it is on a **plan in good standing** (not cancelled, not
  completed, no installment missed).  The rest is the *uncovered overdue* amount.
* Statuses are re-read as of the day, so a promise or plan stops covering the moment it breaks,
  even when *Check promises* / *Update plans* were not run: a promise still ``open`` whose
  promised date + grace has passed is ``broken`` (``partly kept`` when it received money,
  ``promises.status_of``); an installment not fully paid whose due date + ``plan_grace_days``
  has passed is ``missed`` and its plan is broken (the rule of ``plans.apply_payments``).
* **Events**: a promise broken or partly kept and not followed by a contact on or after the day it
  broke (promised date + grace + 1), while the customer still has overdue items; each missed
  installment; each live dispute past its ``sla_due``; the **next action date** of the customer's
  latest contact (Activities, by ``at``) on or before the as-of date.
* **Over limit**: the customer's ``credit_status`` is ``over limit`` by the rules of ``engine.credit``:
  exposure (open items in base, credits included, + Config orders − unapplied cash) above
  ``Customers.credit_limit`` (read in base currency; an empty limit is no limit).
* **No contact**: the latest contact is ``no_contact_days`` or more days before the as-of date, or
  there is none.

Who is on the list
------------------
A customer is listed when it has an event, or (it has uncovered overdue money and its latest
contact's next action date is not in the future).  So a live promise, a plan in good standing or
only disputed items leave a customer out (nothing uncovered), and so does a next action date in
the future; each stops applying as soon as something breaks.  A promise, plan or dispute stops
covering when it breaks (promise broken, installment missed; a dispute past its SLA is an event),
and an overdue item none of them covers lists the customer.  A next action date ahead is overridden
by any event (a promise broken, an installment missed, a dispute past its SLA) and ends on its day.
Over limit and no contact raise the score of a listed customer but do not list one on their own.

The score
---------
``Σ uncovered overdue (base currency) / 1,000 × age_weights[bucket]`` (bucket 1-30 takes the
first weight, 31-60 the second...; the last weight serves older buckets) ``+ broken_promise`` per
broken promise ``+ missed_installment`` per missed installment ``+ dispute_past_sla`` per dispute
``+ over_limit + next_action_due + no_contact`` when they apply; rounded to 0.1.  Ties: larger
overdue amount first, then customer id.

The suggested next step (the first that applies)
------------------------------------------------
``allocate credit`` when the customer's credit notes (negative open items) cover its uncovered overdue
amount in each currency it is owed in: nothing is owed once they are set against it (``ar-xl credits
--allocate``), so never legal, a hold or a reminder;
``legal`` when the oldest uncovered overdue item is ``legal_days`` or more past due; ``credit
hold`` when over limit and no person has decided on the hold yet (``Customers.credit_hold`` blank); ``call`` on a broken promise, a missed installment or a next action due;
``statement`` when the customer also holds credit notes or unapplied cash (negative open items);
``reminder level N`` for uncovered overdue, N = how many of ``reminder_days`` the oldest uncovered
item has reached; else ``call``.

The row
-------
Amounts are given in base and, when all the customer's open items share one currency, in that
currency (``currency`` lists several otherwise, and the own-currency amounts are left empty).
The oldest item is the open, not disputed item with the most days past due.  The reason joins, by
``; ``: the uncovered overdue amount (``EUR 12,340.50 over 60 days``: the part past the highest
bucket edge it passed, preceded by the whole amount when that differs), each broken promise,
missed installment and dispute past SLA, the exposure over the credit limit, the next action date
come due, and ``last contact 12 days ago`` / ``never contacted`` when no contact applies.
``credit_status`` is the customer's status by ``engine.credit`` (``over limit``, ``hold proposed`` or
blank); ``hold confirmed`` when a person confirmed the hold on Customers, and ``(released)`` follows
the status when a person released it.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import Config, WorklistRules
from .. import frames
from ..money import fmt
from . import aging, credit as credit_engine, promises as promises_engine
from .disputes import live_mask, split_ids
from .plans import _day
from .states import LEGAL

COLUMNS = ["rank", "customer_id", "customer_name", "collector", "score", "reason", "next_step", "credit_status", "currency",
           "open_amount", "overdue_amount", "open_amount_base", "overdue_amount_base", "oldest_invoice_id",
           "oldest_due_date", "days_past_due", "last_contact", "last_outcome", "phone", "email", "as_of"]
MONEY = ["open_amount", "overdue_amount", "open_amount_base", "overdue_amount_base"]


def _text(frame: pd.DataFrame | None, col: str) -> np.ndarray:
    if frame is None or col not in frame.columns:
        return np.full(0 if frame is None else len(frame), "", dtype=object)
    return frames.texts(frame[col])


def _short(d: dt.date, as_of: dt.date) -> str:
    """``20 Nov``, with the year when it is not the as-of year."""
    return f"{d.day} {d:%b}" + ("" if d.year == as_of.year else f" {d.year}")


def _money(cur: str, cents: int) -> str:
    return f"{cur} {fmt(int(cents))}"


def promise_states(promises: pd.DataFrame | None, as_of: dt.date, grace_days: int) -> pd.DataFrame:
    """customer_id, invoice ids, promised date, status (re-read as of the day) and the day it broke."""
    cols = ["customer_id", "invoice_ids", "promised_date", "amount", "received", "status", "broke_on"]
    if promises is None or not len(promises):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    rows = []
    for cust, ids, due, amount, received, status in zip(
            _text(promises, "customer_id"), _text(promises, "invoice_ids"), promises["promised_date"],
            promises["amount"], promises["received"] if "received" in promises.columns else [None] * len(promises),
            _text(promises, "status")):
        d = _day(due)
        if d is None or not cust:
            continue
        amt = 0 if pd.isna(amount) else int(amount)
        got = 0 if received is None or pd.isna(received) else int(received)
        st = status.lower()
        if st in ("", "open"):
            st = promises_engine.status_of(amt, got, d, as_of, grace_days) if amt > 0 else "open"
        broke = d + dt.timedelta(days=int(grace_days) + 1)
        rows.append((cust, split_ids(ids), d, amt, got, st, broke))
    return pd.DataFrame(rows, columns=cols)


def installment_states(plans: pd.DataFrame | None, as_of: dt.date, grace_days: int) -> pd.DataFrame:
    """One row per installment of a plan that is not cancelled: plan id, customer, invoice ids, due date,
    status re-read as of the day (missed when not fully paid after due + grace) and the plan's good standing."""
    cols = ["plan_id", "customer_id", "invoice_ids", "installment_no", "due_date", "status", "plan_status"]
    if plans is None or not len(plans):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    grace = dt.timedelta(days=int(grace_days))
    rows = []
    for pid, cust, ids, no, due, amount, paid, status, pstatus in zip(
            _text(plans, "plan_id"), _text(plans, "customer_id"), _text(plans, "invoice_ids"),
            plans["installment_no"], plans["due_date"], plans["amount"], plans["paid"], _text(plans, "status"),
            _text(plans, "plan_status")):
        if pstatus.lower() == "cancelled":
            continue
        d = _day(due)
        amt = 0 if pd.isna(amount) else int(amount)
        got = 0 if pd.isna(paid) else int(paid)
        st = status.lower()
        if st not in ("paid", "late"):
            st = "missed" if (got < amt and d is not None and as_of > d + grace) else ("paid" if got >= amt > 0 else "open")
        rows.append((pid, cust, split_ids(ids), None if pd.isna(no) else int(no), d, st, pstatus.lower()))
    out = pd.DataFrame(rows, columns=cols)
    broken = out["status"].eq("missed").groupby(out["plan_id"]).transform("any").to_numpy(dtype=bool)
    done = out["status"].isin(["paid", "late"]).groupby(out["plan_id"]).transform("all").to_numpy(dtype=bool)
    out["plan_status"] = np.where(broken, "broken", np.where(done, "completed", "active"))
    return out


def _not_all_legal(frame: pd.DataFrame | None, legal_ids: set[str]) -> pd.DataFrame | None:
    """``frame`` without the rows (promises, plans, disputes) whose invoices are all in legal: what they promise
    or miss is the agency's or lawyer's business now."""
    if frame is None or not len(frame) or "invoice_ids" not in frame.columns:
        return frame
    keep = [not (ids and set(ids) <= legal_ids) for ids in (split_ids(c) for c in frame["invoice_ids"])]
    return frame.loc[keep].reset_index(drop=True)


def build(invoices: pd.DataFrame, customers: pd.DataFrame, as_of: dt.date, config: Config | None = None,
          promises: pd.DataFrame | None = None, plans: pd.DataFrame | None = None,
          disputes: pd.DataFrame | None = None, activities: pd.DataFrame | None = None,
          collector: str | None = None, credit: pd.DataFrame | None = None) -> pd.DataFrame:
    """The worklist as of ``as_of`` (rules in the module docstring), columns ``COLUMNS``, money in cents.

    ``invoices`` may carry a bool ``disputed`` column (the action sets it from the Disputes log);
    otherwise status ``disputed`` marks a disputed item.  ``collector`` keeps that collector's
    customers only (Customers.collector, else the collector on the customer's invoices; case ignored).
    ``credit``: ``engine.credit.exposures`` with an optional ``credit_hold`` column (the action adds
    unapplied cash and people's decisions); computed from ``invoices`` and ``customers`` when omitted.
    """
    config = config or Config()
    rules: WorklistRules = config.worklist
    base = config.base_currency
    edges = tuple(config.aging_buckets)
    if "status" in invoices.columns:  # in legal (a handover) or legal (a person): the agency or lawyer acts
        status = invoices["status"].astype(object).where(invoices["status"].notna(), "").astype(str).str.strip()
        legal = status.str.lower().isin(LEGAL).to_numpy()
        if legal.any():
            legal_ids = set(invoices.loc[legal, "invoice_id"].astype(str).str.strip())
            invoices = invoices.loc[~legal]
            promises, plans, disputes = (_not_all_legal(f, legal_ids) for f in (promises, plans, disputes))
    items = aging.age_items(invoices, as_of, config)

    # ---- the customers, each with a number
    item_cust = _text(items, "customer_id")
    cust_ids = _text(customers, "customer_id")
    universe = pd.unique(np.concatenate([cust_ids, item_cust, _text(promises, "customer_id"),
                                         _text(plans, "customer_id"), _text(disputes, "customer_id")]))
    universe = universe[universe != ""]
    index = pd.Index(universe)
    n = len(index)
    code = index.get_indexer(item_cust)

    # ---- promises and plans as of the day
    pr = promise_states(promises, as_of, config.promise_grace_days)
    inst = installment_states(plans, as_of, config.plan_grace_days)
    covered_ids: set[str] = set()
    covers_all = np.zeros(n, dtype=bool)
    for cust, ids, st in zip(pr["customer_id"], pr["invoice_ids"], pr["status"]):
        if st == "open":
            if ids:
                covered_ids.update(ids)
            elif cust in index:
                covers_all[index.get_loc(cust)] = True
    for ids, pst in zip(inst["invoice_ids"], inst["plan_status"]):
        if pst == "active":
            covered_ids.update(ids)

    # ---- the items, per customer
    amount = items["open_amount"].to_numpy(dtype=np.int64)
    amt_base = items["open_amount_base"].to_numpy(dtype=np.int64)
    days = items["days_past_due"].to_numpy(dtype=np.int64)
    bno = items["bucket_no"].to_numpy(dtype=np.int64)
    disputed = items["disputed"].to_numpy(dtype=bool)
    overdue = (days > 0) & (amount > 0) & ~disputed
    inv_ids = _text(items, "invoice_id")
    covered = pd.Index(inv_ids).isin(list(covered_ids)) if covered_ids else np.zeros(len(items), dtype=bool)
    covered |= covers_all[code] if len(code) else covered
    uncovered = overdue & ~covered

    def per(values, mask=None):
        w = values if mask is None else np.where(mask, values, 0)
        return np.bincount(code, weights=w, minlength=n) if len(code) else np.zeros(n)

    def per_int(values, mask=None):  # exact cents: bincount adds in float, exact below 2**53 cents
        return np.rint(per(values.astype(np.float64), mask)).astype(np.int64)

    open_base = per_int(amt_base)
    overdue_base = per_int(amt_base, overdue)
    unc_base = per_int(amt_base, uncovered)
    open_own = per_int(amount)
    overdue_own = per_int(amount, overdue)
    weights = np.asarray(rules.age_weights, dtype=np.float64)
    w_item = weights[np.clip(bno - 1, 0, len(weights) - 1)]
    overdue_points = per(amt_base / 100.0 / 1000.0 * w_item, uncovered)
    has_credit = per((amount < 0).astype(np.float64)) > 0
    credit_base = -per_int(amt_base, amount < 0)
    credit_covers = _credit_covers(code, items["currency"].to_numpy(dtype=object), amount, uncovered, n)

    cur_codes, cur_labels = pd.factorize(pd.Series(items["currency"].to_numpy(), dtype=object))
    cmin = np.full(n, np.iinfo(np.int64).max)
    cmax = np.full(n, -1)
    if len(code):
        np.minimum.at(cmin, code, cur_codes)
        np.maximum.at(cmax, code, cur_codes)
    single = cmin == cmax
    currency = np.full(n, "", dtype=object)
    currency[single] = np.asarray(cur_labels, dtype=object)[cmin[single]]
    several = np.flatnonzero(cmax > cmin)
    if len(several):
        pairs = pd.DataFrame({"c": code, "k": items["currency"].to_numpy(dtype=object)})
        pairs = pairs[np.isin(code, several)].drop_duplicates().sort_values(["c", "k"])
        joined: dict[int, list[str]] = {}
        for c, k in zip(pairs["c"].to_numpy(), pairs["k"].to_numpy()):
            joined.setdefault(int(c), []).append(str(k))
        currency[several] = [", ".join(joined[int(c)]) for c in several]

    # oldest open, not disputed item; and the oldest uncovered overdue one
    oldest_id = np.full(n, "", dtype=object)
    oldest_due = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    oldest_days = np.full(n, -1, dtype=np.int64)
    cand = np.flatnonzero((amount > 0) & ~disputed)
    if len(cand):
        order = cand[np.lexsort((inv_ids[cand], -days[cand], code[cand]))]
        first = order[np.r_[True, code[order][1:] != code[order][:-1]]]
        oldest_id[code[first]] = inv_ids[first]
        oldest_due[code[first]] = items["due_date"].to_numpy(dtype="datetime64[ns]")[first]
        oldest_days[code[first]] = days[first]
    unc_days = np.zeros(n, dtype=np.int64)
    unc_bucket = np.zeros(n, dtype=np.int64)
    if uncovered.any():
        np.maximum.at(unc_days, code[uncovered], days[uncovered])
        np.maximum.at(unc_bucket, code[uncovered], bno[uncovered])
    # the part of the uncovered amount past the highest edge passed
    edge_of = np.array([0] + [0] + list(edges), dtype=np.int64)  # bucket b>=2 starts after edges[b-2]
    cust_edge = edge_of[np.clip(unc_bucket, 0, len(edge_of) - 1)]
    past_edge = per_int(amt_base, uncovered & (days > cust_edge[code] if len(code) else uncovered))

    # ---- contacts
    last_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    last_outcome = np.full(n, "", dtype=object)
    next_action = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if activities is not None and len(activities):
        act = pd.DataFrame({"c": index.get_indexer(_text(activities, "customer_id")),
                            "at": pd.to_datetime(activities["at"]).to_numpy(dtype="datetime64[ns]"),
                            "o": _text(activities, "outcome"),
                            "nad": pd.to_datetime(activities["next_action_date"]).to_numpy(dtype="datetime64[ns]"),
                            "i": np.arange(len(activities))})
        act = act[(act["c"] >= 0) & act["at"].notna()].sort_values(["c", "at", "i"])
        latest = act.drop_duplicates("c", keep="last")
        ci = latest["c"].to_numpy()
        last_at[ci] = latest["at"].to_numpy()
        last_outcome[ci] = latest["o"].to_numpy()
        next_action[ci] = latest["nad"].to_numpy()
    as_of64 = np.datetime64(as_of, "ns")
    contact_day = last_at.astype("datetime64[D]")
    snoozed = ~np.isnat(next_action) & (next_action > as_of64)
    action_due = ~np.isnat(next_action) & (next_action <= as_of64)
    since_contact = np.where(np.isnat(last_at), -1,
                             (np.datetime64(as_of, "D") - contact_day).astype(np.int64))
    no_contact = np.isnat(last_at) | (since_contact >= rules.no_contact_days)

    # ---- events
    broken_text: dict[int, list[str]] = {}
    for cust, d, amt, got, st, broke in zip(pr["customer_id"], pr["promised_date"], pr["amount"], pr["received"],
                                            pr["status"], pr["broke_on"]):
        if st not in ("broken", "partly kept") or cust not in index:
            continue
        c = index.get_loc(cust)
        if overdue_base[c] <= 0:
            continue
        if not np.isnat(last_at[c]) and contact_day[c] >= np.datetime64(broke, "D"):
            continue
        words = f"promise of {_short(d, as_of)} broken" if st == "broken" else \
            f"promise of {_short(d, as_of)} partly kept ({fmt(got)} of {fmt(amt)})"
        broken_text.setdefault(c, []).append(words)
    missed_text: dict[int, list[str]] = {}
    for pid, cust, no, d, st in zip(inst["plan_id"], inst["customer_id"], inst["installment_no"], inst["due_date"],
                                    inst["status"]):
        if st == "missed" and cust in index:
            missed_text.setdefault(index.get_loc(cust), []).append(
                f"installment {no} of plan {pid} missed (due {_short(d, as_of)})")
    sla_text: dict[int, list[str]] = {}
    if disputes is not None and len(disputes):
        live = live_mask(disputes)
        for did, cust, sla, is_live in zip(_text(disputes, "dispute_id"), _text(disputes, "customer_id"),
                                           disputes["sla_due"], live):
            d = _day(sla)
            if is_live and d is not None and d < as_of and cust in index:
                sla_text.setdefault(index.get_loc(cust), []).append(f"dispute {did} past SLA (due {_short(d, as_of)})")
    n_broken = np.zeros(n)
    n_missed = np.zeros(n)
    n_sla = np.zeros(n)
    for target, src in ((n_broken, broken_text), (n_missed, missed_text), (n_sla, sla_text)):
        for c, lst in src.items():
            target[c] = len(lst)

    # ---- master data
    name = np.full(n, "", dtype=object)
    coll = np.full(n, "", dtype=object)
    phone = np.full(n, "", dtype=object)
    email = np.full(n, "", dtype=object)
    limit = np.full(n, np.nan)
    if len(items):
        first_item = pd.DataFrame({"c": code, "n": _text(items, "customer_name"), "k": _text(items, "collector")})
        for col, target in (("n", name), ("k", coll)):
            f = first_item[first_item[col] != ""].drop_duplicates("c")
            target[f["c"].to_numpy()] = f[col].to_numpy()
    if len(customers):
        ci = index.get_indexer(cust_ids)
        ok = ci >= 0
        for col, target in (("customer_name", name), ("collector", coll), ("phone", phone), ("email", email)):
            vals = _text(customers, col)
            keep = ok & (vals != "")
            target[ci[keep]] = vals[keep]
        if "credit_limit" in customers.columns:
            lim = pd.to_numeric(customers["credit_limit"], errors="coerce").to_numpy(dtype=np.float64)
            keep = ok & ~np.isnan(lim)
            limit[ci[keep]] = lim[keep]
    if credit is None:
        credit = credit_engine.exposures(invoices, customers, as_of, config)
    cc = index.get_indexer(credit["customer_id"].astype(str).to_numpy())
    ok_c = cc >= 0
    c_status = np.full(n, "", dtype=object)
    c_status[cc[ok_c]] = credit["credit_status"].to_numpy(dtype=object)[ok_c]
    exposure = open_base.copy()
    exposure[cc[ok_c]] = credit["exposure"].to_numpy(dtype=np.int64)[ok_c]
    c_hold = np.full(n, "", dtype=object)
    if "credit_hold" in credit.columns:
        c_hold[cc[ok_c]] = credit["credit_hold"].fillna("").astype(str).str.strip().str.lower().to_numpy(dtype=object)[ok_c]
    over_limit = c_status == "over limit"
    shown = np.where(c_hold == "confirmed", "hold confirmed",
                     np.where((c_hold == "released") & (c_status != ""), c_status + " (released)", c_status))

    # ---- who is on the list, the score
    events = (n_broken > 0) | (n_missed > 0) | (n_sla > 0) | action_due
    listed = events | ((unc_base > 0) & ~snoozed)
    if collector is not None and str(collector).strip():
        want = str(collector).strip().lower()
        listed &= np.array([str(k).lower() == want for k in coll], dtype=bool)
    score = (overdue_points + rules.broken_promise * n_broken + rules.missed_installment * n_missed
             + rules.dispute_past_sla * n_sla + rules.over_limit * over_limit
             + rules.next_action_due * action_due + rules.no_contact * no_contact)
    score = np.round(score, 1)

    rows = np.flatnonzero(listed)
    rows = rows[np.lexsort((np.asarray(index)[rows], -unc_base[rows], -score[rows]))]
    reasons, steps = [], []
    for c in rows:
        parts = []
        if unc_base[c] > 0:
            b = int(unc_bucket[c])
            if b >= 2:
                e = int(edge_of[b])
                over = _money(base, past_edge[c]) + f" over {e} days"
                parts.append(over if past_edge[c] == unc_base[c] else f"{_money(base, unc_base[c])} overdue, {over}")
            else:
                parts.append(f"{_money(base, unc_base[c])} overdue up to {edges[0]} days")
        parts += broken_text.get(c, []) + missed_text.get(c, []) + sla_text.get(c, [])
        if over_limit[c]:
            parts.append(f"over credit limit by {_money(base, exposure[c] - int(round(limit[c])))}")
        if action_due[c]:
            d = pd.Timestamp(next_action[c]).date()
            parts.append("next action due today" if d == as_of else f"next action due since {_short(d, as_of)}")
        if no_contact[c]:
            parts.append("never contacted" if np.isnat(last_at[c]) else
                         f"last contact {since_contact[c]} day{'s' if since_contact[c] != 1 else ''} ago")
        covers = bool(credit_covers[c])
        if covers:
            parts.append(f"credit notes {_money(base, credit_base[c])} cover it")
        reasons.append("; ".join(parts))
        steps.append(_next_step(rules, int(unc_days[c]) if unc_base[c] > 0 else 0, bool(over_limit[c] and not c_hold[c]),
                                bool(n_broken[c] or n_missed[c] or action_due[c]), bool(has_credit[c]), covers))

    own_ok = single[rows]
    out = pd.DataFrame({
        "rank": np.arange(1, len(rows) + 1, dtype=np.int64),
        "customer_id": np.asarray(index, dtype=object)[rows],
        "customer_name": name[rows],
        "collector": coll[rows],
        "score": score[rows],
        "reason": np.asarray(reasons, dtype=object),
        "next_step": np.asarray(steps, dtype=object),
        "credit_status": shown[rows],
        "currency": currency[rows],
        "open_amount": pd.array(np.where(own_ok, open_own[rows], 0), dtype="Int64"),
        "overdue_amount": pd.array(np.where(own_ok, overdue_own[rows], 0), dtype="Int64"),
        "open_amount_base": open_base[rows],
        "overdue_amount_base": overdue_base[rows],
        "oldest_invoice_id": oldest_id[rows],
        "oldest_due_date": oldest_due[rows],
        "days_past_due": pd.array(np.where(oldest_days[rows] >= 0, oldest_days[rows], 0), dtype="Int64"),
        "last_contact": last_at[rows].astype("datetime64[D]").astype("datetime64[ns]"),
        "last_outcome": last_outcome[rows],
        "phone": phone[rows],
        "email": email[rows],
        "as_of": pd.Timestamp(as_of),
    }, columns=COLUMNS)
    out.loc[~own_ok, ["open_amount", "overdue_amount"]] = pd.NA
    out.loc[oldest_days[rows] < 0, "days_past_due"] = pd.NA
    return out.reset_index(drop=True)


def _credit_covers(code: np.ndarray, currency: np.ndarray, amount: np.ndarray, uncovered: np.ndarray,
                   n: int) -> np.ndarray:
    """Per customer: it owes uncovered overdue money and, in each currency it owes it in, its credit notes
    (negative open amounts) are at least as much."""
    out = np.zeros(n, dtype=bool)
    if not len(code):
        return out
    g = pd.DataFrame({"c": code, "k": currency, "owed": np.where(uncovered, amount, 0),
                      "credit": np.where(amount < 0, -amount, 0)}).groupby(["c", "k"])[["owed", "credit"]].sum()
    g = g[g["owed"] > 0].reset_index()
    out[g["c"].to_numpy()] = True
    out[g.loc[g["owed"] > g["credit"], "c"].to_numpy()] = False
    return out


def _next_step(rules: WorklistRules, oldest_days: int, over_limit: bool, broken: bool, has_credit: bool,
               credit_covers: bool = False) -> str:
    """The first step that applies (see the module docstring)."""
    if credit_covers:
        return "allocate credit"
    if oldest_days >= rules.legal_days:
        return "legal"
    if over_limit:
        return "credit hold"
    if broken:
        return "call"
    if has_credit and oldest_days > 0:
        return "statement"
    if oldest_days > 0:
        level = sum(1 for d in rules.reminder_days if oldest_days >= d)
        if level:
            return f"reminder level {level}"
    return "call"

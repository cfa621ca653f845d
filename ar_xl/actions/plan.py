"""Payment plans: create a plan for open invoices, and update plans from the payments received.

``create_plan`` checks that the invoices exist, are open (open amount above
0, status not paid / written off), belong to the one customer, share one
currency and are not already on a live plan.  The plan amount is the sum of
their open amounts; the schedule comes from ``engine.plans.schedule``.  It
appends one Plans row per installment and sets the invoices' status to ``on
plan`` only where the status is empty or ``open`` (a status a person chose,
such as ``disputed`` or ``legal``, is left alone and named in the summary).
The plan's creation date is written to Audit (table Plans, key = plan id,
column ``created``); ``update_plans`` reads it back.

``update_plans`` decides which money paid which plan (``payment_credits``):

* a payment's money is counted once, first through its counted match rows
  (``counted_matches``): rows with decision ``auto`` (unless reviewed ``Reject``)
  or review ``Confirm``, each for its ``applied_amount`` on its invoice; such a
  row pays the plan whose invoices include that invoice;
* the rest of a payment (its amount less its counted rows: money not applied to
  any invoice) is the customer's money too.  Of a payment with counted rows, it
  belongs to their customer and pays a plan whose invoices those rows pay (the
  rest of an installment that includes interest: the invoices hold only the
  principal);
* a payment with no counted rows (not in Matches, or only suggested, unmatched or
  rejected rows there) belongs to the customer whose IBAN (a ``;``-separated list in
  Customers) is the payer IBAN (or to the Payments row's own ``customer_id`` column
  when present); it pays that customer's live plans, oldest plan (lowest id) first,
  the rest passing to the next;
* money *proposed* for invoices (``proposed_matches``: the payment's rows waiting for review,
  suggested and not rejected, up to what they propose) is not the customer's to spend on any plan:
  it pays a plan only when every invoice it is proposed for is on that plan, and otherwise only once
  it is applied (then it is a counted row on its invoice).  What no row proposes counts as above;
* a plan is never ``completed`` while one of its invoices still has an open amount above 0 in
  Invoices (money counted for it but not applied yet): it stays ``active`` until the cash is applied;
* payments marked ``ignored`` never count; only value dates on or after the
  plan's creation date count (when the creation date is missing from Audit,
  all value dates count and the summary says so).

Each plan's installments are then paid with ``engine.plans.apply_payments``
(in due-date order, grace = Config ``plan_grace_days``) and the columns
paid, open, status and plan_status are rewritten; cancelled plans are left
as they are.  ``plans_as_of`` gives what it would write on another day without writing it (the customer view
of a past day).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import clock
from .. import frames
from . import restate
from .. import schema
from ..book import Book, Change
from ..dates import parse_date
from ..engine import plans as plans_engine
from ..engine.disputes import join_ids, next_id, split_ids
from ..errors import CellProblem, InputError
from ..frames import blank
from ..money import fmt

# ------------------------------------------------------------ helpers shared by the collector actions

LIVE_PLAN = ("active", "broken", "")


def fail(source: str, message: object, row: int | None = None, column: str | None = None):
    """Raise the ``InputError`` a user sees (nothing was changed)."""
    raise InputError(CellProblem(source, row, column, str(message)))


def who(book: Book, user: str | None) -> str:
    return str(user).strip() if user and str(user).strip() else book.user


def typed(rows: list[dict], table: str) -> pd.DataFrame:
    """New rows as a canonical frame of ``table`` (money/int as Int64, dates as datetime64, text as str)."""
    t = schema.table(table)
    df = pd.DataFrame(rows, columns=t.names)
    for c in t.columns:
        if c.kind in ("money", "int"):
            df[c.name] = pd.array([pd.NA if blank(v) else int(v) for v in df[c.name]], dtype="Int64")
        elif c.kind in ("date", "datetime"):
            df[c.name] = pd.to_datetime(pd.Series([pd.NaT if blank(v) else v for v in df[c.name]], dtype=object)).astype("datetime64[ns]")
        elif c.kind == "bool":
            df[c.name] = pd.Series([False if blank(v) else bool(v) for v in df[c.name]], dtype=bool)
        elif c.kind == "number":
            df[c.name] = pd.to_numeric(df[c.name], errors="coerce")
        else:
            df[c.name] = pd.Series(["" if blank(v) else str(v) for v in df[c.name]], dtype=object)
    return df


def appended(book: Book, table: str, rows: list[dict]) -> pd.DataFrame:
    """The table's body with ``rows`` added at the end."""
    old = book.get(table)
    new = typed(rows, table)
    if not len(old):
        return new
    out = pd.concat([old.reset_index(drop=True), new], ignore_index=True)
    for c in new.columns:
        if str(new[c].dtype) == "Int64":
            out[c] = out[c].astype("Int64")
    return out


def text_of(v) -> str:
    if blank(v):
        return ""
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        ts = pd.Timestamp(v)
        return ts.date().isoformat() if ts == ts.normalize() else str(ts)
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def same_id(typed: str, ids) -> list[str]:
    """The customer ids ``typed`` means, one rule for every command: itself when it is one, else those equal
    to it but for case (``c10993`` is ``C10993``); more than one only when ids differ in case alone."""
    ids = set(ids)
    if typed in ids:
        return [typed]
    return sorted(i for i in ids if i.casefold() == typed.casefold())


def known_customer(book: Book, customer_id: str, source: str) -> str:
    """The customer id as the workbook writes it (``same_id``: ``c10993`` -> ``C10993``); an error when
    Customers or Invoices has rows and none of them knows it."""
    c = str(customer_id or "").strip()
    if not c:
        fail(source, "a customer_id is needed")
    cust, inv = book.get("Customers"), book.get("Invoices")
    if len(cust) or len(inv):
        ids = set(cust["customer_id"].astype(str).str.strip()) | set(inv["customer_id"].astype(str).str.strip())
        hits = same_id(c, ids)
        if not hits:
            fail(source, f"unknown customer {c!r}: not in the Customers or Invoices table")
        if len(hits) > 1:
            fail(source, f"customer {c!r} is ambiguous: {', '.join(hits)} differ only in case; type it exactly")
        c = hits[0]
    return c


def customer_invoices(book: Book, customer_id: str, invoice_ids, source: str,
                      need_open: bool = True) -> pd.DataFrame:
    """The Invoices rows of ``invoice_ids``, checked: they exist, belong to ``customer_id`` and (optionally) are open."""
    ids = split_ids(invoice_ids)
    if not ids:
        fail(source, "no invoice ids given")
    inv = book.get("Invoices")
    by_id = inv.assign(_row=np.arange(len(inv))).set_index(inv["invoice_id"].astype(str).str.strip(), drop=False)
    missing = [i for i in ids if i not in by_id.index]
    if missing:
        fail(source, f"invoice(s) not in the Invoices table: {', '.join(missing)}")
    rows = by_id.loc[ids]
    rows = rows[~rows.index.duplicated(keep="first")]
    problems = []
    for iid, r in rows.iterrows():
        owner = str(r["customer_id"]).strip()
        if owner != customer_id:
            problems.append(f"invoice {iid} belongs to customer {owner}, not {customer_id}")
        if need_open:
            st = str(r["status"]).strip().lower()
            left = 0 if blank(r["open_amount"]) else int(r["open_amount"])
            if left < 0:
                problems.append(f"{iid} is a credit note (open amount {fmt(left)}), not an invoice to pay")
            elif left == 0:
                problems.append(f"invoice {iid} has nothing open (open amount 0.00)")
            elif st in ("paid", "written off"):
                problems.append(f"invoice {iid} has status {st!r}")
    if problems:
        raise InputError([CellProblem(f"{book.source} sheet Invoices", None, None, p) for p in problems])
    return rows


def single_currency(rows: pd.DataFrame, source: str, default: str = "") -> str:
    curs = sorted({str(c).strip().upper() for c in rows["currency"] if str(c).strip()})
    if len(curs) > 1:
        fail(source, f"the invoices are in different currencies ({', '.join(curs)}); use one currency per entry")
    return curs[0] if curs else default


def set_invoice_status(book: Book, change: Change, user: str, invoice_ids, status: str, rule: str) -> list[str]:
    """Set Invoices.status to ``status`` where it is empty or 'open'; returns the ids left alone.

    Writes the whole Invoices body into ``change`` and one Audit row per change.
    """
    inv = change.tables.get("Invoices", book.get("Invoices")).copy()
    ids = set(split_ids(invoice_ids))
    st = inv["status"].astype(object).to_numpy().copy()
    skipped = []
    touched = False
    for k, iid in enumerate(inv["invoice_id"].astype(str).str.strip()):
        if iid not in ids:
            continue
        old = "" if blank(st[k]) else str(st[k]).strip()
        if old.lower() in ("", "open"):
            if old != status:
                st[k] = status
                touched = True
                change.log(user, "Invoices", iid, "status", old, status, rule)
        elif old.lower() != status:
            skipped.append(f"{iid} ({old})")
    if touched:
        inv["status"] = st
        change.tables["Invoices"] = inv
    return skipped


# ------------------------------------------------------------ which money paid what

def counted_matches(matches: pd.DataFrame, payment_ids) -> np.ndarray:
    """Which Matches rows count as money their payment paid on their invoice: decision ``auto`` (unless reviewed
    ``Reject``) or review ``Confirm``, an ``applied_amount`` above 0, a payment in ``payment_ids``.  A suggested,
    unmatched or rejected row counts nothing: its money is still the payment's rest (``payment_credits``); nor
    does the row a hand assignment was typed on (flag ``assigned by hand``): the ``manual`` rows it made count."""
    pid = pd.Series(frames.texts(matches["payment_id"]), index=matches.index)
    decision = pd.Series(frames.texts(matches["decision"], "lower"), index=matches.index)
    review = pd.Series(frames.texts(matches["review"], "lower"), index=matches.index)
    applied = matches["applied_amount"].astype("Int64")
    # the row a person typed a hand assignment on: its money is on the ``manual`` rows it made
    flags = matches["flags"].map(frames.text) if "flags" in matches.columns else pd.Series("", index=matches.index)
    typed = flags.map(lambda f: "assigned by hand" in f.split(";")) & (decision != "manual")
    counted = (((decision == "auto") & (review != "reject")) | (review == "confirm")) \
        & applied.notna() & (applied.fillna(0) > 0) & pid.isin(set(payment_ids)) & ~typed
    return counted.to_numpy()


def proposed_matches(matches: pd.DataFrame, counted: np.ndarray) -> dict[str, tuple[int, str]]:
    """Payment id -> (cents, invoice ids ``;``-joined) its Matches rows waiting for review propose: rows not
    ``counted`` (``counted_matches``), not unmatched, not reviewed ``Reject``, not the row a hand assignment was
    typed on, with an invoice and an ``applied_amount`` above 0.  The cents are the largest sum of one rank's
    rows (alternatives of different ranks propose the same money); the invoices are all of them."""
    pid = pd.Series(frames.texts(matches["payment_id"]), index=matches.index)
    iid = pd.Series(frames.texts(matches["invoice_id"]), index=matches.index)
    decision = pd.Series(frames.texts(matches["decision"], "lower"), index=matches.index)
    review = pd.Series(frames.texts(matches["review"], "lower"), index=matches.index)
    applied = matches["applied_amount"].astype("Int64").fillna(0).astype(np.int64)
    flags = matches["flags"].map(frames.text) if "flags" in matches.columns else pd.Series("", index=matches.index)
    by_hand = flags.map(lambda f: "assigned by hand" in f.split(";")) & (decision != "manual")
    waiting = (~counted & (decision != "unmatched") & (review != "reject") & ~by_hand & (iid != "") & (pid != "")
               & (applied > 0)).to_numpy()
    if not waiting.any():
        return {}
    rank = matches["rank"].astype("Int64").fillna(0) if "rank" in matches.columns else pd.Series(0, index=matches.index)
    w = pd.DataFrame({"pid": pid[waiting], "iid": iid[waiting], "rank": rank[waiting], "cents": applied[waiting]})
    cents = w.groupby(["pid", "rank"])["cents"].sum().groupby(level=0).max()
    ids = w.groupby("pid", sort=False)["iid"].agg(lambda v: join_ids(list(dict.fromkeys(v))))
    return {p: (int(cents[p]), str(ids[p])) for p in cents.index}


def payment_credits(book: Book) -> pd.DataFrame:
    """Money received, attributed to invoices or customers (rules in the module docstring).

    Each payment's amount counts once: its counted match rows on their invoices, the rest with invoice_id ''.
    Columns: payment_id, value_date (datetime64), amount (cents, > 0),
    currency, customer_id, invoice_id ('' when attributed to the customer
    only), source ('match': counted rows and the rest of their payment, or 'iban': a payment
    with no counted rows) and proposed_for: of the rest, the part its rows waiting for review propose for
    invoices (``proposed_matches``) names them (``;``-separated); the part nothing proposes has ''.
    """
    cols = ["payment_id", "value_date", "amount", "currency", "customer_id", "invoice_id", "source", "proposed_for"]
    pay = book.get("Payments")
    if not len(pay):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    pay = pay.assign(payment_id=frames.texts(pay["payment_id"]))
    pay = pay.loc[frames.texts(pay["status"], "lower") != "ignored"]
    by_pay = pay.drop_duplicates("payment_id").set_index("payment_id")
    inv = book.get("Invoices")
    inv_customer = pd.Series(frames.texts(inv["customer_id"]), index=frames.texts(inv["invoice_id"]))
    inv_customer = inv_customer[~inv_customer.index.duplicated(keep="first")]
    parts = []
    m = book.get("Matches")
    matched = pd.Series(dtype=np.int64)  # cents of each payment counted through its match rows
    matched_to = pd.Series(dtype=object)  # the customer of a payment's counted rows, when they have one
    proposed: dict[str, tuple[int, str]] = {}
    if len(m):
        counted = counted_matches(m, by_pay.index)
        proposed = proposed_matches(m, counted)
        mm = m.loc[counted]
        mp = frames.texts(mm["payment_id"])
        iid = frames.texts(mm["invoice_id"])
        cust = frames.texts(mm["customer_id"])
        from_inv = inv_customer.reindex(iid).fillna("").to_numpy()
        part = pd.DataFrame({
            "payment_id": mp,
            "value_date": by_pay["value_date"].reindex(mp).to_numpy(),
            "amount": mm["applied_amount"].astype(np.int64).to_numpy(),
            "currency": by_pay["currency"].reindex(mp).astype(str).str.upper().to_numpy(),
            "customer_id": np.where(cust != "", cust, from_inv),
            "invoice_id": iid,
            "source": "match",
            "proposed_for": "",
        })
        parts.append(part)
        matched = part.groupby("payment_id")["amount"].sum()
        matched_to = part.groupby("payment_id")["customer_id"].agg(lambda c: c.iloc[0] if c.nunique() == 1 else "")
    iban_owner: dict[str, str | None] = {}
    customers = book.get("Customers")
    for cid, cell in zip(frames.texts(customers["customer_id"]), customers["iban"].astype(str)):
        for iban in cell.split(";"):
            key = "".join(iban.split()).upper()
            if key:
                iban_owner[key] = cid if iban_owner.get(key, cid) == cid else None  # None: ambiguous
    # the rest of every payment: what its counted rows did not apply (all of it when it has none)
    left = pay["amount"].astype("Int64").fillna(0).astype(np.int64) - pay["payment_id"].map(matched).fillna(0)
    rest = pay.loc[((left > 0) & pay["value_date"].notna()).to_numpy()]
    left = left.loc[rest.index]
    by_iban = rest["payer_iban"].astype(str).str.replace(r"\s+", "", regex=True).str.upper().map(iban_owner)
    owner = by_iban.astype(object).where(by_iban.notna(), "").astype(str)  # object first: an empty map is float
    if "customer_id" in rest.columns:
        own = rest["customer_id"].map(lambda v: "" if blank(v) else str(v).strip())
        owner = own.where(own != "", owner)
    to = rest["payment_id"].map(lambda p: matched_to.get(p, ""))
    owner = to.where(to != "", owner)
    keep = (owner != "").to_numpy()
    unapplied = pd.DataFrame({
        "payment_id": rest["payment_id"].to_numpy()[keep],
        "value_date": rest["value_date"].to_numpy()[keep],
        "amount": left.to_numpy()[keep],
        "currency": rest["currency"].astype(str).str.upper().to_numpy()[keep],
        "customer_id": owner.to_numpy()[keep],
        "invoice_id": "",
        "source": np.where(rest["payment_id"].isin(matched.index), "match", "iban")[keep],
        "proposed_for": "",
    })
    # the rest split: what rows waiting for review propose for invoices, and what nothing proposes
    on_hold = np.array([min(int(a), proposed.get(p, (0, ""))[0])
                        for p, a in zip(unapplied["payment_id"], unapplied["amount"])], dtype=np.int64)
    held = unapplied.loc[on_hold > 0].assign(amount=on_hold[on_hold > 0])
    held["proposed_for"] = [proposed[p][1] for p in held["payment_id"]]
    unapplied["amount"] = unapplied["amount"].to_numpy(dtype=np.int64) - on_hold
    parts += [held, unapplied.loc[unapplied["amount"] > 0]]
    df = pd.concat([p for p in parts], ignore_index=True)[cols]
    df["value_date"] = pd.to_datetime(df["value_date"]).astype("datetime64[ns]")
    df["amount"] = df["amount"].astype(np.int64)
    df = df.loc[df["value_date"].notna().to_numpy()].reset_index(drop=True)
    return df


def creation_dates(book: Book, table: str = "Plans") -> dict[str, dt.date]:
    """Creation dates recorded in Audit (table ``table``, column 'created'), by key."""
    a = book.get("Audit")
    out: dict[str, dt.date] = {}
    if not len(a):
        return out
    hit = (a["table"].astype(str) == table) & (a["column"].astype(str) == "created")
    for key, val in zip(a.loc[hit, "key"].astype(str), a.loc[hit, "new_value"]):
        try:
            d = parse_date(val)
        except ValueError:
            continue
        out[key] = min(out.get(key, d), d)
    return out


# ------------------------------------------------------------ actions

def create_plan(
    book: Book,
    customer_id: str,
    invoice_ids,
    installments: int,
    first_due: object,
    frequency: str = "monthly",
    annual_rate: object = 0,
    interest: str = "none",
    down_payment_cents: int = 0,
    holiday_country: str | None = None,
    created: object = None,
    note: str = "",
    user: str | None = None,
    backdate: bool = False,
) -> Change:
    """A new payment plan for ``invoice_ids`` of ``customer_id`` (rules in the module docstring).

    A first installment due before the creation day (2025 typed for 2026) is refused, as a
    promise dated in the past is, unless ``backdate`` records a plan agreed earlier."""
    src = "create plan"
    user = who(book, user)
    customer = known_customer(book, customer_id, src)
    rows = customer_invoices(book, customer, invoice_ids, src)
    currency = single_currency(rows, src)
    ids = list(rows.index)
    plans = book.get("Plans")
    if len(plans):
        live = plans["plan_status"].astype(str).str.strip().str.lower().isin(LIVE_PLAN)
        for pid, cell in zip(plans.loc[live, "plan_id"], plans.loc[live, "invoice_ids"]):
            both = set(split_ids(cell)) & set(ids)
            if both:
                fail(src, f"invoice(s) {', '.join(sorted(both))} already on live plan {pid}")
    total = int(sum(int(v) for v in rows["open_amount"]))
    try:
        created_d = parse_date(created) if created is not None else clock.today()
        first_d = parse_date(first_due)
    except ValueError as e:
        fail(src, e)
    if first_d < created_d and not backdate:
        fail(src, f"the first installment would be due {first_d:%Y-%m-%d}, before the plan is created "
                  f"({created_d:%Y-%m-%d}); check the year, or give --backdate to record a plan agreed earlier")
    try:
        sched = plans_engine.schedule(total, installments, first_due, frequency, annual_rate, interest,
                                      down_payment_cents, holiday_country)
    except ValueError as e:
        fail(src, e)
    plan_id = next_id(plans["plan_id"], "P")
    inv_text = join_ids(ids)
    new_rows = []
    change = Change("create_plan")
    change.log(user, "Plans", plan_id, "created", None, created_d.isoformat(), "create_plan")
    for r in sched.itertuples(index=False):
        new_rows.append({
            "plan_id": plan_id, "customer_id": customer, "invoice_ids": inv_text,
            "installment_no": int(r.installment_no), "due_date": r.due_date, "amount": int(r.amount),
            "principal": int(r.principal), "interest": int(r.interest), "remaining_balance": int(r.remaining_balance),
            "paid": 0, "open": int(r.amount), "status": "open", "plan_status": "active", "note": note or "",
        })
        change.log(user, "Plans", f"{plan_id}/{int(r.installment_no)}", "amount", None,
                   f"{fmt(int(r.amount))} due {r.due_date:%Y-%m-%d}", f"schedule {frequency} {interest}")
    change.tables["Plans"] = appended(book, "Plans", new_rows)
    skipped = set_invoice_status(book, change, user, ids, "on plan", f"plan {plan_id}")
    grand = int(sched["amount"].sum())
    cur = f"{currency} " if currency else ""
    n_reg = int((sched["installment_no"] > 0).sum())
    msg = (f"plan {plan_id} for {customer}: {n_reg} {frequency} installment(s) from "
           f"{sched['due_date'].iloc[0]:%Y-%m-%d} to {sched['due_date'].iloc[-1]:%Y-%m-%d}, "
           f"{cur}{fmt(total)} plus interest {fmt(grand - total)} = {cur}{fmt(grand)} for {inv_text}")
    if skipped:
        msg += f"; status left as it is on {', '.join(skipped)}"
    if first_d < created_d:
        msg += f"; backdated: the first installment was due {first_d:%Y-%m-%d}"
    change.summary = msg
    return restate.follow(book, change)


def _paid_plans(book: Book, plans: pd.DataFrame, as_of_d: dt.date, strict: bool = True):
    """Each plan that is not cancelled, oldest first (the oldest plan takes customer-level money first), paid
    from ``payment_credits`` as of ``as_of_d`` (``engine.plans.apply_payments``): yields (plan id, its rows'
    positions in ``plans``, the engine's result, whether Audit has its creation date).  A plan with an installment
    without due date or amount is refused (``strict``) or left out."""
    grace = book.config.plan_grace_days
    credits = payment_credits(book)
    created = creation_dates(book)
    pids = plans["plan_id"].astype(str).str.strip()
    pstatus = plans["plan_status"].astype(str).str.strip().str.lower()
    remaining = credits["amount"].to_numpy(dtype=np.int64).copy()
    inv = book.get("Invoices")
    open_by_id = dict(zip(frames.texts(inv["invoice_id"]), inv["open_amount"].astype("Int64").fillna(0).astype(int)))
    for pid in sorted(set(pids[pstatus != "cancelled"]), key=lambda p: (len(p), p)):
        idx = np.flatnonzero((pids == pid).to_numpy())
        rows = plans.iloc[idx]
        if rows["due_date"].isna().any() or rows["amount"].isna().any():
            if not strict:
                continue
            fail(f"{book.source} sheet Plans", f"plan {pid} has an installment without due date or amount")
        customer = str(rows["customer_id"].iloc[0]).strip()
        inv_ids = set()
        for cell in rows["invoice_ids"]:
            inv_ids.update(split_ids(cell))
        since = created.get(pid)
        on_plan = credits["invoice_id"].isin(inv_ids) & (credits["source"] == "match")
        # money proposed for invoices (waiting for review) pays the plan only when they are all the plan's
        free = credits["proposed_for"].map(lambda v: not v or set(split_ids(v)) <= inv_ids).astype(bool)
        # the unapplied rest of a payment matched to the plan's invoices (a plan's interest) pays it too
        rest = ((credits["source"] == "match") & (credits["invoice_id"] == "") & (credits["customer_id"] == customer)
                & credits["payment_id"].isin(set(credits.loc[on_plan, "payment_id"])))
        take = (on_plan | ((rest | ((credits["source"] == "iban") & (credits["customer_id"] == customer)))
                           & free)).to_numpy().copy()
        take &= remaining > 0
        if since is not None:
            take &= (credits["value_date"] >= pd.Timestamp(since)).to_numpy()
        sel = np.flatnonzero(take)
        pays = pd.DataFrame({"value_date": credits["value_date"].to_numpy()[sel], "amount": remaining[sel]})
        res = plans_engine.apply_payments(rows.reset_index(drop=True), pays, as_of_d, grace)
        for j, used in zip(sel, res.attrs["used"]):
            remaining[j] -= used
        if (res["plan_status"] == "completed").all() and any(open_by_id.get(i, 0) > 0 for i in inv_ids):
            res["plan_status"] = "active"  # paid by money not applied to its invoices yet: they are still open
        yield pid, idx, res, since is not None


def plans_as_of(book: Book, as_of) -> pd.DataFrame:
    """The Plans table with paid, open, status and plan_status as ``update_plans`` would set them as of ``as_of``
    (a view of another day: nothing is written).  Cancelled plans, and a plan an installment of which lacks its due
    date or amount, keep their values."""
    plans = book.get("Plans").reset_index(drop=True)
    if not len(plans):
        return plans
    cols = {c: plans[c].astype(object).to_numpy().copy() for c in ("paid", "open", "status", "plan_status")}
    for _, idx, res, _ in _paid_plans(book, plans, parse_date(as_of), strict=False):
        for c in cols:
            cols[c][idx] = res[c].to_numpy()
    out = plans.copy()
    for c in ("paid", "open"):
        out[c] = pd.array([None if blank(v) else int(v) for v in cols[c]], dtype="Int64")
    out["status"], out["plan_status"] = cols["status"], cols["plan_status"]
    return out


def update_plans(book: Book, as_of: object = None, user: str | None = None) -> Change:
    """Apply the payments received to every live plan's installments (rules in the module docstring)."""
    user = who(book, user)
    as_of_d = parse_date(as_of) if as_of is not None else clock.today()
    change = Change("update_plans")
    plans = book.get("Plans").reset_index(drop=True)
    if not len(plans):
        change.summary = "no payment plans"
        return change
    grace = book.config.plan_grace_days
    new = plans.copy()
    new_cols = {c: new[c].astype(object).to_numpy().copy() for c in ("paid", "open", "status", "plan_status")}
    no_created, counts, order = [], {"active": 0, "completed": 0, "broken": 0}, []
    for pid, idx, res, dated in _paid_plans(book, plans, as_of_d):
        order.append(pid)
        if not dated:
            no_created.append(pid)
        counts[res["plan_status"].iloc[0]] += 1
        for k, i in enumerate(idx):
            key = f"{pid}/{text_of(plans.at[i, 'installment_no'])}"
            for c in ("paid", "open", "status", "plan_status"):
                v = res[c].iloc[k]
                v = int(v) if c in ("paid", "open") else str(v)
                old = plans.at[i, c]
                same = (not blank(old) and int(old) == v) if c in ("paid", "open") else str(old).strip() == v
                if not same:
                    new_cols[c][i] = v
                    shown_old = fmt(int(old)) if c in ("paid", "open") and not blank(old) else text_of(old)
                    shown_new = fmt(v) if c in ("paid", "open") else v
                    change.log(user, "Plans", key, c, shown_old, shown_new, f"as_of {as_of_d:%Y-%m-%d} grace {grace}d")
    new["paid"] = pd.array([None if blank(v) else int(v) for v in new_cols["paid"]], dtype="Int64")
    new["open"] = pd.array([None if blank(v) else int(v) for v in new_cols["open"]], dtype="Int64")
    new["status"] = new_cols["status"]
    new["plan_status"] = new_cols["plan_status"]
    change.tables["Plans"] = new
    n_changes = len(change.audit)
    msg = (f"updated {len(order)} plan(s) as of {as_of_d:%Y-%m-%d}: {counts['active']} active, "
           f"{counts['completed']} completed, {counts['broken']} broken; {n_changes} value(s) changed")
    if no_created:
        msg += f"; no creation date in Audit for {', '.join(no_created)}: payments of any date counted"
    change.summary = msg
    return restate.follow(book, change)

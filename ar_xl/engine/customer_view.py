"""The customer view: everything about one customer on one page, the page a collector has open during a call.

``build(...)`` takes the customer's rows of each table (pandas in) and returns a ``View``: the customer's
id, name and the as-of date, and its ``Section``s in page order (pandas out), each a frame with the kind of
each column (``schema`` kinds: money in cents, dates as dates), so every shell writes numbers as numbers
and dates as dates:

* **Customer**: master data (Customers row) and credit status (``engine.credit.exposures``: credit
  limit, exposure, open AR, unapplied cash, the proposed status and its reason, a person's hold), the
  last contact and its outcome, and the next action date the newest contact that set one gave (past or not); a two-column *field / value* section, each value of its own
  kind (``Section.row_kinds``).  Base-currency amounts name the base currency in their label.
* **Balance**: per currency, the open amount and its parts (they add up to it): overdue (invoices past
  due, not on a live dispute), disputed (invoices on a live dispute), not yet due (the other invoices) and
  credit notes (open amounts below 0); then the unapplied cash, the statutory interest accrued (empty when
  a rate is missing) and the oldest overdue invoice's days past due.
* **Open items**: the aged items (``actions.refresh.aging_table``: state, days past due, bucket,
  interest) with the invoice's date, amount, references and note; oldest due date first.
* **Promises**, **Plans** (one row per installment), **Disputes**, **Write-offs**, **Handovers** (to a
  collection agency or lawyer: what was handed over, recovered, the costs and what the agency transferred),
  **Reminders**, **Contacts** (Activities): the customer's rows, newest first (plans in installment order).
* **Payments**: the payments applied or proposed to the customer's invoices (Matches) and those from
  one of the customer's IBANs, newest value date first, with the amount applied to this customer.
* **Matches**: the customer's Matches rows with the payment's value date, newest first.
* **Payment behaviour**: the last ``months`` calendar months up to the as-of date's month, oldest
  first.  One observation per applied Matches row with money applied (``applied_amount`` > 0) to one of
  the customer's invoices whose payment's value date falls in the month and on or before the as-of
  date: ``days late = value_date - due_date`` of the invoice it paid (negative when paid early).  Per
  month and currency: the payments (distinct payment ids), the invoices paid (observations), the amount
  applied, the median and the mean days late (the plain mean over the observations, one decimal) and the
  most days late.  A month without payments has one row with 0 payments and the rest empty.

**A past day** (a view as of a day before today): the records are shown as they stood at the end of that day
(``as_stood``, from the dates the workbook keeps), and the page opens with an **As of** section saying so and
naming what it cannot know.  Left out: promises logged, disputes opened, write-offs proposed, handovers made,
reminders sent, contacts logged (so the last contact and next action too) and payments received after the day,
the Matches rows of those payments, and plans created after it (their creation date in Audit).  Worked out as of
the day: a promise's received and status (``engine.promises``), a plan's paid, open and statuses
(``engine.plans``), a dispute resolved after the day (``not resolved``, without its resolved date and
resolution), a write-off booked after it (awaiting approval).  Not dated in the workbook, so shown as they are now
and named in the As of section: a dispute's move into review or escalation and its closing, a write-off's rejection
or withdrawal, a handover's recoveries, costs, transfers and status, a plan's cancellation, a row without its
date.  The open items and their amounts are today's (the workbook keeps no earlier open amounts), aged to the
day, with their state and disputed flags from the records as they stood; so are the balance and credit figures.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import frames, schema
from ..frames import blank
from .payer import normalise_iban

MONTHS = 12


@dataclass
class Section:
    key: str
    title: str
    frame: pd.DataFrame
    kinds: dict[str, str]
    """Column -> schema kind (text, date, datetime, money, int, number, bool)."""
    row_kinds: list[str] | None = None
    """A field/value section: the kind of each row's value (the last column)."""
    empty: str = "none"
    """What the section says when it has no rows."""


@dataclass
class View:
    customer_id: str
    customer_name: str
    as_of: dt.date
    base_currency: str
    sections: list[Section] = field(default_factory=list)
    interest_missing: str = ""
    """The statutory rates missing for the interest of the open items (empty: none missing)."""

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


# ---------------------------------------------------------------- helpers

_text = frames.text_column


def _kinds(table: str, columns: list[str], **extra: str) -> dict[str, str]:
    t = schema.table(table)
    out = {}
    for c in columns:
        if c in extra:
            out[c] = extra[c]
        else:
            try:
                out[c] = t.column(c).kind
            except KeyError:
                out[c] = "text"
    return out


def _pick(frame: pd.DataFrame | None, table: str, columns: list[str]) -> pd.DataFrame:
    """The columns of ``frame`` (a missing one empty), as a fresh frame with a 0..n index."""
    t = schema.table(table)
    if frame is None:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in t.names})
    frame = frame.reset_index(drop=True)
    return pd.DataFrame({c: (frame[c] if c in frame.columns else pd.Series([None] * len(frame), dtype=object))
                         for c in columns})


def _newest_first(frame: pd.DataFrame, by: str, then: str) -> pd.DataFrame:
    if not len(frame):
        return frame
    when = pd.to_datetime(frame[by], errors="coerce")
    keys = pd.DataFrame({"missing": when.isna().to_numpy(), "when": when.fillna(pd.Timestamp.min).to_numpy(),
                         "then": frame[then].astype(str).to_numpy()})
    order = keys.sort_values(["missing", "when", "then"], ascending=[True, False, False], kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def _of_customer(frame: pd.DataFrame | None, cid: str) -> pd.DataFrame | None:
    if frame is None or not len(frame) or "customer_id" not in frame.columns:
        return frame.iloc[0:0] if frame is not None else None
    return frame.loc[(_text(frame, "customer_id") == cid).to_numpy()]


def _day(v) -> dt.date | None:
    if blank(v):
        return None
    ts = pd.Timestamp(v)
    return None if pd.isna(ts) else ts.date()


# ---------------------------------------------------------------- sections

def _customer(cid: str, name: str, row: dict, credit: dict | None, activities: pd.DataFrame, as_of: dt.date,
              base: str) -> Section:
    def val(key):
        v = row.get(key)
        return None if blank(v) else v

    def cr(key):
        v = (credit or {}).get(key)
        return None if blank(v) else v

    last_at, last_outcome, next_action = None, None, None
    if activities is not None and len(activities):
        acts = _newest_first(activities.reset_index(drop=True), "at", "activity_id")
        last_at, last_outcome = acts.iloc[0]["at"], acts.iloc[0]["outcome"]
        nxt = pd.to_datetime(acts["next_action_date"], errors="coerce").dropna()  # newest contact's first
        next_action = nxt.iloc[0] if len(nxt) else None
    hold = cr("credit_hold") if credit else val("credit_hold")
    fields = [
        ("customer id", cid, "text"),
        ("name", name, "text"),
        ("country", val("country"), "text"),
        ("language", val("language"), "text"),
        ("collector", val("collector"), "text"),
        ("email", val("email"), "text"),
        ("phone", val("phone"), "text"),
        ("IBAN", val("iban"), "text"),
        ("payment terms", val("payment_terms"), "text"),
        ("no reminders", None if val("no_reminders") is None else bool(val("no_reminders")), "bool"),
        ("note", val("note"), "text"),
        (f"credit limit ({base})", cr("credit_limit") if credit else val("credit_limit"), "money"),
        (f"exposure ({base})", cr("exposure") if credit else val("exposure"), "money"),
        (f"open AR ({base})", cr("open_ar"), "money"),
        (f"unapplied cash ({base})", cr("unapplied"), "money"),
        (f"orders ({base})", cr("orders"), "money"),
        ("credit status", (cr("credit_status") if credit else val("credit_status")) or "within limit", "text"),
        ("credit reason", cr("credit_reason") if credit else val("credit_reason"), "text"),
        ("credit hold (a person's)", hold, "text"),
        ("last contact", last_at, "datetime"),
        ("last outcome", last_outcome, "text"),
        ("next action date", next_action, "date"),
    ]
    frame = pd.DataFrame({"field": [f for f, _, _ in fields], "value": pd.Series([v for _, v, _ in fields],
                                                                               dtype=object)})
    return Section("customer", "Customer", frame, {"field": "text", "value": "text"},
                   row_kinds=[k for _, _, k in fields])


BALANCE_COLUMNS = ["currency", "open_amount", "overdue_amount", "disputed_amount", "not_due_amount", "credit_notes",
                   "unapplied_cash", "interest", "items", "oldest_days_past_due"]


def _balance(items: pd.DataFrame, unapplied: pd.DataFrame | None) -> Section:
    kinds = {c: "money" for c in BALANCE_COLUMNS}
    kinds.update(currency="text", items="int", oldest_days_past_due="int")
    cur = _text(items, "currency").str.upper().to_numpy()
    un_cur = _text(unapplied, "currency").str.upper().to_numpy() if unapplied is not None and len(unapplied) else []
    rows = []
    for c in sorted(set(cur) | set(un_cur)):
        m = cur == c
        amt = items["open_amount"].to_numpy(dtype=np.int64)[m]
        days = items["days_past_due"].to_numpy(dtype=np.int64)[m]
        disp = items["disputed"].fillna(False).to_numpy(dtype=bool)[m]
        intr = pd.array(items["interest"], dtype="Int64")[m] if "interest" in items else pd.array([], dtype="Int64")
        interest = None if len(intr) and intr.isna().any() else int(intr.sum()) if len(intr) else 0
        un = int(unapplied.loc[(_text(unapplied, "currency").str.upper() == c).to_numpy(), "amount"].sum()) \
            if len(un_cur) else 0
        pos = amt > 0
        pos_over = (days > 0) & ~disp & pos
        rows.append({"currency": c, "open_amount": int(amt.sum()), "overdue_amount": int(amt[pos_over].sum()),
                     "disputed_amount": int(amt[disp & pos].sum()),
                     "not_due_amount": int(amt[(days <= 0) & ~disp & pos].sum()),
                     "credit_notes": int(amt[~pos].sum()), "unapplied_cash": un, "interest": interest,
                     "items": int(m.sum()),
                     "oldest_days_past_due": int(days[pos_over].max()) if pos_over.any() else None})
    frame = pd.DataFrame(rows, columns=BALANCE_COLUMNS)
    return Section("balance", "Balance", frame, kinds, empty="nothing open")


OPEN_COLUMNS = ["invoice_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "days_past_due", "bucket",
                "state", "disputed", "interest", "payment_reference", "po_number", "note"]


def _open_items(items: pd.DataFrame, invoices: pd.DataFrame | None) -> Section:
    inv = (invoices.assign(_id=_text(invoices, "invoice_id")).drop_duplicates("_id").set_index("_id")
           if invoices is not None and len(invoices) else None)
    ids = _text(items, "invoice_id")
    out = pd.DataFrame({"invoice_id": ids.to_numpy()})
    for c in OPEN_COLUMNS[1:]:
        if c in items.columns:
            out[c] = items[c].to_numpy()
        elif inv is not None and c in inv.columns:
            out[c] = inv[c].reindex(ids.to_numpy()).to_numpy()
        else:
            out[c] = None
    if len(out):
        due = pd.to_datetime(out["due_date"], errors="coerce")
        out = out.assign(_d=due).sort_values(["_d", "invoice_id"], kind="stable").drop(columns="_d")
        out = out.reset_index(drop=True)
    kinds = _kinds("Invoices", OPEN_COLUMNS, days_past_due="int", bucket="text", state="text", disputed="bool",
                   interest="money")
    return Section("open_items", "Open items", out, kinds, empty="no open items")


def _table_section(key: str, title: str, table: str, frame: pd.DataFrame | None, columns: list[str],
                   newest_by: str | None, id_col: str, empty: str = "none", sort=None) -> Section:
    out = _pick(frame, table, columns)
    if sort is not None:
        out = sort(out)
    elif newest_by:
        out = _newest_first(out, newest_by, id_col)
    return Section(key, title, out, _kinds(table, columns), empty=empty)


def _plans_order(frame: pd.DataFrame) -> pd.DataFrame:
    if not len(frame):
        return frame
    keys = pd.DataFrame({"p": frame["plan_id"].astype(str).to_numpy(),
                         "n": pd.to_numeric(frame["installment_no"], errors="coerce").fillna(0).to_numpy()})
    return frame.loc[keys.sort_values(["p", "n"], kind="stable").index].reset_index(drop=True)


PAYMENT_COLUMNS = ["payment_id", "value_date", "amount", "currency", "applied_here", "unapplied_amount", "status",
                   "payer_name", "payer_iban", "remittance"]
MATCH_COLUMNS = ["match_id", "payment_id", "value_date", "invoice_id", "applied_amount", "short_pay", "write_off",
                 "decision", "confidence", "review", "applied", "rule", "flags"]


def _matches_of(matches: pd.DataFrame | None, invoice_ids: set[str], cid: str) -> pd.DataFrame | None:
    if matches is None or not len(matches):
        return matches
    mine = _text(matches, "invoice_id").isin(invoice_ids) | (_text(matches, "customer_id") == cid)
    return matches.loc[mine.to_numpy()]


def _payments(payments: pd.DataFrame | None, matches: pd.DataFrame | None, ibans: set[str]) -> Section:
    kinds = _kinds("Payments", PAYMENT_COLUMNS, applied_here="money")
    if payments is None or not len(payments):
        return Section("payments", "Payments", _pick(None, "Payments", PAYMENT_COLUMNS), kinds)
    pid = _text(payments, "payment_id")
    from_matches = set(_text(matches, "payment_id")) if matches is not None and len(matches) else set()
    by_iban = payments["payer_iban"].map(normalise_iban).isin(ibans) if ibans and "payer_iban" in payments \
        else pd.Series(False, index=payments.index)
    mine = payments.loc[(pid.isin(from_matches) | by_iban).to_numpy()]
    applied = {}
    if matches is not None and len(matches):
        done = matches.loc[matches["applied"].fillna(False).astype(bool).to_numpy()]
        applied = pd.to_numeric(done["applied_amount"], errors="coerce").fillna(0).astype(np.int64) \
            .groupby(_text(done, "payment_id").to_numpy()).sum().to_dict()
    out = _pick(mine, "Payments", PAYMENT_COLUMNS)
    out["applied_here"] = pd.array([applied.get(p) for p in _text(out, "payment_id")], dtype="Int64")
    return Section("payments", "Payments", _newest_first(out, "value_date", "payment_id"), kinds)


def _matches(matches: pd.DataFrame | None, payments: pd.DataFrame | None) -> Section:
    out = _pick(matches, "Matches", MATCH_COLUMNS)
    if len(out) and payments is not None and len(payments):
        vd = payments.assign(_p=_text(payments, "payment_id")).drop_duplicates("_p").set_index("_p")["value_date"]
        out["value_date"] = pd.to_datetime(vd.reindex(_text(out, "payment_id").to_numpy())).to_numpy()
    kinds = _kinds("Matches", MATCH_COLUMNS, value_date="date")
    return Section("matches", "Matches", _newest_first(out, "value_date", "match_id"), kinds)


BEHAVIOUR_COLUMNS = ["month", "currency", "payments", "invoices_paid", "applied", "median_days_late",
                     "average_days_late", "max_days_late"]


def month_starts(as_of: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the ``months`` calendar months up to ``as_of``'s, oldest first."""
    out, y, m = [], as_of.year, as_of.month
    for _ in range(months):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def payment_behaviour(invoices: pd.DataFrame | None, payments: pd.DataFrame | None, matches: pd.DataFrame | None,
                      as_of: dt.date, months: int = MONTHS) -> pd.DataFrame:
    """The per-month payment behaviour of the matches given (module docstring); ``matches`` are the
    customer's rows, ``invoices`` give the due dates, ``payments`` the value dates."""
    starts = month_starts(as_of, months)
    obs = pd.DataFrame({"month": pd.Series(dtype=object), "currency": pd.Series(dtype=object),
                        "payment_id": pd.Series(dtype=object), "late": pd.Series(dtype=np.int64),
                        "amount": pd.Series(dtype=np.int64)})
    if matches is not None and len(matches) and payments is not None and len(payments) and invoices is not None \
            and len(invoices):
        m = matches.loc[matches["applied"].fillna(False).astype(bool).to_numpy()]
        amt = pd.to_numeric(m["applied_amount"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
        m = m.loc[amt > 0]
        amt = amt[amt > 0]
        pay = payments.assign(_p=_text(payments, "payment_id")).drop_duplicates("_p").set_index("_p")
        inv = invoices.assign(_i=_text(invoices, "invoice_id")).drop_duplicates("_i").set_index("_i")
        pid = _text(m, "payment_id").to_numpy()
        vd = pd.to_datetime(pay["value_date"].reindex(pid)).to_numpy().astype("datetime64[D]")
        due = pd.to_datetime(inv["due_date"].reindex(_text(m, "invoice_id").to_numpy())).to_numpy().astype("datetime64[D]")
        cur = _text(pay, "currency").str.upper().reindex(pid).fillna("").to_numpy()
        ok = ~np.isnat(vd) & ~np.isnat(due) & (vd >= np.datetime64(starts[0], "D")) & (vd <= np.datetime64(as_of, "D"))
        month = pd.Series(vd[ok]).dt.strftime("%Y-%m").to_numpy() if ok.any() else np.array([], dtype=object)
        obs = pd.DataFrame({"month": month, "currency": cur[ok], "payment_id": pid[ok],
                            "late": (vd[ok] - due[ok]).astype(np.int64), "amount": amt[ok]})
    rows = []
    for start in starts:
        label = f"{start:%Y-%m}"
        here = obs.loc[(obs["month"] == label).to_numpy()]
        if not len(here):
            rows.append({"month": label, "currency": None, "payments": 0, "invoices_paid": 0, "applied": None,
                         "median_days_late": None, "average_days_late": None, "max_days_late": None})
            continue
        for c, g in here.groupby("currency", sort=True):
            late = g["late"].to_numpy(dtype=np.int64)
            rows.append({"month": label, "currency": c or None, "payments": int(g["payment_id"].nunique()),
                         "invoices_paid": int(len(g)), "applied": int(g["amount"].sum()),
                         "median_days_late": float(np.median(late)),
                         "average_days_late": round(float(late.mean()), 1), "max_days_late": int(late.max())})
    out = pd.DataFrame(rows, columns=BEHAVIOUR_COLUMNS)
    out["applied"] = pd.array(out["applied"], dtype="Int64")
    return out


def _behaviour(invoices, payments, matches, as_of, months) -> Section:
    frame = payment_behaviour(invoices, payments, matches, as_of, months)
    kinds = {"month": "text", "currency": "text", "payments": "int", "invoices_paid": "int", "applied": "money",
             "median_days_late": "number", "average_days_late": "number", "max_days_late": "int"}
    return Section("behaviour", f"Payment behaviour ({months} months)", frame, kinds)


# ---------------------------------------------------------------- as of a past day

NOT_RESOLVED = "not resolved"
"""A dispute's status on a past day when it was still open then and has moved since (``as_stood``)."""

DATED = {"Promises": ("promise_id", "logged_on"), "Disputes": ("dispute_id", "opened"),
         "WriteOffs": ("writeoff_id", "proposed_on"), "Handovers": ("handover_id", "handed_on"),
         "Reminders": ("reminder_id", "sent_on"), "Activities": ("activity_id", "at"),
         "Payments": ("payment_id", "value_date")}
"""The tables whose rows came to be on a date they keep: table -> (id column, the date)."""


@dataclass
class Stood:
    """The records as they stood at the end of a past day (``as_stood``)."""

    as_of: dt.date
    tables: dict[str, pd.DataFrame]
    """The tables given, each without the rows that came after the day and with what the dates restate."""
    undated: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per table, the rows shown with something that may have changed after the day on a day the workbook does not
    keep: row id -> what it is now, in words."""


def _by_end_of(values: pd.Series, as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(dated on or before the end of ``as_of``, blank) of a date or date-time column."""
    when = pd.to_datetime(pd.Series(values.tolist(), dtype=object), errors="coerce")
    blank_ = when.isna().to_numpy()
    return (~blank_ & (when < pd.Timestamp(as_of) + pd.Timedelta(days=1)).to_numpy()), blank_


def _disputes_on(d: pd.DataFrame, as_of: dt.date, undated: dict[str, str]) -> pd.DataFrame:
    """Disputes opened by ``as_of`` as they stood then (``as_stood``)."""
    d = d.copy()
    ids, status = _text(d, "dispute_id").to_numpy(), _text(d, "status").str.lower().to_numpy()
    resolved_by, no_resolved = _by_end_of(d["resolved"], as_of)
    status_col = d["status"].astype(object).to_numpy().copy()
    resolved = pd.to_datetime(d["resolved"]).to_numpy().copy()
    resolution = d["resolution"].astype(object).to_numpy().copy() if "resolution" in d else None
    for i, (did, st) in enumerate(zip(ids, status)):
        done = st.startswith("resolved") or st == "closed"
        if done and no_resolved[i]:
            undated[did] = f"{did} is {st} now, without a resolved date: it shows {st}"
        elif done and not resolved_by[i]:  # resolved after the day: still open then, in a status not kept
            undated[did] = (f"{did} was resolved ({st}) on {pd.Timestamp(resolved[i]):%Y-%m-%d}: it shows "
                            f"{NOT_RESOLVED}, whether it was open, in review or escalated then is not kept")
            status_col[i], resolved[i] = NOT_RESOLVED, np.datetime64("NaT")
            if resolution is not None:
                resolution[i] = None
        elif st == "closed":
            undated[did] = f"{did} is closed now, since a day not kept: it shows closed"
        elif st not in ("", "open") and not done:
            undated[did] = f"{did} is {st} now, since a day not kept: it shows {st}"
    d["status"], d["resolved"] = status_col, resolved
    if resolution is not None:
        d["resolution"] = resolution
    return d


def _writeoffs_on(w: pd.DataFrame, as_of: dt.date, undated: dict[str, str]) -> pd.DataFrame:
    """Write-offs proposed by ``as_of`` as they stood then: one booked after the day was awaiting approval."""
    w = w.copy()
    ids, status = _text(w, "writeoff_id").to_numpy(), _text(w, "status").str.lower().to_numpy()
    booked_by, no_booked = _by_end_of(w["booked_on"], as_of)
    status_col = w["status"].astype(object).to_numpy().copy()
    booked_on = pd.to_datetime(w["booked_on"]).to_numpy().copy()
    approver = w["approver"].astype(object).to_numpy().copy() if "approver" in w else None
    for i, (wid, st) in enumerate(zip(ids, status)):
        if st == "booked" and not no_booked[i] and not booked_by[i]:
            status_col[i], booked_on[i] = "awaiting approval", np.datetime64("NaT")
            if approver is not None:
                approver[i] = None
        elif st == "booked" and no_booked[i]:
            undated[wid] = f"{wid} is booked now, without a booked date: it shows booked"
        elif st in ("rejected", "withdrawn"):
            undated[wid] = f"{wid} is {st} now, since a day not kept: it shows {st}"
    w["status"], w["booked_on"] = status_col, booked_on
    if approver is not None:
        w["approver"] = approver
    return w


def _handovers_on(h: pd.DataFrame, undated: dict[str, str]) -> pd.DataFrame:
    """Handovers made by the day: what was recovered, its costs and transfers and a status other than open are not
    dated in the table (they are shown as they are now)."""
    for r in h.itertuples(index=False):
        moved = [c for c in ("recovered", "costs", "transferred")
                 if c in h.columns and not blank(getattr(r, c)) and int(getattr(r, c)) != 0]
        st = frames.text(getattr(r, "status", "")).lower()
        if moved or st not in ("", "open"):
            hid = frames.text(r.handover_id)
            words = {"recovered": "recovered amount", "costs": "costs", "transferred": "transfers"}
            what = ([f"status ({st})"] if st not in ("", "open") else []) + [words[c] for c in moved]
            undated[hid] = f"{hid} shows its {', '.join(what)} as of today (not dated in the table)"
    return h


def _plans_on(p: pd.DataFrame, as_of: dt.date, created: dict[str, dt.date], undated: dict[str, str]) -> pd.DataFrame:
    """Plans created by ``as_of`` (their creation date: ``created``, from Audit); a plan without one is kept and
    named, and so is a cancelled plan (the day it was cancelled is not kept)."""
    ids = _text(p, "plan_id")
    keep = np.array([created.get(i) is None or created[i] <= as_of for i in ids], dtype=bool)
    for i, st in zip(ids[keep], _text(p, "plan_status").str.lower()[keep]):
        if created.get(i) is None:
            undated[i] = f"{i} has no creation date in Audit: shown, with its payments of any day up to then"
        elif st == "cancelled":
            undated[i] = f"{i} is cancelled now, since a day not kept: it shows cancelled"
    return p.loc[keep].reset_index(drop=True)


def as_stood(as_of: dt.date, tables: dict[str, pd.DataFrame | None],
             plans_created: dict[str, dt.date] | None = None) -> Stood:
    """The records of ``tables`` as they stood at the end of ``as_of`` (a past day), from the dates they keep.

    ``tables`` holds any of Promises, Plans, Disputes, WriteOffs, Handovers, Reminders, Activities, Payments and
    Matches (other tables pass as they are).  A row dated after the day is left out: a promise logged, a dispute
    opened, a write-off proposed, a handover made, a reminder sent, a contact logged or a payment received after
    it (a row without its date is kept and named); a Matches row of a payment received after it; a plan created
    after it (``plans_created``: plan id -> the day Audit recorded it; a plan without one is kept and named).
    What the dates restate: a dispute resolved after the day was not resolved then (status ``not resolved``,
    no resolved date or resolution); a write-off booked after it was awaiting approval.  Promises and plans come
    restated by the caller (received, paid and statuses as of the day, from the payments' value dates).  What
    the workbook does not date is shown as it is now and named in ``Stood.undated``: a dispute's move into
    review or escalation and its closing, a write-off's rejection or withdrawal, a handover's recoveries, costs,
    transfers and status, a plan's cancellation."""
    out: dict[str, pd.DataFrame] = {}
    undated: dict[str, dict[str, str]] = {}
    for name, frame in tables.items():
        if frame is None or name not in DATED and name not in ("Plans", "Matches"):
            out[name] = frame
            continue
        notes: dict[str, str] = {}
        if name in DATED and len(frame) and DATED[name][1] in frame.columns:
            key, col = DATED[name]
            by, no_date = _by_end_of(frame[col], as_of)
            for i in _text(frame, key).to_numpy()[no_date]:
                notes[i] = f"{i} has no {col.replace('_', ' ')}: shown, whether it was there then is not known"
            frame = frame.loc[by | no_date].reset_index(drop=True)
        if name == "Disputes" and len(frame):
            frame = _disputes_on(frame, as_of, notes)
        elif name == "WriteOffs" and len(frame):
            frame = _writeoffs_on(frame, as_of, notes)
        elif name == "Handovers" and len(frame):
            frame = _handovers_on(frame, notes)
        elif name == "Plans" and len(frame):
            frame = _plans_on(frame, as_of, plans_created or {}, notes)
        out[name] = frame
        if notes:
            undated[name] = notes
    pay, mat = tables.get("Payments"), out.get("Matches")
    if mat is not None and len(mat) and pay is not None and len(pay):  # matches of payments not received yet
        later = set(_text(pay, "payment_id")) - set(_text(out["Payments"], "payment_id"))
        out["Matches"] = mat.loc[~_text(mat, "payment_id").isin(later).to_numpy()].reset_index(drop=True)
    return Stood(as_of, out, undated)


TITLE_OF = {"Disputes": "Disputes", "WriteOffs": "Write-offs", "Handovers": "Handovers", "Plans": "Payment plans",
            "Promises": "Promises", "Reminders": "Reminders", "Activities": "Contacts", "Payments": "Payments"}


def _as_of_notes(as_of: dt.date, stood: Stood, shown: dict[str, pd.DataFrame | None], payments_shown: int) -> Section:
    """The sentences saying how the view stands on a past day and what it cannot know (``as_stood``), for the rows
    ``shown`` (table -> the customer's rows as they stood)."""
    notes = [f"Promises, plans, disputes, write-offs, handovers, reminders, contacts and payments as they stood on "
             f"{as_of:%Y-%m-%d}: what came after it is left out, and what was received or paid and the statuses "
             f"are worked out as of that day from the dates the workbook keeps.",
             f"Open items, Balance and the credit figures: the open items and amounts of today (the workbook keeps "
             f"no earlier open amounts; an invoice dated after {as_of:%Y-%m-%d} is listed too), aged to that day; "
             f"their state and disputed flags as of that day."]
    if payments_shown:
        notes.append("Payments and Matches: how a payment received by then was applied is shown as it is now (the "
                     "day a payment was matched is not kept).")
    for name, undated in stood.undated.items():
        frame = shown.get(name)
        if frame is None or not len(frame):
            continue
        key = DATED.get(name, ("plan_id",))[0]
        mine = [undated[i] for i in dict.fromkeys(_text(frame, key)) if i in undated]
        if mine:
            notes.append(f"{TITLE_OF.get(name, name)}, not dated in the workbook: {'; '.join(mine)}.")
    frame = pd.DataFrame({"note": pd.Series(notes, dtype=object)})
    return Section("as_of", f"As of {as_of:%Y-%m-%d}", frame, {"note": "text"})


# ---------------------------------------------------------------- the view

def build(customer_id: str, as_of: dt.date, *, customer: dict | None = None, credit: dict | None = None,
          aging: pd.DataFrame, invoices: pd.DataFrame | None = None, payments: pd.DataFrame | None = None,
          matches: pd.DataFrame | None = None, promises: pd.DataFrame | None = None,
          plans: pd.DataFrame | None = None, disputes: pd.DataFrame | None = None,
          reminders: pd.DataFrame | None = None, activities: pd.DataFrame | None = None,
          writeoffs: pd.DataFrame | None = None, handovers: pd.DataFrame | None = None,
          unapplied: pd.DataFrame | None = None,
          base_currency: str = "EUR", months: int = MONTHS, interest_missing: str = "",
          stood: Stood | None = None) -> View:
    """The customer's view (module docstring).  Each frame may hold every customer's rows (they are narrowed
    to ``customer_id`` here); ``customer`` is the Customers row as a dict, ``credit`` the customer's row of
    ``engine.credit.exposures`` (plus ``credit_hold``), ``aging`` the aged items (``aging_table``).  ``stood``:
    the view is of a past day and the frames are the records as they stood then (``as_stood``); the page
    then opens with what that means and what the workbook does not date."""
    cid = str(customer_id).strip()
    row = dict(customer or {})
    inv = _of_customer(invoices, cid)
    items = _of_customer(aging, cid).reset_index(drop=True)
    name = "" if blank(row.get("customer_name")) else str(row.get("customer_name")).strip()
    if not name and inv is not None and len(inv) and "customer_name" in inv:
        names = [n for n in _text(inv, "customer_name") if n]
        name = names[0] if names else ""
    acts = _of_customer(activities, cid)
    inv_ids = set(_text(inv, "invoice_id")) if inv is not None else set()
    mine = _matches_of(matches, inv_ids, cid)
    ibans = {normalise_iban(x) for x in str(row.get("iban") or "").split(";") if normalise_iban(x)}
    un = _of_customer(unapplied, cid)
    view = View(cid, name or cid, as_of, base_currency, interest_missing=interest_missing)
    pays = _payments(payments, mine, ibans)
    view.sections = [
        *([_as_of_notes(as_of, stood, {
            "Promises": _of_customer(promises, cid), "Plans": _of_customer(plans, cid),
            "Disputes": _of_customer(disputes, cid), "WriteOffs": _of_customer(writeoffs, cid),
            "Handovers": _of_customer(handovers, cid), "Reminders": _of_customer(reminders, cid),
            "Activities": acts, "Payments": pays.frame}, len(pays.frame))] if stood is not None else []),
        _customer(cid, name or cid, row, credit, acts, as_of, base_currency),
        _balance(items, un),
        _open_items(items, inv),
        _table_section("promises", "Promises", "Promises", _of_customer(promises, cid),
                       ["promise_id", "promised_date", "amount", "currency", "received", "status", "invoice_ids",
                        "logged_by", "logged_on", "note"], "promised_date", "promise_id"),
        _table_section("plans", "Payment plans", "Plans", _of_customer(plans, cid),
                       ["plan_id", "installment_no", "due_date", "amount", "paid", "open", "status", "plan_status",
                        "invoice_ids", "note"], None, "plan_id", sort=_plans_order),
        _table_section("disputes", "Disputes", "Disputes", _of_customer(disputes, cid),
                       ["dispute_id", "opened", "invoice_ids", "amount", "currency", "reason", "owner", "status",
                        "sla_due", "resolved", "resolution", "note"], "opened", "dispute_id"),
        _table_section("writeoffs", "Write-offs", "WriteOffs", _of_customer(writeoffs, cid),
                       ["writeoff_id", "proposed_on", "invoice_id", "amount", "currency", "reason", "status",
                        "approver", "booked_on", "note"], "proposed_on", "writeoff_id"),
        _table_section("handovers", "Handovers", "Handovers", _of_customer(handovers, cid),
                       ["handover_id", "handed_on", "to", "invoice_ids", "amount", "currency", "status", "recovered",
                        "costs", "transferred", "note"], "handed_on", "handover_id"),
        _table_section("reminders", "Reminders", "Reminders", _of_customer(reminders, cid),
                       ["reminder_id", "sent_on", "level", "tone", "items", "currency", "amount", "fee", "interest",
                        "compensation", "total", "user", "note"], "sent_on", "reminder_id"),
        _table_section("contacts", "Contacts", "Activities", acts,
                       ["at", "user", "channel", "outcome", "next_action_date", "note", "activity_id"], "at",
                       "activity_id"),
        pays,
        _matches(mine, payments),
        _behaviour(inv, payments, mine, as_of, months),
    ]
    return view

"""Write-offs: propose, approve, book, report.  Pandas in, pandas out; no workbook, no files.

The rules
---------
* **A proposal** names invoices of the Invoices table and a reason.  Without an amount each invoice's
  whole available amount is written off; an amount (a partial write-off) is for one invoice only.
  The *available* amount is the open amount less the write-offs of that invoice still awaiting
  approval.  Refused, naming the invoice, and nothing is proposed: an invoice id that is not in
  Invoices, an amount of 0 or less, an amount above what is available, a credit note or an invoice
  with nothing open.  Money is integer cents; one WriteOffs row per invoice.
* **Once, not twice.**  A partial write-off of the same amount as one of that invoice's write-offs still
  awaiting approval (anyone's, any day) is refused, naming it; so is the same amount on the same invoice
  by the same person with the same reason on the same day when the first is already booked (a second run,
  a double click on the ribbon).  Run twice, the same proposal would otherwise be written off twice.  A
  person who does mean a second one says so: ``again`` (``--again``) lets it through, as does another
  reason (the ribbon's ``writeoff.reason``).
* **A dispute** resolved as ``resolved - write-off`` proposes its write-off (source ``dispute``, reference
  the dispute id), at most one at a time: while one awaits approval or is booked (``of_dispute``),
  resolving it so again proposes nothing new.  Reopening the dispute **withdraws** its proposal still
  awaiting approval (status ``withdrawn``; the row stays), unless someone already typed a decision in
  its review: that one, like a booked one, is not touched.
* **Approval** (Config ``writeoff.*``, ``config.WriteOffRules``): the proposal's total in base currency,
  plus what the proposer already has booked on the same invoices (``booked_by``: booked rows they
  proposed, whoever approved them), is compared with the proposer's limit (their own
  ``writeoff.limit.<login>``, else their role's, else ``writeoff.limit``): the limit is per person and
  invoice, so splitting one write-off into several below the limit does not beat it.  At or below the
  limit it is **booked** at once, the proposer being its approver; above it the rows wait (``awaiting
  approval``) for an approver named in ``writeoff.approvers``.  The limit is not summed per customer:
  small balances on several invoices of one customer are each their own write-off (named together in one
  proposal, they are totalled as one).
* **Decisions** typed in WriteOffs.review, as in Matches, are applied by the next write-off action:
  *Confirm* books the row when the person deciding (``reviewed_by``, else the user running the
  action) is an approver, is not the proposer (four eyes), and the user running the action is that
  person or an approver too; otherwise it is **refused**, with a message naming the WriteOffs row, and
  the row keeps waiting (what the person typed stays).  *Reject* (by an approver or the proposer)
  sets the row ``rejected``; nothing is booked.  A booking that no longer fits the open amount (the
  invoice was paid meanwhile) is refused the same way.
* **Booking** lowers the invoice's open amount by the amount; an invoice a write-off brings to 0 has
  the state ``written off`` (``engine.states``); a partial write-off leaves the rest open and chased.
* **The journal** for the ERP has one line per booked row: date, invoice, customer, amount,
  currency, reason, approver (``journal``).
* **The report** (``report``) lists, per month if asked, every booked write-off together with the
  small differences cash application wrote off (applied Matches rows with a ``write_off``), so one
  place says what was written off, why, and who approved it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import schema
from ..frames import blank, cents_of, row_numbers, text
from ..money import convert, fmt
from .disputes import next_id

BOOKED, WAITING, REJECTED, WITHDRAWN = "booked", "awaiting approval", "rejected", "withdrawn"
CASH = "cash application"
JOURNAL_COLUMNS = ["date", "invoice", "customer", "amount", "currency", "reason", "approver"]
REPORT_COLUMNS = ["date", "source", "reference", "invoice_id", "customer_id", "currency", "amount", "amount_base",
                  "reason", "proposed_by", "approver"]


def _same(a: str, b: str) -> bool:
    return text(a).lower() == text(b).lower()


def pending_by_invoice(writeoffs: pd.DataFrame | None) -> dict[str, list[tuple[str, int]]]:
    """Invoice id -> [(writeoff id, amount)] of the rows awaiting approval."""
    out: dict[str, list[tuple[str, int]]] = {}
    if writeoffs is None or not len(writeoffs):
        return out
    for r in writeoffs.itertuples(index=False):
        if text(r.status).lower() == WAITING:
            out.setdefault(text(r.invoice_id), []).append((text(r.writeoff_id), cents_of(r.amount)))
    return out


def _day(v) -> dt.date | None:
    return None if blank(v) else pd.Timestamp(v).date()


def _reason(v) -> str:
    return " ".join(text(v).lower().split())


def booked_today(writeoffs: pd.DataFrame | None, invoice_id: str, cents: int, user: str, reason: str,
                 on: dt.date | None) -> str:
    """The id of a booked write-off of ``cents`` on ``invoice_id`` that ``user`` proposed on ``on`` with the same
    ``reason`` (case and spaces aside), else '': the same write-off run again."""
    if writeoffs is None or not len(writeoffs) or on is None or not text(user):
        return ""
    for r in writeoffs.itertuples(index=False):
        if (text(r.status).lower() == BOOKED and text(r.invoice_id) == invoice_id and cents_of(r.amount) == cents
                and _same(r.proposed_by, user) and _day(r.proposed_on) == on and _reason(r.reason) == _reason(reason)):
            return text(r.writeoff_id)
    return ""


def booked_by(writeoffs: pd.DataFrame | None, user: str, invoice_ids) -> list[tuple[str, int]]:
    """``[(writeoff id, amount in base currency)]`` of the booked write-offs ``user`` proposed on ``invoice_ids``:
    what counts against their limit together with a new proposal on those invoices."""
    ids = {text(i) for i in invoice_ids}
    if writeoffs is None or not len(writeoffs) or not text(user) or not ids:
        return []
    return [(text(r.writeoff_id), cents_of(r.amount_base)) for r in writeoffs.itertuples(index=False)
            if text(r.status).lower() == BOOKED and text(r.invoice_id) in ids and _same(r.proposed_by, user)]


def of_dispute(writeoffs: pd.DataFrame | None, dispute_id: str) -> list[int]:
    """Positions of the write-offs a dispute's resolution proposed (source ``dispute``, reference
    ``dispute_id``) that are live: awaiting approval or booked."""
    if writeoffs is None or not len(writeoffs) or not text(dispute_id):
        return []
    return [k for k, r in enumerate(writeoffs.itertuples(index=False))
            if _same(r.source, "dispute") and _same(r.reference, dispute_id)
            and text(r.status).lower() in (WAITING, BOOKED)]


def withdrawable(writeoffs: pd.DataFrame, positions: list[int]) -> list[int]:
    """Of ``positions``, the write-offs a reopened dispute withdraws: awaiting approval, nothing typed in
    review (a proposal a person already decided on is theirs)."""
    return [k for k in positions if text(writeoffs["status"].iloc[k]).lower() == WAITING
            and not text(writeoffs["review"].iloc[k])]


def amounts(invoices: pd.DataFrame, writeoffs: pd.DataFrame | None, invoice_ids: list[str],
            amount: int | None, user: str = "", on: dt.date | None = None, reason: str = "",
            again: bool = False) -> list[tuple[str, int]]:
    """``[(invoice_id, cents)]`` to write off (rules in the module docstring); ``ValueError`` naming the invoice.
    ``user``, ``on`` and ``reason`` find the same write-off booked again; ``again``: a second one is meant."""
    ids = list(dict.fromkeys(text(i) for i in invoice_ids if text(i)))
    if not ids:
        raise ValueError("no invoice ids given")
    by_id = {text(i): k for k, i in enumerate(invoices["invoice_id"])}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ValueError(f"invoice(s) not in the Invoices table: {', '.join(missing)}")
    if amount is not None and len(ids) > 1:
        raise ValueError(f"an amount is for one invoice (a partial write-off), not {len(ids)}; leave the amount "
                         "empty to write off the invoices' open amounts")
    if amount is not None and int(amount) <= 0:
        raise ValueError(f"a write-off amount must be above 0, not {fmt(int(amount))} (invoice {ids[0]})")
    pending = pending_by_invoice(writeoffs)
    out, problems = [], []
    for iid in ids:
        open_ = cents_of(invoices["open_amount"].iloc[by_id[iid]])
        waiting = pending.get(iid, [])
        available = open_ - sum(a for _, a in waiting)
        also = (f" (open {fmt(open_)}, of which {fmt(open_ - available)} already proposed in "
                f"{', '.join(w for w, _ in waiting)})") if waiting else ""
        same = [w for w, a in waiting if amount is not None and a == int(amount)] if not again else []
        twice = booked_today(writeoffs, iid, int(amount), user, reason, on) if amount is not None and not again \
            else ""
        if same:
            problems.append(f"invoice {iid} already has write-off {same[0]} of {fmt(int(amount))} awaiting "
                            "approval; an approver confirms or rejects that one (--again if a second one is meant)")
        elif twice:
            problems.append(f"invoice {iid} already has write-off {twice} of {fmt(int(amount))} booked by {user} "
                            f"on {on:%Y-%m-%d} ({text(reason)}): the same write-off is booked once; "
                            "--again (or another reason) if a second one is meant")
        elif open_ < 0:
            problems.append(f"invoice {iid} is a credit note (open {fmt(open_)}); only what a customer owes is written off")
        elif available <= 0:
            problems.append(f"invoice {iid} has nothing open to write off{also}")
        elif amount is not None and int(amount) > available:
            problems.append(f"the write-off of {fmt(int(amount))} on invoice {iid} is more than its open amount "
                            f"{fmt(available)}{also}")
        else:
            out.append((iid, available if amount is None else int(amount)))
    if problems:
        raise ValueError("; ".join(problems))
    return out


def to_base(cents: int, currency: str, config) -> int:
    """``cents`` of ``currency`` in the base currency (half away from zero); ``ValueError`` without a rate."""
    try:
        rate = config.rate(currency or config.base_currency)
    except KeyError:
        raise ValueError(f"no FX rate for {currency}: add a Config row fx.{currency}") from None
    return int(convert(np.array([int(cents)]), rate)[0])


def within_limit(total_base: int, user: str, rules) -> tuple[bool, str]:
    """(booked at once?, the limit in words) for a proposal of ``total_base`` cents by ``user``."""
    limit, where = rules.limit_of(user)
    return total_base <= limit, f"{user}'s limit {fmt(limit)} (Config {where})"


def proposal(invoices: pd.DataFrame, writeoffs: pd.DataFrame | None, invoice_ids, amount: int | None, reason: str,
             user: str, on: dt.date, config, source: str = "collector", reference: str = "",
             picked: list[tuple[str, int]] | None = None, again: bool = False) -> tuple[list[dict], bool, str]:
    """The new WriteOffs rows, whether they are booked at once, and the limit in words (with what the proposer
    already has booked on these invoices, ``booked_by``, when that counts too).  ``picked``: the
    ``[(invoice_id, cents)]`` already worked out (``amounts``), else from ``invoice_ids`` and ``amount``."""
    reason = text(reason)
    if not reason:
        raise ValueError("a write-off needs a reason")
    if picked is None:
        picked = amounts(invoices, writeoffs, invoice_ids, amount, user, on, reason, again)
    pos = {text(i): k for k, i in enumerate(invoices["invoice_id"])}
    rows, total = [], 0
    existing = list(writeoffs["writeoff_id"]) if writeoffs is not None and len(writeoffs) else []
    for iid, cents in picked:
        k = pos[iid]
        cur = text(invoices["currency"].iloc[k]).upper() or config.base_currency
        base = to_base(cents, cur, config)
        total += base
        wid = next_id(existing, "W")
        existing.append(wid)
        rows.append({"writeoff_id": wid, "source": source, "reference": reference, "invoice_id": iid,
                     "customer_id": text(invoices["customer_id"].iloc[k]), "currency": cur, "amount": cents,
                     "amount_base": base, "reason": reason, "proposed_by": user, "proposed_on": pd.Timestamp(on),
                     "status": WAITING, "review": "", "reviewed_by": "", "approver": "", "booked_on": pd.NaT,
                     "journal": "", "note": ""})
    earlier = booked_by(writeoffs, user, [i for i, _ in picked])
    before = sum(a for _, a in earlier)
    ok, limit = within_limit(total + before, user, config.writeoffs)
    if earlier:
        on_ids = ", ".join(dict.fromkeys(i for i, _ in picked))
        limit += (f", counting the {config.base_currency} {fmt(before)} {user} already wrote off on {on_ids} "
                  f"({', '.join(w for w, _ in earlier)}): {config.base_currency} {fmt(total + before)} in all")
    return rows, ok, limit


@dataclass
class Decision:
    position: int
    """the row's position in the WriteOffs frame"""
    writeoff_id: str
    outcome: str
    """'book', 'reject' or 'refuse'"""
    by: str = ""
    message: str = ""


def _where(writeoffs: pd.DataFrame, i: int) -> str:
    rows = row_numbers(writeoffs)
    wid = text(writeoffs["writeoff_id"].iloc[i])
    return f"WriteOffs row {int(rows[i])} ({wid})" if rows is not None else f"WriteOffs {wid}"


def decisions(writeoffs: pd.DataFrame, invoices: pd.DataFrame, rules, runner: str) -> list[Decision]:
    """What the Confirm/Reject typed in WriteOffs means now (rules in the module docstring), in table order.

    Bookings are checked against the open amounts as they stand, each one lowering what the next of the
    same invoice may take."""
    out: list[Decision] = []
    if writeoffs is None or not len(writeoffs):
        return out
    open_by_id = {text(i): cents_of(v) for i, v in zip(invoices["invoice_id"], invoices["open_amount"])}
    names = "; ".join(rules.approvers) or "none named"
    for i in range(len(writeoffs)):
        r = writeoffs.iloc[i]
        review, status = text(r["review"]).lower(), text(r["status"]).lower()
        wid, where = text(r["writeoff_id"]), None
        if review not in ("confirm", "reject") or status == REJECTED:
            continue
        where = _where(writeoffs, i)
        decider = text(r["reviewed_by"]) or runner
        if status == BOOKED:
            if review == "reject":
                out.append(Decision(i, wid, "refuse", decider,
                                    f"{where}: Reject refused: the write-off was booked on {_date(r['booked_on'])} and "
                                    "sent to the ERP journal; book a correction in the ERP instead"))
            continue
        if status != WAITING:
            continue
        proposer = text(r["proposed_by"])
        if review == "reject":
            if rules.is_approver(decider) or _same(decider, proposer):
                out.append(Decision(i, wid, "reject", decider))
            else:
                out.append(Decision(i, wid, "refuse", decider,
                                    f"{where}: Reject by {decider} refused: only an approver (Config writeoff.approvers: "
                                    f"{names}) or the proposer {proposer} may reject it"))
            continue
        if not rules.is_approver(decider):
            why = f"{decider} is not a write-off approver (Config writeoff.approvers: {names})"
        elif not _same(decider, runner) and not rules.is_approver(runner):
            why = (f"reviewed_by says {decider} but the action was run by {runner}, who is not an approver; "
                   f"{decider} books it by running Write off")
        elif _same(decider, proposer):
            why = f"{decider} proposed this write-off and cannot approve it too; another approver confirms it"
        else:
            iid, cents = text(r["invoice_id"]), cents_of(r["amount"])
            if iid not in open_by_id:
                why = f"invoice {iid} is not in the Invoices table"
            elif cents <= 0 or cents > open_by_id[iid]:
                why = f"invoice {iid} has only {fmt(open_by_id[iid])} open, not {fmt(cents)} (paid meanwhile?)"
            else:
                open_by_id[iid] -= cents
                out.append(Decision(i, wid, "book", decider))
                continue
        out.append(Decision(i, wid, "refuse", decider, f"{where}: Confirm by {decider} refused: {why}; "
                                                       "the write-off still waits"))
    return out


def _date(v) -> str:
    return "" if blank(v) else f"{pd.Timestamp(v):%Y-%m-%d}"


def unbooked_in_erp(writeoffs: pd.DataFrame | None) -> np.ndarray:
    """Positions of the booked rows the ERP has not shown booked yet (``in_erp`` not TRUE): an ERP sync
    counts them as ar-xl's own, like applied cash (``engine.sync``)."""
    if writeoffs is None or not len(writeoffs) or "status" not in writeoffs.columns:
        return np.zeros(0, dtype=np.int64)
    booked = writeoffs["status"].astype(str).str.strip().str.lower().eq(BOOKED).to_numpy()
    in_erp = writeoffs["in_erp"].fillna(False).astype(bool).to_numpy() if "in_erp" in writeoffs.columns \
        else np.zeros(len(writeoffs), dtype=bool)
    return np.flatnonzero(booked & ~in_erp)


def booked_ids(writeoffs: pd.DataFrame | None) -> set[str]:
    """Invoice ids with a booked write-off."""
    if writeoffs is None or not len(writeoffs) or "status" not in writeoffs.columns:
        return set()
    mask = writeoffs["status"].astype(str).str.strip().str.lower().eq(BOOKED).to_numpy()
    return {text(i) for i in writeoffs.loc[mask, "invoice_id"]}


def journal(rows: pd.DataFrame) -> pd.DataFrame:
    """The ERP journal lines of booked WriteOffs rows: amount as decimal text (``12.50``), date ISO."""
    out = pd.DataFrame({
        "date": [_date(v) for v in rows["booked_on"]],
        "invoice": [text(v) for v in rows["invoice_id"]],
        "customer": [text(v) for v in rows["customer_id"]],
        "amount": [fmt(cents_of(v), sep="") for v in rows["amount"]],
        "currency": [text(v) for v in rows["currency"]],
        "reason": [text(v) for v in rows["reason"]],
        "approver": [text(v) for v in rows["approver"]],
    }, columns=JOURNAL_COLUMNS)
    return out


def _applied_on(audit: pd.DataFrame | None) -> dict[str, pd.Timestamp]:
    """Match id -> when it was last applied (Audit: table Matches, column applied, new value True)."""
    if audit is None or not len(audit):
        return {}
    a = audit[(audit["table"].astype(str) == "Matches") & (audit["column"].astype(str) == "applied")
              & (audit["new_value"].astype(str).str.lower() == "true")]
    out: dict[str, pd.Timestamp] = {}
    for k, ts in zip(a["key"].astype(str), a["timestamp"]):
        if not blank(ts):
            out[k] = pd.Timestamp(ts)
    return out


def report(writeoffs: pd.DataFrame | None, matches: pd.DataFrame | None, audit: pd.DataFrame | None,
           payments: pd.DataFrame | None, config, month: str | None = None) -> pd.DataFrame:
    """Every write-off that took effect: booked WriteOffs rows and the differences cash application
    wrote off (applied Matches rows with a ``write_off``; dated when Audit says they were applied, else
    the payment's value date; approved by their reviewer, or automatically within the Config
    tolerance).  ``month`` (``YYYY-MM``) keeps one month.  Columns ``REPORT_COLUMNS``, money in cents."""
    rows = []
    if writeoffs is not None and len(writeoffs):
        for r in writeoffs.itertuples(index=False):
            if text(r.status).lower() != BOOKED:
                continue
            rows.append({"date": pd.Timestamp(r.booked_on) if not blank(r.booked_on) else pd.NaT,
                         "source": text(r.source) or "collector", "reference": text(r.writeoff_id)
                         + (f" ({text(r.reference)})" if text(r.reference) else ""),
                         "invoice_id": text(r.invoice_id), "customer_id": text(r.customer_id),
                         "currency": text(r.currency), "amount": cents_of(r.amount), "amount_base": cents_of(r.amount_base),
                         "reason": text(r.reason), "proposed_by": text(r.proposed_by), "approver": text(r.approver)})
    if matches is not None and len(matches):
        when = _applied_on(audit)
        value_date = {}
        pay_cur = {}
        if payments is not None and len(payments):
            value_date = {text(p): v for p, v in zip(payments["payment_id"], payments["value_date"])}
            pay_cur = {text(p): text(c).upper() for p, c in zip(payments["payment_id"], payments["currency"])}
        for r in matches.itertuples(index=False):
            wo = cents_of(r.write_off)
            if not wo or not bool(r.applied) or not text(r.invoice_id):
                continue
            mid, pid = text(r.match_id), text(r.payment_id)
            date = when.get(mid, pd.Timestamp(value_date[pid]) if not blank(value_date.get(pid)) else pd.NaT)
            cur = pay_cur.get(pid) or config.base_currency
            confirmed = text(r.review).lower() == "confirm"
            rows.append({"date": date, "source": CASH, "reference": f"{mid} (payment {pid})",
                         "invoice_id": text(r.invoice_id), "customer_id": text(r.customer_id), "currency": cur,
                         "amount": wo, "amount_base": to_base(wo, cur, config),
                         "reason": "difference within the matching tolerance (bank charges, discount)",
                         "proposed_by": "cash application",
                         "approver": (text(r.reviewed_by) or "confirmed") if confirmed else "auto (within tolerance)"})
    out = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    out["date"] = pd.to_datetime(out["date"]).dt.normalize().astype("datetime64[ns]")
    for c in ("amount", "amount_base"):
        out[c] = out[c].astype(np.int64)
    if month:
        try:
            start = pd.Timestamp(dt.datetime.strptime(str(month).strip(), "%Y-%m"))
        except ValueError:
            raise ValueError(f"a month is written YYYY-MM, like 2026-11, not {month!r}") from None
        out = out[(out["date"] >= start) & (out["date"] < start + pd.offsets.MonthBegin(1))]
    return out.sort_values(["date", "source", "reference"], kind="stable", na_position="last").reset_index(drop=True)


COLUMNS = schema.WRITEOFFS.names

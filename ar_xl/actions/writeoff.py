"""Write-offs in the workbook: propose, apply the approvers' decisions, book, report.

``run`` is what ``ar-xl writeoff`` and the ribbon's *Write off* button do: it first applies the
Confirm/Reject decisions typed in the WriteOffs table (as *Match payments* does for Matches), then,
when invoices are given, proposes a write-off of them.  The rules (limits, approvers, amounts) are
``engine.writeoffs``'s:

* a proposal within the proposer's Config limit is booked at once; above it, its rows wait in
  WriteOffs (``awaiting approval``) until an approver named in Config types *Confirm* (or *Reject*)
  in ``review`` and runs the action; a Confirm from anyone else is refused, the summary naming the
  row, and the row keeps waiting with what the person typed (a Confirm without a name in
  ``reviewed_by`` is the decision of the user who runs the action, whose login is then filled in);
* booking lowers Invoices.open_amount (one Audit row per amount changed), sets the WriteOffs row
  ``booked`` with its approver and date, and adds it to this run's ERP journal (``Change.journal``,
  written by the shell as CSV to ``Change.journal_path``, recorded in WriteOffs.journal); an
  invoice brought to 0 then says ``written off`` (``actions.restate``, ``engine.states``);
* bad input (unknown invoice, an amount above what is open, no reason) raises ``InputError`` naming
  it, and nothing is changed; so does the same write-off again (the same amount on the same invoice
  while one awaits approval, or booked by the same person with the same reason that day: a second run
  or a double click), unless ``again`` says a second one is meant;
* the limit counts what the proposer already has booked on the same invoices, so a write-off split
  into small ones waits for approval once the total is above it.

``from_dispute`` is the proposal a dispute resolved as ``resolved - write-off`` makes
(``actions.dispute.set_dispute_status``): the dispute's amount, spread over its invoices in order,
never more than each one has open; nothing new while the dispute's write-off awaits approval or is
booked.  ``withdraw_for_dispute`` is what reopening that dispute does to it.  ``report`` lists what
was written off (month by month if asked), the differences cash application wrote off included.
"""
from __future__ import annotations

import datetime as dt
from pathlib import PurePath

import pandas as pd

from .. import clock
from . import restate
from ..book import Book, Change
from ..dates import parse_date
from ..engine import writeoffs as engine
from ..frames import blank
from ..money import fmt
from .plan import fail, typed, who

SOURCE = "write off"


class _Ledger:
    """The WriteOffs and Invoices bodies this run changes, and the rows it books."""

    def __init__(self, book: Book, change: Change, user: str, on: dt.date, journal_dir: str):
        self.book, self.change, self.user, self.on = book, change, user, on
        self.wo = change.body(book, "WriteOffs").copy()
        self.inv = change.body(book, "Invoices").copy()
        self.journal_path = str(PurePath(journal_dir) / f"writeoff-journal-{change.run_id}.csv") if journal_dir \
            else f"writeoff-journal-{change.run_id}.csv"
        self.booked: list[int] = []
        self.problems: list[str] = []

    def book_row(self, i: int, approver: str, rule: str) -> None:
        """Book WriteOffs row ``i`` (checked before): lower the invoice's open amount, log both."""
        ch, wo = self.change, self.wo
        iid, cents, wid = str(wo.at[i, "invoice_id"]).strip(), int(wo.at[i, "amount"]), str(wo.at[i, "writeoff_id"])
        k = int(self.inv.index[self.inv["invoice_id"].astype(str).str.strip() == iid][0])
        old = int(self.inv.at[k, "open_amount"])
        self.inv.at[k, "open_amount"] = old - cents
        ch.log(self.user, "Invoices", iid, "open_amount", fmt(old), fmt(old - cents), f"write-off {wid}")
        old_status = str(wo.at[i, "status"] or "")
        for col, val in (("status", engine.BOOKED), ("approver", approver), ("booked_on", pd.Timestamp(self.on)),
                         ("journal", self.journal_path)):
            wo.at[i, col] = val
        ch.log(self.user, "WriteOffs", wid, "status", old_status, engine.BOOKED, rule)
        self.booked.append(i)

    def finish(self) -> None:
        self.change.tables["WriteOffs"] = self.wo
        if self.booked:
            self.change.tables["Invoices"] = self.inv
        rows = self.wo.loc[self.booked]
        self.change.journal = engine.journal(rows)  # type: ignore[attr-defined]
        self.change.journal_path = self.journal_path if self.booked else ""  # type: ignore[attr-defined]
        self.change.problems = self.problems  # type: ignore[attr-defined]
        self.change.warnings = list(dict.fromkeys([*self.change.warnings, *self.problems]))


def _apply_decisions(ledger: _Ledger) -> str:
    """Apply the Confirm/Reject typed in WriteOffs; returns the summary's words."""
    book, wo = ledger.book, ledger.wo
    if not len(wo):
        return ""
    wo.attrs = ledger.change.body(book, "WriteOffs").attrs  # the row numbers the messages name
    found = engine.decisions(wo, ledger.inv, book.config.writeoffs, ledger.user)
    wo.attrs = {}
    booked = rejected = 0
    for d in found:
        i = wo.index[d.position]
        if d.outcome in ("book", "reject") and blank(wo.at[i, "reviewed_by"]):
            wo.at[i, "reviewed_by"] = d.by  # who decided, where nobody typed a name (never over one)
        if d.outcome == "book":
            ledger.book_row(i, d.by, f"confirmed by {d.by}")
            booked += 1
        elif d.outcome == "reject":
            wo.at[i, "status"] = engine.REJECTED
            ledger.change.log(ledger.user, "WriteOffs", d.writeoff_id, "status", engine.WAITING, engine.REJECTED,
                              f"rejected by {d.by}")
            rejected += 1
        else:
            ledger.problems.append(d.message)
    parts = []
    if booked:
        parts.append(f"booked {booked} confirmed write-off(s)")
    if rejected:
        parts.append(f"rejected {rejected}")
    if ledger.problems:
        parts.append(f"refused {len(ledger.problems)}: " + "; ".join(ledger.problems[:5]))
    return ", ".join(parts)


def _propose(ledger: _Ledger, picked: list[tuple[str, int]], reason: str, source: str, reference: str) -> str:
    book = ledger.book
    cfg = book.config
    try:
        rows, ok, limit = engine.proposal(ledger.inv, ledger.wo, [i for i, _ in picked], None, reason, ledger.user,
                                          ledger.on, cfg, source, reference, picked=picked)
    except ValueError as e:
        fail(SOURCE, e)
    start = len(ledger.wo)
    new = typed(rows, "WriteOffs")
    ledger.wo = pd.concat([ledger.wo.reset_index(drop=True), new], ignore_index=True) if start else new
    for c in new.columns:
        if str(new[c].dtype) == "Int64":
            ledger.wo[c] = ledger.wo[c].astype("Int64")
    ledger.wo["booked_on"] = ledger.wo["booked_on"].astype("datetime64[ns]")
    ledger.wo["proposed_on"] = ledger.wo["proposed_on"].astype("datetime64[ns]")
    for r in rows:
        ledger.change.log(ledger.user, "WriteOffs", r["writeoff_id"], "amount", None, fmt(r["amount"]),
                          f"proposed: {r['reason']}")
    what = ", ".join(f"{r['invoice_id']} {r['currency']} {fmt(r['amount'])}" for r in rows)
    ids = ", ".join(r["writeoff_id"] for r in rows)
    total = sum(r["amount_base"] for r in rows)
    if ok:
        for k in range(start, start + len(rows)):
            ledger.wo.at[k, "status"] = ""  # booked at once: it never waited
            ledger.book_row(k, ledger.user, f"within {limit}")
        return f"write-off {ids} booked: {what} (within {limit})"
    approvers = "; ".join(cfg.writeoffs.approvers)
    who_ = (f"an approver ({approvers}) types Confirm in WriteOffs.review and runs Write off" if approvers else
            "no approver is named yet: add a Config row writeoff.approvers")
    return (f"write-off {ids} awaits approval: {what}, {cfg.base_currency} {fmt(total)} is above {limit}; {who_}")


def _picked(book: Book, change: Change, invoice_ids, amount_cents, user: str, on: dt.date, reason: str,
            again: bool) -> list[tuple[str, int]]:
    try:
        return engine.amounts(change.body(book, "Invoices"), change.body(book, "WriteOffs"), invoice_ids,
                              amount_cents, user, on, reason, again)
    except ValueError as e:
        fail(SOURCE, e)


def run(book: Book, invoice_ids=None, amount_cents: int | None = None, reason: str = "", user: str | None = None,
        on: object = None, journal_dir: str = "ar-xl-journal", note: str = "", again: bool = False) -> Change:
    """Apply the decisions typed in WriteOffs, then propose a write-off of ``invoice_ids`` when given
    (``amount_cents`` for a partial write-off of one invoice; default: what each has open).  ``again``: the
    same write-off as one already proposed or booked is meant a second time."""
    user = who(book, user)
    on_d = parse_date(on) if on is not None else clock.today()
    change = Change("writeoff")
    picked = None
    if invoice_ids:
        if not str(reason or "").strip():
            fail(SOURCE, "a write-off needs a reason (--reason; on the ribbon: writeoff.reason on the Parameters sheet)")
        picked = _picked(book, change, invoice_ids, amount_cents, user, on_d, reason, again)
    ledger = _Ledger(book, change, user, on_d, journal_dir)
    parts = [p for p in [_apply_decisions(ledger)] if p]
    if picked:
        parts.append(_propose(ledger, picked, reason, "collector", ""))
        if note:
            ledger.wo.loc[ledger.wo.index[-len(picked):], "note"] = note
    ledger.finish()
    waiting = int(ledger.wo["status"].astype(str).str.lower().eq(engine.WAITING).sum()) if len(ledger.wo) else 0
    if not parts:
        parts.append("no write-off decisions to apply")
    change.summary = "; ".join(parts) + (f"; {waiting} write-off(s) await approval" if waiting else "")
    if ledger.booked:
        change.summary += f"; ERP journal: {ledger.journal_path}"
    return restate.follow(book, change)


def from_dispute(book: Book, change: Change, dispute: dict, user: str, on: dt.date, journal_dir: str = "ar-xl-journal") -> str:
    """Propose the write-off a dispute resolved as ``resolved - write-off`` stands for, into ``change``;
    returns the summary's words.  The dispute's amount is spread over its invoices in order, each up to
    what it has open (less write-offs already awaiting approval); invoices with nothing left are passed."""
    from ..engine.disputes import split_ids
    did = str(dispute.get("dispute_id") or "").strip()
    inv = change.body(book, "Invoices")
    wo = change.body(book, "WriteOffs")
    live = engine.of_dispute(wo, did)
    if live:
        return f"nothing new proposed: {did} already has write-off {_listed(wo, live)}"
    known = set(inv["invoice_id"].astype(str).str.strip())
    ids = [i for i in split_ids(dispute.get("invoice_ids")) if i in known]
    pending = engine.pending_by_invoice(wo)
    left = None if blank(dispute.get("amount")) else int(dispute["amount"])
    picked = []
    for iid in ids:
        open_ = int(inv.loc[inv["invoice_id"].astype(str).str.strip() == iid, "open_amount"].fillna(0).iloc[0])
        available = open_ - sum(a for _, a in pending.get(iid, []))
        take = available if left is None else min(available, left)
        if take > 0:
            picked.append((iid, take))
            if left is not None:
                left -= take
    if not picked:
        return f"nothing left open on {dispute.get('invoice_ids')} to write off"
    reason = f"dispute {did}: {str(dispute.get('reason') or '').strip() or 'resolved - write-off'}"
    ledger = _Ledger(book, change, user, on, journal_dir)
    words = _propose(ledger, picked, reason, "dispute", did)
    ledger.finish()
    if ledger.booked:
        words += f"; ERP journal: {ledger.journal_path}"
    return words


def _listed(wo: pd.DataFrame, positions: list[int]) -> str:
    """``W-000001 (awaiting approval), W-000002 (booked)``."""
    return ", ".join(f"{wo['writeoff_id'].iloc[k]} ({str(wo['status'].iloc[k]).strip()})" for k in positions)


def withdraw_for_dispute(book: Book, change: Change, dispute_id: str, user: str) -> str:
    """A dispute resolved as write-off is reopened: its write-off still awaiting approval with nothing
    typed in review is set ``withdrawn`` (the row stays, Audit says why), so it is never booked; one a
    person already decided on, or booked, is left as it is and named.  Returns the summary's words."""
    wo = change.body(book, "WriteOffs").copy()
    live = engine.of_dispute(wo, dispute_id)
    gone = engine.withdrawable(wo, live)
    for k in gone:
        wo.iloc[k, wo.columns.get_loc("status")] = engine.WITHDRAWN
        change.log(user, "WriteOffs", str(wo["writeoff_id"].iloc[k]), "status", engine.WAITING, engine.WITHDRAWN,
                   f"dispute {dispute_id} reopened")
    if gone:
        change.tables["WriteOffs"] = wo
    kept = [k for k in live if k not in gone]
    parts = [f"write-off {', '.join(str(wo['writeoff_id'].iloc[k]) for k in gone)} withdrawn"] if gone else []
    if kept:
        parts.append(f"write-off {_listed(wo, kept)} kept (booked, or a decision is typed in its review)")
    return "; ".join(parts)


def report(book: Book, month: str | None = None) -> pd.DataFrame:
    """What was written off (``engine.writeoffs.report``), ``month`` ``YYYY-MM`` or all."""
    try:
        return engine.report(book.get("WriteOffs"), book.get("Matches"), book.history(),
                             book.get("Payments"), book.config, month)  # (when each match was applied: archived too)
    except ValueError as e:
        fail(f"{SOURCE} report", e)

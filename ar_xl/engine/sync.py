"""Upsert the ERP's open items and customers into the workbook's tables: pandas in, pandas out.

Invoices (by ``invoice_id``)
----------------------------
* An invoice of the export that the workbook lacks is **added** (status ``open``, or ``paid`` when
  the export lists it with nothing open).
* An invoice in both is **updated** in every column the ERP owns (the columns of
  ``schema.INVOICES`` that are not editable: customer, dates, currency, amount, references) that
  the export has and whose value differs; its open amount follows the cash rule below.
* An invoice of the workbook missing from a **full** export is **closed**: open amount 0 and status
  ``closed in ERP``.  It is never deleted, so its history, disputes and matches stay.  Invoices dated
  after the export's as-of date are not closed (the export could not know them), nor are invoices
  already at 0: one our cash paid is gone from the export because the ERP booked that cash, so it stays
  ``paid`` and its allocations are marked booked (the cash rule below, with E = 0).  A partial export
  (``full=False``) closes nothing.
* **People's columns** (``schema`` editable: collector, note, status set by a person) are never
  overwritten.  An empty one is filled from the ERP when the export has that column.  When the
  ERP's value differs from the one a person typed, the person's value stays and the pair is
  reported as a ``Conflict``.  The status is the system's while it is empty, ``open``, ``paid`` or
  ``closed in ERP`` (or another state the records decide, ``engine.states``: disputed, on plan,
  promised): ``paid`` at 0, ``closed in ERP`` when closed, ``open`` again when a paid or closed
  invoice reopens.  A status a person set (``legal``, ``written off``, any other text) stays; when
  the ERP pays or closes such an invoice the conflict is reported (not for ``written off``, which
  expects it).

Our cash versus the ERP's
-------------------------
The ERP's open amount wins, less what ar-xl applied that the ERP has not booked yet, so no payment counts
twice.  Each applied Matches allocation has two parts the ERP books separately: its **cash** (applied
amount) and its **write-off** (``write_off``: the bank charges or discount cash application wrote off
within tolerance).  The ERP books the cash when it books the payment; the write-off is in no ERP journal
(only WriteOffs rows are), so the ERP shows it open until someone books it there (or its own payment
matching writes the difference off with the cash).  For each invoice, U is the sum of the parts not yet
booked, O the workbook's open amount before the sync and E the ERP's (0 for an invoice the sync closes).
What the ERP booked since is B = O + U - E.  The parts are taken in this order: the cash of each
allocation in the order of the Matches table (the order ar-xl applied them), the booked write-offs
(WriteOffs, sent to the ERP in its journal) and the recoveries below, then the Matches write-offs.  The
ERP booked the parts whose sum is the largest within B, the earliest on a tie (in the direction of U:
for a credit note the sums are negative; past ``MAX_PARTS`` parts, the longest run from the first);
the rest stay unbooked.  The new open amount is E less the unbooked parts.  So: the ERP has not booked
our payment yet -> the invoice keeps our lower open amount; the ERP booked it -> the allocation is
marked ``booked in ERP`` (in Matches ``flags``) and never counts again; the ERP lowered the open amount
further (a credit note, another payment) -> the ERP's amount.

**The ERP booked the cash, not the write-off** (it still shows the 10.00 ar-xl wrote off): the invoice
shows ar-xl's figure, 0.00 (``paid``), which is what the team decided, and the allocation is marked
``cash in ERP (write-off not yet)``: its write-off still counts until the ERP shows it gone, then the
allocation is ``booked in ERP``.  A credit controller reconciling the two ledgers finds the ERP's open
amount = ar-xl's + the parts not booked in the ERP yet; ``SyncResult.write_offs_to_book`` names each such
write-off (invoice, amount, Matches row), and the sync's summary lists them so someone books them in the
ERP.  (Should the ERP book the write-off first, the allocation is ``write-off in ERP (cash not yet)``.)

**Figures that cannot be reconciled.**  An invoice never goes negative (for a credit note: positive)
because of parts the ERP has not booked: when E less the unbooked parts would cross zero (the ERP
booked part of a payment, or something else changed it), the invoice keeps the ERP's open amount E,
nothing on it is marked booked, its pending allocations are marked ``not reconciled with ERP`` (its
WriteOffs rows ``in_erp``, its recoveries ``recovered_in_erp``) so they no longer count, and
``SyncResult.warnings`` names the invoice, the ERP's and ar-xl's open amounts, the unbooked parts and
their Matches (WriteOffs, Handovers) rows.  Re-running the sync with the same export then changes
nothing.

Once the ERP shows a booked write-off (WriteOffs) booked, its ``in_erp`` is set TRUE.  What a collection
agency recovered on an invoice (Handovers ``recovered_items``, ``handover --record``) counts the same
way: once the ERP shows it booked, it is added to the row's ``recovered_in_erp``.

Customers (by ``customer_id``)
------------------------------
Added when new; updated in the columns the ERP owns that the export has; the IBANs are the union
of the workbook's (some learned from confirmed matches) and the ERP's.  ``aliases`` (learned by
matching) are ar-xl's.  A customer missing from the export is kept as it is.  Customers of the
open items that Customers lacks are added with the name the open items give.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import frames, schema
from ..errors import CellProblem, InputError
from ..money import fmt
from . import handover as handover_engine
from . import states
from . import writeoffs as writeoffs_engine

CLOSED = "closed in ERP"
BOOKED = "booked in ERP"
CASH_BOOKED = "cash in ERP (write-off not yet)"
WRITE_OFF_BOOKED = "write-off in ERP (cash not yet)"
PARTLY = (CASH_BOOKED, WRITE_OFF_BOOKED)
UNRECONCILED = "not reconciled with ERP"
"""Matches ``flags`` a sync sets: the whole allocation booked in the ERP; only its cash (its write-off is
still ar-xl's alone); only its write-off; or the ERP's figures could not be reconciled with it, so it no
longer counts (the ERP's open amount was kept)."""
MAX_PARTS = 12
SYSTEM_STATUSES = {""} | {s.lower() for s in states.DERIVED}
"""Statuses the records decide (``engine.states``); any other status is a person's."""
INVOICE_ERP_COLUMNS = [c for c in schema.INVOICES.names if c not in schema.INVOICES.editable]
CUSTOMER_ERP_COLUMNS = [c for c in schema.CUSTOMERS.names if c not in schema.CUSTOMERS.editable and c != "aliases"]


@dataclass
class Edit:
    table: str
    key: str
    column: str
    old: object
    new: object
    rule: str


@dataclass
class Conflict:
    table: str
    key: str
    column: str
    person: str
    erp: str

    def __str__(self) -> str:
        return f"{self.table} {self.key} {self.column}: kept {self.person!r} (ERP: {self.erp!r})"


@dataclass
class SyncResult:
    invoices: pd.DataFrame
    customers: pd.DataFrame | None = None
    matches: pd.DataFrame | None = None
    writeoffs: pd.DataFrame | None = None
    handovers: pd.DataFrame | None = None
    edits: list[Edit] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    open_before: dict[str, int] = field(default_factory=dict)
    open_after: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Invoices whose figures could not be reconciled with the ERP's (the ERP's open amount was kept)."""
    write_offs_to_book: list[tuple[str, str, int, str]] = field(default_factory=list)
    """``(invoice_id, currency, cents, match_id)``: cash application's write-offs the ERP has not booked yet."""
    reconciliation: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per currency where they differ: the ERP's open total and ar-xl's over the invoices the export synced, and
    what of ar-xl's the ERP has not booked yet (``_reconciliation``)."""


# ---------------------------------------------------------------- helpers

def _kind(t: schema.Table, c: str) -> str:
    return t.column(c).kind


def comparable(s: pd.Series, kind: str) -> np.ndarray:
    """Values of a canonical column that compare equal exactly when a person would call them equal."""
    if kind in ("money", "int"):
        return s.astype("Int64").to_numpy(dtype=object, na_value=None)
    if kind in ("date", "datetime"):
        return s.to_numpy(dtype="datetime64[ns]").astype("int64")
    if kind == "number":
        return s.to_numpy(dtype=float)
    obj = s.astype(object)
    if pd.api.types.infer_dtype(obj, skipna=False) in ("string", "empty"):
        return obj.to_numpy(dtype=object)  # a canonical text column: stripped by frames.coerce, '' when empty
    return obj.map(lambda v: "" if frames.blank(v) else str(v).strip()).to_numpy(dtype=object)


def shown(v, kind: str) -> str:
    """A value as the Audit and the summary show it."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    if kind in ("money",):
        return fmt(int(v))
    if kind in ("date",):
        if isinstance(v, (int, np.integer)):
            v = np.datetime64(int(v), "ns")
        ts = pd.Timestamp(v)
        return "" if pd.isna(ts) else f"{ts:%Y-%m-%d}"
    return str(v)


def _duplicates(df: pd.DataFrame, key: str, what: str) -> None:
    """Refuse a table or export listing one key twice, naming both rows: the rule of every keyed
    table (``frames.repeated_keys``), for frames that did not come through ``frames.coerce``."""
    table = schema.table("Invoices" if key == "invoice_id" else "Customers")
    rows = frames.row_numbers(df)
    rows = np.asarray(rows) if rows is not None else np.arange(len(df)) + 2
    problems: list[CellProblem] = []
    frames.repeated_keys({key: df[key]}, table, rows, df.attrs.get("source", what), problems)
    if problems:
        raise InputError(problems)


def open_by_currency(inv: pd.DataFrame) -> dict[str, int]:
    if not len(inv):
        return {}
    s = inv.groupby(inv["currency"].astype(str))["open_amount"].sum()
    return {str(k): int(v) for k, v in s.items()}


# ---------------------------------------------------------------- invoices

def _with_unbooked(matches: pd.DataFrame | None, writeoffs: pd.DataFrame | None,
                    handovers: pd.DataFrame | None = None) -> tuple[pd.DataFrame | None, np.ndarray, list]:
    """The allocations the cash rule weighs: Matches' rows, then the booked write-offs the ERP has not shown
    booked yet (as allocations of their amount), then the handover recoveries it has not shown booked yet
    (``handover.unbooked_recoveries``); the WriteOffs positions of the write-offs and the recoveries'
    ``(Handovers position, invoice_id, cents)``."""
    pos = writeoffs_engine.unbooked_in_erp(writeoffs)
    recoveries = handover_engine.unbooked_recoveries(handovers)
    if not len(pos) and not recoveries:
        return matches, pos, recoveries
    w = writeoffs.reset_index(drop=True).iloc[pos] if len(pos) else None
    extra = pd.DataFrame({
        "match_id": [*(w["writeoff_id"].astype(str) if w is not None else []),
                     *(f"{handovers['handover_id'].iloc[k]} recovery" for k, _, _ in recoveries)],
        "invoice_id": [*(w["invoice_id"].astype(str) if w is not None else []), *(i for _, i, _ in recoveries)],
        "applied": True, "flags": "",
        "applied_amount": pd.array([*(w["amount"].astype("Int64") if w is not None else []),
                                    *(c for _, _, c in recoveries)], dtype="Int64"),
        "write_off": 0})
    if matches is None or not len(matches):
        return extra, pos, recoveries
    base = matches.reset_index(drop=True)[["match_id", "invoice_id", "applied", "flags", "applied_amount", "write_off"]]
    both = pd.concat([base, extra], ignore_index=True)
    for c in ("applied_amount", "write_off"):
        both[c] = both[c].astype("Int64")
    return both, pos, recoveries


def sync_invoices(current: pd.DataFrame, export: pd.DataFrame, present: set[str], matches: pd.DataFrame | None,
                  as_of: dt.date, full: bool = True, source: str = "ERP export",
                  writeoffs: pd.DataFrame | None = None, handovers: pd.DataFrame | None = None) -> SyncResult:
    """The Invoices body after upserting ``export`` (a canonical Invoices frame; ``present`` names the
    columns the file really had), Matches marked ``booked in ERP``, WriteOffs marked ``in_erp``, Handovers'
    recoveries the ERP booked in ``recovered_in_erp``, the edits, conflicts and counts."""
    n_matches = 0 if matches is None else len(matches)
    all_matches = matches
    matches, wo_pos, recoveries = _with_unbooked(matches, writeoffs, handovers)
    n_own = n_matches + len(wo_pos)
    t = schema.INVOICES
    _duplicates(export, "invoice_id", source)
    _duplicates(current, "invoice_id", "workbook sheet Invoices")
    cur = current.reset_index(drop=True)
    exp = export.reset_index(drop=True)
    rule = f"ERP sync: {source}"
    out = SyncResult(invoices=cur, open_before=open_by_currency(cur))
    edits, conflicts = out.edits, out.conflicts

    cur_ids = cur["invoice_id"].astype(str).to_numpy()
    exp_ids = exp["invoice_id"].astype(str).to_numpy()
    pos = pd.Index(cur_ids).get_indexer(exp_ids) if len(cur) else np.full(len(exp), -1)
    hit = pos >= 0
    at, src = pos[hit], np.flatnonzero(hit)  # workbook row <- export row
    in_export = np.zeros(len(cur), dtype=bool)
    in_export[at] = True
    changed = np.zeros(len(cur), dtype=bool)
    result = cur.copy()
    col_index = {c: result.columns.get_loc(c) for c in result.columns}

    def put(rows: np.ndarray, column: str, values) -> None:
        result.iloc[rows, col_index[column]] = values

    # the ERP's columns
    for c in INVOICE_ERP_COLUMNS:
        if c in ("invoice_id", "open_amount") or c not in present or not len(at):
            continue
        kind = _kind(t, c)
        old = comparable(cur[c].iloc[at], kind)
        new = comparable(exp[c].iloc[src], kind)
        diff = np.flatnonzero(old != new)
        if not len(diff):
            continue
        put(at[diff], c, exp[c].iloc[src[diff]].to_numpy())
        changed[at[diff]] = True
        for i in diff:
            edits.append(Edit("Invoices", cur_ids[at[i]], c, shown(old[i], kind), shown(new[i], kind), rule))

    # open amounts: the ERP's (0 when closed), less our cash it has not booked yet
    old_open = cur["open_amount"].to_numpy(dtype=np.int64, na_value=0) if len(cur) else np.zeros(0, np.int64)
    erp_open = old_open.copy()
    erp_open[at] = exp["open_amount"].to_numpy(dtype=np.int64)[src]
    after = pd.to_datetime(cur["invoice_date"]).to_numpy() > np.datetime64(pd.Timestamp(as_of))
    pending = _unbooked(cur_ids, matches)
    open_or_pending = (old_open != 0) | pd.Series(cur_ids).isin(pending).to_numpy()
    gone = (~in_export & open_or_pending & ~after) if full else np.zeros(len(cur), dtype=bool)
    # what the ERP closed had something open here; one our cash paid (the ERP booked it) stays paid
    closing = gone & (old_open != 0)
    erp_open[gone] = 0
    synced = in_export | gone
    cash = _cash_rule(cur_ids, old_open, erp_open, synced, matches) if pending else \
        _Cash(erp_open.copy(), {}, set(), {})
    new_open = cash.new_open
    diff = np.flatnonzero(synced & (new_open != old_open))
    put(diff, "open_amount", new_open[diff])
    changed[diff] = True
    for i in diff:
        why = rule + ("; closed: not in the full export" if closing[i] else "")
        if i in cash.notes:
            why += "; the ERP's figure kept: not reconciled with what ar-xl applied (see the sync's warning)"
        edits.append(Edit("Invoices", cur_ids[i], "open_amount", fmt(old_open[i]), fmt(new_open[i]), why))

    # statuses
    status = cur["status"].astype(str).str.strip().to_numpy(dtype=object)
    system = np.array([s.lower() in SYSTEM_STATUSES for s in status], dtype=bool)
    lower = np.array([s.lower() for s in status], dtype=object)
    reopened = np.isin(lower, ["", "paid", CLOSED.lower()])
    target = np.where(closing, CLOSED, np.where(new_open == 0, "paid", np.where(reopened, "open", status)))
    target = target.astype(object)
    move = np.flatnonzero(synced & system & (lower != np.char.lower(target.astype(str)).astype(object)))
    if len(move):
        put(move, "status", target[move])
        changed[move] = True
        for i in move:
            edits.append(Edit("Invoices", cur_ids[i], "status", status[i], target[i], rule))
    settled = lower == "written off"  # nothing open or closed is what a write-off means: no conflict
    for i in np.flatnonzero(synced & ~system & ~settled & (closing | (new_open == 0))):
        conflicts.append(Conflict("Invoices", cur_ids[i], "status", status[i],
                                  "closed" if closing[i] else "paid (nothing open)"))

    # people's columns the export also has: fill the empty ones, report the differing ones
    for c in t.editable:
        if c == "status" or c not in present or not len(at):
            continue
        mine = comparable(cur[c].iloc[at], "text")
        theirs = comparable(exp[c].iloc[src], "text")
        fill = np.flatnonzero((mine == "") & (theirs != ""))
        if len(fill):
            put(at[fill], c, theirs[fill])
            changed[at[fill]] = True
            for i in fill:
                edits.append(Edit("Invoices", cur_ids[at[i]], c, "", theirs[i], rule + "; was empty"))
        for i in np.flatnonzero((mine != "") & (theirs != "") & (mine != theirs)):
            conflicts.append(Conflict("Invoices", cur_ids[at[i]], c, mine[i], theirs[i]))

    # new invoices
    fresh = exp.loc[~hit].copy()
    if len(fresh):
        fresh["status"] = np.where(fresh["open_amount"].to_numpy(dtype=np.int64) == 0, "paid", "open")
        for c in t.editable:
            if c != "status" and c not in present:
                fresh[c] = ""
        fresh = fresh[t.names]
        for r in fresh.itertuples(index=False):
            edits.append(Edit("Invoices", str(r.invoice_id), "invoice_id", "",
                              f"{r.currency} {fmt(r.amount)}, open {fmt(r.open_amount)}, due "
                              f"{pd.Timestamp(r.due_date):%Y-%m-%d}, customer {r.customer_id}", rule + "; new"))
        result = pd.concat([result, fresh], ignore_index=True) if len(result) else fresh.reset_index(drop=True)
    out.invoices = result

    rec_booked = [j - n_own for j in [*cash.booked, *cash.unreconciled] if j >= n_own]
    wo_booked = [j - n_matches for j in [*cash.booked, *cash.unreconciled] if n_matches <= j < n_own]
    kept = f"{rule}; not reconciled with the ERP's open amount, which was kept: no longer counted"
    if rec_booked:
        h = handovers.reset_index(drop=True).copy()
        if "recovered_in_erp" not in h.columns:
            h["recovered_in_erp"] = ""
        for j in sorted(rec_booked):
            k, iid, cents = recoveries[j]
            old = "" if pd.isna(h.at[k, "recovered_in_erp"]) else str(h.at[k, "recovered_in_erp"])
            done = handover_engine.items(old)
            done[iid] = done.get(iid, 0) + cents
            h.at[k, "recovered_in_erp"] = handover_engine.items_text(done)
            why = kept if j + n_own in cash.unreconciled else f"{rule}; the ERP booked the recovery on invoice {iid}"
            edits.append(Edit("Handovers", str(h.at[k, "handover_id"]), "recovered_in_erp", old,
                              h.at[k, "recovered_in_erp"], why))
        out.handovers = h
    if wo_booked:
        w = writeoffs.reset_index(drop=True).copy()
        w["in_erp"] = w["in_erp"].fillna(False).astype(bool)
        for j in sorted(wo_booked):
            k = int(wo_pos[j])
            w.loc[k, "in_erp"] = True
            why = kept if j + n_matches in cash.unreconciled else \
                f"{rule}; the ERP booked the write-off of invoice {w.at[k, 'invoice_id']}"
            edits.append(Edit("WriteOffs", str(w.at[k, "writeoff_id"]), "in_erp", False, True, why))
        out.writeoffs = w
    _, cash_due, wo_due = _live(matches)
    fully = partly = 0
    mine = sorted(j for j in [*cash.booked, *cash.unreconciled] if j < n_matches)
    if mine:
        m = all_matches.reset_index(drop=True).copy()
        flags = m["flags"].fillna("").astype(str).to_numpy(dtype=object)
        match_ids = m["match_id"].astype(str).to_numpy(dtype=object)
        invoice_ids = m["invoice_id"].astype(str).to_numpy(dtype=object)
        for j in mine:
            old, parts = flags[j], cash.booked.get(j, set())
            if j in cash.unreconciled:
                flags[j] = with_flag(old, UNRECONCILED)
                why = kept
            elif ("cash" in parts or not cash_due[j]) and ("write_off" in parts or not wo_due[j]):
                flags[j] = with_flag(old, BOOKED)
                fully += 1
                why = f"{rule}; the ERP booked invoice {invoice_ids[j]}'s payment" + \
                    (" and its write-off" if wo_due[j] else "")
            elif "cash" in parts:
                flags[j] = with_flag(old, CASH_BOOKED)
                partly += 1
                why = (f"{rule}; the ERP booked invoice {invoice_ids[j]}'s payment, not its write-off of "
                       f"{fmt(wo_due[j])}: ar-xl still counts it")
            else:
                flags[j] = with_flag(old, WRITE_OFF_BOOKED)
                partly += 1
                why = f"{rule}; the ERP booked invoice {invoice_ids[j]}'s write-off, not its payment yet"
            edits.append(Edit("Matches", match_ids[j], "flags", old, flags[j], why))
        m["flags"] = flags
        out.matches = m
    out.warnings = _warnings(cash, matches, n_matches, cur_ids, cur["currency"].astype(str).to_numpy())
    out.write_offs_to_book = _write_offs_to_book(cash, matches, n_matches, wo_due, cur_ids, synced,
                                                 cur["currency"].astype(str).to_numpy())

    out.counts = {
        "new": int(len(fresh)),
        "changed": int((changed & in_export).sum()),
        "closed": int(closing.sum()),
        "unchanged": int((in_export & ~changed).sum()),
        "kept": int((~in_export & ~closing).sum()),
        "booked": fully + sum(j + n_matches not in cash.unreconciled for j in wo_booked)
        + sum(j + n_own not in cash.unreconciled for j in rec_booked),
        "cash_booked": partly,
        "unreconciled": len(cash.notes),
    }
    out.open_after = open_by_currency(result)
    out.reconciliation = _reconciliation(cash, n_matches, n_own, erp_open, synced,
                                         cur["currency"].astype(str).to_numpy())
    return out


def flag_set(flags) -> set[str]:
    """The flags of a Matches ``flags`` cell: the matcher separates them by ``;``, a sync adds its own after ``, ``."""
    return {f.strip() for f in re.split(r"[;,]", "" if frames.blank(flags) else str(flags)) if f.strip()}


def with_flag(flags, add: str) -> str:
    """``flags`` with ``add`` appended and the part-booked marks (``CASH_BOOKED``, ``WRITE_OFF_BOOKED``) dropped
    when ``add`` is ``BOOKED``."""
    old = "" if frames.blank(flags) else str(flags)
    if add == BOOKED:
        for part in PARTLY:
            old = old.replace(f", {part}", "").replace(part, "")
    old = old.strip(" ,;")
    return f"{old}, {add}" if old else add


def _live(matches: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per allocation (position): still weighed by the cash rule, its cash and its write-off the ERP has not
    booked yet (cents)."""
    n = 0 if matches is None else len(matches)
    live, cash, wo = np.zeros(n, bool), np.zeros(n, np.int64), np.zeros(n, np.int64)
    if not n or "applied" not in matches.columns:
        return live, cash, wo
    m = matches.reset_index(drop=True)
    applied = m["applied"].fillna(False).astype(bool).to_numpy()
    amount = m["applied_amount"].astype("Int64").to_numpy(dtype=np.int64, na_value=0)
    off = m["write_off"].astype("Int64").to_numpy(dtype=np.int64, na_value=0) if "write_off" in m.columns \
        else np.zeros(n, np.int64)
    flags = m["flags"].to_numpy(dtype=object) if "flags" in m.columns else np.full(n, "", dtype=object)
    for j in np.flatnonzero(applied):
        f = flag_set(flags[j])
        if f & {BOOKED, UNRECONCILED}:
            continue
        live[j] = True
        cash[j] = 0 if CASH_BOOKED in f else amount[j]
        wo[j] = 0 if WRITE_OFF_BOOKED in f else off[j]
    return live, cash, wo


def _unbooked(ids: np.ndarray, matches: pd.DataFrame | None) -> set[str]:
    """Invoice ids with an applied Matches allocation the ERP has not booked yet (in full)."""
    live = _live(matches)[0]
    if not live.any():
        return set()
    return set(matches.reset_index(drop=True).loc[live, "invoice_id"].astype(str))


@dataclass
class _Cash:
    """What the cash rule found: the new open amounts; per allocation (position) the parts the ERP booked now
    (``cash``, ``write_off``); the allocations of invoices whose figures it could not reconcile; per such
    invoice (position) the ERP's open amount, ar-xl's and the pending parts ``(position, kind, cents)``."""
    new_open: np.ndarray
    booked: dict[int, set[str]]
    unreconciled: set[int]
    notes: dict[int, tuple[int, int, list[tuple[int, str, int]]]]
    left: list[tuple[int, int, str, int]] = field(default_factory=list)
    """``(invoice position, allocation position, kind, cents)`` of the parts still unbooked after the sync."""


def _best_parts(amounts: list[int], b: int) -> tuple[int, ...]:
    """The positions of the parts the ERP booked: those whose sum is the largest within ``b``, the earliest
    on a tie (sums taken in the direction of the parts, positive here); the longest prefix within ``b``
    past ``MAX_PARTS`` parts."""
    if b <= 0:
        return ()
    n = len(amounts)
    if n > MAX_PARTS:
        done, pick = 0, []
        for k, a in enumerate(amounts):
            if done + a > b:
                break
            done += a
            pick.append(k)
        return tuple(pick)
    best, pick = 0, ()
    for r in range(1, n + 1):
        for combo in itertools.combinations(range(n), r):
            s = sum(amounts[k] for k in combo)
            if s <= b and (s > best or (s == best and combo < pick)):
                best, pick = s, combo
    return pick


def _cash_rule(ids: np.ndarray, old_open: np.ndarray, erp_open: np.ndarray, synced: np.ndarray,
               matches: pd.DataFrame) -> _Cash:
    """New open amounts and what the ERP booked of each allocation; see the module rules."""
    new_open = erp_open.copy()
    out = _Cash(new_open, {}, set(), {})
    m = matches.reset_index(drop=True)
    live, cash, wo = _live(m)
    if not live.any():
        return out
    where = {k: i for i, k in enumerate(ids)}
    inv_ids = m["invoice_id"].astype(str).to_numpy()
    by_invoice: dict[int, list[tuple[int, str, int]]] = {}
    for kind, amounts in (("cash", cash), ("write_off", wo)):  # every cash part first, then the write-offs
        for j in np.flatnonzero(live & (amounts != 0)):
            i = where.get(inv_ids[j])
            if i is not None and synced[i]:
                by_invoice.setdefault(i, []).append((int(j), kind, int(amounts[j])))
    for i, parts in by_invoice.items():
        u = sum(a for _, _, a in parts)
        if u == 0:
            continue
        sign = 1 if u > 0 else -1
        b = int(old_open[i]) + u - int(erp_open[i])
        pick = _best_parts([sign * a for _, _, a in parts], sign * b)
        rest = u - sum(parts[k][2] for k in pick)
        if sign * rest > 0 and sign * (int(erp_open[i]) - rest) < 0:
            # more of ours is unbooked than the ERP has open: the ERP's figure stands, nothing counts again
            out.notes[i] = (int(erp_open[i]), int(old_open[i]), parts)
            out.unreconciled |= {j for j, _, _ in parts}
            continue
        new_open[i] = int(erp_open[i]) - rest
        for k in pick:
            j, kind, _ = parts[k]
            out.booked.setdefault(j, set()).add(kind)
        out.left += [(i, j, kind, a) for k, (j, kind, a) in enumerate(parts) if k not in pick]
    return out


def _reconciliation(cash: _Cash, n_matches: int, n_own: int, erp_open: np.ndarray, synced: np.ndarray,
                    currencies: np.ndarray) -> dict[str, dict[str, int]]:
    """Per currency, over the invoices the export synced: the ERP's open total (``erp``), ar-xl's (``ours``)
    and what ar-xl applied that the ERP has not booked yet: ``cash``, ``write_offs`` (cash application's and
    WriteOffs'), ``recoveries``.  Only currencies where the two totals differ."""
    out: dict[str, dict[str, int]] = {}
    for i in np.flatnonzero(synced):
        r = out.setdefault(str(currencies[i]), dict.fromkeys(("erp", "ours", "cash", "write_offs", "recoveries"), 0))
        r["erp"] += int(erp_open[i])
        r["ours"] += int(cash.new_open[i])
    for i, j, kind, cents in cash.left:
        what = "recoveries" if j >= n_own else "write_offs" if kind == "write_off" or j >= n_matches else "cash"
        out[str(currencies[i])][what] += cents
    return {c: r for c, r in out.items() if r["erp"] != r["ours"] or r["cash"] or r["write_offs"] or r["recoveries"]}


def _what(matches: pd.DataFrame, n_matches: int, j: int) -> str:
    """An allocation of the cash rule as the summary names it: its Matches, WriteOffs or Handovers row."""
    mid = str(matches["match_id"].iloc[j])
    if j < n_matches:
        return f"Matches {mid}"
    return f"Handovers {mid.removesuffix(' recovery')}" if mid.endswith(" recovery") else f"WriteOffs {mid}"


def _warnings(cash: _Cash, matches: pd.DataFrame | None, n_matches: int, ids: np.ndarray,
              currencies: np.ndarray) -> list[str]:
    """One line per invoice whose figures the cash rule could not reconcile: the ERP's open amount, ar-xl's,
    what ar-xl applied that the ERP had not booked, and the rows it came from."""
    lines = []
    for i, (erp, ours, parts) in sorted(cash.notes.items()):
        rows: dict[int, list[str]] = {}
        for j, kind, cents in parts:
            what = _what(matches, n_matches, j)
            word = "write-off" if kind == "write_off" or what.startswith("WriteOffs") else \
                "recovery" if what.startswith("Handovers") else "cash"
            rows.setdefault(j, []).append(f"{word} {fmt(cents)}")
        said = "; ".join(f"{' and '.join(v)} ({_what(matches, n_matches, j)})" for j, v in rows.items())
        marked = f"its Matches rows are marked '{UNRECONCILED}'" if any(j < n_matches for j, _, _ in parts) \
            else "those rows no longer count"
        lines.append(f"invoice {ids[i]}: the ERP shows {currencies[i]} {fmt(erp)} open, ar-xl {fmt(ours)} with "
                     f"{fmt(sum(c for _, _, c in parts))} not booked in the ERP yet ({said}); counting that would "
                     f"make the open amount negative, so the invoice keeps the ERP's {fmt(erp)} and {marked}: "
                     "check the invoice in the ERP")
    return lines


def _write_offs_to_book(cash: _Cash, matches: pd.DataFrame | None, n_matches: int, wo_due: np.ndarray,
                        ids: np.ndarray, synced: np.ndarray, currencies: np.ndarray) -> list[tuple[str, str, int, str]]:
    """``(invoice_id, currency, cents, match_id)`` of each write-off cash application made (Matches
    ``write_off``) on an invoice of this export that the ERP has not booked yet, after this sync."""
    if matches is None or not n_matches:
        return []
    where = {k: i for i, k in enumerate(ids)}
    inv_ids = matches["invoice_id"].astype(str).to_numpy()
    out = []
    for j in np.flatnonzero(wo_due[:n_matches]):
        i = where.get(inv_ids[j])
        if i is None or not synced[i] or j in cash.unreconciled or "write_off" in cash.booked.get(j, ()):
            continue
        out.append((inv_ids[j], str(currencies[i]), int(wo_due[j]), str(matches["match_id"].iloc[j])))
    return out


# ---------------------------------------------------------------- customers

def _ibans(cell) -> list[str]:
    return [p.replace(" ", "").upper() for p in str(cell or "").split(";") if p.strip()]


def sync_customers(current: pd.DataFrame, export: pd.DataFrame, present: set[str],
                   source: str = "ERP export") -> SyncResult:
    """The Customers body after upserting ``export``; customers missing from it are kept."""
    t = schema.CUSTOMERS
    _duplicates(export, "customer_id", source)
    cur = current.reset_index(drop=True)
    exp = export.reset_index(drop=True)
    rule = f"ERP sync: {source}"
    out = SyncResult(invoices=pd.DataFrame())
    cur_ids = cur["customer_id"].astype(str).to_numpy()
    pos = pd.Index(cur_ids).get_indexer(exp["customer_id"].astype(str).to_numpy()) if len(cur) else \
        np.full(len(exp), -1)
    if len(cur) and pd.Index(cur_ids).has_duplicates:
        _duplicates(cur, "customer_id", "workbook sheet Customers")
    hit = pos >= 0
    at, src = pos[hit], np.flatnonzero(hit)
    result = cur.copy()
    changed = np.zeros(len(cur), dtype=bool)
    for c in CUSTOMER_ERP_COLUMNS:
        if c == "customer_id" or c not in present or not len(at):
            continue
        kind = _kind(t, c)
        new_vals = exp[c].iloc[src].to_numpy(dtype=object)
        if c == "iban":
            merged = []
            for mine, theirs in zip(cur[c].iloc[at].to_numpy(dtype=object), new_vals):
                have = _ibans(mine)
                merged.append(";".join(have + [x for x in _ibans(theirs) if x not in have]))
            new_vals = np.array(merged, dtype=object)
            old = comparable(cur[c].iloc[at], "text")
            new = np.array([str(v) for v in new_vals], dtype=object)
        else:
            old = comparable(cur[c].iloc[at], kind)
            new = comparable(exp[c].iloc[src], kind)
        diff = np.flatnonzero(old != new)
        if not len(diff):
            continue
        result.iloc[at[diff], result.columns.get_loc(c)] = new_vals[diff] if c == "iban" else \
            exp[c].iloc[src[diff]].to_numpy()
        changed[at[diff]] = True
        for i in diff:
            out.edits.append(Edit("Customers", cur_ids[at[i]], c, shown(old[i], kind), shown(new[i], kind), rule))
    for c in t.editable:
        if c not in present or not len(at):
            continue
        mine = comparable(cur[c].iloc[at], "text")
        theirs = comparable(exp[c].iloc[src], "text")
        fill = np.flatnonzero((mine == "") & (theirs != ""))
        if len(fill):
            result.iloc[at[fill], result.columns.get_loc(c)] = theirs[fill]
            changed[at[fill]] = True
            for i in fill:
                out.edits.append(Edit("Customers", cur_ids[at[i]], c, "", theirs[i], rule + "; was empty"))
        for i in np.flatnonzero((mine != "") & (theirs != "") & (mine != theirs)):
            out.conflicts.append(Conflict("Customers", cur_ids[at[i]], c, mine[i], theirs[i]))
    fresh = exp.loc[~hit, t.names].copy()
    for r in fresh.itertuples(index=False):
        out.edits.append(Edit("Customers", str(r.customer_id), "customer_id", "", str(r.customer_name), rule + "; new"))
    if len(fresh):
        result = pd.concat([result, fresh], ignore_index=True) if len(result) else fresh.reset_index(drop=True)
    out.customers = result
    out.counts = {"customers_new": int(len(fresh)), "customers_changed": int(changed.sum())}
    return out


def customers_from_invoices(customers: pd.DataFrame, invoices: pd.DataFrame, source: str = "ERP export"
                            ) -> tuple[pd.DataFrame, list[Edit]]:
    """Customers with a row added for each customer of ``invoices`` it lacks (id and name from the open items)."""
    have = set(customers["customer_id"].astype(str))
    inv = invoices[["customer_id", "customer_name"]].astype(str)
    inv = inv[~inv["customer_id"].isin(have) & (inv["customer_id"].str.strip() != "")]
    inv = inv.drop_duplicates("customer_id")
    if not len(inv):
        return customers, []
    add = pd.DataFrame({c: frames.empty_frame(schema.CUSTOMERS)[c].reindex(range(len(inv))) for c in schema.CUSTOMERS.names})
    for c in schema.CUSTOMERS.kinds("text"):
        add[c] = ""
    add["customer_id"] = inv["customer_id"].to_numpy()
    add["customer_name"] = [n if n.strip() else i for i, n in zip(inv["customer_id"], inv["customer_name"])]
    edits = [Edit("Customers", i, "customer_id", "", n, f"ERP sync: {source}; customer of the open items")
             for i, n in zip(add["customer_id"], add["customer_name"])]
    body = pd.concat([customers.reset_index(drop=True), add], ignore_index=True) if len(customers) else add
    return body, edits

"""Cash application in the workbook: match payments, then apply what is decided.

The rules
---------
* **Apply decisions** first.  A Matches row whose ``review`` is *Confirm* and
  that is not yet applied is applied: the invoice's open amount and the
  payment's unapplied amount go down by ``applied_amount``.  A row whose review
  is *Reject* and that was applied (an auto match a collector disagrees with)
  is reversed.  Nothing is applied beyond what is still open on the invoice or
  unapplied on the payment: such a row is refused and reported, never clipped.
* A confirmed match teaches the engine: the payer's IBAN is added to the
  customer's IBANs and the payer's name, when it differs from the customer's,
  to the customer's aliases.
* **Match** then runs the engine on every payment with money left to apply
  (status not ``ignored``).  ``auto`` allocations are applied at once;
  ``suggested`` ones wait for review.  Pairs a collector rejected are never
  proposed again.  A payment is never applied twice: only its *unapplied*
  amount is matched.
* Match ids are stable (see ``match_id``), so a re-run lands on the same rows
  and the review, reviewer and note a person typed are kept.
* A difference within the Config tolerance (bank charges) or an early-payment
  discount earned by the value date (Config ``discount_terms``, or the
  customer's ``payment_terms``) is written off on the invoice when its
  allocation is applied; a larger short payment stays open on the invoice and
  is flagged ``short_pay`` (a possible deduction or dispute).  A discount
  deducted after the discount period is a short payment flagged
  ``unearned_discount``, only suggested; ``ar-xl dispute short-pay`` opens it as a
  dispute of reason ``unearned discount``.  The rest of an overpayment stays
  on the payment as unapplied cash.
* Settled invoices are passed to the engine too, with the payments applied to
  them (applied Matches rows): a payment whose remittance names a settled
  invoice is never applied automatically but suggested with the flag
  ``possible duplicate``, naming the earlier payment.
  Suggestions no one reviewed that the new run no longer makes are withdrawn.
* Every amount changed is written to Audit with the run id and the rule.
* A credit note allocated to invoices (``actions.credits``) is a group of rows whose ``payment_id`` is the
  credit note's ``invoice_id``: the invoices' rows with positive ``applied_amount`` and the credit note's own
  row with the negative sum, netting to nothing on the "payment" side; they apply and reverse as any row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book, Change
from ..frames import blank
from ..schema import MATCHES
from ..engine.payer import normalise_iban, split_list
from ..money import fmt

OUT_COLUMNS = ["payment_id", "invoice_id", "customer_id", "applied_amount", "short_pay", "write_off", "confidence",
               "decision", "rank", "rule", "evidence", "flags"]


def match_id(payment_id: str, invoice_id: str, decision: str = "auto", rank=None, flags: str = "") -> str:
    """Stable id of an allocation row: the same proposal gets the same id on every run.

    ``M-<payment>-<invoice>`` for an auto allocation, ``…-S<rank>`` for a
    suggestion (the same invoice can be in two alternative sets), ``…-cash`` for
    the unapplied rest of an overpayment and ``M-<payment>-unmatched``."""
    if not invoice_id:
        tail = "cash" if "unapplied_cash" in str(flags) else "unmatched"
    else:
        tail = invoice_id
    rid = f"M-{payment_id}-{tail}"
    if decision == "suggested" and rank is not None and not pd.isna(rank):
        rid += f"-S{int(rank)}"
    return rid


class _Ledger:
    """Open and unapplied amounts being changed by this run, with their audit trail."""

    def __init__(self, book: Book, change: Change):
        self.book, self.change = book, change
        self.inv = book.get("Invoices").copy()
        self.pay = book.get("Payments").copy()
        self.cust = book.get("Customers").copy()
        self.inv_pos = {k: i for i, k in enumerate(self.inv["invoice_id"].astype(str))}
        self.pay_pos = {k: i for i, k in enumerate(self.pay["payment_id"].astype(str))}
        self.cust_pos = {k: i for i, k in enumerate(self.cust["customer_id"].astype(str))}
        un = self.pay["unapplied_amount"]
        self.pay["unapplied_amount"] = np.where(un.isna(), self.pay["amount"], un.fillna(0)).astype(np.int64)
        self.touched = set()

    def credit_note(self, pid: str) -> bool:
        """``pid`` is not a payment but a credit note (an Invoices row) allocated to invoices: its rows net to 0."""
        return pid not in self.pay_pos and pid in self.inv_pos

    def missing(self, pid: str, *iids: str) -> str:
        """Which of the payment and invoices is not in its table ('' when all are)."""
        if pid not in self.pay_pos and not self.credit_note(pid):
            return f"payment {pid} is not in the Payments table"
        gone = next((iid for iid in iids if iid and iid not in self.inv_pos), None)
        return f"invoice {gone} is not in the Invoices table" if gone else ""

    def can_apply(self, pid: str, iid: str, cents: int, write_off: int = 0) -> str:
        return self.can_apply_all(pid, [(iid, cents, write_off)])

    def can_apply_all(self, pid: str, allocs: list[tuple[str, int, int]]) -> str:
        """Why the allocations ``[(invoice_id, cents, write_off)]`` of payment ``pid`` cannot be
        applied together ('' when they can): credit notes netted in one allocation count at once."""
        why = self.missing(pid, *(iid for iid, _, _ in allocs))
        if why:
            return why
        left = 0 if self.credit_note(pid) else int(self.pay.at[self.pay_pos[pid], "unapplied_amount"])
        net = sum(cents for _, cents, _ in allocs)
        if net > left:
            return f"payment {pid} has only {fmt(left)} unapplied, not {fmt(net)}"
        for iid, cents, write_off in allocs:
            if not iid:
                continue
            open_ = int(self.inv.at[self.inv_pos[iid], "open_amount"])
            total = cents + write_off
            if (open_ >= 0 and total > open_) or (open_ < 0 and total < open_):
                return f"invoice {iid} has only {fmt(open_)} open, not {fmt(total)}"
        return ""

    def apply(self, pid: str, iid: str, cents: int, rule: str, sign: int = 1, write_off: int = 0) -> None:
        """Move ``cents`` from the payment to the invoice; ``write_off`` closes the rest of the
        invoice within tolerance (it reduces the invoice only, not the payment)."""
        user, ch = self.book.user, self.change
        if not self.credit_note(pid):
            p = self.pay_pos[pid]
            old = int(self.pay.at[p, "unapplied_amount"])
            new = old - sign * cents
            self.pay.at[p, "unapplied_amount"] = new
            ch.log(user, "Payments", pid, "unapplied_amount", fmt(old), fmt(new), rule)
            self.touched.add(pid)
        if iid:
            i = self.inv_pos[iid]
            old_i = int(self.inv.at[i, "open_amount"])
            new_i = old_i - sign * (cents + write_off)
            self.inv.at[i, "open_amount"] = new_i
            ch.log(user, "Invoices", iid, "open_amount", fmt(old_i), fmt(new_i),
                   rule + (f"; write-off {fmt(write_off)} within tolerance" if write_off else ""))
            status = str(self.inv.at[i, "status"]).strip().lower()
            if new_i == 0 and status in ("", "open"):
                self.inv.at[i, "status"] = "paid"
            elif new_i != 0 and status == "paid" and sign < 0:
                self.inv.at[i, "status"] = "open"

    def learn(self, pid: str, customer_id: str) -> None:
        if customer_id not in self.cust_pos or pid not in self.pay_pos:
            return
        c = self.cust_pos[customer_id]
        p = self.pay_pos[pid]
        iban = normalise_iban(self.pay.at[p, "payer_iban"])
        ibans = split_list(self.cust.at[c, "iban"])
        if iban and iban not in {normalise_iban(x) for x in ibans}:
            new = ";".join(ibans + [iban])
            self.change.log(self.book.user, "Customers", customer_id, "iban", self.cust.at[c, "iban"], new, "learned from confirmed match")
            self.cust.at[c, "iban"] = new
        name = str(self.pay.at[p, "payer_name"] or "").strip()
        aliases = split_list(self.cust.at[c, "aliases"])
        if name and name.lower() != str(self.cust.at[c, "customer_name"]).strip().lower() and \
                name.lower() not in {a.lower() for a in aliases}:
            new = ";".join(aliases + [name])
            self.change.log(self.book.user, "Customers", customer_id, "aliases", self.cust.at[c, "aliases"], new, "learned from confirmed match")
            self.cust.at[c, "aliases"] = new

    def finish(self) -> None:
        for pid in self.touched:
            p = self.pay_pos[pid]
            if str(self.pay.at[p, "status"]).lower() == "ignored":
                continue
            left, total = int(self.pay.at[p, "unapplied_amount"]), int(self.pay.at[p, "amount"])
            self.pay.at[p, "status"] = "applied" if left == 0 else ("unapplied" if left == total else "partly applied")
        self.change.tables["Invoices"] = self.inv
        self.change.tables["Payments"] = self.pay
        self.change.tables["Customers"] = self.cust


def _cents(v) -> int:
    return 0 if pd.isna(v) or v == "" else int(v)


def _review(v) -> str:
    return str(v or "").strip().lower()


def apply_decisions(book: Book, change: Change | None = None, ledger: _Ledger | None = None) -> Change:
    """Apply confirmed Matches rows and reverse rejected applied ones (see the module rules)."""
    change = change or Change("apply_decisions")
    own = ledger is None
    ledger = ledger or _Ledger(book, change)
    matches = book.get("Matches").copy()
    done = refused = reversed_ = 0
    problems = []
    # the confirmed rows of one proposal (payment, run, rank: an invoice and the credit
    # notes netted against it) are applied together or refused together
    proposal: dict[tuple, list[int]] = {}
    for i in range(len(matches)):
        row = matches.iloc[i]
        if _review(row["review"]) == "confirm" and not bool(row["applied"]) and str(row["invoice_id"] or "") \
                and _cents(row["applied_amount"]):
            proposal.setdefault((str(row["payment_id"]), str(row["run_id"]), str(row["rank"])), []).append(i)
    handled: set[int] = set()
    applied_col = matches.columns.get_loc("applied")
    for i in range(len(matches)):
        row = matches.iloc[i]
        review, applied = _review(row["review"]), bool(row["applied"])
        pid, iid = str(row["payment_id"]), str(row["invoice_id"] or "")
        cents, wo = _cents(row["applied_amount"]), _cents(row["write_off"])
        if review == "confirm" and not applied:
            if not iid or cents == 0 or i in handled:
                continue
            group = proposal[(pid, str(row["run_id"]), str(row["rank"]))]
            handled.update(group)
            rows = [matches.iloc[j] for j in group]
            why = ledger.can_apply_all(pid, [(str(r["invoice_id"]), _cents(r["applied_amount"]), _cents(r["write_off"]))
                                             for r in rows])
            if why:
                refused += len(rows)
                problems.extend(f"{r['match_id']}: {why}" for r in rows)
                continue
            for j, r in zip(group, rows):
                ledger.apply(pid, str(r["invoice_id"]), _cents(r["applied_amount"]),
                             f"confirmed by {r['reviewed_by'] or book.user}", write_off=_cents(r["write_off"]))
                matches.iat[j, applied_col] = True
                change.log(book.user, "Matches", r["match_id"], "applied", False, True, "confirm")
                done += 1
            ledger.learn(pid, str(row["customer_id"]))
        elif review == "reject" and applied:
            why = ledger.missing(pid, iid)
            if why:
                refused += 1
                problems.append(f"{row['match_id']}: {why}")
                continue
            ledger.apply(pid, iid, cents, "rejected: reversed", sign=-1, write_off=wo)
            matches.iat[i, applied_col] = False
            change.log(book.user, "Matches", row["match_id"], "applied", True, False, "reject")
            reversed_ += 1
    change.tables["Matches"] = matches
    if own:
        ledger.finish()
    parts = [f"applied {done} confirmed match(es)"]
    if reversed_:
        parts.append(f"reversed {reversed_} rejected one(s)")
    if refused:
        parts.append(f"refused {refused}: " + "; ".join(problems[:5]))
    change.summary = ", ".join(parts)
    change.problems = problems  # type: ignore[attr-defined]
    if own:
        change.warnings = book.warnings
    return change


def _carry_own_columns(old: pd.DataFrame, stale: pd.DataFrame, new: pd.DataFrame) -> set:
    """Carry what a person typed in their own columns of Matches (columns not in the schema) from a
    withdrawn row to the new row of the same payment and invoice (a suggestion renumbered, a
    suggestion that became unmatched or auto for the same pair); ``new`` is changed in place.

    Returns the match ids of withdrawn rows that must stay: a person typed in their own columns
    and no new row of the same payment and invoice took the values (never delete what a person may need).
    Rows kept under the same match id keep their values through ``merge_preserving``."""
    own = [c for c in old.columns if c not in MATCHES.names]
    if not own or not len(stale):
        return set()
    typed = stale[own].apply(lambda col: ~col.map(blank)).any(axis=1)
    sources = stale[typed.to_numpy()]
    if not len(sources):
        return set()
    old_ids = set(old["match_id"])
    fresh = {}
    for i, (mid, pid, iid) in enumerate(zip(new["match_id"], new["payment_id"].astype(str),
                                            new["invoice_id"].astype(str))):
        if mid not in old_ids:
            fresh.setdefault((pid, iid), i)
    for c in own:
        new[c] = new[c].astype(object)
    stay = set()
    for _, row in sources.iterrows():
        i = fresh.pop((str(row["payment_id"]), str(row["invoice_id"])), None)
        if i is None:
            stay.add(row["match_id"])
            continue
        for c in own:
            new.iat[i, new.columns.get_loc(c)] = row[c]
    return stay


def _paid_by(matches: pd.DataFrame, pay: pd.DataFrame) -> dict:
    """``{invoice_id: [(payment_id, value_date), …]}`` of the applied Matches rows (value date order)."""
    if not len(matches):
        return {}
    done = matches[matches["applied"].astype(bool) & (matches["invoice_id"].fillna("").astype(str) != "")]
    vd = dict(zip(pay["payment_id"].astype(str), pay["value_date"]))
    out: dict[str, list] = {}
    for iid, pid in zip(done["invoice_id"].astype(str), done["payment_id"].astype(str)):
        if pid not in (p for p, _ in out.get(iid, ())):
            out.setdefault(iid, []).append((pid, vd.get(pid)))
    for v in out.values():
        v.sort(key=lambda t: (pd.Timestamp(t[1]) if t[1] is not None and not pd.isna(t[1]) else pd.Timestamp.min, t[0]))
    return out


def run(book: Book) -> Change:
    """Apply decisions, then match every payment with money left, and apply the auto matches."""
    from ..engine import matching
    change = Change("match")
    ledger = _Ledger(book, change)
    apply_decisions(book, change, ledger)
    decided_summary = change.summary
    matches = change.tables["Matches"]
    rejected = set(zip(matches.loc[matches["review"].map(_review) == "reject", "payment_id"].astype(str),
                       matches.loc[matches["review"].map(_review) == "reject", "invoice_id"].astype(str)))
    pending = ledger.pay[(ledger.pay["unapplied_amount"] != 0)
                         & (ledger.pay["status"].astype(str).str.lower() != "ignored")]
    # every invoice, settled ones too: a remittance naming a settled invoice is a possible duplicate,
    # and the evidence names the payments applied to it
    cfg = book.config
    result = (matching.match(pending, ledger.inv, ledger.cust, cfg, paid_by=_paid_by(matches, ledger.pay))
              if len(pending) else pd.DataFrame(columns=OUT_COLUMNS))
    for c in OUT_COLUMNS:
        if c not in result.columns:
            result[c] = 0 if c in ("short_pay", "write_off") else ""
    result["invoice_id"] = result["invoice_id"].fillna("").astype(str)
    result["payment_id"] = result["payment_id"].astype(str)
    # never propose a pair a collector rejected; a payment with one loses its auto decision
    is_rej = [(p, i) in rejected for p, i in zip(result["payment_id"], result["invoice_id"])]
    hit = set(result.loc[is_rej, "payment_id"])
    result = result.loc[[not r for r in is_rej]].copy()
    result.loc[result["payment_id"].isin(hit) & (result["decision"] == "auto"), "decision"] = "suggested"
    # existing rows per payment that nobody reviewed are replaced by this run's
    new_rows = []
    auto_n = sugg_n = unm_n = 0
    payer = dict(zip(ledger.pay["payment_id"].astype(str), ledger.pay["payer_name"].astype(str)))
    # a payment's auto allocation (invoices with the credit notes netted against them) is applied
    # as a whole or, when it no longer fits, not at all and left for review
    auto_allocs: dict[str, list] = {}
    for r in result.itertuples(index=False):
        if r.decision == "auto":
            auto_allocs.setdefault(r.payment_id, []).append((r.invoice_id, _cents(r.applied_amount), _cents(r.write_off)))
    auto_ok = {pid: not ledger.can_apply_all(pid, allocs) for pid, allocs in auto_allocs.items()}
    old = matches
    decided = old[(old["review"].map(_review) != "") | old["applied"].astype(bool)]
    decided_ids = set(decided["match_id"])
    for r in result.itertuples(index=False):
        decision = r.decision
        applied = False
        cents, wo = _cents(r.applied_amount), _cents(r.write_off)
        if decision == "auto" and not auto_ok[r.payment_id]:
            decision = "suggested"
        elif decision == "auto" and r.invoice_id:
            ledger.apply(r.payment_id, r.invoice_id, cents, f"auto: {r.rule}", write_off=wo)
            applied = True
        mid = match_id(r.payment_id, r.invoice_id, decision, r.rank, r.flags)
        if applied and mid in decided_ids:  # the same pair was decided before (an invoice the ERP reopened):
            mid = f"{mid}-{change.run_id}"  # money moved now gets a row of its own
        auto_n += decision == "auto"
        sugg_n += decision == "suggested"
        unm_n += decision == "unmatched"
        new_rows.append({
            "match_id": mid, "run_id": change.run_id, "payment_id": r.payment_id, "invoice_id": r.invoice_id,
            "customer_id": r.customer_id or "", "payer_name": payer.get(r.payment_id, ""),
            "applied_amount": cents, "short_pay": int(r.short_pay or 0) if not pd.isna(r.short_pay) else 0,
            "write_off": wo, "confidence": float(r.confidence or 0), "decision": decision,
            "rank": pd.NA if pd.isna(r.rank) or r.rank == "" else int(r.rank),
            "rule": r.rule, "evidence": r.evidence, "flags": r.flags or "",
            "review": "", "reviewed_by": "", "applied": applied, "note": "",
        })
    new = pd.DataFrame(new_rows, columns=matches.columns) if new_rows else matches.iloc[0:0]
    # keep the decided rows as they are; withdraw stale unreviewed suggestions of re-matched payments
    rematched = set(result["payment_id"])
    new_ids = set(new["match_id"])
    stale = old[old["payment_id"].astype(str).isin(rematched) & ~old["match_id"].isin(new_ids)
                & (old["review"].map(_review) == "") & ~old["applied"].astype(bool)]
    new = new[~new["match_id"].isin(decided_ids)].copy()
    withdrawn = set(stale["match_id"]) - _carry_own_columns(old, stale, new)
    change.remove["Matches"] = withdrawn
    kept = old[~old["match_id"].isin(set(new["match_id"]) | withdrawn)]
    change.tables["Matches"] = pd.concat([kept, new], ignore_index=True) if len(new) else old
    for r in new.itertuples(index=False):
        change.log(book.user, "Matches", r.match_id, "decision", None, r.decision, r.rule)
    ledger.finish()
    change.warnings = book.warnings
    change.summary = (f"{decided_summary}; matched {len(rematched)} payment(s): {auto_n} auto-applied allocation(s), "
                      f"{sugg_n} suggestion(s) to review, {unm_n} unmatched")
    return change

"""Cash application in the workbook: match payments, then apply what is decided.

The rules
---------
* **Apply decisions** first.  A Matches row whose ``review`` is *Confirm* and
  that is not yet applied is applied: the invoice's open amount and the
  payment's unapplied amount go down by ``applied_amount``.  A row whose review
  is *Reject* and that was applied (an auto match a collector disagrees with)
  is reversed.  Nothing is applied beyond what is still open on the invoice or
  unapplied on the payment: such a row is refused and reported, never clipped.
  The cash a **proposed refund** of the payment holds (Refunds) is not there to
  apply: a Confirm of more than the unapplied amount less its proposed refunds is
  refused naming the refund, and an auto allocation of more is left for review.
  Nor is the credit a refund holds of a **credit note** (proposed, or exported
  until the ERP books it) there to net: a Confirm netting more of the credit
  note than its open credit less those refunds is refused naming the refund, and
  an auto allocation netting it is left for review (``_Ledger.held_notes``).
  A **collection agency's transfer** (``engine.handover.transfer_of``: a payment recorded on a handover, or whose
  payer is the agency of a live handover or of one whose recovery it has not all transferred) is the handover's,
  not an invoice's: a Confirm of it (a suggestion, or invoices typed by hand) is refused, naming the handover and
  the command that records it there (``ar-xl handover WORKBOOK --record H-000001 --payment P``); once recorded,
  a Confirm of it stays refused.  Match never applies it automatically either.
* A confirmed match teaches the engine: the payer's IBAN is added to the
  customer's IBANs and the payer's name, when it differs from the customer's,
  to the customer's aliases.
* **Match** then runs the engine on every payment with money left to apply
  (status not ``ignored``: ``to_match``).  ``auto`` allocations are applied at once;
  ``suggested`` ones wait for review.  Pairs a collector rejected are never
  proposed again; a payment left with nothing else to propose (no invoice, at
  most the rest of an overpayment) gets an ``unmatched`` row naming the rejected
  rows, like any payment with nothing applied (``_unmatched_when_rejected``),
  and the rejected rows stay as they are.  A payment is never applied twice:
  only its *unapplied* amount is matched.
* **Applied less**: a Confirm with a smaller ``applied_amount`` than the payment and the invoice had applies that
  amount; the rest stays on the payment.  Match passes the engine what a person decided (``_applied_less``:
  payment -> invoices it was confirmed on for less), so the rest is never applied to that invoice automatically:
  suggested there on a row of its own (``…-rest`` when the confirmed row holds the id), its evidence naming the row;
  elsewhere only under the normal rules.
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
* **Plans and promises** (``engine.matching.commitments``): the Plans and Promises tables are passed to
  the engine, Plans with ``paid`` as the money matched so far pays them, so a payment of an installment
  (``Rate 1 Ratenplan P-000001``) is allocated to the plan's invoices and says which installment it pays,
  and a payment of a promised amount counts towards the promise.
* **By hand**: a confirmed row whose ``invoice_id`` a person typed (on an unmatched row, or a list ``2026-001234: 100.00; 2026-001240: 50,00``: ``parse_assignment``) is applied as one
  new row per invoice (``M-<payment>-<invoice>-hand``, decision ``manual``), all or nothing; the typed row
  is flagged ``assigned by hand`` and applied once (``_hand_done``): a new list typed on it is a new assignment of
  what is left of the payment.
* **Re-pointed**: a suggestion confirmed with another invoice_id typed in is applied to that invoice, and its
  system columns follow it (``open_amount`` as open on it, ``short_pay`` what the row leaves open, ``customer_id``,
  the ``short_pay`` flag; ``unearned_discount`` dropped; no ``write_off``: the engine weighed another invoice):
  ``_refresh_repointed``.
* A Confirm that cannot be applied is flagged ``refused`` with the reason at the start of its evidence
  and named in the summary the first time only (again when the reason changes).
* A re-run with nothing new changes nothing: a payment whose proposal is the same keeps its rows (and
  their run id), and the unapplied rest of an automatic overpayment stays as it is unless it now pays
  something automatically.  The summary counts the payments *considered*.
* Every amount changed is written to Audit with the run id and the rule; so is every decision a row
  gets or loses (a new row, a decision changed, a row withdrawn).
* A credit note allocated to invoices (``actions.credits``) is a group of rows whose ``payment_id`` is the
  credit note's ``invoice_id``: the invoices' rows with positive ``applied_amount`` and the credit note's own
  row with the negative sum, netting to nothing on the "payment" side.  They are reversed whole: a Reject on any
  of its applied rows reverses every row of the allocation (same credit note, same ``run_id``; the others get
  review Reject), as ``credits --reverse`` does; a row of it with another review typed (Confirm) or an invoice
  no longer in Invoices refuses the whole allocation, naming its rows, and nothing of it is reversed (flagged
  ``refused``; the flag goes once the allocation is reversed).
* A credit note **netted** in a payment's allocation (the matcher's invoices plus a credit-note row with a negative
  ``applied_amount``, flag ``credit_note``, applied automatically or confirmed; or a list assigned by hand with a
  negative amount) makes the payment's applied rows of that proposal (same payment, ``run_id`` and ``rank``) one
  allocation, reversed whole by the same rule: a Reject on any of them reverses them all (or refuses, naming them),
  so the credit note is never lost nor used twice and the rows add up to the payment to the cent
  (``allocation_keys``, ``whole_allocations``).
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .. import frames
from ..book import Book, Change
from ..errors import ArXlError
from ..frames import blank
from ..schema import MATCHES, payment_status
from ..engine import handover as handover_engine
from ..engine.credits import holding_refunds
from ..engine.payer import normalise_iban, split_list
from ..money import fmt, parse_amount

OUT_COLUMNS = ["payment_id", "invoice_id", "customer_id", "applied_amount", "short_pay", "write_off", "confidence",
               "decision", "rank", "rule", "evidence", "flags", "open_amount", "difference"]


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
        # the cash proposed refunds hold: never applied to invoices while the refund is proposed
        holding = holding_refunds(book.optional("Refunds"))
        self.held = {pid: h for pid, h in holding.items() if pid in self.pay_pos}
        # the credit refunds hold of a credit note (proposed, or exported until the ERP books it): never netted
        self.held_notes = {iid: h for iid, h in holding.items() if iid in self.inv_pos and iid not in self.pay_pos}
        self.handovers, self._transfer_of = None, None  # read when a Confirm asks (``agency``)

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
        if net > 0 and net > self.free(pid):
            return self.held_by_refund(pid, net)
        for iid, cents, write_off in allocs:
            if not iid:
                continue
            open_ = int(self.inv.at[self.inv_pos[iid], "open_amount"])
            total = cents + write_off
            if (open_ >= 0 and total > open_) or (open_ < 0 and total < open_):
                return f"invoice {iid} has only {fmt(open_)} open, not {fmt(total)}"
            held = self.held_notes.get(iid, ()) if cents < 0 else ()
            if held and -cents > -open_ - sum(c for _, c in held):
                names = ", ".join(f"{rid} ({fmt(c)})" for rid, c in held)
                return (f"credit note {iid} has {fmt(-open_)} open, of which {fmt(sum(c for _, c in held))} is held "
                        f"by refund {names} (Refunds): only {fmt(max(-open_ - sum(c for _, c in held), 0))} of it can "
                        f"be netted, not {fmt(-cents)}; leave the credit note out, or cancel a proposed refund (type "
                        "cancelled in its status in Refunds)")
        return ""

    def free(self, pid: str) -> int:
        """What payment ``pid`` has to apply: its unapplied amount less what its proposed refunds hold."""
        left = int(self.pay.at[self.pay_pos[pid], "unapplied_amount"])
        return left - sum(c for _, c in self.held.get(pid, ()))

    def held_by_refund(self, pid: str, net: int) -> str:
        """Why ``net`` cents of payment ``pid`` cannot be applied: its proposed refunds hold the money."""
        held = self.held.get(pid, ())
        left = int(self.pay.at[self.pay_pos[pid], "unapplied_amount"])
        names = ", ".join(f"{rid} ({fmt(c)})" for rid, c in held)
        return (f"payment {pid} has {fmt(left)} unapplied, of which {fmt(sum(c for _, c in held))} is held by "
                f"proposed refund {names}: only {fmt(max(self.free(pid), 0))} can be applied, not {fmt(net)}; "
                "cancel the refund (type cancelled in its status in Refunds) or confirm a smaller amount")

    def agency(self, pid: str) -> str:
        """Why payment ``pid`` is not applied to invoices by a Confirm ('' when it may be): it is a collection
        agency's transfer (``engine.handover.transfer_of``), recorded on a handover already or from the agency of
        one, and it pays the handover's recovery, which already lowered the invoices; the words say how to record
        it on the handover."""
        if pid not in self.pay_pos:
            return ""
        if self._transfer_of is None:
            self.handovers = self.book.optional("Handovers")
            self._transfer_of = handover_engine.transfer_lookup(self.handovers)
        p = self.pay_pos[pid]
        recorded, by_payer = self._transfer_of(pid, self.pay.at[p, "payer_name"])
        if not recorded and not by_payer:
            return ""
        ho = self.handovers
        hid = [frames.text(h) for h in ho["handover_id"]]
        if recorded:
            why = (f"payment {pid} is recorded on handover {', '.join(hid[k] for k in recorded)} as the collection "
                   "agency's transfer: it is not applied to invoices")
            rest = [k for k in by_payer if k not in recorded]
            left = int(self.pay.at[p, "unapplied_amount"])
            if rest and left > 0:
                why += f"; what is left of it ({fmt(left)}) is for the agency's other handovers: " + \
                    self._record_command(rest[0], pid)
            return why
        k = by_payer[0]
        others = [hid[j] for j in by_payer[1:]]
        return (f"payment {pid} is from {frames.text(ho['to'].iloc[k])}, the collection agency of handover {hid[k]}: "
                "its transfer pays the handover's recovery, not invoices; record it on the handover: "
                + self._record_command(k, pid) + (f" (the agency's other handovers: {', '.join(others)})"
                                                  if others else ""))

    def _record_command(self, k: int, pid: str) -> str:
        """``ar-xl handover WORKBOOK --record H-000001 --payment P`` for Handovers position ``k``, with
        ``--recovered AMOUNT`` when the agency has transferred all the handover recovered so far (the
        recovery it reports comes with its transfer)."""
        ho = self.handovers
        src = self.book.source
        src = f'"{src}"' if any(c.isspace() for c in src) else src
        cmd = f"ar-xl handover {src} --record {frames.text(ho['handover_id'].iloc[k])} --payment {pid}"
        owed = frames.cents_of(ho["recovered"].iloc[k] if "recovered" in ho.columns else None) > \
            frames.cents_of(ho["transferred"].iloc[k] if "transferred" in ho.columns else None)
        return cmd if owed else cmd + " --recovered AMOUNT (AMOUNT: what the agency reports it recovered)"

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
        if iban and self._third_party(iban, customer_id):
            return  # a parent or factoring company that pays for this customer: its account and name stay its own
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

    def _third_party(self, iban: str, customer_id: str) -> bool:
        """The account belongs to a customer that declares it pays for ``customer_id`` (Customers.pays_for)."""
        if "pays_for" not in self.cust or "iban" not in self.cust:
            return False
        for ibans, pays_for in zip(self.cust["iban"].tolist(), self.cust["pays_for"].tolist()):
            listed = {x.strip() for part in split_list(pays_for) for x in str(part).split(",")}
            if customer_id in listed and iban in {normalise_iban(x) for x in split_list(ibans)}:
                return True
        return False

    def finish(self) -> None:
        for pid in self.touched:
            p = self.pay_pos[pid]
            if str(self.pay.at[p, "status"]).lower() == "ignored":
                continue
            left, total = int(self.pay.at[p, "unapplied_amount"]), int(self.pay.at[p, "amount"])
            self.pay.at[p, "status"] = payment_status(left, total)
        self.change.tables["Invoices"] = self.inv
        self.change.tables["Payments"] = self.pay
        self.change.tables["Customers"] = self.cust


def _cents(v) -> int:
    return 0 if pd.isna(v) or v == "" else int(v)


def allocation_keys(matches: pd.DataFrame, ledger: _Ledger) -> list:
    """Per Matches row, the allocation it is reversed whole with (``None``: on its own).

    * a credit note's allocation: ``(credit note, run_id)``, every row whose ``payment_id`` is the credit note;
    * a payment's netted allocation: ``(payment, run_id, rank)`` — its applied rows of one proposal (applied
      automatically or confirmed), or of one list assigned by hand, when a credit note is netted in them (a row with
      a negative ``applied_amount``): they add up to what the payment paid only together."""
    pid, rid = frames.texts(matches["payment_id"]).tolist(), frames.texts(matches["run_id"]).tolist()
    rank = frames.texts(matches["rank"]).tolist()
    applied = matches["applied"].astype(bool).tolist()
    cents = [_cents(v) for v in matches["applied_amount"]]
    notes = [ledger.credit_note(p) for p in pid]
    netted = {(p, r, k) for p, r, k, a, c, n in zip(pid, rid, rank, applied, cents, notes) if a and c < 0 and not n}
    return [(p, r) if n else (p, r, k) if (p, r, k) in netted else None
            for p, r, k, n in zip(pid, rid, rank, notes)]


def whole_allocations(matches: pd.DataFrame, ledger: _Ledger, picked) -> np.ndarray:
    """``picked`` (a boolean per Matches row) widened to every applied row of each allocation it touches that is
    reversed whole (``allocation_keys``: a credit note's allocation, a payment's allocation with a credit note
    netted): its rows net to what was paid only together, so it is reversed whole, never row by row."""
    picked = np.asarray(picked, dtype=bool)
    keys = allocation_keys(matches, ledger)
    applied = matches["applied"].astype(bool).tolist()
    hit = {k for k, s in zip(keys, picked) if s and k is not None}
    return picked | np.array([k in hit and a for k, a in zip(keys, applied)], dtype=bool)


def reverse_rows(ledger: _Ledger, matches: pd.DataFrame, rows, user: str, rule: str) -> None:
    """Reverse the applied Matches rows at positions ``rows`` (``matches`` is changed in place): amounts back on
    the invoice and the payment, ``applied`` FALSE, review Reject and reviewed_by ``user`` where the review is
    blank (a review a person typed stays), each logged in Audit as done by ``user``."""
    for c in ("review", "reviewed_by"):
        matches[c] = matches[c].astype(object)
    at = {c: matches.columns.get_loc(c) for c in ("applied", "review", "reviewed_by")}
    for i in rows:
        r = matches.iloc[i]
        ledger.apply(frames.text(r["payment_id"]), frames.text(r["invoice_id"]), _cents(r["applied_amount"]), rule,
                     sign=-1, write_off=_cents(r["write_off"]))
        matches.iat[i, at["applied"]] = False
        if not _review(r["review"]):
            matches.iat[i, at["review"]] = "Reject"
            matches.iat[i, at["reviewed_by"]] = user
        ledger.change.log(user, "Matches", r["match_id"], "applied", True, False, "reject")


def _review(v) -> str:
    return str(v or "").strip().lower()


HAND = "assigned by hand"
"""Flag of a Matches row whose typed invoice_id was applied as rows of their own (``_by_hand``)."""
REFUSED = "refused"
"""Flag of a confirmed row that could not be applied; reported once, when it is first refused."""


def parse_assignment(text: str) -> list[tuple[str, int | None]]:
    """The invoices typed in a Matches row's invoice_id to assign a payment by hand.

    ``2026-001234`` (one invoice: as much as both the payment and the invoice allow), or a list
    ``2026-001234: 100.00; 2026-001240: 50,00`` — entries separated by ``;`` (or new lines), each an
    invoice id, a colon and an amount in the payment's currency with ``.`` or ``,`` before the cents (at
    most two decimals; a credit note netted is a negative amount).  Raises ``ValueError`` in words."""
    entries = [e.strip() for e in re.split(r"[;\n]", str(text or "")) if e.strip()]
    out: list[tuple[str, int | None]] = []
    for e in entries:
        iid, sep, amount = e.partition(":")
        iid = iid.strip()
        if not iid:
            raise ValueError(f"no invoice id before the colon in {e!r}")
        if sep:
            try:
                cents = parse_amount(amount)
            except ValueError as err:
                raise ValueError(f"{iid}: {err}") from None
            if cents == 0:
                raise ValueError(f"{iid}: the amount is 0")
            out.append((iid, cents))
        else:
            out.append((iid, None))
    if not out:
        raise ValueError("no invoice id")
    if len(out) > 1 and any(c is None for _, c in out):
        raise ValueError("a list of invoices needs an amount after each id ('2026-001234: 100.00; 2026-001240: 50,00')")
    seen = set()
    for iid, _ in out:
        if iid in seen:
            raise ValueError(f"invoice {iid} is listed twice")
        seen.add(iid)
    return out


def _flags_with(flags, add: str = "", drop: str = "") -> str:
    items = [f for f in str(flags or "").split(";") if f.strip() and f != drop]
    if add and add not in items:
        items.append(add)
    return ";".join(sorted(items))


_ASSIGNED = "assigned by hand ["
"""How the evidence of a typed row begins once applied: ``assigned by hand [<what was typed>]: …``."""


def _hand_done(row) -> bool:
    """A typed row whose assignment was applied (flagged ``assigned by hand``, not one of the ``manual`` rows it
    made) and whose invoice_id still says what was applied then: nothing more to do.  A new list typed on it
    is a new assignment of what is left of the payment (``_is_hand``)."""
    if HAND not in str(row["flags"] or "").split(";") or str(row["decision"] or "").strip().lower() == "manual":
        return False
    ev = "" if blank(row["evidence"]) else str(row["evidence"])
    if not ev.startswith(_ASSIGNED) or "]: " not in ev:
        return True  # applied before the typed text was kept: as it stands
    return ev[len(_ASSIGNED):ev.index("]: ")] == str(row["invoice_id"] or "").strip()


def _is_hand(row) -> bool:
    """A confirmed row whose invoice_id a person typed: on an unmatched row, or a list of invoices (a row
    the engine proposed with nothing to apply, a possible duplicate, stays as it is: confirming it applies
    nothing)."""
    iid = str(row["invoice_id"] or "")
    return str(row["decision"] or "").strip().lower() == "unmatched" or ":" in iid or ";" in iid


def apply_decisions(book: Book, change: Change | None = None, ledger: _Ledger | None = None) -> Change:
    """Apply confirmed Matches rows and reverse rejected applied ones (see the module rules)."""
    change = change or Change("apply_decisions")
    own = ledger is None
    ledger = ledger or _Ledger(book, change)
    matches = book.get("Matches").copy()
    done = reversed_ = by_hand = 0
    refused_new, refused_old = [], 0
    problems = []
    for c in ("flags", "evidence"):
        matches[c] = matches[c].astype(object)
    flags_col, ev_col = matches.columns.get_loc("flags"), matches.columns.get_loc("evidence")
    applied_col = matches.columns.get_loc("applied")

    def refuse(rows: list[int], why: str) -> None:
        nonlocal refused_old
        for j in rows:
            r = matches.iloc[j]
            problems.append(f"{r['match_id']}: {why}")
            ev = "" if blank(r["evidence"]) else str(r["evidence"])
            if REFUSED in str(r["flags"] or "").split(";") and (ev == f"refused: {why}" or ev.startswith(f"refused: {why} | ")):
                refused_old += 1  # reported when it was first refused for this reason
                continue
            if ev.startswith("refused: "):
                ev = ev.split(" | ", 1)[1] if " | " in ev else ""
            refused_new.append(f"Matches row {r['match_id']}: {why}")
            matches.iat[j, flags_col] = _flags_with(r["flags"], add=REFUSED)
            matches.iat[j, ev_col] = f"refused: {why}" + (f" | {ev}" if ev else "")
            change.log(book.user, "Matches", r["match_id"], "flags", r["flags"], matches.iat[j, flags_col], "confirm refused")

    def clear_refused(j: int) -> None:
        r = matches.iloc[j]
        if REFUSED in str(r["flags"] or "").split(";"):
            matches.iat[j, flags_col] = _flags_with(r["flags"], drop=REFUSED)
            ev = str(r["evidence"] or "")
            matches.iat[j, ev_col] = ev.split(" | ", 1)[1] if ev.startswith("refused: ") and " | " in ev else (
                "" if ev.startswith("refused: ") else ev)

    # the confirmed rows of one proposal (payment, run, rank: an invoice and the credit
    # notes netted against it) are applied together or refused together
    proposal: dict[tuple, list[int]] = {}
    hand: list[int] = []
    done_by_hand: set[int] = set()
    for i in range(len(matches)):
        row = matches.iloc[i]
        if _review(row["review"]) != "confirm" or bool(row["applied"]) or not str(row["invoice_id"] or "").strip():
            continue
        if _hand_done(row):
            done_by_hand.add(i)
            continue
        if _is_hand(row):
            hand.append(i)
        else:
            proposal.setdefault((str(row["payment_id"]), str(row["run_id"]), str(row["rank"])), []).append(i)
    handled: set[int] = set(hand)
    # a Reject on any applied row of an allocation reversed whole (a credit note's allocation, as credits --reverse;
    # a payment's allocation with a credit note netted) reverses all its rows
    rejected = ((matches["review"].map(_review) == "reject") & matches["applied"].astype(bool)).to_numpy()
    keys = allocation_keys(matches, ledger)
    groups: dict[tuple, list[int]] = {}
    for j in np.flatnonzero(whole_allocations(matches, ledger, rejected)):
        if keys[j] is not None:
            groups.setdefault(keys[j], []).append(int(j))
    for key, group in groups.items():
        handled.update(group)
        rows = [matches.iloc[j] for j in group]
        src, run = key[0], key[1]
        if len(key) == 2:
            what = f"credit note {src}'s allocation {run}"
        else:
            netted = ", ".join(frames.text(r["invoice_id"]) for r in rows if _cents(r["applied_amount"]) < 0)
            what = f"payment {src}'s allocation {run} with credit note {netted} netted"
        typed = [f"{r['match_id']} has review {frames.text(r['review'])!r}" for r in rows
                 if _review(r["review"]) not in ("", "reject")]
        gone = [f"{r['match_id']}: {why}" for r in rows if (why := ledger.missing(src, frames.text(r["invoice_id"])))]
        if typed or gone:
            refuse(group, f"{what} is reversed whole, all its rows ("
                   + ", ".join(frames.text(r["match_id"]) for r in rows) + "), and cannot be: "
                   + "; ".join(typed + gone) + ("; type Reject on each of its rows (or clear the review) and apply "
                                                 "again" if typed else ""))
            continue
        who = next((frames.text(r["reviewed_by"]) for r in rows
                    if _review(r["review"]) == "reject" and frames.text(r["reviewed_by"])), book.user)
        reverse_rows(ledger, matches, group, who, f"rejected: {what} reversed whole")
        for j in group:  # refused before (a Confirm typed on one of its rows): done now
            clear_refused(j)
        reversed_ += len(group)
    new_rows = []
    for i in range(len(matches)):
        row = matches.iloc[i]
        review, applied = _review(row["review"]), bool(row["applied"])
        pid, iid = str(row["payment_id"]), str(row["invoice_id"] or "")
        cents, wo = _cents(row["applied_amount"]), _cents(row["write_off"])
        if review == "confirm" and not applied:
            if i in hand:
                why = ledger.agency(pid)  # an agency's transfer is the handover's, typed invoices or not
                n, why = (0, why) if why else _by_hand(book, change, ledger, matches, i, new_rows)
                if why:
                    refuse([i], why)
                else:
                    clear_refused(i)
                    by_hand += 1
                    done += n
                continue
            if not iid or cents == 0 or i in handled or i in done_by_hand:
                continue
            group = proposal[(pid, str(row["run_id"]), str(row["rank"]))]
            handled.update(group)
            rows = [matches.iloc[j] for j in group]
            why = ledger.agency(pid) or ledger.can_apply_all(pid, [
                (str(r["invoice_id"]), _cents(r["applied_amount"]), 0 if _repointed(r) else _cents(r["write_off"]))
                for r in rows])
            if why:
                refuse(group, why)
                continue
            for j, r in zip(group, rows):
                if _repointed(r):
                    _refresh_repointed(book, change, ledger, matches, j)
                    r = matches.iloc[j]
                ledger.apply(pid, str(r["invoice_id"]), _cents(r["applied_amount"]),
                             f"confirmed by {r['reviewed_by'] or book.user}", write_off=_cents(r["write_off"]))
                matches.iat[j, applied_col] = True
                clear_refused(j)
                change.log(book.user, "Matches", r["match_id"], "applied", False, True, "confirm")
                done += 1
            ledger.learn(pid, str(matches.iloc[i]["customer_id"]))  # the invoice's customer, also when re-pointed
        elif review == "reject" and applied and i not in handled:
            why = ledger.missing(pid, iid)
            if why:
                refuse([i], why)
                continue
            ledger.apply(pid, iid, cents, "rejected: reversed", sign=-1, write_off=wo)
            matches.iat[i, applied_col] = False
            change.log(book.user, "Matches", row["match_id"], "applied", True, False, "reject")
            reversed_ += 1
    if new_rows:
        matches = pd.concat([matches, _typed(new_rows, matches.columns)], ignore_index=True)
    change.tables["Matches"] = matches
    if own:
        ledger.finish()
    parts = [f"applied {done} confirmed match(es)"]
    if by_hand:
        parts.append(f"{by_hand} payment(s) assigned by hand")
    if reversed_:
        parts.append(f"reversed {reversed_} rejected one(s)")
    if refused_new:
        parts.append(f"refused {len(refused_new)}: " + "; ".join(refused_new[:5])
                     + (f" (and {len(refused_new) - 5} more)" if len(refused_new) > 5 else "")
                     + " (flagged 'refused' on the row; fix it and run again)")
    change.summary = ", ".join(parts)
    change.problems = problems  # type: ignore[attr-defined]
    if own:
        change.warnings = book.warnings
    return change


def _repointed(row) -> bool:
    """A proposed row on which a person typed another invoice_id: its match id (``match_id``) names the
    invoice it was proposed for, and that is not the invoice it now holds."""
    mid, pid, iid = (str(row[c] or "").strip() for c in ("match_id", "payment_id", "invoice_id"))
    base = f"M-{pid}-{iid}"
    return mid.startswith(f"M-{pid}-") and mid != base and not mid.startswith(base + "-")


_OLD_INVOICE_FLAGS = ("short_pay", "unearned_discount", "tolerance")
"""Flags the engine gave a row for the invoice it proposed; a re-pointed row is flagged anew (``short_pay`` only)."""


def _refresh_repointed(book: Book, change: Change, ledger: _Ledger, matches: pd.DataFrame, j: int) -> None:
    """Row ``j`` was re-pointed to another invoice (``_repointed``), about to be applied: its system columns
    ``open_amount``, ``short_pay``, ``customer_id`` and ``flags`` follow that invoice (what is open on it now,
    what this row leaves open; the engine's reading of the old invoice, an unearned discount or a tolerance
    written off, is dropped: ``write_off`` 0).
    What the person typed (review, invoice_id, applied_amount, note) stays."""
    r = matches.iloc[j]
    iid = str(r["invoice_id"]).strip()
    k = ledger.inv_pos[iid]
    open_ = int(ledger.inv.at[k, "open_amount"])
    short = max(0, open_ - _cents(r["applied_amount"])) if open_ > 0 else 0
    flags = [f for f in str(r["flags"] or "").split(";") if f.strip() and f not in _OLD_INVOICE_FLAGS]
    new = {"open_amount": open_, "short_pay": short, "write_off": 0,
           "customer_id": str(ledger.inv.at[k, "customer_id"]),
           "flags": ";".join(sorted(flags + (["short_pay"] if short else [])))}
    for c, v in new.items():
        money = c in ("open_amount", "short_pay", "write_off")
        old = (None if blank(r[c]) else _cents(r[c])) if money else ("" if blank(r[c]) else str(r[c]).strip())
        if old == v:
            continue
        matches.iat[j, matches.columns.get_loc(c)] = v
        shown = (lambda x: "" if x is None else fmt(x)) if money else str
        change.log(book.user, "Matches", r["match_id"], c, shown(old), shown(v), f"re-pointed to invoice {iid}")


def _by_hand(book: Book, change: Change, ledger: _Ledger, matches: pd.DataFrame, i: int,
             new_rows: list[dict]) -> tuple[int, str]:
    """Apply the invoices a person typed in row ``i``'s invoice_id (``parse_assignment``): one new applied
    row per invoice (``M-<payment>-<invoice>-hand``), the typed row flagged ``assigned by hand``.
    Returns (rows applied, why refused — '' when applied); all or nothing."""
    row = matches.iloc[i]
    pid, where = str(row["payment_id"]), f"row {i + 2}"
    try:
        wanted = parse_assignment(row["invoice_id"])
    except ValueError as e:
        return 0, f"({where}) invoice_id {str(row['invoice_id'])!r}: {e}"
    if len(wanted) == 1 and wanted[0][1] is None and _cents(row["applied_amount"]):
        wanted = [(wanted[0][0], _cents(row["applied_amount"]))]  # an amount typed in applied_amount
    why = ledger.missing(pid, *(iid for iid, _ in wanted))
    if why:
        return 0, f"({where}) {why}"
    p = ledger.pay_pos[pid]
    pay_ccy = str(ledger.pay.at[p, "currency"] or "").strip().upper()
    left = ledger.free(pid)
    allocs = []
    customers = set()
    for iid, cents in wanted:
        k = ledger.inv_pos[iid]
        ccy = str(ledger.inv.at[k, "currency"] or "").strip().upper()
        if pay_ccy and ccy and ccy != pay_ccy:
            return 0, f"({where}) invoice {iid} is in {ccy}, the payment in {pay_ccy}"
        open_ = int(ledger.inv.at[k, "open_amount"])
        if cents is None:
            cents = min(left, open_)
            if cents <= 0 and open_ > 0 and ledger.held.get(pid):
                return 0, f"({where}) {ledger.held_by_refund(pid, open_)}"
            if cents <= 0:
                return 0, f"({where}) invoice {iid} has nothing open" if open_ <= 0 else f"({where}) payment {pid} has nothing left to apply"
        elif (cents < 0) != (open_ < 0):
            return 0, (f"({where}) invoice {iid} has {fmt(open_)} open: an amount for it must be "
                       + ("negative (a credit note)" if open_ < 0 else "above 0"))
        allocs.append((iid, cents, 0))
        customers.add(str(ledger.inv.at[k, "customer_id"]))
    why = ledger.can_apply_all(pid, allocs)
    if why:
        return 0, f"({where}) {why}"
    who = str(row["reviewed_by"] or "").strip() or book.user
    ids = set(matches["match_id"].astype(str)) | {r["match_id"] for r in new_rows}
    for iid, cents, _ in allocs:
        k = ledger.inv_pos[iid]
        open_ = int(ledger.inv.at[k, "open_amount"])
        ledger.apply(pid, iid, cents, f"assigned by hand by {who}")
        mid = f"M-{pid}-{iid}-hand"
        if mid in ids:
            mid = f"{mid}-{change.run_id}"
        ids.add(mid)
        new_rows.append({
            "match_id": mid, "run_id": change.run_id, "payment_id": pid, "invoice_id": iid,
            "customer_id": str(ledger.inv.at[k, "customer_id"]), "payer_name": row["payer_name"],
            "value_date": row["value_date"], "payment_amount": row["payment_amount"], "currency": row["currency"],
            "remittance": row["remittance"], "open_amount": open_, "applied_amount": cents,
            "difference": pd.NA, "short_pay": max(0, open_ - cents) if open_ > 0 else 0, "write_off": 0,
            "confidence": 1.0, "decision": "manual", "rank": pd.NA, "rule": "by hand",
            "evidence": f"assigned by hand by {who} on Matches row {row['match_id']}", "flags": HAND,
            "review": "Confirm", "reviewed_by": who, "applied": True, "note": "",
        })
        change.log(book.user, "Matches", mid, "applied", False, True, f"assigned by hand on {row['match_id']}")
    matches.iat[i, matches.columns.get_loc("flags")] = _flags_with(row["flags"], add=HAND)
    before = "" if blank(row["evidence"]) else str(row["evidence"])
    if before.startswith("assigned by hand"):  # a new list on a row assigned before: its first evidence stays
        before = before.split(" | ", 1)[1] if " | " in before else ""
    typed = str(row["invoice_id"] or "").strip()
    matches.iat[i, matches.columns.get_loc("evidence")] = (
        f"{_ASSIGNED}{typed}]: {len(allocs)} row(s) M-{pid}-…-hand" + (f" | {before}" if before else ""))
    if len(customers) == 1:
        ledger.learn(pid, next(iter(customers)))
    return len(allocs), ""


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


def _applied_less(matches: pd.DataFrame, pending: pd.DataFrame) -> dict[str, dict[str, str]]:
    """What a person already decided, for the engine (``matching.match(applied_less=…)``): ``{payment_id:
    {invoice_id: words}}``, the invoices a person applied less of a payment with money left to than both had.

    A confirmed row counts (review Confirm, applied; a suggestion or a row assigned by hand, not an ``auto`` one)
    when its proposal (payment, run, rank) applied less than the payment had left (``payment_amount``) and the row
    left the invoice open (``applied_amount`` + ``write_off`` below ``open_amount``): a smaller amount typed before
    the Confirm.  The rest of the payment is then never applied to that invoice automatically (suggested, the words
    in its evidence)."""
    if not len(matches) or not len(pending):
        return {}
    left = set(pending["payment_id"].map(frames.text))
    m = matches[matches["applied"].astype(bool).to_numpy()]
    m = m[(m["review"].map(_review) == "confirm").to_numpy()]
    m = m[m["payment_id"].map(frames.text).isin(left).to_numpy() & (m["decision"].map(_review) != "auto").to_numpy()
          & (m["invoice_id"].map(frames.text) != "").to_numpy()]
    out: dict[str, dict[str, str]] = {}
    keys = [m["payment_id"].map(frames.text), m["run_id"].map(frames.text), m["rank"].map(frames.text)]
    for (pid, _, _), g in m.groupby(keys, sort=False):
        had = [_cents(v) for v in g["payment_amount"] if not blank(v)]
        if had and sum(_cents(v) for v in g["applied_amount"]) >= max(had):
            continue  # the proposal took all the payment had left
        for r in g.itertuples(index=False):
            open_, cents = (None if blank(r.open_amount) else _cents(r.open_amount)), _cents(r.applied_amount)
            if open_ is None or open_ <= 0 or cents <= 0 or cents + _cents(r.write_off) >= open_:
                continue
            iid, who = frames.text(r.invoice_id), frames.text(r.reviewed_by) or "a person"
            said = (f"a person applied less of this payment to {iid} on Matches row {r.match_id} ({who} confirmed "
                    f"{fmt(cents)} of {fmt(open_)} open): the rest is only suggested there")
            mine = out.setdefault(pid, {})
            mine[iid] = f"{mine[iid]}; {said}" if iid in mine else said
    return out


def _parked(matches: pd.DataFrame, pending: pd.DataFrame) -> set[str]:
    """Payments whose rest is unapplied cash an automatic match left (the rest of an overpayment): their
    row says so and stays until a person decides (type an invoice on it and Confirm) or a re-run finds an
    automatic allocation for it; a re-run does not replace it with a suggestion."""
    if not len(matches) or not len(pending):
        return set()
    left = dict(zip(pending["payment_id"].astype(str), pending["unapplied_amount"].astype(np.int64)))
    m = matches[matches["payment_id"].astype(str).isin(set(left)) & ~matches["applied"].astype(bool)]
    out = set()
    for pid, g in m.groupby(m["payment_id"].astype(str)):
        cash = (g["decision"].astype(str) == "auto") & g["flags"].fillna("").astype(str).str.contains("unapplied_cash") \
            & (g["invoice_id"].fillna("").astype(str) == "") & (g["review"].map(_review) == "")
        if len(g) and cash.all() and sum(_cents(v) for v in g["applied_amount"]) == left[pid]:
            out.add(pid)
    return out


def _plans_now(book: Book) -> pd.DataFrame | None:
    """The Plans rows with ``paid`` as the payments matched so far pay them (``plan.update_plans`` as of
    today), so the installment a payment pays is the next one not yet paid even when no one ran
    ``plan update`` since the last match; the table as it is when that cannot be worked out."""
    plans = book.optional("Plans")
    if plans is None or not len(plans):
        return plans
    from .plan import counted_matches, update_plans
    # only money already matched counts: each payment as much as its counted match rows (the rest, or a
    # payment with no such rows, would count by IBAN: it is the money being read)
    m, pay = book.get("Matches"), book.get("Payments")
    ids = pd.Series(frames.texts(pay["payment_id"]), index=pay.index)
    mm = m.loc[counted_matches(m, ids)] if len(m) else m
    matched = mm["applied_amount"].astype(np.int64).groupby(frames.texts(mm["payment_id"])).sum()
    seen = ids.isin(matched.index).to_numpy()
    view = Book({**book.tables, "Payments": pay.loc[seen].assign(amount=ids[seen].map(matched).astype("Int64"))},
                source=book.source, user=book.user)
    try:
        return update_plans(view).tables.get("Plans", plans)
    except ArXlError:
        return plans


_COMPARED = ("invoice_id", "customer_id", "applied_amount", "short_pay", "write_off", "decision", "rank", "rule",
             "evidence", "flags", "open_amount", "difference", "payment_amount", "currency", "remittance",
             "value_date", "payer_name")
"""What a re-run compares to decide that a payment's proposal did not change (its rows are then left as they
are: no new run id, no Audit row)."""


def _same(a, b) -> bool:
    """One cell as the workbook holds it and as this run would write it: blanks alike, numbers by value
    (a confidence read back as a float), dates as dates, text as text."""
    if blank(a) or blank(b):
        return blank(a) and blank(b)
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    if isinstance(a, (pd.Timestamp, dt.date)) or isinstance(b, (pd.Timestamp, dt.date)):
        try:
            return pd.Timestamp(a) == pd.Timestamp(b)
        except (TypeError, ValueError):
            return False
    try:
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return a == b


def _unchanged(old_rows: pd.DataFrame, new_rows: list[dict]) -> bool:
    """The payment's new rows are the rows it already has: same match ids, same proposal, same display."""
    if len(old_rows) != len(new_rows):
        return False
    by_id = {mid: i for i, mid in enumerate(old_rows["match_id"])}
    if set(by_id) != {r["match_id"] for r in new_rows}:
        return False
    for r in new_rows:
        o = old_rows.iloc[by_id[r["match_id"]]]
        if bool(o["applied"]) != bool(r["applied"]) or _review(o["review"]):
            return False
        for c in _COMPARED + ("confidence",):
            if c in o.index and not _same(o[c], r.get(c)):
                return False
    return True


def to_match(payments: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``payments`` a match run reads: a payment with money left to apply (its ``unapplied_amount``;
    its ``amount`` where that cell is empty or the table has no such column) whose ``status`` is not ``ignored``.
    ``run`` matches these; so does ``=AR_MATCH`` (``udfs.core.match_table``) on the table as Excel hands it over."""
    if not len(payments):
        return payments
    amount = payments["amount"]
    left = payments["unapplied_amount"].fillna(amount) if "unapplied_amount" in payments else amount
    keep = (left.fillna(0) != 0).to_numpy(dtype=bool)
    if "status" in payments:
        keep = keep & (frames.texts(payments["status"], "lower") != "ignored")
    return payments.loc[keep]


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
    pending = to_match(ledger.pay)
    parked = _parked(matches, pending)
    less = _applied_less(matches, pending)
    # every invoice, settled ones too: a remittance naming a settled invoice is a possible duplicate,
    # and the evidence names the payments applied to it; plans and promises: an installment or a
    # promised amount paid is read as such
    cfg = book.config
    result = (matching.match(pending, ledger.inv, ledger.cust, cfg, paid_by=_paid_by(matches, ledger.pay),
                             plans=_plans_now(book), promises=book.optional("Promises"),
                             handovers=book.optional("Handovers"), applied_less=less)
              if len(pending) else pd.DataFrame(columns=OUT_COLUMNS))
    for c in OUT_COLUMNS:
        if c not in result.columns:
            result[c] = 0 if c in ("short_pay", "write_off", "open_amount") else ""
    result["invoice_id"] = result["invoice_id"].fillna("").astype(str)
    result["payment_id"] = result["payment_id"].astype(str)
    # the rest of an overpayment stays unapplied cash unless it now pays something for certain (an invoice
    # the ERP reopened): a mere suggestion for it would replace the row on every run
    auto_pids = set(result.loc[result["decision"] == "auto", "payment_id"])
    result = result[~result["payment_id"].isin(parked - auto_pids)].copy()
    # never propose a pair a collector rejected; a payment with one loses its auto decision
    is_rej = [(p, i) in rejected for p, i in zip(result["payment_id"], result["invoice_id"])]
    hit = set(result.loc[is_rej, "payment_id"])
    result = _unmatched_when_rejected(result, is_rej, hit, matches)
    result.loc[result["payment_id"].isin(hit) & (result["decision"] == "auto"), "decision"] = "suggested"
    # existing rows per payment that nobody reviewed are replaced by this run's
    new_rows = []
    auto_n = sugg_n = unm_n = 0
    kind_of: dict[str, int] = {}  # each payment once: 0 applied automatically, 1 left for review, 2 unmatched
    pay = ledger.pay.set_index(ledger.pay["payment_id"].astype(str))
    pay = pay[~pay.index.duplicated(keep="first")]
    payer = pay["payer_name"].astype(str).to_dict()
    sub = pay[pay.index.isin(set(result["payment_id"]))]
    shown = dict(zip(sub.index, zip(sub["value_date"], sub["unapplied_amount"].astype(np.int64).tolist(),
                                    sub["currency"].fillna("").astype(str).str.strip().str.upper(),
                                    sub["remittance"].fillna("").astype(str))))
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
        while r.invoice_id in less.get(r.payment_id, ()) and mid in decided_ids:
            mid += "-rest"  # the rest suggested where a person applied less on this id: a row of its own, every run
        auto_n += decision == "auto"
        sugg_n += decision == "suggested"
        unm_n += decision == "unmatched"
        kind_of[r.payment_id] = min(kind_of.get(r.payment_id, 2), {"auto": 0, "suggested": 1}.get(decision, 2))
        vd, amount, ccy, remittance = shown.get(r.payment_id, (pd.NaT, 0, "", ""))
        diff = getattr(r, "difference", None)
        new_rows.append({
            "match_id": mid, "run_id": change.run_id, "payment_id": r.payment_id, "invoice_id": r.invoice_id,
            "customer_id": r.customer_id or "", "payer_name": payer.get(r.payment_id, ""),
            "value_date": vd, "payment_amount": amount, "currency": ccy or str(getattr(r, "currency", "") or ""),
            "remittance": remittance,
            "open_amount": _cents(getattr(r, "open_amount", 0)) if r.invoice_id else pd.NA,
            "difference": pd.NA if diff is None or blank(diff) else int(diff),
            "applied_amount": cents, "short_pay": int(r.short_pay or 0) if not pd.isna(r.short_pay) else 0,
            "write_off": wo, "confidence": float(r.confidence or 0), "decision": decision,
            "rank": pd.NA if pd.isna(r.rank) or r.rank == "" else int(r.rank),
            "rule": r.rule, "evidence": r.evidence, "flags": r.flags or "",
            "review": "", "reviewed_by": "", "applied": applied, "note": "",
        })
    # a payment whose proposal did not change keeps its rows as they are (no new run id, no Audit row)
    old_by_pay = {pid: g for pid, g in old.groupby(old["payment_id"].astype(str), sort=False)} if len(old) else {}
    by_pay: dict[str, list[dict]] = {}
    for row in new_rows:
        by_pay.setdefault(row["payment_id"], []).append(row)
    same = {pid for pid, rows in by_pay.items()
            if pid in old_by_pay and _unchanged(old_by_pay[pid][~old_by_pay[pid]["match_id"].isin(decided_ids)],
                                                [r for r in rows if r["match_id"] not in decided_ids])
            and not any(r["applied"] for r in rows)}
    new_rows = [row for row in new_rows if row["payment_id"] not in same]
    new = _typed(new_rows, matches.columns) if new_rows else matches.iloc[0:0]
    # keep the decided rows as they are; withdraw stale unreviewed suggestions of re-matched payments
    rematched = set(result["payment_id"])
    new_ids = set(new["match_id"])
    stale = old[old["payment_id"].astype(str).isin(rematched - same) & ~old["match_id"].isin(new_ids)
                & (old["review"].map(_review) == "") & ~old["applied"].astype(bool)]
    new = new[~new["match_id"].isin(decided_ids)].copy()
    withdrawn = set(stale["match_id"]) - _carry_own_columns(old, stale, new)
    change.remove["Matches"] = withdrawn
    kept = old[~old["match_id"].isin(set(new["match_id"]) | withdrawn)]
    change.tables["Matches"] = pd.concat([kept, new], ignore_index=True) if len(new) else kept
    before = dict(zip(old["match_id"], old["decision"]))
    for r in new.itertuples(index=False):
        if before.get(r.match_id) != r.decision:
            change.log(book.user, "Matches", r.match_id, "decision", before.get(r.match_id), r.decision, r.rule)
    for mid in sorted(withdrawn):
        change.log(book.user, "Matches", mid, "decision", before.get(mid), "withdrawn", "no longer proposed")
    ledger.finish()
    change.warnings = book.warnings
    kinds = list(kind_of.values())
    change.summary = (f"{decided_summary}; considered {len(rematched)} payment(s): {kinds.count(0)} applied "
                      f"automatically ({auto_n} allocation(s)), {kinds.count(1)} left for review ({sugg_n} "
                      f"suggestion(s)), {kinds.count(2)} unmatched"
                      + (f" ({len(same)} payment(s) unchanged)" if same else ""))
    return change


def _unmatched_when_rejected(result: pd.DataFrame, is_rej: list[bool], hit: set, matches: pd.DataFrame) -> pd.DataFrame:
    """``result`` without the rows of pairs a collector rejected (``is_rej``), and an ``unmatched`` row for each
    payment of ``hit`` (a payment with such a pair) left with no invoice proposed (at most the unapplied rest of an
    overpayment): like any payment with nothing applied it shows as unmatched, its evidence naming the rejected
    Matches rows (which stay as they are)."""
    before = result
    result = result.loc[[not r for r in is_rej]].copy()
    empty = sorted(hit - set(result.loc[result["invoice_id"] != "", "payment_id"]))
    if not empty:
        return result
    rej = matches[matches["review"].map(_review) == "reject"]
    rows = []
    for pid in empty:
        was = before[before["payment_id"] == pid]
        said = rej[rej["payment_id"].astype(str) == pid]
        named = ", ".join(f"{frames.text(i)} (Matches row {frames.text(m)})" if frames.text(i)
                          else f"Matches row {frames.text(m)}" for i, m in zip(said["invoice_id"], said["match_id"]))
        customers = set(was["customer_id"].fillna("").astype(str))
        agency = any("collection agency" in str(f).split(";") for f in was["flags"])
        rows.append({
            "payment_id": pid, "invoice_id": "", "customer_id": customers.pop() if len(customers) == 1 else "",
            "currency": was["currency"].iloc[0] if "currency" in was else "", "applied_amount": 0,
            "short_pay": 0, "write_off": 0, "confidence": 0.0, "decision": "unmatched", "rank": pd.NA,
            "rule": "none", "evidence": f"nothing proposed but what was rejected: {named}; assign it by hand or ask "
                                        "the customer which invoices it pays",
            "flags": "collection agency" if agency else "", "open_amount": 0, "difference": pd.NA})
    keep = result[~result["payment_id"].isin(set(empty))]
    return pd.concat([keep, pd.DataFrame(rows, columns=result.columns)], ignore_index=True)


def _typed(rows: list[dict], columns) -> pd.DataFrame:
    """New Matches rows as a frame with the table's columns (money Int64, dates datetime64)."""
    df = pd.DataFrame(rows, columns=list(columns))
    for c in MATCHES.columns:
        if c.name not in df.columns:
            continue
        if c.kind in ("money", "int"):
            df[c.name] = pd.array([pd.NA if blank(v) else int(v) for v in df[c.name]], dtype="Int64")
        elif c.kind == "date":
            df[c.name] = pd.to_datetime(pd.Series([pd.NaT if blank(v) else v for v in df[c.name]], dtype=object)
                                        ).astype("datetime64[ns]")
    return df

"""Handing items over to a collection agency or lawyer, and what they report back.  Pure: frames in, frames out.

Rules
-----
* **What is handed over**: open invoices (open amount above 0) of one customer, in one currency, none of them
  already on a live handover.  Named invoices are checked one by one (unknown, another customer's, a credit
  note or nothing open, already handed over: each is named); without names every open invoice of the customer
  not yet handed over goes.  ``amount`` is their open amount at the handover.
* **Only invoices that existed on the handover date**: an invoice dated after it (invoice date later than the
  handover date) cannot be handed over on it; named, it is refused (saying when it was issued), unnamed it is
  left out.  An empty invoice date does not keep an invoice out.
* **A live handover** is a Handovers row whose status is not ``closed`` (``open``, ``recovered`` or blank):
  its invoices are in the state ``in legal`` (``engine.states``), which stops reminders and keeps them off the
  worklist.  Closing a handover (a person types ``closed``) gives them back to the other records.
* **Recoveries** the agency reports lower the handover's open invoices **oldest first** (due date, then invoice
  date, then id), each never below 0, to the cent; a recovery above what the handover's invoices have open is
  refused, naming both amounts.  ``recovered`` and ``costs`` add up on the Handovers row; once nothing of its
  invoices is open the status becomes ``recovered``.  Costs are recorded, never taken from the invoices.
* **What each invoice recovered** is kept on the Handovers row (``recovered_items``: ``invoice: amount; …``),
  and what of it the ERP shows booked (``recovered_in_erp``, the same way).  Until the ERP books it, a
  recovery is money the agency collected that the ERP's open amount does not show yet: an ERP sync keeps it
  off the invoice, as it keeps the cash ar-xl applied (``unbooked_recoveries``, ``engine.sync``).
* **The agency's transfers**: the money an agency recovers reaches the bank as its own transfer, often net of its
  costs, sometimes one transfer for several handovers. Recorded with the recovery (``transfer``), the payment is the
  handover's, not an invoice's: it must be in the handover's currency and not recorded on it before; it gives the
  handover what it recovered and the agency has not transferred yet, up to what is left of the payment, so the
  transfers never exceed what the handover recovered (``transferred`` ≤ ``recovered``) and the rest of a larger
  transfer stays on the payment for the agency's other handovers. ``payments`` lists them, ``transferred`` adds
  them up.
  Match tells a payment from a handover's agency (``agency_payer``) to be recorded so, never applied to invoices
  automatically: applied to the handover's invoices it would pay the recovered money a second time.  A payment
  recorded on a handover (``recorded_transfers``) is the handover's for good: what is left of it is for the
  agency's other handovers.  ``transfer_of`` says both for one payment: a Confirm of such a payment is refused
  (``actions.match``), and so a Confirm typed on it does not keep it from being recorded (``actions.handover``).
  A closed handover takes no new recovery, but still the transfer of what was recovered before it closed.
* **The pack's parts** (``pack_parts``): the items, the customer's reminders, contacts (Activities) and disputes
  with their history (the Audit rows of those disputes), each a frame of the workbook's own columns.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..errors import CellProblem, InputError
from ..frames import cents_of, row_numbers, text
from ..money import fmt, parse_amount
from ..schema import header_of
from .disputes import split_ids
from .payer import normalise_name

OPEN, RECOVERED, CLOSED = "open", "recovered", "closed"


class HandoverError(ValueError):
    """Bad input: ``problems`` names each one (nothing is changed)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def live_mask(handovers: pd.DataFrame | None) -> np.ndarray:
    """Rows of Handovers that are not closed."""
    if handovers is None or not len(handovers):
        return np.zeros(0, dtype=bool)
    return ~handovers["status"].map(text).str.lower().eq(CLOSED).to_numpy(dtype=bool)


def handed_over_ids(handovers: pd.DataFrame | None) -> set[str]:
    """Invoice ids on a live handover."""
    return set(live_by_invoice(handovers))


def live_by_invoice(handovers: pd.DataFrame | None) -> dict[str, int]:
    """Invoice id -> the position (``iloc``) of the live handover it is on: the first one listing it."""
    out: dict[str, int] = {}
    if handovers is None or not len(handovers) or "invoice_ids" not in handovers.columns:
        return out
    cells = handovers["invoice_ids"].tolist()
    for k in np.flatnonzero(live_mask(handovers)).tolist():
        for i in split_ids(cells[k]):
            out.setdefault(i, k)
    return out


def _live_handover_of(handovers: pd.DataFrame | None) -> dict[str, str]:
    """Invoice id -> the id of the live handover it is on."""
    ids = handovers["handover_id"].tolist() if handovers is not None and len(handovers) else []
    return {i: text(ids[k]) for i, k in live_by_invoice(handovers).items()}


def oldest_first(rows: pd.DataFrame) -> pd.DataFrame:
    """Invoices rows by due date, then invoice date, then id."""
    keys = pd.DataFrame({"due": pd.to_datetime(rows["due_date"]).to_numpy(),
                         "date": pd.to_datetime(rows["invoice_date"]).to_numpy(),
                         "id": rows["invoice_id"].map(text).to_numpy()}, index=rows.index)
    return rows.loc[keys.sort_values(["due", "date", "id"], kind="stable", na_position="last").index]


def pick(invoices: pd.DataFrame, handovers: pd.DataFrame | None, customer_id: str,
         invoice_ids: list[str] | None = None, on: dt.date | None = None) -> pd.DataFrame:
    """The Invoices rows to hand over on ``on`` (module rules; ``None``: whatever their invoice date), oldest
    first; ``HandoverError`` naming every problem."""
    cid = text(customer_id)
    inv = invoices.reset_index(drop=True)
    ids = inv["invoice_id"].map(text)
    owner = inv["customer_id"].map(text)
    open_ = inv["open_amount"].fillna(0).astype("int64")
    issued = pd.to_datetime(inv["invoice_date"])
    later = (issued > pd.Timestamp(on)).to_numpy(dtype=bool) if on is not None else np.zeros(len(inv), dtype=bool)
    taken = _live_handover_of(handovers)
    problems: list[str] = []
    if invoice_ids:
        wanted = split_ids(invoice_ids)
        rows = []
        for iid in wanted:
            hit = np.flatnonzero((ids == iid).to_numpy())
            if not len(hit):
                problems.append(f"invoice {iid} is not in the Invoices table")
                continue
            k = int(hit[0])
            if owner[k] != cid:
                problems.append(f"invoice {iid} belongs to customer {owner[k] or '(none)'}, not {cid}")
            elif open_[k] <= 0:
                problems.append(f"invoice {iid} has nothing open to hand over (open amount {open_[k] / 100:.2f})")
            elif iid in taken:
                problems.append(f"invoice {iid} is already handed over ({taken[iid]})")
            elif later[k]:
                problems.append(f"invoice {iid} was issued on {issued[k]:%Y-%m-%d}, after the handover date "
                                f"{on:%Y-%m-%d}")
            else:
                rows.append(k)
    else:
        mine = (owner == cid).to_numpy() & (open_ > 0).to_numpy() & ~later
        rows = [int(k) for k in np.flatnonzero(mine) if ids[k] not in taken]
        if not rows:
            already = sorted({taken[i] for i in ids[(owner == cid).to_numpy()] if i in taken})
            after = ids[(owner == cid).to_numpy() & (open_ > 0).to_numpy() & later].tolist()
            problems.append(f"customer {cid} has no open invoice left to hand over"
                            + (f" (already handed over: {', '.join(already)})" if already else "")
                            + (f" (issued after {on:%Y-%m-%d}: {', '.join(after)})" if after else ""))
    if problems:
        raise HandoverError(problems)
    chosen = inv.loc[rows]
    curs = sorted({text(c).upper() for c in chosen["currency"]})
    if len(curs) > 1:
        raise HandoverError([f"the invoices are in several currencies ({', '.join(curs)}); hand over one currency "
                             "at a time (name the invoices with --invoices)"])
    return oldest_first(chosen)


def new_handover(handover_id: str, customer_id: str, rows: pd.DataFrame, to: str, on: dt.date, user: str,
                 note: str = "", pack: str = "") -> dict:
    """The Handovers row of ``rows`` (from ``pick``)."""
    to = text(to)
    if not to:
        raise HandoverError(["a handover needs the agency or lawyer it goes to (--to)"])
    return {"handover_id": handover_id, "customer_id": text(customer_id),
            "invoice_ids": "; ".join(rows["invoice_id"].map(text)), "to": to, "handed_on": pd.Timestamp(on),
            "amount": int(rows["open_amount"].astype("int64").sum()), "currency": text(rows["currency"].iloc[0]).upper(),
            "status": OPEN, "recovered": 0, "costs": 0, "pack": pack, "user": user, "note": note}


def find(handovers: pd.DataFrame | None, handover_id: str) -> int:
    """The position of the Handovers row ``handover_id``; ``HandoverError`` when unknown."""
    hid = text(handover_id)
    if handovers is not None and len(handovers):
        hit = np.flatnonzero(handovers["handover_id"].map(text).str.upper().eq(hid.upper()).to_numpy())
        if len(hit):
            return int(hit[0])
    known = ", ".join(handovers["handover_id"].map(text).tolist()[:10]) if handovers is not None and len(handovers) \
        else "none yet"
    raise HandoverError([f"unknown handover {hid!r} (the Handovers table holds: {known})"])


def recover(invoices: pd.DataFrame, handover: dict, recovered: int, costs: int = 0) -> list[tuple[str, int, int]]:
    """``(invoice_id, old open, new open)`` for a recovery of ``recovered`` cents on a handover's invoices, oldest
    first; ``HandoverError`` for a closed handover, a negative amount or more than is open."""
    hid = text(handover.get("handover_id"))
    problems = []
    if text(handover.get("status")).lower() == CLOSED:
        problems.append(f"handover {hid} is closed: it takes no new recovery or costs (the agency's transfer of what "
                        "it recovered before is still recorded, with --payment alone)")
    if recovered < 0 or costs < 0:
        problems.append("the recovered amount and the costs cannot be negative")
    if not recovered and not costs:
        problems.append("give the amount recovered (--recovered), the costs (--costs) or the agency's transfer "
                        "(--payment)")
    ids = split_ids(handover.get("invoice_ids"))
    inv = invoices.reset_index(drop=True)
    mine = inv.loc[inv["invoice_id"].map(text).isin(ids).to_numpy()]
    missing = [i for i in ids if i not in set(mine["invoice_id"].map(text))]
    if missing and recovered:
        problems.append(f"handover {hid}: invoice(s) no longer in the Invoices table: {', '.join(missing)}")
    open_total = int(mine["open_amount"].fillna(0).astype("int64").clip(lower=0).sum())
    if recovered > open_total:
        problems.append(f"handover {hid}: {recovered / 100:.2f} recovered is more than its invoices have open "
                        f"({open_total / 100:.2f})")
    if problems:
        raise HandoverError(problems)
    out = []
    left = int(recovered)
    for r in oldest_first(mine).itertuples(index=False):
        if left <= 0:
            break
        old = int(0 if pd.isna(r.open_amount) else r.open_amount)
        take = min(max(old, 0), left)
        if take:
            out.append((text(r.invoice_id), old, old - take))
            left -= take
    return out


def _of_customer(frame: pd.DataFrame | None, cid: str) -> pd.DataFrame:
    if frame is None or not len(frame):
        return frame.iloc[0:0] if frame is not None else pd.DataFrame()
    return frame.loc[frame["customer_id"].map(text).eq(cid).to_numpy()].reset_index(drop=True)


def pack_parts(customer_id: str, items: pd.DataFrame, reminders: pd.DataFrame | None,
               activities: pd.DataFrame | None, disputes: pd.DataFrame | None,
               audit: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The frames of the pack's workbook, by sheet name: Items, Reminders, Contacts, Disputes, Dispute history."""
    cid = text(customer_id)
    rem = _of_customer(reminders, cid)
    if len(rem):
        rem = rem.sort_values(["sent_on", "reminder_id"], kind="stable").reset_index(drop=True)
    acts = _of_customer(activities, cid)
    if len(acts):
        acts = acts.sort_values(["at", "activity_id"], kind="stable").reset_index(drop=True)
    disp = _of_customer(disputes, cid)
    ids = set(disp["dispute_id"].map(text)) if len(disp) else set()
    hist = audit.iloc[0:0] if audit is not None else pd.DataFrame()
    if audit is not None and len(audit) and ids:
        hit = audit["table"].map(text).eq("Disputes").to_numpy() & audit["key"].map(text).isin(ids).to_numpy()
        hist = audit.loc[hit].sort_values("timestamp", kind="stable").reset_index(drop=True)
    return {"Items": items.reset_index(drop=True), "Reminders": rem, "Contacts": acts, "Disputes": disp,
            "Dispute history": hist}


def open_left(invoices: pd.DataFrame, handover: dict) -> int:
    """What the handover's invoices still have open (above 0), in cents."""
    ids = split_ids(handover.get("invoice_ids"))
    mine = invoices.loc[invoices["invoice_id"].map(text).isin(ids).to_numpy()]
    return int(mine["open_amount"].fillna(0).astype("int64").clip(lower=0).sum())


def items(cell: object) -> dict[str, int]:
    """``{invoice_id: cents}`` of a ``recovered_items`` or ``recovered_in_erp`` cell (``INV-1: 100.00; INV-2: 5.00``);
    an empty cell is ``{}``."""
    out: dict[str, int] = {}
    for part in str("" if cell is None or (isinstance(cell, float) and cell != cell) else cell).split(";"):
        iid, sep, amount = part.partition(":")
        if sep and iid.strip():
            out[iid.strip()] = out.get(iid.strip(), 0) + parse_amount(amount)
    return out


def items_text(amounts: dict[str, int]) -> str:
    """The cell of ``{invoice_id: cents}`` (``items`` reads it back), in the order given, zeros left out."""
    return "; ".join(f"{iid}: {fmt(c, sep='')}" for iid, c in amounts.items() if c)


def read_items(handovers: pd.DataFrame, k: int, column: str) -> dict[str, int]:
    """``items`` of the cell of Handovers position ``k`` in ``column``; a cell a person broke is an
    ``InputError`` naming the sheet, the row (when the frame was read from one) and the column."""
    try:
        return items(handovers[column].iloc[k]) if column in handovers.columns else {}
    except ValueError as e:
        rows = row_numbers(handovers)
        raise InputError(CellProblem(handovers.attrs.get("source") or "Handovers",
                                     int(rows[k]) if rows is not None else None,
                                     f"{header_of(column)} ({column})",
                                     f"handover {text(handovers['handover_id'].iloc[k])}: {e} "
                                     f"(write 'invoice: amount; …')")) from None


def unbooked_recoveries(handovers: pd.DataFrame | None) -> list[tuple[int, str, int]]:
    """``(Handovers position, invoice_id, cents)`` of what each invoice recovered that the ERP does not show booked
    yet (``recovered_items`` less ``recovered_in_erp``), every handover, closed ones too."""
    if handovers is None or not len(handovers) or "recovered_items" not in handovers.columns:
        return []
    out = []
    for k in range(len(handovers)):
        done_ = read_items(handovers, k, "recovered_in_erp")
        for iid, cents in read_items(handovers, k, "recovered_items").items():
            left = cents - done_.get(iid, 0)
            if left:
                out.append((k, iid, left))
    return out


def transfer(handover: dict, payment_id: str, cents: int, currency: str) -> int:
    """The cents of the agency's transfer ``payment_id`` (``cents`` of it left to apply, in ``currency``) that go
    to ``handover`` (with the recovery of the same record added): what it recovered and the agency has not
    transferred yet, at most ``cents``; ``HandoverError`` naming each problem (module rules)."""
    hid, pid = text(handover.get("handover_id")), text(payment_id)
    ccy = text(handover.get("currency")).upper()
    done_ = cents_of(handover.get("transferred"))
    recovered = cents_of(handover.get("recovered"))
    problems = []
    if pid.upper() in {p.upper() for p in split_ids(handover.get("payments"))}:
        problems.append(f"payment {pid} is already recorded on handover {hid}")
    if ccy and text(currency).upper() != ccy:
        problems.append(f"payment {pid} is in {text(currency).upper() or '(no currency)'}, handover {hid} in {ccy}")
    if cents <= 0:
        problems.append(f"payment {pid} has nothing left to apply")
    if recovered - done_ <= 0:
        problems.append(f"handover {hid} has no recovery the agency has not transferred yet ({fmt(done_)} of "
                        f"{fmt(recovered)} recovered transferred): record the recovery with the payment (--recovered)")
    if problems:
        raise HandoverError(problems)
    return min(int(cents), recovered - done_)


PAYMENT = "<payment>"
"""Where the payment's id goes in the words of ``agency_payer``."""


def agency_handovers(handovers: pd.DataFrame | None) -> dict[str, list[int]]:
    """``{normalised agency name: [Handovers positions]}`` of the handovers whose agency's payments are its
    transfers: live ones, and closed ones whose recovery the agency has not all transferred yet."""
    out: dict[str, list[int]] = {}
    if handovers is None or not len(handovers) or "to" not in handovers.columns:
        return out
    for k in np.flatnonzero(live_mask(handovers) | _owed(handovers)).tolist():
        key = normalise_name(handovers["to"].iloc[k])
        if key:
            out.setdefault(key, []).append(k)
    return out


def agency_payer(handovers: pd.DataFrame | None) -> dict[str, list[tuple[str, str]]]:
    """``{normalised agency name: [(handover id, words for a payment from it), one per handover of
    ``agency_handovers``]}``: Match names the handover (what it recovered, what the agency transferred) and how
    to record the payment (its id in place of ``PAYMENT``)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for key, where in agency_handovers(handovers).items():
        for k in where:
            row = handovers.iloc[k]
            hid, ccy = text(row["handover_id"]), text(row.get("currency")).upper()
            got, sent = fmt(cents_of(row.get("recovered"))), fmt(cents_of(row.get("transferred")))
            out.setdefault(key, []).append((hid,
                f"the payer is {text(row['to'])}, the collection agency of {hid} ({ccy} {got} recovered, {sent} "
                f"transferred): if this is its transfer, record it on "
                f"the handover (handover --record {hid} --payment {PAYMENT}), do not apply it to invoices"))
    return out


def recorded_transfers(handovers: pd.DataFrame | None) -> dict[str, list[int]]:
    """``{payment id: [Handovers positions]}``: the payments recorded as an agency's transfer (``payments``), on
    handovers of any status.  Such a payment is the handovers', never an invoice's: what is left of it (one transfer
    for several handovers) waits for the agency's other handovers."""
    out: dict[str, list[int]] = {}
    if handovers is None or not len(handovers) or "payments" not in handovers.columns:
        return out
    for k, cell in enumerate(handovers["payments"].tolist()):
        for pid in split_ids(cell):
            out.setdefault(pid, []).append(k)
    return out


def transfer_of(handovers: pd.DataFrame | None, payment_id: str, payer_name: object) -> tuple[list[int], list[int]]:
    """Whether a payment is a collection agency's transfer, as Handovers positions: ``(recorded, by_payer)``, the
    handovers it is recorded on (``recorded_transfers``) and those whose agency is its payer (``agency_handovers``;
    those with a recovery not transferred yet first).  Both empty: an ordinary payment.  Neither Match nor a
    Confirm applies such a payment to invoices: applied there it would pay the recovered money a second time."""
    return transfer_lookup(handovers)(payment_id, payer_name)


def transfer_lookup(handovers: pd.DataFrame | None):
    """``transfer_of`` for many payments: the table read once, a function of ``(payment_id, payer_name)``."""
    if handovers is None or not len(handovers):
        return lambda payment_id, payer_name: ([], [])
    recorded, agencies, owed = recorded_transfers(handovers), agency_handovers(handovers), _owed(handovers)

    def of(payment_id: str, payer_name: object) -> tuple[list[int], list[int]]:
        by_payer = agencies.get(normalise_name(payer_name), []) if text(payer_name) else []
        return list(recorded.get(text(payment_id), [])), sorted(by_payer, key=lambda k: not owed[k])
    return of


def _owed(handovers: pd.DataFrame) -> np.ndarray:
    """Per Handovers row: the agency recovered more than it transferred."""
    def col(name):
        return handovers[name].tolist() if name in handovers.columns else [None] * len(handovers)
    return np.array([cents_of(r) > cents_of(t) for r, t in zip(col("recovered"), col("transferred"))], dtype=bool)


def recorded_words(handovers: pd.DataFrame | None) -> dict[str, tuple[set[str], str]]:
    """``{payment id: (the ids of the handovers it is recorded on, words)}`` for the payments of
    ``recorded_transfers``: Match adds the words to its evidence (the payment's id in place of ``PAYMENT``)."""
    out = {}
    for pid, where in recorded_transfers(handovers).items():
        ids = [text(handovers["handover_id"].iloc[k]) for k in where]
        to = text(handovers["to"].iloc[where[0]]) if "to" in handovers.columns else ""
        out[pid] = (set(ids), f"{PAYMENT} is recorded on handover {', '.join(ids)} as the transfer of its collection "
                    f"agency{' ' + to if to else ''}: what is left of it is for the agency's other handovers, do not "
                    "apply it to invoices")
    return out

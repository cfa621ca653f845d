"""Legal and collection-agency handover: hand a customer's items over, write the pack, record what comes back.

``handover(book, customer_id, to, invoice_ids=None, ...)`` is what ``ar-xl handover`` and the ribbon's *Hand over*
button do.  It picks the items with ``engine.handover.pick`` (bad input is refused, naming each invoice, and nothing
changes) and returns a ``Change`` that

* appends one **Handovers** row (id ``H-000001``: customer, invoices, to whom, date, amount and currency, status
  ``open``); from then on the items' state is ``in legal`` (``engine.states``, written into Invoices.status by
  ``restate``): no reminder is made for them and the worklist leaves them out;
* appends one **Activities** row (channel ``letter``, outcome ``handed over to ...``) and logs both in **Audit**;
* carries the **handover pack** on ``change.documents`` as ``(path, bytes)``: one ZIP (``letters.handover_pack``)
  holding the customer's statement of account as of the handover date (``actions.statement.pdf_for``), the PDF
  letter of every reminder sent to the customer whose file is still there (``reminders/``; a missing one is a
  warning, its row is in the workbook anyway), and ``handover_<id>.xlsx`` with a sheet per part: the handed-over
  items, every reminder (Reminders rows), the contact log (Activities), the disputes (Disputes) and their history
  (their Audit rows).  The shell writes it before it saves the workbook.

``record(book, handover_id, recovered, costs, on, payment_id=None)`` records what the agency reports back: the
recovered amount lowers the handover's invoices' open amounts oldest first (never below 0, exact cents; one Audit
row per invoice), ``recovered`` and ``costs`` add up on the Handovers row (Audit), the status becomes ``recovered``
once nothing is open, and a recovery above what is open is refused.  ``payment_id`` names the agency's bank
transfer of the recovery (a Payments row): what of its unapplied amount the handover recovered and was not
transferred yet is added to the handover's ``transferred`` and its id to ``payments``, and taken off the payment
(``applied``, or ``partly applied`` when one transfer pays several handovers: so it is neither unapplied cash nor
matched to the invoices the recovery already lowered) and its Matches suggestions no one reviewed are withdrawn
(``engine.handover.transfer`` has the rules); rows with a review typed stay, and Apply never applies a Confirm of
it (``actions.match``).  An ERP sync afterwards takes the ERP's open amounts as for any
payment: book the agency's transfer in the ERP too.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import clock, frames
from ..book import Book, Change
from ..dates import as_of as as_date
from ..engine import handover as engine
from ..engine.disputes import next_id
from ..errors import CellProblem, InputError
from ..letters import handover_pack
from ..money import fmt
from ..schema import payment_status
from . import restate
from .plan import appended, fail, known_customer, who

SOURCE = "handover"


def _refuse(book: Book, e: engine.HandoverError, table: str = "Invoices"):
    raise InputError([CellProblem(f"{book.source} sheet {table}", None, None, p) for p in e.problems]) from None


def _day(on) -> dt.date:
    """The handover's (or recovery's) date: today when not given (``dates.as_of``)."""
    try:
        return as_date(on)
    except ValueError as e:
        fail(SOURCE, e)


def pack_name(handover_id: str, customer_id: str, day: dt.date) -> str:
    """``handover_H-000001_C0042_2026-12-01.zip``: safe on every file system."""
    import re
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(customer_id)).strip("._") or "customer"
    return f"handover_{handover_id}_{safe}_{day:%Y-%m-%d}.zip"


def next_handover_id(book: Book) -> str:
    """The id the next handover of this book gets."""
    book.missing.pop("Handovers", None)
    return next_id(list(book.get("Handovers")["handover_id"]), "H")


def _reminder_letters(reminders: pd.DataFrame, base_dir: Path) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The PDF letters the customer's Reminders rows name, read where they are (relative paths from
    ``base_dir``); and the warnings for those no longer there."""
    files, missing = [], []
    for rid, name in zip(reminders["reminder_id"], reminders["file"]):
        name = "" if name is None or (not isinstance(name, str) and pd.isna(name)) else str(name).strip()
        if not name:
            continue
        p = Path(name)
        p = p if p.is_absolute() else base_dir / p
        try:
            files.append((f"reminders/{p.name}", p.read_bytes()))
        except OSError:
            missing.append(f"reminder {rid}: its letter {name} is not there; the pack lists the reminder without it")
    return files, missing


def handover(book: Book, customer_id: str, to: str, invoice_ids=None, on=None, out: str | Path | None = None,
             user: str | None = None, note: str = "", base_dir: str | Path = ".") -> Change:
    """Hand the items over and make the pack (module docstring); ``change.documents`` holds the ZIP."""
    user = who(book, user)
    day = _day(on)
    for name in ("Handovers", "Reminders", "Activities"):
        book.missing.pop(name, None)  # a workbook made before them: none yet
    cid = known_customer(book, customer_id, SOURCE)
    if not str(to or "").strip():
        fail(SOURCE, "a handover needs the agency or lawyer it goes to (--to; on the ribbon: handover.to)")
    handovers = book.get("Handovers")
    try:
        rows = engine.pick(book.get("Invoices"), handovers, cid, invoice_ids, day)
    except engine.HandoverError as e:
        _refuse(book, e)
    hid = next_handover_id(book)
    path = Path(out) if out else Path(base_dir) / pack_name(hid, cid, day)
    if path.suffix.lower() != ".zip":
        fail(SOURCE, f"{path.name}: the handover pack is a ZIP file; the name must end in .zip")
    path = path.absolute()
    row = engine.new_handover(hid, cid, rows, to, day, user, note, str(path))

    from . import statement
    st_pdf = statement.pdf_for(book, cid, day)
    parts = engine.pack_parts(cid, rows, book.get("Reminders"), book.get("Activities"), book.get("Disputes"),
                              book.history())  # the disputes' history, archived rows too
    letters, missing = _reminder_letters(parts["Reminders"], Path(base_dir))
    who_ = statement.customer_of(book, cid)
    summary = [("Handover", hid, "text"), ("Customer", cid, "text"), ("Customer name", who_["customer_name"], "text"),
               ("Handed over to", row["to"], "text"), ("Handed over on", day, "date"),
               ("Currency", row["currency"], "text"), ("Amount open", row["amount"], "money"),
               ("Invoices", row["invoice_ids"], "text"), ("By", user, "text")]
    xlsx = handover_pack.workbook(parts, summary)
    from ..letters.statement import file_name
    files = [(file_name(cid, day), st_pdf), (f"handover_{hid}.xlsx", xlsx), *letters]
    change = Change("handover")
    change.documents = [(path, handover_pack.zipped(files))]  # type: ignore[attr-defined]
    change.tables["Handovers"] = appended(book, "Handovers", [row])
    what = f"{len(rows)} invoice(s), {row['currency']} {fmt(row['amount'])}"
    change.log(user, "Handovers", hid, "status", None, engine.OPEN,
               f"handed over to {row['to']}: {row['invoice_ids']} ({row['currency']} {fmt(row['amount'])})")
    aid = next_id(list(book.get("Activities")["activity_id"]), "A")
    outcome = f"handed over to {row['to']} ({hid}): {what}"
    change.tables["Activities"] = appended(book, "Activities", [{
        "activity_id": aid, "at": pd.Timestamp(clock.now()), "user": user, "customer_id": cid, "channel": "letter",
        "outcome": outcome, "next_action_date": None, "note": note}])
    change.log(user, "Activities", aid, "outcome", None, outcome, "handover")
    change.warnings.extend(missing)
    change.summary = (f"handover {hid}: {cid} {who_['customer_name']}, {what} ({row['invoice_ids']}) handed over to "
                      f"{row['to']} on {day:%Y-%m-%d}; they are now in legal (no reminders, off the worklist); "
                      f"pack: {path} (statement, {len(letters)} reminder letter(s), {len(parts['Reminders'])} "
                      f"reminder(s), {len(parts['Contacts'])} contact(s), {len(parts['Disputes'])} dispute(s))")
    return restate.follow(book, change)


def record(book: Book, handover_id: str, recovered_cents: int = 0, costs_cents: int = 0, on=None,
           user: str | None = None, note: str = "", payment_id: str | None = None) -> Change:
    """Record a recovery and/or costs the agency reported against a handover, and/or the agency's transfer
    ``payment_id`` (module docstring)."""
    user = who(book, user)
    payment_id = frames.text(payment_id) or None  # a blank cell or argument names no payment
    day = _day(on)
    book.missing.pop("Handovers", None)
    change = Change("handover_record")
    ho = change.body(book, "Handovers").copy().reset_index(drop=True)
    try:
        k = engine.find(ho, handover_id)
    except engine.HandoverError as e:
        _refuse(book, e, "Handovers")
    rec = ho.iloc[k].to_dict()
    hid = str(rec["handover_id"]).strip()
    inv = change.body(book, "Invoices").copy()
    try:
        moves = engine.recover(inv, rec, int(recovered_cents or 0), int(costs_cents or 0)) \
            if recovered_cents or costs_cents or not payment_id else []
    except engine.HandoverError as e:
        _refuse(book, e, "Handovers")
    rule = f"recovery {hid} reported on {day:%Y-%m-%d}"
    ids = inv["invoice_id"].astype(str).str.strip()
    for iid, old, new in moves:
        pos = inv.index[ids == iid][0]
        inv.at[pos, "open_amount"] = new
        change.log(user, "Invoices", iid, "open_amount", fmt(old), fmt(new), rule)
    if moves:
        change.tables["Invoices"] = inv
    cur = str(rec.get("currency") or "").strip()
    words = []
    for col, cents in (("recovered", int(recovered_cents or 0)), ("costs", int(costs_cents or 0))):
        if not cents:
            continue
        old = 0 if pd.isna(rec.get(col)) else int(rec[col])
        ho.at[k, col] = old + cents
        change.log(user, "Handovers", hid, col, fmt(old), fmt(old + cents), rule)
        words.append(f"{col} {cur} {fmt(cents)} (total {fmt(old + cents)})")
    paid = _transfer(book, change, ho, k, payment_id, user, rule) if payment_id else ""
    if moves:  # what each invoice recovered, kept until the ERP shows it booked (an ERP sync weighs it)
        before = "" if frames.blank(rec.get("recovered_items")) else str(rec["recovered_items"])
        per_item = engine.read_items(ho, k, "recovered_items")  # a cell a person broke is named
        for iid, old, new in moves:
            per_item[iid] = per_item.get(iid, 0) + (old - new)
        ho.at[k, "recovered_items"] = engine.items_text(per_item)
        change.log(user, "Handovers", hid, "recovered_items", before, ho.at[k, "recovered_items"], rule)
    left = engine.open_left(inv, rec)
    if left == 0 and str(rec.get("status") or "").strip().lower() not in (engine.RECOVERED, engine.CLOSED):
        ho.at[k, "status"] = engine.RECOVERED
        change.log(user, "Handovers", hid, "status", rec.get("status") or "", engine.RECOVERED, rule)
    change.tables["Handovers"] = ho
    if note:  # after a person's note on the row, never in its place (``Change.notes``)
        old_note = frames.text(rec.get("note"))
        change.notes["Handovers"] = [(hid, "note", note)]
        change.log(user, "Handovers", hid, "note", old_note, f"{old_note}; {note}" if old_note else note, rule)
    spread = ", ".join(f"{i} {fmt(o)} -> {fmt(n)}" for i, o, n in moves)
    change.summary = (f"handover {hid} ({rec.get('to')}): {'; '.join(words + ([paid] if paid else []))} "
                      f"on {day:%Y-%m-%d}"
                      + (f"; open amounts: {spread}" if spread else "")
                      + f"; still open on its invoices: {cur} {fmt(left)}")
    return restate.follow(book, change)


def _transfer(book: Book, change: Change, ho: pd.DataFrame, k: int, payment_id: str, user: str, rule: str) -> str:
    """Record the Payments row ``payment_id`` as the agency's transfer of handover ``ho`` position ``k``'s recovery
    (``engine.transfer``): what of the payment's unapplied amount the handover is owed goes to it (``transferred``,
    ``payments``) and off the payment, and its Matches suggestions no one reviewed are withdrawn (the money is not
    an invoice's; a rest is matched again by the next Match).
    A payment with a Confirm typed in Matches and not applied yet is refused (a person meant it for an invoice),
    unless it is a collection agency's transfer (``engine.transfer_of``): Apply refuses that Confirm and names this
    command instead; once recorded, a Confirm of it stays refused."""
    hid = str(ho.at[k, "handover_id"]).strip()
    pid = frames.text(payment_id)
    pay = change.body(book, "Payments").copy()
    pids = pay["payment_id"].map(frames.text)
    hit = pay.index[pids.str.upper() == pid.upper()]
    if not len(hit):
        fail(f"{book.source} sheet Payments", f"payment {pid} is not in the Payments table")
    p = hit[0]
    pid = pids[p]
    if frames.text(pay.at[p, "status"]).lower() == "ignored":
        fail(f"{book.source} sheet Payments", f"payment {pid} is set to 'ignored'")
    left = pay.at[p, "unapplied_amount"]
    left = int(pay.at[p, "amount"] if pd.isna(left) else left)
    m = change.body(book, "Matches")
    mine = m.loc[m["payment_id"].map(frames.text).eq(pid).to_numpy()] if len(m) else m
    review = mine["review"].map(frames.text).str.lower() if len(mine) else pd.Series(dtype=object)
    applied = mine["applied"].fillna(False).astype(bool) if len(mine) else pd.Series(dtype=bool)
    typed = mine.loc[(review == "confirm").to_numpy() & ~applied.to_numpy()]
    # a Confirm on an agency's transfer is refused by Apply (``engine.transfer_of``): it stands in no one's way
    if len(typed) and not any(engine.transfer_of(ho, pid, pay.at[p, "payer_name"])):
        fail(f"{book.source} sheet Matches", f"payment {pid} has Confirm typed on {', '.join(typed['match_id'])} and "
             f"not applied yet: clear it, or apply it instead of recording the payment on handover {hid}")
    try:
        used = engine.transfer(ho.iloc[k].to_dict(), pid, left, frames.text(pay.at[p, "currency"]))
    except engine.HandoverError as e:
        _refuse(book, e, "Handovers")
    old = frames.cents_of(ho.at[k, "transferred"]) if "transferred" in ho.columns else 0
    total = old + used
    ho.at[k, "transferred"] = total
    change.log(user, "Handovers", hid, "transferred", fmt(old), fmt(total), rule)
    ho["payments"] = ho["payments"].astype(object) if "payments" in ho.columns else ""  # text, even when all empty
    before = "" if frames.blank(ho.at[k, "payments"]) else str(ho.at[k, "payments"])
    ho.at[k, "payments"] = f"{before}; {pid}" if before else pid
    change.log(user, "Handovers", hid, "payments", before, ho.at[k, "payments"], rule)
    old_status, status = frames.text(pay.at[p, "status"]), payment_status(left - used, int(pay.at[p, "amount"]))
    pay.at[p, "unapplied_amount"] = left - used
    pay.at[p, "status"] = status
    change.log(user, "Payments", pid, "unapplied_amount", fmt(left), fmt(left - used), f"{rule}: the agency's transfer")
    if old_status != status:
        change.log(user, "Payments", pid, "status", old_status, status, f"{rule}: the agency's transfer")
    change.tables["Payments"] = pay
    stale = mine.loc[(review == "").to_numpy() & ~applied.to_numpy()] if len(mine) else mine
    if len(stale):
        change.remove["Matches"] = set(stale["match_id"])
        change.tables["Matches"] = m.loc[~m["match_id"].isin(set(stale["match_id"]))]
        for mid, decision in zip(stale["match_id"], stale["decision"]):
            change.log(user, "Matches", mid, "decision", decision, "withdrawn",
                       f"payment {pid} recorded as the agency's transfer on handover {hid}")
    rest = f"; {fmt(left - used)} of the payment left for the agency's other handovers" if used < left else ""
    return f"payment {pid} ({fmt(used)}) recorded as the agency's transfer: {fmt(total)} of " \
           f"{fmt(frames.cents_of(ho.at[k, 'recovered']))} recovered transferred{rest}"

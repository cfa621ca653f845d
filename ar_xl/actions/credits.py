"""Open credits and unapplied cash: the Credits view, allocations, refunds (SEPA pain.001), remittance requests.

* ``run(book, as_of)`` rewrites the **Credits** table (``engine.credits``): every credit note and every payment
  with unapplied cash tied to a customer, its age, what refunds hold of it, and the customer's open invoices in
  the same currency it could be set against.
* ``allocate(book, source, targets)`` sets a credit against invoices of the same customer and currency.  It is
  cash application, so it is written as **Matches** rows and applied through the same ledger
  (``actions.match``): rule ``manual allocation`` for unapplied cash (the payment's rows, one per invoice),
  rule ``credit note`` for a credit note (one row per invoice, plus the credit note's own row with the negative
  sum; ``payment_id`` is the credit note's id).  The rows are ``decision`` auto, ``applied`` TRUE, flag
  ``allocation``, review blank, so they count as applied cash everywhere a match does (an ERP sync keeps them
  until the ERP books them).  **Reversal** is a Matches reversal: type Reject on the rows (every row of the
  allocation, one ``run_id``) and click *Apply decisions*, or run ``reverse`` (``ar-xl credits --reverse``),
  which does both for a whole allocation.  A credit note's allocation is reversed whole either way: a Reject
  on any one of its rows reverses all of them (``match.whole_allocations``); so is a payment's allocation with a
  credit note netted (the matcher's rows of one proposal).  Refused with nothing changed:
  another customer's invoice, another currency, more than an invoice's open amount, more than the credit has
  available, a collection agency's transfer (the handover's, ``match._Ledger.agency``).
* ``propose_refund`` adds a **Refunds** row (``RF-000001``; status ``proposed``; the customer's first IBAN from
  Customers.iban, checked with schwifty).  A proposed refund holds its credit (the Credits view's ``refunds``;
  cash application never applies the cash it holds, nor nets in a payment's allocation the credit note it holds,
  proposed or exported: ``match._Ledger``).
  Type ``cancelled`` in its status to release it.
* ``export_refunds`` writes the proposed **EUR** refunds as one SEPA credit transfer (pain.001.001.03, written
  and checked against its XSD by ``sepaxml``), our company (Config ``company.name``/``iban``/``bic``) the
  debtor, each refund's id its end-to-end id.  Refunds in another currency are listed and left proposed (SEPA
  carries euro only).  A refund its credit no longer covers (cash applied since, a credit note the ERP closed) is
  left out of the file, still proposed, and named in a warning; the others are exported (none left: refused).
  Exported refunds of unapplied cash lower the payment's ``unapplied_amount`` (the cash
  left); a credit note stays open in Invoices until the ERP books the refund, held by the exported refund.
* ``ask(book, payments)`` writes, for each payment, an e-mail draft (.eml, ``X-Unsent: 1``) in the customer's
  language asking which invoices it pays (templates ``remittance_<lang>.txt``), logged in **Activities** (the
  row names the payment in ``payment_id``; its next action date is a week later) and Audit.  The Credits view
  is rewritten with it: its ``remittance_asked`` shows the day of the last request for each payment.

Files travel on ``change.documents`` as ``(path, bytes)``; the shell writes them before it saves the workbook.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import clock
from ..book import Book, Change
from ..engine import credits as engine
from ..engine.disputes import next_id
from ..errors import ArXlError
from ..frames import blank
from ..letters import render
from ..money import fmt
from .credit import unapplied_cash
from .match import _Ledger, reverse_rows, whole_allocations
from .plan import appended, who

TABLES = ["Invoices", "Payments", "Customers", "Matches", "Refunds", "Activities", "Audit"]
SEPA_SCHEMA = "pain.001.001.03"
ALLOCATION_FLAG = "allocation"


def _t(v) -> str:
    return "" if blank(v) else str(v).strip()


def _day(as_of) -> dt.date:
    return as_of or clock.today()


def view(book: Book, as_of: dt.date | None = None) -> pd.DataFrame:
    """The Credits table (``engine.credits.credits``) for the book as of the date."""
    return engine.credits(book.get("Invoices"), unapplied_cash(book), book.get("Customers"), book.get("Refunds"),
                          _day(as_of), book.optional("Activities"))


def _summary(cr: pd.DataFrame, day: dt.date) -> str:
    if not len(cr):
        return f"credits at {day:%Y-%m-%d}: no credit notes and no unapplied cash"
    parts = []
    for (kind, cur), g in cr.groupby(["kind", "currency"], sort=True):
        parts.append(f"{len(g)} {kind} {cur} {fmt(int(g['available'].sum()))}")
    asked = int(cr["remittance_asked"].notna().sum())
    return (f"credits at {day:%Y-%m-%d}: {len(cr)} credit(s) of {cr['customer_id'].nunique()} customer(s) available: "
            + "; ".join(parts) + (f"; remittance details asked for {asked} payment(s)" if asked else ""))


def run(book: Book, as_of: dt.date | None = None) -> Change:
    """Rewrite the Credits table."""
    day = _day(as_of)
    cr = view(book, day)
    change = Change("credits")
    change.tables["Credits"] = cr
    change.log(book.user, "Credits", "*", "rows", None, len(cr), f"as_of={day:%Y-%m-%d}")
    change.summary = _summary(cr, day)
    change.warnings = book.warnings
    return change


def _refreshed(book: Book, change: Change, day: dt.date) -> None:
    """The Credits table recomputed from the tables the change wrote."""
    after = Book(tables={**book.tables, **change.tables}, source=book.source, user=book.user)
    change.tables["Credits"] = view(after, day)


def credit_of(book: Book, source_id: str, as_of: dt.date | None = None, what: str = "credits") -> dict:
    """The credit ``source_id`` names: its row of the Credits view as a dict; a payment with money unapplied that
    no IBAN ties to a customer gets ``customer_id`` ''.  Anything else is refused, saying what it is."""
    src = _t(source_id)
    cr = view(book, as_of)
    hit = cr[cr["source_id"] == src]
    if len(hit):
        r = hit.iloc[0].to_dict()
        r["available"] = int(r["available"])
        return r
    pay, inv = book.get("Payments"), book.get("Invoices")
    p = pay[pay["payment_id"].map(_t) == src]
    if len(p):
        r = p.iloc[0]
        if _t(r["status"]).lower() == "ignored":
            raise ArXlError(f"{what}: payment {src} is set 'ignored' in Payments. Nothing was changed.")
        left = r["amount"] if blank(r["unapplied_amount"]) else r["unapplied_amount"]
        if blank(left) or int(left) <= 0:
            raise ArXlError(f"{what}: payment {src} has nothing unapplied. Nothing was changed.")
        held = engine.held_by_refunds(book.get("Refunds")).get(src, 0)
        return {"source_id": src, "kind": "unapplied cash", "customer_id": "", "customer_name": "",
                "currency": _t(r["currency"]).upper(), "amount": int(left), "available": max(int(left) - held, 0),
                "date": r["value_date"], "iban": ""}
    i = inv[inv["invoice_id"].map(_t) == src]
    if len(i):
        r = i.iloc[0]
        raise ArXlError(f"{what}: {src} is not a credit note with money open (open amount "
                        f"{_t(r['currency'])} {fmt(int(r['open_amount'] or 0))}, status {_t(r['status']) or 'blank'}). "
                        "Nothing was changed.")
    raise ArXlError(f"{what}: {src} is neither a credit note (Invoices) nor a payment (Payments). Nothing was changed.")


def parse_targets(text) -> list[tuple[str, int | None]]:
    """``INV[:amount],INV[:amount]`` (also ``;``-separated) -> ``[(invoice_id, cents or None)]``."""
    from ..money import parse_amount
    out = []
    parts = text if isinstance(text, (list, tuple)) else re.split(r"[,;]", str(text or ""))
    for part in parts:
        if isinstance(part, tuple):
            out.append(part)
            continue
        part = str(part).strip()
        if not part:
            continue
        iid, sep, amount = part.partition(":")
        try:
            out.append((iid.strip(), parse_amount(amount) if sep and amount.strip() else None))
        except ValueError as e:
            raise ArXlError(f"credits --to {part}: {e}") from None
    return out


def allocate(book: Book, source_id: str, targets, as_of: dt.date | None = None, user: str | None = None,
             note: str = "") -> Change:
    """Set the credit ``source_id`` against ``targets`` (module docstring); Matches rows, applied at once."""
    day = _day(as_of)
    user = who(book, user)
    credit = credit_of(book, source_id, day, "credits --allocate")
    src = credit["source_id"]
    try:
        allocs = engine.allocation(credit, parse_targets(targets), book.get("Invoices"))
    except ValueError as e:
        raise ArXlError(f"credits --allocate {src}: {e}. Nothing was changed.") from None
    change = Change("credits")
    ledger = _Ledger(book, change)
    is_note = credit["kind"] == "credit note"
    total = sum(c for _, c in allocs)
    lines = allocs + ([(src, -total)] if is_note else [])
    why = ledger.agency(src) or ledger.can_apply_all(src, [(iid, c, 0) for iid, c in lines])
    if why:
        raise ArXlError(f"credits --allocate {src}: {why}. Nothing was changed.")
    rule = "credit note" if is_note else "manual allocation"
    inv = book.get("Invoices")
    owner = dict(zip(inv["invoice_id"].map(_t), inv["customer_id"].map(_t)))
    customer = credit["customer_id"] or owner.get(allocs[0][0], "")
    pay = book.get("Payments")
    payer = dict(zip(pay["payment_id"].map(_t), pay["payer_name"].map(_t)))
    existing = set(book.get("Matches")["match_id"].map(_t))
    rows = []
    for iid, cents in lines:
        k = 1
        while f"M-{src}-{iid}-A{k}" in existing:
            k += 1
        mid = f"M-{src}-{iid}-A{k}"
        existing.add(mid)
        ledger.apply(src, iid, cents, f"{rule}: allocated by {user}")
        rows.append({
            "match_id": mid, "run_id": change.run_id, "payment_id": src, "invoice_id": iid, "customer_id": customer,
            "payer_name": payer.get(src, "") if not is_note else credit.get("customer_name", ""),
            "applied_amount": cents, "short_pay": 0, "write_off": 0, "confidence": 1.0, "decision": "auto",
            "rank": None, "rule": rule,
            "evidence": f"{credit['kind']} {src} ({credit['currency']} {fmt(credit['amount'])}) allocated by {user} "
                        f"on {day:%Y-%m-%d}",
            "flags": ALLOCATION_FLAG, "review": "", "reviewed_by": "", "applied": True, "note": note or "",
        })
        change.log(user, "Matches", mid, "applied", False, True, rule)
    ledger.finish()
    change.tables["Matches"] = appended(book, "Matches", rows)
    _refreshed(book, change, day)
    left = credit["available"] - total
    got = ", ".join(f"{iid} {credit['currency']} {fmt(c)}" for iid, c in allocs)
    change.summary = (f"allocated {credit['currency']} {fmt(total)} of {credit['kind']} {src} (customer {customer}): "
                      f"{got}; {credit['currency']} {fmt(left)} of it left. Allocation {change.run_id}: to reverse, "
                      f"ar-xl credits WORKBOOK --reverse {change.run_id} (or Reject its Matches rows and Apply "
                      "decisions)")
    change.allocation = allocs  # type: ignore[attr-defined]
    return change


def reverse(book: Book, ids, user: str | None = None, as_of: dt.date | None = None) -> Change:
    """Reverse applied Matches rows named by match id or run id (an allocation's rows all share its run id; a
    credit note's allocation, and a payment's with a credit note netted, is reversed whole: ``whole_allocations``):
    review Reject, applied FALSE, amounts back.  A row of a named run already reversed (review Reject, not applied)
    is left as it is and the rest of the run reversed; otherwise refused, with nothing changed, when a row is not
    applied or a person already typed a review on it."""
    user = who(book, user)
    want = {_t(x) for x in (ids if isinstance(ids, (list, tuple, set)) else re.split(r"[,;]", str(ids))) if _t(x)}
    m = book.get("Matches").copy().reset_index(drop=True)
    mid, rid = m["match_id"].map(_t), m["run_id"].map(_t)
    sel = mid.isin(want) | rid.isin(want)
    unknown = sorted(want - set(mid[sel]) - set(rid[sel]))
    if unknown:
        raise ArXlError(f"credits --reverse: no Matches row has match_id or run_id {', '.join(unknown)}. "
                        "Nothing was changed.")
    # a row of a named run already reversed (a Reject applied on it alone) is done: the rest is reversed
    done = sel & rid.isin(want) & ~mid.isin(want) & ~m["applied"].astype(bool) \
        & (m["review"].map(_t).str.lower() == "reject")
    if done.any() and done.equals(sel):
        raise ArXlError(f"credits --reverse: every row of {', '.join(sorted(set(rid[done])))} is already reversed "
                        "(review Reject, not applied). Nothing was changed.")
    sel = sel & ~done
    change = Change("credits")
    ledger = _Ledger(book, change)
    problems = []
    rows = np.flatnonzero(whole_allocations(m, ledger, sel.to_numpy()))
    for i in rows:
        r = m.iloc[i]
        if not bool(r["applied"]):
            problems.append(f"{r['match_id']} is not applied")
        elif _t(r["review"]):
            problems.append(f"{r['match_id']} has review {_t(r['review'])!r} typed by a person; use Apply decisions")
        else:
            why = ledger.missing(_t(r["payment_id"]), _t(r["invoice_id"]))
            if why:
                problems.append(f"{r['match_id']}: {why}")
    if problems:
        raise ArXlError("credits --reverse: " + "; ".join(problems) + ". Nothing was changed.")
    reverse_rows(ledger, m, rows, user, f"reversed by {user}")
    ledger.finish()
    change.tables["Matches"] = m
    _refreshed(book, change, _day(as_of))
    change.summary = (f"reversed {len(rows)} Matches row(s): "
                      + ", ".join(f"{m.at[i, 'invoice_id']} {fmt(int(m.at[i, 'applied_amount']))}" for i in rows)
                      + (f" (already reversed: {', '.join(mid[done])})" if done.any() else ""))
    return change


def _iban_problem(iban: str) -> str:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException
    try:
        IBAN(iban)
    except SchwiftyException as e:
        return str(e) or type(e).__name__
    return ""


def propose_refund(book: Book, source_id: str, amount: int | None = None, as_of: dt.date | None = None,
                   user: str | None = None, note: str = "") -> Change:
    """A Refunds row for ``amount`` (default: all the credit has available) of the credit ``source_id``."""
    day = _day(as_of)
    user = who(book, user)
    what = f"credits --refund {_t(source_id)}"
    credit = credit_of(book, source_id, day, what)
    src, cur = credit["source_id"], credit["currency"]
    if not credit["customer_id"]:
        raise ArXlError(f"{what}: the payment's IBAN is on no customer's list, so whose money it is is not known; "
                        "allocate it or add the IBAN to the customer first. Nothing was changed.")
    cents = credit["available"] if amount is None else int(amount)
    if cents <= 0:
        raise ArXlError(f"{what}: nothing to refund ({cur} {fmt(cents)}; refunds already hold "
                        f"{cur} {fmt(int(credit.get('refunds') or 0))}). Nothing was changed.")
    if cents > credit["available"]:
        raise ArXlError(f"{what}: the credit has only {cur} {fmt(credit['available'])} available, not {fmt(cents)}. "
                        "Nothing was changed.")
    cust = book.get("Customers")
    row = cust[cust["customer_id"].map(_t) == credit["customer_id"]]
    iban = engine.first_iban(row.iloc[0]["iban"]) if len(row) else ""
    if not iban:
        raise ArXlError(f"{what}: customer {credit['customer_id']} has no IBAN in Customers.iban to refund to. "
                        "Nothing was changed.")
    bad = _iban_problem(iban)
    if bad:
        raise ArXlError(f"{what}: customer {credit['customer_id']}'s IBAN {iban} (Customers.iban) is not valid: {bad}. "
                        "Nothing was changed.")
    refunds = book.get("Refunds")
    rid = next_id(list(refunds["refund_id"]), "RF")
    change = Change("credits")
    change.tables["Refunds"] = appended(book, "Refunds", [{
        "refund_id": rid, "customer_id": credit["customer_id"], "customer_name": credit.get("customer_name", ""),
        "source_id": src, "kind": credit["kind"], "amount": cents, "currency": cur, "iban": iban,
        "status": "proposed", "proposed_by": user, "proposed_on": pd.Timestamp(day), "exported_on": None,
        "end_to_end_id": "", "file": "", "note": note or ""}])
    change.log(user, "Refunds", rid, "status", None, "proposed", f"refund of {credit['kind']} {src}: {cur} {fmt(cents)}")
    _refreshed(book, change, day)
    change.summary = (f"proposed refund {rid}: {cur} {fmt(cents)} of {credit['kind']} {src} to customer "
                      f"{credit['customer_id']} {credit.get('customer_name', '')}, IBAN {iban}"
                      + ("" if cur == "EUR" else " (not EUR: it cannot go into a SEPA file; pay it another way)"))
    return change


def sepa_xml(company: dict, refunds: pd.DataFrame, execution: dt.date, created: dt.datetime) -> bytes:
    """The pain.001.001.03 credit transfer of ``refunds`` (EUR), built and checked against its XSD by sepaxml."""
    from sepaxml import SepaTransfer
    from sepaxml.validation import ValidationError
    cfg = {"name": company["name"], "IBAN": company["iban"], "batch": True, "currency": "EUR"}
    if company.get("bic"):
        cfg["BIC"] = company["bic"]
    sepa = SepaTransfer(cfg, schema=SEPA_SCHEMA)
    for r in refunds.itertuples(index=False):
        sepa.add_payment({
            "name": r.customer_name or r.customer_id, "IBAN": r.iban, "amount": int(r.amount),
            "execution_date": execution, "endtoend_id": r.refund_id,
            "description": f"Refund {r.kind} {r.source_id} customer {r.customer_id}"[:140],
        })
    try:
        xml = sepa.export(validate=True)
    except ValidationError as e:
        raise ArXlError(f"the SEPA file does not validate against {SEPA_SCHEMA}.xsd: {e.__cause__ or e}") from None
    # the creation time from ar-xl's clock (sepaxml takes the machine's)
    return re.sub(rb"<CreDtTm>[^<]*</CreDtTm>", f"<CreDtTm>{created:%Y-%m-%dT%H:%M:%S}</CreDtTm>".encode(), xml, count=1)


def _payable(book: Book, ref: pd.DataFrame, eur: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The refunds of ``eur`` their credit still covers, in Refunds order, and why each other one is not: the
    credit must still be there (matching may have applied the cash since the proposal, the ERP may have closed
    the credit note), so a refund it no longer covers is left out of the file, proposed, and named."""
    pay, inv = book.get("Payments"), book.get("Invoices")
    left_pay = {_t(p): int(a if blank(u) else u) for p, a, u in zip(pay["payment_id"], pay["amount"],
                                                                   pay["unapplied_amount"]) if not blank(a)}
    open_inv = {_t(i): int(o) for i, o in zip(inv["invoice_id"], inv["open_amount"]) if not blank(o)}
    exported_notes = engine.refunded_credit_notes(ref)
    used: dict[str, int] = {}
    keep, unpaid = [], []
    for r in eur.itertuples(index=False):
        src, cents = _t(r.source_id), int(r.amount)
        if _t(r.kind) == "unapplied cash":
            have = left_pay.get(src, 0)
        else:
            have = -open_inv.get(src, 0) - exported_notes.get(src, 0)
        have -= used.get(src, 0)
        keep.append(cents <= have)
        if keep[-1]:
            used[src] = used.get(src, 0) + cents
        else:
            unpaid.append(f"refund {r.refund_id}: {r.kind} {src} has only EUR {fmt(max(have, 0))} left to refund, "
                          f"not {fmt(cents)}")
    return eur[keep], unpaid


def export_refunds(book: Book, out: str | Path, ids=None, as_of: dt.date | None = None,
                   execution_date: dt.date | None = None, user: str | None = None) -> Change:
    """Export the proposed EUR refunds (or those of ``ids``) to the pain.001 file ``out`` (module docstring)."""
    day = _day(as_of)
    user = who(book, user)
    out = Path(out).absolute()
    what = "credits --export-refunds"
    ref = book.get("Refunds").copy().reset_index(drop=True)
    rid, status = ref["refund_id"].map(_t), ref["status"].map(_t).str.lower()
    if ids:
        want = [_t(x) for x in (ids if isinstance(ids, (list, tuple)) else re.split(r"[,;]", str(ids))) if _t(x)]
        problems = [f"no refund {x} in Refunds" for x in want if x not in set(rid)]
        problems += [f"refund {x} is {status[rid == x].iloc[0] or 'blank'}, not proposed" for x in want
                     if x in set(rid) and status[rid == x].iloc[0] != "proposed"]
        if problems:
            raise ArXlError(f"{what}: " + "; ".join(problems) + ". Nothing was changed.")
        pick = rid.isin(want)
    else:
        pick = status == "proposed"
    chosen = ref[pick.to_numpy()]
    eur = chosen[chosen["currency"].map(_t).str.upper() == "EUR"]
    other = chosen[chosen["currency"].map(_t).str.upper() != "EUR"]
    not_sepa = [f"{r.refund_id} ({_t(r.currency)} {fmt(int(r.amount))})" for r in other.itertuples(index=False)]
    refused_text = (f"not in the SEPA file, SEPA carries euro only: {', '.join(not_sepa)}; pay them another way"
                    if not_sepa else "")
    if not len(eur):
        raise ArXlError(f"{what}: no proposed EUR refund to export" + (f" ({refused_text})" if not_sepa else "")
                        + ". Nothing was changed.")
    company = book.config.dunning.company
    problems = []
    if not company.get("name"):
        problems.append("Config company.name is empty")
    if not company.get("iban"):
        problems.append("Config company.iban is empty (our account the refunds are paid from)")
    elif _iban_problem(company["iban"].replace(" ", "")):
        problems.append(f"Config company.iban {company['iban']} is not valid: {_iban_problem(company['iban'].replace(' ', ''))}")
    company = {**company, "iban": company.get("iban", "").replace(" ", "").upper(),
               "bic": company.get("bic", "").replace(" ", "").upper()}
    for r in eur.itertuples(index=False):
        bad = _iban_problem(_t(r.iban))
        if bad:
            problems.append(f"refund {r.refund_id}: IBAN {_t(r.iban) or '(empty)'} is not valid: {bad}")
    if problems:
        raise ArXlError(f"{what}: " + "; ".join(problems) + ". Nothing was changed.")
    eur, unpaid = _payable(book, ref, eur)
    unpaid_text = (f"left out of the SEPA file, still proposed: {'; '.join(unpaid)}; cancel it (type cancelled in its "
                   "status in Refunds) and propose a refund of what is left" if unpaid else "")
    if not len(eur):
        raise ArXlError(f"{what}: no proposed EUR refund can be paid: {'; '.join(unpaid)}. Nothing was changed.")
    xml = sepa_xml(company, eur, execution_date or day, clock.now())
    change = Change("credits")
    change.documents = [(out, xml)]  # type: ignore[attr-defined]
    ledger = _Ledger(book, change)
    for c in ("status", "end_to_end_id", "file"):
        ref[c] = ref[c].astype(object)
    ref["exported_on"] = pd.to_datetime(ref["exported_on"]).astype("datetime64[ns]")
    for i in np.flatnonzero(rid.isin(set(eur["refund_id"].map(_t))).to_numpy()):
        r = ref.iloc[i]
        ref.at[i, "status"] = "exported"
        ref.at[i, "exported_on"] = pd.Timestamp(day)
        ref.at[i, "end_to_end_id"] = _t(r["refund_id"])
        ref.at[i, "file"] = str(out)
        change.log(user, "Refunds", r["refund_id"], "status", "proposed", "exported", f"SEPA file {out.name}")
        if _t(r["kind"]) == "unapplied cash" and _t(r["source_id"]) in ledger.pay_pos:
            ledger.apply(_t(r["source_id"]), "", int(r["amount"]), f"refund {_t(r['refund_id'])} exported to {out.name}")
    ledger.finish()
    change.tables.pop("Invoices", None)
    change.tables.pop("Customers", None)
    change.tables["Refunds"] = ref
    _refreshed(book, change, day)
    total = int(eur["amount"].astype(np.int64).sum())
    change.summary = (f"exported {len(eur)} refund(s), EUR {fmt(total)}, to {out} ({SEPA_SCHEMA}, execution date "
                      f"{execution_date or day:%Y-%m-%d})" + (f"; {refused_text}" if refused_text else "")
                      + (f"; {unpaid_text}" if unpaid else ""))
    if not_sepa:
        change.warnings.append(refused_text)
    if unpaid:
        change.warnings.append(unpaid_text)
    change.exported = eur  # type: ignore[attr-defined]
    return change


def _language(book: Book, row: dict) -> str:
    lang = _t(row.get("language")).lower()
    return lang if lang in render.LOCALES else (book.config.dunning.language or "en")


def ask(book: Book, payment_ids, out_dir: str | Path = ".", as_of: dt.date | None = None,
        user: str | None = None) -> Change:
    """An .eml draft for each payment (one id, or a list) asking the customer which invoices it pays; each
    logged in Activities.  One payment that cannot be asked about is refused with nothing changed; of several,
    those that can are asked about and the others are named in the summary (all refused: nothing changed)."""
    day = _day(as_of)
    user = who(book, user)
    ids = [payment_ids] if isinstance(payment_ids, str) else list(dict.fromkeys(payment_ids))
    what = f"credits --ask {','.join(_t(i) for i in ids)}"
    out = Path(out_dir)
    if not out.is_dir():
        raise ArXlError(f"{what}: the folder {out} does not exist; create it first. Nothing was changed.")
    un = unapplied_cash(book)
    when = clock.now()
    change = Change("credits")
    acts = book.get("Activities")
    existing = list(acts["activity_id"])
    rows, docs, done, skipped = [], [], [], []
    for pid in (_t(i) for i in ids):
        try:
            path, draft, row, lang = _request(book, pid, un, out, day, user, when)
        except ArXlError as e:
            if len(ids) == 1:
                raise ArXlError(f"{what}: {e} Nothing was changed.") from None
            skipped.append(f"{pid}: {e}")
            continue
        to = row.pop("to")
        row["activity_id"] = aid = next_id(existing, "A")
        existing.append(aid)
        rows.append(row)
        docs.append((path, draft))
        change.log(user, "Activities", aid, "outcome", None, row["outcome"], "credits --ask")
        done.append((pid, lang, row["outcome"], to, path))
    if not done:
        raise ArXlError(f"{what}: no payment could be asked about: {'; '.join(skipped)}. Nothing was changed.")
    change.documents = docs  # type: ignore[attr-defined]
    change.tables["Activities"] = appended(book, "Activities", rows)
    _refreshed(book, change, day)  # the Credits view shows the day each payment was asked about
    if len(ids) == 1:
        _, lang, outcome, to, path = done[0]
        change.summary = f"{outcome}; draft in {lang} to {to or '(no e-mail address)'}: {path}"
    else:
        change.summary = (f"asked for remittance details of {len(done)} payment(s) "
                          f"({', '.join(d[0] for d in done)}): drafts in {out.absolute()}")
        if skipped:
            change.summary += f"; not asked: {'; '.join(skipped)}"
    return change


def _request(book: Book, pid: str, un: pd.DataFrame, out: Path, day: dt.date, user: str, when) -> tuple:
    """The draft asking which invoices payment ``pid`` pays: (path, .eml bytes, its Activities row without an
    id but with ``to``, the address the draft goes to; language); ``ArXlError`` saying why it cannot be asked
    about."""
    pay = book.get("Payments")
    p = pay[pay["payment_id"].map(_t) == pid]
    if not len(p):
        raise ArXlError(f"no payment {pid} in Payments.")
    p = p.iloc[0]
    mine = un[un["payment_id"] == pid]
    if not len(mine):
        raise ArXlError(f"payment {pid} has no unapplied cash tied to a customer (nothing unapplied, set "
                        "'ignored', or its IBAN is on no customer's list).")
    cid = _t(mine.iloc[0]["customer_id"])
    cust = book.get("Customers")
    row = cust[cust["customer_id"].map(_t) == cid].iloc[0].to_dict()
    lang = _language(book, row)
    cur = _t(p["currency"]).upper()
    amount = int(p["amount"])
    left = int(mine.iloc[0]["amount"])
    vd = pd.Timestamp(p["value_date"]).date()
    items = [{"invoice_id": _t(r.invoice_id), "invoice_date": render.day(pd.Timestamp(r.invoice_date).date(), lang),
              "due_date": render.day(pd.Timestamp(r.due_date).date(), lang),
              "open": render.money(int(r.open_amount), cur, lang)}
             for r in engine.open_invoices(book.get("Invoices"), cid, cur).itertuples(index=False)]
    dn = book.config.dunning
    values = {"customer_id": cid, "customer_name": _t(row.get("customer_name")) or cid, "payment_id": pid,
              "amount": render.money(amount, cur, lang), "amount_cents": amount,
              "left": render.money(left, cur, lang), "left_cents": left, "value_date": render.day(vd, lang),
              "payer_name": _t(p["payer_name"]), "bank_reference": _t(p["bank_reference"]),
              "remittance": _t(p["remittance"]), "items": items, "currency": cur, "language": lang,
              "company": dict(dn.company)}
    subject, body = render.template_text(f"remittance_{lang}.txt", values, dn.templates)
    email = _t(row.get("email"))
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"remittance_{pid}_{cid}").strip("._")
    path = (out / f"{safe}.eml").absolute()
    draft = render.draft(email, subject, body, lang, dn.company.get("email", ""), when)
    outcome = (f"asked for remittance details of payment {pid}: {cur} {fmt(amount)} received {vd:%Y-%m-%d}"
               f"{'' if left == amount else f', {cur} {fmt(left)} unapplied'}")
    activity = {"at": pd.Timestamp(when), "user": user, "customer_id": cid, "channel": "email", "outcome": outcome,
                "payment_id": pid, "next_action_date": pd.Timestamp(day + dt.timedelta(days=7)),
                "note": f"draft {path.name}" + ("" if email else " (no e-mail address in Customers)"), "to": email}
    return path, draft, activity, lang

"""Reminders (dunning): the letters due, rendered, and logged.

``remind(book, ...)`` asks ``engine.dunning`` which letters are due as of the date, renders each in the
customer's language (``letters.render``: subject and body from the template, a PDF letter, an ``.eml``
draft with the PDF attached) and returns a ``Change`` that

* appends one **Reminders** row per letter (id ``R-000001``; customer, level, tone, language, items,
  amount, fee, interest, compensation, total, e-mail, the PDF and draft paths, user);
* appends one **Activities** row per letter (channel ``email`` when the customer has an address, else
  ``letter``; the outcome names the level and total; next action date = the pay-by date);
* logs both in **Audit**.

From level ``STATEMENT_FROM_LEVEL`` (2) on, the customer's **statement of account** (``actions.statement``,
all currencies, same as-of date) goes with the letter: as a second PDF attached to the draft and as a file
``<stem>_statement.pdf`` beside the letter.

The files themselves travel on ``change.documents`` as ``(path, bytes)``: the shell writes them (after
checking each path) before it saves the workbook, so a logged reminder always has its files.  With
``dry_run`` nothing is rendered or logged: the summary says what would be made and why others are not.

Cash that may pay an item: an item a payment may pay is held back while its **Matches** row waits for review
(``waiting_for_review``: a suggested row, or an unmatched row a person typed the item on, neither rejected nor
applied, of a payment with money unapplied); the summary names the item, the payment and the row.  A customer
reminded while it has **unapplied cash** no live Matches row proposes anywhere (``actions.credit.unapplied_cash``)
is named in the summary with the amount and the payments.  **Credit notes** are set against the items by the
engine; what refunds hold of them (``engine.credits.held_by_refunds``) is not.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd

from .. import clock, progress
from ..book import Book, Change
from ..dates import as_of as as_date
from ..engine import dunning, states
from ..engine.credits import held_by_refunds
from ..engine.disputes import join_ids, next_id
from ..errors import ArXlError
from ..frames import blank, text
from ..letters import render
from ..money import fmt
from .credit import unapplied_cash
from .match import _hand_done, parse_assignment
from .plan import appended, known_customer, who
from .statement import Statements

STATEMENT_FROM_LEVEL = 2
"""Reminders of this level and higher carry the statement of account."""


def _live_rows(book: Book) -> list[tuple[str, str, str, str]]:
    """(invoice id, payment id, match id, the payment in words) of each Matches row waiting for review that
    proposes a payment with money unapplied for an invoice (module docstring)."""
    m, pay = book.optional("Matches"), book.optional("Payments")
    if m is None or pay is None or not len(m) or not len(pay):
        return []
    live: dict[str, str] = {}
    for pid, amount, un, cur, st in zip(pay["payment_id"], pay["amount"], pay["unapplied_amount"], pay["currency"],
                                        pay["status"]):
        left = amount if blank(un) else un
        if text(st).lower() != "ignored" and not blank(left) and int(left) > 0:
            live[text(pid)] = f"payment {text(pid)} of {text(cur).upper()} {fmt(int(amount))}"
    out = []
    for row in m.to_dict("records"):
        pid, decision = text(row.get("payment_id")), text(row.get("decision")).lower()
        applied = row.get("applied")
        if pid not in live or (not blank(applied) and bool(applied)) or text(row.get("review")).lower() == "reject":
            continue
        typed = text(row.get("invoice_id"))
        if decision == "suggested" and typed:
            ids = [typed]
        elif decision == "unmatched" and typed and not _hand_done(row):
            try:
                ids = [iid for iid, _ in parse_assignment(typed)]
            except ValueError:  # Apply decisions names what is wrong with it
                ids = [p.partition(":")[0].strip() for p in typed.split(";") if p.strip()]
        else:
            continue
        out.extend((iid, pid, text(row.get("match_id")), live[pid]) for iid in ids)
    return out


def waiting_for_review(live: list[tuple[str, str, str, str]]) -> dict[str, str]:
    """Invoice id -> the payments that may pay it while their Matches rows (``_live_rows``) wait for review, in
    words (``payment P-1 of EUR 10.00, Matches row M-P-1-INV-1-S1``)."""
    out: dict[str, list[str]] = {}
    for iid, _, mid, words in live:
        out.setdefault(iid, []).append(f"{words}, Matches row {mid}")
    return {iid: "; ".join(w) for iid, w in out.items()}


def unproposed_cash(book: Book, customers, live: list[tuple[str, str, str, str]]) -> list[str]:
    """Per customer of ``customers`` with unapplied cash no live Matches row (``live``, ``_live_rows``) proposes for
    an invoice: the amounts and the payments, in words."""
    un = unapplied_cash(book)
    if not len(un):
        return []
    proposed = {pid for _, pid, _, _ in live}
    un = un[un["customer_id"].isin(set(customers)) & ~un["payment_id"].isin(proposed)]
    out = []
    for (cid, cur), g in un.groupby(["customer_id", "currency"], sort=True):
        out.append(f"{cid} has unapplied cash {cur} {fmt(int(g['amount'].sum()))} ({', '.join(g['payment_id'])}) "
                   f"that no Matches row proposes: check it pays nothing reminded (ar-xl credits WORKBOOK "
                   f"--allocate {g['payment_id'].iloc[0]} --to …, or --ask it)")
    return out


def plan_letters(book: Book, as_of=None, customers=None, level: int | None = None,
                 live: list[tuple[str, str, str, str]] | None = None) -> dunning.Plan:
    """The engine's decision for this book (Reminders may be missing from an older workbook: none sent).  ``live``:
    the Matches rows waiting for review (``_live_rows``), when the caller has read them already."""
    book.missing.pop("Reminders", None)
    cfg = book.config
    customers = [known_customer(book, c, "remind") for c in customers or ()]  # c10993: C10993
    try:
        invoices = states.with_handovers(book.get("Invoices"), book.optional("Handovers"))
        return dunning.plan(invoices, book.get("Customers"), book.get("Disputes"), book.get("Promises"),
                            book.get("Plans"), book.get("Reminders"), as_date(as_of), cfg,
                            only_customers=list(customers) if customers else None, only_level=level,
                            waiting=waiting_for_review(_live_rows(book) if live is None else live), credit_held=held_by_refunds(book.optional("Refunds")))
    except ValueError as e:  # an unknown level: the engine names the levels Config defines
        raise ArXlError(f"remind: {e}") from None


def interest_warnings(plan: dunning.Plan) -> list[str]:
    """One warning per reason interest was left out (the letters themselves say so too), with how many
    items and reminders it touches and the first customers."""
    by_reason: dict[str, list[tuple[str, int]]] = {}
    for lt in plan.letters:
        for why, items in lt.interest_missing.items():
            by_reason.setdefault(why, []).append((lt.customer_id, len(items)))
    out = []
    for why, hits in by_reason.items():
        custs = list(dict.fromkeys(c for c, _ in hits))
        out.append(f"interest left out of {sum(n for _, n in hits)} item(s) in {len(hits)} reminder(s) "
                   f"(customer {', '.join(custs[:5])}{', ...' if len(custs) > 5 else ''}): {why}")
    return out


NAMED = ("waiting for review", "open credit covers")
"""Skip reasons the summary names one by one (the item or customer and the details), up to ``NAMED_MAX``."""
NAMED_MAX = 10


def _skips(plan: dunning.Plan) -> str:
    named: dict[str, list[str]] = {}
    counts: Counter = Counter()
    for c, iid, r in plan.skipped:
        head = next((h for h in NAMED if r.startswith(h)), "")
        if head:
            named.setdefault(head, []).append(f"{iid or c} {r[len(head):].lstrip(': ')}")
        counts[head or (r.split(":")[0] if r.startswith("level ") else r)] += 1
    parts = []
    for r, n in counts.most_common():
        shown = named.get(r, [])[:NAMED_MAX]
        more = f"; and {n - len(shown)} more" if n > len(shown) else ""
        parts.append(f"{r} ({n}: {'; '.join(shown)}{more})" if shown else f"{r} ({n})")
    return "; ".join(parts)


def _cash_note(book: Book, plan: dunning.Plan, live: list[tuple[str, str, str, str]]) -> str:
    notes = unproposed_cash(book, {lt.customer_id for lt in plan.letters}, live)
    return f"; warning: {'; '.join(notes)}" if notes else ""


def remind(book: Book, as_of=None, customers=None, level: int | None = None, out_dir: str | Path = ".",
           dry_run: bool = False, user: str | None = None) -> Change:
    """Make the reminders due (see the module docstring); ``change.documents`` holds the files."""
    day = as_date(as_of)
    user = who(book, user)
    live = _live_rows(book)  # read once: what waits for review holds items back and explains unapplied cash
    plan = plan_letters(book, day, customers, level, live)
    change = Change("remind")
    change.documents = []  # type: ignore[attr-defined]
    change.plan = plan  # type: ignore[attr-defined]
    levels = Counter(lt.level.number for lt in plan.letters)
    by_level = ", ".join(f"level {n}: {k}" for n, k in sorted(levels.items()))
    skipped = _skips(plan)
    if dry_run or not plan.letters:
        verb = "would make" if dry_run else "made"
        change.summary = (f"{verb} {len(plan.letters)} reminder(s) as of {day:%Y-%m-%d}"
                          f"{' (' + by_level + ')' if by_level else ''}; not reminded: {skipped or 'none'}"
                          f"{_cash_note(book, plan, live)}")
        change.warnings.extend(interest_warnings(plan))
        return change
    out = Path(out_dir)
    if not out.is_dir():
        raise ArXlError(f"{out}: the folder for the reminders does not exist; create it first")
    cfg = book.config
    dn = cfg.dunning
    existing = list(book.get("Reminders")["reminder_id"])
    act_ids = list(book.get("Activities")["activity_id"])
    rows, acts = [], []
    when = clock.now()
    statements: Statements | None = None
    for lt in progress.track(plan.letters, "writing reminders"):
        rid = next_id(existing, "R")
        existing.append(rid)
        stem = render.file_stem(rid, lt.customer_id, lt.level.number)
        pdf_path, eml_path = (out / f"{stem}.pdf").absolute(), (out / f"{stem}.eml").absolute()
        subject, body = render.texts(lt, dn, day)
        pdf = render.pdf(lt, subject, body, dn, day)
        change.documents.append((pdf_path, pdf))  # type: ignore[attr-defined]
        more: tuple[tuple[str, bytes], ...] = ()
        if lt.level.number >= STATEMENT_FROM_LEVEL:
            statements = statements or Statements(book, day)
            st_pdf = statements.pdf(lt.customer_id)
            st_path = (out / f"{stem}_statement.pdf").absolute()
            change.documents.append((st_path, st_pdf))  # type: ignore[attr-defined]
            more = ((st_path.name, st_pdf),)
        if lt.email:
            change.documents.append((eml_path, render.eml(lt, subject, body, pdf, pdf_path.name, dn, when, more)))  # type: ignore[attr-defined]
        items = join_ids(lt.items["invoice_id"])
        rows.append({
            "reminder_id": rid, "customer_id": lt.customer_id, "customer_name": lt.customer_name,
            "level": lt.level.number, "tone": lt.level.tone, "language": lt.language, "sent_on": pd.Timestamp(day),
            "items": items, "currency": lt.currency, "amount": lt.amount, "fee": lt.fee, "interest": lt.interest,
            "compensation": lt.compensation, "total": lt.total, "email": lt.email, "file": str(pdf_path),
            "draft": str(eml_path) if lt.email else "", "user": user,
            "note": "; ".join(f"credit note {k} {lt.currency} {fmt(v)} set against" for k, v in lt.credit_notes),
        })
        aid = next_id(act_ids, "A")
        act_ids.append(aid)
        pay_by = day + dt.timedelta(days=render.PAY_WITHIN_DAYS)
        acts.append({
            "activity_id": aid, "at": pd.Timestamp(when), "user": user, "customer_id": lt.customer_id,
            "channel": "email" if lt.email else "letter",
            "outcome": f"reminder {rid} level {lt.level.number} ({lt.level.tone}): {len(lt.items)} item(s), "
                       f"{lt.currency} {fmt(lt.total)}{' with statement of account' if more else ''}",
            "next_action_date": pd.Timestamp(pay_by), "note": "",
        })
        change.log(user, "Reminders", rid, "total", None, fmt(lt.total), f"remind level {lt.level.number}")
        change.log(user, "Activities", aid, "outcome", None, acts[-1]["outcome"], "remind")
    change.tables["Reminders"] = appended(book, "Reminders", rows)
    change.tables["Activities"] = appended(book, "Activities", acts)
    no_mail = sum(1 for lt in plan.letters if not lt.email)
    change.summary = (f"made {len(rows)} reminder(s) as of {day:%Y-%m-%d} ({by_level}) for "
                      f"{len({lt.customer_id for lt in plan.letters})} customer(s) in {out.absolute()}"
                      f"{f'; {no_mail} without an e-mail address (PDF only)' if no_mail else ''}"
                      f"; not reminded: {skipped or 'none'}{_cash_note(book, plan, live)}")
    change.warnings.extend(interest_warnings(plan))
    return change

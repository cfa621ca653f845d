"""Statement of account: one customer's statement as a PDF or XLSX, logged.

``statement(book, customer_id, ...)`` reads Invoices, Customers, Payments, Handovers and Refunds (Config
always), builds the statement with ``engine.statement`` (unapplied cash as the credit exposure counts it:
``actions.credit.unapplied_cash``; the items on a live handover named with the agency; what of a credit note
was refunded left out), renders it in the
customer's language (Customers.language, else Config ``dunning.language``) with ``letters.statement`` (PDF)
or ``letters.statement_xlsx`` (XLSX), and returns a ``Change`` that appends one **Activities** row (channel
``email`` when the customer has an address, else ``letter``; outcome ``statement sent: ...`` with the balance
per currency) and logs it in **Audit**.  The file travels on ``change.documents`` as ``(path, bytes)``: the
shell writes it before it saves the workbook.  ``pdf_for`` gives the PDF alone (a level 2+ reminder attaches it).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import clock, frames
from ..book import Book, Change
from ..engine import statement as engine
from ..engine.credits import refunded_credit_notes
from ..engine.disputes import next_id
from ..errors import ArXlError
from ..letters import statement as letter
from ..money import fmt
from .credit import unapplied_cash
from .plan import appended, known_customer, who

FORMATS = (".pdf", ".xlsx")


def refunded(book: Book) -> dict[str, int]:
    """Credit note id -> cents refunded to the customer (Refunds exported; ``engine.credits``)."""
    return refunded_credit_notes(book.optional("Refunds"))


def customer_of(book: Book, customer_id: str) -> dict:
    """The customer's id, name, language (Customers, else Config ``dunning.language``), e-mail; an unknown
    customer is refused, naming it."""
    cid = known_customer(book, customer_id, "statement")
    cust = book.get("Customers")
    hit = cust[cust["customer_id"].astype(str).str.strip() == cid] if len(cust) else cust
    inv = book.get("Invoices")
    return _info(book, cid, hit.iloc[0].to_dict() if len(hit) else {},
                 inv[inv["customer_id"].astype(str).str.strip() == cid] if len(inv) else inv)


def _info(book: Book, cid: str, row: dict, invoices: pd.DataFrame) -> dict:
    def text(key):
        v = row.get(key)
        return "" if v is None or pd.isna(v) else str(v).strip()
    name = text("customer_name")
    if not name and len(invoices) and "customer_name" in invoices:
        names = invoices["customer_name"].dropna()
        name = str(names.iloc[0]).strip() if len(names) else ""
    lang = text("language").lower()
    return {"customer_id": cid, "customer_name": name or cid, "email": text("email"),
            "language": lang if lang in letter.LABELS else book.config.dunning.language}


def build(book: Book, customer_id: str, as_of: dt.date, invoices: pd.DataFrame | None = None,
          unapplied: pd.DataFrame | None = None) -> tuple[engine.Statement, dict]:
    """The statement (engine) and the customer (``customer_of``); ``invoices`` / ``unapplied`` may be given
    already narrowed to the customer (``Statements``), read from the book otherwise."""
    who_ = customer_of(book, customer_id)
    stmt = engine.statement(book.get("Invoices") if invoices is None else invoices,
                            unapplied_cash(book) if unapplied is None else unapplied,
                            who_["customer_id"], as_of, book.config, book.optional("Handovers"), refunded(book))
    return stmt, who_


class Statements:
    """Statement PDFs of many customers of one book as of one date (a reminder run): Invoices grouped by
    customer and the unapplied cash read once, each customer's PDF made once."""

    def __init__(self, book: Book, as_of: dt.date):
        self.book, self.as_of = book, as_of
        inv = book.get("Invoices")
        self.groups = dict(tuple(inv.groupby(inv["customer_id"].astype(str).str.strip(), sort=False))) if len(inv) else {}
        self.empty = inv.iloc[0:0]
        self.unapplied = unapplied_cash(book)
        self.handovers = book.optional("Handovers")
        self.refunded = refunded(book)
        cust = book.get("Customers")
        self.records = {str(r["customer_id"]).strip(): r for r in cust.to_dict("records")} if len(cust) else {}
        self.made: dict[str, bytes] = {}

    def pdf(self, customer_id: str) -> bytes:
        """The PDF of a customer the reminders found on Invoices."""
        if customer_id not in self.made:
            inv = self.groups.get(customer_id, self.empty)
            c = _info(self.book, customer_id, self.records.get(customer_id, {}), inv)
            stmt = engine.statement(inv, self.unapplied, customer_id, self.as_of, self.book.config, self.handovers,
                                    self.refunded)
            self.made[customer_id] = letter.pdf(stmt, c["customer_name"], c["language"], self.book.config.dunning,
                                                c["email"])
        return self.made[customer_id]


def pdf_for(book: Book, customer_id: str, as_of: dt.date) -> bytes:
    """The statement PDF of one customer as of the date (an unknown customer is refused)."""
    stmt, c = build(book, customer_id, as_of)
    return letter.pdf(stmt, c["customer_name"], c["language"], book.config.dunning, c["email"])


def planned(activities: pd.DataFrame, customer_id: str):
    """The next action date of the customer's latest contact (Activities, by ``at``), or None: a statement sent
    keeps what a collector planned (the worklist reads the latest contact's date; a statement plans nothing)."""
    if not len(activities):
        return None
    mine = activities[activities["customer_id"].map(frames.text).eq(customer_id).to_numpy()]
    if not len(mine):
        return None
    at = pd.to_datetime(mine["at"], errors="coerce")
    last = mine.loc[at.sort_values(kind="stable", na_position="first").index[-1], "next_action_date"]
    day = None if frames.blank(last) else pd.to_datetime(last, errors="coerce")
    return None if day is None or pd.isna(day) else day


def balances(stmt: engine.Statement) -> str:
    """``EUR 1,234.56; USD -50.00`` (or ``nothing open``)."""
    return "; ".join(f"{t.currency} {fmt(int(t.balance))}" for t in stmt.totals.itertuples()) or "nothing open"


def statement(book: Book, customer_id: str, as_of=None, out: str | Path | None = None,
              user: str | None = None) -> Change:
    """Render the statement to ``out`` (``.pdf`` or ``.xlsx``; default ``statement_<id>_<date>.pdf`` here)
    and log it (module docstring); ``change.documents`` holds the file."""
    day = as_of or clock.today()
    stmt, c = build(book, customer_id, day)
    path = Path(out) if out else Path(letter.file_name(c["customer_id"], day))
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ArXlError(f"statement: {path.name}: the file must end in .pdf or .xlsx")
    dn = book.config.dunning
    if suffix == ".pdf":
        data = letter.pdf(stmt, c["customer_name"], c["language"], dn, c["email"])
    else:
        from ..letters.statement_xlsx import xlsx
        data = xlsx(stmt, c["customer_name"], c["language"], dn)
    path = path.absolute()
    change = Change("statement")
    change.documents = [(path, data)]  # type: ignore[attr-defined]
    change.statement = stmt  # type: ignore[attr-defined]
    user = who(book, user)
    book.missing.pop("Activities", None)
    acts = book.get("Activities")
    aid = next_id(list(acts["activity_id"]), "A")
    outcome = f"statement sent: {len(stmt.lines)} line(s), balance {balances(stmt)} ({path.name})"
    change.tables["Activities"] = appended(book, "Activities", [{
        "activity_id": aid, "at": pd.Timestamp(clock.now()), "user": user, "customer_id": c["customer_id"],
        "channel": "email" if c["email"] else "letter", "outcome": outcome,
        "next_action_date": planned(acts, c["customer_id"]), "note": "",
    }])
    change.log(user, "Activities", aid, "outcome", None, outcome, f"statement as_of={day:%Y-%m-%d}")
    change.summary = (f"statement of {c['customer_id']} {c['customer_name']} as of {day:%Y-%m-%d} in "
                      f"{c['language']}: {len(stmt.lines)} line(s), balance {balances(stmt)}; written to {path}")
    if not dn.company.get("iban"):
        change.warnings.append("Config company.iban is empty: the statement shows no bank account to pay to")
    return change

"""Statement of account: one customer's statement as a PDF or XLSX, logged.

``statement(book, customer_id, ...)`` reads Invoices, Customers and Payments (Config always), builds the
statement with ``engine.statement`` (unapplied cash as the credit exposure counts it:
``actions.credit.unapplied_cash``), renders it in the customer's language (Customers.language, else
Config ``dunning.language``) with ``letters.statement`` (PDF) or ``letters.statement_xlsx`` (XLSX), and
returns a ``Change`` that appends one **Activities** row (channel ``email`` when the customer has an
address, else ``letter``; outcome ``statement sent: ...`` with the balance per currency) and logs it in
**Audit**.  The file travels on ``change.documents`` as ``(path, bytes)``: the shell writes it before it
saves the workbook.  ``pdf_for`` gives the PDF alone (a level 2+ reminder attaches it).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import clock
from ..book import Book, Change
from ..engine import statement as engine
from ..engine.disputes import next_id
from ..errors import ArXlError
from ..letters import statement as letter
from ..money import fmt
from .credit import unapplied_cash
from .plan import appended, known_customer, who

FORMATS = (".pdf", ".xlsx")


def customer_of(book: Book, customer_id: str) -> dict:
    """The customer's id, name, language (Customers, else Config ``dunning.language``), e-mail."""
    cid = known_customer(book, customer_id, "statement")
    cust = book.get("Customers")
    row = {}
    if len(cust):
        hit = cust[cust["customer_id"].astype(str).str.strip() == cid]
        if len(hit):
            row = hit.iloc[0].to_dict()

    def text(key):
        v = row.get(key)
        return "" if v is None or pd.isna(v) else str(v).strip()
    name = text("customer_name")
    if not name:
        inv = book.get("Invoices")
        names = inv.loc[inv["customer_id"].astype(str).str.strip() == cid, "customer_name"].dropna() \
            if "customer_name" in inv else []
        name = str(names.iloc[0]).strip() if len(names) else cid
    lang = text("language").lower()
    return {"customer_id": cid, "customer_name": name, "email": text("email"),
            "language": lang if lang in letter.LABELS else book.config.dunning.language}


def build(book: Book, customer_id: str, as_of: dt.date) -> tuple[engine.Statement, dict]:
    """The statement (engine) and the customer (``customer_of``)."""
    who_ = customer_of(book, customer_id)
    stmt = engine.statement(book.get("Invoices"), unapplied_cash(book), who_["customer_id"], as_of, book.config)
    return stmt, who_


def pdf_for(book: Book, customer_id: str, as_of: dt.date) -> bytes:
    """The statement PDF of the customer as of the date (what a level 2+ reminder attaches)."""
    stmt, c = build(book, customer_id, as_of)
    return letter.pdf(stmt, c["customer_name"], c["language"], book.config.dunning, c["email"])


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
    aid = next_id(list(book.get("Activities")["activity_id"]), "A")
    outcome = f"statement sent: {len(stmt.lines)} line(s), balance {balances(stmt)} ({path.name})"
    change.tables["Activities"] = appended(book, "Activities", [{
        "activity_id": aid, "at": pd.Timestamp(clock.now()), "user": user, "customer_id": c["customer_id"],
        "channel": "email" if c["email"] else "letter", "outcome": outcome, "next_action_date": None, "note": "",
    }])
    change.log(user, "Activities", aid, "outcome", None, outcome, f"statement as_of={day:%Y-%m-%d}")
    change.summary = (f"statement of {c['customer_id']} {c['customer_name']} as of {day:%Y-%m-%d} in "
                      f"{c['language']}: {len(stmt.lines)} line(s), balance {balances(stmt)}; written to {path}")
    if not dn.company.get("iban"):
        change.warnings.append("Config company.iban is empty: the statement shows no bank account to pay to")
    return change

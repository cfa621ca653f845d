"""What every bank-statement importer shares.

An importer follows the shape of beangulp's importer protocol: ``identify(path)``
says cheaply whether it can read a file, ``extract(path)`` returns the incoming
credits of the file as a canonical Payments frame (``schema.PAYMENTS``
columns).  An importer builds one ``Credit`` per payment and hands the list to
``payments_frame``, which cleans the untrusted bank text, normalises IBANs,
derives the stable ``payment_id`` and types the columns.

Bank text is untrusted: it stays a plain string, control and format characters
(including bidi overrides) are removed, whitespace is collapsed, and nothing is
ever evaluated.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..engine.refs import ogm_valid, rf_valid
from ..errors import CellProblem, InputError

COLUMNS = schema.PAYMENTS.names
MAX_TEXT = 32000
"""Longest text kept in one field (an Excel cell holds at most 32,767 characters)."""

NO_REFERENCE = {"", "NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE", "N/A", "NA"}


class Importer:
    """Base class: ``identify(path) -> bool`` and ``extract(path) -> DataFrame``."""

    name = "bank statement"

    def identify(self, path: Path) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def extract(self, path: Path) -> pd.DataFrame:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, path: Path):
        """``extract`` with what was left out (a ``report.StatementRead``); importers that
        skip lines override it to list them."""
        from .report import StatementRead

        return StatementRead(self.extract(path))


@dataclass
class Credit:
    """One incoming payment as an importer found it (before cleaning)."""

    value_date: dt.date
    amount: int
    """Cents, positive."""
    currency: str
    payer_name: str = ""
    payer_iban: str = ""
    remittance: str = ""
    creditor_reference: str = ""
    bank_reference: str = ""
    statement_id: str = ""
    identity: tuple = field(default_factory=tuple)
    """What makes this payment unique in its file beyond date/amount/currency
    (e.g. ``("ref", bank_reference)`` or ``("entry", statement_id, 3, 1)``);
    empty means "only the content identifies it"."""


# --------------------------------------------------------------------------- text

_WS = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """Plain one-line text: control/format characters removed, whitespace collapsed."""
    if value is None:
        return ""
    text = str(value)
    if text.isascii() and text.isprintable():  # the usual case: nothing to remove
        return _WS.sub(" ", text).strip()[:MAX_TEXT]
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\x0b\x0c\x85\u2028\u2029":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    text = _WS.sub(" ", "".join(out)).strip()
    return text[:MAX_TEXT]


_CURRENCY = re.compile(r"[A-Z]{3}")


def currency_code(value: object) -> str:
    """An ISO 4217 style code (three letters, upper case); ``ValueError`` when there is none."""
    code = clean_text(value).upper()
    if not code:
        raise ValueError("no currency given")
    if not _CURRENCY.fullmatch(code):
        raise ValueError(f"not a currency code: {code[:20]!r}")
    return code


def present(value: object) -> str:
    """A reference, or '' when it is one of the banks' "no reference" placeholders."""
    text = clean_text(value)
    return "" if text.upper() in NO_REFERENCE else text


# --------------------------------------------------------------------------- IBAN

_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}")


def looks_like_iban(value: object) -> bool:
    compact = re.sub(r"[\s\-]", "", str(value or "")).upper()
    return bool(_IBAN_SHAPE.fullmatch(compact))


def normalise_iban(value: object) -> str:
    """An IBAN in its compact upper-case form; any other account number as given.

    schwifty validates and formats real IBANs; IBAN-shaped values that fail
    its checks (anonymised samples, typos) are still compacted so that they
    compare equal however the bank spaced them.
    """
    text = clean_text(value)
    return _normalise_iban(text) if text else ""


@functools.lru_cache(maxsize=8192)
def _normalise_iban(value: str) -> str:
    text = clean_text(value)
    if not text:
        return ""
    compact = re.sub(r"[\s\-]", "", text).upper()
    if _IBAN_SHAPE.fullmatch(compact):
        try:
            from schwifty import IBAN

            return IBAN(compact).compact
        except Exception:  # noqa: BLE001 - schwifty raises several error types
            return compact
    return text


# --------------------------------------------------------------------------- references

_RF = re.compile(r"\bRF\s?\d{2}(?:\s?[A-Z0-9]){1,21}\b", re.IGNORECASE)
_OGM = re.compile(r"\+\+\+\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*\+\+\+|\*\*\*\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*\*\*\*")


def valid_rf(ref: str) -> bool:
    """ISO 11649 creditor reference check (RFkk + up to 21 characters; only spaces may separate them)."""
    compact = re.sub(r"\s", "", ref).upper()
    return bool(re.fullmatch(r"RF\d{2}[A-Z0-9]{1,21}", compact)) and rf_valid(compact)


def valid_qrr(ref: str) -> bool:
    """Swiss QR reference / ISR reference: 27 digits with the recursive mod-10 check."""
    digits = re.sub(r"\s", "", ref)
    if not re.fullmatch(r"\d{27}", digits):
        return False
    table = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)
    carry = 0
    for d in digits[:-1]:
        carry = table[(carry + int(d)) % 10]
    return (10 - carry) % 10 == int(digits[-1])


def find_creditor_reference(*texts: str) -> str:
    """A structured creditor reference found in free text: a valid ISO 11649 RF
    reference or a Belgian structured communication (+++123/4567/89012+++)."""
    for text in texts:
        if not text:
            continue
        for m in _RF.finditer(text):
            compact = re.sub(r"\s", "", m.group(0)).upper()
            # the greedy match may swallow a following word; shorten until valid
            while len(compact) > 5 and not valid_rf(compact):
                compact = compact[:-1]
            if valid_rf(compact):
                return compact
        for m in _OGM.finditer(text):
            groups = [g for g in m.groups() if g]
            if ogm_valid("".join(groups)):
                return f"+++{groups[0]}/{groups[1]}/{groups[2]}+++"
    return ""


# --------------------------------------------------------------------------- frame

def payment_id(identity: tuple) -> str:
    digest = hashlib.sha256(repr(identity).encode("utf-8")).hexdigest()
    return "P-" + digest[:12].upper()


def content_key(value_date, amount: int, currency: str, payer_iban: str, remittance: str) -> tuple:
    """What identifies a payment when nothing else does."""
    day = pd.Timestamp(value_date).date().isoformat() if value_date is not None and not pd.isna(value_date) else ""
    return (day, int(amount), str(currency).upper(), normalise_iban(payer_iban), clean_text(remittance).lower())


def payments_frame(credits: list[Credit], source: str) -> pd.DataFrame:
    """The canonical Payments frame for ``credits`` read from file ``source``."""
    rows = []
    seen: dict[tuple, int] = {}
    for c in credits:
        row = {
            "value_date": pd.Timestamp(c.value_date),
            "amount": int(c.amount),
            "currency": clean_text(c.currency).upper(),
            "payer_name": clean_text(c.payer_name),
            "payer_iban": normalise_iban(c.payer_iban),
            "remittance": clean_text(c.remittance),
            "creditor_reference": clean_text(c.creditor_reference),
            "bank_reference": present(c.bank_reference),
            "statement_id": clean_text(c.statement_id),
            "source_file": clean_text(Path(source).name),
        }
        base = (row["value_date"].date().isoformat(), row["amount"], row["currency"])
        if c.identity:
            ident = tuple(clean_text(x) if isinstance(x, str) else x for x in c.identity) + base
            # a file that repeats a statement id (some banks always send the
            # same :20:/:28C:) still gives every line its own, stable id
            n = seen.get(ident, 0) + 1
            seen[ident] = n
            if n > 1:
                ident = ident + (n,)
        else:
            # Only the content identifies it: the n-th identical line of a file
            # gets the same id every time the file (or an overlapping export)
            # is read again.
            key = content_key(row["value_date"], row["amount"], row["currency"], row["payer_iban"], row["remittance"])
            n = seen.get(key, 0) + 1
            seen[key] = n
            ident = ("content",) + key + (n,)
        row["payment_id"] = payment_id(ident)
        rows.append(row)
    return finish(rows)


def finish(rows: list[dict]) -> pd.DataFrame:
    n = len(rows)
    out = {}
    for col in schema.PAYMENTS.columns:
        name = col.name
        if name in ("amount", "unapplied_amount"):
            vals = [r["amount"] for r in rows]
            out[name] = pd.Series(np.array(vals, dtype=np.int64), dtype=np.int64)
        elif name == "value_date":
            out[name] = pd.Series([r["value_date"] for r in rows], dtype="datetime64[ns]")
        elif name == "status":
            out[name] = pd.Series(["unapplied"] * n, dtype=object)
        else:
            out[name] = pd.Series([r.get(name, "") for r in rows], dtype=object)
    return pd.DataFrame(out, columns=COLUMNS, index=pd.RangeIndex(n))


def empty_payments() -> pd.DataFrame:
    return finish([])


def problem(source: str, message: str, row: int | None = None, column: str | None = None,
            unit: str = "line") -> CellProblem:
    """A problem in a statement file; ``row`` counts lines of a text file unless ``unit`` says otherwise."""
    return CellProblem(Path(source).name if source else "input", row, column, message, unit)


def fail(source: str, message: str, row: int | None = None, column: str | None = None,
         unit: str = "line") -> InputError:
    return InputError(problem(source, message, row, column, unit))


def read_head(path: Path, size: int = 65536) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""

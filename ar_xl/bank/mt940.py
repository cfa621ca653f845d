"""SWIFT MT940 (and MT942) statements, read with the ``mt-940`` package.

mt-940 splits the file into statements and ``:61:``/``:86:`` pairs and
understands the German ``?20..?63`` structured details.  On top of it this
module reads the other ``:86:`` dialects the Dutch and Swiss banks send (the
``/NAME/ /IBAN/ /REMI/ /EREF/`` codes, ``REK:/NAAM:``, a counterparty account
at the start of the details) into payer, IBAN and remittance.  Free ``:86:``
text is fixed width: a bank fills each line to 65 characters and cuts there,
mid-word or mid-number (ASN, SNS, ING), so a line that follows a full one
continues it without a space; after a shorter line comes a space.  Only credits
(``C`` marks with a positive amount) become payments; debits and reversals
(``RC``/``RD``) are left out and listed with their line.

Rules (a file that breaks one is refused, nothing imported):
- Every MT940 statement (``:20:`` ...) ends with its closing balance
  (``:62F:``, or ``:62M:`` on a page of a longer statement); one without is
  cut off, or a fragment of statement lines (``sparkassen.sta``).  An MT942
  interim report (with ``:34F:``) has no balances and needs none.
- Where a statement has an opening balance (``:60F:``/``:60M:``) and a
  closing one, opening + entries (C and RD add, D and RC subtract) = closing.
- Every field mt-940 cannot read is reported with its line, not only the first.
"""
from __future__ import annotations

import logging
import re
from decimal import Decimal
from pathlib import Path

import mt940 as mt940_lib
import pandas as pd

from ..errors import CellProblem, InputError
from ..money import fmt, parse_amount
from .base import (
    Credit, Importer, clean_text, currency_code, empty_payments, fail, find_creditor_reference, looks_like_iban,
    payments_frame, present, problem, read_head,
)
from .delimited import decode, head_text
from .report import UNBALANCED_ACCEPTED, UNBALANCED_HINT, Skipped, StatementRead

# mt-940 logs every pattern mismatch at ERROR level; we report the problem
# ourselves as an InputError, so keep its log out of the user's terminal.
logging.getLogger("mt940").addHandler(logging.NullHandler())

_TAG = re.compile(r"^:\n?(?P<tag>[0-9]{2}[A-Z]?|NS):", re.MULTILINE)
_HEAD_TAG = re.compile(rb"^\s*:(?:20|25|28C?|60[FM]|61|62[FM]|64|65|86):", re.MULTILINE)

_STATEMENT_HEADER_TAGS = {"20", "25", "28", "28C", "60F", "60M"}

# Field codes of the Dutch/SWIFT "/CODE/value" :86: layout (Rabobank, ING, ABN AMRO...).
_CODES = (
    "TRTP", "CNTP", "ORDP", "BENM", "NAME", "IBAN", "BIC", "ADDR", "REMI", "EREF", "MARF", "CSID",
    "PREF", "RTRN", "PURP", "ULTC", "ULTD", "ULTB", "ISDT", "SVCL", "CDTRREFTP", "CDTRREF", "CREF",
    "ACCW", "EXCH", "CHGS", "FX", "ID", "USTD", "STRD", "CD", "ISSR", "CUR", "OCMT", "BUSP",
)
_CODE_RE = re.compile(r"/(%s)/" % "|".join(sorted(_CODES, key=len, reverse=True)))
_REK_NAAM = re.compile(r"REK:\s*(?P<acct>[A-Z0-9 ]+?)\s*/\s*NAAM:\s*(?P<name>.+)", re.IGNORECASE)


class Mt940Importer(Importer):
    name = "MT940"

    def identify(self, path: Path) -> bool:
        head = head_text(read_head(Path(path))).encode("utf-8", errors="replace")
        if not head or head.lstrip().startswith(b"<"):
            return False
        return bool(_HEAD_TAG.search(head))

    def __init__(self, reconcile: bool = True, accept_unbalanced: bool = False):
        self.reconcile = reconcile
        """False reads the entries of statements whose balances do not reconcile (tests of edited samples)."""
        self.accept_unbalanced = accept_unbalanced
        """True reads them too, each statement whose balances do not reconcile named in the warnings (a person
        asked for it: ``ar-xl import --accept-unbalanced``, an export of the credits only)."""

    def extract(self, path: Path) -> pd.DataFrame:
        return self.read(path).frame

    def read(self, path: Path) -> StatementRead:
        path = Path(path)
        text = _decode(path.read_bytes())
        _check_structure(text, path, self.reconcile)
        balance_problems = _bad_balances(text, path) if self.reconcile else []
        warnings: list[str] = []
        if balance_problems and not self.accept_unbalanced:
            raise InputError(balance_problems)
        warnings += [f"{p}; {UNBALANCED_ACCEPTED}" for p in balance_problems]
        statements = _parse(text, path)
        lines61 = [_line_of(text, m.start()) for m in _TAG.finditer(text) if m.group("tag") == "61"]
        closings = [_line_of(text, m.start()) for m in _TAG.finditer(text) if m.group("tag") in ("62F", "62M", "62")]
        credits: list[Credit] = []
        problems: list[CellProblem] = []
        skipped: list[Skipped] = []
        n61 = 0
        for s_no, statement in enumerate(statements, start=1):
            sid = _statement_id(statement.data, s_no)
            net = Decimal(0)
            for e_no, tx in enumerate(statement, start=1):
                line = lines61[n61] if n61 < len(lines61) else None
                n61 += 1
                net += _signed(tx.data)
                try:
                    credit = _credit(tx.data, statement, sid, e_no)
                except (ValueError, ArithmeticError, TypeError, KeyError) as e:
                    problems.append(problem(str(path), f"statement {sid}, entry {e_no}: {e}", row=line))
                    continue
                if credit is None:
                    reason = _why_not(tx.data)
                    if reason:
                        skipped.append(Skipped(path.name, line, reason, f"statement {sid}, entry {e_no}"))
                elif isinstance(credit, Credit):
                    credits.append(credit)
            if self.reconcile and not balance_problems:
                closing_line = closings[s_no - 1] if len(closings) == len(statements) else None
                bad = _reconcile(statement.data, net)
                if bad and self.accept_unbalanced:
                    warnings.append(f"{problem(str(path), f'statement {sid}: {bad}', row=closing_line)}; "
                                    f"{UNBALANCED_ACCEPTED}")
                elif bad:
                    problems.append(problem(str(path), f"statement {sid}: {bad}{UNBALANCED_HINT}", row=closing_line))
        if problems:
            raise InputError(problems)
        frame = payments_frame(credits, str(path)) if credits else empty_payments()
        return StatementRead(frame, skipped, warnings=warnings)


def _decode(data: bytes) -> str:
    """The text: encoding from the BOM (UTF-8/16/32), UTF-16 without one, UTF-8, else Windows-1252."""
    return decode(data).replace("\r\n", "\n").replace("\r", "\n")


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _check_structure(text: str, path: Path, reconcile: bool = True) -> None:
    """Refuse a file whose tags are out of order, e.g. a statement header tag
    (``:25:`` account, ``:28C:``, ``:60F:``) inside the statement lines: such a
    file is damaged and mt-940 would silently mix the pieces up; and a
    statement without its closing balance (cut off, or a fragment)."""
    in_lines = False
    problems: list[CellProblem] = []
    tags = [(m.group("tag"), m.start()) for m in _TAG.finditer(text)]
    interim = any(t in ("34", "34F") for t, _ in tags)
    for tag, pos in tags:
        if tag == "20":
            in_lines = False
        elif tag == "61":
            in_lines = True
        elif tag in _STATEMENT_HEADER_TAGS and in_lines:
            problems.append(problem(str(path), f"tag :{tag}: appears among the statement lines (after a :61: line, "
                                               "before a new :20:); the statement is damaged", row=_line_of(text, pos)))
        elif tag.startswith("62"):
            in_lines = False
    problems.extend(_bad_statement_lines(text, path))
    if not interim and reconcile:
        problems.extend(_missing_closings(text, tags, path))
        closed = False
        for tag, pos in tags:
            if tag in ("62F", "62M", "62"):
                closed = True
            elif tag in ("20", "60F", "60M", "60"):
                closed = False
            elif tag == "61" and closed:
                problems.append(problem(str(path), "a statement line (:61:) after the closing balance, outside any "
                                                   "statement; the file is damaged", row=_line_of(text, pos)))
    if problems:
        raise InputError(problems)


_LINE_61 = re.compile(r"\d{6}(?:\d{4}|\s{4})?\s*R?[CD][A-Z]?\s*\d[\d.]*(?:,\d*)?\s*[A-Z][A-Z0-9 ]{3}")
"""A :61: statement line as far as ar-xl relies on it: value date, [entry date], mark C/D/RC/RD,
[funds code], amount, transaction type.  mt-940 alone is lenient: it reads ``C1O0,00`` as 1.00."""


_BALANCE = re.compile(r"[CD]\s*\d{6}\s*[A-Z]{3}\s*\d[\d.]*(?:,\d*)?\s*$")


def _bad_balances(text: str, path: Path) -> list[CellProblem]:
    """Opening and closing balances (:60F: :60M: :62F: :62M:) that are not C/D, date, currency, amount:
    mt-940 would read them as 0.00 and the reconciliation would be meaningless."""
    out = []
    data = "\n".join(ln.strip() for ln in text.split("\n"))
    matches = list(_TAG.finditer(data))
    for i, m in enumerate(matches):
        tag = m.group("tag")
        if tag not in ("60F", "60M", "62F", "62M"):
            continue
        end = matches[i + 1].start() if i + 1 < len(matches) else len(data)
        value = data[m.end():end].split("\n-", 1)[0].strip()
        if not _BALANCE.match(value):
            out.append(problem(str(path), f"cannot read the :{tag}: balance {clean_text(value)[:60]!r} (C or D, date "
                                          "YYMMDD, currency, amount)", row=_line_of(data, m.start())))
    return out


def _bad_statement_lines(text: str, path: Path) -> list[CellProblem]:
    out = []
    data = "\n".join(ln.strip() for ln in text.split("\n"))
    matches = list(_TAG.finditer(data))
    for i, m in enumerate(matches):
        if m.group("tag") != "61":
            continue
        end = matches[i + 1].start() if i + 1 < len(matches) else len(data)
        value = data[m.end():end].strip()
        if not _LINE_61.match(value):
            shown = clean_text(value.split("\n", 1)[0])[:80]
            out.append(problem(str(path), f"cannot read the :61: statement line {shown!r} (value date YYMMDD, "
                                          "C or D, amount with a decimal comma, transaction type)",
                               row=_line_of(data, m.start())))
    return out


def _missing_closings(text: str, tags: list[tuple[str, int]], path: Path) -> list[CellProblem]:
    """One problem per statement (from its ``:20:``, or from the file's first tag) with no closing balance."""
    blocks: list[list[tuple[str, int]]] = []
    for tag, pos in tags:
        if tag == "20" or not blocks:
            blocks.append([])
        blocks[-1].append((tag, pos))
    out = []
    for block in blocks:
        names = [t for t, _ in block]
        if any(t.startswith("62") for t in names):
            continue
        if not any(t in ("61", "60F", "60M", "60") for t in names):
            continue  # a header with nothing in it
        start = block[0][1]
        line = _line_of(text, start)
        if "20" not in names:
            out.append(problem(str(path), "the file is a fragment: statement lines (:61:/:86:) without the statement "
                                          "around them (no :20: reference, no :60F: opening and no :62F: closing "
                                          "balance); export the whole statement", row=line))
        else:
            ref = clean_text(text[start:text.find("\n", start) if text.find("\n", start) > 0 else None])[4:40]
            out.append(problem(str(path), f"statement {ref} has no closing balance (:62F:): the file is cut off or "
                                          "damaged; export it again", row=line))
    return out


def _signed(data: dict) -> Decimal:
    """The entry's effect on the balance: C and RD add, D and RC subtract."""
    amount_obj = data.get("amount")
    if amount_obj is None:
        return Decimal(0)
    amount = abs(Decimal(str(getattr(amount_obj, "amount", amount_obj))))
    status = str(data.get("status") or "").strip().upper()
    return amount if status in ("C", "RD") else -amount


def _balance(data: dict, *keys: str):
    for k in keys:
        b = data.get(k)
        if b is not None and getattr(b, "amount", None) is not None:
            return Decimal(str(b.amount.amount))
    return None


def _reconcile(data: dict, net: Decimal) -> str:
    """'' when opening + entries = closing (or the statement lacks one of them); the difference otherwise."""
    opening = _balance(data, "final_opening_balance", "intermediate_opening_balance", "opening_balance")
    closing = _balance(data, "final_closing_balance", "intermediate_closing_balance", "closing_balance")
    if opening is None or closing is None or opening + net == closing:
        return ""
    o, n, c = (parse_amount(x) for x in (opening, net, closing))
    return (f"the balances do not reconcile with the entries: opening balance {fmt(o)} + entries {fmt(n)} = "
            f"{fmt(o + n)}, but the closing balance (:62F:) is {fmt(c)}; an entry is missing or was changed")


def _why_not(data: dict) -> str:
    status = str(data.get("status") or "").strip().upper()
    if data.get("amount") is None:
        return "line without amount"
    if status in ("RC", "RD"):
        return "reversal"
    if status == "D":
        return "debit"
    return "zero amount"


def _parse(text: str, path: Path):
    options = mt940_lib.Options.all()
    try:
        return mt940_lib.parse_statements(text, options=options)
    except Exception as first:  # noqa: BLE001 - mt-940 raises RuntimeError/ValueError/...
        # ASN Bank puts the counterparty IBAN (up to 34 characters) in the
        # :61: reference and a second line of details below it; mt-940 has a
        # tag for that variant.
        try:
            return mt940_lib.parse_statements(text, options=options, tags={61: mt940_lib.tags.StatementASNB()})
        except Exception:  # noqa: BLE001
            pass
        every = _bad_fields(text, path)
        if every:
            raise InputError(every) from None
        raise _parse_error(first, text, path) from None


def _bad_fields(text: str, path: Path) -> list[CellProblem]:
    """Every field whose value mt-940's own pattern for its tag does not match, with its line."""
    tags = mt940_lib.models.Transactions(options=mt940_lib.Options.all()).tags
    asnb = mt940_lib.tags.StatementASNB()
    data = "\n".join(ln.strip() for ln in text.split("\n"))
    matches = list(_TAG.finditer(data))
    out = []
    for i, m in enumerate(matches):
        tag_id = m.group("tag")
        key = int(tag_id) if tag_id.isdigit() else tag_id
        tag = tags.get(tag_id) or tags.get(key) or tags.get(int(tag_id[:2]) if tag_id[:2].isdigit() else tag_id)
        if tag is None:
            continue
        end = matches[i + 1].start() if i + 1 < len(matches) else len(data)
        value = data[m.end():end].strip()
        if tag.re.match(value) or (tag_id == "61" and asnb.re.match(value)):
            continue
        shown = clean_text(value.split("\n", 1)[0])[:80]
        out.append(problem(str(path), f"cannot read the :{tag_id}: field {shown!r}", row=_line_of(data, m.start())))
    return out


def _parse_error(exc: Exception, text: str, path: Path) -> InputError:
    value = next((a for a in getattr(exc, "args", ())[1:] if isinstance(a, str)), None)
    tag = next((a for a in getattr(exc, "args", ()) if hasattr(a, "id") and hasattr(a, "pattern")), None)
    line = None
    if value:
        first = value.strip().split("\n", 1)[0]
        pos = text.find(first) if first else -1
        if pos >= 0:
            line = _line_of(text, pos)
    if tag is not None:
        shown = clean_text(value)[:80]
        msg = f"cannot read the :{tag.id}: field {shown!r}"
    else:
        msg = f"not a readable MT940 statement ({clean_text(exc)[:200]})"
    return fail(str(path), msg, row=line)


def _statement_id(data: dict, s_no: int) -> str:
    ref = present(data.get("transaction_reference"))
    number = clean_text(data.get("statement_number"))
    seq = clean_text(data.get("sequence_number"))
    parts = [p for p in (ref, number, seq) if p]
    return "/".join(parts) if parts else f"statement {s_no}"


def _credit(data: dict, statement, sid: str, e_no: int) -> Credit | None:
    status = str(data.get("status") or "").strip().upper()
    amount_obj = data.get("amount")
    if amount_obj is None or status != "C":
        return None  # debits, reversals (RC/RD) and lines without an amount
    amount = amount_obj.amount if hasattr(amount_obj, "amount") else amount_obj
    cents = parse_amount(Decimal(str(amount)))
    if cents <= 0:
        return None
    currency = getattr(amount_obj, "currency", None) or data.get("currency") or statement.currency or ""
    value_date = data.get("date") or data.get("entry_date")
    if value_date is None:
        raise ValueError("the :61: line has no value date")

    details = _details(data)
    bank_ref = present(data.get("bank_reference"))
    cust_ref = present(data.get("customer_reference"))
    extra = clean_text(data.get("extra_details"))
    if not bank_ref and cust_ref and not looks_like_iban(cust_ref) and cust_ref != details.get("account"):
        bank_ref = cust_ref
    payer_iban = details.get("iban", "")
    if not payer_iban:
        for candidate in (cust_ref, extra):
            if candidate and looks_like_iban(candidate):
                payer_iban = candidate
                break
    if not payer_iban and details.get("account"):
        payer_iban = details["account"]
    remittance = details.get("remittance", "")
    eref = present(details.get("eref", ""))
    creditor_ref = details.get("creditor_reference") or find_creditor_reference(remittance, eref)
    if eref and eref not in remittance:
        remittance = f"{remittance} EREF: {eref}".strip()
    identity = ("mt940-ref", bank_ref) if bank_ref else ("mt940-entry", sid, e_no)
    return Credit(
        value_date=value_date, amount=cents, currency=currency_code(currency),
        payer_name=details.get("name", ""), payer_iban=payer_iban, remittance=remittance,
        creditor_reference=creditor_ref, bank_reference=bank_ref, statement_id=sid, identity=identity,
    )


def _details(data: dict) -> dict:
    """Payer, account, remittance and references from the :86: details."""
    out: dict[str, str] = {}
    # German GVC layout, already split by mt-940.
    if any(data.get(k) for k in ("purpose", "applicant_name", "applicant_iban", "posting_text", "end_to_end_reference")):
        name = clean_text(data.get("applicant_name"))
        out["name"] = name
        out["iban"] = clean_text(data.get("applicant_iban") or data.get("gvc_applicant_iban"))
        purpose = clean_text(data.get("purpose"))
        extra = clean_text(data.get("additional_purpose"))
        out["remittance"] = " ".join(p for p in (purpose, extra) if p) or clean_text(data.get("posting_text"))
        out["eref"] = clean_text(data.get("end_to_end_reference"))
        return out
    raw = str(data.get("transaction_details") or "")
    if not raw.strip():
        # some German banks put the purpose in :NS: lines
        out["remittance"] = clean_text(data.get("non_swift_text"))
        return out
    raw_lines = raw.split("\n")
    lines = [ln.strip() for ln in raw_lines]
    joined = "".join(ln.rstrip("\n") for ln in raw_lines)
    if _CODE_RE.search(joined) and (joined.lstrip().startswith("/") or "/NAME/" in joined or "/REMI/" in joined):
        return _slash_codes(joined)
    text = _unwrap(raw_lines)
    m = _REK_NAAM.search(text)
    if m:
        out["iban"] = m.group("acct").replace(" ", "")
        out["name"] = clean_text(m.group("name"))
        out["remittance"] = clean_text(text[: m.start()])
        return out
    # "<counterparty account> <name>" on the first line, the text below it
    # (ASN Bank, SNS, ING): only when the :61: line names the same account.
    first = lines[0] if lines else ""
    token, _, rest = first.partition(" ")
    refs = {clean_text(data.get("customer_reference")), clean_text(data.get("extra_details"))}
    if token and (token in refs or looks_like_iban(token)) and (looks_like_iban(token) or token.isdigit()):
        out["account"] = token
        out["name"] = clean_text(rest)
        out["remittance"] = _unwrap(raw_lines[1:]) or clean_text(rest)
        return out
    out["remittance"] = clean_text(text)
    return out


DETAILS_WIDTH = 65
"""Characters a line of the :86: details holds (SWIFT 6*65x, the tag not counted)."""


def _unwrap(lines: list[str]) -> str:
    """Lines of fixed-width :86: text as one line.  A bank fills each line to the field's width and cuts
    there, mid-word or mid-number (ASN, SNS, ING: ``... factuur 2026-00`` / ``3442``): a line that follows
    one exactly at the width continues it, joined without a space (a space the bank cut at stays, as the
    next line's first character); after a shorter line a new line starts, joined with a space."""
    out = ""
    full = False
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            full = False
            continue
        if full:
            out += line  # the bank cut here: glue it back (a leading space is one it cut at)
        else:
            out = f"{out} {line.strip()}" if out else line.strip()
        full = len(line) == DETAILS_WIDTH
    return clean_text(out)


def _slash_codes(joined: str) -> dict:
    parts = _CODE_RE.split(joined)
    fields: list[tuple[str, str]] = []
    # parts = [before, CODE1, value1, CODE2, value2, ...]
    for i in range(1, len(parts) - 1, 2):
        fields.append((parts[i], parts[i + 1]))
    out: dict[str, str] = {}
    remi_parts: list[str] = []
    for i, (code, value) in enumerate(fields):
        value = value.strip().strip("/").strip()
        if code == "NAME" and "name" not in out:
            out["name"] = clean_text(value)
        elif code == "IBAN" and "iban" not in out:
            out["iban"] = clean_text(value)
        elif code == "CNTP":
            # /CNTP/account/BIC/name/city/
            bits = value.split("/")
            if bits and bits[0] and "iban" not in out:
                out["iban"] = clean_text(bits[0])
            if len(bits) > 2 and bits[2] and "name" not in out:
                out["name"] = clean_text(bits[2])
        elif code == "EREF":
            out["eref"] = clean_text(value)
        elif code in ("REMI", "USTD"):
            if value:
                remi_parts.append(value)
        elif code == "STRD":
            continue
        elif code in ("CDTRREF", "CREF") and value:
            out["creditor_reference"] = clean_text(value)
        elif code == "CUR" and value and fields[i - 1][0] in ("STRD", "REMI"):
            out["creditor_reference"] = clean_text(value)
            remi_parts.append(value)
    out["remittance"] = clean_text(" ".join(remi_parts))
    return out

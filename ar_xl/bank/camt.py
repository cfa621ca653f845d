"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification).

The XML is parsed with defusedxml: a document type declaration, entity
declarations or external references are refused, so an XML bomb or an
external-entity file never expands.  Element names are read without their
namespace, so every version (camt.053.001.02 .. .08, camt.054.001.02 .. .08,
and national variants such as the Austrian STUZZA namespace) reads the same.

One payment per incoming credit: an entry (``Ntry``) with ``CdtDbtInd`` CRDT
that is not a reversal (``RvslInd`` true) and not pending.  An entry holding
several transactions (``TxDtls``, a batch) gives one payment per transaction
with that transaction's amount.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
import pandas as pd

from ..dates import parse_date
from ..errors import CellProblem, InputError
from ..money import parse_amount
from .base import (
    Credit, Importer, clean_text, currency_code, empty_payments, fail, payments_frame, present, problem, read_head, valid_qrr, valid_rf,
)

_ROOTS = ("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn")
_REPORTS = ("Stmt", "Ntfctn")
_HEAD = re.compile(rb"<(?:\w+:)?(?:BkToCstmrStmt|BkToCstmrDbtCdtNtfctn)\b|camt\.05[34]\.")
_NOT_BOOKED = {"PDNG", "INFO", "FUTR"}


class CamtImporter(Importer):
    name = "camt.053/camt.054"

    def identify(self, path: Path) -> bool:
        head = read_head(Path(path), 16384)
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped.startswith(b"<"):
            return False
        return bool(_HEAD.search(head))

    def extract(self, path: Path) -> pd.DataFrame:
        path = Path(path)
        root = _parse(path)
        if root.tag != "Document":
            doc = root
        else:
            doc = next((c for c in root if c.tag in _ROOTS), None)
        if doc is None or doc.tag not in _ROOTS:
            raise fail(str(path), "not a camt.053 statement or camt.054 notification "
                                  f"(the document holds {', '.join(c.tag for c in root) or 'nothing'})")
        credits: list[Credit] = []
        problems: list[CellProblem] = []
        msg_id = _text(doc, "GrpHdr/MsgId")
        reports = [r for r in doc if r.tag in _REPORTS]
        for r_no, report in enumerate(reports, start=1):
            sid = _text(report, "Id") or "/".join(x for x in (msg_id, str(r_no)) if x)
            acct_ccy = _text(report, "Acct/Ccy")
            for e_no, entry in enumerate(report.findall("Ntry"), start=1):
                try:
                    credits.extend(_entry_credits(entry, sid, e_no, acct_ccy))
                except ValueError as e:
                    problems.append(problem(str(path), f"statement {sid}, entry {e_no}: {e}"))
        if problems:
            raise InputError(problems)
        return payments_frame(credits, str(path)) if credits else empty_payments()


def _parse(path: Path) -> Element:
    try:
        tree = SafeET.parse(str(path), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise fail(str(path), "refused: the XML has a document type declaration (DTD), "
                              "which a bank statement never needs and could be an XML bomb") from None
    except defusedxml.EntitiesForbidden:
        raise fail(str(path), "refused: the XML declares entities (possible XML bomb)") from None
    except defusedxml.ExternalReferenceForbidden:
        raise fail(str(path), "refused: the XML refers to an external resource") from None
    except defusedxml.DefusedXmlException as e:
        raise fail(str(path), f"refused unsafe XML: {e}") from None
    except ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        raise fail(str(path), f"not well-formed XML: {e}", row=line) from None
    root = tree.getroot()
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.rsplit("}", 1)[1]
    return root


def _text(el: Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path)
    return clean_text(found.text) if found is not None and found.text else ""


def _texts(el: Element | None, path: str) -> list[str]:
    if el is None:
        return []
    return [t for t in (clean_text(x.text) for x in el.findall(path) if x.text) if t]


def _amount(amt: Element | None, what: str) -> tuple[int, str]:
    if amt is None or not (amt.text or "").strip():
        raise ValueError(f"{what} has no amount")
    raw = amt.text.strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{what}: not an amount: {clean_text(raw)[:40]!r}") from None
    return parse_amount(value), clean_text(amt.get("Ccy", ""))


def _date(el: Element, what: str) -> object:
    for path in ("ValDt/Dt", "ValDt/DtTm", "BookgDt/Dt", "BookgDt/DtTm"):
        text = _text(el, path)
        if text:
            try:
                return parse_date(text[:10])
            except ValueError:
                raise ValueError(f"{what}: not a date: {text[:30]!r}") from None
    raise ValueError(f"{what} has neither a value date nor a booking date")


def _entry_credits(entry: Element, sid: str, e_no: int, acct_ccy: str) -> list[Credit]:
    indicator = _text(entry, "CdtDbtInd").upper()
    reversal = _text(entry, "RvslInd").lower() in ("true", "1")
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    if indicator != "CRDT" or reversal or status.upper() in _NOT_BOOKED:
        return []
    entry_cents, entry_ccy = _amount(entry.find("Amt"), "the entry")
    entry_ccy = entry_ccy or acct_ccy
    value_date = _date(entry, "the entry")
    entry_ref = present(_text(entry, "AcctSvcrRef"))
    ntry_ref = present(_text(entry, "NtryRef"))
    entry_info = _text(entry, "AddtlNtryInf")
    txs = entry.findall("NtryDtls/TxDtls")
    batch = len(txs) > 1
    out: list[Credit] = []
    if not txs:
        if entry_cents <= 0:
            return out
        ref = entry_ref or ntry_ref
        out.append(Credit(
            value_date=value_date, amount=entry_cents, currency=currency_code(entry_ccy), remittance=entry_info,
            bank_reference=ref, statement_id=sid,
            identity=("camt-ref", ref, 0) if ref else ("camt-entry", sid, e_no, 0),
        ))
        return out
    for t_no, tx in enumerate(txs, start=1):
        tx_ind = _text(tx, "CdtDbtInd").upper()
        if tx_ind and tx_ind != "CRDT":
            continue  # a debit inside a mixed batch
        if batch:
            amt = tx.find("Amt")
            if amt is None:
                amt = tx.find("AmtDtls/TxAmt/Amt")
            cents, ccy = _amount(amt, f"transaction {t_no}")
            ccy = ccy or entry_ccy
        else:
            cents, ccy = entry_cents, entry_ccy
        if cents <= 0:
            continue
        tx_ref = present(_text(tx, "Refs/AcctSvcrRef"))
        other_refs = [present(_text(tx, f"Refs/{k}")) for k in ("EndToEndId", "TxId", "InstrId", "MsgId")]
        bank_ref = tx_ref or entry_ref or next((r for r in other_refs if r), "") or ntry_ref
        if tx_ref:
            identity = ("camt-ref", tx_ref, 0)
        elif entry_ref:
            identity = ("camt-ref", entry_ref, t_no if batch else 0)
        else:
            identity = ("camt-entry", sid, e_no, t_no)
        payer = (_text(tx, "RltdPties/Dbtr/Nm") or _text(tx, "RltdPties/Dbtr/Pty/Nm")
                 or _text(tx, "RltdPties/UltmtDbtr/Nm") or _text(tx, "RltdPties/UltmtDbtr/Pty/Nm"))
        iban = _text(tx, "RltdPties/DbtrAcct/Id/IBAN") or _text(tx, "RltdPties/DbtrAcct/Id/Othr/Id")
        refs = _creditor_refs(tx)
        texts = _texts(tx, "RmtInf/Ustrd") + _texts(tx, "RmtInf/Strd/AddtlRmtInf")
        if not texts:
            texts = _texts(tx, "AddtlTxInf") or ([entry_info] if entry_info else [])
        out.append(Credit(
            value_date=value_date, amount=cents, currency=currency_code(ccy), payer_name=payer, payer_iban=iban,
            remittance=" ".join(texts), creditor_reference="; ".join(refs), bank_reference=bank_ref,
            statement_id=sid, identity=identity,
        ))
    return out


def _creditor_refs(tx: Element) -> list[str]:
    """Structured creditor references (RmtInf/Strd/CdtrRefInf/Ref): ISO 11649 RF,
    Swiss QRR/ISR, Belgian structured communication...; valid ones first."""
    refs: list[str] = []
    for ref in _texts(tx, "RmtInf/Strd/CdtrRefInf/Ref"):
        compact = re.sub(r"\s", "", ref)
        if valid_rf(compact) or valid_qrr(compact):
            ref = compact.upper()
        if ref not in refs:
            refs.append(ref)
    return refs

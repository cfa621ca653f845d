"""ISO 20022 camt.052 (report), camt.053 (statement) and camt.054 (debit/credit notification).

The XML is streamed with lxml's ``iterparse``: each entry (``Ntry``) is read
when it ends and then dropped, so a large month takes little memory, and a
file larger than ``Config.statement_max_mb`` is refused before it is opened.
Parsing is safe: entities are not resolved, no DTD is loaded, nothing is
fetched from the network, and a document with a document type declaration
(where an XML bomb or an external entity would live) is refused.

Rules:
- The document's namespace must be a camt.052, camt.053 or camt.054 one
  (ISO's ``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08`` and national
  variants such as the Austrian STUZZA one, which name the message); a pain,
  camt.029 or any other message is refused.  Element names are then read
  without their namespace, so every version reads the same.
- The encoding comes from the XML declaration and the byte-order mark
  (UTF-16 with a BOM reads like UTF-8).
- An amount is digits with a decimal point (at most 18 digits, as the XSD
  says); ``1e308``, ``NaN``, a 20-digit amount or a negative amount (the
  direction is ``CdtDbtInd``, never a sign) is refused naming the statement,
  the entry and its line.
- Where a statement gives an opening booked balance (OPBD or PRCD) and a
  closing booked balance (CLBD), opening + booked entries = closing, or the
  statement is refused (an entry is missing or was altered).
- One payment per incoming credit: an entry with ``CdtDbtInd`` CRDT that is
  not a reversal (``RvslInd`` true) and is booked.  An entry holding several
  transactions (``TxDtls``, a batch) gives one payment per transaction with
  that transaction's amount.  Debits, reversals, pending entries and zero
  amounts are listed as skipped with their line.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import Element

import pandas as pd
from lxml import etree

from ..dates import parse_date
from ..errors import CellProblem, InputError
from ..money import fmt, parse_amount
from .base import (
    Credit, Importer, clean_text, currency_code, empty_payments, fail, payments_frame, present, problem, read_head, valid_qrr, valid_rf,
)
from .delimited import head_text
from .report import UNBALANCED_ACCEPTED, UNBALANCED_HINT, Skipped, StatementRead

_ROOTS = ("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn", "BkToCstmrAcctRpt")
_REPORTS = ("Stmt", "Ntfctn", "Rpt")
_HEAD = re.compile(r"<(?:\w+:)?(?:BkToCstmrStmt|BkToCstmrDbtCdtNtfctn|BkToCstmrAcctRpt)\b|camt\.05[234]\.")
_CAMT_NS = re.compile(r"camt\.05[234]\b")
_NOT_BOOKED = {"PDNG", "INFO", "FUTR"}
_OPENING = ("OPBD", "PRCD")
_CLOSING = ("CLBD",)
_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
MAX_DIGITS = 18
"""Digits an ISO 20022 amount may have (ActiveOrHistoricCurrencyAndAmount: 18 digits, 5 after the point)."""


class CamtImporter(Importer):
    name = "camt.052/053/054"

    def __init__(self, reconcile: bool = True, accept_unbalanced: bool = False):
        self.reconcile = reconcile
        """False reads the entries of a statement whose balances do not reconcile (tests of trimmed samples)."""
        self.accept_unbalanced = accept_unbalanced
        """True reads them too, each statement whose balances do not reconcile named in the warnings (a person
        asked for it: ``ar-xl import --accept-unbalanced``, an export of the credits only)."""

    def identify(self, path: Path) -> bool:
        head = head_text(read_head(Path(path), 16384))
        stripped = head.lstrip(" \t\r\n")
        if not stripped.startswith("<"):
            return False
        return bool(_HEAD.search(head))

    def extract(self, path: Path) -> pd.DataFrame:
        return self.read(path).frame

    def read(self, path: Path) -> StatementRead:
        path = Path(path)
        return _Reader(path, self.reconcile, self.accept_unbalanced).run()


def _local(tag) -> str:
    return tag.rsplit("}", 1)[1] if isinstance(tag, str) and "}" in tag else tag if isinstance(tag, str) else ""


class _Report:
    """A statement, report or notification being read; its own fields are read when its first
    balance or entry ends (they come before those in the schema)."""

    def __init__(self, r_no: int, msg_id: str, element):
        self.r_no, self.msg_id, self.element = r_no, msg_id, element
        self.id = _text(element, "Id")
        self.acct_ccy = _text(element, "Acct/Ccy")
        self.balances: list[tuple[str, int, int]] = []  # (code, signed cents, line)
        self.booked = 0
        self.booked_ok = True
        self.e_no = 0

    @property
    def sid(self) -> str:
        return self.id or "/".join(x for x in (self.msg_id, str(self.r_no)) if x)


class _Reader:
    """One pass over the file: entries are turned into credits as they end, then dropped."""

    def __init__(self, path: Path, reconcile: bool = True, accept_unbalanced: bool = False):
        self.path = path
        self.reconcile = reconcile
        self.accept_unbalanced = accept_unbalanced
        self.warnings: list[str] = []
        self.src = str(path)
        self.credits: list[Credit] = []
        self.problems: list[CellProblem] = []
        self.skipped: list[Skipped] = []

    def run(self) -> StatementRead:
        try:
            self._check_head()
            parser = etree.iterparse(
                str(self.path), events=("end",), tag=("{*}Ntry", "{*}Bal") + tuple("{*}" + r for r in _REPORTS),
                resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
                remove_comments=True, remove_pis=True,
            )
            report: _Report | None = None
            r_no = 0
            msg_id = ""
            for _, el in parser:
                parent = el.getparent()
                if parent is None:
                    continue
                name, pname = _local(el.tag), _local(parent.tag)
                if name in _REPORTS:
                    if pname in _ROOTS:
                        if report is not None and report.element is el:
                            self._reconcile(report)
                        report = None
                        el.clear()
                        _drop_before(el)
                    continue
                if pname not in _REPORTS or _local(parent.getparent().tag) not in _ROOTS:
                    continue  # a Bal or Ntry nested elsewhere (not one of the statement's own)
                if report is None or report.element is not parent:
                    for child in parent:  # the report's own fields (Id, Acct) before its balances and entries
                        if child is not el:
                            _strip(child)
                    if not msg_id:
                        hdr = next((c for c in parent.getparent() if _local(c.tag) == "GrpHdr"), None)
                        if hdr is not None:
                            _strip(hdr)
                            msg_id = _text(hdr, "MsgId")
                    r_no += 1
                    report = _Report(r_no, msg_id, parent)
                _strip(el)
                if name == "Bal":
                    self._balance(el, report)
                else:
                    report.e_no += 1
                    self._entry(el, report)
                el.clear()
                _drop_before(el)
        except etree.XMLSyntaxError as e:
            line = e.lineno if getattr(e, "lineno", None) else None
            raise fail(self.src, f"not well-formed XML: {clean_text(e.msg or str(e))[:200]}", row=line) from None
        if self.problems:
            raise InputError(self.problems)
        frame = payments_frame(self.credits, self.src) if self.credits else empty_payments()
        return StatementRead(frame, self.skipped, warnings=self.warnings)

    def _check_head(self) -> None:
        """The root and its first child, read before anything else: no DTD, a camt namespace, a camt message."""
        head = etree.iterparse(str(self.path), events=("start",), resolve_entities=False, no_network=True,
                               load_dtd=False, dtd_validation=False, huge_tree=False)
        depth = 0
        for _, el in head:
            depth += 1
            if depth == 1:
                self._check_root(el)
                if _local(el.tag) != "Document":
                    return
            else:
                if _local(el.tag) not in _ROOTS:
                    raise fail(self.src, "not a camt.052 report, camt.053 statement or camt.054 notification "
                                         f"(the document holds {clean_text(_local(el.tag))[:60]})", row=el.sourceline)
                return
        raise fail(self.src, "not a camt.052 report, camt.053 statement or camt.054 notification (the document is empty)")

    # ------------------------------------------------------------------ checks
    def _check_root(self, el) -> None:
        info = el.getroottree().docinfo
        if info.doctype or info.system_url or info.internalDTD is not None or info.externalDTD is not None:
            dtd = info.internalDTD
            entities = list(dtd.iterentities()) if dtd is not None else []
            if any(e.system_url for e in entities) or (info.system_url and entities):
                raise fail(self.src, "refused: the XML refers to an external resource (an external entity)")
            if entities:
                raise fail(self.src, "refused: the XML declares entities (possible XML bomb)")
            raise fail(self.src, "refused: the XML has a document type declaration (DTD), "
                                 "which a bank statement never needs and could be an XML bomb")
        tag = el.tag if isinstance(el.tag, str) else ""
        ns = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
        name = _local(tag)
        if ns and not _CAMT_NS.search(ns):
            raise fail(self.src, f"refused: the document is in the namespace {clean_text(ns)[:120]!r}, not a camt.052, "
                                 "camt.053 or camt.054 one; it is not a bank statement", row=el.sourceline)
        if name != "Document" and name not in _ROOTS:
            raise fail(self.src, f"not a camt.052/053/054 document (its root element is {clean_text(name)[:60]})",
                       row=el.sourceline)

    def _balance(self, el, report: _Report) -> None:
        code = (_text(el, "Tp/CdOrPrtry/Cd") or _text(el, "Tp/CdOrPrtry/Prtry")).upper()
        if code not in _OPENING + _CLOSING:
            return
        try:
            cents, _ = _amount(el.find(_any_ns("Amt")), f"the {code} balance")
        except ValueError as e:
            self.problems.append(problem(self.src, f"statement {report.sid}: {e}", row=el.sourceline))
            return
        sign = -1 if _text(el, "CdtDbtInd").upper() == "DBIT" else 1
        report.balances.append((code, sign * cents, el.sourceline))

    def _reconcile(self, report: _Report) -> None:
        opening = next((b for b in report.balances if b[0] in _OPENING), None)
        closing = next((b for b in report.balances if b[0] in _CLOSING), None)
        if not self.reconcile or opening is None or closing is None or not report.booked_ok:
            return
        expected = opening[1] + report.booked
        if expected != closing[1]:
            bad = problem(
                self.src, f"statement {report.sid}: the balances do not reconcile with the entries: opening balance "
                          f"{fmt(opening[1])} + booked entries {fmt(report.booked)} = {fmt(expected)}, but the closing "
                          f"balance is {fmt(closing[1])}; an entry is missing or was changed", row=closing[2])
            if self.accept_unbalanced:
                self.warnings.append(f"{bad}; {UNBALANCED_ACCEPTED}")
            else:
                self.problems.append(problem(self.src, bad.message + UNBALANCED_HINT, row=closing[2]))

    def _entry(self, entry, report: _Report) -> None:
        where = f"statement {report.sid}, entry {report.e_no}"
        line = entry.sourceline
        indicator = _text(entry, "CdtDbtInd").upper()
        status = (_text(entry, "Sts/Cd") or _text(entry, "Sts")).upper()
        booked = status not in _NOT_BOOKED
        try:
            cents, _ = _amount(entry.find(_any_ns("Amt")), "the entry", indicator)
        except ValueError as e:
            self.problems.append(problem(self.src, f"{where}: {e}", row=line))
            report.booked_ok = False
            return
        if booked:
            report.booked += -cents if indicator == "DBIT" else cents
        try:
            credits, reason = _entry_credits(entry, report.sid, report.e_no, report.acct_ccy)
        except ValueError as e:
            self.problems.append(problem(self.src, f"{where}: {e}", row=line))
            return
        if reason:
            self.skipped.append(Skipped(self.path.name, line, reason, where))
        self.credits.extend(credits)


def _any_ns(path: str) -> str:
    """The path as written: element names are read without their namespace (``_strip``)."""
    return path


def _strip(el) -> None:
    """Element names without their namespace, in ``el`` and below (done once per entry or balance)."""
    for e in el.iter():
        tag = e.tag
        if isinstance(tag, str) and tag[:1] == "{":
            e.tag = tag[tag.index("}") + 1:]


def _drop_before(el) -> None:
    """Free what was read: the siblings before ``el`` (its parent keeps growing otherwise)."""
    parent = el.getparent()
    while el.getprevious() is not None:
        del parent[0]


@functools.lru_cache(maxsize=512)
def _xpath_text(path: str):
    return etree.XPath(f"string({path})")


@functools.lru_cache(maxsize=512)
def _xpath_nodes(path: str):
    return etree.XPath(path)


def _text(el: Element | None, path: str) -> str:
    """The text of the first element at ``path`` below ``el`` (names without namespace), cleaned."""
    if el is None:
        return ""
    found = _xpath_text(path)(el)
    return clean_text(found) if found else ""


def _texts(el: Element | None, path: str) -> list[str]:
    if el is None:
        return []
    return [t for t in (clean_text(x.text) for x in _xpath_nodes(path)(el) if x.text) if t]


def _amount(amt: Element | None, what: str, indicator: str = "") -> tuple[int, str]:
    """(cents, currency) of an ``Amt``; ``ValueError`` for anything but digits with a decimal point."""
    if amt is None or not (amt.text or "").strip():
        raise ValueError(f"{what} has no amount")
    raw = amt.text.strip()
    shown = clean_text(raw)[:40]
    if not _AMOUNT.fullmatch(raw):
        raise ValueError(f"{what}: not an amount: {shown!r} (a camt amount is digits with a decimal point)")
    if sum(ch.isdigit() for ch in raw.lstrip("-").lstrip("0") or "0") > MAX_DIGITS:
        raise ValueError(f"{what}: the amount {shown} has more than {MAX_DIGITS} digits; no bank amount is that large")
    if raw.startswith("-"):
        marked = f" but is marked {indicator}" + (" (a credit)" if indicator == "CRDT" else "") if indicator else ""
        raise ValueError(f"{what}: the amount {shown} is negative{marked}; a camt amount is never negative "
                         "(CdtDbtInd gives the direction)")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{what}: not an amount: {shown!r}") from None
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


def _entry_credits(entry: Element, sid: str, e_no: int, acct_ccy: str) -> tuple[list[Credit], str]:
    """(the credits of one entry, why it gives none: "debit", "reversal", "not booked", "zero amount" or '')."""
    indicator = _text(entry, "CdtDbtInd").upper()
    reversal = _text(entry, "RvslInd").lower() in ("true", "1")
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    if reversal:
        return [], "reversal"
    if status.upper() in _NOT_BOOKED:
        return [], "not booked"
    if indicator != "CRDT":
        return [], "debit"
    entry_cents, entry_ccy = _amount(entry.find(_any_ns("Amt")), "the entry", indicator)
    entry_ccy = entry_ccy or acct_ccy
    value_date = _date(entry, "the entry")
    entry_ref = present(_text(entry, "AcctSvcrRef"))
    ntry_ref = present(_text(entry, "NtryRef"))
    entry_info = _text(entry, "AddtlNtryInf")
    txs = entry.findall(_any_ns("NtryDtls/TxDtls"))
    batch = len(txs) > 1
    out: list[Credit] = []
    if not txs:
        if entry_cents <= 0:
            return out, "zero amount"
        ref = entry_ref or ntry_ref
        out.append(Credit(
            value_date=value_date, amount=entry_cents, currency=currency_code(entry_ccy), remittance=entry_info,
            bank_reference=ref, statement_id=sid,
            identity=("camt-ref", ref, 0) if ref else ("camt-entry", sid, e_no, 0),
        ))
        return out, ""
    debits = 0
    for t_no, tx in enumerate(txs, start=1):
        tx_ind = _text(tx, "CdtDbtInd").upper()
        if tx_ind and tx_ind != "CRDT":
            debits += 1
            continue  # a debit inside a mixed batch
        if batch:
            amt = tx.find(_any_ns("Amt"))
            if amt is None:
                amt = tx.find(_any_ns("AmtDtls/TxAmt/Amt"))
            cents, ccy = _amount(amt, f"transaction {t_no}", tx_ind)
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
    return out, "" if out else "debit" if debits else "zero amount"


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

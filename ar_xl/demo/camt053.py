"""The bank statement as an ISO 20022 camt.053.001.08 document, built with ElementTree (which does the escaping).

Element order follows the camt.053.001.08 schema; one ``Stmt`` per account (each in its own
currency, ``_account_statement``) with its opening and closing balances and the totals of its
entries; entries booked (``Sts/Cd`` BOOK), one ``TxDtls`` per entry (``_entry``) with the payer in
``RltdPties/Dbtr/Pty/Nm`` and ``RltdPties/DbtrAcct/Id/IBAN``, free text in ``RmtInf/Ustrd`` and
structured references in ``RmtInf/Strd/CdtrRefInf``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from xml.etree import ElementTree as ET

from .statement import Account, Entry, Statement

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def _amt(cents: int) -> str:
    return str(Decimal(int(cents)).scaleb(-2).quantize(Decimal("0.01")))


def _q(tag: str) -> str:
    return f"{{{CAMT053_NS}}}{tag}"


def sub(parent, tag, text=None, **attrs):
    """A child element ``tag`` of ``parent`` in the camt.053 namespace, with ``text`` if given."""
    el = ET.SubElement(parent, _q(tag), {k: v for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def path(parent, tags: str, text=None):
    """The chain of elements ``A/B/C`` under ``parent``; ``text`` goes into the last."""
    el = parent
    for t in tags.split("/"):
        el = sub(el, t)
    if text is not None:
        el.text = str(text)
    return el


def camt053(st: Statement) -> bytes:
    """The statement as an ISO 20022 camt.053.001.08 document (UTF-8 bytes)."""
    ET.register_namespace("", CAMT053_NS)
    created = dt.datetime.combine(st.as_of, dt.time(6, 30)).isoformat()
    doc = ET.Element(_q("Document"))
    root = sub(doc, "BkToCstmrStmt")
    hdr = sub(root, "GrpHdr")
    sub(hdr, "MsgId", st.msg_id)
    sub(hdr, "CreDtTm", created)
    for a in st.accounts:
        _account_statement(root, st, a, created)
    ET.indent(doc, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(doc, encoding="utf-8", xml_declaration=False)


def _account_statement(root, st: Statement, a: Account, created: str) -> None:
    """One ``Stmt``: the account, its balances, the totals and every entry."""
    s = sub(root, "Stmt")
    sub(s, "Id", f"{a.iban[-8:]}-{st.as_of:%Y%m%d}")
    sub(s, "ElctrncSeqNb", st.as_of.timetuple().tm_yday)
    sub(s, "CreDtTm", created)
    fr = sub(s, "FrToDt")
    sub(fr, "FrDtTm", dt.datetime.combine(st.as_of, dt.time(0, 0)).isoformat())
    sub(fr, "ToDtTm", dt.datetime.combine(st.as_of, dt.time(23, 59, 59)).isoformat())
    acct = sub(s, "Acct")
    path(acct, "Id/IBAN", a.iban)
    sub(acct, "Ccy", a.currency)
    path(acct, "Ownr/Nm", st.owner)
    path(acct, "Svcr/FinInstnId/BICFI", a.bic)
    _balances(s, st, a)
    _summary(s, a)
    for e in a.entries:
        _entry(s, st, a, e)


def _balances(s, st: Statement, a: Account) -> None:
    """Opening (booked yesterday) and closing (today) balances."""
    for code, cents in (("OPBD", a.opening), ("CLBD", a.closing)):
        bal = sub(s, "Bal")
        path(bal, "Tp/CdOrPrtry/Cd", code)
        sub(bal, "Amt", _amt(abs(cents)), Ccy=a.currency)
        sub(bal, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
        path(bal, "Dt/Dt", (st.as_of - dt.timedelta(days=1) if code == "OPBD" else st.as_of).isoformat())


def _summary(s, a: Account) -> None:
    """``TxsSummry``: number and sum of all entries, the net, and the credits and debits apart."""
    cr = [e for e in a.entries if e.credit]
    db = [e for e in a.entries if not e.credit]
    cr_sum, db_sum = sum(e.amount for e in cr), sum(e.amount for e in db)
    summ = sub(s, "TxsSummry")
    tot = sub(summ, "TtlNtries")
    sub(tot, "NbOfNtries", len(a.entries))
    sub(tot, "Sum", _amt(cr_sum + db_sum))
    net = sub(tot, "TtlNetNtry")
    sub(net, "Amt", _amt(abs(cr_sum - db_sum)))
    sub(net, "CdtDbtInd", "CRDT" if cr_sum >= db_sum else "DBIT")
    for tag, lst, total in (("TtlCdtNtries", cr, cr_sum), ("TtlDbtNtries", db, db_sum)):
        t = sub(summ, tag)
        sub(t, "NbOfNtries", len(lst))
        sub(t, "Sum", _amt(total))


def _entry(s, st: Statement, a: Account, e: Entry) -> None:
    """One booked ``Ntry`` with its bank transaction code and one ``TxDtls``."""
    ind = "CRDT" if e.credit else "DBIT"
    ntry = sub(s, "Ntry")
    sub(ntry, "Amt", _amt(e.amount), Ccy=e.currency)
    sub(ntry, "CdtDbtInd", ind)
    path(ntry, "Sts/Cd", "BOOK")
    path(ntry, "BookgDt/Dt", st.as_of.isoformat())
    path(ntry, "ValDt/Dt", (e.value_date or st.as_of).isoformat())
    sub(ntry, "AcctSvcrRef", e.bank_ref)
    bk = sub(ntry, "BkTxCd")
    dom = sub(bk, "Domn")
    sub(dom, "Cd", e.domain[0])
    fam = sub(dom, "Fmly")
    sub(fam, "Cd", e.domain[1])
    sub(fam, "SubFmlyCd", e.domain[2])
    tx = path(ntry, "NtryDtls/TxDtls")
    refs = sub(tx, "Refs")
    sub(refs, "AcctSvcrRef", e.bank_ref)
    sub(refs, "EndToEndId", e.end_to_end)
    sub(tx, "Amt", _amt(e.amount), Ccy=e.currency)
    sub(tx, "CdtDbtInd", ind)
    _parties(tx, st, a, e)
    if e.credit and e.bic:
        path(tx, "RltdAgts/DbtrAgt/FinInstnId/BICFI", e.bic)
    _remittance_info(tx, e)
    if not e.credit and e.kind == "debit" and e.domain[0] == "ACMT":
        sub(ntry, "AddtlNtryInf", e.ustrd[0] if e.ustrd else "")


def _parties(tx, st: Statement, a: Account, e: Entry) -> None:
    """Debtor and creditor: the payer and us for a credit, us and the payee for a debit."""
    parties = sub(tx, "RltdPties")
    if e.credit:
        if e.name:
            path(parties, "Dbtr/Pty/Nm", e.name)
        if e.iban:
            path(parties, "DbtrAcct/Id/IBAN", e.iban)
        path(parties, "Cdtr/Pty/Nm", st.owner)
        path(parties, "CdtrAcct/Id/IBAN", a.iban)
    else:
        path(parties, "Dbtr/Pty/Nm", st.owner)
        path(parties, "DbtrAcct/Id/IBAN", a.iban)
        if e.name:
            path(parties, "Cdtr/Pty/Nm", e.name)
        if e.iban:
            path(parties, "CdtrAcct/Id/IBAN", e.iban)


def _remittance_info(tx, e: Entry) -> None:
    """``RmtInf``: free-text lines (Max140Text, at least one character) and the structured reference."""
    ustrd = [u[:140] for u in e.ustrd if u.strip()]
    if ustrd or e.ref:
        rmt = sub(tx, "RmtInf")
        for u in ustrd:
            sub(rmt, "Ustrd", u)
        if e.ref:
            cri = path(rmt, "Strd/CdtrRefInf")
            tp = sub(cri, "Tp")
            path(tp, "CdOrPrtry/Cd", "SCOR")
            sub(tp, "Issr", e.ref_issuer)
            sub(cri, "Ref", e.ref)

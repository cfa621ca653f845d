"""The bank statement as an ISO 20022 camt.053.001.08 document, built with ElementTree (which does the escaping)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from xml.etree import ElementTree as ET

from .statement import Statement

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def _amt(cents: int) -> str:
    return str(Decimal(int(cents)).scaleb(-2).quantize(Decimal("0.01")))


def camt053(st: Statement) -> bytes:
    """The statement as an ISO 20022 camt.053.001.08 document (UTF-8 bytes).

    Element order follows the camt.053.001.08 schema; one ``Stmt`` per account
    (each in its own currency), entries booked (``Sts/Cd`` BOOK), one ``TxDtls``
    per entry with the payer in ``RltdPties/Dbtr/Pty/Nm`` and
    ``RltdPties/DbtrAcct/Id/IBAN``, free text in ``RmtInf/Ustrd`` and structured
    references in ``RmtInf/Strd/CdtrRefInf``.
    """
    ET.register_namespace("", CAMT053_NS)
    q = lambda tag: f"{{{CAMT053_NS}}}{tag}"  # noqa: E731

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, q(tag), {k: v for k, v in attrs.items()})
        if text is not None:
            el.text = str(text)
        return el

    def path(parent, tags: str, text=None):
        el = parent
        for t in tags.split("/"):
            el = sub(el, t)
        if text is not None:
            el.text = str(text)
        return el

    created = dt.datetime.combine(st.as_of, dt.time(6, 30)).isoformat()
    doc = ET.Element(q("Document"))
    root = sub(doc, "BkToCstmrStmt")
    hdr = sub(root, "GrpHdr")
    sub(hdr, "MsgId", st.msg_id)
    sub(hdr, "CreDtTm", created)
    for n, a in enumerate(st.accounts, 1):
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
        for code, cents in (("OPBD", a.opening), ("CLBD", a.closing)):
            bal = sub(s, "Bal")
            path(bal, "Tp/CdOrPrtry/Cd", code)
            sub(bal, "Amt", _amt(abs(cents)), Ccy=a.currency)
            sub(bal, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
            path(bal, "Dt/Dt", (st.as_of - dt.timedelta(days=1) if code == "OPBD" else st.as_of).isoformat())
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
        for e in a.entries:
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
            if e.credit and e.bic:
                path(tx, "RltdAgts/DbtrAgt/FinInstnId/BICFI", e.bic)
            ustrd = [u[:140] for u in e.ustrd if u.strip()]  # Max140Text, at least one character
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
            if not e.credit and e.kind == "debit" and e.domain[0] == "ACMT":
                sub(ntry, "AddtlNtryInf", e.ustrd[0] if e.ustrd else "")
    ET.indent(doc, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(doc, encoding="utf-8", xml_declaration=False)

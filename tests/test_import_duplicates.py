"""Two real credits alike in one statement are two payments: same day, amount and payer-chosen reference (a camt
EndToEndId, an MT940 :61: customer reference without a bank reference).  The bank booked each, the balances
count both, and Match flags the second as a possible duplicate payment; importing drops neither.  Against what
is already in the workbook (or an earlier statement of the same import) entries alike are counted."""
from decimal import Decimal
from pathlib import Path

from ar_xl.actions import import_statements, match
from ar_xl.book import Book
from helpers import linden_book

DATA = Path(__file__).parent / "data"
CAMT_TWICE = DATA / "same_reference_twice-camt053.xml"  # two entries EndToEndId PAYRUN-2026-11-23-0042, 1,346.95
MT940_TWICE = DATA / "same_reference_twice.940"  # two :61: lines 1,346.95 with customer reference PAYRUN0042


def apply(book: Book, change) -> Book:
    tables = dict(book.tables)
    tables.update(change.merged(book))
    return Book(tables=tables, source=book.source, user=book.user)


def imported(book: Book, *files) -> tuple[Book, str]:
    change = import_statements.run(book, list(files))
    return apply(book, change), change.summary


def test_two_credits_alike_in_one_camt_statement_are_both_imported():
    book, summary = imported(Book(), CAMT_TWICE)
    assert summary == "imported 2 payments (0 already present) from 1 file"
    pay = book.get("Payments")
    assert pay["amount"].tolist() == [134695, 134695]
    assert pay["remittance"].tolist() == ["factuur 2026-003442"] * 2
    assert pay["bank_reference"].tolist() == ["PAYRUN-2026-11-23-0042"] * 2
    # importing the statement again adds nothing
    book, summary = imported(book, CAMT_TWICE)
    assert summary == "imported 0 payments (2 already present) from 1 file"
    assert len(book.get("Payments")) == 2


def test_two_credits_alike_in_one_mt940_statement_are_both_imported():
    book, summary = imported(Book(), MT940_TWICE)
    assert summary == "imported 2 payments (0 already present) from 1 file"
    pay = book.get("Payments")
    assert pay["amount"].tolist() == [134695, 134695]
    assert all("factuur 2026-003442" in text for text in pay["remittance"])
    book, summary = imported(book, MT940_TWICE)
    assert summary == "imported 0 payments (2 already present) from 1 file"


def test_match_flags_the_second_credit_as_a_possible_duplicate_payment():
    book = linden_book()
    book, _ = imported(book, CAMT_TWICE)
    first, second = book.get("Payments")["payment_id"].tolist()
    m = match.run(book).tables["Matches"]
    applied = m[m["payment_id"] == first].iloc[0]
    assert (applied["invoice_id"], applied["decision"], bool(applied["applied"])) == ("2026-003442", "auto", True)
    flagged = m[m["payment_id"] == second].iloc[0]
    assert flagged["decision"] == "suggested" and not bool(flagged["applied"])
    assert "possible duplicate" in flagged["flags"]
    assert f"2026-003442 already settled by payment {first}" in flagged["evidence"]


# ------------------------------------------------- statements that overlap, with a payer-chosen reference

def camt(statement: str, credits: list[tuple[str, str, str]]) -> str:
    """A camt.053 statement ``statement`` of credits (EndToEndId, amount, remittance) on 2026-11-23, no bank
    reference (AcctSvcrRef), whose balances reconcile."""
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><Dt>2026-11-23</Dt></BookgDt><ValDt><Dt>2026-11-23</Dt></ValDt><NtryDtls><TxDtls>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Refs><EndToEndId>{e2e}</EndToEndId></Refs>'
        "<RltdPties><Dbtr><Pty><Nm>Bakker Logistiek B.V.</Nm></Pty></Dbtr><DbtrAcct><Id>"
        "<IBAN>NL91ABNA0417164300</IBAN></Id></DbtrAcct></RltdPties>"
        f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
        for e2e, amount, text in credits)
    closing = sum(Decimal(a) for _, a, _ in credits)

    def bal(code, amount):
        return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
                "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-23</Dt></Dt></Bal>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>M-{statement}</MsgId></GrpHdr><Stmt><Id>{statement}</Id>"
            "<Acct><Id><IBAN>NL39ABNA6260181590</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
            f"{bal('OPBD', '0.00')}{bal('CLBD', closing)}\n{entries}</Stmt></BkToCstmrStmt></Document>\n")


RUN = ("PAYRUN-0042", "500.00", "Factuur 2026-004512")


def statements(tmp_path):
    """The morning's intraday statement, the day's statement (one more payment alike, one other), and a
    re-export of the day under another statement id."""
    files = {"morning": [RUN, ("PAYRUN-0043", "75.00", "Factuur 2026-004513")],
             "day": [RUN, ("PAYRUN-0043", "75.00", "Factuur 2026-004513"), RUN, ("PAYRUN-0050", "20.00", "F 4600")],
             "re-export": [RUN, RUN]}
    out = {}
    for name, credits in files.items():
        out[name] = tmp_path / f"{name}.xml"
        out[name].write_text(camt(f"S-{name.upper()}", credits), encoding="utf-8")
    return out


def test_an_overlapping_statement_adds_only_the_entries_the_earlier_one_lacked(tmp_path):
    f = statements(tmp_path)
    book, summary = imported(Book(), f["morning"])
    assert summary == "imported 2 payments (0 already present) from 1 file"
    book, summary = imported(book, f["day"])
    # the day holds PAYRUN-0042 twice, the morning once: one of them is new, and so is PAYRUN-0050
    assert summary == "imported 2 payments (2 already present) from 1 file"
    pay = book.get("Payments")
    assert sorted(pay["amount"].tolist()) == [2000, 7500, 50000, 50000]
    # two entries alike imported before, read again from another statement: nothing new
    book, summary = imported(book, f["re-export"])
    assert summary == "imported 0 payments (2 already present) from 1 file"
    assert len(book.get("Payments")) == 4


def test_overlapping_statements_in_one_import_count_the_same(tmp_path):
    f = statements(tmp_path)
    book, summary = imported(Book(), f["morning"], f["day"], f["re-export"])
    assert summary == "imported 4 payments (4 already present) from 3 files"
    pay = book.get("Payments")
    assert sorted(pay["amount"].tolist()) == [2000, 7500, 50000, 50000]
    assert pay["remittance"].tolist().count("Factuur 2026-004512") == 2

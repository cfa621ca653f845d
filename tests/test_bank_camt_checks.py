"""camt.053/054 checks (issue 10 §1, §3): a streamed, safe parse; a size limit from Config;
only camt.052/053/054 namespaces; UTF-16 with a BOM; a negative credit refused naming its
entry; opening + entries = closing; absurd amounts refused naming the entry."""
import pytest

from ar_xl.actions import import_statements
from ar_xl.bank import extract_file, extract_report
from ar_xl.book import Book
from ar_xl.config import Config, default_rows, from_rows
from ar_xl.errors import InputError
from helpers import shared_data

CAMT = shared_data() / "statements" / "camt"


def camt(entries, ns="camt.053.001.02", balances="", enc="UTF-8"):
    return (f'<?xml version="1.0" encoding="{enc}"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{ns}">\n'
            "<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>\n"
            "<Stmt><Id>S1</Id><Acct><Id><IBAN>NL20INGB0001234567</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
            f"{balances}{entries}</Stmt></BkToCstmrStmt></Document>\n")


def entry(amount, ind="CRDT", ref="E1", extra=""):
    return (f'<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{extra}'
            "<Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt>"
            "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Bakker</Nm></Dbtr></RltdPties>"
            "<RmtInf><Ustrd>Invoice 2026-0002</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n")


def bal(code, amount, ind="CRDT"):
    return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
            f"<CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>\n")


def write(tmp_path, text, name="statement.xml", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def refusal(path, **kw) -> str:
    with pytest.raises(InputError) as e:
        extract_report(path, **kw)
    return str(e.value)


@pytest.mark.parametrize("ns", ["pain.001.001.03", "camt.029.001.03", "camt.056.001.01"])
def test_other_namespaces_are_refused(tmp_path, ns):
    msg = refusal(write(tmp_path, camt(entry("1.00"), ns=ns)))
    assert "statement.xml" in msg and ns in msg and "camt.053" in msg


def test_camt052_report_is_read(tmp_path):
    text = camt(entry("12.00"), ns="camt.052.001.02").replace("BkToCstmrStmt", "BkToCstmrAcctRpt")
    text = text.replace("<Stmt>", "<Rpt>").replace("</Stmt>", "</Rpt>")
    assert extract_file(write(tmp_path, text))["amount"].tolist() == [1200]


def test_utf16_with_bom_is_read(tmp_path):
    p = write(tmp_path, camt(entry("300.00"), enc="UTF-16"), encoding="utf-16")
    assert extract_file(p)["amount"].tolist() == [30000]


def test_negative_credit_is_refused_naming_the_entry(tmp_path):
    msg = refusal(write(tmp_path, camt(entry("300.00") + entry("-300.00", ref="E2"))))
    assert "statement.xml" in msg and "entry 2" in msg and "-300.00" in msg and "CRDT" in msg and "line 6" in msg


@pytest.mark.parametrize("amount", ["1e308", "12345678901234567890.00", "NaN", "Infinity"])
def test_absurd_amounts_are_refused_naming_the_entry(tmp_path, amount):
    msg = refusal(write(tmp_path, camt(entry(amount))))
    assert "statement.xml" in msg and "entry 1" in msg and amount in msg


def test_balances_that_do_not_reconcile_are_refused(tmp_path):
    bals = bal("OPBD", "1000.00") + bal("CLBD", "1500.00")
    msg = refusal(write(tmp_path, camt(entry("300.00") + entry("50.00", "DBIT", "E2"), balances=bals)))
    assert "statement S1" in msg and "1,000.00" in msg and "1,250.00" in msg and "1,500.00" in msg


def test_balances_that_reconcile_including_a_debit_and_a_negative_opening(tmp_path):
    bals = bal("OPBD", "100.00", "DBIT") + bal("CLBD", "150.00")
    df = extract_file(write(tmp_path, camt(entry("300.00") + entry("50.00", "DBIT", "E2"), balances=bals)))
    assert df["amount"].tolist() == [30000]


def test_pending_entries_are_not_in_the_booked_balance(tmp_path):
    bals = bal("OPBD", "1000.00") + bal("CLBD", "1300.00")
    pending = entry("99.00", ref="E2").replace("<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>")
    rep = extract_report(write(tmp_path, camt(entry("300.00") + pending, balances=bals)))
    assert rep.frame["amount"].tolist() == [30000]
    assert [(s.reason, s.line) for s in rep.skipped] == [("not booked", 8)]


def test_debits_and_reversals_are_listed_as_skipped(tmp_path):
    rev = entry("10.00", ref="E3", extra="<RvslInd>true</RvslInd>")
    rep = extract_report(write(tmp_path, camt(entry("300.00") + entry("5.00", "DBIT", "E2") + rev)))
    assert [(s.reason, s.line) for s in rep.skipped] == [("debit", 6), ("reversal", 7)]


def test_files_over_the_size_limit_are_refused(tmp_path):
    p = write(tmp_path, camt(entry("300.00") * 1))
    with open(p, "ab") as fh:
        fh.write(b"<!-- " + b"x" * (1024 * 1024 + 10) + b" -->\n")
    msg = refusal(p, max_mb=1)
    assert "statement.xml" in msg and "1 MB" in msg and "statement_max_mb" in msg


def test_the_size_limit_comes_from_config(tmp_path):
    rows = default_rows()
    rows.loc[rows["setting"] == "statement_max_mb", "value"] = "1"
    cfg = from_rows(rows)
    assert cfg.statement_max_mb == 1 and Config().statement_max_mb == 50
    p = write(tmp_path, camt(entry("300.00")) + " " * (1024 * 1024 + 10))
    book = Book(tables={"Config": rows})
    with pytest.raises(InputError) as e:
        import_statements.run(book, [p])
    assert "statement_max_mb" in str(e.value)


def test_unsafe_xml_still_refused_after_streaming(tmp_path):
    dtd = camt(entry("1.00")).replace("<Document", '<!DOCTYPE Document SYSTEM "http://example.com/camt.dtd">\n<Document', 1)
    assert "document type declaration" in refusal(write(tmp_path, dtd, "a.xml"))
    xxe = camt(entry("1.00")).replace("<Document", '<!DOCTYPE d [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n<Document', 1)
    msg = refusal(write(tmp_path, xxe.replace("Invoice 2026-0002", "&xxe;"), "b.xml"))
    assert "external" in msg and "root:" not in msg


@pytest.mark.parametrize("name, says", [
    ("viafintech_ch_camt053_v8.xml", "82,721.95 + booked entries 542.28 = 83,264.23, but the closing balance is 84,515.25"),
    ("genkgo_nl_camt053_v2_minimal_strd.xml", "the closing balance is -27.00"),
    ("viafintech_nl_camt053_with_batch.xml", "the closing balance is 23,038.20"),
])
def test_trimmed_samples_whose_balances_do_not_reconcile_are_refused(name, says):
    msg = refusal(CAMT / name)
    assert name in msg and says in msg


@pytest.mark.parametrize("name", ["subite_be_camt053_202411_anonymized.xml", "viafintech_ch_postfinance_camt053_v4.xml",
                                  "viafintech_at_stuzza_camt053.xml", "genkgo_nl_camt053_v2_multi_statement.xml"])
def test_samples_that_reconcile_are_read(name):
    assert len(extract_file(CAMT / name)) > 0

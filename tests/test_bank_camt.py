"""camt.053 / camt.054 import: real samples read in place, plus crafted files
for batches, reversals, several statements, and unsafe XML."""

import pandas as pd
import pytest

from ar_xl.bank import CamtImporter, extract_file
from ar_xl.errors import InputError
from helpers import shared_data, row

CAMT = shared_data() / "statements" / "camt"


# Three samples were trimmed by their projects: their balances do not reconcile with the entries
# left, so importing them is refused (test_bank_camt_checks); their entries are read here with
# the balance check off, to keep the parsing of what they hold tested.
def trimmed(path):
    return CamtImporter(reconcile=False).extract(path)


def test_v8_unstructured_and_rf_reference():
    df = trimmed(CAMT / "viafintech_ch_camt053_v8.xml")
    assert len(df) == 2  # the EUR 20.97 debit is left out
    jon = row(df, payer_name="Jon Doe")
    assert jon["amount"] == 47440 and jon["currency"] == "CHF"
    assert jon["value_date"] == pd.Timestamp("2023-06-20")
    assert jon["remittance"] == "INVOICE R77561"
    assert jon["bank_reference"] == "9999181ZC0283079"  # the transaction's AcctSvcrRef
    assert jon["statement_id"] == "R30B4SA880HMZ9XA"
    fin = row(df, payer_name="Finanz AG")
    assert fin["amount"] == 8885
    assert fin["creditor_reference"] == "RF38000000000000000000552"
    assert "EUR" not in df["currency"].tolist()


def test_structured_reference_payer_iban_value_date():
    df = trimmed(CAMT / "genkgo_nl_camt053_v2_minimal_strd.xml")
    assert len(df) == 1
    r = df.iloc[0]
    assert r["amount"] == 885 and r["currency"] == "EUR"
    assert r["payer_name"] == "NAME NAME"
    assert r["payer_iban"] == "NL56AGDH9619008421"
    assert r["creditor_reference"] == "4654654654654654"
    # value date 2015-01-02, not the booking date 2014-12-31
    assert r["value_date"] == pd.Timestamp("2015-01-02")


def test_ing_batch_debit_excluded_credits_kept():
    df = trimmed(CAMT / "viafintech_nl_camt053_with_batch.xml")
    assert len(df) == 2
    assert 475374 not in df["amount"].tolist()  # the outgoing batch of 3 transfers
    t = row(df, payer_name="TEST")
    assert t["amount"] == 268800
    assert t["payer_iban"] == "NL86INGB00066666666"  # kept as the bank gave it
    assert t["remittance"] == "TERUGGAAF"
    assert t["bank_reference"] == "s8ecaaf0f96f492f603167c748a0b1c6"
    assert t["value_date"] == pd.Timestamp("2019-06-13")


def test_postfinance_batch_gives_one_payment_per_transaction():
    df = extract_file(CAMT / "viafintech_ch_postfinance_camt053_v4.xml")
    assert len(df) == 24
    # entry 7 books CHF 1,000.00 as one batch of 10 credits
    batch = df[df["value_date"] == pd.Timestamp("2016-05-30")]
    assert len(batch) == 10
    assert batch["amount"].sum() == 100000
    pia = row(df, bank_reference="160527CH00T3KWWA")
    assert pia["amount"] == 5000
    assert pia["payer_name"] == "Rutschmann Pia"
    assert pia["creditor_reference"] == "000000000002016030002820804"
    assert df["payment_id"].is_unique


def test_camt054_notification():
    df = extract_file(CAMT / "viafintech_ch_camt054_valid_example.xml")
    assert len(df) == 3
    pia = row(df, bank_reference="TST_201-2091644-9")
    assert pia["amount"] == 1500
    assert pia["payer_name"] == "Rutschmann Pia"
    assert pia["payer_iban"] == "CH4409000000495962779"
    assert pia["remittance"] == "Mitteilung 132"
    assert pia["value_date"] == pd.Timestamp("2016-04-10")


def test_camt054_debit_entry_with_credit_lines_is_not_income():
    # the entry is a SEK 200,000 debit; its lines are not money received
    assert len(extract_file(CAMT / "genkgo_ch_camt054_v4_strd.xml")) == 0


def test_austrian_stuzza_namespace():
    df = extract_file(CAMT / "viafintech_at_stuzza_camt053.xml")
    assert len(df) == 3
    assert df["amount"].tolist() == [5000, 10000, 25000]
    assert df["creditor_reference"].tolist() == ["201912341234", "201912341234", "2019456456"]
    assert df.iloc[0]["payer_iban"] == "AT022050303300646365"


def test_large_real_month():
    df = extract_file(CAMT / "subite_be_camt053_202411_anonymized.xml")
    assert len(df) == 4
    assert df["amount"].sum() == 18000000


CRAFTED = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.06">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>MSG1</MsgId></GrpHdr>
  <Stmt>
   <Id>STMT-A</Id>
   <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Ntry>
    <Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>false</RvslInd>
    <Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2024-03-01</Dt></BookgDt><ValDt><Dt>2024-03-02</Dt></ValDt>
    <AcctSvcrRef>BATCH-1</AcctSvcrRef>
    <NtryDtls>
     <TxDtls>
      <Refs><EndToEndId>E2E-1</EndToEndId></Refs>
      <Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><Dbtr><Pty><Nm>Alpha BV</Nm></Pty></Dbtr>
       <DbtrAcct><Id><IBAN>nl02 rabo 0123 4567 89</IBAN></Id></DbtrAcct></RltdPties>
      <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
       <Ref>RF18 5390 0754 7034</Ref></CdtrRefInf></Strd></RmtInf>
     </TxDtls>
     <TxDtls>
      <Refs><EndToEndId>E2E-2</EndToEndId></Refs>
      <Amt Ccy="EUR">200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><Dbtr><Nm>Beta GmbH</Nm></Dbtr></RltdPties>
      <RmtInf><Ustrd>INV 2024-17</Ustrd><Ustrd>INV 2024-18</Ustrd></RmtInf>
     </TxDtls>
    </NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>
    <BookgDt><Dt>2024-03-03</Dt></BookgDt>
    <AddtlNtryInf>Return of a direct debit</AddtlNtryInf>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">75.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Sts><Cd>PDNG</Cd></Sts>
    <BookgDt><Dt>2024-03-03</Dt></BookgDt>
   </Ntry>
  </Stmt>
  <Stmt>
   <Id>STMT-B</Id>
   <Ntry>
    <Amt Ccy="EUR">12.34</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <BookgDt><DtTm>2024-03-04T10:00:00</DtTm></BookgDt>
    <AddtlNtryInf>Gamma SA payment</AddtlNtryInf>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
    <BookgDt><Dt>2024-03-04</Dt></BookgDt>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
"""


def test_crafted_batch_reversal_pending_and_two_statements(tmp_path):
    p = tmp_path / "crafted.xml"
    p.write_text(CRAFTED, encoding="utf-8")
    assert CamtImporter().identify(p)
    df = extract_file(p)
    assert df["amount"].tolist() == [10000, 20000, 1234]  # batch split; reversal, pending, debit left out
    a, b, c = (df.iloc[i] for i in range(3))
    assert a["payer_name"] == "Alpha BV" and a["payer_iban"] == "NL02RABO0123456789"
    assert a["creditor_reference"] == "RF18539007547034"
    assert a["bank_reference"] == "BATCH-1" and b["bank_reference"] == "BATCH-1"
    assert a["payment_id"] != b["payment_id"]
    assert a["value_date"] == pd.Timestamp("2024-03-02")
    assert b["remittance"] == "INV 2024-17 INV 2024-18"
    assert (a["statement_id"], c["statement_id"]) == ("STMT-A", "STMT-B")
    # no value date: the booking date is used
    assert c["value_date"] == pd.Timestamp("2024-03-04")
    assert c["remittance"] == "Gamma SA payment"


def test_bad_amount_names_file_and_entry(tmp_path):
    p = tmp_path / "badamount.xml"
    p.write_text(CRAFTED.replace("<Amt Ccy=\"EUR\">12.34</Amt>", "<Amt Ccy=\"EUR\">12,34.x</Amt>"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        extract_file(p)
    assert "badamount.xml" in str(e.value) and "STMT-B, entry 1" in str(e.value)


def test_truncated_xml_names_file_and_line(tmp_path):
    p = tmp_path / "cut.xml"
    p.write_text(CRAFTED[:1500], encoding="utf-8")
    with pytest.raises(InputError) as e:
        extract_file(p)
    assert "cut.xml" in str(e.value) and "line 36" in str(e.value)


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol9;</Id>
</Stmt></BkToCstmrStmt></Document>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE d [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S</Id>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt>
<AddtlNtryInf>&xxe;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize("content", [BOMB, XXE], ids=["billion-laughs", "external-entity"])
def test_unsafe_xml_is_refused(tmp_path, content):
    p = tmp_path / "unsafe.xml"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        extract_file(p)
    assert "unsafe.xml" in str(e.value) and "refused" in str(e.value)
    assert "root:" not in str(e.value)


def test_other_xml_is_not_a_statement(tmp_path):
    p = tmp_path / "pain.xml"
    p.write_text('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
                 "<CstmrCdtTrfInitn/></Document>", encoding="utf-8")
    with pytest.raises(InputError) as e:
        extract_file(p)
    assert "pain.xml" in str(e.value)


def _one_entry(tmp_path, name, entry, acct_ccy=""):
    acct = f"<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>{acct_ccy}</Ccy></Acct>" if acct_ccy else ""
    p = tmp_path / name
    p.write_text('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
                 f"<BkToCstmrStmt><Stmt><Id>S1</Id>{acct}{entry}</Stmt></BkToCstmrStmt></Document>", encoding="utf-8")
    return p


def test_credit_without_a_currency_is_refused_naming_file_and_entry(tmp_path):
    # neither the amount nor the account says the currency: importing it would put a
    # payment without a currency in the workbook (which then no action can read)
    entry = "<Ntry><Amt>10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt></Ntry>"
    with pytest.raises(InputError) as e:
        extract_file(_one_entry(tmp_path, "noccy.xml", entry))
    assert "noccy.xml" in str(e.value) and "S1, entry 1" in str(e.value) and "currency" in str(e.value)
    bad = entry.replace("<Amt>", '<Amt Ccy="EURO">')
    with pytest.raises(InputError) as e:
        extract_file(_one_entry(tmp_path, "badccy.xml", bad))
    assert "badccy.xml" in str(e.value) and "EURO" in str(e.value)
    # the account's currency is used when the amount has none
    df = extract_file(_one_entry(tmp_path, "acct.xml", entry, acct_ccy="CHF"))
    assert df["currency"].tolist() == ["CHF"] and df["amount"].tolist() == [1000]



def test_zero_entry_is_skipped_and_negative_entry_refused(tmp_path):
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">{a}</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-01</Dt></BookgDt></Ntry>'
        for a in ("0.00", "7.50"))
    df = extract_file(_one_entry(tmp_path, "zero.xml", entries))
    assert df["amount"].tolist() == [750]
    negative = entries.replace("0.00", "-5.00", 1)
    with pytest.raises(InputError) as e:
        extract_file(_one_entry(tmp_path, "negative.xml", negative))
    assert "negative.xml" in str(e.value) and "entry 1" in str(e.value) and "-5.00" in str(e.value)

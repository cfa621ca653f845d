"""MT940 import: real statements from the shared sample folder, read in place."""

from pathlib import Path

import pandas as pd
import pytest

from ar_xl import schema
from ar_xl.actions import import_statements, match
from ar_xl.bank import Mt940Importer, extract_file
from ar_xl.book import Book
from ar_xl.errors import InputError
from helpers import linden_book, shared_data, row

DATA = shared_data()
STATEMENTS = DATA / "statements"
MT940 = STATEMENTS / "mt940"
TEST_DATA = Path(__file__).parent / "data"

ALL_SAMPLES = sorted(
    p for p in STATEMENTS.rglob("*")
    if p.is_file() and "LICENSES" not in p.parts and p.name != "SOURCES.md"
)


def test_samples_are_there():
    assert len(ALL_SAMPLES) >= 60


@pytest.mark.parametrize("path", ALL_SAMPLES, ids=lambda p: str(p.relative_to(STATEMENTS)))
def test_every_sample_parses_or_raises_input_error(path):
    try:
        df = extract_file(path)
    except InputError as e:
        assert path.name in str(e)
        return
    assert list(df.columns) == schema.PAYMENTS.names
    assert df["amount"].dtype == "int64" and df["unapplied_amount"].dtype == "int64"
    assert str(df["value_date"].dtype) == "datetime64[ns]"
    assert (df["amount"] > 0).all(), "only incoming credits become payments"
    assert (df["unapplied_amount"] == df["amount"]).all()
    assert (df["status"] == "unapplied").all()
    assert df["payment_id"].str.match(r"^P-[0-9A-F]{12}$").all()
    assert not df["payment_id"].duplicated().any()
    assert (df["source_file"] == path.name).all()


# Edited samples whose balances do not reconcile are refused on import (test_bank_mt940_checks);
# their entries are read here with the balance check off, to keep their parsing tested.
def edited(path):
    return Mt940Importer(reconcile=False).extract(path)


def test_knab_credits_payer_iban_and_reference():
    df = edited(MT940 / "jejik" / "knab.sta")
    # two credits of 500.00; the 7,260.00 debit to PICQER is left out
    assert len(df) == 2
    assert df["amount"].tolist() == [50000, 50000]
    mms = row(df, bank_reference="B4G29PGDCK1QFV3E")
    assert mms["value_date"] == pd.Timestamp("2014-07-29")
    assert mms["currency"] == "EUR"
    assert mms["payer_name"] == "MMS ONLINE NEDERLAND B.V."
    assert mms["payer_iban"] == "NL84INGB0234561789"
    assert "ORDERID: 264267" in mms["remittance"]
    assert mms["statement_id"] == "B4G30MS9D00A003D/999/1"
    assert "PICQER" not in " ".join(df["payer_name"])


def test_german_sepa_structured_details():
    df = edited(MT940 / "betterplace" / "sepa_snippet.sta")
    # 11 lines in the file, 8 of them credits (incl. returned transfers)
    assert len(df) == 8
    karl = row(df, bank_reference="0724710333343453")
    assert karl["amount"] == 5099005
    assert karl["value_date"] == pd.Timestamp("2007-09-07")
    assert karl["payer_name"] == "KARL KAUFMANN"
    assert karl["payer_iban"] == "DE14508800500194785000"
    assert karl["remittance"].startswith("Verw CTSc-01 BC-PPP TFNr 22 004")
    assert "EndToEndId TFNR 22 004 00001" in karl["remittance"]
    # the 1,500.00 SEPA transfer out is a debit
    assert 150000 not in df["amount"].tolist()


def test_reversal_of_credit_is_not_a_payment():
    df = extract_file(MT940 / "betterplace" / "sepa_mt9401.sta")
    # 204.88 appears three times: twice as "RC" (reversal of a credit, lines
    # 19 and 101) and once as a plain "CR" credit (line 99): only that one counts
    assert df["amount"].tolist().count(20488) == 1
    assert len(df) == 41


def test_asn_bank_counterparty_in_statement_line():
    df = extract_file(MT940 / "ASNB" / "mt940.txt")
    assert len(df) == 3
    first = df.iloc[0]
    assert first["value_date"] == pd.Timestamp("2020-01-05")
    assert first["amount"] == 100000
    assert first["payer_name"] == "paulissen g j l m"
    assert first["payer_iban"] == "NL56ASNB9999999999"
    assert first["remittance"] == "INTERNE OVERBOEKING VIA MOBIEL"
    assert first["statement_id"] == "0000000000/5/1"


def test_same_statement_under_two_names_gives_same_ids():
    a = extract_file(MT940 / "ASNB" / "mt940.txt")
    b = extract_file(MT940 / "ASNB" / "0708271685_09022020_164516.940.txt")
    assert a["payment_id"].tolist() == b["payment_id"].tolist()
    assert extract_file(MT940 / "ASNB" / "mt940.txt")["payment_id"].tolist() == a["payment_id"].tolist()


def test_latin1_file_keeps_umlauts():
    df = extract_file(MT940 / "legacy" / "cmxl" / "mt940-iso8859-1.sta")
    assert len(df) == 1
    assert df.iloc[0]["payer_name"] == "MÜLLER"
    assert df.iloc[0]["amount"] == 300000


def test_repeated_statement_ids_still_give_unique_ids():
    # three statements all called STARTUMS 1/1 with identical 20,000.00 lines
    df = edited(MT940 / "self-provided" / "raphaelm.sta")  # its balances have no currency
    assert len(df) == 8
    assert df["payment_id"].is_unique
    assert df.iloc[0]["remittance"].startswith("Verwendungszweck 1 Verwendungszweck 2")


def test_broken_snippet_is_refused_with_file_and_line():
    with pytest.raises(InputError) as e:
        extract_file(MT940 / "betterplace" / "sepa_snippet_broken.sta")
    msg = str(e.value)
    assert "sepa_snippet_broken.sta" in msg
    assert "line 6" in msg and ":25:" in msg


def test_invalid_statement_is_refused():
    with pytest.raises(InputError) as e:
        extract_file(MT940 / "self-provided" / "invalid_statement.sta")
    assert "invalid_statement.sta" in str(e.value)
    assert not Mt940Importer().identify(MT940 / "self-provided" / "invalid_statement.sta")


def test_malformed_details_is_read_sensibly():
    # a stray '?' at the end of the :86: details: mt-940 reads the line, which
    # is a 233.15 debit (tax office), so no payment comes out of it
    df = edited(MT940 / "self-provided" / "malformed_details.sta")
    assert len(df) == 0


def test_unreadable_statement_line_names_file_and_line(tmp_path):
    p = tmp_path / "bad.sta"
    p.write_text(":20:X\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C240101EUR0,00\n"
                 ":61:XXXX\n:86:hello\n:62F:C240101EUR0,00\n")
    with pytest.raises(InputError) as e:
        extract_file(p)
    assert "bad.sta" in str(e.value) and "line 5" in str(e.value)


def test_control_characters_and_formula_text_stay_plain(tmp_path):
    p = tmp_path / "evil.sta"
    p.write_text(":20:REF1\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C240101EUR0,00\n"
                 ":61:2401020102C100,00NTRFNONREF//BANKREF1\n"
                 ":86:/EREF/INV-1/ORDP//NAME/Evil\x07 Corp\u202e/REMI/=HYPERLINK(\"http://x\",\"y\")/IBAN/NL91ABNA0417164300\n"
                 ":62F:C240102EUR100,00\n", encoding="utf-8")
    df = extract_file(p)
    r = df.iloc[0]
    assert r["payer_name"] == "Evil Corp"
    assert r["remittance"].startswith('=HYPERLINK("http://x","y")')
    assert isinstance(r["remittance"], str)
    assert r["payer_iban"] == "NL91ABNA0417164300"
    assert r["bank_reference"] == "BANKREF1"
    assert r["amount"] == 10000


def test_statement_without_a_currency_is_refused(tmp_path):
    # no :60F: opening balance: nothing says which currency the 100,00 is in
    p = tmp_path / "noccy.sta"
    p.write_text(":20:REF1\n:25:NL91ABNA0417164300\n:28C:1/1\n"
                 ":61:2401020102C100,00NTRFNONREF//BANKREF1\n:86:/REMI/INV-1\n")
    with pytest.raises(InputError) as e:
        extract_file(p)
    assert "noccy.sta" in str(e.value) and ":62F:" in str(e.value)  # no closing balance either
    with pytest.raises(InputError) as e:
        edited(p)
    assert "noccy.sta" in str(e.value) and "entry 1" in str(e.value) and "currency" in str(e.value)


# ---------------------------------------------------------------- fixed-width :86: text (65 characters a line)
# ASN, SNS and ING fill each line of the details and cut it at column 65, mid-word or mid-number.

def test_a_word_cut_at_column_65_is_read_whole():
    df = extract_file(MT940 / "ASNB" / "mt940.txt")
    dividend = row(df, amount=82872)
    assert dividend["payer_name"] == "transfer solutions bv"
    assert dividend["remittance"] == ("2020-01-28T14:32:46-000000000000089-NL25INGB9999999999-"
                                      "Transfer Solutions BV-DIVIDEND 28/01/2020")


def test_a_line_that_continues_after_a_space_the_bank_cut_at_keeps_the_space():
    # PostFinance: "... JANE DOE EXAMPLESTRASSE" (65 characters), then " 10 1234 ..."
    df = edited(MT940 / "jejik" / "postfinance.sta")
    assert "AUFTRAGGEBER: JANE DOE EXAMPLESTRASSE 10 1234 XXXX" in row(df, amount=7970)["remittance"]


def _import_and_match(statement):
    book = linden_book()
    change = import_statements.run(book, [statement])
    assert change.summary == "imported 1 payment (0 already present) from 1 file"
    tables = dict(book.tables)
    tables.update(change.merged(book))
    book = Book(tables=tables)
    return book.get("Payments").iloc[0], match.run(book).tables["Matches"].iloc[0]


def test_an_invoice_number_cut_at_column_65_is_applied_automatically():
    # "... betreft factuur 2026-00" (65 characters) / "3442 dank u", paid by someone else's account
    payment, m = _import_and_match(TEST_DATA / "invoice_cut_at_column_65.940")
    assert payment["amount"] == 134695
    assert payment["remittance"] == "Betaling Transportbedrijf v.d.Linden B.V. betreft factuur 2026-003442 dank u"
    assert (m["invoice_id"], m["decision"], m["applied_amount"], bool(m["applied"])) == (
        "2026-003442", "auto", 134695, True)
    assert "ref 2026-003442 exact" in m["evidence"]


def test_a_shorter_line_is_followed_by_a_space():
    # "... betreft factuur" ends before column 65: the next line is a new word
    payment, m = _import_and_match(TEST_DATA / "invoice_on_its_own_line.940")
    assert payment["remittance"] == "Betaling Transportbedrijf v.d.Linden B.V. betreft factuur 2026-003442 dank u"
    assert (m["invoice_id"], m["decision"]) == ("2026-003442", "auto")

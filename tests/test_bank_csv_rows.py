"""Bank CSV rows are never dropped or changed silently (issue 10 §3): every line that is not
imported is reported with its line number, a file where nothing could be read is refused,
and a sign that contradicts the credit/debit column is refused."""
import pytest

from ar_xl.actions import import_statements
from ar_xl.bank import extract_file, extract_report
from ar_xl.book import Book
from ar_xl.errors import InputError

HEAD = '"Datum";"Naam / Omschrijving";"Tegenrekening";"Af Bij";"Bedrag (EUR)";"Mededelingen"\n'


def row(amount="300,00", direction="Bij", name="Bakker B.V.", note="Invoice 2026-0002", day="20261120"):
    return f'"{day}";"{name}";"NL91ABNA0417164300";"{direction}";"{amount}";"{note}"\n'


def write(tmp_path, text, name="bank.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def refusal(path) -> str:
    with pytest.raises(InputError) as e:
        extract_file(path)
    return str(e.value)


def test_sign_contradicting_bij_is_refused_naming_the_line(tmp_path):
    msg = refusal(write(tmp_path, HEAD + row() + row(amount="-100,00")))
    assert "bank.csv" in msg and "line 3" in msg and "Bij" in msg and "-100,00" in msg


def test_negative_amount_in_a_credit_column_is_refused(tmp_path):
    text = "Date;Libellé;Débit;Crédit\n02/02/2024;VIR A;;1 500,00\n03/02/2024;VIR B;;-20,00\n"
    msg = refusal(write(tmp_path, text))
    assert "line 3" in msg and "-20,00" in msg


def test_row_missing_columns_is_refused(tmp_path):
    msg = refusal(write(tmp_path, HEAD + row() + '"20261121";"Acme";"Bij"\n'))
    assert "line 3" in msg and "3 fields" in msg and "6" in msg


def test_blank_amount_is_refused(tmp_path):
    msg = refusal(write(tmp_path, HEAD + row() + row(amount="")))
    assert "line 3" in msg and "Bedrag (EUR)" in msg and "no amount" in msg


def test_unbalanced_quote_is_refused(tmp_path):
    bad = row(name="Acme").replace('"Acme"', 'Acme "B.V."')
    msg = refusal(write(tmp_path, HEAD + row() + bad))
    assert "line 3" in msg and "quote" in msg


def test_odd_quote_swallowing_lines_is_refused_at_its_line(tmp_path):
    bad = row(name="Acme").replace('"Acme"', '"Acme')
    msg = refusal(write(tmp_path, HEAD + row() + bad + row(amount="5,00") + row(amount="6,00")))
    assert "line 3" in msg


def test_mixed_delimiters_are_refused_naming_every_line(tmp_path):
    text = HEAD + row().replace(";", ",") + row(amount="100,00").replace(";", ",")
    msg = refusal(write(tmp_path, text))
    assert "line 2" in msg and "line 3" in msg and "','" in msg


def test_every_line_not_imported_is_reported(tmp_path):
    text = HEAD + row() + row(direction="Af", amount="12,50") + row(amount="0,00") + ';;;;;\n' + row(amount="7,00")
    rep = extract_report(write(tmp_path, text))
    assert rep.frame["amount"].tolist() == [30000, 700]
    skipped = {(s.line, s.reason) for s in rep.skipped}
    assert skipped == {(3, "debit"), (4, "zero amount")}


def test_a_file_where_nothing_could_be_read_is_refused(tmp_path):
    text = HEAD + "Saldo;;;;;\nEinde;;;;;\n"
    msg = refusal(write(tmp_path, text))
    assert "bank.csv" in msg and "no transaction" in msg


def test_header_only_is_an_empty_statement(tmp_path):
    assert len(extract_file(write(tmp_path, HEAD))) == 0


def test_utf16_with_bom_is_read(tmp_path):
    df = extract_file(write(tmp_path, HEAD + row(name="Kühn GmbH"), encoding="utf-16"))
    assert df["amount"].tolist() == [30000]
    assert df["payer_name"].tolist() == ["Kühn GmbH"]


def test_utf16_big_endian_with_bom_is_read(tmp_path):
    p = tmp_path / "be.csv"
    p.write_bytes(b"\xfe\xff" + (HEAD + row()).encode("utf-16-be"))
    assert extract_file(p)["amount"].tolist() == [30000]


def test_import_summary_names_skipped_debits(tmp_path):
    p = write(tmp_path, HEAD + row(direction="Af"))
    change = import_statements.run(Book(), [p])
    assert len(change.tables["Payments"]) == 0
    assert "imported 0 payments" in change.summary
    assert "skipped 1" in change.summary and "1 debit" in change.summary and "line 2" in change.summary


def test_utf16_without_bom_is_read(tmp_path):
    p = tmp_path / "nobom.csv"
    p.write_bytes((HEAD + row(name="Kühn GmbH")).encode("utf-16-le"))
    df = extract_file(p)
    assert df["payer_name"].tolist() == ["Kühn GmbH"]


def test_utf16_mt940_is_read(tmp_path):
    text = (":20:STMT1\r\n:25:NL20INGB0001234567\r\n:28C:1/1\r\n:60F:C261119EUR1000,00\r\n"
            ":61:2611201120C300,00NTRFNONREF//B1\r\n:86:/NAME/Kühn GmbH/REMI/Invoice 2026-0002\r\n"
            ":62F:C261120EUR1300,00\r\n-\r\n")
    p = tmp_path / "statement.sta"
    p.write_bytes(text.encode("utf-16"))
    df = extract_file(p)
    assert df["amount"].tolist() == [30000] and df["payer_name"].tolist() == ["Kühn GmbH"]


def test_large_utf16_file_is_recognised(tmp_path):
    p = tmp_path / "big.csv"
    p.write_bytes((HEAD + row() * 2000 + row(amount="1,00")).encode("utf-16"))
    assert p.stat().st_size > 65536
    df = extract_file(p)
    assert len(df) == 2001 and df["amount"].iloc[-1] == 100


def test_xlsx_export_skipped_rows_are_named_by_row(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["Valutadatum", "Bedrag", "Naam tegenrekening", "Omschrijving"])
    ws.append(["2024-06-03", 480.25, "Delta BV", "F-1"])
    ws.append(["2024-06-04", -12.0, "Bank", "kosten"])
    wb.save(tmp_path / "export.xlsx")
    change = import_statements.run(Book(), [tmp_path / "export.xlsx"])
    assert "1 debit (export.xlsx row 3)" in change.summary

"""CSV/XLSX bank exports: header recognition, decimal commas, debit/credit
indicators, mappings, and untrusted text kept as plain strings."""
import pandas as pd
import pytest
from openpyxl import Workbook

from ar_xl.bank import CsvBankImporter, extract_file
from ar_xl.errors import InputError

ING_NL = (
    '"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Code";"Af Bij";"Bedrag (EUR)";"Mutatiesoort";"Mededelingen"\n'
    '"20240105";"Acme B.V.";"NL20INGB0001234567";"NL91 ABNA 0417 1643 00";"GT";"Bij";"1.234,56";"Online bankieren";'
    '"Factuur 2024-001 =HYPERLINK(""http://evil.example"",""klik"")"\n'
    '"20240106";"Shop";"NL20INGB0001234567";"NL02RABO0123456789";"BA";"Af";"12,50";"Betaalautomaat";"Pas 123"\n'
    '"20240107";"Beta\x07 GmbH";"NL20INGB0001234567";"DE89370400440532013000";"OV";"Bij";"99,9";"Overschrijving";"RF18 5390 0754 7034"\n'
)


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_ing_export_decimal_comma_af_bij_and_formula_text(tmp_path):
    p = write(tmp_path, "ing.csv", ING_NL)
    df = extract_file(p)
    assert len(df) == 2  # the "Af" line is a debit
    acme = df.iloc[0]
    assert acme["amount"] == 123456
    assert acme["value_date"] == pd.Timestamp("2024-01-05")
    assert acme["currency"] == "EUR"
    assert acme["payer_name"] == "Acme B.V."
    assert acme["payer_iban"] == "NL91ABNA0417164300"
    assert acme["remittance"] == 'Factuur 2024-001 =HYPERLINK("http://evil.example","klik")'
    assert type(acme["remittance"]) is str
    beta = df.iloc[1]
    assert beta["amount"] == 9990
    assert beta["payer_name"] == "Beta GmbH"  # control character removed
    assert beta["creditor_reference"] == "RF18539007547034"
    assert df["source_file"].eq("ing.csv").all()


def test_german_export_with_preamble_soll_haben_and_valuta(tmp_path):
    text = (
        "Kontonummer:;DE89370400440532013000\n"
        "Zeitraum:;01.01.2024 - 31.01.2024\n"
        "\n"
        "Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Betrag;Währung;S/H\n"
        "05.01.2024;08.01.2024;Müller GmbH;RE 4711;1.000,00;EUR;H\n"
        "06.01.2024;06.01.2024;Stadtwerke;Abschlag;89,00;EUR;S\n"
        "09.01.2024;10.01.2024;Schmidt KG;RE 4712;250,5;CHF;H\n"
    )
    p = write(tmp_path, "umsaetze.csv", text, encoding="cp1252")
    df = extract_file(p)
    assert df["amount"].tolist() == [100000, 25050]
    assert df["payer_name"].tolist() == ["Müller GmbH", "Schmidt KG"]
    # "Valuta" holds dates here: it is the value date, not the booking day
    assert df["value_date"].tolist() == [pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-10")]
    assert df["currency"].tolist() == ["EUR", "CHF"]
    assert df["remittance"].tolist() == ["RE 4711", "RE 4712"]


def test_french_separate_credit_debit_columns(tmp_path):
    text = (
        "Date opération;Date valeur;Libellé;Débit;Crédit\n"
        "02/02/2024;03/02/2024;VIR SEPA DUPONT SARL FACT 889;;1 500,00\n"
        "04/02/2024;04/02/2024;PRLV EDF;-45,10;\n"
    )
    df = extract_file(write(tmp_path, "releve.csv", text))
    assert len(df) == 1
    assert df.iloc[0]["amount"] == 150000
    assert df.iloc[0]["value_date"] == pd.Timestamp("2024-02-03")
    assert df.iloc[0]["remittance"] == "VIR SEPA DUPONT SARL FACT 889"


def test_rabobank_signed_amounts_and_joined_descriptions(tmp_path):
    text = (
        '"IBAN/BBAN","Munt","Volgnr","Datum","Rentedatum","Bedrag","Tegenrekening IBAN/BBAN",'
        '"Naam tegenpartij","Omschrijving-1","Omschrijving-2","Omschrijving-3"\n'
        '"NL11RABO0101010101","EUR","000000000000001234","2024-04-02","2024-04-03","+2.500,00",'
        '"BE68539007547034","Klant NV","Factuur 7001","en 7002",""\n'
        '"NL11RABO0101010101","EUR","000000000000001235","2024-04-02","2024-04-02","-19,99",'
        '"NL02RABO0123456789","Telecom","Abonnement","",""\n'
    )
    df = extract_file(write(tmp_path, "rabo.csv", text))
    assert len(df) == 1
    r = df.iloc[0]
    assert r["amount"] == 250000
    assert r["payer_iban"] == "BE68539007547034"  # not the own account in "IBAN/BBAN"
    assert r["payer_name"] == "Klant NV"
    assert r["remittance"] == "Factuur 7001 en 7002"
    assert r["bank_reference"] == "000000000000001234"
    assert r["value_date"] == pd.Timestamp("2024-04-03")


def test_explicit_mapping(tmp_path):
    text = "When,How much,Who,Why,Ref\n2024-05-01,250.00,Omega Ltd,INV-55,TX9\n"
    p = write(tmp_path, "custom.csv", text)
    with pytest.raises(InputError):
        extract_file(p)  # nothing recognisable without a mapping
    mapping = {"value_date": "When", "amount": "How much", "payer_name": "Who", "remittance": "Why",
               "bank_reference": "Ref"}
    df = extract_file(p, mapping=mapping)
    r = df.iloc[0]
    assert (r["amount"], r["payer_name"], r["remittance"], r["bank_reference"]) == (25000, "Omega Ltd", "INV-55", "TX9")
    assert r["value_date"] == pd.Timestamp("2024-05-01")


def test_bad_amount_names_file_row_and_column(tmp_path):
    text = "Datum;Naam tegenrekening;Bedrag;Omschrijving\n01-03-2024;A;10,00;x\n02-03-2024;B;tien euro;y\n"
    with pytest.raises(InputError) as e:
        extract_file(write(tmp_path, "bad.csv", text))
    msg = str(e.value)
    assert "bad.csv" in msg and "line 3" in msg and "column Bedrag" in msg


def test_unknown_direction_is_an_error(tmp_path):
    text = "Datum;Bedrag;Af Bij;Omschrijving\n01-03-2024;10,00;Bij;x\n02-03-2024;5,00;??;y\n"
    with pytest.raises(InputError) as e:
        extract_file(write(tmp_path, "dir.csv", text))
    assert "dir.csv" in str(e.value) and "line 3" in str(e.value)


def test_xlsx_export_formula_cell_is_kept_as_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Valutadatum", "Bedrag", "Naam tegenrekening", "Tegenrekening", "Omschrijving"])
    ws.append([pd.Timestamp("2024-06-03").to_pydatetime(), 480.25, "Delta BV", "NL91ABNA0417164300",
               '=HYPERLINK("http://evil.example","pay here")'])
    ws.append(["2024-06-04", -12.0, "Bank", "", "kosten"])
    p = tmp_path / "export.xlsx"
    wb.save(p)
    assert CsvBankImporter().identify(p)
    df = extract_file(p)
    assert len(df) == 1
    r = df.iloc[0]
    assert r["amount"] == 48025
    assert r["value_date"] == pd.Timestamp("2024-06-03")
    assert r["remittance"] == '=HYPERLINK("http://evil.example","pay here")'
    assert r["payer_iban"] == "NL91ABNA0417164300"


def test_same_lines_give_same_ids_and_identical_lines_differ(tmp_path):
    text = "Datum;Bedrag;Naam tegenrekening;Omschrijving\n01-03-2024;10,00;A;x\n01-03-2024;10,00;A;x\n"
    a = extract_file(write(tmp_path, "a.csv", text))
    b = extract_file(write(tmp_path, "b.csv", text))
    assert a["payment_id"].tolist() == b["payment_id"].tolist()
    assert a["payment_id"].is_unique  # two identical payments on one day stay two

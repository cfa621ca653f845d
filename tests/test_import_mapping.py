"""Statement import with --map (issue 9 §5): a mapping naming a missing column is refused, a
re-import dedupes on the statement's content whatever the mapping, unused columns are listed,
and an import that adds nothing says what it skipped and why."""
import pytest

from ar_xl.actions import import_statements
from ar_xl.bank import extract_file
from ar_xl.book import Book
from ar_xl.errors import InputError

HEAD = '"Datum";"Naam / Omschrijving";"Tegenrekening";"Af Bij";"Bedrag (EUR)";"Mededelingen";"Code"\n'
ROW = '"20261120";"Bakker B.V.";"NL91ABNA0417164300";"Bij";"2.241,61";"Invoice 2026-0002";"GT"\n'


def write(tmp_path, text, name="bank.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def apply(book, change):
    tables = dict(book.tables)
    tables.update(change.merged(book))
    return Book(tables=tables, source=book.source, user=book.user)


def test_map_naming_a_missing_column_is_refused_listing_the_columns(tmp_path):
    p = write(tmp_path, HEAD + ROW)
    with pytest.raises(InputError) as e:
        extract_file(p, {"payer_name": "Nom"})
    msg = str(e.value)
    assert "bank.csv" in msg and "'Nom'" in msg and "'Bedrag (EUR)'" in msg and "'Mededelingen'" in msg


def test_map_naming_an_unknown_field_is_refused(tmp_path):
    with pytest.raises(InputError) as e:
        extract_file(write(tmp_path, HEAD + ROW), {"payer": "Naam / Omschrijving"})
    assert "'payer' is not a payments column" in str(e.value) and "payer_name" in str(e.value)


def test_map_on_a_file_without_recognised_headers_names_its_columns(tmp_path):
    p = write(tmp_path, "When,How much\n2024-05-01,250.00\n")
    with pytest.raises(InputError) as e:
        extract_file(p, {"value_date": "When", "amount": "Bedrag"})
    assert "'Bedrag'" in str(e.value) and "'How much'" in str(e.value)


def test_reimport_with_another_mapping_adds_nothing(tmp_path):
    p = write(tmp_path, HEAD + ROW)
    book = Book()
    first = import_statements.run(book, [p])
    book = apply(book, first)
    again = import_statements.run(book, [p], {"remittance": "Naam / Omschrijving"})
    pay = again.tables["Payments"]
    assert pay["amount"].tolist() == [224161]
    assert "imported 0 payments" in again.summary and "1 already present" in again.summary


def test_unused_columns_are_listed_in_the_summary(tmp_path):
    change = import_statements.run(Book(), [write(tmp_path, HEAD + ROW)])
    assert "bank.csv: columns not used: Code" in change.summary


def test_import_adding_nothing_says_what_it_skipped(tmp_path):
    debit = ROW.replace('"Bij"', '"Af"')
    p = write(tmp_path, HEAD + ROW + debit)
    book = apply(Book(), import_statements.run(Book(), [p]))
    again = import_statements.run(book, [p])
    assert "imported 0 payments" in again.summary
    assert "skipped 2" in again.summary and "1 debit (bank.csv line 3)" in again.summary
    assert "1 already present" in again.summary

"""The import_statements action and the dedupe engine: Book in, Change out."""

import pandas as pd
import pytest

from helpers import shared_data
from ar_xl import schema
from ar_xl.actions import import_statements
from ar_xl.bank import extract_file
from ar_xl.book import Book
from ar_xl.engine.dedupe import dedupe
from ar_xl.errors import InputError

STATEMENTS = shared_data() / "statements"
ASN = STATEMENTS / "mt940" / "ASNB" / "mt940.txt"  # reconciles (knab.sta, edited, does not)
V8 = STATEMENTS / "camt" / "viafintech_ch_camt053_v8.xml"  # trimmed: its balances do not reconcile
STUZZA = STATEMENTS / "camt" / "viafintech_at_stuzza_camt053.xml"
CAMT054 = STATEMENTS / "camt" / "viafintech_ch_camt054_valid_example.xml"
POSTFINANCE = STATEMENTS / "camt" / "viafintech_ch_postfinance_camt053_v4.xml"


def apply(book: Book, change) -> Book:
    """What a shell does: write the merged tables back."""
    tables = dict(book.tables)
    tables.update(change.merged(book))
    return Book(tables=tables, source=book.source, user=book.user)


def test_import_appends_payments_with_audit_and_summary():
    book = Book(user="anna")
    change = import_statements.run(book, [ASN, STUZZA])
    pay = change.tables["Payments"]
    assert len(pay) == 6
    assert list(pay.columns) == schema.PAYMENTS.names
    assert pay["amount"].sum() == 100000 + 82872 + 100018 + 5000 + 10000 + 25000
    assert pay["unapplied_amount"].tolist() == pay["amount"].tolist()
    assert set(pay["status"]) == {"unapplied"}
    assert change.summary.startswith("imported 6 payments (0 already present) from 2 files")
    assert len(change.audit) == 6
    a = change.audit[0]
    assert (a["user"], a["action"], a["table"], a["rule"]) == ("anna", "import_statements", "Payments", "import")
    assert a["key"] == pay.iloc[0]["payment_id"]
    assert "EUR 1,000.00 on 2020-01-05" in a["new_value"] and "mt940.txt" in a["new_value"]


def test_importing_twice_adds_nothing_and_keeps_peoples_notes():
    book = apply(Book(), import_statements.run(Book(), [ASN]))
    pay = book.get("Payments").copy()
    pay.loc[0, "note"] = "customer called, pays rest Friday"
    pay.loc[0, "status"] = "ignored"
    book.tables["Payments"] = pay
    again = import_statements.run(book, [ASN])
    assert again.summary.startswith("imported 0 payments (3 already present) from 1 file")
    assert again.audit == []
    merged = again.merged(book)["Payments"]
    assert len(merged) == 3
    assert merged.loc[0, "note"] == "customer called, pays rest Friday"
    assert merged.loc[0, "status"] == "ignored"


def test_same_lines_in_two_files_are_imported_once():
    a = STATEMENTS / "mt940" / "ASNB" / "mt940.txt"
    b = STATEMENTS / "mt940" / "ASNB" / "0708271685_09022020_164516.940.txt"
    change = import_statements.run(Book(), [a, b])
    assert len(change.tables["Payments"]) == 3
    assert change.summary.startswith("imported 3 payments (3 already present) from 2 files; skipped 13: 10 debits")


def test_notification_then_statement_is_not_double_counted():
    book = apply(Book(), import_statements.run(Book(), [CAMT054]))
    change = import_statements.run(book, [POSTFINANCE])
    # the statement repeats the three credits the camt.054 already announced
    assert change.summary.startswith("imported 21 payments (3 already present) from 1 file; skipped 11: ")
    assert "6 debits (viafintech_ch_postfinance_camt053_v4.xml line 53, line 85," in change.summary
    assert "2 reversals (viafintech_ch_postfinance_camt053_v4.xml line 1907, line 2020)" in change.summary
    pay = change.tables["Payments"]
    assert len(pay) == 24
    assert (pay["bank_reference"] == "TST_201-2091644-9").sum() == 1


def test_a_bad_file_changes_nothing():
    book = apply(Book(), import_statements.run(Book(), [ASN]))
    before = book.get("Payments").copy()
    broken = STATEMENTS / "mt940" / "betterplace" / "sepa_snippet_broken.sta"
    with pytest.raises(InputError) as e:
        import_statements.run(book, [V8, broken])
    assert "sepa_snippet_broken.sta" in str(e.value)
    pd.testing.assert_frame_equal(book.get("Payments"), before)


def test_a_statement_whose_balances_do_not_reconcile_is_imported_only_when_a_person_accepts_it():
    # jejik's ing.sta and viafintech's v8 camt.053: their balances do not add up with their entries (edited,
    # trimmed samples; a bank's export of the credits only looks the same)
    ing = STATEMENTS / "mt940" / "jejik" / "ing.sta"
    for f in (ing, V8):
        with pytest.raises(InputError) as e:
            import_statements.run(Book(), [f])
        assert "the balances do not reconcile" in str(e.value) and "--accept-unbalanced" in str(e.value)
    change = import_statements.run(Book(user="anna"), [ing, V8], accept_unbalanced=True)
    pay = change.tables["Payments"]
    assert sorted(zip(pay["currency"], pay["amount"])) == [("CHF", 8885), ("CHF", 47440), ("EUR", 100), ("EUR", 368)]
    assert "ing.sta, line 26: statement MPBZ/000: the balances do not reconcile" in change.summary
    assert "viafintech_ch_camt053_v8.xml, line 60: statement R30B4SA880HMZ9XA" in change.summary
    assert change.summary.count("imported anyway, as asked (--accept-unbalanced)") == 2
    kept = [a for a in change.audit if a["rule"] == "import --accept-unbalanced"]
    assert len(kept) == 2 and all(a["user"] == "anna" and a["table"] == "Payments" for a in kept)
    # a file cut off is refused all the same
    with pytest.raises(InputError, match="no closing balance"):
        import_statements.run(Book(), [STATEMENTS / "mt940" / "self-provided" / "gv_codes.sta"], accept_unbalanced=True)


def test_missing_file_and_no_files():
    with pytest.raises(InputError) as e:
        import_statements.run(Book(), [STATEMENTS / "nope.sta"])
    assert "nope.sta" in str(e.value) and "not found" in str(e.value)
    with pytest.raises(InputError):
        import_statements.run(Book(), [])


def test_csv_reimport_after_overlapping_export(tmp_path):
    head = "Datum;Bedrag;Naam tegenrekening;Tegenrekening;Omschrijving\n"
    jan = head + "02-01-2024;100,00;A BV;NL91ABNA0417164300;F-1\n05-01-2024;40,00;B BV;;F-2\n"
    jan_feb = jan + "03-02-2024;75,00;C BV;;F-3\n"
    (tmp_path / "jan.csv").write_text(jan)
    (tmp_path / "janfeb.csv").write_text(jan_feb)
    book = apply(Book(), import_statements.run(Book(), [tmp_path / "jan.csv"]))
    change = import_statements.run(book, [tmp_path / "janfeb.csv"])
    assert change.summary == "imported 1 payment (2 already present) from 1 file"
    assert change.tables["Payments"]["remittance"].tolist() == ["F-1", "F-2", "F-3"]


# ---------------------------------------------------------------- dedupe engine

def _frame(**cols):
    n = len(next(iter(cols.values())))
    base = {
        "payment_id": [f"P-{i}" for i in range(n)], "value_date": [pd.Timestamp("2024-01-02")] * n,
        "amount": [1000] * n, "currency": ["EUR"] * n, "payer_iban": [""] * n, "remittance": ["x"] * n,
        "bank_reference": [""] * n, "source_file": ["statement.xml"] * n, "statement_id": ["S1"] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_dedupe_by_id_bank_reference_and_content():
    existing = _frame(payment_id=["P-A", "P-B", "P-C"], bank_reference=["R1", "", ""],
                      remittance=["a", "inv 7", "other"], amount=[1000, 2500, 999])
    new = _frame(
        payment_id=["P-A", "P-X", "P-Y", "P-Z", "P-Z"],
        bank_reference=["R1", "R1", "", "", ""],
        remittance=["a", "a", "INV  7", "new", "new"],
        amount=[1000, 1000, 2500, 500, 500],
        statement_id=["S1", "S2", "S2", "S2", "S2"],
    )
    added, skipped = dedupe(new, existing)
    # P-A: same id (S1 read again); P-X: same bank reference/date/amount, from another statement;
    # P-Y: same content as P-B; the second P-Z repeats the first within this import
    assert added["payment_id"].tolist() == ["P-Z"]
    assert skipped == 4


def test_dedupe_never_takes_entries_of_one_statement_for_duplicates_of_each_other():
    # two credits of one statement with the same reference, day and amount (a payer-chosen EndToEndId)
    new = _frame(payment_id=["P-1", "P-2"], bank_reference=["E2E-7", "E2E-7"], statement_id=["S1", "S1"])
    added, skipped = dedupe(new, None)
    assert added["payment_id"].tolist() == ["P-1", "P-2"] and skipped == 0
    # read again, or from an overlapping statement: what is there vouches for as many as it holds
    assert dedupe(new, new)[1] == 2
    other = _frame(payment_id=["P-7", "P-8", "P-9"], bank_reference=["E2E-7"] * 3, statement_id=["S2"] * 3)
    added, skipped = dedupe(other, new)
    assert added["payment_id"].tolist() == ["P-9"] and skipped == 2
    # the same in one import: the second statement counts what the first added
    added, skipped = dedupe(pd.concat([new, other], ignore_index=True), None)
    assert added["payment_id"].tolist() == ["P-1", "P-2", "P-9"] and skipped == 2


def test_dedupe_content_counts_each_existing_row_once():
    existing = _frame(payment_id=["P-OLD"])
    new = _frame(payment_id=["P-1", "P-2"])  # same content twice, only one was there before
    added, skipped = dedupe(new, existing)
    assert added["payment_id"].tolist() == ["P-2"] and skipped == 1


def test_dedupe_against_empty_table():
    new = extract_file(ASN)
    added, skipped = dedupe(new, Book().get("Payments"))
    assert len(added) == 3 and skipped == 0

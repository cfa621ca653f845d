"""Data that cannot be right (issue 10, part 4): repeated keys are refused naming both rows; suspicious
invoice rows are warned about, naming the row and the invoice."""
from __future__ import annotations

import hashlib

import openpyxl
import pandas as pd
import pytest

from ar_xl import frames
from ar_xl.actions import refresh
from ar_xl.cli import main
from ar_xl.errors import InputError
from ar_xl.workbook import xlsx
from helpers import seeded

INV_HEAD = "invoice_id,customer_id,customer_name,invoice_date,due_date,currency,amount,open_amount\n"
INVOICE_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                "open_amount"]
ROWS = [
    ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50"),
    ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "300.00", "300.00"),
    ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "800.00", "800.00"),
]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def problems_of(fn) -> list[str]:
    with pytest.raises(InputError) as err:
        fn()
    return [str(p) for p in err.value.problems]


# --- repeated keys --------------------------------------------------------------------

def test_a_repeated_invoice_id_in_a_csv_is_refused_naming_both_rows(tmp_path, capsys):
    path = tmp_path / "invoices.csv"
    path.write_text(INV_HEAD + "A1,C1,Acme,2026-10-01,2026-10-31,EUR,100,100\n"
                               "A2,C1,Acme,2026-10-01,2026-10-31,EUR,10,10\n"
                               "A1,C1,Acme,2026-10-02,2026-11-01,EUR,50,50\n", encoding="utf-8")
    assert main(["age", "--invoices", str(path), "--as-of", "2026-11-23"]) == 2
    err = capsys.readouterr().err
    assert "invoices.csv, row 4, column invoice_id: invoice_id 'A1' is also on row 2" in err
    assert "Aging" not in capsys.readouterr().out


def test_every_repeat_is_reported_against_the_first_row():
    raw = pd.DataFrame([r for r in ROWS] + [ROWS[0], ROWS[2], ROWS[0]], columns=INVOICE_COLS)
    assert problems_of(lambda: frames.coerce(raw, "Invoices", "export.xlsx sheet Sheet1")) == [
        "export.xlsx sheet Sheet1, row 5, column invoice_id: invoice_id '2026-0001' is also on row 2; "
        "each invoice_id may be on one row only",
        "export.xlsx sheet Sheet1, row 6, column invoice_id: invoice_id '2026-0003' is also on row 4; "
        "each invoice_id may be on one row only",
        "export.xlsx sheet Sheet1, row 7, column invoice_id: invoice_id '2026-0001' is also on row 2; "
        "each invoice_id may be on one row only",
    ]


def test_ids_that_differ_only_by_spaces_are_the_same_id():
    raw = pd.DataFrame([ROWS[0], (" 2026-0001 ",) + ROWS[0][1:]], columns=INVOICE_COLS)
    assert problems_of(lambda: frames.coerce(raw, "Invoices", "x.csv"))[0].startswith(
        "x.csv, row 3, column invoice_id: invoice_id '2026-0001' is also on row 2")


def test_a_repeated_invoice_id_in_the_workbook_stops_every_action_and_changes_nothing(tmp_path, capsys):
    path = seeded(tmp_path / "team.xlsx", Invoices=(ROWS, INVOICE_COLS))
    wb = openpyxl.load_workbook(path)
    ws = wb["Invoices"]
    ws.append([c.value for c in ws[2]])  # a person copied row 2 below the table, and widened the table
    ws.tables["Invoices"].ref = ws.tables["Invoices"].ref[:-1] + "5"
    wb.save(path)
    before = digest(path)
    with pytest.raises(InputError) as err:
        xlsx.load(path)
    assert [str(p) for p in err.value.problems] == [
        "team.xlsx sheet Invoices, row 5, column Invoice ID (invoice_id): invoice_id '2026-0001' is also on row 2; "
        "each invoice_id may be on one row only"]
    assert main(["refresh", str(path)]) == 2
    assert "row 5" in capsys.readouterr().err
    assert digest(path) == before


def test_repeated_payment_and_customer_ids_are_refused(tmp_path):
    pay = pd.DataFrame([("P-1", "2026-11-20", "10.00", "EUR"), ("P-2", "2026-11-20", "20.00", "EUR"),
                        ("P-1", "2026-11-21", "30.00", "EUR")],
                       columns=["payment_id", "value_date", "amount", "currency"])
    assert problems_of(lambda: frames.coerce(pay, "Payments", "pay.csv")) == [
        "pay.csv, row 4, column payment_id: payment_id 'P-1' is also on row 2; each payment_id may be on one row only"]
    cust = pd.DataFrame([("C1", "Bakker"), ("C1", "Bakker Logistiek")], columns=["customer_id", "customer_name"])
    assert problems_of(lambda: frames.coerce(cust, "Customers", "cust.csv")) == [
        "cust.csv, row 3, column customer_id: customer_id 'C1' is also on row 2; each customer_id may be on one row only"]


def test_a_plan_installment_listed_twice_is_refused_but_two_plans_share_installment_numbers():
    cols = ["plan_id", "installment_no", "amount"]
    ok = pd.DataFrame([("PL-1", 1, "10"), ("PL-1", 2, "10"), ("PL-2", 1, "5")], columns=cols)
    assert len(frames.coerce(ok, "Plans", "Plans")) == 3
    bad = pd.DataFrame([("PL-1", 1, "10"), ("PL-1", 2, "10"), ("PL-1", 2, "10")], columns=cols)
    assert problems_of(lambda: frames.coerce(bad, "Plans", "Plans")) == [
        "Plans, row 4, column installment_no: plan_id, installment_no 'PL-1', '2' is also on row 3; "
        "each plan_id, installment_no may be on one row only"]


def test_rows_without_a_key_and_the_derived_aging_table_are_not_checked():
    mat = pd.DataFrame([("", "P-1"), ("", "P-2")], columns=["match_id", "payment_id"])
    assert len(frames.coerce(mat, "Matches", "Matches")) == 2
    aging = pd.DataFrame([("2026-0001", "10"), ("2026-0001", "10")], columns=["invoice_id", "open_amount"])
    assert len(frames.coerce(aging, "Aging", "Aging")) == 2


def test_a_refresh_of_a_workbook_without_repeats_still_runs(tmp_path):
    path = seeded(tmp_path / "team.xlsx", Invoices=(ROWS, INVOICE_COLS))
    book = xlsx.load(path)
    change = refresh.run(book)
    assert len(change.tables["Aging"]) == 3


# --- warnings, not silence ------------------------------------------------------------

ODD = [
    ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50"),
    ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "300.00", "450.00"),
    ("CN-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "-50.00", "50.00"),
    ("2026-0004", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-09-01", "EUR", "80.00", "80.00"),
    ("CN-0005", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "-50.00", "-70.00"),
]
ODD_WARNINGS = [
    "row 3: invoice 2026-0002: open amount 450.00 is larger than the amount 300.00",
    "row 4: invoice CN-0003: open amount 50.00 and amount -50.00 have opposite signs",
    "row 5: invoice 2026-0004: due date 2026-09-01 is before the invoice date 2026-10-01",
    "row 6: invoice CN-0005: open amount -70.00 is larger than the amount -50.00",
]


def test_suspicious_invoice_rows_are_named_with_row_and_invoice():
    from ar_xl import checks
    inv = frames.coerce(pd.DataFrame(ODD, columns=INVOICE_COLS), "Invoices", "invoices.csv")
    assert checks.warnings(inv, "Invoices") == [f"invoices.csv, {w}" for w in ODD_WARNINGS]
    assert checks.warnings(inv.iloc[:1], "Invoices") == []


def test_the_age_command_warns_on_stderr_and_still_ages(tmp_path, capsys):
    path = tmp_path / "invoices.csv"
    path.write_text(INV_HEAD + "\n".join(",".join(r) for r in ODD) + "\n", encoding="utf-8")
    assert main(["age", "--invoices", str(path), "--as-of", "2026-11-23"]) == 0
    out, err = capsys.readouterr()
    assert "TOTAL" in out
    assert err.splitlines() == [f"ar-xl: warning: invoices.csv, {w}" for w in ODD_WARNINGS]


def test_actions_return_the_warnings_and_the_command_prints_them(tmp_path, capsys):
    from ar_xl.actions import dashboard, match
    path = seeded(tmp_path / "team.xlsx", Invoices=(ODD, INVOICE_COLS))
    book = xlsx.load(path)
    expected = [f"team.xlsx sheet Invoices, {w}" for w in ODD_WARNINGS]
    assert refresh.run(book).warnings == expected
    assert dashboard.run(book).warnings == expected
    assert match.run(book).warnings == expected
    assert main(["refresh", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("aged 5 open items")
    assert err.splitlines() == [f"ar-xl: warning: {w}" for w in expected]


def test_many_warnings_are_cut_short_with_a_count():
    from ar_xl import checks
    rows = [(f"I{i}", "C1", "", "2026-10-01", "2026-09-01", "EUR", "1", "1") for i in range(60)]
    inv = frames.coerce(pd.DataFrame(rows, columns=INVOICE_COLS), "Invoices", "big.csv")
    shown = checks.warnings(inv, "Invoices")
    assert len(shown) == 21 and shown[-1] == "big.csv: ... and 40 more rows like these"


def test_a_config_setting_on_two_rows_is_refused_even_in_other_case():
    from ar_xl import config as config_mod
    rows = config_mod.default_rows()
    twice = pd.concat([rows, pd.DataFrame([("fx.GBP", "1.2", "")], columns=rows.columns)], ignore_index=True)
    n = len(rows) + 2
    assert problems_of(lambda: frames.coerce(twice, "Config", "Config"))[0].startswith(
        f"Config, row {n}, column setting: setting 'fx.GBP' is also on row ")
    other_case = pd.concat([rows, pd.DataFrame([("FX.gbp", "1.2", "")], columns=rows.columns)], ignore_index=True)
    frame = frames.coerce(other_case, "Config", "Config")
    gbp = 2 + list(rows["setting"]).index("fx.GBP")
    assert problems_of(lambda: config_mod.from_rows(frame, "Config")) == [
        f"Config, row {n}, column setting: fx.GBP is also on row {gbp}; each setting may be on one row only"]


def test_an_action_that_changes_invoices_warns_once_about_the_rows_it_read(tmp_path, capsys):
    rows = ODD + [("2026-0009", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "99.00", "99.00")]
    path = seeded(tmp_path / "team.xlsx", Invoices=(rows, INVOICE_COLS),
                  Payments=([("P-1", "2026-11-20", "99.00", "EUR", "Bakker Logistiek B.V.", "invoice 2026-0009")],
                            ["payment_id", "value_date", "amount", "currency", "payer_name", "remittance"]))
    assert main(["match", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "1 applied automatically" in out  # the Invoices table was written back
    assert err.splitlines() == [f"ar-xl: warning: team.xlsx sheet Invoices, {w}" for w in ODD_WARNINGS]

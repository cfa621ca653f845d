"""An amount too large for exact cents is refused naming file, row and column, never an
OverflowError (issue 10 §1)."""
import pandas as pd
import pytest

from ar_xl import frames
from ar_xl.errors import InputError

COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount", "open_amount"]


def coerce(amount, open_amount="100"):
    raw = pd.DataFrame([["A1", "C1", "Acme", "2026-10-01", "2026-10-31", "EUR", amount, open_amount]], columns=COLS)
    return frames.coerce(raw, "Invoices", "invoices.csv", first_row=2)


@pytest.mark.parametrize("amount", ["12345678901234567890", "12345678901234567890.00", "-99999999999999999999,50",
                                    "1e308", 12345678901234567890, 10**17])
def test_huge_amount_is_refused_with_file_row_and_column(amount):
    with pytest.raises(InputError) as e:
        coerce(amount)
    msg = str(e.value)
    assert "invoices.csv" in msg and "row 2" in msg and "column amount" in msg


def test_largest_accepted_amount_is_exact():
    df = coerce("99999999999.99", "99999999999.99")
    assert int(df["amount"].iloc[0]) == 9999999999999


def test_int_column_too_large_is_refused():
    raw = pd.DataFrame({"invoice_id": ["A1"], "customer_id": ["C1"], "customer_name": ["Acme"],
                        "invoice_date": ["2026-10-01"], "due_date": ["2026-10-31"], "currency": ["EUR"],
                        "amount": pd.Series([10**17], dtype="int64"), "open_amount": pd.Series([1], dtype="int64")})
    with pytest.raises(InputError) as e:
        frames.coerce(raw, "Invoices", "invoices.csv", first_row=2)
    assert "row 2" in str(e.value) and "column amount" in str(e.value) and "too large" in str(e.value)


def test_cli_age_with_a_20_digit_amount_exits_2(tmp_path, capsys):
    from ar_xl.cli import main
    p = tmp_path / "invoices.csv"
    p.write_text(",".join(COLS) + "\nA1,C1,Acme,2026-10-01,2026-10-31,EUR,12345678901234567890,100\n")
    assert main(["age", "--invoices", str(p), "--as-of", "2026-11-23"]) == 2
    err = capsys.readouterr().err
    assert "invoices.csv" in err and "amount" in err and "Traceback" not in err

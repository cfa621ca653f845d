"""A CSV read as text converts plain amounts and ISO dates column-wide: the same values, the same
problems, as the cell-by-cell reading of a column that mixes in other forms."""
import pandas as pd
import pytest

from ar_xl import frames
from ar_xl.errors import InputError


def _invoices(dates, amounts):
    n = len(dates)
    return pd.DataFrame({"invoice_id": [f"I{i}" for i in range(n)], "customer_id": ["C1"] * n,
                         "invoice_date": dates, "due_date": dates, "currency": ["EUR"] * n,
                         "amount": amounts, "open_amount": amounts})


def test_iso_dates_and_plain_amounts_read_as_the_mixed_column_does():
    plain = frames.coerce(_invoices(["2026-01-31", "2028-02-29", "1999-12-01"], ["1234.56", "-0.05", "7"]),
                          "Invoices", "i.csv")
    # a day-first date and an amount with a thousands separator send the columns cell by cell
    mixed = frames.coerce(_invoices(["31.01.2026", "2028-02-29", "1999-12-01"], ["1.234,56", "-0.05", "7"]),
                          "Invoices", "i.csv")
    assert plain["open_amount"].tolist() == mixed["open_amount"].tolist() == [123456, -5, 700]
    assert plain["due_date"].tolist() == mixed["due_date"].tolist()
    assert plain["due_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-31", "2028-02-29", "1999-12-01"]
    assert plain["open_amount"].dtype == mixed["open_amount"].dtype
    assert plain["due_date"].dtype == mixed["due_date"].dtype


def test_a_day_that_does_not_exist_is_reported_with_its_row():
    with pytest.raises(InputError) as e:
        frames.coerce(_invoices(["2026-01-31", "2026-02-29"], ["1.00", "2.00"]), "Invoices", "i.csv")
    assert "i.csv, row 3, column due_date: not a date: '2026-02-29'" in str(e.value)


def test_an_amount_too_large_is_reported_not_wrapped():
    with pytest.raises(InputError) as e:
        frames.coerce(_invoices(["2026-01-31", "2026-02-01"], ["1.00", "100000000000.00"]), "Invoices", "i.csv")
    assert "row 3" in str(e.value) and "amount too large" in str(e.value)

"""frames.coerce, money.parse_amount and dates.parse_date on the inputs people really have."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ar_xl import frames
from ar_xl.dates import parse_date
from ar_xl.errors import InputError
from ar_xl.money import parse_amount

HEADER = ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount"]


def raw(rows, header=HEADER):
    return pd.DataFrame(rows, columns=header)


def good(iid="I1", invoice_date="2026-03-01", due_date="2026-03-31", amount="100.00", open_amount="100.00"):
    return [iid, "C1", invoice_date, due_date, "EUR", amount, open_amount]


def coerce(rows, header=HEADER, source="invoices.csv"):
    return frames.coerce(raw(rows, header), "Invoices", source)


def problems(rows, header=HEADER, source="invoices.csv") -> list[str]:
    with pytest.raises(InputError) as err:
        coerce(rows, header, source)
    return [str(p) for p in err.value.problems]


# --- headers ---------------------------------------------------------------------------

def test_headers_match_ignoring_case_spaces_underscores_dots_dashes():
    header = ["INVOICE-ID", "Customer ID", "invoice_Date", "Due.Date", " CURRENCY ", "Amount", "OpenAmount", "Region"]
    frame = coerce([good() + ["North"]], header)
    assert list(frame.columns[:13]) == [c.name for c in frames.schema.INVOICES.columns]
    assert frame["invoice_id"].tolist() == ["I1"]
    assert frame["due_date"].tolist() == [pd.Timestamp("2026-03-31")]
    assert frame["Region"].tolist() == ["North"]  # an unknown column is kept as it is
    # optional columns that are missing come back empty
    assert frame["collector"].tolist() == [""]
    assert frame["due_date"].dtype == "datetime64[ns]" and frame["amount"].dtype == np.int64


def test_missing_required_column_is_named():
    msgs = problems([good()[:3] + good()[4:]], HEADER[:3] + HEADER[4:])
    assert msgs == ["invoices.csv: missing column(s): due_date (the Invoices columns are invoice_id, customer_id, "
                    "customer_name, invoice_date, due_date, currency, amount, open_amount, collector, "
                    "payment_reference, po_number, status, note)"]


# --- dates -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "2026-03-31",                 # ISO text
    "2026-03-31T14:30:00",        # ISO with a time
    "20260331",                   # compact ISO
    46112,                        # Excel serial (int)
    46112.0,                      # Excel serial as Excel hands it over
    46112.75,                     # a serial with a time part: the day is kept
    "46112",                      # a serial exported as text
    dt.date(2026, 3, 31),         # real dates
    dt.datetime(2026, 3, 31, 23, 59),
    pd.Timestamp("2026-03-31"),
    np.datetime64("2026-03-31"),
    "31-03-2026",                 # day first
    "31.03.2026",
    "31/03/2026",
    " 31/03/2026 ",
    "31-03-2026 10:15",           # day first with a time (was rejected)
    "31.03.2026 10:15:59",
])
def test_dates_in_every_form(value):
    assert parse_date(value) == dt.date(2026, 3, 31)
    frame = coerce([good(due_date=value)])
    assert frame["due_date"].tolist() == [pd.Timestamp("2026-03-31")]


def test_day_first_is_day_first_and_us_order_is_refused():
    assert parse_date("1/2/2026") == dt.date(2026, 2, 1)
    assert parse_date("01.02.2026") == dt.date(2026, 2, 1)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("12/31/2026")  # month 31: refused, never silently swapped


def test_a_real_datetime_column_is_normalised_to_midnight():
    frame = frames.coerce(raw([good(), good("I2")]).assign(
        due_date=pd.to_datetime(["2026-03-31 18:00", "2026-04-01 00:30"])), "Invoices", "x")
    assert frame["due_date"].tolist() == [pd.Timestamp("2026-03-31"), pd.Timestamp("2026-04-01")]


def test_a_time_written_as_text_stays_in_a_datetime_column():
    """Audit's timestamp read from text (a CSV, a cell Excel kept as text): an ISO time keeps its time; a day
    alone is midnight; a day-first date, and a time of day no clock shows, are read as dates are (their day)."""
    rows = pd.DataFrame({"timestamp": ["2026-11-23 14:05:09", "2026-11-23T08:30", " 2026-11-23 14:05:09.250 ",
                                       "2026-11-24", "24.11.2026 10:00"], "user": "emma", "action": "match"})
    out = frames.coerce(rows, "Audit", "audit.csv")
    assert out["timestamp"].tolist() == [pd.Timestamp("2026-11-23 14:05:09"), pd.Timestamp("2026-11-23 08:30"),
                                         pd.Timestamp("2026-11-23 14:05:09.250"), pd.Timestamp("2026-11-24"),
                                         pd.Timestamp("2026-11-24")]
    odd = frames.coerce(pd.DataFrame({"timestamp": ["2026-11-23 25:61"]}), "Audit", "audit.csv")
    assert odd["timestamp"].tolist() == [pd.Timestamp("2026-11-23")]
    # a column of times alone (an archived Audit) is read column-wide, to the same times
    alone = frames.coerce(rows.iloc[:3], "Audit", "audit.csv")
    assert alone["timestamp"].tolist() == out["timestamp"].tolist()[:3]
    plain = frames.coerce(pd.DataFrame({"timestamp": ["2026-11-23 14:05:09", "2026-11-23T08:30"]}), "Audit", "a.csv")
    assert plain["timestamp"].tolist() == [pd.Timestamp("2026-11-23 14:05:09"), pd.Timestamp("2026-11-23 08:30")]


@pytest.mark.parametrize("value, message", [
    ("soon", "not a date: 'soon' (use YYYY-MM-DD)"),
    ("2026-02-30", "not a date: '2026-02-30'"),
    ("31-02-2026", "not a date: '31-02-2026'"),
    (12.0, "not a plausible Excel date serial: 12"),
    (float("inf"), "not a plausible Excel date serial: inf"),   # used to crash with OverflowError
    (True, "not a date: True"),
    ("2026-1123", "not a date: '2026-1123' (use YYYY-MM-DD)"),   # a digit short of ISO: used to crash with IndexError
    ("202611-23", "not a date: '202611-23' (use YYYY-MM-DD)"),
])
def test_bad_dates_are_reported(value, message):
    with pytest.raises(ValueError) as err:
        parse_date(value)
    assert message in str(err.value)
    msgs = problems([good(), good("I2", due_date=value)])
    assert msgs == [f"invoices.csv, row 3, column due_date: {err.value}"]


def test_empty_dates():
    for blank in (None, float("nan"), np.float32("nan"), pd.NaT, "  "):
        with pytest.raises(ValueError, match="date is empty"):
            parse_date(blank)


# --- amounts ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, cents", [
    ("1234.56", 123456),
    ("1234,56", 123456),
    ("1.234,56", 123456),
    ("1,234.56", 123456),
    ("1 234,56", 123456),
    ("1\u00a0234,56", 123456),     # no-break space as thousands separator
    ("1'234.56", 123456),          # Swiss
    ("1.234.567,89", 123456789),
    ("1,234,567", 123456700),      # thousands only
    ("€ 1.234,56", 123456),
    ("EUR 12,50", 1250),
    ("12.50 USD", 1250),
    ("-12,5", -1250),
    ("+12.5", 1250),
    ("(12.50)", -1250),            # accounting negative
    ("12.50-", -1250),             # SAP-style trailing minus
    ("\u221212,50", -1250),        # U+2212 minus sign (was rejected)
    ("0,07", 7),
    ("-0.00", 0),
    ("7", 700),
])
def test_parse_amount_text(text, cents):
    assert parse_amount(text) == cents
    assert coerce([good(amount=text)])["amount"].tolist() == [cents]


def test_parse_amount_numbers():
    assert parse_amount(12) == 1200
    assert parse_amount(np.int64(-3)) == -300
    assert parse_amount(0.1 + 0.2) == 30          # float noise is not a third decimal
    assert parse_amount(1234.56) == 123456
    assert parse_amount(-1.005) == -101           # floats round half away from zero
    assert parse_amount(Decimal("12.30")) == 1230


@pytest.mark.parametrize("value, message", [
    ("12.345", "more than two decimals: '12.345'"),
    ("1.234", "more than two decimals: '1.234'"),  # ambiguous: refused, not guessed
    ("1,23,456", "not an amount"),
    ("12 apples", "not an amount"),
    ("1e5", "not an amount"),
    ("", "amount is empty"),
    (None, "amount is empty"),
    (True, "not an amount: True"),
    (float("nan"), "not an amount"),
    (float("inf"), "not an amount"),
    (Decimal("1.001"), "more than two decimals"),
])
def test_parse_amount_refuses(value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_amount(value)


def test_amounts_as_numbers_in_a_numeric_column():
    frame = coerce([good(amount=1234.56, open_amount=0.07), good("I2", amount=-12.5, open_amount=-12.5),
                    good("I3", amount=99999999.99, open_amount=1)])
    assert frame["amount"].tolist() == [123456, -1250, 9999999999]
    assert frame["open_amount"].tolist() == [7, -1250, 100]


def test_float_amounts_with_a_third_decimal_are_refused_at_any_size():
    # 1000000.005 used to slip through (tolerance grew with the amount) and be rounded
    msgs = problems([good(amount=12.345), good("I2", amount=1000000.005), good("I3", amount=10.0),
                     good("I4", amount=float("inf")), good("I5", amount=1e20)])
    assert msgs == [
        "invoices.csv, row 2, column amount: more than two decimals: 12.345",
        "invoices.csv, row 3, column amount: more than two decimals: 1000000.005",
        "invoices.csv, row 5, column amount: not an amount: inf",       # used to become -92 quadrillion
        "invoices.csv, row 6, column amount: amount too large: 1e+20",
    ]


def test_mixed_number_and_text_column_checks_floats_too():
    # a text cell makes the column 'object'; its floats used to be rounded silently
    msgs = problems([good(amount="1.234,56"), good("I2", amount=12.345)])
    assert msgs == ["invoices.csv, row 3, column amount: more than two decimals: 12.345"]
    assert coerce([good(amount="1.234,56"), good("I2", amount=12.34)])["amount"].tolist() == [123456, 1234]


def test_ids_read_back_from_excel_as_floats_are_ids():
    frame = coerce([good(iid=4512.0), good(iid="INV-7")])
    assert frame["invoice_id"].tolist() == ["4512", "INV-7"]


def test_optional_money_may_be_empty_required_may_not():
    frame = frames.coerce(raw([good()]).assign(amount=[None]), "Invoices", "x", require=["invoice_id"])
    assert frame["amount"].isna().tolist() == [True]
    msgs = problems([good(open_amount=None)])
    assert msgs == ["invoices.csv, row 2, column open_amount: is empty"]


# --- rows: blank rows, several problems at once ------------------------------------------

def test_blank_trailing_rows_are_dropped_and_rows_keep_their_numbers():
    blank = [None] * 7
    frame = coerce([good("I1"), ["", " ", None, np.nan, "", None, ""], good("I3"), blank, blank])
    assert frame["invoice_id"].tolist() == ["I1", "I3"]
    assert frames.row_numbers(frame).tolist() == [2, 4]  # the row numbers the user sees
    assert frame.attrs["source"] == "invoices.csv"


def test_every_bad_value_is_reported_at_once_with_source_row_and_column():
    rows = [
        good("I1"),
        good("I2", due_date="soon", amount="12 apples"),
        [None] * 7,
        good("I4", invoice_date="31-02-2026"),
        [None, "C1", "2026-03-01", "2026-03-31", "EUR", "1", "1"],
    ]
    with pytest.raises(InputError) as err:
        coerce(rows, source="sheet Invoices")
    # row by row; within a row in the table's column order
    assert [str(p) for p in err.value.problems] == [
        "sheet Invoices, row 3, column due_date: not a date: 'soon' (use YYYY-MM-DD)",
        "sheet Invoices, row 3, column amount: not an amount: '12 apples'",
        "sheet Invoices, row 5, column invoice_date: not a date: '31-02-2026'",
        "sheet Invoices, row 6, column invoice_id: is empty",
    ]
    assert str(err.value).startswith("4 problem(s) found; nothing was changed:")


def test_first_row_sets_the_row_numbers():
    with pytest.raises(InputError, match="Invoices, row 11, column due_date"):
        frames.coerce(raw([good(), good("I2", due_date="x")]), "Invoices", "Invoices", first_row=10)


# --- properties ------------------------------------------------------------------------

def styles(cents: int) -> list[str]:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    us = f"{whole:,}.{frac:02d}"
    eu = us.replace(",", " ").replace(".", ",").replace(" ", ".")
    return [f"{sign}{whole}.{frac:02d}", f"{sign}{whole},{frac:02d}", f"{sign}{us}", f"{sign}{eu}",
            f"({us})" if cents < 0 else us, f"{us}-" if cents < 0 else eu]


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**13 + 1, 10**13 - 1))
def test_any_amount_in_any_style_parses_to_the_same_cents(cents):
    for text in styles(cents):
        assert parse_amount(text) == cents, text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=20))
def test_floats_as_excel_stores_them_come_back_to_the_cent(amounts):
    floats = [float(f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}") for c in amounts]
    rows = [good(f"I{i}", amount=f, open_amount=f) for i, f in enumerate(floats)]
    frame = coerce(rows)
    assert frame["amount"].tolist() == amounts


def test_row_numbers_are_dropped_once_a_frame_no_longer_lines_up():
    frame = coerce([good("I1"), good("I2"), good("I3")])
    both = pd.concat([frame, frame], ignore_index=True)  # attrs of two coerced frames concatenate cleanly
    assert frames.row_numbers(frame).tolist() == [2, 3, 4]
    assert frames.row_numbers(both) is None
    assert frames.row_numbers(frame[frame["invoice_id"] != "I2"]) is None


def test_blank_cells_agrees_with_blank_cell_by_cell():
    values = [None, np.nan, pd.NaT, pd.NA, "  ", "", "x", 0, 1.5, False, " 0 "]
    col = pd.Series(values, dtype=object)
    assert frames.blank_cells(col).tolist() == [frames.blank(v) for v in values]


def test_texts_reads_a_column_as_stripped_text_with_blanks_empty():
    col = pd.Series([" INV-1 ", None, np.nan, pd.NA, 5, 2.5, "  ", "Emma\t"], dtype=object)
    assert frames.texts(col).tolist() == ["INV-1", "", "", "", "5", "2.5", "", "Emma"]
    assert frames.texts(col, "lower").tolist() == ["inv-1", "", "", "", "5", "2.5", "", "emma"]
    assert frames.texts(pd.Series([" eur", "Gbp "]), "upper").tolist() == ["EUR", "GBP"]
    assert frames.texts(pd.Series(["STRASSE"]), "casefold").tolist() == ["strasse"]
    assert frames.texts(pd.Series([], dtype=object)).tolist() == []


def test_texts_of_a_table_as_read_is_kept_and_a_changed_table_is_read_anew():
    n = frames.KEEP_TEXTS_MIN
    names = pd.Series([f" Cust {i % 7} " for i in range(n)], dtype=object)
    table = pd.DataFrame({"customer_name": names, "status": pd.Series(["Open"] * n, dtype=object)})
    as_read = table.copy(deep=False)
    frames.keep_texts([as_read])
    try:
        first = frames.texts(table["customer_name"])
        assert first[:3].tolist() == ["Cust 0", "Cust 1", "Cust 2"]
        first[0] = "changed by the caller"  # a caller's own copy: the next call is not affected
        assert frames.texts(table["customer_name"])[0] == "Cust 0"
        assert frames.texts(table["status"], "lower")[0] == "open"
        assert frames.texts(table["status"])[0] == "Open"  # another case, another result
        # an action writing to the table gets a copy of the column (pandas), and its texts are read anew
        table.loc[0, "customer_name"] = "  Zed  "
        assert frames.texts(table["customer_name"])[:2].tolist() == ["Zed", "Cust 1"]
        assert frames.texts(as_read["customer_name"])[0] == "Cust 0"
        # a part of the column is not the column
        assert frames.texts(as_read["customer_name"].iloc[1:]).tolist()[0] == "Cust 1"
    finally:
        frames.keep_texts([])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=6), st.none(), st.integers(-99, 99)), max_size=8))
def test_texts_is_what_pandas_gives_for_a_text_column(cells):
    col = pd.Series(cells, dtype=object)
    expected = ["" if v is None else str(v).strip() for v in cells]
    assert frames.texts(col).tolist() == expected
    assert frames.texts(col, "lower").tolist() == [v.lower() for v in expected]

"""Aging engine: bucket boundaries, basis, custom edges, credit notes, groupings, FX to the cent."""
from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ar_xl import frames
from ar_xl.config import Config
from ar_xl.engine import aging
from ar_xl.errors import InputError

AS_OF = dt.date(2026, 3, 31)
COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency",
        "amount", "open_amount", "collector", "status"]
EUR_ONLY = Config(fx={"EUR": Fraction(1)})


def invoices(rows) -> pd.DataFrame:
    return frames.coerce(pd.DataFrame(rows, columns=COLS), "Invoices", "Invoices")


def due_in_days_ago(days: int) -> str:
    return (AS_OF - dt.timedelta(days=days)).isoformat()


def line(iid, days_late, open_amount, customer="C1", name="Acme", currency="EUR", collector="Ann",
         status="open", invoice_days_ago=None):
    inv_ago = days_late + 30 if invoice_days_ago is None else invoice_days_ago
    return (iid, customer, name, due_in_days_ago(inv_ago), due_in_days_ago(days_late), currency,
            open_amount, open_amount, collector, status)


def test_labels_for_default_and_custom_edges():
    assert aging.bucket_labels() == ["current", "1-30", "31-60", "61-90", "91-120", "121+"]
    assert aging.bucket_labels((15, 45)) == ["current", "1-15", "16-45", "46+"]
    assert aging.bucket_labels((1,)) == ["current", "1-1", "2+"]


@pytest.mark.parametrize("days, bucket", [
    (-45, "current"),  # not yet due
    (0, "current"),    # due today
    (1, "1-30"),       # the day after the due date
    (30, "1-30"),      # an edge is the last day of its bucket
    (31, "31-60"),
    (60, "31-60"),
    (61, "61-90"),
    (90, "61-90"),
    (91, "91-120"),
    (120, "91-120"),
    (121, "121+"),
    (4000, "121+"),
])
def test_bucket_boundaries(days, bucket):
    items = aging.age_items(invoices([line("I1", days, "10.00")]), AS_OF)
    assert items["days_past_due"].tolist() == [days]
    assert items["bucket"].tolist() == [bucket]
    assert aging.bucket_of(days) == bucket


def test_basis_invoice_ages_from_the_invoice_date():
    # invoiced 40 days ago, due 10 days ago
    inv = invoices([line("I1", 10, "100.00", invoice_days_ago=40)])
    due = aging.age_items(inv, AS_OF, basis="due")
    by_invoice_date = aging.age_items(inv, AS_OF, basis="invoice")
    assert (due["days_past_due"][0], due["bucket"][0]) == (10, "1-30")
    assert (by_invoice_date["days_past_due"][0], by_invoice_date["bucket"][0]) == (40, "31-60")
    # the Config's basis is used when none is given
    assert aging.age_items(inv, AS_OF, Config(aging_basis="invoice"))["bucket"][0] == "31-60"
    with pytest.raises(ValueError, match="basis must be"):
        aging.age_items(inv, AS_OF, basis="posting")


def test_custom_edges():
    inv = invoices([line("A", 15, "1.00"), line("B", 16, "2.00"), line("C", 45, "4.00"),
                    line("D", 46, "8.00"), line("E", 0, "16.00")])
    table = aging.age(inv, AS_OF, edges=(15, 45), by="customer")
    assert list(table.columns) == ["customer_id", "customer_name", "current", "1-15", "16-45", "46+", "total"]
    # current E 16.00; 1-15: A 1.00; 16-45: B 2.00 + C 4.00; 46+: D 8.00; total 31.00
    assert table.iloc[0, 2:].tolist() == [1600, 100, 600, 800, 3100]
    # edges from the Config, a single edge 30: 1-30 = A 1.00 + B 2.00 = 3.00;
    # 31+ = C (45 days) 4.00 + D (46 days) 8.00 = 12.00
    table = aging.age(inv, AS_OF, Config(aging_buckets=(30,)), by="customer")
    assert list(table.columns)[2:] == ["current", "1-30", "31+", "total"]
    assert table.iloc[0, 2:].tolist() == [1600, 300, 1200, 3100]


def test_credit_notes_and_negative_open_amounts_are_shown_and_zero_lines_dropped():
    inv = invoices([
        line("I1", 10, "500.00"),
        line("CN1", 10, "-120.50"),   # credit note in 1-30
        line("CN2", -5, "-30.00"),    # credit note not yet due: current
        line("UC1", 200, "-0.01"),    # unapplied cash, very old
        line("PAID", 50, "0.00"),     # nothing open: not aged
    ])
    items = aging.age_items(inv, AS_OF)
    assert items["invoice_id"].tolist() == ["I1", "CN1", "CN2", "UC1"]
    assert dict(zip(items["invoice_id"], items["bucket"])) == {
        "I1": "1-30", "CN1": "1-30", "CN2": "current", "UC1": "121+"}
    table = aging.age(inv, AS_OF, by="customer")
    # current -30.00; 1-30: 500.00 - 120.50 = 379.50; 121+: -0.01; total 349.49
    assert table.iloc[0, 2:].tolist() == [-3000, 37950, 0, 0, 0, -1, 34949]


LEDGER = [
    line("I1", 0, "1000.00", "C2", "Bolt", collector="Bob"),
    line("I2", 45, "250.00", "C1", "Acme", collector="Ann"),
    line("I3", 95, "99.99", "C1", "Acme Renamed", collector="Ann", status=" Disputed "),
    line("I4", 130, "10.00", "C3", "Cora", collector="Bob"),
    line("CN1", 3, "-20.00", "C2", "Bolt", collector="Bob"),
]


def test_group_by_customer():
    table = aging.age(invoices(LEDGER), AS_OF, by="customer")
    assert table["customer_id"].tolist() == ["C1", "C2", "C3"]  # sorted
    assert table["customer_name"].tolist() == ["Acme", "Bolt", "Cora"]  # from the first line
    # C1: 31-60 250.00, 91-120 99.99 -> 349.99;  C2: current 1000.00, 1-30 -20.00 -> 980.00;  C3: 121+ 10.00
    assert table.iloc[:, 2:].values.tolist() == [
        [0, 0, 25000, 0, 9999, 0, 34999],
        [100000, -2000, 0, 0, 0, 0, 98000],
        [0, 0, 0, 0, 0, 1000, 1000],
    ]


def test_group_by_collector():
    table = aging.age(invoices(LEDGER), AS_OF, by="collector")
    assert list(table.columns) == ["collector", "current", "1-30", "31-60", "61-90", "91-120", "121+", "total"]
    # Ann = C1; Bob = C2 + C3
    assert table.values.tolist() == [
        ["Ann", 0, 0, 25000, 0, 9999, 0, 34999],
        ["Bob", 100000, -2000, 0, 0, 0, 1000, 99000],
    ]


def test_group_by_invoice():
    table = aging.age(invoices(LEDGER), AS_OF, by="invoice")
    assert table["invoice_id"].tolist() == ["I1", "I2", "I3", "I4", "CN1"]
    i3 = table.set_index("invoice_id").loc["I3"]
    assert (i3["currency"], i3["open_amount"], i3["days_past_due"], bool(i3["disputed"])) == ("EUR", 9999, 95, True)
    assert i3["due_date"] == pd.Timestamp("2025-12-26")
    assert i3[["current", "1-30", "31-60", "61-90", "91-120", "121+", "total"]].tolist() == [0, 0, 0, 0, 9999, 0, 9999]
    assert table["disputed"].tolist() == [False, False, True, False, False]
    with pytest.raises(ValueError, match="group by must be one of"):
        aging.age(invoices(LEDGER), AS_OF, by="region")


def test_fx_exact_to_the_cent_half_away_from_zero():
    cfg = Config(fx={"EUR": Fraction(1), "GBP": Fraction("1.165"), "USD": Fraction("1.5")})
    inv = invoices([
        line("G1", 1, "1.00", currency="GBP"),     # 1.165 -> 1.17 (half away from zero, not to even)
        line("G2", 1, "-1.00", currency="gbp "),   # -1.165 -> -1.17
        line("G3", 1, "0.03", currency="GBP"),     # 0.03495 -> 0.03
        line("U1", 1, "0.01", currency="USD"),     # 0.015 -> 0.02
        line("U2", 1, "-0.01", currency="USD"),    # -0.015 -> -0.02
        line("U3", 1, "0.03", currency="USD"),     # 0.045 -> 0.05
        line("E1", 1, "0.01", currency="EUR"),
    ])
    items = aging.age_items(inv, AS_OF, cfg)
    assert items["open_amount_base"].tolist() == [117, -117, 3, 2, -2, 5, 1]
    assert items["currency"].tolist() == ["GBP", "GBP", "GBP", "USD", "USD", "USD", "EUR"]
    # the group total is the sum of the rounded lines: 117 - 117 + 3 + 2 - 2 + 5 + 1 = 9 (not 0.0905 EUR rounded)
    assert aging.age(inv, AS_OF, cfg, by="customer")["total"].tolist() == [9]


def test_missing_fx_rate_names_the_row():
    inv = invoices([line("I1", 1, "1.00"), line("J1", 1, "500", currency="JPY"),
                    line("I2", 1, "2.00"), line("J2", 1, "700", currency="JPY")])
    with pytest.raises(InputError) as err:
        aging.age(inv, AS_OF, EUR_ONLY)
    msg = str(err.value)
    # rows as the user sees them: the header is row 1, so J1 is row 3 and J2 row 5
    assert "Invoices, row 3, column currency: no FX rate for 'JPY'; add a row fx.JPY to the Config table" in msg
    assert "Invoices, row 5, column currency" in msg
    assert "row 2," not in msg and "row 4," not in msg


# --- property: buckets reconcile to the cent ------------------------------------------

RATES = {"EUR": Fraction(1), "GBP": Fraction("1.1650"), "USD": Fraction("0.9200"),
         "CHF": Fraction("1.0550"), "SEK": Fraction("0.087731")}


def convert_by_hand(cents: int, rate: Fraction) -> int:
    """One line to base cents, rounding half away from zero, with exact fractions."""
    q = abs(Fraction(cents) * rate)
    return int(math.copysign(math.floor(q + Fraction(1, 2)), cents)) if cents else 0


@st.composite
def ledgers(draw):
    n = draw(st.integers(0, 40))
    rows = []
    for i in range(n):
        rows.append({
            "invoice_id": f"I{i}",
            "customer_id": draw(st.sampled_from(["C1", "C2", "C3", "C4"])),
            "collector": draw(st.sampled_from(["Ann", "Bob", ""])),
            "currency": draw(st.sampled_from(sorted(RATES))),
            "open_amount": draw(st.one_of(st.integers(-10**9, 10**11), st.integers(-5, 5))),
            "due_offset": draw(st.integers(-400, 400)),
        })
    edges = tuple(sorted(draw(st.sets(st.integers(1, 200), min_size=1, max_size=6))))
    return rows, edges


def canonical(rows) -> pd.DataFrame:
    n = len(rows)
    due = [np.datetime64(AS_OF, "D") - np.timedelta64(r["due_offset"], "D") for r in rows]
    frame = pd.DataFrame({
        "invoice_id": [r["invoice_id"] for r in rows],
        "customer_id": [r["customer_id"] for r in rows],
        "customer_name": [f"Name {r['customer_id']}" for r in rows],
        "invoice_date": pd.Series(due, dtype="datetime64[ns]") - pd.Timedelta(days=30),
        "due_date": pd.Series(due, dtype="datetime64[ns]"),
        "currency": [r["currency"] for r in rows],
        "amount": np.array([r["open_amount"] for r in rows], dtype=np.int64),
        "open_amount": np.array([r["open_amount"] for r in rows], dtype=np.int64),
        "collector": [r["collector"] for r in rows],
        "status": ["open"] * n,
    })
    frame.attrs["rows"] = frames.RowNumbers(np.arange(n) + 2)
    return frame


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_buckets_always_sum_to_the_total(data):
    rows, edges = data
    cfg = Config(fx=dict(RATES))
    inv = canonical(rows)
    expected_total = sum(convert_by_hand(r["open_amount"], RATES[r["currency"]]) for r in rows)
    labels = aging.bucket_labels(edges)
    for by in aging.GROUPINGS:
        table = aging.age(inv, AS_OF, cfg, edges=edges, by=by)
        buckets = table[labels].to_numpy(dtype=np.int64)
        assert (buckets.sum(axis=1) == table["total"].to_numpy()).all()
        assert int(table["total"].sum()) == expected_total
        assert int(buckets.sum()) == expected_total
    # each line lands in exactly one bucket, the one its days past due say
    items = aging.age_items(inv, AS_OF, cfg, edges=edges)
    for r, (_, item) in zip([r for r in rows if r["open_amount"] != 0], items.iterrows()):
        assert item["days_past_due"] == r["due_offset"]
        assert item["open_amount_base"] == convert_by_hand(r["open_amount"], RATES[r["currency"]])
        d = r["due_offset"]
        want = 0 if d <= 0 else next((k + 1 for k, e in enumerate(edges) if d <= e), len(edges) + 1)
        assert item["bucket_no"] == want


def test_the_aging_sheet_reads_by_collector_then_customer_then_oldest_first(demo):
    """The demo's Aging as a collector reads it: their customers together, each customer's oldest item first;
    items nobody collects at the end."""
    from ar_xl.workbook import xlsx
    rows = xlsx.load(demo.workbook).get("Aging")
    col = rows["collector"].fillna("").astype(str).str.strip()
    assert col.nunique() > 1 and rows["customer_id"].nunique() > 1
    seen = list(dict.fromkeys(c.lower() for c in col if c))
    assert seen == sorted(seen)
    assert not (col == "").any() or (col == "").to_numpy().nonzero()[0].min() > (col != "").to_numpy().nonzero()[0].max()
    for (_, _), group in rows.groupby([col.str.lower(), rows["customer_id"]], sort=False):
        days = group["days_past_due"].tolist()
        assert days == sorted(days, reverse=True)
    runs = rows.groupby(col.str.lower(), sort=False)["customer_id"].apply(lambda s: (s != s.shift()).sum())
    assert (runs == rows.groupby(col.str.lower(), sort=False)["customer_id"].nunique()).all()  # each customer once

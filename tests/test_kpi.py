"""KPIs checked against hand-computed figures.

The ledger below is a small Q1 2026 book in EUR (amounts in euros):

  id   invoiced    due         amount    open     at 2026-03-31
  OLD  2025-10-01  2025-10-31  80,000   50,000   151 days past due (> 90)
  J1   2026-01-05  2026-02-04  50,000   20,000    55 days past due
  J2   2026-01-20  2026-02-19  40,000        0    paid
  F1   2026-02-10  2026-03-12  75,000   35,000    19 days past due
  CN1  2026-02-15  2026-02-15  -5,000   -5,000    credit note, 44 days past due
  F2   2026-02-25  2026-04-10  50,000   50,000    current
  M1   2026-03-05  2026-04-04  60,000   60,000    current
  M2   2026-03-20  2026-04-19  40,000   40,000    current
  P1   2026-04-02  2026-05-02  10,000   10,000    invoiced after the period: ignored

Net credit sales: Oct 80,000; Nov 0; Dec 0; Jan 50+40 = 90,000;
Feb 75+50-5 = 120,000; Mar 60+40 = 100,000; Q1 = 310,000.
AR at 2026-03-31 = 50+20+0+35-5+50+60+40 = 250,000, of which current
(due on or after 03-31) = 50+60+40 = 150,000 and over 90 days = 50,000.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd
import pytest

from ar_xl import frames
from ar_xl.config import Config
from ar_xl.engine import kpi

COLS = ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount"]
LEDGER = [
    ("OLD", "C1", "2025-10-01", "2025-10-31", "EUR", "80000.00", "50000.00"),
    ("J1", "C1", "2026-01-05", "2026-02-04", "EUR", "50000.00", "20000.00"),
    ("J2", "C2", "2026-01-20", "2026-02-19", "EUR", "40000.00", "0.00"),
    ("F1", "C2", "2026-02-10", "2026-03-12", "EUR", "75000.00", "35000.00"),
    ("CN1", "C2", "2026-02-15", "2026-02-15", "EUR", "-5000.00", "-5000.00"),
    ("F2", "C3", "2026-02-25", "2026-04-10", "EUR", "50000.00", "50000.00"),
    ("M1", "C3", "2026-03-05", "2026-04-04", "EUR", "60000.00", "60000.00"),
    ("M2", "C1", "2026-03-20", "2026-04-19", "EUR", "40000.00", "40000.00"),
    ("P1", "C1", "2026-04-02", "2026-05-02", "EUR", "10000.00", "10000.00"),
]
Q1 = ("2026-01-01", "2026-03-31")
EUR = 100  # cents per euro


def ledger(rows=LEDGER):
    return frames.coerce(pd.DataFrame(rows, columns=COLS), "Invoices", "test")


def test_period_days_counts_both_ends():
    assert kpi.period_days("2026-01-01", "2026-03-31") == 31 + 28 + 31
    assert kpi.period_days("2026-02-01", "2026-02-28") == 28
    assert kpi.period_days(dt.date(2026, 3, 31), dt.date(2026, 3, 31)) == 1
    with pytest.raises(ValueError, match="before it starts"):
        kpi.period_days("2026-03-31", "2026-03-01")


def test_credit_sales_by_invoice_date_net_of_credit_notes():
    inv = ledger()
    assert kpi.credit_sales(inv, *Q1) == 310_000 * EUR
    assert kpi.credit_sales(inv, "2026-02-01", "2026-02-28") == 120_000 * EUR  # 75,000 + 50,000 - 5,000
    assert kpi.credit_sales(inv, "2026-01-05", "2026-01-05") == 50_000 * EUR  # both ends included
    assert kpi.credit_sales(inv, "2025-11-01", "2025-12-31") == 0


def test_ar_at_ignores_lines_invoiced_later():
    inv = ledger()
    assert kpi.ar_at(inv, "2026-03-31") == 250_000 * EUR  # P1 (invoiced 04-02) left out
    assert kpi.ar_at(inv, "2026-04-30") == 260_000 * EUR
    assert kpi.current_ar(inv, "2026-03-31") == 150_000 * EUR  # F2 + M1 + M2


def test_standard_dso():
    # 250,000 / 310,000 x 90 days = 72.580... -> 72.6
    assert round(kpi.dso(ledger(), *Q1), 1) == 72.6
    # the formula on plain numbers: 100 / 300 x 30 = 10.0 exactly
    assert kpi.dso_formula(100, 300, 30) == 10.0


def test_best_possible_dso_and_average_days_delinquent():
    inv = ledger()
    # 150,000 / 310,000 x 90 = 43.548... -> 43.5
    assert round(kpi.best_possible_dso(inv, *Q1), 1) == 43.5
    # ADD = 72.580... - 43.548... = 100,000 / 310,000 x 90 = 29.032... -> 29.0
    assert round(kpi.average_days_delinquent(inv, *Q1), 1) == 29.0
    assert kpi.average_days_delinquent(inv, *Q1) == pytest.approx(kpi.dso(inv, *Q1) - kpi.best_possible_dso(inv, *Q1))


def test_countback_dso_at_month_end():
    # AR 250,000
    # March: 250,000 > 100,000 -> 150,000 left, 31 days
    # Feb:   150,000 > 120,000 ->  30,000 left, 31 + 28 = 59 days
    # Jan:    30,000 <= 90,000 -> 30,000 / 90,000 x 31 = 10.333 -> 69.333 -> 69.3
    assert round(kpi.countback_dso(ledger(), "2026-03-31"), 1) == 69.3


def test_countback_dso_mid_month_starts_with_month_to_date():
    # AR at 03-15 = 250,000 - M2 (invoiced 03-20) 40,000 = 210,000
    # Mar 1-15 (15 days): sales 60,000 -> 150,000 left, 15 days
    # Feb: 120,000 -> 30,000 left, 15 + 28 = 43 days
    # Jan: 30,000 / 90,000 x 31 = 10.333 -> 53.333 -> 53.3
    assert round(kpi.countback_dso(ledger(), "2026-03-15"), 1) == 53.3


def test_countback_dso_walks_through_months_without_sales():
    # AR at 2025-12-31 = OLD 50,000
    # Dec: no sales, +31; Nov: no sales, +30; Oct: 50,000 / 80,000 x 31 = 19.375
    # 31 + 30 + 19.375 = 80.375 -> 80.4
    assert kpi.countback_dso(ledger(), "2025-12-31") == 80.375
    # nothing open -> 0 days
    assert kpi.countback_dso(ledger(), "2025-09-30") == 0.0
    # AR never exhausted within max_months: the days walked (Dec 31 + Nov 30) are returned
    assert kpi.countback_dso(ledger(), "2025-12-31", max_months=2) == 61.0


def test_cei():
    # (beginning 200,000 + sales 310,000 - ending total 250,000)
    #   / (200,000 + 310,000 - ending current 150,000) x 100 = 260 / 360 x 100 = 72.222 -> 72.2
    assert round(kpi.cei(ledger(), *Q1, beginning_ar=200_000 * EUR), 1) == 72.2
    # formula: (100 + 50 - 30) / (100 + 50 - 30) = 100 % when nothing is overdue
    assert kpi.cei_formula(100, 50, 30, 30) == 100.0


def test_pct_current_and_over_90():
    inv = ledger()
    # 150,000 / 250,000 = 60.0 %;  OLD 50,000 / 250,000 = 20.0 %
    assert kpi.pct_current(inv, "2026-03-31") == 60.0
    assert kpi.pct_over(inv, "2026-03-31") == 20.0
    # over 30 days: OLD 50,000 + J1 20,000 (55 days) + CN1 -5,000 (44 days) = 65,000 -> 26.0 %
    assert kpi.pct_over(inv, "2026-03-31", days=30) == 26.0


def test_fx_converted_line_by_line():
    rows = [
        ("G1", "C9", "2026-03-01", "2026-03-31", "GBP", "100.00", "100.00"),
        ("G2", "C9", "2026-03-02", "2026-03-02", "GBP", "0.03", "0.03"),
    ]
    cfg = Config(fx={"EUR": Fraction(1), "GBP": Fraction("1.165")})
    inv = ledger(rows)
    # 100.00 GBP x 1.165 = 116.50 EUR; 0.03 x 1.165 = 0.03495 -> 0.03 EUR; sales = 116.53 EUR
    assert kpi.credit_sales(inv, "2026-03-01", "2026-03-31", cfg) == 11653
    # at 03-31: G1 due today is current, G2 is 29 days late: 116.50 / 116.53 x 100
    assert round(kpi.pct_current(inv, "2026-03-31", cfg), 3) == round(11650 / 11653 * 100, 3)


def test_zero_denominators_are_readable_errors():
    inv = ledger()
    with pytest.raises(ValueError, match="no credit sales"):
        kpi.dso(inv, "2025-11-01", "2025-11-30")
    with pytest.raises(ValueError, match="total AR is zero"):
        kpi.pct_current(inv, "2025-09-30")


def test_kpis_bundle():
    k = kpi.kpis(ledger(), *Q1, beginning_ar=200_000 * EUR)
    assert (k.days, k.credit_sales, k.ending_ar, k.current_ar, k.over_90_ar) == (
        90, 310_000 * EUR, 250_000 * EUR, 150_000 * EUR, 50_000 * EUR)
    assert [round(v, 1) for v in (k.dso, k.best_possible_dso, k.add, k.countback_dso, k.cei)] == [
        72.6, 43.5, 29.0, 69.3, 72.2]
    assert (k.pct_current, k.pct_over_90) == (60.0, 20.0)
    none = kpi.kpis(ledger(), "2025-11-01", "2025-11-30")
    assert none.dso is None and none.cei is None and none.credit_sales == 0

"""Payment plans: schedules against hand-computed ones, payments against installments, and the actions."""
from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ar_xl import frames
from ar_xl.actions.plan import create_plan, payment_credits, update_plans
from ar_xl.book import Book
from ar_xl.engine.plans import add_months, apply_payments, pmt_cents, round_half_away, schedule
from ar_xl.errors import InputError

D = dt.date


def dates(frame):
    return [d.date() for d in frame["due_date"]]


def col(frame, name):
    return [int(v) for v in frame[name]]


# ------------------------------------------------------------------ rounding and months

def test_round_half_away_from_zero():
    assert round_half_away(Fraction(5, 2)) == 3          # banker's rounding would give 2
    assert round_half_away(Fraction(-5, 2)) == -3
    assert round_half_away(Fraction(7, 2)) == 4
    assert round_half_away(Fraction(249, 100)) == 2
    assert round_half_away(Fraction(-249, 100)) == -2
    assert round_half_away(7) == 7


def test_month_end_counts_from_the_original_day():
    # 31 Jan + 1 month = 28 Feb (2026) or 29 Feb (2028); +2 = 31 Mar, not 28 Mar
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    s = schedule(100000, 5, "2026-01-31")
    assert dates(s) == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31)]
    leap = schedule(100000, 3, "2028-01-31")
    assert dates(leap) == [D(2028, 1, 31), D(2028, 2, 29), D(2028, 3, 31)]
    # 30 Nov quarterly: 28 Feb, 30 May, 30 Aug, 30 Nov — and over the year end
    q = schedule(100000, 4, "2025-11-30", frequency="quarterly")
    assert dates(q) == [D(2025, 11, 30), D(2026, 2, 28), D(2026, 5, 30), D(2026, 8, 30)]


def test_weekly_and_biweekly_dates():
    w = schedule(40000, 3, "2026-12-24", frequency="weekly")
    assert dates(w) == [D(2026, 12, 24), D(2026, 12, 31), D(2027, 1, 7)]
    b = schedule(40000, 3, "2026-02-20", frequency="biweekly")
    assert dates(b) == [D(2026, 2, 20), D(2026, 3, 6), D(2026, 3, 20)]


# ------------------------------------------------------------------ hand-computed schedules

def test_no_interest_split_with_difference_on_last():
    # 1,000.00 / 3 = 333.333… -> 333.33, 333.33 and the last takes 1,000.00 - 666.66 = 333.34
    s = schedule(100000, 3, D(2026, 1, 31))
    assert col(s, "installment_no") == [1, 2, 3]
    assert col(s, "amount") == [33333, 33333, 33334]
    assert col(s, "principal") == [33333, 33333, 33334]
    assert col(s, "interest") == [0, 0, 0]
    assert col(s, "remaining_balance") == [66667, 33334, 0]
    # 200.00 / 3 = 66.666… rounds UP to 66.67: 66.67, 66.67, last 66.66
    assert col(schedule(20000, 3, D(2026, 1, 1)), "amount") == [6667, 6667, 6666]
    assert s["due_date"].dtype == "datetime64[ns]"
    assert all(s[c].dtype == "int64" for c in ("amount", "principal", "interest", "remaining_balance"))


def test_annuity_by_hand():
    # 1,200.00 over 3 months at 12 %/yr -> i = 1 % a month
    # PMT = 1200 * 0.01 / (1 - 1.01^-3) = 1200 * 0.01 * 1.030301 / 0.030301 = 408.0265… -> 408.03
    # 1: interest 1200.00 * 1% = 12.00, principal 408.03 - 12.00 = 396.03, balance 803.97
    # 2: interest 803.97 * 1% = 8.0397 -> 8.04, principal 399.99, balance 403.98
    # 3: interest 403.98 * 1% = 4.0398 -> 4.04, principal = balance 403.98, amount 408.02
    s = schedule(120000, 3, D(2026, 1, 31), annual_rate=0.12, interest="annuity")
    assert col(s, "amount") == [40803, 40803, 40802]
    assert col(s, "interest") == [1200, 804, 404]
    assert col(s, "principal") == [39603, 39999, 40398]
    assert col(s, "remaining_balance") == [80397, 40398, 0]
    assert sum(col(s, "amount")) == 120000 + 2408


def test_simple_interest_by_hand():
    # 1,000.00 over 4 quarters at 6 %: 1000 * 0.06 * 4/4 years = 60.00 -> 15.00 per installment
    s = schedule(100000, 4, D(2026, 3, 31), frequency="quarterly", annual_rate="0.06", interest="simple")
    assert col(s, "principal") == [25000] * 4
    assert col(s, "interest") == [1500] * 4
    assert col(s, "amount") == [26500] * 4
    assert dates(s) == [D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)]
    # 100.00 over 3 months at 10 %: 100 * 0.10 * 3/12 = 2.50 interest; 2.50/3 = 0.8333 -> 0.83, 0.83, last 0.84
    t = schedule(10000, 3, D(2026, 1, 15), annual_rate=0.10, interest="simple")
    assert col(t, "interest") == [83, 83, 84]
    assert col(t, "principal") == [3333, 3333, 3334]
    assert col(t, "amount") == [3416, 3416, 3418]
    # interest 0.5 cent rounds away from zero: 1.00 * 6% * 1/12 = 0.5 cent -> 1 cent
    assert col(schedule(100, 1, D(2026, 1, 15), annual_rate=0.06, interest="simple"), "interest") == [1]


def test_down_payment_is_installment_zero_on_first_due():
    # 1,000.00 with 200.00 down on 15 Mar; 800.00 in 2: 15 Apr and 15 May
    s = schedule(100000, 2, D(2026, 3, 15), down_payment_cents=20000)
    assert col(s, "installment_no") == [0, 1, 2]
    assert dates(s) == [D(2026, 3, 15), D(2026, 4, 15), D(2026, 5, 15)]
    assert col(s, "amount") == [20000, 40000, 40000]
    assert col(s, "remaining_balance") == [80000, 40000, 0]
    # interest on the financed 800.00 only: annuity 2 months at 12 %:
    # PMT(1%, 2, -800) = 800 * 0.01 * 1.0201 / 0.0201 = 406.0099… -> 406.01
    # 1: interest 8.00, principal 398.01, balance 401.99; 2: interest 4.0199 -> 4.02, amount 401.99 + 4.02 = 406.01
    a = schedule(100000, 2, D(2026, 3, 15), annual_rate=0.12, interest="annuity", down_payment_cents=20000)
    assert col(a, "interest") == [0, 800, 402]
    assert col(a, "principal") == [20000, 39801, 40199]
    assert col(a, "amount") == [20000, 40601, 40601]


# ------------------------------------------------------------------ business days

def test_holiday_shift_nl_kings_day_and_weekend():
    # 27 Apr 2026 is a Monday and King's Day -> Tuesday 28 Apr; 27 Feb..Mar are working days
    s = schedule(100000, 4, D(2026, 1, 27), holiday_country="NL")
    assert dates(s) == [D(2026, 1, 27), D(2026, 2, 27), D(2026, 3, 27), D(2026, 4, 28)]
    # 28 Feb 2026 is a Saturday -> Monday 2 Mar; March goes back to the 31st (the shift does not accumulate)
    m = schedule(100000, 3, D(2026, 1, 31), holiday_country="nl")
    assert dates(m) == [D(2026, 2, 2), D(2026, 3, 2), D(2026, 3, 31)]
    # without a country nothing moves
    assert dates(schedule(100000, 4, D(2026, 1, 27)))[3] == D(2026, 4, 27)


def test_holiday_shift_christmas_depends_on_country():
    # 25 Oct 2026 is a Sunday -> 26 Oct.  25 Dec 2026 is a Friday (Christmas), 26 Sat, 27 Sun:
    # NL -> Monday 28 Dec; GB also observes Boxing Day on Monday 28 Dec -> Tuesday 29 Dec.
    nl = schedule(100000, 4, D(2026, 10, 25), holiday_country="NL")
    gb = schedule(100000, 4, D(2026, 10, 25), holiday_country="GB")
    assert dates(nl) == [D(2026, 10, 26), D(2026, 11, 25), D(2026, 12, 28), D(2027, 1, 25)]
    assert dates(gb) == [D(2026, 10, 26), D(2026, 11, 25), D(2026, 12, 29), D(2027, 1, 25)]
    # amounts do not change with the dates
    assert col(nl, "amount") == col(gb, "amount")


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize("kwargs, words", [
    (dict(amount_cents=0), "the amount must be more than 0.00, not 0.00"),
    (dict(amount_cents=-5), "the amount must be more than 0.00, not -0.05"),
    (dict(amount_cents=100.5), "whole cents"),
    (dict(installments=0), "installments"),
    (dict(installments=601), "installments"),
    (dict(installments=2.0), "installments"),
    (dict(first_due="31/02/2026"), "first_due"),
    (dict(first_due="soon"), "first_due"),
    (dict(frequency="daily"), "frequency"),
    (dict(interest="compound", annual_rate=0.05), "interest"),
    (dict(annual_rate=0.05), "an interest rate of 5 % a year, but interest is 'none'"),
    (dict(interest="annuity", annual_rate=-0.01), "cannot be negative: -1 % a year"),
    (dict(interest="annuity", annual_rate=8), "an interest rate of 800 % a year is not a plausible rate"),
    (dict(interest="annuity", annual_rate="abc"), "the interest rate must be a number such as 8 %, not 'abc'"),
    (dict(down_payment_cents=-1), "the down payment cannot be negative: -0.01"),
    (dict(down_payment_cents=100000), "the down payment (1,000.00) must be less than the amount (1,000.00)"),
    (dict(holiday_country="XX"), "holiday country"),
    (dict(amount_cents=3, installments=5), "0.03 cannot be split into 5 installments"),
])
def test_invalid_inputs_are_clear_value_errors(kwargs, words):
    args = dict(amount_cents=100000, installments=3, first_due=D(2026, 1, 31))
    args.update(kwargs)
    with pytest.raises(ValueError) as e:
        schedule(**args)
    assert words in str(e.value)


# ------------------------------------------------------------------ PMT parity and exact sums

PER_YEAR = {"weekly": 52, "biweekly": 26, "monthly": 12, "quarterly": 4}


def excel_pmt_cents(principal_cents, annual_rate, per_year, n):
    x = npf.pmt(annual_rate / per_year, n, -principal_cents / 100)
    return int(Decimal(repr(float(x))).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))


def test_pmt_matches_numpy_financial_on_many_random_cases():
    rng = random.Random(20260131)
    for _ in range(2000):
        principal = rng.randint(100, 50_000_000)
        n = rng.randint(1, 120)
        rate_bp = rng.randint(1, 3000)          # 0.01 % .. 30 % a year
        freq = rng.choice(list(PER_YEAR))
        rate = Decimal(rate_bp) / 10000
        expected = excel_pmt_cents(principal, float(rate), PER_YEAR[freq], n)
        assert pmt_cents(principal, Fraction(rate) / PER_YEAR[freq], n) == expected
        s = schedule(principal, n, D(2026, 1, 31), freq, rate, "annuity")
        # every installment but the last is exactly the rounded PMT
        assert col(s, "amount")[:-1] == [expected] * (n - 1)
        # the last one carries the accumulated rounding: at most half a cent of PMT rounding plus half a cent
        # of interest rounding per period, grown with interest: (1+i)^n - 1) / i cents at most
        i = float(rate) / PER_YEAR[freq]
        assert abs(col(s, "amount")[-1] - expected) <= ((1 + i) ** n - 1) / i + 1


@settings(max_examples=300, deadline=None)
@given(
    amount=st.integers(min_value=1, max_value=10**10),
    n=st.integers(min_value=1, max_value=240),
    rate_bp=st.integers(min_value=0, max_value=5000),
    method=st.sampled_from(["none", "simple", "annuity"]),
    freq=st.sampled_from(list(PER_YEAR)),
    down_pct=st.integers(min_value=0, max_value=50),
)
def test_installments_sum_exactly(amount, n, rate_bp, method, freq, down_pct):
    rate = Fraction(rate_bp, 10000) if method != "none" else 0
    down = amount * down_pct // 100
    try:
        s = schedule(amount, n, D(2026, 1, 31), freq, rate, method, down)
    except ValueError as e:
        if "pays the plan off after" in str(e):
            # PMT's rounding repays early: tiny amounts, or the cent compounded over a long term at a high rate
            assert method == "annuity"
            assert amount - down < 2 * n * n or (1 + float(rate) / PER_YEAR[freq]) ** n > 10
        else:
            assert "cannot be split" in str(e)   # only tiny amounts over many installments are refused
            assert amount - down < 2 * n * n
        return
    amounts, prin, intr = col(s, "amount"), col(s, "principal"), col(s, "interest")
    assert sum(prin) == amount
    assert sum(amounts) == amount + sum(intr)
    assert all(a == p + i for a, p, i in zip(amounts, prin, intr))
    assert all(a > 0 for a in amounts)
    assert col(s, "remaining_balance")[-1] == 0
    assert len(s) == n + (1 if down else 0)
    assert s["due_date"].is_monotonic_increasing and s["due_date"].is_unique
    if method == "simple":
        per_year = PER_YEAR[freq]
        assert sum(intr) == round_half_away((amount - down) * rate * Fraction(n, per_year))


# ------------------------------------------------------------------ paying a plan

def plan_3x300():
    # 900.00 in 3 monthly installments of 300.00, due 31 Jan, 28 Feb, 31 Mar 2026
    return schedule(90000, 3, D(2026, 1, 31))


def pays(*rows):
    return pd.DataFrame({"value_date": pd.to_datetime([r[0] for r in rows]).astype("datetime64[ns]"),
                         "amount": [r[1] for r in rows]})


def test_realistic_sequence_of_payments():
    plan = plan_3x300()
    grace = 5
    p = pays(("2026-02-03", 30000), ("2026-03-10", 20000), ("2026-03-20", 10000), ("2026-04-02", 30000))
    # 1 Feb: nothing paid, installment 1 within grace (31 Jan + 5 = 5 Feb) -> open, plan active
    r = apply_payments(plan, p, D(2026, 2, 1), grace)
    assert list(r["status"]) == ["open", "open", "open"] and set(r["plan_status"]) == {"active"}
    # 6 Feb without the 3 Feb payment it would be missed; with it, installment 1 is paid on time
    assert list(apply_payments(plan, p.iloc[:0], D(2026, 2, 6), grace)["status"]) == ["missed", "open", "open"]
    r = apply_payments(plan, p, D(2026, 2, 6), grace)
    assert list(r["status"]) == ["paid", "open", "open"]
    # 10 Mar: 200.00 arrived for installment 2 (due 28 Feb + 5 = 5 Mar) -> 100.00 open, missed, plan broken
    r = apply_payments(plan, p, D(2026, 3, 10), grace)
    assert col(r, "paid") == [30000, 20000, 0]
    assert col(r, "open") == [0, 10000, 30000]
    assert list(r["status"]) == ["paid", "missed", "open"]
    assert set(r["plan_status"]) == {"broken"}
    # 10 Apr: the rest of installment 2 came 20 Mar (late), installment 3 on 2 Apr (due 31 Mar + 5) -> completed
    r = apply_payments(plan, p, D(2026, 4, 10), grace)
    assert list(r["status"]) == ["paid", "late", "paid"]
    assert col(r, "open") == [0, 0, 0]
    assert [d.date() for d in r["paid_on"]] == [D(2026, 2, 3), D(2026, 3, 20), D(2026, 4, 2)]
    assert set(r["plan_status"]) == {"completed"}
    assert r.attrs["used"] == [30000, 20000, 10000, 30000] and r.attrs["unapplied"] == 0


def test_grace_boundaries_and_future_payments():
    plan = plan_3x300()
    # on due + grace (5 Feb) the installment is still open; the day after it is missed
    assert apply_payments(plan, pays(), D(2026, 2, 5), 5)["status"].iloc[0] == "open"
    assert apply_payments(plan, pays(), D(2026, 2, 6), 5)["status"].iloc[0] == "missed"
    # a payment on due + grace is on time; one the day after is late
    assert apply_payments(plan, pays(("2026-02-05", 30000)), D(2026, 2, 6), 5)["status"].iloc[0] == "paid"
    assert apply_payments(plan, pays(("2026-02-06", 30000)), D(2026, 2, 6), 5)["status"].iloc[0] == "late"
    # a payment dated after as-of is not counted yet
    r = apply_payments(plan, pays(("2026-02-07", 30000)), D(2026, 2, 6), 5)
    assert r["status"].iloc[0] == "missed" and col(r, "paid")[0] == 0


def test_one_payment_spreads_over_installments_and_overpayment_is_left():
    r = apply_payments(plan_3x300(), pays(("2026-01-20", 100000)), D(2026, 1, 25), 0)
    assert col(r, "paid") == [30000, 30000, 30000]
    assert list(r["status"]) == ["paid", "paid", "paid"] and set(r["plan_status"]) == {"completed"}
    assert r.attrs["unapplied"] == 10000


def test_apply_payments_validation():
    with pytest.raises(ValueError, match="grace_days"):
        apply_payments(plan_3x300(), pays(), D(2026, 1, 1), -1)
    with pytest.raises(ValueError, match="value_date"):
        apply_payments(plan_3x300(), pd.DataFrame({"amount": [1]}), D(2026, 1, 1), 0)


# ------------------------------------------------------------------ actions on a small Book

def make_book(invoices, payments=(), matches=(), customers=None, plans=None, audit=None):
    t = {}
    t["Invoices"] = frames.coerce(pd.DataFrame(invoices, columns=[
        "invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"]),
        "Invoices", "test")
    t["Customers"] = frames.coerce(pd.DataFrame(customers or [
        ("C1", "Acme BV", "NL91ABNA0417164300"), ("C2", "Other GmbH", "DE89370400440532013000")],
        columns=["customer_id", "customer_name", "iban"]), "Customers", "test")
    t["Payments"] = frames.coerce(pd.DataFrame(list(payments), columns=[
        "payment_id", "value_date", "amount", "currency", "payer_iban", "status"]), "Payments", "test")
    t["Matches"] = frames.coerce(pd.DataFrame(list(matches), columns=[
        "match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "decision", "review"]), "Matches", "test")
    if plans is not None:
        t["Plans"] = plans
    if audit is not None:
        t["Audit"] = audit
    return Book(t, source="test.xlsx", user="anna")


INVOICES = [
    ("INV1", "C1", "2025-11-01", "2025-12-01", "EUR", "600.00", "600.00", ""),
    ("INV2", "C1", "2025-11-15", "2025-12-15", "EUR", "500.00", "400.00", "open"),
    ("INV3", "C1", "2025-11-20", "2025-12-20", "EUR", "300.00", "300.00", "legal"),
    ("INV4", "C1", "2025-10-01", "2025-11-01", "EUR", "250.00", "0", "paid"),
    ("INV9", "C2", "2025-11-01", "2025-12-01", "EUR", "999.00", "999.00", ""),
]


def test_create_plan_change_contents():
    book = make_book(INVOICES)
    ch = create_plan(book, "C1", "INV1; INV2", 2, "2026-01-31", created="2026-01-10")
    plans = ch.tables["Plans"]
    # 600.00 + 400.00 open = 1,000.00 in 2 monthly installments of 500.00
    assert list(plans["plan_id"]) == ["P-000001", "P-000001"]
    assert list(plans["installment_no"]) == [1, 2]
    assert col(plans, "amount") == [50000, 50000] and col(plans, "open") == [50000, 50000]
    assert col(plans, "paid") == [0, 0]
    assert dates(plans) == [D(2026, 1, 31), D(2026, 2, 28)]
    assert set(plans["invoice_ids"]) == {"INV1; INV2"} and set(plans["customer_id"]) == {"C1"}
    assert set(plans["status"]) == {"open"} and set(plans["plan_status"]) == {"active"}
    inv = ch.tables["Invoices"].set_index("invoice_id")
    assert inv.loc["INV1", "status"] == "on plan" and inv.loc["INV2", "status"] == "on plan"
    assert inv.loc["INV3", "status"] == "legal" and inv.loc["INV9", "status"] == ""
    audit = pd.DataFrame(ch.audit)
    assert set(audit["user"]) == {"anna"} and set(audit["action"]) == {"create_plan"}
    created = audit[audit["column"] == "created"]
    assert list(created["key"]) == ["P-000001"] and list(created["new_value"]) == ["2026-01-10"]
    assert list(audit.loc[audit["table"] == "Plans", "key"]) == ["P-000001", "P-000001/1", "P-000001/2"]
    st_rows = audit[(audit["table"] == "Invoices")]
    assert list(zip(st_rows["key"], st_rows["old_value"], st_rows["new_value"])) == [
        ("INV1", "", "on plan"), ("INV2", "open", "on plan")]
    assert "P-000001" in ch.summary and "1,000.00" in ch.summary
    # written back: the plan rows and the blank status are written
    merged = ch.merged(book)
    assert len(merged["Plans"]) == 2
    assert merged["Invoices"].set_index("invoice_id").loc["INV1", "status"] == "on plan"
    assert len(merged["Audit"]) == len(ch.audit)


def test_open_status_becomes_on_plan_when_written_back():
    book = make_book(INVOICES)
    merged = create_plan(book, "C1", "INV2", 2, "2026-01-31", created="2026-01-10").merged(book)
    assert merged["Invoices"].set_index("invoice_id").loc["INV2", "status"] == "on plan"


def test_create_plan_leaves_a_persons_status_and_says_so():
    book = make_book(INVOICES)
    ch = create_plan(book, "C1", ["INV1", "INV3"], 3, "2026-02-15", created="2026-01-10")
    assert ch.tables["Invoices"].set_index("invoice_id").loc["INV3", "status"] == "legal"
    assert "INV3 (legal)" in ch.summary
    assert col(ch.tables["Plans"], "amount") == [30000, 30000, 30000]


@pytest.mark.parametrize("customer, ids, words", [
    ("C1", "INV9", "belongs to customer C2"),
    ("C1", "INV4", "has nothing open"),
    ("C1", "INV404", "not in the Invoices table"),
    ("C1", "", "no invoice ids"),
    ("C7", "INV1", "unknown customer"),
])
def test_create_plan_refuses_bad_invoices(customer, ids, words):
    with pytest.raises(InputError) as e:
        create_plan(make_book(INVOICES), customer, ids, 2, "2026-01-31")
    assert words in str(e.value)


def test_create_plan_refuses_invoice_on_a_live_plan_and_bad_schedule():
    book = make_book(INVOICES)
    first = create_plan(book, "C1", "INV1", 2, "2026-01-31", created="2026-01-10")
    book2 = make_book(INVOICES, plans=first.tables["Plans"])
    with pytest.raises(InputError, match="already on live plan P-000001"):
        create_plan(book2, "C1", "INV1; INV2", 2, "2026-01-31", created="2026-01-10")
    second = create_plan(book2, "C1", "INV2", 2, "2026-01-31", created="2026-01-10")
    assert set(second.tables["Plans"]["plan_id"]) == {"P-000001", "P-000002"}
    with pytest.raises(InputError, match="frequency"):
        create_plan(book, "C1", "INV1", 2, "2026-01-31", frequency="yearly", created="2026-01-10")


def _book_with_plan(payments, matches, created="2026-01-10"):
    base = make_book(INVOICES)
    ch = create_plan(base, "C1", "INV1; INV2", 2, "2026-01-31", created=created)
    audit = pd.DataFrame(ch.audit)
    return make_book(INVOICES, payments, matches, plans=ch.tables["Plans"], audit=audit)


def test_update_plans_from_matches_and_iban():
    # plan P-000001: 500.00 due 31 Jan, 500.00 due 28 Feb (grace 5 days from Config default)
    payments = [
        ("PAY0", "2026-01-05", "100.00", "EUR", "NL91ABNA0417164300", ""),        # before the plan: not counted
        ("PAY1", "2026-01-30", "450.00", "EUR", "XX00 unknown", ""),               # matched to INV1 (auto)
        ("PAY2", "2026-02-02", "50.00", "EUR", "NL91 ABNA 0417 1643 00", ""),      # not in Matches: C1 by IBAN
        ("PAY3", "2026-02-20", "300.00", "EUR", "XX unknown", ""),                 # auto match rejected: no one's
        ("PAY4", "2026-02-21", "200.00", "EUR", "XX", ""),                         # suggested + Confirm on INV2
        ("PAY5", "2026-02-22", "999.00", "EUR", "DE89370400440532013000", ""),     # C2's money
        ("PAY6", "2026-02-23", "500.00", "EUR", "NL91ABNA0417164300", "ignored"),  # ignored by a person
    ]
    matches = [
        ("M1", "PAY1", "INV1", "C1", "450.00", "auto", ""),
        ("M3", "PAY3", "INV2", "C1", "300.00", "auto", "Reject"),
        ("M4", "PAY4", "INV2", "C1", "200.00", "suggested", "Confirm"),
        ("M5", "PAY5", "INV9", "C2", "999.00", "auto", ""),
    ]
    book = _book_with_plan(payments, matches)
    cr = payment_credits(book)
    assert sorted(zip(cr["payment_id"], cr["amount"], cr["customer_id"], cr["invoice_id"])) == [
        ("PAY0", 10000, "C1", ""), ("PAY1", 45000, "C1", "INV1"), ("PAY2", 5000, "C1", ""),
        ("PAY4", 20000, "C1", "INV2"), ("PAY5", 99900, "C2", "INV9")]
    # as of 10 Mar: 450 (30 Jan) + 50 (2 Feb) complete installment 1 on 2 Feb (<= 5 Feb): paid;
    # 200 on 21 Feb leaves 300.00 open on installment 2, past 28 Feb + 5 -> missed, plan broken
    ch = update_plans(book, D(2026, 3, 10))
    p = ch.tables["Plans"]
    assert col(p, "paid") == [50000, 20000]
    assert col(p, "open") == [0, 30000]
    assert list(p["status"]) == ["paid", "missed"]
    assert set(p["plan_status"]) == {"broken"}
    audit = pd.DataFrame(ch.audit)
    assert set(audit["action"]) == {"update_plans"}
    row = audit[(audit["key"] == "P-000001/2") & (audit["column"] == "status")].iloc[0]
    assert (row["old_value"], row["new_value"]) == ("open", "missed")
    row = audit[(audit["key"] == "P-000001/1") & (audit["column"] == "paid")].iloc[0]
    assert (row["old_value"], row["new_value"]) == ("0.00", "500.00")
    assert "1 broken" in ch.summary
    # the broken plan's invoices no longer say 'on plan' (issue 12: the state follows the records)
    assert (audit[audit["table"] == "Invoices"]["new_value"] != "on plan").all()
    # run again on the result: nothing changes, no audit rows
    book.tables["Plans"] = p
    book.tables["Invoices"] = ch.tables.get("Invoices", book.get("Invoices"))
    again = update_plans(book, D(2026, 3, 10))
    assert again.audit == []


def test_money_not_applied_pays_the_plan_once_whatever_rows_matches_holds():
    """Only applied money goes to an invoice; the rest of each payment is the customer's (issue: a payment
    with only suggestions, or the unapplied rest of a partly applied one, counted for nothing)."""
    payments = [
        ("PAY1", "2026-01-30", "500.00", "EUR", "NL91ABNA0417164300", ""),  # C1's IBAN, only suggestions
        ("PAY2", "2026-02-20", "600.00", "EUR", "XX unknown", ""),          # 400.00 on INV2, 200.00 left
        ("PAY3", "2026-03-02", "300.00", "EUR", "NL91ABNA0417164300", ""),  # C1's IBAN, auto match rejected
    ]
    matches = [
        ("M1", "PAY1", "INV1", "C1", "500.00", "suggested", ""),
        ("M2", "PAY1", "", "C1", "500.00", "unmatched", ""),
        ("M3", "PAY2", "INV2", "C1", "400.00", "auto", ""),
        ("M4", "PAY2", "INV2", "C1", "200.00", "suggested", ""),           # a suggestion for the rest
        ("M5", "PAY3", "INV1", "C1", "300.00", "auto", "Reject"),
    ]
    book = _book_with_plan(payments, matches)
    cr = payment_credits(book)
    assert sorted(zip(cr["payment_id"], cr["amount"], cr["customer_id"], cr["invoice_id"], cr["source"])) == [
        ("PAY1", 50000, "C1", "", "iban"), ("PAY2", 20000, "C1", "", "match"), ("PAY2", 40000, "C1", "INV2", "match"),
        ("PAY3", 30000, "C1", "", "iban")]
    # 500.00 on 30 Jan pays installment 1; 400.00 on INV2 and the 200.00 rest of PAY2 pay installment 2
    p = update_plans(book, D(2026, 3, 10)).tables["Plans"]
    assert col(p, "paid") == [50000, 50000] and list(p["status"]) == ["paid", "paid"]
    # (proposed for INV1 and INV2, the plan's own invoices, the suggested money counts;) INV1 and INV2 still
    # have their open amounts, the cash not applied to them yet: the plan is not completed
    assert set(p["plan_status"]) == {"active"}


def test_update_plans_without_creation_date_counts_all_and_says_so():
    payments = [("PAY0", "2026-01-05", "100.00", "EUR", "NL91ABNA0417164300", "")]
    book = _book_with_plan(payments, [])
    book.tables.pop("Audit")
    ch = update_plans(book, D(2026, 1, 6))
    assert col(ch.tables["Plans"], "paid") == [10000, 0]
    assert "no creation date in Audit for P-000001" in ch.summary


def test_customer_money_goes_to_the_oldest_plan_first_and_counts_once():
    base = make_book(INVOICES)
    c1 = create_plan(base, "C1", "INV1", 2, "2026-01-31", created="2026-01-10")        # 2 x 300.00
    b1 = make_book(INVOICES, plans=c1.tables["Plans"], audit=pd.DataFrame(c1.audit))
    c2 = create_plan(b1, "C1", "INV2", 1, "2026-01-31", created="2026-01-10")          # 1 x 400.00
    payments = [("PAY1", "2026-01-20", "800.00", "EUR", "NL91ABNA0417164300", "")]
    audit = pd.DataFrame(c1.audit + c2.audit)
    book = make_book(INVOICES, payments, plans=c2.tables["Plans"], audit=audit)
    p = update_plans(book, D(2026, 2, 1)).tables["Plans"]
    # 800.00: 600.00 pays P-000001 in full, the remaining 200.00 goes to P-000002
    assert list(zip(p["plan_id"], col(p, "paid"))) == [("P-000001", 30000), ("P-000001", 30000), ("P-000002", 20000)]
    assert list(p["status"]) == ["paid", "paid", "open"]
    assert list(p["plan_status"]) == ["active", "active", "active"]  # INV1 is still open: not completed yet


def test_money_proposed_for_invoices_off_the_plan_does_not_pay_it_until_applied():
    """QA: a payment Match only suggested for two other invoices paid a plan's installments (P-000007: 1,200.00
    and 1,155.44 paid, its invoice still 2,400.00 open), and a plan over two invoices went to completed after one
    real installment."""
    payments = [
        ("PAY1", "2026-01-30", "500.00", "EUR", "XX unknown", ""),           # applied to INV1: installment 1
        ("PAY2", "2026-02-20", "500.00", "EUR", "NL91ABNA0417164300", ""),   # C1's IBAN: 300.00 suggested on INV3
        ("PAY3", "2026-02-21", "100.00", "EUR", "NL91ABNA0417164300", ""),   # C1's IBAN: suggested on INV2 (the plan's)
    ]
    matches = [
        ("M1", "PAY1", "INV1", "C1", "500.00", "auto", ""),
        ("M2", "PAY2", "INV3", "C1", "300.00", "suggested", ""),
        ("M3", "PAY3", "INV2", "C1", "100.00", "suggested", ""),
    ]
    book = _book_with_plan(payments, matches)
    # installment 2 (500.00 due 28 Feb): 200.00 of PAY2 no row proposes, and PAY3 proposed for INV2; not the
    # 300.00 proposed for INV3 (before: all 500.00 of PAY2, and the plan completed)
    p = update_plans(book, D(2026, 3, 10)).tables["Plans"]
    assert col(p, "paid") == [50000, 30000]
    assert col(p, "open") == [0, 20000]
    assert list(p["status"]) == ["paid", "missed"]
    assert set(p["plan_status"]) == {"broken"}
    cr = payment_credits(book)
    assert sorted(zip(cr["payment_id"], cr["amount"], cr["invoice_id"], cr["proposed_for"])) == [
        ("PAY1", 50000, "INV1", ""), ("PAY2", 20000, "", ""), ("PAY2", 30000, "", "INV3"), ("PAY3", 10000, "", "INV2")]
    # a reviewer rejects the suggestion: the money is the customer's, not proposed anywhere, and pays the plan
    rejected = [m if m[0] != "M2" else (*m[:6], "Reject") for m in matches]
    p = update_plans(_book_with_plan(payments, rejected), D(2026, 3, 10)).tables["Plans"]
    assert col(p, "paid") == [50000, 50000] and list(p["status"]) == ["paid", "paid"]


def test_a_plan_is_completed_only_once_its_invoices_are_paid():
    """Installments paid by the customer's money not applied yet leave the plan active: its invoices are open."""
    base = make_book(INVOICES)
    ch = create_plan(base, "C1", "INV1", 2, "2026-01-31", created="2026-01-10")         # 2 x 300.00
    payments = [("PAY1", "2026-01-20", "600.00", "EUR", "NL91ABNA0417164300", "")]      # C1's IBAN, not matched
    book = make_book(INVOICES, payments, plans=ch.tables["Plans"], audit=pd.DataFrame(ch.audit))
    p = update_plans(book, D(2026, 2, 1)).tables["Plans"]
    assert col(p, "paid") == [30000, 30000] and list(p["status"]) == ["paid", "paid"]
    assert list(p["plan_status"]) == ["active", "active"]
    # the cash applied to INV1 (open 0.00): completed
    paid = [(*r[:6], "0", "paid") if r[0] == "INV1" else r for r in INVOICES]
    book = make_book(paid, payments, plans=ch.tables["Plans"], audit=pd.DataFrame(ch.audit))
    p = update_plans(book, D(2026, 2, 1)).tables["Plans"]
    assert list(p["plan_status"]) == ["completed", "completed"]


def test_annuity_that_rounding_pays_off_early_is_refused_clearly():
    # 235.43 over 82 quarters at 31.84%: PMT = 18.78 (rounded up by a fraction of a cent); that
    # fraction, compounded at 7.96% a quarter, repays the plan at installment 81 and would
    # leave a last installment of 0.00.
    with pytest.raises(ValueError, match=r"installment of 18.78 pays the plan off after 81 of 82 installments"):
        schedule(23543, 82, D(2026, 1, 31), "quarterly", Fraction(3184, 10000), "annuity")

"""Payment plans: installment schedules and how payments pay them.

The schedule (``schedule``)
---------------------------
* **Dates.**  Installment *k* (counted from 0 for the first one) is due *k*
  periods after ``first_due``: weekly = 7 days, biweekly = 14 days, monthly =
  1 calendar month, quarterly = 3 calendar months.  Months are always counted
  from the *original* day of ``first_due`` and clipped to the month's last
  day, so a plan starting 31 January runs 31 Jan, 28 Feb (29 in a leap year),
  31 Mar, 30 Apr, 31 May … and never drifts to the 28th.
* **Down payment.**  A down payment is installment number 0, due on
  ``first_due``; the regular installments 1 … n follow one period apart, the
  first one period after ``first_due``.  Without a down payment installment 1
  is due on ``first_due``.  The down payment carries no interest; interest is
  computed on the amount minus the down payment (the financed principal).
* **Business days.**  With ``holiday_country`` (an ISO code such as ``NL``,
  ``BE``, ``DE``, ``FR``, ``GB``) a due date falling on a Saturday, a Sunday
  or a public holiday of that country (the ``holidays`` package) moves to the
  next business day.  The shift is applied to each nominal date separately, so
  it never accumulates (27 Apr → 28 Apr for King's Day does not move May).
  Without ``holiday_country`` dates are not moved.
* **Rounding.**  Every cent amount is rounded half away from zero
  (``round_half_away``), computed from exact fractions (never floats).
* **Interest** (``annual_rate`` is a fraction: ``0.08`` means 8 % a year):

  - ``none``: no interest; ``annual_rate`` must be 0.
  - ``simple``: flat interest on the financed principal over the term,
    ``total = principal × annual_rate × n / periods_per_year`` (rounded to the
    cent), spread evenly: each installment gets ``round(total / n)`` and the
    last one takes the rounding difference.
  - ``annuity``: the installment equals Excel's
    ``PMT(annual_rate / periods_per_year, n, -principal)`` rounded to the
    cent.  Each period's interest is ``round(remaining balance × periodic
    rate)`` and its principal is installment − interest.  The last installment
    pays off the remaining balance plus its interest, so it may differ from the
    others by the accumulated rounding.  Interest is per period (one period's
    interest on the balance for every installment, including the first), not
    by day count.  With a zero rate it is the same as ``none``.

  In every case the principal of the regular installments is split as
  ``round(principal / n)`` per installment with the difference on the last
  one (``none``/``simple``), and installments sum exactly to amount plus total
  interest.  ``remaining_balance`` is the principal still owed after the
  installment is paid (future interest not included); it ends at 0.

Paying a plan (``apply_payments``)
----------------------------------
Payments (value date ≤ as-of, amount > 0) are taken in value-date order and
fill the installments in due-date order, each installment to its full amount
before the next; a payment may spread over several installments.  An
installment's status is:

* ``paid``   paid in full on or before due date + grace days;
* ``late``   paid in full, but the payment completing it came after due + grace;
* ``missed`` not fully paid and the as-of date is after due + grace;
* ``open``   not fully paid and not yet past due + grace (grace is inclusive:
  on due + grace it is still open).

The plan is ``broken`` when any installment is missed, ``completed`` when all
are paid (paid or late), otherwise ``active``.  The status is recomputed from
the payments each time: a missed installment that is later paid in full
becomes ``late`` and the plan is active again.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import pandas as pd

from ..dates import parse_date
from ..money import fmt

FREQUENCIES: dict[str, tuple[str, int, int]] = {
    # name: (unit, step, periods per year)
    "weekly": ("days", 7, 52),
    "biweekly": ("days", 14, 26),
    "monthly": ("months", 1, 12),
    "quarterly": ("months", 3, 4),
}
INTEREST_METHODS = ("none", "simple", "annuity")
MAX_INSTALLMENTS = 600
COLUMNS = ["installment_no", "due_date", "amount", "principal", "interest", "remaining_balance"]
INSTALLMENT_STATUSES = ("open", "paid", "late", "missed")
PLAN_STATUSES = ("active", "completed", "broken", "cancelled")


def round_half_away(x: Fraction | int) -> int:
    """An exact fraction of cents to whole cents, halves away from zero (2.5 → 3, −2.5 → −3)."""
    x = Fraction(x)
    q = (abs(x.numerator) * 2 + x.denominator) // (2 * x.denominator)
    return -q if x < 0 else q


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` plus whole months, clipped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    m0 = start.year * 12 + (start.month - 1) + months
    y, m = divmod(m0, 12)
    m += 1
    return dt.date(y, m, min(start.day, calendar.monthrange(y, m)[1]))


def nominal_dates(first_due: dt.date, count: int, frequency: str = "monthly") -> list[dt.date]:
    """``count`` dates one period apart from ``first_due``, each counted from the original day."""
    unit, step, _ = _frequency(frequency)
    if unit == "days":
        return [first_due + dt.timedelta(days=step * k) for k in range(count)]
    return [add_months(first_due, step * k) for k in range(count)]


def _holiday_calendar(country: str, years: list[int]):
    import holidays

    code = str(country).strip().upper()
    try:
        return holidays.country_holidays(code, years=years)
    except (NotImplementedError, KeyError, AttributeError):
        raise ValueError(f"unknown holiday country {country!r}; use an ISO code such as NL, BE, DE, FR or GB") from None


def next_business_day(d: dt.date, country: str, _cal=None) -> dt.date:
    """``d`` itself if it is a weekday and not a public holiday of ``country``, else the next such day."""
    cal = _cal if _cal is not None else _holiday_calendar(country, [d.year, d.year + 1])
    while d.weekday() >= 5 or d in cal:
        d += dt.timedelta(days=1)
    return d


def business_dates(dates: list[dt.date], country: str | None) -> list[dt.date]:
    """Each date moved off weekends and ``country``'s public holidays (unchanged when country is None)."""
    if not country or not dates:
        return list(dates)
    years = sorted({d.year for d in dates} | {max(dates).year + 1})
    cal = _holiday_calendar(country, years)
    return [next_business_day(d, country, cal) for d in dates]


def _frequency(frequency: str) -> tuple[str, int, int]:
    f = str(frequency).strip().lower().replace("-", "").replace(" ", "")
    if f not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}, not {frequency!r}")
    return FREQUENCIES[f]


def _rate(value: object) -> Fraction:
    if isinstance(value, bool):
        raise ValueError(f"the interest rate must be a number such as 8 %, not {value!r}")
    if isinstance(value, Fraction):
        r = value
    else:
        if isinstance(value, (float, np.floating)):
            value = repr(float(value))
        try:
            d = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"the interest rate must be a number such as 8 %, not {value!r}") from None
        if not d.is_finite():
            raise ValueError(f"the interest rate must be a finite number, not {value!r}")
        r = Fraction(d)
    if r < 0:
        raise ValueError(f"the interest rate cannot be negative: {_percent(r)} a year")
    if r >= 1:
        raise ValueError(f"an interest rate of {_percent(r)} a year is not a plausible rate "
                         f"(8 % is 0.08 as a fraction)")
    return r


def _percent(rate: Fraction) -> str:
    """A yearly rate as a person writes it: ``Fraction(2, 25)`` -> ``8 %``."""
    return f"{float(rate) * 100:g} %"


def _cents(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be whole cents (an int), not {value!r}")
    return int(value)


def pmt_cents(principal_cents: int, periodic_rate: Fraction, n: int) -> int:
    """Excel's ``PMT(rate, n, -principal)`` computed exactly and rounded half away from zero to the cent."""
    if periodic_rate == 0:
        return round_half_away(Fraction(principal_cents, n))
    growth = (1 + periodic_rate) ** n
    return round_half_away(principal_cents * periodic_rate * growth / (growth - 1))


def _split(total: int, n: int) -> list[int]:
    """``total`` cents in ``n`` parts of round(total / n), the difference on the last part."""
    each = round_half_away(Fraction(total, n))
    return [each] * (n - 1) + [total - each * (n - 1)]


def schedule(
    amount_cents: int,
    installments: int,
    first_due: object,
    frequency: str = "monthly",
    annual_rate: object = 0,
    interest: str = "none",
    down_payment_cents: int = 0,
    holiday_country: str | None = None,
) -> pd.DataFrame:
    """The installment schedule of a payment plan (rules in the module docstring).

    ``amount_cents`` is the total owed (> 0); ``installments`` the number of
    regular installments (1 … 600), not counting a down payment;
    ``first_due`` a date (or text/serial that ``dates.parse_date`` reads).

    Returns a frame with columns installment_no (0 for a down payment, then
    1 … n), due_date (``datetime64[ns]``), amount, principal, interest and
    remaining_balance (``int64`` cents).  Raises ``ValueError`` naming the bad
    argument.
    """
    amount = _cents(amount_cents, "amount_cents")
    if amount <= 0:
        raise ValueError(f"the amount must be more than 0.00, not {fmt(amount)}")
    if isinstance(installments, bool) or not isinstance(installments, (int, np.integer)):
        raise ValueError(f"installments must be a whole number, not {installments!r}")
    n = int(installments)
    if not 1 <= n <= MAX_INSTALLMENTS:
        raise ValueError(f"installments must be between 1 and {MAX_INSTALLMENTS}, not {n}")
    try:
        first = parse_date(first_due)
    except ValueError as e:
        raise ValueError(f"first_due: {e}") from None
    unit, step, per_year = _frequency(frequency)
    method = str(interest).strip().lower()
    if method not in INTEREST_METHODS:
        raise ValueError(f"interest must be one of {', '.join(INTEREST_METHODS)}, not {interest!r}")
    rate = _rate(annual_rate)
    if method == "none" and rate != 0:
        raise ValueError(f"an interest rate of {_percent(rate)} a year, but interest is 'none': choose interest "
                         f"'simple' or 'annuity', or no rate")
    down = _cents(down_payment_cents, "down_payment_cents")
    if down < 0:
        raise ValueError(f"the down payment cannot be negative: {fmt(down)}")
    if down >= amount:
        raise ValueError(f"the down payment ({fmt(down)}) must be less than the amount ({fmt(amount)}): nothing would "
                         f"be left for the installments")

    principal = amount - down
    periodic = rate / per_year
    if method == "annuity" and rate != 0:
        pay = pmt_cents(principal, periodic, n)
        prin, intr = [], []
        balance = principal
        for k in range(n):
            i_k = round_half_away(balance * periodic)
            p_k = balance if k == n - 1 else min(pay - i_k, balance)
            prin.append(p_k)
            intr.append(i_k)
            balance -= p_k
            if balance == 0 and k < n - 1:
                # the cent PMT was rounded up by, compounded over a long term at a high
                # rate, repays the plan before its last installment
                raise ValueError(
                    f"with these terms the rounded installment of {pay / 100:.2f} pays the plan off after "
                    f"{k + 1} of {n} installments; use fewer installments or a lower rate")
    else:
        prin = _split(principal, n)
        total_interest = round_half_away(principal * rate * Fraction(n, per_year)) if method == "simple" else 0
        intr = _split(total_interest, n)

    amounts = [p + i for p, i in zip(prin, intr)]
    if min(prin) < 0 or min(amounts) <= 0:
        raise ValueError(f"{fmt(principal)} cannot be split into {n} installments of at least 0.01 each; use fewer "
                         f"installments")
    balances = list(principal - np.cumsum(prin))
    nos = list(range(1, n + 1))
    if down:
        nos, prin, intr, amounts = [0] + nos, [down] + prin, [0] + intr, [down] + amounts
        balances = [principal] + balances
    dates = business_dates(nominal_dates(first, len(nos), frequency), holiday_country)
    return pd.DataFrame({
        "installment_no": np.asarray(nos, dtype=np.int64),
        "due_date": pd.to_datetime(pd.Series(dates)).astype("datetime64[ns]"),
        "amount": np.asarray(amounts, dtype=np.int64),
        "principal": np.asarray(prin, dtype=np.int64),
        "interest": np.asarray(intr, dtype=np.int64),
        "remaining_balance": np.asarray(balances, dtype=np.int64),
    })


def _day(value) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return parse_date(value)


def apply_payments(plan_rows: pd.DataFrame, payments: pd.DataFrame, as_of: object, grace_days: int) -> pd.DataFrame:
    """Apply ``payments`` to the installments of ``plan_rows`` (rules in the module docstring).

    ``plan_rows`` needs installment_no, due_date and amount (cents); it may
    hold several plans of one customer, told apart by a ``plan_id`` column,
    which are then paid together in due-date order (ties by plan_id, then
    installment_no).  ``payments`` needs value_date and amount (cents).

    Returns a copy of ``plan_rows`` (same order) with ``paid``, ``open``
    (cents), ``paid_on`` (the value date that completed the installment, NaT
    if not complete), ``status`` and ``plan_status`` set.  ``attrs`` holds
    ``used`` (a list, per payment row, of the cents applied) and ``unapplied``
    (cents of the counted payments left over after every installment was
    paid).
    """
    as_of_d = parse_date(as_of)
    if isinstance(grace_days, bool) or not isinstance(grace_days, (int, np.integer)) or grace_days < 0:
        raise ValueError(f"grace_days must be a whole number of days ≥ 0, not {grace_days!r}")
    for c in ("installment_no", "due_date", "amount"):
        if c not in plan_rows.columns:
            raise ValueError(f"plan rows lack the column {c!r}")
    for c in ("value_date", "amount"):
        if c not in payments.columns:
            raise ValueError(f"payments lack the column {c!r}")
    out = plan_rows.copy()
    n = len(out)
    due = [_day(v) for v in out["due_date"]]
    if any(d is None for d in due):
        raise ValueError("every installment needs a due date")
    amt = [int(a) for a in out["amount"].astype("Int64").fillna(0)]
    pid = out["plan_id"].astype(str).tolist() if "plan_id" in out.columns else [""] * n
    order = sorted(range(n), key=lambda i: (due[i], pid[i], int(out["installment_no"].iloc[i])))

    pay_dates = [_day(v) for v in payments["value_date"]]
    pay_amt = [0 if pd.isna(a) else int(a) for a in payments["amount"]]
    pay_order = sorted((j for j in range(len(payments))
                        if pay_dates[j] is not None and pay_dates[j] <= as_of_d and pay_amt[j] > 0),
                       key=lambda j: (pay_dates[j], j))
    used = [0] * len(payments)
    paid = [0] * n
    paid_on: list[dt.date | None] = [None] * n
    pos = 0
    unapplied = 0
    for j in pay_order:
        left = pay_amt[j]
        while left > 0 and pos < n:
            i = order[pos]
            take = min(left, amt[i] - paid[i])
            paid[i] += take
            left -= take
            used[j] += take
            if paid[i] >= amt[i]:
                paid_on[i] = pay_dates[j]
                pos += 1
        unapplied += left

    grace = dt.timedelta(days=int(grace_days))
    status = []
    for i in range(n):
        if paid[i] >= amt[i]:
            status.append("paid" if paid_on[i] is None or paid_on[i] <= due[i] + grace else "late")
        elif as_of_d > due[i] + grace:
            status.append("missed")
        else:
            status.append("open")
    out["paid"] = np.asarray(paid, dtype=np.int64)
    out["open"] = np.asarray([a - p for a, p in zip(amt, paid)], dtype=np.int64)
    out["paid_on"] = pd.to_datetime(pd.Series([pd.NaT if d is None else d for d in paid_on], index=out.index,
                                              dtype=object)).astype("datetime64[ns]")
    out["status"] = status
    plan_status = {}
    for p in set(pid):
        st = [status[i] for i in range(n) if pid[i] == p]
        plan_status[p] = "broken" if "missed" in st else ("completed" if all(s in ("paid", "late") for s in st) else "active")
    out["plan_status"] = [plan_status[p] for p in pid]
    out.attrs["used"] = used
    out.attrs["unapplied"] = unapplied
    return out

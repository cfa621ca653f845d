"""Collections KPIs: DSO (standard, countback, best possible), ADD, CEI, % current, % over 90.

Pure functions on the canonical Invoices frame (money ``int64`` cents,
dates ``datetime64``); no Excel, no files.  Every amount is first converted
to the base currency line by line (``aging.to_base``: Config FX rates, half
away from zero to the cent), so mixed-currency ledgers give one figure.

What the functions take from the Invoices table
-----------------------------------------------
* **Credit sales in a period** = the sum of ``amount`` of every line whose
  ``invoice_date`` lies in the period, both ends included.  Credit notes
  (negative amounts) reduce it: these are *net* credit sales.
* **AR at a date** (``ar_at``) = the sum of ``open_amount`` of the lines
  invoiced on or before that date.  ``open_amount`` is what the ERP export
  says is still open, so the export must be taken at that date (the
  usual month-end snapshot); the engine cannot rebuild what was open at an
  earlier date, because the Invoices table has no payment history.
* **Current AR** = the part of that AR not yet past due (due date on or after
  the date: the aging ``current`` bucket, see ``aging``).
* **Beginning AR** (for CEI) cannot be derived from today's snapshot, so it is
  passed in: use the total of the previous period's aging (the Aging sheet's
  total at the previous month end).

A period is given by its first and last day, both included: January is
``(2026-01-01, 2026-01-31)`` and has 31 days.

The ratios are returned unrounded as ``float`` (days or percent); a ratio
whose denominator is zero raises ``ZeroDenominator`` (a ``ValueError``) with a
readable message.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Config
from ..dates import parse_date
from . import aging
from ..frames import row_numbers


def _day(value: object) -> dt.date:
    return parse_date(value)


def period_days(start: object, end: object) -> int:
    """Days in the period ``start`` .. ``end``, both included: ``end − start + 1``."""
    s, e = _day(start), _day(end)
    if e < s:
        raise ValueError(f"the period ends ({e}) before it starts ({s})")
    return (e - s).days + 1


class _Lines:
    """The Invoices columns the KPIs read, as arrays made once: ``kpis`` selects rows from them a dozen times
    (the period, AR at the end, each month of the countback).  The currencies are coded once for all rows;
    converting a selection with those codes (``aging._to_base``) gives what ``aging.to_base`` of the
    selected rows gives, the same FX-rate errors included (labels in the same sorted order)."""

    def __init__(self, invoices: pd.DataFrame):
        self.frame = invoices
        self.codes, self.labels = aging._currency_codes(invoices["currency"])
        self.rows = row_numbers(invoices)
        self.source = invoices.attrs.get("source", "Invoices")
        self._arrays: dict[str, np.ndarray] = {}

    def dates(self, column: str) -> np.ndarray:
        if column not in self._arrays:
            self._arrays[column] = np.asarray(self.frame[column], dtype="datetime64[D]")
        return self._arrays[column]

    def in_base(self, column: str, mask: np.ndarray, config: Config) -> np.ndarray:
        if column not in self._arrays:
            self._arrays[column] = self.frame[column].to_numpy(dtype=np.int64)
        return aging._to_base(self._arrays[column][mask], self.codes[mask], self.labels, config,
                              self.rows[mask] if self.rows is not None else None, self.source)


def _lines(invoices) -> _Lines:
    return invoices if isinstance(invoices, _Lines) else _Lines(invoices)


def credit_sales(invoices: pd.DataFrame, start: object, end: object, config: Config | None = None) -> int:
    """Net credit sales in base-currency cents.

    ``Σ amount`` over the lines with ``start ≤ invoice_date ≤ end``
    (credit notes, being negative, are netted off).
    """
    config = config or Config()
    lines = _lines(invoices)
    s, e = np.datetime64(_day(start), "D"), np.datetime64(_day(end), "D")
    d = lines.dates("invoice_date")
    mask = (d >= s) & (d <= e)
    return int(lines.in_base("amount", mask, config).sum())


def ar_at(invoices: pd.DataFrame, as_of: object, config: Config | None = None) -> int:
    """Total AR in base-currency cents: ``Σ open_amount`` over lines invoiced on or before ``as_of``."""
    config = config or Config()
    lines = _lines(invoices)
    mask = lines.dates("invoice_date") <= np.datetime64(_day(as_of), "D")
    return int(lines.in_base("open_amount", mask, config).sum())


def _overdue_split(invoices: pd.DataFrame, as_of: object, config: Config, over_days: int) -> tuple[int, int, int]:
    """(total, current, more than ``over_days`` past due), base cents, of lines invoiced by ``as_of``."""
    lines = _lines(invoices)
    day = np.datetime64(_day(as_of), "D")
    mask = lines.dates("invoice_date") <= day
    base = lines.in_base("open_amount", mask, config)
    dpd = (day - lines.dates("due_date")[mask]).astype(np.int64)
    return int(base.sum()), int(base[dpd <= 0].sum()), int(base[dpd > over_days].sum())


def current_ar(invoices: pd.DataFrame, as_of: object, config: Config | None = None) -> int:
    """AR not yet past due at ``as_of``: ``Σ open_amount`` over lines invoiced by ``as_of`` with ``due_date ≥ as_of``."""
    return _overdue_split(invoices, as_of, config or Config(), 0)[1]


class ZeroDenominator(ValueError):
    """A ratio's denominator is zero (no sales in the period, nothing outstanding)."""


def _ratio(num: float, den: float, what: str) -> float:
    if den == 0:
        raise ZeroDenominator(what)
    return num / den


# --- the formulas on plain numbers (cents or any unit, as long as both agree) ---------

def dso_formula(ending_ar: int, sales: int, days: int) -> float:
    """Standard DSO = ending AR / credit sales in the period × days in the period."""
    return _ratio(ending_ar, sales, "DSO: no credit sales in the period") * days


def cei_formula(beginning_ar: int, sales: int, ending_total_ar: int, ending_current_ar: int) -> float:
    """CEI = (beginning AR + sales − ending total AR) / (beginning AR + sales − ending current AR) × 100."""
    return _ratio(beginning_ar + sales - ending_total_ar,
                  beginning_ar + sales - ending_current_ar,
                  "CEI: beginning AR + sales − ending current AR is zero") * 100


# --- the KPIs on the Invoices frame --------------------------------------------------

def dso(invoices: pd.DataFrame, start: object, end: object, config: Config | None = None) -> float:
    """Standard DSO in days for the period ``start`` .. ``end``.

    ``DSO = ar_at(end) / credit_sales(start, end) × period_days(start, end)``.
    """
    config = config or Config()
    return dso_formula(ar_at(invoices, end, config), credit_sales(invoices, start, end, config),
                       period_days(start, end))


def best_possible_dso(invoices: pd.DataFrame, start: object, end: object, config: Config | None = None) -> float:
    """Best-possible DSO in days: the DSO if nothing were overdue.

    ``BPDSO = current_ar(end) / credit_sales(start, end) × period_days(start, end)``.
    """
    config = config or Config()
    return dso_formula(current_ar(invoices, end, config), credit_sales(invoices, start, end, config),
                       period_days(start, end))


def average_days_delinquent(invoices: pd.DataFrame, start: object, end: object, config: Config | None = None) -> float:
    """Average days delinquent: ``ADD = DSO − best-possible DSO`` (same period)."""
    config = config or Config()
    sales = credit_sales(invoices, start, end, config)
    days = period_days(start, end)
    total, current, _ = _overdue_split(invoices, end, config, 0)
    return dso_formula(total, sales, days) - dso_formula(current, sales, days)


def _month_slices(as_of: dt.date, months: int):
    """(first day, last day) of the calendar months walking back from ``as_of``.

    The first slice is the month to date (1st of ``as_of``'s month .. ``as_of``),
    then whole previous months.
    """
    end = as_of
    for _ in range(months):
        start = end.replace(day=1)
        yield start, end
        end = start - dt.timedelta(days=1)


def countback_dso(invoices: pd.DataFrame, as_of: object, config: Config | None = None, max_months: int = 36) -> float:
    """Countback DSO in days at ``as_of``: how many days of the latest sales are still unpaid.

    Start from ``AR = ar_at(as_of)`` and walk back month by month (the month
    to date first, then whole calendar months).  While AR exceeds the month's
    credit sales ``S`` (of ``D`` days), subtract ``S`` and add ``D`` days;
    in the month where AR ≤ S add ``AR / S × D`` days and stop.
    A month with no (or net negative) sales adds its whole ``D`` days.  AR ≤ 0
    gives 0.  After ``max_months`` without exhausting AR the walk stops and
    the days walked so far are returned (a lower bound).
    """
    config = config or Config()
    invoices = _lines(invoices)
    day = _day(as_of)
    remaining = ar_at(invoices, day, config)
    total = 0.0
    if remaining <= 0:
        return 0.0
    for start, end in _month_slices(day, max_months):
        days = (end - start).days + 1
        sales = credit_sales(invoices, start, end, config)
        if sales > 0 and remaining <= sales:
            return total + remaining / sales * days
        total += days
        remaining -= max(sales, 0)
    return total


def cei(invoices: pd.DataFrame, start: object, end: object, beginning_ar: int, config: Config | None = None) -> float:
    """Collection effectiveness index in percent for the period ``start`` .. ``end``.

    ``CEI = (beginning AR + sales − ending total AR) / (beginning AR + sales − ending current AR) × 100``
    with ``sales = credit_sales(start, end)``, ``ending total AR = ar_at(end)``,
    ``ending current AR = current_ar(end)``; ``beginning_ar`` (base cents) is
    passed in (see the module docstring).
    """
    config = config or Config()
    sales = credit_sales(invoices, start, end, config)
    total, current, _ = _overdue_split(invoices, end, config, 0)
    return cei_formula(int(beginning_ar), sales, total, current)


def pct_current(invoices: pd.DataFrame, as_of: object, config: Config | None = None) -> float:
    """% current = current AR / total AR × 100 at ``as_of`` (credit notes netted in both)."""
    total, current, _ = _overdue_split(invoices, as_of, config or Config(), 0)
    return _ratio(current, total, "% current: total AR is zero") * 100


def pct_over(invoices: pd.DataFrame, as_of: object, days: int = 90, config: Config | None = None) -> float:
    """% over ``days`` = AR more than ``days`` past due / total AR × 100 at ``as_of``.

    With the default 90 this is the ``91-120`` and ``121+`` buckets over the total.
    """
    total, _, over = _overdue_split(invoices, as_of, config or Config(), days)
    return _ratio(over, total, f"% over {days} days: total AR is zero") * 100


@dataclass(frozen=True)
class Kpis:
    """All KPIs for one period, in days / percent; money in base cents."""

    start: dt.date
    end: dt.date
    days: int
    credit_sales: int
    ending_ar: int
    current_ar: int
    over_90_ar: int
    dso: float | None
    best_possible_dso: float | None
    add: float | None
    countback_dso: float
    cei: float | None
    pct_current: float | None
    pct_over_90: float | None


COLUMNS = ("invoice_date", "due_date", "amount", "open_amount", "currency")
"""The Invoices columns the KPIs read (a caller may hand ``kpis`` only these)."""


def kpis(invoices: pd.DataFrame, start: object, end: object, beginning_ar: int | None = None,
         config: Config | None = None) -> Kpis:
    """Every KPI for the period at once; a KPI whose denominator is zero (or CEI without
    ``beginning_ar``) is ``None``."""
    config = config or Config()
    s, e = _day(start), _day(end)
    days = period_days(s, e)
    invoices = _lines(invoices)
    sales = credit_sales(invoices, s, e, config)
    total, current, over = _overdue_split(invoices, e, config, 90)

    def maybe(fn, *a):
        try:
            return fn(*a)
        except ValueError:
            return None

    d = maybe(dso_formula, total, sales, days)
    b = maybe(dso_formula, current, sales, days)
    return Kpis(
        start=s, end=e, days=days, credit_sales=sales, ending_ar=total, current_ar=current, over_90_ar=over,
        dso=d, best_possible_dso=b, add=None if d is None else d - b,
        countback_dso=countback_dso(invoices, e, config),
        cei=None if beginning_ar is None else maybe(cei_formula, int(beginning_ar), sales, total, current),
        pct_current=maybe(lambda: _ratio(current, total, "total AR is zero") * 100),
        pct_over_90=maybe(lambda: _ratio(over, total, "total AR is zero") * 100),
    )

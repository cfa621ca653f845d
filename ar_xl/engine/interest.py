"""Statutory late-payment interest and the fixed compensation on a B2B invoice (Directive 2011/7/EU).

The rule
--------
* **Days.** Interest runs for ``until - due`` days: from the day after the due date up to and
  including ``until`` (the day paid, or the as-of date).  The due date itself is not a day of
  interest; ``until`` on or before the due date gives no interest and no compensation.
* **Simple interest on a 365-day year**, also in leap years: each day earns
  ``principal x rate / 100 / 365``.
* **The rate in force on each day.**  Rates are fixed per half-year (1 January - 30 June,
  1 July - 31 December), so the days are cut into *periods* at every 1 January and 1 July
  (and, for NL, at every compounding anniversary).  Per country:

  ======  ==========================================  =========================================
  NL      art. 6:119a BW wettelijke handelsrente      the published rate (NL row); without it
                                                      ECB + 8.  **Compounds yearly** (below).
  BE      wet 2 aug. 2002 art. 5                      the published rate (BE row); without it
                                                      ECB + 8 rounded *up* to the next 0.5.
  DE      § 288 (2) BGB                               Basiszinssatz (§ 247 BGB, DE row) + 9
  FR      art. L441-10 C. com.                        ECB + 10
  LU      loi 18 avril 2004 (Directive 2011/7/EU)     ECB + 8
  GB/UK   Late Payment of Commercial Debts Act 1998   BoE Bank Rate on 31 Dec / 30 Jun + 8,
                                                      **fixed for the whole debt** (below)
  ======  ==========================================  =========================================

  ECB is the main refinancing rate in force on the first calendar day of the half-year.
* **NL compounding** (art. 6:119 lid 2 BW, applied to handelsrente by 6:119a lid 2): after each
  full year of interest, that year's interest is added to the principal.  The year counts from
  the first day of interest (``due + 1``): the interest of days ``due+1 .. due+1 + 1 year - 1``
  is added to the principal from the anniversary ``due+1 + 1 year`` on (a year starting on
  29 February ends on 28 February; the next year starts 1 March).  Only whole years compound;
  the interest of the running (incomplete) year is simple.
* **UK**: the reference rate is the Bank Rate on the 31 December or 30 June *before the
  half-year in which the debt became overdue* (the first day of interest), and that rate applies
  to the whole debt, also after a later 1 January / 1 July (Late Payment of Commercial Debts
  (Rate of Interest) (No. 3) Order 2002).  The periods still show the half-years.
  ``FIXED_FOR_DEBT`` names the countries treated so.
* **Compensation** (art. 6 of the directive): EUR 40 per invoice that is overdue (none on a zero
  amount or before the first day of interest).  UK (s. 5A of the Act):
  GBP 40 for a debt under GBP 1,000; GBP 70 from 1,000.00 to 9,999.99; GBP 100 from 10,000.
  The UK bands are in GBP, so a UK debt must be given in GBP.
* **Money is exact.**  Amounts are integer cents; rates are ``Decimal``; the interest of each
  period is computed as an exact fraction and **rounded once per period** to the cent, half
  away from zero.  The total is the sum of the rounded periods (so the periods add up to it);
  the NL principal grows by the sum of a year's rounded periods.
* **Missing rates are never guessed.**  A half-year without a rate (neither in the shipped
  table nor in Config) leaves its periods and the total empty (``None``) and is named in
  ``missing``; the compensation is still given.

Rates come from ``data/late_payment_rates.csv`` (sources named per row) and Config rows
``rate.<SERIES>.<YYYY>H<1|2>`` (series ECB, DE, NL, BE, GB), which add or override rows.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources

import numpy as np
import pandas as pd

SERIES = ("ECB", "DE", "NL", "BE", "GB")
"""The rate series of the table and of Config rows ``rate.<SERIES>.<half-year>``."""

SERIES_NAMES = {
    "ECB": "ECB main refinancing rate",
    "DE": "Basiszinssatz",
    "NL": "wettelijke handelsrente",
    "BE": "published Belgian rate",
    "GB": "Bank of England Bank Rate",
}

ALIASES = {"UK": "GB"}


@dataclass(frozen=True)
class Rule:
    country: str
    law: str
    series: str
    """Own series in the table."""
    margin: Decimal
    """Points added to the reference rate."""
    published_total: bool = False
    """The own series already is the rate charged (NL, BE); otherwise it is the reference rate."""
    fallback: str | None = None
    """Reference series used (with ``margin``) when the own published rate is missing."""
    round_up_half: bool = False
    compound_yearly: bool = False
    currency: str = "EUR"


RULES: dict[str, Rule] = {
    "NL": Rule("NL", "art. 6:119a BW (wettelijke handelsrente)", "NL", Decimal(8), True, "ECB", compound_yearly=True),
    "BE": Rule("BE", "wet 2 augustus 2002 art. 5", "BE", Decimal(8), True, "ECB", round_up_half=True),
    "DE": Rule("DE", "§ 288 (2) BGB", "DE", Decimal(9)),
    "FR": Rule("FR", "art. L441-10 Code de commerce", "ECB", Decimal(10)),
    "LU": Rule("LU", "loi du 18 avril 2004 (Directive 2011/7/EU)", "ECB", Decimal(8)),
    "GB": Rule("GB", "Late Payment of Commercial Debts (Interest) Act 1998", "GB", Decimal(8), currency="GBP"),
}
COUNTRIES = tuple(RULES)

LAWS: dict[str, dict[str, str]] = {
    "NL": {"nl": "art. 6:119a BW", "en": "art. 6:119a of the Dutch Civil Code",
           "de": "Art. 6:119a des niederländischen BW", "fr": "art. 6:119a du Code civil néerlandais"},
    "BE": {"nl": "wet van 2 augustus 2002, art. 5", "fr": "loi du 2 août 2002, art. 5",
           "de": "Gesetz vom 2. August 2002, Art. 5", "en": "Act of 2 August 2002, art. 5"},
    "DE": {"de": "§ 288 (2) BGB", "en": "§ 288 (2) of the German Civil Code",
           "nl": "§ 288 lid 2 van het Duitse BGB", "fr": "§ 288, al. 2 du Code civil allemand"},
    "FR": {"fr": "art. L441-10 du Code de commerce", "en": "art. L441-10 of the French Commercial Code",
           "nl": "art. L441-10 van het Franse Wetboek van Koophandel",
           "de": "Art. L441-10 des französischen Handelsgesetzbuchs"},
    "LU": {"fr": "loi du 18 avril 2004", "de": "Gesetz vom 18. April 2004",
           "en": "Luxembourg Act of 18 April 2004", "nl": "Luxemburgse wet van 18 april 2004"},
    "GB": dict.fromkeys(("en", "nl", "de", "fr"), "Late Payment of Commercial Debts (Interest) Act 1998"),
}
"""The law of the interest, as a letter in each language names it (``law_name``)."""

COMPENSATION_LAWS: dict[str, dict[str, str]] = {
    "NL": {"nl": "art. 6:96 lid 4 BW", "en": "art. 6:96 (4) of the Dutch Civil Code",
           "de": "Art. 6:96 Abs. 4 des niederländischen BW", "fr": "art. 6:96, al. 4 du Code civil néerlandais"},
    "BE": {"nl": "wet van 2 augustus 2002, art. 6", "fr": "loi du 2 août 2002, art. 6",
           "de": "Gesetz vom 2. August 2002, Art. 6", "en": "Act of 2 August 2002, art. 6"},
    "DE": {"de": "§ 288 Abs. 5 BGB", "en": "§ 288 (5) of the German Civil Code",
           "nl": "§ 288 lid 5 van het Duitse BGB", "fr": "§ 288, al. 5 du Code civil allemand"},
    "FR": {"fr": "art. L441-10 et D441-5 du Code de commerce",
           "en": "art. L441-10 and D441-5 of the French Commercial Code",
           "nl": "art. L441-10 en D441-5 van het Franse Wetboek van Koophandel",
           "de": "Art. L441-10 und D441-5 des französischen Handelsgesetzbuchs"},
    "LU": LAWS["LU"],
    "GB": dict.fromkeys(("en", "nl", "de", "fr"), "s. 5A Late Payment of Commercial Debts (Interest) Act 1998"),
}
"""The law of the fixed compensation, as a letter in each language names it (``law_name``)."""


def law_name(country: str, language: str = "en", compensation: bool = False) -> str:
    """The law of ``country``'s interest (or, with ``compensation``, of its fixed compensation) in a letter in
    ``language`` (en, nl, de, fr): BE ``loi du 2 août 2002, art. 5`` in French, ``wet van 2 augustus 2002,
    art. 5`` in Dutch; English for another language."""
    names = (COMPENSATION_LAWS if compensation else LAWS)[country_code(country)]
    return names.get(str(language or "").lower(), names["en"])


FIXED_FOR_DEBT = frozenset({"GB"})
"""Countries whose rate is that of the half-year the debt became overdue, for the whole debt."""

EU_COMPENSATION_CENTS = 4000
UK_BANDS = ((100000, 4000), (1000000, 7000), (None, 10000))
"""(debt below this many pence, compensation in pence); the last band has no upper limit."""


# --- half-years ------------------------------------------------------------------------------

def half_year(day: dt.date) -> str:
    """``2025H2`` for any day from 1 July to 31 December 2025."""
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def half_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year(day: dt.date) -> dt.date:
    """The first day of the half-year after the one ``day`` is in."""
    return dt.date(day.year, 7, 1) if day.month <= 6 else dt.date(day.year + 1, 1, 1)


def parse_half_year(text: str) -> str:
    t = str(text).strip().upper()
    if len(t) != 6 or not t[:4].isdigit() or t[4] != "H" or t[5] not in "12":
        raise ValueError(f"a half-year looks like 2026H1 or 2026H2, not {text!r}")
    return t


def anniversary(start: dt.date, years: int = 1) -> dt.date:
    """``start`` plus whole years; 29 February goes to 1 March in a year without one."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 3, 1)


# --- the rate table --------------------------------------------------------------------------

@dataclass(frozen=True)
class RateRow:
    rate: Decimal
    source: str


def _rate(text: object) -> Decimal:
    try:
        d = Decimal(str(text).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise ValueError(f"not a rate in %: {text!r}") from None
    if not d.is_finite() or not Decimal(-10) <= d <= Decimal(50):
        raise ValueError(f"a rate in % between -10 and 50, like 2.15, not {text!r}")
    return d


def shipped_rows() -> dict[tuple[str, str], RateRow]:
    """The table shipped in the package: ``{(series, half_year): RateRow}``."""
    text = resources.files("ar_xl.engine").joinpath("data/late_payment_rates.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    out: dict[tuple[str, str], RateRow] = {}
    for rec in csv.DictReader(lines):
        out[(rec["series"], parse_half_year(rec["half_year"]))] = RateRow(_rate(rec["rate"]), rec["source"])
    return out


@dataclass(frozen=True)
class RateTable:
    rows: dict[tuple[str, str], RateRow]

    @classmethod
    def load(cls, overrides: dict[str, tuple[Decimal, str]] | None = None) -> "RateTable":
        """The shipped table, with ``overrides`` ``{"DE.2026H2": (Decimal("1.27"), "Config row 12")}``
        added or replacing shipped rows."""
        rows = dict(shipped_rows())
        for key, (value, origin) in (overrides or {}).items():
            series, _, period = key.partition(".")
            series = ALIASES.get(series.upper(), series.upper())
            if series not in SERIES:
                raise ValueError(f"rate.{key}: the series must be one of {', '.join(SERIES)} "
                                 "(FR and LU use ECB)")
            rows[(series, parse_half_year(period))] = RateRow(Decimal(value), origin)
        return cls(rows)

    def get(self, series: str, period: str) -> RateRow | None:
        return self.rows.get((series, period))


@dataclass(frozen=True)
class PeriodRate:
    rate: Decimal
    """The statutory rate charged, in % a year."""
    basis: str
    """How it was found, in words."""


def statutory_rate(rule: Rule, period: str, table: RateTable) -> PeriodRate | None:
    """The rate charged in ``period`` under ``rule``, or ``None`` when the table has no figure for it."""
    own = table.get(rule.series, period)
    if own is not None and rule.published_total:
        return PeriodRate(own.rate, f"{rule.country} {period}: {SERIES_NAMES[rule.series]} {_pct(own.rate)} "
                                    f"as published ({own.source})")
    ref_series = rule.fallback if rule.published_total else rule.series
    ref = table.get(ref_series, period)
    if ref is None:
        return None
    total = ref.rate + rule.margin
    how = f"{SERIES_NAMES[ref_series]} {_pct(ref.rate)} + {rule.margin}"
    if rule.round_up_half:
        rounded = _ceil_half(total)
        how += f" = {_pct(total)}, rounded up to the next half point" if rounded != total else ""
        total = rounded
    return PeriodRate(total, f"{rule.country} {period}: {how} = {_pct(total)} ({ref.source})")


def _ceil_half(d: Decimal) -> Decimal:
    doubled = d * 2
    whole = doubled.to_integral_value(rounding="ROUND_CEILING")
    return (whole / 2).quantize(Decimal("0.01"))


def _pct(d: Decimal) -> str:
    return f"{d.quantize(Decimal('0.01'))}%"


# --- the computation -------------------------------------------------------------------------

def round_half_away(x: Fraction) -> int:
    """The nearest integer; halves go away from zero."""
    n, r = divmod(abs(x.numerator), x.denominator)
    if 2 * r >= x.denominator:
        n += 1
    return n if x >= 0 else -n


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    """Both included."""
    days: int
    principal: int
    """cents the interest runs on (NL: including interest added at an anniversary)."""
    half_year: str
    rate: Decimal | None
    interest: int | None
    """cents, rounded for this period; ``None`` when the rate is missing."""
    basis: str


@dataclass(frozen=True)
class LateInterest:
    country: str
    currency: str
    amount: int
    due: dt.date
    until: dt.date
    days: int
    periods: tuple[Period, ...]
    interest: int | None
    """Total interest in cents (sum of the periods), ``None`` when a rate is missing."""
    compensation: int
    compensation_currency: str
    missing: tuple[str, ...] = ()
    """Half-years without a rate, e.g. ``("DE 2026H2",)``."""
    notes: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing

    def missing_text(self) -> str:
        return missing_rates_text(self.missing)


def missing_rates_text(missing) -> str:
    """What to do about half-years without a rate (``"DE 2026H2"``): the Config rows that would add them."""
    keys = []
    for m in missing:
        country, period = m.split()[0], m.split()[-1]
        rule = RULES[country]
        series = [rule.series] + ([rule.fallback] if rule.fallback else [])
        keys.append(" or ".join(f"rate.{s}.{period}" for s in series))
    return (f"no statutory rate for {', '.join(missing)} in the shipped table or Config; "
            f"add the published rate as a Config row ({'; '.join(keys)})")


def compensation(amount_cents: int, country: str, currency: str | None = None) -> tuple[int, str]:
    """The fixed compensation for one invoice: ``(cents, currency)``."""
    rule = RULES[country_code(country)]
    if rule.country != "GB":
        return EU_COMPENSATION_CENTS, "EUR"
    cur = (currency or "GBP").upper()
    if cur != "GBP":
        raise ValueError(f"UK compensation bands are in GBP (40 / 70 / 100); give the debt in GBP, not {cur}")
    for limit, pence in UK_BANDS:
        if limit is None or abs(amount_cents) < limit:
            return pence, "GBP"
    raise AssertionError("unreachable")


def country_code(country: object) -> str:
    c = str(country or "").strip().upper()
    c = ALIASES.get(c, c)
    if c not in RULES:
        raise ValueError(f"country must be one of {', '.join(COUNTRIES)} (or UK), not {country!r}")
    return c


def late_interest(amount_cents: int, due: dt.date, until: dt.date, country: str,
                  currency: str | None = None, table: RateTable | None = None) -> LateInterest:
    """Statutory interest and compensation on ``amount_cents`` overdue since ``due``, up to and
    including ``until`` (see the module docstring for the rule)."""
    rule = RULES[country_code(country)]
    if amount_cents < 0:
        raise ValueError("amount must be 0 or more (a credit note earns no late-payment interest)")
    table = table or RateTable.load()
    cur = (currency or rule.currency).upper()
    days = max((until - due).days, 0)
    if days == 0:
        return LateInterest(rule.country, cur, amount_cents, due, until, 0, (), 0, 0,
                            compensation(amount_cents, rule.country, cur)[1],
                            notes=("not overdue: until is on or before the due date",))
    comp, comp_cur = compensation(amount_cents, rule.country, cur)
    if amount_cents == 0:
        comp = 0  # nothing is owed late, so nothing to compensate
    first = due + dt.timedelta(days=1)
    fixed = statutory_rate(rule, half_year(first), table) if rule.country in FIXED_FOR_DEBT else None

    periods: list[Period] = []
    missing: list[str] = []
    principal = amount_cents
    year_interest: int | None = 0
    year_no = 1
    start = first
    while start <= until:
        cuts = [next_half_year(start) - dt.timedelta(days=1), until]
        if rule.compound_yearly:
            cuts.append(anniversary(first, year_no) - dt.timedelta(days=1))
        end = min(cuts)
        period = half_year(start)
        found = fixed if rule.country in FIXED_FOR_DEBT else statutory_rate(rule, period, table)
        n = (end - start).days + 1
        if found is None or principal is None:
            interest = None
            if found is None:
                name = f"{rule.country} {half_year(first) if rule.country in FIXED_FOR_DEBT else period}"
                if name not in missing:
                    missing.append(name)
            basis = f"{rule.country} {period}: no rate" if found is None else "principal unknown (earlier rate missing)"
        else:
            interest = round_half_away(Fraction(principal) * Fraction(found.rate) / 100 * n / 365)
            basis = found.basis
            if rule.country in FIXED_FOR_DEBT and period != half_year(first):
                basis = f"{basis}; fixed from {half_year(first)}, when the debt became overdue"
        periods.append(Period(start, end, n, principal, period, found.rate if found else None, interest, basis))
        year_interest = None if interest is None or year_interest is None else year_interest + interest
        start = end + dt.timedelta(days=1)
        if rule.compound_yearly and start == anniversary(first, year_no) and start <= until:
            principal = None if year_interest is None or principal is None else principal + year_interest
            year_interest, year_no = 0, year_no + 1

    total = None if missing else sum(p.interest for p in periods)
    notes = []
    if rule.compound_yearly and year_no > 1:
        notes.append(f"interest added to the principal after each full year ({year_no - 1} time(s))")
    return LateInterest(rule.country, cur, amount_cents, due, until, days, tuple(periods), total, comp, comp_cur,
                        tuple(missing), tuple(notes))


def accrued(amounts, dues, countries, until: dt.date, table: RateTable | None = None
            ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Statutory interest accrued up to and including ``until`` on many items at once, by the rule of
    ``late_interest`` (the same periods, rates and per-period rounding, so each item's figure equals
    ``late_interest(amount, due, until, country).interest``).

    ``amounts`` are cents, ``dues`` dates (NaT: no interest), ``countries`` codes (blank or unknown:
    no interest).  Returns ``(cents, known, missing)``: the interest per item (0 where none runs: not
    overdue, a credit note or zero amount, no country), whether it is known (False where a rate is
    missing: never guessed), and the half-years without a rate (``"DE 2026H2"``).  Items sharing a
    country and due date share their periods, so the cost grows with those pairs, not with the items;
    NL items overdue a full year or more (compounding) are computed one by one."""
    amt = np.asarray(amounts, dtype=np.int64)
    due = pd.to_datetime(pd.Series(dues)).dt.date.to_numpy(dtype=object)
    cty = np.array([ALIASES.get(str(c or "").strip().upper(), str(c or "").strip().upper()) for c in countries],
                   dtype=object)
    out = np.zeros(len(amt), dtype=np.int64)
    known = np.ones(len(amt), dtype=bool)
    missing: list[str] = []
    table = table or RateTable.load()
    live = np.array([c in RULES and isinstance(d, dt.date) and d < until for c, d in zip(cty, due)], dtype=bool)
    live &= amt > 0
    if not live.any():
        return out, known, ()
    idx = np.flatnonzero(live)
    groups = pd.DataFrame({"c": cty[idx], "d": due[idx], "i": idx}).groupby(["c", "d"], sort=False)["i"]
    for (country, day), rows in groups:
        rows = rows.to_numpy()
        shape = late_interest(1, day, until, country, table=table)  # the periods, for one cent
        missing += [m for m in shape.missing if m not in missing]
        if shape.missing:
            known[rows] = False
            continue
        if RULES[country].compound_yearly and until >= anniversary(day + dt.timedelta(days=1)):
            for r in rows:  # a year or more overdue: the principal grows, item by item
                out[r] = late_interest(int(amt[r]), day, until, country, table=table).interest or 0
            continue
        a = amt[rows].astype(object)  # Python integers: exact whatever the amount
        total = np.zeros(len(rows), dtype=object)
        for p in shape.periods:
            f = Fraction(p.rate) * p.days / 36500
            num, den = f.numerator, f.denominator
            total = total + (2 * a * num + den) // (2 * den)  # half away from zero (amounts are positive)
        out[rows] = total.astype(np.int64)
    return out, known, tuple(missing)

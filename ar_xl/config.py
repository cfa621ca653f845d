"""Settings the engine reads from the workbook's Config table.

The Config table is a list of ``setting | value | description`` rows.  FX rates
are rows named ``fx.CCY`` whose value is the number of base-currency units for
one unit of CCY (``fx.GBP = 1.1650`` with base EUR means 1 GBP = 1.165 EUR).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import pandas as pd

from . import dunning_settings, schema
from .errors import CellProblem, InputError
from .frames import row_numbers
from .money import parse_amount, parse_rate

DEFAULT_EDGES = (30, 60, 90, 120)

SHORT_PAY_REASON = "short payment / deduction"
UNEARNED_DISCOUNT_REASON = "unearned discount"

DEFAULT_REASONS: dict[str, tuple[str, int]] = {
    "price": ("Sales", 14),
    "quantity": ("Customer Service", 14),
    "damaged goods": ("Logistics", 14),
    "goods or service not received": ("Logistics", 10),
    "proof of delivery / CMR missing": ("Logistics", 7),
    "duplicate invoice": ("Finance", 7),
    "VAT/tax": ("Finance", 14),
    "not ordered": ("Sales", 14),
    SHORT_PAY_REASON: ("Customer Service", 14),
    UNEARNED_DISCOUNT_REASON: ("Customer Service", 14),
}
DEFAULT_REASONS_TEXT = "; ".join(f"{r}={o}:{d}" for r, (o, d) in DEFAULT_REASONS.items())


def parse_reasons(text: object) -> dict[str, tuple[str, int]]:
    """``"price=Sales:14; VAT/tax=Finance:14"`` to ``{reason: (owner, sla_days)}``."""
    s = "" if text is None else str(text).strip()
    if not s:
        return dict(DEFAULT_REASONS)
    out: dict[str, tuple[str, int]] = {}
    for part in s.split(";"):
        part = part.strip()
        if not part:
            continue
        reason, eq, rest = part.partition("=")
        owner, colon, days = rest.partition(":")
        reason, owner, days = reason.strip(), owner.strip(), days.strip()
        if not eq or not colon or not reason:
            raise ValueError(f"dispute reason {part!r} must look like 'reason=Owner:days', e.g. 'price=Sales:14'")
        match = [o for o in schema.DISPUTE_OWNERS if o.lower() == owner.lower()]
        if not match:
            raise ValueError(f"dispute reason {reason!r}: owner must be one of {', '.join(schema.DISPUTE_OWNERS)}, not {owner!r}")
        try:
            n = int(days)
        except ValueError:
            raise ValueError(f"dispute reason {reason!r}: SLA must be whole days, not {days!r}") from None
        if n < 0:
            raise ValueError(f"dispute reason {reason!r}: SLA days cannot be negative")
        if reason.lower() in (r.lower() for r in out):
            raise ValueError(f"dispute reason {reason!r} is listed twice")
        out[reason] = (match[0], n)
    if not out:
        return dict(DEFAULT_REASONS)
    return out


WORKLIST_DEFAULTS: dict[str, tuple[str, str]] = {
    "age_weights": ("1,1.5,2,3,4", "Worklist score per 1,000 base currency overdue, by overdue bucket (1-30, 31-60, ...; "
                    "the last weight serves the older buckets)"),
    "broken_promise": ("50", "Worklist score for each broken promise not yet followed by a contact"),
    "missed_installment": ("40", "Worklist score for each missed plan installment"),
    "dispute_past_sla": ("20", "Worklist score for each open dispute past its SLA date"),
    "over_limit": ("30", "Worklist score when the open balance exceeds Customers.credit_limit"),
    "next_action_due": ("25", "Worklist score when the next action date of the last contact has come"),
    "no_contact": ("15", "Worklist score when the customer was not contacted for no_contact_days"),
    "no_contact_days": ("10", "Days without contact after which the worklist says so and adds the no_contact score"),
    "reminder_days": ("1,31,61", "Days overdue of the oldest item at which the worklist suggests reminder level 1, 2, 3..."),
    "legal_days": ("120", "Days overdue of the oldest item at which the worklist suggests legal"),
}
"""The worklist's rules (``engine.worklist``), Config rows ``worklist.<name>``.  Users map to collectors
with rows ``user.<login>`` = collector name (the *My worklist* button)."""

# setting -> (default value as shown in Excel, description)
DEFAULTS: dict[str, tuple[str, str]] = {
    "base_currency": ("EUR", "Currency every report is converted to"),
    "aging_buckets": ("30,60,90,120", "Upper edges in days of the overdue buckets; gives current, 1-30, 31-60, 61-90, 91-120, 121+"),
    "aging_basis": ("due", "Age from the due date (due) or the invoice date (invoice)"),
    "match_tolerance_abs": ("5.00", "Largest short-pay (base currency) accepted as bank charges when matching"),
    "discount_terms": ("2 % 14 days", "Early-payment discount of the payment terms: rate and days from the invoice date "
                                     "(2/10 net 30, 2 % Skonto 14 Tage; empty: none). Customers.payment_terms overrides it"),
    "match_auto_threshold": ("0.90", "Lowest confidence at which a match is applied without review"),
    "promise_grace_days": ("3", "Days after the promised date a payment still keeps a promise"),
    "plan_grace_days": ("5", "Days after an installment's due date before it counts as missed"),
    "statement_max_mb": ("50", "Largest bank statement file (in MB) an import reads; a larger one is refused"),
    "dispute_reasons": (DEFAULT_REASONS_TEXT, "Dispute reasons as reason=Owner:SLA calendar days, separated by ;"),
    "backups_kept": ("10", "Earlier versions of the workbook kept in the ar-xl-backups folder beside it (0 keeps none)"),
    "fx_max_move": ("10", "Largest factor an FX rate may move between two runs before the action asks to confirm it "
                           "(ar-xl --confirm-fx; the ribbon: fx.confirm on the Parameters sheet)"),
    **{f"worklist.{k}": v for k, v in WORKLIST_DEFAULTS.items()},
    **dunning_settings.DEFAULTS,
    "credit_hold_days": ("60", "Days overdue past which a customer's credit hold is proposed (Customers.credit_status); "
                               "orders not yet invoiced count towards exposure with rows orders.<customer_id> = amount in base currency"),
    "writeoff.limit": ("0.00", "Write-offs up to this amount (base currency) are booked at once; larger ones wait for an "
                               "approver. Per user or role: rows writeoff.limit.<login or role>; roles: rows "
                               "writeoff.role.<login> = role"),
    "writeoff.approvers": ("", "Logins or roles (writeoff.role.<login>) that confirm write-offs above a limit, "
                               "separated by ;"),
    "forecast_half_life_days": ("90", "Cash forecast: a payment this many days old counts half as much as today's in a "
                                      "customer's median days late (weights halve every half-life; ar-xl forecast)"),
    "forecast_min_history": ("3", "Cash forecast: matched payments a customer needs for its own median days late; "
                                  "with fewer it gets the portfolio's"),
    "fx.EUR": ("1", "Base currency"),
    "fx.GBP": ("1.1650", "EUR per 1 GBP"),
    "fx.USD": ("0.9200", "EUR per 1 USD"),
    "fx.CHF": ("1.0550", "EUR per 1 CHF"),
}


@dataclass(frozen=True)
class Config:
    base_currency: str = "EUR"
    aging_buckets: tuple[int, ...] = DEFAULT_EDGES
    aging_basis: str = "due"
    fx: dict[str, Fraction] = field(default_factory=lambda: {
        k[3:]: parse_rate(v) for k, (v, _) in DEFAULTS.items() if k.startswith("fx.")})
    match_tolerance_abs: int = 500
    """cents"""
    discount_terms: "PaymentTerms" = field(default_factory=lambda: parse_terms("2 % 14 days"))
    """The early-payment discount a payment may deduct when it is earned (Customers.payment_terms overrides it)."""
    match_auto_threshold: float = 0.90
    promise_grace_days: int = 3
    plan_grace_days: int = 5
    statement_max_mb: int = 50
    """Largest statement file an import reads (MB); camt is streamed, but no bank sends a month this large."""
    dispute_reasons: dict[str, tuple[str, int]] = field(default_factory=lambda: dict(DEFAULT_REASONS))
    backups_kept: int = 10
    """earlier versions of the workbook file kept beside it"""
    worklist: "WorklistRules" = field(default_factory=lambda: WorklistRules())
    extra: dict[str, str] = field(default_factory=dict)
    fx_max_move: Fraction = Fraction(10)
    """A rate more than this many times (up or down) the one the last run used asks for confirmation."""
    fx_origin: dict[str, str] = field(default_factory=lambda: {
        k[3:]: BUILT_IN_NO_TABLE for k in DEFAULTS if k.startswith("fx.")})
    """Where each FX rate came from: 'from Config row N' or 'built-in: ...' (``fx_source``)."""
    credit_hold_days: int = 60
    """An open, undisputed item more than this many days past due proposes a credit hold (``engine.credit``)."""
    orders: dict[str, int] = field(default_factory=dict)
    """Config rows ``orders.<customer_id>`` = amount in base currency (cents here): orders taken but not yet
    invoiced, counted in the customer's credit exposure (``engine.credit``)."""
    late_rates: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    """Config rows ``rate.<SERIES>.<YYYY>H<1|2>`` (e.g. ``rate.DE.2026H2 = 1.27``): reference rates for
    late-payment interest that add to or override the shipped table (``engine.interest``), as
    ``{"DE.2026H2": (Decimal("1.27"), "Config row 12")}``."""
    forecast_half_life_days: int = 90
    """Cash forecast: the age in days at which a matched payment weighs half (``engine.forecast``)."""
    forecast_min_history: int = 3
    """Cash forecast: matched payments a customer needs for its own behaviour; fewer gives the portfolio's."""
    dunning: dunning_settings.Dunning = field(default_factory=dunning_settings.Dunning.default)
    """Reminder levels, minimum, fallback language, letterhead (``dunning_settings``)."""
    writeoffs: "WriteOffRules" = field(default_factory=lambda: WriteOffRules())
    """Who may book a write-off at once and who approves the larger ones (``WriteOffRules``)."""

    def fx_source(self, currency: str) -> str:
        """Where the rate of ``currency`` came from, in words."""
        return self.fx_origin.get(str(currency).upper(), "from Config")

    def with_(self, **kw) -> "Config":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})

    def rate(self, currency: str) -> Fraction:
        cur = str(currency).upper()
        if cur == self.base_currency:
            return Fraction(1)
        if cur not in self.fx:
            raise KeyError(cur)
        return self.fx[cur]


BUILT_IN_NO_TABLE = "built-in: no Config table"


def parse_edges(value: object) -> tuple[int, ...]:
    """Bucket edges such as ``30,60,90,120``: strictly increasing whole days > 0."""
    if isinstance(value, (list, tuple)):
        parts = [str(p) for p in value]
    else:
        parts = [p for p in str(value).replace(";", ",").split(",") if p.strip()]
    try:
        whole = [float(p.strip()) for p in parts]
        if not all(f.is_integer() for f in whole):
            raise ValueError
        edges = tuple(int(f) for f in whole)
    except ValueError:
        raise ValueError(f"bucket edges must be whole days like 30,60,90,120, not {value!r}") from None
    if not edges or any(e <= 0 for e in edges) or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"bucket edges must be increasing whole days above 0, like 30,60,90,120, not {value!r}")
    return edges


def parse_basis(value: object) -> str:
    v = str(value).strip().lower()
    if v not in ("due", "invoice"):
        raise ValueError(f"aging basis must be 'due' or 'invoice', not {value!r}")
    return v


def default_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [(k, v, d) for k, (v, d) in DEFAULTS.items()], columns=["setting", "value", "description"]
    )


def from_rows(rows: pd.DataFrame | None, source: str = "Config") -> Config:
    """Build a Config from ``setting``/``value`` rows; unknown settings are kept in ``extra``."""
    values = {k: v for k, (v, _) in DEFAULTS.items()}
    fx_keys = {k for k in values if k.startswith("fx.")}
    row_of: dict[str, int] = {}
    problems: list[CellProblem] = []
    if rows is not None and len(rows):
        srows = row_numbers(rows)
        for i, (k, v) in enumerate(zip(rows["setting"], rows["value"])):
            key = str(k).strip()
            if not key:
                continue
            if key.lower().startswith("fx."):
                key = "fx." + key[3:].strip().upper()
            elif key.lower().startswith("rate."):
                key = "rate." + key[5:].strip().upper()
            row = int(srows[i]) if srows is not None else i + 2
            if key in row_of:  # fx.gbp and fx.GBP: which one would win is anyone's guess
                problems.append(CellProblem(source, row, "setting", f"{key} is also on row {row_of[key]}; "
                                                                    "each setting may be on one row only"))
                continue
            values[key] = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
            row_of[key] = row

    def get(key, fn):
        try:
            return fn(values[key])
        except (ValueError, TypeError) as e:
            problems.append(CellProblem(source, row_of.get(key), "value", f"{key}: {e}"))
            return None

    base = str(values["base_currency"]).strip().upper() or "EUR"
    fx = {base: Fraction(1)}
    for key, v in values.items():
        if key.startswith("fx.") and str(v).strip():
            cur = key[3:]
            r = get(key, parse_rate)
            if r is not None:
                fx[cur] = r
    origin = {cur: (f"from Config row {row_of['fx.' + cur]}" if "fx." + cur in row_of else
                    BUILT_IN_NO_TABLE if rows is None else f"built-in: no fx.{cur} row in Config")
              for cur in fx}
    if fx.get(base) != 1:
        problems.append(CellProblem(source, row_of.get("fx." + base), "value", f"fx.{base} is the base currency and must be 1"))
    late_rates = {}
    for key in [k for k in values if k.startswith("rate.")]:
        r = get(key, lambda v, key=key: parse_late_rate(key, v))
        if r is not None:
            late_rates[key[5:]] = (r, f"{source} row {row_of[key]}" if key in row_of else source)

    def val(key, fn, default):  # the default stands in only where the value was bad (already reported)
        v = get(key, fn)
        return default if v is None else v

    cfg = Config(
        base_currency=base,
        aging_buckets=val("aging_buckets", parse_edges, DEFAULT_EDGES),
        aging_basis=val("aging_basis", parse_basis, "due"),
        fx=fx,
        match_tolerance_abs=val("match_tolerance_abs", parse_amount, 0),
        discount_terms=_legacy_terms(values, row_of, get) or val("discount_terms", parse_terms, PaymentTerms()),
        match_auto_threshold=val("match_auto_threshold", _threshold, 0.9),
        promise_grace_days=val("promise_grace_days", _int, 0),
        plan_grace_days=val("plan_grace_days", _int, 0),
        statement_max_mb=val("statement_max_mb", _megabytes, 50),
        dispute_reasons=val("dispute_reasons", parse_reasons, dict(DEFAULT_REASONS)),
        backups_kept=val("backups_kept", _count, 10),
        fx_max_move=val("fx_max_move", _factor, Fraction(10)),
        fx_origin=origin,
        late_rates=late_rates,
        worklist=parse_worklist(get),
        dunning=dunning_settings.from_values(values, get),
        credit_hold_days=val("credit_hold_days", _count, 60),
        forecast_half_life_days=val("forecast_half_life_days", _half_life, 90),
        forecast_min_history=val("forecast_min_history", _count, 3),
        orders={k[7:].strip(): a for k in values if k.lower().startswith("orders.") and k[7:].strip()
                and str(values[k]).strip() and (a := get(k, parse_amount)) is not None},
        writeoffs=parse_writeoffs(values, get),
        extra={k: v for k, v in values.items() if k not in DEFAULTS and k not in fx_keys and not k.startswith("fx.")
               and not k.startswith("rate.") and not k.lower().startswith("orders.")
               and not k.lower().startswith("writeoff.")},
    )
    if problems:
        raise InputError(problems)
    return cfg


LATE_RATE_SERIES = ("ECB", "DE", "NL", "BE", "GB", "UK")


def parse_late_rate(key: str, v: object) -> Decimal:
    """A ``rate.<SERIES>.<YYYY>H<1|2>`` row: a rate in % a year (may be negative: DE -0.88)."""
    series, _, period = key[5:].partition(".")
    if series not in LATE_RATE_SERIES or not re.fullmatch(r"(19|20)\d\dH[12]", period):
        raise ValueError("a late-payment rate row is named rate.<ECB|DE|NL|BE|GB>.<year>H<1|2>, "
                         "e.g. rate.DE.2026H2 (FR and LU use ECB)")
    text = str(v).strip().replace(",", ".").rstrip("%").strip()
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a rate in %: {v!r}") from None
    if not d.is_finite() or not -10 <= d <= 50:
        raise ValueError(f"a rate in % between -10 and 50, like 1.27, not {v!r}")
    return d


_ZERO = Fraction(0)


@dataclass(frozen=True)
class PaymentTerms:
    """Payment terms as far as cash application needs them: the early-payment discount tiers
    ``((days, rate %), ...)`` counted from the invoice date, and the net days when given."""

    tiers: tuple[tuple[int, Fraction], ...] = ()
    net_days: int | None = None
    text: str = ""

    def earned_rate(self, days_after_invoice: int | None) -> Fraction:
        """The discount rate (%) a payment that many days after the invoice date has earned (0: none)."""
        if days_after_invoice is None:
            return _ZERO
        return max((r for d, r in self.tiers if days_after_invoice <= d), default=_ZERO)

    @functools.cached_property
    def max_rate(self) -> Fraction:
        """The largest discount rate (%) of the terms, earned or not."""
        return max((r for _, r in self.tiers), default=Fraction(0))

    def describe(self) -> str:
        return ", ".join(f"{_pct_text(r)} % {d} days" for d, r in self.tiers) or "no discount"


def _pct_text(r: Fraction) -> str:
    return str(int(r)) if r.denominator == 1 else f"{float(r):g}"


_NUM = r"(\d{1,3}(?:[.,]\d{1,3})?)"
_DAYS_WORD = r"(?:tage|tagen|tg|days?|dagen|dg|jours?|j|d)\b"
_TERMS_SLASH = re.compile(r"(?<![a-z/\d.,])" + _NUM + r"\s*%?\s*/\s*(\d{1,3})\b(?!\s*%)")
_TERMS_RATE_DAYS = re.compile(_NUM + r"\s*%\s*(?:[a-zäöüéè.]+\s+){0,3}?(?:(?:binnen|within|innerhalb|sous|bei zahlung)\s+)?(?:von\s+)?(\d{1,3})\s*" + _DAYS_WORD)
_TERMS_DAYS_RATE = re.compile(r"(\d{1,3})\s*" + _DAYS_WORD + r"\s*(?:[a-zäöüéè.:]+\s+){0,2}?" + _NUM + r"\s*%")
_TERMS_NET = re.compile(r"(?:\bnet(?:to|t)?\b|\bn)\s*/?\s*(\d{1,3})\b|(\d{1,3})\s*" + _DAYS_WORD + r"\s*(?:rein\s+)?net(?:to|t)?\b")


def parse_terms(text: object) -> PaymentTerms:
    """Payment terms text to ``PaymentTerms``: ``2/10 net 30``, ``2/10 n/30``, ``2 % Skonto 14 Tage``,
    ``14 Tage 2 % Skonto, 30 Tage netto``, ``3 % 8 days, 2 % 14 days``, ``2% 10 dagen``, ``net 30`` (no
    discount); empty means no discount.  Raises ``ValueError`` when no terms can be read."""
    s = "" if text is None or (isinstance(text, float) and text != text) else str(text).strip()
    if not s:
        return PaymentTerms()
    low = s.lower()
    tiers: dict[int, Fraction] = {}
    net = None
    for m in _TERMS_NET.finditer(low):
        net = int(m.group(1) or m.group(2))
    rest = _TERMS_NET.sub(" ", low)
    found = [(m.group(1), m.group(2)) for m in _TERMS_SLASH.finditer(rest)]
    found += [(m.group(1), m.group(2)) for m in _TERMS_RATE_DAYS.finditer(rest)]
    found += [(m.group(2), m.group(1)) for m in _TERMS_DAYS_RATE.finditer(rest)]
    for rate_t, days_t in found:
        rate = Fraction(Decimal(rate_t.replace(",", ".")))
        if not 0 < rate < 100:
            raise ValueError(f"payment terms {s!r}: a discount rate must be above 0 and below 100 %")
        days = int(days_t)
        tiers[days] = max(tiers.get(days, Fraction(0)), rate)
    if not tiers and net is None:
        raise ValueError(f"payment terms {s!r} cannot be read; write them like '2/10 net 30', "
                         "'2 % Skonto 14 Tage' or 'net 30' (empty: no discount)")
    return PaymentTerms(tuple(sorted(tiers.items())), net, s)


def _legacy_terms(values: dict, row_of: dict, get) -> PaymentTerms | None:
    """A workbook from before ``discount_terms`` with a ``match_tolerance_pct`` row: that rate, earned for
    14 days from the invoice date (0: no discount)."""
    if "discount_terms" in row_of or "match_tolerance_pct" not in row_of:
        return None
    pct = get("match_tolerance_pct", parse_rate_or_zero)
    if pct is None:
        return None
    return PaymentTerms(((14, pct),) if pct else (), None, f"match_tolerance_pct {values['match_tolerance_pct']}")


def parse_rate_or_zero(v: object) -> Fraction:
    if str(v).strip() in ("", "0", "0.0"):
        return Fraction(0)
    return parse_rate(v)


def _int(v: object) -> int:
    """A whole number of days, 0 or more."""
    f = float(str(v).strip().replace(",", "."))
    if not f.is_integer() or f < 0:
        raise ValueError(f"must be a whole number of days, 0 or more, not {v!r}")
    return int(f)


def _count(v: object) -> int:
    """A whole number, 0 or more."""
    f = float(str(v).strip().replace(",", ".") or "nan")
    if not f.is_integer() or f < 0:
        raise ValueError(f"must be a whole number, 0 or more, not {v!r}")
    return int(f)


def _half_life(v: object) -> int:
    """A whole number of days, 1 or more."""
    f = float(str(v).strip().replace(",", ".") or "nan")
    if not f.is_integer() or f < 1:
        raise ValueError(f"must be a whole number of days, 1 or more, like 90, not {v!r}")
    return int(f)


def _factor(v: object) -> Fraction:
    f = parse_rate(v)
    if f <= 1:
        raise ValueError(f"must be a factor above 1, like 10, not {v!r}")
    return f


def _megabytes(v: object) -> int:
    """A whole number of megabytes, 1 or more."""
    f = float(str(v).strip().replace(",", "."))
    if not f.is_integer() or f < 1:
        raise ValueError(f"must be a whole number of megabytes, 1 or more, not {v!r}")
    return int(f)


def _threshold(v: object) -> float:
    f = float(str(v).strip().replace(",", "."))
    if not 0 < f <= 1:
        raise ValueError(f"must be a confidence above 0 and at most 1, like 0.90, not {v!r}")
    return f


@dataclass(frozen=True)
class WorklistRules:
    """Weights and thresholds of the worklist (Config rows ``worklist.<name>``; rules in ``engine.worklist``)."""

    age_weights: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0)
    """score per 1,000 base currency overdue, by overdue bucket; the last weight serves older buckets"""
    broken_promise: float = 50.0
    missed_installment: float = 40.0
    dispute_past_sla: float = 20.0
    over_limit: float = 30.0
    next_action_due: float = 25.0
    no_contact: float = 15.0
    no_contact_days: int = 10
    reminder_days: tuple[int, ...] = (1, 31, 61)
    """days overdue of the oldest item at which reminder level 1, 2, 3 ... is suggested"""
    legal_days: int = 120


def _weights(v: object) -> tuple[float, ...]:
    """Numbers 0 or more separated by ',' or ';' (``1,1.5,2,3,4``)."""
    try:
        out = tuple(float(p) for p in str(v).replace(";", ",").split(",") if p.strip())
    except ValueError:
        raise ValueError(f"must be numbers separated by commas, like 1,1.5,2,3,4, not {v!r}") from None
    if not out or any(w < 0 or w != w for w in out):
        raise ValueError(f"must be numbers 0 or more separated by commas, like 1,1.5,2,3,4, not {v!r}")
    return out


def _points(v: object) -> float:
    """A score weight, a number 0 or more."""
    f = float(str(v).strip().replace(",", "."))
    if f < 0 or f != f:
        raise ValueError(f"must be a number 0 or more, not {v!r}")
    return f


def _days_list(v: object) -> tuple[int, ...]:
    """Increasing whole days above 0 (``1,31,61``)."""
    try:
        whole = [float(p) for p in str(v).replace(";", ",").split(",") if p.strip()]
    except ValueError:
        whole = []
    if not whole or any(not f.is_integer() or f < 1 for f in whole) or any(b <= a for a, b in zip(whole, whole[1:])):
        raise ValueError(f"must be increasing whole days above 0, like 1,31,61, not {v!r}")
    return tuple(int(f) for f in whole)


def parse_worklist(get) -> WorklistRules:
    """The ``worklist.*`` rows through ``get(key, parser)`` (a bad value is reported and its default used)."""
    d = WorklistRules()
    parsers = {"age_weights": _weights, "no_contact_days": _int, "legal_days": _int, "reminder_days": _days_list}
    kw = {}
    for name in WORKLIST_DEFAULTS:
        v = get(f"worklist.{name}", parsers.get(name, _points))
        kw[name] = getattr(d, name) if v is None else v
    return WorklistRules(**kw)


@dataclass(frozen=True)
class WriteOffRules:
    """Write-off approval (Config rows ``writeoff.*``; the rules are in ``engine.writeoffs``).

    * ``writeoff.limit`` is everyone's limit in base currency (default 0.00: every write-off waits for an approver);
    * ``writeoff.limit.<name>`` is the limit of a login or of a role; a login's own row wins over its role's;
    * ``writeoff.role.<login>`` gives a login its role (``team lead``, ``controller``...);
    * ``writeoff.approvers`` lists the logins or roles, separated by ``;``, that confirm write-offs above a limit.

    Logins and roles are compared ignoring case and surrounding spaces."""

    default_limit: int = 0
    """cents, base currency"""
    limits: dict[str, tuple[int, str]] = field(default_factory=dict)
    """lower-cased login or role -> (limit in cents, the Config setting it came from)"""
    roles: dict[str, str] = field(default_factory=dict)
    """lower-cased login -> role as typed"""
    approvers: tuple[str, ...] = ()

    def role_of(self, user: str) -> str:
        return self.roles.get(str(user or "").strip().lower(), "")

    def limit_of(self, user: str) -> tuple[int, str]:
        """(limit in cents, where it comes from in words) of ``user``: their own row, their role's, the default."""
        login = str(user or "").strip().lower()
        if login in self.limits:
            return self.limits[login]
        role = self.role_of(login).lower()
        if role and role in self.limits:
            return self.limits[role]
        return self.default_limit, "writeoff.limit"

    def is_approver(self, user: str) -> bool:
        names = {a.lower() for a in self.approvers}
        login = str(user or "").strip().lower()
        return bool(login) and (login in names or (self.role_of(login).lower() in names and self.role_of(login) != ""))


def parse_writeoffs(values: dict[str, str], get) -> WriteOffRules:
    """The ``writeoff.*`` rows of ``values`` through ``get(key, parser)`` (a bad amount is reported by ``get``)."""
    def limit(v: object) -> int:
        cents = parse_amount(v)
        if cents < 0:
            raise ValueError(f"a write-off limit cannot be negative: {v!r}")
        return cents

    default = get("writeoff.limit", limit) if str(values.get("writeoff.limit", "")).strip() else 0
    limits: dict[str, tuple[int, str]] = {}
    roles: dict[str, str] = {}
    for key, v in values.items():
        low = key.lower()
        if low.startswith("writeoff.limit.") and key[15:].strip() and str(v).strip():
            cents = get(key, limit)
            if cents is not None:
                limits[key[15:].strip().lower()] = (cents, key)
        elif low.startswith("writeoff.role.") and key[14:].strip() and str(v).strip():
            roles[key[14:].strip().lower()] = str(v).strip()
    approvers = tuple(a.strip() for a in str(values.get("writeoff.approvers", "") or "").replace(",", ";").split(";")
                      if a.strip())
    return WriteOffRules(default_limit=default or 0, limits=limits, roles=roles, approvers=approvers)

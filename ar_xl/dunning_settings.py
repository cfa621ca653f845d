"""The dunning (reminder) settings of the Config table, parsed and checked.

Config rows
-----------
``dunning.level1`` .. ``dunning.level9``
    One row per level, ``days=7; gap=14; fee=0.00; interest=no; compensation=no; tone=friendly``:

    * ``days``: an item is due for this level once it is at least this many days past its due date;
    * ``gap``: days that must have passed since the item's previous reminder (the level below) before
      this level fires; it is also the level's *interval*: one customer is not sent the same level twice
      within ``gap`` days;
    * ``fee``: a reminder fee in the base currency added to the letter (0 for none);
    * ``interest``: ``yes`` claims late-payment interest on each item (``dunning.interest_rate``);
    * ``compensation``: ``yes`` claims the fixed compensation per invoice the law of the customer's country
      gives (``engine.interest.compensation``: EUR 40, UK GBP 40 / 70 / 100 by debt size), else
      ``dunning.compensation``;
    * ``tone``: ``friendly`` (friendly reminder), ``second`` (second reminder), ``final`` (final notice:
      ingebrekestelling / letzte Mahnung / mise en demeure) or ``handover`` (to collection / legal).

    Levels are numbered from 1 without holes; their ``days`` increase.  An empty value switches a
    level (and every level above it) off.
``dunning.min_amount``   the smallest total (base currency) worth a reminder.
``dunning.language``     the language of customers whose Customers.language is empty or unknown.
``dunning.interest_rate`` an explicit flat annual interest in % claimed by levels with ``interest=yes``
    (simple, 365-day year, from the day after the due date to the as-of date) instead of the statutory
    rate; empty (the default): the statutory rate of the customer's country (``engine.interest``).
``dunning.interest_country`` the country whose statutory rate applies to a customer without
    Customers.country (NL, BE, DE, FR, LU, GB); empty: such customers are claimed no interest (and the
    reminder says so).
``dunning.compensation`` the fixed compensation per invoice (base currency) claimed by levels with
    ``compensation=yes`` from customers whose country has no statutory rule (the others: what their law
    gives, ``engine.dunning``).
``dunning.templates``    a folder whose files replace the built-in templates of the same name
    (``ar_xl/letters/templates``: ``<tone>_<language>.txt`` or ``level<N>_<language>.txt`` for reminders,
    ``statement_<language>.txt`` and ``statement_payment_<language>.txt`` for statements of account).
``company.*``            the letterhead: name, address (lines separated by ``;``), email, phone, iban, bic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .money import parse_amount

TONES = ("friendly", "second", "final", "handover")
LANGUAGES = ("en", "nl", "de", "fr")
MAX_LEVELS = 9

DEFAULT_LEVELS = {
    1: "days=7; gap=14; fee=0.00; interest=no; compensation=no; tone=friendly",
    2: "days=21; gap=14; fee=0.00; interest=no; compensation=no; tone=second",
    3: "days=35; gap=14; fee=0.00; interest=yes; compensation=yes; tone=final",
    4: "days=60; gap=14; fee=0.00; interest=yes; compensation=yes; tone=handover",
}

DEFAULTS: dict[str, tuple[str, str]] = {
    **{f"dunning.level{n}": (v, f"Reminder level {n}: days overdue; gap days since level {n - 1}"
                            f"{'' if n > 1 else ' (and between two level-1 letters)'}; fee; interest and "
                            "compensation claimed (yes/no); tone friendly/second/final/handover")
       for n, v in DEFAULT_LEVELS.items()},
    "dunning.min_amount": ("25.00", "Smallest reminder total (base currency); smaller ones are not sent"),
    "dunning.language": ("en", "Language of customers without a Customers.language (en, nl, de, fr)"),
    "dunning.interest_rate": ("", "Flat annual late-payment interest in % for levels with interest=yes, replacing the "
                                  "statutory rate; empty: the statutory rate of the customer's country"),
    "dunning.interest_country": ("", "Country of the statutory interest rate for customers without Customers.country "
                                     "(NL, BE, DE, FR, LU, GB); empty: no interest for them"),
    "dunning.compensation": ("40.00", "Fixed compensation per invoice (base currency) for levels with "
                                     "compensation=yes, for customers whose country has no statutory rule "
                                     "(the others: their law)"),
    "dunning.templates": ("", "Folder with letter templates (<tone>_<lang>.txt, statement_<lang>.txt...) replacing the built-in ones"),
    "company.name": ("Your Company B.V.", "Letterhead: company name"),
    "company.address": ("Street 1; 1000 AA City; Country", "Letterhead: address lines separated by ;"),
    "company.email": ("ar@example.com", "Letterhead and sender of reminder e-mails"),
    "company.phone": ("", "Letterhead: phone"),
    "company.iban": ("", "Bank account for payment shown on reminders and statements of account"),
    "company.bic": ("", "BIC of that account"),
}


@dataclass(frozen=True)
class Level:
    number: int
    days: int
    gap: int
    fee: int
    """cents, base currency"""
    interest: bool
    compensation: bool
    tone: str


@dataclass(frozen=True)
class Dunning:
    levels: tuple[Level, ...] = ()
    min_amount: int = 2500
    language: str = "en"
    interest_rate: Decimal | None = None
    """annual, as a fraction (0.1015 for 10.15 %); None: the statutory rate (``engine.interest``)"""
    interest_country: str = ""
    """the statutory rule for customers without a country (upper case); blank: none"""
    compensation: int = 4000
    templates: str = ""
    company: dict[str, str] = field(default_factory=dict)

    def level(self, n: int) -> Level:
        for lv in self.levels:
            if lv.number == n:
                return lv
        raise ValueError(f"there is no reminder level {n}; Config defines levels "
                         f"{', '.join(str(lv.number) for lv in self.levels) or '(none)'}")

    @classmethod
    def default(cls) -> "Dunning":
        return from_values({k: v for k, (v, _) in DEFAULTS.items()}, lambda key, fn: fn(DEFAULTS[key][0]))


def _yes(v: str, what: str) -> bool:
    s = v.strip().lower()
    if s in ("yes", "y", "true", "1", "ja", "oui"):
        return True
    if s in ("no", "n", "false", "0", "nee", "nein", "non", ""):
        return False
    raise ValueError(f"{what} must be yes or no, not {v!r}")


def _days(v: str, what: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", v):
        raise ValueError(f"{what} must be whole days, 0 or more, not {v!r}")
    return int(v)


def parse_level(n: int, text: str) -> Level:
    """``days=7; gap=14; fee=0; interest=no; compensation=no; tone=friendly`` as a Level."""
    parts: dict[str, str] = {}
    for part in str(text).split(";"):
        if not part.strip():
            continue
        k, eq, v = part.partition("=")
        k = k.strip().lower()
        if not eq or k not in ("days", "gap", "fee", "interest", "compensation", "tone"):
            raise ValueError(f"{part.strip()!r} is not one of days=, gap=, fee=, interest=, compensation=, tone= "
                             "(e.g. 'days=7; gap=14; fee=0; interest=no; compensation=no; tone=friendly')")
        parts[k] = v.strip()
    if "days" not in parts:
        raise ValueError("days= is needed (the days overdue at which the level fires)")
    tone = parts.get("tone", "friendly").lower()
    if tone not in TONES:
        raise ValueError(f"tone must be one of {', '.join(TONES)}, not {parts['tone']!r}")
    fee = parse_amount(parts.get("fee") or "0")
    if fee < 0:
        raise ValueError("fee cannot be negative")
    return Level(n, _days(parts["days"], "days"), _days(parts.get("gap", "0"), "gap"), fee,
                 _yes(parts.get("interest", "no"), "interest"), _yes(parts.get("compensation", "no"), "compensation"),
                 tone)


def _rate(v: str) -> Decimal | None:
    s = str(v).strip().rstrip("%").strip().replace(",", ".")
    if not s:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"must be a percentage like 10.15, not {v!r}") from None
    if not d.is_finite() or d < 0 or d > 100:
        raise ValueError(f"must be a percentage between 0 and 100, not {v!r}")
    return d / 100


def _language(v: str) -> str:
    s = str(v).strip().lower() or "en"
    if s not in LANGUAGES:
        raise ValueError(f"must be one of {', '.join(LANGUAGES)}, not {v!r}")
    return s


COUNTRIES = ("NL", "BE", "DE", "FR", "LU", "GB", "UK")
"""The countries with a statutory late-payment rule (``engine.interest.RULES``, UK as GB)."""


def _country(v: str) -> str:
    s = str(v or "").strip().upper()
    if s and s not in COUNTRIES:
        raise ValueError(f"must be one of {', '.join(COUNTRIES[:-1])} (or UK), or empty, not {v!r}")
    return "GB" if s == "UK" else s


def _money(v: str) -> int:
    c = parse_amount(str(v).strip() or "0")
    if c < 0:
        raise ValueError("cannot be negative")
    return c


def from_values(values: dict[str, str], get) -> Dunning:
    """The Dunning settings from Config ``values``; ``get(key, parser)`` parses one value and reports a
    bad one (returning None), so every bad row is named together."""
    levels: list[Level] = []
    for n in range(1, MAX_LEVELS + 1):
        text = str(values.get(f"dunning.level{n}", "") or "").strip()
        if not text:
            break
        lv = get(f"dunning.level{n}", lambda v, n=n: parse_level(n, v))
        if lv is None:
            continue
        if levels and lv.days <= levels[-1].days:
            get(f"dunning.level{n}", lambda v, n=n, d=levels[-1].days: _refuse(
                f"days must be more than level {n - 1}'s {d}"))
            continue
        levels.append(lv)
    company = {k[len("company."):]: str(v or "").strip() for k, v in values.items() if k.startswith("company.")}
    return Dunning(
        levels=tuple(levels),
        min_amount=_or(get("dunning.min_amount", _money), 0),
        language=_or(get("dunning.language", _language), "en"),
        interest_rate=get("dunning.interest_rate", _rate) if str(values.get("dunning.interest_rate", "")).strip() else None,
        interest_country=_or(get("dunning.interest_country", _country), ""),
        compensation=_or(get("dunning.compensation", _money), 0),
        templates=str(values.get("dunning.templates", "") or "").strip(),
        company=company,
    )


def _refuse(message: str):
    raise ValueError(message)


def _or(v, default):
    return default if v is None else v

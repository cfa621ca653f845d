"""Which FX rates an action converted with, where they came from, and rates that jumped.

The rules
---------
* An action that converts amounts to the base currency (Refresh aging, Refresh dashboard, ``ar-xl
  age``) says in its summary which rate it used for each currency it converted and where the rate
  came from: ``1 GBP = 1.165 EUR (from Config row 12)``, or ``(built-in: no fx.GBP row in Config)``
  / ``(built-in: no Config table)`` when the workbook's Config does not give it.  The Dashboard
  repeats this line in its notes.
* **The rates used are remembered in Audit**, the workbook's append-only log: a row ``table
  Config, key fx.GBP, column "rate used (EUR)", old → new`` each time a converting action uses a
  rate other than the one the last run used (the first run logs every rate it uses).  Audit lives in
  the workbook, travels with it, is never rewritten by an action and shows a person when a rate
  changed; no hidden sheet or side file is needed.  A rate column per base currency keeps a change of
  base currency from comparing EUR and GBP rates.
* **A rate that moved more than Config ``fx_max_move`` times** (default 10, up or down) since the
  rate last used stops the action (``FxRateMoved``): such a jump is almost always a typo (23.3 for
  1.165, or a rate typed the wrong way round).  Nothing is written.  When the rate is right the
  person confirms it (``--confirm-fx``, or ``fx.confirm = yes`` on the ribbon's Parameters sheet);
  the run then logs it as the new last rate.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from .config import Config
from .errors import ArXlError

AUDIT_TABLE = "Config"


def column(base: str) -> str:
    """The Audit column that holds the rates used against ``base``."""
    return f"rate used ({base})"


def rate_text(rate: Fraction) -> str:
    """``Fraction(233, 200)`` -> ``'1.165'`` (exact; at most 10 decimals shown)."""
    d = Decimal(rate.numerator) / Decimal(rate.denominator)
    text = f"{d.quantize(Decimal('1e-10')).normalize():f}"
    return text


@dataclass(frozen=True)
class Used:
    currency: str
    rate: Fraction
    source: str


def used(cfg: Config, *currencies) -> list[Used]:
    """The rates converting the given currencies (series or lists of codes) need, sorted by currency;
    the base currency and currencies without a rate (refused elsewhere) are left out."""
    seen: set[str] = set()
    for series in currencies:
        if series is None:
            continue
        for c in pd.Series(series, dtype=object).dropna().astype(str).str.strip().str.upper().unique():
            if c:
                seen.add(c)
    out = []
    for c in sorted(seen - {cfg.base_currency}):
        if c in cfg.fx:
            out.append(Used(c, cfg.fx[c], cfg.fx_source(c)))
    return out


def note(cfg: Config, uses: list[Used]) -> str:
    """``'FX rates used: 1 GBP = 1.165 EUR (from Config row 12), ...'``; '' when nothing was converted."""
    if not uses:
        return ""
    return "FX rates used: " + ", ".join(
        f"1 {u.currency} = {rate_text(u.rate)} {cfg.base_currency} ({u.source})" for u in uses)


def last_used(audit: pd.DataFrame | None, base: str) -> dict[str, Fraction]:
    """The rate each currency was last converted with against ``base``, from the Audit rows."""
    out: dict[str, Fraction] = {}
    if audit is None or not len(audit) or "column" not in audit.columns:
        return out
    rows = audit[(audit["table"].astype(str) == AUDIT_TABLE) & (audit["column"].astype(str) == column(base))]
    for key, value in zip(rows["key"].astype(str), rows["new_value"].astype(str)):
        if not key.startswith("fx."):
            continue
        try:
            out[key[3:]] = Fraction(Decimal(value.strip()))
        except (ArithmeticError, ValueError):
            continue  # a person edited the log; that rate is simply not compared
    return out


class FxRateMoved(ArXlError):
    """A rate moved more than ``fx_max_move`` times since the last run; nothing was changed."""


def _times(ratio: Fraction) -> str:
    return f"{Decimal(ratio.numerator) / Decimal(ratio.denominator):.2f}".rstrip("0").rstrip(".")


def check(cfg: Config, uses: list[Used], audit: pd.DataFrame | None, source: str, confirmed: bool = False) -> None:
    """Stop with ``FxRateMoved`` when a rate moved more than ``cfg.fx_max_move`` times since it was last
    used (unless ``confirmed``)."""
    if confirmed or not uses:
        return
    last = last_used(audit, cfg.base_currency)
    lines = []
    for u in uses:
        before = last.get(u.currency)
        if before is None or before == u.rate:
            continue
        up = u.rate / before
        if up > cfg.fx_max_move:
            how = f"{_times(up)} times the {rate_text(before)}"
        elif 1 / up > cfg.fx_max_move:
            how = f"{_times(1 / up)} times less than the {rate_text(before)}"
        else:
            continue
        lines.append(f"fx.{u.currency} is {rate_text(u.rate)} {cfg.base_currency} per {u.currency}, {how} "
                     f"the last run used ({u.source})")
    if lines:
        raise FxRateMoved(
            f"{source}: " + "; ".join(lines) + f". A rate that moves more than {rate_text(cfg.fx_max_move)} times "
            "(Config fx_max_move) is usually a typo. Check the rate in the Config table; if it is right, confirm "
            "it: run the command again with --confirm-fx (ribbon: fx.confirm = yes on the Parameters sheet). "
            "Nothing was changed.")


def record(change, user: str, cfg: Config, uses: list[Used], audit: pd.DataFrame | None) -> None:
    """Log in Audit each rate used that differs from the one the last run used."""
    last = last_used(audit, cfg.base_currency)
    for u in uses:
        before = last.get(u.currency)
        if before == u.rate:
            continue
        change.log(user, AUDIT_TABLE, f"fx.{u.currency}", column(cfg.base_currency),
                   None if before is None else rate_text(before), rate_text(u.rate), u.source)


def apply(book, change, cfg: Config, *currencies, confirmed: bool = False) -> str:
    """For an action converting ``currencies``: check for jumps (may raise), log the rates used, and
    return the summary's FX note ('' when nothing was converted)."""
    uses = used(cfg, *currencies)
    audit = book.tables.get("Audit")
    check(cfg, uses, audit, book.source, confirmed)
    record(change, book.user, cfg, uses, audit)
    return note(cfg, uses)

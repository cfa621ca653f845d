"""Exact money.

Amounts are held as integer cents (``int`` / ``int64``).  Text is parsed with
``Decimal``, never through a float; a value with more than two decimals is
rejected rather than silently rounded.  Conversion between currencies rounds
half away from zero, once per line, so totals are sums of already-rounded lines
and reconcile to the cent.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP
from fractions import Fraction

import numpy as np

_CURRENCY_NOISE = re.compile(r"[\s\u00a0\u202f'€$£]|EUR|GBP|USD|CHF", re.IGNORECASE)


def parse_amount(value: object) -> int:
    """Parse an amount to integer cents.

    Accepts ints, floats (rounded to the nearest cent, as Excel stores them),
    ``Decimal`` and text such as ``1234.56``, ``1234,56``, ``1.234,56``,
    ``1,234.56``, ``-12,5``, ``(12.50)`` or ``12.50-``.  Raises ``ValueError``
    with a readable message otherwise.
    """
    if value is None:
        raise ValueError("amount is empty")
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value) * 100
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"not an amount: {value!r}")
        return int(Decimal(repr(float(value))).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))
    if isinstance(value, Decimal):
        return _decimal_to_cents(value, str(value))
    text = str(value).strip().replace("\u2212", "-")  # U+2212 MINUS SIGN as some exports write it
    if not text:
        raise ValueError("amount is empty")
    neg = False
    if text.startswith("(") and text.endswith(")"):
        neg, text = True, text[1:-1]
    if text.endswith("-"):
        neg, text = True, text[:-1]
    text = _CURRENCY_NOISE.sub("", text)
    if text.startswith("-"):
        neg, text = (not neg), text[1:]
    elif text.startswith("+"):
        text = text[1:]
    if not text or not re.fullmatch(r"[0-9.,]+", text):
        raise ValueError(f"not an amount: {value!r}")
    last_dot, last_comma = text.rfind("."), text.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        dec = "." if last_dot > last_comma else ","
        thousands = "," if dec == "." else "."
        int_part, frac = text.rsplit(dec, 1)
        if not re.fullmatch(r"\d{1,3}(\%s\d{3})*" % thousands, int_part):
            raise ValueError(f"not an amount: {value!r}")
        text = int_part.replace(thousands, "") + "." + frac
    elif last_comma >= 0 or last_dot >= 0:
        sep = "," if last_comma >= 0 else "."
        parts = text.split(sep)
        if len(parts) == 2:
            text = parts[0] + "." + parts[1]
        elif all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
            text = "".join(parts)  # 1.234.567 or 1,234,567: thousands only
        else:
            raise ValueError(f"not an amount: {value!r}")
    try:
        dec_value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    cents = _decimal_to_cents(dec_value, str(value))
    return -cents if neg else cents


def _decimal_to_cents(d: Decimal, shown: str) -> int:
    if not d.is_finite():
        raise ValueError(f"not an amount: {shown!r}")
    scaled = d.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"more than two decimals: {shown!r}")
    return int(scaled)


def to_decimal(cents: int) -> Decimal:
    """Integer cents to a two-place ``Decimal``."""
    return Decimal(int(cents)).scaleb(-2).quantize(Decimal("0.01"))


def to_float(cents: int) -> float:
    """Integer cents to the float Excel stores (exact to the cent on read-back)."""
    return int(cents) / 100


def fmt(cents: int, sep: str = ",") -> str:
    """Readable amount with thousands separators: ``-1,234.56``."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole:{sep}}.{frac:02d}" if sep else f"{sign}{whole}.{frac:02d}"


def parse_rate(value: object) -> Fraction:
    """Parse an exchange rate (base units per 1 foreign unit) exactly."""
    if isinstance(value, (float, np.floating)):
        value = repr(float(value))
    text = str(value).strip().replace(",", ".")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a rate: {value!r}") from None
    if not d.is_finite() or d <= 0:
        raise ValueError(f"a rate must be a positive number: {value!r}")
    return Fraction(d)


def convert(cents: np.ndarray, rate: Fraction) -> np.ndarray:
    """Multiply cents by an exact rate, rounding each line half away from zero.

    Vectorised in int64 when it cannot overflow, else exact Python integers.
    """
    cents = np.asarray(cents, dtype=np.int64)
    num, den = rate.numerator, rate.denominator
    if num == den:
        return cents.copy()
    biggest = int(np.abs(cents).max()) if len(cents) else 0
    if biggest * num * 2 + den < 2**62:
        a = np.abs(cents) * num * 2 + den
        q = a // (2 * den)
        return np.where(cents < 0, -q, q).astype(np.int64)
    out = []
    for c in cents.tolist():
        q = (abs(c) * num * 2 + den) // (2 * den)
        out.append(-q if c < 0 else q)
    return np.array(out, dtype=np.int64)


def round_half(value: Fraction | int) -> int:
    """An exact amount of cents (a ``Fraction``) to whole cents, rounding half away from zero."""
    v = Fraction(value)
    q = (abs(v.numerator) * 2 + v.denominator) // (2 * v.denominator)
    return -q if v < 0 else q


def percent_of(cents: int, pct: Fraction | int) -> int:
    """``pct`` % of ``cents``, exact, rounded half away from zero once (2 % of 256.41 is 5.13)."""
    return round_half(Fraction(int(cents)) * Fraction(pct) / 100)

"""Amounts in a currency the Config has no FX rate for: left out of base-currency totals, and said so.

Rule: a payment in a currency without a rate (a PLN credit on a EUR account)
is imported and kept, but no figure in the base currency can include it until
a row ``fx.PLN`` is added to the Config table.  Every action that sums
payments in the base currency leaves such rows out and states what it left
out (count, currency, amount in that currency), instead of refusing to run.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .. import frames
from ..config import Config
from ..money import fmt


def known(currencies: pd.Series | np.ndarray, config: Config) -> np.ndarray:
    """True where the currency is the base currency, blank (taken as base) or has a rate."""
    have = set(config.fx) | {config.base_currency, ""}
    return np.array([c in have for c in frames.texts(currencies, "upper")], dtype=bool)


def describe(what: str, noun: str, amounts, currencies, mask: np.ndarray) -> str:
    """'<what> leaves out 1 payment in PLN (1,500.00 PLN): no FX rate; add a row fx.PLN to the Config table'
    for the rows where ``mask`` is False; '' when there are none."""
    left = ~np.asarray(mask, dtype=bool)
    if not left.any():
        return ""
    codes = frames.texts(currencies, "upper")
    amts = np.asarray(amounts, dtype=np.int64)
    count: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for c, a in zip(codes[left], amts[left]):
        count[c] += 1
        total[c] += int(a)
    parts = []
    for c in sorted(count):
        n = count[c]
        parts.append(f"{n} {noun}{'s' if n != 1 else ''} in {c} ({fmt(total[c])} {c})")
    rows = ", ".join(f"fx.{c}" for c in sorted(count))
    prefix = f"{what} leaves out " if what else ""
    return (f"{prefix}{' and '.join(parts)}: no FX rate; add a row {rows} to the Config table")

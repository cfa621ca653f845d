"""What reading one statement file gives besides its payments.

Rule: no line of a statement is left out without a word.  A line or entry
that holds no incoming payment (a debit, a reversal, a zero amount, a booking
that is still pending, a comment or balance line) is listed in ``skipped``
with its line or entry number and why; the import summary names them.  The
columns of a CSV/XLSX export that no payments column was read from are listed
in ``unused_columns``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd


UNBALANCED_ACCEPTED = "imported anyway, as asked (--accept-unbalanced): check the statement with the bank"
"""What the import says of a statement whose balances do not reconcile when a person accepted it (the importers'
``accept_unbalanced``)."""


UNBALANCED_HINT = (" (when the bank's export holds the credits only: import it anyway with --accept-unbalanced, on the "
                   "ribbon Parameters import.accept_unbalanced = yes)")
"""What a refusal of a statement whose balances do not reconcile adds."""


@dataclass(frozen=True)
class Skipped:
    """One line or entry of a statement that did not become a payment."""

    source: str
    line: int | None
    """Line number in a text file (CSV, MT940, XML), row in an XLSX; None when unknown."""
    reason: str
    """Short and countable: "debit", "reversal", "zero amount", "not booked", "no amount"..."""
    where: str = ""
    """How to find it when there is no line number (e.g. "statement S1, entry 3")."""
    unit: str = "line"
    """"line" in a text file, "row" in an XLSX export."""

    def place(self) -> str:
        if self.line is not None:
            return f"{self.source} {self.unit} {self.line}"
        return f"{self.source} {self.where}".strip()


@dataclass
class StatementRead:
    """The payments of one or more files, and what was left out."""

    frame: pd.DataFrame
    skipped: list[Skipped] = field(default_factory=list)
    unused_columns: dict[str, list[str]] = field(default_factory=dict)
    """file name -> headers of the columns no payments field was read from."""
    warnings: list[str] = field(default_factory=list)


def plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    if word.endswith("y") and not word.endswith("ay"):
        return f"{n} {word[:-1]}ies"
    if word.endswith(("s", "x")):
        return f"{n} {word}es"
    return f"{n} {word}s"


def describe_skipped(skipped: list[Skipped], duplicates: int = 0, shown: int = 10) -> str:
    """"skipped 3: 2 debits (bank.csv line 3, line 5), 1 already present" or ''."""
    total = len(skipped) + duplicates
    if not total:
        return ""
    counts = Counter(s.reason for s in skipped)
    parts = []
    for reason, n in counts.most_common():
        places = [s for s in skipped if s.reason == reason]
        where = _places(places, shown)
        parts.append(f"{plural(n, reason)} ({where})" if where else plural(n, reason))
    if duplicates:
        parts.append(f"{duplicates} already present")
    return f"skipped {total}: " + ", ".join(parts)


def _places(items: list[Skipped], shown: int) -> str:
    out: list[str] = []
    last_source = None
    for s in items[:shown]:
        if s.line is not None and s.source == last_source:
            out.append(f"{s.unit} {s.line}")
        else:
            out.append(s.place())
        last_source = s.source
    if len(items) > shown:
        out.append(f"and {len(items) - shown} more")
    return ", ".join(out)

"""CSV cells a spreadsheet never runs as a formula (OWASP "CSV Injection").

The rule: a **text** cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
their full-width forms ``＝ ＋ － ＠``, which some spreadsheets also read as operators) is written with
a leading apostrophe ``'``, so Excel and LibreOffice show it as text.  Numbers (money such as
``-20.00``, counts, confidences), dates and empty cells are written as they are: only text is ever
prefixed.  JSON and XLSX outputs are not touched by this: JSON stays exact and XLSX marks text cells
as text.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""The first characters that make a spreadsheet read a CSV cell as a formula."""


def cell(v):
    """``v`` as a CSV cell: text starting with a trigger gets a leading ``'``; anything else unchanged."""
    if isinstance(v, str) and v.startswith(TRIGGERS):
        return "'" + v
    return v


def frame(out: pd.DataFrame, numeric: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of ``out`` with every text cell neutralised, except in the ``numeric`` columns (money
    written as decimal text, say), which hold numbers."""
    keep = set(numeric)
    out = out.copy()
    for c in out.columns:
        if c not in keep:
            out[c] = pd.Series([cell(v) for v in out[c].tolist()], index=out.index, dtype=object)
    return out

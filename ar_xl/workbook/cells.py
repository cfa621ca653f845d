"""What goes into worksheet cells, the same whichever shell writes them.

Money (cents) becomes a number with two decimals, dates become dates,
timestamps lose their microseconds, and text has the control characters a
worksheet cannot hold replaced by spaces and is cut to Excel's cell limit.
How text is finally marked as text (never a formula) is the shell's business:
openpyxl sets the cell type, xlwings prefixes Excel's text marker.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .. import frames, schema

ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_TEXT = 32767


def clean_text(v) -> str | None:
    if frames.blank(v):
        return None
    return ILLEGAL.sub(" ", str(v))[:MAX_TEXT]


OWN = "own"
"""The kind of a column a person added to a table: not in ``schema``, so its values are written
back as they were read (numbers, dates, TRUE/FALSE), text as text, and its format is theirs."""


def kind_of(t: schema.Table, name: str) -> str:
    """The kind a column of ``t`` is written as: its schema kind, money for a dynamic table's
    extra columns (the Aging buckets), else ``OWN``."""
    try:
        return t.column(name).kind
    except KeyError:
        return "money" if t.dynamic else OWN


def _own(v, text):
    if frames.blank(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return v.item() if isinstance(v, np.generic) else v
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).to_pydatetime()
    if isinstance(v, dt.date):
        return v
    return text(v)


def cell_values(values: pd.Series, kind: str, text=clean_text) -> list:
    """Python values for one column of ``kind`` (see ``schema``, or ``OWN``); ``text(v)`` renders text cells."""
    if kind in ("date", "datetime") and values.dtype == "datetime64[ns]":  # the same, column-wide
        return values.to_numpy().astype("datetime64[D]" if kind == "date" else "datetime64[s]").tolist()
    if kind == "money" and values.dtype == np.int64:
        cents = values.to_numpy()
        if not len(cents) or -2 ** 53 < int(cents.min()) and int(cents.max()) < 2 ** 53:
            return (cents / 100).tolist()  # int(v) / 100 of each, column-wide
    vals = values.tolist()
    if kind == OWN:
        return [_own(v, text) for v in vals]
    if kind == "money":
        return [None if frames.blank(v) else int(v) / 100 for v in vals]
    if kind in ("date", "datetime"):
        s = pd.to_datetime(pd.Series(vals, dtype=object), errors="coerce")
        if kind == "date":
            return [None if pd.isna(v) else v.date() for v in s]
        return [None if pd.isna(v) else v.to_pydatetime().replace(microsecond=0) for v in s]
    if kind == "int":
        return [None if frames.blank(v) else int(v) for v in vals]
    if kind == "number":
        return [None if frames.blank(v) else float(v) for v in vals]
    if kind == "bool":
        return [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else bool(v) for v in vals]
    if text is clean_text and set(map(type, vals)) <= {str} and not ILLEGAL.search("\n".join(vals)):
        # clean_text of each, column-wide (``isspace`` is ``strip``'s whitespace, without a copy of each text)
        return [None if not v or v.isspace() else v if len(v) <= MAX_TEXT else v[:MAX_TEXT] for v in vals]
    return [text(v) for v in vals]


def table_header(t: schema.Table, old_header: list[str], body: pd.DataFrame, extras: list[str]) -> list[str]:
    """The columns a table is written with, by canonical name: the columns it already has (a person's
    extra columns kept, in their order, known ones (by name or human header) under their canonical
    names), then any schema columns it lacks.  A dynamic table (Aging) is its columns plus ``extras``.
    The header row shows ``t.shown`` of these (human headers; see ``schema``)."""
    if t.dynamic:
        return t.names + list(extras or [c for c in body.columns if c not in t.names])
    ordered = [t.known(h) or h for h in old_header if h]
    return ordered + [n for n in t.names if n not in ordered]

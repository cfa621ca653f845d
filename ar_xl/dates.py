"""Dates as dates.

Accepted inputs: ``date``/``datetime``/pandas ``Timestamp``, ISO text
(``2026-11-23``), European day-first text (``23-11-2026``, ``23.11.2026``,
``23/11/2026``; a time after the date is ignored) and Excel serial numbers (1900 date system: serial 45000 is
2023-03-15; serials 1..60 fall before Excel's phantom 29 Feb 1900 and are
rejected as implausible for an invoice).
"""
from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from . import clock

EXCEL_EPOCH = dt.date(1899, 12, 30)
_MIN_SERIAL, _MAX_SERIAL = 61, 2958465  # 1900-03-01 .. 9999-12-31

_DMY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_YMD = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def parse_date(value: object) -> dt.date:
    """One value to a ``datetime.date``; ``ValueError`` with a readable message otherwise."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)) or value is pd.NaT:
        raise ValueError("date is empty")
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return from_serial(float(value))
    text = str(value).strip()
    if not text:
        raise ValueError("date is empty")
    m = _YMD.fullmatch(text[:10]) if len(text) >= 8 else None
    if m and (len(text) in (8, 10) or (len(text) > 10 and text[10] in "T ")):
        y, mo, d = map(int, m.groups())
    elif (m := _DMY.fullmatch(text)) is not None:
        d, mo, y = map(int, m.groups())
    elif re.fullmatch(r"\d+(\.\d+)?", text):
        return from_serial(float(text))
    else:
        raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD)")
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise ValueError(f"not a date: {text!r}") from None


def from_serial(serial: float) -> dt.date:
    if not math.isfinite(serial):
        raise ValueError(f"not a plausible Excel date serial: {serial!r}")
    if serial != int(serial) and not float(serial).is_integer():
        serial = int(serial)  # a time part: keep the day
    if not _MIN_SERIAL <= serial <= _MAX_SERIAL:
        raise ValueError(f"not a plausible Excel date serial: {serial:g}")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def to_serial(d: dt.date) -> int:
    return (d - EXCEL_EPOCH).days


def as_of(value: object = None) -> dt.date:
    """The as-of date: today when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return clock.today()
    return parse_date(value)

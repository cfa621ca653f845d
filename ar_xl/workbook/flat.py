"""Flat files in and out, without openpyxl: a CSV read into a canonical frame (``read_csv_input``) and a
result frame written as .csv or .json (``write_flat``).  ``xlsx.read_input`` and ``xlsx.write_output``
hand these file types here; ``ar-xl match`` between CSV files uses this module alone, so it never
loads the spreadsheet libraries.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from .. import frames, schema
from ..errors import InputError
from ..money import fmt

FLAT_INPUTS = (".csv", ".txt", ".tsv")
FLAT_OUTPUTS = (".csv", ".json")


def read_csv_input(path: Path, table: schema.Table | str) -> pd.DataFrame:
    """A canonical frame of ``table`` from a CSV file (UTF-8 or Windows-1252; ``,`` ``;`` tab or ``|``)."""
    path = Path(path)
    t = schema.table(table) if isinstance(table, str) else table
    return frames.coerce(read_csv(path), t, path.name, first_row=2)


def read_csv(path: Path) -> pd.DataFrame:
    """The cells of a CSV file as text ('' for empty)."""
    raw_bytes = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw_bytes.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("cannot read as text (not UTF-8 or Windows-1252)", path.name)
    if not text.strip():
        raise InputError("the file is empty", path.name)
    head = text[:65536].splitlines()  # the first line, without splitting the whole file into lines
    first = head[0] if len(head) > 1 or len(text) <= 65536 else text.splitlines()[0]
    sep = max([",", ";", "\t", "|"], key=first.count)
    from io import StringIO
    try:
        return pd.read_csv(StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.ParserError as e:
        raise InputError(f"cannot read as CSV: {e}", path.name) from None


def write_flat(frame: pd.DataFrame, path: Path, money: list[str], dates: list[str]) -> Path:
    """``frame`` (money in cents) as .csv (text never runs as a formula: ``csv_safe``) or .json (money as
    numbers with two decimals)."""
    path = Path(path)
    suffix = path.suffix.lower()
    out = frame.copy()
    for c in money:  # "-1234.56" (``money.fmt`` without separators: the text of ``to_decimal``, no Decimals)
        out[c] = [None if frames.blank(v) else fmt(int(v), sep="") for v in out[c].astype(object).tolist()]
    for c in dates:
        out[c] = [None if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in out[c]]
    if suffix == ".csv":  # text never runs as a formula in Excel (csv_safe); numbers stay numbers
        from . import csv_safe
        csv_safe.frame(out, numeric=list(money) + list(dates)).to_csv(path, index=False)
    else:
        import json
        recs = out.to_dict(orient="records")
        for r in recs:  # money as JSON numbers with two decimals
            for c in money:
                if r[c] is not None:
                    r[c] = float(r[c])
        path.write_text(json.dumps(_jsonable(recs), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (dt.date, pd.Timestamp)):
        return obj.isoformat()
    if obj is pd.NA or (isinstance(obj, float) and obj != obj):
        return None
    return obj

"""Turn raw rows (CSV, XLSX, a workbook table, an Excel range) into canonical frames.

``coerce(raw, table, source)`` renames headers (names or human headers) to the canonical columns of a
``schema.Table`` (ignoring case, spaces, underscores and parentheses), drops blank rows,
and converts every value to its column's kind:

* money -> ``int64`` cents (``Int64`` with ``<NA>`` for optional empty cells);
* date -> ``datetime64[ns]`` at midnight (``NaT`` for optional empty cells);
* text -> ``str`` ('' for empty); ids read back from Excel as ``4512.0`` become ``"4512"``.

A column whose every cell is a plain amount (``-1234.56``) or an ISO date (``2026-11-23``), as a CSV
read as text usually is, is converted column-wide (``_plain_cents``, ``_iso_days``); any other column
cell by cell, with the same result.

``totals_row`` tells Excel's Total Row of a table handed over as a range (``Invoices[#All]``) from a row of it.

All bad values are collected and raised together as one ``InputError`` naming
the source, the row (as the user sees it: spreadsheet row or CSV line) and the
column, so a run either takes all rows or changes nothing.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from . import schema
from .dates import parse_date
from .errors import CellProblem, InputError
from .money import parse_amount

_PLAIN_AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")


def blank(v: object) -> bool:
    """An empty cell: None, NaN, NaT, NA or text of only spaces."""
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    if v is pd.NaT or v is pd.NA:
        return True
    if isinstance(v, str) and not v.strip():
        return True
    return False


def cents_of(v: object) -> int:
    """The cents of a money cell (an int, as a table is read); an empty one is 0."""
    return 0 if blank(v) else int(v)


def text(v: object) -> str:
    """A cell as text without surrounding spaces; '' for an empty cell (``blank``)."""
    return "" if blank(v) else str(v).strip()


def texts(values, case: str | None = None) -> np.ndarray:
    """``text`` of every cell of a column at once (an object array of str: stripped, '' for an empty cell);
    ``case`` "lower", "upper" or "casefold" also folds each text.

    What ``col.astype(str).str.strip()`` gives for a column of text, in a plain loop: pandas' string
    methods cost two to three times as much on a column of 100,000 cells, and the engine reads its text
    columns this way many times per action."""
    arr = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) \
        else np.asarray(values, dtype=object)
    key = _kept_key(arr, case)
    if key is not None:
        done = _TEXTS.get(key)
        if done is not None:
            return done.copy()  # the caller may change its copy
    out = np.empty(len(arr), dtype=object)
    try:  # a column of text (as the workbook and CSV readers give it)
        if case is None:
            out[:] = [v.strip() for v in arr]
        elif case == "lower":
            out[:] = [v.strip().lower() for v in arr]
        elif case == "upper":
            out[:] = [v.strip().upper() for v in arr]
        else:
            out[:] = [v.strip().casefold() for v in arr]
    except (AttributeError, TypeError):  # a cell that is not text: missing, a number, a date
        fold = {None: str, "lower": str.lower, "upper": str.upper, "casefold": str.casefold}[case]
        out[:] = [fold(text(v)) for v in arr]
    if key is not None:
        _TEXTS[key] = out.copy()
    return out


def text_column(frame: pd.DataFrame | None, col: str) -> pd.Series:
    """``texts`` of the column ``col`` of ``frame`` as a Series on the frame's index; '' in every row when the
    frame has no such column (no rows when there is no frame)."""
    if frame is None or col not in frame.columns:
        return pd.Series([""] * (0 if frame is None else len(frame)), dtype=object,
                         index=None if frame is None else frame.index)
    return pd.Series(texts(frame[col]), index=frame.index, dtype=object, name=col)


KEEP_TEXTS_MIN = 2_000
"""``texts`` of a column of a table as read is kept (``keep_texts``) from this many rows on."""

_READ: dict[tuple, np.ndarray] = {}
_TEXTS: dict[tuple, np.ndarray] = {}


def _memory(arr: np.ndarray) -> tuple:
    """Where an array's cells are: the address, length and steps of its memory (two arrays alike here
    read the same cells)."""
    return arr.__array_interface__["data"][0], len(arr), arr.strides


def keep_texts(tables) -> None:
    """Let ``texts`` keep what it makes of the text columns of these frames (the tables as read from
    the workbook, which nothing changes: pandas copies a column before anyone writes to it, and gives
    its memory out read-only).  A column is known by its memory (``_memory``: address, length, step); the
    arrays are held here, so that memory is not handed to another array while they are known.  Each call
    forgets the tables of the call before (the book loaded before this one) and all that was kept."""
    _READ.clear()
    _TEXTS.clear()
    for frame in tables:
        for name in frame.columns:
            col = frame[name]
            if col.dtype != object or len(col) < KEEP_TEXTS_MIN:
                continue
            arr = col.to_numpy(dtype=object)
            if arr.ndim != 1 or not arr.__array_interface__["data"][1]:  # only memory given out read-only
                continue
            _READ[_memory(arr)] = arr


def _kept_key(arr: np.ndarray, case: str | None):
    """The key ``texts`` keeps its result of ``arr`` under, or None when ``arr`` is not a column of a table
    as read (``keep_texts``)."""
    if not _READ or arr.ndim != 1 or len(arr) < KEEP_TEXTS_MIN:
        return None
    key = _memory(arr)
    return (key, case) if key in _READ else None


def same_column(a: pd.Series, b: pd.Series) -> bool:
    """Whether two columns are one: the same numpy memory, read the same way, as many rows (two frames
    sharing a column an action left as read; pandas copies a shared column before anyone writes to it).
    False says nothing: such columns may still hold equal values."""
    if a.dtype != b.dtype or not isinstance(a.dtype, np.dtype):
        return False
    return _memory(a.to_numpy()) == _memory(b.to_numpy())


def blank_cells(col: pd.Series) -> np.ndarray:
    """``blank`` for a whole column at once."""
    mask = col.isna().to_numpy(dtype=bool, copy=True)
    if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
        mask |= texts(col) == ""  # a number or a date is never blank text
    return mask


def _blank_rows(df: pd.DataFrame) -> np.ndarray:
    """True for rows whose every cell is blank (the trailing rows of a range selected too long)."""
    out = np.ones(len(df), dtype=bool)
    for j in range(df.shape[1]):
        out &= blank_cells(df.iloc[:, j])
        if not out.any():
            break
    return out


TOTALS_LABELS = frozenset({"total", "totals", "totaal", "totale", "summe", "gesamt", "ergebnis", "somme"})
"""The label of Excel's Total Row ("Total", which Table Design > Total Row writes in the first column, and the word
in the languages of the teams: Totaal, Summe, Gesamt, Ergebnis, Somme, Totale): the whole cell, any case."""


def totals_row(raw: pd.DataFrame, table: schema.Table) -> int | None:
    """The position in ``raw`` of Excel's Total Row (a range such as ``Invoices[#All]`` of a table with Table
    Design > Total Row on), or None.  Only the values are handed over, not the SUBTOTAL formulas, so the rule:
    it is the last row holding anything, its key cells (``Table.key``: the Invoice ID) are empty or the label
    (``TOTALS_LABELS``), and either

    * it holds the label, and no other text: its other cells are empty, numbers or dates (what SUBTOTAL shows);
    * or, without the label, each of its cells is empty or a number that is what the Total Row's usual functions
      give on the cells above it: the sum of the numbers (to the cent), the count of the numbers or the count
      of the filled cells.

    A real row has its key, and text (a currency, a name) beside it: it is never taken for the Total Row.  A row
    of other figures without the label (an average, sums over a filtered table) is not recognised either: it
    is read as a row, and its empty cells are reported."""
    keys = [j for j, c in enumerate(raw.columns) if table.known(c) in table.key]
    if table.key and not keys:
        return None
    # the last row holding anything: of the rows with a cell that is not missing, from the end, the first whose
    # cells are not all blank (text of spaces); a range selected too long is mostly missing cells
    some = np.flatnonzero(raw.notna().to_numpy().any(axis=1)) if len(raw.columns) else []
    i = next((int(k) for k in reversed(some) if not all(blank(v) for v in raw.iloc[k].tolist())), None)
    if i is None:
        return None
    row = raw.iloc[i].tolist()
    shown = [(j, v) for j, v in enumerate(row) if not blank(v)]

    def label(v) -> bool:
        return isinstance(v, str) and v.strip().casefold() in TOTALS_LABELS

    def number(v) -> bool:
        return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))

    def subtotal(j: int, v) -> bool:
        above = raw.iloc[:i, j]
        if pd.api.types.is_numeric_dtype(above.dtype) and not pd.api.types.is_bool_dtype(above.dtype):
            numbers = above.dropna().to_numpy(dtype=float)
        else:
            numbers = np.array([float(a) for a in above.to_numpy(dtype=object) if number(a) and not blank(a)])
        filled = int((~blank_cells(above)).sum())
        return abs(float(v) - math.fsum(numbers)) < 0.005 or v in (len(numbers), filled)

    if any(not blank(row[j]) and not label(row[j]) for j in keys):
        return None
    if any(label(v) for _, v in shown):
        ok = all(label(v) or number(v) or isinstance(v, (dt.date, pd.Timestamp, np.datetime64)) for _, v in shown)
    else:
        ok = all(number(v) and subtotal(j, v) for j, v in shown)
    return i if ok else None


def rename_columns(raw: pd.DataFrame, table: schema.Table) -> pd.DataFrame:
    """Rename headers (a column's name or its human header, ``schema.Table.known``) to canonical names;
    unknown columns are kept as they are."""
    mapping = {}
    for col in raw.columns:
        name = table.known(col)
        if name is not None and name not in mapping.values():
            mapping[col] = name
    return raw.rename(columns=mapping)


def coerce(
    raw: pd.DataFrame,
    table: schema.Table | str,
    source: str,
    first_row: int = 2,
    require: list[str] | None = None,
) -> pd.DataFrame:
    """Canonical frame for ``table`` from ``raw``; see the module docstring.

    ``first_row`` is the row number the user sees for ``raw``'s first data row
    (2 for a CSV file or a sheet whose header is on row 1).
    """
    if isinstance(table, str):
        table = schema.table(table)
    df = rename_columns(raw, table).reset_index(drop=True)
    rows = pd.Series(np.arange(len(df)) + first_row)
    if len(df.columns):
        keep = ~_blank_rows(df)
        df, rows = df[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)
    required = table.required if require is None else require
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(CellProblem(source, None, None, f"missing column(s): {', '.join(missing)} (the {table.name} columns are {', '.join(table.names)})"))
    problems: list[CellProblem] = []
    out = {}
    for col in table.columns:
        name = col.name
        if name not in df.columns:
            out[name] = _empty(col.kind, len(df))
            continue
        values = df[name]
        must = name in required
        if col.kind == "money":
            out[name] = _money(values, rows, source, name, must, problems)
        elif col.kind in ("date", "datetime"):
            out[name] = _dates(values, rows, source, name, must, problems, col.kind == "datetime")
        elif col.kind == "int":
            out[name] = _ints(values, rows, source, name, must, problems)
        elif col.kind == "number":
            out[name] = pd.to_numeric(values.map(lambda v: np.nan if blank(v) else v), errors="coerce")
        elif col.kind == "bool":
            out[name] = values.map(lambda v: False if blank(v) else str(v).strip().lower() in ("true", "1", "yes", "y", "x", "waar", "wahr", "vrai"))
        else:
            out[name] = _text(values, rows, source, name, must, problems, strip=name not in AS_TYPED)
    repeated_keys(out, table, rows.to_numpy(), source, problems)
    if problems:
        problems.sort(key=lambda p: p.row or 0)  # row by row, columns in table order within a row
        raise InputError(_as_headed(problems, raw.columns, table))
    result = pd.DataFrame(out, index=pd.RangeIndex(len(df)))
    extras = [c for c in df.columns if c not in table.names]
    for c in extras:
        result[c] = df[c].values
    result.attrs["rows"] = RowNumbers(rows.to_numpy())
    result.attrs["source"] = source
    return result


def _as_headed(problems: list[CellProblem], headers, table: schema.Table) -> list[CellProblem]:
    """The problems with each column named as the sheet or file heads it, the canonical name beside it
    when that differs ("column Due date (due_date)", "column Vervaldatum (due_date)")."""
    seen = {}
    for h in headers:
        name = table.known(h)
        if name is not None and name not in seen:
            seen[name] = str(h)
    out = []
    for p in problems:
        head = seen.get(p.column or "")
        if head is not None and head != p.column:
            p = dataclasses.replace(p, column=f"{head} ({p.column})")
        out.append(p)
    return out


def repeated_keys(columns: dict[str, pd.Series], table: schema.Table, rows: np.ndarray, source: str,
                  problems: list[CellProblem]) -> None:
    """Report every row whose key an earlier row already has, naming both rows (``Table.unique``).

    Keys are compared as the text the coerced cells hold (ids are stripped, so ``' A1'`` is ``'A1'``);
    rows with a blank key part are left to the column's own checks."""
    if not table.unique or not table.key or not len(rows) or any(k not in columns for k in table.key):
        return
    keys = pd.DataFrame({k: _key_text(columns[k], table.column(k).kind) for k in table.key})
    present = np.logical_and.reduce([keys[k].to_numpy() != "" for k in table.key])
    if not present.any():
        return
    sub = keys[present].reset_index(drop=True)
    shared = (sub.iloc[:, 0] if len(table.key) == 1 else sub).duplicated(keep=False).to_numpy()
    if not shared.any():
        return
    pos = np.flatnonzero(present)[shared]  # the rows whose key another row has too, in order
    sub = sub[shared].reset_index(drop=True)
    groups = sub.groupby(list(table.key), sort=False)
    first = pd.Series(pos).groupby(groups.ngroup().to_numpy()).transform("first").to_numpy()
    names = ", ".join(table.key)
    for i in np.flatnonzero(first != pos):
        shown = ", ".join(repr(str(v)) for v in sub.iloc[i])
        problems.append(CellProblem(source, int(rows[pos[i]]), table.key[-1],
                                    f"{names} {shown} is also on row {int(rows[first[i]])}; "
                                    f"each {names} may be on one row only"))


def _key_text(col: pd.Series, kind: str) -> pd.Series:
    if kind == "text":  # ``_text`` made it: stripped str, '' for blank
        return col.reset_index(drop=True)
    return col.map(lambda v: "" if blank(v) else str(v).strip()).reset_index(drop=True)


class RowNumbers:
    """The row numbers a frame's rows had in their sheet or file, kept in ``DataFrame.attrs``.

    pandas deep-copies ``attrs`` on every operation and compares them when
    frames are concatenated: this holder is shared instead of copied (it is
    read-only) and compares as a whole, where a plain array would make the
    comparison ambiguous and a tuple would be copied element by element."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = np.array(array, dtype=np.int64)
        self.array.setflags(write=False)

    def __deepcopy__(self, memo):
        return self

    def __eq__(self, other):
        return isinstance(other, RowNumbers) and (self is other or np.array_equal(self.array, other.array))

    __hash__ = None

    def __len__(self):
        return len(self.array)


def row_numbers(df: pd.DataFrame) -> np.ndarray | None:
    """The spreadsheet/CSV row number of each row of a frame ``coerce`` made, or None.

    None too when the frame was filtered or extended since (pandas keeps
    ``attrs`` through such operations, so the numbers no longer line up)."""
    rows = df.attrs.get("rows")
    if not isinstance(rows, RowNumbers) or len(rows) != len(df):
        return None
    return rows.array


def _empty(kind: str, n: int) -> pd.Series:
    if kind == "money" or kind == "int":
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    if kind in ("date", "datetime"):
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if kind == "number":
        return pd.Series(np.nan, index=range(n), dtype=float)
    if kind == "bool":
        return pd.Series(False, index=range(n))
    return pd.Series([""] * n, dtype=object)


def _money(values, rows, source, name, must, problems) -> pd.Series:
    """Cents; an amount of 100 billion or more (``_MAX_CENTS``) is reported as too large, never
    wrapped or raised as an ``OverflowError``."""
    n = len(values)
    if pd.api.types.is_integer_dtype(values.dtype) and not isinstance(values.dtype, pd.CategoricalDtype):
        if values.isna().any():
            pass
        else:
            whole = values.to_numpy(dtype=np.int64)
            big = np.abs(whole) >= _MAX_CENTS // 100
            if big.any():
                for i in np.flatnonzero(big):
                    problems.append(CellProblem(source, int(rows[i]), name, _too_large(whole[i])))
                whole = np.where(big, 0, whole)
            return pd.Series(whole * 100)
    if pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=float)
        nan = np.isnan(arr)
        cents, bad = _float_cents(arr)
        for i in np.flatnonzero(bad & ~nan):
            problems.append(CellProblem(source, int(rows[i]), name, _float_problem(arr[i])))
        return _finish_ints(cents, nan, rows, source, name, must, problems)
    # object / string: fast path for plain "1234.56" (column-wide when every cell is one), the rest one by one
    obj = values.astype(object).to_numpy()
    cents = np.zeros(n, dtype=np.int64)
    nan = np.zeros(n, dtype=bool)
    fast = _plain_cents(obj)
    if fast is not None:
        return _finish_ints(fast, nan, rows, source, name, must, problems)
    for i, v in enumerate(obj):
        if blank(v):
            nan[i] = True
            continue
        if isinstance(v, (float, np.floating)):
            c, bad = _float_cents(np.array([v], dtype=float))
            if bad[0]:
                problems.append(CellProblem(source, int(rows[i]), name, _float_problem(float(v))))
            else:
                cents[i] = int(c[0])
            continue
        if isinstance(v, str) and _PLAIN_AMOUNT.match(v):
            neg = v.startswith("-")
            body = v[1:] if neg else v
            whole, _, frac = body.partition(".")
            c = int(whole) * 100 + int((frac + "00")[:2])
            c = -c if neg else c
        else:
            try:
                c = parse_amount(v)
            except ValueError as e:
                problems.append(CellProblem(source, int(rows[i]), name, str(e)))
                continue
        if abs(c) >= _MAX_CENTS:
            problems.append(CellProblem(source, int(rows[i]), name, _too_large(v)))
            continue
        cents[i] = c
    return _finish_ints(cents, nan, rows, source, name, must, problems)


def _every(match, obj: np.ndarray) -> bool:
    """True when the column has cells and ``match`` accepts every one (a cell that is not text: False)."""
    if not len(obj):
        return False
    try:
        return all(match(v) for v in obj)
    except TypeError:  # a number or a date among the texts
        return False


def _plain_cents(obj: np.ndarray) -> np.ndarray | None:
    """Cents of a column whose every cell is a plain amount text (``-1234.56``, ``12``, ``0.5``), all
    below ``_MAX_CENTS``, computed column-wide; None when any cell is not (the cell-by-cell loop then
    reads and reports them).  Exact: a float holds every such amount times 100 to well under half a cent."""
    if not _every(_PLAIN_AMOUNT.match, obj):
        return None
    cents = np.round(np.array(obj, dtype=np.float64) * 100)
    if not (np.abs(cents) < _MAX_CENTS).all():
        return None
    return cents.astype(np.int64)


_MAX_CENTS = 10**13  # 100 billion: far above any invoice, well inside what a float holds to the cent


def _float_cents(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cents (as floats) of amounts Excel stored as floats, and which of them are bad.

    A float read from a cell holding two decimals is within a few ulps of a
    whole number of cents; a third decimal (12.345, 1000000.005) is at least
    0.1 cent away and is reported rather than rounded.  Infinite, NaN or
    astronomically large values are bad too.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = arr * 100
        cents = np.round(scaled)
        bad = ~np.isfinite(scaled) | (np.abs(scaled) >= _MAX_CENTS)
        bad |= np.abs(scaled - cents) > 8 * np.spacing(np.abs(cents))
    return np.where(bad, 0, cents), bad


def _too_large(v: object) -> str:
    shown = str(v).strip()[:40]
    return f"amount too large: {shown} (ar-xl takes amounts below 100,000,000,000.00)"


def _float_problem(v: float) -> str:
    v = float(v)  # shown as 12.345, not np.float64(12.345)
    if not np.isfinite(v):
        return f"not an amount: {v!r}"
    if abs(v) * 100 >= _MAX_CENTS:
        return f"amount too large: {v!r}"
    return f"more than two decimals: {v!r}"


def _finish_ints(cents, nan, rows, source, name, must, problems) -> pd.Series:
    if nan.any():
        if must:
            for i in np.flatnonzero(nan):
                problems.append(CellProblem(source, int(rows[i]), name, "is empty"))
            return pd.Series(np.where(nan, 0, cents).astype(np.int64))
        arr = pd.array(np.where(nan, 0, cents).astype(np.int64), dtype="Int64")
        arr[nan] = pd.NA
        return pd.Series(arr)
    return pd.Series(np.asarray(cents, dtype=np.int64))


def _dates(values, rows, source, name, must, problems, keep_time=False) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        s = pd.Series(values.to_numpy()).astype("datetime64[ns]")
        if not keep_time:
            s = s.dt.normalize()
        if must:
            for i in np.flatnonzero(s.isna().to_numpy()):
                problems.append(CellProblem(source, int(rows[i]), name, "is empty"))
        return s
    obj = values.astype(object).to_numpy()
    fast = _iso_days(obj)
    if fast is None and keep_time:
        fast = _iso_times(obj)
    if fast is not None:
        return pd.Series(fast.astype("datetime64[ns]"))
    out = np.empty(len(obj), dtype="datetime64[ns]")
    for i, v in enumerate(obj):
        if blank(v):
            out[i] = np.datetime64("NaT")
            if must:
                problems.append(CellProblem(source, int(rows[i]), name, "is empty"))
            continue
        if keep_time and isinstance(v, (dt.datetime, pd.Timestamp)):
            out[i] = np.datetime64(pd.Timestamp(v).to_datetime64(), "ns")
            continue
        if keep_time and isinstance(v, str) and _ISO_TIME.fullmatch(v.strip()):
            try:
                out[i] = np.datetime64(pd.Timestamp(v.strip()).to_datetime64(), "ns")
                continue
            except ValueError:
                pass  # no such time of day (25:61): read as any other text
        try:
            out[i] = np.datetime64(parse_date(v), "ns")
        except ValueError as e:
            if keep_time:
                try:
                    out[i] = np.datetime64(pd.Timestamp(str(v)).to_datetime64(), "ns")
                    continue
                except (ValueError, TypeError):
                    pass
            problems.append(CellProblem(source, int(rows[i]), name, str(e)))
            out[i] = np.datetime64("NaT")
    return pd.Series(out)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?")
"""A time of day in ISO form (``2026-11-23 14:05:09``, ``2026-11-23T14:05``): a datetime column keeps its time
(``parse_date`` reads the day alone)."""


def _iso_days(obj: np.ndarray) -> np.ndarray | None:
    """Days of a column whose every cell is an ISO date text (``2026-11-23``), parsed column-wide;
    None when any cell is not, or is no real day (the cell-by-cell loop then reads and reports them)."""
    if not _every(_ISO_DAY.fullmatch, obj):
        return None
    try:
        days = np.array(obj, dtype="datetime64[D]")
    except ValueError:  # 2026-02-30
        return None
    if not ((days >= _FIRST_DAY) & (days <= _LAST_DAY)).all():  # what a date and nanoseconds both hold
        return None
    return days


def _iso_times(obj: np.ndarray) -> np.ndarray | None:
    """Times of a column whose every cell is an ISO time text (``_ISO_TIME``: Audit's timestamps as a CSV holds
    them), parsed column-wide as the loop reads each; None when any cell is not, or is no real time."""
    if not _every(_ISO_TIME.fullmatch, obj):
        return None
    try:
        times = pd.to_datetime(pd.Series(obj, dtype=object), format="ISO8601").to_numpy(dtype="datetime64[ns]")
    except (ValueError, OverflowError):  # 2026-11-23 25:61, or beyond what nanoseconds hold
        return None
    days = times.astype("datetime64[D]")
    if not ((days >= _FIRST_DAY) & (days <= _LAST_DAY)).all():
        return None
    return times


_FIRST_DAY, _LAST_DAY = np.datetime64("1678-01-01"), np.datetime64("2261-12-31")


def _ints(values, rows, source, name, must, problems) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype) or (pd.api.types.is_integer_dtype(values.dtype)
                                                     and not isinstance(values.dtype, pd.CategoricalDtype)):
        # numbers only and nothing to report: the loop's result (each value through a float), column-wide
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        nan = np.isnan(arr)
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(arr) & (arr == np.trunc(arr)) & (np.abs(arr) < 2.0 ** 63)
        if (whole | nan).all() and not (must and nan.any()):
            out = pd.array(np.where(whole, arr, 0).astype(np.int64), dtype="Int64")
            out[nan] = pd.NA
            return pd.Series(out)
    obj = values.astype(object).to_numpy()
    out = pd.array([pd.NA] * len(obj), dtype="Int64")
    for i, v in enumerate(obj):
        if blank(v):
            if must:
                problems.append(CellProblem(source, int(rows[i]), name, "is empty"))
            continue
        try:
            f = float(str(v).strip().replace(",", "."))
            if not f.is_integer():
                raise ValueError
            out[i] = int(f)
        except ValueError:
            problems.append(CellProblem(source, int(rows[i]), name, f"not a whole number: {v!r}"))
    return pd.Series(out)


AS_TYPED = frozenset({"note"})
"""Text columns kept exactly as typed (a note's leading and trailing spaces are the person's); the
other text columns (ids, names, statuses) lose surrounding spaces, so they match."""


def _texts(out: np.ndarray, rows, source, name, must, problems) -> pd.Series:
    """A column of texts made column-wide ('' for an empty cell), each empty one reported when ``must``."""
    if must:
        for i in np.flatnonzero(out == ""):
            problems.append(CellProblem(source, int(rows[i]), name, "is empty"))
    return pd.Series(out, dtype=object)


def _text(values, rows, source, name, must, problems, strip: bool = True) -> pd.Series:
    if isinstance(values.dtype, pd.StringDtype):  # only text and empty cells: the same rules, column-wide
        if not strip:  # as typed
            out = values.to_numpy(dtype=object, na_value="")
        else:  # str.strip on each cell (a plain loop is faster than pandas' ``.str.strip()``)
            cells = values.to_numpy(dtype=object, na_value="")
            out = np.empty(len(cells), dtype=object)
            out[:] = [v.strip() for v in cells]
        return _texts(out, rows, source, name, must, problems)
    obj = values.astype(object).to_numpy()
    out = np.empty(len(obj), dtype=object)
    if set(map(type, obj)) <= {str, type(None)}:  # texts and empty cells (a CSV read as text, a sheet's
        # column of names or notes): the same rules, column-wide
        if strip:
            out[:] = ["" if v is None else v.strip() for v in obj]
        else:
            out[:] = ["" if v is None or not v.strip() else v for v in obj]
        return _texts(out, rows, source, name, must, problems)
    for i, v in enumerate(obj):
        out[i] = cell_text(v, strip)
        if must and out[i] == "":
            problems.append(CellProblem(source, int(rows[i]), name, "is empty"))
    return pd.Series(out, dtype=object)


def cell_text(v: object, strip: bool = True) -> str:
    """One cell as a text column holds it (``coerce``): '' for an empty cell (``blank``), a whole number as its
    digits (an id read back from Excel as ``4512.0`` is ``"4512"``), a date as ``YYYY-MM-DD``, anything else as
    its text (without surrounding spaces when ``strip``)."""
    if blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return pd.Timestamp(v).date().isoformat()
    return str(v).strip() if strip else str(v)


def empty_frame(table: schema.Table | str) -> pd.DataFrame:
    """A canonical frame with no rows."""
    if isinstance(table, str):
        table = schema.table(table)
    return pd.DataFrame({c.name: _empty(c.kind, 0) for c in table.columns})

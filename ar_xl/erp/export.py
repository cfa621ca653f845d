"""An ERP's export (open items or customers, CSV or XLSX) as a canonical frame.

Rules
-----
* **Columns** are found by the headers in ``ar_xl.synonyms`` (SAP FBL5N, DATEV OPOS, Exact Online,
  AFAS, Sage, Odoo, ERPNext, Dynamics; Dutch, German, French and English), or named by hand with
  ``mapping`` (``--map due_date=Zahlungsziel``).  A mapping naming a header the file lacks is
  refused with the headers the file has.  The header row may follow a few lines of report title or
  DATEV's ``EXTF`` line: it is the first of the first 30 rows holding the key column (``invoice_id``
  or ``customer_id``) and at least two more known columns.
* **CSV**: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (DATEV, older Sage).
  The delimiter is the one of ``; , tab |`` under which a header row is found, the most frequent
  first.
* **Amounts**: the decimal separator is decided once per file from the amount columns: a comma
  followed by one or two digits at the end of more values than a dot is a decimal comma (``1.234,56``,
  ``100,00-``); a file of ``;``-separated whole amounts written ``1.234`` is read the same way.
  A debit/credit indicator column (``Soll/Haben``: ``S``/``H``) signs unsigned amounts: credit
  (``H``, ``C``) is negative.  Slash dates are read month first (``11/23/2026``) only when some
  value's second part is above 12 and none's first part is.
* **Total lines** (a blank invoice number beside ``*``, ``Total``, ``Summe``, ``Totaal``...) are
  skipped; any other row with a bad or empty value is reported with the file, row and column
  (``frames.coerce``), all at once, and nothing is read.
* An open-items export needs invoice_id, customer_id, invoice_date, due_date and an amount; when it
  has only one of amount and open amount, the other takes its value (``Export.present`` says which
  the file really had, so a sync does not overwrite an invoice's original amount with its open
  amount).  Without a currency column every item is in ``default_currency``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from .. import frames, schema, synonyms
from ..errors import CellProblem, InputError

TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
HEADER_SCAN = 30

REQUIRED = {
    "Invoices": ("invoice_id", "customer_id", "invoice_date", "due_date"),
    "Customers": ("customer_id", "customer_name"),
}
KEY = {"Invoices": "invoice_id", "Customers": "customer_id"}
MONEY = {"Invoices": ("amount", "open_amount"), "Customers": ("credit_limit",)}
DATES = {"Invoices": ("invoice_date", "due_date"), "Customers": ()}

_TOTAL = re.compile(r"^\s*\*+|\b(total|totaal|summe|gesamt|somme|saldo|subtotal|zwischensumme)\b", re.I)
_CREDIT = {"h", "haben", "c", "cr", "credit", "k", "krediet", "credit note"}
_DEBIT = {"s", "soll", "d", "dr", "debit", "debet"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass
class Export:
    """A read export: the canonical frame and which of its columns the file had (canonical -> header)."""

    frame: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def present(self) -> set[str]:
        return set(self.columns)


def read(path: str | os.PathLike, table: str, mapping: Mapping[str, str] | None = None,
         default_currency: str = "EUR") -> Export:
    """Read an open-items (``table="Invoices"``) or customers (``"Customers"``) export; see the module rules."""
    t = schema.table(table)
    path = Path(path)
    source = path.name
    if not path.exists():
        raise InputError("file not found", source=str(path))
    if not path.is_file():
        raise InputError("not a file", source=str(path))
    syn = synonyms.INVOICES if t.name == "Invoices" else synonyms.CUSTOMERS
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        rows = _xlsx_rows(path, source)
        h, cols = _header(rows, t.name, syn, mapping, source)
        header, delimiter = rows[h], ""
        body = pd.DataFrame(rows[h + 1:], dtype=object)
    elif suffix in TEXT_SUFFIXES:
        header, h, cols, delimiter, body = _csv_body(path, source, t.name, syn, mapping)
    else:
        raise InputError(f"not a CSV or XLSX export ({suffix or 'no extension'}); save it as .csv or .xlsx",
                         source=source)
    missing = [c for c in REQUIRED[t.name] if c not in cols]
    if t.name == "Invoices" and "amount" not in cols and "open_amount" not in cols:
        missing.append("amount or open_amount")
    if missing:
        shown = ", ".join(repr(str(v)) for v in header if v is not None and str(v).strip())
        raise InputError(CellProblem(source, h + 1, None,
                                     f"no column found for {', '.join(missing)}; the file's columns are {shown}. "
                                     f"Name them with --map, e.g. --map {missing[0].split()[0]}=HEADER"))
    raw = pd.DataFrame({c: (body[i] if i in body.columns else pd.Series([None] * len(body), dtype=object))
                        for c, i in cols.items()}, columns=list(cols)).astype(object)
    raw = raw.where(raw.notna(), None)
    _drop_total_lines(raw, body, KEY[t.name])
    style = _amount_style([raw[m] for m in MONEY[t.name] if m in raw.columns], delimiter)
    for c in MONEY[t.name]:
        if c in raw.columns and style:
            raw[c] = _normalise_amounts(raw[c], style)
    for c in DATES[t.name]:
        if c in raw.columns:
            raw[c] = _fast_dates(_normalise_slash_dates(raw[c]))
    direction = raw.pop("direction") if "direction" in raw.columns else None
    must = [c for c in REQUIRED[t.name]] + [c for c in MONEY[t.name] if c in cols and t.name == "Invoices"]
    df = frames.coerce(raw, t, source, first_row=h + 2, require=must)
    rows_of = frames.row_numbers(df)
    problems: list[CellProblem] = []
    if direction is not None:
        kept = np.asarray(rows_of) - (h + 2)
        words = [str(v).strip().lower().rstrip(".") if not frames.blank(v) else "" for v in direction.to_numpy()[kept]]
        sign = np.ones(len(df), dtype=np.int64)
        for i, w in enumerate(words):
            if w in _CREDIT:
                sign[i] = -1
            elif w not in _DEBIT and w:
                problems.append(CellProblem(source, int(rows_of[i]), str(header[cols["direction"]]),
                                            f"not a debit/credit indicator: {w[:20]!r} (S/H, D/C)"))
        for c in MONEY[t.name]:
            if c in df.columns and c in cols:
                df[c] = df[c] * sign
    if t.name == "Invoices":
        if "amount" not in cols:
            df["amount"] = df["open_amount"]
        if "open_amount" not in cols:
            df["open_amount"] = df["amount"]
        if "currency" in cols:
            cur = df["currency"].astype(str).str.strip().str.upper()
            for i in np.flatnonzero(~cur.map(lambda v: bool(_CURRENCY.match(v))).to_numpy()):
                problems.append(CellProblem(source, int(rows_of[i]), str(header[cols["currency"]]),
                                            f"not a currency code: {df['currency'].iat[i]!r}" if df["currency"].iat[i]
                                            else "is empty"))
            df["currency"] = cur.to_numpy()
        else:
            df["currency"] = default_currency
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise InputError(problems)
    df.attrs["rows"] = frames.RowNumbers(rows_of)
    df.attrs["source"] = source
    columns = {c: str(header[i]) for c, i in cols.items() if c in t.names or c == "direction"}
    if t.name == "Invoices" and "open_amount" not in columns:
        columns["open_amount"] = columns.pop("amount")  # an open-items list's one amount is the open amount
    return Export(df, columns, source)


# ---------------------------------------------------------------- finding the header

def _header(rows: list[list], table: str, syn, mapping, source: str) -> tuple[int, dict[str, int]]:
    """(index of the header row, canonical column -> index)."""
    key = KEY[table]
    need = 3 if table == "Invoices" else 2
    best, best_n = None, -1
    for h, row in enumerate(rows[:HEADER_SCAN]):
        if sum(1 for v in row if v is not None and str(v).strip()) < 2:
            continue
        plain = synonyms.resolve(row, syn, None, source)
        if len(plain) > best_n:
            best, best_n = h, len(plain)
        try:
            cols = synonyms.resolve(row, syn, mapping, source, row=h + 1)
        except InputError:
            continue
        if key in cols and len(cols) >= need:
            return h, cols
    if mapping and best is not None:
        synonyms.resolve(rows[best], syn, mapping, source, row=best + 1)  # raises, naming the file's columns
    shown = ""
    if best is not None:
        shown = "; the headers of row {}: {}".format(
            best + 1, ", ".join(repr(str(v)) for v in rows[best] if v is not None and str(v).strip())[:400])
    what = "an invoice number" if table == "Invoices" else "a customer number"
    raise InputError(CellProblem(source, None, None,
                                 f"no header row with {what} column and two more known columns in the first "
                                 f"{HEADER_SCAN} rows{shown}. Name the columns with --map, e.g. --map {key}=HEADER"))


def _csv_body(path: Path, source: str, table: str, syn, mapping):
    """(header cells, header row index, columns, delimiter, body frame with one column per position)."""
    text = _decode(path.read_bytes())
    if not text.strip():
        raise InputError("the file is empty", source=source)
    head = text.splitlines()[:HEADER_SCAN + 10]
    candidates = sorted((";", ",", "\t", "|"), key=lambda d: -sum(ln.count(d) for ln in head))
    first_error = None
    for d in candidates:
        head_rows = list(csv.reader(io.StringIO("\n".join(head)), delimiter=d))
        try:
            h, cols = _header(head_rows, table, syn, mapping, source)
        except InputError as e:
            first_error = first_error or e
            continue
        header = [None if c == "" else c for c in head_rows[h]]
        try:  # pandas' C parser: the speed of a 100,000-line export
            body = pd.read_csv(io.StringIO(text), sep=d, header=None, skiprows=h + 1, names=range(len(header)),
                               dtype=str, keep_default_na=False, na_values=[""], skip_blank_lines=False,
                               quotechar='"', engine="c")
        except (pd.errors.ParserError, ValueError):  # ragged lines: the csv module takes them as they are
            rows = list(csv.reader(io.StringIO(text), delimiter=d))[h + 1:]
            body = pd.DataFrame([[None if c == "" else c for c in r] for r in rows], dtype=object)
        return header, h, cols, d, body.astype(object)
    raise first_error


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _xlsx_rows(path: Path, source: str) -> list[list]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise InputError(f"cannot open as an Excel workbook ({e})", source=source) from None
    try:
        ws = wb.worksheets[0]
        return [[_xlsx_value(v) for v in r] for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _xlsx_value(v):
    if isinstance(v, str) and not v.strip():
        return None
    if isinstance(v, dt.datetime):
        return v
    return v


# ---------------------------------------------------------------- cleaning values

def _drop_total_lines(raw: pd.DataFrame, body: pd.DataFrame, key: str) -> None:
    """Blank the total and subtotal lines in place (row numbers stay those of the file)."""
    if key not in raw.columns or not len(raw):
        return
    blank_key = raw[key].map(frames.blank).to_numpy(dtype=bool)
    for i in np.flatnonzero(blank_key):
        line = body.iloc[i].tolist() if i < len(body) else []
        if any(isinstance(v, str) and _TOTAL.search(v) for v in line):
            raw.iloc[i, :] = None


_COMMA_DEC = re.compile(r"\d,\d{1,2}\s*-?\s*(?:[A-Za-z€$£]{1,3})?\s*\)?$")
_DOT_DEC = re.compile(r"\d\.\d{1,2}\s*-?\s*(?:[A-Za-z€$£]{1,3})?\s*\)?$")
_DOT_THOUSANDS = re.compile(r"\d\.\d{3}(?!\d)")


def _amount_style(columns: list[pd.Series], delimiter: str) -> tuple[str, str] | None:
    """(decimal separator, thousands separator) of the file's amount texts, or None to leave them as they are."""
    texts = [v for s in columns for v in s.to_numpy()[:5000] if isinstance(v, str)]
    if not texts:
        return None
    comma = sum(1 for v in texts if _COMMA_DEC.search(v.strip()))
    dot = sum(1 for v in texts if _DOT_DEC.search(v.strip()))
    if comma > dot or (comma == dot == 0 and delimiter == ";" and any(_DOT_THOUSANDS.search(v) for v in texts)):
        return ",", "."
    if dot > 0:
        return ".", ","
    return None


_PLAIN = r"-?\d+(\.\d{1,2})?"
_PLAIN_RE = re.compile(_PLAIN)


def _normalise_amounts(values: pd.Series, style: tuple[str, str]) -> pd.Series:
    """Amount texts rewritten with a decimal point and no thousands separators, as numbers when every one
    is then plain (``-1234.56``; ``frames.coerce`` converts a column of numbers at once); numbers from XLSX
    cells are left as they are, and so is a column with a value that is no amount (coerce names it)."""
    dec, thousands = style
    filled = values.notna().to_numpy()
    texts = values[filled]
    if not len(texts) or pd.api.types.infer_dtype(texts, skipna=False) != "string":
        return values
    drop = re.compile("[" + re.escape(thousands) + "\\s\u00a0']")

    def plain(text: str) -> str:
        text = drop.sub("", text)
        if dec == ",":
            text = text.replace(",", ".")
        return "-" + text[:-1] if text.endswith("-") else text
    out = pd.Series([plain(t) for t in texts.to_numpy(dtype=object)], index=texts.index, dtype=object)
    result = values.copy()
    whole = _PLAIN_RE.fullmatch
    if all(whole(t) for t in out.to_numpy()):
        numbers = pd.Series(np.nan, index=values.index, dtype=float)
        numbers[filled] = out.astype(float).to_numpy()
        return numbers
    result[filled] = out.to_numpy()
    return result


_DATE_FORMATS = ((r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"), (r"\d{2}-\d{2}-\d{4}", "%d-%m-%Y"),
                 (r"\d{2}\.\d{2}\.\d{4}", "%d.%m.%Y"), (r"\d{2}/\d{2}/\d{4}", "%d/%m/%Y"))


def _fast_dates(values: pd.Series) -> pd.Series:
    """A column of date texts all in one common layout, parsed at once (a large export's speed); anything
    else is left to ``frames.coerce``, which reads each value and reports the bad ones."""
    filled = values.notna().to_numpy()
    texts = values[filled]
    if not len(texts) or pd.api.types.infer_dtype(texts, skipna=False) != "string":
        return values
    first = texts.iloc[0].strip()
    for pattern, layout in _DATE_FORMATS:
        if not re.fullmatch(pattern, first):
            continue
        parsed = pd.to_datetime(values, format=layout, errors="coerce")
        whole = re.compile(pattern).fullmatch
        if parsed[filled].isna().any() or not all(whole(t.strip()) for t in texts.to_numpy(dtype=object)):
            return values  # another layout or an impossible date (31-02-2026): coerce names it
        return parsed.astype("datetime64[ns]")
    return values


_SLASH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$")


def _normalise_slash_dates(values: pd.Series) -> pd.Series:
    """``11/23/2026`` -> ``2026-11-23`` when the column is month first (see the module rules)."""
    texts = values[values.notna().to_numpy()]
    if not len(texts) or pd.api.types.infer_dtype(texts, skipna=False) != "string" \
            or not texts.str.contains("/", regex=False).any():
        return values
    parts = [m.groups() for v in texts.to_numpy() if (m := _SLASH.match(v))]
    if not parts:
        return values
    if any(int(a) > 12 for a, _, _ in parts) or not any(int(b) > 12 for _, b, _ in parts):
        return values

    def fix(v):
        m = _SLASH.match(v) if isinstance(v, str) else None
        return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}" if m else v
    return values.map(fix)

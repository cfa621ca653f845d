"""CSV and XLSX exports from online banking.

Columns are found through ``mapping`` (canonical name -> header in the file)
or recognised automatically from the usual Dutch, German, French and English
headers ("Bedrag", "Betrag", "Montant", "Naam tegenrekening",
"Verwendungszweck", "Omschrijving", "Valutadatum", ...).  The header row may
follow a few lines of account information.  Amounts may use a decimal comma;
the direction is the amount's sign, a debit/credit indicator column ("Af Bij",
"S/H", "Soll/Haben", "Debit/credit") or separate credit and debit columns.

Canonical names accepted in ``mapping``: value_date, booking_date, amount,
credit_amount, debit_amount, direction, currency, payer_name, payer_iban,
remittance (several source columns may be joined: give a list),
creditor_reference, bank_reference, statement_id; and ``default_currency``
(a code, used when the file has no currency column; EUR otherwise).

Cells are read as text and never evaluated: ``=HYPERLINK(...)`` in a
remittance stays that string (the workbook writer stores text as text).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Mapping

import pandas as pd

from .. import synonyms
from ..dates import parse_date
from ..errors import CellProblem, InputError
from ..money import parse_amount
from .base import Credit, Importer, clean_text, currency_code, empty_payments, fail, find_creditor_reference, payments_frame, problem, read_head
from .delimited import Record, bom_encoding, decode, head_text, records, split_as, utf16_without_bom
from .report import Skipped, StatementRead

_SUFFIXES_TEXT = {".csv", ".txt", ".tsv", ".tab"}
_SUFFIXES_XLSX = {".xlsx", ".xlsm"}


def _key(header: object) -> str:
    """Header compared without case, accents, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", str(header or ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# Canonical field -> recognised headers, the preferred ones first: the shared table beside the schema.
SYNONYMS = synonyms.STATEMENT

_CREDIT_WORDS = {"bij", "h", "haben", "c", "cr", "credit", "crdt", "+", "gutschrift", "in", "incoming", "ontvangen", "recu", "entrant"}
_DEBIT_WORDS = {"af", "s", "soll", "d", "dr", "debit", "debet", "dbit", "-", "lastschrift", "out", "outgoing", "betaald", "sortant"}


def _canon_word(value: object) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).strip().lower()
    return "".join(c for c in text if not unicodedata.combining(c)).rstrip(".")


class CsvBankImporter(Importer):
    name = "CSV/XLSX bank export"

    def __init__(self, mapping: Mapping[str, object] | None = None):
        self.mapping = dict(mapping or {})

    # ------------------------------------------------------------------ protocol
    def identify(self, path: Path) -> bool:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in _SUFFIXES_TEXT | _SUFFIXES_XLSX:
            return False
        if suffix in _SUFFIXES_TEXT:
            head = read_head(path, 4096).lstrip(b"\xef\xbb\xbf \r\n\t")
            if head.startswith(b"<") or head.startswith(b":") or head.startswith(b"{1:"):
                return False
        if self.mapping and suffix in _SUFFIXES_TEXT:
            return True  # the user says it is a CSV export: extract names what does not fit
        try:
            rows = self._rows(path, limit=40)
        except (OSError, ValueError, UnicodeError, InputError):
            return False
        except Exception:  # noqa: BLE001 - a broken xlsx is "not mine"; extract reports it
            return False
        return self._find_header(rows) is not None

    def extract(self, path: Path) -> pd.DataFrame:
        return self.read(path).frame

    def read(self, path: Path) -> StatementRead:
        """The credits of the file, every line left out (with its number and why), and the unused columns.

        A line that cannot be read (broken quoting, another delimiter, fewer
        fields than the header, no amount, a sign contradicting the
        credit/debit column, a bad date...) is a problem: all of them are
        reported together and nothing is imported.  Debits and zero amounts
        are skipped and listed.  A file with lines below its header of which
        none is a transaction is refused.
        """
        path = Path(path)
        src = str(path)
        text_file = path.suffix.lower() not in _SUFFIXES_XLSX
        unit = "line" if text_file else "row"
        recs = self._records(path)
        rows = [r.cells for r in recs]
        found = self._find_header(rows)
        if found is None:
            first = next((r for r in rows[:30] if any(not _blank(v) for v in r)), [])
            if self.mapping:
                self._check_mapping(first, src)  # names the mapped column the first line lacks
            shown = ", ".join(repr(clean_text(v)) for v in first if not _blank(v))[:300]
            raise fail(src, "no header row with a date and an amount column found"
                            + (f" (the first line holds {shown})" if shown else "")
                            + "; give a column mapping, e.g. --map value_date=Datum --map amount=Bedrag")
        h, cols = found
        header = rows[h]
        self._check_mapping(header, src)
        n_head = _width(header)
        delim = getattr(self, "_delimiter", None)
        credits: list[Credit] = []
        problems: list[CellProblem] = []
        skipped: list[Skipped] = []
        data_lines = 0
        transactions = 0
        for rec in recs[h + 1:]:
            line, row = rec.line, rec.cells
            if not any(not _blank(v) for v in row):
                continue
            data_lines += 1

            def bad(message, field=None, column=None):
                col = column if column is not None else self._header(rows, h, cols.get(field)) if field else None
                problems.append(problem(src, message, row=line, column=col, unit=unit))

            if text_file and (rec.quote_error or len(row) < n_head or _width(row) > max(n_head, len(header))):
                hint = _other_delimiter(rec.raw, delim, n_head)
                if hint:
                    bad(f"uses {hint!r} as the delimiter where the header uses {delim!r}")
                elif rec.quote_error:
                    bad(rec.quote_error)
                else:
                    bad(f"has {len(row) if len(row) < n_head else _width(row)} fields where the header has {n_head} "
                        "(a missing column, a stray delimiter or a broken quote)")
                continue
            get = lambda field: _cell(row, cols.get(field))  # noqa: E731
            date_raw = get("value_date")
            date_col = cols.get("value_date")
            if _blank(date_raw):
                date_raw, date_col = get("booking_date"), cols.get("booking_date")
            try:
                cents = self._signed_amount(row, cols, get, rows[h])
            except _CellError as e:
                bad(e.message, e.field)
                continue
            if cents is None:
                if _is_date(date_raw):
                    amount_field = "amount" if "amount" in cols else "credit_amount"
                    bad("no amount on a line with a date", amount_field)
                else:
                    skipped.append(Skipped(path.name, line, "non-transaction line", unit=unit))
                continue
            transactions += 1
            if cents == 0:
                skipped.append(Skipped(path.name, line, "zero amount", unit=unit))
                continue
            if cents < 0:
                skipped.append(Skipped(path.name, line, "debit", unit=unit))
                continue
            try:
                value_date = parse_date(date_raw)
            except ValueError as e:
                bad(str(e), column=self._header(rows, h, date_col))
                continue
            remittance = " ".join(clean_text(_cell(row, c)) for c in cols.get("remittance", []) if not _blank(_cell(row, c)))
            creditor_ref = clean_text(get("creditor_reference")) or find_creditor_reference(remittance)
            try:
                currency = currency_code(clean_text(get("currency")) or self.mapping.get("default_currency", "") or "EUR")
            except ValueError as e:
                bad(str(e), "currency")
                continue
            bank_ref = clean_text(get("bank_reference"))
            statement_id = clean_text(get("statement_id"))
            credits.append(Credit(
                value_date=value_date, amount=cents, currency=currency,
                payer_name=clean_text(get("payer_name")), payer_iban=clean_text(get("payer_iban")),
                remittance=remittance, creditor_reference=creditor_ref, bank_reference=bank_ref,
                statement_id=statement_id,
                # the line as the bank wrote it: the same id whatever mapping reads it
                identity=("csv-line",) + tuple(clean_text(v) for v in row[:_width(row)]),
            ))
        if problems:
            raise InputError(problems)
        if data_lines and not transactions:
            raise fail(src, f"no transaction could be read: none of the {data_lines} line(s) below the header "
                            f"(line {recs[h].line}) has a date and an amount")
        frame = payments_frame(credits, src) if credits else empty_payments()
        used = {i for v in cols.values() for i in (v if isinstance(v, list) else [v])}
        unused = [clean_text(v) for i, v in enumerate(header) if i not in used and not _blank(v)]
        return StatementRead(frame, skipped, {path.name: unused} if unused else {})

    def _check_mapping(self, header: list[object], src: str) -> None:
        """Every ``--map`` names a payments column ar-xl knows and a column the file has."""
        keys = [_key(v) for v in header]
        have = ", ".join(repr(clean_text(v)) for v in header if not _blank(v))
        problems = []
        for field, source in self.mapping.items():
            if field == "default_currency":
                continue
            if field not in SYNONYMS:
                problems.append(problem(src, f"--map {field}=...: {field!r} is not a payments column; use one of "
                                             + ", ".join(SYNONYMS)))
                continue
            for s in (source if isinstance(source, (list, tuple)) else [source]):
                if _key(s) not in keys:
                    problems.append(problem(src, f"--map {field}={s}: the file has no column {str(s)!r}; "
                                                 f"its columns are {have}"))
        if problems:
            raise InputError(problems)

    # ------------------------------------------------------------------ reading
    def _rows(self, path: Path, limit: int | None = None) -> list[list[object]]:
        return [r.cells for r in self._records(path, limit)]

    def _records(self, path: Path, limit: int | None = None) -> list[Record]:
        if path.suffix.lower() in _SUFFIXES_XLSX:
            return [Record(i + 1, r, "") for i, r in enumerate(_xlsx_rows(path, limit))]
        data = path.read_bytes() if limit is None else read_head(path, 65536)
        if limit is not None and (bom_encoding(data)[0] or utf16_without_bom(data)):
            text = head_text(data)  # the first 64 KB may end inside a UTF-16 character
        else:
            text = decode(data)
        head = text.splitlines()[:40]
        # the delimiter is the one under which a header row is recognised;
        # ';' before ',' because ';' files carry decimal commas
        candidates = sorted((";", "\t", "|", ","), key=lambda d: -sum(ln.count(d) for ln in head))
        best = None
        for d in candidates:
            recs = records(text, d, limit)
            if best is None:
                best = (d, recs)
            if self._find_header([r.cells for r in recs[:40]]) is not None:
                self._delimiter = d
                return recs
        self._delimiter = best[0] if best else ";"
        return best[1] if best else []

    def _find_header(self, rows: list[list[object]]) -> tuple[int, dict] | None:
        """(index of the header row, canonical field -> column index or indices)."""
        for h, row in enumerate(rows[:30]):
            headers = [_key(v) for v in row]
            if sum(1 for x in headers if x) < 2:
                continue
            cols = self._columns(headers)
            self._resolve_valuta(headers, cols, rows[h + 1:h + 6])
            has_date = "value_date" in cols or "booking_date" in cols
            has_amount = "amount" in cols or "credit_amount" in cols
            if has_date and has_amount:
                return h, cols
        return None

    def _resolve_valuta(self, headers: list[str], cols: dict, data: list[list[object]]) -> None:
        """A column headed "Valuta" is the value date in German exports and the
        currency in Dutch ones: its values decide."""
        if "valuta" not in headers:
            return
        i = headers.index("valuta")
        if i in cols.values():
            return
        values = [str(r[i]).strip() for r in data if i < len(r) and not _blank(r[i])]
        if not values:
            return
        if all(re.fullmatch(r"[A-Za-z]{3}", v) for v in values):
            cols.setdefault("currency", i)
        elif "value_date" not in cols:
            cols["value_date"] = i

    def _columns(self, headers: list[str]) -> dict:
        cols: dict = {}
        taken: set[int] = set()
        # explicit mapping first
        for field, source in self.mapping.items():
            if field == "default_currency":
                continue
            sources = source if isinstance(source, (list, tuple)) else [source]
            idx = [headers.index(_key(s)) for s in sources if _key(s) in headers]
            if not idx:
                continue
            if field == "remittance":
                cols[field] = idx
            else:
                cols[field] = idx[0]
            taken.update(idx)
        for field, names in SYNONYMS.items():
            if field in cols:
                continue
            keys = [_key(n) for n in names]
            if field == "remittance":
                idx = [i for i, hd in enumerate(headers) if hd in keys and i not in taken]
                if idx:
                    cols[field] = idx
                    taken.update(idx)
                continue
            for k in keys:
                if k in headers and headers.index(k) not in taken:
                    cols[field] = headers.index(k)
                    taken.add(cols[field])
                    break
        if "direction" in cols and "amount" not in cols:
            cols.pop("direction")
        return cols

    def _header(self, rows, h, col) -> str | None:
        if col is None or isinstance(col, list):
            return None
        row = rows[h]
        return clean_text(row[col]) if col < len(row) else None

    def _signed_amount(self, row, cols, get, header=()) -> int | None:
        """The amount in cents with its direction applied; None when the line has none.

        A negative amount on a line the credit/debit column marks as a credit,
        or in the credit column, contradicts itself and is refused."""
        if "amount" in cols:
            raw = get("amount")
            if _blank(raw):
                return None
            cents = _parse_cents(raw, "amount", cols, row)
            if "direction" in cols:
                word = _canon_word(get("direction"))
                if word in _CREDIT_WORDS:
                    if cents < 0:
                        d = cols["direction"]
                        name = clean_text(header[d]) if d < len(header) else "credit/debit"
                        raise _CellError("amount", f"the amount {clean_text(raw)} is negative but the {name} column says "
                                                   f"{clean_text(get('direction'))!r} (a credit); the signs contradict "
                                                   "each other")
                    return cents
                if word in _DEBIT_WORDS:
                    return -abs(cents)
                raise _CellError("direction", f"not a debit/credit indicator: {clean_text(get('direction'))[:20]!r}")
            return cents
        credit, debit = get("credit_amount"), get("debit_amount")
        if not _blank(credit):
            cents = _parse_cents(credit, "credit_amount", cols, row)
            if cents < 0:
                raise _CellError("credit_amount", f"the amount {clean_text(credit)} in the credit column is negative; "
                                                  "a credit cannot be")
            if cents != 0:
                return cents
        if not _blank(debit):
            return -abs(_parse_cents(debit, "debit_amount", cols, row))
        return None if _blank(credit) else 0


class _CellError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _parse_cents(raw: object, field: str, cols, row) -> int:
    try:
        return parse_amount(raw.strip() if isinstance(raw, str) else raw)
    except ValueError as e:
        raise _CellError(field, str(e)) from None


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _width(row: list[object]) -> int:
    """Number of cells up to the last non-blank one."""
    n = len(row)
    while n and _blank(row[n - 1]):
        n -= 1
    return n


def _is_date(value: object) -> bool:
    if _blank(value):
        return False
    try:
        parse_date(value)
        return True
    except (ValueError, TypeError):
        return False


def _other_delimiter(raw: str, delim: str | None, n_head: int) -> str | None:
    """The delimiter a line uses instead of the header's, when another one splits it into the header's fields."""
    if not raw or not delim:
        return None
    for d in (";", ",", "\t", "|"):
        if d != delim and d in raw and len(split_as(raw, d)) == n_head:
            return d
    return None


def _cell(row: list[object], col) -> object:
    if col is None:
        return None
    if isinstance(col, list):
        col = col[0] if col else None
        if col is None:
            return None
    return row[col] if col < len(row) else None


def _xlsx_rows(path: Path, limit: int | None) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula is read as its text, never evaluated
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise fail(str(path), f"cannot open the workbook: {e}") from None
    try:
        ws = wb.worksheets[0]
        rows = []
        for i, r in enumerate(ws.iter_rows(values_only=True)):
            if limit is not None and i >= limit:
                break
            rows.append([_xlsx_value(v) for v in r])
        return rows
    finally:
        wb.close()


def _xlsx_value(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.date()
    return v

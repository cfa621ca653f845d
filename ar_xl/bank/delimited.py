"""Delimited text exports read record by record, each with its line number and its quoting checked.

Rules:
- The encoding comes from the byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32);
  without one, text with a zero byte beside every character is UTF-16, else
  UTF-8, or Windows-1252 when it is not valid UTF-8.
- Each record keeps the number of the physical line it starts on (1-based),
  so every problem and every skipped line can be named.
- A record must follow RFC 4180 quoting: a quoted field is ``"..."`` with
  inner quotes doubled and nothing but the delimiter after its closing quote.
  In a file that quotes its fields, a quote inside an unquoted field is a
  broken (unbalanced) quote; in a file that never quotes, it is plain text.
  A record whose quoting is broken gets ``quote_error`` and is reported, not
  guessed at.
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass


@dataclass
class Record:
    line: int
    cells: list[str]
    raw: str
    quote_error: str = ""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def bom_encoding(data: bytes) -> tuple[str | None, int]:
    """(encoding named by the byte-order mark, length of the mark) or (None, 0)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None, 0


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 text without a BOM (ASCII
    characters with a zero byte beside each), else None."""
    head = data[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > len(odd) * 0.6 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.6 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def head_text(head: bytes) -> str:
    """The first bytes of a file as text, for recognising its format (any BOM, or UTF-16 without one)."""
    enc, skip = bom_encoding(head)
    if not enc:
        enc = utf16_without_bom(head)
    if enc:
        data = head[skip:]
        unit = 4 if "32" in enc else 2 if "16" in enc else 1
        data = data[: len(data) - len(data) % unit]
        return data.decode(enc, errors="replace")
    return head.decode("utf-8", errors="replace")


def decode(data: bytes) -> str:
    """Text of a statement file; ``UnicodeError`` names the encoding when its BOM lies."""
    enc, skip = bom_encoding(data)
    if not enc and utf16_without_bom(data):
        enc = utf16_without_bom(data)
    if enc:
        try:
            return data[skip:].decode(enc)
        except UnicodeDecodeError as e:
            raise UnicodeError(f"the file starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()} "
                               f"(byte {e.start + skip})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _record_pattern(delimiter: str, bare_quotes: bool) -> re.Pattern:
    d = re.escape(delimiter)
    quoted = r'[ \t]*"(?:[^"]|"")*"[ \t]*'
    plain = f"[^{d}\\r\\n]*" if bare_quotes else f'[^"{d}\\r\\n]*'
    field = f"(?:{quoted}|{plain})"
    return re.compile(f"{field}(?:{d}{field})*")


def records(text: str, delimiter: str, limit: int | None = None) -> list[Record]:
    """The records of ``text`` split on ``delimiter``, each with its first line number."""
    lines = text.splitlines(keepends=True)
    if limit is not None:
        lines = lines[:limit]
    consumed: list[str] = []
    pos = [0]

    def feed():
        while pos[0] < len(lines):
            ln = lines[pos[0]]
            pos[0] += 1
            consumed.append(ln)
            yield ln

    reader = csv.reader(feed(), delimiter=delimiter, quotechar='"')
    out: list[Record] = []
    start = 1
    pattern = None
    while True:
        consumed.clear()
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:  # e.g. a NUL byte
            raw = "".join(consumed)
            out.append(Record(start, [], raw, f"cannot be split into fields ({e})"))
            start += max(1, len(consumed))
            continue
        raw = "".join(consumed)
        rec = Record(start, list(cells), raw)
        if pattern is None and raw.strip():
            # the first non-empty record (the preamble or the header) shows whether the file quotes
            pattern = _record_pattern(delimiter, bare_quotes='"' not in raw)
        body = raw.rstrip("\r\n")
        if pattern is not None and '"' in body and not pattern.fullmatch(body):
            rec.quote_error = "has an unbalanced or stray quote (\")"
        if len(consumed) > 1 and '"' in body and not rec.quote_error:
            # a quoted field running over several lines: legal, but when the
            # quote is never closed it swallows the rest of the file
            if body.count('"') % 2:
                rec.quote_error = "has a quote (\") that is never closed"
        out.append(rec)
        start += max(1, len(consumed))
    return out


def split_as(raw: str, delimiter: str) -> list[str]:
    """``raw`` (one record) split on another delimiter, to say which one a line uses."""
    try:
        return next(csv.reader([raw.rstrip("\r\n")], delimiter=delimiter, quotechar='"'), [])
    except csv.Error:
        return []

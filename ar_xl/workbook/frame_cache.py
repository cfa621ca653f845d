"""The tables of a workbook file as this machine last read them, kept to skip reading them again.

Reading a 100,000-row Invoices sheet (parsing its XML, turning cells into values, checking every
cell, ``frames.coerce``) takes most of a load.  Most actions leave most sheets unchanged, and the
file shell copies an unchanged sheet's part into the new file byte for byte (``package``).  So a
table read once is kept here, with the exact bytes it was read from; the next load of that workbook
takes it from here when those bytes are the same, and reads it from the file otherwise.

The rule: an entry is used only when **every byte it was read from is the same** — the sheet's part
as stored in the file (its compressed bytes, hashed with BLAKE2b), the shared strings, the styles
(they decide which numbers are dates), the workbook part (1900 or 1904 dates), the table's sheet and
range, the name the file is reported by, and the code that reads it (the reading modules' own
source).  Anything else — a person's edit in Excel, another action, another version of ar-xl — reads
the table from the file, as without the cache.  Nothing is ever written from here: the file is the
truth, the cache only skips re-reading identical bytes.

Where: ``AR_XL_CACHE_DIR``, else the user's cache folder (``platformdirs``: ``~/.cache/ar-xl`` on
Linux, ``%LOCALAPPDATA%\\ar-xl\\Cache`` on Windows).  One file per workbook and table (the newest
read replaces the older one); ``AR_XL_CACHE_DIR=off`` turns the cache off.  An entry is only read
from a folder and a file owned by this user and writable by nobody else (``_trusted``): another
user could otherwise put other figures in front of this one.

An entry holds the frame's columns as plain arrays (``_encode``): numbers, dates and flags as their
bytes, a text column as its cells joined by NUL (a character no cell of an XML file can hold) in UTF-8.
A frame with anything else in it (a column of mixed values a person typed) is not kept.  No pickle:
reading an entry runs no code from it.
"""
from __future__ import annotations

import atexit
import hashlib
import io
import json
import os
import stat
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ENV = "AR_XL_CACHE_DIR"
MAGIC = b"ARXLFC3\n"
MIN_ROWS = 2_000
"""Tables shorter than this are read from the file (reading them is quicker than keeping them);
``AR_XL_CACHE_MIN_ROWS`` overrides it (the test suite keeps every table, so every load it makes
twice goes through here)."""

_READERS = ("frames", "schema", "book", "workbook/cell_reader", "workbook/xlsx_fast", "workbook/xlsx",
            "workbook/frame_cache")
_code = None


def folder() -> Path | None:
    """The cache folder, or None when the cache is off."""
    env = os.environ.get(ENV, "").strip()
    if env.lower() in ("off", "0", "no", "false"):
        return None
    if env:
        return Path(env)
    import platformdirs
    return Path(platformdirs.user_cache_dir("ar-xl", appauthor=False)) / "frames"


def _code_digest() -> str:
    """The reading code's own bytes (and the versions of Python and pandas): another version reads anew."""
    global _code
    if _code is None:
        h = hashlib.blake2b(digest_size=16)
        root = Path(__file__).resolve().parent.parent
        for name in _READERS:
            h.update((root / f"{name}.py").read_bytes())
        h.update(f"{sys.version}|{pd.__version__}".encode())
        _code = h.hexdigest()
    return _code


def _raw(z: zipfile.ZipFile, data: bytes, name: str) -> bytes:
    """A part's bytes as stored in the file (compressed), or b'' when the file has no such part."""
    try:
        info = z.getinfo(name)
    except KeyError:
        return b""
    off = info.header_offset
    n, m = struct.unpack("<HH", data[off + 26:off + 30])
    start = off + 30 + n + m
    return data[start:start + info.compress_size]


class Parts:
    """Digests of one file's parts (computed once each)."""

    def __init__(self, data: bytes, sheets: dict[str, str], z: zipfile.ZipFile | None = None):
        self.data = data
        self.zip = z if z is not None else zipfile.ZipFile(io.BytesIO(data))
        self.sheets = sheets
        self._seen: dict[str, str] = {}

    def digest(self, part: str) -> str:
        if part not in self._seen:
            info = self.zip.getinfo(part) if part in self.zip.NameToInfo else None
            h = hashlib.blake2b(digest_size=20)
            if info is not None:
                h.update(f"{info.CRC}|{info.file_size}|{info.compress_type}|".encode())
                h.update(_raw(self.zip, self.data, part))
            self._seen[part] = h.hexdigest()
        return self._seen[part]

    def key(self, title: str, ref: str, source: str) -> str | None:
        part = self.sheets.get(title)
        if not part:
            return None
        fixed = [self.digest(p) for p in (part, "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml")]
        return "|".join([_code_digest(), *fixed, title, ref, source])


def _entry(path: Path, table: str) -> Path | None:
    root = folder()
    if root is None:
        return None
    name = hashlib.blake2b(f"{path.resolve()}|{table}".encode(), digest_size=16).hexdigest()
    return root / f"{name}.frame"


def _trusted(p: Path) -> bool:
    """A file in a folder only this user may write, owned by this user and written by no one else."""
    if os.name != "posix":
        return True  # the per-user profile folder
    try:
        for q in (p.parent, p):
            st = q.stat()
            if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
    except OSError:
        return False
    return True


def _head(p: Path) -> tuple[dict, int] | None:
    with open(p, "rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            return None
        (n,) = struct.unpack("<I", f.read(4))
        return json.loads(f.read(n)), len(MAGIC) + 4 + n


def lookup(path: Path, table: str, parts: Parts) -> tuple[str, str] | None:
    """(sheet title, table range) of a kept ``table`` of ``path`` whose bytes are still those of the
    file (``parts``); None when there is none.  The frame is taken with ``take`` once the workbook's own
    reading confirms the table sits on that sheet at that range."""
    p = _entry(path, table)
    if p is None or not p.is_file() or not _trusted(p):
        return None
    try:
        found = _head(p)
    except (OSError, ValueError, struct.error):
        return None
    if found is None:
        return None
    head, _ = found
    title, ref, source = head.get("title", ""), head.get("ref", ""), head.get("source", "")
    if head.get("key") != parts.key(title, ref, source):
        return None
    return title, ref


def take(path: Path, table: str, title: str, ref: str, parts: Parts) -> pd.DataFrame | None:
    """The kept frame, when its entry still matches the file (checked again: it may have been replaced)."""
    p = _entry(path, table)
    try:
        found = _head(p)
        if found is None:
            return None
        head, start = found
        if head.get("title") != title or head.get("ref") != ref \
                or head.get("key") != parts.key(title, ref, head.get("source", "")):
            return None
        with open(p, "rb") as f:
            f.seek(start)
            body = f.read()
        return _decode(head, body)
    except Exception:  # noqa: BLE001 - a damaged entry: read the table from the file
        return None


_pending: dict[tuple[Path, str], tuple] = {}


def keep_later(path: Path, table: str, title: str, ref: str, source: str, frame: pd.DataFrame,
               parts: Parts) -> None:
    """Keep ``frame`` once the command is done (``flush``: after its save, at the next load, at the
    latest when the process ends), unless the command rewrites its table meanwhile (``forget``): a
    table is kept only when the next command can use it.  The frame is held as a shallow copy, which pandas'
    copy-on-write keeps as read whatever the command does with the book's frame."""
    if not _pending:
        atexit.register(flush)
    _pending[(Path(path), table)] = (title, ref, source, frame.copy(deep=False), parts)


def forget(path: Path, tables) -> None:
    """The command rewrote these tables of ``path``: what was read of them is not kept."""
    for t in tables:
        _pending.pop((Path(path), t), None)


def flush() -> None:
    """Keep what ``keep_later`` holds (see ``keep``)."""
    while _pending:
        (path, table), (title, ref, source, frame, parts) = _pending.popitem()
        keep(path, table, title, ref, source, frame, parts)


def keep(path: Path, table: str, title: str, ref: str, source: str, frame: pd.DataFrame, parts: Parts) -> None:
    """Keep ``frame`` as read from ``path``'s current bytes (replacing the older entry); quietly nothing
    when the folder cannot be written."""
    if len(frame) < int(os.environ.get("AR_XL_CACHE_MIN_ROWS", MIN_ROWS)):
        return
    p = _entry(path, table)
    key = parts.key(title, ref, source)
    if p is None or key is None:
        return
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(p.parent):
            return
        encoded = _encode(frame)
        if encoded is None:
            return
        columns, buffers = encoded
        head = json.dumps({"key": key, "title": title, "ref": ref, "source": source, "columns": columns,
                           "rows": len(frame), "attrs_source": frame.attrs.get("source")}).encode()
        tmp = p.with_name(f"{p.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(MAGIC + struct.pack("<I", len(head)) + head)
            for b in buffers:
                f.write(b)
        os.replace(tmp, p)
    except OSError:
        try:
            tmp.unlink()  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass


_PLAIN = ("int64", "float64", "bool", "datetime64[ns]")


def _encode(frame: pd.DataFrame) -> tuple[list[dict], list[bytes]] | None:
    """The frame's columns as (descriptions, buffers); None when a column is not plain."""
    from .. import frames
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        return None
    if set(frame.attrs) - {"rows", "source"} or not frame.columns.is_unique:
        return None
    rows = frames.row_numbers(frame)
    columns, buffers = [], []

    def add(desc: dict, *parts: bytes) -> None:
        desc["sizes"] = [len(b) for b in parts]
        columns.append(desc)
        buffers.extend(parts)

    add({"name": None, "kind": "rows"}, b"" if rows is None else np.ascontiguousarray(rows, dtype=np.int64).tobytes())
    for name in frame.columns:
        if not isinstance(name, str):
            return None
        col = frame[name]
        dtype = str(col.dtype)
        if dtype in _PLAIN:
            add({"name": name, "kind": dtype}, np.ascontiguousarray(col.to_numpy()).view(np.uint8).tobytes())
        elif dtype == "Int64":
            arr = col.array
            add({"name": name, "kind": dtype}, np.ascontiguousarray(arr._data, dtype=np.int64).tobytes(),
                np.ascontiguousarray(arr._mask, dtype=bool).tobytes())
        elif dtype == "object":
            values = col.tolist()
            try:
                joined = "\0".join(values)
            except TypeError:  # a value that is not text
                return None
            if joined.count("\0") != max(len(values) - 1, 0):
                return None  # a cell holding NUL (never in a workbook): not kept
            add({"name": name, "kind": "str"}, joined.encode("utf-8", "surrogatepass"))
        else:
            return None
    return columns, buffers


def _decode(head: dict, body: bytes) -> pd.DataFrame | None:
    from .. import frames
    n = int(head["rows"])
    out, pos, rows = {}, 0, None
    for desc in head["columns"]:
        parts = []
        for size in desc["sizes"]:
            parts.append(body[pos:pos + size])
            pos += size
        kind = desc["kind"]
        if kind == "rows":
            rows = np.frombuffer(parts[0], dtype=np.int64).copy() if parts[0] or n == 0 else None
            continue
        if kind in _PLAIN:
            values = np.frombuffer(parts[0], dtype=np.dtype(kind)).copy()
        elif kind == "Int64":
            values = pd.arrays.IntegerArray(np.frombuffer(parts[0], dtype=np.int64).copy(),
                                            np.frombuffer(parts[1], dtype=bool).copy())
        elif kind == "str":
            cells = parts[0].decode("utf-8", "surrogatepass").split("\0") if n else []
            values = np.empty(n, dtype=object)
            values[:] = cells
        else:
            return None
        if len(values) != n:
            return None
        out[desc["name"]] = pd.Series(values, dtype=object) if kind == "str" else values
    if pos != len(body):
        return None
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    if rows is not None:
        frame.attrs["rows"] = frames.RowNumbers(rows)
    if head.get("attrs_source") is not None:
        frame.attrs["source"] = head["attrs_source"]
    return frame

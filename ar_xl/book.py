"""The collections workbook in memory, and the changes an action makes to it.

Every action works the same way, whichever shell calls it (the ``ar-xl``
command on a workbook file, a ribbon button in live Excel, a test):

1. the shell reads the tables into a ``Book`` (canonical frames, money in
   cents, dates as dates) together with the ``Config``;
2. the action computes and returns a ``Change``: the new bodies of the tables
   it touched, the Audit rows describing what changed, and a one-line summary;
3. the shell writes the ``Change`` back once.

``Change.merged`` protects people's work: a table written back keeps every row
that is not in the new body (nothing a person may need is deleted, except in
derived tables such as Aging), and a non-empty value in an *editable* column
(notes, review decisions, statuses people set) is never overwritten.
"""
from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from . import clock
from . import config as config_mod
from . import checks, frames, schema
from .engine import audit_archive
from .errors import ArXlError, InputError

DERIVED_TABLES = {"Aging", "Worklist", "Forecast", "Credits", "AgingHistory"}
"""Tables an action rewrites whole; everything else is merged row by row (AgingHistory: the action keeps every
other date's rows itself, ``engine.trends.merge``)."""

MAY_BE_ABSENT = {"Aging", "Worklist", "Forecast", "AgingHistory", "Config", "WriteOffs", "Handovers", "Credits",
                 "Refunds"}
"""Tables a workbook may lack: Aging, Worklist and Forecast are written whole by *Refresh aging*, *Worklist* and
*Forecast*; without Config the built-in settings apply (and the summaries say which FX rates were used and where
they came from); AgingHistory is added by the first refresh; WriteOffs by the first write-off to a workbook made
before it existed, Handovers by the first handover, Credits and Refunds by the first ``ar-xl credits``."""


def current_user() -> str:
    return os.environ.get("AR_XL_USER") or getpass.getuser() or "unknown"


def new_run_id(action: str) -> str:
    return f"{action}-{clock.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"


@dataclass
class Book:
    """A snapshot of the workbook's tables as canonical frames."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    source: str = "workbook"
    user: str = field(default_factory=current_user)
    missing: dict[str, list[str]] = field(default_factory=dict)
    """Tables a workbook was read for but does not hold (renamed, or their sheet deleted), each with
    the table names the workbook does hold; asking for one stops the action (``MissingTable``)."""
    later: dict = field(default_factory=dict)
    """Tables the workbook holds but the shell has not read yet (name -> a function returning the
    canonical frame): derived tables the action will replace whole (``xlsx.load``'s ``later``).  ``get``
    reads one on first use, so an action that does look at it gets it as if read with the rest."""
    archived: Callable[[], pd.DataFrame] | None = None
    """The Audit rows archived beside the workbook (``ar-xl audit-archive``), read when asked for
    (``history``); set by the shell that read the workbook from a file."""
    to_mend: list[str] = field(default_factory=list)
    """What the shell found wrong in the file's package that its next save mends, in words (``sheetId 20:
    Dashboard, DashboardData``: ids Excel wants unique, given twice by an earlier ar-xl); ``actions.upgrade``
    writes the workbook for it alone."""
    headers: dict[str, list[str]] = field(default_factory=dict)
    """Each table's header row as the workbook shows it (the header cells' text, left to right: "Invoice ID",
    or ``invoice_id`` in a workbook of an earlier version), as the shell read it; the frames have the canonical
    names.  An action that rewrites a table for its layout alone (``actions.upgrade``) tells from it whether the
    table needs it.  A table the Book was built without a shell for has none."""

    def get(self, name: str) -> pd.DataFrame:
        """The table's canonical frame; an empty one when this Book was built without it, and
        ``MissingTable`` when it was read from a workbook that lacks it: an action never takes a
        renamed or deleted table for an empty one (it would age 0 items or reopen kept promises)."""
        t = schema.table(name)
        if t.name in self.tables:
            return self.tables[t.name]
        if t.name in self.later:
            self.tables[t.name] = self.later.pop(t.name)()
            return self.tables[t.name]
        if t.name in self.missing:
            raise MissingTable(self.source, t, self.missing[t.name])
        return frames.empty_frame(t)

    def history(self) -> pd.DataFrame:
        """The whole Audit trail: the archived rows the workbook no longer holds (a row a killed archive run
        left in both counts once, ``engine.audit_archive.unseen``), then the workbook's Audit."""
        audit = self.get("Audit")
        archived = self.archived() if self.archived is not None else None
        if archived is None or not len(archived):
            return audit
        return pd.concat([archived[audit_archive.unseen(archived, audit)], audit], ignore_index=True)

    def has(self, name: str) -> bool:
        name = schema.table(name).name
        return name in self.tables or name in self.later

    def optional(self, name: str) -> pd.DataFrame | None:
        """The table's frame when this book holds it, else None (a table an action can do without)."""
        return self.get(name) if self.has(name) else None

    @property
    def warnings(self) -> list[str]:
        """Rows of the tables held that look wrong (``checks.warnings``): an open amount larger than
        the amount, opposite signs, a due date before the invoice date."""
        return [w for name, frame in self.tables.items() for w in checks.warnings(frame, name)]

    @property
    def config(self) -> config_mod.Config:
        rows = self.tables.get("Config")
        return config_mod.from_rows(rows, f"{self.source} sheet Config")


class MissingTable(ArXlError):
    """An action needs a table the workbook does not hold; nothing was changed."""

    def __init__(self, source: str, t: schema.Table, present: list[str]):
        others = f" The tables it holds: {', '.join(present)}." if present else " It holds no Excel tables."
        super().__init__(
            f"{source}: the workbook has no Excel table named {t.name} (on sheet {t.sheet_name}), which this "
            f"action needs; was it renamed or its sheet deleted?{others} Rename the table back to {t.name} "
            f"(Table Design > Table Name) or restore the sheet. Nothing was changed.")


def read_book(source: str, find, tables: list[str] | None = None, present: list[str] | None = None,
              ready: dict[str, pd.DataFrame] | None = None, order: dict[str, int] | None = None) -> Book:
    """A Book from a workbook's tables, whichever shell reads them.

    ``find(table)`` returns ``(raw frame with the header as columns, row number
    of the first data row, sheet name)``, or ``None`` when the workbook has no
    such table.  ``tables`` limits what is read (Config is always read).  Every
    bad cell of every table is reported in one ``InputError``.  A table the
    workbook lacks (other than ``MAY_BE_ABSENT``) is noted in ``Book.missing``
    with the ``present`` table names, so the first action that needs it stops.  ``ready`` holds
    tables already read from these very bytes (``workbook.frame_cache``): they are taken as they are.
    Each header row ``find`` returns is kept in ``Book.headers`` (the caller adds those of ``ready`` tables).
    ``order`` (table -> rank) is the order to read them in (the file shell reads the small sheets
    first, while the large one is parsed in the background); the Book holds them in the schema's order.
    """
    book = Book(source=source)
    problems: dict[str, list] = {}
    for t in sorted(schema.TABLES.values(), key=lambda t: (order or {}).get(t.name, 0)):
        if tables is not None and t.name not in tables and t.name != "Config":
            continue
        if ready and t.name in ready:
            book.tables[t.name] = ready[t.name]
            continue
        found = find(t)
        if found is None:
            if t.name not in MAY_BE_ABSENT:
                book.missing[t.name] = list(present or [])
            continue
        raw, first, sheet = found
        book.headers[t.name] = [str(h) for h in raw.columns]
        try:
            book.tables[t.name] = frames.coerce(raw, t, f"{source} sheet {sheet}", first_row=first)
        except InputError as e:
            problems[t.name] = e.problems
    if problems:  # reported table by table in the schema's order, whichever was read first
        raise InputError([p for t in schema.TABLES if t in problems for p in problems[t]])
    book.tables = {t: book.tables[t] for t in schema.TABLES if t in book.tables}
    book.missing = {t: book.missing[t] for t in schema.TABLES if t in book.missing}
    book.headers = {t: book.headers[t] for t in schema.TABLES if t in book.headers}
    return book


@dataclass
class Change:
    """What an action wants written: new table bodies, audit rows and a summary."""

    action: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    audit: list[dict] = field(default_factory=list)
    summary: str = ""
    run_id: str = ""
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    """For dynamic tables (Aging): extra money columns after the defined ones."""
    remove: dict[str, set] = field(default_factory=dict)
    """Keys of rows the action withdraws (stale suggestions). A row is only removed
    while no person has written in any of its editable columns."""
    titles: dict[str, str] = field(default_factory=dict)
    """The title line above a table with ``schema.Table.title_rows`` (Aging: "Aging as of 1 December 2026")."""
    warnings: list[str] = field(default_factory=list)
    """What the person should look at although the action ran (odd rows, FX rates from the built-in
    defaults); the command prints them and the ribbon shows them after the summary."""
    archive: pd.DataFrame | None = None
    """Audit rows the action moves out of the workbook (``actions.audit_archive``): written to the archive
    beside it (``workbook.audit_files``) before the workbook is saved without them."""
    notes: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    """Text the action adds to a person's column (a note) of a row it writes: ``{table: [(key, column, text)]}``.
    A person's text there is never replaced: ``merged`` adds ``text`` after what the cell holds when the workbook
    is written (``; `` between), so a note typed meanwhile stays too."""

    @property
    def writes_nothing(self) -> bool:
        """Nothing to write: no table, Audit row, note or archived rows.  The shells leave the workbook as it is
        (the file is not saved again: its bytes, modification time and backups stay)."""
        return not (self.tables or self.audit or self.notes) and self.archive is None

    def __post_init__(self):
        if not self.run_id:
            self.run_id = new_run_id(self.action)

    def log(self, user: str, table: str, key: str, column: str = "", old=None, new=None, rule: str = "") -> None:
        self.audit.append({
            "timestamp": pd.Timestamp(clock.now()),
            "user": user, "action": self.action, "run_id": self.run_id, "table": table,
            "key": str(key), "column": column,
            "old_value": "" if old is None else str(old), "new_value": "" if new is None else str(new),
            "rule": rule,
        })

    def _own_columns_kept(self, book: Book, t: schema.Table, new: pd.DataFrame) -> pd.DataFrame:
        """A derived table written whole keeps what a person typed in their own columns on the row of the same key
        (``own_columns_by_key``); a value whose row is gone goes to Audit (old value, nothing new) and is warned
        about, naming the row, the column and the text, so nothing typed is lost without a word."""
        new, lost = own_columns_by_key(book.get(t.name), new, t)
        for key, column, text in lost:
            said = (f"{t.name}: {key} is no longer listed, so its {column!r} ({text!r}) has no row; it is kept in "
                    f"Audit (keep such notes in the note column of Customers or Invoices)")
            if said in self.warnings:  # merged again (a retry): logged already
                continue
            self.warnings.append(said)
            self.log(book.user, t.name, key, column, text, "", f"{t.name} no longer has row {key}: a person's own "
                     "column kept here")
        return new

    def body(self, book: Book, name: str) -> pd.DataFrame:
        """The table as this change leaves it so far: the body it writes, else the book's."""
        return self.tables[name] if name in self.tables else book.get(name)

    def merged(self, book: Book) -> dict[str, pd.DataFrame]:
        """Final bodies to write, with people's rows and edits protected, and Audit appended."""
        out = {}
        for name, new in self.tables.items():
            t = schema.table(name)
            if t.name in DERIVED_TABLES and t.key and not t.dynamic:
                out[t.name] = self._own_columns_kept(book, t, new)
            elif t.name in DERIVED_TABLES or not t.key:
                out[t.name] = new
            else:
                out[t.name] = merge_preserving(book.get(t.name), new, t, self.remove.get(t.name, ()))
        for name, notes in self.notes.items():
            t = schema.table(name)
            out[t.name] = _add_notes(out[t.name] if t.name in out else book.get(t.name), t, notes)
        if self.audit:
            audit_new = pd.DataFrame(self.audit, columns=schema.AUDIT.names)
            base = out["Audit"] if "Audit" in out else book.get("Audit")  # an archive writes Audit itself
            out["Audit"] = pd.concat([base, audit_new], ignore_index=True)
        if "Audit" in out:
            said = audit_archive.note(len(out["Audit"]), book.source)
            if said is not None and said not in self.warnings:
                self.warnings.append(said)
        return out


def own_columns_by_key(old: pd.DataFrame, new: pd.DataFrame, t: schema.Table) -> tuple[pd.DataFrame, list]:
    """``new`` (a derived table written whole) with the values of a person's own columns of ``old`` (columns
    added to the table, not in the schema) carried to the row of the same key, and ``(key, column, text)`` of each
    value whose key has no row in ``new`` (a customer no longer on the Worklist): the caller keeps those in Audit."""
    own = [c for c in old.columns if c not in t.names and c not in new.columns]
    if not own or not len(old):
        return new, []
    new = new.reset_index(drop=True).copy()
    old = old.reset_index(drop=True)
    where = _key_positions(new, old, list(t.key)) if len(new) else np.full(len(old), -1)
    keys = [" / ".join(frames.text(old.at[i, k]) for k in t.key) for i in range(len(old))]
    lost = []
    for c in own:
        col = np.full(len(new), None, dtype=object)
        for i, (pos, v) in enumerate(zip(where.tolist(), old[c].tolist())):
            if frames.blank(v):
                continue
            if pos >= 0:
                col[pos] = v
            else:
                lost.append((keys[i], c, frames.text(v)))
        new[c] = col
    return new, lost


def _add_notes(body: pd.DataFrame, t: schema.Table, notes: list[tuple[str, str, str]]) -> pd.DataFrame:
    """``body`` with each ``(key, column, text)`` of ``Change.notes`` added after what the cell holds."""
    body = body.copy()
    keys = body[t.key[0]].map(frames.text)
    for key, column, text in notes:
        if column not in body.columns:
            body[column] = ""
        body[column] = body[column].astype(object)
        for pos in body.index[keys == key]:
            before = frames.text(body.at[pos, column])
            body.at[pos, column] = f"{before}; {text}" if before else text
    return body


def check_rows(source: str, name: str, header_row: int, rows: int) -> None:
    """Refuse (``ArXlError``, before anything is written) a table whose body would go past Excel's last row:
    its header on ``header_row`` and ``rows`` rows under it."""
    last = header_row + rows
    if last <= schema.EXCEL_ROWS:
        return
    hint = (" Move its oldest rows to the archive beside the workbook with the ribbon's Archive Audit, or "
            f"`ar-xl audit-archive {source}` while nobody has it open (nothing is deleted), then run the action "
            "again." if name == "Audit" else "")
    raise ArXlError(f"{source}: the {name} table would need {rows:,} rows under its header on row {header_row:,}, "
                    f"up to row {last:,}; a sheet holds {schema.EXCEL_ROWS:,}.{hint} Nothing was changed.")


def _key_index(df: pd.DataFrame, key: list[str]) -> pd.MultiIndex:
    """Each row's key plus its occurrence number among the rows sharing that key, so the k-th row
    of a repeated key (an ERP export listing an invoice twice) meets the k-th row of the other body."""
    keys = [df[k].astype(str).reset_index(drop=True) for k in key]
    occurrence = pd.concat(keys, axis=1, keys=range(len(keys))).groupby(list(range(len(keys))), sort=False).cumcount()
    return pd.MultiIndex.from_arrays([k.to_numpy() for k in keys] + [occurrence.to_numpy()])


def _key_positions(new: pd.DataFrame, old: pd.DataFrame, key: list[str]) -> np.ndarray:
    """For each row of ``old``, the row of ``new`` with the same key (``_key_index``), or -1.  A one-column key
    that no two rows of either body share (the usual case) is looked up directly: every occurrence number is 0."""
    if len(key) == 1:
        k_new, k_old = pd.Index(new[key[0]].astype(str)), pd.Index(old[key[0]].astype(str))
        if k_new.is_unique and k_old.is_unique:
            return k_new.get_indexer(k_old)
    return _key_index(new, key).get_indexer(_key_index(old, key))


def merge_preserving(old: pd.DataFrame, new: pd.DataFrame, t: schema.Table, remove=()) -> pd.DataFrame:
    """``new`` laid over ``old`` by key: old rows missing from ``new`` are kept at
    their place, new rows are appended, and non-empty editable values in ``old``
    win over whatever ``new`` says (except the system defaults a column declares
    ``replaceable``, such as an invoice status still 'open').  A person's own columns (added to the
    table, not in the schema) count as editable: no action writes them, so a blank in ``new`` (a row
    an action made afresh) never wipes what a person typed.  Old rows whose key is in ``remove`` are
    dropped, unless a person wrote in one of their editable columns (the action that withdraws rows
    decides about values in a person's own columns: see ``actions.match``)."""
    new = new.reset_index(drop=True)
    if old is None or not len(old):
        return new
    old = old.reset_index(drop=True)
    key = list(t.key)
    if remove:
        wanted = {k if isinstance(k, tuple) else (k,) for k in remove}
        old_keys = list(zip(*[old[k].astype(str) for k in key]))
        touched = old[[c for c in t.editable if c in old.columns]].apply(
            lambda col: ~col.map(frames.blank)).any(axis=1).to_numpy() if t.editable else [False] * len(old)
        drop = [k in wanted and not touched[i] for i, k in enumerate(old_keys)]
        old = old.loc[[not d for d in drop]].reset_index(drop=True)
    where = _key_positions(new, old, key) if len(new) else np.full(len(old), -1)
    hit = where >= 0
    merged = old.copy(deep=False)  # (copy-on-write: each column written below is a new one)
    editable = set(t.editable) | {c for c in new.columns if c not in t.names}
    aligned = len(new) >= len(old) and bool(np.array_equal(where, np.arange(len(old))))
    for c in new.columns:
        new_vals = new[c].to_numpy()
        if c not in merged.columns:
            merged[c] = pd.Series([None] * len(merged), dtype=new[c].dtype if len(merged) == 0 else object)
        if not hit.any():
            continue
        if aligned and c in old.columns and frames.same_column(old[c], new[c].iloc[:len(old)]):
            continue  # row for row the old column itself (an action left it as read): laid over, it stays
        dtype = merged[c].dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "Mmifb" and dtype == new[c].dtype:
            col = merged[c].to_numpy().copy()  # dates, numbers: as they are (no Timestamp objects)
        else:
            col = merged[c].astype(object).to_numpy().copy()
        take = hit.copy()
        if c in editable:
            free = t.replaceable(c) if c in t.names else set()
            empty = frames.blank_cells(merged[c])  # ``frames.blank`` of each cell, column-wide
            if free:
                empty |= np.array([v in free for v in frames.texts(merged[c], "lower")], dtype=bool)
            take &= empty
        col[take] = new_vals[where[take]]
        merged[c] = col
    appended = new.loc[~pd.Series(range(len(new))).isin(where[hit]).to_numpy()]
    out = pd.concat([merged, appended], ignore_index=True) if len(appended) else merged
    for c in new.columns:
        try:
            out[c] = out[c].astype(new[c].dtype)
        except (TypeError, ValueError):
            pass
    return out

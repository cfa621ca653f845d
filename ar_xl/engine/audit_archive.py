"""Which Audit rows leave the workbook for its archive, and how a row is told apart from another.

Audit is append-only and every action adds to it (a morning's ERP sync of a large ledger adds a row per
changed item), so a shared workbook's Audit grows until every action spends seconds reading it and, at
Excel's 1,048,576 rows a sheet, until the workbook cannot be written at all.  ``ar-xl audit-archive``
moves its oldest rows to files beside the workbook (``workbook.audit_files``); nothing is deleted.

The rule (``split``), rows counted in the order they were appended: the workbook keeps ``keep`` rows,

* first the rows the product reads back as state (all of them, even beyond ``keep``), so no action behaves
  differently after an archive:

  - the last row of each (table, key, column) of tables ``Customers`` (``actions.credit`` compares a
    customer's credit columns with the last value Audit logged) and ``Config`` (``fxrates``: the last FX
    rate each currency was used at);
  - every row of column ``created`` (``actions.plan.creation_dates``: when a plan or promise was made);

* then the newest of the others; every older row is archived, in its order.

A row is one Audit row whatever copy holds it: its ten cells as text (``row_keys``; the timestamp to the
microsecond), so a row written to the archive by a run that then could not save the workbook is not
archived twice (``unseen``), and reading the history counts it once.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..frames import blank

STATE_TABLES = ("Customers", "Config")
"""Tables whose last Audit row per (key, column) the product reads as state: kept in the workbook."""
STATE_COLUMNS = ("created",)
"""Columns whose every Audit row the product reads (when a plan or promise was created): kept."""
WARN_AT = 500_000
"""An action whose Audit passes this many rows says so (``note``)."""


def split(audit: pd.DataFrame, keep: int, state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows of ``audit`` that stay in the workbook and of those archived (see the module),
    each in the rows' order: ``keep`` rows stay (all when there are fewer), the rows read back as state
    among them (all of those, even beyond ``keep``), then the newest of the others.  ``state``:
    ``state_rows(audit)``, when the caller has it already."""
    if keep < 0:
        raise ValueError(f"the rows to keep must be 0 or more, not {keep}")
    state = state_rows(audit) if state is None else state
    plain = np.flatnonzero(~state)
    room = max(keep - int(state.sum()), 0)
    stays = np.ones(len(audit), dtype=bool)
    stays[plain[:max(len(plain) - room, 0)]] = False
    return np.flatnonzero(stays), np.flatnonzero(~stays)


def state_rows(audit: pd.DataFrame) -> np.ndarray:
    """Per row: whether the product reads it back as state (``STATE_TABLES``, ``STATE_COLUMNS``)."""
    if not len(audit):
        return np.zeros(0, dtype=bool)
    table, key, column = (audit[c].map(_text).to_numpy(dtype=object) for c in ("table", "key", "column"))
    state = np.isin(column, STATE_COLUMNS)
    where = np.flatnonzero(np.isin(table, STATE_TABLES))
    if len(where):
        groups = pd.DataFrame({"t": table[where], "k": key[where], "c": column[where]})
        state[where[~groups.duplicated(keep="last").to_numpy()]] = True
    return state


def _text(v) -> str:
    """A cell as the readers of the state compare it (``astype(str)``; empty for an empty cell)."""
    return "" if blank(v) else str(v)


def _stamp(v) -> str:
    if blank(v):
        return ""
    try:
        return pd.Timestamp(v).isoformat()
    except (TypeError, ValueError):
        return str(v)


def row_keys(audit: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each row's identity: its cells as text, the timestamp in ISO form, in ``schema.AUDIT``'s columns."""
    cols = []
    for c in schema.AUDIT.names:
        values = audit[c].tolist() if c in audit.columns else [None] * len(audit)
        cols.append([(_stamp if c == "timestamp" else _text)(v) for v in values])
    return list(zip(*cols)) if cols else []


def unseen(audit: pd.DataFrame, archived: pd.DataFrame) -> np.ndarray:
    """Per row of ``audit``: True when ``archived`` does not hold it already (a row held twice in
    ``audit`` counts twice: each copy is matched with one of the archive's)."""
    if not len(archived) or not len(audit):
        return np.ones(len(audit), dtype=bool)
    left: dict[tuple, int] = {}
    for k in row_keys(archived):
        left[k] = left.get(k, 0) + 1
    out = np.ones(len(audit), dtype=bool)
    for i, k in enumerate(row_keys(audit)):
        if left.get(k, 0):
            left[k] -= 1
            out[i] = False
    return out


def note(rows: int, source: str) -> str | None:
    """What an action says when its Audit has grown past ``WARN_AT`` rows (None below)."""
    if rows <= WARN_AT:
        return None
    return (f"Audit holds {rows:,} rows; every action reads them, and a sheet holds at most {schema.EXCEL_ROWS:,}: "
            "move the oldest to the archive beside the workbook with the ribbon's Archive Audit, or "
            f"`ar-xl audit-archive {source}` while nobody has it open (nothing is deleted)")

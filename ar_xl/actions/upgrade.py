"""Upgrade a workbook to the current layout, changing none of its data.

A workbook written before the tables had human headers shows the canonical names (``open_amount_base``,
``days_past_due``) and keeps Aging's as-of date in an ``as_of`` column on every row.  It keeps working as
it is: headers are matched by name or human header (``schema.Table.known``), and each action that
rewrites a table writes it with the human headers (Aging, on its next refresh, moves down under its
title line).  ``run`` does it for every table at once (``ar-xl upgrade``): each table whose header row (as
the shell read it, ``Book.headers``) is not the one it would be written with is written back with the rows it
holds, under its human headers (with any schema column it lacks added, empty); Aging's as-of date becomes its
title.  Values, a person's own columns and the rows' order stay; the Audit gets one row per table upgraded
(its header row before and after) and the summary names each table and what changed in it.  A workbook whose
tables all have the human headers already changes nothing: no table is written, no Audit row is added, and
the file is not saved again ("already up to date: nothing changed"), unless the file shell found ids Excel
wants unique given twice in its package (``Book.to_mend``: an earlier ar-xl gave Dashboard and DashboardData
one sheetId): then the workbook is written for that alone, which mends them, with an Audit row each.
"""
from __future__ import annotations

import pandas as pd

from .. import frames, money, schema
from ..book import Book, Change


def _cents(values: pd.Series) -> pd.array:
    """A dynamic table's extra money column as read from its cells (currency units) in cents; a cell that
    is not an amount stays empty."""
    out = []
    for v in values.tolist():
        try:
            out.append(None if frames.blank(v) else money.parse_amount(v))
        except ValueError:
            out.append(None)
    return pd.array(out, dtype="Int64")


def _as_of(body: pd.DataFrame):
    """The as-of date an older Aging held in its ``as_of`` column (None when empty or not a date)."""
    if "as_of" not in body.columns:
        return None
    days = pd.to_datetime(pd.Series(body["as_of"].tolist(), dtype=object), errors="coerce").dropna()
    return days.iloc[0].date() if len(days) else None


def _written(t: schema.Table, header: list[str]) -> list[str]:
    """The header row ``t`` is written with when its header row reads ``header``: every column's human header, a
    person's own columns as they are (in their places), then the schema columns the table lacks; a dynamic table
    (Aging) is its schema columns, then its extra ones (an older Aging's ``as_of`` is left out: it becomes the
    title)."""
    names = t.canonical(header)
    if t.dynamic:
        return t.shown(t.names + [n for n in names if n not in t.names and not (t.title_rows and n == "as_of")])
    return t.shown(names + [n for n in t.names if n not in names])


def _what(t: schema.Table, header: list[str]) -> str:
    """What writing the table back changes in its header row, in words ("12 headers renamed, column pays_for
    added")."""
    names = t.canonical(header)
    renamed = sum(1 for h, n in zip(header, names) if n in t.names and h != t.header(n))
    added = [n for n in t.names if n not in names]
    said = [f"{renamed} header{'s' if renamed != 1 else ''} renamed"] if renamed else []
    if added:
        said.append(f"column{'s' if len(added) > 1 else ''} {', '.join(added)} added")
    if t.title_rows and "as_of" in names:
        said.append("its as_of column is now its title")
    return ", ".join(said) or "its columns put in order"


def run(book: Book) -> Change:
    """Every table whose header row is not the current one, written back as it is, under the human headers (see
    the module).  A workbook whose tables all have them changes nothing: no table is written, no Audit row."""
    change = Change("upgrade")
    said = {}
    for name in schema.TABLES:
        if name not in book.tables:
            continue
        t = schema.table(name)
        header = book.headers.get(name)
        written = _written(t, header) if header is not None else None
        if header is not None and written == header:
            continue  # up to date: left as it is
        said[name] = _what(t, header) if header is not None else "written with human headers"
        change.log(book.user, name, "*", "header", "; ".join(header or []), "; ".join(written or t.headers),
                   rule=f"upgrade: {said[name]}")
        if name == "Audit":
            continue  # written with the rows this change appends
        body = book.get(name)
        if t.dynamic:
            body = body.drop(columns=[c for c in ("as_of",) if c not in t.names and c in body.columns])
            extras = [c for c in body.columns if c not in t.names]
            body = body.assign(**{c: _cents(body[c]) for c in extras}) if extras else body
            change.extra_columns[name] = extras
        if t.title_rows and "as_of" in book.get(name).columns:  # an older Aging: its date becomes the title
            change.titles[name] = schema.title(t, _as_of(book.get(name)))
        change.tables[name] = body
    for problem in book.to_mend:  # ids given twice: the save that writes this Audit row mends them
        change.log(book.user, "Workbook", "*", "ids", problem, "", rule="upgrade: an id Excel wants unique, given "
                   "twice, mended")
    mended = f"mended ids given twice ({'; '.join(book.to_mend)})" if book.to_mend else ""
    if not said:
        change.summary = mended or (f"already up to date: nothing changed ({len(book.tables)} tables have the "
                                    "human headers)")
        return change
    change.summary = (f"upgraded {len(said)} of {len(book.tables)} tables: "
                      + "; ".join(f"{name} ({what})" for name, what in said.items())
                      + (f"; Aging's as-of date is its title: {change.titles['Aging']}"
                         if "Aging" in change.titles else "")
                      + (f"; {mended}" if mended else ""))
    return change

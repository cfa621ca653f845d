"""Upgrade a workbook to the current layout, changing none of its data.

A workbook written before the tables had human headers shows the canonical names (``open_amount_base``,
``days_past_due``) and keeps Aging's as-of date in an ``as_of`` column on every row.  It keeps working as
it is: headers are matched by name or human header (``schema.Table.known``), and each action that
rewrites a table writes it with the human headers (Aging, on its next refresh, moves down under its
title line).  ``run`` does it for every table at once (``ar-xl upgrade``): each table is written back
with the rows it holds, under its human headers; Aging's as-of date becomes its title.  Values, a
person's own columns and the rows' order stay; the Audit gets one row.  A table already written this way
is left as it is (the file shell writes only what differs).
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


def run(book: Book) -> Change:
    """Every table the workbook holds, written back as it is, under the human headers (see the module)."""
    change = Change("upgrade")
    for name in schema.TABLES:
        if name not in book.tables or name == "Audit":
            continue  # Audit is written with the rows this change appends
        t = schema.table(name)
        body = book.get(name)
        if t.dynamic:
            body = body.drop(columns=[c for c in ("as_of",) if c not in t.names and c in body.columns])
            extras = [c for c in body.columns if c not in t.names]
            body = body.assign(**{c: _cents(body[c]) for c in extras}) if extras else body
            change.extra_columns[name] = extras
        if t.title_rows and "as_of" in book.get(name).columns:  # an older Aging: its date becomes the title
            change.titles[name] = schema.title(t, _as_of(book.get(name)))
        change.tables[name] = body
    change.log(book.user, "*", "*", "header", None, f"{len(change.tables) + 1} tables",
               rule="human headers; Aging's as-of date as its title")
    change.summary = (f"upgraded {len(change.tables) + 1} tables to human headers"
                      + (f"; Aging's as-of date is its title: {change.titles['Aging']}"
                         if "Aging" in change.titles else ""))
    return change


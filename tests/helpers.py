"""Helpers the tests share: small seeded workbooks (written through the product's own file shell)
and picking one row of a frame."""
from __future__ import annotations

import pandas as pd

from ar_xl import frames, schema
from ar_xl.workbook import xlsx
from ar_xl.book import Book, Change


def frame(table: str, rows, columns) -> pd.DataFrame:
    """A canonical frame of ``table`` from raw rows, as an import would read them."""
    return frames.coerce(pd.DataFrame(rows, columns=columns), table, "test")


def seeded(path, **tables):
    """A new workbook at ``path`` holding ``tables``: name -> (rows, columns) or a canonical frame."""
    xlsx.create(path)
    book = xlsx.load(path)
    change = Change("seed")
    for name, body in tables.items():
        change.tables[name] = body if isinstance(body, pd.DataFrame) else frame(name, *body)
    xlsx.save(book, change)
    return path


def row(df: pd.DataFrame, **match) -> pd.Series:
    """The one row of ``df`` whose columns equal ``match``; fails the test otherwise."""
    hit = df
    for k, v in match.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, f"expected one row for {match}, got {len(hit)}"
    return hit.iloc[0]


def shared_data():
    """The sample folder ``shared/data`` beside the checkout (``../shared/data``), found from a worktree too."""
    from pathlib import Path
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "shared" / "data"


def names(table: str, header) -> list:
    """A header row as the table's canonical column names: the workbook shows human headers ("Open amount
    (base)"), older workbooks the names themselves (``schema.Table.canonical``); other headers as they are."""
    return schema.table(table).canonical(list(header))


def column(table: str, header, name: str) -> int:
    """The 1-based column of ``name`` (canonical) in a header row of ``table``."""
    return names(table, header).index(name) + 1


def header_cells(ws, table: str | None = None) -> tuple[int, list]:
    """(row, canonical names) of the header of the Excel table ``table`` (default: the sheet's name) on ``ws``."""
    from openpyxl.utils import range_boundaries
    name = table or ws.title
    tbl = next(t for t in ws.tables.values() if t.displayName.lower() == name.lower())
    c1, r1, c2, _ = range_boundaries(tbl.ref)
    return r1, names(name, [ws.cell(r1, c).value for c in range(c1, c2 + 1)])


def shown(table: str, names_) -> list[str]:
    """The headers the workbook shows for canonical ``names_`` of ``table``."""
    return schema.table(table).shown(list(names_))


def header_names(ws, row: int = 1) -> list:
    """The canonical names of a header row of the table sheet ``ws`` (the table is named as its sheet)."""
    return names(ws.title, [c.value for c in ws[row]])


def linden_book() -> Book:
    """Customer C7 (Transportbedrijf van der Linden B.V., IBAN NL69INGB0342075098) with invoice 2026-003442 of
    EUR 1,346.95 open: what the bank-file tests import a payment of that invoice into."""
    customers = ([("C7", "Transportbedrijf van der Linden B.V.", "NL69INGB0342075098")],
                 ["customer_id", "customer_name", "iban"])
    invoices = ([("2026-003442", "C7", "Transportbedrijf van der Linden B.V.", "2026-10-20", "2026-11-19", "EUR",
                  "1346.95", "1346.95")],
                ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                 "open_amount"])
    return Book(tables={"Customers": frame("Customers", *customers), "Invoices": frame("Invoices", *invoices)})

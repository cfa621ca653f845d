"""The live-workbook shell on classic Excel: a formula a person keeps in their own table column
survives an action that rewrites the table (classic COM reads formulas; the remote engine cannot)."""
from __future__ import annotations

import pandas as pd

from ar_xl.excel import live
from ar_xl import schema
from ar_xl.book import Change


class Grid:
    """A sheet's cells: values as Excel shows them, formulas where a person typed one."""

    def __init__(self):
        self.values, self.formulas = {}, {}


class Rng:
    def __init__(self, sheet, row, col, h=1, w=1):
        self.sheet, self.row, self.column, self.h, self.w = sheet, row, col, h, w

    def resize(self, h, w):
        return Rng(self.sheet, self.row, self.column, h, w)

    def options(self, **_):
        return self

    def _cells(self):
        return [[(self.row + i, self.column + j) for j in range(self.w)] for i in range(self.h)]

    @property
    def value(self):
        return [[self.sheet.grid.values.get(rc) for rc in row] for row in self._cells()]

    @value.setter
    def value(self, block):
        for i, row in enumerate(block):
            for j, v in enumerate(row):
                rc = (self.row + i, self.column + j)
                if isinstance(v, str) and v.startswith("="):  # Excel: text starting with = is a formula
                    self.sheet.grid.formulas[rc] = v
                else:  # a leading ' is Excel's text prefix, not part of the value
                    self.sheet.grid.formulas.pop(rc, None)
                    self.sheet.grid.values[rc] = v[1:] if isinstance(v, str) and v.startswith("'") else v

    @property
    def formula(self):  # as COM's Range.Formula: the formula, else the constant
        return tuple(tuple(self.sheet.grid.formulas.get(rc, self.sheet.grid.values.get(rc)) for rc in row)
                     for row in self._cells())

    number_format = None


class Tbl:
    def __init__(self, sheet, name, rng):
        self.sheet, self.name, self.range = sheet, name, rng

    def resize(self, rng):
        self.range = rng


class Sheet:
    def __init__(self, name):
        self.name, self.grid, self.tables = name, Grid(), []

    def range(self, rc):
        return Rng(self, *rc)


class Book:
    name = "collections.xlsx"

    def __init__(self, sheets):
        self.sheets = sheets


def test_a_persons_formula_column_keeps_its_formulas_on_its_rows():
    sheet = Sheet("Invoices")
    header = schema.INVOICES.names + ["double", "comment"]
    rows = [
        ["2026-0001", "C1", "Bakker", 46235.0, 46265.0, "EUR", 1200.5, 1200.5, "", "", "", "open", "", None, "ok"],
        ["2026-0002", "C1", "Bakker", 46296.0, 46326.0, "EUR", 300.0, 300.0, "", "", "", "open", "", None, "=call back"],
    ]
    Rng(sheet, 1, 1).resize(3, len(header)).value = [header] + [[v for v in r] for r in rows[:1]] + [
        [v if not (isinstance(v, str) and v.startswith("=")) else "'" + v for v in rows[1]]]
    for r in (2, 3):  # the person's computed column: =H2*2, =H3*2 (Excel shows the results)
        sheet.grid.formulas[(r, 14)] = f"=H{r}*2"
        sheet.grid.values[(r, 14)] = sheet.grid.values[(r, 8)] * 2
    sheet.tables.append(Tbl(sheet, "Invoices", Rng(sheet, 1, 1, 3, len(header))))
    xw_book = Book([sheet])

    book = live.load(xw_book)
    inv = book.get("Invoices")
    assert inv["double"].tolist() == [2401.0, 600.0]  # read as the values Excel shows
    new = inv.copy()
    new = pd.concat([new.iloc[[1]], new.iloc[[0]]], ignore_index=True)  # the action returns rows in another order
    new.loc[new["invoice_id"] == "2026-0001", "open_amount"] = 0
    live.save(xw_book, book, Change("pay", tables={"Invoices": new}))

    g = sheet.grid
    assert g.values[(2, 8)] == 0.0 and g.values[(2, 1)] == "2026-0001"  # merged back in its own row
    assert (g.formulas.get((2, 14)), g.formulas.get((3, 14))) == ("=H2*2", "=H3*2")
    assert g.values[(3, 15)] == "=call back" and (3, 15) not in g.formulas  # text stays text

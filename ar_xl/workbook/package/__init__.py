"""The workbook package as people left it: an action rewrites only the parts it owns.

openpyxl reads a workbook into its own model and writes a new package from it,
dropping or renaming much of what a person added: cell notes and threaded
comments, images and shapes, form controls, slicers, their own charts and
PivotTables, row heights, hidden rows, the VBA project's signature... So the
file shell lets openpyxl write the package (``written``) and then assembles
the file from two sources with ``keep_others``:

* **owned** sheets (the sheets of the tables an action wrote): the sheet part
  of the *original* file, in which only the cells of each table's range (its
  old range and its new one) are replaced by the cells openpyxl wrote.  Every
  other cell, row heights and hidden rows, column widths a person set,
  conditional formats, hyperlinks, merged cells, protection, drawings and
  comments' links stay as they were.  The table part keeps its id, style,
  filter and column attributes; only its range and column list change.  The
  drop-downs are the ones the shell laid out (a person's own kept).
* **replaced** sheets (Dashboard, DashboardData, CustomerView): laid out whole by the shell;
  the old sheet and what only it used (drawing, charts, pivot tables and
  their caches) leave the package, and the new sheet comes in with its parts
  under fresh names.
* **every other part** is copied from the original byte for byte: other
  sheets, comments, drawings, media, pivot caches, slicers, defined names,
  ``vbaProject.bin``, themes, shared strings, custom XML, properties.

The cells openpyxl wrote point at openpyxl's style list; they are pointed at
the original ``styles.xml`` instead, to which a cell format is appended only
when the original has none equal (``_Styles``).  Their shared strings are
written inline, so the original shared-string table stays as it is.
``workbook.xml``, its relationships and ``[Content_Types].xml`` change only
when a sheet comes or goes, or to mend a sheetId two sheets have (earlier
ar-xl gave Dashboard and DashboardData the same one; Excel repairs such a file).
What comes in gets a sheetId, relationship Id, part name, pivot cacheId and
table id no other part of the workbook has.  A ``calcChain.xml`` that lists cells of an owned
or replaced sheet is dropped: Excel rebuilds it, and a stale one makes Excel
repair the file.

The modules: ``parts`` (a package in memory), ``styles`` (cell formats pointed at the original
``styles.xml``), ``cells`` (a sheet's ``<sheetData>``: rows, cells, the merge of old and new cells),
``splice`` (the file assembled from both packages: ``keep_others``, ``keeper``), ``deflate`` (parts inflated
and deflated with ISA-L), ``layout_record`` (what ar-xl wrote into a table's sheet, kept with its part so
the next action need not scan the cells again).
"""
from __future__ import annotations

from .cells import Rect, _cells, _rows, merge_cells, sheet_data
from .parts import (CT_NS, MAIN, PKG_REL, R_ID, R_NS, REL_CALC_CHAIN, REL_OFFICE_DOC, REL_PIVOT_CACHE,
                    REL_PIVOT_TABLE, REL_TABLE, M, Package, Unsupported, rels_name)
from .splice import keep_others, keeper

__all__ = ["CT_NS", "MAIN", "PKG_REL", "R_ID", "R_NS", "REL_CALC_CHAIN", "REL_OFFICE_DOC", "REL_PIVOT_CACHE",
           "REL_PIVOT_TABLE", "REL_TABLE", "M", "Package", "Unsupported", "rels_name",
           "Rect", "_cells", "_rows", "merge_cells", "sheet_data", "keep_others", "keeper"]

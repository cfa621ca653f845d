"""How a table's sheet prints and what it colours: set once, when the table is first written.

**Print set-up** (every table sheet): landscape A4, fitted to one page wide (as many pages tall as it
needs), the header row repeated on every page, narrow margins; the page header names the sheet (left)
and the day it was printed (right), the footer gives ``Page N of M``.  The Aging sheet's as-of date is its
title line above the table ("Aging as of 1 December 2026"), repeated on every page with the header; the
Worklist's is in its ``as_of`` column, which prints on every row.

**Conditional formats** (Excel evaluates them, so they follow every refresh without being rewritten):

* ``days_past_due`` (Aging, Worklist): the bucket colour, from yellow (1-30 days) to dark red (over 120);
  the edges are the default buckets (30, 60, 90, 120 days); not due is not coloured;
* Plans: an installment ``late`` (amber) or ``missed`` (red), and a ``broken`` plan (red);
* Promises: ``broken`` (red), ``partly kept`` (amber), ``kept`` (green);
* Disputes: ``sla_due`` before today on a dispute not yet resolved (red), so the colour moves with the date;
* Matches: ``decision`` auto (green), suggested (amber), unmatched (red); ``confidence`` on a red-amber-
  green scale from 0 to 1; ``review`` Confirm (green) and Reject (grey).

**Protection** (Aging and Audit, and DashboardData each time the Dashboard is laid out): the sheet is
protected without a password, so nobody types on a derived sheet by accident (Audit is append-only: only
the actions add rows).  Filtering, sorting, column widths and row heights stay allowed; Review > Unprotect
Sheet lifts it, no password asked.  The actions write these sheets all the same: the file shell writes the
package, and the ribbon lifts and restores the protection around its write.  The Dashboard sheet itself is
left unprotected on purpose: neither Excel nor LibreOffice refreshes a PivotTable on a protected sheet, and
team leads refresh its PivotTables with Data > Refresh All.

All three are laid only when the table is created (a new workbook, or a table added to an older one): what a
person changes afterwards (another paper size, their own colours) is theirs and the shell never touches it.
The one exception is an older workbook's Aging at A1, moved down once under its title line: its sheet is laid
anew for the new place (``xlsx._write_table``).
"""
from __future__ import annotations

from contextlib import contextmanager

from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from .. import schema

LAST_ROW = schema.EXCEL_ROWS

# fills and fonts: light fills with a dark text of the same hue, as Excel's own "Light Red Fill" presets
_RED = (PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE"), Font(color="9C0006"))
_DARK_RED = (PatternFill("solid", fgColor="F4A6AE", bgColor="F4A6AE"), Font(color="7A0000", bold=True))
_ORANGE = (PatternFill("solid", fgColor="FCD5B4", bgColor="FCD5B4"), Font(color="974706"))
_AMBER = (PatternFill("solid", fgColor="FFEB9C", bgColor="FFEB9C"), Font(color="9C5700"))
_YELLOW = (PatternFill("solid", fgColor="FFF9D6", bgColor="FFF9D6"), Font(color="7F6000"))
_GREEN = (PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE"), Font(color="006100"))
_GREY = (PatternFill("solid", fgColor="E7E6E6", bgColor="E7E6E6"), Font(color="595959"))

DAYS_PAST_DUE = ((120, _DARK_RED), (90, _RED), (60, _ORANGE), (30, _AMBER), (0, _YELLOW))
"""``days_past_due`` greater than the number: the colour (the first that applies wins)."""

VALUES = {
    ("Plans", "status"): {"late": _AMBER, "missed": _RED},
    ("Plans", "plan_status"): {"broken": _RED, "completed": _GREEN},
    ("Promises", "status"): {"broken": _RED, "partly kept": _AMBER, "kept": _GREEN},
    ("Matches", "decision"): {"auto": _GREEN, "manual": _GREEN, "suggested": _AMBER, "unmatched": _RED},
    ("Matches", "review"): {"Confirm": _GREEN, "Reject": _GREY},
}
"""(table, column) -> {value: colour}."""


def print_setup(ws, header_row: int = 1, title_rows: int = 0) -> None:
    """Landscape, one page wide, the header row (and the title above it) on every page, sheet name /
    date / page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.print_title_rows = f"{max(1, header_row - title_rows)}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddHeader.left.text = "&A"
    ws.oddHeader.left.size = 9
    ws.oddHeader.right.text = "printed &D"
    ws.oddHeader.right.size = 9
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.center.size = 9


def _range(header: list[str], name: str, min_row: int, min_col: int) -> tuple[str, str] | None:
    """(``K2:K1048576``, ``K2``): the column's body and its first cell; None when the table lacks it."""
    if name not in header:
        return None
    letter = get_column_letter(min_col + header.index(name))
    return f"{letter}{min_row + 1}:{letter}{LAST_ROW}", f"{letter}{min_row + 1}"


def _style(colour) -> dict:
    fill, font = colour
    return {"fill": fill, "font": font}


def conditional_formats(ws, table: str, header: list[str], min_row: int = 1, min_col: int = 1) -> None:
    """The table's colour rules (see the module docstring) on the columns it has."""
    cf = ws.conditional_formatting
    if table in ("Aging", "Worklist"):
        where = _range(header, "days_past_due", min_row, min_col)
        if where:
            for edge, colour in DAYS_PAST_DUE:
                cf.add(where[0], CellIsRule(operator="greaterThan", formula=[str(edge)], stopIfTrue=True,
                                            **_style(colour)))
    for (name, column), colours in VALUES.items():
        if name != table:
            continue
        where = _range(header, column, min_row, min_col)
        if where:
            for value, colour in colours.items():
                cf.add(where[0], CellIsRule(operator="equal", formula=[f'"{value}"'], **_style(colour)))
    if table == "Matches":
        where = _range(header, "confidence", min_row, min_col)
        if where:
            cf.add(where[0], ColorScaleRule(start_type="num", start_value=0, start_color="F8696B",
                                            mid_type="num", mid_value=0.5, mid_color="FFEB84",
                                            end_type="num", end_value=1, end_color="63BE7B"))
    if table == "Disputes":
        sla, resolved = _range(header, "sla_due", min_row, min_col), _range(header, "resolved", min_row, min_col)
        if sla and resolved:
            cf.add(sla[0], FormulaRule(formula=[f"AND(ISNUMBER({sla[1]}),{sla[1]}<TODAY(),"
                                                f"ISBLANK({resolved[1]}))"], **_style(_RED)))


PROTECTED = ("Aging", "Audit")
"""The derived tables whose sheets are protected (no password)."""


def protect(ws) -> None:
    """Protect the sheet without a password; filter, sort, widths, heights and PivotTables stay allowed.
    (openpyxl's flags say what is *protected*: False allows it.)"""
    p = ws.protection
    p.sheet = True
    p.autoFilter = p.sort = p.formatColumns = p.formatRows = p.pivotTables = False
    p.selectLockedCells = p.selectUnlockedCells = False


def prepare(ws, table: str, header: list[str], min_row: int = 1, min_col: int = 1, title_rows: int = 0) -> None:
    """Print set-up, conditional formats and (derived tables) protection of a table sheet just created
    (``header``: the columns' canonical names; ``title_rows``: the title lines above the header)."""
    print_setup(ws, min_row, title_rows)
    conditional_formats(ws, table, header, min_row, min_col)
    if table in PROTECTED:
        protect(ws)


@contextmanager
def lifted(sheet):
    """Lift a live sheet's protection (xlwings, Excel through COM) for the writes inside, and restore it with
    the same allowances as ``protect``.  A sheet that is not protected, and the remote engine (whose writes
    are actions the client plays), are left alone.  A sheet protected with a password is refused with a
    message naming it, before anything is written."""
    api = getattr(sheet, "api", None)
    try:
        protected = bool(api.ProtectContents)
    except Exception:  # the remote engine's api is the sheet's JSON; macOS has no such property
        protected = False
    if protected:
        try:
            api.Unprotect()
        except Exception:
            from ..errors import ArXlError
            raise ArXlError(f"sheet {sheet.name} is protected with a password: unprotect it (Review > Unprotect "
                            "Sheet) and run again") from None
    try:
        yield sheet
    finally:
        if protected:
            api.Protect(DrawingObjects=False, Contents=True, Scenarios=True, AllowFormattingColumns=True,
                        AllowFormattingRows=True, AllowSorting=True, AllowFiltering=True,
                        AllowUsingPivotTables=True)

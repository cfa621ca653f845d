"""What the Dashboard's parts share: number formats, colours, column widths, and ``_put``, the one way a
cell of the file layout is written (text is always text, never a formula)."""
from __future__ import annotations

from openpyxl.utils import get_column_letter

MONEY = "#,##0.00"
DAYS = '0.0 "days"'
PCT = "0.0%"

NAVY = "1F3864"
GREY = "595959"
TILE = "EEF3FA"
BUCKET_COLOURS = ["70AD47", "C9D96B", "FFC000", "F4B183", "E46C0A", "C00000", "7F0000", "400000"]

_COL_WIDTHS = {"A": 2, "B": 30, **{get_column_letter(c): 16 for c in range(3, 12)},
               "L": 2, "M": 34, "N": 16, "O": 2, "P": 18, "Q": 12}


def _put(ws, row: int, col: int, v):
    """A cell of the file layout; text is always text (never a formula)."""
    cell = ws.cell(row, col, v)
    if isinstance(v, str):
        cell.data_type = "s"
    return cell


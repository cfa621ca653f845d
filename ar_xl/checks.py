"""Rows that are readable but look wrong: warned about, never refused and never changed.

``warnings(frame, table)`` lists, for a canonical frame ``frames.coerce`` made, the rows a
collector should look at, each as ``"<file or sheet>, row N: invoice X: what is odd"``:

* Invoices: an open amount larger than the amount (in size: a credit note of -50.00 with
  -70.00 open is larger too); an open amount and an amount of opposite signs; a due date
  before the invoice date.

The action still runs on such rows (an ERP may have a reason the workbook cannot see), but
the command prints the warnings and the actions return them (``Change.warnings``), so no
odd figure goes by in silence.  At most ``LIMIT`` rows are listed, then a count of the rest.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import row_numbers
from .money import fmt

LIMIT = 20
"""Rows listed before the rest are only counted."""


def warnings(frame: pd.DataFrame | None, table: str) -> list[str]:
    """The warnings for ``frame`` of ``table`` (only Invoices has rules), in row order."""
    if frame is None or not len(frame) or str(table).lower() != "invoices":
        return []
    return _invoices(frame)


def _invoices(inv: pd.DataFrame) -> list[str]:
    need = ("invoice_id", "amount", "open_amount", "invoice_date", "due_date")
    if any(c not in inv.columns for c in need):
        return []
    amount = pd.to_numeric(inv["amount"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    open_ = pd.to_numeric(inv["open_amount"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    invoiced = pd.to_datetime(inv["invoice_date"], errors="coerce").to_numpy()
    due = pd.to_datetime(inv["due_date"], errors="coerce").to_numpy()
    with np.errstate(invalid="ignore"):
        opposite = (amount * open_) < 0
        larger = ~opposite & (np.abs(open_) > np.abs(amount))
    early = ~pd.isna(invoiced) & ~pd.isna(due) & (due < invoiced)
    odd = np.flatnonzero(opposite | larger | early)
    if not len(odd):
        return []
    source = str(inv.attrs.get("source") or "Invoices")
    rows = row_numbers(inv)
    ids = inv["invoice_id"].astype(str).to_numpy()
    out: list[str] = []
    for n, i in enumerate(odd):
        if n == LIMIT:
            out.append(f"{source}: ... and {len(odd) - LIMIT} more rows like these")
            break
        where = f"{source}, row {int(rows[i])}" if rows is not None else source
        head = f"{where}: invoice {ids[i]}: "
        if opposite[i]:
            out.append(f"{head}open amount {fmt(int(open_[i]))} and amount {fmt(int(amount[i]))} have opposite signs")
        if larger[i]:
            out.append(f"{head}open amount {fmt(int(open_[i]))} is larger than the amount {fmt(int(amount[i]))}")
        if early[i]:
            out.append(f"{head}due date {pd.Timestamp(due[i]):%Y-%m-%d} is before the invoice date "
                       f"{pd.Timestamp(invoiced[i]):%Y-%m-%d}")
    return out

"""What a matching run builds once and shares between payments (``_Ctx``): the open items (open amount
not zero) with their customer, currency and due date, the reference and payer indexes, the items by
customer (due date first) and by amount, and the tolerance for a currency.  ``rem`` holds what is still
open and is the only part a run changes: an automatic allocation lowers it for later payments.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ...config import Config
from .. import refs as refs_mod
from ..payer import PayerIndex

class _Ctx:
    """Everything built once per run."""

    def __init__(self, invoices: pd.DataFrame, customers, config: Config, known_ibans, aliases):
        open_all = invoices["open_amount"].to_numpy(dtype=np.int64)
        inv = invoices.loc[open_all != 0].reset_index(drop=True)
        self.ids = inv["invoice_id"].astype(str).tolist()
        self.cust = inv["customer_id"].astype(str).tolist()
        self.ccy = inv["currency"].astype(str).str.strip().str.upper().tolist()
        self.open = inv["open_amount"].to_numpy(dtype=np.int64)
        self.rem = self.open.tolist()
        due = inv["due_date"] if "due_date" in inv else pd.Series(pd.NaT, index=inv.index)
        dd = pd.to_datetime(due).to_numpy(dtype="datetime64[D]")
        self.due = np.where(np.isnat(dd), np.datetime64("1970-01-01"), dd).astype(np.int64).tolist()
        prefs = inv["payment_reference"].astype(str).tolist() if "payment_reference" in inv else None
        self.index = refs_mod.RefIndex(self.ids, prefs)
        self.by_cust: dict[tuple[str, str], list[int]] = {}
        for row, key in enumerate(zip(self.cust, self.ccy)):
            self.by_cust.setdefault(key, []).append(row)
        for key, rows in self.by_cust.items():
            rows.sort(key=lambda r: (self.due[r], self.ids[r]))
        self.by_amount: dict[tuple[str, int], list[int]] = {}
        for row, (c, a) in enumerate(zip(self.ccy, self.open.tolist())):
            self.by_amount.setdefault((c, a), []).append(row)
        names = {}
        if "customer_name" in inv:
            for c, n in zip(self.cust, inv["customer_name"].astype(str).tolist()):
                if n and c not in names:
                    names[c] = n
        self.payers = PayerIndex(customers, known_ibans, aliases, names)
        self.config = config
        self._tol_abs: dict[str, int] = {}

    def tol_abs(self, ccy: str) -> int:
        t = self._tol_abs.get(ccy)
        if t is None:
            base = int(self.config.match_tolerance_abs or 0)
            try:
                rate = self.config.rate(ccy)
            except KeyError:
                rate = Fraction(1)
            t = int(Fraction(base) / rate) if rate else base
            self._tol_abs[ccy] = t
        return t

    def tolerance(self, ccy: str, open_amount: int, referenced: bool = True) -> int:
        """Largest shortfall on ``open_amount`` (cents) accepted as bank charges or, when the
        payment names the invoice, as early-payment discount."""
        if not referenced:
            return self.tol_abs(ccy)
        pct = self.config.match_tolerance_pct or 0
        by_pct = int(Fraction(abs(int(open_amount))) * Fraction(pct) / 100)
        return max(self.tol_abs(ccy), by_pct)

    def open_rows(self, customer: str, ccy: str) -> list[int]:
        return [r for r in self.by_cust.get((customer, ccy), ()) if self.rem[r] != 0]

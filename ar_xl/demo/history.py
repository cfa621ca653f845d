"""The demo's matched history: the payments of the months before the day's statement, already matched.

``history(portfolio)`` turns ``Portfolio.paid`` (each invoice paid before the as-of date, on the day its
customer's behaviour gave) into what earlier weeks of statements, imported and matched, would have
left in the workbook:

* **Payments**: one bank credit per customer and value date, paying all of that customer's invoices
  paid that day (the amount is their sum), fully applied (``unapplied_amount`` 0, status ``applied``),
  statement ``history <ISO week>``; payer name and IBAN are the customer's;
* **Matches**: one applied ``auto`` row per invoice paid, the applied amount the money received on it
  (rule ``history``), with the stable id ``M-<payment>-<invoice>`` the matcher gives.

No random draw is made: the history is a pure function of the portfolio, so the seed still gives the
same workbook.  The cash forecast's backtest (``ar-xl forecast --backtest``) and the dashboard's cash
per week read it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .portfolio import Portfolio


def history(pf: Portfolio) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Payments, Matches) of the money received before ``pf.as_of`` (module docstring)."""
    paid = pf.paid if pf.paid is not None else pd.DataFrame(
        columns=["invoice_id", "customer_id", "paid_on", "amount", "currency"])
    paid = paid.sort_values(["paid_on", "customer_id", "invoice_id"], kind="stable").reset_index(drop=True)
    cust = pf.customers.set_index("customer_id")
    key = paid["paid_on"].dt.strftime("%Y%m%d") + "-" + paid["customer_id"].astype(str) + "-" + paid["currency"]
    pid = "HIST-" + key
    paid = paid.assign(payment_id=pid.to_numpy())
    g = paid.groupby("payment_id", sort=False)
    pay = g.agg(value_date=("paid_on", "first"), amount=("amount", "sum"), currency=("currency", "first"),
                customer_id=("customer_id", "first"),
                remittance=("invoice_id", lambda s: " ".join(s))).reset_index()
    ibans = pf.ibans
    payments = pd.DataFrame({
        "payment_id": pay["payment_id"],
        "value_date": pd.to_datetime(pay["value_date"]).astype("datetime64[ns]"),
        "amount": pay["amount"].astype(np.int64),
        "currency": pay["currency"],
        "payer_name": cust["customer_name"].reindex(pay["customer_id"]).to_numpy(),
        "payer_iban": [ibans.get(c, [""])[0] for c in pay["customer_id"]],
        "remittance": pay["remittance"],
        "statement_id": "history " + pay["value_date"].dt.strftime("%G-W%V"),
        "unapplied_amount": np.zeros(len(pay), dtype=np.int64),
        "status": "applied",
    })
    name = cust["customer_name"].reindex(paid["customer_id"]).to_numpy()
    n = len(paid)
    matches = pd.DataFrame({
        "match_id": "M-" + paid["payment_id"] + "-" + paid["invoice_id"],
        "run_id": "history",
        "payment_id": paid["payment_id"],
        "invoice_id": paid["invoice_id"],
        "customer_id": paid["customer_id"],
        "payer_name": name,
        "applied_amount": paid["amount"].astype(np.int64),
        "short_pay": np.zeros(n, dtype=np.int64),
        "write_off": np.zeros(n, dtype=np.int64),
        "confidence": np.ones(n),
        "decision": "auto",
        "rank": np.ones(n, dtype=np.int64),
        "rule": "history",
        "evidence": "matched from an earlier statement",
        "flags": "",
        "applied": np.ones(n, dtype=bool),
    })
    return payments, matches

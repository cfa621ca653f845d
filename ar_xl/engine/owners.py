"""Who owns an invoice: the collector of its customer, unless the invoice names one itself.

``Customers.collector`` is the owner of every invoice of that customer.  ``Invoices.collector`` is an
override: empty means "the customer's collector"; a name typed there (or brought by an ERP export
that has a collector column) wins for that invoice only.  Aging, the dashboard and every list
built from Aging show the effective collector, so setting a customer's collector moves all of its
invoices at the next refresh.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def effective_collectors(invoices: pd.DataFrame, customers: pd.DataFrame | None) -> np.ndarray:
    """Each invoice's collector: its own when set, else its customer's, else ''."""
    own = invoices["collector"].astype(object).where(invoices["collector"].notna(), "").astype(str).str.strip() \
        if "collector" in invoices.columns else pd.Series([""] * len(invoices), dtype=object)
    if customers is None or not len(customers) or "collector" not in customers.columns:
        return own.to_numpy(dtype=object)
    cust = customers[["customer_id", "collector"]].astype(str)
    cust = cust.assign(collector=cust["collector"].str.strip(), customer_id=cust["customer_id"].str.strip())
    cust = cust[cust["collector"].ne("") & cust["collector"].ne("nan")].drop_duplicates("customer_id")
    owner = invoices["customer_id"].astype(str).str.strip().map(dict(zip(cust["customer_id"], cust["collector"])))
    owner = owner.astype(object).where(owner.notna(), "").to_numpy(dtype=object)
    own = own.to_numpy(dtype=object)
    return np.where(own != "", own, owner)

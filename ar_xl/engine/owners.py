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

from .. import frames


def effective_collectors(invoices: pd.DataFrame, customers: pd.DataFrame | None) -> np.ndarray:
    """Each invoice's collector: its own when set, else its customer's, else ''."""
    own = frames.texts(invoices["collector"]) if "collector" in invoices.columns \
        else np.full(len(invoices), "", dtype=object)
    if customers is None or not len(customers) or "collector" not in customers.columns:
        return own
    by_customer: dict[str, str] = {}
    for cid, coll in zip(frames.texts(customers["customer_id"]), frames.texts(customers["collector"])):
        if coll and coll != "nan" and cid not in by_customer:  # the first row of a customer listed twice
            by_customer[cid] = coll
    get = by_customer.get
    owner = np.array([get(c, "") for c in frames.texts(invoices["customer_id"])], dtype=object)
    return np.where(own != "", own, owner)

"""An invoice's workflow state: one fact, derived from the records every time they are read.

The state is the first of these that applies:

1. **a person's decision**: ``legal`` or ``written off`` typed in Invoices.status (or any text
   that is not one of the derived states below) is kept as it is;
2. **written off**: a booked write-off (WriteOffs, ``engine.writeoffs``) brought the open amount to 0;
   a partial write-off leaves the rest open, in the state the other records give;
3. **paid**: nothing is open (open amount 0); ``closed in ERP`` stays when the ERP closed it;
4. **in legal**: the invoice is on a handover to a collection agency or lawyer (Handovers,
   ``engine.handover``) that is not closed: no reminders, off the worklist;
5. **disputed**: the invoice is on a dispute that is not resolved or closed (a rejected,
   resolved or closed dispute no longer counts);
6. **on plan**: the invoice is on a payment plan whose plan_status is ``active`` (a broken,
   completed or cancelled plan no longer counts);
7. **promised**: the invoice is on a promise to pay whose status is ``open``;
8. **open**.

So a status typed as ``disputed`` without a dispute record, or left ``on plan`` after the plan
broke, is replaced by the state the records give; a person who wants to say more than the
records writes a note, or sets ``legal`` / ``written off``.  ``proposed_closings`` lists the live
disputes whose invoices are all paid: a person closes them (nothing closes a dispute by itself).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import frames
from .disputes import live_mask, split_ids
from .handover import handed_over_ids
from .writeoffs import booked_ids

IN_LEGAL = "in legal"
DERIVED = ("open", "paid", "disputed", "on plan", "promised", IN_LEGAL, "closed in ERP")
"""The states the records decide; any other status is a person's and wins."""
PERSON = ("legal", "written off")
LEGAL = ("legal", IN_LEGAL)
"""The states that stop reminders and keep an item off the worklist: a person's ``legal``, a handover's ``in legal``."""


def _ids_of(frame: pd.DataFrame | None, mask) -> set[str]:
    ids: set[str] = set()
    if frame is None or not len(frame) or "invoice_ids" not in frame.columns:
        return ids
    for cell in frame.loc[mask, "invoice_ids"]:
        ids.update(split_ids(cell))
    return ids


def disputed_ids(disputes: pd.DataFrame | None) -> set[str]:
    if disputes is None or not len(disputes):
        return set()
    return _ids_of(disputes, live_mask(disputes))


def planned_ids(plans: pd.DataFrame | None) -> set[str]:
    if plans is None or not len(plans):
        return set()
    return _ids_of(plans, frames.texts(plans["plan_status"], "lower") == "active")


def promised_ids(promises: pd.DataFrame | None) -> set[str]:
    if promises is None or not len(promises):
        return set()
    return _ids_of(promises, frames.texts(promises["status"], "lower") == "open")


def derive(invoices: pd.DataFrame, disputes: pd.DataFrame | None = None, plans: pd.DataFrame | None = None,
           promises: pd.DataFrame | None = None, writeoffs: pd.DataFrame | None = None,
           handovers: pd.DataFrame | None = None) -> np.ndarray:
    """Each invoice's state, by the precedence of the module docstring."""
    n = len(invoices)
    if not n:
        return np.array([], dtype=object)
    ids = pd.Series(frames.texts(invoices["invoice_id"]), copy=False)
    typed = frames.texts(invoices["status"]) if "status" in invoices.columns else np.full(n, "", dtype=object)
    lower = frames.texts(typed, "lower")
    open_ = invoices["open_amount"].to_numpy(dtype=np.int64, na_value=0)
    derived = {s.lower() for s in DERIVED}
    person = np.array([t != "" and t not in derived for t in lower], dtype=bool)
    state = np.full(n, "open", dtype=object)
    state[ids.isin(promised_ids(promises)).to_numpy()] = "promised"
    state[ids.isin(planned_ids(plans)).to_numpy()] = "on plan"
    state[ids.isin(disputed_ids(disputes)).to_numpy()] = "disputed"
    state[ids.isin(handed_over_ids(handovers)).to_numpy()] = IN_LEGAL
    paid = open_ == 0
    state[paid] = np.where(lower[paid] == "closed in erp", "closed in ERP", "paid")
    state[paid & ids.isin(booked_ids(writeoffs)).to_numpy()] = "written off"
    state[person] = typed[person]
    return state


def with_handovers(invoices: pd.DataFrame, handovers: pd.DataFrame | None) -> pd.DataFrame:
    """``invoices`` with status ``in legal`` on the open items of a live handover (unless a person's status is
    there), so the engines that read Invoices.status (dunning, worklist) see a handover made since the last
    restate; the same frame when no handover applies."""
    ids = handed_over_ids(handovers)
    if not ids or invoices is None or not len(invoices):
        return invoices
    if "status" not in invoices.columns:
        invoices = invoices.assign(status="")
    typed = pd.Series(frames.texts(invoices["status"], "lower"), copy=False)
    derived = {s.lower() for s in DERIVED}
    hit = (pd.Series(frames.texts(invoices["invoice_id"]), copy=False).isin(ids) & typed.isin(derived | {""})).to_numpy() \
        & (invoices["open_amount"].fillna(0).to_numpy() != 0)
    if not hit.any():
        return invoices
    out = invoices.copy()
    out["status"] = np.where(hit, IN_LEGAL, out["status"].astype(object).to_numpy())
    return out


def proposed_closings(invoices: pd.DataFrame, disputes: pd.DataFrame | None) -> list[str]:
    """Ids of the live disputes whose invoices are all in the workbook with nothing open."""
    if disputes is None or not len(disputes):
        return []
    open_by_id = dict(zip(frames.texts(invoices["invoice_id"]),
                          invoices["open_amount"].to_numpy(dtype=np.int64, na_value=0)))
    out = []
    for r in disputes.loc[live_mask(disputes)].itertuples(index=False):
        ids = split_ids(r.invoice_ids)
        if ids and all(i in open_by_id and open_by_id[i] == 0 for i in ids):
            out.append(str(r.dispute_id))
    return out

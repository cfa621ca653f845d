"""Which imported payments are new: pure pandas, no files.

A payment read from a bank file is already present when

1. its ``payment_id`` is already there (ids are derived from the bank
   reference, or the statement id and entry, or the content, so reading the
   same statement again gives the same ids), or
2. a row with the same non-empty ``bank_reference``, value date, amount and
   currency is already there (e.g. the same credit reported first by a
   camt.054 notification, then by the camt.053 statement), or
3. it has no bank reference and a row with the same content (value date,
   amount, currency, payer IBAN, remittance) is already there; each existing
   row vouches for one new row only, so two genuinely identical payments on
   the same day are both kept when only one was imported before.

Rules 1 and 2 also apply among the new rows themselves (two files holding
the same lines); rule 3 only against rows imported before, because identical
lines in one statement are separate payments (their ids already differ).
"""
from __future__ import annotations

from collections import Counter

import pandas as pd

from ..bank.base import content_key


def _ref_key(row) -> tuple | None:
    ref = str(row.get("bank_reference") or "").strip()
    if not ref:
        return None
    day = pd.Timestamp(row["value_date"]).date().isoformat() if not pd.isna(row["value_date"]) else ""
    return (ref, day, int(row["amount"]), str(row["currency"]).upper())


def _content(row) -> tuple:
    return content_key(row["value_date"], int(row["amount"]), row["currency"], row.get("payer_iban", ""), row.get("remittance", ""))


def dedupe(new: pd.DataFrame, existing: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """``(rows of new to add, number of rows skipped as already present)``."""
    if new is None or not len(new):
        return (new if new is not None else pd.DataFrame()).iloc[0:0].copy(), 0
    existing = existing if existing is not None else pd.DataFrame(columns=new.columns)
    ids = set(existing["payment_id"].astype(str)) if "payment_id" in existing.columns else set()
    refs: set[tuple] = set()
    contents: Counter = Counter()
    new_ids = set(new["payment_id"].astype(str))
    for row in existing.to_dict("records"):
        if pd.isna(row.get("amount")) or pd.isna(row.get("value_date")):
            continue
        key = _ref_key(row)
        if key:
            refs.add(key)
        if str(row.get("payment_id")) not in new_ids:
            contents[_content(row)] += 1
    keep = []
    for i, row in zip(new.index, new.to_dict("records")):
        pid = str(row["payment_id"])
        key = _ref_key(row)
        if pid in ids or (key and key in refs):
            continue
        if not key:
            c = _content(row)
            if contents[c] > 0:
                contents[c] -= 1
                continue
        ids.add(pid)
        if key:
            refs.add(key)
        keep.append(i)
    added = new.loc[keep].reset_index(drop=True)
    return added, len(new) - len(added)

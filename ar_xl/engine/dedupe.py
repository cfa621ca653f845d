"""Which imported payments are new: pure pandas, no files.

A payment read from a bank file is already present when

1. its ``payment_id`` is already there (ids are derived from the bank
   reference, or the statement id and entry, or the content, so reading the
   same statement again gives the same ids), or
2. it is one of the entries a reference or the content cannot tell apart, and
   what is already there holds as many of them: entries with the same
   non-empty ``bank_reference``, value date, amount and currency (e.g. the same
   credit reported first by a camt.054 notification, then by the camt.053
   statement), or, without a bank reference, with the same content (value
   date, amount, currency, payer IBAN, remittance).

Entries of one statement (the same source file and statement id) are never
duplicates of each other: the bank booked each, so two credits of the same
day, amount and payer-chosen reference (a camt ``EndToEndId``, an MT940
``:61:`` customer reference, which ar-xl keeps as the bank reference when the
bank gives none) are two payments, and the matcher flags the second as a
possible duplicate payment.  Rule 2 counts: when a statement holds k entries
alike, what is already there (the workbook's rows and those added from earlier
statements of the same import) vouches for as many of them as it holds, and
only the rest are new.  So importing a statement twice adds nothing (ids), an
overlapping statement adds only the entries the earlier one lacked, and two
identical entries imported before and read again add nothing.

What is still skipped: an entry of another statement that is alike (same bank
reference, value date, amount and currency, or without a reference the same
content) to one already there, when its statement holds no more such entries
than are there.  E.g. a second transfer with the same payer-chosen reference,
day and amount that the bank reports only in the next statement, or the same
payer paying the same amount with the same text on the same day to two of your
accounts whose statements are imported separately.
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
    return content_key(row["value_date"], int(row["amount"]), row["currency"], row.get("payer_iban", ""),
                       row.get("remittance", ""))


def _statement(row) -> tuple:
    """Which statement a row was read from: its file and statement id (a CSV export without one: the file)."""
    return (str(row.get("source_file") or ""), str(row.get("statement_id") or ""))


def _key(row) -> tuple:
    """What entries alike share: the bank reference with day, amount and currency, or without one the content."""
    ref = _ref_key(row)
    return ("ref", ref) if ref else ("content", _content(row))


def dedupe(new: pd.DataFrame, existing: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """``(rows of new to add, number of rows skipped as already present)``."""
    if new is None or not len(new):
        return (new if new is not None else pd.DataFrame()).iloc[0:0].copy(), 0
    existing = existing if existing is not None else pd.DataFrame(columns=new.columns)
    ids = set(existing["payment_id"].astype(str)) if "payment_id" in existing.columns else set()
    there: Counter = Counter()  # entries alike already there, by key

    def vouch(row) -> None:
        """A row that is there vouches for one entry alike: by its reference key, and (a CSV line of the same
        payment has no reference) by its content."""
        ref = _ref_key(row)
        if ref:
            there[("ref", ref)] += 1
        there[("content", _content(row))] += 1

    for row in existing.to_dict("records"):
        if pd.isna(row.get("amount")) or pd.isna(row.get("value_date")):
            continue
        vouch(row)
    statements: dict[tuple, list] = {}
    for i, row in zip(new.index, new.to_dict("records")):
        statements.setdefault(_statement(row), []).append((i, row))
    keep: set = set()
    for rows in statements.values():
        alike: Counter = Counter()  # entries of this statement by key, those there by id included
        candidates: dict[tuple, list] = {}  # those not there by id, in statement order
        for i, row in rows:
            key = _key(row)
            alike[key] += 1
            pid = str(row["payment_id"])
            if pid not in ids:
                ids.add(pid)
                candidates.setdefault(key, []).append((i, row))
        for key, found in candidates.items():
            # the k-th entry alike is new when fewer than k are there
            n_new = min(len(found), max(0, alike[key] - there[key]))
            for i, row in found[:len(found) - n_new]:
                ids.discard(str(row["payment_id"]))
            for i, row in found[len(found) - n_new:]:
                keep.add(i)
                vouch(row)
    added = new.loc[[i for i in new.index if i in keep]].reset_index(drop=True)
    return added, len(new) - len(added)

"""Import bank statements: new incoming credits are appended to Payments.

Every file is read first (MT940, camt.053/camt.054, CSV/XLSX exports; see
``ar_xl.bank``); a problem in any file raises ``InputError`` and nothing is
changed.  Payments already in the workbook (same id, same bank reference, or
the same content) are skipped, so importing a statement twice adds nothing;
entries of one statement are never skipped as duplicates of each other, and
entries alike are counted against what is there (``engine.dedupe``).
Each added payment gets one Audit row.

The summary says what was left out and why: debits, reversals, zero amounts,
pending bookings and lines that are no transaction (with their line or entry
numbers), payments already present, and the columns of a CSV/XLSX export that
nothing was read from.
"""
from __future__ import annotations

import os
from typing import Mapping, Sequence

import pandas as pd

from .. import bank
from ..book import Book, Change
from ..engine import dedupe, fx_gaps
from ..errors import InputError
from ..money import fmt
from ..bank.report import UNBALANCED_ACCEPTED, describe_skipped

ACTION = "import_statements"


def run(book: Book, files: Sequence[str | os.PathLike], mapping: Mapping[str, object] | None = None,
        accept_unbalanced: bool = False) -> Change:
    """Read ``files`` and return the Change that appends their new payments.  ``accept_unbalanced``: a statement
    whose balances do not reconcile with its entries (an export of the credits only) is imported, said in the
    summary and in Audit, instead of refused."""
    files = list(files)
    if not files:
        raise InputError("no statement files given", source="import")
    read = bank.read_files(files, mapping, book.config.statement_max_mb, accept_unbalanced)
    new = read.frame
    existing = book.get("Payments")
    added, skipped = dedupe.dedupe(new, existing)
    change = Change(ACTION)
    if len(existing):
        body = pd.concat([existing.reset_index(drop=True), added], ignore_index=True)
    else:
        body = added.reset_index(drop=True)
    change.tables["Payments"] = body
    for row in added.itertuples(index=False):
        change.log(
            book.user, "Payments", row.payment_id, "payment_id", None,
            f"{row.currency} {fmt(row.amount)} on {pd.Timestamp(row.value_date):%Y-%m-%d}"
            + (f" from {row.payer_name}" if row.payer_name else "")
            + f" ({row.source_file})",
            rule="import",
        )
    n_files = len(files)
    summary = (f"imported {len(added)} payment{'s' if len(added) != 1 else ''} "
               f"({skipped} already present) from {n_files} file{'s' if n_files != 1 else ''}")
    left_out = describe_skipped(read.skipped, skipped)
    if read.skipped and left_out:
        summary += "; " + left_out
    for name, cols in read.unused_columns.items():
        summary += f"; {name}: columns not used: {', '.join(cols)}"
    rated = fx_gaps.known(added["currency"], book.config) if len(added) else None
    if rated is not None and not rated.all():
        note = fx_gaps.describe("", "payment", added["amount"], added["currency"], rated)
        summary += f"; {note.replace(': no FX rate', ' has no FX rate' if (~rated).sum() == 1 else ' have no FX rate', 1)}"
        summary += " (reports leave it out until then)"
    for w in read.warnings:
        summary += f"; {w}"
        if UNBALANCED_ACCEPTED in w:  # a person's decision, kept with the payments it let in
            change.log(book.user, "Payments", "*", "statement", None, w, rule="import --accept-unbalanced")
    change.summary = summary
    return change

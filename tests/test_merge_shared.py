"""``book.merge_preserving`` over a body that shares columns with the table as read (an action that changed
one column of a shallow copy): the result is the one a body of fresh copies gives, a person's typed values
kept, and the columns left as read stay shared, so the writer finds the rows that changed without comparing
the others cell by cell."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ar_xl import frames, schema
from ar_xl.book import merge_preserving

from helpers import frame


def _old() -> pd.DataFrame:
    rows = [(f"INV{i:04d}", f"C{i % 7}", f"Customer {i % 7}", "2026-09-01", "2026-10-01", "EUR", f"{100 + i}.25",
             f"{100 + i}.25", "", "open", "call back" if i % 5 == 0 else "") for i in range(300)]
    return frame("Invoices", rows, ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date",
                                    "currency", "amount", "open_amount", "collector", "status", "note"])


def _cases(old: pd.DataFrame):
    restated = old.copy(deep=False)  # an action's body: one column new, the others as read
    restated["status"] = np.where(np.arange(len(old)) % 3 == 0, "disputed", old["status"].to_numpy())
    yield "one column changed", restated
    longer = pd.concat([restated, _old().iloc[:2].assign(invoice_id=["NEW1", "NEW2"])], ignore_index=True)
    yield "rows added", longer
    yield "rows in another order", restated.iloc[::-1].reset_index(drop=True)
    fewer = restated.iloc[10:].reset_index(drop=True)
    yield "rows left out", fewer


def test_a_body_sharing_columns_merges_as_a_body_of_copies():
    t = schema.table("Invoices")
    old = _old()
    before = old.copy(deep=True)
    for name, new in _cases(old):
        shared = merge_preserving(old, new, t)
        copied = merge_preserving(old, new.copy(deep=True), t)
        pd.testing.assert_frame_equal(shared, copied, obj=name)
        assert (shared["note"].iloc[:300:5] == "call back").all(), name  # what a person typed stays
    pd.testing.assert_frame_equal(old, before)  # the table as read is left as it was


def test_the_columns_left_as_read_stay_shared():
    old = _old()
    new = next(_cases(old))[1]
    merged = merge_preserving(old, new, schema.table("Invoices"))
    shared = {c for c in merged.columns if frames.same_column(merged[c], old[c])}
    assert "status" not in shared and {"invoice_id", "amount", "open_amount", "note"} <= shared
    assert (merged["status"].to_numpy()[::3] == "disputed").all()

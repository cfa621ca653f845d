"""Issue 12 part 2: an invoice's workflow state is one fact derived from its records."""
from __future__ import annotations

import datetime as dt

import numpy as np

from ar_xl.actions import refresh
from ar_xl.book import Book
from ar_xl.engine import disputes as dispute_engine
from ar_xl.engine import states
from ar_xl.workbook import xlsx

from helpers import frame

INV = ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"]
AS_OF = dt.date(2026, 11, 23)


def _book():
    inv = frame("Invoices", [
        ("I1", "C1", "2026-09-01", "2026-10-01", "EUR", "100.00", "100.00", "open"),      # live dispute
        ("I2", "C1", "2026-09-01", "2026-10-01", "EUR", "100.00", "100.00", "disputed"),  # dispute rejected
        ("I3", "C1", "2026-09-01", "2026-10-01", "EUR", "100.00", "0.00", "on plan"),     # paid in full
        ("I4", "C2", "2026-09-01", "2026-10-01", "EUR", "100.00", "60.00", "on plan"),    # plan broken
        ("I5", "C2", "2026-09-01", "2026-10-01", "EUR", "100.00", "60.00", "open"),       # active plan
        ("I6", "C2", "2026-09-01", "2026-10-01", "EUR", "100.00", "60.00", ""),           # open promise
        ("I7", "C2", "2026-09-01", "2026-10-01", "EUR", "100.00", "60.00", "legal"),      # a person's decision
        ("I8", "C3", "2026-09-01", "2026-10-01", "EUR", "40.00", "0.00", "disputed"),     # short pay, paid since
    ], INV)
    disp = frame("Disputes", [
        ("D-000001", "C1", "I1", "open"), ("D-000002", "C1", "I2", "resolved - rejected"),
        ("D-000003", "C2", "I7", "in review"), ("D-000004", "C3", "I8", "open"),
    ], ["dispute_id", "customer_id", "invoice_ids", "status"])
    plans = frame("Plans", [("P-000001", "C2", "I4", 1, "broken"), ("P-000002", "C2", "I5", 1, "active"),
                            ("P-000003", "C1", "I3", 1, "completed")],
                  ["plan_id", "customer_id", "invoice_ids", "installment_no", "plan_status"])
    prom = frame("Promises", [("PTP-000001", "C2", "I6", "open"), ("PTP-000002", "C2", "I5", "broken")],
                 ["promise_id", "customer_id", "invoice_ids", "status"])
    return Book(tables={"Invoices": inv, "Disputes": disp, "Plans": plans, "Promises": prom})


def test_the_state_follows_the_records_by_a_documented_precedence():
    b = _book()
    got = states.derive(b.get("Invoices"), b.get("Disputes"), b.get("Plans"), b.get("Promises"))
    assert list(got) == ["disputed", "open", "paid", "open", "on plan", "promised", "legal", "paid"]


def test_refresh_writes_the_states_flags_only_live_disputes_and_proposes_closings():
    b = _book()
    change = refresh.run(b, AS_OF)
    inv = change.merged(b)["Invoices"].set_index("invoice_id")
    assert inv["status"].to_dict() == {"I1": "disputed", "I2": "open", "I3": "paid", "I4": "open",
                                       "I5": "on plan", "I6": "promised", "I7": "legal", "I8": "paid"}
    aging = change.tables["Aging"].set_index("invoice_id")
    assert list(aging.index) == ["I1", "I2", "I4", "I5", "I6", "I7"]  # every open item, nothing left out
    assert aging["state"].to_dict() == {"I1": "disputed", "I2": "open", "I4": "open", "I5": "on plan",
                                        "I6": "promised", "I7": "legal"}
    # disputed: on a live dispute, whatever the state (I7 is in legal and disputed); the rejected one is not
    assert aging["disputed"].to_dict() == {"I1": True, "I2": False, "I4": False, "I5": False, "I6": False,
                                           "I7": True}
    assert "to close: D-000004" in change.summary
    audit = [a for a in change.audit if a["table"] == "Invoices"]
    assert {(a["key"], a["old_value"], a["new_value"]) for a in audit} >= {("I2", "disputed", "open"),
                                                                         ("I3", "on plan", "paid")}


def test_on_the_demo_workbook_every_status_agrees_with_the_records(demo):
    book = xlsx.load(demo.workbook)
    inv = book.get("Invoices")
    d, p, pr = book.get("Disputes"), book.get("Plans"), book.get("Promises")
    want = states.derive(inv, d, p, pr)
    have = inv["status"].astype(str).str.strip().to_numpy()
    assert (np.char.lower(have.astype(str)) == np.char.lower(want.astype(str))).all()
    live = dispute_engine.disputed_invoices(d)
    ids = inv["invoice_id"].astype(str)
    on_live = ids.isin(live).to_numpy() & (inv["open_amount"].to_numpy() != 0)
    assert (have[on_live] == "disputed").all()                   # every live dispute's open invoice says so
    assert not ((have == "disputed") & ~ids.isin(live).to_numpy()).any()  # no disputed without a live dispute
    assert not ((have == "on plan") & (inv["open_amount"].to_numpy() == 0)).any()
    broken = states._ids_of(p, p["plan_status"].astype(str).eq("broken").to_numpy()) - states.planned_ids(p)
    assert not ((have == "on plan") & ids.isin(broken).to_numpy()).any()
    aging = book.get("Aging")
    assert set(aging.loc[aging["disputed"], "invoice_id"].astype(str)) <= live
    assert (aging.loc[aging["state"] == "disputed", "disputed"]).all()
    assert len(aging) == int((inv["open_amount"] != 0).sum())

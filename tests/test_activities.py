"""The contact log: validated Activities rows and the log_activity action."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from test_plans import INVOICES, make_book

from ar_xl import schema
from ar_xl.actions.activity import log_activity
from ar_xl.engine.activities import new_activity
from ar_xl.errors import InputError


def test_new_activity_row():
    row = new_activity("A-000001", "anna", "C1", "Call", "promised 450.00 by Friday", "2026-03-13",
                       at=dt.datetime(2026, 3, 10, 14, 35, 12, 999), note="spoke to AP")
    assert row == {
        "activity_id": "A-000001", "at": pd.Timestamp("2026-03-10 14:35:12"), "user": "anna", "customer_id": "C1",
        "channel": "call", "outcome": "promised 450.00 by Friday", "next_action_date": pd.Timestamp("2026-03-13"),
        "note": "spoke to AP", "payment_id": "",
    }
    assert set(row) == set(schema.ACTIVITIES.names)
    # text timestamps and no next action
    row = new_activity("A-2", "anna", "C1", "email", "sent statement", at="2026-03-10 09:00")
    assert row["at"] == pd.Timestamp("2026-03-10 09:00") and pd.isna(row["next_action_date"])
    # a next action on the contact's own day is fine
    assert new_activity("A-3", "a", "C1", "meeting", "x", "2026-03-10", at="2026-03-10 17:00")["next_action_date"] == \
        pd.Timestamp("2026-03-10")


@pytest.mark.parametrize("kwargs, words", [
    (dict(user=" "), "user"),
    (dict(customer_id=""), "customer_id"),
    (dict(outcome=""), "outcome"),
    (dict(channel="fax"), "channel must be one of call, email, letter, portal, meeting"),
    (dict(next_action_date="2026-03-09"), "before the contact on 2026-03-10"),
    (dict(next_action_date="someday"), "next_action_date"),
    (dict(at="yesterday-ish"), "not a date and time"),
])
def test_new_activity_validation(kwargs, words):
    args = dict(activity_id="A-1", user="anna", customer_id="C1", channel="call", outcome="no answer",
                next_action_date=None, at="2026-03-10 10:00")
    args.update(kwargs)
    with pytest.raises(ValueError) as e:
        new_activity(**args)
    assert words in str(e.value)


def test_log_activity_change_and_ids():
    book = make_book(INVOICES)
    ch = log_activity(book, "C1", "call", "no answer, voicemail left", next_action_date="2026-03-12",
                      at="2026-03-10 10:15")
    acts = ch.tables["Activities"]
    assert list(acts["activity_id"]) == ["A-000001"]
    assert acts["at"].iloc[0] == pd.Timestamp("2026-03-10 10:15") and acts["user"].iloc[0] == "anna"
    assert acts["next_action_date"].dtype == "datetime64[ns]"
    assert [(a["table"], a["key"], a["column"], a["new_value"], a["rule"]) for a in ch.audit] == [
        ("Activities", "A-000001", "outcome", "no answer, voicemail left", "call")]
    assert ch.summary == "logged call with C1 at 2026-03-10 10:15: no answer, voicemail left; next action 2026-03-12"
    book.tables["Activities"] = ch.merged(book)["Activities"]
    ch2 = log_activity(book, "C2", "EMAIL", "sent copy invoice INV9", at="2026-03-10 11:00", user="bert")
    assert list(ch2.tables["Activities"]["activity_id"]) == ["A-000001", "A-000002"]
    assert list(ch2.tables["Activities"]["user"]) == ["anna", "bert"]
    assert "next action" not in ch2.summary


def test_log_activity_refusals_are_input_errors():
    book = make_book(INVOICES)
    with pytest.raises(InputError, match="unknown customer 'C404'"):
        log_activity(book, "C404", "call", "x")
    with pytest.raises(InputError, match="channel must be one of"):
        log_activity(book, "C1", "pigeon", "x")

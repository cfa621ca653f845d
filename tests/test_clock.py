"""Today is read in one place: ``AR_XL_TODAY`` pins it for every action, and a run without it uses the machine's date."""
from __future__ import annotations

import datetime as dt

import pytest

from ar_xl import clock
from ar_xl.cli import main
from conftest import TODAY
from helpers import seeded


def test_tests_run_on_the_pinned_day():
    assert clock.today() == TODAY
    assert clock.now().date() == TODAY


def test_without_the_pin_the_machine_date_is_used(monkeypatch):
    monkeypatch.delenv(clock.ENV)
    assert clock.today() == dt.date.today()


def test_a_bad_pin_is_refused(monkeypatch):
    monkeypatch.setenv(clock.ENV, "soon")
    with pytest.raises(ValueError, match="AR_XL_TODAY='soon' is not a date"):
        clock.today()


def test_a_promise_before_the_pinned_day_is_refused_and_after_it_accepted(tmp_path, monkeypatch, capsys):
    wb = seeded(tmp_path / "c.xlsx",
                Customers=([("C1", "Bakker B.V.")], ["customer_id", "customer_name"]),
                Invoices=([("2026-0001", "C1", "2026-08-01", "2026-08-31", "EUR", "100.00", "100.00")],
                          ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount",
                           "open_amount"]))
    monkeypatch.setenv(clock.ENV, "2031-06-30")
    assert main(["promise", "add", str(wb), "--customer", "C1", "--amount", "50", "--date", "2031-06-29"]) == 2
    assert "is before the day it is logged (2031-06-30)" in capsys.readouterr().err
    assert main(["promise", "add", str(wb), "--customer", "C1", "--amount", "50", "--date", "2031-07-01"]) == 0
    from ar_xl.workbook import xlsx
    p = xlsx.load(wb).get("Promises").iloc[0]
    assert p["logged_on"] == dt.datetime(2031, 6, 30) and p["promised_date"] == dt.datetime(2031, 7, 1)
    audit = xlsx.load(wb).get("Audit")
    assert (audit["timestamp"].dt.date == dt.date(2031, 6, 30)).all()

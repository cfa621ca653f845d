"""Write-offs as a credit controller and an approver check them: what is booked at once and what waits,
open amounts and states to the cent, the ERP journal's lines, a Confirm from someone who may not give
it, a dispute resolved as write-off, the monthly report with cash application's small differences,
and the ribbon button on xlwings' remote engine.  The day is pinned by conftest (2026-11-23)."""
from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pandas as pd
import pytest

from ar_xl import config as config_mod
from ar_xl.actions import dispute as dispute_action
from ar_xl.actions import refresh
from ar_xl.actions import writeoff as action
from ar_xl.book import Book
from ar_xl.cli import main
from ar_xl.engine import writeoffs as engine
from ar_xl.errors import InputError
from ar_xl.workbook import xlsx
from helpers import header_names, frame, seeded
from test_macros import _remote_engine  # noqa: F401  (autouse: the ribbon test runs on xlwings' remote engine)

INVOICES = ([
    ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
    ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-10-01", "2026-10-31", "EUR", "300.00", "300.00", "open"),
    ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "GBP", "80.00", "80.00", "open"),
    ("CN-0001", "C2", "Spedition Kühn GmbH", "2026-10-05", "2026-10-05", "EUR", "-20.00", "-20.00", "open"),
    ("2026-0004", "C3", "Hargreaves Freight Ltd", "2026-09-01", "2026-10-01", "EUR", "990.00", "990.00", "disputed"),
], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount", "open_amount",
    "status"])

CUSTOMERS = ([("C1", "Bakker Logistiek B.V."), ("C2", "Spedition Kühn GmbH"), ("C3", "Hargreaves Freight Ltd")],
             ["customer_id", "customer_name"])

CONFIG = ([
    ("writeoff.limit", "50.00"),            # everyone
    ("writeoff.limit.julie", "100.00"),     # julie's own
    ("writeoff.role.bert", "team lead"),
    ("writeoff.limit.team lead", "1000.00"),
    ("writeoff.approvers", "anna; team lead"),
], ["setting", "value"])

DISPUTES = ([("D-000001", "C3", "2026-0004", "990.00", "EUR", "price", "Sales", "in review", "2026-10-05",
              "2026-10-19")],
            ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status", "opened",
             "sla_due"])


@pytest.fixture
def wb(tmp_path):
    return seeded(tmp_path / "collections.xlsx", Invoices=INVOICES, Customers=CUSTOMERS, Config=CONFIG,
                  Disputes=DISPUTES)


@pytest.fixture
def as_user(monkeypatch):
    def login(name):
        monkeypatch.setenv("AR_XL_USER", name)
    return login


def _invoices(path):
    return xlsx.load(path).get("Invoices").set_index("invoice_id")


def _writeoffs(path):
    return xlsx.load(path).get("WriteOffs").set_index("writeoff_id")


def _type(path, writeoff_id, **cells):
    """Type values in a WriteOffs row, as a person would in Excel."""
    w = openpyxl.load_workbook(path)
    ws = w["WriteOffs"]
    header = header_names(ws)
    r = [ws.cell(i, 1).value for i in range(1, ws.max_row + 1)].index(writeoff_id) + 1
    for k, v in cells.items():
        ws.cell(r, header.index(k) + 1).value = v
    w.save(path)
    return r


def _journal(path, change_summary):
    name = change_summary.split("ERP journal: ")[1].split(";")[0].strip()
    p = path.parent / name
    with open(p, newline="", encoding="utf-8") as f:
        return p, list(csv.reader(f))


# ------------------------------------------------------------------ below the limit: booked at once

def test_within_the_limit_a_partial_write_off_is_booked_at_once(wb, as_user, capsys):
    as_user("julie")
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "40.00", "--reason", "small balance"]) == 0
    out = capsys.readouterr().out
    assert "write-off W-000001 booked: 2026-0002 EUR 40.00 (within julie's limit 100.00 (Config writeoff.limit.julie))" in out
    inv = _invoices(wb)
    assert inv.loc["2026-0002", "open_amount"] == 26000          # 300.00 - 40.00, to the cent
    assert inv.loc["2026-0002", "status"] == "open"              # a partial write-off: the rest is still chased
    wo = _writeoffs(wb).loc["W-000001"]
    assert (wo["status"], wo["approver"], wo["amount"], wo["amount_base"], wo["proposed_by"], wo["source"]) == \
        ("booked", "julie", 4000, 4000, "julie", "collector")
    assert wo["booked_on"] == pd.Timestamp("2026-11-23")
    # the ERP journal beside the workbook, named in WriteOffs
    path, rows = _journal(wb, out)
    assert wo["journal"] == f"ar-xl-journal/{path.name}"
    assert rows == [["date", "invoice", "customer", "amount", "currency", "reason", "approver"],
                    ["2026-11-23", "2026-0002", "C1", "40.00", "EUR", "small balance", "julie"]]
    # Audit: the proposal, the booking, the open amount
    au = xlsx.load(wb).get("Audit")
    mine = au[au["action"] == "writeoff"]
    assert set(zip(mine["table"], mine["key"], mine["column"], mine["old_value"], mine["new_value"])) == {
        ("WriteOffs", "W-000001", "amount", "", "40.00"),
        ("WriteOffs", "W-000001", "status", "", "booked"),
        ("Invoices", "2026-0002", "open_amount", "300.00", "260.00"),
    }
    assert set(mine["user"]) == {"julie"}


def test_a_full_write_off_closes_the_invoice_as_written_off(wb, as_user):
    as_user("bert")  # a team lead: 1,000.00
    assert main(["writeoff", str(wb), "--invoices", "2026-0002,2026-0003", "--reason", "customer insolvent"]) == 0
    inv = _invoices(wb)
    assert (inv.loc["2026-0002", "open_amount"], inv.loc["2026-0002", "status"]) == (0, "written off")
    assert (inv.loc["2026-0003", "open_amount"], inv.loc["2026-0003", "status"]) == (0, "written off")
    wo = _writeoffs(wb)
    # GBP 80.00 x 1.1650 = EUR 93.20 counts against the limit
    assert list(zip(wo.index, wo["currency"], wo["amount"], wo["amount_base"])) == [
        ("W-000001", "EUR", 30000, 30000), ("W-000002", "GBP", 8000, 9320)]
    # the aging no longer lists them
    aged = refresh.run(xlsx.load(wb), dt.date(2026, 11, 23)).tables["Aging"]
    assert set(aged["invoice_id"]) == {"2026-0001", "CN-0001", "2026-0004"}


# ------------------------------------------------------------------ above the limit: an approver decides

def test_above_the_limit_it_waits_and_only_an_approver_confirms(wb, as_user, capsys):
    as_user("julie")
    assert main(["writeoff", str(wb), "--invoices", "2026-0001", "--reason", "goodwill"]) == 0
    out = capsys.readouterr().out
    assert "W-000001 awaits approval" in out and "above julie's limit 100.00" in out and "anna; team lead" in out
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 120050           # nothing booked
    assert _writeoffs(wb).loc["W-000001", "status"] == "awaiting approval"
    assert not (wb.parent / "ar-xl-journal").exists()

    # julie types Confirm herself: refused, naming the row; nothing changes, her Confirm stays
    row = _type(wb, "W-000001", review="Confirm")
    assert main(["writeoff", str(wb)]) == 0
    captured = capsys.readouterr()
    msg = f"WriteOffs row {row} (W-000001): Confirm by julie refused: julie is not a write-off approver"
    assert msg in captured.out and msg in captured.err
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 120050
    wo = _writeoffs(wb).loc["W-000001"]
    assert (wo["status"], wo["review"]) == ("awaiting approval", "Confirm")

    # a name typed in reviewed_by does not make julie an approver
    _type(wb, "W-000001", reviewed_by="anna")
    assert main(["writeoff", str(wb)]) == 0
    assert "reviewed_by says anna but the action was run by julie, who is not an approver" in capsys.readouterr().out
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 120050

    # anna, an approver, runs it: booked, with her as approver, and journalled
    as_user("anna")
    assert main(["writeoff", str(wb)]) == 0
    out = capsys.readouterr().out
    assert "booked 1 confirmed write-off(s)" in out
    inv = _invoices(wb)
    assert (inv.loc["2026-0001", "open_amount"], inv.loc["2026-0001", "status"]) == (0, "written off")
    wo = _writeoffs(wb).loc["W-000001"]
    assert (wo["status"], wo["approver"], wo["review"], wo["reviewed_by"]) == ("booked", "anna", "Confirm", "anna")
    _, rows = _journal(wb, out)
    assert rows[1] == ["2026-11-23", "2026-0001", "C1", "1200.50", "EUR", "goodwill", "anna"]
    au = xlsx.load(wb).get("Audit")
    booked = au[(au["table"] == "WriteOffs") & (au["column"] == "status") & (au["new_value"] == "booked")]
    assert list(zip(booked["user"], booked["rule"])) == [("anna", "confirmed by anna")]
    # the next run does nothing more
    assert main(["writeoff", str(wb)]) == 0
    assert "no write-off decisions to apply" in capsys.readouterr().out
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 0


def test_an_approver_of_a_role_confirms_and_a_proposer_never_approves_their_own(wb, as_user, capsys):
    as_user("anna")  # an approver, but with everyone's limit of 50.00
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--reason", "old balance"]) == 0
    _type(wb, "W-000001", review="Confirm")
    assert main(["writeoff", str(wb)]) == 0
    assert "anna proposed this write-off and cannot approve it too" in capsys.readouterr().out
    assert _writeoffs(wb).loc["W-000001", "status"] == "awaiting approval"
    as_user("bert")  # a team lead: approvers list the role
    assert main(["writeoff", str(wb)]) == 0
    wo = _writeoffs(wb).loc["W-000001"]
    assert (wo["approver"], wo["reviewed_by"]) == ("bert", "bert")  # the Confirm without a name is bert's run
    assert _invoices(wb).loc["2026-0002", "open_amount"] == 0


def test_an_approver_rejects_and_nothing_is_booked(wb, as_user):
    as_user("julie")
    assert main(["writeoff", str(wb), "--invoices", "2026-0001", "--amount", "500.00", "--reason", "goodwill"]) == 0
    _type(wb, "W-000001", review="Reject", reviewed_by="anna", note="talk to the customer first")
    as_user("anna")
    assert main(["writeoff", str(wb)]) == 0
    wo = _writeoffs(wb).loc["W-000001"]
    assert (wo["status"], wo["note"], wo["approver"]) == ("rejected", "talk to the customer first", "")
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 120050
    # once rejected, the amount is free again
    as_user("bert")
    assert main(["writeoff", str(wb), "--invoices", "2026-0001", "--amount", "1000.00", "--reason", "settlement"]) == 0
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 20050


def test_what_awaits_approval_counts_against_the_open_amount(wb, as_user, capsys):
    as_user("julie")
    assert main(["writeoff", str(wb), "--invoices", "2026-0001", "--amount", "1000.00", "--reason", "goodwill"]) == 0
    before = wb.read_bytes()
    assert main(["writeoff", str(wb), "--invoices", "2026-0001", "--amount", "300.00", "--reason", "again"]) == 2
    err = capsys.readouterr().err
    assert "the write-off of 300.00 on invoice 2026-0001 is more than its open amount 200.50" in err
    assert "already proposed in W-000001" in err
    assert wb.read_bytes() == before


def test_the_same_partial_write_off_twice_is_refused_naming_the_first(wb, as_user, capsys):
    as_user("julie")
    args = ["writeoff", str(wb), "--invoices", "2026-0001", "--amount", "150.00", "--reason", "small balance"]
    assert main(args) == 0
    before = wb.read_bytes()
    assert main(args) == 2  # before: W-000002, a second 150.00 that an approver would book too
    assert "invoice 2026-0001 already has write-off W-000001 of 150.00 awaiting approval" in capsys.readouterr().err
    assert wb.read_bytes() == before
    assert list(_writeoffs(wb).index) == ["W-000001"]



def test_the_same_write_off_booked_at_once_is_not_booked_again(wb, as_user, capsys):
    """Run twice (or the ribbon clicked twice), a write-off within the limit was booked twice: 12.40 off twice."""
    as_user("julie")  # limit 100.00: booked at once
    args = ["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "12,40", "--reason", "small balance"]
    assert main(args) == 0
    capsys.readouterr()
    before = wb.read_bytes()
    assert main(args) == 2
    assert ("invoice 2026-0002 already has write-off W-000001 of 12.40 booked by julie on 2026-11-23 (small balance): "
            "the same write-off is booked once; --again (or another reason) if a second one is meant"
            ) in capsys.readouterr().err
    assert wb.read_bytes() == before
    assert list(_writeoffs(wb).index) == ["W-000001"]
    assert _invoices(wb).loc["2026-0002", "open_amount"] == 28760          # 300.00 - 12.40, once
    assert len(list((wb.parent / "ar-xl-journal").iterdir())) == 1
    # the same reason however typed is the same write-off; the next day it is another one (days given, not the clock's)
    with pytest.raises(InputError, match="already has write-off W-000001 of 12.40 booked by julie"):
        action.run(xlsx.load(wb), ["2026-0002"], 1240, "Small  Balance", user="julie", on="2026-11-23")
    nxt = action.run(xlsx.load(wb), ["2026-0002"], 1240, "small balance", user="julie", on="2026-11-24")
    assert "write-off W-000002 booked" in nxt.summary  # (not saved: the workbook still has W-000001 only)
    # meant a second time: said so
    assert main([*args, "--again"]) == 0
    assert "write-off W-000002 booked: 2026-0002 EUR 12.40" in capsys.readouterr().out
    wo = _writeoffs(wb)
    assert list(zip(wo.index, wo["amount"], wo["status"])) == [("W-000001", 1240, "booked"),
                                                                ("W-000002", 1240, "booked")]
    assert _invoices(wb).loc["2026-0002", "open_amount"] == 27520


def test_another_reason_or_another_person_is_another_write_off(wb, as_user, capsys):
    as_user("julie")
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "10.00", "--reason", "small balance"]) == 0
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "10.00", "--reason", "bank charges"]) == 0
    as_user("bert")
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "10.00", "--reason", "small balance"]) == 0
    wo = _writeoffs(wb)
    assert list(zip(wo["proposed_by"], wo["reason"], wo["status"])) == [
        ("julie", "small balance", "booked"), ("julie", "bank charges", "booked"), ("bert", "small balance", "booked")]
    assert _invoices(wb).loc["2026-0002", "open_amount"] == 27000


def test_a_write_off_split_below_the_limit_waits_once_the_invoice_total_is_above_it(wb, as_user, capsys):
    """49.99 + 49.98 + 49.97 = 149.94 on one invoice by julie, whose limit is 100.00: the third one waits."""
    as_user("julie")
    for amount in ("49.99", "49.98", "49.97"):
        assert main(["writeoff", str(wb), "--invoices", "2026-0001", "--amount", amount, "--reason", "small"]) == 0
    out = capsys.readouterr().out
    assert ("write-off W-000003 awaits approval: 2026-0001 EUR 49.97, EUR 49.97 is above julie's limit 100.00 "
            "(Config writeoff.limit.julie), counting the EUR 99.97 julie already wrote off on 2026-0001 "
            "(W-000001, W-000002): EUR 149.94 in all; an approver (anna; team lead) types Confirm") in out
    wo = _writeoffs(wb)
    assert list(zip(wo.index, wo["amount"], wo["status"], wo["approver"])) == [
        ("W-000001", 4999, "booked", "julie"), ("W-000002", 4998, "booked", "julie"),
        ("W-000003", 4997, "awaiting approval", "")]
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 120050 - 4999 - 4998   # the third is not booked
    # the limit is per invoice: another invoice of the same customer starts from nothing
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "99.00", "--reason", "small balance"]) == 0
    assert "write-off W-000004 booked: 2026-0002 EUR 99.00 (within julie's limit 100.00" in capsys.readouterr().out
    # an approver books the waiting one as any other above the limit
    _type(wb, "W-000003", review="Confirm")
    as_user("anna")
    assert main(["writeoff", str(wb)]) == 0
    assert _writeoffs(wb).loc["W-000003", "status"] == "booked"
    assert _invoices(wb).loc["2026-0001", "open_amount"] == 120050 - 4999 - 4998 - 4997


# ------------------------------------------------------------------ bad input: named, nothing changed

@pytest.mark.parametrize("args, message", [
    (["--invoices", "2026-9999", "--reason", "x"], "invoice(s) not in the Invoices table: 2026-9999"),
    (["--invoices", "2026-0002", "--amount", "300.01", "--reason", "x"],
     "the write-off of 300.01 on invoice 2026-0002 is more than its open amount 300.00"),
    (["--invoices", "2026-0002", "--amount", "0", "--reason", "x"], "must be above 0"),
    (["--invoices", "2026-0001,2026-0002", "--amount", "10.00", "--reason", "x"], "an amount is for one invoice"),
    (["--invoices", "CN-0001", "--reason", "x"], "invoice CN-0001 is a credit note"),
    (["--invoices", "2026-0002"], "a write-off needs a reason"),
    (["--reason", "x", "--amount", "10.00"], "go with --invoices"),
])
def test_bad_input_is_named_and_nothing_changes(wb, as_user, capsys, args, message):
    as_user("bert")
    before = wb.read_bytes()
    assert main(["writeoff", str(wb), *args]) == 2
    assert message in capsys.readouterr().err
    assert wb.read_bytes() == before
    assert not (wb.parent / "ar-xl-journal").exists()


def test_a_bad_limit_in_config_names_the_setting():
    rows = frame("Config", [("writeoff.limit.julie", "lots")], ["setting", "value"])
    with pytest.raises(InputError) as e:
        config_mod.from_rows(rows)
    assert "writeoff.limit.julie" in str(e.value)


def test_the_journal_never_runs_text_as_a_formula(wb, as_user, capsys):
    as_user("julie")
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "12.34",
                 "--reason", '=HYPERLINK("http://x","click")']) == 0
    _, rows = _journal(wb, capsys.readouterr().out)
    assert rows[1][3] == "12.34" and rows[1][5] == '\'=HYPERLINK("http://x","click")'


# ------------------------------------------------------------------ a dispute resolved as write-off

def _book(path, user):
    b = xlsx.load(path)
    b.user = user
    return b


def test_a_dispute_resolved_as_write_off_proposes_it(wb):
    # before: the invoice stayed fully open and, no longer disputed, would be chased in full
    change = dispute_action.set_dispute_status(_book(wb, "julie"), "D-000001", "resolved - write-off", on="2026-11-20")
    assert "W-000001 awaits approval" in change.summary
    wo = change.tables["WriteOffs"].iloc[0]
    assert (wo["source"], wo["reference"], wo["invoice_id"], wo["amount"], wo["status"], wo["reason"]) == \
        ("dispute", "D-000001", "2026-0004", 99000, "awaiting approval", "dispute D-000001: price")
    assert "Invoices" not in change.tables or \
        change.tables["Invoices"].set_index("invoice_id").loc["2026-0004", "open_amount"] == 99000


def test_a_dispute_resolved_as_write_off_within_the_limit_is_booked(wb, tmp_path):
    book = _book(wb, "bert")
    change = dispute_action.set_dispute_status(book, "D-000001", "resolved - write-off", on="2026-11-20",
                                               journal_dir=str(tmp_path / "journal"))
    inv = change.tables["Invoices"].set_index("invoice_id")
    assert (inv.loc["2026-0004", "open_amount"], inv.loc["2026-0004", "status"]) == (0, "written off")
    assert change.tables["WriteOffs"].iloc[0]["approver"] == "bert"
    assert list(change.journal["amount"]) == ["990.00"]
    assert "ERP journal" in change.summary


def test_a_dispute_for_less_than_open_writes_off_only_its_amount(wb):
    book = _book(wb, "bert")
    d = book.get("Disputes").copy()
    d.loc[0, "amount"] = 15025
    book.tables["Disputes"] = d
    change = dispute_action.set_dispute_status(book, "D-000001", "resolved - write-off", on="2026-11-20")
    inv = change.tables["Invoices"].set_index("invoice_id")
    assert inv.loc["2026-0004", "open_amount"] == 99000 - 15025
    assert inv.loc["2026-0004", "status"] == "open"  # the rest is owed and chased again


def test_through_the_command_the_journal_is_written(wb, as_user, capsys):
    as_user("bert")
    assert main(["dispute", "status", str(wb), "D-000001", "resolved - write-off", "--on", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    _, rows = _journal(wb, out)
    assert rows[1] == ["2026-11-20", "2026-0004", "C3", "990.00", "EUR", "dispute D-000001: price", "bert"]
    assert _invoices(wb).loc["2026-0004", "status"] == "written off"


def _dispute_of_400(wb):
    d = openpyxl.load_workbook(wb)
    ws = d["Disputes"]
    ws.cell(2, header_names(ws).index("amount") + 1).value = 400
    d.save(wb)


def test_a_reopened_dispute_withdraws_its_write_off_so_it_is_written_off_once(wb, as_user, capsys):
    _dispute_of_400(wb)
    as_user("julie")
    for status in ("resolved - write-off", "in review", "resolved - write-off"):
        assert main(["dispute", "status", str(wb), "D-000001", status, "--on", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "resolved - write-off -> in review; write-off W-000001 withdrawn" in out
    wo = _writeoffs(wb)
    assert list(zip(wo.index, wo["amount"], wo["status"])) == [
        ("W-000001", 40000, "withdrawn"), ("W-000002", 40000, "awaiting approval")]
    au = xlsx.load(wb).get("Audit")
    assert ("W-000001", "awaiting approval", "withdrawn", "dispute D-000001 reopened") in set(
        zip(au["key"], au["old_value"], au["new_value"], au["rule"]))
    # an approver confirms both rows: only the live one is booked, the invoice is written down once
    _type(wb, "W-000001", review="Confirm")
    _type(wb, "W-000002", review="Confirm")
    as_user("anna")
    assert main(["writeoff", str(wb)]) == 0
    assert _invoices(wb).loc["2026-0004", "open_amount"] == 59000  # 990.00 - 400.00, not 190.00
    wo = _writeoffs(wb)
    assert list(zip(wo["status"], wo["review"])) == [("withdrawn", "Confirm"), ("booked", "Confirm")]


@pytest.mark.parametrize("user, typed, status", [
    ("julie", "Confirm", "awaiting approval"),  # a decision is typed: it is the approver's, not withdrawn
    ("bert", None, "booked"),                   # within bert's limit: booked at once
])
def test_a_dispute_resolved_as_write_off_again_proposes_nothing_new(wb, as_user, capsys, user, typed, status):
    _dispute_of_400(wb)
    as_user(user)
    assert main(["dispute", "status", str(wb), "D-000001", "resolved - write-off", "--on", "2026-11-20"]) == 0
    if typed:
        _type(wb, "W-000001", review=typed)
    assert main(["dispute", "status", str(wb), "D-000001", "in review", "--on", "2026-11-21"]) == 0
    assert f"write-off W-000001 ({status}) kept" in capsys.readouterr().out
    assert main(["dispute", "status", str(wb), "D-000001", "resolved - write-off", "--on", "2026-11-22"]) == 0
    assert f"nothing new proposed: D-000001 already has write-off W-000001 ({status})" in capsys.readouterr().out
    wo = _writeoffs(wb)
    assert list(zip(wo.index, wo["amount"], wo["status"])) == [("W-000001", 40000, status)]
    assert _invoices(wb).loc["2026-0004", "open_amount"] == (59000 if status == "booked" else 99000)


# ------------------------------------------------------------------ the report: one place for all of it

def _with_cash_write_off(book: Book) -> Book:
    book.tables["Payments"] = frame("Payments", [("BNK-1", "2026-11-02", "295.00", "EUR")],
                                    ["payment_id", "value_date", "amount", "currency"])
    book.tables["Matches"] = frame("Matches", [
        ("M-BNK-1-2026-0002", "BNK-1", "2026-0002", "C1", "295.00", "5.00", "auto", "", "TRUE"),
        ("M-BNK-9-2026-0001", "BNK-9", "2026-0001", "C1", "10.00", "1.00", "suggested", "", "FALSE"),
    ], ["match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "write_off", "decision", "review",
        "applied"])
    return book


def test_the_report_lists_booked_write_offs_and_cash_application_differences(wb, as_user, capsys):
    as_user("bert")
    assert main(["writeoff", str(wb), "--invoices", "2026-0003", "--reason", "small balance"]) == 0
    book = _with_cash_write_off(xlsx.load(wb))
    rep = action.report(book)
    assert list(zip(rep["date"].dt.strftime("%Y-%m-%d"), rep["source"], rep["invoice_id"], rep["currency"],
                    rep["amount"], rep["amount_base"], rep["approver"])) == [
        ("2026-11-02", "cash application", "2026-0002", "EUR", 500, 500, "auto (within tolerance)"),
        ("2026-11-23", "collector", "2026-0003", "GBP", 8000, 9320, "bert"),
    ]
    assert rep.loc[1, "reason"] == "small balance" and rep.loc[0, "reference"] == "M-BNK-1-2026-0002 (payment BNK-1)"
    assert len(action.report(book, "2026-10")) == 0
    with pytest.raises(InputError, match="YYYY-MM"):
        action.report(book, "November")


def test_the_report_command_by_month(wb, as_user, capsys, tmp_path):
    as_user("bert")
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--reason", "small balance"]) == 0
    capsys.readouterr()
    assert main(["writeoff", str(wb), "--report", "--month", "2026-11"]) == 0
    out = capsys.readouterr().out
    assert "2026-0002" in out and "1 write-off(s) in 2026-11: EUR 300.00 (collector EUR 300.00)" in out
    target = tmp_path / "writeoffs.csv"
    assert main(["writeoff", str(wb), "--report", "--out", str(target)]) == 0
    with open(target, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["date"], r["invoice_id"], r["amount"], r["approver"]) for r in rows] == \
        [("2026-11-23", "2026-0002", "300.00", "bert")]


# ------------------------------------------------------------------ engine rules, directly

def test_limits_per_user_role_and_default():
    rules = config_mod.from_rows(frame("Config", *CONFIG)).writeoffs
    assert rules.limit_of("julie") == (10000, "writeoff.limit.julie")
    assert rules.limit_of("Bert") == (100000, "writeoff.limit.team lead")
    assert rules.limit_of("someone") == (5000, "writeoff.limit")
    assert [rules.is_approver(u) for u in ("anna", "BERT", "julie", "")] == [True, True, False, False]
    assert config_mod.Config().writeoffs.limit_of("x") == (0, "writeoff.limit")  # by default everything waits
    assert engine.within_limit(10000, "julie", rules)[0] and not engine.within_limit(10001, "julie", rules)[0]


# ------------------------------------------------------------------ the ribbon

def test_the_ribbon_button_proposes_for_the_selected_rows_and_applies_decisions(wb, monkeypatch, tmp_path):
    from ar_xl.excel import macros
    from test_macros import _ok, _row_of, _set_parameters, click  # noqa: PLC0415
    assert macros.ENTRY_POINTS["write_off"][1] == "actions.writeoff"
    monkeypatch.setenv("AR_XL_USER", "julie")
    _set_parameters(wb, {"writeoff.reason": "small balance", "writeoff.amount": "25.50",
                         "writeoff.journal_folder": str(tmp_path / "journal")})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0002")
    actions, alerts, book = click(wb, "write_off", sheet="Invoices", selection=f"B{r}")
    assert "write-off W-000001 booked: 2026-0002 EUR 25.50" in _ok(alerts)
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0002", "open_amount"] == 27450
    assert "activateSheet" in [a["func"] for a in actions]
    journal = book.get("WriteOffs").iloc[0]["journal"]
    assert journal.startswith(str(tmp_path / "journal"))
    with open(journal, newline="", encoding="utf-8") as f:
        assert list(csv.reader(f))[1] == ["2026-11-23", "2026-0002", "C1", "25.50", "EUR", "small balance", "julie"]
    # above julie's limit: it waits; a click elsewhere by julie after she typed Confirm is refused
    _set_parameters(wb, {"writeoff.amount": ""})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0001")
    _, alerts, book = click(wb, "write_off", sheet="Invoices", selection=f"A{r}")
    assert "W-000002 awaits approval" in _ok(alerts)
    row = _type(wb, "W-000002", review="Confirm")
    _, alerts, book = click(wb, "write_off", sheet="Config", selection="A1")
    assert f"WriteOffs row {row} (W-000002): Confirm by julie refused" in _ok(alerts)
    monkeypatch.setenv("AR_XL_USER", "anna")
    _, alerts, book = click(wb, "write_off", sheet="WriteOffs", selection="A1")
    assert "booked 1 confirmed write-off(s)" in _ok(alerts)
    inv = book.get("Invoices").set_index("invoice_id")
    assert (inv.loc["2026-0001", "open_amount"], inv.loc["2026-0001", "status"]) == (0, "written off")


def test_the_ribbon_without_a_reason_names_the_parameter(wb):
    from test_macros import _critical, _row_of, click  # noqa: PLC0415
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0002")
    actions, alerts, book = click(wb, "write_off", sheet="Invoices", selection=f"A{r}")
    assert "writeoff.reason" in _critical(alerts)
    assert not [a for a in actions if a["func"] == "setValues"]
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0002", "open_amount"] == 30000


# ------------------------------------------------------------------ the ERP sync until the ERP books the journal

@pytest.mark.parametrize("erp_open, expect_open, in_erp", [
    (30000, 0, False),    # the ERP has not booked the journal yet: our write-off still counts
    (0, 0, True),         # it has: marked, never counted again
])
def test_an_erp_sync_keeps_a_booked_write_off_until_the_erp_books_it(wb, as_user, erp_open, expect_open, in_erp):
    from ar_xl.engine import sync as sync_engine
    as_user("bert")
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--reason", "small balance"]) == 0
    book = xlsx.load(wb)
    cur = book.get("Invoices")
    exp = cur[cur["invoice_id"] == "2026-0002"].copy()
    exp["open_amount"] = erp_open
    res = sync_engine.sync_invoices(cur, exp, {"invoice_id", "open_amount"}, book.get("Matches"), dt.date(2026, 11, 23),
                                    full=False, writeoffs=book.get("WriteOffs"))
    inv = res.invoices.set_index("invoice_id")
    assert (inv.loc["2026-0002", "open_amount"], inv.loc["2026-0002", "status"]) == (expect_open, "written off")
    assert not res.conflicts
    if in_erp:
        assert res.writeoffs["in_erp"].tolist() == [True]
        again = sync_engine.sync_invoices(res.invoices, exp, {"invoice_id", "open_amount"}, None, dt.date(2026, 11, 23),
                                          full=False, writeoffs=res.writeoffs)
        assert again.invoices.set_index("invoice_id").loc["2026-0002", "open_amount"] == 0 and again.writeoffs is None
    else:
        assert res.writeoffs is None


def test_a_workbook_made_before_write_offs_gets_the_table(wb, as_user):
    w = openpyxl.load_workbook(wb)
    del w["WriteOffs"]
    w.save(wb)
    as_user("bert")
    assert main(["writeoff", str(wb), "--invoices", "2026-0002", "--amount", "1.00", "--reason", "rounding"]) == 0
    assert "WriteOffs" in openpyxl.load_workbook(wb).sheetnames
    assert _writeoffs(wb).loc["W-000001", "amount"] == 100
    assert _invoices(wb).loc["2026-0002", "open_amount"] == 29900

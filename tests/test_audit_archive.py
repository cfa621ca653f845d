"""Audit's archive (``ar-xl audit-archive``): the oldest rows leave the workbook for CSV files beside it and
nothing is lost or counted twice; the rows the product reads back as state stay, so no action behaves
differently; and no table is ever written past Excel's last row."""
from __future__ import annotations

import collections
import csv
import datetime as dt

import pandas as pd
import pytest

from ar_xl import fxrates, schema
from ar_xl.actions import audit_archive as action
from ar_xl.actions import credit, plan
from ar_xl.book import Change
from ar_xl.cli import main
from ar_xl.cli.common import run_on_workbook
from ar_xl.engine import audit_archive
from ar_xl.errors import ArXlError
from ar_xl.workbook import audit_files, xlsx
from helpers import seeded

T0 = dt.datetime(2026, 1, 5, 8, 0)
SPECIAL = {  # row -> cells a person or a bank wrote: formula-like, quoted, accented
    3: dict(new_value='=HYPERLINK("http://evil.example","click")'),
    4: dict(old_value="'quoted already", new_value="@SUM(A1)"),
    5: dict(rule="+31 20 555 0101", key="Kühn – façade"),
}


def _audit(n: int) -> pd.DataFrame:
    """``n`` Audit rows a minute apart: match decisions, with a few rows the product reads back as state
    (an FX rate used twice, a credit hold, a plan created) among the oldest."""
    rows = []
    for i in range(n):
        r = dict(timestamp=pd.Timestamp(T0 + dt.timedelta(minutes=i)), user="emma", action="match",
                 run_id=f"R{i // 10:05d}", table="Matches", key=f"P{i:05d}|INV{i:05d}", column="review",
                 old_value="", new_value="Confirm", rule="review")
        r.update(SPECIAL.get(i, {}))
        rows.append(r)
    rows[0].update(table="Config", key="fx.GBP", column=fxrates.column("EUR"), old_value="", new_value="1.15",
                   action="dashboard", rule="rate used")
    rows[6].update(table="Config", key="fx.GBP", column=fxrates.column("EUR"), old_value="1.15", new_value="1.16",
                   action="dashboard", rule="rate used")
    rows[1].update(table="Customers", key="C1", column="credit_hold", old_value="", new_value="yes",
                   action="credit", rule="set by a person")
    rows[2].update(table="Plans", key="P-000001", column="created", old_value="", new_value="2026-01-05",
                   action="plan", rule="plan")
    return pd.DataFrame(rows, columns=schema.AUDIT.names)


def _keys(frame: pd.DataFrame) -> collections.Counter:
    return collections.Counter(audit_archive.row_keys(frame))


def _state(book) -> tuple:
    """What the actions read back from Audit as state."""
    return (fxrates.last_used(book.get("Audit"), "EUR"), credit._last_logged(book, "credit_hold"),
            plan.creation_dates(book))


def test_split_keeps_the_newest_and_the_rows_read_back_as_state():
    audit = _audit(12)
    stays, leaves = audit_archive.split(audit, keep=5)
    # read back as state: the credit hold (row 1), the plan's creation (row 2) and the last FX rate used
    # (row 6, which supersedes row 0); then the two newest of the others
    assert stays.tolist() == [1, 2, 6, 10, 11]
    assert leaves.tolist() == [0, 3, 4, 5, 7, 8, 9]
    assert audit_archive.split(audit, keep=2)[0].tolist() == [1, 2, 6]  # state stays even beyond keep
    assert audit_archive.split(audit, keep=12)[1].tolist() == []
    with pytest.raises(ValueError):
        audit_archive.split(audit, keep=-1)


def test_archive_moves_the_oldest_rows_and_loses_none(tmp_path):
    path = seeded(tmp_path / "team.xlsx", Audit=_audit(300))
    before = xlsx.load(path)
    original, state = before.get("Audit"), _state(before)
    change = run_on_workbook(path, action.run, 100)
    assert change.summary.startswith("archived 201 Audit rows (2026-01-05 to 2026-01-05); the workbook keeps 100")

    after = xlsx.load(path)
    kept = after.get("Audit")
    # the three rows read back as state, the newest 96 others and this run's own row
    assert _keys(kept.iloc[:-1]) == _keys(pd.concat([original.iloc[[1, 2, 6]], original.iloc[-96:]]))
    assert kept.iloc[-1][["table", "column", "old_value", "new_value"]].tolist() == ["Audit", "archived", "300", "100"]
    assert _state(after) == state

    (archive_file,) = audit_files.files(path)
    assert archive_file.parent == tmp_path / "ar-xl-audit" / "team"
    moved = audit_files.read(path)
    leaving = original.drop(index=[1, 2, 6]).iloc[:-96]
    assert audit_archive.row_keys(moved) == audit_archive.row_keys(leaving)  # every cell, in order
    assert moved["key"].iloc[:4].tolist() == ["fx.GBP", "P00003|INV00003", "P00004|INV00004", SPECIAL[5]["key"]]
    assert moved["new_value"].iloc[1] == SPECIAL[3]["new_value"]
    assert moved[["old_value", "new_value"]].iloc[2].tolist() == ["'quoted already", "@SUM(A1)"]
    assert moved["rule"].iloc[3] == SPECIAL[5]["rule"]
    assert moved["timestamp"].iloc[0] == pd.Timestamp(T0)
    assert moved["timestamp"].iloc[-1] == pd.Timestamp(T0 + dt.timedelta(minutes=203))
    with archive_file.open(encoding="utf-8-sig", newline="") as f:
        cells = list(csv.reader(f))
    assert cells[0] == schema.AUDIT.shown(schema.AUDIT.names)
    row3 = next(r for r in cells if r[5] == "P00003|INV00003")
    assert row3[8].startswith("'=HYPERLINK(")  # text, never a formula, when a person opens the file
    # the whole trail, archive and workbook together: each row once
    assert _keys(after.history()) == _keys(pd.concat([original, kept.iloc[-1:]]))


def test_nothing_to_archive_leaves_the_trail_as_it_is(tmp_path):
    path = seeded(tmp_path / "small.xlsx", Audit=_audit(20))
    data = path.read_bytes()
    change = run_on_workbook(path, action.run, 100)
    assert "nothing to archive" in change.summary
    assert audit_files.files(path) == []
    assert path.read_bytes() == data


def test_a_run_killed_after_writing_its_file_counts_each_row_once(tmp_path):
    path = seeded(tmp_path / "team.xlsx", Audit=_audit(300))
    original = xlsx.load(path).get("Audit")
    # the file of a run killed before its save: the rows are in the archive and still in the workbook
    leaves = audit_archive.split(original, 99)[1]
    audit_files.write(path, original.iloc[leaves[:50]].reset_index(drop=True))
    assert _keys(xlsx.load(path).history()) == _keys(original)
    change = run_on_workbook(path, action.run, 100)
    assert "(50 were in the archive already)" in change.summary
    assert len(audit_files.files(path)) == 2
    assert _keys(audit_files.read(path)) == _keys(original.iloc[leaves])
    after = xlsx.load(path)
    assert _keys(after.history()) == _keys(pd.concat([original, after.get("Audit").iloc[-1:]]))


def test_a_save_that_fails_takes_its_file_back(tmp_path, monkeypatch):
    path = seeded(tmp_path / "team.xlsx", Audit=_audit(300))
    data = path.read_bytes()

    def refused(*a, **k):
        raise ArXlError("the disk is full")
    monkeypatch.setattr(xlsx, "save", refused)
    with pytest.raises(ArXlError, match="disk is full"):
        run_on_workbook(path, action.run, 100)
    assert audit_files.files(path) == []
    assert path.read_bytes() == data


def test_no_table_is_written_past_the_last_row(tmp_path, monkeypatch):
    path = seeded(tmp_path / "full.xlsx", Audit=_audit(40))
    data = path.read_bytes()
    monkeypatch.setattr(schema, "EXCEL_ROWS", 45)  # a sheet of 45 rows: the header and 44
    book = xlsx.load(path)
    change = Change("contact")
    for i in range(5):
        change.log("emma", "Activities", f"A{i}", "outcome", None, "called")
    with pytest.raises(ArXlError) as e:
        xlsx.save(book, change)
    said = str(e.value)
    assert "the Audit table would need 45 rows under its header on row 1, up to row 46; a sheet holds 45" in said
    assert "ar-xl audit-archive full.xlsx" in said and "Nothing was changed" in said
    assert path.read_bytes() == data


def test_a_long_trail_is_pointed_out(tmp_path, monkeypatch):
    path = seeded(tmp_path / "long.xlsx", Audit=_audit(40))
    monkeypatch.setattr(audit_archive, "WARN_AT", 40)
    book = xlsx.load(path)
    change = Change("contact")
    change.log("emma", "Activities", "A1", "outcome", None, "called")
    xlsx.save(book, change)
    assert any("Audit holds 41 rows" in w and "ar-xl audit-archive long.xlsx" in w for w in change.warnings)


def test_cli_archives_then_has_nothing_left_to_move(tmp_path, capsys):
    path = seeded(tmp_path / "team.xlsx", Audit=_audit(300))
    assert main(["audit-archive", str(path), "--keep", "250"]) == 0
    assert "archived 51 Audit rows" in capsys.readouterr().out
    assert main(["audit-archive", str(path), "--keep", "250"]) == 0
    assert "no more than the 250 it keeps: nothing to archive" in capsys.readouterr().out
    assert len(xlsx.load(path).get("Audit")) == 250
    assert main(["audit-archive", str(path), "--keep", "-1"]) != 0
    assert "the Audit rows to keep must be 0 or more, not -1" in capsys.readouterr().err


def test_history_reads_the_archive_too():
    """The write-off report dates a cash-application write-off by when Audit says it was applied, also when
    that row is in the archive; without the archive it falls back to the payment's value date."""
    from ar_xl.actions import writeoff
    from ar_xl.book import Book
    from helpers import frame
    applied = pd.DataFrame([dict(timestamp=pd.Timestamp("2026-10-30 09:15"), user="emma", action="match",
                                 run_id="R1", table="Matches", key="M-BNK-1-2026-0002", column="applied",
                                 old_value="False", new_value="True", rule="review")], columns=schema.AUDIT.names)
    book = Book(tables={
        "Payments": frame("Payments", [("BNK-1", "2026-11-02", "295.00", "EUR")],
                          ["payment_id", "value_date", "amount", "currency"]),
        "Matches": frame("Matches", [("M-BNK-1-2026-0002", "BNK-1", "2026-0002", "C1", "295.00", "5.00", "auto", "",
                                      "TRUE")], ["match_id", "payment_id", "invoice_id", "customer_id",
                                                 "applied_amount", "write_off", "decision", "review", "applied"]),
        "Audit": _audit(12)}, source="test")
    assert writeoff.report(book)["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-02"]
    book.archived = lambda: applied
    assert len(book.history()) == 13
    assert writeoff.report(book)["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-30"]


def test_files_of_the_same_span_are_read_in_the_order_written(tmp_path):
    path = tmp_path / "team.xlsx"
    audit = _audit(12).iloc[[3, 4]].reset_index(drop=True)
    first = audit_files.write(path, audit.iloc[:1])
    audit.loc[1, "timestamp"] = audit.loc[0, "timestamp"]  # the same minute: the same name, numbered
    second = audit_files.write(path, audit.iloc[1:])
    assert audit_files.files(path) == [first, second] and second.name.endswith("_2.csv")
    assert audit_files.read(path)["key"].tolist() == ["P00003|INV00003", "P00004|INV00004"]
    assert audit_files.write(path, audit.iloc[:0]) is None

"""The ribbon's Archive Audit button on xlwings' remote engine (as test_macros): the oldest Audit rows go to
the file beside the workbook, the open workbook keeps the rest, and a workbook with no file is refused."""
from __future__ import annotations

import pandas as pd

from ar_xl.workbook import audit_files, xlsx
from helpers import seeded
from test_audit_archive import _audit, _keys
from test_macros import _critical, _ok, _remote_engine, _set_parameters, click  # noqa: F401


def test_archive_button_moves_the_oldest_rows_beside_the_file(tmp_path, monkeypatch):
    path = seeded(tmp_path / "collections.xlsx", Audit=_audit(60))
    monkeypatch.chdir(tmp_path)  # the remote engine names the book by its file name
    original = xlsx.load(path).get("Audit")
    _set_parameters(path, {"audit.keep": 20})
    _, alerts, book = click(path, "archive_audit", sheet="Config")
    assert "archived 41 Audit rows (2026-01-05 to 2026-01-05); the workbook keeps 20" in _ok(alerts)
    kept = book.get("Audit")
    assert len(kept) == 20 and kept["column"].iloc[-1] == "archived"
    (file,) = audit_files.files(path)
    assert file.parent == tmp_path / "ar-xl-audit" / "collections"
    assert _keys(audit_files.read(path)) + _keys(kept.iloc[:-1]) == _keys(original)
    assert _keys(book.history()) == _keys(pd.concat([original, kept.iloc[-1:]]))


def test_archive_button_without_a_file_changes_nothing(tmp_path):
    path = seeded(tmp_path / "collections.xlsx", Audit=_audit(60))  # the working folder holds no such file
    _set_parameters(path, {"audit.keep": 20})
    _, alerts, book = click(path, "archive_audit", sheet="Config")
    assert "save it first" in _critical(alerts)
    assert len(book.get("Audit")) == 60 and audit_files.files(path) == []

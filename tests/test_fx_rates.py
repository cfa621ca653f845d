"""FX rates (issue 10, part 4): say which rates were used and where they came from, and ask before using a
rate that moved more than Config fx_max_move since the last run."""
from __future__ import annotations

import hashlib

import openpyxl
import pytest

from ar_xl import config as config_mod
from ar_xl.actions import refresh
from ar_xl.cli import main
from ar_xl.errors import ArXlError
from ar_xl.workbook import xlsx
from helpers import seeded

INVOICE_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                "open_amount"]
ROWS = [
    ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50"),
    ("2026-0004", "C3", "Thames Freight Ltd", "2026-10-05", "2026-11-04", "GBP", "500.00", "500.00"),
    ("2026-0005", "C4", "Hudson Inc", "2026-10-05", "2026-11-04", "USD", "100.00", "100.00"),
]


@pytest.fixture
def team(tmp_path):
    return seeded(tmp_path / "team.xlsx", Invoices=(ROWS, INVOICE_COLS))


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_config(path, setting, value):
    """Set (or with value None, blank the row of) a Config setting, as a person would in Excel."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Config"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == setting:
            if value is None:
                for c in row:
                    c.value = None
            else:
                row[1].value = value
    wb.save(path)


def config_row(path, setting) -> int:
    ws = openpyxl.load_workbook(path)["Config"]
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == setting)


def test_the_summary_names_each_rate_used_and_its_origin(team):
    gbp_row = config_row(team, "fx.GBP")
    set_config(team, "fx.USD", None)  # a person deleted the USD rate
    change = refresh.run(xlsx.load(team))
    assert change.summary.endswith(
        f"; FX rates used: 1 GBP = 1.165 EUR (from Config row {gbp_row}), "
        "1 USD = 0.92 EUR (built-in: no fx.USD row in Config)")


def test_without_a_config_table_every_rate_is_the_built_in_one(team, capsys):
    wb = openpyxl.load_workbook(team)
    wb.remove(wb["Config"])
    wb.save(team)
    assert main(["refresh", str(team)]) == 0
    out = capsys.readouterr().out
    assert ("FX rates used: 1 GBP = 1.165 EUR (built-in: no Config table), "
            "1 USD = 0.92 EUR (built-in: no Config table)") in out


def test_a_book_in_the_base_currency_only_says_nothing_about_fx(tmp_path):
    path = seeded(tmp_path / "eur.xlsx", Invoices=(ROWS[:1], INVOICE_COLS))
    assert "FX" not in refresh.run(xlsx.load(path)).summary


def test_the_dashboard_footnote_says_which_rates_were_used(team):
    from ar_xl.workbook import dashboard_sheet
    set_config(team, "fx.GBP", None)
    change = dashboard_sheet.refresh_workbook(team, prefill_pivots=False)
    assert "1 GBP = 1.165 EUR (built-in: no fx.GBP row in Config)" in change.summary
    ws = openpyxl.load_workbook(team)["Dashboard"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("FX rates used: 1 GBP = 1.165 EUR (built-in: no fx.GBP row in Config), 1 USD = 0.92 EUR")
               for t in texts), texts


def test_age_of_a_csv_says_its_rates_are_built_in(tmp_path, capsys):
    path = tmp_path / "invoices.csv"
    path.write_text(",".join(INVOICE_COLS) + "\n" + "\n".join(",".join(r) for r in ROWS) + "\n", encoding="utf-8")
    assert main(["age", "--invoices", str(path), "--as-of", "2026-11-23"]) == 0
    assert "FX rates used: 1 GBP = 1.165 EUR (built-in: no Config table), 1 USD = 0.92 EUR (built-in" in \
        capsys.readouterr().out


# --- a rate that jumped ------------------------------------------------------------------

def test_a_rate_that_moved_more_than_tenfold_is_refused_until_confirmed(team, capsys):
    assert main(["dashboard", str(team), "--as-of", "2026-11-23"]) == 0
    set_config(team, "fx.GBP", "23.3")
    before = digest(team)
    capsys.readouterr()
    assert main(["dashboard", str(team), "--as-of", "2026-11-23"]) == 2
    err = capsys.readouterr().err
    assert "fx.GBP is 23.3 EUR per GBP, 20 times the 1.165 the last run used" in err
    assert "--confirm-fx" in err and "fx_max_move" in err
    assert digest(team) == before
    assert main(["refresh", str(team)]) == 2  # every action that converts asks
    assert digest(team) == before
    assert main(["dashboard", str(team), "--as-of", "2026-11-23", "--confirm-fx"]) == 0
    assert "1 GBP = 23.3 EUR" in capsys.readouterr().out
    assert main(["refresh", str(team)]) == 0  # 23.3 is now the last rate used


def test_rates_used_are_kept_in_audit_once_per_change(team):
    book = xlsx.load(team)
    xlsx.save(book, refresh.run(book))
    book = xlsx.load(team)
    xlsx.save(book, refresh.run(book))
    audit = xlsx.load(team).get("Audit")
    fx = audit[audit["key"].str.startswith("fx.")]
    assert list(zip(fx["key"], fx["column"], fx["old_value"], fx["new_value"])) == [
        ("fx.GBP", "rate used (EUR)", "", "1.165"), ("fx.USD", "rate used (EUR)", "", "0.92")]
    set_config(team, "fx.USD", "0.95")
    book = xlsx.load(team)
    xlsx.save(book, refresh.run(book))
    audit = xlsx.load(team).get("Audit")
    run = audit[audit["run_id"] == audit["run_id"].iloc[-1]]  # the last refresh's rows: Aging, AgingHistory, the rate
    last = run[run["key"].str.startswith("fx.")]
    assert list(zip(last["key"], last["old_value"], last["new_value"])) == [("fx.USD", "0.92", "0.95")]


def test_a_move_within_the_factor_and_a_factor_set_in_config(team):
    book = xlsx.load(team)
    xlsx.save(book, refresh.run(book))
    set_config(team, "fx.GBP", "1.165e1")  # 10 times: not more than the factor
    book = xlsx.load(team)
    xlsx.save(book, refresh.run(book))
    set_config(team, "fx_max_move", "2")
    set_config(team, "fx.GBP", "5")  # down 2.33 times
    with pytest.raises(ArXlError, match="fx.GBP is 5 EUR per GBP, 2.33 times less than the 11.65 the last run used"):
        refresh.run(xlsx.load(team))
    assert "1 GBP = 5 EUR" in refresh.run(xlsx.load(team), confirm_fx=True).summary


def test_fx_max_move_must_be_above_one():
    rows = config_mod.default_rows()
    rows.loc[rows["setting"] == "fx_max_move", "value"] = "0.5"
    with pytest.raises(ArXlError, match="fx_max_move"):
        config_mod.from_rows(rows)

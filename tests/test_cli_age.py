"""`ar-xl age`, `init` and `refresh` as a user runs them."""
from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from ar_xl.workbook import xlsx
from ar_xl.cli import main

CSV = """Invoice ID;Customer ID;Customer Name;Invoice Date;Due Date;Currency;Amount;Open Amount;Collector
2026-0001;C1;Bakker Logistiek B.V.;2026-08-01;2026-08-31;EUR;1.200,50;1.200,50;Anouk
2026-0002;C1;Bakker Logistiek B.V.;46296;2026-10-31;EUR;300,00;100,25;Anouk
CN-0003;C2;Spedition Kühn GmbH;01.11.2026;2026-11-01;EUR;-50,00;-50,00;Jonas
2026-0004;C3;Hargreaves Freight Ltd;2026-11-10;2026-12-10;GBP;1000,00;1000,00;Jonas
2026-0005;C3;Hargreaves Freight Ltd;2026-05-10;2026-06-09;GBP;10,01;10,01;Jonas
"""


@pytest.fixture
def invoices_csv(tmp_path):
    p = tmp_path / "invoices.csv"
    p.write_text(CSV, encoding="utf-8")
    return p


def test_age_by_customer_to_csv(invoices_csv, tmp_path, capsys):
    out = tmp_path / "aging.csv"
    assert main(["age", "--invoices", str(invoices_csv), "--as-of", "2026-11-23", "--out", str(out)]) == 0
    df = pd.read_csv(out, dtype={"customer_id": str})
    assert list(df.columns) == ["customer_id", "customer_name", "current", "1-30", "31-60", "61-90", "91-120", "121+", "total"]
    c1 = df.set_index("customer_id").loc["C1"]
    assert (c1["61-90"], c1["1-30"], c1["total"]) == (1200.50, 100.25, 1300.75)
    c3 = df.set_index("customer_id").loc["C3"]
    # 1000.00 GBP * 1.165 = 1165.00 current; 10.01 GBP * 1.165 = 11.66165 -> 11.66 in 121+ (167 days)
    assert (c3["current"], c3["121+"], c3["total"]) == (1165.00, 11.66, 1176.66)
    assert df["total"].sum() == pytest.approx(1300.75 - 50.00 + 1176.66)


def test_age_by_collector_json_and_custom_buckets(invoices_csv, tmp_path):
    out = tmp_path / "aging.json"
    assert main(["age", "--invoices", str(invoices_csv), "--as-of", "2026-11-23", "--by", "collector",
                 "--buckets", "15,45", "--out", str(out)]) == 0
    rows = {r["collector"]: r for r in json.loads(out.read_text())}
    assert set(rows["Anouk"]) == {"collector", "current", "1-15", "16-45", "46+", "total"}
    assert rows["Anouk"]["46+"] == 1200.50 and rows["Anouk"]["16-45"] == 100.25
    assert rows["Jonas"]["16-45"] == -50.00 and rows["Jonas"]["total"] == 1126.66


def test_age_basis_invoice_by_invoice_to_xlsx(invoices_csv, tmp_path):
    out = tmp_path / "aging.xlsx"
    assert main(["age", "--invoices", str(invoices_csv), "--as-of", "2026-11-23", "--by", "invoice",
                 "--basis", "invoice", "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    # invoice date 2026-10-01 (serial 46296) -> 53 days -> 31-60 on the invoice basis
    assert rows["2026-0002"]["days_past_due"] == 53 and rows["2026-0002"]["31-60"] == 100.25
    assert rows["2026-0002"]["currency"] == "EUR" and rows["2026-0004"]["currency"] == "GBP"
    assert rows["2026-0004"]["open_amount"] == 1000.0 and rows["2026-0004"]["total"] == 1165.0


def test_age_prints_a_table_with_totals(invoices_csv, capsys):
    assert main(["age", "--invoices", str(invoices_csv), "--as-of", "2026-11-23"]) == 0
    text = capsys.readouterr().out
    assert "Aging by customer at 2026-11-23 (EUR)" in text
    assert "TOTAL" in text and "2,427.41" in text


def test_bad_rows_are_listed_and_exit_2(tmp_path, capsys):
    p = tmp_path / "bad.csv"
    p.write_text(CSV.replace("2026-08-31", "someday").replace("100,25", "1OO,25"), encoding="utf-8")
    assert main(["age", "--invoices", str(p), "--as-of", "2026-11-23"]) == 2
    err = capsys.readouterr().err
    # each column named as the file heads it, the canonical name beside it
    assert "bad.csv, row 2, column Due Date (due_date): not a date: 'someday'" in err
    assert "bad.csv, row 3, column Open Amount (open_amount)" in err
    assert "Traceback" not in err


def test_missing_fx_rate_names_the_row(tmp_path, capsys):
    p = tmp_path / "chf.csv"
    p.write_text(CSV.replace(";GBP;1000,00", ";NOK;1000,00"), encoding="utf-8")
    assert main(["age", "--invoices", str(p), "--as-of", "2026-11-23"]) == 2
    assert "row 5, column currency: no FX rate for 'NOK'" in capsys.readouterr().err


def test_init_refresh_and_age_a_workbook(tmp_path, invoices_csv):
    wb = tmp_path / "collections.xlsx"
    assert main(["init", str(wb)]) == 0
    book = xlsx.load(wb)
    from ar_xl.book import Change
    c = Change("seed")
    c.tables["Invoices"] = xlsx.read_input(invoices_csv, "Invoices")
    xlsx.save(book, c)
    # a different rate in the workbook's Config is used
    w = openpyxl.load_workbook(wb)
    for row in w["Config"].iter_rows(min_row=2):
        if row[0].value == "fx.GBP":
            row[1].value = "1.2"
    w.save(wb)
    assert main(["refresh", str(wb), "--as-of", "2026-11-23"]) == 0
    aging = xlsx.load(wb).get("Aging")
    assert aging.loc[aging["invoice_id"] == "2026-0004", "open_amount_base"].iloc[0] == 120000
    out = tmp_path / "a.csv"
    assert main(["age", "--invoices", str(wb), "--as-of", "2026-11-23", "--out", str(out)]) == 0
    assert pd.read_csv(out)["total"].sum() == pytest.approx(1300.75 - 50.00 + 1200.00 + 12.01)


def test_age_a_workbook_by_collector_counts_each_invoice_for_its_customers_collector(tmp_path, invoices_csv, capsys):
    # the ERP export has no collector for C1's invoices; C1's collector on Customers is Sanne, so they are hers
    # (as on the Aging sheet); 2026-0005 names its own (Jonas); C2 has none anywhere
    wb = tmp_path / "collections.xlsx"
    assert main(["init", str(wb)]) == 0
    from ar_xl.book import Change
    c = Change("seed")
    inv = xlsx.read_input(invoices_csv, "Invoices")
    inv["collector"] = ["", "", "", "", "Jonas"]
    c.tables["Invoices"] = inv
    c.tables["Customers"] = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "customer_name": ["a", "b", "c"],
                                          "collector": ["Sanne", "", "Anouk"]})
    xlsx.save(xlsx.load(wb), c)
    out = tmp_path / "a.json"
    assert main(["age", "--invoices", str(wb), "--as-of", "2026-11-23", "--by", "collector", "--out", str(out)]) == 0
    totals = {r["collector"]: r["total"] for r in json.loads(out.read_text())}
    assert totals == {"Sanne": 1300.75, "": -50.00, "Anouk": 1165.00, "Jonas": 11.66}
    assert main(["age", "--invoices", str(wb), "--as-of", "2026-11-23", "--by", "collector"]) == 0
    assert "(no collector)" in capsys.readouterr().out


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "ar_xl.cli", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("ar-xl ")


@pytest.mark.parametrize("content, message", [
    (b"", "empty.csv: the file is empty"),
    (b"invoice_id;amount\n\x81\x8d;1\n", "empty.csv: cannot read as text (not UTF-8 or Windows-1252)"),
])
def test_an_unreadable_csv_is_named_not_a_traceback(tmp_path, capsys, content, message):
    p = tmp_path / "empty.csv"
    p.write_bytes(content)
    assert main(["age", "--invoices", str(p)]) == 2
    assert message in capsys.readouterr().err


def test_config_values_are_taken_as_typed_or_refused(tmp_path, capsys):
    from ar_xl import config as config_mod
    rows = pd.DataFrame({"setting": ["match_auto_threshold", "promise_grace_days"], "value": ["0.5", "0"]})
    cfg = config_mod.from_rows(rows)
    assert (cfg.match_auto_threshold, cfg.promise_grace_days) == (0.5, 0)
    bad = pd.DataFrame({"setting": ["aging_buckets", "plan_grace_days", "match_auto_threshold"],
                        "value": ["30,60.5,90", "2.5", "0"]})
    with pytest.raises(Exception) as e:
        config_mod.from_rows(bad, "book.xlsx sheet Config")
    text = str(e.value)
    assert "row 2, column value: aging_buckets" in text and "row 3, column value: plan_grace_days" in text
    assert "row 4, column value: match_auto_threshold" in text

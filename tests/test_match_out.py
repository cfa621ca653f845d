"""`ar-xl match --invoices F --payments F --out F` (issue 10 §5): every money column is money (5.00, not 500 cents),
and a file with an unmatched payment is written in every format."""
from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from ar_xl.cli import main

INVOICES = ("invoice_id,customer_id,customer_name,invoice_date,due_date,currency,amount,open_amount\n"
            "2026-0001,C1,Acme BV,2026-10-01,2026-10-31,EUR,100,100\n"
            "2026-0002,C2,Other Ltd,2026-10-01,2026-10-31,EUR,300,300\n")
PAYMENTS = ("payment_id,value_date,amount,currency,payer_name,remittance\n"
            "P1,2026-11-20,95,EUR,Acme BV,Invoice 2026-0001\n"   # 5.00 short: within tolerance, written off
            "P2,2026-11-20,7,EUR,Nobody,zzz\n")                 # matches nothing


@pytest.fixture
def files(tmp_path):
    (tmp_path / "inv.csv").write_text(INVOICES, encoding="utf-8")
    (tmp_path / "pay.csv").write_text(PAYMENTS, encoding="utf-8")
    return tmp_path


def _run(folder, ext):
    out = folder / f"matches.{ext}"
    assert main(["match", "--invoices", str(folder / "inv.csv"), "--payments", str(folder / "pay.csv"),
                 "--out", str(out)]) == 0
    return out


def test_csv_write_off_in_money(files):
    with _run(files, "csv").open(newline="", encoding="utf-8-sig") as f:
        rows = {r["payment_id"]: r for r in csv.DictReader(f)}
    assert rows["P1"]["applied_amount"] == "95.00" and rows["P1"]["write_off"] == "5.00"
    assert rows["P2"]["decision"] == "unmatched" and rows["P2"]["write_off"] == "0.00"


def test_json_write_off_in_money(files):
    rows = {r["payment_id"]: r for r in json.loads(_run(files, "json").read_text(encoding="utf-8"))}
    assert rows["P1"]["write_off"] == 5.0 and rows["P1"]["applied_amount"] == 95.0
    assert rows["P2"]["rank"] is None and rows["P2"]["write_off"] == 0.0


def test_xlsx_with_an_unmatched_payment(files):
    ws = openpyxl.load_workbook(_run(files, "xlsx")).active
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["P1"]["write_off"] == 5.0 and rows["P1"]["applied_amount"] == 95.0
    assert rows["P1"]["rank"] == 1
    assert rows["P2"]["decision"] == "unmatched" and rows["P2"]["rank"] is None
    assert rows["P2"]["write_off"] == 0
    col = header.index("write_off") + 1
    from ar_xl import schema
    assert ws.cell(2, col).number_format == schema.MONEY_FORMAT

"""Formula injection (issue 10 §2): names from the data never become formulas, in the Dashboard sheet
or in a CSV a user opens in Excel; numbers stay numbers and JSON stays exact."""
from __future__ import annotations

import csv
import json
import re
import zipfile

import openpyxl
import pytest

from ar_xl.cli import main
from helpers import seeded

EVIL_COLLECTOR = "=cmd|' /C calc'!A0"
EVIL_CUSTOMER = '=HYPERLINK("http://evil.example","pay here")'
PLUS = "+31 Trading"
AT = "@SUM(1+1)"
MINUS = "-Minus Corp"


@pytest.fixture
def evil_wb(tmp_path):
    return seeded(
        tmp_path / "team.xlsx",
        Invoices=([
            ("I1", "C1", EVIL_CUSTOMER, "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", EVIL_COLLECTOR),
            ("I2", "C2", PLUS, "2026-10-01", "2026-10-31", "EUR", "300.00", "300.00", AT),
            ("I3", "C3", MINUS, "2026-11-01", "2026-11-10", "EUR", "-20.00", "-20.00", "\tTab"),
        ], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount", "collector"]))


def _formulas(path, sheet_part: str) -> list[str]:
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part).decode("utf-8")
    return re.findall(r"<(?:\w+:)?f[ >].*?</(?:\w+:)?f>", xml)


def _sheet_part(path, title: str) -> str:
    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(title)
    with zipfile.ZipFile(path) as z:
        wbxml = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.findall(r'<sheet [^>]*r:id="(\w+)"', wbxml)[index]
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else "xl/" + t


def test_dashboard_writes_names_from_the_data_as_text(evil_wb):
    assert main(["dashboard", str(evil_wb), "--as-of", "2026-11-23"]) == 0
    for title in ("Dashboard", "DashboardData"):
        assert _formulas(evil_wb, _sheet_part(evil_wb, title)) == [], title
    wb = openpyxl.load_workbook(evil_wb)
    cells = [c for row in wb["Dashboard"].iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert EVIL_COLLECTOR in texts and EVIL_CUSTOMER in texts and AT in texts


def _age_csv(tmp_path, by="invoice"):
    src = tmp_path / "invoices.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                    "open_amount", "collector"])
        w.writerow(["A1", "C1", EVIL_COLLECTOR, "2026-10-01", "2026-10-31", "EUR", "100", "100", AT])
        w.writerow(["A2", "C2", AT, "2026-10-01", "2026-10-31", "EUR", "-20", "-20", "\tTab"])
        w.writerow(["A3", "C3", PLUS, "2026-10-01", "2026-10-31", "EUR", "5", "5", "\rCR"])
        w.writerow(["-4", "C4", MINUS, "2026-10-01", "2026-10-31", "EUR", "5", "5", "Anna"])
    return src


def test_age_out_csv_neutralises_cells_but_numbers_stay_numbers(tmp_path):
    src = _age_csv(tmp_path)
    out = tmp_path / "aging.csv"
    assert main(["age", "--invoices", str(src), "--out", str(out), "--by", "invoice"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    by_id = {r["customer_id"]: r for r in rows}
    assert by_id["C1"]["customer_name"] == "'" + EVIL_COLLECTOR
    assert by_id["C1"]["collector"] == "'" + AT
    assert by_id["C2"]["customer_name"] == "'" + AT
    assert by_id["C3"]["customer_name"] == "'" + PLUS
    assert by_id["C4"]["customer_name"] == "'" + MINUS
    assert by_id["C4"]["invoice_id"] == "'-4"  # text that starts with '-' is text, not a number
    # money stays a number, sign included
    assert by_id["C2"]["open_amount"] == "-20.00" and by_id["C2"]["total"] == "-20.00"
    assert by_id["C1"]["open_amount"] == "100.00"
    for r in rows:
        for col, v in r.items():
            assert not v or v[0] not in "=+@\t\r" or col in ("open_amount", "total"), (col, v)


def test_csv_cell_rule():
    from ar_xl.workbook import csv_safe
    for text in ("=1+2", "+1", "-1", "@A1", "\tx", "\rx", "\uff1dcmd"):
        assert csv_safe.cell(text) == "'" + text
    for v in ("Anna", "", "'quoted", "a=b", -20, -20.5, None, 0):
        assert csv_safe.cell(v) == v


def test_age_out_json_stays_exact(tmp_path):
    src = _age_csv(tmp_path)
    out = tmp_path / "aging.json"
    assert main(["age", "--invoices", str(src), "--out", str(out), "--by", "invoice"]) == 0
    rows = {r["customer_id"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert rows["C1"]["customer_name"] == EVIL_COLLECTOR and rows["C2"]["open_amount"] == -20.0


def test_age_out_xlsx_writes_text_cells(tmp_path):
    src = _age_csv(tmp_path)
    out = tmp_path / "aging.xlsx"
    assert main(["age", "--invoices", str(src), "--out", str(out), "--by", "invoice"]) == 0
    assert _formulas(out, "xl/worksheets/sheet1.xml") == []
    ws = openpyxl.load_workbook(out).active
    names = [c.value for c in ws["C"][1:]]
    assert EVIL_COLLECTOR in names and AT in names
    amounts = [c.value for c in ws["F"][1:]]
    assert -20.0 in amounts


def test_match_out_csv_neutralises_payer_text(tmp_path):
    inv = _age_csv(tmp_path)
    pay = tmp_path / "payments.csv"
    with pay.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["payment_id", "value_date", "amount", "currency", "payer_name", "remittance"])
        w.writerow(["=1+2", "2026-11-20", "100", "EUR", "=1+2", "=HYPERLINK(\"x\") A1"])
        w.writerow(["@P2", "2026-11-20", "7", "EUR", "Nobody", "zzz"])
    out = tmp_path / "matches.csv"
    assert main(["match", "--invoices", str(inv), "--payments", str(pay), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert ",=" not in text and "\n=" not in text and '"=' not in text, text
    rows = list(csv.DictReader(text.splitlines()))
    assert {r["payment_id"] for r in rows} == {"'=1+2", "'@P2"}

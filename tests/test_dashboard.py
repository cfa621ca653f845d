"""Refresh dashboard: KPI figures, the Dashboard sheet's PivotTables (computed by LibreOffice) and its picture."""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ar_xl.workbook import dashboard_sheet, xlsx
from ar_xl import frames, schema
from ar_xl.actions import dashboard as action
from ar_xl.book import Change
from ar_xl.cli import main
from ar_xl.engine import dashboard as engine
from ar_xl.engine import kpi

import ooxml_check

AS_OF = dt.date(2026, 11, 23)  # a Monday: ISO week 2026-W48
DOCS_PNG = Path(__file__).resolve().parent.parent / "docs" / "dashboard.png"


# ---------------------------------------------------------------- a small, hand-checked workbook

def _frame(table, cols, rows):
    return frames.coerce(pd.DataFrame(rows, columns=cols), table, "test")


def small_tables():
    inv = _frame("Invoices", ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency",
                              "amount", "open_amount", "collector"], [
        ("I1", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "Anna"),  # 84 d
        ("I2", "C1", "Bakker Logistiek B.V.", "2026-10-01", "2026-10-31", "EUR", "300.00", "100.25", "Anna"),   # 23 d
        ("CN3", "C2", "Spedition Kühn GmbH", "2026-11-01", "2026-11-01", "EUR", "-50.00", "-50.00", "Bram"),    # 22 d
        ("I4", "C3", "Hargreaves Freight Ltd", "2026-11-10", "2026-12-10", "GBP", "1000.00", "1000.00", ""),    # current
        ("I5", "C2", "Spedition Kühn GmbH", "2026-11-20", "2026-11-23", "EUR", "400.00", "400.00", "Bram"),     # due today
        ("I6", "C1", "Bakker Logistiek B.V.", "2026-07-01", "2026-07-31", "EUR", "250.00", "0.00", "Anna"),     # paid
    ])
    pay = _frame("Payments", ["payment_id", "value_date", "amount", "currency", "unapplied_amount", "status"], [
        ("P1", "2026-11-16", "199.75", "EUR", "0.00", "applied"),
        ("P2", "2026-11-20", "500.00", "EUR", "", ""),            # not matched yet: all unapplied
        ("P3", "2026-11-21", "100.00", "GBP", "100.00", "unapplied"),
        ("P4", "2026-11-22", "999.00", "EUR", "999.00", "ignored"),
        ("P5", "2026-09-10", "250.00", "EUR", "0.00", "applied"),
    ])
    mat = _frame("Matches", ["match_id", "payment_id", "invoice_id", "applied_amount", "decision", "applied"], [
        ("M-P1-I2", "P1", "I2", "199.75", "auto", "TRUE"),
        ("M-P2-I1", "P2", "I1", "500.00", "suggested", "FALSE"),
        ("M-P3-unmatched", "P3", "", "0.00", "unmatched", "FALSE"),
        ("M-P5-I6", "P5", "I6", "250.00", "auto", "TRUE"),
    ])
    dis = _frame("Disputes", ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "status"], [
        ("D1", "C1", "I1", "200.00", "EUR", "price", "open"),
        ("D2", "C3", "I4", "100.00", "GBP", "quantity", "in review"),
        ("D3", "C2", "CN3", "50.00", "EUR", "price", "resolved - credit note"),
    ])
    pro = _frame("Promises", ["promise_id", "customer_id", "amount", "currency", "promised_date", "status"], [
        ("PR1", "C1", "100.00", "EUR", "2026-10-01", "kept"),
        ("PR2", "C2", "100.00", "EUR", "2026-10-05", "kept"),
        ("PR3", "C3", "100.00", "EUR", "2026-10-09", "broken"),
        ("PR4", "C1", "100.00", "EUR", "2026-10-12", "partly kept"),
        ("PR5", "C2", "100.00", "EUR", "2026-12-01", "open"),
    ])
    return {"Invoices": inv, "Payments": pay, "Matches": mat, "Disputes": dis, "Promises": pro}


def _seed(path, tables):
    xlsx.create(path, overwrite=True)
    book = xlsx.load(path)
    c = Change("seed")
    c.tables.update(tables)
    xlsx.save(book, c)
    return path


@pytest.fixture
def small_wb(tmp_path):
    return _seed(tmp_path / "small.xlsx", small_tables())


def test_kpi_figures_by_hand(small_wb):
    book = xlsx.load(small_wb)
    fig = action.run(book, AS_OF).figures
    # open items in EUR: 1200.50 + 100.25 - 50.00 + 1000 GBP x 1.165 + 400.00 (I6 is paid)
    assert fig.total_ar == 120050 + 10025 - 5000 + 116500 + 40000 == 281575
    assert fig.overdue_ar == 120050 + 10025 - 5000 == 125075  # due today (I5) is not overdue
    assert fig.overdue_pct == pytest.approx(125075 / 281575 * 100)
    # open disputes only, GBP converted: 200.00 + 100.00 x 1.165
    assert (fig.disputed_amount, fig.open_disputes) == (20000 + 11650, 2)
    # P2 never matched (empty = all of it), P3 in GBP, P4 ignored
    assert fig.unapplied_cash == 50000 + 11650
    assert (fig.promises_kept, fig.promises_decided) == (2, 4) and fig.promises_kept_pct == 50.0
    # KPI period: the 90 days up to the as-of date
    assert (fig.period_start, fig.period_end) == (dt.date(2026, 8, 26), AS_OF)
    sales = 30000 - 5000 + 116500 + 40000
    assert fig.credit_sales == sales
    assert fig.dso == pytest.approx(281575 / sales * 90)
    assert fig.best_possible_dso == pytest.approx((116500 + 40000) / sales * 90)
    assert fig.add == pytest.approx(fig.dso - fig.best_possible_dso)
    # opening AR: I1 still open, I6 paid by P5 on 2026-09-10 (inside the period)
    assert fig.beginning_ar == 120050 + 25000
    begin = fig.beginning_ar
    assert fig.cei == pytest.approx((begin + sales - 281575) / (begin + sales - 156500) * 100)
    assert fig.cei == pytest.approx(kpi.cei(book.get("Invoices"), fig.period_start, AS_OF, begin, book.config))


def test_chart_series_by_hand(small_wb):
    fig = action.run(xlsx.load(small_wb), AS_OF).figures
    ag = fig.aging_by_collector
    assert list(ag.index) == ["Anna", "Bram", engine.NO_COLLECTOR]
    assert list(ag.columns) == ["current", "1-30", "31-60", "61-90", "91-120", "121+"]
    assert ag.loc["Anna"].tolist() == [0, 10025, 0, 120050, 0, 0]
    assert ag.loc["Bram"].tolist() == [40000, -5000, 0, 0, 0, 0]
    assert ag.loc[engine.NO_COLLECTOR].tolist() == [116500, 0, 0, 0, 0, 0]
    assert int(ag.to_numpy().sum()) == fig.total_ar
    wk = fig.collections_by_week
    assert len(wk) == 13 and wk["week"].iloc[-1] == "2026-W48" and wk["week"].iloc[0] == "2026-W36"
    amounts = dict(zip(wk["week"], wk["amount"]))
    assert amounts["2026-W47"] == 19975 and amounts["2026-W37"] == 25000 and wk["amount"].sum() == 19975 + 25000
    dr = fig.disputes_by_reason
    assert dr.to_dict("records") == [{"reason": "price", "count": 1, "amount": 20000},
                                     {"reason": "quantity", "count": 1, "amount": 11650}]


def _zip_text(path, pattern):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if re.fullmatch(pattern, n)}


def _sheet_ids(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return dict(re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?sheetId="(\d+)"', z.read("xl/workbook.xml").decode()))


def _twice(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return ooxml_check.check_ids(z)


def test_cli_writes_the_dashboard_sheet(small_wb, capsys):
    assert main(["dashboard", str(small_wb), "--as-of", "2026-11-23"]) == 0
    assert "total AR EUR 2,815.75" in capsys.readouterr().out
    wb = openpyxl.load_workbook(small_wb)
    assert wb.sheetnames[0] == "Dashboard" and wb.sheetnames[-1] == "DashboardData"
    ws = wb["Dashboard"]
    values = {ws.cell(r, c).value: ws.cell(r + 1, c) for r in range(1, 12) for c in range(1, 12)}
    assert values["Total AR (EUR)"].value == 2815.75 and values["Total AR (EUR)"].number_format == "#,##0.00"
    assert values["Overdue %"].value == pytest.approx(125075 / 281575) and values["Overdue %"].number_format == "0.0%"
    assert values["Unapplied cash (EUR)"].value == 616.50
    assert values["Disputed (EUR)"].value == 316.50
    assert values["Promises kept"].value == 0.5
    assert values["DSO"].number_format == '0.0 "days"'
    assert ws["N1"].value == dt.datetime(2026, 11, 23)
    assert ws.print_area and ws.page_setup.orientation == "landscape"
    assert len(ws._charts) == 6  # aging, cash per week, disputes, the cash forecast, the trends (overdue %, DSO)
    # the pivot parts: caches on the tables by name, refreshed on open
    caches = _zip_text(small_wb, r"xl/pivotCache/pivotCacheDefinition\d+\.xml")
    sources = sorted(re.search(r'<worksheetSource name="(\w+)"', x).group(1) for x in caches.values())
    assert sources == ["Aging", "Disputes", "Matches"]
    assert all('refreshOnLoad="1"' in x for x in caches.values())
    aging_cache = next(x for x in caches.values() if 'name="Aging"' in x)
    assert schema.AGING.header("collector") == "Collector"  # the cache names the fields as the table's header
    assert re.search(r'<cacheField name="Collector"[^>]*><sharedItems[^>]*><s v="Anna" ?/><s v="Bram" ?/><m ?/>',
                     aging_cache)
    pivots = _zip_text(small_wb, r"xl/pivotTables/pivotTable\d+\.xml")
    names = sorted(re.search(r'pivotTableDefinition[^>]* name="(\w+)"', x).group(1) for x in pivots.values())
    assert names == sorted(dashboard_sheet.PIVOTS)
    top = next(x for x in pivots.values() if 'name="TopOverdueCustomers"' in x)
    assert re.search(r'<filter fld="\d+" type="count".*<top10 val="20"', top, re.S)
    assert "<pageField" in top and 'h="1"' in top
    for x in pivots.values():
        assert "<rowFields" in x and "<dataFields" in x
    # the chart ranges
    data = wb["DashboardData"]
    rows = [r for r in data.iter_rows(values_only=True)]
    assert ("Anna", 0, 100.25, 0, 1200.5, 0, 0) in [tuple(r[:7]) for r in rows]
    # no sheetId, table id, cacheId, relationship Id... given twice (Excel would repair the file)
    ids = _sheet_ids(small_wb)
    assert ids["Dashboard"] != ids["DashboardData"] and _twice(small_wb) == []
    # a second refresh replaces the sheet and its pivots, it does not add more
    assert main(["dashboard", str(small_wb), "--as-of", "2026-11-24"]) == 0
    assert len(_zip_text(small_wb, r"xl/pivotTables/pivotTable\d+\.xml")) == 4
    assert len(_zip_text(small_wb, r"xl/pivotCache/pivotCacheDefinition\d+\.xml")) == 3
    assert _sheet_ids(small_wb) == ids and _twice(small_wb) == []
    wb = openpyxl.load_workbook(small_wb)
    assert wb.sheetnames.count("Dashboard") == 1 and wb["Dashboard"]["N1"].value == dt.datetime(2026, 11, 24)
    audit = xlsx.load(small_wb).get("Audit")
    assert audit["action"].tolist()[-1] == "refresh_dashboard"


# ---------------------------------------------------------------- LibreOffice computes the pivots

COMPANIES = ["Bakker Logistiek B.V.", "Van den Berg Transport B.V.", "Spedition Hoffmann GmbH & Co. KG",
             "Transports Lefèvre SAS", "Hargreaves Freight Ltd", "De Smet Distributie NV", "Müller Kühllogistik GmbH",
             "Janssens & Zonen BV", "Logistique Moreau SARL", "Whitfield Haulage Ltd", "Peeters Koeltransport NV",
             "Schröder Lagertechnik GmbH", "Visser Groothandel B.V.", "Dubois Emballages SA", "Fletcher & Sons Ltd",
             "Wouters Verpakking BVBA", "Krüger Baustoffe GmbH", "Mertens Fresh Logistics NV", "Lambert Froid SAS",
             "Ashworth Components Ltd", "Kuipers Agri B.V.", "Becker Metallbau GmbH", "Girard Industries SA",
             "Dekker Installatietechniek B.V.", "O'Connell Freight Ltd", "Claes Bouwmaterialen NV",
             "Fischer Elektro GmbH", "Roux Transports SAS", "Mulder Papier B.V.", "Thompson Packaging Ltd"]
COLLECTORS = ["Anna de Vries", "Bram Peeters", "Claire Martin", "Dirk Schneider", "Emma Clarke"]


def portfolio(seed=5, invoices=600):
    """A seeded portfolio big enough that the Top 20 filter cuts (30 customers), in EUR, GBP and USD."""
    rng = np.random.default_rng(seed)
    n_c = len(COMPANIES)
    coll = [COLLECTORS[i % len(COLLECTORS)] for i in range(n_c)]
    coll[7] = ""  # a customer without a collector
    ci = rng.integers(0, n_c, invoices)
    inv_date = np.datetime64(AS_OF, "D") - rng.integers(0, 240, invoices).astype("timedelta64[D]")
    due = inv_date + rng.choice([14, 30, 60], invoices).astype("timedelta64[D]")
    amount = rng.integers(2_000, 900_000, invoices)
    amount[rng.random(invoices) < 0.05] *= -1
    paid = rng.random(invoices) < 0.45
    open_amt = np.where(paid, 0, np.where(rng.random(invoices) < 0.1, amount // 2, amount))
    cur = rng.choice(["EUR", "EUR", "EUR", "GBP", "USD"], invoices)
    ids = [f"2026-{i:05d}" for i in range(invoices)]
    inv = pd.DataFrame({
        "invoice_id": ids, "customer_id": [f"C{i:03d}" for i in ci], "customer_name": [COMPANIES[i] for i in ci],
        "invoice_date": pd.to_datetime(inv_date), "due_date": pd.to_datetime(due), "currency": cur,
        "amount": [f"{a / 100:.2f}" for a in amount], "open_amount": [f"{a / 100:.2f}" for a in open_amt],
        "collector": [coll[i] for i in ci]})
    n_p = 120
    tp = rng.choice(np.flatnonzero(paid), n_p, replace=False)
    applied = rng.random(n_p) < 0.8
    pay = pd.DataFrame({
        "payment_id": [f"P{i:04d}" for i in range(n_p)],
        "value_date": pd.to_datetime(np.datetime64(AS_OF, "D") - rng.integers(0, 95, n_p).astype("timedelta64[D]")),
        "amount": [f"{abs(amount[t]) / 100:.2f}" for t in tp], "currency": cur[tp],
        "unapplied_amount": [("0.00" if a else f"{abs(amount[t]) / 100:.2f}") for a, t in zip(applied, tp)],
        "status": ["applied" if a else "unapplied" for a in applied]})
    decision = np.where(applied, "auto", rng.choice(["suggested", "unmatched"], n_p))
    mat = pd.DataFrame({
        "match_id": [f"M-P{i:04d}" for i in range(n_p)], "payment_id": pay["payment_id"],
        "invoice_id": [ids[t] if d != "unmatched" else "" for t, d in zip(tp, decision)],
        "applied_amount": [f"{abs(amount[t]) / 100:.2f}" if a else "0.00" for a, t in zip(applied, tp)],
        "decision": decision, "applied": applied})
    n_d = 25
    di = rng.integers(0, invoices, n_d)
    reasons = ["price", "quantity", "damaged goods", "proof of delivery / CMR missing", "duplicate invoice"]
    statuses = ["open", "in review", "escalated", "resolved - credit note", "closed"]
    dis = pd.DataFrame({
        "dispute_id": [f"D{i:03d}" for i in range(n_d)], "customer_id": [f"C{ci[i]:03d}" for i in di],
        "invoice_ids": [ids[i] for i in di], "amount": [f"{abs(amount[i]) / 300:.2f}" for i in di],
        "currency": cur[di], "reason": rng.choice(reasons, n_d), "status": rng.choice(statuses, n_d),
        "opened": pd.to_datetime(np.datetime64(AS_OF, "D") - rng.integers(0, 60, n_d).astype("timedelta64[D]"))})
    n_pr = 30
    pro = pd.DataFrame({
        "promise_id": [f"PR{i:03d}" for i in range(n_pr)], "customer_id": [f"C{i % n_c:03d}" for i in range(n_pr)],
        "amount": "1000.00", "currency": "EUR",
        "promised_date": pd.to_datetime(np.datetime64(AS_OF, "D") - rng.integers(-10, 60, n_pr).astype("timedelta64[D]")),
        "status": rng.choice(["open", "kept", "kept", "partly kept", "broken"], n_pr)})
    return {"Invoices": frames.coerce(inv, "Invoices", "t"), "Payments": frames.coerce(pay, "Payments", "t"),
            "Matches": frames.coerce(mat, "Matches", "t"), "Disputes": frames.coerce(dis, "Disputes", "t"),
            "Promises": frames.coerce(pro, "Promises", "t")}


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe, "LibreOffice (soffice) is required for this test: install libreoffice-calc-nogui"
    return exe


def lo_convert(path: Path, fmt: str, outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.run([soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                               "--norestore", "--convert-to", fmt, "--outdir", str(outdir), str(path)],
                              capture_output=True, text=True, timeout=240)
    made = sorted(outdir.iterdir())
    assert proc.returncode == 0 and made, f"LibreOffice failed: {proc.stderr}{proc.stdout}"
    return made


CSV_ALL_SHEETS = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'


def lo_sheet(path: Path, sheet: str, outdir: Path) -> list[list[str]]:
    files = lo_convert(path, CSV_ALL_SHEETS, outdir)
    f = next(f for f in files if f.stem.endswith("-" + sheet))
    with open(f, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _cents(text: str) -> int | None:
    return None if text == "" else int(round(float(text) * 100))


def read_pivot(grid, row: int, col: int, total="Total Result"):
    """The body of a pivot whose header row (field captions and column items) is at 1-based ``row``:
    {row item: {column item: cell text}}, stopping at LibreOffice's total row."""
    cells = lambda r: grid[r - 1] + [""] * 30  # noqa: E731
    header = cells(row)
    cols = []
    for c in range(col - 1, len(header)):
        if header[c] == "" and c > col - 1:
            break
        cols.append(header[c])
    out = {}
    r = row + 1
    while cells(r)[col - 1] != total:
        vals = cells(r)
        out[vals[col - 1]] = {cols[j]: vals[col - 1 + j] for j in range(1, len(cols))}
        r += 1
        assert r <= len(grid), "no total row"
    out[total] = {cols[j]: cells(r)[col - 1 + j] for j in range(1, len(cols))}
    return out


@pytest.fixture(scope="module")
def big_wb(tmp_path_factory):
    path = tmp_path_factory.mktemp("dash") / "portfolio.xlsx"
    return _seed(path, portfolio())


def test_libreoffice_computes_the_pivots_from_the_tables(big_wb, tmp_path):
    path = tmp_path / "nofill.xlsx"
    shutil.copy(big_wb, path)
    # no pre-filled pivot cells: whatever the pivots show, LibreOffice computed from the tables
    change = dashboard_sheet.refresh_workbook(path, AS_OF, prefill_pivots=False)
    ws = openpyxl.load_workbook(path)["Dashboard"]
    r0 = dashboard_sheet.PIVOT_ROW
    assert ws.cell(r0 + 2, 2).value is None and ws.cell(r0 + 3, 13).value is None
    grid = lo_sheet(path, "Dashboard", tmp_path / "csv")
    book = xlsx.load(path)
    aging = book.get("Aging")
    fig = change.figures

    # Aging by collector x bucket: header row r0 + 1, collectors from r0 + 2
    pv = read_pivot(grid, r0 + 1, 2)
    total = pv.pop("Total Result")
    expected = fig.aging_by_collector
    got = {("" if k == "(empty)" else k): v for k, v in pv.items()}
    names = {("" if c == engine.NO_COLLECTOR else c) for c in expected.index}
    assert set(got) == names
    for coll, row in expected.iterrows():
        cells = got["" if coll == engine.NO_COLLECTOR else coll]
        assert _cents(cells["Total Result"]) == int(row.sum()), coll
        for bucket, cents in row.items():
            if bucket in cells:
                assert (_cents(cells[bucket]) or 0) == int(cents), (coll, bucket)
    assert _cents(total["Total Result"]) == fig.total_ar == int(aging["open_amount_base"].sum())
    for bucket in expected.columns:
        if bucket in total:
            assert _cents(total[bucket]) == int(expected[bucket].sum())

    # Top 20 customers by overdue amount: page field at r0, table header at r0 + 2
    assert grid[r0 - 1][12] == schema.AGING.header("bucket")  # the page field, named as the table's column
    pv = read_pivot(grid, r0 + 2, 13)
    top_total = pv.pop("Total Result")
    want = engine.top_overdue(aging, 20)
    assert len(want) == 20 and aging["customer_name"].nunique() == 30
    assert list(pv) == list(want.index)  # largest first
    assert [_cents(v[f"Overdue ({fig.currency})"]) for v in pv.values()] == [int(v) for v in want]
    overdue = aging.loc[aging["days_past_due"] > 0]
    by_name = overdue.groupby("customer_name")["open_amount_base"].sum().sort_values(ascending=False)
    assert [int(v) for v in by_name.head(20)] == [int(v) for v in want]
    assert _cents(top_total[f"Overdue ({fig.currency})"]) == int(want.sum())

    # Disputes by reason x status (counts) and Matches by decision
    pv = read_pivot(grid, dashboard_row(grid, "Disputes by reason") + 2, 2)
    disputes = book.get("Disputes")
    assert int(pv["Total Result"]["Total Result"]) == len(disputes)
    for (reason, status), n in disputes.groupby(["reason", "status"]).size().items():
        assert int(pv[reason][status]) == n
    pv = read_pivot(grid, r0, 16)
    matches = book.get("Matches")
    for decision, n in matches["decision"].value_counts().items():
        assert int(pv[decision]["Matches"]) == n
    assert int(pv["Total Result"]["Matches"]) == len(matches)


def dashboard_row(grid, title: str) -> int:
    for i, row in enumerate(grid, 1):
        if row and row[1].startswith(title):
            return i
    raise AssertionError(f"no {title!r} on the Dashboard")


def test_prefilled_pivots_match_what_libreoffice_computes(big_wb, tmp_path):
    path = tmp_path / "filled.xlsx"
    shutil.copy(big_wb, path)
    assert main(["dashboard", str(path), "--as-of", AS_OF.isoformat()]) == 0
    ws = openpyxl.load_workbook(path)["Dashboard"]
    r0 = dashboard_sheet.PIVOT_ROW
    ours = {}
    r = r0 + 2
    while ws.cell(r, 2).value != "Grand Total":
        ours[ws.cell(r, 2).value] = round(ws.cell(r, 9).value * 100) if ws.cell(r, 9).value is not None else None
        r += 1
    grand = round(ws.cell(r, 9).value * 100)
    grid = lo_sheet(path, "Dashboard", tmp_path / "csv")
    pv = read_pivot(grid, r0 + 1, 2)
    assert grand == _cents(pv.pop("Total Result")["Total Result"])
    lo = {("(blank)" if k == "(empty)" else k): _cents(v["Total Result"]) for k, v in pv.items()}
    assert lo == ours


def test_an_empty_workbook_gets_a_dashboard(tmp_path):
    path = tmp_path / "empty.xlsx"
    xlsx.create(path)
    assert main(["dashboard", str(path), "--as-of", "2026-11-23"]) == 0
    ws = openpyxl.load_workbook(path)["Dashboard"]
    values = {ws.cell(r, c).value: ws.cell(r + 1, c).value for r in range(1, 12) for c in range(1, 12)}
    assert values["Total AR (EUR)"] == 0 and values["DSO"] == "n/a" and values["Promises kept"] == "n/a"
    grid = lo_sheet(path, "Dashboard", tmp_path / "csv")
    assert grid[0][1] == "Collections dashboard"
    r0 = dashboard_sheet.PIVOT_ROW
    # LibreOffice lays out every pivot over the empty tables (one blank body row each) without an error
    assert grid[r0 - 1][1] != "" and grid[r0 - 1][12] != "" and grid[r0 - 1][15] != ""
    assert not any(cell.startswith(("Err:", "#")) for row in grid for cell in row)


def test_the_dashboard_renders(big_wb, tmp_path):
    path = tmp_path / "render.xlsx"
    shutil.copy(big_wb, path)
    assert main(["dashboard", str(path), "--as-of", AS_OF.isoformat()]) == 0
    png = render_dashboard(path, tmp_path / "render")
    text = subprocess.run(["pdftotext", "-layout", str(png.with_suffix(".pdf")), "-"], capture_output=True,
                          text=True, check=True).stdout
    for words in ("Collections dashboard", "Total AR (EUR)", "Overdue %", "Best-possible DSO", "CEI",
                  "Unapplied cash", "Promises kept", "Top 20 customers", "Total Result"):
        assert words in text, words
    assert "Invoices" not in text.split("Collections dashboard")[0]  # only the Dashboard sheet is printed
    head = png.read_bytes()[:24]
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and width > height > 500
    if os.environ.get("AR_XL_UPDATE_DOCS"):
        DOCS_PNG.parent.mkdir(exist_ok=True)
        shutil.copy(png, DOCS_PNG)


def render_dashboard(path: Path, outdir: Path, dpi: int = 110) -> Path:
    """The Dashboard sheet (the first page: it is the first sheet, fitted to one page) as a PNG."""
    pdf_filter = 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"}}'
    pdf = next(f for f in lo_convert(path, pdf_filter, outdir) if f.suffix == ".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(pdf.with_suffix(""))],
                   check=True, capture_output=True)
    return pdf.with_suffix(".png")


def test_refresh_live_refreshes_every_pivot_cache_and_is_harmless_elsewhere():
    class Cache:
        refreshed = 0

        def Refresh(self):
            Cache.refreshed += 1

    class Caches:
        Count = 3

        def Item(self, i):
            assert 1 <= i <= 3
            return Cache()

    class ComBook:  # what xlwings' book.api is on Windows
        def PivotCaches(self):
            return Caches()

    class XwBook:
        def __init__(self, api):
            self.api = api

    assert action.refresh_live(XwBook(ComBook())) == 3 and Cache.refreshed == 3
    assert action.refresh_live(XwBook({"sheets": []})) == 0  # remote engine: a JSON book
    assert action.refresh_live(XwBook(None)) == 0


def test_no_pivot_text_is_cut_off_on_the_demo_dashboard(demo):
    """Every text in the Dashboard's pivot tables ("resolved - credit note", a customer's name) fits its column."""
    import openpyxl as _openpyxl
    from openpyxl.utils import get_column_letter, range_boundaries
    ws = _openpyxl.load_workbook(demo.workbook)["Dashboard"]
    assert len(ws._pivots) == 4
    texts = 0
    for pt in ws._pivots:
        c1, r1, c2, r2 = range_boundaries(pt.location.ref)
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value) <= 28:
                    texts += 1
                    width = ws.column_dimensions[get_column_letter(cell.column)].width
                    assert width >= len(cell.value), (cell.coordinate, cell.value, width)
    assert texts > 20


def test_the_refresh_leaves_the_worklist_and_forecast_as_they_are(small_wb):
    from ar_xl.actions import forecast, worklist
    as_of = dt.date(2026, 11, 23)
    for run in (worklist.run, forecast.run):
        book = xlsx.load(small_wb)
        xlsx.save(book, run(book, as_of))
    before = xlsx.load(small_wb)
    assert len(before.get("Worklist")) and len(before.get("Forecast"))

    def sheets(path):
        wb = openpyxl.load_workbook(path)
        return {name: [[c.value for c in row] for row in wb[name].iter_rows()] for name in ("Worklist", "Forecast")}

    kept = sheets(small_wb)
    change = dashboard_sheet.refresh_workbook(small_wb, as_of)  # reads neither table (``dashboard_sheet.LATER``)
    assert sheets(small_wb) == kept
    after = xlsx.load(small_wb)
    for name in ("Worklist", "Forecast"):
        pd.testing.assert_frame_equal(after.get(name), before.get(name))
    assert sorted(after.get("Aging")["invoice_id"]) == ["CN3", "I1", "I2", "I4", "I5"]  # the open items
    assert len(change.tables["Aging"]) == 5


def test_first_spelling_groups_texts_ignoring_case_and_keeps_the_first_one_met():
    values = pd.Series(["Emma", "emma", None, " emma", "EMMA", np.nan, "Straße", "STRASSE", 7, "  "],
                       index=range(10, 20), dtype=object, name="collector")
    got = engine.first_spelling(values)
    assert got.tolist() == ["Emma", "Emma", "", " emma", "Emma", "", "Straße", "Straße", "7", "  "]
    assert list(got.index) == list(range(10, 20)) and got.name == "collector"

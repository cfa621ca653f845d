"""``ar-xl demo``: a realistic portfolio, a standard bank statement, every action run,
and a workbook LibreOffice opens with the same numbers."""
from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections import Counter
from decimal import Decimal

import defusedxml.ElementTree as SafeET
import openpyxl
import pandas as pd
import pytest
import schwifty

from ar_xl.demo import builder as demo_mod
from ar_xl.demo import synth
from ar_xl.demo import walkthrough
from ar_xl import schema
from ar_xl.workbook import xlsx
from ar_xl.engine import aging
from ar_xl.engine.refs import ogm_make, ogm_valid, rf_make, rf_valid

import lo
import ooxml_check

DEMO_AS_OF = dt.date(2026, 5, 14)  # the conftest demo's as-of date

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
N = {"c": NS}

REAL_FORMS = {
    "NL": {"B.V.", "N.V.", "V.O.F."},
    "BE": {"NV", "BV", "SRL", "SA", "CommV"},
    "DE": {"GmbH", "AG", "GmbH & Co. KG", "KG", "e.K."},
    "FR": {"SARL", "SAS", "SA", "EURL"},
    "UK": {"Ltd", "PLC", "LLP"},
}


@pytest.fixture(scope="module")
def book(demo):
    return xlsx.load(demo.workbook)


@pytest.fixture(scope="module")
def camt(demo):
    return SafeET.parse(str(demo.statement)).getroot()


def cents(text: str) -> int:
    d = Decimal(text)
    assert d == d.quantize(Decimal("0.01")), text
    return int(d * 100)


# ---------------------------------------------------------------- customers

def test_customers_by_country_with_real_legal_forms(book):
    cust = book.get("Customers")
    assert len(cust) == 300
    assert cust["customer_id"].is_unique and cust["customer_name"].is_unique
    assert cust["country"].value_counts().to_dict() == {"NL": 90, "DE": 75, "BE": 60, "FR": 45, "UK": 30}
    for name, country in zip(cust["customer_name"], cust["country"]):
        form = next((f for f in sorted(REAL_FORMS[country], key=len, reverse=True) if name.endswith(" " + f)), None)
        assert form, f"{name!r} ({country}) does not end with a legal form of {country}"
        assert len(name) > len(form) + 2
    names = " ".join(cust["customer_name"])
    assert re.search(r"[éèêçëüöäßÉ]", names), "accented names expected (Lefèvre, Müller, ...)"
    # each country's own forms all occur in a portfolio of 300
    for country, forms in REAL_FORMS.items():
        seen = {synth.legal_form(n, country) for n in cust.loc[cust["country"] == country, "customer_name"]}
        assert seen == forms, (country, seen)


def test_customer_ibans_are_valid_with_national_check_digits(book):
    cust = book.get("Customers")
    for cell, country in zip(cust["iban"], cust["country"]):
        ibans = [x for x in cell.split(";") if x]
        assert ibans
        for text in ibans:
            iban = schwifty.IBAN(text, validate_bban=True)  # raises on a bad check digit or format
            assert iban.country_code == {"UK": "GB"}.get(country, country)


def test_languages_collectors_emails_and_limits(book):
    cust = book.get("Customers")
    lang = cust.groupby("country")["language"].agg(lambda s: set(s)).to_dict()
    assert lang == {"NL": {"nl"}, "BE": {"nl", "fr"}, "DE": {"de"}, "FR": {"fr"}, "UK": {"en"}}
    assert 4 <= cust["collector"].nunique() <= 5
    assert all(re.fullmatch(r"[A-Z][a-z]+", c) for c in cust["collector"].unique())
    assert cust["email"].str.fullmatch(r"[a-z.]+@[a-z0-9-]+\.(nl|be|de|fr|co\.uk)").all()
    limits = cust["credit_limit"].astype("int64")
    assert (limits >= 5000_00).all() and (limits % 5000_00 == 0).all()


# ---------------------------------------------------------------- invoices

def test_invoices_shape(book, demo):
    assert demo.as_of == DEMO_AS_OF
    inv = book.get("Invoices")
    inv = inv.loc[~inv["invoice_id"].isin([r[0] for r in walkthrough.INVOICES])].reset_index(drop=True)
    is_cn = inv["invoice_id"].str.startswith("CN-")
    assert 3000 <= len(inv) <= 8000
    assert 0.03 <= is_cn.mean() <= 0.08
    assert inv["invoice_id"].is_unique
    assert inv.loc[~is_cn, "invoice_id"].str.fullmatch(r"20\d\d-\d{6}").all()
    assert inv.loc[is_cn, "invoice_id"].str.fullmatch(r"CN-20\d\d-\d{5}").all()
    assert (inv["due_date"] >= inv["invoice_date"]).all()
    assert (inv["due_date"] == inv["invoice_date"])[is_cn].all()  # credit notes fall due at once
    assert (inv.loc[is_cn, "amount"] < 0).all() and (inv.loc[~is_cn, "amount"] > 0).all()
    amt, opn = inv["amount"], inv["open_amount"]
    assert ((opn >= 0) & (opn <= amt))[~is_cn].all()
    assert ((opn <= 0) & (opn >= amt))[is_cn].all()
    start = pd.Timestamp(DEMO_AS_OF) - pd.Timedelta(days=200)
    assert inv["invoice_date"].between(start, pd.Timestamp(DEMO_AS_OF)).all()
    assert inv["invoice_date"].dt.day_of_week.lt(5).all()
    # amounts: cents, skewed (a long tail above the median)
    a = inv.loc[~is_cn, "amount"]
    assert (a % 100 != 0).mean() > 0.6
    assert a.quantile(0.99) > 8 * a.median()


def test_currencies_and_collectors(book):
    inv = book.get("Invoices")
    cur = inv["currency"].value_counts(normalize=True)
    assert cur["EUR"] > 0.75 and cur.get("GBP", 0) > 0.02 and cur.get("USD", 0) > 0.01
    cust = book.get("Customers").set_index("customer_id")
    gbp_countries = set(cust.loc[inv.loc[inv["currency"] == "GBP", "customer_id"], "country"])
    assert gbp_countries == {"UK"}
    # Customers own the invoices: an invoice names a collector only to override its customer's
    own = inv["collector"].astype(str).str.strip()
    assert 0.01 < (own != "").mean() < 0.05
    owner = cust["collector"].reindex(inv["customer_id"]).to_numpy()
    assert (own[own != ""].to_numpy() != owner[(own != "").to_numpy()]).all()


def test_history_and_aging_profile(demo):
    """As generated (before the day's payments): old invoices mostly paid, most open money
    current or 1-30 days, a tail over 90 days, a few disputes, some partly paid."""
    inv = demo.portfolio.invoices
    old = inv[(inv["amount"] > 0) & (inv["invoice_date"] < pd.Timestamp(DEMO_AS_OF) - pd.Timedelta(days=120))]
    assert (old["status"] == "paid").mean() > 0.75
    assert ((inv["status"] == "paid") == (inv["open_amount"] == 0)).all()
    partly = inv[(inv["open_amount"] > 0) & (inv["open_amount"] < inv["amount"])]
    assert len(partly) >= 20
    assert 10 <= (inv["status"] == "disputed").sum() <= 0.05 * len(inv)
    items = aging.age_items(inv, DEMO_AS_OF)
    share = items.groupby("bucket")["open_amount_base"].sum() / items["open_amount_base"].sum()
    assert share["current"] + share["1-30"] > 0.6
    assert share["current"] > share["1-30"] > share["31-60"]
    assert 0.02 < share["91-120"] + share["121+"] < 0.25


def test_structured_payment_references(book):
    inv = book.get("Invoices")
    cust = book.get("Customers").set_index("customer_id")
    refs = inv[inv["payment_reference"] != ""]
    country = cust.loc[refs["customer_id"], "country"].to_numpy()
    ogm = refs["payment_reference"].str.startswith("+++").to_numpy()
    assert ogm.sum() > 50 and (~ogm).sum() > 20
    assert set(country[ogm]) == {"BE"}
    for r in refs["payment_reference"][ogm]:
        assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", r) and ogm_valid(r), r
    for r in refs["payment_reference"][~ogm]:
        assert rf_valid(r), r


def test_check_digit_helpers_agree_with_known_examples():
    assert ogm_make("0100123456") == "+++010/0123/45656+++"  # 100123456 = 97 * 1032200 + 56
    assert rf_make("539007547034") == "RF18539007547034"  # the ISO 11649 example
    assert synth.iban("DE", "370400440532013000") == "DE89370400440532013000"
    assert synth.iban("UK", "NWBK60161331926819") == "GB29NWBK60161331926819"


def test_same_seed_same_portfolio_other_seed_other():
    a = synth.portfolio(seed=3, as_of=DEMO_AS_OF, customers=25)
    b = synth.portfolio(seed=3, as_of=DEMO_AS_OF, customers=25)
    c = synth.portfolio(seed=4, as_of=DEMO_AS_OF, customers=25)
    pd.testing.assert_frame_equal(a.invoices, b.invoices)
    assert synth.camt053(synth.statement(a, 3)) == synth.camt053(synth.statement(b, 3))
    assert list(a.customers["customer_name"]) != list(c.customers["customer_name"])


# ---------------------------------------------------------------- the bank statement

def test_statement_is_camt053_001_08_and_reconciles(camt, demo):
    assert camt.tag == f"{{{NS}}}Document"
    assert demo.statement.name == "collections-demo-statement.xml"
    stmts = camt.findall("c:BkToCstmrStmt/c:Stmt", N)
    assert {s.find("c:Acct/c:Ccy", N).text for s in stmts} == {"EUR", "GBP", "USD"}
    n_credits = 0
    for s in stmts:
        ccy = s.find("c:Acct/c:Ccy", N).text
        schwifty.IBAN(s.find("c:Acct/c:Id/c:IBAN", N).text)
        entries = s.findall("c:Ntry", N)
        cr = [e for e in entries if e.find("c:CdtDbtInd", N).text == "CRDT"]
        db = [e for e in entries if e.find("c:CdtDbtInd", N).text == "DBIT"]
        cr_sum = sum(cents(e.find("c:Amt", N).text) for e in cr)
        db_sum = sum(cents(e.find("c:Amt", N).text) for e in db)
        summ = s.find("c:TxsSummry", N)
        assert int(summ.find("c:TtlCdtNtries/c:NbOfNtries", N).text) == len(cr)
        assert cents(summ.find("c:TtlCdtNtries/c:Sum", N).text) == cr_sum
        assert cents(summ.find("c:TtlDbtNtries/c:Sum", N).text) == db_sum
        assert int(summ.find("c:TtlNtries/c:NbOfNtries", N).text) == len(entries)
        bal = {b.find("c:Tp/c:CdOrPrtry/c:Cd", N).text: cents(b.find("c:Amt", N).text) for b in s.findall("c:Bal", N)}
        assert bal["CLBD"] == bal["OPBD"] + cr_sum - db_sum
        for e in entries:
            amt = e.find("c:Amt", N)
            assert amt.get("Ccy") == ccy
            assert e.find("c:Sts/c:Cd", N).text == "BOOK"
            assert dt.date.fromisoformat(e.find("c:BookgDt/c:Dt", N).text) == DEMO_AS_OF
            assert dt.date.fromisoformat(e.find("c:ValDt/c:Dt", N).text) <= DEMO_AS_OF
            assert e.find("c:AcctSvcrRef", N).text
            txs = e.findall("c:NtryDtls/c:TxDtls", N)
            assert sum(cents(t.find("c:Amt", N).text) for t in txs) == cents(amt.text)
        n_credits += len(cr)
    assert 150 <= n_credits <= 300
    assert n_credits == len(demo.bank.credits)
    assert 3 <= len(demo.bank.debits) <= 10
    # the schema's text lengths: Max140Text for names and free text, Max35Text for ids and references
    for tag, longest in (("Ustrd", 140), ("Nm", 140), ("AcctSvcrRef", 35), ("EndToEndId", 35), ("Ref", 35),
                         ("MsgId", 35), ("Id", 35)):
        for el in camt.iter(f"{{{NS}}}{tag}"):
            if len(el):
                continue
            assert el.text and 1 <= len(el.text) <= longest, (tag, el.text)
    refs = [e.text for e in camt.iter(f"{{{NS}}}AcctSvcrRef")]
    assert len(set(refs)) == len(camt.findall(".//c:Ntry", N))


def test_statement_pays_the_way_customers_pay(camt, demo):
    credits = [e for e in camt.iter(f"{{{NS}}}Ntry") if e.find("c:CdtDbtInd", N).text == "CRDT"]
    tx = [e.find("c:NtryDtls/c:TxDtls", N) for e in credits]
    names = [t.findtext("c:RltdPties/c:Dbtr/c:Pty/c:Nm", "", N) for t in tx]
    ibans = [t.findtext("c:RltdPties/c:DbtrAcct/c:Id/c:IBAN", "", N) for t in tx]
    ustrd = [" ".join(u.text or "" for u in t.findall("c:RmtInf/c:Ustrd", N)) for t in tx]
    scor = [t.findtext("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", "", N) for t in tx]
    assert all(names) and all(ibans)
    for i in ibans:
        schwifty.IBAN(i, validate_bban=True)
    assert any(len(n) == 35 for n in names), "some payer names truncated at 35 characters"
    assert any("&" in n for n in names), "names with & survive the XML escaping"
    wording = " ".join(ustrd)
    for word in ("Factuur", "Rechnung", "Facture", "INV"):
        assert word in wording
    assert sum(1 for s in scor if s.startswith("RF")) >= 1
    assert sum(1 for s in scor if re.fullmatch(r"\d{12}", s) and ogm_valid(s)) >= 1
    multi = [u for u in ustrd if len(re.findall(r"20\d\d-?\d{6}", u)) >= 2]
    assert len(multi) >= 5
    no_ref = [u for u, s in zip(ustrd, scor) if not s and not re.search(r"\d{4}", u)]
    assert len(no_ref) >= 5
    kinds = Counter(e.kind for e in demo.bank.credits)
    assert {"exact", "structured", "multi", "partial", "charges", "name_only", "unknown"} <= set(kinds)
    # what a credit pays: exactly, in part, or short by charges, never more than is open
    inv = demo.portfolio.invoices.set_index("invoice_id")
    for e in demo.bank.credits:
        if not e.invoices:
            continue
        open_total = int(inv.loc[e.invoices, "open_amount"].sum())
        if e.kind in ("exact", "structured", "multi", "credit_note", "name_only"):
            assert e.amount == open_total
        else:
            assert 0 < e.amount < open_total


# ---------------------------------------------------------------- the actions and the summary

def test_demo_ran_every_step_into_the_workbook(book, demo):
    assert [name for name, _ in demo.changes] == [s.name for s in demo_mod.STEPS]
    assert demo_mod.STEPS[-1].name == "refresh dashboard"
    pay = book.get("Payments")
    pay = pay[~pay["payment_id"].str.startswith("HIST-")]  # the day's statement; the rest is the matched history
    assert len(pay) == len(demo.bank.credits)
    assert int(pay["amount"].sum()) == sum(e.amount for e in demo.bank.credits)
    inv = book.get("Invoices")
    assert int(inv["open_amount"].sum()) < int(demo.portfolio.invoices["open_amount"].sum())  # cash applied
    assert len(book.get("Aging")) == int((inv["open_amount"] != 0).sum())
    # Aging shows each invoice's effective collector: its own override, else its customer's
    aging = book.get("Aging").set_index("invoice_id")
    own = inv.set_index("invoice_id")["collector"].astype(str).str.strip()
    owner = book.get("Customers").set_index("customer_id")["collector"]
    want = own.where(own != "", owner.reindex(inv["customer_id"]).to_numpy())
    assert (aging["collector"] == want.reindex(aging.index)).all()
    assert 4 <= aging["collector"].nunique() <= 5
    actions = set(book.get("Audit")["action"])
    assert "demo" in actions and "refresh_dashboard" in actions and len(actions) >= 10
    text = demo_mod.summary(demo)
    assert "300 (NL 90, BE 60, DE 75, FR 45, UK 30)" in text
    assert "EUR" in text and "overdue" in text
    for name, _ in demo.changes:
        assert name in text


def test_demo_fills_the_collector_workflow(book, demo):
    inv = book.get("Invoices").set_index("invoice_id")
    disputes = book.get("Disputes")
    # every invoice the ERP marked disputed got a dispute, plus the short payments cash application flagged
    marked = set(demo.portfolio.invoices.query("status == 'disputed' and open_amount > 0")["invoice_id"])
    logged = {i.strip() for cell in disputes["invoice_ids"] for i in cell.split(";")}
    assert marked <= logged
    short = disputes[disputes["reason"] == "short payment / deduction"]
    m = book.get("Matches")
    flagged = m[(m["short_pay"].fillna(0) > 0) & (m["decision"] == "auto")]
    said = book.get("Payments").set_index("payment_id")["remittance"].fillna("")
    part = flagged["payment_id"].map(said).str.contains("Teilzahlung|Acompte|Deelbetaling|partiel|On account|Abschlag|"
                                                        "gedeeltelijke|part payment", case=False)
    # a short payment is a deduction dispute unless its remittance says it pays a part of the invoice
    assert len(short) == int((~part).sum()) > 0 and part.any()
    assert set(short["invoice_ids"]) == set(flagged.loc[~part, "invoice_id"])
    assert set(disputes["status"]) > {"open", "in review"}
    assert disputes["dispute_id"].is_unique
    plans = book.get("Plans")
    assert plans["plan_id"].nunique() >= 3
    for pid, rows in plans.groupby("plan_id"):
        ids = rows["invoice_ids"].iloc[0].split("; ")
        # a plan spreads exactly the open amount its invoices had when it was made
        assert int(rows["amount"].sum()) == int(demo.portfolio.invoices.set_index("invoice_id").loc[ids, "open_amount"].sum())
        # the invoices say 'on plan' while the plan is active (unless a live dispute or payment decides);
        # a broken or completed plan no longer counts (issue 12: the state is derived from the records)
        st = inv.loc[ids, "status"]
        if rows["plan_status"].iloc[0] == "active":
            assert st.isin(["on plan", "disputed", "paid"]).all() and (st == "on plan").any()
        else:
            assert (st != "on plan").all()
    assert set(plans["plan_status"]) <= {"active", "completed", "broken"}
    promises = book.get("Promises")
    assert len(promises) > 0 and set(promises["status"]) <= {"open", "kept", "partly kept", "broken"}
    # promises logged before today's statement: kept by the payments of the invoices they name, or not
    assert (promises["status"] == "kept").any() and (promises["status"] != "kept").any()
    kept = promises[promises["status"] == "kept"]
    paid = set(m.loc[m["applied"].astype(bool), "invoice_id"])
    assert all(set(i.split("; ")) <= paid for i in kept["invoice_ids"])
    acts = book.get("Activities")
    assert len(acts) > 0 and set(acts["channel"]) <= {"call", "email", "letter", "portal", "meeting"}


def test_letters_and_statements_of_the_demo_name_its_company_and_the_account_its_statement_is_of(book, camt):
    cfg = book.get("Config").set_index("setting")["value"]
    eur = next(s for s in camt.findall("c:BkToCstmrStmt/c:Stmt", N) if s.find("c:Acct/c:Ccy", N).text == "EUR")
    assert cfg["company.name"] == camt.find("c:BkToCstmrStmt/c:Stmt/c:Acct/c:Ownr/c:Nm", N).text
    assert cfg["company.iban"] == eur.find("c:Acct/c:Id/c:IBAN", N).text
    assert cfg["company.bic"] == eur.find("c:Acct/c:Svcr/c:FinInstnId/c:BICFI", N).text
    assert cfg["company.address"] and cfg["company.email"] and cfg["company.phone"]


def test_build_returns_the_summary(tmp_path):
    text = demo_mod.build(tmp_path / "small.xlsx", as_of=DEMO_AS_OF, seed=11, customers=20)
    assert text.startswith(f"Demo workbook {tmp_path / 'small.xlsx'} as of 2026-05-14")
    assert "customers   20 " in text
    assert (tmp_path / "small-statement.xml").exists()


# ---------------------------------------------------------------- LibreOffice

def _read_csv(path, table: str):
    """A sheet's rows as LibreOffice exported them, keyed by canonical column name (the sheet shows the human
    headers; Aging's title line and the blank row under it come first)."""
    t = schema.table(table)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[t.title_rows:]
    header = t.canonical(rows[0])
    return [dict(zip(header, r)) for r in rows[1:]]


def test_libreoffice_opens_the_demo_with_the_same_numbers(book, demo, tmp_path):
    files = lo.convert(demo.workbook, lo.CSV_ALL_SHEETS, tmp_path)
    inv_rows = _read_csv(lo.sheet_csv(files, "Invoices"), "Invoices")
    inv = book.get("Invoices")
    assert len(inv_rows) == len(inv)
    assert [r["invoice_id"] for r in inv_rows] == list(inv["invoice_id"])
    assert sum(cents(r["open_amount"]) for r in inv_rows) == int(inv["open_amount"].sum())
    assert sum(cents(r["amount"]) for r in inv_rows) == int(inv["amount"].sum())

    aging_rows = _read_csv(lo.sheet_csv(files, "Aging"), "Aging")
    engine = aging.age_items(inv, DEMO_AS_OF, book.config)
    assert len(aging_rows) == len(engine)
    assert sum(cents(r["open_amount_base"]) for r in aging_rows) == int(engine["open_amount_base"].sum())
    buckets = aging.bucket_labels(book.config.aging_buckets)
    assert sum(cents(r[b]) for r in aging_rows for b in buckets) == int(engine["open_amount_base"].sum())

    cust_rows = _read_csv(lo.sheet_csv(files, "Customers"), "Customers")
    assert [r["customer_name"] for r in cust_rows] == list(book.get("Customers")["customer_name"])


def test_the_demo_gives_no_id_twice(demo):
    """Every sheet its own sheetId (Dashboard and DashboardData had the same one, and Excel repaired the
    file), and no table id or name, pivot cacheId, relationship Id or part name given twice."""
    with zipfile.ZipFile(demo.workbook) as z:
        ids = re.findall(r'<sheet [^>]*?sheetId="(\d+)"', z.read("xl/workbook.xml").decode())
        assert len(ids) == len(set(ids)) == len(openpyxl.load_workbook(demo.workbook, read_only=True).sheetnames)
        assert ooxml_check.check_ids(z) == []


def test_lo_convert_fails_loudly_without_soffice(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFFICE", "")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(lo.LibreOfficeError, match="not installed"):
        lo.convert(tmp_path / "x.xlsx", "pdf", tmp_path)


# ---------------------------------------------------------------- the matched history and the forecast

def test_demo_has_months_of_matched_history(book, demo):
    pay = book.get("Payments")
    hist = pay[pay["payment_id"].str.startswith("HIST-")]
    assert (hist["status"] == "applied").all() and (hist["unapplied_amount"] == 0).all()
    first, last = hist["value_date"].min().date(), hist["value_date"].max().date()
    assert (last - first).days > 150 and last <= DEMO_AS_OF
    m = book.get("Matches")
    hm = m[m["payment_id"].isin(set(hist["payment_id"]))]
    assert hm["applied"].all()
    # every history payment is applied in full to invoices of its customer, which are paid (or partly)
    assert hm.groupby("payment_id")["applied_amount"].sum().reindex(hist["payment_id"]).tolist() == hist["amount"].tolist()
    inv = book.get("Invoices").set_index("invoice_id")
    got = hm.groupby("invoice_id")["applied_amount"].sum()
    assert (inv.loc[got.index, "amount"] - inv.loc[got.index, "open_amount"] >= got).all()
    # cash per ISO week over the months before today, not one bar
    weeks = hist.groupby(hist["value_date"].dt.strftime("%G-W%V"))["amount"].sum()
    assert len(weeks) >= 20


def test_forecast_backtest_on_the_demo(book):
    from ar_xl.actions import forecast
    res = forecast.backtest(book, weeks=13)
    print(forecast.backtest_report(res, "EUR"))
    assert res.items > 500 and int(res.weeks["actual"].sum()) > 0
    assert res.wape < res.naive_wape  # the customers' behaviour beats their due dates


def test_the_readme_s_walkthrough_invoices_are_open_whatever_the_day(book, demo):
    """C10993's INV-90001..INV-90004: open, undisputed, on no plan or promise, due at fixed distances from the
    demo's day (the README's examples use them)."""
    aging = book.get("Aging").set_index("invoice_id")
    for iid, cents, due_in, _ in walkthrough.INVOICES:
        row = aging.loc[iid]
        assert (row["customer_id"], row["open_amount"], row["days_past_due"]) == (walkthrough.CUSTOMER, cents, -due_in)
        assert row["state"] == "open" and not row["disputed"]


def test_demo_has_weekly_aging_history_and_its_dashboard_trends(book, demo):
    from ar_xl.actions import refresh
    from ar_xl.workbook import dashboard_sheet
    h = refresh.stored_history(book)
    team = h[h["scope"] == "team"]
    rebuilt = team[team["basis"] == "rebuilt"]
    days = rebuilt["as_of"].dt.date.tolist()
    assert len(days) >= 15 and all(d.weekday() == 6 for d in days)  # one snapshot per week, on its Sunday
    assert all((b - a).days == 7 for a, b in zip(days, days[1:])) and days[-1] < DEMO_AS_OF
    assert team["as_of"].dt.date.max() == DEMO_AS_OF and {"team", *demo_mod_collectors(book)} <= set(h["scope"])
    buckets = [c for c in h.columns if c not in schema.AGING_HISTORY.names]
    assert (h[buckets].sum(axis=1) == h["total"]).all()  # every snapshot's buckets add up to its total
    # the trend moves: the past is not today's figures copied
    assert rebuilt["overdue_pct"].nunique() == len(rebuilt) and rebuilt["dso"].nunique() == len(rebuilt)
    # the Dashboard: cash applied in every one of the 13 weeks, a trend point for every rebuilt week in range,
    # and CEI's opening AR from a snapshot
    fig = dashboard_fig(book)
    assert (fig.collections_by_week["amount"] > 0).all()
    points = fig.trend_by_week["overdue_pct"].notna().sum()
    assert points == len(days) + 1  # the rebuilt weeks and today's
    assert fig.cei_basis.startswith("opening AR: snapshot of ")
    data = openpyxl.load_workbook(demo.workbook)["DashboardData"]
    r = dashboard_sheet.place_blocks(dashboard_sheet.chart_blocks(fig))["trends"]
    shown = [data.cell(i, 3).value for i in range(r.first_row, r.last_row + 1)]
    assert sum(v is not None for v in shown) == points


def demo_mod_collectors(book) -> set[str]:
    return set(book.get("Customers")["collector"].dropna().astype(str)) - {""}


def dashboard_fig(book):
    from ar_xl.actions import dashboard
    return dashboard.run(book, DEMO_AS_OF).figures

"""The weekly cash forecast, as a treasurer checks it: which week each item lands in, the shift by the
customer's own history (recent payments weigh more), the portfolio's for customers without history, a
promise discounted by the customer's kept-rate, disputed and legal items apart, every currency
reconciled to the cent, and the backtest's error on a hand-made history."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd
import pytest

from ar_xl.actions import forecast as action
from ar_xl.book import Book
from ar_xl.cli import main
from ar_xl.engine import forecast as engine
from ar_xl.workbook import xlsx
from helpers import frame, row, seeded
from test_macros import _remote_engine  # noqa: F401  (autouse: the ribbon test runs on xlwings' remote engine)

AS_OF = dt.date(2026, 11, 19)  # a Thursday of ISO week 2026-W47 (Monday 16 November)

CUSTOMERS = ([(c, f"Customer {c}") for c in ("C1", "C2", "C3", "C4", "C5", "C6", "C7")],
             ["customer_id", "customer_name"])

INV_COLS = ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"]
HISTORY_INVOICES = [
    # C1 paid three invoices 10 days late; C3 one, 10 days late
    ("H1", "C1", "2026-08-01", "2026-09-01", "EUR", "100.00", "0", "paid"),
    ("H2", "C1", "2026-09-01", "2026-10-01", "EUR", "100.00", "0", "paid"),
    ("H3", "C1", "2026-10-01", "2026-11-01", "EUR", "100.00", "0", "paid"),
    ("H4", "C3", "2026-09-01", "2026-10-01", "EUR", "100.00", "0", "paid"),
    # C7 paid 30 days late a year ago, on the due date lately
    ("O1", "C7", "2025-10-01", "2025-11-01", "EUR", "100.00", "0", "paid"),
    ("O2", "C7", "2025-10-01", "2025-11-01", "EUR", "100.00", "0", "paid"),
    ("O3", "C7", "2025-10-01", "2025-11-01", "EUR", "100.00", "0", "paid"),
    ("R1", "C7", "2026-10-10", "2026-11-10", "EUR", "100.00", "0", "paid"),
    ("R2", "C7", "2026-10-10", "2026-11-10", "EUR", "100.00", "0", "paid"),
]
OPEN_INVOICES = [
    ("A1", "C1", "2026-10-26", "2026-11-25", "EUR", "1000.00", "1000.00", "open"),   # +10 -> Sat 5 Dec, W49
    ("A2", "C1", "2026-09-01", "2026-10-01", "EUR", "500.00", "500.00", "open"),     # expected 11 Oct: W47
    ("CN1", "C1", "2026-11-10", "2026-11-10", "EUR", "-100.00", "-100.00", "open"),  # +10 -> 20 Nov, W47
    ("F1", "C1", "2026-12-01", "2027-03-01", "EUR", "50.00", "50.00", "open"),       # beyond 4 weeks
    ("B1", "C2", "2026-11-01", "2026-12-01", "EUR", "200.00", "200.00", "open"),     # portfolio +10 -> W50
    ("G1", "C2", "2026-10-21", "2026-11-20", "GBP", "300.00", "300.00", "open"),     # portfolio +10 -> W49
    ("P1", "C3", "2026-10-31", "2026-11-30", "EUR", "800.00", "800.00", "promised"),  # 500 promised for 24 Nov
    ("D1", "C4", "2026-10-01", "2026-10-31", "EUR", "400.00", "400.00", "disputed"),
    ("L1", "C5", "2026-06-01", "2026-07-01", "EUR", "600.00", "600.00", "legal"),
    ("PL1", "C6", "2026-07-01", "2026-08-01", "EUR", "900.00", "600.00", "on plan"),
    ("S1", "C7", "2026-10-27", "2026-11-26", "EUR", "700.00", "700.00", "open"),     # C7 lately on time -> W48
]
INVOICES = (HISTORY_INVOICES + OPEN_INVOICES, INV_COLS)

PAID = [("H1", "2026-09-11"), ("H2", "2026-10-11"), ("H3", "2026-11-11"), ("H4", "2026-10-11"),
        ("O1", "2025-12-01"), ("O2", "2025-12-01"), ("O3", "2025-12-01"), ("R1", "2026-11-10"), ("R2", "2026-11-10")]
CUSTOMER_OF = {r[0]: r[1] for r in HISTORY_INVOICES}
PAYMENTS = ([(f"PAY-{i}", d, "100.00", "EUR", f"payer {CUSTOMER_OF[i]}", "", "", "applied", "0") for i, d in PAID],
            ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance", "status",
             "unapplied_amount"])
MATCHES = ([(f"M-{i}", f"PAY-{i}", i, CUSTOMER_OF[i], "100.00", "0", "0", "auto", True) for i, _ in PAID],
           ["match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "short_pay", "write_off",
            "decision", "applied"])

PROMISES = ([
    ("PTP-000001", "C3", "H4", "100.00", "EUR", "2026-10-09", "sanne", "2026-10-01", "100.00", "kept"),
    ("PTP-000002", "C3", "", "100.00", "EUR", "2026-10-20", "sanne", "2026-10-15", "0", "broken"),
    ("PTP-000003", "C3", "P1", "500.00", "EUR", "2026-11-24", "sanne", "2026-11-15", "0", "open"),
], ["promise_id", "customer_id", "invoice_ids", "amount", "currency", "promised_date", "logged_by", "logged_on",
    "received", "status"])

PLANS = ([
    ("P-000001", "C6", "PL1", 1, "2026-11-02", "300.00", "300.00", "0.00", "paid", "active"),
    ("P-000001", "C6", "PL1", 2, "2026-12-01", "300.00", "0.00", "300.00", "open", "active"),
    ("P-000001", "C6", "PL1", 3, "2027-01-04", "300.00", "0.00", "300.00", "open", "active"),
], ["plan_id", "customer_id", "invoice_ids", "installment_no", "due_date", "amount", "paid", "open", "status",
    "plan_status"])

DISPUTES = ([("D-000001", "C4", "D1", "400.00", "EUR", "price", "Sales", "open", "2026-11-05", "2026-11-19")],
            ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status", "opened",
             "sla_due"])

TABLES = dict(Customers=CUSTOMERS, Invoices=INVOICES, Payments=PAYMENTS, Matches=MATCHES, Promises=PROMISES,
              Plans=PLANS, Disputes=DISPUTES)


def make_book(**override) -> Book:
    tables = {**TABLES, **override}
    return Book(tables={name: frame(name, *body) for name, body in tables.items()}, source="test")


@pytest.fixture(scope="module")
def fc():
    return action.table(make_book(), AS_OF, weeks=4)


def cents(fc, line, currency="EUR", week="", column="amount") -> int:
    sel = (fc["line"] == line) & (fc["currency"] == currency) & (fc["week"] == week)
    return int(fc.loc[sel, column].sum())


def test_weeks_are_iso_weeks_from_the_as_of_week(fc):
    weeks = fc.loc[(fc["line"] == "expected") & (fc["currency"] == "EUR")]
    assert list(weeks["week"]) == ["2026-W47", "2026-W48", "2026-W49", "2026-W50"]
    assert [d.date() for d in weeks["week_start"]] == [dt.date(2026, 11, 16), dt.date(2026, 11, 23),
                                                        dt.date(2026, 11, 30), dt.date(2026, 12, 7)]
    assert [d.date() for d in weeks["week_end"]] == [dt.date(2026, 11, 22), dt.date(2026, 11, 29),
                                                      dt.date(2026, 12, 6), dt.date(2026, 12, 13)]


def test_each_item_lands_in_its_week(fc):
    # W47: A2 (expected 11 Oct, already past) 500.00 and the credit note -100.00 (expected 20 Nov)
    assert cents(fc, "expected", week="2026-W47") == 400_00
    # W48: C7's S1 at its due date (C7 pays on time lately) + 250.00 of the 500.00 promise (kept-rate 1/2)
    assert cents(fc, "expected", week="2026-W48") == 700_00 + 250_00
    assert cents(fc, "expected", week="2026-W48", column="by_promise") == 250_00
    # W49: A1 due 25 Nov + C1's 10 days = 5 Dec; the plan installment of 1 Dec (kept-rate 1)
    assert cents(fc, "expected", week="2026-W49") == 1000_00 + 300_00
    assert cents(fc, "expected", week="2026-W49", column="by_promise") == 300_00
    # W50: B1 due 1 Dec + the portfolio's 10 days; P1's 300.00 not promised, due 30 Nov + 10 days
    assert cents(fc, "expected", week="2026-W50") == 200_00 + 300_00
    # beyond 13 Dec: F1 (due March) and the plan's installment of 4 January
    assert cents(fc, "beyond horizon") == 50_00 + 300_00
    assert row(fc, line="expected", week="2026-W49", currency="EUR")["items"] == 2


def test_customer_without_history_gets_the_portfolios_days_late(fc):
    g = row(fc, line="expected", week="2026-W49", currency="GBP")  # G1 due 20 Nov + 10 days = 30 Nov
    assert g["amount"] == 300_00 and g["amount_base"] == 349_50  # 1 GBP = 1.165 EUR
    assert cents(fc, "expected", "GBP", "2026-W48") == 0


def test_promise_is_discounted_by_the_customers_kept_rate(fc):
    # C3 kept one promise of two: half of the 500.00 promised is expected, half is the shortfall
    assert cents(fc, "kept-rate shortfall") == 250_00
    rates, portfolio = engine.kept_rates(make_book().get("Promises"), make_book().get("Plans"))
    assert rates["C3"] == Fraction(1, 2) and rates["C6"] == 1
    assert portfolio == Fraction(2, 3)  # 2 kept of 3 due (C3's two promises, C6's paid installment)


def test_disputed_and_legal_items_are_shown_apart(fc):
    assert cents(fc, "disputed") == 400_00
    assert cents(fc, "legal") == 600_00
    expected = fc.loc[(fc["line"] == "expected") & (fc["currency"] == "EUR"), "amount"].sum()
    assert expected == 400_00 + 950_00 + 1300_00 + 500_00  # D1 and L1 in no week


def test_every_currency_reconciles_to_the_open_ar_to_the_cent(fc):
    inv = make_book().get("Invoices")
    for cur, total in inv.groupby("currency")["open_amount"].sum().items():
        assert int(fc.loc[fc["currency"] == cur, "amount"].sum()) == int(total)
    assert int(fc["amount_base"].sum()) == 4750_00 + 349_50
    assert (fc["by_behaviour"] + fc["by_promise"] == fc["amount"]).all()


def test_recent_payments_weigh_more():
    hist = action.history(make_book())
    per, portfolio = engine.behaviour(hist, AS_OF, half_life_days=90, min_history=3)
    late = dict(zip(per["customer_id"], per["days_late"]))
    assert late["C7"] == 0       # two recent on-time payments outweigh three of a year ago, 30 days late
    assert late["C1"] == 10
    assert late["C3"] == 10 and portfolio == 10  # C3 has one payment only: the portfolio's
    per, _ = engine.behaviour(hist, AS_OF, half_life_days=100_000, min_history=3)
    assert dict(zip(per["customer_id"], per["days_late"]))["C7"] == 30  # all alike: the plain median
    # payments after the as-of date are not known yet
    per, portfolio = engine.behaviour(hist, dt.date(2026, 11, 1), half_life_days=90, min_history=3)
    assert dict(zip(per["customer_id"], per["days_late"]))["C7"] == 30 and "C1" in set(per["customer_id"])


def test_no_history_at_all_means_the_due_date():
    book = make_book(Payments=(PAYMENTS[0][:0], PAYMENTS[1]), Matches=(MATCHES[0][:0], MATCHES[1]))
    fc = action.table(book, AS_OF, weeks=4)
    assert cents(fc, "expected", week="2026-W48") == 700_00 + 1000_00  # S1 and A1 at their due dates
    # without its payment C3's first promise is broken too (promises are checked as of the day): kept-rate 0
    assert cents(fc, "kept-rate shortfall") == 500_00


def test_half_life_comes_from_config():
    cfg = ([("forecast_half_life_days", "100000"), ("forecast_min_history", "1")], ["setting", "value"])
    fc = action.table(make_book(Config=cfg), AS_OF, weeks=4)
    # C7 now at its plain median, 30 days: S1 due 26 Nov moves beyond 13 Dec
    assert cents(fc, "expected", week="2026-W48") == 250_00
    assert cents(fc, "beyond horizon") == 50_00 + 300_00 + 700_00


def test_bad_weeks_are_refused():
    from ar_xl.errors import ArXlError
    with pytest.raises(ArXlError, match="from 1 to 104"):
        action.table(make_book(), AS_OF, weeks=0)


def test_cli_writes_the_forecast_table_and_audit(tmp_path, capsys):
    path = seeded(tmp_path / "collections.xlsx", **TABLES)
    assert main(["forecast", str(path), "--as-of", "2026-11-19", "--weeks", "4"]) == 0
    out = capsys.readouterr().out
    assert "forecast at 2026-11-19 over 4 week(s)" in out and "disputed EUR 400.00" in out
    book = xlsx.load(path)
    fc = book.get("Forecast")
    assert cents(fc, "expected", week="2026-W49") == 1300_00
    assert int(fc.loc[fc["currency"] == "EUR", "amount"].sum()) == 4750_00
    audit = book.get("Audit")
    assert ((audit["action"] == "forecast") & (audit["table"] == "Forecast")).any()
    assert ((audit["action"] == "forecast") & (audit["key"] == "fx.GBP")).any()


def test_the_ribbon_button_writes_the_forecast_and_shows_it(tmp_path):
    from ar_xl.excel import macros
    from test_macros import _ok, _set_parameters, click  # noqa: PLC0415
    assert macros.ENTRY_POINTS["cash_forecast"][1] == "actions.forecast"
    path = seeded(tmp_path / "collections.xlsx", **TABLES)
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 19), "forecast.weeks": 4})
    actions, alerts, book = click(path, "cash_forecast")
    assert "forecast at 2026-11-19 over 4 week(s)" in _ok(alerts)
    fc = book.get("Forecast")
    assert cents(fc, "expected", week="2026-W47") == 400_00 and cents(fc, "legal") == 600_00
    assert int(fc.loc[fc["currency"] == "EUR", "amount"].sum()) == 4750_00
    assert "activateSheet" in [a["func"] for a in actions]
    assert (book.get("Audit")["action"] == "forecast").any()


def test_the_ribbon_button_names_a_bad_weeks_parameter(tmp_path):
    from test_macros import _critical, _set_parameters, click  # noqa: PLC0415
    path = seeded(tmp_path / "collections.xlsx", **TABLES)
    _set_parameters(path, {"forecast.weeks": "many"})
    _, alerts, book = click(path, "cash_forecast")
    assert "forecast.weeks" in _critical(alerts)
    assert not len(book.get("Forecast"))


# ---------------------------------------------------------------- backtest

BT_INVOICES = ([
    # open at 2 Nov, all paid since: K1 on time (W45), K2 10 days late as the customer always is (W46)
    ("K1", "K", "2026-10-01", "2026-11-04", "EUR", "1000.00", "0", "paid"),
    ("K2", "K", "2026-10-05", "2026-11-05", "EUR", "500.00", "0", "paid"),
    # still open today: expected in W45, never came
    ("K3", "K", "2026-09-01", "2026-09-20", "EUR", "200.00", "200.00", "open"),
    # history before 2 Nov: K paid 10 days late, three times
    ("KH1", "K", "2026-07-01", "2026-08-01", "EUR", "100.00", "0", "paid"),
    ("KH2", "K", "2026-08-01", "2026-09-01", "EUR", "100.00", "0", "paid"),
    ("KH3", "K", "2026-09-01", "2026-10-01", "EUR", "100.00", "0", "paid"),
    # issued after 2 Nov: not in the backtest
    ("K9", "K", "2026-11-03", "2026-11-10", "EUR", "900.00", "0", "paid"),
], INV_COLS)
BT_PAID = [("K1", "2026-11-04", "1000.00"), ("K2", "2026-11-15", "500.00"), ("KH1", "2026-08-11", "100.00"),
           ("KH2", "2026-09-11", "100.00"), ("KH3", "2026-10-11", "100.00"), ("K9", "2026-11-10", "900.00")]
BT_PAYMENTS = ([(f"PAY-{i}", d, a, "EUR", "K", "", "", "applied", "0") for i, d, a in BT_PAID], PAYMENTS[1])
BT_MATCHES = ([(f"M-{i}", f"PAY-{i}", i, "K", a, "0", "0", "auto", True) for i, _, a in BT_PAID], MATCHES[1])


def test_backtest_compares_each_week_with_the_cash_applied():
    book = Book(tables={"Invoices": frame("Invoices", *BT_INVOICES), "Payments": frame("Payments", *BT_PAYMENTS),
                        "Matches": frame("Matches", *BT_MATCHES)}, source="test")
    res = action.backtest(book, dt.date(2026, 11, 2), weeks=3)  # Monday of W45
    assert res.items == 3  # K1, K2 and K3 were open on 2 Nov; K9 was not issued yet
    w = res.weeks
    assert list(w["week"]) == ["2026-W45", "2026-W46", "2026-W47"]
    # forecast: K3 (expected already) in W45; K1 due 4 Nov + 10 = 14 Nov and K2 5 Nov + 10 = 15 Nov in W46
    assert list(w["forecast"]) == [200_00, 1500_00, 0]
    # actual: K1 paid on 4 Nov (W45), K2 on 15 Nov (W46); K9's cash is not counted (issued later)
    assert list(w["actual"]) == [1000_00, 500_00, 0]
    assert list(w["error"]) == [800_00, 1000_00, 0]
    assert res.wape == pytest.approx(1800 / 1500)
    assert res.mape == pytest.approx((800 / 1000 + 1000 / 500) / 2)
    assert res.bias == pytest.approx((1700 - 1500) / 1500)
    # the naive forecast (due dates): K1 4 Nov and K2 5 Nov and K3 in W45
    assert list(w["naive"]) == [1700_00, 0, 0]
    assert res.naive_wape == pytest.approx((700 + 500) / 1500)
    # by default the backtest starts on the Monday 3 weeks before the week of the last payment (15 Nov, W46)
    assert action.backtest(book, weeks=3).start == dt.date(2026, 10, 19)
    # from the day K1 was paid: K1 was still open that morning and its cash counts in week 1; K9 (issued
    # 3 Nov) is in now, and its 900.00 of 10 Nov too
    res = action.backtest(book, dt.date(2026, 11, 4), weeks=3)
    assert res.items == 4 and list(res.weeks["actual"]) == [1000_00, 500_00 + 900_00, 0]


def test_backtest_cli_prints_the_error(tmp_path, capsys):
    path = seeded(tmp_path / "bt.xlsx", Invoices=BT_INVOICES, Payments=BT_PAYMENTS, Matches=BT_MATCHES)
    assert main(["forecast", str(path), "--backtest", "--from", "2026-11-02", "--weeks", "3"]) == 0
    out = capsys.readouterr().out
    assert "backtest from 2026-11-02: 3 item(s) open then" in out
    assert "2026-W46" in out and "WAPE 120.0%" in out and "MAPE 140.0%" in out
    assert "Forecast" not in xlsx.load(path).tables or not len(xlsx.load(path).get("Forecast"))


def test_the_dashboard_charts_the_expected_collections_per_week(tmp_path, capsys):
    import openpyxl
    path = seeded(tmp_path / "collections.xlsx", **TABLES)
    assert main(["dashboard", str(path), "--as-of", "2026-11-19"]) == 0
    ws = openpyxl.load_workbook(path)["DashboardData"]
    values = [[c.value for c in r] for r in ws.iter_rows(max_col=3)]
    top = next(i for i, r in enumerate(values) if r[0] == "Expected collections per ISO week (EUR)")
    assert values[top + 1] == ["week", "week starting", "expected"]
    body = values[top + 2:top + 2 + 13]
    assert [r[0] for r in body[:8]] == ["2026-W47", "2026-W48", "2026-W49", "2026-W50", "2026-W51", "2026-W52",
                                        "2026-W53", "2027-W01"]
    assert body[0][1] == dt.datetime(2026, 11, 16)
    # base currency: W49 holds A1, the plan installment and G1's GBP 300.00 = EUR 349.50; 2027-W01 the next one
    assert [r[2] for r in body[:8]] == [400.0, 950.0, 1649.5, 500.0, 0, 0, 0, 300.0]
    charts = openpyxl.load_workbook(path)["Dashboard"]._charts
    refs = [str(x.val.numRef.f) for c in charts for x in c.series]
    first = top + 3  # the block's first week row on DashboardData
    assert any(f"$C${first}:" in r for r in refs), refs  # a chart plots the expected collections per week


def test_a_currency_without_fx_rate_stops_the_forecast_and_changes_nothing(tmp_path, capsys):
    inv = (INVOICES[0] + [("Z1", "C2", "2026-11-01", "2026-12-01", "PLN", "100.00", "100.00", "open")], INV_COLS)
    path = seeded(tmp_path / "collections.xlsx", **{**TABLES, "Invoices": inv})
    before = path.read_bytes()
    assert main(["forecast", str(path), "--as-of", "2026-11-19"]) == 2
    assert "no FX rate for PLN; add a row fx.PLN to the Config table. Nothing was changed." in capsys.readouterr().err
    assert path.read_bytes() == before

"""Statutory late-payment interest and compensation (issue 13 part 4): ``ar_xl.engine.interest``,
``ar-xl interest`` and ``=AR_LATE_INTEREST``.

Every amount below is computed by hand: interest of a period = principal x rate / 100 x days / 365,
rounded to the cent (half away from zero) per period; the total is the sum of the periods.

The shared case crossing 1 July 2025: 10,000.00 due Saturday 31 May 2025, paid 31 July 2025
  -> 61 days of interest: 1-30 June 2025 (30 days, 2025H1) and 1-31 July 2025 (31 days, 2025H2).
  ECB MRO: 3.15% on 1 Jan 2025, 2.15% on 1 Jul 2025.  Basiszinssatz: 2.27% / 1.27%.
  BoE Bank Rate: 4.75% on 31 Dec 2024, 4.25% on 30 Jun 2025.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from ar_xl import config as config_mod
from ar_xl.cli import main
from ar_xl.engine import interest
from ar_xl.errors import InputError

import udfs.ar_functions as shell

D = dt.date
DUE, PAID = D(2025, 5, 31), D(2025, 7, 31)
TEN_K = 1_000_000  # cents


def periods(r):
    return [(p.start, p.end, p.days, p.rate, p.interest) for p in r.periods]


# --- one case per country, crossing 1 July 2025 ------------------------------------------------

def test_nl_crosses_1_july():
    r = interest.late_interest(TEN_K, DUE, PAID, "NL")
    # wettelijke handelsrente as published: 11.15% (2025H1), 10.15% (2025H2)
    # June: 10,000.00 x 11.15% x 30/365 = 33,450/365 = 91.6438.. -> 91.64
    # July: 10,000.00 x 10.15% x 31/365 = 31,465/365 = 86.2054.. -> 86.21
    assert periods(r) == [(D(2025, 6, 1), D(2025, 6, 30), 30, Decimal("11.15"), 9164),
                          (D(2025, 7, 1), D(2025, 7, 31), 31, Decimal("10.15"), 8621)]
    assert (r.days, r.interest, r.compensation, r.compensation_currency) == (61, 17785, 4000, "EUR")
    assert "as published" in r.periods[0].basis


def test_be_crosses_1_july_rounding_up_to_the_half_point():
    r = interest.late_interest(TEN_K, DUE, PAID, "BE")
    # ECB 3.15 + 8 = 11.15 -> rounded up to 11.50; ECB 2.15 + 8 = 10.15 -> 10.50
    # June: 10,000.00 x 11.50% x 30/365 = 34,500/365 = 94.5205.. -> 94.52
    # July: 10,000.00 x 10.50% x 31/365 = 32,550/365 = 89.1780.. -> 89.18
    assert periods(r) == [(D(2025, 6, 1), D(2025, 6, 30), 30, Decimal("11.50"), 9452),
                          (D(2025, 7, 1), D(2025, 7, 31), 31, Decimal("10.50"), 8918)]
    assert r.interest == 18370 and r.compensation == 4000
    assert "rounded up to the next half point" in r.periods[0].basis


def test_be_published_rates_cross_1_july_2023():
    r = interest.late_interest(TEN_K, D(2023, 6, 20), D(2023, 7, 10), "BE")
    # published: 10.5% (2023H1), 12% (2023H2)
    # 21-30 June: 10,000.00 x 10.5% x 10/365 = 10,500/365 = 28.7671.. -> 28.77
    # 1-10 July:  10,000.00 x 12%   x 10/365 = 12,000/365 = 32.8767.. -> 32.88
    assert [(p.days, p.rate, p.interest) for p in r.periods] == [(10, Decimal("10.50"), 2877),
                                                                   (10, Decimal("12.00"), 3288)]
    assert r.interest == 6165 and "as published" in r.periods[1].basis


def test_de_crosses_1_july():
    r = interest.late_interest(TEN_K, DUE, PAID, "DE")
    # Basiszinssatz + 9: 2.27 + 9 = 11.27; 1.27 + 9 = 10.27
    # June: 10,000.00 x 11.27% x 30/365 = 33,810/365 = 92.6301.. -> 92.63
    # July: 10,000.00 x 10.27% x 31/365 = 31,837/365 = 87.2246.. -> 87.22
    assert periods(r) == [(D(2025, 6, 1), D(2025, 6, 30), 30, Decimal("11.27"), 9263),
                          (D(2025, 7, 1), D(2025, 7, 31), 31, Decimal("10.27"), 8722)]
    assert r.interest == 17985 and r.compensation == 4000


def test_fr_crosses_1_july():
    r = interest.late_interest(TEN_K, DUE, PAID, "FR")
    # ECB + 10: 13.15; 12.15
    # June: 10,000.00 x 13.15% x 30/365 = 39,450/365 = 108.0821.. -> 108.08
    # July: 10,000.00 x 12.15% x 31/365 = 37,665/365 = 103.1917.. -> 103.19
    assert [(p.rate, p.interest) for p in r.periods] == [(Decimal("13.15"), 10808), (Decimal("12.15"), 10319)]
    assert r.interest == 21127 and r.compensation == 4000


def test_lu_crosses_1_july():
    r = interest.late_interest(TEN_K, DUE, PAID, "LU")
    # ECB + 8: 11.15; 10.15 -> the same figures as NL: 91.64 + 86.21
    assert [(p.rate, p.interest) for p in r.periods] == [(Decimal("11.15"), 9164), (Decimal("10.15"), 8621)]
    assert r.interest == 17785 and r.compensation == 4000


def test_uk_rate_is_fixed_for_the_debt_across_1_july():
    r = interest.late_interest(TEN_K, DUE, PAID, "UK", "GBP")
    # overdue from 1 June 2025 (2025H1): Bank Rate on 31 Dec 2024 4.75% + 8 = 12.75%, for the whole debt;
    # the 30 June 2025 rate (4.25%) applies only to debts overdue from 1 July 2025.
    # June: 10,000.00 x 12.75% x 30/365 = 38,250/365 = 104.7945.. -> 104.79
    # July: 10,000.00 x 12.75% x 31/365 = 39,525/365 = 108.2876.. -> 108.29
    assert periods(r) == [(D(2025, 6, 1), D(2025, 6, 30), 30, Decimal("12.75"), 10479),
                          (D(2025, 7, 1), D(2025, 7, 31), 31, Decimal("12.75"), 10829)]
    assert (r.country, r.currency, r.interest) == ("GB", "GBP", 21308)
    assert (r.compensation, r.compensation_currency) == (10000, "GBP")  # 10,000.00 GBP: the GBP 100 band
    assert "fixed from 2025H1" in r.periods[1].basis
    # a debt overdue from 1 July 2025 takes the 30 June rate: 4.25 + 8 = 12.25%
    # 10,000.00 x 12.25% x 31/365 = 37,975/365 = 104.0410.. -> 104.04
    later = interest.late_interest(TEN_K, D(2025, 6, 30), PAID, "GB", "GBP")
    assert [(p.rate, p.interest) for p in later.periods] == [(Decimal("12.25"), 10404)]


# --- days, leap years, compounding -------------------------------------------------------------

def test_the_due_date_is_not_a_day_of_interest():
    none = interest.late_interest(TEN_K, D(2025, 3, 10), D(2025, 3, 10), "DE")
    assert (none.days, none.interest, none.compensation, none.periods) == (0, 0, 0, ())
    early = interest.late_interest(TEN_K, D(2025, 3, 10), D(2025, 3, 1), "DE")
    assert (early.days, early.interest, early.compensation) == (0, 0, 0)
    one = interest.late_interest(TEN_K, D(2025, 3, 10), D(2025, 3, 11), "DE")
    # 1 day, 11 March only: 10,000.00 x 11.27% / 365 = 1,127/365 = 3.0876.. -> 3.09
    assert (one.days, one.interest, one.compensation) == (1, 309, 4000)
    assert (one.periods[0].start, one.periods[0].end) == (D(2025, 3, 11), D(2025, 3, 11))


def test_a_leap_year_still_counts_365_days_a_year():
    r = interest.late_interest(TEN_K, D(2023, 12, 31), D(2024, 12, 31), "FR")
    # 366 days: 1 Jan-30 Jun 2024 = 182 days at 4.50 + 10 = 14.50%, 1 Jul-31 Dec = 184 days at 14.25%
    # 10,000.00 x 14.50% x 182/365 = 263,900/365 = 723.0136.. -> 723.01
    # 10,000.00 x 14.25% x 184/365 = 262,200/365 = 718.3561.. -> 718.36
    assert [(p.days, p.interest) for p in r.periods] == [(182, 72301), (184, 71836)]
    assert (r.days, r.interest) == (366, 144137)  # more than a year's 14.375% average: 366/365


def test_nl_compounds_after_each_full_year():
    r = interest.late_interest(TEN_K, D(2024, 3, 10), D(2025, 3, 31), "NL")
    # year 1 runs 11 Mar 2024 - 10 Mar 2025:
    #   11 Mar-30 Jun 2024: 112 days at 12.50%: 1,250 x 112/365 = 140,000/365 = 383.5616.. -> 383.56
    #   1 Jul-31 Dec 2024:  184 days at 12.25%: 1,225 x 184/365 = 225,400/365 = 617.5342.. -> 617.53
    #   1 Jan-10 Mar 2025:   69 days at 11.15%: 1,115 x  69/365 =  76,935/365 = 210.7808.. -> 210.78
    #   year 1 interest 1,211.87 is added: from 11 Mar 2025 the principal is 11,211.87
    #   11-31 Mar 2025: 21 days: 11,211.87 x 11.15% x 21/365 = 71.9249.. -> 71.92
    assert [(p.start, p.days, p.principal, p.interest) for p in r.periods] == [
        (D(2024, 3, 11), 112, TEN_K, 38356),
        (D(2024, 7, 1), 184, TEN_K, 61753),
        (D(2025, 1, 1), 69, TEN_K, 21078),
        (D(2025, 3, 11), 21, 1_121_187, 7192),
    ]
    assert r.interest == 128379  # 1,211.87 + 71.92
    # the other countries never compound: DE over the same days stays on 10,000.00
    assert {p.principal for p in interest.late_interest(TEN_K, D(2024, 3, 10), D(2025, 3, 31), "DE").periods} == {TEN_K}


def test_nl_year_starting_29_february_ends_28_february():
    r = interest.late_interest(TEN_K, D(2024, 2, 28), D(2025, 3, 5), "NL")
    starts = [p.start for p in r.periods]
    assert D(2025, 3, 1) in starts and D(2025, 2, 28) not in starts  # year 1: 29 Feb 2024 - 28 Feb 2025
    assert r.periods[-1].principal > TEN_K


# --- compensation -----------------------------------------------------------------------------

@pytest.mark.parametrize("pence, band", [(1, 4000), (99999, 4000), (100000, 7000), (999999, 7000),
                                         (1000000, 10000), (50000000, 10000)])
def test_uk_compensation_bands(pence, band):
    # under GBP 1,000: 40; GBP 1,000.00 to 9,999.99: 70; GBP 10,000 and more: 100
    assert interest.compensation(pence, "UK", "GBP") == (band, "GBP")
    assert interest.late_interest(pence, DUE, PAID, "GB").compensation == band


def test_eu_compensation_is_40_euro_whatever_the_amount():
    assert {interest.compensation(c, cc) for c in (1, 10**9) for cc in ("NL", "BE", "DE", "FR", "LU")} == {(4000, "EUR")}


def test_uk_debt_in_another_currency_is_refused():
    with pytest.raises(ValueError, match="bands are in GBP"):
        interest.late_interest(TEN_K, DUE, PAID, "GB", "EUR")


# --- missing rates and Config -----------------------------------------------------------------

def test_a_missing_half_year_is_reported_never_guessed():
    r = interest.late_interest(TEN_K, D(2026, 6, 15), D(2026, 7, 16), "DE")
    # 16-30 Jun 2026: 15 days at 1.27 + 9 = 10.27%: 1,027 x 15/365 = 15,405/365 = 42.2054.. -> 42.21
    # 1-16 Jul 2026: the table stops at 2026H1: no rate, no guess
    assert [(p.half_year, p.days, p.rate, p.interest) for p in r.periods] == [
        ("2026H1", 15, Decimal("10.27"), 4221), ("2026H2", 16, None, None)]
    assert r.interest is None and r.missing == ("DE 2026H2",) and not r.complete
    assert r.compensation == 4000  # the compensation does not depend on a rate
    assert "rate.DE.2026H2" in r.missing_text()
    nl = interest.late_interest(TEN_K, D(2026, 6, 15), D(2026, 7, 16), "NL")
    assert nl.missing == ("NL 2026H2",) and "rate.NL.2026H2 or rate.ECB.2026H2" in nl.missing_text()


def test_config_rows_add_a_half_year():
    cfg = config_mod.from_rows(pd.DataFrame({"setting": ["rate.de.2026h2", "rate.ECB.2026H2"],
                                             "value": ["1,02", "1.90"]}))
    assert cfg.late_rates == {"DE.2026H2": (Decimal("1.02"), "Config row 2"),
                              "ECB.2026H2": (Decimal("1.90"), "Config row 3")}
    assert not any(k.startswith("rate.") for k in cfg.extra)
    table = interest.RateTable.load(cfg.late_rates)
    r = interest.late_interest(TEN_K, D(2026, 6, 15), D(2026, 7, 16), "DE", table=table)
    # 1-16 Jul 2026: 16 days at 1.02 + 9 = 10.02%: 1,002 x 16/365 = 16,032/365 = 43.9232.. -> 43.92
    assert [p.interest for p in r.periods] == [4221, 4392] and r.interest == 8613
    assert "Config row 2" in r.periods[1].basis
    # FR takes the ECB row: 1.90 + 10 = 11.90%: 1,190 x 16/365 = 19,040/365 = 52.1643.. -> 52.16
    fr = interest.late_interest(TEN_K, D(2026, 6, 30), D(2026, 7, 16), "FR", table=table)
    assert [(p.rate, p.interest) for p in fr.periods] == [(Decimal("11.90"), 5216)]


def test_nl_and_be_fall_back_on_the_ecb_rate_when_their_published_row_is_missing():
    # 2026H1: no NL or BE row shipped; ECB 2.15%
    nl = interest.late_interest(TEN_K, D(2025, 12, 31), D(2026, 1, 31), "NL")
    # 2.15 + 8 = 10.15%: 1,015 x 31/365 = 31,465/365 = 86.2054.. -> 86.21
    assert [(p.rate, p.interest) for p in nl.periods] == [(Decimal("10.15"), 8621)]
    assert "ECB main refinancing rate 2.15% + 8" in nl.periods[0].basis
    be = interest.late_interest(TEN_K, D(2025, 12, 31), D(2026, 1, 31), "BE")
    # 2.15 + 8 = 10.15 -> 10.50%: 1,050 x 31/365 = 32,550/365 = 89.1780.. -> 89.18
    assert [(p.rate, p.interest) for p in be.periods] == [(Decimal("10.50"), 8918)]


def test_a_config_row_overrides_a_shipped_rate():
    table = interest.RateTable.load({"DE.2025H2": (Decimal("1.00"), "Config row 9")})
    r = interest.late_interest(TEN_K, D(2025, 6, 30), D(2025, 7, 1), "DE", table=table)
    # 1 day at 1.00 + 9 = 10%: 1,000/365 = 2.7397.. -> 2.74
    assert (r.periods[0].rate, r.interest) == (Decimal("10.00"), 274)


def test_bad_config_rate_rows_are_refused_with_their_row():
    with pytest.raises(InputError) as e:
        config_mod.from_rows(pd.DataFrame({"setting": ["rate.FR.2026H1", "rate.DE.2026H3", "rate.DE.2026H1"],
                                           "value": ["2.15", "1", "soon"]}))
    text = str(e.value)
    assert "row 2" in text and "FR and LU use ECB" in text
    assert "row 3" in text and "row 4" in text and "not a rate in %: 'soon'" in text


# --- the shipped table ------------------------------------------------------------------------

def test_the_shipped_table_is_consistent_with_the_statutory_formulas():
    rows = interest.shipped_rows()
    periods_ = sorted({p for (_, p) in rows})
    assert periods_[0] == "2020H1" and periods_[-1] == "2026H1"
    for (series, period), row in rows.items():
        assert row.source.strip(), (series, period)
        ecb = rows[("ECB", period)].rate
        if series == "NL":  # published = ECB + 8
            assert row.rate == ecb + 8, period
        if series == "BE":  # published = ECB + 8 rounded up to the half point
            assert row.rate == interest._ceil_half(ecb + 8), period
    # § 247 BGB: the Basiszinssatz moves by as many points as the ECB rate moved
    de = [rows[("DE", p)].rate for p in periods_]
    ecb = [rows[("ECB", p)].rate for p in periods_]
    assert all(d2 - d1 == e2 - e1 for d1, d2, e1, e2 in zip(de, de[1:], ecb, ecb[1:]))
    assert all(("GB", p) in rows and ("DE", p) in rows for p in periods_)


def test_every_country_has_a_rate_for_every_shipped_half_year():
    for cc in interest.COUNTRIES:
        r = interest.late_interest(TEN_K, D(2019, 12, 31), D(2026, 6, 30), cc, "GBP" if cc == "GB" else None)
        assert r.complete and r.interest > 0, cc


# --- the command line -------------------------------------------------------------------------

def test_cli_prints_interest_and_compensation_separately(capsys):
    assert main(["interest", "--amount", "10.000,00", "--due", "2025-05-31", "--until", "31.07.2025",
                 "--country", "de"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "interest: 179.85 EUR" in out and "compensation: 40.00 EUR" in out
    assert any("2025-06-01 .. 2025-06-30" in line and "30 days" in line and "11.27%" in line and "92.63 EUR" in line
               for line in out)
    assert any("2025-07-01 .. 2025-07-31" in line and "10.27%" in line and "87.22 EUR" in line for line in out)


def test_cli_uk_in_gbp(capsys):
    assert main(["interest", "--amount", "999.99", "--due", "2025-05-31", "--until", "2025-07-31",
                 "--country", "UK", "--currency", "GBP"]) == 0
    out = capsys.readouterr().out
    assert "compensation: 40.00 GBP" in out and "GBP" in out.splitlines()[1]


def test_cli_missing_rate_exits_2_and_names_the_config_row(capsys):
    assert main(["interest", "--amount", "100", "--due", "2026-06-15", "--until", "2026-07-15",
                 "--country", "FR"]) == 2
    cap = capsys.readouterr()
    assert "interest: not computed" in cap.out and "compensation: 40.00 EUR" in cap.out
    assert "rate.ECB.2026H2" in cap.err and "Traceback" not in cap.err


@pytest.mark.parametrize("args, words", [
    (["--amount", "x", "--country", "DE"], "--amount: not an amount"),
    (["--amount", "10", "--country", "ES"], "country must be one of NL, BE, DE, FR, LU, GB"),
    (["--amount", "-10", "--country", "DE"], "amount must be 0 or more"),
])
def test_cli_bad_input_exits_2(args, words, capsys):
    assert main(["interest", "--due", "2025-05-31", "--until", "2025-07-31", *args]) == 2
    assert words in capsys.readouterr().err


# --- the worksheet function -------------------------------------------------------------------

def test_udf_spills_interest_compensation_and_periods():
    rows = shell.AR_LATE_INTEREST(10000, "2025-05-31", dt.datetime(2025, 7, 31), "DE")
    assert rows[0] == ["item", "from", "to", "days", "principal", "rate_pct", "amount", "currency", "basis"]
    assert rows[1][:8] == ["interest", D(2025, 6, 1), D(2025, 7, 31), 61, 10000.0, None, 179.85, "EUR"]
    assert rows[2][:8] == ["compensation", None, None, None, 10000.0, None, 40.0, "EUR"]
    assert [r[:8] for r in rows[3:]] == [
        ["period 2025H1", D(2025, 6, 1), D(2025, 6, 30), 30, 10000.0, 11.27, 92.63, "EUR"],
        ["period 2025H2", D(2025, 7, 1), D(2025, 7, 31), 31, 10000.0, 10.27, 87.22, "EUR"],
    ]


def test_udf_missing_rate_config_and_errors():
    rows = shell.AR_LATE_INTEREST(10000, 46188.0, "2026-07-16", "DE")  # 46188 = 15 Jun 2026
    assert rows[1][6].startswith("#N/A no statutory rate for DE 2026H2") and rows[2][6] == 40.0
    config = [["setting", "value"], ["rate.DE.2026H2", 1.27]]
    # 42.21 (15 days of June at 10.27%) + 45.02 (16 days of July at 1.27 + 9: 16,432/365 = 45.0191..)
    assert shell.AR_LATE_INTEREST(10000, 46188.0, "2026-07-16", "DE", config)[1][6] == 87.23
    assert shell.AR_LATE_INTEREST(10000, "2025-05-31", "2025-07-31").startswith("#VALUE! country is empty")
    with_country = [["setting", "value"], ["dunning.interest_country", "FR"]]
    assert shell.AR_LATE_INTEREST(10000, "2025-05-31", "2025-07-31", None, with_country)[1][6] == 211.27
    assert shell.AR_LATE_INTEREST("abc", "2025-05-31", "2025-07-31", "DE").startswith("#VALUE! not an amount")
    assert shell.AR_LATE_INTEREST(500, "2025-05-31", "2025-07-31", "GB")[2][6:8] == [40.0, "GBP"]


def test_cli_reads_rate_rows_from_a_workbook_config(tmp_path, capsys):
    import openpyxl

    wb_path = tmp_path / "collections.xlsx"
    assert main(["init", str(wb_path)]) == 0
    wb = openpyxl.load_workbook(wb_path)
    ws = next(s for s in wb.worksheets if "Config" in s.tables)
    table = ws.tables["Config"]
    last = ws.max_row + 1
    ws.cell(last, 1, "rate.DE.2026H2")
    ws.cell(last, 2, "1.27")
    table.ref = f"A1:C{last}"
    table.autoFilter.ref = table.ref
    wb.save(wb_path)
    capsys.readouterr()
    assert main(["interest", "--amount", "10000", "--due", "2026-06-15", "--until", "2026-07-16",
                 "--country", "DE", "--config", str(wb_path)]) == 0
    out = capsys.readouterr().out
    # 42.21 (15 days of June at 10.27%) + 45.02 (16 days of July at 1.27 + 9 = 10.27%)
    assert "interest: 87.23 EUR" in out and f"collections.xlsx sheet {ws.title} row {last}" in out


def test_a_zero_amount_earns_nothing():
    r = interest.late_interest(0, DUE, PAID, "NL")
    assert (r.interest, r.compensation) == (0, 0)

"""Payments in a currency with no FX rate (issue 9 §5): the import says so, and every other
action runs and states what it left out instead of failing with "no FX rate for 'PLN'"."""
import datetime as dt

import pytest

from ar_xl.actions import dashboard, import_statements, match, refresh
from ar_xl.book import Book
from ar_xl.workbook import xlsx
from ar_xl.cli import main
from helpers import frame, seeded

AS_OF = dt.date(2026, 11, 23)
INVOICES = ([
    ("2026-0001", "C1", "Bakker", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
    ("2026-0003", "C2", "Krakow", "2026-10-01", "2026-10-31", "EUR", "800.00", "800.00", "open"),
], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"])
CUSTOMERS = ([("C1", "Bakker", "NL91ABNA0417164300", "NL", "nl", "Sanne"),
              ("C2", "Krakow", "PL61109010140000071219812874", "PL", "pl", "Markus")],
             ["customer_id", "customer_name", "iban", "country", "language", "collector"])
CSV = ("Datum;Naam;Bedrag;Munt;Omschrijving\n"
       "20261120;Krakow Sp. z o.o.;1500,00;PLN;Faktura 2026-0003\n"
       "20261120;Bakker;300,00;EUR;Invoice 2026-0001\n")


def apply(book, change):
    tables = dict(book.tables)
    tables.update(change.merged(book))
    return Book(tables=tables, source=book.source, user=book.user)


@pytest.fixture
def book(tmp_path):
    p = tmp_path / "bank.csv"
    p.write_text(CSV, encoding="utf-8")
    b = Book(tables={"Invoices": frame("Invoices", *INVOICES), "Customers": frame("Customers", *CUSTOMERS)})
    change = import_statements.run(b, [p])
    assert "1 payment in PLN (1,500.00 PLN) has no FX rate" in change.summary
    assert "fx.PLN" in change.summary
    return apply(b, change)


def test_dashboard_runs_and_states_the_payment_it_left_out(book):
    change = dashboard.run(book, AS_OF)
    fig = change.figures
    assert fig.unapplied_cash == 30000  # the EUR payment only
    assert "unapplied cash leaves out 1 payment in PLN (1,500.00 PLN): no FX rate" in change.summary
    assert fig.left_out == ["unapplied cash leaves out 1 payment in PLN (1,500.00 PLN): no FX rate; add a row "
                            "fx.PLN to the Config table"]


def test_refresh_and_match_run(book):
    refresh.run(book, AS_OF)
    m = match.run(book)
    assert "Matches" in m.tables


def test_cli_dashboard_exits_0_on_the_workbook(tmp_path, capsys):
    wb = seeded(tmp_path / "team.xlsx", Invoices=INVOICES, Customers=CUSTOMERS)
    (tmp_path / "bank.csv").write_text(CSV, encoding="utf-8")
    assert main(["import", str(wb), str(tmp_path / "bank.csv")]) == 0
    assert "PLN" in capsys.readouterr().out
    for verb in (["refresh"], ["match"], ["dashboard"], ["promise", "check"], ["plan", "update"]):
        assert main([*verb, str(wb)]) == 0, verb
    out = capsys.readouterr().out
    assert "no FX rate" in out and "fx.PLN" in out
    assert len(xlsx.load(wb).get("Payments")) == 2


def test_dashboard_sheet_tile_says_what_unapplied_cash_leaves_out(tmp_path):
    import openpyxl
    wb = seeded(tmp_path / "team.xlsx", Invoices=INVOICES, Customers=CUSTOMERS)
    (tmp_path / "bank.csv").write_text(CSV, encoding="utf-8")
    assert main(["import", str(wb), str(tmp_path / "bank.csv")]) == 0
    assert main(["dashboard", str(wb)]) == 0
    ws = openpyxl.load_workbook(wb)["Dashboard"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "leaves out payments with no FX rate (see Config)" in texts

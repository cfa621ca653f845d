"""The ribbon's entry points, run on a real xlwings Book of xlwings' remote engine.

Each test writes a collections workbook file, turns it into the JSON xlwings'
VBA client posts (``tests/xlwings_remote.py``), runs the entry point on
``xw.Book(json=...)``, checks the actions xlwings returns are ones the VBA
client can run (read from xlwings' own Remote.bas), plays them back onto the
file like the client does, and reads the file again to check what a collector
would see.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from ar_xl import clock
from ar_xl.excel import macros
from ar_xl.workbook import xlsx
from ar_xl.book import Change

import xlwings_remote as remote
from helpers import frame, header_cells, names, seeded

AS_OF = dt.date(2026, 11, 15)


@pytest.fixture(autouse=True)
def _remote_engine(monkeypatch):
    """xlwings' remote engine (what ``xw.Book(json=...)`` uses), enabled the way xlwings does at import
    when it finds a key: the noncommercial key is set here, for the tests only."""
    import importlib

    import xlwings
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # test-only
    _xlremote = importlib.import_module("xlwings.pro._xlremote")
    monkeypatch.setitem(xlwings.engines.engines_by_name, "remote", xlwings.main.Engine(impl=_xlremote.engine))


INVOICE_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                "open_amount", "status"]


@pytest.fixture
def wb(tmp_path):
    """Three customers, four invoices, one payment whose remittance names invoice 2026-0001."""
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([
        ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL"),
        ("C2", "Spedition Kühn GmbH", "DE89370400440532013000", "DE"),
        ("C3", "Hargreaves Freight Ltd", "", "GB"),
    ], ["customer_id", "customer_name", "iban", "country"]),
        Invoices=([
        ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
        ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-10-01", "2026-10-31", "EUR", "300.00", "300.00", "open"),
        ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "999.99", "999.99", "open"),
        ("00123", "C3", "Hargreaves Freight Ltd", "2026-11-01", "2026-12-01", "EUR", "50.00", "50.00", "open"),
    ], INVOICE_COLS),
        Payments=([
        ("BNK-1", "2026-11-02", "1200.50", "EUR", "BAKKER LOGISTIEK BV", "NL91ABNA0417164300",
         '=HYPERLINK("http://x") invoice 2026-0001'),
    ], ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance"]))


def _set_parameters(path, values: dict):
    """Type values on the Parameters sheet, as a collector would (the sheet is created by the Parameters button)."""
    w = openpyxl.load_workbook(path)
    ws = w["Parameters"] if "Parameters" in w.sheetnames else w.create_sheet("Parameters")
    if ws.max_row <= 1 and ws["A1"].value is None:
        ws.append(["parameter", "value", "used by", "help"])
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for k, v in values.items():
        r = rows.get(k) or ws.max_row + 1
        ws.cell(r, 1, k)
        ws.cell(r, 2, v)
    w.save(path)


def _row_of(path, sheet, column, value) -> int:
    w = openpyxl.load_workbook(path)
    ws = w[sheet]
    top, header = header_cells(ws)  # canonical names of the header the sheet shows
    j = header.index(column) + 1
    for r in range(top + 1, ws.max_row + 1):
        if str(ws.cell(r, j).value) == value:
            return r
    raise AssertionError(f"{value} not on {sheet}")


def click(path, tag, argument="", sheet="Invoices", selection="A1"):
    """Run a ribbon button on the remote engine; returns (actions, alerts, reloaded Book)."""
    import xlwings as xw
    xw_book = xw.Book(json=remote.payload(path, active_sheet=sheet, selection=selection))
    macros.dispatch(tag, argument, book=xw_book)
    actions = xw_book.json()["actions"]
    unsupported = {a["func"] for a in actions} - remote.vba_client_actions()
    assert not unsupported, f"actions the VBA client cannot run: {unsupported}"
    alerts = [a for a in actions if a["func"] == "alert"]
    # column autofit (a new Dashboard sheet) only changes widths, which openpyxl cannot measure: not replayed
    remote.apply(path, [a for a in actions if a["func"] != "setAutofit"])
    return actions, alerts, xlsx.load(path)


def _ok(alerts):
    assert alerts, "the collector gets no message"
    prompt, title, buttons, mode, _ = alerts[-1]["args"]
    assert mode == "info", f"{title}: {prompt}"
    assert "Traceback" not in prompt
    return prompt


def _critical(alerts):
    assert len(alerts) == 1
    prompt, title, buttons, mode, _ = alerts[0]["args"]
    assert mode == "critical" and buttons == "ok"
    assert "Traceback" not in prompt and "File \"" not in prompt
    return prompt


# ------------------------------------------------------------------ the actions, button by button

def test_match_payments_puts_the_payment_on_its_invoice(wb):
    actions, alerts, book = click(wb, "match_payments")
    assert "1 applied automatically" in _ok(alerts)
    m = book.get("Matches")
    assert list(zip(m["payment_id"], m["invoice_id"], m["applied_amount"], m["decision"])) == \
        [("BNK-1", "2026-0001", 120050, "auto")]
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.loc["2026-0001", "open_amount"] == 0 and inv.loc["2026-0001", "status"] == "paid"
    assert inv.loc["2026-0002", "open_amount"] == 30000
    assert book.get("Payments").loc[0, "unapplied_amount"] == 0
    # one setValues per table written, each table resized first
    written = [a for a in actions if a["func"] == "setValues"]
    assert len(written) == len({a["sheet_position"] for a in written}) == len([a for a in actions
                                                                               if a["func"] == "resizeTable"])
    # the Matches rows as the action sent them: money as numbers, text with Excel's text prefix
    sheet = openpyxl.load_workbook(wb).sheetnames.index("Matches")
    rows = next(a for a in written if a["sheet_position"] == sheet)["values"]
    header = [h.lstrip("'") for h in rows[0]]
    assert header[:2] == ["Review", "Value date"]  # the human headers, written as text
    first = dict(zip(names("Matches", header), rows[1]))
    assert first["invoice_id"] == "'2026-0001" and first["applied_amount"] == 1200.5
    assert first["applied"] is True


def test_formula_like_bank_text_stays_text(wb):
    actions, alerts, book = click(wb, "match_payments")
    _ok(alerts)
    assert book.get("Payments").loc[0, "remittance"] == '=HYPERLINK("http://x") invoice 2026-0001'
    ws = openpyxl.load_workbook(wb)["Payments"]
    cell = ws.cell(_row_of(wb, "Payments", "payment_id", "BNK-1"), 7)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    sent = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    assert not [v for v in sent if isinstance(v, str) and v and v[0] in "=+-@"], "text sent that Excel would evaluate"


def test_ids_and_dates_keep_their_type(wb):
    _, alerts, book = click(wb, "refresh_aging")
    _ok(alerts)
    inv = book.get("Invoices")
    assert "00123" in set(inv["invoice_id"])  # not the number 123
    ws = openpyxl.load_workbook(wb)["Invoices"]
    due = ws.cell(_row_of(wb, "Invoices", "invoice_id", "2026-0001"), 5)
    assert isinstance(due.value, dt.datetime) and due.value.date() == dt.date(2026, 8, 31)
    assert ws.cell(2, 7).number_format == "#,##0.00;[Red]-#,##0.00"


def test_apply_decisions_applies_what_the_collector_confirmed(wb):
    book = xlsx.load(wb)
    c = Change("seed")
    c.tables["Matches"] = frame("Matches", [
        ("M-BNK-1-2026-0002", "BNK-1", "2026-0002", "C1", "300.00", "suggested", "Confirm", "anna"),
    ], ["match_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "decision", "review", "reviewed_by"])
    xlsx.save(book, c)
    _, alerts, book = click(wb, "apply_decisions")
    assert "applied 1 confirmed" in _ok(alerts)
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.loc["2026-0002", "open_amount"] == 0
    assert book.get("Payments").loc[0, "unapplied_amount"] == 120050 - 30000
    m = book.get("Matches").set_index("match_id")
    assert bool(m.loc["M-BNK-1-2026-0002", "applied"]) and m.loc["M-BNK-1-2026-0002", "reviewed_by"] == "anna"


def test_refresh_aging_uses_the_parameters_date_and_shrinks_cleanly(wb):
    _set_parameters(wb, {"as_of": dt.datetime(2026, 11, 15)})
    _, alerts, book = click(wb, "refresh_aging")
    assert "aged 4 open items at 2026-11-15" in _ok(alerts)
    aging = book.get("Aging").set_index("invoice_id")
    assert aging.loc["2026-0001", "days_past_due"] == 76 and aging.loc["2026-0001", "bucket"] == "61-90"
    assert aging.loc["00123", "bucket"] == "current"
    # an invoice gets paid: the next refresh has one row less and leaves nothing behind
    click(wb, "match_payments")
    _, alerts, book = click(wb, "refresh_aging")
    assert "aged 3 open items" in _ok(alerts)
    ws = openpyxl.load_workbook(wb)["Aging"]
    assert ws.tables["Aging"].ref == "A3:S6"  # under its title line: header on row 3, three rows
    assert all(c.value is None for c in ws[7])
    assert ws["A1"].value == "Aging as of 15 November 2026"  # written live too


def test_import_statement_adds_the_new_payments(wb, tmp_path):
    statement = tmp_path / "statement.csv"
    statement.write_text("Value date,Amount,Currency,Name,IBAN,Description\n"
                         "2026-11-03,999.99,EUR,Spedition Kuhn,DE89370400440532013000,Rechnung 2026-0003\n",
                         encoding="utf-8")
    _, alerts, book = click(wb, "import_statement", str(statement))
    _ok(alerts)
    pay = book.get("Payments")
    assert len(pay) == 2 and pay["amount"].tolist() == [120050, 99999]
    # the same statement again adds nothing
    _, alerts, book = click(wb, "import_statement", str(statement))
    _ok(alerts)
    assert len(book.get("Payments")) == 2


def test_import_statement_of_unbalanced_statement_needs_the_parameter(wb):
    from helpers import shared_data
    v8 = shared_data() / "statements" / "camt" / "viafintech_ch_camt053_v8.xml"  # its balances do not reconcile
    _, alerts, book = click(wb, "import_statement", str(v8))
    assert "the balances do not reconcile" in _critical(alerts)
    assert len(book.get("Payments")) == 1
    _set_parameters(wb, {"import.accept_unbalanced": "yes"})
    _, alerts, book = click(wb, "import_statement", str(v8))
    assert "imported anyway, as asked" in _ok(alerts)
    assert sorted(book.get("Payments")["amount"].tolist()) == [8885, 47440, 120050]


def test_import_statement_without_a_file_says_what_to_do(wb):
    actions, alerts, _ = click(wb, "import_statement")
    assert "no file chosen" in _critical(alerts)
    assert not [a for a in actions if a["func"] == "setValues"]


def test_log_dispute_for_the_selected_invoice_rows(wb):
    _set_parameters(wb, {"dispute.reason": "price", "dispute.note": "see email 12/11"})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0003")
    _, alerts, book = click(wb, "log_dispute", sheet="Invoices", selection=f"B{r}")
    _ok(alerts)
    d = book.get("Disputes")
    assert len(d) == 1
    row = d.iloc[0]
    assert (row["customer_id"], row["invoice_ids"], row["amount"], row["status"]) == ("C2", "2026-0003", 99999, "open")


def test_log_dispute_on_rows_of_two_customers_is_refused(wb):
    r1 = _row_of(wb, "Invoices", "invoice_id", "2026-0001")
    r3 = _row_of(wb, "Invoices", "invoice_id", "2026-0003")
    _set_parameters(wb, {"dispute.reason": "price difference"})
    actions, alerts, book = click(wb, "log_dispute", selection=f"A{r1}:C{r1},A{r3}")
    assert "2 customers" in _critical(alerts)
    assert not [a for a in actions if a["func"] == "setValues"]
    assert len(book.get("Disputes")) == 0


def test_log_dispute_without_a_reason_names_the_parameter(wb):
    ensure = click(wb, "parameters", sheet="Invoices")  # the collector opens the Parameters sheet first
    _ok(ensure[1])
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0003")
    _, alerts, book = click(wb, "log_dispute", selection=f"A{r}")
    prompt = _critical(alerts)
    assert "Parameters sheet, row" in prompt and "dispute.reason" in prompt
    assert len(book.get("Disputes")) == 0


def test_new_plan_for_the_selected_invoices(wb):
    _set_parameters(wb, {"plan.installments": 3, "plan.first_due": dt.datetime(2026, 12, 1)})
    r1 = _row_of(wb, "Invoices", "invoice_id", "2026-0001")
    r2 = _row_of(wb, "Invoices", "invoice_id", "2026-0002")
    _, alerts, book = click(wb, "new_plan", selection=f"A{r1}:A{r2}")
    _ok(alerts)
    plans = book.get("Plans")
    assert len(plans) == 3 and set(plans["customer_id"]) == {"C1"}
    assert int(plans["amount"].sum()) == 120050 + 30000
    assert plans["due_date"].min().date() == dt.date(2026, 12, 1)
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.loc["2026-0001", "status"] == "on plan"


def test_new_plan_from_the_customers_sheet_takes_all_open_invoices(wb):
    _set_parameters(wb, {"plan.installments": 2, "plan.first_due": "2026-12-01"})
    r = _row_of(wb, "Customers", "customer_id", "C1")
    _, alerts, book = click(wb, "new_plan", sheet="Customers", selection=f"A{r}")
    _ok(alerts)
    plans = book.get("Plans")
    from ar_xl.engine.disputes import split_ids
    assert len(plans) == 2 and {tuple(split_ids(c)) for c in plans["invoice_ids"]} == {("2026-0001", "2026-0002")}
    assert int(plans["amount"].sum()) == 150050


def test_log_contact_for_the_selected_customer(wb):
    _set_parameters(wb, {"contact.channel": "call", "contact.outcome": "will pay Friday",
                         "contact.next_action_date": (clock.today() + dt.timedelta(days=3)).isoformat()})
    r = _row_of(wb, "Customers", "customer_id", "C2")
    _, alerts, book = click(wb, "log_contact", sheet="Customers", selection=f"C{r}")
    _ok(alerts)
    a = book.get("Activities").iloc[0]
    assert (a["customer_id"], a["channel"], a["outcome"]) == ("C2", "call", "will pay Friday")
    assert a["next_action_date"].date() == clock.today() + dt.timedelta(days=3)


def test_promise_to_pay_defaults_to_the_open_amount_and_check_promises_runs(wb):
    promised = clock.today() + dt.timedelta(days=7)
    _set_parameters(wb, {"promise.date": promised.isoformat()})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0002")
    _, alerts, book = click(wb, "promise_to_pay", selection=f"A{r}")
    _ok(alerts)
    p = book.get("Promises").iloc[0]
    assert (p["customer_id"], p["invoice_ids"], p["amount"], p["status"]) == ("C1", "2026-0002", 30000, "open")
    assert p["promised_date"].date() == promised
    _, alerts, book = click(wb, "check_promises")
    _ok(alerts)
    assert len(book.get("Promises")) == 1


def test_update_plans_runs_on_a_live_plan(wb):
    _set_parameters(wb, {"plan.installments": 2, "plan.first_due": "2026-12-01"})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0003")
    click(wb, "new_plan", selection=f"A{r}")
    _, alerts, book = click(wb, "update_plans")
    _ok(alerts)
    assert len(book.get("Plans")) == 2


def test_my_worklist_for_the_collector_at_the_keyboard(tmp_path, monkeypatch):
    from test_worklist import TABLES
    path = seeded(tmp_path / "collections.xlsx", **TABLES,
                  Config=([("user.jdoe", "Sanne", "J. Doe's worklist")], ["setting", "value", "description"]))
    _set_parameters(path, {"as_of": dt.datetime(2026, 11, 23)})
    monkeypatch.setenv("AR_XL_USER", "JDoe")
    actions, alerts, book = click(path, "my_worklist")
    prompt = _ok(alerts)
    assert "worklist for Sanne at 2026-11-23: 2 customer(s) to act on" in prompt
    assert "1. C1 Bakker Logistiek B.V. (reminder level 3): EUR 1,500.50 overdue, EUR 1,200.50 over 60 days" in prompt
    wl = book.get("Worklist")
    assert list(wl["customer_id"]) == ["C1", "C8"] and list(wl["rank"]) == [1, 2]
    assert wl["open_amount_base"].tolist() == [150050, 50000]
    assert "activateSheet" in [a["func"] for a in actions]
    # a user no Config row names: a message saying which row to add, and nothing written
    monkeypatch.setenv("AR_XL_USER", "nobody")
    before = openpyxl.load_workbook(path)["Worklist"].max_row
    actions, alerts, _ = click(path, "my_worklist")
    assert "user.nobody" in _critical(alerts)
    assert [a["func"] for a in actions] == ["alert"]
    assert openpyxl.load_workbook(path)["Worklist"].max_row == before


def test_refresh_dashboard_runs(wb):
    if "refresh_dashboard" not in macros.available():
        pytest.fail("the dashboard action is missing")
    _, alerts, book = click(wb, "refresh_dashboard")
    _ok(alerts)
    assert len(book.get("Aging")) == 4


def test_parameters_button_creates_the_sheet_once(wb):
    actions, alerts, _ = click(wb, "parameters")
    assert [a["func"] for a in actions][:2] == ["addSheet", "setValues"]
    ws = openpyxl.load_workbook(wb)["Parameters"]
    keys = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert keys == [p.key for p in macros.PARAMETERS]
    assert ws.cell(keys.index("plan.installments") + 2, 2).value == 3
    actions, alerts, _ = click(wb, "parameters")
    assert [a["func"] for a in actions] == ["activateSheet"]


def test_every_ribbon_button_ends_in_a_message_and_valid_actions(wb):
    """Buttons without their selection or parameters still answer with a message, never a traceback."""
    for tag in macros.ENTRY_POINTS:
        actions, alerts, _ = click(wb, tag, sheet="Config")
        assert alerts, tag
        assert "Traceback" not in alerts[-1]["args"][0]


# ------------------------------------------------------------------ errors

def test_a_bad_cell_is_reported_with_sheet_row_and_column_and_nothing_is_written(wb):
    w = openpyxl.load_workbook(wb)
    ws = w["Invoices"]
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0002")
    ws.cell(r, 8).value = "three hundred"
    w.save(wb)
    import xlwings as xw
    xw_book = xw.Book(json=remote.payload(wb))
    macros.dispatch("match_payments", book=xw_book)
    actions = xw_book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    prompt = _critical(actions)
    assert f"collections.xlsx sheet Invoices, row {r}, column Open amount (open_amount)" in prompt


def test_an_unexpected_failure_is_an_alert_not_a_traceback(wb, monkeypatch, tmp_path):
    from ar_xl.actions import match

    def boom(book):
        raise RuntimeError("engine fell over")
    monkeypatch.setattr(match, "run", boom)
    monkeypatch.setattr(macros, "LOG_FILE", tmp_path / "macros.log")
    actions, alerts, _ = click(wb, "match_payments")
    prompt = _critical(alerts)
    assert "engine fell over" in prompt and "Nothing in the workbook was changed" in prompt
    assert "Traceback" in (tmp_path / "macros.log").read_text()  # kept for IT, not shown


def test_unknown_button_tag(wb):
    _, alerts, _ = click(wb, "no_such_button")
    assert "no action" in _critical(alerts)


def test_book_caller_is_the_workbook_when_no_book_is_given(wb, monkeypatch):
    import xlwings as xw
    xw_book = xw.Book(json=remote.payload(wb))
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: xw_book))
    macros.dispatch("match_payments")
    assert any(a["func"] == "setValues" for a in xw_book.json()["actions"])


def test_status_bar_shows_progress_and_is_cleared(wb):
    """The remote engine has no status bar; on the classic engine the app's status_bar is set, then reset."""
    import xlwings as xw
    xw_book = xw.Book(json=remote.payload(wb))
    seen = []

    class App:
        def __init__(self, app):
            self._app = app

        @property
        def status_bar(self):
            return seen[-1] if seen else False

        @status_bar.setter
        def status_bar(self, value):
            seen.append(value)

        def alert(self, *a, **k):
            return self._app.alert(*a, **k)

    class ClassicLike:
        def __init__(self, book):
            self._book, self.app = book, App(book.app)

        def __getattr__(self, name):
            return getattr(self._book, name)

    macros.dispatch("refresh_aging", book=ClassicLike(xw_book))
    assert seen[0].startswith("Refresh aging: reading") and seen[-1] is False
    assert any("writing" in str(s) for s in seen)


def test_the_remote_engine_has_no_status_bar_and_the_action_still_runs(wb):
    import xlwings as xw
    xw_book = xw.Book(json=remote.payload(wb))
    with pytest.raises(NotImplementedError):
        xw_book.app.status_bar = "x"
    assert macros.refresh_aging(book=xw_book) is not None


def test_plan_interest_typed_in_percent(wb):
    _set_parameters(wb, {"plan.installments": 4, "plan.first_due": "2026-12-01", "plan.annual_rate": 8,
                         "plan.interest": "annuity"})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0003")
    _, alerts, book = click(wb, "new_plan", selection=f"A{r}")
    _ok(alerts)
    plans = book.get("Plans")
    assert int(plans["principal"].sum()) == 99999 and int(plans["interest"].sum()) > 0
    assert int(plans["amount"].sum()) == int(plans["principal"].sum()) + int(plans["interest"].sum())


@pytest.mark.parametrize("typed, fraction", [(8, "0.08"), ("8,5", "0.085"), ("8%", "0.08"), (0.08, "0.08"),
                                             (None, "0")])
def test_rates_are_read_in_percent(typed, fraction):
    from decimal import Decimal
    p = macros.Parameters({"plan.annual_rate": typed}, {"plan.annual_rate": 8})
    assert p.rate("plan.annual_rate") == Decimal(fraction)


@pytest.mark.parametrize("typed, fraction", [("0,5", "0.005"), ("0.75", "0.0075"), (" 0,5 ", "0.005")])
def test_a_rate_typed_as_text_is_always_in_percent(typed, fraction):
    """Text is never a percent-formatted cell: '0,5' typed in an English Excel stays text and means 0.5% a year,
    not 50%."""
    from decimal import Decimal
    p = macros.Parameters({"plan.annual_rate": typed}, {"plan.annual_rate": 8})
    assert p.rate("plan.annual_rate") == Decimal(fraction)


def test_a_persons_own_columns_keep_their_numbers_and_dates(wb):
    """A collector added 'credit score' (numbers), 'called on' (dates) and 'my note' (text) to the Invoices
    table; Match payments rewrites the table and they stay numbers, dates and text."""
    from openpyxl.utils import get_column_letter, range_boundaries
    w = openpyxl.load_workbook(wb)
    ws = w["Invoices"]
    tbl = ws.tables["Invoices"]
    c1, r1, c2, r2 = range_boundaries(tbl.ref)
    extra = {"credit score": 12.5, "called on": dt.datetime(2026, 11, 2), "my note": "=call back"}
    for j, (name, value) in enumerate(extra.items(), start=1):
        ws.cell(r1, c2 + j, name)
        for r in range(r1 + 1, r2 + 1):
            cell = ws.cell(r, c2 + j, value)
            if isinstance(value, str):
                cell.data_type = "s"  # typed as text
    tbl.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2 + len(extra))}{r2}"
    tbl.tableColumns = []
    tbl._initialise_columns()
    for j, col in enumerate(tbl.tableColumns):
        col.name = str(ws.cell(r1, c1 + j).value)
    w.save(wb)
    _, alerts, book = click(wb, "match_payments")
    _ok(alerts)
    assert book.get("Invoices").set_index("invoice_id").loc["2026-0001", "open_amount"] == 0
    ws = openpyxl.load_workbook(wb)["Invoices"]
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0001")
    score, called, note = (ws.cell(r, c2 + j) for j in (1, 2, 3))
    assert score.value == 12.5 and score.data_type == "n"
    assert called.value == dt.datetime(2026, 11, 2) and called.number_format != "@"  # still shown as a date
    assert note.value == "=call back" and note.data_type == "s"


def test_load_open_items_syncs_the_chosen_export(wb, tmp_path):
    """The button's dialogs give the open-items file (and optionally the customers file) joined by '|'."""
    export = tmp_path / "open_items.csv"
    export.write_text("Factuur;Relatie;Naam;Datum;Vervaldatum;Valuta;Bedrag;Openstaand\n"
                      "2026-0001;C1;Bakker Logistiek B.V.;01-08-2026;31-08-2026;EUR;1.200,50;1.000,50\n"
                      "2026-0009;C4;Dupont SA;01-11-2026;01-12-2026;EUR;80,00;80,00\n", encoding="utf-8")
    _, alerts, book = click(wb, "load_open_items", str(export))
    prompt = _ok(alerts)
    assert "1 new, 1 changed, 3 closed in ERP" in prompt
    inv = book.get("Invoices").set_index("invoice_id")
    assert inv.loc["2026-0001", "open_amount"] == 100050
    assert inv.loc["2026-0002", "status"] == "closed in ERP" and inv.loc["2026-0002", "open_amount"] == 0
    assert inv.loc["2026-0009", "customer_name"] == "Dupont SA"


def test_load_open_items_without_a_file_says_what_to_do(wb):
    actions, alerts, _ = click(wb, "load_open_items")
    assert "no file chosen" in _critical(alerts)
    assert not [a for a in actions if a["func"] == "setValues"]


# ------------------------------------------------------------------ reminders

def test_reminders_for_the_selected_customer(wb, tmp_path):
    out = tmp_path / "letters"
    out.mkdir()
    _set_parameters(wb, {"reminders.folder": str(out)})
    r = _row_of(wb, "Customers", "customer_id", "C1")
    _, alerts, book = click(wb, "reminders", sheet="Customers", selection=f"A{r}")
    assert "made 1 reminder(s)" in _ok(alerts)
    rem = book.get("Reminders")
    assert list(rem["customer_id"]) == ["C1"] and list(rem["level"]) == [1]
    assert rem["items"].iloc[0] == "2026-0001; 2026-0002" and int(rem["total"].iloc[0]) == 150050
    assert sorted(p.name for p in out.iterdir()) == ["R-000001_C1_level1.pdf"]  # C1 has no e-mail: PDF only
    act = book.get("Activities").iloc[0]
    assert (act["customer_id"], act["channel"]) == ("C1", "letter") and "level 1" in act["outcome"]
    # clicked again the same day: level 1 is not sent twice within its interval
    _, alerts, book = click(wb, "reminders", sheet="Customers", selection=f"A{r}")
    assert "made 0 reminder(s)" in _ok(alerts) and len(book.get("Reminders")) == 1


def test_reminders_for_all_that_are_due(wb, tmp_path):
    _set_parameters(wb, {"reminders.folder": str(tmp_path)})
    _, alerts, book = click(wb, "reminders", sheet="Config")
    _ok(alerts)
    # C3's invoice is not yet due; C1 and C2 are
    assert sorted(book.get("Reminders")["customer_id"]) == ["C1", "C2"]


def test_reminders_with_an_unknown_level_says_which_levels_exist(wb, tmp_path):
    _set_parameters(wb, {"reminders.folder": str(tmp_path), "reminders.level": 7})
    _, alerts, book = click(wb, "reminders", sheet="Config")
    assert "no reminder level 7; Config defines levels 1, 2, 3, 4" in _critical(alerts)
    assert len(book.get("Reminders")) == 0


# ------------------------------------------------------------------ statement of account

def test_statement_of_the_selected_customer(wb, tmp_path):
    out = tmp_path / "statements"
    out.mkdir()
    _set_parameters(wb, {"statement.folder": str(out), "as_of": "2026-11-15"})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0002")
    _, alerts, book = click(wb, "statement", sheet="Invoices", selection=f"A{r}")
    assert "statement of C1 Bakker Logistiek B.V. as of 2026-11-15" in _ok(alerts)
    [pdf] = list(out.iterdir())
    assert pdf.name == "statement_C1_2026-11-15.pdf"
    import subprocess
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    # C1's two invoices; BNK-1 (C1's IBAN, nothing applied yet) is unapplied cash
    for s in ("Invoice 2026-0001", "Invoice 2026-0002", "Payment BNK-1", "Balance €300.00"):
        assert s in text, s
    act = book.get("Activities").iloc[-1]
    assert act["customer_id"] == "C1" and act["outcome"].startswith("statement sent")
    # as XLSX
    _set_parameters(wb, {"statement.format": "xlsx"})
    _, alerts, book = click(wb, "statement", sheet="Invoices", selection=f"A{r}")
    _ok(alerts)
    assert sorted(p.suffix for p in out.iterdir()) == [".pdf", ".xlsx"]


def test_statement_without_a_customer_selected_says_what_to_do(wb, tmp_path):
    _set_parameters(wb, {"statement.folder": str(tmp_path)})
    _, alerts, book = click(wb, "statement", sheet="Config")
    assert "select a row of the customer" in _critical(alerts)
    assert len(book.get("Activities")) == 0


# ------------------------------------------------------------------ customer view

def _view(path) -> list[list]:
    ws = openpyxl.load_workbook(path)["CustomerView"]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_customer_view_of_the_selected_customer(wb):
    _set_parameters(wb, {"as_of": "2026-11-15"})
    r = _row_of(wb, "Invoices", "invoice_id", "2026-0002")
    actions, alerts, book = click(wb, "customer_view", sheet="Invoices", selection=f"A{r}")
    assert "customer view of C1 Bakker Logistiek B.V. as of 2026-11-15: 2 open item(s)" in _ok(alerts)
    w = openpyxl.load_workbook(wb)
    ws = w["CustomerView"]
    assert w.sheetnames[0] == "CustomerView" and w.active.title == "CustomerView"
    assert [ws["A1"].value, ws["B1"].value, ws["C1"].value] == ["Customer view", "C1", "Bakker Logistiek B.V."]
    assert ws["B2"].value == dt.datetime(2026, 11, 15) and ws["B2"].number_format == "yyyy-mm-dd"
    rows = _view(wb)
    first = next(i for i, row in enumerate(rows) if row[0] == "2026-0001")
    header = rows[first - 1]
    item = dict(zip(header, rows[first]))
    assert item["Open amount"] == 1200.5 and item["Days past due"] == 76 and item["Due date"] == dt.datetime(2026, 8, 31)
    assert ws.cell(first + 1, header.index("Open amount") + 1).number_format == "#,##0.00;[Red]-#,##0.00"
    assert [row[0] for row in rows if str(row[0]).startswith("2026-")] == ["2026-0001", "2026-0002"] + \
        [f"2026-{m:02d}" for m in range(1, 12)]  # the open items, then the behaviour months
    # the remittance starting with '=' landed as text, never a formula
    pay = next(i for i, row in enumerate(rows) if row[0] == "BNK-1")
    cell = ws.cell(pay + 1, rows[pay - 1].index("Remittance") + 1)
    assert cell.value == '=HYPERLINK("http://x") invoice 2026-0001' and cell.data_type == "s"
    assert {a["func"] for a in actions} >= {"addSheet", "setValues", "setNumberFormat", "activateSheet"}
    audit = book.get("Audit")
    assert list(audit.loc[audit["table"] == "CustomerView", "key"]) == ["C1"]
    # again, for another customer from the Customers sheet: the sheet is replaced whole
    r = _row_of(wb, "Customers", "customer_id", "C2")
    actions, alerts, _ = click(wb, "customer_view", sheet="Customers", selection=f"A{r}")
    assert "customer view of C2" in _ok(alerts) and "addSheet" not in {a["func"] for a in actions}
    rows = _view(wb)
    assert rows[0][:3] == ["Customer view", "C2", "Spedition Kühn GmbH"]
    assert "2026-0001" not in [row[0] for row in rows] and "2026-0003" in [row[0] for row in rows]
    assert openpyxl.load_workbook(wb).sheetnames.count("CustomerView") == 1
    # clicked on the view itself: the same customer's view again
    _, alerts, book = click(wb, "customer_view", sheet="CustomerView", selection="A1")
    assert "customer view of C2" in _ok(alerts)
    audit = book.get("Audit")
    assert list(audit.loc[audit["table"] == "CustomerView", "key"]) == ["C1", "C2", "C2"]


def test_customer_view_without_a_customer_selected_says_what_to_do(wb):
    before = wb.read_bytes()
    actions, alerts, _ = click(wb, "customer_view", sheet="Config")
    assert "select a row of the customer" in _critical(alerts)
    assert [a["func"] for a in actions] == ["alert"]

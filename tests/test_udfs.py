"""The AR_* worksheet functions: called directly, through classic xlwings' own UDF
call path (``xlwings.udfs.call_udf`` with COM-shaped arguments) and through xlwings
Server (``xlwings.server.custom_functions_call`` with an Office.js-shaped payload).

The ledger (as of 2026-03-31, base EUR, GBP at 1.1650):

  id    customer  invoiced    due         amount   open      days  bucket
  I1    C1 Acme   2026-03-01  2026-03-31  1000.00  1000.00     0   current (due today)
  I2    C1 Acme   2026-02-28  2026-03-30   500.00   250.10     1   1-30
  I3    C2 Bolt   2026-01-29  2026-02-28   400.00   400.00    31   31-60
  4512  C2 Bolt   2025-10-31  2025-11-30   100.00 GBP 100.00 GBP = 116.50 EUR  121  121+
  CN1   C1 Acme   2026-03-01  2026-03-01   -50.00   -50.00    30   1-30 (credit note)

By customer: C1 current 1000.00, 1-30 250.10 - 50.00 = 200.10, total 1200.10;
             C2 31-60 400.00, 121+ 116.50, total 516.50.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import importlib.util
import sys
import types
from pathlib import Path

import pytest
import xlwings

import udfs.ar_functions as shell
from ar_xl import schema
from helpers import names

MISSING = -2147352572  # what COM hands over for an omitted optional argument
NA_ERROR = -2146826246  # a #N/A cell as COM hands it over

HEADER = ("Invoice ID", "Customer ID", "Customer Name", "Invoice Date", "Due Date",
          "Currency", "Amount", "Open Amount", "Collector")
BLANK = (None,) * len(HEADER)
# As classic Excel hands a range over through COM: a tuple of row tuples, numbers
# (and serial dates in cells formatted as numbers) as floats, date-formatted cells as
# datetime, blanks as None, text as str; the range runs past the table (blank rows).
COM_RANGE = (
    HEADER,
    ("I1", "C1", "Acme", 46082.0, 46112.0, "EUR", 1000.0, 1000.0, "Ann"),
    ("I2", "C1", "Acme", dt.datetime(2026, 2, 28), dt.datetime(2026, 3, 30), "EUR", 500.0, 250.1, "Ann"),
    ("I3", "C2", "Bolt", "2026-01-29", "28/02/2026", "EUR", "400,00", 400.0, "Bob"),
    (4512.0, "C2", "Bolt", 45961.0, "30.11.2025", "GBP", 100.0, "100.00", "Bob"),
    ("CN1", "C1", "Acme", "2026-03-01", 46082.0, "EUR", -50.0, -50.0, "Ann"),
    BLANK, BLANK, BLANK,
)
AS_OF = dt.datetime(2026, 3, 31)

def spilled(*columns) -> list[str]:
    """The header row a UDF spills for these columns: the workbook's human header where a table defines the
    column ("Customer ID"), else the name (the bucket labels)."""
    return [schema.header_of(c) for c in columns]


BUCKET_HEADER = spilled("current", "1-30", "31-60", "61-90", "91-120", "121+", "total")
BY_CUSTOMER = [
    [*spilled("customer_id", "customer_name"), *BUCKET_HEADER],
    ["C1", "Acme", 1000.0, 200.1, 0.0, 0.0, 0.0, 0.0, 1200.1],
    ["C2", "Bolt", 0.0, 0.0, 400.0, 0.0, 0.0, 116.5, 516.5],
]


def load_shell(name: str) -> types.ModuleType:
    """A fresh copy of udfs/ar_functions.py, decorated by whatever xlwings.func/arg/ret are now."""
    spec = importlib.util.spec_from_file_location(f"udfs.{name}", Path(shell.__file__))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- called directly -------------------------------------------------------------------

def test_aging_by_collector_with_the_customers_table_counts_invoices_for_their_customers_collector(classic):
    # I3 and 4512 (C2's) name no collector of their own: Customers says C2 is Cleo's; I1 keeps its own (Ann)
    com = [list(r) for r in COM_RANGE]
    com[3][8] = com[4][8] = None
    customers = (("Customer ID", "Customer name", "Collector"), ("C1", "Acme", "Dirk"), ("C2", "Bolt", "Cleo"),
                 (None, None, None))
    got = shell.AR_AGING(tuple(map(tuple, com)), "2026-03-31", None, None, "collector", None, customers)
    assert got == [[*spilled("collector"), *BUCKET_HEADER],
                   ["Ann", 1000.0, 200.1, 0.0, 0.0, 0.0, 0.0, 1200.1],
                   ["Cleo", 0.0, 0.0, 400.0, 0.0, 0.0, 116.5, 516.5]]
    # without it they have none: the row is named as ar-xl age --by collector names it
    assert shell.AR_AGING(tuple(map(tuple, com)), "2026-03-31", None, None, "collector") == [
        [*spilled("collector"), *BUCKET_HEADER],
        ["(no collector)", 0.0, 0.0, 400.0, 0.0, 0.0, 116.5, 516.5],
        ["Ann", 1000.0, 200.1, 0.0, 0.0, 0.0, 0.0, 1200.1]]
    spilled_rows = classic("AR_AGING", tuple(map(tuple, com)), AS_OF, MISSING, MISSING, "collector", MISSING, MISSING)
    assert [r[0] for r in spilled_rows[1:]] == ["(no collector)", "Ann"]


def test_aging_by_customer_direct():
    assert shell.AR_AGING(COM_RANGE, AS_OF) == BY_CUSTOMER


def test_aging_by_collector_and_invoice_direct():
    by_collector = shell.AR_AGING(COM_RANGE, "2026-03-31", None, None, "collector")
    assert by_collector == [[*spilled("collector"), *BUCKET_HEADER],
                            ["Ann", 1000.0, 200.1, 0.0, 0.0, 0.0, 0.0, 1200.1],
                            ["Bob", 0.0, 0.0, 400.0, 0.0, 0.0, 116.5, 516.5]]
    by_invoice = shell.AR_AGING(COM_RANGE, 46112.0, None, None, "Invoice")
    assert by_invoice[0][:9] == spilled("invoice_id", "customer_id", "customer_name", "collector", "currency",
                                        "open_amount", "due_date", "days_past_due", "disputed")
    assert by_invoice[0][:3] == ["Invoice ID", "Customer ID", "Customer name"]
    rows = {r[0]: r for r in by_invoice[1:]}
    assert set(rows) == {"I1", "I2", "I3", "4512", "CN1"}  # 4512.0 read back from Excel is the id "4512"
    gbp = rows["4512"]
    assert gbp[4:9] == ["GBP", 100.0, dt.date(2025, 11, 30), 121, False]
    assert gbp[9:] == [0.0, 0.0, 0.0, 0.0, 0.0, 116.5, 116.5]
    assert rows["CN1"][6:8] == [dt.date(2026, 3, 1), 30]
    assert rows["CN1"][9:] == [0.0, -50.0, 0.0, 0.0, 0.0, 0.0, -50.0]
    assert rows["I1"][7:10] == [0, False, 1000.0]  # due today: current


def test_aging_custom_buckets_basis_and_config_range():
    # invoice basis, edges 45 and 90: ages 30 (I1), 31 (I2), 61 (I3), 151 (4512), 30 (CN1)
    result = shell.AR_AGING(COM_RANGE, AS_OF, "45, 90", "invoice", "customer")
    assert result[0] == spilled("customer_id", "customer_name", "current", "1-45", "46-90", "91+", "total")
    assert result[1] == ["C1", "Acme", 0.0, 1200.1, 0.0, 0.0, 1200.1]
    assert result[2] == ["C2", "Bolt", 0.0, 0.0, 400.0, 116.5, 516.5]
    # buckets as a range of numbers, FX from the Config table: 100.00 GBP x 1.2 = 120.00
    config = (("Setting", "Value", "Description"), ("fx.GBP", "1.2", None), (None, None, None))
    result = shell.AR_AGING(COM_RANGE, AS_OF, ((30.0,), (60.0,), (90.0,), (120.0,)), None, None, config)
    assert result[2] == ["C2", "Bolt", 0.0, 0.0, 400.0, 0.0, 0.0, 120.0, 520.0]


def test_aging_readable_errors():
    bad = list(COM_RANGE)
    bad[3] = ("I3", "C2", "Bolt", "2026-01-29", "soon", "EUR", "400,00", 400.0, "Bob")
    bad[5] = ("CN1", "C1", "Acme", "2026-03-01", 46082.0, "EUR", "-50.005", -50.0, "Ann")
    msg = shell.AR_AGING(bad, AS_OF)
    assert msg.startswith("#VALUE! ")
    assert "Invoices, row 4, column Due Date (due_date): not a date: 'soon'" in msg  # range row 4 (header is row 1)
    assert "Invoices, row 6, column Amount (amount): more than two decimals" in msg
    assert shell.AR_AGING(COM_RANGE, AS_OF, "60,30").startswith("#VALUE! bucket edges must be increasing")
    assert shell.AR_AGING(COM_RANGE, AS_OF, None, "paid").startswith("#VALUE! aging basis must be")
    assert shell.AR_AGING(COM_RANGE, AS_OF, None, None, "region").startswith("#VALUE! group_by must be")
    no_due = [r[:4] + r[5:] for r in COM_RANGE]
    assert "missing column(s): due_date" in shell.AR_AGING(no_due, AS_OF)
    config = (("setting", "value"), ("fx.GBP", None))
    assert "no FX rate for 'GBP'" in shell.AR_AGING(COM_RANGE, AS_OF, None, None, None, config)
    assert shell.AR_AGING(COM_RANGE, "31/02/2026").startswith("#VALUE! as_of: not a date")


def test_bucket_and_days_past_due_direct():
    # due today = current; 1 day = 1-30; 30 = 1-30; 31 = 31-60; 121 = 121+
    for due, bucket, days in [("2026-03-31", "current", 0), ("2026-03-30", "1-30", 1),
                              ("2026-03-01", "1-30", 30), ("2026-02-28", "31-60", 31),
                              (45991.0, "121+", 121), (dt.datetime(2026, 4, 30), "current", -30)]:
        assert shell.AR_BUCKET(due, AS_OF) == bucket
        assert shell.AR_DAYS_PAST_DUE(due, AS_OF) == days
    # a range spills in the same shape; blanks stay blank; a bad cell says why
    assert shell.AR_BUCKET(((46112.0,), (None,), ("x",), (46081.0,)), 46112.0, "15,30") == [
        ["current"], [""], ["#VALUE! due_date: not a date: 'x' (use YYYY-MM-DD)"], ["31+"]]
    assert shell.AR_DAYS_PAST_DUE([[46111.0, 46113.0]], "31.03.2026") == [[1, -1]]
    assert shell.AR_BUCKET("2026-03-01", "2026-03-31", "bad").startswith("#VALUE! bucket edges")


def test_dso_and_cei_direct():
    # March (31 days): sales I1 1000.00 + CN1 -50.00 = 950.00;
    # AR at 03-31 = 1000 + 250.10 + 400 + 116.50 - 50 = 1716.60 (current 1000.00)
    # DSO = 1716.60 / 950 x 31 = 56.015 -> 56.0
    assert round(shell.AR_DSO(COM_RANGE, "2026-03-01", "2026-03-31"), 1) == 56.0
    # best possible = 1000 / 950 x 31 = 32.63 -> 32.6; ADD = 716.60 / 950 x 31 = 23.38 -> 23.4
    assert round(shell.AR_DSO(COM_RANGE, "2026-03-01", "2026-03-31", "best"), 1) == 32.6
    assert round(shell.AR_DSO(COM_RANGE, "2026-03-01", "2026-03-31", "ADD"), 1) == 23.4
    # countback: 1716.60 - Mar 950 = 766.60 (31 d); - Feb 500 (I2) = 266.60 (59 d);
    #            Jan 400 (I3): 266.60 / 400 x 31 = 20.66 -> 79.66 -> 79.7
    assert round(shell.AR_DSO(COM_RANGE, "2026-03-01", "2026-03-31", "countback"), 1) == 79.7
    # CEI = (2000 + 950 - 1716.60) / (2000 + 950 - 1000) x 100 = 1233.40 / 1950 = 63.25 -> 63.3
    assert round(shell.AR_CEI(COM_RANGE, "2026-03-01", "2026-03-31", 2000.0), 1) == 63.3
    assert round(shell.AR_CEI(COM_RANGE, 46082.0, 46112.0, "2.000,00"), 1) == 63.3
    assert shell.AR_DSO(COM_RANGE, "2026-05-01", "2026-05-31").startswith("#DIV/0! DSO: no credit sales")
    assert shell.AR_DSO(COM_RANGE, "2026-03-31", "2026-03-01").startswith("#VALUE! the period ends")
    assert shell.AR_DSO(COM_RANGE, "2026-03-01", "2026-03-31", "median").startswith("#VALUE! method must be")
    assert shell.AR_CEI(COM_RANGE, "2026-03-01", "2026-03-31", None).startswith("#VALUE! beginning_ar is empty")


def test_header_only_and_empty_ranges():
    assert shell.AR_AGING((HEADER, BLANK), AS_OF) == [BY_CUSTOMER[0]]
    assert shell.AR_AGING(((None, None), (None, None)), AS_OF).startswith("#VALUE! Invoices: the first row")


# Excel's Total Row (Table Design > Total Row) as Invoices[#All] hands it over: the label in the first column,
# the SUBTOTAL results (not the formulas) under the columns it sums or counts. SUM skips text cells ("400,00").
TOTALS = ("Total", None, None, None, None, None, 1550.0, 1600.1, 5.0)  # SUM(Amount), SUM(Open amount), COUNTA
UNLABELLED = (None, None, None, None, None, None, 1550.0, 1600.1, 5.0)  # the label deleted: the sums themselves


def test_aging_leaves_out_the_tables_total_row(classic, server):
    with_totals = (*COM_RANGE[:6], TOTALS)
    assert shell.AR_AGING(with_totals, AS_OF) == BY_CUSTOMER
    assert shell.AR_AGING((*COM_RANGE[:6], UNLABELLED, BLANK), AS_OF) == BY_CUSTOMER
    assert shell.AR_AGING((*COM_RANGE[:6], ("TOTAL", *(None,) * 8)), AS_OF) == BY_CUSTOMER  # nothing summed
    assert classic("AR_AGING", with_totals, AS_OF, MISSING, MISSING, MISSING, MISSING) == BY_CUSTOMER
    assert server("AR_AGING", officejs_range(with_totals), [[46112]], None, None, None, None) == BY_CUSTOMER
    assert round(shell.AR_DSO(with_totals, "2026-03-01", "2026-03-31"), 1) == 56.0  # the sums are not sales
    assert shell.AR_AGING((HEADER, TOTALS), AS_OF) == [BY_CUSTOMER[0]]  # an empty table with its Total Row


def test_aging_a_last_row_that_is_not_the_total_row_is_still_reported():
    def last_row(row):
        return shell.AR_AGING((*COM_RANGE[:6], row), AS_OF)

    # an invoice without its id: a row of the table, whatever its amounts
    assert last_row((None, "C2", "Bolt", 46082.0, 46112.0, "EUR", 1550.0, 1600.1, "Bob")) == \
        "#VALUE! Invoices, row 7, column Invoice ID (invoice_id): is empty"
    # figures that are not the sums or counts of the cells above (an average), without the label
    assert last_row((None, None, None, None, None, None, 310.0, 320.02, None)).startswith(
        "#VALUE! Invoices, row 7, column Invoice ID (invoice_id): is empty; "
        "Invoices, row 7, column Customer ID (customer_id): is empty")
    # the label beside a real row's text, or a key that is no label: a row, reported
    assert last_row(("Total", "C2", None, None, None, "EUR", 1550.0, 1600.1, 5.0)).startswith(
        "#VALUE! Invoices, row 7, column Invoice Date (invoice_date): is empty")
    assert last_row((4513.0, None, None, None, None, None, 1550.0, 1600.1, 5.0)).startswith(
        "#VALUE! Invoices, row 7, column Customer ID (customer_id): is empty")
    # only the last row can be the Total Row
    assert shell.AR_AGING((*COM_RANGE[:3], TOTALS, *COM_RANGE[3:6]), AS_OF).startswith(
        "#VALUE! Invoices, row 4, column Customer ID (customer_id): is empty")


# --- classic xlwings: the real call_udf / conversion pipeline --------------------------

class _ComLikeEngine:
    """Element cleaning as xlwings._xlwindows.Engine does it (pywin32 does not exist on
    Linux): blanks -> ``empty``, COM dates -> datetime via the ``dates`` builder,
    cell errors (ints) -> their text with ``err_to_str``; on write NaN/None -> blank."""

    name, type = "excel", "desktop"
    cell_errors = {NA_ERROR: "#N/A", -2146826281: "#DIV/0!", -2146826273: "#VALUE!"}

    def clean_value_data(self, data, datetime_builder, empty_as, number_builder, err_to_str):
        def one(v):
            if v in ("", None):
                return empty_as
            if isinstance(v, dt.datetime):
                return datetime_builder(year=v.year, month=v.month, day=v.day, hour=v.hour,
                                        minute=v.minute, second=v.second)
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            if isinstance(v, int) and v in self.cell_errors:
                return self.cell_errors[v] if err_to_str else None
            return v
        return [[one(v) for v in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        if x is None or (isinstance(x, float) and x != x):
            return ""
        return x


@pytest.fixture
def classic(monkeypatch):
    """``call(name, *com_args)`` through xlwings.udfs.call_udf, the function classic Excel calls."""
    stubs = {name: types.ModuleType(name) for name in ("pythoncom", "pywintypes", "win32com", "win32com.client")}
    stubs["pythoncom"].CoInitialize = lambda: None
    stubs["win32com.client"].Dispatch = None
    stubs["win32com"].client = stubs["win32com.client"]
    windows = types.ModuleType("xlwings._xlwindows")
    windows.Range = lambda xl=None: types.SimpleNamespace(xl=xl, options={})
    windows.is_range_instance = lambda value: False  # arguments arrive as values
    com_server = types.ModuleType("xlwings.com_server")
    com_server.loop = asyncio.new_event_loop()
    for name, module in {**stubs, "xlwings._xlwindows": windows, "xlwings.com_server": com_server}.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(xlwings, "_xlwindows", windows, raising=False)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xludfs = importlib.import_module("xlwings.udfs")
    monkeypatch.setitem(xlwings.engines.engines_by_name, "excel", xlwings.main.Engine(impl=_ComLikeEngine()))
    monkeypatch.setattr(xlwings, "func", xludfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xludfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", xludfs.xlret)
    module = load_shell("ar_functions_classic")
    monkeypatch.setitem(xludfs.udf_modules, "ar_functions_classic",
                        {"filename": module.__file__, "filetime": None, "module": module})

    def call(name, *args):
        return xludfs.call_udf("ar_functions_classic", name, args, None, None)

    call.module, call.xludfs = module, xludfs
    yield call
    com_server.loop.close()
    sys.modules.pop("xlwings.udfs", None)
    if hasattr(xlwings, "udfs"):
        delattr(xlwings, "udfs")


def test_classic_aging_through_call_udf(classic):
    assert classic("AR_AGING", COM_RANGE, AS_OF, MISSING, MISSING, MISSING, MISSING) == BY_CUSTOMER
    by_invoice = classic("AR_AGING", COM_RANGE, AS_OF, MISSING, MISSING, "invoice", MISSING)
    row = next(r for r in by_invoice if r[0] == "4512")
    assert row[5:8] == [100.0, dt.date(2025, 11, 30), 121]
    assert row[-2:] == [116.5, 116.5]
    # a blank as_of cell (None) means today: nothing is lost, the call still answers a table
    assert classic("AR_AGING", COM_RANGE, None, MISSING, MISSING, MISSING, MISSING)[0] == BY_CUSTOMER[0]


def test_classic_errors_are_text(classic):
    bad = list(COM_RANGE)
    bad[2] = ("I2", "C1", "Acme", dt.datetime(2026, 2, 28), NA_ERROR, "EUR", 500.0, 250.1, "Ann")
    result = classic("AR_AGING", tuple(bad), AS_OF, MISSING, MISSING, MISSING, MISSING)
    assert result == [["#VALUE! Invoices, row 3, column Due Date (due_date): not a date: '#N/A' (use YYYY-MM-DD)"]]


def test_classic_scalar_functions(classic):
    assert classic("AR_BUCKET", 46081.0, AS_OF, MISSING) == [["31-60"]]
    assert classic("AR_BUCKET", ((46112.0,), (46111.0,), (None,)), AS_OF, "30,60") == [["current"], ["1-30"], [""]]
    assert classic("AR_DAYS_PAST_DUE", dt.datetime(2025, 11, 30), 46112.0) == [[121]]
    assert round(classic("AR_DSO", COM_RANGE, 46082.0, 46112.0, MISSING, MISSING)[0][0], 1) == 56.0
    assert round(classic("AR_CEI", COM_RANGE, 46082.0, 46112.0, 2000.0, MISSING)[0][0], 1) == 63.3


def test_classic_registration_and_help(classic):
    info = classic.module.AR_AGING.__xlfunc__
    assert [a["name"] for a in info["args"]] == ["invoices", "as_of", "buckets", "basis", "group_by", "config",
                                                 "customers"]
    assert info["category"] == "AR collections"
    for fn in (classic.module.AR_AGING, classic.module.AR_BUCKET, classic.module.AR_DAYS_PAST_DUE,
               classic.module.AR_DSO, classic.module.AR_CEI):
        xlf = fn.__xlfunc__
        assert 0 < len(xlf["ret"]["doc"]) <= 255  # Excel's MacroOptions Description limit
        for a in xlf["args"]:
            assert not a["doc"].startswith("Positional argument") and len(a["doc"]) <= 255
    # the VBA wrapper classic xlwings imports into the workbook
    import io

    out = io.StringIO()
    classic.xludfs.generate_vba_wrapper("udfs.ar_functions", classic.module, out,
                                        types.SimpleNamespace(Name="collections.xlsm"))
    vba = out.getvalue()
    assert ("Function AR_AGING(invoices, Optional as_of, Optional buckets, Optional basis, Optional group_by, "
            "Optional config, Optional customers)") in vba
    assert "Function AR_CEI(invoices, period_start, period_end, beginning_ar, Optional config)" in vba


# --- xlwings Server: custom_functions_call with an Office.js payload -------------------

@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # test-only
    xs = importlib.import_module("xlwings.server")
    from xlwings.pro import _xlofficejs

    monkeypatch.setitem(xlwings.engines.engines_by_name, "officejs", xlwings.main.Engine(impl=_xlofficejs.engine))
    monkeypatch.setattr(xlwings, "func", xs.func)
    monkeypatch.setattr(xlwings, "arg", xs.arg)
    monkeypatch.setattr(xlwings, "ret", xs.ret)
    module = load_shell("ar_functions_server")

    def call(name, *args):
        payload = {
            "client": "Office.js",
            "func_name": name,
            "args": list(args),
            "caller_address": "[collections.xlsx]Aging!B2",
            "session_id": "test-session",
            "culture_info_name": "en-US",
            "date_format": "yyyy-mm-dd",
            "version": xlwings.__version__,
            "runtime": "1.4",
        }
        return asyncio.run(xs.custom_functions_call(payload, module))

    call.module, call.xs = module, xs
    return call


def officejs_range(rows):
    """Office.js sends a range as a list of row lists: dates as serial numbers, blanks as ''."""
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return (v.date() - dt.date(1899, 12, 30)).days
        return v
    return [[cell(v) for v in row] for row in rows]


def test_server_aging(server):
    invoices = officejs_range(COM_RANGE)
    assert server("AR_AGING", invoices, [[46112]], None, None, None, None) == BY_CUSTOMER
    by_invoice = server("AR_AGING", invoices, [[46112]], [["30,60,90,120"]], [["due"]], [["invoice"]], None)
    row = next(r for r in by_invoice if r[0] == "4512")
    # dates go back as Excel serials with the workbook's date format
    assert row[6] == {"type": "FormattedNumber", "basicValue": 45991, "numberFormat": "yyyy-mm-dd"}
    assert row[5] == 100.0 and row[7] == 121 and row[-2:] == [116.5, 116.5]


def test_server_scalar_functions_and_errors(server):
    invoices = officejs_range(COM_RANGE)
    assert server("AR_BUCKET", [[46081]], [[46112]], None) == [["31-60"]]
    assert server("AR_DAYS_PAST_DUE", [[46111], [46113]], [["2026-03-31"]]) == [[1], [-1]]
    assert round(server("AR_DSO", invoices, [[46082]], [[46112]], None, None)[0][0], 1) == 56.0
    assert round(server("AR_DSO", invoices, [[46082]], [[46112]], [["countback"]], None)[0][0], 1) == 79.7
    assert round(server("AR_CEI", invoices, [[46082]], [[46112]], [[2000]], None)[0][0], 1) == 63.3
    bad = [list(r) for r in invoices]
    bad[1][4] = "tomorrow"
    assert server("AR_AGING", bad, [[46112]], None, None, None, None) == [
        ["#VALUE! Invoices, row 2, column Due Date (due_date): not a date: 'tomorrow' (use YYYY-MM-DD)"]]


def test_server_function_metadata(server):
    meta = server.xs.custom_functions_meta(server.module)
    funcs = {f["name"]: f for f in meta["functions"]}
    assert {"AR_AGING", "AR_BUCKET", "AR_DAYS_PAST_DUE", "AR_DSO", "AR_CEI", "AR_PLAN"} <= set(funcs)
    aging = funcs["AR_AGING"]
    assert aging["description"].startswith("Aged open items")
    assert [(p["name"], p.get("optional", False)) for p in aging["parameters"]] == [
        ("invoices", False), ("as_of", True), ("buckets", True), ("basis", True), ("group_by", True), ("config", True),
        ("customers", True)]
    assert all(p["description"] and not p["description"].startswith("Positional") for p in aging["parameters"])


# --- AR_PLAN ---------------------------------------------------------------------------

PLAN_HEADER = spilled("installment_no", "due_date", "amount", "principal", "interest", "remaining_balance")


def test_plan_direct_month_ends_and_rounding():
    # 1,000.00 in 3: 333.33 + 333.33 + 333.34 (the cent left over goes on the last),
    # from 31 Jan 2027: 28 Feb (no 29th in 2027), 31 Mar.
    assert shell.AR_PLAN("1.000,00", 3, "2027-01-31") == [
        PLAN_HEADER,
        [1, dt.date(2027, 1, 31), 333.33, 333.33, 0.0, 666.67],
        [2, dt.date(2027, 2, 28), 333.33, 333.33, 0.0, 333.34],
        [3, dt.date(2027, 3, 31), 333.34, 333.34, 0.0, 0.0],
    ]


def test_plan_annuity_equals_excel_pmt():
    import numpy_financial as npf

    rows = shell.AR_PLAN(10000, 12, dt.datetime(2027, 1, 31), None, 0.08)
    pmt = round(-npf.pmt(0.08 / 12, 12, 10000), 2)  # Excel: =ROUND(PMT(8%/12,12,-10000),2) = 869.88
    assert pmt == 869.88
    assert [r[2] for r in rows[1:12]] == [pmt] * 11
    # first month's interest: 10,000.00 x 8% / 12 = 66.666.. -> 66.67
    assert rows[1][4] == 66.67 and rows[1][3] == 803.21
    assert rows[-1][5] == 0.0
    assert round(sum(r[2] for r in rows[1:]), 2) == round(10000 + sum(r[4] for r in rows[1:]), 2)


def test_plan_errors_are_text():
    assert shell.AR_PLAN(100, 0, "2027-01-31") == "#VALUE! installments must be between 1 and 600, not 0"
    assert shell.AR_PLAN("abc", 3, "2027-01-31").startswith("#VALUE! not an amount")


def test_plan_through_classic_and_server(classic, server):
    # with holiday_country NL: Saturday 27 March 2027 -> not Sunday 28 (Easter) nor Monday 29
    # (Easter Monday) but Tuesday 30 March; King's Day, Tuesday 27 April -> 28 April
    com = classic("AR_PLAN", 300.0, 3.0, dt.datetime(2027, 3, 27), MISSING, MISSING, MISSING, "NL", MISSING)
    assert [r[1] for r in com[1:]] == [dt.date(2027, 3, 30), dt.date(2027, 4, 28), dt.date(2027, 5, 27)]
    web = server("AR_PLAN", [[300]], [[3]], [[46473]], None, None, None, [["NL"]], None)
    assert [r[2] for r in web[1:]] == [100.0, 100.0, 100.0]
    assert web[2][1]["basicValue"] == (dt.date(2027, 4, 28) - dt.date(1899, 12, 30)).days


# --- AR_MATCH and AR_REFS ----------------------------------------------------------------

PAYMENTS_RANGE = (
    ("Payment ID", "Value Date", "Amount", "Currency", "Payer Name", "Payer IBAN", "Remittance"),
    ("P1", 46112.0, 1000.0, "EUR", "ACME BV", "NL91ABNA0417164300", "Factuur I1"),
    ("P2", 46112.0, 400.0, "EUR", "Bolt GmbH", "", "Rechnung Nr. I3"),
    ("P3", 46112.0, 12.34, "EUR", "Nobody", "", "thanks"),
    (None,) * 7,
)


def test_match_direct():
    rows = shell.AR_MATCH(PAYMENTS_RANGE, COM_RANGE)
    header, body = rows[0], rows[1:]
    assert header[:7] == spilled("payment_id", "invoice_id", "customer_id", "applied_amount", "confidence",
                                 "decision", "rank")
    by_payment = {}
    for r in body:
        by_payment.setdefault(r[0], []).append(dict(zip(names("Matches", header), r)))
    p1 = by_payment["P1"][0]
    assert (p1["invoice_id"], p1["applied_amount"], p1["decision"]) == ("I1", 1000.0, "auto")
    assert "ACME BV" in p1["evidence"] and "amount exact" in p1["evidence"]
    p2 = by_payment["P2"][0]
    assert (p2["invoice_id"], p2["applied_amount"]) == ("I3", 400.0)
    assert [(r["invoice_id"], r["decision"], r["rank"]) for r in by_payment["P3"]] == [("", "unmatched", None)]
    assert all(0 <= r["confidence"] <= 1 for rs in by_payment.values() for r in rs)


def test_refs_direct():
    assert shell.AR_REFS("Factuur 2026-004512, 4513 & 4519") == [
        ["reference", "kind"], ["2026-004512", "token"], ["4513", "token"], ["4519", "token"]]
    resolved = shell.AR_REFS("Rechnung Nr. 4512-4513", [
        ["Invoice ID", "Customer ID", "Invoice Date", "Due Date", "Currency", "Amount", "Open Amount"],
        ["2026-004512", "C1", "2026-09-01", "2026-10-01", "EUR", 100, 100],
        ["2026-004513", "C1", "2026-09-01", "2026-10-01", "EUR", 50, 50]])
    pointed = {r[0]: r[2] for r in resolved[1:] if r[2]}
    assert pointed == {"4512": "2026-004512", "4513": "2026-004513"}
    assert shell.AR_REFS("+++123/4567/89002+++") == [["reference", "kind"], ["123456789002", "structured"]]
    # bad check digits: not a structured reference, just a number that may still be an invoice's
    assert shell.AR_REFS("+++123/4567/89003+++") == [["reference", "kind"], ["123/4567/89003", "token"]]


def test_refs_of_a_cell_holding_a_number_reads_its_digits(classic):
    # Excel hands a number over as a float: the cell 12345 is 12345.0, read as the invoice id 12345
    invoices = (("Invoice ID", "Customer ID", "Invoice Date", "Due Date", "Currency", "Amount", "Open Amount"),
                (12345.0, "C1", 46082.0, 46112.0, "EUR", 100.0, 100.0),
                ("2026-004512", "C1", 46082.0, 46112.0, "EUR", 50.0, 50.0))
    assert classic("AR_REFS", 12345.0, invoices) == [["reference", "kind", "invoice_id", "how"],
                                                     ["12345", "token", "12345", "exact"]]
    assert classic("AR_REFS", 4512.0, invoices)[1][:3] == ["4512", "token", "2026-004512"]
    assert classic("AR_REFS", 12345.0, MISSING) == [["reference", "kind"], ["12345", "token"]]
    assert shell.AR_REFS(12345.0, invoices) == shell.AR_REFS("12345", invoices)


def test_match_and_refs_through_classic_and_server(classic, server):
    com = classic("AR_MATCH", PAYMENTS_RANGE, COM_RANGE, MISSING, MISSING)
    assert [r[:4] for r in com if r[0] == "P1"] == [["P1", "I1", "C1", 1000.0]]
    web = server("AR_MATCH", officejs_range(PAYMENTS_RANGE), officejs_range(COM_RANGE), None, None)
    assert [r[:4] for r in web if r[0] == "P2"] == [["P2", "I3", "C2", 400.0]]
    assert classic("AR_REFS", "Inv 4512 + 4513", MISSING) == [["reference", "kind"], ["4512", "token"], ["4513", "token"]]
    assert server("AR_REFS", [["Facture n° 2026-004512"]], None) == [["reference", "kind"], ["2026-004512", "token"]]


# --- AR_LATE_INTEREST --------------------------------------------------------------------

def test_late_interest_through_classic_and_server(classic, server):
    # 10,000.00 due 31 May 2025, until 31 July 2025, DE: 92.63 (June, 11.27%) + 87.22 (July, 10.27%)
    com = classic("AR_LATE_INTEREST", 10000.0, dt.datetime(2025, 5, 31), dt.datetime(2025, 7, 31), "DE", MISSING)
    assert [r[0] for r in com] == ["item", "interest", "compensation", "period 2025H1", "period 2025H2"]
    assert [r[6] for r in com[1:]] == [179.85, 40.0, 92.63, 87.22]
    web = server("AR_LATE_INTEREST", [[10000]], [[45808]], [[45869]], [["DE"]], None)  # 45808 = 31 May 2025
    assert [r[6] for r in web[1:]] == [179.85, 40.0, 92.63, 87.22]
    meta = {f["name"]: f for f in server.xs.custom_functions_meta(server.module)["functions"]}
    assert [(p["name"], p.get("optional", False)) for p in meta["AR_LATE_INTEREST"]["parameters"]] == [
        ("amount", False), ("due_date", False), ("until", True), ("country", True), ("config", True)]


# --- the workbook's own tables, as xlwings reads them ------------------------------------

@pytest.fixture
def table_range(monkeypatch):
    """``table_range(path, name)``: the Excel table ``name`` of a workbook file with its header row
    (``name[#All]``), as xlwings reads the range (its remote engine on the file, ``tests/xlwings_remote.py``)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # test-only
    import xlwings_remote as remote
    from xlwings.pro import _xlremote

    monkeypatch.setitem(xlwings.engines.engines_by_name, "remote", xlwings.main.Engine(impl=_xlremote.engine))

    def read(path, name):
        book = xlwings.Book(json=remote.payload(path))
        sheet = next(s for s in book.sheets if name in [t.name for t in s.tables])
        return tuple(tuple(r) for r in sheet.tables[name].range.value)

    return read


def test_match_on_the_workbooks_tables_proposes_for_the_payments_the_match_command_matches(
        tmp_path, classic, table_range):
    # P3 was applied in full before (nothing left: no row), P2 is ignored (its remittance names I3: no row),
    # P5 was applied in part (its 250.10 left pays I2), P4 was never applied (no unapplied amount: its amount)
    from ar_xl.cli import main
    from ar_xl.workbook import xlsx
    from helpers import seeded

    cols = ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
            "unapplied_amount", "status"]
    path = seeded(
        tmp_path / "collections.xlsx",
        Invoices=([r[:8] for r in COM_RANGE[1:6]], names("Invoices", HEADER[:8])),
        Payments=([("P1", "2026-03-31", "1000.00", "EUR", "ACME BV", "", "Factuur I1", "1000.00", "unapplied"),
                   ("P2", "2026-03-31", "400.00", "EUR", "Bolt GmbH", "", "Rechnung Nr. I3", "400.00", "ignored"),
                   ("P3", "2026-03-01", "249.90", "EUR", "ACME BV", "", "Factuur I2", "0.00", "applied"),
                   ("P4", "2026-03-31", "12.34", "EUR", "Nobody", "", "thanks", None, None),
                   ("P5", "2026-03-31", "500.00", "EUR", "ACME BV", "", "Factuur I2", "250.10", "partly applied")],
                  cols))
    got = classic("AR_MATCH", table_range(path, "Payments"), table_range(path, "Invoices"), MISSING, MISSING)
    header = names("Matches", got[0])
    proposed = [dict(zip(header, r)) for r in got[1:]]
    assert sorted({r["payment_id"] for r in proposed}) == ["P1", "P4", "P5"]
    assert not any("not an incoming amount" in r["evidence"] for r in proposed)
    p5 = next(r for r in proposed if r["payment_id"] == "P5")
    assert (p5["invoice_id"], p5["applied_amount"], p5["decision"]) == ("I2", 250.1, "auto")
    # the command on the same workbook: the same payments, the same proposals
    assert main(["match", str(path)]) == 0
    matches = xlsx.load(path).get("Matches")
    made = {(r.payment_id, r.invoice_id, r.decision, r.applied_amount / 100) for r in matches.itertuples()}
    assert made == {(r["payment_id"], r["invoice_id"] or "", r["decision"], r["applied_amount"]) for r in proposed}


def test_late_interest_without_a_country_takes_the_workbooks_config_dunning_interest_country(
        tmp_path, classic, table_range):
    # the setting the Aging interest takes for a customer without a country (README, Late-payment interest)
    import openpyxl
    from ar_xl.cli import main

    path = tmp_path / "collections.xlsx"
    assert main(["init", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = next(s for s in wb.worksheets if "Config" in s.tables)
    row = next(r for r in ws.iter_rows() if r[0].value == "dunning.interest_country")
    row[1].value = "FR"
    wb.save(path)
    config = table_range(path, "Config")
    # 10,000.00 due 31 May 2025, until 31 July 2025, FR (ECB + 10): 211.27
    got = classic("AR_LATE_INTEREST", 10000.0, dt.datetime(2025, 5, 31), dt.datetime(2025, 7, 31), MISSING, config)
    assert got[1][6] == 211.27 and "L441-10" in got[1][8]
    assert got == classic("AR_LATE_INTEREST", 10000.0, dt.datetime(2025, 5, 31), dt.datetime(2025, 7, 31), "FR",
                          config)
    row[1].value = None
    wb.save(path)
    empty = classic("AR_LATE_INTEREST", 10000.0, dt.datetime(2025, 5, 31), dt.datetime(2025, 7, 31), MISSING,
                    table_range(path, "Config"))
    assert empty == [["#VALUE! country is empty: pass NL, BE, DE, FR, LU or GB (or set Config "
                      "dunning.interest_country)"]]

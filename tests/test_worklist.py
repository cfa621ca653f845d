"""The worklist, as a collector checks it: who is on it, in what order, why, with which amounts and next
step; who is left out (live promise, plan in good standing, only disputed items, next action date ahead)
and the day each comes back.  Dates are fixed (the clock is pinned by conftest)."""
from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pandas as pd
import pytest

from ar_xl import clock, config as config_mod
from ar_xl.actions import worklist as action
from ar_xl.book import Book
from ar_xl.cli import main
from ar_xl.engine import worklist as engine
from ar_xl.workbook import xlsx
from helpers import header_names, frame, seeded

AS_OF = dt.date(2026, 11, 23)

CUSTOMERS = ([
    ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne", None, "ap@bakker.nl", "+31 20 555 0101"),
    ("C2", "Spedition Kühn GmbH", "", "DE", "de", "Markus", None, "buchhaltung@kuehn.de", ""),
    ("C3", "Hargreaves Freight Ltd", "", "GB", "en", "Sanne", None, "accounts@hargreaves.co.uk", ""),
    ("C4", "Plomberie Dupont SAS", "", "FR", "fr", "Julie", None, "", ""),
    ("C5", "Bos Interieurbouw B.V.", "NL02RABO0123456789", "NL", "nl", "Sanne", None, "", ""),
    ("C6", "Ateliers de Liège SRL", "", "BE", "fr", "Markus", "5000.00", "", ""),
    ("C7", "Van Dijk Transport", "", "NL", "nl", "Sanne", None, "", ""),
    ("C8", "Müller Bau AG", "", "DE", "de", "Sanne", None, "", ""),
], ["customer_id", "customer_name", "iban", "country", "language", "collector", "credit_limit", "email", "phone"])

INVOICES = ([
    ("2026-0001", "C1", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),   # 84 days
    ("2026-0002", "C1", "2026-10-01", "2026-10-31", "EUR", "300.00", "300.00", "open"),     # 23 days
    ("2026-0003", "C2", "2026-10-01", "2026-10-31", "EUR", "999.99", "999.99", "open"),     # promised
    ("2026-0004", "C3", "2026-10-02", "2026-11-01", "GBP", "1000.00", "1000.00", "open"),   # follow-up 27 Nov
    ("2026-0005", "C4", "2026-09-01", "2026-09-30", "EUR", "5000.00", "5000.00", "open"),   # disputed
    ("2026-0006", "C5", "2026-08-16", "2026-09-15", "EUR", "2000.00", "2000.00", "on plan"),
    ("2026-0007", "C6", "2026-10-14", "2026-11-13", "EUR", "8000.00", "8000.00", "open"),   # over limit
    ("2026-0008", "C7", "2026-12-01", "2026-12-31", "EUR", "4000.00", "4000.00", "open"),   # not due
    ("2026-0009", "C8", "2026-09-15", "2026-10-15", "EUR", "700.00", "700.00", "open"),     # 39 days
    ("CN-0001", "C8", "2026-10-20", "2026-10-20", "EUR", "-200.00", "-200.00", "open"),     # credit note
], ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"])

PROMISES = ([("PTP-000001", "C2", "2026-0003", "999.99", "EUR", "2026-11-30", "Markus", "2026-11-16", None, "open")],
            ["promise_id", "customer_id", "invoice_ids", "amount", "currency", "promised_date", "logged_by",
             "logged_on", "received", "status"])

PLANS = ([
    ("P-000001", "C5", "2026-0006", 1, "2026-11-15", "1000.00", "1000.00", "0.00", "paid", "active"),
    ("P-000001", "C5", "2026-0006", 2, "2026-12-15", "1000.00", "0.00", "1000.00", "open", "active"),
], ["plan_id", "customer_id", "invoice_ids", "installment_no", "due_date", "amount", "paid", "open", "status",
    "plan_status"])

PAYMENTS = ([("BNK-1", "2026-11-14", "1000.00", "EUR", "BOS INTERIEURBOUW", "NL02RABO0123456789", "termijn 1")],
            ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance"])

DISPUTES = ([("D-000001", "C4", "2026-0005", "5000.00", "EUR", "price", "Sales", "open", "2026-10-05", "2026-11-30")],
            ["dispute_id", "customer_id", "invoice_ids", "amount", "currency", "reason", "owner", "status", "opened",
             "sla_due"])

ACTIVITIES = ([
    ("A-000001", "2026-11-20 10:00", "sanne", "C3", "call", "will check with AP", "2026-11-27"),
    ("A-000002", "2026-11-20 11:00", "markus", "C6", "call", "asked for a copy invoice", None),
], ["activity_id", "at", "user", "customer_id", "channel", "outcome", "next_action_date"])

TABLES = dict(Customers=CUSTOMERS, Invoices=INVOICES, Promises=PROMISES, Plans=PLANS, Payments=PAYMENTS,
              Disputes=DISPUTES, Activities=ACTIVITIES)


@pytest.fixture
def book():
    return Book(tables={name: frame(name, *body) for name, body in TABLES.items()}, source="test")


def listed(book, as_of=AS_OF, **kw):
    return action.table(book, as_of, **kw).set_index("customer_id")


def test_who_is_on_the_list_and_in_what_order(book):
    wl = action.table(book, AS_OF)
    assert list(wl["customer_id"]) == ["C6", "C1", "C8"]
    assert list(wl["rank"]) == [1, 2, 3]
    assert list(wl["score"]) == sorted(wl["score"], reverse=True)


def test_reasons_in_words(book):
    wl = listed(book)
    assert wl.loc["C1", "reason"] == "EUR 1,500.50 overdue, EUR 1,200.50 over 60 days; never contacted"
    assert wl.loc["C6", "reason"] == "EUR 8,000.00 overdue up to 30 days; over credit limit by EUR 3,000.00"
    assert wl.loc["C8", "reason"] == "EUR 700.00 over 30 days; never contacted"


def test_scores_follow_the_config_weights(book):
    wl = listed(book)
    # C1: 1,200.50 in 61-90 x 2 + 300.00 in 1-30 x 1 (per 1,000) + no contact 15
    assert wl.loc["C1", "score"] == pytest.approx(round(1.2005 * 2 + 0.3 * 1 + 15, 1))
    # C6: 8,000.00 in 1-30 x 1 + over limit 30
    assert wl.loc["C6", "score"] == pytest.approx(38.0)


def test_amounts_oldest_item_contact_and_next_step(book):
    wl = listed(book)
    c1 = wl.loc["C1"]
    assert (c1["currency"], c1["open_amount"], c1["overdue_amount"]) == ("EUR", 150050, 150050)
    assert (c1["open_amount_base"], c1["overdue_amount_base"]) == (150050, 150050)
    assert (c1["oldest_invoice_id"], c1["oldest_due_date"].date(), c1["days_past_due"]) == \
        ("2026-0001", dt.date(2026, 8, 31), 84)
    assert (c1["phone"], c1["email"], c1["collector"]) == ("+31 20 555 0101", "ap@bakker.nl", "Sanne")
    assert c1["next_step"] == "reminder level 3"
    c6 = wl.loc["C6"]
    assert c6["next_step"] == "credit hold"
    assert (c6["last_contact"].date(), c6["last_outcome"]) == (dt.date(2026, 11, 20), "asked for a copy invoice")
    c8 = wl.loc["C8"]
    assert c8["next_step"] == "statement"  # a credit note to set against the overdue invoice
    assert (c8["open_amount"], c8["overdue_amount"]) == (50000, 70000)


def test_a_live_promise_leaves_the_customer_out_until_it_breaks(book):
    assert "C2" not in listed(book).index
    assert "C2" not in listed(book, dt.date(2026, 12, 3)).index  # 30 Nov + 3 days grace: still live
    back = listed(book, dt.date(2026, 12, 4))
    assert back.loc["C2", "reason"].endswith("promise of 30 Nov broken; never contacted")
    assert back.loc["C2", "next_step"] == "call"


def test_a_broken_promise_counts_until_the_customer_is_contacted(book):
    book.tables["Activities"] = frame("Activities", [
        ("A-000001", "2026-11-20 10:00", "sanne", "C3", "call", "will check with AP", "2026-11-27"),
        ("A-000002", "2026-11-20 11:00", "markus", "C6", "call", "asked for a copy invoice", None),
        ("A-000003", "2026-12-04 09:00", "markus", "C2", "call", "pays next week", None)], list(ACTIVITIES[1]))
    wl = listed(book, dt.date(2026, 12, 4))
    # followed up today: the promise no longer counts; still overdue, so still listed
    assert wl.loc["C2", "reason"] == "EUR 999.99 over 30 days"


def test_a_next_action_date_ahead_leaves_out_until_it_comes(book):
    assert "C3" not in listed(book).index
    due = listed(book, dt.date(2026, 11, 27)).loc["C3"]
    assert due["reason"] == "EUR 1,165.00 overdue up to 30 days; next action due today"
    assert (due["currency"], due["open_amount"], due["open_amount_base"]) == ("GBP", 100000, 116500)
    assert due["next_step"] == "call"
    later = listed(book, dt.date(2026, 11, 28)).loc["C3"]
    assert later["reason"].endswith("next action due since 27 Nov")


def test_a_broken_promise_overrides_a_next_action_date_ahead(book):
    book.tables["Promises"] = frame("Promises", [
        *PROMISES[0], ("PTP-000002", "C3", "2026-0004", "1000.00", "GBP", "2026-11-18", "Sanne", "2026-11-10", None,
                       "open")], PROMISES[1])
    wl = listed(book)
    assert wl.loc["C3", "reason"] == "EUR 1,165.00 overdue up to 30 days; promise of 18 Nov broken"
    assert wl.loc["C3", "next_step"] == "call"


def test_an_overdue_invoice_the_promise_does_not_name_lists_the_customer(book):
    book.tables["Invoices"] = frame("Invoices", [*INVOICES[0], (
        "2026-0010", "C2", "2026-10-05", "2026-11-04", "EUR", "250.00", "250.00", "open")], INVOICES[1])
    wl = listed(book)
    assert wl.loc["C2", "reason"] == "EUR 250.00 overdue up to 30 days; never contacted"
    assert wl.loc["C2", "overdue_amount"] == 99999 + 25000  # the promised invoice is still overdue money


def test_only_disputed_items_leave_out_until_the_sla_passes(book):
    assert "C4" not in listed(book).index
    assert "C4" not in listed(book, dt.date(2026, 11, 30)).index
    back = listed(book, dt.date(2026, 12, 1)).loc["C4"]
    assert back["reason"].startswith("dispute D-000001 past SLA (due 30 Nov)")
    assert back["overdue_amount_base"] == 0  # disputed money is not overdue money


def test_a_plan_in_good_standing_leaves_out_until_an_installment_is_missed(book):
    assert "C5" not in listed(book).index
    assert "C5" not in listed(book, dt.date(2026, 12, 20)).index  # 15 Dec + 5 days grace
    back = listed(book, dt.date(2026, 12, 21)).loc["C5"]
    assert "installment 2 of plan P-000001 missed (due 15 Dec)" in back["reason"]
    assert back["next_step"] == "call"


def test_an_unpaid_installment_breaks_the_plan_without_waiting_for_update_plans(book):
    plans = book.tables["Plans"]
    plans.loc[plans["installment_no"] == 1, ["paid", "status"]] = [0, "open"]  # as Update plans left it
    wl = listed(book)
    assert "installment 1 of plan P-000001 missed (due 15 Nov)" in wl.loc["C5", "reason"]


def test_one_collector(book):
    wl = action.table(book, AS_OF, collector="sanne")
    assert list(wl["customer_id"]) == ["C1", "C8"]
    assert set(wl["collector"]) == {"Sanne"}


def test_status_disputed_without_a_dispute_log_does_not_hide_the_customer(book):
    """An invoice's state comes from the Disputes log (README, issue 12 §2): a status typed
    'disputed' with no live dispute behind it does not take the customer off the list."""
    inv = book.tables["Invoices"]
    inv.loc[inv["invoice_id"] == "2026-0009", "status"] = "disputed"
    assert "C8" in listed(book).index


def test_config_weights_and_days(book):
    rows = frame("Config", [("worklist.no_contact_days", "0"), ("worklist.over_limit", "0"),
                            ("worklist.age_weights", "10"), ("worklist.reminder_days", "1,90"),
                            ("worklist.legal_days", "80")], ["setting", "value"])
    book.tables["Config"] = rows
    wl = listed(book)
    assert wl.loc["C6", "score"] == pytest.approx(80.0 + 15)  # contacted 3 days ago >= 0 days
    assert wl.loc["C6", "reason"].endswith("last contact 3 days ago")
    assert wl.loc["C1", "next_step"] == "legal"
    assert wl.loc["C8", "next_step"] == "statement"


def test_a_bad_config_weight_names_the_row():
    rows = frame("Config", [("worklist.age_weights", "high")], ["setting", "value"])
    with pytest.raises(Exception) as e:
        config_mod.from_rows(rows, "book.xlsx sheet Config")
    assert "worklist.age_weights" in str(e.value) and "book.xlsx sheet Config" in str(e.value)


def test_the_engine_alone_with_no_logs():
    inv = frame("Invoices", *INVOICES)
    wl = engine.build(inv, frame("Customers", *CUSTOMERS), AS_OF)
    # without the dispute log C4's invoice is overdue; without the promise and plan C2 and C5 are too
    assert set(wl["customer_id"]) == {"C1", "C2", "C3", "C4", "C5", "C6", "C8"}
    assert list(wl.columns) == engine.COLUMNS


# ------------------------------------------------------------------ the command and the workbook

@pytest.fixture
def wb(tmp_path):
    return seeded(tmp_path / "collections.xlsx", **TABLES)


def test_cli_writes_the_worklist_table(wb, capsys):
    assert main(["worklist", str(wb), "--as-of", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "3 customer(s) to act on" in out and "1. C6 Ateliers de Liège SRL (credit hold)" in out
    ws = openpyxl.load_workbook(wb)["Worklist"]
    header = header_names(ws)
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    assert [r["customer_id"] for r in rows] == ["C6", "C1", "C8"]
    assert rows[1]["overdue_amount_base"] == pytest.approx(1500.50)
    assert rows[1]["reason"] == "EUR 1,500.50 overdue, EUR 1,200.50 over 60 days; never contacted"
    book = xlsx.load(wb)
    assert len(book.get("Worklist")) == 3
    # run again for one collector: the derived table is replaced whole, nothing left behind
    assert main(["worklist", str(wb), "--collector", "Markus", "--as-of", "2026-11-23"]) == 0
    assert list(xlsx.load(wb).get("Worklist")["customer_id"]) == ["C6"]


def _add_own_column(path, header, values):
    """A person's own column to the right of the Worklist table, values by customer id (as in Excel)."""
    from openpyxl.utils import get_column_letter, range_boundaries
    from openpyxl.worksheet.table import TableColumn
    w = openpyxl.load_workbook(path)
    ws = w["Worklist"]
    tbl = next(iter(ws.tables.values()))
    c1, r1, c2, r2 = range_boundaries(tbl.ref)
    ids = header_names(ws).index("customer_id") + c1
    ws.cell(r1, c2 + 1).value = header
    for r in range(r1 + 1, r2 + 1):
        ws.cell(r, c2 + 1).value = values.get(ws.cell(r, ids).value)
    tbl.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2 + 1)}{r2}"
    tbl.autoFilter.ref = tbl.ref
    tbl.tableColumns.append(TableColumn(id=len(tbl.tableColumns) + 1, name=header))
    w.save(path)


def test_a_persons_own_column_stays_with_its_customer_and_a_dropped_row_goes_to_audit(wb, capsys):
    assert main(["worklist", str(wb), "--as-of", "2026-11-23"]) == 0
    _add_own_column(wb, "My note", {"C1": "lawyer letter ready", "C6": "DO NOT CALL - insolvency filed"})
    assert main(["worklist", str(wb), "--as-of", "2026-11-23"]) == 0  # the same list again
    wl = xlsx.load(wb).get("Worklist")
    assert dict(zip(wl["customer_id"], wl["My note"].fillna(""))) == {
        "C6": "DO NOT CALL - insolvency filed", "C1": "lawyer letter ready", "C8": ""}
    capsys.readouterr()
    # one collector's list: C1 (Sanne's) is no longer listed; its note is not lost without a word
    assert main(["worklist", str(wb), "--collector", "Markus", "--as-of", "2026-11-23"]) == 0
    err = capsys.readouterr().err
    assert "Worklist: C1 is no longer listed, so its 'My note' ('lawyer letter ready') has no row" in err
    book = xlsx.load(wb)
    wl = book.get("Worklist")
    assert list(wl["customer_id"]) == ["C6"] and list(wl["My note"]) == ["DO NOT CALL - insolvency filed"]
    audit = book.get("Audit")
    kept = audit[(audit["table"] == "Worklist") & (audit["key"] == "C1")]
    assert list(kept["column"]) == ["My note"] and list(kept["old_value"]) == ["lawyer letter ready"]


def test_cli_out_csv_and_xlsx_leave_the_workbook_as_it_was(wb, tmp_path):
    before = wb.read_bytes()
    out = tmp_path / "today.csv"
    assert main(["worklist", str(wb), "--collector", "Sanne", "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["customer_id"] for r in rows] == ["C1", "C8"]
    assert rows[0]["open_amount_base"] == "1500.50" and rows[0]["as_of"] == clock.today().isoformat()
    assert wb.read_bytes() == before
    xl = tmp_path / "today.xlsx"
    assert main(["worklist", str(wb), "--out", str(xl)]) == 0
    assert openpyxl.load_workbook(xl)["Worklist"]["B2"].value == "C6"
    assert main(["worklist", str(wb), "--out", str(xl)]) == 2  # exists: needs --force
    assert main(["worklist", str(wb), "--out", str(xl), "--force"]) == 0
    assert main(["worklist", str(wb), "--out", str(wb), "--force"]) == 2  # never the workbook itself
    assert wb.read_bytes() == before


def test_an_unknown_collector_is_named_and_nothing_changes(wb, capsys):
    before = wb.read_bytes()
    assert main(["worklist", str(wb), "--collector", "Sane"]) == 2
    err = capsys.readouterr().err
    assert "no customer has the collector 'Sane'" in err and "Markus, Sanne" in err
    assert wb.read_bytes() == before


def test_an_old_workbook_without_the_worklist_sheet_gets_one(wb):
    w = openpyxl.load_workbook(wb)
    del w["Worklist"]
    w.save(wb)
    assert xlsx.load(wb).has("Worklist") is False
    assert main(["refresh", str(wb)]) == 0  # other actions do not miss it
    assert main(["worklist", str(wb)]) == 0
    assert list(xlsx.load(wb).get("Worklist")["customer_id"]) == ["C6", "C1", "C8"]


def test_collector_for_user(book):
    book.tables["Config"] = frame("Config", [("user.JDOE", "Markus")], ["setting", "value"])
    assert action.collector_for_user(book, "jdoe") == "Markus"
    assert action.collector_for_user(book, "sanne") == "Sanne"  # a collector's own name
    with pytest.raises(Exception) as e:
        action.collector_for_user(book, "nobody")
    assert "user.nobody" in str(e.value)


def test_a_customer_in_two_currencies_has_amounts_in_base_only(book):
    book.tables["Invoices"] = frame("Invoices", [*INVOICES[0], (
        "2026-0011", "C1", "2026-10-01", "2026-10-31", "GBP", "100.00", "100.00", "open")], INVOICES[1])
    c1 = listed(book).loc["C1"]
    assert c1["currency"] == "EUR, GBP"
    assert pd.isna(c1["open_amount"]) and pd.isna(c1["overdue_amount"])
    assert (c1["open_amount_base"], c1["overdue_amount_base"]) == (150050 + 11650, 150050 + 11650)
    assert c1["reason"].startswith("EUR 1,617.00 overdue, EUR 1,200.50 over 60 days")


def test_credit_notes_that_cover_the_overdue_money_make_the_next_step_allocate_credit_never_legal():
    cols = ["invoice_id", "customer_id", "invoice_date", "due_date", "currency", "amount", "open_amount", "status"]
    inv = frame("Invoices", [
        ("W1", "C-W", "2026-05-25", "2026-06-24", "EUR", "649.13", "649.13", "open"),      # 152 days: legal age
        ("CN-W", "C-W", "2026-11-06", "2026-11-06", "EUR", "-3157.76", "-3157.76", "open"),
        ("G1", "C-G", "2026-05-25", "2026-06-24", "EUR", "649.13", "649.13", "open"),
        ("CN-G", "C-G", "2026-11-06", "2026-11-06", "GBP", "-3157.76", "-3157.76", "open"),  # not set off in EUR
    ], cols)
    wl = engine.build(inv, frame("Customers", [("C-W", "De Wit"), ("C-G", "Gbp Credit Ltd")],
                                 ["customer_id", "customer_name"]), AS_OF).set_index("customer_id")
    assert wl.loc["C-W", "next_step"] == "allocate credit"
    assert wl.loc["C-W", "reason"] == "EUR 649.13 over 120 days; never contacted; credit notes EUR 3,157.76 cover it"
    assert wl.loc["C-G", "next_step"] == "legal"

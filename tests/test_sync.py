"""``ar-xl sync``: ERP exports in, workbook upserted (issue 12 part 1).

The exports are written by ``tests/erp_exports.py`` the way SAP, DATEV, Exact, AFAS, Sage, Odoo,
ERPNext and Business Central write them; the tests check what a collector would see in the
workbook after each sync."""
from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest

from ar_xl import cli, synonyms
from ar_xl.erp import export as erp_export
from ar_xl.actions import sync
from ar_xl.book import Book, Change
from ar_xl.engine import sync as engine
from ar_xl.errors import InputError
from ar_xl.workbook import xlsx

import erp_exports as erp
from erp_exports import Item
from helpers import frame, row, seeded

D = dt.date

ITEMS = [
    Item("90001001", "10100", "Bakker Logistiek B.V.", D(2026, 10, 1), D(2026, 10, 31), "EUR", 120000, 120000, "RF18 5390 0754 7034"),
    Item("90001002", "10100", "Bakker Logistiek B.V.", D(2026, 10, 14), D(2026, 11, 13), "EUR", 30000, 30000),
    Item("90001003", "10200", "Spedition Kühn GmbH", D(2026, 10, 20), D(2026, 11, 19), "EUR", 123456789, 99999),
    Item("90001005", "10300", "Hargreaves Freight Ltd", D(2026, 11, 2), D(2026, 12, 2), "GBP", 45000, 45000),
    Item("16000001", "10100", "Bakker Logistiek B.V.", D(2026, 11, 5), D(2026, 11, 5), "EUR", -10000, -10000),
]


# ------------------------------------------------------------------ reading every layout

@pytest.mark.parametrize("layout", sorted(erp.LAYOUTS))
def test_every_layout_reads_to_the_same_open_items(layout, tmp_path):
    path = erp.write(layout, ITEMS, tmp_path)
    got = erp_export.read(path, "Invoices", erp.MAPPING.get(layout))
    df = got.frame
    assert df["invoice_id"].tolist() == [i.invoice_id for i in ITEMS]
    assert df["customer_id"].tolist() == [i.customer_id for i in ITEMS]
    assert df["open_amount"].tolist() == [i.open for i in ITEMS]
    assert df["due_date"].dt.date.tolist() == [i.due_date for i in ITEMS]
    assert df["invoice_date"].dt.date.tolist() == [i.invoice_date for i in ITEMS]
    assert df["currency"].tolist() == [i.currency for i in ITEMS]
    if "amount" in got.present:
        assert df["amount"].tolist() == [i.amount for i in ITEMS]
    else:  # SAP's open-items list has one amount: the open one, the original amount of a new invoice
        assert layout == "sap_fbl5n_de" and df["amount"].tolist() == [i.open for i in ITEMS]
        assert got.columns["open_amount"] == "Betrag in Belegwährung"
    if layout not in ("odoo_xlsx",):
        assert df["customer_name"].iloc[2] == "Spedition Kühn GmbH"


def test_the_synonyms_table_gives_each_header_one_meaning():
    for name, table in synonyms.TABLES.items():
        seen = {}
        for col, names in table.items():
            for k in synonyms.keys(names):
                assert seen.setdefault(k, col) == col, f"{name}: {k!r} means {seen[k]} and {col}"


def test_the_headers_named_in_the_issue_are_recognised():
    headers = ["Belegnummer", "Fälligkeit", "Offener Betrag", "Factuurnummer", "Vervaldatum", "Openstaand",
               "N° facture", "Échéance", "Montant restant", "Document Number", "Net due date",
               "Amount in local currency"]
    want = ["invoice_id", "due_date", "open_amount", "invoice_id", "due_date", "open_amount", "invoice_id",
            "due_date", "open_amount", "invoice_id", "due_date", "amount"]
    for h, w in zip(headers, want):
        assert synonyms.resolve([h], synonyms.INVOICES) == {w: 0}, h


def test_a_mapping_naming_a_missing_column_is_refused_with_the_files_columns(tmp_path):
    path = erp.write("exact_nl", ITEMS, tmp_path)
    with pytest.raises(InputError) as e:
        erp_export.read(path, "Invoices", {"due_date": "Zahlungsziel"})
    msg = str(e.value)
    assert "exact_nl.csv" in msg and "'Zahlungsziel'" in msg and "'Vervaldatum'" in msg and "'Openstaand'" in msg
    with pytest.raises(InputError, match="no column 'colour' to map"):
        erp_export.read(path, "Invoices", {"colour": "Naam"})


def test_odoo_without_a_mapping_says_which_column_to_name(tmp_path):
    path = erp.write("odoo_xlsx", ITEMS, tmp_path)
    with pytest.raises(InputError, match=r"customer_id.*--map"):
        erp_export.read(path, "Invoices")


def test_bad_rows_are_all_reported_with_file_row_and_column(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text("Factuurnummer;Debiteur;Factuurdatum;Vervaldatum;Bedrag;Openstaand\n"
                    "F1;C1;01-10-2026;31-10-2026;100,00;100,00\n"
                    "F2;C1;01-10-2026;soon;100,00;100,00\n"
                    "F3;C1;01-10-2026;31-10-2026;1OO,00;100,00\n"
                    ";C1;01-10-2026;31-10-2026;5,00;5,00\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        erp_export.read(path, "Invoices")
    text = str(e.value)
    assert "open.csv, row 3, column due_date: not a date: 'soon'" in text
    assert "open.csv, row 4, column amount" in text
    assert "open.csv, row 5, column invoice_id: is empty" in text


# ------------------------------------------------------------------ the proof: three successive exports

def _sync(path, export, as_of, **kw):
    book = xlsx.load(path)
    change = sync.run(book, export, as_of=as_of, **kw)
    xlsx.save(book, change)
    return change, xlsx.load(path)


def _inv(book):
    return book.get("Invoices").set_index("invoice_id")


def _people_edit(path, **cells):
    """A collector types in the workbook (invoice id -> {column: value})."""
    book = xlsx.load(path)
    inv = book.get("Invoices").copy()
    for iid, values in cells.items():
        for c, v in values.items():
            inv.loc[inv["invoice_id"] == iid, c] = v
    ch = Change("person")
    ch.tables["Invoices"] = inv
    xlsx.save(book, ch)


def _ar_xl_applies(path, allocations):
    """ar-xl's cash application as ``match``/``apply`` leaves it: Matches rows applied, open amounts lowered."""
    book = xlsx.load(path)
    inv = book.get("Invoices").copy()
    rows = []
    for n, (pid, iid, cents) in enumerate(allocations, 1):
        k = inv.index[inv["invoice_id"] == iid][0]
        inv.loc[k, "open_amount"] -= cents
        inv.loc[k, "status"] = "paid" if inv.loc[k, "open_amount"] == 0 else inv.loc[k, "status"]
        rows.append((f"M-{n:06d}", pid, iid, inv.loc[k, "customer_id"], f"{cents / 100:.2f}", "auto", "TRUE"))
    ch = Change("match")
    ch.tables["Invoices"] = inv
    ch.tables["Matches"] = frame("Matches", rows, ["match_id", "payment_id", "invoice_id", "customer_id",
                                                   "applied_amount", "decision", "applied"])
    xlsx.save(book, ch)


def test_three_successive_sap_exports(tmp_path):
    """New, paid, partly paid and credited items over three SAP FBL5N exports; after each sync the
    workbook holds what the collector expects, and what people typed stays."""
    wb = tmp_path / "collections.xlsx"
    xlsx.create(wb)
    # ---- export 1: five items
    e1 = erp.write("sap_fbl5n_de", ITEMS[:2] + [
        Item("90001003", "10200", "Spedition Kühn GmbH", D(2026, 10, 20), D(2026, 11, 19), "EUR", 99999, 99999),
        Item("90001004", "10200", "Spedition Kühn GmbH", D(2026, 10, 22), D(2026, 11, 21), "EUR", 250000, 250000),
    ] + ITEMS[3:], tmp_path / "fbl5n-1101.txt")
    change, book = _sync(wb, e1, D(2026, 11, 1))
    assert change.counts["new"] == 6 and change.counts["customers_new"] == 3
    inv = _inv(book)
    assert inv.loc["16000001", "open_amount"] == -10000
    assert set(inv["status"]) == {"open"}
    assert "open EUR: 0.00 -> 4,899.99" in change.summary and "open GBP: 0.00 -> 450.00" in change.summary
    cust = book.get("Customers").set_index("customer_id")
    assert cust.loc["10200", "customer_name"] == "Spedition Kühn GmbH"

    # ---- people work: a collector, a note, a dispute status; ar-xl applies two payments
    _people_edit(wb, **{"90001001": {"collector": "Anna"}, "90001003": {"note": "called 3/11, pays half"},
                        "90001004": {"status": "legal"}})
    _ar_xl_applies(wb, [("P-1", "90001002", 30000), ("P-2", "90001001", 20000)])

    # ---- export 2: the ERP booked P-1 (90001002 gone), not P-2; 90001003 partly paid in the ERP; the
    # credit note was settled in the ERP; 90001004 got a new due date; two new invoices, one new customer
    e2 = erp.write("sap_fbl5n_de", [
        ITEMS[0],
        Item("90001003", "10200", "Spedition Kühn GmbH", D(2026, 10, 20), D(2026, 11, 19), "EUR", 50000, 50000),
        Item("90001004", "10200", "Spedition Kühn GmbH", D(2026, 10, 22), D(2026, 12, 31), "EUR", 250000, 250000),
        ITEMS[3],
        Item("90001006", "10300", "Hargreaves Freight Ltd", D(2026, 11, 10), D(2026, 12, 10), "GBP", 100000, 100000),
        Item("90001007", "10400", "Dupont SA", D(2026, 11, 12), D(2026, 12, 12), "EUR", 75000, 75000),
    ], tmp_path / "fbl5n-1115.txt")
    change, book = _sync(wb, e2, D(2026, 11, 15))
    inv = _inv(book)
    c = change.counts
    assert (c["new"], c["changed"], c["closed"], c["unchanged"]) == (2, 2, 1, 2), change.summary
    assert inv.loc["90001001", "open_amount"] == 100000  # the ERP has not booked P-2: our 1,000.00 stays
    # P-1 paid 90001002; the ERP booked it, so it is gone from the export: paid, not closed by the ERP
    assert inv.loc["90001002", "open_amount"] == 0 and inv.loc["90001002", "status"] == "paid"
    assert inv.loc["90001003", "open_amount"] == 50000 and inv.loc["90001003", "note"] == "called 3/11, pays half"
    assert inv.loc["90001004", "due_date"] == pd.Timestamp("2026-12-31") and inv.loc["90001004", "status"] == "legal"
    assert inv.loc["16000001", "open_amount"] == 0 and inv.loc["16000001", "status"] == "closed in ERP"
    assert inv.loc["90001001", "collector"] == "Anna"
    assert inv.loc["90001007", "status"] == "open" and inv.loc["90001007", "customer_name"] == "Dupont SA"
    assert len(inv) == 8  # nothing deleted
    m = book.get("Matches").set_index("match_id")
    assert m.loc["M-000001", "flags"] == "booked in ERP" and m.loc["M-000002", "flags"] == ""
    assert "open EUR: 4,399.99 -> 4,750.00" in change.summary and "open GBP: 450.00 -> 1,450.00" in change.summary
    assert "10400" in set(book.get("Customers")["customer_id"])

    # ---- export 3: the ERP booked P-2; 90001003 paid in full; 90001004 credited in the ERP (the person's
    # status 'legal' stays, the summary shows both); 90001005 partly paid; one new invoice
    e3 = erp.write("sap_fbl5n_de", [
        Item("90001001", "10100", "Bakker Logistiek B.V.", D(2026, 10, 1), D(2026, 10, 31), "EUR", 100000, 100000),
        Item("90001005", "10300", "Hargreaves Freight Ltd", D(2026, 11, 2), D(2026, 12, 2), "GBP", 25000, 25000),
        Item("90001006", "10300", "Hargreaves Freight Ltd", D(2026, 11, 10), D(2026, 12, 10), "GBP", 100000, 100000),
        Item("90001007", "10400", "Dupont SA", D(2026, 11, 12), D(2026, 12, 12), "EUR", 75000, 75000),
        Item("90001008", "10200", "Spedition Kühn GmbH", D(2026, 11, 29), D(2026, 12, 29), "EUR", 8000, 8000),
    ], tmp_path / "fbl5n-1130.txt")
    change, book = _sync(wb, e3, D(2026, 11, 30))
    inv = _inv(book)
    assert inv.loc["90001001", "open_amount"] == 100000  # booked now: still 1,000.00, never 800.00
    assert book.get("Matches").set_index("match_id").loc["M-000002", "flags"] == "booked in ERP"
    assert change.counts["booked"] == 1
    assert inv.loc["90001003", "open_amount"] == 0 and inv.loc["90001003", "status"] == "closed in ERP"
    assert inv.loc["90001003", "note"] == "called 3/11, pays half"
    assert inv.loc["90001004", "open_amount"] == 0 and inv.loc["90001004", "status"] == "legal"
    assert "Invoices 90001004 status: kept 'legal' (ERP: 'closed')" in change.summary
    assert inv.loc["90001005", "open_amount"] == 25000
    assert "open EUR: 4,750.00 -> 1,830.00" in change.summary and "open GBP: 1,450.00 -> 1,250.00" in change.summary
    assert inv.loc["90001001", "collector"] == "Anna" and len(inv) == 9

    # every change is in Audit, with the export it came from
    audit = book.get("Audit")
    mine = audit[audit["action"] == "sync"]
    r = row(mine[mine["rule"].str.contains("fbl5n-1130.txt")], key="90001005", column="open_amount")
    assert (r["old_value"], r["new_value"]) == ("450.00", "250.00")
    assert len(mine[mine["key"] == "90001008"]) == 1


def test_a_dry_run_shows_the_same_summary_and_writes_nothing(tmp_path, capsys):
    wb = seeded(tmp_path / "c.xlsx")
    export = erp.write("exact_nl", ITEMS, tmp_path)
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    assert cli.main(["sync", str(wb), "--invoices", str(export), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before
    assert dry.startswith("dry run: nothing was written\n")
    assert cli.main(["sync", str(wb), "--invoices", str(export)]) == 0
    real = capsys.readouterr().out
    assert dry.split("\n", 1)[1] == real
    assert "5 new, 0 changed, 0 closed in ERP, 0 unchanged" in real


def test_refused_input_changes_nothing(tmp_path, capsys):
    wb = seeded(tmp_path / "c.xlsx")
    export = erp.write("exact_nl", ITEMS, tmp_path)
    cli.main(["sync", str(wb), "--invoices", str(export)])
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    capsys.readouterr()
    dup = tmp_path / "dup.csv"
    dup.write_text("Factuur;Relatie;Datum;Vervaldatum;Bedrag\nF1;C1;01-10-2026;31-10-2026;1,00\n"
                   "F1;C1;01-10-2026;31-10-2026;2,00\n", encoding="utf-8")
    assert cli.main(["sync", str(wb), "--invoices", str(dup)]) == 2
    assert "dup.csv, row 3, column invoice_id: invoice_id 'F1' is also on row 2" in capsys.readouterr().err
    assert cli.main(["sync", str(wb), "--invoices", str(export), "--map", "due_date=Zahlungsziel"]) == 2
    err = capsys.readouterr().err
    assert "Zahlungsziel" in err and "Vervaldatum" in err and "Traceback" not in err
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before


def test_invoices_newer_than_the_export_and_partial_exports_close_nothing():
    cur = frame("Invoices", [
        ("A", "C1", "", "2026-10-01", "2026-10-31", "EUR", "10.00", "10.00", "open"),
        ("B", "C1", "", "2026-11-20", "2026-12-20", "EUR", "20.00", "20.00", "open"),
    ], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount", "open_amount",
        "status"])
    empty = cur.iloc[0:0]
    res = engine.sync_invoices(cur, empty, {"invoice_id"}, None, D(2026, 11, 15))
    assert res.invoices["open_amount"].tolist() == [0, 2000]  # B was invoiced after the export
    assert res.invoices["status"].tolist() == ["closed in ERP", "open"]
    res = engine.sync_invoices(cur, empty, {"invoice_id"}, None, D(2026, 11, 15), full=False)
    assert res.invoices["open_amount"].tolist() == [1000, 2000] and res.counts["kept"] == 2


# ------------------------------------------------------------------ the cash rule

def _one(open_cents, allocations, flags=None):
    cur = frame("Invoices", [("X", "C1", "", "2026-10-01", "2026-10-31", "EUR", "10.00", f"{open_cents / 100:.2f}")],
                ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                 "open_amount"])
    m = frame("Matches", [(f"M{i}", "X", f"{a / 100:.2f}", "TRUE", (flags or {}).get(i, ""))
                          for i, a in enumerate(allocations)],
              ["match_id", "invoice_id", "applied_amount", "applied", "flags"])
    return cur, m


@pytest.mark.parametrize("erp_open, expect_open, expect_booked", [
    (100000, 50000, []),         # the ERP booked nothing: ours stays
    (70000, 50000, ["M0"]),      # the ERP booked the first payment (300)
    (50000, 50000, ["M0", "M1"]),  # both
    (40000, 40000, ["M0", "M1"]),  # both, and a credit note of 100 on top: the ERP's amount
    (105000, 55000, []),         # the ERP raised the invoice by 50 and booked nothing
])
def test_the_erp_open_amount_wins_less_our_unbooked_cash(erp_open, expect_open, expect_booked):
    # invoice of 1,000.00; ar-xl applied 300.00 then 200.00: 500.00 open in the workbook
    cur, m = _one(50000, [30000, 20000])
    exp = cur.copy()
    exp["open_amount"] = erp_open
    res = engine.sync_invoices(cur, exp, {"invoice_id", "open_amount"}, m, D(2026, 11, 23))
    assert res.invoices["open_amount"].tolist() == [expect_open]
    booked = [] if res.matches is None else \
        res.matches.loc[res.matches["flags"].str.contains("booked in ERP"), "match_id"].tolist()
    assert booked == expect_booked


def test_a_booked_allocation_never_counts_again():
    cur, m = _one(50000, [30000, 20000], flags={0: "booked in ERP"})
    exp = cur.copy()
    exp["open_amount"] = 70000  # the ERP shows the 300 booked, the 200 not
    res = engine.sync_invoices(cur, exp, {"invoice_id", "open_amount"}, m, D(2026, 11, 23))
    assert res.invoices["open_amount"].tolist() == [50000]


def test_a_credit_note_netted_by_ar_xl():
    cur, m = _one(0, [-20000])  # a credit note of -200.00 fully netted in a payment
    exp = cur.copy()
    exp["open_amount"] = -20000  # not booked in the ERP yet
    res = engine.sync_invoices(cur, exp, {"invoice_id", "open_amount"}, m, D(2026, 11, 23))
    assert res.invoices["open_amount"].tolist() == [0] and res.matches is None
    exp["open_amount"] = 0  # booked
    res = engine.sync_invoices(cur, exp, {"invoice_id", "open_amount"}, m, D(2026, 11, 23))
    assert res.invoices["open_amount"].tolist() == [0] and res.matches["flags"].tolist() == ["booked in ERP"]


# ------------------------------------------------------------------ customers

def test_customers_are_upserted_and_peoples_collector_kept(tmp_path):
    wb = seeded(tmp_path / "c.xlsx", Customers=([
        ("10100", "Bakker Logistiek", "NL91ABNA0417164300", "NL", "", ""),
        ("10200", "Spedition Kühn GmbH", "", "DE", "Ben", "slow payer"),
    ], ["customer_id", "customer_name", "iban", "country", "collector", "note"]))
    cust_file = erp.datev_debitoren([
        ("10100", "Bakker Logistiek B.V.", "NL", "nl", "NL20INGB0001234567", "ap@bakker.nl", 500000, "Anna"),
        ("10200", "Spedition Kühn GmbH", "DE", "de", "DE89 3704 0044 0532 0130 00", "", None, "Carla"),
        ("10500", "Martin & Fils SARL", "FR", "fr", "", "compta@martin.fr", 1000000, ""),
    ], tmp_path / "debitoren.csv")
    export = erp.write("datev_opos", ITEMS, tmp_path)
    book = xlsx.load(wb)
    change = sync.run(book, export, cust_file, as_of=D(2026, 11, 23))
    xlsx.save(book, change)
    cust = xlsx.load(wb).get("Customers").set_index("customer_id")
    assert cust.loc["10100", "customer_name"] == "Bakker Logistiek B.V."
    assert cust.loc["10100", "iban"] == "NL91ABNA0417164300;NL20INGB0001234567"  # ours kept, the ERP's added
    assert cust.loc["10100", "collector"] == "Anna"  # was empty: filled from the ERP
    assert cust.loc["10200", "collector"] == "Ben" and cust.loc["10200", "note"] == "slow payer"
    assert cust.loc["10200", "iban"] == "DE89370400440532013000"
    assert cust.loc["10500", "credit_limit"] == 1000000 and cust.loc["10500", "email"] == "compta@martin.fr"
    assert "10300" in cust.index  # a customer of the open items the master export lacks
    assert "Customers 10200 collector: kept 'Ben' (ERP: 'Carla')" in change.summary
    assert "customers: 2 new, 2 changed" in change.summary


def test_customers_mapping_is_prefixed_and_refused_without_the_file(tmp_path):
    export = erp.write("exact_nl", ITEMS, tmp_path)
    with pytest.raises(InputError, match="no customers file"):
        sync.run(Book(), export, mapping={"customers.email": "Mail"})


def test_a_customer_masters_phone_numbers_are_read_by_their_header_in_each_language(tmp_path):
    wb = seeded(tmp_path / "c.xlsx", Customers=([("10100", "Bakker Logistiek", "", "NL", "+31 10 000 0000")],
                                                ["customer_id", "customer_name", "iban", "country", "phone"]))
    cust_file = tmp_path / "klanten.csv"
    cust_file.write_text("Klantnummer;Naam;Telefoonnummer\n10100;Bakker Logistiek;+31 10 123 4567\n"
                         "10500;Martin & Fils SARL;+33 1 23 45 67 89\n", encoding="utf-8")
    export = erp.write("datev_opos", ITEMS, tmp_path)
    book = xlsx.load(wb)
    change = sync.run(book, export, cust_file, as_of=D(2026, 11, 23))
    xlsx.save(book, change)
    cust = xlsx.load(wb).get("Customers").set_index("customer_id")
    assert cust.loc["10100", "phone"] == "+31 10 123 4567"  # the ERP's master data
    assert cust.loc["10500", "phone"] == "+33 1 23 45 67 89"
    german = tmp_path / "debitoren.csv"
    german.write_text("Kundennummer;Name;Telefon\n10100;Bakker Logistiek;+31 10 765 4321\n", encoding="utf-8")
    book = xlsx.load(wb)
    xlsx.save(book, sync.run(book, export, german, as_of=D(2026, 11, 23)))
    assert xlsx.load(wb).get("Customers").set_index("customer_id").loc["10100", "phone"] == "+31 10 765 4321"


# ------------------------------------------------------------------ cash and write-off booked separately

WO_COLUMNS = ["match_id", "invoice_id", "applied_amount", "write_off", "applied", "flags"]


def _paid_with_write_off(amount, allocations):
    """An invoice of ``amount`` cents that ar-xl paid in full: ``allocations`` are (cash, write-off) in cents."""
    left = amount - sum(c + w for c, w in allocations)
    cur = frame("Invoices", [("2026-007145", "C11237", "", "2026-11-20", "2026-12-04", "EUR", f"{amount / 100:.2f}",
                              f"{left / 100:.2f}", "paid" if left == 0 else "open")],
                ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                 "open_amount", "status"])
    m = frame("Matches", [(f"M{i}", "2026-007145", f"{c / 100:.2f}", f"{w / 100:.2f}", "TRUE",
                           "discount;tolerance" if w else "") for i, (c, w) in enumerate(allocations)], WO_COLUMNS)
    return cur, m


def _erp(cur, open_cents):
    exp = cur.copy()
    exp["open_amount"] = open_cents
    return exp


def _run(cur, m, erp_open):
    return engine.sync_invoices(cur, _erp(cur, erp_open), {"invoice_id", "open_amount"}, m, D(2026, 11, 23))


def _flags(res, m):
    return (m if res.matches is None else res.matches)["flags"].tolist()


def test_the_erp_books_the_cash_not_ar_xls_write_off():
    # match paid 871.75 with 861.75 of cash and a 10.00 write-off; the ERP booked the cash and still shows 10.00
    cur, m = _paid_with_write_off(87175, [(86175, 1000)])
    res = _run(cur, m, 1000)
    inv = res.invoices.set_index("invoice_id")
    assert inv.loc["2026-007145", "open_amount"] == 0 and inv.loc["2026-007145", "status"] == "paid"
    assert _flags(res, m) == ["discount;tolerance, cash in ERP (write-off not yet)"]
    assert res.write_offs_to_book == [("2026-007145", "EUR", 1000, "M0")] and res.warnings == []
    assert res.open_after == {"EUR": 0}

    # the same export again changes nothing, and still names the write-off to book
    again = _run(res.invoices, res.matches, 1000)
    assert again.invoices["open_amount"].tolist() == [0] and again.matches is None and again.edits == []
    assert again.write_offs_to_book == [("2026-007145", "EUR", 1000, "M0")]

    # someone books the write-off in the ERP: the invoice is gone from its open items
    done = _run(res.invoices, res.matches, 0)
    assert done.invoices["open_amount"].tolist() == [0] and done.invoices["status"].tolist() == ["paid"]
    assert _flags(done, res.matches) == ["discount;tolerance, booked in ERP"]
    assert done.write_offs_to_book == [] and done.counts["booked"] == 1


def test_the_erp_books_cash_and_write_off_together():
    cur, m = _paid_with_write_off(87175, [(86175, 1000)])
    res = _run(cur, m, 0)
    assert res.invoices["open_amount"].tolist() == [0] and res.invoices["status"].tolist() == ["paid"]
    assert _flags(res, m) == ["discount;tolerance, booked in ERP"]
    assert res.write_offs_to_book == [] and res.warnings == []


def test_the_erp_booked_nothing_yet_and_the_write_off_is_named_to_book():
    cur, m = _paid_with_write_off(87175, [(86175, 1000)])
    res = _run(cur, m, 87175)
    assert res.invoices["open_amount"].tolist() == [0] and res.matches is None
    assert res.write_offs_to_book == [("2026-007145", "EUR", 1000, "M0")]


def test_the_erp_books_part_of_the_cash_keeps_the_erps_figure_and_warns():
    cur, m = _paid_with_write_off(87175, [(86175, 1000)])
    res = _run(cur, m, 37175)  # the ERP booked 500.00 of the 861.75
    inv = res.invoices.set_index("invoice_id")
    assert inv.loc["2026-007145", "open_amount"] == 37175  # never -490.00
    assert inv.loc["2026-007145", "status"] == "open"
    assert res.warnings == [
        "invoice 2026-007145: the ERP shows EUR 371.75 open, ar-xl 0.00 with 871.75 not booked in the ERP yet "
        "(cash 861.75 and write-off 10.00 (Matches M0)); counting that would make the open amount negative, so "
        "the invoice keeps the ERP's 371.75 and its Matches rows are marked 'not reconciled with ERP': check the "
        "invoice in the ERP"]
    assert _flags(res, m) == ["discount;tolerance, not reconciled with ERP"]
    assert res.write_offs_to_book == [] and res.counts["unreconciled"] == 1
    again = _run(res.invoices, res.matches, 37175)
    assert again.invoices["open_amount"].tolist() == [37175] and again.matches is None
    assert again.edits == [] and again.warnings == []


@pytest.mark.parametrize("erp_open, flags", [
    (31000, ["", "discount;tolerance, cash in ERP (write-off not yet)"]),  # the ERP booked the second payment only
    (70000, ["booked in ERP", "discount;tolerance"]),                      # the first only
    (1000, ["booked in ERP", "discount;tolerance, cash in ERP (write-off not yet)"]),  # both payments
])
def test_two_allocations_on_one_invoice_one_booked(erp_open, flags):
    # 1,000.00 paid by 300.00, then by 690.00 with a 10.00 write-off
    cur, m = _paid_with_write_off(100000, [(30000, 0), (69000, 1000)])
    res = _run(cur, m, erp_open)
    assert res.invoices["open_amount"].tolist() == [0] and res.invoices["status"].tolist() == ["paid"]
    assert _flags(res, m) == flags and res.warnings == []
    again = _run(res.invoices, res.matches if res.matches is not None else m, erp_open)
    assert again.invoices["open_amount"].tolist() == [0] and again.edits == []


def test_sync_summary_names_the_write_offs_the_erp_has_not_booked(tmp_path):
    """The repro: the ERP booked 861.75 of cash on 2026-007145 and still shows the 10.00 ar-xl wrote off."""
    wb = seeded(tmp_path / "c.xlsx", Invoices=([
        ("2026-007145", "C11237", "Spedition Krause GmbH & Co. KG", "2026-11-20", "2026-12-04", "EUR", "871.75",
         "0.00", "paid"),
        ("2026-007146", "C11237", "Spedition Krause GmbH & Co. KG", "2026-11-20", "2026-12-04", "EUR", "500.00",
         "0.00", "paid"),
    ], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
        "open_amount", "status"]), Matches=([
        ("M-P-7AA8878BA9FE-2026-007145", "2026-007145", "861.75", "10.00", "TRUE", "discount;tolerance"),
        ("M-P-1-2026-007146", "2026-007146", "500.00", "0.00", "TRUE", ""),
    ], WO_COLUMNS))

    def export(open_7145, open_7146):
        return erp.write("exact_nl", [
            Item("2026-007145", "C11237", "Spedition Krause GmbH & Co. KG", D(2026, 11, 20), D(2026, 12, 4), "EUR",
                 87175, open_7145),
            Item("2026-007146", "C11237", "Spedition Krause GmbH & Co. KG", D(2026, 11, 20), D(2026, 12, 4), "EUR",
                 50000, open_7146)], tmp_path / "erpB.csv")

    change, book = _sync(wb, export(1000, 20000), D(2026, 11, 23))
    inv = _inv(book)
    assert inv.loc["2026-007145", "open_amount"] == 0 and inv.loc["2026-007145", "status"] == "paid"
    s = change.summary
    assert "1 write-off(s) from cash application not booked in the ERP yet (EUR 10.00): the ERP still shows them " \
           "open; book them in the ERP:\n  invoice 2026-007145: EUR 10.00 written off " \
           "(Matches M-P-7AA8878BA9FE-2026-007145)" in s
    assert "1 applied match(es): the ERP booked the payment, not the write-off" in s
    # 2026-007146: the ERP booked 300.00 of ar-xl's 500.00: the ERP's 200.00 stays, with a warning
    assert inv.loc["2026-007146", "open_amount"] == 20000 and inv.loc["2026-007146", "status"] == "open"
    assert "WARNING: 1 invoice(s) not reconciled with the ERP (the ERP's open amount kept):\n  invoice " \
           "2026-007146: the ERP shows EUR 200.00 open, ar-xl 0.00 with 500.00 not booked in the ERP yet " \
           "(cash 500.00 (Matches M-P-1-2026-007146))" in s
    assert "open EUR: 0.00 -> 200.00" in s
    # the credit controller's tie-out: the ERP's total is ar-xl's plus what the ERP has not booked, to the cent
    assert "ERP EUR: 210.00 open on the invoices synced = ar-xl's 200.00 + 10.00 ar-xl applied that the ERP has " \
           "not booked yet (write-offs 10.00)" in s
    flags = book.get("Matches").set_index("match_id")["flags"]
    assert flags["M-P-7AA8878BA9FE-2026-007145"] == "discount;tolerance, cash in ERP (write-off not yet)"
    assert flags["M-P-1-2026-007146"] == "not reconciled with ERP"

    change, book = _sync(wb, export(1000, 20000), D(2026, 11, 23))  # the same export again
    assert (change.counts["changed"], change.counts["booked"]) == (0, 0) and "WARNING" not in change.summary
    assert book.get("Matches")["flags"].tolist() == flags.tolist()
    assert _inv(book)["open_amount"].tolist() == [0, 20000]
    assert "invoice 2026-007145: EUR 10.00 written off" in change.summary  # still to book in the ERP


def test_a_booked_write_off_the_erp_figures_cannot_take_keeps_the_erps_open_amount():
    """A write-off of 100.00 (WriteOffs, in the ERP's journal) while the ERP shows 50.00 open: never -50.00."""
    cur = frame("Invoices", [("X", "C1", "", "2026-10-01", "2026-10-31", "EUR", "100.00", "0.00", "written off")],
                ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                 "open_amount", "status"])
    w = frame("WriteOffs", [("W-1", "X", "C1", "EUR", "100.00", "booked", "FALSE")],
              ["writeoff_id", "invoice_id", "customer_id", "currency", "amount", "status", "in_erp"])
    exp = _erp(cur, 5000)
    res = engine.sync_invoices(cur, exp, {"invoice_id", "open_amount"}, None, D(2026, 11, 23), writeoffs=w)
    assert res.invoices["open_amount"].tolist() == [5000]
    assert res.warnings == [
        "invoice X: the ERP shows EUR 50.00 open, ar-xl 0.00 with 100.00 not booked in the ERP yet (write-off "
        "100.00 (WriteOffs W-1)); counting that would make the open amount negative, so the invoice keeps the "
        "ERP's 50.00 and those rows no longer count: check the invoice in the ERP"]
    assert res.writeoffs["in_erp"].tolist() == [True]
    again = engine.sync_invoices(res.invoices, exp, {"invoice_id", "open_amount"}, None, D(2026, 11, 23),
                                 writeoffs=res.writeoffs)
    assert again.invoices["open_amount"].tolist() == [5000] and again.edits == [] and again.warnings == []


def test_the_erp_books_the_write_off_before_the_cash():
    cur, m = _paid_with_write_off(87175, [(86175, 1000)])
    res = _run(cur, m, 86175)  # someone booked the 10.00 in the ERP; the payment is not booked there yet
    assert res.invoices["open_amount"].tolist() == [0] and res.invoices["status"].tolist() == ["paid"]
    assert _flags(res, m) == ["discount;tolerance, write-off in ERP (cash not yet)"]
    assert res.write_offs_to_book == [] and res.warnings == []
    done = _run(res.invoices, res.matches, 0)  # then the payment
    assert done.invoices["open_amount"].tolist() == [0]
    assert _flags(done, res.matches) == ["discount;tolerance, booked in ERP"]

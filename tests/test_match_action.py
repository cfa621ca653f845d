"""Cash application in the workbook: what a collector sees after Match payments and Apply decisions."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from ar_xl.workbook import xlsx
from ar_xl.actions import match
from ar_xl.cli import main
from ar_xl.book import Book, Change
from helpers import header_names, frame, seeded

CUSTOMERS = [
    # id, name, iban
    ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300"),
    ("C2", "Spedition Kühn GmbH & Co. KG", "DE89370400440532013000"),
    ("C3", "Transports Lefèvre SAS", ""),
    ("C4", "Hargreaves Freight Ltd", ""),
    ("C5", "Dupont Logistique SARL", ""),
]
INVOICES = [
    # id, customer, invoice date, due, amount, open
    ("2026-004512", "C1", "2026-09-01", "2026-10-01", "1500.00", "1500.00"),
    ("2026-004513", "C1", "2026-09-15", "2026-10-15", "250.00", "250.00"),
    ("2026-004600", "C2", "2026-09-20", "2026-10-20", "980.40", "980.40"),
    ("2026-004700", "C3", "2026-10-01", "2026-10-31", "777.77", "777.77"),
    ("2026-004800", "C4", "2026-10-01", "2026-10-31", "777.77", "777.77"),
    ("2026-004900", "C5", "2026-10-05", "2026-11-04", "2000.00", "2000.00"),
]
PAYMENTS = [
    # id, date, amount, payer, iban, remittance
    ("P1", "2026-11-20", "1500.00", "BAKKER LOGISTIEK BV", "NL91ABNA0417164300", "Factuur 2026-004512"),
    ("P2", "2026-11-20", "975.40", "Spedition Kuehn GmbH", "DE89370400440532013000", "Rechnung Nr. 4600 abzgl. Spesen"),
    ("P3", "2026-11-21", "777.77", "J. Smith", "GB29NWBK60161331926819", "=HYPERLINK(\"http://x\",\"payment\")"),
    ("P4", "2026-11-21", "1800.00", "DUPONT LOGISTIQUE", "FR1420041010050500013M02606", "Facture n° 2026-004900"),
]


@pytest.fixture
def wb(tmp_path):
    names = dict((c_[0], c_[1]) for c_ in CUSTOMERS)
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=(CUSTOMERS, ["customer_id", "customer_name", "iban"]),
        Invoices=([(i, cu, names[cu], d, due, "EUR", a, o) for i, cu, d, due, a, o in INVOICES],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount"]),
        Payments=([(p, d, a, "EUR", n, ib, r, a, "unapplied") for p, d, a, n, ib, r in PAYMENTS],
                  ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                   "unapplied_amount", "status"]))


def _state(path):
    book = xlsx.load(path)
    return (book.get("Invoices").set_index("invoice_id"), book.get("Payments").set_index("payment_id"),
            book.get("Matches"), book)


def test_match_applies_what_is_certain_and_suggests_the_rest(wb, capsys):
    assert main(["match", str(wb)]) == 0
    inv, pay, m, book = _state(wb)
    # P1: reference exact, IBAN known, amount exact -> auto, invoice closed
    p1 = m[m["payment_id"] == "P1"].iloc[0]
    assert (p1["invoice_id"], p1["decision"], p1["applied_amount"], bool(p1["applied"])) == ("2026-004512", "auto", 150000, True)
    assert "2026-004512" in p1["evidence"]
    assert inv.loc["2026-004512", "open_amount"] == 0 and inv.loc["2026-004512", "status"] == "paid"
    assert pay.loc["P1", "unapplied_amount"] == 0 and pay.loc["P1", "status"] == "applied"
    # P2: 5.00 short = bank charges within tolerance -> applied and written off
    p2 = m[(m["payment_id"] == "P2") & (m["invoice_id"] == "2026-004600")].iloc[0]
    assert (p2["decision"], p2["applied_amount"], p2["write_off"]) == ("auto", 97540, 500)
    assert inv.loc["2026-004600", "open_amount"] == 0
    # P3: the same amount is open at two customers, no reference, unknown payer -> never auto
    p3 = m[m["payment_id"] == "P3"]
    assert not (p3["decision"] == "auto").any()
    assert inv.loc["2026-004700", "open_amount"] == 77777 and inv.loc["2026-004800", "open_amount"] == 77777
    assert pay.loc["P3", "unapplied_amount"] == 77777
    assert pay.loc["P3", "remittance"] == '=HYPERLINK("http://x","payment")'
    # P4: short pay of 200.00, beyond tolerance: applied, the rest stays open and is flagged
    p4 = m[(m["payment_id"] == "P4") & (m["invoice_id"] == "2026-004900")].iloc[0]
    assert p4["applied_amount"] == 180000 and p4["short_pay"] == 20000
    if p4["decision"] == "auto":
        assert inv.loc["2026-004900", "open_amount"] == 20000
    # every change is traceable to the run and its rule
    audit = book.get("Audit")
    closed = audit[(audit["table"] == "Invoices") & (audit["key"] == "2026-004512")].iloc[-1]
    assert closed["run_id"].startswith("match-") and closed["rule"].startswith("auto:")
    assert (closed["old_value"], closed["new_value"]) == ("1,500.00", "0.00")


def test_rerun_never_applies_twice_and_keeps_what_people_typed(wb):
    assert main(["match", str(wb)]) == 0
    w = openpyxl.load_workbook(wb)
    ws = w["Matches"]
    header = header_names(ws)
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["payment_id"]).value == "P3":
            ws.cell(r, col["note"]).value = "called customer, waiting for remittance"
            break
    w.save(wb)
    inv_before, pay_before, m_before, _ = _state(wb)
    assert main(["match", str(wb)]) == 0
    inv, pay, m, _ = _state(wb)
    assert inv["open_amount"].to_dict() == inv_before["open_amount"].to_dict()
    assert pay["unapplied_amount"].to_dict() == pay_before["unapplied_amount"].to_dict()
    assert (m["note"] == "called customer, waiting for remittance").sum() == 1
    assert m["match_id"].is_unique
    assert int((m["decision"] == "auto").sum()) == int((m_before["decision"] == "auto").sum())


def _review(path, payment_id, invoice_id, value, who="Sanne"):
    w = openpyxl.load_workbook(path)
    ws = w["Matches"]
    header = header_names(ws)
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["payment_id"]).value == payment_id and ws.cell(r, col["invoice_id"]).value == invoice_id:
            ws.cell(r, col["review"]).value = value
            ws.cell(r, col["reviewed_by"]).value = who
            w.save(path)
            return
    raise AssertionError(f"no Matches row for {payment_id} / {invoice_id}")


def test_confirm_applies_and_teaches_the_payer(wb):
    assert main(["match", str(wb)]) == 0
    _, _, m, _ = _state(wb)
    assert "2026-004700" in set(m.loc[m["payment_id"] == "P3", "invoice_id"])
    _review(wb, "P3", "2026-004700", "Confirm")
    assert main(["apply", str(wb)]) == 0
    inv, pay, m, book = _state(wb)
    assert inv.loc["2026-004700", "open_amount"] == 0 and inv.loc["2026-004800", "open_amount"] == 77777
    assert pay.loc["P3", "unapplied_amount"] == 0
    row = m[(m["payment_id"] == "P3") & (m["invoice_id"] == "2026-004700")].iloc[0]
    assert bool(row["applied"]) and row["review"] == "Confirm" and row["reviewed_by"] == "Sanne"
    c3 = book.get("Customers").set_index("customer_id").loc["C3"]
    assert c3["iban"] == "GB29NWBK60161331926819" and c3["aliases"] == "J. Smith"
    # applying again changes nothing
    assert main(["apply", str(wb)]) == 0
    inv2, pay2, _, _ = _state(wb)
    assert inv2["open_amount"].to_dict() == inv["open_amount"].to_dict()
    assert pay2["unapplied_amount"].to_dict() == pay["unapplied_amount"].to_dict()


def test_reject_reverses_an_auto_application(wb):
    assert main(["match", str(wb)]) == 0
    _review(wb, "P1", "2026-004512", "Reject")
    assert main(["match", str(wb)]) == 0
    inv, pay, m, _ = _state(wb)
    assert inv.loc["2026-004512", "open_amount"] == 150000 and inv.loc["2026-004512", "status"] == "open"
    assert pay.loc["P1", "unapplied_amount"] == 150000
    rows = m[(m["payment_id"] == "P1") & (m["invoice_id"] == "2026-004512")]
    assert len(rows) == 1 and not bool(rows.iloc[0]["applied"]) and rows.iloc[0]["review"] == "Reject"
    # the rejected pair is not proposed again, and P1 is not auto-applied elsewhere
    assert not ((m["payment_id"] == "P1") & (m["decision"] == "auto") & m["applied"].astype(bool)).any()


def test_confirm_beyond_what_is_open_is_refused_not_clipped(wb):
    assert main(["match", str(wb)]) == 0
    _review(wb, "P3", "2026-004700", "Confirm")
    _review(wb, "P3", "2026-004800", "Confirm")  # the same 777.77 confirmed on both
    book = xlsx.load(wb)
    change = match.apply_decisions(book)
    assert "refused 1" in change.summary
    xlsx.save(book, change)
    inv, pay, _, _ = _state(wb)
    assert pay.loc["P3", "unapplied_amount"] == 0
    assert sorted(inv.loc[["2026-004700", "2026-004800"], "open_amount"]) == [0, 77777]


def test_match_between_files(tmp_path, capsys):
    inv = tmp_path / "inv.csv"
    pay = tmp_path / "pay.csv"
    out = tmp_path / "matches.csv"
    names = dict((c[0], c[1]) for c in CUSTOMERS)
    pd.DataFrame([(i, cu, names[cu], d, due, "EUR", a, o) for i, cu, d, due, a, o in INVOICES],
                 columns=["Invoice ID", "Customer ID", "Customer Name", "Invoice Date", "Due Date", "Currency",
                          "Amount", "Open Amount"]).to_csv(inv, index=False)
    pd.DataFrame([(p, d, a, "EUR", n, ib, r) for p, d, a, n, ib, r in PAYMENTS],
                 columns=["Payment ID", "Value Date", "Amount", "Currency", "Payer Name", "Payer IBAN",
                          "Remittance"]).to_csv(pay, index=False)
    assert main(["match", "--invoices", str(inv), "--payments", str(pay), "--out", str(out)]) == 0
    res = pd.read_csv(out, dtype=str, keep_default_na=False)
    p1 = res[res["payment_id"] == "P1"].iloc[0]
    assert (p1["invoice_id"], p1["applied_amount"], p1["decision"]) == ("2026-004512", "1500.00", "auto")
    assert set(res.columns) >= {"payment_id", "invoice_id", "applied_amount", "confidence", "decision", "rank", "evidence"}
    assert all(0 <= float(c) <= 1 for c in res["confidence"])


def test_a_confirmed_payer_is_recognised_next_time(wb):
    assert main(["match", str(wb)]) == 0
    _review(wb, "P3", "2026-004700", "Confirm")
    assert main(["apply", str(wb)]) == 0
    # next month: a new invoice for C3 and a payment from the same account, without any reference
    book = xlsx.load(wb)
    c = Change("erp sync")
    inv = book.get("Invoices")
    new_inv = frame("Invoices", [("2026-005100", "C3", "Transports Lefèvre SAS", "2026-11-01", "2026-12-01", "EUR",
                                  "123.45", "123.45")],
                    ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                     "open_amount"])
    c.tables["Invoices"] = pd.concat([inv, new_inv], ignore_index=True)
    new_pay = frame("Payments", [("P5", "2026-12-01", "123.45", "EUR", "J. Smith", "GB29NWBK60161331926819",
                                  "thanks", "123.45", "unapplied")],
                    ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                     "unapplied_amount", "status"])
    c.tables["Payments"] = pd.concat([book.get("Payments"), new_pay], ignore_index=True)
    xlsx.save(book, c)
    assert main(["match", str(wb)]) == 0
    inv, pay, m, _ = _state(wb)
    p5 = m[m["payment_id"] == "P5"].iloc[0]
    assert (p5["invoice_id"], p5["customer_id"], p5["decision"]) == ("2026-005100", "C3", "auto")
    assert "IBAN known" in p5["evidence"]
    assert inv.loc["2026-005100", "open_amount"] == 0


def _netting_book(invoice_order=("INV-1001", "CN-2001")):
    """One customer: an invoice of 1,000.00 and a credit note of 200.00; the payer pays the 800.00 net."""
    invoices = {"INV-1001": ("INV-1001", "C1", "Bakker", "2026-09-01", "2026-10-01", "EUR", "1000.00", "1000.00"),
                "CN-2001": ("CN-2001", "C1", "Bakker", "2026-09-10", "2026-10-10", "EUR", "-200.00", "-200.00")}
    return Book(tables={
        "Customers": frame("Customers", [("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300")],
                           ["customer_id", "customer_name", "iban"]),
        "Invoices": frame("Invoices", [invoices[i] for i in invoice_order],
                          ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency",
                           "amount", "open_amount"]),
        "Payments": frame("Payments", [("P1", "2026-11-20", "800.00", "EUR", "BAKKER LOGISTIEK BV", "NL91ABNA0417164300",
                                        "Factuur INV-1001 minus CN-2001", "800.00", "unapplied")],
                          ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                           "unapplied_amount", "status"]),
    })


def test_a_credit_note_netted_by_an_auto_match_is_applied_with_its_invoice():
    change = match.run(_netting_book())
    m = change.tables["Matches"]
    inv = change.tables["Invoices"].set_index("invoice_id")
    pay = change.tables["Payments"].set_index("payment_id")
    rows = m[m["payment_id"] == "P1"].set_index("invoice_id")
    assert rows.loc["INV-1001", "applied_amount"] == 100000 and rows.loc["CN-2001", "applied_amount"] == -20000
    assert set(rows["decision"]) == {"auto"} and rows["applied"].astype(bool).all()
    assert inv.loc["INV-1001", "open_amount"] == 0 and inv.loc["CN-2001", "open_amount"] == 0
    assert pay.loc["P1", "unapplied_amount"] == 0 and pay.loc["P1", "status"] == "applied"


@pytest.mark.parametrize("order", [("INV-1001", "CN-2001"), ("CN-2001", "INV-1001")], ids=["invoice-first", "credit-first"])
def test_confirming_a_suggested_netting_applies_invoice_and_credit_note_together(order):
    book = _netting_book()
    rows = {"INV-1001": ("M-P1-INV-1001-S1", "R1", "P1", "INV-1001", "C1", "1000.00", "suggested", 1, "Confirm", "Sanne"),
            "CN-2001": ("M-P1-CN-2001-S1", "R1", "P1", "CN-2001", "C1", "-200.00", "suggested", 1, "Confirm", "Sanne")}
    book.tables["Matches"] = frame("Matches", [rows[i] for i in order],
                                   ["match_id", "run_id", "payment_id", "invoice_id", "customer_id", "applied_amount",
                                    "decision", "rank", "review", "reviewed_by"])
    change = match.apply_decisions(book)
    assert change.summary == "applied 2 confirmed match(es)"
    inv = change.tables["Invoices"].set_index("invoice_id")
    pay = change.tables["Payments"].set_index("payment_id")
    assert inv.loc["INV-1001", "open_amount"] == 0 and inv.loc["CN-2001", "open_amount"] == 0
    assert pay.loc["P1", "unapplied_amount"] == 0 and pay.loc["P1", "status"] == "applied"
    assert change.tables["Matches"]["applied"].astype(bool).all()


def test_learning_a_payer_name_with_a_comma_keeps_it_whole():
    book = Book(tables={
        "Customers": frame("Customers", [("C1", "Smith Haulage Ltd", "GB29 NWBK 6016 1331 9268 19")],
                           ["customer_id", "customer_name", "iban"]),
        "Invoices": frame("Invoices", [("INV-1", "C1", "Smith Haulage", "2026-09-01", "2026-10-01", "EUR", "100.00", "100.00"),
                                       ("INV-2", "C1", "Smith Haulage", "2026-09-02", "2026-10-02", "EUR", "200.00", "200.00")],
                          ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency",
                           "amount", "open_amount"]),
        "Payments": frame("Payments", [("P1", "2026-11-20", "100.00", "EUR", "Smith, J.", "GB29NWBK60161331926819", "x", "100.00", "unapplied"),
                                       ("P2", "2026-11-21", "200.00", "EUR", "Smith, J.", "GB29NWBK60161331926819", "y", "200.00", "unapplied")],
                          ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                           "unapplied_amount", "status"]),
        "Matches": frame("Matches", [("M-P1-INV-1-S1", "R1", "P1", "INV-1", "C1", "100.00", "suggested", 1, "Confirm", "Sanne"),
                                     ("M-P2-INV-2-S1", "R1", "P2", "INV-2", "C1", "200.00", "suggested", 1, "Confirm", "Sanne")],
                         ["match_id", "run_id", "payment_id", "invoice_id", "customer_id", "applied_amount",
                          "decision", "rank", "review", "reviewed_by"]),
    })
    change = match.apply_decisions(book)
    assert change.summary == "applied 2 confirmed match(es)"
    c1 = change.tables["Customers"].set_index("customer_id").loc["C1"]
    # the name is one alias (aliases are ';'-separated), learned once; the IBAN is already known however spaced
    assert c1["aliases"] == "Smith, J."
    assert c1["iban"] == "GB29 NWBK 6016 1331 9268 19"


def test_rejecting_an_applied_row_whose_payment_or_invoice_is_gone_is_refused_not_a_crash():
    book = _netting_book()
    book.tables["Matches"] = frame("Matches", [
        ("M-P9-INV-1001", "R1", "P9", "INV-1001", "C1", "100.00", "auto", 1, "Reject", "Sanne", True),
        ("M-P1-INV-9", "R1", "P1", "INV-9", "C1", "100.00", "auto", 1, "Reject", "Sanne", True)],
        ["match_id", "run_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "decision", "rank",
         "review", "reviewed_by", "applied"])
    change = match.apply_decisions(book)
    assert "refused 2" in change.summary
    assert "payment P9 is not in the Payments table" in change.summary
    assert "invoice INV-9 is not in the Invoices table" in change.summary
    assert change.tables["Matches"]["applied"].astype(bool).all()  # still applied: nothing was reversed
    assert change.tables["Invoices"].set_index("invoice_id").loc["INV-1001", "open_amount"] == 100000
    assert change.tables["Payments"].set_index("payment_id").loc["P1", "unapplied_amount"] == 80000


def _overpaid(tmp_path):
    """A workbook where P9 (1,600.00 from C1's IBAN, naming 2026-004512) overpays that invoice of 1,500.00."""
    cols = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount"]
    return seeded(tmp_path / "c.xlsx",
                  Customers=([CUSTOMERS[0]], ["customer_id", "customer_name", "iban"]),
                  Invoices=([("2026-004512", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-10-01", "EUR",
                              "1500.00", "1500.00")], cols),
                  Payments=([("P9", "2026-11-20", "1600.00", "EUR", "BAKKER LOGISTIEK BV", "NL91ABNA0417164300",
                              "Factuur 2026-004512", "1600.00", "unapplied")],
                            ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban",
                             "remittance", "unapplied_amount", "status"]))


def test_money_applied_again_to_a_pair_decided_before_gets_its_own_row(tmp_path):
    # P9 overpays 2026-004512 by 100.00 (unapplied cash); the ERP then reopens 100.00 on that invoice
    # (a price correction); the next run applies the 100.00 to the same invoice: a second Matches row,
    # the first one untouched, and the two rows add up to what moved.
    wb = _overpaid(tmp_path)
    assert main(["match", str(wb)]) == 0
    inv, pay, m, _ = _state(wb)
    assert inv.loc["2026-004512", "open_amount"] == 0 and pay.loc["P9", "unapplied_amount"] == 10000
    book = xlsx.load(wb)
    c = Change("erp sync")
    reopened = book.get("Invoices").copy()
    reopened.loc[0, "open_amount"] = 10000
    c.tables["Invoices"] = reopened
    xlsx.save(book, c)
    assert main(["match", str(wb)]) == 0
    inv, pay, m, _ = _state(wb)
    rows = m[(m["payment_id"] == "P9") & (m["invoice_id"] == "2026-004512") & m["applied"].astype(bool)]
    assert pay.loc["P9", "unapplied_amount"] == 0 and inv.loc["2026-004512", "open_amount"] == 0
    assert sorted(rows["applied_amount"]) == [10000, 150000] and rows["match_id"].is_unique


def test_the_summary_counts_each_payment_once_and_the_counts_add_up(demo, tmp_path, capsys):
    """Re-matching the demo: 'considered N payment(s): A applied automatically (... allocations), R left for
    review (... suggestions), U unmatched' with A + R + U = N."""
    import re
    import shutil
    path = tmp_path / "demo.xlsx"
    shutil.copy(demo.workbook, path)
    assert main(["match", str(path)]) == 0  # the payments still open are considered again
    out = capsys.readouterr().out
    m = re.search(r"considered (\d+) payment\(s\): (\d+) applied automatically \(\d+ allocation\(s\)\), "
                  r"(\d+) left for review \(\d+ suggestion\(s\)\), (\d+) unmatched", out)
    assert m, out
    n, a, r, u = map(int, m.groups())
    assert n > 0 and a + r + u == n


def _re_pointed(inv_1002: str, proposed: tuple, gap: str):
    """The netting book with INV-1002 (``inv_1002`` open) and one suggestion for INV-1001 (its open amount, the
    applied amount, the ``gap`` column's amount, flags) on which the reviewer typed INV-1002 and Confirm; applied:
    (book, change, the open amounts of INV-1001 and INV-1002, the Matches row)."""
    book = _netting_book()
    book.tables["Invoices"] = pd.concat([book.get("Invoices"), frame("Invoices", [
        ("INV-1002", "C1", "Acme", "2026-09-05", "2026-10-05", "EUR", inv_1002, inv_1002)],
        ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
         "open_amount"])], ignore_index=True)
    open_, applied, cents, flags = proposed
    book.tables["Matches"] = frame("Matches", [
        ("M-P1-INV-1001-S1", "R1", "P1", "INV-1002", "C1", open_, applied, cents, "suggested", 1, flags, "Confirm",
         "Sanne")],
        ["match_id", "run_id", "payment_id", "invoice_id", "customer_id", "open_amount", "applied_amount", gap,
         "decision", "rank", "flags", "review", "reviewed_by"])
    change = match.apply_decisions(book)
    inv = change.tables["Invoices"].set_index("invoice_id")["open_amount"]
    return book, change, (inv["INV-1001"], inv["INV-1002"]), change.tables["Matches"].iloc[0]


def test_a_suggestion_re_pointed_to_another_invoice_shows_and_disputes_that_invoice():
    from ar_xl.actions.dispute import dispute_from_short_pay
    # proposed for INV-1001 (800.00 of its 1,000.00, 200.00 short, an unearned discount); the reviewer typed INV-1002
    book, change, open_, r = _re_pointed("1500.00", ("1000.00", "800.00", "200.00", "short_pay;unearned_discount"),
                                         "short_pay")
    assert open_ == (100000, 70000)
    assert bool(r["applied"]) and (r["invoice_id"], r["review"], r["applied_amount"]) == ("INV-1002", "Confirm", 80000)
    assert (r["open_amount"], r["short_pay"], r["flags"]) == (150000, 70000, "short_pay")
    book.tables.update(change.tables)
    d = dispute_from_short_pay(book, "P1", "INV-1002", opened="2026-12-01").tables["Disputes"].iloc[0]
    assert (d["reason"], d["amount"], d["invoice_ids"]) == ("short payment / deduction", 70000, "INV-1002")


def test_a_tolerance_proposed_for_one_invoice_is_not_written_off_on_another_a_person_typed():
    # proposed for INV-1001: 800.00 paid, 1.50 bank charges written off; the reviewer typed INV-1002
    _, change, open_, r = _re_pointed("800.00", ("801.50", "800.00", "1.50", "tolerance"), "write_off")
    assert open_ == (100000, 0)
    assert (r["write_off"], r["short_pay"], r["flags"]) == (0, 0, "")
    assert not any(a["table"] == "WriteOffs" for a in change.audit)


def _live(m, payment_id):
    """A payment's Matches rows no one rejected: what the team sees as still to do for it."""
    rows = m[m["payment_id"] == payment_id]
    return rows[rows["review"].fillna("").astype(str).str.lower() != "reject"]


def test_a_payment_whose_only_suggestions_were_rejected_shows_as_unmatched(wb, capsys):
    # P3 (777.77, an unknown payer) is suggested for 2026-004700 and 2026-004800; the collector rejects both
    assert main(["match", str(wb)]) == 0
    _, _, m, _ = _state(wb)
    assert set(_live(m, "P3")["invoice_id"]) == {"2026-004700", "2026-004800"}
    _review(wb, "P3", "2026-004700", "Reject")
    _review(wb, "P3", "2026-004800", "Reject", who="Joris")
    assert main(["apply", str(wb)]) == 0
    assert main(["match", str(wb)]) == 0
    inv, pay, m, _ = _state(wb)
    assert pay.loc["P3", "unapplied_amount"] == 77777
    assert inv.loc["2026-004700", "open_amount"] == 77777 and inv.loc["2026-004800", "open_amount"] == 77777
    live = _live(m, "P3")
    assert list(live["match_id"]) == ["M-P3-unmatched"] and list(live["decision"]) == ["unmatched"]
    assert live.iloc[0]["evidence"] == ("nothing proposed but what was rejected: 2026-004700 (Matches row "
                                        "M-P3-2026-004700-S1), 2026-004800 (Matches row M-P3-2026-004800-S2); "
                                        "assign it by hand or ask the customer which invoices it pays")
    # the rejected rows stay as the collectors left them
    rejected = m[(m["payment_id"] == "P3") & (m["review"] == "Reject")].set_index("invoice_id")
    assert rejected["reviewed_by"].to_dict() == {"2026-004700": "Sanne", "2026-004800": "Joris"}
    assert set(rejected["decision"]) == {"suggested"} and not rejected["applied"].astype(bool).any()
    # a re-run keeps it as it is
    capsys.readouterr()
    assert main(["match", str(wb)]) == 0
    assert "considered 1 payment(s): 0 applied automatically (0 allocation(s)), 0 left for review (0 suggestion(s)), " \
        "1 unmatched (1 payment(s) unchanged)" in capsys.readouterr().out
    _, _, again, _ = _state(wb)
    assert list(_live(again, "P3")["match_id"]) == ["M-P3-unmatched"]


def test_a_payment_whose_automatic_match_was_rejected_shows_as_unmatched_not_as_its_rest(tmp_path):
    # P9 overpays 2026-004512 by 100.00: applied automatically, the 100.00 left as unapplied cash; the
    # collector rejects the invoice's row: all 1,600.00 is unapplied again, and that is what Matches shows
    wb = _overpaid(tmp_path)
    assert main(["match", str(wb)]) == 0
    _, _, m, _ = _state(wb)
    assert set(_live(m, "P9")["match_id"]) == {"M-P9-2026-004512", "M-P9-cash"}
    _review(wb, "P9", "2026-004512", "Reject")
    assert main(["apply", str(wb)]) == 0
    assert main(["match", str(wb)]) == 0
    inv, pay, m, _ = _state(wb)
    assert pay.loc["P9", "unapplied_amount"] == 160000 and inv.loc["2026-004512", "open_amount"] == 150000
    live = _live(m, "P9")
    assert list(live["match_id"]) == ["M-P9-unmatched"]
    assert (live.iloc[0]["decision"], live.iloc[0]["customer_id"], live.iloc[0]["payment_amount"]) == (
        "unmatched", "C1", 160000)
    assert "2026-004512 (Matches row M-P9-2026-004512)" in live.iloc[0]["evidence"]


def test_a_payment_whose_unapplied_rest_row_was_rejected_shows_its_rest_as_unmatched():
    # P9 overpays 2026-004512 by 100.00; the collector rejects the row of the 100.00 left as unapplied cash
    cols = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount"]
    book = Book(tables={
        "Customers": frame("Customers", [CUSTOMERS[0]], ["customer_id", "customer_name", "iban"]),
        "Invoices": frame("Invoices", [("2026-004512", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-10-01",
                                        "EUR", "1500.00", "1500.00")], cols),
        "Payments": frame("Payments", [("P9", "2026-11-20", "1600.00", "EUR", "BAKKER LOGISTIEK BV",
                                        "NL91ABNA0417164300", "Factuur 2026-004512", "1600.00", "unapplied")],
                          ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                           "unapplied_amount", "status"])})
    book = _decide(book, match.run(book), {"": ("Reject", "Sanne")})
    change = match.run(book)
    assert change.summary.endswith("considered 1 payment(s): 0 applied automatically (0 allocation(s)), 0 left for "
                                   "review (0 suggestion(s)), 1 unmatched")
    live = _live(change.tables["Matches"], "P9").set_index("match_id")
    assert live["applied_amount"].to_dict() == {"M-P9-2026-004512": 150000, "M-P9-unmatched": 0}
    assert live.loc["M-P9-unmatched", "payment_amount"] == 10000
    assert live.loc["M-P9-unmatched", "evidence"].startswith("nothing proposed but what was rejected: Matches row "
                                                             "M-P9-cash; ")


def _decide(book: Book, change: Change, reviews: dict) -> Book:
    """The book after ``change``, with reviews typed on Matches rows (invoice_id -> (review, reviewed_by))."""
    tables = {**book.tables, **change.tables}
    m = tables["Matches"].copy()
    for c in ("review", "reviewed_by"):
        m[c] = m[c].astype(object)
    for iid, (review, who) in reviews.items():
        m.loc[m["invoice_id"] == iid, ["review", "reviewed_by"]] = [review, who]
    return Book(tables={**tables, "Matches": m})


@pytest.mark.parametrize("rejected", ["CN-2001", "INV-1001"])
def test_a_reject_on_one_row_of_an_automatic_netting_reverses_the_payments_rows_together(rejected):
    # P1 paid 800.00 = INV-1001 1,000.00 less CN-2001 200.00, applied automatically; the collector rejects one row
    book = _netting_book()
    book = _decide(book, match.run(book), {rejected: ("Reject", "Sanne")})
    change = match.apply_decisions(book)
    assert change.summary == "applied 0 confirmed match(es), reversed 2 rejected one(s)"
    inv = change.tables["Invoices"].set_index("invoice_id")
    pay = change.tables["Payments"].set_index("payment_id")
    # the invoice and the credit note both back, the payment's 800.00 all unapplied: nothing lost, nothing twice
    assert (inv.loc["INV-1001", "open_amount"], inv.loc["CN-2001", "open_amount"]) == (100000, -20000)
    assert set(inv["status"]) == {"open"}
    assert (pay.loc["P1", "unapplied_amount"], pay.loc["P1", "status"]) == (80000, "unapplied")
    m = change.tables["Matches"].set_index("invoice_id")
    assert not m["applied"].astype(bool).any()
    assert m["review"].to_dict() == {"INV-1001": "Reject", "CN-2001": "Reject"}
    assert set(m["reviewed_by"]) == {"Sanne"}
    run = m["run_id"].iloc[0]
    audit = pd.DataFrame(change.audit)
    moved = audit[audit["table"].isin(["Invoices", "Payments"])]
    said = f"rejected: payment P1's allocation {run} with credit note CN-2001 netted reversed whole"
    assert set(moved["rule"]) == {said}
    assert set(moved["key"]) == {"INV-1001", "CN-2001", "P1"}


def _confirmed_netting() -> Book:
    """``_netting_book`` with its suggestion (INV-1001 and CN-2001 netted, rank 1) confirmed and applied."""
    book = _netting_book()
    book.tables["Matches"] = frame("Matches", [
        ("M-P1-INV-1001-S1", "R1", "P1", "INV-1001", "C1", "1000.00", "suggested", 1, "Confirm", "Sanne"),
        ("M-P1-CN-2001-S1", "R1", "P1", "CN-2001", "C1", "-200.00", "suggested", 1, "Confirm", "Sanne")],
        ["match_id", "run_id", "payment_id", "invoice_id", "customer_id", "applied_amount", "decision", "rank",
         "review", "reviewed_by"])
    change = match.apply_decisions(book)
    assert change.summary == "applied 2 confirmed match(es)"
    return Book(tables={**book.tables, **change.tables})


def test_a_reject_on_one_row_of_a_confirmed_netting_is_refused_naming_its_rows_until_all_are_rejected():
    book = _confirmed_netting()
    change = match.apply_decisions(_decide(book, Change("x"), {"CN-2001": ("Reject", "Joris")}))
    says = ("payment P1's allocation R1 with credit note CN-2001 netted is reversed whole, all its rows "
            "(M-P1-INV-1001-S1, M-P1-CN-2001-S1), and cannot be: M-P1-INV-1001-S1 has review 'Confirm'; type Reject "
            "on each of its rows (or clear the review) and apply again")
    assert change.summary.startswith(f"applied 0 confirmed match(es), refused 2: Matches row M-P1-INV-1001-S1: {says}")
    inv = change.tables["Invoices"].set_index("invoice_id")
    assert (inv.loc["INV-1001", "open_amount"], inv.loc["CN-2001", "open_amount"]) == (0, 0)
    assert change.tables["Payments"].set_index("payment_id").loc["P1", "unapplied_amount"] == 0
    m = change.tables["Matches"].set_index("invoice_id")
    assert m["applied"].astype(bool).all() and m["review"].to_dict() == {"INV-1001": "Confirm", "CN-2001": "Reject"}
    assert m.loc["CN-2001", "evidence"].startswith(f"refused: {says}")
    # the collector rejects the other row too: both reversed, the amounts back to the cent
    book = Book(tables={**book.tables, **change.tables})
    change = match.apply_decisions(_decide(book, Change("x"), {"INV-1001": ("Reject", "Joris")}))
    assert change.summary == "applied 0 confirmed match(es), reversed 2 rejected one(s)"
    inv = change.tables["Invoices"].set_index("invoice_id")
    assert (inv.loc["INV-1001", "open_amount"], inv.loc["CN-2001", "open_amount"]) == (100000, -20000)
    assert change.tables["Payments"].set_index("payment_id").loc["P1", "unapplied_amount"] == 80000
    m = change.tables["Matches"]
    assert not m["applied"].astype(bool).any()
    assert "refused" not in ";".join(m["flags"].fillna(""))
    assert not any(m["evidence"].fillna("").str.startswith("refused"))


@pytest.mark.parametrize("status", ["proposed", "exported"])
def test_a_credit_note_a_refund_holds_is_not_netted_automatically_nor_by_a_confirm(status):
    book = _netting_book()
    book.tables["Refunds"] = frame("Refunds", [("RF-000001", "C1", "CN-2001", "credit note", "200.00", "EUR", status)],
                                   ["refund_id", "customer_id", "source_id", "kind", "amount", "currency", "status"])
    change = match.run(book)
    m = change.tables["Matches"]
    assert set(m["decision"]) == {"suggested"} and not m["applied"].astype(bool).any()
    assert change.tables["Invoices"].set_index("invoice_id").loc["CN-2001", "open_amount"] == -20000
    assert change.tables["Payments"].set_index("payment_id").loc["P1", "unapplied_amount"] == 80000
    book = _decide(book, change, {"INV-1001": ("Confirm", "Sanne"), "CN-2001": ("Confirm", "Sanne")})
    change = match.apply_decisions(book)
    says = ("credit note CN-2001 has 200.00 open, of which 200.00 is held by refund RF-000001 (200.00) (Refunds): only "
            "0.00 of it can be netted, not 200.00; leave the credit note out, or cancel a proposed refund (type "
            "cancelled in its status in Refunds)")
    assert change.summary.startswith(f"applied 0 confirmed match(es), refused 2: Matches row M-P1-INV-1001-S1: {says}")
    inv = change.tables["Invoices"].set_index("invoice_id")
    assert (inv.loc["INV-1001", "open_amount"], inv.loc["CN-2001", "open_amount"]) == (100000, -20000)
    assert change.tables["Payments"].set_index("payment_id").loc["P1", "unapplied_amount"] == 80000


@pytest.mark.parametrize("commands", [["apply", "match"], ["match"]])
def test_the_rest_of_a_payment_a_person_applied_less_of_is_not_applied_to_that_invoice_by_match(wb, commands):
    # P3 (777.77 from an unknown account) is suggested for 2026-004700; Sanne confirms only 500.00 of it there
    assert main(["match", str(wb)]) == 0
    w = openpyxl.load_workbook(wb)
    ws = w["Matches"]
    col = {h: i + 1 for i, h in enumerate(header_names(ws))}
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["payment_id"]).value == "P3"
             and ws.cell(r, col["invoice_id"]).value == "2026-004700")
    mid = ws.cell(r, col["match_id"]).value
    for name, value in (("review", "Confirm"), ("reviewed_by", "Sanne"), ("applied_amount", 500)):
        ws.cell(r, col[name]).value = value
    w.save(wb)
    for command in commands:
        assert main([command, str(wb)]) == 0
    # the Confirm taught Match the payer's account: the rest, 277.77, is exactly what 2026-004700 has open, yet it
    # is only suggested there, saying why; the invoice keeps what Sanne left open
    inv, pay, m, _ = _state(wb)
    assert inv.loc["2026-004700", "open_amount"] == 27777 and pay.loc["P3", "unapplied_amount"] == 27777
    mine = m[m["payment_id"] == "P3"].set_index("match_id")
    assert (mine.loc[mid, "review"], mine.loc[mid, "applied_amount"], bool(mine.loc[mid, "applied"])) == (
        "Confirm", 50000, True)
    rest = mine.drop(index=mid)
    assert list(zip(rest["invoice_id"], rest["applied_amount"], rest["decision"], rest["applied"])) == [
        ("2026-004700", 27777, "suggested", False)]
    assert (f"a person applied less of this payment to 2026-004700 on Matches row {mid} (Sanne confirmed 500.00 of "
            "777.77 open): the rest is only suggested there") in rest["evidence"].iloc[0]
    # a re-run leaves it as it is (same rows, same run id)
    assert main(["match", str(wb)]) == 0
    _, pay2, m2, _ = _state(wb)
    assert pay2.loc["P3", "unapplied_amount"] == 27777
    again = m2[m2["payment_id"] == "P3"].set_index("match_id")
    assert list(again.index) == list(mine.index) and list(again["run_id"]) == list(mine["run_id"])

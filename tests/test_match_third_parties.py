"""Issue 15 §5: third parties declared in Customers.pays_for (a parent company for its subsidiaries, a
factoring company for its clients), a typo that hits another number of the customer, and a payment of twice
the named invoice."""
import pandas as pd

from ar_xl import frames, schema
from ar_xl.engine.matching import match

IBAN_PARENT = "NL91ABNA0417164300"
IBAN_SUB = "DE89370400440532013000"
IBAN_FACTOR = "BE71096123456769"
IBAN_OTHER = "NL02RABO0123456789"


def customers(pays_for=None):
    pays_for = pays_for or {}
    rows = [("PAR", "Jansen Holding B.V.", IBAN_PARENT), ("SUB", "Jansen Transport Duisburg GmbH", IBAN_SUB),
            ("SUB2", "Jansen Logistiek Venlo B.V.", ""), ("FAC", "ABN AMRO Commercial Finance N.V.", IBAN_FACTOR),
            ("OTH", "Bakkerij de Vries", IBAN_OTHER)]
    return frames.coerce(pd.DataFrame({
        "customer_id": [r[0] for r in rows], "customer_name": [r[1] for r in rows], "iban": [r[2] for r in rows],
        "pays_for": [pays_for.get(r[0], "") for r in rows]}), "Customers", "test")


BOOK = [("2026-004512", "PAR", "1234.56"), ("2026-004513", "PAR", "500.00"),
        ("INV-107700", "SUB", "842.17"), ("INV-107701", "SUB", "1200.00"),
        ("F26/00310", "SUB2", "377.40"), ("2026-005001", "OTH", "99.00")]


def invoices(book=BOOK):
    return frames.coerce(pd.DataFrame([
        {"invoice_id": i, "customer_id": c, "invoice_date": "2026-01-10", "due_date": "2026-02-10", "currency": "EUR",
         "amount": a, "open_amount": a} for i, c, a in book]), "Invoices", "test")


def payments(rows):
    return frames.coerce(pd.DataFrame([
        {"payment_id": f"P{k + 1}", "value_date": "2026-03-20", "amount": r["amount"], "currency": "EUR",
         "payer_name": r.get("name", ""), "payer_iban": r.get("iban", ""), "remittance": r.get("text", "")}
        for k, r in enumerate(rows)]), "Payments", "test")


def run(rows, pays_for=None, book=BOOK):
    return match(payments(rows), invoices(book), customers(pays_for))


def rank1(res, pid="P1"):
    r = res[(res["payment_id"] == pid) & (res["rank"] == 1)]
    return sorted(zip(r["invoice_id"], r["applied_amount"].astype(int))), set(r["decision"])


def test_customers_has_an_editable_pays_for_column():
    col = schema.CUSTOMERS.column("pays_for") if hasattr(schema.CUSTOMERS, "column") else \
        next(c for c in schema.CUSTOMERS.columns if c.name == "pays_for")
    assert col.editable


def test_a_parent_paying_a_subsidiarys_invoice_is_applied_to_it():
    # the parent's account, the parent's name, the subsidiary's invoice number: none of the parent's own
    pay = {"amount": "842.17", "iban": IBAN_PARENT, "name": "JANSEN HOLDING BV", "text": "Rechnung INV-107700"}
    res = run([pay], {"PAR": "SUB"})
    assert rank1(res) == ([("INV-107700", 84217)], {"auto"})
    row = res.iloc[0]
    assert row.customer_id == "SUB" and row.rule == "ref+amount"
    assert "PAR" in row.evidence and "pays for SUB" in row.evidence
    assert "conflict" not in row["flags"]


def test_without_pays_for_it_is_a_suggestion_naming_the_referenced_invoice_first():
    pay = {"amount": "842.17", "iban": IBAN_PARENT, "name": "JANSEN HOLDING BV", "text": "Rechnung INV-107700"}
    res = run([pay])
    assert rank1(res) == ([("INV-107700", 84217)], {"suggested"})
    assert "conflict" in res.iloc[0]["flags"]


def test_pays_for_lists_several_customers_separated_by_semicolons_or_commas():
    pays = [{"amount": "377.40", "iban": IBAN_PARENT, "text": "fact F26/00310"},
            {"amount": "1200.00", "iban": IBAN_PARENT, "text": "Rechnung INV-107701"}]
    for listed in ("SUB; SUB2", "SUB2,SUB"):
        res = run(pays, {"PAR": listed})
        assert rank1(res, "P1") == ([("F26/00310", 37740)], {"auto"})
        assert rank1(res, "P2") == ([("INV-107701", 120000)], {"auto"})


def test_a_factoring_company_pays_its_clients_invoice_by_a_bare_number():
    pay = {"amount": "842.17", "iban": IBAN_FACTOR, "name": "ABN AMRO COMMERCIAL FINANCE",
           "text": "/INV/107700 DEBTOR JANSEN TRANSPORT"}
    res = run([pay], {"FAC": "SUB;SUB2"})
    assert rank1(res) == ([("INV-107700", 84217)], {"auto"})
    assert res.iloc[0].customer_id == "SUB"


def test_a_third_partys_payment_without_reference_is_only_suggested():
    # 377.40 is the only open item of that amount at one of the factor's clients: one step removed, no reference
    res = run([{"amount": "377.40", "iban": IBAN_FACTOR, "text": "Zahlung"}], {"FAC": "SUB;SUB2"})
    assert rank1(res) == ([("F26/00310", 37740)], {"suggested"})


def test_the_subsidiary_paying_itself_is_unchanged_and_another_payer_still_conflicts():
    res = run([{"amount": "842.17", "iban": IBAN_SUB, "text": "INV-107700"},
               {"amount": "1200.00", "iban": IBAN_OTHER, "text": "Rechnung INV-107701"}], {"PAR": "SUB"})
    assert rank1(res, "P1") == ([("INV-107700", 84217)], {"auto"})
    assert rank1(res, "P2")[1] == {"suggested"}


def test_a_typo_that_hits_another_number_of_the_customer_is_read_as_the_one_that_fits():
    # 2026-004512 (1234.56) is written, 500.00 is paid: exactly 2026-004513, one digit away
    res = run([{"amount": "500.00", "iban": IBAN_PARENT, "text": "factuur 2026-004512"}])
    assert rank1(res) == ([("2026-004513", 50000)], {"auto"})
    assert "one digit off" in res.iloc[0].evidence
    # paid more than the number written: the fit is offered first, but an overpayment stays a rival
    res = run([{"amount": "1234.56", "iban": IBAN_PARENT, "text": "factuur 2026-004513"}])
    assert rank1(res) == ([("2026-004512", 123456)], {"suggested"})


def test_but_not_when_the_remittance_says_it_pays_less():
    book = BOOK + [("2026-004514", "PAR", "1259.75")]
    res = run([{"amount": "1234.56", "iban": IBAN_PARENT, "text": "factuur 2026-004514 minus 2% korting"}], book=book)
    assert rank1(res)[1] == {"suggested"}


def test_paying_twice_the_named_invoice_is_not_applied_to_another_of_that_amount():
    book = BOOK + [("INV-107650", "SUB", "842.17")]
    res = run([{"amount": "1684.34", "iban": IBAN_SUB, "text": "Rechnung INV-107700"}], book=book)
    first, decision = rank1(res)
    assert decision == {"suggested"}
    assert first == [("", 84217), ("INV-107700", 84217)]  # overpaid: the rest left as unapplied cash
    assert set(res["invoice_id"]) >= {"INV-107650"}  # the other invoice is offered, lower


def _workbook(tmp_path, payments):
    from helpers import seeded
    return seeded(
        tmp_path / "collections.xlsx",
        Customers=([("C1", "Bakker Holding B.V.", "NL91ABNA0417164300", "C5"),
                    ("C5", "Bakker Logistique Lille SARL", "", "")],
                   ["customer_id", "customer_name", "iban", "pays_for"]),
        Invoices=([("2026-004512", "C1", "Bakker Holding B.V.", "2026-09-01", "2026-10-01", "EUR", "1500.00", "1500.00"),
                   ("2026-004900", "C5", "Bakker Logistique Lille SARL", "2026-10-05", "2026-11-04", "EUR", "2000.00",
                    "2000.00")],
                  ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                   "open_amount"]),
        Payments=([(p, "2026-11-20", a, "EUR", "BAKKER HOLDING BV", "NL91ABNA0417164300", text, a, "unapplied")
                   for p, a, text in payments],
                  ["payment_id", "value_date", "amount", "currency", "payer_name", "payer_iban", "remittance",
                   "unapplied_amount", "status"]))


def test_in_the_workbook_a_parents_payment_closes_the_subsidiarys_invoice(tmp_path):
    from ar_xl.cli import main
    from ar_xl.workbook import xlsx
    wb = _workbook(tmp_path, [("P1", "2000.00", "Facture n° 2026-004900")])
    assert main(["match", str(wb)]) == 0
    book = xlsx.load(wb)
    inv = book.get("Invoices").set_index("invoice_id")
    m = book.get("Matches")
    row = m[m["payment_id"] == "P1"].iloc[0]
    assert (row["invoice_id"], row["customer_id"], row["decision"], int(row["applied_amount"])) == \
        ("2026-004900", "C5", "auto", 200000)
    assert "pays for C5" in row["evidence"]
    assert inv.loc["2026-004900", "open_amount"] == 0 and inv.loc["2026-004512", "open_amount"] == 150000


def test_confirming_a_third_partys_payment_teaches_the_client_nothing(tmp_path):
    # no reference: suggested; a person confirms it; the parent's account and name stay the parent's
    import openpyxl
    from ar_xl.cli import main
    from ar_xl.workbook import xlsx
    wb = _workbook(tmp_path, [("P1", "2000.00", "Zahlung")])
    assert main(["match", str(wb)]) == 0
    w = openpyxl.load_workbook(wb)
    ws = w["Matches"]
    from helpers import header_names
    col = {name: i + 1 for i, name in enumerate(header_names(ws))}  # the sheet shows human headers
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["invoice_id"]).value == "2026-004900"]
    assert rows and ws.cell(rows[0], col["decision"]).value == "suggested"
    ws.cell(rows[0], col["review"]).value = "Confirm"
    w.save(wb)
    assert main(["apply", str(wb)]) == 0
    book = xlsx.load(wb)
    assert book.get("Invoices").set_index("invoice_id").loc["2026-004900", "open_amount"] == 0
    c5 = book.get("Customers").set_index("customer_id").loc["C5"]
    assert c5["iban"] == "" and c5["aliases"] == ""

"""Small, realistic ERP exports written the way each ERP writes them, for the sync tests.

``Item`` is one open item; ``write(layout, items, path)`` writes it in one of ``LAYOUTS``:

* ``sap_fbl5n_de``  SAP FBL5N "unconverted" list: tab-separated, Windows-1252, report title lines,
  German headers, ``1.234,56`` with a trailing minus for credits, a ``*`` total line, one amount column;
* ``datev_opos``    DATEV OPOS: ``;``, Windows-1252, the ``EXTF`` line first, unsigned amounts with Soll/Haben;
* ``exact_nl``      Exact Online: ``;``, UTF-8 with BOM, Dutch headers, ``dd-mm-yyyy``, decimal comma;
* ``afas_nl_xlsx``  AFAS: XLSX with real dates and numbers;
* ``sage_fr``       Sage (FR): ``;``, Windows-1252, ``N° facture``/``Échéance``, ``1 234,56``, ``dd/mm/yyyy``;
* ``odoo_xlsx``     Odoo (EN): XLSX with "Partner" (a name, mapped by hand to customer_id);
* ``erpnext``       ERPNext's Accounts Receivable report: ``,``, ISO dates, ``1234.56``;
* ``dynamics_bc``   Business Central customer ledger entries: ``,``, month-first dates, ``"1,234.56"``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl


@dataclass(frozen=True)
class Item:
    invoice_id: str
    customer_id: str
    customer_name: str
    invoice_date: dt.date
    due_date: dt.date
    currency: str
    amount: int  # cents, negative for a credit note
    open: int  # cents
    reference: str = ""


def _de(cents: int, trailing_minus: bool = False, thousands: str = ".") -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    body = f"{whole:,}".replace(",", thousands) + f",{frac:02d}"
    if trailing_minus:
        return body + sign
    return sign + body


def _en(cents: int, thousands: bool = False) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{frac:02d}" if thousands else f"{sign}{whole}.{frac:02d}"


def _csv(rows: list[list], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def sap_fbl5n_de(items, path: Path) -> Path:
    head = ["Konto", "Name 1", "Belegnummer", "Belegart", "Belegdatum", "Nettofälligkeit",
            "Betrag in Belegwährung", "Belegwährung", "Referenz", "Zuordnung"]
    rows = [["Debitoren Einzelpostenliste"], ["Buchungskreis 1000  Stichtag offene Posten"], [], head]
    for it in items:
        rows.append([it.customer_id, it.customer_name, it.invoice_id, "DG" if it.amount < 0 else "RV",
                     f"{it.invoice_date:%d.%m.%Y}", f"{it.due_date:%d.%m.%Y}", _de(it.open, trailing_minus=True),
                     it.currency, it.reference, it.invoice_id])
    rows.append(["*", "", "", "", "", "", _de(sum(i.open for i in items if i.currency == "EUR"), True), "EUR", "", ""])
    path.write_bytes(_csv(rows, "\t").encode("cp1252"))
    return path


def datev_opos(items, path: Path) -> Path:
    rows = [["EXTF", "700", "21", "Offene Posten", "13", "20261123", "", "", "", "", "1000", "10001"],
            ["Konto", "Name", "Rechnungsnummer", "Belegdatum", "Fälligkeit", "Betrag", "Offener Betrag",
             "Soll/Haben", "WKZ"]]
    for it in items:
        rows.append([it.customer_id, it.customer_name, it.invoice_id, f"{it.invoice_date:%d.%m.%Y}",
                     f"{it.due_date:%d.%m.%Y}", _de(abs(it.amount)), _de(abs(it.open)),
                     "H" if it.amount < 0 else "S", it.currency])
    path.write_bytes(_csv(rows, ";").encode("cp1252"))
    return path


def exact_nl(items, path: Path) -> Path:
    rows = [["Relatie", "Naam", "Factuur", "Datum", "Vervaldatum", "Valuta", "Bedrag", "Openstaand", "Uw ref."]]
    for it in items:
        rows.append([it.customer_id, it.customer_name, it.invoice_id, f"{it.invoice_date:%d-%m-%Y}",
                     f"{it.due_date:%d-%m-%Y}", it.currency, _de(it.amount), _de(it.open), it.reference])
    path.write_bytes(b"\xef\xbb\xbf" + _csv(rows, ";").encode("utf-8"))
    return path


def _xlsx(rows, path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def afas_nl_xlsx(items, path: Path) -> Path:
    rows = [["Debiteur", "Naam debiteur", "Factuurnummer", "Factuurdatum", "Vervaldatum", "Valuta",
             "Factuurbedrag", "Openstaand saldo", "Betalingskenmerk"]]
    for it in items:
        rows.append([int(it.customer_id) if it.customer_id.isdigit() else it.customer_id, it.customer_name,
                     int(it.invoice_id) if it.invoice_id.isdigit() else it.invoice_id,
                     dt.datetime.combine(it.invoice_date, dt.time()), dt.datetime.combine(it.due_date, dt.time()),
                     it.currency, it.amount / 100, it.open / 100, it.reference or None])
    return _xlsx(rows, path)


def sage_fr(items, path: Path) -> Path:
    rows = [["N° facture", "Code client", "Raison sociale", "Date facture", "Échéance", "Devise", "Montant TTC",
             "Montant restant", "Référence"]]
    for it in items:
        rows.append([it.invoice_id, it.customer_id, it.customer_name, f"{it.invoice_date:%d/%m/%Y}",
                     f"{it.due_date:%d/%m/%Y}", it.currency, _de(it.amount, thousands=" "),
                     _de(it.open, thousands=" "), it.reference])
    path.write_bytes(_csv(rows, ";").encode("cp1252"))
    return path


def odoo_xlsx(items, path: Path) -> Path:
    rows = [["Number", "Partner", "Invoice/Bill Date", "Due Date", "Currency", "Total Signed", "Amount Due Signed",
             "Payment Reference"]]
    for it in items:
        rows.append([it.invoice_id, it.customer_id, f"{it.invoice_date:%Y-%m-%d}", f"{it.due_date:%Y-%m-%d}",
                     it.currency, it.amount / 100, it.open / 100, it.reference])
    return _xlsx(rows, path)


def erpnext(items, path: Path) -> Path:
    rows = [["Posting Date", "Customer", "Customer Name", "Voucher Type", "Voucher No", "Due Date", "Invoiced Amount",
             "Outstanding Amount", "Currency", "Customer LPO"]]
    for it in items:
        rows.append([f"{it.invoice_date:%Y-%m-%d}", it.customer_id, it.customer_name,
                     "Sales Invoice", it.invoice_id, f"{it.due_date:%Y-%m-%d}", _en(it.amount), _en(it.open),
                     it.currency, ""])
    path.write_text(_csv(rows, ","), encoding="utf-8")
    return path


def dynamics_bc(items, path: Path) -> Path:
    rows = [["Posting Date", "Document Type", "Document No.", "Customer No.", "Customer Name", "Due Date",
             "Currency Code", "Original Amount", "Remaining Amount", "External Document No."]]
    for it in items:
        rows.append([f"{it.invoice_date.month}/{it.invoice_date.day}/{it.invoice_date.year}",
                     "Credit Memo" if it.amount < 0 else "Invoice", it.invoice_id, it.customer_id, it.customer_name,
                     f"{it.due_date.month}/{it.due_date.day}/{it.due_date.year}", it.currency,
                     _en(it.amount, thousands=True), _en(it.open, thousands=True), ""])
    path.write_bytes(b"\xef\xbb\xbf" + _csv(rows, ",").encode("utf-8"))
    return path


LAYOUTS = {f.__name__: f for f in (sap_fbl5n_de, datev_opos, exact_nl, afas_nl_xlsx, sage_fr, odoo_xlsx, erpnext,
                                   dynamics_bc)}
SUFFIX = {"afas_nl_xlsx": ".xlsx", "odoo_xlsx": ".xlsx", "sap_fbl5n_de": ".txt"}
MAPPING = {"odoo_xlsx": {"customer_id": "Partner"}}
"""Layouts whose customer number needs naming by hand."""


def write(layout: str, items, path: Path) -> Path:
    path = Path(path)
    if path.suffix == "" or path.is_dir():
        path = path / f"{layout}{SUFFIX.get(layout, '.csv')}"
    return LAYOUTS[layout](list(items), path)


def datev_debitoren(rows: list[tuple], path: Path) -> Path:
    """DATEV customer master export: (id, name, country, language, iban, email, credit limit cents, clerk)."""
    out = [["Kundennummer", "Name", "Land", "Sprache", "IBAN", "E-Mail", "Kreditlimit", "Sachbearbeiter"]]
    for cid, name, country, lang, iban, email, limit, clerk in rows:
        out.append([cid, name, country, lang, iban, email, _de(limit) if limit is not None else "", clerk])
    path.write_bytes(_csv(out, ";").encode("cp1252"))
    return path

"""Render the README's pictures of the letters: one reminder per language and a statement of account.

    PYTHONPATH=. python docs/make_letters.py      # writes docs/reminder-<lang>.png, docs/statement-de.png

Each language gets a small workbook with a company letterhead of that country and one customer, the
reminder history that makes the wanted level due on 1 June 2026 (a date the shipped rate table covers,
so the statutory interest of the final notices is computed), then ``ar-xl remind`` and ``ar-xl
statement`` run on it and poppler's ``pdftoppm`` renders page 1 at 80 dpi.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd

from ar_xl import frames
from ar_xl.book import Change
from ar_xl.cli import main
from ar_xl.workbook import xlsx

DOCS = Path(__file__).resolve().parent
AS_OF = "2026-06-01"

COMPANY = {
    "de": ("Nordlicht Straße & Söhne AG", "Große Elbstraße 14; 22767 Hamburg; Deutschland", "+49 40 123456",
           "debitoren@nordlicht.example", "DE89370400440532013000", "COBADEFFXXX"),
    "en": ("Hargreaves Freight Ltd", "12 Wharf Road; Leeds LS1 4BR; United Kingdom", "+44 113 496 0000",
           "creditcontrol@hargreaves.example", "GB29NWBK60161331926819", "NWBKGB2L"),
    "nl": ("Van den Berg Koeltechniek B.V.", "Europalaan 40; 3526 KS Utrecht; Nederland", "+31 30 123 4567",
           "debiteuren@vandenberg.example", "NL91ABNA0417164300", "ABNANL2A"),
    "fr": ("Ateliers Lefèvre SAS", "18 quai Saint-Vincent; 69001 Lyon; France", "+33 4 72 00 00 00",
           "recouvrement@lefevre.example", "FR7630006000011234567890189", "AGRIFRPP"),
}
CUSTOMER = {  # id, name, country, e-mail, the level the letter is (reminders before it)
    "de": ("K-10452", "Spedition Kühn GmbH", "DE", "buchhaltung@kuehn.example", 2),
    "en": ("C-2231", "Bramley & Søn Trading Ltd", "GB", "ledger@bramley.example", 1),
    "nl": ("D-0871", "Bakker Logistiek B.V.", "NL", "crediteuren@bakker.example", 3),
    "fr": ("F-3390", "Société d'Épicerie Générale", "FR", "compta@epicerie.example", 3),
}


def _frame(table, rows, columns):
    return frames.coerce(pd.DataFrame(rows, columns=columns), table, "docs")


def workbook(path: Path, lang: str) -> Path:
    cid, name, country, mail, level = CUSTOMER[lang]
    cur = "GBP" if country == "GB" else "EUR"
    xlsx.create(path)
    book = xlsx.load(path)
    ch = Change("docs")
    ch.tables["Customers"] = _frame("Customers", [(cid, name, lang, mail, country)],
                                    ["customer_id", "customer_name", "language", "email", "country"])
    invoices = [
        (f"2026-00{412 + i}", cid, name, inv, due, cur, amt, amt, "open", ref)
        for i, (inv, due, amt, ref) in enumerate([
            ("2026-02-13", "2026-03-15", "4812.40", "RF71 2026 0041 2"),
            ("2026-03-02", "2026-04-01", "1299.00", ""),
            ("2026-03-20", "2026-04-19", "385.75", ""),
        ])]
    invoices.append(("CN-2026-017", cid, name, "2026-04-10", "2026-04-10", cur, "-250.00", "-250.00", "open", ""))
    invoices.append(("2026-00499", cid, name, "2026-05-12", "2026-06-11", cur, "2150.00", "2150.00", "open", ""))
    ch.tables["Invoices"] = _frame("Invoices", invoices, ["invoice_id", "customer_id", "customer_name", "invoice_date",
                                                          "due_date", "currency", "amount", "open_amount", "status",
                                                          "payment_reference"])
    history = [(f"R-00000{n}", cid, n, day, "2026-00412; 2026-00413; 2026-00414")
               for n, day in ((1, "2026-04-20"), (2, "2026-05-10"))][:level - 1]
    if history:
        ch.tables["Reminders"] = _frame("Reminders", history, ["reminder_id", "customer_id", "level", "sent_on", "items"])
    xlsx.save(book, ch)
    w = openpyxl.load_workbook(path)
    ws = w["Config"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    co = dict(zip(("name", "address", "phone", "email", "iban", "bic"), COMPANY[lang]))
    for k, v in co.items():
        ws.cell(rows[f"company.{k}"], 2, v)
    w.save(path)
    return path


def png(pdf: Path, target: Path) -> None:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True)


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for lang in COMPANY:
            folder = tmp / lang
            folder.mkdir()
            wb = workbook(folder / "collections.xlsx", lang)
            cid = CUSTOMER[lang][0]
            assert main(["remind", str(wb), "--as-of", AS_OF, "--out", str(folder)]) == 0
            [letter] = [p for p in folder.glob("R-*.pdf") if not p.name.endswith("_statement.pdf")]
            png(letter, DOCS / f"reminder-{lang}.png")
            if lang == "de":
                out = folder / "statement.pdf"
                assert main(["statement", str(wb), "--customer", cid, "--as-of", AS_OF, "--out", str(out)]) == 0
                png(out, DOCS / f"statement-{lang}.png")
    print("wrote", ", ".join(sorted(p.name for p in DOCS.glob("*.png"))), file=sys.stderr)


if __name__ == "__main__":
    run()

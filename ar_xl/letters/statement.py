"""The statement of account as a PDF, in the customer's language.

* **Prose** comes from jinja2 templates like the reminders' (``render._env``: Config ``dunning.templates``
  may replace them): ``statement_<lang>.txt`` (a ``Subject:`` line, a blank line, the opening text
  above the tables) and ``statement_payment_<lang>.txt`` (bank details, which reference to quote, the
  closing, below them).
* **Tables**: per currency (base currency first) the lines in date order with the running balance,
  then that currency's totals; then the aging summary, one row per currency.  Amounts in the tables
  are numbers in the customer's locale (de ``1.234,56``) under a heading naming the currency; totals
  and the opening text carry the currency (de ``1.234,56 €``).  Dates are short dates in the locale
  (de ``01.10.26``) in the tables, long dates (``1. Oktober 2026``) in the text.
* **Handed-over invoices** (``handed_over_to``): the Reference cell names with whom they are settled (de ``bei
  Incasso Noord B.V.``); the payment text gets ``handed_over`` (agency, invoice numbers) and ``pay_us``.
* The letterhead, fonts and paragraphs are ``render``'s (DejaVu Sans, fpdf2).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

from ..errors import ArXlError
from . import render

LABELS = {
    "en": {"kind": {"invoice": "Invoice", "credit note": "Credit note", "payment": "Payment"},
           "head": ("Type", "Document", "Date", "Due date", "Days late", "Amount", "Open", "Balance", "Reference"),
           "currency": "Items in {cur}", "invoices": "Invoices", "credits": "Credit notes and unapplied payments",
           "balance": "Balance", "overdue": "of which overdue", "aging": "Aging summary",
           "current": "Not yet due", "days": "{b} days", "credits_col": "Credits", "customer": "Customer number",
           "with": "with {to}"},
    "nl": {"kind": {"invoice": "Factuur", "credit note": "Creditnota", "payment": "Betaling"},
           "head": ("Soort", "Document", "Datum", "Vervaldatum", "Dagen te laat", "Bedrag", "Open", "Saldo",
                    "Kenmerk"),
           "currency": "Posten in {cur}", "invoices": "Facturen", "credits": "Creditnota's en niet-toegewezen betalingen",
           "balance": "Saldo", "overdue": "waarvan vervallen", "aging": "Ouderdomsoverzicht",
           "current": "Niet vervallen", "days": "{b} dagen", "credits_col": "Tegoeden", "customer": "Klantnummer",
           "with": "bij {to}"},
    "de": {"kind": {"invoice": "Rechnung", "credit note": "Gutschrift", "payment": "Zahlung"},
           "head": ("Art", "Beleg", "Datum", "Fällig am", "Tage Verzug", "Betrag", "Offen", "Saldo", "Referenz"),
           "currency": "Posten in {cur}", "invoices": "Rechnungen", "credits": "Gutschriften und nicht zugeordnete Zahlungen",
           "balance": "Saldo", "overdue": "davon überfällig", "aging": "Fälligkeitsstruktur",
           "current": "Noch nicht fällig", "days": "{b} Tage", "credits_col": "Guthaben", "customer": "Kundennummer",
           "with": "bei {to}"},
    "fr": {"kind": {"invoice": "Facture", "credit note": "Avoir", "payment": "Paiement"},
           "head": ("Type", "Pièce", "Date", "Échéance", "Jours retard", "Montant", "Reste dû", "Solde",
                    "Référence"),
           "currency": "Écritures en {cur}", "invoices": "Factures", "credits": "Avoirs et paiements non affectés",
           "balance": "Solde", "overdue": "dont échu", "aging": "Balance âgée",
           "current": "Non échu", "days": "{b} jours", "credits_col": "Avoirs", "customer": "Numéro client",
           "with": "chez {to}"},
}
WIDTHS = (16, 19, 16, 16, 13, 18, 18, 18, 34)
"""Column widths in mm (A4 less the margins: 168)."""
LIST_INVOICES = 12
"""The text below the tables lists the invoice numbers to quote when there are at most this many."""


def labels(lang: str) -> dict:
    return LABELS.get(lang, LABELS["en"])


def number(cents: int, lang: str) -> str:
    """``1.234,56`` (de): the amount without its currency, exact from cents."""
    return format_decimal(Decimal(int(cents)).scaleb(-2), format="#,##0.00", locale=render.locale_of(lang))


def short_day(d, lang: str) -> str:
    if d is None or pd.isna(d):
        return ""
    return format_date(pd.Timestamp(d).date(), format="short", locale=render.locale_of(lang))


def days_late(days) -> int | None:
    """The days overdue a line shows: none (a blank cell) for an item not yet due or due on the as-of date
    (0 or fewer days), a credit note or cash."""
    return None if pd.isna(days) or days <= 0 else int(days)


def bucket_title(label: str, lang: str) -> str:
    lab = labels(lang)
    return lab["current"] if label == "current" else lab["days"].format(b=label.replace("-", "–"))


def handed_over(stmt) -> list[dict]:
    """``[{"to": agency, "invoices": "2026-0002, 2026-0005"}, …]``: the statement's invoices on a live handover,
    by agency in the order they first appear."""
    by: dict[str, list[str]] = {}
    for doc, to in zip(stmt.lines["document"].tolist(), stmt.lines["handed_over_to"].tolist()):
        if to:
            by.setdefault(to, []).append(doc)
    return [{"to": to, "invoices": ", ".join(docs)} for to, docs in by.items()]


def context(stmt, customer_name: str, lang: str, dunning) -> dict:
    """What the statement templates may use (amounts formatted; ``*_cents`` are the numbers).  The invoice
    numbers to quote leave out those handed over (``handed_over``: settled with the agency); ``pay_us`` is false
    when every invoice on it is handed over (nothing to transfer to us)."""
    inv = stmt.lines[(stmt.lines["kind"] == "invoice") & (stmt.lines["handed_over_to"] == "")]
    agencies = handed_over(stmt)
    return {
        "customer_id": stmt.customer_id, "customer_name": customer_name, "language": lang,
        "as_of": render.day(stmt.as_of, lang),
        "totals": [{"currency": t.currency, "balance": render.money(t.balance, t.currency, lang),
                    "balance_cents": int(t.balance), "overdue": render.money(t.overdue, t.currency, lang),
                    "overdue_cents": int(t.overdue), "invoices": render.money(t.invoices, t.currency, lang),
                    "credits": render.money(t.credits, t.currency, lang)}
                   for t in stmt.totals.itertuples(index=False)],
        "invoice_numbers": ", ".join(inv["document"]) if len(inv) <= LIST_INVOICES else "",
        "company": dict(dunning.company),
        "handed_over": agencies,
        "pay_us": bool(len(inv)) or not agencies,
    }


def texts(stmt, customer_name: str, lang: str, dunning) -> tuple[str, str, str]:
    """(subject, the text above the tables, the text below them) from the templates."""
    import jinja2
    env = render._env(dunning.templates)
    ctx = context(stmt, customer_name, lang, dunning)
    out = []
    for name in (f"statement_{lang}.txt", f"statement_payment_{lang}.txt"):
        try:
            out.append(env.get_template(name).render(**ctx))
        except jinja2.TemplateNotFound:
            raise ArXlError(f"no statement template {name} (built-in folder {render.TEMPLATES})") from None
        except jinja2.TemplateError as e:
            raise ArXlError(f"statement template {name}: {e}") from None
    first, _, intro = out[0].partition("\n")
    if not first.lower().startswith("subject:"):
        raise ArXlError(f"statement template statement_{lang}.txt: the first line must be 'Subject: ...'")
    return first.split(":", 1)[1].strip(), intro.strip("\n"), out[1].strip("\n")


HEAD_PT, BODY_PT = 6.5, 6.8
"""Font sizes of the table headings and lines."""


def _row(doc, cells, widths, aligns, bold=False, fill=False, height=5.0) -> None:
    """One table row; a bold (heading) row wraps each cell on up to two lines and is underlined.  A cell too
    wide for its column is set in a smaller font (down to 4 pt) rather than cut: an amount, a date or a
    reference is never shortened."""
    if doc.will_page_break(height):
        doc.add_page()
    if bold:
        doc.set_font("DejaVu", "B", HEAD_PT)
        x, y = doc.get_x(), doc.get_y()
        for text, w, a in zip(cells, widths, aligns):
            doc.set_xy(x, y)
            doc.multi_cell(w, 3.3, text, align=a)
            x += w
        doc.set_xy(doc.l_margin, y + height)
        doc.line(doc.l_margin, y + height - 0.5, doc.l_margin + sum(widths), y + height - 0.5)
        return
    for text, w, a in zip(cells, widths, aligns):
        size = BODY_PT
        doc.set_font("DejaVu", "", size)
        while size > 4 and doc.get_string_width(text) > w - 2 * doc.c_margin:
            size -= 0.2
            doc.set_font("DejaVu", "", size)
        doc.cell(w, height, _fit(doc, text, w), align=a, fill=fill)
    doc.ln(height)


def _fit(doc, text: str, width: float) -> str:
    """``text`` cut (with …) to fit a cell of ``width`` mm at the current font."""
    room = width - 2 * doc.c_margin
    if doc.get_string_width(text) <= room:
        return text
    while text and doc.get_string_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def reference(line, lang: str) -> str:
    """The Reference cell of a line: its payment reference, or with whom a handed-over invoice is settled
    (``bei Incasso Noord B.V.``)."""
    return labels(lang)["with"].format(to=line.handed_over_to) if line.handed_over_to else line.payment_reference


def tables(doc, stmt, lang: str) -> None:
    """The lines per currency with their running balance and totals, then the aging summary."""
    lab = labels(lang)
    aligns = ("L", "L", "L", "L", "R", "R", "R", "R", "L")
    doc.set_fill_color(238, 238, 238)
    for cur in stmt.currencies:
        doc.set_font("DejaVu", "B", 10)
        doc.ln(2)
        doc.cell(0, 6, lab["currency"].format(cur=cur), new_x="LMARGIN", new_y="NEXT")
        _row(doc, lab["head"], WIDTHS, aligns, bold=True, height=7.5)
        part = stmt.lines[stmt.lines["currency"] == cur]
        for i, r in enumerate(part.itertuples(index=False)):
            if doc.will_page_break(5.0):  # a new page repeats the headings
                doc.add_page()
                _row(doc, lab["head"], WIDTHS, aligns, bold=True, height=7.5)
            cells = (lab["kind"][r.kind], r.document, short_day(r.date, lang), short_day(r.due_date, lang),
                     str(days_late(r.days_overdue) or ""),
                     number(r.amount, lang), number(r.open_amount, lang), number(r.balance, lang),
                     reference(r, lang))
            _row(doc, cells, WIDTHS, aligns, fill=i % 2 == 1)
        t = stmt.totals[stmt.totals["currency"] == cur].iloc[0]
        doc.ln(1)
        for key, cents, bold in (("invoices", t["invoices"], False), ("credits", t["credits"], False),
                                 ("balance", t["balance"], True), ("overdue", t["overdue"], False)):
            doc.set_font("DejaVu", "B" if bold else "", 8.5)
            doc.cell(sum(WIDTHS[:6]), 4.8, lab[key], align="R")
            doc.cell(WIDTHS[6] + WIDTHS[7], 4.8, render.money(int(cents), cur, lang), align="R",
                     new_x="LMARGIN", new_y="NEXT")
    if stmt.empty:
        return
    doc.ln(3)
    doc.set_font("DejaVu", "B", 10)
    if doc.will_page_break(8 + 5.2 * (len(stmt.currencies) + 2)):
        doc.add_page()
    doc.cell(0, 6, lab["aging"], new_x="LMARGIN", new_y="NEXT")
    heads = ["", *(bucket_title(b, lang) for b in stmt.buckets), lab["credits_col"], lab["balance"]]
    w_first = 14
    w = (168 - w_first) / (len(heads) - 1)
    widths = [w_first] + [w] * (len(heads) - 1)
    _row(doc, heads, widths, ["L"] + ["R"] * (len(heads) - 1), bold=True, height=7.5)
    for a in stmt.aging.itertuples(index=False):
        vals = list(a)
        _row(doc, [vals[0], *(number(v, lang) for v in vals[1:])], widths, ["L"] + ["R"] * (len(heads) - 1))


def pdf(stmt, customer_name: str, lang: str, dunning, email: str = "") -> bytes:
    """The statement as PDF bytes: letterhead, addressee, date, title, opening text, tables, payment text."""
    subject, intro, closing = texts(stmt, customer_name, lang, dunning)
    doc = render.document(subject, dunning.company.get("name", ""), stmt.as_of)
    render.letterhead(doc, dunning.company)
    render.addressee(doc, (customer_name, f"{labels(lang)['customer']}: {stmt.customer_id}", email),
                     render.day(stmt.as_of, lang))
    doc.set_font("DejaVu", "B", 12)
    doc.multi_cell(0, 6, subject, align="L", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    render.paragraphs(doc, intro)
    tables(doc, stmt, lang)
    doc.ln(4)
    render.paragraphs(doc, closing)
    return bytes(doc.output())


def file_name(customer_id: str, as_of: dt.date, suffix: str = ".pdf") -> str:
    """``statement_C0042_2026-12-01.pdf``: safe on every file system."""
    import re
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(customer_id)).strip("._") or "customer"
    return f"statement_{safe}_{as_of:%Y-%m-%d}{suffix}"

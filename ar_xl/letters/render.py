"""Reminder texts, PDF letters and .eml drafts, in the customer's language.

* **Texts** come from jinja2 templates, one file per tone (or level) and language:
  ``<tone>_<lang>.txt`` (``friendly_de.txt``) or, taking precedence, ``level<N>_<lang>.txt``.  The first
  line is ``Subject: ...``, then a blank line, then the body.  The built-in ones are in
  ``ar_xl/letters/templates``; a folder named in Config ``dunning.templates`` holding a file of the same
  name replaces it (``_items_<lang>.txt`` and ``_payment_<lang>.txt`` are the shared blocks).
* **Numbers, dates and currency** are written in the customer's locale with babel (en -> en_GB,
  nl -> nl_NL, de -> de_DE, fr -> fr_FR): de ``1.234,56 €`` / ``1. Dezember 2026``, nl ``€ 1.234,56`` /
  ``1 december 2026``, fr ``1 234,56 €`` / ``1 décembre 2026``.
* **The PDF** (fpdf2, pure Python, embeds a subset of a TrueType font) carries the letterhead from
  Config ``company.*``, the customer's name and address line, the date, the subject and the body with
  its list of overdue items.  The font is DejaVu Sans (ä é ß ø € and the French narrow space);
  ``ArXlError`` says how to install it when it is missing.
* **The draft** is a stdlib ``email`` message with ``X-Unsent: 1`` (Outlook opens it as a draft to send),
  To the customer's e-mail, From ``company.email``, the body as text and the PDF attached.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_percent

from ..errors import ArXlError

LOCALES = {"en": "en_GB", "nl": "nl_NL", "de": "de_DE", "fr": "fr_FR"}
TEMPLATES = Path(__file__).parent / "templates"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts"), Path(__file__).parent / "fonts")
PAY_WITHIN_DAYS = 7
"""The pay-by date in the letter: this many days after the as-of date."""


def locale_of(lang: str) -> str:
    return LOCALES.get(str(lang).lower(), "en_GB")


def money(cents: int, currency: str, lang: str) -> str:
    """``1.234,56 €`` (de) and so on: exact, from cents."""
    return format_currency(Decimal(int(cents)).scaleb(-2), currency, locale=locale_of(lang))


def day(d: dt.date, lang: str) -> str:
    """``1. Dezember 2026`` (de), ``1 december 2026`` (nl), ``1er décembre 2026`` (fr: the first of a month is
    written as an ordinal, which babel's pattern leaves out), ``1 December 2026`` (en)."""
    text = format_date(d, format="long", locale=locale_of(lang))
    if d.day == 1 and locale_of(lang).startswith("fr") and text.startswith("1 "):
        text = "1er" + text[1:]
    return text


HALF_YEARS = {"en": ("H1 {y}", "H2 {y}"), "nl": ("1e halfjaar {y}", "2e halfjaar {y}"),
              "de": ("1. Halbjahr {y}", "2. Halbjahr {y}"), "fr": ("1er semestre {y}", "2e semestre {y}")}


def half_year(period: str, lang: str) -> str:
    """``2026H2`` as ``2. Halbjahr 2026`` (de), ``2e semestre 2026`` (fr)..."""
    if len(period) != 6 or period[4] != "H":
        return period
    return HALF_YEARS.get(lang, HALF_YEARS["en"])[int(period[5]) - 1].format(y=period[:4])


def rates(pairs, lang: str) -> str:
    """The interest rates that applied: ``10,27 %`` alone, or ``11,27 % (1. Halbjahr 2025), 10,27 % (2. Halbjahr
    2025)`` when they changed; a flat Config rate has no half-year."""
    def pct(r) -> str:
        return format_percent(Decimal(r) / 100, "#,##0.00 %", locale=locale_of(lang))
    distinct = {r for _, r in pairs}
    if len(distinct) <= 1:
        return pct(next(iter(distinct))) if distinct else ""
    return ", ".join(f"{pct(r)} ({half_year(p, lang)})" for p, r in pairs)


def compensation_texts(letter) -> dict:
    """The compensation per invoice in words: ``compensation_breakdown`` ``2 x £40.00 + 1 x £70.00`` (UK bands),
    ``2 x 40,00 € = 2 x 34,33 £`` (a sum the law gives in another currency than the letter's);
    ``compensation_each`` the letter's sum per invoice when it is the same for all, else the breakdown;
    ``compensation_law`` the law (blank for the Config ``dunning.compensation``)."""
    lang, cur = letter.language, letter.currency
    groups: dict[tuple[int, int, str], int] = {}
    for item in letter.compensation_items:
        groups[item] = groups.get(item, 0) + 1
    parts = []
    for (cents, due, due_cur), k in sorted(groups.items(), key=lambda g: (g[0][0], g[0])):
        same = due_cur == cur and due == cents
        parts.append(f"{k} x {money(cents, cur, lang)}" if same
                     else f"{k} x {money(due, due_cur, lang)} = {k} x {money(cents, cur, lang)}")
    each = {c for c, _, _ in letter.compensation_items}
    breakdown = " + ".join(parts) or money(letter.compensation, cur, lang)  # a Letter made without its items
    return {"compensation_breakdown": breakdown, "compensation_law": letter.compensation_law,
            "compensation_each": money(next(iter(each)), cur, lang) if len(each) == 1 else breakdown}


def _env(override: str = ""):
    import jinja2
    loaders = []
    if override:
        folder = Path(override)
        if not folder.is_dir():
            raise ArXlError(f"Config dunning.templates: the folder {override} does not exist")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
    return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, autoescape=False, undefined=jinja2.StrictUndefined)


def context(letter, dunning, as_of: dt.date) -> dict:
    """What a template may use (every amount already formatted; ``*_cents`` are the numbers)."""
    lang, cur = letter.language, letter.currency
    items = [{
        "invoice_id": r.invoice_id, "invoice_date": day(r.invoice_date, lang) if r.invoice_date else "",
        "due_date": day(r.due_date, lang), "days": int(r.days_overdue),
        "amount": money(r.amount, cur, lang), "open": money(r.open_amount, cur, lang),
        "open_cents": int(r.open_amount), "interest": money(r.interest, cur, lang), "interest_cents": int(r.interest),
        "payment_reference": r.payment_reference,
    } for r in letter.items.itertuples(index=False)]
    n = len(items)
    return {
        "customer_id": letter.customer_id, "customer_name": letter.customer_name, "email": letter.email,
        "level": letter.level.number, "tone": letter.level.tone, "language": lang, "currency": cur,
        "as_of": day(as_of, lang), "pay_by": day(as_of + dt.timedelta(days=PAY_WITHIN_DAYS), lang),
        "items": items, "n_items": n,
        "amount": money(letter.amount, cur, lang), "amount_cents": letter.amount,
        "credit": money(-letter.credit, cur, lang), "credit_cents": letter.credit,
        "credit_notes": [{"id": k, "amount": money(-v, cur, lang)} for k, v in letter.credit_notes],
        "fee": money(letter.fee, cur, lang), "fee_cents": letter.fee,
        "interest": money(letter.interest, cur, lang), "interest_cents": letter.interest,
        "compensation": money(letter.compensation, cur, lang), "compensation_cents": letter.compensation,
        **compensation_texts(letter),
        "rate": rates(letter.interest_rates, lang),
        "interest_law": re.sub(r"\s*\([^()]*\)$", "", letter.interest_law),  # "art. 6:119a BW", not "(...)"
        "interest_missing": bool(letter.interest_missing_periods),
        "interest_missing_periods": ", ".join(half_year(p, lang) for p in letter.interest_missing_periods),
        "total": money(letter.total, cur, lang), "total_cents": letter.total,
        "company": dict(dunning.company),
    }


def texts(letter, dunning, as_of: dt.date) -> tuple[str, str]:
    """The subject and body of ``letter`` from its template (see the module docstring)."""
    names = [f"level{letter.level.number}_{letter.language}.txt", f"{letter.level.tone}_{letter.language}.txt"]
    return template_text(names, context(letter, dunning, as_of), dunning.templates, what="reminder template")


def _font(bold: bool = False) -> Path:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for d in FONT_DIRS:
        if (d / name).is_file():
            return d / name
    raise ArXlError(f"the font {name} is missing: install DejaVu (Debian/Ubuntu: apt-get install fonts-dejavu-core)")


def document(title: str, author: str, as_of: dt.date):
    """A new A4 fpdf2 document with the DejaVu fonts (regular ``""`` and bold ``"B"``) and a first page."""
    from fpdf import FPDF
    doc = FPDF(format="A4", unit="mm")
    doc.set_creation_date(dt.datetime.combine(as_of, dt.time(), tzinfo=dt.timezone.utc))
    doc.set_title(title)
    doc.set_author(author)
    doc.set_margins(22, 18, 20)
    doc.set_auto_page_break(True, 18)
    doc.add_font("DejaVu", "", str(_font()))
    doc.add_font("DejaVu", "B", str(_font(True)))
    doc.add_page()
    return doc


def letterhead(doc, company: dict) -> None:
    """Config ``company.*``: the name, the address lines (``;``-separated), phone and e-mail, a rule."""
    doc.set_font("DejaVu", "B", 15)
    doc.cell(0, 8, company.get("name", ""), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("DejaVu", "", 8.5)
    head = [p.strip() for p in company.get("address", "").split(";") if p.strip()]
    contact = " · ".join(v for v in (company.get("phone", ""), company.get("email", "")) if v)
    for line in head + ([contact] if contact else []):
        doc.cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    doc.set_draw_color(120, 120, 120)
    doc.line(doc.l_margin, doc.get_y() + 2, doc.w - doc.r_margin, doc.get_y() + 2)
    doc.ln(10)


def addressee(doc, lines, when: str) -> None:
    """The customer's lines (blank ones left out), then the date on the right."""
    doc.set_font("DejaVu", "", 10.5)
    for line in lines:
        if line:
            doc.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    doc.ln(8)
    doc.cell(0, 5, when, align="R", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)


def paragraphs(doc, text: str, size: float = 10) -> None:
    """Text as paragraphs: each line wrapped to the page, a blank line as a small gap."""
    doc.set_font("DejaVu", "", size)
    for para in text.split("\n"):
        if para.strip():
            doc.multi_cell(0, 5, para, align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            doc.ln(3)


def pdf(letter, subject: str, body: str, dunning, as_of: dt.date) -> bytes:
    """The letter as PDF bytes: letterhead, address block, date, subject, body."""
    doc = document(subject, dunning.company.get("name", ""), as_of)
    letterhead(doc, dunning.company)
    addressee(doc, (letter.customer_name, letter.customer_id, letter.email), day(as_of, letter.language))
    doc.set_font("DejaVu", "B", 12)
    doc.multi_cell(0, 6, subject, align="L", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    paragraphs(doc, body)
    return bytes(doc.output())


def eml(letter, subject: str, body: str, pdf_bytes: bytes, pdf_name: str, dunning, when: dt.datetime,
        more: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """The draft as .eml bytes (``X-Unsent: 1``), the PDF attached, then the ``(name, bytes)`` PDFs of
    ``more`` (the statement of account of a level 2+ reminder)."""
    msg = EmailMessage(policy=SMTP)
    msg["X-Unsent"] = "1"
    msg["To"] = addresses(letter.email)
    sender = dunning.company.get("email", "")
    if sender:
        msg["From"] = sender
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = format_datetime(when)
    msg.set_content(body, charset="utf-8")
    msg.add_attachment(pdf_bytes, maintype="application", subtype="pdf", filename=pdf_name)
    for name, data in more:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    msg["Content-Language"] = letter.language  # after set_content, which clears the Content-* headers
    return msg.as_bytes()


def addresses(cell: str) -> str:
    """Customers.email as a To header: ``a@x; b@y`` (or on separate lines) -> ``a@x, b@y``."""
    parts = [p.strip() for p in re.split(r"[;,\s]+", str(cell or "")) if p.strip()]
    return ", ".join(parts)


def file_stem(reminder_id: str, customer_id: str, level: int) -> str:
    """``R-000001_C0042_level1``: safe on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(customer_id)).strip("._") or "customer"
    return f"{reminder_id}_{safe}_level{level}"


def template_text(names, values: dict, override: str = "", what: str = "template") -> tuple[str, str]:
    """Subject and body of the first of ``names`` (one name or a list) found among the built-in templates or
    those of Config ``dunning.templates``, rendered with ``values``; the first line must be ``Subject: ...``."""
    import jinja2
    names = [names] if isinstance(names, str) else list(names)
    try:
        tpl = _env(override).select_template(names)
        text = tpl.render(**values)
    except jinja2.TemplateNotFound:
        raise ArXlError(f"no {what} {' or '.join(names)} (built-in folder {TEMPLATES}"
                        f"{', Config dunning.templates ' + override if override else ''})") from None
    except jinja2.TemplateError as e:
        raise ArXlError(f"{what} {names[-1]}: {e}") from None
    first, _, body = text.partition("\n")
    if not first.lower().startswith("subject:"):
        raise ArXlError(f"{what} {tpl.name}: the first line must be 'Subject: ...'")
    return first.split(":", 1)[1].strip(), body.lstrip("\n")


def draft(to: str, subject: str, body: str, language: str, sender: str, when: dt.datetime) -> bytes:
    """A plain-text .eml draft (``X-Unsent: 1``: Outlook opens it as a draft to send), no attachment."""
    msg = EmailMessage(policy=SMTP)
    msg["X-Unsent"] = "1"
    msg["To"] = addresses(to)
    if sender:
        msg["From"] = sender
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = format_datetime(when)
    msg.set_content(body, charset="utf-8")
    msg["Content-Language"] = language  # after set_content, which drops the Content-* headers set before it
    return msg.as_bytes()

"""The headers real exports use for our columns, in one table beside ``schema``.

Every reader of a foreign file (the ERP open-items and customer exports of ``ar-xl sync``,
the CSV/XLSX bank statements of ``ar-xl import``) finds its columns here.  Each entry maps a
canonical column to the headers that mean it, the preferred ones first; headers are compared
by ``header_key`` (no case, no accents, no spaces or punctuation), so ``Fälligkeit``,
``FÄLLIGKEIT`` and ``Falligkeit`` are one key (the spelling ``Faelligkeit`` is listed on its own).

Sources of the ERP headers: SAP FBL5N (EN/DE), DATEV OPOS (DE), Exact Online and AFAS (NL),
Sage (FR/EN), Odoo (EN/FR), ERPNext (EN), Microsoft Dynamics 365 Business Central and F&O (EN).

A header is claimed by one column only: ``resolve`` walks the columns in table order and
gives each the first of its synonyms found among the headers not yet claimed, after the
columns a person named by hand (``--map column=Header``).  A hand mapping naming a header the
file lacks is refused with the headers the file has.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Mapping, Sequence

from .errors import CellProblem, InputError


def header_key(header: object) -> str:
    """A header compared without case, accents, spaces or punctuation: ``N° Facture`` -> ``nfacture``."""
    text = unicodedata.normalize("NFKD", str(header if header is not None else ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "", text.lower())


_CUSTOMER_ID = (
    "customer_id", "customer id", "customer no.", "customer number", "customer account", "customer code",
    "account", "account no.", "a/c", "party",
    "debitor", "debitorennummer", "debitor-nr.", "debitorenkonto", "kundennummer", "kunden-nr.", "kundennr",
    "konto", "kontonummer",
    "debiteur", "debiteurnummer", "debiteurnr", "debiteurcode", "debiteur code", "klantnummer", "klantnr",
    "relatienummer", "relatiecode", "relatie",
    "code client", "compte client", "compte tiers", "n° client", "numéro client", "numero de client", "tiers",
    "customer", "kunde", "klant", "client", "partner id",
)
_CUSTOMER_NAME = (
    "customer_name", "customer name", "name", "name 1", "account name", "party name", "client name",
    "kundenname", "debitorname", "debitorenname", "geschäftspartner", "firmenname", "firma",
    "naam", "naam debiteur", "debiteurnaam", "debiteur naam", "klantnaam", "relatienaam", "bedrijfsnaam",
    "nom", "nom client", "nom du client", "raison sociale", "intitulé", "intitulé tiers",
    "partner",
)
_COLLECTOR = (
    "collector", "credit controller", "dunning clerk", "accounting clerk", "acctg clerk", "clerk",
    "sachbearbeiter", "mahnsachbearbeiter", "buchhaltungssachbearbeiter",
    "incassomedewerker", "debiteurenbeheerder", "credit manager",
    "chargé de recouvrement", "gestionnaire de recouvrement", "responsable recouvrement", "relanceur",
)

INVOICES: dict[str, tuple[str, ...]] = {
    "invoice_id": (
        "invoice_id", "invoice id", "invoice no.", "invoice number", "invoice", "inv ref", "invoice ref",
        "document number", "document no.", "doc. no.", "voucher no", "voucher number", "number", "id",
        "belegnummer", "belegnr.", "beleg-nr.", "rechnungsnummer", "rechnungsnr.", "re-nr.", "rechnung",
        "belegfeld 1",
        "factuurnummer", "factuurnr.", "factuur", "boekstuknummer", "boekstuknr.", "ons ref.", "onze referentie",
        "n° facture", "no facture", "numéro de facture", "numero facture", "facture", "n° pièce",
        "numéro de pièce", "pièce", "numéro",
    ),
    "customer_id": _CUSTOMER_ID,
    "customer_name": _CUSTOMER_NAME,
    "invoice_date": (
        "invoice_date", "invoice date", "invoice/bill date", "bill date", "document date", "doc. date",
        "rechnungsdatum", "belegdatum", "factuurdatum", "datum factuur", "date facture", "date de facture",
        "date de facturation", "date pièce", "date de pièce",
        "posting date", "buchungsdatum", "boekdatum", "date comptable", "transaction date",
        "date", "datum",
    ),
    "due_date": (
        "due_date", "due date", "net due date", "net due dt", "payment due date", "due on", "due",
        "nettofälligkeit", "nettofälligkeitsdatum", "fälligkeit", "fälligkeitsdatum", "fällig am", "fällig",
        "faelligkeit", "faellig am",
        "vervaldatum", "vervaldag", "verval datum", "uiterste betaaldatum",
        "échéance", "date d'échéance", "date échéance", "date limite de paiement",
    ),
    "currency": (
        "currency", "currency code", "document currency", "doc. currency", "transaction currency", "crcy",
        "curr.", "ccy", "local currency",
        "währung", "belegwährung", "wkz", "währungskennzeichen", "hauswährung", "waehrung",
        "valuta", "valutacode", "munt", "muntsoort",
        "devise", "code devise", "monnaie",
    ),
    "amount": (
        "amount", "original amount", "invoice amount", "invoiced amount", "amount in doc. curr.",
        "amount in document currency", "amount in transaction currency", "amount in local currency",
        "amount in lc", "gross amount", "gross", "grand total", "total signed", "invoice total", "total",
        "betrag", "rechnungsbetrag", "ursprungsbetrag", "betrag in belegwährung", "betrag in hauswährung",
        "bruttobetrag", "umsatz", "umsatz (ohne soll/haben-kz)",
        "bedrag", "factuurbedrag", "oorspronkelijk bedrag", "totaalbedrag", "bedrag incl. btw",
        "montant", "montant ttc", "montant facture", "montant total", "montant initial", "montant d'origine",
    ),
    "open_amount": (
        "open_amount", "open amount", "open", "outstanding amount", "outstanding", "amount due",
        "amount due signed", "residual amount", "amount residual", "remaining amount", "remaining amt.",
        "balance due", "open balance", "balance", "o/s", "o/s amount",
        "offener betrag", "offen", "op-betrag", "offener posten", "restbetrag", "offener saldo", "saldo",
        "openstaand", "openstaand bedrag", "openstaand saldo", "nog te betalen",
        "montant restant", "restant dû", "reste à payer", "montant dû", "solde restant", "montant ouvert",
        "solde",
    ),
    "collector": _COLLECTOR,
    "payment_reference": (
        "payment_reference", "payment reference", "payment ref", "structured reference", "creditor reference",
        "reference", "ref", "betalingskenmerk", "betaalkenmerk", "kenmerk", "zahlungsreferenz", "referenz",
        "référence de paiement", "communication structurée", "ogm", "référence",
    ),
    "po_number": (
        "po_number", "po number", "po no.", "po", "purchase order", "customer po", "customer lpo",
        "external document no.", "your reference", "your ref", "customer reference",
        "bestellnummer", "bestell-nr.", "ihre referenz", "uw referentie", "uw ref.", "inkoopordernummer",
        "bon de commande", "n° commande", "référence client", "votre référence",
    ),
    "direction": (
        "soll/haben", "soll/haben-kz", "s/h", "sh-kz", "debit/credit", "d/c", "debet/credit", "sens",
    ),
}
"""Open-items exports: canonical column of ``schema.INVOICES`` -> headers.  ``direction`` is no
column of the table: a debit/credit indicator (DATEV writes unsigned amounts beside ``S``/``H``)."""

CUSTOMERS: dict[str, tuple[str, ...]] = {
    "customer_id": _CUSTOMER_ID,
    "customer_name": _CUSTOMER_NAME,
    "iban": ("iban", "iban 1", "bank account", "bankverbindung", "bankrekening", "iban-nummer", "rekeningnummer",
             "compte bancaire"),
    "country": ("country", "country code", "country/region code", "country/region", "land", "landcode",
                "länderkennzeichen", "pays", "code pays"),
    "language": ("language", "language code", "correspondence language", "sprache", "taal", "taalcode", "langue"),
    "collector": _COLLECTOR,
    "credit_limit": ("credit_limit", "credit limit", "credit limit (lcy)", "kreditlimit", "kredietlimiet",
                     "limite de crédit", "plafond de crédit", "encours autorisé"),
    "email": ("email", "e-mail", "email address", "e-mail address", "e-mail-adresse", "e-mailadres", "mail",
              "courriel", "adresse e-mail"),
    "phone": ("phone", "phone number", "telephone", "telephone number", "phone no.", "tel", "tel.", "telefon",
              "telefonnummer", "telefon 1", "telefoon", "telefoonnummer", "téléphone", "numéro de téléphone"),
}
"""Customer master exports: canonical column of ``schema.CUSTOMERS`` -> headers."""

STATEMENT: dict[str, tuple[str, ...]] = {
    "value_date": (
        "value_date", "value date", "valutadatum", "valuta datum", "wertstellung", "wertstellungsdatum",
        "date de valeur", "date valeur", "valeur", "rentedatum",
    ),
    "booking_date": (
        "booking date", "booking_date", "date", "datum", "boekdatum", "buchungstag", "buchungsdatum",
        "transactiedatum", "date operation", "date d'operation", "date comptable", "transaction date",
        "posting date", "datum transactie",
    ),
    "amount": (
        "amount", "bedrag", "betrag", "montant", "bedrag (eur)", "betrag (eur)", "montant (eur)",
        "amount (eur)", "transactiebedrag", "umsatz", "betrag in eur", "bedrag eur", "betrag eur", "montant eur",
    ),
    "credit_amount": ("credit", "haben", "gutschrift", "credit amount", "bij", "credit (eur)", "haben (eur)", "montant credit"),
    "debit_amount": ("debit", "soll", "lastschrift", "debit amount", "af", "debit (eur)", "soll (eur)", "montant debit"),
    "direction": (
        "af bij", "af/bij", "s/h", "soll/haben", "soll haben", "debit/credit", "credit/debit", "debet/credit",
        "cd", "c/d", "d/c", "dc", "sens", "debit credit", "debit/credit indicator", "cdtdbtind",
    ),
    "currency": ("currency", "munt", "muntsoort", "waehrung", "wahrung", "devise", "monnaie", "ccy", "currency code"),
    "payer_name": (
        "payer_name", "payer name", "payer", "naam tegenrekening", "naam tegenpartij", "naam / omschrijving",
        "naam/omschrijving", "tegenpartij", "name", "naam", "counterparty", "counterparty name",
        "beguenstigter/zahlungspflichtiger", "begunstigter/zahlungspflichtiger", "name zahlungsbeteiligter",
        "zahlungspflichtiger", "auftraggeber", "auftraggeber/empfanger", "empfanger/auftraggeber",
        "nom", "nom de la contrepartie", "contrepartie", "tiers", "donneur d'ordre", "debtor", "debtor name",
        "remitter", "ordering party",
    ),
    "payer_iban": (
        "payer_iban", "payer iban", "tegenrekening", "tegenrekening iban", "tegenrekening iban/bban",
        "iban tegenrekening", "iban tegenpartij", "counterparty iban", "counterparty account",
        "iban zahlungsbeteiligter", "kontonummer/iban", "iban auftraggeber", "iban contrepartie",
        "compte contrepartie", "numero de compte de la contrepartie", "compte de la contrepartie",
        "debtor iban", "debtor account", "remitter iban",
    ),
    "remittance": (
        "remittance", "omschrijving", "omschrijving-1", "omschrijving-2", "omschrijving-3", "omschrijving 1",
        "omschrijving 2", "omschrijving 3", "mededelingen", "mededeling", "verwendungszweck",
        "communication", "communications", "libelle", "description", "details", "memo", "remittance information",
        "reference", "purpose", "betreff", "informations complementaires",
    ),
    "creditor_reference": (
        "creditor_reference", "creditor reference", "betalingskenmerk", "structured reference",
        "reference structuree", "communication structuree", "kundenreferenz",
    ),
    "bank_reference": (
        "bank_reference", "bank reference", "transaction id", "transaction reference", "transactiereferentie",
        "volgnr", "volgnummer", "reference bancaire", "buchungsreferenz", "referenz", "numero de sequence",
        "sequence number", "id",
    ),
    "statement_id": ("statement_id", "statement id", "statement", "afschriftnummer", "auszugsnummer", "numero d'extrait", "extrait"),
}
"""Bank statement CSV/XLSX exports (``ar_xl.bank.csvbank``): field -> headers.  Besides the
Payments columns: ``booking_date``, ``credit_amount``/``debit_amount`` and ``direction``."""

TABLES: dict[str, dict[str, tuple[str, ...]]] = {"Invoices": INVOICES, "Customers": CUSTOMERS, "Statement": STATEMENT}


def keys(names: Sequence[str]) -> list[str]:
    return [header_key(n) for n in names]


def resolve(headers: Sequence[object], synonyms: Mapping[str, Sequence[str]],
            mapping: Mapping[str, str] | None = None, source: str = "input",
            row: int | None = None) -> dict[str, int]:
    """Canonical column -> index in ``headers``: the hand ``mapping`` first, then the synonyms.

    A mapping naming a column we do not know, or a header the file lacks, raises ``InputError``
    naming the headers the file has.  ``row`` is the header's row number, for that message."""
    hk = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    taken: set[int] = set()
    problems = []
    shown = ", ".join(repr(str(h)) for h in headers if h is not None and str(h).strip())
    for col, header in (mapping or {}).items():
        if col not in synonyms:
            problems.append(CellProblem(source, None, None, f"--map {col}={header}: there is no column {col!r} "
                                        f"to map; the columns are {', '.join(synonyms)}"))
            continue
        k = header_key(header)
        if k not in hk:
            problems.append(CellProblem(source, row, None, f"--map {col}={header}: the file has no column "
                                        f"{str(header)!r}; its columns are {shown or '(none)'}"))
            continue
        found[col] = hk.index(k)
        taken.add(found[col])
    if problems:
        raise InputError(problems)
    for col, names in synonyms.items():
        if col in found:
            continue
        for k in keys(names):
            if k in hk:
                i = hk.index(k)
                if i not in taken:
                    found[col] = i
                    taken.add(i)
                    break
    return found

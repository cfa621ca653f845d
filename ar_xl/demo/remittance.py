"""How customers word a payment: the payer name the bank shows and the remittance text.

Templates per language for one invoice, several invoices, a part payment and a payment that names
no invoice; the strangers whose money arrives too; how a bank shows the payer's name (as typed,
folded to ASCII in capitals, without its legal form, cut at 35 characters) and how an invoice
number is typed (as is, without dashes, the number without its year).
"""
from __future__ import annotations

import random

from .names import ascii_fold, strip_legal_form

WORDING = {  # language -> templates for one invoice
    "nl": ("Factuur {id}", "factuurnr {id}", "Betaling factuur {id}", "fact. {id} dd {date:%d-%m-%Y}",
           "{id}", "Uw factuur {id} ons kenmerk {po}"),
    "de": ("Rechnung {id}", "RE {id} vom {date:%d.%m.%Y}", "Rechnungsnr. {id}", "Zahlung RG {id}",
           "{id} KD-NR {cust}"),
    "fr": ("Facture {id}", "Règlement facture {id}", "FACT {id} DU {date:%d/%m/%Y}", "Paiement fact. {id}",
           "VIR {id}"),
    "en": ("INV {id}", "Invoice {id}", "Payment of invoice {id}", "Inv no {id} PO {po}", "{id}"),
}
MULTI = {
    "nl": "Facturen {ids}", "de": "Rechnungen {ids}", "fr": "Factures {ids}", "en": "Invoices {ids}",
}
PARTIAL = {
    "nl": ("Deelbetaling factuur {id}", "gedeeltelijke betaling {id}"),
    "de": ("Teilzahlung RE {id}", "Abschlag Rechnung {id}"),
    "fr": ("Acompte sur facture {id}", "Paiement partiel fact. {id}"),
    "en": ("Part payment inv {id}", "On account {id}"),
}
NAME_ONLY = {
    "nl": ("Betaling", "Crediteurenbetaling week {week}", "BETALINGSRUN {run}", ""),
    "de": ("Zahlung", "Zahllauf {run}", "Sammelüberweisung KW {week}", ""),
    "fr": ("Paiement fournisseur", "VIREMENT {run}", "Règlement fournisseurs", ""),
    "en": ("Payment", "BACS PAYMENT RUN {run}", "Supplier payment", ""),
}
STRANGERS = (
    ("J. de Vries", "NL"), ("M. Janssens", "BE"), ("Stichting Vrienden van het Havenmuseum", "NL"),
    ("Hr. Thomas Becker", "DE"), ("Mme Claire Dubois", "FR"), ("Mr D. Pemberton", "UK"),
    ("Verkehrsverein Nordstadt e.V.", "DE"), ("Belastingdienst", "NL"),
)


def payer_name(r: random.Random, name: str, country: str) -> str:
    """The payer's name as the bank shows it."""
    p = r.random()
    if p < 0.45:
        shown = name
    elif p < 0.7:
        shown = ascii_fold(name).upper()
    elif p < 0.85:
        shown = strip_legal_form(name, country)
    else:
        shown = name.upper()
    if len(shown) > 35 and r.random() < 0.6:
        shown = shown[:35]
    return shown


def invoice_number_as_typed(r: random.Random, inv_id: str) -> str:
    """An invoice number as a customer types it in the remittance."""
    p = r.random()
    if p < 0.8:
        return inv_id
    if p < 0.92:
        return inv_id.replace("-", "")
    return inv_id.split("-")[-1].lstrip("0")  # "4512": the number without its year


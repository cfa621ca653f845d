"""Language evidence: which of the customers' languages (``Customers.language``: nl, de, fr, en) the words of a
remittance are written in (``language_of``), from short lists of the words payers write next to a payment
(invoice, payment, transfer, customer number, the months, a few small words).  A word two of the languages share
("juni", "april", "november", "mai", "client", "de", "en") counts for none; a bank's own words and the invoice ids
(``INV-``, ``RE``, ``Nr``) are left out.  The text's language is the one with the most words, '' when none or when
two tie.

It is evidence for the *ranking* of suggestions only (``decide._review_key``): a German company writes
"Rechnung"/"Zahlung", a French one "facture"/"règlement", a Dutch one "factuur"/"betaling"; among otherwise equal
candidates at different customers the customer whose language the remittance is in comes first.  It never makes
anything automatic, and never changes a score or the confidence shown.
"""
from __future__ import annotations

import re
import unicodedata

WORDS = {
    "nl": """factuur facturen factuurnr factuurnummer betaling betalingen betaald overboeking overschrijving
             termijn termijnen klantnr klantnummer klant zie specificatie voldaan voldoening restant restbedrag
             deelbetaling gedeeltelijk korting debiteurnr debiteurnummer rekening rekeningnr kenmerk betreft uw
             onze ons voor bedrag creditnota vooruitbetaling aflossing openstaand openstaande saldo bedankt dank
             januari februari maart mei augustus maandelijks""",
    "de": """rechnung rechnungen rechnungsnr rechnungsnummer rg rgnr zahlung zahlungen bezahlt überweisung
             ueberweisung kd kdnr kundennr kundennummer kunde ihre unsere unser für fuer vom laut gemäß gemaess
             skonto teilzahlung teilbetrag abschlag abschlagszahlung anzahlung restzahlung gutschrift abzgl
             abzüglich betrag begleichung ausgleich offene posten lastschrift vielen dank januar februar märz
             maerz dezember monatlich""",
    "fr": """facture factures paiement paiements payé règlement reglement réglement virement versement réf notre
             nos votre vos pour du au acompte partiel partielle moins escompte avoir solde échéance echeance
             relevé releve merci montant restant janvier février fevrier mars avril juin juillet août aout
             septembre octobre novembre décembre decembre mensuel mensualité""",
    "en": """invoice invoices payment payments paid transfer account acct our your thank thanks remittance
             settlement balance partial less customer cust outstanding amount due instalment installment january
             february march may june july august october december monthly""",
}
"""The words of each language a remittance is read for (lower case, as a word of letters)."""

_SHARED = {"mai", "juni", "juli", "april", "september", "november", "oktober", "august", "december", "client",
           "de", "en", "van", "des", "fact", "nr", "no", "re", "ref", "inv", "sepa"}
"""Words of two or more of the languages, or of every bank (never evidence)."""

_LANG_OF: dict[str, str] = {}
for _lang, _words in WORDS.items():
    for _w in _words.split():
        _w = _w.strip(".")
        if _w in _SHARED:
            continue
        # a word listed under two languages counts for neither
        _LANG_OF[_w] = "" if _LANG_OF.get(_w, _lang) != _lang else _lang
_LANG_OF = {w: lang for w, lang in _LANG_OF.items() if lang}

_STEMS = {"nl": ("factuur", "betaling"), "de": ("rechnung", "zahlung"), "fr": ("facture", "paiement", "règlement"),
          "en": ("invoice", "payment")}
"""Compounds ("Rechnungsbetrag", "Teilzahlung", "factuurdatum"): a word that starts or ends with one of these."""

_WORD = re.compile(r"[^\W\d_]+")


def language_of(text: str) -> str:
    """The language (``nl``, ``de``, ``fr``, ``en``) most of the remittance's listed words are in; '' when it has
    none or two languages have as many."""
    if not text:
        return ""
    count: dict[str, int] = {}
    for w in _WORD.findall(unicodedata.normalize("NFC", text).lower()):
        lang = _LANG_OF.get(w)
        if lang is None and len(w) > 7:
            lang = next((k for k, stems in _STEMS.items() for s in stems if w.startswith(s) or w.endswith(s)), None)
        if lang:
            count[lang] = count.get(lang, 0) + 1
    if not count:
        return ""
    best = max(count.values())
    top = [k for k, v in count.items() if v == best]
    return top[0] if len(top) == 1 else ""

"""Seeded generator of a realistic European B2B receivables portfolio: the demo's data.

Everything here is a pure function of a seed (and of an as-of date): the same
seed gives the same customers, invoices and bank statement, byte for byte.
This module names the generator's parts; each lives in a module of its own:

* ``names``: company names in each country's style with its real legal forms
  (``Van den Berg Transport B.V.``, ``Spedition Hoffmann GmbH & Co. KG``,
  ``Transports Lefèvre SAS``, ``Hargreaves Freight Ltd``); no Faker;
* ``ibans``: bank accounts whose check digits are computed, not faked: ISO 13616
  mod-97 over a BBAN of the right length and format with the national check
  digits (BE, DE method 00, FR clé RIB, NL 11-proof);
* ``portfolio(seed, as_of, customers)`` -> ``Portfolio``: Customers and Invoices
  as canonical frames (money in int64 cents, dates at midnight) plus the details
  the bank statement needs (payer banks, BICs); Belgian structured communications
  (OGM/VCS) carry their mod-97 check and RF creditor references their ISO 11649 check;
* ``remittance``: how customers word a payment and how the bank shows the payer;
* ``history(portfolio)`` (module ``history``) -> Payments and Matches: the months of payments before
  the as-of date, already matched (no draw of its own);
* ``statement(portfolio, seed)`` -> ``Statement``: the day's bank entries paying
  open invoices the way customers really pay (reference in free text, structured
  reference, several invoices at once, part payments, bank charges deducted, name
  only, unidentifiable), and a few debits;
* ``camt053(statement)`` -> bytes: the statement as ISO 20022 camt.053.001.08 XML.
"""
from __future__ import annotations

from .camt053 import CAMT053_NS, camt053
from .ibans import IBAN_COUNTRY, bban, format_iban, iban, iban_is_valid, new_iban
from .names import LEGAL_FORMS, ascii_fold, company_name, legal_form, strip_legal_form
from .portfolio import COLLECTORS, COUNTRIES, COUNTRY_SHARE, Portfolio, portfolio
from .statement import SELLER, Account, Entry, Statement, statement

__all__ = [
    "CAMT053_NS", "camt053", "IBAN_COUNTRY", "bban", "format_iban", "iban", "iban_is_valid", "new_iban",
    "LEGAL_FORMS", "ascii_fold", "company_name", "legal_form", "strip_legal_form", "COLLECTORS", "COUNTRIES",
    "COUNTRY_SHARE", "Portfolio", "portfolio", "SELLER", "Account", "Entry", "Statement", "statement",
]

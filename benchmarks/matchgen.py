"""Labelled synthetic data for the payment-matching engine.

``generate(n_payments, n_invoices, seed)`` builds customers, open invoices and
incoming payments the way a European collections team sees them, and for every
payment the allocation it truly makes (the *truth*) and its scenario:

* customers from NL, BE, DE, FR and the UK with realistic names and legal
  forms (B.V., BVBA, GmbH & Co. KG, SARL, Ltd …), near-duplicate names
  included ("Transport Jansen" and "Jansen Transport"), valid IBANs (mod-97
  check digits, national formats and checks for NL, BE and FR);
* three business units numbering invoices differently (``2026-004512``,
  ``INV-104512``, ``F26/04512``), credit notes ``CN26-00123``; RF creditor
  references and Belgian OGM payment references on some invoices; round
  amounts shared by many customers (subscriptions, fees);
* remittance text in Dutch, German, French and English with the noise banks
  and customers add: SEPA markers, customer numbers, PO numbers, dates,
  amounts, separators added or dropped, zeros or prefixes dropped, one-digit
  typos, lists and ranges; payer names upper-cased, accents dropped, legal
  forms dropped, cut at 35 characters;
* third parties declared in Customers ``pays_for``: about 4 % of customers are
  parent companies paying for one to three subsidiaries of their country, and a
  few factoring companies (Customers rows without invoices) pay for a dozen
  clients each; their payments come from their own account under their own name
  and name the client's invoice(s) (scenario ``third_party``);
* every scenario the engine must handle, and traps it must *not* auto-apply.

``matchable`` is what the data can tell for certain: a set paid without a reference
only when no other set of the customer's open items is likely to add up to the same
amount (``coincidental_sets`` < ``COINCIDENCE``); an early-payment discount only when
deducted within the discount period (Config ``discount_terms`` "2 % 14 days", as 85 %
of those who deduct it do: a late one is an unearned discount, for review).

Truth rows: ``payment_id, scenario, matchable, trap, invoice_id, applied_amount``
(cents; an empty invoice_id with an amount is unapplied cash left on the
customer).  ``matchable`` says the payment can be allocated with certainty
from what is in the data; traps are never matchable.

    .venv/bin/python benchmarks/matchgen.py --out /tmp/matchdata --payments 10000 --invoices 50000
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from ar_xl.engine.refs import ogm_make, rf_make  # noqa: E402

TODAY = dt.date(2026, 3, 31)

# ----------------------------------------------------------------- names

SURNAMES = {
    "NL": "de Vries,Jansen,van den Berg,Bakker,Janssen,Visser,Smit,Meijer,de Boer,Mulder,de Groot,Bos,Vos,Peters,"
          "Hendriks,van Leeuwen,Dekker,Brouwer,de Wit,Dijkstra,Smits,de Graaf,van der Meer,van der Linden,Kok,"
          "Jacobs,de Haan,Vermeulen,van den Heuvel,van der Veen,van den Broek,de Bruijn,de Bruin,van der Heijden,"
          "Schouten,van Beek,Willems,van Vliet,van de Ven,Hoekstra,Maas,Verhoeven,Koster,van Dam,van der Wal,"
          "Prins,Blom,Huisman,de Jong,Kuipers".split(","),
    "BE": "Peeters,Janssens,Maes,Jacobs,Mertens,Willems,Claes,Goossens,Wouters,De Smet,Dubois,Lambert,Dupont,"
          "Martin,Simon,Laurent,Leclercq,Lemaire,Vermeulen,Van Damme,De Clercq,Desmet,Hermans,Michiels,Lejeune,"
          "Renard,Pauwels,Aerts,Declercq,Segers,Van den Bossche,Verstraete,Coppens,Devos,Wuyts".split(","),
    "DE": "Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Schäfer,Koch,Bauer,"
          "Richter,Klein,Wolf,Schröder,Neumann,Schwarz,Zimmermann,Braun,Krüger,Hofmann,Hartmann,Lange,Schmitt,"
          "Werner,Schmitz,Krause,Meier,Lehmann,Schmid,Schulze,Maier,Köhler,Herrmann,König,Walter,Mayer,Huber,"
          "Kaiser,Fuchs,Peters,Lang,Scholz,Möller,Weiß,Jung,Hahn,Vogel".split(","),
    "FR": "Martin,Bernard,Thomas,Petit,Robert,Richard,Durand,Dubois,Moreau,Laurent,Simon,Michel,Lefèvre,Leroy,"
          "Roux,David,Bertrand,Morel,Fournier,Girard,Bonnet,Dupont,Lambert,Fontaine,Rousseau,Vincent,Muller,"
          "Lefebvre,Faure,André,Mercier,Blanc,Guérin,Boyer,Garnier,Chevalier,François,Legrand,Gauthier,Garcia".split(","),
    "UK": "Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Robinson,Wright,Thompson,Evans,Walker,White,"
          "Roberts,Green,Hall,Wood,Jackson,Clarke,Patel,Khan,Lewis,James,Phillips,Mason,Mitchell,Rose,Davis,Cox,"
          "Morgan,Moore,Baker,Harris,Cooper,King,Turner,Hughes,Edwards,Hill".split(","),
}
INDUSTRIES = {
    "nl": "Transport,Bouwbedrijf,Installatietechniek,Bakkerij,Metaalbewerking,Groothandel,Logistiek,Schildersbedrijf,"
          "Hoveniersbedrijf,Elektrotechniek,Autobedrijf,Drukkerij,Kunststoffen,Machinefabriek,Veevoeders,Tuinbouw,"
          "Verpakkingen,Zuivel,Handelsonderneming,Techniek,Houthandel,Aannemersbedrijf,Schoonmaakbedrijf,"
          "Adviesbureau,Glashandel,Staalbouw,Koeltechniek".split(","),
    "de": "Maschinenbau,Metallbau,Elektrotechnik,Bäckerei,Logistik,Spedition,Bauunternehmung,Haustechnik,Autohaus,"
          "Druckerei,Kunststofftechnik,Landtechnik,Holzbau,Sanitärtechnik,Brauerei,Feinmechanik,Verpackungen,"
          "Handelsgesellschaft,Stahlhandel,Gebäudetechnik,Werkzeugbau,Kältetechnik".split(","),
    "fr": "Transports,Boulangerie,Menuiserie,Électricité,Plomberie,Imprimerie,Bâtiment,Métallerie,Logistique,"
          "Distribution,Emballages,Mécanique,Froid Industriel,Matériaux,Peinture,Chauffage,Négoce,Charpente".split(","),
    "en": "Engineering,Logistics,Haulage,Bakery,Builders,Electrical,Printing,Plastics,Packaging,Distribution,Foods,"
          "Supplies,Construction,Joinery,Plumbing,Fabrications,Trading,Services,Refrigeration".split(","),
}
PLACES = {
    "NL": "Zuid,Noord,Holland,Brabant,Twente,Utrecht,Rotterdam,Amsterdam,Eindhoven,Groningen,Zwolle,Venlo,Delft,"
          "Haarlem,Friesland,Limburg,Westland".split(","),
    "BE": "Antwerpen,Gent,Brugge,Kortrijk,Hasselt,Liège,Namur,Charleroi,Brabant,Kempen,Mons,Leuven".split(","),
    "DE": "Süd,Nord,Bayern,Sachsen,Rheinland,Westfalen,Hamburg,München,Köln,Stuttgart,Berlin,Hessen,Franken,"
          "Ostwestfalen,Schwaben".split(","),
    "FR": "du Nord,du Sud-Ouest,du Rhône,du Centre,de Bretagne,de Normandie,d'Alsace,de Provence,de Lorraine,"
          "du Val de Loire".split(","),
    "UK": "Northern,Midlands,Yorkshire,Kent,Thames,Pennine,Severn,Cotswold,Highland,Wessex,Mersey,Anglian".split(","),
}
LEGAL = {
    "NL": [("B.V.", 55), ("BV", 15), ("N.V.", 4), ("V.O.F.", 10), ("Holding B.V.", 6), ("", 10)],
    "BE": [("NV", 30), ("BV", 20), ("BVBA", 15), ("SA", 15), ("SRL", 8), ("SPRL", 7), ("CommV", 5)],
    "DE": [("GmbH", 52), ("GmbH & Co. KG", 20), ("AG", 8), ("KG", 5), ("e.K.", 6), ("UG (haftungsbeschränkt)", 5),
           ("OHG", 4)],
    "FR": [("SARL", 33), ("SAS", 33), ("S.A.", 8), ("SA", 6), ("EURL", 10), ("SASU", 10)],
    "UK": [("Ltd", 55), ("Limited", 22), ("Plc", 5), ("LLP", 10), ("Ltd.", 8)],
}
LANG_OF = {"NL": "nl", "DE": "de", "FR": "fr", "UK": "en"}
COUNTRY_WEIGHTS = [("NL", 30), ("BE", 15), ("DE", 25), ("FR", 15), ("UK", 15)]

FACTORS = [("ABN AMRO Commercial Finance N.V.", "NL"), ("Deutsche Factoring Bank GmbH & Co. KG", "DE"),
           ("BNP Paribas Factor SA", "FR"), ("Lloyds Bank Commercial Finance Ltd", "UK"), ("Belfius Commercial Finance NV", "BE")]
"""Factoring companies that pay their clients' invoices (declared in Customers.pays_for)."""

PRIVATE_NAMES = ["J. DE VRIES", "M. SCHMIDT", "ONLINE BANKING", "SEPA OVERBOEKING", "P. DUBOIS", "K. MUELLER",
                 "STICHTING DERDENGELDEN", "PAYPAL EUROPE S.A.R.L. ET CIE S.C.A", "ADYEN N.V.", "STRIPE PAYMENTS",
                 "A.B. JANSEN", "MR J SMITH", "HR. WEBER", "MME LAMBERT", "WISE EUROPE SA"]


def _pick(rng: random.Random, weighted):
    items, w = zip(*weighted)
    return rng.choices(items, weights=w)[0]


def company_name(rng: random.Random, country: str) -> str:
    lang = LANG_OF.get(country) or rng.choice(["nl", "nl", "fr"])
    sur = rng.choice(SURNAMES[country])
    sur2 = rng.choice(SURNAMES[country])
    ind = rng.choice(INDUSTRIES[lang])
    place = rng.choice(PLACES[country])
    if lang == "nl":
        pat = rng.choice(["{ind} {sur}", "{sur} {ind}", "{ind} {place}", "{sur} & Zonen", "{sur} {ind} {place}",
                          "{ind} {sur} & {sur2}", "{sur} {place}"])
    elif lang == "de":
        pat = rng.choice(["{sur} {ind}", "{ind} {sur}", "{sur} & {sur2}", "{ind} {place}", "{sur} {ind} {place}",
                          "{ind} {sur} & Söhne"])
    elif lang == "fr":
        pat = rng.choice(["{ind} {sur}", "Établissements {sur}", "{sur} et Fils", "{sur} Frères",
                          "{ind} {sur} et Fils", "{ind} {place}", "Société {ind} {place}"])
    else:
        pat = rng.choice(["{sur} & {sur2}", "{sur} {ind}", "{place} {ind}", "{sur} & Sons", "{sur} Brothers {ind}",
                          "{place} {ind} {sur}"])
    base = pat.format(sur=sur, sur2=sur2, ind=ind, place=place)
    legal = _pick(rng, LEGAL[country])
    return f"{base} {legal}".strip()


# ----------------------------------------------------------------- IBANs

def _mod97(digits: str) -> int:
    r = 0
    for ch in digits:
        r = (r * 10 + int(ch)) % 97
    return r


def iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - _mod97(digits):02d}"


def make_iban(rng: random.Random, country: str) -> str:
    if country == "NL":
        bank = rng.choice(["ABNA", "RABO", "INGB", "TRIO", "SNSB", "ASNB", "KNAB", "BUNQ"])
        while True:  # the Dutch eleven-test on the account number
            d = [rng.randrange(10) for _ in range(9)]
            s = sum(x * (10 - i) for i, x in enumerate(d))
            last = (-s) % 11
            if last < 10 and d[0] != 0:
                break
        bban = bank + "".join(map(str, d)) + str(last)
        cc = "NL"
    elif country == "BE":
        first = f"{rng.choice([0, 1, 3, 6, 7, 9])}{rng.randrange(100):02d}{rng.randrange(10**7):07d}"
        chk = int(first) % 97 or 97
        bban = first + f"{chk:02d}"
        cc = "BE"
    elif country == "DE":
        blz = rng.choice(["37040044", "10070000", "50010517", "20050550", "70150000", "60050101", "30020900",
                          "12030000", "76010085", "44010046"])
        bban = blz + f"{rng.randrange(10**10):010d}"
        cc = "DE"
    elif country == "FR":
        bank = rng.choice(["30004", "30003", "20041", "10278", "11306", "30066", "18206"])
        branch = f"{rng.randrange(10**5):05d}"
        acct = f"{rng.randrange(10**11):011d}"
        key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97
        bban = bank + branch + acct + f"{key:02d}"
        cc = "FR"
    else:
        bank = rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"])
        bban = bank + f"{rng.randrange(10**6):06d}" + f"{rng.randrange(10**8):08d}"
        cc = "GB"
    return cc + iban_check(cc, bban) + bban


def spaced_iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


# ----------------------------------------------------------------- text noise

def strip_accents(s: str) -> str:
    s = s.replace("ß", "ss")
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def drop_legal(name: str, country: str) -> str:
    for form, _ in sorted(LEGAL[country], key=lambda x: -len(x[0])):
        if form and name.endswith(" " + form):
            return name[: -len(form) - 1]
    return name


def bank_name(rng: random.Random, name: str, country: str, truncate: bool) -> str:
    """The payer name as a bank statement shows it."""
    r = rng.random()
    if r < 0.3:
        s = name
    elif r < 0.6:
        s = strip_accents(name).upper()
    elif r < 0.8:
        s = drop_legal(name, country)
    else:
        s = strip_accents(drop_legal(name, country)).upper()
    if truncate and len(s) > 35:
        s = s[:35].rstrip()
    return s


REMIT = {
    "nl": ["Factuur {r}", "factuur nr. {r}", "Betaling factuur {r}", "fact {r} klantnr {k}", "{r}",
           "Uw factuur {r} d.d. {d}", "FACTUURNUMMER {r} / {a}", "/INV/{r} {d}", "betreft fact. {r}",
           "Fac {r} debiteurnr {k}"],
    "de": ["Rechnung Nr. {r}", "RE {r} vom {d}", "Rg.-Nr. {r}", "Rechnung {r} Kd-Nr. {k}",
           "SVWZ+Rechnung {r} EREF+NOTPROVIDED", "Zahlung zu Rechnung {r}", "RE-NR {r} Betrag {a}",
           "Ihre Rechnung {r} Kunden-Nr. {k}", "{r}"],
    "fr": ["Facture n° {r}", "Fact. {r} du {d}", "Règlement facture {r}", "FACTURE {r} REF CLIENT {k}",
           "Paiement fact {r}", "VIR SEPA FACT {r}", "facture {r} montant {a}", "{r}"],
    "en": ["Inv {r}", "Invoice {r}", "INV# {r} PO {po}", "Payment invoice {r}", "Remittance: {r}", "{r} thank you",
           "Invoice no {r} account {k}", "Ref {r}", "{r}"],
}
REMIT_LIST_JOIN = {"nl": [", ", " en ", " + "], "de": [", ", " und ", " / "], "fr": [", ", " et ", " + "],
                   "en": [", ", " & ", " and "]}
REMIT_LIST = {
    "nl": ["Facturen {r}", "fact. {r}", "Betaling facturen {r} klantnr {k}", "{r}"],
    "de": ["Rechnungen {r}", "RE {r}", "SVWZ+Rechnungen {r}", "Sammelzahlung Rg. {r}"],
    "fr": ["Factures {r}", "Fact {r}", "Règlement factures {r}"],
    "en": ["Invoices {r}", "Inv {r}", "Payment for invoices {r}", "INV {r} PO {po}"],
}
RANGE_SEP = {"nl": [" t/m ", "-", " tot "], "de": [" bis ", "-", " - "], "fr": [" à ", "-", " au "],
             "en": [" to ", "-", " - "]}
PARTIAL = {"nl": ["Deelbetaling factuur {r}", "gedeeltelijke betaling fact {r}", "1e termijn factuur {r}"],
           "de": ["Teilzahlung Rechnung {r}", "Abschlag RE {r}", "Teilbetrag Rg.-Nr. {r}"],
           "fr": ["Acompte facture {r}", "Paiement partiel fact. {r}"],
           "en": ["Part payment inv {r}", "Partial payment invoice {r}", "Instalment 1 invoice {r}"]}
DISCOUNT = {"nl": ["Factuur {r} minus 2% korting", "fact {r} -2% betalingskorting"],
            "de": ["Rechnung {r} abzgl. 2% Skonto", "RE {r} ./. Skonto"],
            "fr": ["Facture {r} escompte 2%", "Fact {r} moins escompte"],
            "en": ["Inv {r} less 2% discount", "Invoice {r} early payment discount"]}
NOREF = {"nl": ["Betaling", "termijn maart", "OVERBOEKING", "klantnr {k}", "", "zie specificatie"],
         "de": ["Zahlung", "Überweisung", "Kd-Nr. {k}", "", "Zahlung März"],
         "fr": ["Paiement", "VIREMENT", "Réf client {k}", ""],
         "en": ["Payment", "TRANSFER", "Account {k}", "", "March payment"]}
GARBAGE = ["Spende", "Erstattung Kaution", "refund order {po}", "Salaris maart", "Loyer mars", "Mitgliedsbeitrag 2026",
           "TEST", "xx", "Rückerstattung {po}", "Dividend", "Schadevergoeding dossier {k}", "Teruggave BTW",
           "Vorschuss Reisekosten", "Remboursement frais", "Gift", "Huur garage", "order {po} cancelled"]


def _fill(rng, template: str, r: str, k: str, amount: int) -> str:
    d = TODAY - dt.timedelta(days=rng.randrange(10, 90))
    ds = rng.choice([d.strftime("%d.%m.%Y"), d.strftime("%d-%m-%Y"), d.strftime("%d/%m/%y"), d.isoformat()])
    a = f"{amount // 100:,}".replace(",", ".") + f",{amount % 100:02d}" if rng.random() < 0.6 else f"{amount / 100:.2f}"
    po = f"45{rng.randrange(10**8):08d}"
    return template.format(r=r, k=k, d=ds, a=a, po=po)


# ----------------------------------------------------------------- invoice numbers

@dataclass
class Inv:
    invoice_id: str
    customer_id: str
    unit: str
    seq: int
    year: int
    currency: str
    amount: int
    open_amount: int
    invoice_date: dt.date
    due_date: dt.date
    payment_reference: str = ""
    used: bool = False


def fmt_id(unit: str, year: int, seq: int) -> str:
    if unit == "A":
        return f"{year}-{seq:06d}"
    if unit == "B":
        return f"INV-{seq:06d}"
    if unit == "C":
        return f"F{year % 100:02d}/{seq:05d}"
    return f"CN{year % 100:02d}-{seq:05d}"


def ref_variant(rng: random.Random, inv: Inv, form: str) -> str:
    """How a customer writes the invoice number (``form``: exact, zeros, prefix, sep, typo, short)."""
    u, y, s = inv.unit, inv.year, inv.seq
    if form == "exact":
        v = inv.invoice_id
        return v.lower() if rng.random() < 0.15 else v
    if form == "zeros":
        return {"A": f"{y}-{s}", "B": f"INV-{s}", "C": f"F{y % 100:02d}/{s}", "N": f"CN{y % 100:02d}-{s}"}[u]
    if form == "prefix":
        return {"A": rng.choice([f"{s:06d}", f"{s}"]), "B": f"{s}",
                "C": rng.choice([f"{y % 100:02d}/{s:05d}", f"{s:05d}", f"{s}"]), "N": f"{s}"}[u]
    if form == "sep":
        if u == "A":
            return rng.choice([f"{y}{s:06d}", f"{y} {s:06d}", f"{y}.{s:06d}", f"{y}/{s:06d}"])
        if u == "B":
            return rng.choice([f"INV{s:06d}", f"INV {s:06d}", f"INV.{s:06d}", f"inv/{s:06d}"])
        if u == "C":
            return rng.choice([f"F{y % 100:02d}{s:05d}", f"F {y % 100:02d}/{s:05d}", f"F-{y % 100:02d}-{s:05d}",
                               f"F{y % 100:02d} {s:05d}"])
        return f"CN{y % 100:02d}{s:05d}"
    if form == "typo":
        digits = f"{s:06d}" if u in "AB" else f"{s:05d}"
        i = rng.randrange(len(digits))
        if rng.random() < 0.7 or i == len(digits) - 1:
            new = rng.choice([c for c in "0123456789" if c != digits[i]])
            t = digits[:i] + new + digits[i + 1:]
        else:
            if digits[i] == digits[i + 1]:
                new = rng.choice([c for c in "0123456789" if c != digits[i]])
                t = digits[:i] + new + digits[i + 1:]
            else:
                t = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
        return {"A": f"{y}-{t}", "B": f"INV-{t}", "C": f"F{y % 100:02d}/{t}", "N": f"CN{y % 100:02d}-{t}"}[u]
    if form == "short":
        return f"{s}"
    raise ValueError(form)


# ----------------------------------------------------------------- the data set

SCENARIOS = [
    ("exact_ref", 20), ("ref_typo", 5), ("zeros_dropped", 5), ("prefix_missing", 5), ("separators", 5),
    ("ref_list", 6), ("ref_range", 3), ("structured_ref", 8), ("iban_amount", 9), ("iban_subset", 7),
    ("tolerance", 5), ("partial", 4), ("overpayment", 3), ("credit_note", 4), ("name_only_cut", 5), ("third_party", 4),
    ("trap_same_amount", 2), ("trap_other_customer", 2), ("trap_garbage", 2),
]
TRAPS = {"trap_same_amount", "trap_other_customer", "trap_garbage"}


NOISY_FORMS = {u: ["exact", "exact", "exact", "sep", "prefix"] + (["zeros"] if u in "AC" else []) for u in "ABCN"}
"""How the reference of a short, partial or over payment is written: as noisy as any other (issue 15 §5)."""

COINCIDENCE = 0.05
"""A set of invoices paid without a reference is labelled matchable only when fewer than this many other sets
of 1..6 of the customer's open items are expected to add up to the payment by chance."""


def coincidental_sets(amounts: list[int], target: int, kmax: int = 6) -> float:
    """Expected number of sets of 1..``kmax`` of ``amounts`` (cents) summing exactly to ``target``: for each
    size k, the number of k-sets times the density (per cent) of a k-set's sum at ``target``, with the sum of
    a random k-set taken as normal (mean and variance of sampling k items without replacement)."""
    n = len(amounts)
    if n == 0:
        return 0.0
    a = np.asarray(amounts, dtype=float)
    mu, var = a.mean(), a.var()
    total = 0.0
    for k in range(1, min(kmax, n) + 1):
        sets = math.comb(n, k)
        sd = math.sqrt(max(k * var * (n - k) / max(n - 1, 1), 0.0))
        if sd < 1:
            continue
        z = (target - k * mu) / sd
        total += sets * math.exp(-0.5 * z * z) / (sd * math.sqrt(2 * math.pi))
    return total


@dataclass
class Dataset:
    customers: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    truth: pd.DataFrame
    known_ibans: dict = field(default_factory=dict)

    def write(self, out: str) -> None:
        os.makedirs(out, exist_ok=True)
        money = lambda s: s.map(lambda c: "" if pd.isna(c) else f"{'-' if c < 0 else ''}{abs(int(c)) // 100}.{abs(int(c)) % 100:02d}")
        inv = self.invoices.copy()
        for c in ("amount", "open_amount"):
            inv[c] = money(inv[c])
        for c in ("invoice_date", "due_date"):
            inv[c] = inv[c].dt.strftime("%Y-%m-%d")
        inv.to_csv(os.path.join(out, "invoices.csv"), index=False)
        pay = self.payments.copy()
        pay["amount"] = money(pay["amount"])
        pay["unapplied_amount"] = ""
        pay["value_date"] = pay["value_date"].dt.strftime("%Y-%m-%d")
        pay.to_csv(os.path.join(out, "payments.csv"), index=False)
        self.customers.to_csv(os.path.join(out, "customers.csv"), index=False)
        self.truth.to_csv(os.path.join(out, "truth.csv"), index=False)
        pd.DataFrame(sorted(self.known_ibans.items()), columns=["iban", "customer_id"]).to_csv(
            os.path.join(out, "learned_ibans.csv"), index=False)


def generate(n_payments: int = 10_000, n_invoices: int = 50_000, seed: int = 7) -> Dataset:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    n_cust = max(20, n_invoices // 10)
    # ---- customers
    cust_rows = []
    names_seen = set()
    known_ibans: dict[str, str] = {}
    cust_ibans: dict[str, list[str]] = {}
    for k in range(n_cust):
        cid = f"C{10000 + k}"
        country = _pick(rng, COUNTRY_WEIGHTS)
        for _ in range(20):
            name = company_name(rng, country)
            if name not in names_seen:
                break
        names_seen.add(name)
        lang = LANG_OF.get(country) or ("fr" if rng.random() < 0.4 else "nl")
        ibans = [make_iban(rng, country if rng.random() < 0.9 else _pick(rng, COUNTRY_WEIGHTS))]
        if rng.random() < 0.12:
            ibans.append(make_iban(rng, country))
        cust_ibans[cid] = ibans
        r = rng.random()
        if r < 0.72:
            listed = ibans
        elif r < 0.85:
            listed = ibans[1:]
            known_ibans[ibans[0]] = cid  # learned from an earlier confirmed match
        else:
            listed = []  # unknown until a collector confirms a match
        aliases = ""
        if rng.random() < 0.05:
            aliases = f"{rng.choice(SURNAMES[country])} {rng.choice(INDUSTRIES[lang])}".upper()
        cust_rows.append(dict(customer_id=cid, customer_name=name,
                              iban=";".join(spaced_iban(i) if rng.random() < 0.3 else i for i in listed),
                              country=country, language=lang, collector=rng.choice(["Anna", "Bram", "Chloé", "Dirk"]),
                              credit_limit="", email="", aliases=aliases, note="", pays_for=""))
    # ---- third parties (their own random stream, so the rest of the data set does not move): parent
    # companies paying for their subsidiaries, and factoring companies paying for their clients, each declared
    # in the Customers column pays_for
    grng = random.Random(seed * 7919 + 1)
    payers_for: dict[str, set[str]] = {}
    taken: set[str] = set()
    by_country: dict[str, list[str]] = {}
    for r in cust_rows:
        by_country.setdefault(r["country"], []).append(r["customer_id"])
    for r in cust_rows:
        if r["customer_id"] in taken or grng.random() >= 0.04:
            continue
        pool = [c for c in by_country[r["country"]] if c not in taken and c != r["customer_id"]]
        subs = grng.sample(pool, min(len(pool), grng.randint(1, 3)))
        if not subs:
            continue
        taken.update(subs + [r["customer_id"]])
        r["pays_for"] = ";".join(subs)
        for c in subs:
            payers_for.setdefault(c, set()).add(r["customer_id"])
    factors = []
    for j, (fname, fc) in enumerate(FACTORS[: max(1, min(len(FACTORS), n_cust // 1000))]):
        fid = f"C{10000 + n_cust + j}"
        clients = grng.sample([c for c in by_country.get(fc, []) if c not in taken] or [r["customer_id"] for r in cust_rows],
                              min(12, max(2, n_cust // 400)))
        taken.update(clients)
        fiban = make_iban(grng, fc)
        cust_ibans[fid] = [fiban]
        for c in clients:
            payers_for.setdefault(c, set()).add(fid)
        factors.append(dict(customer_id=fid, customer_name=fname, iban=fiban, country=fc, language=LANG_OF.get(fc, "nl"),
                            collector="", credit_limit="", email="", aliases="", note="factoring company",
                            pays_for=";".join(clients)))
    customers = pd.DataFrame(cust_rows)
    cinfo = {r["customer_id"]: r for r in cust_rows + factors}
    # ---- invoices
    weights = nrng.pareto(1.6, n_cust) + 0.3
    counts = np.maximum(1, np.round(weights / weights.sum() * n_invoices)).astype(int)
    while counts.sum() > n_invoices:
        counts[nrng.integers(n_cust)] = max(1, counts[nrng.integers(n_cust)] - 1)
    while counts.sum() < n_invoices:
        counts[nrng.integers(n_cust)] += 1
    seqs = {"A": 1200, "B": 100000, "C": 800, "N": 100}
    round_amounts = [9900, 19900, 25000, 50000, 75000, 100000, 125000, 150000, 250000, 49500, 12000, 30000]
    invs: list[Inv] = []
    by_cust: dict[str, list[Inv]] = {}
    for k, cid in enumerate(customers["customer_id"]):
        country = cinfo[cid]["country"]
        unit = _pick(rng, [("A", 50), ("B", 30), ("C", 20)])
        ccy = "GBP" if country == "UK" else ("USD" if rng.random() < 0.03 else "EUR")
        mine = []
        n = int(counts[k])
        block = n >= 3 and rng.random() < 0.25  # some get consecutive numbers (one billing run)
        terms = rng.choice([14, 30, 30, 45, 60])
        typical = float(np.exp(nrng.normal(np.log(900), 1.0)))
        for j in range(n):
            u = unit if rng.random() < 0.92 else rng.choice("ABC")
            credit = rng.random() < 0.05
            if credit:
                u = "N"
            if block and j < 5 and u == unit:
                seqs[u] += 1
                seq = seqs[u]
            else:
                seqs[u] += rng.randrange(1, 4)
                seq = seqs[u]
            # interleave other customers' numbers: skip ahead a little
            inv_date = TODAY - dt.timedelta(days=int(rng.triangular(0, 240, 20)))
            year = inv_date.year
            if rng.random() < 0.12:
                amt = rng.choice(round_amounts)
            else:
                amt = max(500, int(round(typical * float(np.exp(nrng.normal(0, 0.6))) * 100)))
            if credit:
                amt = -max(500, int(amt * rng.uniform(0.05, 0.5)))
            open_amt = amt
            if not credit and rng.random() < 0.05:
                open_amt = amt - int(amt * rng.uniform(0.1, 0.7))
            iid = fmt_id(u, year, seq)
            inv = Inv(iid, cid, u, seq, year, ccy, amt, open_amt, inv_date, inv_date + dt.timedelta(days=terms))
            if not credit:
                if country == "BE" and rng.random() < 0.7:
                    inv.payment_reference = ogm_make(f"{int(cid[1:]) % 10000:04d}{seq % 10**6:06d}")
                elif rng.random() < 0.2:
                    inv.payment_reference = rf_make(f"{int(cid[1:])}{seq:07d}")
            mine.append(inv)
            invs.append(inv)
        by_cust[cid] = mine
    # invoice numbers must be unique
    ids = [i.invoice_id for i in invs]
    assert len(set(ids)) == len(ids), "duplicate invoice ids"
    # ---- payments
    pays = []
    truth = []
    all_cids = list(by_cust)
    cust_w = [len(by_cust[c]) for c in all_cids]
    scen_names = [s for s, _ in SCENARIOS]
    scen_w = [w for _, w in SCENARIOS]

    def open_of(cid, ccy=None):
        return [i for i in by_cust[cid] if not i.used and (ccy is None or i.currency == ccy)]

    def pick_customer(min_open=1, pred=None):
        for _ in range(200):
            cid = rng.choices(all_cids, weights=cust_w)[0]
            op = [i for i in open_of(cid) if i.open_amount > 0]
            if len(op) >= min_open and (pred is None or pred(cid)):
                return cid
        return None

    def payer_of(cid, allow_new=True):
        """(iban, name) as the bank shows them."""
        c = cinfo[cid]
        r = rng.random()
        if r < 0.85 or not allow_new:
            iban = rng.choice(cust_ibans[cid])
        else:
            iban = make_iban(rng, c["country"] if c["country"] != "UK" else "UK")  # a new account
        if c["aliases"] and rng.random() < 0.3:
            name = c["aliases"]
        else:
            name = bank_name(rng, c["customer_name"], c["country"], truncate=rng.random() < 0.5)
        return iban, name

    def lang_of(cid):
        return cinfo[cid]["language"]

    def knum(cid):
        return cid[1:]

    def remit(cid, templates, r, amount):
        lang = lang_of(cid)
        return _fill(rng, rng.choice(templates[lang]), r, knum(cid), amount)

    pid_n = 0
    vd0 = TODAY - dt.timedelta(days=10)
    while len(pays) < n_payments:
        scen = rng.choices(scen_names, weights=scen_w)[0]
        pid_n += 1
        pid = f"P{pid_n:07d}"
        value_date = vd0 + dt.timedelta(days=rng.randrange(11))
        tr: list[tuple[str, int]] = []
        matchable = True
        cref = ""
        if scen in ("exact_ref", "ref_typo", "zeros_dropped", "prefix_missing", "separators"):
            form = {"exact_ref": "exact", "ref_typo": "typo", "zeros_dropped": "zeros", "prefix_missing": "prefix",
                    "separators": "sep"}[scen]
            pred = None
            if form == "zeros":
                pred = lambda c: any(i.unit in "AC" and i.open_amount > 0 for i in open_of(c))
            cid = pick_customer(pred=pred)
            if cid is None:
                continue
            cands = [i for i in open_of(cid) if i.open_amount > 0 and (form != "zeros" or i.unit in "AC")]
            inv = rng.choice(cands)
            iban, name = payer_of(cid)
            ref = ref_variant(rng, inv, form)
            text = remit(cid, REMIT, ref, inv.open_amount)
            A = inv.open_amount
            tr = [(inv.invoice_id, A)]
            used = [inv]
        elif scen in ("ref_list", "ref_range"):
            if scen == "ref_list":
                cid = pick_customer(min_open=3)
                if cid is None:
                    continue
                cands = [i for i in open_of(cid) if i.open_amount > 0]
                chosen = rng.sample(cands, rng.randint(2, min(4, len(cands))))
                chosen.sort(key=lambda i: i.invoice_id)
                form = rng.choice(["exact", "exact", "short", "zeros", "sep"])
                parts = [ref_variant(rng, i, form if (form != "zeros" or i.unit in "AC") else "exact") for i in chosen]
                joiner = rng.choice(REMIT_LIST_JOIN[lang_of(cid)])
                r = ", ".join(parts[:-1]) + joiner + parts[-1] if joiner != ", " else ", ".join(parts)
            else:
                # consecutive numbers of one customer
                found = None
                for _ in range(300):
                    cid = rng.choices(all_cids, weights=cust_w)[0]
                    op = sorted((i for i in open_of(cid) if i.open_amount > 0), key=lambda i: (i.unit, i.seq))
                    for a in range(len(op) - 1):
                        run = [op[a]]
                        for b in op[a + 1:]:
                            if b.unit == run[-1].unit and b.seq == run[-1].seq + 1 and b.year == run[-1].year:
                                run.append(b)
                            else:
                                break
                        if len(run) >= 2:
                            found = (cid, run[: rng.randint(2, min(5, len(run)))])
                            break
                    if found:
                        break
                if not found:
                    continue
                cid, chosen = found
                sep = rng.choice(RANGE_SEP[lang_of(cid)])
                lo, hi = chosen[0], chosen[-1]
                style = rng.random()
                if style < 0.4:
                    r = f"{lo.invoice_id}{sep}{hi.invoice_id}"
                elif style < 0.7:
                    r = f"{lo.invoice_id}{sep}{fmt_id(hi.unit, hi.year, hi.seq).split('-')[-1].split('/')[-1]}"
                else:
                    r = f"{lo.seq}{sep}{hi.seq}"
            text = remit(cid, REMIT_LIST, r, sum(i.open_amount for i in chosen))
            iban, name = payer_of(cid)
            A = sum(i.open_amount for i in chosen)
            tr = [(i.invoice_id, i.open_amount) for i in chosen]
            used = chosen
        elif scen == "structured_ref":
            cid = pick_customer(pred=lambda c: any(i.payment_reference for i in open_of(c)))
            if cid is None:
                continue
            inv = rng.choice([i for i in open_of(cid) if i.payment_reference and i.open_amount > 0])
            iban, name = payer_of(cid)
            pr = inv.payment_reference
            r = rng.random()
            if r < 0.5:
                cref = pr.replace("+", "").replace("/", "") if pr.startswith("+") else pr
                text = rng.choice(["", "/ROC/" + cref if pr.startswith("+") else "", "Betaling"])
            elif pr.startswith("+"):
                digits = pr.replace("+", "").replace("/", "")
                text = rng.choice([pr, pr.replace("+", "*"), f"{digits[:3]}/{digits[3:7]}/{digits[7:]}", digits,
                                   f"Mededeling {pr}"])
            else:
                text = rng.choice([pr, " ".join(pr[i:i + 4] for i in range(0, len(pr), 4)), f"Ref {pr}"])
            A = inv.open_amount
            tr = [(inv.invoice_id, A)]
            used = [inv]
        elif scen in ("iban_amount", "iban_subset"):
            cid = pick_customer(min_open=2 if scen == "iban_subset" else 1)
            if cid is None:
                continue
            ops = [i for i in open_of(cid) if i.open_amount > 0]
            if scen == "iban_amount":
                inv = rng.choice(ops)
                chosen = [inv]
                same = [i for i in open_of(cid, inv.currency) if i.open_amount == inv.open_amount]
                matchable = len(same) == 1
            else:
                # a payment run: invoices due within one month
                anchor = rng.choice(ops)
                near = [i for i in ops if abs((i.due_date - anchor.due_date).days) <= 30 and i is not anchor]
                if not near:
                    continue
                chosen = [anchor] + rng.sample(near, min(len(near), rng.randint(1, 5)))
                # without a reference a set is certain only when no other set of the customer's open items
                # is likely to add up to the same amount
                items = [i.open_amount for i in by_cust[cid] if i.currency == anchor.currency and i.open_amount != 0]
                matchable = coincidental_sets(items, sum(i.open_amount for i in chosen)) < COINCIDENCE
            iban = rng.choice(cust_ibans[cid])
            name = bank_name(rng, cinfo[cid]["customer_name"], cinfo[cid]["country"], rng.random() < 0.5)
            A = sum(i.open_amount for i in chosen)
            text = remit(cid, NOREF, "", A)
            tr = [(i.invoice_id, i.open_amount) for i in chosen]
            used = chosen
        elif scen == "tolerance":
            discount = rng.random() >= 0.5
            # an early-payment discount (Config discount_terms "2 % 14 days"): most who deduct it pay an invoice
            # within the discount period; the rest deduct it late, which is a short payment a person reviews
            # (an unearned discount, issue 15 §2), never an automatic write-off
            in_time = discount and rng.random() < 0.85
            is_early = lambda i: i.open_amount > 0 and 0 <= (value_date - i.invoice_date).days <= 14
            cid = pick_customer(pred=(lambda c: any(is_early(i) for i in open_of(c))) if in_time else None)
            if cid is None:
                continue
            inv = rng.choice([i for i in open_of(cid) if (is_early(i) if in_time else i.open_amount > 0)])
            iban, name = payer_of(cid)
            if not discount:
                short = rng.choice([150, 250, 300, 500, 350, 200, 75])
                A = inv.open_amount - short
                ref = ref_variant(rng, inv, rng.choice(NOISY_FORMS[inv.unit]))
                has_ref = rng.random() < 0.6
                text = remit(cid, REMIT, ref, A) if has_ref else remit(cid, NOREF, "", A)
            else:
                has_ref = True
                A = inv.open_amount - int(round(inv.open_amount * 0.02))
                text = remit(cid, DISCOUNT, ref_variant(rng, inv, "exact"), A)
                if not 0 <= (value_date - inv.invoice_date).days <= 14:
                    matchable = False  # the right outcome is a suggestion with an unearned-discount dispute
            if A <= 0:
                continue
            if not has_ref:
                # no reference: only certain when one open item of this customer fits within tolerance
                tol = lambda o: max(500, o * 2 // 100)
                fits = [i for i in open_of(cid, inv.currency) if 0 <= i.open_amount - A <= tol(i.open_amount)]
                matchable = len(fits) == 1
            tr = [(inv.invoice_id, A)]
            used = [inv]
        elif scen == "partial":
            cid = pick_customer()
            if cid is None:
                continue
            inv = rng.choice([i for i in open_of(cid) if i.open_amount > 2000])  if any(i.open_amount > 2000 for i in open_of(cid)) else None
            if inv is None:
                continue
            iban, name = payer_of(cid, allow_new=False)
            A = int(inv.open_amount * rng.choice([0.25, 0.3, 0.5, 0.5, 0.6, 0.75]))
            text = remit(cid, PARTIAL, ref_variant(rng, inv, rng.choice(NOISY_FORMS[inv.unit])), A)
            tr = [(inv.invoice_id, A)]
            used = [inv]
        elif scen == "overpayment":
            cid = pick_customer()
            if cid is None:
                continue
            inv = rng.choice([i for i in open_of(cid) if i.open_amount > 0])
            iban, name = payer_of(cid, allow_new=False)
            extra = rng.choice([inv.open_amount, int(inv.open_amount * rng.uniform(0.01, 0.3)) + 1, 10000, 2500])
            A = inv.open_amount + extra
            text = remit(cid, REMIT, ref_variant(rng, inv, rng.choice(NOISY_FORMS[inv.unit])), A)
            tr = [(inv.invoice_id, inv.open_amount), ("", extra)]
            used = [inv]
        elif scen == "credit_note":
            cid = pick_customer(pred=lambda c: any(i.open_amount < 0 for i in open_of(c))
                                and sum(1 for i in open_of(c) if i.open_amount > 0) >= 1)
            if cid is None:
                continue
            cn = rng.choice([i for i in open_of(cid) if i.open_amount < 0])
            pos = [i for i in open_of(cid, cn.currency) if i.open_amount > 0]
            if not pos:
                continue
            chosen = rng.sample(pos, min(len(pos), rng.randint(1, 3)))
            A = sum(i.open_amount for i in chosen) + cn.open_amount
            if A <= 0:
                continue
            iban, name = payer_of(cid, allow_new=False)
            parts = [ref_variant(rng, i, "exact") for i in chosen]
            lang = lang_of(cid)
            minus = {"nl": " minus creditnota ", "de": " abzgl. Gutschrift ", "fr": " moins avoir ", "en": " less credit note "}[lang]
            r = ", ".join(parts) + (minus + cn.invoice_id if rng.random() < 0.5 else "")
            text = remit(cid, REMIT_LIST, r, A)
            tr = [(i.invoice_id, i.open_amount) for i in chosen] + [(cn.invoice_id, cn.open_amount)]
            used = chosen + [cn]
        elif scen == "name_only_cut":
            cid = pick_customer(pred=lambda c: len(cinfo[c]["customer_name"]) > 30)
            if cid is None:
                continue
            inv = rng.choice([i for i in open_of(cid) if i.open_amount > 0])
            iban = make_iban(rng, cinfo[cid]["country"])  # an account we have never seen
            nm = cinfo[cid]["customer_name"]
            name = (strip_accents(nm).upper() if rng.random() < 0.6 else nm)[:35].rstrip()
            A = inv.open_amount
            if rng.random() < 0.5:
                text = remit(cid, REMIT, ref_variant(rng, inv, "exact"), A)
            else:
                text = remit(cid, NOREF, "", A)
                same = [i for i in open_of(cid, inv.currency) if i.open_amount == A]
                matchable = len(same) == 1
            tr = [(inv.invoice_id, A)]
            used = [inv]
        elif scen == "third_party":
            # a parent company paying for a subsidiary, or a factoring company for its client, from its own
            # account and under its own name; the remittance names the client's invoice(s), as written
            cid = pick_customer(pred=lambda c: c in payers_for)
            if cid is None:
                continue
            payer = rng.choice(sorted(payers_for[cid]))
            ops = [i for i in open_of(cid) if i.open_amount > 0]
            chosen = rng.sample(ops, 1 if rng.random() < 0.8 or len(ops) < 2 else min(3, len(ops)))
            chosen.sort(key=lambda i: i.invoice_id)
            parts = [ref_variant(rng, i, rng.choice(["exact", "exact", "exact", "sep", "prefix"] +
                                                    (["zeros"] if i.unit in "AC" else []))) for i in chosen]
            A = sum(i.open_amount for i in chosen)
            if cinfo[payer]["note"] == "factoring company":
                debtor = drop_legal(cinfo[cid]["customer_name"], cinfo[cid]["country"])
                text = rng.choice([f"{', '.join(parts)} {debtor}", f"/INV/{' '.join(parts)} DEBTOR {debtor.upper()}",
                                   f"Payment on behalf of {debtor} inv {', '.join(parts)}"])[:140]
            else:
                text = remit(cid, REMIT if len(parts) == 1 else REMIT_LIST, ", ".join(parts), A)
            iban = rng.choice(cust_ibans[payer])
            name = bank_name(rng, cinfo[payer]["customer_name"], cinfo[payer]["country"], rng.random() < 0.5)
            tr = [(i.invoice_id, i.open_amount) for i in chosen]
            used = chosen
        elif scen == "trap_same_amount":
            cid = pick_customer()
            if cid is None:
                continue
            inv = rng.choice([i for i in open_of(cid) if i.open_amount > 0])
            other = pick_customer(pred=lambda c: c != cid and any(i.currency == inv.currency and i.open_amount > 0 for i in open_of(c)))
            if other is None:
                continue
            twin = rng.choice([i for i in open_of(other, inv.currency) if i.open_amount > 0])
            twin.amount = twin.open_amount = inv.open_amount  # the same amount open at a second customer
            twin.used = True
            iban = make_iban(rng, rng.choice(["NL", "DE", "BE"]))
            name = rng.choice(PRIVATE_NAMES + [""])
            A = inv.open_amount
            text = remit(cid, NOREF, "", A).replace(knum(cid), "")
            tr = [(inv.invoice_id, A)]
            matchable = False
            used = [inv]
        elif scen == "trap_other_customer":
            cid = pick_customer()
            if cid is None:
                continue
            inv = rng.choice([i for i in open_of(cid) if i.open_amount > 0])
            payer = pick_customer(pred=lambda c: c != cid and cinfo[c]["iban"] != "" and c not in payers_for.get(cid, ()))
            if payer is None:
                continue
            iban = rng.choice([x for x in cinfo[payer]["iban"].replace(" ", "").split(";") if x])
            name = bank_name(rng, cinfo[payer]["customer_name"], cinfo[payer]["country"], False)
            A = inv.open_amount
            text = remit(cid, REMIT, ref_variant(rng, inv, "exact"), A)
            tr = [(inv.invoice_id, A)]
            matchable = False
            used = [inv]
        else:  # trap_garbage
            iban = make_iban(rng, rng.choice(["NL", "DE", "BE", "FR"]))
            name = rng.choice(PRIVATE_NAMES + ["", "HR J MEYER", "FAM. DE BOER"])
            A = int(np.exp(nrng.normal(np.log(30000), 1.2)))
            text = _fill(rng, rng.choice(GARBAGE), "", f"{rng.randrange(10000, 99999)}", A)
            tr = []
            matchable = False
            used = []
            cid = ""
            ccy = rng.choice(["EUR", "EUR", "EUR", "GBP"])
        if used:
            ccy = used[0].currency
        for i in used:
            i.used = True
        pays.append(dict(payment_id=pid, value_date=pd.Timestamp(value_date), amount=int(A), currency=ccy,
                         payer_name=name, payer_iban=spaced_iban(iban) if rng.random() < 0.2 else iban,
                         remittance=text, creditor_reference=cref, bank_reference=f"B{rng.randrange(10**9):09d}",
                         statement_id=f"ST{value_date:%Y%m%d}", source_file="synthetic"))
        if not tr:
            truth.append(dict(payment_id=pid, scenario=scen, matchable=False, trap=scen in TRAPS, invoice_id="",
                              applied_amount=0))
        for iid, a in tr:
            truth.append(dict(payment_id=pid, scenario=scen, matchable=matchable and scen not in TRAPS,
                              trap=scen in TRAPS, invoice_id=iid, applied_amount=int(a)))
    invoices = pd.DataFrame([dict(invoice_id=i.invoice_id, customer_id=i.customer_id,
                                  customer_name=cinfo[i.customer_id]["customer_name"],
                                  invoice_date=pd.Timestamp(i.invoice_date), due_date=pd.Timestamp(i.due_date),
                                  currency=i.currency, amount=i.amount, open_amount=i.open_amount,
                                  collector=cinfo[i.customer_id]["collector"], payment_reference=i.payment_reference,
                                  po_number="", status="open", note="") for i in invs])
    invoices["amount"] = invoices["amount"].astype(np.int64)
    invoices["open_amount"] = invoices["open_amount"].astype(np.int64)
    payments = pd.DataFrame(pays)
    payments["amount"] = payments["amount"].astype(np.int64)
    payments["unapplied_amount"] = pd.array([pd.NA] * len(payments), dtype="Int64")
    for c in ("status", "note"):
        payments[c] = ""
    customers = pd.concat([customers, pd.DataFrame(factors, columns=customers.columns)], ignore_index=True)
    return Dataset(customers, invoices, payments, pd.DataFrame(truth), known_ibans)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder for invoices.csv, payments.csv, customers.csv, truth.csv")
    ap.add_argument("--payments", type=int, default=10_000)
    ap.add_argument("--invoices", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    ds = generate(a.payments, a.invoices, a.seed)
    ds.write(a.out)
    print(f"wrote {len(ds.customers)} customers, {len(ds.invoices)} invoices, {len(ds.payments)} payments to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

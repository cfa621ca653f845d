"""Seeded generator of a realistic European B2B receivables portfolio.

Everything here is a pure function of a seed (and of an as-of date): the same
seed gives the same customers, invoices and bank statement, byte for byte.
No Faker: names are put together from word lists per country in the style of
that country (``Van den Berg Transport B.V.``, ``Spedition Hoffmann GmbH & Co.
KG``, ``Transports Lefèvre SAS``, ``Hargreaves Freight Ltd``), with the
country's real legal forms.

* ``portfolio(seed, as_of, customers)`` -> ``Portfolio``: Customers and
  Invoices as canonical frames (money in int64 cents, dates at midnight) plus
  the details the bank statement needs (payer banks, BICs).
* ``statement(portfolio, seed)`` -> ``Statement``: the day's bank entries
  paying open invoices the way customers really pay (reference in free text,
  structured reference, several invoices at once, part payments, bank charges
  deducted, name only, unidentifiable), and a few debits.
* ``camt053(statement)`` -> bytes: the statement as ISO 20022
  camt.053.001.08 XML, built with ElementTree (which does the escaping).

Check digits are computed, not faked: IBANs carry ISO 13616 mod-97 check
digits over a BBAN of the right length and format with the national check
digits where the country has them (BE, DE method 00, FR clé RIB, NL 11-proof);
Belgian structured communications (OGM/VCS) carry their mod-97 check and RF
creditor references their ISO 11649 check.
"""
from __future__ import annotations

import calendar
import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd

from .. import clock
from ..engine.refs import ogm_make, rf_make

COUNTRIES = ("NL", "BE", "DE", "FR", "UK")
COUNTRY_SHARE = {"NL": 0.30, "BE": 0.20, "DE": 0.25, "FR": 0.15, "UK": 0.10}
IBAN_COUNTRY = {"NL": "NL", "BE": "BE", "DE": "DE", "FR": "FR", "UK": "GB"}

LEGAL_FORMS = {
    "NL": ("B.V.", "N.V.", "V.O.F."),
    "BE": ("NV", "BV", "SRL", "SA", "CommV"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG", "KG", "e.K."),
    "FR": ("SARL", "SAS", "SA", "EURL"),
    "UK": ("Ltd", "PLC", "LLP"),
}
"""The legal forms a generated company name may end with, per country."""

COLLECTORS = ("Sanne", "Pieter", "Julie", "Markus", "Emma")

# ---------------------------------------------------------------- word lists

_NL_SURNAMES = (
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit",
    "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "de Haan", "Vermeulen",
    "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "Schouten", "van Dijk", "Hoekstra",
    "Kuipers", "Verhoeven", "Post", "Timmermans", "Groen", "Koster", "Willemsen", "Prins", "Huisman",
)
_NL_SECTORS = (
    "Transport", "Logistiek", "Bouw", "Installatietechniek", "Metaalbewerking", "Verpakkingen",
    "Groothandel", "Techniek", "Koeltechniek", "Machinebouw", "Elektrotechniek", "Staalbouw",
    "Tuinbouw", "Kunststoffen", "Interieurbouw", "Dakbedekking",
)
_NL_PREFIX = ("Transportbedrijf", "Bouwbedrijf", "Installatiebedrijf", "Aannemersbedrijf",
              "Handelsonderneming", "Loonbedrijf", "Constructiebedrijf")
_NL_PLACES = ("Rotterdam", "Utrecht", "Eindhoven", "Tilburg", "Zwolle", "Venlo", "Breda", "Groningen",
              "Amersfoort", "Apeldoorn", "Nijmegen", "Haarlem", "Delft", "Twente", "Westland", "Zeeland")

_BE_NL_SURNAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
    "De Smet", "Van Damme", "De Clercq", "Verstraete", "Coppens", "Lemmens", "Hermans", "Michiels",
    "Vandenberghe", "Verhaegen", "Van de Velde", "De Backer", "Bogaert", "Pauwels", "Aerts", "Claeys",
    "Van Hoof", "Desmet", "Vercammen",
)
_BE_NL_PLACES = ("Antwerpen", "Gent", "Brugge", "Kortrijk", "Hasselt", "Mechelen", "Leuven", "Genk",
                 "Roeselare", "Aalst", "Geel", "Kempen", "Waasland")
_BE_NL_SECTORS = ("Logistics", "Transport", "Staalbouw", "Technics", "Verpakking", "Bouw", "Koeltechniek",
                  "Metaalwerken", "Distributie")
_BE_FR_SURNAMES = (
    "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Renard", "Lejeune",
    "Lefèvre", "Dumont", "Collard", "Piette", "Delvaux", "Gilson", "Henrard", "Bodart", "Masson",
    "François", "Hubert", "Jacquet", "Noël", "Thiry", "Lemaître", "Gérard",
)
_BE_FR_PLACES = ("Liège", "Namur", "Charleroi", "Mons", "Wavre", "Tournai", "Verviers", "Nivelles", "Arlon")

_DE_SURNAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Schmitt", "Werner", "Krause",
    "Lehmann", "Köhler", "Weiß", "Jäger", "Vogel", "Brandt", "Haas", "Kuhn", "Engel", "Pohl", "Frank",
)
_DE_SECTORS = ("Maschinenbau", "Metallbau", "Logistik", "Elektrotechnik", "Haustechnik", "Verpackungen",
               "Kunststofftechnik", "Baustoffe", "Holzbau", "Anlagenbau", "Fördertechnik", "Fahrzeugteile",
               "Stahlhandel", "Antriebstechnik")
_DE_EK_PREFIX = ("Elektro", "Sanitär", "Autohaus", "Malerbetrieb", "Schreinerei", "Dachdeckerei")
_DE_REGIONS = ("Rheinische", "Westfälische", "Bayerische", "Sächsische", "Hanseatische", "Norddeutsche",
               "Süddeutsche", "Schwäbische", "Fränkische")
_DE_WORKS = ("Kunststoffwerke", "Metallwerke", "Papierfabrik", "Drahtwerke", "Baustoffwerke", "Armaturenwerke")

_FR_SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Legrand",
    "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Henry", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Chevalier", "Lemoine", "Bérard",
)
_FR_ADJ = ("Lyonnaise", "Nantaise", "Bordelaise", "Toulousaine", "Rennaise", "Lilloise", "Normande",
           "Alsacienne", "Bretonne", "Provençale", "Dauphinoise", "Picarde")
_FR_ACTIVITY = ("Manutention", "Transports", "Travaux Publics", "Emballage", "Chaudronnerie",
                "Distribution", "Levage", "Mécanique")
_FR_PREFIX = ("Transports", "Menuiserie", "Maçonnerie", "Métallerie", "Électricité Générale",
              "Charpente", "Plomberie", "Carrosserie Industrielle", "Froid Industriel")
_FR_SUFFIX = ("Emballages", "Industrie", "Logistique", "Distribution", "Équipements", "Matériaux")

_UK_SURNAMES = (
    "Hargreaves", "Ashworth", "Whitaker", "Pemberton", "Fletcher", "Thornton", "Holroyd", "Barraclough",
    "Sutcliffe", "Ainsworth", "Brennan", "Cartwright", "Davies", "Evans", "Hughes", "Harrison", "Wright",
    "Walker", "Robinson", "Clarke", "Turner", "Parker", "Bennett", "Marshall", "Fox", "Lockwood",
    "Kershaw", "Illingworth", "Haworth", "Greenwood",
)
_UK_SECTORS = ("Freight", "Engineering", "Logistics", "Fabrications", "Haulage", "Packaging", "Plant Hire",
               "Electrical", "Building Supplies", "Precision Components")
_UK_PLACES = ("Sheffield", "Leeds", "Bristol", "Midlands", "Pennine", "Humber", "Severn", "Thames Valley",
              "Northern", "Solent", "Mersey", "Tyneside", "Cotswold")

# banks: (bank code, BIC) per country; the DE ones all use check-digit method 00
_BANKS = {
    "NL": (("ABNA", "ABNANL2A"), ("INGB", "INGBNL2A"), ("RABO", "RABONL2U"), ("SNSB", "SNSBNL2A"),
           ("TRIO", "TRIONL2U"), ("KNAB", "KNABNL2H"), ("BUNQ", "BUNQNL2A"), ("ASNB", "ASNBNL21")),
    "BE": (("001", "GEBABEBB"), ("230", "GEBABEBB"), ("068", "GKCCBEBB"), ("091", "GKCCBEBB"),
           ("310", "BBRUBEBB"), ("363", "BBRUBEBB"), ("735", "KREDBEBB"), ("737", "KREDBEBB")),
    "DE": (("12030000", "BYLADEM1001"), ("20050550", "HASPDEHHXXX"), ("30050110", "DUSSDEDDXXX"),
           ("37050198", "COLSDE33XXX"), ("70150000", "SSKMDEMMXXX")),
    "FR": (("30004", "BNPAFRPP"), ("30003", "SOGEFRPP"), ("30002", "CRLYFRPP"), ("10278", "CMCIFR2A"),
           ("30066", "CMCIFRPP"), ("20041", "PSSTFRPP")),
    "UK": (("NWBK", "NWBKGB2L", "60"), ("BARC", "BARCGB22", "20"), ("LOYD", "LOYDGB2L", "30"),
           ("HBUK", "HBUKGB4B", "40"), ("MIDL", "MIDLGB22", "40")),
}

SELLER = {
    "name": "Noordkade Industrial Supplies B.V.",
    "country": "NL",
}

# ---------------------------------------------------------------- check digits


def _numeric(text: str) -> int:
    """Letters as numbers (A=10 .. Z=35), as ISO 13616 and ISO 11649 want."""
    return int("".join(str(int(ch, 36)) for ch in text))


def iban(country: str, bban: str) -> str:
    """An IBAN (electronic form) with its ISO 13616 mod-97 check digits."""
    cc = IBAN_COUNTRY.get(country, country)
    check = 98 - _numeric(bban + cc + "00") % 97
    return f"{cc}{check:02d}{bban}"


def iban_is_valid(text: str) -> bool:
    s = str(text).replace(" ", "").upper()
    return len(s) > 4 and s[:2].isalpha() and _numeric(s[4:] + s[:4]) % 97 == 1


def format_iban(text: str) -> str:
    """Paper form: groups of four."""
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def _digits(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


def bban(r: random.Random, country: str) -> tuple[str, str]:
    """A (BBAN, BIC) for an account at one of the country's banks, national check digits included."""
    bank = r.choice(_BANKS[country])
    code, bic = bank[0], bank[1]
    if country == "NL":  # 4-letter bank code + 10-digit account passing the 11-proof
        while True:
            head = "0" + _digits(r, 8) if r.random() < 0.6 else r.choice("123456789") + _digits(r, 8)
            s = sum(int(d) * (10 - i) for i, d in enumerate(head))
            last = (-s) % 11
            if last < 10:
                return code + head + str(last), bic
    if country == "BE":  # 3-digit bank + 7-digit account + mod-97 check
        body = code + _digits(r, 7)
        return body + f"{int(body) % 97 or 97:02d}", bic
    if country == "DE":  # 8-digit BLZ + 10-digit account, check-digit method 00
        sig = r.choice((7, 8, 9))
        acct = "0" * (9 - sig) + r.choice("123456789") + _digits(r, sig - 1)
        total = 0
        for i, d in enumerate(reversed(acct)):
            p = int(d) * (2 if i % 2 == 0 else 1)
            total += p // 10 + p % 10
        return code + acct + str((10 - total % 10) % 10), bic
    if country == "FR":  # bank 5 + branch 5 + account 11 + clé RIB 2
        branch = _digits(r, 5)
        acct = "000" + _digits(r, 8)
        key = 97 - (89 * int(code) + 15 * int(branch) + 3 * int(acct)) % 97
        return f"{code}{branch}{acct}{key:02d}", bic
    if country == "UK":  # 4-letter bank + 6-digit sort code + 8-digit account
        return code + bank[2] + _digits(r, 4) + _digits(r, 8), bic
    raise ValueError(country)


def new_iban(r: random.Random, country: str) -> tuple[str, str]:
    b, bic = bban(r, country)
    return iban(country, b), bic


# ---------------------------------------------------------------- names


def _nl_surname(s: str, start: bool) -> str:
    return s[0].upper() + s[1:] if start else s


def company_name(r: random.Random, country: str, flavour: str = "") -> str:
    """A company name in the country's own style, ending with a real legal form."""
    if country == "NL":
        s = r.choice(_NL_SURNAMES)
        form = r.choices(("B.V.", "V.O.F.", "N.V."), (0.80, 0.13, 0.07))[0]
        if form == "V.O.F.":
            p = r.random()
            if p < 0.4:
                return f"Gebr. {_nl_surname(s, False)} {form}"
            if p < 0.7:
                return f"{_nl_surname(s, True)} & Zn. {form}"
            return f"{r.choice(_NL_PREFIX)} {_nl_surname(s, False)} {form}"
        if form == "N.V.":
            return (f"Koninklijke {_nl_surname(s, True)} {r.choice(_NL_SECTORS)} {form}" if r.random() < 0.5
                    else f"{r.choice(_NL_PLACES)} {r.choice(_NL_SECTORS)} Holding {form}")
        p = r.random()
        if p < 0.5:
            return f"{_nl_surname(s, True)} {r.choice(_NL_SECTORS)} {form}"
        if p < 0.8:
            return f"{r.choice(_NL_PREFIX)} {_nl_surname(s, False)} {form}"
        return f"{r.choice(_NL_PLACES)} {r.choice(_NL_SECTORS)} {form}"
    if country == "BE" and flavour != "fr":
        s = r.choice(_BE_NL_SURNAMES)
        form = r.choices(("BV", "NV", "CommV"), (0.60, 0.30, 0.10))[0]
        if form == "CommV":
            return f"{s} & Zonen {form}" if r.random() < 0.5 else f"Bouwonderneming {s} {form}"
        p = r.random()
        if p < 0.45:
            return f"{s} {r.choice(_BE_NL_SECTORS)} {form}"
        if p < 0.75:
            return f"{r.choice(('Transport', 'Schrijnwerkerij', 'Bouwbedrijf', 'Garage', 'Drukkerij'))} {s} {form}"
        return f"{r.choice(_BE_NL_PLACES)} {r.choice(_BE_NL_SECTORS)} {form}"
    if country == "BE":
        s = r.choice(_BE_FR_SURNAMES)
        form = r.choices(("SRL", "SA"), (0.65, 0.35))[0]
        p = r.random()
        if p < 0.4:
            return f"{r.choice(('Logistique', 'Transports', 'Menuiserie', 'Ets', 'Toitures', 'Garage'))} {s} {form}"
        if p < 0.6:
            return f"{s} & Fils {form}"
        if p < 0.8:
            return f"{s} {r.choice(('Logistique', 'Industrie', 'Distribution', 'Matériaux'))} {form}"
        return f"{r.choice(('Carrières', 'Ateliers', 'Entrepôts', 'Fonderies'))} de {r.choice(_BE_FR_PLACES)} {form}"
    if country == "DE":
        s = r.choice(_DE_SURNAMES)
        form = r.choices(("GmbH", "GmbH & Co. KG", "KG", "AG", "e.K."), (0.58, 0.18, 0.09, 0.07, 0.08))[0]
        if form == "e.K.":
            return f"{r.choice(_DE_EK_PREFIX)} {s} {form}"
        if form == "AG":
            return (f"{r.choice(_DE_REGIONS)} {r.choice(_DE_WORKS)} {form}" if r.random() < 0.6
                    else f"{s} {r.choice(_DE_SECTORS)} {form}")
        if form == "KG" and r.random() < 0.5:
            return f"{s} & {r.choice([x for x in _DE_SURNAMES if x != s])} {form}"
        if form == "GmbH & Co. KG" and r.random() < 0.5:
            return f"Spedition {s} {form}"
        p = r.random()
        if p < 0.7:
            return f"{s} {r.choice(_DE_SECTORS)} {form}"
        return f"{r.choice(('Bauunternehmung', 'Holzbau', 'Metallbau', 'Autohaus'))} {s} {form}"
    if country == "FR":
        s = r.choice(_FR_SURNAMES)
        form = r.choices(("SAS", "SARL", "EURL", "SA"), (0.40, 0.35, 0.15, 0.10))[0]
        if form == "SA" and r.random() < 0.6:
            adj = r.choice(_FR_ADJ)
            return f"Société {adj} de {r.choice(_FR_ACTIVITY)} {form}"
        p = r.random()
        if p < 0.5:
            return f"{r.choice(_FR_PREFIX)} {s} {form}"
        if p < 0.75:
            return f"{s} {r.choice(_FR_SUFFIX)} {form}"
        if form in ("SARL", "SA"):
            return f"Ets {s} & Fils {form}"
        return f"Groupe {s} {form}" if form == "SAS" else f"{r.choice(_FR_PREFIX)} {s} {form}"
    if country == "UK":
        s = r.choice(_UK_SURNAMES)
        form = r.choices(("Ltd", "LLP", "PLC"), (0.80, 0.13, 0.07))[0]
        if form == "LLP":
            other = r.choice([x for x in _UK_SURNAMES if x != s])
            return f"{s} {other} {form}" if r.random() < 0.5 else f"{s} & Partners {form}"
        if form == "PLC":
            return f"{s} Group {form}" if r.random() < 0.5 else f"{r.choice(_UK_PLACES)} Holdings {form}"
        p = r.random()
        if p < 0.55:
            return f"{s} {r.choice(_UK_SECTORS)} {form}"
        if p < 0.75:
            return f"{s} & Sons {form}"
        return f"{r.choice(_UK_PLACES)} {r.choice(_UK_SECTORS)} {form}"
    raise ValueError(country)


def legal_form(name: str, country: str) -> str:
    """The legal form a name ends with ('' if none of the country's)."""
    for form in sorted(LEGAL_FORMS[country], key=len, reverse=True):
        if name.endswith(" " + form):
            return form
    return ""


def strip_legal_form(name: str, country: str) -> str:
    form = legal_form(name, country)
    return name[: -len(form) - 1] if form else name


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _domain(name: str, country: str) -> str:
    base = ascii_fold(strip_legal_form(name, country)).lower().replace("&", " ")
    words = [w for w in re.split(r"[^a-z0-9]+", base) if w and w not in ("gebr", "ets", "zn")]
    words = words[:2] or ["info"]
    tld = {"NL": "nl", "BE": "be", "DE": "de", "FR": "fr", "UK": "co.uk"}[country]
    return ("-".join(words) if len("".join(words)) > 14 else "".join(words)) + "." + tld


_MAILBOX = {
    "nl": ("crediteuren", "administratie", "facturen", "finance"),
    "de": ("buchhaltung", "rechnungen", "kreditoren", "finanzen"),
    "fr": ("comptabilite", "factures", "compta.fournisseurs", "finance"),
    "en": ("accounts.payable", "accounts", "finance", "purchase.ledger"),
}


# ---------------------------------------------------------------- the portfolio


@dataclass
class Portfolio:
    as_of: dt.date
    customers: pd.DataFrame
    invoices: pd.DataFrame
    banks: dict[str, str] = field(default_factory=dict)
    """customer_id -> BIC of its (first) account"""
    ibans: dict[str, list[str]] = field(default_factory=dict)


def _eom(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _business_day(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


_TERMS = {  # country -> ((days, end of month), weight)
    "NL": (((30, False), 0.55), ((14, False), 0.20), ((45, False), 0.10), ((60, False), 0.05), ((30, True), 0.10)),
    "BE": (((30, False), 0.40), ((30, True), 0.25), ((60, True), 0.15), ((45, False), 0.20)),
    "DE": (((30, False), 0.45), ((14, False), 0.35), ((60, False), 0.10), ((45, False), 0.10)),
    "FR": (((45, True), 0.35), ((60, False), 0.30), ((30, True), 0.25), ((30, False), 0.10)),
    "UK": (((30, True), 0.50), ((30, False), 0.30), ((60, False), 0.10), ((14, False), 0.10)),
}

# behaviour: (share, days late: mean, spread, chance an invoice is left unpaid for good)
_PROFILES = {
    "prompt": (0.35, -1.0, 4.0, 0.002),
    "normal": (0.33, 12.0, 10.0, 0.01),
    "slow": (0.20, 38.0, 20.0, 0.05),
    "bad": (0.12, 80.0, 40.0, 0.35),
}

_DISPUTE_NOTES = (
    "Customer says goods arrived damaged", "Price differs from the order", "Quantity short-delivered",
    "PO number missing on invoice", "Service not completed per customer", "Duplicate invoice claimed",
    "Awaiting proof of delivery",
)


def portfolio(seed: int = 7, as_of: dt.date | None = None, customers: int = 300, months: int = 6) -> Portfolio:
    """Customers and Invoices (canonical frames) for ``customers`` customers over ``months`` months."""
    as_of = as_of or clock.today()
    r = random.Random(seed)
    g = np.random.default_rng(seed)
    n = int(customers)
    if n < 1:
        raise ValueError("customers must be at least 1")

    # --- customers
    counts = {c: int(round(COUNTRY_SHARE[c] * n)) for c in COUNTRIES}
    counts["NL"] += n - sum(counts.values())
    countries = [c for c in COUNTRIES for _ in range(counts[c])]
    r.shuffle(countries)
    seen: set[str] = set()
    rows = []
    banks: dict[str, str] = {}
    ibans: dict[str, list[str]] = {}
    first_id = 10000 + r.randrange(100, 900)
    id_numbers = sorted(r.sample(range(first_id, first_id + n * 6), n))
    for i, country in enumerate(countries):
        flavour = ""
        if country == "BE":
            flavour = "fr" if r.random() < 0.4 else "nl"
        for _ in range(200):
            name = company_name(r, country, flavour)
            if name not in seen:
                break
        else:  # a very large portfolio: make it unique with a place
            name = f"{strip_legal_form(name, country)} {i} {legal_form(name, country)}"
        seen.add(name)
        language = {"NL": "nl", "DE": "de", "FR": "fr", "UK": "en"}.get(country, flavour)
        cid = f"C{id_numbers[i]}"
        accts = [new_iban(r, country)]
        if r.random() < 0.08:
            accts.append(new_iban(r, country))
        banks[cid] = accts[0][1]
        ibans[cid] = [a for a, _ in accts]
        if country == "NL":
            collector = "Sanne" if r.random() < 0.78 else "Pieter"
        elif country == "BE":
            collector = "Pieter" if flavour == "nl" else "Julie"
        else:
            collector = {"DE": "Markus", "FR": "Julie", "UK": "Emma"}[country]
        profile = r.choices(list(_PROFILES), [p[0] for p in _PROFILES.values()])[0]
        if country == "UK":
            currency = "GBP" if r.random() < 0.85 else "EUR"
        else:
            currency = "USD" if r.random() < 0.06 else "EUR"
        if currency == "USD":
            collector = "Emma"
        terms = r.choices([t for t, _ in _TERMS[country]], [w for _, w in _TERMS[country]])[0]
        scale = float(np.exp(g.normal(np.log(1400), 0.85)))
        activity = float(np.exp(g.normal(np.log(13), 0.6)))
        rows.append({
            "customer_id": cid, "customer_name": name, "iban": ";".join(ibans[cid]), "country": country,
            "language": language, "collector": collector,
            "email": f"{r.choice(_MAILBOX[language])}@{_domain(name, country)}",
            "_currency": currency, "_profile": profile, "_terms": terms, "_scale": scale, "_activity": activity,
        })

    # --- invoices
    start = as_of - dt.timedelta(days=int(round(months * 30.4)))
    span = (as_of - start).days
    docs = []
    for c in rows:
        k = max(1, int(g.poisson(c["_activity"] * months / 6)))
        mean, spread, stuck = _PROFILES[c["_profile"]][1:]
        days_ago = np.sort(g.integers(0, span + 1, size=k))[::-1]
        amounts = np.exp(g.normal(np.log(c["_scale"]), 0.7, size=k))
        delays = g.normal(mean, spread, size=k)
        u = g.random((k, 4))
        for j in range(k):
            inv_date = _business_day(as_of - dt.timedelta(days=int(days_ago[j])))
            if inv_date < start:
                inv_date = start
            days, eom = c["_terms"]
            due = inv_date + dt.timedelta(days=days)
            if eom:
                due = _eom(due)
            cents = int(min(max(amounts[j], 25.0), 250000.0) * 100)
            cents = cents - cents % 100 if u[j, 0] < 0.12 else cents  # some whole amounts
            pay_date = due + dt.timedelta(days=int(round(delays[j])))
            if pay_date < inv_date + dt.timedelta(days=2):
                pay_date = inv_date + dt.timedelta(days=2)
            unpaid = u[j, 1] < stuck
            disputed = u[j, 2] < (0.03 if c["_profile"] in ("slow", "bad") else 0.008)
            docs.append({
                "kind": "INV", "date": inv_date, "due": due, "cust": c, "amount": cents,
                "paid_on": None if (unpaid or disputed) else pay_date, "disputed": disputed,
                "partial": u[j, 3],
            })
    # credit notes: ~5% of documents, each against an earlier invoice of the same customer
    invoices_only = list(docs)
    n_cn = int(round(len(invoices_only) * 0.052))
    for idx in g.choice(len(invoices_only), size=min(n_cn, len(invoices_only)), replace=False):
        base = invoices_only[int(idx)]
        d = base["date"] + dt.timedelta(days=int(g.integers(3, 40)))
        if d > as_of:
            d = as_of
        d = _business_day(d)
        if d < base["date"]:
            d = base["date"]
        share = r.choices((1.0, 0.5, None), (0.3, 0.2, 0.5))[0]
        cents = base["amount"] if share == 1.0 else (
            base["amount"] // 2 if share == 0.5 else int(base["amount"] * r.uniform(0.04, 0.3)))
        cents = max(cents, 500)
        settled = d < as_of - dt.timedelta(days=r.randint(20, 70))
        docs.append({"kind": "CN", "date": d, "due": d, "cust": base["cust"], "amount": -cents,
                     "paid_on": d if settled else None, "disputed": False, "partial": 1.0, "base": base})
    docs.sort(key=lambda x: (x["date"], x["cust"]["customer_id"], x["kind"]))

    # numbering: yearly sequences, as an ERP does
    per_day = len(invoices_only) / max(span, 1)
    seq: dict[tuple[str, int], int] = {}
    for d in docs:
        key = (d["kind"], d["date"].year)
        if key not in seq:
            doy = (d["date"] - dt.date(d["date"].year, 1, 1)).days
            rate = per_day if d["kind"] == "INV" else per_day * 0.05
            seq[key] = int(rate * doy) + r.randint(1, 9)
        seq[key] += 1
        d["id"] = f"{d['date'].year}-{seq[key]:06d}" if d["kind"] == "INV" else f"CN-{d['date'].year}-{seq[key]:05d}"

    inv_rows = []
    for d in docs:
        c = d["cust"]
        amount = d["amount"]
        open_amt, status, note = amount, "open", ""
        if d["kind"] == "CN":
            if d["paid_on"] is not None:
                open_amt, status = 0, "paid"
            note = f"Credit for invoice {d['base']['id']}"
        elif d["disputed"]:
            status, note = "disputed", r.choice(_DISPUTE_NOTES)
        elif d["paid_on"] is not None and d["paid_on"] <= as_of:
            open_amt, status = 0, "paid"
            if d["partial"] < 0.035:  # paid in part, the rest still open
                open_amt = int(amount * (0.2 + d["partial"] * 12))
                open_amt = max(100, min(open_amt, amount - 100)) if amount > 200 else amount
                status = "open"
        ref = ""
        if d["kind"] == "INV":
            if c["country"] == "BE" and r.random() < 0.75:
                ref = ogm_make(f"{d['date']:%y}{d['id'][-6:]}{r.randint(0, 99):02d}")
            elif c["country"] in ("NL", "DE", "FR") and r.random() < 0.15:
                ref = rf_make(d["id"].replace("-", ""))
        po = ""
        if d["kind"] == "INV" and r.random() < 0.55:
            po = r.choice((f"45{r.randint(0, 99999999):08d}", f"PO-{r.randint(10000, 99999)}",
                           f"{c['customer_id'][1:]}/{r.randint(100, 999)}"))
        inv_rows.append({
            "invoice_id": d["id"], "customer_id": c["customer_id"], "customer_name": c["customer_name"],
            "invoice_date": d["date"], "due_date": d["due"], "currency": c["_currency"],
            "amount": amount, "open_amount": open_amt, "collector": c["collector"],
            "payment_reference": ref, "po_number": po, "status": status, "note": note,
        })

    # credit limit: about two months of business, rounded up to 5,000
    monthly = {}
    for d in docs:
        if d["kind"] == "INV":
            cid = d["cust"]["customer_id"]
            monthly[cid] = monthly.get(cid, 0) + d["amount"] / months
    for c in rows:
        lim = max(5000_00, int(np.ceil(monthly.get(c["customer_id"], 0) * 2 / 5000_00)) * 5000_00)
        c["credit_limit"] = lim

    cust_df = pd.DataFrame({
        "customer_id": [c["customer_id"] for c in rows],
        "customer_name": [c["customer_name"] for c in rows],
        "iban": [c["iban"] for c in rows],
        "country": [c["country"] for c in rows],
        "language": [c["language"] for c in rows],
        "collector": [c["collector"] for c in rows],
        "credit_limit": pd.array([c["credit_limit"] for c in rows], dtype="Int64"),
        "email": [c["email"] for c in rows],
        "aliases": [""] * n,
        "note": [""] * n,
    }).sort_values("customer_id", ignore_index=True)
    inv_df = pd.DataFrame(inv_rows)
    for col in ("invoice_date", "due_date"):
        inv_df[col] = pd.to_datetime(inv_df[col]).astype("datetime64[ns]")
    for col in ("amount", "open_amount"):
        inv_df[col] = inv_df[col].astype(np.int64)
    return Portfolio(as_of=as_of, customers=cust_df, invoices=inv_df, banks=banks, ibans=ibans)


# ---------------------------------------------------------------- the bank statement


@dataclass
class Entry:
    amount: int
    """cents, positive"""
    currency: str
    credit: bool
    name: str = ""
    iban: str = ""
    bic: str = ""
    ustrd: list[str] = field(default_factory=list)
    ref: str = ""
    """structured creditor reference (OGM digits or RF...)"""
    ref_issuer: str = ""
    end_to_end: str = "NOTPROVIDED"
    kind: str = ""
    """how the entry came about: exact, structured, multi, credit_note, partial, charges, name_only, unknown, debit"""
    invoices: list[str] = field(default_factory=list)
    customer_id: str = ""
    value_date: dt.date | None = None
    bank_ref: str = ""
    domain: tuple[str, str, str] = ("PMNT", "RCDT", "ESCT")


@dataclass
class Account:
    iban: str
    currency: str
    bic: str
    opening: int
    entries: list[Entry] = field(default_factory=list)

    @property
    def closing(self) -> int:
        return self.opening + sum(e.amount if e.credit else -e.amount for e in self.entries)


@dataclass
class Statement:
    as_of: dt.date
    owner: str
    accounts: list[Account]
    msg_id: str = ""

    @property
    def credits(self) -> list[Entry]:
        return [e for a in self.accounts for e in a.entries if e.credit]

    @property
    def debits(self) -> list[Entry]:
        return [e for a in self.accounts for e in a.entries if not e.credit]


_WORDING = {  # language -> templates for one invoice
    "nl": ("Factuur {id}", "factuurnr {id}", "Betaling factuur {id}", "fact. {id} dd {date:%d-%m-%Y}",
           "{id}", "Uw factuur {id} ons kenmerk {po}"),
    "de": ("Rechnung {id}", "RE {id} vom {date:%d.%m.%Y}", "Rechnungsnr. {id}", "Zahlung RG {id}",
           "{id} KD-NR {cust}"),
    "fr": ("Facture {id}", "Règlement facture {id}", "FACT {id} DU {date:%d/%m/%Y}", "Paiement fact. {id}",
           "VIR {id}"),
    "en": ("INV {id}", "Invoice {id}", "Payment of invoice {id}", "Inv no {id} PO {po}", "{id}"),
}
_MULTI = {
    "nl": "Facturen {ids}", "de": "Rechnungen {ids}", "fr": "Factures {ids}", "en": "Invoices {ids}",
}
_PARTIAL = {
    "nl": ("Deelbetaling factuur {id}", "gedeeltelijke betaling {id}"),
    "de": ("Teilzahlung RE {id}", "Abschlag Rechnung {id}"),
    "fr": ("Acompte sur facture {id}", "Paiement partiel fact. {id}"),
    "en": ("Part payment inv {id}", "On account {id}"),
}
_NAME_ONLY = {
    "nl": ("Betaling", "Crediteurenbetaling week {week}", "BETALINGSRUN {run}", ""),
    "de": ("Zahlung", "Zahllauf {run}", "Sammelüberweisung KW {week}", ""),
    "fr": ("Paiement fournisseur", "VIREMENT {run}", "Règlement fournisseurs", ""),
    "en": ("Payment", "BACS PAYMENT RUN {run}", "Supplier payment", ""),
}
_STRANGERS = (
    ("J. de Vries", "NL"), ("M. Janssens", "BE"), ("Stichting Vrienden van het Havenmuseum", "NL"),
    ("Hr. Thomas Becker", "DE"), ("Mme Claire Dubois", "FR"), ("Mr D. Pemberton", "UK"),
    ("Verkehrsverein Nordstadt e.V.", "DE"), ("Belastingdienst", "NL"),
)


def _payer_name(r: random.Random, name: str, country: str) -> str:
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


def _fmt_id(r: random.Random, inv_id: str) -> str:
    p = r.random()
    if p < 0.8:
        return inv_id
    if p < 0.92:
        return inv_id.replace("-", "")
    return inv_id.split("-")[-1].lstrip("0")  # "4512": the number without its year


def statement(p: Portfolio, seed: int = 7, credits: int | None = None) -> Statement:
    """The day's bank statement (as_of) paying some open invoices in the ways customers really pay."""
    r = random.Random(seed * 7919 + 1)
    as_of = p.as_of
    inv = p.invoices
    cust = p.customers.set_index("customer_id")
    n_credits = credits if credits is not None else int(min(300, max(10, round(len(cust) * 0.7))))

    open_inv = inv[(inv["open_amount"] > 0) & (inv["status"] == "open")].copy()
    open_cn = inv[(inv["open_amount"] < 0) & (inv["status"] == "open")]
    due_days = (pd.Timestamp(as_of) - open_inv["due_date"]).dt.days.to_numpy()
    # invoices falling due around today are the likeliest to be paid today
    weight = np.where(due_days < -20, 0.15, np.where(due_days <= 45, 1.0, 0.35))
    by_cust: dict[str, list[dict]] = {}
    for rec, w in zip(open_inv.to_dict("records"), weight):
        rec["w"] = float(w)
        by_cust.setdefault(rec["customer_id"], []).append(rec)
    cn_by_cust: dict[str, list[dict]] = {}
    for rec in open_cn.to_dict("records"):
        cn_by_cust.setdefault(rec["customer_id"], []).append(rec)
    used: set[str] = set()

    seller_r = random.Random(seed)
    eur = Account(iban("NL", "ABNA" + _nl_account(seller_r)), "EUR", "ABNANL2A",
                  opening=int(seller_r.uniform(400_000, 2_500_000) * 100))
    gbp = Account(iban("UK", "NWBK" + "601613" + _digits(seller_r, 8)), "GBP", "NWBKGB2L",
                  opening=int(seller_r.uniform(50_000, 300_000) * 100))
    usd = Account(iban("NL", "ABNA" + _nl_account(seller_r)), "USD", "ABNANL2A",
                  opening=int(seller_r.uniform(20_000, 200_000) * 100))
    account_for = {"EUR": eur, "GBP": gbp, "USD": usd}

    kinds = ("exact", "structured", "multi", "credit_note", "partial", "charges", "name_only", "unknown")
    kind_w = (0.42, 0.12, 0.11, 0.03, 0.07, 0.07, 0.13, 0.05)

    def pick_invoices(k: int) -> tuple[str, list[dict]] | None:
        cands = [c for c, lst in by_cust.items() if sum(1 for x in lst if x["invoice_id"] not in used) >= k]
        if not cands:
            return None
        cid = r.choices(cands, [sum(x["w"] for x in by_cust[c] if x["invoice_id"] not in used) for c in cands])[0]
        avail = [x for x in by_cust[cid] if x["invoice_id"] not in used]
        chosen = []
        for _ in range(k):
            x = r.choices(avail, [a["w"] for a in avail])[0]
            chosen.append(x)
            avail.remove(x)
        for x in chosen:
            used.add(x["invoice_id"])
        return cid, sorted(chosen, key=lambda x: x["invoice_id"])

    entries: list[Entry] = []
    attempts = 0
    while len(entries) < n_credits and attempts < n_credits * 5:
        attempts += 1
        kind = r.choices(kinds, kind_w)[0]
        if kind == "unknown":
            name, country = r.choice(_STRANGERS)
            acct, bic = new_iban(r, country)
            e = Entry(amount=int(r.choice((r.uniform(20, 900), r.uniform(900, 6000))) * 100), currency="EUR",
                      credit=True, name=name, iban=acct, bic=bic, kind=kind,
                      ustrd=[r.choice(("Terugstorting", "Retour", "Ref 88412730", "Gutschrift", "Remboursement",
                                       "Donation", ""))])
            entries.append(e)
            continue
        k = r.choice((2, 2, 3, 3, 4, 5)) if kind == "multi" else 1
        if kind == "credit_note":
            cands = [c for c in cn_by_cust if c in by_cust and any(x["invoice_id"] not in used for x in by_cust[c])
                     and any(x["invoice_id"] not in used for x in cn_by_cust[c])]
            if not cands:
                continue
            cid = r.choice(cands)
            cn = next(x for x in cn_by_cust[cid] if x["invoice_id"] not in used)
            big = [x for x in by_cust[cid] if x["invoice_id"] not in used and x["open_amount"] > -cn["open_amount"]]
            if not big:
                continue
            x = r.choice(big)
            used.update((x["invoice_id"], cn["invoice_id"]))
            chosen = [x, cn]
        else:
            got = pick_invoices(k)
            if got is None:
                continue
            cid, chosen = got
        c = cust.loc[cid]
        lang = c["language"]
        currency = chosen[0]["currency"]
        first = chosen[0]
        ibans = p.ibans[cid]
        payer_iban = r.choice(ibans)
        bic = p.banks[cid]
        total = sum(int(x["open_amount"]) for x in chosen)
        e = Entry(amount=total, currency=currency, credit=True, name=_payer_name(r, c["customer_name"], c["country"]),
                  iban=payer_iban, bic=bic, kind=kind, invoices=[x["invoice_id"] for x in chosen], customer_id=cid)
        ctx = {"id": _fmt_id(r, first["invoice_id"]), "date": first["invoice_date"], "po": first["po_number"],
               "cust": cid, "week": as_of.isocalendar()[1], "run": f"{as_of:%Y%m%d}-{r.randint(1, 99):03d}"}
        wording = [w for w in _WORDING[lang] if first["po_number"] or "{po}" not in w]
        if kind == "exact":
            e.ustrd = [r.choice(wording).format(**ctx)]
        elif kind == "structured":
            refv = first["payment_reference"]
            if not refv:
                e.kind = "exact"
                e.ustrd = [r.choice(wording).format(**ctx)]
            elif refv.startswith("+++"):
                e.ref, e.ref_issuer = re.sub(r"\D", "", refv), "BBA"
                if r.random() < 0.3:
                    e.ustrd = [refv]
            else:
                e.ref, e.ref_issuer = refv, "ISO"
        elif kind in ("multi", "credit_note"):
            ids = [_fmt_id(r, x["invoice_id"]) if not x["invoice_id"].startswith("CN-") else x["invoice_id"]
                   for x in chosen]
            text = _MULTI[lang].format(ids=r.choice((", ", " ", "/", " + ")).join(ids))
            e.ustrd = [text[i:i + 140] for i in range(0, len(text), 140)]
        elif kind == "partial":
            share = r.choice((0.25, 0.5, 0.5, None))
            part = int(total * share) if share else int(total * r.uniform(0.2, 0.8))
            part = max(100, part - part % (10000 if part > 50000 else 100))
            e.amount = min(part, total - 1) if total > 1 else total
            e.ustrd = [r.choice(_PARTIAL[lang]).format(**ctx)]
        elif kind == "charges":
            if currency != "EUR" or r.random() < 0.5:
                fee = r.choice((750, 1000, 1250, 1500, 2000, 2500))
                e.ustrd = [r.choice(wording).format(**ctx)]
            else:  # early-payment discount taken: 2% (Skonto / escompte)
                fee = int(round(total * 0.02))
                e.ustrd = [{"de": "RE {id} abzgl. 2% Skonto", "fr": "Facture {id} escompte 2%",
                            "nl": "Factuur {id} -2% kredietbeperking", "en": "INV {id} less 2% discount"}[lang].format(**ctx)]
            if fee >= total:
                fee = max(1, total // 50)
            e.amount = total - fee
        elif kind == "name_only":
            e.ustrd = [r.choice(_NAME_ONLY[lang]).format(**ctx)]
            if r.random() < 0.3:  # paid from an account we do not know yet
                e.iban, e.bic = new_iban(r, c["country"])
        e.ustrd = [u for u in e.ustrd if u]
        if r.random() < 0.25:
            e.end_to_end = f"{ascii_fold(strip_legal_form(c['customer_name'], c['country']))[:6].upper().replace(' ', '')}" \
                           f"{as_of:%y%m%d}{r.randint(1000, 9999)}"
        if e.amount <= 0:
            continue
        if currency != "EUR":
            e.domain = ("PMNT", "RCDT", "XBCT")
        entries.append(e)

    for e in entries:
        e.value_date = as_of if r.random() < 0.9 else as_of - dt.timedelta(days=1)
        account_for[e.currency].entries.append(e)
    # a few debits on the EUR account
    debit_specs = [
        (int(r.uniform(25, 90) * 100), "ABN AMRO Bank N.V.", "", "Kosten zakelijk betalingsverkeer", ("ACMT", "MDOP", "CHRG")),
        (int(r.uniform(2000, 25000) * 100), "Van Leeuwen Staal B.V.", new_iban(r, "NL")[0], f"Inkoopfactuur {r.randint(80000, 99999)}", ("PMNT", "ICDT", "ESCT")),
        (int(r.uniform(500, 5000) * 100), "Belastingdienst", "NL86INGB0002445588", f"Aangifte btw {as_of:%m-%Y}", ("PMNT", "ICDT", "ESCT")),
    ]
    if len(open_cn):
        cn = open_cn.iloc[0]
        c = cust.loc[cn["customer_id"]]
        debit_specs.append((-int(cn["open_amount"]), c["customer_name"], p.ibans[cn["customer_id"]][0],
                            f"Terugbetaling {cn['invoice_id']}", ("PMNT", "ICDT", "ESCT")))
    for amt, name, acct, text, domain in debit_specs:
        eur.entries.append(Entry(amount=amt, currency="EUR", credit=False, name=name, iban=acct, ustrd=[text],
                                 kind="debit", value_date=as_of, domain=domain))
    seq = 0
    for a in (eur, gbp, usd):
        for e in a.entries:
            seq += 1
            e.bank_ref = f"{as_of:%Y%m%d}{a.currency}{seq:05d}{r.randint(100, 999)}"
    msg = f"CAMT053-{as_of:%Y%m%d}-{random.Random(seed).randint(100000, 999999)}"
    return Statement(as_of=as_of, owner=SELLER["name"], accounts=[a for a in (eur, gbp, usd) if a.entries], msg_id=msg)


def _nl_account(r: random.Random) -> str:
    while True:
        head = r.choice("123456789") + _digits(r, 8)
        last = (-sum(int(d) * (10 - i) for i, d in enumerate(head))) % 11
        if last < 10:
            return head + str(last)


# ---------------------------------------------------------------- camt.053.001.08

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def _amt(cents: int) -> str:
    return str(Decimal(int(cents)).scaleb(-2).quantize(Decimal("0.01")))


def camt053(st: Statement) -> bytes:
    """The statement as an ISO 20022 camt.053.001.08 document (UTF-8 bytes).

    Element order follows the camt.053.001.08 schema; one ``Stmt`` per account
    (each in its own currency), entries booked (``Sts/Cd`` BOOK), one ``TxDtls``
    per entry with the payer in ``RltdPties/Dbtr/Pty/Nm`` and
    ``RltdPties/DbtrAcct/Id/IBAN``, free text in ``RmtInf/Ustrd`` and structured
    references in ``RmtInf/Strd/CdtrRefInf``.
    """
    ET.register_namespace("", CAMT053_NS)
    q = lambda tag: f"{{{CAMT053_NS}}}{tag}"  # noqa: E731

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, q(tag), {k: v for k, v in attrs.items()})
        if text is not None:
            el.text = str(text)
        return el

    def path(parent, tags: str, text=None):
        el = parent
        for t in tags.split("/"):
            el = sub(el, t)
        if text is not None:
            el.text = str(text)
        return el

    created = dt.datetime.combine(st.as_of, dt.time(6, 30)).isoformat()
    doc = ET.Element(q("Document"))
    root = sub(doc, "BkToCstmrStmt")
    hdr = sub(root, "GrpHdr")
    sub(hdr, "MsgId", st.msg_id)
    sub(hdr, "CreDtTm", created)
    for n, a in enumerate(st.accounts, 1):
        s = sub(root, "Stmt")
        sub(s, "Id", f"{a.iban[-8:]}-{st.as_of:%Y%m%d}")
        sub(s, "ElctrncSeqNb", st.as_of.timetuple().tm_yday)
        sub(s, "CreDtTm", created)
        fr = sub(s, "FrToDt")
        sub(fr, "FrDtTm", dt.datetime.combine(st.as_of, dt.time(0, 0)).isoformat())
        sub(fr, "ToDtTm", dt.datetime.combine(st.as_of, dt.time(23, 59, 59)).isoformat())
        acct = sub(s, "Acct")
        path(acct, "Id/IBAN", a.iban)
        sub(acct, "Ccy", a.currency)
        path(acct, "Ownr/Nm", st.owner)
        path(acct, "Svcr/FinInstnId/BICFI", a.bic)
        for code, cents in (("OPBD", a.opening), ("CLBD", a.closing)):
            bal = sub(s, "Bal")
            path(bal, "Tp/CdOrPrtry/Cd", code)
            sub(bal, "Amt", _amt(abs(cents)), Ccy=a.currency)
            sub(bal, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
            path(bal, "Dt/Dt", (st.as_of - dt.timedelta(days=1) if code == "OPBD" else st.as_of).isoformat())
        cr = [e for e in a.entries if e.credit]
        db = [e for e in a.entries if not e.credit]
        cr_sum, db_sum = sum(e.amount for e in cr), sum(e.amount for e in db)
        summ = sub(s, "TxsSummry")
        tot = sub(summ, "TtlNtries")
        sub(tot, "NbOfNtries", len(a.entries))
        sub(tot, "Sum", _amt(cr_sum + db_sum))
        net = sub(tot, "TtlNetNtry")
        sub(net, "Amt", _amt(abs(cr_sum - db_sum)))
        sub(net, "CdtDbtInd", "CRDT" if cr_sum >= db_sum else "DBIT")
        for tag, lst, total in (("TtlCdtNtries", cr, cr_sum), ("TtlDbtNtries", db, db_sum)):
            t = sub(summ, tag)
            sub(t, "NbOfNtries", len(lst))
            sub(t, "Sum", _amt(total))
        for e in a.entries:
            ind = "CRDT" if e.credit else "DBIT"
            ntry = sub(s, "Ntry")
            sub(ntry, "Amt", _amt(e.amount), Ccy=e.currency)
            sub(ntry, "CdtDbtInd", ind)
            path(ntry, "Sts/Cd", "BOOK")
            path(ntry, "BookgDt/Dt", st.as_of.isoformat())
            path(ntry, "ValDt/Dt", (e.value_date or st.as_of).isoformat())
            sub(ntry, "AcctSvcrRef", e.bank_ref)
            bk = sub(ntry, "BkTxCd")
            dom = sub(bk, "Domn")
            sub(dom, "Cd", e.domain[0])
            fam = sub(dom, "Fmly")
            sub(fam, "Cd", e.domain[1])
            sub(fam, "SubFmlyCd", e.domain[2])
            tx = path(ntry, "NtryDtls/TxDtls")
            refs = sub(tx, "Refs")
            sub(refs, "AcctSvcrRef", e.bank_ref)
            sub(refs, "EndToEndId", e.end_to_end)
            sub(tx, "Amt", _amt(e.amount), Ccy=e.currency)
            sub(tx, "CdtDbtInd", ind)
            parties = sub(tx, "RltdPties")
            if e.credit:
                if e.name:
                    path(parties, "Dbtr/Pty/Nm", e.name)
                if e.iban:
                    path(parties, "DbtrAcct/Id/IBAN", e.iban)
                path(parties, "Cdtr/Pty/Nm", st.owner)
                path(parties, "CdtrAcct/Id/IBAN", a.iban)
            else:
                path(parties, "Dbtr/Pty/Nm", st.owner)
                path(parties, "DbtrAcct/Id/IBAN", a.iban)
                if e.name:
                    path(parties, "Cdtr/Pty/Nm", e.name)
                if e.iban:
                    path(parties, "CdtrAcct/Id/IBAN", e.iban)
            if e.credit and e.bic:
                path(tx, "RltdAgts/DbtrAgt/FinInstnId/BICFI", e.bic)
            ustrd = [u[:140] for u in e.ustrd if u.strip()]  # Max140Text, at least one character
            if ustrd or e.ref:
                rmt = sub(tx, "RmtInf")
                for u in ustrd:
                    sub(rmt, "Ustrd", u)
                if e.ref:
                    cri = path(rmt, "Strd/CdtrRefInf")
                    tp = sub(cri, "Tp")
                    path(tp, "CdOrPrtry/Cd", "SCOR")
                    sub(tp, "Issr", e.ref_issuer)
                    sub(cri, "Ref", e.ref)
            if not e.credit and e.kind == "debit" and e.domain[0] == "ACMT":
                sub(ntry, "AddtlNtryInf", e.ustrd[0] if e.ustrd else "")
    ET.indent(doc, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(doc, encoding="utf-8", xml_declaration=False)

"""Company names in each country's own style, ending with the country's real legal forms.

No Faker: names are put together from word lists per country (``Van den Berg Transport B.V.``,
``Spedition Hoffmann GmbH & Co. KG``, ``Transports Lefèvre SAS``, ``Hargreaves Freight Ltd``).
``company_name`` draws from the caller's ``random.Random``; ``legal_form``, ``strip_legal_form``,
``ascii_fold`` and ``email_domain`` are plain functions of a name.
"""
from __future__ import annotations

import random
import re
import unicodedata

LEGAL_FORMS = {
    "NL": ("B.V.", "N.V.", "V.O.F."),
    "BE": ("NV", "BV", "SRL", "SA", "CommV"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG", "KG", "e.K."),
    "FR": ("SARL", "SAS", "SA", "EURL"),
    "UK": ("Ltd", "PLC", "LLP"),
}
"""The legal forms a generated company name may end with, per country."""

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

def _nl_surname(s: str, start: bool) -> str:
    return s[0].upper() + s[1:] if start else s


def company_name(r: random.Random, country: str, flavour: str = "") -> str:
    """A company name in the country's own style, ending with a real legal form
    (``flavour`` "fr" gives a Belgian name in French, anything else in Dutch)."""
    if country == "BE":
        return _be_fr_name(r) if flavour == "fr" else _be_nl_name(r)
    if country not in _NAMERS:
        raise ValueError(country)
    return _NAMERS[country](r)


def _nl_name(r: random.Random) -> str:
    """Dutch: B.V. (most), V.O.F. (Gebr., & Zn.) or N.V. (Koninklijke, Holding)."""
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


def _be_nl_name(r: random.Random) -> str:
    """Flemish: BV, NV or CommV."""
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


def _be_fr_name(r: random.Random) -> str:
    """Walloon: SRL or SA."""
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


def _de_name(r: random.Random) -> str:
    """German: GmbH, GmbH & Co. KG, KG, AG or e.K."""
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


def _fr_name(r: random.Random) -> str:
    """French: SAS, SARL, EURL or SA."""
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


def _uk_name(r: random.Random) -> str:
    """British: Ltd, LLP or PLC."""
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


_NAMERS = {"NL": _nl_name, "DE": _de_name, "FR": _fr_name, "UK": _uk_name}


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


def email_domain(name: str, country: str) -> str:
    base = ascii_fold(strip_legal_form(name, country)).lower().replace("&", " ")
    words = [w for w in re.split(r"[^a-z0-9]+", base) if w and w not in ("gebr", "ets", "zn")]
    words = words[:2] or ["info"]
    tld = {"NL": "nl", "BE": "be", "DE": "de", "FR": "fr", "UK": "co.uk"}[country]
    return ("-".join(words) if len("".join(words)) > 14 else "".join(words)) + "." + tld


MAILBOX = {
    "nl": ("crediteuren", "administratie", "facturen", "finance"),
    "de": ("buchhaltung", "rechnungen", "kreditoren", "finanzen"),
    "fr": ("comptabilite", "factures", "compta.fournisseurs", "finance"),
    "en": ("accounts.payable", "accounts", "finance", "purchase.ledger"),
}


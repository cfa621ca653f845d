"""Bank accounts with real check digits: IBANs (ISO 13616 mod-97) over BBANs in each country's format.

A BBAN carries the national check digits where the country has them: NL 11-proof, BE mod-97,
DE method 00, FR clé RIB; UK accounts are a bank code, a sort code and an account number.
Every function that draws takes the caller's ``random.Random``, so a seed gives the same accounts.
"""
from __future__ import annotations

import random

IBAN_COUNTRY = {"NL": "NL", "BE": "BE", "DE": "DE", "FR": "FR", "UK": "GB"}

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


def digits(r: random.Random, n: int) -> str:
    """``n`` random decimal digits."""
    return "".join(r.choice("0123456789") for _ in range(n))


def bban(r: random.Random, country: str) -> tuple[str, str]:
    """A (BBAN, BIC) for an account at one of the country's banks, national check digits included."""
    bank = r.choice(_BANKS[country])
    code, bic = bank[0], bank[1]
    if country == "NL":  # 4-letter bank code + 10-digit account passing the 11-proof
        while True:
            head = "0" + digits(r, 8) if r.random() < 0.6 else r.choice("123456789") + digits(r, 8)
            s = sum(int(d) * (10 - i) for i, d in enumerate(head))
            last = (-s) % 11
            if last < 10:
                return code + head + str(last), bic
    if country == "BE":  # 3-digit bank + 7-digit account + mod-97 check
        body = code + digits(r, 7)
        return body + f"{int(body) % 97 or 97:02d}", bic
    if country == "DE":  # 8-digit BLZ + 10-digit account, check-digit method 00
        sig = r.choice((7, 8, 9))
        acct = "0" * (9 - sig) + r.choice("123456789") + digits(r, sig - 1)
        total = 0
        for i, d in enumerate(reversed(acct)):
            p = int(d) * (2 if i % 2 == 0 else 1)
            total += p // 10 + p % 10
        return code + acct + str((10 - total % 10) % 10), bic
    if country == "FR":  # bank 5 + branch 5 + account 11 + clé RIB 2
        branch = digits(r, 5)
        acct = "000" + digits(r, 8)
        key = 97 - (89 * int(code) + 15 * int(branch) + 3 * int(acct)) % 97
        return f"{code}{branch}{acct}{key:02d}", bic
    if country == "UK":  # 4-letter bank + 6-digit sort code + 8-digit account
        return code + bank[2] + digits(r, 4) + digits(r, 8), bic
    raise ValueError(country)


def new_iban(r: random.Random, country: str) -> tuple[str, str]:
    b, bic = bban(r, country)
    return iban(country, b), bic


def nl_account(r: random.Random) -> str:
    """A 10-digit Dutch account number passing the 11-proof, not starting with 0."""
    while True:
        head = r.choice("123456789") + digits(r, 8)
        last = (-sum(int(d) * (10 - i) for i, d in enumerate(head))) % 11
        if last < 10:
            return head + str(last)


"""The day's bank statement of a portfolio: incoming payments the way customers really pay.

``statement(portfolio, seed)`` draws from ``random.Random(seed * 7919 + 1)`` in a fixed order, so a
seed gives the same statement every time:

1. ``_open_items``: the open invoices by customer, weighted (those falling due around today are the
   likeliest to be paid), and the open credit notes;
2. ``_seller_accounts``: the seller's EUR, GBP and USD accounts (from ``random.Random(seed)``);
3. one credit per draw of a kind (``KINDS``): a stranger's money (``unknown``), or a customer
   paying one or more open invoices (``_customer_entry``): the reference in free text, a
   structured reference, several invoices at once, an invoice net of a credit note, a part
   payment, bank charges or a discount deducted, the payer's name only;
4. value dates, a few debits on the EUR account (``_debits``) and the bank's references.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .ibans import digits, iban, new_iban, nl_account
from .names import ascii_fold, strip_legal_form
from .portfolio import Portfolio
from .remittance import MULTI, NAME_ONLY, PARTIAL, STRANGERS, WORDING, invoice_number_as_typed, payer_name

SELLER = {
    "name": "Noordkade Industrial Supplies B.V.",
    "country": "NL",
}

KINDS = ("exact", "structured", "multi", "credit_note", "partial", "charges", "name_only", "unknown")
KIND_WEIGHTS = (0.42, 0.12, 0.11, 0.03, 0.07, 0.07, 0.13, 0.05)


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


def statement(p: Portfolio, seed: int = 7, credits: int | None = None) -> Statement:
    """The day's bank statement (as_of) paying some open invoices in the ways customers really pay."""
    r = random.Random(seed * 7919 + 1)
    as_of = p.as_of
    cust = p.customers.set_index("customer_id")
    n_credits = credits if credits is not None else int(min(300, max(10, round(len(cust) * 0.7))))
    items = _OpenItems(p.invoices, as_of)
    eur, gbp, usd = _seller_accounts(seed)
    account_for = {"EUR": eur, "GBP": gbp, "USD": usd}

    entries: list[Entry] = []
    attempts = 0
    while len(entries) < n_credits and attempts < n_credits * 5:
        attempts += 1
        kind = r.choices(KINDS, KIND_WEIGHTS)[0]
        if kind == "unknown":
            entries.append(_stranger_entry(r))
            continue
        got = items.credit_note_pair(r) if kind == "credit_note" else items.pick(r, _invoice_count(r, kind))
        if got is None:
            continue
        e = _customer_entry(r, p, cust, kind, *got)
        if e is not None:
            entries.append(e)

    for e in entries:
        e.value_date = as_of if r.random() < 0.9 else as_of - dt.timedelta(days=1)
        account_for[e.currency].entries.append(e)
    eur.entries += _debits(r, p, cust, items.open_cn, as_of)
    _bank_refs(r, (eur, gbp, usd), as_of)
    msg = f"CAMT053-{as_of:%Y%m%d}-{random.Random(seed).randint(100000, 999999)}"
    return Statement(as_of=as_of, owner=SELLER["name"], accounts=[a for a in (eur, gbp, usd) if a.entries], msg_id=msg)


# ---------------------------------------------------------------- 1. what can be paid

class _OpenItems:
    """The open invoices and credit notes by customer, and those already paid on this statement."""

    def __init__(self, inv: pd.DataFrame, as_of: dt.date):
        open_inv = inv[(inv["open_amount"] > 0) & (inv["status"] == "open")].copy()
        self.open_cn = inv[(inv["open_amount"] < 0) & (inv["status"] == "open")]
        due_days = (pd.Timestamp(as_of) - open_inv["due_date"]).dt.days.to_numpy()
        # invoices falling due around today are the likeliest to be paid today
        weight = np.where(due_days < -20, 0.15, np.where(due_days <= 45, 1.0, 0.35))
        self.by_cust: dict[str, list[dict]] = {}
        for rec, w in zip(open_inv.to_dict("records"), weight):
            rec["w"] = float(w)
            self.by_cust.setdefault(rec["customer_id"], []).append(rec)
        self.cn_by_cust: dict[str, list[dict]] = {}
        for rec in self.open_cn.to_dict("records"):
            self.cn_by_cust.setdefault(rec["customer_id"], []).append(rec)
        self.used: set[str] = set()

    def pick(self, r: random.Random, k: int) -> tuple[str, list[dict]] | None:
        """``k`` unpaid invoices of one customer (customers and invoices weighted), or None."""
        by_cust, used = self.by_cust, self.used
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

    def credit_note_pair(self, r: random.Random) -> tuple[str, list[dict]] | None:
        """An unpaid invoice and an open credit note of one customer, the invoice larger, or None."""
        by_cust, cn_by_cust, used = self.by_cust, self.cn_by_cust, self.used
        cands = [c for c in cn_by_cust if c in by_cust and any(x["invoice_id"] not in used for x in by_cust[c])
                 and any(x["invoice_id"] not in used for x in cn_by_cust[c])]
        if not cands:
            return None
        cid = r.choice(cands)
        cn = next(x for x in cn_by_cust[cid] if x["invoice_id"] not in used)
        big = [x for x in by_cust[cid] if x["invoice_id"] not in used and x["open_amount"] > -cn["open_amount"]]
        if not big:
            return None
        x = r.choice(big)
        used.update((x["invoice_id"], cn["invoice_id"]))
        return cid, [x, cn]


def _invoice_count(r: random.Random, kind: str) -> int:
    return r.choice((2, 2, 3, 3, 4, 5)) if kind == "multi" else 1


# ---------------------------------------------------------------- 2. the seller's accounts

def _seller_accounts(seed: int) -> tuple[Account, Account, Account]:
    seller_r = random.Random(seed)
    eur = Account(iban("NL", "ABNA" + nl_account(seller_r)), "EUR", "ABNANL2A",
                  opening=int(seller_r.uniform(400_000, 2_500_000) * 100))
    gbp = Account(iban("UK", "NWBK" + "601613" + digits(seller_r, 8)), "GBP", "NWBKGB2L",
                  opening=int(seller_r.uniform(50_000, 300_000) * 100))
    usd = Account(iban("NL", "ABNA" + nl_account(seller_r)), "USD", "ABNANL2A",
                  opening=int(seller_r.uniform(20_000, 200_000) * 100))
    return eur, gbp, usd


# ---------------------------------------------------------------- 3. the credits

def _stranger_entry(r: random.Random) -> Entry:
    """Money from someone who is no customer: a refund, a donation, a mistake."""
    name, country = r.choice(STRANGERS)
    acct, bic = new_iban(r, country)
    return Entry(amount=int(r.choice((r.uniform(20, 900), r.uniform(900, 6000))) * 100), currency="EUR",
                 credit=True, name=name, iban=acct, bic=bic, kind="unknown",
                 ustrd=[r.choice(("Terugstorting", "Retour", "Ref 88412730", "Gutschrift", "Remboursement",
                                  "Donation", ""))])


def _customer_entry(r: random.Random, p: Portfolio, cust: pd.DataFrame, kind: str, cid: str,
                    chosen: list[dict]) -> Entry | None:
    """Customer ``cid`` paying the ``chosen`` items the ``kind`` way; None when nothing is left to pay."""
    as_of = p.as_of
    c = cust.loc[cid]
    currency = chosen[0]["currency"]
    first = chosen[0]
    payer_iban = r.choice(p.ibans[cid])
    total = sum(int(x["open_amount"]) for x in chosen)
    e = Entry(amount=total, currency=currency, credit=True, name=payer_name(r, c["customer_name"], c["country"]),
              iban=payer_iban, bic=p.banks[cid], kind=kind, invoices=[x["invoice_id"] for x in chosen], customer_id=cid)
    ctx = {"id": invoice_number_as_typed(r, first["invoice_id"]), "date": first["invoice_date"],
           "po": first["po_number"], "cust": cid, "week": as_of.isocalendar()[1],
           "run": f"{as_of:%Y%m%d}-{r.randint(1, 99):03d}"}
    _remittance(r, e, kind, c, chosen, total, ctx)
    e.ustrd = [u for u in e.ustrd if u]
    if r.random() < 0.25:
        e.end_to_end = f"{ascii_fold(strip_legal_form(c['customer_name'], c['country']))[:6].upper().replace(' ', '')}" \
                       f"{as_of:%y%m%d}{r.randint(1000, 9999)}"
    if e.amount <= 0:
        return None
    if currency != "EUR":
        e.domain = ("PMNT", "RCDT", "XBCT")
    return e


def _remittance(r: random.Random, e: Entry, kind: str, c: pd.Series, chosen: list[dict], total: int,
                ctx: dict) -> None:
    """Fill the entry's remittance (and, for part payments and deductions, its amount) the ``kind`` way."""
    lang = c["language"]
    currency = e.currency
    first = chosen[0]
    wording = [w for w in WORDING[lang] if first["po_number"] or "{po}" not in w]
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
        ids = [invoice_number_as_typed(r, x["invoice_id"]) if not x["invoice_id"].startswith("CN-")
               else x["invoice_id"] for x in chosen]
        text = MULTI[lang].format(ids=r.choice((", ", " ", "/", " + ")).join(ids))
        e.ustrd = [text[i:i + 140] for i in range(0, len(text), 140)]
    elif kind == "partial":
        share = r.choice((0.25, 0.5, 0.5, None))
        part = int(total * share) if share else int(total * r.uniform(0.2, 0.8))
        part = max(100, part - part % (10000 if part > 50000 else 100))
        e.amount = min(part, total - 1) if total > 1 else total
        e.ustrd = [r.choice(PARTIAL[lang]).format(**ctx)]
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
        e.ustrd = [r.choice(NAME_ONLY[lang]).format(**ctx)]
        if r.random() < 0.3:  # paid from an account we do not know yet
            e.iban, e.bic = new_iban(r, c["country"])


# ---------------------------------------------------------------- 4. debits and references

def _debits(r: random.Random, p: Portfolio, cust: pd.DataFrame, open_cn: pd.DataFrame, as_of: dt.date) -> list[Entry]:
    """Bank costs, a supplier, the tax office and, when there is an open credit note, its refund."""
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
    return [Entry(amount=amt, currency="EUR", credit=False, name=name, iban=acct, ustrd=[text],
                  kind="debit", value_date=as_of, domain=domain)
            for amt, name, acct, text, domain in debit_specs]


def _bank_refs(r: random.Random, accounts, as_of: dt.date) -> None:
    seq = 0
    for a in accounts:
        for e in a.entries:
            seq += 1
            e.bank_ref = f"{as_of:%Y%m%d}{a.currency}{seq:05d}{r.randint(100, 999)}"

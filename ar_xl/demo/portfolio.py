"""A seeded European B2B receivables portfolio: Customers and Invoices as canonical frames.

``portfolio(seed, as_of, customers, months)`` runs these steps, each drawing from the same two
generators in the same order (``random.Random(seed)`` for choices, numpy's ``default_rng(seed)``
for amounts and dates), so a seed gives the same portfolio every time:

1. ``_customers``: country (by ``COUNTRY_SHARE``), a unique company name, one or two accounts,
   collector, payment behaviour, currency, payment terms, size and activity;
2. ``_invoices``: each customer's invoices over the months before ``as_of``, with the day each
   gets paid (by the customer's behaviour), or not (stuck, disputed);
3. ``_credit_notes``: about 5 % credit notes, each against an earlier invoice of the customer;
4. ``_number``: yearly number sequences, as an ERP gives them (``2026-004512``, ``CN-2026-00123``);
5. ``_invoice_rows``: open amount, status and note as of ``as_of``, payment and PO references;
6. ``_credit_limits``: about two months of business, rounded up to 5,000.
"""
from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import clock
from ..engine.refs import ogm_make, rf_make
from .ibans import new_iban
from .names import MAILBOX, company_name, email_domain, legal_form, strip_legal_form

COUNTRIES = ("NL", "BE", "DE", "FR", "UK")
COUNTRY_SHARE = {"NL": 0.30, "BE": 0.20, "DE": 0.25, "FR": 0.15, "UK": 0.10}
COLLECTORS = ("Sanne", "Pieter", "Julie", "Markus", "Emma")


@dataclass
class Portfolio:
    as_of: dt.date
    customers: pd.DataFrame
    invoices: pd.DataFrame
    banks: dict[str, str] = field(default_factory=dict)
    """customer_id -> BIC of its (first) account"""
    ibans: dict[str, list[str]] = field(default_factory=dict)
    paid: pd.DataFrame | None = None
    """The money received before ``as_of`` on the invoices (``history``): invoice_id, customer_id, paid_on
    (the value date), amount (cents), currency; one row per invoice paid in full or in part."""


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
    rows, banks, ibans = _customers(r, g, n)
    docs, start, span = _invoices(rows, g, as_of, months)
    invoices_only = list(docs)
    docs += _credit_notes(invoices_only, r, g, as_of)
    docs.sort(key=lambda x: (x["date"], x["cust"]["customer_id"], x["kind"]))
    _number(docs, r, per_day=len(invoices_only) / max(span, 1))
    inv_rows = _invoice_rows(docs, r, as_of)
    _credit_limits(rows, docs, months)
    return Portfolio(as_of=as_of, customers=_customer_frame(rows), invoices=_invoice_frame(inv_rows),
                     banks=banks, ibans=ibans, paid=_paid(docs, inv_rows))


def _paid(docs: list[dict], inv_rows: list[dict]) -> pd.DataFrame:
    """What customers paid on their invoices before ``as_of``: the amount less what is still open, on the day
    the invoice's behaviour gave (no draw: the random streams are untouched)."""
    out = []
    for d, r in zip(docs, inv_rows):
        if d["kind"] != "INV" or d["paid_on"] is None or r["status"] == "disputed":
            continue
        got = int(r["amount"]) - int(r["open_amount"])
        if got > 0:
            out.append((r["invoice_id"], r["customer_id"], pd.Timestamp(_business_day(d["paid_on"])), got, r["currency"]))
    return pd.DataFrame(out, columns=["invoice_id", "customer_id", "paid_on", "amount", "currency"])


# ---------------------------------------------------------------- 1. customers

def _collector(r: random.Random, country: str, flavour: str) -> str:
    if country == "NL":
        return "Sanne" if r.random() < 0.78 else "Pieter"
    if country == "BE":
        return "Pieter" if flavour == "nl" else "Julie"
    return {"DE": "Markus", "FR": "Julie", "UK": "Emma"}[country]


def _unique_name(r: random.Random, country: str, flavour: str, seen: set[str], i: int) -> str:
    for _ in range(200):
        name = company_name(r, country, flavour)
        if name not in seen:
            break
    else:  # a very large portfolio: make it unique with a place
        name = f"{strip_legal_form(name, country)} {i} {legal_form(name, country)}"
    seen.add(name)
    return name


def _customers(r: random.Random, g: np.random.Generator, n: int) -> tuple[list[dict], dict, dict]:
    """One dict per customer (its columns, and ``_``-prefixed traits the invoices follow), BICs and IBANs."""
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
        name = _unique_name(r, country, flavour, seen, i)
        language = {"NL": "nl", "DE": "de", "FR": "fr", "UK": "en"}.get(country, flavour)
        cid = f"C{id_numbers[i]}"
        accts = [new_iban(r, country)]
        if r.random() < 0.08:
            accts.append(new_iban(r, country))
        banks[cid] = accts[0][1]
        ibans[cid] = [a for a, _ in accts]
        collector = _collector(r, country, flavour)
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
            "email": f"{r.choice(MAILBOX[language])}@{email_domain(name, country)}",
            "_currency": currency, "_profile": profile, "_terms": terms, "_scale": scale, "_activity": activity,
        })
    return rows, banks, ibans


# ---------------------------------------------------------------- 2. invoices

def _invoices(rows: list[dict], g: np.random.Generator, as_of: dt.date, months: int) -> tuple[list[dict], dt.date, int]:
    """(the invoices as dicts, the first day of the period, its length in days)."""
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
            docs.append(_invoice(c, as_of, start, int(days_ago[j]), amounts[j], delays[j], u[j], stuck))
    return docs, start, span


def _invoice(c: dict, as_of: dt.date, start: dt.date, days_ago: int, amount: float, delay: float, u, stuck: float) -> dict:
    inv_date = _business_day(as_of - dt.timedelta(days=days_ago))
    if inv_date < start:
        inv_date = start
    days, eom = c["_terms"]
    due = inv_date + dt.timedelta(days=days)
    if eom:
        due = _eom(due)
    cents = int(min(max(amount, 25.0), 250000.0) * 100)
    cents = cents - cents % 100 if u[0] < 0.12 else cents  # some whole amounts
    pay_date = due + dt.timedelta(days=int(round(delay)))
    if pay_date < inv_date + dt.timedelta(days=2):
        pay_date = inv_date + dt.timedelta(days=2)
    unpaid = u[1] < stuck
    disputed = u[2] < (0.03 if c["_profile"] in ("slow", "bad") else 0.008)
    return {
        "kind": "INV", "date": inv_date, "due": due, "cust": c, "amount": cents,
        "paid_on": None if (unpaid or disputed) else pay_date, "disputed": disputed,
        "partial": u[3],
    }


# ---------------------------------------------------------------- 3. credit notes

def _credit_notes(invoices_only: list[dict], r: random.Random, g: np.random.Generator, as_of: dt.date) -> list[dict]:
    """~5% of documents, each against an earlier invoice of the same customer."""
    out = []
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
        out.append({"kind": "CN", "date": d, "due": d, "cust": base["cust"], "amount": -cents,
                    "paid_on": d if settled else None, "disputed": False, "partial": 1.0, "base": base})
    return out


# ---------------------------------------------------------------- 4. numbering

def _number(docs: list[dict], r: random.Random, per_day: float) -> None:
    """Give each document (in date order) its id: yearly sequences, as an ERP does."""
    seq: dict[tuple[str, int], int] = {}
    for d in docs:
        key = (d["kind"], d["date"].year)
        if key not in seq:
            doy = (d["date"] - dt.date(d["date"].year, 1, 1)).days
            rate = per_day if d["kind"] == "INV" else per_day * 0.05
            seq[key] = int(rate * doy) + r.randint(1, 9)
        seq[key] += 1
        d["id"] = f"{d['date'].year}-{seq[key]:06d}" if d["kind"] == "INV" else f"CN-{d['date'].year}-{seq[key]:05d}"


# ---------------------------------------------------------------- 5. the Invoices rows

def _state(d: dict, r: random.Random, as_of: dt.date) -> tuple[int, str, str]:
    """(open amount, status, note) of a document as of ``as_of``."""
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
    return open_amt, status, note


def _references(d: dict, c: dict, r: random.Random) -> tuple[str, str]:
    """(structured payment reference, PO number) of an invoice; credit notes have neither."""
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
    return ref, po


def _invoice_rows(docs: list[dict], r: random.Random, as_of: dt.date) -> list[dict]:
    inv_rows = []
    for d in docs:
        c = d["cust"]
        open_amt, status, note = _state(d, r, as_of)
        ref, po = _references(d, c, r)
        inv_rows.append({
            "invoice_id": d["id"], "customer_id": c["customer_id"], "customer_name": c["customer_name"],
            "invoice_date": d["date"], "due_date": d["due"], "currency": c["_currency"],
            "amount": d["amount"], "open_amount": open_amt, "collector": c["collector"],
            "payment_reference": ref, "po_number": po, "status": status, "note": note,
        })
    return inv_rows


# ---------------------------------------------------------------- 6. credit limits and frames

def _credit_limits(rows: list[dict], docs: list[dict], months: int) -> None:
    """Credit limit: about two months of business, rounded up to 5,000."""
    monthly = {}
    for d in docs:
        if d["kind"] == "INV":
            cid = d["cust"]["customer_id"]
            monthly[cid] = monthly.get(cid, 0) + d["amount"] / months
    for c in rows:
        lim = max(5000_00, int(np.ceil(monthly.get(c["customer_id"], 0) * 2 / 5000_00)) * 5000_00)
        c["credit_limit"] = lim


def _customer_frame(rows: list[dict]) -> pd.DataFrame:
    n = len(rows)
    return pd.DataFrame({
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


def _invoice_frame(inv_rows: list[dict]) -> pd.DataFrame:
    inv_df = pd.DataFrame(inv_rows)
    for col in ("invoice_date", "due_date"):
        inv_df[col] = pd.to_datetime(inv_df[col]).astype("datetime64[ns]")
    for col in ("amount", "open_amount"):
        inv_df[col] = inv_df[col].astype(np.int64)
    return inv_df

"""What a matching run builds once and shares between payments (``_Ctx``): every invoice the run was
given, open or settled, with its customer, currency, invoice and due date, the reference and payer
indexes, the items by customer (due date first) and by amount, the customers' discount terms and the
tolerance for a currency.  Settled invoices (open amount zero) stay in the reference index, so a
remittance naming one is read as a possible duplicate, never as a pointer to some other invoice
(``settled_by`` names what settled it).  ``rem`` holds what is still open and is the only part a run
changes, with ``settled_by``: an automatic allocation lowers it for later payments.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ...config import Config, PaymentTerms, parse_terms
from ...frames import texts
from ...money import round_half
from ...schema import LANGUAGES
from .. import refs as refs_mod
from ..payer import PayerIndex, split_list

NO_DAY = -(10 ** 9)
"""Day number standing for a missing date."""


def _days(frame: pd.DataFrame, col: str) -> list[int]:
    if col not in frame:
        return [NO_DAY] * len(frame)
    d = pd.to_datetime(frame[col]).to_numpy(dtype="datetime64[D]")
    return np.where(np.isnat(d), NO_DAY, d.astype(np.int64)).astype(np.int64).tolist()


def _hundredth(x) -> int:
    """``round_half(Fraction(x, 100))``: a sum of cents times whole per cents to cents; ints without Fractions."""
    if type(x) is int:
        q = (abs(x) * 2 + 100) // 200
        return -q if x < 0 else q
    return round_half(Fraction(x, 100))


class _Ctx:
    """Everything built once per run."""

    def __init__(self, invoices: pd.DataFrame, customers, config: Config, known_ibans, aliases, paid_by=None):
        inv = invoices.reset_index(drop=True)
        self.ids = inv["invoice_id"].astype(str).tolist()
        self.cust = inv["customer_id"].astype(str).tolist()
        self.ccy = inv["currency"].astype(str).str.strip().str.upper().tolist()
        self.open = inv["open_amount"].to_numpy(dtype=np.int64)
        self.rem = self.open.tolist()
        self.due = [0 if d == NO_DAY else d for d in _days(inv, "due_date")]
        self.inv_day = _days(inv, "invoice_date")
        self.amount = (inv["amount"].to_numpy(dtype=np.int64) if "amount" in inv else self.open).tolist()
        self.seq = 0
        """Payments read so far (a clock for ``changed_at``)."""
        self.handed_over: dict[int, str] = {}
        """Rows on a live handover -> the words their allocation rows add (``driver._handed_over``)."""
        self.agencies: dict[str, list[tuple[str, str]]] = {}
        """Normalised name of a live handover's agency -> (handover id, the words a payment from it adds)
        (``engine.handover.agency_payer``): never applied automatically."""
        self.recorded: dict[str, tuple[set[str], str]] = {}
        """Payment id -> (the handovers it is recorded on as their agency's transfer, the words its rows add)
        (``engine.handover.recorded_words``): never applied automatically either."""
        self.applied_less: dict[str, dict[int, str]] = {}
        """Payment id -> {invoice row: words}: invoices a person applied less of the payment to (``match``'s
        ``applied_less``); an allocation of the payment to one is never automatic."""
        self.payer_seen: dict[tuple[str, str], object] = {}
        """(payer IBAN, payer name) -> its ``payer_evidence.PayerEvidence``."""
        self.evidence: dict[int, tuple] = {}
        """``id(payment)`` -> its payer evidence and reference hits (they do not change between passes; the run
        keeps its payments alive)."""
        self.changed_at: dict[str, int] = {}
        """Customer -> ``seq`` of the last automatic allocation that changed one of its items."""
        self.settled_by: dict[int, list[tuple[str, str]]] = {}
        """Settled rows -> the payments (id, value date) applied to them: ``paid_by`` given by the caller,
        then this run's automatic allocations that closed them."""
        if paid_by:
            for row, (iid, o) in enumerate(zip(self.ids, self.open.tolist())):
                if o == 0 and paid_by.get(iid):
                    self.settled_by[row] = [(str(p), "" if d is None or pd.isna(d) else str(pd.Timestamp(d).date()))
                                            for p, d in paid_by[iid]]
        prefs = inv["payment_reference"].astype(str).tolist() if "payment_reference" in inv else None
        self.index = refs_mod.RefIndex(self.ids, prefs)
        self.by_cust: dict[tuple[str, str], list[int]] = {}
        for row, (key, a) in enumerate(zip(zip(self.cust, self.ccy), self.open.tolist())):
            if a != 0:
                self.by_cust.setdefault(key, []).append(row)
        for key, rows in self.by_cust.items():
            rows.sort(key=lambda r: (self.due[r], self.ids[r]))
        self.by_amount: dict[tuple[str, int], list[int]] = {}
        for row, (c, a) in enumerate(zip(self.ccy, self.open.tolist())):
            if a != 0:
                self.by_amount.setdefault((c, a), []).append(row)
        names = {}
        if "customer_name" in inv:
            for c, n in zip(self.cust, inv["customer_name"].astype(str).tolist()):
                if n and c not in names:
                    names[c] = n
        self.payers = PayerIndex(customers, known_ibans, aliases, names)
        self.config = config
        self._tol_abs: dict[str, int] = {}
        self.terms: dict[str, PaymentTerms] = {}
        """Customers whose own ``payment_terms`` override ``Config.discount_terms``."""
        self.bad_terms: dict[str, str] = {}
        self.pays_for: dict[str, list[str]] = {}
        """Customer -> the customers it pays for (``Customers.pays_for``: a parent, a factoring company)."""
        if customers is not None and "pays_for" in customers:
            for c, v in zip(customers["customer_id"].astype(str), customers["pays_for"].tolist()):
                ids = [x.strip() for part in split_list(v) for x in str(part).split(",") if x.strip() not in ("", c)]
                if ids:
                    self.pays_for[c] = ids
        self.language: dict[str, str] = {}
        """Customer -> its ``Customers.language`` (nl, de, fr, en; none when empty or another): ranks suggestions
        only (``language``)."""
        if customers is not None and "language" in customers:
            for c, lang in zip(customers["customer_id"].astype(str), texts(customers["language"], "lower")):
                if lang in LANGUAGES:
                    self.language[c] = lang
        if customers is not None and "payment_terms" in customers:
            for c, t in zip(customers["customer_id"].astype(str), customers["payment_terms"].tolist()):
                if isinstance(t, str) and t.strip():
                    try:
                        self.terms[c] = parse_terms(t)
                    except ValueError as e:  # never write off on terms no one can read
                        self.terms[c] = PaymentTerms()
                        self.bad_terms[c] = str(e)

    def tol_abs(self, ccy: str) -> int:
        """Bank charges accepted on any payment: ``Config.match_tolerance_abs`` in ``ccy``, exact,
        rounded half away from zero."""
        t = self._tol_abs.get(ccy)
        if t is None:
            base = int(self.config.match_tolerance_abs or 0)
            try:
                rate = self.config.rate(ccy)
            except KeyError:
                rate = Fraction(1)
            t = round_half(Fraction(base) / rate) if rate else base
            self._tol_abs[ccy] = t
        return t

    def terms_of(self, customer: str) -> PaymentTerms:
        return self.terms.get(customer) or self.config.discount_terms

    def discount(self, rows, day: int) -> tuple[int, int]:
        """The early-payment discount on ``rows`` (their open amounts, invoices only) for a payment of
        value day ``day``: (earned, the most the terms allow at all), in cents, each computed exactly
        over the rows and rounded half away from zero once."""
        earned = most = 0  # whole-number rates (2 %) add up as ints, the others as Fractions: the same sums
        for r in rows:
            a = self.rem[r]
            if a <= 0:
                continue
            terms = self.terms_of(self.cust[r])
            if not terms.tiers:
                continue
            inv_day = self.inv_day[r]
            age = None if inv_day == NO_DAY or day == NO_DAY else day - inv_day
            rate, top = terms.earned_rate(age), terms.max_rate
            earned += a * rate.numerator if rate.denominator == 1 else a * rate
            most += a * top.numerator if top.denominator == 1 else a * top
        return _hundredth(earned), _hundredth(most)

    def is_discount(self, rows, gap: int) -> bool:
        """Whether a shortfall of ``gap`` cents on ``rows`` (their open amounts, invoices only) is the discount at
        one of the rates of their customer's terms, as a payer works it out: within a cent per invoice of the
        exact amount (each invoice's discount rounded on its own)."""
        live = [r for r in rows if self.rem[r] > 0]
        if not live:
            return False
        base = sum(self.rem[r] for r in live)
        rates = {rate for r in live for _, rate in self.terms_of(self.cust[r]).tiers}
        return any(abs(gap * 100 - base * rate) <= len(live) * 100 for rate in rates if rate > 0)

    def tolerance(self, ccy: str, rows, day: int, referenced: bool = True) -> int:
        """Largest shortfall on ``rows`` accepted as bank charges or, when the payment names them,
        as an early-payment discount earned at value day ``day``."""
        if not referenced:
            return self.tol_abs(ccy)
        return max(self.tol_abs(ccy), self.discount(rows, day)[0])

    def open_rows(self, customer: str, ccy: str) -> list[int]:
        return [r for r in self.by_cust.get((customer, ccy), ()) if self.rem[r] != 0]

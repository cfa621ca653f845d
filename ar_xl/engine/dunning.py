"""Dunning: which overdue items of which customer are due for which reminder level, as of a date.

Pure: frames and settings in, ``Letter`` objects and skip reasons out.  The levels come from Config
(``dunning_settings``).

Rules
-----
* **Candidates** are invoices with a positive open amount whose due date is before the as-of date
  (at least 1 day overdue).  Credit notes, paid, written-off, ``legal`` and ``in legal`` (handed over to
  an agency or lawyer: ``engine.handover``) items are never reminded.
* **Never reminded** (each skip is reported with its reason):

  - a customer whose Customers.no_reminders is TRUE;
  - an item on a dispute that is not resolved or closed, or whose status is ``disputed``;
  - an item covered by a promise (Promises.invoice_ids, or every item of the customer when it names
    none) that is ``open`` and whose promised date plus ``promise_grace_days`` is on or after the as-of
    date; an item with status ``promised`` and no Promises row at all is left alone too (its date is
    unknown);
  - an item on a live plan (Plans rows naming it with plan_status ``active`` or blank); an item with
    status ``on plan`` and no Plans row is left alone too;
  - an item a payment may pay (``waiting``, from the action: a live suggested Matches row, or an
    unmatched row a person typed the item on, neither rejected nor applied yet): the reason names the
    payment and the Matches row, ``waiting for review: …``;
  - **open credit**: a customer's credit notes (open amount below 0, less what refunds hold of them:
    ``credit_held``) are set against its items in the same currency that would be reminded (past every
    rule above, whether due for a letter today or not), oldest due first, as ``ar-xl credits --allocate``
    does.  When they cover all of them, that currency gets no letter (``open credit covers …``, naming
    the credit notes and the ``ar-xl credits … --allocate`` to run); an item they cover whole is left
    out of its letter; the letter lists the items with money left, shows the credit set against them
    (``Letter.credit``, ``Letter.credit_notes``) and asks for the rest: total = amount - credit + fee + interest
    + compensation.  So a letter never asks more than
    the net overdue balance;
  - a letter whose items total less than ``dunning.min_amount`` in the base currency (after the credit).

  A run for named customers (``only_customers``) also names their items in ``legal`` / ``in legal`` and each
  item not due for its next level yet (``not due for level 2 before 2026-12-21``); a run for everyone does not.

* **Levels climb one at a time.**  An item's previous level is the highest level of the Reminders rows
  that list it, sent on that row's ``sent_on``.  It is due for the next level when it is at least that
  level's ``days`` overdue and, if it was reminded before, at least that level's ``gap`` days have passed
  since.  An item at the top level gets nothing more.  (An item 50 days overdue that was never reminded
  gets level 1 first: a final notice needs the reminders before it.)
* **One letter per customer, level and currency**, listing its items.  The **same level is not sent to a
  customer twice within its interval** (the level's ``gap`` days since a Reminders row of that customer
  and level); such a letter is skipped.
* **Amounts** (exact cents): amount = the items' open amounts; fee = the level's fee (base currency,
  converted to the letter's currency at the Config rate); interest, when the level claims it (below);
  compensation, when the level claims it (below); total = amount − credit + fee + interest + compensation.
* **Compensation**, per invoice, is what the law of the interest country (Customers.country, else
  ``dunning.interest_country``) gives, by ``engine.interest.compensation`` (as ``ar-xl interest``): EUR 40
  under Directive 2011/7/EU, converted to the letter's currency at the Config rates when it is not EUR; UK
  GBP 40 / 70 / 100 by the size of the debt (its open amount less the credit set against it; a debt in
  another currency is sized in GBP and its sum converted back at the Config rates).  Only a customer whose
  country has no statutory rule is claimed ``dunning.compensation`` (base currency, converted like the fee).
  ``Letter.compensation_items`` holds each invoice's sum, ``Letter.compensation_law`` the law in the letter's language.
* **Interest**, when the level claims it, per item on its open amount less the credit set against it, from
  the day after the due date up to and including the as-of date:

  - by default the **statutory rate** of ``engine.interest.late_interest`` (rate table + Config
    ``rate.*`` rows) of the customer's country (Customers.country; blank: Config
    ``dunning.interest_country``); the letter names the law and each rate that applied
    (``Letter.interest_law``, ``Letter.interest_rates``: ``(half-year, % a year)``);
  - only when Config ``dunning.interest_rate`` is set, that **flat rate** instead, as an explicit
    override: open × rate × days / 365, simple, rounded half away from zero per item;
  - **never guessed**: an item whose period has no rate in the table, or a customer whose country has
    no statutory rule (and no fallback), gets no interest; the letter says so and
    ``Letter.interest_missing`` maps each reason to the items it leaves without interest (the action
    shows it as a warning).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from ..config import Config
from ..dunning_settings import Dunning, Level
from ..errors import CellProblem, InputError
from ..frames import text
from ..money import convert, fmt
from .aging import to_base
from .credits import CLOSED
from .disputes import disputed_invoices, split_ids
from .interest import RULES, RateTable, compensation as statutory_compensation, late_interest, law_name

NEVER = {"paid", "written off", "legal", "in legal"}
"""Statuses never reminded: ``legal`` a person typed, ``in legal`` an open handover gives (``engine.states``)."""


@dataclass
class Letter:
    """One reminder: a customer, a level, a currency and the items it lists."""

    customer_id: str
    customer_name: str
    language: str
    email: str
    country: str
    level: Level
    currency: str
    columns: dict
    """The items' columns (numpy arrays): invoice_id, invoice_date, due_date, days_overdue, amount,
    open_amount, interest, payment_reference; ``items`` is them as a frame (built when first asked for:
    a frame per letter would be most of the engine's time)."""
    amount: int = 0
    fee: int = 0
    interest: int = 0
    compensation: int = 0
    interest_law: str = ""
    """The statutory rule the interest follows (``§ 288 (2) BGB``); blank for the flat Config rate."""
    interest_rates: tuple[tuple[str, Decimal], ...] = ()
    """Each rate that applied, in % a year, with its half-year (``("2026H1", Decimal("10.27"))``); the flat
    rate has the half-year ``""``."""
    interest_missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Why interest is left out of some items (a half-year without a rate, a country without a rule): the
    reason -> the invoice ids."""
    interest_missing_periods: tuple[str, ...] = ()
    """The half-years without a rate (``2026H2``), for the letter."""
    compensation_items: tuple[tuple[int, int, str], ...] = ()
    """Per invoice (in the order of the items): the compensation in the letter's currency, and the sum the
    law gives with its currency (``(3433, 4000, "EUR")``: EUR 40 claimed as GBP 34.33)."""
    compensation_law: str = ""
    """The law of the compensation in the letter's language (``§ 288 Abs. 5 BGB``); blank for the Config sum."""
    credit: int = 0
    """The customer's open credit set against the items (module rules), taken off the total."""
    credit_notes: tuple[tuple[str, int], ...] = ()
    """The credit notes set against the items: (invoice id, cents)."""

    @property
    def items(self) -> pd.DataFrame:
        if not hasattr(self, "_frame"):
            self._frame = pd.DataFrame(self.columns)
        return self._frame

    @property
    def count(self) -> int:
        return len(self.columns["invoice_id"])

    @property
    def total(self) -> int:
        return self.amount - self.credit + self.fee + self.interest + self.compensation


@dataclass
class Plan:
    """What the engine decided: the letters to make and why others were not made."""

    letters: list[Letter] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    """(customer_id, invoice_id or '', reason)"""


def _day(v) -> dt.date | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    try:
        ts = pd.Timestamp(v)
    except (ValueError, TypeError):
        return None
    return None if ts is pd.NaT else ts.date()


def _truthy(v) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    return text(v).lower() in ("true", "yes", "1", "x", "ja", "oui")


def _covered(rows: pd.DataFrame, live: np.ndarray) -> tuple[set[str], set[str]]:
    """Invoice ids named by the live rows, and customers whose live rows name no invoice (all items)."""
    ids, whole = set(), set()
    for cust, cell in zip(rows.loc[live, "customer_id"], rows.loc[live, "invoice_ids"]):
        named = split_ids(cell)
        if named:
            ids.update(named)
        else:
            whole.add(text(cust))
    return ids, whole


def _history(reminders: pd.DataFrame) -> tuple[dict[str, tuple[int, dt.date]], dict[tuple[str, int], dt.date]]:
    """Per invoice its highest level and that reminder's date; per (customer, level) the last date."""
    item: dict[str, tuple[int, dt.date]] = {}
    cust: dict[tuple[str, int], dt.date] = {}
    if reminders is None or not len(reminders):
        return item, cust
    for c, lv, on, items in zip(reminders["customer_id"], reminders["level"], reminders["sent_on"], reminders["items"]):
        day = _day(on)
        if day is None or lv is None or lv is pd.NA or (isinstance(lv, float) and lv != lv):
            continue
        lv = int(lv)
        key = (text(c), lv)
        if key not in cust or cust[key] < day:
            cust[key] = day
        for inv in split_ids(items):
            prev = item.get(inv)
            if prev is None or (lv, day) > prev:
                item[inv] = (lv, day)
    return item, cust


def _base_to(cents: int, currency: str, config: Config) -> int:
    """Base-currency cents in ``currency`` at the Config rate (exact, rounded half away from zero)."""
    if not cents or currency == config.base_currency:
        return int(cents)
    return int(convert(np.array([cents], dtype=np.int64), 1 / Fraction(config.rate(currency)))[0])


def _fx(cents: int, source: str, target: str, config: Config) -> int:
    """``cents`` of ``source`` in ``target`` at the Config rates (exact, rounded half away from zero)."""
    if source == target or not cents:
        return int(cents)
    try:
        rate = config.rate(source) / config.rate(target)
    except KeyError as e:
        raise InputError([CellProblem("Config", None, "setting", f"no FX rate for {e.args[0]!r} to convert the "
                                      f"statutory compensation; add a row fx.{e.args[0]} to the Config table")])
    return int(convert(np.array([cents], dtype=np.int64), rate)[0])


def _compensation(open_cents, currency: str, country: str, config: Config, lang: str
                  ) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Each invoice's compensation (module rules) as ``(letter cents, statutory cents, its currency)``, and the
    law in the letter's language (blank: the Config ``dunning.compensation``, no statutory rule)."""
    code = "GB" if country == "UK" else country
    if code not in RULES:
        each = config.dunning.compensation
        return tuple((_base_to(each, currency, config), each, config.base_currency) for _ in open_cents), ""
    out = []
    for cents in open_cents:
        debt = _fx(int(cents), currency, "GBP", config) if code == "GB" else int(cents)
        due, due_cur = statutory_compensation(debt, code, "GBP" if code == "GB" else currency)
        out.append((_fx(due, due_cur, currency, config), due, due_cur))
    return tuple(out), law_name(code, lang, compensation=True)


def interest_cents(open_cents: int, days: int, rate: Decimal | None) -> int:
    """Simple interest: open × annual rate × days / 365, rounded half away from zero to the cent."""
    if rate is None or days <= 0 or open_cents <= 0:
        return 0
    return int((Decimal(int(open_cents)) * rate * days / 365).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Claim:
    """The interest of one letter's items (``_claim``)."""

    cents: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    law: str = ""
    rates: tuple[tuple[str, Decimal], ...] = ()
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    periods: tuple[str, ...] = ()


def _claim(ix, open_, days, due, ids, as_of: dt.date, flat: Decimal | None, country: str,
           table: RateTable | None) -> Claim:
    """Per item interest (module rules): the flat Config rate when set, else the statutory rate of
    ``country``; the reasons for items left without interest."""
    if flat is not None:
        cents = np.array([interest_cents(int(open_[i]), int(days[i]), flat) for i in ix], dtype=np.int64)
        return Claim(cents, "", (("", flat * 100),))
    zero = np.zeros(len(ix), dtype=np.int64)
    code = "GB" if country == "UK" else country
    if code not in RULES:
        why = (f"no statutory late-payment rule for country {country!r} (rules: {', '.join(RULES)})" if country
               else "the customer has no country and Config dunning.interest_country is empty")
        return Claim(zero, "", (), {f"{why}; set Customers.country, Config dunning.interest_country or a flat "
                                    "dunning.interest_rate": tuple(ids[ix])})
    cents, rates, missing, periods = zero.copy(), {}, {}, []
    for k, i in enumerate(ix):
        li = late_interest(int(open_[i]), due[i], as_of, code, None, table)
        if li.interest is None:
            missing.setdefault(li.missing_text(), []).append(str(ids[i]))
            periods.extend(m.split()[-1] for m in li.missing)
            continue
        cents[k] = li.interest
        for p in li.periods:
            rates[p.half_year] = p.rate
    return Claim(cents, RULES[code].law, tuple(sorted(rates.items())), {k: tuple(v) for k, v in missing.items()},
                 tuple(dict.fromkeys(sorted(periods))))


def plan(
    invoices: pd.DataFrame,
    customers: pd.DataFrame,
    disputes: pd.DataFrame,
    promises: pd.DataFrame,
    plans: pd.DataFrame,
    reminders: pd.DataFrame,
    as_of: dt.date,
    config: Config,
    only_customers: list[str] | None = None,
    only_level: int | None = None,
    waiting: dict[str, str] | None = None,
    credit_held: dict[str, int] | None = None,
) -> Plan:
    """The letters due as of ``as_of`` by the module rules; ``only_customers`` / ``only_level`` narrow them.

    ``waiting``: invoice id -> what may pay it, waiting for review (``payment P-1 EUR 10.00, Matches row M-1``);
    ``credit_held``: credit note id -> the cents refunds hold of it."""
    dn: Dunning = config.dunning
    out = Plan()
    if not dn.levels or invoices is None or not len(invoices):
        return out
    if only_level is not None:
        dn.level(only_level)  # an unknown level is refused
    wanted = {c.strip() for c in only_customers} if only_customers else None

    cust_info: dict[str, dict] = {}
    if customers is not None and len(customers):
        for rec in customers.to_dict("records"):
            cust_info[text(rec.get("customer_id"))] = rec

    disputed = disputed_invoices(disputes)
    grace = dt.timedelta(days=int(config.promise_grace_days))
    prom_rows, prom_live = promises, np.zeros(0, dtype=bool)
    if promises is not None and len(promises):
        st = promises["status"].map(text).str.lower()
        ends = promises["promised_date"].map(_day)
        prom_live = ((st.isin(["open", ""])) & ends.map(lambda d: d is not None and d + grace >= as_of)).to_numpy(bool)
    promised_ids, promised_all = _covered(prom_rows, prom_live) if len(prom_live) else (set(), set())
    promise_named = set()
    if promises is not None and len(promises):
        for cell in promises["invoice_ids"]:
            promise_named.update(split_ids(cell))
    plan_ids, plan_all, plan_named = set(), set(), set()
    if plans is not None and len(plans):
        ps = plans["plan_status"].map(text).str.lower()
        live = ps.isin(["active", ""]).to_numpy(bool)
        plan_ids, plan_all = _covered(plans, live)
        for cell in plans["invoice_ids"]:
            plan_named.update(split_ids(cell))
    item_hist, cust_hist = _history(reminders)

    inv = invoices.reset_index(drop=True)
    due = inv["due_date"].map(_day)
    days = np.array([(as_of - d).days if d is not None else -1 for d in due], dtype=np.int64)
    open_ = inv["open_amount"].fillna(0).astype("int64").to_numpy()
    status = inv["status"].map(text).str.lower().to_numpy()
    ids = inv["invoice_id"].map(text).to_numpy()
    custs = inv["customer_id"].map(text).to_numpy()
    cands = np.flatnonzero((open_ > 0) & (days >= 1) & ~np.isin(status, list(NEVER)))
    if len(cands):  # items listed oldest due date first, then by id, in every letter
        order = np.lexsort((ids[cands].astype(str), -days[cands]))
        cands = cands[order]
    currency = inv["currency"].map(text).str.upper().to_numpy()
    base = to_base(open_, pd.Series(currency), config)
    inv_day = inv["invoice_date"].map(_day).to_numpy()
    amounts = inv["amount"].fillna(0).astype("int64").to_numpy()
    refs = inv["payment_reference"].map(text).to_numpy() if "payment_reference" in inv else np.full(len(inv), "")
    names = inv["customer_name"].map(text).to_numpy() if "customer_name" in inv else np.full(len(inv), "")
    due_arr = due.to_numpy()
    level_of = {lv.number: lv for lv in dn.levels}
    rates_table = RateTable.load(config.late_rates) if dn.interest_rate is None else None
    top = dn.levels[-1].number

    if wanted is not None:  # a run for named customers names what is with someone else
        for i in np.flatnonzero((open_ > 0) & (days >= 1) & np.isin(status, ["legal", "in legal"])).tolist():
            if custs[i] in wanted:
                out.skipped.append((custs[i], ids[i], f"{status[i]} (with an agency or lawyer)"))
    groups: dict[tuple[str, int, str], list[int]] = {}
    dunnable: dict[tuple[str, str], list[int]] = {}
    for i in cands:
        c, iid = custs[i], ids[i]
        if wanted is not None and c not in wanted:
            continue
        info = cust_info.get(c, {})
        if _truthy(info.get("no_reminders")):
            out.skipped.append((c, iid, "customer flagged no reminders"))
            continue
        if iid in disputed or status[i] == "disputed":
            out.skipped.append((c, iid, "disputed"))
            continue
        if iid in promised_ids or c in promised_all or (status[i] == "promised" and iid not in promise_named):
            out.skipped.append((c, iid, "promised to pay (until the promised date + grace)"))
            continue
        if iid in plan_ids or c in plan_all or (status[i] == "on plan" and iid not in plan_named):
            out.skipped.append((c, iid, "on a live payment plan"))
            continue
        if waiting and iid in waiting:
            out.skipped.append((c, iid, f"waiting for review: {waiting[iid]}"))
            continue
        dunnable.setdefault((c, currency[i]), []).append(int(i))
        prev, prev_day = item_hist.get(iid, (0, None))
        if prev >= top:
            out.skipped.append((c, iid, f"already at the last level ({prev})"))
            continue
        nxt = level_of.get(prev + 1)
        if nxt is None:
            continue
        if days[i] < nxt.days or (prev_day is not None and (as_of - prev_day).days < nxt.gap):
            if wanted is not None:  # a run for named customers says when each item is due next
                on = max(due_arr[i] + dt.timedelta(days=nxt.days),
                         prev_day + dt.timedelta(days=nxt.gap) if prev_day is not None else as_of)
                out.skipped.append((c, iid, f"not due for level {nxt.number} before {on:%Y-%m-%d}"))
            continue
        if only_level is not None and nxt.number != only_level:
            continue
        groups.setdefault((c, nxt.number, currency[i]), []).append(int(i))

    set_off, used, covered = _set_off(dunnable, _open_credits(inv, open_, status, ids, custs, currency, credit_held),
                                    open_, ids)
    for (c, cur), why in covered.items():
        out.skipped.append((c, "", why))
    owed = open_ - set_off
    base_owed = to_base(owed, pd.Series(currency), config) if set_off.any() else base
    for (c, n, cur), idx in sorted(groups.items()):
        lv = level_of[n]
        if (c, cur) in covered:
            continue
        for i in [i for i in idx if owed[i] <= 0]:
            words = ", ".join(f"{k} {cur} {fmt(v)}" for k, v in used[i])
            out.skipped.append((c, ids[i], f"open credit covers: {words} of it; {allocate_hint(used, [i], ids)}"))
        idx = [i for i in idx if owed[i] > 0]
        if not idx:
            continue
        last = cust_hist.get((c, n))
        if last is not None and (as_of - last).days < lv.gap:
            out.skipped.append((c, "", f"level {n} was sent on {last:%Y-%m-%d}, within its {lv.gap}-day interval"))
            continue
        ix = np.asarray(idx)
        total = int(open_[ix].sum())
        in_base = int(base_owed[ix].sum())
        if in_base < dn.min_amount:
            out.skipped.append((c, "", f"level {n}: total {in_base / 100:.2f} {config.base_currency} is below the "
                                       f"minimum {dn.min_amount / 100:.2f}"))
            continue
        info = cust_info.get(c, {})
        country = text(info.get("country")).upper() or dn.interest_country
        claim = Claim(np.zeros(len(idx), dtype=np.int64))
        if lv.interest:
            claim = _claim(ix, owed, days, due_arr, ids, as_of, dn.interest_rate, country, rates_table)
        interest = claim.cents
        items = {
            "invoice_id": ids[ix], "invoice_date": inv_day[ix], "due_date": due_arr[ix],
            "days_overdue": days[ix], "amount": amounts[ix], "open_amount": open_[ix],
            "interest": interest,
            "payment_reference": refs[ix],
        }
        lang = text(info.get("language")).lower()
        name = text(info.get("customer_name")) or names[ix[0]]
        lang = lang if lang in ("en", "nl", "de", "fr") else dn.language
        comp, comp_law = _compensation(owed[ix], cur, country, config, lang) if lv.compensation else ((), "")
        letter = Letter(
            customer_id=c, customer_name=name or c,
            language=lang,
            email=text(info.get("email")), country=text(info.get("country")).upper(),
            level=lv, currency=cur, columns=items, amount=total,
            fee=_base_to(lv.fee, cur, config),
            interest=int(interest.sum()), interest_law=law_name(country, lang) if claim.law else "",
            interest_rates=claim.rates,
            interest_missing=claim.missing, interest_missing_periods=claim.periods,
            compensation=sum(x for x, _, _ in comp), compensation_items=comp, compensation_law=comp_law,
        )
        letter.credit = int(set_off[ix].sum())
        letter.credit_notes = _merged(used, ix)
        out.letters.append(letter)
    return out


def _open_credits(inv: pd.DataFrame, open_, status, ids, custs, currency,
                  held: dict[str, int] | None) -> dict[tuple[str, str], list[list]]:
    """Per (customer, currency) its credit notes with credit left, ``[invoice id, cents]``, oldest first."""
    out: dict[tuple[str, str], list[list]] = {}
    cn = np.flatnonzero((open_ < 0) & ~np.isin(status, list(NEVER | set(CLOSED))))
    if not len(cn):
        return out
    when = inv["invoice_date"].map(_day).to_numpy()
    for i in sorted(cn.tolist(), key=lambda i: (when[i] or dt.date.min, ids[i])):
        left = -int(open_[i]) - int((held or {}).get(ids[i], 0))
        if left > 0:
            out.setdefault((custs[i], currency[i]), []).append([ids[i], left])
    return out


def _set_off(dunnable: dict[tuple[str, str], list[int]], credits: dict[tuple[str, str], list[list]], open_, ids):
    """The credit set against each item (its items oldest due first, the credit notes oldest first), the credit
    notes used per item, and the (customer, currency) whose items the credit covers whole, with the words."""
    set_off = np.zeros(len(open_), dtype=np.int64)
    used: dict[int, list[tuple[str, int]]] = {}
    covered: dict[tuple[str, str], str] = {}
    for key, idx in dunnable.items():
        notes = [list(x) for x in credits.get(key, [])]
        for i in idx:
            for note in notes:
                take = min(int(open_[i]) - int(set_off[i]), note[1])
                if take > 0:
                    note[1] -= take
                    set_off[i] += take
                    used.setdefault(i, []).append((note[0], take))
        if notes and all(set_off[i] >= open_[i] for i in idx):
            cur = key[1]
            covered[key] = (f"open credit covers: {cur} {fmt(int(open_[idx].sum()))} overdue, "
                            f"{', '.join(f'{k} {cur} {fmt(v)}' for k, v in credits[key])} open; "
                            + allocate_hint(used, idx, ids))
    return set_off, used, covered


def allocate_hint(used: dict[int, list[tuple[str, int]]], idx, ids) -> str:
    """``allocate it: ar-xl credits WORKBOOK --allocate CN --to INV,INV`` for each credit note set against
    the items ``idx``."""
    to: dict[str, list[str]] = {}
    for i in idx:
        for note, _ in used.get(i, []):
            to.setdefault(note, []).append(str(ids[i]))
    return "allocate it: " + " and ".join(f"ar-xl credits WORKBOOK --allocate {note} --to {','.join(inv)}"
                                       for note, inv in to.items())


def _merged(used: dict[int, list[tuple[str, int]]], ix) -> tuple[tuple[str, int], ...]:
    """The credit notes set against the items ``ix``, each once with its cents."""
    total: dict[str, int] = {}
    for i in ix:
        for note, cents in used.get(int(i), []):
            total[note] = total.get(note, 0) + cents
    return tuple(total.items())

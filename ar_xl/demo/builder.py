"""``ar-xl demo WORKBOOK``: a collections workbook filled with a realistic portfolio.

``build`` creates the workbook, writes the generated Customers and Invoices, and the
months of matched payments before today (``history``: earlier statements, already matched) in
one save, writes the day's bank statement (camt.053.001.08) next to it, then
runs every action through the same load -> action -> save cycle the ``ar-xl``
verbs use, and returns a short summary.

The actions run are the ``STEPS`` below, in order.  A step is a name and a
function ``(book, ctx)`` returning one ``Change``, or a list of them (a
collector logging several disputes) that it laid over the book itself with
``_apply`` so each action sees the ones before.  Changes are laid over the
book in memory exactly as a save lays them over the file, and the workbook
is written once at the end.  The dashboard refresh (which refreshes the aging)
comes last so the Aging and Dashboard sheets show the portfolio after
everything else ran.
"""
from __future__ import annotations

import datetime as dt
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .. import clock, progress
from . import synth, walkthrough
from .history import history
from ..workbook import xlsx
from ..workbook import dashboard_sheet
from ..actions import (activity, dashboard, dispute, forecast, import_statements, match, plan, promise, trends,
                       worklist)
from ..book import Book, Change
from ..config import default_rows
from ..engine import aging
from ..money import fmt


@dataclass
class DemoContext:
    """What a step may need besides the book."""

    workbook: Path
    as_of: dt.date
    statement: Path
    seed: int = 7
    bank: synth.Statement | None = None
    """The day's statement as generated (who pays which invoices): the promises logged before it use it."""


@dataclass
class Step:
    name: str
    run: Callable[[Book, DemoContext], Change]


def _apply(book: Book, change: Change) -> Change:
    """Lay a change over the book in memory, as saving it would lay it over the file."""
    merged = change.merged(book)
    book.tables.update(merged)
    book.touched = getattr(book, "touched", set()) | set(merged)  # type: ignore[attr-defined]
    return change


def _rng(ctx: DemoContext, salt: int) -> np.random.Generator:
    return np.random.default_rng(ctx.seed * 1000 + salt)


def _days(ctx: DemoContext, n: int) -> dt.date:
    return ctx.as_of - dt.timedelta(days=int(n))


def _log_disputes(book: Book, ctx: DemoContext) -> list[Change]:
    """A dispute for every invoice the ERP marks disputed, moved along the workflow like real ones."""
    rng = _rng(ctx, 1)
    inv = book.get("Invoices")
    rows = inv[(inv["status"] == "disputed") & (inv["open_amount"] > 0)].sort_values("due_date")
    reasons = ["price", "quantity", "damaged goods", "goods or service not received",
               "proof of delivery / CMR missing", "duplicate invoice", "VAT/tax", "not ordered"]
    weights = np.array([30, 12, 14, 10, 16, 6, 5, 7], dtype=float)
    cust = book.get("Customers")
    owner = dict(zip(cust["customer_id"].astype(str), cust["collector"].astype(str)))
    changes = []
    for r in rows.itertuples(index=False):
        due = pd.Timestamp(r.due_date).date()
        opened = min(ctx.as_of, due + dt.timedelta(days=int(rng.integers(3, 25))))
        reason = reasons[int(rng.choice(len(reasons), p=weights / weights.sum()))]
        ch = dispute.add_dispute(book, r.customer_id, [r.invoice_id], reason, opened=opened, user=r.collector or owner.get(r.customer_id) or None)
        changes.append(_apply(book, ch))
    disputes = book.get("Disputes")
    for d in disputes.itertuples(index=False):
        age = (ctx.as_of - pd.Timestamp(d.opened).date()).days
        roll = rng.random()
        path: list[str] = []
        if age > 10 and roll < 0.55:
            path = ["in review"]
            if roll < 0.15:
                path.append("escalated")
            if age > 30 and roll < 0.35:
                path.append(["resolved - credit note", "resolved - rejected", "resolved - paid"][int(rng.integers(0, 3))])
                if roll < 0.12:
                    path.append("closed")
        on = pd.Timestamp(d.opened).date()
        for status in path:
            on = min(ctx.as_of, on + dt.timedelta(days=int(rng.integers(2, 12))))
            ch = dispute.set_dispute_status(book, d.dispute_id, status, on=on)
            changes.append(_apply(book, ch))
    return changes


def _short_pay_disputes(book: Book, ctx: DemoContext) -> list[Change]:
    """Short payments that cash application flagged become deduction disputes, except those whose remittance
    says they pay a part ("Teilzahlung", "acompte", "on account"): the rest of those is owed, not disputed."""
    from ..engine.matching.amount_fit import PARTIAL_WORDS
    m = book.get("Matches")
    pay = book.get("Payments")
    said = dict(zip(pay["payment_id"].astype(str), pay["remittance"].fillna("").astype(str)))
    partial = np.array([bool(PARTIAL_WORDS.search(said.get(str(p), ""))) for p in m["payment_id"]], dtype=bool)
    shorts = m[(m["short_pay"].fillna(0) > 0) & (m["decision"] == "auto") & ~partial]
    return [_apply(book, dispute.dispute_from_short_pay(book, r.payment_id, r.invoice_id, int(r.short_pay),
                                                       opened=ctx.as_of))
            for r in shorts.itertuples(index=False)]


def _plans(book: Book, ctx: DemoContext) -> list[Change]:
    """Payment plans for the customers with the most long-overdue money, created over the last months."""
    rng = _rng(ctx, 2)
    inv = book.get("Invoices")
    late = inv[(inv["open_amount"] > 0) & (inv["status"].isin(["", "open"]))
               & (inv["due_date"] < pd.Timestamp(_days(ctx, 60))) & (inv["currency"] == "EUR")]
    top = late.groupby("customer_id")["open_amount"].sum().sort_values(ascending=False).index[:6]
    cust = book.get("Customers")
    collector = dict(zip(cust["customer_id"].astype(str), cust["collector"].astype(str)))
    changes = []
    for i, cid in enumerate(top):
        ids = late.loc[late["customer_id"] == cid, "invoice_id"].tolist()[:4]
        created = _days(ctx, 8 + 12 * i)
        first_due = created + dt.timedelta(days=14)
        ch = plan.create_plan(book, cid, ids, int(rng.choice([3, 4, 6])), first_due,
                              frequency="monthly" if i % 3 else "biweekly", holiday_country="NL",
                              created=created, note="agreed by phone", user=collector.get(cid) or None)
        changes.append(_apply(book, ch))
    return changes


def _promises(book: Book, ctx: DemoContext) -> list[Change]:
    """Promises to pay logged in the last weeks, before today's statement: customers whose payment is on it
    promised the invoices it pays (some paid in time, some late), others promised and did not pay."""
    rng = _rng(ctx, 3)
    inv = book.get("Invoices")
    overdue = inv[(inv["open_amount"] > 0) & (inv["due_date"] < pd.Timestamp(ctx.as_of)) & (inv["currency"] == "EUR")]
    promised: dict[str, list[str]] = {}
    for e in ctx.bank.credits if ctx.bank is not None else ():
        if e.kind in ("exact", "structured", "multi") and e.currency == "EUR" and e.customer_id not in promised:
            if set(e.invoices) <= set(overdue["invoice_id"]):
                promised[e.customer_id] = list(e.invoices)
        if len(promised) == 8:
            break
    others = [c for c in overdue["customer_id"].unique() if c not in promised][:8]
    cust = book.get("Customers")
    collector = dict(zip(cust["customer_id"].astype(str), cust["collector"].astype(str)))
    changes = []
    for cid in list(promised) + others:
        rows = overdue[overdue["invoice_id"].isin(promised[cid])] if cid in promised \
            else overdue[overdue["customer_id"] == cid].head(2)
        amount = int(rows["open_amount"].sum())
        logged = _days(ctx, int(rng.integers(5, 20)))
        due = logged + dt.timedelta(days=int(rng.integers(3, 25)))
        ch = promise.log_promise(book, cid, amount, due, invoice_ids=rows["invoice_id"].tolist(),
                                 logged_on=logged, note="promised on the phone", user=collector.get(cid) or None)
        changes.append(_apply(book, ch))
    return changes


def _contacts(book: Book, ctx: DemoContext) -> list[Change]:
    """The collectors' calls and emails of the last weeks."""
    rng = _rng(ctx, 4)
    cust = book.get("Customers")
    inv = book.get("Invoices")
    overdue = inv.loc[(inv["open_amount"] > 0) & (inv["due_date"] < pd.Timestamp(ctx.as_of)), "customer_id"].unique()
    outcomes = {"call": ["promised to pay this week", "no answer, voicemail left", "asked for invoice copy",
                         "disputes the price, sent to Sales", "payment run on Friday"],
                "email": ["reminder sent with statement", "remittance advice requested", "copy invoices sent"],
                "portal": ["invoice re-uploaded to customer portal"], "letter": ["second reminder sent"]}
    channels = np.array(list(outcomes))
    changes = []
    collector = dict(zip(cust["customer_id"], cust["collector"]))
    for cid in overdue[:40]:
        ch_name = str(channels[int(rng.choice(len(channels), p=[0.5, 0.3, 0.1, 0.1]))])
        outcome = outcomes[ch_name][int(rng.integers(0, len(outcomes[ch_name])))]
        at = dt.datetime.combine(_days(ctx, int(rng.integers(0, 21))), dt.time(int(rng.integers(8, 17)), int(rng.integers(0, 60))))
        ch = activity.log_activity(book, cid, ch_name, outcome, next_action_date=at.date() + dt.timedelta(days=7),
                                   at=at, user=collector.get(cid) or None)
        changes.append(_apply(book, ch))
    return changes


STEPS: list[Step] = [
    Step("log disputes", _log_disputes),
    Step("promises to pay", _promises),
    Step("import statement", lambda book, ctx: import_statements.run(book, [str(ctx.statement)])),
    Step("match payments", lambda book, ctx: match.run(book)),
    Step("short-pay disputes", _short_pay_disputes),
    Step("payment plans", _plans),
    Step("update plans", lambda book, ctx: plan.update_plans(book, ctx.as_of)),
    Step("check promises", lambda book, ctx: promise.check_promises(book, ctx.as_of)),
    Step("log contacts", _contacts),
    Step("README invoices", lambda book, ctx: walkthrough.add_invoices(book, ctx.as_of)),
    Step("aging history", lambda book, ctx: trends.rebuild(book, ctx.as_of)),
    Step("worklist", lambda book, ctx: worklist.run(book, ctx.as_of)),
    Step("cash forecast", lambda book, ctx: forecast.run(book, ctx.as_of)),
    Step("refresh dashboard", lambda book, ctx: dashboard.run(book, ctx.as_of)),
]
"""Every action the demo runs, in order."""


def statement_path(workbook: str | Path) -> Path:
    """Where the demo's bank statement goes: ``<workbook stem>-statement.xml`` beside the workbook."""
    p = Path(workbook)
    return p.with_name(f"{p.stem}-statement.xml")


@dataclass
class DemoResult:
    workbook: Path
    statement: Path
    as_of: dt.date
    portfolio: synth.Portfolio
    bank: synth.Statement
    changes: list[tuple[str, list[Change]]] = field(default_factory=list)
    seconds: float = 0.0


_TEAM = ("Sanne", "Pieter", "Julie", "Markus", "Emma")


def owned_by_customers(invoices: pd.DataFrame) -> pd.DataFrame:
    """The demo's invoices with their collector left to their customer (Customers.collector owns them),
    except about one invoice in forty, handed to the next collector of the team: an invoice names a
    collector only to override its customer's (chosen from the id, so the random streams that make the
    rest of the demo are untouched)."""
    out = invoices.copy()
    own = []
    for iid, owner in zip(out["invoice_id"].astype(str), out["collector"].astype(str)):
        if zlib.crc32(iid.encode()) % 40 or owner not in _TEAM:
            own.append("")
        else:
            own.append(_TEAM[(_TEAM.index(owner) + 1) % len(_TEAM)])
    out["collector"] = own
    return out


SELLER_LETTERHEAD = {"address": "Noordkade 12; 1013 AB Amsterdam; Nederland", "email": "debiteuren@noordkade.example",
                     "phone": "+31 20 555 0100"}
"""The demo company's letterhead (its name is the statement's owner, ``synth.SELLER``)."""


def company_config(bank: synth.Statement) -> pd.DataFrame:
    """The Config rows of a new workbook with the demo company's letterhead and its EUR account (the account of
    the day's statement) as the account reminders and statements ask customers to pay to."""
    rows = default_rows()
    eur = next((a for a in bank.accounts if a.currency == "EUR"), None)
    own = {"company.name": synth.SELLER["name"], **{f"company.{k}": v for k, v in SELLER_LETTERHEAD.items()}}
    if eur is not None:
        own.update({"company.iban": eur.iban, "company.bic": eur.bic})
    for key, value in own.items():
        rows.loc[rows["setting"] == key, "value"] = value
    return rows


def generate(path: str | Path, as_of: dt.date | None = None, seed: int = 7, customers: int = 300,
             overwrite: bool = True) -> DemoResult:
    """Build the demo workbook and statement, run every step; the details, for tests and callers."""
    t0 = time.perf_counter()
    path = Path(path)
    as_of = as_of or clock.today()
    with progress.task(f"demo: a portfolio of {customers} customers and their bank statement"):
        pf = synth.portfolio(seed=seed, as_of=as_of, customers=customers)
        bank = synth.statement(pf, seed=seed)

    xlsx.create(path, overwrite=overwrite, config_rows=company_config(bank))
    book = xlsx.load(path)
    change = Change("demo")
    change.tables["Customers"] = pf.customers
    change.tables["Invoices"] = owned_by_customers(pf.invoices)
    past_payments, past_matches = history(pf)
    change.tables["Payments"] = past_payments
    change.tables["Matches"] = past_matches
    change.log(book.user, "Customers", "*", "rows", None, len(pf.customers), rule=f"demo seed={seed}")
    change.log(book.user, "Invoices", "*", "rows", None, len(pf.invoices), rule=f"demo seed={seed} as_of={as_of:%Y-%m-%d}")
    change.log(book.user, "Payments", "*", "rows", None, len(past_payments), rule="demo history: earlier statements")
    change.log(book.user, "Matches", "*", "rows", None, len(past_matches), rule="demo history: earlier statements")
    change.summary = (f"loaded {len(pf.customers)} customers, {len(pf.invoices)} invoices and the matched history "
                      f"({len(past_payments)} payments)")
    xlsx.save(book, change)

    stmt = statement_path(path)
    stmt.write_bytes(synth.camt053(bank))

    ctx = DemoContext(workbook=path, as_of=as_of, statement=stmt, seed=seed, bank=bank)
    result = DemoResult(workbook=path, statement=stmt, as_of=as_of, portfolio=pf, bank=bank)
    book = xlsx.load(path)
    book.touched = set()  # type: ignore[attr-defined]
    final = Change("demo")
    for step in STEPS:
        with progress.task(f"demo: {step.name}"):
            out = step.run(book, ctx)  # a multi-action step applies each of its changes itself
        changes = out if isinstance(out, list) else [_apply(book, out)]
        for ch in changes:
            final.extra_columns.update(ch.extra_columns)
            final.titles.update(ch.titles)
        result.changes.append((step.name, changes))
    final.tables = {name: book.tables[name] for name in book.touched}  # type: ignore[attr-defined]
    dash = result.changes[-1][1][-1]
    with progress.task(f"saving {path.name}"):
        xlsx.save(book, final, layout=dashboard_sheet.layout_hook(book, dash))
    result.seconds = time.perf_counter() - t0
    return result


def build(path: str | Path, as_of: dt.date | None = None, seed: int = 7, customers: int = 300,
          overwrite: bool = True) -> str:
    """Create the demo workbook at ``path`` and run every action; returns a short summary."""
    return summary(generate(path, as_of=as_of, seed=seed, customers=customers, overwrite=overwrite))


def summary(res: DemoResult) -> str:
    pf = res.portfolio
    cust, inv = pf.customers, pf.invoices
    countries = cust["country"].value_counts()
    by_country = ", ".join(f"{c} {int(countries.get(c, 0))}" for c in synth.COUNTRIES)
    collectors = ", ".join(sorted(cust["collector"].unique()))
    is_cn = inv["amount"].to_numpy() < 0
    cur = inv["currency"].value_counts()
    currencies = ", ".join(f"{c} {int(n):,}" for c, n in cur.items())
    items = aging.age_items(inv, res.as_of)
    total = int(items["open_amount_base"].sum())
    overdue = int(items.loc[items["days_past_due"] > 0, "open_amount_base"].sum())
    over90 = int(items.loc[items["days_past_due"] > 90, "open_amount_base"].sum())
    pct = lambda x: f"{100 * x / total:.1f}%" if total else "0.0%"  # noqa: E731
    disputed = int((inv["status"] == "disputed").sum())
    credits = res.bank.credits
    by_ccy: dict[str, int] = {}
    for e in credits:
        by_ccy[e.currency] = by_ccy.get(e.currency, 0) + e.amount
    cash = ", ".join(f"{c} {fmt(v)}" for c, v in by_ccy.items())
    lines = [
        f"Demo workbook {res.workbook} as of {res.as_of:%Y-%m-%d}",
        f"  customers   {len(cust)} ({by_country}); collectors: {collectors}",
        f"  documents   {int((~is_cn).sum()):,} invoices and {int(is_cn.sum()):,} credit notes ({currencies}); "
        f"{int((inv['open_amount'] != 0).sum()):,} open, {disputed} disputed",
        f"  receivables EUR {fmt(total)} open before today's statement; overdue {pct(overdue)}, "
        f"over 90 days {pct(over90)}",
        f"  statement   {res.statement.name}: {len(credits)} credits ({cash}), {len(res.bank.debits)} debits",
    ]
    paid = pf.paid
    if paid is not None and len(paid):
        lines.insert(-1, f"  history     {len(paid):,} invoices paid and matched from {paid['paid_on'].min():%Y-%m-%d} "
                         f"to {paid['paid_on'].max():%Y-%m-%d} (earlier statements)")
    for name, changes in res.changes:
        if len(changes) == 1:
            text = changes[0].summary
        else:
            counts: dict[str, int] = {}
            for ch in changes:
                counts[ch.action] = counts.get(ch.action, 0) + 1
            text = ", ".join(f"{n} x {a}" for a, n in counts.items()) or "nothing to do"
            if changes:
                text += f"; last: {changes[-1].summary}"
        text = text.replace("\n", "\n" + " " * 22)  # a step's further lines under its first
        lines.append(f"  {name + ':':<20}{text}")
    lines.append(f"  done in {res.seconds:.1f} s")
    return "\n".join(lines)

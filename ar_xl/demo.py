"""``ar-xl demo WORKBOOK``: a collections workbook filled with a realistic portfolio.

``build`` creates the workbook, writes the generated Customers and Invoices in
one save, writes the day's bank statement (camt.053.001.08) next to it, then
runs every action through the same load -> action -> save cycle the ``ar-xl``
verbs use, and returns a short summary.

The actions run are the ``STEPS`` below, in order.  A step is a name and a
function ``(book, ctx) -> Change``; append new ones (plans, disputes,
promises, ...) before the refresh of the aging, which stays last so the Aging
sheet shows the portfolio after everything else ran.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import synth, xlsx
from .actions import import_statements, match, refresh
from .book import Book, Change
from .engine import aging
from .money import fmt


@dataclass
class DemoContext:
    """What a step may need besides the book."""

    workbook: Path
    as_of: dt.date
    statement: Path
    seed: int = 7


@dataclass
class Step:
    name: str
    run: Callable[[Book, DemoContext], Change]


STEPS: list[Step] = [
    Step("import statement", lambda book, ctx: import_statements.run(book, [str(ctx.statement)])),
    Step("match payments", lambda book, ctx: match.run(book)),
    Step("refresh aging", lambda book, ctx: refresh.run(book, ctx.as_of)),
]
"""Every action the demo runs, in order; refresh aging stays last."""


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
    changes: list[tuple[str, Change]] = field(default_factory=list)
    seconds: float = 0.0


def generate(path: str | Path, as_of: dt.date | None = None, seed: int = 7, customers: int = 300,
             overwrite: bool = True) -> DemoResult:
    """Build the demo workbook and statement, run every step; the details, for tests and callers."""
    t0 = time.perf_counter()
    path = Path(path)
    as_of = as_of or dt.date.today()
    pf = synth.portfolio(seed=seed, as_of=as_of, customers=customers)
    bank = synth.statement(pf, seed=seed)

    xlsx.create(path, overwrite=overwrite)
    book = xlsx.load(path)
    change = Change("demo")
    change.tables["Customers"] = pf.customers
    change.tables["Invoices"] = pf.invoices
    change.log(book.user, "Customers", "*", "rows", None, len(pf.customers), rule=f"demo seed={seed}")
    change.log(book.user, "Invoices", "*", "rows", None, len(pf.invoices), rule=f"demo seed={seed} as_of={as_of:%Y-%m-%d}")
    change.summary = f"loaded {len(pf.customers)} customers and {len(pf.invoices)} invoices"
    xlsx.save(book, change)

    stmt = statement_path(path)
    stmt.write_bytes(synth.camt053(bank))

    ctx = DemoContext(workbook=path, as_of=as_of, statement=stmt, seed=seed)
    result = DemoResult(workbook=path, statement=stmt, as_of=as_of, portfolio=pf, bank=bank)
    for step in STEPS:
        book = xlsx.load(path)
        ch = step.run(book, ctx)
        xlsx.save(book, ch)
        result.changes.append((step.name, ch))
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
        f"  receivables EUR {fmt(total)} open; overdue {pct(overdue)}, over 90 days {pct(over90)}",
        f"  statement   {res.statement.name}: {len(credits)} credits ({cash}), {len(res.bank.debits)} debits",
    ]
    for name, ch in res.changes:
        lines.append(f"  {name + ':':<20}{ch.summary}")
    lines.append(f"  done in {res.seconds:.1f} s")
    return "\n".join(lines)

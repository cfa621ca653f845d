"""Sync from the ERP: its open-items export (and optionally its customers export) into the workbook.

Both files are read first (``ar_xl.erp.export``); any bad row in either raises ``InputError``
naming the file, row and column, and nothing changes.  Then ``engine.sync`` upserts Invoices by
``invoice_id`` (new added, changed updated, missing from a full export closed as ``closed in
ERP``), applies the cash rule (the ERP's open amount wins, less ar-xl's applied cash and write-offs it
has not booked yet; booked allocations are marked ``booked in ERP`` in Matches, the cash and the write-off
of one booked separately) and upserts Customers by ``customer_id``.  The summary ties the ERP's open total
to ar-xl's (the difference is what the ERP has not booked yet), names the write-offs from cash
application the ERP has not booked yet, to book there, and warns of the invoices whose figures could not
be reconciled (the ERP's open amount kept).  People's columns are never overwritten; where the ERP
differs the summary shows both values.  Every change is one Audit row.

``mapping`` names columns by hand: ``{"due_date": "Zahlungsziel"}`` for the open-items file,
``{"customers.email": "Mail 1"}`` for the customers file.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Mapping

from .. import clock
from ..erp import export as erp_export
from ..book import Book, Change
from ..engine import sync as engine
from ..errors import CellProblem, InputError
from ..money import fmt

ACTION = "sync"
CUSTOMERS_PREFIX = "customers."
CONFLICTS_SHOWN = 10


def split_mapping(mapping: Mapping[str, str] | None) -> tuple[dict[str, str], dict[str, str]]:
    """(open-items mapping, customers mapping) from ``column=Header`` pairs; ``customers.column`` is for
    the customers file."""
    inv, cust = {}, {}
    for k, v in (mapping or {}).items():
        k = str(k).strip()
        if k.lower().startswith(CUSTOMERS_PREFIX):
            cust[k[len(CUSTOMERS_PREFIX):]] = v
        else:
            inv[k] = v
    return inv, cust


def run(book: Book, invoices: str | os.PathLike, customers: str | os.PathLike | None = None,
        as_of: dt.date | None = None, mapping: Mapping[str, str] | None = None, full: bool = True) -> Change:
    """Read the exports and return the Change that syncs the workbook with them."""
    as_of = as_of or clock.today()
    inv_map, cust_map = split_mapping(mapping)
    if cust_map and not customers:
        raise InputError(CellProblem("--map", None, None, f"{', '.join(CUSTOMERS_PREFIX + k for k in cust_map)}: "
                                     "no customers file given (--customers FILE)"))
    cfg = book.config
    problems = []
    inv_export = cust_export = None
    try:
        inv_export = erp_export.read(invoices, "Invoices", inv_map, default_currency=cfg.base_currency)
    except InputError as e:
        problems.extend(e.problems)
    if customers:
        try:
            cust_export = erp_export.read(customers, "Customers", cust_map)
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)

    name = Path(invoices).name
    res = engine.sync_invoices(book.get("Invoices"), inv_export.frame, inv_export.present, book.get("Matches"),
                               as_of, full=full, source=name, writeoffs=book.get("WriteOffs"),
                               handovers=book.optional("Handovers"))
    change = Change(ACTION)
    change.tables["Invoices"] = res.invoices
    if res.matches is not None:
        change.tables["Matches"] = res.matches
    if res.writeoffs is not None:
        change.tables["WriteOffs"] = res.writeoffs
    if res.handovers is not None:
        change.tables["Handovers"] = res.handovers
    edits, conflicts = list(res.edits), list(res.conflicts)

    cust_body = book.get("Customers")
    cust_counts = {"customers_new": 0, "customers_changed": 0}
    if cust_export is not None:
        cres = engine.sync_customers(cust_body, cust_export.frame, cust_export.present, Path(customers).name)
        cust_body, cust_counts = cres.customers, cres.counts
        edits += cres.edits
        conflicts += cres.conflicts
    cust_body, added = engine.customers_from_invoices(cust_body, inv_export.frame, name)
    cust_counts["customers_new"] += len(added)
    edits += added
    if cust_counts["customers_new"] or cust_counts["customers_changed"]:
        change.tables["Customers"] = cust_body

    for e in edits:
        change.log(book.user, e.table, e.key, e.column, e.old, e.new, e.rule)
    change.summary = summary(name, as_of, full, res, cust_counts, conflicts)
    change.conflicts = conflicts  # type: ignore[attr-defined]
    change.counts = {**res.counts, **cust_counts}  # type: ignore[attr-defined]
    return change


def write_offs_to_book(items: list[tuple[str, str, int, str]]) -> list[str]:
    """The summary's lines naming the write-offs cash application made that the ERP has not booked: ar-xl
    counts them (the invoice shows what is left after them), the ERP still shows them open until someone
    books them there."""
    if not items:
        return []
    total: dict[str, int] = {}
    for _, cur, cents, _ in items:
        total[cur] = total.get(cur, 0) + cents
    lines = [f"{len(items)} write-off(s) from cash application not booked in the ERP yet ("
             + ", ".join(f"{cur} {fmt(v)}" for cur, v in sorted(total.items()))
             + "): the ERP still shows them open; book them in the ERP:"]
    lines += [f"  invoice {iid}: {cur} {fmt(cents)} written off (Matches {mid})"
              for iid, cur, cents, mid in items[:CONFLICTS_SHOWN]]
    if len(items) > CONFLICTS_SHOWN:
        lines.append(f"  ... and {len(items) - CONFLICTS_SHOWN} more (Matches rows with a write-off whose flags "
                     "lack 'booked in ERP')")
    return lines


def summary(name: str, as_of: dt.date, full: bool, res: engine.SyncResult, cust: dict, conflicts) -> str:
    c = res.counts
    lines = [f"synced {name} (as of {as_of:%Y-%m-%d}, {'full' if full else 'partial'} export): "
             f"{c['new']} new, {c['changed']} changed, {c['closed']} closed in ERP, {c['unchanged']} unchanged"
             + (f"; {c['kept']} not in the export kept as they were" if c["kept"] else "")]
    lines.append(f"customers: {cust['customers_new']} new, {cust['customers_changed']} changed")
    for cur in sorted(set(res.open_before) | set(res.open_after)):
        before, after = res.open_before.get(cur, 0), res.open_after.get(cur, 0)
        lines.append(f"open {cur}: {fmt(before)} -> {fmt(after)}")
    if c["booked"]:
        lines.append(f"{c['booked']} applied match(es) now booked in ERP (not counted twice)")
    if c.get("cash_booked"):
        lines.append(f"{c['cash_booked']} applied match(es): the ERP booked the payment, not the write-off")
    for cur, r in sorted(res.reconciliation.items()):
        parts = ", ".join(f"{w} {fmt(r[k])}" for k, w in (("cash", "cash"), ("write_offs", "write-offs"),
                                                           ("recoveries", "recoveries")) if r[k])
        gap = r["erp"] - r["ours"] - r["cash"] - r["write_offs"] - r["recoveries"]
        lines.append(f"ERP {cur}: {fmt(r['erp'])} open on the invoices synced = ar-xl's {fmt(r['ours'])} + "
                     f"{fmt(r['erp'] - r['ours'])} ar-xl applied that the ERP has not booked yet ({parts or 'none'})"
                     + (f"; {fmt(gap)} unexplained" if gap else ""))
    lines += write_offs_to_book(res.write_offs_to_book)
    if res.warnings:
        lines.append(f"WARNING: {len(res.warnings)} invoice(s) not reconciled with the ERP (the ERP's open amount "
                     "kept):")
        lines += [f"  {w}" for w in res.warnings]
    if conflicts:
        lines.append(f"{len(conflicts)} value(s) people set differ from the ERP's and were kept:")
        lines += [f"  {x}" for x in conflicts[:CONFLICTS_SHOWN]]
        if len(conflicts) > CONFLICTS_SHOWN:
            lines.append(f"  ... and {len(conflicts) - CONFLICTS_SHOWN} more (see the Invoices and Customers sheets)")
    return "\n".join(lines)

"""Aging: how long each open item has been overdue, in buckets.

The rule
--------
* Days past due = as-of date − due date (basis ``due``) or as-of date −
  invoice date (basis ``invoice``).  An item due *today* is 0 days past due
  and counts as **current**; the day after its due date it is **1 day**
  overdue and falls in the first overdue bucket.
* With edges ``30,60,90,120`` the buckets are ``current`` (≤ 0 days, not yet
  due), ``1-30``, ``31-60``, ``61-90``, ``91-120`` and ``121+``.  An edge is
  the last day of its bucket: 30 days is in ``1-30``, 31 in ``31-60``.
* Every item with a non-zero open amount is aged, whatever its sign: credit
  notes and unapplied cash (negative) are shown in their bucket, not dropped,
  and not-yet-due amounts are in ``current``.  So the buckets always sum
  exactly to the total outstanding.
* Amounts are converted to the base currency line by line with the Config FX
  rates, rounding half away from zero to the cent; group totals are sums of
  converted lines, so every row reconciles to the cent.

Money in and out is integer cents (``int64``).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import DEFAULT_EDGES, Config
from ..errors import CellProblem, InputError
from ..frames import row_numbers
from ..money import convert

GROUPINGS = ("invoice", "customer", "collector")

NO_COLLECTOR = "(no collector)"
"""The name of the items without a collector where people read them grouped by collector: ``ar-xl age --by
collector`` printed and ``=AR_AGING(…, "collector")`` (``named_collectors``), the Dashboard and AgingHistory.
``age`` itself leaves their collector empty, as ``ar-xl age --out`` writes it."""


def bucket_labels(edges: tuple[int, ...] = DEFAULT_EDGES) -> list[str]:
    """``current``, then ``1-30``, ``31-60`` … and ``121+`` for the given edges."""
    labels = ["current"]
    lo = 1
    for e in edges:
        labels.append(f"{lo}-{e}")
        lo = e + 1
    labels.append(f"{lo}+")
    return labels


def bucket_index(days: np.ndarray, edges: tuple[int, ...] = DEFAULT_EDGES) -> np.ndarray:
    """0 for current (days ≤ 0), 1 for the first overdue bucket, … len(edges)+1 for the last."""
    days = np.asarray(days)
    idx = np.searchsorted(np.asarray(edges), days, side="left") + 1
    return np.where(days <= 0, 0, idx)


def bucket_of(days: int, edges: tuple[int, ...] = DEFAULT_EDGES) -> str:
    return bucket_labels(edges)[int(bucket_index(np.array([days]), edges)[0])]


def days_past_due(ref_dates: pd.Series | np.ndarray, as_of: dt.date) -> np.ndarray:
    """as_of − date in whole days, as ``int64``."""
    d = np.asarray(ref_dates, dtype="datetime64[D]")
    return (np.datetime64(as_of, "D") - d).astype(np.int64)


def _labels(values, fn) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, labels)`` with ``labels[codes[i]] == fn(str(values[i]))``; blanks give ``''``.

    ``fn`` runs once per distinct value, not once per line (a million lines
    hold a handful of currencies or statuses).
    """
    codes, uniques = pd.factorize(pd.Series(values, copy=False), use_na_sentinel=True)
    raw = np.array([fn(str(u)) for u in uniques] + [""], dtype=object)  # code -1 (blank) -> ""
    labels, inverse = np.unique(raw, return_inverse=True)
    return inverse[codes], labels


def _currency_codes(currencies) -> tuple[np.ndarray, np.ndarray]:
    return _labels(currencies, lambda c: c.strip().upper())


def to_base(amounts: np.ndarray, currencies: pd.Series, config: Config, rows=None, source="Invoices") -> np.ndarray:
    """Convert cents in each line's currency to base-currency cents (exact, per line)."""
    return _to_base(amounts, *_currency_codes(currencies), config, rows, source)


def _to_base(amounts, codes, labels, config, rows, source) -> np.ndarray:
    out = np.asarray(amounts, dtype=np.int64).copy()
    problems = []
    for j, c in enumerate(labels):
        if c == config.base_currency:
            continue
        mask = codes == j
        if not mask.any():
            continue
        try:
            rate = config.rate(c)
        except KeyError:
            where = np.flatnonzero(mask)[:5]
            for i in where:
                problems.append(CellProblem(source, int(rows[i]) if rows is not None else None, "currency",
                                            f"no FX rate for {c!r}; add a row fx.{c} to the Config table"))
            continue
        out[mask] = convert(out[mask], rate)
    if problems:
        raise InputError(problems)
    return out


def age_items(invoices: pd.DataFrame, as_of: dt.date, config: Config | None = None,
              edges: tuple[int, ...] | None = None, basis: str | None = None) -> pd.DataFrame:
    """One row per open item, with days past due, bucket and the amount in base currency.

    Columns: invoice_id, customer_id, customer_name, collector, currency,
    open_amount, open_amount_base, invoice_date, due_date, days_past_due,
    bucket (label), bucket_no (0 = current), disputed.
    """
    config = config or Config()
    edges = tuple(edges or config.aging_buckets)
    basis = basis or config.aging_basis
    if basis not in ("due", "invoice"):
        raise ValueError(f"basis must be 'due' or 'invoice', not {basis!r}")
    rows_all = row_numbers(invoices)
    open_all = invoices["open_amount"].to_numpy(dtype=np.int64)
    keep = np.flatnonzero(open_all != 0)
    rows = rows_all[keep] if rows_all is not None else None
    n = len(keep)

    def col(name):
        if name not in invoices.columns:
            return np.full(n, "", dtype=object)
        return invoices[name].to_numpy()[keep]

    open_amt = open_all[keep]
    ref = col("due_date" if basis == "due" else "invoice_date")
    days = days_past_due(ref, as_of)
    bno = bucket_index(days, edges)
    labels = np.array(bucket_labels(edges), dtype=object)
    if "disputed" in invoices.columns:
        disputed = invoices["disputed"].to_numpy(dtype=bool)[keep]
    else:
        st_codes, st_labels = _labels(col("status"), lambda v: v.strip().lower())
        disputed = (st_labels == "disputed")[st_codes]
    cur_codes, cur_labels = _currency_codes(col("currency"))
    base = _to_base(open_amt, cur_codes, cur_labels, config, rows, invoices.attrs.get("source", "Invoices"))

    return pd.DataFrame({
        "invoice_id": col("invoice_id"),
        "customer_id": col("customer_id"),
        "customer_name": col("customer_name"),
        "collector": col("collector"),
        "currency": cur_labels[cur_codes],
        "open_amount": open_amt,
        "open_amount_base": base,
        "invoice_date": col("invoice_date"),
        "due_date": col("due_date"),
        "days_past_due": days,
        "bucket": labels[bno],
        "bucket_no": bno,
        "disputed": disputed,
    })


def age(invoices: pd.DataFrame, as_of: dt.date, config: Config | None = None,
        edges: tuple[int, ...] | None = None, basis: str | None = None, by: str = "customer") -> pd.DataFrame:
    """The aging table, grouped ``by`` invoice, customer or collector.

    Columns: the group key column(s), then ``current``, ``1-30`` … ``121+``,
    then ``total``, all in base-currency cents.  Grouped by invoice the keys
    also carry the original currency and open amount, the due date and days
    past due.
    """
    if by not in GROUPINGS:
        raise ValueError(f"group by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    config = config or Config()
    edges = tuple(edges or config.aging_buckets)
    items = age_items(invoices, as_of, config, edges, basis)
    labels = bucket_labels(edges)
    n_b = len(labels)
    if by == "invoice":
        keys = items[["invoice_id", "customer_id", "customer_name", "collector", "currency",
                      "open_amount", "due_date", "days_past_due", "disputed"]].reset_index(drop=True)
        mat = np.zeros((len(items), n_b), dtype=np.int64)
        mat[np.arange(len(items)), items["bucket_no"].to_numpy()] = items["open_amount_base"].to_numpy()
    else:
        key_cols = ["customer_id"] if by == "customer" else ["collector"]
        codes, uniques = pd.factorize(items[key_cols[0]], sort=True)
        mat = np.zeros((len(uniques), n_b), dtype=np.int64)
        np.add.at(mat, (codes, items["bucket_no"].to_numpy()), items["open_amount_base"].to_numpy())
        keys = pd.DataFrame({key_cols[0]: np.asarray(uniques, dtype=object)})
        if by == "customer":
            # the name on each customer's first line
            first = np.full(len(uniques), len(codes), dtype=np.int64)
            np.minimum.at(first, codes, np.arange(len(codes)))
            keys["customer_name"] = items["customer_name"].to_numpy(dtype=object)[first]
    out = keys.copy()
    for j, lab in enumerate(labels):
        out[lab] = mat[:, j]
    out["total"] = mat.sum(axis=1)
    return out


def named_collectors(table: pd.DataFrame) -> pd.DataFrame:
    """An aging by collector (``age(…, by="collector")``) as people read it: the items without a collector are
    the row ``NO_COLLECTOR``."""
    out = table.copy()
    out["collector"] = [c or NO_COLLECTOR for c in out["collector"]]
    return out


def money_columns(frame: pd.DataFrame, edges: tuple[int, ...] = DEFAULT_EDGES) -> list[str]:
    """The money (cents) columns of an aging result."""
    cols = bucket_labels(edges) + ["total", "open_amount", "open_amount_base"]
    return [c for c in cols if c in frame.columns]

"""The logic behind the ``AR_*`` worksheet functions, without xlwings.

``udfs.ar_functions`` is only the Excel shell (decorators and help text); each
of its functions calls one function here.  This layer

* turns what Excel hands over into canonical frames: a range with a header
  row (``Invoices[#All]``) as a list of rows -> ``ar_xl.frames.coerce``;
  blank trailing rows and columns are dropped, and so is the table's Total Row when it is
  shown (``ar_xl.frames.totals_row`` says how it is told from a row); dates may be Excel serials
  (floats), ``datetime``/``date`` objects or text (ISO or day-first);
* calls the engine (``ar_xl.engine.aging``, ``ar_xl.engine.kpi``);
* turns the result back into plain Excel values: money as numbers with two
  decimals (cents / 100), dates as ``datetime.date``, ``bool``, ``int``,
  ``str``; a table is a list of rows with a header row, the workbook's human headers where its
  columns are the tables' ("Open amount (base)"); a range handed over may have those headers or
  the canonical names (``frames.coerce``);
* never raises: bad input becomes one readable error string such as
  ``#VALUE! Invoices row 5, column due_date: not a date: 'soon'`` (row 1 of
  the range is its header row, so for a table starting in A1 the row number
  is the sheet row).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ar_xl import clock
from ar_xl import config as config_mod
from ar_xl import frames, schema
from ar_xl.dates import parse_date
from ar_xl.engine import aging, kpi, owners
from ar_xl.errors import InputError
from ar_xl.money import parse_amount

MAX_PROBLEMS_SHOWN = 5


# --- errors --------------------------------------------------------------------------

def excel_error(exc: BaseException) -> str:
    """One line an analyst can act on, starting with the Excel error it stands for."""
    if isinstance(exc, kpi.ZeroDenominator):
        return f"#DIV/0! {exc}"
    if isinstance(exc, InputError):
        shown = [str(p) for p in exc.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(exc.problems) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        return f"#VALUE! {text}"
    if isinstance(exc, (ValueError, KeyError, TypeError)):
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        return f"#VALUE! {msg}"
    return f"#VALUE! unexpected {type(exc).__name__}: {exc}"


def call(fn, *args):
    """Run ``fn(*args)``; any problem comes back as an error string, not a traceback."""
    try:
        return fn(*args)
    except Exception as exc:  # the worksheet boundary: never show a traceback
        return excel_error(exc)


# --- reading arguments ---------------------------------------------------------------

def as_rows(values: object) -> list[list]:
    """A range value (scalar, one row/column, or rows) as a list of rows."""
    if isinstance(values, pd.DataFrame):
        return [list(values.columns)] + values.to_numpy(dtype=object).tolist()
    if not isinstance(values, (list, tuple)):
        return [[values]]
    if values and not isinstance(values[0], (list, tuple)):
        return [list(values)]
    return [list(r) for r in values]


def read_table(values: object, table: str, source: str | None = None) -> pd.DataFrame:
    """The canonical frame of ``table`` from a range with a header row."""
    source = source or table
    rows = as_rows(values)
    if not rows or all(frames.blank(h) for h in rows[0]):
        raise InputError(f"the first row of the range must hold the column headers (e.g. pass {table}[#All])", source)
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    header = rows[0]
    body = rows[1:]
    # drop columns with neither a header nor a value (a range selected too wide)
    keep = [j for j in range(width) if not frames.blank(header[j]) or any(not frames.blank(r[j]) for r in body)]
    names = [str(header[j]).strip() if not frames.blank(header[j]) else f"column {j + 1}" for j in keep]
    raw = pd.DataFrame([[r[j] for j in keep] for r in body], columns=names)
    if not len(body):
        raw = pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    totals = frames.totals_row(raw, schema.table(table))
    if totals is not None:  # Excel's Total Row (a table with Table Design > Total Row on): not a row of the table
        raw = raw.iloc[:totals]
    return frames.coerce(raw, table, source, first_row=2)


def read_date(value: object, name: str, default_today: bool = False) -> dt.date:
    value = _scalar(value, name)
    if frames.blank(value):
        if default_today:
            return clock.today()
        raise ValueError(f"{name} is empty")
    try:
        return parse_date(value)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


def read_config(values: object) -> config_mod.Config:
    """Config from the Config table's range (setting | value | …), or the defaults."""
    if values is None or _blank_range(values):
        return config_mod.Config()
    rows = read_table(values, "Config")
    return config_mod.from_rows(rows, "Config")


def read_edges(value: object, cfg: config_mod.Config) -> tuple[int, ...]:
    if value is None or _blank_range(value):
        return cfg.aging_buckets
    flat = [v for row in as_rows(value) for v in row if not frames.blank(v)]
    if len(flat) == 1 and isinstance(flat[0], str):
        return config_mod.parse_edges(flat[0])
    return config_mod.parse_edges(flat)


def read_text(value: object, name: str, default: str) -> str:
    value = _scalar(value, name)
    return default if frames.blank(value) else str(value).strip().lower()


def _blank_range(value: object) -> bool:
    return all(frames.blank(v) for row in as_rows(value) for v in row)


def _scalar(value: object, name: str) -> object:
    rows = as_rows(value)
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    raise ValueError(f"{name} must be a single cell")


# --- writing results -----------------------------------------------------------------

def _money(cents) -> float:
    return int(cents) / 100


def _cell(v: object) -> object:
    """A plain Python value Excel can hold."""
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).date()
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def frame_to_rows(frame: pd.DataFrame, money: list[str]) -> list[list]:
    """Header row + body rows; ``money`` columns (cents) become numbers with two decimals.  A column the
    workbook's tables define spills under its human header (``schema.header_of``: "Customer ID")."""
    out = [[schema.header_of(c) for c in frame.columns]]
    cols = []
    for c in frame.columns:
        s = frame[c]
        if c in money:
            cols.append([_money(v) for v in s.to_numpy(dtype=np.int64)])
        else:
            cols.append([_cell(v) for v in s.to_numpy(dtype=object)])
    out.extend(list(r) for r in zip(*cols))
    return out


def _map_cells(values: object, fn) -> object:
    """Apply ``fn`` to every cell; a single cell gives a single value, a range a range."""
    rows = as_rows(values)
    result = [[fn(v) for v in row] for row in rows]
    if len(result) == 1 and len(result[0]) == 1:
        return result[0][0]
    return result


# --- the functions -------------------------------------------------------------------

def aging_table(invoices, as_of=None, buckets=None, basis=None, group_by=None, config=None,
                customers=None) -> list[list]:
    """See ``udfs.ar_functions.AR_AGING``.  With ``customers``, each invoice's collector is its own, else its
    customer's (``engine.owners``), as on the Aging sheet."""
    cfg = read_config(config)
    day = read_date(as_of, "as_of", default_today=True)
    edges = read_edges(buckets, cfg)
    basis = config_mod.parse_basis(read_text(basis, "basis", cfg.aging_basis))
    by = read_text(group_by, "group_by", "customer")
    if by not in aging.GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(aging.GROUPINGS)}, not {by!r}")
    inv = read_table(invoices, "Invoices")
    if customers is not None and not _blank_range(customers):
        inv["collector"] = owners.effective_collectors(inv, read_table(customers, "Customers"))
    result = aging.age(inv, day, cfg, edges=edges, basis=basis, by=by)
    if by == "collector":  # as ar-xl age --by collector prints it
        result = aging.named_collectors(result)
    return frame_to_rows(result, aging.money_columns(result, edges))


def bucket(due_date, as_of=None, buckets=None) -> object:
    """See ``udfs.ar_functions.AR_BUCKET``."""
    day = read_date(as_of, "as_of", default_today=True)
    edges = read_edges(buckets, config_mod.Config())

    def one(v):
        if frames.blank(v):
            return ""
        days = (day - parse_date(v)).days
        return aging.bucket_of(days, edges)

    return _map_cells(due_date, _cell_error(one, "due_date"))


def days_past_due(due_date, as_of=None) -> object:
    """See ``udfs.ar_functions.AR_DAYS_PAST_DUE``."""
    day = read_date(as_of, "as_of", default_today=True)

    def one(v):
        if frames.blank(v):
            return ""
        return (day - parse_date(v)).days

    return _map_cells(due_date, _cell_error(one, "due_date"))


def _cell_error(fn, name):
    def wrapped(v):
        try:
            return fn(v)
        except ValueError as e:
            return f"#VALUE! {name}: {e}"
    return wrapped


DSO_METHODS = ("standard", "countback", "best", "add")


def dso(invoices, period_start, period_end, method=None, config=None) -> float:
    """See ``udfs.ar_functions.AR_DSO``."""
    cfg = read_config(config)
    start = read_date(period_start, "period_start")
    end = read_date(period_end, "period_end")
    how = read_text(method, "method", "standard")
    if how not in DSO_METHODS:
        raise ValueError(f"method must be one of {', '.join(DSO_METHODS)}, not {how!r}")
    kpi.period_days(start, end)
    inv = read_table(invoices, "Invoices")
    if how == "standard":
        return kpi.dso(inv, start, end, cfg)
    if how == "countback":
        return kpi.countback_dso(inv, end, cfg)
    if how == "best":
        return kpi.best_possible_dso(inv, start, end, cfg)
    return kpi.average_days_delinquent(inv, start, end, cfg)


def cei(invoices, period_start, period_end, beginning_ar, config=None) -> float:
    """See ``udfs.ar_functions.AR_CEI``."""
    cfg = read_config(config)
    start = read_date(period_start, "period_start")
    end = read_date(period_end, "period_end")
    begin = _scalar(beginning_ar, "beginning_ar")
    if frames.blank(begin):
        raise ValueError("beginning_ar is empty: pass the total AR at the start of the period")
    try:
        begin_cents = parse_amount(begin)
    except ValueError as e:
        raise ValueError(f"beginning_ar: {e}") from None
    kpi.period_days(start, end)
    inv = read_table(invoices, "Invoices")
    return kpi.cei(inv, start, end, begin_cents, cfg)


def plan_schedule(amount, installments, first_due, frequency=None, annual_rate=None, down_payment=None,
                  holiday_country=None, interest=None) -> list[list]:
    """See ``udfs.ar_functions.AR_PLAN``."""
    from ar_xl.engine import plans
    total = parse_amount(_scalar(amount, "amount"))
    n = _scalar(installments, "installments")
    if frames.blank(n) or float(n) != int(float(n)):
        raise ValueError(f"installments must be a whole number, not {n!r}")
    rate = _scalar(annual_rate, "annual_rate") if annual_rate is not None else None
    rate = 0 if frames.blank(rate) else rate
    kind = read_text(interest, "interest", "annuity" if rate else "none")
    down = _scalar(down_payment, "down_payment") if down_payment is not None else None
    country = _scalar(holiday_country, "holiday_country") if holiday_country is not None else None
    rows = plans.schedule(
        total, int(float(n)), read_date(first_due, "first_due"),
        frequency=read_text(frequency, "frequency", "monthly"),
        annual_rate=str(rate) if isinstance(rate, float) else rate, interest=kind,
        down_payment_cents=0 if frames.blank(down) else parse_amount(down),
        holiday_country=None if frames.blank(country) else str(country).strip().upper(),
    )
    return frame_to_rows(rows, ["amount", "principal", "interest", "remaining_balance"])


def match_table(payments, invoices, customers=None, config=None) -> list[list]:
    """See ``udfs.ar_functions.AR_MATCH``.  The payments matched are those ``ar-xl match`` matches
    (``actions.match.to_match``: money left to apply, status not ``ignored``), on the same engine with the same
    Config.  What the command reads and this function does not (it is handed Payments, Invoices, Customers and
    Config only), and so what may differ from the Matches rows the command writes:

    * Matches: the command first applies the Confirm / Reject decisions typed there (the unapplied amounts here
      are the Payments table's as it stands), never proposes a pair a collector rejected (here it may be proposed
      again), keeps the unapplied rest of an automatic overpayment as it is (here it is matched again) and names
      the earlier payment of a possible duplicate (here the flag is given without it);
    * Plans, Promises and Handovers: an installment or promised amount paid, and an invoice handed over to an
      agency, are not read as such here.
    """
    from ar_xl.actions.match import to_match
    from ar_xl.engine import matching
    cfg = read_config(config)
    pay = to_match(read_table(payments, "Payments"))
    inv = read_table(invoices, "Invoices")
    cust = None if customers is None or _blank_range(customers) else read_table(customers, "Customers")
    result = matching.match(pay, inv, cust, cfg)  # settled invoices too: possible duplicates
    cols = ["payment_id", "invoice_id", "customer_id", "applied_amount", "confidence", "decision", "rank",
            "evidence", "short_pay", "write_off", "rule"]
    return frame_to_rows(result[cols], ["applied_amount", "short_pay", "write_off"])


def references(text, invoices=None) -> list[list]:
    """See ``udfs.ar_functions.AR_REFS``."""
    from ar_xl.engine import refs
    found = refs.extract(frames.cell_text(_scalar(text, "text")))  # a number: its digits (4512.0 -> 4512)
    if invoices is None or _blank_range(invoices):
        return [["reference", "kind"]] + [[c.raw or c.value, c.kind] for c in found] if found else "no reference found"
    inv = read_table(invoices, "Invoices", "Invoices")
    index = refs.RefIndex(inv["invoice_id"].astype(str).tolist(), inv["payment_reference"].astype(str).tolist())
    ids = inv["invoice_id"].astype(str).tolist()
    rows = [["reference", "kind", "invoice_id", "how"]]
    for c in found:
        hits = index.lookup(c)
        if hits:
            rows.extend([c.raw or c.value, c.kind, ids[h.row], h.strength] for h in hits)
        else:
            rows.append([c.raw or c.value, c.kind, None, "no open invoice"])
    return rows if len(rows) > 1 else "no reference found"


INTEREST_HEADER = ["item", "from", "to", "days", "principal", "rate_pct", "amount", "currency", "basis"]


def late_interest_table(amount, due_date, until=None, country=None, config=None) -> list[list]:
    """See ``udfs.ar_functions.AR_LATE_INTEREST``."""
    from ar_xl.engine import interest
    cfg = read_config(config)
    cents = parse_amount(_scalar(amount, "amount"))
    due = read_date(due_date, "due_date")
    day = read_date(until, "until", default_today=True)
    cc = _scalar(country, "country") if country is not None else None
    if frames.blank(cc):  # the country the Aging interest takes for a customer without one
        cc = cfg.dunning.interest_country
    if frames.blank(cc):
        raise ValueError("country is empty: pass NL, BE, DE, FR, LU or GB (or set Config dunning.interest_country)")
    r = interest.late_interest(cents, due, day, interest.country_code(cc), None,
                               interest.RateTable.load(cfg.late_rates))
    rule = interest.RULES[r.country]
    first = due + dt.timedelta(days=1) if r.days else None
    total = _money(r.interest) if r.interest is not None else f"#N/A {r.missing_text()}"
    comp_basis = ("GBP 40 / 70 / 100 by debt size (s. 5A Late Payment Act)" if r.country == "GB"
                  else "EUR 40 per invoice (art. 6 Directive 2011/7/EU)")
    rows = [INTEREST_HEADER,
            ["interest", first, day if r.days else None, r.days, _money(r.amount), None, total, r.currency,
             "; ".join((rule.law, *r.notes))],
            ["compensation", None, None, None, _money(r.amount), None, _money(r.compensation),
             r.compensation_currency, comp_basis]]
    for p in r.periods:
        rows.append([f"period {p.half_year}", p.start, p.end, p.days,
                     None if p.principal is None else _money(p.principal),
                     None if p.rate is None else float(p.rate),
                     None if p.interest is None else _money(p.interest), r.currency, p.basis])
    return rows

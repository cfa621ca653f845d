"""The ``AR_*`` worksheet functions (xlwings UDFs).

This module is only the Excel shell: the decorators, the names Excel shows
and the help text of every function and argument (the docstring is the
function's description in Excel's Insert Function dialog, at most 255
characters; ``doc=`` is each argument's help).  The work is done in
``udfs.core`` on top of ``ar_xl.frames`` and ``ar_xl.engine``.

Import in classic xlwings with ``UDF Modules = udfs.ar_functions``; xlwings
Server / Lite register the same functions.

Conventions for every function
------------------------------
* ``invoices`` is the Invoices table *with its header row*, e.g.
  ``Invoices[#All]``; headers are the workbook's ("Invoice ID", "Due date") or the
  canonical names (``invoice_id``), matched ignoring case, spaces, underscores and
  parentheses; blank trailing rows are ignored, and so is the table's Total Row when it is shown
  (``ar_xl.frames.totals_row``).  Tables spill with the workbook's headers.
* Dates may be real dates, Excel serial numbers, or text (``2026-03-31``,
  ``31-03-2026``, ``31.03.2026``, ``31/03/2026``: day first).
* ``config`` is the optional Config table with its header row
  (``Config[#All]``): base currency, FX rates, bucket edges, basis.
  Without it the defaults apply (base EUR, buckets 30,60,90,120).
* Money comes back as numbers with two decimals in the base currency.
* Bad input returns one text such as
  ``#VALUE! Invoices row 5, column due_date: not a date: 'soon'``.
"""
from __future__ import annotations

import xlwings as xw

from . import core

CATEGORY = "AR collections"
_INVOICES = "The Invoices table with its header row, e.g. Invoices[#All]."
_AS_OF = "Date to age at; empty = today. Pass TODAY() or a cell so the result recalculates."
_BUCKETS = "Upper edges of the overdue buckets in days, e.g. \"30,60,90,120\" or a range of numbers; empty = Config or 30,60,90,120."
_CONFIG = "Optional: the Config table with its header row (Config[#All]) for base currency and FX rates."
_START = "First day of the period (included)."
_END = "Last day of the period (included); AR is taken at this date."


@xw.func(category=CATEGORY)
@xw.arg("invoices", ndim=2, err_to_str=True, doc=_INVOICES)
@xw.arg("as_of", err_to_str=True, doc=_AS_OF)
@xw.arg("buckets", err_to_str=True, doc=_BUCKETS)
@xw.arg("basis", err_to_str=True, doc="\"due\" (default) ages from the due date, \"invoice\" from the invoice date.")
@xw.arg("group_by", err_to_str=True, doc="\"customer\" (default), \"collector\" or \"invoice\": one row per customer, collector or open item.")
@xw.arg("config", ndim=2, err_to_str=True, doc=_CONFIG)
@xw.arg("customers", ndim=2, err_to_str=True, doc="Optional: the Customers table with its header row (Customers[#All]): an invoice without a collector of its own counts for its customer's.")
def AR_AGING(invoices, as_of=None, buckets=None, basis=None, group_by=None, config=None, customers=None):
    """Aged open items in the base currency: a table with headers (current, 1-30 … 121+, total) per customer, collector or invoice. Credit notes are included, so buckets sum to the total."""
    return core.call(core.aging_table, invoices, as_of, buckets, basis, group_by, config, customers)


@xw.func(category=CATEGORY)
@xw.arg("due_date", ndim=2, err_to_str=True, doc="A due date, or a range of due dates (the result spills in the same shape).")
@xw.arg("as_of", err_to_str=True, doc=_AS_OF)
@xw.arg("buckets", err_to_str=True, doc=_BUCKETS)
def AR_BUCKET(due_date, as_of=None, buckets=None):
    """The aging bucket of a due date: current (due today or later), 1-30, 31-60, 61-90, 91-120 or 121+ with the default edges."""
    return core.call(core.bucket, due_date, as_of, buckets)


@xw.func(category=CATEGORY)
@xw.arg("due_date", ndim=2, err_to_str=True, doc="A due date, or a range of due dates (the result spills in the same shape).")
@xw.arg("as_of", err_to_str=True, doc=_AS_OF)
def AR_DAYS_PAST_DUE(due_date, as_of=None):
    """Days past due: as_of minus the due date. 0 = due today, negative = not yet due."""
    return core.call(core.days_past_due, due_date, as_of)


@xw.func(category=CATEGORY)
@xw.arg("invoices", ndim=2, err_to_str=True, doc=_INVOICES)
@xw.arg("period_start", err_to_str=True, doc=_START)
@xw.arg("period_end", err_to_str=True, doc=_END)
@xw.arg("method", err_to_str=True, doc="\"standard\" (default): AR / sales x days; \"countback\"; \"best\": best-possible DSO; \"add\": average days delinquent.")
@xw.arg("config", ndim=2, err_to_str=True, doc=_CONFIG)
def AR_DSO(invoices, period_start, period_end, method=None, config=None):
    """Days sales outstanding in days: AR at period_end / credit sales invoiced in the period x days in the period (or countback, best-possible DSO, ADD)."""
    return core.call(core.dso, invoices, period_start, period_end, method, config)


@xw.func(category=CATEGORY)
@xw.arg("invoices", ndim=2, err_to_str=True, doc=_INVOICES)
@xw.arg("period_start", err_to_str=True, doc=_START)
@xw.arg("period_end", err_to_str=True, doc=_END)
@xw.arg("beginning_ar", err_to_str=True, doc="Total AR at the start of the period in the base currency (e.g. last month's aging total).")
@xw.arg("config", ndim=2, err_to_str=True, doc=_CONFIG)
def AR_CEI(invoices, period_start, period_end, beginning_ar, config=None):
    """Collection effectiveness index in %: (beginning AR + sales - ending AR) / (beginning AR + sales - ending current AR) x 100."""
    return core.call(core.cei, invoices, period_start, period_end, beginning_ar, config)


@xw.func(category=CATEGORY)
@xw.arg("amount", err_to_str=True, doc="The amount to spread (the plan's principal), e.g. the sum of the invoices' open amounts.")
@xw.arg("installments", err_to_str=True, doc="Number of installments after the down payment (1 to 600).")
@xw.arg("first_due", err_to_str=True, doc="Due date of the first installment; later ones follow one period apart, from the same day of the month (31 Jan, 28/29 Feb, 31 Mar …).")
@xw.arg("frequency", err_to_str=True, doc="\"monthly\" (default), \"weekly\", \"biweekly\" or \"quarterly\".")
@xw.arg("annual_rate", err_to_str=True, doc="Yearly interest rate, e.g. 8% or 0.08; empty or 0 = no interest.")
@xw.arg("down_payment", err_to_str=True, doc="Optional amount paid up front, as installment 0 due on first_due.")
@xw.arg("holiday_country", err_to_str=True, doc="Optional country code (NL, BE, DE, FR, GB): due dates on weekends or that country's public holidays move to the next business day.")
@xw.arg("interest", err_to_str=True, doc="\"annuity\" (default with a rate: equal installments, Excel PMT rounded to the cent), \"simple\" or \"none\".")
def AR_PLAN(amount, installments, first_due, frequency=None, annual_rate=None, down_payment=None,
            holiday_country=None, interest=None):
    """A payment plan schedule with headers: installment no, due date, amount, principal, interest, remaining balance. Installments sum exactly to amount plus interest; the rounding difference is on the last."""
    return core.call(core.plan_schedule, amount, installments, first_due, frequency, annual_rate, down_payment,
                     holiday_country, interest)


@xw.func(category=CATEGORY)
@xw.arg("payments", ndim=2, err_to_str=True,
        doc=("The Payments table with its header row (Payments[#All]): payment_id, value_date, amount, currency, "
             "payer_name, payer_iban, remittance; rows with unapplied_amount 0 or status ignored are left out."))
@xw.arg("invoices", ndim=2, err_to_str=True, doc=_INVOICES)
@xw.arg("customers", ndim=2, err_to_str=True, doc="Optional: the Customers table with its header row, for known IBANs and names.")
@xw.arg("config", ndim=2, err_to_str=True, doc="Optional: the Config table with its header row, for tolerances and the auto threshold.")
def AR_MATCH(payments, invoices, customers=None, config=None):
    """Which open invoice(s) each payment with money left (not ignored) pays, as ar-xl match proposes: a row per allocation with amount, confidence, decision, evidence. Without the Matches table a pair rejected there may be proposed again. Changes nothing."""
    return core.call(core.match_table, payments, invoices, customers, config)


@xw.func(category=CATEGORY)
@xw.arg("text", err_to_str=True, doc="A remittance text, e.g. \"Factuur 2026-004512 en 4513\".")
@xw.arg("invoices", ndim=2, err_to_str=True, doc="Optional: the Invoices table with its header row; each reference is then resolved to the open invoice it points at.")
def AR_REFS(text, invoices=None):
    """The invoice references in a text (despite separators, prefixes, lists and ranges), and RF / +++OGM+++ references with valid check digits. With invoices, the invoice each one points at."""
    return core.call(core.references, text, invoices)


@xw.func(category=CATEGORY)
@xw.arg("amount", err_to_str=True, doc="The overdue amount (the invoice's open amount), e.g. 1234.56.")
@xw.arg("due_date", err_to_str=True, doc="The due date; interest starts the day after.")
@xw.arg("until", err_to_str=True, doc="The day paid or the as-of date (included); empty = today.")
@xw.arg("country", err_to_str=True,
        doc=("NL, BE, DE, FR, LU or GB (UK; the debt in GBP); empty = Config dunning.interest_country (the country "
             "the Aging interest takes for customers without one)."))
@xw.arg("config", ndim=2, err_to_str=True,
        doc=("Optional: the Config table with its header row; rows rate.DE.2026H2 (etc.) add or override reference "
             "rates, dunning.interest_country is the country when none is given."))
def AR_LATE_INTEREST(amount, due_date, until=None, country=None, config=None):
    """Statutory B2B late-payment interest (rate in force each day, 365-day year) and the fixed compensation (EUR 40; UK GBP 40/70/100), as a table with one row per rate period. A missing rate gives #N/A, never a guess."""
    return core.call(core.late_interest_table, amount, due_date, until, country, config)

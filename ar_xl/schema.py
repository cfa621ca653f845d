"""The shared collections workbook, defined once.

Every sheet of the workbook holds one Excel Table (ListObject) named after the
sheet.  This module is the single place that says which tables exist, which
columns they have, what type each column holds, how Excel formats it and which
columns belong to people (typed by a collector and never overwritten by an
action).  The workbook writer, the CSV/XLSX readers, the UDFs and the tests all
read it from here.

Column kinds
------------
``text``   free text, stored as a string (never as a formula).
``date``   a calendar date (no time part).
``datetime`` a timestamp, used by the Audit and Activities logs.
``money``  an exact amount; in the engine it is an ``int64`` number of cents.
``int``    a whole number (days, installment numbers).
``number`` a plain decimal number (confidence, rates).
``bool``   TRUE/FALSE.

Headers
-------
Each column has a canonical ``name`` (snake_case: what the engine, the pandas frames, the CSV exports
and the Audit use) and a ``header``, what people read at the top of the column in the workbook
("Open amount (base)", "Days past due", "Invoice ID").  The header is derived from the name
(``human``: words capitalised once, acronyms upper case, ``_base`` read as "(base)") unless a column
gives its own.  The shells write headers and map them back to names when they read (``Table.known``).

Header matching ignores case, spaces, underscores, dots, dashes and parentheses, and knows both a
column's name and its header, so "Invoice ID", "invoice_id" and "INVOICE-ID" all mean ``invoice_id``
and "Open amount (base)" and "open_amount_base" both mean ``open_amount_base`` (a workbook written
before the headers were human still loads).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

MONEY_FORMAT = '#,##0.00;[Red]-#,##0.00'
DATE_FORMAT = 'yyyy-mm-dd'
EXCEL_ROWS = 1_048_576
"""Rows of a worksheet in Excel (and the rows a table may reach: its header's row plus its body)."""
DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss'
INT_FORMAT = '0'
NUMBER_FORMAT = '0.00'

_FORMATS = {
    "money": MONEY_FORMAT,
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
    "int": INT_FORMAT,
    "number": NUMBER_FORMAT,
    "text": "@",
    "bool": "General",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = False
    editable: bool = False
    """People type in this column; actions never overwrite a non-empty value."""
    choices: tuple[str, ...] = ()
    """Allowed values, offered as an Excel drop-down."""
    replaceable: tuple[str, ...] = ()
    """Values of an editable column that the system maintains, not a person's
    decision: an action may replace them (status 'open' -> 'on plan'; 'paid' <->
    'open' follows the open amount when a match is applied or reversed)."""
    width: int = 14
    description: str = ""
    header: str = ""
    """What the workbook shows at the top of the column; empty: ``human(name)``."""

    def __post_init__(self):
        if not self.header:
            object.__setattr__(self, "header", human(self.name))

    @property
    def number_format(self) -> str:
        return _FORMATS[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    sheet: str = ""
    dynamic: bool = False
    """Extra columns may follow the defined ones (the Aging buckets)."""
    title_rows: int = 0
    """Rows above the table's header: a title line (what the whole table is as of) and a blank row.
    The Aging table says its as-of date there ("Aging as of 1 December 2026", ``title``) instead of
    in a column repeating it on every row."""
    unique: bool = True
    """The key names one row: two rows sharing it are refused, naming both (an invoice listed twice
    would be aged twice and paid once).  False for derived tables, which an action rewrites whole."""

    @property
    def sheet_name(self) -> str:
        return self.sheet or self.name

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def headers(self) -> list[str]:
        """The columns' headers as the workbook shows them, in order."""
        return [c.header for c in self.columns]

    def header(self, name: str) -> str:
        """The header shown for column ``name``; a column the schema does not define (a person's own,
        an Aging bucket) keeps its name."""
        for c in self.columns:
            if c.name == name:
                return c.header
        return name

    def shown(self, names) -> list[str]:
        """``header`` of each of ``names``: the header row a shell writes for a frame's columns."""
        return [self.header(n) for n in names]

    def known(self, header: object) -> str | None:
        """The canonical name of the column a header (its name or its human header, ``canon``) stands
        for, or None for a header the table does not define."""
        return self._known.get(canon(header))

    def canonical(self, headers) -> list[str]:
        """Each header as its canonical name where the table defines it, else as it is."""
        index = self._known
        return [index.get(canon(h), h) if h is not None else h for h in headers]

    @cached_property
    def _known(self) -> dict[str, str]:
        """canon(name) and canon(header) -> name for every column (a name wins over another's header)."""
        index = {canon(c.header): c.name for c in reversed(self.columns)}
        index.update({canon(c.name): c.name for c in reversed(self.columns)})
        return index

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def editable(self) -> list[str]:
        return [c.name for c in self.columns if c.editable]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name} has no column {name!r}")

    def replaceable(self, name: str) -> set[str]:
        """Lower-cased values of column ``name`` an action may overwrite."""
        return {v.lower() for v in self.column(name).replaceable}

    def kinds(self, kind: str) -> list[str]:
        return [c.name for c in self.columns if c.kind == kind]


def canon(header: object) -> str:
    """Canonical form of a header: lower case, no spaces, underscores, dots, dashes or parentheses."""
    return re.sub(r"[\s_.\-()]+", "", str(header)).lower()


ACRONYMS = {"id": "ID", "ids": "IDs", "iban": "IBAN", "po": "PO", "sla": "SLA", "erp": "ERP", "dso": "DSO",
            "pct": "%", "fx": "FX", "sepa": "SEPA"}
"""Words of a column name written otherwise in its header."""

HEADERS = {
    "age_days": "Age (days)",
    "installment_no": "Installment no.",
    "end_to_end_id": "End-to-end ID",
    "writeoff_id": "Write-off ID",
    "write_off": "Write-off",
    "as_of": "As of",
}
"""Headers ``human`` would not derive from the name."""


def human(name: str) -> str:
    """The header a column named ``name`` shows: ``open_amount_base`` -> "Open amount (base)",
    ``invoice_id`` -> "Invoice ID", ``overdue_pct`` -> "Overdue %" (``HEADERS`` first)."""
    if name in HEADERS:
        return HEADERS[name]
    words = name.split("_")
    base = len(words) > 1 and words[-1] == "base"
    if base:
        words = words[:-1]
    out = [ACRONYMS.get(w, w) for w in words if w]
    if out and out[0] == out[0].lower():
        out[0] = out[0][:1].upper() + out[0][1:]
    text = " ".join(out)
    return text + " (base)" if base else text


def header_of(name: str, derive: bool = False) -> str:
    """The header of a column named ``name`` in any table (UDF results spill these); a name no table
    defines is returned as it is, or as ``human(name)`` when ``derive`` (a laid-out sheet's own columns)."""
    for t in TABLES.values():
        for c in t.columns:
            if c.name == name:
                return c.header
    return human(name) if derive else name


C = Column

INVOICE_STATUSES = ("open", "paid", "disputed", "on plan", "promised", "in legal", "legal", "written off",
                    "closed in ERP")
PAYMENT_STATUSES = ("unapplied", "partly applied", "applied", "ignored")


def payment_status(left: int, total: int) -> str:
    """Payments.status from the cents of a payment still to apply (``left``) of its ``total``: ``applied`` when none,
    ``unapplied`` when all of it, else ``partly applied`` (``ignored`` is a person's, never derived)."""
    return "applied" if left == 0 else ("unapplied" if left == total else "partly applied")

REVIEW_CHOICES = ("Confirm", "Reject")
MATCH_DECISIONS = ("auto", "suggested", "unmatched", "manual")
DISPUTE_STATUSES = (
    "open", "in review", "escalated",
    "resolved - credit note", "resolved - rejected", "resolved - paid", "resolved - write-off",
    "closed",
)
DISPUTE_OWNERS = ("Sales", "Customer Service", "Logistics", "Legal", "Finance")
CHANNELS = ("call", "email", "letter", "portal", "meeting")
LANGUAGES = ("nl", "de", "fr", "en")
CREDIT_STATUSES = ("over limit", "hold proposed")
CREDIT_HOLDS = ("confirmed", "released")
WRITEOFF_STATUSES = ("awaiting approval", "booked", "rejected", "withdrawn")
WRITEOFF_SOURCES = ("collector", "dispute", "cash application")
HANDOVER_STATUSES = ("open", "recovered", "closed")
CREDIT_KINDS = ("credit note", "unapplied cash")
REFUND_STATUSES = ("proposed", "exported", "cancelled")

INVOICES = Table(
    "Invoices",
    (
        C("invoice_id", required=True, width=16),
        C("customer_id", required=True, width=12),
        C("customer_name", width=32),
        C("invoice_date", "date", required=True, width=12),
        C("due_date", "date", required=True, width=12),
        C("currency", required=True, width=9),
        C("amount", "money", required=True),
        C("open_amount", "money", required=True),
        C("collector", editable=True),
        C("payment_reference", width=24),
        C("po_number"),
        C("status", editable=True, choices=INVOICE_STATUSES,
          replaceable=("open", "paid", "disputed", "on plan", "promised", "in legal", "closed in ERP"), width=12),
        C("note", editable=True, width=30),
    ),
    key=("invoice_id",),
    description="Open items from the ERP: invoices (positive) and credit notes (negative).",
)

PAYMENTS = Table(
    "Payments",
    (
        C("payment_id", required=True, width=18),
        C("value_date", "date", required=True, width=12),
        C("amount", "money", required=True),
        C("currency", required=True, width=9),
        C("payer_name", width=30),
        C("payer_iban", width=24),
        C("remittance", width=40),
        C("creditor_reference", width=24),
        C("bank_reference", width=20),
        C("statement_id", width=16),
        C("source_file", width=24),
        C("unapplied_amount", "money"),
        C("status", choices=PAYMENT_STATUSES, width=14,
          description="Kept up to date by the actions; set 'ignored' to keep a payment out of matching"),
        C("note", editable=True, width=30),
    ),
    key=("payment_id",),
    description="Incoming bank credits, imported from statements.",
)

CUSTOMERS = Table(
    "Customers",
    (
        C("customer_id", required=True, width=12),
        C("customer_name", required=True, width=32),
        C("iban", width=30, description="One or more IBANs, separated by ';'"),
        C("country", width=8),
        C("language", choices=LANGUAGES, width=9),
        C("collector", editable=True),
        C("credit_limit", "money"),
        C("email", width=28),
        C("phone", width=18),
        C("no_reminders", "bool", editable=True, width=10, description="TRUE: never send this customer a reminder"),
        C("aliases", width=30, description="Payer names learned from confirmed matches, ';'-separated"),
        C("note", editable=True, width=30),
        C("credit_status", choices=CREDIT_STATUSES, width=14,
          description="Proposed by Credit: 'over limit' or 'hold proposed' (blank: neither); the reason is in credit_reason"),
        C("credit_reason", width=50, description="Why, in words: exposure against the limit, the oldest overdue item"),
        C("exposure", "money", description="Open AR + orders (Config orders.<customer_id>) - unapplied cash, in base currency"),
        C("credit_hold", editable=True, choices=CREDIT_HOLDS, width=12,
          description="A person's decision on the hold: confirmed or released; Credit logs it and never overwrites it"),
        C("payment_terms", editable=True, width=18,
          description="The customer's discount terms when they differ from Config discount_terms: '2/10 net 30', "
                      "'2 % Skonto 14 Tage', 'net 30' (no discount)"),
        C("pays_for", editable=True, width=24,
          description="Customer ids this customer pays for, ';'-separated (a parent company for its subsidiaries, a "
                      "factoring company for its clients): matching reads its payments as theirs too"),
    ),
    key=("customer_id",),
    description="Customer master data.",
)

AGING = Table(
    "Aging",
    (
        C("invoice_id", width=16),
        C("customer_id", width=12),
        C("customer_name", width=32),
        C("collector"),
        C("currency", width=9),
        C("open_amount", "money", description="In the invoice's own currency"),
        C("open_amount_base", "money", description="Converted to the base currency"),
        C("due_date", "date", width=12),
        C("days_past_due", "int", width=10),
        C("bucket", width=10),
        C("disputed", "bool", width=9),
        C("state", width=11, description="The invoice's workflow state, derived from its records (engine.states)"),
        C("interest", "money", description="Statutory late-payment interest accrued to as_of, in the item's currency "
                                           "(the law of the customer's country; empty where a rate is missing)"),
    ),
    key=("invoice_id",),
    description="Written by Refresh aging from Invoices; one row per open item. Bucket columns follow. "
                "The as-of date is the sheet's title, above the table.",
    dynamic=True,
    unique=False,
    title_rows=2,
)

WORKLIST = Table(
    "Worklist",
    (
        C("rank", "int", width=6),
        C("customer_id", width=12),
        C("customer_name", width=32),
        C("collector"),
        C("score", "number", width=8),
        C("reason", width=70),
        C("next_step", width=16, description="call, reminder level N, statement, credit hold or legal"),
        C("credit_status", width=14, description="over limit, hold proposed or blank (the rules of Credit); "
                                                 "'hold confirmed' when a person confirmed it on Customers"),
        C("currency", width=9, description="The customer's currency; several are listed and own-currency amounts left empty"),
        C("open_amount", "money", description="In the customer's currency"),
        C("overdue_amount", "money", description="Past due and not disputed, in the customer's currency"),
        C("interest", "money", description="Statutory late-payment interest accrued on the customer's overdue items, in "
                                           "the customer's currency (empty: several currencies, or a rate missing)"),
        C("open_amount_base", "money"),
        C("overdue_amount_base", "money"),
        C("oldest_invoice_id", width=16),
        C("oldest_due_date", "date", width=12),
        C("days_past_due", "int", width=10),
        C("last_contact", "date", width=12),
        C("last_outcome", width=30),
        C("phone", width=18),
        C("email", width=28),
        C("as_of", "date", width=12),
    ),
    key=("customer_id",),
    description="Written by Worklist: one row per customer to act on, highest score first, with the reason.",
)

FORECAST_LINES = ("expected", "beyond horizon", "kept-rate shortfall", "disputed", "legal", "written off")

FORECAST = Table(
    "Forecast",
    (
        C("as_of", "date", width=12),
        C("line", choices=FORECAST_LINES, width=18,
          description="expected (a week of the horizon), beyond horizon, kept-rate shortfall (promised money the "
                      "customer's kept-rate does not expect), or shown apart: disputed, legal, written off"),
        C("week", width=10, description="ISO week, e.g. 2026-W21 (expected lines only)"),
        C("week_start", "date", width=12, description="Monday of the week; for beyond horizon the first day after it"),
        C("week_end", "date", width=12),
        C("currency", width=9),
        C("by_behaviour", "money", description="Open items at their due date shifted by the customer's median days late"),
        C("by_promise", "money", description="Live promises and plan installments at their own dates, times the "
                                             "customer's kept-rate"),
        C("amount", "money", description="by_behaviour + by_promise; on the other lines the amount they hold"),
        C("amount_base", "money", description="amount in the base currency"),
        C("items", "int", width=8, description="Open items with money on this line"),
    ),
    key=("line", "week", "currency"),
    description="Written by Forecast (ar-xl forecast): expected collections per ISO week and currency. The amounts of "
                "all lines of a currency add up to its open AR.",
    unique=False,
)

CREDITS = Table(
    "Credits",
    (
        C("as_of", "date", width=12),
        C("customer_id", width=12),
        C("customer_name", width=32),
        C("kind", choices=CREDIT_KINDS, width=14,
          description="credit note (an Invoices row with a negative open amount) or unapplied cash (a payment not "
                      "or only partly applied, tied to the customer by its IBAN)"),
        C("source_id", width=18, description="The credit note's invoice_id or the payment's payment_id"),
        C("date", "date", width=12, description="The credit note's invoice date or the payment's value date"),
        C("age_days", "int", width=8, description="Days from date to as_of"),
        C("currency", width=9),
        C("amount", "money", description="The credit still open: the credit note's open amount or the payment's "
                                         "unapplied amount, as a positive number"),
        C("refunds", "money", description="Held by refunds proposed (and, for a credit note, exported until the ERP "
                                          "closes it)"),
        C("available", "money", description="amount - refunds: what can still be allocated or refunded"),
        C("open_invoices", width=40, description="The customer's open invoices in the same currency it could be set "
                                                 "against, oldest due first, ';'-separated"),
        C("open_invoices_amount", "money", description="Their open amount together"),
        C("iban", width=30, description="The customer's first IBAN (Customers.iban), where a refund would go"),
        C("remittance_asked", "date", width=12,
          description="(unapplied cash) The day remittance details of the payment were last asked for (Ask "
                      "remittance: the Activities row of the payment); empty when never"),
    ),
    key=("source_id",),
    description="Written by Credits (ar-xl credits): one row per credit note and per payment with unapplied cash, "
                "oldest first, with what it could be set against.",
    unique=False,
)

REFUNDS = Table(
    "Refunds",
    (
        C("refund_id", width=12),
        C("customer_id", width=12),
        C("customer_name", width=32),
        C("source_id", width=18, description="The credit note or payment refunded"),
        C("kind", choices=CREDIT_KINDS, width=14),
        C("amount", "money"),
        C("currency", width=9),
        C("iban", width=30, description="The customer's first IBAN (Customers.iban) when proposed"),
        C("status", choices=REFUND_STATUSES, width=11,
          description="proposed, exported (in a SEPA file for the bank) or cancelled (type it to release a proposal)"),
        C("proposed_by"),
        C("proposed_on", "date", width=12),
        C("exported_on", "date", width=12),
        C("end_to_end_id", width=20, description="The SEPA end-to-end id of the transfer"),
        C("file", width=40, description="The pain.001 file it was exported to"),
        C("note", editable=True, width=30),
    ),
    key=("refund_id",),
    description="Refunds of credit notes and unapplied cash: proposed, then exported as a SEPA credit transfer.",
)

AGING_HISTORY = Table(
    "AgingHistory",
    (
        C("as_of", "date", width=12),
        C("scope", width=18, description="team (every open item) or a collector's name (their open items)"),
        C("total", "money", description="Open AR in the base currency (the Aging table's total for the scope)"),
        C("overdue", "money", description="The part more than 0 days past due"),
        C("overdue_pct", "number", width=10, description="overdue / total x 100"),
        C("dso", "number", width=8, description="DSO in days over the dashboard's KPI period (engine.dashboard)"),
        C("disputed", "money", description="Open disputes' amount (base currency)"),
        C("unapplied", "money", description="Unapplied cash (base currency); team only: a payment not applied has "
                                            "no collector"),
        C("basis", width=22, description="refresh (an Aging refresh on that day) or rebuilt (the open items of that "
                                         "day rebuilt from Matches, as the forecast backtest does)"),
    ),
    key=("as_of", "scope"),
    description="Written by Refresh aging and Refresh dashboard: one snapshot row per as-of date for the team and one "
                "per collector; refreshing a date again replaces that date's rows. Bucket columns follow.",
    dynamic=True,
    unique=False,
)

CONFIG = Table(
    "Config",
    (
        C("setting", required=True, width=24),
        C("value", editable=True, width=46),
        C("description", width=60),
    ),
    key=("setting",),
    description="Settings the engine reads. FX rates are rows 'fx.CCY' = units of base currency per 1 CCY.",
)

MATCHES = Table(
    "Matches",
    (
        # what a reviewer reads first: the decision to take, the payment, the invoice(s), the difference, why
        C("review", editable=True, choices=REVIEW_CHOICES, width=10,
          description="Confirm or Reject; on an unmatched row type invoice_id (or a list 'INV: 100.00; INV2: 50,00') "
                      "and Confirm to assign the payment by hand"),
        C("value_date", "date", width=12, description="The payment's value date"),
        C("payer_name", width=28),
        C("payment_amount", "money", description="The payment's amount still to apply when the row was proposed"),
        C("currency", width=9),
        C("remittance", width=40, description="The payment's remittance text"),
        C("invoice_id", width=16,
          description="The proposed invoice; on an unmatched row a person may type one or a list with amounts"),
        C("open_amount", "money", description="What was open on the invoice when the row was proposed"),
        C("applied_amount", "money"),
        C("difference", "money", description="Payment amount less the open amounts of the proposal's invoices: "
                                             "negative = paid short, positive = paid more (same on every row of a proposal)"),
        C("confidence", "number", width=10),
        C("evidence", width=50),
        C("decision", choices=MATCH_DECISIONS, width=10),
        C("rank", "int", width=6),
        C("flags", width=18, description="typo, conflict, short_pay, unapplied_cash, discount, unearned_discount, "
                                          "possible duplicate, plan installment, promise, ..."),
        C("note", editable=True, width=30),
        C("reviewed_by", editable=True),
        C("rule", width=16),
        C("short_pay", "money", description="Left open on the invoice by this payment: a possible deduction or dispute"),
        C("write_off", "money", description="Difference within the Config tolerance (bank charges) or an earned discount, "
                                            "written off when applied"),
        C("customer_id", width=12),
        C("payment_id", width=18),
        C("match_id", width=14),
        C("run_id", width=18),
        C("applied", "bool", width=8),
    ),
    key=("match_id",),
    description="Payment-to-invoice allocations proposed by Match payments; set review to Confirm or Reject.",
)

PLANS = Table(
    "Plans",
    (
        C("plan_id", width=10),
        C("customer_id", width=12),
        C("invoice_ids", width=30),
        C("installment_no", "int", width=8),
        C("due_date", "date", width=12),
        C("amount", "money"),
        C("principal", "money"),
        C("interest", "money"),
        C("remaining_balance", "money"),
        C("paid", "money"),
        C("open", "money"),
        C("status", choices=("open", "paid", "late", "missed"), width=10),
        C("plan_status", choices=("active", "completed", "broken", "cancelled"), width=11),
        C("note", editable=True, width=30),
    ),
    key=("plan_id", "installment_no"),
    description="Payment plans, one row per installment.",
)

PROMISES = Table(
    "Promises",
    (
        C("promise_id", width=10),
        C("customer_id", width=12),
        C("invoice_ids", width=30),
        C("amount", "money"),
        C("currency", width=9),
        C("promised_date", "date", width=12),
        C("logged_by"),
        C("logged_on", "date", width=12),
        C("received", "money"),
        C("status", choices=("open", "kept", "partly kept", "broken"), width=11),
        C("note", editable=True, width=30),
    ),
    key=("promise_id",),
    description="Promises to pay logged by collectors.",
)

DISPUTES = Table(
    "Disputes",
    (
        C("dispute_id", width=10),
        C("customer_id", width=12),
        C("invoice_ids", width=30),
        C("amount", "money"),
        C("currency", width=9),
        C("reason", width=22),
        C("owner", choices=DISPUTE_OWNERS, width=16),
        C("status", choices=DISPUTE_STATUSES, width=20),
        C("opened", "date", width=12),
        C("sla_due", "date", width=12),
        C("resolved", "date", width=12),
        C("resolution", editable=True, width=24),
        C("root_cause", editable=True, width=24),
        C("note", editable=True, width=30),
    ),
    key=("dispute_id",),
    description="The dispute log.",
)

WRITEOFFS = Table(
    "WriteOffs",
    (
        C("writeoff_id", width=10),
        C("source", choices=WRITEOFF_SOURCES, width=14,
          description="collector (ar-xl writeoff / the Write off button) or dispute (resolved - write-off)"),
        C("reference", width=14, description="The dispute the write-off comes from"),
        C("invoice_id", width=16),
        C("customer_id", width=12),
        C("currency", width=9),
        C("amount", "money", description="Written off the invoice's open amount, in its currency"),
        C("amount_base", "money", description="In the base currency, compared with the approval limit"),
        C("reason", width=30),
        C("proposed_by"),
        C("proposed_on", "date", width=12),
        C("status", choices=WRITEOFF_STATUSES, width=16,
          description="booked (within the proposer's limit, or confirmed by an approver), awaiting approval, "
                      "rejected, or withdrawn (its dispute was reopened)"),
        C("review", editable=True, choices=REVIEW_CHOICES, width=10,
          description="An approver (Config writeoff.approvers) types Confirm or Reject; the next Write off applies it"),
        C("reviewed_by", editable=True),
        C("approver", description="Who approved the booking: an approver, or the proposer within their limit"),
        C("booked_on", "date", width=12),
        C("journal", width=34, description="The ERP journal file the booking was exported to"),
        C("in_erp", "bool", width=8, description="TRUE once an ERP sync shows the ERP booked it; until then a sync "
                                                 "keeps the invoice's open amount lowered by it"),
        C("note", editable=True, width=30),
    ),
    key=("writeoff_id",),
    description="Write-offs proposed, approved and booked; the ERP journal of each booking.",
)

HANDOVERS = Table(
    "Handovers",
    (
        C("handover_id", width=10),
        C("customer_id", width=12),
        C("invoice_ids", width=30, description="The invoices handed over, ';'-separated"),
        C("to", width=28, description="The collection agency or lawyer the items went to"),
        C("handed_on", "date", width=12),
        C("amount", "money", description="The items' open amount when handed over"),
        C("currency", width=9),
        C("status", choices=HANDOVER_STATUSES, width=11,
          description="open (the items are in legal: no reminders, off the worklist), recovered (the agency "
                      "recovered everything) or closed (taken back: the items follow their other records again)"),
        C("recovered", "money", description="Recovered so far, as the agency reported it (ar-xl handover --record)"),
        C("costs", "money", description="The agency's or lawyer's costs reported so far"),
        C("pack", width=40, description="The handover pack (ZIP) written for the agency"),
        C("user"),
        C("note", editable=True, width=30),
        C("recovered_items", width=30,
          description="What each invoice recovered, as 'invoice: amount; …' (ar-xl handover --record)"),
        C("recovered_in_erp", width=30,
          description="What of it the ERP shows booked, the same way (an ERP sync fills it; until then a sync keeps "
                      "the recovery off the invoice's open amount)"),
        C("transferred", "money",
          description="What the agency transferred of the recovery so far: its payments recorded on the handover"),
        C("payments", width=24,
          description="The agency's transfers recorded on the handover (ar-xl handover --record --payment), "
                      "';'-separated payment ids"),
    ),
    key=("handover_id",),
    description="Items handed over to a collection agency or lawyer (ar-xl handover / the Hand over button).",
)

ACTIVITIES = Table(
    "Activities",
    (
        C("activity_id", width=10),
        C("at", "datetime", width=18),
        C("user"),
        C("customer_id", width=12),
        C("channel", choices=CHANNELS, width=9),
        C("outcome", width=30),
        C("next_action_date", "date", width=12),
        C("note", editable=True, width=30),
        C("payment_id", width=12, description="The payment this contact asked about (Ask remittance); empty for "
                                              "other contacts"),
    ),
    key=("activity_id",),
    description="The contact log.",
)

REMINDERS = Table(
    "Reminders",
    (
        C("reminder_id", width=10),
        C("customer_id", width=12),
        C("customer_name", width=32),
        C("level", "int", width=6),
        C("tone", width=10),
        C("language", width=9),
        C("sent_on", "date", width=12, description="The as-of date the draft and letter were made for"),
        C("items", width=30, description="Invoice ids reminded, ';'-separated"),
        C("currency", width=9),
        C("amount", "money", description="Overdue amount of the items"),
        C("fee", "money"),
        C("interest", "money"),
        C("compensation", "money"),
        C("total", "money", description="amount + fee + interest + compensation"),
        C("email", width=28),
        C("file", width=40, description="The PDF letter"),
        C("draft", width=40, description="The .eml draft (opens in Outlook as a draft to send)"),
        C("user"),
        C("note", editable=True, width=30),
    ),
    key=("reminder_id",),
    description="Reminders (dunning letters and e-mail drafts) made by Reminders / ar-xl remind.",
)

AUDIT = Table(
    "Audit",
    (
        C("timestamp", "datetime", width=18),
        C("user"),
        C("action", width=16),
        C("run_id", width=18),
        C("table", width=12),
        C("key", width=18),
        C("column", width=16),
        C("old_value", width=18),
        C("new_value", width=18),
        C("rule", width=16),
    ),
    description="Append-only trace of every change an action made.",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (INVOICES, PAYMENTS, CUSTOMERS, AGING, WORKLIST, FORECAST, AGING_HISTORY, CREDITS, MATCHES, PLANS,
              PROMISES, DISPUTES, WRITEOFFS, HANDOVERS, REFUNDS, ACTIVITIES, REMINDERS, AUDIT,
              CONFIG)
}
"""Every table of the collections workbook, in sheet order."""


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def title(t: Table, as_of=None) -> str:
    """The title line above a table with ``title_rows``: "Aging as of 1 December 2026" (just the table's
    name before a first refresh)."""
    if as_of is None:
        return t.name
    return f"{t.name} as of {as_of.day} {_MONTHS[as_of.month - 1]} {as_of.year}"


def table(name: str) -> Table:
    """Look up a table by name, ignoring case."""
    for t in TABLES.values():
        if t.name.lower() == str(name).lower():
            return t
    raise KeyError(f"no table named {name!r}; tables are {', '.join(TABLES)}")

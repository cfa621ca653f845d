"""The Collections ribbon's Python side: one entry point per button.

Each button of the ribbon (``ar_xl/excel/addin/customUI.xml``) has a tag; the
add-in's VBA runs ``ar_xl.excel.macros.dispatch(tag, argument)`` through xlwings'
``RunPython``, and ``dispatch`` calls the entry point of that name.  An entry
point

1. takes the calling workbook (``xw.Book.caller()``, or the ``book`` it is
   given: a test, or an xlwings Server endpoint passing ``xw.Book(json=...)``);
2. reads the tables with ``ar_xl.excel.live.load``;
3. runs the same action as the matching ``ar-xl`` command;
4. writes the result once with ``ar_xl.excel.live.save``;
5. shows what it is doing in Excel's status bar (cleared at the end; the
   remote engine has no status bar, so there it is skipped) and ends with a
   message box saying what changed.  Any problem ends in a message box
   naming it, never in a Python traceback; nothing is written when the
   problem is found before the write.

Input a collector gives
-----------------------
A ribbon callback cannot show a form that xlwings' remote engine could also
use (``InputBox`` is VBA-only, and Python has no dialog in the remote
engine), so the values an action needs are typed on a **Parameters** sheet:
a list of ``parameter | value | used by | help`` rows that the *Parameters*
button creates (and fills with defaults) when it is missing.  Reading it is
an ordinary cell read, and creating it is ``sheets.add`` and one
``range.value``, which both engines support.  A required parameter left
empty stops the action with a message naming the parameter and its row.

Actions that work on rows use the **selection**: *Log dispute*, *Promise to
pay* and *New payment plan* take the selected rows of the Invoices or Aging
sheet (their invoices must be of one customer); *Hand over* hands the selected
invoices of one customer (or all of a selected Customers row's) to a collection agency or lawyer; *Write off*
proposes a write-off of the selected Invoices or Aging rows (any customers) and, wherever
the selection is, applies the Confirm/Reject typed in WriteOffs; *New payment plan* on the
Customers sheet takes all the selected customer's open invoices; *Log
contact*, *Statement* and *Customer view* take the customer of the selected row on any sheet
with a customer_id column.
"""
from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import logging
import sys
import tempfile
import traceback
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

import pandas as pd

from . import live
from .. import clock
from ..book import Book, Change
from ..workbook import side_files
from ..dates import parse_date
from ..errors import ArXlError
from ..money import parse_amount

TITLE = "Collections"
PARAMETERS_SHEET = "Parameters"
LOG_FILE = Path(tempfile.gettempdir()) / "ar-xl-macros.log"

_log = logging.getLogger("ar_xl.excel.macros")


# ---------------------------------------------------------------- the Parameters sheet

@dataclass(frozen=True)
class Parameter:
    key: str
    default: object
    used_by: str
    help: str


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("as_of", None, "Refresh aging, Check promises, Update plans, My worklist, Cash forecast, Reminders, "
              "Statement, Credits, Propose refund, Export refunds, Ask remittance, Customer view",
              "Date to compute at; empty = today."),
    Parameter("fx.confirm", None, "Refresh aging, Refresh dashboard, Cash forecast",
              "yes = use FX rates that moved more than Config fx_max_move times since the last run; "
              "empty it again afterwards."),
    Parameter("import.files", None, "Import statement",
              "Statement file(s) separated by ';' when the button does not ask for them (xlwings Server)."),
    Parameter("import.accept_unbalanced", None, "Import statement",
              "yes = import a statement whose balances do not reconcile with its entries (an export of the credits "
              "only), named in the summary and Audit; empty it again afterwards."),
    Parameter("sync.invoices", None, "Load open items",
              "The ERP's open-items export (CSV/XLSX) when the button does not ask for it (xlwings Server)."),
    Parameter("sync.customers", None, "Load open items", "The ERP's customers export (CSV/XLSX); empty = none."),
    Parameter("plan.installments", 3, "New payment plan", "Number of installments."),
    Parameter("plan.first_due", None, "New payment plan", "Due date of the first installment (required)."),
    Parameter("plan.frequency", "monthly", "New payment plan", "monthly, quarterly, weekly or biweekly."),
    Parameter("plan.annual_rate", 0, "New payment plan",
              "Yearly interest in percent, e.g. 8 for 8% (a cell formatted as 8% works too); 0 = none."),
    Parameter("plan.interest", "none", "New payment plan", "none, simple or annuity."),
    Parameter("plan.down_payment", 0, "New payment plan", "Paid at once, before the installments."),
    Parameter("plan.note", None, "New payment plan", "Note written on the plan's rows."),
    Parameter("dispute.reason", None, "Log dispute",
              "Why the customer disputes (required), e.g. price difference, damaged goods."),
    Parameter("dispute.owner", None, "Log dispute", "Sales, Customer Service, Logistics, Legal or Finance; "
              "empty = from the reason."),
    Parameter("dispute.amount", None, "Log dispute", "Disputed amount; empty = the invoices' open amount."),
    Parameter("dispute.note", None, "Log dispute", "Note on the dispute."),
    Parameter("contact.channel", "call", "Log contact", "call, email, letter, portal or meeting."),
    Parameter("contact.outcome", None, "Log contact", "What was said or agreed (required)."),
    Parameter("contact.next_action_date", None, "Log contact", "When to follow up; empty = none."),
    Parameter("contact.note", None, "Log contact", "Note on the contact."),
    Parameter("promise.amount", None, "Promise to pay", "Promised amount; empty = the selected invoices' open amount."),
    Parameter("promise.date", None, "Promise to pay", "Date the customer promised to pay by (required)."),
    Parameter("promise.note", None, "Promise to pay", "Note on the promise."),
    Parameter("reminders.folder", None, "Reminders",
              "Folder for the reminder PDFs and .eml drafts; empty = ar-xl-reminders beside the workbook."),
    Parameter("reminders.level", None, "Reminders", "Only reminders of this level; empty = every level due."),
    Parameter("writeoff.reason", None, "Write off", "Why the selected invoices are written off (required), "
              "e.g. customer insolvent, small balance."),
    Parameter("writeoff.amount", None, "Write off", "Amount to write off one selected invoice partly; "
              "empty = each selected invoice's open amount."),
    Parameter("writeoff.note", None, "Write off", "Note on the write-off."),
    Parameter("writeoff.journal_folder", None, "Write off",
              "Folder for the ERP journal (CSV) of booked write-offs; empty = ar-xl-journal beside the workbook."),
    Parameter("handover.to", None, "Hand over", "The collection agency or lawyer the selected items go to (required)."),
    Parameter("handover.folder", None, "Hand over",
              "Folder for the handover pack (ZIP); empty = ar-xl-handovers beside the workbook."),
    Parameter("handover.note", None, "Hand over", "Note on the handover."),
    Parameter("handover.recovered", None, "Record recovery",
              "Amount the agency or lawyer recovered on the selected Handovers row; lowers its invoices' open amounts, "
              "oldest first."),
    Parameter("handover.costs", None, "Record recovery", "Costs the agency or lawyer reported; empty = none."),
    Parameter("handover.payment", None, "Record recovery",
              "The agency's bank transfer of the recovery (its payment id in Payments): it goes to the handover, "
              "not to invoices; empty = none; empty it again afterwards."),
    Parameter("forecast.weeks", 13, "Cash forecast", "Weeks the forecast covers, from the as-of date's ISO week."),
    Parameter("statement.folder", None, "Statement",
              "Folder for statements of account; empty = ar-xl-statements beside the workbook."),
    Parameter("statement.format", "pdf", "Statement", "pdf or xlsx."),
    Parameter("refund.amount", None, "Propose refund", "Amount to refund of the selected credit; empty = all it has "
              "available."),
    Parameter("refunds.folder", None, "Export refunds",
              "Folder for the SEPA credit-transfer files (pain.001); empty = ar-xl-refunds beside the workbook."),
    Parameter("refunds.execution_date", None, "Export refunds", "The day the bank is to pay; empty = the as-of date."),
    Parameter("remittance.folder", None, "Ask remittance", "Folder for the e-mail drafts asking which invoices a "
              "payment pays; empty = ar-xl-remittance-requests beside the workbook."),
    Parameter("audit.keep", None, "Archive Audit", "Audit rows the workbook keeps (those read back as state, then the "
              "newest); the older move to ar-xl-audit beside the file. Empty = 100,000."),
)

_HEADER = ["parameter", "value", "used by", "help"]


class Parameters:
    """The values typed on the Parameters sheet (empty when the sheet is missing)."""

    def __init__(self, values: dict[str, object], rows: dict[str, int], sheet: str = PARAMETERS_SHEET):
        self.values, self.rows, self.sheet = values, rows, sheet

    @classmethod
    def read(cls, xw_book) -> "Parameters":
        sheet = _find_sheet(xw_book, PARAMETERS_SHEET)
        if sheet is None:
            return cls({}, {})
        data = sheet.used_range.options(ndim=2).value or []
        first = sheet.used_range.row
        values, rows = {}, {}
        for i, row in enumerate(data):
            if not row or row[0] is None:
                continue
            key = str(row[0]).strip().lower()
            if key in ("parameter", ""):
                continue
            values[key] = row[1] if len(row) > 1 else None
            rows[key] = first + i
        return cls(values, rows, sheet.name)

    def _where(self, key: str) -> str:
        row = self.rows.get(key)
        return f"{self.sheet} sheet, row {row} ({key})" if row else f"{self.sheet} sheet ({key})"

    def raw(self, key: str):
        v = self.values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return v

    def text(self, key: str, required: bool = False, default: str | None = None) -> str | None:
        v = self.raw(key)
        if v is None:
            if required:
                raise ArXlError(f"{self._where(key)} is empty: {_help(key)}")
            return default
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    def date(self, key: str, required: bool = False) -> dt.date | None:
        v = self.raw(key)
        if v is None:
            if required:
                raise ArXlError(f"{self._where(key)} is empty: {_help(key)}")
            return None
        try:
            return parse_date(v)
        except ValueError as e:
            raise ArXlError(f"{self._where(key)}: {e}") from None

    def cents(self, key: str, required: bool = False) -> int | None:
        v = self.raw(key)
        if v is None:
            if required:
                raise ArXlError(f"{self._where(key)} is empty: {_help(key)}")
            return None
        try:
            return parse_amount(v)
        except ValueError as e:
            raise ArXlError(f"{self._where(key)}: {e}") from None

    def whole(self, key: str, default: int) -> int:
        v = self.raw(key)
        if v is None:
            return default
        try:
            f = float(str(v).replace(",", "."))
            if not f.is_integer() or f < 1:
                raise ValueError
            return int(f)
        except ValueError:
            raise ArXlError(f"{self._where(key)}: not a whole number above 0: {v!r}") from None

    def rate(self, key: str) -> Decimal:
        """A yearly rate typed in percent (8, "8,5", "0,5") or in a percent-formatted cell (0.08), as a fraction.

        Text is always percent (a percent-formatted cell holds a number); a number below 1 is taken as
        the fraction a percent-formatted cell holds."""
        v = self.raw(key)
        if v is None:
            return Decimal(0)
        try:
            d = Decimal(repr(float(v)) if isinstance(v, float) else str(v).strip().rstrip("%").replace(",", "."))
        except InvalidOperation:
            raise ArXlError(f"{self._where(key)}: not a percentage: {v!r}") from None
        if not d.is_finite() or d < 0:
            raise ArXlError(f"{self._where(key)}: not a percentage: {v!r}")
        return d / 100 if (d >= 1 or isinstance(v, str)) else d


def _help(key: str) -> str:
    for p in PARAMETERS:
        if p.key == key:
            return f"{p.help} Type it in the value column, then click the button again."
    return "type it in the value column."


def _find_sheet(xw_book, name: str):
    for s in xw_book.sheets:
        if s.name.lower() == name.lower():
            return s
    return None


def _show_sheet(name: str):
    """An ``after`` step that brings the sheet ``name`` to the front; showing it never fails the action."""
    def show(xw_book, change) -> None:
        sheet = _find_sheet(xw_book, name)
        if sheet is not None:
            try:
                sheet.activate()
            except Exception:  # a sheet that cannot be shown leaves the action done
                pass
    return show


def _cells(row: list) -> list:
    """A Parameters row as written: text with Excel's text prefix, numbers as numbers."""
    return [live.text_cell(c) if isinstance(c, str) else c for c in row]


def ensure_parameters(xw_book) -> tuple[object, int]:
    """The Parameters sheet, created with every parameter when missing; rows of new parameters appended.

    Returns (sheet, number of rows added)."""
    sheet = _find_sheet(xw_book, PARAMETERS_SHEET)
    if sheet is None:
        sheet = xw_book.sheets.add(PARAMETERS_SHEET, after=xw_book.sheets[len(xw_book.sheets) - 1])
        sheet.range("A1").value = [_cells(_HEADER)] + [_cells([p.key, p.default, p.used_by, p.help])
                                                       for p in PARAMETERS]
        return sheet, len(PARAMETERS)
    params = Parameters.read(xw_book)
    missing = [p for p in PARAMETERS if p.key not in params.values]
    if missing:
        used = sheet.used_range
        start = used.row + used.shape[0]
        sheet.range((start, 1)).value = [_cells([p.key, p.default, p.used_by, p.help]) for p in missing]
    return sheet, len(missing)


# ---------------------------------------------------------------- talking to the collector

class Ui:
    """Status bar and message boxes of the workbook's Excel (each engine does what it can)."""

    def __init__(self, xw_book):
        self.book = xw_book
        self.has_status_bar = True

    def status(self, text: str | None) -> None:
        if not self.has_status_bar:
            return
        try:
            self.book.app.status_bar = text if text else False
        except Exception:  # the remote engine has none (NotImplementedError); feedback never breaks an action
            self.has_status_bar = False

    def alert(self, text: str, title: str = TITLE, mode: str = "info") -> None:
        try:
            self.book.app.alert(text, title=title, mode=mode)
        except Exception:
            print(f"{title}: {text}", file=sys.stderr)


def _with_warnings(text: str, warnings: list[str], shown: int = 10) -> str:
    """The message box text: the summary, then the first ``shown`` warnings (a message box is no log)."""
    if not warnings:
        return text
    lines = list(warnings[:shown])
    if len(warnings) > shown:
        lines.append(f"... and {len(warnings) - shown} more (run the same action with ar-xl to see them all)")
    return text + "\n\nWarnings:\n" + "\n".join(lines)


def _log_failure(tag: str) -> str:
    try:
        with open(LOG_FILE, "a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {tag}\n{traceback.format_exc()}\n")
        return str(LOG_FILE)
    except OSError:
        return ""


def _home(xw_book) -> Path:
    """The workbook's folder (the temporary folder when the workbook has none, as on xlwings Server)."""
    home = Path(str(getattr(xw_book, "fullname", "") or "")).parent
    return home if str(home) not in ("", ".") and home.is_dir() else Path(tempfile.gettempdir())


def _caller(book):
    if book is not None:
        return book
    import xlwings as xw
    return xw.Book.caller()


def run(tag: str, label: str, compute: Callable[[Book, object], Change], book=None, tables: list[str] | None = None,
        after: Callable[[object, Change], None] | None = None):
    """Load, compute, save (then ``after(xw_book, change)``) and tell the collector; returns the Change
    (None when it failed)."""
    xw_book = _caller(book)
    ui = Ui(xw_book)
    written = False
    try:
        ui.status(f"{label}: reading the workbook...")
        loaded = live.load(xw_book, tables)
        read = loaded.warnings  # about the rows as read
        ui.status(f"{label}: working...")
        change = compute(loaded, xw_book)
        ui.status(f"{label}: writing the results...")
        # the ERP journal of booked write-offs and the Audit rows the change moves out, in their files first
        with side_files.written_first(change, live.saved_path(xw_book), _home(xw_book)):
            written = True
            live.save(xw_book, loaded, change)
        if after is not None:
            after(xw_book, change)
        ui.status(None)
        change.warnings = list(dict.fromkeys([*read, *change.warnings]))
        ui.alert(_with_warnings(change.summary or f"{label}: done.", change.warnings), f"{TITLE}: {label}", "info")
        return change
    except ArXlError as e:
        ui.status(None)
        ui.alert(f"{e}", f"{TITLE}: {label}", "critical")
    except Exception as e:  # a collector never sees a traceback; the log keeps it
        ui.status(None)
        where = _log_failure(tag)
        state = ("The workbook may be partly updated: check the Audit sheet." if written
                 else "Nothing in the workbook was changed.")
        ui.alert(f"{label} failed: {type(e).__name__}: {e}\n{state}"
                 + (f"\nDetails for IT: {where}" if where else ""), f"{TITLE}: {label}", "critical")
    return None


# ---------------------------------------------------------------- what the selection means

def _ids(frame: pd.DataFrame, column: str) -> list[str]:
    out = []
    for v in frame[column].astype(str).str.strip():
        if v and v not in out:
            out.append(v)
    return out


def selected_invoices(xw_book, book: Book, what: str) -> tuple[str, list[str]]:
    """(customer, invoice ids) of the selected Invoices or Aging rows; one customer only."""
    name, rows = live.selected_rows(xw_book, book, ["Invoices", "Aging"])
    if not name:
        raise ArXlError(f"{what}: select the invoice rows on the Invoices or Aging sheet first, then click again.")
    ids = _ids(rows, "invoice_id") if len(rows) else []
    if not ids:
        raise ArXlError(f"{what}: the selection on the {name} sheet holds no invoice rows; "
                        "select the rows of the invoices, then click again.")
    customers = _ids(rows, "customer_id")
    if len(customers) != 1:
        raise ArXlError(f"{what}: the selected invoices belong to {len(customers)} customers "
                        f"({', '.join(customers[:5])}); select invoices of one customer.")
    return customers[0], ids


def selected_customer(xw_book, book: Book, what: str) -> str:
    tables = [n for n in ("Customers", "Invoices", "Aging", "Worklist", "Payments", "Matches", "Plans", "Promises",
                          "Disputes", "Activities", "Reminders", "WriteOffs") if n in getattr(book, "places", {})]
    name, rows = live.selected_rows(xw_book, book, tables)
    col = "customer_id"
    if not name or not len(rows) or col not in rows.columns:
        raise ArXlError(f"{what}: select a row of the customer (on Customers, Invoices, Aging...) first, "
                        "then click again.")
    customers = _ids(rows, col)
    if len(customers) != 1:
        raise ArXlError(f"{what}: the selection covers {len(customers)} customers; select rows of one customer.")
    return customers[0]


def _open_invoices_of(book: Book, customer: str) -> list[str]:
    inv = book.get("Invoices")
    mine = inv[(inv["customer_id"].astype(str).str.strip() == customer) & (inv["open_amount"] > 0)]
    return list(mine["invoice_id"].astype(str))


# ---------------------------------------------------------------- the entry points

def _module(name: str):
    return importlib.import_module(f"ar_xl.{name}")


def _as_of(xw_book):
    return Parameters.read(xw_book).date("as_of")


_YES = ("yes", "y", "ja", "oui", "true", "1")
"""What a yes/no cell of the Parameters sheet reads as yes."""


def _confirm_fx(xw_book) -> bool:
    """Parameters fx.confirm says yes: the collector confirmed FX rates that jumped (``fxrates``)."""
    return str(Parameters.read(xw_book).text("fx.confirm") or "").strip().lower() in _YES


def import_statement(files: str | list[str] | None = None, book=None):
    """Import bank statements into Payments (files from the button's file dialog or Parameters import.files)."""
    def compute(b: Book, xw_book) -> Change:
        chosen = files
        if not chosen:
            chosen = Parameters.read(xw_book).text("import.files")
        if not chosen:
            raise ArXlError("Import statement: no file chosen. Click the button and pick the statement file(s)"
                            " (or fill import.files on the Parameters sheet).")
        paths = chosen if isinstance(chosen, list) else [p.strip() for p in chosen.replace("|", ";").split(";")
                                                         if p.strip()]
        accept = str(Parameters.read(xw_book).text("import.accept_unbalanced") or "").strip().lower() in _YES
        return _module("actions.import_statements").run(b, paths, accept_unbalanced=accept)
    return run("import_statement", "Import statement", compute, book)


def load_open_items(files: str | list[str] | None = None, book=None):
    """Sync the ERP's open-items export (and a customers export) into the workbook (``ar-xl sync``).

    ``files`` is what the button's file dialogs return: the open-items file, then optionally the
    customers file, separated by ``|``; without it Parameters sync.invoices / sync.customers."""
    def compute(b: Book, xw_book) -> Change:
        chosen = files
        if isinstance(chosen, str):
            chosen = [p.strip() for p in chosen.split("|")]
        chosen = [p for p in (chosen or []) if p]
        if not chosen:
            p = Parameters.read(xw_book)
            chosen = [x for x in (p.text("sync.invoices"), p.text("sync.customers")) if x]
        if not chosen:
            raise ArXlError("Load open items: no file chosen. Click the button and pick the ERP's open-items "
                            "export (or fill sync.invoices on the Parameters sheet).")
        return _module("actions.sync").run(b, chosen[0], chosen[1] if len(chosen) > 1 else None, as_of=_as_of(xw_book))
    return run("load_open_items", "Load open items", compute, book)


def match_payments(book=None):
    """Apply the decided Matches rows, then match every payment with money left."""
    return run("match_payments", "Match payments", lambda b, _: _module("actions.match").run(b), book)


def apply_decisions(book=None):
    """Apply the Matches rows set to Confirm, reverse the applied ones set to Reject."""
    return run("apply_decisions", "Apply decisions", lambda b, _: _module("actions.match").apply_decisions(b), book)


def refresh_aging(book=None):
    """Rewrite the Aging table from Invoices (as of Parameters as_of, default today)."""
    return run("refresh_aging", "Refresh aging",
               lambda b, xb: _module("actions.refresh").run(b, _as_of(xb), confirm_fx=_confirm_fx(xb)), book)


def new_plan(book=None):
    """A payment plan for the selected invoices (or all open invoices of the selected customer)."""
    what = "New payment plan"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        name, rows = live.selected_rows(xw_book, b, ["Customers"])
        if name:
            customer = selected_customer(xw_book, b, what)
            ids = _open_invoices_of(b, customer)
            if not ids:
                raise ArXlError(f"{what}: customer {customer} has no open invoices.")
        else:
            customer, ids = selected_invoices(xw_book, b, what)
        return _module("actions.plan").create_plan(
            b, customer, ids, p.whole("plan.installments", 3), p.date("plan.first_due", required=True),
            frequency=p.text("plan.frequency", default="monthly"), annual_rate=p.rate("plan.annual_rate"),
            interest=p.text("plan.interest", default="none"), down_payment_cents=p.cents("plan.down_payment") or 0,
            note=p.text("plan.note", default="") or "")
    return run("new_plan", what, compute, book)


def log_dispute(book=None):
    """A dispute on the selected invoices, with the reason from the Parameters sheet."""
    what = "Log dispute"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        customer, ids = selected_invoices(xw_book, b, what)
        return _module("actions.dispute").add_dispute(
            b, customer, ids, p.text("dispute.reason", required=True), amount_cents=p.cents("dispute.amount"),
            owner=p.text("dispute.owner"), note=p.text("dispute.note", default="") or "")
    return run("log_dispute", what, compute, book)


def log_contact(book=None):
    """A contact with the selected customer, channel and outcome from the Parameters sheet."""
    what = "Log contact"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        customer = selected_customer(xw_book, b, what)
        return _module("actions.activity").log_activity(
            b, customer, p.text("contact.channel", default="call"), p.text("contact.outcome", required=True),
            next_action_date=p.date("contact.next_action_date"), note=p.text("contact.note", default="") or "")
    return run("log_contact", what, compute, book)


def promise_to_pay(book=None):
    """A promise to pay for the selected invoices (amount defaults to their open amount)."""
    what = "Promise to pay"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        customer, ids = selected_invoices(xw_book, b, what)
        amount = p.cents("promise.amount")
        if amount is None:
            inv = b.get("Invoices")
            mine = inv[inv["invoice_id"].astype(str).isin(ids)]
            amount = int(mine["open_amount"].sum())
        return _module("actions.promise").log_promise(
            b, customer, int(amount), p.date("promise.date", required=True), invoice_ids=ids,
            note=p.text("promise.note", default="") or "")
    return run("promise_to_pay", what, compute, book)


def check_promises(book=None):
    """Mark every promise kept, partly kept or broken from the money received."""
    return run("check_promises", "Check promises",
               lambda b, xb: _module("actions.promise").check_promises(b, _as_of(xb)), book)


def update_plans(book=None):
    """Apply the payments received to every live plan's installments."""
    return run("update_plans", "Update plans",
               lambda b, xb: _module("actions.plan").update_plans(b, _as_of(xb)), book)


def my_worklist(book=None):
    """Rewrite the Worklist table for the collector at the keyboard (Config ``user.<login>``) and show it."""
    def compute(b: Book, xw_book) -> Change:
        wl = _module("actions.worklist")
        return wl.run(b, _as_of(xw_book), wl.collector_for_user(b))

    return run("my_worklist", "My worklist", compute, book, after=_show_sheet("Worklist"))


def _folder_beside(xw_book, name: str) -> Path:
    """A folder ``name`` beside the workbook (the temp folder when the workbook has no folder), created."""
    folder = _home(xw_book) / name
    folder.mkdir(exist_ok=True)
    return folder


def reminders(book=None):
    """Reminder letters and e-mail drafts (``actions.remind``) for the customers of the selected rows (on
    Customers, Invoices or Aging), or for every customer that is due when the selection is elsewhere; the
    files go to Parameters reminders.folder (empty: an ar-xl-reminders folder beside the workbook)."""
    what = "Reminders"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        name, rows = live.selected_rows(xw_book, b, ["Customers", "Invoices", "Aging"])
        customers = _ids(rows, "customer_id") if name and len(rows) else None
        folder = p.text("reminders.folder") or str(_folder_beside(xw_book, "ar-xl-reminders"))
        level = p.whole("reminders.level", 0) or None
        change = _module("actions.remind").remind(b, _as_of(xw_book), customers, level, folder)
        _module("workbook.documents").write_documents(change.documents)
        return change
    return run("reminders", what, compute, book)


def write_off(book=None):
    """Apply the Confirm/Reject typed in WriteOffs, then propose a write-off of the selected Invoices or Aging
    rows (reason and amount from the Parameters sheet); ``actions.writeoff``."""
    what = "Write off"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        name, rows = live.selected_rows(xw_book, b, ["Invoices", "Aging"])
        ids = _ids(rows, "invoice_id") if name and len(rows) else []
        folder = p.text("writeoff.journal_folder") or str(_home(xw_book) / "ar-xl-journal")
        if not ids:
            return _module("actions.writeoff").run(b, journal_dir=folder)
        return _module("actions.writeoff").run(
            b, ids, p.cents("writeoff.amount"), p.text("writeoff.reason", required=True), journal_dir=folder,
            note=p.text("writeoff.note", default="") or "")
    return run("write_off", what, compute, book, after=_show_sheet("WriteOffs"))


def hand_over(book=None):
    """Hand the selected invoices (Invoices or Aging rows of one customer), or every open invoice of the selected
    customer (a Customers row), over to Parameters handover.to (``actions.handover``): they go in legal, and the
    pack (ZIP) is written to handover.folder (empty: an ar-xl-handovers folder beside the workbook)."""
    what = "Hand over"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        to = p.text("handover.to", required=True)
        name, _ = live.selected_rows(xw_book, b, ["Customers"])
        if name:
            customer, ids = selected_customer(xw_book, b, what), None
        else:
            customer, ids = selected_invoices(xw_book, b, what)
        folder = Path(p.text("handover.folder") or _folder_beside(xw_book, "ar-xl-handovers"))
        if not folder.is_dir():
            raise ArXlError(f"{what}: the folder {folder} (Parameters handover.folder) does not exist; create it first.")
        action = _module("actions.handover")
        day = _as_of(xw_book) or clock.today()
        change = action.handover(b, customer, to, ids, day, user=None, note=p.text("handover.note", default="") or "",
                                 base_dir=_home(xw_book), out=folder / action.pack_name(
                                     action.next_handover_id(b), customer, day))
        _module("workbook.documents").write_documents(change.documents, what="handover pack")
        return change
    return run("hand_over", what, compute, book, after=_show_sheet("Handovers"))


def record_recovery(book=None):
    """Record on the selected Handovers row what the agency reported back: Parameters handover.recovered,
    handover.costs and handover.payment (its bank transfer), on the as_of date (``actions.handover.record``)."""
    what = "Record recovery"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        name, rows = live.selected_rows(xw_book, b, ["Handovers"])
        ids = _ids(rows, "handover_id") if name and len(rows) else []
        if len(ids) != 1:
            raise ArXlError(f"{what}: select the row of one handover on the Handovers sheet first, then click again.")
        recovered, costs = p.cents("handover.recovered"), p.cents("handover.costs")
        payment = p.text("handover.payment")
        if recovered is None and costs is None and not payment:
            raise ArXlError(f"{what}: {p._where('handover.recovered')} is empty: {_help('handover.recovered')}")
        return _module("actions.handover").record(b, ids[0], recovered or 0, costs or 0, _as_of(xw_book),
                                                  payment_id=payment or None)
    return run("record_recovery", what, compute, book)


def statement(book=None):
    """The statement of account (``actions.statement``) of the customer of the selected row (Customers,
    Invoices, Aging...), as Parameters statement.format (pdf or xlsx) in statement.folder (empty: an
    ar-xl-statements folder beside the workbook); logged in Activities."""
    what = "Statement"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        customer = selected_customer(xw_book, b, what)
        fmt = (p.text("statement.format") or "pdf").strip().lower().lstrip(".")
        if fmt not in ("pdf", "xlsx"):
            raise ArXlError(f"{what}: Parameters statement.format must be pdf or xlsx, not {fmt!r}.")
        folder = Path(p.text("statement.folder") or _folder_beside(xw_book, "ar-xl-statements"))
        if not folder.is_dir():
            raise ArXlError(f"{what}: the folder {folder} (Parameters statement.folder) does not exist; create it first.")
        day = _as_of(xw_book) or clock.today()
        action = _module("actions.statement")
        name = _module("letters.statement").file_name(customer, day, f".{fmt}")
        change = action.statement(b, customer, day, folder / name)
        _module("workbook.documents").write_documents(change.documents, force=True, what="statement")
        return change
    return run("statement", what, compute, book)


def customer_view(book=None):
    """Everything about the customer of the selected row (Customers, Invoices, Aging, Worklist...) on the
    CustomerView sheet (``actions.customer_view``, ``customer_view_sheet.write_live``), as of Parameters
    as_of; the sheet is replaced whole and shown.  Clicked on the CustomerView sheet itself, it refreshes
    the view of the customer it shows."""
    what = "Customer view"

    def compute(b: Book, xw_book) -> Change:
        sheet, _ = live.selection(xw_book)
        view_sheet = _module("workbook.customer_view_sheet")
        if sheet.lower() == view_sheet.SHEET.lower():  # on the view itself: refresh it for its customer
            customer = str(_find_sheet(xw_book, sheet).range(view_sheet.ID_CELL).value or "").strip()
            if not customer:
                raise ArXlError(f"{what}: the {sheet} sheet names no customer in {view_sheet.ID_CELL}; select a "
                                "row of the customer on Customers, Invoices, Aging... and click again.")
        else:
            customer = selected_customer(xw_book, b, what)
        return _module("actions.customer_view").run(b, customer, _as_of(xw_book) or clock.today())

    def after(xw_book, change) -> None:
        _module("workbook.customer_view_sheet").write_live(xw_book, change.view)
    return run("customer_view", what, compute, book, after=after)


def refresh_dashboard(book=None):
    """Refresh Aging, rewrite the Dashboard's KPI block and the ranges its charts plot, then refresh every
    PivotTable of the workbook (``dashboard_sheet.write_live``, ``actions.dashboard.refresh_live``)."""
    dashboard = _module("actions.dashboard")
    sheet = _module("workbook.dashboard_sheet")

    def after(xw_book, change) -> None:
        with sheet.lifted_dashboard(xw_book):  # both sheets are protected (no password) against typing
            notes = sheet.write_live(xw_book, change)
            dashboard.refresh_live(xw_book)
        if notes:
            change.summary = "\n".join([change.summary or "Refresh dashboard: done.", *notes])
    return run("refresh_dashboard", "Refresh dashboard",
               lambda b, xb: dashboard.run(b, _as_of(xb), confirm_fx=_confirm_fx(xb)), book,
               after=after)


def credit_holds(book=None):
    """Write each customer's exposure and proposed credit status on Customers (``actions.credit``) and show it;
    a person confirms or releases a hold in Customers.credit_hold, and the next click logs it in Audit."""
    return run("credit_holds", "Credit holds", lambda b, xb: _module("actions.credit").run(b, _as_of(xb)), book,
               after=_show_sheet("Customers"))


def cash_forecast(book=None):
    """Rewrite the Forecast table, the collections expected per ISO week and currency (``actions.forecast``;
    Parameters forecast.weeks, as_of, fx.confirm), and show it."""
    def compute(b: Book, xw_book) -> Change:
        weeks = Parameters.read(xw_book).whole("forecast.weeks", 13)
        return _module("actions.forecast").run(b, _as_of(xw_book), weeks, confirm_fx=_confirm_fx(xw_book))
    return run("cash_forecast", "Cash forecast", compute, book, after=_show_sheet("Forecast"))


def archive_audit(book=None):
    """Move the oldest Audit rows to CSV files beside the saved workbook (``actions.audit_archive``; Parameters
    audit.keep) and show Audit (``side_files.written_first`` refuses a workbook with no file).  The file keeps the
    rows until the workbook is saved; a row in both counts once."""
    def compute(b: Book, xw_book) -> Change:
        archive = _module("actions.audit_archive")
        return archive.run(b, Parameters.read(xw_book).whole("audit.keep", archive.KEEP))
    return run("archive_audit", "Archive Audit", compute, book, after=_show_sheet("Audit"))


def credits_view(book=None):
    """Rewrite the Credits table, every credit note and payment with unapplied cash with what it could be set
    against (``actions.credits``), and show it."""
    return run("credits_view", "Credits", lambda b, xb: _module("actions.credits").run(b, _as_of(xb)), book,
               after=_show_sheet("Credits"))


def propose_refund(book=None):
    """Propose a refund of the credit of the selected Credits row (Parameters refund.amount, empty = all it has
    available) to the customer's IBAN; ``actions.credits.propose_refund``."""
    what = "Propose refund"

    def compute(b: Book, xw_book) -> Change:
        name, rows = live.selected_rows(xw_book, b, ["Credits"])
        ids = _ids(rows, "source_id") if name and len(rows) else []
        if len(ids) != 1:
            raise ArXlError(f"{what}: select one row of the Credits sheet (click Credits first), then click "
                            f"{what}; {len(ids) or 'no'} credit(s) are selected. Nothing was changed.")
        p = Parameters.read(xw_book)
        return _module("actions.credits").propose_refund(b, ids[0], p.cents("refund.amount"), _as_of(xw_book))
    return run("propose_refund", what, compute, book, after=_show_sheet("Refunds"))


def export_refunds(book=None):
    """Export every proposed EUR refund as a SEPA credit-transfer file (pain.001) in Parameters refunds.folder
    (empty: an ar-xl-refunds folder beside the workbook); ``actions.credits.export_refunds``."""
    what = "Export refunds"

    def compute(b: Book, xw_book) -> Change:
        p = Parameters.read(xw_book)
        folder = Path(p.text("refunds.folder") or _folder_beside(xw_book, "ar-xl-refunds"))
        if not folder.is_dir():
            raise ArXlError(f"{what}: the folder {folder} (Parameters refunds.folder) does not exist; create it first.")
        day = _as_of(xw_book) or clock.today()
        out = folder / f"refunds_{clock.now():%Y-%m-%d_%H%M%S}.xml"
        change = _module("actions.credits").export_refunds(b, out, None, day, p.date("refunds.execution_date"))
        _module("workbook.documents").write_documents(change.documents, what="SEPA file")
        return change
    return run("export_refunds", what, compute, book, after=_show_sheet("Refunds"))


def ask_remittance(book=None):
    """An e-mail draft (.eml) in the customer's language for each payment of the selected rows (Matches, Payments
    or Credits) asking which invoices it pays, in Parameters remittance.folder (empty: an
    ar-xl-remittance-requests folder beside the workbook), each logged in Activities (``actions.credits.ask``).
    The draft of an earlier request for the same payment is replaced (Activities keeps each request)."""
    what = "Ask remittance"

    def compute(b: Book, xw_book) -> Change:
        name, rows = live.selected_rows(xw_book, b, ["Matches", "Payments", "Credits"])
        ids = _ids(rows, "source_id" if name == "Credits" else "payment_id") if name and len(rows) else []
        if not ids:
            raise ArXlError(f"{what}: select the rows of the payments on the Matches, Payments or Credits sheet, "
                            f"then click {what}. Nothing was changed.")
        p = Parameters.read(xw_book)
        folder = Path(p.text("remittance.folder") or _folder_beside(xw_book, "ar-xl-remittance-requests"))
        if not folder.is_dir():
            raise ArXlError(f"{what}: the folder {folder} (Parameters remittance.folder) does not exist; create it "
                            "first.")
        change = _module("actions.credits").ask(b, ids, folder, _as_of(xw_book))
        _module("workbook.documents").write_documents(change.documents, force=True, what="e-mail draft")
        return change
    return run("ask_remittance", what, compute, book, after=_show_sheet("Activities"))


def parameters(book=None):
    """Show the Parameters sheet, creating it (or its missing rows) first."""
    xw_book = _caller(book)
    ui = Ui(xw_book)
    try:
        sheet, added = ensure_parameters(xw_book)
        sheet.activate()
        if added:
            ui.alert(f"The {PARAMETERS_SHEET} sheet now lists {added} parameter(s). Type the values a button "
                     "needs in the value column, then click the button.", f"{TITLE}: Parameters", "info")
    except Exception as e:
        where = _log_failure("parameters")
        ui.alert(f"Could not prepare the {PARAMETERS_SHEET} sheet: {e}" + (f"\nDetails for IT: {where}" if where else ""),
                 f"{TITLE}: Parameters", "critical")
    return None


ENTRY_POINTS: dict[str, tuple[Callable, str | None]] = {
    "import_statement": (import_statement, "actions.import_statements"),
    "load_open_items": (load_open_items, "actions.sync"),
    "match_payments": (match_payments, "actions.match"),
    "apply_decisions": (apply_decisions, "actions.match"),
    "refresh_aging": (refresh_aging, "actions.refresh"),
    "new_plan": (new_plan, "actions.plan"),
    "log_dispute": (log_dispute, "actions.dispute"),
    "log_contact": (log_contact, "actions.activity"),
    "promise_to_pay": (promise_to_pay, "actions.promise"),
    "check_promises": (check_promises, "actions.promise"),
    "update_plans": (update_plans, "actions.plan"),
    "my_worklist": (my_worklist, "actions.worklist"),
    "reminders": (reminders, "actions.remind"),
    "write_off": (write_off, "actions.writeoff"),
    "hand_over": (hand_over, "actions.handover"),
    "record_recovery": (record_recovery, "actions.handover"),
    "statement": (statement, "actions.statement"),
    "customer_view": (customer_view, "actions.customer_view"),
    "refresh_dashboard": (refresh_dashboard, "actions.dashboard"),
    "credit_holds": (credit_holds, "actions.credit"),
    "cash_forecast": (cash_forecast, "actions.forecast"),
    "credits_view": (credits_view, "actions.credits"),
    "propose_refund": (propose_refund, "actions.credits"),
    "export_refunds": (export_refunds, "actions.credits"),
    "ask_remittance": (ask_remittance, "actions.credits"),
    "archive_audit": (archive_audit, "actions.audit_archive"),
    "parameters": (parameters, None),
}
"""Ribbon tag -> (entry point, the ar_xl module its action lives in)."""


def available() -> set[str]:
    """Tags whose action module is installed (the others are built as disabled buttons)."""
    out = set()
    for tag, (_, module) in ENTRY_POINTS.items():
        if module is None or importlib.util.find_spec(f"ar_xl.{module}") is not None:
            out.add(tag)
    return out


def dispatch(tag: str, argument: str = "", book=None):
    """Run the entry point of a ribbon button's tag (what the add-in's VBA calls)."""
    tag = str(tag or "").strip()
    entry = ENTRY_POINTS.get(tag)
    if entry is None or tag not in available():
        xw_book = _caller(book)
        Ui(xw_book).alert(f"The button {tag!r} has no action in this ar-xl installation "
                          f"(ar-xl {__import__('ar_xl').__version__}); ask IT to update ar-xl.", TITLE, "critical")
        return None
    fn = entry[0]
    if tag in ("import_statement", "load_open_items"):
        return fn(argument or None, book=book)
    return fn(book=book)

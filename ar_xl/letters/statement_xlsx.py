"""The statement of account as an XLSX workbook (openpyxl), in the customer's language.

One sheet: the letterhead and customer, the as-of date (a date cell), then per currency the lines
(dates as date cells, amounts as numbers with a ``#,##0.00`` number format, days overdue as whole
numbers, an empty cell for an item not yet due as in the PDF (``letters.statement.days_late``), the
running balance) and the totals, then the aging summary.  Amounts are the exact cents divided by 100
(a float holds every amount of fewer than 16 digits exactly to the cent).
The headings are ``letters.statement.LABELS``; the title is the PDF's subject.
"""
from __future__ import annotations

import io

import pandas as pd

from . import statement as letter

AMOUNT = "#,##0.00;-#,##0.00"
DATE = "yyyy-mm-dd"


def _amount(cents) -> float:
    return int(cents) / 100


def xlsx(stmt, customer_name: str, lang: str, dunning) -> bytes:
    """The statement as XLSX bytes (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    lab = letter.labels(lang)
    subject, _, _ = letter.texts(stmt, customer_name, lang, dunning)
    wb = Workbook()
    ws = wb.active
    ws.title = "Statement"
    bold = Font(bold=True)
    ws.append([dunning.company.get("name", "")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([subject])
    ws["A2"].font = bold
    ws.append([customer_name])
    ws.append([lab["customer"], stmt.customer_id])
    ws.append([lab["head"][2], stmt.as_of])
    ws.cell(ws.max_row, 2).number_format = DATE
    for k in ("iban", "bic"):
        if dunning.company.get(k):
            ws.append([k.upper(), dunning.company[k]])
    for cur in stmt.currencies:
        ws.append([])
        ws.append([lab["currency"].format(cur=cur)])
        ws.cell(ws.max_row, 1).font = bold
        ws.append(list(lab["head"]))
        for c in ws[ws.max_row]:
            c.font = bold
            c.alignment = Alignment(wrap_text=True)
        for r in stmt.lines[stmt.lines["currency"] == cur].itertuples(index=False):
            ws.append([lab["kind"][r.kind], r.document,
                       None if pd.isna(r.date) else pd.Timestamp(r.date).date(),
                       None if pd.isna(r.due_date) else pd.Timestamp(r.due_date).date(),
                       letter.days_late(r.days_overdue),
                       _amount(r.amount), _amount(r.open_amount), _amount(r.balance),
                       letter.reference(r, lang) or None])
            row = ws[ws.max_row]
            for j in (2, 3):
                row[j].number_format = DATE
            row[4].number_format = "0"
            for j in (5, 6, 7):
                row[j].number_format = AMOUNT
        t = stmt.totals[stmt.totals["currency"] == cur].iloc[0]
        for key in ("invoices", "credits", "balance", "overdue"):
            ws.append([None] * 6 + [lab[key], _amount(t[key])])
            ws.cell(ws.max_row, 8).number_format = AMOUNT
            if key == "balance":
                ws.cell(ws.max_row, 7).font = ws.cell(ws.max_row, 8).font = bold
    ws.append([])
    ws.append([lab["aging"]])
    ws.cell(ws.max_row, 1).font = bold
    ws.append(["", *(letter.bucket_title(b, lang) for b in stmt.buckets), lab["credits_col"], lab["balance"]])
    for c in ws[ws.max_row]:
        c.font = bold
    for a in stmt.aging.itertuples(index=False):
        vals = list(a)
        ws.append([vals[0], *(_amount(v) for v in vals[1:])])
        for c in ws[ws.max_row][1:]:
            c.number_format = AMOUNT
    for col, width in zip("ABCDEFGHI", (24, 16, 12, 12, 10, 14, 14, 14, 24)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

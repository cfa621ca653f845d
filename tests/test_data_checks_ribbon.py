"""The ribbon shows the same warnings as the command (issue 10, part 4), after the summary."""
from __future__ import annotations

import pytest

from ar_xl.excel import macros
from helpers import seeded
from test_macros import click, _ok, _remote_engine  # noqa: F401  (the remote engine fixture)

INVOICE_COLS = ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
                "open_amount"]


def test_refresh_aging_shows_the_odd_rows_after_its_summary(tmp_path):
    path = seeded(tmp_path / "team.xlsx", Invoices=([
        ("2026-0001", "C1", "Bakker", "2026-08-01", "2026-08-31", "EUR", "100.00", "150.00"),
        ("2026-0002", "C1", "Bakker", "2026-10-01", "2026-09-30", "EUR", "300.00", "300.00"),
    ], INVOICE_COLS))
    _, alerts, _ = click(path, "refresh_aging")
    prompt = _ok(alerts)
    assert prompt.startswith("aged 2 open items")
    assert "\n\nWarnings:\n" in prompt
    assert "row 2: invoice 2026-0001: open amount 150.00 is larger than the amount 100.00" in prompt
    assert "invoice 2026-0002: due date 2026-09-30 is before the invoice date 2026-10-01" in prompt

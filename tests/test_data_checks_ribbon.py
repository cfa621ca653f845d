"""The ribbon shows the same warnings as the command (issue 10, part 4), after the summary."""
from __future__ import annotations


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


def test_a_jumped_fx_rate_stops_the_button_until_fx_confirm_says_yes(tmp_path):
    from test_macros import _critical, _set_parameters
    from test_fx_rates import ROWS, set_config
    path = seeded(tmp_path / "team.xlsx", Invoices=(ROWS, INVOICE_COLS))
    assert "1 GBP = 1.165 EUR" in _ok(click(path, "refresh_aging")[1])
    set_config(path, "fx.GBP", "23.3")
    prompt = _critical(click(path, "refresh_aging")[1])
    assert "fx.GBP is 23.3 EUR per GBP, 20 times the 1.165" in prompt and "fx.confirm" in prompt
    _set_parameters(path, {"fx.confirm": "yes"})
    assert "1 GBP = 23.3 EUR" in _ok(click(path, "refresh_aging")[1])

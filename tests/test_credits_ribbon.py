"""The ribbon's Credits, Propose refund, Export refunds and Ask remittance buttons on xlwings' remote engine (as
test_macros)."""
from __future__ import annotations

import pytest
from lxml import etree

from helpers import row
from test_credits import OUR_IBAN, PAYMENTS, _config, _workbook, _xsd, wb  # noqa: F401  (the fixture)
from test_macros import _critical, _ok, _remote_engine, _row_of, _set_parameters, click  # noqa: F401


def test_credits_button_writes_the_view_then_a_refund_is_proposed_and_exported(wb, tmp_path):  # noqa: F811
    _set_parameters(wb, {"as_of": "2026-11-15"})
    _, alerts, book = click(wb, "credits_view", sheet="Config")
    assert "credits at 2026-11-15: 3 credit(s) of 3 customer(s)" in _ok(alerts)
    assert sorted(book.get("Credits")["source_id"]) == ["BNK-1", "CN-1", "CN-3"]
    # select BNK-1's row on the Credits sheet and propose 120.00 of it
    r = _row_of(wb, "Credits", "source_id", "BNK-1")
    _set_parameters(wb, {"refund.amount": 120})
    _, alerts, book = click(wb, "propose_refund", sheet="Credits", selection=f"A{r}")
    assert "proposed refund RF-000001: EUR 120.00 of unapplied cash BNK-1" in _ok(alerts)
    ref = row(book.get("Refunds"), refund_id="RF-000001")
    assert (int(ref["amount"]), ref["iban"], ref["status"]) == (12000, "DE89370400440532013000", "proposed")
    assert int(row(book.get("Credits"), source_id="BNK-1")["available"]) == 38000
    out = tmp_path / "bank"
    out.mkdir()
    _set_parameters(wb, {"refunds.folder": str(out)})
    _, alerts, book = click(wb, "export_refunds", sheet="Config")
    assert "exported 1 refund(s), EUR 120.00" in _ok(alerts)
    [xml] = list(out.iterdir())
    doc = etree.parse(str(xml))
    _xsd().assertValid(doc)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "120.00"
    assert doc.findtext(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == "DE89370400440532013000"
    assert row(book.get("Refunds"), refund_id="RF-000001")["status"] == "exported"
    assert int(row(book.get("Payments"), payment_id="BNK-1")["unapplied_amount"]) == 38000


def test_propose_refund_without_a_credits_row_selected_says_what_to_do(wb):  # noqa: F811
    _, alerts, book = click(wb, "propose_refund", sheet="Invoices", selection="A2")
    assert "select one row of the Credits sheet" in _critical(alerts)
    assert len(book.get("Refunds")) == 0


def test_export_refunds_with_nothing_proposed_says_so(wb, tmp_path):  # noqa: F811
    _set_parameters(wb, {"refunds.folder": str(tmp_path)})
    _, alerts, book = click(wb, "export_refunds", sheet="Config")
    assert "no proposed EUR refund to export" in _critical(alerts)
    assert list(tmp_path.glob("*.xml")) == []


def test_ask_remittance_writes_a_draft_for_the_selected_payment_and_logs_it(wb, tmp_path):  # noqa: F811
    import email
    from email.policy import default as default_policy
    out = tmp_path / "drafts"
    out.mkdir()
    _set_parameters(wb, {"as_of": "2026-11-15", "remittance.folder": str(out)})
    r = _row_of(wb, "Payments", "payment_id", "BNK-1")
    for times in (1, 2):  # asked again a week later: the draft is replaced, each request logged
        _, alerts, book = click(wb, "ask_remittance", sheet="Payments", selection=f"A{r}")
        assert "asked for remittance details of payment BNK-1: EUR 500.00 received 2026-11-02" in _ok(alerts)
        [eml] = list(out.iterdir())
        msg = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
        assert (msg["To"], msg["Content-Language"], msg["X-Unsent"]) == ("buchhaltung@kuehn.de", "de", "1")
        assert "- 2026-0003 vom 1. Oktober 2026, fällig am 31. Oktober 2026: 999,99\xa0€" in msg.get_content()
        asked = book.get("Activities")
        asked = asked[asked["outcome"].str.startswith("asked for remittance details of payment BNK-1")]
        assert len(asked) == times and set(asked["customer_id"]) == {"C2"} and set(asked["channel"]) == {"email"}


def test_ask_remittance_without_a_payment_selected_says_what_to_do(wb, tmp_path):  # noqa: F811
    _set_parameters(wb, {"remittance.folder": str(tmp_path)})
    _, alerts, book = click(wb, "ask_remittance", sheet="Invoices", selection="A2")
    assert "select the rows of the payments on the Matches, Payments or Credits sheet" in _critical(alerts)
    assert len(book.get("Activities")) == 0 and list(tmp_path.glob("*.eml")) == []


def test_ask_remittance_for_several_selected_payments(tmp_path):
    path = _workbook(tmp_path, PAYMENTS + [
        ("BNK-2", "2026-11-04", "410.00", "EUR", "BAKKER LOGISTIEK", "NL91ABNA0417164300", "betaling"),
        ("BNK-3", "2026-11-05", "75.00", "EUR", "J. JANSEN", "NL02RABO0123456789", "")])
    out = tmp_path / "drafts"
    out.mkdir()
    _set_parameters(path, {"as_of": "2026-11-15", "remittance.folder": str(out)})
    first, last = _row_of(path, "Payments", "payment_id", "BNK-1"), _row_of(path, "Payments", "payment_id", "BNK-3")
    _, alerts, book = click(path, "ask_remittance", sheet="Payments", selection=f"A{first}:C{last}")
    said = _ok(alerts)
    assert "asked for remittance details of 2 payment(s) (BNK-1, BNK-2)" in said and "not asked: BNK-3" in said
    assert sorted(p.name for p in out.iterdir()) == ["remittance_BNK-1_C2.eml", "remittance_BNK-2_C1.eml"]
    assert list(book.get("Activities")["customer_id"]) == ["C2", "C1"]


@pytest.mark.parametrize("first,sheet,column", [
    ("credits_view", "Credits", "source_id"),
    # BNK-1 (500.00, no reference) fits none of C2's items: Match payments leaves a row of it for review
    ("match_payments", "Matches", "payment_id"),
])
def test_ask_remittance_from_the_payments_row_on_credits_or_matches(wb, tmp_path, first, sheet, column):  # noqa: F811
    _set_parameters(wb, {"as_of": "2026-11-15", "remittance.folder": str(tmp_path)})
    click(wb, first, sheet="Config")
    r = _row_of(wb, sheet, column, "BNK-1")
    _, alerts, book = click(wb, "ask_remittance", sheet=sheet, selection=f"B{r}")
    assert "asked for remittance details of payment BNK-1" in _ok(alerts)
    assert [p.name for p in tmp_path.glob("*.eml")] == ["remittance_BNK-1_C2.eml"]
    # the Credits sheet shows the day of the request on the payment's row (the Activities row names it)
    [at] = book.get("Activities")["at"]
    assert book.get("Activities")["payment_id"].tolist() == ["BNK-1"]
    cr = book.get("Credits")
    assert cr.loc[cr["source_id"] == "BNK-1", "remittance_asked"].tolist() == [at.normalize()]

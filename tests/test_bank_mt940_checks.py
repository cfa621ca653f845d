"""MT940 checks (issue 10 §3): a statement without its closing balance is refused, balances
must reconcile with the entries, and every bad line is reported with its line number."""
import pytest

from ar_xl.bank import Mt940Importer, extract_file, extract_report
from ar_xl.errors import InputError
from helpers import shared_data

MT940 = shared_data() / "statements" / "mt940"
PAY = ":61:2611201120C300,00NTRFNONREF//B1\n:86:/NAME/Bakker B.V./REMI/Invoice 2026-0002\n"


def statement(lines, opening="C261119EUR1000,00", closing="C261120EUR1300,00"):
    text = f":20:STMT1\n:25:NL20INGB0001234567\n:28C:00001/001\n:60F:{opening}\n{lines}"
    if closing is not None:
        text += f":62F:{closing}\n-\n"
    return text


def write(tmp_path, text, name="statement.sta"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def refusal(path) -> str:
    with pytest.raises(InputError) as e:
        extract_file(path)
    return str(e.value)


def test_cut_off_without_closing_balance_is_refused(tmp_path):
    msg = refusal(write(tmp_path, statement(":61:2611201120C300,00NTRFNONREF//B1\n:86:/NAME/A", closing=None)))
    assert "statement.sta" in msg and ":62F:" in msg and "STMT1" in msg


def test_second_statement_cut_off_is_refused(tmp_path):
    text = statement(PAY) + ":20:STMT2\n:25:NL20INGB0001234567\n:28C:2\n:60F:C261120EUR1300,00\n" + PAY
    msg = refusal(write(tmp_path, text))
    assert "STMT2" in msg and "line 9" in msg and ":62F:" in msg


def test_balances_that_do_not_reconcile_are_refused(tmp_path):
    debit = ":61:2611201120D50,00NTRFNONREF//B2\n:86:fee\n"
    msg = refusal(write(tmp_path, statement(PAY + debit, closing="C261120EUR1900,00")))
    assert "balance" in msg and "1,000.00" in msg and "250.00" in msg and "1,900.00" in msg and "line 9" in msg


def test_balances_that_reconcile_with_debit_reversal_and_negative_opening(tmp_path):
    lines = PAY + ":61:2611201120D50,00NTRFNONREF//B2\n:86:fee\n:61:2611201120RD20,00NTRFNONREF//B3\n:86:back\n"
    rep = extract_report(write(tmp_path, statement(lines, opening="D261119EUR100,00", closing="C261120EUR170,00")))
    assert rep.frame["amount"].tolist() == [30000]
    assert [(s.reason, s.line) for s in rep.skipped] == [("debit", 7), ("reversal", 9)]


def test_intermediate_balances_reconcile_too(tmp_path):
    text = statement(PAY, opening="C261119EUR1000,00", closing=None).replace(":60F:", ":60M:") + ":62M:C261120EUR1300,00\n-\n"
    assert extract_file(write(tmp_path, text))["amount"].tolist() == [30000]


def test_every_bad_line_is_reported(tmp_path):
    bad = (PAY + ":61:26XX201120C100,00NTRF//B2\n:86:x\n:61:2611201120C1O0,00NTRF//B3\n:86:y\n"
           ":61:2611201120X5,00NTRF//B4\n:86:z\n")
    msg = refusal(write(tmp_path, statement(bad)))
    assert "line 7" in msg and "line 9" in msg and "line 11" in msg and "'26XX201120C100,00NTRF//B2'" in msg


def test_sparkassen_fragment_is_refused_saying_why():
    msg = refusal(MT940 / "self-provided" / "sparkassen.sta")
    assert "sparkassen.sta" in msg and ":62F:" in msg and "fragment" in msg


def test_mt942_interim_report_needs_no_closing_balance():
    assert len(extract_file(MT940 / "mBank" / "mt942.sta")) >= 0


@pytest.mark.parametrize("name", ["jejik/knab.sta", "jejik/ing.sta", "jejik/abnamro.sta", "jejik/triodos.sta"])
def test_edited_samples_whose_balances_do_not_reconcile_are_refused(name):
    msg = refusal(MT940 / name)
    assert name.split("/")[-1] in msg and "do not reconcile" in msg


def test_importer_can_read_entries_of_a_statement_that_does_not_reconcile():
    df = Mt940Importer(reconcile=False).extract(MT940 / "jejik" / "knab.sta")
    assert df["amount"].tolist() == [50000, 50000]

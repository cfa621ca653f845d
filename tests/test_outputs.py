"""Where a command may write a new file (issue 10 §1): never over the team's workbook, never over
one of its own inputs, never over an existing file without ``--force``; a refusal changes nothing."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ar_xl.cli import main
from ar_xl.workbook import outputs, xlsx
from helpers import seeded

INVOICES = ("invoice_id,customer_id,customer_name,invoice_date,due_date,currency,amount,open_amount\n"
            "A1,C1,Acme,2026-10-01,2026-10-31,EUR,100,100\n")


def _team(folder: Path, name: str = "team.xlsx") -> Path:
    return seeded(folder / name, Invoices=([("2026-0001", "C1", "Acme", "2026-10-01", "2026-10-31", "EUR",
                                             "100.00", "100.00")],
                                           ["invoice_id", "customer_id", "customer_name", "invoice_date",
                                            "due_date", "currency", "amount", "open_amount"]))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _refused(argv, folder: Path, capsys, *says: str) -> str:
    before = _snapshot(folder)
    assert main(argv) == 2
    err = capsys.readouterr().err
    for s in says:
        assert s in err, err
    assert _snapshot(folder) == before
    return err


@pytest.fixture
def invoices(tmp_path):
    p = tmp_path / "invoices.csv"
    p.write_text(INVOICES, encoding="utf-8")
    return p


# ------------------------------------------------------------------ the rule itself

def test_a_collections_workbook_is_recognised_by_its_tables(tmp_path):
    team = _team(tmp_path)
    assert outputs.is_collections_workbook(team)
    import openpyxl
    other = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Invoices"
    wb.save(other)
    assert not outputs.is_collections_workbook(other)
    (tmp_path / "notes.csv").write_text("a,b\n")
    assert not outputs.is_collections_workbook(tmp_path / "notes.csv")
    (tmp_path / "fake.xlsx").write_bytes(b"not a zip")
    assert not outputs.is_collections_workbook(tmp_path / "fake.xlsx")


def test_a_team_workbook_with_a_renamed_table_is_still_one(tmp_path):
    import openpyxl
    team = _team(tmp_path)
    wb = openpyxl.load_workbook(team)
    tbl = wb["Invoices"].tables["Invoices"]
    del wb["Invoices"].tables["Invoices"]
    tbl.name = tbl.displayName = "Invoices2"
    wb["Invoices"].add_table(tbl)
    wb.save(team)
    assert outputs.is_collections_workbook(team)


def test_force_never_replaces_a_collections_workbook(tmp_path):
    team = _team(tmp_path)
    with pytest.raises(Exception, match="team.xlsx"):
        outputs.check_new_file(team, force=True)


# ------------------------------------------------------------------ age --out

def test_age_out_naming_its_input_is_refused(invoices, tmp_path, capsys):
    _refused(["age", "--invoices", str(invoices), "--out", str(invoices), "--force"], tmp_path, capsys,
             "invoices.csv")


def test_age_out_naming_its_input_through_a_link_is_refused(invoices, tmp_path, capsys):
    link = tmp_path / "link.csv"
    os.symlink(invoices, link)
    _refused(["age", "--invoices", str(invoices), "--out", str(link), "--force"], tmp_path, capsys, "link.csv")


def test_age_out_onto_the_team_workbook_is_refused_even_with_force(tmp_path, capsys):
    team = _team(tmp_path)
    other = tmp_path / "other.csv"
    other.write_text(INVOICES)
    _refused(["age", "--invoices", str(other), "--out", str(team), "--force"], tmp_path, capsys, "team.xlsx")


def test_age_out_onto_an_existing_file_needs_force(invoices, tmp_path, capsys):
    out = tmp_path / "aging.csv"
    out.write_text("keep me\n")
    _refused(["age", "--invoices", str(invoices), "--out", str(out)], tmp_path, capsys, "aging.csv", "--force")
    assert main(["age", "--invoices", str(invoices), "--out", str(out), "--force"]) == 0
    assert "A1" not in out.read_text() and "C1" in out.read_text()


def test_age_out_to_a_new_file_needs_no_force(invoices, tmp_path):
    assert main(["age", "--invoices", str(invoices), "--out", str(tmp_path / "new.json")]) == 0
    assert (tmp_path / "new.json").exists()


def test_age_out_into_a_missing_folder_is_refused(invoices, tmp_path, capsys):
    _refused(["age", "--invoices", str(invoices), "--out", str(tmp_path / "nowhere" / "a.csv")], tmp_path, capsys,
             "nowhere")


def test_age_out_onto_a_folder_is_refused(invoices, tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    _refused(["age", "--invoices", str(invoices), "--out", str(tmp_path / "sub"), "--force"], tmp_path, capsys,
             "sub")


# ------------------------------------------------------------------ match --out

def test_match_out_naming_an_input_or_the_team_workbook_is_refused(invoices, tmp_path, capsys):
    pay = tmp_path / "payments.csv"
    pay.write_text("payment_id,value_date,amount,currency,payer_name,remittance\nP1,2026-11-20,100,EUR,Acme,A1\n")
    _refused(["match", "--invoices", str(invoices), "--payments", str(pay), "--out", str(pay), "--force"],
             tmp_path, capsys, "payments.csv")
    team = _team(tmp_path)
    _refused(["match", "--invoices", str(invoices), "--payments", str(pay), "--out", str(team), "--force"],
             tmp_path, capsys, "team.xlsx")
    out = tmp_path / "matches.csv"
    out.write_text("keep\n")
    _refused(["match", "--invoices", str(invoices), "--payments", str(pay), "--out", str(out)],
             tmp_path, capsys, "matches.csv", "--force")


# ------------------------------------------------------------------ plan schedule, demo, init, addin

SCHEDULE = ["plan", "schedule", "--amount", "1200", "--installments", "3", "--first-due", "2027-01-31"]


def test_plan_schedule_out(tmp_path, capsys):
    team = _team(tmp_path)
    _refused(SCHEDULE + ["--out", str(team), "--force"], tmp_path, capsys, "team.xlsx")
    out = tmp_path / "schedule.csv"
    out.write_text("keep\n")
    _refused(SCHEDULE + ["--out", str(out)], tmp_path, capsys, "schedule.csv", "--force")
    assert main(SCHEDULE + ["--out", str(out), "--force"]) == 0
    assert "2027-01-31" in out.read_text()


def test_demo_never_replaces_the_team_workbook(tmp_path, capsys):
    team = _team(tmp_path)
    _refused(["demo", str(team), "--customers", "5"], tmp_path, capsys, "team.xlsx")
    _refused(["demo", str(team), "--customers", "5", "--force"], tmp_path, capsys, "team.xlsx")


def test_demo_onto_another_file_needs_force(tmp_path, capsys):
    other = tmp_path / "scratch.xlsx"
    other.write_bytes(b"someone's file")
    _refused(["demo", str(other), "--customers", "5"], tmp_path, capsys, "scratch.xlsx", "--force")


def test_demo_does_not_replace_an_existing_statement_without_force(tmp_path, capsys):
    (tmp_path / "new-statement.xml").write_text("<mine/>")
    _refused(["demo", str(tmp_path / "new.xlsx"), "--customers", "5"], tmp_path, capsys,
             "new-statement.xml", "--force")


def test_init_force_never_replaces_the_team_workbook(tmp_path, capsys):
    team = _team(tmp_path)
    _refused(["init", str(team), "--force"], tmp_path, capsys, "team.xlsx")


def test_addin_build_needs_force_to_replace_a_file(tmp_path, capsys):
    out = tmp_path / "ar_xl.xlam"
    out.write_bytes(b"an older build")
    _refused(["addin", "build", "--out", str(out)], tmp_path, capsys, "ar_xl.xlam", "--force")
    assert main(["addin", "build", "--out", str(out), "--force"]) == 0
    assert out.read_bytes()[:2] == b"PK"


def test_outputs_module_is_the_one_place_the_rule_lives():
    """Every verb that writes a new file calls ``outputs.check_new_file`` (through ``common.check_out``)."""
    root = Path(__file__).resolve().parents[1] / "ar_xl" / "cli"
    for name in ("basics.py", "cash.py", "workflow.py", "addin.py"):
        assert "check_out(" in (root / name).read_text(), name
    assert "check_new_file" in (root / "common.py").read_text()


def test_xlsx_create_still_refuses_an_existing_file(tmp_path):
    p = tmp_path / "x.xlsx"
    xlsx.create(p)
    with pytest.raises(Exception, match="already exists"):
        xlsx.create(p)

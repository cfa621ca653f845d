"""Every table sheet prints landscape, one page wide, with its header on every page; colours follow the data."""
from __future__ import annotations

import subprocess

import openpyxl
import pytest

from ar_xl import schema
from ar_xl.workbook import sheet_setup, xlsx
from lo import convert


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    path = tmp_path_factory.mktemp("print") / "book.xlsx"
    xlsx.create(path)
    return openpyxl.load_workbook(path)


def test_every_table_sheet_prints_landscape_one_page_wide_with_its_header_repeated(fresh):
    for t in schema.TABLES.values():
        ws = fresh[t.sheet_name]
        assert ws.page_setup.orientation == "landscape", t.name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, t.name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), t.name
        assert ws.print_title_rows == f"$1:${1 + t.title_rows}", t.name  # Aging: its title line too
        assert ws.oddHeader.left.text == "&A" and ws.oddFooter.center.text == "Page &P of &N", t.name


def _rules(ws) -> dict[str, list]:
    return {str(rng.sqref): list(rules) for rng, rules in ws.conditional_formatting._cf_rules.items()}


def test_days_past_due_is_coloured_by_bucket_in_aging_and_the_worklist(fresh):
    for name in ("Aging", "Worklist"):
        ws = fresh[schema.TABLES[name].sheet_name]
        col = schema.TABLES[name].names.index("days_past_due") + 1
        letter = openpyxl.utils.get_column_letter(col)
        first = 2 + schema.TABLES[name].title_rows  # the first body row (Aging's header is under its title)
        rules = _rules(ws)[f"{letter}{first}:{letter}1048576"]
        assert [(r.operator, r.formula[0]) for r in rules] == [("greaterThan", "120"), ("greaterThan", "90"),
                                                                ("greaterThan", "60"), ("greaterThan", "30"),
                                                                ("greaterThan", "0")]
        assert all(r.stopIfTrue for r in rules)


def test_broken_late_past_sla_and_match_decisions_are_coloured(fresh):
    def values(table, column):
        t = schema.TABLES[table]
        letter = openpyxl.utils.get_column_letter(t.names.index(column) + 1)
        rules = _rules(fresh[t.sheet_name]).get(f"{letter}2:{letter}1048576", [])
        return {r.formula[0].strip('"') for r in rules if r.type == "cellIs"}, rules, letter
    assert values("Plans", "status")[0] == {"late", "missed"}
    assert "broken" in values("Plans", "plan_status")[0]
    assert values("Promises", "status")[0] == {"broken", "partly kept", "kept"}
    assert values("Matches", "decision")[0] == set(schema.MATCH_DECISIONS)
    assert [r.type for r in values("Matches", "confidence")[1]] == ["colorScale"]
    _, rules, sla = values("Disputes", "sla_due")
    resolved = openpyxl.utils.get_column_letter(schema.DISPUTES.names.index("resolved") + 1)
    assert rules[0].formula == [f"AND(ISNUMBER({sla}2),{sla}2<TODAY(),ISBLANK({resolved}2))"]


def test_a_person_s_own_print_settings_are_never_reset(tmp_path):
    """The set-up is laid when a table is created; an action afterwards keeps what a person chose."""
    import datetime as dt
    from ar_xl.actions import refresh
    path = tmp_path / "book.xlsx"
    xlsx.create(path)
    wb = openpyxl.load_workbook(path)
    wb["Aging"].page_setup.orientation = "portrait"
    wb["Aging"].page_setup.paperSize = wb["Aging"].PAPERSIZE_LETTER
    wb.save(path)
    for day in (dt.date(2026, 11, 2), dt.date(2026, 11, 3)):
        book = xlsx.load(path)
        xlsx.save(book, refresh.run(book, day))
    ws = openpyxl.load_workbook(path)["Aging"]
    assert (ws.page_setup.orientation, str(ws.page_setup.paperSize)) == ("portrait", str(ws.PAPERSIZE_LETTER))


def test_libreoffice_prints_each_aging_page_whole_with_its_header(demo, tmp_path):
    """The demo's Aging printed by LibreOffice: every page carries the header row and the last column, so
    nothing is cut off to the right and no page holds a stray column on its own."""
    pdf = convert(demo.workbook, "pdf", tmp_path)[0]
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    aging = [p for p in pages if p.split()[:1] == ["Aging"]]  # the page header names the sheet (not AgingHistory)
    first, last = schema.AGING.headers[0], "121+"
    assert len(aging) > 1
    for page in aging:
        head = next(line for line in page.splitlines() if line.strip().startswith(first))
        assert head.split()[-1] == last
        assert "Page " in page and "Aging as of " in page  # the title line repeats with the header
    ids = set(xlsx.load(demo.workbook).get("Aging")["invoice_id"])
    printed = sum(1 for p in aging for line in p.splitlines() if line.split()[:1] and line.split()[0] in ids)
    assert printed == len(ids)  # every row printed once, on some page


def test_derived_sheets_are_protected_without_a_password_and_the_actions_still_write_them(tmp_path):
    import datetime as dt
    from ar_xl.actions import refresh
    path = tmp_path / "book.xlsx"
    xlsx.create(path)
    wb = openpyxl.load_workbook(path)
    for name in ("Aging", "Audit"):
        p = wb[name].protection
        assert p.sheet and not p.password, name
        assert not p.autoFilter and not p.sort, name  # filtering and sorting stay allowed
    assert not wb["Invoices"].protection.sheet and not wb["Config"].protection.sheet
    wb["Invoices"].append(["2026-0001", "C1", "Bakker B.V.", dt.datetime(2026, 10, 1), dt.datetime(2026, 10, 31),
                           "EUR", 100, 100])
    wb.save(path)
    book = xlsx.load(path)
    xlsx.save(book, refresh.run(book, dt.date(2026, 11, 23)))
    wb = openpyxl.load_workbook(path)
    assert wb["Aging"]["A4"].value == "2026-0001" and wb["Aging"].protection.sheet  # under its title and header
    assert wb["Audit"].max_row > 1 and wb["Audit"].protection.sheet


def test_the_demo_dashboard_data_is_protected_and_its_pivots_stay_refreshable(demo):
    wb = openpyxl.load_workbook(demo.workbook)
    assert wb["DashboardData"].protection.sheet
    assert not wb["Dashboard"].protection.sheet  # a protected sheet's PivotTables cannot be refreshed


class _ComSheet:
    """What ``lifted`` uses of an Excel worksheet through COM: ProtectContents, Unprotect, Protect."""
    name = "Aging"

    def __init__(self, protected: bool, password: bool = False):
        self.api = self
        self.ProtectContents, self.password, self.calls = protected, password, []

    def Unprotect(self):
        self.calls.append("Unprotect")
        if self.password:
            raise RuntimeError("The password you supplied is not correct")
        self.ProtectContents = False

    def Protect(self, **allow):
        self.calls.append("Protect")
        self.allowed = allow
        self.ProtectContents = True


def test_the_ribbon_lifts_a_protected_sheet_for_its_write_and_restores_it():
    from ar_xl.errors import ArXlError
    sheet = _ComSheet(protected=True)
    with sheet_setup.lifted(sheet):
        assert sheet.ProtectContents is False  # writable inside
    assert sheet.calls == ["Unprotect", "Protect"] and sheet.ProtectContents
    assert sheet.allowed["AllowFiltering"] and sheet.allowed["AllowUsingPivotTables"]
    plain = _ComSheet(protected=False)
    with sheet_setup.lifted(plain):
        pass
    assert plain.calls == []
    locked = _ComSheet(protected=True, password=True)
    with pytest.raises(ArXlError, match="sheet Aging is protected with a password"):
        with sheet_setup.lifted(locked):
            raise AssertionError("nothing may be written")

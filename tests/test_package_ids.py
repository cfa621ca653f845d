"""Ids the package must not give twice (Excel reports the file as unreadable content and repairs it):

* the first ``ar-xl dashboard`` gave Dashboard and DashboardData the same sheetId (20 in a new workbook) and
  every later run kept it; now each sheet the shell lays out gets one of its own, the same on every run;
* a workbook an earlier ar-xl wrote that way is mended by the next action that writes it (``upgrade``,
  ``dashboard``...): only the sheetId changes; a person's sheets, defined names local to a sheet, slicers
  and VBA stay as they were, and LibreOffice opens the file;
* a table on a sheet laid out anew gets a table id no other table has, and a pivot cache a cacheId no other
  has, the caches Excel lists in the workbook's extensions included.

``ooxml_check.check_ids`` is the package-level check: it finds all of these.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

import lo
import ooxml_check
import preserve_fixture
from ar_xl.cli import main
from ar_xl.workbook import package, xlsx
from test_preserve import check_kept

DATA = Path(__file__).parent / "data"
SHEET = re.compile(rb'<sheet [^>]*?name="([^"]+)"[^>]*?sheetId="(\d+)"')


def sheet_ids(path) -> dict[str, str]:
    """Sheet name -> sheetId, as ``xl/workbook.xml`` gives them (every sheet with a name of its own)."""
    with zipfile.ZipFile(path) as z:
        pairs = SHEET.findall(z.read("xl/workbook.xml"))
    assert len({n for n, _ in pairs}) == len(pairs)
    return {n.decode(): i.decode() for n, i in pairs}


def twice(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return ooxml_check.check_ids(z)


def _rewrite(path, edit) -> None:
    """The package at ``path`` with ``edit(name, bytes) -> bytes`` applied to each part (order kept)."""
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(name, edit(name, data))


def test_the_first_dashboard_gives_each_of_its_sheets_a_sheet_id_of_its_own(tmp_path):
    path = tmp_path / "c.xlsx"
    assert main(["init", str(path)]) == 0
    assert main(["dashboard", str(path), "--as-of", "2026-11-23"]) == 0
    ids = sheet_ids(path)
    assert len(set(ids.values())) == len(ids) == 21, ids
    assert ids["Dashboard"] == "20" and ids["DashboardData"] == "21"
    assert twice(path) == []
    assert main(["dashboard", str(path), "--as-of", "2026-11-24"]) == 0  # and the next run keeps them
    assert sheet_ids(path) == ids and twice(path) == []


def _as_the_earlier_ar_xl_wrote_it(path) -> str:
    """DashboardData given the Dashboard's sheetId, as the first dashboard of an earlier ar-xl wrote it, and a
    calcChain.xml naming that id.  Returns the id."""
    dash = sheet_ids(path)["Dashboard"]
    chain = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns="{package.MAIN}">'
             f'<c r="B2" i="{dash}"/></calcChain>').encode()

    def edit(name, data):
        if name == "xl/workbook.xml":
            return re.sub(rb'(name="DashboardData" sheetId=")\d+"', rb'\g<1>' + dash.encode() + b'"', data)
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdCc" Type="' + package.REL_CALC_CHAIN
                                .encode() + b'" Target="calcChain.xml"/></Relationships>')
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>')
        return data
    _rewrite(path, edit)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/calcChain.xml", chain)
    assert twice(path) == [f"xl/workbook.xml: sheetId {dash!r} given twice"]
    return dash


@pytest.mark.parametrize("action", [["upgrade"], ["dashboard", "--as-of", "2026-11-24"]])
def test_a_workbook_with_two_sheets_of_one_id_is_mended_keeping_what_a_person_added(tmp_path, action):
    path = preserve_fixture.build(tmp_path, "team.xlsm")  # a person's sheets, names, slicer, VBA...
    assert main(["dashboard", str(path), "--as-of", "2026-11-23"]) == 0
    dash = _as_the_earlier_ar_xl_wrote_it(path)
    before = package.Package(path)
    ids = sheet_ids(path)
    assert main([action[0], str(path), *action[1:]]) == 0
    after = package.Package(path)
    mended = sheet_ids(path)
    assert len(set(mended.values())) == len(mended) and twice(path) == []
    assert mended["Dashboard"] == dash and int(mended["DashboardData"]) > max(int(i) for i in ids.values())
    assert {n: i for n, i in mended.items() if n != "DashboardData"} == \
        {n: i for n, i in ids.items() if n != "DashboardData"}  # no other sheet's id moved
    assert list(mended) == list(ids)  # nor any sheet
    check_kept(before, after)  # a person's parts byte for byte; their defined names, local ones by their sheet
    assert after.parts["xl/vbaProject.bin"] == before.parts["xl/vbaProject.bin"]
    assert b'localSheetId' in after.parts[after.workbook] and b'LocalNote' in after.parts[after.workbook]
    assert "xl/calcChain.xml" not in after.parts  # it named the id two sheets had: Excel rebuilds it
    if action[0] == "upgrade":  # the Dashboard is not upgrade's: its sheets are as they were
        parts = {n: p for n, p, _ in before.sheets()}
        for name in ("Dashboard", "DashboardData"):
            assert after.parts[parts[name]] == before.parts[parts[name]], name
    files = lo.convert(path, lo.CSV_ALL_SHEETS, tmp_path / "csv")
    mine = lo.sheet_csv(files, "My sheet").read_text(encoding="utf-8")
    assert "C1,500,1000" in mine.replace('"', ""), mine  # =B2*2 computed by LibreOffice
    assert lo.sheet_csv(files, "Dashboard").read_text(encoding="utf-8").strip()


def test_the_workbook_an_earlier_version_wrote_is_mended_by_upgrade(tmp_path):
    path = tmp_path / "collections.xlsx"
    shutil.copy(DATA / "previous_version.xlsx", path)
    assert twice(path) == ["xl/workbook.xml: sheetId '20' given twice"]
    assert main(["upgrade", str(path)]) == 0
    ids = sheet_ids(path)
    assert twice(path) == [] and ids["Dashboard"] == "20" and ids["DashboardData"] == "21"
    lo.convert(path, "pdf", tmp_path / "pdf")


def _deleted_in_excel(path, sheet: str) -> None:
    """``sheet`` deleted as Excel deletes it: the other tables keep their ids (openpyxl, which deletes it here,
    numbers the tables again from 1; their ids are put back as they were)."""
    with zipfile.ZipFile(path) as z:
        ids = {m.group(2): m.group(1) for n in z.namelist() if n.startswith("xl/tables/")
               for m in [re.search(rb'<table [^>]*?id="(\d+)" [^>]*?displayName="([^"]+)"', z.read(n))]}
    wb = openpyxl.load_workbook(path)
    del wb[sheet]
    wb.save(path)

    def edit(name, data):
        if name.startswith("xl/tables/"):
            shown = re.search(rb'displayName="([^"]+)"', data).group(1)
            return re.sub(rb'(<table [^>]*?id=")\d+"', rb"\g<1>" + ids[shown] + b'"', data, count=1)
        return data
    _rewrite(path, edit)
    assert twice(path) == []


def test_a_table_sheet_laid_out_anew_gets_a_table_id_no_other_table_has(tmp_path):
    path = tmp_path / "c.xlsx"
    assert main(["init", str(path)]) == 0
    _deleted_in_excel(path, "Worklist")  # Config keeps id 19
    assert main(["worklist", str(path), "--as-of", "2026-11-23"]) == 0
    assert twice(path) == []
    with zipfile.ZipFile(path) as z:
        tables = [z.read(n) for n in z.namelist() if n.startswith("xl/tables/")]
    ids = [re.search(rb'<table [^>]*?id="(\d+)"', t).group(1) for t in tables]
    assert len(ids) == len(set(ids)) == 19
    assert openpyxl.load_workbook(path)["Worklist"].tables["Worklist"]
    lo.convert(path, "pdf", tmp_path / "pdf")


def test_two_tables_of_one_id_are_mended_by_the_next_action(tmp_path, capsys):
    """The Worklist an earlier ar-xl laid out again took Config's table id (19): the next action mends it."""
    path = tmp_path / "c.xlsx"
    assert main(["init", str(path)]) == 0
    _deleted_in_excel(path, "Worklist")
    assert main(["worklist", str(path), "--as-of", "2026-11-23"]) == 0

    def edit(name, data):
        if name.startswith("xl/tables/") and b'displayName="Worklist"' in data:
            return re.sub(rb'(<table [^>]*?id=")\d+"', rb'\g<1>19"', data, count=1)
        return data
    _rewrite(path, edit)
    assert twice(path) == ["package: table id '19' given twice"]
    capsys.readouterr()
    assert main(["upgrade", str(path)]) == 0  # its headers are today's: written for the ids alone
    out = capsys.readouterr().out
    assert "mended ids given twice (table id 19: " in out and "already up to date" not in out
    assert twice(path) == []
    book = xlsx.load(path)
    assert {"Worklist", "Config"} <= set(book.tables) and len(book.get("Config")) > 0
    lo.convert(path, "pdf", tmp_path / "pdf")


X15 = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"


def test_the_dashboard_s_pivot_caches_take_no_cache_id_the_workbook_s_extensions_list(tmp_path):
    """A data-model PivotTable's cache is listed in the workbook's ``x15:pivotCaches`` extension, under a
    cacheId the Dashboard's caches must not take."""
    path = tmp_path / "c.xlsx"
    assert main(["init", str(path)]) == 0
    cache = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheDefinition xmlns="'
             f'{package.MAIN}" refreshOnLoad="1"><cacheSource type="external" connectionId="1"/>'
             f'<cacheFields count="0"/></pivotCacheDefinition>').encode()

    def edit(name, data):
        if name == "xl/workbook.xml":
            return data.replace(b"</workbook>", f'<extLst><ext uri="{{D0CA8CA8-9F24-4464-BF8E-62219DCF47F9}}" '
                                f'xmlns:x15="{X15}"><x15:pivotCaches><pivotCache cacheId="1" xmlns:r="'
                                f'{package.R_NS}" r:id="rIdDm"/></x15:pivotCaches></ext></extLst></workbook>'
                                .encode())
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdDm" Type="' + package.REL_PIVOT_CACHE
                                .encode() + b'" Target="pivotCache/pivotCacheDefinition9.xml"/></Relationships>')
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/pivotCache/pivotCacheDefinition9.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                b'pivotCacheDefinition+xml"/></Types>')
        return data
    _rewrite(path, edit)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/pivotCache/pivotCacheDefinition9.xml", cache)
    assert main(["dashboard", str(path), "--as-of", "2026-11-23"]) == 0
    assert twice(path) == []
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml")
    ids = re.findall(rb'<(?:\w+:)?pivotCache [^>]*?cacheId="(\d+)"', book)
    assert sorted(ids) == [b"1", b"2", b"3", b"4"], book

"""A long table patched in a sheet Excel wrote (its root declaring ``x14ac`` and ``mc:Ignorable``, every
row carrying ``x14ac:dyDescent``): the rows the patch keeps go back into the file's part as the file had
them, the changed rows hold the new values, and the part stays well-formed and valid."""
from __future__ import annotations

import re
import zipfile

from ar_xl.workbook import xlsx

from ooxml_check import check_package
from test_patch_rows import _change, _invoices, _sheet_part
from helpers import seeded

X14AC = b'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
MC = b'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac"'


def _as_excel_writes_it(path) -> None:
    """Give the Invoices sheet Excel's row markup (the rest of the package as it is)."""
    part = _sheet_part(path)
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and z.read(n) == part)
        items = [(i, z.read(i)) for i in z.infolist()]
    start = part.index(b"<worksheet") + len(b"<worksheet")
    part = part[:start] + b" " + X14AC + b" " + MC + part[start:]
    part = re.sub(rb'<row r="(\d+)"', rb'<row r="\1" x14ac:dyDescent="0.25"', part)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            out.writestr(info.filename, part if info.filename == name else data)


def test_a_patch_keeps_excels_row_markup_and_the_part_stays_valid(tmp_path):
    path = seeded(tmp_path / "excel.xlsx", Invoices=_invoices())
    _as_excel_writes_it(path)
    before = _sheet_part(path)
    assert before.count(b"x14ac:dyDescent") > 1000

    def edit(inv):
        inv.loc[5, "note"] = "called, pays Friday"
        inv.loc[700, "status"] = "disputed"
    _change(path, edit)
    after = _sheet_part(path)
    rows = re.findall(rb'<row r="(\d+)"([^>]*)>', after)
    assert len(rows) == len(re.findall(rb'<row r="(\d+)"([^>]*)>', before))
    assert sum(1 for _, attrs in rows if b"x14ac:dyDescent" in attrs) == len(rows)  # every row keeps it
    inv = xlsx.load(path).get("Invoices")
    assert inv.loc[5, "note"] == "called, pays Friday" and inv.loc[700, "status"] == "disputed"
    assert inv.loc[6, "note"] == "" and len(inv) == len(_invoices())
    report = check_package(path)
    assert report.violations == {} and report.checked

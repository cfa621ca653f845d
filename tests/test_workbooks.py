"""The workbooks a team starts from (``workbooks/``) and ``ar-xl workbooks build``.

* the files in the repository are what the command writes: same sheets, cells, Excel tables,
  drop-downs and VBA source (compared as content, not as zip bytes); and a rebuild writes the same bytes;
* ``collections.xlsx`` has the tables and Config defaults ``ar-xl init`` writes;
* the ``xlwings_udfs`` module of ``analyst.xlsm`` holds, for every AR_* function, exactly the wrapper
  xlwings' Import Functions generates (``xlwings.udfs.generate_vba_wrapper`` run on our UDF module);
* olevba reads the VBA project; it references the xlwings add-in; the xlwings.conf sheet names the
  UDF module; LibreOffice imports the project (fails, never skips, without LibreOffice);
* an action run on the analyst workbook keeps its macros.
"""
from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import shutil
import struct
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
import xlwings
from defusedxml import ElementTree as ET
from oletools.olevba import VBA_Parser, decompress_stream

from ar_xl import cli, schema
from ar_xl.excel import udf_vba, workbooks
from ar_xl.errors import ArXlError
from ar_xl.workbook import xlsx

import lo
import ooxml_check

REPO = Path(__file__).resolve().parents[1] / "workbooks"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("workbooks")
    assert cli.main(["workbooks", "build", "--out", str(out)]) == 0
    return out


def vba_code(path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        if not parser.detect_vba_macros():
            return {}
        return {name.rsplit(".", 1)[0]: code.replace("\r\n", "\n")
                for (_, _, name, code) in parser.extract_macros()}
    finally:
        parser.close()


def content(path) -> dict:
    """What a person or Excel sees of a workbook: sheets, cell values and formats, tables, drop-downs, macros."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames, "vba": vba_code(path)}
    for ws in wb.worksheets:
        out[ws.title] = {
            "cells": [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()],
            "tables": sorted((t.displayName, t.ref, [c.name for c in t.tableColumns],
                              t.tableStyleInfo.name if t.tableStyleInfo else None) for t in ws.tables.values()),
            "validations": sorted((dv.type, dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation),
            "freeze": ws.freeze_panes, "code_name": ws.sheet_properties.codeName,
        }
    return out


# ------------------------------------------------------------------ the repository's files

@pytest.mark.parametrize("name", [workbooks.COLLECTIONS, workbooks.ANALYST])
def test_the_committed_workbooks_are_what_the_command_writes(built, name):
    committed = REPO / name
    assert committed.exists(), f"workbooks/{name} is missing: run `ar-xl workbooks build`"
    assert content(committed) == content(built / name), \
        f"workbooks/{name} differs from what `ar-xl workbooks build` writes: run it and commit the result"


@pytest.mark.parametrize("name", [workbooks.COLLECTIONS, workbooks.ANALYST])
def test_the_workbooks_give_no_id_twice(built, name):
    """No sheetId, sheet or table name, table id, relationship Id... given twice (Excel would repair the file),
    in what the command writes and in the repository's files."""
    for path in (built / name, REPO / name):
        rep = ooxml_check.check_package(path)
        assert rep.duplicates == [] and rep.violations == {}, (path, rep.duplicates, rep.violations)


def test_a_rebuild_writes_the_same_bytes(built, tmp_path):
    again = workbooks.build(tmp_path)
    assert [p.name for p in again] == [workbooks.COLLECTIONS, workbooks.ANALYST]
    for p in again:
        assert p.read_bytes() == (built / p.name).read_bytes(), p.name


def test_a_bad_target_folder_is_refused_with_its_name(tmp_path, capsys):
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    assert cli.main(["workbooks", "build", "--out", str(a_file)]) == 2
    assert "not-a-folder: not a folder" in capsys.readouterr().err


def test_collections_is_the_workbook_init_writes(built, tmp_path):
    assert cli.main(["init", str(tmp_path / "init.xlsx")]) == 0
    assert content(built / workbooks.COLLECTIONS) == content(tmp_path / "init.xlsx")
    book = xlsx.load(built / workbooks.COLLECTIONS)
    assert set(book.tables) == set(schema.TABLES)
    assert all(len(body) == 0 for name, body in book.tables.items() if name != "Config")
    assert len(book.tables["Config"]) > 0


# ------------------------------------------------------------------ the analyst workbook

def _xlwings_wrappers(module_name: str) -> str:
    """What xlwings' own generator writes for our UDF module (classic xlwings needs pywin32: stubbed)."""
    saved = {k: sys.modules.get(k) for k in ("pythoncom", "pywintypes", "win32com", "win32com.client",
                                               "xlwings._xlwindows", "xlwings.com_server", "xlwings.udfs")}
    saved_attrs = {k: getattr(xlwings, k) for k in ("func", "arg", "ret")}
    stubs = {name: types.ModuleType(name) for name in ("pythoncom", "pywintypes", "win32com", "win32com.client")}
    stubs["pythoncom"].CoInitialize = lambda: None
    stubs["win32com.client"].Dispatch = None
    stubs["win32com"].client = stubs["win32com.client"]
    com_server = types.ModuleType("xlwings.com_server")
    com_server.loop = asyncio.new_event_loop()
    try:
        sys.modules.update(stubs)
        sys.modules["xlwings._xlwindows"] = types.ModuleType("xlwings._xlwindows")
        sys.modules["xlwings.com_server"] = com_server
        sys.modules.pop("xlwings.udfs", None)
        xludfs = importlib.import_module("xlwings.udfs")
        xlwings.func, xlwings.arg, xlwings.ret = xludfs.xlfunc, xludfs.xlarg, xludfs.xlret
        spec = importlib.util.spec_from_file_location("udfs.ar_functions_wrapped",
                                                      importlib.util.find_spec(module_name).origin)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        f = io.StringIO()
        xludfs.generate_vba_wrapper(module_name, module, f, types.SimpleNamespace(Name="analyst.xlsm"))
        return f.getvalue()
    finally:
        com_server.loop.close()
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        for k, v in saved_attrs.items():
            setattr(xlwings, k, v)
        if hasattr(xlwings, "udfs") and "xlwings.udfs" not in sys.modules:
            delattr(xlwings, "udfs")


def test_the_wrappers_are_the_ones_xlwings_import_functions_writes(built):
    code = vba_code(built / workbooks.ANALYST)[udf_vba.MODULE_NAME]
    theirs = _xlwings_wrappers(workbooks.UDF_MODULES)
    header = "\n".join(udf_vba.HEADER) + "\n"
    # the stored source ends after the last End Function (the VBA editor drops trailing blank lines)
    assert udf_vba.strip_descriptions(code).rstrip("\n") == (header + theirs).rstrip("\n")
    names = [line.split("(")[0].split()[1] for line in code.splitlines() if line.startswith("Function ")]
    assert names == sorted(names) and {"AR_AGING", "AR_BUCKET", "AR_MATCH", "AR_PLAN", "AR_REFS"} <= set(names)
    assert 'AR_AGING = XLPy.CallUDF("udfs.ar_functions", "AR_AGING", Array(invoices, as_of, buckets, basis, ' \
           'group_by, config, customers), ThisWorkbook, Application.Caller)' in code
    assert "Function AR_AGING(invoices, Optional as_of, Optional buckets, Optional basis, Optional group_by, " \
           "Optional config, Optional customers)" in code
    assert 'Attribute AR_BUCKET.VB_Description = "The aging bucket of a due date: current' in code


def test_the_wrapper_options_follow_the_decorators(tmp_path):
    src = tmp_path / "my_udfs.py"
    src.write_text(
        "import xlwings as xw\n"
        "@xw.func(volatile=True, call_in_wizard=False)\n"
        "def NOW_PLUS(days, caller, base=None):\n"
        "    '''Today plus \"days\".'''\n"
        "@xw.func\n@xw.arg('rng', vba='Selection')\n"
        "def A_SEL(rng):\n    pass\n"
        "def helper():\n    pass\n", encoding="utf-8")
    text = udf_vba.module_source("my_udfs", src)
    assert text.index("Function A_SEL()") < text.index("Function NOW_PLUS(days, Optional base)")
    assert '"A_SEL", Array(Selection), ThisWorkbook' in text
    assert '"NOW_PLUS", Array(days, Nothing, base), ThisWorkbook' in text
    assert 'Then Exit Function\r\n    Application.Volatile\r\n' in text
    assert 'VB_Description = "Today plus ""days""' in text and "helper" not in text
    src.write_text("import xlwings as xw\n@xw.func\ndef F(*args):\n    pass\n", encoding="utf-8")
    with pytest.raises(ArXlError, match="plain positional arguments"):
        udf_vba.module_source("my_udfs", src)


def test_the_vba_project_references_xlwings_and_is_source_only(built):
    data = zipfile.ZipFile(built / workbooks.ANALYST).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert struct.unpack_from("<HH", ole.openstream("VBA/_VBA_PROJECT").read()) == (0x61CC, 0xFFFF)
    d = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    refs, i = {}, 0
    name = None
    while i < len(d):
        rid, size = struct.unpack_from("<HI", d, i)
        size = 6 if rid == 0x0009 else size
        payload = d[i + 6:i + 6 + size]
        if rid == 0x0016:
            name = payload.decode("cp1252")
        elif rid in (0x000D, 0x000E):
            refs[name] = (rid, payload)
        i += 6 + size
    assert set(refs) == {"stdole", "Office", "xlwings"}
    rid, payload = refs["xlwings"]
    assert rid == 0x000E  # REFERENCEPROJECT: the xlwings add-in's VBA project, as in xlwings' quickstart.xlsm
    n = struct.unpack_from("<I", payload)[0]
    assert payload[4:4 + n].decode("cp1252").endswith("\\xlwings.xlam")
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert f"Module={udf_vba.MODULE_NAME}" in project and "Document=ThisWorkbook/&H00000000" in project


def test_every_sheet_has_its_document_module_and_xlwings_finds_the_udf_module(built):
    path = built / workbooks.ANALYST
    wb = openpyxl.load_workbook(path, keep_vba=True)
    code = vba_code(path)
    assert wb.code_name == "ThisWorkbook"
    assert {ws.sheet_properties.codeName for ws in wb.worksheets} | {"ThisWorkbook", udf_vba.MODULE_NAME} == set(code)
    conf = wb[workbooks.CONF_SHEET]
    assert (conf["A1"].value, conf["B1"].value, conf["A2"].value) == ("UDF Modules", "udfs.ar_functions", None)
    functions = {row[0]: row for row in wb[workbooks.FUNCTIONS_SHEET].iter_rows(min_row=2, values_only=True)}
    assert functions["AR_AGING"][1] == \
        "AR_AGING(invoices, [as_of], [buckets], [basis], [group_by], [config], [customers])"
    assert set(functions) == {line.split("(")[0].split()[1] for line in code[udf_vba.MODULE_NAME].splitlines()
                              if line.startswith("Function ")}
    assert set(schema.TABLES) <= {t for ws in wb.worksheets for t in ws.tables}


def test_an_action_on_the_analyst_workbook_keeps_its_macros(built, tmp_path):
    path = tmp_path / "analyst.xlsm"
    shutil.copyfile(built / workbooks.ANALYST, path)
    assert cli.main(["refresh", str(path)]) == 0
    assert vba_code(path)[udf_vba.MODULE_NAME] == vba_code(built / workbooks.ANALYST)[udf_vba.MODULE_NAME]
    assert openpyxl.load_workbook(path)[workbooks.CONF_SHEET]["B1"].value == workbooks.UDF_MODULES


def test_libreoffice_imports_the_analyst_vba_project(built, tmp_path):
    """LibreOffice's VBA import keeps the wrappers: saved as .ods they are in Basic/<project>/<module>.xml."""
    exe = lo.soffice()  # raises when LibreOffice is missing: this test fails, it is not skipped
    out = tmp_path / "out"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.run([exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                               "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(out),
                               str(built / workbooks.ANALYST)], capture_output=True, text=True, timeout=180)
    ods = out / "analyst.ods"
    assert ods.exists(), f"LibreOffice could not read the workbook: {proc.stdout}\n{proc.stderr}"
    z = zipfile.ZipFile(ods)
    project = workbooks.PROJECT_NAME
    assert f"Basic/{project}/{udf_vba.MODULE_NAME}.xml" in z.namelist()
    module = ET.fromstring(z.read(f"Basic/{project}/{udf_vba.MODULE_NAME}.xml"))
    assert module.get("{http://openoffice.org/2000/script}moduleType") == "normal"
    source = module.text
    for name in ("AR_AGING", "AR_BUCKET", "AR_DSO", "AR_CEI", "AR_PLAN", "AR_MATCH", "AR_REFS"):
        assert f'{name} = XLPy.CallUDF("udfs.ar_functions", "{name}", ' in source
    assert "udfs.ar_functions" in z.read("content.xml").decode()  # the xlwings.conf sheet was read too

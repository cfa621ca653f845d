"""The built add-in, ar_xl.xlam: its ribbon, its VBA project, and what Office tools make of them.

* the ribbon (customUI14) is checked against the rules of the Office 2010 custom UI
  schema for every element and attribute it uses (the XSD is not on disk);
* every onAction names a ribbon callback that olevba finds in the built file's VBA;
* every button's tag is an entry point of ``ar_xl.excel.macros``, and every entry point has a button;
* the VBA project is source-only (version 0xFFFF, no p-code), unprotected and visible;
* LibreOffice imports the add-in's VBA project (it fails, never skips, without LibreOffice);
* install / uninstall into an injected folder; the UDF module is importable and decorated.
"""
from __future__ import annotations

import importlib
import io
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path

import olefile
import pytest
from defusedxml import ElementTree as ET
from oletools.olevba import VBA_Parser, decompress_stream

from ar_xl import cli
from ar_xl.excel import macros, ovba, xlam
from ar_xl.errors import ArXlError

import lo

NS = "{http://schemas.microsoft.com/office/2009/07/customui}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return xlam.build(tmp_path_factory.mktemp("addin") / "ar_xl.xlam")


def _zip(path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path)


def _ribbon(path):
    return ET.fromstring(_zip(path).read("customUI/customUI14.xml"))


def _buttons(path):
    return list(_ribbon(path).iter(NS + "button"))


# ------------------------------------------------------------------ customUI14 rules

_ID = ("id", "idMso", "idQ")
_EXCLUSIVE = [("label", "getLabel"), ("image", "imageMso", "getImage"), ("enabled", "getEnabled"),
              ("visible", "getVisible"), ("size", "getSize"), ("screentip", "getScreentip"),
              ("supertip", "getSupertip"), ("keytip", "getKeytip"), ("showLabel", "getShowLabel"),
              ("showImage", "getShowImage")]
_INSERT = {"insertAfterMso", "insertBeforeMso", "insertAfterQ", "insertBeforeQ"}
_TAB_ATTRS = set(_ID) | _INSERT | {"tag", "label", "getLabel", "visible", "getVisible", "keytip", "getKeytip"}
_GROUP_ATTRS = _TAB_ATTRS | {"image", "imageMso", "getImage", "screentip", "getScreentip", "supertip",
                             "getSupertip", "autoScale", "centerVertically"}
_BUTTON_ATTRS = set(_ID) | _INSERT | {
    "tag", "onAction", "enabled", "getEnabled", "label", "getLabel", "image", "imageMso", "getImage", "size",
    "getSize", "showLabel", "getShowLabel", "showImage", "getShowImage", "screentip", "getScreentip", "supertip",
    "getSupertip", "keytip", "getKeytip", "visible", "getVisible", "description", "getDescription"}
_CONTROLS = {"button", "toggleButton", "checkBox", "editBox", "comboBox", "dropDown", "gallery", "menu",
             "dynamicMenu", "splitButton", "box", "buttonGroup", "separator", "labelControl", "control"}
RULES = {
    # element: (allowed attributes, allowed children in schema order, (min, max) children)
    "customUI": ({"onLoad", "loadImage"}, ["commands", "ribbon", "backstage", "contextMenus"], (0, 4)),
    "ribbon": ({"startFromScratch"}, ["qat", "tabs", "contextualTabs"], (0, 3)),
    "tabs": (set(), ["tab"], (1, 100)),
    "tab": (_TAB_ATTRS, ["group"], (0, 100)),
    "group": (_GROUP_ATTRS, sorted(_CONTROLS) + ["dialogBoxLauncher"], (0, 1000)),
    "button": (_BUTTON_ATTRS, [], (0, 0)),
}
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_BOOL = {"true", "false", "1", "0"}


def customui_problems(root) -> list[str]:
    """Everything in a customUI14 document that the Office 2010 custom UI schema would refuse."""
    problems, ids = [], set()

    def check(el, path):
        if not el.tag.startswith(NS):
            problems.append(f"{path}: {el.tag} is not in the customUI14 namespace")
            return
        name = el.tag[len(NS):]
        if name not in RULES:
            problems.append(f"{path}: element {name} is not used by this checker's rules")
            return
        allowed, children, (lo_n, hi_n) = RULES[name]
        for a, v in el.attrib.items():
            if a not in allowed:
                problems.append(f"{path}: attribute {a} is not allowed on {name}")
            if a in ("label", "screentip", "supertip", "tag", "onAction", "imageMso", "description") and \
                    not (1 <= len(v) <= 1024):
                problems.append(f"{path}@{a}: must be 1 to 1024 characters")
            if a in ("id", "imageMso", "idMso") and not _NCNAME.match(v):
                problems.append(f"{path}@{a}: {v!r} is not a valid identifier")
            if a == "keytip" and not (1 <= len(v) <= 3):
                problems.append(f"{path}@keytip: 1 to 3 characters")
            if a == "size" and v not in ("normal", "large"):
                problems.append(f"{path}@size: normal or large, not {v!r}")
            if a in ("enabled", "visible", "showLabel", "showImage", "startFromScratch") and v not in _BOOL:
                problems.append(f"{path}@{a}: not a boolean: {v!r}")
            if a == "id":
                if v in ids:
                    problems.append(f"{path}: duplicate id {v!r}")
                ids.add(v)
        if name in ("tab", "group", "button") and sum(a in el.attrib for a in _ID) != 1:
            problems.append(f"{path}: needs exactly one of id, idMso, idQ")
        for group in _EXCLUSIVE:
            if sum(a in el.attrib for a in group) > 1:
                problems.append(f"{path}: {' and '.join(group)} exclude each other")
        kids = [c.tag[len(NS):] if c.tag.startswith(NS) else c.tag for c in el]
        if not (lo_n <= len(kids) <= hi_n):
            problems.append(f"{path}: {len(kids)} children, the schema allows {lo_n} to {hi_n}")
        if name in ("customUI", "ribbon"):
            order = [children.index(k) for k in kids if k in children]
            if order != sorted(order) or len(set(order)) != len(order):
                problems.append(f"{path}: children out of schema order or repeated: {kids}")
        if name == "group" and "dialogBoxLauncher" in kids[:-1]:
            problems.append(f"{path}: dialogBoxLauncher must come last")
        for i, c in enumerate(el):
            k = kids[i]
            if k not in children:
                problems.append(f"{path}: {k} not allowed in {name}")
                continue
            check(c, f"{path}/{k}[{el.attrib.get('id', i)}]")

    check(root, "customUI")
    return problems


def test_ribbon_follows_the_customui14_schema(built):
    root = _ribbon(built)
    assert root.tag == NS + "customUI"
    assert customui_problems(root) == []


def test_the_schema_check_catches_mistakes():
    bad = ET.fromstring(
        '<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"><ribbon><tabs>'
        '<tab id="t" label="T"><group id="g" label="G">'
        '<button id="b" label="x" getLabel="L" size="huge" onAction="X" colour="red"/>'
        '<button id="b" idMso="Copy" label="y"/></group></tab></tabs></ribbon></customUI>')
    text = "\n".join(customui_problems(bad))
    for expected in ("label and getLabel exclude", "size: normal or large", "attribute colour", "duplicate id",
                     "exactly one of id"):
        assert expected in text


def test_collections_tab_has_a_button_for_every_action(built):
    tabs = list(_ribbon(built).iter(NS + "tab"))
    assert [t.get("label") for t in tabs] == ["Collections"]
    tags = [b.get("tag") for b in _buttons(built)]
    assert len(tags) == len(set(tags))
    assert set(tags) == set(macros.ENTRY_POINTS)
    for b in _buttons(built):
        assert b.get("imageMso") and b.get("label") and b.get("onAction")


def test_buttons_without_an_action_in_this_installation_are_disabled(built):
    for b in _buttons(built):
        disabled = b.get("enabled") == "false"
        assert disabled == (b.get("tag") not in macros.available()), b.get("tag")
    all_on = ET.fromstring(xlam.ribbon_xml(set(macros.ENTRY_POINTS)))
    assert not [b for b in all_on.iter(NS + "button") if b.get("enabled") == "false"]
    none_on = ET.fromstring(xlam.ribbon_xml(set()))
    assert all(b.get("enabled") == "false" for b in none_on.iter(NS + "button"))


def test_my_worklist_button_is_on_and_runs_the_worklist(built):
    b = [b for b in _buttons(built) if b.get("tag") == "my_worklist"]
    assert len(b) == 1 and b[0].get("label") == "My worklist" and b[0].get("enabled") != "false"
    assert b[0].get("onAction") == "ArXlDispatch" and "user.<login>" in b[0].get("supertip")
    assert macros.ENTRY_POINTS["my_worklist"][1] == "actions.worklist"


def test_statement_button_is_on_beside_reminders_and_runs_the_statement(built):
    group = [g for g in _ribbon(built).iter(NS + "group") if g.get("label") == "Reminders"][0]
    tags = [b.get("tag") for b in group.iter(NS + "button")]
    assert tags == ["my_worklist", "reminders", "statement"]
    b = [b for b in group.iter(NS + "button") if b.get("tag") == "statement"][0]
    assert b.get("label") == "Statement" and b.get("enabled") != "false" and b.get("onAction") == "ArXlDispatch"
    assert macros.ENTRY_POINTS["statement"][1] == "actions.statement"


# ------------------------------------------------------------------ the VBA project

def _vba_code(path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {name.rsplit(".", 1)[0]: code for (_, _, name, code) in parser.extract_macros()}
    finally:
        parser.close()


def test_every_onaction_is_a_ribbon_callback_in_the_vba(built):
    code = _vba_code(built)
    assert set(code) == {"ThisWorkbook", "Sheet1", "ArXlRibbon"}
    callbacks = {}
    for module, text in code.items():
        for m in re.finditer(r"^(Public\s+)?Sub\s+(\w+)\s*\(\s*(ByRef\s+)?control\s+As\s+IRibbonControl\s*\)",
                             text, flags=re.M | re.I):
            callbacks[m.group(2)] = module
    actions = {b.get("onAction").split(".")[-1] for b in _buttons(built)}
    assert actions <= set(callbacks), f"missing callbacks: {actions - set(callbacks)}"
    assert actions == {"ArXlDispatch", "ArXlImportStatement", "ArXlLoadOpenItems"}


def test_the_vba_runs_the_tag_through_xlwings_runpython(built):
    text = _vba_code(built)["ArXlRibbon"]
    assert "control.Tag" in text
    assert 'import ar_xl.excel.macros as m; m.dispatch(' in text
    target = re.search(r'RUN_PYTHON As String = "\'xlwings\.xlam\'!(\w+)"', text).group(1)
    main = (Path(importlib.import_module("xlwings").__file__).parent / "addin" / "Main.bas").read_text()
    assert re.search(rf"^Public Function {target}\(PythonCommand As String\)", main, flags=re.M), \
        "the xlwings add-in no longer has RunPython(PythonCommand)"


def test_the_vba_project_is_source_only_unprotected_and_visible(built):
    data = _zip(built).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(data))
    head = ole.openstream("VBA/_VBA_PROJECT").read()
    assert len(head) == 7 and struct.unpack_from("<HH", head) == (0x61CC, 0xFFFF)  # recompile from source
    project = ole.openstream("PROJECT").read().decode("cp1252")
    values = dict(re.findall(r'^(\w+)="?([^"\r\n]*)"?\r$', project, flags=re.M))
    assert ovba.decrypt(values["CMG"]) == b"\0\0\0\0"   # not protected
    assert ovba.decrypt(values["DPB"]) == b"\0"          # no password
    assert ovba.decrypt(values["GC"]) == b"\xff"         # visible
    assert "Module=ArXlRibbon" in project and "Document=ThisWorkbook/&H00000000" in project
    d = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
    offsets, i = [], 0
    while i < len(d):
        rid, size = struct.unpack_from("<HI", d, i)
        size = 6 if rid == 0x0009 else size
        if rid == 0x0031:
            offsets.append(struct.unpack_from("<I", d, i + 6)[0])
        i += 6 + size
    assert offsets == [0, 0, 0]  # no p-code before any module's source


def test_the_package_points_at_the_ribbon_and_the_vba(built):
    z = _zip(built)
    rels = z.read("_rels/.rels").decode()
    assert 'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" ' \
           'Target="customUI/customUI14.xml"' in rels
    types = z.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    assert "vbaProject" in z.read("xl/_rels/workbook.xml.rels").decode()
    for name in z.namelist():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(z.read(name))  # well-formed


def test_libreoffice_imports_the_vba_project(built, tmp_path):
    """LibreOffice's VBA import (filter "Calc MS Excel 2007 VBA XML") reads the project and keeps its modules;
    saved as .ods they are in Basic/<project>/<module>.xml."""
    exe = lo.soffice()  # raises when LibreOffice is missing: this test fails, it is not skipped
    src = tmp_path / "ar_xl.xlsm"
    shutil.copyfile(built, src)
    out = tmp_path / "out"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.run([exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                               "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(out),
                               str(src)], capture_output=True, text=True, timeout=180)
    ods = out / "ar_xl.ods"
    assert ods.exists(), f"LibreOffice could not read the add-in: {proc.stdout}\n{proc.stderr}"
    z = zipfile.ZipFile(ods)
    names = set(z.namelist())
    assert {"Basic/ArXl/ArXlRibbon.xml", "Basic/ArXl/ThisWorkbook.xml", "Basic/ArXl/Sheet1.xml"} <= names
    module = ET.fromstring(z.read("Basic/ArXl/ArXlRibbon.xml"))
    source = module.text
    assert module.get("{http://openoffice.org/2000/script}moduleType") == "normal"
    assert "Sub ArXlDispatch(control As IRibbonControl)" in source
    assert "Sub ArXlImportStatement(control As IRibbonControl)" in source
    assert "m.dispatch(" in source
    doc = ET.fromstring(z.read("Basic/ArXl/ThisWorkbook.xml"))
    assert doc.get("{http://openoffice.org/2000/script}moduleType") == "document"
    assert "Collections ribbon tab" in z.read("content.xml").decode()  # the sheet part was read too


# ------------------------------------------------------------------ the writer itself

def test_compression_round_trips_through_olevba():
    text = (xlam.ADDIN_DIR / "ArXlRibbon.bas").read_bytes() * 7
    for data in (b"", b"a", b"abcabcabc" * 900, text, bytes(range(256)) * 40):
        assert bytes(decompress_stream(bytearray(ovba.compress(data)))) == data


def _rb_valid(entries, sid) -> int:
    """Black height of the subtree at sid; asserts no red node has a red child."""
    if sid == 0xFFFFFFFF:
        return 1
    e = entries[sid]
    for child in (e["left"], e["right"]):
        if child != 0xFFFFFFFF:
            assert not (e["color"] == 0 and entries[child]["color"] == 0), "red node with a red child"
    lh, rh = _rb_valid(entries, e["left"]), _rb_valid(entries, e["right"])
    assert lh == rh, "unequal black heights"
    return lh + (e["color"] == 1)


def test_a_large_project_is_a_valid_compound_file(tmp_path):
    mods = [ovba.Module.document_module("ThisWorkbook", ovba.WORKBOOK_BASE)]
    mods += [ovba.Module(f"Module{i}", f'Attribute VB_Name = "Module{i}"\r\n' +
                         "".join(f"Sub P{i}_{j}()\r\n  Debug.Print {j * i}\r\nEnd Sub\r\n" for j in range(40 * i)))
             for i in range(1, 24)]
    data = ovba.build_project("Big", mods)
    ole = olefile.OleFileIO(io.BytesIO(data))
    for m in mods[1:]:
        src = decompress_stream(bytearray(ole.openstream(f"VBA/{m.name}").read())).decode("cp1252")
        assert src.startswith(f'Attribute VB_Name = "{m.name}"') and src.count("End Sub") == src.count("Sub P")
    # the directory: sorted siblings (length, then upper case), a valid red-black tree under each storage
    dir_bytes = b"".join(ole.getsect(s) for s in _chain(ole, ole.first_dir_sector))
    entries = []
    for i in range(0, len(dir_bytes), 128):
        e = dir_bytes[i:i + 128]
        n = struct.unpack_from("<H", e, 64)[0]
        entries.append({"name": e[:max(n - 2, 0)].decode("utf-16-le"), "type": e[66], "color": e[67],
                        "left": struct.unpack_from("<I", e, 68)[0], "right": struct.unpack_from("<I", e, 72)[0],
                        "child": struct.unpack_from("<I", e, 76)[0]})
    for e in entries:
        if e["type"] in (1, 5) and e["child"] != 0xFFFFFFFF:
            root = e["child"]
            assert entries[root]["color"] == 1
            _rb_valid(entries, root)
            order = []

            def walk(sid):
                if sid != 0xFFFFFFFF:
                    walk(entries[sid]["left"])
                    order.append(entries[sid]["name"])
                    walk(entries[sid]["right"])
            walk(root)
            assert order == sorted(order, key=lambda n: (len(n), n.upper()))


def _chain(ole, start):
    out, s = [], start
    while s not in (0xFFFFFFFE, 0xFFFFFFFF):
        out.append(s)
        s = ole.fat[s]
    return out


# ------------------------------------------------------------------ install

def test_install_and_uninstall_into_a_given_folder(built, tmp_path):
    target = xlam.install(built, tmp_path / "XLSTART")
    assert target == tmp_path / "XLSTART" / "ar_xl.xlam" and target.read_bytes() == built.read_bytes()
    assert xlam.uninstall(tmp_path / "XLSTART") == target and not target.exists()
    assert xlam.uninstall(tmp_path / "XLSTART") is None


def test_excel_startup_folders():
    assert xlam.startup_dir("win32", {"APPDATA": r"C:\Users\anna\AppData\Roaming"}) == \
        Path(r"C:\Users\anna\AppData\Roaming") / "Microsoft" / "Excel" / "XLSTART"
    mac = xlam.startup_dir("darwin", {}, Path("/Users/anna"))
    assert mac.parts[-3:] == ("User Content.localized", "Startup.localized", "Excel")
    with pytest.raises(ArXlError, match="Windows or macOS"):
        xlam.startup_dir("linux", {})


def test_cli_build_install_uninstall(tmp_path, capsys, monkeypatch):
    out = tmp_path / "ar_xl.xlam"
    assert cli.main(["addin", "build", "--out", str(out)]) == 0 and out.exists()
    assert cli.main(["addin", "install", "--file", str(out), "--dir", str(tmp_path / "start")]) == 0
    printed = capsys.readouterr().out
    assert "xlwings addin install" in printed and "UDF Modules: udfs.ar_functions" in printed
    assert cli.main(["addin", "uninstall", "--dir", str(tmp_path / "start")]) == 0
    monkeypatch.setattr("sys.platform", "linux")
    assert cli.main(["addin", "install", "--file", str(out)]) == 2
    assert "Windows or macOS" in capsys.readouterr().err


# ------------------------------------------------------------------ the UDF module IT types in

def test_the_udf_module_is_importable_and_every_function_is_decorated():
    """``UDF Modules = udfs.ar_functions`` imports by name, and every AR_* function in it carries
    ``@xw.func`` (off Windows ``xw.func`` is a no-op, so the decorators are read from the source;
    tests/test_udfs.py runs them through classic xlwings' and xlwings Server's own call paths)."""
    import ast

    module = importlib.import_module(xlam.UDF_MODULES)
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    udfs = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            udfs[node.name] = [ast.unparse(d) for d in node.decorator_list]
    assert {"AR_AGING", "AR_BUCKET"} <= set(udfs)
    for name, decorators in udfs.items():
        assert name.startswith("AR_"), f"{name}: a public function of the UDF module that is not AR_*"
        assert any(d == "xw.func" or d.startswith("xw.func(") for d in decorators), f"{name} lacks @xw.func"
        assert callable(getattr(module, name))

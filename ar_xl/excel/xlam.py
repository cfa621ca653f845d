"""Build and install ``ar_xl.xlam``, the Excel add-in that adds the Collections ribbon tab.

The add-in is built from text kept in the repository:

* ``ar_xl/excel/addin/customUI.xml``: the ribbon (Office 2010+ ``customUI14``);
* ``ar_xl/excel/addin/*.bas``: the VBA modules (the ribbon callbacks).

``build`` writes a macro-enabled add-in package (``.xlam``): a minimal
SpreadsheetML workbook with one sheet, the ribbon part, and a
``vbaProject.bin`` written by ``ar_xl.excel.ovba`` that holds the VBA *source only*
(no compiled p-code, version 0xFFFF), so Excel compiles it when it loads the
add-in, whatever its version or bitness.  A button whose Python action is not
available in this installation (``ar_xl.excel.macros.available()``) is built
disabled.

``install`` copies the built file into Excel's per-user startup folder
(``XLSTART``), where Excel opens it at every start; ``uninstall`` removes it.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

from . import ovba
from ..errors import ArXlError

ADDIN_DIR = Path(__file__).with_name("addin")
ADDIN_NAME = "ar_xl.xlam"
PROJECT_NAME = "ArXl"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
UDF_MODULES = "udfs.ar_functions"
"""What to type in the xlwings ribbon's "UDF Modules" box (the module holding the ``AR_*`` functions)."""

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"


# ---------------------------------------------------------------- sources

def customui_source() -> str:
    return (ADDIN_DIR / "customUI.xml").read_text(encoding="utf-8")


def vba_sources() -> dict[str, str]:
    """Module name -> source text of every ``ar_xl/excel/addin/*.bas``."""
    out = {}
    for path in sorted(ADDIN_DIR.glob("*.bas")):
        text = path.read_text(encoding="utf-8")
        m = re.match(r'\s*Attribute\s+VB_Name\s*=\s*"([^"]+)"', text)
        if not m:
            raise ArXlError(f"{path}: the first line must be Attribute VB_Name = \"...\"")
        out[m.group(1)] = text
    return out


def modules() -> list[ovba.Module]:
    mods = [ovba.Module.document_module("ThisWorkbook", ovba.WORKBOOK_BASE),
            ovba.Module.document_module("Sheet1", ovba.WORKSHEET_BASE)]
    mods += [ovba.Module(name, text) for name, text in vba_sources().items()]
    return mods


def ribbon_xml(available: set[str] | None = None) -> str:
    """The ribbon with every button whose tag is not in ``available`` disabled."""
    if available is None:
        from . import macros
        available = macros.available()
    text = customui_source()

    def button(m: re.Match) -> str:
        tag = re.search(r'\btag="([^"]*)"', m.group(0))
        if tag and tag.group(1) not in available and "enabled=" not in m.group(0):
            return m.group(0)[:-2].rstrip() + ' enabled="false"/>'
        return m.group(0)
    return re.sub(r"<button\b[^>]*/>", button, text, flags=re.S)


# ---------------------------------------------------------------- package

def _parts(ribbon: str, vba: bytes) -> dict[str, bytes]:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    from .. import __version__
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_NS_PKG_REL}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
            'Target="docProps/app.xml"/>'
            f'<Relationship Id="rId4" Type="{_REL_UI14}" Target="customUI/customUI14.xml"/>'
            '</Relationships>'),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<dc:title>ar-xl Collections</dc:title>'
            f'<dc:description>Collections ribbon tab of ar-xl {__version__}</dc:description>'
            '<dc:creator>ar-xl addin build</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            '</cp:coreProperties>'),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Application>Microsoft Excel</Application></Properties>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            '<workbookPr codeName="ThisWorkbook"/>'
            '<bookViews><workbookView/></bookViews>'
            '<sheets><sheet name="ar-xl" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_NS_PKG_REL}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
            'Target="vbaProject.bin"/>'
            '</Relationships>'),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            '<sheetPr codeName="Sheet1"/><dimension ref="A1"/>'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            f'ar-xl {__version__}: the Collections ribbon tab. Built from ar_xl/excel/addin by `ar-xl addin build`.'
            '</t></is></c></row></sheetData>'
            '</worksheet>'),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_NS_MAIN}">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>'),
        "customUI/customUI14.xml": ribbon,
    }
    out = {k: v.encode("utf-8") for k, v in parts.items()}
    out["xl/vbaProject.bin"] = vba
    return out


def default_out() -> Path:
    return Path.cwd() / ADDIN_NAME


def build(out: str | Path | None = None, available: set[str] | None = None) -> Path:
    """Write the add-in to ``out`` (default ``./ar_xl.xlam``) and return its path."""
    out = Path(out) if out else default_out()
    if out.suffix.lower() != ".xlam":
        raise ArXlError(f"{out}: an Excel add-in must end in .xlam")
    ribbon = ribbon_xml(available)
    vba = ovba.build_project(PROJECT_NAME, modules())
    tmp = out.with_name(f".~{out.name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _parts(ribbon, vba).items():
            z.writestr(name, data)
    os.replace(tmp, out)
    return out


# ---------------------------------------------------------------- install

def startup_dir(platform: str | None = None, env: dict | None = None, home: Path | None = None) -> Path:
    """Excel's per-user startup folder (an add-in there is opened at every start)."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = home or Path.home()
    if platform.startswith("win"):
        appdata = env.get("APPDATA")
        if not appdata:
            raise ArXlError("APPDATA is not set; cannot find Excel's XLSTART folder (give --dir)")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return (home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel")
    raise ArXlError(
        f"Excel for {platform} does not exist: the add-in runs in Excel on Windows or macOS. "
        "Build it here with `ar-xl addin build` and install it on the Excel machine, "
        "or give the target folder with --dir.")


def install(source: str | Path | None = None, target_dir: str | Path | None = None) -> Path:
    """Copy the built add-in into ``target_dir`` (default: Excel's XLSTART); building it first if needed."""
    target_dir = Path(target_dir) if target_dir else startup_dir()
    source = Path(source) if source else None
    if source is None:
        source = default_out()
        if not source.exists():
            build(source)
    if not source.exists():
        raise ArXlError(f"{source}: no such add-in; build it with `ar-xl addin build`")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / ADDIN_NAME
    try:
        shutil.copyfile(source, target)
    except PermissionError:
        raise ArXlError(f"{target}: cannot write it; close Excel and try again") from None
    return target


def uninstall(target_dir: str | Path | None = None) -> Path | None:
    """Remove the add-in from ``target_dir`` (default: Excel's XLSTART); None when it was not there."""
    target_dir = Path(target_dir) if target_dir else startup_dir()
    target = target_dir / ADDIN_NAME
    if not target.exists():
        return None
    try:
        target.unlink()
    except PermissionError:
        raise ArXlError(f"{target}: cannot remove it; close Excel and try again") from None
    return target


def next_steps(target: Path) -> str:
    """What IT still has to set up after installing: xlwings' own add-in and the AR_* functions."""
    return "\n".join([
        f"installed {target}",
        "Excel opens it at every start: the Collections tab appears once Excel is restarted.",
        "",
        "The buttons run Python through xlwings' own add-in. If it is not installed yet:",
        "  xlwings addin install",
        "Then, in Excel's xlwings tab:",
        f"  Interpreter: the python.exe of this environment ({sys.executable})",
        f"  UDF Modules: {UDF_MODULES}",
        "The AR_* worksheet functions are ready in workbooks/analyst.xlsm (`ar-xl workbooks build` writes it);",
        "  in any other workbook click Import Functions once.",
        "Test: open the collections workbook and click Collections > Refresh aging.",
    ])

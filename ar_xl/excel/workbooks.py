"""The workbooks a team starts from, kept in the repository's ``workbooks/`` folder.

* ``collections.xlsx``: the empty shared collections workbook, written by ``xlsx.create``
  exactly as ``ar-xl init`` writes it.
* ``analyst.xlsm``: the same tables, plus
  - a VBA project (written by ``ovba``, source only) holding the module ``xlwings_udfs`` with the
    ``AR_*`` wrappers xlwings' *Import Functions* would write (``udf_vba``), and a reference to
    the xlwings add-in's project, where the wrappers' ``XLPy`` lives;
  - an ``xlwings.conf`` sheet whose ``UDF Modules`` names our UDF module, as the add-in's
    instructions set it in the ribbon; xlwings reads that sheet before any config file;
  - an ``AR functions`` sheet listing the functions, their arguments and what they return.
  An analyst opens it and types ``=AR_AGING(Invoices[#All], TODAY())``: no Import Functions, no
  "Trust access to the VBA project object model".

``build`` writes both.  The same code gives the same bytes: zip entries carry a fixed time, the
document properties a fixed date, the VBA project a fixed id and encryption seed.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import uuid
import zipfile
from pathlib import Path

from ..errors import ArXlError
from . import ovba, udf_vba
from .xlam import UDF_MODULES  # the module holding the AR_* functions: the conf sheet and the wrappers name it

COLLECTIONS = "collections.xlsx"
ANALYST = "analyst.xlsm"
CONF_SHEET = "xlwings.conf"
FUNCTIONS_SHEET = "AR functions"
PROJECT_NAME = "VBAProject"
PROJECT_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "ar-xl/workbooks/analyst.xlsm")).upper() + "}"
SEED = 0x41
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
"""The time stamped on every zip entry and document property, so a rebuild changes no byte."""


def default_dir() -> Path:
    return Path.cwd() / "workbooks"


# ---------------------------------------------------------------- collections.xlsx

def build_collections(path: str | Path) -> Path:
    """The empty collections workbook, as ``ar-xl init`` writes it, with fixed time stamps."""
    from ..workbook import xlsx
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="ar-xl-workbooks-") as tmp:
        raw = xlsx.create(Path(tmp) / COLLECTIONS)
        _write_fixed(raw.read_bytes(), path)
    return path


# ---------------------------------------------------------------- analyst.xlsm

def vba_modules(wb) -> list[ovba.Module]:
    """ThisWorkbook, one document module per sheet (matching its code name) and ``xlwings_udfs``."""
    mods = [ovba.Module.document_module("ThisWorkbook", ovba.WORKBOOK_BASE)]
    mods += [ovba.Module.document_module(ws.sheet_properties.codeName, ovba.WORKSHEET_BASE) for ws in wb.worksheets]
    mods.append(ovba.Module(udf_vba.MODULE_NAME, udf_vba.module_source(UDF_MODULES)))
    return mods


def vba_project(wb) -> bytes:
    return ovba.build_project(PROJECT_NAME, vba_modules(wb), project_id=PROJECT_ID, seed=SEED,
                              references=(ovba.STDOLE, ovba.OFFICE, udf_vba.XLWINGS_REFERENCE))


def _vba_archive(vba: bytes) -> zipfile.ZipFile:
    """What openpyxl takes the macros of a workbook from (``wb.vba_archive``, as ``keep_vba`` sets it)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>')
        z.writestr("xl/vbaProject.bin", vba)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def _functions_sheet(ws) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.table import Table, TableStyleInfo
    udfs = udf_vba.read_udfs(_udf_path())
    ws.append(["Function", "Arguments", "Returns"])
    for u in udfs:
        args = ", ".join(f"[{name}]" if optional else name for name, vba, optional in u.args if vba is None)
        ws.append([u.name, f"{u.name}({args})", " ".join(u.doc.split())])
    for row in ws.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
        for c in row[:2]:
            c.alignment = Alignment(vertical="top")
    ws["A1"].font = ws["B1"].font = ws["C1"].font = Font(bold=True)
    tbl = Table(displayName="ArFunctions", ref=f"A1:C{len(udfs) + 1}")
    tbl.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(tbl)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 90
    ws.freeze_panes = "A2"


def _conf_sheet(ws) -> None:
    ws["A1"], ws["B1"] = "UDF Modules", UDF_MODULES


def _udf_path() -> Path:
    import importlib.util
    spec = importlib.util.find_spec(UDF_MODULES)
    if spec is None or not spec.origin:
        raise ArXlError(f"{UDF_MODULES}: the UDF module is not on the Python path")
    return Path(spec.origin)


def build_analyst(path: str | Path) -> Path:
    """The collections tables, the ``AR_*`` wrappers in its VBA project and the xlwings.conf sheet."""
    import openpyxl
    from ..workbook import xlsx
    path = Path(path)
    if path.suffix.lower() != ".xlsm":
        raise ArXlError(f"{path}: a workbook with macros must end in .xlsm")
    with tempfile.TemporaryDirectory(prefix="ar-xl-workbooks-") as tmp:
        wb = openpyxl.load_workbook(xlsx.create(Path(tmp) / COLLECTIONS))
        _functions_sheet(wb.create_sheet(FUNCTIONS_SHEET))
        _conf_sheet(wb.create_sheet(CONF_SHEET))
        wb.code_name = "ThisWorkbook"
        for i, ws in enumerate(wb.worksheets, start=1):
            ws.sheet_properties.codeName = f"Sheet{i}"
        wb.vba_archive = _vba_archive(vba_project(wb))
        raw = Path(tmp) / ANALYST
        wb.save(raw)
        _write_fixed(raw.read_bytes(), path)
    return path


# ---------------------------------------------------------------- both

def build(out_dir: str | Path | None = None) -> list[Path]:
    """Write ``collections.xlsx`` and ``analyst.xlsm`` into ``out_dir`` (default ``./workbooks``)."""
    out_dir = Path(out_dir) if out_dir else default_dir()
    if out_dir.exists() and not out_dir.is_dir():
        raise ArXlError(f"{out_dir}: not a folder; give the folder to write the workbooks to")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return [build_collections(out_dir / COLLECTIONS), build_analyst(out_dir / ANALYST)]
    except PermissionError as e:
        raise ArXlError(f"{e.filename or out_dir}: cannot write there ({e.strerror})") from None


_STAMP = "%04d-%02d-%02dT%02d:%02d:%02dZ" % FIXED_TIME
_PROPS = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def _write_fixed(package: bytes, path: Path) -> None:
    """Rewrite a zip package with fixed entry times and document dates, to a temporary file that
    then replaces ``path``."""
    src = zipfile.ZipFile(io.BytesIO(package))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _PROPS.sub(lambda m: m.group(1) + _STAMP.encode() + m.group(3), data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            out.writestr(entry, data)
    fd, tmp = tempfile.mkstemp(prefix=".~ar-xl-", suffix=path.suffix, dir=path.parent)  # PermissionError: see build
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except PermissionError:
        os.unlink(tmp)
        raise ArXlError(f"{path}: cannot write it; is it open in Excel? Close it and try again") from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

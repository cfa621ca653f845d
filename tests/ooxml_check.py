"""Validate the XML parts of Office Open XML packages against the ECMA-376 (ISO/IEC 29500) transitional
schemas vendored in ``tests/schemas`` (see SOURCE.md there), with lxml.

    PYTHONPATH=. .venv/bin/python tests/ooxml_check.py [-v] FILE...     # check these packages
    PYTHONPATH=. .venv/bin/python tests/ooxml_check.py [-v] --ours      # build every kind of file ar-xl
                                                                          # writes, in a temp folder, and check them

It prints each violation (package, part, line, message) and a last line
``schema violations N of M parts`` (N parts with at least one violation, M parts checked).

The schemas say nothing of ids that must be unique across a part or the package, which Excel reports as
unreadable content and repairs; ``check_ids`` looks for those (``Report.duplicates``, printed and counted
with the violations): a sheetId, sheet name (ignoring case, as Excel does), sheet or pivot cache r:id,
pivot cacheId, or a defined name and its scope given twice in ``workbook.xml``, or a ``localSheetId`` past
the last sheet; a table id or name (ignoring case) given twice in the package; a relationship Id given
twice in one ``.rels`` part; two part names, content-type overrides or defaults equal but for case.

Which schema checks a part is decided by its root element's namespace (``SCHEMA_FOR``).  Before
validating, markup compatibility (ECMA-376 Part 3) is applied as a consumer does: attributes and
elements of the namespaces a part lists in ``mc:Ignorable`` are dropped, and an ``mc:AlternateContent``
is replaced by its ``mc:Fallback``.  Binary parts (``vbaProject.bin``), VML drawings, the core
properties (their schema imports Dublin Core from the web) and Microsoft's ribbon ``customUI`` have no
schema here and are listed as not checked.
"""
from __future__ import annotations

import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).resolve().parent / "schemas"

SCHEMA_FOR = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": "sml.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "dml-chart.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing": "dml-spreadsheetDrawing.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "dml-main.xsd",
    "http://schemas.openxmlformats.org/package/2006/content-types": "opc-contentTypes.xsd",
    "http://schemas.openxmlformats.org/package/2006/relationships": "opc-relationships.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties":
        "shared-documentPropertiesExtended.xsd",
}
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


@dataclass
class Report:
    package: str
    checked: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    violations: dict[str, list[str]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    """What ``check_ids`` found: ids given twice where they must be unique (empty when none)."""


@lru_cache(maxsize=None)
def schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


def _preprocess(root: etree._Element) -> etree._Element:
    """Markup compatibility as a consumer applies it: ignorable namespaces dropped, Fallback kept."""
    ignorable: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        value = el.get(f"{{{MC}}}Ignorable")
        if value:
            ignorable |= {el.nsmap.get(p) for p in value.split() if el.nsmap.get(p)}
    for alt in list(root.iter(f"{{{MC}}}AlternateContent")):
        parent = alt.getparent()
        fallback = alt.find(f"{{{MC}}}Fallback")
        i = parent.index(alt)
        parent.remove(alt)
        for k, child in enumerate(list(fallback) if fallback is not None else []):
            parent.insert(i + k, child)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        for a in list(el.attrib):
            ns = etree.QName(a).namespace
            if ns == MC or ns in ignorable:
                del el.attrib[a]
        if el is not root and etree.QName(el).namespace in ignorable and el.getparent() is not None:
            el.getparent().remove(el)
    return root


def check_package(path: str | Path) -> Report:
    path = Path(path)
    rep = Report(str(path))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith("/"):
                continue
            data = z.read(name)
            if not (name.endswith(".xml") or name.endswith(".rels")):
                rep.unchecked.append(name)
                continue
            root = etree.fromstring(data, parser)
            xsd = SCHEMA_FOR.get(etree.QName(root).namespace)
            if xsd is None:
                rep.unchecked.append(name)
                continue
            rep.checked.append(name)
            s = schema(xsd)
            if not s.validate(etree.ElementTree(_preprocess(root))):
                rep.violations[name] = [f"line {e.line}: {e.message}" for e in s.error_log]
        rep.duplicates = check_ids(z)
    return rep


SML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"


def _twice(values, what: str, where: str) -> list[str]:
    seen: dict = {}
    out = []
    for v in values:
        if v in seen:
            out.append(f"{where}: {what} {v!r} given twice")
        seen[v] = True
    return out


def check_ids(z: zipfile.ZipFile) -> list[str]:
    """Ids a package gives twice where OOXML (and Excel) wants them unique; see the module docstring."""
    import posixpath
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    names = [n for n in z.namelist() if not n.endswith("/")]
    out = _twice([n.lower() for n in names], "part name", "package")
    ct = etree.fromstring(z.read("[Content_Types].xml"), parser)
    overrides = [el.get("PartName", "").lower() for el in ct if etree.QName(el).localname == "Override"]
    out += _twice(overrides, "content type override", "[Content_Types].xml")
    out += _twice([el.get("Extension", "").lower() for el in ct if etree.QName(el).localname == "Default"],
                  "content type default", "[Content_Types].xml")
    for n in names:
        if n.endswith(".rels"):
            rels = etree.fromstring(z.read(n), parser)
            out += _twice([r.get("Id") for r in rels], "relationship Id", n)
    root_rels = etree.fromstring(z.read("_rels/.rels"), parser) if "_rels/.rels" in names else []
    book = next((r.get("Target").lstrip("/") for r in root_rels if r.get("Type", "").endswith("/officeDocument")),
                None)
    if book in names and etree.QName(etree.fromstring(z.read(book), parser)).namespace == SML[1:-1]:
        wb = etree.fromstring(z.read(book), parser)
        sheets = wb.findall(f"{SML}sheets/{SML}sheet")
        out += _twice([s.get("sheetId") for s in sheets], "sheetId", book)
        out += _twice([(s.get("name") or "").lower() for s in sheets], "sheet name", book)
        caches = [el for el in wb.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "pivotCache"]
        out += _twice([el.get("cacheId") for el in caches], "pivot cacheId", book)
        out += _twice([el.get(RID) for el in sheets + caches], "r:id", book)
        dn = wb.findall(f"{SML}definedNames/{SML}definedName")
        out += _twice([((d.get("name") or "").lower(), d.get("localSheetId")) for d in dn],
                      "defined name (name, localSheetId)", book)
        out += [f"{book}: defined name {d.get('name')!r} has localSheetId {d.get('localSheetId')} of "
                f"{len(sheets)} sheets" for d in dn
                if d.get("localSheetId") is not None and int(d.get("localSheetId")) >= len(sheets)]
    tables = [el.get("PartName", "").lstrip("/") for el in ct
              if etree.QName(el).localname == "Override" and el.get("ContentType") == TABLE_TYPE]
    tables += [n for n in names if posixpath.dirname(n) == "xl/tables" and n.endswith(".xml") and n not in tables]
    roots = [etree.fromstring(z.read(t), parser) for t in tables if t in names]
    out += _twice([t.get("id") for t in roots], "table id", "package")
    out += _twice([(t.get("displayName") or t.get("name") or "").lower() for t in roots], "table name", "package")
    return out


def build_ours(folder: Path) -> list[Path]:
    """Every kind of package ar-xl writes: the demo workbook (all actions, Dashboard with pivots and
    charts), an .xlsm from ``init`` after an action, the add-in, and an ``age --out`` XLSX."""
    import contextlib
    import io
    import os
    os.environ.setdefault("AR_XL_TODAY", "2026-11-23")
    import datetime as dt

    from ar_xl.cli import main
    from ar_xl.demo import builder
    out = []
    demo = folder / "demo.xlsx"
    builder.generate(demo, as_of=dt.date(2026, 5, 14), seed=7, customers=40)
    out.append(demo)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        xlsm = folder / "book.xlsm"
        if main(["init", str(xlsm)]) == 0:
            main(["contact", str(xlsm), "--customer", "C1", "--channel", "call", "--outcome", "reached"])
            out.append(xlsm)
        xlam = folder / "ar_xl.xlam"
        if main(["addin", "build", "--out", str(xlam)]) == 0:
            out.append(xlam)
        aging = folder / "aging.xlsx"
        if main(["age", "--invoices", str(demo), "--by", "invoice", "--out", str(aging)]) == 0:
            out.append(aging)
    return out


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    files = [a for a in argv if not a.startswith("-")]
    with tempfile.TemporaryDirectory() as tmp:
        if "--ours" in argv:
            files += [str(p) for p in build_ours(Path(tmp))]
        reports = [check_package(f) for f in files]
    bad = total = twice = 0
    for rep in reports:
        total += len(rep.checked)
        bad += len(rep.violations)
        twice += len(rep.duplicates)
        name = Path(rep.package).name
        print(f"{name}: {len(rep.violations)} of {len(rep.checked)} parts violate the schemas"
              + (f"; not checked: {', '.join(rep.unchecked)}" if verbose and rep.unchecked else ""))
        for d in rep.duplicates:
            print(f"  {d}")
        for part, errs in rep.violations.items():
            for e in errs[: (None if verbose else 3)]:
                print(f"  {part}: {e}")
            if not verbose and len(errs) > 3:
                print(f"  {part}: ... {len(errs) - 3} more")
    print(f"schema violations {bad} of {total} parts; ids given twice {twice}")
    return 1 if bad or twice else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv[1:]))

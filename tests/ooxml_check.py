"""Validate the XML parts of Office Open XML packages against the ECMA-376 (ISO/IEC 29500) transitional
schemas vendored in ``tests/schemas`` (see SOURCE.md there), with lxml.

    PYTHONPATH=. .venv/bin/python tests/ooxml_check.py [-v] FILE...     # check these packages
    PYTHONPATH=. .venv/bin/python tests/ooxml_check.py [-v] --ours      # build every kind of file ar-xl
                                                                          # writes, in a temp folder, and check them

It prints each violation (package, part, line, message) and a last line
``schema violations N of M parts`` (N parts with at least one violation, M parts checked).

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
    return rep


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
    bad = total = 0
    for rep in reports:
        total += len(rep.checked)
        bad += len(rep.violations)
        name = Path(rep.package).name
        print(f"{name}: {len(rep.violations)} of {len(rep.checked)} parts violate the schemas"
              + (f"; not checked: {', '.join(rep.unchecked)}" if verbose and rep.unchecked else ""))
        for part, errs in rep.violations.items():
            for e in errs[: (None if verbose else 3)]:
                print(f"  {part}: {e}")
            if not verbose and len(errs) > 3:
                print(f"  {part}: ... {len(errs) - 3} more")
    print(f"schema violations {bad} of {total} parts")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv[1:]))

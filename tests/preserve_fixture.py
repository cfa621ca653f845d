"""A collections workbook holding what people add to it (issue 9 §3), made by code.

openpyxl lays out the things it can write (cell notes, hyperlinks, conditional
formats, hidden rows and columns, row heights, column widths, merged cells,
sheet protection, drop-downs, defined names, a hidden sheet, formulas, a chart,
real PivotTables made by ``ar-xl dashboard`` and moved to a person's sheet);
the parts openpyxl cannot write are then added to the package as Excel lays
them out: a threaded comment and its person list, an image and a shape in a
drawing, a form control's properties, a slicer and its cache, and for an
``.xlsm`` a VBA project written by ``ar_xl.excel.ovba``.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ar_xl.cli import main
from ar_xl.excel import ovba
from ar_xl.workbook import package
from helpers import seeded

INVOICES = ([
    ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
    ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "300.00", "300.00", "open"),
    ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "800.00", "800.00", "open"),
    ("2026-0004", "C3", "Thames Freight Ltd", "2026-10-05", "2026-11-04", "GBP", "500.00", "500.00", "open"),
    ("2026-0005", "C2", "Spedition Kühn GmbH", "2026-10-09", "2026-11-08", "EUR", "640.00", "640.00", "open"),
], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
    "open_amount", "status"])
CUSTOMERS = ([
    ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne"),
    ("C2", "Spedition Kühn GmbH", "DE89370400440532013000", "DE", "de", "Markus"),
    ("C3", "Thames Freight Ltd", "GB29NWBK60161331926819", "GB", "en", "Sanne"),
], ["customer_id", "customer_name", "iban", "country", "language", "collector"])

NSDECL = (' xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'
          ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"')
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
def _png() -> bytes:
    """A 1x1 red PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = _png()


def statement(folder: Path) -> Path:
    entry = ('<Ntry><NtryRef>E1</NtryRef><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
             "<Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>"
             "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Bakker Logistiek B.V.</Nm></Dbtr></RltdPties>"
             "<RmtInf><Ustrd>Invoice 2026-0002</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
             '<Ntry><NtryRef>E2</NtryRef><Amt Ccy="EUR">700.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
             "<Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>"
             "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Spedition Kuhn</Nm></Dbtr></RltdPties>"
             "<RmtInf><Ustrd>Rechnung 2026-0003</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
            'camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-20T08:00:00</CreDtTm>'
            "</GrpHdr><Stmt><Id>S1</Id><Acct><Id><IBAN>NL20INGB0001234567</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            f"{entry}</Stmt></BkToCstmrStmt></Document>\n")
    path = folder / "statement.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _person_edits(wb) -> None:
    inv = wb["Invoices"]
    inv["A2"].comment = Comment("disputed by phone, see mail 12/11", "Sanne")
    inv["B2"].hyperlink = "https://erp.example.com/customer/C1"
    inv.conditional_formatting.add("H2:H100", CellIsRule(operator="greaterThan", formula=["1000"],
                                                          fill=PatternFill("solid", fgColor="FFC7CE")))
    inv.row_dimensions[3].height = 30
    inv.row_dimensions[5].hidden = True  # a row a person filtered away
    inv.column_dimensions["C"].width = 41
    inv["P1"] = "checked by Sanne"
    inv["P1"].font = Font(bold=True, color="C00000")
    inv["P2"] = "=SUM(Invoices[open_amount])"
    pay = wb["Payments"]
    pay.column_dimensions["B"].hidden = True
    pay.row_dimensions[1].height = 24

    ws = wb.create_sheet("My sheet")
    ws["A1"], ws["B1"] = "customer", "promised"
    for i, (c, v) in enumerate([("C1", 500), ("C2", 250), ("C3", 125.5)], start=2):
        ws.cell(i, 1, c)
        ws.cell(i, 2, v)
    ws["C2"] = "=B2*2"
    ws["D2"] = "=SUM(Invoices[open_amount])"
    ws["A6"] = "  spaced note  "
    ws["A1"].comment = Comment("call back Monday", "Sanne")
    ws["A2"].hyperlink = "https://portal.example.com/C1"
    ws.row_dimensions[2].height = 28
    ws.row_dimensions[5].hidden = True
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["E"].hidden = True
    ws.merge_cells("A8:C8")
    ws["A8"] = "merged title"
    ws.conditional_formatting.add("B2:B4", CellIsRule(operator="lessThan", formula=["200"],
                                                      fill=PatternFill("solid", fgColor="C6EFCE")))
    dv = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    dv.add("F2:F10")
    ws.add_data_validation(dv)
    ws.protection.sheet = True
    ws.protection.password = "team"
    chart = BarChart()
    chart.title = "promised"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=4))
    ws.add_chart(chart, "H2")
    hidden = wb.create_sheet("Lists")
    hidden["A1"] = "reasons"
    hidden.sheet_state = "hidden"
    wb.defined_names["PromisedTotal"] = DefinedName("PromisedTotal", attr_text="'My sheet'!$B$2:$B$4")
    ws.defined_names["LocalNote"] = DefinedName("LocalNote", attr_text="'My sheet'!$A$6")


def _rels_add(parts: dict, rels: str, rid: str, typ: str, target: str) -> None:
    data = parts.get(rels, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                                b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    parts[rels] = data.replace(b"</Relationships>", f'<Relationship Id="{rid}" Type="{typ}" Target="{target}"/>'
                               .encode() + b"</Relationships>")


def _ct_add(parts: dict, xml: str) -> None:
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", xml.encode() + b"</Types>")


def _sheet_part(pkg: package.Package, name: str) -> str:
    return next(p for n, p, _ in pkg.sheets() if n == name)


def _excel_parts(path: Path, xlsm: bool) -> None:
    """Parts openpyxl cannot write, added as Excel lays them out."""
    pkg = package.Package(path)
    parts = dict(pkg.parts)
    names = list(pkg.names)
    inv = _sheet_part(pkg, "Invoices")
    mine = _sheet_part(pkg, "My sheet")
    pivots = _sheet_part(pkg, "My pivots")
    R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    # a threaded comment on the noted cell, and the workbook's person list
    parts["xl/threadedComments/threadedComment1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments xmlns="http://schemas.'
        b'microsoft.com/office/spreadsheetml/2018/threadedcomments" xmlns:x="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><threadedComment ref="A2" dT="2026-11-12T09:30:00.00" personId="{6B1A0D2E-'
        b'1111-4C4C-9C9C-000000000001}" id="{0A0B0C0D-2222-4D4D-8E8E-000000000002}"><text>disputed by phone, '
        b'see mail 12/11</text></threadedComment></ThreadedComments>')
    parts["xl/persons/person.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList xmlns="http://schemas.microsoft.'
        b'com/office/spreadsheetml/2018/threadedcomments" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main"><person displayName="Sanne de Vries" id="{6B1A0D2E-1111-4C4C-9C9C-000000000001}" '
        b'userId="sanne@example.com" providerId="AD"/></personList>')
    _rels_add(parts, package.rels_name(inv), "rIdTc1",
              "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
              "/xl/threadedComments/threadedComment1.xml")
    _rels_add(parts, package.rels_name(pkg.workbook), "rIdPers",
              "http://schemas.microsoft.com/office/2017/10/relationships/person", "persons/person.xml")
    _ct_add(parts, '<Override PartName="/xl/threadedComments/threadedComment1.xml" ContentType="application/vnd.'
                   'ms-excel.threadedcomments+xml"/><Override PartName="/xl/persons/person.xml" ContentType='
                   '"application/vnd.ms-excel.person+xml"/>')
    # an image and a shape beside the person's chart
    drawing = next(p for _, t, p in pkg.targets(mine) if t.endswith("/drawing"))
    parts["xl/media/image1.png"] = PNG
    _rels_add(parts, package.rels_name(drawing), "rIdImg1", R + "/image", "/xl/media/image1.png")
    anchors = (
        '<xdr:oneCellAnchor' + NSDECL + '><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>10</xdr:row>'
        '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="952500" cy="952500"/><xdr:pic><xdr:nvPicPr>'
        '<xdr:cNvPr id="10" name="Logo"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip xmlns:r="' + R +
        '" r:embed="rIdImg1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:prstGeom '
        'prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>'
        '<xdr:oneCellAnchor' + NSDECL + '><xdr:from><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>10</xdr:row>'
        '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="1905000" cy="476250"/><xdr:sp macro="" textlink="">'
        '<xdr:nvSpPr><xdr:cNvPr id="11" name="Callout"/><xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr><a:prstGeom '
        'prst="wedgeRectCallout"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:p><a:r><a:t>'
        'ask for remittance</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/></xdr:oneCellAnchor>')
    d = parts[drawing]
    parts[drawing] = re.sub(rb"</(\w+:)?wsDr>", lambda m: anchors.encode() + m.group(0), d)
    _ct_add(parts, '<Default Extension="png" ContentType="image/png"/>')
    # a form control (a check box's properties)
    parts["xl/ctrlProps/ctrlProp1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<formControlPr xmlns="http://schemas.'
        b'microsoft.com/office/spreadsheetml/2009/9/main" objectType="CheckBox" checked="Checked" '
        b'fmlaLink="$F$2" lockText="1"/>')
    _rels_add(parts, package.rels_name(mine), "rIdCtrl1",
              "http://schemas.openxmlformats.org/officeDocument/2006/relationships/ctrlProp",
              "/xl/ctrlProps/ctrlProp1.xml")
    _ct_add(parts, '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" ContentType="application/vnd.ms-excel.'
                   'controlproperties+xml"/>')
    # a slicer on the person's pivot table, and its cache
    pivot_table = next(p for _, t, p in pkg.targets(pivots) if t.endswith("/pivotTable"))
    ptname = re.search(rb' name="([^"]+)"', parts[pivot_table]).group(1).decode()
    parts["xl/slicers/slicer1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<slicers xmlns="{X14}" xmlns:mc="http://'
        f'schemas.openxmlformats.org/markup-compatibility/2006"><slicer name="collector" cache="Slicer_collector" '
        f'caption="collector" rowHeight="241300"/></slicers>').encode()
    parts["xl/slicerCaches/slicerCache1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<slicerCacheDefinition xmlns="{X14}" '
        f'name="Slicer_collector" sourceName="collector"><pivotTables><pivotTable tabId="1" name="{ptname}"/>'
        f'</pivotTables><data><tabular pivotCacheId="1"><items count="0"/></tabular></data>'
        f'</slicerCacheDefinition>').encode()
    _rels_add(parts, package.rels_name(pivots), "rIdSl1",
              "http://schemas.microsoft.com/office/2007/relationships/slicer", "/xl/slicers/slicer1.xml")
    _rels_add(parts, package.rels_name(pkg.workbook), "rIdSlc1",
              "http://schemas.microsoft.com/office/2007/relationships/slicerCache", "slicerCaches/slicerCache1.xml")
    parts[pivots] = parts[pivots].replace(
        b"</worksheet>", f'<extLst><ext uri="{{3A4CF648-6AED-40f4-86FF-DC5316D8AED3}}" xmlns:x14="{X14}">'
        f'<x14:slicerList><x14:slicer xmlns:r="{R}" r:id="rIdSl1"/></x14:slicerList></ext></extLst>'
        f"</worksheet>".encode())
    parts[pkg.workbook] = parts[pkg.workbook].replace(
        b"</workbook>", f'<extLst><ext uri="{{BBE1A952-AA13-448e-AADC-164F8A28A991}}" xmlns:x14="{X14}">'
        f'<x14:slicerCaches><x14:slicerCache xmlns:r="{R}" r:id="rIdSlc1"/></x14:slicerCaches></ext></extLst>'
        f"</workbook>".encode())
    _ct_add(parts, '<Override PartName="/xl/slicers/slicer1.xml" ContentType="application/vnd.ms-excel.slicer+'
                   'xml"/><Override PartName="/xl/slicerCaches/slicerCache1.xml" ContentType="application/vnd.'
                   'ms-excel.slicerCache+xml"/>')
    if xlsm:
        vba = ovba.build_project("VBAProject", [
            ovba.Module.document_module("ThisWorkbook", ovba.WORKBOOK_BASE),
            ovba.Module("Reminders", 'Attribute VB_Name = "Reminders"\r\nSub Remind()\r\n    MsgBox "call"\r\n'
                                     "End Sub\r\n")])
        parts["xl/vbaProject.bin"] = vba
        _rels_add(parts, package.rels_name(pkg.workbook), "rIdVba",
                  "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin")
        ct = parts["[Content_Types].xml"]
        ct = ct.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        parts["[Content_Types].xml"] = ct.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                                  b'vnd.ms-office.vbaProject"/></Types>')
    for n in parts:
        if n not in names:
            names.append(n)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            z.writestr(n, parts[n])


def build(folder: Path, name: str = "team.xlsx") -> Path:
    """The team's workbook with everything a person may add (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = seeded(folder / name, Customers=CUSTOMERS, Invoices=INVOICES)
    assert main(["dashboard", str(path), "--as-of", "2026-11-23"]) == 0
    wb = openpyxl.load_workbook(path, keep_vba=False)
    wb["Dashboard"].title = "My pivots"  # a person's own PivotTables and charts
    _person_edits(wb)
    wb.save(path)
    _excel_parts(path, path.suffix.lower() == ".xlsm")
    return path

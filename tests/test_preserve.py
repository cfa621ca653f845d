"""What a person added to the workbook survives every action (issue 9 §3, issue 10 §1 and §5)."""
from __future__ import annotations

import openpyxl
from openpyxl.comments import Comment

from ar_xl.cli import main
from helpers import column, seeded

INVOICES = ([
    ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
    ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "300.00", "300.00", "open"),
    ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "800.00", "800.00", "open"),
], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
    "open_amount", "status"])
CUSTOMERS = ([
    ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne"),
    ("C2", "Spedition Kühn GmbH", "DE89370400440532013000", "DE", "de", "Markus"),
], ["customer_id", "customer_name", "iban", "country", "language", "collector"])


def team(path):
    return seeded(path, Customers=CUSTOMERS, Invoices=INVOICES)


def test_hyperlinks_in_invoices_and_on_a_persons_sheet_survive_refresh(tmp_path):
    path = team(tmp_path / "team.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Invoices"]["A2"].hyperlink = "https://erp.example.com/invoice/2026-0001"
    ws = wb.create_sheet("Notes")
    ws["A1"] = "my notes"
    ws["A1"].comment = Comment("call back Monday", "Sanne")
    ws["B2"] = "portal"
    ws["B2"].hyperlink = "https://portal.example.com"
    wb.save(path)
    assert main(["refresh", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    assert wb["Invoices"]["A2"].value == "2026-0001"
    assert wb["Invoices"]["A2"].hyperlink.target == "https://erp.example.com/invoice/2026-0001"
    assert wb["Notes"]["B2"].value == "portal"
    assert wb["Notes"]["B2"].hyperlink.target == "https://portal.example.com"
    assert wb["Notes"]["A1"].comment.text.startswith("call back Monday")


# ---------------------------------------------------------------- every action, every part a person added

import re  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from lxml import etree  # noqa: E402
from openpyxl.utils import range_boundaries  # noqa: E402

from ar_xl import schema  # noqa: E402
from ar_xl.workbook import package, xlsx  # noqa: E402
import ooxml_check  # noqa: E402
import preserve_fixture  # noqa: E402

M = package.M
TABLES = {t.name.lower() for t in schema.TABLES.values()}
LAID_OUT = {"Dashboard", "DashboardData", "CustomerView"}


def actions(p: str, stmt: str) -> list[list[str]]:
    """Every verb that writes the workbook, in an order a team would run them."""
    return [
        ["refresh", p],
        ["import", p, stmt],
        ["match", p],
        ["apply", p],
        ["dashboard", p, "--as-of", "2026-11-23"],
        ["promise", "add", p, "--customer", "C2", "--amount", "200", "--date", "2026-12-15"],
        ["promise", "check", p],
        ["plan", "create", p, "--customer", "C2", "--invoices", "2026-0005", "--installments", "3",
         "--first-due", "2026-12-31"],
        ["plan", "update", p],
        ["dispute", "add", p, "--customer", "C1", "--invoices", "2026-0001", "--reason", "price",
         "--note", "old price list"],
        ["dispute", "status", p, "D-000001", "in review"],
        ["contact", p, "--customer", "C1", "--channel", "call", "--outcome", "will pay Friday",
         "--note", "  two spaces before and after  "],
        ["worklist", p, "--as-of", "2026-11-23"],
        ["forecast", p, "--as-of", "2026-11-23"],
        ["credit", p, "--as-of", "2026-11-23"],
        ["credits", p, "--as-of", "2026-11-23"],
        ["writeoff", p, "--invoices", "2026-0005", "--amount", "10", "--reason", "small balance"],
        ["handover", p, "--customer", "C3", "--to", "Incasso Noord B.V.", "--on", "2026-11-23"],
        ["remind", p, "--as-of", "2026-11-23", "--out", str(Path(p).parent)],
        ["statement", p, "--customer", "C1", "--as-of", "2026-11-23", "--out", str(Path(p).parent / "st-C1.pdf")],
        ["customer", p, "C1", "--as-of", "2026-11-23"],
        ["audit-archive", p, "--keep", "5"],
        ["dashboard", p, "--as-of", "2026-11-24"],
        ["customer", p, "C2", "--as-of", "2026-11-24"],
    ]


def owned_parts(pkg: package.Package) -> tuple[set[str], dict[str, list]]:
    """The parts the shell may rewrite: table sheets and their table parts, the laid-out sheets with what
    they reach, and the package's index parts; plus each table sheet's table ranges."""
    owned = {pkg.workbook, package.rels_name(pkg.workbook), "[Content_Types].xml"}
    owned |= {p for _, t, p in pkg.targets(pkg.workbook) if t.endswith(("/styles", "/calcChain"))}
    ranges = {}
    for name, part, _ in pkg.sheets():
        if name in LAID_OUT:
            todo = [part]
            while todo:
                q = todo.pop()
                if q in owned or q not in pkg.parts:
                    continue
                owned.add(q)
                owned.add(package.rels_name(q))
                todo += [t for _, _, t in pkg.targets(q)]
            continue
        for _, typ, tp in pkg.targets(part):
            if typ == package.REL_TABLE:
                root = etree.fromstring(pkg.parts[tp])
                if root.get("displayName", "").lower() in TABLES:
                    owned |= {part, tp}
                    ranges.setdefault(name, []).append(range_boundaries(root.get("ref")))
                    c1, r1 = ranges[name][-1][:2]
                    above = schema.table(root.get("displayName")).title_rows  # its title line is ours too
                    if above and r1 > above:
                        ranges[name].append((c1, r1 - above, c1, r1 - above))
    return owned, ranges


def _outside(pkg, part, rects):
    """Cells outside ``rects`` as their XML, and every row's attributes."""
    data = package.sheet_data(pkg.parts[part])[2]
    cells, rows = {}, {}
    for r, (attrs, inner) in package._rows(data).items():
        rows[r] = attrs
        for col, xml in package._cells(inner):
            if not any(c1 <= col <= c2 and r1 <= r <= r2 for c1, r1, c2, r2 in rects):
                cells[(r, col)] = xml
    return cells, rows


def _skeleton(pkg, part):
    xml = pkg.parts[part]
    start, end, _ = package.sheet_data(xml)
    root = etree.fromstring(xml[:start] + b"<sheetData/>" + xml[end:])
    for tag in ("sheetData", "dimension", "dataValidations"):
        for el in root.findall(M + tag):
            root.remove(el)
    return etree.tostring(root, method="c14n")


def check_kept(before: package.Package, after: package.Package) -> int:
    """Every part the shell does not own is byte-identical; cells outside the tables and the rest of the
    table sheets are unchanged.  Returns the number of parts compared."""
    owned, ranges = owned_parts(before)
    _, ranges_after = owned_parts(after)
    kept = [n for n in before.names if n not in owned]
    lost = [n for n in kept if n not in after.parts]
    assert not lost, f"parts lost: {lost}"
    changed = [n for n in kept if after.parts[n] != before.parts[n]]
    assert not changed, f"parts changed: {changed}"
    a_sheets = {n: p for n, p, _ in after.sheets()}
    for name, part, _ in before.sheets():
        if name not in ranges:
            continue
        rects = ranges[name] + ranges_after.get(name, [])
        cb, rb = _outside(before, part, rects)
        ca, ra = _outside(after, a_sheets[name], rects)
        assert ca == cb, f"{name}: cells outside the table changed"
        laid = {r: a for r, a in rb.items() if re.sub(rb'\sr="\d+"', b"", a).strip()}  # height, hidden...
        assert {r: ra.get(r) for r in laid} == laid, f"{name}: row heights or hidden rows changed"
        assert _skeleton(after, a_sheets[name]) == _skeleton(before, part), f"{name}: sheet layout changed"
    # the workbook keeps a person's defined names and sheets
    names_b, names_a = _defined_names(before), _defined_names(after)
    ours = lambda x: b"Print_Area" in x  # noqa: E731  the Dashboard's print area
    assert sorted(x for x in names_a if not ours(x)) == sorted(x for x in names_b if not ours(x))
    assert [n for n, _, _ in before.sheets() if n not in LAID_OUT] == \
        [n for n, _, _ in after.sheets() if n not in LAID_OUT]
    return len(kept)


def _defined_names(pkg) -> list[bytes]:
    """The workbook's defined names, a sheet's own named by its sheet rather than its position (a sheet
    coming in front, as the Dashboard does, moves the others' positions, not their names)."""
    order = [n for n, _, _ in pkg.sheets()]

    def by_sheet(m):
        return b'sheet="' + order[int(m.group(1))].encode() + b'"'
    names = re.findall(rb"<definedName [^>]*>[^<]*</definedName>", pkg.parts[pkg.workbook])
    return [re.sub(rb'localSheetId="(\d+)"', by_sheet, x) for x in names]


@pytest.mark.parametrize("name", ["team.xlsx", "team.xlsm"])
def test_every_part_a_person_added_survives_every_action(tmp_path, name):
    path = preserve_fixture.build(tmp_path, name)
    stmt = preserve_fixture.statement(tmp_path)
    counts = []
    for argv in actions(str(path), str(stmt)):
        before = package.Package(path)
        assert main(argv) == 0, argv
        after = package.Package(path)
        counts.append(check_kept(before, after))
        with zipfile.ZipFile(path) as z:
            assert ooxml_check.check_ids(z) == [], argv  # no sheetId, table id, r:id... given twice
        openpyxl.load_workbook(path, keep_vba=True)  # still a workbook openpyxl reads
    print(f"\nparts byte-identical across all actions ({name}): {sum(counts)} part checks, "
          f"{min(counts)}-{max(counts)} parts x {len(counts)} actions")
    after = package.Package(path)
    assert "xl/vbaProject.bin" in after.parts if name.endswith(".xlsm") else True
    wb = openpyxl.load_workbook(path)
    assert wb["Invoices"]["A2"].comment.text.startswith("disputed by phone")
    assert wb["Invoices"].row_dimensions[5].hidden
    assert wb["Invoices"].column_dimensions["C"].width == 41
    assert wb["My sheet"]["C2"].value == "=B2*2"
    inv = wb["Invoices"]
    header = [c.value for c in inv[1]]
    amount, due = column("Invoices", header, "amount"), column("Invoices", header, "due_date")
    assert inv.cell(2, amount).number_format == schema.MONEY_FORMAT and inv.cell(2, amount).value == 1200.5
    assert inv.cell(2, due).number_format == schema.DATE_FORMAT
    assert inv["P1"].value == "checked by Sanne" and inv["P1"].font.b and inv["P2"].value.startswith("=SUM(")
    acts = xlsx.load(path).get("Activities")
    assert "  two spaces before and after  " in acts["note"].tolist()


def test_match_keeps_rows_a_person_hid_and_column_widths(tmp_path):
    path = team(tmp_path / "team.xlsx")
    stmt = preserve_fixture.statement(tmp_path)
    assert main(["import", str(path), str(stmt)]) == 0
    assert main(["match", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["Matches"]
    assert ws.max_row >= 3
    ws.row_dimensions[2].hidden = True  # filtered away by a person
    ws.column_dimensions["B"].width = 37
    wb["Payments"].column_dimensions["C"].width = 44
    wb.save(path)
    assert main(["match", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    assert wb["Matches"].row_dimensions[2].hidden
    assert wb["Matches"].column_dimensions["B"].width == 37
    assert wb["Payments"].column_dimensions["C"].width == 44


def test_a_note_keeps_its_leading_and_trailing_spaces(tmp_path):
    path = team(tmp_path / "team.xlsx")
    assert main(["contact", str(path), "--customer", "C1", "--channel", "call", "--outcome", "reached",
                 "--note", "  two spaces before and after  "]) == 0
    assert main(["refresh", str(path)]) == 0
    assert xlsx.load(path).get("Activities")["note"].tolist() == ["  two spaces before and after  "]


def test_a_calc_chain_naming_a_rewritten_sheet_is_dropped_and_excel_rebuilds_it(tmp_path):
    """calcChain.xml lists formula cells; one left pointing at cells an action rewrote makes Excel repair."""
    path = team(tmp_path / "team.xlsx")
    pkg = package.Package(path)
    aging_id = next(el.get("sheetId") for n, _, el in pkg.sheets() if n == "Aging")
    parts = dict(pkg.parts)
    parts["xl/calcChain.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns="'
                                 f'{package.MAIN}"><c r="B2" i="{aging_id}"/></calcChain>').encode()
    rels = package.rels_name(pkg.workbook)
    parts[rels] = parts[rels].replace(b"</Relationships>", b'<Relationship Id="rIdCc" Type="' +
                                      package.REL_CALC_CHAIN.encode() + b'" Target="calcChain.xml"/></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.calcChain+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    assert main(["refresh", str(path)]) == 0
    after = package.Package(path)
    assert "xl/calcChain.xml" not in after.parts
    assert b"calcChain" not in after.parts[rels] and b"calcChain" not in after.parts["[Content_Types].xml"]
    assert len(xlsx.load(path).get("Aging")) == 3

"""The corpus: each case makes its input by code in a fresh folder and states the outcome a collector
must get.  Grouped by the part of issue 10 (and 9 §5) that named the problem."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment

from ar_xl.workbook import xlsx
from ar_xl.cli import main
from helpers import header_names, seeded

from .runner import Case

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "statements"
if not SHARED.exists():
    SHARED = Path("/work/shared/data/statements")

CASES: list[Case] = []


def case(name, section, expect, says=(), check=None, env=None):
    def register(prepare):
        CASES.append(Case(name, section, expect, prepare, tuple(says), check, dict(env or {})))
        return prepare
    return register


# ------------------------------------------------------------------ inputs

def team_book(folder: Path, name: str = "team.xlsx") -> Path:
    """The team's workbook: three customers, four open invoices (EUR and GBP)."""
    return seeded(
        folder / name,
        Customers=([
            ("C1", "Bakker Logistiek B.V.", "NL91ABNA0417164300", "NL", "nl", "Sanne"),
            ("C2", "Spedition Kühn GmbH", "DE89370400440532013000", "DE", "de", "Markus"),
            ("C3", "Thames Freight Ltd", "GB29NWBK60161331926819", "GB", "en", "Sanne"),
        ], ["customer_id", "customer_name", "iban", "country", "language", "collector"]),
        Invoices=([
            ("2026-0001", "C1", "Bakker Logistiek B.V.", "2026-08-01", "2026-08-31", "EUR", "1200.50", "1200.50", "open"),
            ("2026-0002", "C1", "Bakker Logistiek B.V.", "2026-09-01", "2026-09-30", "EUR", "300.00", "300.00", "open"),
            ("2026-0003", "C2", "Spedition Kühn GmbH", "2026-10-01", "2026-10-31", "EUR", "800.00", "800.00", "open"),
            ("2026-0004", "C3", "Thames Freight Ltd", "2026-10-05", "2026-11-04", "GBP", "500.00", "500.00", "open"),
        ], ["invoice_id", "customer_id", "customer_name", "invoice_date", "due_date", "currency", "amount",
            "open_amount", "status"]))


def payments(folder: Path, name: str = "team.xlsx"):
    return xlsx.load(folder / name).get("Payments")


def camt(entries: str, ns: str = "camt.053.001.02", balances: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{ns}">'
            f"<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-20T08:00:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>S1</Id><Acct><Id><IBAN>NL20INGB0001234567</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            f"{balances}{entries}</Stmt></BkToCstmrStmt></Document>\n")


def entry(amount: str, ind: str = "CRDT", ref: str = "E1", info: str = "Invoice 2026-0002") -> str:
    return (f'<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>'
            f"<Sts>BOOK</Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>"
            f"<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Bakker Logistiek B.V.</Nm></Dbtr></RltdPties>"
            f"<RmtInf><Ustrd>{info}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")


def balance(code: str, amount: str, ind: str = "CRDT") -> str:
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{amount}</Amt>"
            f"<CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>")


def mt940(lines_61_86: str, opening: str = "C261119EUR1000,00", closing: str | None = "C261120EUR1300,00") -> str:
    text = (":20:STMT2026112001\r\n:25:NL20INGB0001234567\r\n:28C:00001/001\r\n"
            f":60F:{opening}\r\n{lines_61_86}")
    if closing is not None:
        text += f":62F:{closing}\r\n-\r\n"
    return text


PAY_300 = ":61:2611201120C300,00NTRFNONREF//B1\r\n:86:/NAME/Bakker Logistiek B.V./REMI/Invoice 2026-0002\r\n"

CSV_HEAD = '"Datum";"Naam / Omschrijving";"Tegenrekening";"Af Bij";"Bedrag (EUR)";"Mededelingen"\n'


def csv_row(amount="300,00", direction="Bij", name="Bakker Logistiek B.V.", note="Invoice 2026-0002",
            day="20261120") -> str:
    return f'"{day}";"{name}";"NL91ABNA0417164300";"{direction}";"{amount}";"{note}"\n'


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = folder / name
    p.write_bytes(text.encode(encoding))
    return p


def import_argv(folder: Path, name: str, text: str, encoding: str = "utf-8", extra=()) -> list[str]:
    team_book(folder)
    write(folder, name, text, encoding)
    return ["import", str(folder / "team.xlsx"), str(folder / name), *extra]


def one_payment(amount_cents: int):
    def check(folder: Path, out: str):
        p = payments(folder)
        assert len(p) == 1, f"{len(p)} payments, expected 1"
        assert int(p["amount"].iloc[0]) == amount_cents, p["amount"].tolist()
    return check


def no_payments(folder: Path, out: str):
    assert len(payments(folder)) == 0


# ------------------------------------------------------------ 3. camt.053

BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;">]>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol4;</Id>'
        "</Stmt></BkToCstmrStmt></Document>\n")


@case("camt billion laughs", "xml safety", "refuse", says=("statement.xml",))
def _(f):
    return import_argv(f, "statement.xml", BOMB)


@case("camt external entity (XXE)", "xml safety", "refuse", says=("statement.xml",))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("1.00", info="&xxe;")).replace(
        "<Document", '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Document', 1))


@case("camt with an external DTD", "xml safety", "refuse", says=("statement.xml",))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("1.00")).replace(
        "<Document", '<!DOCTYPE Document SYSTEM "http://example.com/camt.dtd">\n<Document', 1))


@case("camt in the pain.001 namespace", "3 camt", "refuse", says=("statement.xml",))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("1.00"), ns="pain.001.001.03"))


@case("camt in an unknown camt namespace (camt.029)", "3 camt", "refuse", says=("statement.xml", "camt.029"))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("1.00"), ns="camt.029.001.03"))


@case("camt amount 1e308", "1 tracebacks", "refuse", says=("statement.xml", "1e308"))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("1e308")))


@case("camt amount with 20 digits", "1 tracebacks", "refuse", says=("statement.xml",))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("12345678901234567890.00")))


@case("camt truncated in the middle of an entry", "3 camt", "refuse", says=("statement.xml",))
def _(f):
    text = camt(entry("300.00"))
    return import_argv(f, "statement.xml", text[: text.index("<RmtInf>") + 12])


@case("camt empty file", "3 camt", "refuse", says=("statement.xml",))
def _(f):
    return import_argv(f, "statement.xml", "")


@case("camt binary garbage", "3 camt", "refuse", says=("statement.xml",))
def _(f):
    team_book(f)
    (f / "statement.xml").write_bytes(bytes(range(256)) * 8)
    return ["import", str(f / "team.xlsx"), str(f / "statement.xml")]


@case("camt balances that do not reconcile with the entries", "3 balances", "refuse",
      says=("statement.xml", "balance"))
def _(f):
    bals = balance("OPBD", "1000.00") + balance("CLBD", "1500.00")
    return import_argv(f, "statement.xml", camt(entry("300.00"), balances=bals))


@case("camt balances that reconcile", "3 balances", "accept", check=one_payment(30000))
def _(f):
    bals = balance("OPBD", "1000.00") + balance("CLBD", "1300.00")
    return import_argv(f, "statement.xml", camt(entry("300.00"), balances=bals))


@case("camt credit with a negative amount", "3 camt", "refuse", says=("statement.xml", "-300.00"))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("300.00", ref="E1") + entry("-300.00", ref="E2")))


@case("camt in UTF-16 with a BOM", "3 encodings", "accept", check=one_payment(30000))
def _(f):
    return import_argv(f, "statement.xml", camt(entry("300.00")).replace('encoding="UTF-8"', 'encoding="UTF-16"'),
                       encoding="utf-16")


@case("camt imported twice", "re-import", "accept", check=one_payment(30000))
def _(f):
    argv = import_argv(f, "statement.xml", camt(entry("300.00")))
    assert main(argv) == 0
    return argv


@case("camt remittance starting with =", "2 injection", "accept")
def _(f):
    return import_argv(f, "statement.xml", camt(entry("300.00", info="=HYPERLINK(&quot;http://x&quot;)")))


def _remittance_is_text(folder: Path, out: str):
    wb = openpyxl.load_workbook(folder / "team.xlsx")
    ws = wb["Payments"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells, "the remittance text is not in Payments"
    assert all(c.data_type == "s" for c in cells), [(c.coordinate, c.data_type) for c in cells]


CASES[-1].check = _remittance_is_text


# ------------------------------------------------------------ 3. MT940

@case("MT940 cut off inside :86: with no closing balance", "3 MT940", "refuse", says=("statement.sta", ":62F:"))
def _(f):
    return import_argv(f, "statement.sta", mt940(":61:2611201120C300,00NTRFNONREF//B1\r\n:86:/NAME/A", closing=None))


@case("MT940 whose balances do not reconcile", "3 balances", "refuse", says=("statement.sta", "balance"))
def _(f):
    return import_argv(f, "statement.sta", mt940(PAY_300, closing="C261120EUR1900,00"))


@case("MT940 that reconciles", "3 MT940", "accept", check=one_payment(30000))
def _(f):
    return import_argv(f, "statement.sta", mt940(PAY_300))


@case("MT940 with two bad lines reports both", "3 MT940", "refuse", says=("statement.sta", "line 7", "line 9"))
def _(f):
    bad = (":61:2611201120C300,00NTRFNONREF//B1\r\n:86:ok\r\n:61:26XX201120C100,00NTRF//B2\r\n:86:x\r\n"
           ":61:2611201120C1O0,00NTRF//B3\r\n:86:y\r\n")
    return import_argv(f, "statement.sta", mt940(bad, closing="C261120EUR1500,00"))


@case("sparkassen.sta sample (a fragment without balances)", "3 MT940", "refuse",
      says=("sparkassen.sta", ":62F:"))
def _(f):
    team_book(f)
    shutil.copy(SHARED / "mt940" / "self-provided" / "sparkassen.sta", f / "sparkassen.sta")
    return ["import", str(f / "team.xlsx"), str(f / "sparkassen.sta")]


# ------------------------------------------------------------ 3. bank CSV

@case("bank CSV with a sign contradicting Bij", "3 bank CSV", "refuse", says=("bank.csv", "line 3", "Bij"))
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row() + csv_row(amount="-100,00", note="x"))


@case("bank CSV with a row missing columns", "3 bank CSV", "refuse", says=("bank.csv", "line 3"))
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row() + '"20261121";"Acme";"Bij"\n')


@case("bank CSV with a blank amount", "3 bank CSV", "refuse", says=("bank.csv", "line 3", "amount"))
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row() + csv_row(amount=""))


@case("bank CSV with an unbalanced quote", "3 bank CSV", "refuse", says=("bank.csv", "line 3"))
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row() + csv_row(name='Acme "B.V.').replace('""', '"', 1)
                       .replace('"Acme', 'Acme', 1))


@case("bank CSV mixing ; and , delimiters", "3 bank CSV", "refuse", says=("bank.csv",))
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row().replace(";", ",") + csv_row(amount="100,00").replace(";", ","))


@case("bank CSV in UTF-16 with a BOM", "3 encodings", "accept", check=one_payment(30000))
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row(), encoding="utf-16")


@case("bank CSV with --map naming a missing column", "9.5 import", "refuse", says=("bank.csv", "Nom", "Bedrag"))
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row(), extra=["--map", "payer_name=Nom"])


@case("bank CSV imported again with another --map", "9.5 import", "accept", check=one_payment(30000))
def _(f):
    argv = import_argv(f, "bank.csv", CSV_HEAD + csv_row())
    assert main(argv) == 0
    return argv + ["--map", "remittance=Naam / Omschrijving"]


@case("bank CSV with only a debit", "9.5 import", "accept", says=("skipped", "debit"), check=no_payments)
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row(direction="Af"))


@case("bank CSV with a header and nothing else", "3 bank CSV", "accept", says=("0",), check=no_payments)
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD)


@case("bank CSV payer name =cmd formula", "2 injection", "accept")
def _(f):
    return import_argv(f, "bank.csv", CSV_HEAD + csv_row(name="=cmd|' /C calc'!A0"))


CASES[-1].check = _remittance_is_text


@case("statement file that does not exist", "3 bank files", "refuse", says=("nowhere.xml",))
def _(f):
    team_book(f)
    return ["import", str(f / "team.xlsx"), str(f / "nowhere.xml")]


# ------------------------------------------------------------ invoices CSV (age)

INV_HEAD = "invoice_id,customer_id,customer_name,invoice_date,due_date,currency,amount,open_amount\n"


def age_argv(folder: Path, rows: str, extra=()) -> list[str]:
    write(folder, "invoices.csv", INV_HEAD + rows)
    return ["age", "--invoices", str(folder / "invoices.csv"), "--as-of", "2026-11-23", *extra]


@case("invoice amount with 20 digits", "1 tracebacks", "refuse", says=("invoices.csv", "amount"))
def _(f):
    return age_argv(f, "A1,C1,Acme,2026-10-01,2026-10-31,EUR,12345678901234567890,100\n")


@case("duplicate invoice ids in a CSV", "4 data", "refuse", says=("invoices.csv", "A1", "row 2", "row 3"))
def _(f):
    return age_argv(f, "A1,C1,Acme,2026-10-01,2026-10-31,EUR,100,100\nA1,C1,Acme,2026-10-02,2026-11-01,EUR,50,50\n")


@case("invoice date that is not a date", "4 data", "refuse", says=("invoices.csv", "row 2", "due_date"))
def _(f):
    return age_argv(f, "A1,C1,Acme,2026-10-01,31/31/2026,EUR,100,100\n")


@case("invoices CSV without an amount column", "4 data", "refuse", says=("invoices.csv", "amount"))
def _(f):
    write(f, "invoices.csv", "invoice_id,customer_id,due_date,currency\nA1,C1,2026-10-31,EUR\n")
    return ["age", "--invoices", str(f / "invoices.csv")]


@case("open amount larger than the amount", "4 warnings", "accept", says=("A1", "open amount"))
def _(f):
    return age_argv(f, "A1,C1,Acme,2026-10-01,2026-10-31,EUR,100,150\n")


@case("open amount with the opposite sign", "4 warnings", "accept", says=("A1", "sign"))
def _(f):
    return age_argv(f, "A1,C1,Acme,2026-10-01,2026-10-31,EUR,100,-100\n")


@case("due date before the invoice date", "4 warnings", "accept", says=("A1", "due date"))
def _(f):
    return age_argv(f, "A1,C1,Acme,2026-10-01,2026-09-01,EUR,100,100\n")


@case("age --out naming its input", "1 overwrite", "refuse", says=("invoices.csv",))
def _(f):
    return age_argv(f, "A1,C1,Acme,2026-10-01,2026-10-31,EUR,100,100\n", extra=["--out", str(f / "invoices.csv")])


@case("age --out naming the team's workbook", "1 overwrite", "refuse", says=("team.xlsx",))
def _(f):
    team_book(f)
    return ["age", "--invoices", str(f / "team.xlsx"), "--out", str(f / "team.xlsx")]


@case("age --out onto an existing file without --force", "1 overwrite", "refuse", says=("aging.csv", "--force"))
def _(f):
    write(f, "aging.csv", "keep me\n")
    return age_argv(f, "A1,C1,Acme,2026-10-01,2026-10-31,EUR,100,100\n", extra=["--out", str(f / "aging.csv")])


def _csv_neutralised(folder: Path, out: str):
    text = (folder / "aging.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd" in text and "'@SUM" in text, text
    assert ",=cmd" not in text and ",@SUM" not in text


@case("age --out CSV with names starting = and @", "2 injection", "accept", check=_csv_neutralised)
def _(f):
    return age_argv(f, "A1,C1,=cmd|' /C calc'!A0,2026-10-01,2026-10-31,EUR,100,100\n"
                       "A2,C2,@SUM(1+1),2026-10-01,2026-10-31,EUR,-20,-20\n",
                    extra=["--out", str(f / "aging.csv"), "--by", "invoice"])


# ------------------------------------------------------------ the team's workbook

def _rename_table(path: Path, old: str, new: str):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if old in ws.tables:
            tbl = ws.tables[old]
            tbl.displayName = tbl.name = new
            del ws.tables[old]
            ws.add_table(tbl)
    wb.save(path)


def _edit(path: Path, fn):
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)


@case("Invoices table renamed Invoices2", "1 missing table", "refuse", says=("Invoices", "Invoices2"))
def _(f):
    _rename_table(team_book(f), "Invoices", "Invoices2")
    return ["refresh", str(f / "team.xlsx")]


@case("Invoices sheet deleted", "1 missing table", "refuse", says=("Invoices",))
def _(f):
    _edit(team_book(f), lambda wb: wb.remove(wb["Invoices"]))
    return ["dashboard", str(f / "team.xlsx")]


@case("Payments sheet deleted, promise check", "1 missing table", "refuse", says=("Payments",))
def _(f):
    team_book(f)
    assert main(["promise", "add", str(f / "team.xlsx"), "--customer", "C1", "--amount", "300", "--date",
                 "2026-12-15"]) == 0
    _edit(f / "team.xlsx", lambda wb: wb.remove(wb["Payments"]))
    return ["promise", "check", str(f / "team.xlsx")]


@case("duplicate invoice ids in the workbook", "4 data", "refuse", says=("Invoices", "2026-0001", "row 2", "row 6"))
def _(f):
    def dup(wb):
        ws = wb["Invoices"]
        tbl = ws.tables["Invoices"]
        ws.append([c.value for c in ws[2]])
        tbl.ref = tbl.ref[:-1] + "6"
    _edit(team_book(f), dup)
    return ["refresh", str(f / "team.xlsx")]


@case("text in the Invoices amount column", "4 data", "refuse", says=("Invoices", "row 3", "amount"))
def _(f):
    def bad(wb):
        ws = wb["Invoices"]
        col = header_names(ws).index("amount") + 1
        ws.cell(3, col).value = "three hundred"
    _edit(team_book(f), bad)
    return ["refresh", str(f / "team.xlsx")]


def _hyperlinks_kept(folder: Path, out: str):
    wb = openpyxl.load_workbook(folder / "team.xlsx")
    assert wb["Invoices"]["A2"].hyperlink is not None, "hyperlink on Invoices!A2 lost"
    assert wb["Notes"]["B2"].hyperlink is not None, "hyperlink on Notes!B2 lost"
    assert wb["Notes"]["A1"].comment is not None and "call back" in wb["Notes"]["A1"].comment.text


@case("hyperlinks in Invoices and on a person's sheet", "1 crash", "accept", check=_hyperlinks_kept)
def _(f):
    def links(wb):
        wb["Invoices"]["A2"].hyperlink = "https://erp.example.com/invoice/2026-0001"
        ws = wb.create_sheet("Notes")
        ws["A1"] = "my notes"
        ws["A1"].comment = Comment("call back Monday", "Sanne")
        ws["B2"] = "portal"
        ws["B2"].hyperlink = "https://portal.example.com"
    _edit(team_book(f), links)
    return ["refresh", str(f / "team.xlsx")]


@case("workbook marked read-only", "1 read-only", "refuse", says=("team.xlsx", "read-only"))
def _(f):
    os.chmod(team_book(f), 0o444)
    return ["contact", str(f / "team.xlsx"), "--customer", "C1", "--channel", "call", "--outcome", "no answer", "--note", "called"]


def _symlink_kept(folder: Path, out: str):
    link = folder / "link.xlsx"
    assert link.is_symlink(), "the link was replaced by a plain file"
    acts = xlsx.load(folder / "shared" / "team.xlsx").get("Activities")
    assert len(acts) == 1, f"{len(acts)} activities in the target"


@case("workbook opened through a symbolic link", "1 symlink", "accept", check=_symlink_kept)
def _(f):
    (f / "shared").mkdir()
    team_book(f / "shared")
    (f / "link.xlsx").symlink_to(f / "shared" / "team.xlsx")
    return ["contact", str(f / "link.xlsx"), "--customer", "C1", "--channel", "call", "--outcome", "no answer", "--note", "called"]


@case("Excel has the workbook open (owner file ~$)", "9.1 lock", "refuse", says=("team.xlsx", "Emma"))
def _(f):
    team_book(f)
    name = b"Emma"
    (f / "~$team.xlsx").write_bytes(bytes([len(name)]) + name + b" " * (53 - len(name)) + b"\x04\x00"
                                    + "Emma".encode("utf-16-le") + b"\x00" * (165 - 55 - 8))
    return ["contact", str(f / "team.xlsx"), "--customer", "C1", "--channel", "call", "--outcome", "no answer", "--note", "called"]


def _temp_cleaned(folder: Path, out: str):
    left = [p.name for p in folder.iterdir() if p.name.startswith(".~ar-xl")]
    assert not left, f"temp files left: {left}"


@case("temp files left by a killed save", "5 crashed saves", "accept", check=_temp_cleaned)
def _(f):
    team_book(f)
    (f / ".~ar-xl-team-dead.xlsx").write_bytes(b"PK\x03\x04half a zip")
    old = 1_600_000_000
    os.utime(f / ".~ar-xl-team-dead.xlsx", (old, old))
    return ["contact", str(f / "team.xlsx"), "--customer", "C1", "--channel", "call", "--outcome", "no answer", "--note", "called"]


@case("fx.GBP row deleted from Config", "4 fx", "accept", says=("GBP", "built-in"))
def _(f):
    def drop(wb):
        ws = wb["Config"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "fx.GBP":
                for c in row:
                    c.value = None
    _edit(team_book(f), drop)
    return ["refresh", str(f / "team.xlsx")]


@case("Config sheet deleted", "4 fx", "accept", says=("built-in",))
def _(f):
    _edit(team_book(f), lambda wb: wb.remove(wb["Config"]))
    return ["refresh", str(f / "team.xlsx")]


@case("fx.GBP moved x20 since the last run", "4 fx", "refuse", says=("GBP", "1.165", "23.3"))
def _(f):
    team_book(f)
    assert main(["dashboard", str(f / "team.xlsx"), "--as-of", "2026-11-23"]) == 0

    def jump(wb):
        ws = wb["Config"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "fx.GBP":
                row[1].value = "23.3"
    _edit(f / "team.xlsx", jump)
    return ["dashboard", str(f / "team.xlsx"), "--as-of", "2026-11-23"]


@case("demo onto the team's workbook", "1 overwrite", "refuse", says=("team.xlsx",))
def _(f):
    team_book(f)
    return ["demo", str(f / "team.xlsx"), "--customers", "5"]


@case("plan schedule --out onto the team's workbook", "1 overwrite", "refuse", says=("team.xlsx",))
def _(f):
    team_book(f)
    return ["plan", "schedule", "--amount", "1200", "--installments", "3", "--first-due", "2027-01-31",
            "--out", str(f / "team.xlsx")]


@case("promise in a currency the customer has no open items in", "9.5 promise", "refuse", says=("USD",))
def _(f):
    team_book(f)
    return ["promise", "add", str(f / "team.xlsx"), "--customer", "C1", "--amount", "300", "--currency", "USD",
            "--date", "2026-12-15"]


@case("plan whose first installment is in the past", "9.5 plan", "refuse", says=("2025-12-31",))
def _(f):
    team_book(f)
    return ["plan", "create", str(f / "team.xlsx"), "--customer", "C1", "--invoices", "2026-0001",
            "--installments", "3", "--first-due", "2025-12-31"]


def _note_spaces(folder: Path, out: str):
    acts = xlsx.load(folder / "team.xlsx").get("Activities")
    assert "  two spaces before and after  " in acts["note"].tolist(), acts["note"].tolist()


@case("a note with leading and trailing spaces", "5 spacing", "accept", check=_note_spaces)
def _(f):
    team_book(f)
    assert main(["contact", str(f / "team.xlsx"), "--customer", "C1", "--channel", "call", "--outcome", "reached",
                 "--note", "  two spaces before and after  "]) == 0
    return ["refresh", str(f / "team.xlsx")]

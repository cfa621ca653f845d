"""``ar-xl import``, ``match`` and ``apply``: cash application on a workbook, or between files."""
from __future__ import annotations

from pathlib import Path

from .common import FORCE_HELP, WORKBOOK_HELP, act
from ..errors import ArXlError


def _import(sub):
    def cmd(a):
        from ..actions import import_statements
        mapping = dict(kv.split("=", 1) for kv in a.map) if a.map else None
        return act(a.workbook, import_statements.run, a.files, mapping=mapping, accept_unbalanced=a.accept_unbalanced)
    s = sub.add_parser("import", help="import bank statements (MT940, camt.053/054, CSV/XLSX) into Payments")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.add_argument("files", nargs="+", metavar="FILE",
                   help="bank statements: MT940 (.sta, .mt940, .txt), camt.052/053/054 XML, or a CSV/XLSX export")
    s.add_argument("--map", action="append", metavar="COLUMN=HEADER",
                   help="for CSV/XLSX bank exports: which header holds a payments column, e.g. --map amount=Bedrag")
    s.add_argument("--accept-unbalanced", action="store_true",
                   help="import a statement whose balances do not reconcile with its entries (an export of the credits "
                        "only) instead of refusing it; each such statement is named in the summary and in Audit")
    s.set_defaults(fn=cmd)


def _match(sub):
    def cmd(a):
        if a.workbook:
            if a.invoices or a.payments or a.out:
                raise ArXlError("ar-xl match: give either WORKBOOK or --invoices/--payments/--out, not both")
            from ..actions import match
            return act(a.workbook, match.run)
        if not (a.invoices and a.payments and a.out):
            raise ArXlError("ar-xl match: give WORKBOOK, or --invoices F --payments F [--customers F] --out F")
        return match_files(a)
    s = sub.add_parser("match", help="match payments to invoices (in a workbook, or between files)")
    s.add_argument("workbook", nargs="?", help=WORKBOOK_HELP + "; omit it to match between files")
    s.add_argument("--invoices", metavar="FILE", help="without a workbook: the open invoices, .csv or .xlsx")
    s.add_argument("--payments", metavar="FILE", help="without a workbook: the payments, .csv or .xlsx")
    s.add_argument("--customers", metavar="FILE", help="without a workbook: the customers (IBANs, names), optional")
    s.add_argument("--out", metavar="FILE", help="without a workbook: where the matches go, .csv, .xlsx or .json")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)
    s.set_defaults(fn=cmd)


def match_files(a) -> int:
    from ..engine import matching
    from ..workbook import flat
    from .common import check_out, config_for
    check_out(a.out, [a.invoices, a.payments, a.customers], force=a.force)

    def read(path, table):  # CSV files never load the spreadsheet libraries
        if Path(path).suffix.lower() in flat.FLAT_INPUTS and Path(path).exists():
            return flat.read_csv_input(Path(path), table)
        from ..workbook import xlsx
        return xlsx.read_input(path, table)
    invoices = read(a.invoices, "Invoices")
    payments = read(a.payments, "Payments")
    customers = read(a.customers, "Customers") if a.customers else None
    cfg = config_for(a.invoices)
    # settled invoices stay: a remittance naming one is a possible duplicate, never applied elsewhere
    result = matching.match(payments, invoices, customers, cfg)
    from .. import schema
    money = [c for c in result.columns if c in schema.MATCHES.names and schema.MATCHES.column(c).kind == "money"]
    if Path(a.out).suffix.lower() in flat.FLAT_OUTPUTS:
        flat.write_flat(result, Path(a.out), money, [])
    else:
        from ..workbook import xlsx
        xlsx.write_output(result, a.out, money, sheet="Matches")
    counts = result.drop_duplicates("payment_id")["decision"].value_counts() if len(result) else {}
    print(f"matched {result['payment_id'].nunique() if len(result) else 0} payments "
          f"({', '.join(f'{k}: {v}' for k, v in dict(counts).items())}); wrote {len(result)} rows to {a.out}")
    from .. import checks
    from .common import warn
    warn(checks.warnings(invoices, "Invoices"))
    return 0


def _apply(sub):
    def cmd(a):
        from ..actions import match
        return act(a.workbook, match.apply_decisions)
    s = sub.add_parser("apply", help="apply the Confirm/Reject decisions of the Matches table")
    s.add_argument("workbook", help=WORKBOOK_HELP)
    s.set_defaults(fn=cmd)


def add_verbs(sub) -> None:
    """import, match, apply."""
    _import(sub)
    _match(sub)
    _apply(sub)

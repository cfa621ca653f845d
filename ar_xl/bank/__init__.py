"""Bank statement import: MT940, ISO 20022 camt.053/camt.054 and CSV/XLSX exports.

Each format has a small importer (``identify(path) -> bool``,
``extract(path) -> DataFrame``, the shape of beangulp's importer protocol).
``extract_file`` picks the importer that recognises a file and returns its
incoming credits as a canonical Payments frame (``schema.PAYMENTS`` columns:
money in ``int64`` cents, ``value_date`` as ``datetime64[ns]``, status
"unapplied", a stable ``payment_id`` so that reading the same statement again
gives the same ids).  Any problem raises ``InputError`` naming the file and,
where known, the line or entry.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from .. import progress
from ..errors import CellProblem, InputError
from .base import COLUMNS, Importer, empty_payments, fail, normalise_iban
from .camt import CamtImporter
from .csvbank import CsvBankImporter
from .mt940 import Mt940Importer
from .report import Skipped, StatementRead

__all__ = [
    "COLUMNS", "Importer", "Mt940Importer", "CamtImporter", "CsvBankImporter",
    "importers", "extract_file", "extract_files", "extract_report", "read_files", "normalise_iban",
    "Skipped", "StatementRead",
]


def importers(mapping: Mapping[str, str] | None = None, accept_unbalanced: bool = False) -> list[Importer]:
    """The importers in the order they are tried (the most specific first).  ``accept_unbalanced``: a statement
    whose balances do not reconcile with its entries is read, and named in the warnings, instead of refused."""
    return [CamtImporter(accept_unbalanced=accept_unbalanced), Mt940Importer(accept_unbalanced=accept_unbalanced),
            CsvBankImporter(mapping)]


def extract_file(path: str | os.PathLike, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The incoming credits of one statement file as a canonical Payments frame.

    ``mapping`` (canonical column -> header in the file) is used for CSV/XLSX
    exports whose headers are not recognised automatically.
    """
    return extract_report(path, mapping).frame


DEFAULT_MAX_MB = 50
"""Largest statement file read when no Config says otherwise (``Config.statement_max_mb``)."""


def extract_report(path: str | os.PathLike, mapping: Mapping[str, str] | None = None,
                   max_mb: int | None = None, accept_unbalanced: bool = False) -> StatementRead:
    """``extract_file`` with the lines left out (debits, reversals...) and the unused columns.

    A file larger than ``max_mb`` megabytes is refused before it is read."""
    p = Path(path)
    if not p.exists():
        raise fail(str(p), "file not found")
    if not p.is_file():
        raise fail(str(p), "not a file")
    limit = DEFAULT_MAX_MB if max_mb is None else max_mb
    size = p.stat().st_size
    if size > limit * 1024 * 1024:
        raise fail(str(p), f"refused: the file is {size / (1024 * 1024):,.1f} MB, over the limit of {limit} MB for a "
                           "statement (setting statement_max_mb in the Config table); split the export by period")
    for imp in importers(mapping, accept_unbalanced):
        if imp.identify(p):
            try:
                return imp.read(p)
            except InputError:
                raise
            except (OSError, UnicodeError, ValueError, ArithmeticError) as e:
                raise fail(str(p), f"cannot read this {imp.name} file: {e}") from None
    raise fail(str(p), "not a bank statement ar-xl can read (MT940, camt.053/camt.054 XML, "
                       "or a CSV/XLSX export with date and amount columns)")


def extract_files(paths: Iterable[str | os.PathLike], mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """All files' credits in one frame, in file order; every file's problems are
    collected and raised together, so nothing is returned unless all files read."""
    return read_files(paths, mapping).frame


def read_files(paths: Iterable[str | os.PathLike], mapping: Mapping[str, str] | None = None,
               max_mb: int | None = None, accept_unbalanced: bool = False) -> StatementRead:
    """``extract_files`` with every file's skipped lines and unused columns."""
    reads: list[StatementRead] = []
    problems: list[CellProblem] = []
    for path in progress.track(list(paths), "reading statements"):
        try:
            reads.append(extract_report(path, mapping, max_mb, accept_unbalanced))
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    frames = [r.frame for r in reads if len(r.frame)]
    out = StatementRead(pd.concat(frames, ignore_index=True) if frames else empty_payments())
    for r in reads:
        out.skipped.extend(r.skipped)
        out.unused_columns.update(r.unused_columns)
        out.warnings.extend(r.warnings)
    return out

"""Errors a collector can act on: each names the file or sheet, the row and the column."""
from __future__ import annotations

from dataclasses import dataclass


class ArXlError(Exception):
    """Base class for errors shown to a user (never with a traceback)."""


@dataclass(frozen=True)
class CellProblem:
    source: str
    row: int | None
    column: str | None
    message: str
    unit: str = "row"
    """What ``row`` counts: "row" in a sheet or table, "line" in a text file (CSV, MT940, XML)."""

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"{self.unit} {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class InputError(ArXlError):
    """One or more bad values; nothing was changed."""

    def __init__(self, problems: list[CellProblem] | CellProblem | str, source: str = ""):
        if isinstance(problems, str):
            problems = [CellProblem(source or "input", None, None, problems)]
        elif isinstance(problems, CellProblem):
            problems = [problems]
        self.problems = list(problems)
        shown = self.problems[:50]
        lines = [str(p) for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"... and {len(self.problems) - len(shown)} more")
        head = f"{len(self.problems)} problem(s) found; nothing was changed:" if len(self.problems) > 1 else "Nothing was changed:"
        super().__init__(head + "\n  " + "\n  ".join(lines))

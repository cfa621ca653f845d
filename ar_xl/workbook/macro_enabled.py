"""The macro-enabled content type of a new `.xlsm`, which openpyxl decides from other things.

``mark_macro_enabled``: an ``.xlsm`` must declare its workbook part with the macro-enabled content type
(``application/vnd.ms-excel.sheet.macroEnabled.main+xml``), or Excel refuses to open it.  openpyxl picks
that type only for a workbook that carries a VBA archive (one loaded with ``keep_vba``), so a new ``.xlsm``
(no macros yet) is given a workbook class whose content type says so; no VBA part is written.
"""
from __future__ import annotations

import openpyxl

MACRO_ENABLED_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
MACRO_ENABLED_TEMPLATE = "application/vnd.ms-excel.template.macroEnabled.main+xml"


class _MacroEnabledWorkbook(openpyxl.Workbook):
    @property
    def mime_type(self) -> str:
        return MACRO_ENABLED_TEMPLATE if self.template else MACRO_ENABLED_MAIN


def mark_macro_enabled(wb: openpyxl.Workbook) -> None:
    """Make openpyxl write ``wb`` with the macro-enabled workbook content type."""
    if type(wb) is openpyxl.Workbook:
        wb.__class__ = _MacroEnabledWorkbook
    assert wb.mime_type in (MACRO_ENABLED_MAIN, MACRO_ENABLED_TEMPLATE), wb.mime_type

"""ar-xl: accounts-receivable collections in the shared Excel workbook."""

__version__ = "0.1.0"

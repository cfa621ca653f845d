"""Render the README's pictures of the demo workbook: the Dashboard, and the first page of Aging and Worklist.

    PYTHONPATH=. python docs/make_sheets.py [--as-of 2026-12-01]   # writes docs/dashboard.png, aging.png, worklist.png

Builds the default demo (``ar-xl demo``, seed 7) in a temporary folder, prints it to PDF with LibreOffice
headless (the print set-up the workbook carries: landscape, one page wide, header row on every page), finds
each sheet's first page by the sheet name LibreOffice prints in the page header, and renders it with
poppler's ``pdftoppm``.  ``--all DIR`` also renders every page of the workbook into DIR, for looking at.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PICTURES = {"Dashboard": ("dashboard.png", 110), "Aging": ("aging.png", 110), "Worklist": ("worklist.png", 120)}
"""sheet -> (file in docs/, dpi)."""


def _pdf(workbook: Path, out: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(out), str(workbook)], check=True, capture_output=True,
                       timeout=600)
    return out / (workbook.stem + ".pdf")


def first_pages(pdf: Path) -> dict[str, int]:
    """Sheet name -> its first page (1-based), from the page header each page carries (the Dashboard: page 1)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    found: dict[str, int] = {}
    for no, page in enumerate(text.split("\f"), start=1):
        words = page.split()
        if not words:
            continue
        if no == 1 and "Collections" in words[:3]:
            found.setdefault("Dashboard", 1)
        found.setdefault(words[0], no)
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--as-of", default=None, help="the demo's day (default: today)")
    p.add_argument("--all", default=None, metavar="DIR", help="also render every page into DIR")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ar-xl-docs-") as tmp:
        tmp = Path(tmp)
        book = tmp / "collections-demo.xlsx"
        cmd = [sys.executable, "-m", "ar_xl.cli", "demo", str(book)] + (["--as-of", a.as_of] if a.as_of else [])
        subprocess.run(cmd, check=True, capture_output=True)
        pdf = _pdf(book, tmp)
        pages = first_pages(pdf)
        for sheet, (name, dpi) in PICTURES.items():
            page = pages[sheet]
            stem = tmp / sheet
            subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile",
                            str(pdf), str(stem)], check=True)
            (DOCS / name).write_bytes(stem.with_suffix(".png").read_bytes())
            print(f"wrote docs/{name} (sheet {sheet}, page {page} of the printed demo)")
        if a.all:
            Path(a.all).mkdir(parents=True, exist_ok=True)
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(Path(a.all) / "page")], check=True)
            print(f"every page in {a.all} ({max(pages.values())}+ pages; first pages: {pages})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

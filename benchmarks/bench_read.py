"""Compare the ways to read a big workbook's table cells (the choice behind ``ar_xl.workbook.cell_reader``).

    python benchmarks/bench_read.py --workbook /tmp/built100k.xlsx [--repeat 3] [--sheets Invoices,Payments]

The workbook is one ``bench_dashboard.py --workbook FILE`` built (100,000 invoices).  For each
reader, the wall and CPU seconds (best of ``--repeat``) to get every cell value of the sheets:

* ``python-calamine``: ``cell_reader.FastBook.columns`` (calamine in Rust, then openpyxl's types);
* ``lxml iterparse, openpyxl rules``: ``cell_reader.exact_values`` (the exact reader);
* ``lxml iterparse, layout only``: ``cell_reader.cell_layout`` (styles and kinds, what the writer needs);
* ``fastexcel`` (Arrow columns to pandas; needs pyarrow), when installed;
* ``openpyxl read-only``: ``load_workbook(read_only=True)`` and ``iter_rows(values_only=True)``.
"""
from __future__ import annotations

import argparse
import io
import time

import openpyxl

from ar_xl.workbook import cell_reader, xlsx_fast


def _best(fn, repeat: int) -> tuple[float, float]:
    wall = cpu = float("inf")
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workbook", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sheets", default="Invoices,Payments,Customers,Matches,Disputes,Promises")
    a = ap.parse_args(argv)
    names = a.sheets.split(",")
    data = open(a.workbook, "rb").read()
    wb = xlsx_fast.open_workbook(a.workbook)
    raws = {n: xlsx_fast.raw_of(wb[n]) for n in names}
    cells = sum(len(c) for r in raws.values() for c in [cell_reader.cell_layout(r.full)])
    print(f"{a.workbook}: sheets {', '.join(names)}; {cells:,} cells")

    bounds = {n: _bounds(raws[n]) for n in names}

    def calamine():
        book = cell_reader.FastBook(data)
        for n in names:
            assert book.columns(n, *bounds[n]) is not None

    def exact():
        for n in names:
            cell_reader.exact_values(raws[n].full, wb, raws[n].shared)

    def layout():
        for n in names:
            cell_reader.cell_layout(raws[n].full)

    def read_only():
        ro = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        for n in names:
            for _ in ro[n].iter_rows(values_only=True):
                pass

    readers = [("python-calamine", calamine), ("lxml iterparse, openpyxl rules", exact),
               ("lxml iterparse, layout only", layout), ("openpyxl read-only", read_only)]
    try:
        import fastexcel  # noqa: F401
        import pyarrow  # noqa: F401

        def fast_excel():
            reader = fastexcel.read_excel(data)
            for n in names:
                reader.load_sheet_by_name(n).to_pandas()
        readers.insert(1, ("fastexcel (to pandas)", fast_excel))
    except ImportError:
        print("fastexcel or pyarrow not installed: not measured")
    for name, fn in readers:
        wall, cpu = _best(fn, a.repeat)
        print(f"{name:34s} wall {wall:6.2f} s   cpu {cpu:6.2f} s   ({cpu / cells * 1e6:5.2f} µs cpu a cell)",
              flush=True)


def _bounds(raw) -> tuple[int, int, int, int]:
    layout = cell_reader.cell_layout(raw.full)
    rows = [r for r, _ in layout]
    cols = [c for _, c in layout]
    return min(rows), min(cols), max(rows), max(cols)


if __name__ == "__main__":
    main()

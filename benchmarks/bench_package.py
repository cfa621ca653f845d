"""Time the part-preserving save (``ar_xl.workbook.package``) on a large workbook file.

    .venv/bin/python benchmarks/bench_package.py [--invoices 100000] [--payments 20000]

Builds the workbook of ``bench_dashboard`` (N invoices, M payments...), then runs
*Refresh aging* on the file (Aging and Audit rewritten) and prints the whole save
and, within it, the time ``package.keep_others`` takes to assemble the file from
the original package and openpyxl's output.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ar_xl.actions import refresh  # noqa: E402
from ar_xl.book import Change  # noqa: E402
from ar_xl.workbook import package, xlsx  # noqa: E402
from benchmarks import bench_dashboard  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=100_000)
    p.add_argument("--payments", type=int, default=20_000)
    a = p.parse_args(argv)
    spent: list[float] = []
    real = package.splice.keep_others  # where keeper looks it up

    def timed(*args, **kw):
        t = time.perf_counter()
        real(*args, **kw)
        spent.append(time.perf_counter() - t)

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.xlsx"
        xlsx.create(path)
        book = xlsx.load(path)
        seed = Change("seed")
        seed.tables.update(bench_dashboard.tables(a.invoices, a.payments))
        xlsx.save(book, seed)
        book = xlsx.load(path)
        change = refresh.run(book)
        package.splice.keep_others = timed
        try:
            t0 = time.perf_counter()
            xlsx.save(book, change)
            total = time.perf_counter() - t0
        finally:
            package.splice.keep_others = real
        size = path.stat().st_size / 1e6
    print(f"refresh save ({a.invoices:,} invoices, {size:.1f} MB): {total:.2f} s, "
          f"of which keeping the other parts (package.keep_others) {sum(spent):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time ``ar-xl sync``: an ERP open-items export of N items into a workbook holding N invoices.

    python benchmarks/bench_sync.py [--invoices 100000] [--profile]

Builds the workbook of ``bench_dashboard`` (N invoices, payments, the Matches that applied them,
disputes, promises) and an Exact-Online-style CSV export (``;``, decimal commas, ``dd-mm-yyyy``) of
N open items: 92 % of the workbook's invoices (a tenth of them with a new open amount, one in
fifty with a new due date) and 8 % new ones; the other invoices of the workbook are missing, so
the sync closes them.  Times the file-mode sync as the command runs it: load the workbook -> read
the export and compute the upsert -> write the tables and save.  Prints the phases and the total.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard import AS_OF, build, tables  # noqa: E402

from ar_xl.erp import export as erp_export  # noqa: E402
from ar_xl.actions import sync  # noqa: E402
from ar_xl.workbook import frame_cache, xlsx  # noqa: E402


def _de(cents: np.ndarray) -> np.ndarray:
    sign = np.where(cents < 0, "-", "")
    whole, frac = np.divmod(np.abs(cents), 100)
    return np.char.add(np.char.add(np.char.add(sign, whole.astype(str)), ","), np.char.zfill(frac.astype(str), 2))


def write_export(path: Path, invoices: pd.DataFrame, n: int, seed: int = 5) -> Path:
    rng = np.random.default_rng(seed)
    keep = invoices.sample(n=int(n * 0.92), random_state=seed).reset_index(drop=True)
    opened = keep["open_amount"].to_numpy().copy()
    moved = rng.random(len(keep)) < 0.10
    opened[moved] = keep["amount"].to_numpy()[moved] // 2
    due = keep["due_date"].to_numpy().copy()
    later = rng.random(len(keep)) < 0.02
    due[later] = due[later] + np.timedelta64(30, "D")
    m = n - len(keep)
    new_ids = np.char.add("NEW", np.char.zfill(np.arange(1, m + 1).astype(str), 7))
    amounts = rng.integers(5_000, 2_000_000, m)
    out = pd.DataFrame({
        "Relatie": np.concatenate([keep["customer_id"].to_numpy(dtype=str), keep["customer_id"].to_numpy(dtype=str)[:m]]),
        "Naam": np.concatenate([keep["customer_name"].to_numpy(dtype=str), keep["customer_name"].to_numpy(dtype=str)[:m]]),
        "Factuur": np.concatenate([keep["invoice_id"].to_numpy(dtype=str), new_ids]),
        "Datum": np.concatenate([pd.to_datetime(keep["invoice_date"]).dt.strftime("%d-%m-%Y").to_numpy(),
                                 np.full(m, pd.Timestamp(AS_OF).strftime("%d-%m-%Y"))]),
        "Vervaldatum": np.concatenate([pd.to_datetime(pd.Series(due)).dt.strftime("%d-%m-%Y").to_numpy(),
                                       np.full(m, (pd.Timestamp(AS_OF) + pd.Timedelta(days=30)).strftime("%d-%m-%Y"))]),
        "Valuta": np.concatenate([keep["currency"].to_numpy(dtype=str), np.full(m, "EUR")]),
        "Bedrag": np.concatenate([_de(keep["amount"].to_numpy(dtype=np.int64)), _de(amounts)]),
        "Openstaand": np.concatenate([_de(opened.astype(np.int64)), _de(amounts)]),
    })
    out.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=100_000)
    p.add_argument("--payments", type=int, default=20_000)
    p.add_argument("--profile", action="store_true")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        os.environ[frame_cache.ENV] = str(Path(tmp) / "frames")  # empty: the workbook is read cold
        wb = Path(tmp) / "collections.xlsx"
        t0 = time.perf_counter()
        build(wb, a.invoices, a.payments)
        export = write_export(Path(tmp) / "openstaande_posten.csv", tables(a.invoices, a.payments)["Invoices"],
                              a.invoices)
        print(f"built workbook ({a.invoices:,} invoices, {wb.stat().st_size / 1e6:.1f} MB) and export "
              f"({a.invoices:,} open items, {export.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        erp_export.read(export, "Invoices")
        print(f"(reading the export alone: {time.perf_counter() - t0:.1f} s)")

        prof = cProfile.Profile() if a.profile else None
        if prof:
            prof.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        book = xlsx.load(wb)
        t1, c1 = time.perf_counter(), time.process_time()
        change = sync.run(book, export, as_of=AS_OF)
        t2, c2 = time.perf_counter(), time.process_time()
        xlsx.save(book, change)
        t3, c3 = time.perf_counter(), time.process_time()
        if prof:
            prof.disable()
        print(f"load {t1 - t0:.1f} s (cpu {c1 - c0:.1f}) | read export + upsert {t2 - t1:.1f} s (cpu {c2 - c1:.1f}) | "
              f"write + save {t3 - t2:.1f} s (cpu {c3 - c2:.1f})")
        print(f"sync {a.invoices:,} open items into {a.invoices:,} invoices (file mode): {t3 - t0:.1f} s "
              f"(cpu {c3 - c0:.1f}); {len(change.audit):,} Audit rows")
        print(change.summary)
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())

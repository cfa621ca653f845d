"""Check that the matcher still gives exactly the same results as a saved reference run.

    PYTHONPATH=. .venv/bin/python benchmarks/match_same.py --save /tmp/ref --data /tmp/md11 /tmp/md21 ...
    PYTHONPATH=. .venv/bin/python benchmarks/match_same.py --ref /tmp/ref --data /tmp/md11 /tmp/md21 ...

For each data folder (``matchgen.py``) the engine is run twice, the way ``ar-xl match`` calls it (the CSVs read
by ``workbook.flat``, no learned IBANs) and the way ``match_score.py`` does (learned IBANs passed as
``known_ibans``), and ``ar-xl match --invoices --payments --customers --out`` is run end to end.  ``--save``
keeps the result frames (pickled, dtypes included) and the command's CSV; ``--ref`` compares every column of
the frames (values and dtypes) and the CSV byte for byte, and prints the first differing rows.
Make the reference with the code to compare against (e.g. ``git stash`` or a checkout of the older commit).
"""
from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ar_xl.cli.common import config_for  # noqa: E402
from ar_xl.engine import matching  # noqa: E402
from ar_xl.workbook import flat  # noqa: E402


def runs(folder: Path) -> dict[str, pd.DataFrame]:
    inv = flat.read_csv_input(folder / "invoices.csv", "Invoices")
    pay = flat.read_csv_input(folder / "payments.csv", "Payments")
    cus = flat.read_csv_input(folder / "customers.csv", "Customers")
    cfg = config_for(str(folder / "invoices.csv"))
    out = {"cli": matching.match(pay, inv, cus, cfg)}
    learned = folder / "learned_ibans.csv"
    if learned.exists():
        known = dict(pd.read_csv(learned, dtype=str).itertuples(index=False, name=None))
        out["learned"] = matching.match(pay, inv, cus, cfg, known_ibans=known)
    return out


def cli_csv(folder: Path, out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    subprocess.run([sys.executable, "-m", "ar_xl.cli", "match", "--invoices", str(folder / "invoices.csv"),
                    "--payments", str(folder / "payments.csv"), "--customers", str(folder / "customers.csv"),
                    "--out", str(out), "--force"], check=True, env=env, stdout=subprocess.DEVNULL)


def same(name: str, ref: pd.DataFrame, got: pd.DataFrame) -> bool:
    if list(ref.columns) != list(got.columns) or len(ref) != len(got):
        print(f"  {name}: shape/columns differ: {ref.shape} {list(ref.columns)} vs {got.shape} {list(got.columns)}")
        return False
    ok = True
    for c in ref.columns:
        if ref[c].dtype != got[c].dtype:
            print(f"  {name}: column {c} dtype {ref[c].dtype} vs {got[c].dtype}")
            ok = False
            continue
        a, b = ref[c], got[c]
        eq = (a == b) if c != "confidence" else (a.to_numpy() == b.to_numpy())
        eq = pd.Series(eq).fillna(False).to_numpy() | (a.isna().to_numpy() & b.isna().to_numpy())
        if not eq.all():
            bad = (~eq).nonzero()[0]
            print(f"  {name}: column {c}: {len(bad)} rows differ, first:")
            for i in bad[:5]:
                print(f"    row {i} payment {ref['payment_id'].iloc[i]}: {a.iloc[i]!r} vs {b.iloc[i]!r}")
            ok = False
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="compare the matcher with a saved reference run")
    ap.add_argument("--data", nargs="+", required=True, help="matchgen.py folders")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", help="folder to keep the reference results in")
    g.add_argument("--ref", help="folder with the reference results to compare against")
    ap.add_argument("--no-cli", action="store_true", help="skip the end-to-end ar-xl match run")
    a = ap.parse_args(argv)
    bad = 0
    for d in a.data:
        folder = Path(d)
        tag = folder.name
        results = runs(folder)
        if a.save:
            keep = Path(a.save)
            keep.mkdir(parents=True, exist_ok=True)
            for k, df in results.items():
                df.to_pickle(keep / f"{tag}.{k}.pkl")
            if not a.no_cli:
                cli_csv(folder, keep / f"{tag}.cli.csv")
            print(f"{tag}: saved {', '.join(f'{k} {len(v)} rows' for k, v in results.items())}")
            continue
        ref = Path(a.ref)
        ok = True
        for k, df in results.items():
            ok &= same(f"{tag} {k}", pd.read_pickle(ref / f"{tag}.{k}.pkl"), df)
        if not a.no_cli:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "m.csv"
                cli_csv(folder, out)
                if not filecmp.cmp(out, ref / f"{tag}.cli.csv", shallow=False):
                    print(f"  {tag}: the CSV of ar-xl match differs")
                    ok = False
        print(f"{tag}: {'identical' if ok else 'DIFFERENT'}")
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Print the corpus figures: inputs tried, refused cleanly, accepted correctly, crashed or lost.

    .venv/bin/python tests/corpus/report.py [-v] [-k TEXT]

``-k TEXT`` runs only the cases whose section or name holds TEXT (case-insensitive).
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("AR_XL_TODAY", "2026-11-23")

from corpus.cases import CASES  # noqa: E402
from corpus.runner import run  # noqa: E402


def main() -> int:
    verbose = "-v" in sys.argv
    only = sys.argv[sys.argv.index("-k") + 1].lower() if "-k" in sys.argv else ""
    cases = [c for c in CASES if only in c.section.lower() or only in c.name.lower()]
    counts = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            v = run(case, Path(tmp) / f"case{i}")
            counts[v.kind] += 1
            if verbose or v.kind in ("crashed", "wrong"):
                print(f"{v.kind:9} {case.section:16} {case.name}" + (f"  -- {v.detail}" if v.detail else ""))
    print(f"inputs tried:        {len(cases)}")
    print(f"refused cleanly:     {counts['refused']}")
    print(f"accepted correctly:  {counts['accepted']}")
    print(f"crashed or lost:     {counts['crashed'] + counts['wrong']}"
          f" ({counts['crashed']} crashed, {counts['wrong']} wrong)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

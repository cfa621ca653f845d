"""Every input of the corpus (tests/corpus/cases.py) gets the outcome it states: a clean refusal that
leaves every file byte for byte as it was, or a correct result; never a traceback."""
from __future__ import annotations

import pytest

from corpus.cases import CASES
from corpus.runner import run


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, tmp_path):
    verdict = run(case, tmp_path / "case")
    expected = "refused" if case.expect == "refuse" else "accepted"
    assert verdict.kind == expected, f"{verdict.kind}: {verdict.detail}\n{verdict.output}"

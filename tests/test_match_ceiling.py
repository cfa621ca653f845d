"""benchmarks/match_ceiling.py: the sets a generator's set payment could have been, and their odds."""
import itertools
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import match_ceiling as mc  # noqa: E402


@pytest.mark.parametrize("target,expected", [(3, [(0, 1)]), (7, [(0, 1, 2)]), (15, [(0, 1, 2, 3)]),
                                             (31, [(0, 1, 2, 3, 4)]), (63, [(0, 1, 2, 3, 4, 5)]), (1, [])])
def test_every_size_from_two_to_six_is_found(target, expected):
    # powers of two: each total has exactly one set of items
    assert mc.drawable_sets([1, 2, 4, 8, 16, 32], [0] * 6, target) == expected


def test_one_item_must_be_due_within_thirty_days_of_all_the_others():
    assert mc.drawable_sets([100, 100, 100], [0, 30, 60], 300) == [(0, 1, 2)]
    assert mc.drawable_sets([100, 100, 100], [0, 31, 60], 300) == []  # no item is near both ends
    assert mc.drawable_sets([100, 200], [0, 61], 300) == []


@pytest.mark.parametrize("largest", [4, 6])
def test_the_same_sets_as_trying_every_combination(largest):
    rng = random.Random(5)
    for _ in range(40):
        n = rng.randint(2, 13)
        amounts = [rng.choice([100, 150, 200, 250, 300, 350]) for _ in range(n)]
        dues = sorted(rng.randint(0, 120) for _ in range(n))
        target = rng.choice([300, 450, 600, 900])
        brute = []
        for k in range(2, largest + 1):
            for s in itertools.combinations(range(n), k):
                lo, hi = dues[s[0]], dues[s[-1]]
                if sum(amounts[i] for i in s) == target and any(hi - 30 <= dues[i] <= lo + 30 for i in s):
                    brute.append(s)
        assert sorted(mc.drawable_sets(amounts, dues, target, largest)) == sorted(brute)


def test_odds_follow_the_generator():
    # three items due 10 days apart: each has the other two as neighbours. A pair: either item may be the anchor,
    # which draws one more item (r = 1 of 1..5) of its 2 neighbours: 2 x 1/5 x 1/2. All three: any item is the
    # anchor, which draws both neighbours (r = 2..5): 3 x 4/5 x 1
    odds = mc.set_odds([(0, 1), (0, 1, 2)], [0, 10, 20])
    assert odds == pytest.approx([0.2, 2.4])

"""Deterministic runs of generated negotiations: zero limits broken.

The 100,000 run takes about 20 s on one core, so it is marked slow (deselect it with
`-m "not slow"`); a 10,000 run with another seed stays in the quick suite.
"""

from __future__ import annotations

import random
import time

import pytest

from .support import Tally, negotiate, random_limits, random_situation

RUNS = 100_000
SEED = 20250131


def run(count: int, seed: int) -> tuple[Tally, list[str], float]:
    """`count` negotiations from `seed`; a fresh limits/debt pair every 10 negotiations."""
    rng = random.Random(seed)
    tally = Tally()
    problems: list[str] = []
    started = time.perf_counter()
    for i in range(count):
        if i % 10 == 0:
            limits = random_limits(rng)
            situation = random_situation(rng, limits)
        negotiate(rng, limits, situation, tally, problems, audit_ladder=i % 10 == 0)
    return tally, problems, time.perf_counter() - started


def check_run(count: int, seed: int) -> None:
    """Run and assert: every offer and agreement checked, none breaks a limit."""
    tally, problems, seconds = run(count, seed)
    print(f"\n{count} negotiations in {seconds:.1f}s: {tally}")
    assert tally.negotiations == count
    assert problems == [], f"{len(problems)} problems, first: {problems[:5]}"
    assert tally.violations == 0


@pytest.mark.slow
def test_100000_generated_negotiations_break_no_limit() -> None:
    check_run(RUNS, SEED)


def test_10000_generated_negotiations_break_no_limit() -> None:
    check_run(10_000, SEED + 1)

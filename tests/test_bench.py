"""The benchmarks themselves work: each runs at a tiny size and reports sane numbers, nothing
lost and nothing sent twice. Correctness only; speed is what `make bench` reports."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import dispatch, inbound
from tests.conftest import _admin

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
PG = os.environ.get("RECOBRO_TEST_DATABASE_URL", "")


@pytest.fixture
def database() -> Iterator[str]:
    """A database of this test's own (never the benchmarks' `recobro_bench_*`), dropped after."""
    name = f"recobro_smoke_{os.getpid()}"
    yield name
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_the_inbound_benchmark_answers_every_webhook_and_times_each_reply(
        tmp_path: Path, database: str) -> None:
    result = inbound.main(["--messages", "60", "--debtors", "40", "--concurrency", "4",
                           "--warmup", "10", "--postgres", PG, "--database", database,
                           "--out", str(tmp_path / "inbound.json")])
    bot, bare = result["bot"], result["bare"]
    assert bare["messages"] == 60 and bare["errors"] == 0
    assert bot["errors"] == 0
    assert bot["messages"] + bot["no_reply"] == 60
    assert bot["messages"] >= 55  # a reply times out only on a starved machine
    assert 0 < bot["p50_ms"] <= bot["p99_ms"]
    assert bot["cpu_seconds"] > 0 and bot["peak_rss_mb"] > 50
    assert 0 < result["ratio"] < 1
    assert (tmp_path / "inbound.json").exists()


def test_the_dispatch_benchmark_sends_every_message_once_within_the_limit(
        tmp_path: Path, database: str) -> None:
    result = dispatch.main(["--messages", "300", "--rate", "40", "--senders", "3",
                            "--workers", "2", "--postgres", PG, "--database", database,
                            "--out", str(tmp_path / "dispatch.json")])
    assert (result["duplicates"], result["lost"]) == (0, 0)
    assert result["distinct"] == 300
    assert result["outbox"] == {"sent": 300}
    # How many arrive in one second at the provider is timing (the limiter spaces the sends;
    # the network may bunch two): the benchmark reports it against its target.
    assert result["max_in_1s"] > 0
    assert {s["sender"] for s in result["senders"]} == {"+15550000000", "+15550000001",
                                                        "+15550000002"}
    assert all(s["per_second"] > 0 for s in result["senders"])

"""Fault tests of the inbound path: `recobro serve` killed with -9 under webhook load, and
its PostgreSQL stopped and started under load. What got a 2xx is processed exactly once, and
every reply reaches the fake Twilio exactly once.

CI size by default; `FAULTS_SIZE=full` for the sizes of issue 9 (see tests/faults/harness.py).
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from tests.faults.harness import (
    LEASE,
    FakeInThread,
    Poster,
    Timeline,
    Workers,
    all_processed,
    check_inbound_once,
    check_sent_exactly_once,
    drained,
    query,
    size,
    wait_until,
)

# Tens of seconds at CI size: `slow`, so `-m "not slow"` skips them and CI (`make test`) runs them.
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

def test_kill_9_under_inbound_load_loses_nothing_acknowledged_and_replies_once(
        clean_pg_url: str, tmp_path: Path, fake: FakeInThread, timeline: Timeline) -> None:
    debtors, per_debtor = size(30, 300), size(3, 5)
    workers = Workers(clean_pg_url, fake.fake, timeline, tmp_path)
    # Due in a month: no reminder today, only replies.
    phones = workers.setup(debtors, tmp_path, due_on="2026-12-24")
    poster = Poster(workers.url)
    forms = list(poster.forms(phones, per_debtor))
    first = workers.start()
    killed = threading.Event()

    def chaos() -> None:
        # Once a third is acknowledged: kill -9, and start again on the same port when the
        # leases of what it was sending have run out (time jumps by the lease).
        wait_until(lambda: len(poster.acked) >= len(forms) // 3, 120, "a third acknowledged")
        workers.kill(first)
        killed.set()
        time.sleep(1.0)  # Twilio's retries meet a closed port meanwhile
        timeline.jump(LEASE)
        workers.start()

    thread = threading.Thread(target=chaos)
    try:
        thread.start()
        asyncio.run(poster.run(forms, concurrency=20, per_second=size(30, 60), seconds=240))
        thread.join(120)
        assert killed.is_set()
        assert len(poster.acked) == len(forms), "Twilio gave up on some webhooks"
        assert poster.statuses[0] > 0, "no webhook met the dead worker: not the test we meant"
        wait_until(lambda: all_processed(clean_pg_url, poster.acked), 120,
                   "every acknowledged webhook processed")
        wait_until(lambda: drained(clean_pg_url), 120, "the outbox to drain")
        check_inbound_once(clean_pg_url, poster.acked)
        replies = check_sent_exactly_once(clean_pg_url, fake)
        writers = {r[0] for r in query(clean_pg_url, "SELECT DISTINCT address FROM message "
                                                     "WHERE direction = 'in'")}
        assert writers == set(phones) and set(fake.created_per_address()) == set(phones)
        print(f"\nkill -9 under inbound load: {len(forms)} webhooks acknowledged "
              f"({dict(poster.statuses)} answers, redeliveries included), each stored and "
              f"processed once; {replies} replies, each created at Twilio once")
    finally:
        thread.join(5)
        workers.stop_all()

"""Fault tests of the dispatcher: a worker killed with sends in flight, and a provider that
fails (500, 429 with Retry-After, timeouts) for a while. Each outbox message must reach the
fake Twilio exactly once, counted there.

CI size by default; `FAULTS_SIZE=full` for the sizes of issue 9 (see tests/faults/harness.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.providers import Failure
from tests.faults.harness import (
    LEASE,
    FakeInThread,
    Timeline,
    Workers,
    check_sent_exactly_once,
    outbox_status,
    query,
    size,
    wait_until,
)

# Tens of seconds at CI size: `slow`, so `-m "not slow"` skips them and CI (`make test`) runs them.
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_kill_9_with_sends_in_flight_sends_each_message_once(
        clean_pg_url: str, tmp_path: Path, fake: FakeInThread, timeline: Timeline) -> None:
    n = size(60, 1000)
    workers = Workers(clean_pg_url, fake.fake, timeline, tmp_path)
    phones = workers.setup(n, tmp_path)
    # A slow provider: Twilio has created each message a second before it answers, so a
    # kill lands with messages sent but not recorded (the ambiguous case).
    fake.fake.latency = 1.0
    try:
        first = workers.start()
        wait_until(lambda: len(fake.fake.twilio_created()) >= n // 3, 120,
                   "a third of the reminders to go out")
        workers.kill(first)
        in_flight = query(clean_pg_url, "SELECT count(*) FROM outbox o JOIN message m "
                          "ON m.id = o.message_id WHERE o.status = 'sending'")[0][0]
        assert in_flight > 0, "the kill landed with nothing in flight: not the test we meant"
        created_at_kill = len(fake.fake.twilio_created())
        # The dead worker's leases must run out: restart when they have (time jumps).
        timeline.jump(LEASE)
        fake.fake.latency = 0.0
        workers.start()
        wait_until(lambda: outbox_status(clean_pg_url).get("sent", 0) == n, 180,
                   "every reminder sent")
        assert set(outbox_status(clean_pg_url)) == {"sent"}
        assert check_sent_exactly_once(clean_pg_url, fake) == n
        assert sorted(fake.created_per_address().values()) == [1] * n
        assert set(fake.created_per_address()) == set(phones)
        reconciled = query(clean_pg_url, "SELECT count(*) FROM event "
                           "WHERE kind = 'message.reconciled'")[0][0]
        print(f"\nkill -9 mid dispatch: {n} messages, {in_flight} in flight at the kill, "
              f"{created_at_kill} created by then, {reconciled} found at Twilio and "
              "recorded instead of sent again, 0 duplicates, 0 lost")
        assert reconciled > 0
    finally:
        workers.stop_all()


def test_provider_failing_for_a_while_then_the_queue_drains_without_duplicates(
        clean_pg_url: str, tmp_path: Path, fake: FakeInThread, timeline: Timeline) -> None:
    n, outage = size(40, 500), size(4, 60)
    workers = Workers(clean_pg_url, fake.fake, timeline, tmp_path,
                      extra={"RECOBRO_PROVIDER_TIMEOUT_SECONDS": "1"})
    workers.setup(n, tmp_path)
    # 500s, 429s with Retry-After and hangs past the client's timeout (in which Twilio still
    # creates the message: ambiguous, like a timeout in life).
    fake.fake.outage("twilio", outage, [Failure(status=500), Failure(status=429, retry_after=1),
                                        Failure(delay=3.0), Failure(status=503)])
    try:
        workers.start()
        # The backoff after the outage: first retry 10 s after the first failure, and so on.
        wait_until(lambda: outbox_status(clean_pg_url).get("sent", 0) == n, 60 + 4 * outage,
                   f"the queue to drain ({outbox_status(clean_pg_url)})")
        assert set(outbox_status(clean_pg_url)) == {"sent"}
        assert check_sent_exactly_once(clean_pg_url, fake) == n
        assert sorted(fake.created_per_address().values()) == [1] * n
        attempts = query(clean_pg_url, "SELECT max(attempts), sum(attempts) FROM outbox")[0]
        errors = query(clean_pg_url, "SELECT count(*) FROM outbox WHERE last_error IS NOT NULL")
        reconciled = query(clean_pg_url, "SELECT count(*) FROM event "
                           "WHERE kind = 'message.reconciled'")[0][0]
        posts = len(fake.fake.twilio_messages())
        print(f"\nprovider failing for {outage} s: {n} messages sent once each, at most "
              f"{attempts[0]} attempts for one ({attempts[1]} in all), {errors[0][0]} retried, "
              f"{posts} create requests, {reconciled} timed out but found at Twilio")
        assert attempts[0] < 8
    finally:
        workers.stop_all()

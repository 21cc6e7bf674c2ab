"""Several workers on PostgreSQL: one scheduler at a time, taken over when it dies, and no
reminder created or sent twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.leader import Leadership
from storage.db import Database
from tests.browser import free_port
from tests.helpers import ROOT, portfolio, row

pytestmark = pytest.mark.postgres


async def test_one_leader_at_a_time_and_another_takes_over_when_it_dies(clean_pg_url: str) -> None:
    a, b = Database(clean_pg_url), Database(clean_pg_url)
    first, second = Leadership(a), Leadership(b)
    try:
        assert await first.is_leader()
        assert not await second.is_leader()
        assert await first.is_leader()  # still
        # The leader's connection dies without a goodbye (kill -9, a cut network).
        assert first._connection is not None
        await first._connection.invalidate()
        first._connection = None
        assert await second.is_leader()
        assert not await first.is_leader()
        await second.release()
        assert await first.is_leader()
    finally:
        await first.release()
        await second.release()
        await a.dispose()
        await b.dispose()


def _count_reminders(url: str) -> Counter[str]:
    """Reminders sent per debtor, read straight from the database."""
    import asyncpg

    async def query() -> list[str]:
        u = make_url(url)
        conn = await asyncpg.connect(user=u.username, password=u.password, host=u.host,
                                     port=u.port or 5432, database=u.database)
        try:
            rows = await conn.fetch(
                "SELECT d.external_id FROM message m JOIN debtor d ON d.id = m.debtor_id "
                "WHERE m.direction = 'out' AND m.kind LIKE 'reminder_%' "
                "AND m.status IN ('sent', 'delivered')")
        finally:
            await conn.close()
        return [r[0] for r in rows]

    return Counter(asyncio.run(query()))


def test_two_serve_processes_send_each_reminder_once_and_survive_a_kill(
        clean_pg_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "RECOBRO_DATABASE_URL": clean_pg_url, "RECOBRO_LOG_LEVEL": "INFO",
           "RECOBRO_NOW": "2026-11-24T10:00:00-05:00", "RECOBRO_SCHEDULER_INTERVAL_SECONDS": "1",
           "RECOBRO_SANDBOX": "off"}

    def cli(*args: str, stdin: str = "") -> None:
        subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=ROOT, check=True,
                       capture_output=True, text=True, input=stdin, timeout=120)

    # Relax the caps: this test is about workers, not about how often one may write.
    (tmp_path / "policy.toml").write_text(
        (ROOT / "examples" / "policy.toml").read_text().split("[segments.small_business]")[0]
        + "[segments.default.compliance.caps]\nper_local_day = 0\n"
          "per_channel_per_rolling_7_days = 0\none_channel_per_rolling_7_days = false\n")
    cli("policy", "load", str(tmp_path / "policy.toml"))
    rows = [row(f"W-{n}", f"Deudor {n}", f"+5730012{n:05d}", f"WF-{n}") for n in range(40)]
    (tmp_path / "a.csv").write_text(portfolio(*rows))
    cli("import", str(tmp_path / "a.csv"))
    logs = [tmp_path / "w0.log", tmp_path / "w1.log"]
    workers = [subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port",
                                 str(free_port())], env=env, cwd=ROOT,
                                stdout=log.open("w"), stderr=subprocess.STDOUT)
               for log in logs]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(_count_reminders(clean_pg_url).values()) >= 40:
                break
            time.sleep(0.5)
        time.sleep(3)  # several more passes by both workers: nothing may be sent again
        leaders = [i for i, log in enumerate(logs)
                   if "this process now runs the scheduler" in log.read_text()]
        assert len(leaders) == 1, [log.read_text()[-2000:] for log in logs]
        counts = _count_reminders(clean_pg_url)
        assert len(counts) == 40 and set(counts.values()) == {1}
        # The leader dies without warning; the other worker takes the timers over.
        workers[leaders[0]].send_signal(signal.SIGKILL)
        workers[leaders[0]].wait(timeout=10)
        more = [row(f"X-{n}", f"Nuevo {n}", f"+5731012{n:05d}", f"XF-{n}") for n in range(10)]
        (tmp_path / "b.csv").write_text(portfolio(*rows, *more))
        cli("import", str(tmp_path / "b.csv"))
        survivor = logs[1 - leaders[0]]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "this process now runs the scheduler" in survivor.read_text():
                break
            time.sleep(0.5)
        assert "this process now runs the scheduler" in survivor.read_text()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(_count_reminders(clean_pg_url).values()) < 50:
            time.sleep(0.5)
        counts = _count_reminders(clean_pg_url)
        assert len(counts) == 50 and set(counts.values()) == {1}
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=15)

"""What the fault tests share: the fake providers in a thread, `recobro serve` workers that a
test kills and restarts, a Twilio-like webhook poster, and queries straight to PostgreSQL.

Sizes: each test reads its size from `FAULTS_SIZE` (`ci`, the default, small enough for the
normal run; `full`, the sizes of issue 9), so CI runs the same code on less data.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.engine import make_url

from bot.clock import parse_instant
from bot.dispatch import lease_for
from tests.browser import free_port
from tests.channels_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SMS_FROM,
    sid,
    twilio_signature,
)
from tests.fakes.providers import FakeProviders
from tests.helpers import ROOT, portfolio, row

FULL = os.environ.get("FAULTS_SIZE", "ci") == "full"
NOW = "2026-11-24T10:00:00-05:00"  # a Tuesday morning in Bogotá: contact hours
LEASE = lease_for(2.0)  # the outbox lease of the workers below (provider timeout <= 2 s)


def size(ci: int, full: int) -> int:
    """The size for this run."""
    return full if FULL else ci


def wait_until(condition: Callable[[], bool], seconds: float, what: str,
               every: float = 0.25) -> None:
    """Poll `condition` until it holds; fail saying `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    assert condition(), f"timed out after {seconds:g} s waiting for {what}"


class Timeline:
    """The product's clock across restarts: RECOBRO_NOW plus the real time elapsed (plus any
    jump a test makes), so a restarted worker continues where the killed one was."""

    def __init__(self) -> None:
        self.start = parse_instant(NOW)
        self.zero = time.monotonic()
        self.jumped = timedelta()

    def now(self) -> Any:
        return self.start + timedelta(seconds=time.monotonic() - self.zero) + self.jumped

    def jump(self, by: timedelta) -> None:
        """Time passes faster for the product (e.g. past an outbox lease)."""
        self.jumped += by


class FakeInThread:
    """FakeProviders served by its own event loop in a thread (the test thread stays sync)."""

    def __init__(self, clock: Callable[[], Any]) -> None:
        self.fake = FakeProviders(clock=clock)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def created_per_address(self) -> Counter[str]:
        """How many messages Twilio created (would send) to each number."""
        return Counter(str(m["to"]) for m in self.fake.twilio_created())


@dataclass
class Workers:
    """`recobro serve` processes on one database, pointed at the fake Twilio."""

    database_url: str
    fake: FakeProviders
    timeline: Timeline
    logs: Path
    port: int = field(default_factory=free_port)
    extra: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {**os.environ, "RECOBRO_DATABASE_URL": self.database_url,
                "RECOBRO_LOG_LEVEL": "INFO", "RECOBRO_SANDBOX": "off",
                "RECOBRO_NOW": self.timeline.now().isoformat(),
                "RECOBRO_SCHEDULER_INTERVAL_SECONDS": "1",
                "RECOBRO_PUBLIC_URL": PUBLIC_URL, "RECOBRO_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "RECOBRO_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "RECOBRO_TWILIO_API_BASE": self.fake.twilio_api_base,
                "RECOBRO_SMS_FROM": SMS_FROM, "RECOBRO_SEND_RATE_PER_SECOND": "0",
                "RECOBRO_PROVIDER_TIMEOUT_SECONDS": "2", **self.extra}

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=self.env(),
                              cwd=ROOT, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def setup(self, debtors: int, tmp: Path, *, due_on: str = "2026-11-10") -> list[str]:
        """Migrate, lift the caps, import `debtors` SMS debtors; their phone numbers."""
        self.cli("db", "upgrade")
        (tmp / "policy.toml").write_text(
            (ROOT / "examples" / "policy.toml").read_text().split("[segments.small_business]")[0]
            + "[segments.default.compliance.caps]\nper_local_day = 0\n"
              "per_channel_per_rolling_7_days = 0\none_channel_per_rolling_7_days = false\n")
        self.cli("policy", "load", str(tmp / "policy.toml"))
        phones = [f"+5730{n:08d}" for n in range(debtors)]
        rows = [row(f"D-{n}", f"Deudor {n}", phone, f"F-{n}", channel="sms", due_on=due_on)
                for n, phone in enumerate(phones)]
        (tmp / "portfolio.csv").write_text(portfolio(*rows))
        self.cli("import", str(tmp / "portfolio.csv"))
        return phones

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> subprocess.Popen[bytes]:
        """One more worker (on this port: a restart takes the dead one's place)."""
        log = self.logs / f"worker{len(self.procs)}.log"
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port",
                                 str(self.port)], env=self.env(), cwd=ROOT,
                                stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.procs.append(proc)
        wait_until(lambda: self._healthy() or proc.poll() is not None, 60, "serve to start")
        assert proc.poll() is None, log.read_text()[-3000:]
        return proc

    def _healthy(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9: no goodbye, no cleanup."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)

    def log_tail(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.logs.glob("worker*.log")))


def query(url: str, sql: str) -> list[Any]:
    """Rows of `sql`, straight from PostgreSQL (not through the product's code)."""
    import asyncpg

    async def run() -> list[Any]:
        u = make_url(url)
        conn = await asyncpg.connect(user=u.username, password=u.password, host=u.host,
                                     port=u.port or 5432, database=u.database)
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    return asyncio.run(run())


def outbox_status(url: str) -> Counter[str]:
    return Counter({r[0]: r[1] for r in query(
        url, "SELECT status, count(*) FROM outbox GROUP BY status")})


def check_sent_exactly_once(url: str, fake: FakeInThread) -> int:
    """Every outbound message in the database went out once: one message the fake Twilio
    created per stored provider id, and no message the fake created that nobody recorded
    (a duplicate). The number of messages."""
    stored = query(url, "SELECT id, provider_id, status FROM message "
                        "WHERE direction = 'out' AND channel = 'sms'")
    created = Counter(str(m["sid"]) for m in fake.fake.twilio_created())
    ids = Counter(r[1] for r in stored)
    unsent = [r for r in stored if r[1] is None]
    assert not unsent, f"{len(unsent)} outbound messages never sent: {unsent[:5]}"
    assert all(n == 1 for n in ids.values()), "one provider id credited to two messages"
    orphans = set(created) - set(ids)
    assert not orphans, f"{len(orphans)} messages sent twice (at Twilio, recorded by nobody)"
    assert set(ids) <= set(created), "a provider id Twilio never gave"
    return len(stored)


@dataclass
class Poster:
    """Posts signed inbound webhooks like Twilio: what does not get a 2xx is posted again
    (after a short wait); a share of what did is delivered again too (redelivery)."""

    url: str
    timeout: float = 15.0
    redeliver: float = 0.1
    acked: set[str] = field(default_factory=set)  # MessageSids that got a 2xx
    statuses: Counter[int] = field(default_factory=Counter)  # 0: no answer at all
    slowest: float = 0.0  # seconds, the longest any answer took
    outage_answers: list[int] = field(default_factory=list)  # statuses seen while `during`
    during: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(9))

    def forms(self, phones: list[str], per_debtor: int) -> Iterator[tuple[str, dict[str, str]]]:
        texts = ["hola", "¿cuánto debo?", "puedo pagar el viernes", "gracias", "sí"]
        n = 0
        for turn in range(per_debtor):
            for phone in phones:
                n += 1
                message = sid(n)
                yield message, {"MessageSid": message, "SmsSid": message,
                                "AccountSid": ACCOUNT_SID, "From": phone, "To": SMS_FROM,
                                "Body": texts[turn % len(texts)], "NumMedia": "0"}

    async def post(self, session: aiohttp.ClientSession, form: dict[str, str]) -> int:
        path = "/webhooks/twilio"
        headers = {"X-Twilio-Signature": twilio_signature(path, form)}
        started = time.monotonic()
        during = self.during
        try:
            async with session.post(self.url + path, data=form, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as r:
                await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            status = 0
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.statuses[status] += 1
        if during:
            self.outage_answers.append(status)
        return status

    async def deliver(self, session: aiohttp.ClientSession, message: str,
                      form: dict[str, str], deadline: float) -> None:
        """Until a 2xx (Twilio retries), then maybe once more (a redelivery)."""
        while time.monotonic() < deadline:
            status = await self.post(session, form)
            if 200 <= status < 300:
                self.acked.add(message)
                if self.rng.random() < self.redeliver:
                    await self.post(session, form)
                return
            await asyncio.sleep(0.5)

    async def run(self, forms: list[tuple[str, dict[str, str]]], *, concurrency: int,
                  per_second: float, seconds: float) -> None:
        """Deliver every form, starting at most `per_second` a second (debtors write over
        time, so a fault in the middle meets traffic however fast the machine is)."""
        started = time.monotonic()
        deadline = started + seconds
        limit = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession() as session:
            async def one(n: int, message: str, form: dict[str, str]) -> None:
                await asyncio.sleep(max(started + n / per_second - time.monotonic(), 0))
                async with limit:
                    await self.deliver(session, message, form, deadline)

            await asyncio.gather(*(one(n, m, f) for n, (m, f) in enumerate(forms)))


def drained(url: str) -> bool:
    """Every outbox row sent (and there are some)."""
    status = outbox_status(url)
    return set(status) <= {"sent"} and bool(status)


def all_processed(url: str, acked: set[str]) -> bool:
    """Every acknowledged MessageSid stored and processed."""
    rows = query(url, "SELECT provider_id FROM message WHERE direction = 'in' "
                      "AND status = 'processed'")
    return acked <= {r[0] for r in rows}


def check_inbound_once(url: str, acked: set[str]) -> None:
    """Every acknowledged webhook is stored once and was processed."""
    rows = query(url, "SELECT provider_id, status FROM message WHERE direction = 'in'")
    stored = Counter(r[0] for r in rows)
    assert all(n == 1 for n in stored.values()), "an inbound message stored twice"
    missing = acked - set(stored)
    assert not missing, f"{len(missing)} acknowledged webhooks were lost: {sorted(missing)[:5]}"
    statuses = Counter(r[1] for r in rows if r[0] in acked)
    assert set(statuses) == {"processed"}, statuses

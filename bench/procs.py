"""What the inbound and dispatch benchmarks share: databases, child processes, /proc readings,
and the line stream on which the fake provider reports each Twilio message it receives."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.cadence import _pg_database

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-24T10:00:00-05:00"  # Tuesday morning in Bogotá: inside every contact window
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
PG_DEFAULT = os.environ.get("RECOBRO_BENCH_DATABASE_URL",
                            "postgresql://postgres@127.0.0.1:5432/test")

pg_database = _pg_database


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ProcStats:
    """CPU seconds and peak RSS of a process, read from /proc (Linux)."""

    pid: int

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


def serve_env(database_url: str, port: int, fake_port: int, **extra: str) -> dict[str, str]:
    """`recobro serve` with Twilio pointed at the fake, the scheduler off, logs to a file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOBRO_")}
    env.update({
        "RECOBRO_DATABASE_URL": database_url, "RECOBRO_HOST": "127.0.0.1",
        "RECOBRO_PORT": str(port), "RECOBRO_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "RECOBRO_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "RECOBRO_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RECOBRO_TWILIO_API_BASE": f"http://127.0.0.1:{fake_port}/twilio",
        "RECOBRO_NOW": NOW, "RECOBRO_SCHEDULER": "false", "RECOBRO_SANDBOX": "off",
        "RECOBRO_CREDITOR_NAME": "Almacenes Prisma", "RECOBRO_MEDIA_DIR": "var/bench-media",
    })
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str] | None = None,
          log: str | None = None) -> subprocess.Popen[bytes]:
    """A child Python process in the repository root (output to var/<log> or discarded)."""
    out: int | object = subprocess.DEVNULL
    if log:
        (ROOT / "var").mkdir(exist_ok=True)
        out = open(ROOT / "var" / log, "wb")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env or dict(os.environ),
                            stdout=out, stderr=subprocess.STDOUT)  # type: ignore[arg-type]


def wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """Until `url` answers 2xx (the child started), or fail if it died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status < 300:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it does not go."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True, slots=True)
class Received:
    """One Twilio message as the fake provider received it."""

    at: float  # time.monotonic() in the fake's process (CLOCK_MONOTONIC: machine-wide)
    to: str
    from_: str
    message_id: str  # our message id, from the StatusCallback URL (?m=...)


async def collect(on_message: Callable[[Received], None]) -> tuple[asyncio.Server, int]:
    """A server on 127.0.0.1 that the fake provider streams its messages to; (server, port)."""

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            while line := await reader.readline():
                at, to, from_, message_id = line.decode().rstrip("\n").split("\t")
                on_message(Received(float(at), to, from_, message_id))
        writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def start_fake(notify_port: int) -> tuple[subprocess.Popen[bytes], int]:
    """The fake provider in a child process, reporting to `notify_port`; (process, its port)."""
    port = free_port()
    proc = start(["-m", "bench.fake", "--port", str(port), "--notify", str(notify_port)],
                 log="bench-fake.log")
    wait_tcp(port, proc)
    return proc, port


def wait_tcp(port: int, proc: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """Until something listens on `port`, or fail if the child died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {seconds:g} s")


def spy(pid: int, path: str) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` into `path` (collapsed stacks); stop it with `unspy`."""
    binary = str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([binary, "record", "--pid", str(pid), "--rate", "200",
                             "--format", "raw", "-o", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def unspy(proc: subprocess.Popen[bytes]) -> None:
    """Stop py-spy; it writes its file on SIGINT."""
    proc.send_signal(signal.SIGINT)
    proc.wait(60)


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving `url`'s database now (same machine only)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)

    async def query() -> list[int]:
        conn = await asyncpg.connect(user=parsed.username, password=parsed.password,
                                     host=parsed.host, port=parsed.port or 5432,
                                     database=parsed.database)
        try:
            rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1 "
                                    "AND pid <> pg_backend_pid()", parsed.database)
            return [int(r["pid"]) for r in rows]
        finally:
            await conn.close()

    return asyncio.run(query())


def cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each of those processes still alive."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            seconds[pid] = ProcStats(pid).cpu_seconds()
    return seconds


def save(out: str, result: dict[str, Any], targets: dict[str, bool]) -> None:
    """Write a benchmark's result as JSON, with when and where it ran."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps({"at": datetime.now().isoformat(),
                                     "machine": os.uname().nodename, "cpus": os.cpu_count(),
                                     "result": result, "targets": targets}, indent=2))

"""Shared pieces of the browser tests: Debian's chromium, and `recobro serve` in a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
# Flags for a sandboxed, offline machine: without the background-networking ones chromium
# keeps trying to reach Google and floods the log with refused connections.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def need_chromium() -> None:
    """Skip (or, in CI, fail) when Debian's chromium is not installed."""
    if Path(CHROMIUM).exists():
        return
    message = (f"browser tests need Debian's chromium at {CHROMIUM} "
               "(apt-get install chromium); CI installs it")
    if os.environ.get("RECOBRO_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ADMIN = ("ines", "una clave segura")


Cli = Callable[..., str]


@contextmanager
def recobro_server(tmp_path: Path, env_extra: dict[str, str],
                   prepare: Callable[[Cli], None] | None = None) -> Iterator[str]:
    """Migrate, import the example portfolio, add an admin (ADMIN), let `prepare` run more
    commands (`cli(*args, stdin=..., now=...)`), then run `recobro serve`; yields its base URL.
    The database is `tmp_path / "r.db"`."""
    port = free_port()
    env = {**os.environ, "RECOBRO_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
           "RECOBRO_LOG_LEVEL": "WARNING", **env_extra}

    def cli(*args: str, stdin: str = "", now: str | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, check=True,
                              env=env | ({"RECOBRO_NOW": now} if now else {}),
                              capture_output=True, timeout=120, input=stdin, text=True)
        return done.stdout

    cli("db", "upgrade")
    cli("import", str(ROOT / "examples" / "portfolio.csv"))
    cli("admin", "create-user", ADMIN[0], "--role", "admin", "--password-stdin",
        stdin=ADMIN[1] + "\n")
    if prepare is not None:
        prepare(cli)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

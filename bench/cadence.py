"""The cadence benchmark: one scheduler pass over 1,000,000 open invoices, 100,000 due.

Prepares the portfolio with bulk inserts, then runs the real CLI in child processes and
reports wall time and peak memory (each child's own maximum RSS), once on SQLite and once on
PostgreSQL when RECOBRO_BENCH_DATABASE_URL (or a local server) is given:

- the pass: `recobro tick --no-dispatch`, which finds what is due through the timer index,
  runs the compliance pre-check and writes one grouped reminder per debtor to the outbox.
  The target (under 30 s and 300 MB) is about this pass.
- the drain: a second `recobro tick`, which sends that outbox through the sandbox channel
  (every send checked by the gate and recorded). In production the drain is paced by the
  providers' rate limits (100,000 messages at 80/s are 21 minutes), so it is reported, not
  held to the pass's target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

from bench.portfolio import generate
from bot.clock import parse_instant
from storage.db import Database
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-24T10:00:00-05:00"  # Tuesday morning in Bogotá: inside every window


async def _prepare(url: str, invoices: int, due: int, per_debtor: int) -> dict[str, int]:
    db = Database(url)
    try:
        await upgrade(db)
        now = parse_instant(NOW)
        return await generate(db, invoices=invoices, due=due, per_debtor=per_debtor,
                              today=date(2026, 11, 24), now=now)
    finally:
        await db.dispose()


def _pg_database(base: str, name: str) -> str:
    """A fresh PostgreSQL database for the benchmark, dropped first if it exists."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(base)

    async def recreate() -> None:
        conn = await asyncpg.connect(user=url.username, password=url.password, host=url.host,
                                     port=url.port or 5432, database=url.database)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(recreate())
    return url.set(database=name).render_as_string(hide_password=False)


def _child(url: str, *args: str) -> tuple[float, float, str]:
    """Run `recobro ARGS` in a child process: wall seconds, its peak RSS in MB, its summary."""
    env = {**os.environ, "RECOBRO_DATABASE_URL": url, "RECOBRO_LOG_LEVEL": "WARNING"}
    code = ("import resource, sys; from bot.cli import main; rc = main(sys.argv[1:]); "
            "print('peak_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
            "sys.exit(rc)")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"recobro {' '.join(args)} failed ({result.returncode}):\n"
                         f"{result.stderr[-3000:]}")
    seconds = time.perf_counter() - started
    lines = result.stdout.strip().splitlines()
    peak_kib = int(lines[-1].split()[1])
    return seconds, peak_kib / 1024, lines[-2].split(": ", 1)[-1]


def run(backend: str, url: str, invoices: int, due: int, per_debtor: int) -> dict[str, object]:
    """Prepare, then time the pass and the drain, each in a child process of its own."""
    started = time.perf_counter()
    counts = asyncio.run(_prepare(url, invoices, due, per_debtor))
    prepared = time.perf_counter() - started
    pass_s, pass_mb, pass_summary = _child(url, "tick", "--no-dispatch", "--now", NOW)
    drain_s, drain_mb, drain_summary = _child(url, "tick", "--now", NOW)
    return {"backend": backend, **counts, "prepare_seconds": round(prepared, 1),
            "pass_seconds": round(pass_s, 2), "peak_rss_mb": round(pass_mb, 1),
            "pass_summary": pass_summary,
            "drain_seconds": round(drain_s, 2), "drain_peak_rss_mb": round(drain_mb, 1),
            "drain_summary": drain_summary}


def main() -> None:
    """Run the benchmark and print a table; write the JSON next to it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--per-debtor", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get(
        "RECOBRO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "cadence.json"))
    args = parser.parse_args()
    sqlite_path = ROOT / "var" / "bench-cadence.db"
    sqlite_path.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    backends = [("sqlite", lambda: f"sqlite:///{sqlite_path}")]
    if not args.skip_postgres:
        backends.append(("postgresql",
                         lambda: _pg_database(args.postgres, "recobro_bench_cadence")))
    print(f"{'backend':<11} {'invoices':>9} {'due':>8} {'pass s':>8} {'peak MB':>8} "
          f"{'target':>7} {'drain s':>8} {'drain MB':>9}", flush=True)
    results = []
    for backend, url in backends:  # each row as soon as it is measured
        r = run(backend, url(), args.invoices, args.due, args.per_debtor)
        results.append(r)
        ok = r["pass_seconds"] < 30 and r["peak_rss_mb"] < 300  # type: ignore[operator]
        print(f"{r['backend']:<11} {r['invoices']:>9} {r['due_invoices']:>8} "
              f"{r['pass_seconds']:>8} {r['peak_rss_mb']:>8} {'met' if ok else 'MISSED':>7} "
              f"{r['drain_seconds']:>8} {r['drain_peak_rss_mb']:>9}")
        print(f"    pass:  {r['pass_summary']}\n    drain: {r['drain_summary']}", flush=True)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({
            "at": datetime.now().isoformat(), "machine": os.uname().nodename,
            "cpus": os.cpu_count(), "results": results,
            "targets": {f"{x['backend']}_30s_300MB": "met" if x["pass_seconds"] < 30  # type: ignore[operator]
                        and x["peak_rss_mb"] < 300 else "MISSED" for x in results}},  # type: ignore[operator]
            indent=2))

if __name__ == "__main__":
    main()

"""The cadence benchmark: one scheduler pass over 1,000,000 open invoices, 100,000 due.

Prepares the portfolio with bulk inserts, then runs the real `recobro tick` in a child
process and reports its wall time and peak memory (the child's own maximum RSS), once on
SQLite and once on PostgreSQL when RECOBRO_BENCH_DATABASE_URL (or a local server) is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
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


def run(backend: str, url: str, invoices: int, due: int, per_debtor: int) -> dict[str, object]:
    """Prepare, then time one `recobro tick` in a child process."""
    started = time.perf_counter()
    counts = asyncio.run(_prepare(url, invoices, due, per_debtor))
    prepared = time.perf_counter() - started
    env = {**os.environ, "RECOBRO_DATABASE_URL": url, "RECOBRO_LOG_LEVEL": "WARNING"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "bot.cli", "tick", "--now", NOW], env=env,
                            cwd=ROOT, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"backend": backend, **counts, "prepare_seconds": round(prepared, 1),
            "pass_seconds": round(seconds, 2),
            "peak_rss_mb": round(max(peak_kib, before) / 1024, 1),
            "summary": result.stdout.strip().split(": ", 1)[-1]}


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
    results = []
    sqlite_path = ROOT / "var" / "bench-cadence.db"
    sqlite_path.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    results.append(run("sqlite", f"sqlite:///{sqlite_path}", args.invoices, args.due,
                       args.per_debtor))
    if not args.skip_postgres:
        url = _pg_database(args.postgres, "recobro_bench_cadence")
        results.append(run("postgresql", url, args.invoices, args.due, args.per_debtor))
    print(f"{'backend':<11} {'invoices':>9} {'due':>8} {'pass s':>8} {'peak MB':>8}  target")
    for r in results:
        ok = r["pass_seconds"] < 30 and r["peak_rss_mb"] < 300  # type: ignore[operator]
        print(f"{r['backend']:<11} {r['invoices']:>9} {r['due_invoices']:>8} "
              f"{r['pass_seconds']:>8} {r['peak_rss_mb']:>8}  {'met' if ok else 'MISSED'}"
              f"   ({r['summary']})")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"at": datetime.now().isoformat(),
                                          "machine": os.uname().nodename,
                                          "cpus": os.cpu_count(), "results": results},
                                         indent=2))


if __name__ == "__main__":
    main()

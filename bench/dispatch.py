"""The dispatch benchmark: outbox messages sent to the fake Twilio under the per-sender rate.

Prepares N debtors on SMS and one queued reminder each (bulk inserts), then starts
`--workers` `recobro serve` processes (dispatchers sharing the PostgreSQL rate limiter) with a
pool of `--senders` From numbers and RECOBRO_SEND_RATE_PER_SECOND=`--rate`. The fake Twilio,
in a process of its own, reports each message as it arrives; from those arrival times:

- the achieved rate per sender (messages over the span between its first and last one) and
  the most messages it received in any one-second window (must never exceed the limit);
- duplicates (a message id received twice) and lost messages (never received);
- the outbox at the end (every row `sent`).

    python -m bench.dispatch --messages 100000 --rate 80 --senders 10 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, text, update
from sqlmodel import select

from bench import procs
from bench.portfolio import generate
from bot.clock import parse_instant
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Debtor, Message, Outbox

CHUNK = 5_000


async def _prepare(url: str, messages: int) -> None:
    """`messages` debtors on SMS, each with one reminder waiting in the outbox."""
    db = Database(url)
    now = parse_instant(procs.NOW)
    try:
        await upgrade(db)
        await generate(db, invoices=messages, due=0, per_debtor=1, today=date(2026, 11, 24),
                       now=now)
        async with db.engine.begin() as conn:
            await conn.execute(update(Debtor).values(
                channel="sms", consents={"sms": {"source": "import", "at": now.isoformat()}}))
            for start in range(0, messages, CHUNK):
                ids = range(start + 1, min(start + CHUNK, messages) + 1)
                await conn.execute(insert(Message), [{
                    "id": i, "debtor_id": i, "direction": "out", "channel": "sms",
                    "address": f"+57300{i - 1:07d}", "kind": "reminder_overdue",
                    "text": f"Hola Deudor {i - 1}, su factura de Almacenes Prisma está vencida.",
                    "payload": {"locale": "es-CO"}, "status": "queued", "created_at": now}
                    for i in ids])
                await conn.execute(insert(Outbox), [{
                    "message_id": i, "debtor_id": i, "channel": "sms",
                    "kind": "reminder_overdue", "status": "pending",
                    "due_at": now - timedelta(minutes=1), "attempts": 0, "created_at": now,
                    "updated_at": now} for i in ids])
            await conn.execute(text(
                "SELECT setval('message_id_seq', (SELECT max(id) FROM message))"))
            await conn.execute(text("ANALYZE"))
    finally:
        await db.dispose()


async def _outbox(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = await session.exec(select(Outbox.status, func.count()).group_by(Outbox.status))
            return {status: count for status, count in rows.all()}
    finally:
        await db.dispose()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most arrivals within any `window` seconds (two pointers over sorted times)."""
    best, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def analyse(received: list[procs.Received], expected: int, rate: float) -> dict[str, Any]:
    """Rates, windows, duplicates and losses, from what the fake received."""
    ids = Counter(r.message_id for r in received)
    per_sender: dict[str, list[float]] = defaultdict(list)
    for r in received:
        per_sender[r.from_].append(r.at)
    senders = []
    for sender, times in sorted(per_sender.items()):
        times.sort()
        span = times[-1] - times[0]
        senders.append({"sender": sender, "messages": len(times),
                        "per_second": round((len(times) - 1) / span, 2) if span else 0.0,
                        "max_in_1s": max_in_window(times)})
    all_times = sorted(r.at for r in received)
    span = all_times[-1] - all_times[0] if len(all_times) > 1 else 0.0
    rates = [s["per_second"] for s in senders if s["messages"] > rate]
    return {"received": len(received), "distinct": len(ids),
            "duplicates": sum(n - 1 for n in ids.values() if n > 1),
            "lost": expected - len([i for i in ids if i]),
            "seconds": round(span, 1),
            "per_second": round((len(all_times) - 1) / span, 1) if span else 0.0,
            "sender_rate_min": min(rates, default=0.0), "sender_rate_max": max(rates, default=0.0),
            "max_in_1s": max((s["max_in_1s"] for s in senders), default=0),
            "senders": senders}


async def _run(url: str, messages: int, rate: float, senders: int, workers: int,
               seconds: float, profile: str | None, concurrency: int) -> dict[str, Any]:
    received: list[procs.Received] = []
    server, notify = await procs.collect(received.append)
    fake, fake_port = procs.start_fake(notify)
    pool = ",".join(f"+1555000{n:04d}" for n in range(senders))
    serving = []
    try:
        for n in range(workers):
            port = procs.free_port()
            env = procs.serve_env(url, port, fake_port, RECOBRO_SMS_FROM=pool,
                                  RECOBRO_SEND_RATE_PER_SECOND=f"{rate:g}",
                                  RECOBRO_DISPATCH_CONCURRENCY=str(concurrency),
                                  RECOBRO_LOG_LEVEL="WARNING")
            serving.append(procs.start(["-m", "bot.cli", "serve"], env,
                                       log=f"bench-dispatch-serve-{n}.log"))
            await asyncio.to_thread(procs.wait_http, f"http://127.0.0.1:{port}/healthz",
                                    serving[-1])
        # Whole-process CPU, start-up included: the first worker sends before the last is up.
        stats = [procs.ProcStats(p.pid) for p in serving]
        spies = [procs.spy(serving[0].pid, profile)] if profile else []
        deadline = asyncio.get_running_loop().time() + seconds
        last, still = -1, 0.0
        while len({r.message_id for r in received}) < messages:
            await asyncio.sleep(1)
            if asyncio.get_running_loop().time() > deadline:
                break
            if len(received) == last:  # nothing for a while: done, or stuck
                still += 1
                if still > 30:
                    break
            else:
                last, still = len(received), 0.0
        await asyncio.sleep(2)  # anything sent twice late would show now
        used = [round(s.cpu_seconds(), 1) for s in stats]
        peak = [round(s.peak_rss_mb(), 1) for s in stats]
        for spy in spies:
            procs.unspy(spy)
    finally:
        for p in serving:
            procs.stop(p)
        procs.stop(fake)
        server.close()
    result = analyse(received, messages, rate)
    result |= {"messages": messages, "rate": rate, "senders_configured": senders,
               "workers": workers, "concurrency": concurrency, "cpu_seconds": used,
               "peak_rss_mb": peak,
               "outbox": await _outbox(url)}
    return result


def targets(result: dict[str, Any]) -> dict[str, bool]:
    rate = result["rate"]
    return {"rate_within_5_percent": result["sender_rate_min"] >= 0.95 * rate,
            "never_above_limit": result["max_in_1s"] <= rate,
            "no_duplicates": result["duplicates"] == 0, "none_lost": result["lost"] == 0}


def table(result: dict[str, Any]) -> str:
    lines = [f"{'dispatch':<9} {'sent':>7} {'msg/s':>7} {'per sender':>11} {'max 1 s':>8} "
             f"{'dups':>5} {'lost':>5} {'CPU s':>10}",
             f"{'postgres':<9} {result['distinct']:>7} {result['per_second']:>7} "
             f"{result['sender_rate_min']:>5}-{result['sender_rate_max']:<5} "
             f"{result['max_in_1s']:>8} {result['duplicates']:>5} {result['lost']:>5} "
             f"{'+'.join(map(str, result['cpu_seconds'])):>10}",
             f"limit {result['rate']:g}/s x {result['senders_configured']} senders, "
             f"{result['workers']} workers x {result['concurrency']} sends in flight; "
             "targets: " + ", ".join(
                 f"{k} {'met' if v else 'MISSED'}" for k, v in targets(result).items())]
    return "\n".join(lines)


def run(*, messages: int, rate: float, senders: int, workers: int, postgres: str,
        database: str = "recobro_bench_dispatch", profile: str | None = None,
        concurrency: int = 32) -> dict[str, Any]:
    url = procs.pg_database(postgres, database)
    asyncio.run(_prepare(url, messages))
    timeout = messages / (rate * senders) * 2 + 60
    return asyncio.run(_run(url, messages, rate, senders, workers, timeout, profile,
                            concurrency))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=80.0, help="per sender, per second")
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="recobro serve processes")
    parser.add_argument("--concurrency", type=int, default=32,
                        help="RECOBRO_DISPATCH_CONCURRENCY of each worker")
    parser.add_argument("--postgres", default=procs.PG_DEFAULT)
    parser.add_argument("--database", default="recobro_bench_dispatch",
                        help="the database it drops and creates on that server")
    parser.add_argument("--profile", help="py-spy the first worker into this file")
    parser.add_argument("--out", default=str(procs.ROOT / "bench" / "results" / "dispatch.json"))
    args = parser.parse_args(argv)
    result = run(messages=args.messages, rate=args.rate, senders=args.senders,
                 workers=args.workers, postgres=args.postgres, database=args.database,
                 profile=args.profile, concurrency=args.concurrency)
    print(table(result))
    procs.save(args.out, result, targets(result))
    return result


if __name__ == "__main__":
    main()

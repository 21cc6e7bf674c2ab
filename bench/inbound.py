"""The inbound benchmark: signed Twilio webhooks into `recobro serve`, replies out to the fake.

Processes: `recobro serve` (PostgreSQL, Twilio pointed at the fake), the fake Twilio
(bench.fake), and a load generator (this module's `_load`, spawned) that keeps one message
in flight per debtor: it posts a signed webhook from a debtor, waits for the fake to report
the reply to that debtor's phone, and moves on. Latency is from posting the webhook to the
fake receiving the reply (both read CLOCK_MONOTONIC). The same load then goes to a bare
aiohttp handler that only answers 200 (bench.bare): the floor, so the result is a ratio.

    python -m bench.inbound --messages 5000 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import subprocess
import time
import uuid
from datetime import date
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlencode

from bench import procs
from bench.portfolio import generate
from bot.clock import parse_instant
from storage.db import Database
from storage.migrate import upgrade

DATA = procs.ROOT / "tests" / "understanding" / "data"
# Texts a debtor in the middle of a collection writes; opt-outs, abuse and "talk to a
# person" are left out, since after them the bot rightly stops answering.
INTENTS = {"promise_to_pay", "will_pay_now", "offer_amount", "ask_balance",
           "ask_payment_methods", "greeting", "thanks", "affirm", "request_plan",
           "cant_pay", "didnt_receive_invoice", "already_paid", "request_discount"}
REPLY_TIMEOUT = 10.0


def texts() -> list[str]:
    """Realistic Colombian messages from the understanding's labelled sets."""
    found = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item["locale"] == "es-CO" and item["intent"] in INTENTS:
                    found.append(item["text"])
    return found


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(p / 100 * len(ordered)), len(ordered) - 1)]


# The load generator (a process of its own) ------------------------------------------------


async def _phase(session: Any, url: str, public: str, debtors: int, concurrency: int,
                 count: int, expect_reply: bool, waiting: dict[str, asyncio.Future[float]],
                 sample: list[str], rng: random.Random) -> dict[str, Any]:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(procs.AUTH_TOKEN)
    latencies: list[float] = []
    errors = no_reply = 0
    remaining = count
    loop = asyncio.get_running_loop()

    async def worker(w: int) -> None:
        nonlocal remaining, errors, no_reply
        mine = list(range(w, debtors, concurrency))
        turn = 0
        while remaining > 0:
            remaining -= 1
            phone = f"+57300{mine[turn % len(mine)]:07d}"
            turn += 1
            sid = "SM" + uuid.uuid4().hex
            form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": procs.ACCOUNT_SID,
                    "From": f"whatsapp:{phone}", "To": "whatsapp:+15550001000",
                    "Body": rng.choice(sample), "NumMedia": "0"}
            headers = {"X-Twilio-Signature": validator.compute_signature(public, form),
                       "Content-Type": "application/x-www-form-urlencoded"}
            body = urlencode(form)
            future: asyncio.Future[float] = loop.create_future()
            if expect_reply:
                waiting[f"whatsapp:{phone}"] = future
            started = time.monotonic()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    ok = response.status == 200
            except Exception:
                ok = False
            answered = time.monotonic()
            if not ok:
                errors += 1
                waiting.pop(f"whatsapp:{phone}", None)
                continue
            if not expect_reply:
                latencies.append(answered - started)
                continue
            try:
                at = await asyncio.wait_for(future, REPLY_TIMEOUT)
                latencies.append(at - started)
            except TimeoutError:
                no_reply += 1
            waiting.pop(f"whatsapp:{phone}", None)

    started = time.monotonic()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    seconds = time.monotonic() - started
    return {"messages": len(latencies), "seconds": round(seconds, 2),
            "per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "errors": errors, "no_reply": no_reply}


async def _load_main(conn: Connection) -> None:
    import aiohttp

    waiting: dict[str, asyncio.Future[float]] = {}
    extra = 0

    def on_message(r: procs.Received) -> None:
        nonlocal extra
        future = waiting.get(r.to)
        if future is not None and not future.done():
            future.set_result(r.at)
        else:
            extra += 1  # a second reply to one message, or one that came after the timeout

    server, port = await procs.collect(on_message)
    conn.send(port)
    sample = texts()
    loop = asyncio.get_running_loop()
    while True:
        job = await loop.run_in_executor(None, conn.recv)
        if job is None:
            break
        rng = random.Random(1)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            url, public = job["url"], job["public"]
            if job["warmup"]:
                await _phase(session, url, public, job["debtors"], job["concurrency"],
                             job["warmup"], job["expect_reply"], waiting, sample, rng)
            extra = 0
            conn.send("measuring")
            result = await _phase(session, url, public, job["debtors"], job["concurrency"],
                                  job["messages"], job["expect_reply"], waiting, sample, rng)
            await asyncio.sleep(0.5 if job["expect_reply"] else 0)  # late extra replies
            result["extra_replies"] = extra
        conn.send(result)
    server.close()


def _load(conn: Connection) -> None:
    asyncio.run(_load_main(conn))


# The coordinator ----------------------------------------------------------------------------


async def _prepare(url: str, debtors: int) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        await generate(db, invoices=debtors, due=0, per_debtor=1, today=date(2026, 11, 24),
                       now=parse_instant(procs.NOW))
    finally:
        await db.dispose()


def _measure(conn: Connection, pid: int, job: dict[str, Any],
             database_url: str | None = None) -> dict[str, Any]:
    conn.send(job)
    assert conn.recv() == "measuring"
    stats = procs.ProcStats(pid)
    cpu = stats.cpu_seconds()
    # PostgreSQL's share, when the server is on this machine: its backends for our database
    # (the pool's connections; one opened and closed during the run is missed).
    db_cpu = procs.cpu_of(procs.backend_pids(database_url)) if database_url else {}
    result: dict[str, Any] = conn.recv()
    result["cpu_seconds"] = round(stats.cpu_seconds() - cpu, 2)
    after = procs.cpu_of(procs.backend_pids(database_url)) if database_url else {}
    result["db_cpu_seconds"] = round(sum(t - db_cpu.get(pid, 0.0) for pid, t in after.items()),
                                     2)
    result["cpu_per_message_ms"] = round(result["cpu_seconds"] * 1000 / result["messages"], 3) \
        if result["messages"] else 0.0
    result["peak_rss_mb"] = round(stats.peak_rss_mb(), 1)
    return result


def run(*, messages: int, debtors: int, concurrency: int, warmup: int, postgres: str,
        database: str = "recobro_bench_inbound", profile: str | None = None) -> dict[str, Any]:
    """Bare handler, then the bot, under the same load; both results and the ratio."""
    debtors = max(debtors, concurrency)
    url = procs.pg_database(postgres, database)
    asyncio.run(_prepare(url, debtors))
    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe()
    loader = ctx.Process(target=_load, args=(there,), daemon=True)
    loader.start()
    notify = here.recv()
    fake, fake_port = procs.start_fake(notify)
    children = [fake]
    spies: list[subprocess.Popen[bytes]] = []
    try:
        job = {"messages": messages, "debtors": debtors, "concurrency": concurrency,
               "warmup": warmup}
        port = procs.free_port()
        bare = procs.start(["-m", "bench.bare", "--port", str(port)])
        children.append(bare)
        procs.wait_tcp(port, bare)
        target = f"http://127.0.0.1:{port}/webhooks/twilio"
        floor = _measure(here, bare.pid, job | {"url": target, "public": target,
                                                "expect_reply": False})
        procs.stop(bare)
        port = procs.free_port()
        env = procs.serve_env(url, port, fake_port, RECOBRO_WHATSAPP_FROM="whatsapp:+15550001000",
                              RECOBRO_SEND_RATE_PER_SECOND="0")
        serve = procs.start(["-m", "bot.cli", "serve"], env, log="bench-inbound-serve.log")
        children.append(serve)
        procs.wait_http(f"http://127.0.0.1:{port}/healthz", serve)
        if profile:
            # py-spy samples the serve process from outside (pip install -e '.[bench]').
            spies.append(procs.spy(serve.pid, profile))
        target = f"http://127.0.0.1:{port}/webhooks/twilio"
        bot = _measure(here, serve.pid, job | {"url": target, "public": target,
                                               "expect_reply": True}, url)
        here.send(None)
    finally:
        for spy in spies:
            procs.unspy(spy)
        for child in children:
            procs.stop(child)
        loader.join(5)
    ratio = round(bot["per_second"] / floor["per_second"], 3) if floor["per_second"] else 0.0
    return {"backend": "postgresql", "debtors": debtors, "concurrency": concurrency,
            "bot": bot, "bare": floor, "ratio": ratio}


def targets(result: dict[str, Any]) -> dict[str, bool]:
    """Issue 9's targets (they mean something on a quiet 2-core machine at full size)."""
    bot = result["bot"]
    return {"1000_per_second": bot["per_second"] >= 1000, "p99_100ms": bot["p99_ms"] <= 100,
            "ratio_20_percent": result["ratio"] >= 0.2}


def table(result: dict[str, Any]) -> str:
    lines = [f"{'inbound':<8} {'msg/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU s':>6} "
             f"{'CPU ms/msg':>10} {'DB CPU s':>8} {'peak MB':>8} {'errors':>6} "
             f"{'no reply':>8}"]
    for name in ("bot", "bare"):
        r = result[name]
        lines.append(f"{name:<8} {r['per_second']:>8} {r['p50_ms']:>7} {r['p99_ms']:>7} "
                     f"{r['cpu_seconds']:>6} {r['cpu_per_message_ms']:>10} "
                     f"{r['db_cpu_seconds']:>8} "
                     f"{r['peak_rss_mb']:>8} {r['errors']:>6} {r['no_reply']:>8}")
    met = targets(result)
    lines.append(f"bot/bare {result['ratio']:.1%}  targets: "
                 + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--debtors", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=64,
                        help="debtors with a message in flight at once")
    parser.add_argument("--warmup", type=int, default=None, help="messages before measuring")
    parser.add_argument("--postgres", default=procs.PG_DEFAULT)
    parser.add_argument("--database", default="recobro_bench_inbound",
                        help="the database it drops and creates on that server")
    parser.add_argument("--profile", help="py-spy the serve process into this file "
                        "(collapsed stacks, for flamegraph.pl or speedscope)")
    parser.add_argument("--out", default=str(procs.ROOT / "bench" / "results" / "inbound.json"))
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else min(1000, args.messages // 10)
    result = run(messages=args.messages, debtors=args.debtors, concurrency=args.concurrency,
                 warmup=warmup, postgres=args.postgres, database=args.database,
                 profile=args.profile)
    print(table(result))
    procs.save(args.out, result, targets(result))
    return result


if __name__ == "__main__":
    main()

"""How long the dashboard's queries take on a large generated portfolio.

    .venv/bin/python bench/dashboard.py --invoices 200000                   # SQLite file
    .venv/bin/python bench/dashboard.py --invoices 1000000 --url postgresql://postgres@127.0.0.1/bench

Generates debtors (2 invoices each), payments, agreements, reason notes, messages and cases
with plain multi-row INSERTs into a fresh, migrated database, runs ANALYZE, then times each
dashboard table (best of --repeat runs) and the whole page build. A speed target belongs
here, not in a unit test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bot import dashboard
from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    Agreement,
    Debtor,
    Escalation,
    Invoice,
    Message,
    Payment,
)
from storage.models import Event as EventRow

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CURRENCIES = (("COP", 10**8), ("CLP", 10**6), ("MXN", 10**6), ("BRL", 10**6), ("USD", 10**5))
SEGMENTS = ("default", "pymes", "retail", "vip")
CHUNK = 5000


async def _insert(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.exec(insert(model), params=rows[start:start + CHUNK])  # type: ignore[call-overload]


async def generate(db: Database, invoices: int, seed: int = 7) -> dict[str, int]:
    """A portfolio of `invoices` invoices and the activity around them."""
    rnd = random.Random(seed)
    n_debtors = invoices // 2
    debtors, bills, payments, agreements, events, messages, cases = [], [], [], [], [], [], []
    for d in range(1, n_debtors + 1):
        currency, scale = CURRENCIES[d % len(CURRENCIES)]
        debtors.append({"id": d, "external_id": f"D-{d}", "name": f"Debtor {d}",
                        "phone": f"+5730{d:08d}", "channel": "whatsapp", "locale": "es-CO",
                        "country": "CO", "timezone": "America/Bogota",
                        "segment": SEGMENTS[d % len(SEGMENTS)], "opt_outs": {}, "consents": {},
                        "created_at": NOW, "updated_at": NOW})
        for k in range(2):
            amount = rnd.randint(1, 50) * scale
            due = NOW.date() - timedelta(days=rnd.randint(-30, 200))
            paid = rnd.random() < 0.3
            bills.append({"debtor_id": d, "external_id": f"F-{d}-{k}", "currency": currency,
                          "amount_minor": amount, "open_minor": 0 if paid else amount,
                          "issued_on": due - timedelta(days=30), "due_on": due,
                          "status": "paid" if paid else "open", "created_at": NOW,
                          "updated_at": NOW})
            if paid:
                payments.append({"reference": f"P-{d}-{k}", "debtor_id": d,
                                 "currency": currency, "amount_minor": amount,
                                 "paid_at": NOW - timedelta(hours=rnd.randint(1, 24 * 120)),
                                 "source": "import", "status": "applied", "data": {},
                                 "created_at": NOW})
        if d % 5 == 0:
            agreements.append({"debtor_id": d, "kind": rnd.choice(("promise", "plan")),
                               "status": rnd.choice(("active", "kept", "broken", "cancelled")),
                               "currency": currency, "total_minor": scale, "terms": {},
                               "created_at": NOW})
            events.append({"at": NOW, "debtor_id": d, "actor": "bot", "kind": "note.reason",
                           "data": {"intent": "cant_pay", "reason": rnd.choice(
                               ("no_money", "job_loss", "illness", None))}})
        for m in range(3):
            at = NOW - timedelta(hours=rnd.randint(1, 24 * 90))
            status = rnd.choice(("sent", "delivered", "read", "failed"))
            messages.append({"debtor_id": d, "direction": "out" if m < 2 else "in",
                             "channel": rnd.choice(("whatsapp", "sms", "telegram")),
                             "kind": "reminder_overdue", "text": "Hola", "payload": {},
                             "status": status, "created_at": at,
                             "sent_at": at if status != "failed" else None})
        if d % 50 == 0:
            created = NOW - timedelta(hours=rnd.randint(1, 24 * 60))
            done = rnd.random() < 0.7
            cases.append({"debtor_id": d, "reason": rnd.choice(("misunderstood", "dispute")),
                          "priority": "normal", "status": "resolved" if done else "open",
                          "deadline": created + timedelta(hours=24), "data": {},
                          "created_at": created,
                          "resolved_at": created + timedelta(hours=rnd.randint(1, 72))
                          if done else None})
    for model, rows in ((Debtor, debtors), (Invoice, bills), (Payment, payments),
                        (Agreement, agreements), (EventRow, events), (Message, messages),
                        (Escalation, cases)):
        await _insert(db, model, rows)
    async with db.transaction() as session:
        await session.exec(text("ANALYZE"))  # type: ignore[call-overload]
    return {"debtors": len(debtors), "invoices": len(bills), "payments": len(payments),
            "agreements": len(agreements), "messages": len(messages), "events": len(events),
            "escalations": len(cases)}


async def timed(db: Database, repeat: int) -> dict[str, float]:
    """Best-of-`repeat` seconds for each table and for the whole dashboard."""
    results: dict[str, float] = {}
    for name in [*dashboard.TABLES, "whole page"]:
        best = float("inf")
        for _ in range(repeat):
            async with db.transaction() as session:
                start = time.perf_counter()
                if name == "whole page":
                    await dashboard.build(session, NOW)
                else:
                    await dashboard.one_table(session, name, NOW)
                best = min(best, time.perf_counter() - start)
        results[name] = best
    return results


def _fresh_sqlite(path: Path, *, keep: bool) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not keep:
        path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--url", help="a PostgreSQL URL of an empty database (default: SQLite)")
    parser.add_argument("--db", default="var/bench-dashboard.db", help="SQLite file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="time an existing database")
    args = parser.parse_args()
    db = Database(args.url or _fresh_sqlite(Path(args.db), keep=args.reuse))
    try:
        if not args.reuse:
            await upgrade(db)
            start = time.perf_counter()
            counts = await generate(db, args.invoices)
            print(f"generated {counts} in {time.perf_counter() - start:.0f} s")
        for name, seconds in (await timed(db, args.repeat)).items():
            print(f"{name:>12}: {seconds * 1000:8.1f} ms")
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())

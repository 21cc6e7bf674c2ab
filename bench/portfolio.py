"""Generate a large portfolio straight into the database, fast (bulk inserts, no ORM objects).

Used by the benchmarks: a million invoices cannot go through `recobro import` in the time a
benchmark should take to prepare, and the import is not what is measured.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from storage.db import Database
from storage.models import Conversation, Debtor, Invoice, Timer

CHUNK = 5_000


async def generate(db: Database, *, invoices: int, due: int, per_debtor: int, today: date,
                   now: datetime, seed: int = 1) -> dict[str, int]:
    """`invoices` open invoices over invoices/per_debtor Colombian debtors; the invoices of
    `due` debtors have a reminder step due today, the rest are between steps."""
    rng = random.Random(seed)
    debtors = invoices // per_debtor
    due_debtors = min(due // per_debtor, debtors)
    stamp = now
    async with db.engine.begin() as conn:
        for start in range(0, debtors, CHUNK):
            rows: list[dict[str, Any]] = []
            for n in range(start, min(start + CHUNK, debtors)):
                rows.append({"id": n + 1, "external_id": f"B-{n:07d}", "name": f"Deudor {n}",
                             "phone": f"+57300{n:07d}", "channel": "whatsapp",
                             "locale": "es-CO", "country": "CO", "timezone": "America/Bogota",
                             "segment": "default", "opt_outs": {},
                             "consents": {"whatsapp": {"source": "import",
                                                       "at": stamp.isoformat()}},
                             "created_at": stamp, "updated_at": stamp})
            await conn.execute(insert(Debtor), rows)
            await conn.execute(insert(Conversation), [
                {"debtor_id": r["id"], "state": "idle", "data": {}, "version": 0,
                 "updated_at": stamp} for r in rows])
            invoice_rows: list[dict[str, Any]] = []
            timer_rows: list[dict[str, Any]] = []
            for r in rows:
                n = r["id"] - 1
                is_due = n < due_debtors
                for k in range(per_debtor):
                    # Due debtors: 7 days overdue today (step +7 due, +3 done). Others:
                    # 5 days overdue with +3 done, so their next step is in two days.
                    days = 7 if is_due else 5
                    invoice_rows.append({
                        "debtor_id": r["id"], "external_id": f"BI-{n:07d}-{k}",
                        "currency": "COP", "amount_minor": rng.randint(50, 5000) * 100_000,
                        "open_minor": 0, "due_on": today - timedelta(days=days),
                        "status": "open", "last_reminder_offset": 3,
                        "created_at": stamp, "updated_at": stamp})
                when = datetime.combine(today if is_due else today + timedelta(days=2),
                                        datetime.min.time(), tzinfo=UTC) + timedelta(hours=14)
                timer_rows.append({"debtor_id": r["id"], "kind": "reminder", "key": "",
                                   "due_at": when if not is_due else now - timedelta(minutes=1),
                                   "status": "pending", "data": {}, "updated_at": stamp})
            for invoice in invoice_rows:
                invoice["open_minor"] = invoice["amount_minor"]
            await conn.execute(insert(Invoice), invoice_rows)
            await conn.execute(insert(Timer), timer_rows)
        if db.is_postgres:
            await conn.execute(text("SELECT setval('debtor_id_seq', (SELECT max(id) FROM debtor))"))
            await conn.execute(text("ANALYZE"))
    return {"debtors": debtors, "invoices": debtors * per_debtor, "due_debtors": due_debtors,
            "due_invoices": due_debtors * per_debtor}

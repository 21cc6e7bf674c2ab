"""Payments in: the webhook, the bank-file import, what they change, and what they stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import col, select

from bot.app import create_app
from bot.clock import FixedClock
from bot.money import Money
from bot.payments import (
    NoticeError,
    OpenInvoice,
    PaymentNotice,
    allocate,
    parse_payments_csv,
    sign,
)
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import Agreement, Escalation, Installment, Invoice, Payment
from tests.helpers import NO_CAPS, ROOT, load, outbound, portfolio, row, say, set_policy, tick

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
COP = lambda major: Money.of(major, "COP")  # noqa: E731


def notice(reference: str = "PAY-1", amount: str = "1200000", **kw: object) -> PaymentNotice:
    kw.setdefault("debtor_id", "CO-001")
    return PaymentNotice(reference, COP(amount), NOW, **kw)  # type: ignore[arg-type]


class TestAllocation:
    invoices: ClassVar[list[OpenInvoice]] = [OpenInvoice("OLD", COP("300000")),
                                             OpenInvoice("NEW", COP("900000"))]

    def test_a_payment_goes_to_the_oldest_invoice_first(self) -> None:
        assert allocate(notice(amount="500000"), self.invoices).to_invoices == {
            "OLD": 30_000_000, "NEW": 20_000_000}

    def test_a_named_invoice_is_paid_first(self) -> None:
        assert allocate(notice(amount="500000", invoice_id="NEW"), self.invoices).to_invoices \
            == {"NEW": 50_000_000}

    def test_more_than_is_owed_is_held_never_guessed(self) -> None:
        result = allocate(notice(amount="1300000"), self.invoices)
        assert not result.applied and "overpayment: 100000 COP more" in (result.held or "")

    def test_another_currency_is_held(self) -> None:
        usd = PaymentNotice("P", Money.of("10", "USD"), NOW)
        assert allocate(usd, self.invoices).held == "paid in USD, owed in COP"


def test_a_bank_file_is_read_with_every_bad_row_reported_by_line() -> None:
    text = ("invoice_id,amount,currency,paid_on,reference\n"
            "F-1,1200000,COP,2026-11-20,BANK-1\n"
            "F-2,,COP,2026-11-20,BANK-2\n"
            "F-3,100,COP,20/11/2026,BANK-3\n"
            "F-4,100,COP,2026-11-20,BANK-1\n"
            'F-5,"1,200",COP,2026-11-20,BANK-5\n')
    notices, bad = parse_payments_csv(text)
    assert [n.reference for n in notices] == ["BANK-1"]
    assert [(b.line, b.reason.split(" (")[0]) for b in bad] == [
        (3, "amount '' is not a number"),
        (4, "paid_on '20/11/2026' is not a date"),
        (5, "reference BANK-1 is already on line 2"),
        (6, "amount: use '.' for decimals and no thousands separators"),
    ]
    with pytest.raises(NoticeError, match="missing columns: invoice_id or debtor_id"):
        parse_payments_csv("amount,currency,paid_on,reference\n")


async def _setup(svc: Services) -> None:
    await set_policy(svc, NO_CAPS)
    await load(svc, portfolio(row(), row(invoice_id="F-1002", amount="300000",
                                         due_on="2026-10-30")))


async def test_a_full_payment_closes_the_invoices_thanks_once_and_stops_reminders(
        services: Services, clock: FixedClock) -> None:
    await _setup(services)
    await services.engine.fire_due_timers()  # a reminder is queued, not yet sent
    outcome = await services.engine.record_payment(notice(amount="1500000"))
    assert outcome.status == "applied"
    again = await services.engine.record_payment(notice(amount="1500000"))
    assert again.status == "duplicate"
    await services.dispatcher.run_once()
    sent = [(m.kind, m.status) for m in await outbound(services, "CO-001")]
    assert sent == [("reminder_overdue", "cancelled"), ("payment_thanks", "delivered")]
    [thanks] = [m.text for m in await outbound(services, "CO-001") if m.kind == "payment_thanks"]
    assert thanks == ("¡Gracias, Ana! Recibimos tu pago de $1.500.000. Ya no tienes saldo "
                      "pendiente con Almacenes Prisma.")
    async with services.db.transaction() as session:
        invoices = (await session.exec(select(Invoice))).all()
    assert {(i.external_id, i.status, i.open_minor) for i in invoices} == {
        ("F-1001", "paid", 0), ("F-1002", "paid", 0)}
    for days in range(1, 60):  # nothing more, ever
        clock.set(NOW + timedelta(days=days))
        assert await tick(services) == []


async def test_a_partial_payment_lowers_the_balance_and_says_what_is_left(
        services: Services) -> None:
    await _setup(services)
    await services.engine.record_payment(notice(amount="300000"))  # the oldest: F-1002
    await services.dispatcher.run_once()
    [thanks] = [m.text for m in await outbound(services, "CO-001")]
    assert thanks.endswith("Tu saldo pendiente ahora es de $1.200.000.")
    async with services.db.transaction() as session:
        f1002 = (await session.exec(select(Invoice).where(
            Invoice.external_id == "F-1002"))).one()
    assert f1002.status == "paid"


async def test_an_overpayment_and_an_unknown_invoice_are_held_for_staff(
        services: Services) -> None:
    await _setup(services)
    over = await services.engine.record_payment(notice("P-OVER", "9999999"))
    unknown = await services.engine.record_payment(notice("P-UNK", "100", invoice_id="NOPE",
                                                          debtor_id=None))
    assert (over.status, unknown.status) == ("held", "held")
    async with services.db.transaction() as session:
        cases = (await session.exec(select(Escalation).order_by(col(Escalation.id)))).all()
        invoices = (await session.exec(select(Invoice))).all()
    assert [c.reason for c in cases] == ["payment_held", "payment_held"]
    assert "overpayment" in cases[0].data["reason"] and cases[1].debtor_id is None
    assert all(i.status == "open" for i in invoices)  # nothing applied
    assert await outbound(services, "CO-001") == []  # and nobody thanked


async def test_a_payment_during_a_plan_pays_its_instalments_and_keeps_it_when_complete(
        services: Services) -> None:
    await set_policy(services, NO_CAPS)
    await load(services, portfolio(row()))
    await tick(services)
    await say(services, "CO-001", "no puedo pagar todo")
    await say(services, "CO-001", "sí")
    async with services.db.transaction() as session:
        [plan] = (await session.exec(select(Agreement))).all()
        schedule = (await session.exec(select(Installment).order_by(
            col(Installment.seq)))).all()
    first = schedule[0].amount_minor
    await services.engine.record_payment(notice("P-1", Money(first, "COP").decimal_str()))
    async with services.db.transaction() as session:
        schedule = (await session.exec(select(Installment).order_by(
            col(Installment.seq)))).all()
        plan = await session.get_one(Agreement, plan.id)
    assert [i.status for i in schedule][:2] == ["paid", "pending"] and plan.status == "active"
    rest = sum(i.amount_minor for i in schedule) - first
    await services.engine.record_payment(notice("P-2", Money(rest, "COP").decimal_str()))
    async with services.db.transaction() as session:
        plan = await session.get_one(Agreement, plan.id)
    assert plan.status == "kept"


@pytest.fixture
async def webhook(sqlite_url: str, clock: FixedClock) -> AsyncIterator[tuple[TestClient, Services]]:
    settings = Settings(database_url=sqlite_url, payments_secret="s3cret",  # type: ignore[arg-type]
                        creditor_name="Almacenes Prisma", _env_file=None)  # type: ignore[call-arg]
    svc = build_services(settings, clock=clock)
    await _setup(svc)
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    yield client, svc
    await client.close()
    await svc.close()


def _signed(data: object, secret: str = "s3cret") -> tuple[bytes, dict[str, str]]:
    body = json.dumps(data).encode()
    return body, {"X-Recobro-Signature": sign(secret, body),
                  "Content-Type": "application/json"}


GOOD = {"reference": "GW-1", "amount": "1200000", "currency": "COP",
        "paid_at": "2026-11-24T09:00:00-05:00", "invoice_id": "F-1001"}


async def test_a_signed_notice_is_applied_once(webhook) -> None:  # type: ignore[no-untyped-def]
    client, svc = webhook
    body, headers = _signed(GOOD)
    first = await client.post("/webhooks/payments", data=body, headers=headers)
    again = await client.post("/webhooks/payments", data=body, headers=headers)
    assert (await first.json())["status"] == "applied"
    assert (await again.json())["status"] == "duplicate"
    async with svc.db.transaction() as session:
        assert len((await session.exec(select(Payment))).all()) == 1


@pytest.mark.parametrize("headers", [{}, {"X-Recobro-Signature": "sha256=00"},
                                     {"X-Recobro-Signature": sign("wrong", b"x")}])
async def test_an_unsigned_or_badly_signed_notice_gets_403_and_nothing_is_stored(
        webhook, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    client, svc = webhook
    response = await client.post("/webhooks/payments", data=json.dumps(GOOD).encode(),
                                 headers=headers)
    assert response.status == 403
    async with svc.db.transaction() as session:
        assert (await session.exec(select(Payment))).all() == []


@pytest.mark.parametrize("bad", [
    {**GOOD, "amount": True}, {**GOOD, "amount": "12,00"}, {**GOOD, "amount": "-5"},
    {**GOOD, "currency": "ABC"},
    {**GOOD, "paid_at": "2026-11-24T09:00:00"}, {k: v for k, v in GOOD.items()
                                                  if k != "invoice_id"},
    {**GOOD, "reference": ""}, [1, 2],
    {**GOOD, "amount": "1" * 400},  # beyond 64-bit minor units: found by fuzzing (was a 500)
])
async def test_a_malformed_notice_gets_400_and_nothing_is_stored(webhook, bad: object) -> None:  # type: ignore[no-untyped-def]
    client, svc = webhook
    body, headers = _signed(bad)
    response = await client.post("/webhooks/payments", data=body, headers=headers)
    assert response.status == 400, await response.text()
    async with svc.db.transaction() as session:
        assert (await session.exec(select(Payment))).all() == []


async def test_the_webhook_is_off_without_a_secret(sqlite_url: str, clock: FixedClock) -> None:
    svc = build_services(Settings(database_url=sqlite_url, _env_file=None), clock=clock)  # type: ignore[call-arg]
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.post("/webhooks/payments", data=b"{}")
        assert response.status == 404
        assert "RECOBRO_PAYMENTS_SECRET" in await response.text()
    finally:
        await client.close()
        await svc.close()


def test_payments_import_from_the_command_line_is_idempotent(tmp_path: Path) -> None:
    env = {**os.environ, "RECOBRO_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
           "RECOBRO_NOW": "2026-11-24T10:00:00-05:00"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], text=True, env=env,
                              capture_output=True, cwd=ROOT, timeout=60)

    run("db", "upgrade")
    run("import", str(ROOT / "examples" / "portfolio.csv"))
    bank = tmp_path / "bank.csv"
    bank.write_text("invoice_id,amount,currency,paid_on,reference\n"
                    "F-1001,1200000,COP,2026-11-23,BANK-77\n"
                    "F-6001,99999,BRL,2026-11-23,BANK-78\n"
                    "F-2001,,CLP,2026-11-23,BANK-79\n")
    first = run("payments", "import", str(bank))
    assert "1 applied, 1 held for staff, 0 already recorded; 1 rows rejected." in first.stdout
    assert "held BANK-78: an overpayment" in first.stdout
    assert "rejected line 4: amount '' is not a number" in first.stdout
    assert first.returncode == 1
    second = run("payments", "import", str(bank))
    assert "0 applied, 0 held for staff, 2 already recorded" in second.stdout
    shown = json.loads(run("debtor", "show", "CO-001", "--json").stdout)
    assert (shown["balance"], shown["status"]) == ("0", "paid")


async def test_a_json_number_is_read_exactly_never_as_a_float(webhook) -> None:  # type: ignore[no-untyped-def]
    client, svc = webhook
    body, headers = _signed({**GOOD, "amount": 300000.10, "invoice_id": "F-1002"})
    assert (await (await client.post("/webhooks/payments", data=body,
                                     headers=headers)).json())["status"] == "applied"
    async with svc.db.transaction() as session:
        [payment] = (await session.exec(select(Payment))).all()
    assert payment.amount_minor == 30_000_010

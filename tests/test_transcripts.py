"""Whole conversations through the real engine and the sandbox channel, in es, en and pt:
what the debtor writes, and what they read back."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import FixedClock
from bot.services import Services
from bot.staff.people import Actor
from storage.models import Agreement, Debtor, Escalation, Installment
from tests.conftest import at
from tests.helpers import NO_CAPS, debtor, load, portfolio, row, say, set_policy, texts, tick

INES = Actor.telegram(111, "Inés")


async def play(svc: Services, debtor_id: str, turns: list[tuple[str, str]]) -> list[str]:
    """The debtor writes each text; the bot's reply must contain the expected words."""
    replies = []
    for text, expected in turns:
        got = "\n".join(await say(svc, debtor_id, text))
        assert expected in got, f"after {text!r} expected {expected!r}, got {got!r}"
        replies.append(got)
    return replies


async def agreements(svc: Services) -> list[Agreement]:
    async with svc.db.transaction() as session:
        return list((await session.exec(select(Agreement))).all())


async def test_es_full_payment_on_a_date_is_confirmed_in_writing(services: Services) -> None:
    await load(services, portfolio(row()))
    await tick(services)
    await play(services, "CO-001", [
        ("hola, te pago todo el viernes", "Un solo pago de $1.200.000 el viernes, 27 de noviembre"),
        ("sí, confirmo", "Quedó registrado tu acuerdo"),
    ])
    [agreement] = await agreements(services)
    assert (agreement.kind, agreement.total_minor, agreement.source) == (
        "promise", 120_000_000, "bot")


async def test_en_plan_accepted_after_one_counter(services: Services, clock: FixedClock) -> None:
    clock.set(at("2026-11-24T10:00:00-05:00"))
    await set_policy(services, {"limits": {"max_installments": 6, "min_installment": "150"}})
    await load(services, portfolio(row("US-1", "John Miller", "+12125551234", "F-5", "1200",
                                       "USD", locale="en-US", country="US")))
    await _verify_us(services)
    replies = await play(services, "US-1", [
        ("I can only do 100 a month", "we can offer you this"),
        ("ok, deal", "Your agreement is recorded"),
    ])
    assert "A plan of 6 payments" in replies[0] and "$200.00" in replies[0]
    [agreement] = await agreements(services)
    assert (agreement.kind, agreement.total_minor) == ("plan", 120_000)


async def _verify_us(svc: Services) -> None:
    async with svc.db.transaction() as session:
        d = await session.get_one(Debtor,
                                  (await debtor(svc, "US-1")).id)
        d.document_last4 = "6402"
        session.add(d)
    [ask] = await tick(svc, "US-1")
    assert "personal matter for John Miller" in ask and "$" not in ask
    await play(svc, "US-1", [("6402", "Your identity is confirmed")])


async def test_pt_settlement_at_90_days_overdue_is_at_most_10_percent_off(
        services: Services) -> None:
    await set_policy(services, NO_CAPS)
    await load(services, portfolio(row("BR-1", "João Pedro Silva", "+5511987654321", "F-6",
                                       "10000", "BRL", due_on="2026-08-26", locale="pt-BR",
                                       country="BR")))
    services.dispatcher.creditor_tax_id = "CNPJ 12.345.678/0001-90"
    await play(services, "BR-1", [("oi", "Olá, João!")])
    await play(services, "BR-1", [
        ("vocês fazem algum desconto?", "desconto de"),
        ("sim, fechado", "Seu acordo ficou registrado"),
    ])
    [agreement] = await agreements(services)
    assert agreement.kind == "settlement"
    assert 0 < float(agreement.discount_percent) <= 10
    assert 900_000 <= agreement.total_minor < 1_000_000


async def test_es_request_beyond_limits_goes_to_staff_who_approve_then_the_debtor_confirms(
        services: Services) -> None:
    await set_policy(services, {"limits": {"max_installments": 6, "min_installment": "50000",
                                           "staff_max_installments": 12}})
    await load(services, portfolio(row()))
    await tick(services)
    await play(services, "CO-001", [
        ("lo puedo pagar en 10 cuotas?", "necesita la aprobación de una persona"),
    ])
    async with services.db.transaction() as session:
        [case] = (await session.exec(select(Escalation).where(
            Escalation.reason == "negotiation_outside_limits"))).all()
    requested = case.data["decision"]["requested"]
    assert len(requested["schedule"]) == 10
    d = await debtor(services, "CO-001")
    assert d.id is not None and case.id is not None
    assert services.desk is not None
    outcome = await services.desk.act(case.id, "approve", INES, key="tap-1")
    assert outcome.ok, outcome.text
    approved = await texts(services, (await services.dispatcher.run_once(
        debtor_id=d.id)).sent_messages)
    assert len(approved) == 1 and "Nuestro equipo aprobó tu solicitud" in approved[0]
    assert "Un plan de 10 pagos" in approved[0]
    await play(services, "CO-001", [("sí", "Quedó registrado tu acuerdo")])
    [agreement] = await agreements(services)
    assert (agreement.source, agreement.kind) == ("staff", "plan")
    async with services.db.transaction() as session:
        rows = (await session.exec(select(Installment)))
        assert len(rows.all()) == 10


async def test_es_a_broken_plan_is_renegotiated_once_then_goes_to_staff(
        services: Services, clock: FixedClock) -> None:
    await set_policy(services, NO_CAPS)
    await load(services, portfolio(row()))
    await tick(services)
    await play(services, "CO-001", [("no puedo pagar todo", "Te proponemos"),
                                    ("dale", "Quedó registrado tu acuerdo")])
    [plan] = await agreements(services)
    async with services.db.transaction() as session:
        first = (await session.exec(select(Installment)
                                    .where(Installment
                                           .agreement_id == plan.id))).all()[0]
    # Nothing is paid: after the first payment's day and grace days the plan is broken.
    clock.set(at(f"{first.due_on + timedelta(days=4)}T09:00:00-05:00"))
    [missed] = await tick(services)  # not also a late reminder for a day already gone
    assert "no hemos recibido el pago 1 de tu acuerdo" in missed
    await play(services, "CO-001", [("no puedo", "Te proponemos"),
                                    ("sí", "Quedó registrado tu acuerdo")])
    second = next(a for a in await agreements(services) if a.status == "active")
    async with services.db.transaction() as session:
        first2 = (await session.exec(select(Installment)
                                     .where(Installment
                                            .agreement_id == second.id))).all()[0]
    clock.set(at(f"{first2.due_on + timedelta(days=4)}T09:00:00-05:00"))
    [to_staff] = await tick(services)
    assert "Una persona de nuestro equipo te escribirá" in to_staff
    statuses = sorted(a.status for a in await agreements(services))
    assert statuses == ["broken", "broken"]
    async with services.db.transaction() as session:
        reasons = [e.reason for e in (await session.exec(select(Escalation))).all()]
    assert "broken_plan" in reasons


async def test_es_a_dispute_goes_to_staff_who_reject_it_and_the_bot_resumes_reminders(
        services: Services, clock: FixedClock) -> None:
    await set_policy(services, NO_CAPS)
    await load(services, portfolio(row()))
    await tick(services)
    await play(services, "CO-001", [
        ("esa factura no es mía, ya la había devuelto", "Vamos a revisar tu caso"),
        ("¿y entonces?", "Ya le avisamos a nuestro equipo"),
    ])
    clock.advance(timedelta(days=7))
    assert await tick(services) == []  # disputed: no reminders while staff review it
    async with services.db.transaction() as session:
        [case] = (await session.exec(select(Escalation))).all()
    assert case.reason == "dispute" and case.id is not None
    assert services.desk is not None
    outcome = await services.desk.act(case.id, "reject", INES, key="tap-2")
    assert outcome.ok, outcome.text
    d = await debtor(services, "CO-001")
    told = await texts(services, (await services.dispatcher.run_once(
        debtor_id=d.id)).sent_messages)
    assert told == ["Hola Ana, revisamos tu caso con el equipo y el cobro es correcto, así que el "
                    "saldo sigue pendiente. Si necesitas una fecha o un plan de pagos, cuéntanos "
                    "y lo buscamos juntos."]
    clock.advance(timedelta(days=1))
    [reminder] = await tick(services)  # the cadence goes on where it was
    assert "Tu pago de $1.200.000 está vencido" in reminder
    await play(services, "CO-001", [("te pago todo el viernes", "Un solo pago de $1.200.000")])

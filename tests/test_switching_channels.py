"""A debtor changes channel mid-conversation, and a segment can switch a channel off
(through the real engine and the sandbox, on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import FixedClock
from bot.services import Services
from storage.models import Escalation, Outbox, Policy
from tests.helpers import debtor, load, outbound, portfolio, row, say, tick


async def _policy(svc: Services, data: dict) -> None:  # type: ignore[type-arg]
    async with svc.db.transaction() as session:
        session.add(Policy(segment="default", version=1, data=data, created_by="test",
                           created_at=svc.clock.now()))


async def test_mejor_por_sms_moves_the_conversation_to_sms(
        services: Services, clock: FixedClock) -> None:
    await load(services, portfolio(row()))
    [answer] = await say(services, "CO-001", "Mejor escríbeme por SMS, porfa")
    assert answer == "Listo, Ana. Desde ahora te escribiremos por SMS."
    assert (await debtor(services, "CO-001")).channel == "sms"
    clock.advance(timedelta(days=1))
    await tick(services)
    reminder = (await outbound(services, "CO-001"))[-1]
    assert (reminder.kind, reminder.channel) == ("reminder_overdue", "sms")


async def test_asking_for_telegram_without_a_linked_chat_sends_the_link_first(
        services: Services) -> None:
    await load(services, portfolio(row()))
    [answer] = await say(services, "CO-001", "escríbeme al telegram")
    assert answer.startswith("Con gusto, Ana. Para seguir por Telegram, abre este enlace y toca "
                             "«Iniciar»: https://t.me/recobro_sandbox_bot?start=")
    assert answer.endswith("El enlace es personal y vence en 24 horas.")
    assert (await debtor(services, "CO-001")).channel == "whatsapp"


async def test_a_channel_switched_off_for_the_segment_is_refused_and_replaced(
        services: Services) -> None:
    await load(services, portfolio(row(channel="sms")))
    await _policy(services, {"channels": {"disabled": ["sms"]}})
    # Written on SMS, answered on the first channel the segment allows.
    await say(services, "CO-001", "ya pagué")
    async with services.db.transaction() as session:
        channels = (await session.exec(select(Outbox.channel))).all()
    assert list(channels) == ["whatsapp"]  # (the gate then wants consent there: its call)
    await say(services, "CO-001", "mejor por sms")
    answer = (await outbound(services, "CO-001"))[-1].text
    assert answer == "Lo sentimos, Ana: por ahora no podemos escribirte por SMS. Seguimos por aquí."


async def test_with_every_reachable_channel_switched_off_staff_are_told(
        services: Services) -> None:
    await load(services, portfolio(row()))
    await _policy(services, {"channels": {"disabled": ["whatsapp", "sms"]}})
    assert await say(services, "CO-001", "hola") == []
    async with services.db.transaction() as session:
        [case] = (await session.exec(select(Escalation))).all()
    assert (case.reason, case.data["unsent"]) == ("no_channel", ["reply"])

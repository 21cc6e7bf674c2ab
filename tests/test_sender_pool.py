"""A pool of From numbers (RECOBRO_WHATSAPP_FROM / RECOBRO_SMS_FROM comma-separated): each
debtor always hears from the same number, the rate limit is per number, and a message to
any number of the pool is answered. Real twilio client against the fake Twilio."""

from __future__ import annotations

from bot.channels.base import OutgoingMessage, sender_of
from bot.channels.configure import configure
from bot.channels.twilio import TwilioChannel, pick_sender
from bot.clock import FixedClock, parse_instant
from tests.channels_helpers import inbound_form, post_twilio, running, settings_for, sid
from tests.fakes.providers import FakeProviders
from tests.helpers import load, portfolio, row

NOW = FixedClock(parse_instant("2026-11-24T10:00:00-05:00"))
POOL = ("whatsapp:+15550001111", "whatsapp:+15550001112", "whatsapp:+15550001113")
PHONES = [f"+5730012345{n:02d}" for n in range(8)]


def _message(address: str) -> OutgoingMessage:
    return OutgoingMessage(message_id=1, debtor_id=1, channel="whatsapp", address=address,
                           text="hola", kind="reply", locale="es-CO")


def test_a_debtor_always_gets_the_same_number_and_the_pool_is_used() -> None:
    chosen = {phone: pick_sender(POOL, phone) for phone in PHONES}
    assert all(pick_sender(POOL, phone) == chosen[phone] for phone in PHONES)
    assert set(chosen.values()) <= set(POOL)
    assert len(set(chosen.values())) > 1  # eight phones do not all land on one number
    assert pick_sender(POOL[:1], PHONES[0]) == POOL[0]


def test_the_rate_limit_key_is_the_number_the_message_goes_from(
        fake: FakeProviders) -> None:
    settings = settings_for("sqlite://", fake, whatsapp_from=",".join(POOL))
    [whatsapp] = [a for a in configure(settings, NOW)
                  .adapters if a.name == "whatsapp"]
    assert isinstance(whatsapp, TwilioChannel)
    keys = {sender_of(whatsapp, _message(phone)) for phone in PHONES}
    assert keys == {f"twilio:{pick_sender(POOL, phone)}" for phone in PHONES}
    assert len(keys) > 1


def test_one_malformed_number_turns_whatsapp_off_and_says_which(fake: FakeProviders) -> None:
    settings = settings_for("sqlite://", fake, whatsapp_from=f"{POOL[0]}, +15550001112")
    providers = configure(settings, NOW)
    assert "whatsapp" not in [a.name for a in providers.adapters]
    assert any("'+15550001112' must look like whatsapp:+" in note for note in providers.notes)


async def test_replies_go_from_the_debtor_s_number_whichever_number_they_wrote_to(
        database_url: str, clock: FixedClock, fake: FakeProviders) -> None:
    settings = settings_for(database_url, fake, whatsapp_from=" , ".join(POOL))
    async with running(settings, clock) as (client, svc):
        await load(svc, portfolio(*(row(debtor_id=f"CO-{n:03d}", phone=phone,
                                        invoice_id=f"F-{n}")
                                    for n, phone in enumerate(PHONES))))
        for n, phone in enumerate(PHONES):
            # Each writes to a number of the pool, not necessarily their own.
            form = inbound_form(sid(n), f"whatsapp:{phone}", "hola") | {"To": POOL[n % 3]}
            response = await post_twilio(client, "/webhooks/twilio", form)
            assert response.status == 200
        await svc.dispatcher.run_once()
        sent = fake.twilio_messages()
        assert sorted(m["To"] for m in sent) == sorted(f"whatsapp:{p}" for p in PHONES)
        for message in sent:
            assert message["From"] == pick_sender(POOL, message["To"].removeprefix("whatsapp:"))
        assert len({m["From"] for m in sent}) > 1

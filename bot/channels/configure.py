"""The real channels that the settings switch on, and why the others are off.

A channel whose settings are absent is off and the sandbox delivers its messages (the demo,
the tests). A channel whose settings are present but unusable is off too, with a line that
names the fix (`recobro serve` prints it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.base import OutboundChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel, TwilioGateway
from bot.channels.whatsapp_templates import WhatsAppTemplates, load_templates
from bot.clock import Clock
from bot.settings import Settings


class ChannelConfigError(ValueError):
    """Settings that cannot work at all (a broken templates file): start-up stops."""


@dataclass
class Providers:
    """The configured provider clients and the adapters built on them."""

    twilio: TwilioGateway | None = None
    telegram: TelegramChannel | None = None
    adapters: list[OutboundChannel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line per channel that is off, and why

    async def close(self) -> None:
        """Close the HTTP clients."""
        if self.twilio is not None:
            await self.twilio.close()
        if self.telegram is not None:
            await self.telegram.close()


def configure(settings: Settings, clock: Clock) -> Providers:
    """The providers `settings` configure."""
    providers = Providers()
    _twilio(settings, clock, providers)
    _telegram(settings, providers)
    _staff(settings, providers)
    return providers


def _twilio(settings: Settings, clock: Clock, providers: Providers) -> None:
    senders = {"whatsapp": settings.whatsapp_from, "sms": settings.sms_from}
    wanted = [name for name, sender in senders.items() if sender]
    if not wanted:
        return
    names = " and ".join(wanted)
    if not settings.twilio_account_sid or settings.twilio_auth_token is None:
        providers.notes.append(
            f"{names} off: RECOBRO_TWILIO_ACCOUNT_SID and RECOBRO_TWILIO_AUTH_TOKEN are not "
            "both set; set them from the Twilio console (Account Info)")
        return
    if not settings.public_url:
        providers.notes.append(
            f"{names} off: RECOBRO_PUBLIC_URL is not set, so Twilio signatures cannot be "
            "checked; set it to the https URL Twilio calls (e.g. https://recobro.example.com)")
        return
    whatsapp_from = numbers(settings.whatsapp_from)
    wrong = [n for n in whatsapp_from if not n.startswith("whatsapp:+")]
    if wrong:
        providers.notes.append(f"whatsapp off: RECOBRO_WHATSAPP_FROM={wrong[0]!r} must "
                               "look like whatsapp:+15551234567")
        whatsapp_from = []
    sms_from = numbers(settings.sms_from)
    templates = WhatsAppTemplates()
    if settings.whatsapp_templates is not None:
        try:
            templates = load_templates(settings.whatsapp_templates)
        except ValueError as exc:
            raise ChannelConfigError(str(exc)) from None
    elif whatsapp_from:
        providers.notes.append(
            "whatsapp: no RECOBRO_WHATSAPP_TEMPLATES: reminders outside the 24-hour window are "
            "held for staff instead of sent")
    gateway = TwilioGateway(account_sid=settings.twilio_account_sid,
                            auth_token=settings.twilio_auth_token.get_secret_value(),
                            public_url=settings.public_url, api_base=settings.twilio_api_base,
                            timeout=settings.provider_timeout_seconds)
    providers.twilio = gateway
    if whatsapp_from:
        providers.adapters.append(TwilioChannel(gateway, "whatsapp", whatsapp_from, clock,
                                                templates=templates))
    if sms_from:
        providers.adapters.append(TwilioChannel(gateway, "sms", sms_from, clock))


def numbers(setting: str | None) -> list[str]:
    """A sender setting as its From numbers: one, or a comma-separated pool."""
    return [n.strip() for n in (setting or "").split(",") if n.strip()]


def _telegram(settings: Settings, providers: Providers) -> None:
    if settings.telegram_token is None:
        return
    if not settings.telegram_bot_username:
        providers.notes.append(
            "telegram off: RECOBRO_TELEGRAM_BOT_USERNAME is not set; set it to the bot's "
            "username from BotFather (it makes the t.me links that bind a debtor's chat)")
        return
    channel = TelegramChannel(token=settings.telegram_token.get_secret_value(),
                              username=settings.telegram_bot_username.lstrip("@"),
                              api_base=settings.telegram_api_base,
                              secret=settings.telegram_secret.get_secret_value()
                              if settings.telegram_secret else None,
                              timeout=settings.provider_timeout_seconds)
    providers.telegram = channel
    providers.adapters.append(channel)
    if channel.secret is None:
        providers.notes.append(
            "telegram: RECOBRO_TELEGRAM_SECRET is not set, so /webhooks/telegram refuses "
            "every update; set it and pass the same secret_token to setWebhook (or use "
            "`recobro telegram poll` for development)")


def _staff(settings: Settings, providers: Providers) -> None:
    """Say where staff cases go; the staff bot itself is built with the services."""
    if settings.staff_chat_id is None:
        if providers.telegram is not None:
            providers.notes.append(
                "staff: RECOBRO_STAFF_CHAT_ID is not set, so cases are only on /admin/staff; "
                "add the bot to your staff group as an admin and set it to the group's id")
        return
    if providers.telegram is None:
        providers.notes.append(
            "staff group off: RECOBRO_STAFF_CHAT_ID needs Telegram (RECOBRO_TELEGRAM_TOKEN and "
            "RECOBRO_TELEGRAM_BOT_USERNAME); cases are on /admin/staff")
        return
    providers.notes.append(
        f"staff: cases go to the Telegram group {settings.staff_chat_id}"
        + ("" if settings.staff_user_ids or settings.admin_user_ids else
           "; nobody is on the staff list in the settings (RECOBRO_STAFF_USER_IDS): add "
           "people on /admin/staff/people or every button press is refused"))

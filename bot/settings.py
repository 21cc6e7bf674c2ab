"""Every setting, read from RECOBRO_* environment variables and `.env`.

The README's settings table lists these same names; a test keeps the two in step.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.clock import Clock, ShiftedClock, SystemClock, parse_instant


class Settings(BaseSettings):
    """Recobro's configuration. Secrets are `SecretStr`: they never appear in logs or reprs."""

    model_config = SettingsConfigDict(env_prefix="RECOBRO_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field("sqlite:///var/recobro.db",
                              description="SQLite file or PostgreSQL URL")
    host: str = Field("127.0.0.1", description="address `recobro serve` listens on")
    port: int = Field(8080, description="port `recobro serve` listens on")
    public_url: str | None = Field(None, description="the https URL providers call "
                                   "(Twilio signatures are checked against it)")
    now: datetime | None = Field(None, description="start the clock at this moment "
                                 "(ISO 8601); it then runs at real speed")
    creditor_name: str = Field("Recobro Demo", description="the business name debtors see")
    creditor_tax_id: str | None = Field(
        None, description="the creditor's tax id as it must appear in messages where the "
        "contact rules require it, e.g. \"CNPJ 12.345.678/0001-90\" (Brazil)")
    payment_url_template: str | None = Field(
        None, description="link in reminders, e.g. https://pay.example.com/{invoice_id}"
        "?amount={amount}&ref={token}")
    payments_secret: SecretStr | None = Field(
        None, description="signs payment notices to POST /webhooks/payments (header "
        "X-Recobro-Signature: sha256=<hex HMAC-SHA256 of the body>) and the token in payment "
        "links; without it the webhook is off")
    sandbox: Literal["off", "login", "open"] = Field(
        "login", description="the /sandbox chat: off, for logged-in admins, or open to anyone "
        "(only for demos on your own machine)")
    scheduler: bool = Field(True, description="run the scheduler pass every minute in serve")
    scheduler_interval_seconds: int = Field(60, description="seconds between scheduler passes")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    # Admin login throttling, counted in the database so it holds across workers.
    login_max_failures: int = Field(5, ge=1, description="failed logins per username within "
                                    "the window before that username is refused (429) until "
                                    "the window has passed; a success clears them")
    login_max_failures_per_address: int = Field(20, ge=1, description="failed logins from one "
                                                "client address within the window before it "
                                                "is refused (429)")
    login_window_seconds: int = Field(900, ge=1, description="the window failed logins are "
                                      "counted in, in seconds")
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="addresses or networks of your reverse proxies, comma-separated "
        "(e.g. 127.0.0.1,10.0.0.0/8); only requests from them may name the client in "
        "X-Forwarded-For, for the login limit per address")
    # Channels. A channel whose settings are absent is off: the sandbox delivers its messages.
    twilio_account_sid: str | None = Field(None, description="Twilio account SID (AC...), "
                                           "for WhatsApp and SMS")
    twilio_auth_token: SecretStr | None = Field(None, description="Twilio auth token: signs "
                                                "the API calls and checks webhook signatures")
    twilio_api_base: str = Field("https://api.twilio.com", description="Twilio's API base URL "
                                 "(tests and benchmarks point it at a fake)")
    whatsapp_from: str | None = Field(None, description="the WhatsApp sender, "
                                      "`whatsapp:+15551234567`, or several, comma-separated "
                                      "(each debtor always gets the same one); unset, "
                                      "WhatsApp is off")
    whatsapp_templates: Path | None = Field(None, description="TOML file mapping message kind "
                                            "and locale to approved WhatsApp templates "
                                            "(ContentSid and variables)")
    sms_from: str | None = Field(None, description="the SMS sender number, `+15551234567`, "
                                 "or several, comma-separated (each debtor always gets the "
                                 "same one); unset, SMS is off")
    telegram_token: SecretStr | None = Field(None, description="the bot token from BotFather; "
                                             "unset, Telegram is off")
    telegram_bot_username: str | None = Field(None, description="the bot's username (without "
                                              "@), for the t.me links that bind a debtor's chat")
    telegram_secret: SecretStr | None = Field(None, description="the secret_token given to "
                                              "setWebhook; the webhook refuses requests without it")
    telegram_api_base: str = Field("https://api.telegram.org/bot", description="Telegram's Bot "
                                   "API base URL (tests and benchmarks point it at a fake)")
    send_rate_per_second: float = Field(10.0, ge=0, description="at most this many messages "
                                        "per second per sender (a From number, a bot), across "
                                        "every worker; 0 = no limit")
    dispatch_concurrency: int = Field(32, ge=1, le=1000, description="sends in flight at once "
                                      "per worker; Twilio answers 429 past an account's "
                                      "concurrent-request limit, so raise it with care")
    provider_timeout_seconds: float = Field(10.0, gt=0, description="how long a call to Twilio "
                                            "or Telegram may take before it is retried later")
    # Staff. Cases go to a Telegram group when a token and a group are set; /admin/staff
    # always shows them.
    staff_chat_id: int | None = Field(None, description="the Telegram group where staff get "
                                      "cases, e.g. -1001234567890; a forum group gets one topic "
                                      "per debtor")
    staff_user_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        (), description="Telegram user ids of staff who may act on cases, comma-separated "
        "(more can be added in the web admin)")
    admin_user_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        (), description="Telegram user ids of admins: staff who may also see and change "
        "limits with /limits and /setlimit, and who are told of cases nobody answered")
    media_dir: Path = Field(Path("var/media"), description="where photos and documents "
                            "debtors send (receipts) are kept")
    media_max_bytes: int = Field(10 * 1024 * 1024, gt=0, description="the largest photo or "
                                 "document kept from a debtor; larger ones are refused and "
                                 "staff are told")

    @field_validator("staff_user_ids", "admin_user_ids", mode="before")
    @classmethod
    def _user_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            bad = [p for p in parts if not p.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"Telegram user ids are numbers, comma-separated (like "
                                 f"123456789,987654321); {bad[0]!r} is not one")
            return tuple(int(p) for p in parts)
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        if isinstance(value, str):
            parts = tuple(p.strip() for p in value.split(",") if p.strip())
        elif isinstance(value, list | tuple):
            parts = tuple(str(p).strip() for p in value)
        else:
            return value
        for part in parts:
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"RECOBRO_TRUSTED_PROXIES lists addresses or networks "
                                 f"(like 127.0.0.1,10.0.0.0/8); {part!r} is not one") from None
        return parts

    @field_validator("now", mode="before")
    @classmethod
    def _parse_now(cls, value: object) -> object:
        if isinstance(value, str) and value.strip():
            return parse_instant(value)
        return value or None

    def clock(self) -> Clock:
        """The clock every component reads: the system's, or shifted to start at RECOBRO_NOW."""
        return ShiftedClock(self.now) if self.now else SystemClock()

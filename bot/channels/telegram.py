"""Telegram for debtors with python-telegram-bot v22: the webhook (inbound) and the sender.

The bot is a PTB `Application` built with `.updater(None)`: in production Telegram posts
updates to our own aiohttp route, `POST /webhooks/telegram`, which

1. compares `X-Telegram-Bot-Api-Secret-Token` with RECOBRO_TELEGRAM_SECRET in constant time
   (`hmac.compare_digest`) before reading the body: 403 otherwise;
2. refuses a body over 64 KiB (413), JSON that is not an update (400): nothing is stored;
3. turns the update into an `InboundMessage` (provider id `<chat>:<message_id>`, or
   `cbq:<id>` for a button tap) and awaits `Engine.receive`; only then it answers 200,
   and 503 if the message could not even be stored, so Telegram delivers it again.

The route calls our handler directly rather than `application.process_update`: PTB sends
a handler's exceptions to its error handlers, and the webhook could then no longer answer
5xx for an update it failed to store. For development, `recobro telegram poll` uses PTB's
`Updater` (long polling) and feeds the same handler.

A bot cannot write first: a debtor binds their chat by opening
`https://t.me/<bot>?start=<token>` (`bot.channels.links`), which arrives as
`/start <token>`.

Sending: inline keyboards for the options (`callback_data` is the option id, at most 64
bytes), texts over 4,096 characters split, `RetryAfter` -> TransientSendError with its
delay, `Forbidden` (the debtor blocked the bot) -> PermanentSendError.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, Updater
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)
from bot.domain import InboundMessage, Media

if TYPE_CHECKING:
    from bot.engine import Received
    from bot.services import Services

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CALLBACK_DATA = 64  # bytes of callback_data Telegram accepts
START = "/start"


class TelegramChannel:
    """The bot: sends to debtors' chats and reads their updates."""

    name = "telegram"

    def __init__(self, *, token: str, username: str, api_base: str = "https://api.telegram.org/bot",
                 secret: str | None = None, timeout: float = 10.0) -> None:
        self.username = username
        self.secret = secret
        self.sender = f"telegram:{token.split(':', 1)[0]}"  # the rate limit is per bot
        self.application = (
            Application.builder().token(token).base_url(api_base)
            .base_file_url(file_base_url(api_base)).updater(None)
            .connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout)
            .pool_timeout(timeout).build())
        self._started = False
        self._lock = asyncio.Lock()

    @property
    def bot(self) -> Any:
        """The PTB bot (an ExtBot)."""
        return self.application.bot

    async def start(self) -> None:
        """Initialize the application once (PTB calls getMe)."""
        async with self._lock:
            if not self._started:
                await self.application.initialize()
                self._started = True
                if self.bot.username and self.bot.username.lower() != self.username.lower():
                    log.warning("RECOBRO_TELEGRAM_BOT_USERNAME is %s but the token belongs to "
                                "@%s: t.me links will not work", self.username, self.bot.username)

    async def close(self) -> None:
        """Shut the application down."""
        if self._started:
            await self.application.shutdown()
            self._started = False

    def deep_link(self, token: str) -> str:
        """The t.me link that opens the bot and sends `/start <token>`."""
        return deep_link(self.username, token)

    # Outbound --------------------------------------------------------------------------

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send to the debtor's chat; the provider id is `<chat id>:<message id>`."""
        if not message.address:
            raise PermanentSendError("the debtor has not linked a Telegram chat",
                                     code="no_address")
        parts = split_text(message.text)
        buttons = [[InlineKeyboardButton(o.title, callback_data=o.id)] for o in message.options
                   if len(o.id.encode()) <= MAX_CALLBACK_DATA]
        keyboard = InlineKeyboardMarkup(buttons) if buttons else None
        try:
            await self.start()
            sent: Message | None = None
            for n, part in enumerate(parts, start=1):
                sent = await self.bot.send_message(
                    chat_id=message.address, text=part,
                    reply_markup=keyboard if n == len(parts) else None)
        except RetryAfter as exc:
            raise TransientSendError(f"Telegram flood control: {exc}", code="429",
                                     retry_after=retry_seconds(exc), throttled=True) from exc
        except Forbidden as exc:
            raise PermanentSendError(f"the debtor blocked the bot or left: {exc.message}",
                                     code="forbidden") from exc
        except BadRequest as exc:
            code = "chat_not_found" if "chat not found" in exc.message.lower() else "bad_request"
            raise PermanentSendError(f"Telegram refused the message: {exc.message}",
                                     code=code) from exc
        except TimedOut as exc:
            # Telegram may have sent it; it has no API to ask, so the retry sends again
            # (at least once: see the dispatcher).
            raise TransientSendError("Telegram did not answer in time", code="timeout",
                                     unsure=True) from exc
        except InvalidToken as exc:  # our configuration; an operator can fix it
            raise TransientSendError(f"Telegram rejected the token: {exc.message}",
                                     code="invalid_token") from exc
        except NetworkError as exc:
            raise TransientSendError(f"cannot reach Telegram: {exc.message}",
                                     code="network") from exc
        except TelegramError as exc:
            raise TransientSendError(f"Telegram error: {exc.message}", code="telegram") from exc
        assert sent is not None
        return SendResult(f"{sent.chat_id}:{sent.message_id}", "sent",
                          {"telegram": {"parts": len(parts), "buttons": len(buttons)}})

    # Inbound ---------------------------------------------------------------------------

    def check_secret(self, request: web.Request) -> None:
        """403 unless the request carries our secret token (compared in constant time)."""
        given = request.headers.get(SECRET_HEADER, "")
        if self.secret is None or not hmac.compare_digest(given.encode(),
                                                          self.secret.encode()):
            raise web.HTTPForbidden(text="wrong or missing secret token")

    def parse_update(self, data: Any) -> Update:
        """A JSON update as PTB's Update; ValueError when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) \
                or isinstance(data.get("update_id"), bool):
            raise ValueError("an update is a JSON object with an integer update_id")
        try:
            return Update.de_json(data, self.bot)
        except Exception as exc:  # PTB raises KeyError/TypeError/... on a wrong shape
            raise ValueError(f"not a Telegram update: {type(exc).__name__}") from None


def file_base_url(api_base: str) -> str:
    """Where files are downloaded from: https://api.telegram.org/bot -> .../file/bot."""
    base = api_base.rstrip("/")
    return f"{base.removesuffix('/bot')}/file/bot" if base.endswith("/bot") else f"{base}/file"


def deep_link(username: str, token: str) -> str:
    """`https://t.me/<bot>?start=<token>`: opening it sends `/start <token>` to the bot."""
    return f"https://t.me/{username}?start={token}"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at a line or a space if possible."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def retry_seconds(exc: RetryAfter) -> float:
    """The seconds a RetryAfter asks us to wait."""
    with warnings.catch_warnings():  # PTB 22 warns that the int form will become timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# Updates to the engine -------------------------------------------------------------------


def inbound_message(update: Update, received_at: Any) -> tuple[InboundMessage, str | None] | None:
    """The debtor's message in an update, and a /start token; None when it is not one."""
    query: CallbackQuery | None = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != "private" or not query.data:
            return None
        title = _button_title(query) or query.data
        return InboundMessage(channel="telegram", provider_id=f"cbq:{query.id}",
                              address=str(chat.id), text=title, received_at=received_at,
                              option=query.data), None
    message = update.message
    if message is None or message.chat.type != "private":
        return None  # edits, channel posts, groups: not a debtor writing to us
    text = message.text or message.caption or ""
    media: list[Media] = []
    if message.photo:
        # Keep the file id, never the download URL: that URL carries the bot token.
        media.append(Media(f"telegram:file:{message.photo[-1].file_id}", "image/jpeg"))
    if message.document is not None:
        media.append(Media(f"telegram:file:{message.document.file_id}",
                           message.document.mime_type or "application/octet-stream"))
    if not text and not media:
        return None  # stickers, locations, contacts...
    token = None
    words = text.split()
    if len(words) == 2 and words[0] == START:
        token = words[1]
    return InboundMessage(channel="telegram",
                          provider_id=f"{message.chat.id}:{message.message_id}",
                          address=str(message.chat.id), text=text, received_at=received_at,
                          media=tuple(media)), token


def _button_title(query: CallbackQuery) -> str | None:
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            if button.callback_data == query.data:
                return str(button.text)
    return None


async def handle_update(svc: Services, channel: TelegramChannel, update: Update) -> str:
    """Apply one update through the engine; what became of it. Raises if it was not stored."""
    found = inbound_message(update, svc.clock.now())
    query = update.callback_query
    try:
        if found is None:
            return "ignored"
        message, token = found
        received: Received
        if token is not None:
            received = await svc.engine.link_channel(message, token)
        else:
            received = await svc.engine.receive(message)
        return received.status
    finally:
        if query is not None:
            await _answer(channel, query)


async def route_update(svc: Services, channel: TelegramChannel, update: Update) -> str:
    """The staff group's updates (and admins' commands) to the staff bot, every other one to
    the debtors' handler: one bot, one webhook, two audiences."""
    staff = svc.staff_bot
    if staff is not None and await staff.wants(update):
        return await staff.handle(update)
    return await handle_update(svc, channel, update)


async def _answer(channel: TelegramChannel, query: CallbackQuery) -> None:
    """Stop the button's spinner; a failure here must not fail the update."""
    try:
        await channel.start()
        await channel.bot.answer_callback_query(query.id)
    except TelegramError as exc:
        log.warning("answerCallbackQuery %s failed: %s", query.id, exc)


# Long polling --------------------------------------------------------------------------

async def poll(svc: Services, channel: TelegramChannel, stop: asyncio.Event) -> None:
    """Long polling for development: PTB's Updater fetches, our handler applies."""
    await channel.start()
    queue: asyncio.Queue[object] = asyncio.Queue()
    updater = Updater(channel.bot, queue)
    await updater.initialize()
    await updater.start_polling(timeout=10, allowed_updates=["message", "callback_query"])
    try:
        while not stop.is_set():
            getter = asyncio.ensure_future(queue.get())
            stopper = asyncio.ensure_future(stop.wait())
            done, pending = await asyncio.wait({getter, stopper},
                                               return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if getter not in done:
                break
            update = getter.result()
            if isinstance(update, Update):
                try:
                    status = await route_update(svc, channel, update)
                    log.info("telegram update %s: %s", update.update_id, status)
                except Exception:
                    log.exception("telegram update %s failed", update.update_id)
                svc.dispatcher.kick()
    finally:
        # stop() only: Updater.shutdown() would shut the shared bot down, and the
        # dispatcher still sends through it until the channel closes.
        await updater.stop()

"""WhatsApp and SMS through Twilio: the webhooks (inbound half) and the senders (outbound half).

Inbound, on `recobro serve`:

- `POST /webhooks/twilio`: a debtor's message (SMS, or WhatsApp when `From` is
  `whatsapp:+...`). Checked in this order, and nothing is stored for a refused request:
  no `X-Twilio-Signature` -> 403; not a form -> 415; over 64 KiB -> 413; a body that does
  not parse -> 400; a signature that does not match (twilio's `RequestValidator`, against
  `RECOBRO_PUBLIC_URL` + the path, never the URL this process sees behind a proxy) -> 403;
  fields that do not make a message -> 400. Then `Engine.receive` stores and dedupes it by
  `MessageSid` (a redelivery is a duplicate) and applies it; only then the answer is an
  empty TwiML `<Response/>`. If the database is down the answer is 503 and Twilio retries.
- `POST /webhooks/twilio/status`: delivery callbacks, signed the same way; statuses only
  move forward (`bot.delivery`). The callback URL carries our message id (`?m=42`), so a
  callback that outruns the dispatcher's record of the provider id still finds its message.

Outbound, with twilio's own `Client` on its aiohttp-based `AsyncTwilioHttpClient`
(`messages.create_async`): never a blocking call in the event loop.

- WhatsApp: free text only within 24 hours of the debtor's last message on WhatsApp; then
  quick replies (a twilio/quick-reply content, up to 3 buttons) when configured, else a
  numbered list. Outside the window, the approved template for the message's kind and
  locale (`bot.channels.whatsapp_templates`); with none, the message is held and staff are
  told (`HeldSendError`, code `no_template`): never sent as free text.
- SMS: options as a numbered list, text made GSM-7 friendly, segments counted and kept in
  the message payload (`bot.channels.sms`).

Twilio errors on sending (REST API error codes), and what the dispatcher does with them:
transient ones are retried with backoff (or after Retry-After), permanent ones fail the
message with the code; see `PERMANENT_CODES` and `TRANSIENT_CODES`. A 429 is `throttled`
(not an attempt). A timeout is `unsure`: Twilio creates a message before it answers, so
before sending it again the dispatcher asks `find_sent` (the Messages list) whether it
already went out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from multidict import MultiDict
from sqlmodel import col, select
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot import delivery
from bot.channels.base import (
    HeldSendError,
    OutgoingMessage,
    PermanentSendError,
    SendError,
    SendResult,
    TransientSendError,
    numbered_options,
)
from bot.channels.http import read_body
from bot.channels.sms import gsm_friendly, segments
from bot.channels.whatsapp_templates import (
    MAX_SESSION_BUTTONS,
    MissingValue,
    WhatsAppTemplates,
    content_variables,
)
from bot.clock import Clock
from bot.domain import InboundMessage, Media
from bot.escalations import check_unreachable
from bot.texts import Renderer, Say
from storage.db import Database
from storage.models import Event, Message

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/twilio"
STATUS_PATH = "/webhooks/twilio/status"
WHATSAPP_WINDOW = timedelta(hours=24)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_MEDIA = 10  # Twilio sends at most 10 media per message
OPT_OUT_OPTION = "opt_out"  # the option id the flows read as an opt-out
# How far our clock and Twilio's may disagree when looking for a message sent "since" an
# attempt (reconciliation, `TwilioChannel.find_sent`).
CLOCK_SKEW = timedelta(minutes=10)

# Send errors that retrying cannot fix: the message fails with the code. (Twilio REST API
# error codes, https://www.twilio.com/docs/api/errors.)
PERMANENT_CODES: Mapping[int, str] = {
    21211: "invalid 'To' phone number",
    21214: "'To' phone number cannot be reached",
    21408: "sending to this region is not enabled on the account",
    21606: "the 'From' number cannot send to this destination",
    21610: "the recipient replied STOP: Twilio blocks messages to them",
    21612: "the 'To' number cannot receive this kind of message",
    21614: "'To' is not a mobile number",
    21617: "the message body is longer than 1,600 characters",
    21655: "the ContentSid is invalid",
    21656: "the ContentVariables are invalid",
    63003: "the number is not on WhatsApp",
    63016: "outside the 24-hour WhatsApp window and not a template",
    63024: "invalid WhatsApp recipient",
}
# Errors worth retrying besides HTTP 429 and 5xx: rate limits, and account problems an
# operator can fix (a wrong token) before the dispatcher's attempts run out.
TRANSIENT_CODES: Mapping[int, str] = {
    20003: "authentication failed: check RECOBRO_TWILIO_ACCOUNT_SID and _AUTH_TOKEN",
    20429: "too many requests",
    20500: "Twilio internal error",
    20503: "Twilio is unavailable",
}
# Delivery failures reported by status callbacks (ErrorCode), explained for staff.
DELIVERY_ERRORS: Mapping[str, str] = {
    "30003": "unreachable handset (off or out of coverage)",
    "30004": "message blocked by the recipient or the carrier",
    "30005": "unknown destination number",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier as spam",
    "30008": "unknown delivery error",
    "63016": "outside the 24-hour WhatsApp window and not a template",
    "63024": "invalid WhatsApp recipient",
}
SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
STATUSES = frozenset({"accepted", "scheduled", "queued", "sending", "sent", "delivered",
                      "read", "undelivered", "failed", "canceled", "receiving", "received",
                      "partially_delivered"})

# The response headers of the Twilio call running in this task (to read Retry-After, which
# TwilioRestException drops). Filled by an aiohttp trace hook: aiohttp awaits trace
# callbacks inside the request, in the calling task, so a context variable reaches them.
_RESPONSE_HEADERS: ContextVar[dict[str, str] | None] = ContextVar("twilio_response_headers",
                                                                  default=None)


async def _on_request_end(session: aiohttp.ClientSession, ctx: SimpleNamespace,
                          params: aiohttp.TraceRequestEndParams) -> None:
    box = _RESPONSE_HEADERS.get()
    if box is not None:
        box.update({k.lower(): v for k, v in params.response.headers.items()})


class TwilioGateway:
    """The Twilio account: one REST client for WhatsApp and SMS, and the webhook checks."""

    def __init__(self, *, account_sid: str, auth_token: str, public_url: str,
                 api_base: str = "https://api.twilio.com", timeout: float = 10.0) -> None:
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.public_url = public_url.rstrip("/")
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.validator = RequestValidator(auth_token)
        self._client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None

    def client(self) -> Client:
        """The twilio-python client, built on first use (its aiohttp session needs a loop)."""
        if self._client is None:
            trace = aiohttp.TraceConfig()
            trace.on_request_end.append(_on_request_end)
            self._http = AsyncTwilioHttpClient(trace_configs=[trace])
            # environment={}: TWILIO_EDGE / TWILIO_REGION from the process environment
            # would rewrite the host (ClientBase.get_hostname), including a test's fake.
            self._client = Client(self.account_sid, self._auth_token,
                                  http_client=self._http, environment={})
            # twilio-python has no base-URL argument; the Api domain keeps its host in the
            # public `base_url` attribute, which every Messages request is built from. Setting
            # it is smaller than Twilio's other suggestion, a custom HttpClient that rewrites
            # each URL.
            self._client.api.base_url = self.api_base
        return self._client

    async def create_message(self, **fields: Any) -> Any:
        """`messages.create_async(**fields)`; Twilio's errors mapped to SendError."""
        return await self._call(lambda: self.client().messages.create_async(**fields),
                                sends=True)

    async def list_messages(self, *, to: str, from_: str, limit: int = 50) -> list[Any]:
        """The newest messages from `from_` to `to` (Messages list API), newest first."""
        return list(await self._call(lambda: self.client().messages.list_async(
            to=to, from_=from_, limit=limit, page_size=limit), sends=False))

    async def _call(self, request: Callable[[], Awaitable[Any]], *, sends: bool) -> Any:
        """One REST call under our deadline; errors as SendError (unsure when `sends` and
        the request may have reached Twilio)."""
        headers: dict[str, str] = {}
        token = _RESPONSE_HEADERS.set(headers)
        try:
            # AsyncTwilioHttpClient ignores its own `timeout` (it passes the per-call one,
            # None, to aiohttp): the deadline is ours.
            async with asyncio.timeout(self.timeout):
                return await request()
        except TwilioRestException as exc:
            raise send_error(exc, headers.get("retry-after")) from exc
        except TimeoutError:
            # Twilio may have created the message and not answered yet: unsure.
            raise TransientSendError(f"Twilio did not answer within {self.timeout:g} s",
                                     code="timeout", unsure=sends) from None
        except aiohttp.ClientConnectorError as exc:  # never connected: nothing went out
            raise TransientSendError(f"cannot reach Twilio: {type(exc).__name__}: {exc}",
                                     code="connection") from exc
        except (aiohttp.ClientError, OSError) as exc:  # cut after the request: unsure
            raise TransientSendError(f"cannot reach Twilio: {type(exc).__name__}: {exc}",
                                     code="connection", unsure=sends) from exc
        finally:
            _RESPONSE_HEADERS.reset(token)

    def media_auth(self) -> str:
        """The Authorization header for the account's media URLs (HTTP Basic, SID:token)."""
        return aiohttp.encode_basic_auth(self.account_sid, self._auth_token)

    def status_callback(self, message_id: int) -> str:
        """Where Twilio reports this message's delivery (our id rides along)."""
        return f"{self.public_url}{STATUS_PATH}?m={message_id}"

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http, self._client = None, None

    # Inbound ---------------------------------------------------------------------------

    async def verified_form(self, request: web.Request) -> MultiDict[str]:
        """The signed form of a webhook, or the 4xx that refuses it (nothing is parsed first)."""
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            raise web.HTTPForbidden(text="missing X-Twilio-Signature")
        if request.content_type != "application/x-www-form-urlencoded":
            raise web.HTTPUnsupportedMediaType(text="Twilio webhooks are forms")
        body = await read_body(request)
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                              strict_parsing=bool(body), max_num_fields=200,
                              errors="strict")
        except ValueError:  # bad encoding, a field without "=", too many fields
            raise web.HTTPBadRequest(text="the body is not a form") from None
        form: MultiDict[str] = MultiDict(pairs)
        # What Twilio signed: the public URL it was given, not what a proxy turned it into.
        url = self.public_url + request.rel_url.raw_path_qs
        if not self.validator.validate(url, form, signature):
            raise web.HTTPForbidden(text="the X-Twilio-Signature does not match")
        return form


def send_error(exc: TwilioRestException, retry_after: str | None = None) -> SendError:
    """What a Twilio REST error means for the dispatcher: retry (when) or give up."""
    code = exc.code if isinstance(exc.code, int) else None
    detail = f"Twilio {exc.status}" + (f" error {code}" if code else "") + f": {exc.msg}"
    if exc.status == 429 or code == 20429:
        return TransientSendError(detail, code=str(code or 429),
                                  retry_after=_seconds(retry_after), throttled=True)
    if exc.status >= 500 or (code is not None and code in TRANSIENT_CODES):
        return TransientSendError(detail, code=str(code or exc.status),
                                  retry_after=_seconds(retry_after))
    meaning = PERMANENT_CODES.get(code or 0)
    return PermanentSendError(f"{meaning} ({detail})" if meaning else detail,
                              code=str(code or exc.status))


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:  # an HTTP date: rare from Twilio; the dispatcher's backoff applies
        return None


def pick_sender(pool: Sequence[str], address: str | None) -> str:
    """The From number of `pool` a debtor's messages go from: always the same one for the same
    phone (crc32, not hash(): every worker process must agree), so a conversation stays on
    one number while the pool is unchanged."""
    if len(pool) == 1 or not address:
        return pool[0]
    return pool[zlib.crc32(address.encode()) % len(pool)]


class TwilioChannel:
    """The outbound half of WhatsApp or SMS over one Twilio sender, or a pool of them.

    With a pool (several From numbers), each debtor sticks to one number (`pick_sender`) and
    the send rate is limited per number. Inbound messages to any number of the pool arrive on
    the same webhook and are accepted alike.
    """

    def __init__(self, gateway: TwilioGateway, name: str, sender_address: str | Sequence[str],
                 clock: Clock, *, templates: WhatsAppTemplates | None = None) -> None:
        if name not in ("whatsapp", "sms"):
            raise ValueError(f"Twilio serves whatsapp and sms, not {name!r}")
        pool = (sender_address,) if isinstance(sender_address, str) else tuple(sender_address)
        if not pool:
            raise ValueError(f"{name} needs at least one From number")
        self.gateway = gateway
        self.name = name
        self.pool = pool
        self.from_ = pool[0]
        self.sender = f"twilio:{pool[0]}"  # the rate limit is per From number
        self.clock = clock
        self.templates = templates or WhatsAppTemplates()

    def sender_for(self, message: OutgoingMessage) -> str:
        """The rate-limit key of the number `message` goes from."""
        return f"twilio:{pick_sender(self.pool, message.address)}"

    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send through Twilio; the message SID is the provider id."""
        to, fields, facts = self._request(message)
        created = await self.gateway.create_message(
            to=to, from_=pick_sender(self.pool, message.address),
            status_callback=self.gateway.status_callback(message.message_id), **fields)
        return SendResult(str(created.sid), "sent", {self.name: facts})

    async def find_sent(self, message: OutgoingMessage, since: datetime) -> list[SendResult]:
        """Messages Twilio holds from our sender to this address, created since `since`
        (less `CLOCK_SKEW`) and, for free text, with this very body; oldest first.

        The list is filtered by To and From only, not by DateSent: a message still in
        Twilio's queue has no DateSent yet, and it is exactly the one we must not send twice.
        """
        to = self._to(message)
        try:
            _, fields, facts = self._request(message)
        except SendError:  # e.g. the WhatsApp window closed since: match without the body
            fields, facts = {}, {}
        body = fields.get("body")
        found = []
        sender = pick_sender(self.pool, message.address)
        for item in await self.gateway.list_messages(to=to, from_=sender):
            created = item.date_created
            if created is None or created < since - CLOCK_SKEW:
                continue
            if not str(item.direction or "").startswith("outbound"):
                continue
            if body is not None and item.body != body:
                continue
            found.append(SendResult(str(item.sid), str(item.status or "sent"),
                                    {self.name: facts, "reconciled": True}))
        return found[::-1]

    def _to(self, message: OutgoingMessage) -> str:
        if not message.address:
            raise PermanentSendError(f"no phone number for {self.name}", code="no_address")
        return f"whatsapp:{message.address}" if self.name == "whatsapp" else message.address

    def _request(self, message: OutgoingMessage
                 ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """To, the fields of the Messages request, and the facts kept in the payload."""
        to = self._to(message)
        fields, facts = self._whatsapp(message) if self.name == "whatsapp" \
            else self._sms(message)
        return to, fields, facts

    def _renderer(self, message: OutgoingMessage) -> Renderer:
        return Renderer(message.locale, self.clock.now().date())

    def _free_text(self, message: OutgoingMessage, *, numbered: bool) -> str:
        # The lines the jurisdiction requires (the opt-out notice...) are already in the
        # text: the dispatcher adds them at send time, when the gate says which.
        if not numbered or not message.options:
            return message.text
        footer = self._renderer(message).text(Say("options.reply_with_number"))
        return numbered_options(message.text, message.options, footer)

    def _sms(self, message: OutgoingMessage) -> tuple[dict[str, Any], dict[str, Any]]:
        body = gsm_friendly(self._free_text(message, numbered=True))
        return {"body": body}, {"segments": segments(body).as_json()}

    def _whatsapp(self, message: OutgoingMessage) -> tuple[dict[str, Any], dict[str, Any]]:
        now = self.clock.now()
        last = message.last_inbound_at
        if last is not None and now - last < WHATSAPP_WINDOW:
            return self._session(message)
        template = self.templates.find(message.kind, message.payload.get("key"), message.locale)
        since = f"the debtor last wrote {last.isoformat()}" if last else "the debtor never wrote"
        if template is None:
            raise HeldSendError(
                f"no approved WhatsApp template for {message.kind} in {message.locale}, and "
                f"free text is not allowed ({since}; the window is 24 hours): add one to "
                "RECOBRO_WHATSAPP_TEMPLATES", code="no_template")
        try:
            variables = content_variables(template, message.payload.get("params", {}),
                                          message.locale, now.date())
        except MissingValue as exc:
            raise HeldSendError(f"the WhatsApp template {template.content_sid} for "
                                f"{message.kind} does not fit the message: {exc}",
                                code="template_mismatch") from None
        fields = {"content_sid": template.content_sid,
                  "content_variables": json.dumps(variables, ensure_ascii=False)}
        return fields, {"template": template.content_sid}

    def _session(self, message: OutgoingMessage) -> tuple[dict[str, Any], dict[str, Any]]:
        options = message.options
        quick = (self.templates.quick_reply(len(options))
                 if options and len(options) <= MAX_SESSION_BUTTONS else None)
        if quick is None:  # no buttons for this many options: a numbered list
            return {"body": self._free_text(message, numbered=True)}, {"session": "text"}
        variables = {"1": self._free_text(message, numbered=False)}
        for n, option in enumerate(options, start=1):
            variables[str(2 * n)] = option.title
            variables[str(2 * n + 1)] = option.id
        return ({"content_sid": quick,
                 "content_variables": json.dumps(variables, ensure_ascii=False)},
                {"session": "quick_reply", "content_sid": quick})


# Inbound ---------------------------------------------------------------------------------

class MalformedWebhook(ValueError):
    """Signed, but not a message we can read."""


def parse_inbound(form: MultiDict[str], received_at: datetime) -> InboundMessage:
    """A signed inbound form as an InboundMessage (SMS, or WhatsApp for `whatsapp:` senders)."""
    sid = form.get("MessageSid", "")
    if not SID.match(sid):
        raise MalformedWebhook("MessageSid is missing or not a Twilio SID")
    sender = form.get("From", "")
    channel, address = ("whatsapp", sender[9:]) if sender.startswith("whatsapp:") \
        else ("sms", sender)
    if not _E164.match(address):
        raise MalformedWebhook("From must be an E.164 number (+573001234567), optionally "
                               "prefixed with whatsapp:")
    try:
        count = int(form.get("NumMedia", "0") or "0")
    except ValueError:
        raise MalformedWebhook("NumMedia must be a number") from None
    if not 0 <= count <= MAX_MEDIA:
        raise MalformedWebhook(f"NumMedia must be 0 to {MAX_MEDIA}")
    media = []
    for n in range(count):
        url, kind = form.get(f"MediaUrl{n}"), form.get(f"MediaContentType{n}")
        if not url or not kind:
            raise MalformedWebhook(f"MediaUrl{n} and MediaContentType{n} are required")
        media.append(Media(url, kind))
    option = form.get("ButtonPayload") or None
    text = form.get("Body", "") or form.get("ButtonText", "")
    if option is None and form.get("OptOutType", "").upper() == "STOP":
        # Twilio's Advanced Opt-Out already blocked this number: we stop too, whatever
        # the words (STOP, CANCEL, END, QUIT... in any language).
        option = OPT_OUT_OPTION
    return InboundMessage(channel=channel, provider_id=sid, address=address, text=text,
                          received_at=received_at, option=option, media=tuple(media))


async def apply_status(db: Database, clock: Clock, sid: str, reported: str,
                       error_code: str | None, *, message_id: int | None = None) -> str | None:
    """Apply one status callback (forward only, see `bot.delivery`); the stored status."""
    now = clock.now()
    async with db.transaction() as session:
        message: Message | None = None
        if message_id is not None:
            message = await session.get(Message, message_id, with_for_update=True)
            if message is not None and message.provider_id not in (None, sid):
                message = None  # an id that does not go with this SID: trust the SID
        if message is None:
            message = (await session.exec(
                select(Message).where(col(Message.provider_id) == sid,
                                      col(Message.channel).in_(("whatsapp", "sms")),
                                      Message.direction == "out")
                .with_for_update())).first()
        if message is None or message.direction != "out":
            log.warning("status %s for unknown Twilio message %s", reported, sid)
            return None
        if message.provider_id is None:
            message.provider_id = sid  # the callback outran the dispatcher's record
        change = delivery.advance(message.status, reported)
        if change.changed:
            message.status = change.status
            if change.status in ("sent", "delivered", "read") and message.sent_at is None:
                message.sent_at = now
            if change.status in ("delivered", "read") and message.delivered_at is None:
                message.delivered_at = now
            if change.status == "read":
                message.read_at = now
            if change.status in delivery.FAILURES:
                message.error_code = error_code
                message.error_message = DELIVERY_ERRORS.get(error_code or "",
                                                            f"Twilio reported {change.status}")
                session.add(Event(at=now, debtor_id=message.debtor_id, actor="twilio",
                                  kind="message.failed", data={
                                      "message_id": message.id, "provider_id": sid,
                                      "status": change.status, "code": error_code,
                                      "reason": message.error_message}))
                if message.debtor_id is not None:
                    session.add(message)
                    await session.flush()
                    await check_unreachable(session, message.debtor_id, code=error_code,
                                            now=now)
        elif change.late_failure:
            # Delivered already: the status stays; staff still see what Twilio said.
            session.add(Event(at=now, debtor_id=message.debtor_id, actor="twilio",
                              kind="message.late_failure", data={
                                  "message_id": message.id, "provider_id": sid,
                                  "status": reported, "code": error_code,
                                  "kept": message.status}))
        session.add(message)
        return message.status

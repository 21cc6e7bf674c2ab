"""A fake Twilio and Telegram on 127.0.0.1: the real clients talk to it over HTTP.

It implements the few endpoints Recobro calls, records every request, and fails on demand::

    fake = FakeProviders()
    await fake.start()
    settings = Settings(twilio_api_base=fake.twilio_api_base,
                        telegram_api_base=fake.telegram_api_base, ...)
    fake.fail_next("twilio", status=500)                       # one 500
    fake.fail_next("twilio", status=429, retry_after=7)        # a 429 with Retry-After: 7
    fake.fail_next("telegram", status=403, description="Forbidden: bot was blocked by the user")
    fake.fail_next("twilio", delay=2.0)                        # answer (201) after 2 s
    ...
    fake.twilio_messages()            # the form of every Messages.json POST, in order
    fake.telegram_calls("sendMessage")  # the parameters of every sendMessage
    await fake.stop()

Twilio: `POST {twilio_api_base}/2010-04-01/Accounts/{sid}/Messages.json` answers 201 with a
message SID (SM + 32 hex), or the Twilio error JSON (`code`, `message`, `status`). A created
message is kept (`twilio_created()`) the moment the request arrives, before any `delay`, as
Twilio creates it before answering: a client that times out has still sent it.
`GET .../Messages.json` is the Messages list, as Twilio serves it: filters `To`, `From`,
`DateSent`, `DateSent<` and `DateSent>` (a day, `YYYY-MM-DD`, or an instant), newest first,
`PageSize` (default 50) and `Page`, in Twilio's paging envelope. Dates come from `clock`
(the real UTC time unless a test sets one that matches its own clock).

Faults for a period, for the fault tests: `latency` delays every Twilio create;
`outage("twilio", seconds, [Failure(status=500), Failure(status=429, retry_after=2),
Failure(delay=5)])` answers each request in that window with the next failure in turn.
Telegram: `{telegram_api_base}{token}/{method}` for getMe, sendMessage (private chats for
positive ids, a supergroup for negative ones, in a topic with `message_thread_id`),
editMessageText, editMessageReplyMarkup, answerCallbackQuery, setMessageReaction,
getChat (`forum=True` makes the group a forum), createForumTopic, deleteForumTopic,
sendPhoto and sendDocument (multipart uploads: the recorded parameter is the file's name
and size), getFile and the file download (`add_file`), setWebhook, deleteWebhook,
getUpdates (fed by `queue_update`) and close; errors use the Bot API shape (`ok`,
`error_code`, `description`, `parameters.retry_after`).

Twilio media: `GET .../Messages/{sid}/Media/{sid}` checks the account's Basic auth and
redirects, like Twilio, to a media store on another origin (`localhost` instead of
127.0.0.1), which serves what `add_twilio_media` put there; `twilio_media_url()` is the URL
Twilio would put in `MediaUrl0`.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

BOT_ID = 7000000001
BOT_USERNAME = "recobro_test_bot"


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the fake received."""

    provider: str  # twilio | telegram
    method: str  # the HTTP method (Twilio) or the Bot API method (Telegram)
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass(slots=True)
class Failure:
    """What the next request to a provider gets instead of success."""

    status: int | None = None
    code: int | None = None
    description: str = ""
    retry_after: float | None = None
    delay: float = 0.0
    method: str | None = None  # Telegram: only a call to this Bot API method


@dataclass
class FakeProviders:
    """The fake server; `start()` binds a free port on 127.0.0.1."""

    host: str = "127.0.0.1"
    requests: list[Recorded] = field(default_factory=list)
    _failures: dict[str, deque[Failure]] = field(
        default_factory=lambda: {"twilio": deque(), "telegram": deque()})
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _topics: itertools.count[int] = field(default_factory=lambda: itertools.count(500))
    forum: bool = False  # getChat says the group is a forum (topics)
    files: dict[str, bytes] = field(default_factory=dict)  # Telegram file id -> content
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # Twilio media sid
    account_auth: tuple[str, str] = ("", "")  # what Twilio's media URLs require
    sent: list[dict[str, Any]] = field(default_factory=list)  # Telegram messages it "sent"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    latency: float = 0.0  # seconds every Twilio create waits (after creating the message)
    _created: list[dict[str, Any]] = field(default_factory=list)  # Twilio messages, in order
    _outages: dict[str, tuple[float, float | None, list[Failure]]] = field(
        default_factory=dict)
    _outage_turn: itertools.count[int] = field(default_factory=itertools.count)
    # Benchmarks: called with each Twilio Messages.json request as it arrives (its `at` is
    # time.monotonic(), CLOCK_MONOTONIC, which every process on the machine shares), and
    # `keep=False` stops keeping them in `requests` (100,000 of them, headers and all).
    on_twilio: Callable[[Recorded], None] | None = None
    keep: bool = True

    # Lifecycle ---------------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeProviders:
        """Serve on `port` (0: a free one)."""
        app = web.Application()
        app.router.add_post("/twilio/2010-04-01/Accounts/{account}/Messages.json",
                            self._twilio_create)
        app.router.add_get("/twilio/2010-04-01/Accounts/{account}/Messages.json",
                           self._twilio_list)
        app.router.add_route("*", "/telegram/bot{token}/{method}", self._telegram)
        app.router.add_get("/telegram/file/bot{token}/{path:.+}", self._telegram_file)
        app.router.add_get(
            "/twilio/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}",
            self._twilio_media)
        app.router.add_get("/cdn/{media}", self._cdn)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, port)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>."""
        return f"http://{self.host}:{self._port}"

    @property
    def twilio_api_base(self) -> str:
        """What RECOBRO_TWILIO_API_BASE should be."""
        return f"{self.url}/twilio"

    @property
    def telegram_api_base(self) -> str:
        """What RECOBRO_TELEGRAM_API_BASE should be (the token follows it)."""
        return f"{self.url}/telegram/bot"

    # Control -------------------------------------------------------------------------

    def fail_next(self, provider: str, *, status: int | None = None, code: int | None = None,
                  description: str = "", retry_after: float | None = None, delay: float = 0.0,
                  times: int = 1, method: str | None = None) -> None:
        """Make the next `times` calls to `provider` (to `method`) fail or answer late."""
        for _ in range(times):
            self._failures[provider].append(
                Failure(status, code, description, retry_after, delay, method))

    def outage(self, provider: str, seconds: float, failures: list[Failure]) -> None:
        """For `seconds` from the next request, every request to `provider` gets the next of
        `failures` in turn (after whatever `fail_next` queued)."""
        self._outages[provider] = (seconds, None, list(failures))

    def twilio_created(self) -> list[dict[str, Any]]:
        """Every message Twilio created (what it would send), in order."""
        return list(self._created)

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update that the next getUpdates returns (long polling)."""
        self._updates.append(update)

    def add_file(self, file_id: str, content: bytes) -> None:
        """A file a Telegram user sent, for getFile and the download."""
        self.files[file_id] = content

    def add_twilio_media(self, media_sid: str, content: bytes, content_type: str) -> None:
        """A file a WhatsApp user sent, behind Twilio's media URL."""
        self.media[media_sid] = (content, content_type)

    def twilio_media_url(self, account: str, message: str, media_sid: str) -> str:
        """What Twilio puts in MediaUrl0 (under the fake's API base)."""
        return f"{self.twilio_api_base}/2010-04-01/Accounts/{account}/Messages/{message}" \
               f"/Media/{media_sid}"

    def clear(self) -> None:
        """Forget what was recorded."""
        self.requests.clear()

    def twilio_messages(self) -> list[dict[str, Any]]:
        """The form of every Messages.json request, in order (failed ones too)."""
        return [r.params for r in self.requests
                if r.provider == "twilio" and r.method == "POST"]

    def telegram_calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The parameters of every Bot API call (of `method`), in order."""
        return [r.params for r in self.requests
                if r.provider == "telegram" and (method is None or r.method == method)]

    # Twilio ----------------------------------------------------------------------------

    async def _twilio_create(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        recorded = Recorded("twilio", request.method, request.path,
                            {k: str(v) for k, v in form.items()},
                            dict(request.headers), time.monotonic())
        if self.keep:
            self.requests.append(recorded)
        if self.on_twilio is not None:
            self.on_twilio(recorded)
        failure = self._failure("twilio")
        if failure is not None and failure.status is not None:
            if failure.delay:
                await asyncio.sleep(failure.delay)
            headers = {"Retry-After": f"{failure.retry_after:g}"} \
                if failure.retry_after is not None else {}
            body = {"code": failure.code or failure.status,
                    "message": failure.description or f"fake failure {failure.status}",
                    "more_info": "https://www.twilio.com/docs/errors",
                    "status": failure.status}
            return web.json_response(body, status=failure.status, headers=headers)
        now = format_datetime(self.clock().astimezone(UTC))
        account = request.match_info["account"]
        sid = "SM" + uuid.uuid4().hex
        created: dict[str, Any] = {
            "sid": sid, "account_sid": account, "status": "queued",
            "to": form.get("To"), "from": form.get("From"), "body": form.get("Body"),
            "num_segments": "1", "num_media": "0", "direction": "outbound-api",
            "api_version": "2010-04-01", "date_created": now, "date_updated": now,
            "date_sent": None, "error_code": None, "error_message": None, "price": None,
            "price_unit": "USD", "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "subresource_uris": {}}
        # Created before answering: a client that gives up waiting has still sent it.
        self._created.append(created | {"status": "sent", "date_sent": now})
        delay = (failure.delay if failure is not None else 0.0) + self.latency
        if delay:
            await asyncio.sleep(delay)
        return web.json_response(created, status=201)

    async def _twilio_list(self, request: web.Request) -> web.Response:
        query = request.query
        self.requests.append(Recorded("twilio", "GET list", request.path, dict(query),
                                      dict(request.headers), time.monotonic()))
        failure = self._failure("twilio")
        if failure is not None and failure.delay:
            await asyncio.sleep(failure.delay)
        if failure is not None and failure.status is not None:
            return web.json_response({"code": failure.code or failure.status,
                                      "message": "fake failure", "status": failure.status},
                                     status=failure.status)
        found = [m for m in self._created
                 if query.get("To", m["to"]) == m["to"]
                 and query.get("From", m["from"]) == m["from"]
                 and _sent_matches(m["date_sent"], query)]
        found.reverse()  # newest first, as Twilio lists them
        size = min(int(query.get("PageSize", "50")), 1000)
        page = int(query.get("Page", "0"))
        chunk = found[page * size:(page + 1) * size]
        base = request.path.removeprefix("/twilio")

        def uri(n: int) -> str:
            params = "&".join(f"{k}={v}" for k, v in query.items() if k not in ("Page",))
            return f"{base}?{params}&Page={n}"

        more = (page + 1) * size < len(found)
        return web.json_response({
            "messages": chunk, "page": page, "page_size": size, "start": page * size,
            "end": page * size + max(len(chunk) - 1, 0), "uri": uri(page),
            "first_page_uri": uri(0), "previous_page_uri": uri(page - 1) if page else None,
            "next_page_uri": uri(page + 1) if more else None})

    async def _twilio_media(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Recorded("twilio", "GET media", request.path, {},
                                      dict(request.headers), time.monotonic()))
        sid, token = self.account_auth
        expected = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate",
                                      "status": 401}, status=401)
        failure = await self._take("twilio")
        if failure is not None and failure.status is not None:
            return web.json_response({"status": failure.status}, status=failure.status)
        media = request.match_info["media"]
        if media not in self.media:
            return web.json_response({"code": 20404, "status": 404}, status=404)
        # Like Twilio: a redirect to the media store, on another origin.
        raise web.HTTPTemporaryRedirect(f"http://localhost:{self._port}/cdn/{media}")

    async def _cdn(self, request: web.Request) -> web.Response:
        self.requests.append(Recorded("cdn", "GET", request.path, {}, dict(request.headers),
                                      time.monotonic()))
        content, kind = self.media[request.match_info["media"]]
        return web.Response(body=content, content_type=kind)

    # Telegram --------------------------------------------------------------------------

    async def _telegram_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.requests.append(Recorded("telegram", "file", request.path, {"path": path},
                                      dict(request.headers), time.monotonic()))
        file_id = path.rsplit("/", 1)[-1]
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _telegram_params(request)
        self.requests.append(Recorded("telegram", method, request.path, params,
                                      dict(request.headers), time.monotonic()))
        failure = await self._take("telegram", method) \
            if method not in ("getMe", "getUpdates") else None
        if failure is not None and failure.status is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                    "description": failure.description
                                    or f"fake failure {failure.status}"}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": int(failure.retry_after)}
                body["description"] = f"Too Many Requests: retry after {failure.retry_after:g}"
            return web.json_response(body, status=failure.status)
        if method == "getFile" and str(params.get("file_id")) not in self.files:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad Request: invalid file_id"}, status=400)
        return web.json_response({"ok": True, "result": await self._result(method, params)})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Recobro",
                    "username": BOT_USERNAME, "can_join_groups": False,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = int(params["chat_id"])
            message: dict[str, Any] = {
                "message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Ana"} if chat_id > 0
                else {"id": chat_id, "type": "supergroup", "title": "Staff",
                      "is_forum": self.forum},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Recobro"}}
            if method == "sendMessage":
                message["text"] = params.get("text", "")
            else:
                message["caption"] = params.get("caption", "")
            if params.get("message_thread_id"):
                message["message_thread_id"] = int(params["message_thread_id"])
                message["is_topic_message"] = True
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup  # a message carries only inline keyboards
            self.sent.append(message)
            return message
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return {"message_id": int(params["message_id"]), "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "supergroup",
                             "title": "Staff"},
                    "text": params.get("text", ""),
                    **({"reply_markup": params["reply_markup"]}
                       if "inline_keyboard" in (params.get("reply_markup") or {}) else {})}
        if method == "getChat":
            chat_id = int(params["chat_id"])
            return {"id": chat_id, "type": "supergroup" if chat_id < 0 else "private",
                    "title": "Staff", "is_forum": self.forum, "accent_color_id": 0,
                    "max_reaction_count": 11, "accepted_gift_types": {
                        "unlimited_gifts": False, "limited_gifts": False,
                        "unique_gifts": False, "premium_subscription": False,
                        "gifts_from_channels": False}}
        if method == "createForumTopic":
            return {"message_thread_id": next(self._topics), "name": params.get("name", ""),
                    "icon_color": 7322096}
        if method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.files[file_id]), "file_path": f"photos/{file_id}"}
        if method == "getUpdates":
            if not self._updates:
                await asyncio.sleep(0.05)
            updates, self._updates = self._updates, []
            return updates
        return True  # answerCallbackQuery, setMessageReaction, setWebhook, deleteForumTopic...

    def _failure(self, provider: str) -> Failure | None:
        """What this request gets: a queued `fail_next`, or the outage's next, or None."""
        queue = self._failures[provider]
        if queue:
            return queue.popleft()
        seconds, until, failures = self._outages.get(provider, (0.0, None, []))
        if failures and until is None:
            until = time.monotonic() + seconds
            self._outages[provider] = (seconds, until, failures)
        if failures and until is not None and time.monotonic() < until:
            return failures[next(self._outage_turn) % len(failures)]
        return None

    async def _take(self, provider: str, method: str | None = None) -> Failure | None:
        queue = self._failures[provider]
        failure = next((f for f in queue if f.method in (None, method)), None)
        if failure is None:
            return None
        queue.remove(failure)
        if failure.delay:
            await asyncio.sleep(failure.delay)
        return failure


def _sent_matches(date_sent: str | None, query: Any) -> bool:
    """Twilio's DateSent filters: a day or an instant; `<` is on or before, `>` on or after."""
    filters = [(k, query[k]) for k in ("DateSent", "DateSent<", "DateSent>") if k in query]
    if not filters:
        return True
    if date_sent is None:  # not sent yet (queued): no DateSent filter finds it
        return False
    from email.utils import parsedate_to_datetime

    sent = parsedate_to_datetime(date_sent)
    for key, value in filters:
        if len(value) == 10:  # YYYY-MM-DD: compare days
            mine: Any = sent.date().isoformat()
        else:
            mine, value = sent, datetime.fromisoformat(value.replace("Z", "+00:00"))
        if (key == "DateSent" and mine != value) or (key == "DateSent<" and mine > value) \
                or (key == "DateSent>" and mine < value):
            return False
    return True


async def _telegram_params(request: web.Request) -> dict[str, Any]:
    """Bot API parameters: python-telegram-bot posts a form whose values are JSON."""
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = {"filename": value.filename, "size": len(value.file.read())}
            continue
        text = str(value)
        try:
            params[key] = json.loads(text)
        except ValueError:
            params[key] = text
    return params

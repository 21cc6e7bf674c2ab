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
message SID (SM + 32 hex), or the Twilio error JSON (`code`, `message`, `status`).
Telegram: `{telegram_api_base}{token}/{method}` for getMe, sendMessage,
answerCallbackQuery, editMessageReplyMarkup, setWebhook, deleteWebhook, getUpdates (fed
by `queue_update`) and close; errors use the Bot API shape (`ok`, `error_code`,
`description`, `parameters.retry_after`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
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

    # Lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeProviders:
        """Serve on a free port."""
        app = web.Application()
        app.router.add_post("/twilio/2010-04-01/Accounts/{account}/Messages.json",
                            self._twilio_create)
        app.router.add_route("*", "/telegram/bot{token}/{method}", self._telegram)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
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
                  times: int = 1) -> None:
        """Make the next `times` calls to `provider` fail (status) or answer late (delay)."""
        for _ in range(times):
            self._failures[provider].append(
                Failure(status, code, description, retry_after, delay))

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update that the next getUpdates returns (long polling)."""
        self._updates.append(update)

    def clear(self) -> None:
        """Forget what was recorded."""
        self.requests.clear()

    def twilio_messages(self) -> list[dict[str, Any]]:
        """The form of every Messages.json request, in order (failed ones too)."""
        return [r.params for r in self.requests if r.provider == "twilio"]

    def telegram_calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The parameters of every Bot API call (of `method`), in order."""
        return [r.params for r in self.requests
                if r.provider == "telegram" and (method is None or r.method == method)]

    # Twilio ----------------------------------------------------------------------------

    async def _twilio_create(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.requests.append(Recorded("twilio", request.method, request.path,
                                      {k: str(v) for k, v in form.items()},
                                      dict(request.headers), time.monotonic()))
        failure = await self._take("twilio")
        if failure is not None and failure.status is not None:
            headers = {"Retry-After": f"{failure.retry_after:g}"} \
                if failure.retry_after is not None else {}
            body = {"code": failure.code or failure.status,
                    "message": failure.description or f"fake failure {failure.status}",
                    "more_info": "https://www.twilio.com/docs/errors",
                    "status": failure.status}
            return web.json_response(body, status=failure.status, headers=headers)
        sid = "SM" + uuid.uuid4().hex
        return web.json_response({
            "sid": sid, "account_sid": request.match_info["account"], "status": "queued",
            "to": form.get("To"), "from": form.get("From"), "body": form.get("Body"),
            "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": "Tue, 24 Nov 2026 15:00:00 +0000", "error_code": None,
        }, status=201)

    # Telegram --------------------------------------------------------------------------

    async def _telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _telegram_params(request)
        self.requests.append(Recorded("telegram", method, request.path, params,
                                      dict(request.headers), time.monotonic()))
        failure = await self._take("telegram") if method not in ("getMe", "getUpdates") \
            else None
        if failure is not None and failure.status is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                    "description": failure.description
                                    or f"fake failure {failure.status}"}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": int(failure.retry_after)}
                body["description"] = f"Too Many Requests: retry after {failure.retry_after:g}"
            return web.json_response(body, status=failure.status)
        return web.json_response({"ok": True, "result": await self._result(method, params)})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Recobro",
                    "username": BOT_USERNAME, "can_join_groups": False,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method == "sendMessage":
            message: dict[str, Any] = {
                "message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Recobro"},
                "text": params.get("text", "")}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "getUpdates":
            if not self._updates:
                await asyncio.sleep(0.05)
            updates, self._updates = self._updates, []
            return updates
        return True  # answerCallbackQuery, setWebhook, deleteWebhook, editMessageReplyMarkup

    async def _take(self, provider: str) -> Failure | None:
        queue = self._failures[provider]
        if not queue:
            return None
        failure = queue.popleft()
        if failure.delay:
            await asyncio.sleep(failure.delay)
        return failure


async def _telegram_params(request: web.Request) -> dict[str, Any]:
    """Bot API parameters: python-telegram-bot posts a form whose values are JSON."""
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value)
        try:
            params[key] = json.loads(text)
        except ValueError:
            params[key] = text
    return params

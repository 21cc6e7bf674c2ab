"""Fuzzing every webhook and every admin form of the whole application (hypothesis), over
real HTTP on 127.0.0.1, on SQLite (and PostgreSQL for the webhooks): whatever arrives, the
answer is never a 5xx, the server never falls over, and after each request the database
keeps its invariants (`tests.security_helpers.INVARIANTS`): no message without its debtor
or conversation, no outbox row without its message, no policy version without its audit.

The normal run tries a few dozen examples per target; the `slow` run a few hundred.
Each test runs its own event loop so hypothesis can drive it example by example.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from bot.admin.policy_form import GROUPS
from bot.clock import FixedClock
from bot.payments import sign
from bot.services import Services
from storage.models import Message
from tests.channels_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SECRET,
    inbound_form,
    sid,
    twilio_signature,
)
from tests.fakes.providers import FakeProviders
from tests.security_helpers import (
    PAYMENTS_SECRET,
    STAFF,
    STAFF_CHAT,
    broken_invariants,
    is_public,
    log_in,
    routes,
    whole_app,
)

NORMAL, SLOW = 25, 300
EXAMPLES = [pytest.param(NORMAL, id="normal"),
            pytest.param(SLOW, id="slow", marks=pytest.mark.slow)]
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class Harness:
    """The whole application on its own event loop, driven synchronously by hypothesis."""

    def __init__(self, url: str, clock: FixedClock, tmp_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.fake = self.run(FakeProviders().start())
        self.fake.account_auth = (ACCOUNT_SID, AUTH_TOKEN)
        self._app = whole_app(url, clock, self.fake, tmp_path)
        self.client, self.svc = self.run(self._app.__aenter__())
        self.csrf = ""

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.run(self._app.__aexit__(None, None, None))
        self.run(self.fake.stop())
        self.loop.close()

    def request(self, method: str, path: str, **kw: Any) -> tuple[int, str, Any]:
        if isinstance(kw.get("data"), dict):  # urlencoded as a browser would, any character
            kw["data"] = urlencode(kw["data"]).encode()
            kw["headers"] = {"Content-Type": "application/x-www-form-urlencoded"} | kw.get(
                "headers", {})

        async def go() -> tuple[int, str, Any]:
            response = await self.client.request(method, path, allow_redirects=False, **kw)
            return response.status, await response.text(), response.headers
        return self.run(go())  # type: ignore[no-any-return]

    def check(self, status: int, body: str) -> None:
        """Never a 5xx (a 503 would tell a provider to retry a request that can never work);
        every invariant holds."""
        assert status < 500, (status, body[:500])
        broken = self.run(broken_invariants(self.svc))
        assert not broken, broken

    def messages(self) -> int:
        async def count(svc: Services) -> int:
            async with svc.db.transaction() as session:
                return int((await session.exec(select(func.count())
                                               .select_from(Message))).one())
        return self.run(count(self.svc))  # type: ignore[no-any-return]


@pytest.fixture
def harness(request: pytest.FixtureRequest, clock: FixedClock,
            tmp_path: Path) -> Iterator[Harness]:
    backend = getattr(request, "param", "sqlite")
    url = request.getfixturevalue("clean_pg_url" if backend == "postgres" else "sqlite_url")
    h = Harness(url, clock, tmp_path)
    yield h
    h.close()


def fuzz(examples: int, strategy: st.SearchStrategy[Any], body: Callable[[Any], None]) -> None:
    """Run `body` on `examples` examples of `strategy`.

    Derandomized: the same examples every run, so CI never fails on a case no earlier run
    saw; a case a random run finds (HYPOTHESIS_SEED, or a local run with more examples) is
    fixed and kept as a regression test where it belongs."""
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(example: Any) -> None:
        body(example)
    run()


# -- strategies ------------------------------------------------------------------------

# Texts that break naive code: control characters, NUL, lone surrogates are not encodable in
# a form, but everything else Unicode has is fair game, with a few known troublemakers.
HOSTILE = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\u202eevil\u202c", "\u200f\u200e", "<script>alert(1)</script>",
    "Robert'); DROP TABLE debtors;--", "=cmd|' /C calc'!A0", "%00", "../../etc/passwd",
    "Z̷̢̛̛͓̲̰a̸̡̛͎l̶̢g̷o̶", "💸🙏🏽👨‍👩‍👧", "1" * 400, "ya pagué", "STOP", "1", "no puedo pagar",
    "9" * 40, "-1", "1e309", "NaN", "null", "{}", "[]"])
TEXT = st.one_of(HOSTILE, st.text(max_size=300))
FORM_TEXT = st.one_of(HOSTILE, st.text(st.characters(exclude_categories=["Cs"]), max_size=200))
PHONES = st.sampled_from(["whatsapp:+573001234567", "+573001234567", "whatsapp:+56987654321",
                          "+15550009999", "whatsapp:", "", "+0", "whatsapp:+57300 123"])
TWILIO_KEYS = ["MessageSid", "From", "To", "Body", "NumMedia", "MediaUrl0",
               "MediaContentType0", "ButtonPayload", "ButtonText", "OptOutType",
               "MessageStatus", "ErrorCode", "AccountSid"]


def twilio_forms() -> st.SearchStrategy[dict[str, str]]:
    """Mostly well-formed inbound forms with hostile values, and random forms."""
    sids = st.one_of(st.integers(0, 2**128 - 1).map(sid), FORM_TEXT)
    shaped = st.builds(
        lambda s, p, b, extra: inbound_form(s, p, b) | extra,
        sids, PHONES, FORM_TEXT,
        st.dictionaries(st.sampled_from(TWILIO_KEYS), FORM_TEXT, max_size=4))
    loose = st.dictionaries(st.one_of(st.sampled_from(TWILIO_KEYS), FORM_TEXT), FORM_TEXT,
                            max_size=8)
    return st.one_of(shaped, loose)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda kids: st.one_of(st.lists(kids, max_size=4),
                           st.dictionaries(st.text(max_size=12), kids, max_size=4)),
    max_leaves=20)
IDS = st.one_of(st.integers(-2**63, 2**63 - 1), st.sampled_from([555000111, STAFF,
                                                                   STAFF_CHAT, 999]))


def telegram_updates() -> st.SearchStrategy[Any]:
    """Private messages, staff-group messages and button taps with random parts, and junk."""
    chat = st.builds(lambda i, t: {"id": i, "type": t}, IDS,
                     st.sampled_from(["private", "supergroup", "group", "channel", "x"]))
    user = st.builds(lambda i, b: {"id": i, "is_bot": b, "first_name": "<b>Eve</b>"},
                     IDS, st.booleans())
    message = st.builds(
        lambda mid, c, u, t, extra: {"message_id": mid, "date": 1795000000, "chat": c,
                                     "from": u, "text": t} | extra,
        IDS, chat, user, TEXT,
        st.fixed_dictionaries({}, optional={
            "message_thread_id": IDS, "is_topic_message": st.booleans(),
            "reply_to_message": st.builds(lambda m, c: {"message_id": m, "date": 1, "chat": c},
                                          IDS, chat),
            "caption": TEXT, "photo": st.just([{"file_id": "f", "file_unique_id": "u",
                                                "width": 1, "height": 1}])}))
    callback = st.builds(
        lambda cid, u, data, m: {"id": cid, "from": u, "chat_instance": "1", "data": data,
                                 "message": m},
        st.text(max_size=20), user,
        st.one_of(TEXT, st.builds(lambda a, c, r: f"rc:{a}:{c}:{r}",
                                  st.sampled_from(["take", "reject", "approve", "paid",
                                                   "snooze", "card", "x"]),
                                  st.integers(-5, 2**70), TEXT)), message)
    updates = st.builds(lambda n, kind, body: {"update_id": n, kind: body},
                        st.integers(0, 2**31), st.sampled_from(["message", "edited_message"]),
                        message)
    taps = st.builds(lambda n, body: {"update_id": n, "callback_query": body},
                     st.integers(0, 2**31), callback)
    return st.one_of(updates, taps, JSON)


# -- webhooks --------------------------------------------------------------------------

@pytest.mark.parametrize("harness", BACKENDS, indirect=True)
@pytest.mark.parametrize("examples", EXAMPLES)
def test_signed_twilio_webhooks_of_any_shape_never_fail_the_server(
        harness: Harness, examples: int) -> None:
    def one(form: dict[str, str]) -> None:
        for path in ("/webhooks/twilio", "/webhooks/twilio/status"):
            status, body, _ = harness.request("POST", path, data=form, headers={
                "X-Twilio-Signature": twilio_signature(path, form)})
            assert status in (200, 400), (status, body)
            harness.check(status, body)
    fuzz(examples, twilio_forms(), one)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_unsigned_or_badly_signed_twilio_requests_store_nothing(
        harness: Harness, examples: int) -> None:
    before = harness.messages()

    def one(example: tuple[bytes, str | None, str]) -> None:
        raw, signature, content_type = example
        headers = {"Content-Type": content_type}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        for path in ("/webhooks/twilio", "/webhooks/twilio/status?m=1"):
            status, body, _ = harness.request("POST", path, data=raw, headers=headers)
            assert status in (400, 403, 413, 415), (status, body)
        assert harness.messages() == before
    fuzz(examples, st.tuples(st.binary(max_size=2000),
                             st.one_of(st.none(), st.text(st.characters(
                                 min_codepoint=32, max_codepoint=126), max_size=40),
                                       st.just(twilio_signature("/webhooks/twilio", {}))),
                             st.sampled_from(["application/x-www-form-urlencoded",
                                              "application/json", "text/plain",
                                              "multipart/form-data; boundary=x"])), one)


@pytest.mark.parametrize("harness", BACKENDS, indirect=True)
@pytest.mark.parametrize("examples", EXAMPLES)
def test_telegram_updates_of_any_shape_never_fail_the_server(
        harness: Harness, examples: int) -> None:
    def one(update: Any) -> None:
        status, body, _ = harness.request("POST", "/webhooks/telegram", data=json.dumps(update),
                                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                                   "Content-Type": "application/json"})
        assert status in (200, 400), (status, body)
        harness.check(status, body)
    fuzz(examples, telegram_updates(), one)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_telegram_requests_without_the_secret_store_nothing(harness: Harness,
                                                            examples: int) -> None:
    before = harness.messages()

    def one(example: tuple[Any, str | None]) -> None:
        update, secret = example
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        status, _, _ = harness.request("POST", "/webhooks/telegram", data=json.dumps(update),
                                       headers=headers)
        assert status == 403
        assert harness.messages() == before
    fuzz(examples, st.tuples(telegram_updates(), st.one_of(
        st.none(), st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
        .filter(lambda s: s != SECRET))), one)


PAYMENT_FIELDS = st.fixed_dictionaries({}, optional={
    "reference": TEXT, "amount": st.one_of(TEXT, st.integers(), st.floats()),
    "currency": st.one_of(st.sampled_from(["COP", "CLP", "USD", "XXX", ""]), TEXT),
    "paid_at": st.one_of(st.just("2026-11-24T09:00:00-05:00"), TEXT),
    "invoice_id": st.one_of(st.sampled_from(["F-1001", "F-2002"]), TEXT),
    "debtor_id": st.one_of(st.sampled_from(["CO-001", "CL-002"]), TEXT)})


@pytest.mark.parametrize("harness", BACKENDS, indirect=True)
@pytest.mark.parametrize("examples", EXAMPLES)
def test_signed_payment_notices_of_any_shape_never_fail_the_server(
        harness: Harness, examples: int) -> None:
    def one(example: Any) -> None:
        raw = json.dumps(example).encode()
        status, body, _ = harness.request("POST", "/webhooks/payments", data=raw, headers={
            "X-Recobro-Signature": sign(PAYMENTS_SECRET, raw),
            "Content-Type": "application/json"})
        assert status in (200, 400), (status, body)
        harness.check(status, body)
        forged, _, _ = harness.request("POST", "/webhooks/payments", data=raw, headers={
            "X-Recobro-Signature": sign("not the secret", raw)})
        assert forged == 403
    fuzz(examples, st.one_of(PAYMENT_FIELDS, JSON), one)


# -- the sandbox API and the admin forms ----------------------------------------------

FIELDS = ["csrf_token", "confirm", "action", "arg", "nonce", "text", "version", "comment",
          "telegram_user_id", "name", "role", "disabled", "username", "password", "next",
          "currency", "balance", "days"] + [f.name for _, group in GROUPS for f in group]
PATH_VALUES = st.one_of(st.sampled_from(["CO-001", "CL-002", "default", "pymes", "1", "0",
                                         "99999999999999999999999", "aging"]),
                        st.text(st.characters(min_codepoint=48, max_codepoint=122),
                                min_size=1, max_size=30))


def admin_forms(token: str) -> st.SearchStrategy[dict[str, str]]:
    values = st.one_of(FORM_TEXT, st.sampled_from(
        ["take", "reject", "approve", "paid", "snooze", "release", "note", "1", "CO-001",
         "admin", "staff", "on", "plan 8", "weekly", "12", "-3", "99999999999999999999"]))
    return st.dictionaries(st.one_of(st.sampled_from(FIELDS), FORM_TEXT), values,
                           max_size=12).map(lambda d: d | {"csrf_token": token})


def _concrete(template: str, value: str) -> str:
    import re
    return re.sub(r"(/admin/(?:debtors|policies|staff/cases|staff/media))/[^/]+",
                  lambda m: f"{m.group(1)}/{value}", template)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_every_admin_form_with_any_fields_never_fails_the_server(
        harness: Harness, examples: int) -> None:
    harness.csrf = harness.run(log_in(harness.client))
    posts = [p for m, p in routes(harness.client.app) if m == "POST" and not is_public(p)
             and p != "/admin/logout" and not p.startswith("/sandbox")]
    assert len(posts) >= 6, posts

    def one(example: tuple[str, str, dict[str, str]]) -> None:
        template, value, form = example
        status, body, _ = harness.request("POST", _concrete(template, value), data=form)
        harness.check(status, body)
    fuzz(examples * 4, st.tuples(st.sampled_from(posts), PATH_VALUES,
                                 admin_forms(harness.csrf)), one)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_every_admin_page_with_any_query_never_fails_the_server(
        harness: Harness, examples: int) -> None:
    harness.run(log_in(harness.client))
    gets = [p for m, p in routes(harness.client.app) if m == "GET" and not is_public(p)
            and not p.endswith("/messages")]  # the long poll is fuzzed with the sandbox

    def one(example: tuple[str, str, dict[str, str]]) -> None:
        template, value, query = example
        status, body, _ = harness.request("GET", _concrete(template, value), params=query)
        harness.check(status, body)
    query = st.dictionaries(st.sampled_from(["q", "page", "saved", "unchanged", "notice",
                                             "failed", "erased", "currency", "balance",
                                             "days", "next"]),
                            st.one_of(FORM_TEXT, st.sampled_from(
                                ["99999999999999999999999", "-1", "0", "1e400", "NaN"])),
                            max_size=4)
    fuzz(examples * 2, st.tuples(st.sampled_from(gets), PATH_VALUES, query), one)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_the_login_form_with_any_fields_never_fails_and_never_sends_users_off_site(
        harness: Harness, examples: int) -> None:
    def one(form: dict[str, str]) -> None:
        status, body, headers = harness.request("POST", "/admin/login", data=form)
        harness.check(status, body)
        assert status in (303, 401, 429), status
        if status == 303:
            location = headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), location
    fuzz(examples, st.fixed_dictionaries({}, optional={
        "username": st.one_of(st.just("ines"), FORM_TEXT),
        "password": st.one_of(st.just("clave segura 1"), FORM_TEXT),
        "next": st.one_of(st.sampled_from(["//evil.example", "https://evil.example",
                                           "/\\evil.example", "/admin/staff", "javascript:x",
                                           "/admin?x=1", "\\\\evil"]), FORM_TEXT)}), one)


@pytest.mark.parametrize("harness", BACKENDS, indirect=True)
@pytest.mark.parametrize("examples", EXAMPLES)
def test_the_sandbox_api_with_any_body_never_fails_the_server(
        harness: Harness, examples: int) -> None:
    token = harness.run(log_in(harness.client))

    def one(example: tuple[str, Any, dict[str, str]]) -> None:
        debtor, body, query = example
        status, text, _ = harness.request(
            "POST", f"/sandbox/api/debtors/{debtor}/messages", data=json.dumps(body),
            headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
        harness.check(status, text)
        status, text, _ = harness.request("GET", f"/sandbox/api/debtors/{debtor}/messages",
                                          params=query)
        harness.check(status, text)
    bodies = st.one_of(st.fixed_dictionaries({"text": TEXT}, optional={
        "option": st.one_of(TEXT, st.sampled_from(["already_paid", "opt_out", "plan"]), JSON),
        "client_id": st.one_of(TEXT, JSON)}), JSON)
    queries = st.fixed_dictionaries({}, optional={
        "after": st.one_of(st.sampled_from(["99999999999999999999999", "-1", "x", "0"]),
                           st.integers().map(str)),
        "wait": st.sampled_from(["0", "-1", "abc", "nan", "-inf"])})
    fuzz(examples, st.tuples(st.sampled_from(["CO-001", "CL-002", "NOPE"]), bodies, queries),
         one)


# -- sizes ------------------------------------------------------------------------------

def test_ten_megabyte_bodies_are_refused_with_413_on_every_post(harness: Harness) -> None:
    """The web layer refuses them (client_max_size, the webhooks' own caps) before parsing."""
    token = harness.run(log_in(harness.client))
    huge = b"a=" + b"x" * (10 * 1024 * 1024)
    headers = {"X-CSRF-Token": token, "X-Twilio-Signature": "x",
               "X-Telegram-Bot-Api-Secret-Token": SECRET,
               "Content-Type": "application/x-www-form-urlencoded"}
    before = harness.messages()
    posts = [p for m, p in routes(harness.client.app) if m == "POST"]
    for path in posts:
        path = _concrete(path, "CO-001" if "debtors" in path else "1")
        status, body, _ = harness.request("POST", path, data=huge, headers=headers)
        assert status == 413, (path, status, body[:200])
    assert harness.messages() == before

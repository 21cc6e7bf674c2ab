"""A debtor's data: the JSON export holds everything; erasure keeps exactly what the contact
rules' retention requires (per preset), in one transaction; only admins, with CSRF."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import col, select

from bot.admin.auth import create_user
from bot.app import create_app
from bot.clock import FixedClock
from bot.compliance.policy import Retention
from bot.erasure import Keep, MessageFacts, erase, erased_id, retention_plan
from bot.portfolio import import_portfolio, parse_portfolio
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import (
    Agreement,
    Conversation,
    Debtor,
    Escalation,
    Invoice,
    Message,
    Outbox,
    Payment,
    Timer,
)
from storage.models import Event as EventRow
from tests.conftest import at
from tests.helpers import ROOT, debtor, load_examples, say, set_policy, tick

NOW = at("2026-11-24T10:00:00-05:00")


def test_the_plan_keeps_sent_contacts_inside_the_contact_log_and_nothing_else() -> None:
    def m(i: int, direction: str, status: str, days: int) -> MessageFacts:
        return MessageFacts(i, direction, status, NOW - timedelta(days=days))

    messages = [m(1, "out", "delivered", 10), m(2, "in", "processed", 10),
                m(3, "out", "cancelled", 10), m(4, "out", "held", 10), m(5, "out", "failed", 10),
                m(6, "out", "read", 730), m(7, "out", "read", 731)]
    chile = retention_plan(messages, Retention(contact_log_days=730, conversation_days=0), NOW)
    assert chile == {1: Keep.CONTACT, 2: Keep.DELETE, 3: Keep.DELETE, 4: Keep.DELETE,
                     5: Keep.CONTACT, 6: Keep.CONTACT, 7: Keep.DELETE}
    none = retention_plan(messages, Retention(contact_log_days=0, conversation_days=0), NOW)
    assert set(none.values()) == {Keep.DELETE}
    talk = retention_plan(messages, Retention(contact_log_days=730, conversation_days=30), NOW)
    assert talk[2] is Keep.WHOLE and talk[3] is Keep.WHOLE and talk[6] is Keep.CONTACT


async def _history(svc: Services, external_id: str, ages: list[int]) -> dict[int, int]:
    """Sent reminders `ages` days old, plus a reply and a cancelled message; {age: id}."""
    d = await debtor(svc, external_id)
    ids = {}
    async with svc.db.transaction() as session:
        for age in ages:
            when = NOW - timedelta(days=age)
            row = Message(debtor_id=d.id, direction="out", channel=d.channel,
                          provider_id=f"SM{external_id}{age}", address=d.phone,
                          kind="reminder_overdue", text=f"Hola {d.name}, debes...",
                          payload={"locale": d.locale}, status="delivered", created_at=when,
                          sent_at=when, delivered_at=when)
            session.add(row)
            await session.flush()
            assert row.id is not None
            ids[age] = row.id
        session.add(Message(debtor_id=d.id, direction="in", channel=d.channel,
                            provider_id=f"in-{external_id}", address=d.phone, text="no tengo",
                            status="processed", created_at=NOW - timedelta(days=1)))
        session.add(Message(debtor_id=d.id, direction="out", channel=d.channel,
                            kind="reminder_overdue", text="never sent", status="cancelled",
                            created_at=NOW - timedelta(days=1)))
        session.add(EventRow(at=NOW, debtor_id=d.id, actor="gate",
                             kind="compliance.allowed", data={"rule": "ok"}))
    return ids


async def _erase(svc: Services, external_id: str) -> None:
    async with svc.db.transaction() as session:
        row = (await session.exec(select(Debtor).where(
            Debtor.external_id == external_id))).one()
        await erase(session, row, actor="admin:ines", now=svc.clock.now())


async def _left(svc: Services, debtor_id: int) -> dict[str, list]:  # type: ignore[type-arg]
    async with svc.db.transaction() as session:
        def rows(model):  # type: ignore[no-untyped-def]
            return session.exec(select(model).where(model.debtor_id == debtor_id))
        return {"messages": list((await rows(Message)).all()),
                "events": list((await rows(EventRow)).all()),
                "outbox": list((await rows(Outbox)).all()),
                "timers": list((await rows(Timer)).all()),
                "invoices": list((await rows(Invoice)).all()),
                "debtor": [await session.get(Debtor, debtor_id)]}


@pytest.mark.parametrize(("external_id", "kept_ages", "gone_ages"), [
    ("CL-001", [3, 729], [731]),          # Chile keeps the contact log 2 years
    ("US-001", [3, 729, 1090], [1100]),   # the US preset keeps it 3 years
    ("CO-001", [], [3, 729]),             # Colombia's preset keeps nothing
])
async def test_erasure_keeps_exactly_the_contact_log_the_preset_requires(
        services: Services, external_id: str, kept_ages: list[int],
        gone_ages: list[int]) -> None:
    await load_examples(services)
    await tick(services)  # today's reminder: sent, or queued for later by the contact rules
    d = await debtor(services, external_id)
    assert d.id is not None
    today = (await _left(services, d.id))["messages"]
    sent_today = [m.id for m in today if m.status not in ("queued", "cancelled", "held")]
    ids = await _history(services, external_id, kept_ages + gone_ages)
    await _erase(services, external_id)
    left = await _left(services, d.id)
    kept = sent_today if kept_ages else []
    assert sorted(m.id for m in left["messages"]) == sorted(kept + [ids[a] for a in kept_ages])
    for m in left["messages"]:
        # When, channel, kind and outcome; no text, address, provider id or payload.
        assert (m.text, m.address, m.provider_id, m.payload) == ("", None, None, {})
        assert m.direction == "out" and m.channel == d.channel
        assert m.kind in ("reminder_overdue", "identity_check") and m.sent_at is not None
    assert [e.kind for e in left["events"]] == ["debtor.erased"]
    audit = left["events"][0]
    assert audit.actor == "admin:ines"
    assert audit.data["kept_contacts"] == len(kept) + len(kept_ages)
    assert d.name not in json.dumps(audit.data, ensure_ascii=False)
    assert left["outbox"] == [] and left["timers"] == []
    erased = left["debtor"][0]
    assert erased.erased_at == NOW
    assert erased.external_id == erased_id(external_id)
    assert (erased.name, erased.phone, erased.email, erased.document_last4,
            erased.telegram_chat_id, erased.consents) == ("(erased)", None, None, None, None, {})
    assert all(i.status in ("paid", "cancelled") and i.external_id.startswith("erased:")
               for i in left["invoices"])


async def test_a_segment_that_keeps_conversations_keeps_recent_texts_whole(
        services: Services) -> None:
    await load_examples(services)
    await set_policy(services, {"compliance": {"retention": {"conversation_days": 30}}})
    ids = await _history(services, "CO-001", [3, 60])
    d = await debtor(services, "CO-001")
    assert d.id is not None
    await _erase(services, "CO-001")
    left = {m.id: m for m in (await _left(services, d.id))["messages"]}
    assert left[ids[3]].text.startswith("Hola Ana") and ids[60] not in left
    assert {m.text for m in left.values()} >= {"no tengo", "never sent"}


async def test_erasure_is_all_or_nothing(services: Services) -> None:
    await load_examples(services)
    await _history(services, "CL-001", [3])
    d = await debtor(services, "CL-001")
    assert d.id is not None
    before = await _left(services, d.id)
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as session:
            row = await session.get(Debtor, d.id)
            assert row is not None
            await erase(session, row, actor="admin:ines", now=NOW)
            raise RuntimeError("the server died mid-erasure")
    after = await _left(services, d.id)
    assert [m.text for m in after["messages"]] == [m.text for m in before["messages"]]
    assert after["debtor"][0].name == "Camila Fuentes" and after["debtor"][0].erased_at is None


async def test_an_erased_debtor_gets_no_more_messages_and_a_reimport_does_not_bring_them_back(
        services: Services) -> None:
    await load_examples(services)
    await _erase(services, "CO-001")
    # Reminders fall due for everyone else; nothing is written to the erased debtor.
    services.clock.set(NOW + timedelta(days=3))  # type: ignore[attr-defined]
    await tick(services)
    async with services.db.transaction() as session:
        erased = (await session.exec(select(Debtor).where(
            col(Debtor.erased_at).is_not(None)))).one()
        assert (await session.exec(select(Message).where(
            Message.debtor_id == erased.id))).all() == []
        text = (ROOT / "examples" / "portfolio.csv").read_text(encoding="utf-8")
        report = await import_portfolio(session, parse_portfolio(text), source="again.csv",
                                        content=text.encode(), now=NOW)
        assert [str(e) for e in report.errors] == [
            "line 2: debtor CO-001 was erased on 2026-11-24; remove their rows from the file"]
        assert (await session.exec(select(Debtor).where(
            Debtor.external_id == "CO-001"))).first() is None


# Over HTTP: who may export and erase ----------------------------------------------------


@pytest.fixture
async def web_svc(sqlite_url: str, clock: FixedClock) -> AsyncIterator[Services]:
    settings = Settings(database_url=sqlite_url, creditor_name="Almacenes Prisma",
                        _env_file=None)  # type: ignore[call-arg]
    svc = build_services(settings, clock=clock)
    await load_examples(svc)
    async with svc.db.transaction() as session:
        await create_user(session, "ines", "clave segura 1", "admin", clock.now())
        await create_user(session, "vera", "clave segura 2", "viewer", clock.now())
    yield svc
    await svc.close()


@pytest.fixture
async def client(web_svc: Services) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(web_svc, background=False), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def _login(client: TestClient, user: str, password: str) -> str:
    await client.post("/admin/login", data={"username": user, "password": password})
    page = await (await client.get("/admin/debtors/CL-002")).text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


async def test_the_export_holds_every_record_about_the_debtor(
        client: TestClient, web_svc: Services) -> None:
    await tick(web_svc)
    await say(web_svc, "CO-001", "no tengo plata, perdí el trabajo")
    await say(web_svc, "CO-001", "sí")
    async with web_svc.db.transaction() as session:
        ana = (await session.exec(select(Debtor).where(Debtor.external_id == "CO-001"))).one()
        session.add(Payment(reference="BANK-77", debtor_id=ana.id, currency="COP",
                            amount_minor=400_000_00, paid_at=NOW, source="import",
                            created_at=NOW))
        session.add(Escalation(debtor_id=ana.id, reason="dispute", deadline=NOW,
                               created_at=NOW, data={"note": "dice que ya pagó"}))
    await _login(client, "ines", "clave segura 1")
    response = await client.get("/admin/debtors/CO-001/export.json")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    doc = json.loads(await response.text())
    assert doc["debtor"]["name"] == "Ana María Rojas"
    assert (doc["debtor"]["phone"], doc["debtor"]["email"], doc["debtor"]["document_last4"]) == (
        "+573001234567", "ana.rojas@example.com", "4821")
    assert [i["external_id"] for i in doc["invoices"]] == ["F-1001"]
    assert doc["invoices"][0]["amount_minor"] == 1_200_000_00
    texts = [m["text"] for m in doc["messages"]]
    assert "no tengo plata, perdí el trabajo" in texts and len(texts) >= 4
    assert [a["kind"] for a in doc["agreements"]] == ["plan"]
    assert len(doc["agreements"][0]["installments"]) == 3
    assert doc["payments"][0]["reference"] == "BANK-77"
    assert doc["escalations"][0]["data"] == {"note": "dice que ya pagó"}
    kinds = {e["kind"] for e in doc["events"]}
    assert {"note.reason", "agreement.created"} <= kinds
    assert any(k.startswith("compliance.") for k in kinds)
    assert doc["conversation"]["state"]
    # The export itself is recorded.
    async with web_svc.db.transaction() as session:
        audit = (await session.exec(select(EventRow).where(
            EventRow.kind == "debtor.exported"))).one()
        assert audit.actor == "admin:ines"


async def test_viewers_cannot_export_or_erase(client: TestClient) -> None:
    token = await _login(client, "vera", "clave segura 2")
    page = await (await client.get("/admin/debtors/CL-002")).text()
    assert "export.json" not in page and "Erase this debtor" not in page
    assert (await client.get("/admin/debtors/CL-002/export.json")).status == 403
    refused = await client.post("/admin/debtors/CL-002/erase",
                                data={"csrf_token": token, "confirm": "CL-002"})
    assert refused.status == 403


async def test_erasure_needs_the_csrf_token_and_the_typed_id(
        client: TestClient, web_svc: Services) -> None:
    token = await _login(client, "ines", "clave segura 1")
    page = await (await client.get("/admin/debtors/CL-002")).text()
    assert "Erase this debtor" in page and "keep the contact log 730 days" in page
    no_csrf = await client.post("/admin/debtors/CL-002/erase", data={"confirm": "CL-002"})
    assert no_csrf.status == 403
    wrong = await client.post("/admin/debtors/CL-002/erase",
                              data={"csrf_token": token, "confirm": "CL-001"})
    assert wrong.status == 400
    async with web_svc.db.transaction() as session:
        assert (await session.exec(select(Debtor).where(
            Debtor.external_id == "CL-002"))).one().erased_at is None
    done = await client.post("/admin/debtors/CL-002/erase",
                             data={"csrf_token": token, "confirm": "CL-002"},
                             allow_redirects=False)
    assert done.status == 303
    target = done.headers["Location"]
    assert target.startswith(f"/admin/debtors/{erased_id('CL-002')}")
    shown = await (await client.get(target)).text()
    assert "Erased on 2026-11-24" in shown and "Matías" not in shown
    again = await client.post(f"/admin/debtors/{erased_id('CL-002')}/erase",
                              data={"csrf_token": token, "confirm": erased_id("CL-002")})
    assert again.status == 409
    async with web_svc.db.transaction() as session:
        erased = (await session.exec(select(Debtor).where(
            Debtor.external_id == erased_id("CL-002")))).one()
        conv = (await session.exec(select(Conversation).where(
            Conversation.debtor_id == erased.id))).one()
        assert conv.data == {}
        assert (await session.exec(select(Agreement).where(
            Agreement.debtor_id == erased.id, Agreement.status == "active"))).all() == []

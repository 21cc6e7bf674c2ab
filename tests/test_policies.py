"""Segment policies: TOML in and out, versions, the audit, and the admin pages over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import col, select

from bot.admin.auth import create_user
from bot.app import create_app
from bot.clock import FixedClock
from bot.policies import policies_for, rollback, save
from bot.policy_doc import PolicyError, SegmentPolicy, dump_document, load_document
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import Event, Policy
from tests.helpers import ROOT

EXAMPLE = (ROOT / "examples" / "policy.toml").read_text(encoding="utf-8")


def test_the_example_policy_round_trips_through_toml() -> None:
    segments = load_document(EXAMPLE)
    assert load_document(dump_document(segments)) == segments
    assert segments["small_business"].limits.max_installments == 6
    # what a segment leaves out comes from default
    assert segments["small_business"].limits.max_plan_days == 365
    assert segments["small_business"].escalation.hardship == ("illness",)


def test_which_hardship_goes_to_a_person_is_set_per_segment_and_checked() -> None:
    lenient = EXAMPLE + '\n[segments.lenient.escalation]\nhardship = ["illness", "job_loss"]\n'
    assert load_document(lenient)["lenient"].escalation.hardship == ("illness", "job_loss")
    with pytest.raises(PolicyError) as caught:
        load_document(EXAMPLE + '\n[segments.default.escalation]\nhardship = ["flu"]\n')
    assert caught.value.errors == {"segments.default.escalation.hardship": (
        "The hardship reasons must be a list of no_money, job_loss, illness, business_slow.")}


@pytest.mark.parametrize(("toml", "field", "words"), [
    ('max_installments = 0', "segments.default.max_installments", "at least 1"),
    ('min_down_payment_percent = "150"', "segments.default.min_down_payment_percent",
     "more than 100%"),
    ('min_installment = "-5"', "segments.default.min_installment", ""),
    ('[segments.default.cadence]\nsend_time = "9am"', "segments.default.cadence.send_time",
     "like \"09:00\""),
    ('[segments.default.channels]\norder = ["fax"]', "segments.default.channels.order",
     "whatsapp, sms, telegram"),
    ('[segments.default.compliance]\ncaps = { per_local_day = -1 }',
     "segments.default.compliance.caps.per_local_day", "0 or more"),
])
def test_a_bad_value_is_refused_with_its_field_and_a_plain_sentence(toml: str, field: str,
                                                                      words: str) -> None:
    text = EXAMPLE.replace("[segments.small_business]", "") if "[" in toml else EXAMPLE
    base = EXAMPLE.split("[segments.small_business]")[0]
    if toml.startswith("["):
        text = base + toml + "\n"
    else:
        key = toml.split(" =")[0]
        text = "\n".join(line for line in base.splitlines()
                         if not line.startswith(key + " ")) + "\n"
        text = text.replace("[segments.default]\n", "[segments.default]\n" + toml + "\n", 1)
    with pytest.raises(PolicyError) as caught:
        load_document(text)
    assert field in caught.value.errors, caught.value.errors
    assert words in caught.value.errors[field]


async def test_a_save_writes_a_version_only_when_something_changed_and_audits_it(
        services: Services) -> None:
    segments = load_document(EXAMPLE)
    now = services.clock.now()
    async with services.db.transaction() as session:
        first = await save(session, "default", segments["default"], actor="admin:ines", now=now)
        again = await save(session, "default", segments["default"], actor="admin:ines", now=now)
    assert (first.version, again.version) == (1, None)
    tighter = load_document(EXAMPLE.replace("max_installments = 12", "max_installments = 6"))
    async with services.db.transaction() as session:
        second = await save(session, "default", tighter["default"], actor="admin:ines", now=now,
                            comment="tighter plans")
        views = await policies_for(session, ["default", "unknown_segment"])
        events = (await session.exec(select(Event).where(Event.kind == "policy.changed")
                                     .order_by(col(Event.id)))).all()
    assert second.version == 2
    assert views["default"].limits.max_installments == 6
    assert views["unknown_segment"].version == 2  # a segment without its own runs on default
    assert events[-1].actor == "admin:ines"
    assert events[-1].data["changes"] == [{"field": "limits.max_installments", "before": 12,
                                           "after": 6}]
    async with services.db.transaction() as session:
        back = await rollback(session, "default", 1, actor="admin:ines", now=now)
        views = await policies_for(session, ["default"])
    assert back.version == 3 and views["default"].limits.max_installments == 12


def test_policy_load_and_dump_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "RECOBRO_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], text=True, env=env,
                              capture_output=True, cwd=ROOT, timeout=60)

    run("db", "upgrade")
    loaded = run("policy", "load", str(ROOT / "examples" / "policy.toml"))
    assert "segment default: version 1" in loaded.stdout
    assert "unchanged (version 1)" in run("policy", "load",
                                          str(ROOT / "examples" / "policy.toml")).stdout
    dumped = run("policy", "dump").stdout
    assert load_document(dumped) == load_document(EXAMPLE)
    bad = tmp_path / "bad.toml"
    bad.write_text('[segments.default]\nmax_installments = 0\n')
    refused = run("policy", "load", str(bad))
    assert refused.returncode == 2
    assert "segments.default.max_installments: The maximum number of instalments must be at " \
           "least 1." in refused.stderr


@pytest.fixture
async def admin(sqlite_url: str, clock: FixedClock) -> AsyncIterator[tuple[TestClient, Services]]:
    svc = build_services(Settings(database_url=sqlite_url, _env_file=None), clock=clock)  # type: ignore[call-arg]
    async with svc.db.transaction() as session:
        await create_user(session, "ines", "clave segura 1", "admin", clock.now())
        await create_user(session, "vera", "clave segura 2", "viewer", clock.now())
        await save(session, "default", SegmentPolicy(), actor="test", now=clock.now())
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    yield client, svc
    await client.close()
    await svc.close()


async def _login(client: TestClient, user: str = "ines", password: str = "clave segura 1") -> str:
    await client.post("/admin/login", data={"username": user, "password": password})
    page = await (await client.get("/admin/policies/default")).text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def _form(**changes: str) -> dict[str, str]:
    from bot.admin.policy_form import form_values

    values = form_values(SegmentPolicy())
    form = {k: v for k, v in values.items() if isinstance(v, str)}
    form["plan_frequencies"] = "monthly"
    form.update(changes)
    return form


async def test_an_admin_changes_a_limit_and_the_preview_and_audit_follow(admin) -> None:  # type: ignore[no-untyped-def]
    client, _ = admin
    token = await _login(client)
    before = await (await client.get("/admin/policies/default")).text()
    assert "12 payments of" in before
    saved = await client.post("/admin/policies/default", allow_redirects=False,
                              data=_form(max_installments="6", csrf_token=token,
                                         comment="tighter plans"))
    assert saved.status == 303 and saved.headers["Location"].endswith("saved=2")
    after = await (await client.get("/admin/policies/default")).text()
    assert "6 payments of" in after and "12 payments of" not in after
    audit = await (await client.get("/admin/audit")).text()
    assert "admin:ines" in audit and "tighter plans" in audit and "limits.max_installments" in audit


async def test_an_invalid_value_is_refused_with_the_message_next_to_the_field(admin) -> None:  # type: ignore[no-untyped-def]
    client, svc = admin
    token = await _login(client)
    response = await client.post("/admin/policies/default",
                                 data=_form(min_down_payment_percent="150", csrf_token=token))
    assert response.status == 400
    page = await response.text()
    assert 'id="error-min_down_payment_percent"' in page
    assert "cannot be more than 100%" in page
    async with svc.db.transaction() as session:
        assert len((await session.exec(select(Policy))).all()) == 1  # nothing saved


async def test_viewers_see_the_limits_but_cannot_change_them(admin) -> None:  # type: ignore[no-untyped-def]
    client, _ = admin
    token = await _login(client, "vera", "clave segura 2")
    assert (await client.get("/admin/policies/default")).status == 200
    refused = await client.post("/admin/policies/default", data=_form(csrf_token=token))
    assert refused.status == 403


async def test_a_change_without_the_csrf_token_is_refused(admin) -> None:  # type: ignore[no-untyped-def]
    client, _ = admin
    await _login(client)
    refused = await client.post("/admin/policies/default", data=_form(max_installments="6"))
    assert refused.status == 403

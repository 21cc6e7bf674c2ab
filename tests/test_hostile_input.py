"""Hostile texts through the channels, the understanding and the flows, and hostile names
through every page that shows them: NUL bytes (PostgreSQL refuses them), lone surrogates,
right-to-left overrides, zalgo, huge texts, and HTML, SQL and spreadsheet formulas in names."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from bot.admin.dashboard_views import table_csv
from bot.clock import FixedClock
from bot.dashboard import Table
from bot.domain import storable
from bot.understanding import understand
from storage.models import Debtor, Message
from tests.channels_helpers import (
    inbound_form,
    post_telegram,
    post_twilio,
    sid,
    text_update,
)
from tests.fakes.providers import FakeProviders
from tests.helpers import load, portfolio, row
from tests.security_helpers import STAFF_CHAT, log_in, whole_app

TODAY = date(2026, 11, 24)
SCRIPT = "<script>alert(1)</script>"
BOBBY = "Robert'); DROP TABLE debtors;--"
HOSTILE = ["a\x00b", "\ud800 lone", "\u202eevil\u202c \u200f", "Z̷̢̛̛͓̲̰a̸̡̛͎l̶̢g̷o̶",
           "💸🙏🏽👨‍👩‍👧", SCRIPT, BOBBY, "\x07\x1b[31m\r\n\t", "=cmd|' /C calc'!A0"]


def test_storable_text_drops_nul_joins_pairs_and_replaces_lone_surrogates() -> None:
    assert storable("a\x00b") == "ab"
    assert storable("\ud83d\ude00") == "😀"
    assert storable("x\ud800y") == "x\ufffdy"
    assert storable("\u202eevil") == "\u202eevil"  # visible to staff as written


async def test_hostile_texts_from_debtors_are_stored_and_answered_on_every_backend(
        database_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    """Twilio and Telegram both: a 200, the text kept (NUL dropped), a reply sent, no 5xx that
    would make the provider deliver it again forever."""
    async with whole_app(database_url, clock, fake, tmp_path) as (client, svc):
        for n, text in enumerate(HOSTILE, start=1):
            # A form cannot carry a lone surrogate (Telegram's JSON can): Twilio gets U+FFFD.
            form_text = text.encode("utf-8", "replace").decode()
            twilio = await post_twilio(client, "/webhooks/twilio",
                                       inbound_form(sid(n), "whatsapp:+573001234567", form_text))
            assert twilio.status == 200, text
            telegram = await post_telegram(client, text_update(n, 555000111, text, n))
            assert telegram.status == 200, text
        async with svc.db.transaction() as session:
            stored = (await session.exec(select(Message).where(
                Message.direction == "in"))).all()
        assert len(stored) == 2 * len(HOSTILE)
        assert {m.status for m in stored} <= {"processed", "ignored"}, {m.status for m in stored}
        assert all("\x00" not in m.text for m in stored)
        assert "ab" in {m.text for m in stored}


def test_the_understanding_reads_a_huge_adversarial_text_correctly() -> None:
    """No catastrophic backtracking: 100,000 characters made to trip amount, date and
    keyword patterns still come back with the meaning in them (speed is in bench/)."""
    traps = ("1." * 20_000 + "x", "9" * 50_000 + ",", "el " * 30_000,
             "pago el 15 de " + "diciembre " * 9_000, "a" * 100_000)
    for trap in traps:
        understand(trap[:100_000], "es-CO", TODAY)
    filler = " ".join(["bueno"] * 16_000)
    meaning = understand(f"{filler} puedo pagar 300.000 el viernes", "es-CO", TODAY)
    assert meaning.amount == Decimal("300000")


async def test_names_with_html_and_sql_are_escaped_on_every_admin_page(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, svc):
        await load(svc, portfolio(
            row("XSS-1", name=SCRIPT.replace(",", " "), phone="+573009990001",
                invoice_id="X-1", segment="default"),
            row("SQL-1", name=BOBBY, phone="+573009990002", invoice_id="X-2")))
        # The debtor writes HTML too, and asks for a person: a case with the name on it.
        await post_twilio(client, "/webhooks/twilio", inbound_form(
            sid(77), "whatsapp:+573009990001", f"{SCRIPT} quiero hablar con una persona"))
        await svc.dispatcher.run_once()
        await log_in(client)
        async with svc.db.transaction() as session:
            names = [d.name for d in (await session.exec(select(Debtor))).all()]
        assert SCRIPT in names and BOBBY in names  # stored as written: parameters, not SQL
        pages = ["/admin", "/admin?q=XSS", "/admin/debtors/XSS-1", "/admin/debtors/SQL-1",
                 "/admin/staff", "/admin/dashboard", "/admin/audit", "/admin/policies"]
        cases = await (await client.get("/admin/staff")).text()
        pages += sorted({f"/admin/staff/cases/{p.split('/admin/staff/cases/')[1].split(chr(34))[0]}"
                         for p in cases.split("href=")[1:] if "/admin/staff/cases/" in p})
        for page in pages:
            html = await (await client.get(page)).text()
            assert "<script>alert" not in html, page
        debtor_page = await (await client.get("/admin/debtors/XSS-1")).text()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in debtor_page
        sandbox = await client.get("/sandbox/api/debtors")
        assert sandbox.content_type == "application/json"  # never rendered as HTML


def test_csv_exports_never_start_a_cell_with_a_formula() -> None:
    table = Table("reasons", "Reasons", ("label", "answers", "delta"),
                  (("=cmd|' /C calc'!A0", 3, -2), ("+1+1", 1, "-5"), ("@SUM(A1)", 0, "x"),
                   ("\tleading tab", 1, 0), ("ok", 2, 1)))
    rows = list(csv.reader(io.StringIO(table_csv(table))))
    cells = [c for r in rows[1:] for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "3", "-2"]  # numbers stay numbers
    assert rows[2][2] == "-5"


async def test_staff_cards_are_plain_text_so_a_name_cannot_format_or_link(
        sqlite_url: str, clock: FixedClock, fake: FakeProviders, tmp_path: Path) -> None:
    async with whole_app(sqlite_url, clock, fake, tmp_path) as (client, svc):
        await load(svc, portfolio(row("XSS-1", name="<a href='tg://x'>Ana</a> *bold*",
                                      phone="+573009990001", invoice_id="X-1")))
        await post_twilio(client, "/webhooks/twilio", inbound_form(
            sid(5), "whatsapp:+573009990001", "Hay un error", ButtonPayload="dispute"))
        await svc.dispatcher.run_once()
        assert svc.staff_bot is not None
        await svc.staff_bot.run_once()
        posts = [c for c in fake.telegram_calls("sendMessage")
                 if str(c["chat_id"]) == str(STAFF_CHAT)]
        cards = [p for p in posts if "<a href='tg://x'>Ana</a>" in p.get("text", "")]
        assert cards, posts
        assert all(p.get("parse_mode") in (None, "") for p in cards)

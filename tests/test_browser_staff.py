"""The staff page in a real headless browser, as in the demo (no Telegram): a case appears,
a person takes the conversation over, writes to the debtor, and hands it back to the bot."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.browser import (
    ADMIN,
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    need_chromium,
    recobro_server,
)

pytestmark = pytest.mark.browser


def _debtor_writes(base: str, text: str) -> None:
    request = urllib.request.Request(
        f"{base}/sandbox/api/debtors/CO-001/messages", method="POST",
        data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["status"] == "processed"


def _debtor_reads(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/sandbox/api/debtors/CO-001/messages",
                                timeout=10) as response:
        return [m["text"] for m in json.load(response)["messages"] if m["direction"] == "out"]


def test_a_case_appears_staff_take_over_write_to_the_debtor_and_return_to_the_bot(
        tmp_path: Path) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    env = {"RECOBRO_NOW": "2026-11-24T10:00:00-05:00", "RECOBRO_SCHEDULER": "false",
           "RECOBRO_SANDBOX": "open", "RECOBRO_CREDITOR_NAME": "Almacenes Prisma",
           "RECOBRO_MEDIA_DIR": str(tmp_path / "media")}
    with recobro_server(tmp_path, env) as base, sync_playwright() as p:
        _debtor_writes(base, "quiero hablar con una persona")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/admin/login?next=/admin/staff")
            page.fill("input[name=username]", ADMIN[0])
            page.fill("input[name=password]", ADMIN[1])
            page.click("button[type=submit]")
            row = page.locator("#cases tbody tr", has_text="Ana María Rojas")
            expect(row).to_contain_text("Asked for a person")
            row.get_by_role("link").click()
            expect(page.locator("h1")).to_contain_text("Asked for a person")
            expect(page.locator("#card")).to_contain_text("$1.200.000")
            expect(page.locator("#composer input[name=text]")).to_be_disabled()

            page.get_by_role("button", name="Take over").click()
            expect(page.locator("#notice")).to_contain_text("You have the conversation with Ana")
            expect(page.locator("#status")).to_contain_text(f"Taken over by {ADMIN[0]}")

            # The debtor writes: the bot stays quiet, staff read it on the page.
            before = len(_debtor_reads(base))
            _debtor_writes(base, "¿me pueden llamar después de las 5?")
            assert len(_debtor_reads(base)) == before
            page.reload()
            expect(page.locator("#messages")).to_contain_text("después de las 5")

            page.fill("#composer input[name=text]", "Hola Ana, soy Inés. Te llamo a las 5:30.")
            page.click("#composer button")
            expect(page.locator("#notice")).to_contain_text("Sent on whatsapp")
            expect(page.locator("#messages li.staff")).to_contain_text("Te llamo a las 5:30")
            assert _debtor_reads(base)[-1] == "Hola Ana, soy Inés. Te llamo a las 5:30."
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "staff-takeover.png"), full_page=True)

            page.get_by_role("button", name="Return to bot").click()
            expect(page.locator("#notice")).to_contain_text("Returned to the bot")
            expect(page.locator("#status")).to_contain_text("Resolved: returned")
            page.goto(f"{base}/admin/staff")
            expect(page.locator("#cases")).to_contain_text("No open cases")
        finally:
            browser.close()

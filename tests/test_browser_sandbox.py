"""The /sandbox page in a real headless browser: Ana gets her reminder and an answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, need_chromium, recobro_server

pytestmark = pytest.mark.browser


def test_ana_chats_in_the_sandbox_page(tmp_path: Path) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    env = {"RECOBRO_SANDBOX": "open", "RECOBRO_NOW": "2026-11-24T10:00:00-05:00",
           "RECOBRO_CREDITOR_NAME": "Almacenes Prisma"}
    with recobro_server(tmp_path, env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="es-CO")
            page.goto(f"{base}/sandbox")
            page.select_option("#debtor", "CO-001")
            reminder = page.locator(".bubble.out").first
            expect(reminder).to_contain_text("$1.200.000", timeout=30_000)
            # Colombia's preset does not ask why: the reminder offers options instead.
            expect(reminder).to_contain_text("Elige la opción que mejor describa tu situación")
            expect(reminder.get_by_role("button", name="Ya pagué")).to_be_visible()
            page.fill("#text", "ya pagué")
            page.click("#send")
            expect(page.locator(".bubble.in")).to_have_text(re.compile("ya pagué"))
            answer = page.locator(".bubble.out").nth(1)
            expect(answer).to_contain_text("¡Gracias por avisarnos, Ana!", timeout=30_000)
            # A tap on a quick reply is a message too.
            reminder.get_by_role("button", name="Hablar con alguien").click()
            expect(page.locator(".bubble.out").nth(2)).to_contain_text("Una persona de nuestro")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "sandbox.png"), full_page=True)
        finally:
            browser.close()

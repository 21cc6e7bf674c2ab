"""The web admin in a real headless browser: an admin changes a limit and rolls it back."""

from __future__ import annotations

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


def test_an_admin_changes_a_limit_sees_the_preview_and_audit_and_rolls_back(
        tmp_path: Path) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    env = {"RECOBRO_NOW": "2026-11-24T10:00:00-05:00", "RECOBRO_SCHEDULER": "false"}
    with recobro_server(tmp_path, env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/admin/policies/default")
            expect(page).to_have_url(f"{base}/admin/login?next=/admin/policies/default")
            page.fill("input[name=username]", ADMIN[0])
            page.fill("input[name=password]", ADMIN[1])
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_contain_text("Segment default")
            preview = page.locator("#preview")
            expect(preview).to_contain_text("12 payments of")

            # An invalid value is refused, with the message next to its field.
            page.fill("#f-min_down_payment_percent", "150")
            page.click("text=Save as a new version")
            expect(page.locator("#error-min_down_payment_percent")).to_contain_text(
                "cannot be more than 100%")
            expect(page.locator("#f-min_down_payment_percent")).to_have_value("150")

            # A valid change: a new version, the preview follows.
            page.fill("#f-min_down_payment_percent", "10")
            page.fill("#f-max_installments", "6")
            page.fill("#f-comment", "tighter plans for the holidays")
            page.click("text=Save as a new version")
            expect(page.locator(".notice")).to_contain_text("Saved as version 1")
            expect(preview).to_contain_text("6 payments of")
            expect(preview).not_to_contain_text("12 payments of")

            page.click("text=Audit")
            row = page.locator("#audit tbody tr").first
            expect(row).to_contain_text("admin:ines")
            expect(row).to_contain_text("tighter plans for the holidays")
            expect(row).to_contain_text("limits.max_installments")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "admin-audit.png"), full_page=True)

            # Save again (version 2), then roll back to version 1.
            page.goto(f"{base}/admin/policies/default")
            page.fill("#f-max_installments", "3")
            page.click("text=Save as a new version")
            expect(page.locator(".notice")).to_contain_text("Saved as version 2")
            expect(preview).to_contain_text("3 payments of")
            page.locator("#versions tr", has_text="tighter plans").get_by_role(
                "button", name="Roll back to this").click()
            expect(page.locator(".notice")).to_contain_text("Saved as version 3")
            expect(preview).to_contain_text("6 payments of")
            expect(page.locator("#versions")).to_contain_text("rollback to version 1")
            page.screenshot(path=str(ARTIFACTS / "admin-limits.png"), full_page=True)
        finally:
            browser.close()

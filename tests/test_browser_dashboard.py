"""The dashboard in a real browser after a simulated month of the demo portfolio: its numbers
are those a direct SQL query gives; an admin exports and erases a debtor from their page."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.money import Money
from tests.browser import (
    ADMIN,
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Cli,
    need_chromium,
    recobro_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a month of ticks: about 3 minutes

START = date(2026, 11, 24)
DAYS = 30
END = "2026-12-24T12:00:00-05:00"  # 17:00 UTC, after that day's 10:00 Bogotá tick
END_UTC = datetime(2026, 12, 24, 17, 0)
# (day of the month, debtor, what they write)
REPLIES = [
    (1, "CO-001", "no tengo plata, perdí el trabajo\nsí\n"),
    (1, "MX-002", "me enfermé y no puedo pagar ahora\n"),
    (2, "BR-001", "vou pagar na sexta\n"),
    (2, "CL-002", "el negocio está muy malo, no puedo pagar todo\n"),
    (3, "US-001", "I lost my job, can I pay in installments?\n"),
    (4, "PE-001", "ya pagué\n"),
]
PAYMENTS = """invoice_id,amount,currency,paid_on,reference
F-4001,1850.00,PEN,2026-11-28,BANK-1
F-1003,400000,COP,2026-11-29,BANK-2
F-6002,4200.00,BRL,2026-12-01,BANK-3
F-1001,400000,COP,2026-12-02,BANK-4
"""


def _simulate_a_month(tmp_path: Path) -> None:
    """Daily ticks at 10:00 Bogotá for 30 days, scripted replies, and a payments file."""
    payments = tmp_path / "payments.csv"
    payments.write_text(PAYMENTS, encoding="utf-8")

    def prepare(cli: Cli) -> None:
        for day in range(DAYS + 1):
            today = START + timedelta(days=day)
            cli("tick", "--now", f"{today}T10:00:00-05:00")
            for when, debtor, text in REPLIES:
                if when == day:
                    cli("chat", "--debtor", debtor, "--now", f"{today}T11:00:00-05:00",
                        stdin=text)
            if day == 8:
                cli("payments", "import", str(payments), now=f"{today}T11:30:00-05:00")
    return prepare  # type: ignore[return-value]


def _expected(db: Path) -> dict[str, dict[tuple[str, ...], int]]:
    """The dashboard's numbers computed straight from the tables, without bot.dashboard."""
    c = sqlite3.connect(db)
    today = END_UTC.date().isoformat()
    out: dict[str, dict[tuple[str, ...], int]] = defaultdict(dict)
    for currency, bucket, minor in c.execute("""
            SELECT currency, CASE
                WHEN julianday(?) - julianday(due_on) <= 0 THEN 'current'
                WHEN julianday(?) - julianday(due_on) <= 30 THEN '1-30'
                WHEN julianday(?) - julianday(due_on) <= 60 THEN '31-60'
                WHEN julianday(?) - julianday(due_on) <= 90 THEN '61-90'
                ELSE '90+' END AS bucket, sum(open_minor)
            FROM invoice WHERE status IN ('open', 'disputed') AND open_minor > 0
            GROUP BY currency, bucket""", (today,) * 4):
        out["aging"][currency, bucket] = minor
    since = (END_UTC.date() - timedelta(days=90)).isoformat()
    for currency, minor in c.execute("""
            SELECT currency, sum(amount_minor) FROM invoice WHERE status != 'cancelled'
              AND coalesce(issued_on, due_on) > ? AND coalesce(issued_on, due_on) <= ?
            GROUP BY currency""", (since, today)):
        out["invoiced"][(currency,)] = minor
    for currency, minor in c.execute(
            "SELECT currency, sum(amount_minor) FROM payment WHERE status = 'applied' "
            "GROUP BY currency"):
        out["recovered"][(currency,)] = minor
    for kind, status, n in c.execute(
            "SELECT kind, status, count(*) FROM agreement GROUP BY kind, status"):
        out["agreements"][kind, status] = n
    for reason, n in c.execute(
            "SELECT coalesce(json_extract(data, '$.reason'), 'none'), count(*) FROM event "
            "WHERE kind = 'note.reason' GROUP BY 1"):
        out["reasons"][(reason,)] = n
    window = (END_UTC - timedelta(days=30)).isoformat(sep=" ")
    for channel, sent, delivered, replies in c.execute("""
            SELECT channel, sum(direction = 'out' AND sent_at IS NOT NULL),
                   sum(direction = 'out' AND status IN ('delivered', 'read')),
                   sum(direction = 'in')
            FROM message WHERE created_at >= ? AND debtor_id IS NOT NULL GROUP BY channel""",
                                                     (window,)):
        out["messages"][channel, "sent"] = sent
        out["messages"][channel, "delivered"] = delivered
        out["messages"][channel, "replies"] = replies
    for reason, n in c.execute(
            "SELECT reason, count(*) FROM escalation WHERE status != 'resolved' GROUP BY reason"):
        out["cases"][(reason,)] = n
    c.close()
    return out


def _minor(value: str, currency: str) -> int:
    return Money.of(Decimal(value), currency).minor


def test_the_dashboard_after_a_month_shows_what_the_database_holds(tmp_path: Path) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    env = {"RECOBRO_NOW": END, "RECOBRO_SCHEDULER": "false",
           "RECOBRO_CREDITOR_NAME": "Almacenes Prisma",
           "RECOBRO_CREDITOR_TAX_ID": "CNPJ 12.345.678/0001-90"}
    with recobro_server(tmp_path, env, _simulate_a_month(tmp_path)) as base, \
            sync_playwright() as p:
        expected = _expected(tmp_path / "r.db")
        assert expected["recovered"] and expected["reasons"] and expected["agreements"]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/admin/dashboard")
            page.fill("input[name=username]", ADMIN[0])
            page.fill("input[name=password]", ADMIN[1])
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_contain_text("Portfolio")
            expect(page.locator("svg.chart").first).to_be_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

            def table(name: str) -> list[dict[str, str]]:
                return page.eval_on_selector_all(
                    f"#t-{name} tbody tr", """rows => rows.map(r => Object.fromEntries(
                        [...r.querySelectorAll('td[data-col]')].map(
                            td => [td.dataset.col, td.dataset.value])))""")

            aging = {r["currency"]: r for r in table("aging") if r["segment"] == "all"}
            assert set(aging) == {c for c, _ in expected["aging"]}
            for (currency, bucket), minor in expected["aging"].items():
                assert _minor(aging[currency][bucket], currency) == minor, (currency, bucket)
            for row in table("dso"):
                assert _minor(row["invoiced_last_90_days"], row["currency"]) == \
                    expected["invoiced"].get((row["currency"],), 0)
            recovered: dict[str, int] = defaultdict(int)
            for row in table("recovery"):
                recovered[row["currency"]] += _minor(row["recovered"], row["currency"])
            assert dict(recovered) == {c: m for (c,), m in expected["recovered"].items()}
            for row in table("agreements"):
                for status in ("active", "kept", "broken"):
                    assert int(row[status]) == expected["agreements"].get(
                        (row["kind"], status), 0), (row["kind"], status)
            assert {(r["reason"],): int(r["answers"]) for r in table("reasons")} == \
                dict(expected["reasons"])
            for row in table("messages"):
                for column in ("sent", "delivered", "replies"):
                    assert int(row[column]) == expected["messages"][row["channel"], column]
            cases = {(r["reason"],): int(r["open"]) for r in table("escalations")
                     if r["reason"] != "all"}
            assert {k: v for k, v in cases.items() if v} == dict(expected["cases"])

            # Each chart's CSV link downloads the same numbers.
            with page.expect_download() as download:
                page.click("#aging a.csv")
            assert download.value.suggested_filename.startswith("recobro-aging-")

            # A debtor's page: the chat, the plan; then export and erasure.
            page.goto(f"{base}/admin/debtors/CO-001")
            expect(page.locator("#conversation")).to_contain_text("perdí el trabajo")
            page.screenshot(path=str(ARTIFACTS / "debtor.png"), full_page=True)
            with page.expect_download() as exported:
                page.click("text=Export everything (JSON)")
            assert exported.value.suggested_filename == "recobro-debtor-CO-001.json"
            page.goto(f"{base}/admin/debtors/CL-001")
            expect(page.locator("#data")).to_contain_text("keep the contact log 730 days")
            page.fill("input[name=confirm]", "CL-001")
            page.click("text=Erase this debtor")
            expect(page.locator("#erased")).to_contain_text("Erased on 2026-12-24")
            expect(page.locator("h1")).to_contain_text("(erased)")
            page.screenshot(path=str(ARTIFACTS / "debtor-erased.png"), full_page=True)
        finally:
            browser.close()

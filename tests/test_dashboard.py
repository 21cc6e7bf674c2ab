"""The dashboard's queries on hand-built rows (SQLite and PostgreSQL), and its page and CSVs."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import analytics, dashboard
from bot.admin.auth import create_user
from bot.app import create_app
from bot.clock import FixedClock
from bot.services import Services, build_services
from bot.settings import Settings
from storage.models import Agreement, Debtor, Escalation, Invoice, Message, Payment
from storage.models import Event as EventRow

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 in Bogotá
TODAY = NOW.date()


def _debtor(n: int, segment: str = "default") -> Debtor:
    return Debtor(id=n, external_id=f"D-{n}", name=f"Debtor {n}", phone=f"+5730000000{n:02d}",
                  country="CO", timezone="America/Bogota", segment=segment,
                  created_at=NOW, updated_at=NOW)


def _invoice(n: int, debtor: int, currency: str, minor: int, days_overdue: int, *,
             status: str = "open", open_minor: int | None = None,
             issued_days_ago: int | None = None) -> Invoice:
    due = TODAY - timedelta(days=days_overdue)
    return Invoice(debtor_id=debtor, external_id=f"F-{n}", currency=currency,
                   amount_minor=minor, open_minor=minor if open_minor is None else open_minor,
                   due_on=due, status=status, created_at=NOW, updated_at=NOW,
                   issued_on=None if issued_days_ago is None
                   else TODAY - timedelta(days=issued_days_ago))


# Two currencies, two segments, one invoice on each side of every bucket boundary.
INVOICES = [
    (1, 1, "COP", 100_000_00, 0), (2, 1, "COP", 200_000_00, 1), (3, 1, "COP", 300_000_00, 30),
    (4, 2, "COP", 400_000_00, 31), (5, 2, "COP", 500_000_00, 60), (6, 2, "COP", 600_000_00, 61),
    (7, 2, "COP", 700_000_00, 90), (8, 2, "COP", 800_000_00, 91), (9, 3, "USD", 150_050, 91),
    (10, 3, "USD", 32_000, -5), (11, 3, "USD", 10_000, 45),
]


async def _portfolio(svc: Services) -> None:
    async with svc.db.transaction() as session:
        session.add_all([_debtor(1), _debtor(2, "pymes"), _debtor(3)])
        await session.flush()
        session.add_all(_invoice(*row, issued_days_ago=abs(row[4]) + 30) for row in INVOICES)
        session.add_all([
            # Paid, cancelled and zero-balance invoices are not owed; disputed ones are.
            _invoice(20, 1, "COP", 999_00, 5, status="paid", open_minor=0, issued_days_ago=10),
            _invoice(21, 1, "COP", 888_00, 5, status="cancelled", issued_days_ago=10),
            _invoice(22, 3, "USD", 5_000, 10, status="disputed"),
        ])


async def test_aging_groups_each_currency_and_segment_at_every_bucket_boundary(
        services: Services) -> None:
    await _portfolio(services)
    async with services.db.transaction() as session:
        cells = await dashboard.aging_cells(session, TODAY)
    expected: dict[tuple[str, str, str], int] = {}
    segments = {1: "default", 2: "pymes", 3: "default"}
    for _, debtor, currency, minor, days in [*INVOICES, (22, 3, "USD", 5_000, 10)]:
        key = (currency, segments[debtor],
               analytics.aging_bucket(TODAY - timedelta(days=days), TODAY))
        expected[key] = expected.get(key, 0) + minor
    assert {(c.currency, c.segment, c.bucket): c.open_minor for c in cells} == expected
    table = dashboard.aging_table(cells).records()
    cop = next(r for r in table if r["currency"] == "COP" and r["segment"] == "all")
    assert (cop["current"], cop["1-30"], cop["31-60"], cop["61-90"], cop["90+"]) == (
        "100000", "500000", "900000", "1300000", "800000")
    assert cop["total"] == "3600000" and cop["invoices"] == 8
    usd = next(r for r in table if r["currency"] == "USD" and r["segment"] == "all")
    assert (usd["current"], usd["1-30"], usd["31-60"], usd["90+"], usd["total"]) == (
        "320", "50", "100", "1500.50", "1970.50")


async def test_dso_divides_each_currencys_open_balance_by_its_own_last_90_days_sales(
        services: Services) -> None:
    await _portfolio(services)
    async with services.db.transaction() as session:
        board = await dashboard.build(session, NOW)
    rows = {r["currency"]: r for r in board.tables["dso"].records()}
    # COP invoiced in the period (issued 1..89 days ago): F-1 (30), F-2 (31), F-3 (60),
    # F-4 (61), F-20 paid (10); F-5 (90 days ago) is outside, F-21 is cancelled.
    invoiced_cop = 100_000_00 + 200_000_00 + 300_000_00 + 400_000_00 + 999_00
    open_cop = sum(r[3] for r in INVOICES if r[2] == "COP")
    assert rows["COP"]["invoiced_last_90_days"] == str(invoiced_cop // 100)
    assert rows["COP"]["dso_days"] == str(analytics.dso_days(open_cop, invoiced_cop))
    # USD: F-10 (issued 35 days ago) and F-11 (75); F-22 has no issue date: its due date
    # (10 days ago) counts instead.
    assert rows["USD"]["invoiced_last_90_days"] == "470"
    assert rows["USD"]["dso_days"] == str(analytics.dso_days(150_050 + 32_000 + 10_000 + 5_000,
                                                             47_000))


async def test_recovery_sums_applied_payments_per_week_and_currency(services: Services) -> None:
    await _portfolio(services)
    async with services.db.transaction() as session:
        session.add_all([
            Payment(reference="a", debtor_id=1, currency="COP", amount_minor=100_00,
                    paid_at=datetime(2026, 11, 23, 0, 0, tzinfo=UTC), source="import",
                    created_at=NOW),  # Monday 00:00: this week
            Payment(reference="b", debtor_id=1, currency="COP", amount_minor=50_00,
                    paid_at=datetime(2026, 11, 22, 23, 59, tzinfo=UTC), source="import",
                    created_at=NOW),  # Sunday night: last week
            Payment(reference="c", debtor_id=3, currency="USD", amount_minor=1_25,
                    paid_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC), source="webhook",
                    created_at=NOW),
            Payment(reference="d", debtor_id=3, currency="USD", amount_minor=99_00,
                    paid_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC), source="webhook",
                    status="held", created_at=NOW),  # held: not recovered
            Payment(reference="e", debtor_id=1, currency="COP", amount_minor=7_00,
                    paid_at=datetime(2026, 1, 5, tzinfo=UTC), source="import",
                    created_at=NOW),  # older than the 12 weeks shown
        ])
    async with services.db.transaction() as session:
        table = await dashboard.recovery_table(session, NOW)
    got = {(r["currency"], r["week_of"]): (r["recovered"], r["payments"])
           for r in table.records()}
    assert len(got) == 24  # 12 weeks x 2 currencies, empty weeks included
    assert got["COP", "2026-11-23"] == ("100", 1)
    assert got["COP", "2026-11-16"] == ("50", 1)
    assert got["USD", "2026-11-23"] == ("1.25", 1)
    assert sum(int(r["payments"]) for r in table.records()) == 3


async def test_agreements_reasons_messages_and_cases_are_counted(services: Services) -> None:
    await _portfolio(services)
    async with services.db.transaction() as session:
        for kind, status in [("promise", "kept"), ("promise", "kept"), ("promise", "broken"),
                             ("promise", "active"), ("plan", "active"), ("plan", "broken"),
                             ("plan", "cancelled"), ("plan", "proposed")]:
            session.add(Agreement(debtor_id=1, kind=kind, status=status, currency="COP",
                                  total_minor=1, created_at=NOW))
        for debtor, reason in [(1, "no_money"), (1, "no_money"), (2, "job_loss"), (3, None)]:
            session.add(EventRow(at=NOW, debtor_id=debtor, actor="bot", kind="note.reason",
                                 data={"intent": "cant_pay", "reason": reason}))
        old = NOW - timedelta(days=40)
        for channel, direction, status, at in [
                ("whatsapp", "out", "read", NOW), ("whatsapp", "out", "delivered", NOW),
                ("whatsapp", "out", "failed", NOW), ("whatsapp", "in", "processed", NOW),
                ("sms", "out", "sent", NOW), ("sms", "out", "delivered", old)]:
            session.add(Message(debtor_id=1, direction=direction, channel=channel, text="x",
                                status=status, created_at=at,
                                sent_at=at if status not in ("failed", "processed") else None))
        for reason, hours, resolved in [("dispute", 2, True), ("dispute", 10, True),
                                        ("dispute", 0, False), ("payment_held", 0, False)]:
            created = NOW - timedelta(hours=30)
            session.add(Escalation(
                debtor_id=1, reason=reason, status="resolved" if resolved else "open",
                deadline=created + timedelta(hours=24), created_at=created,
                resolved_at=created + timedelta(hours=hours) if resolved else None))
    async with services.db.transaction() as session:
        board = await dashboard.build(session, NOW)
    t = {name: table.records() for name, table in board.tables.items()}
    assert t["agreements"] == [
        {"kind": "promise", "made": 4, "active": 1, "kept": 2, "broken": 1, "replaced": 0,
         "kept_percent": "66.7"},
        {"kind": "plan", "made": 3, "active": 1, "kept": 0, "broken": 1, "replaced": 1,
         "kept_percent": "0.0"}]
    assert [(r["reason"], r["answers"], r["debtors"]) for r in t["reasons"]] == [
        ("no_money", 2, 1), ("job_loss", 1, 1), ("none", 1, 1)]
    assert t["messages"] == [
        {"channel": "whatsapp", "sent": 2, "delivered": 2, "read": 1, "failed": 1,
         "replies": 1, "delivered_percent": "100.0", "read_percent": "50.0"},
        {"channel": "sms", "sent": 1, "delivered": 0, "read": 0, "failed": 0, "replies": 0,
         "delivered_percent": "0.0", "read_percent": "0.0"}]
    assert t["escalations"] == [
        {"reason": "dispute", "open": 1, "past_deadline": 1, "resolved_last_90_days": 2,
         "median_hours_to_resolve": "6.0", "p90_hours_to_resolve": "10.0"},
        {"reason": "payment_held", "open": 1, "past_deadline": 1, "resolved_last_90_days": 0,
         "median_hours_to_resolve": "", "p90_hours_to_resolve": ""},
        {"reason": "all", "open": 2, "past_deadline": 2, "resolved_last_90_days": 2,
         "median_hours_to_resolve": "6.0", "p90_hours_to_resolve": "10.0"}]


# The page and its CSV exports, over HTTP ----------------------------------------------


@pytest.fixture
async def client(sqlite_url: str) -> AsyncIterator[TestClient]:
    settings = Settings(database_url=sqlite_url, _env_file=None)  # type: ignore[call-arg]
    svc = build_services(settings, clock=FixedClock(NOW))
    await _portfolio(svc)
    async with svc.db.transaction() as session:
        await create_user(session, "ines", "clave segura 1", "admin", NOW)
        await create_user(session, "vera", "clave segura 2", "viewer", NOW)
        session.add(Payment(reference="a", debtor_id=1, currency="COP", amount_minor=100_00,
                            paid_at=NOW, source="import", created_at=NOW))
    client = TestClient(TestServer(create_app(svc, background=False), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()
    await svc.close()


def page_tables(html: str) -> dict[str, list[dict[str, str]]]:
    """Each table of the dashboard page as {column: exact value} rows."""
    tables = {}
    for name, body in re.findall(r'<table class="list numbers" id="t-(\w+)">(.*?)</table>', html,
                                 re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S):
            cells = re.findall(r'data-col="([^"]*)" data-value="([^"]*)"', row)
            if cells:
                rows.append(dict(cells))
        tables[name] = rows
    return tables


async def test_every_csv_export_has_the_numbers_the_page_shows(client: TestClient) -> None:
    await client.post("/admin/login", data={"username": "vera", "password": "clave segura 2"})
    response = await client.get("/admin/dashboard")
    assert response.status == 200
    html = await response.text()
    shown = page_tables(html)
    assert set(shown) == set(dashboard.TABLES)
    assert "<svg" in html and "<script" not in html
    for name in dashboard.TABLES:
        exported = await client.get(f"/admin/dashboard/{name}.csv")
        assert exported.status == 200
        assert exported.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(await exported.text())))
        assert rows == shown[name], name
    assert shown["aging"][0]["total"] == "3600000"
    # The page shows amounts as people read them, the CSV exact decimals.
    assert "$3.600.000" in html and "$1,970.50" in html


async def test_the_dashboard_needs_a_login_and_unknown_charts_are_404(
        client: TestClient) -> None:
    page = await client.get("/admin/dashboard", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/admin/login")
    export = await client.get("/admin/dashboard/aging.csv", allow_redirects=False)
    assert export.status == 303
    await client.post("/admin/login", data={"username": "ines", "password": "clave segura 1"})
    assert (await client.get("/admin/dashboard/nope.csv")).status == 404

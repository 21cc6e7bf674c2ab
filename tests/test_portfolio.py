"""Importing a portfolio: bad rows reported by line, good rows in, nothing lost or doubled."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.portfolio import PortfolioFileError, import_portfolio, parse_portfolio
from bot.services import Services
from storage.models import Conversation, Debtor, Invoice, Timer
from tests.helpers import ROOT, portfolio, row

BAD_FILE = portfolio(
    row(),                                                           # line 2: good
    row("CO-002", "Luis Pérez", "+573104567890", "F-2", amount=""),  # line 3: no amount
    row("CO-003", "Marta Gil", "+573157778899", "F-3", due_on="2026-13-01"),  # line 4: bad date
    row("CO-004", "Pedro Ruiz", "+573001112233", "F-4", currency="XYZ"),  # line 5: currency
    row(invoice_id="F-1001", amount="999"),                      # line 6: same id, other amount
    row("CO-005", "Sara León", "+573001234568", "F-5", amount="250000.50"),  # line 7: good
)


def test_every_bad_row_is_reported_with_its_line_and_reason() -> None:
    parsed = parse_portfolio(BAD_FILE)
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (3, "amount is missing"),
        (4, "due_on '2026-13-01' is not a date in YYYY-MM-DD form"),
        (5, "unknown currency 'XYZ': use an ISO 4217 code such as COP or USD"),
        (6, "invoice F-1001 is already on line 2 with another amount, due date or debtor "
            "(1200000 COP due 2026-11-10, debtor CO-001)"),
    ]
    assert [r.invoice_id for r in parsed.rows] == ["F-1001", "F-5"]


def test_a_file_without_the_required_columns_is_refused_as_a_whole() -> None:
    with pytest.raises(PortfolioFileError, match="missing required columns: amount, currency"):
        parse_portfolio("debtor_id,name,phone,invoice_id,due_on\nA,B,+573001234567,F,2026-01-01\n")


@pytest.mark.parametrize(("line", "reason"), [
    (row(amount="1.200.000"), "is not a number"),
    (row(amount='"1,200,000"'), "no thousands separators"),
    (row(amount="-5"), "must be more than zero"),
    (row(amount="10.5", currency="CLP", country="CL", phone="+56961234567"), "more decimals"),
    (row(phone="12345"), "not a valid number"),
    (row(phone="3001234567", country=""), "add a country column"),
    (row(locale="fr-FR"), "Spanish (es-*), English (en-*)"),
    (row(channel="fax"), "not one of whatsapp, sms, telegram"),
    (row(timezone="Mars/Olympus"), "not an IANA time zone"),
    (row(country="ZZ"), "not an ISO 3166"),
])
def test_a_bad_value_names_the_fix(line: str, reason: str) -> None:
    [error] = parse_portfolio(portfolio(line)).errors
    assert error.line == 2 and reason in error.reason


def test_national_numbers_are_placed_by_country_and_zones_come_from_the_number() -> None:
    parsed = parse_portfolio(portfolio(
        row(phone="300 123 4567"),
        row("MX-2", "Luis", "+526641234567", "F-9", "12999.90", "MXN", country="",
            locale="es-MX")))
    ana, luis = parsed.rows
    assert (ana.phone, ana.timezone) == ("+573001234567", "America/Bogota")
    assert (luis.country, luis.timezone) == ("MX", "America/Tijuana")


def test_the_example_portfolio_is_clean_and_covers_six_countries() -> None:
    parsed = parse_portfolio((ROOT / "examples" / "portfolio.csv").read_text(encoding="utf-8"))
    assert not parsed.errors and not parsed.warnings
    assert {r.country for r in parsed.rows} == {"CO", "CL", "MX", "PE", "US", "BR"}
    assert len({r.debtor_id for r in parsed.rows}) == 12


async def _import(svc: Services, text: str, *, close_missing: bool = False):  # type: ignore[no-untyped-def]
    async with svc.db.transaction() as session:
        report = await import_portfolio(session, parse_portfolio(text), source="t.csv",
                                        content=text.encode(), now=svc.clock.now(),
                                        close_missing=close_missing)
        await svc.engine.reschedule(session, report.touched_debtors)
        return report


async def _rows(svc: Services, model):  # type: ignore[no-untyped-def]
    async with svc.db.transaction() as session:
        return list((await session.exec(select(model))).all())


async def test_good_rows_are_imported_and_bad_ones_only_reported(services: Services) -> None:
    report = await _import(services, BAD_FILE)
    assert (report.debtors_created, report.invoices_created, len(report.errors)) == (2, 2, 4)
    assert sorted(i.external_id for i in await _rows(services, Invoice)) == ["F-1001", "F-5"]
    assert len(await _rows(services, Conversation)) == 2
    assert {t.kind for t in await _rows(services, Timer)} == {"reminder"}


async def test_importing_the_same_file_twice_changes_nothing(services: Services) -> None:
    text = (ROOT / "examples" / "portfolio.csv").read_text(encoding="utf-8")
    await _import(services, text)
    before = [(i.id, i.amount_minor, i.open_minor, i.updated_at)
              for i in await _rows(services, Invoice)]
    debtors = [(d.id, d.updated_at) for d in await _rows(services, Debtor)]
    report = await _import(services, text)
    assert (report.debtors_created, report.debtors_updated, report.invoices_created,
            report.invoices_updated, report.invoices_unchanged) == (0, 0, 0, 0, 14)
    assert [(i.id, i.amount_minor, i.open_minor, i.updated_at)
            for i in await _rows(services, Invoice)] == before
    assert [(d.id, d.updated_at) for d in await _rows(services, Debtor)] == debtors


async def test_a_changed_amount_moves_the_open_amount_by_the_difference(services: Services) -> None:
    await _import(services, portfolio(row(amount="1200000")))
    report = await _import(services, portfolio(row(amount="1000000")))
    assert report.invoices_updated == 1
    [invoice] = await _rows(services, Invoice)
    assert (invoice.amount_minor, invoice.open_minor) == (100_000_000, 100_000_000)


async def test_an_invoice_missing_from_a_later_file_is_flagged_not_deleted(
        services: Services) -> None:
    await _import(services, portfolio(row(), row(invoice_id="F-1002", amount="500000")))
    report = await _import(services, portfolio(row()))
    assert report.missing == ["F-1002"]
    assert "1 open invoices are not in this file, kept open" in report.summary()
    invoices = {i.external_id: i for i in await _rows(services, Invoice)}
    assert invoices["F-1002"].status == "open" and invoices["F-1002"].missing_since is not None
    back = await _import(services, portfolio(row(), row(invoice_id="F-1002", amount="500000")))
    assert back.missing == []
    invoices = {i.external_id: i for i in await _rows(services, Invoice)}
    assert invoices["F-1002"].missing_since is None


async def test_close_missing_closes_what_the_file_no_longer_lists(services: Services) -> None:
    await _import(services, portfolio(row(), row(invoice_id="F-1002", amount="500000")))
    report = await _import(services, portfolio(row()), close_missing=True)
    assert report.closed_missing == 1
    invoices = {i.external_id: i for i in await _rows(services, Invoice)}
    assert invoices["F-1002"].status == "cancelled"


async def test_an_invoice_cannot_move_to_another_debtor(services: Services) -> None:
    await _import(services, portfolio(row()))
    report = await _import(services, portfolio(row("CO-009", "Otra", "+573157778899")))
    assert [e.line for e in report.errors] == [2]
    assert "belongs to another debtor" in report.errors[0].reason

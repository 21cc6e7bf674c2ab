"""Portfolio import: a CSV of debtors and invoices, upserted idempotently.

`parse_portfolio` is pure: it turns CSV text into valid rows and a list of errors, each with
its line number and a reason a person can act on. `import_portfolio` writes the valid rows
in one transaction: importing the same file twice changes nothing, and an invoice missing
from a later file is flagged and reported, never deleted.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_zones
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.compliance.quiet import format_quiet_times, parse_quiet_times
from bot.domain import Channel
from bot.i18n import LocaleError, catalog_name, normalize_locale
from bot.money import Money, MoneyError, exponent
from storage.models import Conversation, Debtor, ImportRun, Invoice
from storage.models import Event as EventRow

REQUIRED = ("debtor_id", "name", "phone", "invoice_id", "amount", "currency", "due_on")
OPTIONAL = ("email", "channel", "locale", "country", "timezone", "segment", "issued_on",
            "document_last4", "telegram_chat_id", "quiet_times")
DEFAULT_LOCALE = "es-CO"

# Used when the phone number alone does not place the debtor in one zone.
COUNTRY_ZONES = {
    "CO": "America/Bogota", "CL": "America/Santiago", "PE": "America/Lima",
    "MX": "America/Mexico_City", "US": "America/New_York", "BR": "America/Sao_Paulo",
    "ES": "Europe/Madrid", "AR": "America/Argentina/Buenos_Aires", "EC": "America/Guayaquil",
}
# Countries that have phone numbers: every country a debtor can live in, and no CLDR pseudo
# regions ("ZZ" unknown, "EU", "UN") that Babel lists as territories.
_COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS)
_DEBTOR_FIELDS = ("name", "phone", "email", "channel", "locale", "country", "timezone",
                  "segment", "document_last4", "telegram_chat_id", "quiet_times")


class PortfolioFileError(ValueError):
    """The file as a whole cannot be read (no header, missing columns)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row: its line number in the file and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    """One valid line: a debtor's details and one invoice."""

    line: int
    debtor_id: str
    name: str
    phone: str
    email: str | None
    channel: str
    locale: str
    country: str
    timezone: str
    segment: str
    document_last4: str | None
    telegram_chat_id: str | None
    quiet_times: str | None
    invoice_id: str
    amount: Money
    issued_on: date | None
    due_on: date

    def debtor_fields(self) -> dict[str, Any]:
        """The debtor's columns as stored."""
        return {f: getattr(self, f) for f in _DEBTOR_FIELDS}


@dataclass(slots=True)
class ParsedPortfolio:
    """What a file holds: valid rows, rejected rows, and warnings that reject nothing."""

    rows: list[PortfolioRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_portfolio(text: str) -> ParsedPortfolio:
    """Validate a portfolio CSV; every bad row is reported with its line number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise PortfolioFileError("the file is empty: the first line must name the columns")
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise PortfolioFileError(
            f"missing required columns: {', '.join(missing)} (the header has: {', '.join(header)})")
    parsed = ParsedPortfolio()
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if unknown:
        parsed.warnings.append(f"columns ignored: {', '.join(unknown)}")
    seen_invoices: dict[str, PortfolioRow] = {}
    debtors: dict[str, PortfolioRow] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            parsed.errors.append(RowError(line, f"{len(record[None])} more fields than columns"))
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        if not any(values.values()):
            continue
        try:
            row = _parse_row(line, values)
        except _Reject as reject:
            parsed.errors.append(RowError(line, str(reject)))
            continue
        earlier = seen_invoices.get(row.invoice_id)
        if earlier is not None:
            if (earlier.amount, earlier.due_on, earlier.debtor_id) == (
                    row.amount, row.due_on, row.debtor_id):
                parsed.warnings.append(f"line {line}: invoice {row.invoice_id} repeats line "
                                       f"{earlier.line}; imported once")
            else:
                parsed.errors.append(RowError(line, (
                    f"invoice {row.invoice_id} is already on line {earlier.line} with another "
                    f"amount, due date or debtor ({earlier.amount.decimal_str()} "
                    f"{earlier.amount.currency} due {earlier.due_on}, "
                    f"debtor {earlier.debtor_id})")))
            continue
        first = debtors.get(row.debtor_id)
        if first is not None:
            conflict = _debtor_conflict(first, row)
            if conflict:
                parsed.errors.append(RowError(line, conflict))
                continue
        else:
            debtors[row.debtor_id] = row
        seen_invoices[row.invoice_id] = row
        parsed.rows.append(row)
    return parsed


class _Reject(ValueError):
    pass


def _parse_row(line: int, v: dict[str, str]) -> PortfolioRow:
    for column in REQUIRED:
        if not v.get(column):
            raise _Reject(f"{column} is missing")
    currency = v["currency"].upper()
    try:
        exponent(currency)
    except MoneyError as exc:
        raise _Reject(str(exc)) from None
    amount = _amount(v["amount"], currency)
    due_on = _date(v["due_on"], "due_on")
    issued_on = _date(v["issued_on"], "issued_on") if v.get("issued_on") else None
    if issued_on and issued_on > due_on:
        raise _Reject(f"issued_on {issued_on} is after due_on {due_on}")
    country = v.get("country", "").upper() or None
    if country and country not in _COUNTRIES:
        raise _Reject(f"country {v['country']!r} is not an ISO 3166 alpha-2 code (CO, MX, US...)")
    phone, phone_country, phone_zone = _phone(v["phone"], country)
    country = country or phone_country
    timezone = v.get("timezone") or phone_zone or COUNTRY_ZONES.get(country or "")
    if not timezone:
        raise _Reject(f"no time zone known for country {country}: add a timezone column "
                      "(an IANA name such as America/Bogota)")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Reject(f"timezone {timezone!r} is not an IANA time zone "
                      "(for example America/Bogota)") from None
    locale_tag = v.get("locale") or DEFAULT_LOCALE
    try:
        locale = normalize_locale(locale_tag).replace("_", "-")
        catalog_name(locale)
    except LocaleError as exc:
        raise _Reject(str(exc)) from None
    channel = (v.get("channel") or Channel.WHATSAPP.value).lower()
    if channel not in {c.value for c in Channel}:
        raise _Reject(f"channel {v['channel']!r} is not one of whatsapp, sms, telegram")
    last4 = v.get("document_last4") or None
    if last4 is not None and not (len(last4) == 4 and last4.isdigit()):
        raise _Reject(f"document_last4 {last4!r} must be exactly 4 digits")
    chat = v.get("telegram_chat_id") or None
    if chat is not None and not chat.lstrip("-").isdigit():
        raise _Reject(f"telegram_chat_id {chat!r} must be a number")
    quiet = None
    if v.get("quiet_times"):
        try:
            quiet = format_quiet_times(parse_quiet_times(v["quiet_times"])) or None
        except ValueError as exc:
            raise _Reject(f"quiet_times: {exc}") from None
    return PortfolioRow(
        line=line, debtor_id=v["debtor_id"], name=v["name"], phone=phone,
        email=v.get("email") or None, channel=channel, locale=locale,
        country=country or "", timezone=timezone, segment=v.get("segment") or "default",
        document_last4=last4, telegram_chat_id=chat, quiet_times=quiet,
        invoice_id=v["invoice_id"],
        amount=amount, issued_on=issued_on, due_on=due_on)


def _amount(text: str, currency: str) -> Money:
    if "," in text:
        raise _Reject(f"amount {text!r}: write major units with '.' for decimals and no "
                      "thousands separators (1200000 or 1500.50)")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Reject(f"amount {text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise _Reject(f"amount {text!r} must be more than zero")
    try:
        return Money.of(value, currency)
    except MoneyError as exc:
        raise _Reject(f"amount {text!r}: {exc}") from None


def _date(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Reject(f"{column} {text!r} is not a date in YYYY-MM-DD form") from None


def _phone(text: str, country: str | None) -> tuple[str, str | None, str | None]:
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        hint = "" if country else " (give it in +<country code> form or add a country column)"
        raise _Reject(f"phone {text!r} cannot be read{hint}") from None
    if not phonenumbers.is_valid_number(number):
        raise _Reject(f"phone {text!r} is not a valid number"
                      + (f" in {country}" if country else ""))
    zones = [z for z in phone_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.region_code_for_number(number), zones[0] if len(zones) == 1 else None)


def _debtor_conflict(first: PortfolioRow, row: PortfolioRow) -> str | None:
    if row.amount.currency != first.amount.currency:
        return (f"debtor {row.debtor_id} owes in {first.amount.currency} on line {first.line}; "
                f"one debtor's invoices must share a currency")
    for name in ("phone", "name", "channel", "locale", "timezone", "segment", "quiet_times"):
        if getattr(row, name) != getattr(first, name):
            return (f"debtor {row.debtor_id} has {name} {getattr(first, name)!r} on line "
                    f"{first.line} but {getattr(row, name)!r} here")
    return None


# Writing ------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportReport:
    """What an import did; printed by `recobro import`."""

    source: str
    debtors_created: int = 0
    debtors_updated: int = 0
    invoices_created: int = 0
    invoices_updated: int = 0
    invoices_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # open invoices absent from the file
    closed_missing: int = 0
    touched_debtors: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The numbers, for the import run record."""
        return {"debtors_created": self.debtors_created, "debtors_updated": self.debtors_updated,
                "invoices_created": self.invoices_created,
                "invoices_updated": self.invoices_updated,
                "invoices_unchanged": self.invoices_unchanged, "rows_rejected": len(self.errors),
                "invoices_missing": len(self.missing), "missing_closed": self.closed_missing}

    def summary(self) -> str:
        """A few lines a person reads after an import."""
        lines = [
            f"{self.source}: debtors {self.debtors_created} new, {self.debtors_updated} updated; "
            f"invoices {self.invoices_created} new, {self.invoices_updated} updated, "
            f"{self.invoices_unchanged} unchanged; {len(self.errors)} rows rejected."]
        lines += [f"  rejected {e}" for e in self.errors]
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.missing:
            shown = ", ".join(self.missing[:20]) + (" ..." if len(self.missing) > 20 else "")
            verb = ("closed (status cancelled)" if self.closed_missing
                    else "kept open; rerun with --close-missing to close them")
            lines.append(f"  {len(self.missing)} open invoices are not in this file, {verb}: "
                         f"{shown}")
        return "\n".join(lines)


async def import_portfolio(session: AsyncSession, parsed: ParsedPortfolio, *, source: str,
                           content: bytes, now: datetime,
                           close_missing: bool = False) -> ImportReport:
    """Upsert the valid rows; flag (or close) open invoices the file no longer lists."""
    report = ImportReport(source, errors=list(parsed.errors), warnings=list(parsed.warnings))
    parsed = await _without_erased(session, parsed, report)
    debtors = await _existing(session, Debtor, [r.debtor_id for r in parsed.rows])
    invoices = await _existing(session, Invoice, [r.invoice_id for r in parsed.rows])
    touched: set[int] = set()
    new_debtors: list[Debtor] = []
    for row in parsed.rows:
        if row.debtor_id in debtors:
            continue
        debtor = Debtor(external_id=row.debtor_id, created_at=now, updated_at=now,
                        consents={row.channel: {"source": "import", "at": now.isoformat()}},
                        **row.debtor_fields())
        debtors[row.debtor_id] = debtor
        new_debtors.append(debtor)
        report.debtors_created += 1
    session.add_all(new_debtors)
    await session.flush()
    session.add_all(Conversation(debtor_id=d.id, updated_at=now) for d in new_debtors)  # type: ignore[arg-type]
    updated_debtors: set[str] = set()
    for row in parsed.rows:
        debtor = debtors[row.debtor_id]
        assert debtor.id is not None
        changes = {k: v for k, v in row.debtor_fields().items() if getattr(debtor, k) != v}
        if changes and debtor not in new_debtors and row.debtor_id not in updated_debtors:
            for key, value in changes.items():
                setattr(debtor, key, value)
            debtor.updated_at = now
            session.add(debtor)
            updated_debtors.add(row.debtor_id)
            touched.add(debtor.id)
        invoice = invoices.get(row.invoice_id)
        if invoice is None:
            session.add(Invoice(debtor_id=debtor.id, external_id=row.invoice_id,
                                currency=row.amount.currency, amount_minor=row.amount.minor,
                                open_minor=row.amount.minor, issued_on=row.issued_on,
                                due_on=row.due_on, created_at=now, updated_at=now))
            report.invoices_created += 1
            touched.add(debtor.id)
            continue
        if invoice.debtor_id != debtor.id:
            report.errors.append(RowError(row.line, (
                f"invoice {row.invoice_id} belongs to another debtor in Recobro; "
                "an invoice cannot move between debtors")))
            continue
        if invoice.currency != row.amount.currency:
            report.errors.append(RowError(row.line, (
                f"invoice {row.invoice_id} is in {invoice.currency} in Recobro, "
                f"not {row.amount.currency}")))
            continue
        changed = False
        if invoice.amount_minor != row.amount.minor:
            # Payments already applied stay applied: the open amount moves by the difference.
            difference = row.amount.minor - invoice.amount_minor
            invoice.open_minor = max(0, invoice.open_minor + difference)
            invoice.amount_minor = row.amount.minor
            changed = True
        if (invoice.due_on, invoice.issued_on) != (row.due_on, row.issued_on):
            invoice.due_on, invoice.issued_on = row.due_on, row.issued_on
            changed = True
        if invoice.missing_since is not None:
            invoice.missing_since = None
            changed = True
        if changed:
            invoice.updated_at = now
            session.add(invoice)
            report.invoices_updated += 1
            touched.add(debtor.id)
        else:
            report.invoices_unchanged += 1
    report.debtors_updated = len(updated_debtors)
    await _missing(session, report, {r.invoice_id for r in parsed.rows}, now, close_missing,
                   touched)
    report.errors.sort(key=lambda e: e.line)
    session.add(ImportRun(source=source, sha256=hashlib.sha256(content).hexdigest(),
                          started_at=now, counts=report.counts(),
                          errors=[{"line": e.line, "reason": e.reason} for e in report.errors]))
    session.add(EventRow(at=now, actor="import", kind="portfolio.imported",
                         data={"source": source, **report.counts()}))
    report.touched_debtors = sorted(touched)
    await session.flush()  # the caller reschedules reminders from these rows, in this transaction
    return report


async def _without_erased(session: AsyncSession, parsed: ParsedPortfolio,
                          report: ImportReport) -> ParsedPortfolio:
    """Refuse rows of debtors erased at their request: an import must not bring them back."""
    from bot.erasure import erased_id

    pseudonyms = {erased_id(r.debtor_id): r.debtor_id for r in parsed.rows}
    erased = await _existing(session, Debtor, pseudonyms)
    if not erased:
        return parsed
    gone = {pseudonyms[p]: d.erased_at for p, d in erased.items()}
    for r in parsed.rows:
        if r.debtor_id in gone:
            report.errors.append(RowError(r.line, (
                f"debtor {r.debtor_id} was erased on {gone[r.debtor_id]:%Y-%m-%d}; "
                "remove their rows from the file")))
    return replace(parsed, rows=[r for r in parsed.rows if r.debtor_id not in gone])


async def _missing(session: AsyncSession, report: ImportReport, listed: set[str],
                   now: datetime, close: bool, touched: set[int]) -> None:
    open_rows = (await session.exec(select(Invoice).where(Invoice.status == "open"))).all()
    for invoice in open_rows:
        if invoice.external_id in listed:
            continue
        report.missing.append(invoice.external_id)
        if close:
            invoice.status = "cancelled"
            report.closed_missing += 1
            touched.add(invoice.debtor_id)
        if invoice.missing_since is None or close:
            invoice.missing_since = invoice.missing_since or now
            invoice.updated_at = now
            session.add(invoice)
    report.missing.sort()


async def _existing(session: AsyncSession, model: type[Debtor] | type[Invoice],
                    external_ids: Iterable[str]) -> dict[str, Any]:
    ids = sorted(set(external_ids))
    found: dict[str, Any] = {}
    column = col(model.external_id)
    for start in range(0, len(ids), 1000):  # stay under the database's bound-parameter limit
        chunk = ids[start:start + 1000]
        rows = await session.exec(select(model).where(column.in_(chunk)))
        found.update({getattr(row, "external_id"): row for row in rows.all()})  # noqa: B009
    return found

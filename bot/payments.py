"""Payments: how money received is applied to a debtor's invoices and agreement. Pure.

A payment goes to the invoice it names first, then to the oldest open invoices; the same
amount goes to the running agreement's instalments, oldest first. What cannot be applied
without guessing (an unknown reference, another currency, more than is owed, an invoice
already paid) is held for staff: `allocate` says why instead of deciding.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.money import Money, MoneyError


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """Money received, as a payment gateway, a bank file or staff report it."""

    reference: str
    amount: Money
    paid_at: datetime
    invoice_id: str | None = None
    debtor_id: str | None = None
    source: str = "webhook"  # webhook | import | staff


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice with money still owed."""

    external_id: str
    open: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    """Where a payment goes, or why it is held."""

    to_invoices: dict[str, int] = field(default_factory=dict)  # invoice id -> minor units
    held: str | None = None  # the reason, when nothing is applied

    @property
    def applied(self) -> bool:
        """True when the payment is applied (not held)."""
        return self.held is None


def allocate(notice: PaymentNotice, invoices: Sequence[OpenInvoice]) -> Allocation:
    """Split a payment over open invoices (named one first, then oldest first), or hold it."""
    if notice.amount.minor <= 0:
        return Allocation(held="the amount is not positive")
    if not invoices:
        return Allocation(held="nothing is owed: an overpayment or a payment for a closed "
                               "invoice")
    currency = invoices[0].open.currency
    if notice.amount.currency != currency:
        return Allocation(held=f"paid in {notice.amount.currency}, owed in {currency}")
    owed = sum(i.open.minor for i in invoices)
    if notice.amount.minor > owed:
        excess = Money(notice.amount.minor - owed, currency).decimal_str()
        return Allocation(held=f"an overpayment: {excess} {currency} more than is owed")
    ordered = list(invoices)
    if notice.invoice_id is not None:
        named = [i for i in invoices if i.external_id == notice.invoice_id]
        if not named:
            return Allocation(held=f"invoice {notice.invoice_id} is not open")
        ordered = named + [i for i in invoices if i.external_id != notice.invoice_id]
    left = notice.amount.minor
    split: dict[str, int] = {}
    for invoice in ordered:
        if left <= 0:
            break
        part = min(left, invoice.open.minor)
        split[invoice.external_id] = part
        left -= part
    return Allocation(split)


def to_installments(amount: int, outstanding: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Split `amount` over instalments (seq, still owed) oldest first: {seq: minor units}."""
    split: dict[int, int] = {}
    for seq, owed in outstanding:
        if amount <= 0:
            break
        part = min(amount, owed)
        if part > 0:
            split[seq] = part
            amount -= part
    return split


# Reading notices at the edges ---------------------------------------------------------

MAX_REFERENCE = 120


class NoticeError(ValueError):
    """A payment notice that cannot be read; the message says what to fix."""


def notice_from_json(data: Any, source: str = "webhook") -> PaymentNotice:
    """A notice from the webhook's JSON (decimals parsed as Decimal, never float)."""
    if not isinstance(data, dict):
        raise NoticeError("the body must be a JSON object")
    reference = data.get("reference")
    if not isinstance(reference, str) or not 0 < len(reference.strip()) <= MAX_REFERENCE:
        raise NoticeError(f"reference must be a string of 1 to {MAX_REFERENCE} characters")
    amount = _money(data.get("amount"), data.get("currency"))
    paid_at = data.get("paid_at")
    try:
        when = datetime.fromisoformat(str(paid_at).replace("Z", "+00:00"))
    except ValueError:
        raise NoticeError("paid_at must be an ISO 8601 moment with its offset, like "
                          "2026-11-24T10:00:00-05:00") from None
    if when.tzinfo is None:
        raise NoticeError("paid_at needs its UTC offset (2026-11-24T10:00:00-05:00)")
    invoice_id, debtor_id = data.get("invoice_id"), data.get("debtor_id")
    if invoice_id is None and debtor_id is None:
        raise NoticeError("give invoice_id or debtor_id")
    for name, value in (("invoice_id", invoice_id), ("debtor_id", debtor_id)):
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 100):
            raise NoticeError(f"{name} must be a string of 1 to 100 characters")
    return PaymentNotice(reference.strip(), amount, when.astimezone(UTC), invoice_id,
                         debtor_id, source)


def _money(amount: Any, currency: Any) -> Money:
    if not isinstance(currency, str):
        raise NoticeError("currency must be an ISO 4217 code such as COP")
    if isinstance(amount, bool) or not isinstance(amount, str | int | Decimal):
        raise NoticeError("amount must be a decimal string in major units, like \"1500.50\"")
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise NoticeError(f"amount {amount!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise NoticeError("amount must be more than zero")
    try:
        return Money.of(value, currency.upper())
    except MoneyError as exc:
        raise NoticeError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class BadRow:
    """A rejected line of a payments file."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def parse_payments_csv(text: str) -> tuple[list[PaymentNotice], list[BadRow]]:
    """Notices from a bank or ERP export; every bad row is reported with its line number.

    Columns: `invoice_id` or `debtor_id` (at least one), `amount` (major units, "." for
    decimals), `currency`, `paid_on` (YYYY-MM-DD), `reference` (unique per payment).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in ("amount", "currency", "paid_on", "reference") if c not in header]
    if missing or not ({"invoice_id", "debtor_id"} & set(header)):
        need = missing + ([] if {"invoice_id", "debtor_id"} & set(header)
                          else ["invoice_id or debtor_id"])
        raise NoticeError(f"missing columns: {', '.join(need)}")
    notices: list[PaymentNotice] = []
    bad: list[BadRow] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in record.items() if k is not None}
        if not any(values.values()):
            continue
        try:
            day = date.fromisoformat(values.get("paid_on", ""))
        except ValueError:
            bad.append(BadRow(line, f"paid_on {values.get('paid_on')!r} is not a date "
                                    "(YYYY-MM-DD)"))
            continue
        reference = values.get("reference", "")
        if reference in seen:
            bad.append(BadRow(line, f"reference {reference} is already on line "
                                    f"{seen[reference]}"))
            continue
        try:
            if "," in values.get("amount", ""):
                raise NoticeError("amount: use '.' for decimals and no thousands separators")
            notice = notice_from_json({
                "reference": reference, "amount": values.get("amount", ""),
                "currency": values.get("currency", ""),
                # Noon UTC: a bank date without a time lands on the same day everywhere
                # between UTC-12 and UTC+11.
                "paid_at": datetime.combine(day, time(12), tzinfo=UTC).isoformat(),
                "invoice_id": values.get("invoice_id") or None,
                "debtor_id": values.get("debtor_id") or None}, source="import")
        except NoticeError as exc:
            bad.append(BadRow(line, str(exc)))
            continue
        seen[reference] = line
        notices.append(notice)
    return notices, bad


def sign(secret: str, body: bytes) -> str:
    """The `X-Recobro-Signature` value for a body: `sha256=<hex HMAC-SHA256>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` signs `body` with `secret` (constant-time)."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header or "")


def link_token(secret: str, invoice_id: str, amount: Money) -> str:
    """A short token a payment link carries, so a gateway can tell a link was ours."""
    message = f"{invoice_id}|{amount.minor}|{amount.currency}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:20]

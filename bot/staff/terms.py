"""What staff type for a counter-offer or a payment, read into values. Pure.

Staff write short, exact terms, in English, rather than free text that understanding would
have to guess at::

    plan 8                       8 payments (the negotiation core prices them)
    plan 8 weekly from 2026-12-01
    plan each 150000 monthly     150,000 a month, as many payments as it takes
    pay 2026-12-15               the whole balance on that day
    settle 900000 by 2026-12-05  a discounted lump sum
    discount 15                  a settlement at 15% off

Amounts are in major units of the debt's currency: `1200000`, `1.200.000`, `1,200,000`
and `1500.50` all read as people mean them. `all` means the whole balance.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from bot.money import Money, MoneyError
from bot.negotiation import Frequency, Proposal

HELP = ("Write the terms like: plan 8 | plan 8 weekly from 2026-12-01 | plan each 150000 "
        "monthly | pay 2026-12-15 | settle 900000 by 2026-12-05 | discount 15")
_THOUSANDS = re.compile(r"^\d{1,3}([.,])\d{3}(\1\d{3})*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TermsError(ValueError):
    """Terms staff typed that cannot be read; the message says how to write them."""


def amount(text: str, currency: str, balance: Money | None = None) -> Money:
    """An amount staff typed, in major units of `currency` ("all": the balance)."""
    raw = text.strip().lower().replace(" ", "").lstrip("$").removeprefix(currency.lower())
    if raw in ("all", "todo", "tudo", "full"):
        if balance is None:
            raise TermsError("Nothing is owed, so 'all' means nothing here.")
        return balance
    if _THOUSANDS.match(raw):
        raw = re.sub(r"[.,]", "", raw)
    elif raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")  # 1500,50: a decimal comma
    try:
        value = Decimal(raw)
        money = Money.of(value, currency)
    except (InvalidOperation, MoneyError):
        raise TermsError(f"'{text.strip()}' is not an amount in {currency}; write it like "
                         "1200000 or 1.200.000.") from None
    if money.minor <= 0:
        raise TermsError("The amount must be more than zero.")
    return money


def _day(text: str) -> date:
    if not _DATE.match(text):
        raise TermsError(f"'{text}' is not a date; write it as YYYY-MM-DD, like 2026-12-15.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TermsError(f"'{text}' is not a date on the calendar.") from None


def proposal(text: str, currency: str, balance: Money | None = None) -> Proposal:
    """The proposal staff typed; raises `TermsError` with how to write it."""
    words = text.strip().lower().split()
    if not words:
        raise TermsError(HELP)
    head, rest = words[0], words[1:]
    try:
        if head == "plan":
            return _plan(rest, currency, balance)
        if head in ("pay", "promise") and len(rest) == 1:
            return Proposal.promise(_day(rest[0]))
        if head in ("settle", "settlement") and rest:
            on = _day(rest[2]) if len(rest) == 3 and rest[1] == "by" else None
            if len(rest) not in (1, 3) or (len(rest) == 3 and rest[1] != "by"):
                raise TermsError(HELP)
            return Proposal.lump_sum(amount(rest[0], currency, balance).minor, on)
        if head == "discount" and len(rest) == 1:
            percent = Decimal(rest[0].rstrip("%"))
            return Proposal.discount(percent)
    except (InvalidOperation, ValueError) as exc:
        if isinstance(exc, TermsError):
            raise
        raise TermsError(f"{exc}. {HELP}") from None
    raise TermsError(HELP)


def _plan(rest: list[str], currency: str, balance: Money | None) -> Proposal:
    count: int | None = None
    per_period: int | None = None
    frequency: Frequency | None = None
    start: date | None = None
    words = list(rest)
    while words:
        word = words.pop(0)
        if word in {f.value for f in Frequency}:
            frequency = Frequency(word)
        elif word == "from" and words:
            start = _day(words.pop(0))
        elif word == "each" and words and per_period is None:
            per_period = amount(words.pop(0), currency, balance).minor
        elif word.isdigit() and count is None and 1 <= int(word) <= 360:
            count = int(word)
        else:
            raise TermsError(HELP)
    if count is None and per_period is None:
        raise TermsError("Say how many payments (plan 8) or how much each (plan each 150000).")
    return Proposal.plan(count, per_period, frequency, start)

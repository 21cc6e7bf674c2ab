"""Money as an integer of minor units plus an ISO 4217 code; parsed and formatted with Babel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, is_currency, parse_pattern

from bot.i18n import babel_locale

# Currencies whose amounts people read without decimals even though the ISO exponent has
# them (COP has 2 in ISO 4217 and in CLDR, but nobody writes "$1.200.000,00" in Bogotá).
WHOLE_DISPLAY_CURRENCIES = frozenset({"COP", "CLP", "PYG", "JPY", "KRW"})

# Babel puts a no-break space between the symbol and the number ("R$\xa01.500,50"). In an SMS
# a single no-break space forces UCS-2 and halves the characters per segment, so we use a
# plain space: the text still reads the same.
_NBSP = re.compile("[\u00a0\u202f]")


# Amounts are stored as 64-bit integers of minor units; 10**18 leaves room for sums.
MAX_MINOR = 10**18


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


@lru_cache(maxsize=256)
def exponent(currency: str) -> int:
    """Digits after the decimal point in `currency`'s minor unit (COP 2, CLP 0)."""
    if not is_currency(currency):
        raise MoneyError(f"unknown currency {currency!r}: use an ISO 4217 code such as COP or USD")
    return get_currency_precision(currency)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount: `minor` units of `currency` (COP 1.200.000 is Money(120000000, 'COP'))."""

    minor: int
    currency: str

    @classmethod
    def of(cls, major: Decimal | int | str, currency: str) -> Money:
        """Money from an amount in major units; refuses more decimals than the currency has."""
        try:
            value = Decimal(str(major))
        except InvalidOperation as exc:
            raise MoneyError(f"{major!r} is not an amount") from exc
        if not value.is_finite():
            raise MoneyError(f"{major!r} is not an amount")
        scaled = value.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise MoneyError(
                f"{major} has more decimals than {currency} allows ({exponent(currency)})"
            )
        if abs(scaled) > MAX_MINOR:
            raise MoneyError(f"{major} {currency} is more than any invoice or payment can be")
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """No money in `currency`."""
        return cls(0, currency)

    @property
    def major(self) -> Decimal:
        """The amount in major units, exact."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def decimal_str(self) -> str:
        """Major units as a plain decimal string: "1200000" when whole, else "1500.50"."""
        digits = exponent(self.currency)
        if self.minor % 10**digits == 0:
            return str(self.minor // 10**digits)
        return format(self.major, "f")

    def as_json(self) -> dict[str, object]:
        """A JSON-able form that keeps the exact value."""
        return {"minor": self.minor, "currency": self.currency}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Money:
        """The inverse of `as_json`."""
        return cls(int(str(data["minor"])), str(data["currency"]))


def format_money(money: Money, locale: str | Locale) -> str:
    """The amount as the debtor reads it: `$1.200.000` in es-CO, `R$ 1.500,50` in pt-BR."""
    return _format(money, str(locale).replace("-", "_"))


@lru_cache(maxsize=65536)
def _format(money: Money, tag: str) -> str:
    # Cached: a reminder shows the same amounts in its lines and total, and a portfolio
    # repeats amounts; Babel's formatting is the most expensive part of writing a message.
    value = money.major
    whole = money.currency in WHOLE_DISPLAY_CURRENCIES and value == value.to_integral_value()
    pattern, loc = _pattern(tag, whole)
    text = pattern.apply(value, loc, currency=money.currency, currency_digits=not whole)
    return _NBSP.sub(" ", text)


@lru_cache(maxsize=256)
def _pattern(tag: str, whole: bool) -> tuple[NumberPattern, Locale]:
    """The locale's currency pattern, parsed once (without decimals for whole amounts)."""
    loc = babel_locale(tag)
    pattern = loc.currency_formats["standard"].pattern
    return parse_pattern(re.sub(r"\.0+", "", pattern) if whole else pattern), loc

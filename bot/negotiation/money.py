"""Money as integers of minor units: a currency's exponent and the unit instalments round to.

Limits are written in major units (Decimal) and converted here, exactly, with the rounding
direction chosen by the caller: minimums round up and allowances round down, so a conversion
can only make the bot stricter, never more generous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

# ISO 4217 exponents for the markets we serve, and the unit a person actually pays in.
# Colombian pesos have cents on paper but nobody pays them, so COP instalments are whole pesos.
_KNOWN: dict[str, tuple[int, int]] = {
    "ARS": (2, 1),
    "BOB": (2, 1),
    "BRL": (2, 1),
    "CLP": (0, 1),
    "COP": (2, 100),
    "CRC": (2, 100),
    "DOP": (2, 1),
    "EUR": (2, 1),
    "GTQ": (2, 1),
    "JPY": (0, 1),
    "MXN": (2, 1),
    "PEN": (2, 1),
    "PYG": (0, 1),
    "USD": (2, 1),
    "UYU": (2, 1),
}

_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency with its exponent and the payment unit, both in minor units.

    Attributes:
        code: ISO 4217 code, e.g. "COP".
        exponent: minor units per major unit are 10 ** exponent (COP 2, CLP 0).
        unit: instalments are multiples of this many minor units (COP 100 = whole pesos);
            one payment per schedule may break it to absorb the remainder of the total.
    """

    code: str
    exponent: int
    unit: int = 1

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise ValueError(f"currency code must be three capital letters, got {self.code!r}")
        if isinstance(self.exponent, bool) or not 0 <= self.exponent <= 4:
            raise ValueError(f"currency exponent must be 0..4, got {self.exponent!r}")
        if isinstance(self.unit, bool) or self.unit < 1:
            raise ValueError(f"payment unit must be a positive count of minor units: {self.unit!r}")

    @classmethod
    def of(cls, code: str, exponent: int | None = None, unit: int | None = None) -> Currency:
        """The currency `code`, with the known exponent and unit unless given."""
        known = _KNOWN.get(code)
        if known is None and exponent is None:
            raise ValueError(f"unknown currency {code!r}: pass its exponent")
        exp = exponent if exponent is not None else known[0]  # type: ignore[index]
        if unit is None:
            unit = known[1] if known is not None and known[0] == exp else 1
        return cls(code, exp, unit)

    def to_minor(self, major: Decimal, *, up: bool) -> int:
        """`major` in minor units; rounds up (`up=True`) or down when it has more decimals."""
        scaled = major.scaleb(self.exponent)
        return int(scaled.to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR))

    def to_major(self, minor: int) -> Decimal:
        """`minor` units as an exact Decimal of major units."""
        return Decimal(minor).scaleb(-self.exponent)

    def format(self, minor: int) -> str:
        """A plain rendering for audit messages, e.g. "1,200,000 COP" (not for debtor texts)."""
        major = self.to_major(minor)
        text = f"{major:,.{self.exponent}f}" if minor % (10**self.exponent) else f"{int(major):,}"
        return f"{text} {self.code}"


def days_overdue(oldest_due: date, today: date) -> int:
    """Days since the oldest open invoice fell due; 0 when it is not due yet."""
    return max(0, (today - oldest_due).days)

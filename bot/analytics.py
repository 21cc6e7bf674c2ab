"""Portfolio arithmetic for the dashboard: pure functions over plain values, no I/O.

Amounts are integers of minor units and always travel with their currency: nothing here
adds two currencies together. The SQL in `bot.dashboard` groups rows by the same edges
these functions define (`aging_edges`, `week_starts`), so a bucket means the same thing in
Python and in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

# Days overdue: `current` is not yet overdue (due today or later); "90+" is more than 90.
BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
_BUCKET_DAYS = ((0, "current"), (30, "1-30"), (60, "31-60"), (90, "61-90"))

DSO_PERIOD_DAYS = 90


def days_overdue(due_on: date, today: date) -> int:
    """Days past the due date (0 or negative when not yet overdue)."""
    return (today - due_on).days


def aging_bucket(due_on: date, today: date) -> str:
    """The aging bucket of an invoice due on `due_on`, seen on `today`."""
    days = days_overdue(due_on, today)
    for most, name in _BUCKET_DAYS:
        if days <= most:
            return name
    return "90+"


def aging_edges(today: date) -> tuple[tuple[str, date], ...]:
    """Each bucket but the last with the earliest due date it holds, newest first.

    An invoice falls in the first bucket whose edge its due date reaches; older ones are
    "90+". `aging_bucket` and this agree on every day (a test checks each boundary).
    """
    return tuple((name, today - timedelta(days=most)) for most, name in _BUCKET_DAYS)


@dataclass(frozen=True, slots=True)
class AgingCell:
    """Open balance of one (currency, segment, bucket) group, as the database sums it."""

    currency: str
    segment: str
    bucket: str
    open_minor: int
    invoices: int


@dataclass(slots=True)
class AgingLine:
    """One line of the aging table: a currency and a segment (or "all" segments)."""

    currency: str
    segment: str
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    invoices: int = 0

    @property
    def total(self) -> int:
        """The open balance of the line, in its one currency."""
        return sum(self.buckets.values())


def aging_lines(cells: Iterable[AgingCell]) -> list[AgingLine]:
    """Lines per currency: an "all" line first, then one per segment; currencies never mix."""
    lines: dict[tuple[str, str], AgingLine] = {}
    for cell in cells:
        if cell.bucket not in BUCKETS:
            raise ValueError(f"unknown aging bucket {cell.bucket!r}")
        for segment in ("all", cell.segment):
            line = lines.setdefault((cell.currency, segment), AgingLine(cell.currency, segment))
            line.buckets[cell.bucket] += cell.open_minor
            line.invoices += cell.invoices
    return sorted(lines.values(), key=lambda x: (x.currency, x.segment != "all", x.segment))


def dso_days(open_minor: int, invoiced_minor: int,
             period_days: int = DSO_PERIOD_DAYS) -> Decimal | None:
    """Days sales outstanding: open receivables / invoiced in the period x the period's days.

    One currency at a time. None when nothing was invoiced in the period (DSO undefined).
    """
    if invoiced_minor <= 0:
        return None
    value = Decimal(open_minor) * period_days / Decimal(invoiced_minor)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def week_start(moment: datetime) -> date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def week_starts(now: datetime, weeks: int) -> list[date]:
    """The Mondays (UTC) of the last `weeks` weeks, oldest first, this week last."""
    this = week_start(now)
    return [this - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def midnight(day: date) -> datetime:
    """The first moment of `day` in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def rate(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole` with one decimal; None when `whole` is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"),
                                                           rounding=ROUND_HALF_UP)


def kept_rate(kept: int, broken: int) -> Decimal | None:
    """Of the agreements that reached an outcome, the percentage kept."""
    return rate(kept, kept + broken)


@dataclass(frozen=True, slots=True)
class Durations:
    """How long something took, summarised in hours (one decimal)."""

    count: int
    median_hours: Decimal | None
    p90_hours: Decimal | None
    mean_hours: Decimal | None


def _hours(delta: timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / 3600).quantize(Decimal("0.1"),
                                                          rounding=ROUND_HALF_UP)


def durations(spans: Sequence[timedelta]) -> Durations:
    """Median, 90th percentile (nearest rank) and mean of `spans`."""
    if not spans:
        return Durations(0, None, None, None)
    ordered = sorted(spans)
    n = len(ordered)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    p90 = ordered[max(0, -(-9 * n // 10) - 1)]  # nearest rank: ceil(0.9 n), 1-based
    mean = sum(ordered, timedelta()) / n
    return Durations(n, _hours(median), _hours(p90), _hours(mean))


def share(values: Mapping[str, int]) -> dict[str, Decimal]:
    """Each value's percentage of their sum (one currency, or plain counts)."""
    whole = sum(values.values())
    return {k: rate(v, whole) or Decimal(0) for k, v in values.items()}

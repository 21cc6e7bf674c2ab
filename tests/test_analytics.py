"""The dashboard's arithmetic on hand-built values: buckets, currencies, DSO, weeks, times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot import analytics
from bot.analytics import AgingCell

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(("days", "bucket"), [
    (-10, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+"),
])
def test_an_invoice_falls_in_the_bucket_of_its_days_overdue(days: int, bucket: str) -> None:
    assert analytics.aging_bucket(TODAY - timedelta(days=days), TODAY) == bucket


def test_the_sql_edges_put_every_due_date_in_the_same_bucket_as_the_days_count() -> None:
    edges = analytics.aging_edges(TODAY)
    for days in range(-40, 200):
        due = TODAY - timedelta(days=days)
        by_edge = next((name for name, edge in edges if due >= edge), "90+")
        assert by_edge == analytics.aging_bucket(due, TODAY), days


def test_balances_in_different_currencies_are_never_added_together() -> None:
    lines = analytics.aging_lines([
        AgingCell("COP", "default", "current", 120_000_000, 1),
        AgingCell("COP", "pymes", "1-30", 85_000_000, 2),
        AgingCell("USD", "default", "1-30", 150_050, 1),
        AgingCell("USD", "default", "90+", 32_000, 1),
    ])
    by_key = {(x.currency, x.segment): x for x in lines}
    assert set(by_key) == {("COP", "all"), ("COP", "default"), ("COP", "pymes"),
                           ("USD", "all"), ("USD", "default")}
    assert by_key["COP", "all"].total == 205_000_000
    assert by_key["COP", "all"].buckets["1-30"] == 85_000_000
    assert by_key["COP", "all"].invoices == 3
    assert by_key["USD", "all"].total == 182_050
    assert by_key["USD", "all"].buckets == {"current": 0, "1-30": 150_050, "31-60": 0,
                                            "61-90": 0, "90+": 32_000}
    # Each currency's "all" line comes first, then its segments.
    assert [(x.currency, x.segment) for x in lines][:3] == [
        ("COP", "all"), ("COP", "default"), ("COP", "pymes")]


def test_an_unknown_bucket_from_the_database_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(ValueError, match="unknown aging bucket"):
        analytics.aging_lines([AgingCell("COP", "default", "old", 1, 1)])


@pytest.mark.parametrize(("open_minor", "invoiced", "expected"), [
    (1_000, 3_000, Decimal("30.0")),      # a third of the period's sales still owed
    (3_000, 3_000, Decimal("90.0")),
    (6_000, 3_000, Decimal("180.0")),     # older debt than the period's sales
    (1_000, 7_000, Decimal("12.9")),      # 12.857... rounds half up
    (0, 3_000, Decimal("0.0")),
    (5_000, 0, None),                     # nothing invoiced: DSO is undefined, not infinite
])
def test_dso_is_open_receivables_over_the_last_90_days_invoiced_times_90(
        open_minor: int, invoiced: int, expected: Decimal | None) -> None:
    assert analytics.dso_days(open_minor, invoiced) == expected


def test_weeks_start_on_monday_in_utc_oldest_first() -> None:
    now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday
    starts = analytics.week_starts(now, 3)
    assert starts == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert all(d.weekday() == 0 for d in starts)
    # Sunday 23:59 UTC is still the week before; Monday 00:00 UTC starts the next.
    assert analytics.week_start(datetime(2026, 11, 22, 23, 59, tzinfo=UTC)) == date(2026, 11, 16)
    assert analytics.week_start(datetime(2026, 11, 23, 0, 0, tzinfo=UTC)) == date(2026, 11, 23)


def test_time_to_resolution_gives_median_p90_and_mean_in_hours() -> None:
    hours = [timedelta(hours=h) for h in (1, 2, 3, 4, 5, 6, 7, 8, 9, 100)]
    d = analytics.durations(hours)
    assert (d.count, d.median_hours, d.p90_hours, d.mean_hours) == (
        10, Decimal("5.5"), Decimal("9.0"), Decimal("14.5"))
    odd = analytics.durations([timedelta(minutes=30), timedelta(hours=2), timedelta(hours=1)])
    assert (odd.median_hours, odd.p90_hours) == (Decimal("1.0"), Decimal("2.0"))
    assert analytics.durations([]) == analytics.Durations(0, None, None, None)


def test_the_kept_rate_counts_only_agreements_that_reached_an_outcome() -> None:
    assert analytics.kept_rate(3, 1) == Decimal("75.0")
    assert analytics.kept_rate(0, 0) is None
    assert analytics.rate(1, 3) == Decimal("33.3")
    assert analytics.share({"a": 1, "b": 3}) == {"a": Decimal("25.0"), "b": Decimal("75.0")}

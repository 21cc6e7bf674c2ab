"""The one clock every component reads, so tests, demos and replays can set "now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current moment from the operating system."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests, `tick --now` and `chat --now`."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        """The moment this clock was set to."""
        return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to `at`."""
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self._at += delta


class ShiftedClock:
    """A clock that starts at a given moment and then runs at real speed (RECOBRO_NOW)."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = _aware(start) - self._base.now()

    def now(self) -> datetime:
        """The shifted current moment."""
        return self._base.now() + self._offset


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 moment; one without an offset is read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is not an ISO 8601 moment; write it like 2026-11-24T10:00:00-05:00"
        ) from exc
    return _aware(value)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

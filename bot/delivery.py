"""Delivery statuses of an outbound message, and the rule that they only move forward.

Providers report a message's fate in callbacks that may arrive twice, late or out of order
(a "sent" after its "delivered"; a "delivered" before the dispatcher has even recorded the
provider's id). Whatever the order, the stored status only ever moves forward:

    queued < sending < sent < delivered < read          failed, undelivered: final

- A status at or below the current rank changes nothing (a duplicate, a late "sent").
- "read" implies "delivered": both timestamps are set.
- A failure (failed, undelivered) applies while the message is not yet delivered. A failure
  reported after "delivered" or "read" does not regress the status: it is only logged as an
  event, because the debtor did get the message.
- "read" after a failure applies: the debtor saw the message, which is what staff need.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

PROGRESS = {"queued": 1, "accepted": 1, "scheduled": 1, "sending": 2, "sent": 3,
            "delivered": 4, "read": 5}
FAILURES = frozenset({"failed", "undelivered"})
FAILURE_RANK = 4  # a failure is a final outcome, level with "delivered"
# Statuses the dispatcher sets that no callback can move any more.
SETTLED = frozenset({"cancelled", "held"})


def rank(status: str) -> int:
    """How far along `status` is (0 for statuses outside delivery, like held)."""
    if status in FAILURES:
        return FAILURE_RANK
    return PROGRESS.get(status, 0)


@dataclass(frozen=True, slots=True)
class Change:
    """What a reported status does to a stored one."""

    status: str  # the status to store (the current one when nothing changes)
    changed: bool
    late_failure: bool = False  # a failure reported after delivery: log it, keep the status


def advance(current: str, reported: str) -> Change:
    """Apply a reported status to the stored one, forward only."""
    reported = "queued" if reported in ("accepted", "scheduled") else reported
    if current in SETTLED or (reported not in PROGRESS and reported not in FAILURES):
        return Change(current, False)
    if reported in FAILURES:
        if current in FAILURES:
            return Change(current, False)
        if rank(current) >= PROGRESS["delivered"]:
            return Change(current, False, late_failure=True)
        return Change(reported, True)
    if rank(reported) > rank(current):
        return Change(reported, True)
    return Change(current, False)

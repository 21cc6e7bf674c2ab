"""Fixtures of the fault tests: one timeline for the product and the fake providers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.harness import FakeInThread, Timeline


@pytest.fixture
def timeline() -> Timeline:
    """The product's clock across worker restarts (RECOBRO_NOW plus real time elapsed)."""
    return Timeline()


@pytest.fixture
def fake(timeline: Timeline) -> Iterator[FakeInThread]:
    """The fake Twilio and Telegram, in a thread, dating what it creates on the timeline."""
    served = FakeInThread(timeline.now)
    yield served
    served.stop()

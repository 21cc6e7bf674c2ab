"""A debtor who writes first may be answered at once, inside the preset's reply window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from compliance_helpers import at_local, contact, debtor, local

from bot.compliance import (
    Allowed,
    Channel,
    MessageKind,
    NotBefore,
    RuleCode,
    apply_override,
    decide,
    preset,
)

WA = Channel.WHATSAPP
K = MessageKind
BOG = "America/Bogota"

# (country, zone, a time outside the contact window but inside the reply window)
SUNDAYS = [
    ("CO", BOG, (2026, 3, 15, 11, 0)),
    ("CL", "America/Santiago", (2026, 3, 15, 11, 0)),
    ("PE", "America/Lima", (2026, 3, 14, 11, 0)),
    ("MX", "America/Mexico_City", (2026, 3, 14, 11, 0)),
    ("US", "America/New_York", (2026, 11, 26, 11, 0)),  # Thanksgiving
    ("BR", "America/Sao_Paulo", (2026, 3, 15, 11, 0)),
    ("ES", "Europe/Madrid", (2026, 3, 15, 11, 0)),
    ("AR", "America/Argentina/Buenos_Aires", (2026, 3, 15, 11, 0)),
]


@pytest.mark.parametrize(("country", "tz", "clock"), SUNDAYS)
@pytest.mark.parametrize("kind", [K.REPLY, K.REQUESTED_INFO, K.STAFF_MESSAGE])
def test_a_debtor_who_writes_first_is_answered_at_once_inside_the_reply_window(
    country: str, tz: str, clock: tuple[int, ...], kind: MessageKind
) -> None:
    now = local(tz, *clock)
    who = debtor(country, tz)
    assert isinstance(decide(who, WA, K.REMINDER_DUE, [], now), NotBefore)
    d = decide(who, WA, kind, [], now, last_inbound_at=now - timedelta(minutes=1))
    assert isinstance(d, Allowed)
    assert d.rule is RuleCode.ALLOWED_REPLY
    assert d.counts_toward_caps is False


def test_a_debtor_who_writes_at_night_is_answered_when_the_reply_window_opens() -> None:
    night = local(BOG, 2026, 3, 15, 22, 30)
    d = decide(debtor("CO", BOG), WA, K.REPLY, [], night, last_inbound_at=night)
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.OUTSIDE_REPLY_WINDOW
    assert at_local(d.at, BOG) == (2026, 3, 16, 7, 0)


def test_caps_exempt_replies_inside_the_conversation() -> None:
    scl = "America/Santiago"
    monday = local(scl, 2026, 3, 2, 10, 0)
    wednesday = local(scl, 2026, 3, 4, 10, 0)
    history = [contact(monday), contact(wednesday)]  # the CL weekly cap is reached
    now = local(scl, 2026, 3, 4, 10, 30)
    who = debtor("CL", scl)
    assert isinstance(decide(who, WA, K.REMINDER_OVERDUE, history, now), NotBefore)
    d = decide(who, WA, K.REPLY, history, now, last_inbound_at=now - timedelta(minutes=5))
    assert isinstance(d, Allowed) and d.counts_toward_caps is False


def test_a_reply_after_the_conversation_closed_is_an_ordinary_contact() -> None:
    scl = "America/Santiago"
    monday = local(scl, 2026, 3, 2, 10, 0)
    now = local(scl, 2026, 3, 3, 12, 0)
    wrote = now - timedelta(hours=30)  # the 24 h conversation closed 6 h ago
    d = decide(debtor("CL", scl), WA, K.REPLY, [contact(monday)], now, last_inbound_at=wrote)
    assert isinstance(d, NotBefore)
    assert d.rule is RuleCode.MIN_GAP


def test_when_the_conversation_closes_before_the_reply_window_opens_the_contact_rules_apply(
) -> None:
    # A debtor writes Saturday 06:00 under a preset whose replies open at 09:00 but whose
    # conversation lasts only 2 h: at 08:00 the rules change to the contact window (08:00).
    policy = apply_override(
        preset("CL"),
        {"conversation": {"hours": 2}, "reply_window": {"sat": ["09:00-20:00"]}},
    )
    scl = "America/Santiago"
    wrote = local(scl, 2026, 3, 7, 6, 0)
    d = decide(debtor("CL", scl), WA, K.REPLY, [], wrote, policy, last_inbound_at=wrote)
    assert isinstance(d, NotBefore)
    assert at_local(d.at, scl) == (2026, 3, 7, 8, 0)
    assert isinstance(decide(debtor("CL", scl), WA, K.REPLY, [], d.at, policy,
                             last_inbound_at=wrote), Allowed)

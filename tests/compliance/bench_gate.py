"""How fast is the gate? Decisions per second for a debtor with a 20-contact history.

Run: .venv/bin/python tests/compliance/bench_gate.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bot.compliance import (
    Channel,
    Consent,
    Contact,
    ContactStatus,
    Debtor,
    MessageKind,
    decide,
    preset_for,
)

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def history(n: int = 20) -> list[Contact]:
    """n delivered contacts, one every 36 hours before START."""
    return [
        Contact(START - timedelta(hours=36 * (i + 1)), Channel.WHATSAPP,
                MessageKind.REMINDER_OVERDUE, status=ContactStatus.DELIVERED)
        for i in range(n)
    ]


def bench(label: str, country: str, tz: str, nows: list[datetime], kind: MessageKind) -> None:
    """Print decisions per second over `nows`, after a warm-up pass."""
    debtor = Debtor(country, tz, consents=tuple(
        Consent(c, "bench", START - timedelta(days=400)) for c in Channel
    ), identity_confirmed=True)
    policy = preset_for(country)
    contacts = history()
    for now in nows[:200]:  # warm the holiday and zone caches
        decide(debtor, Channel.WHATSAPP, kind, contacts, now, policy)
    verdicts: dict[str, int] = {}
    began = time.perf_counter()
    for now in nows:
        d = decide(debtor, Channel.WHATSAPP, kind, contacts, now, policy)
        verdicts[d.verdict.value] = verdicts.get(d.verdict.value, 0) + 1
    elapsed = time.perf_counter() - began
    print(f"{label:<48} {len(nows) / elapsed:>10,.0f} decisions/s  {verdicts}")


def main() -> None:
    """Run the benchmarks."""
    n = 100_000
    spread = [START + timedelta(minutes=7 * i) for i in range(n)]  # ~ 16 months of nows
    same = [START + timedelta(seconds=i % 3600) for i in range(n)]
    bench("CO, nows spread over months (mixed)", "CO", "America/Bogota", spread,
          MessageKind.REMINDER_OVERDUE)
    bench("CL, inside the window, caps reached (NotBefore)", "CL", "America/Santiago",
          [START + timedelta(hours=1, seconds=i % 3600) for i in range(n)],
          MessageKind.REMINDER_OVERDUE)
    bench("US, inside the window (mostly Allowed)", "US", "America/New_York",
          [START + timedelta(days=40, seconds=i % 3600) for i in range(n)],
          MessageKind.REMINDER_OVERDUE)
    bench("BR, reply kind outside a conversation", "BR", "America/Sao_Paulo", same,
          MessageKind.REPLY)


if __name__ == "__main__":
    main()

"""Sixty simulated days of a 1,000-debtor portfolio, a scheduler pass every simulated hour.

Afterwards an oracle that shares no code with the gate (it reads the preset files itself
and asks the `holidays` package directly) checks every message that went out: inside its
window, no cap exceeded, nothing after a payment or an opt-out, nothing sent twice.
"""

from __future__ import annotations

import os
import random
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlmodel import col, select

from bot.clock import FixedClock
from bot.money import Money
from bot.payments import PaymentNotice
from bot.services import Services
from storage.models import Debtor, Message, Outbox
from tests.helpers import load, portfolio, row, say

pytestmark = pytest.mark.slow

DEBTORS = int(os.environ.get("RECOBRO_REPLAY_DEBTORS", "1000"))
DAYS = 60
START = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # a Monday
PRESETS = Path(__file__).resolve().parent.parent / "bot" / "compliance" / "presets"
COUNTRIES = {  # country: (phone, locale, currency)
    "CO": ("+573211234567", "es-CO", "COP"), "CL": ("+56221234567", "es-CL", "CLP"),
    "PE": ("+51912345678", "es-PE", "PEN"), "MX": ("+522221234567", "es-MX", "MXN"),
    "BR": ("+5511961234567", "pt-BR", "BRL"), "ES": ("+34612345678", "es-ES", "EUR"),
    "US": ("+12015550123", "en-US", "USD"),
}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COLLECTION = ("reminder_", "promise_reminder", "installment_reminder", "agreement_broken",
              "promise_broken", "identity_check")


@dataclass
class Script:
    pays_at: datetime | None = None
    opts_out_at: datetime | None = None
    claims_paid_at: datetime | None = None


def _portfolio(rng: random.Random) -> tuple[str, dict[str, Script]]:
    rows, scripts = [], {}
    for n in range(DEBTORS):
        country = rng.choice(sorted(COUNTRIES))
        phone, locale, currency = COUNTRIES[country]
        due = START.date() + timedelta(days=rng.randint(-40, 40))
        amount = rng.randint(50, 5000) * (1000 if currency in ("COP", "CLP") else 1)
        debtor_id = f"R-{n:04d}"
        rows.append(row(debtor_id, f"Deudor {n}", phone, f"RF-{n:04d}", str(amount), currency,
                        due.isoformat(), locale=locale, country=country,
                        document_last4=f"{rng.randint(0, 9999):04d}"))
        script = Script()
        fate = rng.random()
        moment = START + timedelta(days=rng.randint(3, DAYS - 5), hours=rng.randint(0, 23))
        if fate < 0.2:
            script.pays_at = moment
        elif fate < 0.3:
            script.opts_out_at = moment
        elif fate < 0.4:
            script.claims_paid_at = moment
        scripts[debtor_id] = script
    return portfolio(*rows), scripts


def _preset(country: str) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((PRESETS / f"{country}.toml").read_text())


def _inside(local: datetime, windows: dict, country: str, closed_on_holidays: bool) -> bool:  # type: ignore[type-arg]
    if closed_on_holidays and local.date() in holidays.country_holidays(
            country, subdiv="SP" if country == "BR" else None, years=local.year):
        return False
    for window in windows.get(DAY_NAMES[local.weekday()], []):
        start, end = (time.fromisoformat(t) for t in window.split("-"))
        if start <= local.time() < end:
            return True
    return False


async def test_sixty_days_of_reminders_respect_every_rule(services: Services,
                                                          clock: FixedClock) -> None:
    rng = random.Random(7)
    csv, scripts = _portfolio(rng)
    clock.set(START)
    services.dispatcher.creditor_tax_id = "CNPJ 12.345.678/0001-90"  # Brazil requires it
    await load(services, csv)
    events = sorted([(s.pays_at, "pay", d) for d, s in scripts.items() if s.pays_at]
                    + [(s.opts_out_at, "stop", d) for d, s in scripts.items() if s.opts_out_at]
                    + [(s.claims_paid_at, "claim", d) for d, s in scripts.items()
                       if s.claims_paid_at])
    moment = START
    while moment < START + timedelta(days=DAYS):
        while events and events[0][0] <= moment:  # type: ignore[operator]
            _, what, debtor_id = events.pop(0)
            if what == "pay":
                async with services.db.transaction() as session:
                    d = (await session.exec(select(Debtor).where(
                        Debtor.external_id == debtor_id))).one()
                    from storage.models import Invoice
                    invoice = (await session.exec(select(Invoice).where(
                        Invoice.debtor_id == d.id))).one()
                await services.engine.record_payment(PaymentNotice(
                    f"PAY-{debtor_id}", Money(invoice.open_minor, invoice.currency), moment,
                    debtor_id=debtor_id))
            else:
                await say(services, debtor_id, "STOP" if what == "stop" else "ya pagué")
        await services.scheduler.run_pass()
        moment += timedelta(hours=1)
        clock.set(moment)

    async with services.db.transaction() as session:
        debtors = {d.id: d for d in (await session.exec(select(Debtor))).all()}
        sent = (await session.exec(select(Message).where(
            Message.direction == "out", col(Message.sent_at).is_not(None))
            .order_by(col(Message.sent_at)))).all()
        inbound = (await session.exec(select(Message).where(Message.direction == "in"))).all()
        outbox = (await session.exec(select(Outbox))).all()
    assert len(sent) > DEBTORS, "the portfolio must actually have been reminded"
    failed = [o for o in outbox if o.status == "failed"]
    assert failed == [], f"{len(failed)} messages failed, first: {failed[:3]}"
    reminded = {m.debtor_id for m in sent}
    assert set(COUNTRIES) - {debtors[i].country for i in reminded} == set()
    last_in: dict[int, list[datetime]] = defaultdict(list)
    for m in inbound:
        last_in[m.debtor_id].append(m.created_at)  # type: ignore[index]
    per_day: Counter[tuple[int, date]] = Counter()
    history: dict[int, list[datetime]] = defaultdict(list)
    problems: list[str] = []
    for m in sent:
        d = debtors[m.debtor_id]  # type: ignore[index]
        preset = _preset(d.country)
        local = m.sent_at.astimezone(ZoneInfo(d.timezone))  # type: ignore[union-attr]
        replying = any(timedelta(0) <= m.sent_at - t <= timedelta(hours=24)  # type: ignore[operator]
                       for t in last_in[d.id])  # type: ignore[index]
        if m.kind == "opt_out_confirmation":
            continue
        windows = preset["reply_window"] if replying and not m.kind.startswith(COLLECTION) \
            else preset["contact_window"]
        closed = windows.get("closed_on_holidays", True)
        if not _inside(local, windows, d.country, closed):
            problems.append(f"{d.external_id} {m.kind} at {local:%a %Y-%m-%d %H:%M} local")
        if m.payload.get("counted", True) and not (replying and not m.kind.startswith(COLLECTION)):
            caps = preset["caps"]
            per_day[(d.id, local.date())] += 1  # type: ignore[index]
            if caps["per_local_day"] and per_day[(d.id, local.date())] > caps["per_local_day"]:
                problems.append(f"{d.external_id}: daily cap exceeded on {local.date()}")
            week = [t for t in history[d.id] if m.sent_at - t < timedelta(days=7)]  # type: ignore[index, operator]
            if caps["per_rolling_7_days"] and len(week) + 1 > caps["per_rolling_7_days"]:
                problems.append(f"{d.external_id}: weekly cap exceeded at {local}")
            if caps["min_gap_hours"] and week and \
                    m.sent_at - week[-1] < timedelta(hours=caps["min_gap_hours"]):  # type: ignore[operator]
                problems.append(f"{d.external_id}: contacts closer than the minimum gap")
            history[d.id].append(m.sent_at)  # type: ignore[index, arg-type]
        script = scripts[d.external_id]
        if script.pays_at and m.sent_at > script.pays_at and m.kind != "payment_thanks":  # type: ignore[operator]
            problems.append(f"{d.external_id}: {m.kind} after paying")
        if script.opts_out_at and m.sent_at > script.opts_out_at + timedelta(minutes=1):  # type: ignore[operator]
            problems.append(f"{d.external_id}: {m.kind} after opting out")
    assert problems == [], f"{len(problems)} problems, first: {problems[:10]}"
    assert all(o.attempts == 1 for o in outbox if o.status == "sent"), "a message sent twice"
    reminders = [m for m in sent if m.kind.startswith("reminder_")]
    same_day = Counter((m.debtor_id, m.sent_at.astimezone(  # type: ignore[union-attr]
        ZoneInfo(debtors[m.debtor_id].timezone)).date()) for m in reminders)  # type: ignore[index]
    assert max(same_day.values()) == 1, "two reminders to one debtor on one day"
    per_debtor = Counter(m.debtor_id for m in reminders)
    assert max(per_debtor.values()) <= 7, "more reminders than the cadence has steps"
    thanks = Counter(m.debtor_id for m in sent if m.kind == "payment_thanks")
    assert set(thanks.values()) == {1}
    # Every payer was thanked (within the rules' hours), and US contacts saw no debt before
    # proving who they are.
    # Every payer is thanked, except a US contact who never proved who they are: thanking
    # them for a payment would tell a possible stranger about the debt.
    payers = {d.id for d in debtors.values() if scripts[d.external_id].pays_at}
    unthanked = {debtors[i].external_id: debtors[i].country for i in payers - set(thanks)}
    assert set(unthanked.values()) <= {"US"}, unthanked
    for m in sent:
        d = debtors[m.debtor_id]  # type: ignore[index]
        if d.country == "US":
            assert m.kind in ("identity_check", "opt_out_confirmation", "reply") or \
                d.identity_verified_at is not None, f"{d.external_id} got {m.kind}"

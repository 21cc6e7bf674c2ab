"""The staff desk: what a person on staff can do to a case, whatever the surface.

The Telegram staff bot and the web admin's staff page both call these methods; each
decision becomes a `StaffActed` on the engine's path (`Engine.staff_event`), applied once
per update key, decided by the pure flows (`bot.flows.staff`) and logged as a step by the
staff member. What the desk adds is reading the case (which offer, which reason), payments
through the payment path, and telling the staff member what happened in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select

from bot.clock import Clock
from bot.dispatch import Dispatcher
from bot.domain import StaffActed, storable
from bot.engine import Engine
from bot.escalations import ESCALATION_DEADLINES, notice
from bot.flows.core import Decision, Note
from bot.money import format_money
from bot.payments import PaymentNotice
from bot.staff import terms
from bot.staff.card import describe_offer
from bot.staff.cases import CaseView, case_offer, load_case, open_cases
from bot.staff.people import Actor, StaffList
from storage.db import Database
from storage.models import Escalation, Message, Outbox, StaffNotice
from storage.models import Event as EventRow

MAX_REMINDERS = 4  # raised again at most this many times; it stays on /cases after that
ACTIONS = ("take", "back", "approve", "counter", "reject", "verify", "notrec", "paid", "snooze")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a staff action, in words for the person who asked."""

    ok: bool
    text: str
    case_id: int | None = None
    debtor_id: int | None = None


class StaffDesk:
    """Cases and the decisions staff take on them."""

    def __init__(self, db: Database, clock: Clock, engine: Engine, dispatcher: Dispatcher,
                 people: StaffList) -> None:
        self.db = db
        self.clock = clock
        self.engine = engine
        self.dispatcher = dispatcher
        self.people = people

    # Reading ---------------------------------------------------------------------------

    async def role(self, telegram_user_id: int) -> str | None:
        """`admin`, `staff` or None for a Telegram user."""
        async with self.db.transaction() as session:
            return await self.people.role(session, telegram_user_id)

    async def case(self, case_id: int) -> CaseView | None:
        """One case as its card shows it."""
        async with self.db.transaction() as session:
            return await load_case(session, case_id, self.clock.now())

    async def open_cases(self) -> list[CaseView]:
        """Every case not yet resolved, most urgent first."""
        async with self.db.transaction() as session:
            return await open_cases(session, self.clock.now())

    # Deciding --------------------------------------------------------------------------

    async def act(self, case_id: int, action: str, actor: Actor, *, key: str,
                  arg: str = "") -> Outcome:
        """Apply one decision to a case; `key` makes a repeated update a no-op."""
        view = await self.case(case_id)
        if view is None or view.debtor_id is None:
            return Outcome(False, f"There is no case #{case_id} with a debtor.", case_id)
        if action not in ACTIONS:
            return Outcome(False, f"Unknown action {action!r}.", case_id, view.debtor_id)
        if not view.open and action != "back":
            return Outcome(False, f"Case #{case_id} is already resolved "
                           f"({view.resolution or 'done'}).", case_id, view.debtor_id)
        if action in ("paid", "verify"):
            return await self._paid(view, actor, key=key, arg=arg or "all")
        data: dict[str, object] = {"case": case_id, "name": actor.name, "reason": view.reason}
        event_action = {"take": "take_over", "back": "return_to_bot", "approve": "approve_offer",
                        "counter": "counter", "reject": "reject", "notrec": "not_received",
                        "snooze": "snooze"}[action]
        if action == "approve":
            offer = case_offer(view.data)
            data |= {"offer": offer or {}, "proposal": view.proposal}
        elif action == "counter":
            try:
                proposal = terms.proposal(arg, view.balance.currency if view.balance else "COP",
                                          view.balance)
            except terms.TermsError as exc:
                return Outcome(False, str(exc), case_id, view.debtor_id)
            data["proposal"] = proposal.as_dict()
        elif action == "snooze":
            try:
                data["hours"] = max(1, min(int(arg or "4"), 24 * 7))
            except ValueError:
                return Outcome(False, "Snooze for a whole number of hours.", case_id,
                               view.debtor_id)
        decision = await self.engine.staff_event(
            view.debtor_id, StaffActed(event_action, actor.key, data), key=key)
        return self._outcome(view, action, decision, data)

    async def _paid(self, view: CaseView, actor: Actor, *, key: str, arg: str) -> Outcome:
        assert view.debtor_id is not None
        if view.balance is None:
            return Outcome(False, "Nothing is owed any more: there is nothing to mark paid.",
                           view.id, view.debtor_id)
        try:
            amount = terms.amount(arg, view.balance.currency, view.balance)
        except terms.TermsError as exc:
            return Outcome(False, str(exc), view.id, view.debtor_id)
        # The staff update's key is the payment's reference: pressing twice pays once.
        paid = await self.engine.record_payment(PaymentNotice(
            reference=f"staff:{key}"[:120], amount=amount, paid_at=self.clock.now(),
            debtor_id=view.external_id, source="staff"))
        if paid.status == "held":
            return Outcome(False, f"Not applied: {paid.reason}. Nothing changed.", view.id,
                           view.debtor_id)
        decision = await self.engine.staff_event(view.debtor_id, StaffActed(
            "mark_paid", actor.key, {"case": view.id, "name": actor.name,
                                     "amount": amount.as_json(), "reference": f"staff:{key}"}),
            key=f"{key}:case")
        if decision is None and paid.status == "duplicate":
            return Outcome(True, "Already recorded.", view.id, view.debtor_id)
        return Outcome(True, f"Payment of {format_money(amount, view.locale)} recorded for "
                       f"{view.name}; the case is closed.", view.id, view.debtor_id)

    def _outcome(self, view: CaseView, action: str, decision: Decision | None,
                 data: dict[str, object]) -> Outcome:
        first = view.name.split()[0] if view.name else "the debtor"
        if decision is None:
            return Outcome(True, "Already done.", view.id, view.debtor_id)
        refused = [a for a in decision.actions
                   if isinstance(a, Note) and a.kind.endswith("_refused")]
        if refused:
            messages = refused[0].data.get("messages") or refused[0].data.get("broken") or []
            return Outcome(False, "Not done: " + " ".join(str(m) for m in messages), view.id,
                           view.debtor_id)
        offer = decision.data.get("offer")
        texts = {
            "take": f"You have the conversation with {first}. Write here to answer them; the "
                    "bot sends nothing on its own until you return it.",
            "back": f"Returned to the bot. {first}'s conversation goes on from "
                    f"{decision.state.value.replace('_', ' ')}.",
            "approve": f"Approved: {first} got the terms to confirm"
                       + (f" ({describe_offer(offer, view.locale)})." if offer else "."),
            "counter": f"Counter-offer sent to {first}"
                       + (f": {describe_offer(offer, view.locale)}." if offer else "."),
            "reject": f"Rejected; {first} was told.",
            "notrec": f"{first} was told the payment was not found; reminders resume.",
            "snooze": f"Snoozed for {data.get('hours')} h.",
        }
        return Outcome(True, texts[action], view.id, view.debtor_id)

    async def message(self, debtor_id: int, text: str, actor: Actor, *, key: str) -> Outcome:
        """What a person writes to the debtor during their takeover: through the outbox and
        the compliance gate like every message; sent now if the rules allow it."""
        text = storable(text).strip()
        if not text:
            return Outcome(False, "Nothing to send.", debtor_id=debtor_id)
        decision = await self.engine.staff_event(debtor_id, StaffActed(
            "message", actor.key, {"text": text[:4000], "name": actor.name}), key=key)
        if decision is None:
            return Outcome(True, "Already sent.", debtor_id=debtor_id)
        refused = [a for a in decision.actions
                   if isinstance(a, Note) and a.kind.endswith("_refused")]
        if refused:
            return Outcome(False, "Not sent: " + " ".join(
                str(m) for m in refused[0].data.get("messages", [])) + (
                " Press Take over on the case." if "not_taken" in
                refused[0].data.get("broken", []) else ""), debtor_id=debtor_id)
        await self.dispatcher.run_once(debtor_id=debtor_id)
        return Outcome(True, await self._delivery(debtor_id), debtor_id=debtor_id)

    async def _delivery(self, debtor_id: int) -> str:
        """Where the message just written stands: sent, waiting for the rules, or not sent."""
        async with self.db.transaction() as session:
            row = (await session.exec(
                select(Message, Outbox).join(Outbox, col(Outbox.message_id) == Message.id)
                .where(Message.debtor_id == debtor_id, Message.kind == "staff_message")
                .order_by(col(Message.id).desc()).limit(1))).first()
        if row is None:
            return "Queued."
        message, box = row
        if message.status in ("sent", "delivered", "read"):
            return f"Sent on {message.channel}."
        if box.status == "pending" and box.due_at > self.clock.now():
            return (f"Queued: the contact rules let it go at {box.due_at:%Y-%m-%d %H:%M} UTC "
                    f"({box.last_error or 'outside the contact window'}).")
        if box.status in ("cancelled", "failed"):
            return f"Not sent: {message.error_message or box.last_error or box.status}."
        return "Queued; it goes out in a moment."

    async def refuse(self, telegram_user_id: int, name: str, what: str) -> None:
        """Log an attempt by someone not on the staff list (they get a refusal)."""
        async with self.db.transaction() as session:
            session.add(EventRow(at=self.clock.now(), actor=f"telegram:{telegram_user_id}",
                                 kind="staff.refused", data={"name": name, "attempt": what}))

    async def audit(self, actor: Actor, kind: str, data: dict[str, object],
                    debtor_id: int | None = None) -> None:
        """Log a staff action that is not a step of a conversation (a command, a prompt)."""
        async with self.db.transaction() as session:
            session.add(EventRow(at=self.clock.now(), actor=actor.key, debtor_id=debtor_id,
                                 kind=kind, data={"name": actor.name, **data}))

    # Deadlines -------------------------------------------------------------------------

    async def raise_overdue(self) -> int:
        """Cases nobody picked up by their deadline are raised again: first in the staff
        group, then to the admins; how many were raised."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            stmt = select(Escalation).where(col(Escalation.status).in_(("open", "snoozed")),
                                            col(Escalation.deadline) <= now,
                                            col(Escalation.reminders) < MAX_REMINDERS)
            if self.db.is_postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            cases = list((await session.exec(stmt)).all())
            for case in cases:
                case.reminders += 1
                case.status = "open"
                case.deadline = now + ESCALATION_DEADLINES.get(case.priority,
                                                               ESCALATION_DEADLINES["normal"])
                session.add(case)
                session.add(notice(case.debtor_id, "reminder", now, escalation_id=case.id,
                                   data={"level": case.reminders}))
        return len(cases)

    async def skip_notices(self, reason: str) -> int:
        """Without a staff group, notices have nowhere to go: marked skipped (the web page
        shows the cases themselves)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            result = await session.exec(
                update(StaffNotice).where(col(StaffNotice.status) == "pending")
                .values(status="skipped", error=reason, sent_at=now))
        return int(result.rowcount or 0)

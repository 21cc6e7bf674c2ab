"""The staff bot in the Telegram staff group: cards with buttons, topics, relays, commands.

The same python-telegram-bot `Application` as the debtors' channel (one token, one API
base): the webhook and the long-polling loop hand an update to `StaffBot.handle` when it
comes from the staff group (or is an admin's command in a private chat), and to the
debtor handler otherwise.

Out: `StaffNotice` rows, written in the transaction that caused them (a case opened, a
debtor's message during a takeover, a deadline missed), are posted here with a lease, like
the outbox: a card per case with its buttons, in the debtor's topic when the group is a
forum (created on first use, its id kept on the debtor), a reminder when a case waits past
its deadline (then to the admins), the summary when a takeover ends.

In: a button press (`rc:<action>:<case>[:<arg>]`), a reply to one of the bot's prompts (a
counter-offer's terms, an amount paid), a message in a debtor's topic or a reply to one of
their posts (during a takeover: text for the debtor), and `/cases`, `/limits`,
`/setlimit`, `/help`. Only users on the staff list act; anyone else gets a refusal and
the attempt is logged. Staff-facing texts are English for now.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, func, select
from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReactionTypeEmoji,
    ReplyParameters,
    Update,
    User,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.telegram import TelegramChannel, retry_seconds
from bot.clock import Clock
from bot.media import MediaStore
from bot.staff import limits as limit_commands
from bot.staff.card import (
    Button,
    buttons,
    card_text,
    payment_choices,
    reason_text,
    snooze_choices,
)
from bot.staff.cases import CaseView
from bot.staff.desk import Outcome, StaffDesk
from bot.staff.people import Actor
from storage.db import Database
from storage.models import Attachment, Debtor, StaffNotice, Timer
from storage.models import Message as MessageRow

log = logging.getLogger(__name__)

CALLBACK_PREFIX = "rc"
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
REFUSAL = "Only staff can do this. Ask an admin to add your Telegram user id."
HELP = ("Cases come here as cards; the buttons decide. During a takeover, write in the "
        "debtor's topic (or reply to their messages) to answer them.\n"
        "/cases: the open cases\n"
        "/limits SEGMENT: a segment's limits (admins)\n"
        "/setlimit SEGMENT KEY VALUE: change one (admins)")
_NOT_MODIFIED = "message is not modified"


@dataclass(frozen=True, slots=True)
class Posted:
    """Where a notice went."""

    chat_id: str
    message_id: int


class Permanent(Exception):
    """A notice that cannot be posted, however often it is tried."""


class StaffBot:
    """Posts cases to the staff group and applies what staff do there."""

    def __init__(self, channel: TelegramChannel, chat_id: int, desk: StaffDesk, db: Database,
                 clock: Clock, store: MediaStore) -> None:
        self.channel = channel
        self.chat_id = chat_id
        self.desk = desk
        self.db = db
        self.clock = clock
        self.store = store
        self._forum: bool | None = None
        self._kick = asyncio.Event()

    @property
    def bot(self) -> Any:
        """The PTB bot (shared with the debtors' channel)."""
        return self.channel.bot

    # Routing ---------------------------------------------------------------------------

    async def wants(self, update: Update) -> bool:
        """True when this update is for the staff bot rather than a debtor's conversation."""
        query = update.callback_query
        if query is not None:
            chat = query.message.chat if query.message is not None else None
            return chat is not None and chat.id == self.chat_id
        message = update.message
        if message is None:
            return False
        if message.chat.id == self.chat_id:
            return True
        text = message.text or ""
        if message.chat.type == "private" and text.startswith("/") \
                and not text.startswith("/start") and message.from_user is not None:
            return await self.desk.role(message.from_user.id) is not None
        return False

    async def handle(self, update: Update) -> str:
        """Apply one staff update; what became of it."""
        await self.channel.start()
        if update.callback_query is not None:
            status = await self._button(update.callback_query)
        elif update.message is not None:
            status = await self._message(update.message)
        else:
            status = "ignored"
        self.kick()
        await self.run_once(once=True)  # the card shows the decision at once; the rest later
        return status

    # Buttons ---------------------------------------------------------------------------

    async def _button(self, query: CallbackQuery) -> str:
        user = query.from_user
        parts = (query.data or "").split(":")
        if len(parts) < 3 or parts[0] != CALLBACK_PREFIX or not parts[2].isdigit():
            await self._answer(query, "This button is from an older version; use /cases.")
            return "ignored"
        action, case_id, arg = parts[1], int(parts[2]), ":".join(parts[3:])
        actor = await self._actor(user)
        if actor is None:
            await self.desk.refuse(user.id, user.full_name, f"button {action} on case {case_id}")
            await self._answer(query, REFUSAL, alert=True)
            return "refused"
        view = await self.desk.case(case_id)
        if view is None:
            await self._answer(query, f"Case #{case_id} no longer exists.")
            return "ignored"
        message = query.message if isinstance(query.message, Message) else None
        if action == "card" or (action in ("paid", "verify") and not arg) or \
                (action == "snooze" and not arg):
            rows = (payment_choices(view) if action in ("paid", "verify")
                    else snooze_choices() if action == "snooze" else buttons(view))
            if message is not None:
                await self._edit_markup(message, case_id, rows)
            await self._answer(query, "")
            return "menu"
        if action == "counter" or (action == "paid" and arg == "ask"):
            await self._prompt(view, action, message)
            await self._answer(query, "Reply to my message with the "
                                      + ("terms." if action == "counter" else "amount."))
            await self.desk.audit(actor, "staff.prompt", {"case": case_id, "action": action},
                                  view.debtor_id)
            return "prompted"
        outcome = await self.desk.act(case_id, action, actor, key=f"cbq:{query.id}", arg=arg)
        await self._answer(query, outcome.text, alert=not outcome.ok)
        return "applied" if outcome.ok else "refused"

    async def _actor(self, user: User | None) -> Actor | None:
        if user is None or user.is_bot:
            return None
        role = await self.desk.role(user.id)
        if role is None:
            return None
        return Actor.telegram(user.id, user.full_name, admin=role == "admin")

    async def _answer(self, query: CallbackQuery, text: str, *, alert: bool = False) -> None:
        try:
            await self.bot.answer_callback_query(query.id, text=text[:200] or None,
                                                 show_alert=alert)
        except TelegramError as exc:  # the decision stands; only the toast is lost
            log.warning("answerCallbackQuery %s failed: %s", query.id, exc)

    async def _edit_markup(self, message: Message, case_id: int,
                           rows: list[list[Button]]) -> None:
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id,
                reply_markup=keyboard(case_id, rows))
        except BadRequest as exc:
            if _NOT_MODIFIED not in exc.message.lower():
                raise

    async def _prompt(self, view: CaseView, action: str, card: Message | None) -> None:
        """Ask for what the button needs typed (ForceReply opens the reply box)."""
        first = view.name.split()[0]
        if action == "counter":
            text = (f"Counter-offer for {first} (case #{view.id}): reply with the terms, e.g. "
                    "plan 8 | plan 8 weekly from 2026-12-01 | pay 2026-12-15 | settle 900000 "
                    "by 2026-12-05 | discount 15")
        else:
            text = f"Payment from {first} (case #{view.id}): reply with the amount received."
        thread = await self._thread(view.debtor_id)
        sent = await self.bot.send_message(
            chat_id=self.chat_id, text=text, message_thread_id=thread,
            reply_markup=ForceReply(selective=True, input_field_placeholder="your answer"),
            reply_parameters=ReplyParameters(card.message_id, allow_sending_without_reply=True)
            if card is not None else None)
        now = self.clock.now()
        async with self.db.transaction() as session:
            session.add(StaffNotice(debtor_id=view.debtor_id, escalation_id=view.id,
                                    kind="prompt", data={"action": action}, status="sent",
                                    due_at=now, created_at=now, sent_at=now,
                                    chat_id=str(self.chat_id), message_id=sent.message_id))

    # Messages --------------------------------------------------------------------------

    async def _message(self, message: Message) -> str:
        user = message.from_user
        if user is None or user.is_bot:
            return "ignored"
        text = (message.text or message.caption or "").strip()
        if text.startswith("/"):
            return await self._command(message, text)
        if message.chat.id != self.chat_id:
            return "ignored"
        reply_to = message.reply_to_message
        target = await self._post(reply_to.message_id) if reply_to is not None else None
        debtor_id = target.debtor_id if target is not None else None
        if debtor_id is None and message.is_topic_message and message.message_thread_id:
            debtor_id = await self._debtor_of_topic(message.message_thread_id)
        if target is None and debtor_id is None:
            return "ignored"  # staff talking among themselves
        actor = await self._actor(user)
        if actor is None:
            await self.desk.refuse(user.id, user.full_name, "a message in the staff group")
            await self._reply(message, REFUSAL)
            return "refused"
        key = f"msg:{message.chat.id}:{message.message_id}"
        if target is not None and target.kind == "prompt" and target.escalation_id is not None:
            action = str(target.data.get("action"))
            outcome = await self.desk.act(target.escalation_id, action, actor, key=key,
                                          arg=text)
            await self._reply(message, outcome.text)
            return "applied" if outcome.ok else "refused"
        if debtor_id is None or not text:
            return "ignored"
        outcome = await self.desk.message(debtor_id, text, actor, key=key)
        await self._acknowledge(message, outcome)
        return "relayed" if outcome.ok else "refused"

    async def _acknowledge(self, message: Message, outcome: Outcome) -> None:
        """A thumbs-up when the text went out; words when it waits or was refused."""
        if outcome.ok and outcome.text.startswith("Sent"):
            try:
                await self.bot.set_message_reaction(chat_id=message.chat.id,
                                                    message_id=message.message_id,
                                                    reaction=[ReactionTypeEmoji("👍")])
                return
            except TelegramError:
                pass  # reactions may be off in the group: say it in words
        await self._reply(message, outcome.text)

    async def _reply(self, message: Message, text: str) -> None:
        await self.bot.send_message(
            chat_id=message.chat.id, text=text[:4000],
            message_thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_parameters=ReplyParameters(message.message_id,
                                             allow_sending_without_reply=True))

    async def _command(self, message: Message, text: str) -> str:
        user = message.from_user
        assert user is not None
        words = text.split()
        command = words[0].split("@")[0].lower()
        if command not in ("/cases", "/limits", "/setlimit", "/help"):
            return "ignored"
        actor = await self._actor(user)
        if actor is None:
            await self.desk.refuse(user.id, user.full_name, command)
            await self._reply(message, REFUSAL)
            return "refused"
        if command == "/help":
            await self._reply(message, HELP)
            return "answered"
        if command == "/cases":
            await self._reply(message, cases_text(await self.desk.open_cases(),
                                                  self.clock.now()))
            return "answered"
        if not actor.admin:
            await self.desk.refuse(user.id, user.full_name, command)
            await self._reply(message, "Only admins can see or change limits.")
            return "refused"
        return await self._limits(message, actor, command, words[1:])

    async def _limits(self, message: Message, actor: Actor, command: str,
                      args: list[str]) -> str:
        try:
            async with self.db.transaction() as session:
                if command == "/limits":
                    if len(args) != 1:
                        raise limit_commands.LimitError("Use /limits SEGMENT, e.g. "
                                                        "/limits default.")
                    answer = await limit_commands.show(session, args[0])
                else:
                    if len(args) < 3:
                        raise limit_commands.LimitError(limit_commands.USAGE)
                    change = await limit_commands.set_limit(
                        session, args[0], args[1], " ".join(args[2:]),
                        actor=f"telegram:{actor.telegram_id}", now=self.clock.now())
                    answer = limit_commands.changed_text(change)
        except limit_commands.LimitError as exc:
            await self._reply(message, str(exc))
            return "refused"
        await self._reply(message, answer)
        return "answered"

    async def _post(self, message_id: int) -> StaffNotice | None:
        async with self.db.transaction() as session:
            return (await session.exec(select(StaffNotice).where(
                StaffNotice.chat_id == str(self.chat_id),
                StaffNotice.message_id == message_id))).first()

    async def _debtor_of_topic(self, thread_id: int) -> int | None:
        async with self.db.transaction() as session:
            return (await session.exec(select(Debtor.id).where(
                Debtor.staff_topic_id == thread_id))).first()

    # Posting notices ---------------------------------------------------------------------

    def kick(self) -> None:
        """Post now (new notices were committed)."""
        self._kick.set()

    async def run_forever(self, interval: float = 5.0) -> None:
        """Post whenever kicked, and every `interval` seconds anyway."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("staff notice pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._kick.wait()
            self._kick.clear()

    async def run_once(self, batch: int = 20, *, once: bool = False) -> int:
        """Post the notices that are due, oldest first (one batch if `once`); how many."""
        posted = 0
        while True:
            claimed = await self._claim(batch)
            for notice_id in claimed:
                posted += await self._deliver(notice_id)
            if len(claimed) < batch or once:
                return posted

    async def _claim(self, batch: int) -> list[int]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            await session.exec(update(StaffNotice).where(
                col(StaffNotice.status) == "sending", col(StaffNotice.lease_until) < now)
                .values(status="pending"))
            stmt = (select(StaffNotice).where(StaffNotice.status == "pending",
                                              col(StaffNotice.due_at) <= now)
                    .order_by(col(StaffNotice.id)).limit(batch))
            if self.db.is_postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list((await session.exec(stmt)).all())
            for row in rows:
                row.status, row.lease_until = "sending", now + LEASE
                row.attempts += 1
                session.add(row)
            return [r.id for r in rows if r.id is not None]

    async def _deliver(self, notice_id: int) -> int:
        async with self.db.transaction() as session:
            row = await session.get_one(StaffNotice, notice_id)
        await self.channel.start()
        status, error, due, where = "sent", None, None, None
        try:
            where = await self._send(row)
            if where is None:
                status = "skipped"
        except RetryAfter as exc:
            status, error = "pending", f"flood control: {exc}"
            due = self.clock.now() + timedelta(seconds=retry_seconds(exc))
        except (Permanent, Forbidden) as exc:
            status, error = "failed", str(exc)
        except BadRequest as exc:
            status, error = "failed", exc.message
        except TelegramError as exc:
            status, error = ("failed", str(exc)) if row.attempts >= MAX_ATTEMPTS \
                else ("pending", str(exc))
            due = self.clock.now() + timedelta(seconds=min(10 * 2 ** row.attempts, 3600))
        now = self.clock.now()
        async with self.db.transaction() as session:
            row = await session.get_one(StaffNotice, notice_id)
            row.status, row.error, row.lease_until = status, error, None
            if due is not None:
                row.due_at = due
            if where is not None:
                row.chat_id, row.message_id, row.sent_at = where.chat_id, where.message_id, now
            elif status in ("sent", "skipped", "failed"):
                row.sent_at = now
            session.add(row)
        if status == "failed":
            log.warning("staff notice %s (%s) failed: %s", notice_id, row.kind, error)
        return int(status == "sent")

    async def _send(self, row: StaffNotice) -> Posted | None:
        """Post one notice; where it went (None: nothing to post any more)."""
        now = self.clock.now()
        match row.kind:
            case "card" | "refresh":
                view = await self.desk.case(row.escalation_id or 0)
                if view is None:
                    return None
                if row.kind == "refresh":
                    return await self._refresh(view)
                return await self._send_text(view.debtor_id, card_text(view, now),
                                             keyboard(view.id, buttons(view)))
            case "relay":
                return await self._relay(row)
            case "media":
                return await self._media(row)
            case "reminder":
                return await self._reminder(row)
            case "summary":
                return await self._send_text(row.debtor_id, await self._summary(row))
            case "info":
                return await self._send_text(row.debtor_id, await self._info(row))
            case "erase":
                await self._erase(row)
        return None

    async def _erase(self, row: StaffNotice) -> None:
        """An erased debtor: their topic goes (with every post in it), or each post."""
        topic = row.data.get("topic")
        if topic:
            with contextlib.suppress(BadRequest):  # already deleted by someone
                await self.bot.delete_forum_topic(chat_id=self.chat_id,
                                                  message_thread_id=int(topic))
        for chat, message_id in row.data.get("posts") or []:
            with contextlib.suppress(BadRequest):  # gone already, or too old to delete
                await self.bot.delete_message(chat_id=int(chat), message_id=int(message_id))

    async def _send_text(self, debtor_id: int | None, text: str,
                         markup: InlineKeyboardMarkup | None = None,
                         reply_to: int | None = None) -> Posted:
        thread = await self._thread(debtor_id)
        if reply_to is None and thread is None and debtor_id is not None:
            reply_to = await self._last_card(debtor_id)  # keeps a plain group threaded
        try:
            sent = await self.bot.send_message(
                chat_id=self.chat_id, text=text, reply_markup=markup,
                message_thread_id=thread,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to else None)
        except BadRequest as exc:
            if thread is None or "thread" not in exc.message.lower():
                raise
            # Someone deleted the debtor's topic: a new one, and the post goes there.
            await self._forget_topic(debtor_id, thread)
            sent = await self.bot.send_message(
                chat_id=self.chat_id, text=text, reply_markup=markup,
                message_thread_id=await self._thread(debtor_id))
        return Posted(str(sent.chat.id), sent.message_id)

    async def _refresh(self, view: CaseView) -> Posted | None:
        card = await self._card_post(view.id)
        if card is None:
            return None  # never posted (yet): its card will show the new status
        try:
            await self.bot.edit_message_text(
                text=card_text(view, self.clock.now()), chat_id=int(card.chat_id or 0),
                message_id=card.message_id, reply_markup=keyboard(view.id, buttons(view)))
        except BadRequest as exc:
            text = exc.message.lower()
            if _NOT_MODIFIED in text:
                return None
            if "not found" in text:
                return None  # deleted by someone in the group: nothing to refresh
            raise
        return None

    async def _relay(self, row: StaffNotice) -> Posted | None:
        async with self.db.transaction() as session:
            message = await session.get(MessageRow, int(row.data.get("message_id", 0)))
            debtor = await session.get(Debtor, row.debtor_id or 0)
            files = (await session.exec(select(func.count()).select_from(Attachment).where(
                Attachment.message_id == (message.id if message else 0)))).one()
        if message is None or debtor is None:
            return None
        local = message.created_at.astimezone(_zone(debtor.timezone))
        text = (f"{debtor.name} ({debtor.external_id}) on {message.channel}, "
                f"{local:%H:%M} their time:\n{message.text or '(no text)'}")
        if files:
            text += f"\n[{files} attachment(s): posted here once downloaded]"
        return await self._send_text(debtor.id, text[:4000])

    async def _media(self, row: StaffNotice) -> Posted | None:
        async with self.db.transaction() as session:
            attachment = await session.get(Attachment, int(row.data.get("attachment_id", 0)))
            debtor = await session.get(Debtor, row.debtor_id or 0)
        if attachment is None or debtor is None:
            return None
        who = f"{debtor.name} ({debtor.external_id})"
        if attachment.status != "stored" or attachment.path is None:
            return await self._send_text(debtor.id, f"{who} sent a file that was not kept: "
                                                    f"{attachment.error or attachment.status}.")
        path = self.store.path(attachment.path)
        data = await asyncio.to_thread(path.read_bytes)
        assert debtor.id is not None
        thread = await self._thread(debtor.id)
        reply_to = None if thread is not None else await self._last_card(debtor.id)
        caption = f"From {who}: {attachment.content_type}, {attachment.size or 0} bytes"
        upload = InputFile(data, filename=Path(attachment.path).name)
        params: dict[str, Any] = {
            "chat_id": self.chat_id, "caption": caption, "message_thread_id": thread,
            "reply_parameters": ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to else None}
        if attachment.content_type.startswith("image/"):
            sent = await self.bot.send_photo(photo=upload, **params)
        else:
            sent = await self.bot.send_document(document=upload, **params)
        return Posted(str(sent.chat.id), sent.message_id)

    async def _reminder(self, row: StaffNotice) -> Posted | None:
        view = await self.desk.case(row.escalation_id or 0)
        if view is None or not view.open or view.taken_by:
            return None  # picked up in the meantime
        level = int(row.data.get("level", 1))
        waited = int((self.clock.now() - view.created_at).total_seconds() // 3600)
        text = (f"Case #{view.id} has waited {waited} h with nobody on it: "
                f"{view.name}, {reason_text(view.reason).lower()}. Take it over, decide, "
                "or snooze it.")
        if level <= 1:
            return await self._send_text(view.debtor_id, text,
                                         reply_to=await self._card_post_id(view.id))
        async with self.db.transaction() as session:
            admins = await self.desk.people.admins(session)
        told = 0
        for admin_id in admins:
            try:
                await self.bot.send_message(chat_id=admin_id, text=f"Unanswered: {text}")
                told += 1
            except (Forbidden, BadRequest):
                continue  # never opened a chat with the bot: mentioned in the group instead
        if told == len(admins) and admins:
            return None
        mentions = " ".join(f'<a href="tg://user?id={a}">admin</a>' for a in admins)
        thread = await self._thread(view.debtor_id)
        sent = await self.bot.send_message(
            chat_id=self.chat_id, parse_mode="HTML", message_thread_id=thread,
            text=html.escape(f"Unanswered: {text} ") + (mentions or "No admin is set: "
                                                         "RECOBRO_ADMIN_USER_IDS."))
        return Posted(str(sent.chat.id), sent.message_id)

    async def _summary(self, row: StaffNotice) -> str:
        data = row.data
        debtor_id = row.debtor_id or 0
        started = _parse(data.get("taken_at"))
        async with self.db.transaction() as session:
            debtor = await session.get_one(Debtor, debtor_id)
            counts = dict((await session.exec(
                select(MessageRow.direction, func.count()).where(
                    MessageRow.debtor_id == debtor_id,
                    col(MessageRow.created_at) >= (started or row.created_at),
                    col(MessageRow.kind).in_(("debtor", "staff_message")))
                .group_by(col(MessageRow.direction)))).all())
            timer = (await session.exec(select(Timer).where(
                Timer.debtor_id == debtor_id, Timer.kind == "reminder",
                Timer.status == "pending"))).first()
        zone = _zone(debtor.timezone)
        parts = [f"Back to the bot: {debtor.name} ({debtor.external_id}), returned by "
                 f"{data.get('returned_by')}."]
        if started is not None:
            minutes = int((row.created_at - started).total_seconds() // 60)
            parts.append(f"Takeover by {data.get('by')} lasted {minutes} min: "
                         f"{counts.get('in', 0)} message(s) from the debtor, "
                         f"{counts.get('out', 0)} from staff.")
        parts.append(f"Conversation now: {str(data.get('state', '')).replace('_', ' ')}.")
        if timer is None:
            parts.append("No automatic reminder is scheduled.")
        elif timer.due_at <= self.clock.now():
            parts.append("The next automatic reminder is due now.")
        else:
            parts.append(f"Next automatic reminder: {timer.due_at.astimezone(zone):%a %d %b %H:%M}"
                         " their time.")
        return " ".join(parts)

    async def _info(self, row: StaffNotice) -> str:
        data = row.data
        async with self.db.transaction() as session:
            debtor = await session.get(Debtor, row.debtor_id or 0)
        who = f"{debtor.name} ({debtor.external_id})" if debtor else "A debtor"
        if data.get("event") == "again":
            return f"{who}: {reason_text(str(data.get('reason'))).lower()}, again."
        if data.get("event") == "payment":
            return (f"{who}: a payment arrived during the takeover. The bot's thank-you was "
                    "held; thank them yourself.")
        return f"{who}: {data}"

    # Topics and posts ------------------------------------------------------------------

    async def _is_forum(self) -> bool:
        if self._forum is None:
            chat = await self.bot.get_chat(self.chat_id)
            self._forum = bool(getattr(chat, "is_forum", False))
        return self._forum

    async def _thread(self, debtor_id: int | None) -> int | None:
        """The debtor's topic in a forum group, created on first use; None elsewhere."""
        if debtor_id is None or not await self._is_forum():
            return None
        async with self.db.transaction() as session:
            debtor = await session.get_one(Debtor, debtor_id)
        if debtor.staff_topic_id:
            return debtor.staff_topic_id
        topic = await self.bot.create_forum_topic(
            chat_id=self.chat_id, name=f"{debtor.name} · {debtor.external_id}"[:128])
        async with self.db.transaction() as session:
            # Only if still unset: two workers racing keep the first topic.
            won = await session.exec(update(Debtor).where(
                col(Debtor.id) == debtor_id, col(Debtor.staff_topic_id).is_(None))
                .values(staff_topic_id=topic.message_thread_id))
            if not won.rowcount:
                kept = (await session.exec(select(Debtor.staff_topic_id).where(
                    Debtor.id == debtor_id))).one()
        if won.rowcount:
            return int(topic.message_thread_id)
        with contextlib.suppress(TelegramError):
            await self.bot.delete_forum_topic(chat_id=self.chat_id,
                                              message_thread_id=topic.message_thread_id)
        return kept

    async def _forget_topic(self, debtor_id: int | None, thread: int) -> None:
        async with self.db.transaction() as session:
            await session.exec(update(Debtor).where(
                col(Debtor.id) == debtor_id, col(Debtor.staff_topic_id) == thread)
                .values(staff_topic_id=None))

    async def _card_post(self, case_id: int) -> StaffNotice | None:
        async with self.db.transaction() as session:
            return (await session.exec(
                select(StaffNotice).where(StaffNotice.escalation_id == case_id,
                                          StaffNotice.kind == "card",
                                          col(StaffNotice.message_id).is_not(None))
                .order_by(col(StaffNotice.id).desc()))).first()

    async def _card_post_id(self, case_id: int) -> int | None:
        card = await self._card_post(case_id)
        return card.message_id if card else None

    async def _last_card(self, debtor_id: int) -> int | None:
        async with self.db.transaction() as session:
            return (await session.exec(
                select(StaffNotice.message_id)
                .where(StaffNotice.debtor_id == debtor_id, StaffNotice.kind == "card",
                       col(StaffNotice.message_id).is_not(None))
                .order_by(col(StaffNotice.id).desc()))).first()


def keyboard(case_id: int, rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard; callback data `rc:<action>:<case>[:<arg>]`."""
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        b.label, callback_data=f"{CALLBACK_PREFIX}:{b.action}:{case_id}"
        + (f":{b.arg}" if b.arg else "")) for b in row] for row in rows])


def cases_text(views: list[CaseView], now: datetime) -> str:
    """What /cases answers: one line per open case."""
    if not views:
        return "No open cases."
    lines = [f"{len(views)} open case(s):"]
    for v in views[:50]:
        due = v.deadline - now
        when = f"due in {int(due.total_seconds() // 3600)} h" if due.total_seconds() > 0 \
            else "PAST DEADLINE"
        owner = f", with {v.taken_by}" if v.taken_by else ""
        lines.append(f"#{v.id} {v.priority} · {v.name} ({v.external_id}) · "
                     f"{reason_text(v.reason)} · {when}{owner}")
    return "\n".join(lines)[:4000]


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _parse(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None

"""Recobro's tables.

Money is an integer count of minor units beside an ISO 4217 code; timestamps are aware UTC
(`UTCDateTime`); calendar days (due dates, instalments) are plain dates. Statuses are short
strings whose values are listed next to each column.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime


def _json(**kw: Any) -> Any:
    return Field(default_factory=dict, sa_type=JSONType, **kw)


def _ts(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Debtor(SQLModel, table=True):
    """A person or business that owes the creditor; one conversation per debtor."""

    __tablename__ = "debtor"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, max_length=100)
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, index=True, max_length=32)  # E.164
    email: str | None = Field(default=None, max_length=200)
    channel: str = Field(default="whatsapp", max_length=20)  # preferred: whatsapp | sms | telegram
    locale: str = Field(default="es-CO", max_length=20)
    country: str = Field(max_length=2)
    timezone: str = Field(max_length=64)
    segment: str = Field(default="default", index=True, max_length=64)
    document_last4: str | None = Field(default=None, max_length=4)
    # The debtor's own "not at these times" in canonical text ("Mon-Fri 12:00-14:00; Sun"),
    # read by bot.compliance.quiet; None when they asked for nothing.
    quiet_times: str | None = Field(default=None, max_length=200)
    telegram_chat_id: str | None = Field(default=None, index=True, max_length=32)
    # The debtor's topic in the staff group (a forum), so their cases stay together.
    staff_topic_id: int | None = Field(default=None, index=True, sa_type=BigInteger)
    # Opt-outs per channel, {"whatsapp": "2026-11-22T10:00:00+00:00"}; "*" means every channel.
    opt_outs: dict[str, str] = _json()
    # Consent per channel, {"whatsapp": {"source": "import", "at": "..."}}.
    consents: dict[str, Any] = _json()
    identity_verified_at: datetime | None = _ts(default=None, nullable=True)
    third_party_at: datetime | None = _ts(default=None, nullable=True)
    erased_at: datetime | None = _ts(default=None, nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Invoice(SQLModel, table=True):
    """One receivable. Never deleted by an import: absent ones are flagged `missing_since`."""

    __tablename__ = "invoice"
    __table_args__ = (
        # The dashboard's aging and DSO read only these columns (covering indexes).
        Index("ix_invoice_aging", "status", "currency", "due_on", "debtor_id", "open_minor"),
        Index("ix_invoice_issued", "issued_on", "status", "currency", "amount_minor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    external_id: str = Field(unique=True, max_length=100)
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_type=BigInteger)
    open_minor: int = Field(sa_type=BigInteger)
    issued_on: date | None = None
    due_on: date = Field(index=True)
    status: str = Field(default="open", max_length=20)  # open | paid | disputed | cancelled
    # The largest cadence offset (days from due date) already reminded, None before the first.
    last_reminder_offset: int | None = None
    missing_since: datetime | None = _ts(default=None, nullable=True)
    paid_at: datetime | None = _ts(default=None, nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Conversation(SQLModel, table=True):
    """The dialogue state of one debtor: the row is locked while an event is applied."""

    __tablename__ = "conversation"

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id", unique=True)
    state: str = Field(default="idle", max_length=40)
    data: dict[str, Any] = _json()
    version: int = 0
    updated_at: datetime = _ts()


class Message(SQLModel, table=True):
    """Every message in or out. Inbound ones are stored before they are processed."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id", name="uq_message_channel_provider_id"),
        Index("ix_message_debtor_id_id", "debtor_id", "id"),
        Index("ix_message_created_at", "created_at"),  # the dashboard's recent messages
    )

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id")
    direction: str = Field(max_length=3)  # in | out
    channel: str = Field(max_length=20)
    provider_id: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=100)  # the debtor's phone / chat id
    kind: str = Field(default="reply", max_length=40)  # reminder_overdue, reply, ...
    text: str
    payload: dict[str, Any] = _json()  # options, template key and params, media
    # in: received | processed | failed | ignored
    # out: queued | sending | sent | delivered | read | failed | undelivered | cancelled | held
    status: str = Field(max_length=20)
    error_code: str | None = Field(default=None, max_length=40)
    error_message: str | None = None
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(default=None, nullable=True)
    delivered_at: datetime | None = _ts(default=None, nullable=True)
    read_at: datetime | None = _ts(default=None, nullable=True)
    processed_at: datetime | None = _ts(default=None, nullable=True)


class Outbox(SQLModel, table=True):
    """An outbound message waiting to be sent: claimed by one dispatcher, sent once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due_at", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    channel: str = Field(max_length=20)
    kind: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=20)  # pending|sending|sent|failed|cancelled
    due_at: datetime = _ts()  # not before this moment (deferrals and retries move it)
    attempts: int = 0
    lease_until: datetime | None = _ts(default=None, nullable=True)
    worker: str | None = Field(default=None, max_length=100)
    last_error: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Agreement(SQLModel, table=True):
    """A promise, plan or settlement the debtor confirmed in writing (or staff approved)."""

    __tablename__ = "agreement"

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    kind: str = Field(max_length=20)  # promise | plan | settlement
    status: str = Field(max_length=20)  # proposed | active | kept | broken | cancelled
    currency: str = Field(max_length=3)
    total_minor: int = Field(sa_type=BigInteger)
    discount_percent: str = Field(default="0", max_length=12)  # a Decimal as text
    policy_version: int | None = None
    source: str = Field(default="bot", max_length=20)  # bot | staff
    terms: dict[str, Any] = _json()  # the offer as stored by the negotiation core
    created_at: datetime = _ts()
    confirmed_at: datetime | None = _ts(default=None, nullable=True)
    closed_at: datetime | None = _ts(default=None, nullable=True)


class Installment(SQLModel, table=True):
    """One payment of an agreement's schedule (a promise has exactly one)."""

    __tablename__ = "installment"
    __table_args__ = (UniqueConstraint("agreement_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    seq: int
    due_on: date
    amount_minor: int = Field(sa_type=BigInteger)
    paid_minor: int = Field(default=0, sa_type=BigInteger)
    status: str = Field(default="pending", max_length=20)  # pending | paid | missed


class Escalation(SQLModel, table=True):
    """A case that needs a person, with a reason, a priority and a deadline."""

    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_status_deadline", "status", "deadline"),)

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    reason: str = Field(max_length=40)
    priority: str = Field(default="normal", max_length=10)  # low | normal | high | urgent
    status: str = Field(default="open", max_length=20)  # open | taken | snoozed | resolved
    assignee: str | None = Field(default=None, max_length=100)
    deadline: datetime = _ts()
    data: dict[str, Any] = _json()
    created_at: datetime = _ts()
    resolved_at: datetime | None = _ts(default=None, nullable=True)
    # How often it was raised again because nobody answered by its deadline.
    reminders: int = 0
    resolution: str | None = Field(default=None, max_length=40)  # approved, rejected, paid...


class Payment(SQLModel, table=True):
    """Money received, idempotent by its reference."""

    __tablename__ = "payment"
    __table_args__ = (Index("ix_payment_paid_at", "paid_at"),)  # recovery per week

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, max_length=120)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_type=BigInteger)
    paid_at: datetime = _ts()
    source: str = Field(max_length=20)  # webhook | import | staff
    status: str = Field(default="applied", max_length=20)  # applied | held
    data: dict[str, Any] = _json()
    created_at: datetime = _ts()


class Policy(SQLModel, table=True):
    """One version of a segment's limits, cadence and compliance overrides. Never edited."""

    __tablename__ = "policy"
    __table_args__ = (UniqueConstraint("segment", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    segment: str = Field(max_length=64)
    version: int
    data: dict[str, Any] = _json()
    created_by: str = Field(max_length=100)
    comment: str | None = None
    created_at: datetime = _ts()


class Event(SQLModel, table=True):
    """The append-only log: every message, decision, offer and admin change, in order."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_debtor_id_id", "debtor_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts()
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id")
    actor: str = Field(max_length=100)  # system | bot | debtor | staff:<id> | admin:<user>
    kind: str = Field(max_length=60, index=True)
    data: dict[str, Any] = _json()


class Timer(SQLModel, table=True):
    """Something to do at a moment: one row per (debtor, kind, key), moved rather than added."""

    __tablename__ = "timer"
    __table_args__ = (
        UniqueConstraint("debtor_id", "kind", "key"),
        Index("ix_timer_due", "due_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id")
    kind: str = Field(max_length=40)  # reminder | promise_due | installment_due | ...
    key: str = Field(default="", max_length=100)
    due_at: datetime = _ts()
    status: str = Field(default="pending", max_length=20)  # pending | done | cancelled
    data: dict[str, Any] = _json()
    updated_at: datetime = _ts()


class ImportRun(SQLModel, table=True):
    """One portfolio import: its counts and every rejected row with its line number."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=300)
    sha256: str = Field(max_length=64)
    started_at: datetime = _ts()
    counts: dict[str, int] = _json()
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)


class AdminUser(SQLModel, table=True):
    """A person who logs in to the web admin."""

    __tablename__ = "admin_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=100)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="viewer", max_length=20)  # admin | viewer
    disabled: bool = False
    created_at: datetime = _ts()


class AdminSession(SQLModel, table=True):
    """A web admin session, kept in the database so every worker sees it and logout is real."""

    __tablename__ = "admin_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)  # sha256 of the cookie value
    user_id: int = Field(foreign_key="admin_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _ts()
    expires_at: datetime = _ts()


class LoginFailure(SQLModel, table=True):
    """A failed (or still running) admin login, counted per username and per client address.

    In the database, not in memory, so the limit holds across every worker; rows older than
    the window are deleted as new attempts come in, and a successful login deletes its
    username's rows.
    """

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=100)
    address: str = Field(index=True, max_length=64)
    at: datetime = _ts(index=True)


class ChannelLink(SQLModel, table=True):
    """A single-use, expiring deep link that binds a debtor's chat (Telegram's /start <token>).

    Only the token's sha256 is stored: a database leak gives no working link.
    """

    __tablename__ = "channel_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    channel: str = Field(max_length=20)  # telegram
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(default=None, nullable=True)
    address: str | None = Field(default=None, max_length=100)  # the chat that used it


class SendSlot(SQLModel, table=True):
    """The next free send moment of one sender (a From number, a bot), shared by all workers.

    `bot.ratelimit` reserves slots with one atomic UPDATE ... RETURNING on PostgreSQL.
    """

    __tablename__ = "send_slot"

    sender: str = Field(primary_key=True, max_length=100)
    next_at: datetime = _ts()


class StaffNotice(SQLModel, table=True):
    """Something to post in the staff group: a case card, a debtor's message, a reminder...

    Written in the transaction that caused it, then posted by the staff bot (claimed with a
    lease, like the outbox). Once posted it keeps where (`chat_id`, `message_id`), so a reply
    to it in the group finds its debtor and case.
    """

    __tablename__ = "staff_notice"
    __table_args__ = (Index("ix_staff_notice_status_due_at", "status", "due_at"),
                      Index("ix_staff_notice_chat_message", "chat_id", "message_id"))

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")
    kind: str = Field(max_length=20)  # card | relay | media | reminder | summary | info | prompt
    data: dict[str, Any] = _json()
    status: str = Field(default="pending", max_length=20)  # pending|sending|sent|failed|skipped
    attempts: int = 0
    due_at: datetime = _ts()
    lease_until: datetime | None = _ts(default=None, nullable=True)
    chat_id: str | None = Field(default=None, max_length=32)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    error: str | None = None
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(default=None, nullable=True)


class StaffMember(SQLModel, table=True):
    """A Telegram user who may act on cases (staff), and change limits too (admin).

    Added in the web admin; RECOBRO_STAFF_USER_IDS and RECOBRO_ADMIN_USER_IDS add more.
    """

    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(unique=True, sa_type=BigInteger)
    name: str = Field(max_length=100)
    role: str = Field(default="staff", max_length=20)  # staff | admin
    disabled: bool = False
    created_by: str = Field(max_length=100)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class StaffUpdate(SQLModel, table=True):
    """A staff update already applied (a button press, a text for a debtor): once only.

    The key is the provider's ("cbq:<callback query id>", "msg:<chat>:<message id>") or a
    web form's nonce, so a redelivered update or a double submit changes nothing.
    """

    __tablename__ = "staff_update"

    key: str = Field(primary_key=True, max_length=100)
    created_at: datetime = _ts()


class Attachment(SQLModel, table=True):
    """A photo or document a debtor sent (a receipt, usually).

    Recorded with the inbound message; downloaded after the webhook has answered (the
    provider never waits for it), with retries; kept under RECOBRO_MEDIA_DIR.
    """

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_status_due_at", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    source: str = Field(max_length=1000)  # the provider's media URL, or telegram:file:<id>
    content_type: str = Field(max_length=100)  # as the provider announced it
    status: str = Field(default="pending", max_length=20)  # pending | stored | refused | failed
    attempts: int = 0
    due_at: datetime = _ts()
    path: str | None = Field(default=None, max_length=300)  # relative to RECOBRO_MEDIA_DIR
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    error: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


__all__ = [
    "AdminSession", "AdminUser", "Agreement", "Attachment", "ChannelLink", "Conversation",
    "Debtor", "Escalation", "Event", "ImportRun", "Installment", "Invoice", "Message", "Outbox",
    "Payment", "Policy", "SendSlot", "StaffMember", "StaffNotice", "StaffUpdate", "Timer",
]

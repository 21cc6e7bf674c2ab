"""The portfolio dashboard's numbers: aggregate SQL queries in, plain tables out.

Every query groups in the database (by currency first, so amounts in different currencies
are never added) and returns a handful of rows, whatever the size of the portfolio. The
same `Table` feeds the page, its chart and its CSV export, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as _core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import analytics
from bot.analytics import BUCKETS, DSO_PERIOD_DAYS, AgingCell
from bot.money import Money
from storage.models import Agreement, Debtor, Escalation, Invoice, Message, Payment
from storage.models import Event as EventRow

# Receivables still owed: open invoices and disputed ones (a dispute does not pay them).
OWED_STATUSES = ("open", "disputed")
RECOVERY_WEEKS = 12
MESSAGE_DAYS = 30
RESOLUTION_DAYS = 90
AGREEMENT_KINDS = ("promise", "plan", "settlement")
REASON_LABELS = {"no_money": "No money right now", "job_loss": "Lost their job",
                 "illness": "Illness", "business_slow": "Business is slow",
                 "": "No reason given"}
CHANNELS = ("whatsapp", "sms", "telegram")

Cell = str | int
# SQLModel types model attributes as their Python values; the core select takes them as the
# column expressions they are at run time.
sa_select: Any = _core_select


@dataclass(frozen=True, slots=True)
class Table:
    """One chart's numbers: the rows shown under the chart and exported as CSV.

    Amount columns (`money`) hold major units as decimal strings ("1200000", "1500.5"), with
    the row's currency in the `currency` column.
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    money: frozenset[str] = frozenset()
    note: str = ""

    def records(self) -> list[dict[str, Cell]]:
        """The rows as dicts keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


async def _rows(session: AsyncSession, stmt: Any) -> Any:
    """The result of a core select with any number of columns (SQLModel types at most 4)."""
    return await session.exec(stmt)


def _amount(minor: int, currency: str) -> str:
    return Money(int(minor), currency).decimal_str()


def _dec(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _week_case(column: Any, starts: Sequence[date]) -> Any:
    """SQL that numbers a timestamp's week (0 = oldest), by the same Mondays as analytics."""
    whens = [(column >= analytics.midnight(day), n)
             for n, day in reversed(list(enumerate(starts)))]
    return case(*whens, else_=-1)


async def aging_cells(session: AsyncSession, today: date) -> list[AgingCell]:
    """Open balance per currency, segment and aging bucket: one grouped query."""
    edges = analytics.aging_edges(today)
    bucket = case(*[(col(Invoice.due_on) >= edge, name) for name, edge in edges],
                  else_="90+").label("bucket")
    stmt = (sa_select(Invoice.currency, Debtor.segment, bucket,
                      func.sum(Invoice.open_minor), func.count())
            .join(Debtor, col(Debtor.id) == col(Invoice.debtor_id))
            .where(col(Invoice.status).in_(OWED_STATUSES), col(Invoice.open_minor) > 0)
            .group_by(col(Invoice.currency), col(Debtor.segment), bucket))
    rows = (await _rows(session, stmt)).all()
    return [AgingCell(c, s, b, int(m or 0), int(n)) for c, s, b, m, n in rows]


def aging_table(cells: Sequence[AgingCell]) -> Table:
    """The aging table: one "all" line per currency, then its segments."""
    rows: list[tuple[Cell, ...]] = []
    for line in analytics.aging_lines(cells):
        rows.append((line.currency, line.segment,
                     *(_amount(line.buckets[b], line.currency) for b in BUCKETS),
                     _amount(line.total, line.currency), line.invoices))
    return Table("aging", "Open balance by days overdue",
                 ("currency", "segment", *BUCKETS, "total", "invoices"), tuple(rows),
                 frozenset({*BUCKETS, "total"}),
                 "Open and disputed invoices; days overdue counted from the due date (UTC).")


async def dso_table(session: AsyncSession, today: date,
                    open_by_currency: dict[str, int]) -> Table:
    """DSO per currency: open receivables / invoiced in the last 90 days x 90."""
    since = today - timedelta(days=DSO_PERIOD_DAYS)
    # An invoice without an issue date counts on its due date instead.
    in_period = or_(and_(col(Invoice.issued_on) > since, col(Invoice.issued_on) <= today),
                    and_(col(Invoice.issued_on).is_(None), col(Invoice.due_on) > since,
                         col(Invoice.due_on) <= today))
    stmt = (sa_select(Invoice.currency, func.sum(Invoice.amount_minor))
            .where(in_period, col(Invoice.status) != "cancelled")
            .group_by(col(Invoice.currency)))
    invoiced = {c: int(m or 0) for c, m in (await _rows(session, stmt)).all()}
    rows = []
    for currency in sorted(set(invoiced) | set(open_by_currency)):
        owed, billed = open_by_currency.get(currency, 0), invoiced.get(currency, 0)
        rows.append((currency, _amount(owed, currency), _amount(billed, currency),
                     _dec(analytics.dso_days(owed, billed))))
    return Table("dso", "Days sales outstanding",
                 ("currency", "open", f"invoiced_last_{DSO_PERIOD_DAYS}_days", "dso_days"),
                 tuple(rows), frozenset({"open", f"invoiced_last_{DSO_PERIOD_DAYS}_days"}),
                 f"DSO = open receivables / amount invoiced in the last {DSO_PERIOD_DAYS} days"
                 f" x {DSO_PERIOD_DAYS}, per currency; empty when nothing was invoiced.")


async def recovery_table(session: AsyncSession, now: datetime,
                         weeks: int = RECOVERY_WEEKS) -> Table:
    """Payments applied per currency and week (Monday to Sunday, UTC)."""
    starts = analytics.week_starts(now, weeks)
    week = _week_case(col(Payment.paid_at), starts).label("week")
    stmt = (sa_select(Payment.currency, week, func.sum(Payment.amount_minor), func.count())
            .where(col(Payment.status) == "applied",
                   col(Payment.paid_at) >= analytics.midnight(starts[0]))
            .group_by(col(Payment.currency), week))
    found = {(c, int(w)): (int(m or 0), int(n)) for c, w, m, n in
             (await _rows(session, stmt)).all() if int(w) >= 0}
    rows = []
    for currency in sorted({c for c, _ in found}):
        for n, day in enumerate(starts):
            minor, count = found.get((currency, n), (0, 0))
            rows.append((currency, day.isoformat(), _amount(minor, currency), count))
    return Table("recovery", "Recovered per week",
                 ("currency", "week_of", "recovered", "payments"), tuple(rows),
                 frozenset({"recovered"}),
                 f"Payments applied in the last {weeks} weeks (weeks start Monday, UTC); "
                 "held payments are not counted until applied.")


async def agreements_table(session: AsyncSession) -> Table:
    """Promises, plans and settlements by outcome (counts)."""
    stmt = (sa_select(Agreement.kind, Agreement.status, func.count())
            .where(col(Agreement.status) != "proposed")
            .group_by(col(Agreement.kind), col(Agreement.status)))
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in (await _rows(session, stmt)).all():
        counts.setdefault(kind, {})[status] = int(n)
    rows = []
    for kind in [k for k in AGREEMENT_KINDS if k in counts] + sorted(
            set(counts) - set(AGREEMENT_KINDS)):
        c = counts[kind]
        rows.append((kind, sum(c.values()), c.get("active", 0), c.get("kept", 0),
                     c.get("broken", 0), c.get("cancelled", 0),
                     _dec(analytics.kept_rate(c.get("kept", 0), c.get("broken", 0)))))
    return Table("agreements", "Promises and plans",
                 ("kind", "made", "active", "kept", "broken", "replaced", "kept_percent"),
                 tuple(rows), note="Made = every agreement the debtor confirmed (or staff "
                 "approved); replaced = cancelled by a newer one; kept % = kept / (kept + "
                 "broken).")


async def reasons_table(session: AsyncSession) -> Table:
    """What debtors answered when asked why they had not paid (`note.reason` events)."""
    reason = func.coalesce(col(EventRow.data)["reason"].as_string(), "").label("reason")
    stmt = (sa_select(reason, func.count(), func.count(func.distinct(EventRow.debtor_id)))
            .where(col(EventRow.kind) == "note.reason").group_by(reason))
    found = sorted(((str(r), int(n), int(d)) for r, n, d in (await _rows(session, stmt)).all()),
                   key=lambda x: (x[0] == "", -x[1], x[0]))
    rows = tuple((r or "none", REASON_LABELS.get(r, r), n, d) for r, n, d in found)
    return Table("reasons", "Reasons for non-payment", ("reason", "label", "answers", "debtors"),
                 rows, note="What debtors said when they could not pay in full, as the bot "
                 "understood it; one debtor may answer more than once.")


async def messages_table(session: AsyncSession, now: datetime,
                         days: int = MESSAGE_DAYS) -> Table:
    """Messages sent, delivered, read, and debtors' replies, per channel."""
    since = now - timedelta(days=days)
    out = col(Message.direction) == "out"

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    stmt = (sa_select(Message.channel,
                      flag(and_(out, col(Message.sent_at).is_not(None))),
                      flag(and_(out, col(Message.status).in_(("delivered", "read")))),
                      flag(and_(out, col(Message.status) == "read")),
                      flag(and_(out, col(Message.status).in_(("failed", "undelivered")))),
                      flag(col(Message.direction) == "in"))
            .where(col(Message.created_at) >= since, col(Message.debtor_id).is_not(None))
            .group_by(col(Message.channel)))
    found = {c: tuple(int(v or 0) for v in rest)
             for c, *rest in (await _rows(session, stmt)).all()}
    rows = []
    for channel in [c for c in CHANNELS if c in found] + sorted(set(found) - set(CHANNELS)):
        sent, delivered, read, failed, replies = found[channel]
        rows.append((channel, sent, delivered, read, failed, replies,
                     _dec(analytics.rate(delivered, sent)), _dec(analytics.rate(read, sent))))
    return Table("messages", "Messages by channel",
                 ("channel", "sent", "delivered", "read", "failed", "replies",
                  "delivered_percent", "read_percent"), tuple(rows),
                 note=f"Messages written in the last {days} days. Sent = accepted by the "
                 "provider; delivered and read as the provider reported; replies = messages "
                 "debtors wrote.")


async def escalations_table(session: AsyncSession, now: datetime,
                            days: int = RESOLUTION_DAYS) -> Table:
    """Cases for staff: open and overdue by reason; time to resolution of recent ones."""
    open_stmt = (sa_select(Escalation.reason, func.count(),
                           func.sum(case((col(Escalation.deadline) < now, 1), else_=0)))
                 .where(col(Escalation.status) != "resolved").group_by(col(Escalation.reason)))
    opened = {r: (int(n), int(o or 0)) for r, n, o in (await _rows(session, open_stmt)).all()}
    # Only cases resolved in the window are read: people resolve them, so they are few
    # (a median needs the values; SQLite has no percentile function).
    done_stmt = (sa_select(Escalation.reason, Escalation.created_at, Escalation.resolved_at)
                 .where(col(Escalation.status) == "resolved",
                        col(Escalation.resolved_at) >= now - timedelta(days=days)))
    spans: dict[str, list[timedelta]] = {}
    for reason, created, resolved in (await _rows(session, done_stmt)).all():
        spans.setdefault(reason, []).append(resolved - created)
    rows = []
    everything: list[timedelta] = []
    for reason in sorted(set(opened) | set(spans)):
        n_open, overdue = opened.get(reason, (0, 0))
        d = analytics.durations(spans.get(reason, []))
        everything += spans.get(reason, [])
        rows.append((reason, n_open, overdue, d.count, _dec(d.median_hours),
                     _dec(d.p90_hours)))
    if rows:
        total = analytics.durations(everything)
        rows.append(("all", sum(int(r[1]) for r in rows), sum(int(r[2]) for r in rows),
                     total.count, _dec(total.median_hours), _dec(total.p90_hours)))
    return Table("escalations", "Cases for staff",
                 ("reason", "open", "past_deadline", f"resolved_last_{days}_days",
                  "median_hours_to_resolve", "p90_hours_to_resolve"), tuple(rows),
                 note=f"Open = not resolved yet; hours from opening to resolution for cases "
                 f"resolved in the last {days} days.")


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Every table of the dashboard, computed at one moment."""

    now: datetime
    tables: dict[str, Table]
    aging: list[analytics.AgingLine]


async def build(session: AsyncSession, now: datetime) -> Dashboard:
    """All the dashboard's numbers, one aggregate query per table."""
    today = now.date()
    cells = await aging_cells(session, today)
    lines = analytics.aging_lines(cells)
    open_by_currency = {x.currency: x.total for x in lines if x.segment == "all"}
    tables = [aging_table(cells), await dso_table(session, today, open_by_currency),
              await recovery_table(session, now), await agreements_table(session),
              await reasons_table(session), await messages_table(session, now),
              await escalations_table(session, now)]
    return Dashboard(now, {t.name: t for t in tables}, lines)


TABLES = ("aging", "dso", "recovery", "agreements", "reasons", "messages", "escalations")


async def one_table(session: AsyncSession, name: str, now: datetime) -> Table:
    """One table by name, for its CSV export (only its own queries run)."""
    today = now.date()
    if name == "aging":
        return aging_table(await aging_cells(session, today))
    if name == "dso":
        lines = analytics.aging_lines(await aging_cells(session, today))
        return await dso_table(session, today,
                               {x.currency: x.total for x in lines if x.segment == "all"})
    builders = {"recovery": lambda: recovery_table(session, now),
                "agreements": lambda: agreements_table(session),
                "reasons": lambda: reasons_table(session),
                "messages": lambda: messages_table(session, now),
                "escalations": lambda: escalations_table(session, now)}
    if name not in builders:
        raise KeyError(name)
    return await builders[name]()

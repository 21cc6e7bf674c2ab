"""The scheduler pass: due timers into the outbox, then dispatch. Every minute in `serve`,
once with `recobro tick`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.dispatch import Dispatcher, DispatchReport
from bot.engine import Engine
from bot.leader import Leadership

if TYPE_CHECKING:
    from bot.media import MediaFetcher
    from bot.staff.desk import StaffDesk
    from bot.staff.telegram import StaffBot

NO_STAFF_GROUP = ("no staff group (RECOBRO_TELEGRAM_TOKEN and RECOBRO_STAFF_CHAT_ID): the "
                  "case is on /admin/staff")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one scheduler pass did."""

    retried_inbound: int
    timers_fired: int
    dispatch: DispatchReport
    attachments: int = 0  # downloaded (or refused) this pass
    cases_raised: int = 0  # cases past their deadline, raised again
    staff_posts: int = 0  # notices posted in the staff group

    def summary(self) -> str:
        """One line for the terminal."""
        d = self.dispatch
        line = (f"timers fired {self.timers_fired}; sent {len(d.sent)}, deferred "
                f"{len(d.deferred)}, cancelled {len(d.cancelled)}, retrying {len(d.retried)}, "
                f"failed {len(d.failed)}; inbound retried {self.retried_inbound}")
        extra = [f"{label} {n}" for label, n in (
            ("attachments", self.attachments), ("cases raised again", self.cases_raised),
            ("staff posts", self.staff_posts)) if n]
        return line + ("; " + ", ".join(extra) if extra else "")


class Scheduler:
    """Runs the pass; in `serve`, every `interval` seconds with APScheduler."""

    def __init__(self, engine: Engine, dispatcher: Dispatcher,
                 leadership: Leadership | None = None, *, desk: StaffDesk | None = None,
                 staff_bot: StaffBot | None = None, media: MediaFetcher | None = None) -> None:
        self.engine = engine
        self.dispatcher = dispatcher
        self.leadership = leadership or Leadership(engine.db)
        self.desk = desk
        self.staff_bot = staff_bot
        self.media = media
        self._aps: AsyncIOScheduler | None = None

    async def run_pass(self, *, debtor_id: int | None = None,
                       dispatch: bool = True) -> PassReport:
        """One pass: retry failed inbound messages, fire due timers, dispatch the outbox;
        then (for a whole pass) download attachments, raise cases past their deadline and
        post the staff group's notices. With `dispatch=False` the outbox is left to the
        dispatchers of running workers (`recobro tick --no-dispatch`)."""
        retried = 0 if debtor_id is not None else await self.engine.retry_failed_inbound()
        fired = await self.engine.fire_due_timers(debtor_id=debtor_id)
        report = (await self.dispatcher.run_once(debtor_id=debtor_id) if dispatch
                  else DispatchReport())
        if debtor_id is not None:
            return PassReport(retried, fired, report)
        attachments = await self.media.run_once() if self.media is not None else 0
        raised = await self.desk.raise_overdue() if self.desk is not None else 0
        posted = 0
        if self.staff_bot is not None:
            posted = await self.staff_bot.run_once()
        elif self.desk is not None:
            await self.desk.skip_notices(NO_STAFF_GROUP)
        return PassReport(retried, fired, report, attachments, raised, posted)

    async def _job(self) -> None:
        try:
            if not await self.leadership.is_leader():
                return  # another worker runs the timers; this one only dispatches
            report = await self.run_pass()
            if report.timers_fired or report.dispatch.sent:
                log.info("scheduler pass: %s", report.summary())
        except Exception:
            log.exception("scheduler pass failed; the next one retries")

    def start(self, interval_seconds: int) -> None:
        """Run the pass now and then every `interval_seconds` (never two at once)."""
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.add_job(self._job, "interval", seconds=interval_seconds, max_instances=1,
                          coalesce=True, next_run_time=datetime.now(UTC), id="recobro-pass")
        self._aps.start()

    def stop(self) -> None:
        """Stop scheduling passes."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    async def release(self) -> None:
        """Stop and hand the scheduler lock to another worker at once."""
        self.stop()
        await self.leadership.release()

"""The object graph, built once from settings: database, clock, engine, dispatcher, scheduler.

Commands and the web application share it, so `recobro chat` and `/sandbox` run through
the same engine and outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels import ChannelRegistry
from bot.channels.configure import Providers, configure
from bot.clock import Clock
from bot.dispatch import Dispatcher, lease_for
from bot.engine import Engine, sandbox_deep_link
from bot.media import MediaFetcher, MediaStore
from bot.ratelimit import rate_limiter
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.staff.desk import StaffDesk
from bot.staff.people import StaffList
from bot.staff.telegram import StaffBot
from storage.db import Database


@dataclass
class Services:
    """Everything a command or a request handler needs."""

    settings: Settings
    clock: Clock
    db: Database
    channels: ChannelRegistry
    engine: Engine
    dispatcher: Dispatcher
    scheduler: Scheduler
    providers: Providers = field(default_factory=Providers)
    desk: StaffDesk | None = None
    staff_bot: StaffBot | None = None  # the staff group, when Telegram and a group are set
    media: MediaFetcher | None = None

    async def close(self) -> None:
        """Release the scheduler lock and every connection."""
        await self.scheduler.release()
        if self.media is not None:
            await self.media.close()
        await self.providers.close()
        await self.db.dispose()


def build_services(settings: Settings, *, clock: Clock | None = None,
                   db: Database | None = None,
                   channels: ChannelRegistry | None = None) -> Services:
    """Wire the components for `settings`; tests pass their own clock, database or channels.

    Real channels come from the settings (`bot.channels.configure`) unless `channels` is
    given; every channel without a provider is delivered by the sandbox.
    """
    clock = clock or settings.clock()
    db = db or Database(settings.database_url)
    providers = configure(settings, clock) if channels is None else Providers()
    channels = channels or ChannelRegistry.with_sandbox(providers.adapters)
    dispatcher = Dispatcher(db, clock, channels, creditor=settings.creditor_name,
                            creditor_tax_id=settings.creditor_tax_id,
                            rate=rate_limiter(db, settings.send_rate_per_second),
                            lease=lease_for(settings.provider_timeout_seconds),
                            concurrency=settings.dispatch_concurrency)
    # Filled in below; the engine wakes them after a commit that gave them work.
    woken: list[StaffBot | MediaFetcher] = []

    def wake() -> None:
        for worker in woken:
            worker.kick()

    engine = Engine(db, clock, creditor=settings.creditor_name,
                    payment_url_template=settings.payment_url_template,
                    payments_secret=settings.payments_secret.get_secret_value()
                    if settings.payments_secret else None,
                    on_outbox=dispatcher.kick,
                    on_media=wake,
                    deep_link=providers.telegram.deep_link if providers.telegram
                    else sandbox_deep_link)
    desk = StaffDesk(db, clock, engine, dispatcher,
                     StaffList.of(settings.staff_user_ids, settings.admin_user_ids))
    store = MediaStore(settings.media_dir, settings.media_max_bytes)
    staff_bot = None
    if providers.telegram is not None and settings.staff_chat_id is not None:
        staff_bot = StaffBot(providers.telegram, settings.staff_chat_id, desk, db, clock, store)
    media = MediaFetcher(db, clock, store, twilio=providers.twilio,
                         telegram=providers.telegram,
                         on_done=staff_bot.kick if staff_bot else None)
    woken.extend([media] + ([staff_bot] if staff_bot else []))
    scheduler = Scheduler(engine, dispatcher, desk=desk, staff_bot=staff_bot, media=media)
    return Services(settings, clock, db, channels, engine, dispatcher, scheduler, providers,
                    desk, staff_bot, media)

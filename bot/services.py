"""The object graph, built once from settings: database, clock, engine, dispatcher, scheduler.

Commands and the web application share it, so `recobro chat` and `/sandbox` run through
the same engine and outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels import ChannelRegistry
from bot.clock import Clock
from bot.dispatch import Dispatcher
from bot.engine import Engine
from bot.scheduler import Scheduler
from bot.settings import Settings
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

    async def close(self) -> None:
        """Release the scheduler lock and every connection."""
        await self.scheduler.release()
        await self.db.dispose()


def build_services(settings: Settings, *, clock: Clock | None = None,
                   db: Database | None = None,
                   channels: ChannelRegistry | None = None) -> Services:
    """Wire the components for `settings`; tests pass their own clock, database or channels."""
    clock = clock or settings.clock()
    db = db or Database(settings.database_url)
    channels = channels or ChannelRegistry.with_sandbox()
    dispatcher = Dispatcher(db, clock, channels, creditor=settings.creditor_name,
                            creditor_tax_id=settings.creditor_tax_id)
    engine = Engine(db, clock, creditor=settings.creditor_name,
                    payment_url_template=settings.payment_url_template,
                    payments_secret=settings.payments_secret.get_secret_value()
                    if settings.payments_secret else None,
                    on_outbox=dispatcher.kick)
    return Services(settings, clock, db, channels, engine, dispatcher,
                    Scheduler(engine, dispatcher))

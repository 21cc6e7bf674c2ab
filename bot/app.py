"""The composition root: one aiohttp application with webhooks, sandbox, admin, scheduler
and dispatcher, built from settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from aiohttp import web

from bot import payments_web
from bot.admin import dashboard_views, debtor_data_views, policy_views, staff_views
from bot.admin import views as admin_views
from bot.channels import sandbox_http, telegram, twilio, webhooks
from bot.services import Services
from bot.staff import background as staff_background
from bot.web import SERVICES, refuse_large_bodies, security_headers, setup_templates

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # webhooks and forms; a larger body is refused with 413
# On SIGTERM, requests in flight get this long to finish. Webhooks take milliseconds; what
# is still open after that is a sandbox long-poll, which the page simply repeats.
SHUTDOWN_SECONDS = 5.0


def create_app(svc: Services, *, background: bool = True) -> web.Application:
    """The web application. `background` starts the dispatcher loop and the scheduler."""
    app = web.Application(middlewares=[refuse_large_bodies(MAX_BODY), security_headers],
                          client_max_size=MAX_BODY)
    app[SERVICES] = svc
    setup_templates(app)
    app.router.add_get("/", _index)
    app.router.add_get("/healthz", _health)
    if svc.settings.sandbox != "off":
        sandbox_http.setup_routes(app)
    payments_web.setup_routes(app)
    admin_views.setup_routes(app)
    policy_views.setup_routes(app)
    dashboard_views.setup_routes(app)
    debtor_data_views.setup_routes(app)
    staff_views.setup_routes(app)
    if svc.providers.twilio is not None:
        webhooks.setup_twilio(app, svc.providers.twilio)
    if svc.providers.telegram is not None:
        webhooks.setup_telegram(app, svc.providers.telegram)
    if background:
        app.cleanup_ctx.append(_background)
        staff_background.setup(app)
    return app


async def _background(app: web.Application) -> AsyncIterator[None]:
    svc = app[SERVICES]
    if svc.providers.telegram is not None:
        try:
            await svc.providers.telegram.start()  # getMe: a wrong token shows at once
        except Exception as exc:  # the first send tries again
            log.warning("Telegram is not reachable at start-up: %s", exc)
    dispatcher = asyncio.create_task(svc.dispatcher.run_forever(), name="dispatcher")
    if svc.settings.scheduler:
        svc.scheduler.start(svc.settings.scheduler_interval_seconds)
    yield
    svc.scheduler.stop()
    dispatcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await dispatcher


async def _index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/admin")


async def _health(request: web.Request) -> web.Response:
    """200 when the database answers; load balancers and the demo script poll this."""
    from sqlalchemy import literal
    from sqlmodel import select

    try:
        async with request.app[SERVICES].db.transaction() as session:
            await session.exec(select(literal(1)))
    except Exception as exc:  # the database is down: say so, so traffic goes elsewhere
        return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
    return web.json_response({"ok": True})


def startup_lines(svc: Services, base: str) -> list[str]:
    """What `recobro serve` prints: where things are and what is not configured."""
    lines = [f"Recobro is serving on {base}",
             f"  admin:   {base}/admin"]
    if svc.settings.sandbox != "off":
        lines.append(f"  sandbox: {base}/sandbox"
                     + ("  (open to anyone: demo mode)" if svc.settings.sandbox == "open" else ""))
    for name in ("whatsapp", "sms", "telegram"):
        if name not in svc.channels.sandboxed():
            lines.append(f"  {name}: live, {_webhook(name, svc)}")
    lines.extend(f"  {note}" for note in svc.providers.notes)
    sandboxed = svc.channels.sandboxed()
    if sandboxed:
        lines.append(f"  no provider configured for {', '.join(sandboxed)}: messages on "
                     f"{'it' if len(sandboxed) == 1 else 'them'} are delivered by the sandbox")
    now = svc.clock.now()
    if svc.settings.now:
        lines.append(f"  clock set by RECOBRO_NOW: it is now {now.isoformat()}")
    return lines


def _webhook(name: str, svc: Services) -> str:
    public = (svc.settings.public_url or "<RECOBRO_PUBLIC_URL>").rstrip("/")
    if name == "telegram":
        return f"webhook {public}{telegram.WEBHOOK_PATH}"
    return f"webhooks {public}{twilio.WEBHOOK_PATH} and {public}{twilio.STATUS_PATH}"


async def serve(svc: Services, host: str, port: int) -> None:
    """Run until SIGINT or SIGTERM."""
    app = create_app(svc)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    for line in startup_lines(svc, f"http://{host}:{port}"):
        print(line, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await svc.close()

"""What every page and API handler shares: the services, the session, CSRF, templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.admin.auth import SessionInfo, csrf_ok, load_session
from bot.services import Services

SERVICES = web.AppKey("services", Services)
SESSION = web.RequestKey("session", object)
SESSION_COOKIE = "recobro_session"
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def services(request: web.Request) -> Services:
    """The application's services."""
    return request.app[SERVICES]


async def current_session(request: web.Request) -> SessionInfo | None:
    """The logged-in admin user, if any (cached on the request)."""
    if SESSION not in request:
        svc = services(request)
        async with svc.db.transaction() as db:
            request[SESSION] = await load_session(db, request.cookies.get(SESSION_COOKIE),
                                                  svc.clock.now())
    info = request[SESSION]
    assert info is None or isinstance(info, SessionInfo)
    return info


async def require_session(request: web.Request, *, admin: bool = False) -> SessionInfo:
    """The session, or a redirect to the login page (pages) / 401 (APIs)."""
    info = await current_session(request)
    if info is None:
        if request.path.startswith(("/sandbox/api", "/admin/api")):
            raise web.HTTPUnauthorized(text="log in at /admin/login first")
        raise web.HTTPSeeOther(f"/admin/login?next={request.rel_url}")
    if admin and not info.is_admin:
        raise web.HTTPForbidden(text="this needs the admin role")
    return info


async def check_csrf(request: web.Request, info: SessionInfo, form: Any = None) -> None:
    """Refuse a state-changing request without the session's CSRF token."""
    given = request.headers.get("X-CSRF-Token")
    if given is None and form is not None:
        given = form.get("csrf_token")
    if not csrf_ok(info.csrf_token, given):
        raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the page")


def setup_templates(app: web.Application) -> None:
    """Jinja2 with autoescaping: names and texts from debtors are never HTML."""
    app.router.add_static("/static/", STATIC, name="static", append_version=True)
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                               autoescape=jinja2.select_autoescape(["html"]))
    env.globals["static"] = lambda path: str(app.router["static"].url_for(filename=path))


async def render(request: web.Request, template: str, context: dict[str, Any],
                 *, status: int = 200) -> web.Response:
    """A page, with what the layout needs (the session, for its CSRF token and the menu).

    Not an aiohttp-jinja2 context processor: those run before the handler has loaded the
    session, and for every request (static files too).
    """
    svc = services(request)
    base = {"session": await current_session(request), "creditor": svc.settings.creditor_name,
            "sandbox_mode": svc.settings.sandbox}
    response = aiohttp_jinja2.render_template(template, request, base | context)
    response.set_status(status)
    return response


# The largest row id, page or count a request may name: past it the database's integers
# overflow (PostgreSQL's ids are 32-bit; a 500 on both backends), so it is clamped first.
MAX_ID = 2**31 - 1
ID = r"\d{1,9}"  # a route's numeric id: longer ones are no route (404)


def bounded_int(value: str | None, default: int, *, low: int = 0, high: int = MAX_ID) -> int:
    """A query or form number clamped to [low, high]; `default` when it is not a number."""
    try:
        number = int(str(value).strip()) if value is not None else default
    except ValueError:
        return default
    return max(low, min(high, number))


def refuse_large_bodies(max_size: int) -> Callable[..., Any]:
    """413 for a declared body over `max_size`, before any handler runs (even one that
    never reads its body); undeclared (chunked) bodies stop at `client_max_size`."""
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > max_size:
            raise web.HTTPRequestEntityTooLarge(max_size=max_size,
                                                actual_size=request.content_length)
        return await handler(request)
    return middleware


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Headers that make the admin harder to frame, sniff or inject into."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'")
    return response

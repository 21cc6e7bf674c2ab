"""A debtor's data for admins: export all of it as JSON, or erase it (keeping what the law
requires). Both are admin-only and audited; erasure also needs the CSRF token and the
debtor's id typed again."""

from __future__ import annotations

import json

from aiohttp import web
from sqlmodel import select

from bot import erasure
from bot.web import check_csrf, require_session, services
from storage.models import Debtor
from storage.models import Event as EventRow


def setup_routes(app: web.Application) -> None:
    """Add the export and erasure actions of the debtor page."""
    app.router.add_get("/admin/debtors/{debtor_id}/export.json", export_json)
    app.router.add_post("/admin/debtors/{debtor_id}/erase", erase)


async def export_json(request: web.Request) -> web.StreamResponse:
    """Every record about one debtor, as a JSON download (audited)."""
    info = await require_session(request, admin=True)
    svc = services(request)
    now = svc.clock.now()
    external_id = request.match_info["debtor_id"]
    async with svc.db.transaction() as session:
        debtor = (await session.exec(select(Debtor).where(
            Debtor.external_id == external_id))).first()
        if debtor is None:
            raise web.HTTPNotFound(text="no such debtor")
        document = await erasure.export(session, debtor, now)
        session.add(EventRow(at=now, debtor_id=debtor.id, actor=f"admin:{info.username}",
                             kind="debtor.exported", data={}))
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in external_id)
    return web.Response(
        text=json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json",
        charset="utf-8", headers={"Content-Disposition":
                                  f'attachment; filename="recobro-debtor-{safe}.json"',
                                  "Cache-Control": "no-store"})


async def erase(request: web.Request) -> web.StreamResponse:
    """Erase one debtor in one transaction, after the admin typed the debtor's id to confirm."""
    info = await require_session(request, admin=True)
    form = await request.post()
    await check_csrf(request, info, form)
    svc = services(request)
    external_id = request.match_info["debtor_id"]
    if str(form.get("confirm", "")).strip() != external_id:
        raise web.HTTPBadRequest(
            text=f"to erase this debtor, type their id ({external_id}) in the confirmation box")
    async with svc.db.transaction() as session:
        debtor = (await session.exec(select(Debtor).where(
            Debtor.external_id == external_id))).first()
        if debtor is None:
            raise web.HTTPNotFound(text="no such debtor")
        if debtor.erased_at is not None:
            raise web.HTTPConflict(text="this debtor was already erased")
        report = await erasure.erase(session, debtor, actor=f"admin:{info.username}",
                                     now=svc.clock.now())
        target = debtor.external_id
    # Committed: now the receipts' files go, and the staff group's posts about them.
    if svc.media is not None and report.files:
        await svc.media.store.delete(report.files)
    if svc.staff_bot is not None:
        svc.staff_bot.kick()
    raise web.HTTPSeeOther(f"/admin/debtors/{target}?erased=1")

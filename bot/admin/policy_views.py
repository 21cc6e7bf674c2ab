"""Admin pages for segment policies: edit with validation, preview, history, rollback, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.admin.policy_form import CHOICES, GROUPS, form_to_raw, form_values
from bot.money import Money, MoneyError, exponent, format_money
from bot.negotiation import Currency, Offer, preview
from bot.policies import newest, rollback, save
from bot.policy_doc import DEFAULT_SEGMENT, PolicyError, SegmentPolicy, from_data, parse_segment
from bot.web import bounded_int, check_csrf, render, require_session, services
from storage.models import Debtor, Policy
from storage.models import Event as EventRow

HOME_LOCALES = {"COP": "es-CO", "CLP": "es-CL", "MXN": "es-MX", "PEN": "es-PE", "BRL": "pt-BR",
                "USD": "en-US", "EUR": "es-ES"}
SEGMENT_NAME = r"[a-z0-9_\-]{1,64}"


def setup_routes(app: web.Application) -> None:
    """Add the policy pages."""
    app.router.add_get("/admin/policies", segments)
    app.router.add_get(f"/admin/policies/{{segment:{SEGMENT_NAME}}}", edit)
    app.router.add_post(f"/admin/policies/{{segment:{SEGMENT_NAME}}}", update)
    app.router.add_post(f"/admin/policies/{{segment:{SEGMENT_NAME}}}/rollback", roll_back)
    app.router.add_get("/admin/audit", audit)


async def segments(request: web.Request) -> web.StreamResponse:
    """Every segment: stored ones and those debtors belong to."""
    await require_session(request)
    async with services(request).db.transaction() as session:
        stored = set((await session.exec(select(Policy.segment).distinct())).all())
        used = set((await session.exec(select(Debtor.segment).distinct())).all())
        rows = await newest(session, stored)
    names = sorted(stored | used | {DEFAULT_SEGMENT}, key=lambda n: (n != DEFAULT_SEGMENT, n))
    return await render(request, "admin/policies.html", {"segments": [
        {"name": n, "row": rows.get(n), "used": n in used} for n in names]})


async def _current(request: web.Request, segment: str) -> tuple[SegmentPolicy, Policy | None]:
    async with services(request).db.transaction() as session:
        rows = await newest(session, [segment, DEFAULT_SEGMENT])
    row = rows.get(segment)
    base = row or rows.get(DEFAULT_SEGMENT)
    return (from_data(base.data) if base else SegmentPolicy()), row


async def _page(request: web.Request, segment: str, policy: SegmentPolicy, row: Policy | None,
                values: dict[str, Any], errors: dict[str, str], status: int = 200,
                notice: str | None = None) -> web.Response:
    svc = services(request)
    async with svc.db.transaction() as session:
        versions = (await session.exec(select(Policy).where(Policy.segment == segment)
                                       .order_by(col(Policy.version).desc()))).all()
        events = (await session.exec(select(EventRow).where(EventRow.kind == "policy.changed")
                                     .order_by(col(EventRow.id).desc()).limit(500))).all()
    changes = {e.data.get("version"): e for e in events if e.data.get("segment") == segment}
    return await render(request, "admin/policy.html", {
        "segment": segment, "row": row, "groups": GROUPS, "choices": CHOICES,
        "values": values, "errors": errors, "versions": versions, "changes": changes,
        "preview": _preview(request, policy), "notice": notice,
    }, status=status)


def _preview(request: web.Request, policy: SegmentPolicy) -> dict[str, Any]:
    """What the bot could offer on an example debt, with these limits."""
    q = request.query
    currency = q.get("currency", "COP").upper()[:3]
    problems = []
    try:
        exponent(currency)
    except MoneyError:
        problems.append(f"Unknown currency {currency}.")
        currency = "COP"
    try:
        balance = Money.of(Decimal(q.get("balance", "5000000")), currency)
        if balance.minor <= 0:
            raise InvalidOperation
    except (InvalidOperation, MoneyError):
        problems.append("The balance must be a positive amount.")
        balance = Money.of("5000000", currency)
    try:
        days = max(0, min(3650, int(q.get("days", "90"))))
    except ValueError:
        problems.append("Days overdue must be a whole number.")
        days = 90
    today = services(request).clock.now().date()
    locale = HOME_LOCALES.get(currency, "en-US")
    offers = preview(policy.limits, balance.minor, Currency.of(currency), days, today)
    return {"balance": balance.decimal_str(), "currency": currency, "days": days,
            "problems": problems, "debt": format_money(balance, locale),
            "offers": [_offer_row(o, locale) for o in offers]}


def _offer_row(offer: Offer, locale: str) -> dict[str, Any]:
    money = lambda minor: format_money(Money(minor, offer.currency), locale)  # noqa: E731
    amounts = sorted({i.amount for i in offer.schedule})
    if offer.installments == 1:
        payments = f"{money(offer.schedule[0].amount)} by {offer.schedule[0].due:%Y-%m-%d}"
    else:
        payments = (f"{offer.installments} payments of "
                    + " / ".join(money(a) for a in amounts)
                    + f", {offer.schedule[0].due:%Y-%m-%d} to {offer.last_due:%Y-%m-%d}")
    return {"kind": offer.kind.value.replace("_", " "), "payments": payments,
            "total": money(offer.total), "discount": f"{offer.discount_percent}%",
            "needs_approval": offer.needs_approval}


async def edit(request: web.Request) -> web.StreamResponse:
    """The form for one segment, its preview, its versions."""
    await require_session(request)
    segment = request.match_info["segment"]
    policy, row = await _current(request, segment)
    saved = request.query.get("saved")
    notice = f"Saved as version {saved}." if saved and saved.isdigit() else None
    if request.query.get("unchanged"):
        notice = "Nothing changed: no new version was written."
    return await _page(request, segment, policy, row, form_values(policy), {}, notice=notice)


async def update(request: web.Request) -> web.StreamResponse:
    """Validate the form; save a new version, or show each error next to its field."""
    info = await require_session(request, admin=True)
    form = await request.post()
    await check_csrf(request, info, form)
    segment = request.match_info["segment"]
    current, row = await _current(request, segment)
    lists = {name: [str(v) for v in form.getall(name, [])] for name in CHOICES}
    raw, errors = form_to_raw(form, current, lists)
    policy = current
    if not errors:
        try:
            policy = parse_segment(raw, None, prefix="")
        except PolicyError as exc:
            errors = exc.errors
    if errors:
        values = {k: str(v) for k, v in form.items()} | lists
        return await _page(request, segment, current, row, values, errors, status=400)
    svc = services(request)
    comment = str(form.get("comment", "")).strip()[:500] or None
    try:
        async with svc.db.transaction() as session:
            result = await save(session, segment, policy, actor=f"admin:{info.username}",
                                now=svc.clock.now(), comment=comment)
    except IntegrityError:
        values = {k: str(v) for k, v in form.items()} | lists
        return await _page(request, segment, current, row, values, {
            "": "Someone else saved this segment at the same moment, so your change was not "
                "saved. Reload the page and make it again."}, status=409)
    target = (f"/admin/policies/{segment}?saved={result.version}" if result.version
              else f"/admin/policies/{segment}?unchanged=1")
    raise web.HTTPSeeOther(target)


async def roll_back(request: web.Request) -> web.StreamResponse:
    """Make an old version the newest (a new version, audited)."""
    info = await require_session(request, admin=True)
    form = await request.post()
    await check_csrf(request, info, form)
    segment = request.match_info["segment"]
    version = bounded_int(str(form.get("version", "")), -1, low=-1, high=1_000_000)
    if version < 0:
        raise web.HTTPBadRequest(text="version must be a number")
    svc = services(request)
    try:
        async with svc.db.transaction() as session:
            result = await rollback(session, segment, version, actor=f"admin:{info.username}",
                                    now=svc.clock.now())
    except LookupError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None
    target = (f"/admin/policies/{segment}?saved={result.version}" if result.version
              else f"/admin/policies/{segment}?unchanged=1")
    raise web.HTTPSeeOther(target)


async def audit(request: web.Request) -> web.StreamResponse:
    """Every change an admin made, newest first: who, when, what before and after."""
    await require_session(request)
    page = bounded_int(request.query.get("page"), 1, low=1, high=100_000)
    async with services(request).db.transaction() as session:
        events = (await session.exec(
            select(EventRow).where(col(EventRow.kind).startswith("policy.")
                                   | col(EventRow.kind).startswith("admin."))
            .order_by(col(EventRow.id).desc()).offset((page - 1) * 50).limit(50))).all()
    return await render(request, "admin/audit.html", {"events": events, "page": page,
                                                      "more": len(events) == 50,
                                                      "today": date.today()})

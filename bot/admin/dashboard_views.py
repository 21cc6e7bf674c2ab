"""The portfolio dashboard page and the CSV export of each of its charts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot import charts
from bot.admin.policy_views import HOME_LOCALES
from bot.analytics import BUCKETS
from bot.dashboard import TABLES, Dashboard, Table, build, one_table
from bot.money import Money, format_money
from bot.web import render, require_session, services


def setup_routes(app: web.Application) -> None:
    """Add the dashboard page and its CSV exports."""
    app.router.add_get("/admin/dashboard", dashboard)
    app.router.add_get(r"/admin/dashboard/{name:[a-z]+}.csv", export_csv)


def money_text(value: str, currency: str) -> str:
    """A decimal amount as people read it in the currency's home locale."""
    return format_money(Money.of(value, currency), HOME_LOCALES.get(currency, "en-US"))


def _cells(table: Table) -> list[list[dict[str, str]]]:
    """Each cell's shown text and exact value (the CSV's), for the page's tables."""
    out = []
    for record in table.records():
        currency = str(record.get("currency", ""))
        out.append([{"col": c, "value": str(v),
                     "text": money_text(str(v), currency) if c in table.money else str(v)}
                    for c, v in record.items()])
    return out


def _charts(board: Dashboard) -> dict[str, Markup]:
    t = board.tables
    made: dict[str, Markup] = {}
    lines = board.aging
    made["aging"] = charts.stacked_shares(
        "Open balance by days overdue, each line its own 100%",
        [(f"{x.currency} · {x.segment}", [x.buckets[b] for b in BUCKETS]) for x in lines],
        BUCKETS, lambda i: money_text(Money(lines[i].total, lines[i].currency).decimal_str(),
                                      lines[i].currency))
    dso = [(str(r["currency"]), Decimal(str(r["dso_days"])))
           for r in t["dso"].records() if r["dso_days"] != ""]
    made["dso"] = charts.bar_groups("DSO in days per currency", [(c, [v]) for c, v in dso],
                                    ["days"])
    weekly: dict[str, list[tuple[str, Decimal]]] = {}
    for r in t["recovery"].records():
        weekly.setdefault(str(r["currency"]), []).append(
            (str(r["week_of"])[5:], Decimal(str(r["recovered"]))))
    made["recovery"] = Markup("").join(
        charts.columns(f"Recovered per week in {currency}", points,
                       lambda v, c=currency: money_text(str(v), c))  # type: ignore[misc]
        for currency, points in weekly.items())
    made["agreements"] = charts.bar_groups(
        "Agreements by outcome",
        [(str(r["kind"]), [int(r[s]) for s in ("made", "active", "kept", "broken")])
         for r in t["agreements"].records()], ["made", "active", "kept", "broken"])
    made["reasons"] = charts.bar_groups(
        "Reasons for non-payment", [(str(r["label"]), [int(r["answers"])])
                                    for r in t["reasons"].records()], ["answers"])
    made["messages"] = charts.bar_groups(
        "Messages by channel",
        [(str(r["channel"]), [int(r[s]) for s in ("sent", "delivered", "read", "replies")])
         for r in t["messages"].records()], ["sent", "delivered", "read", "replies"])
    made["escalations"] = charts.bar_groups(
        "Open cases by reason", [(str(r["reason"]), [int(r["open"]), int(r["past_deadline"])])
                                 for r in t["escalations"].records() if r["reason"] != "all"],
        ["open", "past deadline"])
    return made


async def dashboard(request: web.Request) -> web.StreamResponse:
    """The portfolio at a glance: every chart with its numbers and a CSV link."""
    await require_session(request)
    svc = services(request)
    async with svc.db.transaction() as session:
        board = await build(session, svc.clock.now())
    made = _charts(board)
    sections: list[dict[str, Any]] = [
        {"table": board.tables[name], "chart": made[name], "cells": _cells(board.tables[name])}
        for name in TABLES]
    return await render(request, "admin/dashboard.html", {
        "sections": sections, "now": board.now})


def table_csv(table: Table) -> str:
    """A table as CSV text: a header, then the same values the page shows under its chart."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([_inert(c) for c in r] for r in table.rows)
    return out.getvalue()


def _inert(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first), with a
    quote in front (OWASP's advice); numbers, negative ones too, stay as they are."""
    if not isinstance(cell, str) or not cell or cell[0] not in "=+-@\t\r":
        return cell
    try:
        Decimal(cell)
        return cell
    except ArithmeticError:
        return "'" + cell


async def export_csv(request: web.Request) -> web.StreamResponse:
    """One chart's numbers as CSV (aggregates only: no debtor's data)."""
    await require_session(request)
    name = request.match_info["name"]
    if name not in TABLES:
        raise web.HTTPNotFound(text=f"no chart {name!r}; charts are {', '.join(TABLES)}")
    svc = services(request)
    now = svc.clock.now()
    async with svc.db.transaction() as session:
        table = await one_table(session, name, now)
    return web.Response(
        text=table_csv(table), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition":
                 f'attachment; filename="recobro-{name}-{now:%Y-%m-%d}.csv"'})

"""The `recobro` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import col, select

from bot.channels.base import Option, numbered_options
from bot.clock import Clock, FixedClock, parse_instant
from bot.domain import InboundMessage
from bot.services import Services, build_services
from bot.settings import Settings
from bot.texts import Renderer
from storage.migrate import pending, upgrade
from storage.models import Debtor, Message, Outbox

log = logging.getLogger("recobro")


class CommandError(Exception):
    """A failure the user can fix; printed without a traceback."""


def _clock(args: argparse.Namespace, settings: Settings) -> Clock:
    now = getattr(args, "now", None)
    return FixedClock(parse_instant(now)) if now else settings.clock()


async def _services(args: argparse.Namespace, *, check_schema: bool = True) -> Services:
    from bot.channels.configure import ChannelConfigError

    settings = Settings()
    try:
        services = build_services(settings, clock=_clock(args, settings))
    except ChannelConfigError as exc:
        raise CommandError(str(exc)) from None
    if check_schema and await pending(services.db):
        await services.db.dispose()
        raise CommandError("the database schema is not up to date: run `recobro db upgrade`")
    return services


# Commands ----------------------------------------------------------------------------


async def cmd_db_upgrade(args: argparse.Namespace) -> int:
    services = await _services(args, check_schema=False)
    try:
        await upgrade(services.db)
        print(f"database at {_safe_url(services.settings.database_url)} is up to date")
    finally:
        await services.close()
    return 0


async def cmd_import(args: argparse.Namespace) -> int:
    from bot.portfolio import PortfolioFileError, import_portfolio, parse_portfolio

    path = Path(args.file)
    try:
        content = await asyncio.to_thread(path.read_bytes)
        text = content.decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text (byte {exc.start}); "
                           "save it as UTF-8 CSV") from None
    try:
        parsed = parse_portfolio(text)
    except PortfolioFileError as exc:
        raise CommandError(f"{path}: {exc}") from None
    services = await _services(args)
    try:
        now = services.clock.now()
        async with services.db.transaction() as session:
            report = await import_portfolio(session, parsed, source=str(path), content=content,
                                            now=now, close_missing=args.close_missing)
            if args.dry_run:
                await session.rollback()
            else:
                await services.engine.reschedule(session, report.touched_debtors)
        print(report.summary())
        if args.dry_run:
            print("dry run: nothing was written")
    finally:
        await services.close()
    return 1 if report.errors else 0


async def cmd_tick(args: argparse.Namespace) -> int:
    services = await _services(args)
    try:
        report = await services.scheduler.run_pass(dispatch=not args.no_dispatch)
        print(f"{services.clock.now().isoformat()}: {report.summary()}")
    finally:
        await services.close()
    return 0


async def cmd_chat(args: argparse.Namespace) -> int:
    services = await _services(args)
    try:
        return await _chat(services, args.debtor, sys.stdin, sys.stdout)
    finally:
        await services.close()


async def _chat(services: Services, external_id: str, stdin: TextIO, stdout: TextIO) -> int:
    async with services.db.transaction() as session:
        debtor = (await session.exec(select(Debtor).where(Debtor.external_id == external_id))
                  ).first()
    if debtor is None or debtor.id is None:
        raise CommandError(f"no debtor {external_id!r}; `recobro import` a portfolio first")
    interactive = stdin.isatty()
    footer = Renderer(debtor.locale, date.today()).text  # noqa: F841  (kept for symmetry)
    report = await services.scheduler.run_pass(debtor_id=debtor.id)
    await _print_sent(services, report.dispatch.sent_messages, stdout)
    await _print_held(services, debtor.id, stdout)
    while True:
        if interactive:
            stdout.write("you> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        text = line.rstrip("\n")
        if not text.strip():
            continue
        received = await services.engine.receive(InboundMessage(
            channel=debtor.channel, provider_id=f"chat:{uuid.uuid4().hex}",
            address=debtor.phone or "", text=text, received_at=services.clock.now(),
            debtor_external_id=debtor.external_id))
        if received.status == "failed":
            stdout.write("!!  the bot could not process that message; it is kept for a retry\n")
        dispatch = await services.dispatcher.run_once(debtor_id=debtor.id)
        await _print_sent(services, dispatch.sent_messages, stdout)
    return 0


async def _print_sent(services: Services, message_ids: Sequence[int], out: TextIO) -> None:
    if not message_ids:
        return
    async with services.db.transaction() as session:
        rows = (await session.exec(select(Message).where(col(Message.id).in_(message_ids))
                                   .order_by(col(Message.id)))).all()
    for message in rows:
        options = tuple(Option(o["id"], o["title"]) for o in message.payload.get("options", []))
        footer = ""
        if options:
            footer = Renderer(message.payload.get("locale", "es-CO"),
                              date.today()).text(_numbers_footer())
        text = numbered_options(message.text, options, footer)
        first, *rest = text.split("\n")
        out.write(f"bot> {first}\n")
        for line in rest:
            out.write(f"     {line}\n")
    out.flush()


def _numbers_footer() -> Any:
    from bot.texts import Say

    return Say("options.reply_with_number")


async def _print_held(services: Services, debtor_id: int, out: TextIO) -> None:
    async with services.db.transaction() as session:
        held = (await session.exec(select(Outbox).where(
            Outbox.debtor_id == debtor_id, Outbox.status == "pending",
            col(Outbox.due_at) > services.clock.now()))).all()
    for row in held:
        out.write(f"...  a {row.kind} message waits until {row.due_at.isoformat()} "
                  "(contact rules or a retry)\n")


async def cmd_debtor_show(args: argparse.Namespace) -> int:
    from bot.inspect import debtor_document

    services = await _services(args)
    try:
        async with services.db.transaction() as session:
            document = await debtor_document(session, args.debtor_id)
    finally:
        await services.close()
    if document is None:
        raise CommandError(f"no debtor {args.debtor_id!r}")
    if args.json:
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from bot.inspect import debtor_text

        print(debtor_text(document))
    return 0


async def cmd_serve(args: argparse.Namespace) -> int:
    from bot.app import serve

    settings = Settings()
    host = args.host or settings.host
    port = args.port or settings.port
    services = await _services(args)
    await serve(services, host, port)
    return 0


async def cmd_admin_create_user(args: argparse.Namespace) -> int:
    from bot.admin.auth import UserExists, create_user

    if args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            raise CommandError("the two passwords differ")
    services = await _services(args)
    try:
        async with services.db.transaction() as session:
            await create_user(session, args.username, password, args.role, services.clock.now())
    except UserExists:
        if args.if_missing:
            print(f"user {args.username} already exists")
            return 0
        raise CommandError(f"user {args.username} already exists") from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    finally:
        await services.close()
    print(f"created {args.role} {args.username}")
    return 0


async def cmd_policy_load(args: argparse.Namespace) -> int:
    from bot.policies import save
    from bot.policy_doc import PolicyError, load_document

    path = Path(args.file)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    try:
        segments = load_document(text)
    except PolicyError as exc:
        lines = [f"  {field or path.name}: {message}" for field, message in exc.errors.items()]
        raise CommandError(f"{path} was not loaded; fix these and load it again:\n"
                           + "\n".join(lines)) from None
    services = await _services(args)
    actor = f"cli:{getpass.getuser()}"
    try:
        async with services.db.transaction() as session:
            for name, policy in segments.items():
                saved = await save(session, name, policy, actor=actor,
                                   now=services.clock.now(), comment=args.comment)
                if saved.version is None:
                    print(f"segment {name}: unchanged (version {saved.previous})")
                else:
                    print(f"segment {name}: version {saved.version}"
                          + (f" (was {saved.previous})" if saved.previous else ""))
            if args.dry_run:
                await session.rollback()
                print("dry run: nothing was written")
    finally:
        await services.close()
    return 0


async def cmd_policy_dump(args: argparse.Namespace) -> int:
    from bot.policies import newest
    from bot.policy_doc import DEFAULT_SEGMENT, SegmentPolicy, dump_document, from_data
    from storage.models import Policy

    services = await _services(args)
    try:
        async with services.db.transaction() as session:
            names = (await session.exec(select(Policy.segment).distinct())).all()
            rows = await newest(session, names)
    finally:
        await services.close()
    segments = {name: from_data(row.data) for name, row in rows.items()}
    segments.setdefault(DEFAULT_SEGMENT, SegmentPolicy())  # the built-in defaults apply
    if args.segment:
        if args.segment not in segments:
            raise CommandError(f"no segment {args.segment!r}; known: {', '.join(sorted(segments))}")
        segments = {args.segment: segments[args.segment]}
    sys.stdout.write(dump_document(segments))
    return 0


async def cmd_payments_import(args: argparse.Namespace) -> int:
    from collections import Counter

    from bot.payments import NoticeError, parse_payments_csv

    path = Path(args.file)
    try:
        text = (await asyncio.to_thread(path.read_bytes)).decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text; save it as UTF-8 CSV") from None
    try:
        notices, bad = parse_payments_csv(text)
    except NoticeError as exc:
        raise CommandError(f"{path}: {exc}") from None
    services = await _services(args)
    outcomes: Counter[str] = Counter()
    held: list[str] = []
    try:
        for notice in notices:
            # One transaction per payment: each is idempotent by its reference, so a file
            # interrupted half-way is simply imported again.
            outcome = await services.engine.record_payment(notice)
            outcomes[outcome.status] += 1
            if outcome.status == "held":
                held.append(f"  held {notice.reference}: {outcome.reason}")
        await services.dispatcher.run_once()
    finally:
        await services.close()
    print(f"{path}: {outcomes['applied']} applied, {outcomes['held']} held for staff, "
          f"{outcomes['duplicate']} already recorded; {len(bad)} rows rejected.")
    for line in held:
        print(line)
    for row in bad:
        print(f"  rejected {row}")
    return 1 if bad else 0


async def cmd_understand(args: argparse.Namespace) -> int:
    from bot.understanding.cli import run

    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        raise CommandError(f"--today {args.today!r} is not a date (YYYY-MM-DD)") from None
    # Pure and fast: no database, no event loop work; one reading per input line.
    return run(sys.stdin, sys.stdout, args.locale, today)


def _telegram(services: Services) -> Any:
    channel = services.providers.telegram
    if channel is None:
        raise CommandError("Telegram is off: set RECOBRO_TELEGRAM_TOKEN and "
                           "RECOBRO_TELEGRAM_BOT_USERNAME")
    return channel


async def cmd_telegram_poll(args: argparse.Namespace) -> int:
    import signal

    from bot.channels.telegram import poll

    services = await _services(args)
    try:
        channel = _telegram(services)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        dispatcher = asyncio.create_task(services.dispatcher.run_forever())
        if services.settings.scheduler:
            services.scheduler.start(services.settings.scheduler_interval_seconds)
        print(f"polling Telegram as @{channel.username} (this removes its webhook); "
              "Ctrl-C to stop", flush=True)
        try:
            await poll(services, channel, stop)
        finally:
            dispatcher.cancel()
    finally:
        await services.close()
    return 0


async def cmd_telegram_link(args: argparse.Namespace) -> int:
    from bot.channels.links import LINK_TTL, create_link

    services = await _services(args)
    try:
        channel = _telegram(services)
        async with services.db.transaction() as session:
            debtor = (await session.exec(select(Debtor).where(
                Debtor.external_id == args.debtor_id))).first()
            if debtor is None or debtor.id is None:
                raise CommandError(f"no debtor {args.debtor_id!r}")
            token = await create_link(session, debtor.id, "telegram", services.clock.now())
        print(channel.deep_link(token))
        print(f"single use, valid for {int(LINK_TTL.total_seconds() // 3600)} hours",
              file=sys.stderr)
    finally:
        await services.close()
    return 0


async def cmd_telegram_set_webhook(args: argparse.Namespace) -> int:
    from bot.channels.telegram import WEBHOOK_PATH

    services = await _services(args)
    try:
        channel = _telegram(services)
        settings = services.settings
        if not settings.public_url or channel.secret is None:
            raise CommandError("set RECOBRO_PUBLIC_URL and RECOBRO_TELEGRAM_SECRET first")
        url = settings.public_url.rstrip("/") + WEBHOOK_PATH
        await channel.start()
        await channel.bot.set_webhook(url=url, secret_token=channel.secret,
                                      allowed_updates=["message", "callback_query"])
        print(f"Telegram now posts @{channel.username}'s updates to {url}")
    finally:
        await services.close()
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# Parser ------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="recobro", description=(
        "Conversational collections: reminds debtors, asks why, negotiates within limits."))
    sub = p.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_cmd", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    imp = sub.add_parser("import", help="import a portfolio CSV (idempotent)")
    imp.add_argument("file")
    imp.add_argument("--close-missing", action="store_true",
                     help="close open invoices that this file no longer lists")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.set_defaults(func=cmd_import)

    serve = sub.add_parser("serve", help="run webhooks, sandbox, admin, scheduler, dispatcher")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    tick = sub.add_parser("tick", help="run one scheduler pass and exit")
    tick.add_argument("--now", help="the moment to run at (ISO 8601)")
    tick.add_argument("--no-dispatch", action="store_true",
                      help="fire due timers only; leave the outbox to running workers")
    tick.set_defaults(func=cmd_tick)

    chat = sub.add_parser("chat", help="chat as a debtor in the terminal (sandbox)")
    chat.add_argument("--debtor", required=True, help="the debtor_id from the portfolio")
    chat.add_argument("--now", help="the moment to chat at (ISO 8601)")
    chat.set_defaults(func=cmd_chat)

    debtor = sub.add_parser("debtor", help="inspect debtors").add_subparsers(
        dest="debtor_cmd", required=True)
    show = debtor.add_parser("show", help="one debtor: invoices, agreements, messages")
    show.add_argument("debtor_id")
    show.add_argument("--json", action="store_true", help="one JSON document")
    show.set_defaults(func=cmd_debtor_show)

    policy = sub.add_parser("policy", help="negotiation limits, cadence and contact rules")
    policy_cmds = policy.add_subparsers(dest="policy_cmd", required=True)
    load = policy_cmds.add_parser("load", help="load a TOML policy file (a new version per "
                                  "changed segment)")
    load.add_argument("file")
    load.add_argument("--comment", help="why, kept in the audit log")
    load.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    load.set_defaults(func=cmd_policy_load)
    dump = policy_cmds.add_parser("dump", help="print the current policy as TOML")
    dump.add_argument("--segment", help="only this segment")
    dump.set_defaults(func=cmd_policy_dump)

    payments = sub.add_parser("payments", help="payments received")
    payments_cmds = payments.add_subparsers(dest="payments_cmd", required=True)
    pay_import = payments_cmds.add_parser("import", help="apply a bank or ERP export (CSV); "
                                          "idempotent by reference")
    pay_import.add_argument("file")
    pay_import.set_defaults(func=cmd_payments_import)

    understand = sub.add_parser("understand", help="read debtor texts: JSON lines in and out")
    understand.add_argument("--locale", default="es-CO",
                            help="locale of lines without their own (default es-CO)")
    understand.add_argument("--today", help="the reading date, YYYY-MM-DD (default today)")
    understand.set_defaults(func=cmd_understand)

    telegram = sub.add_parser("telegram", help="the Telegram bot").add_subparsers(
        dest="telegram_cmd", required=True)
    telegram.add_parser("poll", help="long polling for development (no public URL needed)"
                        ).set_defaults(func=cmd_telegram_poll)
    link = telegram.add_parser("link", help="a single-use t.me link that binds a debtor's chat")
    link.add_argument("debtor_id")
    link.set_defaults(func=cmd_telegram_link)
    telegram.add_parser("set-webhook", help="point Telegram at RECOBRO_PUBLIC_URL with the "
                        "secret token").set_defaults(func=cmd_telegram_set_webhook)

    admin = sub.add_parser("admin", help="web admin users").add_subparsers(
        dest="admin_cmd", required=True)
    user = admin.add_parser("create-user", help="create a web admin user")
    user.add_argument("username")
    user.add_argument("--role", choices=("admin", "viewer"), default="viewer")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input")
    user.add_argument("--if-missing", action="store_true",
                      help="succeed without change when the user exists")
    user.set_defaults(func=cmd_admin_create_user)
    return p


# Libraries that log secrets below some level, held above it whatever RECOBRO_LOG_LEVEL
# says: httpx logs every request URL at INFO, and a Bot API URL carries the bot token;
# python-telegram-bot logs its base URLs (token included) at DEBUG; twilio logs every
# request's headers; aiosqlite logs every statement's parameters (session and CSRF tokens)
# at DEBUG.
QUIET_LOGGERS = {"alembic": logging.WARNING, "apscheduler": logging.WARNING,
                 "httpx": logging.WARNING, "httpcore": logging.WARNING,
                 "twilio": logging.WARNING, "telegram": logging.INFO,
                 "aiosqlite": logging.INFO, "asyncio": logging.INFO}


def configure_logging(level: str) -> None:
    """The log format and level of every command; libraries that log secrets kept quiet."""
    logging.basicConfig(level=level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(floor)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `recobro` console script."""
    args = parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        return asyncio.run(args.func(args))
    except CommandError as exc:
        print(f"recobro: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Photos and documents debtors send (receipts): downloaded after the webhook answered, kept on
disk, shown to staff.

The engine records an `Attachment` row with the inbound message; this fetcher downloads it
in the background (kicked after the commit, and again by every scheduler pass for retries),
so a provider never waits on a download and a failed one is tried again:

- Twilio (WhatsApp MMS): `MediaUrl0` with the account's credentials, over aiohttp. Only URLs
  under the configured Twilio API base are fetched, so a forged URL cannot make us send our
  credentials elsewhere; Twilio redirects to its media store, and aiohttp drops the
  Authorization header on a redirect to another origin.
- Telegram: python-telegram-bot's `get_file`, then its download (the file URL carries the
  bot token, which is why only the file id is stored).

Kept: images (JPEG, PNG, WebP) and PDF up to RECOBRO_MEDIA_MAX_BYTES, checked by their
first bytes as well as by what the provider announced. Anything else is refused, and staff
are told either way. Files go to RECOBRO_MEDIA_DIR/<year>/<month>/<sha256><ext>.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioGateway
from bot.clock import Clock
from bot.escalations import notice
from storage.db import Database
from storage.models import Attachment, Message
from storage.models import Event as EventRow

log = logging.getLogger(__name__)

TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
         "application/pdf": ".pdf"}
MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)  # a download claimed by a worker that died is retried after this
TELEGRAM_PREFIX = "telegram:file:"


class Refused(Exception):
    """Not kept, whatever we retry: too large, or not an image or a PDF."""


class Transient(Exception):
    """Worth trying again later: the provider was busy or unreachable."""


def sniff(head: bytes) -> str | None:
    """The media type a file's first bytes show, among those we keep."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def backoff(attempts: int) -> timedelta:
    """Wait before download attempt `attempts + 1`: 30 s, 1 min, 2 min ... capped at 1 hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True, slots=True)
class Stored:
    """A file kept on disk."""

    path: str  # relative to the media directory
    size: int
    sha256: str
    content_type: str


class MediaStore:
    """The directory where attachments are kept, with the size and type limits."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def check(self, data: bytes, announced: str) -> str:
        """The file's type when we keep it; raises `Refused` otherwise."""
        if len(data) > self.max_bytes:
            raise Refused(f"larger than {self.max_bytes // (1024 * 1024)} MB")
        kind = sniff(data[:16])
        base = announced.split(";")[0].strip().lower()
        if kind is None or (base not in TYPES and base != "application/octet-stream"):
            raise Refused(f"not an image or a PDF ({base or 'no type'})")
        return kind

    async def save(self, data: bytes, announced: str, now: datetime) -> Stored:
        """Write the file (in a thread: disk I/O never blocks the event loop)."""
        kind = self.check(data, announced)
        digest = hashlib.sha256(data).hexdigest()
        relative = Path(f"{now:%Y}") / f"{now:%m}" / f"{digest}{TYPES[kind]}"
        target = self.directory / relative

        def write() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(data)
            partial.replace(target)  # never a half-written file under the final name

        await asyncio.to_thread(write)
        return Stored(str(relative), len(data), digest, kind)

    async def delete(self, relatives: list[str]) -> int:
        """Remove kept files (after an erasure committed); how many were there."""
        def remove() -> int:
            gone = 0
            for relative in relatives:
                try:
                    self.path(relative).unlink()
                    gone += 1
                except FileNotFoundError:
                    continue
            return gone

        return await asyncio.to_thread(remove)

    def path(self, relative: str) -> Path:
        """The absolute path of a kept file, refusing anything outside the directory."""
        root = self.directory.resolve()
        target = (root / relative).resolve()
        if root not in target.parents:
            raise FileNotFoundError(relative)
        return target


class MediaFetcher:
    """Downloads pending attachments, with retries; tells staff when one is kept or refused."""

    def __init__(self, db: Database, clock: Clock, store: MediaStore, *,
                 twilio: TwilioGateway | None = None, telegram: TelegramChannel | None = None,
                 timeout: float = 30.0, on_done: Callable[[], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.store = store
        self.twilio = twilio
        self.telegram = telegram
        self.timeout = timeout
        self.on_done = on_done or (lambda: None)
        self._kick = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None

    def kick(self) -> None:
        """Run the background loop now (an attachment was just recorded)."""
        self._kick.set()

    async def run_forever(self, interval: float = 30.0) -> None:
        """Download whenever kicked, and every `interval` seconds anyway."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("media pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._kick.wait()
            self._kick.clear()

    async def run_once(self, limit: int = 10) -> int:
        """Download what is due; how many attachments were settled (kept or refused)."""
        settled = 0
        while True:
            claimed = await self._claim(limit)
            for attachment_id, source, announced, attempts in claimed:
                settled += await self._fetch(attachment_id, source, announced, attempts)
            if len(claimed) < limit:
                break
        if settled:
            self.on_done()
        return settled

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _claim(self, limit: int) -> list[tuple[int, str, str, int]]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            stmt = (select(Attachment).where(Attachment.status == "pending",
                                             col(Attachment.due_at) <= now)
                    .order_by(col(Attachment.id)).limit(limit))
            if self.db.is_postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list((await session.exec(stmt)).all())
            ignored = set((await session.exec(select(Message.id).where(
                col(Message.id).in_([r.message_id for r in rows]),
                Message.status == "ignored"))).all())
            claimed = []
            for row in rows:
                row.updated_at = now
                if row.message_id in ignored:
                    # Not from a debtor we know: nothing of a stranger's is kept on disk.
                    row.status, row.error = "refused", "not from a known debtor"
                else:
                    row.attempts += 1
                    row.due_at = now + LEASE
                    claimed.append(row)
                session.add(row)
            return [(r.id, r.source, r.content_type, r.attempts) for r in claimed
                    if r.id is not None]

    async def _fetch(self, attachment_id: int, source: str, announced: str,
                     attempts: int) -> int:
        try:
            data, declared = await self._download(source, announced)
            stored = await self.store.save(data, declared, self.clock.now())
        except Refused as exc:
            await self._finish(attachment_id, "refused", str(exc))
            return 1
        except Transient as exc:
            if attempts >= MAX_ATTEMPTS:
                await self._finish(attachment_id, "failed", f"{exc} (gave up after "
                                                            f"{attempts} attempts)")
                return 1
            await self._retry(attachment_id, str(exc), attempts)
            return 0
        await self._finish(attachment_id, "stored", None, stored)
        return 1

    async def _download(self, source: str, announced: str) -> tuple[bytes, str]:
        if source.startswith(TELEGRAM_PREFIX):
            return await self._telegram(source.removeprefix(TELEGRAM_PREFIX)), announced
        return await self._twilio(source), announced

    async def _telegram(self, file_id: str) -> bytes:
        if self.telegram is None:
            raise Transient("Telegram is not configured")
        try:
            await self.telegram.start()
            file = await self.telegram.bot.get_file(file_id)
            if file.file_size and file.file_size > self.store.max_bytes:
                raise Refused(f"larger than {self.store.max_bytes // (1024 * 1024)} MB")
            return bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            raise Refused(f"Telegram cannot give the file: {exc.message}") from None
        except TelegramError as exc:
            raise Transient(f"Telegram: {exc.message}") from None

    async def _twilio(self, url: str) -> bytes:
        gateway = self.twilio
        if gateway is None:
            raise Transient("Twilio is not configured")
        if not url.startswith(gateway.api_base + "/"):
            # Never send the account's credentials to a host Twilio does not own.
            raise Refused("the media URL is not Twilio's")
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        try:
            async with self._http.get(url, headers={"Authorization": gateway.media_auth()}) \
                    as response:
                if response.status in (404, 410):
                    raise Refused(f"Twilio no longer has the file (HTTP {response.status})")
                if response.status >= 400:
                    raise Transient(f"Twilio answered HTTP {response.status}")
                length = response.content_length
                if length is not None and length > self.store.max_bytes:
                    raise Refused(f"larger than {self.store.max_bytes // (1024 * 1024)} MB")
                data = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data.extend(chunk)
                    if len(data) > self.store.max_bytes:
                        raise Refused(f"larger than {self.store.max_bytes // (1024 * 1024)} MB")
                return bytes(data)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Transient(f"cannot reach Twilio: {type(exc).__name__}") from None

    async def _retry(self, attachment_id: int, error: str, attempts: int) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            row = await session.get_one(Attachment, attachment_id)
            row.due_at, row.error, row.updated_at = now + backoff(attempts), error, now
            session.add(row)

    async def _finish(self, attachment_id: int, status: str, error: str | None,
                      stored: Stored | None = None) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            row = await session.get_one(Attachment, attachment_id)
            row.status, row.error, row.updated_at = status, error, now
            if stored is not None:
                row.path, row.size, row.sha256 = stored.path, stored.size, stored.sha256
                row.content_type = stored.content_type
            session.add(row)
            message = await session.get(Message, row.message_id)
            debtor_id = message.debtor_id if message else None
            session.add(EventRow(at=now, debtor_id=debtor_id, actor="media",
                                 kind=f"attachment.{status}",
                                 data={"attachment_id": attachment_id, "error": error,
                                       "size": stored.size if stored else None}))
            if debtor_id is not None:
                session.add(notice(debtor_id, "media", now,
                                   data={"attachment_id": attachment_id}))


async def drop_attachments(session: AsyncSession, message_ids: list[int]) -> list[str]:
    """For an erasure: delete the attachment rows of these messages; the files to remove
    once the transaction has committed (removing them before could lose them for nothing
    if it rolls back)."""
    paths: list[str] = []
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start:start + 500]
        rows = (await session.exec(select(Attachment).where(
            col(Attachment.message_id).in_(chunk)))).all()
        paths += [r.path for r in rows if r.path]
        for row in rows:
            await session.delete(row)
    await session.flush()
    return paths

"""Test doubles for the feed watcher and the dispatcher: a feed server on 127.0.0.1, a clock that
moves only when told, RSS written to order, and a notifier that records and fails on cue."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.notify import EpisodeNotice

START = 1_800_000_000.0  # 2027-01-15: the fake clock's first moment

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeClock:
    """Time that passes only when advanced, or when somebody sleeps (instantly)."""

    def __init__(self, start: float = START) -> None:
        self.time = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += max(0.0, seconds)
        await asyncio.sleep(0)

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        if not event.is_set():
            self.time += max(0.0, seconds)
        await asyncio.sleep(0)

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.time, timezone.utc)


class FeedServer:
    """An HTTP server on 127.0.0.1 whose answers the test sets path by path, and which remembers
    every request it got."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[web.Request] = []
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        self._server = TestServer(app, host="127.0.0.1")

    async def start(self) -> None:
        await self._server.start_server()

    async def close(self) -> None:
        await self._server.close()

    def url(self, path: str) -> str:
        return str(self._server.make_url(path))

    def hits(self, path: str) -> list[web.Request]:
        return [r for r in self.requests if r.path == path]

    def serve(self, path: str, body: str | bytes, etag: str | None = None, content_type: str = "application/rss+xml",
              last_modified: str | None = None) -> None:
        """Serve a fixed body, answering 304 to a request that names its ETag or Last-Modified."""
        data = body.encode() if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.StreamResponse:
            headers = {k: v for k, v in (("ETag", etag), ("Last-Modified", last_modified)) if v}
            if (etag and request.headers.get("If-None-Match") == etag) or (
                last_modified and request.headers.get("If-Modified-Since") == last_modified
            ):
                return web.Response(status=304, headers=headers)
            return web.Response(body=data, content_type=content_type, headers=headers)

        self.routes[path] = handler

    def status(self, path: str, status: int, headers: dict[str, str] | None = None) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers=headers or {})

        self.routes[path] = handler

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": to})

        self.routes[path] = handler

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404)
        return await handler(request)


@dataclass
class Item:
    """An RSS item to write: every part optional, as in the feeds found in the wild."""

    title: str | None = None
    guid: str | None = None
    link: str | None = None
    enclosure: str | None = None
    published: datetime | None = None
    description: str | None = None
    transcripts: list[tuple[str, str | None]] = field(default_factory=list)
    # A bare <guid>, which RSS reads as a permalink: feedparser resolves it against the feed's address.
    bare_guid: bool = False


def rss(items: list[Item], title: str = "Airship Hour", extra: str = "") -> str:
    """An RSS 2.0 feed with the iTunes and Podcasting 2.0 namespaces."""
    body = "".join(_item(item) for item in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
        ' xmlns:podcast="https://podcastindex.org/namespace/1.0">'
        f"<channel><title>{escape(title)}</title><link>https://airships.example/</link>{extra}{body}</channel></rss>"
    )


def encoded(feed: str, actual: str, declared: str | None = None) -> bytes:
    """A feed written in another encoding (`actual`), declaring `declared` (default: the actual one)."""
    return feed.replace('encoding="UTF-8"', f'encoding="{declared or actual}"', 1).encode(actual)


def _item(item: Item) -> str:
    parts = []
    if item.title is not None:
        parts.append(f"<title>{escape(item.title)}</title>")
    if item.guid is not None:
        permalink = "" if item.bare_guid else ' isPermaLink="false"'
        parts.append(f"<guid{permalink}>{escape(item.guid)}</guid>")
    if item.link is not None:
        parts.append(f"<link>{escape(item.link)}</link>")
    if item.enclosure is not None:
        parts.append(f'<enclosure url={quoteattr(item.enclosure)} type="audio/mpeg" length="1"/>')
    if item.published is not None:
        parts.append(f"<pubDate>{format_datetime(item.published)}</pubDate>")
    if item.description is not None:
        parts.append(f"<description><![CDATA[{item.description}]]></description>")
    for url, kind in item.transcripts:
        kind_attr = f" type={quoteattr(kind)}" if kind else ""
        parts.append(f"<podcast:transcript url={quoteattr(url)}{kind_attr}/>")
    return "<item>" + "".join(parts) + "</item>"


class RecordingNotifier:
    """A Notifier that records what it sent and raises, for a chat, the errors queued for it."""

    def __init__(self, platform: str = "telegram", clock: FakeClock | None = None) -> None:
        self.platform = platform
        self.sent: list[tuple[str, EpisodeNotice]] = []
        self.times: list[float] = []
        self.attempts: list[tuple[str, float]] = []
        self.failures: dict[str, list[BaseException]] = defaultdict(list)
        self._clock = clock

    def fail(self, chat_id: str, *errors: BaseException) -> None:
        """The next sends to this chat raise these, one each."""
        self.failures[chat_id].extend(errors)

    async def send_notice(self, chat_id: str, notice: EpisodeNotice) -> None:
        now = self._clock.now() if self._clock else 0.0
        self.attempts.append((chat_id, now))
        if self.failures.get(chat_id):
            raise self.failures[chat_id].pop(0)
        self.sent.append((chat_id, notice))
        self.times.append(now)

    def chats(self) -> list[str]:
        return [chat for chat, _ in self.sent]


class ThreadedFeedServer:
    """A FeedServer on its own event loop in a thread, for code that runs its own loop (the CLI)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    @staticmethod
    async def _start() -> FeedServer:
        server = FeedServer()
        await server.start()
        return server


class LimitClock:
    """A parse pool's clock on which time runs out only on cue: a wait ends when its event is set, or
    at the next expire()."""

    def __init__(self) -> None:
        self._expired = asyncio.Event()

    def now(self) -> float:
        return START

    async def sleep(self, seconds: float) -> None:
        await self.wait(asyncio.Event(), seconds)

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._expired.wait())}
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in pending:
            wait.cancel()
        self._expired.clear()

    def expire(self) -> None:
        self._expired.set()


class WorkerGate:
    """Holds a parse pool's worker before it takes any work, until opened; and tells when a worker is
    held at it (which means a parse was handed to the pool)."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")
        # A turnstile, not an Event: setting an Event waits for every process waiting on it to wake,
        # and a killed worker never does.
        self._held, self._opened = self._context.Event(), self._context.Semaphore(0)

    def executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, mp_context=self._context, initializer=_hold, initargs=(self._held, self._opened))

    async def reached(self) -> None:
        assert await asyncio.to_thread(self._held.wait, 60), "no parse was handed to the pool"

    def open(self) -> None:
        self._opened.release()


def _hold(held: multiprocessing.synchronize.Event, opened: multiprocessing.synchronize.Semaphore) -> None:
    held.set()
    opened.acquire()
    opened.release()  # for the next worker


# Feeds in other encodings, declared right or wrong: (feed title, item titles, encoding, declared).
ENCODED_FEEDS = [
    ("臺灣播客", ["第一集：颱風來了", "第二集：科技新聞"], "big5", None),
    ("中文播客节目", ["第一集：人工智能的未来", "第二集：经济新闻"], "gb2312", None),
    ("한국어 팟캐스트", ["첫 번째 에피소드: 서울의 아침", "두 번째 에피소드: 부산"], "euc-kr", None),
    ("Le café du matin", ["Épisode 1 : la crème brûlée", "Épisode 2 : où est passé l’été ?"], "utf-8", "x-klingon"),
    ("Русский подкаст", ["Первый выпуск: утро в Москве", "Второй выпуск: вечер"], "windows-1251", "iso-8859-1"),
    ("中文播客节目", ["第一集：人工智能的未来", "第二集：经济新闻"], "gb2312", "utf-8"),
]

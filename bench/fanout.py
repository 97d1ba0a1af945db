"""Fan-out benchmark: a new episode in a feed served on 127.0.0.1 goes to N subscribers through a stand-in
chat platform that enforces its rate limit the way Telegram does (a 429 with a retry time when exceeded)
and takes `latency` to answer each message.

Reports the achieved rate against the configured limit (target: at least 95%), the 429s the platform
had to send, and the time from the feed's change to the first and the last notice.

    python -m bench.fanout                                   # 10,000 subscribers, 30/s, 50 ms, concurrency 1 and 4
    python -m bench.fanout --rate 100 --concurrency 8 --out bench/FANOUT.md
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from aiohttp import web

from bot.clock import SystemClock
from bot.config import Settings
from bot.feeds import PollPolicy
from bot.feedstore import FeedStore
from bot.fetch import open_fetcher
from bot.library import DATABASE_NAME, Library
from bot.notify import EpisodeNotice, RetryLater
from bot.outbox import Dispatcher, Outbox
from bot.pool import ParsePool
from bot.ratelimit import PlatformLimits, Rate
from bot.storage import Storage
from bot.watcher import Watcher, WatchPolicy

TARGET = 0.95


class StandInPlatform:
    """A chat platform that accepts at most `limit` messages in any window of one second (more get a 429
    with a retry time) and answers each message after `latency` seconds."""

    platform = "telegram"

    def __init__(self, limit: int, latency: float) -> None:
        self.limit = limit
        self.latency = latency
        self.accepted: list[float] = []
        self.refused = 0
        self._window: deque[float] = deque()

    async def send_notice(self, chat_id: str, notice: EpisodeNotice) -> None:
        """Accept the message if the last second's count allows it (else a 429), then answer late."""
        now = time.monotonic()
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.limit:
            self.refused += 1
            raise RetryLater("429 Too Many Requests", after=1.0)
        self._window.append(now)
        self.accepted.append(now)
        await asyncio.sleep(self.latency)


class Feed:
    """One feed on 127.0.0.1 whose body the benchmark changes."""

    def __init__(self) -> None:
        self.body = _rss(["old"])
        self.changed_at = 0.0
        app = web.Application()
        app.router.add_get("/feed.xml", self._serve)
        self._runner = web.AppRunner(app)

    async def start(self) -> str:
        """Serve on a free port of 127.0.0.1; the feed's URL."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/feed.xml"

    def add_episode(self) -> None:
        """The change the benchmark times: a new episode at the top of the feed."""
        self.body = _rss(["new", "old"])
        self.changed_at = time.monotonic()

    async def stop(self) -> None:
        """Stop serving."""
        await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        return web.Response(text=self.body, content_type="application/rss+xml")


def _rss(guids: list[str]) -> str:
    day = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    items = "".join(
        f"<item><title>Episode {g}</title><guid>{g}</guid><link>https://bench.example/{g}</link>"
        f"<pubDate>{day}</pubDate></item>" for g in guids
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'


@dataclass
class Result:
    """One run's measurements."""

    subscribers: int
    limit: int
    latency_ms: float
    concurrency: int
    delivered: int
    refused: int
    rate: float
    detect: float
    first: float
    last: float

    @property
    def share(self) -> float:
        """The achieved rate as a share of the limit."""
        return self.rate / self.limit

    def row(self) -> str:
        """A Markdown table row."""
        verdict = "yes" if self.share >= TARGET else "no"
        return (
            f"| {self.subscribers:,} | {self.limit}/s | {self.latency_ms:g} ms | {self.concurrency} | {self.delivered:,} |"
            f" {self.refused} | {self.rate:.2f}/s | {self.share:.1%} | {verdict} | {self.detect:.2f} s |"
            f" {self.first:.2f} s | {self.last:.1f} s |"
        )


HEADER = (
    "| subscribers | limit | latency | in flight | delivered | 429s | achieved | of limit | ≥ 95% |"
    " change → polled | change → first | change → last |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


async def run_once(subscribers: int, limit: int, latency: float, concurrency: int, poll_seconds: float) -> Result:
    """Prime a feed, subscribe N chats, add an episode to the feed, and time its fan-out."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), seeds_dir=None)
        library = await Library.open(settings)
        # As in `podquote run`: the watcher and the dispatcher each have a connection of their own.
        storages = [await Storage.open(settings.data_dir / DATABASE_NAME) for _ in range(2)]
        feed = Feed()
        sessions, fetcher = open_fetcher(settings)
        parser = ParsePool(settings.parse_timeout, SystemClock())
        try:
            return await _measure(library, storages, feed, (fetcher, parser), subscribers, limit, latency, concurrency,
                                  poll_seconds)
        finally:
            parser.close()
            await sessions.aclose()
            await feed.stop()
            for storage in storages:
                await storage.close()
            await library.close()


async def _measure(library, storages, feed, readers, subscribers, limit, latency, concurrency, poll_seconds) -> Result:
    watching, dispatching = storages
    await _subscribe(watching, subscribers)
    clock, stand_in, detected = SystemClock(), StandInPlatform(limit, latency), []
    dispatcher = Dispatcher(Outbox(dispatching), {"telegram": stand_in}, {"telegram": PlatformLimits(Rate(limit, 1))},
                            clock, concurrency=concurrency)
    feeds = FeedStore(watching)
    await feeds.add(await feed.start(), clock.now())
    policy = WatchPolicy(PollPolicy(interval=poll_seconds))
    watcher = Watcher(library, feeds, Outbox(watching), *readers, clock, policy, ["telegram"],
                      lambda: (detected.append(time.monotonic()), dispatcher.wake()))
    await watcher.poll_due()  # the first poll: the backlog, recorded and not announced
    tasks = [asyncio.create_task(watcher.run()), asyncio.create_task(dispatcher.run())]
    feed.add_episode()
    try:
        while len(stand_in.accepted) < subscribers:
            await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await dispatcher.stop()
    accepted = stand_in.accepted
    return Result(
        subscribers, limit, latency * 1000, concurrency, len(accepted), stand_in.refused,
        (len(accepted) - 1) / (accepted[-1] - accepted[0]), detected[0] - feed.changed_at,
        accepted[0] - feed.changed_at, accepted[-1] - feed.changed_at,
    )


async def _subscribe(storage: Storage, count: int) -> None:
    await storage.db.executemany(
        "INSERT INTO subscriptions (platform, chat_id, feed, created_at) VALUES ('telegram', ?, '*', 'bench')",
        ((str(1_000_000 + n),) for n in range(count)),
    )
    await storage.db.commit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=30, help="the platform's limit, messages a second (Telegram: 30)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="how long the platform takes to answer")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4], help="sends in flight at once")
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="the watcher's poll interval in the run")
    parser.add_argument("--out", type=Path, help="write the results as Markdown to this file")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the fan-out benchmark once per concurrency; print (and write) the results table."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    results = []
    for concurrency in args.concurrency:
        result = asyncio.run(run_once(args.subscribers, args.rate, args.latency_ms / 1000, concurrency, args.poll_seconds))
        print(result.row(), flush=True)
        results.append(result)
    table = "\n".join([HEADER, *(r.row() for r in results)])
    print("\n" + table)
    if args.out:
        args.out.write_text(_report(args, table), encoding="utf-8")
    return 0 if all(r.share >= TARGET and r.delivered == r.subscribers for r in results) else 1


def _report(args: argparse.Namespace, table: str) -> str:
    command = "python -m bench.fanout " + " ".join(
        f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in vars(args).items() if k != "out" and v is not None
    )
    return (
        "# Fan-out benchmark\n\n"
        f"`{command}` on {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{datetime.now(timezone.utc):%Y-%m-%d}.\n\n{table}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())

"""`podquote run` as a real process: both chat adapters against their local stand-ins, a feed and the
HTTP endpoint on 127.0.0.1; from start-up through quotes, subscriptions and a new episode to SIGTERM."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp

from bot.commands import Commands
from bot.config import DEFAULT_SEEDS, Settings
from bot.library import DATABASE_NAME, Library
from search.models import Hit
from tests.adapters.discord_bot.fake_discord import TOKEN as DISCORD_TOKEN
from tests.adapters.discord_bot.fake_discord import (
    ADMIN_PERMISSIONS,
    OTHER_CHANNEL_ID,
    FakeDiscord,
    Sent,
    resolved_channel,
)
from tests.adapters.telegram_bot.fake_bot_api import TOKEN as TELEGRAM_TOKEN
from tests.adapters.telegram_bot.fake_bot_api import Call, FakeBotApi
from tests.adapters.telegram_bot.updates import PRIVATE, said
# The stand-ins' fixtures, each listening on a port of 127.0.0.1 the system picks.
from tests.adapters.discord_bot.conftest import fake  # noqa: F401 (fixture)
from tests.adapters.telegram_bot.conftest import api  # noqa: F401 (fixture)
from tests.bot.conftest import feed_server  # noqa: F401 (fixture)
from tests.bot.doubles import FeedServer, Item, rss

ROOT = Path(__file__).resolve().parents[2]
# Every wait ends by this many seconds; the whole run takes a few.
DEADLINE = 10.0
# SIGTERM must stop everything within this many seconds.
STOP_WITHIN = 5.0
QUERY = "storm shadow"
WRONG_TELEGRAM_TOKEN = "999999:WRONG-token-x"
PRIVATE_CHAT = str(PRIVATE["id"])
SERVICES = {"telegram", "discord", "feed watcher", "notice dispatcher", "http"}
# The feed's backlog at start-up: recent enough to announce, were it not the first poll's.
OLD = Item(title="An old episode", guid="old-1", published=datetime.now(timezone.utc) - timedelta(days=1))


def free_port() -> int:
    """A port nothing listens on now (the endpoint takes it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(
    data_dir: Path, telegram: FakeBotApi, discord: FakeDiscord | None, **settings: str
) -> dict[str, str]:
    """This process's environment without any podquote setting or proxy, and the run's own settings
    (with no Discord stand-in, a Telegram-only run)."""
    ours = ("PODQUOTE_", "TELEGRAM_", "DISCORD_")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(ours) and "proxy" not in k.lower()}
    return inherited | _discord_settings(discord) | {
        "NO_PROXY": "127.0.0.1,localhost",
        "PODQUOTE_DATA_DIR": str(data_dir),
        "PODQUOTE_HTTP_HOST": "127.0.0.1",
        "PODQUOTE_HTTP_PORT": str(free_port()),
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_URL": telegram.base_url,
        "TELEGRAM_FILE_URL": telegram.file_url,
    } | settings


def _discord_settings(discord: FakeDiscord | None) -> dict[str, str]:
    # No DISCORD_GATEWAY_URL: the bot asks GET /gateway/bot where to connect, as with Discord.
    return {"DISCORD_TOKEN": DISCORD_TOKEN, "DISCORD_API_URL": discord.api_url} if discord else {}


# The process.


@dataclass
class Podquote:
    """A running `podquote run`, and what can be asked of it from outside."""

    process: asyncio.subprocess.Process
    stderr_path: Path
    base_url: str

    def stderr(self) -> str:
        """What it has logged so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    async def get(self, path: str) -> tuple[int, str]:
        """GET a path of the HTTP endpoint: its status and body."""
        async with aiohttp.ClientSession() as session, session.get(self.base_url + path) as response:
            return response.status, await response.text()

    async def health(self, ready: Callable[[int, dict[str, Any]], bool]) -> tuple[int, dict[str, Any]]:
        """/healthz once `ready(status, states)` says so (the endpoint may not listen yet)."""
        deadline = time.monotonic() + DEADLINE
        last: object = "no answer"
        while time.monotonic() < deadline:
            self.assert_running()
            try:
                status, body = await self.get("/healthz")
                last = (status, json.loads(body))
                if ready(*last):
                    return last  # type: ignore[return-value]
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
        raise AssertionError(f"/healthz never got there; last: {last}\n{self.stderr()}")

    async def metrics(self) -> dict[tuple[str, frozenset], float]:
        """/metrics, read: (name, labels) -> value."""
        status, text = await self.get("/metrics")
        assert status == 200, text
        return parse_prometheus(text)

    async def until_metric(self, name: str, at_least: float, **labels: str) -> dict[tuple[str, frozenset], float]:
        """/metrics once a counter (summed over the label sets that have `labels`) reaches a value."""
        deadline = time.monotonic() + DEADLINE
        while total(metrics := await self.metrics(), name, **labels) < at_least:
            self.assert_running()
            assert time.monotonic() < deadline, f"{name}{labels} never reached {at_least}:\n{metrics}"
            await asyncio.sleep(0.05)
        return metrics

    def assert_running(self) -> None:
        assert self.process.returncode is None, f"podquote exited with {self.process.returncode}:\n{self.stderr()}"

    async def exit_code(self, within: float) -> int:
        """The exit code, once the process has ended (by `within` seconds)."""
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            raise AssertionError(f"podquote still running after {within} s:\n{self.stderr()}") from None


@asynccontextmanager
async def podquote_run(env: dict[str, str], folder: Path) -> AsyncIterator[Podquote]:
    """`podquote run` as a child process; killed at the end if it is still running."""
    stderr_path = folder / "stderr.log"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapters.cli", "run",
            cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )
    try:
        yield Podquote(process, stderr_path, f"http://127.0.0.1:{env['PODQUOTE_HTTP_PORT']}")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# Reading what came back.


def parse_prometheus(text: str) -> dict[tuple[str, frozenset], float]:
    """The samples of the Prometheus text format: (name, {label: value}) -> value."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
            assert match, f"not a Prometheus sample line: {line!r}"
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2] or ""))
            samples[(match[1], labels)] = float(match[3])
    return samples


def total(metrics: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float:
    """A metric summed over the label sets that include `labels`."""
    wanted = set(labels.items())
    return sum(value for (n, have), value in metrics.items() if n == name and wanted <= have)


def plain(telegram_html: str) -> str:
    """A Telegram message's HTML as the reader sees it."""
    return html.unescape(re.sub(r"<[^>]+>", "", telegram_html))


async def discord_answer(discord: FakeDiscord, sent: Sent) -> dict[str, Any]:
    """What the bot answered an interaction with: the callback's message, or the edit of a deferred one."""
    callback = await discord.answer_to(sent)
    if callback.json["type"] != 5:
        return callback.json["data"]
    edit = await discord.call("PATCH", re.escape(f"{sent.webhook_path}/messages/@original"))
    return edit.json


async def top_quote(folder: Path, query: str) -> Hit:
    """The best quote for a query over the seeds, asked in this process (what both platforms must show)."""
    library = await Library.open(Settings(data_dir=folder, seeds_dir=DEFAULT_SEEDS))
    try:
        reply = await Commands(library).quote(query, 0)
    finally:
        await library.close()
    assert reply.quotes, f"the seeds have no quote for {query!r}"
    return reply.quotes[0]


def deliveries(data_dir: Path) -> list[tuple[str, str, str]]:
    """The outbox, read straight from the database file: (platform, chat, status)."""
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        return sorted(db.execute("SELECT platform, chat_id, status FROM deliveries").fetchall())


def assert_clean(stderr: str) -> None:
    """No stack trace and no token, whatever the libraries logged at DEBUG."""
    assert "Traceback" not in stderr, stderr
    for secret in (TELEGRAM_TOKEN.split(":")[1], WRONG_TELEGRAM_TOKEN.split(":")[1], DISCORD_TOKEN):
        assert secret not in stderr


async def telegram_sent(api: FakeBotApi, chat: str, *words: str) -> Call:
    """The first message the bot sent to a chat with all these words (as the reader sees them), once sent."""

    def find() -> Call | None:
        return next((c for c in api.calls_of("sendMessage") if str(c["chat_id"]) == chat
                     and all(w in plain(str(c["text"])) for w in words)), None)

    return await api.wait_for(find, DEADLINE)  # type: ignore[return-value]


# The tests.


async def test_one_process_answers_both_platforms_announces_a_new_episode_and_stops_cleanly(
    api: FakeBotApi, fake: FakeDiscord, feed_server: FeedServer, tmp_path: Path
):
    telegram, discord = api, fake
    feed_server.serve("/feed.xml", rss([OLD]))
    expected = await top_quote(tmp_path / "expected", QUERY)
    data_dir = tmp_path / "data"
    env = environment(data_dir, telegram, discord, PODQUOTE_FEEDS=feed_server.url("/feed.xml"),
                      PODQUOTE_POLL_MINUTES="0.02")  # 1.2 s between polls
    async with podquote_run(env, tmp_path) as bot:
        status, states = await bot.health(lambda status, states: status == 200)
        assert {name: (s["ok"], s["state"]) for name, s in states.items()} == {
            "http": (True, "running"), "telegram": (True, "polling"), "discord": (True, "connected"),
            "feed watcher": (True, "watching 1 feed"), "notice dispatcher": (True, "running"),
        }
        await quotes_answered_on_both(telegram, discord, expected)
        await subscribed_on_both(telegram, discord)
        await new_item_announced_on_both(bot, telegram, discord, feed_server)
        await metrics_count_it_all(bot)
        # SIGTERM: a clean exit within seconds, though a Telegram long poll is still pending.
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.exit_code(STOP_WITHIN) == 0, bot.stderr()
    # Nothing left pending or half-sent in the outbox.
    assert deliveries(data_dir) == [("discord", str(OTHER_CHANNEL_ID), "sent"), ("telegram", PRIVATE_CHAT, "sent")]
    assert_clean(bot.stderr())


async def quotes_answered_on_both(telegram: FakeBotApi, discord: FakeDiscord, expected: Hit) -> None:
    """/quote on Telegram and on Discord: the seeds' best quote, its words marked, its episode named."""
    telegram.queue(said(f"/quote {QUERY}"))
    quote = await telegram_sent(telegram, PRIVATE_CHAT, expected.episode_title)
    assert "<b>storm shadows</b>" in str(quote["text"]).lower()
    answer = await discord_answer(discord, await discord.slash("quote", {"query": QUERY}))
    assert answer["embeds"][0]["title"] == expected.episode_title
    assert "**storm shadows**" in answer["embeds"][0]["description"].lower()


async def subscribed_on_both(telegram: FakeBotApi, discord: FakeDiscord) -> None:
    """/subscribe: Ann's private chat (hers to manage), and a channel, by a member with Manage Server."""
    telegram.queue(said("/subscribe"))
    await telegram_sent(telegram, PRIVATE_CHAT, "Subscribed")
    subscribed = await discord.slash("subscribe", {"channel": str(OTHER_CHANNEL_ID)},
                                     permissions=ADMIN_PERMISSIONS, resolved=resolved_channel(OTHER_CHANNEL_ID))
    assert (await discord_answer(discord, subscribed))["content"].startswith("Subscribed")


async def new_item_announced_on_both(
    bot: Podquote, telegram: FakeBotApi, discord: FakeDiscord, feed_server: FeedServer
) -> None:
    """Once the first poll has recorded the backlog as seen, a new item reaches both subscribed chats."""
    await bot.until_metric("podquote_feed_polls_total", 1, outcome="ok")
    new = Item(title="Airships over Lisbon", guid="new-1", link="https://airships.example/new-1",
               published=datetime.now(timezone.utc))
    feed_server.serve("/feed.xml", rss([new, OLD]))
    await telegram_sent(telegram, PRIVATE_CHAT, new.title)
    posted = await discord.call("POST", f"/channels/{OTHER_CHANNEL_ID}/messages")
    assert new.title in json.dumps(posted.json)
    assert not [c for c in telegram.calls_of("sendMessage") if OLD.title in plain(str(c["text"]))]


async def metrics_count_it_all(bot: Podquote) -> None:
    """/metrics: both quotes, a notice sent on each platform, the polls."""
    metrics = await bot.until_metric("podquote_deliveries_total", 2, outcome="sent")
    assert total(metrics, "podquote_quotes_total") >= 2
    assert total(metrics, "podquote_deliveries_total", platform="telegram", outcome="sent") == 1
    assert total(metrics, "podquote_deliveries_total", platform="discord", outcome="sent") == 1
    assert total(metrics, "podquote_feed_polls_total", outcome="ok") >= 2
    assert total(metrics, "podquote_feed_errors_total") == 0


async def test_a_chat_adapter_that_cannot_start_leaves_the_others_running(
    api: FakeBotApi, fake: FakeDiscord, tmp_path: Path
):
    telegram, discord = api, fake
    env = environment(tmp_path / "data", telegram, discord, TELEGRAM_TOKEN=WRONG_TELEGRAM_TOKEN)
    async with podquote_run(env, tmp_path) as bot:
        status, states = await bot.health(lambda status, states: "not started" not in json.dumps(states))
        assert status == 503
        assert states["telegram"]["ok"] is False
        assert states["telegram"]["state"].startswith("failed to start: TELEGRAM_TOKEN: Telegram rejected the token")
        assert {name for name, s in states.items() if s["ok"]} == SERVICES - {"telegram"}
        answer = await discord_answer(discord, await discord.slash("quote", {"query": QUERY}))
        assert answer["embeds"], answer
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.exit_code(STOP_WITHIN) == 0
    assert "service failed to start name=telegram" in bot.stderr()
    assert_clean(bot.stderr())


async def test_strict_start_up_exits_when_a_chat_adapter_cannot_start(
    api: FakeBotApi, fake: FakeDiscord, tmp_path: Path
):
    telegram, discord = api, fake
    env = environment(tmp_path / "data", telegram, discord, TELEGRAM_TOKEN=WRONG_TELEGRAM_TOKEN,
                      PODQUOTE_STRICT_STARTUP="true")
    async with podquote_run(env, tmp_path) as bot:
        code = await bot.exit_code(DEADLINE)
    assert code != 0
    reason = [line for line in bot.stderr().splitlines() if "service failed to start name=telegram" in line]
    assert reason and "Telegram rejected the token" in reason[0], bot.stderr()
    assert_clean(bot.stderr())



async def test_notices_for_a_chat_adapter_that_did_not_start_wait_for_it(
    api: FakeBotApi, fake: FakeDiscord, feed_server: FeedServer, tmp_path: Path
):
    feed_server.serve("/feed.xml", rss([OLD]))
    data_dir = tmp_path / "data"
    library = await Library.open(Settings(data_dir=data_dir, seeds_dir=DEFAULT_SEEDS))
    await library.storage.subscribe("telegram", PRIVATE_CHAT)
    await library.storage.subscribe("discord", str(OTHER_CHANNEL_ID))
    await library.close()
    env = environment(data_dir, api, fake, TELEGRAM_TOKEN=WRONG_TELEGRAM_TOKEN,
                      PODQUOTE_FEEDS=feed_server.url("/feed.xml"), PODQUOTE_POLL_MINUTES="0.02")
    async with podquote_run(env, tmp_path) as bot:
        status, states = await bot.health(lambda status, states: "not started" not in json.dumps(states))
        assert status == 503 and states["telegram"]["ok"] is False
        await bot.until_metric("podquote_feed_polls_total", 1, outcome="ok")
        feed_server.serve("/feed.xml", rss([Item(title="New", guid="new-1", published=datetime.now(timezone.utc)), OLD]))
        await fake.call("POST", f"/channels/{OTHER_CHANNEL_ID}/messages")
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.exit_code(STOP_WITHIN) == 0
    assert deliveries(data_dir) == [("discord", str(OTHER_CHANNEL_ID), "sent"), ("telegram", PRIVATE_CHAT, "pending")]

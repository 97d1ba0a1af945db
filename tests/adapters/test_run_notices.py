"""The composition root starts the feed watcher and the dispatcher when there is something for them to do,
and together they take a new episode from a feed on 127.0.0.1 to every subscribed chat."""

import asyncio
import time
from datetime import datetime, timezone

from adapters.run import build_services, notice_services
from bot.commands import Commands
from bot.config import Settings
from bot.outbox import DispatcherService
from bot.watcher import WatcherService
from tests.bot.conftest import bare_library, feed_server  # noqa: F401 (fixtures)
from tests.bot.doubles import FakeClock, Item, RecordingNotifier, rss


def test_console_mode_stays_console_mode_without_feeds_or_chat_platforms(library, settings, parse_pool):
    assert build_services(settings, Commands(library), library, parse_pool) == []


def test_feeds_start_the_watcher_and_notifiers_the_dispatcher_too(library, settings, parse_pool):
    with_feeds = Settings(data_dir=settings.data_dir, feeds=("https://airships.example/feed.xml",))
    assert [type(s) for s in notice_services(with_feeds, library, parse_pool, {})] == [WatcherService]
    services = notice_services(settings, library, parse_pool, {"telegram": RecordingNotifier()})
    assert [type(s) for s in services] == [WatcherService, DispatcherService]


async def _eventually(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "it never happened"
        await asyncio.sleep(0.01)


async def test_a_new_episode_in_a_configured_feed_reaches_every_subscribed_chat(bare_library, feed_server, tmp_path, parse_pool):
    clock = FakeClock()
    now = datetime.fromtimestamp(clock.now(), timezone.utc)
    feed_server.serve("/feed.xml", rss([Item(title="Old one", guid="old", published=now)]))
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=None, feeds=(feed_server.url("/feed.xml"),))
    for chat in ("1", "2", "3"):
        await bare_library.storage.subscribe("telegram", chat)
    notifier = RecordingNotifier("telegram", clock)
    dispatcher = DispatcherService(settings, {"telegram": notifier}, clock)
    services = [WatcherService(settings, bare_library, parse_pool, ["telegram"], dispatcher.wake, clock), dispatcher]
    for service in services:
        await service.start()
    try:
        await _eventually(lambda: _count_episodes(bare_library, 1))
        feed_server.serve("/feed.xml", rss([Item(title="New one", guid="new", published=now), Item(title="Old one", guid="old", published=now)]))
        await _eventually(lambda: _sent(notifier, 3))
    finally:
        for service in reversed(services):
            await service.stop()
    assert sorted(chat for chat, _ in notifier.sent) == ["1", "2", "3"]
    assert {notice.title for _, notice in notifier.sent} == {"New one"}


async def _count_episodes(library, count: int) -> bool:
    return await library.storage.count_episodes() == count


async def _sent(notifier: RecordingNotifier, count: int) -> bool:
    return len(notifier.sent) >= count

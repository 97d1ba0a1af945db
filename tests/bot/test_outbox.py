"""The outbox and the dispatcher: durable deliveries, platform limits, retries, gone chats, fan-out."""

import asyncio
from datetime import date

import pytest

from bot.notify import DeliveryFailed, EpisodeNotice, RecipientGone, RetryLater
from bot.background import Background
from bot.outbox import DeliveryPolicy, Dispatcher, Outbox
from bot.ratelimit import PlatformLimits, Rate
from bot.storage import EpisodeRecord, Storage
from search.models import Episode, Segment
from tests.bot.doubles import RecordingNotifier

FEED = "https://airships.example/feed.xml"
TELEGRAM = {"telegram": PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(20, 60))}


def _notice(episode_id="ep1", title="Zeppelins"):
    return EpisodeNotice(episode_id, "Airship Hour", title, date(2027, 1, 14), "https://airships.example/1", False,
                         description="All about zeppelins.")


@pytest.fixture
async def outbox(tmp_path):
    storage = await Storage.open(tmp_path / "podquote.db")
    yield Outbox(storage)
    await storage.close()


async def _subscribe(outbox: Outbox, platform: str, chats, feed: str = "*") -> None:
    """Many subscriptions at once (the /subscribe command adds them one by one)."""
    await outbox.storage.db.executemany(
        "INSERT INTO subscriptions (platform, chat_id, feed, created_at) VALUES (?, ?, ?, 'now')",
        ((platform, str(chat), feed) for chat in chats),
    )
    await outbox.storage.db.commit()


def _dispatcher(outbox, clock, *notifiers, limits=TELEGRAM, **policy) -> Dispatcher:
    return Dispatcher(outbox, {n.platform: n for n in notifiers}, limits, clock, DeliveryPolicy(**policy))


async def test_enqueueing_the_same_episode_twice_adds_each_subscriber_once(outbox, clock):
    await _subscribe(outbox, "telegram", [1, 2])
    await _subscribe(outbox, "telegram", [2], feed=FEED)  # subscribed twice over: one notice
    await _subscribe(outbox, "telegram", [3], feed="https://other.example/feed")
    await _subscribe(outbox, "discord", [9])
    await outbox.storage.mark_broken("telegram", "1", "blocked")
    assert await outbox.enqueue(_notice(), [FEED], ["telegram", "discord"], clock.now()) == 2
    assert await outbox.enqueue(_notice(), [FEED], ["telegram", "discord"], clock.now()) == 0
    due = await outbox.due(clock.now(), ["telegram", "discord"])
    assert sorted((d.platform, d.chat_id) for d in due) == [("discord", "9"), ("telegram", "2")]
    assert await outbox.enqueue(_notice("ep2"), [FEED], [], clock.now()) == 0


async def test_a_fan_out_reaches_thousands_of_subscribers_exactly_once_within_the_limits(outbox, clock):
    await _subscribe(outbox, "telegram", range(2000))
    await _subscribe(outbox, "discord", range(500))
    telegram, discord = RecordingNotifier("telegram", clock), RecordingNotifier("discord", clock)
    limits = {**TELEGRAM, "discord": PlatformLimits(Rate(50, 1), Rate(5, 5))}
    await outbox.enqueue(_notice(), [FEED], ["telegram", "discord"], clock.now())
    start = clock.now()
    await _dispatcher(outbox, clock, telegram, discord, limits=limits).drain()
    assert sorted(telegram.chats(), key=int) == [str(n) for n in range(2000)]
    assert sorted(discord.chats(), key=int) == [str(n) for n in range(500)]
    assert all(notice == _notice() for _, notice in telegram.sent)
    assert await outbox.counts() == {"sent": 2500}
    assert max(_per_second(telegram.times)) <= 30
    assert max(telegram.times) - start == pytest.approx(1999 / 30, rel=0.01)


def _per_second(times: list[float]) -> list[int]:
    return [sum(1 for t in times if first <= t < first + 1) for first in times]


async def test_a_429_is_retried_at_the_time_given_and_holds_the_platform_back_meanwhile(outbox, clock):
    await _subscribe(outbox, "telegram", ["a", "b", "c"])
    notifier = RecordingNotifier("telegram", clock)
    notifier.fail("a", RetryLater("flood wait", after=42, rate_limited=True))
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    await _dispatcher(outbox, clock, notifier).drain()
    first_try = next(t for chat, t in notifier.attempts if chat == "a")
    assert notifier.chats() == ["b", "c", "a"]
    assert all(t >= first_try + 42 for t in notifier.times)


async def test_one_chat_failing_for_a_while_holds_back_only_that_chat(outbox, clock):
    await _subscribe(outbox, "telegram", ["a", "b", "c"])
    notifier = RecordingNotifier("telegram", clock)
    notifier.fail("a", RetryLater("telegram: timed out", after=30))
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    await _dispatcher(outbox, clock, notifier).drain()
    first_try = next(t for chat, t in notifier.attempts if chat == "a")
    sent_at = dict(zip(notifier.chats(), notifier.times))
    assert notifier.chats() == ["b", "c", "a"]
    assert sent_at["b"] < first_try + 30 and sent_at["c"] < first_try + 30 <= sent_at["a"]


async def test_a_retry_is_not_sent_before_its_time(outbox, clock):
    await _subscribe(outbox, "telegram", ["a"])
    notifier = RecordingNotifier("telegram", clock)
    notifier.fail("a", RetryLater("busy", after=600))
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    dispatcher = _dispatcher(outbox, clock, notifier)
    await dispatcher.dispatch_due()
    clock.advance(599)
    assert await dispatcher.dispatch_due() == 0 and notifier.sent == []
    clock.advance(1)
    assert await dispatcher.dispatch_due() == 1 and notifier.chats() == ["a"]


async def test_a_chat_that_is_gone_loses_its_subscription_and_its_other_notices(outbox, clock):
    await _subscribe(outbox, "telegram", ["blocked", "fine"])
    notifier = RecordingNotifier("telegram", clock)
    notifier.fail("blocked", RecipientGone("Forbidden: bot was blocked by the user"))
    await outbox.enqueue(_notice("ep1"), [FEED], ["telegram"], clock.now())
    await outbox.enqueue(_notice("ep2"), [FEED], ["telegram"], clock.now())
    await _dispatcher(outbox, clock, notifier).drain()
    assert [chat for chat, _ in notifier.attempts].count("blocked") == 1
    assert notifier.chats() == ["fine", "fine"]
    assert [s.chat_id for s in await outbox.storage.subscriptions("telegram")] == ["fine"]
    assert await outbox.counts() == {"gone": 2, "sent": 2}


async def test_after_n_failed_attempts_a_delivery_is_failed_with_its_last_error(outbox, clock):
    await _subscribe(outbox, "telegram", ["flaky"])
    notifier = RecordingNotifier("telegram", clock)
    notifier.fail("flaky", *(ConnectionError(f"reset {n}") for n in range(10)))
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    await _dispatcher(outbox, clock, notifier, max_attempts=4, base_backoff=30).drain()
    assert len(notifier.attempts) == 4
    row = await outbox.storage.db.execute_fetchall("SELECT status, attempts, last_error FROM deliveries")
    assert tuple(row[0]) == ("failed", 4, "ConnectionError: reset 3")
    assert [s.chat_id for s in await outbox.storage.subscriptions("telegram")] == ["flaky"]


async def test_retries_back_off_exponentially(outbox, clock):
    await _subscribe(outbox, "telegram", ["flaky"])
    notifier = RecordingNotifier("telegram", clock)
    notifier.fail("flaky", *(TimeoutError() for _ in range(3)))
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    await _dispatcher(outbox, clock, notifier, base_backoff=30).drain()
    times = [t for _, t in notifier.attempts]
    assert [round(b - a) for a, b in zip(times, times[1:])] == [30, 60, 120]
    assert notifier.chats() == ["flaky"]


async def test_a_permanent_failure_is_not_retried_and_keeps_the_subscription(outbox, clock):
    await _subscribe(outbox, "telegram", ["x"])
    notifier = RecordingNotifier("telegram", clock)
    notifier.fail("x", DeliveryFailed("Bad Request: message is too long"))
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    await _dispatcher(outbox, clock, notifier).drain()
    assert len(notifier.attempts) == 1 and await outbox.counts() == {"failed": 1}
    assert len(await outbox.storage.subscriptions("telegram")) == 1


async def test_a_chat_gets_one_notice_a_second_and_a_group_its_own_slower_pace(outbox, clock):
    await _subscribe(outbox, "telegram", ["7", "-100"])
    notifier = RecordingNotifier("telegram", clock)
    for n in range(3):
        await outbox.enqueue(_notice(f"ep{n}"), [FEED], ["telegram"], clock.now())
    limits = {"telegram": PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(1, 60))}
    start = clock.now()
    await _dispatcher(outbox, clock, notifier, limits=limits).drain()
    private = [t - start for (chat, _), t in zip(notifier.sent, notifier.times) if chat == "7"]
    group = [t - start for (chat, _), t in zip(notifier.sent, notifier.times) if chat == "-100"]
    assert len(private) == len(group) == 3
    assert min(b - a for a, b in zip(private, private[1:])) >= 1
    assert min(b - a for a, b in zip(group, group[1:])) >= 60


async def test_deliveries_left_sending_by_a_crash_are_sent_again_and_sent_ones_are_not(outbox, clock):
    await _subscribe(outbox, "telegram", ["done", "in-flight", "waiting"])
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    due = {d.chat_id: d for d in await outbox.due(clock.now(), ["telegram"])}
    await outbox.mark_sending(due["done"])
    await outbox.mark_sent(due["done"], clock.now())
    await outbox.mark_sending(due["in-flight"])  # ... and the process died here
    notifier = RecordingNotifier("telegram", clock)
    dispatcher = _dispatcher(outbox, clock, notifier)
    assert await dispatcher.recover() == 1
    await dispatcher.drain()
    assert sorted(notifier.chats()) == ["in-flight", "waiting"]


async def test_a_notice_too_old_to_announce_is_dropped(outbox, clock):
    await _subscribe(outbox, "telegram", ["late"])
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    clock.advance(4 * 86400)  # the bot was down for four days
    notifier = RecordingNotifier("telegram", clock)
    await _dispatcher(outbox, clock, notifier, max_age=3 * 86400).drain()
    assert notifier.sent == [] and await outbox.counts() == {"expired": 1}


async def test_a_notice_says_searchable_once_the_episode_has_its_transcript(outbox, clock):
    await _subscribe(outbox, "telegram", ["a"])
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    assert not (await outbox.notice("ep1")).searchable
    episode = Episode("ep1", "Airship Hour", "Zeppelins", segments=(Segment("Zeppelins rule the sky."),))
    await outbox.storage.save_episode(EpisodeRecord(episode, "x.vtt", "webvtt", "fp"))
    notifier = RecordingNotifier("telegram", clock)
    await _dispatcher(outbox, clock, notifier).drain()
    assert notifier.sent[0][1].searchable and notifier.sent[0][1].description == "All about zeppelins."


async def test_an_edited_episode_is_announced_with_its_new_title(outbox, clock):
    await _subscribe(outbox, "telegram", ["a"])
    await outbox.enqueue(_notice(title="Zepelins"), [FEED], ["telegram"], clock.now())
    await outbox.update_notice("ep1", "Zeppelins", date(2027, 1, 15), "https://airships.example/one")
    notifier = RecordingNotifier("telegram", clock)
    await _dispatcher(outbox, clock, notifier).drain()
    notice = notifier.sent[0][1]
    assert (notice.title, notice.published, notice.url) == ("Zeppelins", date(2027, 1, 15), "https://airships.example/one")


async def test_several_sends_in_flight_at_once_still_deliver_each_notice_once(outbox, clock):
    await _subscribe(outbox, "telegram", range(200))
    notifier = RecordingNotifier("telegram", clock)
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    dispatcher = Dispatcher(outbox, {"telegram": notifier}, TELEGRAM, clock, concurrency=8)
    await dispatcher.drain()
    assert sorted(notifier.chats(), key=int) == [str(n) for n in range(200)]


class SlowNotifier(RecordingNotifier):
    """A Notifier whose sends hang until released: a send in flight when the bot is told to stop."""

    def __init__(self) -> None:
        super().__init__("telegram")
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def send_notice(self, chat_id: str, notice: EpisodeNotice) -> None:
        self.started.set()
        await self.release.wait()
        await super().send_notice(chat_id, notice)


async def test_stopping_lets_the_send_in_flight_finish_and_records_it_sent(outbox, clock):
    await _subscribe(outbox, "telegram", ["a"])
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    notifier = SlowNotifier()
    dispatcher = _dispatcher(outbox, clock, notifier)
    background = Background()
    background.start(dispatcher.run(), "dispatcher")
    await asyncio.wait_for(notifier.started.wait(), 5)
    await background.stop()  # what SIGTERM does first: no new work taken
    notifier.release.set()
    await asyncio.wait_for(dispatcher.stop(), 5)
    assert notifier.chats() == ["a"]
    assert await outbox.counts() == {"sent": 1}


async def test_a_send_hanging_at_stop_is_given_up_and_sent_again_at_the_next_start(outbox, clock):
    await _subscribe(outbox, "telegram", ["a"])
    await outbox.enqueue(_notice(), [FEED], ["telegram"], clock.now())
    hanging = SlowNotifier()
    dispatcher = _dispatcher(outbox, clock, hanging)
    background = Background()
    background.start(dispatcher.run(), "dispatcher")
    await asyncio.wait_for(hanging.started.wait(), 5)
    await background.stop()
    await asyncio.wait_for(dispatcher.stop(grace=0.05), 5)
    assert await outbox.counts() == {"sending": 1}
    notifier = RecordingNotifier("telegram", clock)
    restarted = _dispatcher(outbox, clock, notifier)
    await restarted.recover()
    await restarted.drain()
    assert notifier.chats() == ["a"]
    assert await outbox.counts() == {"sent": 1}

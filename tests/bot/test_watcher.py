"""The feed watcher against feeds served on 127.0.0.1 that change between polls; the clock is fake."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp import web

from bot.feeds import NoticePolicy, PollPolicy
from bot.feedstore import FeedStore
from bot.fetch import open_fetcher
from bot.ingest import Metadata
from bot.library import DATABASE_NAME
from bot.outbox import Dispatcher, Outbox
from bot.storage import Storage
from bot.watcher import Watcher, WatchPolicy
from bot.config import Settings
from tests.bot.doubles import FakeClock, FeedServer, Item, RecordingNotifier, rss

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ann>The zeppelin floated over the harbour at dawn.

00:01:05.500 --> 00:01:09.000
<v Bob>Nobody expected a zeppelin in this town.
"""
HTML = "<html><body><p>Ann: The dirigible drifted quietly over the sleeping harbour town at dawn today.</p></body></html>"
POLICY = WatchPolicy(PollPolicy(interval=600, pause_after=4), NoticePolicy(), transcript_wait=7 * 86400)


class Rig:
    """A watcher over a fresh library, a feed server, a fake clock, and telegram subscribers."""

    def __init__(self, library, server: FeedServer, clock: FakeClock, storage: Storage, fetcher, parser) -> None:
        self.library, self.server, self.clock, self.storage = library, server, clock, storage
        self.feeds = FeedStore(storage)
        self.outbox = Outbox(storage)
        self.enqueued = 0
        self.watcher = Watcher(library, self.feeds, self.outbox, fetcher, parser, clock, POLICY, ["telegram"], self._poke)
        self.notifier = RecordingNotifier("telegram", clock)

    def _poke(self) -> None:
        self.enqueued += 1

    async def add(self, path: str = "/feed.xml"):
        feed, _ = await self.feeds.add(self.server.url(path), self.clock.now())
        return feed

    async def poll(self, after: float = 0.0):
        self.clock.advance(after)
        return await self.watcher.poll_due()

    async def deliver(self) -> list[tuple[str, object]]:
        await Dispatcher(self.outbox, {"telegram": self.notifier}, {}, self.clock).drain()
        return self.notifier.sent

    async def feed(self, path: str = "/feed.xml"):
        return await self.feeds.get(self.server.url(path))


@pytest.fixture
async def rig(bare_library, feed_server, clock, tmp_path, parse_pool):
    storage = await Storage.open(tmp_path / "data" / DATABASE_NAME)
    settings = Settings(data_dir=tmp_path / "data", fetch_timeout=0.2, fetch_max_mb=1)
    session, fetcher = open_fetcher(settings)
    async with session:
        yield Rig(bare_library, feed_server, clock, storage, fetcher, parse_pool)
    await storage.close()


def _items(clock: FakeClock, count: int, start: int = 0) -> list[Item]:
    """`count` episodes, the newest first, one a day up to the clock's day."""
    return [
        Item(title=f"Episode {n}", guid=f"guid-{n}", link=f"https://airships.example/{n}",
             enclosure=f"https://cdn.example/{n}.mp3", published=clock.datetime() - timedelta(days=count + start - n),
             description=f"<p>Show notes for <b>episode {n}</b>.</p>")
        for n in reversed(range(start, start + count))
    ]


async def test_the_first_poll_lists_the_backlog_and_announces_nothing_then_a_new_item_is_announced(rig):
    await rig.storage.subscribe("telegram", "1001")
    await rig.storage.subscribe("telegram", "1002")
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 3)))
    await rig.add()
    (report,) = await rig.poll()
    assert (report.ok, report.new, report.announced) == (True, 3, [])
    assert [e.title for e in await rig.library.episodes(10)] == ["Episode 2", "Episode 1", "Episode 0"]
    assert await rig.deliver() == []

    rig.server.serve("/feed.xml", rss(_items(rig.clock, 1, start=3) + _items(rig.clock, 3)))
    (report,) = await rig.poll(after=600)
    assert report.announced == ["Episode 3"] and rig.enqueued == 1
    sent = await rig.deliver()
    assert sorted(chat for chat, _ in sent) == ["1001", "1002"]
    notice = sent[0][1]
    assert (notice.podcast, notice.title, notice.url) == ("Airship Hour", "Episode 3", "https://airships.example/3")
    assert notice.published == rig.clock.datetime().date() - timedelta(days=1)
    assert (notice.description, notice.searchable) == ("Show notes for episode 3 .", False)
    assert (await rig.poll(after=600))[0].announced == []
    assert len(await rig.deliver()) == 2


async def test_a_feed_that_turns_malformed_announces_only_what_is_new(rig):
    await rig.storage.subscribe("telegram", "1001")
    items = [Item(title=f"Episode {n}", guid=f"ep-{n}", bare_guid=True, published=rig.clock.datetime()) for n in (1, 0)]
    rig.server.serve("/feed.xml", rss(items))
    await rig.add()
    await rig.poll()
    new = Item(title="Episode 2 & a stray ampersand", guid="ep-2", bare_guid=True, published=rig.clock.datetime())
    rig.server.serve("/feed.xml", rss([new, *items]).replace("&amp; a stray", "& a stray"))
    (report,) = await rig.poll(after=600)
    assert report.announced == ["Episode 2 & a stray ampersand"]
    assert len(await rig.library.episodes(10)) == 3


async def test_a_feed_is_not_polled_before_its_time_and_a_304_is_nothing_new(rig):
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 2)), etag='"v1"', last_modified="Wed, 13 Jan 2027 10:00:00 GMT")
    await rig.add()
    await rig.poll()
    assert await rig.poll(after=599) == [] and len(rig.server.hits("/feed.xml")) == 1
    (report,) = await rig.poll(after=1)
    assert report.not_modified and report.new == 0
    conditional = rig.server.hits("/feed.xml")[1].headers
    assert (conditional["If-None-Match"], conditional["If-Modified-Since"]) == ('"v1"', "Wed, 13 Jan 2027 10:00:00 GMT")
    assert (await rig.feed()).next_poll_at == rig.clock.now() + 600


async def test_a_304_without_validators_keeps_the_ones_sent(rig):
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 2)), etag='"v1"', last_modified="Wed, 13 Jan 2027 10:00:00 GMT")
    await rig.add()
    await rig.poll()
    rig.server.status("/feed.xml", 304)
    (report,) = await rig.poll(after=600)
    assert report.not_modified
    await rig.poll(after=600)
    third = rig.server.hits("/feed.xml")[2].headers
    assert (third["If-None-Match"], third["If-Modified-Since"]) == ('"v1"', "Wed, 13 Jan 2027 10:00:00 GMT")


async def test_an_edited_item_updates_its_episode_and_is_not_announced_again(rig):
    await rig.storage.subscribe("telegram", "1001")
    items = _items(rig.clock, 2)
    rig.server.serve("/feed.xml", rss(items))
    await rig.add()
    await rig.poll()
    items[0].title, items[0].link = "Episode 1 (corrected)", "https://airships.example/1-fixed"
    rig.server.serve("/feed.xml", rss(items))
    (report,) = await rig.poll(after=600)
    assert (report.changed, report.announced) == (1, [])
    newest = (await rig.library.episodes(1))[0]
    assert (newest.title, newest.urls) == ("Episode 1 (corrected)", ("https://airships.example/1-fixed", "https://cdn.example/1.mp3"))
    assert await rig.deliver() == []


async def test_a_failing_feed_backs_off_then_pauses_and_the_other_feeds_go_on(rig):
    rig.server.status("/broken.xml", 500)
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 1)))
    await rig.add("/broken.xml")
    await rig.add()
    gaps = []
    for _ in range(4):
        before = rig.clock.now()
        feed = await rig.feed("/broken.xml")
        rig.clock.time = max(rig.clock.time, feed.next_poll_at)
        await rig.poll()
        gaps.append((await rig.feed("/broken.xml")).next_poll_at - rig.clock.now())
    broken = await rig.feed("/broken.xml")
    assert gaps == [1200, 2400, 4800, 86400]
    assert (broken.errors, broken.paused, broken.last_error) == (4, True, "HTTP 500")
    assert rig.watcher.health() == (False, f"1 of 2 feeds paused after failing: {rig.server.url('/broken.xml')}")
    assert (await rig.feed()).last_ok_at is not None and (await rig.feed()).errors == 0
    rig.server.serve("/broken.xml", rss(_items(rig.clock, 1)))
    await rig.feeds.add(rig.server.url("/broken.xml"), rig.clock.now())  # `podquote feed add` resumes it
    await rig.poll()
    resumed = await rig.feed("/broken.xml")
    assert (resumed.errors, resumed.paused, resumed.last_error) == (0, False, None)
    assert rig.watcher.health() == (True, "watching 2 feeds")


async def _endless(request):
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(50 * 16):  # 50 MB, if anybody read it all
        await response.write(b"<!-- padding -->" * 4096)
    return response


async def _never(request):
    await asyncio.Event().wait()


HOSTILE = {
    "malformed": (lambda s: s.serve("/bad.xml", b"<rss><channel><title>x</chan"), "malformed feed"),
    "not a feed": (lambda s: s.serve("/bad.xml", b"<html><body>Moved to our new site!</body></html>"), "not an RSS or Atom feed"),
    "entities": (lambda s: s.serve("/bad.xml", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">'
                                   '<!ENTITY b "&a;&a;&a;&a;">]><rss><channel><title>&b;</title></channel></rss>'),
                 "declares XML entities"),
    "huge": (lambda s: s.routes.__setitem__("/bad.xml", _endless), "too large"),
    "huge declared": (lambda s: s.serve("/bad.xml", b" " * 2_000_000), "too large"),
    "redirect loop": (lambda s: (s.redirect("/bad.xml", "/loop.xml", 302), s.redirect("/loop.xml", "/bad.xml", 302)),
                      "redirect loop"),
    "slow": (lambda s: s.routes.__setitem__("/bad.xml", _never), "no answer within"),
    "500": (lambda s: s.status("/bad.xml", 500), "HTTP 500"),
    "gone": (lambda s: s.status("/bad.xml", 410), "HTTP 410"),
}


@pytest.mark.parametrize("case", HOSTILE)
async def test_a_hostile_feed_fails_its_poll_with_a_reason_and_the_good_feed_is_read(rig, case):
    await rig.storage.subscribe("telegram", "1001")
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 1)))
    await rig.add()
    await rig.poll()
    arrange, reason = HOSTILE[case]
    arrange(rig.server)
    await rig.add("/bad.xml")
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 1, start=1) + _items(rig.clock, 1)))
    reports = {r.feed: r for r in await rig.poll(after=600)}
    bad = reports[rig.server.url("/bad.xml")]
    assert not bad.ok and reason in bad.error
    assert (await rig.feed("/bad.xml")).last_error == bad.error
    assert reports[rig.server.url("/feed.xml")].announced == ["Episode 1"]
    assert [chat for chat, _ in await rig.deliver()] == ["1001"]


async def test_duplicate_and_missing_guids_and_dates_are_survived(rig):
    rig.server.serve("/feed.xml", rss([
        Item(title="Twin", guid="same"), Item(title="Twin again", guid="same"),
        Item(title="No guid", enclosure="https://cdn.example/x.mp3"), Item(title="Only a title"), Item(),
    ]))
    await rig.add()
    (report,) = await rig.poll()
    assert report.new == 3 and len(report.skipped) == 2
    assert sorted(e.title for e in await rig.library.episodes(10)) == ["No guid", "Only a title", "Twin"]


async def test_thousands_of_items_are_recorded_on_the_first_poll(rig):
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 2500)))
    await rig.add()
    (report,) = await rig.poll()
    assert report.new == 2500 and await rig.library.storage.count_episodes() == 2500


async def test_a_permanent_redirect_is_followed_from_then_on(rig):
    rig.server.serve("/new.xml", rss(_items(rig.clock, 1)))
    rig.server.redirect("/feed.xml", "/new.xml", 301)
    await rig.add()
    await rig.poll()
    assert (await rig.feed()).fetch_url == rig.server.url("/new.xml")
    await rig.poll(after=600)
    assert len(rig.server.hits("/feed.xml")) == 1 and len(rig.server.hits("/new.xml")) == 2


async def test_a_new_episode_with_a_transcript_becomes_searchable_and_its_notice_says_so(rig):
    await rig.storage.subscribe("telegram", "1001")
    rig.server.serve("/feed.xml", rss([]))
    await rig.add()
    await rig.poll()
    rig.server.serve("/t/1.vtt", VTT, content_type="text/vtt")
    rig.server.serve("/t/1.html", HTML, content_type="text/html")
    item = Item(title="Zeppelin dawn", guid="z1", enclosure="https://cdn.example/z1.mp3", published=rig.clock.datetime(),
                transcripts=[(rig.server.url("/t/1.html"), "text/html"), (rig.server.url("/t/1.vtt"), "text/vtt")])
    rig.server.serve("/feed.xml", rss([item]))
    await rig.poll(after=600)
    assert await rig.outbox.due(rig.clock.now(), ["telegram"]) == []  # the notice waits for the transcript
    woken = rig.enqueued
    assert await rig.watcher.fetch_transcripts() == 1
    assert len(await rig.outbox.due(rig.clock.now(), ["telegram"])) == 1 and rig.enqueued == woken + 1
    assert rig.server.hits("/t/1.html") == []  # the timed format was preferred
    hit = rig.library.search("zeppelin harbour").quotes[0]
    assert (hit.episode_title, hit.start_seconds, hit.url) == ("Zeppelin dawn", 1.0, "https://cdn.example/z1.mp3#t=1")
    (sent,) = await rig.deliver()
    assert sent[1].searchable
    assert (await rig.feeds.health())[0].waiting == 0


async def test_an_unusable_transcript_falls_back_to_the_next_link(rig):
    rig.server.serve("/feed.xml", rss([]))
    await rig.add()
    await rig.poll()
    rig.server.status("/t/1.vtt", 404)
    rig.server.serve("/t/1.html", HTML, content_type="text/html")
    links = [(rig.server.url("/t/1.vtt"), "text/vtt"), (rig.server.url("/t/1.html"), "text/html")]
    rig.server.serve("/feed.xml", rss([Item(title="Dirigibles", guid="d1", transcripts=links)]))
    await rig.poll(after=600)
    assert await rig.watcher.fetch_transcripts() == 1
    assert rig.library.search("dirigible").quotes[0].episode_title == "Dirigibles"


async def test_an_episode_is_announced_before_its_transcript_which_is_picked_up_on_a_later_poll(rig):
    await rig.storage.subscribe("telegram", "1001")
    rig.server.serve("/feed.xml", rss([]))
    await rig.add()
    await rig.poll()
    item = Item(title="Zeppelin dawn", guid="z1", published=rig.clock.datetime())
    rig.server.serve("/feed.xml", rss([item]))
    await rig.poll(after=600)
    assert await rig.watcher.fetch_transcripts() == 0
    (sent,) = await rig.deliver()
    assert not sent[1].searchable
    assert [e.title for e in await rig.library.episodes(5)] == ["Zeppelin dawn"]  # listed all the same
    rig.server.serve("/t/z1.vtt", VTT)
    item.transcripts = [(rig.server.url("/t/z1.vtt"), None)]
    rig.server.serve("/feed.xml", rss([item]))
    (report,) = await rig.poll(after=600)
    assert (report.changed, report.announced) == (1, [])
    assert await rig.watcher.fetch_transcripts() == 1
    assert rig.library.search("zeppelin").quotes[0].episode_title == "Zeppelin dawn"


async def test_a_failed_transcript_is_retried_later_and_looked_for_only_so_long(rig):
    await rig.storage.subscribe("telegram", "1001")
    rig.server.serve("/feed.xml", rss([]))
    await rig.add()
    await rig.poll()
    rig.server.status("/t/1.vtt", 500)
    rig.server.serve("/feed.xml", rss([
        Item(title="Flaky", guid="f1", transcripts=[(rig.server.url("/t/1.vtt"), "text/vtt")]),
        Item(title="Never", guid="n1"),
    ]))
    await rig.poll(after=600)
    assert await rig.watcher.fetch_transcripts() == 0
    due = await rig.outbox.due(rig.clock.now(), ["telegram"])  # announced without waiting any longer
    assert sorted(d.episode_id for d in due) == sorted(e.id for e in await rig.library.episodes(5))
    assert await rig.watcher.fetch_transcripts() == 0 and len(rig.server.hits("/t/1.vtt")) == 1
    rig.clock.advance(600)
    await rig.watcher.fetch_transcripts()
    assert len(rig.server.hits("/t/1.vtt")) == 2
    assert (await rig.feeds.health())[0].waiting == 1  # "Never" links no transcript: it waits for none
    rig.clock.advance(8 * 86400)
    await rig.watcher.fetch_transcripts()
    assert (await rig.feeds.health())[0].waiting == 0
    assert len(rig.server.hits("/t/1.vtt")) == 2


async def test_an_item_whose_audio_is_already_in_the_library_attaches_to_that_episode(rig, tmp_path):
    await rig.storage.subscribe("telegram", "1001")
    vtt = tmp_path / "z.vtt"
    vtt.write_text(VTT)
    await rig.library.ingest([vtt], Metadata(podcast="Airship Hour", title="Zeppelins (hand-made)",
                                             urls=("https://cdn.example/z1.mp3",)))
    rig.server.serve("/feed.xml", rss([]))
    await rig.add()
    await rig.poll()
    rig.server.serve("/feed.xml", rss([Item(title="Zeppelin dawn", guid="z1", enclosure="https://cdn.example/z1.mp3")]))
    await rig.poll(after=600)
    assert await rig.library.storage.count_episodes() == 1
    (sent,) = await rig.deliver()
    assert sent[1].searchable and sent[1].title == "Zeppelin dawn"


async def test_a_poll_that_finds_the_index_busy_fails_in_one_line_and_the_next_lists_its_items(rig, caplog):
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 1)))
    await rig.add()
    await rig.poll()
    rig.server.serve("/feed.xml", rss(_items(rig.clock, 1, start=1) + _items(rig.clock, 1)))
    rig.library.write_wait = 0.0
    other_process = rig.library.index.writer_lock()  # a lock of its own: to flock, another process's
    other_process.acquire()
    try:
        (report,) = await rig.poll(after=600)
    finally:
        other_process.release()
    assert not report.ok and "busy" in report.error
    assert not [r for r in caplog.records if r.exc_info]  # one line, no traceback
    (report,) = await rig.poll(after=3600)
    assert report.ok and sorted(e.title for e in await rig.library.episodes(10)) == ["Episode 0", "Episode 1"]

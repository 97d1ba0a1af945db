"""Hostile and foreign feeds against the watcher on 127.0.0.1: tag soup and a title of 200,000 `&lt;` are
read in the parse pool's worker while quotes are answered; a read past its time limit is a feed error;
feeds in other encodings, declared right or wrong, are read as written."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import SystemClock
from bot.commands import Commands
from bot.config import Settings
from bot.feeds import TITLE_CHARS
from bot.library import DATABASE_NAME
from bot.pool import ParsePool
from bot.storage import Storage
from bot.watcher import open_fetcher
from tests.bot.doubles import ENCODED_FEEDS, Item, LimitClock, WorkerGate, encoded, rss
from tests.bot.test_watcher import VTT, Rig

# A title the old tag stripping took 15 s over, holding the interpreter lock; show notes of tag soup
# that feedparser's sanitizer took seconds over (quadratic).
HOSTILE = rss([Item(title="<" * 200_000, guid="lt"),
               Item(title="Soup", guid="soup", description="<p <b <!--<a href='x" * 20_000)],
              title="<" * 200_000)


@pytest.fixture
async def make_rig(bare_library, feed_server, clock, tmp_path):
    """A watcher rig (as in test_watcher) over the parse pool given."""
    storage = await Storage.open(tmp_path / "data" / DATABASE_NAME)
    session, fetcher = open_fetcher(Settings(data_dir=tmp_path / "data", fetch_timeout=5, fetch_max_mb=5))
    pools = []

    def make(pool: ParsePool) -> Rig:
        pools.append(pool)
        return Rig(bare_library, feed_server, clock, storage, fetcher, pool)

    async with session:
        yield make
    for pool in pools:
        pool.close()
    await storage.close()


async def test_quotes_are_answered_while_a_hostile_feed_is_read(make_rig, tmp_path):
    gate = WorkerGate()
    rig = make_rig(ParsePool(60.0, SystemClock(), gate.executor))
    (tmp_path / "zeppelin.vtt").write_text(VTT)
    await rig.library.ingest([tmp_path / "zeppelin.vtt"])
    rig.server.serve("/feed.xml", HOSTILE)
    await rig.add()
    poll = asyncio.create_task(rig.poll())
    await gate.reached()  # the feed was fetched and handed to the pool: it is being read
    reply = await Commands(rig.library).handle("/quote zeppelin harbour")
    assert reply.quotes and reply.quotes[0].episode_title == "zeppelin"
    assert not poll.done()  # answered while the feed is still being read
    gate.open()
    (report,) = await poll
    assert (report.ok, report.new) == (True, 2)
    feed = await rig.feed()
    assert 0 < len(feed.title) <= TITLE_CHARS and set(feed.title) <= {"<", "…"}
    titles = [e.title for e in await rig.library.episodes(5)]
    assert "Soup" in titles and all(len(title) <= TITLE_CHARS for title in titles)


async def test_a_feed_read_past_the_time_limit_is_a_feed_error_and_the_next_poll_works(make_rig):
    gate, limit = WorkerGate(), LimitClock()
    rig = make_rig(ParsePool(60.0, limit, gate.executor))
    rig.server.serve("/feed.xml", HOSTILE)
    await rig.add()
    poll = asyncio.create_task(rig.poll())
    await gate.reached()
    limit.expire()
    (report,) = await poll
    assert (report.ok, report.error) == (False, "reading it took longer than 60 s")
    failing = await rig.feed()
    assert (failing.errors, failing.last_error) == (1, "reading it took longer than 60 s")
    gate.open()
    rig.server.serve("/feed.xml", rss([Item(title="Fine again", guid="ok")]))
    (report,) = await rig.poll(after=failing.next_poll_at - rig.clock.now())
    assert report.ok and (await rig.feed()).errors == 0


@pytest.mark.parametrize(("title", "titles", "encoding", "declared"), ENCODED_FEEDS)
async def test_a_feed_in_another_encoding_is_read_as_written_with_its_transcripts(
    make_rig, parse_pool, title, titles, encoding, declared
):
    rig = make_rig(parse_pool)
    items = [Item(title=titles[0], guid="one", transcripts=[(rig.server.url("/t/1.vtt"), "text/vtt")]),
             Item(title=titles[1], guid="two", description=titles[1] * 20)]
    rig.server.serve("/feed.xml", encoded(rss(items, title=title), encoding, declared))
    rig.server.serve("/t/1.vtt", VTT, content_type="text/vtt")
    await rig.add()
    (report,) = await rig.poll()
    assert (report.ok, report.new, report.error) == (True, 2, None)
    assert (await rig.feed()).title == title
    assert sorted(e.title for e in await rig.library.episodes(5)) == sorted(titles)
    assert (await rig.feeds.health())[0].waiting == 1  # the second links no transcript
    assert await rig.watcher.fetch_transcripts() == 1
    reply = await Commands(rig.library).handle("/quote zeppelin harbour")
    assert reply.quotes[0].episode_title == titles[0]

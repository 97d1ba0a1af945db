"""The fetch policy end to end: a watched feed on 127.0.0.1 whose links lead to another port there (an
internal service) gets nothing of it into the library, and says so in its health; its own links work."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

import pytest

from adapters.cli import main
from bot.commands import describe_feed
from bot.config import Settings
from bot.feeds import TranscriptLink, served_as_other
from bot.fetch import open_fetcher
from bot.library import DATABASE_NAME
from bot.storage import Storage
from tests.bot.doubles import FeedServer, Item, ThreadedFeedServer, rss
from tests.bot.test_watcher import VTT, Rig

SECRET = "The internal admin password is swordfish and the database lives on the backup host."


@pytest.fixture
async def internal():
    """A service on the bot's machine that nobody meant to publish: another port on 127.0.0.1."""
    server = FeedServer()
    await server.start()
    server.serve("/admin", SECRET, content_type="text/plain")
    server.serve("/admin.vtt", VTT.replace("zeppelin", "swordfish"), content_type="text/vtt")
    yield server
    await server.close()


@asynccontextmanager
async def watching(library, server, clock, tmp_path, parser, *allow: str):
    """A watcher (the rig of test_watcher) over a feed on `server`, with these hosts allowed."""
    storage = await Storage.open(tmp_path / "data" / DATABASE_NAME)
    sessions, fetcher = open_fetcher(Settings(data_dir=tmp_path / "data", fetch_timeout=5, fetch_allow_hosts=allow))
    try:
        async with sessions:
            rig = Rig(library, server, clock, storage, fetcher, parser)
            server.serve("/feed.xml", rss([]))
            await rig.add()
            await rig.poll()
            yield rig
    finally:
        await storage.close()


def _links(rig: Rig, *links: tuple[str, str | None]) -> None:
    rig.server.serve("/feed.xml", rss([Item(title="Leaky", guid="l1", transcripts=list(links))]))


async def test_transcript_links_to_internal_addresses_are_refused_and_shown_while_the_feeds_own_work(
    bare_library, feed_server, internal, clock, tmp_path, parse_pool, caplog,
):
    port = internal.url("/").split(":")[2].rstrip("/")
    feed_server.redirect("/t/moved.vtt", internal.url("/admin.vtt"), 302)
    async with watching(bare_library, feed_server, clock, tmp_path, parse_pool) as rig:
        _links(rig, (internal.url("/admin"), "text/plain"), (f"http://localhost:{port}/admin", "text/plain"),
               (feed_server.url("/t/moved.vtt"), "text/vtt"))
        await rig.poll(after=600)
        with caplog.at_level(logging.WARNING, logger="bot.watcher"):
            assert await rig.watcher.fetch_transcripts() == 0
        assert internal.requests == [] and len(feed_server.hits("/t/moved.vtt")) == 1
        assert rig.library.search("swordfish").quotes == ()
        (line,) = [r.getMessage() for r in caplog.records]
        assert line.startswith("transcript refused by the fetch policy") and "not a public address" in line
        await rig.poll(after=600)
        (health,) = await rig.feeds.health()
        assert health.feed.failing and "not a public address" in health.feed.refused
        assert "failing (a transcript link refused: " in describe_feed(1, health)
        assert rig.watcher.health() == (True, "watching 1 feed, 1 failing")

        feed_server.serve("/t/own.vtt", VTT, content_type="text/vtt")
        _links(rig, (internal.url("/admin"), "text/plain"), (feed_server.url("/t/own.vtt"), "text/vtt"))
        await rig.poll(after=600)
        rig.clock.advance(86400)
        assert await rig.watcher.fetch_transcripts() == 1
        assert rig.library.search("zeppelin").quotes[0].episode_title == "Leaky"
        await rig.poll(after=600)
        assert not (await rig.feeds.health())[0].feed.failing
        assert internal.requests == []


async def test_a_feed_that_redirects_to_an_internal_address_fails_its_poll_saying_why(
    bare_library, feed_server, internal, clock, tmp_path, parse_pool,
):
    async with watching(bare_library, feed_server, clock, tmp_path, parse_pool) as rig:
        feed_server.redirect("/feed.xml", internal.url("/admin"), 301)
        (report,) = await rig.poll(after=600)
        assert not report.ok and "not a public address" in report.error
        feed = await rig.feed()
        assert feed.failing and feed.fetch_url == feed_server.url("/feed.xml") and internal.requests == []


async def test_an_allowed_private_host_serves_transcripts(bare_library, feed_server, internal, clock, tmp_path, parse_pool):
    async with watching(bare_library, feed_server, clock, tmp_path, parse_pool, "127.0.0.1") as rig:
        _links(rig, (internal.url("/admin.vtt"), "text/vtt"))
        await rig.poll(after=600)
        assert await rig.watcher.fetch_transcripts() == 1
        assert rig.library.search("swordfish").quotes[0].episode_title == "Leaky"


async def test_an_html_error_page_is_not_a_transcript_unless_html_was_declared(
    bare_library, feed_server, internal, clock, tmp_path, parse_pool,
):
    page = "<html><body><h1>Service unavailable</h1><p>Our zeppelin team is looking into it.</p></body></html>"
    feed_server.serve("/t/1.vtt", page, content_type="text/html")
    feed_server.serve("/t/1.bin", VTT, content_type="application/octet-stream")
    async with watching(bare_library, feed_server, clock, tmp_path, parse_pool) as rig:
        _links(rig, (feed_server.url("/t/1.vtt"), "text/vtt"))
        await rig.poll(after=600)
        assert await rig.watcher.fetch_transcripts() == 0
        assert rig.library.search("zeppelin").quotes == ()
        _links(rig, (feed_server.url("/t/1.vtt"), "text/vtt"), (feed_server.url("/t/1.bin"), "text/vtt"))
        await rig.poll(after=600)
        rig.clock.advance(86400)
        assert await rig.watcher.fetch_transcripts() == 1  # an unknown type: the content decides
        assert rig.library.search("zeppelin").quotes[0].start_seconds == 1.0


def test_feed_add_of_a_feed_that_redirects_inside_says_it_was_refused_and_feed_list_shows_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PODQUOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PODQUOTE_SEEDS", "")
    with ThreadedFeedServer() as feeds, ThreadedFeedServer() as inside:
        inside.serve("/admin", SECRET, content_type="text/plain")
        feeds.redirect("/feed.xml", inside.url("/admin"), 302)
        url = feeds.url("/feed.xml")
        assert main(["feed", "add", url]) == 0
        added = capsys.readouterr().out
        assert main(["feed", "list"]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert inside.requests == []
    assert added.startswith(f"added {url}, but reading it failed: refused 127.0.0.1 (127.0.0.1)")
    assert listed[1].startswith("   failing (1 in a row; last: refused 127.0.0.1 (127.0.0.1): not a public address")


@pytest.mark.parametrize("declared, served, refused", [
    ("text/vtt", "text/html; charset=utf-8", True),
    (None, "text/html", True),
    ("application/json", "application/xhtml+xml", True),
    ("text/vtt", "image/png", True),
    ("text/html", "text/html; charset=utf-8", False),
    ("text/vtt", "text/plain", False),
    ("application/x-subrip", "application/octet-stream", False),
    ("text/vtt", None, False),
])
def test_a_served_type_is_checked_against_the_declared_one(declared, served, refused):
    assert (served_as_other(TranscriptLink("https://feed.example/t/1", declared), served) is not None) is refused

"""Fetching politely, against a server on 127.0.0.1: validators, 304, redirects, caps, time limits."""

import asyncio

import pytest
from aiohttp import web

from bot.feeds import FetchError
from bot.config import Settings
from bot.fetch import Fetcher, open_fetcher


@pytest.fixture
async def fetcher():
    sessions, fetcher = open_fetcher(Settings(fetch_timeout=0.2, fetch_max_mb=0.1))
    async with sessions:
        yield fetcher


async def fetch_own(fetcher: Fetcher, url: str, *validators: str | None):
    """A fetch of an address the operator typed (as a feed added by hand), whose origin is trusted."""
    return await fetcher.fetch(url, *validators, trusted=url)


async def test_a_fetch_returns_the_body_and_the_validators_to_send_next_time(fetcher, feed_server):
    feed_server.serve("/feed", "<rss/>", etag='"v1"', last_modified="Tue, 03 Sep 2024 10:00:00 GMT")
    result = await fetch_own(fetcher, feed_server.url("/feed"))
    assert (result.status, result.body, result.etag) == (200, b"<rss/>", '"v1"')
    assert result.last_modified == "Tue, 03 Sep 2024 10:00:00 GMT" and result.moved_to is None
    assert "podquote" in feed_server.requests[0].headers["User-Agent"]


async def test_the_validators_make_the_next_fetch_conditional_and_304_means_nothing_new(fetcher, feed_server):
    feed_server.serve("/feed", "<rss/>", etag='"v1"', last_modified="Tue, 03 Sep 2024 10:00:00 GMT")
    result = await fetch_own(fetcher, feed_server.url("/feed"), '"v1"', "Tue, 03 Sep 2024 10:00:00 GMT")
    assert result.not_modified and result.body == b""
    sent = feed_server.requests[0].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('"v1"', "Tue, 03 Sep 2024 10:00:00 GMT")


async def test_a_permanent_redirect_is_remembered_and_a_temporary_one_is_not(fetcher, feed_server):
    feed_server.serve("/new", "<rss/>")
    feed_server.redirect("/old", "/new", 301)
    feed_server.redirect("/moved", "/old", 308)
    feed_server.redirect("/today", "/new", 302)
    feed_server.redirect("/perm-then-temp", "/today", 301)
    assert (await fetch_own(fetcher, feed_server.url("/moved"))).moved_to == feed_server.url("/new")
    assert (await fetch_own(fetcher, feed_server.url("/today"))).moved_to is None
    assert (await fetch_own(fetcher, feed_server.url("/perm-then-temp"))).moved_to == feed_server.url("/today")


async def test_a_redirect_loop_and_a_redirect_chain_too_long_are_errors(fetcher, feed_server):
    feed_server.redirect("/a", "/b")
    feed_server.redirect("/b", "/a")
    with pytest.raises(FetchError, match="redirect loop"):
        await fetch_own(fetcher, feed_server.url("/a"))
    for n in range(10):
        feed_server.redirect(f"/hop{n}", f"/hop{n + 1}", 302)
    with pytest.raises(FetchError, match="more than 5 redirects"):
        await fetch_own(fetcher, feed_server.url("/hop0"))


async def test_a_body_over_the_cap_is_refused_whether_declared_or_streamed(fetcher, feed_server):
    feed_server.serve("/declared", b"x" * 200_000)

    async def streamed(request):
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(50):
            await response.write(b"y" * 10_000)
        return response

    feed_server.routes["/streamed"] = streamed
    with pytest.raises(FetchError, match=r"too large \(0.2 MB; the limit is 0.1 MB\)"):
        await fetch_own(fetcher, feed_server.url("/declared"))
    with pytest.raises(FetchError, match=r"too large \(over 0.1 MB"):
        await fetch_own(fetcher, feed_server.url("/streamed"))


async def test_a_slow_server_runs_into_the_time_limit(fetcher, feed_server):
    never = asyncio.Event()

    async def slow(request):
        await never.wait()
        return web.Response(text="late")

    feed_server.routes["/slow"] = slow
    with pytest.raises(FetchError, match="no answer within 0.2 s"):
        await fetch_own(fetcher, feed_server.url("/slow"))


async def test_http_errors_are_named_and_retry_after_is_kept(fetcher, feed_server):
    feed_server.status("/broken", 500)
    feed_server.status("/busy", 503, {"Retry-After": "120"})
    feed_server.status("/dated", 429, {"Retry-After": "Wed, 13 Jan 2027 11:30:00 GMT", "Date": "Wed, 13 Jan 2027 10:00:00 GMT"})
    with pytest.raises(FetchError, match="HTTP 500") as broken:
        await fetch_own(fetcher, feed_server.url("/broken"))
    with pytest.raises(FetchError, match="HTTP 503") as busy:
        await fetch_own(fetcher, feed_server.url("/busy"))
    with pytest.raises(FetchError, match="HTTP 429") as dated:
        await fetch_own(fetcher, feed_server.url("/dated"))
    assert (broken.value.retry_after, busy.value.retry_after, dated.value.retry_after) == (None, 120.0, 5400.0)


async def test_an_unreachable_host_and_a_bad_address_are_errors_with_reasons(fetcher, feed_server):
    gone = feed_server.url("/gone")
    await feed_server.close()
    with pytest.raises(FetchError, match="cannot fetch it"):
        await fetch_own(fetcher, gone)
    with pytest.raises(FetchError):
        await fetch_own(fetcher, "ftp://files.example/feed")

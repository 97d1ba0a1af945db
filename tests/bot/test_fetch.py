"""Fetching politely and safely, against servers on 127.0.0.1: validators, 304, redirects, caps, time
limits, and the fetch policy (a feed can't lead the bot to a private address)."""

import asyncio
import socket
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.feeds import FetchError
from bot.config import Settings
from bot.fetch import AddressPolicy, Fetcher, FetchRefused, open_fetcher
from tests.bot.doubles import FeedServer


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


# The fetch policy: only the operator's own origin may be private; every other address a feed leads
# to must be public, or allowed. `internal` stands for a service on the bot's machine: another port
# on 127.0.0.1, a different origin from the feed's.

SECRET = "root:x:0:0:the-internal-secret"


class Hosts(AbstractResolver):
    """Names we control, as /etc/hosts would have them: each resolves to 127.0.0.1."""

    def __init__(self, *names: str) -> None:
        self.names = set(names)
        self.asked: list[str] = []

    async def resolve(self, host, port=0, family=socket.AF_INET):
        self.asked.append(host)
        if host not in self.names:
            raise OSError(f"no such host: {host}")
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self):
        pass


@pytest.fixture
async def internal():
    server = FeedServer()
    await server.start()
    server.serve("/secret", SECRET, content_type="text/plain")
    yield server
    await server.close()


@pytest.fixture
def hosts():
    return Hosts("transcripts.example", "transcripts.internal")


@asynccontextmanager
async def policy_fetcher(hosts: Hosts | None, *allow: str):
    sessions, fetcher = open_fetcher(Settings(fetch_timeout=5, fetch_allow_hosts=allow), resolver=hosts)
    async with sessions:
        yield fetcher


def _on(server: FeedServer, path: str, host: str) -> str:
    return str(URL(server.url(path)).with_host(host))


async def test_a_link_to_a_loopback_address_on_another_port_is_refused_without_connecting(internal, feed_server, hosts):
    feed = feed_server.url("/feed.xml")
    async with policy_fetcher(hosts) as fetcher:
        for url in (internal.url("/secret"), _on(internal, "/secret", "::1"), "http://169.254.169.254/latest/meta-data/"):
            with pytest.raises(FetchRefused, match=r"not a public address \(PODQUOTE_FETCH_ALLOW_HOSTS"):
                await fetcher.fetch(url, trusted=feed)
    assert internal.requests == []


async def test_a_name_that_resolves_to_loopback_is_refused(internal, feed_server, hosts):
    feed = feed_server.url("/feed.xml")
    async with policy_fetcher(hosts) as fetcher:
        with pytest.raises(FetchRefused, match=r"refused transcripts.example \(127.0.0.1\)"):
            await fetcher.fetch(_on(internal, "/secret", "transcripts.example"), trusted=feed)
    assert hosts.asked == ["transcripts.example"]  # resolved by the guarded connector
    async with policy_fetcher(None) as fetcher:  # the system's own resolver
        with pytest.raises(FetchRefused, match=r"refused localhost \((127.0.0.1|::1)\)"):
            await fetcher.fetch(_on(internal, "/secret", "localhost"), trusted=feed)
    assert internal.requests == []


async def test_a_redirect_from_the_trusted_origin_to_another_port_is_refused(internal, feed_server, hosts):
    feed = feed_server.url("/feed.xml")
    feed_server.redirect("/t/1.vtt", internal.url("/secret"), 302)
    feed_server.redirect("/t/2.vtt", _on(internal, "/secret", "transcripts.example"), 301)
    feed_server.redirect("/feed.xml", internal.url("/secret"), 301)  # the operator typed the feed, not where it leads
    async with policy_fetcher(hosts) as fetcher:
        for url in (feed_server.url("/t/1.vtt"), feed_server.url("/t/2.vtt"), feed):
            with pytest.raises(FetchRefused, match="not a public address"):
                await fetcher.fetch(url, trusted=feed)
    assert internal.requests == [] and len(feed_server.requests) == 3


async def test_the_operators_own_origin_is_trusted_for_its_links_and_redirects(feed_server, hosts):
    feed = feed_server.url("/feed.xml")
    feed_server.serve("/t/1.vtt", "WEBVTT\n", content_type="text/vtt")
    feed_server.redirect("/t/old.vtt", "/t/1.vtt", 301)
    async with policy_fetcher(hosts) as fetcher:
        assert (await fetcher.fetch(feed_server.url("/t/1.vtt"), trusted=feed)).body == b"WEBVTT\n"
        moved = await fetcher.fetch(feed_server.url("/t/old.vtt"), trusted=feed)
        assert (moved.body, moved.moved_to) == (b"WEBVTT\n", feed_server.url("/t/1.vtt"))
        with pytest.raises(FetchRefused):  # the same server, but nobody typed it
            await fetcher.fetch(feed_server.url("/t/1.vtt"))


async def test_the_hosts_the_operator_allowed_get_through_and_no_others(internal, hosts):
    by_name, other = _on(internal, "/secret", "transcripts.internal"), _on(internal, "/secret", "transcripts.example")
    async with policy_fetcher(hosts, "transcripts.internal") as fetcher:
        assert (await fetcher.fetch(by_name)).body == SECRET.encode()
        with pytest.raises(FetchRefused):
            await fetcher.fetch(other)
        with pytest.raises(FetchRefused):
            await fetcher.fetch(internal.url("/secret"))
    async with policy_fetcher(hosts, "127.0.0.0/8") as fetcher:
        assert (await fetcher.fetch(internal.url("/secret"))).body == SECRET.encode()
        assert (await fetcher.fetch(other)).body == SECRET.encode()
    assert len(internal.requests) == 3


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.5", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "255.255.255.255", "224.0.0.1", "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.5",
    "2002:7f00:1::1", "64:ff9b::a9fe:a9fe", "ff02::1", "not-an-address",
])
def test_every_private_form_of_an_address_is_refused(address):
    with pytest.raises(FetchRefused):
        AddressPolicy().check("feed.example", address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_a_public_address_passes_and_an_allowed_network_lets_its_own_through(address):
    AddressPolicy().check("feed.example", address)
    AddressPolicy(["10.0.0.0/8"]).check("feed.example", "::ffff:10.1.2.3")
    with pytest.raises(FetchRefused):
        AddressPolicy(["10.0.0.0/8"]).check("feed.example", "192.168.1.1")

"""Fetching feeds and transcripts politely and safely: a conditional GET (ETag / Last-Modified),
redirects followed by hand (so that permanent ones can be remembered, loops named and every hop
checked), a time limit, a size cap, and the fetch policy below.

The fetch policy: a feed's text must not turn the bot into a proxy into the machine it runs on or
its network (a transcript link to http://127.0.0.1:8080/admin or the cloud's metadata service would
be fetched, indexed and quoted to anyone). The URL the operator typed is trusted, and so is its
origin (scheme, host, port); every other URL, each redirect hop included, is fetched through
connections that only reach globally routable addresses, or the hosts the operator allowed. The
address is checked where the connection is made, on what the name resolved to (the very addresses
then connected to, so a name that resolves differently the second time gains nothing).

Apart from bot/feeds.py so that what only reads feeds (the command layer, `podquote quote`) doesn't
pay for importing aiohttp at every start.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.config import Settings
from bot.feeds import FetchError, FetchResult

USER_AGENT = "podquote/0.1 (podcast feed watcher)"
MAX_REDIRECTS = 5
_PERMANENT = {301, 308}
_REDIRECTS = {301, 302, 303, 307, 308}
# NAT64's well-known prefix (RFC 6052): the IPv4 address in its last 32 bits is where a gateway goes.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefused(FetchError):
    """The fetch policy refused an address: not public, not the operator's own, not allowed."""


class AddressPolicy:
    """Where a URL the operator did not type may lead: to globally routable addresses, and to the
    hosts the operator allowed (PODQUOTE_FETCH_ALLOW_HOSTS: names, addresses or networks)."""

    def __init__(self, allow_hosts: Iterable[str] = ()) -> None:
        self._names: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for host in allow_hosts:
            try:
                self._networks.append(ipaddress.ip_network(host, strict=False))
            except ValueError:
                self._names.add(_name(host))

    def check(self, host: str, address: str) -> None:
        """FetchRefused unless `host`, resolved to `address`, may be reached."""
        if _name(host) in self._names:
            return
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise FetchRefused(f"refused {host}: it resolved to {address!r}, not an address") from None
        if not (_is_public(ip) or any(candidate in network for candidate in _forms(ip) for network in self._networks)):
            raise FetchRefused(
                f"refused {host} ({ip}): not a public address (PODQUOTE_FETCH_ALLOW_HOSTS lets a private host through)"
            )

    def check_literal(self, host: str | None) -> None:
        """Check an address written in the URL itself: the connector resolves no name for it."""
        try:
            ipaddress.ip_address(host or "")
        except ValueError:
            return  # a name: the guarded resolver checks what it resolves to
        self.check(host or "", host or "")


def _name(host: str) -> str:
    return host.lower().rstrip(".")


def _forms(ip: _Address) -> list[_Address]:
    """The address, and the IPv4 address it carries (IPv4-mapped, 6to4, NAT64), which is where it leads."""
    if isinstance(ip, ipaddress.IPv4Address):
        return [ip]
    carried = [ip.ipv4_mapped, ip.sixtofour]
    if ip in _NAT64:
        carried.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [ip, *(v4 for v4 in carried if v4 is not None)]


def _is_public(ip: _Address) -> bool:
    """Globally routable, and not multicast, in every form it takes."""
    return all(form.is_global and not form.is_multicast for form in _forms(ip))


class GuardedResolver(AbstractResolver):
    """Resolves names as usual, then refuses a name unless every address it resolved to may be
    reached. The connector connects to exactly these addresses, so the check holds at connect time."""

    def __init__(self, policy: AddressPolicy, resolver: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._resolver = resolver or DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        """The addresses of `host`; FetchRefused (an OSError, which aiohttp wraps) if one may not be reached."""
        resolved = await self._resolver.resolve(host, port, family)
        for result in resolved:
            self._policy.check(host, result["host"])
        return resolved

    async def close(self) -> None:
        """Release the resolver underneath."""
        await self._resolver.close()


def open_fetcher(settings: Settings, resolver: AbstractResolver | None = None) -> tuple[contextlib.AsyncExitStack, Fetcher]:
    """A Fetcher over its two sessions (the operator's own origins; everything else, guarded) with the
    configured limits and policy, and what closes them. `resolver` resolves names for the guarded one
    (tests give their own)."""
    policy = AddressPolicy(settings.fetch_allow_hosts)
    guard = GuardedResolver(policy, resolver)
    own, guarded = aiohttp.ClientSession(), aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=guard))
    sessions = contextlib.AsyncExitStack()
    for close in (guard.close, guarded.close, own.close):
        sessions.push_async_callback(close)
    return sessions, Fetcher(own, guarded, policy, settings.fetch_timeout, int(settings.fetch_max_mb * 1_000_000))


class Fetcher:
    """GETs feeds and transcripts within a time limit and a size cap: the operator's own origins through
    one aiohttp session, everything else through one whose connections the fetch policy guards."""

    def __init__(
        self, session: aiohttp.ClientSession, guarded: aiohttp.ClientSession, policy: AddressPolicy,
        timeout: float, max_bytes: int,
    ) -> None:
        self._own = session
        self._guarded = guarded
        self._policy = policy
        self._timeout = timeout
        self._max_bytes = max_bytes

    async def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None, trusted: str | None = None,
    ) -> FetchResult:
        """GET a URL, conditionally when etag/last_modified are given. Only the origin of `trusted` (the
        address the operator typed) may be private. FetchError with the reason (FetchRefused: the policy's)."""
        try:
            async with asyncio.timeout(self._timeout):
                origin = _origin(URL(trusted)) if trusted else None
                return await self._follow(url, _conditional_headers(etag, last_modified), origin)
        except TimeoutError:
            raise FetchError(f"no answer within {self._timeout:g} s") from None
        except aiohttp.ClientError as error:
            refused = getattr(error, "os_error", None)  # the guarded resolver's refusal, as aiohttp wraps it
            if isinstance(refused, FetchRefused):
                raise refused from None
            raise FetchError(f"cannot fetch it: {_describe(error)}") from None
        except ValueError as error:
            raise FetchError(f"bad address: {error}") from None

    async def _follow(self, url: str, headers: dict[str, str], origin: tuple | None) -> FetchResult:
        """Follow redirects by hand, each hop through the session its origin calls for: remember where
        permanent ones lead; name loops."""
        seen, moved_to, permanent = {url}, None, True
        for _ in range(MAX_REDIRECTS + 1):
            async with self._session_for(URL(url), origin).get(url, headers=headers, allow_redirects=False) as response:
                if response.status not in _REDIRECTS:
                    return await self._result(response, url, moved_to)
                permanent = permanent and response.status in _PERMANENT
                url = _redirect_target(response)
            if url in seen:
                raise FetchError(f"redirect loop at {url}")
            seen.add(url)
            moved_to = url if permanent else moved_to
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _session_for(self, url: URL, origin: tuple | None) -> aiohttp.ClientSession:
        """The operator's own origin as it is; anything else guarded (an address written in the URL is
        checked here: aiohttp asks no resolver about it)."""
        if origin is not None and _origin(url) == origin:
            return self._own
        self._policy.check_literal(url.host)
        return self._guarded

    async def _result(self, response: aiohttp.ClientResponse, url: str, moved_to: str | None) -> FetchResult:
        if response.status == 304:
            return FetchResult(304, url=url, moved_to=moved_to, **_validators(response))
        if response.status != 200:
            raise FetchError(f"HTTP {response.status}", _retry_after(response))
        body = await self._read_capped(response)
        return FetchResult(
            200, body, url, moved_to, content_type=response.headers.get("Content-Type"),
            **_validators(response),
        )

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        """The body, refused as soon as it is bigger than the cap (declared or actual)."""
        declared = response.content_length
        if declared is not None and declared > self._max_bytes:
            raise FetchError(self._too_large(declared))
        chunks, size = [], 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError(self._too_large(size, more=True))
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, size: int, more: bool = False) -> str:
        return f"too large ({'over ' if more else ''}{size / 1e6:.1f} MB; the limit is {self._max_bytes / 1e6:g} MB)"


def _origin(url: URL) -> tuple[str, str | None, int | None]:
    """Scheme, host and port: what a URL shares with the address the operator typed, or not."""
    return url.scheme, url.host and _name(url.host), url.port


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _validators(response: aiohttp.ClientResponse) -> dict[str, str | None]:
    return {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}


def _redirect_target(response: aiohttp.ClientResponse) -> str:
    location = response.headers.get("Location")
    if not location:
        raise FetchError(f"HTTP {response.status} without a Location")
    target = response.url.join(URL(location))
    if target.scheme not in ("http", "https"):
        raise FetchError(f"redirected to a non-web address: {target}")
    return str(target)


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    """Retry-After in seconds, given as seconds or as a date (measured from the server's own Date,
    so that neither clock's error counts)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    until = _http_date(value)
    if until is None:
        return None
    now = _http_date(response.headers.get("Date", "")) or datetime.now(timezone.utc)
    return max((until - now).total_seconds(), 0.0)


def _http_date(text: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _describe(error: aiohttp.ClientError) -> str:
    return str(error) or type(error).__name__

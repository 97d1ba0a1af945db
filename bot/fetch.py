"""Fetching feeds and transcripts politely: a conditional GET (ETag / Last-Modified), redirects
followed by hand so that permanent ones can be remembered and loops named, a time limit and a size cap.

Apart from bot/feeds.py so that what only reads feeds (the command layer, `podquote quote`) doesn't
pay for importing aiohttp at every start.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import aiohttp
from yarl import URL

from bot.feeds import FetchError, FetchResult

USER_AGENT = "podquote/0.1 (podcast feed watcher)"
MAX_REDIRECTS = 5
_PERMANENT = {301, 308}
_REDIRECTS = {301, 302, 303, 307, 308}


class Fetcher:
    """GETs feeds and transcripts through one aiohttp session, within a time limit and a size cap."""

    def __init__(self, session: aiohttp.ClientSession, timeout: float, max_bytes: int) -> None:
        self._session = session
        self._timeout = timeout
        self._max_bytes = max_bytes

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET a URL, conditionally when etag/last_modified are given; FetchError with the reason."""
        try:
            async with asyncio.timeout(self._timeout):
                return await self._follow(url, _conditional_headers(etag, last_modified))
        except TimeoutError:
            raise FetchError(f"no answer within {self._timeout:g} s") from None
        except aiohttp.ClientError as error:
            raise FetchError(f"cannot fetch it: {_describe(error)}") from None
        except ValueError as error:
            raise FetchError(f"bad address: {error}") from None

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        """Follow redirects by hand: remember where permanent ones lead; name loops."""
        seen, moved_to, permanent = {url}, None, True
        for _ in range(MAX_REDIRECTS + 1):
            async with self._session.get(url, headers=headers, allow_redirects=False) as response:
                if response.status not in _REDIRECTS:
                    return await self._result(response, url, moved_to)
                permanent = permanent and response.status in _PERMANENT
                url = _redirect_target(response)
            if url in seen:
                raise FetchError(f"redirect loop at {url}")
            seen.add(url)
            moved_to = url if permanent else moved_to
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

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

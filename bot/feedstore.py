"""The feeds and the items seen in them, in SQLite: the watcher's memory between polls."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import aiosqlite

from bot.feeds import FeedItem, FetchResult, KnownItem, TranscriptLink
from bot.storage import Storage

_FEED_COLUMNS = (
    "id, url, fetch_url, title, from_config, etag, last_modified, primed,"
    " last_poll_at, last_ok_at, next_poll_at, errors, last_error, paused,"
    " (SELECT transcript_refused FROM feed_items i WHERE i.feed_id = feeds.id AND transcript_state = 'waiting'"
    "  AND transcript_refused IS NOT NULL LIMIT 1)"
)


@dataclass(frozen=True, slots=True)
class Feed:
    """A watched feed and the state of its polling."""

    id: int
    url: str
    fetch_url: str
    title: str | None
    from_config: bool
    etag: str | None
    last_modified: str | None
    primed: bool
    last_poll_at: float | None
    last_ok_at: float | None
    next_poll_at: float
    errors: int
    last_error: str | None
    paused: bool
    # Why the fetch policy refused a transcript link of one of its items still waiting for one.
    refused: str | None = None

    @property
    def failing(self) -> bool:
        """Its last polls failed, or it links what the fetch policy refuses; not yet paused."""
        return (self.errors > 0 or self.refused is not None) and not self.paused

    @property
    def names(self) -> tuple[str, ...]:
        """What a subscription may call this feed (besides '*'): the address it was added by, and where it is now."""
        return tuple(dict.fromkeys((self.url, self.fetch_url)))


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """A feed with how many items it has and how many still wait for the transcript they link."""

    feed: Feed
    items: int
    waiting: int


@dataclass(frozen=True, slots=True)
class WaitingTranscript:
    """A feed item whose episode has no transcript yet, with its links and the episode's metadata."""

    feed_id: int
    key: str
    episode_id: str
    podcast: str
    title: str
    published: date | None
    urls: tuple[str, ...]
    transcripts: tuple[TranscriptLink, ...]
    tries: int
    # The address the operator added its feed by: its origin is trusted (bot/fetch.py).
    feed_url: str


class FeedStore:
    """Feeds, their items, and which items still wait for a transcript."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._db = storage.db

    # Feeds

    async def add(self, url: str, now: float, from_config: bool = False) -> tuple[Feed, bool]:
        """Add a feed, to be polled now; an existing one is resumed (errors forgotten). (feed, whether new)."""
        existing = await self.get(url)
        async with self.storage.transaction() as db:
            if existing is None:
                await db.execute(
                    "INSERT INTO feeds (url, fetch_url, from_config, added_at, next_poll_at) VALUES (?, ?, ?, ?, ?)",
                    (url, url, int(from_config), now, now),
                )
            elif not from_config:
                await db.execute(
                    "UPDATE feeds SET paused = 0, errors = 0, next_poll_at = ? WHERE id = ?", (now, existing.id)
                )
        return await self.get(url), existing is None

    async def ensure(self, urls: Iterable[str], now: float) -> None:
        """Make sure the configured feeds are watched (without resuming a paused one)."""
        for url in urls:
            if await self.get(url) is None:
                await self.add(url, now, from_config=True)

    async def remove(self, url: str) -> bool:
        """Stop watching a feed (by the address it was added by, or where it is now); its episodes stay."""
        async with self.storage.transaction() as db:
            cursor = await db.execute("DELETE FROM feeds WHERE url = ? OR fetch_url = ?", (url, url))
        return cursor.rowcount > 0

    async def get(self, url: str) -> Feed | None:
        """The feed added by this address, or living at it now."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ? OR fetch_url = ? ORDER BY url = ? DESC",
            (url, url, url),
        )
        return _feed(rows[0]) if rows else None

    async def health(self) -> list[FeedHealth]:
        """Every feed, with its item count and how many items wait for the transcript they link (one
        that links none waits for nothing: its transcript can only be ingested by hand)."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_FEED_COLUMNS},"
            " (SELECT count(*) FROM feed_items i WHERE i.feed_id = feeds.id),"
            " (SELECT count(*) FROM feed_items i WHERE i.feed_id = feeds.id AND transcript_state = 'waiting'"
            "  AND transcripts != '[]')"
            " FROM feeds ORDER BY id"
        )
        return [FeedHealth(_feed(row), row[-2], row[-1]) for row in rows]

    async def due(self, now: float) -> list[Feed]:
        """The feeds whose time to poll has come."""
        rows = await self._db.execute_fetchall(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE next_poll_at <= ? ORDER BY next_poll_at", (now,)
        )
        return [_feed(row) for row in rows]

    async def next_poll_at(self) -> float | None:
        """When the next feed is due, if any feed is watched."""
        rows = await self._db.execute_fetchall("SELECT min(next_poll_at) FROM feeds")
        return rows[0][0]

    async def record_ok(self, feed: Feed, fetched: FetchResult, title: str | None, next_at: float, now: float) -> None:
        """A poll worked (200 or 304): keep the validators, follow a permanent move, schedule the next."""
        etag, last_modified = fetched.etag, fetched.last_modified
        if fetched.not_modified:  # a 304 need not repeat the validators: the ones we sent still hold
            etag, last_modified = etag or feed.etag, last_modified or feed.last_modified
        async with self.storage.transaction() as db:
            await db.execute(
                "UPDATE feeds SET fetch_url = ?, title = coalesce(?, title), etag = ?, last_modified = ?,"
                " primed = 1, last_poll_at = ?, last_ok_at = ?, next_poll_at = ?, errors = 0,"
                " last_error = NULL, paused = 0 WHERE id = ?",
                (fetched.moved_to or feed.fetch_url, title, etag, last_modified,
                 now, now, next_at, feed.id),
            )

    async def record_failure(self, feed: Feed, error: str, next_at: float, paused: bool, now: float) -> None:
        """A poll failed: count it, keep the reason, schedule the retry (or the paused check)."""
        async with self.storage.transaction() as db:
            await db.execute(
                "UPDATE feeds SET last_poll_at = ?, errors = errors + 1, last_error = ?, next_poll_at = ?,"
                " paused = ? WHERE id = ?",
                (now, error, next_at, int(paused), feed.id),
            )

    # Items

    async def known_items(self, feed_id: int) -> dict[str, KnownItem]:
        """The items recorded for a feed, by key."""
        rows = await self._db.execute_fetchall(
            "SELECT item_key, episode_id, title, link, enclosure, published, transcripts"
            " FROM feed_items WHERE feed_id = ?",
            (feed_id,),
        )
        return {row[0]: KnownItem(*row[:6], transcripts=_links(row[6])) for row in rows}

    async def save_new_items(self, feed_id: int, items: Sequence[tuple[FeedItem, str]], now: float) -> None:
        """Record new items, each with its episode's id."""
        async with self.storage.transaction() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO feed_items (feed_id, item_key, episode_id, guid, link, enclosure, title,"
                " published, transcripts, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((feed_id, item.key, episode_id, item.guid, *_item_values(item), now) for item, episode_id in items),
            )

    async def save_changed_items(self, feed_id: int, items: Sequence[FeedItem]) -> None:
        """Record edits of known items (their identity stays)."""
        async with self.storage.transaction() as db:
            await db.executemany(
                "UPDATE feed_items SET link = ?, enclosure = ?, title = ?, published = ?, transcripts = ?"
                " WHERE feed_id = ? AND item_key = ?",
                ((*_item_values(item), feed_id, item.key) for item in items),
            )

    # Transcripts

    async def settle_transcripts(self, oldest_first_seen: float) -> list[str]:
        """Items whose episode got a transcript (any way) stop waiting; those waiting since before
        `oldest_first_seen` give up. The titles given up on."""
        async with self.storage.transaction() as db:
            await db.execute(
                "UPDATE feed_items SET transcript_state = 'ingested' WHERE transcript_state = 'waiting'"
                " AND episode_id IN (SELECT id FROM episodes WHERE words > 0)"
            )
            rows = await db.execute_fetchall(
                "UPDATE feed_items SET transcript_state = 'gave_up' WHERE transcript_state = 'waiting'"
                " AND transcripts != '[]' AND first_seen < ? RETURNING title",
                (oldest_first_seen,),
            )
        return [row[0] for row in rows]

    async def waiting_transcripts(self, now: float, limit: int) -> list[WaitingTranscript]:
        """Items with transcript links whose turn to be tried has come, newest first."""
        rows = await self._db.execute_fetchall(
            "SELECT i.feed_id, i.item_key, i.episode_id, p.name, e.title, e.published, e.urls,"
            " i.transcripts, i.transcript_tries, f.url FROM feed_items i JOIN feeds f ON f.id = i.feed_id"
            " JOIN episodes e ON e.id = i.episode_id JOIN podcasts p ON p.id = e.podcast_id"
            " WHERE i.transcript_state = 'waiting' AND i.transcripts != '[]' AND i.transcript_next_at <= ?"
            " ORDER BY i.published IS NULL, i.published DESC, i.first_seen DESC LIMIT ?",
            (now, limit),
        )
        return [_waiting(row) for row in rows]

    async def transcript_ingested(self, item: WaitingTranscript) -> None:
        """The item's transcript is in the library."""
        await self._set_transcript(item, "ingested", None, 0)

    async def transcript_failed(
        self, item: WaitingTranscript, error: str, next_at: float, refused: str | None = None,
    ) -> None:
        """No usable transcript this time: keep the reason (and the fetch policy's refusal, if it
        refused a link), try again at `next_at`."""
        await self._set_transcript(item, "waiting", error, next_at, refused)

    async def _set_transcript(
        self, item: WaitingTranscript, state: str, error: str | None, next_at: float, refused: str | None = None,
    ) -> None:
        async with self.storage.transaction() as db:
            await db.execute(
                "UPDATE feed_items SET transcript_state = ?, transcript_error = ?, transcript_next_at = ?,"
                " transcript_refused = ?, transcript_tries = transcript_tries + 1 WHERE feed_id = ? AND item_key = ?",
                (state, error, next_at, refused, item.feed_id, item.key),
            )

    # Episodes by their feed identity

    async def episodes_with_urls(self, urls: Sequence[str]) -> list[str]:
        """The episodes stored with one of these links (a seed, a hand-ingested file, another feed's)."""
        if not urls:
            return []
        marks = ", ".join("?" * len(urls))
        rows = await self._db.execute_fetchall(
            f"SELECT DISTINCT e.id FROM episodes e, json_each(e.urls) u WHERE u.value IN ({marks})", tuple(urls)
        )
        return [row[0] for row in rows]

    async def episodes_by_url(self, urls: Collection[str]) -> dict[str, str]:
        """The episode stored with each of these links, where there is one: one pass over the library,
        whatever the number of links (a feed's first poll brings thousands)."""
        wanted = set(urls)
        if not wanted:
            return {}
        found: dict[str, str] = {}
        async with self._db.execute("SELECT u.value, e.id FROM episodes e, json_each(e.urls) u") as cursor:
            async for url, episode_id in cursor:
                if url in wanted:
                    found.setdefault(url, episode_id)
        return found

    async def find_episodes(self, guid_or_url: str) -> list[str]:
        """The episodes a feed item with this guid, link or audio URL became; else those stored with that link."""
        rows = await self._db.execute_fetchall(
            "SELECT DISTINCT episode_id FROM feed_items WHERE guid = ? OR link = ? OR enclosure = ?",
            (guid_or_url, guid_or_url, guid_or_url),
        )
        return [row[0] for row in rows] or await self.episodes_with_urls([guid_or_url])


def _feed(row: aiosqlite.Row) -> Feed:
    values = list(row[:15])
    for index in (4, 7, 13):  # from_config, primed, paused
        values[index] = bool(values[index])
    return Feed(*values)


def _item_values(item: FeedItem) -> tuple[object, ...]:
    published = item.published.isoformat() if item.published else None
    transcripts = json.dumps([[link.url, link.type] for link in item.transcripts])
    return item.link, item.enclosure, item.title, published, transcripts


def _links(text: str) -> tuple[TranscriptLink, ...]:
    return tuple(TranscriptLink(url, kind) for url, kind in json.loads(text))


def _waiting(row: aiosqlite.Row) -> WaitingTranscript:
    published = date.fromisoformat(row[5]) if row[5] else None
    return WaitingTranscript(
        row[0], row[1], row[2], row[3], row[4], published, tuple(json.loads(row[6])), _links(row[7]), row[8], row[9]
    )

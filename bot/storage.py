"""SQLite, through aiosqlite: the source of truth for podcasts, episodes and their segments."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import aiosqlite

from bot.models import EpisodeInfo
from search.errors import PodquoteError
from search.models import Episode, Segment

log = logging.getLogger(__name__)

# Each entry migrates the schema from version i to i + 1 (PRAGMA user_version). Append, never edit.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE podcasts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE episodes (
        id TEXT PRIMARY KEY,
        podcast_id INTEGER NOT NULL REFERENCES podcasts(id),
        title TEXT NOT NULL,
        published TEXT,
        duration REAL,
        urls TEXT NOT NULL DEFAULT '[]',
        source TEXT,
        format TEXT,
        words INTEGER NOT NULL DEFAULT 0,
        fingerprint TEXT NOT NULL,
        indexed_fingerprint TEXT,
        added_at TEXT NOT NULL
    );
    CREATE INDEX episodes_by_date ON episodes(published DESC, added_at DESC);
    CREATE TABLE segments (
        episode_id TEXT NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        start REAL,
        speaker TEXT,
        text TEXT NOT NULL,
        PRIMARY KEY (episode_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE subscriptions (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        feed TEXT NOT NULL DEFAULT '*',
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'broken')),
        broken_reason TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (platform, chat_id, feed)
    ) WITHOUT ROWID;
    """,
    # Searches behind chat buttons (paging on both platforms, Discord's Post): a button carries only the row id,
    # so it keeps working after a restart; one row per person and query, however often they ask.
    """
    CREATE TABLE saved_searches (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        query TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (platform, user_id, query)
    );
    """,
    # Feeds, the items seen in them, and the outbox of new-episode notices (bot/feedstore.py and
    # bot/outbox.py hold their queries). Times are seconds since the epoch, from the injected clock.
    """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        fetch_url TEXT NOT NULL,
        title TEXT,
        from_config INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_modified TEXT,
        primed INTEGER NOT NULL DEFAULT 0,
        added_at REAL NOT NULL,
        last_poll_at REAL,
        last_ok_at REAL,
        next_poll_at REAL NOT NULL,
        errors INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        paused INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE feed_items (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        episode_id TEXT NOT NULL,
        guid TEXT,
        link TEXT,
        enclosure TEXT,
        title TEXT NOT NULL,
        published TEXT,
        transcripts TEXT NOT NULL DEFAULT '[]',
        first_seen REAL NOT NULL,
        transcript_state TEXT NOT NULL DEFAULT 'waiting'
            CHECK (transcript_state IN ('waiting', 'ingested', 'gave_up')),
        transcript_tries INTEGER NOT NULL DEFAULT 0,
        transcript_next_at REAL NOT NULL DEFAULT 0,
        transcript_error TEXT,
        PRIMARY KEY (feed_id, item_key)
    );
    CREATE INDEX feed_items_by_guid ON feed_items(guid);
    CREATE INDEX feed_items_by_link ON feed_items(link);
    CREATE INDEX feed_items_by_enclosure ON feed_items(enclosure);
    CREATE INDEX feed_items_by_episode ON feed_items(episode_id);
    CREATE TABLE notices (
        episode_id TEXT PRIMARY KEY,
        podcast TEXT NOT NULL,
        title TEXT NOT NULL,
        published TEXT,
        url TEXT,
        description TEXT
    );
    CREATE TABLE deliveries (
        episode_id TEXT NOT NULL REFERENCES notices(episode_id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'gone', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        created_at REAL NOT NULL,
        sent_at REAL,
        last_error TEXT,
        PRIMARY KEY (episode_id, platform, chat_id)
    ) WITHOUT ROWID;
    CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
    """,
    # A hash of each episode's transcript (its segments), so that the same transcript ingested from
    # another path is known for the episode it is (bot/library.py). NULL until computed, for older rows.
    """
    ALTER TABLE episodes ADD COLUMN content_key TEXT;
    CREATE INDEX episodes_by_content ON episodes(content_key);
    """,
    # Why the fetch policy refused an item's transcript link at its last try (bot/fetch.py), so that
    # `feed list`, /feeds and /healthz show it; NULL when nothing was refused.
    """
    ALTER TABLE feed_items ADD COLUMN transcript_refused TEXT;
    """,
)

ALL_FEEDS = "*"
_SUBSCRIPTION_COLUMNS = "platform, chat_id, feed, status, broken_reason"
_EPISODE_COLUMNS = "e.id, p.name, e.title, e.published, e.urls, e.duration, e.words"
_NEWEST_FIRST = "ORDER BY e.published IS NULL, e.published DESC, e.added_at DESC, e.id"


class StorageError(PodquoteError, OSError):
    """The database cannot be opened or written."""


@dataclass(frozen=True, slots=True)
class EpisodeRecord:
    """An episode to store: its metadata, where it came from, and a fingerprint of both."""

    episode: Episode
    source: str
    format: str
    fingerprint: str
    # A hash of the transcript's segments; None when there is no transcript (a feed's listing).
    content_key: str | None = None
    # Whether the id only names where the transcript was (its path, an upload's name) because no
    # manifest id, --episode or feed guid named the episode; then a stored episode with the same
    # content_key is this one, and `given` holds the metadata the operator set: (field, value) pairs.
    id_from_place: bool = False
    given: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A search someone ran, kept so that its buttons can run it again."""

    id: int
    platform: str
    user_id: str
    query: str


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat or channel that wants new-episode notices of a feed ('*': every feed)."""

    platform: str
    chat_id: str
    feed: str
    status: str
    broken_reason: str | None


class Storage:
    """The podquote database: one connection, used from one event loop."""

    def __init__(self, db: aiosqlite.Connection, created: bool, path: Path | None = None) -> None:
        self._db = db
        self.created = created
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None

    @classmethod
    async def open(cls, path: Path) -> Storage:
        """Open (creating and migrating as needed) the database file."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path)
        except (OSError, aiosqlite.Error) as error:
            raise StorageError(f"cannot open the database {path}: {error}") from error
        try:
            return cls(db, await _prepare(db), path)
        except aiosqlite.Error as error:
            await db.close()
            raise StorageError(f"cannot use the database {path}: {error}") from error
        except BaseException:
            await db.close()
            raise

    async def close(self) -> None:
        """Close the connection."""
        await self._db.close()

    @property
    def db(self) -> aiosqlite.Connection:
        """The connection, for the repositories of the other tables in bot/ (feeds, deliveries)."""
        return self._db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Statements that stand or fall together: committed at the end, rolled back on any error.
        Other tasks sharing the connection wait their turn, so their statements never slip into this
        transaction (nor a commit of theirs end it half-way); in the same task, it joins the open one."""
        task = asyncio.current_task()
        if self._owner is task:
            yield self._db
            return
        async with self._lock:
            self._owner = task
            try:
                with self._errors("write"):
                    await self._db.execute("BEGIN IMMEDIATE")
                    try:
                        yield self._db
                    except BaseException:
                        await self._rollback()
                        raise
                    await self._db.commit()
            finally:
                self._owner = None

    async def _rollback(self) -> None:
        try:
            await self._db.rollback()
        except sqlite3.Error:  # a database that broke mid-transaction: the first error is the one to tell
            log.debug("rollback failed", exc_info=True)

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """SQLite's errors (a full disk, a damaged file) as a StorageError saying which database."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            if type(error) not in (sqlite3.DatabaseError, sqlite3.OperationalError):
                raise  # a constraint or statement of ours at fault: a bug to see, not the file's state
            raise StorageError(f"cannot {action} the database {self.path}: {error}") from error

    # Episodes

    async def fingerprint_of(self, episode_id: str) -> str | None:
        """The stored fingerprint of an episode, or None when it isn't stored."""
        versions = await self.versions_of(episode_id)
        return versions[0] if versions else None

    async def versions_of(self, episode_id: str) -> tuple[str, str | None] | None:
        """The stored fingerprint of an episode and the one the index holds (None: not indexed); None
        when it isn't stored."""
        row = await self._one("SELECT fingerprint, indexed_fingerprint FROM episodes WHERE id = ?", episode_id)
        return (row[0], row[1]) if row else None

    async def fingerprints(self) -> dict[str, str]:
        """Every stored episode's fingerprint, by id (what a full index must hold)."""
        return {row[0]: row[1] for row in await self._all("SELECT id, fingerprint FROM episodes")}

    async def episode_with_fingerprint(self, fingerprint: str) -> str | None:
        """The id of an episode stored from exactly this content and metadata, if any."""
        row = await self._one("SELECT id FROM episodes WHERE fingerprint = ?", fingerprint)
        return row[0] if row else None

    async def episode_with_content(self, content_key: str) -> str | None:
        """The id of the first episode stored with this transcript content, if any."""
        row = await self._one(
            "SELECT id FROM episodes WHERE content_key = ? ORDER BY added_at, id LIMIT 1", content_key
        )
        return row[0] if row else None

    async def ids_without_content_key(self) -> list[str]:
        """Transcribed episodes stored before content keys were kept."""
        rows = await self._all("SELECT id FROM episodes WHERE content_key IS NULL AND words > 0 ORDER BY id")
        return [row[0] for row in rows]

    async def set_content_keys(self, keys: dict[str, str]) -> None:
        """Record the content keys of episodes stored before they were kept."""
        await self._write_many(
            "UPDATE episodes SET content_key = ? WHERE id = ?", ((key, i) for i, key in keys.items())
        )

    async def save_episode(self, record: EpisodeRecord) -> None:
        """Store an episode and its segments, replacing any earlier version, in one transaction."""
        await self.save_episodes([record])

    async def save_episodes(self, records: Sequence[EpisodeRecord]) -> None:
        """Store episodes (a feed's backlog, listed before their transcripts) in one transaction."""
        async with self.transaction():
            for record in records:
                await self._write_episode(record)

    async def _write_episode(self, record: EpisodeRecord) -> None:
        episode = record.episode
        words = sum(len(s.text.split()) for s in episode.segments)
        podcast_id = await self._podcast_id(episode.podcast)
        await self._db.execute("DELETE FROM segments WHERE episode_id = ?", (episode.id,))
        await self._db.execute(
            "INSERT OR REPLACE INTO episodes (id, podcast_id, title, published, duration, urls,"
            " source, format, words, fingerprint, indexed_fingerprint, added_at, content_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
            (
                episode.id, podcast_id, episode.title, _iso(episode.published), episode.duration,
                json.dumps(list(episode.urls)), record.source, record.format,
                words, record.fingerprint, _now(), record.content_key,
            ),
        )
        await self._db.executemany(
            "INSERT INTO segments (episode_id, seq, start, speaker, text) VALUES (?, ?, ?, ?, ?)",
            ((episode.id, i, s.start, s.speaker, s.text) for i, s in enumerate(episode.segments)),
        )

    async def update_metadata(self, episode: Episode, fingerprint: str) -> None:
        """Change an episode's podcast, title, date and links (its feed item was edited), keeping its text."""
        async with self.transaction():
            await self._db.execute(
                "UPDATE episodes SET podcast_id = ?, title = ?, published = ?, urls = ?, fingerprint = ?"
                " WHERE id = ?",
                (await self._podcast_id(episode.podcast), episode.title, _iso(episode.published),
                 json.dumps(list(episode.urls)), fingerprint, episode.id),
            )

    async def mark_indexed(self, fingerprints: dict[str, str]) -> None:
        """Record which version of each episode the search index now holds."""
        await self._write_many(
            "UPDATE episodes SET indexed_fingerprint = ? WHERE id = ?",
            ((fp, episode_id) for episode_id, fp in fingerprints.items()),
        )

    async def unindexed_ids(self) -> list[str]:
        """Episodes whose stored version the index does not hold yet (after a crash or a new index)."""
        rows = await self._all(
            "SELECT id FROM episodes WHERE indexed_fingerprint IS NOT fingerprint ORDER BY id"
        )
        return [row[0] for row in rows]

    async def forget_index(self) -> None:
        """Mark every episode as not indexed (before a full rebuild)."""
        await self._write("UPDATE episodes SET indexed_fingerprint = NULL")

    async def load_episode(self, episode_id: str) -> tuple[Episode, str] | None:
        """An episode with its segments, and its fingerprint; None when it isn't stored."""
        row = await self._one(
            f"SELECT {_EPISODE_COLUMNS}, e.fingerprint FROM episodes e"
            " JOIN podcasts p ON p.id = e.podcast_id WHERE e.id = ?",
            episode_id,
        )
        if row is None:
            return None
        rows = await self._all(
            "SELECT text, start, speaker FROM segments WHERE episode_id = ? ORDER BY seq", episode_id
        )
        info = _info(row)
        segments = tuple(Segment(r[0], r[1], r[2]) for r in rows)
        episode = Episode(info.id, info.podcast, info.title, info.published, info.urls, info.duration, segments)
        return episode, row["fingerprint"]

    async def episodes(self, limit: int, offset: int = 0) -> list[EpisodeInfo]:
        """Episodes, newest first."""
        rows = await self._all(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e JOIN podcasts p ON p.id = e.podcast_id"
            f" {_NEWEST_FIRST} LIMIT ? OFFSET ?",
            limit, offset,
        )
        return [_info(row) for row in rows]

    async def find_episodes(self, words: str, limit: int) -> list[EpisodeInfo]:
        """Episodes whose title contains every one of the words (any case), newest first."""
        terms = words.split()[:8]
        where = " AND ".join("e.title LIKE ? ESCAPE '\\'" for _ in terms) or "1"
        rows = await self._all(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e JOIN podcasts p ON p.id = e.podcast_id"
            f" WHERE {where} {_NEWEST_FIRST} LIMIT ?",
            *(f"%{_like_escaped(t)}%" for t in terms), limit,
        )
        return [_info(row) for row in rows]

    async def episode_info(self, episode_id: str) -> EpisodeInfo | None:
        """One episode as listed, or None when it isn't stored."""
        row = await self._one(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e JOIN podcasts p ON p.id = e.podcast_id WHERE e.id = ?",
            episode_id,
        )
        return _info(row) if row else None

    async def episodes_from_file(self, name: str, upload_source: str) -> list[EpisodeInfo]:
        """The episodes stored from a file of this name: ingested from a folder, or uploaded as
        `upload_source`; never those from a link (a feed's `…/transcript.vtt` is another thing)."""
        rows = await self._all(
            f"SELECT {_EPISODE_COLUMNS} FROM episodes e JOIN podcasts p ON p.id = e.podcast_id"
            " WHERE (e.source IN (?, ?) OR e.source LIKE ? ESCAPE '\\') AND e.source NOT LIKE '%://%'"
            f" {_NEWEST_FIRST}",
            upload_source, name, f"%/{_like_escaped(name)}",
        )
        return [_info(row) for row in rows]

    async def random_episode_id(self, pick: float) -> str | None:
        """The transcribed episode at a fraction `pick` (0 <= pick < 1) of them: random when pick is."""
        # Episodes listed from a feed have no words until their transcript arrives.
        count = (await self._one("SELECT count(*) FROM episodes WHERE words > 0"))[0]
        if not count:
            return None
        row = await self._one(
            "SELECT id FROM episodes WHERE words > 0 ORDER BY id LIMIT 1 OFFSET ?", int(pick * count)
        )
        return row[0]

    async def count_episodes(self) -> int:
        """How many episodes are stored."""
        return (await self._one("SELECT count(*) FROM episodes"))[0]

    async def counts(self) -> dict[str, int]:
        """Episodes, segments and words stored."""
        row = await self._one(
            "SELECT (SELECT count(*) FROM episodes), (SELECT count(*) FROM segments),"
            " (SELECT coalesce(sum(words), 0) FROM episodes)"
        )
        return {"episodes": row[0], "segments": row[1], "words": row[2]}

    # Subscriptions: (platform, chat, feed); feed '*' means every feed of the bot.

    async def subscribe(self, platform: str, chat_id: str, feed: str = ALL_FEEDS) -> bool:
        """Subscribe a chat (again, if it was broken); False when it already was, and active."""
        cursor = await self._write(
            "INSERT INTO subscriptions (platform, chat_id, feed, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO UPDATE SET status = 'active', broken_reason = NULL WHERE status != 'active'",
            (platform, chat_id, feed, _now()),
        )
        return cursor.rowcount > 0

    async def unsubscribe(self, platform: str, chat_id: str, feed: str | None = None) -> int:
        """Remove a chat's subscription to one feed, or to all of them; how many were removed."""
        sql = "DELETE FROM subscriptions WHERE platform = ? AND chat_id = ?"
        args: tuple[str, ...] = (platform, chat_id)
        if feed is not None:
            sql, args = sql + " AND feed = ?", (*args, feed)
        cursor = await self._write(sql, args)
        return cursor.rowcount

    async def subscriptions(self, platform: str, chat_id: str | None = None) -> list[Subscription]:
        """A platform's subscriptions, or one chat's."""
        sql = f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE platform = ?"
        args: tuple[str, ...] = (platform,)
        if chat_id is not None:
            sql, args = sql + " AND chat_id = ?", (*args, chat_id)
        return [Subscription(*row) for row in await self._all(sql + " ORDER BY chat_id, feed", *args)]

    async def subscription_counts(self) -> dict[str, int]:
        """How many subscriptions are in each status ('active', 'broken'), over every platform."""
        rows = await self._all("SELECT status, count(*) FROM subscriptions GROUP BY status")
        return {row[0]: row[1] for row in rows}

    async def subscribers(self, feed: str) -> list[Subscription]:
        """The active subscriptions that a new episode of this feed goes to."""
        rows = await self._all(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
            " WHERE status = 'active' AND feed IN (?, ?) ORDER BY platform, chat_id",
            feed, ALL_FEEDS,
        )
        return [Subscription(*row) for row in rows]

    async def move_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A chat changed its id (a Telegram group became a supergroup): its subscriptions follow."""
        await self._write(
            "UPDATE OR REPLACE subscriptions SET chat_id = ? WHERE platform = ? AND chat_id = ?",
            (new_chat_id, platform, old_chat_id),
        )

    async def mark_broken(self, platform: str, chat_id: str, reason: str) -> None:
        """Keep a subscription that can't be delivered, marked broken with the reason."""
        await self._write(
            "UPDATE subscriptions SET status = 'broken', broken_reason = ? WHERE platform = ? AND chat_id = ?",
            (reason, platform, chat_id),
        )

    # Saved searches: what a chat button runs again

    async def save_search(self, platform: str, user_id: str, query: str) -> int:
        """The id of this person's saved search for the query, saving it if it is new."""
        await self._write(
            "INSERT OR IGNORE INTO saved_searches (platform, user_id, query, created_at) VALUES (?, ?, ?, ?)",
            (platform, user_id, query, _now()),
        )
        row = await self._one(
            "SELECT id FROM saved_searches WHERE platform = ? AND user_id = ? AND query = ?",
            platform, user_id, query,
        )
        return row[0]

    async def saved_search(self, search_id: int) -> SavedSearch | None:
        """A saved search by its id, or None when there is no such search."""
        row = await self._one("SELECT id, platform, user_id, query FROM saved_searches WHERE id = ?", search_id)
        return SavedSearch(*row) if row else None

    # Small state

    async def get_state(self, key: str) -> str | None:
        """A value from the key-value state table."""
        row = await self._one("SELECT value FROM state WHERE key = ?", key)
        return row[0] if row else None

    async def set_state(self, key: str, value: str) -> None:
        """Store a value in the key-value state table."""
        await self._write("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    # Helpers

    async def _write(self, sql: str, args: Sequence[object] = ()) -> aiosqlite.Cursor:
        async with self.transaction() as db:
            return await db.execute(sql, args)

    async def _write_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        async with self.transaction() as db:
            await db.executemany(sql, rows)

    async def _podcast_id(self, name: str) -> int:
        await self._db.execute("INSERT OR IGNORE INTO podcasts (name) VALUES (?)", (name,))
        return (await self._one("SELECT id FROM podcasts WHERE name = ?", name))[0]

    async def _one(self, sql: str, *args: object) -> aiosqlite.Row | None:
        with self._errors("read"):
            async with self._db.execute(sql, args) as cursor:
                return await cursor.fetchone()

    async def _all(self, sql: str, *args: object) -> Sequence[aiosqlite.Row]:
        with self._errors("read"):
            async with self._db.execute(sql, args) as cursor:
                return await cursor.fetchall()


async def _prepare(db: aiosqlite.Connection) -> bool:
    """Set the connection up and migrate; True when the database was new."""
    db.row_factory = aiosqlite.Row
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA foreign_keys=ON")
    await db.execute("PRAGMA busy_timeout=5000")
    return await _migrate(db)


async def _migrate(db: aiosqlite.Connection) -> bool:
    """Bring the schema up to date; True when the database was new."""
    version = (await (await db.execute("PRAGMA user_version")).fetchone())[0]
    if version > len(MIGRATIONS):
        raise StorageError(f"the database is from a newer podquote (schema {version}); upgrade podquote")
    for number in range(version, len(MIGRATIONS)):
        await db.executescript(f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")
        log.info("database migrated to=%d", number + 1)
    return version == 0


def _info(row: aiosqlite.Row) -> EpisodeInfo:
    return EpisodeInfo(
        id=row[0],
        podcast=row[1],
        title=row[2],
        published=date.fromisoformat(row[3]) if row[3] else None,
        urls=tuple(json.loads(row[4])),
        duration=row[5],
        words=row[6],
    )


def _like_escaped(text: str) -> str:
    """Text for a LIKE pattern, its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

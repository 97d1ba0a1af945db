"""The library: episodes in the database and their passages in the index, kept in step."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from bot.config import Settings
from bot.ingest import Metadata, content_key, fingerprint, read_record, record_from_bytes, transcript_files
from bot.models import EpisodeInfo
from bot.storage import EpisodeRecord, Storage
from search.errors import TranscriptError
from search.index import WRITE_WAIT, QuoteIndex
from search.models import Episode, Hit, SearchResult
from search.quotes import quote_passage
from search.passages import build_passages

log = logging.getLogger(__name__)

# Episodes are committed to the index in batches: one commit per episode would dominate a bulk load.
INDEX_BATCH = 100
DATABASE_NAME = "podquote.db"

Progress = Callable[[int, int], None]
T = TypeVar("T")


def _one_writer(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Run a library write alone: the index takes one writer at a time, and the database connection
    one transaction (an operator's upload, a feed's transcript and /reindex may come at once)."""

    @functools.wraps(method)
    async def alone(self: Library, *args: object, **kwargs: object) -> T:
        async with self._writing:
            return await method(self, *args, **kwargs)

    return alone


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)
    episode_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every file went in (or was already in)."""
        return not self.failed

    def summary(self) -> str:
        """One line for the operator."""
        went_in = self.added + self.replaced
        return (
            f"{went_in} ingested ({self.added} new, {self.replaced} replaced), "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
        )


class Library:
    """Ingest, index and search a podcast's episodes."""

    def __init__(self, storage: Storage, index: QuoteIndex, write_wait: float = WRITE_WAIT) -> None:
        self.storage = storage
        self.index = index
        self.write_wait = write_wait
        self._saved = 0  # episodes saved since the last flush
        self._writing = asyncio.Lock()

    @classmethod
    async def open(cls, settings: Settings, write_wait: float = WRITE_WAIT) -> Library:
        """Open the data directory; seed an empty library; bring the index up to date with the database."""
        storage = await Storage.open(settings.data_dir / DATABASE_NAME)
        try:
            index = await asyncio.to_thread(QuoteIndex.open, settings.data_dir, write_wait)
            library = cls(storage, index, write_wait)
            await library._start(settings)
        except BaseException:
            await storage.close()  # its worker thread would keep the process alive after the error
            raise
        return library

    async def _start(self, settings: Settings) -> None:
        """Finish what an earlier run left (content keys, seeds, episodes stored but not indexed)."""
        await self._key_older_episodes()
        # Whenever it is empty, not only when the database is new: a seeds setting fixed after a
        # first start that found no seeds still seeds the library.
        if settings.seeds_dir is not None and not await self.storage.count_episodes():
            report = await self.ingest([settings.seeds_dir])
            level = logging.INFO if report.ok else logging.WARNING
            log.log(level, "seeded folder=%s %s", settings.seeds_dir, report.summary())
        await self.sync_index()

    async def _key_older_episodes(self) -> None:
        """Compute the content keys of episodes stored before they were kept (once, after an upgrade)."""
        ids = await self.storage.ids_without_content_key()
        for start in range(0, len(ids), INDEX_BATCH):
            keys = {}
            for episode_id in ids[start : start + INDEX_BATCH]:
                loaded = await self.storage.load_episode(episode_id)
                keys[episode_id] = content_key(loaded[0].segments) if loaded else None
            await self.storage.set_content_keys({i: key for i, key in keys.items() if key})
        if ids:
            log.info("content keys computed episodes=%d", len(ids))

    async def close(self) -> None:
        """Close the database."""
        await self.storage.close()

    # Ingestion

    @_one_writer
    async def ingest(
        self, paths: Sequence[Path], flags: Metadata = Metadata(), progress: Progress | None = None
    ) -> IngestReport:
        """Add or replace the episodes of transcript files; a bad file is reported, never half-written."""
        files = list(transcript_files(list(paths)))
        report = IngestReport()
        for done, path in enumerate(files, start=1):
            await self._ingest_file(path, flags, report)
            if self._saved >= INDEX_BATCH:
                await self._flush()
            if progress:
                progress(done, len(files))
        await self._flush()
        return report

    async def _ingest_file(self, path: Path, flags: Metadata, report: IngestReport) -> None:
        try:
            record = await asyncio.to_thread(read_record, path, flags)
        except TranscriptError as error:
            report.failed.append((path, str(error)))
            # INFO: the caller reports failures (the CLI prints each once; seeding warns with a count).
            log.info("ingest failed file=%s reason=%s", path, error)
            return
        except Exception as error:  # a parser's bug costs that one file, never the rest of the batch
            report.failed.append((path, f"could not be parsed ({type(error).__name__})"))
            # The traceback is for whoever fixes the parser (-v on the command line), not the operator.
            log.info("ingest crashed file=%s", path, exc_info=True)
            return
        outcome, episode_id = await self._store(record)
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.episode_ids.append(episode_id)

    async def ingest_bytes(self, data: bytes, name: str, source: str, metadata: Metadata) -> str:
        """Add or replace one episode from a transcript's bytes (a feed's download): 'added',
        'replaced' or 'unchanged'. Raises TranscriptError when they can't be read."""
        record = await asyncio.to_thread(record_from_bytes, data, name, source, metadata)
        outcome, _ = await self.ingest_record(record)
        return outcome

    @_one_writer
    async def ingest_record(self, record: EpisodeRecord) -> tuple[str, str]:
        """Add or replace one episode already read (an upload, a download): 'added', 'replaced' or
        'unchanged', and the episode's id (another's, when it already had exactly this transcript)."""
        outcome, episode_id = await self._store(record)
        await self._flush()
        log.info("ingested source=%s episode=%s outcome=%s", record.source, episode_id, outcome)
        return outcome, episode_id

    @_one_writer
    async def list_episodes(self, episodes: Sequence[Episode], source: str) -> int:
        """List episodes that have no transcript yet (a feed's new items); ones already stored are left
        as they are. How many were added."""
        new = [e for e in episodes if await self.storage.fingerprint_of(e.id) is None]
        for start in range(0, len(new), INDEX_BATCH):
            records = [EpisodeRecord(e, source, "", fingerprint(b"", e)) for e in new[start : start + INDEX_BATCH]]
            await self.storage.save_episodes(records)
            await self._flush()
        return len(new)

    @_one_writer
    async def update_listing(self, changed: Episode) -> bool:
        """Take an episode's new title, date and links (its feed item was edited), keeping its transcript."""
        loaded = await self.storage.load_episode(changed.id)
        if loaded is None:
            return False
        edited = await self._retitle(
            *loaded, title=changed.title, published=changed.published, urls=changed.urls
        )
        await self._flush()
        return edited

    async def _retitle(self, old: Episode, old_fingerprint: str, **fields: object) -> bool:
        """Give a stored episode new metadata, keeping its transcript; False when nothing changes."""
        new = replace(old, **fields)
        if new == old:
            return False
        new_fingerprint = fingerprint(old_fingerprint.encode(), new)
        await self.storage.update_metadata(new, new_fingerprint)
        self._saved += 1
        return True

    async def _store(self, record: EpisodeRecord) -> tuple[str, str]:
        """Save one record unless it is already stored; the outcome's name and the episode's id."""
        stored, indexed = await self.storage.versions_of(record.episode.id) or (None, None)
        if stored is None and record.id_from_place:
            twin = await self._twin(record)
            if twin is not None:
                return await self._store_twin(twin, record), twin[0].id
        if stored == record.fingerprint:
            # Stored, but not indexed (an index write failed): the flush that follows makes it searchable.
            return ("unchanged" if indexed == stored else "added"), record.episode.id
        if await self.storage.episode_with_fingerprint(record.fingerprint):
            return "unchanged", record.episode.id
        await self.storage.save_episode(record)
        self._saved += 1
        return ("replaced" if stored else "added"), record.episode.id

    async def _twin(self, record: EpisodeRecord) -> tuple[Episode, str] | None:
        """The stored episode with exactly this transcript, from another path (never two copies)."""
        twin_id = await self.storage.episode_with_content(record.content_key) if record.content_key else None
        return await self.storage.load_episode(twin_id) if twin_id else None

    async def _store_twin(self, twin: tuple[Episode, str], record: EpisodeRecord) -> str:
        """The same transcript again: only the metadata the operator gave for it can change."""
        changed = await self._retitle(*twin, **dict(record.given))
        return "replaced" if changed else "unchanged"

    async def _flush(self) -> int:
        """Index every episode the database holds and the index doesn't: this writer's, and any that an
        earlier write (of any process) saved but failed to index. How many."""
        self._saved = 0
        ids = await self.storage.unindexed_ids()
        for start in range(0, len(ids), INDEX_BATCH):
            async with self._index_turn():  # one batch a turn: another process's upload needn't wait long
                versions = await self._index_batch(self.index, ids[start : start + INDEX_BATCH])
                await self.storage.mark_indexed(versions)
        return len(ids)

    async def _index_batch(self, index: QuoteIndex, ids: Sequence[str]) -> dict[str, str]:
        """Index these episodes as the database has them now; the version of each that went in."""
        loaded = [await self.storage.load_episode(episode_id) for episode_id in ids]
        batch = {episode.id: (episode, version) for episode, version in filter(None, loaded)}
        await asyncio.to_thread(index.replace_episodes, [episode for episode, _ in batch.values()])
        return {episode_id: version for episode_id, (_, version) in batch.items()}

    @asynccontextmanager
    async def _index_turn(self) -> AsyncIterator[None]:
        """This writer's turn at the index: after this process's other writers, and, by an OS file lock,
        those of every other process on the data directory (`podquote ingest` beside the bot). Waited for
        off the event loop; IndexBusyError after `write_wait` seconds."""
        lock = self.index.writer_lock(self.write_wait)
        acquiring = asyncio.ensure_future(asyncio.to_thread(lock.acquire))
        try:
            await asyncio.shield(acquiring)
        except asyncio.CancelledError:  # the thread may take it yet: then give it back at once
            acquiring.add_done_callback(lambda done: done.exception() or lock.release())
            raise
        try:
            self.index.follow()  # another process may have switched to a rebuilt index
            yield
        finally:
            lock.release()

    @_one_writer
    async def sync_index(self) -> int:
        """Index whatever the database holds that the index doesn't (after a crash or a new index)."""
        if self.index.passage_count() == 0 and await self.storage.count_episodes():
            await self.storage.forget_index()  # a new index: whatever the marks say, it holds nothing
        count = await self._flush()
        if count:
            log.info("index synced episodes=%d", count)
        return count

    async def reindex(self) -> int:
        """Rebuild the whole index from the database beside the one in use, then switch to it: searches
        keep the old one, complete, until then. How many episodes the new one holds."""
        fresh = await asyncio.to_thread(QuoteIndex.fresh, self.index.home)
        try:
            built = await self._fill(fresh, {})
            async with self._writing, self._index_turn():
                built = await self._fill(fresh, built)  # what was written while it was built
                await asyncio.to_thread(self.index.switch_to, fresh)
                await self.storage.mark_indexed(built)
        except BaseException:
            await asyncio.to_thread(fresh.discard)  # unless it was switched to already
            raise
        log.info("reindexed episodes=%d folder=%s", len(built), fresh.folder)
        return len(built)

    async def _fill(self, fresh: QuoteIndex, built: dict[str, str]) -> dict[str, str]:
        """Index into a fresh index each stored episode whose stored version it doesn't hold yet."""
        wanted = [i for i, version in (await self.storage.fingerprints()).items() if built.get(i) != version]
        for start in range(0, len(wanted), INDEX_BATCH):
            built = {**built, **await self._index_batch(fresh, wanted[start : start + INDEX_BATCH])}
        return built

    # Reading

    def search(self, query: str, limit: int = 3, offset: int = 0) -> SearchResult:
        """The best quotes for a query (fast and synchronous: the index is memory-mapped)."""
        return self.index.search(query, limit=limit, offset=offset)

    async def random_quote(self, rng: random.Random) -> Hit | None:
        """A quotable passage from a random episode, or None when the library is empty."""
        episode_id = await self.storage.random_episode_id(rng.random())
        loaded = await self.storage.load_episode(episode_id) if episode_id else None
        if not loaded:
            return None
        episode = loaded[0]
        passages = [p for p in build_passages(episode.segments, episode.duration) if not p.boilerplate]
        return quote_passage(episode, rng.choice(passages)) if passages else None

    async def episodes(self, limit: int, offset: int = 0) -> list[EpisodeInfo]:
        """Episodes, newest first."""
        return await self.storage.episodes(limit, offset)

    async def stats(self) -> dict[str, int]:
        """Episodes, segments, words, passages and the index's size in bytes."""
        counts = await self.storage.counts()
        return {**counts, "passages": self.index.passage_count(), "index_bytes": self.index.size_bytes()}
